package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/radkit/radkit/anonymize"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/internal/testutil"
	"github.com/radkit/radkit/synth"
	"github.com/radkit/radkit/transfer"
)

// memSink keeps what the receiver hands over.
type memSink struct {
	mu   sync.Mutex
	objs [][]byte
}

func (m *memSink) Store(_ context.Context, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.objs = append(m.objs, b)
	m.mu.Unlock()
	return nil
}

func (m *memSink) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.objs)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// Issue 9 acceptance: storescu → radkit gateway → tus receiver,
// anonymised with the cristal profile, nothing lost across a gateway
// restart (the receiver is down during the first run).
func TestStorescuThroughGatewayAcrossRestart(t *testing.T) {
	storescu := testutil.RequireTool(t, "storescu")
	dir := t.TempDir()
	study := filepath.Join(dir, "study")
	origs, err := synth.WriteStudy(context.Background(), study, synth.CT, synth.Options{Seed: 9, Slices: 3, Rows: 64, Columns: 64})
	if err != nil {
		t.Fatal(err)
	}
	// Reserve the receiver's address; nothing listens there in run 1.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	recvAddr := l.Addr().String()
	l.Close()
	cfg := Config{
		Spool:       filepath.Join(dir, "spool"),
		Key:         []byte("gateway test key, 32 bytes long!"),
		DonorID:     "CRISTAL-2026-0007",
		Destination: "http://" + recvAddr + "/files/",
		Poll:        200 * time.Millisecond,
	}
	cfg.Client.Retry = transfer.RetryPolicy{MaxAttempts: 2, MinBackoff: 50 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}

	run := func(ctx context.Context) (string, <-chan error) {
		g, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- g.Serve(ctx, ln) }()
		return ln.Addr().String(), done
	}

	// Run 1: the modality sends; the platform is unreachable.
	ctx1, cancel1 := context.WithCancel(context.Background())
	scp, done1 := run(ctx1)
	host, port, _ := net.SplitHostPort(scp)
	args := append([]string{"-aec", "RADKIT-GW", host, port}, origs...)
	if out, err := exec.Command(storescu, args...).CombinedOutput(); err != nil {
		t.Fatalf("storescu: %v\n%s", err, out)
	}
	waitFor(t, "3 de-identified instances spooled", func() bool {
		ps, _ := filepath.Glob(filepath.Join(cfg.Spool, "out", "*.dcm"))
		return len(ps) == 3
	})
	cancel1()
	if err := <-done1; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("gateway run 1: %v", err)
	}

	// Run 2: the platform is up; the restarted gateway delivers.
	sink := &memSink{}
	rc, err := transfer.NewReceiver(transfer.ReceiverOptions{Dir: filepath.Join(dir, "uploads"), Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	rl, err := net.Listen("tcp", recvAddr)
	if err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithCancel(context.Background())
	defer rcancel()
	go rc.Serve(rctx, rl)
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	_, done2 := run(ctx2)
	waitFor(t, "3 instances at the receiver", func() bool { return sink.len() == 3 })
	waitFor(t, "an empty spool", func() bool {
		a, _ := filepath.Glob(filepath.Join(cfg.Spool, "in", "*.dcm"))
		b, _ := filepath.Glob(filepath.Join(cfg.Spool, "out", "*.dcm"))
		return len(a)+len(b) == 0
	})
	cancel2()
	<-done2

	// Each instance arrived once, de-identified for Cristal: the donor
	// record number as Patient ID, none of the originals' identifying
	// values anywhere.
	seen := map[string]bool{}
	for i, b := range sink.objs {
		f, err := dicomio.Parse(bytes.NewReader(b), nil)
		if err != nil {
			t.Fatal(err)
		}
		uid := f.Dataset.String(dicomio.TagSOPInstanceUID)
		if seen[uid] {
			t.Errorf("instance %s received twice", uid)
		}
		seen[uid] = true
		if got := f.Dataset.String(dicomio.TagPatientID); got != cfg.DonorID {
			t.Errorf("instance %d: Patient ID %q, want the donor record number", i, got)
		}
		p := filepath.Join(dir, "received-"+strconv.Itoa(i)+".dcm")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range origs {
		orig, _ := dicomio.ReadFile(o, nil)
		for i := range sink.objs {
			anon, _ := dicomio.ReadFile(filepath.Join(dir, "received-"+strconv.Itoa(i)+".dcm"), nil)
			if v := anonymize.Verify(orig, anon, anonymize.VerifyOptions{FromOutput: true}); !v.OK() {
				t.Errorf("leak from %s into received %d: %v", filepath.Base(o), i, v.Leaks)
			}
		}
	}
}
