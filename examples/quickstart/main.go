// Command quickstart is the tour of radkit a newcomer runs first:
//
//	go run ./examples/quickstart
//
// It generates a synthetic study (no patient data is ever used), writes it
// as DICOM Part 10 files, reads every file back and prints what it holds,
// then relabels one object with the streaming rewrite that passes pixel
// data through unread, checks a BI-RADS interpretation form, follows the
// woman in the breast-screening programme and de-identifies the study for
// Cristal Image with a leak check, compresses a slice with the pure-Go
// JPEG-LS codec, stores the study in an embedded archive, evaluates a
// synthetic screening cohort and, when S3 and PostgreSQL servers are
// given, runs two archive nodes on them.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/radkit/radkit"
	"github.com/radkit/radkit/anonymize"
	"github.com/radkit/radkit/birads"
	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/codec"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/calendar"
	"github.com/radkit/radkit/screening/indicators"
	"github.com/radkit/radkit/synth"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	out := fs.String("out", "", "directory for the generated files (default: a new temporary directory)")
	seed := fs.Uint64("seed", 1, "seed of the synthetic study; the same seed gives the same bytes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	dir := *out
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "radkit-quickstart-"); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "radkit %s quickstart\n\n", radkit.Version)

	// Step 1: synthetic studies. A small CT series and a screening
	// mammogram for the same (fictitious) patient: French name with
	// accents, INS/NIR with a valid key, Latin-1 encoding.
	fmt.Fprintf(stdout, "1. Generating a synthetic study in %s\n", dir)
	var paths []string
	for _, k := range []struct {
		kind synth.Kind
		opts synth.Options
	}{
		{synth.CT, synth.Options{Seed: *seed, Slices: 4}},
		{synth.MG, synth.Options{Seed: *seed}},
		{synth.SR, synth.Options{Seed: *seed}},
	} {
		p, err := synth.WriteStudy(ctx, dir, k.kind, k.opts)
		if err != nil {
			return fmt.Errorf("synth %s: %w", k.kind, err)
		}
		paths = append(paths, p...)
	}

	// Step 2: read every file back and show what it contains. Text is
	// decoded under the file's Specific Character Set.
	fmt.Fprintf(stdout, "\n2. Reading the %d files back\n\n", len(paths))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tMODALITY\tPATIENT\tSIZE\tPIXELS\tCHARSET")
	for _, p := range paths {
		f, err := dicomio.ReadFile(p, &dicomio.ReadOptions{PixelData: dicomio.PixelDataSkip})
		if err != nil {
			return err
		}
		ds := f.Dataset
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		pixels := "-"
		if ds.Has(dicomio.TagPixelData) {
			rows, _ := ds.Int(dicomio.TagRows)
			cols, _ := ds.Int(dicomio.TagColumns)
			bits, _ := ds.Int(dicomio.TagBitsStored)
			pixels = fmt.Sprintf("%dx%d %d-bit", cols, rows, bits)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d KiB\t%s\t%s\n", filepath.Base(p),
			ds.String(dicomio.TagModality), ds.String(dicomio.TagPatientName),
			st.Size()>>10, pixels, ds.String(dicomio.TagSpecificCharacterSet))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	// Step 3: streaming rewrite. The header changes, the pixel data is
	// copied through a fixed buffer: the same call rewrites a 1 GB
	// tomosynthesis object with a few MB of heap.
	var mg string
	for _, p := range paths {
		if filepath.Base(p)[:2] == "mg" {
			mg = p
			break
		}
	}
	if mg == "" {
		return fmt.Errorf("no mammogram generated")
	}
	dst := filepath.Join(dir, "mg-relabelled.dcm")
	fmt.Fprintf(stdout, "\n3. Rewriting %s with a new Patient ID, pixel data streamed\n", filepath.Base(mg))
	err := dicomio.RewriteFile(ctx, mg, dst, func(f *dicomio.File) error {
		return f.Dataset.SetStrings(dicomio.TagPatientID, dicomio.LO, "PSEUDO-0001")
	}, nil)
	if err != nil {
		return err
	}
	before, err := dicomio.ReadFile(mg, nil)
	if err != nil {
		return err
	}
	after, err := dicomio.ReadFile(dst, nil)
	if err != nil {
		return err
	}
	same := before.Dataset.Get(dicomio.TagPixelData).Equal(after.Dataset.Get(dicomio.TagPixelData))
	fmt.Fprintf(stdout, "   Patient ID %q -> %q, pixel data identical: %v\n",
		before.Dataset.String(dicomio.TagPatientID), after.Dataset.String(dicomio.TagPatientID), same)
	if !same {
		return fmt.Errorf("pixel data changed by the rewrite")
	}

	// Step 4: BI-RADS. The first reader's interpretation form for the
	// screening mammogram is checked against the programme's rules, and
	// the engine says where the exam goes next, citing the arrêté.
	fmt.Fprintf(stdout, "\n4. Checking the first reader's BI-RADS form for the mammogram\n")
	rep, err := birads.Check(ctx, strings.NewReader(l1Form), birads.Options{})
	if err != nil {
		return err
	}
	if !rep.Valid || rep.Decision == nil {
		return fmt.Errorf("the sample form should be valid: %v", rep.Err())
	}
	fmt.Fprintf(stdout, "   valid: %v, exam category %v, decision %s (rules %v)\n",
		rep.Valid, rep.Decision.Category, rep.Decision.Outcome, rep.Decision.Fired)

	// Step 5: screening follow-up. The same woman's breast-screening
	// events (invitation, mammogram, the two readings) are folded into
	// her state, with each step's rule cited and what is due next.
	fmt.Fprintf(stdout, "\n5. Following her in the breast-screening programme\n")
	eng, err := screening.New(screening.Options{Now: func() time.Time {
		return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	}})
	if err != nil {
		return err
	}
	res, err := eng.Restore(ctx, strings.NewReader(breastEvents))
	if err != nil {
		return err
	}
	if len(res.Rejected) > 0 {
		return fmt.Errorf("event rejected: %v", res.Rejected[0].Err)
	}
	x, err := eng.Explain(ctx, "SYNTH-0001", calendar.MustParse("2025-06-01"))
	if err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimSpace(x.String()), "\n") {
		if strings.HasPrefix(line, "colorectal") || strings.HasPrefix(line, "cervical") {
			break
		}
		fmt.Fprintf(stdout, "   %s\n", line)
	}

	// Step 6: de-identification for Cristal Image. The organ-donor
	// profile replaces the identity with the donor record number (here
	// from a lookup; in production the Cristal record), keeps shifted
	// dates, age, sex, size and weight for organ evaluation, and derives
	// UIDs from a site key; the verifier then searches every output for
	// every identifying value of the originals.
	fmt.Fprintf(stdout, "\n6. De-identifying the study for Cristal Image (donor record CRISTAL-2025-0042)\n")
	profile, err := anonymize.ProfileByName("cristal")
	if err != nil {
		return err
	}
	anon, err := anonymize.New(anonymize.Options{
		Profile: profile,
		Key:     []byte("quickstart site key, never in production"),
		Pseudonyms: func(context.Context, anonymize.PatientRef) (string, error) {
			return "CRISTAL-2025-0042", nil
		},
	})
	if err != nil {
		return err
	}
	anonDir := filepath.Join(dir, "cristal")
	batch, err := anon.Batch(ctx, paths, anonDir, anonymize.BatchOptions{})
	if err != nil {
		return err
	}
	if !batch.OK() {
		return fmt.Errorf("%d files failed de-identification", batch.Failed)
	}
	leaks := 0
	for _, p := range paths {
		v, err := anonymize.VerifyPaths(ctx, p, anonDir, anonymize.VerifyOptions{FromOutput: true})
		if err != nil {
			return err
		}
		leaks += len(v.Leaks)
	}
	fmt.Fprintf(stdout, "   %d files de-identified into %s, %d identifying values leaked\n", batch.Succeeded, anonDir, leaks)
	if leaks > 0 {
		return fmt.Errorf("%d leaks", leaks)
	}

	// Step 7: compression for the archive tiers. The immediate tier
	// keeps images lossless (JPEG-LS, bit-exact); the deferred tier may
	// hold near-lossless images, which become new derived instances.
	fmt.Fprintf(stdout, "\n7. Compressing a CT slice for the archive tiers (pure-Go JPEG-LS)\n")
	ct, err := dicomio.ReadFile(paths[0], nil)
	if err != nil {
		return err
	}
	for _, near := range []int{0, 3} {
		to := dicomio.JPEGLSLossless
		if near > 0 {
			to = dicomio.JPEGLSNearLossless
		}
		_, rep, err := codec.Transcode(ctx, ct, to, &codec.TranscodeOptions{Near: near, Verify: true})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "   NEAR=%d: ratio %.2f, max error %d, lossy %v\n", near, rep.Ratio, rep.MaxError, rep.Lossy)
	}

	// Step 8: the archive. An embedded archive in a folder (no server):
	// the study is stored (a second store is a no-op), found by an
	// accent-insensitive name query, its first image read back and
	// checked, and every access is in the hash-chained audit trail.
	fmt.Fprintf(stdout, "\n8. Archiving the study\n")
	arch, err := dicomarchive.Open(ctx, filepath.Join(dir, "archive"), nil)
	if err != nil {
		return err
	}
	defer arch.Close()
	actx := dicomarchive.WithPrincipal(ctx, "quickstart")
	for _, p := range paths {
		fh, err := os.Open(p)
		if err != nil {
			return err
		}
		_, err = arch.Store(actx, fh, nil)
		fh.Close()
		if err != nil {
			return err
		}
	}
	ctDS := ct.Dataset
	family := strings.SplitN(ctDS.String(dicomio.TagPatientName), "^", 2)[0]
	pattern := strings.ToLower(foldAccents(family)) + "*"
	page, err := arch.QueryStudies(actx, &dicomarchive.Query{PatientName: pattern})
	if err != nil {
		return err
	}
	start := time.Now()
	obj, err := arch.Open(actx, ctDS.String(dicomio.TagSOPInstanceUID), nil)
	if err != nil {
		return err
	}
	n, err := io.Copy(io.Discard, obj)
	obj.Close()
	if err != nil {
		return err
	}
	firstImage := time.Since(start)
	audit, err := arch.VerifyAudit(actx, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "   query %q: %d studies; first CT image (%d KiB) read and checked in %s; audit trail intact (%d entries)\n",
		pattern, len(page.Items), n>>10, firstImage.Round(time.Microsecond), audit.Entries)

	// Step 9: evaluating a programme. A synthetic département cohort
	// (deterministic from its seed) goes through the same engine as the
	// woman of step 5; the evaluation indicators of the arrêté are then
	// computed from the stored events alone.
	fmt.Fprintf(stdout, "\n9. Evaluating breast screening on a synthetic cohort\n")
	cohort, err := screening.New(screening.Options{Now: func() time.Time {
		return time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	}})
	if err != nil {
		return err
	}
	var simBatch []screening.Event
	rejected := 0
	flush := func() error {
		r, err := cohort.Ingest(ctx, simBatch)
		rejected += len(r.Rejected)
		simBatch = simBatch[:0]
		return err
	}
	truth, err := screening.Simulate(ctx, screening.SimOptions{
		Seed: 2026, People: 2000, MinAge: 50, MaxAge: 74, FemaleShare: 1,
		Programmes: []screening.Programme{screening.Breast}, Department: "67",
		From: calendar.MustParse("2022-01-01"), To: calendar.MustParse("2025-12-31"),
	}, func(_ screening.PersonID, evs []screening.Event) error {
		simBatch = append(simBatch, evs...)
		if len(simBatch) < 20000 {
			return nil
		}
		return flush()
	})
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	rows, err := indicators.Compute(ctx, cohort.Store(), indicators.Options{PeriodYears: 2})
	if err != nil {
		return err
	}
	for i := range rows {
		r := &rows[i]
		if r.Programme != screening.Breast || r.Invitations == 0 {
			continue
		}
		fmt.Fprintf(stdout, "   %s, département %s: %d invited, participation %.1f %%, positive after workup %.1f %%, %d cancers (%.1f per 1000)\n",
			r.PeriodLabel(), r.Department, r.Invitations, 100*r.Participation(), 100*r.PositivityAfterWorkup(), r.Cancers, r.DetectionRate())
	}
	fmt.Fprintf(stdout, "   %d people simulated (%d events rejected)\n", truth.People, rejected)

	// Step 10: the archive of step 8 scaled out, when S3 and PostgreSQL
	// servers are given (scaleout.go).
	if err := scaleOut(ctx, stdout, paths); err != nil {
		return fmt.Errorf("scale-out: %w", err)
	}

	fmt.Fprintf(stdout, "\nDone. Inspect the files with: go run ./cmd/radkit dump %s\n", paths[0])
	return nil
}

