package transfer

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TusVersion is the only tus protocol version spoken.
const TusVersion = "1.0.0"

// maxParts bounds the parts of a concatenation (and what a journal line
// may claim).
const maxParts = 64

// ClientOptions configures a [Client]. The zero value is usable.
type ClientOptions struct {
	// HTTPClient sends every request. nil means [DefaultHTTPClient]. Its
	// Timeout should be zero: IdleTimeout is the guard.
	HTTPClient *http.Client

	// ChunkSize is the number of bytes per PATCH. 0 means 8 MiB. A 413
	// answer halves it, down to MinChunkSize. It is also the most bytes
	// re-sent after a fault, so it trades throughput for resume cost.
	ChunkSize int64

	// MinChunkSize is the floor of the 413 halving. 0 means 64 KiB.
	MinChunkSize int64

	// IdleTimeout cancels a request during which no byte moved (upload
	// body or response) for this long. 0 means 30 s. There is no total
	// deadline: a 300 MB study over a slow link may take an hour and that
	// is fine as long as it progresses.
	IdleTimeout time.Duration

	// Retry bounds retries; its zero value is usable.
	Retry RetryPolicy

	// Checksum selects the per-PATCH Upload-Checksum algorithm: "" picks
	// sha256 when the server advertises it, else sha1, else none;
	// "sha256" or "sha1" require the server to advertise it; "none" never
	// sends one.
	Checksum string

	// Authenticate, when set, is called on every request before it is
	// sent, to add a bearer token, basic auth or a signature.
	Authenticate func(*http.Request) error

	// Limiter, when set, caps the bytes per second sent through this
	// client (share it to cap several clients together).
	Limiter Limiter

	// MaxRestarts is how many times an upload that vanished on the server
	// (404/410, expiration) is restarted from zero. 0 means 3.
	MaxRestarts int

	// Parts, above 1, sends an upload of at least PartThreshold bytes as
	// that many partial uploads in parallel, concatenated by the server
	// (concatenation extension), when the server advertises it; otherwise
	// the upload is plain. It helps one large object (a 1 GB breast
	// tomosynthesis) fill a long fat link. A [Sender] with a [Journal]
	// journals each part's URL and offsets, so a crash resumes the parts
	// where they were; a direct [Client.Upload] with CreateEmpty and no
	// [Upload.Parts] stays plain, since its caller could not journal the
	// parts. 0 means 1; at most 64.
	Parts int

	// PartThreshold is the smallest upload sent as Parts parts. 0 means
	// Parts×ChunkSize, so that each part is at least one chunk.
	PartThreshold int64

	// Logger receives debug records (codes, offsets, never metadata). nil
	// means silence.
	Logger *slog.Logger
}

// Client is a tus 1.0 client for one creation endpoint. It is safe for
// concurrent use; each [Client.Upload] call is independent.
type Client struct {
	endpoint *url.URL
	rq       requester
	opts     ClientOptions
	log      *slog.Logger

	mu   sync.Mutex
	caps *Capabilities
}

// NewClient returns a client for the tus creation endpoint (for tusd,
// "http://host:port/files/"). The URL must be absolute http or https.
func NewClient(endpoint string, opts ClientOptions) (*Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, newError(CodeRejected, 0, "endpoint must be an absolute http(s) URL", err)
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 8 << 20
	}
	if opts.MinChunkSize <= 0 {
		opts.MinChunkSize = 64 << 10
	}
	opts.MinChunkSize = min(opts.MinChunkSize, opts.ChunkSize)
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 30 * time.Second
	}
	opts.Retry = opts.Retry.withDefaults()
	opts.Parts = min(max(opts.Parts, 1), maxParts)
	if opts.PartThreshold <= 0 {
		opts.PartThreshold = int64(opts.Parts) * opts.ChunkSize
	}
	if opts.MaxRestarts <= 0 {
		opts.MaxRestarts = 3
	}
	switch opts.Checksum {
	case "", "none", "sha1", "sha256":
	default:
		return nil, newError(CodeUnsupported, 0, "checksum algorithm "+strconv.Quote(opts.Checksum), nil)
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = DefaultHTTPClient()
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{endpoint: u, opts: opts, log: log,
		rq: requester{hc: hc, idle: opts.IdleTimeout, limiter: opts.Limiter, auth: opts.Authenticate}}, nil
}

