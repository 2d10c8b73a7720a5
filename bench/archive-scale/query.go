package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/radkit/radkit/dicomarchive"
)

// queryKind is one kind of query and how to draw its parameters.
type queryKind struct {
	name string
	make func(rng *rand.Rand) *dicomarchive.Query
}

// queryKinds draws parameters from the plan, so that queries find rows.
func queryKinds(p *plan) []queryKind {
	return []queryKind{
		{"patient ID", func(rng *rand.Rand) *dicomarchive.Query {
			return &dicomarchive.Query{PatientID: p.patients[rng.IntN(len(p.patients))].id.PatientID}
		}},
		{"name prefix", func(rng *rand.Rand) *dicomarchive.Query {
			// What a user types: the start of the family name, in
			// lower case, accents as they come.
			fam, _, _ := strings.Cut(p.patients[rng.IntN(len(p.patients))].id.Name, "^")
			r := []rune(strings.ToLower(fam))
			n := min(len(r), 3+rng.IntN(3))
			return &dicomarchive.Query{PatientName: string(r[:n]) + "*"}
		}},
		{"date range (30 days)", func(rng *rand.Rand) *dicomarchive.Query {
			days := int(lastDay.Sub(firstDay).Hours() / 24)
			from := firstDay.AddDate(0, 0, rng.IntN(days-30))
			return &dicomarchive.Query{StudyDateFrom: from, StudyDateTo: from.AddDate(0, 0, 29)}
		}},
	}
}

// latencies summarises one series of timings.
type latencies struct {
	p50, p99, max time.Duration
	cpu           time.Duration // mean CPU time per query
	rows          float64       // mean results per query
}

func summarize(d []time.Duration, rows int) latencies {
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[min(int(q*float64(len(d))), len(d)-1)] }
	return latencies{p50: at(0.50), p99: at(0.99), max: d[len(d)-1], rows: float64(rows) / float64(len(d))}
}

// measureQueries runs n queries of each kind (after a warm-up) on the
// index alone and through the archive, and prints a Markdown table.
// cpuNow returns the CPU time used so far by the processes doing the
// queries (this one, and the database server if there is one), so that
// the mean CPU per query can be shown beside latencies that a loaded
// machine inflates.
func measureQueries(ctx context.Context, backend string, ix dicomarchive.Index, a *dicomarchive.Archive, p *plan, n int, cpuNow func() time.Duration) error {
	fmt.Printf("\n%s, %d instances: study-level queries, %d of each kind (page of 100)\n\n", backend, p.instances, n)
	fmt.Println("| query | index p50 | index p99 | index CPU/query | archive p50 | archive p99 | archive CPU/query | mean results |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, k := range queryKinds(p) {
		var res [2]latencies
		for pass, f := range []func(context.Context, *dicomarchive.Query) (dicomarchive.Page[dicomarchive.Study], error){ix.QueryStudies, a.QueryStudies} {
			rng := rand.New(rand.NewPCG(p.seed, uint64(len(k.name))))
			for range 100 {
				if _, err := f(ctx, k.make(rng)); err != nil {
					return fmt.Errorf("%s: %w", k.name, err)
				}
			}
			d := make([]time.Duration, 0, n)
			rows := 0
			cpu0 := cpuNow()
			for range n {
				q := k.make(rng)
				t := time.Now()
				pg, err := f(ctx, q)
				d = append(d, time.Since(t))
				if err != nil {
					return fmt.Errorf("%s: %w", k.name, err)
				}
				rows += len(pg.Items)
			}
			res[pass] = summarize(d, rows)
			res[pass].cpu = (cpuNow() - cpu0) / time.Duration(n)
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %.1f |\n", k.name, ms(res[0].p50), ms(res[0].p99), ms(res[0].cpu),
			ms(res[1].p50), ms(res[1].p99), ms(res[1].cpu), res[0].rows)
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }
