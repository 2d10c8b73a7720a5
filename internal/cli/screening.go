package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/radkit/radkit/internal/atomicfile"
	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/calendar"
	"github.com/radkit/radkit/screening/export"
	"github.com/radkit/radkit/screening/indicators"
	"github.com/radkit/radkit/screening/pgstore"
	"github.com/radkit/radkit/screening/sqlitestore"
)

// ScreeningOptions are the parsed arguments of "radkit screening".
type ScreeningOptions struct {
	IO *IOStreams
	// Sub is the action: simulate, ingest, due, explain, indicators,
	// export, rules, mermaid.
	Sub string
	// Events is the JSON Lines event file ("-" for standard input).
	Events string
	// At is the date of due/explain; Today is the clock for ingestion
	// (events after it are rejected as future).
	At, Today calendar.Date
	Person    string
	Programme string
	JSON      bool
	Sim       screening.SimOptions
	// Truth is where simulate writes the ground truth (JSON).
	Truth string
	// Out is the output file of simulate, indicators and export ("":
	// standard output); written atomically.
	Out string
	// PNG is the directory for the indicator charts.
	PNG string
	// PeriodYears and Population configure the indicators.
	PeriodYears int
	Population  string
	// KeyFile holds the export's pseudonymisation key; Identifiers maps
	// person IDs to the identifier to pseudonymise (CSV person,identifier).
	KeyFile     string
	Identifiers string
	// Store is a SQLite database holding the events (created if
	// needed); "" keeps them in memory for the run.
	Store string
}

