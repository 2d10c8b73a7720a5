package scaleout

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

type header struct {
	sop, study, patientID, issuer string
}

var tagIssuerOfPatientID = dicomio.NewTag(0x0010, 0x0021)

func parseHeader(b []byte) (header, error) {
	f, err := dicomio.Parse(bytes.NewReader(b), &dicomio.ReadOptions{PixelData: dicomio.PixelDataSkip})
	if err != nil {
		return header{}, err
	}
	ds := f.Dataset
	return header{ds.String(dicomio.TagSOPInstanceUID), ds.String(dicomio.TagStudyInstanceUID),
		ds.String(dicomio.TagPatientID), ds.String(tagIssuerOfPatientID)}, nil
}

// TestTwoNodesIngestSameStudy starts two archive processes on one shared
// backend and has them store the same study at the same moment, each
// with four goroutines, several times over. Then: one blob per object,
// one index row per SOP Instance UID, each object acknowledged to both
// (once stored, once as a duplicate), an audit chain that verifies and
// traces each node's store exactly once, the storing node's entry first;
// and a reconciliation made by either node is what the other sees
// (patient record, queries, identity coerced into retrieved objects).
func TestTwoNodesIngestSameStudy(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	forEachBackend(t, func(t *testing.T, b Backend) {
		const rounds = 3
		for r := range rounds {
			twoNodes(t, b, 7000+uint64(r))
		}
	})
}

func twoNodes(t *testing.T, b Backend, seed uint64) {
	ctx := testCtx(t)
	const slices = 48
	objs, err := studyObjects(ctx, seed, slices)
	if err != nil {
		t.Fatal(err)
	}
	want := digests(t, objs)
	h, err := parseHeader(objs[0])
	if err != nil {
		t.Fatal(err)
	}

	// The test's view opens (and on the first round creates) the
	// archive before the nodes do: this test is about ingesting at once.
	// (Creating a SQLite index from several processes at once sometimes
	// fails with SQLITE_BUSY: OpenSQLiteIndex does not retry.)
	n := openNode(t, b)
	a := n.Archive

	// Both nodes open the archive, then start together.
	nodes := []string{"node-a", "node-b"}
	var children []*child
	for _, name := range nodes {
		children = append(children, startChild(t, childSpec{Mode: "ingest", Backend: b, Node: name,
			Seeds: []uint64{seed}, Slices: slices, Goroutines: 4, Gate: true}))
	}
	for _, c := range children {
		if c.waitFor("READY", nil) == nil {
			c.finish(nil)
		}
	}
	for _, c := range children {
		if _, err := c.stdin.Write([]byte("go\n")); err != nil {
			t.Fatal(err)
		}
	}
	stored := map[string][]string{} // SOP -> nodes that stored it (not duplicate)
	acks := map[string]int{}
	for i, c := range children {
		c.finish(func(f []string) {
			if len(f) != 4 || f[0] != "ACK" {
				return
			}
			sop, dg, dup := f[1], f[2], f[3]
			if d, ok := want[sop]; !ok || d.String() != dg {
				t.Errorf("%s acknowledged %s with digest %s, want %s", nodes[i], sop, dg, d)
			}
			acks[sop]++
			if dup == "false" {
				stored[sop] = append(stored[sop], nodes[i])
			}
		})
	}
	for sop := range want {
		if acks[sop] != 2 || len(stored[sop]) != 1 {
			t.Errorf("%s: %d acknowledgements, stored (not duplicate) by %v; want 2, by exactly one node", sop, acks[sop], stored[sop])
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	racesLost := map[string]int{}
	for _, s := range stored {
		racesLost[s[0]]++
	}
	t.Logf("seed %d: %d objects; stored by node-a %d, by node-b %d", seed, len(want), racesLost["node-a"], racesLost["node-b"])

	// One index row per SOP Instance UID, naming the right blob.
	pg, err := a.QueryInstances(ctx, &dicomarchive.Query{StudyInstanceUID: h.study, Limit: dicomarchive.MaxQueryLimit})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int{}
	for _, in := range pg.Items {
		rows[in.SOPInstanceUID]++
		if in.Digest != want[in.SOPInstanceUID] {
			t.Errorf("%s: index digest %s, want %s", in.SOPInstanceUID, in.Digest, want[in.SOPInstanceUID])
		}
	}
	if len(pg.Items) != len(want) || len(rows) != len(want) {
		t.Fatalf("%d index rows for %d distinct SOPs, want %d", len(pg.Items), len(rows), len(want))
	}
	st, err := a.Study(ctx, h.study)
	if err != nil {
		t.Fatal(err)
	}
	if st.NumInstances != len(want) || st.NumSeries != 1 {
		t.Errorf("study: %d instances in %d series, want %d in 1", st.NumInstances, st.NumSeries, len(want))
	}
	// One blob per object (content addressing: one key per digest), and
	// nothing else left behind.
	blobs := blobSet(t, n)
	for sop, d := range want {
		if blobs[d] != 1 {
			t.Errorf("%s: blob %s listed %d times", sop, d.Short(), blobs[d])
		}
	}
	rep, err := a.Verify(ctx, &dicomarchive.VerifyOptions{OrphanGrace: -1})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Orphans) != 0 {
		t.Errorf("verify: %v", rep)
	}

	// One audit chain across both writers; each node's store traced
	// once; the storing node's entry first.
	if _, err := a.VerifyAudit(ctx, nil); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	type entry struct {
		seq  int64
		node string
	}
	entries := map[string][]entry{}
	err = a.AuditEntries(ctx, 1, func(e dicomarchive.AuditEntry) error {
		if _, ok := want[e.Object]; ok && e.Action == dicomarchive.ActionStore {
			if e.Outcome != "ok" {
				t.Errorf("store of %s by %s: outcome %q", e.Object, e.Principal, e.Outcome)
			}
			entries[e.Object] = append(entries[e.Object], entry{e.Seq, e.Principal})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for sop := range want {
		es := entries[sop]
		if len(es) != 2 || es[0].node == es[1].node {
			t.Errorf("%s: store entries %v, want one per node", sop, es)
			continue
		}
		if es[0].node != stored[sop][0] {
			t.Errorf("%s: stored by %s but its first store entry (seq %d) is %s's", sop, stored[sop][0], es[0].seq, es[0].node)
		}
	}

	// Reconciliation by one node, seen by the other, both ways.
	name := fmt.Sprintf("RÉCONCILIÉ^Hélène %d", seed)
	ins := synth.NewPatient(seed+1_000_000, synth.PatientOptions{}).NIR
	base := childSpec{Backend: b, PatientID: h.patientID, Issuer: h.issuer, StudyUID: h.study, SOPUID: strings.Clone(h.sop)}
	step := func(mode, node, name, ins string) {
		s := base
		s.Mode, s.Node, s.Name, s.INS = mode, node, name, ins
		run(t, s)
	}
	step("reconcile", "node-a", name, "")
	step("check", "node-b", name, "")
	step("reconcile", "node-b", "", ins)
	step("check", "node-a", name, ins)
}
