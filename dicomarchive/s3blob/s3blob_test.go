package s3blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/archivetest"
	"github.com/radkit/radkit/internal/testutil"
)

// newStore opens a store on a fresh bucket of the test server, with the
// smallest part size S3 allows so that multipart cases stay small.
func newStore(t testing.TB, edit ...func(*Options)) *Store {
	t.Helper()
	srv := testutil.S3(t)
	opts := Options{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: srv.Bucket, Prefix: "archive", PartSize: MinPartSize}
	for _, e := range edit {
		e(&opts)
	}
	s, err := Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomBytes(n int, seed uint64) []byte {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	b := make([]byte, n)
	rand.NewChaCha8(key).Read(b)
	return b
}

// writeChunks writes data in chunks of odd sizes, so that part
// boundaries fall inside writes.
func writeChunks(t testing.TB, w io.Writer, data []byte) {
	t.Helper()
	for len(data) > 0 {
		n := min(len(data), 99991)
		if _, err := w.Write(data[:n]); err != nil {
			t.Fatal(err)
		}
		data = data[n:]
	}
}

// readAll reads what an Open returns: readAll(t)(s.Open(ctx, d)).
func readAll(t testing.TB) func(io.ReadCloser, error) []byte {
	return func(rc io.ReadCloser, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

// tempState lists what is under the temporary prefix: incomplete
// multipart uploads and objects.
func tempState(t testing.TB, s *Store) (uploads, objects int) {
	t.Helper()
	ctx := context.Background()
	res, err := s.core.ListMultipartUploads(ctx, s.bucket, s.tmpPrefix(), "", "", "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for obj := range s.core.Client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.tmpPrefix(), Recursive: true}) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		objects++
	}
	return len(res.Uploads), objects
}

func TestConformance(t *testing.T) {
	archivetest.BlobStore(t, func(t *testing.T) dicomarchive.BlobStore { return newStore(t) })
}

func TestConformanceNoPrefix(t *testing.T) {
	archivetest.BlobStore(t, func(t *testing.T) dicomarchive.BlobStore {
		return newStore(t, func(o *Options) { o.Prefix = "" })
	})
}

func TestOptions(t *testing.T) {
	ctx := context.Background()
	for _, o := range []Options{
		{Bucket: "b"},
		{Endpoint: "127.0.0.1:1"},
		{Endpoint: "http://127.0.0.1:1", Bucket: "b"},
		{Endpoint: "127.0.0.1:1", Bucket: "b", PartSize: MinPartSize - 1},
		{Endpoint: "127.0.0.1:1", Bucket: "b", PartSize: MaxPartSize + 1},
	} {
		if _, err := Open(ctx, o); err == nil || errors.As(err, new(*OpError)) {
			t.Errorf("Open(%+v): want a configuration error before any request, got %v", o, err)
		}
	}
}

func TestKeyLayout(t *testing.T) {
	s := &Store{prefix: "p/"}
	d := dicomarchive.Digest(sha256.Sum256([]byte("x")))
	h := d.String()
	if got, want := s.Key(d), "p/sha256/"+h[:2]+"/"+h[2:4]+"/"+h; got != want {
		t.Fatalf("Key = %s, want %s", got, want)
	}
}

func TestNoBucket(t *testing.T) {
	srv := testutil.S3(t)
	_, err := Open(t.Context(), Options{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: srv.Bucket + "-missing"})
	if !errors.Is(err, ErrNoBucket) {
		t.Fatalf("want ErrNoBucket, got %v", err)
	}
	_, err = Open(t.Context(), Options{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: "wrong", Bucket: srv.Bucket, MaxRetries: -1})
	var oe *OpError
	if !errors.As(err, &oe) || oe.StatusCode() != http.StatusForbidden {
		t.Fatalf("wrong secret: want an OpError with status 403, got %v", err)
	}
}

func TestMultipart(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	for _, size := range []int{MinPartSize, MinPartSize + 1, 2*MinPartSize + 12345} {
		data := randomBytes(size, uint64(size))
		sum := dicomarchive.Digest(sha256.Sum256(data))
		w, err := s.Create(ctx)
		if err != nil {
			t.Fatal(err)
		}
		writeChunks(t, w, data)
		multipart := w.(*writer).uploadID != ""
		if multipart != (size > MinPartSize) {
			t.Fatalf("%d bytes: multipart upload started %v", size, multipart)
		}
		info, err := w.Commit(ctx, sum)
		if err != nil || info.Digest != sum || info.Size != int64(size) {
			t.Fatalf("%d bytes: commit %+v %v", size, info, err)
		}
		if got := readAll(t)(s.Open(ctx, sum)); !bytes.Equal(got, data) {
			t.Fatalf("%d bytes: read back %d bytes, different", size, len(got))
		}
		if st, err := s.Stat(ctx, sum); err != nil || st.Size != int64(size) {
			t.Fatalf("%d bytes: stat %+v %v", size, st, err)
		}
	}
	if u, o := tempState(t, s); u != 0 || o != 0 {
		t.Fatalf("after commits: %d uploads and %d temporary objects left", u, o)
	}

	// A mismatch after parts were sent keeps nothing.
	data := randomBytes(MinPartSize+100, 7)
	wrong := dicomarchive.Digest(sha256.Sum256(data))
	wrong[31] ^= 1
	w, _ := s.Create(ctx)
	writeChunks(t, w, data)
	_, err := w.Commit(ctx, wrong)
	var dm *dicomarchive.DigestMismatchError
	if !errors.As(err, &dm) {
		t.Fatalf("want a DigestMismatchError, got %v", err)
	}
	if _, err := s.Stat(ctx, dm.Got); !errors.Is(err, dicomarchive.ErrNotFound) {
		t.Fatalf("stat after a refused commit: %v", err)
	}
	if u, o := tempState(t, s); u != 0 || o != 0 {
		t.Fatalf("after a refused commit: %d uploads and %d temporary objects left", u, o)
	}

	// Abort after parts were sent aborts the upload.
	w, _ = s.Create(ctx)
	writeChunks(t, w, data)
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if u, o := tempState(t, s); u != 0 || o != 0 {
		t.Fatalf("after an abort: %d uploads and %d temporary objects left", u, o)
	}
	n := 0
	if err := s.Walk(ctx, func(dicomarchive.BlobInfo) error { n++; return nil }); err != nil || n != 3 {
		t.Fatalf("walk: %d blobs, %v", n, err)
	}
}

// TestConcurrentMultipart commits the same large content from several
// writers at once: each has its own temporary key, all copy to the same
// final key.
func TestConcurrentMultipart(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	data := randomBytes(MinPartSize+1000, 4)
	sum := dicomarchive.Digest(sha256.Sum256(data))
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			w, err := s.Create(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			w.Write(data)
			if _, err := w.Commit(ctx, sum); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := readAll(t)(s.Open(ctx, sum)); !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, different", len(got))
	}
	if u, o := tempState(t, s); u != 0 || o != 0 {
		t.Fatalf("%d uploads and %d temporary objects left", u, o)
	}
}

// TestMultipartCopy exercises the copy of blobs over 5 GiB (part by part)
// on a small blob, by lowering the limit.
func TestMultipartCopy(t *testing.T) {
	s := newStore(t)
	s.copyLimit = MinPartSize
	ctx := t.Context()
	data := randomBytes(MinPartSize+4096, 3)
	w, _ := s.Create(ctx)
	writeChunks(t, w, data)
	info, err := w.Commit(ctx, dicomarchive.Digest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t)(s.Open(ctx, info.Digest)); !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, different", len(got))
	}
	if u, o := tempState(t, s); u != 0 || o != 0 {
		t.Fatalf("%d uploads and %d temporary objects left", u, o)
	}
}

func TestEmptyBlob(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	w, _ := s.Create(ctx)
	info, err := w.Commit(ctx, dicomarchive.Digest(sha256.Sum256(nil)))
	if err != nil || info.Size != 0 {
		t.Fatalf("commit of an empty blob: %+v %v", info, err)
	}
	if st, err := s.Stat(ctx, info.Digest); err != nil || st.Size != 0 {
		t.Fatalf("stat %+v %v", st, err)
	}
	if got := readAll(t)(s.Open(ctx, info.Digest)); len(got) != 0 {
		t.Fatalf("read %d bytes", len(got))
	}
	if got := readAll(t)(s.OpenRange(ctx, info.Digest, 0, 10)); len(got) != 0 {
		t.Fatalf("range read %d bytes", len(got))
	}
}

func TestOpenRange(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	data := randomBytes(1000, 1)
	w, _ := s.Create(ctx)
	w.Write(data)
	info, err := w.Commit(ctx, dicomarchive.Digest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		off, n     int64
		start, end int
	}{
		{0, 10, 0, 10},
		{0, -1, 0, 1000},
		{500, -1, 500, 1000},
		{123, 456, 123, 579},
		{990, 100, 990, 1000},
		{999, 1, 999, 1000},
		{1000, 10, 1000, 1000},
		{5000, -1, 1000, 1000},
		{10, 0, 10, 10},
	} {
		got := readAll(t)(s.OpenRange(ctx, info.Digest, c.off, c.n))
		if !bytes.Equal(got, data[c.start:c.end]) {
			t.Errorf("OpenRange(%d, %d): %d bytes, want data[%d:%d]", c.off, c.n, len(got), c.start, c.end)
		}
	}
	missing := info.Digest
	missing[0] ^= 1
	for _, n := range []int64{-1, 0, 10} {
		if _, err := s.OpenRange(ctx, missing, 0, n); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Errorf("OpenRange of a missing blob, length %d: %v", n, err)
		}
	}
	if _, err := s.OpenRange(ctx, info.Digest, -1, 10); err == nil {
		t.Error("negative offset accepted")
	}
}

func TestCleanTemp(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	// A committed blob, which CleanTemp must not touch.
	w, _ := s.Create(ctx)
	w.Write([]byte("keep me"))
	kept, err := w.Commit(ctx, dicomarchive.Digest{})
	if err != nil {
		t.Fatal(err)
	}
	// A writer that dies after sending a part (a crash: no Abort).
	w, _ = s.Create(ctx)
	writeChunks(t, w, randomBytes(MinPartSize+1, 5))
	// A completed temporary object whose copy never happened.
	if _, err := s.core.Client.PutObject(ctx, s.bucket, s.tmpPrefix()+"orphan", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if u, o := tempState(t, s); u != 1 || o != 1 {
		t.Fatalf("before cleaning: %d uploads and %d temporary objects, want 1 and 1", u, o)
	}
	if n, err := s.CleanTemp(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("CleanTemp(1h) removed %d, %v; want nothing (all is recent)", n, err)
	}
	time.Sleep(1100 * time.Millisecond) // S3 times have a one-second resolution
	if n, err := s.CleanTemp(ctx, time.Second); err != nil || n != 2 {
		t.Fatalf("CleanTemp(1s) removed %d, %v; want 2", n, err)
	}
	if u, o := tempState(t, s); u != 0 || o != 0 {
		t.Fatalf("after cleaning: %d uploads and %d temporary objects", u, o)
	}
	if _, err := s.Stat(ctx, kept.Digest); err != nil {
		t.Fatalf("committed blob after CleanTemp: %v", err)
	}
	// The dead writer fails cleanly if it wakes up.
	if _, err := w.Commit(ctx, dicomarchive.Digest{}); err == nil {
		t.Fatal("commit of an upload CleanTemp aborted succeeded")
	}
}

// proxy forwards to the test server until closed: a server that goes
// away.
func proxy(t *testing.T, endpoint string) *httptest.Server {
	u := &url.URL{Scheme: "http", Host: endpoint}
	p := httptest.NewServer(httputil.NewSingleHostReverseProxy(u))
	t.Cleanup(p.Close)
	return p
}

func TestServerGone(t *testing.T) {
	srv := testutil.S3(t)
	p := proxy(t, srv.Endpoint)
	ctx := t.Context()
	s, err := Open(ctx, Options{Endpoint: strings.TrimPrefix(p.URL, "http://"), AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: srv.Bucket, PartSize: MinPartSize, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := s.Create(ctx)
	w.Write([]byte("before"))
	info, err := w.Commit(ctx, dicomarchive.Digest{})
	if err != nil {
		t.Fatal(err)
	}
	// A writer with an upload under way when the server goes.
	big, _ := s.Create(ctx)
	writeChunks(t, big, randomBytes(MinPartSize+1, 9))
	p.CloseClientConnections()
	p.Close()

	check := func(what string, err error) {
		t.Helper()
		var oe *OpError
		var ne *net.OpError
		if !errors.As(err, &oe) || !errors.As(err, &ne) || errors.Is(err, dicomarchive.ErrNotFound) {
			t.Errorf("%s with the server gone: want an *OpError wrapping a *net.OpError, got %v", what, err)
		}
	}
	_, err = s.Open(ctx, info.Digest)
	check("Open", err)
	_, err = s.OpenRange(ctx, info.Digest, 1, 2)
	check("OpenRange", err)
	_, err = s.Stat(ctx, info.Digest)
	check("Stat", err)
	check("Delete", s.Delete(ctx, info.Digest))
	check("Walk", s.Walk(ctx, func(dicomarchive.BlobInfo) error { return nil }))
	_, err = s.CleanTemp(ctx, 0)
	check("CleanTemp", err)
	w, _ = s.Create(ctx)
	w.Write([]byte("after"))
	_, err = w.Commit(ctx, dicomarchive.Digest{})
	check("Commit", err)
	big.Write([]byte("more"))
	_, err = big.Commit(ctx, dicomarchive.Digest{})
	check("Commit of a multipart upload", err)
	w, _ = s.Create(ctx)
	_, err = w.Write(randomBytes(MinPartSize+1, 10))
	check("Write of a part", err)
	_, err = w.Commit(ctx, dicomarchive.Digest{})
	check("Commit after a failed Write", err)
	if _, err := Open(ctx, Options{Endpoint: strings.TrimPrefix(p.URL, "http://"), Bucket: srv.Bucket, MaxRetries: -1}); err == nil {
		t.Error("Open of a closed port succeeded")
	}
}

func TestContext(t *testing.T) {
	srv := testutil.S3(t)
	s := newStore(t)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	var d dicomarchive.Digest
	if _, err := s.Create(done); !errors.Is(err, context.Canceled) {
		t.Errorf("Create: %v", err)
	}
	if _, err := s.Open(done, d); !errors.Is(err, context.Canceled) {
		t.Errorf("Open: %v", err)
	}
	if _, err := s.Stat(done, d); !errors.Is(err, context.Canceled) {
		t.Errorf("Stat: %v", err)
	}
	if err := s.Walk(done, func(dicomarchive.BlobInfo) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Walk: %v", err)
	}
	if _, err := s.CleanTemp(done, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("CleanTemp: %v", err)
	}
	w, _ := s.Create(t.Context())
	w.Write([]byte("x"))
	if _, err := w.Commit(done, d); !errors.Is(err, context.Canceled) {
		t.Errorf("Commit: %v", err)
	}

	// A server in front of the real one that can hang (mode hang: no
	// answer) or stall (mode stall: the first 64 KiB of a body, then
	// nothing), until the client gives up.
	const (
		normal = iota
		hang
		stall
	)
	var mu sync.Mutex
	mode := normal
	setMode := func(m int) { mu.Lock(); mode = m; mu.Unlock() }
	h := proxy(t, srv.Endpoint).Config.Handler
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		m := mode
		mu.Unlock()
		switch m {
		case hang:
			<-r.Context().Done()
		case stall:
			h.ServeHTTP(&stallWriter{ResponseWriter: w, left: 64 << 10, done: r.Context().Done()}, r)
		default:
			h.ServeHTTP(w, r)
		}
	}))
	defer slow.Close()
	s2, err := Open(t.Context(), Options{Endpoint: strings.TrimPrefix(slow.URL, "http://"), AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: s.bucket, Prefix: "archive"})
	if err != nil {
		t.Fatal(err)
	}
	setMode(hang)
	short, cancel2 := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel2()
	start := time.Now()
	if _, err := s2.Stat(short, d); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stat on a hung server: %v", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("Stat returned %v after its deadline", el)
	}

	// Canceling while reading a blob stops the read.
	setMode(normal)
	data := randomBytes(1<<20, 2)
	w, _ = s2.Create(t.Context())
	w.Write(data)
	info, err := w.Commit(t.Context(), dicomarchive.Digest{})
	if err != nil {
		t.Fatal(err)
	}
	setMode(stall)
	rctx, cancel3 := context.WithCancel(t.Context())
	rc, err := s2.Open(rctx, info.Digest)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadFull(rc, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	cancel3()
	if n, err := io.Copy(io.Discard, rc); !errors.Is(err, context.Canceled) {
		t.Errorf("reading on after cancel: %d bytes, %v", n, err)
	}
}

// stallWriter passes left bytes, then blocks until done.
type stallWriter struct {
	http.ResponseWriter
	left int
	done <-chan struct{}
}

func (w *stallWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *stallWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		n, _ := w.ResponseWriter.Write(p[:w.left])
		w.left = 0
		http.NewResponseController(w.ResponseWriter).Flush()
		<-w.done
		return n, errors.New("stalled")
	}
	w.left -= len(p)
	return w.ResponseWriter.Write(p)
}

