package scaleout

import (
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomarchive"
)

// TestKilledWhileIngesting kills an ingesting archive process with
// SIGKILL, again and again, each new process re-sending the batch the
// previous one was storing when it died. Some kills land at random
// moments; others while an index insert is held after its blob was
// committed, which must leave an orphan. Then every acknowledged instance
// must be retrievable, byte for byte what was sent, and Verify must find
// the orphans, remove them and leave the blob store naming exactly what
// the index names.
func TestKilledWhileIngesting(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	forEachBackend(t, func(t *testing.T, b Backend) {
		const rounds, slices = 15, 40
		ctx := testCtx(t)
		rng := rand.New(rand.NewPCG(3, 4))
		want := map[string]dicomarchive.Digest{} // every object any round may send
		acked := map[string]string{}
		var held []dicomarchive.Digest
		kills := 0
		for r := 1; r <= rounds; r++ {
			// Re-send the previous batch, then a new one; every third
			// round the new batch is one no later round re-sends, and
			// its process is killed in the middle of an insert.
			spec := childSpec{Mode: "ingest", Backend: b, Node: "node-crash", Slices: slices, Goroutines: 2,
				Seeds: []uint64{uint64(9000 + r - 1), uint64(9000 + r)}}
			if r%3 == 0 {
				spec.Seeds[1] = uint64(90000 + r)
				spec.HoldAt = 5 + rng.IntN(20)
			}
			for _, s := range spec.Seeds {
				objs, err := studyObjects(ctx, s, slices)
				if err != nil {
					t.Fatal(err)
				}
				for sop, d := range digests(t, objs) {
					want[sop] = d
				}
			}
			onLine := func(f []string) {
				if len(f) == 4 && f[0] == "ACK" {
					acked[f[1]] = f[2]
				}
			}
			c := startChild(t, spec)
			if spec.HoldAt > 0 {
				f := c.waitFor("HOLD", onLine)
				if f == nil {
					c.finish(onLine)
					t.Fatalf("round %d: the process ended without holding an insert", r)
				}
				d, err := dicomarchive.ParseDigest(f[1])
				if err != nil {
					t.Fatal(err)
				}
				held = append(held, d)
			} else {
				if c.waitFor("ACK", onLine) == nil {
					c.finish(onLine)
				}
				time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
			}
			if c.kill(onLine) {
				kills++
			}
		}
		t.Logf("%s: %d rounds, %d processes killed while ingesting (%d during a held insert), %d instances acknowledged", b.Kind, rounds, kills, len(held), len(acked))
		if kills < rounds/2 {
			t.Fatalf("only %d of %d processes were still ingesting when killed: the test no longer tests crashes", kills, rounds)
		}

		n := openNode(t, b)
		a := n.Archive
		for _, d := range held {
			if _, err := n.Composer.Blobs.Stat(ctx, d); err != nil {
				t.Fatalf("blob %s of a held insert: %v (want it committed)", d.Short(), err)
			}
		}
		rep, err := a.Verify(ctx, &dicomarchive.VerifyOptions{CleanOrphans: true, OrphanGrace: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("verify: %v", rep)
		if !rep.OK() {
			t.Fatalf("index rows without an intact blob: %v", rep)
		}
		orphans := map[dicomarchive.Digest]bool{}
		for _, d := range rep.Orphans {
			orphans[d] = true
		}
		for _, d := range held {
			if !orphans[d] {
				t.Errorf("orphan %s of a killed insert not found by Verify", d.Short())
			}
			if _, err := n.Composer.Blobs.Stat(ctx, d); !errors.Is(err, dicomarchive.ErrNotFound) {
				t.Errorf("orphan %s still there after Verify cleaned: %v", d.Short(), err)
			}
		}
		if rep.OrphansRemoved != len(rep.Orphans) {
			t.Errorf("%d orphans found, %d removed", len(rep.Orphans), rep.OrphansRemoved)
		}

		// Every acknowledged instance: indexed with the digest sent,
		// retrievable, byte for byte what was sent.
		for sop, dg := range acked {
			if want[sop].String() != dg {
				t.Fatalf("%s acknowledged with digest %s, sent %s", sop, dg, want[sop])
			}
			in, err := a.Instance(ctx, sop)
			if err != nil {
				t.Fatalf("acknowledged %s lost: %v", sop, err)
			}
			if in.Digest.String() != dg {
				t.Fatalf("%s: indexed digest %s, acknowledged %s", sop, in.Digest, dg)
			}
			obj, err := a.Open(ctx, sop, nil)
			if err != nil {
				t.Fatalf("acknowledged %s: %v", sop, err)
			}
			h := sha256.New()
			_, err = io.Copy(h, obj)
			obj.Close()
			if err != nil {
				t.Fatalf("%s: %v", sop, err)
			}
			if got := dicomarchive.Digest(h.Sum(nil)); got.String() != dg {
				t.Fatalf("%s: retrieved bytes hash to %s, acknowledged %s", sop, got, dg)
			}
		}

		// The blob store now holds exactly the blobs the index names.
		indexed := map[dicomarchive.Digest]bool{}
		err = n.Composer.Index.WalkInstances(ctx, func(in dicomarchive.Instance) error {
			indexed[in.Digest] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		blobs := blobSet(t, n)
		for d := range blobs {
			if !indexed[d] {
				t.Errorf("blob %s left that no index row names", d.Short())
			}
		}
		for d := range indexed {
			if blobs[d] != 1 {
				t.Errorf("indexed blob %s listed %d times", d.Short(), blobs[d])
			}
		}
		rep, err = a.Verify(ctx, &dicomarchive.VerifyOptions{OrphanGrace: -1})
		if err != nil || !rep.OK() || len(rep.Orphans) != 0 {
			t.Fatalf("second verify: %v %v", rep, err)
		}
		if _, err := a.VerifyAudit(ctx, nil); err != nil {
			t.Fatalf("audit chain after the kills: %v", err)
		}
		// Every instance in the index has its store entry in the chain,
		// even when its process was killed between the commit and the
		// sealing of the entry (PostgreSQL seals in groups after commit).
		traced := map[string]bool{}
		err = a.AuditEntries(ctx, 1, func(e dicomarchive.AuditEntry) error {
			if e.Action == dicomarchive.ActionStore && e.Outcome == "ok" {
				traced[e.Object] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = n.Composer.Index.WalkInstances(ctx, func(in dicomarchive.Instance) error {
			if !traced[in.SOPInstanceUID] {
				t.Errorf("%s is indexed but its store is not in the audit trail", in.SOPInstanceUID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
