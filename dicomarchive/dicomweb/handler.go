// Package dicomweb serves a [dicomarchive.Archive] over DICOMweb (PS3.18):
// STOW-RS to store, QIDO-RS to search studies, series and instances, and
// WADO-RS to retrieve instances, series, studies, metadata and frames.
//
// Authentication is the caller's: [Options.Authenticate] maps a request to
// a principal, which the archive records in its audit trail.
// [BearerTokens] and [ClientCertificate] cover the usual cases. Without an
// Authenticate function every request is anonymous: fine on a loopback
// test, never on a network.
package dicomweb

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/codec"
	"github.com/radkit/radkit/dicomio"
)

// Options configure a [Handler]. The zero value serves anonymously with
// the defaults below.
type Options struct {
	// Authenticate returns the principal of a request, or an error to
	// refuse it with 401. Default: none, every request is anonymous.
	Authenticate func(r *http.Request) (principal string, err error)
	// BaseURL prefixes the RetrieveURLs of responses, e.g.
	// "https://pacs.example/dicomweb". Default: derived from the request
	// (scheme and Host).
	BaseURL string
	// MaxUploadBytes bounds one STOW-RS request. Default 8 GiB.
	MaxUploadBytes int64
	// Logger receives request errors. Default: none.
	Logger *slog.Logger
}

// Handler is the DICOMweb http.Handler. It is safe for concurrent use.
type Handler struct {
	a    *dicomarchive.Archive
	opts Options
	mux  *http.ServeMux
}

var _ http.Handler = (*Handler)(nil)

// NewHandler returns a DICOMweb service over a. opts may be nil. Mount it
// at the root of its own path (use http.StripPrefix for a prefix).
func NewHandler(a *dicomarchive.Archive, opts *Options) *Handler {
	h := &Handler{a: a}
	if opts != nil {
		h.opts = *opts
	}
	if h.opts.MaxUploadBytes <= 0 {
		h.opts.MaxUploadBytes = 8 << 30
	}
	if h.opts.Logger == nil {
		h.opts.Logger = slog.New(slog.DiscardHandler)
	}
	m := http.NewServeMux()
	m.HandleFunc("POST /studies", h.stow)
	m.HandleFunc("POST /studies/{study}", h.stow)
	m.HandleFunc("GET /studies", h.qido(levelStudy))
	m.HandleFunc("GET /series", h.qido(levelSeries))
	m.HandleFunc("GET /instances", h.qido(levelInstance))
	m.HandleFunc("GET /studies/{study}/series", h.qido(levelSeries))
	m.HandleFunc("GET /studies/{study}/instances", h.qido(levelInstance))
	m.HandleFunc("GET /studies/{study}/series/{series}/instances", h.qido(levelInstance))
	m.HandleFunc("GET /studies/{study}", h.wado)
	m.HandleFunc("GET /studies/{study}/series/{series}", h.wado)
	m.HandleFunc("GET /studies/{study}/series/{series}/instances/{instance}", h.wado)
	m.HandleFunc("GET /studies/{study}/metadata", h.metadata)
	m.HandleFunc("GET /studies/{study}/series/{series}/metadata", h.metadata)
	m.HandleFunc("GET /studies/{study}/series/{series}/instances/{instance}/metadata", h.metadata)
	m.HandleFunc("GET /studies/{study}/series/{series}/instances/{instance}/frames/{frames}", h.frames)
	h.mux = m
	return h
}

// ServeHTTP authenticates the request and dispatches it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.opts.Authenticate != nil {
		p, err := h.opts.Authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="radkit"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		r = r.WithContext(dicomarchive.WithPrincipal(r.Context(), p))
	}
	h.mux.ServeHTTP(w, r)
}

// BearerTokens authenticates "Authorization: Bearer TOKEN" against a fixed
// table of tokens and the principals they stand for. Real deployments
// check tokens with their identity provider; this is the shape.
func BearerTokens(tokens map[string]string) func(*http.Request) (string, error) {
	return func(r *http.Request) (string, error) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if p, known := tokens[tok]; ok && known {
			return p, nil
		}
		return "", errors.New("dicomweb: missing or unknown bearer token")
	}
}

