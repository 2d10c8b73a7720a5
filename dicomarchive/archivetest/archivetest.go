// Package archivetest is the conformance suite of dicomarchive's
// backends: the same tests, run against every blob store, index and
// combination of them, so that the archive's guarantees do not depend on
// which backend holds the data. It is for tests only.
//
//   - [BlobStore], [Index] and [AuditLog] check one backend's contract.
//   - [Archive] checks, through [dicomarchive.Archive], what the archive
//     guarantees on a combination (store, resend, conflict, read back,
//     queries, reconciliation, retention, verification, audit).
//   - [Nodes] checks what several archive processes sharing the same
//     backends guarantee (one copy and one row per instance, one patient,
//     one audit chain, reconciliation seen everywhere).
//
// dicomarchive's own tests run them on the file system and SQLite;
// dicomarchive/pgindex's on file system + PostgreSQL and S3 + PostgreSQL.
package archivetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
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
	t.Run("ranges", func(t *testing.T) {
		s := newStore(t)
		r, ok := s.(dicomarchive.BlobRanger)
		if !ok {
			t.Skip("the store has no BlobRanger capability")
		}
		if _, err := put(t, s, data, sum); err != nil {
			t.Fatal(err)
		}
		n := int64(len(data))
		for _, c := range []struct{ off, length, wantOff, wantLen int64 }{
			{0, 10, 0, 10},
			{1000, 4096, 1000, 4096},
			{n - 5, -1, n - 5, 5},
			{n - 5, 100, n - 5, 5},
			{n, 10, n, 0},
			{n + 10, -1, n, 0},
			{0, -1, 0, n},
		} {
			rc, err := r.OpenRange(ctx, sum, c.off, c.length)
			if err != nil {
				t.Fatalf("OpenRange(%d, %d): %v", c.off, c.length, err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, data[c.wantOff:c.wantOff+c.wantLen]) {
				t.Fatalf("OpenRange(%d, %d): %d bytes, %v; want %d bytes from %d", c.off, c.length, len(got), err, c.wantLen, c.wantOff)
			}
		}
		missing := sum
		missing[1] ^= 1
		if _, err := r.OpenRange(ctx, missing, 0, 10); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("OpenRange of a missing blob: %v", err)
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
	t.Run("matching", func(t *testing.T) {
		ix := newIndex(t)
		put := func(r *dicomarchive.Record) {
			t.Helper()
			if _, _, err := ix.PutInstance(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		a := record("6.1", "6.1.1", "6.1.1.1", "P10", "DUPONT^Jean", 1)
		a.Study.ReferringPhysician, a.Study.StudyDate, a.Study.StudyTime, a.Identity.INS = "MÜLLER^Zoé", "20240110", "0900", "285122B00102542"
		put(a)
		b := record("6.2", "6.2.1", "6.2.1.1", "A_1", "DUPOND^Jeanne", 2)
		b.Study.StudyDate, b.Study.StudyTime, b.Series.Modality = "20240110", "1000", "mr"
		put(b)
		c := record("6.3", "6.3.1", "6.3.1.1", "AB1", "CŒUR^Anne", 3)
		c.Study.StudyDate = ""
		put(c)
		put(record("6.2", "6.2.2", "6.2.2.1", "A_1", "DUPOND^Jeanne", 4)) // a CT series in study 6.2
		day := func(s string) time.Time {
			d, _ := time.Parse("20060102", s)
			return d
		}
		for _, tc := range []struct {
			name string
			q    dicomarchive.Query
			want string // study UIDs in result order
		}{
			{"all, newest first", dicomarchive.Query{}, "[6.2 6.1 6.3]"},
			{"patient ID exact", dicomarchive.Query{PatientID: "P10"}, "[6.1]"},
			{"patient ID exact is case-sensitive", dicomarchive.Query{PatientID: "p10"}, "[]"},
			{"patient ID wildcard ignores ASCII case", dicomarchive.Query{PatientID: "p1*"}, "[6.1]"},
			{"underscore is literal", dicomarchive.Query{PatientID: "A_1"}, "[6.2]"},
			{"underscore is literal in a pattern", dicomarchive.Query{PatientID: "A_*"}, "[6.2]"},
			{"question mark is one character", dicomarchive.Query{PatientID: "A?1"}, "[6.2 6.3]"},
			{"name is folded", dicomarchive.Query{PatientName: "dupont jean"}, "[6.1]"},
			{"name without wildcard is whole", dicomarchive.Query{PatientName: "dupont"}, "[]"},
			{"name prefix", dicomarchive.Query{PatientName: "DUP?N*"}, "[6.2 6.1]"},
			{"ligature", dicomarchive.Query{PatientName: "coeur*"}, "[6.3]"},
			{"referring physician folded", dicomarchive.Query{ReferringPhysician: "muller*"}, "[6.1]"},
			{"INS with spaces", dicomarchive.Query{INS: "2 85 12 2B 001 025 42"}, "[6.1]"},
			{"accession", dicomarchive.Query{AccessionNumber: "A6.?"}, "[6.2 6.1 6.3]"},
			{"modality any case", dicomarchive.Query{Modality: "MR"}, "[6.2]"},
			{"modality CT", dicomarchive.Query{Modality: "ct"}, "[6.2 6.1 6.3]"},
			{"date range", dicomarchive.Query{StudyDateFrom: day("20240110"), StudyDateTo: day("20240110")}, "[6.2 6.1]"},
			{"open end excludes no date", dicomarchive.Query{StudyDateTo: day("20991231")}, "[6.2 6.1]"},
			{"series UID", dicomarchive.Query{SeriesInstanceUID: "6.2.2"}, "[6.2]"},
			{"SOP UID", dicomarchive.Query{SOPInstanceUID: "6.3.1.1"}, "[6.3]"},
			{"combined", dicomarchive.Query{PatientName: "dup*", Modality: "mr"}, "[6.2]"},
			{"offset", dicomarchive.Query{Offset: 1, Limit: 1}, "[6.1]"},
			{"offset past the end", dicomarchive.Query{Offset: 10}, "[]"},
			{"bytes no value holds", dicomarchive.Query{PatientID: "P1\xff*"}, "[]"},
			{"NUL", dicomarchive.Query{AccessionNumber: "A6.1\x00", PatientName: "DUP\x00*"}, "[]"},
		} {
			p, err := ix.QueryStudies(ctx, &tc.q)
			var got []string
			for _, s := range p.Items {
				got = append(got, s.StudyInstanceUID)
			}
			if err != nil || fmt.Sprint(got) != tc.want {
				t.Errorf("%s: got %v, %v; want %s", tc.name, got, err, tc.want)
			}
		}
		st, err := ix.Study(ctx, "6.2")
		if err != nil || fmt.Sprint(st.Modalities) != "[CT mr]" || st.NumSeries != 2 || st.NumInstances != 2 || st.Size != 200 {
			t.Fatalf("study %+v, %v", st, err)
		}
		if st, err := ix.Study(ctx, "6.1"); err != nil || st.ReferringPhysician != "MÜLLER^Zoé" || st.StudyTime != "0900" ||
			st.Patient.INS != "285122B00102542" || !st.CreatedAt.Equal(a.Instance.StoredAt) {
			t.Fatalf("study %+v, %v", st, err)
		}
		// Keys that cannot be stored are not found, whatever the backend.
		if _, err := ix.Instance(ctx, "6.1\xff"); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Errorf("instance with invalid UTF-8: %v", err)
		}
		if _, err := ix.Study(ctx, "6.1\x00"); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Errorf("study with NUL: %v", err)
		}
		if _, err := ix.Series(ctx, "\xfe"); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Errorf("series with invalid UTF-8: %v", err)
		}
		se, err := ix.QuerySeries(ctx, &dicomarchive.Query{Modality: "Mr"})
		if err != nil || len(se.Items) != 1 || se.Items[0].SeriesInstanceUID != "6.2.1" {
			t.Fatalf("series %+v, %v", se, err)
		}
		se, err = ix.QuerySeries(ctx, &dicomarchive.Query{SOPInstanceUID: "6.2.2.1"})
		if err != nil || len(se.Items) != 1 || se.Items[0].SeriesInstanceUID != "6.2.2" {
			t.Fatalf("series by SOP %+v, %v", se, err)
		}
		in, err := ix.QueryInstances(ctx, &dicomarchive.Query{SeriesInstanceUID: "6.2.2"})
		if err != nil || len(in.Items) != 1 || in.Items[0].SOPInstanceUID != "6.2.2.1" || in.More {
			t.Fatalf("instances %+v, %v", in, err)
		}
		in, err = ix.QueryInstances(ctx, &dicomarchive.Query{PatientName: "dup*", Limit: 2})
		if err != nil || len(in.Items) != 2 || !in.More {
			t.Fatalf("instances page %+v, %v", in, err)
		}
		for _, q := range []dicomarchive.Query{{Limit: dicomarchive.MaxQueryLimit + 1}, {Offset: -1}, {PatientName: strings.Repeat("x", 300)},
			{StudyDateFrom: day("20240201"), StudyDateTo: day("20240101")}} {
			if _, err := ix.QueryInstances(ctx, &q); !errors.Is(err, dicomarchive.ErrQuery) {
				t.Errorf("%+v: %v, want ErrQuery", q, err)
			}
		}
	})
	t.Run("conflicts", func(t *testing.T) {
		ix := newIndex(t)
		at := time.Date(2025, 3, 4, 5, 6, 7, 891000, time.UTC)
		var cs []dicomarchive.Conflict
		for i, sop := range []string{"7.1", "7.2", "7.1"} {
			c := dicomarchive.Conflict{SOPInstanceUID: sop, OfferedSize: int64(10 + i), At: at.Add(time.Duration(i) * time.Minute), Principal: "pacs"}
			c.Stored[0], c.Offered[0] = 1, byte(2+i)
			if err := ix.RecordConflict(ctx, c); err != nil {
				t.Fatal(err)
			}
			cs = append(cs, c)
		}
		all, err := ix.Conflicts(ctx, "")
		if err != nil || len(all) != 3 {
			t.Fatalf("all conflicts %+v, %v", all, err)
		}
		for i := range all {
			if all[i] != cs[i] && !(all[i].At.Equal(cs[i].At) && all[i].Offered == cs[i].Offered) {
				t.Fatalf("conflict %d: %+v, want %+v", i, all[i], cs[i])
			}
		}
		one, err := ix.Conflicts(ctx, "7.1")
		if err != nil || len(one) != 2 || one[1].OfferedSize != 12 {
			t.Fatalf("conflicts of 7.1 %+v, %v", one, err)
		}
		if none, err := ix.Conflicts(ctx, "7.9"); err != nil || len(none) != 0 {
			t.Fatalf("conflicts of 7.9 %+v, %v", none, err)
		}
	})
	t.Run("walks", func(t *testing.T) {
		ix := newIndex(t)
		for i := range 3 {
			ix.PutInstance(ctx, record("8.1", "8.1.1", fmt.Sprint("8.1.1.", i+1), "P20", "X^Y", byte(i+1)))
		}
		ix.PutInstance(ctx, record("8.2", "8.2.1", "8.2.1.1", "P20", "X^Y", 9))
		var sops []string
		if err := ix.WalkInstances(ctx, func(in dicomarchive.Instance) error { sops = append(sops, in.SOPInstanceUID); return nil }); err != nil {
			t.Fatal(err)
		}
		sort.Strings(sops)
		if fmt.Sprint(sops) != "[8.1.1.1 8.1.1.2 8.1.1.3 8.2.1.1]" {
			t.Fatalf("walked %v", sops)
		}
		stop := errors.New("stop")
		n := 0
		if err := ix.WalkInstances(ctx, func(dicomarchive.Instance) error { n++; return stop }); err != stop || n != 1 {
			t.Fatalf("stopped walk: %v after %d", err, n)
		}
		ri, ok := ix.(dicomarchive.RetentionIndex)
		if !ok {
			return
		}
		if err := ri.SetHold(ctx, "8.2", "contentieux"); err != nil {
			t.Fatal(err)
		}
		if err := ri.SetHold(ctx, "9.9", "x"); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("hold of a missing study: %v", err)
		}
		got := map[string]string{}
		err := ri.WalkStudies(ctx, func(s dicomarchive.Study) error {
			got[s.StudyInstanceUID] = fmt.Sprint(s.NumInstances, s.Hold)
			return nil
		})
		if err != nil || fmt.Sprint(got) != "map[8.1:3 8.2:1contentieux]" {
			t.Fatalf("walked studies %v, %v", got, err)
		}
		if _, err := ri.DeleteStudy(ctx, "9.9"); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("delete of a missing study: %v", err)
		}
		var he *dicomarchive.HeldError
		if _, err := ri.DeleteStudy(ctx, "8.2"); !errors.As(err, &he) || he.Reason != "contentieux" {
			t.Fatalf("delete held: %v", err)
		}
	})
	t.Run("tiers", func(t *testing.T) {
		ix := newIndex(t)
		ti, ok := ix.(dicomarchive.TierIndex)
		if !ok {
			t.Skip("no TierIndex")
		}
		r := record("9.1", "9.1.1", "9.1.1.1", "P30", "X^Y", 1)
		ix.PutInstance(ctx, r)
		// A lossless re-encoding keeps the SOP Instance UID.
		in := r.Instance
		in.Digest[0], in.Size, in.Tier, in.TransferSyntaxUID = 2, 50, dicomarchive.Deferred, "1.2.840.10008.1.2.4.80"
		if err := ti.ReplaceInstance(ctx, "9.1.1.1", in, "lossless"); err != nil {
			t.Fatal(err)
		}
		got, err := ix.Instance(ctx, "9.1.1.1")
		if err != nil || got.Digest != in.Digest || got.Tier != dicomarchive.Deferred || got.Size != 50 || got.TransferSyntaxUID != in.TransferSyntaxUID {
			t.Fatalf("after lossless replacement %+v, %v", got, err)
		}
		if ok, _ := ix.BlobReferenced(ctx, r.Instance.Digest); ok {
			t.Fatal("old blob still referenced")
		}
		// A lossy result is a new image, twice.
		for i, sop := range []string{"9.1.1.2", "9.1.1.3"} {
			n := in
			n.SOPInstanceUID, n.Digest[0] = sop, byte(3+i)
			old := "9.1.1.1"
			if i == 1 {
				old = "9.1.1.2"
			}
			if err := ti.ReplaceInstance(ctx, old, n, "lossy"); err != nil {
				t.Fatal(err)
			}
		}
		for _, old := range []string{"9.1.1.1", "9.1.1.2"} {
			if n, err := ti.ReplacedBy(ctx, old); err != nil || n != "9.1.1.3" {
				t.Fatalf("%s replaced by %q, %v", old, n, err)
			}
			if _, err := ix.Instance(ctx, old); !errors.Is(err, dicomarchive.ErrNotFound) {
				t.Fatalf("replaced instance still there: %v", err)
			}
		}
		if got, err := ix.Instance(ctx, "9.1.1.3"); err != nil || got.SeriesInstanceUID != "9.1.1" || got.StudyInstanceUID != "9.1" {
			t.Fatalf("replacement %+v, %v", got, err)
		}
		if _, err := ti.ReplacedBy(ctx, "9.1.1.3"); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("ReplacedBy of a current instance: %v", err)
		}
		if err := ti.ReplaceInstance(ctx, "9.9", in, "x"); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("replacing a missing instance: %v", err)
		}
	})
	t.Run("identity corrections", func(t *testing.T) {
		ix := newIndex(t)
		ii, ok := ix.(dicomarchive.IdentityIndex)
		if !ok {
			t.Skip("no IdentityIndex")
		}
		ix.PutInstance(ctx, record("10.1", "10.1.1", "10.1.1.1", "P40", "ROUX^Paul", 1))
		ix.PutInstance(ctx, record("10.2", "10.2.1", "10.2.1.1", "P41", "ROUX^Pierre", 2))
		a, _ := ii.FindPatient(ctx, "P40", "IPP")
		b, _ := ii.FindPatient(ctx, "P41", "IPP")
		if _, err := ii.Patient(ctx, 987654); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("missing patient: %v", err)
		}
		if _, err := ii.FindPatient(ctx, "P40", "OTHER"); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("ID of another issuer: %v", err)
		}
		if err := ii.UpdatePatient(ctx, a.Key, dicomarchive.Identity{PatientID: "P41"}); !errors.Is(err, dicomarchive.ErrConflict) {
			t.Fatalf("taking another patient's ID: %v", err)
		}
		if err := ii.UpdatePatient(ctx, a.Key, dicomarchive.Identity{PatientID: "P40-NEW", BirthDate: "19700101"}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"P40", "P40-NEW"} {
			if p, err := ii.FindPatient(ctx, id, "IPP"); err != nil || p.Key != a.Key || p.PatientID != "P40-NEW" || p.Name != "ROUX^Paul" ||
				p.BirthDate != "19700101" || !p.Reconciled {
				t.Fatalf("%s resolves to %+v, %v", id, p, err)
			}
		}
		cur, rec, err := ii.StudyIdentity(ctx, "10.1")
		if err != nil || cur.PatientID != "P40-NEW" || rec.PatientID != "P40" || rec.Name != "ROUX^Paul" {
			t.Fatalf("StudyIdentity %+v %+v %v", cur, rec, err)
		}
		p, err := ix.QueryStudies(ctx, &dicomarchive.Query{PatientID: "P40"})
		if err != nil || len(p.Items) != 1 || p.Items[0].Patient.PatientID != "P40-NEW" {
			t.Fatalf("query by the former ID %+v, %v", p, err)
		}
		if err := ii.MoveStudy(ctx, "10.2", a.Key); err != nil {
			t.Fatal(err)
		}
		if st, err := ix.Study(ctx, "10.2"); err != nil || st.Patient.Key != a.Key {
			t.Fatalf("moved study %+v, %v", st.Patient, err)
		}
		if err := ii.MoveStudy(ctx, "10.9", a.Key); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("moving a missing study: %v", err)
		}
		if err := ii.MoveStudy(ctx, "10.2", 987654); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("moving to a missing patient: %v", err)
		}
		if err := ii.MergePatients(ctx, a.Key, a.Key); !errors.Is(err, dicomarchive.ErrConflict) {
			t.Fatalf("self merge: %v", err)
		}
		if err := ii.MergePatients(ctx, b.Key, 987654); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("merge into a missing patient: %v", err)
		}
		if err := ii.MergePatients(ctx, b.Key, a.Key); err != nil {
			t.Fatal(err)
		}
		if err := ii.UpdatePatient(ctx, b.Key, dicomarchive.Identity{Name: "X"}); !errors.Is(err, dicomarchive.ErrConflict) {
			t.Fatalf("updating a merged patient: %v", err)
		}
		if got, err := ii.Patient(ctx, b.Key); err != nil || got.MergedInto != a.Key {
			t.Fatalf("merged patient %+v, %v", got, err)
		}
		// Merging the survivor further carries the merged-away IDs along.
		c := record("10.3", "10.3.1", "10.3.1.1", "P42", "ROUX^Jacques", 3)
		ix.PutInstance(ctx, c)
		cp, _ := ii.FindPatient(ctx, "P42", "IPP")
		if err := ii.MergePatients(ctx, a.Key, cp.Key); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"P40", "P40-NEW", "P41", "P42"} {
			if p, err := ii.FindPatient(ctx, id, "IPP"); err != nil || p.Key != cp.Key {
				t.Fatalf("%s resolves to %+v, %v", id, p, err)
			}
		}
		if got, _ := ii.Patient(ctx, b.Key); got.MergedInto != cp.Key {
			t.Fatalf("first merged patient now points to %d, want %d", got.MergedInto, cp.Key)
		}
		// A late object under a merged-away ID joins the survivor.
		ix.PutInstance(ctx, record("10.4", "10.4.1", "10.4.1.1", "P41", "ROUX^Pierre", 4))
		if st, err := ix.Study(ctx, "10.4"); err != nil || st.Patient.Key != cp.Key {
			t.Fatalf("late study %+v, %v", st.Patient, err)
		}
	})
	t.Run("puts racing a study deletion", func(t *testing.T) {
		ix := newIndex(t)
		ri, ok := ix.(dicomarchive.RetentionIndex)
		if !ok {
			t.Skip("no RetentionIndex")
		}
		var wg sync.WaitGroup
		done := make(chan struct{})
		for w := range 2 {
			wg.Go(func() {
				for i := range 25 {
					r := record("11.1", fmt.Sprint("11.1.", w), fmt.Sprint("11.1.", w, ".", i), "P50", "X^Y", byte(i))
					if _, _, err := ix.PutInstance(ctx, r); err != nil {
						t.Errorf("put: %v", err)
					}
				}
			})
		}
		deleted := 0
		go func() {
			defer close(done)
			for range 25 {
				gone, err := ri.DeleteStudy(ctx, "11.1")
				if err != nil && !errors.Is(err, dicomarchive.ErrNotFound) {
					t.Errorf("delete: %v", err)
				}
				deleted += len(gone)
			}
		}()
		wg.Wait()
		<-done
		// Every instance was either deleted with its study or is still
		// there, with its series and study.
		left := 0
		err := ix.WalkInstances(ctx, func(in dicomarchive.Instance) error {
			left++
			if _, err := ix.Series(ctx, in.SeriesInstanceUID); err != nil {
				return err
			}
			_, err := ix.Study(ctx, in.StudyInstanceUID)
			return err
		})
		if err != nil || left+deleted != 50 {
			t.Fatalf("%d left + %d deleted, want 50 (%v)", left, deleted, err)
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
