// Package archivetest is the conformance suite of dicomarchive's backend
// interfaces: the same tests, run against every blob store and index
// (the embedded file system and SQLite ones in dicomarchive's own tests;
// S3 and PostgreSQL when they come), so that the archive's guarantees do
// not depend on which backend holds the data. It is for tests only.
package archivetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomarchive"
)

// BlobStore checks the contract of [dicomarchive.BlobStore] and of the
// optional capabilities the store has. newStore must return an empty
// store each time.
func BlobStore(t *testing.T, newStore func(t *testing.T) dicomarchive.BlobStore) {
	ctx := context.Background()
	put := func(t *testing.T, s dicomarchive.BlobStore, data []byte, want dicomarchive.Digest) (dicomarchive.BlobInfo, error) {
		t.Helper()
		w, err := s.Create(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		return w.Commit(ctx, want)
	}
	data := bytes.Repeat([]byte("radkit blob "), 10000)
	sum := dicomarchive.Digest(sha256.Sum256(data))

	t.Run("commit and read back", func(t *testing.T) {
		s := newStore(t)
		info, err := put(t, s, data, dicomarchive.Digest{})
		if err != nil || info.Digest != sum || info.Size != int64(len(data)) {
			t.Fatalf("commit: %+v %v", info, err)
		}
		rc, err := s.Open(ctx, sum)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read back %d bytes, %v", len(got), err)
		}
		st, err := s.Stat(ctx, sum)
		if err != nil || st.Size != int64(len(data)) {
			t.Fatalf("stat %+v %v", st, err)
		}
		if _, err := put(t, s, data, sum); err != nil {
			t.Fatalf("committing existing content again: %v", err)
		}
	})
	t.Run("digest mismatch keeps nothing", func(t *testing.T) {
		s := newStore(t)
		wrong := sum
		wrong[0] ^= 1
		_, err := put(t, s, data, wrong)
		var dm *dicomarchive.DigestMismatchError
		if !errors.As(err, &dm) || !errors.Is(err, dicomarchive.ErrCorrupt) {
			t.Fatalf("want a DigestMismatchError, got %v", err)
		}
		for _, d := range []dicomarchive.Digest{sum, wrong} {
			if _, err := s.Stat(ctx, d); !errors.Is(err, dicomarchive.ErrNotFound) {
				t.Fatalf("stat after a refused commit: %v", err)
			}
		}
	})
	t.Run("abort and missing", func(t *testing.T) {
		s := newStore(t)
		w, err := s.Create(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, sum); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("open after abort: %v", err)
		}
		if l, ok := s.(dicomarchive.BlobLister); ok {
			n := 0
			l.Walk(ctx, func(dicomarchive.BlobInfo) error { n++; return nil })
			if n != 0 {
				t.Fatalf("%d blobs listed after an abort", n)
			}
		}
	})
	t.Run("concurrent commits of the same content", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				if _, err := put(t, s, data, sum); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if _, err := s.Stat(ctx, sum); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("list and delete", func(t *testing.T) {
		s := newStore(t)
		want := map[dicomarchive.Digest]bool{}
		for i := range 5 {
			info, err := put(t, s, fmt.Appendf(nil, "blob %d", i), dicomarchive.Digest{})
			if err != nil {
				t.Fatal(err)
			}
			want[info.Digest] = true
		}
		if l, ok := s.(dicomarchive.BlobLister); ok {
			got := map[dicomarchive.Digest]bool{}
			if err := l.Walk(ctx, func(b dicomarchive.BlobInfo) error { got[b.Digest] = true; return nil }); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("listed %d blobs, want %d", len(got), len(want))
			}
		}
		if d, ok := s.(dicomarchive.BlobDeleter); ok {
			for dg := range want {
				if err := d.Delete(ctx, dg); err != nil {
					t.Fatal(err)
				}
				if err := d.Delete(ctx, dg); err != nil {
					t.Fatalf("deleting a missing blob: %v", err)
				}
				if _, err := s.Open(ctx, dg); !errors.Is(err, dicomarchive.ErrNotFound) {
					t.Fatalf("open after delete: %v", err)
				}
			}
		}
	})
}

