package tusdtest

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tus/tusd/v2/pkg/filestore"
	tushandler "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	"golang.org/x/exp/slog"
)

// tusd is a real tusd v2.9.1 on 127.0.0.1 with a filestore in a temporary
// directory. It checks the end-to-end SHA-256 that radkit puts in the
// metadata (tusd itself does not), in PreFinishResponseCallback, and counts
// completions per digest so tests can assert "exactly once".
type tusd struct {
	URL string // creation endpoint, ".../files/"
	Dir string

	mu        sync.Mutex
	completed map[string]int // sha256 hex -> completed uploads with that digest
	bad       int            // completed uploads whose bytes did not match
	srv       *http.Server
}

func startTusd(t testing.TB) *tusd {
	t.Helper()
	s := &tusd{Dir: t.TempDir(), completed: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.URL = "http://" + ln.Addr().String() + "/files/"
	s.serve(t, ln)
	t.Cleanup(s.stop)
	return s
}

// serve starts a tusd handler (a fresh one: nothing survives a restart
// but the filestore directory) on ln.
func (s *tusd) serve(t testing.TB, ln net.Listener) {
	t.Helper()
	store := filestore.New(s.Dir)
	locker := memorylocker.New()
	composer := tushandler.NewStoreComposer()
	store.UseIn(composer)
	locker.UseIn(composer)
	h, err := tushandler.NewHandler(tushandler.Config{
		BasePath:                         "/files/",
		StoreComposer:                    composer,
		Logger:                           slog.New(slog.NewTextHandler(io.Discard, nil)),
		GracefulRequestCompletionTimeout: 500 * time.Millisecond,
		AcquireLockTimeout:               2 * time.Second,
		NetworkTimeout:                   5 * time.Second,
		PreFinishResponseCallback: func(ev tushandler.HookEvent) (tushandler.HTTPResponse, error) {
			want := ev.Upload.MetaData["sha256"]
			got, err := fileSHA256(filepath.Join(s.Dir, ev.Upload.ID))
			s.mu.Lock()
			defer s.mu.Unlock()
			if err != nil || (want != "" && got != want) {
				s.bad++
				return tushandler.HTTPResponse{}, tushandler.NewError("ERR_DIGEST", "digest mismatch", 460)
			}
			s.completed[got]++
			return tushandler.HTTPResponse{}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.StripPrefix("/files/", h), ReadHeaderTimeout: 5 * time.Second}
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go srv.Serve(ln)
}

// stop stops the server abruptly, cutting requests in flight.
func (s *tusd) stop() {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// restart stops the server and starts a new one on the same address and
// directory after down, as a crashed and restarted server would be.
func (s *tusd) restart(t testing.TB, down time.Duration) {
	t.Helper()
	s.stop()
	time.Sleep(down)
	u, _ := url.Parse(s.URL)
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", u.Host); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	s.serve(t, ln)
}

func (s *tusd) count(digest string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.completed[digest]
}

func (s *tusd) badCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bad
}

// uploadPath returns where tusd keeps the bytes of the upload at u.
func (s *tusd) uploadPath(u string) string {
	return filepath.Join(s.Dir, u[strings.LastIndex(u, "/")+1:])
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
