package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/calendar"
)

// scanDueStore stores n people with two events each; person i is due on
// dueAt when i%3 != 1, and has no index entry when i%7 == 0 (so is
// always visited). It returns the IDs due on dueAt in ID order.
func scanDueStore(t *testing.T, n int, opts Options) (*Store, []screening.PersonID) {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "s.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	people := make([]screening.PersonID, n)
	// Not in ID order: the store's order must not depend on the order of
	// the writes.
	for i := range people {
		people[i] = screening.PersonID(fmt.Sprintf("P%05d", (i*7919)%n))
	}
	var want []screening.PersonID
	err = s.Update(context.Background(), people, func(i int, _ []screening.Event) (screening.Append, error) {
		p := people[i]
		var k int
		fmt.Sscanf(string(p), "P%d", &k)
		x := screening.IndexEntry{Key: "k", Next: screening.Never, Last: calendar.Of(2029, 1, 1)}
		switch {
		case k%7 == 0:
			x = screening.IndexEntry{}
		case k%3 != 1:
			x.Next = dueAt
		}
		evs := []screening.Event{
			{ID: screening.EventID(p + "-b"), Person: p, Date: calendar.Of(2025, 1, 1), Data: screening.Move{Department: "13"}},
			{ID: screening.EventID(p + "-a"), Person: p, Date: calendar.Of(2024, 1, 1), Data: screening.Birth{Birth: calendar.Of(1960, 1, 1)}},
		}
		return screening.Append{Events: evs, Index: x}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := range n {
		if k%7 == 0 || k%3 != 1 {
			want = append(want, screening.PersonID(fmt.Sprintf("P%05d", k)))
		}
	}
	return s, want
}

var dueAt = calendar.Of(2030, 1, 1)

// noLeak fails if goroutines started during the test are still running
// shortly after it (database/sql's own goroutines are counted in base).
func noLeak(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before the scan:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestScanDueParallelOrder: over many chunks, ScanDue visits the due
// people once each, in ID order (Scan's order), from the calling
// goroutine, with their canonical logs, whatever the number of readers;
// the readers stop with it.
func TestScanDueParallelOrder(t *testing.T) {
	for _, r := range []int{0, 1, 5} {
		t.Run(fmt.Sprint("readers=", r), func(t *testing.T) { testScanDueOrder(t, r) })
	}
	if _, err := Open(context.Background(), filepath.Join(t.TempDir(), "s.db"), Options{ScanReaders: -1}); err == nil {
		t.Error("ScanReaders -1 accepted")
	}
}

func testScanDueOrder(t *testing.T, readers int) {
	const n = 6*dueChunk + 37
	s, want := scanDueStore(t, n, Options{ScanReaders: readers})
	ctx := context.Background()
	base := runtime.NumGoroutine()
	for range 3 { // the same order every time
		var got []screening.PersonID
		err := s.ScanDue(ctx, dueAt, "k", func(p screening.PersonID, evs []screening.Event) error {
			if len(evs) != 2 || evs[0].ID != screening.EventID(p+"-a") || evs[1].ID != screening.EventID(p+"-b") || evs[0].Person != p {
				return fmt.Errorf("%s: log %v", p, evs)
			}
			got = append(got, p)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("ScanDue visited %d people, want %d in ID order (first %v, want %v)", len(got), len(want), got[:min(5, len(got))], want[:5])
		}
	}
	// Another key: everyone, in the order of Scan.
	var all, scan []screening.PersonID
	if err := s.ScanDue(ctx, dueAt, "other", func(p screening.PersonID, _ []screening.Event) error { all = append(all, p); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.Scan(ctx, func(p screening.PersonID, _ []screening.Event) error { scan = append(scan, p); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(scan) != n || !slices.Equal(all, scan) {
		t.Fatalf("ScanDue with another key: %d people, Scan %d, or not in Scan's order", len(all), len(scan))
	}
	noLeak(t, base)
}

// TestScanDueStops: an error from fn, a cancelled context and a corrupt
// log stop the scan with that error, fn is not called again, and no
// goroutine is left behind.
func TestScanDueStops(t *testing.T) {
	s, want := scanDueStore(t, 6*dueChunk, Options{})
	base := runtime.NumGoroutine()
	stop := errors.New("stop")
	for _, at := range []int{0, 1, dueChunk, 3*dueChunk + 5, len(want) - 1} {
		calls := 0
		err := s.ScanDue(context.Background(), dueAt, "k", func(screening.PersonID, []screening.Event) error {
			calls++
			if calls == at+1 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || calls != at+1 {
			t.Fatalf("fn error at person %d: %v after %d calls", at, err, calls)
		}
		noLeak(t, base)

		ctx, cancel := context.WithCancel(context.Background())
		calls = 0
		err = s.ScanDue(ctx, dueAt, "k", func(screening.PersonID, []screening.Event) error {
			calls++
			if calls == at+1 {
				cancel()
			}
			return nil
		})
		cancel()
		// Cancelled in the last call, the scan is complete: nil is right.
		if !errors.Is(err, context.Canceled) && at < len(want)-1 || calls != at+1 {
			t.Fatalf("cancel at person %d: %v after %d calls", at, err, calls)
		}
		noLeak(t, base)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.ScanDue(ctx, dueAt, "k", func(screening.PersonID, []screening.Event) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
	noLeak(t, base)

	// A corrupt log: some of the people before it are visited, in
	// order, then the error.
	bad := want[3*dueChunk+10]
	if _, err := s.db.Exec("UPDATE person SET log = x'ff' WHERE id = ?", string(bad)); err != nil {
		t.Fatal(err)
	}
	var seen []screening.PersonID
	err := s.ScanDue(context.Background(), dueAt, "k", func(p screening.PersonID, _ []screening.Event) error {
		seen = append(seen, p)
		return nil
	})
	if !errors.Is(err, errCorrupt) || slices.Contains(seen, bad) || !slices.Equal(seen, want[:len(seen)]) {
		t.Fatalf("corrupt log: %v after %d people", err, len(seen))
	}
	noLeak(t, base)
}

// TestFetchOutOfOrder: fetch lays the logs out in the chunk's order
// whatever the order of the rows, and gives a person without a row an
// empty log.
func TestFetchOutOfOrder(t *testing.T) {
	s, want := scanDueStore(t, 20, Options{})
	ctx := context.Background()
	stmt, err := s.prepareFetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	c := &chunk{ids: []string{string(want[3]), "nobody", string(want[0]), string(want[5])}}
	if _, err := fetch(ctx, stmt, c, nil); err != nil {
		t.Fatal(err)
	}
	if len(c.ends) != len(c.ids) {
		t.Fatalf("%d logs for %d people", len(c.ends), len(c.ids))
	}
	start := 0
	for k, id := range c.ids {
		log := c.arena[start:c.ends[k]]
		start = c.ends[k]
		if id == "nobody" {
			if len(log) != 0 {
				t.Errorf("nobody: %v", log)
			}
			continue
		}
		if len(log) != 2 || string(log[0].Person) != id || log[0].ID != screening.EventID(id+"-a") {
			t.Errorf("%s: %v", id, log)
		}
	}
}
