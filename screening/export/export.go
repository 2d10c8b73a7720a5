// Package export writes the pseudonymised individual screening data a
// CRCDC sends to Santé publique France for the evaluation indicators
// (Arrêté du 16 janvier 2024, annexe I, VII, L168: "les informations
// pseudonymisées et nécessaires au calcul des indicateurs").
//
// Each person is identified by a keyed pseudonym, the same HMAC-SHA256
// linkage identifier as the research profile of radkit's anonymize
// package ([Pseudonym] equals anonymize.LinkageID for the same key and
// identifier), so that, pseudonymising the same identifier (the NIR) with
// the same key, the insurance body's export and the centre's link: "un
// identifiant commun permet l'appariement des données de l'assurance
// maladie aux données individuelles de santé pseudonymisées transmises
// par les CRCDC" (L169). The key management is the parties' (the text
// leaves it open, colorectal-cervical digest, ambiguity 22).
//
// No direct identifier leaves: no person or event ID (event IDs often
// embed the person's ID; references between events become per-person
// sequence numbers), no birth date (the birth year only), no free text
// (exclusion reasons, non-analysable reasons). Event dates are kept: the
// délai indicators need them, and the data are pseudonymised, not
// anonymous.
//
// A person who opposed the processing of their results by the centre
// (annexe II, L453; GEN-OPPOSE-RESULTS) has, for that programme, no
// result, exam, follow-up or centre letter exported, including those
// recorded before the opposition: only the insurance body's invitations,
// reminders and kits, and eligibility facts, which the centre does not
// process as results.
//
// This package does not import anonymize (which pulls the DICOM stack):
// it implements the same scheme, and a test proves the equality.
package export

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/radkit/radkit/internal/atomicfile"
	"github.com/radkit/radkit/screening"
)

// ErrKey is returned when the key is shorter than [MinKeyLen] bytes.
var ErrKey = errors.New("export: the pseudonymisation key must be at least 16 bytes")

// MinKeyLen is the shortest key accepted, as for anonymize.
const MinKeyLen = 16

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Pseudonym returns the keyed linkage identifier of id: "RK" and 16
// base32 characters of HMAC-SHA256 under a key derived from key, over the
// identifier upper-cased with blanks removed, so that "1 42 10 2A 247 650
// 52" and "142102A24765052" give the same pseudonym. It is the scheme of
// anonymize.LinkageID, byte for byte.
func Pseudonym(key []byte, id string) string {
	return pseudonymWith(patientKey(key), id)
}

// patientKey derives the per-use key exactly as anonymize does
// ("radkit/anonymize/v1/patient").
func patientKey(master []byte) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte("radkit/anonymize/v1/patient"))
	return m.Sum(nil)
}

func pseudonymWith(pk []byte, id string) string {
	norm := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == 0 {
			return -1
		}
		return unicode.ToUpper(r)
	}, id)
	m := hmac.New(sha256.New, pk)
	for _, p := range []string{"linkage", norm} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		m.Write(n[:])
		m.Write([]byte(p))
	}
	return "RK" + b32.EncodeToString(m.Sum(nil)[:10])
}

// Options configure an export.
type Options struct {
	// Key is the pseudonymisation secret shared with the insurance body,
	// at least 16 bytes. Required.
	Key []byte
	// Identifier returns the identifier to pseudonymise for a person: the
	// one the insurance body pseudonymises too (the NIR, from the
	// centre's identity records). nil uses the centre's PersonID, which
	// then links only exports of the same centre.
	Identifier func(ctx context.Context, p screening.PersonID) (string, error)
	// From and To bound the exported event dates, inclusive (zero: no
	// bound). An opposition is judged on the whole log up to To.
	From, To screening.Date
	// Programmes restricts the export (nil: all three). Person-level
	// facts (birth, move, death) are not rows: they are the birth year,
	// sex and département columns.
	Programmes []screening.Programme
}

// Stats summarise an export.
type Stats struct {
	People int // people with at least one row
	Rows   int
	// Withheld counts the events left out because of an opposition to
	// the processing of results; Opposed the people concerned.
	Withheld, Opposed int
}

