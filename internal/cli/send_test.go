package cli

import (
	"bufio"
	"context"
	"fmt"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/dicomweb"
	"github.com/radkit/radkit/dicomio"
)

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// radkit send → radkit receive over tus on loopback: every file confirmed
// and written under its SOP Instance UID; the journal shows the job done.
func TestSendReceive(t *testing.T) {
	dir := t.TempDir()
	study, out := filepath.Join(dir, "study"), filepath.Join(dir, "out")
	if code, _, stderr := runCLI(t, "synth", "--kind", "ct", "--slices", "4", "--rows", "64", "--columns", "64", "--out", study); code != ExitOK {
		t.Fatalf("synth: %s", stderr)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, _, _ := testFactory("")
	done := make(chan ExitCode, 1)
	go func() { done <- run(ctx, f, []string{"receive", "--listen", addr, "--out", out}) }()
	for i := 0; i < 100; i++ {
		if resp, err := http.Head("http://" + addr + "/files/"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	journal := filepath.Join(dir, "send.journal")
	code, stdout, stderr := runCLI(t, "send", "--journal", journal, "--to", "tus+http://"+addr+"/files/", study)
	if code != ExitOK || !strings.Contains(stderr, "4 of 4 files confirmed") {
		t.Fatalf("send: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"files_done":4`) {
		t.Errorf("no JSON progress lines:\n%.300s", stdout)
	}
	got, _ := filepath.Glob(filepath.Join(out, "*.dcm"))
	if len(got) != 4 {
		t.Errorf("receiver wrote %d instances, want 4", len(got))
	}
	if code, stdout, _ := runCLI(t, "send", "--journal", journal, "--status"); code != ExitOK || !strings.Contains(stdout, "done=true") {
		t.Errorf("status: exit %d:\n%s", code, stdout)
	}
	if code, _, stderr := runCLI(t, "send", "--journal", journal, "--resume"); code != ExitOK || !strings.Contains(stderr, "no unfinished job") {
		t.Errorf("resume: exit %d: %s", code, stderr)
	}
	cancel()
	select {
	case c := <-done:
		if c != ExitOK {
			t.Errorf("receive exited %d", c)
		}
	case <-time.After(10 * time.Second):
		t.Error("receive did not stop on cancel")
	}
}

func TestSendUsage(t *testing.T) {
	for _, args := range [][]string{
		{"send"}, {"send", "--to", "http://x/files/", "a"}, {"send", "--to", "tus+http://x/files/"},
		{"send", "--resume", "--status"}, {"send", "--rate", "fast", "--to", "tus+http://x/", "a"},
		{"send", "--priority", "vip", "--to", "tus+http://x/", "a"}, {"receive"},
		{"receive", "--out", "a", "--archive", "b"},
	} {
		if code, _, _ := runCLI(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}

// radkit send → radkit receive --archive: the instances land in the
// archive (queryable, audited), and a resend is a no-op there.
func TestSendReceiveIntoArchive(t *testing.T) {
	dir := t.TempDir()
	study, root := filepath.Join(dir, "study"), filepath.Join(dir, "pacs")
	if code, _, stderr := runCLI(t, "synth", "--kind", "ct", "--slices", "3", "--rows", "64", "--columns", "64", "--out", study); code != ExitOK {
		t.Fatalf("synth: %s", stderr)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, _, _ := testFactory("")
	done := make(chan ExitCode, 1)
	go func() { done <- run(ctx, f, []string{"receive", "--listen", addr, "--archive", root}) }()
	for i := 0; i < 100; i++ {
		if resp, err := http.Head("http://" + addr + "/files/"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for round := 0; round < 2; round++ {
		journal := filepath.Join(dir, "send"+string(rune('a'+round))+".journal")
		if code, _, stderr := runCLI(t, "send", "--journal", journal, "--to", "tus+http://"+addr+"/files/", study); code != ExitOK {
			t.Fatalf("send round %d: exit %d: %s", round, code, stderr)
		}
	}
	cancel()
	<-done
	code, out, stderr := runCLI(t, "archive", "--root", root, "query", "--json")
	if code != ExitOK || !strings.Contains(out, `"NumInstances": 3`) {
		t.Fatalf("archive query: exit %d: %s %s", code, out, stderr)
	}
	if code, out, _ := runCLI(t, "archive", "--root", root, "audit"); code != ExitOK || !strings.Contains(out, "intact") {
		t.Errorf("audit: %s", out)
	}
}

// radkit send --to stow+…: a study refused at first (Failed SOP Sequence,
// C000) stays an unfinished job in the journal; once the archive accepts,
// radkit send --resume stores it, and --status shows it done.
func TestSendStowResume(t *testing.T) {
	dir := t.TempDir()
	study := filepath.Join(dir, "study")
	if code, _, stderr := runCLI(t, "synth", "--kind", "ct", "--slices", "3", "--rows", "64", "--columns", "64", "--out", study); code != ExitOK {
		t.Fatalf("synth: %s", stderr)
	}
	a, err := dicomarchive.Open(context.Background(), filepath.Join(dir, "pacs"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var accept atomic.Bool
	var posts atomic.Int32
	h := dicomweb.NewHandler(a, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
		}
		if accept.Load() {
			h.ServeHTTP(w, r)
			return
		}
		// Refuse every instance of the request, as an archive out of
		// its mind would: the outcome is in the Failed SOP Sequence.
		_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		mr := multipart.NewReader(r.Body, params["boundary"])
		var failed []string
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			if m, err := dicomio.ReadMeta(bufio.NewReader(p)); err == nil {
				failed = append(failed, fmt.Sprintf(`{"00081155":{"vr":"UI","Value":[%q]},"00081197":{"vr":"US","Value":[49152]}}`, m.Meta.String(dicomio.TagMediaStorageSOPInstanceUID)))
			}
		}
		w.Header().Set("Content-Type", "application/dicom+json")
		w.WriteHeader(http.StatusConflict)
		fmt.Fprintf(w, `{"00081198":{"vr":"SQ","Value":[%s]}}`, strings.Join(failed, ","))
	}))
	defer srv.Close()
	journal := filepath.Join(dir, "send.journal")
	code, _, stderr := runCLI(t, "send", "--journal", journal, "--to", "stow+"+srv.URL, study)
	if code != ExitFailure || !strings.Contains(stderr, "0 of 3 files confirmed") {
		t.Fatalf("send to a refusing archive: exit %d: %s", code, stderr)
	}
	if code, stdout, _ := runCLI(t, "send", "--journal", journal, "--status"); code != ExitOK || !strings.Contains(stdout, "stow+"+srv.URL) || !strings.Contains(stdout, "done=false") {
		t.Errorf("status: exit %d:\n%s", code, stdout)
	}
	accept.Store(true)
	before := posts.Load()
	if code, _, stderr := runCLI(t, "send", "--journal", journal, "--resume"); code != ExitOK || !strings.Contains(stderr, "3 of 3 files confirmed") {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if n := posts.Load() - before; n != 1 {
		t.Errorf("resume made %d STOW-RS requests, want 1", n)
	}
	if code, stdout, _ := runCLI(t, "send", "--journal", journal, "--status"); code != ExitOK || !strings.Contains(stdout, "done=true\t3/3 files") {
		t.Errorf("status: exit %d:\n%s", code, stdout)
	}
	page, err := a.QueryInstances(dicomarchive.WithPrincipal(context.Background(), "test"), &dicomarchive.Query{})
	if err != nil || len(page.Items) != 3 {
		t.Errorf("archive holds %d instances, want 3 (%v)", len(page.Items), err)
	}
}
