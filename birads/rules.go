package birads

import (
	"strings"
	"time"
)

// ruleTable is the one source of truth: the engine evaluates it, Rules
// lists it, and the package documentation (rules_doc.go) and the RuleID
// constants (ruleids.go) are generated from it (see generate.go). Every
// rule cites the lines of the arrêté it encodes, with a verbatim quote a
// test finds on those lines.
var ruleTable = concatRules(constraintRules, routingRules, qualificationRules)

func concatRules(tables ...[]Rule) []Rule {
	var all []Rule
	for _, t := range tables {
		all = append(all, t...)
	}
	return all
}

func cite(section string, quote string, lines ...int) Citation {
	return Citation{Section: section, Lines: lines, Quote: quote}
}

// constraintRules are the constraints (errors) and advice (warnings) on
// a form, in the order of the form: categories, first reading, second
// reading, deferred workup, equipment.
var constraintRules = []Rule{
	{
		ID: "BR_SUBCATEGORY_4ABC_NOT_IN_PROGRAMME", Kind: Constraint,
		Sources: []Citation{cite("annexe 2", "Ces modifications sont donc sans objet pour le programme français", 1101)},
		Message: Text{FR: "Les sous-classes 4a, 4b et 4c sont sans objet pour le programme français : classer 4.",
			EN: "Subcategories 4a, 4b and 4c do not apply in the French programme: use 4."},
		check: checkSubcategory4,
	},
	{
		ID: "BR_CATEGORY_6_NOT_IN_SCREENING", Kind: Constraint,
		Sources: []Citation{cite("annexe 2", "qui ne concerne donc pas les mammographies de dépistage", 1101)},
		Message: Text{FR: "La classe 6 (histologie maligne déjà connue) ne concerne pas les mammographies de dépistage.",
			EN: "Category 6 (known malignancy) does not apply to screening mammograms."},
		check: checkCategory6,
	},
	{
		ID: "BR_EACH_BREAST_CLASSIFIED", Kind: Constraint,
		Sources: []Citation{cite("annexe 2", "Le classement concerne chaque sein", 1105),
			cite("IV.C", "devra la renseigner à son tour", 724)},
		Message: Text{FR: "Chaque sein présent est classé, par le premier lecteur et par le second ; un sein absent ne l'est pas.",
			EN: "Each breast present is classified, by the first and by the second reader; an absent breast is not."},
		check: checkEachBreastClassified,
	},
	{
		ID: "BR_DENSE_NO_ANOMALY_IS_1", Kind: Constraint,
		Sources: []Citation{
			cite("annexe 2", "les seins denses en mammographie sans anomalie décelable ne doivent pas être classés BI-ACR 0, mais 1", 1112),
			cite("annexe 2", "le classement BI-RADS/ACR 2 n’est pas utilisé pour les seins denses sans anomalie décelable", 1117),
			cite("annexe 2", "Il ne s’applique pas aux seins denses sans anomalie mammographique y compris si une anomalie échographique est détectée", 1123)},
		Message: Text{FR: "Un sein dense (type 3 ou 4) sans anomalie mammographique est classé 1, jamais 0, 2 ou 3, même avec une anomalie échographique.",
			EN: "A dense breast (type 3 or 4) with no mammographic anomaly is category 1, never 0, 2 or 3, even with an abnormal ultrasound."},
		check: checkDenseNoAnomaly,
	},
	{
		ID: "BR_US_DOES_NOT_RECLASSIFY", Kind: Constraint,
		Sources: []Citation{
			cite("IV.B", "celle-ci ne fait pas partie du bilan de diagnostic, quel que soit son résultat, la mammographie « normale » ne doit pas être reclassée", 679),
			cite("V.B", "la mammographie reste classée BI-RADS ACR 1 ou 2", 763)},
		Message: Text{FR: "Une échographie faite avec une mammographie normale ne fait pas partie du bilan : quel que soit son résultat, la mammographie n'est pas reclassée.",
			EN: "An ultrasound done with a normal mammogram is not part of the workup: whatever it shows, the mammogram is not reclassified."},
		check: checkUSDoesNotReclassify,
	},
	{
		ID: "BR_L1_PROVISIONAL_IS_0", Kind: Constraint,
		Sources: []Citation{cite("annexe 2", "il est utilisé sur la fiche d’interprétation pour toute mammographie positive avant le bilan de diagnostic immédiat", 1107)},
		Message: Text{FR: "Une mammographie positive avant le bilan de diagnostic immédiat est classée provisoirement 0, pas 3, 4 ou 5.",
			EN: "A mammogram positive before the immediate workup is provisionally 0, not 3, 4 or 5."},
		check: checkProvisionalIs0,
	},
	{
		ID: "BR_L1_FINAL_0_ONLY_AFTER_REFUSAL_OR_DEFERRAL", Kind: Constraint,
		Sources: []Citation{
			cite("annexe 2", "le premier lecteur doit avoir donné un classement définitif de 1 à 5", 1107),
			cite("IV.B", "la mammographie restera classée BI-RADS ACR 0", 693)},
		Message: Text{FR: "Le classement 0 est provisoire : après le bilan, le premier lecteur donne un classement définitif de 1 à 5 ; il ne reste 0 qu'en cas de refus ou de bilan différé.",
			EN: "Category 0 is provisional: after the workup the first reader gives a definitive 1 to 5; it stays 0 only after a refusal or while the workup is deferred."},
		check: checkFinal0,
	},
	{
		ID: "BR_DEFERRAL_REASON", Kind: Constraint,
		Sources: []Citation{cite("annexe 2", "Exceptionnellement, le bilan est fait en différé", 1108),
			cite("IV.D", "le bilan de diagnostic sera fait en différé", 735)},
		Message: Text{FR: "Un bilan différé est exceptionnel, suit une mammographie positive (0) ou un examen clinique anormal, et sa raison est indiquée (documents de référence, personne repartie, souhait de la personne, refus de l'échographie, unité mobile sans radiologue).",
			EN: "A deferred workup is exceptional, follows a positive (0) mammogram or an abnormal clinical exam, and states why (prior documents, person left, person's wish, ultrasound refused, mobile unit without a radiologist)."},
		check: checkDeferralReason,
	},
	{
		ID: "BR_WORKUP_RECORDED", Kind: Constraint,
		Sources: []Citation{cite("annexe 2", "Dans tous les cas, il renseigne sur la fiche d’interprétation les résultats du bilan de diagnostic immédiat", 1107),
			cite("VI.B", "nombre et nature des bilans immédiats pour motif radiologique", 876)},
		Message: Text{FR: "Le bilan de diagnostic immédiat est renseigné sur la fiche : motif, examens et résultat.",
			EN: "The immediate workup is recorded on the form: reason, exams and result."},
		check: checkWorkupRecorded,
	},
	{
		ID: "BR_WORKUP_REASON_MATCHES", Kind: Constraint,
		Sources: []Citation{cite("IV.B", "Si les résultats de la mammographie avant bilan sont positifs", 681),
			cite("IV.B", "le radiologue découvre une anomalie suspecte à l’examen clinique", 687),
			cite("VI.B", "nombre et nature des bilans immédiats pour motif clinique", 877)},
		Message: Text{FR: "Le motif du bilan correspond à l'examen : radiologique s'il y a une anomalie mammographique, clinique si l'examen clinique est anormal.",
			EN: "The workup's reason matches the exam: radiological needs a mammographic anomaly, clinical an abnormal clinical exam."},
		check: checkWorkupReason,
	},
	{
		ID: "BR_CLINICAL_ABNORMAL_NEEDS_WORKUP", Kind: Constraint,
		Sources: []Citation{cite("IV.B", "il doit faire le bilan de diagnostic nécessaire", 687),
			cite("I.A", "Une procédure de diagnostic sera alors effectuée immédiatement", 593)},
		Message: Text{FR: "Un examen clinique anormal impose le bilan de diagnostic (fait, différé ou refusé) avant un classement définitif.",
			EN: "An abnormal clinical exam requires the diagnostic workup (done, deferred or refused) before a definitive category."},
		check: checkClinicalNeedsWorkup,
	},
	{
		ID: "BR_CALC_NEEDS_PROFILE_AND_MAGNIFICATION", Kind: Constraint,
		Sources: []Citation{cite("IV.B", "Le radiologue ne peut pas, en particulier, classer des micro-calcifications sans cliché de profil et sans agrandissements", 681),
			cite("annexe 2", "des agrandissements pour les calcifications", 1107)},
		Message: Text{FR: "Des micro-calcifications ne sont pas classées sans cliché de profil et sans agrandissements.",
			EN: "Microcalcifications are not classified without a profile view and magnification views."},
		check: checkCalcViews,
	},
	{
		ID: "BR_MASS_NEEDS_ULTRASOUND", Kind: Constraint,
		Sources: []Citation{cite("IV.B", "ou une masse sans avoir fait d’échographie", 681),
			cite("annexe 2", "au moins une échographie pour les masses", 1107)},
		Message: Text{FR: "Une masse n'est pas classée sans échographie.",
			EN: "A mass is not classified without an ultrasound."},
		check: checkMassUltrasound,
	},
	{
		ID: "BR_CAT3_ONLY_AFTER_WORKUP", Kind: Constraint,
		Sources: []Citation{cite("annexe 2", "Ce classement n’est utilisé qu’après réalisation d’un bilan de diagnostic immédiat ou d’un bilan de diagnostic différé", 1119)},
		Message: Text{FR: "Le classement 3 n'est utilisé qu'après un bilan (immédiat ou différé) comprenant au minimum une échographie pour les masses et des agrandissements de face et de profil pour les calcifications.",
			EN: "Category 3 is only used after a workup (immediate or deferred) including at least an ultrasound for masses and face and profile magnifications for calcifications."},
		check: checkCat3AfterWorkup,
	},
	{
		ID: "BR_CAT3_NOT_FOR_NEW_OR_SUSPICIOUS", Kind: Constraint,
		Sources: []Citation{cite("annexe 2", "le classement BI-RADS/ACR 3 ne s’applique pas à une image d’apparition récente, à une image plus suspecte que sur un examen précédent, à une image suspecte même stable", 1123)},
		Message: Text{FR: "Le classement 3 ne s'applique pas à une image d'apparition récente, plus suspecte qu'auparavant, ou suspecte même stable.",
			EN: "Category 3 does not apply to a new image, an image more suspicious than before, or a suspicious image even if stable."},
		check: checkCat3NotNew,
	},
	{
		ID: "BR_CAT3_STABLE_2Y_IS_2", Kind: Constraint,
		Sources: []Citation{cite("annexe 2", "est stable au terme de la surveillance de deux ans, elle est reclassée 2", 1117)},
		Message: Text{FR: "Une image classée 3 stable au terme de deux ans de surveillance est reclassée 2.",
			EN: "A category 3 image stable at the end of two years of surveillance is reclassified 2."},
		check: checkCat3Stable,
	},
	{
		ID: "BR_REFUSAL_STAYS_0", Kind: Constraint,
		Sources: []Citation{cite("IV.B", "le radiologue premier lecteur peut classer BI-RADS ACR 0", 690),
			cite("IV.B", "Si la personne persiste dans son refus, la mammographie restera classée BI-RADS ACR 0", 693)},
		Message: Text{FR: "En cas de refus du bilan, la mammographie positive reste classée 0.",
			EN: "When the person refuses the workup, the positive mammogram stays 0."},
		check: checkRefusalStays0,
	},
	{
		ID: "BR_COURSE_MATCHES_CATEGORY", Kind: Constraint,
		Sources: []Citation{
			cite("IV.B", "que la conduite à tenir recommandée par le radiologue soit conforme au classement BI-RADS définitif", 689),
			cite("annexe 2", "Ce classement n’entraîne aucune surveillance particulière, aucun examen complémentaire", 1116),
			cite("annexe 2", "Deux contrôles espacés de 6 mois", 1120),
			cite("annexe 2", "Dans tous les cas, un examen histologique est indiqué", 1125),
			cite("V.D", "avec examen clinique anormal et bilan diagnostique immédiat confirmant la nécessité", 795)},
		Message: Text{FR: "La conduite à tenir est conforme au classement définitif : rien de particulier pour 1-2 (sauf examen clinique ou échographie anormaux), surveillance (ou avis) pour 3, histologie pour 4-5, bilan pour 0.",
			EN: "The course of action matches the final category: nothing particular for 1-2 (unless the clinical exam or ultrasound is abnormal), surveillance (or an opinion) for 3, histology for 4-5, a workup for 0."},
		check: checkCourse,
	},
	{
		ID: "BR_CAT0_NOT_TO_L2", Kind: Constraint,
		Sources: []Citation{cite("annexe 2", "Une mammographie BI-RADS/ACR 0 ne peut pas être adressée telle quelle en seconde lecture", 1107),
			cite("IV.B", "Le passage de la mammographie en seconde lecture n’est pas obligatoire mais il est recommandé", 693)},
		Message: Text{FR: "Une mammographie encore classée 0 ne passe pas en seconde lecture, sauf si la personne a refusé le bilan.",
			EN: "A mammogram still at 0 does not go to second reading, unless the person refused the workup."},
		check: checkCat0NotToL2,
	},
	{
		ID: "BR_L1_POSITIVE_NOT_TO_L2", Kind: Constraint,
		Sources: []Citation{cite("IV.C", "Les mammographies classées BI-RAD ACR 3,4 ou 5 en première lecture ne passent pas en deuxième lecture", 707),
			cite("V.D", "Il s’agit des cas sans deuxième lecture", 792)},
		Message: Text{FR: "Une mammographie positive en première lecture (3, 4, 5, ou 1-2 avec examen clinique anormal confirmé par le bilan) ne passe pas en seconde lecture.",
			EN: "A mammogram positive at first reading (3, 4, 5, or 1-2 with an abnormal clinical exam the workup confirms) does not go to second reading."},
		check: checkL1PositiveNotToL2,
	},
	{
		ID: "BR_SAME_READER_NOT_L1_AND_L2", Kind: Constraint,
		Sources: []Citation{cite("IV.C", "Une mammographie ne peut être lue par un même radiologue en tant que premier puis deuxième lecteur", 719),
			cite("IV.D", "auprès d’un second lecteur différent du premier", 734)},
		Message: Text{FR: "Un même radiologue ne peut pas être premier et second lecteur d'une mammographie.",
			EN: "The same radiologist cannot be first and second reader of one mammogram."},
		check: checkSameReader,
	},
	{
		ID: "BR_L2_DISCORDANCE_IS_0", Kind: Constraint,
		Sources: []Citation{
			cite("V.E", "La classification BI-RADS ACR 0 (demande de bilan de diagnostic différé) sera utilisée dans la plupart des cas par le second lecteur", 804),
			cite("annexe 2", "à l’exception des cas de cancers évidents", 1109),
			cite("V.E", "la demande d’un avis spécialisé après classement en ACR 3-4 ou 5", 807)},
		Message: Text{FR: "En cas de discordance, le second lecteur classe 0 ; il ne classe 5 d'emblée que pour un cancer évident, et 3, 4 ou 5 que si le bilan immédiat du premier lecteur a négativé l'image.",
			EN: "When discordant, the second reader classifies 0; 5 directly only for an obvious cancer, and 3, 4 or 5 only if the first reader's immediate workup was done and negative."},
		check: checkL2Discordance0,
	},
	{
		ID: "BR_L2_NO_3_WITHOUT_WORKUP", Kind: Constraint,
		Sources: []Citation{cite("V.E", "Le deuxième lecteur ne peut pas classer BI-RADS ACR 3 et prendre la décision d’une surveillance sans bilan", 805),
			cite("annexe 2", "Il est en particulier impossible de classer définitivement 3 ou 4 sans bilan", 1109)},
		Message: Text{FR: "Le second lecteur ne classe pas 3 sans bilan (profil et agrandissements pour les micro-calcifications, échographie pour les masses).",
			EN: "The second reader does not classify 3 without a workup (profile and magnification for microcalcifications, ultrasound for masses)."},
		check: checkL2No3,
	},
	{
		ID: "BR_L2_SPECIALIST_OPINION", Kind: Constraint,
		Sources: []Citation{cite("V.E", "par la demande d’un avis spécialisé après classement en ACR 3-4 ou 5", 807)},
		Message: Text{FR: "Quand le second lecteur classe 3, 4 ou 5 après un bilan négatif du premier lecteur, il demande un avis spécialisé.",
			EN: "When the second reader classifies 3, 4 or 5 after the first reader's negative workup, they ask for a specialist opinion."},
		check: checkL2SpecialistOpinion,
	},
	{
		ID: "BR_L2_LOCATE_ANOMALY", Kind: Constraint,
		Sources: []Citation{cite("V.E", "Il devra expliciter clairement et localiser sur le schéma l’anomalie", 806),
			cite("annexe 2", "il précisera sur la fiche d’interprétation la localisation exacte et le descriptif de ce qu’il voit", 1110)},
		Message: Text{FR: "Le second lecteur localise sur le schéma (quadrant ou rayon horaire) et décrit l'anomalie qu'il signale.",
			EN: "The second reader locates on the diagram (quadrant or clock position) and describes the anomaly they report."},
		check: checkL2Locate,
	},
	{
		ID: "BR_L2_PROPOSE_WORKUP", Kind: Constraint,
		Sources: []Citation{cite("V.E", "Dans la conclusion, il propose des examens complémentaires ou une conduite à tenir", 806),
			cite("annexe 2", "ainsi que les examens complémentaires qu’il propose", 1110)},
		Message: Text{FR: "Le second lecteur discordant propose des examens complémentaires ou une conduite à tenir.",
			EN: "A discordant second reader proposes exams or a course of action."},
		check: checkL2Propose,
	},
	{
		ID: "BR_L2_DISCORDANCE_FLAG", Kind: Constraint,
		Sources: []Citation{cite("V.E", "le second lecteur l’indique sur la fiche d’interprétation", 806),
			cite("VI.B", "« BI-RADS ACR 1-2 » en L1 et « BI-RADS ACR 0-3-4-5 » en L2", 899)},
		Message: Text{FR: "La discordance est indiquée sur la fiche, et seulement elle : 1-2 en première lecture, 0-3-4-5 en seconde.",
			EN: "Discordance is marked on the form, and only it: 1-2 at first reading, 0-3-4-5 at second."},
		check: checkL2DiscordanceFlag,
	},
	{
		ID: "BR_L2_NO_ULTRASOUND_FOR_DENSE", Kind: Constraint,
		Sources: []Citation{cite("IV.C", "Il n’appartient pas au second lecteur de demander une échographie pour des seins denses normaux si le premier lecteur ne l’a pas jugée utile", 700),
			cite("V.E", "Il n’appartient pas au deuxième lecteur de demander une échographie pour des seins denses sans anomalie visible", 807)},
		Message: Text{FR: "Le second lecteur ne demande pas d'échographie pour des seins denses sans anomalie visible si le premier lecteur ne l'a pas jugée utile.",
			EN: "The second reader does not ask for an ultrasound of dense breasts with no visible anomaly when the first reader did not find one useful."},
		check: checkL2NoUSDense,
	},
	{
		ID: "BR_CTI_REASON_AND_ACTION", Kind: Constraint,
		Sources: []Citation{cite("annexe 3, V.2", "le second lecteur indiquera clairement le motif de ce CTI et la conduite à tenir", 1246),
			cite("annexe 3, V.2", "défaut de positionnement et qualité image : cliché à refaire", 1248),
			cite("annexe 3, V.2", "réimpression du cliché si l’image a été archivée, sinon le refaire", 1249)},
		Message: Text{FR: "Un CTI indique son motif et la conduite à tenir : cliché à refaire (positionnement, qualité image), réimpression (impression, image archivée) sinon cliché à refaire.",
			EN: "A CTI states its reason and action: retake (positioning, image quality), reprint (print quality, image archived), else retake."},
		check: checkCTI,
	},
	{
		ID: "BR_DEFERRED_WORKUP_TRIGGER", Kind: Constraint,
		Sources: []Citation{cite("V.E", "Il remplit une fiche de bilan de diagnostic différé", 810),
			cite("annexe 2", "Exceptionnellement, le bilan est fait en différé", 1108),
			cite("IV.D", "le bilan de diagnostic sera fait en différé auprès d’un radiologue selon le choix de la personne", 735)},
		Message: Text{FR: "Un bilan différé suit une seconde lecture positive, ou une première lecture positive dont le bilan a été différé (exceptionnel, ou unité mobile sans radiologue).",
			EN: "A deferred workup follows a positive second reading, or a positive first reading whose workup was deferred (exceptionally, or in a mobile unit without a radiologist)."},
		check: checkDeferredTrigger,
	},
	{
		ID: "BR_DEFERRED_WORKUP_COMPLETE", Kind: Constraint,
		Sources: []Citation{cite("V.E", "précisant les données des examens complémentaires avec leur conclusion, le classement définitif (BI-RADS ACR 1 à 5) et la conduite à tenir préconisée", 810)},
		Message: Text{FR: "La fiche de bilan différé précise les examens, leur conclusion, le classement définitif (1 à 5) de chaque sein exploré et la conduite à tenir.",
			EN: "The deferred-workup form gives the exams, their conclusion, the definitive category (1 to 5) of each breast explored and the course of action."},
		check: checkDeferredComplete,
	},
	{
		ID: "BR_EQUIPMENT_RECORDED", Kind: Constraint,
		Sources: []Citation{cite("annexe 3, IV.1", "seront obligatoirement recueillies via les différents items définis dans la fiche d’interprétation", 1206),
			cite("annexe 3, VI", "le type et la marque de matériel utilisé en première lecture", 1253)},
		Message: Text{FR: "La fiche recueille obligatoirement le type et la marque de l'appareil, la console et le type de première lecture.",
			EN: "The form must record the equipment type and brand, the console and the kind of first reading."},
		check: checkEquipmentRecorded,
	},
	{
		ID: "BR_DIGITAL_ONLY", Kind: Constraint,
		Sources: []Citation{cite("Introduction", "Seules les installations de mammographie numérique sont autorisées", 587),
			cite("annexe 3, I", "L’utilisation ou la lecture sur console de films numérisés secondairement n’est pas autorisée", 1137)},
		Message: Text{FR: "Seules les installations numériques (DR, CR, balayage) participent ; les films numérisés secondairement ne sont pas autorisés.",
			EN: "Only digital units (DR, CR, scanning) take part; films digitised afterwards are not allowed."},
		check: checkDigitalOnly,
	},
	{
		ID: "BR_L1_READ_ON_CONSOLE", Kind: Constraint,
		Sources: []Citation{cite("annexe 3, IV.2", "Le premier lecteur interprète obligatoirement les clichés sur console d’interprétation", 1210),
			cite("annexe 3, IV.2", "La lecture sur films laser n’est autorisée que pour la comparaison avec les clichés antérieurs", 1216)},
		Message: Text{FR: "Le premier lecteur interprète obligatoirement sur console ; les films laser ne servent qu'à comparer avec les clichés antérieurs.",
			EN: "The first reader must read on a console; laser films are only for comparing with prior exams."},
		check: checkReadOnConsole,
	},
	{
		ID: "BR_MOBILE_WITHOUT_RADIOLOGIST", Kind: Constraint,
		Sources: []Citation{cite("IV.D", "à condition qu’un médecin, nécessairement formé à la radioprotection, soit présent pour interroger la personne et l’examiner", 732),
			cite("IV.D", "de réaliser des examens de diagnostic immédiat en cas de mammographie positive", 732)},
		Message: Text{FR: "Une unité mobile sans radiologue exige un médecin formé à la radioprotection, et ne peut pas faire de bilan immédiat.",
			EN: "A mobile unit without a radiologist needs a doctor trained in radiation protection, and cannot do an immediate workup."},
		check: checkMobile,
	},
	{
		ID: "BR_CLINICAL_EXAM_DONE", Kind: Advice,
		Sources: []Citation{cite("Introduction", "L’examen de dépistage comporte un examen clinique et une mammographie", 586)},
		Message: Text{FR: "L'examen de dépistage comporte un examen clinique des seins ; il n'a pas été fait.",
			EN: "The screening exam includes a clinical breast exam; it was not done."},
		check: checkClinicalDone,
	},
	{
		ID: "BR_CAT3_BIOPSY_EXCEPTIONAL", Kind: Advice,
		Sources: []Citation{cite("annexe 2", "Les indications de biopsie chirurgicale ou de prélèvement percutané pour une image classé 3 sont exceptionnelles", 1121)},
		Message: Text{FR: "Un prélèvement pour une image classée 3 est exceptionnel (impossibilité de surveiller, facteurs de risque).",
			EN: "A biopsy for a category 3 image is exceptional (surveillance impossible, particular risk factors)."},
		check: checkCat3Biopsy,
	},
	{
		ID: "BR_FINDINGS_SUGGESTION", Kind: Advice,
		Sources: []Citation{cite("annexe 2", "Sont considérées comme bénignes (classées 2, VPP de cancer = 0 %)", 1064),
			cite("annexe 2", "Sont considérées comme probablement bénignes (classées 3, VPP de cancer < 2 %)", 1075),
			cite("annexe 2", "Sont considérées comme suspectes (classées 4, VPP > 2 % et < 95 %)", 1082),
			cite("annexe 2", "Sont considérées comme malignes (classées 5, VPP > 95 %)", 1091)},
		Message: Text{FR: "Le classement du lecteur diffère de celui que donne le tableau de l'annexe 2 pour les images décrites.",
			EN: "The reader's category differs from the one annexe 2's table gives for the findings described."},
		check: checkSuggestion,
	},
}