// columns is the CSV header, in its stable order: new columns are only
// ever appended.
var columns = []string{
	"pseudonym", "birth_year", "sex", "department", "programme", "seq", "date", "event",
	"of_seq", "reader", "category", "workup_done", "workup_refused", "cti", "outcome", "value", "threshold",
	"read", "sent_to_centre", "test", "sample", "result", "finding", "size_mm", "reminder", "kit", "channel",
	"scope", "action", "status", "definitive", "until", "treatment", "partial", "retake", "mobile",
}

// Columns returns the CSV header of [Write].
func Columns() []string { return append([]string(nil), columns...) }

// Write streams the store's logs as pseudonymised CSV to w: a header
// ([Columns]), then one row per event, person after person in the store's
// scan order, each person's events in canonical order. w is written from
// one goroutine at a time.
func Write(ctx context.Context, store screening.Store, w io.Writer, opts Options) (Stats, error) {
	if len(opts.Key) < MinKeyLen {
		return Stats{}, ErrKey
	}
	pk := patientKey(opts.Key)
	var keep [4]bool
	if opts.Programmes == nil {
		keep = [4]bool{false, true, true, true}
	}
	for _, p := range opts.Programmes {
		if p.Valid() {
			keep[p] = true
		}
	}
	cw := csv.NewWriter(w)
	var mu sync.Mutex
	var st Stats
	if err := cw.Write(columns); err != nil {
		return st, err
	}
	err := store.Scan(ctx, func(person screening.PersonID, evs []screening.Event) error {
		id := string(person)
		if opts.Identifier != nil {
			var err error
			if id, err = opts.Identifier(ctx, person); err != nil {
				return fmt.Errorf("export: identifier of a person: %w", err)
			}
		}
		rows, withheld := personRows(pseudonymWith(pk, id), evs, &opts, keep)
		mu.Lock()
		defer mu.Unlock()
		if len(rows) > 0 {
			st.People++
		}
		if withheld > 0 {
			st.Opposed++
			st.Withheld += withheld
		}
		for _, r := range rows {
			if err := cw.Write(r); err != nil {
				return err
			}
			st.Rows++
		}
		cw.Flush()
		return cw.Error()
	})
	if err != nil {
		return st, err
	}
	cw.Flush()
	return st, cw.Error()
}

// WriteFile writes the export to path atomically: the file appears
// complete or not at all (temporary file, fsync, rename), with mode 0600
// since it holds health data.
func WriteFile(ctx context.Context, store screening.Store, path string, opts Options) (Stats, error) {
	var st Stats
	err := atomicfile.WriteFile(path, 0o600, func(w io.Writer) error {
		var err error
		st, err = Write(ctx, store, w, opts)
		return err
	})
	return st, err
}

// centreProcessed reports whether an event kind is a result, an exam or
// something the centre does with results: what an opposition to the
// processing of results withholds.
func centreProcessed(k screening.Kind) bool {
	switch k {
	case screening.KindInvitation, screening.KindReminder, screening.KindKitOrder, screening.KindKitSent,
		screening.KindHighRisk, screening.KindCervixAbsent, screening.KindExclusion, screening.KindExclusionEnd:
		return false
	}
	return true
}

func personRows(pseudo string, evs []screening.Event, o *Options, keep [4]bool) (rows [][]string, withheld int) {
	var birthYear, sex, dept string
	var opposed [4]bool
	seq := map[screening.EventID]int{}
	for i := range evs {
		e := &evs[i]
		if o.To != 0 && e.Date > o.To {
			break
		}
		seq[e.ID] = i + 1
		switch d := e.Data.(type) {
		case screening.Opposition:
			if d.Scope == screening.OpposeResults && e.Programme.Valid() {
				opposed[e.Programme] = true
			}
		case screening.OppositionWithdrawn:
			if d.Scope == screening.OpposeResults && e.Programme.Valid() {
				opposed[e.Programme] = false
			}
		}
	}
	for i := range evs {
		e := &evs[i]
		if o.To != 0 && e.Date > o.To {
			break
		}
		switch d := e.Data.(type) {
		case screening.Birth:
			birthYear, sex = strconv.Itoa(d.Birth.Year()), string(d.Sex)
			continue
		case screening.Move:
			dept = d.Department
			continue
		case screening.Death, screening.Opposition, screening.OppositionWithdrawn:
			continue
		}
		p := e.Programme
		if !p.Valid() || !keep[p] || o.From != 0 && e.Date < o.From {
			continue
		}
		if opposed[p] && centreProcessed(e.Kind()) {
			withheld++
			continue
		}
		r := make([]string, len(columns))
		r[0], r[1], r[2], r[3] = pseudo, birthYear, sex, dept
		r[4], r[5], r[6], r[7] = p.String(), strconv.Itoa(seq[e.ID]), e.Date.String(), string(e.Kind())
		fill(r, e, seq)
		rows = append(rows, r)
	}
	return rows, withheld
}

