package transfer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/radkit/radkit/synth"
)

// memSink is a Sink that counts the instances it stored by SHA-256.
type memSink struct {
	mu     sync.Mutex
	stored map[string]int
	fail   int // fail this many Store calls first
}

func newMemSink() *memSink { return &memSink{stored: map[string]int{}} }

func (m *memSink) Store(_ context.Context, r io.Reader) error {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail > 0 {
		m.fail--
		return io.ErrUnexpectedEOF
	}
	m.stored[hex.EncodeToString(h.Sum(nil))]++
	return nil
}

func (m *memSink) count(d string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stored[d]
}

// serve runs h on 127.0.0.1 and returns its base URL.
func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() {
		// Shutdown waits for handlers, so that none writes into a
		// temporary directory being removed.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		srv.Close()
	})
	return "http://" + ln.Addr().String()
}

// startReceiver runs a Receiver on 127.0.0.1 and returns its creation URL.
func startReceiver(t testing.TB, opts ReceiverOptions) (string, *Receiver) {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	rc, err := NewReceiver(opts)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, rc) + "/files/", rc
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func fileSHA(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return sha256Hex(b)
}

func writeStudy(t testing.TB, slices, size int) []string {
	t.Helper()
	paths, err := synth.WriteStudy(context.Background(), t.TempDir(), synth.CT, synth.Options{Seed: 11, Slices: slices, Rows: size, Columns: size})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*13 + i>>11)
	}
	return b
}
