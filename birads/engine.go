package birads

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// SeedFile is the copy of the arrêté whose line numbers every [Citation]
// gives, relative to the project's shared directory.
const SeedFile = "seeds/001_7079384f1a78c8fd.txt"

// SourceTitle names the text the rules come from.
const SourceTitle = "Arrêté du 16 janvier 2024 relatif aux programmes de dépistages organisés des cancers (NOR TSSP2332083A), annexe III"

// RuleID identifies a rule; it never changes once published, so that
// CRCDC software can store it with a result.
type RuleID string

// Kind is what a rule does.
type Kind uint8

// Rule kinds.
const (
	// Constraint rules make a form invalid when they fire.
	Constraint Kind = iota + 1
	// Advice rules give a warning: the reader decides.
	Advice
	// Routing rules decide what happens next; the decision lists those
	// that fired, in order.
	Routing
	// Qualification rules check reader activity, not forms.
	Qualification
)

var kindNames = []string{"", "constraint", "advice", "routing", "qualification"}

func (k Kind) String() string               { return enumString(kindNames, k) }
func (k Kind) MarshalText() ([]byte, error) { return enumMarshal(kindNames, k, "kind") }

// Citation locates a rule's source in the arrêté.
type Citation struct {
	Section string `json:"section"` // e.g. "IV.B" or "annexe 2"
	Lines   []int  `json:"lines"`   // lines of [SeedFile]
	Quote   string `json:"quote"`   // verbatim French, found on one of Lines
}

func (c Citation) String() string {
	ls := make([]string, len(c.Lines))
	for i, l := range c.Lines {
		ls[i] = fmt.Sprintf("L%d", l)
	}
	return fmt.Sprintf("annexe III, %s (%s)", c.Section, strings.Join(ls, ", "))
}

// FormatSources renders citations compactly, merging those of the same
// section: "annexe III, annexe 2 (L1112, L1117)".
func FormatSources(cs []Citation) string {
	var parts []string
	for i := 0; i < len(cs); {
		j := i
		var ls []string
		for ; j < len(cs) && cs[j].Section == cs[i].Section; j++ {
			for _, l := range cs[j].Lines {
				ls = append(ls, fmt.Sprintf("L%d", l))
			}
		}
		parts = append(parts, fmt.Sprintf("annexe III, %s (%s)", cs[i].Section, strings.Join(ls, ", ")))
		i = j
	}
	return strings.Join(parts, "; ")
}

// Rule is one rule of the engine. The table of rules is fixed by the
// package; [Rules] lists it.
type Rule struct {
	ID      RuleID     `json:"id"`
	Kind    Kind       `json:"kind"`
	Sources []Citation `json:"sources"`
	Message Text       `json:"message"`
	check   func(*evalCtx) []hit
}

// hit is one place where a rule fires.
type hit struct {
	path   string
	side   Side
	detail Text
}

// Rules returns the rule table, in evaluation order.
func Rules() []Rule {
	rs := make([]Rule, len(ruleTable))
	copy(rs, ruleTable)
	for i := range rs {
		rs[i].check = nil
	}
	return rs
}

// Severity of a violation.
type Severity uint8

// Severities.
const (
	SeverityError Severity = iota + 1
	SeverityWarning
)

var severityNames = []string{"", "error", "warning"}

func (s Severity) String() string               { return enumString(severityNames, s) }
func (s Severity) MarshalText() ([]byte, error) { return enumMarshal(severityNames, s, "severity") }

// Violation is a rule that fired on a form or on reader activity.
type Violation struct {
	Rule     RuleID     `json:"rule"`
	Severity Severity   `json:"severity"`
	Path     string     `json:"path,omitempty"`
	Side     Side       `json:"side,omitempty"`
	Message  Text       `json:"message"`
	Detail   *Text      `json:"detail,omitempty"`
	Sources  []Citation `json:"sources"`
}

func (v *Violation) Error() string {
	var b strings.Builder
	b.WriteString("birads: ")
	b.WriteString(string(v.Rule))
	if v.Path != "" {
		b.WriteString(" at " + v.Path)
	}
	b.WriteString(": " + v.Message.EN)
	if v.Detail != nil && v.Detail.EN != "" {
		b.WriteString(" (" + v.Detail.EN + ")")
	}
	return b.String()
}

// ValidationError is the error of an invalid form: every constraint that
// fired. errors.As finds each [*Violation] through Unwrap.
type ValidationError struct {
	Violations []Violation
}

func (e *ValidationError) Error() string {
	if len(e.Violations) == 1 {
		return e.Violations[0].Error()
	}
	return fmt.Sprintf("%v (and %d more violations)", e.Violations[0].Error(), len(e.Violations)-1)
}

