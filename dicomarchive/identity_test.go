package dicomarchive_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

var (
	tagOtherPatientIDs = dicomio.NewTag(0x0010, 0x1002)
	tagOriginalAttrs   = dicomio.NewTag(0x0400, 0x0561)
	tagModifiedAttrs   = dicomio.NewTag(0x0400, 0x0550)
	tagReason          = dicomio.NewTag(0x0400, 0x0565)
)

func TestNormalizeNIR(t *testing.T) {
	for _, c := range []struct{ in, want, reason string }{
		{"185052A12345633", "185052A12345633", ""},
		{"1 85 05 2a 123 456 33", "185052A12345633", ""},
		{"285112B04501277", "285112B04501277", ""},
		{"185057512345673", "185057512345673", ""},
		{"185052A12345634", "", "key 34 does not match the number (expected 33)"},
		{"185052B12345633", "", "key"}, // the 2A key does not fit 2B
		{"18505751234567", "", "14 characters"},
		{"385057512345673", "", "sex digit"},
		{"185157512345673", "", "birth month"},
		{"18505X512345673", "", "département"},
		{"1850575123A5673", "", "commune"},
		{"18505751234567X", "", "key"},
		{"1850575123456X3", "", "key"},
	} {
		got, err := dicomarchive.NormalizeNIR(c.in)
		if c.reason == "" {
			if err != nil || got != c.want {
				t.Errorf("NormalizeNIR(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
			continue
		}
		var ne *dicomarchive.NIRError
		if !errors.As(err, &ne) || !errors.Is(err, dicomarchive.ErrInvalidNIR) || !strings.Contains(ne.Reason, c.reason) {
			t.Errorf("NormalizeNIR(%q): %v; want a NIRError about %q", c.in, err, c.reason)
		}
	}
	// Differential check against synth's independent implementation.
	for seed := range uint64(300) {
		p := synth.NewPatient(seed, synth.PatientOptions{})
		_, err := dicomarchive.NormalizeNIR(p.NIR)
		if (err == nil) != synth.ValidNIR(p.NIR) {
			t.Fatalf("NIR %s: NormalizeNIR %v, synth.ValidNIR %v", p.NIR, err, synth.ValidNIR(p.NIR))
		}
		bad := p.NIR[:13] + "00"
		if p.NIR[13:] != "00" {
			if _, err := dicomarchive.NormalizeNIR(bad); err == nil || synth.ValidNIR(bad) {
				t.Fatalf("NIR %s with a wrong key accepted", bad)
			}
		}
	}
}

func TestReconciliation(t *testing.T) {
	a := openArchive(t, t.TempDir(), nil)
	opts := func(seed uint64) synth.Options {
		return synth.Options{Seed: seed, Slices: 2, Rows: 64, Columns: 64, CharacterSet: "ISO_IR 192"}
	}
	studyA := studyOpts(t, synth.CT, opts(7), setPatient(fakePatient{"IPP100", "DUPONT^Jean", "", "A1", "20240102"}))
	studyB := studyOpts(t, synth.CT, opts(8), setPatient(fakePatient{"IPP200", "DUPOND^Jean", "", "B1", "20240105"}))
	storeAll(t, a, studyA)
	storeAll(t, a, studyB)

	pA, err := a.FindPatient(ctx(), "IPP100", "IPP-TEST")
	if err != nil {
		t.Fatal(err)
	}
	// RIS correction.
	if err := a.UpdatePatient(ctx(), pA.Key, dicomarchive.Identity{Name: "DUPONT^Jean-Éric", BirthDate: "19700101"}); err != nil {
		t.Fatal(err)
	}
	got, obj := readAll(t, a, studyA[0].sop, nil)
	f := parse(t, got)
	if n := f.Dataset.String(dicomio.TagPatientName); n != "DUPONT^Jean-Éric" {
		t.Fatalf("coerced name %q", n)
	}
	if f.Dataset.String(tagBirthDate) != "19700101" {
		t.Fatalf("coerced birth date %q", f.Dataset.String(tagBirthDate))
	}
	if strings.Join(obj.Coerced, ",") != "PatientName,PatientBirthDate" {
		t.Fatalf("Coerced = %v", obj.Coerced)
	}
	oas := f.Dataset.Get(tagOriginalAttrs)
	if oas == nil || len(oas.Items) != 1 || oas.Items[0].String(tagReason) != "COERCE" {
		t.Fatalf("no Original Attributes Sequence item")
	}
	mod := oas.Items[0].Get(tagModifiedAttrs).Items[0]
	if mod.String(dicomio.TagPatientName) != "DUPONT^Jean" {
		t.Fatalf("original name not recorded: %q", mod.String(dicomio.TagPatientName))
	}
	// Pixel data passes through.
	orig := parse(t, studyA[0].data)
	if !bytes.Equal(f.Dataset.Get(dicomio.TagPixelData).Value, orig.Dataset.Get(dicomio.TagPixelData).Value) {
		t.Fatal("pixel data changed by coercion")
	}
	raw, _ := readAll(t, a, studyA[0].sop, &dicomarchive.OpenOptions{Raw: true})
	if !bytes.Equal(raw, studyA[0].data) {
		t.Fatal("raw retrieval differs from the stored bytes")
	}
	// The correction is searchable.
	if got := studyAccessions(t, a, dicomarchive.Query{PatientName: "dupont jean-eric"}); join(got) != "A1" {
		t.Fatalf("query by corrected name: %v", got)
	}

	// Merge the duplicate record B into A (HL7 A40).
	pB, err := a.FindPatient(ctx(), "IPP200", "IPP-TEST")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.MergePatients(ctx(), pB.Key, pA.Key); err != nil {
		t.Fatal(err)
	}
	if err := a.MergePatients(ctx(), pB.Key, pA.Key); !errors.Is(err, dicomarchive.ErrConflict) {
		t.Fatalf("second merge: %v", err)
	}
	// The merged-away ID now names the surviving patient: all its studies.
	if got := studyAccessions(t, a, dicomarchive.Query{PatientID: "IPP200"}); join(got) != "A1 B1" {
		t.Fatalf("query by merged-away ID: %v", got)
	}
	if got := studyAccessions(t, a, dicomarchive.Query{PatientID: "IPP100"}); join(got) != "A1 B1" {
		t.Fatalf("query by surviving ID: %v", got)
	}
	got, _ = readAll(t, a, studyB[0].sop, nil)
	f = parse(t, got)
	if f.Dataset.String(dicomio.TagPatientID) != "IPP100" || f.Dataset.String(dicomio.TagPatientName) != "DUPONT^Jean-Éric" {
		t.Fatalf("merged study delivered as %q %q", f.Dataset.String(dicomio.TagPatientID), f.Dataset.String(dicomio.TagPatientName))
	}
	// A late object under the old ID joins the surviving patient.
	late := studyOpts(t, synth.CT, opts(9), setPatient(fakePatient{"IPP200", "DUPOND^Jean", "", "B2", "20240106"}))
	storeAll(t, a, late)
	st, err := a.Study(ctx(), late[0].study)
	if err != nil || st.Patient.Key != pA.Key {
		t.Fatalf("late study patient %d, want %d (%v)", st.Patient.Key, pA.Key, err)
	}

	// INS.
	if err := a.AttachINS(ctx(), pA.Key, "123"); !errors.Is(err, dicomarchive.ErrInvalidNIR) {
		t.Fatalf("invalid INS: %v", err)
	}
	if err := a.AttachINS(ctx(), pA.Key, "1 70 01 2A 123 456 "+"xx"); !errors.Is(err, dicomarchive.ErrInvalidNIR) {
		t.Fatalf("invalid INS key: %v", err)
	}
	const ins = "185052A12345633"
	if err := a.AttachINS(ctx(), pA.Key, "1 85 05 2A 123 456 33"); err != nil {
		t.Fatal(err)
	}
	got, _ = readAll(t, a, studyA[1].sop, nil)
	f = parse(t, got)
	ops := f.Dataset.Get(tagOtherPatientIDs)
	found := false
	for _, it := range ops.Items {
		if it.String(dicomio.TagPatientID) == ins && it.String(tagIssuer) == dicomarchive.INSIssuer {
			found = true
		}
	}
	if !found {
		t.Fatal("INS not delivered in Other Patient IDs Sequence")
	}
	if got := studyAccessions(t, a, dicomarchive.Query{INS: ins}); join(got) != "A1 B1 B2" {
		t.Fatalf("query by INS: %v", got)
	}

	// Study-level reconciliation: move B2 back to its own record.
	other := studyOpts(t, synth.CT, opts(10), setPatient(fakePatient{"IPP300", "MARTIN^Paul", "", "C1", "20240107"}))
	storeAll(t, a, other)
	pC, _ := a.FindPatient(ctx(), "IPP300", "IPP-TEST")
	if err := a.MoveStudy(ctx(), late[0].study, pC.Key); err != nil {
		t.Fatal(err)
	}
	got, _ = readAll(t, a, late[0].sop, nil)
	if f := parse(t, got); f.Dataset.String(dicomio.TagPatientID) != "IPP300" {
		t.Fatalf("moved study delivered with %q", f.Dataset.String(dicomio.TagPatientID))
	}

	// The stored bytes never changed.
	rep, err := a.Verify(ctx(), nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify after reconciliation: %v %v", rep, err)
	}
	// Every reconciliation is in the trail, with old and new values.
	var details []string
	a.AuditEntries(ctx(), 1, func(e dicomarchive.AuditEntry) error {
		if e.Action == dicomarchive.ActionReconcile {
			details = append(details, e.Outcome+": "+e.Detail)
		}
		return nil
	})
	all := strings.Join(details, "\n")
	for _, want := range []string{`Name "DUPONT^Jean" -> "DUPONT^Jean-Éric"`, "merge into patient", `-> "185052A12345633"`, "invalid NIR", "move from patient"} {
		if !strings.Contains(all, want) {
			t.Errorf("audit lacks %q:\n%s", want, all)
		}
	}
}
