package tusdtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"testing"

	"github.com/radkit/radkit/transfer"
)

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>9)
	}
	return b
}

func TestCapabilities(t *testing.T) {
	s := startTusd(t)
	c, err := transfer.NewClient(s.URL, transfer.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	caps, err := c.Capabilities(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{"creation", "creation-with-upload", "termination", "concatenation", "creation-defer-length"} {
		if !caps.Has(ext) {
			t.Errorf("tusd does not advertise %s: %v", ext, caps.Extensions)
		}
	}
	if caps.Has("checksum") {
		t.Errorf("tusd v2.9.1 advertises checksum; the client would use it: %v", caps.Extensions)
	}
}

func TestUploadSizes(t *testing.T) {
	s := startTusd(t)
	for _, size := range []int{0, 1, 1000, 64 << 10, 64<<10 + 1, 300 << 10} {
		data := pattern(size)
		c, err := transfer.NewClient(s.URL, transfer.ClientOptions{ChunkSize: 64 << 10})
		if err != nil {
			t.Fatal(err)
		}
		var confirmed []int64
		u := &transfer.Upload{
			Body: bytes.NewReader(data), Size: int64(size),
			Metadata: transfer.Metadata{"sha256": digest(data), "empty": "", "filetype": "application/dicom"},
			OnOffset: func(_ string, off int64) error { confirmed = append(confirmed, off); return nil },
		}
		st, err := c.Upload(t.Context(), u)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		got, err := os.ReadFile(s.uploadPath(u.URL))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("size %d: tusd holds %d different bytes", size, len(got))
		}
		if s.count(digest(data)) < 1 {
			t.Errorf("size %d: tusd did not complete the upload", size)
		}
		if st.BytesSent != int64(size) || st.Faults != 0 {
			t.Errorf("size %d: stats %+v", size, st)
		}
		if len(confirmed) == 0 || confirmed[len(confirmed)-1] != int64(size) {
			t.Errorf("size %d: confirmed offsets %v", size, confirmed)
		}
	}
}

func TestResumeFromURL(t *testing.T) {
	s := startTusd(t)
	data := pattern(500 << 10)
	c, _ := transfer.NewClient(s.URL, transfer.ClientOptions{ChunkSize: 100 << 10})
	// Stop after the second confirmed chunk, as a crash would.
	stop := errors.New("stop")
	u := &transfer.Upload{Body: bytes.NewReader(data), Size: int64(len(data)),
		Metadata: transfer.Metadata{"sha256": digest(data)},
		OnOffset: func(_ string, off int64) error {
			if off >= 200<<10 {
				return stop
			}
			return nil
		}}
	if _, err := c.Upload(t.Context(), u); !errors.Is(err, stop) {
		t.Fatalf("got %v", err)
	}
	// A fresh client resumes from the URL alone.
	c2, _ := transfer.NewClient(s.URL, transfer.ClientOptions{ChunkSize: 100 << 10})
	u2 := &transfer.Upload{URL: u.URL, Body: bytes.NewReader(data), Size: int64(len(data))}
	st, err := c2.Upload(t.Context(), u2)
	if err != nil {
		t.Fatal(err)
	}
	if st.BytesSent != 300<<10 {
		t.Errorf("resume sent %d bytes, want %d", st.BytesSent, 300<<10)
	}
	if u2.URL != u.URL || s.count(digest(data)) != 1 {
		t.Errorf("resumed into %s (was %s), completions %d", u2.URL, u.URL, s.count(digest(data)))
	}
}

func TestTerminateThenRestart(t *testing.T) {
	s := startTusd(t)
	data := pattern(300 << 10)
	c, _ := transfer.NewClient(s.URL, transfer.ClientOptions{ChunkSize: 100 << 10})
	stop := errors.New("stop")
	u := &transfer.Upload{Body: bytes.NewReader(data), Size: int64(len(data)),
		OnOffset: func(_ string, off int64) error {
			if off > 0 {
				return stop
			}
			return nil
		}}
	if _, err := c.Upload(t.Context(), u); !errors.Is(err, stop) {
		t.Fatal(err)
	}
	if err := c.Terminate(t.Context(), u.URL); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Offset(t.Context(), u.URL); !errors.Is(err, transfer.ErrGone) {
		t.Fatalf("HEAD after termination: %v", err)
	}
	// Resuming a terminated upload restarts it from zero under a new URL.
	old := u.URL
	u.OnOffset = nil
	st, err := c.Upload(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	if st.Restarts != 1 || u.URL == old {
		t.Errorf("stats %+v, url changed: %v", st, u.URL != old)
	}
	if s.count(digest(data)) != 1 {
		t.Errorf("completions %d", s.count(digest(data)))
	}
}

func TestDigestMismatchRejected(t *testing.T) {
	s := startTusd(t)
	data := pattern(10 << 10)
	c, _ := transfer.NewClient(s.URL, transfer.ClientOptions{Retry: transfer.RetryPolicy{MaxAttempts: 2}})
	u := &transfer.Upload{Body: bytes.NewReader(data), Size: int64(len(data)),
		Metadata: transfer.Metadata{"sha256": digest([]byte("other"))}}
	_, err := c.Upload(context.Background(), u)
	var e *transfer.Error
	if !errors.As(err, &e) || s.badCount() == 0 {
		t.Fatalf("got %v, bad %d", err, s.badCount())
	}
	t.Logf("%v", err)
}

func TestDigestMismatchOnLastPatch(t *testing.T) {
	s := startTusd(t)
	data := pattern(200 << 10)
	c, _ := transfer.NewClient(s.URL, transfer.ClientOptions{ChunkSize: 64 << 10, Retry: transfer.RetryPolicy{MaxAttempts: 3}})
	u := &transfer.Upload{Body: bytes.NewReader(data), Size: int64(len(data)),
		Metadata: transfer.Metadata{"sha256": digest([]byte("other"))}}
	_, err := c.Upload(t.Context(), u)
	if !errors.Is(err, transfer.ErrDigestMismatch) {
		t.Fatalf("got %v, want ErrDigestMismatch", err)
	}
}

func TestConcatenationParts(t *testing.T) {
	s := startTusd(t)
	data := pattern(1<<20 + 17)
	c, _ := transfer.NewClient(s.URL, transfer.ClientOptions{ChunkSize: 64 << 10, Parts: 4})
	u := &transfer.Upload{Body: bytes.NewReader(data), Size: int64(len(data)), Metadata: transfer.Metadata{"sha256": digest(data)}}
	st, err := c.Upload(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(s.uploadPath(u.URL))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("final upload: %v, %d bytes", err, len(got))
	}
	if s.count(digest(data)) != 1 || st.BytesSent != int64(len(data)) {
		t.Errorf("completions %d, stats %+v", s.count(digest(data)), st)
	}
	// A journalled upload (CreateEmpty) stays plain.
	u2 := &transfer.Upload{Body: bytes.NewReader(data), Size: int64(len(data)), CreateEmpty: true}
	if _, err := c.Upload(t.Context(), u2); err != nil {
		t.Fatal(err)
	}
	info, err := os.ReadFile(s.uploadPath(u2.URL) + ".info")
	if err != nil || bytes.Contains(info, []byte(`"IsFinal":true`)) {
		t.Errorf("CreateEmpty upload was concatenated: %v", err)
	}
}
