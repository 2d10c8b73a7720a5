package synth

import "math"

// mgPhantom is a processed ("for presentation") mammogram or a
// tomosynthesis slice: the breast against a dark background, compressed
// tissue thinning toward the skin line, fibroglandular texture with
// curvilinear strands, a cluster of calcification-like spots, and the
// pectoral muscle on MLO views. The chest wall is on the image side the
// DICOM Patient Orientation says (right edge for a right breast), so that
// hanging protocols and flipping code can be tested.
type mgPhantom struct {
	seed       uint64
	rows, cols int
	maxValue   float64
	right, mlo bool
	frames     int // 0 for a 2D projection

	depth, half, vc float64 // breast outline: depth from the chest wall and half-height, as fractions
	density         float64 // threshold shift: higher means denser breast
	calcs           []calc
}

type calc struct {
	d, v, r, z, amp float64 // position (fractions), radius (px), height (fraction), contrast
}

func newMGPhantom(seed uint64, rows, cols, bits int, right, mlo bool, frames int) *mgPhantom {
	// Both breasts share the patient's size and density; each view varies a little.
	base := newRand(seed, "breast")
	p := &mgPhantom{
		seed: mix64(seed ^ 0x4D47), rows: rows, cols: cols, maxValue: float64(int(1)<<bits - 1),
		right: right, mlo: mlo, frames: frames,
		depth: 0.46 + 0.14*base.Float64(), half: 0.30 + 0.09*base.Float64(),
		density: -0.25 + 0.5*base.Float64(),
	}
	view := 0
	if right {
		view++
	}
	if mlo {
		view += 2
	}
	vr := newRand(seed, "breast-view-"+string(rune('0'+view)))
	p.depth *= 0.95 + 0.1*vr.Float64()
	p.vc = 0.5
	if mlo {
		p.vc, p.half, p.depth = 0.56, p.half*1.12, p.depth*0.95
	}
	// A cluster of calcifications, in the right breast only for odd seeds,
	// so that left/right comparisons find something.
	n := 0
	if (seed%2 == 1) == right {
		n = 5 + vr.IntN(5)
	}
	cd, cv := p.depth*(0.35+0.3*vr.Float64()), p.vc+p.half*(vr.Float64()-0.5)*0.6
	for i := 0; i < n; i++ {
		p.calcs = append(p.calcs, calc{
			d: cd + 0.015*(vr.Float64()-0.5), v: cv + 0.012*(vr.Float64()-0.5),
			r: 1.5 + 3*vr.Float64(), z: 0.3 + 0.4*vr.Float64(), amp: 0.2 + 0.1*vr.Float64(),
		})
	}
	// One isolated larger benign-looking calcification.
	p.calcs = append(p.calcs, calc{d: p.depth * 0.7, v: p.vc - p.half*0.3, r: 7 + 4*vr.Float64(), z: 0.6, amp: 0.25})
	return p
}