// evalCtx is one evaluation: the form (or the activity), the engine and
// the decision being built. It is not shared between goroutines.
type evalCtx struct {
	e        *Engine
	f        *Form
	activity *ReaderActivity
	now      time.Time
	rule     RuleID
	dec      *Decision
}

func (c *evalCtx) present(s Side) bool { return slicesIndex(c.f.History.Mastectomy, s) < 0 }

func (c *evalCtx) status() WorkupStatus {
	if w := c.f.L1.ImmediateWorkup; w != nil {
		return w.Status
	}
	return NoWorkupStatus
}

func (c *evalCtx) mobileNoRadiologist() bool {
	m := c.f.Site.MobileUnit
	return m != nil && !m.RadiologistOnBoard
}

func (c *evalCtx) suggest(fs []Finding, s Side) Suggestion {
	return suggest(fs, s, c.f.ExamDate, c.e.params.ACR3StableMonths)
}

// l1Cat is the first reader's category of a breast: final, else
// provisional.
func (c *evalCtx) l1Cat(s Side) Category {
	if v := c.f.L1.Final.Get(s); v != NoCategory {
		return v
	}
	return c.f.L1.Provisional.Get(s)
}

// preL2 is the first-reading result the second reader sees: the deferred
// workup's when it followed the first reading (L737), else the first
// reader's.
func (c *evalCtx) preL2(s Side) Category {
	if w := c.f.DeferredWorkup; w != nil && w.After == AfterL1 && w.Final.Get(s) != NoCategory {
		return w.Final.Get(s)
	}
	return c.l1Cat(s)
}