// Column indexes.
const (
	cOf = 8 + iota
	cReader
	cCategory
	cWorkupDone
	cWorkupRefused
	cCTI
	cOutcome
	cValue
	cThreshold
	cRead
	cSent
	cTest
	cSample
	cResult
	cFinding
	cSize
	cReminder
	cKit
	cChannel
	cScope
	cAction
	cStatus
	cDefinitive
	cUntil
	cTreatment
	cPartial
	cRetake
	cMobile
)

func flag(b bool) string {
	if b {
		return "1"
	}
	return ""
}

func num(v float64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func instant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func ref(seq map[screening.EventID]int, id screening.EventID) string {
	if n, ok := seq[id]; ok {
		return strconv.Itoa(n)
	}
	return ""
}

// fill writes the payload's columns. Free text (exclusion reasons,
// non-analysable reasons) is never written.
func fill(r []string, e *screening.Event, seq map[screening.EventID]int) {
	switch d := e.Data.(type) {
	case screening.Invitation:
		r[cChannel] = string(d.Channel)
	case screening.Reminder:
		r[cReminder], r[cKit], r[cChannel] = strconv.Itoa(d.N), flag(d.Kit), string(d.Channel)
	case screening.KitOrder:
		r[cChannel] = string(d.Channel)
	case screening.KitSent:
		r[cKit] = flag(d.Replacement)
	case screening.HighRisk:
		r[cStatus] = string(d.Criterion)
	case screening.Exclusion:
		r[cDefinitive] = flag(d.Definitive)
		if d.Until != 0 && d.Until != screening.NoDate {
			r[cUntil] = d.Until.String()
		}
	case screening.Mammogram:
		r[cPartial], r[cRetake], r[cMobile] = flag(d.Partial), flag(d.Retake), flag(d.Mobile)
	case screening.Reading:
		cat := d.Category
		if !cat.Valid() {
			cat = screening.ExamCategory(d.Right, d.Left)
		}
		r[cOf], r[cReader] = ref(seq, d.Of), string(d.Reader)
		if cat.Valid() {
			r[cCategory] = strconv.Itoa(cat.Number())
		}
		r[cWorkupDone], r[cWorkupRefused], r[cCTI] = flag(d.WorkupDone), flag(d.WorkupRefused), string(d.CTI)
	case screening.FITResult:
		r[cOutcome], r[cValue], r[cThreshold] = string(d.Outcome), num(d.Value), num(d.Threshold)
		r[cRead], r[cSent] = instant(d.Read), instant(d.SentToCentre)
	case screening.Colonoscopy:
		r[cFinding] = string(d.Finding)
		if d.Incomplete {
			r[cStatus] = "incomplete"
		}
	case screening.CervicalTest:
		r[cTest], r[cSample], r[cResult] = string(d.Test), string(d.Sample), string(d.Result)
	case screening.ReflexCytology:
		r[cOf], r[cResult] = ref(seq, d.Of), string(d.Result)
	case screening.Colposcopy:
		r[cFinding] = string(d.Finding)
	case screening.Histology:
		r[cOf], r[cFinding], r[cSize] = ref(seq, d.Of), string(d.Finding), num(d.SizeMM)
	case screening.Treatment:
		r[cTreatment] = string(d.Treatment)
	case screening.FollowUpInfo:
		r[cStatus] = string(d.Status)
	case screening.ActionDone:
		r[cAction], r[cChannel] = string(d.Action), string(d.Channel)
	}
}
