// Command rewritemem rewrites one DICOM file with dicomio.RewriteFile
// (Patient Name replaced, pixel data passed through) and reports the peak
// Go heap, sampled with runtime/metrics, and the bytes allocated. The
// scripts under bench/ run it beside dcmtk under /usr/bin/time -v.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

// genDBT writes the first object of a synthetic tomosynthesis study: its
// frames are computed while it is written, so generating 1 GB costs one
// frame of memory.
func genDBT(path string, frames int) error {
	errDone := errors.New("done")
	err := synth.Study(context.Background(), synth.DBT, synth.Options{Seed: 1, Slices: frames}, func(f *dicomio.File) error {
		if err := dicomio.WriteFile(path, f, nil); err != nil {
			return err
		}
		return errDone
	})
	if errors.Is(err, errDone) {
		return nil
	}
	if err == nil {
		return errors.New("synth produced no object")
	}
	return err
}

func main() {
	in := flag.String("in", "", "input DICOM file")
	out := flag.String("out", "", "output DICOM file")
	gen := flag.Int("synth-dbt-frames", 0, "first write to -in one synthetic breast tomosynthesis object of this many frames, then exit")
	flag.Parse()
	if *gen > 0 {
		if err := genDBT(*in, *gen); err != nil {
			fmt.Fprintln(os.Stderr, "rewritemem:", err)
			os.Exit(1)
		}
		return
	}
	if *in == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/allocs:bytes"}}
	var mu sync.Mutex
	var peak uint64
	read := func() {
		metrics.Read(samples)
		mu.Lock()
		peak = max(peak, samples[0].Value.Uint64())
		mu.Unlock()
	}
	read()
	allocs0 := samples[1].Value.Uint64()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	}()
	start := time.Now()
	err := dicomio.RewriteFile(context.Background(), *in, *out, func(f *dicomio.File) error {
		return f.Dataset.SetStrings(dicomio.TagPatientName, dicomio.PN, "ANONYME")
	}, nil)
	elapsed := time.Since(start)
	close(done)
	read()
	if err != nil {
		fmt.Fprintln(os.Stderr, "rewritemem:", err)
		os.Exit(1)
	}
	st, _ := os.Stat(*in)
	fmt.Printf("file_bytes=%d seconds=%.3f peak_heap_bytes=%d allocated_bytes=%d\n",
		st.Size(), elapsed.Seconds(), peak, samples[1].Value.Uint64()-allocs0)
}
