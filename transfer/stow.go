package transfer

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/radkit/radkit/dicomio"
)

// StowOptions configures a [StowClient]. The zero value is usable.
type StowOptions struct {
	// HTTPClient sends every request. nil means [DefaultHTTPClient].
	HTTPClient *http.Client
	// Authenticate, when set, is called on every request (bearer token,
	// basic auth).
	Authenticate func(*http.Request) error
	// MaxInstances bounds the instances per request. 0 means 50.
	MaxInstances int
	// MaxBytes bounds the bytes per request; an instance larger than it
	// travels alone. 0 means 64 MiB.
	MaxBytes int64
	// IdleTimeout cancels a request during which no byte moved. 0 means
	// 30 s; there is no total deadline.
	IdleTimeout time.Duration
	// Retry bounds the rounds: each round resends only the instances
	// that failed with a retry-later reason (A7xx, out of resources) or
	// whose outcome is unknown (503, cut connection, absent from the
	// answer). Its zero value is usable.
	Retry RetryPolicy
	// Limiter, when set, caps the bytes per second sent.
	Limiter Limiter
	// Logger receives debug records (counts, statuses, failure reasons;
	// never UIDs). nil means silence.
	Logger *slog.Logger
}

// StowClient stores instances with DICOMweb STOW-RS (PS3.18 10.5). The
// outcome of each instance is read from the answer's Referenced SOP
// Sequence (0008,1199) and Failed SOP Sequence (0008,1198), not from the
// HTTP status: Orthanc answers 400 for a batch that was partly stored. It
// is safe for concurrent use.
type StowClient struct {
	root    string
	studies string
	rq      requester
	opts    StowOptions
	log     *slog.Logger
}

// NewStowClient returns a client for the DICOMweb service root (for
// Orthanc, "http://host:8042/dicom-web"); instances are POSTed to
// root + "/studies".
func NewStowClient(root string, opts StowOptions) (*StowClient, error) {
	u, err := url.Parse(root)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, newError(CodeRejected, 0, "DICOMweb root must be an absolute http(s) URL", err)
	}
	if opts.MaxInstances <= 0 {
		opts.MaxInstances = 50
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 64 << 20
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 30 * time.Second
	}
	opts.Retry = opts.Retry.withDefaults()
	hc := opts.HTTPClient
	if hc == nil {
		hc = DefaultHTTPClient()
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &StowClient{root: root, studies: strings.TrimSuffix(root, "/") + "/studies", opts: opts, log: log,
		rq: requester{hc: hc, idle: opts.IdleTimeout, limiter: opts.Limiter, auth: opts.Authenticate, maxBody: 16 << 20}}, nil
}

// StowResult is the outcome of one instance.
type StowResult struct {
	Path           string
	SOPInstanceUID string
	Size           int64
	// Stored is true when the instance appeared in the Referenced SOP
	// Sequence of an answer.
	Stored bool
	// FailureReason is the last (0008,1197) the server gave, 0 if none.
	FailureReason int
	// Attempts is the number of requests that carried the instance.
	Attempts int
	// Err says why the instance is not stored; nil when Stored.
	Err error
}

// retryLater reports whether a Failure Reason means "try again later":
// PS3.18 and PS3.4 use A7xx for out of resources.
func retryLater(reason int) bool { return reason&0xFF00 == 0xA700 }

// Store sends the files and returns one result per path, in order. It
// returns an error when any instance is not stored.
func (c *StowClient) Store(ctx context.Context, paths []string) ([]StowResult, error) {
	res := make([]StowResult, len(paths))
	var pending []int
	for i, p := range paths {
		res[i].Path = p
		uid, size, err := sopInstanceUID(p)
		if err != nil {
			res[i].Err = err
			continue
		}
		res[i].SOPInstanceUID, res[i].Size = uid, size
		pending = append(pending, i)
	}
	if err := c.store(ctx, res, pending, stowHooks{}); err != nil {
		return res, err
	}
	var failed int
	for i := range res {
		if !res[i].Stored {
			failed++
		}
	}
	if failed > 0 {
		errs := make([]error, 0, failed)
		for i := range res {
			if res[i].Err != nil {
				errs = append(errs, res[i].Err)
			}
		}
		return res, fmt.Errorf("transfer: STOW-RS: %d of %d instances not stored: %w", failed, len(res), errors.Join(errs...))
	}
	return res, nil
}

