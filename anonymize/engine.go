package anonymize

import (
	"context"
	"log/slog"
	"slices"
	"strings"

	"github.com/radkit/radkit/dicomio"
)

// Tags the engine treats specially.
const (
	tagPatientName                  dicomio.Tag = 0x00100010
	tagPatientID                    dicomio.Tag = 0x00100020
	tagIssuerOfPatientID            dicomio.Tag = 0x00100021
	tagPatientBirthDate             dicomio.Tag = 0x00100030
	tagOtherPatientIDsSequence      dicomio.Tag = 0x00101002
	tagIssuerOfPatientIDQualifiers  dicomio.Tag = 0x00100024
	tagUniversalEntityID            dicomio.Tag = 0x00400032
	tagPatientAge                   dicomio.Tag = 0x00101010
	tagAccessionNumber              dicomio.Tag = 0x00080050
	tagPatientIdentityRemoved       dicomio.Tag = 0x00120062
	tagDeidentificationMethod       dicomio.Tag = 0x00120063
	tagDeidentificationMethodCodes  dicomio.Tag = 0x00120064
	tagBurnedInAnnotation           dicomio.Tag = 0x00280301
	tagLongitudinalTemporalModified dicomio.Tag = 0x00280303
	tagCodeValue                    dicomio.Tag = 0x00080100
	tagCodingSchemeDesignator       dicomio.Tag = 0x00080102
	tagCodeMeaning                  dicomio.Tag = 0x00080104
	tagLongCodeValue                dicomio.Tag = 0x00080119
	tagURNCodeValue                 dicomio.Tag = 0x00080120
	tagManufacturer                 dicomio.Tag = 0x00080070
	tagModelName                    dicomio.Tag = 0x00081090
	tagImageLaterality              dicomio.Tag = 0x00200062
	tagOverlayRows                  dicomio.Tag = 0x60000010
)

// insIssuer and insOID identify an INS-NIR in Other Patient IDs Sequence.
const (
	insIssuer = "ASIP-SANTE-INS-NIR"
	insOID    = "1.2.250.1.213.1.4.8"
)

// isClassUIDTag reports whether t holds UIDs that name a class, a coding scheme or a syntax,
// not an instance: they identify nobody and must survive for the object to
// mean anything, whatever their value (private SOP classes included).
func isClassUIDTag(t dicomio.Tag) bool {
	switch t {
	case
		0x00020002, // Media Storage SOP Class UID
		0x00020010, // Transfer Syntax UID
		0x00020012, // Implementation Class UID
		0x00041510, // Referenced SOP Class UID in File
		0x00041512, // Referenced Transfer Syntax UID in File
		0x00080016, // SOP Class UID
		0x0008001A, // Related General SOP Class UID
		0x0008001B, // Original Specialized SOP Class UID
		0x00080062, // SOP Classes in Study
		0x0008010C, // Coding Scheme UID
		0x0008010D, // Context Group Extension Creator UID
		0x00080117, // Context UID
		0x00080118, // Mapping Resource UID
		0x00081150, // Referenced SOP Class UID
		0x04000010, // MAC Calculation Transfer Syntax UID
		0x04000510: // Encrypted Content Transfer Syntax UID
		return true
	}
	return false
}

// wellKnownUID reports whether a UID is defined by the DICOM standard
// (SOP classes, transfer syntaxes, well-known frames of reference, coding
// schemes): the same in every file, so keeping it reveals nothing.
func wellKnownUID(v string) bool {
	return strings.HasPrefix(strings.TrimRight(v, "\x00 "), "1.2.840.10008.")
}

// isOverlayOrCurve reports whether t is in a repeating group of overlays
// (60xx) or curves (50xx), even groups only.
func isOverlayOrCurve(t dicomio.Tag) bool {
	g := t.Group()
	return g%2 == 0 && (g&0xFF00 == 0x6000 || g&0xFF00 == 0x5000) && g&0x00FF <= 0x1E
}

// mode is the cleaning context of a data set: inside a sequence that an
// option cleans (Clean Structured Content on Content Sequence, Clean
// Descriptors on Request Attributes Sequence), free text not listed in
// Table E.1-1 is cleaned rather than replaced.
type mode int

const (
	modeNormal mode = iota
	modeClean
)

// job is the state of one object's de-identification.
type job struct {
	a         *Anonymizer
	ctx       context.Context
	opts      Option
	identity  string // normalised identity the pseudonym and shift derive from
	pseudonym string
	shift     int
	scrub     *termSet
	report    *Report
	path      []string
}

