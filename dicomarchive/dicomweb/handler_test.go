package dicomweb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/dicomweb"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

type object struct {
	sop, series, study string
	data               []byte
}

func ctStudy(t testing.TB, seed uint64, slices int) []object {
	t.Helper()
	var out []object
	err := synth.Study(context.Background(), synth.CT, synth.Options{Seed: seed, Slices: slices, Rows: 64, Columns: 64}, func(f *dicomio.File) error {
		if err := f.Dataset.SetStrings(dicomio.TagPatientName, dicomio.PN, "LEFÈVRE^Hélène"); err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := f.Write(&buf, nil); err != nil {
			return err
		}
		out = append(out, object{f.Dataset.String(dicomio.TagSOPInstanceUID), f.Dataset.String(dicomio.TagSeriesInstanceUID),
			f.Dataset.String(dicomio.TagStudyInstanceUID), buf.Bytes()})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func multipartBody(t testing.TB, parts [][]byte) (io.Reader, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/dicom"}})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p)
	}
	mw.Close()
	return &buf, fmt.Sprintf(`multipart/related; type="application/dicom"; boundary=%s`, mw.Boundary())
}

func server(t *testing.T, opts *dicomweb.Options) (*httptest.Server, *dicomarchive.Archive) {
	a, err := dicomarchive.Open(context.Background(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(dicomweb.NewHandler(a, opts))
	t.Cleanup(srv.Close)
	return srv, a
}

func do(t *testing.T, method, url, token, ctype, accept string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

type jsonObj map[string]struct {
	VR    string            `json:"vr"`
	Value []json.RawMessage `json:"Value"`
}

func (o jsonObj) str(tag string) string {
	a, ok := o[tag]
	if !ok || len(a.Value) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(a.Value[0], &s) == nil {
		return s
	}
	var pn map[string]string
	if json.Unmarshal(a.Value[0], &pn) == nil {
		return pn["Alphabetic"]
	}
	return string(a.Value[0])
}

func TestSTOWQIDOWADO(t *testing.T) {
	tokens := map[string]string{"secret-1": "dr.martin"}
	srv, a := server(t, &dicomweb.Options{Authenticate: dicomweb.BearerTokens(tokens)})
	objs := ctStudy(t, 1, 3)

	body, ct := multipartBody(t, [][]byte{objs[0].data, objs[1].data, objs[2].data, []byte("not dicom")})
	if resp, _ := do(t, "POST", srv.URL+"/studies", "", ct, "", body); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unauthenticated STOW: %s", resp.Status)
	}
	body, ct = multipartBody(t, [][]byte{objs[0].data, objs[1].data, objs[2].data, []byte("not dicom")})
	resp, b := do(t, "POST", srv.URL+"/studies", "secret-1", ct, "", body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("STOW with one bad part: %s %s", resp.Status, b)
	}
	var stow jsonObj
	if err := json.Unmarshal(b, &stow); err != nil {
		t.Fatal(err)
	}
	if n := len(stow["00081199"].Value); n != 3 {
		t.Fatalf("%d referenced instances in %s", n, b)
	}
	if n := len(stow["00081198"].Value); n != 1 {
		t.Fatalf("%d failed instances in %s", n, b)
	}
	// Resending is fine (idempotent); a conflicting object is refused.
	body, ct = multipartBody(t, [][]byte{objs[0].data})
	if resp, b := do(t, "POST", srv.URL+"/studies", "secret-1", ct, "", body); resp.StatusCode != http.StatusOK {
		t.Fatalf("resend: %s %s", resp.Status, b)
	}
	altered := bytes.Replace(objs[0].data, []byte("LEF"), []byte("LEV"), 1)
	body, ct = multipartBody(t, [][]byte{altered})
	if resp, b := do(t, "POST", srv.URL+"/studies", "secret-1", ct, "", body); resp.StatusCode != http.StatusConflict || !strings.Contains(string(b), "273") {
		t.Fatalf("conflict: %s %s", resp.Status, b)
	}

	// STOW to a study refuses objects of another study.
	other := ctStudy(t, 2, 1)
	body, ct = multipartBody(t, [][]byte{other[0].data})
	if resp, b := do(t, "POST", srv.URL+"/studies/"+objs[0].study, "secret-1", ct, "", body); resp.StatusCode != http.StatusConflict {
		t.Fatalf("STOW of another study: %s %s", resp.Status, b)
	}
	if _, err := a.Instance(dicomarchive.WithPrincipal(context.Background(), "dr.martin"), other[0].sop); err == nil {
		t.Fatal("object of another study stored")
	}

	// QIDO.
	resp, b = do(t, "GET", srv.URL+"/studies?PatientName=lefevre*&00080061=CT&StudyDate=19000101-&includefield=all", "secret-1", "", "application/dicom+json", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("QIDO: %s %s", resp.Status, b)
	}
	if !strings.Contains(resp.Header.Get("Warning"), "includefield") {
		t.Errorf("no warning for an unsupported parameter: %q", resp.Header.Get("Warning"))
	}
	var studies []jsonObj
	json.Unmarshal(b, &studies)
	if len(studies) != 1 || studies[0].str("0020000D") != objs[0].study || studies[0].str("00100010") != "LEFÈVRE^Hélène" {
		t.Fatalf("QIDO studies: %s", b)
	}
	resp, _ = do(t, "GET", srv.URL+"/studies?PatientName=dupont*", "secret-1", "", "", nil)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("empty QIDO: %s", resp.Status)
	}
	resp, b = do(t, "GET", srv.URL+"/studies/"+objs[0].study+"/series/"+objs[0].series+"/instances?limit=2", "secret-1", "", "", nil)
	var insts []jsonObj
	json.Unmarshal(b, &insts)
	if resp.StatusCode != 200 || len(insts) != 2 || !strings.Contains(resp.Header.Get("Warning"), "additional results") {
		t.Fatalf("QIDO instances: %s %s %q", resp.Status, b, resp.Header.Get("Warning"))
	}
	if resp, _ := do(t, "GET", srv.URL+"/studies?StudyDate=2024", "secret-1", "", "", nil); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad date: %s", resp.Status)
	}

	// WADO: one instance as stored, then the study.
	resp, b = do(t, "GET", fmt.Sprintf("%s/studies/%s/series/%s/instances/%s", srv.URL, objs[1].study, objs[1].series, objs[1].sop),
		"secret-1", "", `multipart/related; type="application/dicom"; transfer-syntax=*`, nil)
	parts := readParts(t, resp, b)
	if resp.StatusCode != 200 || len(parts) != 1 || !bytes.Equal(parts[0], objs[1].data) {
		t.Fatalf("WADO instance: %s, %d parts", resp.Status, len(parts))
	}
	resp, b = do(t, "GET", srv.URL+"/studies/"+objs[0].study, "secret-1", "", "", nil)
	if parts := readParts(t, resp, b); len(parts) != 3 {
		t.Fatalf("WADO study: %d parts", len(parts))
	}
	resp, _ = do(t, "GET", fmt.Sprintf("%s/studies/%s/series/%s/instances/%s", srv.URL, "1.2.3", objs[1].series, objs[1].sop), "secret-1", "", "", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("instance under the wrong study: %s", resp.Status)
	}

	// Metadata and frames.
	resp, b = do(t, "GET", srv.URL+"/studies/"+objs[0].study+"/metadata", "secret-1", "", "", nil)
	var meta []jsonObj
	if err := json.Unmarshal(b, &meta); err != nil || len(meta) != 3 || meta[0].str("00100010") != "LEFÈVRE^Hélène" {
		t.Fatalf("metadata: %s %v %s", resp.Status, err, b[:min(len(b), 300)])
	}
	if !strings.Contains(string(b), `"7FE00010":{"vr":"OW","BulkDataURI"`) {
		t.Fatalf("pixel data not a bulk data URI")
	}
	resp, b = do(t, "GET", fmt.Sprintf("%s/studies/%s/series/%s/instances/%s/frames/1", srv.URL, objs[2].study, objs[2].series, objs[2].sop), "secret-1", "", "", nil)
	frames := readParts(t, resp, b)
	if resp.StatusCode != 200 || len(frames) != 1 || len(frames[0]) != 64*64*2 {
		t.Fatalf("frames: %s, %d parts", resp.Status, len(frames))
	}

	// Every request went into the trail under the token's principal.
	var principals = map[string]int{}
	a.AuditEntries(context.Background(), 1, func(e dicomarchive.AuditEntry) error {
		principals[e.Principal]++
		return nil
	})
	if principals["dr.martin"] < 10 || len(principals) != 1 {
		t.Fatalf("principals in the trail: %v", principals)
	}
}

func readParts(t *testing.T, resp *http.Response, body []byte) [][]byte {
	t.Helper()
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("response %s is not multipart: %q %s", resp.Status, resp.Header.Get("Content-Type"), body)
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var out [][]byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		out = append(out, b)
	}
}

func TestParseQuery(t *testing.T) {
	q, warn, err := dicomweb.ParseQuery("PatientName=Lef%C3%A8vre*&00100020=IPP1&StudyDate=20240101-20241231&limit=20&offset=40&fuzzymatching=true")
	if err != nil {
		t.Fatal(err)
	}
	if q.PatientName != "Lefèvre*" || q.PatientID != "IPP1" || q.Limit != 20 || q.Offset != 40 ||
		q.StudyDateFrom.Format("20060102") != "20240101" || q.StudyDateTo.Format("20060102") != "20241231" || len(warn) != 1 {
		t.Fatalf("%+v %v", q, warn)
	}
	for _, bad := range []string{"limit=-1", "offset=x", "StudyDate=2024-13-01", "PatientName=%zz", "StudyDate=%"} {
		if _, _, err := dicomweb.ParseQuery(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
