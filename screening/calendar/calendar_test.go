package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestEasterKnownYears(t *testing.T) {
	// Dates from the published Gregorian Easter tables.
	known := map[int]string{
		1818: "1818-03-22", // earliest possible date
		1943: "1943-04-25", // latest possible date
		2000: "2000-04-23",
		2008: "2008-03-23",
		2011: "2011-04-24",
		2019: "2019-04-21",
		2023: "2023-04-09",
		2024: "2024-03-31",
		2025: "2025-04-20",
		2026: "2026-04-05",
		2027: "2027-03-28",
		2030: "2030-04-21",
		2038: "2038-04-25",
		2285: "2285-03-22",
	}
	for y, want := range known {
		if got := Easter(y).String(); got != want {
			t.Errorf("Easter(%d) = %s, want %s", y, got, want)
		}
	}
}

func TestHolidaysKnownYears(t *testing.T) {
	// Public holidays as published by service-public.fr for each year.
	cases := map[int][]string{
		2024: {"2024-01-01", "2024-04-01", "2024-05-01", "2024-05-08", "2024-05-09", "2024-05-20", "2024-07-14", "2024-08-15", "2024-11-01", "2024-11-11", "2024-12-25"},
		2025: {"2025-01-01", "2025-04-21", "2025-05-01", "2025-05-08", "2025-05-29", "2025-06-09", "2025-07-14", "2025-08-15", "2025-11-01", "2025-11-11", "2025-12-25"},
		2026: {"2026-01-01", "2026-04-06", "2026-05-01", "2026-05-08", "2026-05-14", "2026-05-25", "2026-07-14", "2026-08-15", "2026-11-01", "2026-11-11", "2026-12-25"},
		// 2008: Ascension fell on 1 May; the list keeps both entries.
		2008: {"2008-01-01", "2008-03-24", "2008-05-01", "2008-05-01", "2008-05-08", "2008-05-12", "2008-07-14", "2008-08-15", "2008-11-01", "2008-11-11", "2008-12-25"},
	}
	var c Calendar
	for y, want := range cases {
		got := c.Holidays(y)
		if len(got) != len(want) {
			t.Fatalf("%d: %d holidays, want %d: %v", y, len(got), len(want), got)
		}
		for i := range want {
			if got[i].Date.String() != want[i] {
				t.Errorf("%d: holiday %d = %s (%s), want %s", y, i, got[i].Date, got[i].Name, want[i])
			}
			if !c.IsHoliday(got[i].Date) {
				t.Errorf("IsHoliday(%s) = false", got[i].Date)
			}
		}
		// Every other day of the year is not a holiday.
		set := map[Date]bool{}
		for _, h := range got {
			set[h.Date] = true
		}
		for d := Of(y, 1, 1); d.Year() == y; d++ {
			if c.IsHoliday(d) != set[d] {
				t.Errorf("IsHoliday(%s) = %v, Holidays says %v", d, c.IsHoliday(d), set[d])
			}
		}
	}
}

func TestAlsaceMoselle(t *testing.T) {
	am := MustNew(Options{AlsaceMoselle: true})
	var fr Calendar
	for _, s := range []string{"2024-03-29", "2024-12-26", "2025-04-18", "2025-12-26", "2026-04-03"} {
		d := MustParse(s)
		if !am.IsHoliday(d) {
			t.Errorf("Alsace-Moselle: %s should be a holiday", s)
		}
		if fr.IsHoliday(d) {
			t.Errorf("mainland: %s should not be a holiday", s)
		}
	}
	if n := len(am.Holidays(2025)); n != 13 {
		t.Errorf("Alsace-Moselle 2025: %d holidays, want 13", n)
	}
}

