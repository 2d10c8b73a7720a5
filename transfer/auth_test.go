package transfer

import (
	"crypto/tls"
	"net/http"
	"testing"
)

func TestParseRate(t *testing.T) {
	for in, want := range map[string]float64{"20MB/s": 20e6, "500kB/s": 500e3, "1.5MiB/s": 1.5 * (1 << 20), "1000": 1000, " 2 GB ": 2e9} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "fast", "-1MB/s", "20Mb/s", "0"} {
		if _, err := ParseRate(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestAuthenticators(t *testing.T) {
	r, _ := http.NewRequest("GET", "https://x/", nil)
	BearerToken(" secret\n")(r)
	if r.Header.Get("Authorization") != "Bearer secret" {
		t.Error(r.Header.Get("Authorization"))
	}
	BasicAuth("u", "p")(r)
	if u, p, ok := r.BasicAuth(); !ok || u != "u" || p != "p" {
		t.Error("basic auth")
	}
	c := NewHTTPClient(&tls.Config{MinVersion: tls.VersionTLS10})
	if c.Transport.(*http.Transport).TLSClientConfig.MinVersion != tls.VersionTLS12 {
		t.Error("TLS 1.0 allowed")
	}
}
