package screening

import (
	"flag"
	"fmt"
	"go/format"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite doc.go and MACHINES.md from the rule and transition tables")

// docIntro is the hand-written part of the package documentation; the
// rule list after it is generated from the rule table (go test
// ./screening -run TestGeneratedDocs -update).
const docIntro = `// Package screening holds the follow-up state machines of the three French
// organised cancer-screening programmes (breast, colorectal, cervical), as
// the Arrêté du 16 janvier 2024 defines them, for screening-centre (CRCDC)
// software: every state can be explained, every délai is computed on the
// French business calendar, and every rule cites the line of the arrêté it
// comes from.
//
// # Model
//
// Each person has an append-only log of [Event]s with idempotent IDs:
// eligibility facts, invitations and reminders, kits, exams and results,
// letters and declarations, refusals, moves, death. The state of a person
// on a date is a pure fold of the log up to that date, in a canonical
// order (date, then exams before their results, then the letters they
// cause), so it does not depend on the order events arrived in:
// [Engine.State], [Engine.Explain] (the state with the chain of events,
// transitions and cited rules) and [Replay] (the same, without a store).
//
// Each programme is a transition table ([Transitions]: trigger, from
// states, to state, rule) with [Can] and [Available]; [Mermaid] draws it
// (MACHINES.md holds the three diagrams). Time never changes a state by
// itself: [Engine.Due] returns, for a date, every [Action] that is due
// (invitations, reminders, kits, letters, enquiries, declarations, and the
// exams the centre expects from professionals) with its rule and deadline;
// recording the action as an event ([Invitation], [Reminder], [KitSent],
// [ActionDone]) is what moves the person on, and what keeps Due from
// proposing it again.
//
// Ingestion ([Engine.Ingest]) rejects, with an [*EventError] naming the
// event and the rule, what cannot be true: an unknown code, a date in the
// future, a result without its exam, an age outside the programme, an
// event after death, an event the transition table does not allow in the
// person's state at its date. A rejected event changes nothing; a batch
// reports each rejected event and goes on; re-sending an event is a no-op.
//
// The breast programme's L1/L2 routing (second reading, workup, positive
// at first or second reading, CTI, cleared deferred workup) is decided by
// package birads: each reading is projected on a BI-RADS form and the
// [birads.Decision] picks the transition, whose rule and citation the
// explanation shows.
//
// # Storage and the due index
//
// A [Store] keeps the logs: [MemStore] here, SQLite (package
// sqlitestore, the embedded default) and PostgreSQL (package pgstore) in
// their own packages, so that importing the rules compiles no database
// driver; package storetest is the conformance suite all three pass.
// Next to each log the store keeps an [IndexEntry] the engine computes at
// ingestion: the first date anything will be due. It is a cache of the
// fold (a property test checks it against fresh folds), and lets a daily
// [Engine.Due] fold only the people whose date has come instead of
// everyone ([Engine.DueScan]); entries computed under another [Config]
// are stale, and [Engine.Reindex] recomputes them.
//
// # Configuration
//
// [Config] holds every délai and threshold. Numbers written in the arrêté
// are defaults that [Config.Validate] will not let contradict the text;
// values the arrêté delegates to INCa or HAS référentiels, or to the
// insurance bodies, have documented defaults (the reading a centre would
// defend) and are marked "référentiel" on their field. The configuration
// is versioned ([ConfigVersion]) and every state carries the version it
// was computed with.
//
// # Ambiguities of the text and how they are resolved
//
//   - Reminder timing: "deux relances ... dans un délai maximal de 12
//     mois" fixes neither the anchor nor the spacing: 4 and 8 months after
//     the invitation (CycleConfig).
//   - "Cycle d'invitation" bounding an opposition to reminders: 2 years
//     from the cycle's invitation (OppositionCycle).
//   - Colorectal non-responders: no explicit re-invitation sentence; 2
//     years after the invitation, from the biennial rhythm (CCR-REINVITE).
//   - Colorectal lab to centre: "48 heures" after the exam (L1424) versus
//     "48 heures ouvrées" after the reading (L1485): the latter.
//   - Colorectal 2-year stop: counted from the sending of the positive
//     result, the anchor of L1436.
//   - After a colorectal refusal or an undecided person's last letter: new
//     invitation when the follow-up would have stopped (2 years after the
//     positive result).
//   - Breast ACR 3: one year without any follow-up document (L823, which
//     states the délai L771 leaves to INCa), counted from the last
//     document.
//   - Breast CTI "avant six mois": counted from the mammogram.
//   - Breast exam category: the most severe breast, ACR 0 ranked above 1-2
//     and below 3-5 ([ExamCategory]).
//   - Cervical self-sampling kit with the second reminder: HPV age group
//     only (APVForCytologyAge).
//   - Cervical "haut grade / bas grade": mapped from Bethesda codes
//     (HighGrade, LowGrade); HPV-positive awaiting triage is followed with
//     the low-grade délai; HPV-positive with negative reflex cytology is
//     retested at 1 year (HAS 2019) and followed like a lesion due then.
//   - Cervical "3 ans ou 5 ans" after two unsatisfactory samples: from the
//     second sample, by the age at that sample; the same délai re-invites
//     after a perdu de vue, a refusal or an undecided person's last letter,
//     which the text leaves open.
//   - Follow-up past the upper age bound: continues (StopFollowUpAtAge).
//
// # Rules
//
// Every rule of the engine, with its ID and source (line numbers are those
// of the Légifrance text of the arrêté, file ` + "`" + SeedFile + "`" + `).
// This list is generated from the table the engine uses ([Rules]); a test
// fails when it is stale.
//`

const docOutro = `//
// # Around this package
//
// Stores that survive the process: package sqlitestore (embedded) and
// package pgstore (PostgreSQL), both held to the suite of package
// storetest. [Simulate] generates deterministic cohorts up to national
// scale with their ground truth ([SimTruth]); package indicators computes
// the evaluation indicators (CSV, PNG charts) from stored events; package
// export writes the pseudonymised file for Santé publique France with the
// keyed linkage identifier of anonymize's research profile.
package screening
`

// renderDoc renders doc.go from the rule table.
func renderDoc() string {
	var sb strings.Builder
	sb.WriteString("// Code generated by go test -run TestGeneratedDocs -update; DO NOT EDIT.\n\n")
	sb.WriteString(docIntro)
	sb.WriteString("\n")
	prog := Programme(255)
	for _, r := range rules {
		if r.Programme != prog {
			prog = r.Programme
			name := map[Programme]string{NoProgramme: "All programmes", Breast: "Breast (annexe III)", Colorectal: "Colorectal (annexe IV)", Cervical: "Cervical (annexe V)"}[prog]
			fmt.Fprintf(&sb, "//\n// %s:\n//\n", name)
		}
		fmt.Fprintf(&sb, "//   - %s (%s): %s\n", r.ID, r.Source, wrapDoc(r.Does))
	}
	sb.WriteString(docOutro)
	out, err := format.Source([]byte(sb.String()))
	if err != nil {
		panic(err)
	}
	return string(out)
}

// wrapDoc wraps s at about 72 columns for a list item of a doc comment.
func wrapDoc(s string) string {
	words := strings.Fields(s)
	var sb strings.Builder
	col := 0
	for i, w := range words {
		if i > 0 {
			if col+len(w) > 60 {
				sb.WriteString("\n//     ")
				col = 0
			} else {
				sb.WriteString(" ")
				col++
			}
		}
		sb.WriteString(w)
		col += len(w)
	}
	return sb.String()
}

// renderMachines renders MACHINES.md from the transition tables.
func renderMachines() string {
	var sb strings.Builder
	sb.WriteString("<!-- Code generated by go test -run TestGeneratedDocs -update; DO NOT EDIT. -->\n\n")
	sb.WriteString("# Screening state machines\n\n")
	sb.WriteString("One diagram per programme, drawn from `screening.Transitions`. Each edge is labelled with its trigger and rule.\n")
	sb.WriteString("Transitions every state shares (exclusion, death, opposition, actions done) and self-loops are left out; `screening.Transitions` has them all.\n")
	sb.WriteString("A transition to `waiting` lands in `ineligible` when a definitive reason (high risk, no cervix, cancer) is recorded.\n")
	for _, p := range programmes {
		fmt.Fprintf(&sb, "\n## %s\n\n```mermaid\n%s```\n", p, Mermaid(p))
	}
	sb.WriteString("\n## Rules\n\n| ID | Source | What the engine does | Parameters |\n|---|---|---|---|\n")
	for _, r := range rules {
		fmt.Fprintf(&sb, "| %s | %s | %s | %s |\n", r.ID, r.Source, strings.ReplaceAll(r.Does, "|", "\\|"), r.Params)
	}
	return sb.String()
}

// TestGeneratedDocs fails when doc.go or MACHINES.md is stale; run with
// -update to rewrite them.
func TestGeneratedDocs(t *testing.T) {
	for file, want := range map[string]string{"doc.go": renderDoc(), "MACHINES.md": renderMachines()} {
		if *update {
			if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s is stale: run go test ./screening -run TestGeneratedDocs -update", file)
		}
	}
}
