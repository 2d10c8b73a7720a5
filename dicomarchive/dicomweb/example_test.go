package dicomweb_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/dicomweb"
)

// Serving an archive with bearer tokens: each token stands for a
// principal, which the audit trail records for every request.
func ExampleBearerTokens() {
	dir, _ := os.MkdirTemp("", "archive")
	defer os.RemoveAll(dir)
	a, err := dicomarchive.Open(context.Background(), dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	h := dicomweb.NewHandler(a, &dicomweb.Options{
		Authenticate: dicomweb.BearerTokens(map[string]string{"s3cr3t": "viewer-1"}),
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, token := range []string{"", "s3cr3t"} {
		req, _ := http.NewRequest("GET", srv.URL+"/studies?PatientName=dupont*", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	a.AuditEntries(context.Background(), 1, func(e dicomarchive.AuditEntry) error {
		fmt.Println(e.Principal, e.Action, e.Object)
		return nil
	})
	// Output:
	// 401 Unauthorized
	// 204 No Content
	// viewer-1 query studies
}

// Mutual TLS: the server requires a client certificate signed by the
// hospital's CA and the principal is the certificate's common name.
func ExampleClientCertificate() {
	ca, caKey := newCert(nil, nil, "Hospital CA", true)
	server, serverKey := newCert(ca, caKey, "127.0.0.1", false)
	client, clientKey := newCert(ca, caKey, "modality-ct1", false)
	pool := x509.NewCertPool()
	pool.AddCert(ca)

	dir, _ := os.MkdirTemp("", "archive")
	defer os.RemoveAll(dir)
	a, err := dicomarchive.Open(context.Background(), dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewUnstartedServer(dicomweb.NewHandler(a, &dicomweb.Options{Authenticate: dicomweb.ClientCertificate}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{server.Raw}, PrivateKey: serverKey}},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	}
	srv.StartTLS()
	defer srv.Close()

	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs:      pool,
		Certificates: []tls.Certificate{{Certificate: [][]byte{client.Raw}, PrivateKey: clientKey}},
	}}}
	resp, err := c.Get(srv.URL + "/studies")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	a.AuditEntries(context.Background(), 1, func(e dicomarchive.AuditEntry) error {
		fmt.Println(e.Principal, e.Action)
		return nil
	})
	// Output:
	// 204 No Content
	// cn=modality-ct1 query
}

// newCert makes a certificate signed by parent (self-signed when nil).
func newCert(parent *x509.Certificate, parentKey *ecdsa.PrivateKey, cn string, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  isCA,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if cn == "127.0.0.1" {
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent, parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		log.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		log.Fatal(err)
	}
	return cert, key
}
