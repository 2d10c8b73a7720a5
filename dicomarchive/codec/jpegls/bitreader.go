package jpegls

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// bitReader reads the entropy-coded bits of one scan or restart interval
// (the bytes between two markers), removing the 0 bit stuffed after each
// 0xFF byte (A.1). Past the end it supplies zero bits and counts them, so
// the hot loops need no end test; the caller checks [bitReader.overrun]
// once at the end.
type bitReader struct {
	data []byte
	pos  int
	// cache holds the next bits, most significant first. Bits past
	// valid may hold the following bytes already (the fast fill loads
	// eight at a time); they are the true next bits, so a later fill
	// ORs the same values over them.
	cache uint64
	valid int
	// ffPos is the index of the next 0xFF byte at or after pos-1, or
	// len(data): below it the fast fill needs no unstuffing.
	ffPos int
	// padded counts the zero bits supplied past the end.
	padded int
}

func (r *bitReader) init(data []byte) {
	*r = bitReader{data: data}
	r.ffPos = len(data)
	if i := bytes.IndexByte(data, 0xFF); i >= 0 {
		r.ffPos = i
	}
	r.fill()
}

// fill tops the cache up to at least 57 valid bits.
func (r *bitReader) fill() {
	for r.valid <= 56 {
		if r.pos+8 <= r.ffPos {
			v := binary.BigEndian.Uint64(r.data[r.pos:])
			n := (63 - r.valid) >> 3
			r.cache |= v >> uint(r.valid)
			r.valid += n << 3
			r.pos += n
			return
		}
		if r.pos >= len(r.data) {
			r.padded += 64 - r.valid
			r.valid = 64
			return
		}
		b := r.data[r.pos]
		if r.pos > 0 && r.data[r.pos-1] == 0xFF {
			r.cache |= uint64(b&0x7F) << uint(57-r.valid)
			r.valid += 7
		} else {
			r.cache |= uint64(b) << uint(56-r.valid)
			r.valid += 8
		}
		if r.pos > r.ffPos {
			// Just consumed the byte after a 0xFF: find the next one.
			r.ffPos = len(r.data)
			if i := bytes.IndexByte(r.data[r.pos+1:], 0xFF); i >= 0 {
				r.ffPos = r.pos + 1 + i
			}
		}
		r.pos++
	}
}

// overrun reports whether more bits were consumed than the data holds.
func (r *bitReader) overrun() bool { return r.padded > r.valid }

func (r *bitReader) skip(n int) {
	r.cache <<= uint(n)
	r.valid -= n
}

// readBits returns the next n bits, 0 <= n <= 32.
func (r *bitReader) readBits(n int) int {
	if r.valid < n {
		r.fill()
	}
	v := int(r.cache >> 1 >> uint(63-n))
	r.cache <<= uint(n)
	r.valid -= n
	return v
}

func (r *bitReader) readBit() bool {
	if r.valid < 1 {
		r.fill()
	}
	b := r.cache>>63 != 0
	r.cache <<= 1
	r.valid--
	return b
}

// readGolomb decodes a limited-length Golomb code (A.5.3): zeros ended by
// a one, then k bits, or after limitq zeros an escape of qbpp bits. ok is
// false when more than limitq zeros are seen (a corrupt stream).
func (r *bitReader) readGolomb(k, limitq, qbpp int) (v int, ok bool) {
	if r.valid < 40 {
		r.fill()
	}
	n := bits.LeadingZeros64(r.cache)
	if n < limitq && n+1+k <= r.valid {
		v = n<<uint(k) | int(r.cache<<uint(n+1)>>1>>uint(63-k))
		r.cache <<= uint(n + 1 + k)
		r.valid -= n + 1 + k
		return v, true
	}
	return r.readGolombSlow(k, limitq, qbpp)
}

func (r *bitReader) readGolombSlow(k, limitq, qbpp int) (int, bool) {
	n := 0
	for {
		if r.valid < 57 {
			r.fill()
		}
		z := bits.LeadingZeros64(r.cache)
		if z < r.valid {
			n += z
			r.skip(z + 1)
			break
		}
		n += r.valid
		r.skip(r.valid)
		if n > limitq {
			return 0, false
		}
	}
	if n > limitq {
		return 0, false
	}
	if n == limitq {
		return r.readBits(qbpp) + 1, true
	}
	if k == 0 {
		return n, true
	}
	return n<<uint(k) | r.readBits(k), true
}
