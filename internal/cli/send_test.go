package cli

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// radkit send → radkit receive over tus on loopback: every file confirmed
// and written under its SOP Instance UID; the journal shows the job done.
func TestSendReceive(t *testing.T) {
	dir := t.TempDir()
	study, out := filepath.Join(dir, "study"), filepath.Join(dir, "out")
	if code, _, stderr := runCLI(t, "synth", "--kind", "ct", "--slices", "4", "--rows", "64", "--columns", "64", "--out", study); code != ExitOK {
		t.Fatalf("synth: %s", stderr)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, _, _ := testFactory("")
	done := make(chan ExitCode, 1)
	go func() { done <- run(ctx, f, []string{"receive", "--listen", addr, "--out", out}) }()
	for i := 0; i < 100; i++ {
		if resp, err := http.Head("http://" + addr + "/files/"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	journal := filepath.Join(dir, "send.journal")
	code, stdout, stderr := runCLI(t, "send", "--journal", journal, "--to", "tus+http://"+addr+"/files/", study)
	if code != ExitOK || !strings.Contains(stderr, "4 of 4 files confirmed") {
		t.Fatalf("send: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"files_done":4`) {
		t.Errorf("no JSON progress lines:\n%.300s", stdout)
	}
	got, _ := filepath.Glob(filepath.Join(out, "*.dcm"))
	if len(got) != 4 {
		t.Errorf("receiver wrote %d instances, want 4", len(got))
	}
	if code, stdout, _ := runCLI(t, "send", "--journal", journal, "--status"); code != ExitOK || !strings.Contains(stdout, "done=true") {
		t.Errorf("status: exit %d:\n%s", code, stdout)
	}
	if code, _, stderr := runCLI(t, "send", "--journal", journal, "--resume"); code != ExitOK || !strings.Contains(stderr, "no unfinished job") {
		t.Errorf("resume: exit %d: %s", code, stderr)
	}
	cancel()
	select {
	case c := <-done:
		if c != ExitOK {
			t.Errorf("receive exited %d", c)
		}
	case <-time.After(10 * time.Second):
		t.Error("receive did not stop on cancel")
	}
}

func TestSendUsage(t *testing.T) {
	for _, args := range [][]string{
		{"send"}, {"send", "--to", "http://x/files/", "a"}, {"send", "--to", "tus+http://x/files/"},
		{"send", "--resume", "--status"}, {"send", "--rate", "fast", "--to", "tus+http://x/", "a"},
		{"send", "--priority", "vip", "--to", "tus+http://x/", "a"}, {"receive"},
		{"receive", "--out", "a", "--archive", "b"},
	} {
		if code, _, _ := runCLI(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}

// radkit send → radkit receive --archive: the instances land in the
// archive (queryable, audited), and a resend is a no-op there.
func TestSendReceiveIntoArchive(t *testing.T) {
	dir := t.TempDir()
	study, root := filepath.Join(dir, "study"), filepath.Join(dir, "pacs")
	if code, _, stderr := runCLI(t, "synth", "--kind", "ct", "--slices", "3", "--rows", "64", "--columns", "64", "--out", study); code != ExitOK {
		t.Fatalf("synth: %s", stderr)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, _, _ := testFactory("")
	done := make(chan ExitCode, 1)
	go func() { done <- run(ctx, f, []string{"receive", "--listen", addr, "--archive", root}) }()
	for i := 0; i < 100; i++ {
		if resp, err := http.Head("http://" + addr + "/files/"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for round := 0; round < 2; round++ {
		journal := filepath.Join(dir, "send"+string(rune('a'+round))+".journal")
		if code, _, stderr := runCLI(t, "send", "--journal", journal, "--to", "tus+http://"+addr+"/files/", study); code != ExitOK {
			t.Fatalf("send round %d: exit %d: %s", round, code, stderr)
		}
	}
	cancel()
	<-done
	code, out, stderr := runCLI(t, "archive", "--root", root, "query", "--json")
	if code != ExitOK || !strings.Contains(out, `"NumInstances": 3`) {
		t.Fatalf("archive query: exit %d: %s %s", code, out, stderr)
	}
	if code, out, _ := runCLI(t, "archive", "--root", root, "audit"); code != ExitOK || !strings.Contains(out, "intact") {
		t.Errorf("audit: %s", out)
	}
}
