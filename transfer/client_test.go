package transfer

import (
	"bytes"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// scripted wraps a Receiver with a hook that may answer a request itself
// (returning true) to inject server behaviour.
func scripted(t *testing.T, hook func(w http.ResponseWriter, r *http.Request) bool) (string, *memSink) {
	t.Helper()
	sink := newMemSink()
	rc, err := NewReceiver(ReceiverOptions{Dir: t.TempDir(), Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hook(w, r) {
			rc.ServeHTTP(w, r)
		}
	}))
	return base + "/files/", sink
}

func fastRetry() RetryPolicy {
	return RetryPolicy{MaxAttempts: 5, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
}

func upload(t *testing.T, endpoint string, opts ClientOptions, size int) (*Upload, UploadStats, error) {
	t.Helper()
	c, err := NewClient(endpoint, opts)
	if err != nil {
		t.Fatal(err)
	}
	data := pattern(size)
	u := &Upload{Body: bytes.NewReader(data), Size: int64(size), Metadata: Metadata{MetaSHA256: sha256Hex(data)}, CreateEmpty: true}
	st, err := c.Upload(t.Context(), u)
	return u, st, err
}

func TestClient413ShrinksChunk(t *testing.T) {
	var sizes []int64
	endpoint, sink := scripted(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPatch {
			sizes = append(sizes, r.ContentLength)
			if r.ContentLength > 20000 {
				w.WriteHeader(http.StatusRequestEntityTooLarge)
				return true
			}
		}
		return false
	})
	_, st, err := upload(t, endpoint, ClientOptions{ChunkSize: 64 << 10, MinChunkSize: 4 << 10, Retry: fastRetry()}, 100<<10)
	if err != nil {
		t.Fatal(err)
	}
	if sizes[0] != 64<<10 || sizes[1] != 32<<10 || sizes[2] != 16<<10 || len(sink.stored) != 1 {
		t.Errorf("chunk sizes %v, stats %+v", sizes, st)
	}
	// Below the floor, 413 is final.
	_, _, err = upload(t, endpoint, ClientOptions{ChunkSize: 64 << 10, MinChunkSize: 32 << 10, Retry: fastRetry()}, 100<<10)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("got %v, want ErrTooLarge", err)
	}
}

func TestClient423And5xxRetried(t *testing.T) {
	var n atomic.Int32
	endpoint, sink := scripted(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPatch {
			switch n.Add(1) {
			case 1, 2:
				w.WriteHeader(http.StatusLocked)
				return true
			case 3:
				w.WriteHeader(http.StatusBadGateway)
				return true
			}
		}
		return false
	})
	_, st, err := upload(t, endpoint, ClientOptions{ChunkSize: 16 << 10, Retry: fastRetry()}, 40<<10)
	if err != nil {
		t.Fatal(err)
	}
	if st.Faults != 3 || len(sink.stored) != 1 {
		t.Errorf("stats %+v, stored %d", st, len(sink.stored))
	}
}

func TestClient409ReHeads(t *testing.T) {
	var patches, heads atomic.Int32
	endpoint, sink := scripted(t, func(w http.ResponseWriter, r *http.Request) bool {
		switch r.Method {
		case http.MethodHead:
			heads.Add(1)
		case http.MethodPatch:
			if patches.Add(1) == 2 {
				w.WriteHeader(http.StatusConflict)
				return true
			}
		}
		return false
	})
	_, st, err := upload(t, endpoint, ClientOptions{ChunkSize: 16 << 10, Retry: fastRetry()}, 40<<10)
	if err != nil {
		t.Fatal(err)
	}
	if heads.Load() != 1 || st.Faults != 1 || len(sink.stored) != 1 {
		t.Errorf("heads %d, stats %+v", heads.Load(), st)
	}
}

func TestClientExhausted(t *testing.T) {
	var n atomic.Int32
	endpoint, _ := scripted(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPatch {
			n.Add(1)
			w.WriteHeader(http.StatusInternalServerError)
			return true
		}
		return false
	})
	_, _, err := upload(t, endpoint, ClientOptions{Retry: fastRetry()}, 1000)
	if !errors.Is(err, ErrExhausted) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v", err)
	}
	if n.Load() != 5 {
		t.Errorf("%d PATCH attempts, want 5", n.Load())
	}
}

