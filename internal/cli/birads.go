package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/radkit/radkit/birads"
)

// BiradsOptions are the parsed arguments of "radkit birads check".
type BiradsOptions struct {
	IO *IOStreams
	// Form is the path of the interpretation form, "-" for standard input.
	Form string
	// Mode is the programme (default) or the general BI-RADS mode.
	Mode birads.Mode
	// Text forces the readable rendering, JSON forces JSON; by default
	// the output is text on a terminal and JSON otherwise.
	Text, JSON bool

	check func(context.Context, io.Reader, birads.Options) (birads.Report, error)
}

func newCmdBirads(f *Factory, runF func(*BiradsOptions) error) *Command {
	opts := &BiradsOptions{IO: f.IO, check: f.BiradsCheck}
	var mode string
	cmd := &Command{
		Name:  "birads",
		Short: "Check a mammography interpretation form against the programme's BI-RADS rules",
		Long: `"radkit birads check" reads a fiche d'interprétation (JSON; its schema is
birads/schema/form.schema.json), validates it against the BI-RADS rules of
the French breast-screening programme (Arrêté du 16 janvier 2024, annexe
III and its annexe 2) and prints the report: every rule that fired with its
source, the category suggestions from the findings, and the routing
decision (second reading, workup, letters and their dates).

The report is JSON, or readable text when standard output is a terminal
(--text and --json force either). The exit status is 1 when the form is
invalid, so scripts can gate on it.`,
		Usage: "check [--mode programme|general] [--text|--json] FORM.json|-",
		Example: []string{
			"$ radkit birads check birads/testdata/valid-l1-negative.json",
			"$ radkit birads check --json - < form.json | jq .decision",
		},
		Flags: newFlagSet("birads"),
	}
	cmd.Flags.StringVar(&mode, "mode", "programme", "`MODE`: programme (the French programme's rules) or general (ACR BI-RADS, 4a/4b/4c and 6 allowed)")
	cmd.Flags.BoolVar(&opts.Text, "text", false, "print the readable report")
	cmd.Flags.BoolVar(&opts.JSON, "json", false, "print the report as JSON")
	cmd.RunE = func(ctx context.Context, args []string) error {
		if len(args) == 0 || args[0] != "check" {
			return usageErrorf(cmd.Name, `expected "check FORM.json"`)
		}
		if len(args) != 2 {
			return usageErrorf(cmd.Name, "check takes one form, got %d arguments", len(args)-1)
		}
		if opts.Text && opts.JSON {
			return usageErrorf(cmd.Name, "--text and --json are exclusive")
		}
		m, err := birads.ParseMode(mode)
		if err != nil {
			return &UsageError{Cmd: cmd.Name, Err: err}
		}
		opts.Mode, opts.Form = m, args[1]
		if runF != nil {
			return runF(opts)
		}
		return biradsRun(ctx, opts)
	}
	return cmd
}

func biradsRun(ctx context.Context, opts *BiradsOptions) error {
	in := opts.IO.In
	if opts.Form != "-" {
		fh, err := os.Open(opts.Form)
		if err != nil {
			return err
		}
		defer fh.Close()
		in = fh
	}
	rep, err := opts.check(ctx, in, birads.Options{Mode: opts.Mode})
	if err != nil {
		return err
	}
	text := opts.Text || (!opts.JSON && isTerminal(opts.IO.Out))
	if text {
		err = rep.WriteText(opts.IO.Out)
	} else {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	}
	if err != nil {
		return err
	}
	if !rep.Valid {
		fmt.Fprintf(opts.IO.ErrOut, "radkit birads: %s: the form is invalid\n", opts.Form)
		return &exitStatus{code: ExitFailure}
	}
	return nil
}

// isTerminal reports whether w is a character device (a terminal), where
// people rather than programs read the output.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
