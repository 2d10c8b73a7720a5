package synth

import (
	"image"
	"image/color"
	"math"
)

// usPhantom is a B-mode breast ultrasound: a fan-shaped sector, tissue
// layers (skin, fat lobules, glandular tissue, pectoral muscle, rib
// shadow), an anechoic cyst with posterior enhancement, and speckle, the
// multiplicative, laterally elongated grain that defines ultrasound
// texture.
type usPhantom struct {
	seed       uint64
	rows, cols int
}

// image returns the 8-bit grey image (text not yet burned in).
func (p usPhantom) image() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, p.cols, p.rows))
	rows, cols := float64(p.rows), float64(p.cols)
	ax, ay := cols/2, 0.06*rows // apex
	r0, r1 := 0.03*rows, 0.9*rows
	half := 0.6 // half-angle, radians
	layers := newFractal(p.seed^1, rows/6, 3, 0)
	lob := newFractal(p.seed^2, rows/14, 3, 0)
	tex := newGrid(p.rows, p.cols, 2, func(x, y float64) float64 {
		return layers.at(x, y)
	})
	lobules := newGrid(p.rows, p.cols, 2, func(x, y float64) float64 { return lob.at(x, y) })
	rng := newRand(p.seed, "us")
	cx, cy := ax+(rng.Float64()-0.5)*0.3*cols, ay+r1*(0.4+0.15*rng.Float64())
	ca, cb := 0.07*cols*(0.8+0.4*rng.Float64()), 0.05*rows*(0.8+0.4*rng.Float64())
	parallelRows(p.rows, func(y int) {
		fy := float64(y) + 0.5
		for x := 0; x < p.cols; x++ {
			fx := float64(x) + 0.5
			dx, dy := fx-ax, fy-ay
			r := math.Hypot(dx, dy)
			th := math.Atan2(dx, dy)
			var v float64
			if r > r0 && r < r1 && math.Abs(th) < half {
				depth := (r - r0) / (r1 - r0)
				// Layers follow the probe's curvature: depth in the
				// tissue is the radius.
				wobble := 0.04 * tex.at(x, y)
				dd := depth + wobble
				var e float64
				switch {
				case dd < 0.04:
					e = 200 // skin
				case dd < 0.3:
					e = 70 + 60*smoothstep(0.1, 0.5, lobules.at(x, y)) // fat lobules
				case dd < 0.62:
					e = 150 + 40*tex.at(x, y) // glandular tissue
				case dd < 0.78:
					// Pectoral muscle: striations.
					e = 90 + 40*math.Sin(dd*120+3*tex.at(x, y))
				default:
					e = 40 // deep, attenuated
					if math.Abs(th-0.15) < 0.12 {
						e = 10 // rib shadow
					}
				}
				// Cyst: anechoic, bright posterior wall, enhancement below.
				if q := ellipse(fx, fy, cx, cy, ca, cb); q < 1 {
					e = 4
				} else if q < 1.15 && fy > cy {
					e = 230
				} else if math.Abs(fx-cx) < ca*0.9 && fy > cy {
					e *= 1.45
				}
				// Speckle: Rayleigh-distributed amplitude on a grain
				// stretched laterally.
				s := speckle(p.seed, fx/2.6, fy/1.3)
				v = e * s * (1 - 0.25*depth)
			}
			img.Pix[y*img.Stride+x] = uint8(clamp(v, 0, 255))
		}
	})
	// Depth scale: a tick every tenth of the depth, right of the sector.
	tx := int(ax+r1*math.Sin(half)) + 6
	for i := 0; i <= 10; i++ {
		ty := int(ay + r0 + (r1-r0)*float64(i)/10)
		w := 4
		if i%5 == 0 {
			w = 8
		}
		for x := tx; x < min(tx+w, p.cols); x++ {
			for y := ty; y < min(ty+2, p.rows); y++ {
				img.SetGray(x, y, color.Gray{220})
			}
		}
	}
	return img
}

// speckle is the interpolated Rayleigh amplitude (mean about 1) at (u, v)
// of a unit lattice.
func speckle(seed uint64, u, v float64) float64 {
	iu, iv := math.Floor(u), math.Floor(v)
	tu, tv := u-iu, v-iv
	at := func(i, j int) float64 {
		w := unit(hash3(seed, int(iu)+i, int(iv)+j, 7))
		return math.Sqrt(-2*math.Log(1-w)) * 0.8
	}
	a := at(0, 0) + (at(1, 0)-at(0, 0))*tu
	b := at(0, 1) + (at(1, 1)-at(0, 1))*tu
	return a + (b-a)*tv
}
