package transfer

import (
	"errors"
	"fmt"
)

// Code classifies a transfer failure so that callers can decide what to do
// (retry, restart, give up) without parsing messages. Codes are compared by
// [Error.Is], in the manner of tusd's handler errors, so errors.Is(err,
// ErrOffsetMismatch) holds for any *Error with that code whatever its
// message.
type Code string

// Codes. The HTTP status in parentheses is what a tus server answers.
const (
	CodeOffsetMismatch   Code = "offset-mismatch"   // 409: the server holds a different offset
	CodeLocked           Code = "locked"            // 423: another request holds the upload
	CodeTooLarge         Code = "too-large"         // 413: the chunk or upload exceeds a server limit
	CodeGone             Code = "gone"              // 404/410: the upload vanished or expired
	CodeChecksumMismatch Code = "checksum-mismatch" // 460: a chunk's Upload-Checksum did not match
	CodeDigestMismatch   Code = "digest-mismatch"   // the whole-file SHA-256 did not match
	CodeIdleTimeout      Code = "idle-timeout"      // no byte moved for the idle timeout
	CodeProtocol         Code = "protocol"          // the peer broke the tus protocol
	CodeRejected         Code = "rejected"          // a 4xx the client cannot recover from
	CodeUnavailable      Code = "unavailable"       // 5xx or a network error, retried with backoff
	CodeExhausted        Code = "exhausted"         // the retry budget is spent
	CodeUnsupported      Code = "unsupported"       // the server lacks a required extension
)

// Error is a transfer failure. Status is the HTTP status that caused it, or
// 0 when no response was received.
type Error struct {
	Code    Code
	Status  int
	Message string
	Err     error // underlying cause, may be nil
}

func (e *Error) Error() string {
	s := "transfer: " + string(e.Code)
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same code: sentinels match
// every error of their class.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Code == e.Code
	}
	return false
}

// Sentinels, one per [Code], for errors.Is.
var (
	ErrOffsetMismatch   = &Error{Code: CodeOffsetMismatch}
	ErrLocked           = &Error{Code: CodeLocked}
	ErrTooLarge         = &Error{Code: CodeTooLarge}
	ErrGone             = &Error{Code: CodeGone}
	ErrChecksumMismatch = &Error{Code: CodeChecksumMismatch}
	ErrDigestMismatch   = &Error{Code: CodeDigestMismatch}
	ErrIdleTimeout      = &Error{Code: CodeIdleTimeout}
	ErrProtocol         = &Error{Code: CodeProtocol}
	ErrRejected         = &Error{Code: CodeRejected}
	ErrUnavailable      = &Error{Code: CodeUnavailable}
	ErrExhausted        = &Error{Code: CodeExhausted}
	ErrUnsupported      = &Error{Code: CodeUnsupported}
)

func newError(c Code, status int, msg string, err error) *Error {
	return &Error{Code: c, Status: status, Message: msg, Err: err}
}

// retryable reports whether err is worth another attempt at the same
// request after a pause.
func retryable(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case CodeLocked, CodeChecksumMismatch, CodeIdleTimeout, CodeUnavailable, CodeOffsetMismatch:
		return true
	}
	return false
}
