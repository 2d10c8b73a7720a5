package main

import (
	"bytes"
	"strings"
	"testing"
)

// The tour runs end to end and reports an unchanged pixel stream.
func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"--out", t.TempDir()}, &out); err != nil {
		t.Fatalf("quickstart: %v\n%s", err, out.String())
	}
	for _, want := range []string{"ct-", "mg-", "sr-", "ISO_IR 100", "pixel data identical: true", "decision second_reading", "next invitation 2027-03-14", "0 identifying values leaked", "NEAR=0: ratio", "max error 0, lossy false", ": 1 studies; first CT image", "audit trail intact", "9. Evaluating breast screening", "département 67:", "(0 events rejected)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
