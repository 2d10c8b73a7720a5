package jpegls

import (
	"errors"
	"fmt"
)

// Sentinel errors, to test with [errors.Is].
var (
	// ErrTooLarge means the declared image exceeds the decoder's
	// [WithMaxBytes] limit or the encoder's input does not match the
	// declared geometry. The limit protects against streams that declare
	// absurd dimensions to make the decoder allocate.
	ErrTooLarge = errors.New("jpegls: image exceeds the size limit")
	// ErrTruncated means the stream ended before the image was complete.
	ErrTruncated = errors.New("jpegls: truncated stream")
)

// FormatError reports a stream that is not valid JPEG-LS, with the byte
// offset where the problem was detected.
type FormatError struct {
	Offset int64
	Msg    string
	// Err is an optional sentinel such as [ErrTruncated].
	Err error
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("jpegls: invalid stream at offset %d: %s", e.Offset, e.Msg)
}

// Unwrap returns the sentinel the error wraps, if any.
func (e *FormatError) Unwrap() error { return e.Err }

// UnsupportedError reports a valid JPEG-LS (or JPEG) feature that this
// package does not implement, such as mapping tables or a non-JPEG-LS
// start-of-frame marker.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "jpegls: unsupported feature: " + string(e) }

func formatErr(off int, format string, args ...any) error {
	return &FormatError{Offset: int64(off), Msg: fmt.Sprintf(format, args...)}
}

func truncatedErr(off int) error {
	return &FormatError{Offset: int64(off), Msg: "stream ends before the image is complete", Err: ErrTruncated}
}
