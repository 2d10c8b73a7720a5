package jpegls

// This file holds the per-line encoding loops, mirrors of scan.go.

type lineEncoder struct {
	p  *params
	q  *quantTable
	st *state
	bw *bitWriter
}

func (p *params) quantize(e int) int {
	if p.near == 0 {
		return e
	}
	if e > 0 {
		return (e + p.near) / p.step
	}
	return -(p.near - e) / p.step
}

func (p *params) moduloRange(e int) int {
	if e < 0 {
		e += p.rng
	}
	if e >= (p.rng+1)/2 {
		e -= p.rng
	}
	return e
}

// encodeLine codes one line of a single component from src (w samples)
// and leaves the reconstructed samples in cur (see decodeLine for the
// layout of prev and cur).
func (e *lineEncoder) encodeLine(prev, cur, src []int32, runIdx *int) {
	w := len(cur) - 2
	if len(prev) != len(cur) || len(src) != w {
		panic("jpegls: internal error: line lengths")
	}
	p, q, bw := e.p, &e.q.q, e.bw
	ctxs := &e.st.ctx
	near, maxval, step, reset, limit, qbpp := p.near, p.maxval, p.step, p.reset, p.limit, p.qbpp
	rc, rb := int(prev[0]), int(prev[1])
	x := 0
	for x < w {
		rd := int(prev[x+2])
		ra := int(cur[x])
		qs := int(q[(rd-rb+quantOffset)&(len(q)-1)])*81 +
			int(q[(rb-rc+quantOffset)&(len(q)-1)])*9 +
			int(q[(rc-ra+quantOffset)&(len(q)-1)])
		if qs == 0 {
			x += e.encodeRun(prev, cur, src, x, runIdx)
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
		ix := int(src[x])
		ev := ((ix - px) ^ sign) - sign
		var rx int
		if near == 0 {
			ev = p.moduloRange(ev)
			rx = ix
		} else {
			ev = p.moduloRange(p.quantize(ev))
			rx = p.fix(px + ((ev^sign)-sign)*step)
		}
		me := ev
		if k == 0 && near == 0 && 2*c.b+c.n-1 < 0 {
			me = ^me
		}
		me = (me >> 63) ^ (2 * me)
		if high := me >> uint(k); high < limit-qbpp-1 && high+1+k <= 32 {
			// putGolomb's common case, written out.
			bw.put(uint32(1)<<uint(k)|uint32(me)&(1<<uint(k)-1), high+1+k)
		} else {
			bw.putGolomb(me, k, limit, qbpp)
		}
		a, b, n := c.a+(ev^(ev>>63))-(ev>>63), c.b+ev*step, c.n
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
		cur[x+1] = int32(rx)
		x++
		rc, rb = rb, rd
	}
}

// putRun codes a run of n samples that ends the line (eol) or is
// interrupted, A.7.1.
func (e *lineEncoder) putRun(n int, eol bool, ri int) int {
	for n >= 1<<jTable[ri] {
		e.bw.put(1, 1)
		n -= 1 << jTable[ri]
		if ri < 31 {
			ri++
		}
	}
	if eol {
		if n > 0 {
			e.bw.put(1, 1)
		}
		return ri
	}
	e.bw.put(uint32(n), jTable[ri]+1)
	return ri
}

func (e *lineEncoder) encodeRun(prev, cur, src []int32, x int, runIdx *int) int {
	w := len(cur) - 2
	p := e.p
	ra := cur[x]
	n := 0
	if p.near == 0 {
		for x+n < w && src[x+n] == ra {
			n++
		}
	} else {
		for x+n < w && abs(int(src[x+n]-ra)) <= p.near {
			n++
		}
	}
	run := cur[x+1 : x+1+n]
	for i := range run {
		run[i] = ra
	}
	eol := x+n == w
	ri := e.putRun(n, eol, *runIdx)
	if eol {
		*runIdx = ri
		return n
	}
	ix := int(src[x+n])
	rb := int(prev[x+n+1])
	rai := int(ra)
	var rx int
	if abs(rai-rb) <= p.near {
		ev := p.moduloRange(p.quantize(ix - rai))
		e.putInterruption(&e.st.run[1], ev, ri)
		rx = p.fix(rai + ev*p.step)
	} else {
		s := 1
		if rb < rai {
			s = -1
		}
		ev := p.moduloRange(p.quantize((ix - rb) * s))
		e.putInterruption(&e.st.run[0], ev, ri)
		rx = p.fix(rb + ev*s*p.step)
	}
	cur[x+n+1] = int32(rx)
	if ri > 0 {
		ri--
	}
	*runIdx = ri
	return n + 1
}

func (e *lineEncoder) putInterruption(c *runCtx, ev, ri int) {
	p := e.p
	k := c.k()
	m := 0
	if c.computeMap(ev, k) {
		m = 1
	}
	em := 2*abs(ev) - c.riType - m
	e.bw.putGolomb(em, k, p.limit-jTable[ri]-1, p.qbpp)
	c.update(ev, em, p.reset)
}

// encodeLineN codes one line of ns sample-interleaved components.
func (e *lineEncoder) encodeLineN(prev, cur, src []int32, ns int, runIdx *int) {
	w := len(cur)/ns - 2
	p, q, bw := e.p, &e.q.q, e.bw
	ctxs := &e.st.ctx
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
			x += e.encodeRunN(prev, cur, src, x, ns, runIdx)
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
			ix := int(src[base+j])
			ev := p.moduloRange(p.quantize(((ix - px) ^ sign) - sign))
			rx := ix
			if p.near > 0 {
				rx = p.fix(px + ((ev^sign)-sign)*p.step)
			}
			me := ev
			if k == 0 && p.near == 0 && 2*c.b+c.n-1 < 0 {
				me = ^me
			}
			me = (me >> 63) ^ (2 * me)
			bw.putGolomb(me, k, p.limit, p.qbpp)
			c.update(ev, p.near, p.step, p.reset)
			cur[base+ns+j] = int32(rx)
		}
		x++
	}
}

func (e *lineEncoder) encodeRunN(prev, cur, src []int32, x, ns int, runIdx *int) int {
	w := len(cur)/ns - 2
	p := e.p
	ra := cur[x*ns : x*ns+ns]
	n := 0
	for x+n < w {
		ok := true
		for j := range ns {
			if abs(int(src[(x+n)*ns+j]-ra[j])) > p.near {
				ok = false
				break
			}
		}
		if !ok {
			break
		}
		n++
	}
	for i := 1; i <= n; i++ {
		copy(cur[(x+i)*ns:(x+i+1)*ns], ra)
	}
	eol := x+n == w
	ri := e.putRun(n, eol, *runIdx)
	if eol {
		*runIdx = ri
		return n
	}
	at := (x + n + 1) * ns
	for j := range ns {
		rai, rb := int(cur[at-ns+j]), int(prev[at+j])
		ix := int(src[(x+n)*ns+j])
		s := 1
		if rb < rai {
			s = -1
		}
		ev := p.moduloRange(p.quantize((ix - rb) * s))
		e.putInterruption(&e.st.run[0], ev, ri)
		cur[at+j] = int32(p.fix(rb + ev*s*p.step))
	}
	if ri > 0 {
		ri--
	}
	*runIdx = ri
	return n + 1
}
