package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestTranscodeRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, "synth", "--kind", "ct", "--slices", "1", "--rows", "64", "--columns", "64", "--out", dir); code != ExitOK {
		t.Fatalf("synth: %s", stderr)
	}
	src, _ := filepath.Glob(filepath.Join(dir, "ct-*.dcm"))
	jls := filepath.Join(dir, "jls.dcm")
	code, out, stderr := runCLI(t, "transcode", "--to", "jpegls", src[0], jls)
	if code != ExitOK || !strings.Contains(out, "JPEG-LS Lossless") {
		t.Fatalf("transcode: exit %d: %s %s", code, out, stderr)
	}
	if code, out, stderr := runCLI(t, "transcode", "--verify", jls); code != ExitOK || !strings.Contains(out, "max error 0") {
		t.Fatalf("verify: exit %d: %s %s", code, out, stderr)
	}
	back := filepath.Join(dir, "back.dcm")
	if code, _, stderr := runCLI(t, "transcode", "--to", "1.2.840.10008.1.2.1", jls, back); code != ExitOK {
		t.Fatalf("back to native: %s", stderr)
	}
	if code, out, _ := runCLI(t, "transcode", "--to", "jpegls-near", "--near", "2", src[0], filepath.Join(dir, "near.dcm")); code != ExitOK || !strings.Contains(out, "lossy true") {
		t.Errorf("near-lossless: exit %d: %s", code, out)
	}
}

func TestTranscodeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"transcode"}, {"transcode", "a", "b"}, {"transcode", "--to", "nope", "a", "b"},
		{"transcode", "--verify"}, {"transcode", "--verify", "--to", "rle", "a"},
		{"transcode", "--to", "jpegls-near", "--near", "300", "a", "b"},
	} {
		if code, _, _ := runCLI(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}
