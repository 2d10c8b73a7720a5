package synth

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/radkit/radkit/dicomio"
)

// obj wraps a data set being built, remembering the first error so that
// the builders read as a list of attributes.
type obj struct {
	ds  *dicomio.Dataset
	err *error
}

func newObj() obj {
	var err error
	return obj{ds: dicomio.NewDataset(), err: &err}
}

// s sets a string attribute under the data set's character set.
func (o obj) s(t dicomio.Tag, vr dicomio.VR, vals ...string) {
	if err := o.ds.SetStrings(t, vr, vals...); err != nil && *o.err == nil {
		*o.err = fmt.Errorf("synth: %v: %w", t, err)
	}
}

// empty sets a zero-length (type 2) attribute.
func (o obj) empty(t dicomio.Tag, vr dicomio.VR) {
	if vr == dicomio.SQ {
		o.ds.Set(&dicomio.Element{Tag: t, VR: vr})
		return
	}
	o.ds.Set(&dicomio.Element{Tag: t, VR: vr, Value: []byte{}})
}

func (o obj) us(t dicomio.Tag, v ...uint16) { o.ds.SetUint16s(t, dicomio.US, v...) }
func (o obj) ul(t dicomio.Tag, v ...uint32) { o.ds.SetUint32s(t, dicomio.UL, v...) }
func (o obj) fd(t dicomio.Tag, v ...float64) {
	o.ds.SetFloat64s(t, dicomio.FD, v...)
}
func (o obj) ds_(t dicomio.Tag, v ...float64) {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmtDS(x)
	}
	o.s(t, dicomio.DS, s...)
}
func (o obj) is(t dicomio.Tag, v int) { o.s(t, dicomio.IS, strconv.Itoa(v)) }

// item appends an item to sequence t.
func (o obj) item(t dicomio.Tag) obj { return obj{ds: o.ds.AddItem(t), err: o.err} }

// code appends a Code Sequence Macro item to sequence t.
func (o obj) code(t dicomio.Tag, value, scheme, meaning string) obj {
	it := o.item(t)
	it.setCode(value, scheme, meaning)
	return it
}

func (o obj) setCode(value, scheme, meaning string) {
	o.s(tCodeValue, dicomio.SH, value)
	o.s(tCodingSchemeDesignator, dicomio.SH, scheme)
	o.s(tCodeMeaning, dicomio.LO, meaning)
}

// fmtDS formats a decimal string within the 16 characters DS allows.
func fmtDS(x float64) string {
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if len(s) > 16 {
		s = strconv.FormatFloat(x, 'g', 10, 64)
	}
	return s
}

func da(t time.Time) string { return t.Format("20060102") }
func tm(t time.Time) string { return t.Format("150405") }
func dt(t time.Time) string { return t.Format("20060102150405") }

// le16 encodes 16-bit samples little-endian, the order of the native
// transfer syntaxes.
func le16(v []uint16) []byte {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], x)
	}
	return b
}

func le16s(v []int16) []byte {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(x))
	}
	return b
}

// series describes one series of the study.
type series struct {
	number      int
	modality    string
	description string
	bodyPart    string
	start       time.Time
	model       string // Manufacturer's Model Name
	station     string
}

