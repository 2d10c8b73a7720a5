package archivetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomio"
)

// Nodes checks what several archive nodes sharing one blob store and one
// index guarantee: nodes that ingest the same study at once keep exactly
// one copy of each instance and one index row; nodes that receive the
// same new patient at once make one patient; the audit trail stays one
// gap-free chain whoever writes; reconciliation done on one node is seen
// by the others. newNodes must return n composers over the same, empty
// backends, each opened separately (its own connections, handles and
// caches), as n processes would; the caller closes them (t.Cleanup).
func Nodes(t *testing.T, newNodes func(t *testing.T, n int) []*dicomarchive.Composer) {
	open := func(t *testing.T, n int) ([]*dicomarchive.Archive, []*dicomarchive.Composer) {
		cs := newNodes(t, n)
		if len(cs) != n {
			t.Fatalf("newNodes returned %d composers, want %d", len(cs), n)
		}
		var as []*dicomarchive.Archive
		for _, c := range cs {
			as = append(as, newArchive(t, c))
		}
		return as, cs
	}
	p := Patient{ID: "IPP100", Issuer: "HOSP", Name: "MARTIN^Léa"}

	t.Run("same study ingested by every node", func(t *testing.T) {
		as, cs := open(t, 2)
		objs := Study(t, 20, 6, p, "20240501", nil)
		var mu sync.Mutex
		fresh := map[string]int{}
		var wg sync.WaitGroup
		for n, a := range as {
			wg.Go(func() {
				for i := range objs {
					o := objs[i]
					if n%2 == 1 {
						o = objs[len(objs)-1-i] // meet in the middle
					}
					res, err := a.Store(Ctx(fmt.Sprint("node", n)), bytes.NewReader(o.Data), nil)
					if err != nil {
						t.Errorf("node %d: store %s: %v", n, o.SOP, err)
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
				t.Fatalf("%s inserted %d times", o.SOP, fresh[o.SOP])
			}
		}
		for n, a := range as {
			rows := 0
			err := cs[n].Index.WalkInstances(context.Background(), func(dicomarchive.Instance) error { rows++; return nil })
			if err != nil || rows != len(objs) {
				t.Fatalf("node %d sees %d index rows, want %d (%v)", n, rows, len(objs), err)
			}
			st, err := a.Study(Ctx("check"), objs[0].Study)
			if err != nil || st.NumInstances != len(objs) || st.NumSeries != 1 {
				t.Fatalf("node %d: study %+v, %v", n, st, err)
			}
			for _, o := range objs {
				got, _ := read(t, a, o.SOP)
				if !bytes.Equal(got, o.Data) {
					t.Fatalf("node %d: %s differs", n, o.SOP)
				}
			}
		}
		if l := cs[0].Lister; l != nil {
			blobs := 0
			if err := l.Walk(context.Background(), func(dicomarchive.BlobInfo) error { blobs++; return nil }); err != nil {
				t.Fatal(err)
			}
			if blobs != len(objs) {
				t.Fatalf("%d blobs for %d instances", blobs, len(objs))
			}
		}
		// One store entry per call, whichever node and outcome, in one
		// chain that both nodes verify.
		if n := auditActions(t, as[0])[dicomarchive.ActionStore]; n != 2*len(objs) {
			t.Fatalf("%d store entries, want %d", n, 2*len(objs))
		}
		h0, err0 := as[0].AuditHead(Ctx("auditor"))
		rep, err1 := as[1].VerifyAudit(Ctx("auditor"), &dicomarchive.VerifyAuditOptions{Anchors: []dicomarchive.AuditAnchor{h0}})
		if err0 != nil || err1 != nil || rep.Head.Seq != h0.Seq {
			t.Fatalf("node 1 verifying node 0's head %+v: %+v, %v %v", h0, rep, err0, err1)
		}
	})

	t.Run("same new patient on every node", func(t *testing.T) {
		as, _ := open(t, 3)
		var studies []string
		var wg sync.WaitGroup
		for n, a := range as {
			objs := Study(t, uint64(30+n), 2, p, fmt.Sprintf("2024060%d", n+1), nil)
			studies = append(studies, objs[0].Study)
			wg.Go(func() {
				for _, o := range objs {
					if _, err := a.Store(Ctx(fmt.Sprint("node", n)), bytes.NewReader(o.Data), nil); err != nil {
						t.Errorf("node %d: %v", n, err)
					}
				}
			})
		}
		wg.Wait()
		var key int64
		for n, a := range as {
			pt, err := a.FindPatient(Ctx("check"), p.ID, p.Issuer)
			if err != nil || (n > 0 && pt.Key != key) {
				t.Fatalf("node %d: patient %+v, %v (node 0 has %d)", n, pt, err, key)
			}
			key = pt.Key
		}
		q, err := as[0].QueryStudies(Ctx("check"), &dicomarchive.Query{PatientID: p.ID})
		if err != nil || !equal(studyUIDs(q), sorted(studies...)) {
			t.Fatalf("studies of the patient: %v, %v; want %v", studyUIDs(q), err, sorted(studies...))
		}
		for _, s := range q.Items {
			if s.Patient.Key != key {
				t.Fatalf("study %s belongs to patient %d, not %d", s.StudyInstanceUID, s.Patient.Key, key)
			}
		}
	})

	t.Run("reconciliation seen by every node", func(t *testing.T) {
		as, _ := open(t, 2)
		s1 := Study(t, 40, 1, p, "20240701", nil)
		other := Patient{ID: "IPP101", Issuer: "HOSP", Name: "MARTIN^Lea"}
		s2 := Study(t, 41, 1, other, "20240702", nil)
		storeAll(t, as[0], s1)
		storeAll(t, as[1], s2)
		ctx := Ctx("dr.identito")
		p1, err := as[1].FindPatient(ctx, p.ID, p.Issuer)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := as[0].FindPatient(ctx, other.ID, other.Issuer)
		if err != nil {
			t.Fatal(err)
		}
		if err := as[0].UpdatePatient(ctx, p1.Key, dicomarchive.Identity{Name: "MARTIN^Léa-Rose"}); err != nil {
			t.Fatal(err)
		}
		if got, err := as[1].Patient(ctx, p1.Key); err != nil || got.Name != "MARTIN^Léa-Rose" || !got.Reconciled {
			t.Fatalf("node 1 sees %+v, %v", got, err)
		}
		if err := as[1].MergePatients(ctx, p2.Key, p1.Key); err != nil {
			t.Fatal(err)
		}
		if got, err := as[0].FindPatient(ctx, other.ID, other.Issuer); err != nil || got.Key != p1.Key {
			t.Fatalf("node 0 resolves the merged ID to %+v, %v", got, err)
		}
		// Node 0 delivers node 1's object with the identity node 0 set.
		got, obj := read(t, as[0], s2[0].SOP)
		f, err := dicomio.Parse(bytes.NewReader(got), nil)
		if err != nil {
			t.Fatal(err)
		}
		if f.Dataset.String(dicomio.TagPatientName) != "MARTIN^Léa-Rose" || f.Dataset.String(dicomio.TagPatientID) != p.ID || len(obj.Coerced) == 0 {
			t.Fatalf("node 0 delivers %q %q (coerced %v)", f.Dataset.String(dicomio.TagPatientName), f.Dataset.String(dicomio.TagPatientID), obj.Coerced)
		}
		// A new object under the merged-away ID, stored by node 1, joins
		// the surviving patient.
		late := Study(t, 42, 1, other, "20240703", nil)
		storeAll(t, as[1], late)
		if st, err := as[0].Study(ctx, late[0].Study); err != nil || st.Patient.Key != p1.Key {
			t.Fatalf("late study seen by node 0: %+v, %v", st.Patient, err)
		}
	})

	t.Run("audit chain with several writers", func(t *testing.T) {
		as, cs := open(t, 3)
		objs := Study(t, 50, 3, p, "20240801", nil)
		var wg sync.WaitGroup
		const appends = 20
		for n := range cs {
			wg.Go(func() {
				for j := range appends {
					e := dicomarchive.AuditEntry{Time: time.Now().UTC(), Principal: fmt.Sprint("node", n), Action: dicomarchive.ActionRead, Object: fmt.Sprint(j), Outcome: "ok"}
					if _, err := cs[n].Audit.Append(context.Background(), e); err != nil {
						t.Errorf("node %d: append: %v", n, err)
						return
					}
				}
				// Stores commit their entry with the index row when the
				// backend can: those appends interleave too.
				for _, o := range objs {
					if _, err := as[n].Store(Ctx(fmt.Sprint("node", n)), bytes.NewReader(o.Data), nil); err != nil {
						t.Errorf("node %d: store: %v", n, err)
					}
				}
			})
		}
		wg.Wait()
		per := map[string]int{}
		for n, c := range cs {
			all := checkChain(t, c.Audit)
			if len(all) != len(cs)*(appends+len(objs)) {
				t.Fatalf("node %d sees %d entries, want %d", n, len(all), len(cs)*(appends+len(objs)))
			}
			if n == 0 {
				for _, e := range all {
					per[e.Principal]++
				}
			}
		}
		for n := range cs {
			if got := per[fmt.Sprint("node", n)]; got != appends+len(objs) {
				t.Fatalf("node %d wrote %d entries, want %d", n, got, appends+len(objs))
			}
		}
	})
}