func TestClientLocationForms(t *testing.T) {
	for _, form := range []string{"root-relative", "relative", "absolute"} {
		t.Run(form, func(t *testing.T) {
			var host string
			endpoint, sink := scripted(t, func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method != http.MethodPost {
					return false
				}
				host = r.Host
				rw := &locRewriter{ResponseWriter: w, form: form, host: host}
				return rw.serve(r)
			})
			_ = endpoint
			locEndpoint.Store(endpoint)
			_, _, err := upload(t, endpoint, ClientOptions{Retry: fastRetry()}, 5000)
			if err != nil || len(sink.stored) != 1 {
				t.Fatalf("%v, stored %d", err, len(sink.stored))
			}
		})
	}
}

var locEndpoint atomic.Value

// locRewriter answers a creation itself with the Location in a given form,
// by asking the real receiver through a second request.
type locRewriter struct {
	http.ResponseWriter
	form, host string
}

func (l *locRewriter) serve(r *http.Request) bool {
	ep := locEndpoint.Load().(string)
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, ep, nil)
	req.Header = r.Header.Clone()
	req.Header.Set("X-Inner", "1")
	if r.Header.Get("X-Inner") != "" {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		l.WriteHeader(http.StatusBadGateway)
		return true
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	id := loc[strings.LastIndex(loc, "/")+1:]
	switch l.form {
	case "relative":
		loc = id
	case "absolute":
		loc = "http://" + l.host + "/files/" + id
	}
	l.Header().Set("Location", loc)
	l.Header().Set("Tus-Resumable", TusVersion)
	l.WriteHeader(http.StatusCreated)
	return true
}

func TestClientIdleTimeout(t *testing.T) {
	endpoint, _ := scripted(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPatch {
			<-r.Context().Done() // read nothing, answer nothing
			return true
		}
		return false
	})
	start := time.Now()
	_, st, err := upload(t, endpoint, ClientOptions{IdleTimeout: 100 * time.Millisecond, Retry: RetryPolicy{MaxAttempts: 2, MinBackoff: time.Millisecond}}, 1<<20)
	if !errors.Is(err, ErrIdleTimeout) || !errors.Is(err, ErrExhausted) {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %s", d)
	}
	if st.Faults != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestClientIdleTimeoutIsNotADeadline(t *testing.T) {
	// A slow but steady upload takes longer than the idle timeout and
	// succeeds.
	endpoint, sink := startReceiver(t, ReceiverOptions{Sink: newMemSink()})
	c, _ := NewClient(endpoint, ClientOptions{ChunkSize: 256 << 10, IdleTimeout: 150 * time.Millisecond, Limiter: NewRateLimiter(512 << 10)})
	_ = sink
	data := pattern(256 << 10)
	start := time.Now()
	if _, err := c.Upload(t.Context(), &Upload{Body: bytes.NewReader(data), Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	t.Logf("256 KiB at 512 KiB/s in %s", time.Since(start))
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("rate cap not applied: %s for 256 KiB at 512 KiB/s", d)
	}
}

func TestDefaultHTTPClientProxyFromEnvironment(t *testing.T) {
	tr := DefaultHTTPClient().Transport.(*http.Transport)
	if reflect.ValueOf(tr.Proxy).Pointer() != reflect.ValueOf(http.ProxyFromEnvironment).Pointer() {
		t.Error("proxy is not taken from the environment")
	}
	if tr.TLSClientConfig.MinVersion < 0x0303 {
		t.Error("TLS below 1.2 allowed")
	}
}

func TestErrorIs(t *testing.T) {
	err := newError(CodeLocked, 423, "x", nil)
	if !errors.Is(err, ErrLocked) || errors.Is(err, ErrGone) {
		t.Error("Is by code")
	}
	wrapped := newError(CodeExhausted, 0, "", err)
	if !errors.Is(wrapped, ErrLocked) || !errors.Is(wrapped, ErrExhausted) {
		t.Error("wrapped codes")
	}
	if !strings.Contains(err.Error(), strconv.Itoa(423)) {
		t.Error(err.Error())
	}
}

func TestClientNoProgressBounded(t *testing.T) {
	var n atomic.Int32
	endpoint, _ := scripted(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPatch {
			n.Add(1)
			w.Header().Set("Upload-Offset", r.Header.Get("Upload-Offset")) // takes nothing
			w.WriteHeader(http.StatusNoContent)
			return true
		}
		return false
	})
	_, _, err := upload(t, endpoint, ClientOptions{Retry: fastRetry()}, 1000)
	if !errors.Is(err, ErrExhausted) || n.Load() != 5 {
		t.Fatalf("got %v after %d PATCHes", err, n.Load())
	}
}
