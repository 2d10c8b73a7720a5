package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/radkit/radkit/internal/testutil"
	"github.com/radkit/radkit/synth"
)

func TestSynthFlags(t *testing.T) {
	f, _, _ := testFactory("")
	var got *SynthOptions
	cmd := newCmdSynth(f, func(o *SynthOptions) error { got = o; return nil })
	args := []string{"--kind", "MG", "--out", "dir", "--seed", "18446744073709551615", "--slices", "3", "--rows", "64", "--columns", "96"}
	if err := execute(t.Context(), cmd, f, args); err != nil {
		t.Fatal(err)
	}
	want := synth.Options{Seed: 1<<64 - 1, Slices: 3, Rows: 64, Columns: 96}
	if got.Kind != synth.MG || got.Out != "dir" || got.Synth != want {
		t.Errorf("parsed %v %q %+v; want mg dir %+v", got.Kind, got.Out, got.Synth, want)
	}
}

func TestSynthCT(t *testing.T) {
	out := filepath.Join(t.TempDir(), "study")
	code, stdout, stderr := runCLI(t, "synth", "--kind", "ct", "--out", out, "--slices", "2", "--rows", "64", "--columns", "64", "--seed", "7")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	paths := strings.Fields(stdout)
	if len(paths) != 2 {
		t.Fatalf("printed %d paths, want 2:\n%s", len(paths), stdout)
	}
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	if !strings.Contains(stderr, "wrote 2 ct files") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("summary: %q", stderr)
	}
	// What synth wrote, dump reads.
	code, dump, stderr := runCLI(t, "dump", paths[0])
	if code != ExitOK {
		t.Fatalf("dump of %s: exit %d: %s", paths[0], code, stderr)
	}
	if !strings.Contains(dump, "(0008,0060) CS [CT]") {
		t.Errorf("dump of %s lacks Modality CT:\n%s", paths[0], dump)
	}
}

func TestSynthFailure(t *testing.T) {
	dir := t.TempDir()
	f, stdout, stderr := testFactory("")
	partial := filepath.Join(dir, "ct-0001.dcm")
	f.WriteStudy = func(ctx context.Context, dir string, kind synth.Kind, opts synth.Options) ([]string, error) {
		return []string{partial}, errors.New("disk full")
	}
	code := run(t.Context(), f, []string{"synth", "--kind", "ct", "--out", dir})
	if code != ExitFailure {
		t.Errorf("exit %d, want %d", code, ExitFailure)
	}
	if stdout.String() != partial+"\n" {
		t.Errorf("stdout %q: the partial output must be listed", stdout)
	}
	if !strings.Contains(stderr.String(), "radkit synth: disk full") {
		t.Errorf("stderr %q", stderr)
	}
}

func TestSynthCancelled(t *testing.T) {
	f, _, stderr := testFactory("")
	f.WriteStudy = func(ctx context.Context, dir string, kind synth.Kind, opts synth.Options) ([]string, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	code := run(ctx, f, []string{"synth", "--kind", "sr", "--out", t.TempDir()})
	if code != ExitFailure || !strings.Contains(stderr.String(), "radkit synth: interrupted") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// Acceptance of the foundation issue: what `radkit synth` writes passes
// dciodvfy with no error, for every kind.
func TestSynthEveryKindPassesDciodvfy(t *testing.T) {
	testutil.RequireTool(t, "dciodvfy")
	for _, k := range synth.Kinds() {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "study")
			args := []string{"synth", "--kind", string(k), "--out", out, "--slices", "2", "--seed", "3"}
			if k != synth.US && k != synth.SC && k != synth.SR {
				args = append(args, "--rows", "256", "--columns", "208")
			}
			code, stdout, stderr := runCLI(t, args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			paths := strings.Fields(stdout)
			if len(paths) == 0 {
				t.Fatal("no file written")
			}
			for _, p := range paths {
				if errs, out := testutil.Dciodvfy(t, p); len(errs) > 0 {
					t.Errorf("dciodvfy %s: %d errors:\n%s", filepath.Base(p), len(errs), out)
				}
			}
		})
	}
}
