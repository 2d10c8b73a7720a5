// Command transfer compares radkit's tus sender with curl uploading the
// same synthetic CT study to the same tusd (v2.9.1, filestore, embedded on
// 127.0.0.1), with and without TLS, with 1, 2 and 4 parallel streams, and
// prints throughputs and the radkit/curl ratio. It is a separate module so
// that radkit's go.mod does not carry tusd.
//
//	cd bench/transfer && go run . -slices 600 -runs 5 -store /dev/shm
//
// curl gets its best case: one process for the whole study (a config file
// of one creation-with-upload POST per file, keep-alive, --parallel for
// more than one stream). radkit is measured in its crash-safe mode, with a
// journal (in the system's temporary directory, on disk: every upload URL,
// confirmed offset and outcome fsync'ed), and with -plain also without one.
// Tools run interleaved; each run's ratio compares runs seconds apart and
// the table gives medians, so that a noisy machine cancels out as far as it
// can. The CPU column compares CPU time (this process, which holds tusd and
// radkit, plus curl), steadier than wall clock on a loaded machine.
//
// With -orthanc URL it compares instead radkit's STOW-RS client (plain and
// journalled) with dcmtk storescu (C-STORE) storing the same study into the
// same Orthanc:
//
//	go run . -orthanc "$RADKIT_ORTHANC_URL"   # -orthanc-dicom defaults to $RADKIT_ORTHANC_DICOM
package main

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/radkit/radkit/synth"
	"github.com/radkit/radkit/transfer"
	"github.com/tus/tusd/v2/pkg/filestore"
	tushandler "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	"golang.org/x/exp/slog"
)

func main() {
	slices := flag.Int("slices", 600, "CT slices (512×512, about 0.5 MB each)")
	runs := flag.Int("runs", 5, "runs per configuration; medians are reported")
	plain := flag.Bool("plain", false, "also measure radkit without a journal")
	tlsModes := flag.String("tls", "false,true", "TLS settings to measure")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the radkit runs (journal, first TLS setting and parallelism only) to `FILE`")
	parallel := flag.String("parallel", "1,2,4", "parallel streams")
	store := flag.String("store", os.TempDir(), "directory for tusd's uploads (/dev/shm takes the disk out of the comparison)")
	orthanc := flag.String("orthanc", "", "Orthanc REST root (credentials as user info): compare STOW-RS with storescu instead")
	orthancDICOM := flag.String("orthanc-dicom", cmp.Or(os.Getenv("RADKIT_ORTHANC_DICOM"), "127.0.0.1:4242"), "Orthanc's DICOM host:port (AE ORTHANC), for storescu")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if *orthanc != "" {
		err = runStow(ctx, *slices, *runs, *orthanc, *orthancDICOM)
	} else {
		prof, tlsList = *profile, *tlsModes
		err = run(ctx, *slices, *runs, *parallel, *store, *plain)
	}
	if err != nil {
		log.Fatal(err)
	}
}

type server struct {
	url    string
	dir    string
	cafile string
	close  func()
}