// ClientCertificate authenticates by the verified TLS client certificate
// (mutual TLS; configure the server with ClientAuth
// tls.RequireAndVerifyClientCert): the principal is the certificate's
// subject common name.
func ClientCertificate(r *http.Request) (string, error) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return "", errors.New("dicomweb: no verified client certificate")
	}
	return "cn=" + r.TLS.VerifiedChains[0][0].Subject.CommonName, nil
}

func (h *Handler) base(r *http.Request) string {
	if h.opts.BaseURL != "" {
		return strings.TrimRight(h.opts.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// httpError maps archive errors to status codes.
func (h *Handler) httpError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	var ute *dicomio.UnsupportedTransferSyntaxError
	var use *codec.UnsupportedSyntaxError
	switch {
	case errors.Is(err, dicomarchive.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, dicomarchive.ErrQuery):
		code = http.StatusBadRequest
	case errors.Is(err, dicomarchive.ErrNoPrincipal):
		code = http.StatusUnauthorized
	case errors.As(err, &ute), errors.As(err, &use):
		code = http.StatusNotAcceptable
	case errors.Is(err, context.Canceled):
		return
	}
	if code == http.StatusInternalServerError {
		h.opts.Logger.Error("dicomweb", "err", err)
	}
	http.Error(w, err.Error(), code)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/dicom+json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// Tags of DICOM JSON responses.
var (
	tagRetrieveURL        = dicomio.NewTag(0x0008, 0x1190)
	tagFailedSOPSeq       = dicomio.NewTag(0x0008, 0x1198)
	tagReferencedSOPSeq   = dicomio.NewTag(0x0008, 0x1199)
	tagRefSOPClassUID     = dicomio.NewTag(0x0008, 0x1150)
	tagRefSOPInstanceUID  = dicomio.NewTag(0x0008, 0x1155)
	tagFailureReason      = dicomio.NewTag(0x0008, 0x1197)
	tagStudyDate          = dicomio.NewTag(0x0008, 0x0020)
	tagStudyTime          = dicomio.NewTag(0x0008, 0x0030)
	tagAccessionNumber    = dicomio.NewTag(0x0008, 0x0050)
	tagModalitiesInStudy  = dicomio.NewTag(0x0008, 0x0061)
	tagReferringPhysician = dicomio.NewTag(0x0008, 0x0090)
	tagStudyDescription   = dicomio.NewTag(0x0008, 0x1030)
	tagSeriesDescription  = dicomio.NewTag(0x0008, 0x103E)
	tagPatientBirthDate   = dicomio.NewTag(0x0010, 0x0030)
	tagPatientSex         = dicomio.NewTag(0x0010, 0x0040)
	tagStudyID            = dicomio.NewTag(0x0020, 0x0010)
	tagSeriesNumber       = dicomio.NewTag(0x0020, 0x0011)
	tagInstanceNumber     = dicomio.NewTag(0x0020, 0x0013)
	tagNumStudySeries     = dicomio.NewTag(0x0020, 0x1206)
	tagNumStudyInstances  = dicomio.NewTag(0x0020, 0x1208)
	tagNumSeriesInstances = dicomio.NewTag(0x0020, 0x1209)
	tagAvailableTS        = dicomio.NewTag(0x0008, 0x3002)
	tagIssuerOfPatientID  = dicomio.NewTag(0x0010, 0x0021)
)

// Failure reasons of STOW-RS (PS3.4 Annex B.2.3).
const (
	failureOutOfResources   = 0xA700
	failureCannotUnderstand = 0xC000
	failureDuplicateSOP     = 0x0111
	failureNotAuthorized    = 0x0124
)

// stow stores every part of a multipart/related request and reports per
// instance, as PS3.18 10.5.3 says: 200 when all were stored, 202 when some
// failed, 409 when none could be stored.
func (h *Handler) stow(w http.ResponseWriter, r *http.Request) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/related" || params["boundary"] == "" {
		http.Error(w, "STOW-RS needs multipart/related; type=\"application/dicom\"", http.StatusUnsupportedMediaType)
		return
	}
	if t := params["type"]; t != "" && !strings.EqualFold(t, "application/dicom") {
		http.Error(w, "only application/dicom parts are supported", http.StatusUnsupportedMediaType)
		return
	}
	study := r.PathValue("study")
	body := http.MaxBytesReader(w, r.Body, h.opts.MaxUploadBytes)
	mr := multipart.NewReader(body, params["boundary"])
	resp := object{}
	var ok, failed []any
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			failed = append(failed, failure("", "", failureCannotUnderstand))
			break
		}
		res, err := h.a.Store(r.Context(), part, &dicomarchive.StoreOptions{StudyInstanceUID: r.PathValue("study")})
		part.Close()
		in := res.Instance
		switch {
		case err == nil:
			item := object{}
			item.str(tagRefSOPClassUID, "UI", in.SOPClassUID)
			item.str(tagRefSOPInstanceUID, "UI", in.SOPInstanceUID)
			item.str(tagRetrieveURL, "UR", fmt.Sprintf("%s/studies/%s/series/%s/instances/%s", h.base(r), in.StudyInstanceUID, in.SeriesInstanceUID, in.SOPInstanceUID))
			ok = append(ok, item)
			if study == "" {
				study = in.StudyInstanceUID
			}
		default:
			var ce *dicomarchive.ConflictError
			reason := failureOutOfResources
			sop := ""
			switch {
			case errors.As(err, &ce):
				reason, sop = failureDuplicateSOP, ce.SOPInstanceUID
			case errors.Is(err, dicomarchive.ErrInvalidObject), errors.Is(err, dicomarchive.ErrTier):
				reason = failureCannotUnderstand
			case errors.Is(err, dicomarchive.ErrNoPrincipal):
				reason = failureNotAuthorized
			}
			h.opts.Logger.Info("stow part refused", "err", err)
			failed = append(failed, failure("", sop, reason))
		}
	}
	if study != "" && len(ok) > 0 {
		resp.str(tagRetrieveURL, "UR", h.base(r)+"/studies/"+study)
	}
	if len(ok) > 0 {
		resp[tagKey(tagReferencedSOPSeq)] = attr{VR: "SQ", Value: ok}
	}
	if len(failed) > 0 {
		resp[tagKey(tagFailedSOPSeq)] = attr{VR: "SQ", Value: failed}
	}
	code := http.StatusOK
	switch {
	case len(ok) == 0 && len(failed) > 0:
		code = http.StatusConflict
	case len(failed) > 0:
		code = http.StatusAccepted
	}
	writeJSON(w, code, resp)
}

