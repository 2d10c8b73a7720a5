package transfer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
)

// sendStow sends a job with STOW-RS: every file fingerprinted, those the
// journal has as stored skipped, the others stored in rounds of batches,
// each batch's stored instances journalled (one fsync per batch, shared
// between batches in flight) as soon as its answer is read.
func (s *Sender) sendStow(ctx context.Context, job Job, rep *Report, pr *progressState) {
	j := s.opts.Journal
	var prev *JobState
	if j != nil {
		prev = j.Job(job.ID)
	}
	res := make([]StowResult, len(job.Paths))
	fps := make([]*FileState, len(job.Paths))
	// Fingerprint with Parallel workers: reading and hashing the study
	// is the only local work.
	var wg sync.WaitGroup
	next := make(chan int)
	for range s.opts.Parallel {
		wg.Go(func() {
			for i := range next {
				fps[i], res[i].Err = s.fingerprintPath(job.Paths[i])
			}
		})
	}
	for i := range job.Paths {
		next <- i
	}
	close(next)
	wg.Wait()

	var pending []int
	for i, p := range job.Paths {
		fr := &rep.Files[i]
		fr.Path, res[i].Path = p, p
		if res[i].Err != nil {
			fr.Err, fr.Outcome = res[i].Err, OutcomeFailed
			pr.update(func(p *Progress) { p.FilesFailed++ })
			continue
		}
		fs := fps[i]
		fr.SOPInstanceUID, fr.SHA256, fr.Size = fs.SOPInstanceUID, fs.SHA256, fs.Size
		res[i].SOPInstanceUID, res[i].Size = fs.SOPInstanceUID, fs.Size
		if prev != nil {
			if old := prev.Files[fs.Fingerprint()]; old != nil && old.Outcome == OutcomeSent {
				fr.Outcome, fr.AlreadySent = OutcomeSent, true
				res[i].Stored = true
				pr.update(func(p *Progress) { p.FilesDone++; p.BytesDone += fs.Size })
				continue
			}
		}
		pending = append(pending, i)
	}
	rec := func(op string, i int) record {
		fs := fps[i]
		return record{Op: op, Job: job.ID, UID: fs.SOPInstanceUID, SHA256: fs.SHA256, Path: job.Paths[i], Size: fs.Size}
	}
	var jerrMu sync.Mutex
	var jerr error // a journal failure: nothing more is reported stored
	hk := stowHooks{
		parallel: s.opts.Parallel,
		acquire:  func(ctx context.Context) error { return s.sched.Acquire(ctx, job.Priority) },
		release:  s.sched.Release,
		done: func(res []StowResult, batch []int) {
			var rs []record
			var n int
			var bytes, sent int64
			for _, i := range batch {
				sent += res[i].Size
				if res[i].Stored {
					rs = append(rs, rec("sent", i))
					n++
					bytes += res[i].Size
				}
			}
			if j != nil && len(rs) > 0 {
				if err := j.writeAll(rs, true); err != nil {
					jerrMu.Lock()
					jerr = err
					jerrMu.Unlock()
					for _, i := range batch {
						res[i].Stored, res[i].Err = false, err
					}
					n, bytes = 0, 0
				}
			}
			pr.update(func(p *Progress) { p.FilesDone += n; p.BytesDone += bytes; p.BytesSent += sent })
		},
	}
	err := s.stow.store(ctx, res, pending, hk)
	var failed []record
	for _, i := range pending {
		fr := &rep.Files[i]
		fr.Stats.Requests = res[i].Attempts
		fr.Stats.BytesSent = int64(res[i].Attempts) * res[i].Size
		fr.Stats.Faults = max(res[i].Attempts-1, 0)
		switch {
		case jerr != nil && !res[i].Stored:
			fr.Err = fmt.Errorf("transfer: journal: %w", jerr)
		case res[i].Stored:
			fr.Outcome = OutcomeSent
			continue
		case err != nil:
			fr.Err = err
		case res[i].Err != nil:
			fr.Err = res[i].Err
		default:
			fr.Err = newError(CodeUnavailable, 0, "not stored", nil)
		}
		fr.Outcome = OutcomeFailed
		pr.update(func(p *Progress) { p.FilesFailed++ })
		if j != nil && ctx.Err() == nil {
			r := rec("failed", i)
			r.Err = "error"
			var e *Error
			var se *StowError
			switch {
			case errors.As(fr.Err, &se):
				r.Err = fmt.Sprintf("stow-%04X", se.Reason)
			case errors.As(fr.Err, &e):
				r.Err = string(e.Code)
			}
			failed = append(failed, r)
		}
	}
	if len(failed) > 0 {
		j.writeAll(failed, false)
	}
}

func (s *Sender) fingerprintPath(path string) (*FileState, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fs, err := s.fingerprint(f)
	if err != nil {
		return nil, fmt.Errorf("transfer: %s: %w", path, err)
	}
	return fs, nil
}
