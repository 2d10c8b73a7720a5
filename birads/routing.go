package birads

import "time"

// routingRules decide what happens next, in order. The first group sets
// the outcome and is mutually exclusive (each rule tests the stage the
// form has reached); the second adds the follow-up; the last adapts the
// letters to a person without a designated doctor. A decision's Fired
// lists the rules that applied, in this order: its explanation.
var routingRules = []Rule{
	{
		ID: "BR_ROUTE_IMMEDIATE_WORKUP", Kind: Routing,
		Sources: []Citation{cite("IV.B", "le radiologue réalise « extemporanément » les examens complémentaires nécessaires (bilan de diagnostic immédiat)", 681),
			cite("I.A", "Une procédure de diagnostic sera alors effectuée immédiatement", 593)},
		Message: Text{FR: "Mammographie positive avant bilan (0) ou examen clinique anormal : le premier lecteur fait le bilan de diagnostic immédiat.",
			EN: "Mammogram positive before workup (0) or abnormal clinical exam: the first reader does the immediate diagnostic workup."},
		check: routeImmediateWorkup,
	},
	{
		ID: "BR_ROUTE_DEFERRED_WORKUP_L1", Kind: Routing,
		Sources: []Citation{cite("annexe 2", "Exceptionnellement, le bilan est fait en différé", 1108),
			cite("annexe 2", "en fonction duquel il adresse les films en seconde lecture (bilan de diagnostic immédiat négatif)", 1107)},
		Message: Text{FR: "Le bilan est différé (exceptionnel) : le premier lecteur le fera et donnera un classement définitif de 1 à 5.",
			EN: "The workup is deferred (exceptional): the first reader will do it and give a definitive 1 to 5."},
		check: routeDeferredL1,
	},
	{
		ID: "BR_ROUTE_MOBILE_POSITIVE", Kind: Routing,
		Sources: []Citation{cite("IV.D", "Si la mammographie de dépistage est positive (BI-RADS ACR 0-3-4 ou 5)", 735),
			cite("IV.D", "Si le bilan de diagnostic confirme l’anomalie", 736)},
		Message: Text{FR: "Unité mobile sans radiologue, mammographie positive : la personne et ses médecins sont avertis, la mammographie lui est remise, le bilan est fait en différé par le radiologue de son choix.",
			EN: "Mobile unit without a radiologist, positive mammogram: the person and her doctors are told, she gets the mammogram, and a radiologist of her choice does a deferred workup."},
		check: routeMobilePositive,
	},
	{
		ID: "BR_ROUTE_REFUSAL", Kind: Routing,
		Sources: []Citation{cite("IV.B", "Si la personne refuse les examens complémentaires", 690),
			cite("IV.B", "Le CRCDC envoie un courrier immédiat à la personne", 692),
			cite("IV.B", "Le passage de la mammographie en seconde lecture n’est pas obligatoire mais il est recommandé", 693),
			cite("IV.B", "un contact personnalisé est indispensable", 694)},
		Message: Text{FR: "Refus du bilan : la mammographie reste 0 ; courrier immédiat à la personne, courrier au médecin, contact personnalisé ; seconde lecture recommandée.",
			EN: "Workup refused: the mammogram stays 0; immediate letter to the person, letter to the doctor, personal contact; second reading recommended."},
		check: routeRefusal,
	},
	{
		ID: "BR_ROUTE_L1_POSITIVE", Kind: Routing,
		Sources: []Citation{cite("V.D", "Il s’agit des cas sans deuxième lecture", 792),
			cite("IV.C", "Les mammographies classées BI-RAD ACR 3,4 ou 5 en première lecture ne passent pas en deuxième lecture", 707),
			cite("V.D", "Le CRCDC engage une procédure de suivi", 799)},
		Message: Text{FR: "Positive en première lecture (3, 4 ou 5) : pas de seconde lecture ; clichés et compte-rendu remis à la personne ; suivi par le CRCDC.",
			EN: "Positive at first reading (3, 4 or 5): no second reading; images and report go to the person; CRCDC follow-up."},
		check: routeL1Positive,
	},
	{
		ID: "BR_ROUTE_CLINICAL_POSITIVE", Kind: Routing,
		Sources: []Citation{cite("V.D", "BI-RADS ACR 1 ou 2 avec examen clinique anormal et bilan diagnostique immédiat confirmant la nécessité d’une surveillance rapprochée, d’un avis spécialisé ou d’un prélèvement", 795)},
		Message: Text{FR: "Mammographie 1-2 avec examen clinique anormal que le bilan confirme : positive en première lecture, sans seconde lecture.",
			EN: "Mammogram 1-2 with an abnormal clinical exam the workup confirms: positive at first reading, no second reading."},
		check: routeClinicalPositive,
	},
	{
		ID: "BR_ROUTE_TO_L2", Kind: Routing,
		Sources: []Citation{cite("IV.B", "le CRCDC reçoit du radiologue les clichés, le compte-rendu et la fiche d’interprétation", 676),
			cite("IV.C", "Cette seconde lecture ne concerne que les clichés jugés normaux ou bénins", 701),
			cite("IV.B", "Une seconde lecture sera réalisée", 684)},
		Message: Text{FR: "Négative en première lecture (1-2, d'emblée ou après bilan, avec ou sans échographie) : seconde lecture au CRCDC.",
			EN: "Negative at first reading (1-2, directly or after workup, with or without ultrasound): second reading at the CRCDC."},
		check: routeToL2,
	},
	{
		ID: "BR_ROUTE_CLEARED_TO_L2", Kind: Routing,
		Sources: []Citation{cite("IV.D", "le dossier doit revenir vers le CRCDC pour une seconde lecture", 737),
			cite("annexe 2", "en fonction duquel il adresse les films en seconde lecture (bilan de diagnostic immédiat négatif)", 1107)},
		Message: Text{FR: "Bilan différé après la première lecture négatif (1-2) : le dossier revient au CRCDC pour seconde lecture.",
			EN: "Deferred workup after the first reading cleared the image (1-2): the file returns to the CRCDC for second reading."},
		check: routeClearedToL2,
	},
	{
		ID: "BR_ROUTE_L2_NEGATIVE", Kind: Routing,
		Sources: []Citation{cite("V.A", "dans un délai n’excédant pas 15 jours après la réalisation de la mammographie", 759),
			cite("V.A", "elle sera invitée à nouveau dans deux ans", 759)},
		Message: Text{FR: "Négative aux deux lectures : mammographie et compte-rendu envoyés à la personne au plus tard 15 jours après la mammographie ; nouvelle invitation dans deux ans.",
			EN: "Negative at both readings: mammogram and report sent to the person within 15 days of the mammogram; next invitation in two years."},
		check: routeL2Negative,
	},
	{
		ID: "BR_ROUTE_L2_POSITIVE", Kind: Routing,
		Sources: []Citation{cite("V.E", "Le CRCDC envoie dans les plus brefs délais au(x) médecin(s) généralistes ou gynécologues une lettre", 809),
			cite("V.E", "24 ou 48 heures après le médecin", 809),
			cite("V.E", "Le CRCDC envoie au radiologue premier lecteur la mammographie avec son propre compte-rendu", 808),
			cite("V.C", "une deuxième relance sera effectuée un mois plus tard", 786)},
		Message: Text{FR: "Positive en seconde lecture : lettre au médecin dans les plus brefs délais, à la personne 24 à 48 h après ; bilan différé par le premier lecteur.",
			EN: "Positive at second reading: letter to the doctor at once, to the person 24 to 48 hours later; deferred workup by the first reader."},
		check: routeL2Positive,
	},
	{
		ID: "BR_ROUTE_CTI", Kind: Routing,
		Sources: []Citation{cite("V.G", "pour une nouvelle seconde lecture", 835),
			cite("V.G", "un courrier est adressé par le CRCDC immédiatement au radiologue premier lecteur avec les clichés", 837),
			cite("V.G", "les clichés doivent être refaits avant six mois", 843)},
		Message: Text{FR: "Clichés techniquement insuffisants : courrier immédiat au premier lecteur et à la personne ; clichés refaits (ou réimprimés) puis nouvelle seconde lecture.",
			EN: "Technically inadequate images: immediate letter to the first reader and the person; images retaken (or reprinted), then a new second reading."},
		check: routeCTI,
	},
	{
		ID: "BR_ROUTE_CLEARED_NO_NEW_L2", Kind: Routing,
		Sources: []Citation{cite("V.E", "ne sont pas revus en seconde lecture, y compris si le bilan de diagnostic innocente l’image vue en seconde lecture", 812)},
		Message: Text{FR: "Bilan différé après une seconde lecture positive négatif (1-2) : pas de nouvelle seconde lecture.",
			EN: "Deferred workup after a positive second reading cleared the image (1-2): no new second reading."},
		check: routeClearedNoNewL2,
	},
	{
		ID: "BR_ROUTE_POSITIVE_AFTER_WORKUP", Kind: Routing,
		Sources: []Citation{cite("V.E", "le CRCDC engage une procédure de suivi, et recueille auprès du médecin traitant le résultat de la biopsie", 811)},
		Message: Text{FR: "Bilan différé après une seconde lecture positif (3, 4 ou 5) : suivi par le CRCDC.",
			EN: "Deferred workup after a positive second reading confirmed 3, 4 or 5: CRCDC follow-up."},
		check: routePositiveAfterWorkup,
	},
	{
		ID: "BR_ROUTE_ACR3_SURVEILLANCE", Kind: Routing,
		Sources: []Citation{cite("annexe 2", "Deux contrôles espacés de 6 mois sont réalisés avant la mammographie de dépistage suivante", 1120),
			cite("V.F", "A échéance d’un délai d’un an", 823),
			cite("V.C", "Une mammographie complète et bilatérale de dépistage doit être faite 24 mois après la précédente mammographie complète", 773)},
		Message: Text{FR: "Classement 3 : surveillance, deux contrôles à 6 mois d'intervalle, résultats au CRCDC ; mammographie complète 24 mois après la précédente.",
			EN: "Category 3: surveillance, two checks six months apart, results to the CRCDC; complete mammogram 24 months after the previous one."},
		check: routeACR3,
	},
	{
		ID: "BR_ROUTE_ACR45_HISTOLOGY", Kind: Routing,
		Sources: []Citation{cite("annexe 2", "Dans tous les cas, un examen histologique est indiqué", 1125),
			cite("V.C", "en l’absence de nouvelles dans le délai prévu dans le référentiel de l’INCa", 780),
			cite("V.C", "la personne est considérée comme « perdue de vue »", 769)},
		Message: Text{FR: "Classement 4 ou 5 : examen histologique, prise en charge décidée en RCP ; le CRCDC suit le résultat.",
			EN: "Category 4 or 5: histology, care decided in a multidisciplinary meeting; the CRCDC follows up the result."},
		check: routeACR45,
	},
	{
		ID: "BR_ROUTE_US_SUSPICIOUS_FAST_L2", Kind: Routing,
		Sources: []Citation{cite("IV.B", "Il est conseillé que ces dossiers soient vus rapidement en seconde lecture", 680)},
		Message: Text{FR: "Échographie suspecte avec une mammographie négative : la seconde lecture, qui ne porte que sur la mammographie, est faite rapidement.",
			EN: "Suspicious ultrasound with a negative mammogram: the second reading, of the mammogram only, is done quickly."},
		check: routeUSFast,
	},
	{
		ID: "BR_ROUTE_NEGATIVE_US_POSITIVE", Kind: Routing,
		Sources: []Citation{cite("V.B", "Ces cas restent des « dépistages négatifs avec échographie positive »", 763),
			cite("V.B", "suivi de type BI-RADS ACR 3 si l’image échographique requiert une surveillance", 764)},
		Message: Text{FR: "Dépistage négatif avec échographie positive : le CRCDC suit l'image échographique comme une image mammographique.",
			EN: "Negative screening with a positive ultrasound: the CRCDC follows the ultrasound image like a mammographic one."},
		check: routeNegativeUSPositive,
	},
	{
		ID: "BR_ROUTE_NO_DOCTOR", Kind: Routing,
		Sources: []Citation{cite("V.E", "Si la personne n’a pas désigné de médecin", 815)},
		Message: Text{FR: "Pas de médecin désigné : le CRCDC notifie lui-même le résultat et vérifie que la personne le reçoit.",
			EN: "No designated doctor: the CRCDC notifies the result itself and checks that the person receives it."},
		check: routeNoDoctor,
	},
}