func failure(class, sop string, reason int) object {
	o := object{}
	o.str(tagRefSOPClassUID, "UI", class)
	o.str(tagRefSOPInstanceUID, "UI", sop)
	o.num(tagFailureReason, "US", reason)
	return o
}

type level int

const (
	levelStudy level = iota
	levelSeries
	levelInstance
)

// qido answers a search.
func (h *Handler) qido(lv level) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, warnings, err := ParseQuery(r.URL.RawQuery)
		if err != nil {
			h.httpError(w, err)
			return
		}
		if s := r.PathValue("study"); s != "" {
			q.StudyInstanceUID = s
		}
		if s := r.PathValue("series"); s != "" {
			q.SeriesInstanceUID = s
		}
		for _, wn := range warnings {
			w.Header().Add("Warning", `299 radkit "`+wn+`"`)
		}
		base := h.base(r)
		var out []object
		var more bool
		switch lv {
		case levelStudy:
			p, err := h.a.QueryStudies(r.Context(), q)
			if err != nil {
				h.httpError(w, err)
				return
			}
			for _, s := range p.Items {
				out = append(out, studyJSON(&s, base))
			}
			more = p.More
		case levelSeries:
			p, err := h.a.QuerySeries(r.Context(), q)
			if err != nil {
				h.httpError(w, err)
				return
			}
			for _, s := range p.Items {
				out = append(out, seriesJSON(&s, base))
			}
			more = p.More
		default:
			p, err := h.a.QueryInstances(r.Context(), q)
			if err != nil {
				h.httpError(w, err)
				return
			}
			for _, in := range p.Items {
				out = append(out, instanceJSON(&in, base))
			}
			more = p.More
		}
		if more {
			w.Header().Add("Warning", `299 radkit "There are additional results that can be requested"`)
		}
		if len(out) == 0 {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func studyJSON(s *dicomarchive.Study, base string) object {
	o := object{}
	o.str(tagStudyDate, "DA", s.StudyDate)
	o.str(tagStudyTime, "TM", s.StudyTime)
	o.str(tagAccessionNumber, "SH", s.AccessionNumber)
	o.str(tagModalitiesInStudy, "CS", s.Modalities...)
	o.pn(tagReferringPhysician, s.ReferringPhysician)
	o.str(tagStudyDescription, "LO", s.Description)
	o.pn(dicomio.TagPatientName, s.Patient.Name)
	o.str(dicomio.TagPatientID, "LO", s.Patient.PatientID)
	o.str(tagIssuerOfPatientID, "LO", s.Patient.Issuer)
	o.str(tagPatientBirthDate, "DA", s.Patient.BirthDate)
	o.str(tagPatientSex, "CS", s.Patient.Sex)
	o.str(dicomio.TagStudyInstanceUID, "UI", s.StudyInstanceUID)
	o.str(tagStudyID, "SH", s.StudyID)
	o.num(tagNumStudySeries, "IS", s.NumSeries)
	o.num(tagNumStudyInstances, "IS", s.NumInstances)
	o.str(tagRetrieveURL, "UR", base+"/studies/"+s.StudyInstanceUID)
	return o
}

func seriesJSON(s *dicomarchive.Series, base string) object {
	o := object{}
	o.str(dicomio.TagModality, "CS", s.Modality)
	o.str(tagSeriesDescription, "LO", s.Description)
	o.str(dicomio.TagStudyInstanceUID, "UI", s.StudyInstanceUID)
	o.str(dicomio.TagSeriesInstanceUID, "UI", s.SeriesInstanceUID)
	o.num(tagSeriesNumber, "IS", s.SeriesNumber)
	o.num(tagNumSeriesInstances, "IS", s.NumInstances)
	o.str(tagRetrieveURL, "UR", base+"/studies/"+s.StudyInstanceUID+"/series/"+s.SeriesInstanceUID)
	return o
}

func instanceJSON(in *dicomarchive.Instance, base string) object {
	o := object{}
	o.str(dicomio.TagSOPClassUID, "UI", in.SOPClassUID)
	o.str(dicomio.TagSOPInstanceUID, "UI", in.SOPInstanceUID)
	o.str(tagAvailableTS, "UI", in.TransferSyntaxUID)
	o.str(dicomio.TagStudyInstanceUID, "UI", in.StudyInstanceUID)
	o.str(dicomio.TagSeriesInstanceUID, "UI", in.SeriesInstanceUID)
	o.num(tagInstanceNumber, "IS", in.InstanceNumber)
	if in.NumberOfFrames > 0 {
		o.num(dicomio.TagNumberOfFrames, "IS", in.NumberOfFrames)
	}
	o.str(tagRetrieveURL, "UR", fmt.Sprintf("%s/studies/%s/series/%s/instances/%s", base, in.StudyInstanceUID, in.SeriesInstanceUID, in.SOPInstanceUID))
	return o
}

// acceptedSyntax reads the transfer-syntax parameter of an Accept header
// for multipart/related; type="application/dicom": "*" means as stored,
// absent means Explicit VR Little Endian (PS3.18 8.7.3.5.2).
func acceptedSyntax(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if mt == "multipart/related" || mt == "application/dicom" {
			if ts, ok := params["transfer-syntax"]; ok {
				if ts == "*" {
					return ""
				}
				return ts
			}
		}
	}
	return dicomio.ExplicitVRLittleEndian
}