// Unwrap returns the violations.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Violations))
	for i := range e.Violations {
		errs[i] = &e.Violations[i]
	}
	return errs
}

// OptionsError reports an invalid [Options] field.
type OptionsError struct {
	Field  string
	Reason string
}

func (e *OptionsError) Error() string { return "birads: option " + e.Field + ": " + e.Reason }

// Options configure an [Engine]. The zero value is the programme with the
// arrêté's thresholds, the system clock and no tracing.
type Options struct {
	// Mode is Programme (the zero value) or General.
	Mode Mode
	// Params are the thresholds and delays; zero fields take the
	// documented defaults.
	Params Params
	// Now returns the current time; nil means time.Now. Routing uses it
	// for the letters' dates and qualification for the two-year check.
	Now func() time.Time
	// Tracer receives an event per rule evaluated; nil traces nothing. It
	// must be safe for concurrent use if the engine is.
	Tracer Tracer
	// MaxBytes bounds the form Check reads; 0 means 1 MiB.
	MaxBytes int64
}

// DefaultMaxBytes is the default of [Options.MaxBytes].
const DefaultMaxBytes = 1 << 20

// Engine evaluates forms and reader activity against the rules. Prepare
// it once and call Evaluate, Check or Qualify many times: it is immutable
// and safe for concurrent use.
type Engine struct {
	mode     Mode
	params   Params
	now      func() time.Time
	tracer   Tracer
	maxBytes int64
	rules    []Rule
}

// Prepare validates the options, fills in the defaults and returns an
// engine. It fails with an [*OptionsError].
func Prepare(opts Options) (*Engine, error) {
	if opts.Mode != Programme && opts.Mode != General {
		return nil, &OptionsError{"Mode", fmt.Sprintf("unknown mode %d", opts.Mode)}
	}
	p, err := opts.Params.resolve()
	if err != nil {
		return nil, err
	}
	if opts.MaxBytes < 0 {
		return nil, &OptionsError{"MaxBytes", "must not be negative"}
	}
	e := &Engine{mode: opts.Mode, params: p, now: opts.Now, tracer: opts.Tracer, maxBytes: opts.MaxBytes, rules: ruleTable}
	if e.now == nil {
		e.now = time.Now
	}
	if e.maxBytes == 0 {
		e.maxBytes = DefaultMaxBytes
	}
	return e, nil
}

// Params returns the engine's thresholds, defaults filled in.
func (e *Engine) Params() Params { return e.params }

// Report is the result of checking one form: whether it is valid, every
// rule that fired, the category suggestions and the routing decision.
// It encodes to JSON as it is.
type Report struct {
	Valid       bool                `json:"valid"`
	Mode        Mode                `json:"mode"`
	FormErrors  []*FieldError       `json:"form_errors,omitempty"`
	Errors      []Violation         `json:"errors,omitempty"`
	Warnings    []Violation         `json:"warnings,omitempty"`
	Suggestions []ReadingSuggestion `json:"suggestions,omitempty"`
	// Decision is nil when the form is invalid: routing an exam from a
	// form that breaks the rules would be guessing.
	Decision *Decision `json:"decision,omitempty"`
}

// ReadingSuggestion compares a reader's category of one breast with the
// annexe 2 suggestion.
type ReadingSuggestion struct {
	Reading string `json:"reading"` // "l1" or "deferred_workup"
	Suggestion
	Given Category `json:"given"`
}

// Err returns nil for a valid report, else a [*DecodeError] when the form
// could not be decoded or a [*ValidationError] listing the violated
// constraints.
func (r *Report) Err() error {
	if r.Valid {
		return nil
	}
	if len(r.FormErrors) > 0 {
		return &DecodeError{Errors: r.FormErrors}
	}
	return &ValidationError{Violations: r.Errors}
}

// Check reads one form from r (JSON, at most opts.MaxBytes), decodes it
// strictly and evaluates it. An undecodable or too large form gives a
// report with Valid false and FormErrors, not an error: the error is for
// failures to check at all (invalid options, a read error, a cancelled
// context).
func Check(ctx context.Context, r io.Reader, opts Options) (Report, error) {
	e, err := Prepare(opts)
	if err != nil {
		return Report{}, err
	}
	return e.Check(ctx, r)
}

// Check is the package-level [Check] with a prepared engine.
func (e *Engine) Check(ctx context.Context, r io.Reader) (Report, error) {
	data, err := readLimited(r, e.maxBytes)
	if errors.Is(err, ErrTooLarge) {
		return Report{Mode: e.mode, FormErrors: []*FieldError{{Reason: err.Error()}}}, nil
	}
	if err != nil {
		return Report{}, fmt.Errorf("birads: reading form: %w", err)
	}
	f, err := DecodeForm(data)
	if err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			return Report{Mode: e.mode, FormErrors: de.Errors}, nil
		}
		return Report{}, err
	}
	return e.Evaluate(ctx, f)
}

