package dicomarchive

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// likeRange bounds every string having the pattern's literal prefix, and
// no other: checked on strings around the bounds, including the byte
// 0xFF (never in UTF-8, but the function must not wrap it around) and
// multibyte runes whose last byte is 0xBF.
func TestLikeRange(t *testing.T) {
	for _, tc := range []struct {
		pattern, prefix string // prefix "" when there is none
	}{
		{"LEF%", "LEF"},
		{"LEF", "LEF"},
		{"DUP_NT%", "DUP"},
		{"%LEF", ""},
		{"_EF%", ""},
		{"", ""},
		{`A\%B%`, "A%B"},
		{`A\_B_`, "A_B"},
		{`A\\B%`, `A\B`},
		{"\u4e3f%", "\u4e3f"},             // 丿: E4 B8 BF
		{"\u013f%", "\u013f"},             // Ŀ: C4 BF
		{"\U0010FFFD%", "\U0010FFFD"},     // F4 8F BF BD
		{"A\xff%", "A\xff"},               // hi drops the 0xFF: "B"
		{"\xff\xff%", "\xff\xff"},         // no upper bound
		{"Z\x7f%", "Z\x7f"},               // 0x7F becomes 0x80
		{"LEF\xff\xff_", "LEF\xff\xff"},   // two 0xFF dropped
		{"\u00e9\u00ff%", "\u00e9\u00ff"}, // C3 A9 C3 BF
	} {
		lo, hi, ok := likeRange(tc.pattern)
		if ok != (tc.prefix != "") || lo != tc.prefix {
			t.Errorf("likeRange(%q) = %q, %q, %v; want the prefix %q", tc.pattern, lo, hi, ok, tc.prefix)
			continue
		}
		if !ok {
			continue
		}
		probes := []string{"", lo, lo + "\x00", lo + "A", lo + "\u4e3f", lo + "\U0010FFFF", lo + "\xff\xff\xff", hi, hi + "\x00"}
		for i := range len(lo) + 1 {
			probes = append(probes, lo[:i], lo[:i]+"\x00", lo[:i]+"\xff")
			if i > 0 {
				// The neighbours of the prefix's byte i-1, as raw bytes.
				probes = append(probes, lo[:i-1]+string([]byte{lo[i-1] + 1}), lo[:i-1]+string([]byte{lo[i-1] - 1, 0xff}))
			}
		}
		for _, s := range probes {
			in := s >= lo && (hi == "" || s < hi)
			if in != strings.HasPrefix(s, lo) {
				t.Errorf("likeRange(%q) = [%q, %q): %q in range %v, has prefix %v", tc.pattern, lo, hi, s, in, !in)
			}
		}
	}
}

// queryFixture is an index of studies whose patient names sit on both
// sides of the prefix ranges the name queries compute, with the studies
// as the previous query text returned them (aggregates and all).
type queryFixture struct {
	ix  *SQLiteIndex
	all []Study // every study, newest first, as the pre-range query computed it
}

// boundaryNames are stored as patient names: accents, case, ligatures and
// spaces to fold; LIKE's special characters; runes whose UTF-8 ends in
// 0xBF and their successors; the highest code points; an empty name.
var boundaryNames = []string{
	"LEFÈVRE^Hélène", "Lefebvre^Jean", "LEFEVRE", "lef", "LEF", "LEG^Anne", "LEE", "LEF^", "LEFZZZ",
	"Œuvre^Marc", "OEUVRE", "OEV", "Cœur^Léa", "de la Fontaine^Jean", "DE  LA  FONTAINE",
	"DUPONT^Jean", "DUPONT", "DUPUNT", "DUP", "DUPONTE",
	"A%B", "A_B", `A\B`, "AXB", "A%", "A",
	"\u4e3f", "\u4e3f\u5c71", "\u4e40\u5c71", "\u4e3e", // 丿, 丿山, 乀山 (next code point), 举
	"\u013fuc", "\u0140uc", "\u0141uc", // Ŀ (C4 BF), ŀ folds to Ŀ, Ł folds to L
	"LEF\U0010FFFD", "LEF\u4e3f", "\U0010FFFD", "ZZ", "",
	"Müller^Jürgen", "MULLER", "MUELLER",
}

