package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/calendar"
)

// ScreeningOptions are the parsed arguments of "radkit screening".
type ScreeningOptions struct {
	IO *IOStreams
	// Sub is the action: simulate, ingest, due, explain, rules, mermaid.
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
             --from, --to) to standard output
  ingest     validate and store the events of FILE; report accepted,
             duplicate and rejected events (exit 1 if any is rejected)
  due        list the actions due on --at (invitations, reminders, kits,
             letters, follow-up checks, perdu de vue declarations)
  explain    the state of --person on --at with the chain of events and rules
             that led there, each rule cited
  rules      the rule table with sources
  mermaid    the state machine of --programme as a Mermaid diagram

Dates are YYYY-MM-DD. --json prints JSON instead of text.`,
		Usage: "simulate|ingest|due|explain|rules|mermaid [flags] [EVENTS.jsonl]",
		Example: []string{
			"$ radkit screening simulate --seed 1 --people 1000 > events.jsonl",
			"$ radkit screening due --at 2027-03-01 events.jsonl",
			"$ radkit screening explain --person P000042 --at 2027-03-01 events.jsonl",
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
	cmd.RunE = func(ctx context.Context, args []string) error {
		if len(args) == 0 {
			return usageErrorf(cmd.Name, "expected simulate, ingest, due, explain, rules or mermaid")
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
		switch opts.Sub {
		case "ingest", "due", "explain":
			if len(args) != 1 {
				return usageErrorf(cmd.Name, "%s takes one EVENTS.jsonl file (or -)", opts.Sub)
			}
			opts.Events = args[0]
			if opts.Sub == "explain" && opts.Person == "" {
				return usageErrorf(cmd.Name, "explain needs --person")
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
		enc := json.NewEncoder(out)
		_, err := screening.Simulate(ctx, opts.Sim, func(_ screening.PersonID, events []screening.Event) error {
			for _, e := range events {
				if err := enc.Encode(e); err != nil {
					return err
				}
			}
			return nil
		})
		return err
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
	eng, err := screening.New(screening.Options{Now: func() time.Time {
		return today.Time(time.UTC).Add(12 * time.Hour)
	}})
	if err != nil {
		return err
	}
	in := opts.IO.In
	if opts.Events != "-" {
		fh, err := os.Open(opts.Events)
		if err != nil {
			return err
		}
		defer fh.Close()
		in = fh
	}
	res, err := eng.Restore(ctx, in)
	if err != nil {
		return err
	}
	switch opts.Sub {
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

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
