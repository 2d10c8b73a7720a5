package synth

import (
	"runtime"
	"sync"
)

// grid is a smooth field sampled every step pixels and bilinearly
// interpolated: fractal texture for a 13-megapixel mammogram at 1/step² of
// the cost of evaluating it at every pixel.
type grid struct {
	step, w, h int
	v          []float32
}

func newGrid(rows, cols, step int, f func(x, y float64) float64) *grid {
	g := &grid{step: step, w: cols/step + 2, h: rows/step + 2}
	g.v = make([]float32, g.w*g.h)
	parallelRows(g.h, func(j int) {
		for i := 0; i < g.w; i++ {
			g.v[j*g.w+i] = float32(f(float64(i*step), float64(j*step)))
		}
	})
	return g
}

func (g *grid) at(x, y int) float64 {
	i, j := x/g.step, y/g.step
	fx := float32(x-i*g.step) / float32(g.step)
	fy := float32(y-j*g.step) / float32(g.step)
	k := j*g.w + i
	a := g.v[k] + (g.v[k+1]-g.v[k])*fx
	b := g.v[k+g.w] + (g.v[k+g.w+1]-g.v[k+g.w])*fx
	return float64(a + (b-a)*fy)
}

// parallelRows calls fn for every row in [0, rows), spread over the
// available CPUs. Pixels are pure functions of their coordinates, so the
// result does not depend on the scheduling.
func parallelRows(rows int, fn func(y int)) {
	workers := min(runtime.GOMAXPROCS(0), rows)
	if workers <= 1 {
		for y := 0; y < rows; y++ {
			fn(y)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (rows + workers - 1) / workers
	for w := 0; w < workers; w++ {
		y0, y1 := w*chunk, min((w+1)*chunk, rows)
		if y0 >= y1 {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for y := y0; y < y1; y++ {
				fn(y)
			}
		}()
	}
	wg.Wait()
}

// ellipse returns the squared normalised radius of (x, y) in the ellipse
// centred on (cx, cy) with semi-axes a, b: < 1 inside.
func ellipse(x, y, cx, cy, a, b float64) float64 {
	dx, dy := (x-cx)/a, (y-cy)/b
	return dx*dx + dy*dy
}

// bump is 1 at c, falling to 0 at c±w (a parabola), 0 outside: how much
// of an organ is present at a body position.
func bump(t, c, w float64) float64 {
	d := (t - c) / w
	return max(0, 1-d*d)
}

// smoothstep is 0 below e0, 1 above e1, smooth in between.
func smoothstep(e0, e1, x float64) float64 {
	t := clamp((x-e0)/(e1-e0), 0, 1)
	return t * t * (3 - 2*t)
}