func startTusd(work, store string, useTLS bool) (*server, error) {
	dir, err := os.MkdirTemp(store, "radkit-bench-tusd")
	if err != nil {
		return nil, err
	}
	composer := tushandler.NewStoreComposer()
	filestore.New(dir).UseIn(composer)
	memorylocker.New().UseIn(composer)
	h, err := tushandler.NewHandler(tushandler.Config{BasePath: "/files/", StoreComposer: composer,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: http.StripPrefix("/files/", h), ReadHeaderTimeout: 10 * time.Second}
	s := &server{dir: dir, url: "http://" + ln.Addr().String() + "/files/"}
	if useTLS {
		cert, pemCert, err := selfSigned()
		if err != nil {
			return nil, err
		}
		s.cafile = filepath.Join(work, "ca.pem")
		if err := os.WriteFile(s.cafile, pemCert, 0o600); err != nil {
			return nil, err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
		s.url = "https://" + ln.Addr().String() + "/files/"
	}
	go srv.Serve(ln)
	s.close = func() { srv.Close(); os.RemoveAll(dir) }
	return s, nil
}

func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pemCert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	kb, _ := x509.MarshalECPrivateKey(key)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	cert, err := tls.X509KeyPair(pemCert, pemKey)
	return cert, pemCert, err
}

func curlUpload(ctx context.Context, work string, s *server, paths []string, par int) error {
	var cfg strings.Builder
	for i, p := range paths {
		if i > 0 {
			cfg.WriteString("next\n")
		}
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(&cfg, "url = %q\nrequest = \"POST\"\nheader = \"Tus-Resumable: 1.0.0\"\nheader = \"Upload-Length: %d\"\nheader = \"Content-Type: application/offset+octet-stream\"\ndata-binary = \"@%s\"\noutput = \"/dev/null\"\nsilent\nshow-error\nfail\n", s.url, fi.Size(), p)
		if s.cafile != "" {
			fmt.Fprintf(&cfg, "cacert = %q\n", s.cafile)
		}
	}
	cf := filepath.Join(work, "curl.cfg")
	if err := os.WriteFile(cf, []byte(cfg.String()), 0o600); err != nil {
		return err
	}
	args := []string{"-K", cf}
	if par > 1 {
		args = append([]string{"--parallel", "--parallel-max", fmt.Sprint(par)}, args...)
	}
	out, err := exec.CommandContext(ctx, "curl", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("curl: %v: %s", err, out)
	}
	return nil
}

func radkitUpload(ctx context.Context, work string, s *server, paths []string, par int, journal bool) error {
	hc := transfer.DefaultHTTPClient()
	if s.cafile != "" {
		pool := x509.NewCertPool()
		b, _ := os.ReadFile(s.cafile)
		pool.AppendCertsFromPEM(b)
		hc.Transport.(*http.Transport).TLSClientConfig.RootCAs = pool
	}
	c, err := transfer.NewClient(s.url, transfer.ClientOptions{HTTPClient: hc})
	if err != nil {
		return err
	}
	opts := transfer.SenderOptions{Parallel: par}
	if journal {
		j, err := transfer.OpenJournal(filepath.Join(work, fmt.Sprintf("journal-%d", time.Now().UnixNano())), transfer.JournalOptions{})
		if err != nil {
			return err
		}
		defer j.Close()
		opts.Journal = j
	}
	_, err = transfer.NewSender(c, opts).Send(ctx, transfer.Job{Paths: paths})
	return err
}

var prof, tlsList string // -cpuprofile, -tls

// cpuSeconds is the CPU time (user and system) used so far by this
// process (radkit's client, tusd) and its waited-for children (curl).
func cpuSeconds() float64 {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(self.Utime) + tv(self.Stime) + tv(kids.Utime) + tv(kids.Stime)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func run(ctx context.Context, nslices, runs int, parallel, store string, plain bool) error {
	work, err := os.MkdirTemp("", "radkit-bench-transfer")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	paths, err := synth.WriteStudy(ctx, filepath.Join(work, "study"), synth.CT, synth.Options{Seed: 600, Slices: nslices})
	if err != nil {
		return err
	}
	var total int64
	for _, p := range paths {
		fi, _ := os.Stat(p)
		total += fi.Size()
	}
	fmt.Printf("study: %d files, %.1f MB; %d interleaved runs, medians; tusd v2.9.1 filestore in %s on 127.0.0.1\n", len(paths), float64(total)/1e6, runs, store)
	fmt.Printf("CPU ratio: CPU seconds (user+sys, this process with tusd, plus curl) of curl's run over radkit+journal's\n")
	fmt.Printf("%-5s %-3s %10s %12s %8s %8s %10s %8s %8s   %s\n", "tls", "par", "curl MB/s", "radkit+jrnl", "ratio", "CPU", "radkit", "ratio", "CPU", "ratios+jrnl per run")
	for _, ts := range strings.Split(tlsList, ",") {
		useTLS := ts == "true"
		for _, ps := range strings.Split(parallel, ",") {
			var par int
			fmt.Sscan(ps, &par)
			tools := []func(*server) error{
				func(s *server) error { return curlUpload(ctx, work, s, paths, par) },
				func(s *server) error {
					if prof == "" {
						return radkitUpload(ctx, work, s, paths, par, true)
					}
					f, err := os.Create(prof) // the last run
					if err != nil {
						return err
					}
					defer f.Close()
					pprof.StartCPUProfile(f)
					defer pprof.StopCPUProfile()
					return radkitUpload(ctx, work, s, paths, par, true)
				},
			}
			if plain {
				tools = append(tools, func(s *server) error { return radkitUpload(ctx, work, s, paths, par, false) })
			}
			times := make([][]float64, len(tools))
			var ratios, ratiosPlain, cpuRatios, cpuPlain []float64
			for range runs {
				d := make([]float64, len(tools))
				cpu := make([]float64, len(tools))
				for i, f := range tools {
					s, err := startTusd(work, store, useTLS)
					if err != nil {
						return err
					}
					runtime.GC()
					c0 := cpuSeconds()
					start := time.Now()
					err = f(s)
					d[i] = time.Since(start).Seconds()
					cpu[i] = cpuSeconds() - c0
					s.close()
					if err != nil {
						return err
					}
					times[i] = append(times[i], d[i])
				}
				// The ratio of one run compares tools measured seconds
				// apart: the machine's noise cancels better than in
				// ratios of medians.
				ratios = append(ratios, d[0]/d[1])
				cpuRatios = append(cpuRatios, cpu[0]/cpu[1])
				if plain {
					ratiosPlain = append(ratiosPlain, d[0]/d[2])
					cpuPlain = append(cpuPlain, cpu[0]/cpu[2])
				}
			}
			mbs := func(ts []float64) float64 { return float64(total) / 1e6 / median(ts) }
			pl, rp, cp := "-", "-", "-"
			if plain {
				pl, rp, cp = fmt.Sprintf("%.0f", mbs(times[2])), fmt.Sprintf("%.0f%%", 100*median(ratiosPlain)), fmt.Sprintf("%.0f%%", 100*median(cpuPlain))
			}
			var per []string
			for _, r := range ratios {
				per = append(per, fmt.Sprintf("%.0f%%", 100*r))
			}
			fmt.Printf("%-5v %-3d %10.0f %12.0f %7.0f%% %7.0f%% %10s %8s %8s   %s\n", useTLS, par, mbs(times[0]), mbs(times[1]), 100*median(ratios), 100*median(cpuRatios), pl, rp, cp, strings.Join(per, " "))
		}
	}
	return nil
}