// foldAccents strips the accents of Latin letters, as a user typing a
// query would.
func foldAccents(s string) string {
	r := strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "É", "E", "È", "E",
		"à", "a", "â", "a", "ç", "c", "î", "i", "ï", "i", "ô", "o", "ù", "u", "û", "u", "ü", "u")
	return r.Replace(s)
}

// breastEvents is the screening log of the synthetic woman, as JSON Lines.
const breastEvents = `{"id":"e1","person":"SYNTH-0001","date":"2025-01-02","kind":"birth","data":{"Birth":"1962-04-14","Sex":"F"}}
{"id":"e2","person":"SYNTH-0001","programme":"breast","date":"2025-01-06","kind":"invitation","data":{"Channel":"post"}}
{"id":"e3","person":"SYNTH-0001","programme":"breast","date":"2025-03-14","kind":"mammogram"}
{"id":"e4","person":"SYNTH-0001","programme":"breast","date":"2025-03-14","kind":"reading","data":{"Of":"e3","Reader":"L1","Category":1}}
{"id":"e5","person":"SYNTH-0001","programme":"breast","date":"2025-03-21","kind":"reading","data":{"Of":"e3","Reader":"L2","Category":1}}
`

// l1Form is a first reading with both breasts normal (ACR 1), density
// type 2, read on a console: it goes to second reading.
const l1Form = `{
  "version": "1",
  "person_ref": "SYNTH-0001",
  "exam_date": "2025-03-14",
  "site": {"id": "CAB-21-0001"},
  "equipment": {"type": "DR", "brand": "Synth Mammo", "console": "Synth RC", "reading": "console"},
  "clinical_exam": "normal",
  "l1": {
    "reader": "RPPS-10000000001",
    "final": {"right": 1, "left": 1},
    "density": 2,
    "course_of_action": ["routine"]
  }
}`
