package screening

import "fmt"

// RuleID names a rule of the engine, e.g. "CCR-STOP-2Y".
type RuleID string

// SeedFile is the text of the Arrêté du 16 janvier 2024 (Légifrance
// export) whose line numbers the rules cite.
const SeedFile = "001_7079384f1a78c8fd.txt"

// Source cites where a rule comes from.
type Source struct {
	// Part is the annex and section, e.g. "annexe III, II.B".
	Part string
	// Lines are the line numbers in [SeedFile], e.g. "L620" or
	// "L1313-L1315".
	Lines string
	// External names a document outside the arrêté the rule also relies
	// on (an HAS recommendation), or "" for none.
	External string
}

// String formats the citation: "Arrêté 2024, annexe III, II.B (L620)".
func (s Source) String() string {
	out := "Arrêté 2024, " + s.Part + " (" + s.Lines + ")"
	if s.External != "" {
		out += "; " + s.External
	}
	return out
}

// Rule is one rule of the engine: what the text says, what the engine does
// with it, and which [Config] fields parameterise it. The same table
// drives the engine's explanations, the package documentation and the
// test that requires a scenario per rule.
type Rule struct {
	ID        RuleID
	Programme Programme // NoProgramme for rules of all programmes
	Source    Source
	// Quote is the French text, shortened with "…".
	Quote string
	// Does says what the engine does.
	Does string
	// Params lists the Config fields of the rule ("" if none).
	Params string
}

// Rule IDs. GEN rules apply to every programme; BRE, CCR and CCU rules to
// the breast, colorectal and cervical programmes.
const (
	RuleIdempotent         RuleID = "GEN-IDEMPOTENT"
	RuleUnknown            RuleID = "GEN-UNKNOWN"
	RuleFuture             RuleID = "GEN-FUTURE"
	RuleReference          RuleID = "GEN-REFERENCE"
	RuleBirthFirst         RuleID = "GEN-BIRTH-FIRST"
	RuleDeath              RuleID = "GEN-DEATH"
	RuleTransition         RuleID = "GEN-TRANSITION"
	RuleOpposeReminders    RuleID = "GEN-OPPOSE-REMINDERS"
	RuleNoOpposeInvitation RuleID = "GEN-NO-OPPOSE-INVITATION"
	RuleOpposeResults      RuleID = "GEN-OPPOSE-RESULTS"
	RuleExclusion          RuleID = "GEN-EXCLUSION"
	RuleMove               RuleID = "GEN-MOVE"
	RuleFollowUpAge        RuleID = "GEN-FOLLOWUP-AGE"

	RuleBreastAge             RuleID = "BRE-AGE"
	RuleBreastInterval        RuleID = "BRE-INTERVAL"
	RuleBreastRemind12M       RuleID = "BRE-REMIND-12M"
	RuleBreastReinvite2Y      RuleID = "BRE-REINVITE-2Y"
	RuleBreastHighRisk        RuleID = "BRE-HIGH-RISK"
	RuleBreastTooEarly        RuleID = "BRE-TOO-EARLY"
	RuleBreastL1Negative      RuleID = "BRE-L1-NEGATIVE"
	RuleBreastL1Workup        RuleID = "BRE-L1-WORKUP"
	RuleBreastL1Positive      RuleID = "BRE-L1-POSITIVE"
	RuleBreastResult15D       RuleID = "BRE-RESULT-15D"
	RuleBreastNegative2Y      RuleID = "BRE-NEGATIVE-2Y"
	RuleBreastUltrasound      RuleID = "BRE-ULTRASOUND"
	RuleBreastL2Positive      RuleID = "BRE-L2-POSITIVE"
	RuleBreastDeferredFixed   RuleID = "BRE-DEFERRED-FIXED"
	RuleBreastMobile          RuleID = "BRE-MOBILE"
	RuleBreastACR0Chase       RuleID = "BRE-ACR0-CHASE"
	RuleBreastACR0Refusal     RuleID = "BRE-ACR0-REFUSAL"
	RuleBreastRefusal         RuleID = "BRE-REFUSAL"
	RuleBreastCTI             RuleID = "BRE-CTI"
	RuleBreastCTI6M           RuleID = "BRE-CTI-6M"
	RuleBreastACR3            RuleID = "BRE-ACR3-SURVEILLANCE"
	RuleBreastACR3Request     RuleID = "BRE-ACR3-1Y"
	RuleBreastACR3Next        RuleID = "BRE-ACR3-24M"
	RuleBreastACR45           RuleID = "BRE-ACR45-FOLLOWUP"
	RuleBreastLost1Y          RuleID = "BRE-LOST-1Y"
	RuleBreastBenign24M       RuleID = "BRE-BENIGN-24M"
	RuleBreastCancer          RuleID = "BRE-CANCER"
	RuleBreastIncompleteAgain RuleID = "BRE-INCOMPLETE-REINVITE"

	RuleCCRAge               RuleID = "CCR-AGE"
	RuleCCRInterval          RuleID = "CCR-INTERVAL"
	RuleCCRHighRisk          RuleID = "CCR-HIGH-RISK"
	RuleCCRColonoscopy5Y     RuleID = "CCR-COLONOSCOPY-5Y"
	RuleCCRCTC2Y             RuleID = "CCR-CTC-2Y"
	RuleCCRRemind12M         RuleID = "CCR-REMIND-12M"
	RuleCCRKitReminder2      RuleID = "CCR-KIT-REMINDER2"
	RuleCCROrderReminder     RuleID = "CCR-ORDER-REMINDER"
	RuleCCRReinvite          RuleID = "CCR-REINVITE"
	RuleCCRThreshold         RuleID = "CCR-THRESHOLD"
	RuleCCRNegative2Y        RuleID = "CCR-NEGATIVE-2Y"
	RuleCCRNonAnalysableKit  RuleID = "CCR-NONANALYSABLE-KIT"
	RuleCCRLab48H            RuleID = "CCR-LAB-48H"
	RuleCCRLabTurnaround     RuleID = "CCR-LAB-TURNAROUND"
	RuleCCRPositive          RuleID = "CCR-POSITIVE-FOLLOWUP"
	RuleCCRDoctorFirst       RuleID = "CCR-DOCTOR-FIRST"
	RuleCCRReminder1Y        RuleID = "CCR-REMINDER-1Y"
	RuleCCRStop2Y            RuleID = "CCR-STOP-2Y"
	RuleCCRRefusal           RuleID = "CCR-REFUSAL"
	RuleCCRUndecided         RuleID = "CCR-UNDECIDED"
	RuleCCRColonoscopyResult RuleID = "CCR-COLONOSCOPY-RESULT"

	RuleCCUAge              RuleID = "CCU-AGE"
	RuleCCUNoCervix         RuleID = "CCU-NO-CERVIX"
	RuleCCUCytologyInterval RuleID = "CCU-CYTOLOGY-INTERVAL"
	RuleCCUHPVStart         RuleID = "CCU-HPV-START"
	RuleCCUHPV5Y            RuleID = "CCU-HPV-5Y"
	RuleCCUInviteOverdue    RuleID = "CCU-INVITE-OVERDUE"
	RuleCCURemind12M        RuleID = "CCU-REMIND-12M"
	RuleCCUAPVReminder2     RuleID = "CCU-APV-REMINDER2"
	RuleCCUReinvite2Y       RuleID = "CCU-REINVITE-2Y"
	RuleCCUSuspension       RuleID = "CCU-SUSPENSION"
	RuleCCUHigherRisk       RuleID = "CCU-HIGHER-RISK"
	RuleCCUUnsatisfactory3M RuleID = "CCU-UNSATISFACTORY-3M"
	RuleCCUUnsatisfactory2  RuleID = "CCU-UNSATISFACTORY-TWICE"
	RuleCCUFollowUp         RuleID = "CCU-FOLLOWUP"
	RuleCCUTriage           RuleID = "CCU-TRIAGE"
	RuleCCUFollowUpDelay    RuleID = "CCU-FOLLOWUP-6M-8M"
	RuleCCUReminders3M      RuleID = "CCU-REMINDERS-3M"
	RuleCCULost18M          RuleID = "CCU-LOST-18M"
	RuleCCURefusal          RuleID = "CCU-REFUSAL"
	RuleCCUUndecided        RuleID = "CCU-UNDECIDED"
	RuleCCUFollowUpEnd      RuleID = "CCU-FOLLOWUP-END"
)

