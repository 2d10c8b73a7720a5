package calendar

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

func TestDateRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 5000; i++ {
		d := Date(r.IntN(200*365) - 100*365)
		y, m, dd := d.YMD()
		if Of(y, m, dd) != d {
			t.Fatalf("Of(YMD(%d)) != %d", d, d)
		}
		p, err := Parse(d.String())
		if err != nil || p != d {
			t.Fatalf("Parse(%s) = %v, %v", d, p, err)
		}
		if w := d.Time(time.UTC).Weekday(); w != d.Weekday() {
			t.Fatalf("%s: Weekday %v, time says %v", d, d.Weekday(), w)
		}
	}
}

func TestAddMonthsClamps(t *testing.T) {
	cases := []struct {
		from string
		n    int
		want string
	}{
		{"2024-08-31", 6, "2025-02-28"},
		{"2023-08-31", 6, "2024-02-29"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2024-03-31", -1, "2024-02-29"},
		{"2024-02-29", 12, "2025-02-28"},
		{"2024-05-15", 24, "2026-05-15"},
		{"2024-12-15", 1, "2025-01-15"},
		{"2025-01-15", -13, "2023-12-15"},
	}
	for _, tc := range cases {
		if got := MustParse(tc.from).AddMonths(tc.n).String(); got != tc.want {
			t.Errorf("%s + %d months = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
}

func TestAge(t *testing.T) {
	b := MustParse("1974-06-15")
	cases := map[string]int{"2024-06-14": 49, "2024-06-15": 50, "2049-06-14": 74, "2049-06-15": 75, "1974-06-15": 0, "1974-06-14": -1}
	for s, want := range cases {
		if got := Age(b, MustParse(s)); got != want {
			t.Errorf("Age(%s, %s) = %d, want %d", b, s, got, want)
		}
	}
	leap := MustParse("1976-02-29")
	if got := Age(leap, MustParse("2026-02-28")); got != 50 {
		t.Errorf("leap-day birth: age on 2026-02-28 = %d, want 50 (consistent with AddYears)", got)
	}
	if leap.AddYears(50) != MustParse("2026-02-28") {
		t.Errorf("AddYears(50) = %s", leap.AddYears(50))
	}
}

func TestParseRejects(t *testing.T) {
	for _, s := range []string{"", "2023-02-29", "2024-13-01", "2024-00-10", "2024-1-1", "24-01-01x", "abcd-ef-gh"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}

func TestJSON(t *testing.T) {
	type s struct {
		D Date
		N Date
		P Period
	}
	in := s{MustParse("2024-05-07"), NoDate, Period{1, 6, 3}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"D":"2024-05-07","N":"","P":"1y6m3d"}` {
		t.Errorf("json = %s", b)
	}
	var out s
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("round trip: %+v, %v", out, err)
	}
	var p Period
	for _, bad := range []string{"", "2", "y", "2w", "1y2"} {
		if err := p.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("Period %q accepted", bad)
		}
	}
}

func TestPeriodLess(t *testing.T) {
	if !Months(11).Less(Years(1)) || Years(1).Less(Months(12)) || !Days(27).Less(Months(1)) || Days(30).Less(Months(1)) {
		t.Error("Period.Less")
	}
}
