package dicomarchive_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/synth"
)

// benchmarkSeries stores a 100-slice 512×512 CT series once.
func benchmarkSeries(b *testing.B) (*dicomarchive.Archive, []object) {
	objs := studyOpts(b, synth.CT, synth.Options{Seed: 90, Slices: 100}, nil)
	a := openArchive(b, b.TempDir(), nil)
	storeAll(b, a, objs)
	return a, objs
}

func BenchmarkStore(b *testing.B) {
	objs := studyOpts(b, synth.CT, synth.Options{Seed: 91, Slices: 50}, nil)
	var size int64
	for _, o := range objs {
		size += int64(len(o.data))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		a := openArchive(b, b.TempDir(), nil)
		b.StartTimer()
		for _, o := range objs {
			if _, err := a.Store(ctx(), bytes.NewReader(o.data), nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkOpenSeries(b *testing.B) {
	a, objs := benchmarkSeries(b)
	var size int64
	for _, o := range objs {
		size += int64(len(o.data))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		err := a.OpenSeries(ctx(), objs[0].series, nil, func(o *dicomarchive.Object) error {
			_, err := io.Copy(io.Discard, o)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenFirst(b *testing.B) {
	a, objs := benchmarkSeries(b)
	b.ReportAllocs()
	for b.Loop() {
		obj, err := a.Open(ctx(), objs[0].sop, nil)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, obj)
		obj.Close()
	}
}
