package anonymize

import (
	"encoding/binary"
	"fmt"
	"image"
	"strings"

	"github.com/radkit/radkit/dicomio"
)

// UnsupportedPixelsError refuses pixel data whose layout the cleaner does
// not handle (bit depth, photometric interpretation).
type UnsupportedPixelsError struct{ Reason string }

func (e *UnsupportedPixelsError) Error() string {
	return "anonymize: cannot clean pixel data: " + e.Reason
}

// pixelLayout describes native pixel data.
type pixelLayout struct {
	rows, cols, spp, frames int
	bytesPerSample          int
	planar                  bool
	photometric             string
	signed                  bool
	bitsStored              int
}

func layoutOf(ds *dicomio.Dataset) (pixelLayout, error) {
	var l pixelLayout
	geti := func(t dicomio.Tag, def int64) int64 {
		v, err := ds.Int(t)
		if err != nil {
			return def
		}
		return v
	}
	l.rows = int(geti(dicomio.TagRows, 0))
	l.cols = int(geti(dicomio.TagColumns, 0))
	l.spp = int(geti(dicomio.TagSamplesPerPixel, 1))
	l.frames = int(geti(dicomio.TagNumberOfFrames, 1))
	ba := int(geti(dicomio.TagBitsAllocated, 0))
	l.bitsStored = int(geti(dicomio.TagBitsStored, int64(ba)))
	l.planar = geti(dicomio.TagPlanarConfiguration, 0) == 1
	l.signed = geti(dicomio.TagPixelRepresentation, 0) == 1
	l.photometric = strings.ToUpper(ds.String(dicomio.TagPhotometricInterpretation))
	if l.frames < 1 {
		l.frames = 1
	}
	switch ba {
	case 8, 16, 32:
		l.bytesPerSample = ba / 8
	default:
		return l, &UnsupportedPixelsError{Reason: fmt.Sprintf("Bits Allocated %d", ba)}
	}
	if l.rows <= 0 || l.cols <= 0 || l.spp <= 0 || l.bitsStored <= 0 || l.bitsStored > ba {
		return l, &UnsupportedPixelsError{Reason: "missing or inconsistent image geometry"}
	}
	switch l.photometric {
	case "MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL", "PALETTE COLOR":
	default:
		return l, &UnsupportedPixelsError{Reason: "photometric interpretation " + l.photometric}
	}
	return l, nil
}

func (l *pixelLayout) frameBytes() int { return l.rows * l.cols * l.spp * l.bytesPerSample }

// fill returns the value written into masked pixels for sample s: black
// as the image will be displayed.
func (l *pixelLayout) fill(s int) uint32 {
	switch l.photometric {
	case "MONOCHROME1":
		if l.signed {
			return uint32(1)<<(l.bitsStored-1) - 1
		}
		return uint32(1)<<l.bitsStored - 1
	case "MONOCHROME2":
		if l.signed {
			return uint32(-(int64(1) << (l.bitsStored - 1)))
		}
	case "YBR_FULL":
		if s > 0 {
			return 128
		}
	}
	return 0
}

// sample reads sample s of pixel (x, y) of a frame.
func (l *pixelLayout) offset(x, y, s int) int {
	if l.planar {
		return ((s*l.rows+y)*l.cols + x) * l.bytesPerSample
	}
	return ((y*l.cols+x)*l.spp + s) * l.bytesPerSample
}

func (l *pixelLayout) put(frame []byte, off int, v uint32) {
	switch l.bytesPerSample {
	case 1:
		frame[off] = byte(v)
	case 2:
		binary.LittleEndian.PutUint16(frame[off:], uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(frame[off:], v)
	}
}

func (l *pixelLayout) get(frame []byte, off int) int64 {
	switch l.bytesPerSample {
	case 1:
		if l.signed {
			return int64(int8(frame[off]))
		}
		return int64(frame[off])
	case 2:
		v := binary.LittleEndian.Uint16(frame[off:])
		if l.signed {
			return int64(int16(v))
		}
		return int64(v)
	}
	v := binary.LittleEndian.Uint32(frame[off:])
	if l.signed {
		return int64(int32(v))
	}
	return int64(v)
}

func (l *pixelLayout) mask(frame []byte, r image.Rectangle) {
	r = r.Intersect(image.Rect(0, 0, l.cols, l.rows))
	if r.Empty() {
		return
	}
	for s := 0; s < l.spp; s++ {
		v := l.fill(s)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				l.put(frame, l.offset(x, y, s), v)
			}
		}
	}
}

