package anonymize

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestParsePseudonymMap(t *testing.T) {
	m, err := ParsePseudonymMap(strings.NewReader("# donors\nidentifier,pseudonym\n1 42 10 2A 247 650 52, CRISTAL-1\nIPP|64698221,CRISTAL-2\n\n77777,CRISTAL-3\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ref  PatientRef
		want string
	}{
		{PatientRef{INS: "142102a24765052"}, "CRISTAL-1"},
		{PatientRef{PatientID: "64698221", IssuerOfPatientID: "ipp"}, "CRISTAL-2"},
		{PatientRef{PatientID: "77777"}, "CRISTAL-3"},
	} {
		if got, err := m.Lookup(context.Background(), c.ref); got != c.want || err != nil {
			t.Errorf("%v: %q %v", c.ref, got, err)
		}
	}
	if _, err := m.Lookup(context.Background(), PatientRef{PatientID: "nobody"}); !errors.Is(err, ErrNoPseudonym) {
		t.Errorf("unknown patient: %v", err)
	}
	for _, bad := range []string{"a,b\na,c\n", "a,\n", "a,b,c\n", "a,x^y\n", "a," + strings.Repeat("x", 65) + "\n", "\"a\n"} {
		if _, err := ParsePseudonymMap(strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPatientRefRedacted(t *testing.T) {
	if v := (PatientRef{PatientID: "64698221"}).LogValue().String(); strings.Contains(v, "6469") {
		t.Error("PatientRef logs its ID")
	}
	if v := (ReidRecord{PatientID: "64698221"}).LogValue().String(); strings.Contains(v, "6469") {
		t.Error("ReidRecord logs its ID")
	}
}

func TestShiftDates(t *testing.T) {
	for _, c := range []struct{ in, da, dt string }{
		{"20191014", "20190924", "20190924"},
		{"20190301-20190310", "20190209-20190218", ""},
		{"2019.03.01", "20190209", ""},
		{"2019", "", "2019"},
		{"201903", "", "201902"},
		{"20191014093000.123456-0500", "", "20190924093000.123456-0500"},
	} {
		if c.da != "" {
			if got, ok := shiftDA(c.in, 20); !ok || got != c.da {
				t.Errorf("shiftDA(%q) = %q %v, want %q", c.in, got, ok, c.da)
			}
		}
		if c.dt != "" {
			if got, ok := shiftDT(c.in, 20); !ok || got != c.dt {
				t.Errorf("shiftDT(%q) = %q %v, want %q", c.in, got, ok, c.dt)
			}
		}
	}
	if _, ok := shiftDA("not a date", 3); ok {
		t.Error("garbage shifted")
	}
	if coarsenAge("077Y") != "075Y" || coarsenAge("097Y") != "090Y" || coarsenAge("006M") != "000Y" {
		t.Error("coarsenAge")
	}
}