func record(study, series, sop, pid, name string, d byte) *dicomarchive.Record {
	var r dicomarchive.Record
	r.Instance = dicomarchive.Instance{SOPInstanceUID: sop, SOPClassUID: "1.2.840.10008.5.1.4.1.1.2", SeriesInstanceUID: series,
		StudyInstanceUID: study, TransferSyntaxUID: "1.2.840.10008.1.2.1", InstanceNumber: 1, NumberOfFrames: 1,
		Size: 100, StoredAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	r.Instance.Digest[0] = d
	r.Series = dicomarchive.Series{SeriesInstanceUID: series, StudyInstanceUID: study, Modality: "CT", SeriesNumber: 1}
	r.Study = dicomarchive.Study{StudyInstanceUID: study, StudyDate: "20240102", AccessionNumber: "A" + study}
	r.Identity = dicomarchive.Identity{PatientID: pid, Issuer: "IPP", Name: name}
	return &r
}

// Index checks the contract of [dicomarchive.Index] and of the optional
// capabilities the index has. newIndex must return an empty index each
// time.
func Index(t *testing.T, newIndex func(t *testing.T) dicomarchive.Index) {
	ctx := context.Background()
	t.Run("put is idempotent", func(t *testing.T) {
		ix := newIndex(t)
		r := record("1.1", "1.1.1", "1.1.1.1", "P1", "DUPONT^Jean", 1)
		if _, ins, err := ix.PutInstance(ctx, r); err != nil || !ins {
			t.Fatalf("first put: %v %v", ins, err)
		}
		r2 := record("1.1", "1.1.1", "1.1.1.1", "P1", "DUPONT^Jean", 2)
		stored, ins, err := ix.PutInstance(ctx, r2)
		if err != nil || ins || stored.Digest != r.Instance.Digest {
			t.Fatalf("second put: %+v %v %v", stored, ins, err)
		}
		got, err := ix.Instance(ctx, "1.1.1.1")
		if err != nil || got.Digest != r.Instance.Digest || !got.StoredAt.Equal(r.Instance.StoredAt) {
			t.Fatalf("instance %+v %v", got, err)
		}
		if _, err := ix.Instance(ctx, "9.9"); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("missing instance: %v", err)
		}
		if ok, err := ix.BlobReferenced(ctx, r.Instance.Digest); err != nil || !ok {
			t.Fatalf("BlobReferenced: %v %v", ok, err)
		}
	})
	t.Run("concurrent puts of one SOP Instance UID insert once", func(t *testing.T) {
		ix := newIndex(t)
		var mu sync.Mutex
		inserted := 0
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				_, ins, err := ix.PutInstance(ctx, record("2.1", "2.1.1", "2.1.1.1", "P2", "MARTIN^Paul", byte(i)))
				if err != nil {
					t.Error(err)
				}
				if ins {
					mu.Lock()
					inserted++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if inserted != 1 {
			t.Fatalf("%d inserts", inserted)
		}
	})
	t.Run("query", func(t *testing.T) {
		ix := newIndex(t)
		ix.PutInstance(ctx, record("3.1", "3.1.1", "3.1.1.1", "P3", "LEFÈVRE^Hélène", 1))
		ix.PutInstance(ctx, record("3.1", "3.1.1", "3.1.1.2", "P3", "LEFÈVRE^Hélène", 2))
		ix.PutInstance(ctx, record("3.2", "3.2.1", "3.2.1.1", "P4", "DURAND^Éric", 3))
		p, err := ix.QueryStudies(ctx, &dicomarchive.Query{PatientName: "lefevre*"})
		if err != nil || len(p.Items) != 1 || p.Items[0].NumInstances != 2 || p.Items[0].Patient.Name != "LEFÈVRE^Hélène" {
			t.Fatalf("studies %+v %v", p, err)
		}
		p2, err := ix.QueryInstances(ctx, &dicomarchive.Query{Limit: 1})
		if err != nil || len(p2.Items) != 1 || !p2.More {
			t.Fatalf("paging %+v %v", p2, err)
		}
		s, err := ix.Series(ctx, "3.1.1")
		if err != nil || s.NumInstances != 2 {
			t.Fatalf("series %+v %v", s, err)
		}
	})
	t.Run("identity", func(t *testing.T) {
		ix := newIndex(t)
		ii, ok := ix.(dicomarchive.IdentityIndex)
		if !ok {
			t.Skip("no IdentityIndex")
		}
		ix.PutInstance(ctx, record("4.1", "4.1.1", "4.1.1.1", "P5", "DUPONT^Jean", 1))
		ix.PutInstance(ctx, record("4.2", "4.2.1", "4.2.1.1", "P6", "DUPOND^Jean", 2))
		a, err := ii.FindPatient(ctx, "P5", "IPP")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := ii.FindPatient(ctx, "P6", "IPP")
		if err := ii.UpdatePatient(ctx, a.Key, dicomarchive.Identity{Name: "DUPONT^Jean-Luc"}); err != nil {
			t.Fatal(err)
		}
		if err := ii.MergePatients(ctx, b.Key, a.Key); err != nil {
			t.Fatal(err)
		}
		cur, rec, err := ii.StudyIdentity(ctx, "4.2")
		if err != nil || cur.Key != a.Key || cur.Name != "DUPONT^Jean-Luc" || !cur.Reconciled || rec.Name != "DUPOND^Jean" {
			t.Fatalf("StudyIdentity %+v %+v %v", cur, rec, err)
		}
		if p, err := ii.FindPatient(ctx, "P6", "IPP"); err != nil || p.Key != a.Key {
			t.Fatalf("merged-away ID resolves to %+v %v", p, err)
		}
		if err := ii.MergePatients(ctx, b.Key, a.Key); !errors.Is(err, dicomarchive.ErrConflict) {
			t.Fatalf("second merge: %v", err)
		}
	})
	t.Run("retention", func(t *testing.T) {
		ix := newIndex(t)
		ri, ok := ix.(dicomarchive.RetentionIndex)
		if !ok {
			t.Skip("no RetentionIndex")
		}
		ix.PutInstance(ctx, record("5.1", "5.1.1", "5.1.1.1", "P7", "X^Y", 1))
		if err := ri.SetHold(ctx, "5.1", "litige"); err != nil {
			t.Fatal(err)
		}
		if _, err := ri.DeleteStudy(ctx, "5.1"); !errors.Is(err, dicomarchive.ErrHeld) {
			t.Fatalf("delete held: %v", err)
		}
		ri.SetHold(ctx, "5.1", "")
		gone, err := ri.DeleteStudy(ctx, "5.1")
		if err != nil || len(gone) != 1 {
			t.Fatalf("delete: %v %v", gone, err)
		}
		if _, err := ix.Study(ctx, "5.1"); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("study after delete: %v", err)
		}
	})
	t.Run("audit chain under concurrent appends", func(t *testing.T) {
		ix := newIndex(t)
		al, ok := ix.(dicomarchive.AuditLog)
		if !ok {
			t.Skip("no AuditLog")
		}
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				for j := range 10 {
					e := dicomarchive.AuditEntry{Time: time.Now().UTC(), Principal: fmt.Sprint("w", i), Action: "query", Object: fmt.Sprint(j), Outcome: "ok"}
					if _, err := al.Append(ctx, e); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		var prev dicomarchive.Digest
		n := int64(0)
		err := al.WalkAudit(ctx, 1, func(e dicomarchive.AuditEntry) error {
			n++
			if e.Seq != n || e.PrevHash != prev || e.Hash != e.ComputeHash() {
				return fmt.Errorf("entry %d: broken chain", e.Seq)
			}
			prev = e.Hash
			return nil
		})
		if err != nil || n != 40 {
			t.Fatalf("%d entries: %v", n, err)
		}
		last, err := al.LastAudit(ctx)
		if err != nil || last.Seq != 40 || last.Hash != prev {
			t.Fatalf("LastAudit %+v %v", last, err)
		}
	})
}
