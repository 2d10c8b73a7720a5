package jpegls

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// sharedConformanceFiles returns the .jls files of ../shared when present,
// without skipping: fuzzing still runs on the built-in seeds without them.
func sharedConformanceFiles(tb testing.TB) [][]byte {
	dir, err := os.Getwd()
	if err != nil {
		return nil
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
	paths, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), "shared", "jpegls-conformance", "*.jls"))
	var out [][]byte
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			out = append(out, b)
		}
	}
	return out
}

func FuzzDecode(f *testing.F) {
	for _, b := range sharedConformanceFiles(f) {
		f.Add(b)
	}
	seeds := []struct {
		fr   Frame
		opts []EOption
	}{
		{Frame{8, 6, 1, 8}, nil},
		{Frame{7, 5, 1, 16}, []EOption{WithNear(2)}},
		{Frame{9, 4, 3, 8}, []EOption{WithInterleave(InterleaveSample)}},
		{Frame{9, 4, 3, 12}, []EOption{WithInterleave(InterleaveLine), WithRestartInterval(1)}},
		{Frame{5, 5, 3, 8}, []EOption{WithInterleave(InterleaveSample), WithColorTransform(TransformHP2)}},
		{Frame{6, 6, 1, 4}, []EOption{WithPreset(Preset{T1: 2, T2: 3, T3: 5, Reset: 9})}},
	}
	for i, s := range seeds {
		e, err := NewEncoder(nil, s.opts...)
		if err != nil {
			f.Fatal(err)
		}
		b, err := e.EncodeAll(s.fr, synthetic(s.fr, uint64(i)), nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seq, _ := NewDecoder(nil, WithMaxBytes(4<<20), WithDecoderConcurrency(1))
	par, _ := NewDecoder(nil, WithMaxBytes(4<<20), WithDecoderConcurrency(4))
	f.Fuzz(func(t *testing.T, src []byte) {
		got, info, err := seq.DecodeInfo(src, nil)
		got2, err2 := par.DecodeAll(src, nil)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("sequential error %v, parallel error %v", err, err2)
		}
		if err != nil {
			var fe *FormatError
			var ue UnsupportedError
			if !errors.As(err, &fe) && !errors.As(err, &ue) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		if !bytes.Equal(got, got2) {
			t.Fatal("sequential and parallel decodes differ")
		}
		if len(got) != info.Size() {
			t.Fatalf("decoded %d bytes, info says %d", len(got), info.Size())
		}
		if info.Subsampled() || info.Width > 65535 || info.Height > 65535 || len(info.Components) > 4 {
			return
		}
		// What decodes re-encodes losslessly to the same samples.
		e, err := NewEncoder(nil)
		if err != nil {
			t.Fatal(err)
		}
		fr := Frame{info.Width, info.Height, len(info.Components), info.BitsPerSample}
		if info.Preset.MaxVal != 0 {
			return // samples may exceed the default MAXVAL's bits only if MaxVal differs; skip
		}
		enc, err := e.EncodeAll(fr, got, nil)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		back, err := seq.DecodeAll(enc, nil)
		if err != nil {
			t.Fatalf("decode of re-encoded image: %v", err)
		}
		if !bytes.Equal(back, got) {
			t.Fatal("lossless re-encode round trip differs")
		}
	})
}
