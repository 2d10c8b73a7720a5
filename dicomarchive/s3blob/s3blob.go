// Package s3blob is a [dicomarchive.BlobStore] on S3-compatible object
// storage (Amazon S3, MinIO, Versity S3 Gateway, Ceph RGW, Garage…), so
// that several archive nodes can share one blob store.
//
// Blobs are content-addressed exactly as in [dicomarchive.FSBlobStore]:
// the object key is Prefix + "sha256/ab/cd/" + the 64 hexadecimal digits
// of the SHA-256, never anything derived from UIDs or names. Objects are
// immutable once committed; committing the same content again rewrites
// it (which is how [dicomarchive.Archive.Repair] restores a corrupt
// copy).
//
// Writes stream with bounded memory: a writer keeps at most two parts of
// [Options.PartSize] bytes, one being sent while the next fills. A blob that fits in one part is sent in a
// single PUT to its final key once its digest is known, carrying
// x-amz-checksum-sha256 so that the server refuses bytes that do not
// hash to the key. A larger blob is sent as a multipart upload to a
// temporary key under Prefix + "tmp/", each part carrying its own
// SHA-256 checksum; Commit completes it, copies it server-side to its
// final key asking the server for the full-object SHA-256 of the copy
// (checked against the digest), then deletes the temporary object. A
// blob is therefore either absent or complete under its key, whatever
// the moment of a crash; what a crash leaves under tmp/ (incomplete
// multipart uploads, temporary objects) is removed by
// [Store.CleanTemp].
//
// The store implements [dicomarchive.BlobStore], [dicomarchive.BlobDeleter],
// [dicomarchive.BlobLister] and [dicomarchive.TempCleaner], plus
// [Store.OpenRange] for partial reads (WADO frames). Every method may be
// called concurrently, from several goroutines and processes.
package s3blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/radkit/radkit/dicomarchive"
)

// Part size limits of the S3 protocol.
const (
	// MinPartSize is the smallest part S3 accepts in a multipart upload
	// (except for the last part).
	MinPartSize = 5 << 20
	// MaxPartSize is the largest part, and the largest single PUT.
	MaxPartSize = 5 << 30
	// DefaultPartSize is [Options.PartSize] when zero.
	DefaultPartSize = 16 << 20
	// maxParts is the most parts a multipart upload may have.
	maxParts = 10000
	// maxCopySize is the largest object CopyObject copies; larger ones
	// are copied part by part (UploadPartCopy).
	maxCopySize = 5 << 30
)

// ErrNoBucket means the configured bucket does not exist (or the
// credentials may not see it). The store never creates buckets: that is
// deployment, with its own policies.
var ErrNoBucket = errors.New("s3blob: bucket does not exist")

// Options configures a [Store]. Endpoint and Bucket are required; every
// other zero value means the default stated beside it.
type Options struct {
	// Endpoint is the server's host[:port], without scheme, e.g.
	// "s3.eu-west-3.amazonaws.com" or "127.0.0.1:7070".
	Endpoint string
	// AccessKey and SecretKey are static credentials (Signature V4).
	// Empty both for anonymous access.
	AccessKey, SecretKey string
	// Bucket must exist.
	Bucket string
	// Prefix is prepended to every key, so that several archives (or
	// other data) can share a bucket. A trailing "/" is added if missing.
	Prefix string
	// Secure selects HTTPS. Default false (plain HTTP): set it for
	// anything but a loopback test server.
	Secure bool
	// Region is the bucket's region. Default: asked of the server once
	// (GetBucketLocation) and cached. Setting it saves that request,
	// which otherwise also spends retries of the first request when the
	// server is unwell.
	Region string
	// Transport sends the requests. Default: minio-go's transport
	// (keep-alive, 1 min response header timeout), with TLSConfig.
	Transport http.RoundTripper
	// TLSConfig is used by the default transport when Secure is set
	// (custom CAs, client certificates). Ignored when Transport is set.
	TLSConfig *tls.Config
	// PartSize is both the largest blob sent in one PUT and the part
	// size of multipart uploads; each open writer keeps at most two
	// parts in memory. Default [DefaultPartSize] (16 MiB); it must lie
	// between [MinPartSize] and [MaxPartSize]. A blob may have at most
	// 10,000 parts (156 GiB at the default).
	PartSize int64
	// MaxRetries is how many times a failed request (network error,
	// 5xx, throttling) is tried again, with exponential backoff and
	// jitter (200 ms doubling, each wait at most 1 s) as minio-go does.
	// Default 0 means 9 (10 attempts, minio-go's default); a negative
	// value disables retries.
	MaxRetries int
	// Logger receives debug messages (commits, cleanups) and warnings
	// (temporary objects that could not be deleted). Default: silent.
	Logger *slog.Logger
}

