package anonymize

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/radkit/radkit/internal/testutil"
	"github.com/radkit/radkit/synth"
)

// Issue 4 acceptance: the output of every profile is accepted by Orthanc
// (a real PACS that parses and indexes what it receives).
func TestOrthancAcceptsEveryProfile(t *testing.T) {
	base := testutil.OrthancURL(t)
	client := &http.Client{Timeout: 30 * time.Second}
	ctx := context.Background()
	for _, p := range Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			dir := t.TempDir()
			var inputs []string
			kinds := []synth.Kind{synth.CT, synth.SR}
			if p.Options&CleanPixelData != 0 {
				// Burned-in text is refused, by design, by a profile
				// that does not clean pixels.
				kinds = append(kinds, synth.US)
			}
			for _, k := range kinds {
				for i, b := range study(t, k, 11) {
					inputs = append(inputs, writeTemp(t, dir, filepath.Join("in", string(k)+"-"+string(rune('a'+i))+".dcm"), b))
				}
			}
			a := newTest(t, p.Name, func(o *Options) {
				if p.NeedsPseudonyms {
					o.Pseudonyms = func(context.Context, PatientRef) (string, error) { return "CRISTAL-TEST-0001", nil }
				}
			})
			out := filepath.Join(dir, "out")
			rep, err := a.Batch(ctx, inputs, out, BatchOptions{})
			if err != nil || !rep.OK() {
				t.Fatalf("batch: %v (%d failed)", err, rep.Failed)
			}
			files, _ := filepath.Glob(filepath.Join(out, "*.dcm"))
			if len(files) != len(inputs) {
				t.Fatalf("%d outputs for %d inputs", len(files), len(inputs))
			}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := client.Post(base+"/instances", "application/dicom", bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				var ans struct{ Status string }
				err = json.NewDecoder(resp.Body).Decode(&ans)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || err != nil || (ans.Status != "Success" && ans.Status != "AlreadyStored") {
					t.Errorf("%s: Orthanc answered %d %q (%v)", filepath.Base(f), resp.StatusCode, ans.Status, err)
				}
			}
		})
	}
}