// common sets what every object of the study shares: SOP Common, Patient,
// General Study, Patient Study, General Series, General Equipment, the
// request and identity sequences and the private block.
func (r *resolved) common(o obj, sopClass string, se series, instance int, content time.Time) {
	p, st := r.pat, r.staff
	o.s(dicomio.TagSpecificCharacterSet, dicomio.CS, r.charset)
	o.s(dicomio.TagSOPClassUID, dicomio.UI, sopClass)
	o.s(dicomio.TagSOPInstanceUID, dicomio.UI, r.uids.make(uidInstance, se.number*100000+instance))
	o.s(tInstanceCreationDate, dicomio.DA, da(content))
	o.s(tInstanceCreationTime, dicomio.TM, tm(content))

	// The RPPS numbers of the physicians are codes of a local scheme:
	// declare it.
	cs := o.item(tCodingSchemeIdentSeq)
	cs.s(tCodingSchemeDesignator, dicomio.SH, rppsScheme)
	cs.s(tCodingSchemeUID, dicomio.UI, "1.2.250.1.71.4.2.1")
	cs.s(tCodingSchemeName, dicomio.ST, "Répertoire partagé des professionnels de santé")
	cs.s(tCodingSchemeResponsibleOrg, dicomio.ST, "Agence du Numérique en Santé")

	// Patient.
	o.s(dicomio.TagPatientName, dicomio.PN, p.DICOMName())
	o.s(dicomio.TagPatientID, dicomio.LO, p.IPP)
	o.s(tIssuerOfPatientID, dicomio.LO, "IPP-"+st.institution.FINESS)
	o.s(tTypeOfPatientID, dicomio.CS, "TEXT")
	o.s(tPatientBirthDate, dicomio.DA, da(p.BirthDate))
	o.s(tPatientSex, dicomio.CS, p.Sex)
	ref := o.item(tReferencedPatientSeq)
	ref.s(tReferencedSOPClassUID, dicomio.UI, sopPatientRef)
	ref.s(tReferencedSOPInstanceUID, dicomio.UI, r.uids.make(uidOther, 1))
	if p.NIR != "" {
		ins := o.item(tOtherPatientIDsSeq)
		ins.s(dicomio.TagPatientID, dicomio.LO, p.INS())
		ins.s(tIssuerOfPatientID, dicomio.LO, INSIssuer)
		q := ins.item(tIssuerOfPatientIDQualSeq)
		q.s(tUniversalEntityID, dicomio.UT, INSNIROID)
		q.s(tUniversalEntityIDType, dicomio.CS, "ISO")
		ins.s(tTypeOfPatientID, dicomio.CS, "TEXT")
	}
	if p.BirthName != "" && p.BirthName != p.FamilyName {
		o.s(tPatientBirthName, dicomio.PN, p.DICOMBirthName())
	}
	if p.Address.Street != "" {
		o.s(tPatientAddress, dicomio.LO, truncate(p.Address.String(), 64))
	}
	if p.Phone != "" {
		o.s(tPatientTelephoneNumbers, dicomio.SH, p.Phone)
	}
	o.s(tPatientIdentityRemoved, dicomio.CS, "NO")
	// Patient Study.
	o.s(tPatientAge, dicomio.AS, fmt.Sprintf("%03dY", max(0, min(999, p.Age(r.start)))))

	// General Study.
	o.s(dicomio.TagStudyInstanceUID, dicomio.UI, r.uids.study())
	o.s(tStudyDate, dicomio.DA, da(r.start))
	o.s(tStudyTime, dicomio.TM, tm(r.start))
	o.s(tReferringPhysicianName, dicomio.PN, st.referring.DICOMName())
	rp := o.item(tReferringPhysicianIDSeq)
	rp.code(tPersonIdentCodeSeq, st.referring.RPPS, rppsScheme, "RPPS "+st.referring.RPPS)
	rp.s(tInstitutionName, dicomio.LO, st.institution.Name)
	o.s(tStudyID, dicomio.SH, st.studyID)
	o.s(tAccessionNumber, dicomio.SH, st.accession)
	iss := o.item(tIssuerOfAccessionNumberSeq)
	iss.s(tLocalNamespaceEntityID, dicomio.UT, "RIS-"+st.institution.FINESS)
	o.s(tStudyDescription, dicomio.LO, studyDescription(r.kind))
	o.s(tNameOfPhysiciansReading, dicomio.PN, st.reading.DICOMName())

	// General Series.
	o.s(dicomio.TagModality, dicomio.CS, se.modality)
	o.s(dicomio.TagSeriesInstanceUID, dicomio.UI, r.uids.make(uidSeries, se.number))
	o.is(tSeriesNumber, se.number)
	o.s(tSeriesDate, dicomio.DA, da(se.start))
	o.s(tSeriesTime, dicomio.TM, tm(se.start))
	o.s(tSeriesDescription, dicomio.LO, se.description)
	o.s(tPerformingPhysicianName, dicomio.PN, st.reading.DICOMName())
	o.s(tOperatorsName, dicomio.PN, st.operator.FamilyName+"^"+st.operator.GivenName)
	if se.bodyPart != "" {
		o.s(tBodyPartExamined, dicomio.CS, se.bodyPart)
	}
	o.s(tPPSStartDate, dicomio.DA, da(r.start))
	o.s(tPPSStartTime, dicomio.TM, tm(r.start))
	o.s(tPPSID, dicomio.SH, "PPS"+st.studyID)
	o.s(tPPSDescription, dicomio.LO, studyDescription(r.kind))
	ra := o.item(tRequestAttributesSeq)
	ra.s(tAccessionNumber, dicomio.SH, st.accession)
	ra.s(dicomio.TagStudyInstanceUID, dicomio.UI, r.uids.study())
	ra.s(tRequestedProcedureDesc, dicomio.LO, studyDescription(r.kind))
	ra.s(tScheduledProcStepDesc, dicomio.LO, studyDescription(r.kind))
	ra.s(tScheduledProcStepID, dicomio.SH, st.stepID)
	ra.s(tRequestedProcedureID, dicomio.SH, st.procID)

	// General Equipment.
	o.s(tManufacturer, dicomio.LO, "RADKIT SYNTHETIC")
	o.s(tInstitutionName, dicomio.LO, st.institution.Name)
	a := st.institution.Address
	o.s(tInstitutionAddress, dicomio.ST, a.String())
	o.s(tStationName, dicomio.SH, se.station)
	o.s(tInstitutionalDepartmentName, dicomio.LO, st.institution.Department)
	o.s(tManufacturerModelName, dicomio.LO, se.model)
	o.s(tDeviceSerialNumber, dicomio.LO, fmt.Sprintf("SN%06d", r.Seed%1000000))
	o.s(tSoftwareVersions, dicomio.LO, "radkit synth 1.0")

	// Private block, with identifying data in it.
	o.s(tPrivateCreator, dicomio.LO, privateCreator)
	o.s(tPrivateGenerator, dicomio.LO, "radkit/synth "+string(r.kind))
	o.s(tPrivatePatientName, dicomio.PN, p.DICOMName())
	o.s(tPrivateIdentifiers, dicomio.LO, "IPP "+p.IPP, "NIR "+p.NIR)
	o.s(tPrivateSeed, dicomio.LO, strconv.FormatUint(r.Seed, 10))
}

