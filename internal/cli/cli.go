// Package cli is the radkit command: cmd/radkit's main only calls [Main].
//
// Each subcommand lives in its own file as an XOptions struct, a
// newCmdX(f, runF) constructor that declares its flags and help, and an
// xRun(opts) function that does the work; tests pass a runF to capture the
// parsed options, and a [Factory] with in-memory streams and fake
// dependencies.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"

	"github.com/radkit/radkit/birads"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

// ExitCode is the process exit status of the radkit command.
type ExitCode int

// Exit statuses.
const (
	ExitOK      ExitCode = 0 // success, or help that was asked for
	ExitFailure ExitCode = 1 // the command failed
	ExitUsage   ExitCode = 2 // bad command line: unknown command or flag, missing argument
)

// UsageError is a command-line error: it makes radkit print a hint to the
// command's help and exit with [ExitUsage].
type UsageError struct {
	Cmd string // the subcommand, or "" for radkit itself
	Err error
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// usageErrorf returns a [*UsageError] of command cmd.
func usageErrorf(cmd, format string, args ...any) error {
	return &UsageError{Cmd: cmd, Err: fmt.Errorf(format, args...)}
}

// exitStatus is returned by a command that has already reported its
// errors (on stderr) and only needs radkit to exit with code.
type exitStatus struct{ code ExitCode }

func (e *exitStatus) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// IOStreams are the standard streams of a command run.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// Factory holds what the commands depend on, so that tests can replace
// it: the streams, the logger and the library entry points.
type Factory struct {
	IO *IOStreams
	// Logger receives debug logs; it discards them unless --verbose.
	Logger *slog.Logger
	// ReadFile reads a DICOM file: dicomio.ReadFile.
	ReadFile func(path string, opts *dicomio.ReadOptions) (*dicomio.File, error)
	// Parse reads a DICOM stream (standard input): dicomio.Parse.
	Parse func(r io.Reader, opts *dicomio.ReadOptions) (*dicomio.File, error)
	// WriteStudy writes a synthetic study: synth.WriteStudy.
	WriteStudy func(ctx context.Context, dir string, kind synth.Kind, opts synth.Options) ([]string, error)
	// BiradsCheck checks an interpretation form: birads.Check.
	BiradsCheck func(ctx context.Context, r io.Reader, opts birads.Options) (birads.Report, error)
}

// newFactory returns the Factory of a real run.
func newFactory(stdin io.Reader, stdout, stderr io.Writer) *Factory {
	return &Factory{
		IO:          &IOStreams{In: stdin, Out: stdout, ErrOut: stderr},
		Logger:      slog.New(slog.DiscardHandler),
		ReadFile:    dicomio.ReadFile,
		Parse:       dicomio.Parse,
		WriteStudy:  synth.WriteStudy,
		BiradsCheck: birads.Check,
	}
}

// Command is one subcommand.
type Command struct {
	Name  string
	Short string // one line, for the command list
	Long  string // paragraphs of the help
	// Usage is the synopsis after "radkit NAME", such as "[flags] FILE...".
	Usage string
	// Example lines, shell commands starting with "$ ".
	Example []string
	Flags   *flag.FlagSet
	// RunE runs the command with the arguments left after the flags.
	RunE func(ctx context.Context, args []string) error
}

// newFlagSet returns a flag set that reports errors instead of printing
// them or exiting.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// commands returns the subcommands, sorted by name.
func commands(f *Factory) []*Command {
	return []*Command{
		newCmdAnonymize(f, nil),
		newCmdArchive(f, nil),
		newCmdBirads(f, nil),
		newCmdDimse(f, nil),
		newCmdDump(f, nil),
		newCmdGateway(f, nil),
		newCmdReceive(f, nil),
		newCmdScreening(f, nil),
		newCmdSend(f, nil),
		newCmdSynth(f, nil),
		newCmdTranscode(f, nil),
		newCmdVersion(f, nil),
	}
}

// Main runs the radkit command with the arguments after the program name
// and returns the exit status. SIGINT cancels the running command.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) ExitCode {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return run(ctx, newFactory(stdin, stdout, stderr), args)
}

// run is Main with the context and factory given.
func run(ctx context.Context, f *Factory, args []string) ExitCode {
	stderr := f.IO.ErrOut
	global := newFlagSet("radkit")
	verbose := global.Bool("verbose", false, "log debug messages on standard error")
	global.BoolVar(verbose, "v", false, "shorthand for --verbose")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandList(stderr, f)
			return ExitOK
		}
		fmt.Fprintf(stderr, "radkit: %v\n\n", err)
		printCommandList(stderr, f)
		return ExitUsage
	}
	if *verbose {
		f.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	args = global.Args()
	if len(args) == 0 {
		printCommandList(stderr, f)
		return ExitUsage
	}
	name, args := args[0], args[1:]
	cmds := commands(f)
	if name == "help" {
		return help(f, cmds, args)
	}
	cmd := findCommand(cmds, name)
	if cmd == nil {
		fmt.Fprintf(stderr, "radkit: unknown command %q\n\n", name)
		printCommandList(stderr, f)
		return ExitUsage
	}
	return exitCode(stderr, cmd.Name, execute(ctx, cmd, f, args))
}