// wado streams a study, series or instance as multipart/related.
//
// The objects are read and checked against their SHA-256 by a second
// goroutine (see [pipeline]) while this one writes to the client, so that
// hashing object n+1 overlaps sending object n. Every part still leaves
// only once its object has been verified in full: a corrupt object breaks
// the response before its last bytes, never after a complete part.
func (h *Handler) wado(w http.ResponseWriter, r *http.Request) {
	ts := acceptedSyntax(r)
	study, series, inst := r.PathValue("study"), r.PathValue("series"), r.PathValue("instance")
	opts := &dicomarchive.OpenOptions{TransferSyntax: ts}
	walk := func(ctx context.Context, fn func(*dicomarchive.Object) error) error {
		check := func(obj *dicomarchive.Object) error {
			if obj.Instance.StudyInstanceUID != study || (series != "" && obj.Instance.SeriesInstanceUID != series) {
				return fmt.Errorf("%w: instance not in this study or series", dicomarchive.ErrNotFound)
			}
			return fn(obj)
		}
		switch {
		case inst != "":
			obj, err := h.a.Open(ctx, inst, opts)
			if err != nil {
				return err
			}
			err = check(obj)
			if cerr := obj.Close(); err == nil {
				err = cerr
			}
			return err
		case series != "":
			return h.a.OpenSeries(ctx, series, opts, check)
		default:
			return h.a.OpenStudy(ctx, study, opts, check)
		}
	}
	mw := newPartWriter(w)
	err := pipeline(r.Context(), walk, func(m message) error {
		if m.part != nil {
			if mw.parts == 0 {
				w.Header().Set("Content-Type", `multipart/related; type="application/dicom"; boundary=`+mw.boundary)
			}
			ct := "application/dicom"
			if t := m.part.TransferSyntaxUID; ts == "" && t != "" {
				ct += "; transfer-syntax=" + t
			} else if ts != "" {
				ct += "; transfer-syntax=" + ts
			}
			return mw.startPart(ct)
		}
		return mw.write(m.data)
	})
	if err != nil && mw.out.n == 0 {
		// Nothing has reached the client yet (what is buffered is
		// dropped): an error status is still possible.
		h.httpError(w, err)
		return
	}
	if err == nil {
		err = mw.close()
	}
	if err != nil {
		// Too late for a status: break the multipart stream (no closing
		// boundary, connection reset) so that the client sees an
		// incomplete response rather than a valid one.
		if !errors.Is(err, context.Canceled) {
			h.opts.Logger.Error("wado", "err", err)
		}
		panic(http.ErrAbortHandler)
	}
}