// fired is what a routing rule returns when it applies.
func fired() []hit { return []hit{{}} }

// stage is how far the form has gone.
func (c *evalCtx) stage() (Stage, Trigger) {
	w := c.f.DeferredWorkup
	switch {
	case w != nil && w.After == AfterL2:
		return StageDeferredWorkup, AfterL2
	case c.f.L2 != nil:
		return StageL2, NoTrigger
	case w != nil:
		return StageDeferredWorkup, AfterL1
	}
	return StageL1, NoTrigger
}

func (c *evalCtx) set(st Stage, o Outcome, cat Category, pending bool) {
	c.dec.Stage, c.dec.Outcome, c.dec.Category, c.dec.Pending = st, o, cat, pending
}

func (c *evalCtx) do(by, to Party, fr, en string, notBefore, due *time.Time) {
	c.dec.Actions = append(c.dec.Actions, Action{Rule: c.rule, By: by, To: to, What: Text{FR: fr, EN: en}, NotBefore: notBefore, Due: due})
}

func (c *evalCtx) examPlus(months, days int) *time.Time {
	return timePtr(c.f.ExamDate.AddDate(0, months, days).Time())
}

// l1Open reports a first reading with no refusal or deferral, on a fixed
// site or a mobile unit with a radiologist.
func (c *evalCtx) l1Open() bool {
	st, _ := c.stage()
	s := c.status()
	return st == StageL1 && s != WorkupRefused && s != WorkupDeferred && !c.mobileNoRadiologist()
}

