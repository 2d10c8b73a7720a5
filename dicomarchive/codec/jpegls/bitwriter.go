package jpegls

// bitWriter writes entropy-coded bits, inserting a 0 bit after each 0xFF
// byte so that no marker can appear in the data (A.1).
type bitWriter struct {
	out []byte
	// acc holds pending bits, most significant first; free counts the
	// unused low bits (64 minus the pending count), which keeps put
	// small enough to inline.
	acc    uint64
	free   int
	lastFF bool
}

func (w *bitWriter) reset(out []byte) {
	*w = bitWriter{out: out, free: 64}
}

// put appends the count low bits of v, count <= 32.
func (w *bitWriter) put(v uint32, count int) {
	w.free -= count
	w.acc |= uint64(v) << uint(w.free)
	if w.free <= 32 {
		w.flush32()
	}
}

// flush32 emits whole bytes while at least 32 bits are pending.
func (w *bitWriter) flush32() {
	top := uint32(w.acc >> 32)
	if !w.lastFF && !hasFF(top) {
		w.out = append(w.out, byte(top>>24), byte(top>>16), byte(top>>8), byte(top))
		w.acc <<= 32
		w.free += 32
		return
	}
	for w.free <= 32 {
		w.emitByte()
	}
}

func hasFF(x uint32) bool {
	y := ^x
	return (y-0x01010101)&^y&0x80808080 != 0
}

func (w *bitWriter) emitByte() {
	var b byte
	if w.lastFF {
		b = byte(w.acc >> 57)
		w.acc <<= 7
		w.free += 7
	} else {
		b = byte(w.acc >> 56)
		w.acc <<= 8
		w.free += 8
	}
	w.out = append(w.out, b)
	w.lastFF = b == 0xFF
}

// zeros appends n zero bits.
func (w *bitWriter) zeros(n int) {
	for n > 32 {
		w.put(0, 32)
		n -= 32
	}
	w.put(0, n)
}

// finish pads the last byte with zero bits, and follows a final 0xFF with
// a zero byte so that the marker after it is recognised, as CharLS does.
func (w *bitWriter) finish() []byte {
	for w.free < 64 {
		w.emitByte()
	}
	w.free = 64
	if w.lastFF {
		w.out = append(w.out, 0)
		w.lastFF = false
	}
	w.acc = 0
	return w.out
}

// putGolomb writes a mapped error value with the limited-length Golomb
// code of A.5.3.
func (w *bitWriter) putGolomb(m, k, limit, qbpp int) {
	high := m >> uint(k)
	if high < limit-qbpp-1 {
		if high+1+k <= 32 {
			w.put(uint32(1)<<uint(k)|uint32(m)&(1<<uint(k)-1), high+1+k)
			return
		}
		w.zeros(high)
		w.put(1, 1)
		if k > 0 {
			w.put(uint32(m)&(1<<uint(k)-1), k)
		}
		return
	}
	w.zeros(limit - qbpp - 1)
	w.put(1, 1)
	w.put(uint32(m-1)&(1<<uint(qbpp)-1), qbpp)
}