// partWriter writes the multipart/related framing itself, through a
// 64 KiB buffer: a part's header leaves with the first bytes of its data
// in one write, and the rest of a large chunk bypasses the buffer (one
// copy of at most 64 KiB per part, where multipart.Writer would make a
// separate small write of every header).
type partWriter struct {
	bw       *bufio.Writer
	out      *countingWriter
	boundary string
	parts    int
}

func newPartWriter(w io.Writer) *partWriter {
	// multipart.Writer makes the random boundary; only its Boundary is
	// used.
	out := &countingWriter{w: w}
	return &partWriter{bw: bufio.NewWriterSize(out, 64<<10), out: out, boundary: multipart.NewWriter(io.Discard).Boundary()}
}

// countingWriter counts the bytes that reached the client's connection.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func (p *partWriter) startPart(contentType string) error {
	if p.parts > 0 {
		p.bw.WriteString("\r\n")
	}
	p.parts++
	p.bw.WriteString("--")
	p.bw.WriteString(p.boundary)
	p.bw.WriteString("\r\nContent-Type: ")
	p.bw.WriteString(contentType)
	_, err := p.bw.WriteString("\r\n\r\n")
	return err
}

func (p *partWriter) write(b []byte) error {
	_, err := p.bw.Write(b)
	return err
}

// close writes the closing boundary and flushes.
func (p *partWriter) close() error {
	if p.parts > 0 {
		p.bw.WriteString("\r\n")
	}
	p.bw.WriteString("--")
	p.bw.WriteString(p.boundary)
	p.bw.WriteString("--\r\n")
	return p.bw.Flush()
}

