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
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/dicomweb"
	"github.com/radkit/radkit/dicomarchive/pgindex"
	"github.com/radkit/radkit/dicomarchive/s3blob"
	"github.com/radkit/radkit/internal/atomicfile"
)

// ArchiveOptions are the parsed arguments of "radkit archive".
type ArchiveOptions struct {
	IO   *IOStreams
	Root string
	// IndexDSN and S3 select the scale-out backends: a PostgreSQL index
	// and an S3 bucket shared by several archive processes.
	IndexDSN string
	S3       string
	S3TLS    bool
	// Sub is store, open, query, reconcile, migrate, purge, verify,
	// audit or serve.
	Sub  string
	Args []string
	// User is the principal recorded in the audit trail.
	User string
	// Query fields.
	PatientID, PatientName, Accession, Modality string
	JSON                                        bool
	DryRun                                      bool
	Near                                        int
	Listen                                      string
	Out                                         string
	Private                                     bool
}

func newCmdArchive(f *Factory, runF func(*ArchiveOptions) error) *Command {
	opts := &ArchiveOptions{IO: f.IO}
	cmd := &Command{
		Name:  "archive",
		Short: "A tiered, audited DICOM archive in a folder (store, query, verify, serve)",
		Long: `Runs the embedded radkit archive rooted at --root (content-addressed blobs
and a SQLite index; created on first use). Every call is recorded in the
hash-chained audit trail under --user.

  store PATH...             ingest files and folders (idempotent; a different
                            object under a stored SOP Instance UID is refused
                            and recorded, never overwritten)
  query                     list studies (--patient-id, --patient-name with
                            case/accent-insensitive wildcards, --accession,
                            --modality)
  open SOP_UID              write one instance to --out (the reconciled
                            identity applied)
  reconcile attach-ins KEY NIR | merge FROM INTO
                            change the identity in the index, never the bytes
  migrate [--near K]        move studies past the immediate window (3 years)
                            to the deferred tier (JPEG-LS); --dry-run lists
  purge                     delete studies past retention (20 years, hospital
                            policy) not under hold; --dry-run lists
  verify                    re-hash every blob, report corruption and orphans
  audit                     verify the audit trail's hash chain
  serve                     DICOMweb (STOW-RS, QIDO-RS, WADO-RS) on --listen

The exit status is 1 when verify or audit finds a problem, or when store
refuses an object.`,
		Usage: "--root DIR store|query|open|reconcile|migrate|purge|verify|audit|serve [flags] [ARGS]",
		Example: []string{
			"$ radkit archive --root /srv/pacs store study/",
			"$ radkit archive --root /srv/pacs query --patient-name 'lefevre*'",
			"$ radkit archive --root /srv/pacs verify",
			"$ radkit archive --root /srv/pacs serve --listen 127.0.0.1:8080",
			"$ radkit archive --index-dsn postgres://pacs@db/pacs --s3 s3.example.org/pacs serve  # S3 keys from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY",
		},
		Flags: newFlagSet("archive"),
	}
	fl := cmd.Flags
	fl.StringVar(&opts.Root, "root", "", "archive `DIR` (blobs and index when --index-dsn and --s3 are not given)")
	fl.StringVar(&opts.IndexDSN, "index-dsn", os.Getenv("RADKIT_ARCHIVE_INDEX_DSN"), "PostgreSQL index `DSN` shared by several nodes (default $RADKIT_ARCHIVE_INDEX_DSN)")
	fl.StringVar(&opts.S3, "s3", os.Getenv("RADKIT_ARCHIVE_S3"), "S3 blob store `HOST:PORT/BUCKET[/PREFIX]`, keys from $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY (default $RADKIT_ARCHIVE_S3)")
	fl.BoolVar(&opts.S3TLS, "s3-tls", true, "use HTTPS for --s3")
	fl.StringVar(&opts.User, "user", os.Getenv("USER"), "principal `NAME` recorded in the audit trail")
	fl.StringVar(&opts.PatientID, "patient-id", "", "query: patient `ID` (wildcards allowed)")
	fl.StringVar(&opts.PatientName, "patient-name", "", "query: patient `NAME` (case and accents ignored, wildcards)")
	fl.StringVar(&opts.Accession, "accession", "", "query: accession `NUMBER`")
	fl.StringVar(&opts.Modality, "modality", "", "query: `MODALITY`")
	fl.BoolVar(&opts.JSON, "json", false, "print JSON")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "migrate, purge: list what would be done")
	fl.IntVar(&opts.Near, "near", 0, "migrate: JPEG-LS NEAR `K` (0: lossless)")
	fl.StringVar(&opts.Listen, "listen", "127.0.0.1:8080", "serve: listen `ADDR`")
	fl.StringVar(&opts.Out, "out", "", "open: output `FILE`")
	cmd.RunE = func(ctx context.Context, args []string) error {
		if opts.Root == "" && (opts.IndexDSN == "" || opts.S3 == "") {
			return usageErrorf(cmd.Name, "--root is required (or both --index-dsn and --s3)")
		}
		if len(args) == 0 {
			return usageErrorf(cmd.Name, "expected an action: store, query, open, reconcile, migrate, purge, verify, audit or serve")
		}
		opts.Sub, opts.Args = args[0], args[1:]
		n := len(opts.Args)
		switch opts.Sub {
		case "store":
			if n == 0 {
				return usageErrorf(cmd.Name, "store takes at least one file or folder")
			}
		case "open":
			if n != 1 || opts.Out == "" {
				return usageErrorf(cmd.Name, "open takes a SOP Instance UID and --out FILE")
			}
		case "reconcile":
			if n != 3 || (opts.Args[0] != "attach-ins" && opts.Args[0] != "merge") {
				return usageErrorf(cmd.Name, "reconcile takes attach-ins KEY NIR or merge FROM INTO")
			}
			if _, err := strconv.ParseInt(opts.Args[1], 10, 64); err != nil {
				return usageErrorf(cmd.Name, "reconcile: patient key %q is not a number", opts.Args[1])
			}
		case "query", "migrate", "purge", "verify", "audit", "serve":
			if n != 0 {
				return usageErrorf(cmd.Name, "%s takes no argument", opts.Sub)
			}
		default:
			return usageErrorf(cmd.Name, "unknown action %q", opts.Sub)
		}
		if runF != nil {
			return runF(opts)
		}
		return archiveRun(ctx, opts)
	}
	return cmd
}