func (j *job) record(e *dicomio.Element, act Action, note string) {
	p := strings.Join(append(slices.Clone(j.path), e.Tag.String()), ">")
	j.report.Actions = append(j.report.Actions, ActionRecord{Path: p, Action: act.String(), Note: note})
	if j.a.log.Enabled(j.ctx, slog.LevelDebug) {
		j.a.log.LogAttrs(j.ctx, slog.LevelDebug, "anonymize action", slog.String("path", p), slog.String("action", act.String()), slog.String("note", note))
	}
}

// dataset de-identifies d in place. Elements are visited in tag order over
// a snapshot, since actions delete and replace elements.
func (j *job) dataset(d *dicomio.Dataset, m mode) error {
	if err := j.ctx.Err(); err != nil {
		return err
	}
	els := slices.Clone(d.Elements())
	var privates []*dicomio.Element
	for _, e := range els {
		t := e.Tag
		switch {
		case t.IsGroupLength():
			d.Delete(t)
			continue
		case t.Group() == 0x0002:
			d.Delete(t)
			j.record(e, Remove, "file meta element inside the data set")
			continue
		case t.IsPrivate():
			privates = append(privates, e)
			continue
		case t == dicomio.TagPixelData || t == dicomio.TagFloatPixelData || t == dicomio.TagDoubleFloatPixelData ||
			t == dicomio.TagExtendedOffsetTable || t == dicomio.TagExtendedOffsetTableLengths:
			// Top-level pixel data is the pixel cleaner's business; nested
			// images (Icon Image Sequence) go with their sequence.
			continue
		case isOverlayOrCurve(t):
			if err := j.graphics(d, e); err != nil {
				return err
			}
			continue
		}
		if err := j.element(d, e, m); err != nil {
			return err
		}
	}
	return j.private(d, privates, m)
}

// graphics applies Clean Graphics to overlays and curves: without the
// option the whole repeating group goes (Table E.1-1 removes the data and
// comments; leaving an overlay's rows and columns without its data would
// break the Overlay Plane module); with it the overlay bitmaps stay,
// masked later by the pixel rules, and their text is cleaned.
//
// Curves (50xx) go whole under every option. Table E.1-1 gives Curve Data
// (50xx,xxxx) C under Clean Graphics, but the module was retired from
// PS3.3 in 2004 and no current IOD holds it, and its data are vectors and
// labels that may draw or spell annotations (a name written on a tracing)
// which no rule can inspect. Removal is the one cleaning radkit can vouch
// for, as for the other binary values C meets.
func (j *job) graphics(d *dicomio.Dataset, e *dicomio.Element) error {
	if e.Tag.Group()&0xFF00 == 0x5000 {
		d.Delete(e.Tag)
		note := ""
		if j.opts&CleanGraphics != 0 {
			note = "retired curve: cannot be cleaned, removed"
		}
		j.record(e, Remove, note)
		return nil
	}
	if j.opts&CleanGraphics == 0 {
		d.Delete(e.Tag)
		if e.Tag.Element() == 0x3000 || e.Tag.Element() == 0x4000 {
			j.record(e, Remove, "")
		}
		return nil
	}
	if isText(e.VR) || e.VR == dicomio.PN {
		return j.cleanString(d, e)
	}
	return nil
}

// private applies the private attributes row: remove, or under Retain
// Safe Private keep what the allow-list names by (creator, group, offset),
// with the creator elements of the blocks that keep something.
func (j *job) private(d *dicomio.Dataset, els []*dicomio.Element, m mode) error {
	if len(els) == 0 {
		return nil
	}
	keepBlocks := map[dicomio.Tag]bool{}
	if j.opts&RetainSafePrivate != 0 {
		for _, e := range els {
			t := e.Tag
			if t.IsPrivateCreator() || t.Element() < 0x1000 {
				continue
			}
			creatorTag := dicomio.NewTag(t.Group(), t.Element()>>8)
			creator := strings.TrimRight(strings.TrimSpace(d.String(creatorTag)), "\x00")
			if creator == "" {
				continue
			}
			if j.a.safe[PrivateTag{Creator: creator, Group: t.Group(), Offset: uint8(t.Element())}] {
				keepBlocks[creatorTag] = true
			}
		}
	}
	for _, e := range els {
		t := e.Tag
		if t.IsPrivateCreator() {
			if keepBlocks[t] {
				continue
			}
		} else if t.Element() >= 0x1000 && keepBlocks[dicomio.NewTag(t.Group(), t.Element()>>8)] {
			creator := strings.TrimRight(strings.TrimSpace(d.String(dicomio.NewTag(t.Group(), t.Element()>>8))), "\x00")
			if j.a.safe[PrivateTag{Creator: creator, Group: t.Group(), Offset: uint8(t.Element())}] {
				if err := j.keepSafe(d, e, m); err != nil {
					return err
				}
				continue
			}
		}
		d.Delete(t)
		j.record(e, Remove, "private")
	}
	return nil
}

