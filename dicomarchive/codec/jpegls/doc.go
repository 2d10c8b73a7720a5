// Package jpegls implements JPEG-LS (ISO/IEC 14495-1, ITU-T T.87) in pure
// Go: lossless and near-lossless coding of 2- to 16-bit images with 1 to 4
// components, in the three interleave modes, with restart markers, preset
// coding parameters (LSE) and the HP colour transforms.
//
// It is verified against the ISO conformance suite: every .jls file of the
// suite decodes bit-exactly to its reference image (or within NEAR), and
// the reference images encode to byte-identical .jls files where the
// suite used the standard's defaults.
//
// Decoded samples, and samples to encode, are one byte each up to 8 bits
// and two little-endian bytes beyond, pixel-interleaved (R G B R G B …)
// whatever the stream's interleave mode; that is DICOM's native layout
// with Planar Configuration 0. Subsampled components, which DICOM never
// uses, decode as planes one after the other.
//
// Restart intervals ([WithRestartInterval]) make parts of one image
// independent: the encoder and decoder then use several cores for a
// single large image such as a mammogram. CharLS 2 and radkit decode such
// streams; older decoders such as dcmtk 3.6.7's may not.
//
// Hostile input: the decoder bounds the declared image size before
// allocating ([WithMaxBytes]), returns [*FormatError] or
// [UnsupportedError] on invalid or unsupported streams, and never panics
// (fuzzed with the conformance files as seeds).
package jpegls