func archiveRun(ctx context.Context, opts *ArchiveOptions) error {
	a, closeBackends, err := openArchive(ctx, opts)
	if err != nil {
		return err
	}
	defer closeBackends()
	defer a.Close()
	ctx = dicomarchive.WithPrincipal(ctx, opts.User)
	out := opts.IO.Out
	switch opts.Sub {
	case "store":
		files, err := expandPaths(opts.Args)
		if err != nil {
			return err
		}
		stored, dup, failed := 0, 0, 0
		for _, p := range files {
			fh, err := os.Open(p)
			if err != nil {
				return err
			}
			res, err := a.Store(ctx, fh, nil)
			fh.Close()
			switch {
			case err != nil:
				failed++
				fmt.Fprintf(opts.IO.ErrOut, "radkit archive: %s: %v\n", p, err)
			case res.Duplicate:
				dup++
			default:
				stored++
			}
		}
		fmt.Fprintf(out, "stored %d, already stored %d, refused %d\n", stored, dup, failed)
		if failed > 0 {
			return &exitStatus{code: ExitFailure}
		}
		return nil
	case "query":
		q := &dicomarchive.Query{PatientID: opts.PatientID, PatientName: opts.PatientName,
			AccessionNumber: opts.Accession, Modality: opts.Modality}
		var all []dicomarchive.Study
		for {
			page, err := a.QueryStudies(ctx, q)
			if err != nil {
				return err
			}
			all = append(all, page.Items...)
			if !page.More {
				break
			}
			q.Offset += len(page.Items)
		}
		if opts.JSON {
			return writeJSON(out, all)
		}
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "PATIENT\tID\tDATE\tACCESSION\tMODALITIES\tSERIES\tINSTANCES\tSTUDY UID")
		for _, s := range all {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%d\t%d\t%s\n", s.Patient.Name, s.Patient.PatientID, s.StudyDate,
				s.AccessionNumber, s.Modalities, s.NumSeries, s.NumInstances, s.StudyInstanceUID)
		}
		return tw.Flush()
	case "open":
		obj, err := a.Open(ctx, opts.Args[0], nil)
		if err != nil {
			return err
		}
		defer obj.Close()
		return atomicfile.WriteFile(opts.Out, 0o644, func(w io.Writer) error {
			_, err := io.Copy(w, obj)
			return err
		})
	case "reconcile":
		key, _ := strconv.ParseInt(opts.Args[1], 10, 64)
		if opts.Args[0] == "attach-ins" {
			return a.AttachINS(ctx, key, opts.Args[2])
		}
		into, err := strconv.ParseInt(opts.Args[2], 10, 64)
		if err != nil {
			return fmt.Errorf("merge: patient key %q is not a number", opts.Args[2])
		}
		return a.MergePatients(ctx, key, into)
	case "migrate":
		rep, err := a.Migrate(ctx, &dicomarchive.MigrateOptions{DryRun: opts.DryRun, Near: opts.Near})
		if err != nil {
			return err
		}
		return writeJSON(out, rep)
	case "purge":
		rep, err := a.Purge(ctx, &dicomarchive.PurgeOptions{DryRun: opts.DryRun})
		if err != nil {
			return err
		}
		return writeJSON(out, rep)
	case "verify":
		rep, err := a.Verify(ctx, nil)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, rep.String())
		if !rep.OK() {
			return &exitStatus{code: ExitFailure}
		}
		return nil
	case "audit":
		rep, err := a.VerifyAudit(ctx, nil)
		if err != nil {
			if errors.Is(err, dicomarchive.ErrAuditTampered) {
				fmt.Fprintf(out, "audit trail: %v\n", err)
				return &exitStatus{code: ExitFailure}
			}
			return err
		}
		b, _ := json.Marshal(rep.Head)
		fmt.Fprintf(out, "audit trail intact: %d entries, head %s\n", rep.Entries, b)
		return nil
	case "serve":
		ln, err := net.Listen("tcp", opts.Listen)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: dicomweb.NewHandler(a, nil), ReadHeaderTimeout: 30 * time.Second}
		fmt.Fprintf(opts.IO.ErrOut, "radkit archive: DICOMweb on http://%s/ (STOW-RS, QIDO-RS, WADO-RS)\n", ln.Addr())
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(ln) }()
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		}
	}
	return nil
}

