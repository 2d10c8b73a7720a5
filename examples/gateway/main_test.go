package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestGatewayExample(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), `ID "CRISTAL-2026-0007"`) {
		t.Errorf("output:\n%s", out.String())
	}
}