// Capabilities is what a tus server advertises in its OPTIONS answer.
type Capabilities struct {
	Versions           []string
	Extensions         []string
	ChecksumAlgorithms []string
	MaxSize            int64 // 0 when not advertised
}

// Has reports whether the server advertises the extension.
func (c Capabilities) Has(ext string) bool { return slices.Contains(c.Extensions, ext) }

// Capabilities asks the server (OPTIONS) once and caches the answer. A
// server that does not answer OPTIONS is assumed to speak core tus and
// creation only.
func (c *Client) Capabilities(ctx context.Context) (Capabilities, error) {
	c.mu.Lock()
	if c.caps != nil {
		defer c.mu.Unlock()
		return *c.caps, nil
	}
	c.mu.Unlock()
	var resp *response
	for attempt := 1; ; attempt++ {
		var err error
		resp, err = c.roundTrip(ctx, http.MethodOptions, c.endpoint.String(), nil, nil, 0)
		if err == nil && resp.status/100 == 5 {
			err = statusError(resp, "OPTIONS")
		}
		if err == nil {
			break
		}
		if !retryable(err) || ctx.Err() != nil {
			return Capabilities{}, err
		}
		if attempt >= c.opts.Retry.MaxAttempts {
			return Capabilities{}, newError(CodeExhausted, 0, "OPTIONS", err)
		}
		if err := sleep(ctx, c.opts.Retry.backoff(attempt)); err != nil {
			return Capabilities{}, err
		}
	}
	var caps Capabilities
	if resp.status/100 == 2 {
		caps = Capabilities{
			Versions:           splitList(resp.header.Get("Tus-Version")),
			Extensions:         splitList(resp.header.Get("Tus-Extension")),
			ChecksumAlgorithms: splitList(resp.header.Get("Tus-Checksum-Algorithm")),
		}
		caps.MaxSize, _ = strconv.ParseInt(resp.header.Get("Tus-Max-Size"), 10, 64)
	} else {
		caps = Capabilities{Versions: []string{TusVersion}, Extensions: []string{"creation"}}
	}
	if len(caps.Versions) > 0 && !slices.Contains(caps.Versions, TusVersion) {
		return Capabilities{}, newError(CodeUnsupported, 0, "server does not speak tus "+TusVersion, nil)
	}
	c.mu.Lock()
	c.caps = &caps
	c.mu.Unlock()
	return caps, nil
}

