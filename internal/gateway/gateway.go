// Package gateway is the hospital side of a Cristal Image link: a DICOM
// storage SCP that modalities and PACS push to, which de-identifies every
// instance with the cristal profile (the donor record number replaces the
// identity) and sends it over tus to the national platform, durably at
// each step so that nothing accepted is lost across a crash or a restart.
//
// The stages hand over through folders, each write atomic and synced:
// spool/in holds what the SCP acknowledged, spool/out what was
// de-identified and waits for the receiver's confirmation, and the
// transfer journal records upload offsets. A restart resumes every stage
// from what is on disk.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/radkit/radkit/anonymize"
	"github.com/radkit/radkit/transfer"
	"github.com/radkit/radkit/transfer/dimse"
)

// Config configures a Gateway.
type Config struct {
	// Spool is the working folder (required): spool/in, spool/out and the
	// transfer journal live there.
	Spool string
	// AETitle is the SCP's AE title. Default "RADKIT-GW".
	AETitle string
	// Key derives UIDs and date shifts (anonymize.Options.Key; at least
	// 16 bytes; required).
	Key []byte
	// DonorID is the Cristal donor record number that replaces the
	// patient identity (required: the cristal profile never invents one).
	DonorID string
	// Destination is the tus creation URL of the receiver (required).
	Destination string
	// HTTPOptions are passed to the tus client (authentication, bandwidth
	// cap). Its zero value is usable.
	Client transfer.ClientOptions
	// Poll is how often the spool is scanned for work besides the
	// notifications of new instances. Default 2 s.
	Poll time.Duration
	// Logger receives operational events (counts, never identities).
	// Default: silent.
	Logger *slog.Logger
}

// Gateway runs the three stages. Make one with New; Serve runs it.
type Gateway struct {
	cfg     Config
	in, out string
	anon    *anonymize.Anonymizer
	journal *transfer.Journal
	sender  *transfer.Sender
	wake    chan struct{}
	mu      sync.Mutex
	stats   Stats
}

// Stats counts what the gateway did since it started.
type Stats struct {
	Received, Anonymized, Sent, Failed int
}

// New prepares a gateway: folders, anonymizer, tus client and journal.
func New(cfg Config) (*Gateway, error) {
	switch {
	case cfg.Spool == "":
		return nil, errors.New("gateway: Spool is required")
	case cfg.DonorID == "":
		return nil, errors.New("gateway: DonorID is required (the cristal profile takes the donor record number from the caller)")
	case cfg.Destination == "":
		return nil, errors.New("gateway: Destination is required")
	}
	if cfg.AETitle == "" {
		cfg.AETitle = "RADKIT-GW"
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	g := &Gateway{cfg: cfg, in: filepath.Join(cfg.Spool, "in"), out: filepath.Join(cfg.Spool, "out"), wake: make(chan struct{}, 1)}
	for _, d := range []string{g.in, g.out} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	profile, err := anonymize.ProfileByName("cristal")
	if err != nil {
		return nil, err
	}
	donor := cfg.DonorID
	g.anon, err = anonymize.New(anonymize.Options{Profile: profile, Key: cfg.Key, Logger: cfg.Logger,
		Pseudonyms: func(context.Context, anonymize.PatientRef) (string, error) { return donor, nil }})
	if err != nil {
		return nil, err
	}
	g.journal, err = transfer.OpenJournal(filepath.Join(cfg.Spool, "transfer.journal"), transfer.JournalOptions{})
	if err != nil {
		return nil, err
	}
	c, err := transfer.NewClient(cfg.Destination, cfg.Client)
	if err != nil {
		g.journal.Close()
		return nil, err
	}
	g.sender = transfer.NewSender(c, transfer.SenderOptions{Journal: g.journal, Logger: cfg.Logger})
	return g, nil
}

// Stats returns the counters.
func (g *Gateway) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stats
}

func (g *Gateway) count(f func(*Stats)) {
	g.mu.Lock()
	f(&g.stats)
	g.mu.Unlock()
}

// Serve accepts associations on l and runs the de-identification and
// sending stages until ctx ends; then it stops the SCP gracefully and
// returns. Work left on disk is taken up by the next Serve.
func (g *Gateway) Serve(ctx context.Context, l net.Listener) error {
	defer g.journal.Close()
	store := dimse.DirHandler(g.in)
	srv := &dimse.Server{AETitle: g.cfg.AETitle, Logger: g.cfg.Logger,
		Handler: dimse.HandlerFunc(func(ctx context.Context, req *dimse.StoreRequest) error {
			if err := store.ServeStore(ctx, req); err != nil {
				return err
			}
			g.count(func(s *Stats) { s.Received++ })
			select {
			case g.wake <- struct{}{}:
			default:
			}
			return nil
		})}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	tick := time.NewTicker(g.cfg.Poll)
	defer tick.Stop()
	for {
		if err := g.step(ctx); err != nil && ctx.Err() == nil {
			g.cfg.Logger.Warn("gateway step", "err", err)
		}
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := srv.Shutdown(sctx)
			cancel()
			if serr := <-errc; serr != nil && !errors.Is(serr, dimse.ErrServerClosed) && err == nil {
				err = serr
			}
			return err
		case err := <-errc:
			return err
		case <-g.wake:
		case <-tick.C:
		}
	}
}

// step de-identifies what the SCP received, then sends what is
// de-identified. An instance leaves spool/in only once its de-identified
// copy is durable in spool/out, and spool/out only once the receiver
// confirmed it.
func (g *Gateway) step(ctx context.Context) error {
	ins, err := listDCM(g.in)
	if err != nil {
		return err
	}
	for _, p := range ins {
		dst := filepath.Join(g.out, filepath.Base(p))
		if _, err := g.anon.AnonymizeFile(ctx, p, dst); err != nil {
			// Kept in spool/in for an operator; counted, not retried
			// forever.
			g.count(func(s *Stats) { s.Failed++ })
			bad := filepath.Join(g.cfg.Spool, "refused")
			if os.MkdirAll(bad, 0o700) == nil {
				os.Rename(p, filepath.Join(bad, filepath.Base(p)))
			}
			g.cfg.Logger.Warn("gateway: de-identification refused", "err", err)
			continue
		}
		if err := os.Remove(p); err != nil {
			return err
		}
		g.count(func(s *Stats) { s.Anonymized++ })
	}
	outs, err := listDCM(g.out)
	if err != nil || len(outs) == 0 {
		return err
	}
	// One journalled job per instance, named after its file (its new SOP
	// Instance UID): after a crash the same job resumes its upload from
	// the receiver's offset instead of starting a duplicate. Two at a
	// time; donor images are urgent.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 2)
	for _, p := range outs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := g.sender.Send(ctx, transfer.Job{ID: "gw-" + filepath.Base(p), Priority: transfer.PriorityUrgent, Paths: []string{p}})
			if err == nil {
				err = os.Remove(p)
			}
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("gateway: send: %w", err)
				}
				mu.Unlock()
				return
			}
			g.count(func(s *Stats) { s.Sent++ })
		}()
	}
	wg.Wait()
	return firstErr
}

func listDCM(dir string) ([]string, error) {
	ps, err := filepath.Glob(filepath.Join(dir, "*.dcm"))
	sort.Strings(ps)
	return ps, err
}
