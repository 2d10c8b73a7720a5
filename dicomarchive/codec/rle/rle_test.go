package rle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"
)

func testFrame(f Frame, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, f.Size())
	for i := range b {
		switch {
		case i < len(b)/3:
			b[i] = byte(i / 97)
		case i < 2*len(b)/3:
			b[i] = byte(r.IntN(3))
		default:
			b[i] = byte(r.Uint32())
		}
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	d, _ := NewDecoder()
	e := NewEncoder()
	for i, f := range []Frame{
		{1, 1, 1, 8, false},
		{3, 5, 1, 8, false},
		{7, 3, 1, 16, false},
		{257, 3, 1, 16, false},
		{17, 9, 3, 8, false},
		{17, 9, 3, 8, true},
		{5, 4, 3, 16, false},
		{5, 4, 3, 16, true},
		{33, 2, 1, 32, false},
		{9, 7, 3, 32, false},
		{9, 7, 3, 32, true},
		{300, 200, 1, 16, false},
	} {
		src := testFrame(f, uint64(i))
		enc, err := e.EncodeAll(f, src, []byte("x"))
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		enc = enc[1:]
		if len(enc)%2 != 0 {
			t.Errorf("%+v: odd length %d", f, len(enc))
		}
		nseg := int(binary.LittleEndian.Uint32(enc))
		for s := range nseg {
			if off := binary.LittleEndian.Uint32(enc[4+4*s:]); off%2 != 0 {
				t.Errorf("%+v: segment %d at odd offset %d", f, s, off)
			}
		}
		got, err := d.DecodeAll(f, enc, []byte("y"))
		if err != nil {
			t.Fatalf("%+v: decode: %v", f, err)
		}
		if !bytes.Equal(got[1:], src) {
			t.Fatalf("%+v: round trip differs", f)
		}
	}
}

// TestKnownStream decodes a hand-made stream: literal, replicate, no-op.
func TestKnownStream(t *testing.T) {
	src := make([]byte, 64)
	binary.LittleEndian.PutUint32(src, 1)
	binary.LittleEndian.PutUint32(src[4:], 64)
	src = append(src, 2, 'a', 'b', 'c', 0xFE, 'z', 0x80, 0)
	d, _ := NewDecoder()
	got, err := d.DecodeAll(Frame{Width: 6, Height: 1, Samples: 1, BitsAllocated: 8}, src, nil)
	if err != nil || string(got) != "abczzz" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestCorrupt(t *testing.T) {
	f := Frame{40, 30, 3, 16, false}
	e := NewEncoder()
	enc, _ := e.EncodeAll(f, testFrame(f, 3), nil)
	d, _ := NewDecoder()
	for n := 0; n < len(enc)-1; n += 7 {
		if _, err := d.DecodeAll(f, enc[:n], nil); err == nil {
			t.Fatalf("truncated at %d accepted", n)
		} else if fe := (*FormatError)(nil); !errors.As(err, &fe) {
			t.Fatalf("truncated at %d: untyped %v", n, err)
		}
	}
	if _, err := d.DecodeAll(Frame{40, 30, 1, 16, false}, enc, nil); err == nil {
		t.Fatal("segment count mismatch accepted")
	}
	small, _ := NewDecoder(WithMaxBytes(100))
	if _, err := small.DecodeAll(f, enc, nil); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("limit: %v", err)
	}
	var ue UnsupportedError
	if _, err := d.DecodeAll(Frame{4, 4, 1, 12, false}, enc, nil); !errors.As(err, &ue) {
		t.Fatalf("12 bits allocated: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	e := NewEncoder()
	for i, fr := range []Frame{{8, 3, 1, 8, false}, {5, 3, 3, 16, false}, {4, 2, 1, 32, false}} {
		b, _ := e.EncodeAll(fr, testFrame(fr, uint64(i)), nil)
		f.Add(b, uint16(fr.Width), uint16(fr.Height), uint8(fr.Samples), uint8(fr.BitsAllocated))
	}
	d, _ := NewDecoder(WithMaxBytes(1 << 22))
	f.Fuzz(func(t *testing.T, src []byte, w, h uint16, ns, bits uint8) {
		fr := Frame{Width: int(w), Height: int(h), Samples: int(ns), BitsAllocated: int(bits)}
		got, err := d.DecodeAll(fr, src, nil)
		if err != nil {
			var fe *FormatError
			var ue UnsupportedError
			if !errors.As(err, &fe) && !errors.As(err, &ue) && !errors.Is(err, ErrTooLarge) && fr.validate() == nil {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if len(got) != fr.Size() {
			t.Fatalf("%d bytes for a %d-byte frame", len(got), fr.Size())
		}
		enc, err := e.EncodeAll(fr, got, nil)
		if err != nil {
			t.Fatal(err)
		}
		back, err := d.DecodeAll(fr, enc, nil)
		if err != nil || !bytes.Equal(back, got) {
			t.Fatalf("re-encode round trip: %v", err)
		}
	})
}

func benchFrame() (Frame, []byte) {
	// A CT-like 512x512 16-bit slice: air outside a disc, noisy tissue.
	f := Frame{Width: 512, Height: 512, Samples: 1, BitsAllocated: 16}
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, f.Size())
	for y := range 512 {
		for x := range 512 {
			dx, dy := x-256, y-256
			v := 0
			if dx*dx+dy*dy < 220*220 {
				v = 1000 + 40*((x/32+y/32)%3) + r.IntN(20)
			}
			binary.LittleEndian.PutUint16(b[2*(y*512+x):], uint16(v))
		}
	}
	return f, b
}

func BenchmarkDecode(b *testing.B) {
	f, raw := benchFrame()
	enc, _ := NewEncoder().EncodeAll(f, raw, nil)
	d, _ := NewDecoder()
	dst := make([]byte, 0, len(raw))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	b.ReportMetric(float64(len(raw))/float64(len(enc)), "ratio")
	for b.Loop() {
		if _, err := d.DecodeAll(f, enc, dst[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	f, raw := benchFrame()
	e := NewEncoder()
	dst := make([]byte, 0, 2*len(raw))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.EncodeAll(f, raw, dst[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