// workupNegativeDone reports whether a workup was done at first reading
// and "a négativé l'anomalie" (L1109): the immediate one, or a deferred
// one after the first reading.
func (c *evalCtx) workupNegativeDone() bool {
	if c.status() == WorkupDone {
		return true
	}
	w := c.f.DeferredWorkup
	return w != nil && w.After == AfterL1 && len(w.Exams) > 0
}

// l2Discordant reports the breasts the second reader finds positive
// although the first reading was negative (L899).
func (c *evalCtx) l2Discordant(s Side) bool {
	l2 := c.f.L2
	return l2 != nil && c.preL2(s).Negative() && l2.Categories.Get(s).Positive()
}

// l1Positive795 is the case of L795: 1 or 2 with an abnormal clinical
// exam, and an immediate workup confirming surveillance, an opinion or a
// biopsy.
func (c *evalCtx) l1Positive795() bool {
	ex, _ := c.l1Breasts().Exam()
	return ex.Negative() && c.f.ClinicalExam == ClinicalAbnormal && c.status() == WorkupDone &&
		hasCourse(c.f.L1.Course, CourseSurveillance, CourseSpecialistOpinion, CourseHistology)
}

func (c *evalCtx) anyUSAbnormal() bool {
	u := c.f.L1.Ultrasound
	return u != nil && (u.Right.abnormal() || u.Left.abnormal())
}

