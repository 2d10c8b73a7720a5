package synth

import (
	"context"
	"encoding/binary"
	"io"
	"time"

	"github.com/radkit/radkit/dicomio"
)

// dbtFrames is the pixel data of a tomosynthesis object, computed frame by
// frame while it is written: a 40-frame full-field object is over 1 GB,
// and only one frame is ever in memory.
type dbtFrames struct {
	ctx    context.Context
	ph     *mgPhantom
	frames int
}

func (s *dbtFrames) Len() int64 { return int64(s.frames) * int64(s.ph.rows) * int64(s.ph.cols) * 2 }

func (s *dbtFrames) WriteValue(w io.Writer) error {
	buf := make([]byte, s.ph.rows*s.ph.cols*2)
	for z := 0; z < s.frames; z++ {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		for i, v := range s.ph.frame(z) {
			binary.LittleEndian.PutUint16(buf[2*i:], v)
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

var _ dicomio.ValueSource = (*dbtFrames)(nil)

const dbtSliceMM = 1.0 // reconstructed slice spacing

func (r *resolved) dbt(ctx context.Context, emit func(obj) error) error {
	rows, cols := r.size(4096, 3328)
	n := r.slices(50)
	se := series{number: 2, modality: "MG", description: "Tomosynthèse bilatérale", bodyPart: "BREAST",
		start: r.at(time.Minute), model: "Synth Mammo 3D", station: "MAMMO01"}
	frameType := []string{"ORIGINAL", "PRIMARY", "TOMOSYNTHESIS", "NONE"}
	for i, v := range mgViews {
		ph := newMGPhantom(r.Seed, rows, cols, mgBits, v.right, v.mlo, n)
		o := newObj()
		acq := se.start.Add(time.Duration(i) * 90 * time.Second)
		content := acq.Add(40 * time.Second)
		r.common(o, sopDBT, se, i+1, content)
		o.ds.Delete(tPatientOrientation)
		o.s(tImageType, dicomio.CS, frameType...)
		o.is(tInstanceNumber, i+1)
		o.s(tContentDate, dicomio.DA, da(content))
		o.s(tContentTime, dicomio.TM, tm(content))
		o.s(tFrameOfReferenceUID, dicomio.UI, r.uids.make(uidFrameOfReference, 10+i))
		o.empty(tPositionReferenceIndicator, dicomio.LO)
		pixelModule(o, rows, cols, 1, 16, mgBits, false)
		o.is(dicomio.TagNumberOfFrames, n)
		o.s(tContentQualification, dicomio.CS, "PRODUCT")
		o.s(tPixelPresentation, dicomio.CS, "MONOCHROME")
		o.s(tVolumetricProperties, dicomio.CS, "VOLUME")
		o.s(tVolumeBasedCalcTechnique, dicomio.CS, "NONE")
		o.s(tBurnedInAnnotation, dicomio.CS, "NO")
		o.s(tLossyImageCompression, dicomio.CS, "00")
		o.s(tPresentationLUTShape, dicomio.CS, "IDENTITY")
		o.empty(tAcquisitionContextSeq, dicomio.SQ)
		// Breast View.
		vc := o.code(tViewCodeSeq, v.code[0], v.code[1], v.code[2])
		vc.empty(tViewModifierCodeSeq, dicomio.SQ)
		o.s(tBreastImplantPresent, dicomio.CS, "NO")

		// Dimensions: one stack, frames indexed by their position in it.
		dimUID := r.uids.make(uidOther, 100+i)
		o.item(tDimensionOrganizationSeq).s(tDimensionOrganizationUID, dicomio.UI, dimUID)
		o.s(tDimensionOrganizationType, dicomio.CS, "3D")
		for _, d := range []struct {
			ptr   dicomio.Tag
			label string
		}{{tStackID, "Stack ID"}, {tInStackPositionNumber, "In-Stack Position Number"}} {
			it := o.item(tDimensionIndexSeq)
			it.ds.SetTags(tDimensionIndexPointer, d.ptr)
			it.ds.SetTags(tFunctionalGroupPointer, tFrameContentSeq)
			it.s(tDimensionOrganizationUID, dicomio.UI, dimUID)
			it.s(tDimensionDescriptionLabel, dicomio.LO, d.label)
		}

		// Shared functional groups.
		sh := o.item(tSharedFunctionalGroupsSeq)
		pm := sh.item(tPixelMeasuresSeq)
		pm.ds_(tPixelSpacing, mgPS, mgPS)
		pm.ds_(tSliceThickness, dbtSliceMM)
		po := sh.item(tPlaneOrientationSeq)
		// Rows run along the image's row direction as Patient Orientation
		// would state it; expressed in patient coordinates.
		if v.right {
			po.ds_(tImageOrientationPatient, 0, 1, 0, 0, 0, -1)
		} else {
			po.ds_(tImageOrientationPatient, 0, -1, 0, 0, 0, -1)
		}
		fa := sh.item(tFrameAnatomySeq)
		fa.code(tAnatomicRegionSeq, "76752008", "SCT", "Breast")
		fa.s(tFrameLaterality, dicomio.CS, v.laterality)
		pv := sh.item(tPixelValueTransformSeq)
		pv.ds_(tRescaleIntercept, 0)
		pv.ds_(tRescaleSlope, 1)
		pv.s(tRescaleType, dicomio.LO, "US")
		voi := sh.item(tFrameVOILUTSeq)
		max := float64(int(1)<<mgBits - 1)
		voi.ds_(tWindowCenter, max*0.5)
		voi.ds_(tWindowWidth, max*0.8)

		// Per-frame functional groups.
		for z := 0; z < n; z++ {
			pf := o.item(tPerFrameFunctionalGroupsSeq)
			fc := pf.item(tFrameContentSeq)
			ft := acq.Add(time.Duration(z) * 10 * time.Millisecond)
			fc.s(tFrameAcquisitionDateTime, dicomio.DT, dt(ft))
			fc.s(tFrameReferenceDateTime, dicomio.DT, dt(ft))
			fc.fd(tFrameAcquisitionDuration, 3700)
			fc.ul(tDimensionIndexValues, 1, uint32(z+1))
			fc.s(tStackID, dicomio.SH, "1")
			fc.ul(tInStackPositionNumber, uint32(z+1))
			fty := pf.item(tXRay3DFrameTypeSeq)
			fty.s(tFrameType, dicomio.CS, frameType...)
			fty.s(tPixelPresentation, dicomio.CS, "MONOCHROME")
			fty.s(tVolumetricProperties, dicomio.CS, "VOLUME")
			fty.s(tVolumeBasedCalcTechnique, dicomio.CS, "NONE")
			pp := pf.item(tPlanePositionSeq)
			pp.ds_(tImagePositionPatient, 0, 0, float64(z)*dbtSliceMM)
		}
		o.ds.Set(&dicomio.Element{Tag: dicomio.TagPixelData, VR: dicomio.OW, Source: &dbtFrames{ctx: ctx, ph: ph, frames: n}})
		if err := emit(o); err != nil {
			return err
		}
	}
	return nil
}
