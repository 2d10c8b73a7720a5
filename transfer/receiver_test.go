package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/radkit/radkit/transfer/internal/faultproxy"
)

func TestReceiverRoundTrip(t *testing.T) {
	sink := newMemSink()
	endpoint, _ := startReceiver(t, ReceiverOptions{Sink: sink, RequireDigest: true})
	for _, checksum := range []string{"", "sha1", "none"} {
		c, err := NewClient(endpoint, ClientOptions{ChunkSize: 64 << 10, Checksum: checksum})
		if err != nil {
			t.Fatal(err)
		}
		for _, size := range []int{0, 1, 64 << 10, 200<<10 + 3} {
			data := append([]byte(checksum), pattern(size)...)
			u := &Upload{Body: bytes.NewReader(data), Size: int64(len(data)), Metadata: Metadata{MetaSHA256: sha256Hex(data), "empty": ""}}
			if _, err := c.Upload(t.Context(), u); err != nil {
				t.Fatalf("checksum %q size %d: %v", checksum, size, err)
			}
			if sink.count(sha256Hex(data)) != 1 {
				t.Fatalf("checksum %q size %d: stored %d times", checksum, size, sink.count(sha256Hex(data)))
			}
			off, length, err := c.Offset(t.Context(), u.URL)
			if err != nil || off != length || length != int64(len(data)) {
				t.Errorf("HEAD after completion: %d/%d %v", off, length, err)
			}
		}
	}
}

func TestReceiverDigestMismatch(t *testing.T) {
	sink := newMemSink()
	endpoint, _ := startReceiver(t, ReceiverOptions{Sink: sink})
	c, _ := NewClient(endpoint, ClientOptions{ChunkSize: 64 << 10})
	data := pattern(150 << 10)
	u := &Upload{Body: bytes.NewReader(data), Size: int64(len(data)), Metadata: Metadata{MetaSHA256: sha256Hex([]byte("x"))}}
	_, err := c.Upload(t.Context(), u)
	if !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("got %v, want ErrDigestMismatch", err)
	}
	if len(sink.stored) != 0 {
		t.Fatal("a mismatching file reached the sink")
	}
}

