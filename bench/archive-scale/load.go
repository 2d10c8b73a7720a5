package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/radkit/radkit/dicomarchive"
)

// loaded reports whether the last planned instance is in ix: loads go in
// plan order, so then every earlier one is too.
func loaded(ctx context.Context, ix dicomarchive.Index, p *plan) (bool, error) {
	st := &p.studies[len(p.studies)-1]
	last := len(st.series) - 1
	_, err := ix.Instance(ctx, sopUID(st, last, st.series[last]-1))
	if errors.Is(err, dicomarchive.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// studyLoaded reports whether the last instance of st is in ix.
func studyLoaded(ctx context.Context, ix dicomarchive.Index, st *studyPlan) (bool, error) {
	last := len(st.series) - 1
	_, err := ix.Instance(ctx, sopUID(st, last, st.series[last]-1))
	if errors.Is(err, dicomarchive.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// load inserts the plan into ix with PutInstance, workers studies at a
// time (each worker takes whole studies), skipping studies already
// loaded by an interrupted run. It prints progress every 10 %.
func load(ctx context.Context, ix dicomarchive.Index, p *plan, workers int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	start := time.Now()
	storedAt := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var done, skipped atomic.Int64
	step := int64(max(p.instances/10, 1))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				st := &p.studies[i]
				if ok, err := studyLoaded(ctx, ix, st); err != nil {
					cancel(err)
					return
				} else if ok {
					skipped.Add(int64(st.instances))
					continue
				}
				err := p.records(st, storedAt, func(r *dicomarchive.Record) error {
					_, _, err := ix.PutInstance(ctx, r)
					return err
				})
				if err != nil {
					cancel(fmt.Errorf("study %d: %w", st.n, err))
					return
				}
				n := done.Add(int64(st.instances))
				if n/step != (n-int64(st.instances))/step {
					fmt.Printf("  loaded %d/%d (%.0f rows/s)\n", n+skipped.Load(), p.instances, float64(n)/time.Since(start).Seconds())
				}
			}
		}()
	}
feed:
	for i := range p.studies {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Printf("  loaded %d rows in %v (%.0f rows/s, %d already there)\n", done.Load(), el.Round(time.Second), float64(done.Load())/el.Seconds(), skipped.Load())
	return nil
}
