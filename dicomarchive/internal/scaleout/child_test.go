package scaleout

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

// childEnv carries a childSpec to a re-executed test binary, which then
// acts as one archive process instead of running tests.
const childEnv = "RADKIT_SCALEOUT_CHILD"

// childSpec is what one archive process does.
type childSpec struct {
	Mode    string // "ingest", "reconcile" or "check"
	Backend Backend
	Node    string // principal of its calls, e.g. "node-a"

	// ingest: the studies (synth seeds) to store, in order, by
	// Goroutines goroutines; with Gate, after a line on stdin. HoldAt > 0
	// blocks the HoldAt-th index insert of the last seed forever, after
	// its blob is committed, announcing "HOLD <digest>": the parent kills
	// the process there, leaving an orphan blob.
	Seeds      []uint64
	Slices     int
	Goroutines int
	Gate       bool
	HoldAt     int

	// reconcile and check: the patient, as received, and the values to
	// set (reconcile) or expect (check); the study and an instance of it
	// to look at (check).
	PatientID, Issuer string
	Name, INS         string
	StudyUID, SOPUID  string
}

func TestMain(m *testing.M) {
	if s := os.Getenv(childEnv); s != "" {
		os.Exit(runChild(s))
	}
	os.Exit(m.Run())
}

// studyObjects returns the Part 10 bytes of a small synthetic CT study,
// the same bytes in every process for the same seed.
func studyObjects(ctx context.Context, seed uint64, slices int) ([][]byte, error) {
	var out [][]byte
	err := synth.Study(ctx, synth.CT, synth.Options{Seed: seed, Slices: slices, Rows: 64, Columns: 64}, func(f *dicomio.File) error {
		var buf bytes.Buffer
		if err := f.Write(&buf, nil); err != nil {
			return err
		}
		out = append(out, buf.Bytes())
		return nil
	})
	return out, err
}

// out serialises the child's protocol lines.
type out struct{ mu sync.Mutex }

func (o *out) println(a ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Println(a...)
}

func runChild(specJSON string) int {
	var o out
	var spec childSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		o.println("ERR spec:", err)
		return 2
	}
	ctx := dicomarchive.WithPrincipal(context.Background(), spec.Node)
	var wrap Wrap
	hold := &holdIndex{o: &o}
	if spec.HoldAt > 0 {
		wrap = hold.wrap
	}
	n, err := Open(ctx, spec.Backend, nil, wrap)
	if err != nil {
		o.println("ERR open:", err)
		return 2
	}
	defer n.Close()
	a := n.Archive
	fail := func(err error) int {
		o.println("ERR", strings.ReplaceAll(err.Error(), "\n", " "))
		return 1
	}
	switch spec.Mode {
	case "ingest":
		o.println("READY")
		if spec.Gate {
			bufio.NewReader(os.Stdin).ReadString('\n')
		}
		for i, seed := range spec.Seeds {
			objs, err := studyObjects(ctx, seed, spec.Slices)
			if err != nil {
				return fail(err)
			}
			if i == len(spec.Seeds)-1 && spec.HoldAt > 0 {
				hold.arm(spec.HoldAt)
			}
			if err := storeAll(ctx, a, objs, max(spec.Goroutines, 1), &o); err != nil {
				return fail(err)
			}
		}
	case "reconcile":
		p, err := a.FindPatient(ctx, spec.PatientID, spec.Issuer)
		if err != nil {
			return fail(err)
		}
		if spec.Name != "" {
			err = a.UpdatePatient(ctx, p.Key, dicomarchive.Identity{Name: spec.Name})
		}
		if err == nil && spec.INS != "" {
			err = a.AttachINS(ctx, p.Key, spec.INS)
		}
		if err != nil {
			return fail(err)
		}
	case "check":
		if err := checkReconciled(ctx, a, &spec); err != nil {
			return fail(err)
		}
	default:
		return fail(fmt.Errorf("unknown mode %q", spec.Mode))
	}
	o.println("DONE")
	return 0
}

// storeAll stores objs with g goroutines, printing "ACK sop digest dup"
// once each store returned.
func storeAll(ctx context.Context, a *dicomarchive.Archive, objs [][]byte, g int, o *out) error {
	jobs := make(chan []byte)
	errs := make(chan error, g)
	var wg sync.WaitGroup
	for range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				res, err := a.Store(ctx, bytes.NewReader(b), nil)
				if err != nil {
					errs <- err
					return
				}
				o.println("ACK", res.Instance.SOPInstanceUID, res.Instance.Digest, res.Duplicate)
			}
		}()
	}
	var err error
