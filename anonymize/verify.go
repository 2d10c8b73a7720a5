package anonymize

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/radkit/radkit/dicomio"
)

// Leak is an identifying value of an original found in a de-identified
// output. It names where the value came from and where it was found, never
// the value itself, so that a leak report can be shared and logged.
type Leak struct {
	// Kind is KindName, KindID, KindDate, KindUID, KindText or KindPrivate.
	Kind string `json:"kind"`
	// Source is the tag of the original attribute that held the value.
	Source string `json:"source"`
	// Found is the path of the output element holding it, such as
	// "(0040,0275)>(0008,0050)", "meta>(0002,0003)".
	Found string `json:"found"`
	// File is the output file, when verifying paths.
	File string `json:"file,omitempty"`
}

func (l Leak) String() string {
	s := fmt.Sprintf("%s value of %s found at %s", l.Kind, l.Source, l.Found)
	if l.File != "" {
		s = l.File + ": " + s
	}
	return s
}

// LogValue lists the leak's tags; it holds no value to redact.
func (l Leak) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kind", l.Kind), slog.String("source", l.Source), slog.String("found", l.Found), slog.String("file", l.File))
}

// VerifyReport is the result of [Verify] or [VerifyPaths].
type VerifyReport struct {
	// Values is the number of identifying values collected from the
	// originals (in all their forms).
	Values int `json:"values"`
	// Files is the number of output files searched.
	Files int `json:"files"`
	// Elements is the number of output elements searched.
	Elements int `json:"elements"`
	// Leaks lists every identifying value found, in output order.
	Leaks []Leak `json:"leaks"`
}

// OK reports whether no leak was found.
func (r *VerifyReport) OK() bool { return len(r.Leaks) == 0 }

// VerifyOptions say what the de-identification was allowed to keep.
type VerifyOptions struct {
	// Options are the PS3.15 options that were applied. When
	// FromOutput is true (the zero value is false), they are read from
	// the De-identification Method Code Sequence of each output instead.
	Options Option
	// FromOutput reads the options from the outputs' (0012,0064) codes.
	FromOutput bool
	// SafePrivate is the allow-list used under Retain Safe Private; nil
	// means DefaultSafePrivate.
	SafePrivate []PrivateTag
}

// collector gathers the identifying values of an original: every value of
// an attribute that the options say must not survive (removed, emptied,
// replaced by a dummy or a UID), person names anywhere, private values
// that are not on the safe list, all values inside removed sequences;
// values that the options retain somewhere in the object are then taken
// out, since finding them again is not a leak.
type collector struct {
	opts     Option
	safe     map[PrivateTag]bool
	terms    *termSet
	retained map[string]bool
}

func newCollector(opts Option, safe map[PrivateTag]bool) *collector {
	return &collector{opts: opts, safe: safe, terms: newTermSet(), retained: map[string]bool{}}
}

func (c *collector) file(f *dicomio.File) {
	if f.Meta != nil {
		c.terms.addUID(f.Meta.String(dicomio.TagMediaStorageSOPInstanceUID), dicomio.TagMediaStorageSOPInstanceUID)
		if v := f.Meta.String(dicomio.TagSourceApplicationEntityTitle); v != "" {
			c.terms.add(v, KindText, dicomio.TagSourceApplicationEntityTitle)
		}
	}
	c.dataset(f.Dataset, false)
}

