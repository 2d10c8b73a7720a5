package dicomarchive

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"
)

// Audit actions. Every call through the [Archive] API appends one entry
// with one of these actions, whatever its outcome: the CNIL expects
// accesses to patient data to be traceable, refused ones included.
const (
	ActionStore     = "store"
	ActionOpen      = "open"
	ActionQuery     = "query"
	ActionRead      = "read" // metadata of a study, series, instance or patient
	ActionReconcile = "reconcile"
	ActionMigrate   = "migrate"
	ActionPurge     = "purge"
	ActionDelete    = "delete"
	ActionHold      = "hold"
	ActionVerify    = "verify"
	ActionRepair    = "repair"
	ActionAudit     = "audit" // reading or verifying the audit trail itself
)

// AuditEntry is one record of the audit trail. Entries form a hash chain:
// each holds the hash of the previous one, so that changing, inserting or
// removing an entry breaks the chain at that point (see
// [Archive.VerifyAudit]).
type AuditEntry struct {
	Seq       int64     // 1, 2, 3… without gaps
	Time      time.Time // UTC, microsecond precision
	Principal string    // who: from the context (see WithPrincipal)
	Action    string    // what: one of the Action constants
	Object    string    // on what: a UID, a patient key, a digest
	Outcome   string    // "ok", or the error
	Detail    string    // free text: counts, coerced attributes…
	PrevHash  Digest    // Hash of entry Seq-1, zero for the first
	Hash      Digest    // ComputeHash of this entry
}

// ComputeHash returns the SHA-256 of the entry's canonical encoding
// (every field but Hash, length-prefixed, time in microseconds), chained
// to PrevHash. Backends call it in [AuditLog.Append].
func (e *AuditEntry) ComputeHash() Digest {
	h := sha256.New()
	var b [8]byte
	h.Write([]byte("radkit-audit-v1\x00"))
	binary.BigEndian.PutUint64(b[:], uint64(e.Seq))
	h.Write(b[:])
	binary.BigEndian.PutUint64(b[:], uint64(e.Time.UnixMicro()))
	h.Write(b[:])
	h.Write(e.PrevHash[:])
	for _, s := range []string{e.Principal, e.Action, e.Object, e.Outcome, e.Detail} {
		binary.BigEndian.PutUint64(b[:], uint64(len(s)))
		h.Write(b[:])
		h.Write([]byte(s))
	}
	var d Digest
	h.Sum(d[:0])
	return d
}

type principalKey struct{}

// WithPrincipal returns a context carrying the authenticated user or
// system on whose behalf archive calls are made; the audit trail records
// it. Authentication itself is the caller's (a DICOMweb front end's auth
// hook, a CLI's OS user).
func WithPrincipal(ctx context.Context, principal string) context.Context {
	return context.WithValue(ctx, principalKey{}, principal)
}

// PrincipalFrom returns the principal of ctx, or "".
func PrincipalFrom(ctx context.Context) string {
	p, _ := ctx.Value(principalKey{}).(string)
	return p
}

// AuditAnchor is a point of the chain kept outside the archive (another
// host, a timestamping authority, a printed register). The chain alone
// catches any edit that is not followed by recomputing every later hash;
// an anchor also catches a rewritten chain and removed trailing entries.
type AuditAnchor struct {
	Seq  int64
	Hash Digest
}

// VerifyAuditOptions steer [Archive.VerifyAudit].
type VerifyAuditOptions struct {
	// Anchors are points previously taken with [Archive.AuditHead]. Each
	// must still be in the chain with the same hash. Default: none.
	Anchors []AuditAnchor
}

// AuditReport is the result of [Archive.VerifyAudit].
type AuditReport struct {
	Entries int64       // entries checked
	Head    AuditAnchor // last entry
}

// audit appends an entry for a call. Failures to write the trail are
// returned: an access that cannot be traced must not go unnoticed.
func (a *Archive) audit(ctx context.Context, action, object string, outcome error, detail string) error {
	e := a.entry(ctx, action, object, outcome, detail)
	// The trail must be written even if the caller's ctx was cancelled
	// after the operation completed.
	if _, err := a.c.Audit.Append(context.WithoutCancel(ctx), e); err != nil {
		a.log.Error("audit append failed", "action", action, "err", err)
		return fmt.Errorf("dicomarchive: audit trail: %w", err)
	}
	return nil
}

