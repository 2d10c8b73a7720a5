package jpegls

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/radkit/radkit/internal/testutil"
)

// pnm is a PGM or PPM image, samples as the decoder writes them.
type pnm struct {
	w, h, comps, maxval int
	data                []byte // 8-bit: one byte per sample; 16-bit: little-endian
}

func readPNM(t testing.TB, path string) pnm {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	i := 0
	for len(fields) < 4 {
		for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
			i++
		}
		if i < len(b) && b[i] == '#' {
			for i < len(b) && b[i] != '\n' {
				i++
			}
			continue
		}
		j := i
		for j < len(b) && !(b[j] == ' ' || b[j] == '\n' || b[j] == '\r' || b[j] == '\t') {
			j++
		}
		fields = append(fields, string(b[i:j]))
		i = j
	}
	i++ // single whitespace after maxval
	var im pnm
	switch fields[0] {
	case "P5":
		im.comps = 1
	case "P6":
		im.comps = 3
	default:
		t.Fatalf("%s: not a binary PGM/PPM", path)
	}
	im.w, _ = strconv.Atoi(fields[1])
	im.h, _ = strconv.Atoi(fields[2])
	im.maxval, _ = strconv.Atoi(fields[3])
	raw := b[i:]
	n := im.w * im.h * im.comps
	if im.maxval < 256 {
		im.data = raw[:n]
		return im
	}
	im.data = make([]byte, 2*n)
	for k := range n {
		im.data[2*k] = raw[2*k+1]
		im.data[2*k+1] = raw[2*k]
	}
	return im
}

func conformanceDir(t testing.TB) string {
	dir := filepath.Join(testutil.SharedDir(t), "jpegls-conformance")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no conformance files: %v", err)
	}
	return dir
}

// maxDiff returns the largest absolute difference between two sample
// buffers of the given bytes per sample.
func maxDiff(a, b []byte, bps int) int {
	m := 0
	for i := 0; i+bps <= len(a); i += bps {
		x, y := int(a[i]), int(b[i])
		if bps == 2 {
			x |= int(a[i+1]) << 8
			y |= int(b[i+1]) << 8
		}
		m = max(m, abs(x-y))
	}
	return m
}

// planes concatenates the planes of several images.
func planes(ims ...pnm) []byte {
	var out []byte
	for _, im := range ims {
		out = append(out, im.data...)
	}
	return out
}

func TestConformanceDecode(t *testing.T) {
	dir := conformanceDir(t)
	ref := func(name string) pnm { return readPNM(t, filepath.Join(dir, name)) }
	cases := []struct {
		file string
		want func() []byte
		near int
	}{
		{"t8c0e0.jls", func() []byte { return ref("test8.ppm").data }, 0},
		{"t8c1e0.jls", func() []byte { return ref("test8.ppm").data }, 0},
		{"t8c2e0.jls", func() []byte { return ref("test8.ppm").data }, 0},
		{"t8c0e3.jls", func() []byte { return ref("test8.ppm").data }, 3},
		{"t8c1e3.jls", func() []byte { return ref("test8.ppm").data }, 3},
		{"t8c2e3.jls", func() []byte { return ref("test8.ppm").data }, 3},
		{"t16e0.jls", func() []byte { return ref("test16.pgm").data }, 0},
		{"t16e3.jls", func() []byte { return ref("test16.pgm").data }, 3},
		{"t8nde0.jls", func() []byte { return ref("test8bs2.pgm").data }, 0},
		{"t8nde3.jls", func() []byte { return ref("test8bs2.pgm").data }, 3},
		{"t8sse0.jls", func() []byte { return planes(ref("test8r.pgm"), ref("test8gr4.pgm"), ref("test8bs2.pgm")) }, 0},
		{"t8sse3.jls", func() []byte { return planes(ref("test8r.pgm"), ref("test8gr4.pgm"), ref("test8bs2.pgm")) }, 3},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			for _, conc := range []int{1, 4} {
				d, err := NewDecoder(nil, WithDecoderConcurrency(conc))
				if err != nil {
					t.Fatal(err)
				}
				prefix := []byte("prefix")
				got, info, err := d.DecodeInfo(src, prefix)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got[:len(prefix)], prefix) {
					t.Fatal("DecodeInfo did not append to dst")
				}
				got = got[len(prefix):]
				want := tc.want()
				if len(got) != len(want) {
					t.Fatalf("decoded %d bytes, want %d (%+v)", len(got), len(want), info)
				}
				if info.Near != tc.near {
					t.Errorf("NEAR %d, want %d", info.Near, tc.near)
				}
				diff := maxDiff(got, want, info.BytesPerSample())
				if diff > tc.near {
					t.Fatalf("max error %d, want <= %d", diff, tc.near)
				}
			}
		})
	}
}

// TestConformanceT16e3Reference checks the near-lossless 16-bit decode
// bit for bit against the decoded image shipped with the suite.
func TestConformanceT16e3Reference(t *testing.T) {
	dir := conformanceDir(t)
	src, err := os.ReadFile(filepath.Join(dir, "t16e3.jls"))
	if err != nil {
		t.Fatal(err)
	}
	want := readPNM(t, filepath.Join(dir, "t16e3.pgm"))
	d, _ := NewDecoder(nil)
	got, err := d.DecodeAll(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.data) {
		t.Fatalf("t16e3 differs from t16e3.pgm (max diff %d)", maxDiff(got, want.data, 2))
	}
}

func TestConformanceEncode(t *testing.T) {
	dir := conformanceDir(t)
	cases := []struct {
		ref, jls string
		opts     []EOption
	}{
		{"test8.ppm", "t8c0e0.jls", []EOption{WithInterleave(InterleaveNone)}},
		{"test8.ppm", "t8c1e0.jls", []EOption{WithInterleave(InterleaveLine)}},
		{"test8.ppm", "t8c2e0.jls", []EOption{WithInterleave(InterleaveSample)}},
		{"test8.ppm", "t8c0e3.jls", []EOption{WithInterleave(InterleaveNone), WithNear(3)}},
		{"test8.ppm", "t8c1e3.jls", []EOption{WithInterleave(InterleaveLine), WithNear(3)}},
		{"test8.ppm", "t8c2e3.jls", []EOption{WithInterleave(InterleaveSample), WithNear(3)}},
		{"test16.pgm", "t16e0.jls", nil},
		{"test16.pgm", "t16e3.jls", []EOption{WithNear(3)}},
		{"test8bs2.pgm", "t8nde0.jls", []EOption{WithPreset(Preset{MaxVal: 255, T1: 9, T2: 9, T3: 9, Reset: 31})}},
		{"test8bs2.pgm", "t8nde3.jls", []EOption{WithNear(3), WithPreset(Preset{MaxVal: 255, T1: 9, T2: 9, T3: 9, Reset: 31})}},
	}
	for _, tc := range cases {
		t.Run(tc.jls, func(t *testing.T) {
			im := readPNM(t, filepath.Join(dir, tc.ref))
			want, err := os.ReadFile(filepath.Join(dir, tc.jls))
			if err != nil {
				t.Fatal(err)
			}
			bits := 8
			if im.maxval > 255 {
				bits = 12 // test16.pgm holds 12-bit samples; the .jls says P=12
			}
			e, err := NewEncoder(nil, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.EncodeAll(Frame{Width: im.w, Height: im.h, Components: im.comps, BitsPerSample: bits}, im.data, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("encoded %d bytes, reference %d; first difference at %s", len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

func firstDiff(a, b []byte) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("%d (0x%02X vs 0x%02X)", i, a[i], b[i])
		}
	}
	return fmt.Sprint(min(len(a), len(b)))
}
