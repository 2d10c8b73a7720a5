package screening_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/calendar"
)

// simDigest simulates and returns a digest of every event, the people in
// order, and the truth.
func simDigest(t *testing.T, o screening.SimOptions) ([32]byte, []screening.PersonID, screening.SimTruth, [][]screening.Event) {
	t.Helper()
	h := sha256.New()
	var people []screening.PersonID
	var logs [][]screening.Event
	truth, err := screening.Simulate(context.Background(), o, func(p screening.PersonID, evs []screening.Event) error {
		people = append(people, p)
		logs = append(logs, append([]screening.Event(nil), evs...))
		for _, e := range evs {
			b, err := json.Marshal(e)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum, people, truth, logs
}

// TestSimulateIndependentOfWorkers: the events, their order and the truth
// depend on the seed only, not on the number of workers.
func TestSimulateIndependentOfWorkers(t *testing.T) {
	o := screening.SimOptions{Seed: 9, People: 150, To: calendar.Of(2027, 1, 1)}
	o.Workers = 1
	d1, p1, t1, _ := simDigest(t, o)
	o.Workers = 5
	d5, p5, t5, _ := simDigest(t, o)
	if d1 != d5 || !reflect.DeepEqual(p1, p5) || !reflect.DeepEqual(t1, t5) {
		t.Errorf("1 worker and 5 workers differ")
	}
	for i, p := range p1 {
		if want := screening.PersonID("S" + pad(i)); p != want {
			t.Fatalf("person %d is %s, want %s", i, p, want)
		}
	}
	o.Seed = 10
	if d, _, _, _ := simDigest(t, o); d == d1 {
		t.Error("another seed gives the same cohort")
	}
}

func pad(i int) string {
	b := []byte("00000000")
	for j := 7; i > 0; j-- {
		b[j] = byte('0' + i%10)
		i /= 10
	}
	return string(b)
}

// TestSimulateOptions: ages, sex ratio, programmes and départements
// follow the options.
func TestSimulateOptions(t *testing.T) {
	from := calendar.Of(2024, 1, 1)
	o := screening.SimOptions{Seed: 2, People: 300, MinAge: 50, MaxAge: 74, FemaleShare: 1,
		Programmes: []screening.Programme{screening.Breast}, Departments: []string{"971", "2A", "67"},
		To: calendar.Of(2027, 1, 1)}
	_, _, truth, logs := simDigest(t, o)
	depts := map[string]int{}
	for _, evs := range logs {
		for _, e := range evs {
			switch d := e.Data.(type) {
			case screening.Birth:
				if a := calendar.Age(d.Birth, from); a < 50 || a > 74 || d.Sex != screening.SexFemale {
					t.Fatalf("%s: age %d, sex %q", e.Person, a, d.Sex)
				}
			case screening.Move:
				depts[d.Department]++
			}
			if e.Programme != screening.NoProgramme && e.Programme != screening.Breast {
				t.Fatalf("%s: event of %s in a breast-only cohort", e.ID, e.Programme)
			}
		}
	}
	if len(depts) != 3 || depts["971"] == 0 || depts["2A"] == 0 || depts["67"] == 0 {
		t.Errorf("départements %v", depts)
	}
	if truth.Tests[0] == 0 || truth.Tests[1]+truth.Tests[2] != 0 || truth.People != 300 {
		t.Errorf("truth %+v", truth)
	}
	for k := range truth.By {
		if k.Programme != screening.Breast || depts[k.Department] == 0 || k.Year < 2024 || k.Year > 2026 {
			t.Errorf("truth cell %+v", k)
		}
	}
	// Positivity scales the positive screens.
	o.Positivity = 3
	_, _, hi, _ := simDigest(t, o)
	if hi.Positives[0] < 2*truth.Positives[0] {
		t.Errorf("positivity ×3: %d positives, ×1: %d", hi.Positives[0], truth.Positives[0])
	}
	if n := len(screening.FranceDepartments()); n != 101 {
		t.Errorf("%d French départements, want 101", n)
	}
}

// TestSimulateStops: an error from fn or a cancelled context stops the
// simulation and is returned; bad options are an error.
func TestSimulateStops(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	_, err := screening.Simulate(context.Background(), screening.SimOptions{People: 500}, func(screening.PersonID, []screening.Event) error {
		n++
		if n == 70 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 70 {
		t.Errorf("fn error: %v after %d people", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	_, err = screening.Simulate(ctx, screening.SimOptions{People: 500}, func(screening.PersonID, []screening.Event) error {
		n++
		if n == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 10 {
		t.Errorf("cancel: %v after %d people", err, n)
	}
	for _, o := range []screening.SimOptions{{MinAge: 60, MaxAge: 50}, {People: -1}, {From: calendar.Of(2030, 1, 1), To: calendar.Of(2029, 1, 1)}} {
		if _, err := screening.Simulate(context.Background(), o, func(screening.PersonID, []screening.Event) error { return nil }); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// TestRegionsPartitionFrance: the regions' départements are France's,
// each once.
func TestRegionsPartitionFrance(t *testing.T) {
	seen := map[string]string{}
	for _, r := range []string{"84", "27", "53", "24", "94", "44", "32", "11", "28", "75", "76", "52", "93", "01", "02", "03", "04", "06"} {
		ds := screening.RegionDepartments(r)
		if len(ds) == 0 {
			t.Errorf("region %s has no département", r)
		}
		for _, d := range ds {
			if prev, ok := seen[d]; ok {
				t.Errorf("%s in regions %s and %s", d, prev, r)
			}
			seen[d] = r
		}
	}
	for _, d := range screening.FranceDepartments() {
		if _, ok := seen[d]; !ok {
			t.Errorf("%s in no region", d)
		}
		delete(seen, d)
	}
	if len(seen) != 0 {
		t.Errorf("not French départements: %v", seen)
	}
	if screening.RegionDepartments("99") != nil {
		t.Error("unknown region")
	}
}

// TestSimulateAccepted: the engine accepts every event the simulator
// generates, and a CTI retake comes strictly after the reading that asks
// for it. Seed 1 with 5,000 women aged 74 reproduced a defect of the
// simulator (also 143 rejected events of 116 M at 10 M people, seed 42):
// a retake dated after the person's 75th birthday, which the engine
// rejects (BRE-AGE) with the readings naming it (GEN-REFERENCE); 74-year
// olds make the case frequent enough for a small cohort. The second
// cohort is the default one (all programmes, 20-74 years, 6 years). The
// third adds oppositions to reminders (Arrêté 2024, L54) and to the
// processing of results (L453): both scopes occur, no reminder falls in
// an opposition to reminders, and no result (nor exam) is dated on or
// after an opposition to results (checkOppositions).
func TestSimulateAccepted(t *testing.T) {
	cohorts := []screening.SimOptions{
		{Seed: 1, People: 5000, MinAge: 74, MaxAge: 74, FemaleShare: 1,
			Programmes: []screening.Programme{screening.Breast}, To: calendar.Of(2025, 7, 1)},
		{Seed: 3, People: 3000},
		{Seed: 4, People: 3000, RemindersOpposition: 0.05, ResultsOpposition: 0.05},
	}
	if testing.Short() {
		cohorts[1].People = 500
		cohorts[2].People = 1000
	}
	for _, o := range cohorts {
		logs, rej := simRejections(t, o)
		if o.RemindersOpposition > 0 || o.ResultsOpposition > 0 {
			checkOppositions(t, o, logs)
		}
		for i, r := range rej {
			if i == 10 {
				t.Errorf("... %d rejected events in all", len(rej))
				break
			}
			t.Errorf("seed %d: %v", o.Seed, r.Err)
		}
		retakes, late := 0, 0
		for _, evs := range logs {
			cti, birth := screening.NoDate, screening.NoDate
			for _, e := range evs {
				switch d := e.Data.(type) {
				case screening.Birth:
					birth = d.Birth
				case screening.Reading:
					if d.CTI != screening.CTINone {
						cti = e.Date
						if b75 := birth.AddYears(75); cti < b75 && b75.Sub(cti) <= 60 {
							late++ // the case of the defect
						}
					}
				case screening.Mammogram:
					if d.Retake {
						retakes++
						if cti == screening.NoDate || e.Date <= cti {
							t.Errorf("%s: retake on %s, CTI reading on %s", e.ID, e.Date, cti)
						}
					}
				}
			}
		}
		t.Logf("seed %d: %d retakes, %d CTI readings less than 60 days before the 75th birthday", o.Seed, retakes, late)
		if o.Seed == 1 && (retakes == 0 || late == 0) {
			t.Errorf("seed %d: %d CTI retakes, %d CTI readings in the 60 days before the 75th birthday: the cohort no longer exercises the case", o.Seed, retakes, late)
		}
	}
}

// simRejections simulates o and ingests the events into an engine over
// a MemStore, in batches as a centre would; it returns the logs and the
// rejected events.
func simRejections(t *testing.T, o screening.SimOptions) ([][]screening.Event, []screening.Rejection) {
	t.Helper()
	ctx := context.Background()
	to := o.To
	if to == 0 {
		to = calendar.Of(2030, 1, 1)
	}
	eng, err := screening.New(screening.Options{Store: &screening.MemStore{}, Now: func() time.Time { return to.Time(nil) }})
	if err != nil {
		t.Fatal(err)
	}
	var (
		rej   []screening.Rejection
		batch []screening.Event
		logs  [][]screening.Event
	)
	flush := func() error {
		res, err := eng.Ingest(ctx, batch)
		rej = append(rej, res.Rejected...)
		batch = batch[:0]
		return err
	}
	_, err = screening.Simulate(ctx, o, func(_ screening.PersonID, evs []screening.Event) error {
		logs = append(logs, append([]screening.Event(nil), evs...))
		batch = append(batch, evs...)
		if len(batch) >= 5000 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		t.Fatal(err)
	}
	return logs, rej
}

// resultKind reports the kinds the engine rejects after an opposition to
// the processing of results (GEN-OPPOSE-RESULTS, Arrêté 2024, L453),
// and the mammogram, which the simulator does not generate either then.
func resultKind(k screening.Kind) bool {
	switch k {
	case screening.KindMammogram, screening.KindReading, screening.KindFIT, screening.KindCervicalTest,
		screening.KindReflexCytology, screening.KindColonoscopy, screening.KindCTColonography,
		screening.KindColposcopy, screening.KindHistology, screening.KindFollowUpInfo:
		return true
	}
	return false
}

// checkOppositions checks the oppositions of a simulated cohort: both
// scopes occur, each is dated after an invitation of its programme, no
// reminder of the programme is dated from an opposition to reminders to
// the end of its cycle (OppositionCycle after the round's invitation,
// GEN-OPPOSE-REMINDERS, L54) or its withdrawal, and no exam nor result of the programme is
// dated on or after an opposition to results (GEN-OPPOSE-RESULTS, L453).
func checkOppositions(t *testing.T, o screening.SimOptions, logs [][]screening.Event) {
	t.Helper()
	cfg := screening.DefaultConfig()
	cycle := map[screening.Programme]screening.Period{
		screening.Breast:     cfg.Breast.OppositionCycle,
		screening.Colorectal: cfg.Colorectal.OppositionCycle,
		screening.Cervical:   cfg.Cervical.OppositionCycle,
	}
	var reminders, results, silenced, withdrawn int
	for _, evs := range logs {
		inv := map[screening.Programme]screening.Date{}
		type window struct{ from, until screening.Date }
		quiet := map[screening.Programme][]window{}
		opposed := map[screening.Programme]screening.Date{}
		for _, e := range evs {
			if d, ok := e.Data.(screening.Opposition); ok {
				last, invited := inv[e.Programme]
				if !invited || last >= e.Date {
					t.Errorf("%s: opposition on %s, latest invitation %v", e.ID, e.Date, last)
				}
				if d.Scope == screening.OpposeReminders {
					reminders++
					quiet[e.Programme] = append(quiet[e.Programme], window{e.Date, last.Add(cycle[e.Programme])})
				} else {
					results++
					if _, ok := opposed[e.Programme]; !ok {
						opposed[e.Programme] = e.Date
					}
				}
			}
			if d, ok := e.Data.(screening.OppositionWithdrawn); ok && d.Scope == screening.OpposeReminders {
				withdrawn++
				ws := quiet[e.Programme]
				if len(ws) == 0 || ws[len(ws)-1].from >= e.Date {
					t.Errorf("%s: withdrawal on %s without an earlier opposition to reminders", e.ID, e.Date)
					continue
				}
				if w := &ws[len(ws)-1]; w.until > e.Date {
					w.until = e.Date
				}
			}
			if _, ok := e.Data.(screening.Invitation); ok {
				inv[e.Programme] = e.Date
			}
		}
		for _, e := range evs {
			if _, ok := e.Data.(screening.Reminder); ok {
				for _, w := range quiet[e.Programme] {
					if e.Date >= w.from && e.Date < w.until {
						t.Errorf("%s: reminder on %s, reminders opposed from %s to %s", e.ID, e.Date, w.from, w.until)
					}
				}
			}
			if d, ok := opposed[e.Programme]; ok && resultKind(e.Kind()) && e.Date >= d {
				t.Errorf("%s: %s on %s, results opposed on %s", e.ID, e.Kind(), e.Date, d)
			}
		}
		silenced += len(opposed)
	}
	t.Logf("seed %d: %d oppositions to reminders (%d withdrawn), %d to results (%d programmes silenced)", o.Seed, reminders, withdrawn, results, silenced)
	if reminders == 0 || results == 0 || withdrawn == 0 {
		t.Errorf("seed %d: %d oppositions to reminders (%d withdrawn), %d to results: want both scopes and withdrawals", o.Seed, reminders, withdrawn, results)
	}
}

// TestSimulateOppositionsOwnStream: oppositions are drawn from a random
// stream of their own, so that a person who opposes nothing in a cohort
// with opposition rates has exactly the events she has in the same cohort
// without them (and rates of 0 change nothing at all).
func TestSimulateOppositionsOwnStream(t *testing.T) {
	o := screening.SimOptions{Seed: 6, People: 400, To: calendar.Of(2028, 1, 1)}
	d0, p0, t0, logs0 := simDigest(t, o)
	if d, _, tr, _ := simDigest(t, screening.SimOptions{Seed: 6, People: 400, To: calendar.Of(2028, 1, 1),
		RemindersOpposition: 0, ResultsOpposition: 0}); d != d0 || !reflect.DeepEqual(tr, t0) {
		t.Errorf("explicit zero rates changed the cohort")
	}
	o.RemindersOpposition, o.ResultsOpposition = 0.2, 0.2
	_, p1, _, logs1 := simDigest(t, o)
	if !reflect.DeepEqual(p0, p1) {
		t.Fatalf("the people differ")
	}
	same, opposing := 0, 0
	for i := range logs1 {
		opp := false
		for _, e := range logs1[i] {
			_, ok := e.Data.(screening.Opposition)
			opp = opp || ok
		}
		if opp {
			opposing++
			continue
		}
		if !reflect.DeepEqual(logs0[i], logs1[i]) {
			t.Errorf("%s opposes nothing but her events changed", p1[i])
			continue
		}
		same++
	}
	t.Logf("%d people oppose, %d unchanged", opposing, same)
	if opposing == 0 || same == 0 {
		t.Errorf("%d people oppose, %d do not: the test is vacuous", opposing, same)
	}
}
