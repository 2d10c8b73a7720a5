package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/internal/atomicfile"
	"github.com/radkit/radkit/transfer"
)

// SendOptions are the parsed arguments of "radkit send".
type SendOptions struct {
	IO *IOStreams
	// To is the destination: tus+https://…/files/ or stow+https://…/dicom-web.
	To        string
	Parallel  int
	Rate      float64
	Priority  transfer.Priority
	TokenFile string
	Journal   string
	Resume    bool
	Status    bool
	Paths     []string
}

// defaultJournal is where send keeps its jobs unless --journal says.
func defaultJournal() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "radkit-send.journal"
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "radkit", "send.journal")
}

func newCmdSend(f *Factory, runF func(*SendOptions) error) *Command {
	opts := &SendOptions{IO: f.IO}
	var rate, priority string
	cmd := &Command{
		Name:  "send",
		Short: "Send studies resumably and verifiably (tus or DICOMweb STOW-RS)",
		Long: `Sends DICOM files and folders to a tus endpoint (tus+http(s)://…/files/,
radkit's receiver or tusd) or a DICOMweb service (stow+http(s)://…/dicom-web).

A study is a job journalled on disk (fsync'ed): after a crash, "radkit send
--resume" continues every unfinished job, over tus from the last offset the
receiver confirmed, over STOW-RS with the instances the archive did not
list as stored; it sends nothing twice that was confirmed and never reports
success for bytes the receiver does not hold. Over tus, files of 64 MiB and
more go as 4 parallel parts when the server offers concatenation. Each file's SHA-256
travels with it and the receiver checks it. --rate caps the bandwidth
(e.g. 20MB/s) so a gateway does not saturate the hospital link;
--priority urgent lets a donor study overtake bulk transfers.

Progress: bars on a terminal, JSON lines on standard output otherwise.
The exit status is 1 if any file was not confirmed by the receiver.`,
		Usage: "--to tus+https://…|stow+https://… [--parallel N] [--rate R] [--priority P] [--token-file F] PATH...\n       radkit send --resume | --status [--journal F]",
		Example: []string{
			"$ radkit send --to tus+https://pacs.example/files/ --rate 20MB/s --priority urgent study/",
			"$ radkit send --resume",
			"$ radkit send --to stow+http://127.0.0.1:8042/dicom-web study/",
		},
		Flags: newFlagSet("send"),
	}
	fl := cmd.Flags
	fl.StringVar(&opts.To, "to", "", "destination `URL`: tus+http(s)://… or stow+http(s)://…")
	fl.IntVar(&opts.Parallel, "parallel", 0, "files in flight `N` (0: 2)")
	fl.StringVar(&rate, "rate", "", "bandwidth cap `R`, e.g. 20MB/s (default: none)")
	fl.StringVar(&priority, "priority", "normal", "`PRIORITY`: urgent, normal or bulk")
	fl.StringVar(&opts.TokenFile, "token-file", "", "`FILE` holding a bearer token")
	fl.StringVar(&opts.Journal, "journal", "", "job journal `FILE` (default "+defaultJournal()+")")
	fl.BoolVar(&opts.Resume, "resume", false, "resume every unfinished job of the journal")
	fl.BoolVar(&opts.Status, "status", false, "print the jobs of the journal")
	cmd.RunE = func(ctx context.Context, args []string) error {
		if opts.Journal == "" {
			opts.Journal = defaultJournal()
		}
		if rate != "" {
			r, err := transfer.ParseRate(rate)
			if err != nil {
				return &UsageError{Cmd: cmd.Name, Err: err}
			}
			opts.Rate = r
		}
		p, err := transfer.ParsePriority(priority)
		if err != nil {
			return &UsageError{Cmd: cmd.Name, Err: err}
		}
		opts.Priority = p
		switch {
		case opts.Resume && opts.Status:
			return usageErrorf(cmd.Name, "--resume and --status are exclusive")
		case opts.Resume || opts.Status:
			if len(args) > 0 || opts.To != "" {
				return usageErrorf(cmd.Name, "--resume and --status take no destination or path")
			}
		default:
			if opts.To == "" || len(args) == 0 {
				return usageErrorf(cmd.Name, "--to and at least one PATH are required")
			}
			if !strings.HasPrefix(opts.To, "tus+") && !strings.HasPrefix(opts.To, "stow+") {
				return usageErrorf(cmd.Name, "--to must start with tus+ or stow+, got %q", opts.To)
			}
			opts.Paths = args
		}
		if runF != nil {
			return runF(opts)
		}
		return sendRun(ctx, opts)
	}
	return cmd
}

