package jpegls

import "math/bits"

// regCtx holds the variables A, B, C, N of one regular-mode context
// (A.2.2). They are ints so that a hostile stream cannot overflow them.
type regCtx struct {
	a, b, c, n int
}

// runCtx holds the variables of one run-interruption context (A.7.2).
type runCtx struct {
	a, n, nn int
	riType   int
}

// state is the adaptive state of one scan or restart interval: it is
// reset at the start of each.
type state struct {
	// ctx is indexed by |Q| (0..364); 512 entries let the index be masked
	// so that the compiler drops the bounds check.
	ctx    [512]regCtx
	run    [2]runCtx
	runIdx [4]int
}

func (s *state) reset(p *params) {
	c := regCtx{a: p.aInit, n: 1}
	for i := range s.ctx[:365] {
		s.ctx[i] = c
	}
	s.run[0] = runCtx{a: p.aInit, n: 1, riType: 0}
	s.run[1] = runCtx{a: p.aInit, n: 1, riType: 1}
	s.runIdx = [4]int{}
}

// golombK returns the smallest k with n<<k >= a (A.5.1), without a loop:
// n<<d with d the difference of bit lengths is within a factor two of a.
func golombK(n, a int) int {
	d := bits.Len(uint(a)) - bits.Len(uint(n))
	if d <= 0 {
		if n >= a {
			return 0
		}
		return 1
	}
	if n<<d < a {
		d++
	}
	return min(d, 16)
}

// update applies A.6.1 and A.6.2 after coding errval in context c.
func (c *regCtx) update(errval, near, step, reset int) {
	if errval < 0 {
		c.a -= errval
	} else {
		c.a += errval
	}
	c.b += errval * step
	if c.n == reset {
		c.a >>= 1
		c.b >>= 1
		c.n >>= 1
	}
	c.n++
	if c.b+c.n <= 0 {
		c.b += c.n
		if c.b <= -c.n {
			c.b = -c.n + 1
		}
		if c.c > -128 {
			c.c--
		}
	} else if c.b > 0 {
		c.b -= c.n
		if c.b > 0 {
			c.b = 0
		}
		if c.c < 127 {
			c.c++
		}
	}
}

func (c *runCtx) k() int {
	t := c.a + (c.n>>1)*c.riType
	return golombK(c.n, t)
}

// computeMap is the map bit of A.7.2.
func (c *runCtx) computeMap(errval, k int) bool {
	switch {
	case k == 0 && errval > 0 && 2*c.nn < c.n:
		return true
	case errval < 0 && 2*c.nn >= c.n:
		return true
	case errval < 0 && k != 0:
		return true
	}
	return false
}

// errval recovers the error from EMErrval+RItype (A.7.2, decoder side).
func (c *runCtx) errval(temp, k int) int {
	m := temp & 1
	abs := (temp + m) / 2
	if (k != 0 || 2*c.nn >= c.n) == (m == 1) {
		return -abs
	}
	return abs
}

func (c *runCtx) update(errval, em, reset int) {
	if errval < 0 {
		c.nn++
	}
	c.a += (em + 1 - c.riType) >> 1
	if c.n == reset {
		c.a >>= 1
		c.n >>= 1
		c.nn >>= 1
	}
	c.n++
}

// median is the edge-detecting predictor of A.4.1.
func median(ra, rb, rc int) int {
	mx, mn := ra, rb
	if rb > ra {
		mx, mn = rb, ra
	}
	if rc >= mx {
		return mn
	}
	if rc <= mn {
		return mx
	}
	return ra + rb - rc
}
