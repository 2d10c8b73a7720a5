package dicomarchive

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of them (test
// with errors.Is) or are one of the struct types below (test with
// errors.As); a struct type's Is method also matches its sentinel, so
// errors.Is(err, ErrConflict) holds for a [*ConflictError].
var (
	// ErrNotFound means no instance, series, study, patient or blob has
	// the given identifier.
	ErrNotFound = errors.New("dicomarchive: not found")
	// ErrConflict means an operation conflicts with what the archive
	// holds: a different object offered under a stored SOP Instance UID
	// ([ConflictError]), a merge of a patient already merged, a patient
	// ID that belongs to another patient.
	ErrConflict = errors.New("dicomarchive: conflict")
	// ErrInvalidObject means the input is not a DICOM object the archive
	// can index (not DICOM, truncated, or missing a required UID); see
	// [InvalidObjectError].
	ErrInvalidObject = errors.New("dicomarchive: invalid object")
	// ErrTier means an object was refused by a tier: lossy pixel data
	// offered to the immediate tier; see [TierError].
	ErrTier = errors.New("dicomarchive: object not allowed in this tier")
	// ErrCorrupt means a blob's content no longer hashes to its digest.
	ErrCorrupt = errors.New("dicomarchive: blob content does not match its digest")
	// ErrHeld means a study under legal hold was to be deleted.
	ErrHeld = errors.New("dicomarchive: study under legal hold")
	// ErrUnsupported means the configured backend lacks a capability the
	// operation needs (see [Composer.Capabilities]), or the operation is
	// not implemented yet.
	ErrUnsupported = errors.New("dicomarchive: operation not supported by the backend")
	// ErrNoPrincipal means [Options.RequirePrincipal] is set and the
	// context carries no principal (see [WithPrincipal]).
	ErrNoPrincipal = errors.New("dicomarchive: no principal in context")
	// ErrClosed means the archive was closed.
	ErrClosed = errors.New("dicomarchive: archive closed")
	// ErrInvalidNIR means an INS or NIR failed validation; see
	// [NIRError].
	ErrInvalidNIR = errors.New("dicomarchive: invalid NIR")
	// ErrPolicy means a retention policy breaks the French minimums or is
	// inconsistent; see [PolicyError].
	ErrPolicy = errors.New("dicomarchive: invalid retention policy")
	// ErrAuditTampered means the audit trail fails verification; see
	// [AuditError].
	ErrAuditTampered = errors.New("dicomarchive: audit trail tampered")
	// ErrSchema means the index was written by a newer radkit, whose
	// schema this version does not know.
	ErrSchema = errors.New("dicomarchive: index schema newer than this radkit")
	// ErrQuery means a query has an invalid parameter; see [QueryError].
	ErrQuery = errors.New("dicomarchive: invalid query")
)

// ConflictError reports a different object offered under a SOP Instance
// UID already stored. The archive never overwrites: the stored object
// stays, the offer is refused and recorded (see [Archive.Conflicts]).
type ConflictError struct {
	SOPInstanceUID string
	Stored         Digest // digest of the object the archive holds
	Offered        Digest // digest of the object refused
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("dicomarchive: SOP Instance UID %s already stored as %s; refused different content %s",
		e.SOPInstanceUID, e.Stored.Short(), e.Offered.Short())
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// InvalidObjectError says why an upload was refused before anything was
// kept.
type InvalidObjectError struct {
	Reason string
	Err    error // underlying dicomio error, if any
}

func (e *InvalidObjectError) Error() string {
	if e.Err != nil {
		return "dicomarchive: invalid object: " + e.Reason + ": " + e.Err.Error()
	}
	return "dicomarchive: invalid object: " + e.Reason
}

// Is makes errors.Is(err, ErrInvalidObject) true.
func (e *InvalidObjectError) Is(target error) bool { return target == ErrInvalidObject }

func (e *InvalidObjectError) Unwrap() error { return e.Err }

// TierError reports an object refused by a tier.
type TierError struct {
	Tier           Tier
	TransferSyntax string
	Reason         string
}

func (e *TierError) Error() string {
	return fmt.Sprintf("dicomarchive: %s tier refuses the object (transfer syntax %s): %s", e.Tier, e.TransferSyntax, e.Reason)
}

// Is makes errors.Is(err, ErrTier) true.
func (e *TierError) Is(target error) bool { return target == ErrTier }

// CorruptBlobError reports a blob whose content does not hash to its
// digest, or whose size differs from the indexed one.
type CorruptBlobError struct {
	Digest Digest
	Got    Digest // digest of the content actually read (zero if unread)
	Size   int64  // indexed size
	Read   int64  // bytes actually read
}

func (e *CorruptBlobError) Error() string {
	return fmt.Sprintf("dicomarchive: blob %s is corrupt: read %d bytes hashing to %s, want %d bytes",
		e.Digest.Short(), e.Read, e.Got.Short(), e.Size)
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptBlobError) Is(target error) bool { return target == ErrCorrupt }

// DigestMismatchError is returned by [BlobWriter.Commit] when the content
// written does not hash to the digest the caller expected; nothing is
// kept.
type DigestMismatchError struct {
	Want, Got Digest
}

func (e *DigestMismatchError) Error() string {
	return fmt.Sprintf("dicomarchive: content hashes to %s, expected %s", e.Got.Short(), e.Want.Short())
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *DigestMismatchError) Is(target error) bool { return target == ErrCorrupt }

// HeldError reports a deletion refused by a legal hold.
type HeldError struct {
	StudyInstanceUID string
	Reason           string
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("dicomarchive: study %s is under legal hold (%s)", e.StudyInstanceUID, e.Reason)
}

// Is makes errors.Is(err, ErrHeld) true.
func (e *HeldError) Is(target error) bool { return target == ErrHeld }

// NIRError says why an INS or NIR is invalid.
type NIRError struct {
	Input  string
	Reason string
}

func (e *NIRError) Error() string {
	return fmt.Sprintf("dicomarchive: invalid NIR %q: %s", e.Input, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidNIR) true.
func (e *NIRError) Is(target error) bool { return target == ErrInvalidNIR }

// PolicyError says which rule of a [Policy] is invalid.
type PolicyError struct {
	Field  string
	Reason string
}

func (e *PolicyError) Error() string {
	return fmt.Sprintf("dicomarchive: invalid policy: %s: %s", e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrPolicy) true.
func (e *PolicyError) Is(target error) bool { return target == ErrPolicy }

// QueryError names an invalid query parameter.
type QueryError struct {
	Param  string
	Reason string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("dicomarchive: invalid query parameter %s: %s", e.Param, e.Reason)
}

// Is makes errors.Is(err, ErrQuery) true.
func (e *QueryError) Is(target error) bool { return target == ErrQuery }

// AuditError locates the first break in the audit chain.
type AuditError struct {
	Seq    int64  // sequence number of the first entry that fails
	Reason string // "hash mismatch", "chain broken", "sequence gap", ...
}

func (e *AuditError) Error() string {
	return fmt.Sprintf("dicomarchive: audit trail tampered at entry %d: %s", e.Seq, e.Reason)
}

// Is makes errors.Is(err, ErrAuditTampered) true.
func (e *AuditError) Is(target error) bool { return target == ErrAuditTampered }