// stowHooks lets a [Sender] run the rounds of [StowClient.Store] with
// batches in parallel, under its scheduler, and journal each batch's
// outcome as soon as the answer is read.
type stowHooks struct {
	parallel int                                 // batches in flight; 0 means 1
	acquire  func(context.Context) error         // before each batch, when set
	release  func()                              // after each batch, when set
	done     func(res []StowResult, batch []int) // after each answer, when set
}

// store sends the pending instances of res in rounds: each round sends the
// instances left by the previous one (retry-later failures and unknown
// outcomes), after a backoff, until none is left or the retry budget is
// spent. It returns only ctx's error; outcomes are in res.
func (c *StowClient) store(ctx context.Context, res []StowResult, pending []int, hk stowHooks) error {
	par := max(hk.parallel, 1)
	for round := 1; len(pending) > 0; round++ {
		if round > 1 {
			if round > c.opts.Retry.MaxAttempts {
				for _, i := range pending {
					res[i].Err = newError(CodeExhausted, 0, fmt.Sprintf("%d rounds", round-1), res[i].Err)
				}
				break
			}
			if err := sleep(ctx, c.opts.Retry.backoff(round-1)); err != nil {
				return err
			}
		}
		var (
			mu    sync.Mutex
			again []int
			wg    sync.WaitGroup
		)
		sem := make(chan struct{}, par)
		for _, batch := range c.batches(res, pending) {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				break
			}
			wg.Go(func() {
				defer func() { <-sem }()
				if hk.acquire != nil {
					if err := hk.acquire(ctx); err != nil {
						return
					}
				}
				a := c.send(ctx, res, batch)
				if hk.release != nil {
					hk.release()
				}
				if hk.done != nil {
					hk.done(res, batch)
				}
				mu.Lock()
				again = append(again, a...)
				mu.Unlock()
			})
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return err
		}
		pending = again
	}
	return nil
}

func sopInstanceUID(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", 0, err
	}
	meta, err := dicomio.ReadMeta(bufio.NewReader(f))
	if err != nil {
		return "", 0, fmt.Errorf("transfer: %s: %w", path, err)
	}
	uid := meta.Meta.String(dicomio.TagMediaStorageSOPInstanceUID)
	if uid == "" {
		return "", 0, fmt.Errorf("transfer: %s: %w: no Media Storage SOP Instance UID", path, dicomio.ErrMalformed)
	}
	return uid, fi.Size(), nil
}

