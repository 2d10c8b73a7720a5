package synth

import "math"

// chestPhantom is a processed PA chest radiograph (MONOCHROME2, high
// attenuation bright): dark lung fields with vascular markings, the
// mediastinum and heart, the spine, curved ribs and clavicles, diaphragm
// domes and collimation edges. Coordinates are normalised to the image
// width so that any matrix size gives the same picture.
type chestPhantom struct {
	seed       uint64
	rows, cols int
	maxValue   float64
}

func newChestPhantom(seed uint64, rows, cols, bits int) chestPhantom {
	return chestPhantom{seed: mix64(seed ^ 0xC4E57), rows: rows, cols: cols, maxValue: float64(int(1)<<bits - 1)}
}

func (p chestPhantom) image() []uint16 {
	s := float64(p.cols)
	markings := newFractal(p.seed^1, s/25, 4, 0)
	broad := newFractal(p.seed^2, s/4, 3, 0)
	step := max(2, p.cols/256)
	tex := newGrid(p.rows, p.cols, step, func(x, y float64) float64 { return markings.at(x, y) })
	low := newGrid(p.rows, p.cols, step*4, func(x, y float64) float64 { return broad.at(x, y) })
	rng := newRand(p.seed, "chest")
	tilt := (rng.Float64() - 0.5) * 0.04
	out := make([]uint16, p.rows*p.cols)
	aspect := float64(p.rows) / float64(p.cols)
	parallelRows(p.rows, func(y int) {
		v := (float64(y) + 0.5) / float64(p.cols) // 0 at top, aspect at bottom
		for x := 0; x < p.cols; x++ {
			u := (float64(x)+0.5)/float64(p.cols) - 0.5 + tilt*(v-aspect/2)
			// Attenuation in arbitrary units.
			a := 0.05 // direct exposure
			// Body: neck, shoulders, trunk.
			half := 0.09 + 0.33*smoothstep(0.05*aspect, 0.22*aspect, v)
			if math.Abs(u) < half {
				a = 0.55 + 0.1*low.at(x, y)
				edge := (half - math.Abs(u)) / 0.06
				a *= 0.6 + 0.4*smoothstep(0, 1, edge)
				// Lungs.
				top, bottom := 0.17*aspect, 0.72*aspect
				for _, sd := range [2]float64{-1, 1} {
					cx := sd * 0.19
					w := 0.15 * math.Sqrt(max(0, smoothstep(top-0.02, top+0.12, v)))
					dome := bottom - 0.05*aspect*math.Cos((u-cx)/0.18*math.Pi/2)
					if sd > 0 {
						dome += 0.03 * aspect // the left dome sits lower under the heart... in image terms, right
					}
					if math.Abs(u-cx) < w && v > top && v < dome {
						d := min(w-math.Abs(u-cx), v-top, dome-v) / 0.03
						a -= 0.3 * smoothstep(0, 1, d)
						a += 0.06 * tex.at(x, y) // vascular markings
						if m := tex.at(x, y); m > 0.35 {
							a += 0.25 * (m - 0.35)
						}
					}
				}
				// Heart: bulges to the patient's left (image right).
				if ellipse(u, v, 0.07, 0.55*aspect, 0.15, 0.12*aspect) < 1 {
					a = max(a, 0.5+0.05*low.at(x, y))
				}
				// Spine and mediastinum.
				if math.Abs(u) < 0.045 {
					a += 0.12 + 0.03*math.Cos(v*2*math.Pi/0.045)
				}
				// Ribs: posterior arcs, 10 per side.
				for i := 0; i < 10; i++ {
					y0 := (0.16 + 0.056*float64(i)) * aspect
					for _, sd := range [2]float64{-1, 1} {
						du := sd*u - 0.02
						if du < 0 || du > 0.36 {
							continue
						}
						yc := y0 + 0.5*du*du - 0.08*du + 0.15*du*du*du
						if d := math.Abs(v - yc); d < 0.011 {
							a += 0.09 * (1 - d/0.011*0.5)
						}
					}
				}
				// Clavicles.
				for _, sd := range [2]float64{-1, 1} {
					du := sd * u
					if du > 0.03 && du < 0.3 {
						yc := 0.15*aspect - 0.12*(du-0.03)
						if math.Abs(v-yc) < 0.012 {
							a += 0.14
						}
					}
				}
			}
			val := a*0.85*p.maxValue + 0.004*p.maxValue*gauss(hash3(p.seed, x, y, 0))
			// Collimation: unexposed border, white after processing.
			if x < p.cols/40 || x >= p.cols-p.cols/40 || y < p.rows/60 || y >= p.rows-p.rows/60 {
				val = 0.95 * p.maxValue
			}
			out[y*p.cols+x] = uint16(clamp(math.Round(val), 0, p.maxValue))
		}
	})
	return out
}
