package jpegls

import (
	"math"
	"math/rand/v2"
	"testing"
)

// phantom makes a medical-looking image: a smooth body on an empty
// background with structures and noise, like a CT slice (bits 12) or a
// mammogram (bits 14).
func phantom(w, h, bits int, seed uint64) (Frame, []byte) {
	r := rand.New(rand.NewPCG(seed, 11))
	f := Frame{w, h, 1, bits}
	b := make([]byte, f.size())
	maxval := float64(int(1)<<bits - 1)
	cx, cy := float64(w)/2, float64(h)/2
	rx, ry := 0.42*float64(w), 0.45*float64(h)
	for y := range h {
		for x := range w {
			dx, dy := (float64(x)-cx)/rx, (float64(y)-cy)/ry
			d := dx*dx + dy*dy
			v := 0.0
			if d < 1 {
				v = maxval * (0.25 + 0.15*math.Sin(float64(x)/23)*math.Cos(float64(y)/31) + 0.2*(1-d))
				if (x/40+y/40)%7 == 0 {
					v += maxval * 0.2
				}
				v += r.NormFloat64() * maxval / 400
			}
			iv := int(max(0, min(v, maxval)))
			if bits <= 8 {
				b[y*w+x] = byte(iv)
			} else {
				b[2*(y*w+x)] = byte(iv)
				b[2*(y*w+x)+1] = byte(iv >> 8)
			}
		}
	}
	return f, b
}

var benchImages = []struct {
	name       string
	w, h, bits int
}{
	{"CT512x512x12", 512, 512, 12},
	{"MG3328x4096x14", 3328, 4096, 14},
}

func BenchmarkDecode(b *testing.B) {
	for _, im := range benchImages {
		f, raw := phantom(im.w, im.h, im.bits, 1)
		for _, ri := range []int{0, 256} {
			e, _ := NewEncoder(nil, WithRestartInterval(ri))
			enc, _ := e.EncodeAll(f, raw, nil)
			for _, conc := range []int{1, 2} {
				if ri == 0 && conc > 1 {
					continue
				}
				name := im.name
				if ri > 0 {
					name += "/restart"
				}
				if conc > 1 {
					name += "/2cores"
				}
				b.Run(name, func(b *testing.B) {
					d, _ := NewDecoder(nil, WithDecoderConcurrency(conc))
					dst := make([]byte, 0, len(raw))
					b.SetBytes(int64(len(raw)))
					b.ReportAllocs()
					b.ReportMetric(float64(len(raw))/float64(len(enc)), "ratio")
					for b.Loop() {
						if _, err := d.DecodeAll(enc, dst[:0]); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, im := range benchImages {
		f, raw := phantom(im.w, im.h, im.bits, 1)
		for _, ri := range []int{0, 256} {
			for _, conc := range []int{1, 2} {
				if ri == 0 && conc > 1 {
					continue
				}
				name := im.name
				if ri > 0 {
					name += "/restart"
				}
				if conc > 1 {
					name += "/2cores"
				}
				b.Run(name, func(b *testing.B) {
					e, _ := NewEncoder(nil, WithRestartInterval(ri), WithEncoderConcurrency(conc))
					dst := make([]byte, 0, len(raw))
					b.SetBytes(int64(len(raw)))
					b.ReportAllocs()
					for b.Loop() {
						if _, err := e.EncodeAll(f, raw, dst[:0]); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
