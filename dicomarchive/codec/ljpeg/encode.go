package ljpeg

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// Frame is the geometry of an image to encode; samples are laid out as
// the decoder writes them.
type Frame struct {
	Width, Height int // 1..65535
	Components    int // 1..4
	Precision     int // 2..16 bits
}

// Encoder writes lossless JPEG (process 14) with one Huffman table
// optimised for each image (T.81 K.2). EncodeAll is safe for concurrent
// use.
type Encoder struct{ pred int }

// NewEncoder returns an encoder using predictor pred (selection value
// 1..7). DICOM's 1.2.840.10008.1.2.4.70 requires 1.
func NewEncoder(pred int) (*Encoder, error) {
	if pred < 1 || pred > 7 {
		return nil, fmt.Errorf("ljpeg: predictor %d outside 1..7", pred)
	}
	return &Encoder{pred: pred}, nil
}

// EncodeAll encodes one image and appends the stream to dst.
func (e *Encoder) EncodeAll(f Frame, src, dst []byte) ([]byte, error) {
	if f.Width < 1 || f.Width > 65535 || f.Height < 1 || f.Height > 65535 || f.Components < 1 || f.Components > 4 || f.Precision < 2 || f.Precision > 16 {
		return dst, fmt.Errorf("ljpeg: cannot encode %+v", f)
	}
	bps := 1
	if f.Precision > 8 {
		bps = 2
	}
	n := f.Width * f.Height * f.Components
	if len(src) != n*bps {
		return dst, fmt.Errorf("ljpeg: %d bytes for a %dx%dx%d image of %d bits", len(src), f.Width, f.Height, f.Components, f.Precision)
	}
	// First pass: differences and their categories.
	diffs := make([]int32, n)
	var freq [17]int
	nc, w := f.Components, f.Width
	sample := func(i int) int {
		if bps == 1 {
			return int(src[i])
		}
		return int(binary.LittleEndian.Uint16(src[2*i:]))
	}
	mask := 1<<f.Precision - 1
	for y := range f.Height {
		for x := range w {
			for c := range nc {
				i := (y*w+x)*nc + c
				v := sample(i)
				if v > mask {
					return dst, fmt.Errorf("ljpeg: sample %d is %d, above %d bits", i, v, f.Precision)
				}
				var px int
				switch {
				case x == 0 && y == 0:
					px = 1 << (f.Precision - 1)
				case y == 0:
					px = sample(i - nc)
				case x == 0:
					px = sample(i - w*nc)
				default:
					px = predict(e.pred, sample(i-nc), sample(i-w*nc), sample(i-w*nc-nc))
				}
				d := (v - px) & 0xFFFF
				if d > 32768 {
					d -= 65536
				}
				diffs[i] = int32(d)
				freq[category(d)]++
			}
		}
	}
	counts, vals := optimalTable(freq)
	var h huffman
	if err := h.build(counts, vals); err != nil {
		return dst, err
	}
	codes, lens := canonicalCodes(counts, vals)

	out := append(dst, 0xFF, 0xD8, 0xFF, 0xC3)
	out = binary.BigEndian.AppendUint16(out, uint16(8+3*nc))
	out = append(out, byte(f.Precision))
	out = binary.BigEndian.AppendUint16(out, uint16(f.Height))
	out = binary.BigEndian.AppendUint16(out, uint16(f.Width))
	out = append(out, byte(nc))
	for c := range nc {
		out = append(out, byte(c+1), 0x11, 0)
	}
	out = append(out, 0xFF, 0xC4)
	out = binary.BigEndian.AppendUint16(out, uint16(2+17+len(vals)))
	out = append(out, 0x00)
	for _, c := range counts {
		out = append(out, byte(c))
	}
	out = append(out, vals...)
	out = append(out, 0xFF, 0xDA)
	out = binary.BigEndian.AppendUint16(out, uint16(6+2*nc))
	out = append(out, byte(nc))
	for c := range nc {
		out = append(out, byte(c+1), 0x00)
	}
	out = append(out, byte(e.pred), 0, 0)
	bw := jpegWriter{out: out}
	for _, d := range diffs {
		s := category(int(d))
		bw.put(codes[s], lens[s])
		if s > 0 && s < 16 {
			v := int(d)
			if v < 0 {
				v += 1<<s - 1
			}
			bw.put(uint32(v), s)
		}
	}
	out = bw.finish()
	return append(out, 0xFF, 0xD9), nil
}

