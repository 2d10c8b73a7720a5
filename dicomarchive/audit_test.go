package dicomarchive_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/synth"
)

func TestAuditRecordsEveryAccess(t *testing.T) {
	dir := t.TempDir()
	a := openArchive(t, dir, nil)
	objs := study(t, synth.CT, 20, 2, nil)
	storeAll(t, a, objs)
	bob := dicomarchive.WithPrincipal(context.Background(), "bob")
	a.QueryStudies(bob, &dicomarchive.Query{PatientName: "x*"})
	obj, err := a.Open(bob, objs[0].sop, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj.Close()
	a.Open(bob, "9.9.9", nil)
	a.Study(bob, objs[0].study)
	var got []string
	err = a.AuditEntries(ctx(), 1, func(e dicomarchive.AuditEntry) error {
		got = append(got, e.Principal+" "+e.Action+" "+e.Object+" "+e.Outcome)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"dr.test store " + objs[0].sop + " ok",
		"dr.test store " + objs[1].sop + " ok",
		"bob query studies ok",
		"bob open " + objs[0].sop + " ok",
		"bob open 9.9.9 dicomarchive: not found: instance 9.9.9",
		"bob read " + objs[0].study + " ok",
	}
	if len(got) != len(want) {
		t.Fatalf("entries:\n%q\nwant\n%q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: %q, want %q", i+1, got[i], want[i])
		}
	}
	rep, err := a.VerifyAudit(ctx(), nil)
	if err != nil || rep.Entries != int64(len(want))+1 { // +1: AuditEntries itself
		t.Fatalf("VerifyAudit: %+v %v", rep, err)
	}
	// The trail refuses updates through SQL too (triggers).
	ix, err := dicomarchive.OpenSQLiteIndex(context.Background(), filepath.Join(dir, "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.DB().Exec(`UPDATE audit SET detail = 'x' WHERE seq = 1`); err == nil {
		t.Fatal("audit update allowed")
	}
	if _, err := ix.DB().Exec(`DELETE FROM audit WHERE seq = 1`); err == nil {
		t.Fatal("audit delete allowed")
	}
}

func TestRequirePrincipal(t *testing.T) {
	a := openArchive(t, t.TempDir(), &dicomarchive.Options{RequirePrincipal: true})
	if _, err := a.QueryStudies(context.Background(), nil); !errors.Is(err, dicomarchive.ErrNoPrincipal) {
		t.Fatalf("anonymous query: %v", err)
	}
	if _, err := a.QueryStudies(ctx(), nil); err != nil {
		t.Fatal(err)
	}
}

// tamperFixture returns an archive with 8 audit entries and a raw handle
// on its database with the append-only triggers dropped, as an attacker
// with file access would.
func tamperFixture(t *testing.T) (*dicomarchive.Archive, *sql.DB) {
	dir := t.TempDir()
	a := openArchive(t, dir, &dicomarchive.Options{Now: func() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC) }})
	for range 8 {
		a.QueryStudies(ctx(), nil)
	}
	ix, err := dicomarchive.OpenSQLiteIndex(context.Background(), filepath.Join(dir, "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	db := ix.DB()
	for _, s := range []string{`DROP TRIGGER audit_no_update`, `DROP TRIGGER audit_no_delete`} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	return a, db
}

func wantTamper(t *testing.T, a *dicomarchive.Archive, opts *dicomarchive.VerifyAuditOptions, seq int64) {
	t.Helper()
	_, err := a.VerifyAudit(ctx(), opts)
	var ae *dicomarchive.AuditError
	if !errors.As(err, &ae) || !errors.Is(err, dicomarchive.ErrAuditTampered) {
		t.Fatalf("VerifyAudit: %v, want an AuditError", err)
	}
	if ae.Seq != seq {
		t.Fatalf("break found at %d (%s), want %d", ae.Seq, ae.Reason, seq)
	}
}

func TestAuditTamper(t *testing.T) {
	t.Run("changed", func(t *testing.T) {
		a, db := tamperFixture(t)
		mustExec(t, db, `UPDATE audit SET principal = 'mallory' WHERE seq = 3`)
		wantTamper(t, a, nil, 3)
	})
	t.Run("changed time", func(t *testing.T) {
		a, db := tamperFixture(t)
		mustExec(t, db, `UPDATE audit SET at = at + 1 WHERE seq = 5`)
		wantTamper(t, a, nil, 5)
	})
	t.Run("inserted with a valid hash", func(t *testing.T) {
		a, db := tamperFixture(t)
		// Make room at 4 and forge an entry linked to entry 3.
		mustExec(t, db, `UPDATE audit SET seq = -seq WHERE seq >= 4`)
		mustExec(t, db, `UPDATE audit SET seq = 1 - seq WHERE seq < 0`)
		var prev []byte
		if err := db.QueryRow(`SELECT hash FROM audit WHERE seq = 3`).Scan(&prev); err != nil {
			t.Fatal(err)
		}
		e := dicomarchive.AuditEntry{Seq: 4, Time: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), Principal: "mallory", Action: "query", Outcome: "ok"}
		copy(e.PrevHash[:], prev)
		e.Hash = e.ComputeHash()
		mustExec(t, db, `INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Seq, e.Time.UnixMicro(), e.Principal, e.Action, "", e.Outcome, "", e.PrevHash[:], e.Hash[:])
		wantTamper(t, a, nil, 5) // the shifted entry no longer matches its hash
	})
	t.Run("inserted at the end", func(t *testing.T) {
		a, db := tamperFixture(t)
		mustExec(t, db, `INSERT INTO audit SELECT seq + 1, at, 'mallory', action, object, outcome, detail, prev_hash, hash FROM audit WHERE seq = 8`)
		wantTamper(t, a, nil, 9)
	})
	t.Run("deleted", func(t *testing.T) {
		a, db := tamperFixture(t)
		mustExec(t, db, `DELETE FROM audit WHERE seq = 4`)
		wantTamper(t, a, nil, 4)
	})
	t.Run("deleted and renumbered", func(t *testing.T) {
		a, db := tamperFixture(t)
		mustExec(t, db, `DELETE FROM audit WHERE seq = 4`)
		mustExec(t, db, `UPDATE audit SET seq = -seq WHERE seq > 4`)
		mustExec(t, db, `UPDATE audit SET seq = -seq - 1 WHERE seq < 0`)
		wantTamper(t, a, nil, 4)
	})
	t.Run("tail deleted, caught by anchor", func(t *testing.T) {
		a, db := tamperFixture(t)
		head, err := a.AuditHead(ctx())
		if err != nil || head.Seq != 8 {
			t.Fatalf("head %+v %v", head, err)
		}
		mustExec(t, db, `DELETE FROM audit WHERE seq >= 8`)
		if _, err := a.VerifyAudit(ctx(), nil); err != nil {
			t.Fatalf("without an anchor a removed tail cannot be seen, yet: %v", err)
		}
		wantTamper(t, a, &dicomarchive.VerifyAuditOptions{Anchors: []dicomarchive.AuditAnchor{head}}, 8)
	})
	t.Run("chain rewritten, caught by anchor", func(t *testing.T) {
		a, db := tamperFixture(t)
		head, _ := a.AuditHead(ctx())
		mustExec(t, db, `UPDATE audit SET principal = 'mallory' WHERE seq = 2`)
		// Recompute every hash from 2 on, as a careful attacker would.
		var prev dicomarchive.Digest
		for seq := int64(1); seq <= 8; seq++ {
			var e dicomarchive.AuditEntry
			var at int64
			if err := db.QueryRow(`SELECT seq, at, principal, action, object, outcome, detail FROM audit WHERE seq = ?`, seq).
				Scan(&e.Seq, &at, &e.Principal, &e.Action, &e.Object, &e.Outcome, &e.Detail); err != nil {
				t.Fatal(err)
			}
			e.Time = time.UnixMicro(at)
			e.PrevHash = prev
			e.Hash = e.ComputeHash()
			mustExec(t, db, `UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?`, e.PrevHash[:], e.Hash[:], seq)
			prev = e.Hash
		}
		if _, err := a.VerifyAudit(ctx(), nil); err != nil {
			t.Fatalf("a fully recomputed chain is consistent on its own: %v", err)
		}
		wantTamper(t, a, &dicomarchive.VerifyAuditOptions{Anchors: []dicomarchive.AuditAnchor{head}}, 8)
	})
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
