package dicomio

import "io"

// File is a DICOM Part 10 file: preamble, file meta information (group
// 0002, always explicit VR little endian) and the data set.
type File struct {
	// Preamble is the 128-byte preamble, kept as read (some files carry a
	// TIFF header there, PS3.10 7.5). Zero for new files.
	Preamble [128]byte
	// Meta is the file meta information. The writer recomputes the group
	// length and sets radkit's Implementation Class UID and Version Name.
	Meta *Dataset
	// Dataset is the body.
	Dataset *Dataset
	// TransferSyntax is the body's encoding, from Meta's (0002,0010).
	TransferSyntax TransferSyntax
}

// ValueSource supplies an element's value at write time, so that a value
// larger than memory (the pixel data of a tomosynthesis object) streams from
// its origin to the output. An element with a Source has no Value.
type ValueSource interface {
	// Len is the value length in bytes (even), or -1 for encapsulated
	// pixel data, whose items and sequence delimiter WriteValue then
	// writes.
	Len() int64
	// WriteValue writes the value, binary numbers little-endian. It is
	// called at most once per write; a single-use source (a stream being
	// passed through) errors on a second call.
	WriteValue(w io.Writer) error
}

// PixelDataMode says what the reader does with (7FE0,0010) and the float
// pixel data elements.
type PixelDataMode int

const (
	// PixelDataLoad reads the pixel data into memory (the default).
	PixelDataLoad PixelDataMode = iota
	// PixelDataSkip reads past the pixel data, keeping its length. A data
	// set read this way cannot be written: [ErrPixelDataNotLoaded].
	PixelDataSkip
	// PixelDataStream leaves the pixel data in the input: the element
	// gets a single-use [ValueSource] reading from the input, valid until
	// the input is read by anything else. [Rewrite] uses it.
	PixelDataStream
)