func (c *collector) dataset(d *dicomio.Dataset, removed bool) {
	for _, e := range d.Elements() {
		t := e.Tag
		switch {
		case t.IsGroupLength(), t == dicomio.TagPixelData, t == dicomio.TagFloatPixelData, t == dicomio.TagDoubleFloatPixelData:
			continue
		case t.IsPrivate():
			if t.IsPrivateCreator() {
				continue
			}
			if !removed && c.opts&RetainSafePrivate != 0 && t.Element() >= 0x1000 {
				creator := strings.TrimSpace(d.String(dicomio.NewTag(t.Group(), t.Element()>>8)))
				if c.safe[PrivateTag{Creator: creator, Group: t.Group(), Offset: uint8(t.Element())}] {
					// Safe by the table, so not an identifying value; but
					// not retained either: a safe attribute holding the
					// patient's name must not hide that name elsewhere,
					// and the outputs are searched for it there too.
					c.value(d, e, stateCleaned)
					continue
				}
			}
			c.value(d, e, stateGone)
			continue
		case isOverlayOrCurve(t):
			st := stateCleaned
			if removed || c.opts&CleanGraphics == 0 || t.Group()&0xFF00 == 0x5000 {
				st = stateGone
			}
			c.value(d, e, st)
			continue
		case t == tagPatientIdentityRemoved, t == tagDeidentificationMethod, t == tagDeidentificationMethodCodes:
			continue
		}
		st := stateKept
		if removed {
			st = stateGone
		} else {
			if r := lookupRow(t); r != nil {
				switch act := r.action(c.opts); {
				case act == Keep:
				case act == Clean:
					// Cleaned values survive only when free of identity,
					// so they prove nothing either way; dates are shifted,
					// so the originals must not survive.
					st = stateCleaned
					if e.VR == dicomio.DA || e.VR == dicomio.DT {
						st = stateGone
					}
				case e.VR == dicomio.SQ && (act == Replace || act == Dummy && !isCodeSequence(e)):
					// The sequence stays; its items answer for themselves.
				default:
					st = stateGone
				}
			} else {
				st = c.unlisted(e)
			}
			if t == tagPatientName || t == tagPatientID {
				st = stateGone
			}
		}
		c.value(d, e, st)
	}
}

// valueState is what the options do to a value of the original.
type valueState int

const (
	stateKept    valueState = iota // survives as is
	stateGone                      // must not survive
	stateCleaned                   // survives only if free of identity
)

// unlisted mirrors the documented rule for attributes absent from Table
// E.1-1 (see the package documentation).
func (c *collector) unlisted(e *dicomio.Element) valueState {
	switch e.VR {
	case dicomio.PN:
		return stateGone
	case dicomio.LT, dicomio.ST, dicomio.UT, dicomio.UC:
		if c.opts&(CleanDescriptors|CleanStructuredContent) != 0 {
			return stateCleaned
		}
		return stateGone
	case dicomio.UI:
		if c.opts&RetainUIDs == 0 && !isClassUIDTag(e.Tag) {
			return stateGone
		}
	case dicomio.DA, dicomio.DT:
		if c.opts&RetainLongitudinalFullDates == 0 {
			return stateGone
		}
	}
	return stateKept
}

func (c *collector) value(d *dicomio.Dataset, e *dicomio.Element, st valueState) {
	if e.VR == dicomio.SQ {
		for _, it := range e.Items {
			c.dataset(it, st == stateGone)
		}
		return
	}
	vr := e.VR
	if vr == dicomio.UN {
		if de, ok := dicomio.LookupTag(e.Tag); ok && len(de.VR) == 2 {
			vr = dicomio.NewVR(de.VR)
		} else if e.Tag.IsPrivate() {
			vr = dicomio.LO // implicit private text is the common case
		}
	}
	if !vr.IsString() {
		return
	}
	vals, err := stringsOf(d, e, vr)
	if err != nil {
		return
	}
	if e.VR == dicomio.UN && !printable(e.Value) {
		// A binary blob read as text gives arbitrary words, not values.
		return
	}
	switch st {
	case stateCleaned:
		return
	case stateKept:
		for _, v := range vals {
			if vr != dicomio.UI {
				c.retained[normalise(v)] = true
			}
		}
		return
	}
	kind := KindText
	if e.Tag.IsPrivate() {
		kind = KindPrivate
	}
	for _, v := range vals {
		switch vr {
		case dicomio.PN:
			c.terms.addName(v, e.Tag)
		case dicomio.DA:
			for _, part := range strings.Split(v, "-") {
				c.terms.addDate(part, e.Tag)
			}
		case dicomio.DT:
			c.terms.addDate(v, e.Tag)
		case dicomio.UI:
			if !isClassUIDTag(e.Tag) {
				c.terms.addUID(v, e.Tag)
			}
		case dicomio.LO, dicomio.SH:
			k := kind
			if k == KindText && countDigits(v) >= 4 {
				k = KindID
			}
			c.terms.add(v, k, e.Tag)
			if e.Tag.IsPrivate() {
				// Private blocks pack values: "IPP 64698221\NIR ...".
				for _, w := range strings.Fields(v) {
					if countDigits(w) >= 6 {
						c.terms.add(w, KindPrivate, e.Tag)
					}
				}
			}
		case dicomio.LT, dicomio.ST, dicomio.UT, dicomio.UC, dicomio.AE, dicomio.UR:
			c.terms.add(v, kind, e.Tag)
		}
	}
}

