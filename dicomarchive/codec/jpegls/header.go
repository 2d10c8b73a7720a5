package jpegls

import (
	"encoding/binary"
	"fmt"
)

// Marker codes (ITU-T T.81 B.1.1.3 and T.87 C.1).
const (
	mSOI   = 0xD8
	mEOI   = 0xD9
	mSOS   = 0xDA
	mDNL   = 0xDC
	mDRI   = 0xDD
	mRST0  = 0xD0
	mSOF55 = 0xF7
	mLSE   = 0xF8
	mAPP8  = 0xE8
	mCOM   = 0xFE
)

// Interleave is the interleave mode of a scan (ILV, C.2.3).
type Interleave int

// Interleave modes.
const (
	InterleaveNone   Interleave = 0 // one component per scan
	InterleaveLine   Interleave = 1 // a line of each component in turn
	InterleaveSample Interleave = 2 // the samples of a pixel together
)

func (m Interleave) String() string {
	switch m {
	case InterleaveNone:
		return "none"
	case InterleaveLine:
		return "line"
	case InterleaveSample:
		return "sample"
	}
	return fmt.Sprintf("Interleave(%d)", int(m))
}

// ColorTransform is the HP colour transform signalled by CharLS and HP's
// encoders in an APP8 "mrfx" segment. DICOM never uses it (PS3.5 8.2.3
// keeps the colour space in Photometric Interpretation), but streams
// exported from other tools may carry it, so the decoder undoes it.
type ColorTransform int

// Colour transforms.
const (
	TransformNone ColorTransform = 0
	TransformHP1  ColorTransform = 1
	TransformHP2  ColorTransform = 2
	TransformHP3  ColorTransform = 3
)

// Component describes one image component as declared in the frame header.
type Component struct {
	ID   int
	H, V int // sampling factors, 1..4
	// Width and Height are the component's own dimensions (smaller than
	// the image's when subsampled).
	Width, Height int
}

// Info describes a JPEG-LS image as its headers declare it.
type Info struct {
	Width, Height   int
	BitsPerSample   int
	Components      []Component
	Near            int // largest NEAR among the scans seen
	Interleave      Interleave
	RestartInterval int // lines between restart markers, 0 for none
	Preset          Preset
	ColorTransform  ColorTransform
}

// Subsampled reports whether components differ in size; the decoder then
// writes component planes one after the other instead of interleaving.
func (in *Info) Subsampled() bool {
	for _, c := range in.Components {
		if c.Width != in.Width || c.Height != in.Height {
			return true
		}
	}
	return false
}

// BytesPerSample is 1 up to 8 bits, 2 beyond.
func (in *Info) BytesPerSample() int {
	if in.BitsPerSample <= 8 {
		return 1
	}
	return 2
}

// Size is the number of bytes the decoded image takes.
func (in *Info) Size() int {
	n := 0
	for _, c := range in.Components {
		n += c.Width * c.Height
	}
	return n * in.BytesPerSample()
}

// scanHeader is one SOS segment.
type scanHeader struct {
	comps []int // indices into Info.Components
	near  int
	ilv   Interleave
}

// parser walks the marker segments of a stream.
type parser struct {
	data []byte
	pos  int
}

func (p *parser) u16(off int) int { return int(binary.BigEndian.Uint16(p.data[off:])) }

// nextMarker returns the next marker code, skipping fill bytes.
func (p *parser) nextMarker() (byte, error) {
	if p.pos+2 > len(p.data) {
		return 0, truncatedErr(p.pos)
	}
	if p.data[p.pos] != 0xFF {
		return 0, formatErr(p.pos, "expected a marker, found 0x%02X", p.data[p.pos])
	}
	p.pos++
	for p.pos < len(p.data) && p.data[p.pos] == 0xFF {
		p.pos++
	}
	if p.pos >= len(p.data) {
		return 0, truncatedErr(p.pos)
	}
	m := p.data[p.pos]
	p.pos++
	return m, nil
}

// segment returns the payload of a marker segment with a length field.
func (p *parser) segment() ([]byte, int, error) {
	if p.pos+2 > len(p.data) {
		return nil, p.pos, truncatedErr(p.pos)
	}
	n := p.u16(p.pos)
	if n < 2 {
		return nil, p.pos, formatErr(p.pos, "segment length %d", n)
	}
	if p.pos+n > len(p.data) {
		return nil, p.pos, truncatedErr(p.pos)
	}
	start := p.pos + 2
	p.pos += n
	return p.data[start:p.pos], start, nil
}

// frameState accumulates what the headers declare.
type frameState struct {
	info      Info
	haveFrame bool
	preset    Preset
	// done marks components already decoded by a scan.
	done [4]bool
}

