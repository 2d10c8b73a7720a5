package jpegls

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// synthetic returns a test image mixing smooth gradients (regular mode),
// flat areas (run mode) and noise (escape codes).
func synthetic(f Frame, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	maxval := 1<<f.BitsPerSample - 1
	bps := 1
	if f.BitsPerSample > 8 {
		bps = 2
	}
	out := make([]byte, f.size())
	i := 0
	for y := range f.Height {
		for x := range f.Width {
			for c := range f.Components {
				var v int
				switch {
				case y < f.Height/3:
					v = (x*7 + y*3 + c*50) * maxval / (f.Width*7 + f.Height*3 + 200)
				case y < 2*f.Height/3:
					v = maxval / (2 + c)
					if x%17 == 0 {
						v = maxval / 3
					}
				default:
					v = r.IntN(maxval + 1)
				}
				if bps == 1 {
					out[i] = byte(v)
				} else {
					out[i], out[i+1] = byte(v), byte(v>>8)
				}
				i += bps
			}
		}
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	type tc struct {
		f    Frame
		opts []EOption
	}
	var cases []tc
	for _, bits := range []int{2, 5, 8, 10, 12, 16} {
		for _, near := range []int{0, 1, 3} {
			if near > (1<<bits-1)/2 {
				continue
			}
			cases = append(cases, tc{Frame{37, 23, 1, bits}, []EOption{WithNear(near)}})
			for _, ilv := range []Interleave{InterleaveNone, InterleaveLine, InterleaveSample} {
				cases = append(cases, tc{Frame{19, 11, 3, bits}, []EOption{WithNear(near), WithInterleave(ilv)}})
			}
		}
	}
	cases = append(cases,
		tc{Frame{1, 1, 1, 8}, nil},
		tc{Frame{1, 40, 1, 12}, nil},
		tc{Frame{40, 1, 1, 12}, nil},
		tc{Frame{31, 17, 2, 8}, []EOption{WithInterleave(InterleaveSample)}},
		tc{Frame{31, 17, 4, 16}, []EOption{WithInterleave(InterleaveLine)}},
		tc{Frame{31, 17, 4, 8}, []EOption{WithInterleave(InterleaveSample), WithNear(2)}},
		tc{Frame{64, 50, 1, 16}, []EOption{WithRestartInterval(7)}},
		tc{Frame{64, 50, 1, 12}, []EOption{WithRestartInterval(1), WithNear(4)}},
		tc{Frame{64, 50, 3, 8}, []EOption{WithRestartInterval(3), WithInterleave(InterleaveNone)}},
		tc{Frame{64, 50, 3, 8}, []EOption{WithRestartInterval(9), WithInterleave(InterleaveSample)}},
		tc{Frame{64, 50, 3, 8}, []EOption{WithInterleave(InterleaveSample), WithColorTransform(TransformHP1)}},
		tc{Frame{64, 50, 3, 8}, []EOption{WithInterleave(InterleaveLine), WithColorTransform(TransformHP2)}},
		tc{Frame{64, 50, 3, 16}, []EOption{WithInterleave(InterleaveLine), WithColorTransform(TransformHP3)}},
		tc{Frame{64, 50, 1, 12}, []EOption{WithPreset(Preset{T1: 5, T2: 20, T3: 100, Reset: 200})}},
		tc{Frame{64, 50, 1, 8}, []EOption{WithNear(255 / 2)}},
	)
	for i, c := range cases {
		src := synthetic(c.f, uint64(i))
		for _, conc := range []int{1, 3} {
			e, err := NewEncoder(nil, append(c.opts, WithEncoderConcurrency(conc))...)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := e.EncodeAll(c.f, src, nil)
			if err != nil {
				t.Fatalf("case %d %+v: %v", i, c.f, err)
			}
			d, _ := NewDecoder(nil, WithDecoderConcurrency(conc))
			got, info, err := d.DecodeInfo(enc, nil)
			if err != nil {
				t.Fatalf("case %d %+v: decode: %v", i, c.f, err)
			}
			if len(got) != len(src) {
				t.Fatalf("case %d: %d bytes, want %d", i, len(got), len(src))
			}
			bps := info.BytesPerSample()
			if diff := maxDiff(got, src, bps); diff > info.Near {
				t.Fatalf("case %d %+v near %d: max error %d", i, c.f, info.Near, diff)
			}
			if info.Near == 0 && !bytes.Equal(got, src) {
				t.Fatalf("case %d: lossless round trip differs", i)
			}
		}
	}
}

// TestRestartIndependence checks that an image coded with restart
// intervals decodes the same sequentially and in parallel, and that the
// stream is the same whatever the encoder's concurrency.
func TestRestartIndependence(t *testing.T) {
	f := Frame{300, 257, 1, 14}
	src := synthetic(f, 3)
	var streams [][]byte
	for _, conc := range []int{1, 2, 8} {
		e, _ := NewEncoder(nil, WithRestartInterval(16), WithEncoderConcurrency(conc))
		enc, err := e.EncodeAll(f, src, nil)
		if err != nil {
			t.Fatal(err)
		}
		streams = append(streams, enc)
	}
	for i := 1; i < len(streams); i++ {
		if !bytes.Equal(streams[0], streams[i]) {
			t.Fatalf("stream %d differs with concurrency", i)
		}
	}
	if n := bytes.Count(streams[0], []byte{0xFF, 0xD0}); n < 2 {
		t.Fatalf("%d RST0 markers", n)
	}
	for _, conc := range []int{1, 2, 8} {
		d, _ := NewDecoder(nil, WithDecoderConcurrency(conc))
		got, err := d.DecodeAll(streams[0], nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, src) {
			t.Fatalf("concurrency %d: wrong pixels", conc)
		}
	}
}

func TestEncoderRejects(t *testing.T) {
	e, _ := NewEncoder(nil)
	if _, err := e.EncodeAll(Frame{4, 4, 1, 12}, make([]byte, 31), nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("short input: %v", err)
	}
	hi := make([]byte, 32)
	hi[5] = 0xF0 // a 12-bit image with bits above bit 11
	if _, err := e.EncodeAll(Frame{4, 4, 1, 12}, hi, nil); err == nil {
		t.Error("sample above MAXVAL accepted")
	}
	for _, o := range []EOption{WithNear(-1), WithNear(256), WithRestartInterval(-1), WithInterleave(3), WithEncoderConcurrency(0)} {
		if _, err := NewEncoder(nil, o); err == nil {
			t.Error("invalid option accepted")
		}
	}
	if _, err := NewDecoder(nil, WithMaxBytes(0)); err == nil {
		t.Error("WithMaxBytes(0) accepted")
	}
}

func TestDecoderLimits(t *testing.T) {
	f := Frame{100, 100, 1, 16}
	e, _ := NewEncoder(nil)
	enc, _ := e.EncodeAll(f, synthetic(f, 1), nil)
	d, _ := NewDecoder(nil, WithMaxBytes(19999))
	if _, err := d.DecodeAll(enc, nil); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
	d, _ = NewDecoder(nil)
	for n := 0; n < len(enc); n += 1 + n/8 {
		_, err := d.DecodeAll(enc[:n], nil)
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("truncated at %d: %v", n, err)
		}
	}
	info, err := ReadInfo(enc)
	if err != nil || info.Width != 100 || info.BitsPerSample != 16 {
		t.Fatalf("ReadInfo: %+v %v", info, err)
	}
	var ue UnsupportedError
	if _, err := d.DecodeAll([]byte{0xFF, 0xD8, 0xFF, 0xC0, 0, 2}, nil); !errors.As(err, &ue) {
		t.Fatalf("baseline JPEG: %v", err)
	}
}

func TestReader(t *testing.T) {
	f := Frame{20, 10, 1, 8}
	src := synthetic(f, 9)
	var buf bytes.Buffer
	e, _ := NewEncoder(&buf)
	if err := e.Encode(f, src); err != nil {
		t.Fatal(err)
	}
	d, _ := NewDecoder(&buf)
	var got bytes.Buffer
	if _, err := got.ReadFrom(d); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), src) {
		t.Fatal("Read returned wrong pixels")
	}
}
