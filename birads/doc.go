// Package birads holds the BI-RADS (ACR) rules of the French organised
// breast-screening programme as an explainable rules engine: it checks a
// screening exam's interpretation form ("fiche d'interprétation"), says
// what happens next and why, and checks readers' yearly volumes.
//
// Every rule comes from the Arrêté du 16 janvier 2024 relatif aux
// programmes de dépistages organisés des cancers (NOR TSSP2332083A),
// annexe III and its annexes 2 and 3, and cites its section and the lines
// of the project's copy of the text ([SeedFile]), with a verbatim French
// quote that the tests find on those lines. The classification is the one
// the programme fixes: the 2nd French edition of the 4th edition of
// BI-RADS (L662, L1060), with density types 1 to 4 (L1103).
//
// # Using it
//
// [Check] reads a form (JSON), decodes it strictly and evaluates it; the
// [Report] says whether the form is valid, lists the rules that fired with
// French and English messages and their sources, compares the readers'
// categories with annexe 2's table, and, for a valid form, carries the
// [Decision]: the outcome (second reading, immediate or deferred workup,
// positive at first reading, refusal, negative, positive at second
// reading, technically inadequate images...), the follow-up, the letters
// and steps with their dates, and the chain of routing rules that produced
// it. [Report.WriteText] renders it for a person; the report encodes to
// JSON as it is.
//
// For many forms, [Prepare] an [Engine] once and call [Engine.Evaluate],
// [Engine.Check] or [Engine.Qualify] many times, concurrently if needed.
// [Options] has a useful zero value: the programme mode, the arrêté's
// thresholds, the system clock. [Options.Now] injects the clock that dates
// the letters (a decision is deterministic given the form and Now), and
// [Options.Tracer] receives an [Event] per rule evaluated, for explaining
// a result ([BufferTracer], [PrettyTrace]).
//
// # The form
//
// [Form] holds what the arrêté says the form records; the national model
// itself is published elsewhere (JO n° 268 du 18 novembre 2016, texte n°
// 19, L1257), which this package does not have, so the JSON encoding is
// this package's own, versioned by [FormVersion] and described by the JSON
// Schema [FormSchema] (schema/form.schema.json). [DecodeForm] rejects
// unknown fields, duplicate keys, wrong types, unknown values and missing
// required fields, and reports all of them at once, each with its JSON
// path ([FieldError] in a [DecodeError]). The sample forms in testdata/
// show every stage: first reading, second reading, deferred workup.
//
// Categories are per breast ([Breasts]); the exam-level category is the
// most severe, a pending 0 ranking above 1 and 2 and below 3 to 6
// ([Breasts.Exam], [Category.Severity]). 4a, 4b, 4c and 6 decode, and are
// rejected in the [Programme] mode and accepted in the [General] mode.
//
// # Suggestions
//
// Findings are described with annexe 2's own vocabulary (mass shape and
// margins, calcification morphology, number, distribution and cluster
// shape, focal asymmetry, architectural distortion, change since the prior
// exam). [Suggest] maps the findings of a breast to the table's rows and
// cites them. The engine suggests; the reader decides: a different
// category is a warning (BR_FINDINGS_SUGGESTION), never an error. The hard
// constraints on categories (dense breasts, category 3) are rules.
//
// # Errors
//
// [Check] returns an error only when it cannot check: invalid [Options]
// ([*OptionsError]), a read error, a cancelled context. An invalid form is
// a report with Valid false; [Report.Err] turns it into a [*DecodeError]
// or a [*ValidationError], whose violations errors.As finds as
// [*Violation].
//
// # Choices where the text is silent or ambiguous
//
//   - A mammogram still at 0 goes to second reading only after a refusal
//     of the workup: L1107 forbids it, L693 recommends it after a refusal.
//   - An abnormal clinical exam with a 1-2 mammogram whose workup reassures
//     goes to second reading (L684); L795 only covers a workup confirming
//     surveillance, an opinion or a biopsy.
//   - A deferred workup's cleared result goes back to second reading when
//     it followed the first reading (L1107, L737: exceptional deferral,
//     mobile unit), and does not when it followed a positive second
//     reading (L812), mobile unit or not: the form says which
//     ([DeferredWorkup.After]).
//   - The delays the arrêté leaves to the INCa follow-up référentiel
//     (L771, L780, L783, L843) are [Params]; where the arrêté gives no
//     value there is no default.
//   - The CTI "six mois" (L843) is counted from the mammogram.
//   - When the second reader both finds an anomaly and judges images
//     inadequate, the exam is positive at second reading (the deferred
//     workup retakes the images); CTI alone means retake and a new second
//     reading.
//   - Annexe 2's rows 5.3 to 5.5 do not apply to the typically benign
//     calcifications of rows 2.6 and 2.7 (see [TableRows]).
//   - The text's "seins denses" are types 3 and 4 (L1103).
//
// Some requirements are not checkable from a form and are not rules: the
// agreement between the report and the form (L689), not upgrading images
// for medico-legal protection (L1057), the second reader's anonymity
// (L723), and the programme-wide CTI rate under 1 % (L836).
package birads
