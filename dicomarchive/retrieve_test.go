package dicomarchive_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

// exactSize returns a CT object re-encoded to exactly size bytes (padded
// with an Encapsulated Document element), to hit the boundary where an
// object ends exactly at the end of a read block.
func exactSize(t *testing.T, size int) object {
	t.Helper()
	tag := dicomio.NewTag(0x0042, 0x0011)
	var pad int
	objs := studyOpts(t, synth.CT, synth.Options{Seed: 11, Slices: 1, Rows: 128, Columns: 128}, func(f *dicomio.File) {
		f.Dataset.SetBytes(tag, dicomio.OB, make([]byte, pad))
	})
	pad = size - len(objs[0].data)
	if pad < 0 || pad%2 != 0 {
		t.Fatalf("cannot pad %d bytes to %d", len(objs[0].data), size)
	}
	objs = studyOpts(t, synth.CT, synth.Options{Seed: 11, Slices: 1, Rows: 128, Columns: 128}, func(f *dicomio.File) {
		f.Dataset.SetBytes(tag, dicomio.OB, make([]byte, pad))
	})
	if len(objs[0].data) != size {
		t.Fatalf("padded object is %d bytes, want %d", len(objs[0].data), size)
	}
	return objs[0]
}

// TestObjectWriteTo checks io.Copy from an Object (which uses its
// WriteTo): every byte when the blob is sound, and never the end of a
// corrupt, truncated or extended blob, which fails with ErrCorrupt.
func TestObjectWriteTo(t *testing.T) {
	dir := t.TempDir()
	a := openArchive(t, dir, nil)
	small := study(t, synth.CT, 1, 1, nil)[0]
	big := studyOpts(t, synth.CT, synth.Options{Seed: 2, Slices: 1, Rows: 512, Columns: 512}, nil)[0]
	exact := exactSize(t, 256<<10)
	objs := []object{small, big, exact}
	storeAll(t, a, objs)

	copyObj := func(sop string) ([]byte, error) {
		obj, err := a.Open(ctx(), sop, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer obj.Close()
		var buf bytes.Buffer
		n, err := io.Copy(&buf, obj)
		if n != int64(buf.Len()) {
			t.Fatalf("WriteTo reported %d bytes, wrote %d", n, buf.Len())
		}
		return buf.Bytes(), err
	}
	for _, o := range objs {
		got, err := copyObj(o.sop)
		if err != nil || !bytes.Equal(got, o.data) {
			t.Fatalf("%d-byte object: %d bytes, %v", len(o.data), len(got), err)
		}
	}
	// The same through OpenSeries (one buffer shared by the series).
	seriesObjs := studyOpts(t, synth.CT, synth.Options{Seed: 3, Slices: 3, Rows: 512, Columns: 512}, nil)
	storeAll(t, a, seriesObjs)
	i := 0
	err := a.OpenSeries(ctx(), seriesObjs[0].series, nil, func(obj *dicomarchive.Object) error {
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, obj); err != nil {
			return err
		}
		if !bytes.Equal(buf.Bytes(), seriesObjs[i].data) {
			t.Errorf("series object %d differs", i)
		}
		i++
		return nil
	})
	if err != nil || i != len(seriesObjs) {
		t.Fatalf("series: %d objects, %v", i, err)
	}

	blobs := filepath.Join(dir, "blobs")
	for _, o := range objs {
		p := blobPath(t, blobs, a, o.sop)
		flipByte(t, p, int64(len(o.data)-1))
		got, err := copyObj(o.sop)
		if !errors.Is(err, dicomarchive.ErrCorrupt) || len(got) >= len(o.data) {
			t.Fatalf("corrupt %d-byte object: %d bytes delivered, %v", len(o.data), len(got), err)
		}
		// Truncated by one byte, then one byte too long.
		if err := os.WriteFile(p, o.data[:len(o.data)-1], 0o600); err != nil {
			t.Fatal(err)
		}
		got, err = copyObj(o.sop)
		if !errors.Is(err, dicomarchive.ErrCorrupt) || len(got) >= len(o.data)-1 {
			t.Fatalf("truncated %d-byte object: %d bytes delivered, %v", len(o.data), len(got), err)
		}
		if err := os.WriteFile(p, append(bytes.Clone(o.data), 0), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err = copyObj(o.sop)
		if !errors.Is(err, dicomarchive.ErrCorrupt) || len(got) > len(o.data) {
			t.Fatalf("extended %d-byte object: %d bytes delivered, %v", len(o.data), len(got), err)
		}
	}
}
