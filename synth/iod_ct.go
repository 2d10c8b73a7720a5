package synth

import (
	"time"

	"github.com/radkit/radkit/dicomio"
)

func (r *resolved) ct(emit func(obj) error) error {
	rows, cols := r.size(512, 512)
	n := r.slices(600)
	ph := newCTPhantom(r.Seed, rows, cols, n)
	se := series{number: 2, modality: "CT", description: "Thorax-abdomen injecté 1.25 mm", bodyPart: "CHEST",
		start: r.at(2 * time.Minute), model: "Synth CT 64", station: "TDM-SALLE1"}
	sp := ph.spacing()
	for z := 0; z < n; z++ {
		o := newObj()
		acq := se.start.Add(time.Duration(z) * 50 * time.Millisecond)
		content := se.start.Add(3 * time.Minute)
		r.common(o, sopCT, se, z+1, content)
		o.s(tPatientPosition, dicomio.CS, "HFS")
		// Frame of Reference, Image Plane.
		o.s(tFrameOfReferenceUID, dicomio.UI, r.uids.make(uidFrameOfReference, 1))
		o.empty(tPositionReferenceIndicator, dicomio.LO)
		zpos := -float64(z) * sp
		o.ds_(tImagePositionPatient, -float64(cols)/2*ph.ps+ph.ps/2, -float64(rows)/2*ph.ps+ph.ps/2, zpos)
		o.ds_(tImageOrientationPatient, 1, 0, 0, 0, 1, 0)
		o.ds_(tPixelSpacing, ph.ps, ph.ps)
		o.ds_(tSliceThickness, sp)
		o.ds_(tSliceLocation, zpos)
		// Contrast/Bolus: the aorta and kidneys are enhanced.
		o.s(tContrastBolusAgent, dicomio.LO, "IOMERON 350")
		o.s(tContrastBolusRoute, dicomio.LO, "IV")
		// General Image, CT Image, Image Pixel, VOI LUT.
		generalImage(o, z+1, []string{"ORIGINAL", "PRIMARY", "AXIAL"}, acq, content, false)
		o.s(tAcquisitionDateTime, dicomio.DT, dt(acq))
		pixelModule(o, rows, cols, 1, 16, 12, true)
		o.ds_(tRescaleIntercept, 0)
		o.ds_(tRescaleSlope, 1)
		o.s(tRescaleType, dicomio.LO, "HU")
		o.ds_(tKVP, 120)
		o.ds_(tReconstructionDiameter, ctFOV)
		o.ds_(tGantryDetectorTilt, 0)
		o.ds_(tTableHeight, 160)
		o.s(tConvolutionKernel, dicomio.SH, "STANDARD")
		o.s(tScanOptions, dicomio.CS, "HELICAL")
		o.ds_(tWindowCenter, 40, -600)
		o.ds_(tWindowWidth, 400, 1500)
		o.s(tWindowExplanation, dicomio.LO, "ABDOMEN", "POUMON")
		o.ds.SetBytes(dicomio.TagPixelData, dicomio.OW, le16s(ph.slice(z)))
		if err := emit(o); err != nil {
			return err
		}
	}
	return nil
}

func (r *resolved) mr(emit func(obj) error) error {
	rows, cols := r.size(256, 256)
	n := r.slices(30)
	ph := newMRPhantom(r.Seed, rows, cols, n)
	se := series{number: 3, modality: "MR", description: "T1 SE axial", bodyPart: "BRAIN",
		start: r.at(4 * time.Minute), model: "Synth MR 1.5T", station: "IRM-1"}
	sp := ph.spacing()
	for z := 0; z < n; z++ {
		o := newObj()
		acq := se.start.Add(time.Duration(z) * 6 * time.Second)
		content := se.start.Add(5 * time.Minute)
		r.common(o, sopMR, se, z+1, content)
		o.s(tPatientPosition, dicomio.CS, "HFS")
		o.s(tFrameOfReferenceUID, dicomio.UI, r.uids.make(uidFrameOfReference, 2))
		o.empty(tPositionReferenceIndicator, dicomio.LO)
		zpos := 60 - float64(z)*sp
		o.ds_(tImagePositionPatient, -float64(cols)/2*ph.ps+ph.ps/2, -float64(rows)/2*ph.ps+ph.ps/2, zpos)
		o.ds_(tImageOrientationPatient, 1, 0, 0, 0, 1, 0)
		o.ds_(tPixelSpacing, ph.ps, ph.ps)
		o.ds_(tSliceThickness, sp*0.9)
		o.ds_(tSpacingBetweenSlices, sp)
		o.ds_(tSliceLocation, zpos)
		generalImage(o, z+1, []string{"ORIGINAL", "PRIMARY", "OTHER"}, acq, content, false)
		pixelModule(o, rows, cols, 1, 16, 12, false)
		o.s(tScanningSequence, dicomio.CS, "SE")
		o.s(tSequenceVariant, dicomio.CS, "NONE")
		o.empty(tScanOptions, dicomio.CS)
		o.s(tMRAcquisitionType, dicomio.CS, "2D")
		o.ds_(tRepetitionTime, 500)
		o.ds_(tEchoTime, 15)
		o.is(tEchoTrainLength, 1)
		o.ds_(tImagingFrequency, 63.87)
		o.s(tImagedNucleus, dicomio.SH, "1H")
		o.s(tEchoNumbers, dicomio.IS, "1")
		o.ds_(tMagneticFieldStrength, 1.5)
		o.ds_(tWindowCenter, 1200)
		o.ds_(tWindowWidth, 2400)
		o.ds.SetBytes(dicomio.TagPixelData, dicomio.OW, le16(ph.slice(z)))
		if err := emit(o); err != nil {
			return err
		}
	}
	return nil
}