func (fs *frameState) readSOF(seg []byte, off int) error {
	if fs.haveFrame {
		return formatErr(off, "second frame header")
	}
	if len(seg) < 6 {
		return formatErr(off, "short frame header")
	}
	in := &fs.info
	in.BitsPerSample = int(seg[0])
	in.Height = int(binary.BigEndian.Uint16(seg[1:]))
	in.Width = int(binary.BigEndian.Uint16(seg[3:]))
	nc := int(seg[5])
	if in.BitsPerSample < 2 || in.BitsPerSample > 16 {
		return formatErr(off, "sample precision %d outside 2..16", in.BitsPerSample)
	}
	if nc < 1 || nc > 4 {
		if nc > 4 {
			return UnsupportedError(fmt.Sprintf("%d components (at most 4)", nc))
		}
		return formatErr(off, "no component")
	}
	if len(seg) != 6+3*nc {
		return formatErr(off, "frame header length %d for %d components", len(seg)+2, nc)
	}
	in.Components = make([]Component, nc)
	for i := range nc {
		c := seg[6+3*i:]
		h, v := int(c[1]>>4), int(c[1]&15)
		if h < 1 || h > 4 || v < 1 || v > 4 {
			return formatErr(off, "component %d sampling factors %dx%d", i, h, v)
		}
		for j := range i {
			if in.Components[j].ID == int(c[0]) {
				return formatErr(off, "duplicate component id %d", c[0])
			}
		}
		in.Components[i] = Component{ID: int(c[0]), H: h, V: v}
	}
	fs.haveFrame = true
	return nil
}

// finishFrame computes component sizes once the dimensions are final
// (an LSE type 4 segment may enlarge them after the frame header).
func (fs *frameState) finishFrame(off int) error {
	in := &fs.info
	if in.Width == 0 || in.Height == 0 {
		return UnsupportedError("image dimensions of zero (a DNL marker) are not supported")
	}
	hmax, vmax := 1, 1
	for _, c := range in.Components {
		hmax, vmax = max(hmax, c.H), max(vmax, c.V)
	}
	for i := range in.Components {
		c := &in.Components[i]
		c.Width = (in.Width*c.H + hmax - 1) / hmax
		c.Height = (in.Height*c.V + vmax - 1) / vmax
	}
	_ = off
	return nil
}

func (fs *frameState) readLSE(seg []byte, off int) error {
	if len(seg) < 1 {
		return formatErr(off, "empty LSE segment")
	}
	switch seg[0] {
	case 1:
		if len(seg) != 11 {
			return formatErr(off, "LSE preset parameters of length %d", len(seg)+2)
		}
		fs.preset = Preset{
			MaxVal: int(binary.BigEndian.Uint16(seg[1:])),
			T1:     int(binary.BigEndian.Uint16(seg[3:])),
			T2:     int(binary.BigEndian.Uint16(seg[5:])),
			T3:     int(binary.BigEndian.Uint16(seg[7:])),
			Reset:  int(binary.BigEndian.Uint16(seg[9:])),
		}
		fs.info.Preset = fs.preset
		return nil
	case 2, 3:
		return UnsupportedError("mapping tables (LSE types 2 and 3)")
	case 4:
		if len(seg) < 2 {
			return formatErr(off, "short LSE oversize segment")
		}
		w := int(seg[1])
		if w < 2 || w > 4 || len(seg) != 2+2*w {
			return formatErr(off, "LSE oversize segment with Wxy=%d", w)
		}
		rd := func(b []byte) int {
			v := 0
			for _, x := range b {
				v = v<<8 | int(x)
			}
			return v
		}
		h, wd := rd(seg[2:2+w]), rd(seg[2+w:2+2*w])
		if h > 1<<31-1 || wd > 1<<31-1 {
			return formatErr(off, "oversize dimensions %dx%d", wd, h)
		}
		fs.info.Height, fs.info.Width = h, wd
		return nil
	}
	return UnsupportedError(fmt.Sprintf("LSE segment of type %d", seg[0]))
}

