// Package transfer moves DICOM studies between sites resumably and
// verifiably (tus, DICOMweb STOW-RS; DIMSE in transfer/dimse), for
// teleradiology, organ-donor images and second reading.
//
// Work in progress: the package is being built (see the project's issue
// tracker); it exports nothing yet.
package transfer
