package dicomarchive_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

const crashEnv = "RADKIT_ARCHIVE_CRASH_CHILD"

// TestCrashChild is the ingesting process TestCrashDuringStore kills; it
// does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	spec := os.Getenv(crashEnv)
	if spec == "" {
		t.Skip("child process of TestCrashDuringStore")
	}
	dir, seedStr, _ := strings.Cut(spec, ",")
	seed, _ := strconv.ParseUint(seedStr, 10, 64)
	a, err := dicomarchive.Open(context.Background(), dir, nil)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	// Re-send the previous batch (partly stored when its process was
	// killed), then a new one.
	for _, s := range []uint64{seed - 1, seed} {
		err := synth.Study(context.Background(), synth.CT, synth.Options{Seed: s, Slices: 40, Rows: 128, Columns: 128}, func(f *dicomio.File) error {
			var buf bytes.Buffer
			if err := f.Write(&buf, nil); err != nil {
				return err
			}
			res, err := a.Store(ctx(), &buf, nil)
			if err != nil {
				return err
			}
			fmt.Printf("ACK %s %s\n", res.Instance.SOPInstanceUID, res.Instance.Digest)
			return nil
		})
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(2)
		}
	}
	a.Close()
	os.Exit(0)
}

// TestCrashDuringStore kills an ingesting child process at random moments,
// repeatedly, then checks the archive: every acknowledged instance is
// there and intact, no index row lacks its blob, and Verify finds and
// removes the orphans of the interrupted writes.
func TestCrashDuringStore(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	acked := map[string]string{}
	const rounds = 12
	kills := 0
	for round := 1; round <= rounds; round++ {
		cmd := exec.Command(exe, "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%d", crashEnv, dir, round+1000))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		first := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(stdout)
			n := 0
			for sc.Scan() {
				f := strings.Fields(sc.Text())
				if len(f) == 3 && f[0] == "ACK" {
					mu.Lock()
					acked[f[1]] = f[2]
					mu.Unlock()
					if n++; n == 1 {
						close(first)
					}
				} else if len(f) > 0 && f[0] == "ERR" {
					t.Errorf("child: %s", sc.Text())
				}
			}
			if n == 0 {
				close(first)
			}
			io.Copy(io.Discard, stdout)
		}()
		<-first
		time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		if cmd.Process.Kill() == nil {
			kills++
		}
		<-done
		cmd.Wait()
	}
	t.Logf("%d rounds, %d kills, %d acknowledged instances", rounds, kills, len(acked))

	a := openArchive(t, dir, nil)
	rep, err := a.Verify(ctx(), &dicomarchive.VerifyOptions{CleanOrphans: true, OrphanGrace: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("verify: %v", rep)
	if !rep.OK() {
		t.Fatalf("index rows without an intact blob: %v", rep)
	}
	for sop, digest := range acked {
		in, err := a.Instance(ctx(), sop)
		if err != nil {
			t.Fatalf("acknowledged %s lost: %v", sop, err)
		}
		if in.Digest.String() != digest {
			t.Fatalf("%s: digest %s, acknowledged %s", sop, in.Digest, digest)
		}
		obj, err := a.Open(ctx(), sop, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, obj); err != nil {
			t.Fatalf("%s: %v", sop, err)
		}
		obj.Close()
	}
	rep, err = a.Verify(ctx(), &dicomarchive.VerifyOptions{OrphanGrace: -1})
	if err != nil || !rep.OK() || len(rep.Orphans) != 0 {
		t.Fatalf("second verify: %v %v", rep, err)
	}
	if _, err := a.VerifyAudit(ctx(), nil); err != nil {
		t.Fatalf("audit chain after crashes: %v", err)
	}
}
