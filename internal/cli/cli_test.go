package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/radkit/radkit"
	"github.com/radkit/radkit/birads"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

// testFactory returns a Factory with in-memory streams and the real
// library entry points.
func testFactory(stdin string) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	f := &Factory{
		IO:          &IOStreams{In: strings.NewReader(stdin), Out: &stdout, ErrOut: &stderr},
		Logger:      slog.New(slog.DiscardHandler),
		ReadFile:    dicomio.ReadFile,
		Parse:       dicomio.Parse,
		WriteStudy:  synth.WriteStudy,
		BiradsCheck: birads.Check,
	}
	return f, &stdout, &stderr
}

// runCLI runs radkit with args and returns the exit code and outputs.
func runCLI(t *testing.T, args ...string) (ExitCode, string, string) {
	t.Helper()
	f, stdout, stderr := testFactory("")
	code := run(t.Context(), f, args)
	return code, stdout.String(), stderr.String()
}

func TestCommandList(t *testing.T) {
	tests := []struct {
		args []string
		code ExitCode
	}{
		{nil, ExitUsage},
		{[]string{"help"}, ExitOK},
		{[]string{"--help"}, ExitOK},
		{[]string{"-h"}, ExitOK},
		{[]string{"--verbose"}, ExitUsage},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code != tt.code {
			t.Errorf("radkit %q: exit %d, want %d", tt.args, code, tt.code)
		}
		if stdout != "" {
			t.Errorf("radkit %q: stdout %q, want nothing", tt.args, stdout)
		}
		for _, want := range []string{"Usage:", "Commands:", "  dump ", "  synth ", "  version ", "  help "} {
			if !strings.Contains(stderr, want) {
				t.Errorf("radkit %q: stderr lacks %q:\n%s", tt.args, want, stderr)
			}
		}
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"--bogus", "version"}, "flag provided but not defined"},
		{[]string{"help", "bogus"}, `unknown command "bogus"`},
		{[]string{"help", "dump", "synth"}, "too many arguments"},
		{[]string{"version", "extra"}, `radkit version: unexpected argument "extra"`},
		{[]string{"dump"}, "radkit dump: no FILE given"},
		{[]string{"dump", "--bogus", "x.dcm"}, "radkit dump: flag provided but not defined: -bogus"},
		{[]string{"dump", "--max-value", "-1", "x.dcm"}, "--max-value must be 0 or more"},
		{[]string{"dump", "--max-value", "ten", "x.dcm"}, "invalid value"},
		{[]string{"synth", "--out", "x"}, "--kind is required"},
		{[]string{"synth", "--kind", "pet", "--out", "x"}, `unknown kind "pet"`},
		{[]string{"synth", "--kind", "ct"}, "--out is required"},
		{[]string{"synth", "--kind", "ct", "--out", "x", "extra"}, `unexpected argument "extra"`},
		{[]string{"synth", "--kind", "ct", "--out", "x", "--slices", "-2"}, "--slices must be 0 or more"},
		{[]string{"synth", "--kind", "ct", "--out", "x", "--rows", "10"}, "at least 64"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code != ExitUsage {
			t.Errorf("radkit %q: exit %d, want %d", tt.args, code, ExitUsage)
		}
		if stdout != "" {
			t.Errorf("radkit %q: stdout %q, want nothing", tt.args, stdout)
		}
		if !strings.Contains(stderr, tt.want) {
			t.Errorf("radkit %q: stderr lacks %q:\n%s", tt.args, tt.want, stderr)
		}
	}
}

