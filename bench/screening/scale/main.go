// Command scale measures the screening engine with the embedded SQLite
// store on cohorts of 100,000 to 10 million people: ingestion rate of a
// simulated cohort, then, in a fresh process, the time and peak memory of
// one daily Due run.
//
//	go build -o /tmp/screeningscale ./bench/screening/scale
//	/tmp/screeningscale -db /tmp/s1m.db -people 1000000 build
//	/tmp/screeningscale -db /tmp/s1m.db due
//
// build simulates the cohort (screening.Simulate, seed 42, as the
// benchmarks) and ingests it in batches of -batch events from -workers
// goroutines; due runs Engine.Due on the simulation's end date and
// prints the wall and CPU time, the people visited and the peak RSS
// (VmHWM) of the process, and with -out writes the actions, one a line
// in the order Due emitted them (to compare two versions of the store);
// scandue only reads the logs due needs (Store.ScanDue, no fold); sim only
// simulates (to subtract its cost from build's).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/calendar"
	"github.com/radkit/radkit/screening/sqlitestore"
)

var end = calendar.Of(2030, 1, 1)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS returns VmHWM from /proc/self/status.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func main() {
	db := flag.String("db", "", "SQLite file")
	people := flag.Int("people", 100000, "cohort size (build)")
	batch := flag.Int("batch", 20000, "events per Ingest call (build)")
	workers := flag.Int("workers", 2, "concurrent Ingest calls (build)")
	out := flag.String("out", "", "file to write the due actions to, one a line (due)")
	readers := flag.Int("readers", 0, "sqlitestore.Options.ScanReaders (0: its default)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the command to this file")
	flag.Parse()
	if *db == "" || flag.NArg() != 1 {
		log.Fatal("usage: scale -db FILE [-people N] build|due|scandue|sim")
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	s, err := sqlitestore.Open(ctx, *db, sqlitestore.Options{ScanReaders: *readers})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	eng, err := screening.New(screening.Options{Store: s, Now: func() time.Time { return end.Time(nil) }})
	if err != nil {
		log.Fatal(err)
	}
	switch flag.Arg(0) {
	case "build":
		build(ctx, eng, *people, *batch, *workers)
	case "due":
		due(ctx, eng, *out)
	case "scandue":
		// The store's part of due alone: ScanDue with nothing done per
		// person.
		t0, c0 := time.Now(), cpuTime()
		people, events := 0, 0
		err := s.ScanDue(ctx, end, eng.IndexKey(), func(_ screening.PersonID, evs []screening.Event) error {
			people++
			events += len(evs)
			return nil
		})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("scandue %s: %d people, %d events in %v wall, %v CPU; peak RSS %s\n", end, people, events,
			time.Since(t0).Round(time.Millisecond), (cpuTime() - c0).Round(time.Millisecond), peakRSS())
	case "sim":
		t0, c0 := time.Now(), cpuTime()
		total := 0
		screening.Simulate(ctx, screening.SimOptions{Seed: 42, People: *people}, func(_ screening.PersonID, evs []screening.Event) error {
			total += len(evs)
			return nil
		})
		fmt.Printf("sim: %d people, %d events in %v wall, %v CPU\n", *people, total, time.Since(t0).Round(time.Millisecond), (cpuTime() - c0).Round(time.Millisecond))
	default:
		log.Fatalf("unknown command %q", flag.Arg(0))
	}
}

func build(ctx context.Context, eng *screening.Engine, n, batch, workers int) {
	batches := make(chan []screening.Event, workers)
	var (
		mu                 sync.Mutex
		accepted, rejected int
		ingestWall         time.Duration
		wg                 sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				t0 := time.Now()
				res, err := eng.Ingest(ctx, b)
				if err != nil {
					log.Fatal(err)
				}
				mu.Lock()
				accepted += res.Accepted
				rejected += len(res.Rejected)
				ingestWall += time.Since(t0)
				mu.Unlock()
			}
		}()
	}
	t0, c0 := time.Now(), cpuTime()
	var cur []screening.Event
	total := 0
	_, err := screening.Simulate(ctx, screening.SimOptions{Seed: 42, People: n}, func(_ screening.PersonID, evs []screening.Event) error {
		cur = append(cur, evs...)
		total += len(evs)
		if len(cur) >= batch {
			batches <- cur
			cur = nil
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	if len(cur) > 0 {
		batches <- cur
	}
	close(batches)
	wg.Wait()
	wall, cpu := time.Since(t0), cpuTime()-c0
	fmt.Printf("build: %d people, %d events (%d accepted, %d rejected) in %v wall, %v CPU (simulation included): %.0f events/s\n",
		n, total, accepted, rejected, wall.Round(time.Millisecond), cpu.Round(time.Millisecond), float64(total)/wall.Seconds())
	fmt.Printf("peak RSS %s\n", peakRSS())
}

func due(ctx context.Context, eng *screening.Engine, out string) {
	var w *bufio.Writer
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			log.Fatal(err)
		}
		defer func() {
			if err := w.Flush(); err != nil {
				log.Fatal(err)
			}
			if err := f.Close(); err != nil {
				log.Fatal(err)
			}
		}()
		w = bufio.NewWriter(f)
	}
	t0, c0 := time.Now(), cpuTime()
	actions := 0
	people := map[screening.PersonID]bool{}
	err := eng.Due(ctx, end, func(a screening.Action) error {
		actions++
		people[a.Person] = true
		if w != nil {
			fmt.Fprintf(w, "%s episode %s\n", a, a.Episode)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	wall, cpu := time.Since(t0), cpuTime()-c0
	fmt.Printf("due %s: %d actions for %d people in %v wall, %v CPU; peak RSS %s\n",
		end, actions, len(people), wall.Round(time.Millisecond), cpu.Round(time.Millisecond), peakRSS())
}
