package screeningbench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/calendar"
	"github.com/radkit/radkit/screening/sqlitestore"
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

// cpuTime returns the process's user+system CPU time: the machine is
// shared, so throughput is also reported per CPU second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ingest(b *testing.B, eng *screening.Engine, events []screening.Event, batch int) {
	rejected := 0
	var first error
	for lo := 0; lo < len(events); lo += batch {
		res, err := eng.Ingest(context.Background(), events[lo:min(lo+batch, len(events))])
		if err != nil {
			b.Fatalf("ingest: %v", err)
		}
		if len(res.Rejected) > 0 && first == nil {
			first = res.Rejected[0].Err
		}
		rejected += len(res.Rejected)
	}
	if rejected > 0 {
		// The simulator (owned elsewhere) may emit an event the rules
		// reject; it is measured like any other.
		b.Logf("%d of %d simulated events rejected, first: %v", rejected, len(events), first)
	}
}

func loaded(b *testing.B, c *cohort, store screening.Store) *screening.Engine {
	eng, err := screening.New(screening.Options{Now: clock, Store: store})
	if err != nil {
		b.Fatal(err)
	}
	ingest(b, eng, c.events, len(c.events))
	return eng
}

func openSQLite(b *testing.B, dir string) *sqlitestore.Store {
	s, err := sqlitestore.Open(context.Background(), filepath.Join(dir, "screening.db"), sqlitestore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkSimulate: cohort generation, per person.
func BenchmarkSimulate(b *testing.B) {
	for b.Loop() {
		screening.Simulate(context.Background(), screening.SimOptions{Seed: 1, People: 100}, func(screening.PersonID, []screening.Event) error { return nil })
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/person")
}

// report adds events/s (wall) and events per CPU second.
func report(b *testing.B, events int, cpu time.Duration) {
	b.ReportMetric(float64(events*b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(events*b.N)/cpu.Seconds(), "events/cpu-s")
}

// BenchmarkIngest: validated ingestion into the in-memory store, whole
// cohort in one batch per iteration (fresh engine each time).
func BenchmarkIngest(b *testing.B) {
	for _, n := range sizes() {
		c := cohortOf(b, n)
		b.Run(fmt.Sprintf("people=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				loaded(b, c, nil)
			}
			report(b, len(c.events), cpuTime()-cpu)
		})
	}
}

// BenchmarkIngestSQLite: validated ingestion into a new SQLite file
// (WAL, synchronous=FULL), in batches of 20,000 events, one transaction
// (one fsync) each.
func BenchmarkIngestSQLite(b *testing.B) {
	for _, n := range sizes() {
		c := cohortOf(b, n)
		b.Run(fmt.Sprintf("people=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				dir := b.TempDir()
				s := openSQLite(b, dir)
				eng, _ := screening.New(screening.Options{Now: clock, Store: s})
				b.StartTimer()
				c0 := cpuTime()
				ingest(b, eng, c.events, 20000)
				cpu += cpuTime() - c0
				b.StopTimer()
				s.Close()
				os.RemoveAll(dir)
				b.StartTimer()
			}
			report(b, len(c.events), cpu)
		})
	}
}

func benchDue(b *testing.B, eng *screening.Engine, n int, scan bool) {
	b.ReportAllocs()
	actions := 0
	cpu := cpuTime()
	for b.Loop() {
		actions = 0
		f := eng.Due
		if scan {
			f = eng.DueScan
		}
		if err := f(context.Background(), end, func(screening.Action) error { actions++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/person")
	b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N*n), "cpu-ns/person")
	b.ReportMetric(float64(actions), "actions")
}

// BenchmarkDue: one daily Due run over the whole cohort in memory, with
// the due index (Due) and folding everyone (DueScan).
func BenchmarkDue(b *testing.B) {
	for _, n := range sizes() {
		c := cohortOf(b, n)
		eng := loaded(b, c, nil)
		b.Run(fmt.Sprintf("index/people=%d", n), func(b *testing.B) { benchDue(b, eng, n, false) })
		b.Run(fmt.Sprintf("scan/people=%d", n), func(b *testing.B) { benchDue(b, eng, n, true) })
	}
}

// BenchmarkDueSQLite: one daily Due run with the embedded store.
func BenchmarkDueSQLite(b *testing.B) {
	for _, n := range sizes() {
		c := cohortOf(b, n)
		dir := b.TempDir()
		s := openSQLite(b, dir)
		eng := loaded(b, c, s)
		b.Run(fmt.Sprintf("index/people=%d", n), func(b *testing.B) { benchDue(b, eng, n, false) })
		s.Close()
	}
}
