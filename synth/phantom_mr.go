package synth

import "math"

// mrPhantom is a T1-weighted axial brain: scalp fat, dark skull, CSF,
// folded cortex over white matter, ventricles in the middle slices, and
// Rician background noise, so that the image has the dark surround and
// noisy-but-structured tissue of a real magnitude image.
type mrPhantom struct {
	seed       uint64
	rows, cols int
	slices     int
	ps         float64 // mm
}

const mrFOV = 240.0

func newMRPhantom(seed uint64, rows, cols, slices int) mrPhantom {
	return mrPhantom{seed: mix64(seed ^ 0x4D52), rows: rows, cols: cols, slices: slices, ps: mrFOV / float64(max(rows, cols))}
}

func (p mrPhantom) spacing() float64 {
	if p.slices <= 1 {
		return 5
	}
	return math.Round(120/float64(p.slices)*1000) / 1000
}

// slice returns slice z as 12-bit unsigned values.
func (p mrPhantom) slice(z int) []uint16 {
	t := 0.5
	if p.slices > 1 {
		t = float64(z) / float64(p.slices-1)
	}
	zmm := float64(z) * p.spacing()
	// The head is roughly a sphere: the section shrinks toward the vertex.
	sz := math.Sqrt(max(0.05, 1-math.Pow((t-0.35)/0.8, 2)))
	a, b := 72*sz, 92*sz
	gyri := noise3{seed: p.seed ^ 1, scale: 9 / p.ps, zscale: 6}
	shade := noise3{seed: p.seed ^ 2, scale: 60 / p.ps, zscale: 30}
	tex := newGrid(p.rows, p.cols, 2, func(x, y float64) float64 {
		return 0.75*gyri.at(x, y, zmm) + 0.25*gyri.at(2*x+3, 2*y+9, 2*zmm)
	})
	bias := newGrid(p.rows, p.cols, 8, func(x, y float64) float64 { return shade.at(x, y, zmm) })
	vent := bump(t, 0.45, 0.25)

	out := make([]uint16, p.rows*p.cols)
	parallelRows(p.rows, func(y int) {
		ym := (float64(y) + 0.5 - float64(p.rows)/2) * p.ps
		for x := 0; x < p.cols; x++ {
			xm := (float64(x) + 0.5 - float64(p.cols)/2) * p.ps
			s := 0.0
			r := math.Sqrt(ellipse(xm, ym, 0, 0, a, b))
			if r < 1 {
				k := tex.at(x, y)
				switch {
				case r > 0.94:
					s = 2300 + 200*k // scalp fat
				case r > 0.88:
					s = 180 + 60*k // cortical bone
				case r > 0.86:
					s = 450 // CSF
				default:
					// Cortex near the surface, white matter deeper,
					// with a folded boundary.
					depth := (0.86 - r) / 0.86
					if k+2.2*depth > 0.45 {
						s = 1850 + 80*k // white matter
					} else if k+2.2*depth > 0.05 {
						s = 1300 + 90*k // grey matter
					} else {
						s = 450 // sulcal CSF
					}
					if vent > 0 {
						for _, sx := range [2]float64{-1, 1} {
							if ellipse(xm-sx*0.004*(ym+8)*(ym+8), ym, sx*11, -8, 5*vent, 24*vent) < 1 {
								s = 420
							}
						}
						if ellipse(xm, ym, 0, 26, 2.5*vent, 9*vent) < 1 {
							s = 430
						}
					}
				}
				s *= 1 + 0.12*bias.at(x, y) // coil sensitivity
			}
			// Rician noise: magnitude of a complex signal with Gaussian
			// noise in both channels.
			h := hash3(p.seed, x, y, z)
			n1, n2 := 28*gauss(h), 28*gauss(mix64(h))
			v := math.Hypot(s+n1, n2)
			out[y*p.cols+x] = uint16(clamp(math.Round(v), 0, 4095))
		}
	})
	return out
}
