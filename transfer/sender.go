package transfer

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/radkit/radkit/dicomio"
)

// Metadata keys the sender puts on every upload and the [Receiver] checks.
const (
	MetaSHA256         = "sha256"         // hex SHA-256 of the whole file
	MetaSOPInstanceUID = "sopinstanceuid" // (0002,0003) of the file
	MetaFiletype       = "filetype"       // "application/dicom"
)

// SenderOptions configures a [Sender]. The zero value is usable.
type SenderOptions struct {
	// Journal makes jobs survive a crash of the sending process. nil
	// keeps state in memory only: a restarted process sends everything
	// again.
	Journal *Journal

	// Parallel is the number of files in flight to this destination. 0
	// means 2.
	Parallel int

	// Scheduler, when set, is shared by the senders of every destination
	// to bound the files in flight globally and to serve urgent jobs
	// first. nil means a private scheduler with Parallel slots (priorities
	// then order the jobs of this sender only).
	Scheduler *Scheduler

	// Progress, when set, is called (never concurrently) as the receiver
	// confirms bytes and files.
	Progress func(Progress)

	// Logger receives debug records: job IDs, counts, error codes; never
	// paths or DICOM attributes. nil means silence.
	Logger *slog.Logger
}

// Progress is a snapshot of a job, for progress bars and JSON lines (the
// tags give the JSON names). Bytes count what the receiver confirmed, not
// what left the socket.
type Progress struct {
	JobID       string        `json:"job"`
	Files       int           `json:"files"`
	FilesDone   int           `json:"files_done"`
	FilesFailed int           `json:"files_failed"`
	Bytes       int64         `json:"bytes"`
	BytesDone   int64         `json:"bytes_done"`
	Rate        float64       `json:"rate"`   // confirmed bytes per second since the start of this run
	ETA         time.Duration `json:"eta_ns"` // 0 when unknown
	Elapsed     time.Duration `json:"elapsed_ns"`
	BytesSent   int64         `json:"bytes_sent"` // body bytes written, re-sends included
	Faults      int           `json:"faults"`     // failed attempts, retried
}

// Job is a set of files to send to one destination.
type Job struct {
	// ID names the job in the journal. "" means a new random ID. Sending a
	// job with the ID of an unfinished one resumes it.
	ID string
	// Priority orders this job's files against other jobs'.
	Priority Priority
	// Paths are the files (DICOM Part 10). Empty when resuming means the
	// paths recorded in the journal.
	Paths []string
}

// FileResult is the outcome of one file.
type FileResult struct {
	Path           string
	SOPInstanceUID string
	SHA256         string
	Size           int64
	URL            string
	Outcome        Outcome
	// AlreadySent is true when an earlier run had it confirmed, so this
	// run sent nothing.
	AlreadySent bool
	Stats       UploadStats
	Err         error
}

// Report is the outcome of [Sender.Send].
type Report struct {
	JobID   string
	Files   []FileResult
	Elapsed time.Duration
}

// Sender sends jobs over tus to one destination: files in parallel,
// each fingerprinted, journalled and confirmed. It is safe for concurrent
// use.
type Sender struct {
	c     *Client
	opts  SenderOptions
	sched *Scheduler
	slots chan struct{} // files in flight to this destination
	prep  chan struct{} // files being fingerprinted or waiting for a slot
	log   *slog.Logger
}

