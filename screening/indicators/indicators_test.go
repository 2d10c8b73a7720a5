package indicators_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/calendar"
	"github.com/radkit/radkit/screening/indicators"
)

var simEnd = calendar.Of(2030, 1, 1)

// simulateIntoStore simulates a cohort, ingests it through an engine into
// a MemStore (every event must be accepted) and returns the truth.
func simulateIntoStore(t *testing.T, opts screening.SimOptions) (*screening.Engine, screening.SimTruth) {
	t.Helper()
	eng, err := screening.New(screening.Options{Now: func() time.Time { return simEnd.Time(nil) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	truth, err := screening.Simulate(ctx, opts, func(_ screening.PersonID, evs []screening.Event) error {
		res, err := eng.Ingest(ctx, evs)
		if err != nil {
			return err
		}
		for _, rj := range res.Rejected {
			t.Fatalf("simulated event rejected: %v", rj.Err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return eng, truth
}

// countsOf converts the simulator's counts field by field (same names).
func countsOf(t *testing.T, s *screening.SimCounts) indicators.Counts {
	t.Helper()
	var c indicators.Counts
	sv, cv := reflect.ValueOf(s).Elem(), reflect.ValueOf(&c).Elem()
	if sv.NumField() != cv.NumField() {
		t.Fatalf("SimCounts has %d fields, Counts %d", sv.NumField(), cv.NumField())
	}
	for i := 0; i < sv.NumField(); i++ {
		f := cv.FieldByName(sv.Type().Field(i).Name)
		if !f.IsValid() {
			t.Fatalf("Counts has no field %s", sv.Type().Field(i).Name)
		}
		f.Set(sv.Field(i))
	}
	return c
}

// TestIndicatorsMatchSimulatorTruth: the indicators computed from the
// stored events equal, cell by cell (programme, year, département), the
// counts the simulator made while it generated the cohort. The two sides
// share no code: the truth is counted from the simulator's decisions, the
// indicators are recomputed from the event logs read back from the
// store. The second cohort adds oppositions to reminders (Arrêté 2024,
// L54) and to the processing of results (L453): the exams and results
// the centre never receives count on neither side.
func TestIndicatorsMatchSimulatorTruth(t *testing.T) {
	o := screening.SimOptions{
		Seed: 11, People: 700, MinAge: 50, MaxAge: 70, FemaleShare: 0.8, Positivity: 5, FollowUp: 0.6,
		Departments: []string{"67", "68", "57"},
	}
	t.Run("plain", func(t *testing.T) { matchSimulatorTruth(t, o) })
	o.RemindersOpposition, o.ResultsOpposition = 0.1, 0.1
	t.Run("oppositions", func(t *testing.T) {
		n := matchSimulatorTruth(t, o)
		t.Logf("%d oppositions to results", n)
		if n == 0 {
			t.Errorf("the cohort has no opposition to results")
		}
	})
}

// matchSimulatorTruth runs TestIndicatorsMatchSimulatorTruth on one
// cohort and returns the number of oppositions to results in its store.
func matchSimulatorTruth(t *testing.T, o screening.SimOptions) int {
	t.Helper()
	eng, truth := simulateIntoStore(t, o)
	ctx := context.Background()
	opposed := 0
	err := eng.Store().Scan(ctx, func(_ screening.PersonID, evs []screening.Event) error {
		for _, e := range evs {
			if d, ok := e.Data.(screening.Opposition); ok && d.Scope == screening.OpposeResults {
				opposed++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := indicators.Compute(ctx, eng.Store(), indicators.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[indicators.Key]indicators.Counts{}
	for _, r := range rows {
		got[r.Key] = r.Counts
	}
	var total screening.SimCounts
	for k, c := range truth.By {
		total.Add(c)
		key := indicators.Key{Programme: k.Programme, Period: k.Year, Department: k.Department}
		want := countsOf(t, c)
		if g := got[key]; !reflect.DeepEqual(g, want) {
			t.Errorf("%v:\n got  %+v\n want %+v", key, g, want)
		}
		delete(got, key)
	}
	for k, c := range got {
		if c != (indicators.Counts{}) {
			t.Errorf("%v: indicators count %+v, the simulator nothing", k, c)
		}
	}
	t.Logf("totals: %+v", total)
	// The comparison is not vacuous: every kind of count occurs.
	tv := reflect.ValueOf(total)
	for i := 0; i < tv.NumField(); i++ {
		if f := tv.Field(i); f.Kind() == reflect.Int && f.Int() == 0 {
			t.Errorf("the simulated cohort has no %s: enlarge it", tv.Type().Field(i).Name)
		}
	}
	// The legacy totals agree with the detailed truth.
	if total.Tests != truth.Tests[0]+truth.Tests[1]+truth.Tests[2] {
		t.Errorf("tests: detailed %d, totals %v", total.Tests, truth.Tests)
	}
	return opposed
}

// TestPeriodsAndRates: two-year periods merge the years (people screened
// in both years count once), the INSEE population feeds its rate, and a
// rate without denominator is NaN.
func TestPeriodsAndRates(t *testing.T) {
	ctx := context.Background()
	eng, _ := simulateIntoStore(t, screening.SimOptions{Seed: 3, People: 300})
	yearly, err := indicators.Compute(ctx, eng.Store(), indicators.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pop := map[indicators.Key]int{{Programme: screening.Breast, Period: 2026, Department: "67"}: 1000}
	biennial, err := indicators.Compute(ctx, eng.Store(), indicators.Options{PeriodYears: 2, Population: pop})
	if err != nil {
		t.Fatal(err)
	}
	var y2026, y2027 indicators.Counts
	for _, r := range yearly {
		if r.Programme == screening.Breast && r.Period == 2026 {
			y2026 = r.Counts
		}
		if r.Programme == screening.Breast && r.Period == 2027 {
			y2027 = r.Counts
		}
	}
	var b indicators.Row
	for _, r := range biennial {
		if r.Programme == screening.Breast && r.Period == 2026 {
			b = r
		}
	}
	if b.PeriodLabel() != "2026-2027" || b.Tests != y2026.Tests+y2027.Tests || b.Invitations != y2026.Invitations+y2027.Invitations {
		t.Errorf("biennial %s: tests %d invitations %d; years: %d+%d, %d+%d", b.PeriodLabel(), b.Tests, b.Invitations,
			y2026.Tests, y2027.Tests, y2026.Invitations, y2027.Invitations)
	}
	if b.Screened > y2026.Screened+y2027.Screened || b.Screened == 0 {
		t.Errorf("biennial screened %d, years %d+%d", b.Screened, y2026.Screened, y2027.Screened)
	}
	if got, want := b.ParticipationINSEE(), float64(b.Screened)/1000; got != want {
		t.Errorf("INSEE participation %v, want %v", got, want)
	}
	var empty indicators.Row
	if r := empty.Participation(); r == r {
		t.Errorf("participation without invitations = %v, want NaN", r)
	}
}

// TestCSVAndJSON: the CSV has the stable header and one line per row;
// JSON carries the same values, with null for a rate without
// denominator.
func TestCSVAndJSON(t *testing.T) {
	rows := []indicators.Row{{
		Key:         indicators.Key{Programme: screening.Colorectal, Period: 2026, Department: "2A"},
		PeriodYears: 2,
		Counts:      indicators.Counts{Invitations: 8, InvitationsAnswered: 2, Analysable: 4, Positive: 1},
	}}
	var buf bytes.Buffer
	if err := indicators.WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || strings.Join(recs[0], ",") != strings.Join(indicators.Columns(), ",") {
		t.Fatalf("CSV: %v", recs)
	}
	got := map[string]string{}
	for i, h := range recs[0] {
		got[h] = recs[1][i]
	}
	for k, want := range map[string]string{"programme": "colorectal", "period": "2026-2027", "department": "2A",
		"invitations": "8", "participation": "0.2500", "positivity_rate": "0.2500", "ppv": ""} {
		if got[k] != want {
			t.Errorf("CSV %s = %q, want %q", k, got[k], want)
		}
	}
	b, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	var js []map[string]any
	if err := json.Unmarshal(b, &js); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	if js[0]["department"] != "2A" || js[0]["invitations"] != 8.0 || js[0]["participation"] != 0.25 || js[0]["ppv"] != nil || len(js[0]) != len(indicators.Columns()) {
		t.Errorf("JSON: %s", b)
	}
}