// l1Pending reports a first reading still awaiting its workup.
func (c *evalCtx) l1Pending() bool {
	for _, s := range Sides() {
		if c.present(s) && c.f.L1.Provisional.Get(s) == ACR0 && c.f.L1.Final.Get(s) == NoCategory {
			return true
		}
	}
	return c.f.ClinicalExam == ClinicalAbnormal && c.f.L1.ImmediateWorkup == nil
}

// routeImmediateWorkup: "le radiologue réalise « extemporanément » les
// examens complémentaires nécessaires" (L681); a suspicious clinical sign
// too (L593).
func routeImmediateWorkup(c *evalCtx) []hit {
	if !c.l1Open() || c.status() != NoWorkupStatus || !c.l1Pending() {
		return nil
	}
	c.set(StageL1, OutcomeImmediateWorkup, ACR0, true)
	c.do(PartyFirstReader, "", "Réaliser extemporanément le bilan de diagnostic immédiat : au moins une échographie pour les masses, des agrandissements pour les calcifications.",
		"Do the immediate diagnostic workup now: at least an ultrasound for masses, magnifications for calcifications.", nil, nil)
	c.do(PartyFirstReader, PartyPerson, "Informer la personne que l'anomalie ne permet pas encore de poser un diagnostic de certitude.",
		"Tell the person the finding is not yet a definite diagnosis.", nil, nil)
	return fired()
}

