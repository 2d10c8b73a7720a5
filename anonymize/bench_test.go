package anonymize

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/radkit/radkit/synth"
)

// BenchmarkStream de-identifies one synthetic CT slice (512x512, 16 bits)
// from memory to io.Discard with the basic profile: the per-object cost
// without I/O.
func BenchmarkStream(b *testing.B) {
	for _, k := range []string{"ct", "us"} {
		b.Run(k, func(b *testing.B) {
			in := study(b, synth.Kind(k), 1)[0]
			profile := "basic"
			if k == "us" {
				profile = "teleexpertise"
			}
			a := newTest(b, profile, nil)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Stream(context.Background(), bytes.NewReader(in), io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBatch de-identifies a 60-slice CT study from disk to disk with
// the basic profile on every core: the path `radkit anonymize` takes.
func BenchmarkBatch(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "in")
	for i, f := range studyN(b, synth.CT, 60) {
		writeTemp(b, in, fmt.Sprintf("%03d.dcm", i), f)
	}
	a := newTest(b, "basic", nil)
	b.SetBytes(60 * 527210)
	for i := 0; b.Loop(); i++ {
		rep, err := a.Batch(context.Background(), []string{in}, filepath.Join(dir, fmt.Sprint("out", i)), BatchOptions{})
		if err != nil || !rep.OK() {
			b.Fatal(err)
		}
	}
}
