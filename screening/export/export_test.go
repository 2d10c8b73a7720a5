package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/radkit/radkit/anonymize"
	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/calendar"
	"github.com/radkit/radkit/screening/export"
)

var key = []byte("a shared secret of 32 bytes.....")

// TestPseudonymIsAnonymizeLinkageID: the export's pseudonym is the
// research profile's linkage identifier, so that both link.
func TestPseudonymIsAnonymizeLinkageID(t *testing.T) {
	keys := [][]byte{key, []byte("0123456789abcdef"), bytes.Repeat([]byte{0xff}, 64)}
	ids := []string{"1 42 10 2A 247 650 52", "142102a24765052", "P000042", "", "é\x00 x"}
	for _, k := range keys {
		for _, id := range ids {
			if got, want := export.Pseudonym(k, id), anonymize.LinkageID(k, id); got != want {
				t.Errorf("Pseudonym(%q, %q) = %s, anonymize.LinkageID = %s", k, id, got, want)
			}
		}
	}
	if export.Pseudonym(key, "1 42 10 2A 247 650 52") != export.Pseudonym(key, "142102A24765052") {
		t.Error("blanks and case change the pseudonym")
	}
	if export.Pseudonym(key, "x") == export.Pseudonym([]byte("another key of 16+ bytes"), "x") {
		t.Error("the key does not change the pseudonym")
	}
}

var today = calendar.Of(2026, 1, 1)

func d(s string) screening.Date { return calendar.MustParse(s) }

func ev(person, id string, p screening.Programme, date string, data screening.Payload) screening.Event {
	return screening.Event{ID: screening.EventID(id), Person: screening.PersonID(person), Programme: p, Date: d(date), Data: data}
}

// breastRound is an invitation,
// a suspicious mammogram and a benign histology, and a colorectal exclusion.
func breastRound(person string) []screening.Event {
	b := screening.Breast
	return []screening.Event{
		ev(person, person+"-birth", screening.NoProgramme, "2024-01-01", screening.Birth{Birth: d("1960-03-14"), Sex: screening.SexFemale}),
		ev(person, person+"-move", screening.NoProgramme, "2024-01-01", screening.Move{Department: "67"}),
		ev(person, person+"-inv", b, "2024-02-01", screening.Invitation{Channel: screening.ChannelPost}),
		ev(person, person+"-m", b, "2024-03-01", screening.Mammogram{}),
		ev(person, person+"-l1", b, "2024-03-01", screening.Reading{Of: screening.EventID(person + "-m"), Reader: screening.ReaderL1, Category: screening.ACR4, WorkupDone: true}),
		ev(person, person+"-h", b, "2024-04-01", screening.Histology{Of: screening.EventID(person + "-m"), Finding: screening.FindingBenign, SizeMM: 8}),
		ev(person, person+"-ex", screening.Colorectal, "2024-05-01", screening.Exclusion{Reason: "Mme Jeanne DUPONT, 3 rue des Lilas", Until: d("2025-05-01")}),
	}
}

func storeOf(t *testing.T, logs ...[]screening.Event) screening.Store {
	t.Helper()
	eng, err := screening.New(screening.Options{Now: func() time.Time { return today.Time(nil) }})
	if err != nil {
		t.Fatal(err)
	}
	for _, evs := range logs {
		res, err := eng.Ingest(context.Background(), evs)
		if err != nil {
			t.Fatal(err)
		}
		for _, rj := range res.Rejected {
			t.Fatalf("rejected: %v", rj.Err)
		}
	}
	return eng.Store()
}

