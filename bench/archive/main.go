// Command archive measures dicomarchive on a synthetic CT series (600
// slices of 512×512 by default) and, when an Orthanc is given, Orthanc on
// the same files in the same run: ingest, time to the first image and to
// the whole series, through radkit's API, radkit's WADO-RS and Orthanc
// (REST and its DICOMweb plugin's WADO-RS). Everything runs on loopback,
// sequentially (one client), files read from the page cache; each timing
// is the median of -runs runs, with the spread (min–max) on stderr.
//
// Besides wall-clock time it reports CPU time (user+system), which a
// shared machine disturbs far less: for radkit the whole bench process
// (server and client run in it), for Orthanc the bench process (the same
// Go client) plus the Orthanc server process, found by the port it
// listens on (or -orthanc-pid). It prints a Markdown table for
// BENCHMARKS.md.
//
//	go run ./bench/archive -orthanc "$RADKIT_ORTHANC_URL"
package main

import (
	"bufio"
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
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/dicomweb"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

type config struct {
	orthanc     string
	orthancPID  int
	orthancREST bool
	slices      int
	size        int
	runs        int
	cpuprofile  string
}

func main() {
	var c config
	flag.StringVar(&c.orthanc, "orthanc", os.Getenv("RADKIT_ORTHANC_URL"), "Orthanc REST root (default $RADKIT_ORTHANC_URL); empty skips Orthanc")
	flag.IntVar(&c.orthancPID, "orthanc-pid", 0, "Orthanc's process ID for its CPU time (default: the process listening on the -orthanc port)")
	flag.BoolVar(&c.orthancREST, "orthanc-rest", true, "measure Orthanc's REST download of every instance (about a minute per run)")
	flag.IntVar(&c.slices, "slices", 600, "CT slices")
	flag.IntVar(&c.size, "size", 512, "rows and columns")
	flag.IntVar(&c.runs, "runs", 5, "retrieval runs (median reported)")
	flag.StringVar(&c.cpuprofile, "cpuprofile", "", "write CPU profiles of the bench process, one per retrieval figure, to NAME.FIGURE.prof")
	flag.Parse()
	if err := run(&c); err != nil {
		fmt.Fprintln(os.Stderr, "archive bench:", err)
		os.Exit(1)
	}
}

// timing is one figure: the medians of wall-clock and CPU time over the
// runs, and the wall-clock spread.
type timing struct {
	wall, cpu        time.Duration
	wallMin, wallMax time.Duration
	cpuMin, cpuMax   time.Duration
	client           time.Duration // Orthanc: median CPU time of the bench process (the client)
	n                int
}

type result struct {
	name          string
	radkit, other timing
}

func run(c *config) error {
	ctx := dicomarchive.WithPrincipal(context.Background(), "bench")
	tmp, err := os.MkdirTemp("", "radkit-archive-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	files, err := synth.WriteStudy(ctx, filepath.Join(tmp, "in"), synth.CT, synth.Options{Seed: 1, Slices: c.slices, Rows: c.size, Columns: c.size})
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
	fmt.Fprintf(os.Stderr, "%d files, %.1f MB, %s %s/%s, GOMAXPROCS %d\n", len(files), float64(total)/1e6, runtime.GOOS, runtime.GOARCH, runtime.Version(), runtime.GOMAXPROCS(0))

	// Ingest: radkit, then Orthanc (each once: a second ingest is a
	// no-op for both).
	a, err := dicomarchive.Open(ctx, filepath.Join(tmp, "archive"), nil)
	if err != nil {
		return err
	}
	defer a.Close()
	rk := side{cpu: selfCPU}
	rk.ingest = func() error {
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
		return nil
	}
	firstSOP := ""
	rk.first = func() error {
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
	}
	rk.series = func() error {
		return a.OpenSeries(ctx, series, nil, func(o *dicomarchive.Object) error {
			_, err := io.Copy(io.Discard, o)
			return err
		})
	}
	srv := httptest.NewServer(dicomweb.NewHandler(a, nil))
	defer srv.Close()
	accept := `multipart/related; type="application/dicom"; transfer-syntax=*`
	rk.wadoFirst = func() error {
		_, err := getParts(srv.URL+"/studies/"+study+"/series/"+series+"/instances/"+firstSOP, accept, 1)
		return err
	}
	rk.wadoSeries = func() error {
		_, err := getParts(srv.URL+"/studies/"+study+"/series/"+series, accept, len(files))
		return err
	}

	var or *side
	if c.orthanc != "" {
		base := strings.TrimRight(c.orthanc, "/")
		pid := c.orthancPID
		if pid == 0 {
			pid = listenerPID(base)
		}
		if pid == 0 {
			fmt.Fprintln(os.Stderr, "Orthanc's process not found: its CPU time is left out (give -orthanc-pid)")
		}
		var cleanup func()
		or, cleanup = orthancSide(base, pid, c.orthancREST, files, study, series)
		defer cleanup()
	}

	rows := []result{
		{name: "ingest (REST upload for Orthanc)"},
		{name: "first image, API (radkit) / REST (Orthanc)"},
		{name: "whole series, API (radkit) / REST per instance (Orthanc)"},
		{name: "first image, WADO-RS"},
		{name: "whole series, WADO-RS"},
	}
	// Ingest first on both sides (Orthanc's retrievals need its
	// instances), then every retrieval figure with the runs of radkit
	// and Orthanc alternated, so that a change of load on a shared
	// machine hits both alike.
	rows[0].radkit = measure(1, rk.cpu, rk.ingest)
	if or != nil {
		rows[0].other = measure(1, or.cpu, or.ingest)
		if err := or.setup(); err != nil {
			return fmt.Errorf("orthanc: %w", err)
		}
	}
	// radkit's first-image closures learn firstSOP; run it once.
	if err := rk.first(); err != nil {
		return err
	}
	prof := func(name string) func() {
		if c.cpuprofile == "" {
			return func() {}
		}
		pf, err := os.Create(strings.TrimSuffix(c.cpuprofile, ".prof") + "." + name + ".prof")
		if err != nil {
			fmt.Fprintln(os.Stderr, "archive bench:", err)
			return func() {}
		}
		pprof.StartCPUProfile(pf)
		return func() { pprof.StopCPUProfile(); pf.Close() }
	}
	for i, f := range []struct {
		r, o func() error
		name string
	}{
		{rk.first, or.get(func(s *side) func() error { return s.first }), "first"},
		{rk.series, or.get(func(s *side) func() error { return s.series }), "series"},
		{rk.wadoFirst, or.get(func(s *side) func() error { return s.wadoFirst }), "wadofirst"},
		{rk.wadoSeries, or.get(func(s *side) func() error { return s.wadoSeries }), "wadoseries"},
	} {
		stop := prof(f.name)
		var ocpu func() time.Duration
		if or != nil {
			ocpu = or.cpu
		}
		rows[i+1].radkit, rows[i+1].other = measurePair(c.runs, rk.cpu, f.r, ocpu, f.o)
		stop()
	}

	fmt.Printf("CT series: %d slices of %d×%d, %.0f MB; median of %d retrieval runs (radkit and Orthanc alternated); loopback, one client.\n", len(files), c.size, c.size, float64(total)/1e6, c.runs)
	fmt.Printf("CPU = user+system time of the bench process (the Go client, and radkit's server) plus, for Orthanc, of the Orthanc process (10 ms ticks).\n\n")
	fmt.Println("| measure | radkit wall | Orthanc wall | Orthanc / radkit | radkit CPU | Orthanc CPU | Orthanc / radkit (CPU) |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		ow, oc, rw, rc := "n/a", "n/a", "n/a", "n/a"
		if r.other.n > 0 {
			ow, oc = fmtDur(r.other.wall), fmtDur(r.other.cpu)
			rw = fmt.Sprintf("%.2f×", float64(r.other.wall)/float64(r.radkit.wall))
			if r.radkit.cpu > 0 && r.other.cpu > 0 {
				rc = fmt.Sprintf("%.2f×", float64(r.other.cpu)/float64(r.radkit.cpu))
			}
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s |\n", r.name, fmtDur(r.radkit.wall), ow, rw, fmtDur(r.radkit.cpu), oc, rc)
	}
	fmt.Println()
	fmt.Println("Spread (min–max over the runs), wall / CPU:")
	fmt.Println()
	for _, r := range rows {
		fmt.Printf("- %s: radkit %s / %s", r.name, spread(r.radkit.wallMin, r.radkit.wallMax), spread(r.radkit.cpuMin, r.radkit.cpuMax))
		if r.other.n > 0 {
			fmt.Printf("; Orthanc %s / %s", spread(r.other.wallMin, r.other.wallMax), spread(r.other.cpuMin, r.other.cpuMax))
			if r.other.client > 0 {
				fmt.Printf(" (client's share of Orthanc's CPU: %s)", fmtDur(r.other.client))
			}
		}
		fmt.Println()
	}
	return nil
}

func spread(lo, hi time.Duration) string { return fmtDur(lo) + "–" + fmtDur(hi) }

// side is one server under test: its CPU clock and one function per
// figure (nil: not measured).
type side struct {
	cpu                                          func() time.Duration
	setup                                        func() error
	ingest, first, series, wadoFirst, wadoSeries func() error
}

// get returns the function f picks from s, or nil when s is nil.
func (s *side) get(f func(*side) func() error) func() error {
	if s == nil {
		return nil
	}
	return f(s)
}

// orthancSide returns Orthanc's side of the comparison; cleanup deletes
// the study it stored.
func orthancSide(base string, pid int, rest bool, files []string, study, series string) (*side, func()) {
	s := &side{cpu: func() time.Duration {
		if pid == 0 {
			return selfCPU()
		}
		return selfCPU() + procCPU(pid)
	}}
	var ids []string
	s.ingest = func() error {
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
		return nil
	}
	cleanup := func() {
		var res struct{ ParentStudy string }
		if len(ids) > 0 && call("GET", base+"/instances/"+ids[0], nil, &res) == nil {
			call("DELETE", base+"/studies/"+res.ParentStudy, nil, nil)
		}
	}
	var seriesID, firstSOP string
	s.setup = func() error {
		// Orthanc's own order of the series, first instance by index.
		var found []string
		q, _ := json.Marshal(map[string]any{"Level": "Series", "Query": map[string]string{"SeriesInstanceUID": series}})
		if err := call("POST", base+"/tools/find", q, &found); err != nil || len(found) != 1 {
			return fmt.Errorf("find series: %v (%d)", err, len(found))
		}
		seriesID = found[0]
		var ser struct{ Instances []string }
		if err := call("GET", base+"/series/"+seriesID, nil, &ser); err != nil {
			return err
		}
		var inst struct {
			MainDicomTags struct{ SOPInstanceUID string }
		}
		if err := call("GET", base+"/instances/"+ser.Instances[0], nil, &inst); err != nil {
			return err
		}
		firstSOP = inst.MainDicomTags.SOPInstanceUID
		return nil
	}
	s.first = func() error {
		// The series' instance list (IDs only), then the first file:
		// the counterpart of radkit's one-row query and Open.
		var ser struct{ Instances []string }
		if err := call("GET", base+"/series/"+seriesID, nil, &ser); err != nil {
			return err
		}
		return download(base + "/instances/" + ser.Instances[0] + "/file")
	}
	if rest {
		s.series = func() error {
			for _, id := range ids {
				if err := download(base + "/instances/" + id + "/file"); err != nil {
					return err
				}
			}
			return nil
		}
	}
	accept := `multipart/related; type="application/dicom"; transfer-syntax=*`
	s.wadoFirst = func() error {
		_, err := getParts(base+"/dicom-web/studies/"+study+"/series/"+series+"/instances/"+firstSOP, accept, 1)
		return err
	}
	s.wadoSeries = func() error {
		_, err := getParts(base+"/dicom-web/studies/"+study+"/series/"+series, accept, len(files))
		return err
	}
	return s, cleanup
}

// selfCPU is the user+system time of this process so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the user+system time of process pid (all its threads) from
// /proc/PID/stat, in clock ticks of 10 ms.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces: fields start after its ")".
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64) // utime, field 14
	st, _ := strconv.ParseInt(f[12], 10, 64) // stime, field 15
	return time.Duration(ut+st) * (time.Second / 100)
}

// listenerPID returns the process listening on the TCP port of rawURL
// (by the socket's inode in /proc/net/tcp and the processes' file
// descriptors), or 0.
func listenerPID(rawURL string) int {
	u, err := url.Parse(rawURL)
	if err != nil || u.Port() == "" {
		return 0
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return 0
	}
	inode := ""
	for _, tab := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(tab)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fl := strings.Fields(sc.Text())
			// local_address is HEXIP:HEXPORT, st 0A is LISTEN.
			if len(fl) < 10 || fl[3] != "0A" {
				continue
			}
			_, hp, ok := strings.Cut(fl[1], ":")
			if p, err := strconv.ParseInt(hp, 16, 32); ok && err == nil && int(p) == port {
				inode = fl[9]
			}
		}
		f.Close()
	}
	if inode == "" {
		return 0
	}
	want := "socket:[" + inode + "]"
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		fds, _ := os.ReadDir(filepath.Join("/proc", p.Name(), "fd"))
		for _, fd := range fds {
			if l, err := os.Readlink(filepath.Join("/proc", p.Name(), "fd", fd.Name())); err == nil && l == want {
				return pid
			}
		}
	}
	return 0
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

