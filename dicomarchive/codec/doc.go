// Package codec decodes and encodes DICOM pixel data by Transfer Syntax
// UID and transcodes whole objects between syntaxes.
//
// A [Registry] maps each Transfer Syntax UID to a [Decoder] and an
// [Encoder] of frames. [NewRegistry] returns one holding radkit's codecs:
//
//   - the native syntaxes (Implicit and Explicit VR Little Endian and
//     Deflated Explicit VR Little Endian, whose deflate applies to the
//     whole data set and is done by dicomio when writing);
//   - RLE Lossless (1.2.840.10008.1.2.5), package [rle];
//   - JPEG-LS Lossless (1.2.840.10008.1.2.4.80) and Near-Lossless
//     (1.2.840.10008.1.2.4.81), package [jpegls];
//   - JPEG Lossless process 14, selection value 1
//     (1.2.840.10008.1.2.4.70) and any predictor (1.2.840.10008.1.2.4.57),
//     package [ljpeg] (radkit encodes both with selection value 1).
//
// Other syntaxes (JPEG 2000, HTJ2K, JPEG baseline and extended) give an [*UnsupportedSyntaxError] naming them; a later codec plugs in
// with [Registry.RegisterDecoder] and [Registry.RegisterEncoder].
//
// [Transcode] converts a [dicomio.File] between any two supported
// syntaxes, frames in parallel, applying the rules of PS3.3 C.7.6.1.1.5
// when the result is lossy.
//
// Decoded frames are native pixel data as Explicit VR Little Endian holds
// it: little-endian samples of Bits Allocated bits, in the planar
// configuration the data set declares.
//
// [rle]: https://pkg.go.dev/github.com/radkit/radkit/dicomarchive/codec/rle
// [jpegls]: https://pkg.go.dev/github.com/radkit/radkit/dicomarchive/codec/jpegls
// [ljpeg]: https://pkg.go.dev/github.com/radkit/radkit/dicomarchive/codec/ljpeg
package codec
