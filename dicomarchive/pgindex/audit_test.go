package pgindex_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/pgindex"
	"github.com/radkit/radkit/internal/testutil"
)

// exec runs stmt on a connection of ix, outside the index's methods (as
// another client of the database, or a process that died after it).
func sqlExec(t *testing.T, ix *pgindex.Index, stmt string, args ...any) error {
	t.Helper()
	return ix.Conn(context.Background(), func(c *pgx.Conn) error {
		_, err := c.Exec(context.Background(), stmt, args...)
		return err
	})
}

// commitPending commits an entry to the pending table as an operation
// does before its entry is sealed, and returns its id.
func commitPending(t *testing.T, ix *pgindex.Index, detail string) int64 {
	t.Helper()
	var id int64
	err := ix.Conn(context.Background(), func(c *pgx.Conn) error {
		return c.QueryRow(context.Background(), `INSERT INTO audit_pending (at, principal, action, object, outcome, detail)
			VALUES (now(), 'node-a', 'store', '1.2.3', 'ok', $1) RETURNING id`, []byte(detail)).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// chain walks the whole trail, checks every link and hash, and returns
// the entries.
func chain(t *testing.T, ix *pgindex.Index) []dicomarchive.AuditEntry {
	t.Helper()
	var out []dicomarchive.AuditEntry
	var prev dicomarchive.Digest
	err := ix.WalkAudit(context.Background(), 0, func(e dicomarchive.AuditEntry) error {
		if e.Seq != int64(len(out)+1) || e.PrevHash != prev || e.ComputeHash() != e.Hash {
			return fmt.Errorf("entry %d (%d before it) does not extend the chain", e.Seq, len(out))
		}
		prev = e.Hash
		out = append(out, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Entries committed by processes that died before sealing them (here:
// written to the pending table directly) are sealed by the next append,
// in one group with it, in commit order.
func TestSealInGroups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ix := openIndex(t, schema(t, testutil.Postgres(t)))
	for i := range 5 {
		commitPending(t, ix, fmt.Sprintf("left by a dead process %d", i))
	}
	got, err := ix.Append(ctx, dicomarchive.AuditEntry{Action: dicomarchive.ActionOpen, Object: "x", Outcome: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	var txs int
	err = ix.Conn(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT count(DISTINCT xmin::text) FROM audit`).Scan(&txs)
	})
	if err != nil || got.Seq != 6 || txs != 1 {
		t.Fatalf("append sealed as %d, the chain written by %d transactions (%v); want 6 by 1 (one group)", got.Seq, txs, err)
	}
	es := chain(t, ix)
	if len(es) != 6 || es[5] != got {
		t.Fatalf("%d entries, last %+v; want 6, last %+v", len(es), es[len(es)-1], got)
	}
	for i, e := range es[:5] {
		if want := fmt.Sprintf("left by a dead process %d", i); e.Detail != want || e.Principal != "node-a" {
			t.Errorf("entry %d: %q by %q, want %q by node-a", e.Seq, e.Detail, e.Principal, want)
		}
	}
	var pending int
	err = ix.Conn(ctx, func(c *pgx.Conn) error { return c.QueryRow(ctx, `SELECT count(*) FROM audit_pending`).Scan(&pending) })
	if err != nil || pending != 0 {
		t.Fatalf("%d entries still pending, %v", pending, err)
	}
}

// A process waiting for its entry finds it sealed by another process
// (which sealed everything pending), by its pending id.
func TestSealedByAnotherProcess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := schema(t, testutil.Postgres(t))
	a, b := openIndex(t, dsn), openIndex(t, dsn)
	if _, err := a.Append(ctx, dicomarchive.AuditEntry{Action: dicomarchive.ActionOpen, Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	id := commitPending(t, a, "stored on node a")
	last, err := b.LastAudit(ctx) // b seals it
	if err != nil || last.Seq != 2 || last.Detail != "stored on node a" {
		t.Fatalf("b sealed %+v, %v", last, err)
	}
	got, err := a.Sealed(ctx, id, last)
	if err != nil || got != last {
		t.Fatalf("a found %+v, %v; want %+v", got, err, last)
	}
	if _, err := a.Sealed(ctx, id+100, last); err == nil {
		t.Fatal("an entry that was never committed was found sealed")
	}
	chain(t, a)
}

// Nobody with write access to the tables drops a pending entry on its
// way to the chain, changes it, or seals something else in its place.
func TestPendingEntriesAreGuarded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ix := openIndex(t, schema(t, testutil.Postgres(t)))
	id := commitPending(t, ix, "genuine")
	// A well-formed chain entry claiming to be the pending one, with
	// other content (appending to the chain itself is open to writers;
	// it is the pending entry that must survive).
	forged := dicomarchive.AuditEntry{Seq: 1, Principal: "node-a", Action: "store", Object: "1.2.3", Outcome: "ok", Detail: "forged"}
	err := ix.Conn(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT at FROM audit_pending WHERE id = $1`, id).Scan(&forged.Time)
	})
	if err != nil {
		t.Fatal(err)
	}
	forged.Hash = forged.ComputeHash()
	if err := sqlExec(t, ix, `INSERT INTO audit VALUES (1, $1, 'node-a', 'store', '1.2.3', 'ok', 'forged', $2, $3, $4)`,
		forged.Time, forged.PrevHash[:], forged.Hash[:], id); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE audit_pending SET detail = 'x'`,
		`DELETE FROM audit_pending`,
		`TRUNCATE audit_pending`,
	} {
		if err := sqlExec(t, ix, stmt); err == nil {
			t.Errorf("%s: accepted", stmt)
		}
	}
	es := chain(t, ix)
	if len(es) != 2 || es[1].Detail != "genuine" {
		t.Fatalf("chain %+v: the genuine entry is not sealed after the forged one", es)
	}
}

// The database seals with its own SHA-256 of the entry; it must be
// dicomarchive's ComputeHash for every content, or VerifyAudit would call
// the chain broken: bytes that are no text, empty fields, times before
// 1970 and far ahead.
func TestSealedHashIsRadkits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ix := openIndex(t, schema(t, testutil.Postgres(t)))
	entries := []dicomarchive.AuditEntry{
		{},
		{Time: time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), Principal: "\x00", Action: "\xff\xfe", Object: "Noé", Outcome: "ok", Detail: strings.Repeat("x", 70000)},
		{Time: time.Date(1900, 1, 1, 0, 0, 0, 1000, time.FixedZone("", 3600)), Action: "query", Detail: "PatientName=DUPONT*\x00"},
		{Time: time.Date(2999, 12, 31, 23, 59, 59, 999999999, time.UTC), Object: "1.2.3", Outcome: "error: \u00a0"},
	}
	for i, e := range entries {
		got, err := ix.Append(ctx, e)
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if got.Seq != int64(i+1) || got.Detail != e.Detail {
			t.Fatalf("entry %d sealed as %+v", i, got)
		}
	}
	if es := chain(t, ix); len(es) != len(entries) {
		t.Fatalf("%d entries in the chain, want %d", len(es), len(entries))
	}
}

// A store with nobody else sealing commits the instance and its sealed
// entry in one transaction (one commit, one WAL flush); a store while
// another writer is sealing commits its entry pending and finds it
// sealed after.
func TestStoreSealsInline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := schema(t, testutil.Postgres(t))
	ix := openIndex(t, dsn)
	rec := func(n int) *dicomarchive.Record {
		var r dicomarchive.Record
		r.Instance = dicomarchive.Instance{SOPInstanceUID: fmt.Sprintf("1.2.3.%d", n), SOPClassUID: "1.2.840.10008.5.1.4.1.1.2",
			SeriesInstanceUID: "1.2.3.0.1", StudyInstanceUID: "1.2.3.0", TransferSyntaxUID: "1.2.840.10008.1.2.1", NumberOfFrames: 1,
			StoredAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
		r.Series = dicomarchive.Series{SeriesInstanceUID: "1.2.3.0.1", StudyInstanceUID: "1.2.3.0", Modality: "CT"}
		r.Study = dicomarchive.Study{StudyInstanceUID: "1.2.3.0", StudyDate: "20240102"}
		r.Identity = dicomarchive.Identity{PatientID: "P1", Issuer: "IPP", Name: "DUPONT^Jean"}
		return &r
	}
	entry := func(n int) *dicomarchive.AuditEntry {
		return &dicomarchive.AuditEntry{Time: time.Now(), Action: dicomarchive.ActionStore, Object: fmt.Sprintf("1.2.3.%d", n), Outcome: "ok"}
	}
	for n := 1; n <= 3; n++ {
		_, ins, sealed, err := ix.PutInstanceAudited(ctx, rec(n), entry(n))
		if err != nil || !ins || sealed.Seq != int64(n) {
			t.Fatalf("store %d: inserted %v, sealed as %d, %v", n, ins, sealed.Seq, err)
		}
	}
	var apart int
	err := ix.Conn(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT count(*) FROM audit a JOIN instances i ON i.sop_uid = convert_from(a.object, 'UTF8') WHERE a.xmin <> i.xmin`).Scan(&apart)
	})
	if err != nil || apart != 0 {
		t.Fatalf("%d entries sealed in another transaction than their instance's (%v)", apart, err)
	}

	// Another process holds the sealing lock: the store commits, waits,
	// and gets its entry once the lock is free.
	other, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(5914535201946419234)`); err != nil {
		t.Fatal(err)
	}
	type result struct {
		sealed dicomarchive.AuditEntry
		err    error
	}
	done := make(chan result, 1)
	go func() {
		_, _, sealed, err := ix.PutInstanceAudited(ctx, rec(4), entry(4))
		done <- result{sealed, err}
	}()
	// The instance is visible (committed) while its entry waits.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := ix.Instance(ctx, "1.2.3.4"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the instance was not committed while the sealing lock was held")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case r := <-done:
		t.Fatalf("store returned while its entry could not be sealed: %+v", r)
	case <-time.After(100 * time.Millisecond):
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.sealed.Seq != 4 {
		t.Fatalf("store after the lock: sealed as %d, %v", r.sealed.Seq, r.err)
	}
	chain(t, ix)
}