// NewSender returns a sender through c.
func NewSender(c *Client, opts SenderOptions) *Sender {
	if opts.Parallel <= 0 {
		opts.Parallel = 2
	}
	s := &Sender{c: c, opts: opts, sched: opts.Scheduler, slots: make(chan struct{}, opts.Parallel), prep: make(chan struct{}, 2*opts.Parallel), log: opts.Logger}
	if s.sched == nil {
		s.sched = NewScheduler(opts.Parallel)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// Destination is the creation endpoint the sender uploads to.
func (s *Sender) Destination() string { return s.c.endpoint.String() }

// Send sends every file of job and returns once each is confirmed or has
// failed. It returns an error when any file failed; the report tells which.
// Files an earlier run confirmed (per the journal) are not sent again, and
// unfinished uploads resume from the receiver's offset.
func (s *Sender) Send(ctx context.Context, job Job) (*Report, error) {
	start := time.Now()
	if job.ID == "" {
		var b [12]byte
		rand.Read(b[:])
		job.ID = hex.EncodeToString(b[:])
	}
	j := s.opts.Journal
	if j != nil {
		prev := j.Job(job.ID)
		if prev != nil && len(job.Paths) == 0 {
			job.Paths = prev.Paths
		}
		if prev == nil || len(job.Paths) != len(prev.Paths) {
			if err := j.append(record{Op: "job", Job: job.ID, Dest: s.Destination(), Prio: job.Priority, Paths: job.Paths}); err != nil {
				return nil, err
			}
		}
	}
	if len(job.Paths) == 0 {
		return nil, newError(CodeRejected, 0, "job "+job.ID+" has no files (and none in the journal)", nil)
	}
	rep := &Report{JobID: job.ID, Files: make([]FileResult, len(job.Paths))}
	pr := &progressState{fn: s.opts.Progress, p: Progress{JobID: job.ID, Files: len(job.Paths)}, start: start}
	for _, p := range job.Paths {
		if fi, err := os.Stat(p); err == nil {
			pr.p.Bytes += fi.Size()
		}
	}
	var wg sync.WaitGroup
	for i, path := range job.Paths {
		wg.Go(func() {
			rep.Files[i] = s.sendFile(ctx, job, path, pr)
		})
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	var errs []error
	for i := range rep.Files {
		if err := rep.Files[i].Err; err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		s.log.Debug("job incomplete", "job", job.ID, "failed", len(errs), "files", len(job.Paths))
		return rep, fmt.Errorf("transfer: job %s: %d of %d files not confirmed: %w", job.ID, len(errs), len(job.Paths), errors.Join(errs...))
	}
	if j != nil {
		if err := j.note(record{Op: "done", Job: job.ID}); err != nil {
			return rep, err
		}
	}
	s.log.Debug("job done", "job", job.ID, "files", len(job.Paths))
	return rep, nil
}

func (s *Sender) sendFile(ctx context.Context, job Job, path string, pr *progressState) (res FileResult) {
	res.Path = path
	defer func() {
		if res.Err != nil {
			res.Outcome = OutcomeFailed
			pr.update(func(p *Progress) { p.FilesFailed++ })
		}
	}()
	// Fingerprinting (reading the whole file) overlaps the uploads of
	// other files: up to Parallel files are prepared ahead of the
	// network slots, which bounds open files too.
	select {
	case s.prep <- struct{}{}:
	case <-ctx.Done():
		res.Err = ctx.Err()
		return res
	}
	prepHeld := true
	defer func() {
		if prepHeld {
			<-s.prep
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		res.Err = err
		return res
	}
	defer f.Close()
	fs, err := fingerprint(f)
	if err != nil {
		res.Err = fmt.Errorf("transfer: %s: %w", path, err)
		return res
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		res.Err = ctx.Err()
		return res
	}
	defer func() { <-s.slots }()
	if err := s.sched.Acquire(ctx, job.Priority); err != nil {
		res.Err = err
		return res
	}
	defer s.sched.Release()
	<-s.prep
	prepHeld = false
	res.SOPInstanceUID, res.SHA256, res.Size = fs.SOPInstanceUID, fs.SHA256, fs.Size
	fp := fs.Fingerprint()
	u := &Upload{
		Body: f, Size: fs.Size,
		Metadata:    Metadata{MetaSHA256: fs.SHA256, MetaSOPInstanceUID: fs.SOPInstanceUID, MetaFiletype: "application/dicom"},
		CreateEmpty: s.opts.Journal != nil,
	}
	var confirmed int64
	if j := s.opts.Journal; j != nil {
		var prev *FileState
		if js := j.Job(job.ID); js != nil {
			prev = js.Files[fp]
		}
		if prev != nil && prev.Outcome == OutcomeSent {
			res.Outcome, res.AlreadySent, res.URL = OutcomeSent, true, prev.URL
			pr.update(func(p *Progress) { p.FilesDone++; p.BytesDone += fs.Size })
			return res
		}
		journalled := ""
		if prev != nil {
			u.URL, confirmed, journalled = prev.URL, prev.Offset, prev.URL
			pr.update(func(p *Progress) { p.BytesDone += confirmed })
		}
		u.OnOffset = func(url string, off int64) error {
			pr.update(func(p *Progress) { p.BytesDone += off - confirmed })
			confirmed = off
			if off == fs.Size && url != "" {
				return nil // the "sent" record follows; a crash before it resumes with a HEAD
			}
			r := record{Op: "offset", Job: job.ID, UID: fs.SOPInstanceUID, SHA256: fs.SHA256, Path: path, Size: fs.Size, URL: url, Off: off}
			if url != journalled {
				// A new upload: durable before its first byte, so that a
				// crash can never make the sender create a second one.
				journalled = url
				return j.append(r)
			}
			// Progress: the server's offset is the truth on resume
			// anyway, so losing this record costs a HEAD, not a byte.
			return j.note(r)
		}
	} else {
		u.OnOffset = func(_ string, off int64) error {
			pr.update(func(p *Progress) { p.BytesDone += off - confirmed })
			confirmed = off
			return nil
		}
	}
	u.OnBytes = func(n int) { pr.update(func(p *Progress) { p.BytesSent += int64(n) }) }
	st, err := s.c.Upload(ctx, u)
	res.Stats, res.URL = st, u.URL
	pr.update(func(p *Progress) { p.Faults += st.Faults })
	if err != nil {
		res.Err = err
		if j := s.opts.Journal; j != nil && ctx.Err() == nil {
			code := "error"
			var e *Error
			if errors.As(err, &e) {
				code = string(e.Code)
			}
			j.note(record{Op: "failed", Job: job.ID, UID: fs.SOPInstanceUID, SHA256: fs.SHA256, Path: path, Size: fs.Size, Err: code})
		}
		return res
	}
	if j := s.opts.Journal; j != nil {
		if err := j.note(record{Op: "sent", Job: job.ID, UID: fs.SOPInstanceUID, SHA256: fs.SHA256, Path: path, Size: fs.Size}); err != nil {
			res.Err = err
			return res
		}
	}
	res.Outcome = OutcomeSent
	pr.update(func(p *Progress) { p.FilesDone++ })
	return res
}

// fingerprint reads f whole: SOP Instance UID from the file meta, SHA-256
// and size of the bytes.
func fingerprint(f *os.File) (*FileState, error) {
	meta, err := dicomio.ReadMeta(bufio.NewReader(io.NewSectionReader(f, 0, 1<<62)))
	if err != nil {
		return nil, err
	}
	uid := meta.Meta.String(dicomio.TagMediaStorageSOPInstanceUID)
	if uid == "" {
		return nil, fmt.Errorf("%w: no Media Storage SOP Instance UID", dicomio.ErrMalformed)
	}
	h := sha256.New()
	n, err := io.Copy(h, io.NewSectionReader(f, 0, 1<<62))
	if err != nil {
		return nil, err
	}
	return &FileState{SOPInstanceUID: uid, SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}

// progressState serialises progress updates and callbacks.
type progressState struct {
	mu    sync.Mutex
	fn    func(Progress)
	p     Progress
	start time.Time
}

func (s *progressState) update(f func(*Progress)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.p)
	if s.fn == nil {
		return
	}
	s.p.Elapsed = time.Since(s.start)
	if sec := s.p.Elapsed.Seconds(); sec > 0 {
		s.p.Rate = float64(s.p.BytesDone) / sec
	}
	s.p.ETA = 0
	if s.p.Rate > 0 && s.p.Bytes > s.p.BytesDone {
		s.p.ETA = time.Duration(float64(s.p.Bytes-s.p.BytesDone) / s.p.Rate * float64(time.Second))
	}
	s.fn(s.p)
}
