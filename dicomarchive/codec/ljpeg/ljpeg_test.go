package ljpeg

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The seeds in testdata are frames dcmtk's dcmcjpeg wrote: mono8.jpg
// (+e1, 16x12), ct12.jpg (+el +sv 7, 13x10, 12-bit signed), rgb8.jpg
// (+el +sv 4 +pt 1, 11x9, 3 components). Pixel values are checked against
// dcmtk's decoder in the codec package's TestLosslessJPEGFromDcmtk.
func seeds(tb testing.TB) map[string][]byte {
	paths, _ := filepath.Glob("testdata/*.jpg")
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	if len(out) == 0 {
		tb.Fatal("no seeds in testdata")
	}
	return out
}

func TestDecodeSeeds(t *testing.T) {
	want := map[string]Info{
		"mono8.jpg": {Width: 16, Height: 12, Components: 1, Precision: 8, Predictor: 1},
		"ct12.jpg":  {Width: 13, Height: 10, Components: 1, Predictor: 7},
		"rgb8.jpg":  {Width: 11, Height: 9, Components: 3, Precision: 8, Predictor: 4, PointTransform: 1},
	}
	d, _ := NewDecoder()
	for name, src := range seeds(t) {
		out, info, err := d.DecodeInfo(src, []byte{1, 2})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w := want[name]
		if name == "ct12.jpg" {
			w.Precision = info.Precision // dcmtk picks 12 or 16
		}
		if info != w {
			t.Errorf("%s: %+v, want %+v", name, info, w)
		}
		bps := 1
		if info.Precision > 8 {
			bps = 2
		}
		if len(out) != 2+info.Width*info.Height*info.Components*bps || out[0] != 1 {
			t.Errorf("%s: %d bytes (DecodeAll must append)", name, len(out))
		}
		if ri, err := ReadInfo(src); err != nil || ri != info {
			t.Errorf("%s: ReadInfo %+v %v", name, ri, err)
		}
		for n := range len(src) - 1 {
			_, err := d.DecodeAll(src[:n], nil)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("%s truncated at %d: %v", name, n, err)
			}
		}
	}
	small, _ := NewDecoder(WithMaxBytes(10))
	if _, err := small.DecodeAll(seeds(t)["mono8.jpg"], nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit: %v", err)
	}
	var ue UnsupportedError
	if _, err := d.DecodeAll([]byte{0xFF, 0xD8, 0xFF, 0xC0, 0, 2, 0xFF, 0xD9}, nil); !errors.As(err, &ue) {
		t.Errorf("baseline: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b)
	}
	d, _ := NewDecoder(WithMaxBytes(1 << 22))
	f.Fuzz(func(t *testing.T, src []byte) {
		out, info, err := d.DecodeInfo(src, nil)
		if err != nil {
			var fe *FormatError
			var ue UnsupportedError
			if !errors.As(err, &fe) && !errors.As(err, &ue) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		bps := 1
		if info.Precision > 8 {
			bps = 2
		}
		if len(out) != info.Width*info.Height*info.Components*bps {
			t.Fatalf("%d bytes for %+v", len(out), info)
		}
	})
}

func TestEncodeRoundTrip(t *testing.T) {
	d, _ := NewDecoder()
	for _, f := range []Frame{{1, 1, 1, 8}, {17, 9, 1, 12}, {8, 5, 3, 8}, {33, 7, 1, 16}, {5, 6, 4, 2}, {64, 64, 1, 16}} {
		bps := 1
		if f.Precision > 8 {
			bps = 2
		}
		src := make([]byte, f.Width*f.Height*f.Components*bps)
		seed := uint32(f.Width*31 + f.Precision)
		for i := 0; i < len(src); i += bps {
			seed = seed*1664525 + 1013904223
			v := int(seed>>8) & (1<<f.Precision - 1)
			if (i/bps)%7 < 4 {
				v = (i / bps) & (1<<f.Precision - 1) // smooth ramps among the noise
			}
			src[i] = byte(v)
			if bps == 2 {
				src[i+1] = byte(v >> 8)
			}
		}
		for pred := 1; pred <= 7; pred++ {
			e, err := NewEncoder(pred)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := e.EncodeAll(f, src, nil)
			if err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			got, info, err := d.DecodeInfo(enc, nil)
			if err != nil {
				t.Fatalf("%+v predictor %d: %v", f, pred, err)
			}
			if info.Predictor != pred || string(got) != string(src) {
				t.Fatalf("%+v predictor %d: round trip differs", f, pred)
			}
		}
	}
	if _, err := NewEncoder(0); err == nil {
		t.Fatal("predictor 0 accepted")
	}
}
