package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Date is a civil date (no time of day, no time zone), stored as the number
// of days since 1970-01-01. Screening rules count in days, months and years
// ("deux ans après l'envoi de l'invitation"), and a time.Time would drag a
// time zone and a clock time into every comparison, which is how a
// deadline ends up one day off around midnight or a DST change.
//
// The zero Date is 1970-01-01; use [Date.IsZero] to test for "unset".
// Dates order with the ordinary integer operators.
type Date int32

// NoDate is an explicit "unset" value distinct from 1970-01-01. Fields that
// may be unset use it; [Date.IsSet] tests for it.
const NoDate Date = -1 << 31

// IsSet reports whether d is not [NoDate].
func (d Date) IsSet() bool { return d != NoDate }

// IsZero reports whether d is 1970-01-01 (the zero value).
func (d Date) IsZero() bool { return d == 0 }

// Of returns the date year-month-day. Out-of-range months and days are
// normalised as time.Date does (2024-02-30 is 2024-03-01).
func Of(year int, month time.Month, day int) Date {
	return FromTime(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

// FromTime returns the civil date of t in t's own location: a time at
// 23:30 in Paris is that day, whatever its UTC date.
func FromTime(t time.Time) Date {
	y, m, d := t.Date()
	u := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Date(u.Unix() / 86400)
}

// Time returns midnight of d in loc (UTC if loc is nil).
func (d Date) Time(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, dd := d.YMD()
	return time.Date(y, m, dd, 0, 0, 0, 0, loc)
}

// YMD returns the year, month and day of d.
func (d Date) YMD() (year int, month time.Month, day int) {
	return time.Unix(int64(d)*86400, 0).UTC().Date()
}

// Year returns the year of d.
func (d Date) Year() int { y, _, _ := d.YMD(); return y }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	w := (int(d)%7 + 7 + int(time.Thursday)) % 7
	return time.Weekday(w)
}

// AddDays returns d plus n days (n may be negative).
func (d Date) AddDays(n int) Date { return d + Date(n) }

// AddMonths returns d plus n months, clamping the day to the end of the
// target month: 31 August + 6 months is 28 (or 29) February, not 3 March.
// A délai "de six mois" that ends after the last day of a month would
// otherwise spill into the next one, which no screening centre would
// defend; clamping is also what French civil computation of delays by
// months does (the délai ends on the same quantième, or on the last day of
// the month when it has none).
func (d Date) AddMonths(n int) Date {
	y, m, dd := d.YMD()
	total := int(m) - 1 + n
	y += floorDiv(total, 12)
	m = time.Month(floorMod(total, 12) + 1)
	if last := DaysIn(y, m); dd > last {
		dd = last
	}
	return Of(y, m, dd)
}

// AddYears returns d plus n years, with the same end-of-month clamping as
// [Date.AddMonths] (29 February + 1 year is 28 February).
func (d Date) AddYears(n int) Date { return d.AddMonths(12 * n) }

// Add returns d plus the period p: years and months first (clamped, see
// [Date.AddMonths]), then days.
func (d Date) Add(p Period) Date {
	return d.AddMonths(12*p.Years + p.Months).AddDays(p.Days)
}

// Sub returns the number of days from e to d (d - e).
func (d Date) Sub(e Date) int { return int(d) - int(e) }

// Age returns the number of whole years a person born on birth has
// completed on d. It is consistent with [Date.AddYears]: the person is n
// years old exactly from birth.AddYears(n) on, so someone born on
// 29 February turns 50 on 28 February of a common year.
func Age(birth, d Date) int {
	if d < birth {
		return -1
	}
	n := d.Year() - birth.Year()
	if birth.AddYears(n) > d {
		n--
	}
	return n
}

// String formats d as YYYY-MM-DD, or "-" for [NoDate].
func (d Date) String() string {
	if d == NoDate {
		return "-"
	}
	y, m, dd := d.YMD()
	return fmt.Sprintf("%04d-%02d-%02d", y, int(m), dd)
}

// ErrBadDate is wrapped by the errors of [Parse].
var ErrBadDate = errors.New("calendar: bad date")

// Parse reads a YYYY-MM-DD date and rejects impossible ones (2023-02-29).
func Parse(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return NoDate, fmt.Errorf("%w %q: want YYYY-MM-DD", ErrBadDate, s)
	}
	y, e1 := strconv.Atoi(s[0:4])
	m, e2 := strconv.Atoi(s[5:7])
	dd, e3 := strconv.Atoi(s[8:10])
	if e1 != nil || e2 != nil || e3 != nil || m < 1 || m > 12 || dd < 1 || dd > DaysIn(y, time.Month(m)) {
		return NoDate, fmt.Errorf("%w %q", ErrBadDate, s)
	}
	return Of(y, time.Month(m), dd), nil
}

