package transfer

import (
	"bufio"
	"bytes"
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

	// Parallel is the number of files in flight to this destination
	// (STOW-RS: batches). 0 means 2. Up to max(2×Parallel, 16) more are
	// prepared ahead (fingerprinted, small ones held in memory, at most
	// 1 MiB each, and with a Journal their uploads created).
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
	stow  *StowClient
	opts  SenderOptions
	sched *Scheduler
	slots chan struct{} // files in flight to this destination
	prep  chan struct{} // files being prepared or waiting for a slot: enough to ride out an fsync stall
	log   *slog.Logger
	bufs  sync.Pool // *[]byte for fingerprinting
	small sync.Pool // *[]byte of smallFile+1 bytes, for small files
}

// NewSender returns a sender through c.
func NewSender(c *Client, opts SenderOptions) *Sender {
	if opts.Parallel <= 0 {
		opts.Parallel = 2
	}
	s := &Sender{c: c, opts: opts, sched: opts.Scheduler, slots: make(chan struct{}, opts.Parallel), prep: make(chan struct{}, max(2*opts.Parallel, 16)), log: opts.Logger}
	if s.sched == nil {
		s.sched = NewScheduler(opts.Parallel)
	}
	s.bufs.New = func() any { b := make([]byte, 256<<10); return &b }
	s.small.New = func() any { b := make([]byte, smallFile+1); return &b }
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// NewStowSender returns a sender storing jobs with DICOMweb STOW-RS through
// c: the same jobs, fingerprints, journal, scheduler and progress as over
// tus, with Parallel batches in flight. An instance counts as sent once it
// is in the Referenced SOP Sequence of an answer; that outcome is
// journalled (fsync'ed, once per batch) before the next round, so after a
// crash resuming the job sends only the instances whose outcome was not
// journalled as stored. Offsets and upload URLs do not apply.
func NewStowSender(c *StowClient, opts SenderOptions) *Sender {
	s := NewSender(nil, opts)
	s.stow = c
	return s
}

// Destination is the creation endpoint (tus) or DICOMweb service root
// (STOW-RS) the sender sends to.
func (s *Sender) Destination() string {
	if s.stow != nil {
		return s.stow.root
	}
	return s.c.endpoint.String()
}

// Protocol is "tus" or "stow".
func (s *Sender) Protocol() string {
	if s.stow != nil {
		return "stow"
	}
	return "tus"
}

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
			if prev != nil && prev.Protocol != s.Protocol() {
				return nil, newError(CodeRejected, 0, "job "+job.ID+" was sent with "+prev.Protocol+", not "+s.Protocol(), nil)
			}
			proto := ""
			if s.stow != nil {
				proto = "stow"
			}
			if err := j.append(record{Op: "job", Job: job.ID, Dest: s.Destination(), Proto: proto, Prio: job.Priority, Paths: job.Paths}); err != nil {
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
	if s.stow != nil {
		s.sendStow(ctx, job, rep, pr)
	} else {
		var wg sync.WaitGroup
		for i, path := range job.Paths {
			wg.Go(func() {
				rep.Files[i] = s.sendFile(ctx, job, path, pr)
			})
		}
		wg.Wait()
	}
	rep.Elapsed = time.Since(start)
	var errs []error
	for i := range rep.Files {
		if err := rep.Files[i].Err; err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		if j != nil {
			j.Sync() // the failures, for --status; they decide nothing
		}
		s.log.Debug("job incomplete", "job", job.ID, "failed", len(errs), "files", len(job.Paths))
		return rep, fmt.Errorf("transfer: job %s: %d of %d files not confirmed: %w", job.ID, len(errs), len(job.Paths), errors.Join(errs...))
	}
	if j != nil {
		if err := j.append(record{Op: "done", Job: job.ID}); err != nil {
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
	// Preparation (fingerprinting, which reads the whole file, and, with
	// a journal, creating the upload and journalling its URL) runs ahead
	// of the network slots, overlapping the uploads of other files; the
	// prep slots bound how far ahead, and so the open files. Creating
	// ahead lets the URLs of several files share one fsync (group
	// commit) and takes the creation round trip off the data stream.
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
	fs, body, release, err := s.load(f)
	if err != nil {
		res.Err = fmt.Errorf("transfer: %s: %w", path, err)
		return res
	}
	defer release()
	res.SOPInstanceUID, res.SHA256, res.Size = fs.SOPInstanceUID, fs.SHA256, fs.Size
	u := &Upload{
		Body: body, Size: fs.Size,
		Metadata: Metadata{MetaSHA256: fs.SHA256, MetaSOPInstanceUID: fs.SOPInstanceUID, MetaFiletype: "application/dicom"},
	}
	acc := &confirmedBytes{pr: pr}
	j := s.opts.Journal
	if j != nil {
		prev := j.file(job.ID, fs.Fingerprint())
		if prev != nil && prev.Outcome == OutcomeSent {
			res.Outcome, res.AlreadySent, res.URL = OutcomeSent, true, prev.URL
			pr.update(func(p *Progress) { p.FilesDone++; p.BytesDone += fs.Size })
			return res
		}
		if err := s.prepareJournalled(ctx, job, path, fs, prev, u, acc); err != nil {
			res.Err = err
			return res
		}
	} else {
		u.OnOffset = func(_ string, off int64) error { acc.set(0, off); return nil }
	}
	u.OnBytes = func(n int) { pr.update(func(p *Progress) { p.BytesSent += int64(n) }) }

	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		res.Err = ctx.Err()
		return res
	}
	if err := s.sched.Acquire(ctx, job.Priority); err != nil {
		<-s.slots
		res.Err = err
		return res
	}
	<-s.prep
	prepHeld = false
	st, err := s.c.Upload(ctx, u)
	// The slot is free before the outcome is journalled: journalling it
	// (with an fsync for a concatenation) overlaps the next upload.
	s.sched.Release()
	<-s.slots
	res.Stats, res.URL = st, u.URL
	pr.update(func(p *Progress) { p.Faults += st.Faults })
	if err != nil {
		res.Err = err
		if j != nil && ctx.Err() == nil {
			code := "error"
			var e *Error
			if errors.As(err, &e) {
				code = string(e.Code)
			}
			j.note(record{Op: "failed", Job: job.ID, UID: fs.SOPInstanceUID, SHA256: fs.SHA256, Path: path, Size: fs.Size, Err: code})
		}
		return res
	}
	if j != nil {
		// A plain upload's outcome reaches the disk with the next fsync
		// (the next file's URL, or the job's end, which waits for it):
		// lost in a power failure, it costs a HEAD that finds the upload
		// complete, never a byte. A concatenation's outcome (its final
		// URL) is waited for: without it, resuming would send the final
		// request again.
		r := record{Op: "sent", Job: job.ID, UID: fs.SOPInstanceUID, SHA256: fs.SHA256, Path: path, Size: fs.Size, URL: u.URL}
		if err := j.write(r, len(u.Parts) > 0); err != nil {
			res.Err = err
			return res
		}
	}
	res.Outcome = OutcomeSent
	pr.update(func(p *Progress) { p.FilesDone++ })
	return res
}

// prepareJournalled sets up u for a journalled send: a new file gets its
// upload (or, when large and the server concatenates, its partial uploads)
// created empty and journalled, fsync'ed, before any byte is sent; a file
// of an earlier run resumes its upload or parts. Every offset the receiver
// confirms is journalled and fsync'ed (shared with concurrent writers);
// the last one of a file is its "sent" record.
func (s *Sender) prepareJournalled(ctx context.Context, job Job, path string, fs *FileState, prev *FileState, u *Upload, acc *confirmedBytes) error {
	j := s.opts.Journal
	rec := func(op string) record {
		return record{Op: op, Job: job.ID, UID: fs.SOPInstanceUID, SHA256: fs.SHA256, Path: path, Size: fs.Size}
	}
	switch {
	case prev != nil && len(prev.Parts) > 0:
		u.Parts = NewParts(fs.Size, len(prev.Parts))
		if len(u.Parts) != len(prev.Parts) {
			u.Parts = nil // not parts this size can have: start afresh
			break
		}
		for i, p := range u.Parts {
			p.URL, p.CreateEmpty = prev.Parts[i].URL, true
			acc.set(i, min(prev.Parts[i].Offset, p.Size))
		}
	case prev != nil && prev.URL != "":
		u.URL = prev.URL
		acc.set(0, min(prev.Offset, fs.Size))
	}
	if u.URL == "" && u.Parts == nil {
		caps, err := s.c.Capabilities(ctx)
		if err != nil {
			return err
		}
		if s.c.UsesParts(caps, fs.Size) {
			u.Parts = NewParts(fs.Size, s.c.opts.Parts)
			rs := make([]record, len(u.Parts))
			for i, p := range u.Parts {
				p.concat, p.CreateEmpty = "partial", true
				if err := s.c.Create(ctx, p); err != nil {
					return err
				}
				rs[i] = rec("offset")
				rs[i].URL, rs[i].Part, rs[i].Parts = p.URL, i+1, len(u.Parts)
			}
			if err := j.writeAll(rs, true); err != nil {
				return err
			}
		} else {
			u.CreateEmpty = true
			if err := s.c.Create(ctx, u); err != nil {
				return err
			}
			r := rec("offset")
			r.URL = u.URL
			if err := j.append(r); err != nil {
				return err
			}
		}
	}
	u.CreateEmpty = true
	if len(u.Parts) > 0 {
		for i, p := range u.Parts {
			p.OnOffset = func(url string, off int64) error {
				acc.set(i, off)
				r := rec("offset")
				r.URL, r.Off, r.Part, r.Parts = url, off, i+1, len(u.Parts)
				return j.append(r)
			}
		}
		u.OnConcat = func([]string) error { return j.append(rec("concat")) }
		u.OnOffset = func(string, int64) error { return nil } // the "sent" record follows
		return nil
	}
	u.OnOffset = func(url string, off int64) error {
		acc.set(0, off)
		if off == fs.Size && url != "" {
			return nil // the "sent" record follows; a crash before it resumes with a HEAD
		}
		r := rec("offset")
		r.URL, r.Off = url, off
		return j.append(r)
	}
	return nil
}

// confirmedBytes turns the confirmed offsets of a file's upload (or of
// each of its parts) into progress.
type confirmedBytes struct {
	pr  *progressState
	mu  sync.Mutex
	off []int64
}

func (c *confirmedBytes) set(part int, off int64) {
	c.mu.Lock()
	for len(c.off) <= part {
		c.off = append(c.off, 0)
	}
	d := off - c.off[part]
	c.off[part] = off
	c.mu.Unlock()
	if d != 0 {
		c.pr.update(func(p *Progress) { p.BytesDone += d })
	}
}

// smallFile is the largest file a sender reads into memory, once, to
// fingerprint it and send it from the same bytes: a CT or MR slice. The
// bytes sent are then exactly the bytes hashed, and sending costs no read
// of the file. Larger files are read twice, hashed then sent.
const smallFile = 1 << 20

// load fingerprints f and returns the body to send: a pooled copy in
// memory for a small file, f itself otherwise. release returns the memory.
func (s *Sender) load(f *os.File) (fs *FileState, body io.ReaderAt, release func(), err error) {
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() <= smallFile {
		bp := s.small.Get().(*[]byte)
		b := *bp
		n, err := io.ReadFull(io.NewSectionReader(f, 0, int64(len(b))), b)
		if err == nil || err == io.ErrUnexpectedEOF || err == io.EOF {
			if n < len(b) { // else the file grew past smallFile: stream it
				fs, err := fingerprintBytes(b[:n])
				if err != nil {
					s.small.Put(bp)
					return nil, nil, nil, err
				}
				return fs, bytes.NewReader(b[:n]), func() { s.small.Put(bp) }, nil
			}
		} else {
			s.small.Put(bp)
			return nil, nil, nil, err
		}
		s.small.Put(bp)
	}
	fs, err = s.fingerprint(f)
	return fs, f, func() {}, err
}

// fingerprint fingerprints f through a pooled buffer of 256 KiB: a large
// file takes few reads, and a study of thousands of files does not feed
// the garbage collector a buffer each.
func (s *Sender) fingerprint(f *os.File) (*FileState, error) {
	buf := s.bufs.Get().(*[]byte)
	defer s.bufs.Put(buf)
	return fingerprint(f, *buf)
}

// fingerprintBytes is fingerprint for a file in memory.
func fingerprintBytes(b []byte) (*FileState, error) {
	meta, err := dicomio.ReadMeta(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	uid := meta.Meta.String(dicomio.TagMediaStorageSOPInstanceUID)
	if uid == "" {
		return nil, fmt.Errorf("%w: no Media Storage SOP Instance UID", dicomio.ErrMalformed)
	}
	sum := sha256.Sum256(b)
	return &FileState{SOPInstanceUID: uid, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b))}, nil
}

// fingerprint reads f whole: SOP Instance UID from the file meta, SHA-256
// and size of the bytes.
func fingerprint(f *os.File, buf []byte) (*FileState, error) {
	meta, err := dicomio.ReadMeta(bufio.NewReader(io.NewSectionReader(f, 0, 1<<62)))
	if err != nil {
		return nil, err
	}
	uid := meta.Meta.String(dicomio.TagMediaStorageSOPInstanceUID)
	if uid == "" {
		return nil, fmt.Errorf("%w: no Media Storage SOP Instance UID", dicomio.ErrMalformed)
	}
	h := sha256.New()
	n, err := io.CopyBuffer(h, io.NewSectionReader(f, 0, 1<<62), buf)
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