func hasSide(fs []Finding, s Side) bool {
	for i := range fs {
		if fs[i].Side == s {
			return true
		}
	}
	return false
}

func hasCourse(cs []CourseOfAction, want ...CourseOfAction) bool {
	for _, c := range cs {
		for _, w := range want {
			if c == w {
				return true
			}
		}
	}
	return false
}

func hasProc(ps []Procedure, want ...Procedure) bool {
	for _, p := range ps {
		for _, w := range want {
			if p == w {
				return true
			}
		}
	}
	return false
}

// l1Exams are the first reader's extra views and, if done, the immediate
// workup's exams.
func (c *evalCtx) l1Exams() []Procedure {
	ps := append([]Procedure(nil), c.f.L1.ExtraViews...)
	if w := c.f.L1.ImmediateWorkup; w != nil && w.Status == WorkupDone {
		ps = append(ps, w.Exams...)
	}
	return ps
}

// kinds are the kinds of anomaly seen on one breast, with whether each
// mass had an ultrasound described.
type kinds struct {
	mass, calc, massUS bool
}

func kindsOf(fs []Finding, s Side) kinds {
	var k kinds
	k.massUS = true
	for i := range fs {
		f := &fs[i]
		if f.Side != s {
			continue
		}
		switch f.Kind {
		case KindMass:
			k.mass = true
			if f.Mass == nil || !f.Mass.Ultrasound.done() {
				k.massUS = false
			}
		case KindCalcifications:
			k.calc = true
		}
	}
	return k
}

func (k *kinds) addL2(as []L2Anomaly, s Side) {
	for _, a := range as {
		if a.Side != s {
			continue
		}
		switch a.Kind {
		case KindMass:
			k.mass, k.massUS = true, false
		case KindCalcifications:
			k.calc = true
		}
	}
}

// missingWorkup says what a workup lacks for the kinds of one breast:
// ultrasound for masses (unless each mass's ultrasound is described),
// and for calcifications a profile view and a magnification, or both
// magnifications when faceAndProfile (L1119).
func missingWorkup(k kinds, ps []Procedure, faceAndProfile bool) []string {
	var miss []string
	if k.mass && !k.massUS && !hasProc(ps, Ultrasound) {
		miss = append(miss, "ultrasound")
	}
	if k.calc {
		if faceAndProfile {
			if !hasProc(ps, MagnificationFace) {
				miss = append(miss, "magnification_face")
			}
			if !hasProc(ps, MagnificationProfile) {
				miss = append(miss, "magnification_profile")
			}
		} else {
			if !hasProc(ps, ProfileView, MagnificationProfile) {
				miss = append(miss, "profile_view")
			}
			if !hasProc(ps, MagnificationFace, MagnificationProfile) {
				miss = append(miss, "magnification")
			}
		}
	}
	return miss
}

func missingText(miss []string) Text {
	return Text{FR: "manque : " + strings.Join(miss, ", "), EN: "missing: " + strings.Join(miss, ", ")}
}

func catPath(base string, s Side) string { return base + "." + s.String() }

// categoryFields lists every category of the form with its path.
func (c *evalCtx) categoryFields(fn func(path string, s Side, v Category)) {
	for _, s := range Sides() {
		fn(catPath("l1.provisional", s), s, c.f.L1.Provisional.Get(s))
		fn(catPath("l1.final", s), s, c.f.L1.Final.Get(s))
		if c.f.L2 != nil {
			fn(catPath("l2.categories", s), s, c.f.L2.Categories.Get(s))
		}
		if c.f.DeferredWorkup != nil {
			fn(catPath("deferred_workup.final", s), s, c.f.DeferredWorkup.Final.Get(s))
		}
	}
}

// checkSubcategory4 rejects 4a, 4b and 4c in programme mode: annexe 2
// calls them "sans objet pour le programme français" (L1101).
func checkSubcategory4(c *evalCtx) []hit {
	var hs []hit
	if c.e.mode != Programme {
		return nil
	}
	c.categoryFields(func(p string, s Side, v Category) {
		if v == ACR4A || v == ACR4B || v == ACR4C {
			hs = append(hs, hit{path: p, side: s})
		}
	})
	return hs
}

// checkCategory6 rejects 6 in programme mode: it "ne concerne donc pas les
// mammographies de dépistage" (L1101).
func checkCategory6(c *evalCtx) []hit {
	var hs []hit
	if c.e.mode != Programme {
		return nil
	}
	c.categoryFields(func(p string, s Side, v Category) {
		if v == ACR6 {
			hs = append(hs, hit{path: p, side: s})
		}
	})
	return hs
}

