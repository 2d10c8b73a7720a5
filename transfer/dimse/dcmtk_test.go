package dimse

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/internal/testutil"
)

// Interoperability with dcmtk, an independent implementation: its SCUs
// against our Server, our SCU against its storescp.

// runTool runs a dcmtk tool with a time limit and fails the test on error.
func runTool(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	bin := testutil.RequireTool(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return out
}

func hostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

func TestDcmtkEchoscuToServer(t *testing.T) {
	addr := startServer(t, &Server{AETitle: "RADKIT"})
	h, p := hostPort(t, addr)
	runTool(t, "echoscu", "-aec", "RADKIT", h, p)
	runTool(t, "echoscu", "-aec", "RADKIT", "-pdu", "4096", h, p)
}

func TestDcmtkStorescuToServer(t *testing.T) {
	paths := writeStudy(t, 5)
	for _, tc := range []struct {
		name, stored string
		args         []string
		accept       []string
	}{
		{"explicit", dicomio.ExplicitVRLittleEndian, nil, nil},
		{"implicit only", dicomio.ImplicitVRLittleEndian, []string{"-xi"}, nil},
		{"deflated", dicomio.ExplicitVRLittleEndian, []string{"-xd"}, []string{dicomio.DeflatedExplicitVRLittleEndian}},
		{"small PDU", dicomio.ExplicitVRLittleEndian, []string{"-pdu", "4096"}, nil},
		{"big endian", dicomio.ExplicitVRLittleEndian, []string{"-xb"}, []string{dicomio.ExplicitVRBigEndian}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var files []string
			for _, p := range paths {
				files = append(files, convert(t, p, dir, tc.stored))
			}
			store := newMemStore()
			addr := startServer(t, &Server{Handler: store, AETitle: "RADKIT", TransferSyntaxes: tc.accept, MaxPDULength: 4096})
			h, p := hostPort(t, addr)
			runTool(t, "storescu", append(append([]string{"-aec", "RADKIT"}, tc.args...), append([]string{h, p}, files...)...)...)
			if store.len() != len(files) {
				t.Fatalf("received %d instances, want %d", store.len(), len(files))
			}
			for _, f := range files {
				want := readFile(t, f)
				in, _ := splitPart10(bytes.NewReader(want))
				got := store.files[in.SOPInstance]
				if tc.accept != nil && store.ts[in.SOPInstance] != tc.accept[0] {
					t.Errorf("received in %s, want %s", store.ts[in.SOPInstance], tc.accept[0])
				}
				if !sameValues(datasetOf(t, got), datasetOf(t, want)) {
					t.Errorf("%s: data sets differ", f)
				}
			}
		})
	}
}

func TestDcmtkStorescuCompressed(t *testing.T) {
	paths := writeStudy(t, 2)
	dir := t.TempDir()
	var files []string
	for i, p := range paths {
		out := filepath.Join(dir, fmt.Sprintf("j%d.dcm", i))
		runTool(t, "dcmcjpeg", p, out) // JPEG lossless SV1 by default
		files = append(files, out)
	}
	store := newMemStore()
	addr := startServer(t, &Server{Handler: store})
	h, p := hostPort(t, addr)
	runTool(t, "storescu", append([]string{"-xs", h, p}, files...)...)
	for _, f := range files {
		want := readFile(t, f)
		in, _ := splitPart10(bytes.NewReader(want))
		if store.ts[in.SOPInstance] != dicomio.JPEGLosslessSV1 {
			t.Fatalf("received in %q", store.ts[in.SOPInstance])
		}
		if !sameValues(datasetOf(t, store.files[in.SOPInstance]), datasetOf(t, want)) {
			t.Errorf("%s: data sets differ", f)
		}
	}
}