func TestReceiverSinkFailureRetried(t *testing.T) {
	sink := newMemSink()
	sink.fail = 2
	endpoint, _ := startReceiver(t, ReceiverOptions{Sink: sink})
	c, _ := NewClient(endpoint, ClientOptions{ChunkSize: 64 << 10, Retry: RetryPolicy{MinBackoff: time.Millisecond}})
	data := pattern(100 << 10)
	u := &Upload{Body: bytes.NewReader(data), Size: int64(len(data)), Metadata: Metadata{MetaSHA256: sha256Hex(data)}}
	st, err := c.Upload(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	if sink.count(sha256Hex(data)) != 1 || st.Faults != 2 {
		t.Errorf("stored %d times, %d faults", sink.count(sha256Hex(data)), st.Faults)
	}
}

func TestReceiverExpiration(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	endpoint, rc := startReceiver(t, ReceiverOptions{Sink: newMemSink(), Expiration: time.Hour, Now: clock})
	c, _ := NewClient(endpoint, ClientOptions{ChunkSize: 64 << 10})
	data := pattern(200 << 10)
	stop := errors.New("stop")
	u := &Upload{Body: bytes.NewReader(data), Size: int64(len(data)), CreateEmpty: true,
		OnOffset: func(_ string, off int64) error {
			if off > 0 {
				return stop
			}
			return nil
		}}
	if _, err := c.Upload(t.Context(), u); !errors.Is(err, stop) {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour)
	if _, _, err := c.Offset(t.Context(), u.URL); !errors.Is(err, ErrGone) {
		t.Fatalf("HEAD of an expired upload: %v", err)
	}
	// The client restarts an expired upload from zero.
	u.OnOffset = nil
	st, err := c.Upload(t.Context(), u)
	if err != nil || st.Restarts != 1 {
		t.Fatalf("%v, %+v", err, st)
	}
	if n, err := rc.Sweep(t.Context()); err != nil || n != 0 {
		t.Errorf("sweep: %d %v", n, err)
	}
	now = now.Add(48 * time.Hour)
	if n, err := rc.Sweep(t.Context()); err != nil || n != 1 {
		t.Errorf("sweep after expiry: %d %v", n, err)
	}
}

func TestReceiverProtocolErrors(t *testing.T) {
	endpoint, _ := startReceiver(t, ReceiverOptions{Sink: newMemSink(), MaxSize: 1 << 20})
	do := func(method, target string, h map[string]string, body string) *http.Response {
		req, _ := http.NewRequestWithContext(t.Context(), method, target, bytes.NewReader([]byte(body)))
		req.Header.Set("Tus-Resumable", TusVersion)
		for k, v := range h {
			if v == "" {
				req.Header.Del(k)
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := do("POST", endpoint, map[string]string{"Tus-Resumable": "", "Upload-Length": "3"}, ""); r.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("no Tus-Resumable: %d", r.StatusCode)
	}
	if r := do("POST", endpoint, map[string]string{"Upload-Length": "2000000"}, ""); r.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("too large: %d", r.StatusCode)
	}
	if r := do("POST", endpoint, map[string]string{"Upload-Length": "3", "Upload-Metadata": "k !!!"}, ""); r.StatusCode != http.StatusBadRequest {
		t.Errorf("bad metadata: %d", r.StatusCode)
	}
	r := do("POST", endpoint, map[string]string{"Upload-Length": "3"}, "")
	loc := r.Header.Get("Location")
	if r.StatusCode != http.StatusCreated || loc == "" {
		t.Fatalf("create: %d %q", r.StatusCode, loc)
	}
	base, _ := url.Parse(endpoint)
	ref, _ := url.Parse(loc)
	up := base.ResolveReference(ref).String()
	patch := map[string]string{"Content-Type": "application/offset+octet-stream"}
	patch["Upload-Offset"] = "1"
	if r := do("PATCH", up, patch, "a"); r.StatusCode != http.StatusConflict {
		t.Errorf("wrong offset: %d", r.StatusCode)
	}
	patch["Upload-Offset"] = "0"
	patch["Upload-Checksum"] = "sha256 " + "AAAA"
	if r := do("PATCH", up, patch, "a"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed checksum: %d", r.StatusCode)
	}
	patch["Upload-Checksum"] = "md5 AAAAAAAAAAAAAAAAAAAAAA=="
	if r := do("PATCH", up, patch, "a"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("unsupported checksum: %d", r.StatusCode)
	}
	patch["Upload-Checksum"] = checksumHeader("sha1", []byte("b"))
	if r := do("PATCH", up, patch, "a"); r.StatusCode != 460 {
		t.Errorf("wrong checksum: %d", r.StatusCode)
	}
	delete(patch, "Upload-Checksum")
	if r := do("PATCH", up, patch, "abcd"); r.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("body over length: %d", r.StatusCode)
	}
	if r := do("PATCH", up, map[string]string{"Content-Type": "text/plain", "Upload-Offset": "0"}, "a"); r.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("content type: %d", r.StatusCode)
	}
	if r := do("PATCH", endpoint+"../../etc/passwd", patch, "a"); r.StatusCode != http.StatusNotFound {
		t.Errorf("traversal: %d", r.StatusCode)
	}
	if r := do("DELETE", up, nil, ""); r.StatusCode != http.StatusNoContent {
		t.Errorf("delete: %d", r.StatusCode)
	}
	if r := do("HEAD", up, nil, ""); r.StatusCode != http.StatusNotFound {
		t.Errorf("head after delete: %d", r.StatusCode)
	}
}