// batches groups pending instances under MaxInstances and MaxBytes.
func (c *StowClient) batches(res []StowResult, pending []int) [][]int {
	var out [][]int
	var cur []int
	var bytes int64
	for _, i := range pending {
		if len(cur) > 0 && (len(cur) >= c.opts.MaxInstances || bytes+res[i].Size > c.opts.MaxBytes) {
			out = append(out, cur)
			cur, bytes = nil, 0
		}
		cur = append(cur, i)
		bytes += res[i].Size
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// send POSTs one batch and records each instance's outcome; it returns the
// instances to try again.
func (c *StowClient) send(ctx context.Context, res []StowResult, batch []int) (again []int) {
	var b [16]byte
	rand.Read(b[:])
	boundary := "radkit-" + hex.EncodeToString(b[:])
	var parts []io.Reader
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	var n int64
	for _, i := range batch {
		res[i].Attempts++
		f, err := os.Open(res[i].Path)
		if err != nil {
			res[i].Err = err
			continue
		}
		files = append(files, f)
		head := "--" + boundary + "\r\nContent-Type: application/dicom\r\n\r\n"
		parts = append(parts, strings.NewReader(head), io.NewSectionReader(f, 0, res[i].Size), strings.NewReader("\r\n"))
		n += int64(len(head)) + res[i].Size + 2
	}
	tail := "--" + boundary + "--\r\n"
	parts = append(parts, strings.NewReader(tail))
	n += int64(len(tail))
	h := http.Header{}
	h.Set("Content-Type", mime.FormatMediaType("multipart/related", map[string]string{"type": "application/dicom", "boundary": boundary}))
	h.Set("Accept", "application/dicom+json")
	resp, err := c.rq.roundTrip(ctx, http.MethodPost, c.studies, h, io.MultiReader(parts...), n)
	if err != nil {
		c.log.Debug("stow request failed", "instances", len(batch), "err", err)
		for _, i := range batch {
			res[i].Err = err
		}
		return batch
	}
	stored, failed, perr := parseStowAnswer(resp.body)
	c.log.Debug("stow answer", "status", resp.status, "instances", len(batch), "stored", len(stored), "failed", len(failed))
	if resp.status == http.StatusServiceUnavailable || resp.status == http.StatusTooManyRequests || (resp.status >= 500 && len(stored)+len(failed) == 0) {
		e := statusError(resp, "STOW-RS")
		for _, i := range batch {
			res[i].Err = e
		}
		return batch
	}
	for _, i := range batch {
		uid := res[i].SOPInstanceUID
		switch reason, isFailed := failed[uid]; {
		case stored[uid]:
			res[i].Stored, res[i].Err, res[i].FailureReason = true, nil, 0
		case isFailed:
			res[i].FailureReason = reason
			res[i].Err = &StowError{Reason: reason, Status: resp.status}
			if retryLater(reason) {
				again = append(again, i)
			}
		case perr != nil && resp.status/100 == 4:
			// A client error without a readable answer: the request
			// itself is wrong, sending it again cannot help.
			res[i].Err = statusError(resp, "STOW-RS")
		default:
			res[i].Err = newError(CodeUnavailable, resp.status, "instance absent from the STOW-RS answer", perr)
			again = append(again, i)
		}
	}
	return again
}

// StowError is an instance the server listed in its Failed SOP Sequence.
type StowError struct {
	Reason int // Failure Reason (0008,1197)
	Status int // HTTP status of the answer
}

func (e *StowError) Error() string {
	return fmt.Sprintf("transfer: STOW-RS failure reason %04X (HTTP %d)", e.Reason, e.Status)
}

// dicomJSONAttr is one attribute of the DICOM JSON model (PS3.18 F.2).
type dicomJSONAttr struct {
	VR    string            `json:"vr"`
	Value []json.RawMessage `json:"Value"`
}

// parseStowAnswer reads the Referenced and Failed SOP Sequences of a
// STOW-RS answer (application/dicom+json). The answer comes from the
// network: malformed content is an error, never a panic.
func parseStowAnswer(body []byte) (stored map[string]bool, failed map[string]int, err error) {
	stored, failed = map[string]bool{}, map[string]int{}
	if len(body) == 0 {
		return stored, failed, errors.New("empty answer")
	}
	var top map[string]dicomJSONAttr
	if err := json.Unmarshal(body, &top); err != nil {
		// Some servers wrap the data set in an array.
		var arr []map[string]dicomJSONAttr
		if err2 := json.Unmarshal(body, &arr); err2 != nil || len(arr) != 1 {
			return stored, failed, fmt.Errorf("answer is not DICOM JSON: %w", err)
		}
		top = arr[0]
	}
	items := func(tag string) []map[string]dicomJSONAttr {
		var out []map[string]dicomJSONAttr
		for _, raw := range top[tag].Value {
			var item map[string]dicomJSONAttr
			if json.Unmarshal(raw, &item) == nil {
				out = append(out, item)
			}
		}
		return out
	}
	str := func(item map[string]dicomJSONAttr, tag string) string {
		a := item[tag]
		if len(a.Value) == 0 {
			return ""
		}
		var s string
		json.Unmarshal(a.Value[0], &s)
		return s
	}
	for _, it := range items("00081199") {
		if uid := str(it, "00081155"); uid != "" {
			stored[uid] = true
		}
	}
	for _, it := range items("00081198") {
		uid := str(it, "00081155")
		if uid == "" {
			continue
		}
		reason := 0
		if a := it["00081197"]; len(a.Value) > 0 {
			var v float64
			if json.Unmarshal(a.Value[0], &v) == nil && v >= 0 && v <= 0xFFFF {
				reason = int(v)
			}
		}
		failed[uid] = reason
	}
	return stored, failed, nil
}
