package dimse

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/internal/testutil"
	"github.com/radkit/radkit/synth"
)

// orthancREST calls Orthanc's REST API and decodes its JSON answer.
func orthancREST(t *testing.T, method, url string, body any, out any) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		t.Fatalf("orthanc %s %s: %s %s", method, url, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("orthanc %s %s: %v: %s", method, url, err, b)
		}
	}
}

// TestOrthanc exchanges a study with Orthanc's DICOM port in both
// directions: our SCU stores it and queries it (C-STORE, C-FIND, C-ECHO),
// then Orthanc, told to send it to our SCP, stores it back to us.
func TestOrthanc(t *testing.T) {
	base := testutil.OrthancURL(t)
	var sys struct {
		DicomAet  string
		DicomPort int
	}
	orthancREST(t, "GET", base+"/system", nil, &sys)
	scp := net.JoinHostPort("127.0.0.1", fmt.Sprint(sys.DicomPort))

	store := newMemStore()
	// Our C-FIND SCP answers from what Orthanc stored into it.
	finder := FindHandlerFunc(func(ctx context.Context, req *FindRequest, match func(*dicomio.Dataset) error) error {
		store.mu.Lock()
		c := &catalog{}
		for _, b := range store.files {
			f, err := dicomio.Parse(bytes.NewReader(b), &dicomio.ReadOptions{PixelData: dicomio.PixelDataSkip})
			if err != nil {
				store.mu.Unlock()
				return err
			}
			c.instances = append(c.instances, f.Dataset)
		}
		store.mu.Unlock()
		return c.ServeFind(ctx, req, match)
	})
	addr := startServer(t, &Server{Handler: store, Finder: finder, AETitle: "RADKITSCP"})
	_, port := hostPort(t, addr)
	name := fmt.Sprintf("radkit-dimse-%d", time.Now().UnixNano())
	orthancREST(t, "PUT", base+"/modalities/"+name, map[string]any{
		"AET": "RADKITSCP", "Host": "127.0.0.1", "Port": port,
		"AllowEcho": true, "AllowFind": true, "AllowStore": true,
	}, nil)
	t.Cleanup(func() { orthancREST(t, "DELETE", base+"/modalities/"+name, nil, nil) })

	paths, err := synth.WriteStudy(context.Background(), t.TempDir(), synth.CT, synth.Options{Seed: uint64(time.Now().UnixNano()), Slices: 4, Rows: 64, Columns: 64})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	dial := DialOptions{CalledAE: sys.DicomAet, CallingAE: "RADKITSCP"}
	if err := Echo(ctx, scp, &dial); err != nil {
		t.Fatal(err)
	}
	res, err := Send(ctx, scp, paths, &SendOptions{Dial: dial})
	if err != nil || res.Stored != len(paths) {
		t.Fatalf("send: %v, %+v", err, res)
	}
	first, err := dicomio.ReadFile(paths[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	studyUID := first.Dataset.String(dicomio.TagStudyInstanceUID)
	var found []struct{ ID string }
	orthancREST(t, "POST", base+"/tools/lookup", studyUID, &found)
	if len(found) != 1 {
		t.Fatalf("Orthanc knows the study %d times", len(found))
	}
	t.Cleanup(func() { orthancREST(t, "DELETE", base+"/studies/"+found[0].ID, nil, nil) })

	// C-FIND at the study and series levels.
	dial.Proposals = []Proposal{{AbstractSyntax: StudyRootFind, TransferSyntaxes: []string{dicomio.ExplicitVRLittleEndian, dicomio.ImplicitVRLittleEndian}}}
	a, err := Dial(ctx, scp, &dial)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(ctx)
	for _, level := range []string{"STUDY", "SERIES"} {
		var got []*dicomio.Dataset
		q := query(level, map[dicomio.Tag]string{dicomio.TagStudyInstanceUID: studyUID, dicomio.TagSeriesInstanceUID: "", dicomio.TagPatientID: ""})
		if err := a.Find(ctx, StudyRootFind, q, func(ds *dicomio.Dataset) error { got = append(got, ds); return nil }); err != nil {
			t.Fatalf("%s: %v", level, err)
		}
		if len(got) != 1 || got[0].String(dicomio.TagPatientID) != first.Dataset.String(dicomio.TagPatientID) {
			t.Fatalf("%s: %d matches", level, len(got))
		}
	}

	// Orthanc as SCU: echo, then store the study to our SCP.
	orthancREST(t, "POST", base+"/modalities/"+name+"/echo", "{}", nil)
	orthancREST(t, "POST", base+"/modalities/"+name+"/store", map[string]any{"Resources": []string{found[0].ID}, "Synchronous": true}, nil)
	if store.len() != len(paths) {
		t.Fatalf("received %d of %d instances from Orthanc", store.len(), len(paths))
	}
	for _, p := range paths {
		want := readFile(t, p)
		in, _ := splitPart10(bytes.NewReader(want))
		if !sameValues(datasetOf(t, store.files[in.SOPInstance]), datasetOf(t, want)) {
			t.Errorf("%s: data set differs after the round trip through Orthanc", p)
		}
	}

	// Orthanc as C-FIND SCU against our SCP.
	var q struct{ ID string }
	orthancREST(t, "POST", base+"/modalities/"+name+"/query", map[string]any{
		"Level": "Series", "Query": map[string]string{"StudyInstanceUID": studyUID, "SeriesInstanceUID": "", "Modality": ""},
	}, &q)
	var answers []map[string]struct{ Value any }
	orthancREST(t, "GET", base+"/queries/"+q.ID+"/answers?expand", nil, &answers)
	if len(answers) != 1 || answers[0]["0008,0060"].Value != "CT" {
		t.Fatalf("Orthanc's query found %+v", answers)
	}
}