// routeDeferredL1: the workup is "exceptionnellement" deferred (L1108);
// its definitive category then routes the exam (L1107).
func routeDeferredL1(c *evalCtx) []hit {
	st, _ := c.stage()
	if st != StageL1 || c.status() != WorkupDeferred || c.mobileNoRadiologist() && c.l1Exam().Positive() {
		return nil
	}
	c.set(StageL1, OutcomeDeferredWorkup, ACR0, true)
	c.do(PartyFirstReader, "", "Faire le bilan différé et donner un classement définitif de 1 à 5 : 1-2 en seconde lecture, 3-5 en suivi.",
		"Do the deferred workup and give a definitive 1 to 5: 1-2 go to second reading, 3-5 to follow-up.", nil, nil)
	return fired()
}

// routeMobilePositive: mobile unit without a radiologist, "Si la
// mammographie de dépistage est positive (BI-RADS ACR 0-3-4 ou 5)" (L735).
func routeMobilePositive(c *evalCtx) []hit {
	st, _ := c.stage()
	cat := c.l1Exam()
	if st != StageL1 || !c.mobileNoRadiologist() || c.status() == WorkupRefused || !cat.Positive() {
		return nil
	}
	c.set(StageL1, OutcomeDeferredWorkup, cat, true)
	c.do(PartyCRCDC, PartyPerson, "Avertir la personne et lui remettre la mammographie.", "Tell the person and hand her the mammogram.", nil, nil)
	c.do(PartyCRCDC, PartyDoctor, "Avertir le médecin traitant et, le cas échéant, le gynécologue ou la sage-femme prescripteur.",
		"Tell the GP and, if any, the prescribing gynaecologist or midwife.", nil, nil)
	c.do(PartyRadiologist, PartyCRCDC, "Bilan différé par le radiologue choisi par la personne ; résultat au CRCDC avec la fiche de bilan différé.",
		"Deferred workup by the radiologist the person chooses; result to the CRCDC with the deferred-workup form.", nil, nil)
	return fired()
}

// l1Breasts are the first reader's categories, final or else
// provisional.
func (c *evalCtx) l1Breasts() Breasts { return Breasts{Right: c.l1Cat(Right), Left: c.l1Cat(Left)} }

// l1Exam is the exam-level category of the first reading.
func (c *evalCtx) l1Exam() Category {
	cat, _ := c.l1Breasts().Exam()
	return cat
}

// routeRefusal: L690-L694. The second reading "n'est pas obligatoire mais
// il est recommandé, si la personne n'exige pas la récupération immédiate
// de ses mammographies" (L693).
func routeRefusal(c *evalCtx) []hit {
	st, trig := c.stage()
	if c.status() != WorkupRefused || (st == StageDeferredWorkup && trig == AfterL2) {
		return nil
	}
	c.set(st, OutcomeRefusal, ACR0, true)
	if c.f.L2 == nil && !c.f.L1.ImagesReclaimed {
		c.dec.SecondReading = "recommended"
	}
	c.do(PartyFirstReader, PartyCRCDC, "Informer le CRCDC et le médecin du refus, avec les recommandations d'examens complémentaires.",
		"Tell the CRCDC and the doctor of the refusal, with the recommended exams.", nil, nil)
	c.do(PartyCRCDC, PartyPerson, "Courrier immédiat : pas de résultat fiable sans le bilan, examen en attente, le faire dans les meilleurs délais.",
		"Immediate letter: no reliable result without the workup, the exam is on hold, do it as soon as possible.", timePtr(c.now), timePtr(c.now))
	c.do(PartyCRCDC, PartyDoctor, "Courrier expliquant le refus ; le médecin informe la personne de la nécessité du bilan.",
		"Letter explaining the refusal; the doctor tells the person the workup is needed.", nil, nil)
	c.do(PartyCRCDC, PartyPerson, "Contact personnalisé ; si le refus persiste, mammographie rendue avec un compte-rendu signalant les examens nécessaires, et courrier au médecin confirmant le refus.",
		"Personal contact; if the refusal persists, mammogram returned with a report stating the exams needed, and a letter to the doctor confirming the refusal.", nil, nil)
	return fired()
}