// help runs "radkit help [COMMAND]".
func help(f *Factory, cmds []*Command, args []string) ExitCode {
	stderr := f.IO.ErrOut
	switch len(args) {
	case 0:
		printCommandList(stderr, f)
		return ExitOK
	case 1:
		if cmd := findCommand(cmds, args[0]); cmd != nil {
			printHelp(stderr, cmd)
			return ExitOK
		}
		fmt.Fprintf(stderr, "radkit help: unknown command %q\n\n", args[0])
	default:
		fmt.Fprintf(stderr, "radkit help: too many arguments\n\n")
	}
	printCommandList(stderr, f)
	return ExitUsage
}

func findCommand(cmds []*Command, name string) *Command {
	for _, c := range cmds {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// execute parses the command's flags and runs it. Flags may follow
// positional arguments; "--" ends the flags.
func execute(ctx context.Context, cmd *Command, f *Factory, args []string) error {
	pos, err := parseInterspersed(cmd.Flags, args)
	if errors.Is(err, flag.ErrHelp) {
		printHelp(f.IO.ErrOut, cmd)
		return nil
	}
	if err != nil {
		return &UsageError{Cmd: cmd.Name, Err: err}
	}
	return cmd.RunE(ctx, pos)
}

// parseInterspersed parses flags anywhere among args and returns the
// positional arguments in order.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// exitCode reports err on stderr and maps it to an exit status.
func exitCode(stderr io.Writer, cmd string, err error) ExitCode {
	if err == nil {
		return ExitOK
	}
	var st *exitStatus
	if errors.As(err, &st) {
		return st.code
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "radkit %s: %v\nRun 'radkit %s --help' for usage.\n", cmd, ue.Err, cmd)
		return ExitUsage
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "radkit %s: interrupted\n", cmd)
		return ExitFailure
	}
	fmt.Fprintf(stderr, "radkit %s: %v\n", cmd, err)
	return ExitFailure
}

// printCommandList prints radkit's usage and the list of commands.
func printCommandList(w io.Writer, f *Factory) {
	var b strings.Builder
	b.WriteString("radkit: the command-line tools of the radkit SDK.\n\n")
	b.WriteString("Usage:\n  radkit [--verbose] <command> [flags] [arguments]\n\nCommands:\n")
	for _, c := range commands(f) {
		fmt.Fprintf(&b, "  %-9s %s\n", c.Name, c.Short)
	}
	fmt.Fprintf(&b, "  %-9s %s\n", "help", "Show the help of a command")
	b.WriteString("\nGlobal flags:\n  --verbose, -v   log debug messages on standard error\n")
	b.WriteString("\nRun 'radkit <command> --help' for a command's flags and examples.\n")
	io.WriteString(w, b.String())
}

// printHelp prints a command's help: usage, description, flags, examples.
func printHelp(w io.Writer, cmd *Command) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nUsage:\n  radkit %s %s\n", cmd.Short, cmd.Name, cmd.Usage)
	if cmd.Long != "" {
		fmt.Fprintf(&b, "\n%s\n", strings.TrimSpace(cmd.Long))
	}
	var flags []string
	width := 0
	cmd.Flags.VisitAll(func(fl *flag.Flag) {
		name, _ := flag.UnquoteUsage(fl)
		s := "--" + fl.Name
		if name != "" {
			s += " " + name
		}
		flags = append(flags, s)
		width = max(width, len(s))
	})
	if len(flags) > 0 {
		b.WriteString("\nFlags:\n")
		i := 0
		cmd.Flags.VisitAll(func(fl *flag.Flag) {
			_, usage := flag.UnquoteUsage(fl)
			if def := fl.DefValue; def != "" && def != "false" && def != "0" {
				usage += fmt.Sprintf(" (default %s)", def)
			}
			fmt.Fprintf(&b, "  %-*s  %s\n", width, flags[i], usage)
			i++
		})
	}
	fmt.Fprintf(&b, "  %-*s  %s\n", width, "--help", "show this help")
	if len(cmd.Example) > 0 {
		b.WriteString("\nExamples:\n")
		for _, ex := range cmd.Example {
			fmt.Fprintf(&b, "  %s\n", ex)
		}
	}
	io.WriteString(w, b.String())
}