func newCmdScreening(f *Factory, runF func(*ScreeningOptions) error) *Command {
	opts := &ScreeningOptions{IO: f.IO}
	var at, today, from, to string
	cmd := &Command{
		Name:  "screening",
		Short: "Follow-up state machines of the French screening programmes",
		Long: `Runs the follow-up rules of the breast, colorectal and cervical organised
screening programmes (Arrêté du 16 janvier 2024) over an event log in JSON
Lines, one event per line:

  simulate   write a deterministic synthetic cohort's events (--seed, --people,
             --from, --to, --departments, --min-age, --max-age, --programmes,
             --participation, --positivity, --follow-up) to --out or standard
             output; --truth writes the simulator's ground truth as JSON
  ingest     validate and store the events of FILE; report accepted,
             duplicate and rejected events (exit 1 if any is rejected)
  due        list the actions due on --at (invitations, reminders, kits,
             letters, follow-up checks, perdu de vue declarations)
  explain    the state of --person on --at with the chain of events and rules
             that led there, each rule cited
  indicators the evaluation indicators by programme, period (--period-years)
             and département as CSV to --out or standard output (--json:
             JSON); --population adds the INSEE rate; --png DIR writes the
             charts (participation funnel, délais, départements)
  export     the pseudonymised CSV for Santé publique France: keyed pseudonym
             (--key-file, the research profile's linkage identifier),
             birth year only, oppositions to result processing honoured;
             --identifiers maps person IDs to the identifier to pseudonymise
             (the NIR), so that the pseudonym links with insurance data
  rules      the rule table with sources
  mermaid    the state machine of --programme as a Mermaid diagram

--store FILE keeps the events in a SQLite database across runs: ingest into
it once, then run due, explain, indicators or export on it without a file.

Dates are YYYY-MM-DD. --json prints JSON instead of text. Events dated
after --today (default: today) are rejected: a simulated cohort runs to
--to (2030-01-01 by default), so pass --today accordingly. indicators and
export exit 1 when an event was rejected, after writing their output.`,
		Usage: "simulate|ingest|due|explain|indicators|export|rules|mermaid [flags] [EVENTS.jsonl]",
		Example: []string{
			"$ radkit screening simulate --seed 1 --people 1000 --out events.jsonl",
			"$ radkit screening simulate --people 10000000 --min-age 50 --max-age 74 --female-share 1 --programmes breast --departments france --out france.jsonl",
			"$ radkit screening due --at 2027-03-01 events.jsonl",
			"$ radkit screening explain --person P000042 --at 2027-03-01 events.jsonl",
			"$ radkit screening ingest --today 2030-01-01 --store centre.db events.jsonl",
			"$ radkit screening indicators --store centre.db --png charts/ --out indicators.csv",
			"$ radkit screening export --today 2030-01-01 --key-file spf.key --identifiers nir.csv --out spf.csv events.jsonl",
			"$ radkit screening mermaid --programme colorectal",
		},
		Flags: newFlagSet("screening"),
	}
	fl := cmd.Flags
	fl.StringVar(&at, "at", "", "`DATE` of due/explain (default: today)")
	fl.StringVar(&today, "today", "", "`DATE` taken as today when ingesting (default: today)")
	fl.StringVar(&opts.Person, "person", "", "person `ID` to explain")
	fl.StringVar(&opts.Programme, "programme", "", "`PROGRAMME` for mermaid: breast, colorectal or cervical")
	fl.BoolVar(&opts.JSON, "json", false, "print JSON")
	fl.Uint64Var(&opts.Sim.Seed, "seed", 0, "simulation seed `N`")
	fl.IntVar(&opts.Sim.People, "people", 0, "simulated cohort size `N` (0: 1,000)")
	fl.StringVar(&from, "from", "", "simulation start `DATE` (default 2024-01-01)")
	fl.StringVar(&to, "to", "", "simulation end `DATE` (default 2030-01-01)")
	var depts, progs string
	fl.StringVar(&depts, "departments", "", "simulated département codes: a comma-separated `LIST`, \"region:CODE\" (INSEE region, e.g. region:44) or \"france\" (default 67)")
	fl.IntVar(&opts.Sim.Workers, "workers", 0, "simulation goroutines `N` (0: every core; the output does not depend on it)")
	fl.IntVar(&opts.Sim.MinAge, "min-age", 0, "simulated ages at --from: youngest `N` (default 20)")
	fl.IntVar(&opts.Sim.MaxAge, "max-age", 0, "simulated ages at --from: oldest `N` (default 74)")
	fl.Float64Var(&opts.Sim.FemaleShare, "female-share", 0, "simulated share of women `P` (default 0.5)")
	fl.StringVar(&progs, "programmes", "", "simulated programmes, comma-separated `LIST` (default all)")
	fl.Float64Var(&opts.Sim.Participation, "participation", 0, "monthly probability `P` that an invited person takes the test (default 0.12)")
	fl.Float64Var(&opts.Sim.Positivity, "positivity", 0, "factor `F` on the simulated positivity (default 1)")
	fl.Float64Var(&opts.Sim.FollowUp, "follow-up", 0, "monthly probability `P` that a diagnostic exam is reported (default 0.25)")
	fl.Float64Var(&opts.Sim.RemindersOpposition, "oppose-reminders", 0, "probability `P` that an invited person opposes the cycle's reminders (Arrêté 2024, L54; no rate in the texts, default 0: none)")
	fl.Float64Var(&opts.Sim.ResultsOpposition, "oppose-results", 0, "probability `P` per person and invitation of an opposition to the processing of results by the centre (Arrêté 2024, L453; no rate in the texts, default 0: none)")
	fl.StringVar(&opts.Truth, "truth", "", "simulate: write the ground truth as JSON to `FILE`")
	fl.StringVar(&opts.Store, "store", "", "keep the events in the SQLite database `FILE` (created if needed), or in PostgreSQL when it is a postgres:// DSN, instead of memory; due, explain, indicators and export then need no EVENTS file")
	fl.StringVar(&opts.Out, "out", "", "write to `FILE` (atomically) instead of standard output")
	fl.StringVar(&opts.PNG, "png", "", "indicators: write the PNG charts into `DIR`")
	fl.IntVar(&opts.PeriodYears, "period-years", 1, "indicators: period length in years `N`")
	fl.StringVar(&opts.Population, "population", "", "indicators: CSV `FILE` of programme,period,department,population (INSEE)")
	fl.StringVar(&opts.KeyFile, "key-file", "", "export: `FILE` holding the pseudonymisation key (at least 16 bytes)")
	fl.StringVar(&opts.Identifiers, "identifiers", "", "export: CSV `FILE` of person,identifier (the identifier to pseudonymise)")
	cmd.RunE = func(ctx context.Context, args []string) error {
		if len(args) == 0 {
			return usageErrorf(cmd.Name, "expected simulate, ingest, due, explain, indicators, export, rules or mermaid")
		}
		opts.Sub, args = args[0], args[1:]
		parse := func(flagName, s string, dst *calendar.Date) error {
			if s == "" {
				*dst = calendar.FromTime(time.Now())
				return nil
			}
			d, err := calendar.Parse(s)
			if err != nil {
				return usageErrorf(cmd.Name, "--%s: %v", flagName, err)
			}
			*dst = d
			return nil
		}
		if err := parse("at", at, &opts.At); err != nil {
			return err
		}
		if err := parse("today", today, &opts.Today); err != nil {
			return err
		}
		for _, d := range []struct {
			name, s string
			dst     *calendar.Date
		}{{"from", from, &opts.Sim.From}, {"to", to, &opts.Sim.To}} {
			if d.s != "" {
				if err := parse(d.name, d.s, d.dst); err != nil {
					return err
				}
			}
		}
		switch lower := strings.ToLower(depts); {
		case lower == "":
		case lower == "france":
			opts.Sim.Departments = screening.FranceDepartments()
		case strings.HasPrefix(lower, "region:"):
			opts.Sim.Departments = screening.RegionDepartments(strings.TrimPrefix(lower, "region:"))
			if opts.Sim.Departments == nil {
				return usageErrorf(cmd.Name, "--departments: unknown region %q (INSEE region code, e.g. region:44)", depts)
			}
		default:
			for _, d := range strings.Split(depts, ",") {
				opts.Sim.Departments = append(opts.Sim.Departments, strings.TrimSpace(d))
			}
		}
		if progs != "" {
			for _, name := range strings.Split(progs, ",") {
				p, err := screening.ParseProgramme(strings.TrimSpace(name))
				if err != nil || !p.Valid() {
					return usageErrorf(cmd.Name, "--programmes: unknown programme %q", name)
				}
				opts.Sim.Programmes = append(opts.Sim.Programmes, p)
			}
		}
		if opts.PeriodYears < 1 {
			return usageErrorf(cmd.Name, "--period-years must be at least 1")
		}
		for _, r := range []struct {
			flag string
			p    float64
		}{{"oppose-reminders", opts.Sim.RemindersOpposition}, {"oppose-results", opts.Sim.ResultsOpposition}} {
			if !(r.p >= 0 && r.p <= 1) {
				return usageErrorf(cmd.Name, "--%s must be a probability between 0 and 1", r.flag)
			}
		}
		switch opts.Sub {
		case "ingest", "due", "explain", "indicators", "export":
			switch {
			case len(args) == 1:
				opts.Events = args[0]
			case len(args) == 0 && opts.Store != "" && opts.Sub != "ingest":
				// Work on what the store holds.
			default:
				return usageErrorf(cmd.Name, "%s takes one EVENTS.jsonl file (or -), or none with --store", opts.Sub)
			}
			if opts.Sub == "explain" && opts.Person == "" {
				return usageErrorf(cmd.Name, "explain needs --person")
			}
			if opts.Sub == "export" && opts.KeyFile == "" {
				return usageErrorf(cmd.Name, "export needs --key-file")
			}
		case "simulate", "rules", "mermaid":
			if len(args) != 0 {
				return usageErrorf(cmd.Name, "%s takes no file", opts.Sub)
			}
			if opts.Sub == "mermaid" {
				if p, err := screening.ParseProgramme(opts.Programme); err != nil || !p.Valid() {
					return usageErrorf(cmd.Name, "mermaid needs --programme breast, colorectal or cervical")
				}
			}
		default:
			return usageErrorf(cmd.Name, "unknown action %q", opts.Sub)
		}
		if runF != nil {
			return runF(opts)
		}
		return screeningRun(ctx, opts)
	}
	return cmd
}

