package dimse

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors of this package wrap one of them (test with
// [errors.Is]) or are one of the struct types below (test with [errors.As]).
var (
	// ErrMalformedPDU means the peer sent bytes that are not a valid PDU
	// or PDV: the association is aborted.
	ErrMalformedPDU = errors.New("dimse: malformed PDU")
	// ErrTruncated means a PDU, item or command ended early.
	ErrTruncated = errors.New("dimse: truncated PDU")
	// ErrPDUTooLarge means a PDU exceeded the negotiated maximum length
	// (or, for association PDUs, 1 MiB).
	ErrPDUTooLarge = errors.New("dimse: PDU exceeds the maximum length")
	// ErrLimit means a count limit was hit: presentation contexts,
	// transfer syntaxes, command size, concurrent associations.
	ErrLimit = errors.New("dimse: limit exceeded")
	// ErrUnexpectedPDU means a PDU or PDV arrived that the state machine
	// does not allow at that point (PS3.8 9.2).
	ErrUnexpectedPDU = errors.New("dimse: unexpected PDU")
	// ErrMalformedCommand means a command set could not be decoded or
	// lacks a required field.
	ErrMalformedCommand = errors.New("dimse: malformed command set")
	// ErrNoPresentationContext means no accepted presentation context
	// fits the SOP class (and transfer syntax) of what is to be sent.
	ErrNoPresentationContext = errors.New("dimse: no accepted presentation context")
	// ErrAssociationClosed means the association was released or aborted
	// and cannot carry more messages.
	ErrAssociationClosed = errors.New("dimse: association closed")
	// ErrServerClosed is returned by [Server.Serve] after
	// [Server.Shutdown] or [Server.Close], like http.ErrServerClosed.
	ErrServerClosed = errors.New("dimse: server closed")
	// ErrWarning and ErrFailure match every [*StatusError] of the class
	// (PS3.7 C): errors.Is(err, ErrWarning) is true for 0xB000 and
	// 0x0107, errors.Is(err, ErrFailure) for 0xA7xx, 0xCxxx, 0x01xx...
	ErrWarning = errors.New("dimse: warning status")
	ErrFailure = errors.New("dimse: failure status")
	// ErrCancel matches a Cancel status (0xFE00).
	ErrCancel = errors.New("dimse: operation cancelled")
)

// PDUError locates a malformed or unexpected PDU by its type.
type PDUError struct {
	Type byte
	Err  error
}

func (e *PDUError) Error() string {
	return fmt.Sprintf("dimse: PDU type 0x%02x: %v", e.Type, e.Err)
}

func (e *PDUError) Unwrap() error { return e.Err }

// RejectError is an A-ASSOCIATE-RJ: the acceptor refused the association.
// Result 1 is permanent, 2 transient; Source and Reason are as in PS3.8
// 9.3.4 (for example source 1 reason 7: called AE title not recognised).
type RejectError struct {
	Result, Source, Reason byte
}

func (e *RejectError) Error() string {
	kind := "permanent"
	if e.Result == 2 {
		kind = "transient"
	}
	return fmt.Sprintf("dimse: association rejected (%s, source %d, reason %d: %s)", kind, e.Source, e.Reason, rejectReason(e.Source, e.Reason))
}

// Permanent reports whether retrying with the same parameters is pointless.
func (e *RejectError) Permanent() bool { return e.Result != 2 }

func rejectReason(source, reason byte) string {
	switch {
	case source == 1 && reason == 2:
		return "application context name not supported"
	case source == 1 && reason == 3:
		return "calling AE title not recognised"
	case source == 1 && reason == 7:
		return "called AE title not recognised"
	case source == 2 && reason == 2:
		return "protocol version not supported"
	case source == 3 && reason == 1:
		return "temporary congestion"
	case source == 3 && reason == 2:
		return "local limit exceeded"
	}
	return "no reason given"
}

// Reject reasons the server sends (PS3.8 9.3.4).
var (
	rejectNoReason        = reject{Result: 1, Source: 1, Reason: 1}
	rejectAppContext      = reject{Result: 1, Source: 1, Reason: 2}
	rejectCalledAE        = reject{Result: 1, Source: 1, Reason: 7}
	rejectProtocolVersion = reject{Result: 1, Source: 2, Reason: 2}
	rejectLimit           = reject{Result: 2, Source: 3, Reason: 2}
)

// AbortError is an A-ABORT received from the peer (Source 0: service
// user; 2: service provider, with Reason as in PS3.8 9.3.8) or sent by us
// after a protocol error (Local true, Err the cause).
type AbortError struct {
	Source, Reason byte
	Local          bool
	Err            error
}

func (e *AbortError) Error() string {
	if e.Local {
		return fmt.Sprintf("dimse: association aborted: %v", e.Err)
	}
	return fmt.Sprintf("dimse: association aborted by peer (source %d, reason %d)", e.Source, e.Reason)
}

func (e *AbortError) Unwrap() error {
	if e.Err != nil {
		return e.Err
	}
	return ErrAssociationClosed
}

// Status codes used by this package (PS3.7 C, PS3.4 B.2.3, C.4.1.1.4).
const (
	StatusSuccess              uint16 = 0x0000
	StatusPending              uint16 = 0xFF00
	StatusPendingWarning       uint16 = 0xFF01
	StatusCancel               uint16 = 0xFE00
	StatusOutOfResources       uint16 = 0xA700
	StatusDataSetMismatch      uint16 = 0xA900
	StatusCannotUnderstand     uint16 = 0xC000
	StatusCoercionOfElements   uint16 = 0xB000
	StatusElementsDiscarded    uint16 = 0xB007
	StatusSOPClassNotSupported uint16 = 0x0122
	StatusUnrecognizedOp       uint16 = 0x0211
	StatusProcessingFailure    uint16 = 0x0110
	StatusDuplicateInstance    uint16 = 0x0111
	StatusUnableToProcess      uint16 = 0xC001
)

// StatusError is a non-success DIMSE status. Warnings are errors too, so
// that a caller cannot miss a coerced or partly discarded instance; test
// the class with errors.Is(err, ErrWarning) / ErrFailure / ErrCancel.
type StatusError struct {
	Code uint16
	// Comment is the peer's Error Comment (0000,0902), if any.
	Comment string
}

func (e *StatusError) Error() string {
	if e.Comment != "" {
		return fmt.Sprintf("dimse: status 0x%04X (%s): %s", e.Code, statusClassName(e.Code), e.Comment)
	}
	return fmt.Sprintf("dimse: status 0x%04X (%s)", e.Code, statusClassName(e.Code))
}

// Is matches the class sentinels and another *StatusError of the same code.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrWarning:
		return statusClass(e.Code) == classWarning
	case ErrFailure:
		return statusClass(e.Code) == classFailure
	case ErrCancel:
		return statusClass(e.Code) == classCancel
	}
	if t, ok := target.(*StatusError); ok {
		return t.Code == e.Code
	}
	return false
}

type class int

const (
	classSuccess class = iota
	classPending
	classCancel
	classWarning
	classFailure
)

// statusClass classifies a status code per PS3.7 C.
func statusClass(c uint16) class {
	switch {
	case c == 0:
		return classSuccess
	case c == 0xFF00 || c == 0xFF01:
		return classPending
	case c == 0xFE00:
		return classCancel
	case c == 0x0001 || c&0xF000 == 0xB000 || c == 0x0107 || c == 0x0116:
		return classWarning
	}
	return classFailure
}

func statusClassName(c uint16) string {
	return [...]string{"success", "pending", "cancel", "warning", "failure"}[statusClass(c)]
}

// statusErr returns nil for success and pending, a *StatusError otherwise.
func statusErr(code uint16, comment string) error {
	switch statusClass(code) {
	case classSuccess, classPending:
		return nil
	}
	return &StatusError{Code: code, Comment: comment}
}
