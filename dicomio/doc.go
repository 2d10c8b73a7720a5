// Package dicomio reads and writes DICOM Part 10 files exactly, streams
// objects larger than memory, and refuses bad input with typed errors.
//
// Why not github.com/suyashkumar/dicom alone: radkit anonymises, archives
// and transfers files from French sites, and v1.1.0 of that library
// re-labels Latin-1 text as UTF-8, trims binary values, drops the Basic
// Offset Table, panics on unknown transfer syntaxes, empties pixel data on
// rewrite when told to skip it, and holds whole objects in memory. This
// package keeps every value as the bytes of the file (text is decoded under
// the Specific Character Set only when asked), so a read/write round trip
// is byte-exact, and it passes pixel data through with a fixed buffer. The
// regression tests named TestDefect* pin each of these behaviours;
// suyashkumar/dicom remains a differential reference in the tests.
//
// # Reading
//
// [ReadFile] and [Parse] load a file; [ReadMeta] reads only the file meta
// information. [ReadOptions] caps value lengths, total decoded bytes (the
// deflate-bomb guard) and nesting depth; lengths beyond what the input holds
// fail at once. Errors wrap [ErrNotDICOM], [ErrTruncated], [ErrLimit] or
// [ErrMalformed], or are an [*UnsupportedTransferSyntaxError], an
// [*UnsupportedCharsetError] or a [*ParseError] locating the element.
//
// # Writing
//
// [File.Write] and [WriteFile] (atomic: temporary file, fsync, rename)
// write valid Part 10: recomputed meta group length, radkit's
// Implementation Class UID, elements in tag order, even lengths, defined or
// undefined sequence lengths ([WriteOptions]), implicit or explicit VR
// little endian or deflated. Explicit VR big endian is read, not written.
//
// # Streaming
//
// [Rewrite] and [RewriteFile] edit the header of an object and pass its
// pixel data through unread: a 1 GB breast tomosynthesis object is
// rewritten with a heap of a few megabytes. An [Element] may also take its
// value from a [ValueSource] at write time, which is how large synthetic
// objects are generated without holding them.
//
// # Pixel data
//
// Native pixel data is an element's Value. Encapsulated pixel data is
// [Fragments]; [Frames] reassembles frames using the Extended or Basic
// Offset Table, and [EncapsulateFrames] builds both. Codecs live in
// dicomarchive/codec.
//
// Values of a [Dataset] are not safe for concurrent mutation; distinct
// Datasets may be used from different goroutines.
package dicomio
