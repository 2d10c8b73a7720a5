package transfer

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSenderConcatJournal: a journalled sender sends large files as
// partial uploads plus a final concatenation when the receiver offers it,
// journals each part, and a second run sends nothing.
func TestSenderConcatJournal(t *testing.T) {
	sink := newMemSink()
	endpoint, _ := startReceiver(t, ReceiverOptions{Sink: sink, RequireDigest: true})
	paths := writeStudy(t, 3, 256) // about 130 KiB each
	j, err := OpenJournal(filepath.Join(t.TempDir(), "journal"), JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	c, _ := NewClient(endpoint, ClientOptions{ChunkSize: 16 << 10, Parts: 3, PartThreshold: 64 << 10, Checksum: "sha256"})
	snd := NewSender(c, SenderOptions{Journal: j, Parallel: 2})
	rep, err := snd.Send(t.Context(), Job{ID: "big", Paths: paths})
	if err != nil {
		t.Fatal(err)
	}
	js := j.Job("big")
	for i, f := range rep.Files {
		if n := sink.count(fileSHA(t, paths[i])); n != 1 {
			t.Errorf("file %d stored %d times", i, n)
		}
		fs := js.Files[f.SOPInstanceUID+"/"+f.SHA256]
		if fs == nil || len(fs.Parts) != 3 || !fs.Concat || fs.Outcome != OutcomeSent || fs.URL == "" {
			t.Fatalf("journal of file %d: %+v", i, fs)
		}
		for k, p := range fs.Parts {
			if p.URL == "" || p.Offset != NewParts(f.Size, 3)[k].Size {
				t.Errorf("file %d part %d: %+v", i, k, p)
			}
		}
		if f.Stats.BytesSent != f.Size {
			t.Errorf("file %d: %d bytes sent for %d", i, f.Stats.BytesSent, f.Size)
		}
	}
	rep, err = snd.Send(t.Context(), Job{ID: "big"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Files {
		if !f.AlreadySent || f.Stats.BytesSent != 0 {
			t.Errorf("resent %+v", f)
		}
	}
}

// TestSenderConcatFinalUnknown: the sender crashed after the receiver
// answered the final concatenation request but before the outcome was
// journalled. Resuming sends the final request again; the receiver
// answers with the upload it made, so the instance is stored once.
func TestSenderConcatFinalUnknown(t *testing.T) {
	sink := newMemSink()
	endpoint, _ := startReceiver(t, ReceiverOptions{Sink: sink, RequireDigest: true})
	paths := writeStudy(t, 1, 256)
	jpath := filepath.Join(t.TempDir(), "journal")
	j, err := OpenJournal(jpath, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := NewClient(endpoint, ClientOptions{ChunkSize: 16 << 10, Parts: 4, PartThreshold: 64 << 10})
	rep, err := NewSender(c, SenderOptions{Journal: j}).Send(t.Context(), Job{ID: "x", Paths: paths})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	finalURL := rep.Files[0].URL
	// Drop the "sent" and "done" records: what a crash right after the
	// final request leaves.
	data, _ := os.ReadFile(jpath)
	var kept []string
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if !strings.Contains(l, `"op":"sent"`) && !strings.Contains(l, `"op":"done"`) {
			kept = append(kept, l)
		}
	}
	if err := os.WriteFile(jpath, []byte(strings.Join(kept, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err = OpenJournal(jpath, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if p := j.Pending(); len(p) != 1 {
		t.Fatalf("pending: %+v", p)
	}
	for _, f := range j.Job("x").Files {
		if !f.Concat || f.Outcome != OutcomePending {
			t.Fatalf("journal: %+v", f)
		}
	}
	rep, err = NewSender(c, SenderOptions{Journal: j}).Send(t.Context(), Job{ID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Files[0]
	if f.AlreadySent || f.Stats.BytesSent != 0 || f.URL != finalURL {
		t.Errorf("resume: %+v, want no byte sent and URL %s", f, finalURL)
	}
	if n := sink.count(fileSHA(t, paths[0])); n != 1 {
		t.Errorf("stored %d times", n)
	}
}

const killChildEnv = "RADKIT_TRANSFER_CONCAT_KILL_CHILD"

// TestConcatKillChild is the sending process TestConcatKillResume starts
// and kills; it does nothing in a normal run.
func TestConcatKillChild(t *testing.T) {
	spec := os.Getenv(killChildEnv)
	if spec == "" {
		t.Skip("child process of TestConcatKillResume only")
	}
	lines := strings.Split(spec, "\n")
	endpoint, jpath, paths := lines[0], lines[1], lines[2:]
	j, err := OpenJournal(jpath, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := NewClient(endpoint, ClientOptions{ChunkSize: 8 << 10, Parts: 4, PartThreshold: 64 << 10, Limiter: NewRateLimiter(384 << 10)})
	NewSender(c, SenderOptions{Journal: j, Parallel: 2}).Send(context.Background(), Job{ID: "killed", Paths: paths})
	t.Fatal("the child should have been killed before the end")
}

// TestConcatKillResume kills (SIGKILL) a process sending large files as
// parallel parts, then resumes the job from its journal: every instance
// is stored exactly once, files confirmed before the kill are not sent
// again, and the parts continue from their confirmed offsets.
func TestConcatKillResume(t *testing.T) {
	sink := newMemSink()
	endpoint, _ := startReceiver(t, ReceiverOptions{Sink: sink, RequireDigest: true})
	paths := writeStudy(t, 6, 256)
	jpath := filepath.Join(t.TempDir(), "journal")
	cmd := exec.Command(os.Args[0], "-test.run=^TestConcatKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+strings.Join(append([]string{endpoint, jpath}, paths...), "\n"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, _ := os.ReadFile(jpath)
		if bytes.Count(data, []byte(`"op":"sent"`)) >= 2 && bytes.Count(data, []byte(`"part":`)) >= 40 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child made no progress in 30 s:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	j, err := OpenJournal(jpath, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	js := j.Job("killed")
	if js == nil || js.Done {
		t.Fatalf("job after kill: %+v", js)
	}
	var owed int64
	sentBefore, inParts := 0, 0
	for _, f := range js.Files {
		if f.Outcome == OutcomeSent {
			sentBefore++
			continue
		}
		if len(f.Parts) > 0 {
			inParts++
			for k, p := range f.Parts {
				owed += NewParts(f.Size, len(f.Parts))[k].Size - p.Offset
			}
		} else {
			owed += f.Size - f.Offset
		}
	}
	known := map[string]bool{}
	for _, f := range js.Files {
		known[f.Path] = true
	}
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && !known[p] {
			owed += fi.Size()
		}
	}
	if inParts == 0 {
		t.Fatalf("no file in the middle of its parts at the kill")
	}
	c, _ := NewClient(js.Destination, ClientOptions{ChunkSize: 8 << 10, Parts: 4, PartThreshold: 64 << 10})
	rep, err := NewSender(c, SenderOptions{Journal: j, Parallel: 2}).Send(t.Context(), Job{ID: "killed"})
	if err != nil {
		t.Fatal(err)
	}
	var resent int64
	already := 0
	for i, f := range rep.Files {
		resent += f.Stats.BytesSent
		if f.AlreadySent {
			already++
		}
		if n := sink.count(fileSHA(t, paths[i])); n != 1 {
			t.Errorf("instance %d stored %d times", i, n)
		}
	}
	t.Logf("killed with %d files confirmed, %d in parts; resume sent %d bytes for %d owed", sentBefore, inParts, resent, owed)
	if already != sentBefore {
		t.Errorf("resume skipped %d files, the journal had %d confirmed", already, sentBefore)
	}
	if resent > owed {
		t.Errorf("resume sent %d bytes, more than the %d not confirmed", resent, owed)
	}
}

// hideConcat serves h but leaves concatenation out of the extensions it
// advertises, as a server without it would.
type hideConcat struct{ h http.Handler }

func (x hideConcat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions {
		x.h.ServeHTTP(editHeader{w}, r)
		return
	}
	if r.Header.Get("Upload-Concat") != "" {
		http.Error(w, "no concatenation here", http.StatusBadRequest)
		return
	}
	x.h.ServeHTTP(w, r)
}

type editHeader struct{ http.ResponseWriter }

func (e editHeader) WriteHeader(code int) {
	h := e.Header()
	h.Set("Tus-Extension", strings.ReplaceAll(h.Get("Tus-Extension"), ",concatenation", ""))
	e.ResponseWriter.WriteHeader(code)
}

// TestSenderPlainWithoutConcatenation: with Parts set, a server that does
// not advertise concatenation gets plain uploads.
func TestSenderPlainWithoutConcatenation(t *testing.T) {
	sink := newMemSink()
	rc, err := NewReceiver(ReceiverOptions{Dir: t.TempDir(), Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	endpoint := serve(t, hideConcat{rc}) + "/files/"
	paths := writeStudy(t, 2, 256)
	j, err := OpenJournal(filepath.Join(t.TempDir(), "journal"), JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	c, _ := NewClient(endpoint, ClientOptions{ChunkSize: 16 << 10, Parts: 4, PartThreshold: 64 << 10})
	rep, err := NewSender(c, SenderOptions{Journal: j}).Send(t.Context(), Job{ID: "p", Paths: paths})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range rep.Files {
		if fs := j.Job("p").Files[f.SOPInstanceUID+"/"+f.SHA256]; fs == nil || fs.Parts != nil || fs.Outcome != OutcomeSent {
			t.Errorf("journal of file %d: %+v", i, fs)
		}
		if n := sink.count(fileSHA(t, paths[i])); n != 1 {
			t.Errorf("file %d stored %d times", i, n)
		}
	}
}