// metadata returns the headers of the selected instances as DICOM JSON.
func (h *Handler) metadata(w http.ResponseWriter, r *http.Request) {
	study, series, inst := r.PathValue("study"), r.PathValue("series"), r.PathValue("instance")
	var sops []dicomarchive.Instance
	if inst != "" {
		in, err := h.a.Instance(r.Context(), inst)
		if err != nil {
			h.httpError(w, err)
			return
		}
		sops = append(sops, in)
	} else {
		q := &dicomarchive.Query{StudyInstanceUID: study, SeriesInstanceUID: series, Limit: dicomarchive.MaxQueryLimit}
		for {
			p, err := h.a.QueryInstances(r.Context(), q)
			if err != nil {
				h.httpError(w, err)
				return
			}
			sops = append(sops, p.Items...)
			if !p.More {
				break
			}
			q.Offset += len(p.Items)
		}
	}
	if len(sops) == 0 {
		h.httpError(w, fmt.Errorf("%w: %s", dicomarchive.ErrNotFound, study))
		return
	}
	base := h.base(r)
	out := make([]object, 0, len(sops))
	for _, in := range sops {
		if in.StudyInstanceUID != study || (series != "" && in.SeriesInstanceUID != series) {
			h.httpError(w, fmt.Errorf("%w: instance %s not in this study or series", dicomarchive.ErrNotFound, in.SOPInstanceUID))
			return
		}
		f, err := h.a.Header(r.Context(), in.SOPInstanceUID)
		if err != nil {
			h.httpError(w, err)
			return
		}
		url := fmt.Sprintf("%s/studies/%s/series/%s/instances/%s", base, in.StudyInstanceUID, in.SeriesInstanceUID, in.SOPInstanceUID)
		out = append(out, datasetJSON(f.Dataset, url))
	}
	writeJSON(w, http.StatusOK, out)
}

// frames returns frames of an instance as application/octet-stream parts
// (native pixel data) or in their compressed form.
func (h *Handler) frames(w http.ResponseWriter, r *http.Request) {
	var nums []int
	for _, s := range strings.Split(r.PathValue("frames"), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			http.Error(w, "frame numbers are positive integers", http.StatusBadRequest)
			return
		}
		nums = append(nums, n)
	}
	obj, err := h.a.Open(r.Context(), r.PathValue("instance"), &dicomarchive.OpenOptions{})
	if err != nil {
		h.httpError(w, err)
		return
	}
	defer obj.Close()
	if obj.Instance.StudyInstanceUID != r.PathValue("study") || obj.Instance.SeriesInstanceUID != r.PathValue("series") {
		h.httpError(w, fmt.Errorf("%w: instance not in this study or series", dicomarchive.ErrNotFound))
		return
	}
	f, err := dicomio.Parse(obj, nil)
	if err != nil {
		h.httpError(w, err)
		return
	}
	frames, ct, err := splitFrames(f)
	if err != nil {
		h.httpError(w, err)
		return
	}
	mw := multipart.NewWriter(w)
	w.Header().Set("Content-Type", fmt.Sprintf(`multipart/related; type="%s"; boundary=%s`, ct, mw.Boundary()))
	for _, n := range nums {
		if n > len(frames) {
			continue
		}
		pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {ct}})
		if err != nil {
			return
		}
		pw.Write(frames[n-1])
	}
	mw.Close()
}

func splitFrames(f *dicomio.File) ([][]byte, string, error) {
	ds := f.Dataset
	pd := ds.Get(dicomio.TagPixelData)
	if pd == nil {
		return nil, "", fmt.Errorf("%w: no pixel data", dicomarchive.ErrNotFound)
	}
	if f.TransferSyntax.Encapsulated {
		fr, err := dicomio.Frames(ds)
		return fr, "application/octet-stream; transfer-syntax=" + f.TransferSyntax.UID, err
	}
	n, _ := ds.Int(dicomio.TagNumberOfFrames)
	if n < 1 {
		n = 1
	}
	data := pd.Value
	size := len(data) / int(n)
	if size == 0 {
		return nil, "", fmt.Errorf("dicomweb: empty pixel data")
	}
	out := make([][]byte, n)
	for i := range out {
		out[i] = data[i*size : (i+1)*size]
	}
	return out, "application/octet-stream", nil
}

