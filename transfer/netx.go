package transfer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// Limiter caps throughput: WaitN blocks until n bytes may be sent. A
// *golang.org/x/time/rate.Limiter satisfies it (its burst must be at least
// [limiterBurst] bytes, 32 KiB); [NewRateLimiter] is a dependency-free
// token bucket. Share one Limiter between clients to cap a destination as a
// whole, which is what keeps a gateway from saturating the hospital link.
type Limiter interface {
	WaitN(ctx context.Context, n int) error
}

// limiterBurst is the most bytes a body read asks a Limiter for at once.
const limiterBurst = 32 << 10

// RateLimiter is a token bucket of bytes per second. It is safe for
// concurrent use.
type RateLimiter struct {
	mu     sync.Mutex
	rate   float64 // bytes per second
	burst  float64
	tokens float64
	last   time.Time
}

// NewRateLimiter returns a token bucket allowing bytesPerSecond on average
// with bursts of a tenth of a second's worth (at least 32 KiB), small enough
// that a cap holds over a few seconds, large enough that reads are not
// split. bytesPerSecond must be positive.
func NewRateLimiter(bytesPerSecond float64) *RateLimiter {
	burst := max(bytesPerSecond/10, limiterBurst)
	return &RateLimiter{rate: bytesPerSecond, burst: burst, tokens: burst, last: time.Now()}
}

// WaitN blocks until n bytes may pass or ctx ends. n above the burst is
// allowed: the bucket goes into debt and later callers wait it out.
func (l *RateLimiter) WaitN(ctx context.Context, n int) error {
	l.mu.Lock()
	now := time.Now()
	l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	l.last = now
	l.tokens -= float64(n)
	var wait time.Duration
	if l.tokens < 0 {
		wait = time.Duration(-l.tokens / l.rate * float64(time.Second))
	}
	l.mu.Unlock()
	if wait == 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RetryPolicy bounds how hard a request is retried. Attempts count
// consecutive failures without progress: a transfer that keeps advancing
// over a bad link is never abandoned, one that is stuck is abandoned after
// MaxAttempts.
type RetryPolicy struct {
	// MaxAttempts is the number of consecutive failed attempts without
	// progress before giving up with ErrExhausted. 0 means 10.
	MaxAttempts int
	// MinBackoff is the pause after the first failure; it doubles on each
	// further failure. 0 means 200 ms.
	MinBackoff time.Duration
	// MaxBackoff caps the pause. 0 means 15 s.
	MaxBackoff time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 10
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = 200 * time.Millisecond
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 15 * time.Second
	}
	if p.MaxBackoff < p.MinBackoff {
		p.MaxBackoff = p.MinBackoff
	}
	return p
}

// backoff returns the pause before attempt n (1-based): exponential with
// "equal jitter" (a uniform draw in the upper half), so that many senders
// cut by the same network failure do not come back in lockstep.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.MinBackoff
	for i := 1; i < n && d < p.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.MaxBackoff)
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DefaultHTTPClient returns the client used when none is given: proxies
// from the environment (HTTPS_PROXY, NO_PROXY), TLS 1.2 at least (Go
// negotiates 1.3 when the peer offers it), HTTP/2 when available, and no
// whole-request timeout, because a deadline on a whole request kills large
// chunks on slow links; the transfer's idle timeout guards instead.
func DefaultHTTPClient() *http.Client {
	t := &http.Transport{
		Proxy:             http.ProxyFromEnvironment,
		DialContext:       (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2: true,
		// A sender keeps Parallel uploads and up to 2×Parallel (at least
		// 16) creations in flight to one host: idle connections beyond
		// this limit would be closed and dialled (TLS handshake) again.
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ExpectContinueTimeout: time.Second,
		// Session resumption: a connection redialled after a cut (or
		// one more for parallel streams) skips the full handshake.
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, ClientSessionCache: tls.NewLRUClientSessionCache(64)},
		// 64 KiB instead of 4 KiB: request heads and the start of each
		// body leave in one write, and answers are read in one go.
		WriteBufferSize: 64 << 10,
		ReadBufferSize:  64 << 10,
	}
	return &http.Client{Transport: t}
}

// errIdle is the cancellation cause of a request whose watchdog fired.
var errIdle = errors.New("idle timeout")

// watchdog cancels a request when no byte has moved for its timeout.
type watchdog struct {
	t *time.Timer
	d time.Duration
}

func newWatchdog(d time.Duration, cancel context.CancelCauseFunc) *watchdog {
	return &watchdog{d: d, t: time.AfterFunc(d, func() { cancel(errIdle) })}
}

func (w *watchdog) touch() { w.t.Reset(w.d) }
func (w *watchdog) stop()  { w.t.Stop() }
func (w *watchdog) reader(r io.Reader, ctx context.Context, l Limiter, onRead func(int)) io.Reader {
	return &progressReader{r: r, ctx: ctx, w: w, l: l, onRead: onRead}
}

// progressReader feeds the watchdog, the limiter and the byte counter as a
// request or response body moves.
type progressReader struct {
	r      io.Reader
	ctx    context.Context
	w      *watchdog
	l      Limiter
	onRead func(int)
}

func (p *progressReader) Read(b []byte) (int, error) {
	if p.l != nil && len(b) > limiterBurst {
		b = b[:limiterBurst]
	}
	n, err := p.r.Read(b)
	if n > 0 {
		p.w.touch()
		if p.l != nil {
			if werr := p.l.WaitN(p.ctx, n); werr != nil {
				return 0, werr
			}
			p.w.touch()
		}
		if p.onRead != nil {
			p.onRead(n)
		}
	}
	return n, err
}

// requester sends one HTTP request under the idle watchdog, the limiter
// and the authenticator, and reads a bounded answer; tus and STOW-RS share
// it.
type requester struct {
	hc      *http.Client
	idle    time.Duration
	limiter Limiter
	auth    func(*http.Request) error
	maxBody int64 // answer bytes kept; 0 means 64 KiB
}

// response is what a client keeps of an answer: tus answers carry their
// meaning in headers; the body is kept (bounded) for STOW-RS outcomes and
// error messages.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (q *requester) roundTrip(ctx context.Context, method, target string, h http.Header, body io.Reader, n int64) (*response, error) {
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	wd := newWatchdog(q.idle, cancel)
	defer wd.stop()
	var rd io.Reader
	if body != nil {
		rd = wd.reader(body, rctx, q.limiter, nil)
	}
	req, err := http.NewRequestWithContext(rctx, method, target, rd)
	if err != nil {
		return nil, newError(CodeRejected, 0, "building request", err)
	}
	if body != nil {
		req.ContentLength = n
		if n == 0 {
			req.Body = http.NoBody
		}
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if q.auth != nil {
		if err := q.auth(req); err != nil {
			return nil, fmt.Errorf("transfer: authenticate: %w", err)
		}
	}
	resp, err := q.hc.Do(req)
	if err != nil {
		return nil, q.netError(ctx, rctx, err)
	}
	defer resp.Body.Close()
	limit := q.maxBody
	if limit <= 0 {
		limit = 64 << 10
	}
	b, err := io.ReadAll(io.LimitReader(wd.reader(resp.Body, rctx, nil, nil), limit))
	if err != nil {
		return nil, q.netError(ctx, rctx, err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

func (q *requester) netError(parent, rctx context.Context, err error) error {
	if parent.Err() != nil {
		return parent.Err()
	}
	if errors.Is(context.Cause(rctx), errIdle) {
		return newError(CodeIdleTimeout, 0, fmt.Sprintf("no progress for %s", q.idle), nil)
	}
	return newError(CodeUnavailable, 0, "network", err)
}
