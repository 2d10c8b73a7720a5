package transfer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/radkit/radkit/internal/atomicfile"
)

// ErrJournalCorrupt reports a journal line that is not the torn tail of a
// crashed write: something other than radkit wrote the file.
var ErrJournalCorrupt = errors.New("transfer: journal corrupt")

// Outcome is the state of one file of a job.
type Outcome string

// Outcomes recorded in the journal.
const (
	OutcomePending Outcome = ""       // not confirmed yet
	OutcomeSent    Outcome = "sent"   // the receiver confirmed every byte
	OutcomeFailed  Outcome = "failed" // given up; a later run retries it
)

// FileState is what the journal knows of one file of a job. Fingerprint is
// the SOP Instance UID and the SHA-256 of the bytes: a file edited between
// runs gets a new fingerprint and is sent anew.
type FileState struct {
	Path           string
	SOPInstanceUID string
	SHA256         string // hex
	Size           int64
	URL            string // upload URL on the receiver, "" before creation
	Offset         int64  // last offset the receiver confirmed
	Outcome        Outcome
	Error          string // error code of the last failure
	Updated        time.Time

	// Parts are the partial uploads of a file sent by concatenation (tus
	// concatenation extension), in order; nil for a plain upload. Their
	// sizes follow from Size and len(Parts): equal parts
	// of ceil(Size/len(Parts)) bytes, the last one shorter.
	Parts []PartState
	// Concat is true once the final concatenation request may have been
	// sent: until the file is sent, its outcome is unknown, and resuming
	// sends the final request again (radkit's [Receiver] answers it with
	// the upload it already made).
	Concat bool
}

// PartState is what the journal knows of one partial upload.
type PartState struct {
	URL    string // "" before creation
	Offset int64  // last offset the receiver confirmed
}

// Fingerprint identifies the content of a file.
func (f *FileState) Fingerprint() string { return f.SOPInstanceUID + "/" + f.SHA256 }

// JobState is what the journal knows of a job.
type JobState struct {
	ID          string
	Destination string
	// Protocol is how the job is sent: "tus" (Destination is a tus
	// creation endpoint) or "stow" (a DICOMweb service root).
	Protocol string
	Priority Priority
	Paths    []string
	Created  time.Time
	Updated  time.Time
	Done     bool
	Files    map[string]*FileState // by fingerprint
}

// record is one journal line. Every field but T, Op and Job is optional.
type record struct {
	T      time.Time `json:"t"`
	Op     string    `json:"op"` // job, file, offset, concat, sent, failed, done
	Job    string    `json:"job"`
	Dest   string    `json:"dest,omitempty"`
	Proto  string    `json:"proto,omitempty"` // "" is tus
	Prio   Priority  `json:"prio,omitempty"`
	Paths  []string  `json:"paths,omitempty"`
	Path   string    `json:"path,omitempty"`
	UID    string    `json:"uid,omitempty"`
	SHA256 string    `json:"sha256,omitempty"`
	Size   int64     `json:"size,omitempty"`
	URL    string    `json:"url,omitempty"`
	Off    int64     `json:"off,omitempty"`
	Err    string    `json:"err,omitempty"`
	Part   int       `json:"part,omitempty"`  // 1-based part of a concatenation; 0 for the whole file
	Parts  int       `json:"parts,omitempty"` // number of parts, with Part
}

// JournalOptions configures [OpenJournal]. The zero value is usable.
type JournalOptions struct {
	// TTL drops jobs not updated for this long when the journal is
	// opened; their uploads have most likely expired on the receiver
	// anyway. 0 means 7 days.
	TTL time.Duration
	// Now is the clock. nil means time.Now.
	Now func() time.Time
}

// Journal is the durable state of transfer jobs: an append-only file of
// JSON lines, fsync'ed with group commit (writers waiting at the same time
// share one fsync). A new job, a new upload URL and a confirmed offset
// within a file are durable before the sender goes on, so a crash can
// never make the sender create a second upload of a file; a file's success
// is durable before the job is reported done (it rides on the next fsync:
// lost in a power failure, it would cost a HEAD finding the upload
// complete, never a byte). After a crash
// (SIGKILL or power loss), reopening it gives every job's files with
// their upload URL (or parts) and last confirmed offset, so that nothing
// confirmed is sent twice and nothing unconfirmed is reported sent. The
// file is also the time-stamped trace of the exchanges the teleradiology
// guide asks the sender to keep ([Journal.Export]). It holds file paths
// and upload URLs, never DICOM attributes other than the SOP Instance UID.
//
// A Journal is safe for concurrent use by the goroutines of one process;
// two processes must not open the same file.
type Journal struct {
	mu      sync.Mutex
	path    string
	f       *os.File
	now     func() time.Time
	jobs    map[string]*JobState
	written uint64 // records written

	syncMu sync.Mutex // held by the goroutine running fsync
	synced uint64     // records known durable
}

