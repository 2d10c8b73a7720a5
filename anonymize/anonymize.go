package anonymize

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/radkit/radkit/dicomarchive/codec"
	"github.com/radkit/radkit/dicomio"
)

// Anonymizer de-identifies DICOM objects under fixed [Options]. It is
// immutable once made by [New] and safe for concurrent use: a batch runs one
// Anonymizer on every core.
type Anonymizer struct {
	opts     Options
	keys     keys
	safe     map[PrivateTag]bool
	rules    []PixelRule
	log      *slog.Logger
	maxShift int
	// disabled turns rules off, for the tests that prove the verifier
	// catches a missing rule.
	disabled map[dicomio.Tag]bool
	// readers recycles the stream buffers of a batch.
	readers sync.Pool
}

// New checks opts and returns an Anonymizer.
func New(opts Options) (*Anonymizer, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	a := &Anonymizer{
		opts:     opts,
		keys:     deriveKeys(opts.Key),
		safe:     safeSet(opts.SafePrivate),
		rules:    opts.PixelRules,
		log:      opts.Logger,
		maxShift: opts.MaxShiftDays,
	}
	a.opts.Key = nil // the derived keys are all that is needed
	if a.rules == nil {
		a.rules = DefaultPixelRules()
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.maxShift == 0 {
		a.maxShift = 3652
	}
	return a, nil
}

// Report says what was done to one object: every attribute touched and the
// action taken, by tag path, never with values, so that it can be kept
// and shared as an audit record.
type Report struct {
	Input  string `json:"input,omitempty"`
	Output string `json:"output,omitempty"`
	// Status is "ok" or "error".
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// Profile and Options are those applied.
	Profile string   `json:"profile"`
	Options []string `json:"options,omitempty"`
	// PixelRule names the pixel rule applied, if any.
	PixelRule string         `json:"pixel_rule,omitempty"`
	Actions   []ActionRecord `json:"actions,omitempty"`
	// Reidentification holds the original identifiers sealed with
	// AES-256-GCM under Options.ReidentificationKey (see
	// [OpenReidentification]); empty unless that key is set.
	Reidentification []byte `json:"reidentification,omitempty"`
}

// ActionRecord is one attribute touched.
type ActionRecord struct {
	// Path is the tag path from the top-level data set, such as
	// "(0040,0275)>(0008,0050)" for Accession Number in Request
	// Attributes Sequence (every item of the sequence alike).
	Path string `json:"path"`
	// Action is K, X, Z, D, C or U (see [Action]).
	Action string `json:"action"`
	Note   string `json:"note,omitempty"`
}

// BurnedInError refuses an object that may show identity in its pixels and
// that no pixel rule cleans.
type BurnedInError struct {
	Modality, Manufacturer, Model string
	Rows, Columns                 int
	Reason                        string
}

func (e *BurnedInError) Error() string {
	return fmt.Sprintf("anonymize: %s: no pixel rule for modality %q, manufacturer %q, model %q, %dx%d (add a PixelRule or set AllowBurnedIn)",
		e.Reason, e.Modality, e.Manufacturer, e.Model, e.Columns, e.Rows)
}

// ErrCompressedPixels means pixel cleaning was needed on compressed pixel
// data in a transfer syntax radkit's codecs cannot encode again (baseline
// JPEG, JPEG 2000): such a file is refused rather than passed through with
// its burned-in text or re-encoded in another syntax. Lossless syntaxes
// radkit encodes (RLE, JPEG-LS, JPEG Lossless SV1) are decoded, masked and
// encoded again.
var ErrCompressedPixels = errors.New("anonymize: cannot clean this compressed pixel data")

// ErrTrailingElements is returned by [Anonymizer.Stream] when the object
// must be read whole, which a stream cannot be twice: elements follow the
// pixel data (digital signatures, trailing private groups), the object is
// deflated, or its compressed pixels must be cleaned.
// [Anonymizer.AnonymizeFile] and [Anonymizer.Batch] handle such files by
// reading them whole.
var ErrTrailingElements = errors.New("anonymize: the object must be read whole (elements after the pixel data, deflated, or compressed pixels to clean); de-identify the file with AnonymizeFile")

// cleaningOptions are the options under which some attribute is cleaned
// (C) rather than kept or replaced; Retain Safe Private is one, since the
// private attributes it keeps are examined like cleaned ones.
const cleaningOptions = RetainDeviceIdentity | RetainPatientCharacteristics | CleanDescriptors |
	CleanStructuredContent | CleanGraphics | RetainSafePrivate

// errFullLoad asks the file path to read the object whole.
var errFullLoad = errors.New("anonymize: object needs a full read")

func (a *Anonymizer) newReport() *Report {
	name := a.opts.Profile.Name
	if name == "" {
		name = "custom"
	}
	return &Report{Status: "ok", Profile: name, Options: a.opts.Profile.Options.Names()}
}

// Anonymize de-identifies f in place. Its pixel data, if it must be
// cleaned, has to be loaded (dicomio.PixelDataLoad) and native.
func (a *Anonymizer) Anonymize(ctx context.Context, f *dicomio.File) (*Report, error) {
	rep := a.newReport()
	err := a.edit(ctx, f, rep, nil)
	return a.finishReport(rep, err)
}

func (a *Anonymizer) finishReport(rep *Report, err error) (*Report, error) {
	if err != nil {
		rep.Status, rep.Error = "error", err.Error()
		rep.Actions = nil
		rep.Reidentification = nil
		return rep, err
	}
	return rep, nil
}

// edit de-identifies the header of f and, when a rule asks, its pixels.
// guard, when non-nil, wraps the pixel data streamed by dicomio.Rewrite.
func (a *Anonymizer) edit(ctx context.Context, f *dicomio.File, rep *Report, guard *trailGuard) error {
	ds := f.Dataset
	if f.Meta == nil {
		f.Meta = dicomio.NewDataset()
	}
	pref := patientRef(ds)
	id := identityOf(ds, pref)
	j := &job{a: a, ctx: ctx, opts: a.opts.Profile.Options, identity: id, report: rep}
	if a.opts.Pseudonyms != nil {
		p, err := a.opts.Pseudonyms(ctx, pref)
		if err != nil {
			return err
		}
		if p == "" {
			return ErrNoPseudonym
		}
		j.pseudonym = p
	} else {
		j.pseudonym = linkageID(a.keys.patient, id)
	}
	j.shift = a.keys.shiftDays(id, a.maxShift)

	// The pixel decision comes first: it reads the original header.
	pix, err := a.pixelPlan(ds)
	if err != nil {
		return err
	}
	var reid *ReidRecord
	if a.opts.ReidentificationKey != nil {
		reid = reidRecord(ds, pref)
	}

	// The identifying values of the object are what cleaning (C) looks
	// for; the Basic Profile alone never cleans, so it skips collecting.
	if j.opts&cleaningOptions != 0 {
		c := newCollector(j.opts, a.safe)
		c.file(f)
		j.scrub = c.finish()
	}

	if err := j.dataset(ds, modeNormal); err != nil {
		return err
	}
	cleaned := false
	if pix.rule != nil {
		var err error
		switch e := ds.Get(dicomio.TagPixelData); {
		case e != nil && e.Source != nil && e.Source.Len() < 0:
			// Compressed and still in the input: read the object whole,
			// if its syntax can be encoded again at all.
			if reg := codec.NewRegistry(); !reg.CanDecode(f.TransferSyntax.UID) || !reg.CanEncode(f.TransferSyntax.UID) {
				return fmt.Errorf("%w: radkit cannot re-encode %s after cleaning", ErrCompressedPixels, f.TransferSyntax.Name)
			}
			return errFullLoad
		case e != nil && e.Fragments != nil:
			err = a.cleanCompressed(ctx, f, pix)
		default:
			err = a.cleanPixels(ds, pix, guard)
		}
		if err != nil {
			return err
		}
		rep.PixelRule = pix.rule.Name
		cleaned = true
	} else if guard != nil {
		ds.Get(dicomio.TagPixelData).Source = guard
	}
	if err := j.markers(ds, cleaned || !pix.suspect); err != nil {
		return err
	}
	meta(f)
	if reid != nil {
		reid.Pseudonym = j.pseudonym
		reid.NewSOPInstanceUID = ds.String(dicomio.TagSOPInstanceUID)
		reid.NewStudyInstanceUID = ds.String(dicomio.TagStudyInstanceUID)
		reid.DateShiftDays = j.shift
		sealed, err := sealReid(a.opts.ReidentificationKey, reid)
		if err != nil {
			return err
		}
		rep.Reidentification = sealed
	}
	return nil
}

// trailGuard wraps the streamed pixel data of [dicomio.Rewrite] and fails
// the rewrite when anything follows the pixel data in the input: Rewrite
// copies such elements without showing them to the edit function, and an
// anonymizer must not copy what it has not examined. br is the
// *bufio.Reader given to Rewrite, which dicomio's decoder uses directly
// (bufio.NewReaderSize returns a large enough Reader unchanged), so that
// what remains in it after the pixel data is exactly what follows.
type trailGuard struct {
	src dicomio.ValueSource
	br  *bufio.Reader
}

func (g *trailGuard) Len() int64 { return g.src.Len() }

func (g *trailGuard) WriteValue(w io.Writer) error {
	if err := g.src.WriteValue(w); err != nil {
		return err
	}
	return g.check()
}

func (g *trailGuard) check() error {
	if g.br == nil {
		// Streaming from a file: RewriteOptions.EditTrailing reports
		// what follows the pixel data instead.
		return nil
	}
	if _, err := g.br.Peek(1); err == nil {
		return ErrTrailingElements
	} else if !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// streamBufferSize must be at least dicomio's decoder buffer so that the
// decoder reads through our *bufio.Reader rather than wrapping it.
const streamBufferSize = 256 << 10

// reader returns a pooled stream buffer reading from r.
func (a *Anonymizer) reader(r io.Reader) *bufio.Reader {
	if br, ok := a.readers.Get().(*bufio.Reader); ok {
		br.Reset(r)
		return br
	}
	return bufio.NewReaderSize(r, streamBufferSize)
}

// Stream de-identifies the Part 10 stream r into w, passing the pixel data
// through unread unless a pixel rule applies (then only that object's
// pixel data is held in memory). On error w holds a partial stream: write
// files with [Anonymizer.AnonymizeFile], which is atomic.
func (a *Anonymizer) Stream(ctx context.Context, r io.Reader, w io.Writer) (*Report, error) {
	rep := a.newReport()
	br := a.reader(r)
	defer a.readers.Put(br)
	err := a.stream(ctx, br, w, rep)
	if errors.Is(err, errFullLoad) {
		err = ErrTrailingElements
	}
	return a.finishReport(rep, err)
}

func (a *Anonymizer) stream(ctx context.Context, br *bufio.Reader, w io.Writer, rep *Report) error {
	return dicomio.Rewrite(ctx, br, w, func(f *dicomio.File) error {
		if f.TransferSyntax.Deflated {
			return errFullLoad
		}
		var guard *trailGuard
		if e := f.Dataset.Get(dicomio.TagPixelData); e != nil && e.Source != nil {
			guard = &trailGuard{src: e.Source, br: br}
		}
		// Without streamed pixel data dicomio read the whole object, so
		// nothing trails unexamined.
		return a.edit(ctx, f, rep, guard)
	}, nil)
}

// streamFile is stream for an open file: dicomio reads the file itself, so
// that the pixel data moves file to file in the kernel (copy_file_range)
// when it is passed through. Elements after the pixel data, which edit
// has not examined, make it fail with ErrTrailingElements (the caller
// then reads the object whole) through RewriteOptions.EditTrailing.
func (a *Anonymizer) streamFile(ctx context.Context, in *os.File, w io.Writer, rep *Report) error {
	return dicomio.Rewrite(ctx, in, w, func(f *dicomio.File) error {
		if f.TransferSyntax.Deflated {
			return errFullLoad
		}
		var guard *trailGuard
		if e := f.Dataset.Get(dicomio.TagPixelData); e != nil && e.Source != nil {
			guard = &trailGuard{src: e.Source}
		}
		return a.edit(ctx, f, rep, guard)
	}, &dicomio.RewriteOptions{EditTrailing: func(*dicomio.Dataset) error { return ErrTrailingElements }})
}

// AnonymizeFile de-identifies the file src into dst, atomically: on error
// dst is left as it was and no temporary file remains. Pixel data is
// streamed through unless it must be cleaned. Objects that cannot be
// streamed (deflated, or with elements after the pixel data) are read
// whole instead.
func (a *Anonymizer) AnonymizeFile(ctx context.Context, src, dst string) (*Report, error) {
	rep := a.newReport()
	rep.Input, rep.Output = src, dst
	err := a.anonymizeFile(ctx, src, dst, rep)
	return a.finishReport(rep, err)
}

func (a *Anonymizer) anonymizeFile(ctx context.Context, src, dst string, rep *Report) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return a.anonymizeOpen(ctx, in, src, dst, rep, writeAtomic)
}

// anonymizeOpen de-identifies the open file in into dst with write (atomic
// with fsync for a single file, renamed without fsync in a batch).
func (a *Anonymizer) anonymizeOpen(ctx context.Context, in *os.File, src, dst string, rep *Report, write func(string, func(io.Writer) error) error) error {
	err := write(dst, func(w io.Writer) error {
		return a.streamFile(ctx, in, w, rep)
	})
	if !errors.Is(err, errFullLoad) && !errors.Is(err, ErrTrailingElements) {
		return err
	}
	// Read the object whole: every element, trailing ones included, goes
	// through the table.
	*rep = *a.newReport()
	rep.Input, rep.Output = src, dst
	f, err := dicomio.ReadFile(src, nil)
	if err != nil {
		return err
	}
	if err := a.edit(ctx, f, rep, nil); err != nil {
		return err
	}
	return write(dst, func(w io.Writer) error { return f.Write(w, nil) })
}

// pixelPlan is the pixel decision for one object.
type pixelPlan struct {
	rule    *PixelRule
	suspect bool // may carry burned-in identity
	rows    int
	cols    int
}

// burnedInModalities are the modalities whose images commonly carry
// burned-in identity whatever Burned In Annotation says.
func burnedInModality(m string) bool {
	switch m {
	case "US", "SC", "XC", "ES", "OT", "GM", "SM":
		return true
	}
	return false
}

func (a *Anonymizer) pixelPlan(ds *dicomio.Dataset) (pixelPlan, error) {
	var p pixelPlan
	if !ds.Has(dicomio.TagPixelData) {
		return p, nil
	}
	modality := strings.ToUpper(ds.String(dicomio.TagModality))
	rows, _ := ds.Int(dicomio.TagRows)
	cols, _ := ds.Int(dicomio.TagColumns)
	p.rows, p.cols = int(rows), int(cols)
	p.suspect = strings.EqualFold(ds.String(tagBurnedInAnnotation), "YES") || burnedInModality(modality)
	manu, model := ds.String(tagManufacturer), ds.String(tagModelName)
	if a.opts.Profile.Options&CleanPixelData != 0 {
		for i := range a.rules {
			r := &a.rules[i]
			if r.matches(modality, manu, model, p.rows, p.cols) {
				p.rule = r
				return p, nil
			}
		}
	}
	if p.suspect && !a.opts.AllowBurnedIn {
		reason := "burned-in identity possible and Clean Pixel Data not enabled"
		if a.opts.Profile.Options&CleanPixelData != 0 {
			reason = "burned-in identity possible"
		}
		return p, &BurnedInError{Modality: modality, Manufacturer: manu, Model: model, Rows: p.rows, Columns: p.cols, Reason: reason}
	}
	return p, nil
}

func prefixFold(v, prefix string) bool {
	v, prefix = strings.TrimSpace(v), strings.TrimSpace(prefix)
	return len(v) >= len(prefix) && strings.EqualFold(v[:len(prefix)], prefix)
}

func (r *PixelRule) matches(modality, manu, model string, rows, cols int) bool {
	return prefixFold(modality, r.Modality) && prefixFold(manu, r.Manufacturer) && prefixFold(model, r.Model) &&
		(r.Rows == 0 || r.Rows == rows) && (r.Columns == 0 || r.Columns == cols)
}

// loadPixels returns the native pixel data of ds, reading it from the
// stream when it was left there.
func loadPixels(ds *dicomio.Dataset, guard *trailGuard) ([]byte, error) {
	e := ds.Get(dicomio.TagPixelData)
	switch {
	case e == nil:
		return nil, nil
	case e.Fragments != nil:
		return nil, ErrCompressedPixels
	case guard != nil && e.Source != nil:
		if guard.src.Len() < 0 {
			return nil, ErrCompressedPixels
		}
		var b bytes.Buffer
		b.Grow(int(guard.src.Len()))
		if err := guard.src.WriteValue(&b); err != nil {
			return nil, err
		}
		if err := guard.check(); err != nil {
			return nil, err
		}
		e.Source = nil
		e.Value = b.Bytes()
	case e.Source != nil:
		return nil, errors.New("anonymize: pixel data is not loaded")
	}
	if !e.Loaded() {
		return nil, errors.New("anonymize: pixel data was skipped on read; read with dicomio.PixelDataLoad to clean it")
	}
	return e.Value, nil
}
