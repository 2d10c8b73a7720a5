package synth

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"time"

	"github.com/radkit/radkit/dicomio"
)

func (r *resolved) us(emit func(obj) error) error {
	rows, cols := r.size(480, 640)
	se := series{number: 1, modality: "US", description: "Échographie sein droit", bodyPart: "BREAST",
		start: r.at(time.Minute), model: "Synth Echo 5", station: "ECHO-2"}
	ph := usPhantom{seed: mix64(r.Seed ^ 0x5553), rows: rows, cols: cols}
	img := ph.image()
	acq := se.start.Add(40 * time.Second)
	if err := drawText(img, layoutText(US, rows, cols), identityLines(r, acq.Format("02/01/2006 15:04")), color.Gray{Y: 235}); err != nil {
		return err
	}
	o := newObj()
	r.common(o, sopUS, se, 1, acq)
	generalImage(o, 1, []string{"ORIGINAL", "PRIMARY", "BREAST", "0001"}, acq, acq, true)
	o.s(tImageLaterality, dicomio.CS, "R")
	o.code(tAnatomicRegionSeq, "76752008", "SCT", "Breast")
	o.s(tPatientOrientation, dicomio.CS, "", "")
	pixelModule(o, rows, cols, 1, 8, 8, false)
	o.s(tTransducerData, dicomio.LO, "L12-5")
	// US Region Calibration: the sector, 4 cm deep.
	reg := o.item(tSequenceOfUSRegions)
	reg.us(tRegionSpatialFormat, 1)
	reg.us(tRegionDataType, 1)
	reg.ul(tRegionFlags, 0)
	reg.ul(tRegionLocationMinX0, 0)
	reg.ul(tRegionLocationMinY0, 0)
	reg.ul(tRegionLocationMaxX1, uint32(cols-1))
	reg.ul(tRegionLocationMaxY1, uint32(rows-1))
	reg.us(tPhysicalUnitsXDirection, 3)
	reg.us(tPhysicalUnitsYDirection, 3)
	d := 4.0 / (0.87 * float64(rows))
	reg.fd(tPhysicalDeltaX, d)
	reg.fd(tPhysicalDeltaY, d)
	o.ds.SetBytes(dicomio.TagPixelData, dicomio.OB, img.Pix)
	return emit(o)
}

// sc builds a secondary capture: an RGB screenshot of a viewer showing a
// CT slice, with the identity banner burned in.
func (r *resolved) sc(emit func(obj) error) error {
	rows, cols := r.size(768, 1024)
	se := series{number: 900, modality: "OT", description: "Capture console", bodyPart: "CHEST", start: r.at(20 * time.Minute),
		model: "Synth Viewer", station: "CONSOLE-1"}
	img := image.NewRGBA(image.Rect(0, 0, cols, rows))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{28, 32, 40, 255}), image.Point{}, draw.Src)
	l := layoutText(SC, rows, cols)
	band := image.Rect(0, 0, cols, l.boxes[len(l.boxes)-1].Max.Y+l.boxes[0].Min.Y)
	draw.Draw(img, band, image.NewUniform(color.RGBA{46, 58, 82, 255}), image.Point{}, draw.Src)
	// The viewport: a CT slice, lung window, scaled to fit.
	vp := min(rows-band.Max.Y-16, cols-16)
	vp -= vp % 2
	ct := newCTPhantom(r.Seed, vp, vp, 8).slice(2)
	x0, y0 := (cols-vp)/2, band.Max.Y+8
	for y := 0; y < vp; y++ {
		for x := 0; x < vp; x++ {
			g := uint8(clamp((float64(ct[y*vp+x])+160)/400*255, 0, 255))
			img.SetRGBA(x0+x, y0+y, color.RGBA{g, g, g, 255})
		}
	}
	// A yellow measurement circle.
	cx, cy, rad := x0+vp*3/10, y0+vp*2/5, vp/12
	for a := 0; a < 720; a++ {
		for t := -1; t <= 1; t++ {
			x := cx + int(float64(rad+t)*math.Cos(float64(a)/720*2*3.141592653589793))
			y := cy + int(float64(rad+t)*math.Sin(float64(a)/720*2*3.141592653589793))
			img.SetRGBA(x, y, color.RGBA{240, 210, 40, 255})
		}
	}
	when := r.at(2 * time.Minute)
	if err := drawText(img, l, identityLines(r, when.Format("02/01/2006 15:04")), color.RGBA{250, 250, 250, 255}); err != nil {
		return err
	}
	o := newObj()
	content := se.start
	r.common(o, sopSC, se, 1, content)
	o.s(tConversionType, dicomio.CS, "WSD")
	generalImage(o, 1, []string{"DERIVED", "SECONDARY"}, when, content, true)
	o.s(tPatientOrientation, dicomio.CS, "", "")
	o.s(tDateOfSecondaryCapture, dicomio.DA, da(content))
	o.s(tTimeOfSecondaryCapture, dicomio.TM, tm(content))
	pixelModule(o, rows, cols, 3, 8, 8, false)
	pix := make([]byte, 0, rows*cols*3)
	for i := 0; i < len(img.Pix); i += 4 {
		pix = append(pix, img.Pix[i], img.Pix[i+1], img.Pix[i+2])
	}
	o.ds.SetBytes(dicomio.TagPixelData, dicomio.OB, pix)
	return emit(o)
}
