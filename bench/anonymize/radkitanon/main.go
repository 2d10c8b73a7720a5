// Command radkitanon runs anonymize.Batch the way `radkit anonymize` will,
// for bench/anonymize/run.sh until the CLI is wired: one process, every
// core, one summary line.
//
//	radkitanon -profile basic -key-file K -out DIR [-verify] IN...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/radkit/radkit/anonymize"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "radkitanon:", err)
		os.Exit(1)
	}
}

func run() error {
	profile := flag.String("profile", "basic", "profile name")
	keyFile := flag.String("key-file", "", "key file (at least 16 bytes)")
	out := flag.String("out", "", "output directory")
	workers := flag.Int("workers", 0, "parallel files (0: all cores)")
	allowBurnedIn := flag.Bool("allow-burned-in", false, "let burned-in images through without pixel rules")
	verify := flag.Bool("verify", false, "verify the outputs against the inputs afterwards (not timed)")
	flag.Parse()
	if *keyFile == "" || *out == "" || flag.NArg() == 0 {
		return fmt.Errorf("usage: radkitanon -profile P -key-file K -out DIR IN")
	}
	key, err := os.ReadFile(*keyFile)
	if err != nil {
		return err
	}
	p, err := anonymize.ProfileByName(*profile)
	if err != nil {
		return err
	}
	opts := anonymize.Options{Profile: p, Key: key, AllowBurnedIn: *allowBurnedIn}
	if p.NeedsPseudonyms {
		opts.Pseudonyms = func(context.Context, anonymize.PatientRef) (string, error) { return "BENCH-0001", nil }
	}
	a, err := anonymize.New(opts)
	if err != nil {
		return err
	}
	ctx := context.Background()
	start := time.Now()
	rep, err := a.Batch(ctx, flag.Args(), *out, anonymize.BatchOptions{Workers: *workers})
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Printf("files=%d ok=%d failed=%d seconds=%.3f\n", len(rep.Files), rep.Succeeded, rep.Failed, el.Seconds())
	for _, f := range rep.Files {
		if f.Status != "ok" {
			fmt.Fprintf(os.Stderr, "%s: %s\n", f.Input, f.Error)
		}
	}
	if *verify {
		for _, in := range flag.Args() {
			v, err := anonymize.VerifyPaths(ctx, in, *out, anonymize.VerifyOptions{FromOutput: true})
			if err != nil {
				return err
			}
			fmt.Printf("verify %s: %d values, %d files, %d elements, %d leaks\n", in, v.Values, v.Files, v.Elements, len(v.Leaks))
			for _, l := range v.Leaks {
				fmt.Println("  ", l)
			}
		}
	}
	if !rep.OK() {
		os.Exit(1)
	}
	return nil
}
