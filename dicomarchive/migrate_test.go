package dicomarchive_test

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

func pixels(t *testing.T, b []byte) []uint16 {
	t.Helper()
	f := parse(t, b)
	v := f.Dataset.Get(dicomio.TagPixelData).Value
	out := make([]uint16, len(v)/2)
	for i := range out {
		out[i] = uint16(v[2*i]) | uint16(v[2*i+1])<<8
	}
	return out
}

func TestMigrate(t *testing.T) {
	dir := t.TempDir()
	replica := filepath.Join(t.TempDir(), "replica")
	a := openArchive(t, dir, &dicomarchive.Options{ReplicaDir: replica})
	withDate := func(d string) func(*dicomio.File) {
		return func(f *dicomio.File) { f.Dataset.MustSetStrings(tagStudyDate, dicomio.DA, d) }
	}
	old := study(t, synth.CT, 70, 3, withDate("20150105"))
	older := study(t, synth.CT, 71, 3, withDate("20140105"))
	recent := study(t, synth.CT, 72, 3, withDate("20250105"))
	held := study(t, synth.CT, 73, 2, withDate("20130105"))
	for _, s := range [][]object{old, older, recent, held} {
		storeAll(t, a, s)
	}
	if err := a.Hold(ctx(), held[0].study, "expertise judiciaire"); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	dry, err := a.Migrate(ctx(), &dicomarchive.MigrateOptions{DryRun: true, Now: now})
	if err != nil || len(dry.Studies) != 2 || len(dry.Held) != 1 || dry.Examined != 4 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	if in, _ := a.Instance(ctx(), old[0].sop); in.Tier != dicomarchive.Immediate {
		t.Fatal("dry run moved an instance")
	}

	// Lossless first (one study), then near-lossless for the other.
	rep, err := a.Migrate(ctx(), &dicomarchive.MigrateOptions{Now: now, Limit: 1})
	if err != nil || len(rep.Studies) != 1 {
		t.Fatalf("lossless migration: %+v %v", rep, err)
	}
	it := rep.Studies[0]
	if it.Lossy || it.MaxError != 0 || it.Ratio <= 1 || it.Instances != 3 {
		t.Fatalf("lossless item %+v", it)
	}
	lossless := old
	if it.StudyInstanceUID == older[0].study {
		lossless = older
	}
	in, err := a.Instance(ctx(), lossless[0].sop)
	if err != nil || in.Tier != dicomarchive.Deferred || in.TransferSyntaxUID != dicomarchive.JPEGLSLossless {
		t.Fatalf("migrated instance %+v %v", in, err)
	}
	got, _ := readAll(t, a, lossless[0].sop, &dicomarchive.OpenOptions{TransferSyntax: dicomio.ExplicitVRLittleEndian})
	if !equalU16(pixels(t, got), pixels(t, lossless[0].data)) {
		t.Fatal("lossless migration changed pixels")
	}

	rep, err = a.Migrate(ctx(), &dicomarchive.MigrateOptions{Now: now, Near: 2})
	if err != nil || len(rep.Studies) != 1 {
		t.Fatalf("near-lossless migration: %+v %v", rep, err)
	}
	it = rep.Studies[0]
	if !it.Lossy || it.MaxError > 2 || it.Ratio <= 1 {
		t.Fatalf("near-lossless item %+v", it)
	}
	lossy := older
	if lossless[0].study == older[0].study {
		lossy = old
	}
	// The old UID leads to the new, derived image.
	got, obj := readAll(t, a, lossy[1].sop, &dicomarchive.OpenOptions{TransferSyntax: dicomio.ExplicitVRLittleEndian})
	if obj.Instance.SOPInstanceUID == lossy[1].sop || obj.Instance.TransferSyntaxUID != dicomarchive.JPEGLSNearLossless {
		t.Fatalf("lossy result %+v", obj.Instance)
	}
	f := parse(t, got)
	if f.Dataset.String(tagLossy) != "01" {
		t.Fatal("Lossy Image Compression not set")
	}
	a0, b0 := pixels(t, got), pixels(t, lossy[1].data)
	for i := range a0 {
		if d := int(a0[i]) - int(b0[i]); d > 2 || d < -2 {
			t.Fatalf("sample %d off by %d", i, d)
		}
	}
	if p, err := a.QueryInstances(ctx(), &dicomarchive.Query{StudyInstanceUID: lossy[0].study}); err != nil || len(p.Items) != 3 {
		t.Fatalf("study after lossy migration: %v %v", p.Items, err)
	}
	// Nothing left to do; the held and recent studies stayed.
	if rep, err := a.Migrate(ctx(), &dicomarchive.MigrateOptions{Now: now}); err != nil || len(rep.Studies) != 0 {
		t.Fatalf("second run: %+v %v", rep, err)
	}
	for _, o := range []object{recent[0], held[0]} {
		got, _ := readAll(t, a, o.sop, nil)
		if !bytes.Equal(got, o.data) {
			t.Fatalf("%s changed", o.sop)
		}
	}
	v, err := a.Verify(ctx(), &dicomarchive.VerifyOptions{Replica: true, OrphanGrace: -1})
	if err != nil || !v.OK() || len(v.Orphans) != 0 || v.Instances != 11 {
		t.Fatalf("verify after migration: %v %v", v, err)
	}
}

func equalU16(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