// Store is a blob store in an S3 bucket. See the package documentation.
type Store struct {
	core     minio.Core
	bucket   string
	prefix   string
	endpoint string
	partSize int64
	log      *slog.Logger
	// copyLimit is the largest object copied with one CopyObject:
	// maxCopySize, lowered by tests to exercise the multipart copy.
	copyLimit int64
	// parts keeps part buffers (*[]byte of capacity partSize) for reuse
	// by later writers.
	parts sync.Pool
}

var (
	_ dicomarchive.BlobStore   = (*Store)(nil)
	_ dicomarchive.BlobDeleter = (*Store)(nil)
	_ dicomarchive.BlobLister  = (*Store)(nil)
	_ dicomarchive.TempCleaner = (*Store)(nil)
)

// Open connects to the bucket described by opts and checks that it
// exists (one request, bounded by ctx): a wrong endpoint, credentials or
// bucket fail here rather than at the first write. A missing bucket
// gives an error wrapping [ErrNoBucket].
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Endpoint == "" {
		return nil, errors.New("s3blob: Options.Endpoint is required")
	}
	if strings.Contains(opts.Endpoint, "://") {
		return nil, fmt.Errorf("s3blob: Options.Endpoint %q: want host[:port] without scheme (set Secure for HTTPS)", opts.Endpoint)
	}
	if opts.Bucket == "" {
		return nil, errors.New("s3blob: Options.Bucket is required")
	}
	partSize := opts.PartSize
	if partSize == 0 {
		partSize = DefaultPartSize
	}
	if partSize < MinPartSize || partSize > MaxPartSize || int64(int(partSize)) != partSize {
		return nil, fmt.Errorf("s3blob: Options.PartSize %d: must lie between %d (5 MiB) and %d (5 GiB)", partSize, MinPartSize, int64(MaxPartSize))
	}
	attempts := 10
	switch {
	case opts.MaxRetries > 0:
		attempts = opts.MaxRetries + 1
	case opts.MaxRetries < 0:
		attempts = 1
	}
	tr := opts.Transport
	if tr == nil && opts.Secure && opts.TLSConfig != nil {
		t, err := minio.DefaultTransport(true)
		if err != nil {
			return nil, fmt.Errorf("s3blob: %w", err)
		}
		t.TLSClientConfig = opts.TLSConfig.Clone()
		tr = t
	}
	var creds *credentials.Credentials
	if opts.AccessKey != "" || opts.SecretKey != "" {
		creds = credentials.NewStaticV4(opts.AccessKey, opts.SecretKey, "")
	} else {
		creds = credentials.New(&credentials.Static{Value: credentials.Value{SignerType: credentials.SignatureAnonymous}})
	}
	cl, err := minio.New(opts.Endpoint, &minio.Options{
		Creds:        creds,
		Secure:       opts.Secure,
		Transport:    tr,
		Region:       opts.Region,
		BucketLookup: minio.BucketLookupAuto,
		MaxRetries:   attempts,
	})
	if err != nil {
		return nil, fmt.Errorf("s3blob: %w", err)
	}
	cl.SetAppInfo("radkit", "s3blob")
	prefix := opts.Prefix
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{
		core:      minio.Core{Client: cl},
		bucket:    opts.Bucket,
		prefix:    prefix,
		endpoint:  opts.Endpoint,
		partSize:  partSize,
		log:       log.With("bucket", opts.Bucket),
		copyLimit: maxCopySize,
	}
	ok, err := cl.BucketExists(ctx, opts.Bucket)
	if err != nil {
		return nil, s.opError("open", "", err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: %q on %s", ErrNoBucket, opts.Bucket, opts.Endpoint)
	}
	return s, nil
}

