package transfer

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/radkit/radkit/internal/testutil"
)

// orthanc returns the DICOMweb root of the Orthanc the test script started
// (RADKIT_ORTHANC_URL, credentials in its user info or in
// RADKIT_ORTHANC_USER / RADKIT_ORTHANC_PASSWORD) and an authenticator.
func orthanc(t *testing.T) (base string, auth func(*http.Request) error) {
	t.Helper()
	raw := os.Getenv("RADKIT_ORTHANC_URL")
	if raw == "" {
		msg := "RADKIT_ORTHANC_URL not set; run ./scripts/test.sh (scripts/services.d/orthanc.sh starts Orthanc)"
		if testutil.Integration() == "require" {
			t.Fatal(msg + " (RADKIT_INTEGRATION=require)")
		}
		t.Skip(msg)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	user, pass := os.Getenv("RADKIT_ORTHANC_USER"), os.Getenv("RADKIT_ORTHANC_PASSWORD")
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
		u.User = nil
	}
	auth = func(r *http.Request) error {
		if user != "" {
			r.SetBasicAuth(user, pass)
		}
		return nil
	}
	return strings.TrimSuffix(u.String(), "/"), auth
}

// TestStowOrthanc stores a study in a real Orthanc with STOW-RS, then
// fetches each instance back and compares its SHA-256 with the source.
func TestStowOrthanc(t *testing.T) {
	base, auth := orthanc(t)
	paths := writeStudy(t, 7, 64)
	c, err := NewStowClient(base+"/dicom-web", StowOptions{Authenticate: auth, MaxInstances: 3})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Store(t.Context(), paths)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if !r.Stored || r.Attempts != 1 {
			t.Errorf("%+v", r)
		}
		// Fetch it back through Orthanc's REST API.
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/tools/lookup", strings.NewReader(r.SOPInstanceUID))
		auth(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var found []struct{ ID, Type string }
		json.NewDecoder(resp.Body).Decode(&found)
		resp.Body.Close()
		if len(found) != 1 || found[0].Type != "Instance" {
			t.Fatalf("lookup %d: %+v", resp.StatusCode, found)
		}
		req, _ = http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/instances/"+found[0].ID+"/file", nil)
		auth(req)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if sha256Hex(b) != fileSHA(t, r.Path) {
			t.Errorf("instance in Orthanc differs from the source (%d bytes)", len(b))
		}
	}
}

// stowAnswer renders a STOW-RS answer in DICOM JSON.
func stowAnswer(stored []string, failed map[string]int) []byte {
	item := func(uid string, reason int) map[string]any {
		m := map[string]any{"00081155": map[string]any{"vr": "UI", "Value": []string{uid}}}
		if reason != 0 {
			m["00081197"] = map[string]any{"vr": "US", "Value": []int{reason}}
		}
		return m
	}
	var ref, fail []any
	for _, u := range stored {
		ref = append(ref, item(u, 0))
	}
	for u, r := range failed {
		fail = append(fail, item(u, r))
	}
	b, _ := json.Marshal(map[string]any{"00081199": map[string]any{"vr": "SQ", "Value": ref}, "00081198": map[string]any{"vr": "SQ", "Value": fail}})
	return b
}

// TestStowPartialFailure: a fake server (scripted, since no real server
// fails on demand) stores some instances, fails one with A700 (out of
// resources, retry later), one with C000 (permanent), omits one, and
// answers 400 as Orthanc does for a partly stored batch. The client
// resends only the A700 and the omitted ones.
func TestStowPartialFailure(t *testing.T) {
	paths := writeStudy(t, 5, 64)
	uids := make([]string, len(paths))
	for i, p := range paths {
		uids[i], _, _ = sopInstanceUID(p)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	round := 0
	base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/related" || params["type"] != "application/dicom" || r.URL.Path != "/dicom-web/studies" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		var got []string
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			f, err := os.CreateTemp(t.TempDir(), "part")
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(f, p)
			f.Close()
			uid, _, err := sopInstanceUID(f.Name())
			if err != nil {
				t.Errorf("part is not DICOM: %v", err)
			}
			got = append(got, uid)
		}
		mu.Lock()
		defer mu.Unlock()
		round++
		var stored []string
		failed := map[string]int{}
		for _, u := range got {
			seen[u]++
			switch {
			case round == 1 && u == uids[1]:
				failed[u] = 0xA700
			case u == uids[2]:
				failed[u] = 0xC000
			case round == 1 && u == uids[3]:
				// omitted: outcome unknown
			default:
				stored = append(stored, u)
			}
		}
		w.Header().Set("Content-Type", "application/dicom+json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write(stowAnswer(stored, failed))
	}))
	c, _ := NewStowClient(base+"/dicom-web/", StowOptions{Retry: fastRetry()})
	res, err := c.Store(t.Context(), paths)
	if err == nil {
		t.Fatal("a permanently failed instance reported as stored")
	}
	for i, r := range res {
		wantStored := i != 2
		if r.Stored != wantStored {
			t.Errorf("instance %d stored=%v", i, r.Stored)
		}
	}
	want := map[string]int{uids[0]: 1, uids[1]: 2, uids[2]: 1, uids[3]: 2, uids[4]: 1}
	for u, n := range want {
		if seen[u] != n {
			t.Errorf("instance %s sent %d times, want %d", u, seen[u], n)
		}
	}
	var se *StowError
	if res[2].FailureReason != 0xC000 || !errors.As(res[2].Err, &se) {
		t.Errorf("permanent failure: %+v", res[2])
	}
}

func TestStow503RetriedThenExhausted(t *testing.T) {
	paths := writeStudy(t, 2, 64)
	var n int
	var mu sync.Mutex
	base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		n++
		mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	c, _ := NewStowClient(base+"/dicom-web", StowOptions{Retry: fastRetry()})
	_, err := c.Store(t.Context(), paths)
	if err == nil || !strings.Contains(err.Error(), "exhausted") {
		t.Fatalf("got %v", err)
	}
	if n != 5 {
		t.Errorf("%d requests, want 5", n)
	}
}

// FuzzParseStowAnswer: answers from the network never panic the parser.
func FuzzParseStowAnswer(f *testing.F) {
	f.Add(stowAnswer([]string{"1.2.3"}, map[string]int{"1.2.4": 0xA700}))
	f.Add([]byte(`[{"00081199":{"vr":"SQ","Value":[{"00081155":{"vr":"UI","Value":[1]}}]}}]`))
	f.Add([]byte(`{"00081198":{"vr":"SQ","Value":[{"00081155":{"vr":"UI","Value":["x"]},"00081197":{"vr":"US","Value":[-1e99]}}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		stored, failed, _ := parseStowAnswer(b)
		for _, r := range failed {
			if r < 0 || r > 0xFFFF {
				t.Fatalf("reason %d out of range", r)
			}
		}
		_ = stored
	})
}
