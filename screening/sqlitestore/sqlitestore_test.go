package sqlitestore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/storetest"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) screening.Store {
		return open(t, filepath.Join(t.TempDir(), "screening.db"))
	})
}

// TestReopenAndMigrations: the schema version is recorded, reopening
// keeps the events and the index, a newer schema is refused.
func TestReopenAndMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	s := open(t, path)
	eng, _ := screening.New(screening.Options{Store: s, Now: storetest.Clock})
	logs := storetest.Cohort(t, 20)
	var all []screening.Event
	for _, l := range logs {
		all = append(all, l...)
	}
	if _, err := eng.Ingest(ctx, all); err != nil {
		t.Fatal(err)
	}
	before := storetest.Dump(t, s)
	due1, _ := eng.DueAll(ctx, storetest.End)
	s.Close()

	s2 := open(t, path)
	if v, err := s2.SchemaVersion(ctx); err != nil || v != len(migrations) {
		t.Fatalf("schema version %d, %v; want %d", v, err, len(migrations))
	}
	if after := storetest.Dump(t, s2); len(after) != len(before) {
		t.Fatalf("after reopening: %d people, before %d", len(after), len(before))
	}
	eng2, _ := screening.New(screening.Options{Store: s2, Now: storetest.Clock})
	due2, _ := eng2.DueAll(ctx, storetest.End)
	if fmt.Sprint(due1) != fmt.Sprint(due2) {
		t.Fatalf("Due after reopening: %d actions, before %d", len(due2), len(due1))
	}
	if _, err := s2.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	s2.Close()
	if _, err := Open(ctx, path, Options{}); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("opening a newer schema: %v", err)
	}
	if _, err := Open(ctx, path, Options{Synchronous: "OFF"}); err == nil {
		t.Fatal("Synchronous OFF accepted")
	}
}

const crashEnv = "RADKIT_SQLITESTORE_CRASH_CHILD"

// TestCrashChild is the child process of TestCrashKill9: it ingests the
// cohort's people in batches into the database named by the environment
// and prints "ack N" after each batch Ingest acknowledged (N people so
// far), until killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("child process of TestCrashKill9")
	}
	ctx := context.Background()
	s, err := Open(ctx, path, Options{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	eng, _ := screening.New(screening.Options{Store: s, Now: storetest.Clock})
	logs := storetest.Cohort(t, crashPeople)
	const per = 7
	for lo := 0; lo < len(logs); lo += per {
		var batch []screening.Event
		for _, l := range logs[lo:min(lo+per, len(logs))] {
			batch = append(batch, l...)
		}
		if _, err := eng.Ingest(ctx, batch); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Printf("ack %d\n", min(lo+per, len(logs)))
	}
	fmt.Println("done")
	os.Exit(0)
}

const crashPeople = 400

// TestCrashKill9 starts a child process that ingests batches into a
// SQLite store and SIGKILLs it at random points, several times over the
// same file; after each kill, every person of every acknowledged batch
// has all its events (the child re-sends from the start: re-sending is a
// no-op, so the logs converge).
func TestCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crash.db")
	logs := storetest.Cohort(t, crashPeople)
	// What the engine keeps of each log (the simulator may produce an
	// event the rules reject): the reference is an in-memory ingestion.
	ref, _ := screening.New(screening.Options{Now: storetest.Clock})
	for _, l := range logs {
		ref.Ingest(ctx, l)
	}
	want := storetest.Dump(t, ref.Store())
	kills := 0
	for round := 0; round < 8; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := 0
		killAfter := 1 + round*7%23
		sc := bufio.NewScanner(out)
		lines := 0
		finished := false
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "error") {
				t.Fatalf("child: %s", line)
			}
			if n, ok := strings.CutPrefix(line, "ack "); ok {
				acked, _ = strconv.Atoi(n)
				lines++
				if lines == killAfter {
					cmd.Process.Signal(syscall.SIGKILL)
					kills++
					break
				}
			}
			if line == "done" {
				finished = true
			}
		}
		cmd.Wait()
		s := open(t, path)
		got := storetest.Dump(t, s)
		for _, l := range logs[:acked] {
			p := l[0].Person
			if fmt.Sprint(got[p]) != fmt.Sprint(want[p]) {
				t.Fatalf("round %d: person %s of an acknowledged batch has %d events, want %d", round, p, len(got[p]), len(want[p]))
			}
		}
		s.Close()
		if finished {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if kills < 3 {
		t.Fatalf("only %d kills: the test did not exercise crashes", kills)
	}
}