// OpenJournal opens or creates the journal at path, replays it and drops
// jobs older than the TTL (rewriting the file without them). A torn last
// line, left by a crash in the middle of a write, is discarded.
func OpenJournal(path string, opts JournalOptions) (*Journal, error) {
	if opts.TTL <= 0 {
		opts.TTL = 7 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	j := &Journal{path: path, now: opts.Now, jobs: map[string]*JobState{}}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	lines := map[string][][]byte{} // raw lines per job, to rewrite live ones
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	good := 0
	for sc.Scan() {
		line := sc.Bytes()
		var r record
		if err := json.Unmarshal(line, &r); err != nil || r.Job == "" {
			if good+len(line) >= len(data)-1 { // the torn tail
				break
			}
			return nil, fmt.Errorf("%w: %s at byte %d", ErrJournalCorrupt, filepath.Base(path), good)
		}
		good += len(line) + 1
		j.apply(&r)
		if _, ok := lines[r.Job]; !ok {
			order = append(order, r.Job)
		}
		lines[r.Job] = append(lines[r.Job], slices.Clone(line))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJournalCorrupt, err)
	}
	expired := false
	for id, js := range j.jobs {
		if opts.Now().Sub(js.Updated) > opts.TTL {
			delete(j.jobs, id)
			expired = true
		}
	}
	if expired || good != len(data) {
		var buf bytes.Buffer
		for _, id := range order {
			if j.jobs[id] == nil {
				continue
			}
			for _, l := range lines[id] {
				buf.Write(l)
				buf.WriteByte('\n')
			}
		}
		if err := writeFileSync(path, buf.Bytes()); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.SyncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, err
	}
	j.f = f
	return j, nil
}