// ParseQuery reads QIDO-RS query parameters (PS3.18 8.3.4): attribute
// matches by keyword or tag (PatientID or 00100020), StudyDate as a date or
// a range ("20240101-20241231", open ends allowed), limit and offset.
// Parameters it does not support (includefield, fuzzymatching, unknown
// attributes) are returned as warnings, as the standard allows, rather
// than failing the search. Malformed values give a *dicomarchive.QueryError.
func ParseQuery(raw string) (*dicomarchive.Query, []string, error) {
	q := &dicomarchive.Query{}
	var warnings []string
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		key, err := unescape(k)
		if err != nil {
			return nil, nil, &dicomarchive.QueryError{Param: k, Reason: "bad escape"}
		}
		val, err := unescape(v)
		if err != nil {
			return nil, nil, &dicomarchive.QueryError{Param: key, Reason: "bad escape"}
		}
		if name, ok := tagNames[strings.ToUpper(key)]; ok {
			key = name
		}
		switch key {
		case "PatientID":
			q.PatientID = val
		case "PatientName":
			q.PatientName = val
		case "ReferringPhysicianName":
			q.ReferringPhysician = val
		case "AccessionNumber":
			q.AccessionNumber = val
		case "ModalitiesInStudy", "Modality":
			q.Modality = val
		case "StudyInstanceUID":
			q.StudyInstanceUID = val
		case "SeriesInstanceUID":
			q.SeriesInstanceUID = val
		case "SOPInstanceUID":
			q.SOPInstanceUID = val
		case "StudyDate":
			from, to, err := dateRange(val)
			if err != nil {
				return nil, nil, err
			}
			q.StudyDateFrom, q.StudyDateTo = from, to
		case "limit", "offset":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return nil, nil, &dicomarchive.QueryError{Param: key, Reason: "not a non-negative integer"}
			}
			if key == "limit" {
				q.Limit = min(n, dicomarchive.MaxQueryLimit)
			} else {
				q.Offset = n
			}
		default:
			warnings = append(warnings, "unsupported query parameter ignored: "+sanitize(key))
		}
	}
	return q, warnings, nil
}

// tagNames maps the tag form of the supported attributes to keywords.
var tagNames = map[string]string{
	"00100020": "PatientID", "00100010": "PatientName", "00080090": "ReferringPhysicianName",
	"00080050": "AccessionNumber", "00080061": "ModalitiesInStudy", "00080060": "Modality",
	"0020000D": "StudyInstanceUID", "0020000E": "SeriesInstanceUID", "00080018": "SOPInstanceUID",
	"00080020": "StudyDate",
}

func unescape(s string) (string, error) {
	s = strings.ReplaceAll(s, "+", " ")
	var b bytes.Buffer
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", errors.New("bad escape")
		}
		n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", err
		}
		b.WriteByte(byte(n))
		i += 2
	}
	return b.String(), nil
}

// sanitize keeps a parameter name printable and short for a header.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 64 {
			break
		}
		if r > 0x20 && r < 0x7f && r != '"' && r != '\\' {
			b.WriteRune(r)
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}

func dateRange(v string) (time.Time, time.Time, error) {
	parse := func(s string) (time.Time, error) {
		if s == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse("20060102", strings.ReplaceAll(s, ".", ""))
		if err != nil {
			return t, &dicomarchive.QueryError{Param: "StudyDate", Reason: fmt.Sprintf("%q is not a DA date (YYYYMMDD)", s)}
		}
		return t, nil
	}
	a, b, isRange := strings.Cut(v, "-")
	from, err := parse(a)
	if err != nil {
		return from, from, err
	}
	if !isRange {
		return from, from, nil
	}
	to, err := parse(b)
	return from, to, err
}
