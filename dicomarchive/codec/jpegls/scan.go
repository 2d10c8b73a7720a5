package jpegls

import "math/bits"

// This file holds the per-line decoding loops: regular mode (A.4 to A.6)
// and run mode (A.7), for one component and for sample interleaving.

// lineDecoder decodes lines of one scan or restart interval.
type lineDecoder struct {
	p  *params
	q  *quantTable
	st *state
	br *bitReader
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// fix brings a reconstructed value back into 0..MAXVAL (A.4.5, decoder).
func (p *params) fix(rx int) int {
	if rx < -p.near {
		rx += p.rng * p.step
	} else if rx > p.maxval+p.near {
		rx -= p.rng * p.step
	}
	if rx < 0 {
		return 0
	}
	if rx > p.maxval {
		return p.maxval
	}
	return rx
}

// decodeLine decodes one line of a single component. prev and cur hold
// the previous and current lines with one extra sample on each side
// (cur[0] is Ra of the first sample, prev[w+1] Rd of the last). It
// returns false on a corrupt code.
func (d *lineDecoder) decodeLine(prev, cur []int32, runIdx *int) bool {
	w := len(cur) - 2
	if len(prev) != len(cur) || w < 1 {
		return false
	}
	p, q, br := d.p, &d.q.q, d.br
	ctxs := &d.st.ctx
	near, maxval, step, reset := p.near, p.maxval, p.step, p.reset
	limitq, qbpp := p.limit-p.qbpp-1, p.qbpp
	rc, rb := int(prev[0]), int(prev[1])
	x := 0
	for x < w {
		rd := int(prev[x+2])
		ra := int(cur[x])
		qs := int(q[(rd-rb+quantOffset)&(len(q)-1)])*81 +
			int(q[(rb-rc+quantOffset)&(len(q)-1)])*9 +
			int(q[(rc-ra+quantOffset)&(len(q)-1)])
		if qs == 0 {
			n, ok := d.decodeRun(prev, cur, x, runIdx)
			if !ok {
				return false
			}
			x += n
			if x < w {
				rc, rb = int(prev[x]), int(prev[x+1])
			}
			continue
		}
		sign := qs >> 63
		c := &ctxs[((qs^sign)-sign)&511]
		k := golombK(c.n, c.a)
		px := median(ra, rb, rc) + (c.c ^ sign - sign)
		if px < 0 {
			px = 0
		} else if px > maxval {
			px = maxval
		}
		// The fast path of readGolomb and the context update are
		// written out here: calls per sample cost a tenth of the time.
		if br.valid < 40 {
			br.fill()
		}
		var m int
		cache := br.cache
		if n := bits.LeadingZeros64(cache); n < limitq && n+1+k <= br.valid {
			m = n<<uint(k) | int(cache<<uint(n+1)>>1>>uint(63-k))
			br.cache = cache << uint(n+1+k)
			br.valid -= n + 1 + k
		} else {
			var ok bool
			if m, ok = br.readGolombSlow(k, limitq, qbpp); !ok {
				return false
			}
		}
		e := (m >> 1) ^ -(m & 1)
		a, b, n := c.a, c.b, c.n
		if k == 0 && near == 0 && 2*b+n-1 < 0 {
			e = ^e
		}
		a += (e ^ (e >> 63)) - (e >> 63)
		b += e * step
		if n == reset {
			a >>= 1
			b >>= 1
			n >>= 1
		}
		n++
		if b+n <= 0 {
			b += n
			if b <= -n {
				b = -n + 1
			}
			if c.c > -128 {
				c.c--
			}
		} else if b > 0 {
			b -= n
			if b > 0 {
				b = 0
			}
			if c.c < 127 {
				c.c++
			}
		}
		c.a, c.b, c.n = a, b, n
		e = (e ^ sign) - sign
		rx := px + e*step
		if near == 0 {
			if rx < 0 {
				rx += p.rng
			} else if rx > maxval {
				rx -= p.rng
			}
			if uint(rx) > uint(maxval) {
				rx = 0
			}
		} else {
			rx = p.fix(rx)
		}
		cur[x+1] = int32(rx)
		x++
		rc, rb = rb, rd
	}
	return true
}

// decodeRun decodes a run starting at sample x and its interruption
// sample, and returns the number of samples decoded.
func (d *lineDecoder) decodeRun(prev, cur []int32, x int, runIdx *int) (int, bool) {
	w := len(cur) - 2
	br, p := d.br, d.p
	ra := cur[x]
	remaining := w - x
	n := 0
	ri := *runIdx
	for br.readBit() {
		j := 1 << jTable[ri&31]
		cnt := min(j, remaining-n)
		n += cnt
		if cnt == j && ri < 31 {
			ri++
		}
		if n == remaining {
			break
		}
	}
	if n != remaining {
		if j := jTable[ri&31]; j > 0 {
			n += br.readBits(j)
		}
		if n >= remaining {
			return 0, false
		}
	}
	run := cur[x+1 : x+1+n]
	for i := range run {
		run[i] = ra
	}
	if n == remaining {
		*runIdx = ri
		return n, true
	}
	rb := int(prev[x+n+1])
	rai := int(ra)
	var rx int
	if abs(rai-rb) <= p.near {
		e, ok := d.decodeInterruption(&d.st.run[1], ri)
		if !ok {
			return 0, false
		}
		rx = p.fix(rai + e*p.step)
	} else {
		e, ok := d.decodeInterruption(&d.st.run[0], ri)
		if !ok {
			return 0, false
		}
		if rb < rai {
			e = -e
		}
		rx = p.fix(rb + e*p.step)
	}
	cur[x+n+1] = int32(rx)
	if ri > 0 {
		ri--
	}
	*runIdx = ri
	return n + 1, true
}

func (d *lineDecoder) decodeInterruption(c *runCtx, ri int) (int, bool) {
	p := d.p
	k := c.k()
	glimit := p.limit - jTable[ri&31] - 1
	em, ok := d.br.readGolomb(k, glimit-p.qbpp-1, p.qbpp)
	if !ok {
		return 0, false
	}
	e := c.errval(em+c.riType, k)
	c.update(e, em, p.reset)
	return e, true
}

// decodeLineN decodes one line of ns sample-interleaved components; prev
// and cur hold (w+2)*ns samples.
func (d *lineDecoder) decodeLineN(prev, cur []int32, ns int, runIdx *int) bool {
	w := len(cur)/ns - 2
	p, q, br := d.p, &d.q.q, d.br
	ctxs := &d.st.ctx
	limitq := p.limit - p.qbpp - 1
	var qs [4]int
	x := 0
	for x < w {
		base := x * ns
		all := 0
		for j := range ns {
			ra, rb, rc, rd := int(cur[base+j]), int(prev[base+ns+j]), int(prev[base+j]), int(prev[base+2*ns+j])
			qs[j&3] = int(q[(rd-rb+quantOffset)&(len(q)-1)])*81 +
				int(q[(rb-rc+quantOffset)&(len(q)-1)])*9 +
				int(q[(rc-ra+quantOffset)&(len(q)-1)])
			all |= qs[j&3]
		}
		if all == 0 {
			n, ok := d.decodeRunN(prev, cur, x, ns, runIdx)
			if !ok {
				return false
			}
			x += n
			continue
		}
		for j := range ns {
			ra, rb, rc := int(cur[base+j]), int(prev[base+ns+j]), int(prev[base+j])
			qsj := qs[j&3]
			sign := qsj >> 63
			c := &ctxs[((qsj^sign)-sign)&511]
			k := golombK(c.n, c.a)
			px := median(ra, rb, rc) + (c.c ^ sign - sign)
			px = max(0, min(px, p.maxval))
			m, ok := br.readGolomb(k, limitq, p.qbpp)
			if !ok {
				return false
			}
			e := (m >> 1) ^ -(m & 1)
			if k == 0 && p.near == 0 && 2*c.b+c.n-1 < 0 {
				e = ^e
			}
			c.update(e, p.near, p.step, p.reset)
			e = (e ^ sign) - sign
			cur[base+ns+j] = int32(p.fix(px + e*p.step))
		}
		x++
	}
	return true
}

func (d *lineDecoder) decodeRunN(prev, cur []int32, x, ns int, runIdx *int) (int, bool) {
	w := len(cur)/ns - 2
	br, p := d.br, d.p
	remaining := w - x
	n := 0
	ri := *runIdx
	for br.readBit() {
		j := 1 << jTable[ri&31]
		cnt := min(j, remaining-n)
		n += cnt
		if cnt == j && ri < 31 {
			ri++
		}
		if n == remaining {
			break
		}
	}
	if n != remaining {
		if j := jTable[ri&31]; j > 0 {
			n += br.readBits(j)
		}
		if n >= remaining {
			return 0, false
		}
	}
	ra := cur[x*ns : x*ns+ns]
	for i := 1; i <= n; i++ {
		copy(cur[(x+i)*ns:(x+i+1)*ns], ra)
	}
	if n == remaining {
		*runIdx = ri
		return n, true
	}
	at := (x + n + 1) * ns
	for j := range ns {
		rai, rb := int(cur[at-ns+j]), int(prev[at+j])
		e, ok := d.decodeInterruption(&d.st.run[0], ri)
		if !ok {
			return 0, false
		}
		if rb < rai {
			e = -e
		}
		cur[at+j] = int32(p.fix(rb + e*p.step))
	}
	if ri > 0 {
		ri--
	}
	*runIdx = ri
	return n + 1, true
}
