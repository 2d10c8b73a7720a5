package anonymize

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/radkit/radkit/dicomio"
)

// BatchOptions steer [Anonymizer.Batch]. The zero value uses every core
// and reports nothing while running.
type BatchOptions struct {
	// Workers is the number of files processed at once; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// Progress, when non-nil, is called after each file, from one
	// goroutine at a time, with the number of files done, the total, and
	// the file's report (for a progress bar).
	Progress func(done, total int, r *Report)
}

// BatchReport is the outcome of a batch: one report per input file, in
// input order, and the totals. It marshals to the JSON report file.
type BatchReport struct {
	ProfileEdition string    `json:"profile_edition"`
	Profile        string    `json:"profile"`
	Options        []string  `json:"options,omitempty"`
	Succeeded      int       `json:"succeeded"`
	Failed         int       `json:"failed"`
	Files          []*Report `json:"files"`
}

// OK reports whether every file was de-identified.
func (b *BatchReport) OK() bool { return b.Failed == 0 }

// WriteJSON writes the report as indented JSON.
func (b *BatchReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

// Batch de-identifies the files and folders (recursively) of inputs into
// outDir, on Workers goroutines. Each output is named after its new SOP
// Instance UID (outDir/<UID>.dcm), never after the input's path, which
// may hold a patient's name. A file that fails (not DICOM, truncated,
// unsupported, refused) gets its report entry with the reason and no
// output file; the batch goes on. The error is non-nil only when the batch
// could not run (outDir not writable, an input missing, ctx cancelled);
// per-file failures are in the report (see [BatchReport.OK]).
func (a *Anonymizer) Batch(ctx context.Context, inputs []string, outDir string, bo BatchOptions) (*BatchReport, error) {
	files, err := listInputs(inputs)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	rep := &BatchReport{ProfileEdition: ProfileEdition, Profile: a.newReport().Profile, Options: a.opts.Profile.Options.Names()}
	rep.Files = make([]*Report, len(files))
	workers := bo.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var (
		mu   sync.Mutex
		done int
		wg   sync.WaitGroup
		next = make(chan int)
	)
	st := &stager{tmp: map[int]string{}}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				stage := func(path string, fn func(io.Writer) error) error { return st.write(i, path, fn) }
				r := a.batchFile(ctx, files[i], outDir, stage)
				mu.Lock()
				rep.Files[i] = r
				done++
				if bo.Progress != nil {
					bo.Progress(done, len(files), r)
				}
				mu.Unlock()
			}
		}()
	}
	var cancelled error
feed:
	for i := range files {
		// A select with both cases ready picks at random: check first, so
		// that a cancelled batch reports it whatever the number of files.
		if err := ctx.Err(); err != nil {
			cancelled = err
			break feed
		}
		select {
		case next <- i:
		case <-ctx.Done():
			cancelled = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	// Outputs were written under temporary names; make them durable,
	// then give them their names: a crash at any point leaves either no
	// file or a complete one under an output name, never a partial one.
	// Two inputs with the same SOP Instance UID would map to one output:
	// the first in input order keeps it, whatever order the workers
	// finished in, and the others are reported, never silently merged.
	var staged []string
	taken := map[string]bool{}
	for _, r := range rep.Files {
		if r == nil || r.Status != "ok" {
			continue
		}
		if taken[r.Output] {
			r.Status, r.Error = "error", fmt.Sprintf("anonymize: another input has the same SOP Instance UID; output %s already written", filepath.Base(r.Output))
			r.Output = ""
			continue
		}
		taken[r.Output] = true
	}
	for i, r := range rep.Files {
		if r != nil && r.Status == "ok" {
			staged = append(staged, st.tmp[i])
		}
	}
	if err := syncDir(outDir, staged); err != nil {
		st.discard()
		return rep, fmt.Errorf("anonymize: making the outputs durable: %w", err)
	}
	for i, r := range rep.Files {
		if r == nil || r.Status != "ok" {
			continue
		}
		if err := os.Rename(st.tmp[i], r.Output); err != nil {
			r.Status, r.Error, r.Output = "error", err.Error(), ""
			continue
		}
		delete(st.tmp, i)
	}
	st.discard()
	if err := syncEntries(outDir); err != nil && cancelled == nil {
		return rep, fmt.Errorf("anonymize: making the outputs durable: %w", err)
	}
	for i, r := range rep.Files {
		if r == nil {
			r = a.newReport()
			r.Input, r.Status, r.Error = files[i], "error", "not processed: batch cancelled"
			rep.Files[i] = r
		}
		if r.Status == "ok" {
			rep.Succeeded++
		} else {
			rep.Failed++
		}
	}
	return rep, cancelled
}

// batchFile de-identifies one input of a batch.
func (a *Anonymizer) batchFile(ctx context.Context, src, outDir string, stage func(string, func(io.Writer) error) error) *Report {
	rep := a.newReport()
	rep.Input = src
	err := func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		in, err := os.Open(src)
		if err != nil {
			return err
		}
		defer in.Close()
		// Name the output from the file meta information, read from the
		// first bytes without moving the file offset.
		var head [16 << 10]byte
		k, err := in.ReadAt(head[:], 0)
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		m, err := dicomio.ReadMeta(bytes.NewReader(head[:k]))
		if err != nil {
			return err
		}
		uid := m.Meta.String(dicomio.TagMediaStorageSOPInstanceUID)
		if uid == "" {
			return fmt.Errorf("%w: no Media Storage SOP Instance UID", dicomio.ErrMalformed)
		}
		if a.opts.Profile.Options&RetainUIDs == 0 && !wellKnownUID(uid) {
			uid = a.keys.mapUID(uid)
		}
		name := uid + ".dcm"
		dst := filepath.Join(outDir, name)
		rep.Output = dst
		return a.anonymizeOpen(ctx, in, src, dst, rep, stage)
	}()
	rep.Input = src
	r, _ := a.finishReport(rep, err)
	if err != nil {
		r.Output = ""
	}
	return r
}

// listInputs expands folders into the regular files under them (hidden
// files skipped), keeping the given order, folders sorted.
func listInputs(inputs []string) ([]string, error) {
	var out []string
	for _, in := range inputs {
		st, err := os.Stat(in)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, in)
			continue
		}
		var sub []string
		err = filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && p != in && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
				sub = append(sub, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		slices.Sort(sub)
		out = append(out, sub...)
	}
	if len(out) == 0 {
		return nil, errors.New("anonymize: no input file")
	}
	return out, nil
}

// stager writes a batch's outputs under temporary names in the output
// folder; [Anonymizer.Batch] renames them once they are durable.
type stager struct {
	mu  sync.Mutex
	tmp map[int]string // input index -> temporary file holding its output
}

// write writes input i's output (to be named path) to a new temporary file
// beside path, without fsync (the batch syncs once), replacing an earlier
// attempt for the same input.
func (s *stager) write(i int, path string, fn func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// No buffer of our own: dicomio's encoder buffers the header, and the
	// pixel data must reach the file's ReadFrom (copy_file_range) whole.
	if err = fn(f); err != nil {
		return err
	}
	startWriteback(f)
	if err = f.Close(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.tmp[i]; ok {
		os.Remove(old)
	}
	s.tmp[i] = f.Name()
	return nil
}

// discard removes the temporary files not renamed.
func (s *stager) discard() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, tmp := range s.tmp {
		os.Remove(tmp)
		delete(s.tmp, i)
	}
}
