// Package dicomarchive is a tiered archive of DICOM objects as French
// archiving rules require it: an immediate lossless tier kept at least three
// years, a deferred tier where lossy compression is allowed, retention of 20
// years (hospitals) or at least 5 years (private practice), integrity
// checks, an audit trail and identity reconciliation. Its pixel codecs live
// under dicomarchive/codec.
//
// Work in progress: the package is being built (see the project's issue
// tracker); it exports nothing yet.
package dicomarchive
