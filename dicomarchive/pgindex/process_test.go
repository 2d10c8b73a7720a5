package pgindex_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/archivetest"
	"github.com/radkit/radkit/dicomarchive/pgindex"
	"github.com/radkit/radkit/internal/testutil"
)

// Environment of a node process (this test binary run again by
// TestTwoProcesses).
const (
	nodeEnv = "PGINDEX_TEST_NODE" // the node's number
	dsnEnv  = "PGINDEX_TEST_DSN"
	dirEnv  = "PGINDEX_TEST_DIR"
)

// startLock is the advisory lock the parent holds until every node is
// ready, so that they ingest at the same moment.
const startLock = 0x5241444b4954 // "RADKIT"

var processPatient = archivetest.Patient{ID: "IPP-PROC", Issuer: "HOSP", Name: "PETIT^Noé"}

const processSlices = 12

func TestMain(m *testing.M) {
	if n := os.Getenv(nodeEnv); n != "" {
		if err := runNode(n); err != nil {
			fmt.Fprintln(os.Stderr, "node", n+":", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type nodeResult struct {
	Inserted, Duplicates int
}

// runNode is one archive process: it opens the shared archive (file
// system blobs in dirEnv, PostgreSQL index at dsnEnv), says it is ready,
// waits for the start signal and stores every object of the study,
// node 1 in reverse order.
func runNode(node string) error {
	ctx := context.Background()
	blobs, err := dicomarchive.NewFSBlobStore(filepath.Join(os.Getenv(dirEnv), "blobs"))
	if err != nil {
		return err
	}
	ix, err := pgindex.Open(ctx, os.Getenv(dsnEnv), nil)
	if err != nil {
		return err
	}
	defer ix.Close()
	c := dicomarchive.NewComposer()
	blobs.UseIn(c)
	ix.UseIn(c)
	a, err := dicomarchive.New(ctx, c, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	objs, err := archivetest.MakeStudy(60, processSlices, processPatient, "20240901", nil)
	if err != nil {
		return err
	}
	if node == "1" {
		for i, j := 0, len(objs)-1; i < j; i, j = i+1, j-1 {
			objs[i], objs[j] = objs[j], objs[i]
		}
	}
	conn, err := pgx.Connect(ctx, os.Getenv(dsnEnv))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	fmt.Println("ready")
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock_shared($1)`, int64(startLock)); err != nil {
		return err
	}
	var res nodeResult
	pctx := dicomarchive.WithPrincipal(ctx, "node"+node)
	for _, o := range objs {
		r, err := a.Store(pctx, bytes.NewReader(o.Data), nil)
		if err != nil {
			return err
		}
		if r.Duplicate {
			res.Duplicates++
		} else {
			res.Inserted++
		}
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// TestTwoProcesses runs two archive processes that share one blob
// directory and one PostgreSQL index and ingest the same study at the
// same moment: each instance is stored once (one index row, one blob),
// every call is in one audit chain, and both see the whole study.
func TestTwoProcesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn, dir := schema(t, testutil.Postgres(t)), t.TempDir()
	// Migrate first, and hold the start signal.
	ix := openIndex(t, dsn)
	gate, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer gate.Close(ctx)
	if _, err := gate.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(startLock)); err != nil {
		t.Fatal(err)
	}

	type node struct {
		cmd    *exec.Cmd
		out    *bufio.Reader
		stderr bytes.Buffer
	}
	var nodes []*node
	for i := range 2 {
		n := &node{cmd: exec.Command(os.Args[0], "-test.run=^$")}
		n.cmd.Env = append(os.Environ(), nodeEnv+"="+fmt.Sprint(i), dsnEnv+"="+dsn, dirEnv+"="+dir)
		n.cmd.Stderr = &n.stderr
		stdout, err := n.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		n.out = bufio.NewReader(stdout)
		if err := n.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.cmd.Process.Kill(); n.cmd.Wait() })
		nodes = append(nodes, n)
	}
	for i, n := range nodes {
		if line, err := n.out.ReadString('\n'); err != nil || line != "ready\n" {
			t.Fatalf("node %d: %q, %v; stderr: %s", i, line, err, n.stderr.String())
		}
	}
	time.Sleep(50 * time.Millisecond) // let both reach the lock
	if _, err := gate.Exec(ctx, `SELECT pg_advisory_unlock($1)`, int64(startLock)); err != nil {
		t.Fatal(err)
	}
	var inserted, dups int
	for i, n := range nodes {
		rest, _ := io.ReadAll(n.out)
		if err := n.cmd.Wait(); err != nil {
			t.Fatalf("node %d: %v; stderr: %s", i, err, n.stderr.String())
		}
		var r nodeResult
		if err := json.Unmarshal(rest, &r); err != nil {
			t.Fatalf("node %d output %q: %v", i, rest, err)
		}
		t.Logf("node %d: %d inserted, %d duplicates", i, r.Inserted, r.Duplicates)
		inserted += r.Inserted
		dups += r.Duplicates
	}
	if inserted != processSlices || dups != processSlices {
		t.Fatalf("%d inserted and %d duplicates, want %d each", inserted, dups, processSlices)
	}

	c := fsPG(t, dir, dsn)
	rows := 0
	if err := ix.WalkInstances(ctx, func(dicomarchive.Instance) error { rows++; return nil }); err != nil || rows != processSlices {
		t.Fatalf("%d index rows, %v", rows, err)
	}
	blobs := 0
	if err := c.Lister.Walk(ctx, func(dicomarchive.BlobInfo) error { blobs++; return nil }); err != nil || blobs != processSlices {
		t.Fatalf("%d blobs, %v", blobs, err)
	}
	var patients int
	err = ix.Conn(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT count(*) FROM patients`).Scan(&patients)
	})
	if err != nil || patients != 1 {
		t.Fatalf("%d patient rows, %v", patients, err)
	}
	a, err := dicomarchive.New(ctx, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rep, err := a.VerifyAudit(archivetest.Ctx("auditor"), nil)
	if err != nil || rep.Entries != 2*processSlices {
		t.Fatalf("audit: %+v, %v", rep, err)
	}
	per := map[string]int{}
	a.AuditEntries(archivetest.Ctx("auditor"), 1, func(e dicomarchive.AuditEntry) error {
		if e.Action == dicomarchive.ActionStore {
			per[e.Principal]++
		}
		return nil
	})
	if per["node0"] != processSlices || per["node1"] != processSlices {
		t.Fatalf("store entries per node: %v", per)
	}
}
