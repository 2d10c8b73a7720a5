package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/radkit/radkit/synth"
)

// SynthOptions are the parsed arguments of "radkit synth".
type SynthOptions struct {
	IO     *IOStreams
	Logger *slog.Logger
	Kind   synth.Kind
	Out    string
	// Synth is passed to synth.WriteStudy.
	Synth synth.Options

	writeStudy func(ctx context.Context, dir string, kind synth.Kind, opts synth.Options) ([]string, error)
}

func newCmdSynth(f *Factory, runF func(*SynthOptions) error) *Command {
	opts := &SynthOptions{IO: f.IO, Logger: f.Logger, writeStudy: f.WriteStudy}
	kinds := make([]string, 0, len(synth.Kinds()))
	for _, k := range synth.Kinds() {
		kinds = append(kinds, string(k))
	}
	kindList := strings.Join(kinds, "|")
	cmd := &Command{
		Name:  "synth",
		Short: "Write a synthetic study",
		Long: `Write a deterministic synthetic study of the given kind into DIR: valid
DICOM objects with a generated French patient, for tests, demonstrations
and benchmarks (no real patient data may be used). The same --seed gives
the same bytes; a different seed a different patient, dates, UIDs and
pixels.

Kinds: ` + strings.Join(kinds, ", ") + `.

--slices sets the number of CT or MR slices (one file each) or of
tomosynthesis frames; 0 keeps the kind's default. --rows and --columns
shrink the images, to keep tests fast.

The paths written are printed on standard output, one per line, and a
summary on standard error. Ctrl-C stops the generation.`,
		Usage: "--kind " + kindList + " --out DIR [--seed N] [--slices N] [--rows N] [--columns N]",
		Example: []string{
			"$ radkit synth --kind ct --out study --slices 40",
			"$ radkit synth --kind mg --out screening/2025-0001 --seed 7",
		},
		Flags: newFlagSet("synth"),
	}
	var kind string
	cmd.Flags.StringVar(&kind, "kind", "", "study `KIND`: one of "+strings.Join(kinds, ", ")+" (required)")
	cmd.Flags.StringVar(&opts.Out, "out", "", "output `DIR`, created if needed (required)")
	cmd.Flags.Uint64Var(&opts.Synth.Seed, "seed", 0, "seed `N` selecting the study")
	cmd.Flags.IntVar(&opts.Synth.Slices, "slices", 0, "`N` CT/MR slices or DBT frames (0: the kind's default)")
	cmd.Flags.IntVar(&opts.Synth.Rows, "rows", 0, "image rows `N`, at least 64 (0: the kind's default)")
	cmd.Flags.IntVar(&opts.Synth.Columns, "columns", 0, "image columns `N`, at least 64 (0: the kind's default)")
	cmd.RunE = func(ctx context.Context, args []string) error {
		if len(args) > 0 {
			return usageErrorf(cmd.Name, "unexpected argument %q", args[0])
		}
		if kind == "" {
			return usageErrorf(cmd.Name, "--kind is required (one of %s)", strings.Join(kinds, ", "))
		}
		k, err := synth.ParseKind(kind)
		if err != nil {
			return &UsageError{Cmd: cmd.Name, Err: err}
		}
		opts.Kind = k
		if opts.Out == "" {
			return usageErrorf(cmd.Name, "--out is required")
		}
		if opts.Synth.Slices < 0 {
			return usageErrorf(cmd.Name, "--slices must be 0 or more, not %d", opts.Synth.Slices)
		}
		if r, c := opts.Synth.Rows, opts.Synth.Columns; r < 0 || c < 0 || (r > 0 && r < 64) || (c > 0 && c < 64) {
			return usageErrorf(cmd.Name, "--rows and --columns must be 0 or at least 64")
		}
		if runF != nil {
			return runF(opts)
		}
		return synthRun(ctx, opts)
	}
	return cmd
}

func synthRun(ctx context.Context, opts *SynthOptions) error {
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return err
	}
	start := time.Now()
	opts.Logger.Debug("synth", "kind", opts.Kind, "out", opts.Out, "seed", opts.Synth.Seed, "slices", opts.Synth.Slices)
	paths, err := opts.writeStudy(ctx, opts.Out, opts.Kind, opts.Synth)
	// Print what was written even on failure, so that it can be cleaned.
	var size int64
	for _, p := range paths {
		if _, werr := fmt.Fprintln(opts.IO.Out, p); werr != nil && err == nil {
			err = werr
		}
		if fi, serr := os.Stat(p); serr == nil {
			size += fi.Size()
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "radkit synth: wrote %d %s file%s (%s, seed %d) to %s in %s\n",
		len(paths), opts.Kind, plural(len(paths)), formatBytes(size), opts.Synth.Seed, opts.Out,
		time.Since(start).Round(time.Millisecond))
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// formatBytes formats n bytes in binary units.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