// measure runs fn n times and returns the medians and spread of its
// wall-clock and CPU time (cpu reads a cumulative CPU clock); an error
// aborts the program, as a benchmark with a failed run means nothing.
func measure(n int, cpu func() time.Duration, fn func() error) timing {
	w := make([]time.Duration, n)
	c := make([]time.Duration, n)
	for i := range w {
		c0, start := cpu(), time.Now()
		if err := fn(); err != nil {
			fmt.Fprintln(os.Stderr, "archive bench:", err)
			os.Exit(1)
		}
		w[i], c[i] = time.Since(start), cpu()-c0
	}
	return summarize(w, c)
}

// measurePair is measure for two functions, run alternately (r, o, r,
// o...); o may be nil.
func measurePair(n int, rcpu func() time.Duration, r func() error, ocpu func() time.Duration, o func() error) (timing, timing) {
	var rw, rc, ow, oc, os_ []time.Duration
	one := func(cpu func() time.Duration, fn func() error, w, c, self *[]time.Duration) {
		c0, s0, start := cpu(), selfCPU(), time.Now()
		if err := fn(); err != nil {
			fmt.Fprintln(os.Stderr, "archive bench:", err)
			os.Exit(1)
		}
		*w = append(*w, time.Since(start))
		*c = append(*c, cpu()-c0)
		if self != nil {
			*self = append(*self, selfCPU()-s0)
		}
	}
	for range n {
		one(rcpu, r, &rw, &rc, nil)
		if o != nil {
			one(ocpu, o, &ow, &oc, &os_)
		}
	}
	if o == nil {
		return summarize(rw, rc), timing{}
	}
	ot := summarize(ow, oc)
	sort.Slice(os_, func(i, j int) bool { return os_[i] < os_[j] })
	ot.client = os_[n/2]
	return summarize(rw, rc), ot
}

func summarize(w, c []time.Duration) timing {
	n := len(w)
	sort.Slice(w, func(i, j int) bool { return w[i] < w[j] })
	sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
	return timing{wall: w[n/2], cpu: c[n/2], wallMin: w[0], wallMax: w[n-1], cpuMin: c[0], cpuMax: c[n-1], n: n}
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
