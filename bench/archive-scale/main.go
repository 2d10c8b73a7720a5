// Command archive-scale measures dicomarchive at hospital scale: an index
// of 1,000,000 instances for 10,000 patients (synthetic, realistic
// metadata: French names with accents, twenty years of studies, the usual
// modality mix, accession numbers), queried on SQLite and PostgreSQL, and
// ingest throughput through S3 and PostgreSQL with 1, 2 and 4 workers,
// with a breakdown of where the time goes.
//
// Loading: the index rows are inserted through [dicomarchive.Index]
// PutInstance, one call per instance, exactly as ingest does, but without
// blobs (each row names the SHA-256 of its SOP Instance UID; queries never
// read blobs) and with durability relaxed for the load only: SQLite's
// PRAGMA synchronous=OFF on the loading connection, PostgreSQL's
// synchronous_commit=off on the loading sessions. Queries then run on a
// normally opened index (synchronous=FULL, synchronous_commit on). A
// loaded index is kept (-dir, and a PostgreSQL database named after the
// plan) and reused by later runs: loading 1 M rows takes minutes.
//
// Queries are study-level, as a PACS worklist or QIDO-RS search sends
// them: by patient ID (exact), by patient name prefix ("lefè*": folded,
// accents and case ignored) and by a 30-day study date range, each with
// the default page of 100. Each is timed both on the index alone and
// through the Archive, which also appends an audit entry per query (a
// durable write).
//
// Ingest: synthetic Part 10 objects (synth, 64×64 pixels: blobs are small
// so that the per-object costs show) are generated in memory first, then
// stored with Archive.Store by 1, 2 and 4 goroutines into a fresh bucket
// and a fresh PostgreSQL database. Blob store and index calls are timed by
// wrappers; parsing and hashing are timed separately on the same objects;
// the CPU time of this process, of versitygw and of PostgreSQL over the
// run shows which one the ingest waits for.
//
//	bash -c 'source scripts/test.sh; start_services; go run ./bench/archive-scale'
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

type config struct {
	patients, instances int
	seed                uint64
	dir                 string
	postgres            string
	queries             int
	steps               map[string]bool
	ingest              int
	ingestRuns          int
	workers             []int
	s3                  s3Config
	loadWorkers         int
}

func main() {
	var c config
	var steps, workers string
	flag.IntVar(&c.patients, "patients", 10000, "patients in the index")
	flag.IntVar(&c.instances, "instances", 1000000, "instances in the index")
	flag.Uint64Var(&c.seed, "seed", 1, "seed of the synthetic hospital")
	flag.StringVar(&c.dir, "dir", filepath.Join(os.TempDir(), "radkit-archive-scale"), "where the SQLite index is kept between runs")
	flag.StringVar(&c.postgres, "postgres", os.Getenv("RADKIT_POSTGRES_URL"), "PostgreSQL DSN of a role that may create databases (default $RADKIT_POSTGRES_URL)")
	flag.IntVar(&c.queries, "queries", 2000, "queries of each kind (after 100 of warm-up)")
	flag.StringVar(&steps, "steps", "sqlite,postgres,ingest", "what to run: sqlite, postgres (load and query), ingest")
	flag.IntVar(&c.ingest, "ingest", 3000, "objects stored per ingest run")
	flag.StringVar(&workers, "workers", "1,2,4", "ingest worker counts")
	flag.IntVar(&c.ingestRuns, "ingest-runs", 3, "interleaved ingest runs of each kind (S3 alone, blobs discarded, S3 + PostgreSQL); medians are reported")
	flag.IntVar(&c.loadWorkers, "load-workers", 4, "PostgreSQL loading sessions")
	flag.StringVar(&c.s3.endpoint, "s3", os.Getenv("RADKIT_S3_ENDPOINT"), "S3 endpoint host:port (default $RADKIT_S3_ENDPOINT)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "archive-scale:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	c.s3.access = os.Getenv("RADKIT_S3_ACCESS_KEY")
	c.s3.secret = os.Getenv("RADKIT_S3_SECRET_KEY")
	c.steps = map[string]bool{}
	for _, s := range strings.Split(steps, ",") {
		c.steps[strings.TrimSpace(s)] = true
	}
	for _, w := range strings.Split(workers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "archive-scale: -workers %q: want a list of positive integers\n", workers)
			os.Exit(2)
		}
		c.workers = append(c.workers, n)
	}
	if err := run(context.Background(), &c); err != nil {
		fmt.Fprintln(os.Stderr, "archive-scale:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(ctx context.Context, c *config) error {
	fmt.Printf("# archive-scale: %d instances, %d patients, seed %d (%s)\n\n", c.instances, c.patients, c.seed, time.Now().UTC().Format(time.RFC3339))
	start := time.Now()
	p, err := newPlan(c.seed, c.patients, c.instances)
	if err != nil {
		return err
	}
	fmt.Printf("plan: %d patients, %d studies, %d instances (%v)\n\n", len(p.patients), len(p.studies), p.instances, time.Since(start).Round(time.Millisecond))
	if c.steps["sqlite"] {
		if err := benchSQLite(ctx, c, p); err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
	}
	if c.steps["postgres"] {
		if err := benchPostgres(ctx, c, p); err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
	}
	if c.steps["ingest"] {
		if err := benchIngest(ctx, c); err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
	}
	return nil
}
