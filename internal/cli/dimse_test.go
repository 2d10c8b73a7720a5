package cli

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/radkit/radkit/transfer/dimse"
)

// radkit dimse store sends a synthetic study to a storage SCP (radkit's,
// on loopback) and echo verifies it.
func TestDimseEchoAndStore(t *testing.T) {
	dir := t.TempDir()
	study, in := filepath.Join(dir, "study"), filepath.Join(dir, "in")
	if code, _, stderr := runCLI(t, "synth", "--kind", "ct", "--slices", "3", "--rows", "64", "--columns", "64", "--out", study); code != ExitOK {
		t.Fatalf("synth: %s", stderr)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dimse.Server{AETitle: "RADKIT", Handler: dimse.DirHandler(in)}
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	addr := l.Addr().String()
	if code, out, stderr := runCLI(t, "dimse", "echo", "--aec", "RADKIT", addr); code != ExitOK || !strings.Contains(out, "success") {
		t.Fatalf("echo: exit %d: %s %s", code, out, stderr)
	}
	code, out, stderr := runCLI(t, "dimse", "store", "--aec", "RADKIT", addr, study)
	if code != ExitOK || !strings.Contains(out, "stored 3 of 3") {
		t.Fatalf("store: exit %d: %s %s", code, out, stderr)
	}
	got, _ := filepath.Glob(filepath.Join(in, "*.dcm"))
	if len(got) != 3 {
		t.Errorf("SCP holds %d files, want 3", len(got))
	}
}

func TestDimseUsage(t *testing.T) {
	for _, args := range [][]string{
		{"dimse"}, {"dimse", "nope"}, {"dimse", "echo"}, {"dimse", "store", "h:1"}, {"dimse", "serve"},
	} {
		if code, _, _ := runCLI(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}
