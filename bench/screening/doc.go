// Package screeningbench measures the screening engine: validated event
// ingestion into the in-memory store and into SQLite, and the daily Due
// run (with the due index, and folding everyone for comparison) over
// growing simulated cohorts:
//
//	go test -run XXX -bench 'Ingest|Due' -benchtime 3x ./bench/screening
//	RADKIT_SCREENING_BENCH_MAX=100000 go test -run XXX -bench 'Ingest|Due' -benchtime 2x ./bench/screening
//
// Throughput is reported per wall second and per CPU second (user+sys of
// the process): the machine is often shared. Cohorts come from
// screening.Simulate, deterministic from a seed, built once per size and
// cached for the run. The 1 to 10 million runs use the command in
// ./scale (a SQLite file built once, Due measured in a fresh process for
// its peak memory).
package screeningbench
