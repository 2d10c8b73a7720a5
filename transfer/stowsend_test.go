package transfer

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/dicomweb"
	"github.com/radkit/radkit/dicomio"
)

// stowRecorder wraps a DICOMweb handler and records the SOP Instance UIDs
// of the instances each STOW-RS request carried.
type stowRecorder struct {
	h  http.Handler
	mu sync.Mutex
	n  map[string]int // UID -> requests that carried it
}

func (s *stowRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return // cut by the sender: nothing reached the archive
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			if m, err := dicomio.ReadMeta(bufio.NewReader(p)); err == nil {
				s.mu.Lock()
				s.n[m.Meta.String(dicomio.TagMediaStorageSOPInstanceUID)]++
				s.mu.Unlock()
			}
		}
	}
	s.h.ServeHTTP(w, r)
}

func (s *stowRecorder) reset() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.n
	s.n = map[string]int{}
	return n
}

// startDICOMweb runs radkit's DICOMweb service over a fresh archive.
func startDICOMweb(t *testing.T) (root string, a *dicomarchive.Archive, rec *stowRecorder) {
	t.Helper()
	a, err := dicomarchive.Open(context.Background(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	rec = &stowRecorder{h: dicomweb.NewHandler(a, nil), n: map[string]int{}}
	return serve(t, rec), a, rec
}

const stowChildEnv = "RADKIT_TRANSFER_STOW_KILL_CHILD"

// TestStowKillChild is the sending process TestStowKillResume starts and
// kills; it does nothing in a normal run.
func TestStowKillChild(t *testing.T) {
	spec := os.Getenv(stowChildEnv)
	if spec == "" {
		t.Skip("child process of TestStowKillResume only")
	}
	lines := strings.Split(spec, "\n")
	root, jpath, paths := lines[0], lines[1], lines[2:]
	j, err := OpenJournal(jpath, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := NewStowClient(root, StowOptions{MaxInstances: 2, Limiter: NewRateLimiter(256 << 10)})
	NewStowSender(c, SenderOptions{Journal: j, Parallel: 2}).Send(context.Background(), Job{ID: "killed", Paths: paths})
	t.Fatal("the child should have been killed before the end")
}

// TestStowKillResume kills (SIGKILL) a process storing a study with
// STOW-RS, then resumes the job from its journal: the instances the
// archive had listed as stored (and the journal recorded) are not sent
// again, the others are, and at the end the archive holds every instance.
func TestStowKillResume(t *testing.T) {
	root, a, rec := startDICOMweb(t)
	paths := writeStudy(t, 12, 128)
	jpath := filepath.Join(t.TempDir(), "journal")
	cmd := exec.Command(os.Args[0], "-test.run=^TestStowKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), stowChildEnv+"="+strings.Join(append([]string{root, jpath}, paths...), "\n"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, _ := os.ReadFile(jpath)
		if bytes.Count(data, []byte(`"op":"sent"`)) >= 4 {
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
	before := rec.reset()

	j, err := OpenJournal(jpath, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	js := j.Job("killed")
	if js == nil || js.Done || js.Protocol != "stow" || js.Destination != root {
		t.Fatalf("job after kill: %+v", js)
	}
	confirmed := map[string]bool{}
	for _, f := range js.Files {
		if f.Outcome == OutcomeSent {
			confirmed[f.SOPInstanceUID] = true
			if before[f.SOPInstanceUID] == 0 {
				t.Errorf("journal has %s stored, the archive never received it", f.SOPInstanceUID)
			}
		}
	}
	if len(confirmed) == len(paths) {
		t.Fatal("killed after the end")
	}
	c, _ := NewStowClient(js.Destination, StowOptions{MaxInstances: 2})
	rep, err := NewStowSender(c, SenderOptions{Journal: j, Parallel: 2}).Send(t.Context(), Job{ID: "killed"})
	if err != nil {
		t.Fatal(err)
	}
	after := rec.reset()
	ctx := dicomarchive.WithPrincipal(t.Context(), "test")
	already := 0
	for _, f := range rep.Files {
		if f.AlreadySent {
			already++
		}
		switch {
		case confirmed[f.SOPInstanceUID] && after[f.SOPInstanceUID] != 0:
			t.Errorf("%s sent again after it was confirmed", f.SOPInstanceUID)
		case !confirmed[f.SOPInstanceUID] && after[f.SOPInstanceUID] != 1:
			t.Errorf("%s, not confirmed, sent %d times on resume", f.SOPInstanceUID, after[f.SOPInstanceUID])
		}
		if f.Outcome != OutcomeSent {
			t.Errorf("%+v", f)
		}
		if _, err := a.Instance(ctx, f.SOPInstanceUID); err != nil {
			t.Errorf("%s not in the archive: %v", f.SOPInstanceUID, err)
		}
	}
	t.Logf("killed with %d of %d instances confirmed; resume sent %d", len(confirmed), len(paths), len(after))
	if already != len(confirmed) {
		t.Errorf("resume skipped %d instances, the journal had %d confirmed", already, len(confirmed))
	}
	if j2 := j.Job("killed"); !j2.Done {
		t.Error("job not done after the resume")
	}
}

// TestStowSenderOrthanc sends a study to a real Orthanc through a
// journalled STOW-RS sender: every instance confirmed, the journal has
// each one stored, and sending the job again sends nothing.
func TestStowSenderOrthanc(t *testing.T) {
	base, auth := orthanc(t)
	paths := writeStudy(t, 5, 64)
	j, err := OpenJournal(filepath.Join(t.TempDir(), "journal"), JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	c, err := NewStowClient(base+"/dicom-web", StowOptions{Authenticate: auth, MaxInstances: 2})
	if err != nil {
		t.Fatal(err)
	}
	snd := NewStowSender(c, SenderOptions{Journal: j, Parallel: 2})
	rep, err := snd.Send(t.Context(), Job{ID: "orthanc", Paths: paths})
	if err != nil {
		t.Fatal(err)
	}
	js := j.Job("orthanc")
	for _, f := range rep.Files {
		if f.Outcome != OutcomeSent || f.AlreadySent {
			t.Errorf("%+v", f)
		}
		if fs := js.Files[f.SOPInstanceUID+"/"+f.SHA256]; fs == nil || fs.Outcome != OutcomeSent {
			t.Errorf("journal: %+v", fs)
		}
	}
	if !js.Done || js.Protocol != "stow" {
		t.Errorf("job: %+v", js)
	}
	rep, err = snd.Send(t.Context(), Job{ID: "orthanc"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Files {
		if !f.AlreadySent || f.Stats.Requests != 0 {
			t.Errorf("sent again: %+v", f)
		}
	}
}