// routeL1Positive: 3, 4 and 5 at first reading "ne passent pas en
// deuxième lecture" (L707); "Le CRCDC engage une procédure de suivi"
// (L799). It also routes a deferred workup after the first reading that
// confirms the anomaly (L736).
func routeL1Positive(c *evalCtx) []hit {
	st, trig := c.stage()
	var cat Category
	switch {
	case c.l1Open():
		cat, _ = c.l1Breasts().Exam()
	case st == StageDeferredWorkup && trig == AfterL1:
		cat, _ = c.f.DeferredWorkup.Final.Exam()
	default:
		return nil
	}
	if b := cat.Base(); b != ACR3 && b != ACR4 && b != ACR5 && b != ACR6 {
		return nil
	}
	c.set(st, OutcomeL1Positive, cat, false)
	c.do(PartyFirstReader, PartyPerson, "Remettre les clichés et le compte-rendu ; conduite à tenir en concertation avec ses médecins.",
		"Hand over the images and the report; course of action agreed with her doctors.", nil, nil)
	c.do(PartyFirstReader, PartyCRCDC, "Informer le CRCDC (fiche avec conclusions du bilan et conduite à tenir ; un cliché de l'anomalie peut être joint).",
		"Inform the CRCDC (form with the workup's conclusions and course of action; an image of the anomaly may be attached).", nil, nil)
	return fired()
}

// routeClinicalPositive: "BI-RADS ACR 1 ou 2 avec examen clinique anormal
// et bilan diagnostique immédiat confirmant la nécessité d'une surveillance
// rapprochée, d'un avis spécialisé ou d'un prélèvement" (L795) is positive
// at first reading. When the workup reassures instead, the text says
// nothing; such an exam goes to second reading like any negativated one
// (L684).
func routeClinicalPositive(c *evalCtx) []hit {
	if !c.l1Open() || !c.l1Positive795() {
		return nil
	}
	cat, _ := c.f.L1.Final.Exam()
	c.set(StageL1, OutcomeL1Positive, cat, false)
	c.do(PartyFirstReader, PartyPerson, "Orienter la personne vers une prise en charge adaptée en concertation avec ses médecins.",
		"Direct the person to appropriate care with her doctors.", nil, nil)
	c.do(PartyFirstReader, PartyCRCDC, "Adresser la fiche et les conclusions au CRCDC.", "Send the form and conclusions to the CRCDC.", nil, nil)
	return fired()
}

// negative reports whether every present breast of b is 1 or 2.
func (c *evalCtx) negative(b Breasts) bool {
	found := false
	for _, s := range Sides() {
		if !c.present(s) {
			continue
		}
		if !b.Get(s).Negative() {
			return false
		}
		found = true
	}
	return found
}

// negativeGiven reports whether every breast b classifies is 1 or 2, and
// one at least: a deferred workup classifies only the breasts it explores.
func negativeGiven(b Breasts) bool {
	return (b.Right == NoCategory || b.Right.Negative()) && (b.Left == NoCategory || b.Left.Negative()) && !b.Empty()
}

// routeToL2: second reading "ne concerne que les clichés jugés normaux ou
// bénins" (L701-L705); the CRCDC receives images, report and form (L676).
func routeToL2(c *evalCtx) []hit {
	st, _ := c.stage()
	if st != StageL1 || c.status() == WorkupRefused || c.status() == WorkupDeferred ||
		!c.negative(c.l1Breasts()) || c.l1Positive795() {
		return nil
	}
	cat, _ := c.l1Breasts().Exam()
	c.set(StageL1, OutcomeSecondReading, cat, false)
	c.dec.SecondReading = "required"
	c.do(PartyFirstReader, PartyCRCDC, "Transmettre au CRCDC les clichés, le compte-rendu et la fiche d'interprétation (et l'échographie, les clichés supplémentaires s'il y en a).",
		"Send the CRCDC the images, the report and the form (and the ultrasound and extra views, if any).", nil, c.examPlus(0, c.e.params.ResultsWithinDays))
	c.do(PartyFirstReader, PartyPerson, "Expliquer oralement le résultat, remettre un compte-rendu provisoire écrit, confirmer qu'une seconde lecture aura lieu.",
		"Explain the result orally, hand over a provisional written report, confirm a second reading will follow.", nil, nil)
	return fired()
}

// routeClearedToL2: "Si le bilan de diagnostic innocente l'image ... le
// dossier doit revenir vers le CRCDC pour une seconde lecture" (L737), as
// for a first reader's workup (L1107).
func routeClearedToL2(c *evalCtx) []hit {
	st, trig := c.stage()
	if st != StageDeferredWorkup || trig != AfterL1 || !negativeGiven(c.f.DeferredWorkup.Final) {
		return nil
	}
	cat, _ := c.f.DeferredWorkup.Final.Exam()
	c.set(st, OutcomeSecondReading, cat, false)
	c.dec.SecondReading = "required"
	c.do(PartyRadiologist, PartyCRCDC, "Renvoyer le dossier au CRCDC (clichés, examens du bilan, comptes-rendus, fiches) pour seconde lecture.",
		"Return the file to the CRCDC (images, workup exams, reports, forms) for second reading.", nil, nil)
	return fired()
}

