package dicomweb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/dicomweb"
	"github.com/radkit/radkit/internal/testutil"
)

func orthanc(t *testing.T, method, url string, body []byte, out any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("orthanc %s %s: %s %s", method, url, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("orthanc %s %s: %v: %s", method, url, err, b)
		}
	}
}

// TestOrthancInterop uses Orthanc's DICOMweb plugin as a real external
// client: radkit is declared to Orthanc as a remote DICOMweb server (with
// a bearer token, so that the auth hook is exercised), Orthanc pushes a
// study to radkit by STOW-RS, searches it by QIDO-RS and retrieves it by
// WADO-RS.
func TestOrthancInterop(t *testing.T) {
	base := testutil.OrthancURL(t)
	a, err := dicomarchive.Open(context.Background(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	const token = "orthanc-test-token"
	srv := httptest.NewServer(dicomweb.NewHandler(a, &dicomweb.Options{
		Authenticate: dicomweb.BearerTokens(map[string]string{token: "orthanc"}),
	}))
	defer srv.Close()

	objs := ctStudy(t, uint64(time.Now().UnixNano()%1000000), 4)
	var studyID string
	for _, o := range objs {
		var res struct{ ParentStudy string }
		orthanc(t, "POST", base+"/instances", o.data, &res)
		studyID = res.ParentStudy
	}
	t.Cleanup(func() {
		req, _ := http.NewRequest("DELETE", base+"/studies/"+studyID, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	})
	name := fmt.Sprintf("radkit%d", time.Now().UnixNano())
	cfg, _ := json.Marshal(map[string]any{
		"Url":         srv.URL + "/",
		"HttpHeaders": map[string]string{"Authorization": "Bearer " + token},
	})
	orthanc(t, "PUT", base+"/dicom-web/servers/"+name, cfg, nil)
	t.Cleanup(func() {
		req, _ := http.NewRequest("DELETE", base+"/dicom-web/servers/"+name, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	})

	// STOW-RS, Orthanc to radkit.
	stow, _ := json.Marshal(map[string]any{"Resources": []string{studyID}})
	orthanc(t, "POST", base+"/dicom-web/servers/"+name+"/stow", stow, nil)
	for _, o := range objs {
		obj, err := a.Open(context.Background(), o.sop, nil)
		if err != nil {
			t.Fatalf("%s not received from Orthanc: %v", o.sop, err)
		}
		got, err := io.ReadAll(obj)
		obj.Close()
		if err != nil || !bytes.Equal(got, o.data) {
			t.Fatalf("%s: received bytes differ from the original (%v)", o.sop, err)
		}
	}

	// QIDO-RS, Orthanc searching radkit with an accent-free wildcard.
	qido, _ := json.Marshal(map[string]any{"Uri": "/studies", "Arguments": map[string]string{"PatientName": "lefevre*", "ModalitiesInStudy": "CT"}})
	// Orthanc answers in its own simplified JSON: "Value" is a string.
	var found []map[string]map[string]any
	orthanc(t, "POST", base+"/dicom-web/servers/"+name+"/qido", qido, &found)
	ok := false
	for _, s := range found {
		if fmt.Sprint(s["0020000D"]["Value"]) == objs[0].study && fmt.Sprint(s["00100010"]["Value"]) == "LEFÈVRE^Hélène" {
			ok = true
		}
	}
	if !ok {
		t.Fatalf("QIDO through Orthanc did not find the study: %v", found)
	}

	// WADO-RS, Orthanc retrieving the study from radkit.
	req, _ := json.Marshal(map[string]any{"Resources": []map[string]string{{"Study": objs[0].study}}})
	orthanc(t, "POST", base+"/dicom-web/servers/"+name+"/retrieve", req, nil)

	var principals = map[string]int{}
	a.AuditEntries(context.Background(), 1, func(e dicomarchive.AuditEntry) error {
		principals[e.Principal+" "+e.Action]++
		return nil
	})
	if principals["orthanc store"] != len(objs) || principals["orthanc query"] == 0 || principals["orthanc open"] == 0 {
		t.Fatalf("audit trail of Orthanc's requests: %v", principals)
	}
}