// UseIn registers the store and its capabilities in c.
func (s *Store) UseIn(c *dicomarchive.Composer) { c.UseBlobs(s) }

// Key returns the object key of digest d (which may not exist), prefix
// included: for tools and tests, not for reading around the archive.
func (s *Store) Key(d dicomarchive.Digest) string {
	h := d.String()
	return s.prefix + "sha256/" + h[:2] + "/" + h[2:4] + "/" + h
}

func (s *Store) tmpPrefix() string { return s.prefix + "tmp/" }

// OpError is the error of a failed S3 request (other than a missing
// blob, which wraps [dicomarchive.ErrNotFound]). Err is what minio-go
// returned: a [minio.ErrorResponse] for an answer of the server (test
// with errors.As), a network error (*url.Error, *net.OpError) when the
// server cannot be reached, or the context's error.
type OpError struct {
	Op       string // "put", "get", "stat", "copy", "delete", "list", "multipart", "open"
	Endpoint string
	Bucket   string
	Key      string // "" for bucket-level operations
	Err      error
}

func (e *OpError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("s3blob: %s %s/%s: %v", e.Op, e.Endpoint, e.Bucket, e.Err)
	}
	return fmt.Sprintf("s3blob: %s %s/%s/%s: %v", e.Op, e.Endpoint, e.Bucket, e.Key, e.Err)
}

func (e *OpError) Unwrap() error { return e.Err }

// StatusCode returns the HTTP status of the server's answer, or 0 when
// there was none (network error, cancellation).
func (e *OpError) StatusCode() int {
	var r minio.ErrorResponse
	if errors.As(e.Err, &r) {
		return r.StatusCode
	}
	return 0
}

func (s *Store) opError(op, key string, err error) error {
	return &OpError{Op: op, Endpoint: s.endpoint, Bucket: s.bucket, Key: key, Err: err}
}

// notFound reports whether err is S3's answer for a missing key.
func notFound(err error) bool {
	var r minio.ErrorResponse
	if !errors.As(err, &r) {
		return false
	}
	return r.Code == "NoSuchKey" || (r.StatusCode == http.StatusNotFound && r.Code != "NoSuchBucket")
}

func (s *Store) blobError(op string, d dicomarchive.Digest, err error) error {
	if notFound(err) {
		return fmt.Errorf("%w: blob %s", dicomarchive.ErrNotFound, d.Short())
	}
	return s.opError(op, s.Key(d), err)
}

// Create implements [dicomarchive.BlobStore]. ctx also bounds the part
// uploads that later Writes make once the content exceeds one part.
func (s *Store) Create(ctx context.Context) (dicomarchive.BlobWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	return &writer{s: s, ctx: wctx, cancel: cancel, h: sha256.New()}, nil
}

// writer buffers up to one part. When the content outgrows the buffer
// it becomes a multipart upload to a temporary key, each full buffer
// sent by a goroutine while the next one fills: at most two buffers
// (2 × PartSize) and one request in flight per writer.
//
// A writer is used by one goroutine at a time, like an *os.File; only
// the part upload runs beside it, and hands its result back on pending.
type writer struct {
	s      *Store
	ctx    context.Context // Create's, canceled when the writer ends
	cancel context.CancelFunc
	h      hash.Hash
	n      int64
	buf    []byte // pending bytes, at most partSize
	spare  []byte // a part buffer free for reuse

	tmpKey   string // set once the multipart upload is started
	uploadID string
	parts    []minio.CompletePart // parts acknowledged by the server
	pending  chan partResult      // the part being sent, if any

	done bool
	err  error // sticky error of a failed part upload
}

type partResult struct {
	part minio.CompletePart
	buf  []byte
	err  error
}

var errDone = errors.New("s3blob: blob writer already committed or aborted")

