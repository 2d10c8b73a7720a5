package dicomarchive

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/radkit/radkit/dicomarchive/codec"
	"github.com/radkit/radkit/dicomio"
)

// OpenOptions steer [Archive.Open].
type OpenOptions struct {
	// TransferSyntax is the transfer syntax to deliver; "" means as
	// stored. Changing between native syntaxes is done on the fly;
	// to or from a compressed syntax needs a codec and fails with
	// dicomio's [*dicomio.UnsupportedTransferSyntaxError] until the
	// codecs are registered.
	TransferSyntax string
	// Raw delivers the bytes exactly as received, without applying the
	// reconciled identity: for medico-legal export. The audit entry
	// says so. Default false: the current identity is applied.
	Raw bool
}

// Object is an instance being read. Close it.
type Object struct {
	io.ReadCloser
	Instance Instance
	// Coerced names the attributes whose values the archive replaces with
	// the reconciled identity on the way out (their received values go
	// into the Original Attributes Sequence); empty when the object is
	// delivered as stored.
	Coerced []string

	// buf is the read buffer of WriteTo, shared by the objects of one
	// OpenSeries or OpenStudy (one object at a time); nil: allocated.
	buf []byte
}

// writeToBlock is the read size of [Object.WriteTo].
const writeToBlock = 256 << 10

// WriteTo writes the rest of the object to w (io.Copy uses it). It reads
// in blocks of 256 KiB, where io.Copy's own buffer would read 8 KiB at a
// time (a system call each), and it never hands w the end of an object
// that fails its digest check: for an object delivered as stored, the
// block that completes the object goes to w only after the verifying read
// that follows it has returned io.EOF; otherwise WriteTo returns the
// [*CorruptBlobError] without writing that block.
func (o *Object) WriteTo(w io.Writer) (int64, error) {
	// Delivered as stored, the reader is the blob's verifying reader,
	// which knows how many bytes are still due.
	vr, _ := o.ReadCloser.(*verifyingReader)
	buf := o.buf
	if buf == nil {
		n := int64(writeToBlock)
		if vr != nil && vr.size-vr.n < n {
			n = vr.size - vr.n + 1 // room to see the end in the same read
		}
		buf = make([]byte, max(n, 512))
	}
	var written int64
	for {
		n, err := readBlock(o.ReadCloser, buf)
		if err == nil && vr != nil && vr.n >= vr.size {
			// This block may be the last one: check the end (and so
			// the digest) before letting it go.
			var probe [1]byte
			m, perr := o.ReadCloser.Read(probe[:])
			switch {
			case m > 0:
				// Longer than indexed, so corrupt: read to the end
				// for the verifying reader's report, hold back the
				// block.
				if _, err = io.Copy(io.Discard, o.ReadCloser); err == nil {
					err = &CorruptBlobError{Digest: vr.want, Size: vr.size, Read: vr.n}
				}
			case perr != nil:
				err = perr
			}
		}
		if err != nil && err != io.EOF {
			return written, err
		}
		if n > 0 {
			m, werr := w.Write(buf[:n])
			written += int64(m)
			if werr != nil {
				return written, werr
			}
		}
		if err == io.EOF {
			return written, nil
		}
	}
}