// entry builds an audit entry for a call.
func (a *Archive) entry(ctx context.Context, action, object string, outcome error, detail string) AuditEntry {
	res := "ok"
	if outcome != nil {
		res = outcome.Error()
	}
	return AuditEntry{
		Time:      a.now().UTC().Truncate(time.Microsecond),
		Principal: PrincipalFrom(ctx),
		Action:    action,
		Object:    object,
		Outcome:   res,
		Detail:    detail,
	}
}

// done records the call in the audit trail and returns its error, or the
// audit failure if the call succeeded but could not be recorded.
func (a *Archive) done(ctx context.Context, action, object string, err error, detail string) error {
	if aerr := a.audit(ctx, action, object, err, detail); aerr != nil && err == nil {
		return aerr
	}
	return err
}

// AuditHead returns the last entry of the trail as an anchor to keep
// elsewhere.
func (a *Archive) AuditHead(ctx context.Context) (AuditAnchor, error) {
	e, err := a.c.Audit.LastAudit(ctx)
	return AuditAnchor{Seq: e.Seq, Hash: e.Hash}, err
}

// AuditEntries calls fn for every audit entry with Seq >= from, in order.
// Reading the trail is itself recorded.
func (a *Archive) AuditEntries(ctx context.Context, from int64, fn func(AuditEntry) error) error {
	if err := a.enter(ctx); err != nil {
		return err
	}
	defer a.leave()
	err := a.c.Audit.WalkAudit(ctx, from, fn)
	return a.done(ctx, ActionAudit, "", err, fmt.Sprintf("read from %d", from))
}

// VerifyAudit walks the whole trail and checks that sequence numbers have
// no gap, that each entry's hash matches its content and that each entry
// links to the previous one, and that every anchor is still there. The
// first break is returned as an [*AuditError] (errors.Is ErrAuditTampered).
// The check is recorded in the trail after it ran.
func (a *Archive) VerifyAudit(ctx context.Context, opts *VerifyAuditOptions) (AuditReport, error) {
	if err := a.enter(ctx); err != nil {
		return AuditReport{}, err
	}
	defer a.leave()
	var o VerifyAuditOptions
	if opts != nil {
		o = *opts
	}
	rep, err := verifyChain(ctx, a.c.Audit, o.Anchors)
	return rep, a.done(ctx, ActionAudit, "", err, fmt.Sprintf("verify: %d entries", rep.Entries))
}

func verifyChain(ctx context.Context, log AuditLog, anchors []AuditAnchor) (AuditReport, error) {
	var rep AuditReport
	want := make(map[int64]Digest, len(anchors))
	for _, an := range anchors {
		want[an.Seq] = an.Hash
	}
	var prev Digest
	err := log.WalkAudit(ctx, 1, func(e AuditEntry) error {
		next := rep.Head.Seq + 1
		switch {
		case e.Seq != next:
			return &AuditError{Seq: next, Reason: fmt.Sprintf("sequence gap: entry %d follows %d (entries removed)", e.Seq, rep.Head.Seq)}
		case e.ComputeHash() != e.Hash:
			return &AuditError{Seq: e.Seq, Reason: "hash mismatch: the entry was changed"}
		case e.PrevHash != prev:
			return &AuditError{Seq: e.Seq, Reason: "chain broken: the entry does not link to the previous one (inserted, removed or rewritten)"}
		}
		if h, ok := want[e.Seq]; ok {
			if h != e.Hash {
				return &AuditError{Seq: e.Seq, Reason: "anchor mismatch: the chain was rewritten from here or earlier"}
			}
			delete(want, e.Seq)
		}
		prev = e.Hash
		rep.Entries++
		rep.Head = AuditAnchor{Seq: e.Seq, Hash: e.Hash}
		return nil
	})
	if err != nil {
		return rep, err
	}
	for seq := range want {
		return rep, &AuditError{Seq: seq, Reason: fmt.Sprintf("anchored entry missing: the trail ends at %d (trailing entries removed)", rep.Head.Seq)}
	}
	return rep, nil
}