// checkEachBreastClassified: the classification "concerne chaque sein"
// (L1105), and the second reader fills in the form in turn (L724); a CTI
// reading may leave the categories for the new reading.
func checkEachBreastClassified(c *evalCtx) []hit {
	var hs []hit
	for _, s := range Sides() {
		if !c.present(s) {
			if c.l1Cat(s) != NoCategory {
				hs = append(hs, hit{path: catPath("l1.final", s), side: s, detail: Text{FR: "sein absent (mastectomie)", EN: "breast absent (mastectomy)"}})
			}
			continue
		}
		if c.l1Cat(s) == NoCategory {
			hs = append(hs, hit{path: catPath("l1.final", s), side: s})
		}
		if l2 := c.f.L2; l2 != nil && l2.CTI == nil && l2.Categories.Get(s) == NoCategory {
			hs = append(hs, hit{path: catPath("l2.categories", s), side: s})
		}
	}
	return hs
}

// checkDenseNoAnomaly encodes the three notes of annexe 2 on dense
// breasts with no mammographic anomaly: not 0 (L1112), not 2 (L1117), not
// 3 (L1123), so exactly 1, whatever the ultrasound shows.
func checkDenseNoAnomaly(c *evalCtx) []hit {
	if !c.f.L1.Density.Dense() {
		return nil
	}
	var hs []hit
	for _, s := range Sides() {
		if !c.present(s) {
			continue
		}
		l1Anom := hasSide(c.f.L1.Findings, s)
		if !l1Anom {
			for _, x := range []struct {
				p string
				v Category
			}{{"l1.provisional", c.f.L1.Provisional.Get(s)}, {"l1.final", c.f.L1.Final.Get(s)}} {
				if x.v != NoCategory && x.v != ACR1 {
					hs = append(hs, hit{path: catPath(x.p, s), side: s})
				}
			}
		}
		l2Anom := l1Anom
		if l2 := c.f.L2; l2 != nil {
			for _, a := range l2.Anomalies {
				l2Anom = l2Anom || a.Side == s
			}
			if v := l2.Categories.Get(s); !l2Anom && v != NoCategory && v != ACR1 {
				hs = append(hs, hit{path: catPath("l2.categories", s), side: s})
			}
		}
		if w := c.f.DeferredWorkup; w != nil && !l2Anom && !hasSide(w.Findings, s) {
			if v := w.Final.Get(s); v != NoCategory && v != ACR1 {
				hs = append(hs, hit{path: catPath("deferred_workup.final", s), side: s})
			}
		}
	}
	return hs
}

// checkUSDoesNotReclassify: an ultrasound done with a normal mammogram
// "ne fait pas partie du bilan ... la mammographie « normale » ne doit pas
// être reclassée" (L679, L763). A breast with no mammographic finding and
// an abnormal ultrasound keeps 1 (or 2).
func checkUSDoesNotReclassify(c *evalCtx) []hit {
	var hs []hit
	for _, s := range Sides() {
		if !c.present(s) || hasSide(c.f.L1.Findings, s) || !c.f.L1.Ultrasound.Get(s).abnormal() {
			continue
		}
		for _, x := range []struct {
			p string
			v Category
		}{{"l1.provisional", c.f.L1.Provisional.Get(s)}, {"l1.final", c.f.L1.Final.Get(s)}} {
			if x.v.Positive() {
				hs = append(hs, hit{path: catPath(x.p, s), side: s})
			}
		}
	}
	return hs
}

// checkProvisionalIs0: 0 "est utilisé sur la fiche d'interprétation pour
// toute mammographie positive avant le bilan de diagnostic immédiat"
// (L1107); a provisional 3-5 should have been 0, and a provisional 1-2
// cannot turn positive without it.
func checkProvisionalIs0(c *evalCtx) []hit {
	var hs []hit
	for _, s := range Sides() {
		p, f := c.f.L1.Provisional.Get(s), c.f.L1.Final.Get(s)
		switch {
		case p == NoCategory || p == ACR0:
		case !p.Negative():
			hs = append(hs, hit{path: catPath("l1.provisional", s), side: s, detail: Text{FR: "provisoire " + p.String(), EN: "provisional " + p.String()}})
		case f.Positive():
			hs = append(hs, hit{path: catPath("l1.final", s), side: s, detail: Text{FR: "provisoire " + p.String() + ", définitif " + f.String(), EN: "provisional " + p.String() + ", final " + f.String()}})
		}
	}
	return hs
}

// checkFinal0: 0 is provisional (L1107); it stays only after a refusal
// (L693) or while the workup is deferred (L1108); once the workup is done
// each breast has its definitive category ("à la fin du bilan ... le
// premier lecteur doit avoir donné un classement définitif", L1107).
func checkFinal0(c *evalCtx) []hit {
	var hs []hit
	st := c.status()
	for _, s := range Sides() {
		if c.f.L1.Final.Get(s) == ACR0 && st != WorkupRefused && st != WorkupDeferred {
			hs = append(hs, hit{path: catPath("l1.final", s), side: s})
		}
		if st == WorkupDone && c.present(s) && c.f.L1.Final.Get(s) == NoCategory {
			hs = append(hs, hit{path: catPath("l1.final", s), side: s, detail: Text{FR: "bilan fait, pas de classement définitif", EN: "workup done, no definitive category"}})
		}
	}
	return hs
}

// checkDeferralReason: the workup is deferred only "exceptionnellement"
// for the reasons of L1108, or in a mobile unit without a radiologist
// (L735).
func checkDeferralReason(c *evalCtx) []hit {
	w := c.f.L1.ImmediateWorkup
	if w == nil {
		return nil
	}
	switch {
	case w.Status == WorkupDeferred && w.Deferral == NoDeferralReason:
		return []hit{{path: "l1.immediate_workup.deferral_reason"}}
	case w.Status != WorkupDeferred && w.Deferral != NoDeferralReason:
		return []hit{{path: "l1.immediate_workup.deferral_reason", detail: Text{FR: "le bilan n'est pas différé", EN: "the workup is not deferred"}}}
	case w.Deferral == DeferMobileNoRadiologist && !c.mobileNoRadiologist():
		return []hit{{path: "l1.immediate_workup.deferral_reason", detail: Text{FR: "pas une unité mobile sans radiologue", EN: "not a mobile unit without a radiologist"}}}
	case w.Status == WorkupDeferred && !c.l1Exam().Positive() && c.f.L1.Provisional.Get(Right) != ACR0 &&
		c.f.L1.Provisional.Get(Left) != ACR0 && c.f.ClinicalExam != ClinicalAbnormal:
		return []hit{{path: "l1.immediate_workup.status", detail: Text{FR: "rien à explorer : ni mammographie positive (0) ni examen clinique anormal", EN: "nothing to explore: no positive (0) mammogram nor abnormal clinical exam"}}}
	}
	return nil
}

// checkWorkupRecorded: the first reader "renseigne sur la fiche
// d'interprétation les résultats du bilan de diagnostic immédiat"
// (L1107); its reason is counted (L876-L878).
func checkWorkupRecorded(c *evalCtx) []hit {
	w := c.f.L1.ImmediateWorkup
	if w == nil || w.Status != WorkupDone {
		return nil
	}
	var hs []hit
	if w.Reason == NoWorkupReason {
		hs = append(hs, hit{path: "l1.immediate_workup.reason"})
	}
	if len(w.Exams) == 0 {
		hs = append(hs, hit{path: "l1.immediate_workup.exams"})
	}
	if strings.TrimSpace(w.Result) == "" {
		hs = append(hs, hit{path: "l1.immediate_workup.result"})
	}
	return hs
}

// checkWorkupReason: a radiological workup follows a positive mammogram
// (L681), a clinical one an abnormal clinical exam (L687); the indicators
// count them apart (L876-L878).
func checkWorkupReason(c *evalCtx) []hit {
	w := c.f.L1.ImmediateWorkup
	if w == nil || w.Status != WorkupDone {
		return nil
	}
	var hs []hit
	if (w.Reason == ReasonClinical || w.Reason == ReasonBoth) && c.f.ClinicalExam != ClinicalAbnormal {
		hs = append(hs, hit{path: "l1.immediate_workup.reason", detail: Text{FR: "examen clinique non anormal", EN: "clinical exam not abnormal"}})
	}
	if (w.Reason == ReasonRadiological || w.Reason == ReasonBoth) && len(c.f.L1.Findings) == 0 {
		hs = append(hs, hit{path: "l1.immediate_workup.reason", detail: Text{FR: "aucune anomalie mammographique décrite", EN: "no mammographic finding recorded"}})
	}
	return hs
}

