package anonymize

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/radkit/radkit/dicomarchive/codec"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

// Burned-in text in compressed pixel data is cleaned: decoded, masked,
// encoded again in the same lossless syntax (issue 4, item 7), through
// the file path that reads such objects whole. Baseline JPEG, which radkit
// cannot encode, is refused.
func TestCompressedPixelCleaning(t *testing.T) {
	ctx := context.Background()
	for _, uid := range []string{dicomio.RLELossless, dicomio.JPEGLSLossless} {
		t.Run(uid, func(t *testing.T) {
			orig := parse(t, study(t, "us", 4)[0])
			comp, _, err := codec.Transcode(ctx, orig, uid, nil)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			src := writeTemp(t, dir, "in.dcm", encode(t, comp))
			dst := filepath.Join(dir, "out.dcm")
			rep, err := newTest(t, "teleexpertise", nil).AnonymizeFile(ctx, src, dst)
			if err != nil {
				t.Fatal(err)
			}
			if rep.PixelRule == "" {
				t.Error("no pixel rule applied")
			}
			b, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			out := parse(t, b)
			if out.TransferSyntax.UID != uid {
				t.Errorf("output syntax %s, want %s (lossless stays lossless)", out.TransferSyntax.UID, uid)
			}
			if got := out.Dataset.String(tagBurnedInAnnotation); got != "NO" {
				t.Errorf("Burned In Annotation %q", got)
			}
			native, _, err := codec.Transcode(ctx, out, dicomio.ExplicitVRLittleEndian, nil)
			if err != nil {
				t.Fatal(err)
			}
			rects := synth.BurnedInText(native)
			if len(rects) == 0 {
				t.Fatal("no ground truth")
			}
			for _, r := range rects {
				if !blank(t, native, r) {
					t.Errorf("text box %v not blanked", r)
				}
			}
			v, err := VerifyPaths(ctx, src, dst, VerifyOptions{FromOutput: true})
			if err != nil || !v.OK() {
				t.Errorf("verify: %v %v", err, v.Leaks)
			}
		})
	}
	t.Run("baseline JPEG refused", func(t *testing.T) {
		ds := parse(t, study(t, "us", 6)[0]).Dataset
		ds.Get(dicomio.TagPixelData).Value = nil
		dicomio.EncapsulateFrames(ds, [][]byte{{0xFF, 0xD8, 0xFF, 0xD9}}, 0)
		f, err := dicomio.NewFile(ds, dicomio.JPEGBaseline8Bit)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		src := writeTemp(t, dir, "in.dcm", encode(t, f))
		_, err = newTest(t, "teleexpertise", nil).AnonymizeFile(ctx, src, filepath.Join(dir, "out.dcm"))
		if !errors.Is(err, ErrCompressedPixels) {
			t.Fatalf("got %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "out.dcm")); !os.IsNotExist(err) {
			t.Error("an output was left for a refused file")
		}
	})
}

// Two inputs with the same SOP Instance UID: the first in input order
// keeps the output, the other is reported, whatever order the workers
// finish in; nothing is merged or left behind.
func TestBatchDuplicateSOPInstance(t *testing.T) {
	b := study(t, "ct", 12)[0]
	for range 5 {
		dir := t.TempDir()
		first := writeTemp(t, dir, "in/a.dcm", b)
		second := writeTemp(t, dir, "in/b.dcm", b)
		out := filepath.Join(dir, "out")
		rep, err := newTest(t, "basic", nil).Batch(context.Background(), []string{first, second}, out, BatchOptions{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Succeeded != 1 || rep.Files[0].Status != "ok" || rep.Files[1].Status != "error" {
			t.Fatalf("statuses %q %q", rep.Files[0].Status, rep.Files[1].Status)
		}
		ents, _ := os.ReadDir(out)
		if len(ents) != 1 {
			t.Errorf("%d files in the output, want 1", len(ents))
		}
	}
}