// mammographyLabels returns the rectangles of the label region opposite
// the chest wall. The breast side is the one whose outer tenth of columns
// is brighter as displayed (the chest wall touches the image edge, the
// opposite edge is background); labels sit in the corners on the other
// side, so the outer third of the width is blanked over the top and
// bottom quarters of the height, leaving the middle, where a large breast
// may reach, untouched.
func (l *pixelLayout) mammographyLabels(frame []byte) []image.Rectangle {
	band := max(l.cols/10, 1)
	var left, right int64
	for y := 0; y < l.rows; y += 4 {
		for x := 0; x < band; x++ {
			left += l.get(frame, l.offset(x, y, 0))
			right += l.get(frame, l.offset(l.cols-1-x, y, 0))
		}
	}
	breastLeft := left > right
	if l.photometric == "MONOCHROME1" {
		breastLeft = !breastLeft
	}
	w := l.cols / 3
	x0, x1 := l.cols-w, l.cols
	if !breastLeft {
		x0, x1 = 0, w
	}
	q := l.rows / 4
	return []image.Rectangle{image.Rect(x0, 0, x1, q), image.Rect(x0, l.rows-q, x1, l.rows)}
}

// cleanPixels blanks the rule's rectangles in every frame, applies them to
// the overlay bitmaps kept under Clean Graphics, and sets Burned In
// Annotation to NO.
func (a *Anonymizer) cleanPixels(ds *dicomio.Dataset, p pixelPlan, guard *trailGuard) error {
	l, err := layoutOf(ds)
	if err != nil {
		return err
	}
	pix, err := loadPixels(ds, guard)
	if err != nil {
		return err
	}
	fb := l.frameBytes()
	if len(pix) < fb*l.frames {
		return &UnsupportedPixelsError{Reason: fmt.Sprintf("pixel data holds %d bytes, %d frames of %d expected", len(pix), l.frames, fb)}
	}
	var all []image.Rectangle
	for f := 0; f < l.frames; f++ {
		frame := pix[f*fb : (f+1)*fb]
		rects := p.rule.Rects
		if p.rule.MammographyLabels {
			rects = append(append([]image.Rectangle(nil), rects...), l.mammographyLabels(frame)...)
		}
		for _, r := range rects {
			l.mask(frame, r)
		}
		if f == 0 {
			all = rects
		}
	}
	maskOverlays(ds, all)
	ds.MustSetStrings(tagBurnedInAnnotation, dicomio.CS, "NO")
	return nil
}

// maskOverlays clears, in every overlay bitmap left in ds, the bits that
// fall in the rectangles (overlay origin is 1-based, PS3.3 C.9.2).
func maskOverlays(ds *dicomio.Dataset, rects []image.Rectangle) {
	for g := uint16(0x6000); g <= 0x601E; g += 2 {
		data := ds.Get(dicomio.NewTag(g, 0x3000))
		if data == nil || len(data.Value) == 0 {
			continue
		}
		rows, _ := ds.Int(dicomio.NewTag(g, 0x0010))
		cols, _ := ds.Int(dicomio.NewTag(g, 0x0011))
		oy, ox := int64(1), int64(1)
		if e := ds.Get(dicomio.NewTag(g, 0x0050)); e != nil && len(e.Value) >= 4 {
			oy = int64(int16(binary.LittleEndian.Uint16(e.Value)))
			ox = int64(int16(binary.LittleEndian.Uint16(e.Value[2:])))
		}
		if rows <= 0 || cols <= 0 {
			continue
		}
		for _, r := range rects {
			r = r.Sub(image.Pt(int(ox-1), int(oy-1))).Intersect(image.Rect(0, 0, int(cols), int(rows)))
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					bit := y*int(cols) + x
					if bit/8 < len(data.Value) {
						data.Value[bit/8] &^= 1 << (bit % 8)
					}
				}
			}
		}
	}
}
