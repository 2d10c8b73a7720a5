package synth

import (
	"time"

	"github.com/radkit/radkit/dicomio"
)

// chest builds the CR or DX (For Presentation) chest PA radiograph.
func (r *resolved) chest(emit func(obj) error) error {
	rows, cols := r.size(2500, 2048)
	const bits = 12
	ph := newChestPhantom(r.Seed, rows, cols, bits)
	se := series{number: 1, bodyPart: "CHEST", start: r.at(time.Minute), description: "Thorax face"}
	sop := sopCR
	if r.kind == CR {
		se.modality, se.model, se.station = "CR", "Synth CR Reader", "RADIO-CR1"
	} else {
		se.modality, se.model, se.station, sop = "DX", "Synth DR 43", "RADIO-DR2", sopDX
	}
	// The detector is 430 mm wide whatever the matrix.
	ps := 430.0 / float64(cols)
	o := newObj()
	acq := se.start.Add(30 * time.Second)
	content := se.start.Add(time.Minute)
	r.common(o, sop, se, 1, content)
	imageType := []string{"ORIGINAL", "PRIMARY"}
	if r.kind == DX {
		imageType = append(imageType, "")
	}
	generalImage(o, 1, imageType, acq, content, false)
	o.s(tPatientOrientation, dicomio.CS, "L", "F")
	o.s(tViewPosition, dicomio.CS, "PA")
	pixelModule(o, rows, cols, 1, 16, bits, false)
	o.ds_(tKVP, 125)
	o.ds_(tDistanceSourceToDetector, 1800)
	o.s(tExposureTime, dicomio.IS, "12")
	o.s(tXRayTubeCurrent, dicomio.IS, "320")
	o.s(tExposure, dicomio.IS, "4")
	o.ds_(tImagerPixelSpacing, ps, ps)
	o.ds_(tWindowCenter, 2048)
	o.ds_(tWindowWidth, 4096)
	if r.kind == DX {
		o.s(tPresentationIntentType, dicomio.CS, "FOR PRESENTATION")
		o.s(tImageLaterality, dicomio.CS, "U")
		o.code(tAnatomicRegionSeq, "51185008", "SCT", "Chest")
		o.s(tPixelIntensityRelationship, dicomio.CS, "LOG")
		o.ds.SetUint16s(tPixelIntensityRelSign, dicomio.SS, 1)
		o.ds_(tRescaleIntercept, 0)
		o.ds_(tRescaleSlope, 1)
		o.s(tRescaleType, dicomio.LO, "US")
		o.s(tPresentationLUTShape, dicomio.CS, "IDENTITY")
		o.s(tDetectorType, dicomio.CS, "SCINTILLATOR")
		o.empty(tAcquisitionContextSeq, dicomio.SQ)
		o.s(tPositionerType, dicomio.CS, "COLUMN")
		vc := o.code(tViewCodeSeq, "272479007", "SCT", "postero-anterior")
		vc.empty(tViewModifierCodeSeq, dicomio.SQ)
	}
	o.ds.SetBytes(dicomio.TagPixelData, dicomio.OW, le16(ph.image()))
	return emit(o)
}