func src(part, lines string) Source { return Source{Part: part, Lines: lines} }

// rules is the rule table. It is immutable; [Rules] returns a copy.
var rules = []Rule{
	// --- Every programme ---------------------------------------------------
	{RuleIdempotent, NoProgramme, src("annexe II (2e partie), III", "L465"),
		"…non transmission ou erreur de transmission du résultat, erreur d'imputation d'un résultat",
		"An event whose ID is already stored for the person is a no-op; a different event under a stored ID is rejected ([ErrConflict]). The centre is insured against transmission and imputation errors: a result sent twice must not count twice.", ""},
	{RuleUnknown, NoProgramme, src("article 1; articles 4 to 6", "L30, L59-L67"),
		"Les programmes de dépistages organisés du cancer du sein, du cancer colorectal et du cancer du col de l'utérus constituent des programmes de santé…",
		"An unknown programme, event kind or code (BI-RADS category, FIT outcome, cytology code, risk criterion, action), or a kind used in the wrong programme, is rejected with the field named ([ErrUnknownCode]).", ""},
	{RuleFuture, NoProgramme, src("annexe II (2e partie), III", "L465"),
		"…erreur de transmission du résultat…",
		"An event dated after today (the injected clock) is rejected ([ErrFutureDate]): it can only be a keying error.", ""},
	{RuleReference, NoProgramme, src("annexe II (2e partie), III", "L465"),
		"…erreur d'imputation d'un résultat",
		"A result (reading, reflex cytology, histology) must name a stored exam of the same person and programme, dated no later than the result; otherwise it is rejected ([ErrNoExam]).", ""},
	{RuleBirthFirst, NoProgramme, src("annexe I, III; annexe I, V", "L112, L151"),
		"…à partir des données individuelles des assurés dont dispose l'assurance maladie…",
		"Programme events need the person's birth date (from the insurance population file); without it every age rule is undecidable, so they are rejected ([ErrNoBirth]).", ""},
	{RuleDeath, NoProgramme, src("annexe I, III", "L112"),
		"…la liste des personnes éligibles…",
		"A death ends every programme: no action is due, and events dated after the death are rejected ([ErrAfterDeath]).", ""},
	{RuleTransition, NoProgramme, src("annexe II (2e partie), III", "L465"),
		"…erreur d'imputation d'un résultat",
		"An event that the programme's transition table does not allow in the state at its date (a second reading of a mammogram still at ACR 0, a second reminder before the first) is rejected ([InvalidTransitionError]).", ""},
	{RuleOpposeReminders, NoProgramme, src("article 3, IV; annexe I, III; annexe IV, III.C", "L54, L116, L1394"),
		"…peuvent refuser de participer au programme et de recevoir des relances pour une durée limitée au cycle d'invitation…",
		"An opposition to reminders suppresses the reminders (and their kits) until the end of the invitation cycle; the next invitation still goes.", "OppositionCycle"},
	{RuleNoOpposeInvitation, NoProgramme, src("article 3, IV", "L53"),
		"…le droit d'opposition … ne s'applique pas au traitement … pour l'envoi aux personnes éligibles d'invitations",
		"No opposition stops invitations.", ""},
	{RuleOpposeResults, NoProgramme, src("annexe II (2e partie), II; annexe V, V.A; annexe V, VII", "L453, L1662, L1730"),
		"…garantir le droit d'opposition au traitement des résultats par les centres régionaux…",
		"After an opposition to the processing of results, result events dated on or after it are rejected ([ErrResultsOpposed]) and the centre's follow-up actions stop; the insurance body's invitations continue.", ""},
	{RuleExclusion, NoProgramme, src("annexe I, III", "L114-L115"),
		"L'assurance maladie prévoit une nouvelle invitation des personnes exclues temporairement du dispositif…",
		"A temporary exclusion stops invitations until its end date, then the person is due for an invitation; a definitive one stops them for good.", ""},
	{RuleMove, NoProgramme, src("annexe III, I.A; annexe IV, VI.B", "L594, L1435"),
		"…le CRCDC du département de résidence principale de la personne",
		"A move updates the department of main residence (for the competent centre and the indicators by department); it changes no programme state.", ""},
	{RuleFollowUpAge, NoProgramme, src("annexe II, V", "L387"),
		"Ces référentiels précisent les bornes d'âges de suivi des personnes concernées",
		"Invitations and reminders stop at the programme's upper age bound; an open follow-up continues past it unless StopFollowUpAtAge.", "StopFollowUpAtAge"},

	// --- Breast (annexe III) ---------------------------------------------
	{RuleBreastAge, Breast, src("annexe III, I.A; annexe I, III", "L586, L592, L112"),
		"…tous les deux ans aux personnes de 50 à 74 ans inclus…",
		"Invitations from the 50th birthday to the day before the 75th; a screening mammogram outside 50-74 is rejected ([ErrAge]). A person recorded as a man is not on the list the insurance body builds per HAS recommendations (L112): not invited.", "Breast.MinAge, Breast.MaxAge"},
	{RuleBreastInterval, Breast, src("annexe III, II.A", "L611"),
		"Les personnes éligibles sont personnellement invitées … tous les deux ans",
		"A person never screened is due for an invitation at 50.", "Breast.Interval"},
	{RuleBreastRemind12M, Breast, src("annexe III, II.B", "L619-L620"),
		"Deux relances sont effectuées, dans un délai maximal de 12 mois.",
		"After an invitation without mammogram: first and second reminders at Reminder1After and Reminder2After (at most 12 months).", "Breast.Reminder1After, Breast.Reminder2After"},
	{RuleBreastReinvite2Y, Breast, src("annexe III, II.B", "L621"),
		"…la personne est à nouveau invitée deux ans après l'envoi de l'invitation.",
		"No mammogram after an invitation: new invitation 2 years after the sending of the previous one.", "Breast.ReinviteAfter"},
	{RuleBreastHighRisk, Breast, src("annexe III, I.B", "L604-L606"),
		"Les personnes en cours de traitement ou après traitement d'un cancer du sein, et les personnes à risque aggravé … doivent bénéficier d'un suivi personnalisé.",
		"A breast-cancer history or high-risk criterion moves the person to personalised follow-up: no invitations. A mammogram done anyway is accepted (the text says such cases are counted).", ""},
	{RuleBreastTooEarly, Breast, src("annexe III, I.A; annexe III, III", "L597, L646"),
		"…mammographie normale il y a moins d'un an … invitées … à revenir à une date ultérieure",
		"A screening mammogram less than TooEarly after a normal one is accepted with a finding (it should have been deferred).", "Breast.TooEarly"},
	{RuleBreastL1Negative, Breast, src("annexe III, IV.B; annexe III, IV.C", "L586, L684, L704"),
		"La mammographie fait l'objet d'une deuxième lecture en l'absence d'anomalie suspecte à la première lecture ou après bilan immédiat.",
		"First reading ACR 1 or 2 (or negativated by the immediate workup): second reading expected.", ""},
	{RuleBreastL1Workup, Breast, src("annexe III, IV.B; annexe III, annexe 2", "L681, L1107-L1108"),
		"Une mammographie BI-RADS/ACR 0 ne peut pas être adressée telle quelle en seconde lecture",
		"First reading ACR 0: awaiting the immediate (exceptionally deferred) workup; a second reading before a final category is rejected.", ""},
	{RuleBreastL1Positive, Breast, src("annexe III, IV.C; annexe III, V.D", "L707, L790-L795"),
		"Les mammographies classées BI-RAD ACR 3,4 ou 5 en première lecture ne passent pas en deuxième lecture",
		"First reading ACR 3: surveillance; ACR 4 or 5: histology follow-up; no second reading.", ""},
	{RuleBreastResult15D, Breast, src("annexe III, V.A", "L759"),
		"…envoyés par le CRCDC à la personne dans un délai n'excédant pas 15 jours après la réalisation de la mammographie",
		"Negative at both readings: the result letter is due, deadline mammogram + 15 days.", "Breast.ResultLetterWithin"},
	{RuleBreastNegative2Y, Breast, src("annexe III, V.A; annexe III, annexe 2", "L759, L1114"),
		"…elle sera invitée à nouveau dans deux ans",
		"Negative at both readings: next invitation 2 years after the mammogram.", "Breast.Interval"},
	{RuleBreastUltrasound, Breast, src("annexe III, V.B", "L761-L765"),
		"…« dépistages négatifs avec échographie positive » … suivi de type BI-RADS ACR 3 … ou … des résultats histologiques",
		"A negative mammogram with a suspicious ultrasound (reading category 1-2 with an ultrasound follow-up) is followed as ACR 3 (surveillance) or ACR 4-5 (histology).", ""},
	{RuleBreastL2Positive, Breast, src("annexe III, V.E", "L803-L809"),
		"…une lettre … dans les plus brefs délais au(x) médecin(s) … à la personne, 24 ou 48 heures après le médecin",
		"Second reading positive: letter to the doctor (deadline L2DoctorLetterWithin), then to the person 24 to 48 hours after the doctor's; deferred workup expected.", "Breast.L2DoctorLetterWithin, Breast.L2PersonLetterAfter, Breast.L2PersonLetterWithin"},
	{RuleBreastDeferredFixed, Breast, src("annexe III, V.E", "L810-L812"),
		"Les clichés ne reviennent pas à nouveau vers le CRCDC et ne sont pas revus en seconde lecture, y compris si le bilan de diagnostic innocente l'image",
		"A deferred workup after a positive second reading that clears the image (ACR 1-2) closes the round, at a fixed site or a mobile unit: next invitation 2 years after the mammogram, no new second reading; ACR 3 goes to surveillance, ACR 4-5 to histology. Routing decided by package birads (BR_ROUTE_CLEARED_NO_NEW_L2, BR_ROUTE_POSITIVE_AFTER_WORKUP).", "Breast.Interval"},
	{RuleBreastMobile, Breast, src("annexe III, IV.D", "L735-L738"),
		"Si le bilan de diagnostic innocente l'image … le dossier doit revenir vers le CRCDC pour une seconde lecture.",
		"Mobile unit without a radiologist: a positive first reading (0, 3, 4, 5) waits for a deferred workup by a radiologist; if it clears the image the mammogram goes back to second reading (as an exceptionally deferred workup at a fixed site does, L1107). Routing decided by package birads (BR_ROUTE_MOBILE_POSITIVE, BR_ROUTE_CLEARED_TO_L2).", ""},
	{RuleBreastACR0Chase, Breast, src("annexe III, V.C", "L783-L786"),
		"…contacte le radiologue premier lecteur … adresse une relance … une deuxième relance sera effectuée un mois plus tard",
		"No deferred workup DeferredWorkupWait after a positive second reading: contact the first reader, then a reminder to the person and doctor, then a second reminder one month later.", "Breast.DeferredWorkupWait, Breast.ACR0SecondReminderAfter"},
	{RuleBreastACR0Refusal, Breast, src("annexe III, V.C", "L788"),
		"En l'absence de résultat au terme de cette démarche, on doit considérer qu'il s'agit d'un refus…",
		"Still no result ACR0RefusalAfter after the second reminder: the refusal is to be declared, then the refusal procedure applies.", "Breast.ACR0RefusalAfter"},
	{RuleBreastRefusal, Breast, src("annexe III, IV.B", "L690-L694"),
		"Le CRCDC envoie un courrier immédiat à la personne … Le CRCDC envoie aussi un courrier au médecin expliquant le refus de la personne.",
		"Workup refused (at the first reading or declared): letters to the person and to the doctor are due at once; the mammogram stays ACR 0 and the round closes (new invitation 2 years after the mammogram, BRE-INCOMPLETE-REINVITE).", ""},
	{RuleBreastCTI, Breast, src("annexe III, V.G", "L834-L840"),
		"…un courrier est adressé par le CRCDC immédiatement au radiologue premier lecteur avec les clichés et la personne est également avertie par courrier.",
		"Technically inadequate images at second reading: letters to the first reader and to the person at once; the retake goes back to second reading.", ""},
	{RuleBreastCTI6M, Breast, src("annexe III, V.G", "L843"),
		"…une relance précisant que les clichés doivent être refaits avant six mois…",
		"No retake CTINewsWait after the CTI: reminder to the first reader then the person, deadline mammogram + 6 months.", "Breast.CTINewsWait, Breast.CTIRetakeWithin"},
	{RuleBreastACR3, Breast, src("annexe III, annexe 2; annexe III, V.F", "L1120, L821"),
		"Deux contrôles espacés de 6 mois sont réalisés avant la mammographie de dépistage suivante",
		"ACR 3 after workup: surveillance checks expected 6 and 12 months after the last complete mammogram.", "Breast.SurveillanceInterval"},
	{RuleBreastACR3Request, Breast, src("annexe III, V.F; annexe III, V.C", "L823-L824, L771-L772"),
		"A échéance d'un délai d'un an, en l'absence de retour … le radiologue premier lecteur recevra du CRCDC un courrier",
		"A year without any surveillance document: information request to the first reader, then to the person and doctor, then a reminder, spaced by FollowUpStep.", "Breast.ACR3InfoRequestAfter, Breast.FollowUpStep"},
	{RuleBreastACR3Next, Breast, src("annexe III, V.C; annexe III, V.F; annexe III, I.B", "L773-L778, L825-L830, L603"),
		"Une mammographie complète et bilatérale de dépistage doit être faite 24 mois après la précédente mammographie complète",
		"ACR 3: next invitation 24 months after the last complete mammogram, whether or not the surveillance was done (also after a reclassification to ACR 2).", "Breast.NextAfterACR3"},
	{RuleBreastACR45, Breast, src("annexe III, V.C", "L780-L782"),
		"…le CRCDC envoie un courrier à la personne et à son médecin … un contact personnalisé … une demande aux laboratoires d'anatomocytopathologie",
		"ACR 4 or 5: without news FollowUpNewsWait after the result, request to the person and doctor, then personal contact, then doctors and pathology laboratories, spaced by FollowUpStep.", "Breast.FollowUpNewsWait, Breast.FollowUpStep"},
	{RuleBreastLost1Y, Breast, src("annexe III, V.C", "L769"),
		"Si un an après la mammographie et après des relances … la personne est considérée comme « perdue de vue »",
		"A suspicious result (ACR 3, 4, 5) without follow-up information one year after the mammogram, once the reminders are done: the perdue de vue declaration is due.", "Breast.LostAfter"},
	{RuleBreastBenign24M, Breast, src("annexe III, V.C", "L779"),
		"Si le prélèvement montre un résultat bénin … une mammographie complète et bilatérale devant être réalisée 24 mois après la précédente mammographie de dépistage",
		"Benign histology (or follow-up information 'cleared'): back to screening, next invitation 24 months after the screening mammogram.", "Breast.NextAfterACR3"},
	{RuleBreastCancer, Breast, src("annexe III, I.B; annexe III, V.C", "L604, L778"),
		"…en dehors des cancers diagnostiqués",
		"A cancer leaves the programme for personalised follow-up: no more invitations.", ""},
	{RuleBreastIncompleteAgain, Breast, src("annexe III, V.B", "L765"),
		"…toute personne dont le suivi est incomplet ou inconnu fera l'objet d'une nouvelle invitation",
		"After a refusal or a perdue de vue declaration (no cancer), the person is invited again 2 years after the mammogram.", "Breast.Interval"},

	// --- Colorectal (annexe IV) -------------------------------------------
	{RuleCCRAge, Colorectal, src("annexe IV, I.A", "L1295"),
		"…proposé aux hommes et aux femmes de 50 à 74 ans inclus à risque moyen…",
		"Invitations from 50 to 74 inclusive; a FIT outside 50-74 is rejected ([ErrAge]; the laboratory checks 'la tranche d'âge', L1413).", "Colorectal.MinAge, Colorectal.MaxAge"},
	{RuleCCRInterval, Colorectal, src("annexe IV, I.A; annexe IV, III", "L1295, L1351"),
		"Les personnes de la tranche d'âge concernée sont invitées à réaliser cet examen tous les deux ans.",
		"A person never tested is due for an invitation at 50.", "Colorectal.Interval"},
	{RuleCCRHighRisk, Colorectal, src("annexe IV, I.B", "L1300-L1308"),
		"Dans la mesure du possible, ces personnes ne sont pas invitées…",
		"Any of the six high-risk criteria takes the person out of the average-risk programme: no invitations.", ""},
	{RuleCCRColonoscopy5Y, Colorectal, src("annexe IV, I.C", "L1313-L1315"),
		"Sont inéligibles … pour cinq ans : … une coloscopie totale a été réalisée.",
		"A total colonoscopy makes the person ineligible for 5 years, then due for an invitation.", "Colorectal.ColonoscopyExclusion"},
	{RuleCCRCTC2Y, Colorectal, src("annexe IV, I.C", "L1317-L1319"),
		"Sont inéligibles pour deux ans : … un colo-scanner seul ou une coloscopie incomplète suivie d'un colo-scanner",
		"A CT colonography makes the person ineligible for 2 years.", "Colorectal.CTColonographyExclusion"},
	{RuleCCRRemind12M, Colorectal, src("annexe IV, III.C", "L1394-L1395"),
		"Deux relances sont effectuées, dans un délai maximal de 12 mois.",
		"After an invitation without test: two reminders at Reminder1After and Reminder2After, unless opposed or ineligible.", "Colorectal.Reminder1After, Colorectal.Reminder2After"},
	{RuleCCRKitReminder2, Colorectal, src("annexe IV, III.C; annexe IV, III.B", "L1395, L1372"),
		"…lorsque la personne a participé au moins à l'une des trois précédentes campagnes … un kit de dépistage est joint au second courrier de relance",
		"The second reminder comes with a kit when the person had a FIT in one of the previous three campaigns (KitCampaigns × Interval before the invitation).", "Colorectal.KitCampaigns"},
	{RuleCCROrderReminder, Colorectal, src("annexe IV, III.C", "L1396"),
		"…un rappel … dans le mois suivant la commande est adressé sous format dématérialisé (sms ou courriel) sous réserve que ces personnes l'aient expressément autorisé",
		"An online order with consent and no test one month later: the SMS/e-mail reminder is due.", "Colorectal.OrderReminderAfter"},
	{RuleCCRReinvite, Colorectal, src("annexe IV, I.A", "L1295"),
		"…invitées à réaliser cet examen tous les deux ans",
		"No test after an invitation: new invitation 2 years after it (the annex has no explicit sentence, unlike L621 and L1674: ambiguity 4, resolved by the biennial rhythm).", "Colorectal.ReinviteAfter"},
	{RuleCCRThreshold, Colorectal, src("annexe IV, annexe 1, I; annexe IV, annexe 1, VII", "L1463, L1524"),
		"…la valeur du seuil fixé pour la lecture … la valeur du résultat…",
		"A positive or negative FIT must carry its value and the threshold used, and the outcome must agree with them (positive iff value ≥ threshold); otherwise it is rejected ([ErrInconsistent]).", ""},
	{RuleCCRNegative2Y, Colorectal, src("annexe IV, VI.B", "L1432"),
		"…une invitation est automatiquement programmée pour la vague de dépistage suivante…",
		"Negative FIT: next invitation 2 years after the reading.", "Colorectal.Interval"},
	{RuleCCRNonAnalysableKit, Colorectal, src("annexe IV, VI.A; annexe IV, annexe 1, III.C", "L1423, L1492"),
		"…un nouveau kit de dépistage est adressé … dans un délai maximal de 30 jours ouvrables",
		"Non-analysable FIT: the replacement kit is due, deadline 30 jours ouvrables after the reading.", "Colorectal.ReplacementKitJoursOuvrables, Calendar"},
	{RuleCCRLab48H, Colorectal, src("annexe IV, VI.A; annexe IV, annexe 1, III.B", "L1424, L1485-L1486"),
		"…au CRCDC concerné, dans les 48 heures ouvrées, après la lecture du prélèvement",
		"A result reaching the centre more than 48 heures ouvrées after its reading gets a finding (for the delay indicator).", "Colorectal.LabToCentre, Calendar"},
	{RuleCCRLabTurnaround, Colorectal, src("annexe IV, annexe 1, II", "L1471-L1472"),
		"…le délai entre le prélèvement et l'analyse (< 7 jours) … au plus égaux à 2 jours ouvrés",
		"A result read 7 days or more after sampling, or more than 2 jours ouvrés after receipt, gets a finding.", "Colorectal.SampleMaxDays, Colorectal.LabTurnaroundJoursOuvres"},
	{RuleCCRPositive, Colorectal, src("annexe IV, VI.B", "L1433-L1434"),
		"…le CRCDC doit assurer un suivi et s'enquérir de la réalisation d'une coloscopie…",
		"Positive FIT: follow-up opens; without colonoscopy news DoctorEnquiryAfter later, the enquiry to the doctor is due.", "Colorectal.DoctorEnquiryAfter"},
	{RuleCCRDoctorFirst, Colorectal, src("annexe IV, VI.B", "L1435"),
		"Il est nécessaire de prendre l'avis du médecin, s'il est identifié, avant d'avoir un contact direct avec elle.",
		"The reminder to the person is proposed only once the doctor has been asked.", ""},
	{RuleCCRReminder1Y, Colorectal, src("annexe IV, VI.B", "L1436"),
		"Le courrier de relance est adressé à la personne dépistée, dans l'année qui suit l'envoi du résultat positif. D'autres modalités de relance…",
		"Reminder letter to the person at PersonReminderAfter, deadline one year after the positive result was sent; without effect, other reminder means (telephone) OtherRemindersAfter later.", "Colorectal.PersonReminderAfter, Colorectal.OtherRemindersAfter"},
	{RuleCCRStop2Y, Colorectal, src("annexe IV, VI.B", "L1438"),
		"…si aucune donnée de suivi n'a pu être obtenue au bout de deux ans … le suivi des personnes cesse … un nouveau courrier d'invitation",
		"No follow-up data two years after the positive result was sent: the follow-up is to be stopped, then a new invitation is due.", "Colorectal.FollowUpStop"},
	{RuleCCRRefusal, Colorectal, src("annexe IV, VI.B", "L1439"),
		"L'information sur le refus de coloscopie fait l'objet d'une recherche active afin d'éviter les relances inutiles.",
		"A recorded colonoscopy refusal stops the follow-up reminders; the new invitation comes when the follow-up would have stopped (FollowUpStop after the positive result).", "Colorectal.FollowUpStop"},
	{RuleCCRUndecided, Colorectal, src("annexe IV, VI.B", "L1440"),
		"…le rôle du CRCDC cesse après avoir envoyé un dernier courrier de rappel…",
		"Undecided: a last reminder letter is due, after which the centre's follow-up ends; new invitation as for a refusal.", "Colorectal.FollowUpStop"},
	{RuleCCRColonoscopyResult, Colorectal, src("annexe IV, I.B; annexe IV, I.C", "L1303, L1315"),
		"…antécédent personnel d'adénome ou de cancer colorectal … une coloscopie totale a été réalisée",
		"A colonoscopy closes the follow-up: an adenoma or cancer makes the person high-risk (no invitations); a normal total one makes her ineligible for 5 years; an incomplete one without CT colonography leaves the follow-up open.", "Colorectal.ColonoscopyExclusion"},

	// --- Cervical (annexe V) ----------------------------------------------
	{RuleCCUAge, Cervical, src("annexe V, I.A; annexe V, I.B", "L1576, L1582"),
		"Le dépistage organisé concerne toutes les personnes asymptomatiques âgées de 25 à 65 ans inclus.",
		"Invitations from 25 to 65 inclusive; a screening test outside 25-65 is rejected ([ErrAge]).", "Cervical.MinAge, Cervical.MaxAge"},
	{RuleCCUNoCervix, Cervical, src("annexe V, I.A", "L1577"),
		"Les personnes n'ayant pas ou plus de col de l'utérus sont exclues du dépistage organisé.",
		"No cervix (or a hysterectomy, or a person recorded as a man): definitive exclusion.", ""},
	{RuleCCUCytologyInterval, Cervical, src("annexe V, I", "L1571"),
		"…deux examens cytologiques à 1 an d'intervalle, puis à 3 ans si le résultat des deux premiers est normal",
		"25-29: after a first normal cytology the next test is due 1 year later, after two consecutive normal ones 3 years later.", "Cervical.CytologyFirstInterval, Cervical.CytologyInterval"},
	{RuleCCUHPVStart, Cervical, src("annexe V, I", "L1572"),
		"…test HPV-HR : 3 ans après le dernier examen cytologique dont le résultat était normal ou dès 30 ans en l'absence d'examen cytologique antérieur",
		"From 30: the first HPV-HR test is due 3 years after the last normal cytology, or at 30 without one.", "Cervical.HPVFromAge, Cervical.HPVAfterCytology"},
	{RuleCCUHPV5Y, Cervical, src("annexe V, I", "L1572"),
		"Le rythme entre deux dépistages par test HPV-HR est de 5 ans…",
		"Negative HPV-HR test: next test due 5 years later.", "Cervical.HPVInterval"},
	{RuleCCUInviteOverdue, Cervical, src("annexe V, V; annexe V, intro", "L1655, L1557"),
		"L'invitation … concerne les personnes … n'ayant pas réalisé de dépistage … dans les intervalles recommandés.",
		"Only people overdue are invited; spontaneous tests count like invited ones.", ""},
	{RuleCCURemind12M, Cervical, src("annexe V, V.B", "L1673"),
		"Deux relances sont effectuées, dans un délai maximal de 12 mois.",
		"After an invitation without test: two reminders at Reminder1After and Reminder2After.", "Cervical.Reminder1After, Cervical.Reminder2After"},
	{RuleCCUAPVReminder2, Cervical, src("annexe V, V.B; annexe V, II.B", "L1673, L1613-L1614"),
		"Un auto-prélèvement (APV) est adressé directement au domicile de la personne lors de la seconde relance.",
		"The second reminder comes with a self-sampling kit for the HPV age group (30-65); not for 25-29 unless APVForCytologyAge (ambiguity 13).", "Cervical.APVForCytologyAge"},
	{RuleCCUReinvite2Y, Cervical, src("annexe V, V.B", "L1674"),
		"…la personne est à nouveau invitée 2 ans après l'envoi de l'invitation.",
		"No test after an invitation: new invitation 2 years after it.", "Cervical.ReinviteAfter"},
	{RuleCCUSuspension, Cervical, src("annexe V, I.B; annexe V, VI", "L1586-L1588, L1679"),
		"…la reprise du dépistage doit être évaluée par le professionnel de santé assurant le suivi gynécologique",
		"A conservative treatment suspends screening until a professional resumes it (exclusion-end event).", ""},
	{RuleCCUHigherRisk, Cervical, src("annexe V, I.B", "L1589-L1592"),
		"…présentent un risque majoré … mais ne sont pas exclues de la population cible",
		"Immunodepression and DES exposure are flags: the person stays in the programme.", ""},
	{RuleCCUUnsatisfactory3M, Cervical, src("annexe V, VI.A", "L1691"),
		"…le prescripteur … s'assure que le prélèvement est refait dans un délai de trois mois.",
		"Unsatisfactory sample: a new sample is expected within 3 months (the prescriber's duty, shown as an expectation).", "Cervical.ResampleWithin"},
	{RuleCCUUnsatisfactory2, Cervical, src("annexe V, VI.A", "L1692-L1693"),
		"…réinvitée à 3 ans ou à 5 ans en fonction de son âge par l'assurance maladie en l'absence de nouveau prélèvement.",
		"Two consecutive unsatisfactory samples: next invitation 3 years (25-29) or 5 years (30-65) after the second, by the age at that sample.", "Cervical.UnsatisfactoryReinviteCytology, Cervical.UnsatisfactoryReinviteHPV"},
	{RuleCCUFollowUp, Cervical, src("annexe V, VI.C; annexe V, VI.D", "L1702, L1706"),
		"Le CRCDC procède à un suivi régulier et exhaustif des personnes dont la cytologie … est anormale ou dont le test HPV-HR est positif",
		"Abnormal cytology or positive HPV-HR: follow-up opens, whatever the way into screening.", ""},
	{RuleCCUTriage, Cervical, src("annexe V, II.E", "L1630"), "…la conduite à tenir suit la stratégie de triage en deux temps selon les recommandations formulées par la HAS",
		"Positive HPV-HR: reflex cytology expected; abnormal reflex cytology: follow-up by grade; negative reflex cytology: HPV-HR retest after HPVRetestAfter (HAS 2019), followed up like a low-grade lesion due at the retest date; a negative retest returns to the 5-year rhythm.", "Cervical.HPVRetestAfter"},
	{RuleCCUFollowUpDelay, Cervical, src("annexe V, VI.E", "L1718"),
		"…dans un délai de six mois pour les lésions de haut grade, de huit mois pour les lésions de bas grade",
		"Without follow-up information 6 months (high grade) or 8 months (low grade) after the result, the enquiry to the prescriber is due.", "Cervical.HighGradeFollowUp, Cervical.LowGradeFollowUp, Cervical.HighGrade, Cervical.LowGrade"},
	{RuleCCUReminders3M, Cervical, src("annexe V, VI.E", "L1719"),
		"…après un délai supplémentaire de trois mois, des relances systématiques sont effectuées auprès du prescripteur … du médecin traitant, ou à défaut de la personne.",
		"Still nothing 3 months later: systematic reminders to the prescriber, then the médecin traitant, then the person, spaced by ReminderInterval.", "Cervical.ReminderDelay, Cervical.ReminderInterval"},
	{RuleCCULost18M, Cervical, src("annexe V, VI.E", "L1720"),
		"…aucune information sur le suivi n'a pu être recueillie dix-huit mois après la dernière sollicitation … perdues de vue.",
		"18 months after the last reminder without information: the perdue de vue declaration is due; then the person is invited again as after two unsatisfactory samples (3 or 5 years after the test, ambiguity 10).", "Cervical.LostAfter"},
	{RuleCCURefusal, Cervical, src("annexe V, VI.E", "L1721"),
		"L'information sur le refus d'examens … doit faire l'objet d'une recherche active afin d'éviter les relances inutiles.",
		"A recorded refusal stops the follow-up reminders; invitations resume as after a perdue de vue.", ""},
	{RuleCCUUndecided, Cervical, src("annexe V, VI.E", "L1722"),
		"…le rôle du CRCDC cesse après l'envoi d'un dernier courrier de rappel…",
		"Undecided: a last reminder letter is due, after which the centre's follow-up ends.", ""},
	{RuleCCUFollowUpEnd, Cervical, src("annexe V, VI.E; annexe V, VI", "L1711-L1716, L1679"),
		"Le résultat des investigations (colposcopie, biopsie cervicale, curetage endocervical…) est transmis :",
		"Follow-up information closes the follow-up: cleared (normal colposcopy or histology, or 'cleared') returns to screening ReturnAfterCleared later; a treatment suspends (CCU-SUSPENSION) or excludes (hysterectomy, CCU-NO-CERVIX); news 'in care' resets the reminder délais.", "Cervical.ReturnAfterCleared"},
}

// Rules returns the rule table, in documentation order.
func Rules() []Rule { return append([]Rule(nil), rules...) }

// LookupRule returns the rule with the given ID.
func LookupRule(id RuleID) (Rule, bool) {
	for _, r := range rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// cite returns "ID (citation)" for messages.
func cite(id RuleID) string {
	r, ok := LookupRule(id)
	if !ok {
		return string(id)
	}
	return fmt.Sprintf("%s (%s)", id, r.Source)
}