func sendRun(ctx context.Context, opts *SendOptions) error {
	var auth func(*http.Request) error
	if opts.TokenFile != "" {
		tok, err := os.ReadFile(opts.TokenFile)
		if err != nil {
			return err
		}
		auth = transfer.BearerToken(strings.TrimSpace(string(tok)))
	}
	var limiter transfer.Limiter
	if opts.Rate > 0 {
		limiter = transfer.NewRateLimiter(opts.Rate)
	}
	if err := os.MkdirAll(filepath.Dir(opts.Journal), 0o700); err != nil {
		return err
	}
	j, err := transfer.OpenJournal(opts.Journal, transfer.JournalOptions{})
	if err != nil {
		return err
	}
	defer j.Close()
	if opts.Status {
		for _, js := range j.Jobs() {
			done := 0
			for _, fs := range js.Files {
				if fs.Outcome == transfer.OutcomeSent {
					done++
				}
			}
			fmt.Fprintf(opts.IO.Out, "%s\t%s+%s\tdone=%v\t%d/%d files\tupdated %s\n", js.ID, js.Protocol, js.Destination, js.Done, done, len(js.Paths), js.Updated.Format("2006-01-02T15:04:05Z07:00"))
		}
		return nil
	}
	type work struct {
		proto, dest string
		job         transfer.Job
	}
	var jobs []work
	if opts.Resume {
		for _, js := range j.Pending() {
			jobs = append(jobs, work{proto: js.Protocol, dest: js.Destination, job: transfer.Job{ID: js.ID, Priority: js.Priority}})
		}
		if len(jobs) == 0 {
			fmt.Fprintln(opts.IO.ErrOut, "radkit send: no unfinished job")
			return nil
		}
	} else {
		files, err := expandPaths(opts.Paths)
		if err != nil {
			return err
		}
		proto, dest, _ := strings.Cut(opts.To, "+")
		jobs = append(jobs, work{proto: proto, dest: dest, job: transfer.Job{Priority: opts.Priority, Paths: files}})
	}
	failed := 0
	for _, w := range jobs {
		progress, finish := sendProgress(ctx, opts.IO)
		so := transfer.SenderOptions{Journal: j, Parallel: opts.Parallel, Progress: progress}
		var snd *transfer.Sender
		switch w.proto {
		case "stow":
			c, err := transfer.NewStowClient(w.dest, transfer.StowOptions{Authenticate: auth, Limiter: limiter})
			if err != nil {
				return err
			}
			snd = transfer.NewStowSender(c, so)
		default:
			c, err := transfer.NewClient(w.dest, transfer.ClientOptions{Authenticate: auth, Limiter: limiter, Parts: 4, PartThreshold: 64 << 20})
			if err != nil {
				return err
			}
			snd = transfer.NewSender(c, so)
		}
		rep, err := snd.Send(ctx, w.job)
		finish()
		if err != nil && rep == nil {
			return err
		}
		ok := 0
		for _, fr := range rep.Files {
			if fr.Err != nil {
				failed++
				fmt.Fprintf(opts.IO.ErrOut, "radkit send: %s: %v\n", fr.Path, fr.Err)
			} else {
				ok++
			}
		}
		fmt.Fprintf(opts.IO.ErrOut, "radkit send: job %s: %d of %d files confirmed by %s+%s in %s\n", rep.JobID, ok, len(rep.Files), w.proto, w.dest, rep.Elapsed.Round(1e6))
	}
	if failed > 0 {
		return &exitStatus{code: ExitFailure}
	}
	return nil
}

// sendProgress returns the progress callback of a send: a bar on a
// terminal, JSON lines on standard output otherwise.
func sendProgress(ctx context.Context, ios *IOStreams) (func(transfer.Progress), func()) {
	if !isTerminal(ios.ErrOut) {
		enc := json.NewEncoder(ios.Out)
		return func(p transfer.Progress) { enc.Encode(p) }, func() {}
	}
	pr := mpb.NewWithContext(ctx, mpb.WithOutput(ios.ErrOut))
	var bar *mpb.Bar
	return func(p transfer.Progress) {
			if bar == nil {
				bar = pr.AddBar(p.Bytes, mpb.PrependDecorators(decor.Name("send "), decor.CountersKibiByte("% .1f / % .1f")),
					mpb.AppendDecorators(decor.Percentage()))
			}
			bar.SetCurrent(p.BytesDone)
		}, func() {
			if bar != nil {
				bar.SetTotal(-1, true)
			}
			pr.Wait()
		}
}

// ReceiveOptions are the parsed arguments of "radkit receive".
type ReceiveOptions struct {
	IO      *IOStreams
	Listen  string
	Out     string
	Archive string
	Uploads string
}