// keepSafe examines a private attribute the allow-list keeps. Table
// E.3.10-1 says what the attribute is meant to hold, not what a device or
// an operator wrote into it, so it gets what C gives a listed attribute:
// text holding one of the object's identifying values is replaced, dates
// and UIDs follow the options as for unlisted attributes, and the items of
// a sequence are de-identified with the table.
func (j *job) keepSafe(d *dicomio.Dataset, e *dicomio.Element, m mode) error {
	const note = "safe private"
	switch {
	case e.VR == dicomio.SQ:
		if err := j.items(e, modeClean); err != nil {
			return err
		}
	case e.VR == dicomio.UI || e.VR == dicomio.DA || e.VR == dicomio.DT || e.VR == dicomio.TM:
		act, why := j.unlisted(e, m)
		if why != "" {
			why = note + ": " + why
		}
		return j.apply(d, e, act, m, why)
	case e.VR == dicomio.UN:
		// Implicit VR: the bytes are looked at as text.
		if j.scrub.contains(string(e.Value)) {
			d.Delete(e.Tag)
			j.record(e, Remove, note+" holding an identifying value")
			return nil
		}
	case e.VR.IsString():
		before := string(e.Value)
		if err := j.cleanString(d, e); err != nil {
			return err
		}
		if e := d.Get(e.Tag); e != nil && string(e.Value) != before {
			j.record(e, Clean, note+" holding an identifying value")
			return nil
		}
	}
	j.record(e, Keep, note)
	return nil
}

// resolveUN gives an element read with VR UN its dictionary VR when the
// dictionary has a single one, so that the table's action can be applied
// to its value. Sequences encoded as UN cannot be re-read here: they are
// removed (reported), never passed through unexamined.
func resolveUN(e *dicomio.Element) bool {
	if e.VR != dicomio.UN {
		return true
	}
	de, ok := dicomio.LookupTag(e.Tag)
	if !ok || len(de.VR) != 2 {
		return false
	}
	vr := dicomio.NewVR(de.VR)
	if !vr.Valid() || vr == dicomio.SQ || vr == dicomio.UN {
		return false
	}
	e.VR = vr
	return true
}

func isText(vr dicomio.VR) bool {
	switch vr {
	case dicomio.LO, dicomio.SH, dicomio.LT, dicomio.ST, dicomio.UT, dicomio.UC:
		return true
	}
	return false
}

// element applies the table (or the rule for unlisted attributes) to one
// standard element of d.
func (j *job) element(d *dicomio.Dataset, e *dicomio.Element, m mode) error {
	t := e.Tag
	if j.a.disabled[t] {
		return nil
	}
	if !resolveUN(e) {
		d.Delete(t)
		j.record(e, Remove, "UN element of unknown type")
		return nil
	}
	switch t {
	case tagPatientName, tagPatientID:
		if err := d.SetStrings(t, e.VR, j.pseudonym); err != nil {
			return err
		}
		j.record(e, Dummy, "pseudonym")
		return nil
	case tagPatientIdentityRemoved, tagDeidentificationMethod, tagDeidentificationMethodCodes, tagLongitudinalTemporalModified:
		if len(j.path) == 0 {
			return nil // rewritten by markers
		}
	}
	r := lookupRow(t)
	var act Action
	note := ""
	if r != nil {
		act = r.action(j.opts)
		if act == Remove && requiredSomewhere(t) {
			act, note = Dummy, "X replaced by a dummy: required in some IOD"
		}
	} else {
		act, note = j.unlisted(e, m)
		if act == Keep && e.VR != dicomio.SQ {
			return nil
		}
	}
	if t == tagPatientAge && act == Keep && j.a.opts.Profile.Age == AgeCoarsen {
		if err := d.SetStrings(t, dicomio.AS, coarsenAge(d.String(t))); err != nil {
			return err
		}
		j.record(e, Clean, "age coarsened")
		return nil
	}
	return j.apply(d, e, act, m, note)
}