feed:
	for _, b := range objs {
		select {
		case jobs <- b:
		case err = <-errs:
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}

// checkReconciled checks, in this process, what another process's
// reconciliation set: the patient record, a query on the new values, and
// the identity coerced into a retrieved object.
func checkReconciled(ctx context.Context, a *dicomarchive.Archive, s *childSpec) error {
	p, err := a.FindPatient(ctx, s.PatientID, s.Issuer)
	if err != nil {
		return err
	}
	if !p.Reconciled {
		return fmt.Errorf("patient %d not marked reconciled", p.Key)
	}
	q := &dicomarchive.Query{StudyInstanceUID: s.StudyUID}
	if s.Name != "" {
		if p.Name != s.Name {
			return fmt.Errorf("patient %d: name %q, want %q", p.Key, p.Name, s.Name)
		}
		q.PatientName = s.Name
	}
	if s.INS != "" {
		if p.INS != s.INS {
			return fmt.Errorf("patient %d: INS %q, want %q", p.Key, p.INS, s.INS)
		}
		q.INS = s.INS
	}
	pg, err := a.QueryStudies(ctx, q)
	if err != nil {
		return err
	}
	if len(pg.Items) != 1 || pg.Items[0].Patient.Key != p.Key {
		return fmt.Errorf("query %+v: %d studies, want the study of patient %d", q, len(pg.Items), p.Key)
	}
	obj, err := a.Open(ctx, s.SOPUID, nil)
	if err != nil {
		return err
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		return err
	}
	f, err := dicomio.Parse(bytes.NewReader(b), nil)
	if err != nil {
		return err
	}
	if s.Name != "" {
		if got := f.Dataset.String(dicomio.TagPatientName); got != s.Name {
			return fmt.Errorf("retrieved %s: PatientName %q, want %q (coerced: %v)", s.SOPUID, got, s.Name, obj.Coerced)
		}
	}
	if len(obj.Coerced) == 0 {
		return fmt.Errorf("retrieved %s: nothing coerced", s.SOPUID)
	}
	return nil
}

// holdIndex blocks one index insert, after the blob was committed.
type holdIndex struct {
	dicomarchive.Index
	audited dicomarchive.AuditedIndex
	o       *out

	mu    sync.Mutex
	armed bool
	left  int
}

func (h *holdIndex) wrap(c *dicomarchive.Composer) {
	h.Index, h.audited = c.Index, c.Audited
	c.Index = h
	if c.Audited != nil {
		c.Audited = h
	}
}

func (h *holdIndex) arm(n int) {
	h.mu.Lock()
	h.armed, h.left = true, n
	h.mu.Unlock()
}

func (h *holdIndex) maybeHold(d dicomarchive.Digest) {
	h.mu.Lock()
	hold := false
	if h.armed {
		h.left--
		hold = h.left == 0
	}
	h.mu.Unlock()
	if hold {
		h.o.println("HOLD", d)
		time.Sleep(time.Hour) // until killed
	}
}

func (h *holdIndex) PutInstance(ctx context.Context, r *dicomarchive.Record) (dicomarchive.Instance, bool, error) {
	h.maybeHold(r.Instance.Digest)
	return h.Index.PutInstance(ctx, r)
}

func (h *holdIndex) PutInstanceAudited(ctx context.Context, r *dicomarchive.Record, e *dicomarchive.AuditEntry) (dicomarchive.Instance, bool, dicomarchive.AuditEntry, error) {
	h.maybeHold(r.Instance.Digest)
	return h.audited.PutInstanceAudited(ctx, r, e)
}

// child is a running archive process, seen from the test.
type child struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan []string // protocol lines, split into fields; closed at EOF
	errs  []string
	mu    sync.Mutex
}

// startChild starts an archive process doing spec.
func startChild(t *testing.T, spec childSpec) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(js))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd, stdin: stdin, lines: make(chan []string, 1024)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) > 0 && f[0] == "ERR" {
				c.mu.Lock()
				c.errs = append(c.errs, sc.Text())
				c.mu.Unlock()
			}
			c.lines <- f
		}
		io.Copy(io.Discard, stdout)
	}()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			c.cmd.Process.Kill()
			c.cmd.Wait()
		}
	})
	return c
}

// waitFor reads lines until one starting with word, and returns it.
func (c *child) waitFor(word string, fn func([]string)) []string {
	c.t.Helper()
	for f := range c.lines {
		if len(f) > 0 && f[0] == word {
			return f
		}
		if fn != nil {
			fn(f)
		}
	}
	return nil
}

// finish reads every remaining line, waits for the process and fails
// the test if it did not end well.
func (c *child) finish(fn func([]string)) {
	c.t.Helper()
	done := false
	for f := range c.lines {
		if len(f) > 0 && f[0] == "DONE" {
			done = true
		} else if fn != nil {
			fn(f)
		}
	}
	err := c.cmd.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil || !done || len(c.errs) > 0 {
		c.t.Fatalf("archive process: %v, finished %v, errors %q", err, done, c.errs)
	}
}

// kill ends the process with SIGKILL, drains its output through fn and
// reports whether the kill interrupted it (it had not finished).
func (c *child) kill(fn func([]string)) bool {
	c.cmd.Process.Kill()
	finished := false
	for f := range c.lines {
		if len(f) > 0 && f[0] == "DONE" {
			finished = true
		} else if fn != nil {
			fn(f)
		}
	}
	c.cmd.Wait()
	return !finished
}

// run starts spec and waits for it to finish well.
func run(t *testing.T, spec childSpec) {
	t.Helper()
	startChild(t, spec).finish(nil)
}
