package dimse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/radkit/radkit/internal/testutil"

	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

// catalog is a toy archive for C-FIND: the headers of two synthetic
// studies (a CT of 3 slices, an MR of 2).
type catalog struct{ instances []*dicomio.Dataset }

func newCatalog(t *testing.T) *catalog {
	t.Helper()
	c := &catalog{}
	for i, kind := range []synth.Kind{synth.CT, synth.MR} {
		paths, err := synth.WriteStudy(context.Background(), t.TempDir(), kind, synth.Options{Seed: uint64(i + 1), Slices: 3 - i, Rows: 64, Columns: 64})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			f, err := dicomio.ReadFile(p, &dicomio.ReadOptions{PixelData: dicomio.PixelDataSkip})
			if err != nil {
				t.Fatal(err)
			}
			c.instances = append(c.instances, f.Dataset)
		}
	}
	return c
}

// ServeFind matches at the STUDY or SERIES level, one response per entity.
func (c *catalog) ServeFind(ctx context.Context, req *FindRequest, match func(*dicomio.Dataset) error) error {
	var key dicomio.Tag
	switch req.Level {
	case "STUDY":
		key = dicomio.TagStudyInstanceUID
	case "SERIES":
		key = dicomio.TagSeriesInstanceUID
	default:
		return &StatusError{Code: StatusUnableToProcess, Comment: "level not supported"}
	}
	var seen []string
	for _, ds := range c.instances {
		uid := ds.String(key)
		if slices.Contains(seen, uid) {
			continue
		}
		if rsp, ok := Match(req.Identifier, ds); ok {
			seen = append(seen, uid)
			if err := match(rsp); err != nil {
				return err
			}
		}
	}
	return nil
}

func query(level string, keys map[dicomio.Tag]string) *dicomio.Dataset {
	ds := dicomio.NewDataset()
	ds.MustSetStrings(TagQueryRetrieveLevel, dicomio.NewVR("CS"), level)
	for t, v := range keys {
		e, _ := dicomio.LookupTag(t)
		if v == "" {
			ds.Set(&dicomio.Element{Tag: t, VR: dicomio.NewVR(e.VR)})
		} else {
			ds.MustSetStrings(t, dicomio.NewVR(e.VR), v)
		}
	}
	return ds
}

