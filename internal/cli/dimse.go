package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/radkit/radkit/transfer/dimse"
)

// DimseOptions are the parsed arguments of "radkit dimse".
type DimseOptions struct {
	IO *IOStreams
	// Sub is echo, store or serve.
	Sub string
	// Addr is HOST:PORT (echo, store) or the listen address (serve).
	Addr      string
	CallingAE string
	CalledAE  string
	Retries   int
	Out       string
	Files     []string
}

func newCmdDimse(f *Factory, runF func(*DimseOptions) error) *Command {
	opts := &DimseOptions{IO: f.IO}
	cmd := &Command{
		Name:  "dimse",
		Short: "DICOM network: C-ECHO, C-STORE to a PACS or modality, and a storage SCP",
		Long: `Speaks the DICOM network protocol (PS3.7, PS3.8) with PACS and modalities:

  echo HOST:PORT           C-ECHO (verification)
  store HOST:PORT PATH...  C-STORE the DICOM files of PATHs (files or
                           folders) over one association, each in its own
                           transfer syntax when the peer accepts it
  serve --out DIR          a storage SCP: every instance received is written
                           atomically and durably to DIR as <SOP Instance
                           UID>.dcm before Success is answered

The exit status is 1 if the peer refuses the association or any instance
fails.`,
		Usage: "echo HOST:PORT | store HOST:PORT PATH... | serve [--listen ADDR] --out DIR [flags]",
		Example: []string{
			"$ radkit dimse echo --aec ORTHANC 127.0.0.1:4242",
			"$ radkit dimse store --aec PACS 127.0.0.1:4242 study/",
			"$ radkit dimse serve --listen 127.0.0.1:11112 --aet RADKIT --out incoming/",
		},
		Flags: newFlagSet("dimse"),
	}
	fl := cmd.Flags
	fl.StringVar(&opts.CallingAE, "aet", "RADKIT", "our AE title `AET` (serve: the title we answer to)")
	fl.StringVar(&opts.CalledAE, "aec", "ANY-SCP", "the peer's AE title `AET`")
	fl.IntVar(&opts.Retries, "retries", 2, "retries `N` per instance on transient failures")
	fl.StringVar(&opts.Out, "out", "", "serve: output `DIR`")
	listen := fl.String("listen", "127.0.0.1:11112", "serve: listen `ADDR`")
	cmd.RunE = func(ctx context.Context, args []string) error {
		if len(args) == 0 {
			return usageErrorf(cmd.Name, "expected echo, store or serve")
		}
		opts.Sub, args = args[0], args[1:]
		switch opts.Sub {
		case "echo":
			if len(args) != 1 {
				return usageErrorf(cmd.Name, "echo takes HOST:PORT")
			}
			opts.Addr = args[0]
		case "store":
			if len(args) < 2 {
				return usageErrorf(cmd.Name, "store takes HOST:PORT and at least one file or folder")
			}
			opts.Addr, opts.Files = args[0], args[1:]
		case "serve":
			if len(args) != 0 {
				return usageErrorf(cmd.Name, "serve takes no argument")
			}
			if opts.Out == "" {
				return usageErrorf(cmd.Name, "serve needs --out")
			}
			opts.Addr = *listen
		default:
			return usageErrorf(cmd.Name, "unknown action %q", opts.Sub)
		}
		if runF != nil {
			return runF(opts)
		}
		return dimseRun(ctx, opts)
	}
	return cmd
}

func dimseRun(ctx context.Context, opts *DimseOptions) error {
	dial := dimse.DialOptions{CallingAE: opts.CallingAE, CalledAE: opts.CalledAE}
	switch opts.Sub {
	case "echo":
		if err := dimse.Echo(ctx, opts.Addr, &dial); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.Out, "C-ECHO %s (%s): success\n", opts.Addr, opts.CalledAE)
		return nil
	case "store":
		files, err := expandPaths(opts.Files)
		if err != nil {
			return err
		}
		res, err := dimse.Send(ctx, opts.Addr, files, &dimse.SendOptions{Dial: dial, Retries: opts.Retries,
			Progress: func(p dimse.Progress) {
				if p.Err != nil && !errors.Is(p.Err, dimse.ErrWarning) {
					fmt.Fprintf(opts.IO.ErrOut, "radkit dimse: %s: %v\n", p.Path, p.Err)
				}
			}})
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.Out, "stored %d of %d instances (%s, %d with warnings), %d failed\n",
			res.Stored, len(files), formatBytes(res.Bytes), res.Warnings, len(res.Failed))
		if len(res.Failed) > 0 {
			return &exitStatus{code: ExitFailure}
		}
		return nil
	case "serve":
		if err := os.MkdirAll(opts.Out, 0o755); err != nil {
			return err
		}
		srv := &dimse.Server{AETitle: opts.CallingAE, Handler: dimse.DirHandler(opts.Out)}
		errc := make(chan error, 1)
		go func() { errc <- srv.ListenAndServe(opts.Addr) }()
		fmt.Fprintf(opts.IO.ErrOut, "radkit dimse: storage SCP %s on %s, writing to %s\n", opts.CallingAE, opts.Addr, opts.Out)
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
			// Let a transfer in progress finish its instance, then stop.
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := srv.Shutdown(sctx)
			if serr := <-errc; serr != nil && !errors.Is(serr, dimse.ErrServerClosed) {
				return serr
			}
			return err
		}
	}
	return nil
}

// expandPaths lists the regular files of paths, walking folders, in a
// stable order.
func expandPaths(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