func (w *writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, errDone
	}
	if w.err != nil {
		return 0, w.err
	}
	written := 0
	for len(p) > 0 {
		if int64(len(w.buf)) == w.s.partSize {
			// The buffer is full and more is coming: it is not the
			// last part.
			if err := w.flush(w.ctx); err != nil {
				w.err = err
				return written, err
			}
		}
		room := int(w.s.partSize) - len(w.buf)
		chunk := p[:min(room, len(p))]
		w.grow(len(chunk))
		w.buf = append(w.buf, chunk...)
		w.h.Write(chunk)
		w.n += int64(len(chunk))
		written += len(chunk)
		p = p[len(chunk):]
	}
	return written, nil
}

// grow makes room for n more bytes, doubling up to partSize, so that
// small blobs use small buffers; full-size buffers come from the
// store's pool.
func (w *writer) grow(n int) {
	need := len(w.buf) + n
	if need <= cap(w.buf) {
		return
	}
	var nb []byte
	if c := max(2*cap(w.buf), need, 64<<10); int64(c) < w.s.partSize {
		nb = make([]byte, len(w.buf), c)
	} else {
		nb = w.s.getPart()[:len(w.buf)]
	}
	copy(nb, w.buf)
	w.s.putPart(w.buf)
	w.buf = nb
}

// getPart returns an empty buffer of capacity partSize.
func (s *Store) getPart() []byte {
	if p, ok := s.parts.Get().(*[]byte); ok {
		return (*p)[:0]
	}
	return make([]byte, 0, s.partSize)
}

// putPart keeps b for reuse if it is a part buffer.
func (s *Store) putPart(b []byte) {
	if int64(cap(b)) == s.partSize {
		b = b[:0]
		s.parts.Put(&b)
	}
}

// flush starts sending the buffer as the next part, after the previous
// one was acknowledged, starting the multipart upload first if needed.
func (w *writer) flush(ctx context.Context) error {
	if err := w.wait(ctx); err != nil {
		return err
	}
	s := w.s
	if w.uploadID == "" {
		w.tmpKey = s.tmpPrefix() + rand.Text()
		// The algorithm announced at initiation makes the server expect
		// and verify a SHA-256 checksum on every part.
		id, err := s.core.NewMultipartUpload(ctx, s.bucket, w.tmpKey, minio.PutObjectOptions{
			UserMetadata: map[string]string{"X-Amz-Checksum-Algorithm": "SHA256"},
		})
		if err != nil {
			return s.opError("multipart", w.tmpKey, err)
		}
		w.uploadID = id
	}
	num := len(w.parts) + 1
	if num > maxParts {
		return fmt.Errorf("s3blob: blob larger than %d parts of %d bytes: raise Options.PartSize", maxParts, s.partSize)
	}
	data := w.buf
	w.buf = w.spare
	if w.buf == nil {
		w.buf = s.getPart()
	}
	w.spare = nil
	res := make(chan partResult, 1)
	w.pending = res
	key, id := w.tmpKey, w.uploadID
	go func() {
		sum := sha256.Sum256(data)
		hdr := http.Header{}
		hdr.Set("X-Amz-Checksum-Sha256", base64.StdEncoding.EncodeToString(sum[:]))
		p, err := s.core.PutObjectPart(w.ctx, s.bucket, key, id, num, bytes.NewReader(data), int64(len(data)),
			minio.PutObjectPartOptions{Sha256Hex: hex.EncodeToString(sum[:]), CustomHeader: hdr, DisableContentSha256: true})
		if err != nil {
			err = s.opError("put", key, err)
		}
		res <- partResult{part: minio.CompletePart{PartNumber: num, ETag: p.ETag, ChecksumSHA256: p.ChecksumSHA256}, buf: data[:0], err: err}
	}()
	return nil
}

// wait waits for the part being sent, if any. If ctx ends first, the
// upload is canceled (and still waited for: its buffer must not be
// reused while it is read).
func (w *writer) wait(ctx context.Context) error {
	if w.pending == nil {
		return nil
	}
	var r partResult
	select {
	case r = <-w.pending:
	case <-ctx.Done():
		w.cancel()
		r = <-w.pending
		if r.err == nil {
			r.err = ctx.Err()
		}
	}
	w.pending = nil
	w.spare = r.buf
	if r.err != nil {
		return r.err
	}
	w.parts = append(w.parts, r.part)
	return nil
}

