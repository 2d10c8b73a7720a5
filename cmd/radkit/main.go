// Command radkit exposes the radkit SDK for scripting: dump DICOM files,
// write synthetic studies, and more. Run "radkit help" for the commands.
package main

import (
	"os"

	"github.com/radkit/radkit/internal/cli"
)

func main() { os.Exit(int(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))) }