// checkClinicalNeedsWorkup: for a suspicious clinical finding the
// radiologist "doit faire le bilan de diagnostic nécessaire" (L687, L593).
func checkClinicalNeedsWorkup(c *evalCtx) []hit {
	if c.f.ClinicalExam != ClinicalAbnormal || c.f.L1.ImmediateWorkup != nil || c.f.L1.Final.Empty() {
		return nil
	}
	return []hit{{path: "l1.immediate_workup"}}
}

// checkCalcViews: the radiologist "ne peut pas ... classer des
// micro-calcifications sans cliché de profil et sans agrandissements"
// (L681, L1107). It applies to a breast positive before workup (0) or
// classified 3 to 5, at first reading and at the deferred workup.
func checkCalcViews(c *evalCtx) []hit {
	return c.workupContent(func(k kinds) kinds { k.mass = false; return k })
}

// checkMassUltrasound: nor "une masse sans avoir fait d'échographie"
// (L681, L1107).
func checkMassUltrasound(c *evalCtx) []hit {
	return c.workupContent(func(k kinds) kinds { k.calc = false; return k })
}

func (c *evalCtx) workupContent(only func(kinds) kinds) []hit {
	var hs []hit
	for _, s := range Sides() {
		p, f := c.f.L1.Provisional.Get(s), c.f.L1.Final.Get(s)
		if f.Definitive() && (p == ACR0 || f.Base() == ACR3 || f.Base() == ACR4 || f == ACR5) {
			if miss := missingWorkup(only(kindsOf(c.f.L1.Findings, s)), c.l1Exams(), false); len(miss) > 0 {
				hs = append(hs, hit{path: catPath("l1.final", s), side: s, detail: missingText(miss)})
			}
		}
		if w := c.f.DeferredWorkup; w != nil && w.Final.Get(s).Definitive() {
			k := kindsOf(w.Findings, s)
			if w.After == AfterL2 && c.f.L2 != nil {
				k.addL2(c.f.L2.Anomalies, s)
			} else {
				k2 := kindsOf(c.f.L1.Findings, s)
				k.mass, k.calc, k.massUS = k.mass || k2.mass, k.calc || k2.calc, k.massUS && k2.massUS
			}
			ps := append(append([]Procedure(nil), w.Exams...), c.f.L1.ExtraViews...)
			if miss := missingWorkup(only(k), ps, false); len(miss) > 0 {
				hs = append(hs, hit{path: catPath("deferred_workup.final", s), side: s, detail: missingText(miss)})
			}
		}
	}
	return hs
}

// checkCat3AfterWorkup: 3 "n'est utilisé qu'après réalisation d'un bilan
// de diagnostic immédiat ou d'un bilan de diagnostic différé, au minimum
// une échographie pour les masses et des agrandissements de face et de
// profil pour les calcifications" (L1119). The second reader's 3 is
// BR_L2_NO_3_WITHOUT_WORKUP's.
func checkCat3AfterWorkup(c *evalCtx) []hit {
	var hs []hit
	for _, s := range Sides() {
		if c.f.L1.Final.Get(s) == ACR3 {
			if c.status() != WorkupDone {
				hs = append(hs, hit{path: catPath("l1.final", s), side: s, detail: Text{FR: "pas de bilan immédiat fait", EN: "no immediate workup done"}})
			} else if miss := missingWorkup(kindsOf(c.f.L1.Findings, s), c.l1Exams(), true); len(miss) > 0 {
				hs = append(hs, hit{path: catPath("l1.final", s), side: s, detail: missingText(miss)})
			}
		}
		if w := c.f.DeferredWorkup; w != nil && w.Final.Get(s) == ACR3 {
			k := kindsOf(append(append([]Finding(nil), w.Findings...), c.f.L1.Findings...), s)
			if c.f.L2 != nil {
				k.addL2(c.f.L2.Anomalies, s)
			}
			ps := append(append([]Procedure(nil), w.Exams...), c.f.L1.ExtraViews...)
			if len(w.Exams) == 0 {
				hs = append(hs, hit{path: catPath("deferred_workup.final", s), side: s, detail: Text{FR: "aucun examen du bilan", EN: "no workup exam"}})
			} else if miss := missingWorkup(k, ps, true); len(miss) > 0 {
				hs = append(hs, hit{path: catPath("deferred_workup.final", s), side: s, detail: missingText(miss)})
			}
		}
	}
	return hs
}

// checkCat3NotNew: 3 "ne s'applique pas à une image d'apparition récente,
// à une image plus suspecte que sur un examen précédent, à une image
// suspecte même stable" (L1123). A suspicious image is one annexe 2 puts
// in 4 or 5.
func checkCat3NotNew(c *evalCtx) []hit {
	var hs []hit
	check := func(p string, s Side, v Category, fs []Finding) {
		if v != ACR3 {
			return
		}
		for i := range fs {
			f := &fs[i]
			if f.Side != s {
				continue
			}
			if f.Evolution.worse() {
				hs = append(hs, hit{path: catPath(p, s), side: s, detail: Text{FR: "image " + f.Evolution.String(), EN: "image " + f.Evolution.String()}})
				return
			}
			if cat, rows := findingRows(f, false); cat.Severity() >= ACR4.Severity() {
				hs = append(hs, hit{path: catPath(p, s), side: s, detail: Text{FR: "image suspecte, annexe 2 ligne " + rows[0].ID, EN: "suspicious image, annexe 2 row " + rows[0].ID}})
				return
			}
		}
	}
	for _, s := range Sides() {
		check("l1.final", s, c.f.L1.Final.Get(s), c.f.L1.Findings)
		if w := c.f.DeferredWorkup; w != nil {
			check("deferred_workup.final", s, w.Final.Get(s), append(append([]Finding(nil), w.Findings...), c.f.L1.Findings...))
		}
		if l2 := c.f.L2; l2 != nil {
			check("l2.categories", s, l2.Categories.Get(s), c.f.L1.Findings)
		}
	}
	return hs
}

// checkCat3Stable: a 3 "stable au terme de la surveillance de deux ans
// ... est reclassée 2" (L1117). It fires when every image that could
// justify the 3 is such an image.
func checkCat3Stable(c *evalCtx) []hit {
	var hs []hit
	check := func(p string, s Side, v Category, fs []Finding) {
		if v != ACR3 {
			return
		}
		stable, others := 0, 0
		for i := range fs {
			f := &fs[i]
			if f.Side != s {
				continue
			}
			if stable2y(f, c.f.ExamDate, c.e.params.ACR3StableMonths) {
				stable++
			} else if cat, _ := findingRows(f, false); cat == NoCategory || cat.Severity() >= ACR3.Severity() {
				others++
			}
		}
		if stable > 0 && others == 0 {
			hs = append(hs, hit{path: catPath(p, s), side: s})
		}
	}
	for _, s := range Sides() {
		check("l1.final", s, c.f.L1.Final.Get(s), c.f.L1.Findings)
		if w := c.f.DeferredWorkup; w != nil && len(w.Findings) > 0 {
			check("deferred_workup.final", s, w.Final.Get(s), w.Findings)
		}
	}
	return hs
}

// checkRefusalStays0: after a refusal the first reader "peut classer
// BI-RADS ACR 0" (L690) and the mammogram "restera classée BI-RADS ACR 0"
// (L693): the refused breast keeps 0, and there must be one.
func checkRefusalStays0(c *evalCtx) []hit {
	if c.status() != WorkupRefused {
		return nil
	}
	var hs []hit
	any0 := false
	for _, s := range Sides() {
		if c.l1Cat(s) == ACR0 || c.f.L1.Provisional.Get(s) == ACR0 {
			any0 = true
		}
		if c.f.L1.Provisional.Get(s) == ACR0 && c.f.L1.Final.Get(s) != NoCategory && c.f.L1.Final.Get(s) != ACR0 {
			hs = append(hs, hit{path: catPath("l1.final", s), side: s})
		}
	}
	if !any0 {
		hs = append(hs, hit{path: "l1.immediate_workup.status", detail: Text{FR: "refus sans mammographie positive (0)", EN: "refusal with no positive (0) mammogram"}})
	}
	return hs
}

