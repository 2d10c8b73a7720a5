package transfer

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Sink receives each complete, verified instance. The dicomarchive store
// satisfies it; Store must not return until the instance is durable,
// because the receiver confirms the last byte to the sender only after
// Store returns nil. It may be called concurrently for different uploads.
type Sink interface {
	Store(ctx context.Context, r io.Reader) error
}

// SinkFunc adapts a function to [Sink].
type SinkFunc func(ctx context.Context, r io.Reader) error

// Store calls f.
func (f SinkFunc) Store(ctx context.Context, r io.Reader) error { return f(ctx, r) }

// ReceiverOptions configures [NewReceiver].
type ReceiverOptions struct {
	// Dir holds uploads in progress (required). Each upload is two files,
	// <id> (the bytes) and <id>.json (its state).
	Dir string

	// Sink receives complete instances (required).
	Sink Sink

	// BasePath is the URL path the handler is mounted at, used to build
	// the Location of new uploads. "" means "/files/".
	BasePath string

	// MaxSize bounds one upload. 0 means 4 GiB (a breast tomosynthesis
	// object is about 1 GB).
	MaxSize int64

	// Expiration is how long an upload may stay unfinished; after it, the
	// upload answers 410 Gone and [Receiver.Sweep] removes it. 0 means
	// 24 h.
	Expiration time.Duration

	// Reject, when set, tells the sink's permanent refusals (for the
	// archive: an object that is not valid DICOM, a different object
	// under a stored SOP Instance UID) from temporary failures: the
	// upload is then dropped and the sender told 422, instead of 503 and
	// a retry that cannot succeed. nil means every sink error is
	// temporary.
	Reject func(error) bool

	// RequireDigest refuses creations without the sha256 metadata
	// ([MetaSHA256]). Off by default so that generic tus clients
	// (tus-js-client) can upload; radkit's sender always sends it.
	RequireDigest bool

	// LockWait is how long a request waits for another request on the
	// same upload (such as a cut PATCH still draining) before answering
	// 423 Locked. 0 means 3 s.
	LockWait time.Duration

	// ReadIdleTimeout drops a PATCH whose body stops arriving for this
	// long (an idle timeout, not a deadline: a slow link that keeps
	// sending is never cut). The bytes received are kept. 0 means 60 s.
	ReadIdleTimeout time.Duration

	// Now is the clock. nil means time.Now.
	Now func() time.Time

	// Logger receives the receiver's time-stamped trace (created,
	// completed, rejected, terminated, expired) with upload IDs, sizes and
	// error codes; never metadata. nil means silence.
	Logger *slog.Logger
}

// Receiver is the receiving end of a transfer link: a tus 1.0 server
// (core, creation, creation-with-upload, creation-defer-length,
// termination, concatenation, checksum with sha1 and sha256, expiration)
// that verifies the whole-file SHA-256 carried in the metadata and hands
// each complete instance to a [Sink]. It answers the last PATCH of an upload only after
// the Sink has stored it, so a sender that saw the upload complete knows
// the instance is durable at the receiver.
//
// [Receiver.Serve] runs it with suitable server timeouts; mounted in
// another server, give that server a ReadHeaderTimeout and no ReadTimeout
// (the handler applies its own idle timeout to upload bodies).
type Receiver struct {
	opts ReceiverOptions
	log  *slog.Logger

	mu    sync.Mutex
	locks map[string]chan struct{}
}

var _ http.Handler = (*Receiver)(nil)

