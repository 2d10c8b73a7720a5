package ljpeg

import "fmt"

type scan struct {
	comps  []int
	tables []*huffman
	pred   int
	pt     int
}

func parseScan(seg []byte, off int, fr *frame) (scan, error) {
	var sc scan
	if len(seg) < 1 {
		return sc, formatErr(off, "short scan header")
	}
	ns := int(seg[0])
	if ns < 1 || ns > len(fr.comps) || len(seg) != 4+2*ns {
		return sc, formatErr(off, "scan header with %d components", ns)
	}
	for i := range ns {
		id, td := int(seg[1+2*i]), int(seg[2+2*i]>>4)
		idx := -1
		for j, c := range fr.comps {
			if c.id == id {
				idx = j
			}
		}
		if idx < 0 || fr.comps[idx].done {
			return sc, formatErr(off, "scan component %d unknown or coded twice", id)
		}
		if td > 3 || !fr.tables[td].ok {
			return sc, formatErr(off, "scan uses undefined Huffman table %d", td)
		}
		fr.comps[idx].done = true
		sc.comps = append(sc.comps, idx)
		sc.tables = append(sc.tables, &fr.tables[td])
	}
	sc.pred = int(seg[1+2*ns])
	if sc.pred < 1 || sc.pred > 7 {
		return sc, formatErr(off, "predictor %d (lossless JPEG needs 1..7)", sc.pred)
	}
	sc.pt = int(seg[3+2*ns] & 15)
	if sc.pt >= fr.precision {
		return sc, formatErr(off, "point transform %d for %d-bit samples", sc.pt, fr.precision)
	}
	return sc, nil
}

// bitReader reads Huffman-coded bits, removing the 0x00 stuffed after
// 0xFF (T.81 F.1.2.3). At a marker it supplies zeros and counts them.
type bitReader struct {
	data   []byte
	pos    int
	cache  uint64
	valid  int
	padded int
}

func (r *bitReader) fill() {
	for r.valid <= 56 {
		if r.pos >= len(r.data) {
			r.padded += 8
			r.valid += 8
			continue
		}
		b := r.data[r.pos]
		if b == 0xFF {
			if r.pos+1 < len(r.data) && r.data[r.pos+1] == 0 {
				r.pos += 2
			} else {
				r.padded += 8 // a marker: zeros until the caller handles it
				r.valid += 8
				continue
			}
		} else {
			r.pos++
		}
		r.cache |= uint64(b) << uint(56-r.valid)
		r.valid += 8
	}
}

func (r *bitReader) bits(n int) int {
	if r.valid < n {
		r.fill()
	}
	v := int(r.cache >> 1 >> uint(63-n))
	r.cache <<= uint(n)
	r.valid -= n
	return v
}

// restart drops the bits left in the current byte and reads the restart
// marker RSTm.
func (r *bitReader) restart(m int, base int) error {
	r.cache, r.valid, r.padded = 0, 0, 0
	for r.pos < len(r.data) && r.data[r.pos] == 0xFF && r.pos+1 < len(r.data) && r.data[r.pos+1] == 0xFF {
		r.pos++
	}
	if r.pos+1 >= len(r.data) || r.data[r.pos] != 0xFF || int(r.data[r.pos+1]) != 0xD0+m {
		return formatErr(base+r.pos, "restart marker RST%d missing", m)
	}
	r.pos += 2
	return nil
}

func (r *bitReader) decode(h *huffman, base int) (int, error) {
	if r.valid < 16 {
		r.fill()
	}
	if e := h.lookup[r.cache>>55]; e != 0 {
		l := int(e & 0xFF)
		r.cache <<= uint(l)
		r.valid -= l
		return int(e >> 8), nil
	}
	for l := 10; l <= 16; l++ {
		code := int32(r.cache >> uint(64-l))
		if code <= h.maxcode[l] {
			r.cache <<= uint(l)
			r.valid -= l
			i := h.valptr[l] + code - h.mincode[l]
			if i < 0 || int(i) >= len(h.vals) {
				break
			}
			return int(h.vals[i]), nil
		}
	}
	return 0, formatErr(base+r.pos, "invalid Huffman code")
}

func decodeScan(fr *frame, sc scan, data []byte, base int, out []byte) error {
	w, h := fr.width, fr.height
	nc, ns := len(fr.comps), len(sc.comps)
	bps := 1
	if fr.precision > 8 {
		bps = 2
	}
	pt := sc.pt
	initial := 1 << (fr.precision - pt - 1)
	mask := 1<<fr.precision - 1
	lines := make([]int32, 2*ns*w)
	prev, cur := lines[:ns*w], lines[ns*w:]
	br := bitReader{data: data}
	mcus := 0
	rst := 0
	first := true // on the first line of the scan or of a restart interval
	for y := range h {
		for x := range w {
			reset := x == 0 && y == 0
			if fr.restart > 0 && mcus > 0 && mcus%fr.restart == 0 {
				if err := br.restart(rst, base); err != nil {
					return err
				}
				rst = (rst + 1) & 7
				reset, first = true, true
			}
			for j := range ns {
				var px int
				switch {
				case reset:
					px = initial
				case first:
					px = int(cur[j*w+x-1])
				case x == 0:
					px = int(prev[j*w])
				default:
					ra, rb, rc := int(cur[j*w+x-1]), int(prev[j*w+x]), int(prev[j*w+x-1])
					switch sc.pred {
					case 1:
						px = ra
					case 2:
						px = rb
					case 3:
						px = rc
					case 4:
						px = ra + rb - rc
					case 5:
						px = ra + (rb-rc)>>1
					case 6:
						px = rb + (ra-rc)>>1
					case 7:
						px = (ra + rb) >> 1
					}
				}
				s, err := br.decode(sc.tables[j], base)
				if err != nil {
					return err
				}
				var diff int
				switch {
				case s == 0:
				case s == 16:
					diff = 32768
				case s > 16:
					return formatErr(base+br.pos, "difference category %d", s)
				default:
					v := br.bits(s)
					if v < 1<<(s-1) {
						v -= 1<<s - 1
					}
					diff = v
				}
				v := (px + diff) & 0xFFFF
				cur[j*w+x] = int32(v)
				o := (v << pt) & mask
				i := (y*w+x)*nc + sc.comps[j]
				if bps == 1 {
					out[i] = byte(o)
				} else {
					out[2*i], out[2*i+1] = byte(o), byte(o>>8)
				}
			}
			mcus++
		}
		prev, cur = cur, prev
		first = false
	}
	if br.padded > br.valid {
		return &FormatError{Offset: int64(base + len(data)), Msg: fmt.Sprintf("scan data ends %d bits early", br.padded-br.valid), Err: ErrTruncated}
	}
	return nil
}
