package jpegls

// Preset holds the coding parameters of an LSE marker segment of type 1
// (ISO/IEC 14495-1 C.2.4.1.1). A zero field means the standard's default,
// derived from the sample precision and NEAR.
type Preset struct {
	MaxVal     int // largest sample value; default 2^P-1
	T1, T2, T3 int // gradient quantisation thresholds
	Reset      int // context counter reset threshold; default 64
}

// params are the coding parameters of one scan, all derived.
type params struct {
	maxval, near   int
	t1, t2, t3     int
	reset          int
	rng            int // RANGE
	qbpp, bpp      int
	limit          int
	step           int // 2*NEAR+1
	aInit          int
	sampleBits     int // P, the declared precision
	preset         Preset
	defaultPresets bool // T1..RESET equal the defaults for maxval and near
}

const (
	basicT1      = 3
	basicT2      = 7
	basicT3      = 21
	defaultReset = 64
)

func clampT(i, j, maxval int) int {
	if i > maxval || i < j {
		return j
	}
	return i
}

// defaultThresholds implements C.2.4.1.1.1.
func defaultThresholds(maxval, near int) (t1, t2, t3 int) {
	if maxval >= 128 {
		factor := (min(maxval, 4095) + 128) >> 8
		t1 = clampT(factor*(basicT1-2)+2+3*near, near+1, maxval)
		t2 = clampT(factor*(basicT2-3)+3+5*near, t1, maxval)
		t3 = clampT(factor*(basicT3-4)+4+7*near, t2, maxval)
		return
	}
	factor := 256 / (maxval + 1)
	t1 = clampT(max(2, basicT1/factor+3*near), near+1, maxval)
	t2 = clampT(max(3, basicT2/factor+5*near), t1, maxval)
	t3 = clampT(max(4, basicT3/factor+7*near), t2, maxval)
	return
}

func bitLen(v int) int {
	n := 0
	for v > 0 {
		n++
		v >>= 1
	}
	return n
}

// newParams validates and derives the parameters of a scan with sample
// precision bits, the given NEAR and preset (zero fields: defaults). off is
// the stream offset reported in errors.
func newParams(bits, near int, ps Preset, off int) (params, error) {
	var p params
	if bits < 2 || bits > 16 {
		return p, formatErr(off, "sample precision %d outside 2..16", bits)
	}
	p.sampleBits = bits
	p.maxval = ps.MaxVal
	if p.maxval == 0 {
		p.maxval = 1<<bits - 1
	}
	if p.maxval < 1 || p.maxval >= 1<<bits {
		return p, formatErr(off, "MAXVAL %d invalid for %d-bit samples", p.maxval, bits)
	}
	if near < 0 || near > min(255, p.maxval/2) {
		return p, formatErr(off, "NEAR %d invalid for MAXVAL %d", near, p.maxval)
	}
	p.near = near
	d1, d2, d3 := defaultThresholds(p.maxval, near)
	p.t1, p.t2, p.t3 = d1, d2, d3
	if ps.T1 != 0 {
		p.t1 = ps.T1
	}
	if ps.T2 != 0 {
		p.t2 = ps.T2
	}
	if ps.T3 != 0 {
		p.t3 = ps.T3
	}
	p.reset = defaultReset
	if ps.Reset != 0 {
		p.reset = ps.Reset
	}
	// C.2.4.1.1: NEAR+1 <= T1 <= T2 <= T3 <= MAXVAL, 3 <= RESET <= max(255, MAXVAL).
	if p.t1 < near+1 || p.t1 > p.t2 || p.t2 > p.t3 || p.t3 > p.maxval {
		return p, formatErr(off, "thresholds T1=%d T2=%d T3=%d invalid for MAXVAL %d, NEAR %d", p.t1, p.t2, p.t3, p.maxval, near)
	}
	if p.reset < 3 || p.reset > max(255, p.maxval) {
		return p, formatErr(off, "RESET %d invalid", p.reset)
	}
	p.preset = ps
	p.defaultPresets = p.t1 == d1 && p.t2 == d2 && p.t3 == d3 && p.reset == defaultReset
	p.step = 2*near + 1
	p.rng = (p.maxval+2*near)/p.step + 1
	p.qbpp = bitLen(p.rng - 1)
	p.bpp = max(2, bitLen(p.maxval))
	p.limit = 2 * (p.bpp + max(8, p.bpp))
	p.aInit = max(2, (p.rng+32)/64)
	return p, nil
}

// quantTable maps a gradient d (index d+quantOffset) to its region -4..4
// (A.3.3). A fixed-size array lets the hot loops index it with a mask and
// no bounds check.
type quantTable struct {
	q [1 << 17]int8
	// key identifies the parameters q was built for: rebuilding it costs
	// more than coding a small 16-bit image, so a pooled table is reused
	// as is when the next image has the same parameters.
	key [5]int
}

const quantOffset = 1 << 16

func (t *quantTable) init(p *params) {
	key := [5]int{p.maxval, p.near, p.t1, p.t2, p.t3}
	if t.key == key {
		return
	}
	t.key = key
	q := &t.q
	lo, hi := quantOffset-p.maxval, quantOffset+p.maxval
	for i := lo; i <= hi; i++ {
		d := i - quantOffset
		var v int8
		switch {
		case d <= -p.t3:
			v = -4
		case d <= -p.t2:
			v = -3
		case d <= -p.t1:
			v = -2
		case d < -p.near:
			v = -1
		case d <= p.near:
			v = 0
		case d < p.t1:
			v = 1
		case d < p.t2:
			v = 2
		case d < p.t3:
			v = 3
		default:
			v = 4
		}
		q[i] = v
	}
}

// jTable is the run-length order table J of A.7.1.1.
var jTable = [32]int{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13, 14, 15}