// readBlock reads into buf until it is full or r returns an error (which
// it returns as is: io.EOF means the end, verified).
func readBlock(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Open streams an instance. Its bytes are checked against their digest as
// they are read: a corrupt blob ends the stream with a
// [*CorruptBlobError] instead of io.EOF. When the patient's identity was
// reconciled, the header is rewritten on the fly with the current
// identity (the stored bytes never change) and the coercion is recorded
// in the object and in the audit trail.
func (a *Archive) Open(ctx context.Context, sopUID string, opts *OpenOptions) (*Object, error) {
	if err := a.enter(ctx); err != nil {
		return nil, err
	}
	defer a.leave()
	var o OpenOptions
	if opts != nil {
		o = *opts
	}
	in, err := a.resolve(ctx, sopUID)
	if err != nil {
		return nil, a.done(ctx, ActionOpen, sopUID, err, "")
	}
	obj, err := a.openInstance(ctx, in, &o)
	return obj, a.done(ctx, ActionOpen, sopUID, err, openDetail(obj, &o))
}

func openDetail(obj *Object, o *OpenOptions) string {
	var parts []string
	if o.Raw {
		parts = append(parts, "raw")
	}
	if o.TransferSyntax != "" {
		parts = append(parts, "as "+o.TransferSyntax)
	}
	if obj != nil && len(obj.Coerced) > 0 {
		parts = append(parts, "coerced "+strings.Join(obj.Coerced, ","))
	}
	return strings.Join(parts, "; ")
}

// OpenSeries calls fn with every instance of a series, in instance-number
// order, and records one audit entry for the whole retrieval (one access,
// as a viewer opening a series sees it). Each Object is closed after fn
// returns; an error from fn stops the walk.
func (a *Archive) OpenSeries(ctx context.Context, seriesUID string, opts *OpenOptions, fn func(*Object) error) error {
	return a.openMany(ctx, &Query{SeriesInstanceUID: seriesUID}, seriesUID, opts, fn)
}

// OpenStudy is OpenSeries for a whole study, series by series.
func (a *Archive) OpenStudy(ctx context.Context, studyUID string, opts *OpenOptions, fn func(*Object) error) error {
	return a.openMany(ctx, &Query{StudyInstanceUID: studyUID}, studyUID, opts, fn)
}

func (a *Archive) openMany(ctx context.Context, q *Query, object string, opts *OpenOptions, fn func(*Object) error) error {
	if err := a.enter(ctx); err != nil {
		return err
	}
	defer a.leave()
	if object == "" {
		return a.done(ctx, ActionOpen, object, &QueryError{Param: "UID", Reason: "empty"}, "")
	}
	var o OpenOptions
	if opts != nil {
		o = *opts
	}
	n := 0
	var coerced []string
	cache := &studyIdentity{}
	var buf []byte
	err := a.allInstances(ctx, q, func(in Instance) error {
		obj, err := a.openCached(ctx, in, &o, cache)
		if err != nil {
			return err
		}
		if buf == nil {
			buf = make([]byte, writeToBlock)
		}
		obj.buf = buf
		coerced = obj.Coerced
		n++
		err = fn(obj)
		if cerr := obj.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err == nil && n == 0 {
		err = fmt.Errorf("%w: %s", ErrNotFound, object)
	}
	detail := fmt.Sprintf("%d instances", n)
	if d := openDetail(&Object{Coerced: coerced}, &o); d != "" {
		detail += "; " + d
	}
	return a.done(ctx, ActionOpen, object, err, detail)
}

// allInstances walks every page of QueryInstances.
func (a *Archive) allInstances(ctx context.Context, q *Query, fn func(Instance) error) error {
	qq := *q
	qq.Limit = MaxQueryLimit
	for {
		p, err := a.c.Index.QueryInstances(ctx, &qq)
		if err != nil {
			return err
		}
		for _, in := range p.Items {
			if err := fn(in); err != nil {
				return err
			}
		}
		if !p.More {
			return nil
		}
		qq.Offset += len(p.Items)
	}
}

// studyIdentity is the identity decision for one study, cached over a
// series or study retrieval.
type studyIdentity struct {
	study   string
	current Identity
	coerce  []string
}

func (a *Archive) openInstance(ctx context.Context, in Instance, o *OpenOptions) (*Object, error) {
	return a.openCached(ctx, in, o, &studyIdentity{})
}

func (a *Archive) openCached(ctx context.Context, in Instance, o *OpenOptions, cache *studyIdentity) (*Object, error) {
	if !o.Raw && a.c.Identity != nil && cache.study != in.StudyInstanceUID {
		p, received, err := a.c.Identity.StudyIdentity(ctx, in.StudyInstanceUID)
		if err != nil {
			return nil, err
		}
		*cache = studyIdentity{study: in.StudyInstanceUID}
		if p.Reconciled {
			cache.current = p.Identity
			cache.coerce = identityDiff(received, p.Identity)
		}
	}
	current, coerce := cache.current, cache.coerce
	if o.Raw {
		current, coerce = Identity{}, nil
	}
	rc, err := a.c.Blobs.Open(ctx, in.Digest)
	if err != nil {
		return nil, err
	}
	vr := newVerifyingReader(rc, in.Digest, in.Size)
	obj := &Object{ReadCloser: vr, Instance: in, Coerced: coerce}
	ts := o.TransferSyntax
	if ts == in.TransferSyntaxUID {
		ts = ""
	}
	if len(coerce) == 0 && ts == "" {
		return obj, nil
	}
	var edit func(*dicomio.File) error
	if len(coerce) > 0 {
		edit = coerceEdit(current, a.now(), a.opts.ModifyingSystem)
	}
	if ts != "" && (!codec.IsNative(ts) || !codec.IsNative(in.TransferSyntaxUID)) {
		// Compressed on either side: decode and encode the frames, in
		// memory (one object at a time).
		vr.Close()
		b, err := a.transcode(ctx, in, ts, edit)
		if err != nil {
			return nil, err
		}
		obj.ReadCloser = io.NopCloser(bytes.NewReader(b))
		return obj, nil
	}
	pr, pw := io.Pipe()
	ro := a.opts.Read
	go func() {
		err := dicomio.Rewrite(ctx, bufio.NewReaderSize(vr, 64<<10), pw, edit,
			&dicomio.RewriteOptions{Read: ro, Write: dicomio.WriteOptions{TransferSyntax: ts}})
		pw.CloseWithError(err)
	}()
	obj.ReadCloser = &pipeObject{pr: pr, src: vr}
	return obj, nil
}

// transcode delivers an instance in a compressed syntax or from one,
// losslessly: a lossy target on the way out would hand a reader a
// degraded image it did not ask the archive to keep, so it is refused.
func (a *Archive) transcode(ctx context.Context, in Instance, ts string, edit func(*dicomio.File) error) ([]byte, error) {
	if ts == JPEGLSNearLossless || !immediateSyntaxes[ts] && !codec.IsNative(ts) {
		return nil, &dicomio.UnsupportedTransferSyntaxError{UID: ts, Reason: "only lossless transcoding on retrieval"}
	}
	_, f, err := a.load(ctx, in)
	if err != nil {
		return nil, err
	}
	if edit != nil {
		if err := edit(f); err != nil {
			return nil, err
		}
	}
	out, _, err := codec.Transcode(ctx, f, ts, &codec.TranscodeOptions{Registry: a.codecs})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := out.Write(&buf, nil); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// pipeObject is the reading end of an on-the-fly rewrite; closing it stops
// the rewriting goroutine (its next write fails) and closes the blob.
type pipeObject struct {
	pr  *io.PipeReader
	src io.Closer
}

func (p *pipeObject) Read(b []byte) (int, error) { return p.pr.Read(b) }

func (p *pipeObject) Close() error {
	p.pr.Close()
	return p.src.Close()
}

// Header returns the header of an instance (everything but the pixel data,
// which is skipped), with the reconciled identity applied as [Archive.Open]
// applies it: what a DICOMweb metadata request returns.
func (a *Archive) Header(ctx context.Context, sopUID string) (*dicomio.File, error) {
	if err := a.enter(ctx); err != nil {
		return nil, err
	}
	defer a.leave()
	f, err := a.header(ctx, sopUID)
	return f, a.done(ctx, ActionRead, sopUID, err, "header")
}

func (a *Archive) header(ctx context.Context, sopUID string) (*dicomio.File, error) {
	in, err := a.resolve(ctx, sopUID)
	if err != nil {
		return nil, err
	}
	obj, err := a.openInstance(ctx, in, &OpenOptions{})
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	ro := a.opts.Read
	ro.PixelData = dicomio.PixelDataSkip
	f, err := dicomio.Parse(bufio.NewReaderSize(obj, 64<<10), &ro)
	if err != nil {
		var ce *CorruptBlobError
		if errors.As(err, &ce) {
			return nil, ce
		}
		return nil, fmt.Errorf("dicomarchive: reading stored header of %s: %w", sopUID, err)
	}
	return f, nil
}

// Instance returns the index record of an instance.
func (a *Archive) Instance(ctx context.Context, sopUID string) (Instance, error) {
	if err := a.enter(ctx); err != nil {
		return Instance{}, err
	}
	defer a.leave()
	in, err := a.c.Index.Instance(ctx, sopUID)
	return in, a.done(ctx, ActionRead, sopUID, err, "instance")
}

// Series returns the index record of a series.
func (a *Archive) Series(ctx context.Context, seriesUID string) (Series, error) {
	if err := a.enter(ctx); err != nil {
		return Series{}, err
	}
	defer a.leave()
	s, err := a.c.Index.Series(ctx, seriesUID)
	return s, a.done(ctx, ActionRead, seriesUID, err, "series")
}

// Study returns the index record of a study with its current patient.
func (a *Archive) Study(ctx context.Context, studyUID string) (Study, error) {
	if err := a.enter(ctx); err != nil {
		return Study{}, err
	}
	defer a.leave()
	s, err := a.c.Index.Study(ctx, studyUID)
	return s, a.done(ctx, ActionRead, studyUID, err, "study")
}

// QueryStudies returns one page of the studies matching q (nil matches
// everything), most recent first.
func (a *Archive) QueryStudies(ctx context.Context, q *Query) (Page[Study], error) {
	return runQuery(a, ctx, q, "studies", a.c.Index.QueryStudies)
}

// QuerySeries returns one page of the series matching q.
func (a *Archive) QuerySeries(ctx context.Context, q *Query) (Page[Series], error) {
	return runQuery(a, ctx, q, "series", a.c.Index.QuerySeries)
}

// QueryInstances returns one page of the instances matching q.
func (a *Archive) QueryInstances(ctx context.Context, q *Query) (Page[Instance], error) {
	return runQuery(a, ctx, q, "instances", a.c.Index.QueryInstances)
}

func runQuery[T any](a *Archive, ctx context.Context, q *Query, level string, f func(context.Context, *Query) (Page[T], error)) (Page[T], error) {
	if err := a.enter(ctx); err != nil {
		return Page[T]{}, err
	}
	defer a.leave()
	if q == nil {
		q = &Query{}
	}
	if _, err := q.check(); err != nil {
		return Page[T]{}, a.done(ctx, ActionQuery, level, err, q.describe())
	}
	p, err := f(ctx, q)
	return p, a.done(ctx, ActionQuery, level, err, fmt.Sprintf("%s -> %d", q.describe(), len(p.Items)))
}

// describe renders the non-empty fields of q for the audit trail.
func (q *Query) describe() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("PatientID", q.PatientID)
	add("PatientName", q.PatientName)
	add("INS", q.INS)
	add("ReferringPhysicianName", q.ReferringPhysician)
	add("AccessionNumber", q.AccessionNumber)
	add("Modality", q.Modality)
	if !q.StudyDateFrom.IsZero() {
		add("StudyDateFrom", daString(q.StudyDateFrom))
	}
	if !q.StudyDateTo.IsZero() {
		add("StudyDateTo", daString(q.StudyDateTo))
	}
	add("StudyInstanceUID", q.StudyInstanceUID)
	add("SeriesInstanceUID", q.SeriesInstanceUID)
	add("SOPInstanceUID", q.SOPInstanceUID)
	parts = append(parts, fmt.Sprintf("limit=%d offset=%d", q.Limit, q.Offset))
	return strings.Join(parts, " ")
}

// Conflicts lists the refused offers of different content under a stored
// SOP Instance UID ("" for all).
func (a *Archive) Conflicts(ctx context.Context, sopUID string) ([]Conflict, error) {
	if err := a.enter(ctx); err != nil {
		return nil, err
	}
	defer a.leave()
	c, err := a.c.Index.Conflicts(ctx, sopUID)
	return c, a.done(ctx, ActionRead, sopUID, err, "conflicts")
}