// openArchive opens the embedded archive under --root, or a scale-out
// node: blobs in S3 (--s3) or under --root/blobs, the index and audit
// trail in PostgreSQL (--index-dsn) or --root/index.db.
func openArchive(ctx context.Context, opts *ArchiveOptions) (*dicomarchive.Archive, func(), error) {
	nop := func() {}
	if opts.IndexDSN == "" && opts.S3 == "" {
		a, err := dicomarchive.Open(ctx, opts.Root, nil)
		return a, nop, err
	}
	c := dicomarchive.NewComposer()
	if opts.S3 != "" {
		parts := strings.SplitN(opts.S3, "/", 3)
		if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
			return nil, nop, fmt.Errorf("--s3 %q: want HOST:PORT/BUCKET[/PREFIX]", opts.S3)
		}
		so := s3blob.Options{Endpoint: parts[0], Bucket: parts[1], Secure: opts.S3TLS,
			AccessKey: os.Getenv("AWS_ACCESS_KEY_ID"), SecretKey: os.Getenv("AWS_SECRET_ACCESS_KEY")}
		if len(parts) == 3 {
			so.Prefix = parts[2]
		}
		blobs, err := s3blob.Open(ctx, so)
		if err != nil {
			return nil, nop, err
		}
		blobs.UseIn(c)
	} else {
		blobs, err := dicomarchive.NewFSBlobStore(filepath.Join(opts.Root, "blobs"))
		if err != nil {
			return nil, nop, err
		}
		blobs.UseIn(c)
	}
	var closer io.Closer
	if opts.IndexDSN != "" {
		ix, err := pgindex.Open(ctx, opts.IndexDSN, nil)
		if err != nil {
			return nil, nop, err
		}
		ix.UseIn(c)
		closer = ix
	} else {
		ix, err := dicomarchive.OpenSQLiteIndex(ctx, filepath.Join(opts.Root, "index.db"))
		if err != nil {
			return nil, nop, err
		}
		ix.UseIn(c)
		closer = ix
	}
	a, err := dicomarchive.New(ctx, c, nil)
	if err != nil {
		closer.Close()
		return nil, nop, err
	}
	return a, func() { closer.Close() }, nil
}
