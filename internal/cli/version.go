package cli

import (
	"context"
	"fmt"
	"runtime"

	"github.com/radkit/radkit"
)

// VersionOptions are the parsed arguments of "radkit version".
type VersionOptions struct {
	IO *IOStreams
}

func newCmdVersion(f *Factory, runF func(*VersionOptions) error) *Command {
	opts := &VersionOptions{IO: f.IO}
	cmd := &Command{
		Name:  "version",
		Short: "Print radkit's version",
		Long: `Print the radkit release, the Go version it was built with and the
platform, as "radkit 0.1.0 (go1.26.0, linux/amd64)". The release is also
written into the Implementation Version Name of every file radkit writes.`,
		Usage:   "",
		Example: []string{"$ radkit version"},
		Flags:   newFlagSet("version"),
	}
	cmd.RunE = func(ctx context.Context, args []string) error {
		if len(args) > 0 {
			return usageErrorf(cmd.Name, "unexpected argument %q", args[0])
		}
		if runF != nil {
			return runF(opts)
		}
		return versionRun(opts)
	}
	return cmd
}

func versionRun(opts *VersionOptions) error {
	_, err := fmt.Fprintln(opts.IO.Out, versionString())
	return err
}

func versionString() string {
	return fmt.Sprintf("radkit %s (%s, %s/%s)", radkit.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