// requiredSomewhere reports whether an attribute coded X in Table E.1-1 is
// required in a module of some IOD, where removing it makes the output
// invalid: it gets a dummy value instead (D), which reveals exactly as
// little. Requested Procedure ID is Type 1C in the Request Attributes
// Macro and Type 2 in the SR Document General module.
func requiredSomewhere(t dicomio.Tag) bool {
	switch t {
	case 0x00401001: // Requested Procedure ID
		return true
	}
	return false
}

// unlisted is the rule for standard attributes absent from Table E.1-1,
// which PS3.15 leaves to the implementation. radkit treats as identifying:
// person names (PN) anywhere: dummy; free text (LT, ST, UT, UC): cleaned
// when a Clean option governs it, else dummy; UIDs: replaced unless they
// name a class or are defined by DICOM; dates and times: as the
// longitudinal options say (kept, shifted or dummy). Everything else
// (codes, numbers, enumerated values) is kept.
func (j *job) unlisted(e *dicomio.Element, m mode) (Action, string) {
	switch e.VR {
	case dicomio.PN:
		return Dummy, "unlisted person name"
	case dicomio.LT, dicomio.ST, dicomio.UT, dicomio.UC:
		if m == modeClean || j.opts&CleanDescriptors != 0 {
			return Clean, "unlisted free text"
		}
		return Dummy, "unlisted free text"
	case dicomio.UI:
		if isClassUIDTag(e.Tag) || j.opts&RetainUIDs != 0 {
			return Keep, ""
		}
		return Replace, "unlisted UID"
	case dicomio.DA, dicomio.DT, dicomio.TM:
		switch {
		case j.opts&RetainLongitudinalFullDates != 0:
			return Keep, ""
		case j.opts&RetainLongitudinalModifiedDates != 0:
			return Clean, "unlisted date"
		}
		return Dummy, "unlisted date"
	}
	return Keep, ""
}

func (j *job) apply(d *dicomio.Dataset, e *dicomio.Element, act Action, m mode, note string) error {
	t := e.Tag
	switch act {
	case Keep:
		if e.VR == dicomio.SQ {
			return j.items(e, m)
		}
		return nil
	case Remove:
		d.Delete(t)
	case Zero:
		e.Value, e.Items, e.Fragments, e.Source = nil, nil, nil, nil
	case Dummy:
		if err := j.dummy(d, e); err != nil {
			return err
		}
	case Clean:
		if err := j.clean(d, e); err != nil {
			return err
		}
	case Replace:
		if e.VR == dicomio.SQ {
			if err := j.items(e, m); err != nil {
				return err
			}
		} else if err := j.replaceUIDs(d, e); err != nil {
			return err
		}
	}
	j.record(e, act, note)
	return nil
}

// items de-identifies the items of a sequence.
func (j *job) items(e *dicomio.Element, m mode) error {
	j.path = append(j.path, e.Tag.String())
	defer func() { j.path = j.path[:len(j.path)-1] }()
	for _, it := range e.Items {
		if err := j.dataset(it, m); err != nil {
			return err
		}
	}
	return nil
}

// replaceUIDs maps every value of a UI element through the keyed UID map,
// keeping the UIDs DICOM itself defines.
func (j *job) replaceUIDs(d *dicomio.Dataset, e *dicomio.Element) error {
	if e.VR != dicomio.UI {
		// A U row read with another VR (UN resolved, or a command
		// element): its content is not a UID we can map.
		e.Value = nil
		return nil
	}
	vals, err := d.Strings(e.Tag)
	if err != nil {
		return err
	}
	for i, v := range vals {
		if v == "" || wellKnownUID(v) {
			continue
		}
		vals[i] = j.a.keys.mapUID(v)
	}
	return d.SetStrings(e.Tag, dicomio.UI, vals...)
}

