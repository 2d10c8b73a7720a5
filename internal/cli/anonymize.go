package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/radkit/radkit/anonymize"
	"github.com/radkit/radkit/internal/atomicfile"
)

// AnonymizeOptions are the parsed arguments of "radkit anonymize".
type AnonymizeOptions struct {
	IO *IOStreams
	// Verify is set for "radkit anonymize verify ORIG ANON".
	Verify        bool
	Profile       string
	KeyFile       string
	Options       []string
	Pseudonyms    string
	Report        string
	ReidKey       string
	AllowBurnedIn bool
	Out           string
	Workers       int
	Inputs        []string
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func newCmdAnonymize(f *Factory, runF func(*AnonymizeOptions) error) *Command {
	opts := &AnonymizeOptions{IO: f.IO}
	var options stringList
	names := make([]string, 0, 4)
	for _, p := range anonymize.Profiles() {
		names = append(names, p.Name)
	}
	cmd := &Command{
		Name:  "anonymize",
		Short: "De-identify DICOM files (PS3.15 Annex E) and verify the result",
		Long: `De-identifies DICOM files and folders with a confidentiality profile of
DICOM PS3.15 Annex E and its options: UIDs, pseudonyms and date shifts are
derived from a secret key (HMAC-SHA256), so the same key gives the same
output and nobody without it can link outputs to inputs. Outputs are named
after their new SOP Instance UID in --out, written atomically; a file that
cannot be de-identified (not DICOM, truncated, burned-in text with no pixel
rule) gets its own entry in the report and the batch goes on. The exit
status is 1 unless every file succeeded.

Profiles: ` + strings.Join(names, ", ") + `. The cristal profile takes the
donor record number from --pseudonym-map (CSV "identifier,pseudonym").

"radkit anonymize verify ORIG ANON" searches the de-identified files for
every identifying value of the originals (names, IDs, INS/NIR, addresses,
phones, dates, UIDs, free text, in several spellings) at every depth, and
exits 1 if any leaks.

A key file is any secret of at least 16 bytes, e.g. from
"head -c 32 /dev/urandom > site.key"; keep it: without it the same study
no longer maps to the same pseudonyms.`,
		Usage: "--profile P --key-file K [--option O]... [--pseudonym-map F] [--report R.json] --out DIR IN...\n       radkit anonymize verify ORIG ANON",
		Example: []string{
			"$ radkit anonymize --profile research --key-file site.key --report report.json --out anon/ study/",
			"$ radkit anonymize --profile cristal --key-file site.key --pseudonym-map donors.csv --out cristal/ study/",
			"$ radkit anonymize verify study/ anon/",
		},
		Flags: newFlagSet("anonymize"),
	}
	fl := cmd.Flags
	fl.StringVar(&opts.Profile, "profile", "basic", "confidentiality `PROFILE`: "+strings.Join(names, ", "))
	fl.StringVar(&opts.KeyFile, "key-file", "", "`FILE` holding the secret key (at least 16 bytes)")
	fl.Var(&options, "option", "add a PS3.15 `OPTION` to the profile (repeatable), e.g. retain-modified-dates")
	fl.StringVar(&opts.Pseudonyms, "pseudonym-map", "", "CSV `FILE` of identifier,pseudonym (donor record numbers, subject numbers)")
	fl.StringVar(&opts.Report, "report", "", "write the JSON report (tags and actions, never values) to `FILE`")
	fl.StringVar(&opts.ReidKey, "reid-key-file", "", "`FILE` with a 32-byte key: seal the original identifiers in the report (AES-256-GCM)")
	fl.BoolVar(&opts.AllowBurnedIn, "allow-burned-in", false, "let through images that may carry burned-in identity when no pixel rule cleans them")
	fl.StringVar(&opts.Out, "out", "", "output `DIR`")
	fl.IntVar(&opts.Workers, "workers", 0, "files processed at once `N` (0: every core)")
	cmd.RunE = func(ctx context.Context, args []string) error {
		if len(args) > 0 && args[0] == "verify" {
			if len(args) != 3 {
				return usageErrorf(cmd.Name, "verify takes ORIG and ANON")
			}
			opts.Verify, opts.Inputs = true, args[1:]
		} else {
			opts.Options = options
			opts.Inputs = args
			switch {
			case len(args) == 0:
				return usageErrorf(cmd.Name, "no input file or folder")
			case opts.KeyFile == "":
				return usageErrorf(cmd.Name, "--key-file is required")
			case opts.Out == "":
				return usageErrorf(cmd.Name, "--out is required")
			}
			if _, err := anonymize.ProfileByName(opts.Profile); err != nil {
				return &UsageError{Cmd: cmd.Name, Err: err}
			}
			for _, o := range opts.Options {
				if _, err := anonymize.ParseOption(o); err != nil {
					return &UsageError{Cmd: cmd.Name, Err: err}
				}
			}
		}
		if runF != nil {
			return runF(opts)
		}
		return anonymizeRun(ctx, opts)
	}
	return cmd
}

func anonymizeRun(ctx context.Context, opts *AnonymizeOptions) error {
	if opts.Verify {
		v, err := anonymize.VerifyPaths(ctx, opts.Inputs[0], opts.Inputs[1], anonymize.VerifyOptions{FromOutput: true})
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.Out, "%d identifying values searched in %d files (%d elements): %d leaks\n",
			v.Values, v.Files, v.Elements, len(v.Leaks))
		for _, l := range v.Leaks {
			fmt.Fprintf(opts.IO.Out, "leak: %s\n", l)
		}
		if !v.OK() {
			return &exitStatus{code: ExitFailure}
		}
		return nil
	}
	p, _ := anonymize.ProfileByName(opts.Profile)
	for _, name := range opts.Options {
		o, _ := anonymize.ParseOption(name)
		p.Options |= o
	}
	key, err := os.ReadFile(opts.KeyFile)
	if err != nil {
		return err
	}
	ao := anonymize.Options{Profile: p, Key: key, AllowBurnedIn: opts.AllowBurnedIn}
	if opts.Pseudonyms != "" {
		fh, err := os.Open(opts.Pseudonyms)
		if err != nil {
			return err
		}
		m, err := anonymize.ParsePseudonymMap(fh)
		fh.Close()
		if err != nil {
			return err
		}
		ao.Pseudonyms = m.Lookup
	}
	if opts.ReidKey != "" {
		if ao.ReidentificationKey, err = os.ReadFile(opts.ReidKey); err != nil {
			return err
		}
	}
	a, err := anonymize.New(ao)
	if err != nil {
		return err
	}
	bo := anonymize.BatchOptions{Workers: opts.Workers}
	var bar *mpb.Bar
	var progress *mpb.Progress
	if isTerminal(opts.IO.ErrOut) {
		// A bar only for a person watching: scripts get the summary line.
		progress = mpb.NewWithContext(ctx, mpb.WithOutput(opts.IO.ErrOut))
		bo.Progress = func(done, total int, _ *anonymize.Report) {
			if bar == nil {
				bar = progress.AddBar(int64(total), mpb.PrependDecorators(decor.Name("anonymize "), decor.CountersNoUnit("%d/%d")),
					mpb.AppendDecorators(decor.Percentage()))
			}
			bar.SetCurrent(int64(done))
		}
	}
	rep, err := a.Batch(ctx, opts.Inputs, opts.Out, bo)
	if progress != nil {
		if bar != nil {
			bar.SetTotal(-1, true)
		}
		progress.Wait()
	}
	if err != nil {
		return err
	}
	if opts.Report != "" {
		if err := atomicfile.WriteFile(opts.Report, 0o600, rep.WriteJSON); err != nil {
			return err
		}
	}
	for _, f := range rep.Files {
		if f.Status != "ok" {
			fmt.Fprintf(opts.IO.ErrOut, "radkit anonymize: %s: %s\n", f.Input, f.Error)
		}
	}
	fmt.Fprintf(opts.IO.ErrOut, "radkit anonymize: %d files de-identified with profile %s, %d failed, into %s\n",
		rep.Succeeded, p.Name, rep.Failed, opts.Out)
	if !rep.OK() {
		return &exitStatus{code: ExitFailure}
	}
	return nil
}