func export1(t *testing.T, store screening.Store, opts export.Options) (string, [][]string, export.Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := export.Write(context.Background(), store, &buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(buf.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return buf.String(), recs, st
}

// TestNoDirectIdentifier: neither the centre's ID, the NIR, the birth
// date, event IDs nor free text (a name and an address) appear; the birth
// year and the NIR's pseudonym do.
func TestNoDirectIdentifier(t *testing.T) {
	const person, nir = "CRCDC-GE-000123", "2 60 03 67 482 051 77"
	store := storeOf(t, breastRound(person))
	out, recs, st := export1(t, store, export.Options{Key: key, Identifier: func(_ context.Context, p screening.PersonID) (string, error) {
		if p != person {
			t.Errorf("identifier asked for %q", p)
		}
		return nir, nil
	}})
	for _, bad := range []string{person, "000123", nir, strings.ReplaceAll(nir, " ", ""), "1960-03-14", "14/03/1960", "DUPONT", "Jeanne", "Lilas", "-birth", "-m"} {
		if strings.Contains(out, bad) {
			t.Errorf("the export contains %q:\n%s", bad, out)
		}
	}
	if st.People != 1 || st.Rows != len(recs)-1 || st.Rows != 5 {
		t.Errorf("stats %+v, %d records", st, len(recs))
	}
	head := recs[0]
	col := func(name string) int {
		for i, h := range head {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	for _, r := range recs[1:] {
		if r[col("pseudonym")] != anonymize.LinkageID(key, nir) || r[col("birth_year")] != "1960" || r[col("department")] != "67" {
			t.Errorf("row %v", r)
		}
	}
	// The histology names its mammogram by sequence number.
	var seqM, ofH string
	for _, r := range recs[1:] {
		switch r[col("event")] {
		case "mammogram":
			seqM = r[col("seq")]
		case "histology":
			ofH = r[col("of_seq")]
			if r[col("finding")] != "benign" || r[col("size_mm")] != "8" {
				t.Errorf("histology row %v", r)
			}
		}
	}
	if seqM == "" || seqM != ofH {
		t.Errorf("histology of_seq %q, mammogram seq %q", ofH, seqM)
	}
}

// TestOppositionToResultsHonoured: a person who opposed the processing
// of results has no result, exam or follow-up row for that programme,
// even those recorded before the opposition; the invitation remains;
// other programmes and people are unaffected, and a withdrawn opposition
// restores the rows.
func TestOppositionToResultsHonoured(t *testing.T) {
	opp := append(breastRound("A"), ev("A", "A-opp", screening.Breast, "2024-06-01", screening.Opposition{Scope: screening.OpposeResults}))
	withdrawn := append(breastRound("B"),
		ev("B", "B-opp", screening.Breast, "2024-06-01", screening.Opposition{Scope: screening.OpposeResults}),
		ev("B", "B-wd", screening.Breast, "2024-07-01", screening.OppositionWithdrawn{Scope: screening.OpposeResults}))
	store := storeOf(t, opp, withdrawn, breastRound("C"))
	_, recs, st := export1(t, store, export.Options{Key: key})
	kinds := map[string][]string{}
	for _, r := range recs[1:] {
		kinds[r[0]] = append(kinds[r[0]], r[7])
	}
	a, b, c := kinds[export.Pseudonym(key, "A")], kinds[export.Pseudonym(key, "B")], kinds[export.Pseudonym(key, "C")]
	if strings.Join(a, ",") != "invitation,exclusion" {
		t.Errorf("opposed person's rows: %v", a)
	}
	if strings.Join(b, ",") != strings.Join(c, ",") || len(c) != 5 {
		t.Errorf("withdrawn opposition: %v; no opposition: %v", b, c)
	}
	if st.Opposed != 1 || st.Withheld != 3 {
		t.Errorf("stats %+v", st)
	}
	// An opposition after the export's end date does not apply to it.
	_, _, st = export1(t, store, export.Options{Key: key, To: d("2024-05-15")})
	if st.Opposed != 0 || st.Rows != 15 {
		t.Errorf("export to 2024-05-15: stats %+v", st)
	}
}

// TestWriteFile: the file is written atomically with mode 0600; a bad key
// writes nothing.
func TestWriteFile(t *testing.T) {
	store := storeOf(t, breastRound("A"))
	dir := t.TempDir()
	path := filepath.Join(dir, "spf.csv")
	if _, err := export.WriteFile(context.Background(), store, path, export.Options{Key: []byte("short")}); !errors.Is(err, export.ErrKey) {
		t.Fatalf("short key: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a failed export left %s: %v", path, err)
	}
	st, err := export.WriteFile(context.Background(), store, path, export.Options{Key: key, Programmes: []screening.Programme{screening.Colorectal}})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("mode %v: health data readable by others", fi.Mode())
	}
	b, _ := os.ReadFile(path)
	if st.Rows != 1 || !strings.Contains(string(b), "colorectal") || strings.Contains(string(b), "breast") {
		t.Errorf("colorectal-only export: %+v\n%s", st, b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
}
