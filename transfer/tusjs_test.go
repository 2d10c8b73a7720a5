package transfer

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/radkit/radkit/internal/testutil"
)

// tusJS returns node and the NODE_PATH holding tus-js-client
// (RADKIT_TUSJS_NODE_PATH, set by scripts/services.d/transfer.sh), or
// skips (fails under RADKIT_INTEGRATION=require).
func tusJS(t *testing.T) (node, nodePath string) {
	t.Helper()
	nodePath = os.Getenv("RADKIT_TUSJS_NODE_PATH")
	node, err := exec.LookPath("node")
	if err != nil || nodePath == "" {
		msg := "node or RADKIT_TUSJS_NODE_PATH (tus-js-client) missing; run ./scripts/test.sh (scripts/services.d/transfer.sh installs it)"
		if testutil.Integration() == "require" {
			t.Fatal(msg + " (RADKIT_INTEGRATION=require)")
		}
		t.Skip(msg)
	}
	return node, nodePath
}

// TestTusJSClient: tus-js-client, an independent tus implementation,
// uploads a study to the radkit receiver, with and without an
// interruption; every instance reaches the sink once, digest checked.
func TestTusJSClient(t *testing.T) {
	node, nodePath := tusJS(t)
	sink := newMemSink()
	rc, err := NewReceiver(ReceiverOptions{Dir: t.TempDir(), Sink: sink, RequireDigest: true})
	if err != nil {
		t.Fatal(err)
	}
	var heads atomic.Int32
	endpoint := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			heads.Add(1)
		}
		rc.ServeHTTP(w, r)
	})) + "/files/"
	paths := writeStudy(t, 4, 256) // about 130 KB each: three 64 KiB chunks
	script, _ := filepath.Abs(filepath.Join("testdata", "tusjs", "upload.js"))
	for i, p := range paths {
		mode := "plain"
		if i%2 == 1 {
			mode = "interrupt"
		}
		before := heads.Load()
		start := time.Now()
		cmd := exec.CommandContext(t.Context(), node, script, endpoint, p, mode)
		cmd.Env = append(os.Environ(), "NODE_PATH="+nodePath)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s upload: %v\n%s", mode, err, out)
		}
		if !strings.Contains(string(out), "/files/") {
			t.Errorf("no upload URL printed: %s", out)
		}
		if n := sink.count(fileSHA(t, p)); n != 1 {
			t.Errorf("%s upload: stored %d times", mode, n)
		}
		if resumed := heads.Load() > before; resumed != (mode == "interrupt") {
			t.Errorf("%s upload: resumed with HEAD: %v", mode, resumed)
		}
		t.Logf("%s upload in %s", mode, time.Since(start).Round(time.Millisecond))
	}
}