// frame returns slice z of a tomosynthesis stack, or the 2D image when
// z < 0.
func (p *mgPhantom) frame(z int) []uint16 {
	h := 0.5 // height in the compressed breast, 0..1
	if z >= 0 && p.frames > 0 {
		h = (float64(z) + 0.5) / float64(p.frames)
	}
	zf := h * 40 // texture z coordinate: about 40 correlation lengths through the breast
	cols, rows := float64(p.cols), float64(p.rows)
	// Near the paddles the slice cuts less of the breast.
	depth := p.depth * (1 - 0.1*(2*h-1)*(2*h-1))
	gland := noise3{seed: p.seed ^ 1, scale: cols / 8, zscale: 4}
	strand := noise3{seed: p.seed ^ 2, scale: cols / 70, zscale: 2}
	step := max(2, p.cols/400)
	dens := newGrid(p.rows, p.cols, step, func(x, y float64) float64 {
		var s, a float64 = 0, 0.5
		for o := 0; o < 5; o++ {
			f := float64(int(1) << o)
			s += a * gland.at(f*x+float64(o*37), f*y+float64(o*91), f*zf)
			a *= 0.55
		}
		return s
	})
	// Ducts and ligaments: thin ridges stretched along the chest
	// wall-nipple axis.
	str := newGrid(p.rows, p.cols, step, func(x, y float64) float64 {
		r := 1 - math.Abs(strand.at(x/5, y, zf)+0.5*strand.at(x/3+11, 2*y+5, zf))/1.5
		r *= r
		return r * r * r
	})
	bg, fat, glandular, pect := 0.025*p.maxValue, 0.36*p.maxValue, 0.72*p.maxValue, 0.78*p.maxValue
	if p.frames > 0 {
		fat = 0.3 * p.maxValue // slices have less superimposed tissue
	}
	scale := min(cols, rows)
	out := make([]uint16, p.rows*p.cols)
	parallelRows(p.rows, func(y int) {
		v := (float64(y) + 0.5) / rows
		for x := 0; x < p.cols; x++ {
			d := (float64(x) + 0.5) / cols
			if p.right {
				d = 1 - d
			}
			// Elliptic radius of the outline, and the pectoral region.
			dv := (v - p.vc) / p.half
			rr := math.Sqrt((d/depth)*(d/depth) + dv*dv)
			edge := (1 - rr) * min(depth*cols, p.half*rows) // ≈ pixels inside the skin
			pectoral := -1.0
			if p.mlo {
				// A triangle along the chest wall, from the top edge.
				pw, ph := 0.24*depth/0.5, 0.62
				pectoral = (pw*(1-v/ph) - d) * cols // > 0 inside the muscle
				if axilla := (0.17*(1-v/0.75) - d) * cols; axilla > edge {
					edge = axilla // the axillary tail reaches the top
				}
			}
			val := bg * (1 + 0.15*gauss(hash3(p.seed, x, y, z)))
			if edge > 0 {
				// Glandular tissue concentrates behind the nipple,
				// away from the skin and the chest wall.
				w := bump(d/depth, 0.45, 0.5) * bump(dv, 0, 1.1)
				g := dens.at(x, y) + 0.45*w - 0.25 - 0.25*p.density
				gf := smoothstep(-0.12, 0.22, g)
				t := fat + (glandular-fat)*gf + 0.08*p.maxValue*(str.at(x, y)-0.3)*(0.4+gf)
				if pectoral > 0 {
					t = max(t, pect+0.04*p.maxValue*dens.at(x, y))*smoothstep(0, scale/200, pectoral) + t*(1-smoothstep(0, scale/200, pectoral))
				}
				// Thinning toward the skin, then the skin line itself.
				t = bg + (t-bg)*(0.55+0.45*smoothstep(0, scale/12, edge))
				if sk := scale / 300; edge < sk {
					t += 0.06 * p.maxValue * (1 - edge/sk)
				}
				val = t + 0.006*p.maxValue*gauss(hash3(p.seed, x, y, z))
			}
			out[y*p.cols+x] = uint16(clamp(math.Round(val), 0, p.maxValue))
		}
	})
	// Calcifications, painted in their bounding boxes; in a slice they are
	// sharp at their own height and fade within a few slices.
	for _, c := range p.calcs {
		amp := c.amp * p.maxValue
		if p.frames > 0 {
			dz := (h - c.z) * float64(p.frames) / 2.5
			amp *= math.Exp(-dz * dz)
		}
		if amp < 1 {
			continue
		}
		cx := c.d * cols
		if p.right {
			cx = cols - cx
		}
		cy := c.v * rows
		r := c.r
		for y := max(0, int(cy-3*r)); y < min(p.rows, int(cy+3*r)+1); y++ {
			for x := max(0, int(cx-3*r)); x < min(p.cols, int(cx+3*r)+1); x++ {
				dx, dy := (float64(x)+0.5-cx)/r, (float64(y)+0.5-cy)/r
				k := y*p.cols + x
				out[k] = uint16(clamp(float64(out[k])+amp*math.Exp(-(dx*dx+dy*dy)*1.5), 0, p.maxValue))
			}
		}
	}
	return out
}
