package birads

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Every decoding error names its JSON path and why.
func TestDecodeFormErrors(t *testing.T) {
	base := `"version":"1","person_ref":"P","exam_date":"2025-03-14","site":{"id":"S"},"clinical_exam":"normal"`
	for _, tc := range []struct {
		name, json, path, reason string
	}{
		{"unknown field", `{` + base + `,"l1":{"reader":"A","density":2,"lecteur":"x"}}`, "l1.lecteur", "unknown field"},
		{"duplicate key", `{` + base + `,"l1":{"reader":"A","density":2,"density":3}}`, "l1.density", "duplicate key"},
		{"wrong type", `{` + base + `,"l1":{"reader":"A","density":"2"}}`, "l1.density", "want the ACR type"},
		{"category as string", `{` + base + `,"l1":{"reader":"A","density":2,"final":{"right":"3"}}}`, "l1.final.right", "0 to 6 are numbers"},
		{"category out of range", `{` + base + `,"l1":{"reader":"A","density":2,"final":{"left":7}}}`, "l1.final.left", "0 to 6"},
		{"unknown enum", `{` + base + `,"l1":{"reader":"A","density":2,"findings":[{"side":"left","kind":"masse"}]}}`, "l1.findings[0].kind", `unknown finding kind "masse"`},
		{"missing required", `{` + base + `,"l1":{"density":2}}`, "l1.reader", "required field missing"},
		{"missing l1", `{` + base + `}`, "l1", "required field missing"},
		{"null required", `{` + base + `,"l1":{"reader":"A","density":null}}`, "l1.density", "required field is null"},
		{"bad date", `{"version":"1","person_ref":"P","exam_date":"14/03/2025","site":{"id":"S"},"clinical_exam":"normal","l1":{"reader":"A","density":2}}`, "exam_date", "YYYY-MM-DD"},
		{"mass without description", `{` + base + `,"l1":{"reader":"A","density":2,"findings":[{"side":"left","kind":"mass"}]}}`, "l1.findings[0].mass", "required when kind"},
		{"description of another kind", `{` + base + `,"l1":{"reader":"A","density":2,"findings":[{"side":"left","kind":"lymph_node","mass":{}}]}}`, "l1.findings[0].mass", "only allowed"},
		{"clock", `{` + base + `,"l1":{"reader":"A","density":2,"findings":[{"side":"left","kind":"lymph_node","location":{"clock":13}}]}}`, "l1.findings[0].location.clock", "1 to 12"},
		{"version", strings.Replace(`{`+base+`,"l1":{"reader":"A","density":2}}`, `"version":"1"`, `"version":"2"`, 1), "version", "unsupported form version"},
		{"syntax", `{` + base + `,"l1":{"reader":"A",}}`, "l1", "invalid JSON"},
		{"trailing data", `{` + base + `,"l1":{"reader":"A","density":2}} {}`, "", "data after"},
		{"not an object", `[]`, "", "want an object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeForm([]byte(tc.json))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *FieldError", err)
			}
			var de *DecodeError
			errors.As(err, &de)
			for _, e := range de.Errors {
				if e.Path == tc.path && strings.Contains(e.Reason, tc.reason) {
					return
				}
			}
			t.Errorf("no error at %q containing %q: %v", tc.path, tc.reason, de.Errors)
		})
	}
}

// All errors are reported at once.
func TestDecodeFormAllErrors(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "invalid-unknown-field.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = DecodeForm(data)
	var de *DecodeError
	if !errors.As(err, &de) || len(de.Errors) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
}

