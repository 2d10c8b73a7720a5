package synth

import (
	"math"
	"time"

	"github.com/radkit/radkit/dicomio"
)

// mgView is one of the four screening views.
type mgView struct {
	right, mlo  bool
	laterality  string
	orientation [2]string // Patient Orientation: row, column directions
	code        [3]string // View Code Sequence: SCT code
	angle       float64   // Positioner Primary Angle
	name        string    // "RCC"
}

// The four views of a screening mammogram in the usual acquisition order.
// The chest wall is on the right of a right breast image, on the left of a
// left one; CC images have the lateral side up, MLO images the head.
var mgViews = [4]mgView{
	{true, false, "R", [2]string{"P", "L"}, [3]string{"399162004", "SCT", "cranio-caudal"}, 0, "RCC"},
	{false, false, "L", [2]string{"A", "R"}, [3]string{"399162004", "SCT", "cranio-caudal"}, 0, "LCC"},
	{true, true, "R", [2]string{"P", "F"}, [3]string{"399368009", "SCT", "medio-lateral oblique"}, 45, "RMLO"},
	{false, true, "L", [2]string{"A", "F"}, [3]string{"399368009", "SCT", "medio-lateral oblique"}, -45, "LMLO"},
}

const (
	mgBits = 14
	mgPS   = 0.065 // detector pixel pitch, mm
)

// mgView sets what MG objects need about the view: breast anatomy, view,
// laterality and the acquisition parameters of a mammography unit.
func (r *resolved) mgView(o obj, v mgView) {
	o.s(tImageLaterality, dicomio.CS, v.laterality)
	o.code(tAnatomicRegionSeq, "76752008", "SCT", "Breast")
	vc := o.code(tViewCodeSeq, v.code[0], v.code[1], v.code[2])
	vc.empty(tViewModifierCodeSeq, dicomio.SQ)
	o.s(tBreastImplantPresent, dicomio.CS, "NO")
	o.s(tPatientOrientation, dicomio.CS, v.orientation[0], v.orientation[1])
}

func (r *resolved) mammo(emit func(obj) error) error {
	rows, cols := r.size(4096, 3328)
	se := series{number: 1, modality: "MG", description: "Mammographie bilatérale 2 incidences", bodyPart: "BREAST",
		start: r.at(time.Minute), model: "Synth Mammo 3D", station: "MAMMO01"}
	for i, v := range mgViews {
		ph := newMGPhantom(r.Seed, rows, cols, mgBits, v.right, v.mlo, 0)
		o := newObj()
		acq := se.start.Add(time.Duration(i) * 70 * time.Second)
		content := acq.Add(20 * time.Second)
		r.common(o, sopMG, se, i+1, content)
		generalImage(o, i+1, []string{"ORIGINAL", "PRIMARY", ""}, acq, content, false)
		pixelModule(o, rows, cols, 1, 16, mgBits, false)
		// DX Series, Image, Detector; Mammography Image.
		o.s(tPresentationIntentType, dicomio.CS, "FOR PRESENTATION")
		o.s(tPixelIntensityRelationship, dicomio.CS, "LOG")
		o.ds.SetUint16s(tPixelIntensityRelSign, dicomio.SS, 1)
		o.ds_(tRescaleIntercept, 0)
		o.ds_(tRescaleSlope, 1)
		o.s(tRescaleType, dicomio.LO, "US")
		o.s(tPresentationLUTShape, dicomio.CS, "IDENTITY")
		o.s(tDetectorType, dicomio.CS, "DIRECT")
		o.ds_(tImagerPixelSpacing, mgPS, mgPS)
		o.s(tPositionerType, dicomio.CS, "MAMMOGRAPHIC")
		o.ds_(tPositionerPrimaryAngle, v.angle)
		o.ds_(tDistanceSourceToDetector, 700)
		o.ds_(tDistanceSourceToPatient, 680)
		o.ds_(tKVP, 29)
		o.ds_(tBodyPartThickness, 52)
		o.ds_(tCompressionForce, 110)
		o.s(tAnodeTargetMaterial, dicomio.CS, "TUNGSTEN")
		o.s(tFilterMaterial, dicomio.CS, "RHODIUM")
		o.s(tExposureTime, dicomio.IS, "1100")
		o.s(tXRayTubeCurrent, dicomio.IS, "100")
		o.s(tExposure, dicomio.IS, "110")
		o.ds_(tEntranceDoseInmGy, 5.2)
		o.ds_(tOrganDose, 1.3)
		o.s(tOrganExposed, dicomio.CS, "BREAST")
		r.mgView(o, v)
		o.empty(tAcquisitionContextSeq, dicomio.SQ)
		// VOI LUT: two windows and a sigmoid-like LUT, as viewers get from
		// mammography units.
		max := float64(int(1)<<mgBits - 1)
		o.ds_(tWindowCenter, max*0.55, max*0.6)
		o.ds_(tWindowWidth, max*0.7, max*0.45)
		o.s(tWindowExplanation, dicomio.LO, "NORMAL", "CONTRASTE")
		o.s(tVOILUTFunction, dicomio.CS, "LINEAR")
		lut := o.item(tVOILUTSeq)
		lut.us(tLUTDescriptor, 1<<mgBits&0xFFFF, 0, 12)
		lut.s(tLUTExplanation, dicomio.LO, "SIGMOIDE")
		lut.ds.SetBytes(tLUTData, dicomio.OW, le16(sigmoidLUT(1<<mgBits, 12)))
		o.ds.SetBytes(dicomio.TagPixelData, dicomio.OW, le16(ph.frame(-1)))
		if err := emit(o); err != nil {
			return err
		}
	}
	return nil
}

// sigmoidLUT maps n input values to outBits-bit output along a logistic
// curve centred on the tissue range.
func sigmoidLUT(n, outBits int) []uint16 {
	lut := make([]uint16, n)
	top := float64(int(1)<<outBits - 1)
	for i := range lut {
		x := (float64(i)/float64(n-1) - 0.55) / 0.12
		lut[i] = uint16(top / (1 + math.Exp(-x)))
	}
	return lut
}
