package archivetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomarchive"
)

// checkChain walks log from the start and checks that sequence numbers
// run 1, 2, 3… without gap, that each hash matches its entry and that
// each entry links to the previous one. It returns the entries.
func checkChain(t testing.TB, log dicomarchive.AuditLog) []dicomarchive.AuditEntry {
	t.Helper()
	var all []dicomarchive.AuditEntry
	var prev dicomarchive.Digest
	err := log.WalkAudit(context.Background(), 1, func(e dicomarchive.AuditEntry) error {
		switch {
		case e.Seq != int64(len(all))+1:
			return fmt.Errorf("entry %d follows %d", e.Seq, len(all))
		case e.Hash != e.ComputeHash():
			return fmt.Errorf("entry %d: hash does not match its content", e.Seq)
		case e.PrevHash != prev:
			return fmt.Errorf("entry %d does not link to entry %d", e.Seq, e.Seq-1)
		}
		prev = e.Hash
		all = append(all, e)
		return nil
	})
	if err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	last, err := log.LastAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		if last.Seq != 0 {
			t.Fatalf("LastAudit of an empty log: %+v", last)
		}
	} else if last != all[len(all)-1] {
		t.Fatalf("LastAudit %+v, want %+v", last, all[len(all)-1])
	}
	return all
}

// AuditLog checks the contract of [dicomarchive.AuditLog]: Append seals
// and links each entry, WalkAudit returns them in order from any point,
// and concurrent appends still form one gap-free chain. newLog must
// return an empty log each time.
func AuditLog(t *testing.T, newLog func(t *testing.T) dicomarchive.AuditLog) {
	ctx := context.Background()
	at := time.Date(2025, 6, 1, 12, 0, 0, 123456000, time.UTC)
	t.Run("append seals and links", func(t *testing.T) {
		log := newLog(t)
		if e, err := log.LastAudit(ctx); err != nil || e.Seq != 0 {
			t.Fatalf("empty log: %+v, %v", e, err)
		}
		var sealed []dicomarchive.AuditEntry
		for i := range 5 {
			in := dicomarchive.AuditEntry{Time: at.Add(time.Duration(i) * time.Second), Principal: "dr.é", Action: dicomarchive.ActionOpen,
				Object: fmt.Sprint("1.2.", i), Outcome: "ok", Detail: "détail\x00\xff\n'\""}
			// Whatever the caller puts in Seq and the hashes is replaced.
			in.Seq, in.PrevHash[0], in.Hash[0] = 99, 1, 2
			e, err := log.Append(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if e.Seq != int64(i+1) || e.Hash != e.ComputeHash() || !e.Time.Equal(in.Time) || e.Detail != in.Detail || e.Principal != in.Principal {
				t.Fatalf("sealed %+v", e)
			}
			sealed = append(sealed, e)
		}
		all := checkChain(t, log)
		if len(all) != 5 {
			t.Fatalf("%d entries", len(all))
		}
		for i := range all {
			if all[i] != sealed[i] || !all[i].Time.Equal(sealed[i].Time) || all[i].Time.Location() != time.UTC {
				t.Fatalf("stored %+v, sealed %+v", all[i], sealed[i])
			}
		}
		var from []int64
		log.WalkAudit(ctx, 4, func(e dicomarchive.AuditEntry) error {
			from = append(from, e.Seq)
			return nil
		})
		if fmt.Sprint(from) != "[4 5]" {
			t.Fatalf("walk from 4: %v", from)
		}
		stop := fmt.Errorf("stop")
		n := 0
		if err := log.WalkAudit(ctx, 1, func(dicomarchive.AuditEntry) error { n++; return stop }); err != stop || n != 1 {
			t.Fatalf("walk stopped by fn: %v after %d", err, n)
		}
	})
	t.Run("concurrent appends form one chain", func(t *testing.T) {
		log := newLog(t)
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for j := range 15 {
					e := dicomarchive.AuditEntry{Time: at, Principal: fmt.Sprint("w", w), Action: dicomarchive.ActionQuery, Object: fmt.Sprint(j), Outcome: "ok"}
					if _, err := log.Append(ctx, e); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		if n := len(checkChain(t, log)); n != 60 {
			t.Fatalf("%d entries, want 60", n)
		}
	})
}
