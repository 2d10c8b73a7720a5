package dicomarchive_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

var tagLossy = dicomio.NewTag(0x0028, 0x2110)

// asJPEGBaseline relabels an object as JPEG baseline with one fake
// fragment: enough for the archive, which never decodes pixels on ingest.
func asJPEGBaseline(f *dicomio.File) {
	const uid = "1.2.840.10008.1.2.4.50"
	ts, err := dicomio.LookupTransferSyntax(uid)
	if err != nil {
		panic(err)
	}
	f.TransferSyntax = ts
	f.Meta.MustSetStrings(dicomio.TagTransferSyntaxUID, dicomio.UI, uid)
	f.Dataset.Delete(dicomio.TagPixelData)
	dicomio.EncapsulateFrames(f.Dataset, [][]byte{{0xFF, 0xD8, 0xFF, 0xD9}}, 0)
	f.Dataset.MustSetStrings(tagLossy, dicomio.CS, "01")
}

func TestImmediateTierRefusesLossy(t *testing.T) {
	dir := t.TempDir()
	a := openArchive(t, dir, nil)
	lossy := study(t, synth.CT, 40, 1, asJPEGBaseline)[0]
	_, err := a.Store(ctx(), bytes.NewReader(lossy.data), nil)
	var te *dicomarchive.TierError
	if !errors.As(err, &te) || !errors.Is(err, dicomarchive.ErrTier) || te.TransferSyntax != "1.2.840.10008.1.2.4.50" {
		t.Fatalf("lossy into immediate tier: %v", err)
	}
	// Decompressed once-lossy pixels are still lossy.
	wasLossy := study(t, synth.CT, 41, 1, func(f *dicomio.File) { f.Dataset.MustSetStrings(tagLossy, dicomio.CS, "01") })[0]
	if _, err := a.Store(ctx(), bytes.NewReader(wasLossy.data), nil); !errors.As(err, &te) {
		t.Fatalf("Lossy Image Compression 01 into immediate tier: %v", err)
	}
	if f := files(t, filepath.Join(dir, "blobs")); len(f) != 0 {
		t.Fatalf("refused objects left files: %v", f)
	}
	res, err := a.Store(ctx(), bytes.NewReader(lossy.data), &dicomarchive.StoreOptions{Tier: dicomarchive.Deferred})
	if err != nil || res.Instance.Tier != dicomarchive.Deferred {
		t.Fatalf("lossy into deferred tier: %+v %v", res, err)
	}
	// radkit has no JPEG baseline decoder: decompressing on the way out
	// fails with a clear error.
	if _, err = a.Open(ctx(), lossy.sop, &dicomarchive.OpenOptions{TransferSyntax: dicomio.ExplicitVRLittleEndian}); err == nil {
		t.Fatal("JPEG baseline decoded without a decoder")
	}
}

func TestOpenTranscodesNative(t *testing.T) {
	a := openArchive(t, t.TempDir(), nil)
	o := study(t, synth.CT, 42, 1, nil)[0]
	storeAll(t, a, []object{o})
	got, _ := readAll(t, a, o.sop, &dicomarchive.OpenOptions{TransferSyntax: dicomio.ImplicitVRLittleEndian})
	f := parse(t, got)
	if f.TransferSyntax.UID != dicomio.ImplicitVRLittleEndian {
		t.Fatalf("delivered as %s", f.TransferSyntax.UID)
	}
	orig := parse(t, o.data)
	if !bytes.Equal(f.Dataset.Get(dicomio.TagPixelData).Value, orig.Dataset.Get(dicomio.TagPixelData).Value) {
		t.Fatal("pixel data changed")
	}
}

