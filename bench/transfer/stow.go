package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/radkit/radkit/synth"
	"github.com/radkit/radkit/transfer"
)

// runStow compares STOW-RS (radkit) with dcmtk storescu (C-STORE) storing
// the same study into the same Orthanc. Orthanc is emptied of the study
// before every run so that each one stores every instance.
func runStow(ctx context.Context, slices, runs int, orthanc, dicomAddr string) error {
	u, err := url.Parse(orthanc)
	if err != nil {
		return err
	}
	var auth func(*http.Request) error = func(*http.Request) error { return nil }
	if u.User != nil {
		p, _ := u.User.Password()
		auth = transfer.BasicAuth(u.User.Username(), p)
		u.User = nil
	}
	base := strings.TrimSuffix(u.String(), "/")
	host, port, ok := strings.Cut(dicomAddr, ":")
	if !ok {
		return fmt.Errorf("-orthanc-dicom must be host:port")
	}
	work, err := os.MkdirTemp("", "radkit-bench-stow")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	paths, err := synth.WriteStudy(ctx, filepath.Join(work, "study"), synth.CT, synth.Options{Seed: 601, Slices: slices})
	if err != nil {
		return err
	}
	var total int64
	for _, p := range paths {
		fi, _ := os.Stat(p)
		total += fi.Size()
	}
	empty := func() error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/studies", nil)
		auth(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		var ids []string
		err = json.NewDecoder(resp.Body).Decode(&ids)
		resp.Body.Close()
		if err != nil {
			return err
		}
		for _, id := range ids {
			req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, base+"/studies/"+id, nil)
			auth(req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
		}
		return nil
	}
	tools := []struct {
		name string
		run  func() error
	}{
		{"storescu", func() error {
			args := append([]string{"-aet", "RADKIT", "-aec", "ORTHANC", host, port}, paths...)
			out, err := exec.CommandContext(ctx, "storescu", args...).CombinedOutput()
			if err != nil {
				return fmt.Errorf("storescu: %v: %s", err, out)
			}
			return nil
		}},
		{"stow", func() error {
			c, err := transfer.NewStowClient(base+"/dicom-web", transfer.StowOptions{Authenticate: auth})
			if err != nil {
				return err
			}
			_, err = c.Store(ctx, paths)
			return err
		}},
		{"stow+jrnl", func() error {
			// What radkit send does: journalled (one fsync per batch),
			// two batches in flight.
			c, err := transfer.NewStowClient(base+"/dicom-web", transfer.StowOptions{Authenticate: auth})
			if err != nil {
				return err
			}
			dir, err := os.MkdirTemp("", "radkit-bench-stow")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			j, err := transfer.OpenJournal(filepath.Join(dir, "journal"), transfer.JournalOptions{})
			if err != nil {
				return err
			}
			defer j.Close()
			_, err = transfer.NewStowSender(c, transfer.SenderOptions{Journal: j}).Send(ctx, transfer.Job{Paths: paths})
			return err
		}},
	}
	best := make([]time.Duration, len(tools))
	for range runs {
		for i, tool := range tools {
			if err := empty(); err != nil {
				return err
			}
			start := time.Now()
			if err := tool.run(); err != nil {
				return err
			}
			if d := time.Since(start); best[i] == 0 || d < best[i] {
				best[i] = d
			}
		}
	}
	fmt.Printf("study: %d files, %.1f MB; best of %d interleaved runs; Orthanc at %s\n", len(paths), float64(total)/1e6, runs, base)
	for i, tool := range tools {
		fmt.Printf("%-9s %6.2f s %6.0f MB/s\n", tool.name, best[i].Seconds(), float64(total)/1e6/best[i].Seconds())
	}
	fmt.Printf("stow/storescu throughput: %.0f%%, stow+jrnl/storescu: %.0f%%\n", 100*best[0].Seconds()/best[1].Seconds(), 100*best[0].Seconds()/best[2].Seconds())
	return empty()
}
