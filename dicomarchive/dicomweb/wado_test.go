package dicomweb_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/dicomweb"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

// bigSeries stores a CT series of n full-size (512×512, about 512 KB)
// slices, larger than the handler's read-ahead chunks, and returns the
// archive's directory, the server and the objects in instance order.
func bigSeries(t *testing.T, n int) (string, *dicomarchive.Archive, *httptest.Server, []object) {
	t.Helper()
	ctx := dicomarchive.WithPrincipal(context.Background(), "test")
	dir := t.TempDir()
	a, err := dicomarchive.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	var objs []object
	err = synth.Study(ctx, synth.CT, synth.Options{Seed: 7, Slices: n, Rows: 512, Columns: 512}, func(f *dicomio.File) error {
		var buf bytes.Buffer
		if err := f.Write(&buf, nil); err != nil {
			return err
		}
		if _, err := a.Store(ctx, bytes.NewReader(buf.Bytes()), nil); err != nil {
			return err
		}
		objs = append(objs, object{f.Dataset.String(dicomio.TagSOPInstanceUID), f.Dataset.String(dicomio.TagSeriesInstanceUID),
			f.Dataset.String(dicomio.TagStudyInstanceUID), buf.Bytes()})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(dicomweb.NewHandler(a, nil))
	t.Cleanup(srv.Close)
	return dir, a, srv, objs
}

// corrupt flips one byte in the middle of the stored blob of sop, keeping
// its size.
func corrupt(t *testing.T, dir string, a *dicomarchive.Archive, sop string) {
	t.Helper()
	in, err := a.Instance(dicomarchive.WithPrincipal(context.Background(), "test"), sop)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := dicomarchive.NewFSBlobStore(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	p := bs.Path(in.Digest)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// streamParts reads a multipart WADO-RS response as a client would, part
// by part, and returns the complete parts and the error that ended the
// stream (nil after the closing boundary).
func streamParts(t *testing.T, url string) (*http.Response, [][]byte, error) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", `multipart/related; type="application/dicom"; transfer-syntax=*`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return resp, nil, nil
	}
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/related" || params["type"] != "application/dicom" {
		t.Fatalf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(resp.Body, params["boundary"])
	var parts [][]byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return resp, parts, nil
		}
		if err != nil {
			return resp, parts, err
		}
		if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/dicom; transfer-syntax=") {
			t.Errorf("part Content-Type %q", ct)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return resp, parts, err
		}
		parts = append(parts, b)
	}
}

func TestWADOSeriesStreamsVerifiedObjects(t *testing.T) {
	dir, a, srv, objs := bigSeries(t, 4)
	url := fmt.Sprintf("%s/studies/%s/series/%s", srv.URL, objs[0].study, objs[0].series)
	resp, parts, err := streamParts(t, url)
	if err != nil || resp.StatusCode != 200 || len(parts) != len(objs) {
		t.Fatalf("series: %s, %d parts, %v", resp.Status, len(parts), err)
	}
	for i := range objs {
		if !bytes.Equal(parts[i], objs[i].data) {
			t.Fatalf("part %d differs from the stored object", i)
		}
	}

	// A corrupt object in the middle: the objects before it arrive
	// whole, the stream then breaks before the corrupt object's end and
	// without the closing boundary, so the client sees an error.
	corrupt(t, dir, a, objs[2].sop)
	resp, parts, err = streamParts(t, url)
	if resp.StatusCode != 200 {
		t.Fatalf("corrupt series: %s before any part", resp.Status)
	}
	if err == nil {
		t.Fatalf("corrupt series: the client saw a complete response (%d parts)", len(parts))
	}
	if len(parts) != 2 || !bytes.Equal(parts[0], objs[0].data) || !bytes.Equal(parts[1], objs[1].data) {
		t.Fatalf("corrupt series: %d complete parts before the error %v", len(parts), err)
	}
	// And the instance alone, which fails the same way.
	_, parts, err = streamParts(t, fmt.Sprintf("%s/instances/%s", url, objs[2].sop))
	if err == nil || len(parts) != 0 {
		t.Fatalf("corrupt instance: %d parts, error %v", len(parts), err)
	}
}

func TestWADOCorruptSmallObjectIsAnError(t *testing.T) {
	ctx := dicomarchive.WithPrincipal(context.Background(), "test")
	dir := t.TempDir()
	a, err := dicomarchive.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	objs := ctStudy(t, 3, 1)
	if _, err := a.Store(ctx, bytes.NewReader(objs[0].data), nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(dicomweb.NewHandler(a, nil))
	defer srv.Close()
	corrupt(t, dir, a, objs[0].sop)
	// Smaller than one read-ahead chunk: the mismatch is known before
	// the first byte, so the answer is a plain error status.
	resp, parts, _ := streamParts(t, fmt.Sprintf("%s/studies/%s/series/%s", srv.URL, objs[0].study, objs[0].series))
	if resp.StatusCode != http.StatusInternalServerError || len(parts) != 0 {
		t.Fatalf("corrupt object: %s, %d parts", resp.Status, len(parts))
	}
}

func TestWADOClientGoneStopsTheRetrieval(t *testing.T) {
	_, a, srv, objs := bigSeries(t, 6)
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/studies/%s/series/%s", srv.URL, objs[0].study, objs[0].series), nil)
	req.Header.Set("Accept", `multipart/related; type="application/dicom"; transfer-syntax=*`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// Close waits for the operations in progress: it returns only if the
	// handler and its reading goroutine stopped.
	done := make(chan error, 1)
	go func() { done <- a.Close() }()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, dicomarchive.ErrClosed) {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("archive still busy 20 s after the client went away")
	}
}