// routeL2Negative: negative at both readings; the mammogram and report go
// to the person "dans un délai n'excédant pas 15 jours après la
// réalisation de la mammographie", with the next invitation in two years
// (L759, L1114, L1117).
func routeL2Negative(c *evalCtx) []hit {
	st, _ := c.stage()
	l2 := c.f.L2
	if st != StageL2 || c.status() == WorkupRefused || l2.CTI != nil || !c.negative(l2.Categories) {
		return nil
	}
	cat, _ := l2.Categories.Exam()
	c.set(StageL2, OutcomeNegative, cat, false)
	c.do(PartyCRCDC, PartyPerson, "Envoyer la mammographie et le compte-rendu du premier lecteur ; nouvelle invitation dans deux ans ; consulter sans délai en cas d'anomalie entre-temps.",
		"Send the mammogram and the first reader's report; next invitation in two years; see a doctor at once if anything appears meanwhile.",
		nil, c.examPlus(0, c.e.params.ResultsWithinDays))
	c.do(PartyCRCDC, PartyDoctor, "Courrier de résultat au(x) médecin(s) désigné(s).", "Result letter to the designated doctor(s).", nil, nil)
	c.do(PartyCRCDC, PartyPerson, "Nouvelle invitation.", "Next invitation.", c.examPlus(c.e.params.ReinviteMonths, 0), nil)
	return fired()
}

// routeL2Positive: L801-L816, with the chase of L783-L788 if the deferred
// workup's result does not come back.
func routeL2Positive(c *evalCtx) []hit {
	st, _ := c.stage()
	l2 := c.f.L2
	if st != StageL2 || c.status() == WorkupRefused || !(l2.Categories.Get(Right).Positive() || l2.Categories.Get(Left).Positive()) {
		return nil
	}
	cat, _ := l2.Categories.Exam()
	p := c.e.params
	c.set(StageL2, OutcomeL2Positive, cat, cat == ACR0)
	c.do(PartyCRCDC, PartyFirstReader, "Envoyer au premier lecteur la mammographie, son compte-rendu et la copie de la fiche complétée.",
		"Send the first reader the mammogram, their report and a copy of the completed form.", nil, nil)
	c.do(PartyCRCDC, PartyDoctor, "Lettre au médecin : anomalie vue en seconde lecture, examens complémentaires nécessaires, le premier lecteur reçoit les clichés et la fiche.",
		"Letter to the doctor: anomaly seen at second reading, further exams needed, the first reader gets the images and the form.", timePtr(c.now), timePtr(c.now))
	c.do(PartyCRCDC, PartyPerson, "Lettre invitant la personne à revenir chez le premier lecteur pour des examens complémentaires, avec ses mammographies antérieures.",
		"Letter asking the person to return to the first reader for further exams, bringing her previous mammograms.",
		timePtr(c.now.Add(time.Duration(p.PersonLetterMinHours)*time.Hour)), timePtr(c.now.Add(time.Duration(p.PersonLetterMaxHours)*time.Hour)))
	c.do(PartyFirstReader, PartyPerson, "Donner un rendez-vous dans les meilleurs délais (appel recommandé) ; bilan différé et fiche de bilan différé au CRCDC.",
		"Give an appointment as soon as possible (a call is recommended); deferred workup and deferred-workup form to the CRCDC.", nil, nil)
	var due *time.Time
	if p.FollowUpNoNewsDays > 0 {
		due = timePtr(c.now.AddDate(0, 0, p.FollowUpNoNewsDays))
	}
	c.do(PartyCRCDC, PartyFirstReader, "Sans résultat dans le délai du référentiel INCa : contacter le premier lecteur, relancer la personne et/ou le médecin, deuxième relance un mois plus tard, puis procédure de refus.",
		"No result within the INCa référentiel delay: contact the first reader, remind the person and/or doctor, second reminder a month later, then the refusal procedure.", due, nil)
	if l2.CTI != nil {
		c.do(PartyFirstReader, "", "Refaire aussi les clichés jugés techniquement insuffisants.", "Also redo the images judged technically inadequate.", nil, nil)
	}
	return fired()
}

