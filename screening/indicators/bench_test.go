package indicators_test

import (
	"context"
	"testing"

	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/indicators"
)

// BenchmarkAccumulate: indicators per person, over a simulated breast
// cohort (the national case streams Simulate into an Accumulator).
func BenchmarkAccumulate(b *testing.B) {
	var logs [][]screening.Event
	_, err := screening.Simulate(context.Background(), screening.SimOptions{Seed: 1, People: 2000, MinAge: 50, MaxAge: 74,
		FemaleShare: 1, Programmes: []screening.Programme{screening.Breast}, Departments: screening.FranceDepartments()},
		func(_ screening.PersonID, evs []screening.Event) error { logs = append(logs, evs); return nil })
	if err != nil {
		b.Fatal(err)
	}
	a, err := indicators.NewAccumulator(indicators.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		evs := logs[i%len(logs)]
		a.Add(evs[0].Person, evs)
	}
}

// BenchmarkSimulateBreast: national-cohort generation, per person
// (breast only, 50-74, six years).
func BenchmarkSimulateBreast(b *testing.B) {
	b.ReportAllocs()
	_, err := screening.Simulate(context.Background(), screening.SimOptions{Seed: 1, People: b.N, MinAge: 50, MaxAge: 74,
		FemaleShare: 1, Programmes: []screening.Programme{screening.Breast}, Departments: screening.FranceDepartments()},
		func(screening.PersonID, []screening.Event) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
}
