// Package faultproxy is a TCP proxy on loopback that injects network faults
// between a transfer client and its server, for tests: connections cut at
// random byte offsets, stalls, throttling. Faults are bounded in number, so
// a test that retries enough always finishes.
package faultproxy

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// Options chooses the faults. The zero value forwards cleanly.
type Options struct {
	// Seed makes the fault sequence reproducible.
	Seed uint64
	// FaultProb is the probability of a fault in each window of Within
	// client-to-server bytes of a connection (while MaxFaults is not
	// reached); the fault strikes at a uniform offset in the window.
	FaultProb float64
	// Within is the window. 0 means 1 MiB.
	Within int64
	// StallProb is the share of faults that stall (hold the connection
	// silent for Stall, then cut it) rather than cut at once.
	StallProb float64
	// Stall is how long a stall lasts. 0 means 1 s.
	Stall time.Duration
	// MaxFaults bounds the faults injected; then the proxy is clean.
	MaxFaults int
	// BytesPerSecond throttles each direction of each connection; 0 means
	// no throttle.
	BytesPerSecond int
}

// Proxy forwards 127.0.0.1:port to a target.
type Proxy struct {
	Addr string // host:port to dial instead of the target

	ln     net.Listener
	target string
	opts   Options

	mu     sync.Mutex
	rng    *rand.Rand
	faults int
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Start listens on 127.0.0.1 and forwards to target (host:port).
func Start(target string, opts Options) (*Proxy, error) {
	if opts.Within <= 0 {
		opts.Within = 1 << 20
	}
	if opts.Stall <= 0 {
		opts.Stall = time.Second
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: ln.Addr().String(), ln: ln, target: target, opts: opts,
		rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)), conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Faults returns the number of faults injected so far.
func (p *Proxy) Faults() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.faults
}

// Close stops the proxy and cuts every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

// plan draws the fault of a new connection: at is the offset (-1: none).
func (p *Proxy) plan() (at int64, stall bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.faults >= p.opts.MaxFaults || p.rng.Float64() >= p.opts.FaultProb {
		return -1, false
	}
	p.faults++
	return p.rng.Int64N(p.opts.Within), p.rng.Float64() < p.opts.StallProb
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.handle(c)
		}()
	}
}

func (p *Proxy) handle(client net.Conn) {
	if !p.track(client) {
		return
	}
	defer p.untrack(client)
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		return
	}
	if !p.track(server) {
		return
	}
	defer p.untrack(server)
	done := make(chan struct{}, 2)
	go func() {
		for {
			at, stall := p.plan()
			if at < 0 {
				if !p.copy(server, client, p.opts.Within) {
					break
				}
				continue
			}
			if p.copy(server, client, at) && stall {
				time.Sleep(p.opts.Stall)
			}
			break
		}
		done <- struct{}{}
	}()
	go func() {
		p.copy(client, server, -1)
		done <- struct{}{}
	}()
	<-done // either direction ending ends the connection
	client.Close()
	server.Close()
	<-done
}

// copy forwards limit bytes of src to dst (all of them when limit < 0)
// and reports whether it did (false: the connection ended first).
func (p *Proxy) copy(dst, src net.Conn, limit int64) bool {
	buf := make([]byte, 16<<10)
	var n int64
	for {
		want := len(buf)
		if limit >= 0 && limit-n < int64(want) {
			want = int(limit - n)
		}
		if want == 0 {
			return true
		}
		k, err := src.Read(buf[:want])
		if k > 0 {
			if _, werr := dst.Write(buf[:k]); werr != nil {
				return false
			}
			n += int64(k)
			if bps := p.opts.BytesPerSecond; bps > 0 {
				time.Sleep(time.Duration(float64(k) / float64(bps) * float64(time.Second)))
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				if tc, ok := dst.(*net.TCPConn); ok {
					tc.CloseWrite()
				}
			}
			return false
		}
	}
}
