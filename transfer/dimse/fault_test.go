package dimse

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomio"
)

// rawAssociate opens a TCP connection and negotiates by hand, returning
// the connection positioned after the A-ASSOCIATE-AC.
func rawAssociate(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	rq := &associate{Type: pduAssociateRQ, CalledAE: "X", CallingAE: "Y", AppContext: ApplicationContext,
		RQContexts: []presContextRQ{{ID: 1, AbstractSyntax: ctImage, TransferSyntaxes: []string{dicomio.ExplicitVRLittleEndian}}},
		User:       userInfo{MaxLength: 16384, ImplClassUID: "1.2.3"}}
	if _, err := nc.Write(encodeAssociate(rq)); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	typ, _, err := readPDU(nc, 1<<20)
	if err != nil || typ != pduAssociateAC {
		t.Fatalf("association: type %d, %v", typ, err)
	}
	return nc
}

// expectAbort reads until an A-ABORT arrives or the connection closes.
func expectAbort(t *testing.T, nc net.Conn) {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	typ, _, err := readPDU(nc, 1<<20)
	if err == nil && typ != pduAbort {
		t.Fatalf("got PDU type %d, want A-ABORT", typ)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("server neither aborted nor closed: %v", err)
		}
	}
}

// waitIdle waits (bounded) for the server to hold no association.
func waitIdle(t *testing.T, s *Server) {
	t.Helper()
	for range 200 {
		if s.conns.Load() == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d connections still open", s.conns.Load())
}

func TestServerFaults(t *testing.T) {
	before := runtime.NumGoroutine()
	received := make(chan error, 8)
	s := &Server{Handler: HandlerFunc(func(ctx context.Context, req *StoreRequest) error {
		_, err := io.Copy(io.Discard, req.Body)
		received <- err
		return err
	}), Timeout: 2 * time.Second}
	addr := startServer(t, s)
	cmd := encodeCommand(&command{Field: cStoreRQ, MessageID: 1, AffectedSOPClass: ctImage, AffectedSOPInstance: "1.2.3", HasData: true})
	pdv := func(ctx, flags byte, b []byte) []byte {
		buf := make([]byte, 12+len(b))
		copy(buf[12:], b)
		buf[0] = pduDataTF
		putU32(buf[2:], uint32(len(b)+6))
		putU32(buf[6:], uint32(len(b)+2))
		buf[10], buf[11] = ctx, flags
		return buf
	}
	for name, send := range map[string][][]byte{
		"garbage":                 {{0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0}},
		"second A-ASSOCIATE-RQ":   {seedPDUs()[0]},
		"data before command":     {pdv(1, 2, []byte{1, 2})},
		"unknown context":         {pdv(5, 3, cmd)},
		"bad command":             {pdv(1, 3, []byte{1, 2, 3})},
		"oversized PDU":           {{pduDataTF, 0, 0x7f, 0, 0, 0}},
		"aborted mid-transfer":    {pdv(1, 3, cmd), pdv(1, 0, make([]byte, 100)), encodeAbort(abort{})},
		"command during data":     {pdv(1, 3, cmd), pdv(1, 0, make([]byte, 100)), pdv(1, 3, cmd)},
		"closed mid-transfer":     {pdv(1, 3, cmd), pdv(1, 0, make([]byte, 100))},
		"truncated PDV":           {pdv(1, 3, cmd)[:20]},
		"A-RELEASE-RP unexpected": {encodeRelease(pduReleaseRP)},
	} {
		t.Run(name, func(t *testing.T) {
			nc := rawAssociate(t, addr)
			for _, b := range send {
				if _, err := nc.Write(b); err != nil {
					t.Fatal(err)
				}
			}
			if name == "closed mid-transfer" || name == "truncated PDV" {
				_ = nc.(*net.TCPConn).CloseWrite()
			}
			expectAbort(t, nc)
			_ = nc.Close()
			waitIdle(t, s)
		})
	}
	close(received)
	for err := range received {
		if err == nil {
			t.Error("a handler read an interrupted instance to the end without error")
		}
	}
	// Every association goroutine is gone (bounded wait).
	for range 200 {
		if runtime.NumGoroutine() <= before+2 { // the Serve goroutine and its cleanup
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Errorf("goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
}

func putU32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}

func TestARTIM(t *testing.T) {
	s := &Server{ARTIMTimeout: 200 * time.Millisecond}
	addr := startServer(t, s)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	start := time.Now()
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("got %v, want the server to close", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("closed after %v", d)
	}
}

func TestPeerStopsReading(t *testing.T) {
	// A fake SCP that accepts the association and then never reads.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		nc, err := l.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		_, _, _ = readPDU(nc, 1<<20)
		ac := &associate{Type: pduAssociateAC, AppContext: ApplicationContext,
			ACContexts: []presContextAC{{ID: 1, TransferSyntax: dicomio.ExplicitVRLittleEndian}},
			User:       userInfo{MaxLength: 1 << 20, ImplClassUID: "1.2.3"}}
		_, _ = nc.Write(encodeAssociate(ac))
		time.Sleep(5 * time.Second)
	}()
	ctx := testCtx(t)
	a, err := Dial(ctx, l.Addr().String(), &DialOptions{Timeout: 300 * time.Millisecond,
		Proposals: []Proposal{{AbstractSyntax: ctImage, TransferSyntaxes: []string{dicomio.ExplicitVRLittleEndian}}}})
	if err != nil {
		t.Fatal(err)
	}
	// An instance much larger than the socket buffers.
	ds := dicomio.NewDataset()
	ds.MustSetStrings(dicomio.TagSOPClassUID, dicomio.UI, ctImage)
	ds.MustSetStrings(dicomio.TagSOPInstanceUID, dicomio.UI, "1.2.3.4")
	ds.SetBytes(dicomio.TagPixelData, dicomio.OW, make([]byte, 64<<20))
	f, _ := dicomio.NewFile(ds, dicomio.ExplicitVRLittleEndian)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(f.Write(pw, nil)) }()
	defer pr.Close()
	start := time.Now()
	err = a.Store(ctx, pr, nil)
	var ae *AbortError
	if !errors.As(err, &ae) || !ae.Local {
		t.Fatalf("got %v, want a local abort", err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("gave up after %v", d)
	}
}

func TestContextCancel(t *testing.T) {
	block := make(chan struct{})
	s := &Server{Handler: HandlerFunc(func(ctx context.Context, req *StoreRequest) error {
		<-block
		return nil
	})}
	addr := startServer(t, s)
	defer close(block)
	paths := writeStudy(t, 1)
	a, err := Dial(testCtx(t), addr, &DialOptions{Proposals: []Proposal{{AbstractSyntax: ctImage, TransferSyntaxes: []string{dicomio.ExplicitVRLittleEndian}}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = a.StoreFile(ctx, paths[0], nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
}

func TestShutdownAbortsIdle(t *testing.T) {
	s := &Server{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	ctx := testCtx(t)
	a, err := Dial(ctx, l.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Echo(ctx); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrServerClosed) {
		t.Fatal(err)
	}
	if err := a.Echo(ctx); err == nil {
		t.Fatal("echo succeeded after shutdown")
	}
	if _, err := Dial(ctx, l.Addr().String(), nil); err == nil {
		t.Fatal("dial succeeded after shutdown")
	}
}

func TestHandlerPanic(t *testing.T) {
	s := &Server{Handler: HandlerFunc(func(ctx context.Context, req *StoreRequest) error { panic("boom") })}
	addr := startServer(t, s)
	paths := writeStudy(t, 1)
	_, err := Send(testCtx(t), addr, paths, &SendOptions{Retries: -1})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != StatusOutOfResources {
		t.Fatalf("got %v", err)
	}
	// The server is still up.
	a, err := Dial(testCtx(t), addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = a.Release(testCtx(t))
}

func TestRetryAfterTransientFailure(t *testing.T) {
	n := 0
	store := newMemStore()
	s := &Server{Handler: HandlerFunc(func(ctx context.Context, req *StoreRequest) error {
		n++
		if n == 1 {
			return &StatusError{Code: StatusOutOfResources}
		}
		return store.ServeStore(ctx, req)
	})}
	addr := startServer(t, s)
	paths := writeStudy(t, 2)
	res, err := Send(testCtx(t), addr, paths, &SendOptions{RetryDelay: time.Millisecond})
	if err != nil || res.Stored != 2 || store.len() != 2 {
		t.Fatalf("got %v, %+v", err, res)
	}
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "radkit test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestTLS(t *testing.T) {
	cert := selfSigned(t)
	pool := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(cert.Certificate[0])
	pool.AddCert(leaf)
	store := newMemStore()
	s := &Server{Handler: store, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}}
	addr := startServer(t, s)
	paths := writeStudy(t, 2)
	ctx := testCtx(t)
	if _, err := Dial(ctx, addr, nil); err == nil {
		t.Fatal("plain TCP association accepted by a TLS server")
	}
	cfg := &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	res, err := Send(ctx, addr, paths, &SendOptions{Dial: DialOptions{TLSConfig: cfg}})
	if err != nil || res.Stored != 2 || store.len() != 2 {
		t.Fatalf("got %v, %+v", err, res)
	}
}

func TestSendNoPeer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	paths := writeStudy(t, 3)
	start := time.Now()
	res, err := Send(testCtx(t), addr, paths, &SendOptions{RetryDelay: time.Millisecond})
	if err == nil || res.Stored != 0 || len(res.Failed) != 1 {
		t.Fatalf("got %v, %+v", err, res)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v", d)
	}
}

func TestShutdownWithSilentConnection(t *testing.T) {
	s := &Server{} // ARTIM 30s by default
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	for range 200 { // bounded: until the server holds the connection
		if s.conns.Load() == 1 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Shutdown took %v", d)
	}
	if err := <-done; !errors.Is(err, ErrServerClosed) {
		t.Fatal(err)
	}
}

// A requester that sends a C-FIND and stops reading: the server's writes
// time out, the association is aborted and the handler told to stop.
func TestServerPeerStopsReading(t *testing.T) {
	stopped := make(chan error, 1)
	s := &Server{Timeout: 300 * time.Millisecond, Finder: FindHandlerFunc(func(ctx context.Context, req *FindRequest, match func(*dicomio.Dataset) error) error {
		big := dicomio.NewDataset()
		big.MustSetStrings(dicomio.NewTag(0x0008, 0x0119), dicomio.NewVR("UC"), string(bytes.Repeat([]byte("x"), 1<<20)))
		for range 1000 { // bounded: 1 GB at most, far beyond socket buffers
			if err := match(big); err != nil {
				stopped <- err
				return err
			}
		}
		stopped <- nil
		return nil
	})}
	addr := startServer(t, s)
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	rq := &associate{Type: pduAssociateRQ, CalledAE: "X", CallingAE: "Y", AppContext: ApplicationContext,
		RQContexts: []presContextRQ{{ID: 1, AbstractSyntax: StudyRootFind, TransferSyntaxes: []string{dicomio.ExplicitVRLittleEndian}}},
		User:       userInfo{MaxLength: 1 << 20, ImplClassUID: "1.2.3"}}
	if _, err := nc.Write(encodeAssociate(rq)); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if typ, _, err := readPDU(nc, 1<<20); err != nil || typ != pduAssociateAC {
		t.Fatalf("association: %d, %v", typ, err)
	}
	id, err := encodeIdentifier(query("STUDY", nil), dicomio.ExplicitVRLittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	c := newConn(nc, 1<<20, 5*time.Second)
	c.setMaxSend(1 << 20)
	if err := c.writeCommand(1, encodeCommand(&command{Field: cFindRQ, MessageID: 1, AffectedSOPClass: StudyRootFind, HasData: true})); err != nil {
		t.Fatal(err)
	}
	if _, err := c.writeData(1, bytes.NewReader(id)); err != nil {
		t.Fatal(err)
	}
	// Never read again.
	select {
	case err := <-stopped:
		if err == nil {
			t.Fatal("the handler sent everything to a peer that reads nothing")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server is still writing")
	}
	waitIdle(t, s)
}