// MustParse is [Parse] for constants in tests and examples; it panics on a
// bad date.
func MustParse(s string) Date {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// MarshalText formats d as YYYY-MM-DD ("" for [NoDate]).
func (d Date) MarshalText() ([]byte, error) {
	if d == NoDate {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads YYYY-MM-DD; "" gives [NoDate].
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = NoDate
		return nil
	}
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// DaysIn returns the number of days of month m of year y.
func DaysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// Period is a calendar length: years, months and days, added in that order
// by [Date.Add]. Screening texts state délais in these units ("deux ans",
// "six mois", "30 jours"), and a year is not 365 days.
type Period struct {
	Years, Months, Days int
}

// Years returns a period of n years.
func Years(n int) Period { return Period{Years: n} }

// Months returns a period of n months.
func Months(n int) Period { return Period{Months: n} }

// Days returns a period of n days.
func Days(n int) Period { return Period{Days: n} }

// IsZero reports whether p is zero.
func (p Period) IsZero() bool { return p == Period{} }

// Plus returns p + q, field by field.
func (p Period) Plus(q Period) Period {
	return Period{p.Years + q.Years, p.Months + q.Months, p.Days + q.Days}
}

// Times returns p repeated n times.
func (p Period) Times(n int) Period {
	return Period{p.Years * n, p.Months * n, p.Days * n}
}

// Less reports whether p is shorter than q when both start on the same
// date (compared from 2001-01-31, a start that makes month clamping
// visible, then 2000-01-31 for leap years).
func (p Period) Less(q Period) bool {
	for _, s := range []Date{Of(2001, 1, 31), Of(2000, 1, 31)} {
		if s.Add(p) >= s.Add(q) {
			return false
		}
	}
	return true
}

// String formats p like "2y", "6m", "1y6m", "30d" ("0d" when zero).
func (p Period) String() string {
	s := ""
	if p.Years != 0 {
		s += strconv.Itoa(p.Years) + "y"
	}
	if p.Months != 0 {
		s += strconv.Itoa(p.Months) + "m"
	}
	if p.Days != 0 || s == "" {
		s += strconv.Itoa(p.Days) + "d"
	}
	return s
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }

// MarshalText formats p as [Period.String] does.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a period written as [Period.String] writes it
// ("2y", "6m", "1y6m", "30d").
func (p *Period) UnmarshalText(b []byte) error {
	var out Period
	s := string(b)
	if s == "" {
		return fmt.Errorf("calendar: empty period")
	}
	for s != "" {
		i := 0
		if s[0] == '-' {
			i = 1
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i == len(s) {
			return fmt.Errorf("calendar: bad period %q: want e.g. 2y6m or 30d", string(b))
		}
		n, err := strconv.Atoi(s[:i])
		if err != nil {
			return fmt.Errorf("calendar: bad period %q: %v", string(b), err)
		}
		switch s[i] {
		case 'y':
			out.Years += n
		case 'm':
			out.Months += n
		case 'd':
			out.Days += n
		default:
			return fmt.Errorf("calendar: bad period unit %q in %q: want y, m or d", s[i], string(b))
		}
		s = s[i+1:]
	}
	*p = out
	return nil
}
