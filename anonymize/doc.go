// Package anonymize de-identifies DICOM objects to the confidentiality
// profiles of DICOM PS3.15 Annex E (the basic profile and its options), with
// keyed pseudonymisation and pixel cleaning, for anonymised organ-donor
// images (Cristal Image), anonymous tele-expertise and pseudonymised research
// exports.
//
// Work in progress: the package is being built (see the project's issue
// tracker); it exports nothing yet.
package anonymize
