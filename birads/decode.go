package birads

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// FieldError is one reason a form could not be decoded: the JSON path of
// the field ("l1.findings[0].mass.margins", or "" for the whole document),
// the byte offset where its value ends when known, and why.
type FieldError struct {
	Path   string `json:"path"`
	Offset int64  `json:"offset,omitempty"`
	Reason string `json:"reason"`
}

func (e *FieldError) Error() string {
	if e.Path == "" {
		return "birads: form: " + e.Reason
	}
	return "birads: form field " + e.Path + ": " + e.Reason
}

// DecodeError lists every [FieldError] of a form, in document order.
// errors.As finds each of them through Unwrap.
type DecodeError struct {
	Errors []*FieldError
}

func (e *DecodeError) Error() string {
	switch len(e.Errors) {
	case 0:
		return "birads: invalid form"
	case 1:
		return e.Errors[0].Error()
	}
	return fmt.Sprintf("%v (and %d more errors)", e.Errors[0], len(e.Errors)-1)
}

// Unwrap returns the field errors.
func (e *DecodeError) Unwrap() []error {
	errs := make([]error, len(e.Errors))
	for i, fe := range e.Errors {
		errs[i] = fe
	}
	return errs
}

// ErrTooLarge is wrapped by the error of a form longer than
// [Options.MaxBytes].
var ErrTooLarge = errors.New("birads: form too large")

// DecodeForm decodes a form strictly: unknown fields, duplicate keys,
// wrong types, unknown enumeration values, missing required fields and
// inconsistent shapes (a mass finding without its mass description) are
// all reported, each by a [FieldError] naming its JSON path, and all of
// them at once in a [*DecodeError]. It does not apply the rules: see
// [Engine.Evaluate].
func DecodeForm(data []byte) (*Form, error) {
	root, ferr := parseTree(data)
	if ferr != nil {
		return nil, &DecodeError{Errors: []*FieldError{ferr}}
	}
	d := &decoder{}
	var f Form
	d.value("", root, reflect.ValueOf(&f).Elem(), false)
	if len(d.errs) == 0 {
		d.errs = append(d.errs, f.checkShape()...)
	}
	if len(d.errs) > 0 {
		return nil, &DecodeError{Errors: d.errs}
	}
	return &f, nil
}

// readLimited reads at most max bytes of r, failing beyond.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
	}
	return data, nil
}

// node is a parsed JSON value that keeps its offset and its object keys in
// order, which encoding/json's generic decoding loses.
type node struct {
	kind  byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	off   int64
	keys  []string
	vals  []*node
	elems []*node
	str   string
	num   json.Number
	b     bool
}

func (n *node) describe() string {
	switch n.kind {
	case 'o':
		return "an object"
	case 'a':
		return "an array"
	case 's':
		return "a string"
	case 'n':
		return "a number"
	case 'b':
		return "a boolean"
	}
	return "null"
}

// parseTree parses one JSON document, rejecting duplicate keys and
// trailing data.
func parseTree(data []byte) (*node, *FieldError) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := parseValue(dec, "")
	if err != nil {
		return nil, err
	}
	if _, terr := dec.Token(); terr != io.EOF {
		return nil, &FieldError{Offset: dec.InputOffset(), Reason: "invalid JSON: data after the form object"}
	}
	return n, nil
}

func parseValue(dec *json.Decoder, path string) (*node, *FieldError) {
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonSyntax(dec, path, err)
	}
	return parseToken(dec, path, tok)
}

func parseToken(dec *json.Decoder, path string, tok json.Token) (*node, *FieldError) {
	n := &node{off: dec.InputOffset()}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.kind = 'o'
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, jsonSyntax(dec, path, err)
				}
				key, _ := kt.(string)
				kp := joinPath(path, key)
				if seen[key] {
					return nil, &FieldError{Path: kp, Offset: dec.InputOffset(), Reason: "duplicate key"}
				}
				seen[key] = true
				v, ferr := parseValue(dec, kp)
				if ferr != nil {
					return nil, ferr
				}
				n.keys = append(n.keys, key)
				n.vals = append(n.vals, v)
			}
		case '[':
			n.kind = 'a'
			for i := 0; dec.More(); i++ {
				v, ferr := parseValue(dec, path+"["+strconv.Itoa(i)+"]")
				if ferr != nil {
					return nil, ferr
				}
				n.elems = append(n.elems, v)
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, jsonSyntax(dec, path, err)
		}
	case string:
		n.kind, n.str = 's', t
	case json.Number:
		n.kind, n.num = 'n', t
	case bool:
		n.kind, n.b = 'b', t
	case nil:
		n.kind = 'z'
	}
	return n, nil
}