func screeningRun(ctx context.Context, opts *ScreeningOptions) error {
	out := bufio.NewWriter(opts.IO.Out)
	defer out.Flush()
	switch opts.Sub {
	case "simulate":
		var truth screening.SimTruth
		err := writeOut(opts, out, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			var err error
			truth, err = screening.Simulate(ctx, opts.Sim, func(_ screening.PersonID, events []screening.Event) error {
				for _, e := range events {
					if err := enc.Encode(e); err != nil {
						return err
					}
				}
				return nil
			})
			return err
		})
		if err != nil || opts.Truth == "" {
			return err
		}
		return atomicfile.WriteFile(opts.Truth, 0o644, func(w io.Writer) error { return writeJSON(w, simTruthJSON(truth)) })
	case "rules":
		if opts.JSON {
			return writeJSON(out, screening.Rules())
		}
		for _, r := range screening.Rules() {
			fmt.Fprintf(out, "%s\t%s\t%s\n", r.ID, r.Source, r.Does)
		}
		return nil
	case "mermaid":
		p, _ := screening.ParseProgramme(opts.Programme)
		_, err := io.WriteString(out, screening.Mermaid(p))
		return err
	}
	today := opts.Today
	eo := screening.Options{Now: func() time.Time {
		return today.Time(time.UTC).Add(12 * time.Hour)
	}}
	switch {
	case strings.HasPrefix(opts.Store, "postgres://") || strings.HasPrefix(opts.Store, "postgresql://"):
		st, err := pgstore.Open(ctx, opts.Store, pgstore.Options{})
		if err != nil {
			return err
		}
		defer st.Close()
		eo.Store = st
	case opts.Store != "":
		st, err := sqlitestore.Open(ctx, opts.Store, sqlitestore.Options{})
		if err != nil {
			return err
		}
		defer st.Close()
		eo.Store = st
	}
	eng, err := screening.New(eo)
	if err != nil {
		return err
	}
	var res screening.IngestResult
	if opts.Events != "" {
		in := opts.IO.In
		if opts.Events != "-" {
			fh, err := os.Open(opts.Events)
			if err != nil {
				return err
			}
			defer fh.Close()
			in = fh
		}
		if res, err = eng.Restore(ctx, in); err != nil {
			return err
		}
	}
	// indicators and export write what was accepted, and say what was not.
	rejected := func() error {
		if len(res.Rejected) == 0 {
			return nil
		}
		fmt.Fprintf(opts.IO.ErrOut, "radkit screening %s: %d events rejected, left out (first: line %d: %v)\n",
			opts.Sub, len(res.Rejected), res.Rejected[0].Index, res.Rejected[0].Err)
		return &exitStatus{code: ExitFailure}
	}
	switch opts.Sub {
	case "indicators":
		iopts := indicators.Options{Config: eng.Config(), PeriodYears: opts.PeriodYears}
		if opts.Population != "" {
			fh, err := os.Open(opts.Population)
			if err != nil {
				return err
			}
			iopts.Population, err = indicators.ReadPopulation(fh)
			fh.Close()
			if err != nil {
				return err
			}
		}
		rows, err := indicators.Compute(ctx, eng.Store(), iopts)
		if err != nil {
			return err
		}
		err = writeOut(opts, out, func(w io.Writer) error {
			if opts.JSON {
				return writeJSON(w, rows)
			}
			return indicators.WriteCSV(w, rows)
		})
		if err != nil {
			return err
		}
		if opts.PNG != "" {
			paths, err := indicators.WriteCharts(opts.PNG, rows)
			if err != nil {
				return err
			}
			for _, p := range paths {
				fmt.Fprintf(opts.IO.ErrOut, "wrote %s\n", p)
			}
		}
		return rejected()
	case "export":
		key, err := os.ReadFile(opts.KeyFile)
		if err != nil {
			return err
		}
		eo := export.Options{Key: key}
		if opts.Identifiers != "" {
			ids, err := readIdentifiers(opts.Identifiers)
			if err != nil {
				return err
			}
			eo.Identifier = func(_ context.Context, p screening.PersonID) (string, error) {
				id, ok := ids[p]
				if !ok {
					return "", fmt.Errorf("person %q is not in %s", p, opts.Identifiers)
				}
				return id, nil
			}
		}
		var st export.Stats
		err = writeOut(opts, out, func(w io.Writer) error {
			var err error
			st, err = export.Write(ctx, eng.Store(), w, eo)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "exported %d people, %d rows; %d events of %d people withheld (opposition to result processing)\n",
			st.People, st.Rows, st.Withheld, st.Opposed)
		return rejected()
	case "ingest":
		if opts.JSON {
			if err := writeJSON(out, res); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(out, "accepted %d, duplicates %d, rejected %d\n", res.Accepted, res.Duplicates, len(res.Rejected))
			for _, r := range res.Rejected {
				fmt.Fprintf(out, "rejected line %d (%s): %v\n", r.Index, r.Event, r.Err)
			}
		}
		if len(res.Rejected) > 0 {
			return &exitStatus{code: ExitFailure}
		}
		return nil
	case "due":
		actions, err := eng.DueAll(ctx, opts.At)
		if err != nil {
			return err
		}
		if opts.JSON {
			return writeJSON(out, actions)
		}
		for _, a := range actions {
			fmt.Fprintln(out, a.String())
		}
		return nil
	case "explain":
		x, err := eng.Explain(ctx, screening.PersonID(opts.Person), opts.At)
		if err != nil {
			return err
		}
		if opts.JSON {
			return writeJSON(out, x)
		}
		_, err = io.WriteString(out, x.String())
		return err
	}
	return nil
}

