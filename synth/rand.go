package synth

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// Every random stream is derived from the seed and a label rather than drawn
// from one shared generator: adding a draw to one generator (a new attribute,
// an extra name) must not shift the bytes of everything generated after it,
// and pixels must be computable in any order (a tomosynthesis frame on
// demand) without replaying a sequence.

// newRand returns a PCG generator for the (seed, label) stream.
func newRand(seed uint64, label string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(label))
	return rand.New(rand.NewPCG(seed, h.Sum64()^0x9e3779b97f4a7c15))
}

// mix64 is the splitmix64 finaliser: a cheap, well-distributed hash used for
// per-pixel noise.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash3 hashes integer coordinates under a seed.
func hash3(seed uint64, x, y, z int) uint64 {
	return mix64(seed ^ mix64(uint64(int64(x))*0x9e3779b97f4a7c15^uint64(int64(y))*0xc2b2ae3d27d4eb4f^uint64(int64(z))*0x165667b19e3779f9))
}

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// gauss maps a hash to an approximately standard normal value (sum of four
// uniforms, rescaled): cheap, bounded, and normal enough for image noise.
func gauss(h uint64) float64 {
	s := float64(h&0xffff) + float64(h>>16&0xffff) + float64(h>>32&0xffff) + float64(h>>48)
	// Sum of 4 U(0,65535): mean 131070, sd 65535*sqrt(4/12).
	return (s - 131070) / (65535 * 0.5773502691896258)
}

// lattice is value noise: random values on a coarse grid, smoothly
// interpolated. Sums of a few lattices at different scales give the
// organ-like texture that makes compression ratios realistic, which pure
// noise would not.
type lattice struct {
	seed  uint64
	scale float64 // pixels between grid points
	z     int
}

func smooth(t float64) float64 { return t * t * (3 - 2*t) }

// at returns the noise in [-1, 1] at (x, y).
func (l lattice) at(x, y float64) float64 {
	fx, fy := x/l.scale, y/l.scale
	ix, iy := math.Floor(fx), math.Floor(fy)
	tx, ty := smooth(fx-ix), smooth(fy-iy)
	x0, y0 := int(ix), int(iy)
	v := func(i, j int) float64 { return 2*unit(hash3(l.seed, x0+i, y0+j, l.z)) - 1 }
	a := v(0, 0) + (v(1, 0)-v(0, 0))*tx
	b := v(0, 1) + (v(1, 1)-v(0, 1))*tx
	return a + (b-a)*ty
}

// fractal is a sum of octaves of lattice noise, amplitudes halving as the
// scale halves; the result is roughly in [-1, 1].
type fractal []lattice

func newFractal(seed uint64, scale float64, octaves, z int) fractal {
	f := make(fractal, octaves)
	for i := range f {
		f[i] = lattice{seed: mix64(seed + uint64(i)), scale: scale, z: z}
		scale /= 2
	}
	return f
}

func (f fractal) at(x, y float64) float64 {
	var s, a, n float64 = 0, 1, 0
	for _, l := range f {
		s += a * l.at(x, y)
		n += a
		a /= 2
	}
	return s / n
}

// noise3 is lattice noise in three dimensions (x, y on a grid of the given
// scale, z on its own scale), for textures that vary smoothly between CT
// slices and tomosynthesis frames.
type noise3 struct {
	seed   uint64
	scale  float64
	zscale float64
}

func (n noise3) at(x, y, z float64) float64 {
	fz := z / n.zscale
	iz := math.Floor(fz)
	tz := smooth(fz - iz)
	a := lattice{seed: n.seed, scale: n.scale, z: int(iz)}.at(x, y)
	b := lattice{seed: n.seed, scale: n.scale, z: int(iz) + 1}.at(x, y)
	return a + (b-a)*tz
}

func clamp(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
