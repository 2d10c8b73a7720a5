package dicomarchive_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/synth"
)

// FuzzStore feeds arbitrary uploads to Store: it must never panic, must
// refuse bad input with a typed error, and must leave no temporary file
// and no blob without an index row behind.
func FuzzStore(f *testing.F) {
	good := study(f, synth.CT, 60, 1, nil)[0].data
	f.Add(good)
	f.Add(good[:len(good)/3])
	f.Add(good[:132])
	f.Add([]byte("DICM"))
	f.Add(append(make([]byte, 128), []byte("DICM\x02\x00\x10\x00UI\x14\x001.2.840.10008.1.2.1\x00")...))
	dir := f.TempDir()
	a, err := dicomarchive.Open(context.Background(), dir, &dicomarchive.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { a.Close() })
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := a.Store(ctx(), bytes.NewReader(data), nil)
		if err != nil && !errors.Is(err, dicomarchive.ErrInvalidObject) && !errors.Is(err, dicomarchive.ErrTier) && !errors.Is(err, dicomarchive.ErrConflict) {
			t.Fatalf("untyped error: %v", err)
		}
		if tmp, _ := os.ReadDir(filepath.Join(dir, "blobs", "tmp")); len(tmp) != 0 {
			t.Fatalf("temporary files left: %d", len(tmp))
		}
	})
}