// checkCourse: the course of action "conforme au classement BI-RADS
// définitif" (L689, L1126): none for 1-2 (L1116) unless the clinical
// exam or the ultrasound is abnormal (L795, L764), surveillance for 3
// (L1120) or an opinion (L1122) or, exceptionally, a biopsy (L1121),
// histology for 4-5 (L1125), a workup for 0 (L690).
func checkCourse(c *evalCtx) []hit {
	var hs []hit
	check := func(p string, b Breasts, course []CourseOfAction, abnormalOK bool) {
		cat, _ := b.Exam()
		var bad bool
		switch cat.Base() {
		case NoCategory, ACR6:
			return
		case ACR0:
			bad = !hasCourse(course, CourseWorkup)
		case ACR1, ACR2:
			for _, x := range course {
				switch x {
				case CourseRoutine:
				case CourseSurveillance, CourseSpecialistOpinion, CourseHistology:
					bad = bad || !abnormalOK
				default:
					bad = true
				}
			}
		case ACR3:
			bad = !hasCourse(course, CourseSurveillance, CourseSpecialistOpinion, CourseHistology) ||
				hasCourse(course, CourseRoutine, CourseWorkup)
		case ACR4, ACR5:
			bad = !hasCourse(course, CourseHistology)
		}
		if bad {
			hs = append(hs, hit{path: p, detail: Text{FR: "classement " + cat.String(), EN: "category " + cat.String()}})
		}
	}
	abn := c.f.ClinicalExam == ClinicalAbnormal || c.anyUSAbnormal()
	if !c.f.L1.Final.Empty() {
		check("l1.course_of_action", c.f.L1.Final, c.f.L1.Course, abn)
	}
	if w := c.f.DeferredWorkup; w != nil && !w.Final.Empty() && len(w.Course) > 0 {
		check("deferred_workup.course_of_action", w.Final, w.Course, abn)
	}
	return hs
}

// checkCat0NotToL2: a 0 "ne peut pas être adressée telle quelle en seconde
// lecture" (L1107), except after a refusal, where second reading is
// "recommandé" (L693).
func checkCat0NotToL2(c *evalCtx) []hit {
	if c.f.L2 == nil || c.status() == WorkupRefused {
		return nil
	}
	var hs []hit
	for _, s := range Sides() {
		if c.preL2(s) == ACR0 {
			hs = append(hs, hit{path: "l2", side: s})
		}
	}
	return hs
}

// checkL1PositiveNotToL2: 3, 4 and 5 at first reading "ne passent pas en
// deuxième lecture" (L707), nor the clinical positives of L795 (L792).
func checkL1PositiveNotToL2(c *evalCtx) []hit {
	if c.f.L2 == nil {
		return nil
	}
	var hs []hit
	for _, s := range Sides() {
		if v := c.preL2(s).Base(); v == ACR3 || v == ACR4 || v == ACR5 || v == ACR6 {
			hs = append(hs, hit{path: "l2", side: s, detail: Text{FR: "première lecture " + v.String(), EN: "first reading " + v.String()}})
		}
	}
	if len(hs) == 0 && c.l1Positive795() {
		hs = append(hs, hit{path: "l2", detail: Text{FR: "examen clinique anormal confirmé par le bilan", EN: "abnormal clinical exam confirmed by the workup"}})
	}
	return hs
}

