package archivetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

// Object is one encoded synthetic DICOM object.
type Object struct {
	SOP, Series, Study string
	Data               []byte
}

// Patient is the identity given to the objects of [Study].
type Patient struct {
	ID, Issuer, Name string
}

// Tags the suites set.
var (
	tagIssuerOfPatientID = dicomio.NewTag(0x0010, 0x0021)
	tagStudyDate         = dicomio.NewTag(0x0008, 0x0020)
	tagAccessionNumber   = dicomio.NewTag(0x0008, 0x0050)
	tagSeriesDescription = dicomio.NewTag(0x0008, 0x103E)
)

// Study generates a small synthetic CT study (64×64 slices) of patient p,
// dated date (DICOM DA); seed selects its UIDs and pixels. edit, if not
// nil, changes each file before it is encoded.
func Study(t testing.TB, seed uint64, slices int, p Patient, date string, edit func(*dicomio.File)) []Object {
	t.Helper()
	objs, err := MakeStudy(seed, slices, p, date, edit)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// MakeStudy is [Study] for code without a testing.TB (a helper process).
func MakeStudy(seed uint64, slices int, p Patient, date string, edit func(*dicomio.File)) ([]Object, error) {
	var out []Object
	err := synth.Study(context.Background(), synth.CT, synth.Options{Seed: seed, Slices: slices, Rows: 64, Columns: 64}, func(f *dicomio.File) error {
		ds := f.Dataset
		ds.MustSetStrings(dicomio.TagPatientID, dicomio.LO, p.ID)
		ds.MustSetStrings(tagIssuerOfPatientID, dicomio.LO, p.Issuer)
		ds.MustSetStrings(dicomio.TagPatientName, dicomio.PN, p.Name)
		ds.MustSetStrings(tagStudyDate, dicomio.DA, date)
		ds.MustSetStrings(tagAccessionNumber, dicomio.SH, fmt.Sprintf("ACC%d", seed))
		if edit != nil {
			edit(f)
		}
		var buf bytes.Buffer
		if err := f.Write(&buf, nil); err != nil {
			return err
		}
		out = append(out, Object{SOP: ds.String(dicomio.TagSOPInstanceUID), Series: ds.String(dicomio.TagSeriesInstanceUID),
			Study: ds.String(dicomio.TagStudyInstanceUID), Data: buf.Bytes()})
		return nil
	})
	return out, err
}

// Ctx returns a context carrying principal, for the audit trail.
func Ctx(principal string) context.Context {
	return dicomarchive.WithPrincipal(context.Background(), principal)
}

func newArchive(t testing.TB, c *dicomarchive.Composer) *dicomarchive.Archive {
	t.Helper()
	a, err := dicomarchive.New(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func storeAll(t testing.TB, a *dicomarchive.Archive, objs []Object) {
	t.Helper()
	for _, o := range objs {
		if _, err := a.Store(Ctx("dr.store"), bytes.NewReader(o.Data), nil); err != nil {
			t.Fatalf("store %s: %v", o.SOP, err)
		}
	}
}

func read(t testing.TB, a *dicomarchive.Archive, sop string) ([]byte, *dicomarchive.Object) {
	t.Helper()
	obj, err := a.Open(Ctx("dr.read"), sop, nil)
	if err != nil {
		t.Fatalf("open %s: %v", sop, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		t.Fatalf("read %s: %v", sop, err)
	}
	return b, obj
}

func studyUIDs(p dicomarchive.Page[dicomarchive.Study]) []string {
	var out []string
	for _, s := range p.Items {
		out = append(out, s.StudyInstanceUID)
	}
	sort.Strings(out)
	return out
}

func sorted(s ...string) []string {
	sort.Strings(s)
	return s
}

func equal(a, b []string) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// auditActions counts the entries of the trail by action, checking the
// chain on the way.
func auditActions(t testing.TB, a *dicomarchive.Archive) map[string]int {
	t.Helper()
	if _, err := a.VerifyAudit(Ctx("auditor"), nil); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	n := map[string]int{}
	err := a.AuditEntries(Ctx("auditor"), 1, func(e dicomarchive.AuditEntry) error {
		n[e.Action]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Archive checks, through [dicomarchive.Archive], the guarantees of the
// archive on a combination of backends: storing (idempotent, conflicts
// refused and recorded, concurrent), reading back, queries, identity
// reconciliation, retention, verification and the audit trail.
// newComposer must return a composer over empty backends each time; the
// caller closes them (t.Cleanup).
func Archive(t *testing.T, newComposer func(t *testing.T) *dicomarchive.Composer) {
	dupont := Patient{ID: "IPP001", Issuer: "HOSP", Name: "DUPONT^Jean"}
	lefevre := Patient{ID: "IPP002", Issuer: "HOSP", Name: "LEFÈVRE^Hélène"}

	t.Run("store, resend, conflict, read back", func(t *testing.T) {
		a := newArchive(t, newComposer(t))
		objs := Study(t, 1, 3, dupont, "20240102", nil)
		for _, o := range objs {
			res, err := a.Store(Ctx("dr.store"), bytes.NewReader(o.Data), nil)
			if err != nil || res.Duplicate || res.Instance.SOPInstanceUID != o.SOP || res.Instance.Size != int64(len(o.Data)) ||
				res.Instance.StoredBy != "dr.store" {
				t.Fatalf("store: %+v, %v", res, err)
			}
		}
		res, err := a.Store(Ctx("dr.store"), bytes.NewReader(objs[0].Data), nil)
		if err != nil || !res.Duplicate {
			t.Fatalf("resend: %+v, %v", res, err)
		}
		other := Study(t, 1, 3, dupont, "20240102", func(f *dicomio.File) {
			f.Dataset.MustSetStrings(tagSeriesDescription, dicomio.LO, "altered")
		})
		_, err = a.Store(Ctx("dr.other"), bytes.NewReader(other[0].Data), nil)
		var ce *dicomarchive.ConflictError
		if !errors.As(err, &ce) || !errors.Is(err, dicomarchive.ErrConflict) || ce.SOPInstanceUID != objs[0].SOP {
			t.Fatalf("conflict: %v", err)
		}
		cs, err := a.Conflicts(Ctx("dr.read"), objs[0].SOP)
		if err != nil || len(cs) != 1 || cs[0].Stored != ce.Stored || cs[0].Offered != ce.Offered || cs[0].Principal != "dr.other" {
			t.Fatalf("conflicts %+v, %v", cs, err)
		}
		for _, o := range objs {
			got, obj := read(t, a, o.SOP)
			if !bytes.Equal(got, o.Data) || len(obj.Coerced) != 0 {
				t.Fatalf("%s: bytes differ after round trip (coerced %v)", o.SOP, obj.Coerced)
			}
		}
		if _, err := a.Open(Ctx("dr.read"), "1.2.3.4", nil); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("open missing: %v", err)
		}
		st, err := a.Study(Ctx("dr.read"), objs[0].Study)
		if err != nil || st.NumInstances != 3 || st.NumSeries != 1 || !equal(st.Modalities, []string{"CT"}) ||
			st.Patient.PatientID != dupont.ID || st.StudyDate != "20240102" {
			t.Fatalf("study %+v, %v", st, err)
		}
		var size int64
		for _, o := range objs {
			size += int64(len(o.Data))
		}
		if st.Size != size {
			t.Fatalf("study size %d, want %d", st.Size, size)
		}
		n := 0
		err = a.OpenStudy(Ctx("dr.read"), objs[0].Study, nil, func(o *dicomarchive.Object) error {
			n++
			_, err := io.Copy(io.Discard, o)
			return err
		})
		if err != nil || n != 3 {
			t.Fatalf("OpenStudy: %d objects, %v", n, err)
		}
	})

	t.Run("concurrent stores of one study", func(t *testing.T) {
		a := newArchive(t, newComposer(t))
		objs := Study(t, 2, 4, dupont, "20240102", nil)
		var mu sync.Mutex
		fresh := map[string]int{}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := range objs {
					o := objs[(i+w)%len(objs)]
					res, err := a.Store(Ctx(fmt.Sprint("worker", w)), bytes.NewReader(o.Data), nil)
					if err != nil {
						t.Errorf("store: %v", err)
						return
					}
					if !res.Duplicate {
						mu.Lock()
						fresh[o.SOP]++
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		for _, o := range objs {
			if fresh[o.SOP] != 1 {
				t.Fatalf("%s stored %d times", o.SOP, fresh[o.SOP])
			}
		}
		p, err := a.QueryInstances(Ctx("dr.read"), &dicomarchive.Query{StudyInstanceUID: objs[0].Study})
		if err != nil || len(p.Items) != len(objs) {
			t.Fatalf("%d index rows, %v", len(p.Items), err)
		}
		if n := auditActions(t, a)[dicomarchive.ActionStore]; n != 4*len(objs) {
			t.Fatalf("%d store entries, want %d", n, 4*len(objs))
		}
	})

	t.Run("queries", func(t *testing.T) {
		a := newArchive(t, newComposer(t))
		s1 := Study(t, 3, 2, dupont, "20240102", nil)
		s2 := Study(t, 4, 1, lefevre, "20240315", func(f *dicomio.File) {
			f.Dataset.MustSetStrings(dicomio.TagModality, dicomio.CS, "MR")
		})
		storeAll(t, a, s1)
		storeAll(t, a, s2)
		day := func(s string) time.Time {
			d, _ := time.Parse("20060102", s)
			return d
		}
		for _, c := range []struct {
			name string
			q    dicomarchive.Query
			want []string
		}{
			{"all", dicomarchive.Query{}, sorted(s1[0].Study, s2[0].Study)},
			{"patient ID", dicomarchive.Query{PatientID: "IPP001"}, sorted(s1[0].Study)},
			{"patient ID wildcard", dicomarchive.Query{PatientID: "IPP00?"}, sorted(s1[0].Study, s2[0].Study)},
			{"name prefix, folded", dicomarchive.Query{PatientName: "lefevre*"}, sorted(s2[0].Study)},
			{"name, folded", dicomarchive.Query{PatientName: "lefèvre hélène"}, sorted(s2[0].Study)},
			{"name no match", dicomarchive.Query{PatientName: "lefevre"}, nil},
			{"date range", dicomarchive.Query{StudyDateFrom: day("20240101"), StudyDateTo: day("20240131")}, sorted(s1[0].Study)},
			{"date from", dicomarchive.Query{StudyDateFrom: day("20240301")}, sorted(s2[0].Study)},
			{"modality, any case", dicomarchive.Query{Modality: "mr"}, sorted(s2[0].Study)},
			{"accession", dicomarchive.Query{AccessionNumber: "ACC3"}, sorted(s1[0].Study)},
			{"accession wildcard", dicomarchive.Query{AccessionNumber: "ACC*"}, sorted(s1[0].Study, s2[0].Study)},
			{"SOP Instance UID", dicomarchive.Query{SOPInstanceUID: s2[0].SOP}, sorted(s2[0].Study)},
		} {
			p, err := a.QueryStudies(Ctx("dr.query"), &c.q)
			if err != nil || !equal(studyUIDs(p), c.want) {
				t.Errorf("%s: got %v, %v; want %v", c.name, studyUIDs(p), err, c.want)
			}
		}
		// Newest study first.
		p, err := a.QueryStudies(Ctx("dr.query"), nil)
		if err != nil || len(p.Items) != 2 || p.Items[0].StudyInstanceUID != s2[0].Study {
			t.Fatalf("order: %v, %v", studyUIDs(p), err)
		}
		var got []string
		for off := 0; ; off++ {
			p, err := a.QueryInstances(Ctx("dr.query"), &dicomarchive.Query{Limit: 1, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range p.Items {
				got = append(got, in.SOPInstanceUID)
			}
			if !p.More {
				break
			}
		}
		if want := sorted(s1[0].SOP, s1[1].SOP, s2[0].SOP); !equal(sorted(got...), want) {
			t.Fatalf("paged instances %v, want %v", got, want)
		}
		se, err := a.QuerySeries(Ctx("dr.query"), &dicomarchive.Query{Modality: "CT"})
		if err != nil || len(se.Items) != 1 || se.Items[0].SeriesInstanceUID != s1[0].Series || se.Items[0].NumInstances != 2 {
			t.Fatalf("series %+v, %v", se, err)
		}
		if _, err := a.QueryStudies(Ctx("dr.query"), &dicomarchive.Query{Limit: -1}); !errors.Is(err, dicomarchive.ErrQuery) {
			t.Fatalf("bad limit: %v", err)
		}
		if n := auditActions(t, a)[dicomarchive.ActionQuery]; n < 15 {
			t.Fatalf("%d query entries", n)
		}
	})

	t.Run("reconciliation", func(t *testing.T) {
		a := newArchive(t, newComposer(t))
		s1 := Study(t, 5, 1, dupont, "20240102", nil)
		wrong := Patient{ID: "IPP999", Issuer: "HOSP", Name: "DUPOND^Jean"}
		s2 := Study(t, 6, 1, wrong, "20240103", nil)
		storeAll(t, a, s1)
		storeAll(t, a, s2)
		ctx := Ctx("dr.identito")
		p1, err := a.FindPatient(ctx, dupont.ID, dupont.Issuer)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := a.FindPatient(ctx, wrong.ID, wrong.Issuer)
		if err != nil || p2.Key == p1.Key {
			t.Fatalf("second patient %+v, %v", p2, err)
		}
		if err := a.UpdatePatient(ctx, p1.Key, dicomarchive.Identity{Name: "DUPONT^Jean-Luc"}); err != nil {
			t.Fatal(err)
		}
		if err := a.MergePatients(ctx, p2.Key, p1.Key); err != nil {
			t.Fatal(err)
		}
		if err := a.MergePatients(ctx, p2.Key, p1.Key); !errors.Is(err, dicomarchive.ErrConflict) {
			t.Fatalf("second merge: %v", err)
		}
		if p, err := a.FindPatient(ctx, wrong.ID, wrong.Issuer); err != nil || p.Key != p1.Key || !p.Reconciled || p.Name != "DUPONT^Jean-Luc" {
			t.Fatalf("merged-away ID resolves to %+v, %v", p, err)
		}
		// The former ID still finds both studies, now the same patient's.
		q, err := a.QueryStudies(ctx, &dicomarchive.Query{PatientID: wrong.ID})
		if err != nil || !equal(studyUIDs(q), sorted(s1[0].Study, s2[0].Study)) {
			t.Fatalf("query by former ID: %v, %v", studyUIDs(q), err)
		}
		// The stored bytes keep the received identity; reading applies
		// the current one.
		got, obj := read(t, a, s2[0].SOP)
		f, err := dicomio.Parse(bytes.NewReader(got), nil)
		if err != nil {
			t.Fatal(err)
		}
		if f.Dataset.String(dicomio.TagPatientName) != "DUPONT^Jean-Luc" || f.Dataset.String(dicomio.TagPatientID) != dupont.ID || len(obj.Coerced) == 0 {
			t.Fatalf("delivered %q %q, coerced %v", f.Dataset.String(dicomio.TagPatientName), f.Dataset.String(dicomio.TagPatientID), obj.Coerced)
		}
		raw, err := a.Open(ctx, s2[0].SOP, &dicomarchive.OpenOptions{Raw: true})
		if err != nil {
			t.Fatal(err)
		}
		rb, err := io.ReadAll(raw)
		raw.Close()
		if err != nil || !bytes.Equal(rb, s2[0].Data) {
			t.Fatalf("raw read differs, %v", err)
		}
		// An object arriving later under the former ID joins the merged
		// patient.
		late := Study(t, 7, 1, wrong, "20240104", nil)
		storeAll(t, a, late)
		st, err := a.Study(ctx, late[0].Study)
		if err != nil || st.Patient.Key != p1.Key {
			t.Fatalf("late study patient %+v, %v", st.Patient, err)
		}
		if err := a.MoveStudy(ctx, late[0].Study, p2.Key); !errors.Is(err, dicomarchive.ErrConflict) {
			t.Fatalf("move to a merged patient: %v", err)
		}
		if n := auditActions(t, a)[dicomarchive.ActionReconcile]; n != 4 {
			t.Fatalf("%d reconcile entries, want 4", n)
		}
	})

	t.Run("retention", func(t *testing.T) {
		c := newComposer(t)
		a := newArchive(t, c)
		objs := Study(t, 8, 2, dupont, "20240102", nil)
		storeAll(t, a, objs)
		ctx := Ctx("dr.dpo")
		if err := a.Hold(ctx, objs[0].Study, "litige"); err != nil {
			t.Fatal(err)
		}
		if err := a.DeleteStudy(ctx, objs[0].Study, "test"); !errors.Is(err, dicomarchive.ErrHeld) {
			t.Fatalf("delete held: %v", err)
		}
		if err := a.Release(ctx, objs[0].Study); err != nil {
			t.Fatal(err)
		}
		if err := a.DeleteStudy(ctx, objs[0].Study, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Study(ctx, objs[0].Study); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("study after delete: %v", err)
		}
		if _, err := a.Open(ctx, objs[0].SOP, nil); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("open after delete: %v", err)
		}
		if c.Deleter != nil {
			for _, o := range objs {
				info, err := a.Instance(ctx, o.SOP)
				if err == nil {
					t.Fatalf("instance after delete: %+v", info)
				}
			}
			if c.Lister != nil {
				n := 0
				c.Lister.Walk(context.Background(), func(dicomarchive.BlobInfo) error { n++; return nil })
				if n != 0 {
					t.Fatalf("%d blobs left after delete", n)
				}
			}
		}
		// Expired and not held: Purge removes it.
		old := Study(t, 9, 1, dupont, "19990102", nil)
		storeAll(t, a, old)
		rep, err := a.Purge(ctx, nil)
		if err != nil || len(rep.Purged) != 1 || rep.Purged[0].StudyInstanceUID != old[0].Study {
			t.Fatalf("purge %+v, %v", rep, err)
		}
	})

	t.Run("verify", func(t *testing.T) {
		c := newComposer(t)
		a := newArchive(t, c)
		objs := Study(t, 10, 2, dupont, "20240102", nil)
		storeAll(t, a, objs)
		rep, err := a.Verify(Ctx("ops"), nil)
		if err != nil || !rep.OK() || rep.Instances != 2 || rep.Blobs != 2 {
			t.Fatalf("verify %v, %v", rep, err)
		}
		if c.Deleter == nil || c.Lister == nil {
			return
		}
		// An orphan (a blob no index row names) and a missing blob.
		w, err := c.Blobs.Create(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("orphan"))
		orphan, err := w.Commit(context.Background(), dicomarchive.Digest{})
		if err != nil {
			t.Fatal(err)
		}
		in, err := a.Instance(Ctx("ops"), objs[1].SOP)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Deleter.Delete(context.Background(), in.Digest); err != nil {
			t.Fatal(err)
		}
		rep, err = a.Verify(Ctx("ops"), &dicomarchive.VerifyOptions{CleanOrphans: true, OrphanGrace: -1})
		if err != nil || rep.OK() || len(rep.Missing) != 1 || rep.Missing[0].Digest != in.Digest ||
			len(rep.Orphans) != 1 || rep.Orphans[0] != orphan.Digest || rep.OrphansRemoved != 1 {
			t.Fatalf("verify after damage %v, %+v, %v", rep, rep.Missing, err)
		}
		if _, err := c.Blobs.Stat(context.Background(), orphan.Digest); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Fatalf("orphan still there: %v", err)
		}
	})

	t.Run("audit trail", func(t *testing.T) {
		a := newArchive(t, newComposer(t))
		objs := Study(t, 11, 2, dupont, "20240102", nil)
		storeAll(t, a, objs)
		head, err := a.AuditHead(Ctx("auditor"))
		if err != nil || head.Seq != 2 {
			t.Fatalf("head %+v, %v", head, err)
		}
		read(t, a, objs[0].SOP)
		a.QueryStudies(Ctx("dr.query"), nil)
		rep, err := a.VerifyAudit(Ctx("auditor"), &dicomarchive.VerifyAuditOptions{Anchors: []dicomarchive.AuditAnchor{head}})
		if err != nil || rep.Entries != 4 {
			t.Fatalf("verify audit %+v, %v", rep, err)
		}
		var got []string
		a.AuditEntries(Ctx("auditor"), 1, func(e dicomarchive.AuditEntry) error {
			got = append(got, e.Principal+" "+e.Action+" "+e.Object)
			return nil
		})
		want := []string{"dr.store store " + objs[0].SOP, "dr.store store " + objs[1].SOP, "dr.read open " + objs[0].SOP, "dr.query query studies"}
		if len(got) < len(want) || !equal(got[:len(want)], want) {
			t.Fatalf("trail %q, want it to start with %q", got, want)
		}
		// A forged anchor is caught.
		bad := head
		bad.Hash[0] ^= 1
		if _, err := a.VerifyAudit(Ctx("auditor"), &dicomarchive.VerifyAuditOptions{Anchors: []dicomarchive.AuditAnchor{bad}}); !errors.Is(err, dicomarchive.ErrAuditTampered) {
			t.Fatalf("forged anchor: %v", err)
		}
	})
}