// routeCTI: L832-L843 and annexe 3 V.2 (L1246-L1249).
func routeCTI(c *evalCtx) []hit {
	st, _ := c.stage()
	l2 := c.f.L2
	if st != StageL2 || l2.CTI == nil || c.status() == WorkupRefused ||
		l2.Categories.Get(Right).Positive() || l2.Categories.Get(Left).Positive() {
		return nil
	}
	c.set(StageL2, OutcomeCTI, NoCategory, true)
	c.dec.SecondReading = "new"
	what := Text{FR: "refaire les clichés", EN: "retake the images"}
	if l2.CTI.Action == Reprint {
		what = Text{FR: "réimprimer les clichés", EN: "reprint the images"}
	}
	c.do(PartyCRCDC, PartyFirstReader, "Courrier immédiat au premier lecteur avec les clichés et la fiche.", "Immediate letter to the first reader with the images and the form.", timePtr(c.now), timePtr(c.now))
	c.do(PartyCRCDC, PartyPerson, "Courrier : de nouveaux clichés sont nécessaires, de préférence dans le même centre (non facturés).",
		"Letter: new images are needed, preferably at the same centre (not billed).", nil, nil)
	c.do(PartyFirstReader, PartyPerson, "Proposer un rendez-vous dans les meilleurs délais et "+what.FR+" ; un refus se fait par écrit au CRCDC.",
		"Offer an appointment as soon as possible and "+what.EN+"; a refusal must be written to the CRCDC.", nil, nil)
	c.do(PartyFirstReader, PartyCRCDC, "Transmettre la mammographie complétée et les films initiaux pour une nouvelle seconde lecture.",
		"Send the completed mammogram and the original films for a new second reading.", nil, c.examPlus(c.e.params.CTIRetakeMonths, 0))
	return fired()
}

// routeClearedNoNewL2: after a positive second reading, the images "ne
// sont pas revus en seconde lecture, y compris si le bilan de diagnostic
// innocente l'image" (L812).
func routeClearedNoNewL2(c *evalCtx) []hit {
	st, trig := c.stage()
	if st != StageDeferredWorkup || trig != AfterL2 || !negativeGiven(c.f.DeferredWorkup.Final) {
		return nil
	}
	cat, _ := c.f.DeferredWorkup.Final.Exam()
	c.set(st, OutcomeCleared, cat, false)
	c.do(PartyRadiologist, PartyCRCDC, "Envoyer le compte-rendu définitif et la fiche de bilan différé ; pas de nouvelle seconde lecture.",
		"Send the final report and the deferred-workup form; no new second reading.", nil, nil)
	c.do(PartyCRCDC, PartyPerson, "Nouvelle invitation.", "Next invitation.", c.examPlus(c.e.params.ReinviteMonths, 0), nil)
	return fired()
}

// routePositiveAfterWorkup: a deferred workup after a positive second
// reading confirms the anomaly; the CRCDC "engage une procédure de suivi"
// (L811).
func routePositiveAfterWorkup(c *evalCtx) []hit {
	st, trig := c.stage()
	if st != StageDeferredWorkup || trig != AfterL2 {
		return nil
	}
	cat, _ := c.f.DeferredWorkup.Final.Exam()
	if b := cat.Base(); b != ACR3 && b != ACR4 && b != ACR5 && b != ACR6 {
		return nil
	}
	c.set(st, OutcomePositiveAfterWorkup, cat, false)
	c.do(PartyCRCDC, PartyDoctor, "Recueillir auprès du médecin traitant le résultat de la biopsie le cas échéant et le diagnostic final.",
		"Collect from the GP the biopsy result, if any, and the final diagnosis.", nil, nil)
	return fired()
}

// followCategory is the category the follow-up rules act on.
func (c *evalCtx) followCategory() Category {
	if c.dec.Outcome != OutcomeL1Positive && c.dec.Outcome != OutcomePositiveAfterWorkup {
		return NoCategory
	}
	return c.dec.Category.Base()
}

func (c *evalCtx) followCourse() []CourseOfAction {
	if st, _ := c.stage(); st == StageDeferredWorkup {
		return c.f.DeferredWorkup.Course
	}
	return c.f.L1.Course
}

// routeACR3: category 3, "Deux contrôles espacés de 6 mois" (L1120),
// results to the CRCDC, a reminder at one year (L823), a complete
// mammogram 24 months after the previous complete one (L773). A biopsy
// advised for a 3 is followed like a 4 (L779): see BR_ROUTE_ACR45_HISTOLOGY.
func routeACR3(c *evalCtx) []hit {
	cat := c.followCategory()
	course := c.followCourse()
	if !(cat == ACR3 && !hasCourse(course, CourseHistology) || cat.Negative() && hasCourse(course, CourseSurveillance) && !hasCourse(course, CourseHistology)) {
		return nil
	}
	p := c.e.params
	c.dec.FollowUp = FollowSurveillance
	c.do(PartyRadiologist, PartyCRCDC, "Premier contrôle de surveillance ; résultat au CRCDC (fiche de bilan différé).",
		"First surveillance check; result to the CRCDC (deferred-workup form).", nil, c.examPlus(p.ACR3CheckMonths, 0))
	c.do(PartyRadiologist, PartyCRCDC, "Second contrôle de surveillance ; résultat au CRCDC.", "Second surveillance check; result to the CRCDC.", nil, c.examPlus(2*p.ACR3CheckMonths, 0))
	c.do(PartyCRCDC, PartyFirstReader, "Sans retour : demande d'information au premier lecteur, puis à la personne et à son médecin.",
		"No news: ask the first reader, then the person and her doctor.", c.examPlus(p.ACR3ReminderMonths, 0), nil)
	c.do(PartyCRCDC, PartyPerson, "Mammographie complète et bilatérale de dépistage (la personne reste dans le programme, sauf cancer diagnostiqué).",
		"Complete bilateral screening mammogram (the person stays in the programme unless a cancer is diagnosed).", c.examPlus(p.NextCompleteMonths, 0), nil)
	return fired()
}