// TestRetries puts the store behind a server that answers 503 SlowDown
// to every other request: with retries every operation succeeds,
// without them the first fails with the server's status.
func TestRetries(t *testing.T) {
	srv := testutil.S3(t)
	h := proxy(t, srv.Endpoint).Config.Handler
	var mu sync.Mutex
	n := 0
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		fail := n%2 == 1
		mu.Unlock()
		if fail {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer flaky.Close()
	opts := Options{Endpoint: strings.TrimPrefix(flaky.URL, "http://"), AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: srv.Bucket, PartSize: MinPartSize, MaxRetries: 1, Region: "us-east-1"}
	ctx := t.Context()
	s, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1000, MinPartSize + 1} {
		data := randomBytes(size, 11)
		w, _ := s.Create(ctx)
		w.Write(data)
		info, err := w.Commit(ctx, dicomarchive.Digest{})
		if err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		if got := readAll(t)(s.Open(ctx, info.Digest)); !bytes.Equal(got, data) {
			t.Fatalf("%d bytes: read back %d bytes, different", size, len(got))
		}
	}
	mu.Lock()
	n = 0
	mu.Unlock()
	opts.MaxRetries = -1
	_, err = Open(ctx, opts)
	var oe *OpError
	if !errors.As(err, &oe) || oe.StatusCode() != http.StatusServiceUnavailable {
		t.Fatalf("without retries: want an OpError with status 503, got %v", err)
	}
}