func newQueryFixture(t *testing.T) *queryFixture {
	t.Helper()
	ctx := context.Background()
	ix, err := OpenSQLiteIndex(ctx, filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	for _, r := range fixtureRecords() {
		if _, _, err := ix.PutInstance(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	all, err := referenceStudies(ctx, ix.db)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 2*len(boundaryNames) {
		t.Fatalf("%d studies in the fixture", len(all))
	}
	return &queryFixture{ix: ix, all: all}
}

// fixtureRecords returns the instances of 1 to 3 studies per boundary
// name: dates over three months (several studies share a date and a time,
// so the study UID breaks ties), 1 to 3 series of mixed modalities, 1 to 5
// instances of various sizes.
func fixtureRecords() []*Record {
	rng := rand.New(rand.NewPCG(6, 1))
	mods := []string{"CT", "MR", "ct", "US", "MG"}
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []*Record
	for pi, name := range boundaryNames {
		id := Identity{PatientID: fmt.Sprintf("P%02d", pi), Issuer: "HOSP", Name: name, BirthDate: "19700101", Sex: "F"}
		for st := range 1 + rng.IntN(3) {
			study := Study{
				StudyInstanceUID:   fmt.Sprintf("1.2.%d.%d", pi, st),
				StudyDate:          time.Date(2024, 1, 1+rng.IntN(90), 0, 0, 0, 0, time.UTC).Format("20060102"),
				StudyTime:          []string{"080000", "093000", ""}[rng.IntN(3)],
				AccessionNumber:    fmt.Sprintf("ACC%d%d", pi, st),
				ReferringPhysician: boundaryNames[rng.IntN(len(boundaryNames))],
			}
			for se := range 1 + rng.IntN(3) {
				series := Series{SeriesInstanceUID: fmt.Sprintf("%s.%d", study.StudyInstanceUID, se), Modality: mods[rng.IntN(len(mods))], SeriesNumber: se + 1}
				for in := range 1 + rng.IntN(5) {
					out = append(out, &Record{
						Identity: id, Study: study, Series: series,
						Instance: Instance{
							SOPInstanceUID: fmt.Sprintf("%s.%d", series.SeriesInstanceUID, in), SOPClassUID: "1.2.840.10008.5.1.4.1.1.2",
							TransferSyntaxUID: "1.2.840.10008.1.2.1", InstanceNumber: in + 1, NumberOfFrames: 1,
							Digest: Digest{byte(pi), byte(st), byte(se), byte(in)}, Size: int64(1 + rng.IntN(1<<20)), StoredAt: at, StoredBy: "test",
						},
					})
				}
			}
		}
	}
	return out
}

// referenceStudies returns every study as the study queries computed
// them before the page was selected first: aggregates for each row, one
// sort.
func referenceStudies(ctx context.Context, db *sql.DB) ([]Study, error) {
	var out []Study
	rows, err := db.QueryContext(ctx, `SELECT `+studyCols+` FROM studies s JOIN patients p ON p.pkey = s.pkey ORDER BY s.study_date DESC, s.study_time DESC, s.study_uid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		s, err := scanStudy(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// matchesFolded is the brute-force form of a folded text match: DICOM
// wildcards over the whole folded value, or equality.
func matchesFolded(pattern, value string) bool {
	p := FoldName(pattern)
	if strings.ContainsAny(p, "*?") {
		return wildMatch(p, FoldName(value))
	}
	return p == FoldName(value)
}

// check runs q on the index, whole and in pages of 1 to 7, and compares
// the results with the reference studies that keep tells.
func (f *queryFixture) check(t *testing.T, q Query, keep func(*Study) bool) {
	t.Helper()
	ctx := context.Background()
	var want []Study
	for _, s := range f.all {
		if keep(&s) {
			want = append(want, s)
		}
	}
	all := q
	all.Limit = MaxQueryLimit
	p, err := f.ix.QueryStudies(ctx, &all)
	if err != nil {
		t.Fatalf("%+v: %v", q, err)
	}
	if d := cmp.Diff(want, p.Items); d != "" || p.More {
		t.Errorf("%+v: more %v, -want +got:\n%s", q, p.More, d)
	}
	for size := 1; size <= 7; size += 3 {
		var got []Study
		pg := q
		pg.Limit = size
		for pg.Offset = 0; ; pg.Offset += size {
			p, err := f.ix.QueryStudies(ctx, &pg)
			if err != nil {
				t.Fatalf("%+v: %v", pg, err)
			}
			got = append(got, p.Items...)
			if !p.More {
				break
			}
			if len(p.Items) != size {
				t.Fatalf("%+v: a page of %d says there are more", pg, len(p.Items))
			}
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%+v in pages of %d: -want +got:\n%s", q, size, d)
		}
	}
}

// Name and referring physician patterns return exactly the studies that a
// brute-force wildcard match over the folded names selects, in order, with
// the aggregates the query computed before ranges and page-first
// selection: a range computed too narrow loses boundary names.
func TestSQLiteFoldedPatternQueries(t *testing.T) {
	f := newQueryFixture(t)
	patterns := []string{
		"lef*", "LEF*", "lefè*", "LEFÈVRE*", "lef?", "lef", "le*", "l*", "LEFEVRE", "lefevre hélène", "lefevre h*",
		"dup?nt*", "DUP?NT", "dup*nt", "?UPONT", "*ONT", "*", "?", "**", "*?",
		"coeur*", "cœur*", "œuv*", "oeuvre", "de la f*", "de  la*", "DE LA FONTAINE JEAN",
		"a%*", "a_*", `a\*`, "a%", "a_b", `A\B`, "a?b", "a*", "A",
		"\u4e3f*", "\u4e3f", "\u4e3f?", "\u4e40*", "\u013f*", "\u0140*", "\u0141*", "LEF\U0010FFFD*", "LEF\u4e3f*", "\U0010FFFD*",
		"m?ller*", "muller*", "mü*", "zz*", "z*", "zzz*", "lef=X*",
	}
	for _, pat := range patterns {
		t.Run("name "+pat, func(t *testing.T) {
			f.check(t, Query{PatientName: pat}, func(s *Study) bool { return matchesFolded(pat, s.Patient.Name) })
		})
		t.Run("referring "+pat, func(t *testing.T) {
			f.check(t, Query{ReferringPhysician: pat}, func(s *Study) bool { return matchesFolded(pat, s.ReferringPhysician) })
		})
	}
	// Both conditions narrow the same query; a pattern with a prefix
	// beside one without.
	f.check(t, Query{PatientName: "l*", ReferringPhysician: "*e*"}, func(s *Study) bool {
		return matchesFolded("l*", s.Patient.Name) && matchesFolded("*e*", s.ReferringPhysician)
	})
}

// Every other study filter goes through the page-first query too: same
// studies, order and aggregates as the reference.
func TestSQLiteStudyQueriesPageFirst(t *testing.T) {
	f := newQueryFixture(t)
	day := func(s string) time.Time { d, _ := time.Parse("20060102", s); return d }
	hasMod := func(s *Study, m string) bool {
		return slices.ContainsFunc(s.Modalities, func(x string) bool { return strings.EqualFold(x, m) })
	}
	f.check(t, Query{}, func(*Study) bool { return true })
	f.check(t, Query{PatientID: "P03"}, func(s *Study) bool { return s.Patient.PatientID == "P03" })
	f.check(t, Query{PatientID: "P1?"}, func(s *Study) bool { return strings.HasPrefix(s.Patient.PatientID, "P1") })
	f.check(t, Query{StudyDateFrom: day("20240115"), StudyDateTo: day("20240214")}, func(s *Study) bool {
		return s.StudyDate >= "20240115" && s.StudyDate <= "20240214"
	})
	f.check(t, Query{StudyDateFrom: day("20240301")}, func(s *Study) bool { return s.StudyDate >= "20240301" })
	f.check(t, Query{Modality: "ct"}, func(s *Study) bool { return hasMod(s, "CT") })
	f.check(t, Query{Modality: "US", StudyDateTo: day("20240201"), PatientName: "*e*"}, func(s *Study) bool {
		return hasMod(s, "US") && s.StudyDate <= "20240201" && matchesFolded("*e*", s.Patient.Name)
	})
	f.check(t, Query{AccessionNumber: "ACC1*"}, func(s *Study) bool { return strings.HasPrefix(s.AccessionNumber, "ACC1") })
	uid := f.all[len(f.all)/2].StudyInstanceUID
	f.check(t, Query{StudyInstanceUID: uid}, func(s *Study) bool { return s.StudyInstanceUID == uid })
	f.check(t, Query{SeriesInstanceUID: uid + ".0"}, func(s *Study) bool { return s.StudyInstanceUID == uid })
	f.check(t, Query{SOPInstanceUID: uid + ".0.0"}, func(s *Study) bool { return s.StudyInstanceUID == uid })
}

// An index created by the previous schema (version 2, as shipped) gets the
// covering index on open, keeps its rows, and its study aggregates read
// the new index.
func TestSQLiteMigratesFromVersion2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "index.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		migrations[0], migrations[1], `INSERT INTO schema_migrations VALUES (1, 0), (2, 0)`}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range fixtureRecords() {
		if _, _, err := putInstanceTx(ctx, tx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	before, err := referenceStudies(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	ix, err := OpenSQLiteIndex(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	var v int
	if err := ix.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil || v != len(migrations) || v < 3 {
		t.Fatalf("schema version %d of %d, %v", v, len(migrations), err)
	}
	var idx []string
	err = ix.walkRows(ctx, `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'instances' AND sql IS NOT NULL ORDER BY name`, nil, func(r scanner) error {
		var n string
		idx = append(idx, n)
		return r.Scan(&idx[len(idx)-1])
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(idx, "instances_study_size") || slices.Contains(idx, "instances_study") {
		t.Fatalf("indexes on instances after migration: %v", idx)
	}
	var plan strings.Builder
	err = ix.walkRows(ctx, `EXPLAIN QUERY PLAN SELECT `+studyCols+` FROM studies s JOIN patients p ON p.pkey = s.pkey WHERE s.study_uid = ?`, []any{"1.2.0.0"}, func(r scanner) error {
		var id, parent, unused int
		var detail string
		err := r.Scan(&id, &parent, &unused, &detail)
		fmt.Fprintln(&plan, detail)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(plan.String(), "COVERING INDEX instances_study_size") != 2 {
		t.Errorf("the instance aggregates do not read the covering index:\n%s", plan.String())
	}
	p, err := ix.QueryStudies(ctx, &Query{Limit: MaxQueryLimit})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, p.Items); d != "" || len(before) == 0 {
		t.Errorf("studies after migration, -before +after:\n%s", d)
	}
	// Stores still work on the migrated schema, and reopening applies
	// nothing more.
	r := fixtureRecords()[0]
	r.Instance.SOPInstanceUID += ".9"
	if _, ok, err := ix.PutInstance(ctx, r); err != nil || !ok {
		t.Fatalf("store after migration: %v, %v", ok, err)
	}
	ix.Close()
	if ix, err = OpenSQLiteIndex(ctx, path); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := ix.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(migrations) {
		t.Fatalf("%d migrations recorded, %v", n, err)
	}
}