// stringsOf decodes the values of e as vr (e may be UN).
func stringsOf(d *dicomio.Dataset, e *dicomio.Element, vr dicomio.VR) ([]string, error) {
	if e.VR == vr {
		return d.Strings(e.Tag)
	}
	cs, err := d.CharacterSet()
	if err != nil {
		return nil, err
	}
	s, err := cs.Decode(e.Value, vr)
	if err != nil {
		return nil, err
	}
	s = strings.Trim(s, " \x00")
	if s == "" {
		return nil, nil
	}
	return strings.Split(s, `\`), nil
}

// finish drops the values that the options retain elsewhere in the
// object, alone or as a word of a retained value: a manufacturer name
// "TOSHIBA_MEC" kept by every profile makes an institution named "TOSHIBA"
// impossible to tell from it.
func (c *collector) finish() *termSet {
	out := newTermSet()
	for _, t := range c.terms.terms {
		if t.uid == "" && c.isRetained(t.word) {
			continue
		}
		out.terms = append(out.terms, t)
	}
	return out
}

func (c *collector) isRetained(word string) bool {
	if c.retained[word] {
		return true
	}
	for r := range c.retained {
		if strings.Contains(r, word) {
			return true
		}
	}
	return false
}

// searcher looks for identifying values in de-identified objects.
type searcher struct {
	terms  *termSet
	uids   map[string]dicomio.Tag
	report *VerifyReport
	file   string
}

func newSearcher(ts *termSet, rep *VerifyReport) *searcher {
	s := &searcher{terms: newTermSet(), uids: map[string]dicomio.Tag{}, report: rep}
	for _, t := range ts.terms {
		if t.uid != "" {
			s.uids[t.uid] = t.source
		} else {
			s.terms.terms = append(s.terms.terms, t)
		}
	}
	rep.Values += len(ts.terms)
	return s
}

func (s *searcher) searchFile(f *dicomio.File) {
	s.report.Files++
	if f.Meta != nil {
		s.dataset(f.Meta, []string{"meta"})
	}
	s.dataset(f.Dataset, nil)
}

func (s *searcher) dataset(d *dicomio.Dataset, path []string) {
	for _, e := range d.Elements() {
		t := e.Tag
		if t == dicomio.TagPixelData || t == dicomio.TagFloatPixelData || t == dicomio.TagDoubleFloatPixelData ||
			(isOverlayOrCurve(t) && t.Element() == 0x3000) {
			continue
		}
		if len(path) == 0 && (t == tagPatientIdentityRemoved || t == tagDeidentificationMethod ||
			t == tagDeidentificationMethodCodes || t == tagLongitudinalTemporalModified) {
			continue // radkit's own markers, constant text
		}
		s.report.Elements++
		p := append(slices.Clone(path), t.String())
		if e.VR == dicomio.SQ {
			for _, it := range e.Items {
				s.dataset(it, p)
			}
			continue
		}
		var text string
		var vals []string
		if e.VR.IsString() {
			v, err := d.Strings(t)
			if err != nil {
				text = latin1(e.Value)
			} else {
				vals = v
				text = strings.Join(v, `\`)
			}
		} else if e.VR == dicomio.UN || e.VR == dicomio.OB || e.Tag.IsPrivate() {
			// Unknown and binary values are searched as Latin-1 and,
			// when valid, as UTF-8 text.
			text = latin1(e.Value)
			if utf8.Valid(e.Value) {
				s.check(string(e.Value), nil, e.VR, p)
			}
		} else {
			continue
		}
		s.check(text, vals, e.VR, p)
	}
}

func (s *searcher) check(text string, vals []string, vr dicomio.VR, path []string) {
	found := func(kind string, src dicomio.Tag) {
		s.report.Leaks = append(s.report.Leaks, Leak{Kind: kind, Source: src.String(), Found: strings.Join(path, ">"), File: s.file})
	}
	if vr == dicomio.UI {
		for _, v := range vals {
			if src, ok := s.uids[strings.TrimRight(v, "\x00 ")]; ok {
				found(KindUID, src)
			}
		}
		return
	}
	if len(s.uids) > 0 && strings.Count(text, ".") >= 2 {
		for u, src := range s.uids {
			if strings.Contains(text, u) {
				found(KindUID, src)
			}
		}
	}
	n := normalise(text)
	var c string
	for i := range s.terms.terms {
		t := &s.terms.terms[i]
		if strings.Contains(n, t.word) {
			found(t.kind, t.source)
			continue
		}
		if t.compact != "" && vr != dicomio.DS && vr != dicomio.IS {
			if c == "" {
				c = compactOf(n)
			}
			if strings.Contains(c, t.compact) {
				found(t.kind, t.source)
			}
		}
	}
}

// printable reports whether b looks like text: no control bytes other than
// blanks, escapes (ISO 2022) and trailing NUL padding.
func printable(b []byte) bool {
	for _, c := range bytes.TrimRight(b, "\x00") {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != 0x1B {
			return false
		}
	}
	return true
}

func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// Verify searches anon, the de-identified version of orig, for every
// identifying value of orig: names and their components, identifiers
// (INS/NIR, IPP, accession numbers, RPPS), addresses, phone numbers,
// dates, UIDs and free text, in several normalisations (case, accents, PN
// separators, blanks inside identifiers, date formats), in every element
// at every depth of the output, private elements, unknown (UN) and binary
// values and the file meta information included. Pixel and overlay data
// are not searched: burned-in text is the pixel cleaner's business.
func Verify(orig, anon *dicomio.File, opts VerifyOptions) *VerifyReport {
	rep := &VerifyReport{}
	o := opts.Options
	if opts.FromOutput {
		o = optionsFromOutput(anon.Dataset)
	}
	c := newCollector(o, safeSet(opts.SafePrivate))
	c.file(orig)
	s := newSearcher(c.finish(), rep)
	s.searchFile(anon)
	return rep
}

// optionsFromOutput reads the options applied from the CID 7050 codes of
// De-identification Method Code Sequence.
func optionsFromOutput(ds *dicomio.Dataset) Option {
	var o Option
	e := ds.Get(tagDeidentificationMethodCodes)
	if e == nil {
		return 0
	}
	for _, it := range e.Items {
		code := it.String(tagCodeValue)
		for _, in := range optionInfo {
			if in.code == code {
				o |= in.opt
			}
		}
	}
	return o
}

// VerifyPaths verifies de-identified outputs against their originals.
// orig and anon are files or directories (searched recursively; files that
// are not DICOM are skipped): the identifying values of every original are
// searched for in every output, so a value that moved from one patient's
// file into another's output is found too.
func VerifyPaths(ctx context.Context, orig, anon string, opts VerifyOptions) (*VerifyReport, error) {
	origs, err := dicomFiles(orig)
	if err != nil {
		return nil, err
	}
	anons, err := dicomFiles(anon)
	if err != nil {
		return nil, err
	}
	if len(origs) == 0 {
		return nil, fmt.Errorf("anonymize: no DICOM file under %s", orig)
	}
	rep := &VerifyReport{}
	ro := &dicomio.ReadOptions{PixelData: dicomio.PixelDataSkip}
	// The options come from the first output when asked to read them.
	o := opts.Options
	var outs []*dicomio.File
	for _, p := range anons {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := dicomio.ReadFile(p, ro)
		if err != nil {
			return nil, fmt.Errorf("anonymize: reading output %s: %w", p, err)
		}
		outs = append(outs, f)
	}
	if opts.FromOutput && len(outs) > 0 {
		o = optionsFromOutput(outs[0].Dataset)
	}
	c := newCollector(o, safeSet(opts.SafePrivate))
	for _, p := range origs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := dicomio.ReadFile(p, ro)
		if err != nil {
			continue // not DICOM: nothing to leak from it
		}
		c.file(f)
	}
	s := newSearcher(c.finish(), rep)
	for i, f := range outs {
		s.file = anons[i]
		s.searchFile(f)
	}
	return rep, nil
}

// dicomFiles lists the regular files under p (p itself if a file), sorted.
func dicomFiles(p string) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	var out []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

func safeSet(list []PrivateTag) map[PrivateTag]bool {
	if list == nil {
		list = DefaultSafePrivate()
	}
	m := make(map[PrivateTag]bool, len(list))
	for _, p := range list {
		p.Creator = strings.TrimSpace(p.Creator)
		m[p] = true
	}
	return m
}