func jsonSyntax(dec *json.Decoder, path string, err error) *FieldError {
	msg := err.Error()
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		msg = "unexpected end of input"
	}
	return &FieldError{Path: path, Offset: dec.InputOffset(), Reason: "invalid JSON: " + strings.TrimPrefix(msg, "json: ")}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// decoder walks a node tree into a Go value by reflection, collecting
// every error instead of stopping at the first.
type decoder struct {
	errs []*FieldError
}

func (d *decoder) fail(path string, n *node, format string, args ...any) {
	var off int64
	if n != nil {
		off = n.off
	}
	d.errs = append(d.errs, &FieldError{Path: path, Offset: off, Reason: fmt.Sprintf(format, args...)})
}

// enumType is implemented by the form's enumerations.
type enumType interface{ enumValues() []string }

var (
	categoryType = reflect.TypeFor[Category]()
	densityType  = reflect.TypeFor[Density]()
	dateType     = reflect.TypeFor[Date]()
	textUnmarsh  = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func (d *decoder) value(path string, n *node, v reflect.Value, required bool) {
	t := v.Type()
	if n.kind == 'z' {
		switch {
		case required:
			d.fail(path, n, "required field is null")
		case t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t == categoryType:
			// absent
		default:
			d.fail(path, n, "null is not allowed here; leave the field out instead")
		}
		return
	}
	switch {
	case t == categoryType:
		c, err := categoryFromJSON(rawScalar(n))
		if err != nil {
			d.fail(path, n, "%v", err)
			return
		}
		v.Set(reflect.ValueOf(c))
		return
	case t == densityType:
		den, err := densityFromJSON(rawScalar(n))
		if err != nil {
			d.fail(path, n, "%v", err)
			return
		}
		v.Set(reflect.ValueOf(den))
		return
	case t == dateType || t.Kind() == reflect.Uint8 && reflect.PointerTo(t).Implements(textUnmarsh):
		if n.kind != 's' {
			d.fail(path, n, "want a string, got %s", n.describe())
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.str)); err != nil {
			d.fail(path, n, "%v", err)
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		d.value(path, n, p.Elem(), false)
		v.Set(p)
	case reflect.Struct:
		d.object(path, n, v)
	case reflect.Slice:
		if n.kind != 'a' {
			d.fail(path, n, "want an array, got %s", n.describe())
			return
		}
		s := reflect.MakeSlice(t, len(n.elems), len(n.elems))
		for i, e := range n.elems {
			d.value(path+"["+strconv.Itoa(i)+"]", e, s.Index(i), false)
		}
		v.Set(s)
	case reflect.String:
		if n.kind != 's' {
			d.fail(path, n, "want a string, got %s", n.describe())
			return
		}
		v.SetString(n.str)
	case reflect.Bool:
		if n.kind != 'b' {
			d.fail(path, n, "want true or false, got %s", n.describe())
			return
		}
		v.SetBool(n.b)
	case reflect.Int:
		if n.kind != 'n' {
			d.fail(path, n, "want a whole number, got %s", n.describe())
			return
		}
		i, err := strconv.ParseInt(n.num.String(), 10, 32)
		if err != nil {
			d.fail(path, n, "want a whole number, got %s", n.num)
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		if n.kind != 'n' {
			d.fail(path, n, "want a number, got %s", n.describe())
			return
		}
		f, err := n.num.Float64()
		if err != nil {
			d.fail(path, n, "want a number, got %s", n.num)
			return
		}
		v.SetFloat(f)
	default:
		d.fail(path, n, "unsupported field type %v", t) // a bug, not bad input
	}
}

func rawScalar(n *node) []byte {
	switch n.kind {
	case 's':
		return []byte(strconv.Quote(n.str))
	case 'n':
		return []byte(n.num.String())
	case 'b':
		return []byte(strconv.FormatBool(n.b))
	case 'o':
		return []byte("{}")
	case 'a':
		return []byte("[]")
	}
	return []byte("null")
}

func (d *decoder) object(path string, n *node, v reflect.Value) {
	if n.kind != 'o' {
		d.fail(path, n, "want an object, got %s", n.describe())
		return
	}
	fields := structFields(v.Type())
	seen := make([]bool, len(fields))
	for i, key := range n.keys {
		j := fieldIndex(fields, key)
		kp := joinPath(path, key)
		if j < 0 {
			d.fail(kp, n.vals[i], "unknown field; known fields are %s", fieldNames(fields))
			continue
		}
		seen[j] = true
		d.value(kp, n.vals[i], v.Field(fields[j].index), fields[j].required)
	}
	for j, f := range fields {
		if f.required && !seen[j] {
			d.fail(joinPath(path, f.name), n, "required field missing")
		}
	}
}

// field is a struct field as the JSON encoding sees it.
type field struct {
	name     string
	index    int
	required bool
	doc      string
}

func structFields(t reflect.Type) []field {
	var fs []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fs = append(fs, field{name: name, index: i, required: sf.Tag.Get("birads") == "required", doc: sf.Tag.Get("doc")})
	}
	return fs
}

func fieldIndex(fs []field, name string) int {
	for i, f := range fs {
		if f.name == name {
			return i
		}
	}
	return -1
}

func fieldNames(fs []field) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	return quoteList(names)
}

