package synth

import (
	"fmt"
	"time"

	"github.com/radkit/radkit/dicomio"
)

// sr builds a Basic Text SR screening mammography report, in French, with
// the reader's name and the request it fulfils: identifying data inside
// the content tree, where de-identification must look for it too.
func (r *resolved) sr(emit func(obj) error) error {
	se := series{number: 50, modality: "SR", description: "Compte rendu", start: r.at(40 * time.Minute),
		model: "Synth RIS", station: "CR-RADIO"}
	content := se.start.Add(5 * time.Minute)
	o := newObj()
	r.common(o, sopSR, se, 1, content)
	// The SR Document Series module has none of the General Series
	// acquisition attributes; the request is in the Referenced Request
	// Sequence instead.
	for _, t := range []dicomio.Tag{tBodyPartExamined, tPerformingPhysicianName, tOperatorsName,
		tPPSStartDate, tPPSStartTime, tPPSID, tPPSDescription, tRequestAttributesSeq} {
		o.ds.Delete(t)
	}
	o.empty(tReferencedPPSSeq, dicomio.SQ)
	o.is(tInstanceNumber, 1)
	o.s(tContentDate, dicomio.DA, da(content))
	o.s(tContentTime, dicomio.TM, tm(content))
	o.s(tCompletionFlag, dicomio.CS, "COMPLETE")
	o.s(tVerificationFlag, dicomio.CS, "VERIFIED")
	vo := o.item(tVerifyingObserverSeq)
	vo.s(tVerifyingObserverName, dicomio.PN, r.staff.reading.DICOMName())
	vo.code(tVerifyingObserverIDCodeSeq, r.staff.reading.RPPS, rppsScheme, "RPPS "+r.staff.reading.RPPS)
	vo.s(tVerifyingOrganization, dicomio.LO, r.staff.institution.Name)
	vo.s(tVerificationDateTime, dicomio.DT, dt(content.Add(10*time.Minute)))
	rq := o.item(tReferencedRequestSeq)
	rq.s(dicomio.TagStudyInstanceUID, dicomio.UI, r.uids.study())
	rq.empty(tReferencedStudySeq, dicomio.SQ)
	rq.s(tAccessionNumber, dicomio.SH, r.staff.accession)
	rq.s(tRequestingPhysician, dicomio.PN, r.staff.referring.DICOMName())
	rq.s(tRequestedProcedureDesc, dicomio.LO, studyDescription(r.kind))
	rq.empty(tRequestedProcedureCodeSeq, dicomio.SQ)
	rq.s(tRequestedProcedureID, dicomio.SH, r.staff.procID)
	rq.empty(tPlacerOrderNumber, dicomio.LO)
	rq.empty(tFillerOrderNumber, dicomio.LO)
	o.code(tPerformedProcedureCodeSeq, "71651007", "SCT", "Mammography")

	// Content tree.
	o.s(tValueType, dicomio.CS, "CONTAINER")
	o.code(tConceptNameCodeSeq, "18748-4", "LN", "Diagnostic Imaging Report")
	o.s(tContinuityOfContent, dicomio.CS, "SEPARATE")
	lang := o.item(tContentSeq)
	lang.s(tRelationshipType, dicomio.CS, "HAS CONCEPT MOD")
	lang.s(tValueType, dicomio.CS, "CODE")
	lang.code(tConceptNameCodeSeq, "121049", "DCM", "Language of Content Item and Descendants")
	lang.code(tConceptCodeSeq, "fr-FR", "RFC5646", "French (France)")
	obs := o.item(tContentSeq)
	obs.s(tRelationshipType, dicomio.CS, "HAS OBS CONTEXT")
	obs.s(tValueType, dicomio.CS, "PNAME")
	obs.code(tConceptNameCodeSeq, "121008", "DCM", "Person Observer Name")
	obs.s(tPersonName, dicomio.PN, r.staff.reading.DICOMName())

	rng := newRand(r.Seed, "report")
	density := 1 + rng.IntN(4)
	p := r.pat
	sections := []struct {
		code, meaning, itemCode, itemMeaning, text string
	}{
		{"121060", "History", "121060", "History", fmt.Sprintf(
			"Dépistage organisé. %s, %d ans, adressée par le Dr %s. Pas d'antécédent familial connu.",
			p.DisplayName(), p.Age(r.start), r.staff.referring.FamilyName)},
		{"121070", "Findings", "121071", "Finding", fmt.Sprintf(
			"Seins de densité de type %d. Foyer de microcalcifications rondes regroupées du quadrant supéro-externe du sein %s. Pas de masse, pas de désorganisation architecturale.",
			density, map[bool]string{true: "droit", false: "gauche"}[r.Seed%2 == 1])},
		{"121076", "Conclusions", "121077", "Conclusion",
			"ACR 3 : image probablement bénigne, surveillance à 6 mois. Première lecture, en attente de seconde lecture."},
	}
	for _, s := range sections {
		c := o.item(tContentSeq)
		c.s(tRelationshipType, dicomio.CS, "CONTAINS")
		c.s(tValueType, dicomio.CS, "CONTAINER")
		c.code(tConceptNameCodeSeq, s.code, "DCM", s.meaning)
		c.s(tContinuityOfContent, dicomio.CS, "SEPARATE")
		t := c.item(tContentSeq)
		t.s(tRelationshipType, dicomio.CS, "CONTAINS")
		t.s(tValueType, dicomio.CS, "TEXT")
		t.code(tConceptNameCodeSeq, s.itemCode, "DCM", s.itemMeaning)
		t.s(tTextValue, dicomio.UT, s.text)
	}
	return emit(o)
}
