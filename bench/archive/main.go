// Command archive measures dicomarchive on a synthetic CT series (600
// slices of 512×512 by default) and, when an Orthanc is given, Orthanc on
// the same files in the same run: ingest, time to the first image and to
// the whole series, through radkit's API, radkit's WADO-RS and Orthanc
// (REST and its DICOMweb plugin's WADO-RS). Everything runs on loopback,
// sequentially (one client), files read from the page cache; each timing
// is the median of -runs runs. It prints a Markdown table for
// BENCHMARKS.md.
//
//	go run ./bench/archive -orthanc "$RADKIT_ORTHANC_URL"
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/dicomweb"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

func main() {
	orthanc := flag.String("orthanc", os.Getenv("RADKIT_ORTHANC_URL"), "Orthanc REST root (default $RADKIT_ORTHANC_URL); empty skips Orthanc")
	slices := flag.Int("slices", 600, "CT slices")
	size := flag.Int("size", 512, "rows and columns")
	runs := flag.Int("runs", 5, "retrieval runs (median reported)")
	flag.Parse()
	if err := run(*orthanc, *slices, *size, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "archive bench:", err)
		os.Exit(1)
	}
}

type result struct {
	name          string
	radkit, other time.Duration
}

func run(orthanc string, slices, size, runs int) error {
	ctx := dicomarchive.WithPrincipal(context.Background(), "bench")
	tmp, err := os.MkdirTemp("", "radkit-archive-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	files, err := synth.WriteStudy(ctx, filepath.Join(tmp, "in"), synth.CT, synth.Options{Seed: 1, Slices: slices, Rows: size, Columns: size})
	if err != nil {
		return err
	}
	sort.Strings(files)
	var total int64
	for _, f := range files {
		fi, _ := os.Stat(f)
		total += fi.Size()
	}
	first, err := dicomio.ReadFile(files[0], &dicomio.ReadOptions{PixelData: dicomio.PixelDataSkip})
	if err != nil {
		return err
	}
	study := first.Dataset.String(dicomio.TagStudyInstanceUID)
	series := first.Dataset.String(dicomio.TagSeriesInstanceUID)
	fmt.Fprintf(os.Stderr, "%d files, %.1f MB, %s %s/%s\n", len(files), float64(total)/1e6, runtime.GOOS, runtime.GOARCH, runtime.Version())

	// radkit ingest.
	a, err := dicomarchive.Open(ctx, filepath.Join(tmp, "archive"), nil)
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return err
		}
		_, err = a.Store(ctx, fh, nil)
		fh.Close()
		if err != nil {
			return err
		}
	}
	ingest := time.Since(start)

	firstSOP := ""
	apiFirst := median(runs, func() error {
		p, err := a.QueryInstances(ctx, &dicomarchive.Query{SeriesInstanceUID: series, Limit: 1})
		if err != nil {
			return err
		}
		firstSOP = p.Items[0].SOPInstanceUID
		obj, err := a.Open(ctx, firstSOP, nil)
		if err != nil {
			return err
		}
		defer obj.Close()
		_, err = io.Copy(io.Discard, obj)
		return err
	})
	apiSeries := median(runs, func() error {
		return a.OpenSeries(ctx, series, nil, func(o *dicomarchive.Object) error {
			_, err := io.Copy(io.Discard, o)
			return err
		})
	})
	srv := httptest.NewServer(dicomweb.NewHandler(a, nil))
	defer srv.Close()
	accept := `multipart/related; type="application/dicom"; transfer-syntax=*`
	wadoFirst := median(runs, func() error {
		_, err := getParts(srv.URL+"/studies/"+study+"/series/"+series+"/instances/"+firstSOP, accept, 1)
		return err
	})
	wadoSeries := median(runs, func() error {
		_, err := getParts(srv.URL+"/studies/"+study+"/series/"+series, accept, len(files))
		return err
	})

	rows := []result{
		{name: "ingest (REST upload for Orthanc)", radkit: ingest},
		{name: "first image, API (radkit) / REST (Orthanc)", radkit: apiFirst},
		{name: "whole series, API (radkit) / REST per instance (Orthanc)", radkit: apiSeries},
		{name: "first image, WADO-RS", radkit: wadoFirst},
		{name: "whole series, WADO-RS", radkit: wadoSeries},
	}
	if orthanc != "" {
		if err := benchOrthanc(strings.TrimRight(orthanc, "/"), files, study, series, runs, rows); err != nil {
			return fmt.Errorf("orthanc: %w", err)
		}
	}
	fmt.Printf("CT series: %d slices of %d×%d, %.0f MB; median of %d retrieval runs; loopback, one client.\n\n", len(files), size, size, float64(total)/1e6, runs)
	fmt.Println("| measure | radkit | Orthanc | Orthanc / radkit |")
	fmt.Println("|---|---:|---:|---:|")
	for _, r := range rows {
		o, ratio := "n/a", "n/a"
		if r.other > 0 {
			o = fmtDur(r.other)
			ratio = fmt.Sprintf("%.1f×", float64(r.other)/float64(r.radkit))
		}
		fmt.Printf("| %s | %s | %s | %s |\n", r.name, fmtDur(r.radkit), o, ratio)
	}
	return nil
}

