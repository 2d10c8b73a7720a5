package screeningbench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/calendar"
)

var (
	end   = calendar.Of(2030, 1, 1)
	clock = func() time.Time { return end.Time(nil) }
)

type cohort struct {
	events []screening.Event
	people int
}

var (
	cohortMu sync.Mutex
	cohorts  = map[int]*cohort{}
)

// cohortOf simulates n people once per run.
func cohortOf(b *testing.B, n int) *cohort {
	cohortMu.Lock()
	defer cohortMu.Unlock()
	if c, ok := cohorts[n]; ok {
		return c
	}
	c := &cohort{people: n}
	_, err := screening.Simulate(context.Background(), screening.SimOptions{Seed: 42, People: n},
		func(_ screening.PersonID, evs []screening.Event) error {
			c.events = append(c.events, evs...)
			return nil
		})
	if err != nil {
		b.Fatal(err)
	}
	cohorts[n] = c
	return c
}

// sizes returns the cohort sizes to measure: 1k and 10k by default,
// RADKIT_SCREENING_BENCH_MAX raises the largest (e.g. 100000).
func sizes() []int {
	out := []int{1000, 10000}
	if v, err := strconv.Atoi(os.Getenv("RADKIT_SCREENING_BENCH_MAX")); err == nil {
		for n := 100000; n <= v; n *= 10 {
			out = append(out, n)
		}
	}
	return out
}

func loaded(b *testing.B, c *cohort) *screening.Engine {
	eng, err := screening.New(screening.Options{Now: clock})
	if err != nil {
		b.Fatal(err)
	}
	res, err := eng.Ingest(context.Background(), c.events)
	if err != nil || len(res.Rejected) > 0 {
		b.Fatalf("ingest: %v %v", err, res.Rejected)
	}
	return eng
}

// BenchmarkSimulate: cohort generation, per person.
func BenchmarkSimulate(b *testing.B) {
	for b.Loop() {
		screening.Simulate(context.Background(), screening.SimOptions{Seed: 1, People: 100}, func(screening.PersonID, []screening.Event) error { return nil })
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/person")
}

// BenchmarkIngest: validated ingestion into the in-memory store, whole
// cohort in one batch per iteration (fresh engine each time).
func BenchmarkIngest(b *testing.B) {
	for _, n := range sizes()[:2] {
		c := cohortOf(b, n)
		b.Run(fmt.Sprintf("people=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				loaded(b, c)
			}
			b.ReportMetric(float64(len(c.events)*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkDue: one daily Due run over the whole cohort.
func BenchmarkDue(b *testing.B) {
	for _, n := range sizes() {
		c := cohortOf(b, n)
		eng := loaded(b, c)
		b.Run(fmt.Sprintf("people=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			actions := 0
			for b.Loop() {
				actions = 0
				err := eng.Due(context.Background(), end, func(screening.Action) error { actions++; return nil })
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/person")
			b.ReportMetric(float64(actions), "actions")
		})
	}
}