func predict(pred, ra, rb, rc int) int {
	switch pred {
	case 1:
		return ra
	case 2:
		return rb
	case 3:
		return rc
	case 4:
		return ra + rb - rc
	case 5:
		return ra + (rb-rc)>>1
	case 6:
		return rb + (ra-rc)>>1
	}
	return (ra + rb) >> 1
}

// category is SSSS, the bit length of |d| (16 for 32768).
func category(d int) int {
	if d < 0 {
		d = -d
	}
	n := 0
	for d > 0 {
		n++
		d >>= 1
	}
	return n
}

// optimalTable builds a Huffman table of at most 16-bit codes, none all
// ones, from symbol frequencies (T.81 K.2).
func optimalTable(freq [17]int) ([16]int, []byte) {
	const reserved = 17
	var f [18]int
	copy(f[:], freq[:])
	f[reserved] = 1
	var size [18]int
	var others [18]int
	for i := range others {
		others[i] = -1
	}
	for {
		v1, v2 := -1, -1
		for i := range f {
			if f[i] > 0 && (v1 < 0 || f[i] <= f[v1]) {
				v1 = i
			}
		}
		for i := range f {
			if f[i] > 0 && i != v1 && (v2 < 0 || f[i] <= f[v2]) {
				v2 = i
			}
		}
		if v2 < 0 {
			break
		}
		f[v1] += f[v2]
		f[v2] = 0
		size[v1]++
		for others[v1] >= 0 {
			v1 = others[v1]
			size[v1]++
		}
		others[v1] = v2
		size[v2]++
		for others[v2] >= 0 {
			v2 = others[v2]
			size[v2]++
		}
	}
	var bits [33]int
	for i, s := range size {
		if s > 0 && (i == reserved || freq[i] > 0) {
			bits[s]++
		}
	}
	for i := 32; i > 16; i-- {
		for bits[i] > 0 {
			j := i - 2
			for bits[j] == 0 {
				j--
			}
			bits[i] -= 2
			bits[i-1]++
			bits[j+1] += 2
			bits[j]--
		}
	}
	i := 16
	for bits[i] == 0 {
		i--
	}
	bits[i]-- // drop the reserved all-ones code
	var syms []int
	for s := range 17 {
		if freq[s] > 0 {
			syms = append(syms, s)
		}
	}
	sort.SliceStable(syms, func(a, b int) bool { return size[syms[a]] < size[syms[b]] })
	var counts [16]int
	copy(counts[:], bits[1:17])
	vals := make([]byte, len(syms))
	for k, s := range syms {
		vals[k] = byte(s)
	}
	return counts, vals
}

// canonicalCodes assigns codes in order of length (T.81 C.2).
func canonicalCodes(counts [16]int, vals []byte) (codes [17]uint32, lens [17]int) {
	code := uint32(0)
	k := 0
	for l := 1; l <= 16; l++ {
		for range counts[l-1] {
			codes[vals[k]] = code
			lens[vals[k]] = l
			code++
			k++
		}
		code <<= 1
	}
	return
}

// jpegWriter writes Huffman-coded bits with a 0x00 stuffed after each
// 0xFF byte.
type jpegWriter struct {
	out []byte
	acc uint64
	n   int
}

func (w *jpegWriter) put(v uint32, n int) {
	w.acc = w.acc<<uint(n) | uint64(v)&(1<<uint(n)-1)
	w.n += n
	for w.n >= 8 {
		b := byte(w.acc >> uint(w.n-8))
		w.out = append(w.out, b)
		if b == 0xFF {
			w.out = append(w.out, 0)
		}
		w.n -= 8
	}
}

// finish pads the last byte with one bits (T.81 F.1.2.3).
func (w *jpegWriter) finish() []byte {
	if w.n > 0 {
		w.put(1<<uint(8-w.n)-1, 8-w.n)
	}
	return w.out
}
