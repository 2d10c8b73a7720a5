package rle

import (
	"encoding/binary"
	"math/bits"
	"sync"
)

// Encoder encodes RLE frames. EncodeAll may be called concurrently.
type Encoder struct {
	scratch sync.Pool // *[]byte
}

// NewEncoder returns an encoder. RLE has no parameters to set.
func NewEncoder() *Encoder {
	e := &Encoder{}
	e.scratch.New = func() any { return new([]byte) }
	return e
}

// Close releases the encoder's resources.
func (e *Encoder) Close() error { return nil }

// EncodeAll encodes one frame of geometry f from src and appends the RLE
// stream (64-byte header and segments, each of even length) to dst.
func (e *Encoder) EncodeAll(f Frame, src, dst []byte) ([]byte, error) {
	if err := f.validate(); err != nil {
		return dst, err
	}
	if len(src) != f.Size() {
		return dst, &FormatError{Msg: "input size does not match the frame geometry"}
	}
	bps := f.bytesPerSample()
	nseg := f.Samples * bps
	plane := f.Width * f.Height
	start := len(dst)
	dst = append(dst, make([]byte, headerSize)...)
	binary.LittleEndian.PutUint32(dst[start:], uint32(nseg))
	// Planes are extracted first unless the frame already is one.
	var planes []byte
	if bps == 1 && (f.Samples == 1 || f.Planar) {
		planes = src
	} else {
		bp := e.scratch.Get().(*[]byte)
		defer e.scratch.Put(bp)
		if cap(*bp) < len(src) {
			*bp = make([]byte, len(src))
		}
		planes = (*bp)[:len(src)]
		deinterleave(f, src, planes)
	}
	// Worst case per row: one header byte per 128 literal bytes.
	dst = grow(dst, len(src)+len(src)/64+nseg*(f.Height+2))[:len(dst)]
	for s := range nseg {
		binary.LittleEndian.PutUint32(dst[start+4+4*s:], uint32(len(dst)-start))
		p := planes[s*plane : (s+1)*plane]
		for y := range f.Height {
			dst = packRow(dst, p[y*f.Width:(y+1)*f.Width])
		}
		if (len(dst)-start)%2 == 1 {
			dst = append(dst, 0)
		}
	}
	return dst, nil
}

// deinterleave is the inverse of interleave.
func deinterleave(f Frame, src, planes []byte) {
	plane := f.Width * f.Height
	bps := f.bytesPerSample()
	ns := f.Samples
	if f.Planar {
		for s := range ns {
			deinterleaveBytes(src[s*bps*plane:(s+1)*bps*plane], planes[s*bps*plane:(s+1)*bps*plane], bps, 1, plane)
		}
		return
	}
	deinterleaveBytes(src, planes, bps, ns, plane)
}

func deinterleaveBytes(src, planes []byte, bps, ns, plane int) {
	switch {
	case bps == 2 && ns == 1:
		hi, lo := planes[:plane], planes[plane:2*plane]
		src = src[:2*plane]
		i := 0
		for ; i+4 <= plane; i += 4 {
			v := binary.LittleEndian.Uint64(src[2*i:])
			h := hi[i : i+4 : i+4]
			l := lo[i : i+4 : i+4]
			l[0], h[0], l[1], h[1] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
			l[2], h[2], l[3], h[3] = byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56)
		}
		for ; i < plane; i++ {
			lo[i], hi[i] = src[2*i], src[2*i+1]
		}
	case bps == 1 && ns == 3:
		r, g, b := planes[:plane], planes[plane:2*plane], planes[2*plane:3*plane]
		src = src[:3*plane]
		for i := range plane {
			s := src[3*i : 3*i+3 : 3*i+3]
			r[i], g[i], b[i] = s[0], s[1], s[2]
		}
	default:
		stride := bps * ns
		for s := range ns {
			for b := range bps {
				p := planes[(s*bps+b)*plane : (s*bps+b+1)*plane]
				off := s*bps + (bps - 1 - b)
				for i := range p {
					p[i] = src[i*stride+off]
				}
			}
		}
	}
}

// packRow appends the PackBits code of one row. Runs of three or more
// equal bytes are replicated; shorter ones join the surrounding literal,
// which is never longer and keeps decoders on their fast copy path. The
// search compares eight bytes at a time: literal stretches of noisy low
// bytes are the common case in medical images.
func packRow(dst, row []byte) []byte {
	const ones = 0x0101010101010101
	n := len(row)
	i, lit := 0, 0
	for i+2 < n {
		if i+9 <= n {
			x := binary.LittleEndian.Uint64(row[i:]) ^ binary.LittleEndian.Uint64(row[i+1:])
			// Byte k of z is zero when row[i+k] == row[i+k+1] == row[i+k+2].
			z := x | x>>8
			m := (z - ones) & ^z & 0x0080808080808080
			if m == 0 {
				i += 7
				continue
			}
			i += bits.TrailingZeros64(m) >> 3
		} else if row[i] != row[i+1] || row[i+1] != row[i+2] {
			i++
			continue
		}
		// A run of at least three bytes starts at i: find its end.
		b := row[i]
		j := i + 3
		rep := uint64(b) * ones
		for j+8 <= n {
			if v := binary.LittleEndian.Uint64(row[j:]) ^ rep; v != 0 {
				j += bits.TrailingZeros64(v) >> 3
				goto found
			}
			j += 8
		}
		for j < n && row[j] == b {
			j++
		}
	found:
		dst = appendLiteral(dst, row[lit:i])
		for j-i >= 3 {
			k := min(j-i, 128)
			dst = append(dst, byte(1-k), b)
			i += k
		}
		lit = i
		i = j
	}
	return appendLiteral(dst, row[lit:n])
}

func appendLiteral(dst, lit []byte) []byte {
	for len(lit) > 0 {
		n := min(len(lit), 128)
		dst = append(dst, byte(n-1))
		dst = append(dst, lit[:n]...)
		lit = lit[n:]
	}
	return dst
}