func TestFind(t *testing.T) {
	cat := newCatalog(t)
	addr := startServer(t, &Server{Finder: cat})
	ctx := testCtx(t)
	a, err := Dial(ctx, addr, &DialOptions{Proposals: []Proposal{
		{AbstractSyntax: StudyRootFind, TransferSyntaxes: []string{dicomio.ExplicitVRLittleEndian, dicomio.ImplicitVRLittleEndian}},
		{AbstractSyntax: PatientRootFind, TransferSyntaxes: []string{dicomio.ImplicitVRLittleEndian}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(ctx)
	ct := cat.instances[0]
	for _, tc := range []struct {
		name  string
		model string
		q     *dicomio.Dataset
		want  int
	}{
		{"all studies", StudyRootFind, query("STUDY", map[dicomio.Tag]string{dicomio.TagStudyInstanceUID: "", dicomio.TagPatientName: ""}), 2},
		{"study by UID", StudyRootFind, query("STUDY", map[dicomio.Tag]string{dicomio.TagStudyInstanceUID: ct.String(dicomio.TagStudyInstanceUID)}), 1},
		{"series of modality CT", PatientRootFind, query("SERIES", map[dicomio.Tag]string{dicomio.TagModality: "CT", dicomio.TagSeriesInstanceUID: ""}), 1},
		{"wildcard patient ID", StudyRootFind, query("STUDY", map[dicomio.Tag]string{dicomio.TagPatientID: ct.String(dicomio.TagPatientID)[:3] + "*"}), 1},
		{"no match", StudyRootFind, query("SERIES", map[dicomio.Tag]string{dicomio.TagModality: "US"}), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []*dicomio.Dataset
			err := a.Find(ctx, tc.model, tc.q, func(ds *dicomio.Dataset) error { got = append(got, ds); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.want {
				t.Fatalf("%d matches, want %d", len(got), tc.want)
			}
			for _, ds := range got {
				for _, e := range tc.q.Elements() {
					if !ds.Has(e.Tag) {
						t.Errorf("response lacks %v", e.Tag)
					}
				}
			}
		})
	}
	// Stopping early cancels; the association stays usable.
	stop := errors.New("enough")
	err = a.Find(ctx, StudyRootFind, query("STUDY", map[dicomio.Tag]string{dicomio.TagStudyInstanceUID: ""}), func(*dicomio.Dataset) error { return stop })
	if !errors.Is(err, stop) {
		t.Fatalf("got %v", err)
	}
	err = a.Find(ctx, StudyRootFind, query("IMAGE", nil), func(*dicomio.Dataset) error { return nil })
	if !errors.Is(err, ErrFailure) {
		t.Fatalf("IMAGE level: %v", err)
	}
}

func TestDcmtkFindscuToServer(t *testing.T) {
	cat := newCatalog(t)
	addr := startServer(t, &Server{Finder: cat})
	h, p := hostPort(t, addr)
	ct := cat.instances[0]
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"study root, studies", []string{"-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID", "-k", "PatientName", "-k", "StudyDate"}, 2},
		{"patient root, series by study", []string{"-P", "-k", "QueryRetrieveLevel=SERIES", "-k", "StudyInstanceUID=" + ct.String(dicomio.TagStudyInstanceUID), "-k", "SeriesInstanceUID", "-k", "Modality"}, 1},
		{"study root, wildcard", []string{"-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "PatientID=" + ct.String(dicomio.TagPatientID)[:2] + "*"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			runTool(t, "findscu", append(append([]string{"-X", "-od", out}, tc.args...), h, p)...)
			files, _ := filepath.Glob(filepath.Join(out, "rsp*.dcm"))
			if len(files) != tc.want {
				t.Fatalf("%d responses, want %d", len(files), tc.want)
			}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := dicomio.Parse(bytes.NewReader(b), nil); err != nil {
					t.Errorf("%s: %v", f, err)
				}
			}
		})
	}
}

func TestMatch(t *testing.T) {
	ds := dicomio.NewDataset()
	ds.MustSetStrings(dicomio.TagPatientName, dicomio.NewVR("PN"), "DUPONT^Jean")
	ds.MustSetStrings(dicomio.NewTag(0x0008, 0x0020), dicomio.NewVR("DA"), "20240315")
	for _, tc := range []struct {
		tag  dicomio.Tag
		vr   string
		key  string
		want bool
	}{
		{dicomio.TagPatientName, "PN", "dupont*", true},
		{dicomio.TagPatientName, "PN", "DUP?NT^JEAN", true},
		{dicomio.TagPatientName, "PN", "MARTIN*", false},
		{dicomio.NewTag(0x0008, 0x0020), "DA", "20240101-20241231", true},
		{dicomio.NewTag(0x0008, 0x0020), "DA", "20240401-", false},
		{dicomio.NewTag(0x0008, 0x0020), "DA", "-20240315", true},
		{dicomio.TagPatientID, "LO", "", true},
		{dicomio.TagPatientID, "LO", "X", false},
	} {
		q := dicomio.NewDataset()
		if tc.key == "" {
			q.Set(&dicomio.Element{Tag: tc.tag, VR: dicomio.NewVR(tc.vr)})
		} else {
			q.MustSetStrings(tc.tag, dicomio.NewVR(tc.vr), tc.key)
		}
		if _, got := Match(q, ds); got != tc.want {
			t.Errorf("%v %q: got %v", tc.tag, tc.key, got)
		}
	}
	if !wildcard("a*b*c", "axxbyyc") || wildcard("a*b", "ac") || !wildcard("**", "") {
		t.Error("wildcard")
	}
}

// startDcmqrscp runs dcmtk's Q/R SCP (AE title RADKITQR, database in a
// temporary directory) on a free loopback port.
func startDcmqrscp(t *testing.T) string {
	t.Helper()
	bin := testutil.RequireTool(t, "dcmqrscp")
	db := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cfg := filepath.Join(t.TempDir(), "dcmqrscp.cfg")
	conf := fmt.Sprintf("NetworkTCPPort = %d\nMaxPDUSize = 16384\nMaxAssociations = 16\n\nHostTable BEGIN\nHostTable END\n\nVendorTable BEGIN\nVendorTable END\n\nAETable BEGIN\nRADKITQR %s RW (200, 1024mb) ANY\nAETable END\n", port, db)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	// Fork mode: in single-process mode (-s) dcmqrscp 3.6.7 exits after
	// the first association.
	cmd := exec.CommandContext(ctx, bin, "-c", cfg, strconv.Itoa(port))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("dcmqrscp output:\n%s", out.String())
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for range 100 { // bounded: 100 × 50ms
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			return addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("dcmqrscp did not start:\n%s", out.String())
	return ""
}

// Our SCU stores into dcmtk's Q/R SCP, then queries it.
func TestFindDcmqrscp(t *testing.T) {
	addr := startDcmqrscp(t)
	paths := writeStudy(t, 3)
	ctx := testCtx(t)
	dial := DialOptions{CalledAE: "RADKITQR"}
	if res, err := Send(ctx, addr, paths, &SendOptions{Dial: dial}); err != nil || res.Stored != len(paths) {
		t.Fatal(err)
	}
	f, err := dicomio.ReadFile(paths[0], &dicomio.ReadOptions{PixelData: dicomio.PixelDataSkip})
	if err != nil {
		t.Fatal(err)
	}
	dial.Proposals = []Proposal{{AbstractSyntax: StudyRootFind, TransferSyntaxes: []string{dicomio.ExplicitVRLittleEndian, dicomio.ImplicitVRLittleEndian}}}
	a, err := Dial(ctx, addr, &dial)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(ctx)
	var got []*dicomio.Dataset
	q := query("SERIES", map[dicomio.Tag]string{dicomio.TagStudyInstanceUID: f.Dataset.String(dicomio.TagStudyInstanceUID), dicomio.TagSeriesInstanceUID: "", dicomio.TagModality: ""})
	if err := a.Find(ctx, StudyRootFind, q, func(ds *dicomio.Dataset) error { got = append(got, ds); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].String(dicomio.TagSeriesInstanceUID) != f.Dataset.String(dicomio.TagSeriesInstanceUID) || got[0].String(dicomio.TagModality) != "CT" {
		t.Fatalf("got %d matches", len(got))
	}
}

func TestFindCancel(t *testing.T) {
	sent := make(chan int, 1)
	s := &Server{Finder: FindHandlerFunc(func(ctx context.Context, req *FindRequest, match func(*dicomio.Dataset) error) error {
		for i := range 2000 { // bounded: at most 2000 × 1 ms
			ds := dicomio.NewDataset()
			ds.MustSetStrings(dicomio.TagStudyInstanceUID, dicomio.UI, fmt.Sprintf("1.2.%d", i+1))
			if err := match(ds); err != nil {
				sent <- i
				if !errors.Is(err, ErrCancel) || ctx.Err() == nil {
					t.Errorf("match: %v, ctx: %v", err, ctx.Err())
				}
				return err
			}
			time.Sleep(time.Millisecond)
		}
		sent <- -1
		return nil
	})}
	addr := startServer(t, s)
	ctx := testCtx(t)
	a, err := Dial(ctx, addr, &DialOptions{Proposals: []Proposal{{AbstractSyntax: StudyRootFind, TransferSyntaxes: []string{dicomio.ImplicitVRLittleEndian}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(ctx)
	stop := errors.New("enough")
	n := 0
	err = a.Find(ctx, StudyRootFind, query("STUDY", nil), func(*dicomio.Dataset) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("got %v", err)
	}
	if i := <-sent; i < 0 || i > 1000 {
		t.Errorf("handler stopped after %d matches", i)
	}
	// The association is still in step.
	if err := a.Find(ctx, StudyRootFind, query("STUDY", nil), func(*dicomio.Dataset) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("second find: %v", err)
	}
}

func TestDcmtkFindscuCancel(t *testing.T) {
	var stoppedAt int
	s := &Server{Finder: FindHandlerFunc(func(ctx context.Context, req *FindRequest, match func(*dicomio.Dataset) error) error {
		for i := range 2000 { // bounded: at most 2000 × 1 ms
			ds := dicomio.NewDataset()
			ds.MustSetStrings(dicomio.TagStudyInstanceUID, dicomio.UI, fmt.Sprintf("1.2.%d", i+1))
			if err := match(ds); err != nil {
				stoppedAt = i
				return err
			}
			time.Sleep(time.Millisecond)
		}
		stoppedAt = -1
		return nil
	})}
	addr := startServer(t, s)
	h, p := hostPort(t, addr)
	out := runTool(t, "findscu", "-S", "--cancel", "2", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID", h, p)
	// Shutdown (at cleanup) waits for the association, so stoppedAt is
	// read after it is written.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if stoppedAt < 0 || stoppedAt > 1000 {
		t.Errorf("handler stopped at %d\n%s", stoppedAt, out)
	}
}