// routeACR45: "un examen histologique est indiqué" (L1125), care in a
// multidisciplinary meeting; with no news the CRCDC writes (L780),
// contacts personally (L781), asks the pathology laboratories (L782), and
// after a year the person is "perdue de vue" (L769).
func routeACR45(c *evalCtx) []hit {
	cat := c.followCategory()
	course := c.followCourse()
	if !(cat == ACR4 || cat == ACR5 || hasCourse(course, CourseHistology) && (cat == ACR3 || cat.Negative())) {
		return nil
	}
	p := c.e.params
	c.dec.FollowUp = FollowHistology
	c.do(PartyFirstReader, PartyDoctor, "Compte-rendu et courrier proposant une conduite à tenir ; prise en charge décidée en RCP ; prélèvement percutané dès que possible pour un 4.",
		"Report and a letter proposing a course of action; care decided in a multidisciplinary meeting; percutaneous biopsy whenever possible for a 4.", nil, nil)
	var due *time.Time
	if p.FollowUpNoNewsDays > 0 {
		due = c.examPlus(0, p.FollowUpNoNewsDays)
	}
	c.do(PartyCRCDC, PartyPerson, "Sans nouvelles dans le délai du référentiel INCa : courrier à la personne et au médecin, contact personnalisé, demande aux laboratoires d'anatomocytopathologie.",
		"No news within the INCa référentiel delay: letter to the person and doctor, personal contact, request to the pathology laboratories.", due, nil)
	c.do(PartyCRCDC, "", "Sans information malgré les relances : personne « perdue de vue ».", "No information despite reminders: person lost to follow-up.", c.examPlus(p.LostToFollowUpMonths, 0), nil)
	return fired()
}

// routeUSFast: "Il est conseillé que ces dossiers soient vus rapidement en
// seconde lecture" (L680).
func routeUSFast(c *evalCtx) []hit {
	if c.dec.Outcome != OutcomeSecondReading || !(c.f.L1.Ultrasound.Get(Right) == USSuspicious || c.f.L1.Ultrasound.Get(Left) == USSuspicious) {
		return nil
	}
	c.do(PartyCRCDC, "", "Faire la seconde lecture rapidement ; elle ne porte que sur la mammographie et la qualité des clichés.",
		"Do the second reading quickly; it only checks the mammogram and the images' quality.", nil, nil)
	return fired()
}

// routeNegativeUSPositive: "la mammographie reste classée BI-RADS ACR 1 ou
// 2 et le CRCDC engage une procédure de suivi" (L763), "suivi de type
// BI-RADS ACR 3 ... suivi de la prise en charge et des résultats
// histologiques" (L764).
func routeNegativeUSPositive(c *evalCtx) []hit {
	if c.dec.Outcome != OutcomeNegative || !(c.f.L1.Ultrasound.Get(Right) == USSuspicious || c.f.L1.Ultrasound.Get(Left) == USSuspicious) {
		return nil
	}
	c.dec.FollowUp = FollowUltrasound
	fr, en := "suivi de type BI-RADS ACR 3", "follow-up as for a category 3"
	if hasCourse(c.f.L1.Course, CourseHistology) {
		fr, en = "suivi de la prise en charge et des résultats histologiques", "follow-up of care and histology results"
	}
	c.do(PartyCRCDC, "", "« Dépistage négatif avec échographie positive » : "+fr+", évalué à part.",
		"\"Negative screening with positive ultrasound\": "+en+", evaluated separately.", nil, nil)
	return fired()
}

// routeNoDoctor: "Si la personne n'a pas désigné de médecin, le CRCDC ...
// est responsable de la notification du résultat" (L815). The letters to
// a doctor are dropped and the CRCDC notifies the person.
func routeNoDoctor(c *evalCtx) []hit {
	if !c.f.NoDoctor || c.dec.Outcome == NoOutcome {
		return nil
	}
	kept := c.dec.Actions[:0]
	for _, a := range c.dec.Actions {
		if a.To != PartyDoctor {
			kept = append(kept, a)
		}
	}
	c.dec.Actions = kept
	c.do(PartyCRCDC, PartyPerson, "Notifier le résultat et vérifier que la personne le reçoit et, si une anomalie est vue, qu'elle contacte le premier lecteur ; le médecin coordonnateur l'y incite.",
		"Notify the result and check that the person receives it and, if an anomaly is seen, contacts the first reader; the coordinating doctor encourages her.", nil, nil)
	return fired()
}
