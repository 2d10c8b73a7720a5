package birads

import (
	"context"
	"testing"
)

// II.C, L631, L637: 500 a year.
func TestRule_BR_QUAL_L1_MIN_500(t *testing.T) {
	checkQualCases(t, "BR_QUAL_L1_MIN_500", []qualCase{
		{name: "499", fires: true, act: ReaderActivity{FirstReader: true, Mammograms: 499}},
		{name: "first year without exception", fires: true, act: ReaderActivity{FirstReader: true, FirstYear: true, Mammograms: 350}},
		{name: "500", fires: false, act: ReaderActivity{FirstReader: true, Mammograms: 500}},
		{name: "first year with exception", fires: false, act: ReaderActivity{FirstReader: true, FirstYear: true, Exception: true, Mammograms: 350, SessionReadings: 150}},
	})
}

// II.C, L639: 300 the first year, 500 read.
func TestRule_BR_QUAL_L1_FIRST_YEAR_300(t *testing.T) {
	ex := func(m, s int) ReaderActivity {
		return ReaderActivity{FirstReader: true, FirstYear: true, Exception: true, Mammograms: m, SessionReadings: s}
	}
	checkQualCases(t, "BR_QUAL_L1_FIRST_YEAR_300", []qualCase{
		{name: "299 performed", fires: true, act: ex(299, 400)},
		{name: "300 performed, 100 read in sessions", fires: true, act: ex(300, 100)},
		{name: "300 performed, 200 read in sessions", fires: false, act: ex(300, 200)},
	})
}

// IV.C, L713: 500 in practice for second readers.
func TestRule_BR_QUAL_L2_PRACTICE_500(t *testing.T) {
	checkQualCases(t, "BR_QUAL_L2_PRACTICE_500", []qualCase{
		{name: "400", fires: true, act: ReaderActivity{SecondReader: true, Mammograms: 400, SecondReadings: 2000}},
		{name: "retired", fires: false, act: ReaderActivity{SecondReader: true, Retired: true, SecondReadings: 2500}},
		{name: "600", fires: false, act: ReaderActivity{SecondReader: true, Mammograms: 600, SecondReadings: 2000}},
	})
}

// IV.C, L713: 1,500 second readings a year, checked after two years.
func TestRule_BR_QUAL_L2_MIN_1500(t *testing.T) {
	checkQualCases(t, "BR_QUAL_L2_MIN_1500", []qualCase{
		{name: "1,499 after three years", fires: true, act: ReaderActivity{SecondReader: true, Mammograms: 600, SecondReadings: 1499, L2Since: NewDate(2022, 1, 1)}},
		{name: "1,499, start unknown", fires: true, act: ReaderActivity{SecondReader: true, Mammograms: 600, SecondReadings: 1499}},
		{name: "1,000 in the first two years", fires: false, act: ReaderActivity{SecondReader: true, Mammograms: 600, SecondReadings: 1000, L2Since: NewDate(2024, 1, 1)}},
		{name: "1,500", fires: false, act: ReaderActivity{SecondReader: true, Mammograms: 600, SecondReadings: 1500, L2Since: NewDate(2020, 1, 1)}},
	})
}

// IV.C, L714: retired second readers, 2,000.
func TestRule_BR_QUAL_L2_RETIRED_2000(t *testing.T) {
	checkQualCases(t, "BR_QUAL_L2_RETIRED_2000", []qualCase{
		{name: "1,999", fires: true, act: ReaderActivity{SecondReader: true, Retired: true, SecondReadings: 1999}},
		{name: "2,000", fires: false, act: ReaderActivity{SecondReader: true, Retired: true, SecondReadings: 2000}},
		{name: "active reader, 1,600", fires: false, act: ReaderActivity{SecondReader: true, Mammograms: 600, SecondReadings: 1600}},
	})
}

// Annexe 3, II.1, L1145, L1147: training.
func TestRule_BR_QUAL_TRAINING(t *testing.T) {
	checkQualCases(t, "BR_QUAL_TRAINING", []qualCase{
		{name: "no digital module", fires: true, act: ReaderActivity{FirstReader: true, Mammograms: 800, Training: &Training{CommonCore: true}}},
		{name: "both modules", fires: false, act: ReaderActivity{FirstReader: true, Mammograms: 800, Training: &Training{CommonCore: true, Digital: true}}},
		{name: "unknown", fires: false, act: ReaderActivity{FirstReader: true, Mammograms: 800}},
	})
}

// The two-year delay is reported, and the thresholds are parameters.
func TestQualifyNotDueAndParams(t *testing.T) {
	act := ReaderActivity{Reader: "R", SecondReader: true, Mammograms: 600, SecondReadings: 1000, L2Since: NewDate(2024, 6, 1)}
	res, err := testEngine(t, Options{}).Qualify(context.Background(), []ReaderActivity{act})
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Qualified || len(res[0].NotDue) != 1 || res[0].NotDue[0] != RuleQualL2Min1500 {
		t.Errorf("got %+v", res[0])
	}
	act.PeriodEnd = NewDate(2026, 6, 1)
	res, _ = testEngine(t, Options{}).Qualify(context.Background(), []ReaderActivity{act})
	if res[0].Qualified {
		t.Errorf("two years on, 1,000 readings qualify: %+v", res[0])
	}
	res, _ = testEngine(t, Options{Params: Params{L2MinPerYear: 900}}).Qualify(context.Background(), []ReaderActivity{act})
	if !res[0].Qualified {
		t.Errorf("threshold 900: %+v", res[0])
	}
}

func TestDecodeActivities(t *testing.T) {
	acts, err := DecodeActivities([]byte(`[{"reader":"A","first_reader":true,"mammograms":450,"l2_since":"2023-01-01"}]`))
	if err != nil || len(acts) != 1 || acts[0].Mammograms != 450 || acts[0].L2Since != NewDate(2023, 1, 1) {
		t.Fatalf("%v %+v", err, acts)
	}
	_, err = DecodeActivities([]byte(`[{"reader":"A","mamograms":450}]`))
	var de *DecodeError
	if !errorsAs(err, &de) || de.Errors[0].Path != "[0].mamograms" {
		t.Errorf("got %v", err)
	}
}