// generalImage sets the General Image module's common part.
func generalImage(o obj, number int, imageType []string, acq, content time.Time, burnedIn bool) {
	o.s(tImageType, dicomio.CS, imageType...)
	o.is(tInstanceNumber, number)
	o.s(tAcquisitionDate, dicomio.DA, da(acq))
	o.s(tAcquisitionTime, dicomio.TM, tm(acq))
	o.s(tContentDate, dicomio.DA, da(content))
	o.s(tContentTime, dicomio.TM, tm(content))
	o.is(tAcquisitionNumber, 1)
	if burnedIn {
		o.s(tBurnedInAnnotation, dicomio.CS, "YES")
	} else {
		o.s(tBurnedInAnnotation, dicomio.CS, "NO")
	}
	o.s(tLossyImageCompression, dicomio.CS, "00")
}

// pixelModule sets the Image Pixel module for a grey or RGB image.
func pixelModule(o obj, rows, cols, samples, bitsAlloc, bitsStored int, signed bool) {
	o.us(dicomio.TagSamplesPerPixel, uint16(samples))
	if samples == 3 {
		o.s(dicomio.TagPhotometricInterpretation, dicomio.CS, "RGB")
		o.us(dicomio.TagPlanarConfiguration, 0)
	} else {
		o.s(dicomio.TagPhotometricInterpretation, dicomio.CS, "MONOCHROME2")
	}
	o.us(dicomio.TagRows, uint16(rows))
	o.us(dicomio.TagColumns, uint16(cols))
	o.us(dicomio.TagBitsAllocated, uint16(bitsAlloc))
	o.us(dicomio.TagBitsStored, uint16(bitsStored))
	o.us(dicomio.TagHighBit, uint16(bitsStored-1))
	if signed {
		o.us(dicomio.TagPixelRepresentation, 1)
	} else {
		o.us(dicomio.TagPixelRepresentation, 0)
	}
}

func studyDescription(k Kind) string {
	switch k {
	case CT:
		return "TDM thoraco-abdominale"
	case MR:
		return "IRM cérébrale"
	case CR, DX:
		return "Radiographie thoracique"
	case MG, SR:
		return "Mammographie de dépistage"
	case DBT:
		return "Tomosynthèse mammaire"
	case US:
		return "Échographie mammaire"
	case SC:
		return "Capture d'écran"
	}
	return ""
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return strings.TrimSpace(string(r[:n]))
	}
	return s
}

// rppsScheme is the Coding Scheme Designator of RPPS numbers used as
// person identification codes. RPPS has no DICOM designator; "99" marks a
// local one (PS3.16 8.2), declared with the RPPS OID in the Coding Scheme
// Identification Sequence of every object.
const rppsScheme = "99RPPS"