func newCmdReceive(f *Factory, runF func(*ReceiveOptions) error) *Command {
	opts := &ReceiveOptions{IO: f.IO}
	cmd := &Command{
		Name:  "receive",
		Short: "Receive studies over tus, verifying each file's SHA-256",
		Long: `Runs a tus 1.0 receiver (creation, checksum, expiration, termination,
concatenation) at http://ADDR/files/. Every complete upload is checked
against the SHA-256 its sender declared and must be a DICOM object; it is
then stored, durably, before the last byte is confirmed, so a sender never
counts as received a file that is not on disk:

  --archive DIR  into the radkit archive at DIR (audited; a resend is a
                 no-op; a different object under a stored SOP Instance UID
                 is refused, recorded, and the sender told 422)
  --out DIR      as DIR/<SOP Instance UID>.dcm, written atomically

Uploads in progress live in --uploads (default DIR/.uploads).`,
		Usage: "--listen 127.0.0.1:PORT (--archive DIR | --out DIR) [--uploads DIR]",
		Example: []string{
			"$ radkit receive --listen 127.0.0.1:1080 --archive /srv/pacs",
			"$ radkit receive --listen 127.0.0.1:1080 --out incoming/",
		},
		Flags: newFlagSet("receive"),
	}
	cmd.Flags.StringVar(&opts.Listen, "listen", "127.0.0.1:1080", "listen `ADDR`")
	cmd.Flags.StringVar(&opts.Out, "out", "", "output `DIR` for received instances")
	cmd.Flags.StringVar(&opts.Archive, "archive", "", "radkit archive `DIR` receiving the instances")
	cmd.Flags.StringVar(&opts.Uploads, "uploads", "", "`DIR` for uploads in progress (default OUT/.uploads)")
	cmd.RunE = func(ctx context.Context, args []string) error {
		if len(args) > 0 {
			return usageErrorf(cmd.Name, "unexpected argument %q", args[0])
		}
		if (opts.Out == "") == (opts.Archive == "") {
			return usageErrorf(cmd.Name, "exactly one of --archive and --out is required")
		}
		if opts.Uploads == "" {
			opts.Uploads = filepath.Join(opts.Out+opts.Archive, ".uploads")
		}
		if runF != nil {
			return runF(opts)
		}
		return receiveRun(ctx, opts)
	}
	return cmd
}

// errNotInstance marks an upload that is not a storable DICOM instance: a
// permanent refusal (422), not a failure to retry.
var errNotInstance = errors.New("not a DICOM instance with a valid SOP Instance UID")

// dirSink writes each received instance to dir, named by its SOP Instance
// UID (checked, never trusted as a path), atomically.
func dirSink(dir string) transfer.SinkFunc {
	return func(ctx context.Context, r io.Reader) error {
		tmp, err := os.CreateTemp(dir, ".recv-*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		if _, err := io.Copy(tmp, r); err != nil {
			return err
		}
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return err
		}
		meta, err := dicomio.ReadFile(tmp.Name(), &dicomio.ReadOptions{PixelData: dicomio.PixelDataSkip})
		if err != nil {
			return fmt.Errorf("%w: %v", errNotInstance, err)
		}
		uid := meta.Dataset.String(dicomio.TagSOPInstanceUID)
		if !validUIDName(uid) {
			return errNotInstance
		}
		return atomicfile.WriteFile(filepath.Join(dir, uid+".dcm"), 0o644, func(w io.Writer) error {
			_, err := io.Copy(w, tmp)
			return err
		})
	}
}

// validUIDName reports whether uid is a DICOM UID (digits and dots, at
// most 64 characters), so it is safe as a file name.
func validUIDName(uid string) bool {
	if uid == "" || len(uid) > 64 || uid[0] == '.' || uid[len(uid)-1] == '.' {
		return false
	}
	for i := 0; i < len(uid); i++ {
		c := uid[i]
		if (c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	return !strings.Contains(uid, "..")
}

func receiveRun(ctx context.Context, opts *ReceiveOptions) error {
	if err := os.MkdirAll(opts.Uploads, 0o755); err != nil {
		return err
	}
	ro := transfer.ReceiverOptions{Dir: opts.Uploads}
	dest := opts.Out
	if opts.Archive != "" {
		a, err := dicomarchive.Open(ctx, opts.Archive, nil)
		if err != nil {
			return err
		}
		defer a.Close()
		actx := dicomarchive.WithPrincipal(ctx, "radkit-receive")
		ro.Sink = transfer.SinkFunc(func(_ context.Context, r io.Reader) error {
			_, err := a.Store(actx, r, nil)
			return err
		})
		// Invalid objects and conflicts are final: retrying cannot help.
		ro.Reject = func(err error) bool {
			var inv *dicomarchive.InvalidObjectError
			var con *dicomarchive.ConflictError
			return errors.As(err, &inv) || errors.As(err, &con)
		}
		dest = "archive " + opts.Archive
	} else {
		if err := os.MkdirAll(opts.Out, 0o755); err != nil {
			return err
		}
		ro.Sink = dirSink(opts.Out)
		ro.Reject = func(err error) bool { return errors.Is(err, errNotInstance) }
	}
	rc, err := transfer.NewReceiver(ro)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "radkit receive: tus endpoint http://%s/files/, instances to %s\n", ln.Addr(), dest)
	err = rc.Serve(ctx, ln)
	if errors.Is(err, context.Canceled) || errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
