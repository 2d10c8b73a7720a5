// Command transfer compares radkit's tus sender with curl uploading the
// same synthetic CT study to the same tusd (v2.9.1, filestore, embedded on
// 127.0.0.1), with and without TLS, with 1, 2 and 4 parallel streams, and
// prints throughputs and the radkit/curl ratio. It is a separate module so
// that radkit's go.mod does not carry tusd.
//
//	cd bench/transfer && go run . -slices 600 -runs 3
//
// curl gets its best case: one process for the whole study (a config file
// of one creation-with-upload POST per file, keep-alive, --parallel for
// more than one stream). radkit is measured without a journal (one request
// per file, like curl) and with one (empty creation, journalled URL, then
// PATCH: two requests and one fsync per file, the price of crash safety).
//
// With -orthanc URL it compares instead radkit's STOW-RS client with dcmtk
// storescu (C-STORE) storing the same study into the same Orthanc:
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
	runs := flag.Int("runs", 3, "runs per configuration; the best is kept")
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
		err = run(ctx, *slices, *runs, *parallel, *store)
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

func run(ctx context.Context, slices, runs int, parallel, store string) error {
	work, err := os.MkdirTemp("", "radkit-bench-transfer")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	paths, err := synth.WriteStudy(ctx, filepath.Join(work, "study"), synth.CT, synth.Options{Seed: 600, Slices: slices})
	if err != nil {
		return err
	}
	var total int64
	for _, p := range paths {
		fi, _ := os.Stat(p)
		total += fi.Size()
	}
	fmt.Printf("study: %d files, %.1f MB; best of %d interleaved runs; tusd v2.9.1 filestore in %s on 127.0.0.1\n", len(paths), float64(total)/1e6, runs, store)
	fmt.Printf("%-5s %-3s %10s %10s %12s %8s %8s\n", "tls", "par", "curl MB/s", "radkit", "radkit+jrnl", "ratio", "ratio+j")
	for _, useTLS := range []bool{false, true} {
		for _, ps := range strings.Split(parallel, ",") {
			var par int
			fmt.Sscan(ps, &par)
			tools := []func(*server) error{
				func(s *server) error { return curlUpload(ctx, work, s, paths, par) },
				func(s *server) error { return radkitUpload(ctx, work, s, paths, par, false) },
				func(s *server) error { return radkitUpload(ctx, work, s, paths, par, true) },
			}
			best := make([]time.Duration, len(tools))
			for range runs {
				for i, f := range tools {
					s, err := startTusd(work, store, useTLS)
					if err != nil {
						return err
					}
					start := time.Now()
					err = f(s)
					d := time.Since(start)
					s.close()
					if err != nil {
						return err
					}
					if best[i] == 0 || d < best[i] {
						best[i] = d
					}
				}
			}
			mbs := func(d time.Duration) float64 { return float64(total) / 1e6 / d.Seconds() }
			cu, rk, rj := mbs(best[0]), mbs(best[1]), mbs(best[2])
			fmt.Printf("%-5v %-3d %10.0f %10.0f %12.0f %7.0f%% %7.0f%%\n", useTLS, par, cu, rk, rj, 100*rk/cu, 100*rj/cu)
		}
	}
	return nil
}