// The sample forms: valid ones give the stated outcome, invalid ones the
// stated rule or decoding error.
func TestSampleForms(t *testing.T) {
	want := map[string]string{
		"valid-l1-negative.json":                    "second_reading",
		"valid-l1-dense-suspicious-ultrasound.json": "second_reading",
		"valid-l1-acr3-after-workup.json":           "l1_positive",
		"valid-l1-acr5.json":                        "l1_positive",
		"valid-l1-refusal.json":                     "refusal",
		"valid-l2-negative.json":                    "negative",
		"valid-l2-positive.json":                    "l2_positive",
		"valid-l2-cti.json":                         "cti",
		"valid-deferred-workup-cleared.json":        "cleared",
		"valid-mobile-positive.json":                "deferred_workup",
		"valid-mobile-cleared.json":                 "second_reading",
		"invalid-dense-no-anomaly-2.json":           "BR_DENSE_NO_ANOMALY_IS_1",
		"invalid-same-reader.json":                  "BR_SAME_READER_NOT_L1_AND_L2",
		"invalid-l2-acr3-without-workup.json":       "BR_L2_NO_3_WITHOUT_WORKUP",
		"invalid-subcategory-4b.json":               "BR_SUBCATEGORY_4ABC_NOT_IN_PROGRAMME",
		"invalid-unknown-field.json":                "l1.lecteur",
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	if len(files) != len(want) {
		t.Errorf("%d sample forms, %d expected", len(files), len(want))
	}
	e := testEngine(t, Options{})
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			r, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rep, err := e.Check(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := rep.WriteText(&buf); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(name, "valid-") {
				if !rep.Valid || rep.Decision == nil || rep.Decision.Outcome.String() != want[name] {
					t.Fatalf("want valid, outcome %s:\n%s", want[name], buf.String())
				}
				if rep.Err() != nil {
					t.Error("Err() of a valid report")
				}
				return
			}
			if rep.Valid || !strings.Contains(buf.String(), want[name]) {
				t.Errorf("want invalid with %s:\n%s", want[name], buf.String())
			}
			if rep.Err() == nil {
				t.Error("Err() of an invalid report is nil")
			}
			if _, err := json.Marshal(rep); err != nil {
				t.Error(err)
			}
		})
	}
}

// ValidationError unwraps to each violation.
func TestValidationErrorAs(t *testing.T) {
	f := baseForm()
	withL2(f, ACR1, ACR1)
	f.L2.Reader = f.L1.Reader
	rep, _ := testEngine(t, Options{}).Evaluate(context.Background(), f)
	var v *Violation
	if err := rep.Err(); !errors.As(err, &v) || v.Rule != RuleSameReaderNotL1AndL2 {
		t.Errorf("got %v", err)
	}
}

func TestCheckLimitsAndOptions(t *testing.T) {
	rep, err := Check(context.Background(), strings.NewReader(strings.Repeat(" ", 100)+"{}"), Options{MaxBytes: 50})
	if err != nil || rep.Valid || len(rep.FormErrors) != 1 || !strings.Contains(rep.FormErrors[0].Reason, "too large") {
		t.Errorf("got %v %+v", err, rep)
	}
	_, err = Check(context.Background(), strings.NewReader("{}"), Options{Params: Params{L1MinPerYear: -1}})
	var oe *OptionsError
	if !errors.As(err, &oe) || oe.Field != "Params.L1MinPerYear" {
		t.Errorf("got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := testEngine(t, Options{}).Evaluate(ctx, baseForm()); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}

// The tracer sees every rule and the fired ones.
func TestTracer(t *testing.T) {
	var bt BufferTracer
	f := baseForm()
	f.L1.Final.Right = ACR2
	if _, err := testEngine(t, Options{Tracer: &bt}).Evaluate(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	evs := bt.Events()
	var evals, fires int
	for _, ev := range evs {
		switch ev.Op {
		case OpEval:
			evals++
		case OpFire:
			fires++
		}
	}
	if evals != len(ruleTable)-len(qualificationRules) || fires < 2 {
		t.Errorf("%d evaluations, %d fires", evals, fires)
	}
	var buf bytes.Buffer
	if err := PrettyTrace(&buf, evs); err != nil || !strings.Contains(buf.String(), "FIRE  BR_FINDINGS_SUGGESTION at l1.final.right") {
		t.Errorf("trace:\n%s", buf.String())
	}
}

// Encoding a form and decoding it strictly gives it back.
func TestFormRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "valid-*.json"))
	for _, file := range files {
		data, _ := os.ReadFile(file)
		f, err := DecodeForm(data)
		if err != nil {
			t.Fatal(file, err)
		}
		out, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		g, err := DecodeForm(out)
		if err != nil {
			t.Fatalf("%s: re-decoding %s: %v", file, out, err)
		}
		if !reflect.DeepEqual(f, g) {
			t.Errorf("%s: round trip differs", file)
		}
	}
}

func TestFormSchemaIsJSON(t *testing.T) {
	var v map[string]any
	if err := json.Unmarshal(FormSchema(), &v); err != nil {
		t.Fatal(err)
	}
	if v["$ref"] != "#/$defs/Form" {
		t.Errorf("root $ref %v", v["$ref"])
	}
}
