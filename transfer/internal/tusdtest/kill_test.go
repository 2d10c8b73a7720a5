package tusdtest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/radkit/radkit/transfer"
)

const childEnv = "RADKIT_TRANSFER_KILL_CHILD"

// TestKillChild is the sending process that TestKillResume starts and
// kills; it does nothing in a normal run.
func TestKillChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("child process of TestKillResume only")
	}
	lines := strings.Split(spec, "\n")
	endpoint, jpath, paths := lines[0], lines[1], lines[3:]
	parts, _ := strconv.Atoi(lines[2])
	j, err := transfer.OpenJournal(jpath, transfer.JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := transfer.NewClient(endpoint, transfer.ClientOptions{ChunkSize: 16 << 10, Parts: parts, PartThreshold: 64 << 10, Limiter: transfer.NewRateLimiter(256 << 10)})
	snd := transfer.NewSender(c, transfer.SenderOptions{Journal: j, Parallel: 2})
	snd.Send(context.Background(), transfer.Job{ID: "killed", Paths: paths})
	t.Fatal("the child should have been killed before the end")
}

// TestKillResume kills a sending process with SIGKILL in the middle of a
// study and resumes the job from its journal in this process: every
// instance arrives exactly once, and what was confirmed before the kill is
// not sent again.
func TestKillResume(t *testing.T) { killResume(t, 1) }

// TestKillResumeParts is TestKillResume with files sent as 4 parallel
// partial uploads and a final concatenation: the parts resume from their
// confirmed offsets.
func TestKillResumeParts(t *testing.T) { killResume(t, 4) }

func killResume(t *testing.T, parts int) {
	s := startTusd(t)
	paths, sums := study(t, 8, 256)
	jpath := filepath.Join(t.TempDir(), "journal")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(append([]string{s.URL, jpath, strconv.Itoa(parts)}, paths...), "\n"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill once the journal shows real progress: a file or two confirmed
	// and others in the middle.
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, _ := os.ReadFile(jpath)
		if bytes.Count(data, []byte(`"op":"sent"`)) >= 2 && bytes.Count(data, []byte(`"op":"offset"`)) >= 20*parts {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child made no progress in 30 s:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()

	j, err := transfer.OpenJournal(jpath, transfer.JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	pending := j.Pending()
	if len(pending) != 1 || pending[0].ID != "killed" || pending[0].Destination != s.URL {
		t.Fatalf("pending after kill: %+v", pending)
	}
	var owed int64 // bytes not confirmed before the kill
	sentBefore, inParts := 0, 0
	// Files killed between the final concatenation request and the
	// journalling of its answer: tusd cannot tell a repeated final
	// request from a new one, so such a file may arrive twice (see
	// "Crashes" in the package documentation).
	unknown := map[string]bool{}
	for _, f := range pending[0].Files {
		if f.Outcome == transfer.OutcomeSent {
			sentBefore++
			continue
		}
		if f.Concat {
			unknown[f.SHA256] = true
		}
		if len(f.Parts) > 0 {
			inParts++
			for k, p := range f.Parts {
				owed += transfer.NewParts(f.Size, len(f.Parts))[k].Size - p.Offset
			}
			continue
		}
		owed += f.Size - f.Offset
	}
	if parts > 1 && inParts == 0 {
		t.Fatal("no file in the middle of its parts at the kill")
	}
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && !knownPath(pending[0], p) {
			owed += fi.Size()
		}
	}
	c, _ := transfer.NewClient(pending[0].Destination, transfer.ClientOptions{ChunkSize: 16 << 10, Parts: parts, PartThreshold: 64 << 10})
	rep, err := transfer.NewSender(c, transfer.SenderOptions{Journal: j, Parallel: 2}).Send(t.Context(), transfer.Job{ID: "killed", Priority: pending[0].Priority})
	if err != nil {
		t.Fatal(err)
	}
	var resent int64
	already := 0
	for i, f := range rep.Files {
		resent += f.Stats.BytesSent
		if f.AlreadySent {
			already++
		}
		if n := s.count(sums[i]); n != 1 && (n != 2 || !unknown[sums[i]]) {
			t.Errorf("instance %d arrived %d times", i, n)
		}
	}
	t.Logf("killed after %d files confirmed, %d with an unanswered final request; resume sent %d bytes for %d owed", sentBefore, len(unknown), resent, owed)
	if already != sentBefore {
		t.Errorf("resume skipped %d files, the journal had %d confirmed", already, sentBefore)
	}
	if resent > owed {
		t.Errorf("resume sent %d bytes, more than the %d not confirmed", resent, owed)
	}
}

func knownPath(js *transfer.JobState, p string) bool {
	for _, f := range js.Files {
		if f.Path == p {
			return true
		}
	}
	return false
}