// dummy replaces a value by the fixed dummy of its VR. A code sequence gets
// one dummy code (its codes are the identity: an RPPS number, a FINESS
// number); any other sequence keeps its items, de-identified.
func (j *job) dummy(d *dicomio.Dataset, e *dicomio.Element) error {
	t := e.Tag
	switch e.VR {
	case dicomio.SQ:
		if isCodeSequence(e) {
			it := dicomio.NewDataset()
			it.MustSetStrings(tagCodeValue, dicomio.SH, dummyText)
			it.MustSetStrings(tagCodingSchemeDesignator, dicomio.SH, "99RADKIT")
			it.MustSetStrings(tagCodeMeaning, dicomio.LO, "anonymized")
			d.SetSequence(t, it)
			return nil
		}
		return j.items(e, modeNormal)
	case dicomio.UI:
		return j.replaceUIDs(d, e)
	case dicomio.DA:
		return d.SetStrings(t, e.VR, dummyDA)
	case dicomio.TM:
		return d.SetStrings(t, e.VR, dummyTM)
	case dicomio.DT:
		return d.SetStrings(t, e.VR, dummyDT)
	case dicomio.AS:
		return d.SetStrings(t, e.VR, "000Y")
	case dicomio.DS, dicomio.IS:
		return d.SetStrings(t, e.VR, "0")
	case dicomio.UR:
		return d.SetStrings(t, e.VR, "urn:radkit:anonymized")
	case dicomio.AE, dicomio.CS, dicomio.LO, dicomio.LT, dicomio.PN, dicomio.SH, dicomio.ST, dicomio.UC, dicomio.UT:
		return d.SetStrings(t, e.VR, dummyText)
	default:
		// Binary VRs: zeros of the same length, at least one word.
		n := max(len(e.Value), 2)
		n += n % 2
		e.Value, e.Items, e.Fragments, e.Source = make([]byte, n), nil, nil, nil
		return nil
	}
}

func isCodeSequence(e *dicomio.Element) bool {
	for _, it := range e.Items {
		if it.Has(tagCodeValue) || it.Has(tagLongCodeValue) || it.Has(tagURNCodeValue) {
			return true
		}
	}
	return false
}

// clean applies C: dates are shifted (the only cleaning that keeps their
// meaning), free text and names are kept only when they hold none of the
// object's identifying values, sequences are kept with their content
// cleaned, and binary values, which cannot be inspected, are removed.
func (j *job) clean(d *dicomio.Dataset, e *dicomio.Element) error {
	switch e.VR {
	case dicomio.DA, dicomio.DT:
		if j.opts&RetainLongitudinalModifiedDates == 0 {
			return nil // C from another option (device, patient characteristics): kept
		}
		return j.shiftDates(d, e)
	case dicomio.TM:
		return nil // whole-day shifts leave times unchanged
	case dicomio.SQ:
		return j.items(e, modeClean)
	case dicomio.AS:
		if j.a.opts.Profile.Age == AgeCoarsen {
			return d.SetStrings(e.Tag, dicomio.AS, coarsenAge(d.String(e.Tag)))
		}
		return nil
	case dicomio.UI:
		return j.replaceUIDs(d, e)
	}
	if e.VR.IsString() {
		return j.cleanString(d, e)
	}
	d.Delete(e.Tag)
	return nil
}

func (j *job) cleanString(d *dicomio.Dataset, e *dicomio.Element) error {
	vals, err := d.Strings(e.Tag)
	if err != nil {
		return d.SetStrings(e.Tag, e.VR, dummyText)
	}
	for _, v := range vals {
		if j.scrub.contains(v) {
			if e.VR == dicomio.PN || isText(e.VR) || e.VR == dicomio.AE || e.VR == dicomio.CS {
				return d.SetStrings(e.Tag, e.VR, dummyText)
			}
			e.Value = nil
			return nil
		}
	}
	return nil
}

func (j *job) shiftDates(d *dicomio.Dataset, e *dicomio.Element) error {
	vals, err := d.Strings(e.Tag)
	if err != nil {
		return err
	}
	for i, v := range vals {
		var s string
		var ok bool
		if e.VR == dicomio.DA {
			s, ok = shiftDA(v, j.shift)
		} else {
			s, ok = shiftDT(v, j.shift)
		}
		if !ok {
			if e.VR == dicomio.DA {
				s = dummyDA
			} else {
				s = dummyDT
			}
		}
		vals[i] = s
	}
	return d.SetStrings(e.Tag, e.VR, vals...)
}