func (fs *frameState) readSOS(seg []byte, off int) (scanHeader, error) {
	var sh scanHeader
	if !fs.haveFrame {
		return sh, formatErr(off, "scan before frame header")
	}
	if len(seg) < 1 {
		return sh, formatErr(off, "short scan header")
	}
	ns := int(seg[0])
	if ns < 1 || ns > len(fs.info.Components) || len(seg) != 4+2*ns {
		return sh, formatErr(off, "scan header with %d components", ns)
	}
	for i := range ns {
		id := int(seg[1+2*i])
		if seg[2+2*i] != 0 {
			return sh, UnsupportedError("mapping tables")
		}
		idx := -1
		for j, c := range fs.info.Components {
			if c.ID == id {
				idx = j
			}
		}
		if idx < 0 {
			return sh, formatErr(off, "scan names unknown component %d", id)
		}
		if fs.done[idx] {
			return sh, formatErr(off, "component %d coded twice", id)
		}
		for _, o := range sh.comps {
			if o == idx {
				return sh, formatErr(off, "component %d twice in a scan", id)
			}
		}
		sh.comps = append(sh.comps, idx)
	}
	rest := seg[1+2*ns:]
	sh.near = int(rest[0])
	sh.ilv = Interleave(rest[1])
	if rest[2] != 0 {
		return sh, UnsupportedError("point transform")
	}
	if sh.ilv > InterleaveSample {
		return sh, formatErr(off, "interleave mode %d", sh.ilv)
	}
	if ns == 1 {
		sh.ilv = InterleaveNone
	} else if sh.ilv == InterleaveNone {
		return sh, formatErr(off, "%d components in a non-interleaved scan", ns)
	}
	if sh.ilv == InterleaveSample {
		for _, c := range sh.comps {
			cc := fs.info.Components[c]
			if cc.Width != fs.info.Width || cc.Height != fs.info.Height {
				return sh, UnsupportedError("subsampled components in a sample-interleaved scan")
			}
		}
	}
	return sh, nil
}

func (fs *frameState) readDRI(seg []byte, off int) error {
	switch len(seg) {
	case 2, 3, 4:
		v := 0
		for _, x := range seg {
			v = v<<8 | int(x)
		}
		fs.info.RestartInterval = v
		return nil
	}
	return formatErr(off, "DRI segment of length %d", len(seg)+2)
}

func (fs *frameState) readAPP8(seg []byte, off int) error {
	if len(seg) == 5 && string(seg[:4]) == "mrfx" {
		t := ColorTransform(seg[4])
		if t > TransformHP3 {
			return UnsupportedError(fmt.Sprintf("colour transform %d", t))
		}
		fs.info.ColorTransform = t
	}
	_ = off
	return nil
}

// ReadInfo parses the headers of a JPEG-LS stream up to its first scan,
// without decoding pixels, like image/png's DecodeConfig: enough to check
// dimensions against a limit or to size a buffer.
func ReadInfo(src []byte) (Info, error) {
	p := parser{data: src}
	var fs frameState
	m, err := p.nextMarker()
	if err != nil {
		return Info{}, err
	}
	if m != mSOI {
		return Info{}, formatErr(0, "missing start-of-image marker")
	}
	for {
		at := p.pos
		m, err := p.nextMarker()
		if err != nil {
			return Info{}, err
		}
		switch {
		case m == mSOS:
			seg, off, err := p.segment()
			if err != nil {
				return Info{}, err
			}
			if err := fs.finishFrame(off); err != nil {
				return Info{}, err
			}
			sh, err := fs.readSOS(seg, off)
			if err != nil {
				return Info{}, err
			}
			fs.info.Near = sh.near
			fs.info.Interleave = sh.ilv
			return fs.info, nil
		case m == mEOI:
			return Info{}, formatErr(at, "end of image before any scan")
		default:
			if err := fs.headerSegment(&p, m, at); err != nil {
				return Info{}, err
			}
		}
	}
}

// headerSegment handles a marker segment other than SOS and EOI.
func (fs *frameState) headerSegment(p *parser, m byte, at int) error {
	switch {
	case m == mSOF55:
		seg, off, err := p.segment()
		if err != nil {
			return err
		}
		return fs.readSOF(seg, off)
	case m == mLSE:
		seg, off, err := p.segment()
		if err != nil {
			return err
		}
		return fs.readLSE(seg, off)
	case m == mDRI:
		seg, off, err := p.segment()
		if err != nil {
			return err
		}
		return fs.readDRI(seg, off)
	case m == mAPP8:
		seg, off, err := p.segment()
		if err != nil {
			return err
		}
		return fs.readAPP8(seg, off)
	case m >= 0xE0 && m <= 0xEF, m == mCOM:
		_, _, err := p.segment()
		return err
	case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
		return UnsupportedError(fmt.Sprintf("JPEG process SOF%d (not JPEG-LS)", m-0xC0))
	case m == mDNL:
		return UnsupportedError("DNL marker")
	case m >= mRST0 && m <= mRST0+7:
		return formatErr(at, "restart marker outside a scan")
	}
	return formatErr(at, "unexpected marker 0x%02X", m)
}