// NewReceiver returns a receiver storing uploads in opts.Dir.
func NewReceiver(opts ReceiverOptions) (*Receiver, error) {
	if opts.Dir == "" || opts.Sink == nil {
		return nil, errors.New("transfer: receiver needs a directory and a sink")
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, err
	}
	if opts.BasePath == "" {
		opts.BasePath = "/files/"
	}
	if !strings.HasSuffix(opts.BasePath, "/") {
		opts.BasePath += "/"
	}
	if opts.MaxSize <= 0 {
		opts.MaxSize = 4 << 30
	}
	if opts.Expiration <= 0 {
		opts.Expiration = 24 * time.Hour
	}
	if opts.LockWait <= 0 {
		opts.LockWait = 3 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ReadIdleTimeout <= 0 {
		opts.ReadIdleTimeout = 60 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Receiver{opts: opts, log: log, locks: map[string]chan struct{}{}}, nil
}

// uploadInfo is the durable state of an upload (<id>.json).
type uploadInfo struct {
	Length    int64     `json:"length"` // -1 while deferred
	Offset    int64     `json:"offset"`
	Metadata  Metadata  `json:"metadata,omitempty"`
	Expires   time.Time `json:"expires"`
	Delivered bool      `json:"delivered,omitempty"`
	Partial   bool      `json:"partial,omitempty"` // a part of a concatenation: never delivered alone
	Final     bool      `json:"final,omitempty"`
	// ConsumedBy is, for a part, the final upload made of it: a final
	// request for the same parts, sent again by a sender that crashed
	// before it read the answer, gets that upload instead of a second
	// copy of the instance.
	ConsumedBy string `json:"consumed_by,omitempty"`
}

const extensions = "creation,creation-with-upload,creation-defer-length,termination,concatenation,checksum,expiration"

func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Tus-Resumable", TusVersion)
	method := r.Method
	if m := r.Header.Get("X-HTTP-Method-Override"); m != "" && method == http.MethodPost {
		method = m
	}
	if method == http.MethodOptions {
		h.Set("Tus-Version", TusVersion)
		h.Set("Tus-Extension", extensions)
		h.Set("Tus-Checksum-Algorithm", "sha1,sha256")
		h.Set("Tus-Max-Size", strconv.FormatInt(rc.opts.MaxSize, 10))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Header.Get("Tus-Resumable") != TusVersion {
		h.Set("Tus-Version", TusVersion)
		http.Error(w, "unsupported tus version", http.StatusPreconditionFailed)
		return
	}
	id, ok := strings.CutPrefix(r.URL.Path, rc.opts.BasePath)
	if !ok {
		id, ok = strings.CutPrefix(r.URL.Path, strings.TrimSuffix(rc.opts.BasePath, "/"))
		id = strings.TrimPrefix(id, "/")
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch {
	case id == "" && method == http.MethodPost:
		rc.create(w, r)
	case id == "":
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	case !validID(id):
		http.NotFound(w, r)
	case method == http.MethodHead:
		rc.head(w, r, id)
	case method == http.MethodPatch:
		rc.patch(w, r, id)
	case method == http.MethodDelete:
		rc.terminate(w, r, id)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

func (rc *Receiver) dataPath(id string) string { return filepath.Join(rc.opts.Dir, id) }
func (rc *Receiver) infoPath(id string) string { return filepath.Join(rc.opts.Dir, id+".json") }

// lock serialises requests on one upload, waiting at most LockWait.
func (rc *Receiver) lock(ctx context.Context, id string) (unlock func(), ok bool) {
	rc.mu.Lock()
	ch := rc.locks[id]
	if ch == nil {
		ch = make(chan struct{}, 1)
		rc.locks[id] = ch
	}
	rc.mu.Unlock()
	t := time.NewTimer(rc.opts.LockWait)
	defer t.Stop()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, true
	case <-t.C:
		return nil, false
	case <-ctx.Done():
		return nil, false
	}
}

func (rc *Receiver) readInfo(id string) (*uploadInfo, error) {
	b, err := os.ReadFile(rc.infoPath(id))
	if err != nil {
		return nil, err
	}
	var in uploadInfo
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

func (rc *Receiver) writeInfo(id string, in *uploadInfo) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return writeFileSync(rc.infoPath(id), b)
}

func (rc *Receiver) remove(id string) {
	os.Remove(rc.dataPath(id))
	os.Remove(rc.infoPath(id))
	rc.mu.Lock()
	delete(rc.locks, id)
	rc.mu.Unlock()
}

func (rc *Receiver) create(w http.ResponseWriter, r *http.Request) {
	concat := r.Header.Get("Upload-Concat")
	partial := concat == "partial"
	if concat != "" && !partial && !strings.HasPrefix(concat, "final;") {
		http.Error(w, "invalid Upload-Concat", http.StatusBadRequest)
		return
	}
	meta, err := ParseMetadata(r.Header.Get("Upload-Metadata"))
	if err != nil {
		http.Error(w, "invalid Upload-Metadata", http.StatusBadRequest)
		return
	}
	if d, ok := meta[MetaSHA256]; ok {
		if b, err := hex.DecodeString(d); err != nil || len(b) != sha256.Size {
			http.Error(w, "invalid sha256 metadata", http.StatusBadRequest)
			return
		}
	} else if rc.opts.RequireDigest && !partial {
		http.Error(w, "sha256 metadata required", http.StatusBadRequest)
		return
	}
	in := &uploadInfo{Metadata: meta, Partial: partial, Expires: rc.opts.Now().Add(rc.opts.Expiration).UTC()}
	if strings.HasPrefix(concat, "final;") {
		rc.concatenate(w, r, in, strings.Fields(strings.TrimPrefix(concat, "final;")))
		return
	}
	switch {
	case r.Header.Get("Upload-Defer-Length") == "1" && r.Header.Get("Upload-Length") == "":
		in.Length = -1
	default:
		n, err := strconv.ParseInt(r.Header.Get("Upload-Length"), 10, 64)
		if err != nil || n < 0 {
			http.Error(w, "invalid Upload-Length", http.StatusBadRequest)
			return
		}
		in.Length = n
	}
	if in.Length > rc.opts.MaxSize {
		http.Error(w, "upload too large", http.StatusRequestEntityTooLarge)
		return
	}
	var b [16]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	f, err := os.OpenFile(rc.dataPath(id), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		rc.fail(w, "create", err)
		return
	}
	f.Close()
	if err := rc.writeInfo(id, in); err != nil {
		rc.remove(id)
		rc.fail(w, "create", err)
		return
	}
	rc.log.Info("upload created", "upload", id, "length", in.Length)
	w.Header().Set("Location", rc.opts.BasePath+id)
	w.Header().Set("Upload-Expires", in.Expires.Format(http.TimeFormat))
	if in.Length == 0 {
		// Nothing to send: the upload is complete at creation.
		unlock, ok := rc.lock(r.Context(), id)
		if !ok {
			http.Error(w, "locked", http.StatusLocked)
			return
		}
		defer unlock()
		status, msg := rc.finish(r.Context(), id, in)
		rc.answerFinish(w, status, msg, in, http.StatusCreated)
		return
	}
	if r.Header.Get("Content-Type") == "application/offset+octet-stream" {
		unlock, ok := rc.lock(r.Context(), id)
		if !ok {
			http.Error(w, "locked", http.StatusLocked)
			return
		}
		defer unlock()
		rc.write(w, r, id, in, http.StatusCreated)
		return
	}
	w.Header().Set("Upload-Offset", "0")
	w.WriteHeader(http.StatusCreated)
}

// fail answers 500 for a local failure (disk, sink).
func (rc *Receiver) fail(w http.ResponseWriter, what string, err error) {
	rc.log.Error("receiver failure", "op", what, "err", err)
	http.Error(w, "receiver failure", http.StatusInternalServerError)
}

// load reads the state of an upload, answering 404/410 when there is none
// or it expired.
func (rc *Receiver) load(w http.ResponseWriter, id string) (*uploadInfo, bool) {
	in, err := rc.readInfo(id)
	if err != nil {
		http.NotFound(w, nil)
		return nil, false
	}
	if !in.Delivered && rc.opts.Now().After(in.Expires) {
		rc.remove(id)
		rc.log.Info("upload expired", "upload", id)
		http.Error(w, "upload expired", http.StatusGone)
		return nil, false
	}
	return in, true
}

func (rc *Receiver) head(w http.ResponseWriter, r *http.Request, id string) {
	unlock, ok := rc.lock(r.Context(), id)
	if !ok {
		w.WriteHeader(http.StatusLocked)
		return
	}
	defer unlock()
	in, ok := rc.load(w, id)
	if !ok {
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Upload-Offset", strconv.FormatInt(in.Offset, 10))
	if in.Length < 0 {
		h.Set("Upload-Defer-Length", "1")
	} else {
		h.Set("Upload-Length", strconv.FormatInt(in.Length, 10))
	}
	if m, err := EncodeMetadata(in.Metadata); err == nil && m != "" {
		h.Set("Upload-Metadata", m)
	}
	if !in.Delivered {
		h.Set("Upload-Expires", in.Expires.Format(http.TimeFormat))
	}
	w.WriteHeader(http.StatusOK)
}

func (rc *Receiver) terminate(w http.ResponseWriter, r *http.Request, id string) {
	unlock, ok := rc.lock(r.Context(), id)
	if !ok {
		w.WriteHeader(http.StatusLocked)
		return
	}
	defer unlock()
	if _, err := rc.readInfo(id); err != nil {
		http.NotFound(w, r)
		return
	}
	rc.remove(id)
	rc.log.Info("upload terminated", "upload", id)
	w.WriteHeader(http.StatusNoContent)
}

func (rc *Receiver) patch(w http.ResponseWriter, r *http.Request, id string) {
	if r.Header.Get("Content-Type") != "application/offset+octet-stream" {
		http.Error(w, "Content-Type must be application/offset+octet-stream", http.StatusUnsupportedMediaType)
		return
	}
	unlock, ok := rc.lock(r.Context(), id)
	if !ok {
		http.Error(w, "locked", http.StatusLocked)
		return
	}
	defer unlock()
	in, ok := rc.load(w, id)
	if !ok {
		return
	}
	off, err := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || off < 0 {
		http.Error(w, "invalid Upload-Offset", http.StatusBadRequest)
		return
	}
	if off != in.Offset {
		w.Header().Set("Upload-Offset", strconv.FormatInt(in.Offset, 10))
		http.Error(w, "offset mismatch", http.StatusConflict)
		return
	}
	if in.Delivered {
		// A repeat of the last PATCH whose answer was lost.
		w.Header().Set("Upload-Offset", strconv.FormatInt(in.Offset, 10))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if l := r.Header.Get("Upload-Length"); l != "" && in.Length < 0 {
		n, err := strconv.ParseInt(l, 10, 64)
		if err != nil || n < in.Offset {
			http.Error(w, "invalid Upload-Length", http.StatusBadRequest)
			return
		}
		if n > rc.opts.MaxSize {
			http.Error(w, "upload too large", http.StatusRequestEntityTooLarge)
			return
		}
		in.Length = n
	}
	rc.write(w, r, id, in, http.StatusNoContent)
}

// parseChecksum parses an Upload-Checksum header.
func parseChecksum(v string) (hash.Hash, []byte, error) {
	algo, sum, ok := strings.Cut(v, " ")
	if !ok {
		return nil, nil, errors.New("malformed Upload-Checksum")
	}
	want, err := base64.StdEncoding.DecodeString(sum)
	if err != nil {
		return nil, nil, errors.New("malformed Upload-Checksum")
	}
	var h hash.Hash
	switch algo {
	case "sha1":
		h = sha1.New()
	case "sha256":
		h = sha256.New()
	default:
		return nil, nil, errors.New("unsupported checksum algorithm")
	}
	if len(want) != h.Size() {
		return nil, nil, errors.New("malformed Upload-Checksum")
	}
	return h, want, nil
}

// write appends the request body at in.Offset, durably, then finishes the
// upload if it is complete. The lock is held.
func (rc *Receiver) write(w http.ResponseWriter, r *http.Request, id string, in *uploadInfo, okStatus int) {
	var sum hash.Hash
	var want []byte
	if v := r.Header.Get("Upload-Checksum"); v != "" {
		var err error
		if sum, want, err = parseChecksum(v); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	limit := rc.opts.MaxSize - in.Offset
	if in.Length >= 0 {
		limit = in.Length - in.Offset
	}
	f, err := os.OpenFile(rc.dataPath(id), os.O_WRONLY, 0)
	if err != nil {
		rc.fail(w, "open", err)
		return
	}
	defer f.Close()
	// Bytes past the confirmed offset are leftovers of a crash; drop them.
	if err := f.Truncate(in.Offset); err != nil {
		rc.fail(w, "truncate", err)
		return
	}
	body := &idleBody{r: r.Body, rc: http.NewResponseController(w), idle: rc.opts.ReadIdleTimeout}
	var src io.Reader = io.LimitReader(body, limit+1)
	if sum != nil {
		src = io.TeeReader(src, sum)
	}
	n, copyErr := io.Copy(io.NewOffsetWriter(f, in.Offset), src)
	if n > limit {
		f.Truncate(in.Offset)
		http.Error(w, "body exceeds Upload-Length", http.StatusRequestEntityTooLarge)
		return
	}
	if sum != nil && (copyErr != nil || subtle.ConstantTimeCompare(sum.Sum(nil), want) != 1) {
		// A checksummed chunk is all or nothing.
		f.Truncate(in.Offset)
		if copyErr != nil {
			return // the client is gone
		}
		http.Error(w, "checksum mismatch", 460)
		return
	}
	// Without a checksum, keep what arrived of a cut body: the sender
	// resumes from there (tus core semantics).
	if err := f.Sync(); err != nil {
		rc.fail(w, "sync", err)
		return
	}
	prev := in.Offset
	in.Offset += n
	if err := rc.writeInfo(id, in); err != nil {
		rc.fail(w, "info", err)
		return
	}
	if copyErr != nil {
		return // the client is gone; the bytes are kept
	}
	w.Header().Set("Upload-Offset", strconv.FormatInt(in.Offset, 10))
	if in.Length >= 0 && in.Offset == in.Length && !in.Partial {
		status, msg := rc.finish(r.Context(), id, in)
		if status >= 500 {
			// Delivery failed: un-confirm the chunk so the sender
			// sends it again and delivery is retried.
			in.Offset = prev
			f.Truncate(prev)
			if err := rc.writeInfo(id, in); err != nil {
				rc.fail(w, "info", err)
				return
			}
			w.Header().Set("Upload-Offset", strconv.FormatInt(prev, 10))
		}
		rc.answerFinish(w, status, msg, in, okStatus)
		return
	}
	if okStatus == http.StatusNoContent {
		w.Header().Set("Upload-Expires", in.Expires.Format(http.TimeFormat))
	}
	w.WriteHeader(okStatus)
}

func (rc *Receiver) answerFinish(w http.ResponseWriter, status int, msg string, in *uploadInfo, okStatus int) {
	if status == 0 {
		w.Header().Set("Upload-Offset", strconv.FormatInt(in.Offset, 10))
		w.WriteHeader(okStatus)
		return
	}
	http.Error(w, msg, status)
}

// finish verifies the whole-file digest and hands the instance to the
// Sink. It returns 0 on success, 460 on a digest mismatch and 422 on a
// permanent refusal of the Sink (the upload is dropped in both cases), 503
// when the Sink failed otherwise (the caller un-confirms).
func (rc *Receiver) finish(ctx context.Context, id string, in *uploadInfo) (int, string) {
	f, err := os.Open(rc.dataPath(id))
	if err != nil {
		rc.log.Error("receiver failure", "op", "finish", "err", err)
		return http.StatusInternalServerError, "receiver failure"
	}
	defer f.Close()
	if want, ok := in.Metadata[MetaSHA256]; ok {
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return http.StatusInternalServerError, "receiver failure"
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != strings.ToLower(want) {
			rc.log.Warn("upload rejected", "upload", id, "code", string(CodeDigestMismatch), "length", in.Length)
			f.Close()
			rc.remove(id)
			return 460, "digest mismatch: the file differs from the sha256 metadata"
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return http.StatusInternalServerError, "receiver failure"
		}
	}
	if err := rc.opts.Sink.Store(ctx, f); err != nil && rc.opts.Reject != nil && rc.opts.Reject(err) {
		rc.log.Warn("upload rejected", "upload", id, "code", string(CodeRejected), "errtype", fmt.Sprintf("%T", err))
		f.Close()
		rc.remove(id)
		return http.StatusUnprocessableEntity, "the archive refused the instance"
	} else if err != nil {
		// The error's text comes from the archive and could name a
		// patient: log its type only.
		rc.log.Error("sink failed", "upload", id, "errtype", fmt.Sprintf("%T", err))
		return http.StatusServiceUnavailable, "archive unavailable"
	}
	in.Delivered = true
	if err := rc.writeInfo(id, in); err != nil {
		rc.log.Error("receiver failure", "op", "info", "err", err)
	}
	os.Truncate(rc.dataPath(id), 0) // the Sink holds the bytes now
	rc.log.Info("upload completed", "upload", id, "length", in.Length)
	return 0, ""
}

// Sweep removes expired unfinished uploads and delivered uploads past
// their expiry, and returns how many it removed. Call it periodically.
func (rc *Receiver) Sweep(ctx context.Context) (int, error) {
	entries, err := os.ReadDir(rc.opts.Dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !validID(id) {
			continue
		}
		unlock, ok := rc.lock(ctx, id)
		if !ok {
			continue
		}
		in, err := rc.readInfo(id)
		if err == nil && rc.opts.Now().After(in.Expires) {
			rc.remove(id)
			rc.log.Info("upload expired", "upload", id)
			n++
		}
		unlock()
	}
	return n, nil
}

// String describes the receiver for logs.
func (rc *Receiver) String() string {
	return fmt.Sprintf("tus receiver at %s", rc.opts.BasePath)
}

// idleBody extends the connection's read deadline before each read, so
// that a stalled sender is dropped after the idle timeout while a slow one
// is not.
type idleBody struct {
	r    io.Reader
	rc   *http.ResponseController
	idle time.Duration
}

func (b *idleBody) Read(p []byte) (int, error) {
	_ = b.rc.SetReadDeadline(time.Now().Add(b.idle)) // unsupported writers: no deadline
	return b.r.Read(p)
}

// Serve answers tus requests on ln until ctx ends, then shuts down
// gracefully (in-flight requests get 10 s). It sweeps expired uploads
// every hour. Bind ln to the address the deployment needs; tests and the
// CLI default use 127.0.0.1.
func (rc *Receiver) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           rc,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		select {
		case err := <-errc:
			return err
		case <-tick.C:
			rc.Sweep(ctx)
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			err := srv.Shutdown(sctx)
			<-errc
			return err
		}
	}
}

// concatenate creates a final upload from complete partial uploads
// (concatenation extension), then verifies and delivers it like any
// completed upload. The parts stay until the final upload is delivered, so
// that a sender whose final request failed can send it again.
func (rc *Receiver) concatenate(w http.ResponseWriter, r *http.Request, in *uploadInfo, parts []string) {
	if len(parts) == 0 || len(parts) > 1000 {
		http.Error(w, "invalid Upload-Concat", http.StatusBadRequest)
		return
	}
	ids := make([]string, len(parts))
	consumed := ""
	for i, p := range parts {
		ids[i] = p[strings.LastIndex(p, "/")+1:]
		if !validID(ids[i]) {
			http.Error(w, "invalid partial upload in Upload-Concat", http.StatusBadRequest)
			return
		}
		unlock, ok := rc.lock(r.Context(), ids[i])
		if !ok {
			http.Error(w, "locked", http.StatusLocked)
			return
		}
		defer unlock()
		pi, err := rc.readInfo(ids[i])
		if err != nil || !pi.Partial || pi.Length < 0 || pi.Offset != pi.Length {
			http.Error(w, "partial upload missing or incomplete", http.StatusBadRequest)
			return
		}
		if i == 0 {
			consumed = pi.ConsumedBy
		} else if pi.ConsumedBy != consumed {
			http.Error(w, "partial upload already concatenated", http.StatusBadRequest)
			return
		}
		in.Length += pi.Length
	}
	if consumed != "" {
		// The same final request again: answer with the upload it made,
		// if it is the same one (same parts, same length and metadata).
		fi, err := rc.readInfo(consumed)
		if err != nil || !fi.Final || !fi.Delivered || fi.Length != in.Length || !maps.Equal(fi.Metadata, in.Metadata) {
			http.Error(w, "partial upload already concatenated", http.StatusBadRequest)
			return
		}
		rc.log.Info("concatenation repeated", "upload", consumed)
		w.Header().Set("Location", rc.opts.BasePath+consumed)
		w.Header().Set("Upload-Offset", strconv.FormatInt(fi.Offset, 10))
		w.WriteHeader(http.StatusCreated)
		return
	}
	if in.Length > rc.opts.MaxSize {
		http.Error(w, "upload too large", http.StatusRequestEntityTooLarge)
		return
	}
	var b [16]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	unlock, ok := rc.lock(r.Context(), id)
	if !ok {
		http.Error(w, "locked", http.StatusLocked)
		return
	}
	defer unlock()
	if err := rc.joinParts(id, ids); err != nil {
		rc.remove(id)
		rc.fail(w, "concatenate", err)
		return
	}
	in.Final, in.Offset = true, in.Length
	if err := rc.writeInfo(id, in); err != nil {
		rc.remove(id)
		rc.fail(w, "info", err)
		return
	}
	rc.log.Info("upload created", "upload", id, "length", in.Length, "parts", len(ids))
	status, msg := rc.finish(r.Context(), id, in)
	if status != 0 {
		if status >= 500 {
			rc.remove(id) // the parts remain: the sender may ask again
		}
		http.Error(w, msg, status)
		return
	}
	// The parts are kept, emptied, until they expire: their info
	// answers a repeated final request.
	for _, p := range ids {
		pi, err := rc.readInfo(p)
		if err != nil {
			continue
		}
		pi.ConsumedBy = id
		if pi.Expires.Before(in.Expires) {
			pi.Expires = in.Expires
		}
		if err := rc.writeInfo(p, pi); err != nil {
			rc.remove(p)
			continue
		}
		os.Truncate(rc.dataPath(p), 0)
	}
	w.Header().Set("Location", rc.opts.BasePath+id)
	w.Header().Set("Upload-Offset", strconv.FormatInt(in.Offset, 10))
	w.WriteHeader(http.StatusCreated)
}

// joinParts writes the data of the parts, in order, as upload id.
func (rc *Receiver) joinParts(id string, parts []string) error {
	f, err := os.OpenFile(rc.dataPath(id), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range parts {
		src, err := os.Open(rc.dataPath(p))
		if err != nil {
			return err
		}
		_, err = io.Copy(f, src)
		src.Close()
		if err != nil {
			return err
		}
	}
	return f.Sync()
}