func splitList(h string) []string {
	var out []string
	for s := range strings.SplitSeq(h, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Upload is one file to send. URL is empty for a new upload and is set by
// [Client.Upload] as soon as the server has created one; a caller that
// persists it (through OnOffset) can resume after a crash by passing it
// back.
type Upload struct {
	// URL of the upload on the server; "" creates one.
	URL string
	// Body holds the Size bytes to send.
	Body io.ReaderAt
	Size int64
	// Metadata travels in Upload-Metadata at creation.
	Metadata Metadata
	// OnOffset, when set, is called whenever the server confirms an
	// offset (including 0 right after creation, with the new URL, and
	// again with "" if the upload vanished and is restarted). An error
	// aborts the upload. This is where a journal records progress: only
	// offsets the server confirmed are reported.
	OnOffset func(url string, offset int64) error
	// OnBytes, when set, is called as body bytes leave (sent, not yet
	// confirmed), for progress display.
	OnBytes func(n int)
	// CreateEmpty creates the upload without data even when the server
	// offers creation-with-upload, so that the URL is known (and can be
	// journalled) before any byte is sent: a crash between creation and
	// the journal write then leaves an empty orphan, never a complete
	// duplicate.
	CreateEmpty bool

	// Parts, when set, sends the upload by concatenation: each part is an
	// Upload of a contiguous section of Body (URL set when resuming one,
	// OnOffset to journal it), in order, their sizes summing to Size; the
	// client fills in Body and sends them in parallel, then asks the
	// server to concatenate them. The server must advertise
	// concatenation. [Client.Upload] makes parts itself for large uploads
	// when [ClientOptions.Parts] asks for them.
	Parts []*Upload
	// OnConcat, when set, is called once every part is complete, before
	// the final concatenation request, whose outcome a crash would leave
	// unknown: a journal records here that resuming must send it again.
	// An error aborts.
	OnConcat func(partURLs []string) error

	concat string // Upload-Concat of the creation: "partial" for a part
	fresh  bool   // URL was created empty by this process: offset 0, no HEAD needed
}

// UploadStats describes what an upload cost.
type UploadStats struct {
	BytesSent int64 // body bytes written to the network, including re-sends
	Requests  int   // HTTP requests made
	Faults    int   // failed attempts (retried)
	Restarts  int   // uploads restarted from zero after 404/410
}

// Upload sends u until the server confirms all of it, resuming from the
// server's offset after every fault: the server's offset is the truth, so
// after any error whose outcome is unknown the client asks (HEAD) instead of
// assuming. It returns nil only once the server reported Upload-Offset
// equal to Size.
func (c *Client) Upload(ctx context.Context, u *Upload) (UploadStats, error) {
	var st UploadStats
	if u.Size < 0 || (u.Size > 0 && u.Body == nil) {
		return st, newError(CodeRejected, 0, "upload needs a body and a size", nil)
	}
	caps, err := c.Capabilities(ctx)
	st.Requests++
	if err != nil {
		return st, err
	}
	if caps.MaxSize > 0 && u.Size > caps.MaxSize {
		return st, newError(CodeTooLarge, 0, fmt.Sprintf("upload of %d bytes over the server's maximum %d", u.Size, caps.MaxSize), nil)
	}
	algo, err := c.pickChecksum(caps)
	if err != nil {
		return st, err
	}
	if len(u.Parts) > 0 {
		if !caps.Has("concatenation") {
			return st, newError(CodeUnsupported, 0, "server does not advertise concatenation", nil)
		}
		return c.uploadConcat(ctx, u, st)
	}
	if c.UsesParts(caps, u.Size) && u.URL == "" && !u.CreateEmpty && u.concat == "" {
		u.Parts = NewParts(u.Size, c.opts.Parts)
		return c.uploadConcat(ctx, u, st)
	}
	chunk := c.opts.ChunkSize
	offset := int64(-1) // unknown: ask the server
	if u.fresh && u.URL != "" {
		offset = 0
	}
	attempts := 0
	var lastErr error
	// refused is the answer of a server that received the last byte but
	// refused the completion (for tusd, a failing finish hook; for the
	// radkit receiver, a digest mismatch): a later HEAD showing the full
	// offset must not turn it into success.
	var refused *Error
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		var step error
		switch {
		case u.URL == "":
			var first int64
			if caps.Has("creation-with-upload") && !u.CreateEmpty {
				first = min(chunk, u.Size)
			}
			var got int64
			got, step = c.create(ctx, u, caps, algo, first, &st)
			if step == nil {
				offset = got
				if u.OnOffset != nil {
					if err := u.OnOffset(u.URL, offset); err != nil {
						return st, err
					}
				}
			}
		case offset < 0:
			var got int64
			got, step = c.head(ctx, u, &st)
			if step == nil {
				offset = got
			}
		case offset == u.Size:
			if refused != nil {
				code := CodeRejected
				if refused.Code == CodeChecksumMismatch {
					code = CodeDigestMismatch
				}
				return st, newError(code, refused.Status, "server refused the completed upload", refused)
			}
			return st, nil
		default:
			n := min(chunk, u.Size-offset)
			var got int64
			got, step = c.patch(ctx, u, offset, n, algo, &st)
			if step == nil {
				refused = nil
				if got > offset {
					attempts = 0
				} else if attempts++; attempts >= c.opts.Retry.MaxAttempts {
					// A server that accepts PATCHes without taking a
					// byte must not hold the client forever.
					return st, newError(CodeExhausted, 0, fmt.Sprintf("%d PATCHes without progress", attempts), nil)
				}
				offset = got
				if u.OnOffset != nil {
					if err := u.OnOffset(u.URL, offset); err != nil {
						return st, err
					}
				}
			}
		}
		if step == nil {
			continue
		}
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		lastErr = step
		st.Faults++
		var e *Error
		if !errors.As(step, &e) {
			return st, step
		}
		c.log.Debug("tus fault", "code", string(e.Code), "status", e.Status, "offset", offset)
		if u.URL != "" && offset >= 0 { // a PATCH failed
			refused = nil
			if e.Status != 0 && offset+min(chunk, u.Size-offset) == u.Size {
				refused = e
			}
		}
		switch {
		case e.Code == CodeGone && refused != nil && refused.Code == CodeChecksumMismatch:
			// The receiver checked the whole file, found it wrong and
			// dropped it: sending the same bytes again cannot help.
			return st, newError(CodeDigestMismatch, refused.Status, "receiver rejected the file's digest", refused)
		case e.Code == CodeGone:
			if st.Restarts >= c.opts.MaxRestarts {
				return st, newError(CodeExhausted, e.Status, "upload vanished too many times", step)
			}
			st.Restarts++
			u.URL, offset, refused = "", -1, nil
			if u.OnOffset != nil {
				if err := u.OnOffset("", 0); err != nil {
					return st, err
				}
			}
			continue
		case e.Code == CodeTooLarge && offset >= 0 && u.URL != "":
			if chunk <= c.opts.MinChunkSize {
				return st, step
			}
			chunk = max(chunk/2, c.opts.MinChunkSize)
			continue
		case e.Code == CodeTooLarge && u.URL == "" && caps.Has("creation-with-upload") && chunk > c.opts.MinChunkSize:
			chunk = max(chunk/2, c.opts.MinChunkSize)
			continue
		case !retryable(step):
			return st, step
		}
		attempts++
		if attempts >= c.opts.Retry.MaxAttempts {
			return st, newError(CodeExhausted, e.Status, fmt.Sprintf("%d attempts without progress", attempts), lastErr)
		}
		if u.URL != "" {
			offset = -1 // the outcome is unknown: the server's offset is the truth
		}
		if e.Code != CodeOffsetMismatch {
			if err := sleep(ctx, c.opts.Retry.backoff(attempts)); err != nil {
				return st, err
			}
		}
	}
}

func (c *Client) pickChecksum(caps Capabilities) (string, error) {
	switch c.opts.Checksum {
	case "none":
		return "", nil
	case "":
		if !caps.Has("checksum") {
			return "", nil
		}
		for _, a := range []string{"sha256", "sha1"} {
			if slices.Contains(caps.ChecksumAlgorithms, a) {
				return a, nil
			}
		}
		return "", nil
	default:
		if !caps.Has("checksum") || !slices.Contains(caps.ChecksumAlgorithms, c.opts.Checksum) {
			return "", newError(CodeUnsupported, 0, "server does not advertise checksum "+c.opts.Checksum, nil)
		}
		return c.opts.Checksum, nil
	}
}

func checksumHeader(algo string, b []byte) string {
	h, _ := sectionChecksum(algo, bytes.NewReader(b), 0, int64(len(b)))
	return h
}

// sectionChecksum returns the Upload-Checksum of n bytes of r at off. The
// chunk is read twice (hash, then send) rather than held in memory: the
// second read comes from the page cache, and the sender needs no buffer
// per file in flight.
func sectionChecksum(algo string, r io.ReaderAt, off, n int64) (string, error) {
	var h hash.Hash
	switch algo {
	case "sha1":
		h = sha1.New()
	case "sha256":
		h = sha256.New()
	default:
		return "", nil
	}
	if _, err := io.Copy(h, io.NewSectionReader(r, off, n)); err != nil {
		return "", fmt.Errorf("transfer: reading source: %w", err)
	}
	return algo + " " + base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

// section is n bytes of the source at off, failing with
// io.ErrUnexpectedEOF if the source is shorter than it claimed (it shrank
// under the upload), so that a short body is never sent as complete.
func section(r io.ReaderAt, off, n int64) io.Reader {
	return &exactReader{r: io.NewSectionReader(r, off, n), left: n}
}

type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// Create creates u on the server without sending data and sets u.URL, so
// that the caller can record the URL durably before sending a byte: a crash
// between the two leaves an empty orphan upload, never a duplicate. A
// following [Client.Upload] of u starts at offset 0 without asking.
// Failures are retried like any request.
func (c *Client) Create(ctx context.Context, u *Upload) error {
	if u.Size < 0 {
		return newError(CodeRejected, 0, "negative size", nil)
	}
	caps, err := c.Capabilities(ctx)
	if err != nil {
		return err
	}
	if caps.MaxSize > 0 && u.Size > caps.MaxSize {
		return newError(CodeTooLarge, 0, fmt.Sprintf("upload of %d bytes over the server's maximum %d", u.Size, caps.MaxSize), nil)
	}
	var st UploadStats
	for attempt := 1; ; attempt++ {
		_, err := c.create(ctx, u, caps, "", 0, &st)
		if err == nil {
			u.fresh = true
			return nil
		}
		if !retryable(err) || ctx.Err() != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if attempt >= c.opts.Retry.MaxAttempts {
			return newError(CodeExhausted, 0, "creation", err)
		}
		if err := sleep(ctx, c.opts.Retry.backoff(attempt)); err != nil {
			return err
		}
	}
}

// create POSTs a new upload, with its first n bytes when n > 0
// (creation-with-upload), and returns the offset the server confirmed.
func (c *Client) create(ctx context.Context, u *Upload, caps Capabilities, algo string, n int64, st *UploadStats) (int64, error) {
	if !caps.Has("creation") {
		return 0, newError(CodeUnsupported, 0, "server does not advertise creation", nil)
	}
	meta, err := EncodeMetadata(u.Metadata)
	if err != nil {
		return 0, err
	}
	h := http.Header{}
	h.Set("Upload-Length", strconv.FormatInt(u.Size, 10))
	if u.concat != "" {
		h.Set("Upload-Concat", u.concat)
	}
	if meta != "" {
		h.Set("Upload-Metadata", meta)
	}
	var rd io.Reader
	if n > 0 {
		h.Set("Content-Type", "application/offset+octet-stream")
		if algo != "" {
			sum, err := sectionChecksum(algo, u.Body, 0, n)
			if err != nil {
				return 0, err
			}
			h.Set("Upload-Checksum", sum)
		}
		rd = section(u.Body, 0, n)
	}
	st.Requests++
	resp, err := c.roundTripCounted(ctx, http.MethodPost, c.endpoint.String(), h, rd, n, u, st)
	if err != nil {
		return 0, err
	}
	if resp.status != http.StatusCreated {
		return 0, statusError(resp, "creation")
	}
	loc := resp.header.Get("Location")
	if loc == "" {
		return 0, newError(CodeProtocol, resp.status, "creation answered without Location", nil)
	}
	ref, err := url.Parse(loc)
	if err != nil {
		return 0, newError(CodeProtocol, resp.status, "invalid Location", err)
	}
	abs := c.endpoint.ResolveReference(ref)
	if abs.Scheme != "http" && abs.Scheme != "https" {
		return 0, newError(CodeProtocol, resp.status, "Location is not http(s)", nil)
	}
	u.URL = abs.String()
	var off int64
	if n > 0 {
		if v := resp.header.Get("Upload-Offset"); v != "" {
			off, err = strconv.ParseInt(v, 10, 64)
			if err != nil || off < 0 || off > n {
				return 0, newError(CodeProtocol, resp.status, "invalid Upload-Offset after creation", err)
			}
		}
	}
	return off, nil
}

// head asks the server for the upload's offset.
func (c *Client) head(ctx context.Context, u *Upload, st *UploadStats) (int64, error) {
	st.Requests++
	resp, err := c.roundTrip(ctx, http.MethodHead, u.URL, nil, nil, 0)
	if err != nil {
		return 0, err
	}
	if resp.status != http.StatusOK && resp.status != http.StatusNoContent {
		return 0, statusError(resp, "HEAD")
	}
	off, err := strconv.ParseInt(resp.header.Get("Upload-Offset"), 10, 64)
	if err != nil || off < 0 || off > u.Size {
		return 0, newError(CodeProtocol, resp.status, "invalid Upload-Offset", err)
	}
	if l := resp.header.Get("Upload-Length"); l != "" {
		n, err := strconv.ParseInt(l, 10, 64)
		if err != nil || n != u.Size {
			// Not our upload any more (or never was): start afresh.
			return 0, newError(CodeGone, resp.status, "upload length differs from the source", err)
		}
	}
	return off, nil
}

// patch sends n bytes at offset and returns the offset the server
// confirmed.
func (c *Client) patch(ctx context.Context, u *Upload, offset, n int64, algo string, st *UploadStats) (int64, error) {
	h := http.Header{}
	h.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	h.Set("Content-Type", "application/offset+octet-stream")
	if algo != "" {
		sum, err := sectionChecksum(algo, u.Body, offset, n)
		if err != nil {
			return 0, err
		}
		h.Set("Upload-Checksum", sum)
	}
	st.Requests++
	resp, err := c.roundTripCounted(ctx, http.MethodPatch, u.URL, h, section(u.Body, offset, n), n, u, st)
	if err != nil {
		return 0, err
	}
	if resp.status != http.StatusNoContent && resp.status != http.StatusOK {
		return 0, statusError(resp, "PATCH")
	}
	got, err := strconv.ParseInt(resp.header.Get("Upload-Offset"), 10, 64)
	if err != nil || got < offset || got > offset+n {
		return 0, newError(CodeProtocol, resp.status, "invalid Upload-Offset after PATCH", err)
	}
	return got, nil
}

// Terminate deletes an upload (termination extension) so that the server
// frees its space. An upload that is already gone is not an error.
func (c *Client) Terminate(ctx context.Context, uploadURL string) error {
	caps, err := c.Capabilities(ctx)
	if err != nil {
		return err
	}
	if !caps.Has("termination") {
		return newError(CodeUnsupported, 0, "server does not advertise termination", nil)
	}
	resp, err := c.roundTrip(ctx, http.MethodDelete, uploadURL, nil, nil, 0)
	if err != nil {
		return err
	}
	switch resp.status {
	case http.StatusNoContent, http.StatusOK, http.StatusNotFound, http.StatusGone:
		return nil
	}
	return statusError(resp, "DELETE")
}

// Offset returns the server's offset and length of an upload (HEAD).
func (c *Client) Offset(ctx context.Context, uploadURL string) (offset, length int64, err error) {
	resp, err := c.roundTrip(ctx, http.MethodHead, uploadURL, nil, nil, 0)
	if err != nil {
		return 0, 0, err
	}
	if resp.status != http.StatusOK && resp.status != http.StatusNoContent {
		return 0, 0, statusError(resp, "HEAD")
	}
	offset, err = strconv.ParseInt(resp.header.Get("Upload-Offset"), 10, 64)
	if err != nil {
		return 0, 0, newError(CodeProtocol, resp.status, "invalid Upload-Offset", err)
	}
	length, _ = strconv.ParseInt(resp.header.Get("Upload-Length"), 10, 64)
	return offset, length, nil
}

// statusError maps an unexpected status to a coded error.
func statusError(r *response, what string) error {
	msg := what + " answered " + http.StatusText(r.status)
	if len(r.body) > 0 {
		msg += ": " + strings.TrimSpace(string(r.body[:min(len(r.body), 200)]))
	}
	switch {
	case r.status == http.StatusConflict:
		return newError(CodeOffsetMismatch, r.status, msg, nil)
	case r.status == http.StatusLocked:
		return newError(CodeLocked, r.status, msg, nil)
	case r.status == http.StatusRequestEntityTooLarge:
		return newError(CodeTooLarge, r.status, msg, nil)
	case r.status == http.StatusNotFound || r.status == http.StatusGone:
		return newError(CodeGone, r.status, msg, nil)
	case r.status == 460:
		return newError(CodeChecksumMismatch, r.status, msg, nil)
	case r.status == http.StatusTooManyRequests || r.status >= 500:
		return newError(CodeUnavailable, r.status, msg, nil)
	}
	return newError(CodeRejected, r.status, msg, nil)
}

func (c *Client) roundTripCounted(ctx context.Context, method, target string, h http.Header, body io.Reader, n int64, u *Upload, st *UploadStats) (*response, error) {
	if body != nil {
		inner := body
		body = readerFunc(func(p []byte) (int, error) {
			k, err := inner.Read(p)
			st.BytesSent += int64(k)
			if k > 0 && u.OnBytes != nil {
				u.OnBytes(k)
			}
			return k, err
		})
	}
	return c.roundTrip(ctx, method, target, h, body, n)
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// roundTrip sends a tus request.
func (c *Client) roundTrip(ctx context.Context, method, target string, h http.Header, body io.Reader, n int64) (*response, error) {
	if h == nil {
		h = http.Header{}
	}
	h.Set("Tus-Resumable", TusVersion)
	return c.rq.roundTrip(ctx, method, target, h, body, n)
}

// UsesParts reports whether an upload of size bytes to a server with caps
// is sent by concatenation ([ClientOptions.Parts], PartThreshold).
func (c *Client) UsesParts(caps Capabilities, size int64) bool {
	return c.opts.Parts > 1 && size >= c.opts.PartThreshold && size >= int64(c.opts.Parts) && caps.Has("concatenation")
}

// NewParts returns n empty parts for an upload of size bytes: equal
// sections of ceil(size/n) bytes, the last one shorter (fewer parts when
// size is small), to put in [Upload.Parts].
func NewParts(size int64, n int) []*Upload {
	n = min(max(n, 1), maxParts)
	step := max((size+int64(n)-1)/int64(n), 1)
	var parts []*Upload
	for off := int64(0); off < size; off += step {
		parts = append(parts, &Upload{Size: min(step, size-off)})
	}
	return parts
}

// uploadConcat sends u.Parts in parallel and asks the server to
// concatenate them.
func (c *Client) uploadConcat(ctx context.Context, u *Upload, st UploadStats) (UploadStats, error) {
	parts := u.Parts
	var off int64
	for _, p := range parts {
		if p.Size <= 0 {
			return st, newError(CodeRejected, 0, "empty part", nil)
		}
		p.Body, p.concat = io.NewSectionReader(u.Body, off, p.Size), "partial"
		if p.OnBytes == nil {
			p.OnBytes = u.OnBytes
		}
		off += p.Size
	}
	if off != u.Size {
		return st, newError(CodeRejected, 0, fmt.Sprintf("parts hold %d bytes of %d", off, u.Size), nil)
	}
	stats := make([]UploadStats, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Go(func() { stats[i], errs[i] = c.Upload(ctx, p) })
	}
	wg.Wait()
	for i := range parts {
		st.BytesSent += stats[i].BytesSent
		st.Requests += stats[i].Requests
		st.Faults += stats[i].Faults
		st.Restarts += stats[i].Restarts
	}
	if err := errors.Join(errs...); err != nil {
		return st, err
	}
	meta, err := EncodeMetadata(u.Metadata)
	if err != nil {
		return st, err
	}
	urls := make([]string, len(parts))
	for i, p := range parts {
		urls[i] = p.URL
	}
	if u.OnConcat != nil {
		if err := u.OnConcat(urls); err != nil {
			return st, err
		}
	}
	h := http.Header{}
	h.Set("Upload-Concat", "final;"+strings.Join(urls, " "))
	if meta != "" {
		h.Set("Upload-Metadata", meta)
	}
	for attempt := 1; ; attempt++ {
		st.Requests++
		resp, err := c.roundTrip(ctx, http.MethodPost, c.endpoint.String(), h, nil, 0)
		if err == nil && resp.status != http.StatusCreated {
			err = statusError(resp, "concatenation")
		}
		if err == nil {
			ref, perr := url.Parse(resp.header.Get("Location"))
			if perr != nil || resp.header.Get("Location") == "" {
				return st, newError(CodeProtocol, resp.status, "concatenation answered without a valid Location", perr)
			}
			u.URL = c.endpoint.ResolveReference(ref).String()
			if u.OnOffset != nil {
				if err := u.OnOffset(u.URL, u.Size); err != nil {
					return st, err
				}
			}
			return st, nil
		}
		st.Faults++
		// A final upload whose answer was lost may exist already; only
		// errors that prove it was not created are retried.
		var e *Error
		if errors.As(err, &e) && e.Code == CodeChecksumMismatch {
			// The receiver checked the concatenated file and found it
			// differs from the digest: sending again cannot help.
			return st, newError(CodeDigestMismatch, e.Status, "receiver rejected the file's digest", err)
		}
		if !errors.As(err, &e) || e.Status == 0 || !retryable(err) || ctx.Err() != nil {
			return st, err
		}
		if attempt >= c.opts.Retry.MaxAttempts {
			return st, newError(CodeExhausted, e.Status, "concatenation", err)
		}
		if err := sleep(ctx, c.opts.Retry.backoff(attempt)); err != nil {
			return st, err
		}
	}
}
