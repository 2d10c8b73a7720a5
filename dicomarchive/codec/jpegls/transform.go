package jpegls

// inverseTransform undoes an HP colour transform in place on
// pixel-interleaved samples (CharLS's colortransform.h, itself HP's).
func inverseTransform(in *Info, out []byte) error {
	if len(in.Components) != 3 || in.Subsampled() {
		return UnsupportedError("colour transform on other than three full-size components")
	}
	rng := 1 << in.BitsPerSample
	mask := rng - 1
	half, quarter := rng/2, rng/4
	get, set := sampleAccess(in, out)
	n := in.Width * in.Height
	for i := range n {
		v1, v2, v3 := get(3*i), get(3*i+1), get(3*i+2)
		var r, g, b int
		switch in.ColorTransform {
		case TransformHP1:
			r, g, b = v1+v2-half, v2, v3+v2-half
		case TransformHP2:
			r = (v1 + v2 - half) & mask
			g = v2
			b = v3 + ((r + g) >> 1) - half
		case TransformHP3:
			g = (v1 - ((v3 + v2) >> 2) + quarter) & mask
			r = v3 + g - half
			b = v2 + g - half
		}
		set(3*i, r&mask)
		set(3*i+1, g&mask)
		set(3*i+2, b&mask)
	}
	return nil
}

// forwardTransform applies an HP colour transform to pixel-interleaved
// samples, into a copy.
func forwardTransform(t ColorTransform, in *Info, src []byte) []byte {
	out := make([]byte, len(src))
	rng := 1 << in.BitsPerSample
	mask := rng - 1
	half, quarter := rng/2, rng/4
	get, _ := sampleAccess(in, src)
	_, set := sampleAccess(in, out)
	n := in.Width * in.Height
	for i := range n {
		r, g, b := get(3*i), get(3*i+1), get(3*i+2)
		var v1, v2, v3 int
		switch t {
		case TransformHP1:
			v1, v2, v3 = r-g+half, g, b-g+half
		case TransformHP2:
			v1, v2, v3 = r-g+half, g, b-((r+g)>>1)+half
		case TransformHP3:
			v2 = (b - g + half) & mask
			v3 = (r - g + half) & mask
			v1 = g + ((v2 + v3) >> 2) - quarter
		}
		set(3*i, v1&mask)
		set(3*i+1, v2&mask)
		set(3*i+2, v3&mask)
	}
	return out
}

func sampleAccess(in *Info, b []byte) (func(int) int, func(int, int)) {
	if in.BitsPerSample <= 8 {
		return func(i int) int { return int(b[i]) }, func(i, v int) { b[i] = byte(v) }
	}
	return func(i int) int { return int(b[2*i]) | int(b[2*i+1])<<8 },
		func(i, v int) { b[2*i] = byte(v); b[2*i+1] = byte(v >> 8) }
}