// release ends the writer: cancels what runs, waits for it and gives
// the buffers back.
func (w *writer) release() {
	w.cancel()
	w.wait(context.Background())
	w.s.putPart(w.buf)
	w.s.putPart(w.spare)
	w.buf, w.spare = nil, nil
}

func (w *writer) Commit(ctx context.Context, want dicomarchive.Digest) (dicomarchive.BlobInfo, error) {
	if w.done {
		return dicomarchive.BlobInfo{}, errDone
	}
	w.done = true
	defer w.release()
	fail := func(err error) (dicomarchive.BlobInfo, error) {
		w.cancel()
		w.wait(context.Background())
		w.abortUpload()
		return dicomarchive.BlobInfo{}, err
	}
	if w.err != nil {
		return fail(w.err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	var d dicomarchive.Digest
	w.h.Sum(d[:0])
	if !want.IsZero() && want != d {
		return fail(&dicomarchive.DigestMismatchError{Want: want, Got: d})
	}
	s := w.s
	key := s.Key(d)
	if w.uploadID == "" {
		// One PUT straight to the final key: S3 makes it visible whole or
		// not at all, and refuses it if the bytes it received do not
		// hash to x-amz-checksum-sha256. The digest is also the signed
		// payload hash (x-amz-content-sha256): DisableContentSha256
		// only turns off minio-go's chunked streaming signature, which
		// over plain HTTP would hash every 64 KiB chunk again on both
		// sides for nothing the checksum does not already prove.
		_, err := s.core.PutObject(ctx, s.bucket, key, bytes.NewReader(w.buf), int64(len(w.buf)), "", hex.EncodeToString(d[:]),
			minio.PutObjectOptions{UserMetadata: map[string]string{"X-Amz-Checksum-Sha256": base64.StdEncoding.EncodeToString(d[:])}, DisableContentSha256: true})
		if err != nil {
			return dicomarchive.BlobInfo{}, s.opError("put", key, err)
		}
		s.log.Debug("s3blob: blob stored", "digest", d.Short(), "size", w.n)
		return dicomarchive.BlobInfo{Digest: d, Size: w.n, ModTime: time.Now()}, nil
	}
	if len(w.buf) > 0 {
		if err := w.flush(ctx); err != nil {
			return fail(err)
		}
	}
	if err := w.wait(ctx); err != nil {
		return fail(err)
	}
	if _, err := s.core.CompleteMultipartUpload(ctx, s.bucket, w.tmpKey, w.uploadID, w.parts, minio.PutObjectOptions{}); err != nil {
		return fail(s.opError("multipart", w.tmpKey, err))
	}
	w.uploadID = "" // completed: the temporary object remains, deleted below
	defer s.removeQuiet(w.tmpKey)
	if err := s.copy(ctx, w.tmpKey, key, d, w.n); err != nil {
		return dicomarchive.BlobInfo{}, err
	}
	s.log.Debug("s3blob: blob stored", "digest", d.Short(), "size", w.n, "parts", len(w.parts))
	return dicomarchive.BlobInfo{Digest: d, Size: w.n, ModTime: time.Now()}, nil
}

// copy copies the temporary object src to the final key dst, whose
// content must hash to d and be size bytes long.
func (s *Store) copy(ctx context.Context, src, dst string, d dicomarchive.Digest, size int64) error {
	want := base64.StdEncoding.EncodeToString(d[:])
	var info minio.UploadInfo
	var err error
	if size <= s.copyLimit {
		// The server computes the SHA-256 of the copy (x-amz-checksum-
		// algorithm on CopyObject): checked against the digest below, it
		// proves the bytes under the key are the ones hashed here.
		info, err = s.core.Client.CopyObject(ctx,
			minio.CopyDestOptions{Bucket: s.bucket, Object: dst, ChecksumType: minio.ChecksumSHA256},
			minio.CopySrcOptions{Bucket: s.bucket, Object: src})
	} else {
		// Multipart copy (UploadPartCopy). No checksum is requested:
		// versitygw v1.8.0 refuses the request with one ("Invalid Base64
		// or multiple checksums"), and S3 would only give a composite
		// checksum of the parts. The parts were verified on upload and
		// the size is checked below.
		info, err = s.core.Client.ComposeObject(ctx,
			minio.CopyDestOptions{Bucket: s.bucket, Object: dst},
			minio.CopySrcOptions{Bucket: s.bucket, Object: src})
	}
	if err != nil {
		return s.opError("copy", dst, err)
	}
	if info.ChecksumSHA256 != "" && info.ChecksumSHA256 != want {
		// The bytes under dst are not what was written: remove them so
		// that nothing corrupt stays visible.
		s.removeQuiet(dst)
		return fmt.Errorf("%w: s3blob: copy of %s to %s has SHA-256 %s, want %s", dicomarchive.ErrCorrupt, src, dst, info.ChecksumSHA256, want)
	}
	if info.ChecksumSHA256 == "" {
		st, err := s.core.Client.StatObject(ctx, s.bucket, dst, minio.StatObjectOptions{})
		if err != nil {
			return s.opError("stat", dst, err)
		}
		if st.Size != size {
			s.removeQuiet(dst)
			return fmt.Errorf("%w: s3blob: copy of %s to %s has %d bytes, want %d", dicomarchive.ErrCorrupt, src, dst, st.Size, size)
		}
	}
	return nil
}

// removeQuiet deletes key, best effort, logging a failure: CleanTemp
// catches temporary objects left.
func (s *Store) removeQuiet(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.core.Client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
		s.log.Warn("s3blob: could not delete a temporary object; CleanTemp will", "key", key, "err", err)
	}
}

// abortUpload aborts the multipart upload, if any, best effort.
func (w *writer) abortUpload() error {
	if w.uploadID == "" {
		return nil
	}
	s := w.s
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := s.core.AbortMultipartUpload(ctx, s.bucket, w.tmpKey, w.uploadID)
	w.uploadID = ""
	if err != nil && !isNoSuchUpload(err) {
		s.log.Warn("s3blob: could not abort a multipart upload; CleanTemp will", "key", w.tmpKey, "err", err)
		return s.opError("multipart", w.tmpKey, err)
	}
	return nil
}

func isNoSuchUpload(err error) bool {
	var r minio.ErrorResponse
	return errors.As(err, &r) && r.Code == "NoSuchUpload"
}

// Abort implements [dicomarchive.BlobWriter]. A started multipart upload
// is aborted (with its own one-minute timeout: Abort takes no context);
// if the server cannot be reached, CleanTemp removes it later.
func (w *writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.release()
	return w.abortUpload()
}

// Open implements [dicomarchive.BlobStore]. The reader streams from the
// server and fails if ctx ends while it is read.
func (s *Store) Open(ctx context.Context, d dicomarchive.Digest) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rc, _, _, err := s.core.GetObject(ctx, s.bucket, s.Key(d), minio.GetObjectOptions{})
	if err != nil {
		return nil, s.blobError("get", d, err)
	}
	return rc, nil
}