// startStorescp runs dcmtk's storescp on a free loopback port, writing
// bit-preserved files to dir, and returns its address once it answers.
func startStorescp(t *testing.T, dir string, args ...string) string {
	t.Helper()
	bin := testutil.RequireTool(t, "storescp")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, append(append([]string{"-aet", "STORESCP", "-od", dir, "+B", "-dhl"}, args...), strconv.Itoa(port))...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("storescp output:\n%s", out.String())
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for range 100 { // bounded: 100 × 50ms
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			return addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("storescp did not start:\n%s", out.String())
	return ""
}

func TestSendToStorescp(t *testing.T) {
	paths := writeStudy(t, 6)
	for _, tc := range []struct {
		name   string
		stored string
		pdu    uint32
		args   []string
	}{
		{"explicit", dicomio.ExplicitVRLittleEndian, 0, nil},
		{"implicit PDU 4096", dicomio.ImplicitVRLittleEndian, 4096, []string{"-pdu", "4096"}},
		{"deflated", dicomio.DeflatedExplicitVRLittleEndian, 0, []string{"+xa"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, out := t.TempDir(), t.TempDir()
			var files []string
			for _, p := range paths {
				files = append(files, convert(t, p, src, tc.stored))
			}
			addr := startStorescp(t, out, tc.args...)
			ctx := testCtx(t)
			a, err := Dial(ctx, addr, &DialOptions{CalledAE: "STORESCP", MaxPDULength: tc.pdu})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Echo(ctx); err != nil {
				t.Fatal(err)
			}
			if err := a.Release(ctx); err != nil {
				t.Fatal(err)
			}
			res, err := Send(ctx, addr, files, &SendOptions{Dial: DialOptions{CalledAE: "STORESCP", MaxPDULength: tc.pdu}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Stored != len(files) {
				t.Fatalf("stored %d of %d", res.Stored, len(files))
			}
			for _, f := range files {
				want := readFile(t, f)
				in, _ := splitPart10(bytes.NewReader(want))
				got, err := os.ReadFile(filepath.Join(out, storescpName(in.SOPClass)+in.SOPInstance))
				if err != nil {
					t.Fatal(err)
				}
				// storescp +B writes the data set exactly as received; an
				// odd deflated stream gains its PS3.5 A.5 padding byte.
				if !sameBody(t, got, want) {
					t.Errorf("%s: data set bytes differ", f)
				}
			}
		})
	}
}

// storescpName is storescp's file name prefix for a SOP class (dcmtk's
// dcmSOPClassUIDToModality abbreviations), for the classes synth writes.
func storescpName(sopClass string) string {
	if sopClass == ctImage {
		return "CT."
	}
	return "UNKNOWN."
}

func TestSendNoContext(t *testing.T) {
	paths := writeStudy(t, 1)
	dir := t.TempDir()
	// A JPEG 2000 instance (fake codestream): storescp without +xa refuses
	// compressed syntaxes and radkit has no JPEG 2000 decoder, so nothing
	// can carry it.
	f, err := dicomio.ReadFile(paths[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Dataset.Get(dicomio.TagPixelData).Value = nil
	dicomio.EncapsulateFrames(f.Dataset, [][]byte{{0xFF, 0x4F, 0xFF, 0x51, 0, 0}}, 0)
	j2k, err := dicomio.NewFile(f.Dataset, dicomio.JPEG2000Lossless)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "j2k.dcm")
	if err := dicomio.WriteFile(out, j2k, nil); err != nil {
		t.Fatal(err)
	}
	addr := startStorescp(t, t.TempDir())
	res, err := Send(testCtx(t), addr, []string{out}, &SendOptions{Dial: DialOptions{CalledAE: "STORESCP"}})
	if !errors.Is(err, ErrNoPresentationContext) || len(res.Failed) != 1 {
		t.Fatalf("got %v, %+v", err, res)
	}
}

// A compressed instance the peer does not accept is decoded with radkit's
// codecs and sent uncompressed (issue 9, item 4): dcmtk's JPEG Lossless
// (dcmcjpeg, .70) to a storescp that takes only uncompressed syntaxes
// arrives with the original pixels.
func TestSendDecodesWhenCompressedRefused(t *testing.T) {
	paths := writeStudy(t, 1)
	dir := t.TempDir()
	jpeg := filepath.Join(dir, "j.dcm")
	runTool(t, "dcmcjpeg", paths[0], jpeg)
	recv := t.TempDir()
	addr := startStorescp(t, recv)
	res, err := Send(testCtx(t), addr, []string{jpeg}, &SendOptions{Dial: DialOptions{CalledAE: "STORESCP"}})
	if err != nil || res.Stored != 1 {
		t.Fatalf("got %v, %+v", err, res)
	}
	got, _ := filepath.Glob(filepath.Join(recv, "*"))
	if len(got) != 1 {
		t.Fatalf("storescp holds %d files", len(got))
	}
	g, err := dicomio.ReadFile(got[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if g.TransferSyntax.Encapsulated {
		t.Errorf("received in %s, want uncompressed", g.TransferSyntax.UID)
	}
	orig, err := dicomio.ReadFile(paths[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g.Dataset.Get(dicomio.TagPixelData).Value, orig.Dataset.Get(dicomio.TagPixelData).Value) {
		t.Error("pixels differ from the original after JPEG Lossless and decoding")
	}
}

// writePEM writes cert and its key as PEM files for dcmtk.
func writePEM(t *testing.T, cert tls.Certificate) (keyFile, certFile string) {
	t.Helper()
	dir := t.TempDir()
	der, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	keyFile, certFile = filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o644); err != nil {
		t.Fatal(err)
	}
	return keyFile, certFile
}

// dcmtk over TLS (BCP 195 profile, mutual authentication) with user
// identity negotiation, against our Server.
func TestDcmtkTLSAndUserIdentity(t *testing.T) {
	cert := selfSigned(t)
	leaf, _ := x509.ParseCertificate(cert.Certificate[0])
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	keyFile, certFile := writePEM(t, cert)
	store := newMemStore()
	var user string
	s := &Server{
		Handler:   store,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12},
		Authenticate: func(ctx context.Context, a *AssociationInfo) error {
			if a.User == nil || a.User.Password != "secret" {
				return errors.New("refused")
			}
			user = a.User.Username
			return nil
		},
	}
	addr := startServer(t, s)
	h, p := hostPort(t, addr)
	paths := writeStudy(t, 2)
	tlsArgs := []string{"+tls", keyFile, certFile, "+cf", certFile, "-pw"}
	runTool(t, "storescu", append(append(tlsArgs, "-usr", "radiologue", "-pwd", "secret", h, p), paths...)...)
	if store.len() != 2 || user != "radiologue" {
		t.Fatalf("stored %d, user %q", store.len(), user)
	}
	// A wrong password is rejected.
	bin := testutil.RequireTool(t, "storescu")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bin, append(append(tlsArgs, "-usr", "radiologue", "-pwd", "wrong", h, p), paths[0])...).CombinedOutput(); err == nil {
		t.Fatalf("wrong password accepted:\n%s", out)
	}
}

// Our SCU over TLS to dcmtk's storescp.
func TestSendTLSToStorescp(t *testing.T) {
	cert := selfSigned(t)
	leaf, _ := x509.ParseCertificate(cert.Certificate[0])
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	keyFile, certFile := writePEM(t, cert)
	out := t.TempDir()
	addr := startStorescp(t, out, "+tls", keyFile, certFile, "+cf", certFile, "-pw")
	paths := writeStudy(t, 2)
	cfg := &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	res, err := Send(testCtx(t), addr, paths, &SendOptions{Dial: DialOptions{CalledAE: "STORESCP", TLSConfig: cfg}})
	if err != nil || res.Stored != 2 {
		t.Fatalf("got %v, %+v", err, res)
	}
	files, _ := filepath.Glob(filepath.Join(out, "CT.*"))
	if len(files) != 2 {
		t.Fatalf("storescp wrote %d files", len(files))
	}
}

func TestEchoStorescp(t *testing.T) {
	addr := startStorescp(t, t.TempDir())
	if err := Echo(testCtx(t), addr, &DialOptions{CalledAE: "STORESCP"}); err != nil {
		t.Fatal(err)
	}
}
