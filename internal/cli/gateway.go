package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/radkit/radkit/internal/gateway"
	"github.com/radkit/radkit/transfer"
)

// GatewayOptions are the parsed arguments of "radkit gateway".
type GatewayOptions struct {
	IO        *IOStreams
	Listen    string
	AETitle   string
	Spool     string
	KeyFile   string
	DonorID   string
	To        string
	TokenFile string
}

func newCmdGateway(f *Factory, runF func(*GatewayOptions) error) *Command {
	opts := &GatewayOptions{IO: f.IO}
	cmd := &Command{
		Name:  "gateway",
		Short: "Cristal Image gateway: DICOM SCP → de-identification (cristal) → tus",
		Long: `Runs the hospital side of a Cristal Image link: a DICOM storage SCP that
modalities and the PACS push to; every instance is written durably to the
spool before it is acknowledged, de-identified with the cristal profile
(the donor record number --donor replaces the identity, UIDs and dates
derived from --key-file), then sent over tus to --to, journalled so that a
restart resumes uploads from the receiver's offset. Nothing acknowledged
is lost across a crash: each stage leaves the spool only once the next
holds the instance durably. Stops gracefully on Ctrl-C.`,
		Usage: "--spool DIR --key-file K --donor ID --to tus+https://…/files/ [--listen ADDR] [--aet AET] [--token-file F]",
		Example: []string{
			"$ radkit gateway --spool /var/spool/radkit --key-file site.key --donor CRISTAL-2026-0007 --to tus+https://cristal.example/files/",
		},
		Flags: newFlagSet("gateway"),
	}
	fl := cmd.Flags
	fl.StringVar(&opts.Listen, "listen", "127.0.0.1:11112", "DICOM listen `ADDR`")
	fl.StringVar(&opts.AETitle, "aet", "RADKIT-GW", "the SCP's AE title `AET`")
	fl.StringVar(&opts.Spool, "spool", "", "spool `DIR` (received, de-identified, journal)")
	fl.StringVar(&opts.KeyFile, "key-file", "", "`FILE` holding the site key (at least 16 bytes)")
	fl.StringVar(&opts.DonorID, "donor", "", "Cristal donor record `ID` replacing the identity")
	fl.StringVar(&opts.To, "to", "", "tus destination `URL` (tus+http(s)://…/files/)")
	fl.StringVar(&opts.TokenFile, "token-file", "", "`FILE` holding a bearer token for the destination")
	cmd.RunE = func(ctx context.Context, args []string) error {
		switch {
		case len(args) > 0:
			return usageErrorf(cmd.Name, "unexpected argument %q", args[0])
		case opts.Spool == "" || opts.KeyFile == "" || opts.DonorID == "" || opts.To == "":
			return usageErrorf(cmd.Name, "--spool, --key-file, --donor and --to are required")
		case !strings.HasPrefix(opts.To, "tus+"):
			return usageErrorf(cmd.Name, "--to must be a tus+http(s):// URL")
		}
		if runF != nil {
			return runF(opts)
		}
		return gatewayRun(ctx, opts)
	}
	return cmd
}

func gatewayRun(ctx context.Context, opts *GatewayOptions) error {
	key, err := os.ReadFile(opts.KeyFile)
	if err != nil {
		return err
	}
	cfg := gateway.Config{Spool: opts.Spool, AETitle: opts.AETitle, Key: key, DonorID: opts.DonorID,
		Destination: strings.TrimPrefix(opts.To, "tus+")}
	if opts.TokenFile != "" {
		tok, err := os.ReadFile(opts.TokenFile)
		if err != nil {
			return err
		}
		cfg.Client.Authenticate = transfer.BearerToken(strings.TrimSpace(string(tok)))
	}
	g, err := gateway.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "radkit gateway: SCP %s on %s → cristal (donor %s) → %s\n", opts.AETitle, ln.Addr(), opts.DonorID, cfg.Destination)
	err = g.Serve(ctx, ln)
	s := g.Stats()
	fmt.Fprintf(opts.IO.ErrOut, "radkit gateway: received %d, de-identified %d, sent %d, refused %d\n", s.Received, s.Anonymized, s.Sent, s.Failed)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