// OpenRange streams length bytes of blob d from offset, or everything
// from offset when length is negative: one ranged GET, for frames of
// multi-frame objects (WADO-RS frame retrieval) without fetching the
// whole blob. Like [io.SectionReader], a range past the end gives the
// bytes that exist, possibly none. A missing blob gives an error
// wrapping [dicomarchive.ErrNotFound].
func (s *Store) OpenRange(ctx context.Context, d dicomarchive.Digest, offset, length int64) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if offset < 0 {
		return nil, fmt.Errorf("s3blob: OpenRange: negative offset %d", offset)
	}
	var opts minio.GetObjectOptions
	switch {
	case length == 0:
		if _, err := s.Stat(ctx, d); err != nil {
			return nil, err
		}
		return io.NopCloser(strings.NewReader("")), nil
	case length > 0:
		opts.SetRange(offset, offset+length-1)
	case offset > 0:
		opts.SetRange(offset, 0)
	}
	rc, _, _, err := s.core.GetObject(ctx, s.bucket, s.Key(d), opts)
	if err != nil {
		var r minio.ErrorResponse
		if errors.As(err, &r) && (r.StatusCode == http.StatusRequestedRangeNotSatisfiable || r.Code == "InvalidRange") {
			// The blob exists (else 404) and offset is at or past its end.
			return io.NopCloser(strings.NewReader("")), nil
		}
		return nil, s.blobError("get", d, err)
	}
	return rc, nil
}

