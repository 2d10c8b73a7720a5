package dicomarchive_test

import (
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

var (
	tagStudyDate = dicomio.NewTag(0x0008, 0x0020)
	tagAccession = dicomio.NewTag(0x0008, 0x0050)
	tagReferring = dicomio.NewTag(0x0008, 0x0090)
	tagIssuer    = dicomio.NewTag(0x0010, 0x0021)
	tagBirthDate = dicomio.NewTag(0x0010, 0x0030)
)

type fakePatient struct {
	id, name, referring, accession, date string
}

func setPatient(p fakePatient) func(*dicomio.File) {
	return func(f *dicomio.File) {
		ds := f.Dataset
		ds.MustSetStrings(dicomio.TagPatientID, dicomio.LO, p.id)
		ds.MustSetStrings(tagIssuer, dicomio.LO, "IPP-TEST")
		if err := ds.SetStrings(dicomio.TagPatientName, dicomio.PN, p.name); err != nil {
			panic(err)
		}
		if err := ds.SetStrings(tagReferring, dicomio.PN, p.referring); err != nil {
			panic(err)
		}
		ds.MustSetStrings(tagAccession, dicomio.SH, p.accession)
		ds.MustSetStrings(tagStudyDate, dicomio.DA, p.date)
	}
}

// queryFixture stores four studies of three patients.
func queryFixture(t *testing.T) (*dicomarchive.Archive, map[string]string) {
	a := openArchive(t, t.TempDir(), nil)
	uids := map[string]string{}
	for i, s := range []struct {
		kind synth.Kind
		p    fakePatient
	}{
		{synth.CT, fakePatient{"IPP001", "LEFÈVRE-DUPRÉ^Françoise", "MARTIN^Hélène", "ACC1", "20240115"}},
		{synth.MR, fakePatient{"IPP001", "LEFÈVRE-DUPRÉ^Françoise", "DURAND^Éric", "ACC2", "20240320"}},
		{synth.CT, fakePatient{"IPP002", "DUPONT^Jean", "MARTIN^Hélène", "ACC3", "20230601"}},
		{synth.CR, fakePatient{"IPP003", "Œuvray^Zoé", "DURAND^Éric", "ACC4", "20250101"}},
	} {
		objs := studyOpts(t, s.kind, synth.Options{Seed: uint64(100 + i), Slices: 2, Rows: 64, Columns: 64, CharacterSet: "ISO_IR 192"}, setPatient(s.p))
		storeAll(t, a, objs)
		uids[s.p.accession] = objs[0].study
	}
	return a, uids
}

func studyAccessions(t *testing.T, a *dicomarchive.Archive, q dicomarchive.Query) []string {
	t.Helper()
	p, err := a.QueryStudies(ctx(), &q)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range p.Items {
		out = append(out, s.AccessionNumber)
	}
	sort.Strings(out)
	return out
}

func TestQueryStudies(t *testing.T) {
	a, uids := queryFixture(t)
	day := func(s string) time.Time {
		d, err := time.Parse("20060102", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, c := range []struct {
		name string
		q    dicomarchive.Query
		want string
	}{
		{"all", dicomarchive.Query{}, "ACC1 ACC2 ACC3 ACC4"},
		{"patient id", dicomarchive.Query{PatientID: "IPP001"}, "ACC1 ACC2"},
		{"patient id wildcard", dicomarchive.Query{PatientID: "IPP00?"}, "ACC1 ACC2 ACC3 ACC4"},
		{"name, no accents, lower case", dicomarchive.Query{PatientName: "lefevre*"}, "ACC1 ACC2"},
		{"name, given name with accent", dicomarchive.Query{PatientName: "*françoise"}, "ACC1 ACC2"},
		{"name, space for caret", dicomarchive.Query{PatientName: "dupont jean"}, "ACC3"},
		{"name, exact needs the whole value", dicomarchive.Query{PatientName: "dupont"}, ""},
		{"name, ligature", dicomarchive.Query{PatientName: "OEUVRAY*"}, "ACC4"},
		{"name, single-character wildcard", dicomarchive.Query{PatientName: "dup?nt*"}, "ACC3"},
		{"referring physician", dicomarchive.Query{ReferringPhysician: "martin helene"}, "ACC1 ACC3"},
		{"referring physician wildcard", dicomarchive.Query{ReferringPhysician: "dur*"}, "ACC2 ACC4"},
		{"accession", dicomarchive.Query{AccessionNumber: "ACC3"}, "ACC3"},
		{"modality", dicomarchive.Query{Modality: "mr"}, "ACC2"},
		{"modality CT", dicomarchive.Query{Modality: "CT"}, "ACC1 ACC3"},
		{"date range", dicomarchive.Query{StudyDateFrom: day("20240101"), StudyDateTo: day("20241231")}, "ACC1 ACC2"},
		{"date from", dicomarchive.Query{StudyDateFrom: day("20240320")}, "ACC2 ACC4"},
		{"date to", dicomarchive.Query{StudyDateTo: day("20240115")}, "ACC1 ACC3"},
		{"study uid", dicomarchive.Query{StudyInstanceUID: uids["ACC4"]}, "ACC4"},
		{"combined", dicomarchive.Query{PatientName: "lef*", Modality: "CT"}, "ACC1"},
		{"percent is literal", dicomarchive.Query{PatientName: "%"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := studyAccessions(t, a, c.q)
			if s := join(got); s != c.want {
				t.Errorf("got %q, want %q", s, c.want)
			}
		})
	}
}

func join(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out
}

func TestQueryPagingAndLevels(t *testing.T) {
	a, uids := queryFixture(t)
	var seen []string
	q := dicomarchive.Query{Limit: 3}
	for {
		p, err := a.QueryStudies(ctx(), &q)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range p.Items {
			seen = append(seen, s.AccessionNumber)
		}
		if !p.More {
			break
		}
		q.Offset += len(p.Items)
	}
	if len(seen) != 4 || seen[0] != "ACC4" || seen[3] != "ACC3" {
		t.Fatalf("pages: %v (want most recent first)", seen)
	}
	ser, err := a.QuerySeries(ctx(), &dicomarchive.Query{StudyInstanceUID: uids["ACC2"]})
	if err != nil || len(ser.Items) != 1 || ser.Items[0].Modality != "MR" || ser.Items[0].NumInstances != 2 {
		t.Fatalf("series: %+v %v", ser, err)
	}
	ins, err := a.QueryInstances(ctx(), &dicomarchive.Query{PatientName: "lefevre*", Modality: "CT"})
	if err != nil || len(ins.Items) != 2 || ins.Items[0].StudyInstanceUID != uids["ACC1"] {
		t.Fatalf("instances: %+v %v", ins, err)
	}
	for _, bad := range []dicomarchive.Query{{Limit: -1}, {Limit: dicomarchive.MaxQueryLimit + 1}, {Offset: -2},
		{StudyDateFrom: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), StudyDateTo: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}} {
		_, err := a.QueryStudies(ctx(), &bad)
		var qe *dicomarchive.QueryError
		if !errors.As(err, &qe) || !errors.Is(err, dicomarchive.ErrQuery) {
			t.Errorf("%+v: got %v, want a QueryError", bad, err)
		}
	}
}

func TestFoldName(t *testing.T) {
	for in, want := range map[string]string{
		"Lefèvre-Dupré^Françoise":    "LEFEVRE-DUPRE FRANCOISE",
		"DUPONT^JEAN^^^":             "DUPONT JEAN",
		"  d'Alembert ^ Jean  ":      "D'ALEMBERT JEAN",
		"Œuvray^Zoé":                 "OEUVRAY ZOE",
		"Yamada^Tarou=山田^太郎=やまだ^たろう": "YAMADA TAROU",
		"Straße": "STRASSE",
	} {
		if got := dicomarchive.FoldName(in); got != want {
			t.Errorf("FoldName(%q) = %q, want %q", in, got, want)
		}
	}
}
