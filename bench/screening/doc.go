// Package screeningbench measures the screening engine: event ingestion
// into the in-memory store and the daily Due run over growing simulated
// cohorts (go test -bench . ./bench/screening). Cohorts come from
// screening.Simulate, deterministic from a seed, and are built once per
// size and cached for the run.
package screeningbench