// Evaluate applies the constraint and advice rules to a decoded form and,
// if none of the constraints fired, the routing rules. The error is only
// ctx's.
func (e *Engine) Evaluate(ctx context.Context, f *Form) (Report, error) {
	rep := Report{Mode: e.mode}
	c := &evalCtx{e: e, f: f, now: e.now()}
	for i := range e.rules {
		r := &e.rules[i]
		if r.Kind != Constraint && r.Kind != Advice {
			continue
		}
		if err := ctx.Err(); err != nil {
			return Report{}, err
		}
		for _, v := range e.run(c, r) {
			if r.Kind == Constraint {
				rep.Errors = append(rep.Errors, v)
			} else {
				rep.Warnings = append(rep.Warnings, v)
			}
		}
	}
	rep.Suggestions = c.suggestions()
	rep.Valid = len(rep.Errors) == 0
	if !rep.Valid {
		return rep, nil
	}
	c.dec = &Decision{}
	for i := range e.rules {
		r := &e.rules[i]
		if r.Kind != Routing {
			continue
		}
		if err := ctx.Err(); err != nil {
			return Report{}, err
		}
		if len(e.run(c, r)) > 0 {
			c.dec.Fired = append(c.dec.Fired, r.ID)
		}
	}
	rep.Decision = c.dec
	return rep, nil
}

// run evaluates one rule, traces it and returns its violations.
func (e *Engine) run(c *evalCtx, r *Rule) []Violation {
	c.rule = r.ID
	e.trace(Event{Op: OpEval, Rule: r.ID, Kind: r.Kind})
	hits := r.check(c)
	if len(hits) == 0 {
		e.trace(Event{Op: OpPass, Rule: r.ID, Kind: r.Kind})
		return nil
	}
	sev := SeverityError
	if r.Kind == Advice {
		sev = SeverityWarning
	}
	vs := make([]Violation, 0, len(hits))
	for _, h := range hits {
		v := Violation{Rule: r.ID, Severity: sev, Path: h.path, Side: h.side, Message: r.Message, Sources: r.Sources}
		if h.detail != (Text{}) {
			d := h.detail
			v.Detail = &d
		}
		e.trace(Event{Op: OpFire, Rule: r.ID, Kind: r.Kind, Path: h.path, Side: h.side, Message: r.Message, Detail: h.detail})
		vs = append(vs, v)
	}
	return vs
}

func (e *Engine) trace(ev Event) {
	if e.tracer != nil {
		e.tracer.Trace(ev)
	}
}

// Op is what a trace event records.
type Op uint8

// Trace operations.
const (
	OpEval Op = iota + 1 // a rule is about to be evaluated
	OpPass               // it did not fire
	OpFire               // it fired (once per place)
)

var opNames = []string{"", "eval", "pass", "fire"}

func (o Op) String() string               { return enumString(opNames, o) }
func (o Op) MarshalText() ([]byte, error) { return enumMarshal(opNames, o, "op") }

// Event is one step of an evaluation, for explaining a result.
type Event struct {
	Op      Op     `json:"op"`
	Rule    RuleID `json:"rule"`
	Kind    Kind   `json:"kind"`
	Path    string `json:"path,omitempty"`
	Side    Side   `json:"side,omitempty"`
	Message Text   `json:"message,omitzero"`
	Detail  Text   `json:"detail,omitzero"`
}

// Tracer receives the events of evaluations.
type Tracer interface {
	Trace(Event)
}

// TracerFunc adapts a function to [Tracer].
type TracerFunc func(Event)

// Trace calls f(ev).
func (f TracerFunc) Trace(ev Event) { f(ev) }

// BufferTracer keeps every event in memory. Its zero value is ready; it
// is safe for concurrent use.
type BufferTracer struct {
	mu     sync.Mutex
	events []Event
}

// Trace records ev.
func (b *BufferTracer) Trace(ev Event) {
	b.mu.Lock()
	b.events = append(b.events, ev)
	b.mu.Unlock()
}

// Events returns a copy of the events recorded so far.
func (b *BufferTracer) Events() []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Event(nil), b.events...)
}