func TestCommandHelp(t *testing.T) {
	f, _, _ := testFactory("")
	for _, cmd := range commands(f) {
		for _, args := range [][]string{{cmd.Name, "--help"}, {cmd.Name, "-h"}, {"help", cmd.Name}} {
			code, stdout, stderr := runCLI(t, args...)
			if code != ExitOK {
				t.Errorf("radkit %q: exit %d, want 0", args, code)
			}
			if stdout != "" {
				t.Errorf("radkit %q: stdout %q", args, stdout)
			}
			for _, want := range []string{cmd.Short, "Usage:\n  radkit " + cmd.Name, "Examples:\n  $ radkit " + cmd.Name, "--help"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("radkit %q: help lacks %q:\n%s", args, want, stderr)
				}
			}
		}
		if cmd.Short == "" || cmd.Long == "" || len(cmd.Example) == 0 {
			t.Errorf("command %s lacks Short, Long or Example", cmd.Name)
		}
		for _, ex := range cmd.Example {
			if !strings.HasPrefix(ex, "$ radkit "+cmd.Name) {
				t.Errorf("command %s: example %q does not start with \"$ radkit %s\"", cmd.Name, ex, cmd.Name)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--verbose", "version"}, {"-v", "version"}} {
		code, stdout, stderr := runCLI(t, args...)
		if code != ExitOK {
			t.Fatalf("radkit %q: exit %d: %s", args, code, stderr)
		}
		want := fmt.Sprintf("radkit %s (%s, %s/%s)\n", radkit.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		if stdout != want {
			t.Errorf("radkit %q: %q, want %q", args, stdout, want)
		}
	}
}

func TestVerboseLogs(t *testing.T) {
	dir := t.TempDir()
	path := writeTestFile(t, dir)
	code, _, stderr := runCLI(t, "--verbose", "dump", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "level=DEBUG") || !strings.Contains(stderr, "msg=dump") {
		t.Errorf("--verbose logged nothing:\n%s", stderr)
	}
	code, _, stderr = runCLI(t, "dump", path)
	if code != ExitOK || stderr != "" {
		t.Errorf("without --verbose: exit %d, stderr %q; want 0 and nothing", code, stderr)
	}
}

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		args     []string
		pos      []string
		noPixel  bool
		maxValue int
	}{
		{[]string{"a", "b"}, []string{"a", "b"}, false, 64},
		{[]string{"--no-pixel", "a"}, []string{"a"}, true, 64},
		{[]string{"a", "--no-pixel", "b", "--max-value", "9"}, []string{"a", "b"}, true, 9},
		{[]string{"a", "--", "--no-pixel", "-"}, []string{"a", "--no-pixel", "-"}, false, 64},
		{[]string{"-", "--max-value=3"}, []string{"-"}, false, 3},
	}
	for _, tt := range tests {
		f, _, _ := testFactory("")
		var got *DumpOptions
		cmd := newCmdDump(f, func(o *DumpOptions) error { got = o; return nil })
		if err := execute(t.Context(), cmd, f, tt.args); err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		if !slices.Equal(got.Files, tt.pos) || got.NoPixel != tt.noPixel || got.MaxValue != tt.maxValue {
			t.Errorf("%q: files %q, no-pixel %v, max-value %d; want %q, %v, %d",
				tt.args, got.Files, got.NoPixel, got.MaxValue, tt.pos, tt.noPixel, tt.maxValue)
		}
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		code ExitCode
		msg  string
	}{
		{nil, ExitOK, ""},
		{errors.New("boom"), ExitFailure, "radkit x: boom\n"},
		{fmt.Errorf("wrapped: %w", &UsageError{Cmd: "x", Err: errors.New("bad flag")}), ExitUsage, "radkit x: bad flag\nRun 'radkit x --help' for usage.\n"},
		{fmt.Errorf("writing: %w", context.Canceled), ExitFailure, "radkit x: interrupted\n"},
		{&exitStatus{code: ExitFailure}, ExitFailure, ""},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if got := exitCode(&b, "x", tt.err); got != tt.code || b.String() != tt.msg {
			t.Errorf("exitCode(%v) = %d, %q; want %d, %q", tt.err, got, b.String(), tt.code, tt.msg)
		}
	}
}
