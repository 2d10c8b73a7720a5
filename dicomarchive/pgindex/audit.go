package pgindex

import (
	"context"
	"fmt"
	"time"

	"github.com/radkit/radkit/dicomarchive"
)

// sealBatch bounds the entries one pass of a seal links into the chain,
// and so how long it holds the sealing lock at a time.
const sealBatch = 1000

// Append implements [dicomarchive.AuditLog]: the entry is committed to
// the pending table, then sealed into the chain with the others
// committed meanwhile (see the package documentation) and returned
// sealed. An error after the entry committed says so: the entry is then
// sealed by the next append, LastAudit or WalkAudit of any process, and
// appending it again would record it twice.
func (ix *Index) Append(ctx context.Context, e dicomarchive.AuditEntry) (dicomarchive.AuditEntry, error) {
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	var id int64
	err := ix.db.QueryRow(ctx, `INSERT INTO audit_pending (at, principal, action, object, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		e.Time, []byte(e.Principal), []byte(e.Action), []byte(e.Object), []byte(e.Outcome), []byte(e.Detail)).Scan(&id)
	if err != nil {
		return e, dbErr(err)
	}
	sealed, err := ix.sealed(ctx, id, e)
	if err != nil {
		return e, fmt.Errorf("pgindex: audit entry recorded, not yet sealed: %w", err)
	}
	return sealed, nil
}

// sealed returns pending entry id, whose content is e's, once it is
// sealed into the chain, sealing it (with every entry pending before it)
// if need be: one statement, audit_seal, which waits for the sealer
// running, if any, and finds the entry sealed by it or seals itself.
func (ix *Index) sealed(ctx context.Context, id int64, e dicomarchive.AuditEntry) (dicomarchive.AuditEntry, error) {
	rows, err := ix.db.Query(ctx, `SELECT seq, prev_hash, hash FROM audit_seal($1, $2)`, sealBatch, id)
	if err != nil {
		return e, dbErr(err)
	}
	defer rows.Close()
	var found bool
	var got dicomarchive.AuditEntry
	for rows.Next() {
		var seq int64
		var prev, h []byte
		if err := rows.Scan(&seq, &prev, &h); err != nil {
			return e, dbErr(err)
		}
		if c, ok := sealedAs(e, seq, prev, h); ok && !found {
			got, found = c, true
		}
	}
	if err := rows.Err(); err != nil {
		return e, dbErr(err)
	}
	if !found {
		return e, fmt.Errorf("pgindex: audit entry %d is not in the chain with its content", id)
	}
	return got, nil
}

// sealedAs returns e sealed as the database did, and whether the hash it
// gave is the one radkit computes (it always is unless the chain entry
// claiming to come from e is someone else's).
func sealedAs(e dicomarchive.AuditEntry, seq int64, prev, h []byte) (dicomarchive.AuditEntry, bool) {
	e.Seq = seq
	copy(e.PrevHash[:], prev)
	e.Hash = e.ComputeHash()
	return e, len(h) == len(e.Hash) && dicomarchive.Digest(h) == e.Hash
}

// sealAll seals every entry committed before the call.
func (ix *Index) sealAll(ctx context.Context) error {
	_, err := ix.db.Exec(ctx, `SELECT count(*) FROM audit_seal($1, NULL)`, sealBatch)
	return dbErr(err)
}

// LastAudit implements [dicomarchive.AuditLog]. Entries committed but not
// yet sealed (by a process that died before sealing them) are sealed
// first.
func (ix *Index) LastAudit(ctx context.Context) (dicomarchive.AuditEntry, error) {
	if err := ix.sealAll(ctx); err != nil {
		return dicomarchive.AuditEntry{}, err
	}
	var last dicomarchive.AuditEntry
	err := walkRows(ctx, ix.db, auditSelect+` ORDER BY seq DESC LIMIT 1`, nil, func(r scanner) error {
		var err error
		last, err = scanAudit(r)
		return err
	})
	return last, err
}

const auditSelect = `SELECT seq, at, principal, action, object, outcome, detail, prev_hash, hash FROM audit`

func scanAudit(r scanner) (dicomarchive.AuditEntry, error) {
	var e dicomarchive.AuditEntry
	var prev, h, principal, action, object, outcome, detail []byte
	if err := r.Scan(&e.Seq, &e.Time, &principal, &action, &object, &outcome, &detail, &prev, &h); err != nil {
		return e, err
	}
	e.Principal, e.Action, e.Object, e.Outcome, e.Detail = string(principal), string(action), string(object), string(outcome), string(detail)
	e.Time = e.Time.UTC()
	copy(e.PrevHash[:], prev)
	copy(e.Hash[:], h)
	return e, nil
}

// WalkAudit implements [dicomarchive.AuditLog]. As LastAudit, it seals
// what is pending first.
func (ix *Index) WalkAudit(ctx context.Context, from int64, fn func(dicomarchive.AuditEntry) error) error {
	if err := ix.sealAll(ctx); err != nil {
		return err
	}
	for {
		var batch []dicomarchive.AuditEntry
		err := walkRows(ctx, ix.db, auditSelect+` WHERE seq >= $1 ORDER BY seq LIMIT 1000`, []any{from}, func(r scanner) error {
			e, err := scanAudit(r)
			batch = append(batch, e)
			return err
		})
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
		}
		from = batch[len(batch)-1].Seq + 1
	}
}