// TestTLS reaches the server through a TLS front with its own
// certificate: trusted through Options.TLSConfig, refused without.
func TestTLS(t *testing.T) {
	srv := testutil.S3(t)
	u := &url.URL{Scheme: "http", Host: srv.Endpoint}
	front := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(u))
	defer front.Close()
	pool := x509.NewCertPool()
	pool.AddCert(front.Certificate())
	opts := Options{Endpoint: strings.TrimPrefix(front.URL, "https://"), AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: srv.Bucket, Secure: true, MaxRetries: -1}
	if _, err := Open(t.Context(), opts); !errors.As(err, new(*tls.CertificateVerificationError)) {
		t.Fatalf("untrusted certificate: want a certificate verification error, got %v", err)
	}
	opts.TLSConfig = &tls.Config{RootCAs: pool}
	s, err := Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := s.Create(t.Context())
	w.Write([]byte("over TLS"))
	info, err := w.Commit(t.Context(), dicomarchive.Digest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t)(s.Open(t.Context(), info.Digest)); string(got) != "over TLS" {
		t.Fatalf("read back %q", got)
	}
}

// TestCorruptionInTransit flips one byte of every upload body on the
// way: the server's SHA-256 verification must refuse the blob, single
// PUT or part, and nothing may become visible.
func TestCorruptionInTransit(t *testing.T) {
	srv := testutil.S3(t)
	h := proxy(t, srv.Endpoint).Config.Handler
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.ContentLength > 100 && r.Header.Get("X-Amz-Copy-Source") == "" {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body[100] ^= 0x01
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		h.ServeHTTP(w, r)
	}))
	defer bad.Close()
	s, err := Open(t.Context(), Options{Endpoint: strings.TrimPrefix(bad.URL, "http://"), AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: srv.Bucket, PartSize: MinPartSize, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, size := range []int{1000, MinPartSize + 1} {
		data := randomBytes(size, 12)
		sum := dicomarchive.Digest(sha256.Sum256(data))
		w, _ := s.Create(ctx)
		w.Write(data)
		_, err := w.Commit(ctx, dicomarchive.Digest{})
		var oe *OpError
		if !errors.As(err, &oe) || oe.StatusCode() != http.StatusBadRequest {
			t.Errorf("%d bytes corrupted in transit: want an OpError with status 400, got %v", size, err)
		}
		if _, err := s.Stat(ctx, sum); !errors.Is(err, dicomarchive.ErrNotFound) {
			t.Errorf("%d bytes corrupted in transit: stat %v", size, err)
		}
	}
	if u, o := tempState(t, s); u != 0 || o != 0 {
		t.Fatalf("%d uploads and %d temporary objects left", u, o)
	}
}

// TestServerVerifiesChecksum checks what the store relies on: the server
// refuses a PUT or a part whose bytes do not match x-amz-checksum-sha256
// (the payload hash being right), and a part without a checksum in an
// upload started with the SHA256 algorithm.
func TestServerVerifiesChecksum(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	data := randomBytes(MinPartSize, 13)
	sum := sha256.Sum256(data)
	other := sha256.Sum256([]byte("other"))
	_, err := s.core.PutObject(ctx, s.bucket, "k", bytes.NewReader(data), int64(len(data)), "", hex.EncodeToString(sum[:]),
		minio.PutObjectOptions{UserMetadata: map[string]string{"X-Amz-Checksum-Sha256": base64.StdEncoding.EncodeToString(other[:])}, DisableContentSha256: true})
	if err == nil {
		t.Error("PUT with a wrong x-amz-checksum-sha256 accepted")
	}
	id, err := s.core.NewMultipartUpload(ctx, s.bucket, "m", minio.PutObjectOptions{UserMetadata: map[string]string{"X-Amz-Checksum-Algorithm": "SHA256"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.core.AbortMultipartUpload(ctx, s.bucket, "m", id)
	hdr := http.Header{}
	hdr.Set("X-Amz-Checksum-Sha256", base64.StdEncoding.EncodeToString(other[:]))
	if _, err := s.core.PutObjectPart(ctx, s.bucket, "m", id, 1, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectPartOptions{Sha256Hex: hex.EncodeToString(sum[:]), CustomHeader: hdr, DisableContentSha256: true}); err == nil {
		t.Error("part with a wrong x-amz-checksum-sha256 accepted")
	}
	if _, err := s.core.PutObjectPart(ctx, s.bucket, "m", id, 2, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectPartOptions{Sha256Hex: hex.EncodeToString(sum[:]), DisableContentSha256: true}); err == nil {
		t.Error("part without checksum accepted in a SHA256 upload")
	}
}