// patientRef extracts the identity of the object's patient.
func patientRef(ds *dicomio.Dataset) PatientRef {
	p := PatientRef{
		PatientID:         ds.String(tagPatientID),
		IssuerOfPatientID: ds.String(tagIssuerOfPatientID),
		StudyInstanceUID:  ds.String(dicomio.TagStudyInstanceUID),
		AccessionNumber:   ds.String(tagAccessionNumber),
	}
	if e := ds.Get(tagOtherPatientIDsSequence); e != nil {
		for _, it := range e.Items {
			if isINS(it) {
				p.INS = it.String(tagPatientID)
				break
			}
		}
	}
	if p.INS == "" && isINS(ds) {
		p.INS = p.PatientID
	}
	return p
}

func isINS(it *dicomio.Dataset) bool {
	if strings.EqualFold(it.String(tagIssuerOfPatientID), insIssuer) {
		return true
	}
	if q := it.Get(tagIssuerOfPatientIDQualifiers); q != nil {
		for _, qi := range q.Items {
			if qi.String(tagUniversalEntityID) == insOID {
				return true
			}
		}
	}
	return false
}

// identityOf is the normalised identity a patient's pseudonym and date
// shift derive from: the INS when the object carries one (so that two
// hospitals with different local IDs link), else issuer and Patient ID,
// else name and birth date.
func identityOf(ds *dicomio.Dataset, p PatientRef) string {
	switch {
	case p.INS != "":
		return normaliseID(p.INS)
	case p.PatientID != "":
		return "PID|" + normaliseID(p.IssuerOfPatientID) + "|" + normaliseID(p.PatientID)
	}
	return "NAME|" + normaliseID(ds.String(tagPatientName)) + "|" + ds.String(tagPatientBirthDate)
}

// markers writes the attributes PS3.15 E.1.1 requires of a de-identified
// object.
func (j *job) markers(ds *dicomio.Dataset, pixelsCleaned bool) error {
	ds.MustSetStrings(tagPatientIdentityRemoved, dicomio.CS, "YES")
	name := j.a.opts.Profile.Name
	if name == "" {
		name = "custom"
	}
	if err := ds.SetStrings(tagDeidentificationMethod, dicomio.LO, "radkit anonymize "+name, "DICOM PS3.15 E.1 Basic Profile"); err != nil {
		return err
	}
	items := []*dicomio.Dataset{codeItem("113100", "Basic Application Confidentiality Profile")}
	for _, in := range optionInfo {
		if j.opts&in.opt == 0 {
			continue
		}
		if in.opt == CleanPixelData && !pixelsCleaned {
			continue
		}
		items = append(items, codeItem(in.code, in.meaning))
	}
	ds.SetSequence(tagDeidentificationMethodCodes, items...)
	ltm := "REMOVED"
	switch {
	case j.opts&RetainLongitudinalFullDates != 0:
		ltm = "UNMODIFIED"
	case j.opts&RetainLongitudinalModifiedDates != 0:
		ltm = "MODIFIED"
	}
	ds.MustSetStrings(tagLongitudinalTemporalModified, dicomio.CS, ltm)
	for _, t := range []dicomio.Tag{tagPatientName, tagPatientID} {
		if !ds.Has(t) {
			if err := ds.SetStrings(t, 0, j.pseudonym); err != nil {
				return err
			}
		}
	}
	return nil
}

func codeItem(value, meaning string) *dicomio.Dataset {
	it := dicomio.NewDataset()
	it.MustSetStrings(tagCodeValue, dicomio.SH, value)
	it.MustSetStrings(tagCodingSchemeDesignator, dicomio.SH, "DCM")
	it.MustSetStrings(tagCodeMeaning, dicomio.LO, meaning)
	return it
}

// meta rebuilds the file meta information from what the de-identified data
// set says: the SOP Class and the new SOP Instance UID; the source, sending
// and receiving AE titles and any private information are dropped.
func meta(f *dicomio.File) {
	ts := f.Meta.String(dicomio.TagTransferSyntaxUID)
	m := dicomio.NewDataset()
	if v := f.Meta.Get(dicomio.TagFileMetaInformationVersion); v != nil {
		m.Set(v)
	}
	m.MustSetStrings(dicomio.TagMediaStorageSOPClassUID, dicomio.UI, f.Dataset.String(dicomio.TagSOPClassUID))
	m.MustSetStrings(dicomio.TagMediaStorageSOPInstanceUID, dicomio.UI, f.Dataset.String(dicomio.TagSOPInstanceUID))
	if ts != "" {
		m.MustSetStrings(dicomio.TagTransferSyntaxUID, dicomio.UI, ts)
	}
	f.Meta = m
}