func TestReceiverDeferLength(t *testing.T) {
	sink := newMemSink()
	endpoint, _ := startReceiver(t, ReceiverOptions{Sink: sink})
	req, _ := http.NewRequestWithContext(t.Context(), "POST", endpoint, nil)
	req.Header.Set("Tus-Resumable", TusVersion)
	req.Header.Set("Upload-Defer-Length", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	base, _ := url.Parse(endpoint)
	ref, _ := url.Parse(resp.Header.Get("Location"))
	up := base.ResolveReference(ref).String()
	for i, part := range []string{"hello ", "world"} {
		req, _ := http.NewRequestWithContext(t.Context(), "PATCH", up, bytes.NewReader([]byte(part)))
		req.Header.Set("Tus-Resumable", TusVersion)
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		req.Header.Set("Upload-Offset", []string{"0", "6"}[i])
		if i == 1 {
			req.Header.Set("Upload-Length", "11")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("PATCH %d: %d", i, resp.StatusCode)
		}
	}
	if sink.count(sha256Hex([]byte("hello world"))) != 1 {
		t.Error("deferred-length upload not stored")
	}
}

// TestSenderFaultsReceiver sends a study through the fault proxy to the
// radkit receiver (with the per-PATCH checksum in use): every instance is
// stored exactly once with the right digest, and the bytes re-sent stay
// within one chunk per fault.
func TestSenderFaultsReceiver(t *testing.T) {
	sink := newMemSink()
	endpoint, _ := startReceiver(t, ReceiverOptions{Sink: sink, RequireDigest: true, LockWait: 500 * time.Millisecond})
	paths := writeStudy(t, 60, 128)
	u, _ := url.Parse(endpoint)
	const chunk = 8 << 10
	px, err := faultproxy.Start(u.Host, faultproxy.Options{Seed: 5, FaultProb: 0.6, Within: chunk, StallProb: 0.1, Stall: 300 * time.Millisecond, MaxFaults: 210})
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	j, err := OpenJournal(filepath.Join(t.TempDir(), "journal"), JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	c, _ := NewClient("http://"+px.Addr+"/files/", ClientOptions{ChunkSize: chunk, IdleTimeout: 150 * time.Millisecond,
		Retry: RetryPolicy{MaxAttempts: 40, MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond}})
	rep, err := NewSender(c, SenderOptions{Journal: j, Parallel: 4}).Send(t.Context(), Job{Paths: paths})
	if err != nil {
		t.Fatal(err)
	}
	var total, sent int64
	for _, f := range rep.Files {
		total += f.Size
		sent += f.Stats.BytesSent
		if n := sink.count(fileSHA(t, f.Path)); n != 1 {
			t.Errorf("%s stored %d times", filepath.Base(f.Path), n)
		}
	}
	faults := px.Faults()
	t.Logf("%d files, %d bytes, %d sent, %d faults", len(paths), total, sent, faults)
	if faults < 200 {
		t.Errorf("only %d faults injected", faults)
	}
	if sent-total > int64(faults)*chunk {
		t.Errorf("re-sent %d bytes over %d faults", sent-total, faults)
	}
}

func TestReceiverServe(t *testing.T) {
	sink := newMemSink()
	rc, err := NewReceiver(ReceiverOptions{Dir: t.TempDir(), Sink: sink, ReadIdleTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- rc.Serve(ctx, ln) }()
	c, _ := NewClient("http://"+ln.Addr().String()+"/files/", ClientOptions{})
	data := pattern(70 << 10)
	if _, err := c.Upload(t.Context(), &Upload{Body: bytes.NewReader(data), Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	// A sender that stalls mid-body is dropped after the idle timeout,
	// and the bytes it sent are kept.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/files/", nil)
	req.Header.Set("Tus-Resumable", TusVersion)
	req.Header.Set("Upload-Length", "100")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: 100\r\n\r\n0123456789", loc)
	start := time.Now()
	io.Copy(io.Discard, conn) // returns when the server drops the connection
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("stalled body held for %s", d)
	}
	off, _, err := c.Offset(t.Context(), "http://"+ln.Addr().String()+loc)
	if err != nil || off != 10 {
		t.Errorf("offset after a stalled PATCH: %d %v", off, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if sink.count(sha256Hex(data)) != 1 {
		t.Error("not stored")
	}
}

func TestReceiverSinkRejects(t *testing.T) {
	errInvalid := errors.New("not DICOM")
	sink := SinkFunc(func(context.Context, io.Reader) error { return errInvalid })
	var calls int
	endpoint, _ := startReceiver(t, ReceiverOptions{Sink: sink, Reject: func(err error) bool { calls++; return errors.Is(err, errInvalid) }})
	c, _ := NewClient(endpoint, ClientOptions{ChunkSize: 64 << 10, Retry: fastRetry()})
	data := pattern(100 << 10)
	u := &Upload{Body: bytes.NewReader(data), Size: int64(len(data))}
	st, err := c.Upload(t.Context(), u)
	var e *Error
	if !errors.Is(err, ErrRejected) || !errors.As(err, &e) || e.Status != http.StatusUnprocessableEntity {
		t.Fatalf("got %v", err)
	}
	if calls != 1 || st.Faults != 1 {
		t.Errorf("sink called %d times, %d faults: a permanent refusal was retried", calls, st.Faults)
	}
}

func TestReceiverConcatenation(t *testing.T) {
	sink := newMemSink()
	endpoint, _ := startReceiver(t, ReceiverOptions{Sink: sink, RequireDigest: true})
	c, _ := NewClient(endpoint, ClientOptions{ChunkSize: 64 << 10, Parts: 4, Checksum: "sha256"})
	data := pattern(1<<20 + 5)
	u := &Upload{Body: bytes.NewReader(data), Size: int64(len(data)), Metadata: Metadata{MetaSHA256: sha256Hex(data)}}
	st, err := c.Upload(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	if sink.count(sha256Hex(data)) != 1 || len(sink.stored) != 1 {
		t.Errorf("stored %v", sink.stored)
	}
	if st.Requests < 9 { // OPTIONS, 4 parts × (POST+PATCHes), final POST
		t.Errorf("not concatenated: %+v", st)
	}
	off, length, err := c.Offset(t.Context(), u.URL)
	if err != nil || off != length || length != int64(len(data)) {
		t.Errorf("final upload: %d/%d %v", off, length, err)
	}
	// A wrong digest on the final upload is refused.
	u2 := &Upload{Body: bytes.NewReader(data), Size: int64(len(data)), Metadata: Metadata{MetaSHA256: sha256Hex(nil)}}
	if _, err := c.Upload(t.Context(), u2); !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("final upload with a wrong digest: %v", err)
	}
}