func TestJoursOuvresAndOuvrables(t *testing.T) {
	var fr Calendar
	am := MustNew(Options{AlsaceMoselle: true})
	cases := []struct {
		name string
		c    Calendar
		ouvr bool // true: ouvrables, false: ouvrés
		from string
		n    int
		want string
	}{
		{"2 ouvrés over a weekend", fr, false, "2024-12-20", 2, "2024-12-24"},
		{"2 ouvrés over Christmas", fr, false, "2024-12-24", 2, "2024-12-27"},
		{"2 ouvrés over Christmas, Alsace-Moselle", am, false, "2024-12-24", 2, "2024-12-30"},
		{"30 ouvrables through May 2024 (1, 8, 9, 20 May)", fr, true, "2024-04-29", 30, "2024-06-07"},
		{"1 ouvrable from Saturday is Monday", fr, true, "2024-06-01", 1, "2024-06-03"},
		{"1 ouvrable from Friday is Saturday", fr, true, "2024-05-31", 1, "2024-06-01"},
		{"1 ouvré from Friday is Monday", fr, false, "2024-05-31", 1, "2024-06-03"},
		{"Easter Monday skipped", fr, false, "2025-04-18", 1, "2025-04-22"},
		{"Good Friday skipped in Alsace-Moselle", am, false, "2025-04-17", 1, "2025-04-22"},
		{"zero", fr, false, "2025-04-19", 0, "2025-04-19"},
	}
	for _, tc := range cases {
		from := MustParse(tc.from)
		var got Date
		if tc.ouvr {
			got = tc.c.AddJoursOuvrables(from, tc.n)
		} else {
			got = tc.c.AddJoursOuvres(from, tc.n)
		}
		if got.String() != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestHeuresOuvrees(t *testing.T) {
	var fr Calendar
	at := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// Whole-day default: 48 h ouvrées from Friday 10:00 is Tuesday 10:00.
	if got := fr.AddHeuresOuvrees(at("2024-05-03 10:00"), 48*time.Hour); !got.Equal(at("2024-05-07 10:00")) {
		t.Errorf("48h from Fri 10:00 = %v", got)
	}
	// Office hours 9-17: Fri 7h, Mon 8, Tue 8, (Wed 8 May, Thu 9 May
	// holidays), Fri 8, Mon 8, Tue 8 = 47 h, then 1 h on Wednesday 15.
	office := MustNew(Options{DayStart: 9 * time.Hour, DayEnd: 17 * time.Hour})
	if got := office.AddHeuresOuvrees(at("2024-05-03 10:00"), 48*time.Hour); !got.Equal(at("2024-05-15 10:00")) {
		t.Errorf("48h office hours from Fri 10:00 = %v", got)
	}
	// Starting on a Sunday evening starts counting on Monday.
	if got := office.AddHeuresOuvrees(at("2024-06-02 20:00"), 2*time.Hour); !got.Equal(at("2024-06-03 11:00")) {
		t.Errorf("2h from Sunday evening = %v", got)
	}
	if got := fr.HeuresOuvreesBetween(at("2024-05-03 10:00"), at("2024-05-07 10:00")); got != 48*time.Hour {
		t.Errorf("HeuresOuvreesBetween = %v, want 48h", got)
	}
	if got := office.HeuresOuvreesBetween(at("2024-05-03 10:00"), at("2024-05-15 10:00")); got != 48*time.Hour {
		t.Errorf("office HeuresOuvreesBetween = %v, want 48h", got)
	}
	if got := fr.HeuresOuvreesBetween(at("2024-05-07 10:00"), at("2024-05-03 10:00")); got != 0 {
		t.Errorf("reversed interval = %v, want 0", got)
	}
}

func TestHeuresOuvreesParis(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata for Europe/Paris:", err)
	}
	var fr Calendar
	// Friday 29 March 2024 12:00 Paris; the DST change on Sunday 31 March
	// and Easter Monday 1 April do not count: 48 h later is Wednesday noon.
	start := time.Date(2024, 3, 29, 12, 0, 0, 0, paris)
	want := time.Date(2024, 4, 3, 12, 0, 0, 0, paris)
	if got := fr.AddHeuresOuvrees(start, 48*time.Hour); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestBetweenInvertsAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cals := []Calendar{{}, MustNew(Options{AlsaceMoselle: true}), MustNew(Options{WorkWeek: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}})}
	for i := 0; i < 2000; i++ {
		c := cals[i%len(cals)]
		d := Of(2000, 1, 1).AddDays(r.IntN(365 * 40))
		n := r.IntN(60)
		if got := c.JoursOuvresBetween(d, c.AddJoursOuvres(d, n)); got != n {
			t.Fatalf("ouvrés: Between(%s, Add(%s, %d)) = %d", d, d, n, got)
		}
		if got := c.JoursOuvrablesBetween(d, c.AddJoursOuvrables(d, n)); got != n {
			t.Fatalf("ouvrables: Between(%s, Add(%s, %d)) = %d", d, d, n, got)
		}
		if n > 0 && !c.IsJourOuvre(c.AddJoursOuvres(d, n)) {
			t.Fatalf("AddJoursOuvres(%s, %d) is not a jour ouvré", d, n)
		}
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []Options{
		{DayStart: 10 * time.Hour, DayEnd: 9 * time.Hour},
		{DayStart: -time.Hour, DayEnd: 9 * time.Hour},
		{DayEnd: 25 * time.Hour},
		{WorkWeek: []time.Weekday{9}},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}
