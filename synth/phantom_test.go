package synth

import (
	"math"
	"testing"
)

// corr is the Pearson correlation of a and b.
func corr(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		x, y := a[i]-ma, b[i]-mb
		sab += x * y
		saa += x * x
		sbb += y * y
	}
	return sab / math.Sqrt(saa*sbb)
}

// neighbourCorr is the correlation between horizontally adjacent pixels:
// close to 1 for structured images, close to 0 for noise.
func neighbourCorr(px []float64, rows, cols int) float64 {
	var a, b []float64
	for y := 0; y < rows; y++ {
		for x := 0; x+1 < cols; x++ {
			a = append(a, px[y*cols+x])
			b = append(b, px[y*cols+x+1])
		}
	}
	return corr(a, b)
}

func f64[T int16 | uint16 | uint8](v []T) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func stats(v []float64) (lo, hi, mean float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
		mean += x
	}
	return lo, hi, mean / float64(len(v))
}

func TestCTPhantom(t *testing.T) {
	p := newCTPhantom(1, 256, 256, 40)
	var prev []float64
	for _, z := range []int{5, 6, 30} {
		s := f64(p.slice(z))
		lo, hi, _ := stats(s)
		if lo < -1100 || hi > 2047 {
			t.Errorf("slice %d: HU range [%v, %v] outside 12-bit signed", z, lo, hi)
		}
		count := func(a, b float64) int {
			n := 0
			for _, v := range s {
				if v >= a && v <= b {
					n++
				}
			}
			return n
		}
		air, fat, soft, bone := count(-1100, -950), count(-150, -60), count(0, 100), count(700, 2047)
		if air < len(s)/10 || fat < 200 || soft < len(s)/20 || bone < 20 {
			t.Errorf("slice %d: air %d, fat %d, soft tissue %d, bone %d pixels: anatomy missing", z, air, fat, soft, bone)
		}
		if c := neighbourCorr(s, 256, 256); c < 0.9 {
			t.Errorf("slice %d: neighbour correlation %.3f, want > 0.9 (structure, not noise)", z, c)
		}
		if z == 6 {
			near := corr(prev, s)
			far := corr(s, f64(p.slice(30)))
			if near < 0.9 || near <= far {
				t.Errorf("adjacent slices correlation %.3f, distant %.3f: slices should vary smoothly", near, far)
			}
		}
		prev = s
	}
}

func TestMRPhantom(t *testing.T) {
	p := newMRPhantom(2, 128, 128, 10)
	s := f64(p.slice(5))
	lo, hi, mean := stats(s)
	if lo < 0 || hi > 4095 || hi-lo < 1500 || mean < 100 {
		t.Errorf("range [%v, %v], mean %v", lo, hi, mean)
	}
	if c := neighbourCorr(s, 128, 128); c < 0.85 {
		t.Errorf("neighbour correlation %.3f", c)
	}
}

func TestChestPhantom(t *testing.T) {
	p := newChestPhantom(3, 250, 200, 12)
	s := f64(p.image())
	lo, hi, _ := stats(s)
	if lo < 0 || hi > 4095 || hi-lo < 1500 {
		t.Errorf("range [%v, %v]", lo, hi)
	}
	if c := neighbourCorr(s, 250, 200); c < 0.9 {
		t.Errorf("neighbour correlation %.3f", c)
	}
}

func TestMGPhantom(t *testing.T) {
	const rows, cols = 512, 416
	for _, right := range []bool{true, false} {
		p := newMGPhantom(5, rows, cols, 14, right, true, 0)
		px := p.frame(-1)
		s := f64(px)
		lo, hi, _ := stats(s)
		if hi > 16383 || hi-lo < 5000 {
			t.Errorf("range [%v, %v]", lo, hi)
		}
		if c := neighbourCorr(s, rows, cols); c < 0.9 {
			t.Errorf("neighbour correlation %.3f", c)
		}
		// Chest wall side bright (breast), far side dark (background).
		// The chest wall is on the right of a right breast image.
		wall, far := 2, cols-3
		if right {
			wall, far = far, wall
		}
		y := rows / 2
		if px[y*cols+wall] < 3*px[y*cols+far] {
			t.Errorf("right=%v: chest wall %d, background %d", right, px[y*cols+wall], px[y*cols+far])
		}
	}
	// Tomosynthesis: neighbouring frames alike, distant ones less so.
	p := newMGPhantom(5, rows, cols, 14, false, false, 20)
	a, b, c := f64(p.frame(5)), f64(p.frame(6)), f64(p.frame(18))
	if near, far := corr(a, b), corr(a, c); near < 0.9 || near <= far {
		t.Errorf("frame correlations: adjacent %.3f, distant %.3f", near, far)
	}
}

func TestUSPhantom(t *testing.T) {
	img := usPhantom{seed: 9, rows: 240, cols: 320}.image()
	s := f64(img.Pix)
	_, hi, mean := stats(s)
	if hi < 150 || mean < 10 {
		t.Errorf("max %v, mean %v", hi, mean)
	}
	// Outside the fan (top corners) is black.
	if img.Pix[239*320+2] != 0 || img.Pix[5*320+2] != 0 {
		t.Error("corners not black")
	}
	if c := neighbourCorr(s, 240, 320); c < 0.6 {
		t.Errorf("neighbour correlation %.3f: speckle should be correlated", c)
	}
}
