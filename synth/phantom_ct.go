package synth

import "math"

// ctPhantom is a thorax-abdomen CT in Hounsfield units. Anatomy is defined
// in millimetres and as a function of the position t in [0, 1] along the
// scan (0 = upper thorax, 1 = lower abdomen), so that organs appear, grow
// and vanish smoothly from slice to slice as in a real volume, whatever
// the number of slices.
type ctPhantom struct {
	seed       uint64
	rows, cols int
	slices     int
	ps         float64 // pixel spacing, mm
}

const (
	ctFOV      = 500.0 // reconstruction diameter, mm
	ctCoverage = 375.0 // scan length, mm
)

func newCTPhantom(seed uint64, rows, cols, slices int) ctPhantom {
	return ctPhantom{seed: mix64(seed ^ 0xC7), rows: rows, cols: cols, slices: slices, ps: ctFOV / float64(max(rows, cols))}
}

// spacing is the distance between slice centres in mm.
func (p ctPhantom) spacing() float64 {
	if p.slices <= 1 {
		return 1.25
	}
	return math.Round(ctCoverage/float64(p.slices)*1000) / 1000
}

// slice returns slice z (0-based) as HU, row-major.
func (p ctPhantom) slice(z int) []int16 {
	t := 0.5
	if p.slices > 1 {
		t = float64(z) / float64(p.slices-1)
	}
	zmm := float64(z) * p.spacing()
	// Textures in three dimensions, sampled on coarse grids.
	soft := noise3{seed: p.seed ^ 1, scale: 30 / p.ps, zscale: 12}
	fine := noise3{seed: p.seed ^ 2, scale: 5 / p.ps, zscale: 3}
	step := max(2, p.cols/128)
	tex := newGrid(p.rows, p.cols, step, func(x, y float64) float64 {
		return 0.7*soft.at(x, y, zmm) + 0.3*soft.at(2*x+17, 2*y+5, 2*zmm)
	})
	ves := newGrid(p.rows, p.cols, max(1, step/2), func(x, y float64) float64 {
		return fine.at(x, y, zmm)
	})

	bodyA := 165 + 12*math.Sin(math.Pi*t)
	bodyB := 112 + 10*math.Sin(math.Pi*t*0.8)
	lung := math.Sqrt(clamp((0.52-t)/0.2, 0, 1))
	heart := math.Sqrt(bump(t, 0.30, 0.2))
	liver := math.Sqrt(bump(t, 0.55, 0.22))
	spleen := math.Sqrt(bump(t, 0.52, 0.12))
	kidney := math.Sqrt(bump(t, 0.74, 0.13))
	ribs := 1 - smoothstep(0.55, 0.7, t)
	bowel := smoothstep(0.6, 0.75, t)
	// Rib cross-sections come and go along z with a 25 mm period.
	ribPhase := 2 * math.Pi * zmm / 25

	out := make([]int16, p.rows*p.cols)
	parallelRows(p.rows, func(y int) {
		ym := (float64(y) + 0.5 - float64(p.rows)/2) * p.ps
		for x := 0; x < p.cols; x++ {
			xm := (float64(x) + 0.5 - float64(p.cols)/2) * p.ps
			hu := -1000.0
			tx := tex.at(x, y)
			// Patient table: a curved carbon band under the body.
			if ty := 127 + 0.0006*xm*xm; ym > ty && ym < ty+7 && math.Abs(xm) < 210 {
				hu = -200 + 40*tx
			}
			r := ellipse(xm, ym, 0, 5, bodyA, bodyB)
			if r < 1 {
				switch {
				case r > 0.86:
					hu = -105 + 15*tx // subcutaneous fat
				case r > 0.80:
					hu = 50 + 10*tx // muscle wall
				default:
					hu = 35 + 12*tx // soft tissue
					if r < 0.78 && bowel > 0 && tx > 0.55-0.1*bowel && ves.at(x, y) > 0.2 {
						hu = -850 // bowel gas
					}
				}
				// Ribs in the muscle wall.
				if ribs > 0 && r > 0.74 && r < 0.9 {
					ang := math.Atan2(ym-5, xm)
					k := math.Round(ang / (math.Pi / 9))
					if k != 4 && k != 5 && k != -4 && k != -5 { // none over the spine/sternum gaps
						ca := k * math.Pi / 9
						cx, cy := 0.82*bodyA*math.Cos(ca), 5+0.82*bodyB*math.Sin(ca)
						if math.Sin(ribPhase+k) > 1-1.4*ribs {
							if d := ellipse(xm, ym, cx, cy, 9, 6); d < 1 {
								hu = 300
								if d > 0.55 {
									hu = 1150
								}
							}
						}
					}
				}
				// Lungs with vessels.
				if lung > 0 {
					for _, s := range [2]float64{-1, 1} {
						if d := ellipse(xm, ym, s*78, -8, 62*lung, 82*lung); d < 1 {
							hu = -860 + 40*tx
							if v := ves.at(x, y); v > 0.45 {
								hu += 900 * (v - 0.45)
							}
						}
					}
				}
				if heart > 0 {
					if d := ellipse(xm, ym, 22, -18, 58*heart, 50*heart); d < 1 {
						hu = 42 + 8*tx
						if d < 0.45 {
							hu = 180 // contrast-filled chambers
						}
					}
				}
				if liver > 0 {
					if d := ellipse(xm, ym, -58, 0, 85*liver, 75*liver); d < 1 && hu > -500 {
						hu = 60 + 10*tx
					}
				}
				if spleen > 0 {
					if d := ellipse(xm, ym, 88, 28, 28*spleen, 40*spleen); d < 1 {
						hu = 48 + 8*tx
					}
				}
				if kidney > 0 {
					for _, s := range [2]float64{-1, 1} {
						if d := ellipse(xm, ym, s*62, 52, 26*kidney, 36*kidney); d < 1 {
							hu = 150 // enhancing cortex
							if d < 0.45 {
								hu = 30 // medulla and sinus
							}
						}
					}
				}
				// Aorta, then the vertebra: body, canal, spinous process.
				if ellipse(xm, ym, 14, 42, 12, 12) < 1 {
					hu = 210
				}
				if d := ellipse(xm, ym, 0, 72, 21, 19); d < 1 {
					hu = 260 + 60*tx
					if d > 0.72 {
						hu = 1100 + 250*tx
					}
				}
				if d := ellipse(xm, ym, 0, 103, 14, 12); d < 1 {
					hu = 1000
					if ellipse(xm, ym, 0, 101, 9, 8) < 1 {
						hu = 15
					}
				}
				if ellipse(xm, ym, 0, 124, 6, 14) < 1 {
					hu = 850 + 200*tx
				}
			}
			hu += 10 * gauss(hash3(p.seed, x, y, z))
			out[y*p.cols+x] = int16(clamp(math.Round(hu), -1024, 2047))
		}
	})
	return out
}
