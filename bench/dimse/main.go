// Command dimse measures C-STORE throughput over loopback, radkit against
// dcmtk in both directions, on a synthetic CT study (issue 9):
//
//   - dcmtk storescu → dcmtk storescp (the reference)
//   - radkit dimse.Send → dcmtk storescp
//   - dcmtk storescu → radkit dimse.Server
//
// Receivers discard what they receive (storescp --ignore, a handler that
// reads the stream to io.Discard), so the protocol and its
// implementations are measured, not the disk. Debian's dcmtk leaves
// Nagle's algorithm on, which costs it about 45 ms per instance on
// loopback; dcmtk runs with TCP_NODELAY=1 (its documented switch, and its
// best case) unless -dcmtk-nagle is given. Each case runs -runs times
// and the median is reported as a Markdown table for BENCHMARKS.md.
//
//	go run ./bench/dimse -slices 600
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"time"

	"github.com/radkit/radkit/synth"
	"github.com/radkit/radkit/transfer/dimse"
)

func main() {
	n := flag.Int("slices", 600, "CT slices (512×512, one object each)")
	runs := flag.Int("runs", 3, "runs per case; the median is reported")
	dir := flag.String("dir", "", "directory for the study (default: a temporary directory, removed)")
	nagle := flag.Bool("dcmtk-nagle", false, "run dcmtk with its default Nagle setting instead of TCP_NODELAY=1")
	flag.Parse()
	env := append(os.Environ(), "TCP_NODELAY=1")
	if *nagle {
		env = os.Environ()
	}
	if err := run(*n, *runs, *dir, env); err != nil {
		fmt.Fprintln(os.Stderr, "bench/dimse:", err)
		os.Exit(1)
	}
}

func run(n, runs int, dir string, env []string) error {
	for _, tool := range []string{"storescu", "storescp"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found (Debian package dcmtk)", tool)
		}
	}
	ctx := context.Background()
	if dir == "" {
		d, err := os.MkdirTemp("", "bench-dimse")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	paths, err := synth.WriteStudy(ctx, dir, synth.CT, synth.Options{Seed: 1, Slices: n})
	if err != nil {
		return err
	}
	var total int64
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		total += st.Size()
	}
	fmt.Fprintf(os.Stderr, "study: %d files, %.1f MB\n", len(paths), float64(total)/1e6)

	scpAddr, stop, err := startStorescp(env)
	if err != nil {
		return err
	}
	defer stop()
	srv := &dimse.Server{Handler: dimse.HandlerFunc(func(ctx context.Context, req *dimse.StoreRequest) error {
		_, err := io.Copy(io.Discard, req.Body)
		return err
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = srv.Serve(l) }()
	defer srv.Shutdown(ctx)

	storescu := func(addr string) func() error {
		h, p, _ := net.SplitHostPort(addr)
		args := append([]string{"-aec", "ANY-SCP", h, p}, paths...)
		return func() error {
			cmd := exec.Command("storescu", args...)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil {
				return fmt.Errorf("storescu: %v\n%s", err, out)
			}
			return nil
		}
	}
	radkitSCU := func(addr string) func() error {
		return func() error {
			res, err := dimse.Send(ctx, addr, paths, &dimse.SendOptions{Dial: dimse.DialOptions{CalledAE: "ANY-SCP"}})
			if err == nil && res.Stored != len(paths) {
				err = fmt.Errorf("stored %d of %d", res.Stored, len(paths))
			}
			return err
		}
	}
	cases := []struct {
		name string
		fn   func() error
	}{
		{"dcmtk storescu → dcmtk storescp", storescu(scpAddr)},
		{"radkit Send → dcmtk storescp", radkitSCU(scpAddr)},
		{"dcmtk storescu → radkit Server", storescu(l.Addr().String())},
		{"radkit Send → radkit Server", radkitSCU(l.Addr().String())},
	}
	fmt.Printf("| C-STORE, %d CT objects, %.0f MB, loopback | median of %d | MB/s |\n|---|---|---|\n", len(paths), float64(total)/1e6, runs)
	for _, c := range cases {
		var times []time.Duration
		for range runs {
			start := time.Now()
			if err := c.fn(); err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			times = append(times, time.Since(start))
		}
		slices.Sort(times)
		med := times[len(times)/2]
		fmt.Printf("| %s | %.2f s | %.0f |\n", c.name, med.Seconds(), float64(total)/1e6/med.Seconds())
	}
	return nil
}

// startStorescp runs storescp --ignore on a free loopback port.
func startStorescp(env []string) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command("storescp", "--ignore", "-dhl", strconv.Itoa(port))
	cmd.Stderr = os.Stderr
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for range 100 {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			return addr, stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return "", nil, errors.New("storescp did not start")
}