// Stat implements [dicomarchive.BlobStore].
func (s *Store) Stat(ctx context.Context, d dicomarchive.Digest) (dicomarchive.BlobInfo, error) {
	if err := ctx.Err(); err != nil {
		return dicomarchive.BlobInfo{}, err
	}
	st, err := s.core.Client.StatObject(ctx, s.bucket, s.Key(d), minio.StatObjectOptions{})
	if err != nil {
		return dicomarchive.BlobInfo{}, s.blobError("stat", d, err)
	}
	return dicomarchive.BlobInfo{Digest: d, Size: st.Size, ModTime: st.LastModified}, nil
}

// Delete implements [dicomarchive.BlobDeleter]. Deleting a missing blob is
// not an error.
func (s *Store) Delete(ctx context.Context, d dicomarchive.Digest) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.core.Client.RemoveObject(ctx, s.bucket, s.Key(d), minio.RemoveObjectOptions{})
	if err != nil && !notFound(err) {
		return s.opError("delete", s.Key(d), err)
	}
	return nil
}

// Walk implements [dicomarchive.BlobLister], in key order. Keys under
// the blob prefix that are not digests at their place (left by hand) are
// skipped.
func (s *Store) Walk(ctx context.Context, fn func(dicomarchive.BlobInfo) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing if fn fails
	base := s.prefix + "sha256/"
	for obj := range s.core.Client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: base, Recursive: true}) {
		if obj.Err != nil {
			if err := ctx.Err(); err != nil {
				return err
			}
			return s.opError("list", base, obj.Err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		i := strings.LastIndexByte(obj.Key, '/')
		d, err := dicomarchive.ParseDigest(obj.Key[i+1:])
		if err != nil || obj.Key != s.Key(d) {
			continue
		}
		if err := fn(dicomarchive.BlobInfo{Digest: d, Size: obj.Size, ModTime: obj.LastModified}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// CleanTemp implements [dicomarchive.TempCleaner]: it aborts the
// multipart uploads and deletes the temporary objects under Prefix +
// "tmp/" started more than olderThan ago, by the server's clock as the
// client sees it. olderThan must exceed the longest write (a large blob
// on a slow link), or CleanTemp would abort it; hours are safe.
func (s *Store) CleanTemp(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := time.Now().Add(-olderThan)
	tmp := s.tmpPrefix()
	n := 0
	keyMarker, idMarker := "", ""
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		res, err := s.core.ListMultipartUploads(ctx, s.bucket, tmp, keyMarker, idMarker, "", 1000)
		if err != nil {
			return n, s.opError("list", tmp, err)
		}
		for _, u := range res.Uploads {
			if !strings.HasPrefix(u.Key, tmp) || u.Initiated.After(cutoff) {
				continue
			}
			if err := s.core.AbortMultipartUpload(ctx, s.bucket, u.Key, u.UploadID); isNoSuchUpload(err) {
				continue // completed or aborted meanwhile
			} else if err != nil {
				return n, s.opError("multipart", u.Key, err)
			}
			s.log.Debug("s3blob: aborted a stale multipart upload", "key", u.Key, "initiated", u.Initiated)
			n++
		}
		if !res.IsTruncated || (res.NextKeyMarker == keyMarker && res.NextUploadIDMarker == idMarker) {
			break
		}
		keyMarker, idMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for obj := range s.core.Client.ListObjectsIter(lctx, s.bucket, minio.ListObjectsOptions{Prefix: tmp, Recursive: true}) {
		if obj.Err != nil {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			return n, s.opError("list", tmp, obj.Err)
		}
		if obj.LastModified.After(cutoff) {
			continue
		}
		if err := s.core.Client.RemoveObject(ctx, s.bucket, obj.Key, minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
			return n, s.opError("delete", obj.Key, err)
		}
		s.log.Debug("s3blob: deleted a stale temporary object", "key", obj.Key, "modified", obj.LastModified)
		n++
	}
	return n, ctx.Err()
}