// checkShape reports what the types cannot: descriptions that must go with
// a finding's kind, bounds of numbers, the version.
func (f *Form) checkShape() []*FieldError {
	var errs []*FieldError
	add := func(path, format string, args ...any) {
		errs = append(errs, &FieldError{Path: path, Reason: fmt.Sprintf(format, args...)})
	}
	if f.Version != FormVersion {
		add("version", "unsupported form version %q: this package reads version %q", f.Version, FormVersion)
	}
	if f.PersonRef == "" {
		add("person_ref", "must not be empty")
	}
	if f.L1.Reader == "" {
		add("l1.reader", "must not be empty")
	}
	if f.L2 != nil && f.L2.Reader == "" {
		add("l2.reader", "must not be empty")
	}
	for i, s := range f.History.Mastectomy {
		if slicesIndex(f.History.Mastectomy[:i], s) >= 0 {
			add(fmt.Sprintf("history.mastectomy[%d]", i), "breast %q listed twice", s)
		}
	}
	checkFindings := func(base string, fs []Finding) {
		for i, fd := range fs {
			p := fmt.Sprintf("%s[%d]", base, i)
			want := map[FindingKind]string{KindMass: "mass", KindCalcifications: "calcifications", KindFocalAsymmetry: "asymmetry", KindDistortion: "distortion"}
			has := map[string]bool{"mass": fd.Mass != nil, "calcifications": fd.Calcifications != nil, "asymmetry": fd.Asymmetry != nil, "distortion": fd.Distortion != nil}
			for _, name := range []string{"mass", "calcifications", "asymmetry", "distortion"} {
				if has[name] && want[fd.Kind] != name {
					add(p+"."+name, "only allowed when kind is %q, not %q", kindFor(name), fd.Kind)
				}
			}
			if name := want[fd.Kind]; name != "" && name != "distortion" && !has[name] {
				add(p+"."+name, "required when kind is %q: annexe 2 classifies the finding by it", fd.Kind)
			}
			if fd.Location != nil {
				checkLocation(p+".location", fd.Location, add)
			}
			if fd.Mass != nil && fd.Mass.SizeMM < 0 {
				add(p+".mass.size_mm", "must not be negative")
			}
			if fd.Surveillance != nil && !fd.Surveillance.Since.IsZero() && f.ExamDate.Before(fd.Surveillance.Since) {
				add(p+".surveillance.since", "after the exam date %s", f.ExamDate)
			}
		}
	}
	checkFindings("l1.findings", f.L1.Findings)
	if f.L2 != nil {
		for i, a := range f.L2.Anomalies {
			if a.Location != nil {
				checkLocation(fmt.Sprintf("l2.anomalies[%d].location", i), a.Location, add)
			}
		}
		if !f.L2.Date.IsZero() && f.L2.Date.Before(f.ExamDate) {
			add("l2.date", "before the exam date %s", f.ExamDate)
		}
	}
	if w := f.DeferredWorkup; w != nil {
		checkFindings("deferred_workup.findings", w.Findings)
		if !w.Date.IsZero() && w.Date.Before(f.ExamDate) {
			add("deferred_workup.date", "before the exam date %s", f.ExamDate)
		}
	}
	return errs
}

func kindFor(name string) FindingKind {
	switch name {
	case "mass":
		return KindMass
	case "calcifications":
		return KindCalcifications
	case "asymmetry":
		return KindFocalAsymmetry
	}
	return KindDistortion
}

func checkLocation(p string, l *Location, add func(string, string, ...any)) {
	if l.Clock < 0 || l.Clock > 12 {
		add(p+".clock", "clock position %d: want 1 to 12", l.Clock)
	}
	if l.DistanceMM < 0 {
		add(p+".distance_mm", "must not be negative")
	}
}

func slicesIndex[T comparable](s []T, v T) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