func TestPolicyValidation(t *testing.T) {
	for _, c := range []struct {
		name  string
		p     dicomarchive.Policy
		field string
	}{
		{"immediate too short", dicomarchive.Policy{ImmediateYears: 2}, "ImmediateYears"},
		{"hospital retention too short", dicomarchive.Policy{RetentionYears: 10}, "RetentionYears"},
		{"private retention too short", dicomarchive.Policy{Setting: dicomarchive.PrivatePractice, RetentionYears: 4}, "RetentionYears"},
		{"immediate longer than retention", dicomarchive.Policy{Setting: dicomarchive.PrivatePractice, ImmediateYears: 8}, "ImmediateYears"},
		{"rule too short", dicomarchive.Policy{Rules: []dicomarchive.PolicyRule{{Modality: "CR", RetentionYears: 15}}}, "Rules[0].RetentionYears"},
		{"unknown setting", dicomarchive.Policy{Setting: 7}, "Setting"},
	} {
		_, err := dicomarchive.Open(ctx(), t.TempDir(), &dicomarchive.Options{Policy: c.p})
		var pe *dicomarchive.PolicyError
		if !errors.As(err, &pe) || !errors.Is(err, dicomarchive.ErrPolicy) || pe.Field != c.field {
			t.Errorf("%s: %v, want a PolicyError on %s", c.name, err, c.field)
		}
	}
	ok := dicomarchive.Policy{Setting: dicomarchive.PrivatePractice}
	a, err := dicomarchive.Open(ctx(), t.TempDir(), &dicomarchive.Options{Policy: ok})
	if err != nil {
		t.Fatalf("private practice defaults: %v", err)
	}
	a.Close()

	p := dicomarchive.Policy{Rules: []dicomarchive.PolicyRule{
		{Modality: "MG", RetentionYears: 30},
		{Description: "*PEDIATRI*", ImmediateYears: 5, RetentionYears: 25},
	}}
	for _, c := range []struct {
		s        dicomarchive.Study
		imm, ret int
	}{
		{dicomarchive.Study{Modalities: []string{"CT"}}, 3, 20},
		{dicomarchive.Study{Modalities: []string{"CR", "MG"}}, 3, 30},
		{dicomarchive.Study{Modalities: []string{"CT"}, Description: "Scanner pédiatrique"}, 5, 25},
		{dicomarchive.Study{Modalities: []string{"MG"}, Description: "pediatrie"}, 5, 30},
	} {
		imm, ret := p.Terms(&c.s)
		if imm != c.imm || ret != c.ret {
			t.Errorf("Terms(%v %q) = %d, %d; want %d, %d", c.s.Modalities, c.s.Description, imm, ret, c.imm, c.ret)
		}
	}
	s := dicomarchive.Study{StudyDate: "20200229"}
	if got := p.ExpiresAt(&s); !got.Equal(time.Date(2040, 2, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ExpiresAt = %v", got)
	}
	if got := p.ImmediateUntil(&s); !got.Equal(time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ImmediateUntil = %v", got)
	}
}

func TestPurge(t *testing.T) {
	dir := t.TempDir()
	replica := filepath.Join(t.TempDir(), "replica")
	a := openArchive(t, dir, &dicomarchive.Options{ReplicaDir: replica})
	withDate := func(d string) func(*dicomio.File) {
		return func(f *dicomio.File) { f.Dataset.MustSetStrings(tagStudyDate, dicomio.DA, d) }
	}
	old := study(t, synth.CT, 50, 2, withDate("19990105"))  // expired 2019
	held := study(t, synth.CT, 51, 2, withDate("19980105")) // expired, held
	kept := study(t, synth.CT, 52, 2, withDate("20100105")) // expires 2030
	for _, s := range [][]object{old, held, kept} {
		storeAll(t, a, s)
	}
	if err := a.Hold(ctx(), held[0].study, ""); err == nil {
		t.Fatal("hold without a reason accepted")
	}
	if err := a.Hold(ctx(), held[0].study, "contentieux n° 2024-17"); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteStudy(ctx(), held[0].study, "test"); !errors.Is(err, dicomarchive.ErrHeld) {
		t.Fatalf("deleting a held study: %v", err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dry, err := a.Purge(ctx(), &dicomarchive.PurgeOptions{DryRun: true, Now: now})
	if err != nil || len(dry.Purged) != 1 || dry.Purged[0].StudyInstanceUID != old[0].study ||
		len(dry.Held) != 1 || dry.Held[0].Hold == "" || dry.Studies != 3 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	if _, err := a.Study(ctx(), old[0].study); err != nil {
		t.Fatalf("dry run deleted: %v", err)
	}
	nBlobs := len(files(t, filepath.Join(dir, "blobs", "sha256")))
	rep, err := a.Purge(ctx(), &dicomarchive.PurgeOptions{Now: now})
	if err != nil || len(rep.Purged) != 1 || len(rep.Held) != 1 {
		t.Fatalf("purge: %+v %v", rep, err)
	}
	if _, err := a.Study(ctx(), old[0].study); !errors.Is(err, dicomarchive.ErrNotFound) {
		t.Fatalf("purged study still there: %v", err)
	}
	if n := len(files(t, filepath.Join(dir, "blobs", "sha256"))); n != nBlobs-2 {
		t.Fatalf("blobs %d -> %d", nBlobs, n)
	}
	if n := len(files(t, filepath.Join(replica, "sha256"))); n != 4 {
		t.Fatalf("replica holds %d blobs after purge, want 4", n)
	}
	// Purging again is a no-op; releasing the hold lets the next purge
	// take the held study.
	if rep, err := a.Purge(ctx(), &dicomarchive.PurgeOptions{Now: now}); err != nil || len(rep.Purged) != 0 {
		t.Fatalf("second purge: %+v %v", rep, err)
	}
	if err := a.Release(ctx(), held[0].study); err != nil {
		t.Fatal(err)
	}
	if rep, err := a.Purge(ctx(), &dicomarchive.PurgeOptions{Now: now}); err != nil || len(rep.Purged) != 1 {
		t.Fatalf("purge after release: %+v %v", rep, err)
	}
	if v, err := a.Verify(ctx(), &dicomarchive.VerifyOptions{Replica: true, OrphanGrace: -1}); err != nil || !v.OK() || len(v.Orphans) != 0 {
		t.Fatalf("verify after purge: %v %v", v, err)
	}
	var purges int
	a.AuditEntries(ctx(), 1, func(e dicomarchive.AuditEntry) error {
		if e.Action == dicomarchive.ActionPurge && e.Object != "" {
			purges++
		}
		return nil
	})
	if purges != 2 {
		t.Fatalf("%d per-study purge entries, want 2", purges)
	}
}
