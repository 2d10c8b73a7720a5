package screening

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"
)

// TestConcurrentIngestAndSnapshot ingests a simulated cohort from four
// goroutines at once (run with -race), checks Due and the states, then
// round-trips the store through Snapshot and Restore.
func TestConcurrentIngestAndSnapshot(t *testing.T) {
	logs, truth := simCohort(t, 21, 200)
	clock := func() time.Time { return simEnd.Time(nil) }
	eng, err := New(Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, len(logs))
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(logs); i += 4 {
				res, err := eng.Ingest(ctx, logs[i])
				if err == nil && len(res.Rejected) > 0 {
					err = res.Rejected[0].Err
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	due1, err := eng.DueAll(ctx, simEnd)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := eng.Snapshot(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	eng2, _ := New(Options{Now: clock})
	res, err := eng2.Restore(ctx, &buf)
	if err != nil || len(res.Rejected) > 0 || res.Accepted != truth.Events {
		t.Fatalf("restore: %+v %v (want %d events)", res, err, truth.Events)
	}
	due2, _ := eng2.DueAll(ctx, simEnd)
	if len(due1) != len(due2) {
		t.Fatalf("due after restore: %d actions, before %d", len(due2), len(due1))
	}
	for i := range due1 {
		if due1[i] != due2[i] {
			t.Fatalf("due after restore differs: %v vs %v", due1[i], due2[i])
		}
	}
	// Restoring again is a no-op.
	buf.Reset()
	eng.Snapshot(ctx, &buf)
	res, _ = eng2.Restore(ctx, &buf)
	if res.Accepted != 0 || res.Duplicates != truth.Events {
		t.Fatalf("second restore: %+v", res)
	}
}

// TestBatchGoesOn: a batch with bad events stores the good ones and
// reports each bad one with its index.
func TestBatchGoesOn(t *testing.T) {
	s := newSc(t, rBirth)
	good := s.mk(Colorectal, "2021-01-10", Invitation{})
	bad1 := s.mk(Colorectal, "2061-01-10", Invitation{})
	bad2 := s.mk(Colorectal, "2021-01-11", Reminder{N: 3})
	good2 := s.mk(Colorectal, "2021-05-10", Reminder{N: 1})
	res, err := s.eng.Ingest(context.Background(), []Event{bad1, good, bad2, good2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 2 || len(res.Rejected) != 2 || res.Rejected[0].Index != 0 || res.Rejected[1].Index != 2 {
		t.Fatalf("%+v", res)
	}
	s.state(Colorectal, "2021-05-10", StateReminded1)
}

func TestConfigDefaultsAndVersion(t *testing.T) {
	c := DefaultConfig()
	if c.Version != ConfigVersion || c.Breast.MaxAge != 74 || c.Colorectal.ReplacementKitJoursOuvrables != 30 || c.Cervical.LostAfter != (Period{Months: 18}) {
		t.Fatalf("%+v", c)
	}
	var bad Config
	bad.Breast.Reminder1After = Period{Months: 9}
	bad.Breast.Reminder2After = Period{Months: 13}
	if _, err := New(Options{Config: bad}); err == nil {
		t.Fatal("second reminder after 12 months accepted")
	}
}
