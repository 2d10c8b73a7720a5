package transfer

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// FuzzParseMetadata: whatever a peer sends, parsing does not panic, and
// what parses re-encodes to a header that parses to the same map.
func FuzzParseMetadata(f *testing.F) {
	for _, s := range []string{"", "k", "k ", "a dmFsdWU=,b", " a dmFsdWU= , b ", "a,a", "a !", "filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential", "k dg", "k\tdg=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		m, err := ParseMetadata(h)
		if err != nil {
			return
		}
		enc, err := EncodeMetadata(m)
		if err != nil {
			t.Fatalf("parsed keys do not encode: %v", err)
		}
		m2, err := ParseMetadata(enc)
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip %q -> %q: %v", h, enc, err)
		}
	})
}

// FuzzParseChecksum: Upload-Checksum headers never panic and only accept
// digests of the algorithm's size.
func FuzzParseChecksum(f *testing.F) {
	for _, s := range []string{"sha1 AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "sha256 " + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "md5 x", "", " ", "sha1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h, want, err := parseChecksum(v)
		if err == nil && len(want) != h.Size() {
			t.Fatalf("accepted a %d-byte digest for a %d-byte hash", len(want), h.Size())
		}
	})
}

// FuzzReceiverHeaders drives the receiver with arbitrary tus headers: it
// never panics and never answers 5xx for a bad request.
func FuzzReceiverHeaders(f *testing.F) {
	f.Add("POST", "", "10", "", "", "", "", []byte("0123456789"))
	f.Add("POST", "", "", "1", "", "k", "partial", []byte(nil))
	f.Add("POST", "", "", "", "", "", "final;/files/0123456789abcdef0123456789abcdef /files/x", []byte(nil))
	f.Add("PATCH", "x", "5", "", "0", "", "", []byte("abc"))
	f.Add("HEAD", "0123456789abcdef0123456789abcdef", "", "", "", "", "", []byte(nil))
	dir := f.TempDir()
	rc, err := NewReceiver(ReceiverOptions{Dir: dir, Sink: newMemSink(), MaxSize: 1 << 16})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, id, length, deferLen, offset, meta, concat string, body []byte) {
		req := httptest.NewRequest(http.MethodGet, "/files/", bytes.NewReader(body))
		req.Method = method
		req.URL.Path = "/files/" + id
		req.Header.Set("Tus-Resumable", TusVersion)
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		for k, v := range map[string]string{"Upload-Length": length, "Upload-Defer-Length": deferLen, "Upload-Offset": offset, "Upload-Metadata": meta, "Upload-Concat": concat} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		w := httptest.NewRecorder()
		rc.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %q: %d %s", method, id, w.Code, w.Body.String())
		}
	})
}