// PrettyTrace writes events one per line, rules that fired marked: the
// explanation of a result.
func PrettyTrace(w io.Writer, events []Event) error {
	for _, ev := range events {
		var err error
		switch ev.Op {
		case OpEval:
			continue
		case OpPass:
			_, err = fmt.Fprintf(w, "  pass  %s\n", ev.Rule)
		case OpFire:
			where := ev.Path
			if where == "" && ev.Side != NoSide {
				where = ev.Side.String()
			}
			if where != "" {
				where = " at " + where
			}
			_, err = fmt.Fprintf(w, "  FIRE  %s%s: %s\n", ev.Rule, where, ev.Message.EN)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// WriteText writes the report for a person to read: validity, errors and
// warnings with their sources in French and English, suggestions, and the
// decision with its chain of rules and its actions.
func (r *Report) WriteText(w io.Writer) error {
	tw := &textWriter{w: w}
	status := "VALID"
	if !r.Valid {
		status = "INVALID"
	}
	tw.printf("Form %s (mode %s): %d form errors, %d rule errors, %d warnings\n", status, r.Mode,
		len(r.FormErrors), len(r.Errors), len(r.Warnings))
	if len(r.FormErrors) > 0 {
		tw.printf("\nForm errors:\n")
		for _, fe := range r.FormErrors {
			p := fe.Path
			if p == "" {
				p = "(form)"
			}
			tw.printf("  %s: %s\n", p, fe.Reason)
		}
	}
	for _, sec := range []struct {
		title string
		vs    []Violation
	}{{"Errors", r.Errors}, {"Warnings", r.Warnings}} {
		if len(sec.vs) == 0 {
			continue
		}
		tw.printf("\n%s:\n", sec.title)
		for _, v := range sec.vs {
			where := v.Path
			if where == "" && v.Side != NoSide {
				where = v.Side.String()
			}
			tw.printf("  %s  %s\n", v.Rule, where)
			tw.printf("    EN: %s\n    FR: %s\n", v.Message.EN, v.Message.FR)
			if v.Detail != nil {
				tw.printf("    (%s / %s)\n", v.Detail.EN, v.Detail.FR)
			}
			tw.printf("    Source: %s\n", FormatSources(v.Sources))
		}
	}
	if len(r.Suggestions) > 0 {
		tw.printf("\nAnnexe 2 suggestions:\n")
		for _, s := range r.Suggestions {
			ids := make([]string, len(s.Rows))
			for i, row := range s.Rows {
				ids[i] = fmt.Sprintf("%s (L%d)", row.ID, row.Line)
			}
			bound := ""
			if !s.Complete {
				bound = " at least"
			}
			tw.printf("  %s %s: given %s, table gives%s %s from rows %s\n", s.Reading, s.Side, catOrNone(s.Given), bound,
				catOrNone(s.Category), strings.Join(ids, ", "))
		}
	}
	if d := r.Decision; d != nil {
		tw.printf("\nDecision: %s (after %s; exam category %s", d.Outcome, d.Stage, catOrNone(d.Category))
		if d.Pending {
			tw.printf(", pending workup")
		}
		tw.printf(")\n")
		if d.FollowUp != NoFollowUp {
			tw.printf("  Follow-up: %s\n", d.FollowUp)
		}
		ids := make([]string, len(d.Fired))
		for i, id := range d.Fired {
			ids[i] = string(id)
		}
		tw.printf("  Rules: %s\n", strings.Join(ids, " -> "))
		if len(d.Actions) > 0 {
			tw.printf("  Actions:\n")
		}
		for _, a := range d.Actions {
			when := ""
			if a.NotBefore != nil {
				when += " not before " + a.NotBefore.Format(time.RFC3339)
			}
			if a.Due != nil {
				when += " by " + a.Due.Format(time.RFC3339)
			}
			to := ""
			if a.To != "" {
				to = " -> " + string(a.To)
			}
			tw.printf("    - %s%s: %s%s [%s]\n", a.By, to, a.What.EN, when, a.Rule)
		}
	}
	return tw.err
}

func catOrNone(c Category) string {
	if c == NoCategory {
		return "none"
	}
	return c.String()
}

type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

// suggestions compares the readers' categories with annexe 2.
func (c *evalCtx) suggestions() []ReadingSuggestion {
	var out []ReadingSuggestion
	for _, s := range Sides() {
		if !c.present(s) {
			continue
		}
		if g := c.f.L1.Final.Get(s); g.Definitive() {
			out = append(out, ReadingSuggestion{Reading: "l1", Suggestion: c.suggest(c.f.L1.Findings, s), Given: g})
		}
		if w := c.f.DeferredWorkup; w != nil && w.Final.Get(s).Definitive() && hasSide(w.Findings, s) {
			out = append(out, ReadingSuggestion{Reading: "deferred_workup", Suggestion: c.suggest(w.Findings, s), Given: w.Final.Get(s)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Reading == "l1" && out[j].Reading != "l1" })
	return out
}
