package dimse

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

// startServer serves s on an OS-assigned loopback port and shuts it down
// at the end of the test.
func startServer(t testing.TB, s *Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return l.Addr().String()
}

// memStore is a handler keeping received Part 10 streams by SOP instance.
type memStore struct {
	mu    sync.Mutex
	files map[string][]byte
	ts    map[string]string
}

func newMemStore() *memStore { return &memStore{files: map[string][]byte{}, ts: map[string]string{}} }

func (m *memStore) ServeStore(ctx context.Context, req *StoreRequest) error {
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[req.SOPInstanceUID] = b
	m.ts[req.SOPInstanceUID] = req.TransferSyntax
	return nil
}

func (m *memStore) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.files)
}

// writeStudy writes a small synthetic CT study, cached per test binary
// run by parameters.
func writeStudy(t testing.TB, slices int) []string {
	t.Helper()
	dir := t.TempDir()
	paths, err := synth.WriteStudy(context.Background(), dir, synth.CT, synth.Options{Seed: 9, Slices: slices, Rows: 64, Columns: 64})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

// convert rewrites src into dir in transfer syntax ts.
func convert(t testing.TB, src, dir, ts string) string {
	t.Helper()
	f, err := dicomio.ReadFile(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(src))
	if err := dicomio.WriteFile(dst, f, &dicomio.WriteOptions{TransferSyntax: ts}); err != nil {
		t.Fatal(err)
	}
	return dst
}

// datasetOf parses a Part 10 stream's data set.
func datasetOf(t testing.TB, b []byte) *dicomio.Dataset {
	t.Helper()
	f, err := dicomio.Parse(bytes.NewReader(b), nil)
	if err != nil {
		t.Fatal(err)
	}
	return f.Dataset
}

// bodyOf returns the bytes of a Part 10 file after its meta information.
func bodyOf(t testing.TB, b []byte) []byte {
	t.Helper()
	in, err := splitPart10(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(in.body)
	if err != nil {
		t.Fatal(err)
	}
	return rest
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