// writeOut writes to opts.Out atomically (mode 0600: screening data are
// health data), or to out.
func writeOut(opts *ScreeningOptions, out io.Writer, write func(io.Writer) error) error {
	if opts.Out == "" {
		return write(out)
	}
	return atomicfile.WriteFile(opts.Out, 0o600, write)
}

// readIdentifiers reads a CSV of person,identifier (with that header).
func readIdentifiers(path string) (map[screening.PersonID]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	cr := csv.NewReader(fh)
	cr.FieldsPerRecord = 2
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 || recs[0][0] != "person" || recs[0][1] != "identifier" {
		return nil, errors.New(path + ": want the header person,identifier")
	}
	ids := make(map[screening.PersonID]string, len(recs)-1)
	for _, r := range recs[1:] {
		ids[screening.PersonID(r[0])] = r[1]
	}
	return ids, nil
}

// simTruthJSON renders the ground truth with its map keyed by
// "programme/year/département".
func simTruthJSON(t screening.SimTruth) any {
	by := make(map[string]*screening.SimCounts, len(t.By))
	for k, c := range t.By {
		by[fmt.Sprintf("%s/%d/%s", k.Programme, k.Year, k.Department)] = c
	}
	type legacy screening.SimTruth
	return struct {
		legacy
		By map[string]*screening.SimCounts
	}{legacy(t), by}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