func sameReader(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// checkSameReader: "Une mammographie ne peut être lue par un même
// radiologue en tant que premier puis deuxième lecteur" (L719, L734).
func checkSameReader(c *evalCtx) []hit {
	if c.f.L2 != nil && sameReader(c.f.L2.Reader, c.f.L1.Reader) {
		return []hit{{path: "l2.reader"}}
	}
	return nil
}

// checkL2Discordance0: the second reader uses 0 "dans la plupart des cas"
// (L804); a definitive category only for an obvious cancer (5, L1109) or
// after the first reader's workup has "négativé" the image (L807, L1109).
func checkL2Discordance0(c *evalCtx) []hit {
	var hs []hit
	for _, s := range Sides() {
		if !c.l2Discordant(s) {
			continue
		}
		v := c.f.L2.Categories.Get(s).Base()
		switch {
		case v == ACR0:
		case v == ACR5 && c.f.L2.ObviousCancer:
		case (v == ACR3 || v == ACR4 || v == ACR5) && c.workupNegativeDone():
		default:
			hs = append(hs, hit{path: catPath("l2.categories", s), side: s, detail: Text{FR: "classé " + v.String(), EN: "classified " + v.String()}})
		}
	}
	return hs
}

// checkL2No3: the second reader "ne peut pas classer BI-RADS ACR 3 et
// prendre la décision d'une surveillance sans bilan (profil et
// agrandissements pour les micro-calcifications, échographie pour les
// masses)" (L805, L1109).
func checkL2No3(c *evalCtx) []hit {
	l2 := c.f.L2
	if l2 == nil {
		return nil
	}
	var hs []hit
	for _, s := range Sides() {
		if l2.Categories.Get(s) != ACR3 {
			continue
		}
		if !c.workupNegativeDone() {
			hs = append(hs, hit{path: catPath("l2.categories", s), side: s, detail: Text{FR: "pas de bilan en première lecture", EN: "no workup at first reading"}})
			continue
		}
		k := kindsOf(c.f.L1.Findings, s)
		k.addL2(l2.Anomalies, s)
		ps := c.l1Exams()
		if w := c.f.DeferredWorkup; w != nil && w.After == AfterL1 {
			ps = append(ps, w.Exams...)
		}
		if miss := missingWorkup(k, ps, false); len(miss) > 0 {
			hs = append(hs, hit{path: catPath("l2.categories", s), side: s, detail: missingText(miss)})
		}
	}
	return hs
}

// checkL2SpecialistOpinion: after the first reader's negative workup, the
// discordance becomes "la demande d'un avis spécialisé après classement en
// ACR 3-4 ou 5" (L807); an obvious cancer (5) goes to histology.
func checkL2SpecialistOpinion(c *evalCtx) []hit {
	l2 := c.f.L2
	if l2 == nil {
		return nil
	}
	for _, s := range Sides() {
		v := l2.Categories.Get(s).Base()
		if (v == ACR3 || v == ACR4 || v == ACR5) && !(v == ACR5 && l2.ObviousCancer) && !hasCourse(l2.Course, CourseSpecialistOpinion) {
			return []hit{{path: "l2.course_of_action", side: s}}
		}
	}
	return nil
}

// checkL2Locate: the second reader must "localiser sur le schéma
// l'anomalie" (L806) and give "la localisation exacte et le descriptif"
// (L1110), so that the deferred workup looks in the right place.
func checkL2Locate(c *evalCtx) []hit {
	var hs []hit
	for _, s := range Sides() {
		if !c.l2Discordant(s) {
			continue
		}
		ok := false
		for _, a := range c.f.L2.Anomalies {
			ok = ok || a.Side == s && a.Location.located() && strings.TrimSpace(a.Description) != ""
		}
		if !ok {
			hs = append(hs, hit{path: "l2.anomalies", side: s})
		}
	}
	return hs
}

// checkL2Propose: "Dans la conclusion, il propose des examens
// complémentaires ou une conduite à tenir" (L806, L1110).
func checkL2Propose(c *evalCtx) []hit {
	l2 := c.f.L2
	if l2 == nil || len(l2.ProposedExams) > 0 || len(l2.Course) > 0 {
		return nil
	}
	for _, s := range Sides() {
		if c.l2Discordant(s) {
			return []hit{{path: "l2.proposed_exams"}}
		}
	}
	return nil
}

// checkL2DiscordanceFlag: the second reader marks the discordance on the
// form (L806), which the indicators count as 1-2 at L1 and 0-3-4-5 at L2
// (L899).
func checkL2DiscordanceFlag(c *evalCtx) []hit {
	l2 := c.f.L2
	if l2 == nil {
		return nil
	}
	disc := c.l2Discordant(Right) || c.l2Discordant(Left)
	if disc != l2.Discordant {
		return []hit{{path: "l2.discordant"}}
	}
	return nil
}

// checkL2NoUSDense: "Il n'appartient pas au second lecteur de demander une
// échographie pour des seins denses normaux si le premier lecteur ne l'a
// pas jugée utile" (L700, L807).
func checkL2NoUSDense(c *evalCtx) []hit {
	l2 := c.f.L2
	if l2 == nil || !c.f.L1.Density.Dense() || !hasProc(l2.ProposedExams, Ultrasound) ||
		len(l2.Anomalies) > 0 || len(c.f.L1.Findings) > 0 || c.f.L1.Ultrasound != nil {
		return nil
	}
	return []hit{{path: "l2.proposed_exams"}}
}

// checkCTI: the second reader "indiquera clairement le motif de ce CTI et
// la conduite à tenir" (L1246): retake for positioning and image quality
// (L1248), reprint for print quality if archived, else retake (L1249).
func checkCTI(c *evalCtx) []hit {
	if c.f.L2 == nil || c.f.L2.CTI == nil {
		return nil
	}
	t := c.f.L2.CTI
	var hs []hit
	if t.Reason == NoCTIReason {
		hs = append(hs, hit{path: "l2.cti.reason"})
	}
	want := NoCTIAction
	switch {
	case t.Reason == CTIPositioning || t.Reason == CTIImageQuality:
		want = Retake
	case t.Reason == CTIPrintQuality && t.ImageArchived:
		want = Reprint
	case t.Reason == CTIPrintQuality:
		want = Retake
	}
	switch {
	case t.Action == NoCTIAction:
		hs = append(hs, hit{path: "l2.cti.action"})
	case want != NoCTIAction && t.Action != want:
		hs = append(hs, hit{path: "l2.cti.action", detail: Text{FR: "attendu : " + want.String(), EN: "expected: " + want.String()}})
	}
	return hs
}

// checkDeferredTrigger: the deferred-workup form follows a positive second
// reading (L810) or a first reading whose workup was deferred (L1108,
// L735).
func checkDeferredTrigger(c *evalCtx) []hit {
	w := c.f.DeferredWorkup
	if w == nil {
		return nil
	}
	switch w.After {
	case AfterL2:
		if c.f.L2 == nil || !(c.f.L2.Categories.Get(Right).Positive() || c.f.L2.Categories.Get(Left).Positive()) {
			return []hit{{path: "deferred_workup.after", detail: Text{FR: "pas de seconde lecture positive", EN: "no positive second reading"}}}
		}
	case AfterL1:
		if c.status() != WorkupDeferred {
			return []hit{{path: "deferred_workup.after", detail: Text{FR: "le bilan immédiat n'est pas différé", EN: "the immediate workup is not deferred"}}}
		}
	}
	return nil
}

// deferredSides are the breasts a deferred workup explores: those the
// triggering reading found positive.
func (c *evalCtx) deferredSides() []Side {
	w := c.f.DeferredWorkup
	var out []Side
	for _, s := range Sides() {
		var v Category
		if w.After == AfterL2 && c.f.L2 != nil {
			v = c.f.L2.Categories.Get(s)
		} else {
			v = c.l1Cat(s)
			if c.f.L1.Provisional.Get(s) == ACR0 {
				v = ACR0
			}
		}
		if v.Positive() {
			out = append(out, s)
		}
	}
	return out
}

// checkDeferredComplete: the deferred-workup form gives "les données des
// examens complémentaires avec leur conclusion, le classement définitif
// (BI-RADS ACR 1 à 5) et la conduite à tenir préconisée" (L810).
func checkDeferredComplete(c *evalCtx) []hit {
	w := c.f.DeferredWorkup
	if w == nil {
		return nil
	}
	var hs []hit
	if len(w.Exams) == 0 {
		hs = append(hs, hit{path: "deferred_workup.exams"})
	}
	if strings.TrimSpace(w.Conclusion) == "" {
		hs = append(hs, hit{path: "deferred_workup.conclusion"})
	}
	if len(w.Course) == 0 {
		hs = append(hs, hit{path: "deferred_workup.course_of_action"})
	}
	sides := c.deferredSides()
	if len(sides) == 0 && w.Final.Empty() {
		hs = append(hs, hit{path: "deferred_workup.final"})
	}
	for _, s := range sides {
		if !w.Final.Get(s).Definitive() {
			hs = append(hs, hit{path: catPath("deferred_workup.final", s), side: s})
		}
	}
	return hs
}

// checkEquipmentRecorded: type, brand and console "seront obligatoirement
// recueillies" on the form (L1206, L1253).
func checkEquipmentRecorded(c *evalCtx) []hit {
	q := c.f.Equipment
	var hs []hit
	if q.Type == NoEquipmentType {
		hs = append(hs, hit{path: "equipment.type"})
	}
	if strings.TrimSpace(q.Brand) == "" {
		hs = append(hs, hit{path: "equipment.brand"})
	}
	if strings.TrimSpace(q.Console) == "" {
		hs = append(hs, hit{path: "equipment.console"})
	}
	if q.Reading == NoReadingMode {
		hs = append(hs, hit{path: "equipment.reading"})
	}
	return hs
}

// checkDigitalOnly: "Seules les installations de mammographie numérique
// sont autorisées" (L587); films digitised afterwards are not (L1137).
func checkDigitalOnly(c *evalCtx) []hit {
	if t := c.f.Equipment.Type; t == EquipmentAnalog || t == EquipmentDigitisedFilm {
		return []hit{{path: "equipment.type"}}
	}
	return nil
}

// checkReadOnConsole: "Le premier lecteur interprète obligatoirement les
// clichés sur console d'interprétation" (L660, L1210, L1216).
func checkReadOnConsole(c *evalCtx) []hit {
	if c.f.Equipment.Reading == ReadingPrintedFilms {
		return []hit{{path: "equipment.reading"}}
	}
	return nil
}

// checkMobile: without a radiologist, a mobile unit needs "un médecin,
// nécessairement formé à la radioprotection" and cannot do "examens de
// diagnostic immédiat" (L732).
func checkMobile(c *evalCtx) []hit {
	if !c.mobileNoRadiologist() {
		return nil
	}
	var hs []hit
	if !c.f.Site.MobileUnit.DoctorPresent {
		hs = append(hs, hit{path: "site.mobile_unit.doctor_present"})
	}
	if c.status() == WorkupDone {
		hs = append(hs, hit{path: "l1.immediate_workup.status", detail: Text{FR: "bilan immédiat impossible sans radiologue", EN: "no immediate workup without a radiologist"}})
	}
	return hs
}

// checkClinicalDone: the screening "comporte un examen clinique" (L586);
// the indicators count those not done (L866), so it is a warning.
func checkClinicalDone(c *evalCtx) []hit {
	if c.f.ClinicalExam == ClinicalNotDone {
		return []hit{{path: "clinical_exam"}}
	}
	return nil
}

// checkCat3Biopsy: biopsy of a 3 is "exceptionnelle" (L1121).
func checkCat3Biopsy(c *evalCtx) []hit {
	var hs []hit
	if cat, _ := c.f.L1.Final.Exam(); cat == ACR3 && hasCourse(c.f.L1.Course, CourseHistology) {
		hs = append(hs, hit{path: "l1.course_of_action"})
	}
	if w := c.f.DeferredWorkup; w != nil {
		if cat, _ := w.Final.Exam(); cat == ACR3 && hasCourse(w.Course, CourseHistology) {
			hs = append(hs, hit{path: "deferred_workup.course_of_action"})
		}
	}
	return hs
}

// checkSuggestion compares the readers' categories with annexe 2's table
// (L1062-L1099): a different category is a warning with the rows. When
// some finding matched no row the table only gives a lower bound, and
// only a lower category is reported.
func checkSuggestion(c *evalCtx) []hit {
	var hs []hit
	for _, rs := range c.suggestions() {
		g := rs.Given.Base()
		if g == ACR6 {
			continue
		}
		if (rs.Complete && g != rs.Category) || (!rs.Complete && g.Severity() < rs.Category.Severity()) {
			ids := make([]string, len(rs.Rows))
			for i, r := range rs.Rows {
				ids[i] = r.ID
			}
			p := "l1.final"
			if rs.Reading == "deferred_workup" {
				p = "deferred_workup.final"
			}
			hs = append(hs, hit{path: catPath(p, rs.Side), side: rs.Side, detail: Text{
				FR: "classé " + g.String() + ", l'annexe 2 donne " + rs.Category.String() + " (lignes " + strings.Join(ids, ", ") + ")",
				EN: "classified " + g.String() + ", annexe 2 gives " + rs.Category.String() + " (rows " + strings.Join(ids, ", ") + ")",
			}})
		}
	}
	return hs
}