func benchOrthanc(base string, files []string, study, series string, runs int, rows []result) error {
	start := time.Now()
	var ids []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var res struct{ ID, ParentStudy, ParentSeries string }
		if err := call("POST", base+"/instances", b, &res); err != nil {
			return err
		}
		ids = append(ids, res.ID)
	}
	rows[0].other = time.Since(start)
	defer func() {
		var res struct{ ParentStudy string }
		if call("GET", base+"/instances/"+ids[0], nil, &res) == nil {
			call("DELETE", base+"/studies/"+res.ParentStudy, nil, nil)
		}
	}()
	// Orthanc's own order of the series, first instance by index.
	var found []string
	q, _ := json.Marshal(map[string]any{"Level": "Series", "Query": map[string]string{"SeriesInstanceUID": series}})
	if err := call("POST", base+"/tools/find", q, &found); err != nil || len(found) != 1 {
		return fmt.Errorf("find series: %v (%d)", err, len(found))
	}
	firstID := ""
	rows[1].other = median(runs, func() error {
		// The series' instance list (IDs only), then the first file:
		// the counterpart of radkit's one-row query and Open.
		var ser struct{ Instances []string }
		if err := call("GET", base+"/series/"+found[0], nil, &ser); err != nil {
			return err
		}
		firstID = ser.Instances[0]
		return download(base + "/instances/" + firstID + "/file")
	})
	rows[2].other = median(runs, func() error {
		for _, id := range ids {
			if err := download(base + "/instances/" + id + "/file"); err != nil {
				return err
			}
		}
		return nil
	})
	accept := `multipart/related; type="application/dicom"; transfer-syntax=*`
	var firstSOP struct {
		MainDicomTags struct{ SOPInstanceUID string }
	}
	if err := call("GET", base+"/instances/"+firstID, nil, &firstSOP); err != nil {
		return err
	}
	rows[3].other = median(runs, func() error {
		_, err := getParts(base+"/dicom-web/studies/"+study+"/series/"+series+"/instances/"+firstSOP.MainDicomTags.SOPInstanceUID, accept, 1)
		return err
	})
	rows[4].other = median(runs, func() error {
		_, err := getParts(base+"/dicom-web/studies/"+study+"/series/"+series, accept, len(files))
		return err
	})
	return nil
}

func call(method, url string, body []byte, out any) error {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s %s", method, url, resp.Status, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func download(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// getParts reads a multipart WADO-RS response and checks its part count.
func getParts(url, accept string, want int) (int64, error) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return 0, fmt.Errorf("GET %s: %s %s", url, resp.Status, b)
	}
	_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil {
		return 0, err
	}
	mr := multipart.NewReader(resp.Body, params["boundary"])
	n, total := 0, int64(0)
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return total, err
		}
		c, err := io.Copy(io.Discard, p)
		total += c
		if err != nil {
			return total, err
		}
		n++
	}
	if n != want {
		return total, fmt.Errorf("GET %s: %d parts, want %d", url, n, want)
	}
	return total, nil
}

// median runs fn n times and returns the median duration; an error aborts
// the program, as a benchmark with a failed run means nothing.
func median(n int, fn func() error) time.Duration {
	d := make([]time.Duration, n)
	for i := range d {
		start := time.Now()
		if err := fn(); err != nil {
			fmt.Fprintln(os.Stderr, "archive bench:", err)
			os.Exit(1)
		}
		d[i] = time.Since(start)
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[n/2]
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/1e3)
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}
