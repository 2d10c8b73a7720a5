package transfer

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"
)

// testPKI is a throw-away CA with a server certificate for 127.0.0.1 and
// a client certificate.
type testPKI struct {
	pool           *x509.CertPool
	server, client tls.Certificate
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := key()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "radkit test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, cn string, usage x509.ExtKeyUsage) tls.Certificate {
		k := key()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &testPKI{pool: pool, server: issue(2, "127.0.0.1", x509.ExtKeyUsageServerAuth), client: issue(3, "gateway", x509.ExtKeyUsageClientAuth)}
}

// The teleradiology guide asks for encrypted, authenticated exchanges: a
// study goes over TLS with mutual authentication (the receiver requires a
// client certificate from the CA), arrives verified, and a client without
// a certificate is refused before any byte is accepted.
func TestMutualTLS(t *testing.T) {
	pki := newTestPKI(t)
	sink := newMemSink()
	rc, err := NewReceiver(ReceiverOptions{Dir: t.TempDir(), Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(rc)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pki.server}, ClientCAs: pki.pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	defer srv.Close()
	endpoint := srv.URL + "/files/"
	paths := writeStudy(t, 2, 64)

	good := NewHTTPClient(&tls.Config{RootCAs: pki.pool, Certificates: []tls.Certificate{pki.client}})
	c, err := NewClient(endpoint, ClientOptions{HTTPClient: good})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := NewSender(c, SenderOptions{}).Send(context.Background(), Job{Paths: paths})
	if err != nil {
		t.Fatalf("send over mutual TLS: %v", err)
	}
	for _, fr := range rep.Files {
		if sink.count(fr.SHA256) != 1 {
			t.Errorf("%s: received %d times", filepath.Base(fr.Path), sink.count(fr.SHA256))
		}
	}
	if tr, ok := good.Transport.(*http.Transport); ok && tr.TLSClientConfig.MinVersion < tls.VersionTLS12 {
		t.Error("client accepts TLS below 1.2")
	}

	anon := NewHTTPClient(&tls.Config{RootCAs: pki.pool})
	c2, err := NewClient(endpoint, ClientOptions{HTTPClient: anon, Retry: RetryPolicy{MaxAttempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := NewSender(c2, SenderOptions{}).Send(ctx, Job{Paths: paths[:1]}); err == nil {
		t.Fatal("a client without a certificate was accepted")
	}
}