// writeFileSync replaces path with data durably (temporary file, fsync,
// rename, directory fsync).
func writeFileSync(path string, data []byte) error {
	return atomicfile.WriteFile(path, 0o600, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

func (j *Journal) apply(r *record) {
	js := j.jobs[r.Job]
	if r.Op == "job" {
		if js == nil {
			js = &JobState{ID: r.Job, Created: r.T, Files: map[string]*FileState{}}
			j.jobs[r.Job] = js
		}
		js.Destination, js.Priority, js.Paths, js.Protocol = r.Dest, r.Prio, r.Paths, cmpOr(r.Proto, "tus")
	}
	if js == nil {
		return
	}
	js.Updated = r.T
	fp := r.UID + "/" + r.SHA256
	fs := js.Files[fp]
	switch r.Op {
	case "file":
		if fs == nil {
			fs = &FileState{SOPInstanceUID: r.UID, SHA256: r.SHA256}
			js.Files[fp] = fs
		}
		fs.Path, fs.Size = r.Path, r.Size
	case "offset", "concat", "sent", "failed":
		if fs == nil {
			// The first record of a file carries its path and size, so
			// that a file costs no fsync before its upload is created.
			fs = &FileState{SOPInstanceUID: r.UID, SHA256: r.SHA256, Path: r.Path, Size: r.Size}
			js.Files[fp] = fs
		}
		switch r.Op {
		case "offset":
			off := r.Off
			if r.URL == "" {
				off = 0
			}
			if r.Part > 0 && r.Part <= r.Parts && r.Parts <= maxParts {
				if len(fs.Parts) != r.Parts {
					fs.Parts = make([]PartState, r.Parts)
				}
				fs.Parts[r.Part-1] = PartState{URL: r.URL, Offset: off}
				fs.Outcome = OutcomePending
				break
			}
			fs.URL, fs.Offset, fs.Parts, fs.Concat = r.URL, off, nil, false
			fs.Outcome = OutcomePending
		case "concat":
			fs.Concat = true
		case "sent":
			fs.Outcome, fs.Offset, fs.Error = OutcomeSent, fs.Size, ""
			if r.URL != "" {
				fs.URL = r.URL
			}
		case "failed":
			fs.Outcome, fs.Error = OutcomeFailed, r.Err
		}
	case "done":
		js.Done = true
	}
	if fs != nil {
		fs.Updated = r.T
	}
}

// append writes r, fsyncs, then applies it: the in-memory state never runs
// ahead of what a crash would leave on disk.
//
// Concurrent appends share fsyncs (group commit): a writer whose record
// was covered by another writer's fsync returns without one, which is what
// keeps a journal of many parallel small files from being fsync-bound.
func (j *Journal) append(r record) error { return j.write(r, true) }

// note writes r without waiting for an fsync: for records that decide
// nothing (failures, kept for --status and the trace), never for a URL,
// an offset or a success. They reach the disk with the next fsync. A
// SIGKILL loses nothing written: the bytes are in the kernel.
func (j *Journal) note(r record) error { return j.write(r, false) }

func (j *Journal) write(r record, durable bool) error {
	return j.writeAll([]record{r}, durable)
}

// writeAll writes rs in one write(2) and, when durable, waits for an fsync
// covering them (shared with concurrent writers) before applying them.
func (j *Journal) writeAll(rs []record, durable bool) error {
	j.mu.Lock()
	if j.f == nil {
		j.mu.Unlock()
		return errors.New("transfer: journal closed")
	}
	var b []byte
	now := j.now().UTC()
	for i := range rs {
		rs[i].T = now
		line, err := json.Marshal(rs[i])
		if err != nil {
			j.mu.Unlock()
			return err
		}
		b = append(append(b, line...), '\n')
	}
	if _, err := j.f.Write(b); err != nil {
		j.mu.Unlock()
		return fmt.Errorf("transfer: journal: %w", err)
	}
	j.written++
	mine, f := j.written, j.f
	if !durable {
		for i := range rs {
			j.apply(&rs[i])
		}
		j.mu.Unlock()
		return nil
	}
	j.mu.Unlock()

	if err := j.syncUpTo(f, mine); err != nil {
		return err
	}

	j.mu.Lock()
	for i := range rs {
		j.apply(&rs[i])
	}
	j.mu.Unlock()
	return nil
}

// syncUpTo returns once the writes numbered up to mine are on disk: the
// first waiter fsyncs for everyone written so far (group commit), the
// others find their write covered and return without an fsync of their
// own.
func (j *Journal) syncUpTo(f *os.File, mine uint64) error {
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	if j.synced >= mine {
		return nil
	}
	j.mu.Lock()
	target := j.written
	j.mu.Unlock()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("transfer: journal: %w", err)
	}
	j.synced = target
	return nil
}

// Sync makes every record written so far durable. The sender calls it
// before reporting a job's outcome.
func (j *Journal) Sync() error {
	j.mu.Lock()
	if j.f == nil {
		j.mu.Unlock()
		return errors.New("transfer: journal closed")
	}
	mine, f := j.written, j.f
	j.mu.Unlock()
	return j.syncUpTo(f, mine)
}

// Job returns a copy of the state of job id, or nil.
func (j *Journal) Job(id string) *JobState {
	j.mu.Lock()
	defer j.mu.Unlock()
	js := j.jobs[id]
	if js == nil {
		return nil
	}
	c := *js
	c.Paths = slices.Clone(js.Paths)
	c.Files = make(map[string]*FileState, len(js.Files))
	for k, v := range js.Files {
		fc := *v
		fc.Parts = slices.Clone(v.Parts)
		c.Files[k] = &fc
	}
	return &c
}

// file returns a copy of the state of one file of a job, or nil. Unlike
// Job it costs O(1), which matters to a sender asking once per file.
func (j *Journal) file(jobID, fingerprint string) *FileState {
	j.mu.Lock()
	defer j.mu.Unlock()
	js := j.jobs[jobID]
	if js == nil || js.Files[fingerprint] == nil {
		return nil
	}
	fc := *js.Files[fingerprint]
	fc.Parts = slices.Clone(fc.Parts)
	return &fc
}

// Jobs returns copies of every job's state, oldest first.
func (j *Journal) Jobs() []*JobState {
	j.mu.Lock()
	ids := make([]string, 0, len(j.jobs))
	for id := range j.jobs {
		ids = append(ids, id)
	}
	j.mu.Unlock()
	out := make([]*JobState, 0, len(ids))
	for _, id := range ids {
		if js := j.Job(id); js != nil {
			out = append(out, js)
		}
	}
	slices.SortFunc(out, func(a, b *JobState) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return cmpString(a.ID, b.ID)
	})
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Pending returns the jobs not yet done, oldest first: what "radkit send
// --resume" sends again.
func (j *Journal) Pending() []*JobState {
	var out []*JobState
	for _, js := range j.Jobs() {
		if !js.Done {
			out = append(out, js)
		}
	}
	return out
}

// Export copies the journal (the time-stamped trace of every job, file,
// confirmed offset and outcome, as JSON lines) to w.
func (j *Journal) Export(w io.Writer) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	f, err := os.Open(j.path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// Close closes the journal file.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.f = nil
	return err
}
