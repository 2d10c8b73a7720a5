package dicomio

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of them (test
// with [errors.Is]) or are one of the struct types below (test with
// [errors.As]).
var (
	// ErrNotDICOM means the input has neither the Part 10 preamble and
	// "DICM" prefix nor a recognisable raw data set.
	ErrNotDICOM = errors.New("dicomio: not a DICOM file")
	// ErrTruncated means the input ended inside an element or sequence.
	ErrTruncated = errors.New("dicomio: truncated input")
	// ErrLimit means a value or the whole data set exceeded a limit of
	// [ReadOptions]; it protects against absurd lengths and decompression
	// bombs.
	ErrLimit = errors.New("dicomio: limit exceeded")
	// ErrMalformed means the bytes are not a valid encoding (bad item
	// tags, odd lengths where forbidden, inconsistent offsets).
	ErrMalformed = errors.New("dicomio: malformed data set")
	// ErrPixelDataNotLoaded is returned when writing a data set whose pixel
	// data was skipped on read: radkit refuses to write an object whose
	// pixels would be silently emptied.
	ErrPixelDataNotLoaded = errors.New("dicomio: pixel data was not loaded; refusing to write an object without it")
	// ErrNotFound is returned by typed accessors when the element is absent.
	ErrNotFound = errors.New("dicomio: element not found")
)

// ParseError locates a decoding failure: the byte offset in the (inflated)
// stream where the element started and its tag.
type ParseError struct {
	Offset int64
	Tag    Tag
	Err    error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("dicomio: at offset %d, element %v: %v", e.Offset, e.Tag, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// UnsupportedTransferSyntaxError names a transfer syntax this package cannot
// decode the data set of (an unknown or private UID), or cannot convert
// between without a pixel codec.
type UnsupportedTransferSyntaxError struct {
	UID    string
	Reason string
}

func (e *UnsupportedTransferSyntaxError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("dicomio: unsupported transfer syntax %q: %s", e.UID, e.Reason)
	}
	return fmt.Sprintf("dicomio: unsupported transfer syntax %q", e.UID)
}

// UnsupportedCharsetError names a Specific Character Set term this package
// cannot decode, or a string that cannot be encoded in the data set's
// character set.
type UnsupportedCharsetError struct {
	Term   string
	Reason string
}

func (e *UnsupportedCharsetError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("dicomio: character set %q: %s", e.Term, e.Reason)
	}
	return fmt.Sprintf("dicomio: unsupported character set %q", e.Term)
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}
