package synth

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"github.com/radkit/radkit/dicomio"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Burned-in text: ultrasound scanners and screen captures print the
// patient's identity into the pixels, where de-identification of the
// header cannot reach it. The synthetic images carry the same, at known
// places, so that pixel-cleaning code can be tested against ground truth.

// textLayout places the identity lines of an image: one box per line,
// stacked from the top-left corner. The boxes depend only on the image
// size, so [BurnedInText] can recompute them from a file.
type textLayout struct {
	px    float64 // font size in pixels
	boxes []image.Rectangle
}

const textLines = 4 // name, birth date, exam date, institution

func layoutText(kind Kind, rows, cols int) textLayout {
	var px float64
	var width int
	switch kind {
	case US:
		px, width = max(10, float64(rows)/32), cols*2/5
	case SC:
		px, width = max(10, float64(rows)/36), cols*3/5
	default:
		return textLayout{}
	}
	lineH := int(px*1.35 + 0.5)
	margin := max(4, int(px/2))
	l := textLayout{px: px}
	for i := 0; i < textLines; i++ {
		y := margin + i*lineH
		l.boxes = append(l.boxes, image.Rect(margin, y, margin+width, y+lineH))
	}
	return l
}

// identityLines are the texts burned in, in the order of the boxes.
func identityLines(r *resolved, when string) []string {
	p := r.pat
	born := "Né le "
	if p.Sex == "F" {
		born = "Née le "
	}
	return []string{
		p.DisplayName(),
		born + p.BirthDate.Format("02/01/2006"),
		"Examen du " + when,
		r.staff.institution.Name,
	}
}

// drawText renders each line in its box (clipped to it) in colour c, with
// the Go Regular font through x/image's opentype rasteriser.
func drawText(dst draw.Image, l textLayout, lines []string, c color.Color) error {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return fmt.Errorf("synth: font: %w", err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: l.px, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return fmt.Errorf("synth: font: %w", err)
	}
	defer face.Close()
	ascent := face.Metrics().Ascent
	src := image.NewUniform(c)
	for i, s := range lines {
		if i >= len(l.boxes) {
			break
		}
		box := l.boxes[i]
		// Draw into a mask of the box, then through it: the box clips
		// text that would run past it.
		mask := image.NewAlpha(box)
		d := font.Drawer{
			Dst:  mask,
			Src:  image.Opaque,
			Face: face,
			Dot:  fixed.Point26_6{X: fixed.I(box.Min.X + 2), Y: fixed.I(box.Min.Y+1) + ascent},
		}
		d.DrawString(s)
		draw.DrawMask(dst, box, src, image.Point{}, mask, box.Min, draw.Over)
	}
	return nil
}

// BurnedInText returns the rectangles of f's image that hold burned-in
// identifying text (patient name, birth date, exam date, institution), in
// pixel coordinates, for the synthetic ultrasound and secondary capture
// images; nil for other objects. The rectangles are computed from the SOP
// Class and the image size, so they are still right after the header has
// been de-identified.
func BurnedInText(f *dicomio.File) []image.Rectangle {
	if f == nil || f.Dataset == nil {
		return nil
	}
	ds := f.Dataset
	var kind Kind
	switch ds.String(dicomio.TagSOPClassUID) {
	case sopUS:
		kind = US
	case sopSC:
		kind = SC
	default:
		return nil
	}
	rows, err1 := ds.Int(dicomio.TagRows)
	cols, err2 := ds.Int(dicomio.TagColumns)
	if err1 != nil || err2 != nil {
		return nil
	}
	return layoutText(kind, int(rows), int(cols)).boxes
}
