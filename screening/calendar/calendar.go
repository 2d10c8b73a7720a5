// Package calendar is the French business calendar the screening délais
// are counted in: public holidays (Easter-based ones computed), "jours
// ouvrables", "jours ouvrés" and "heures ouvrées", with the two extra days
// of Alsace-Moselle as an option, and a civil [Date] type with month
// arithmetic that clamps to the end of the month.
//
// The texts use the three units for different délais, and they are not
// interchangeable: a FIT laboratory sends results "au plus égaux à 2 jours
// ouvrés" after receipt and to the CRCDC "dans les 48 heures ouvrées", while
// the supplier sends a new kit "dans un délai maximal de 30 jours
// ouvrables" (Arrêté du 16 janvier 2024, annexe IV). Thirty jours ouvrables
// are five weeks; thirty jours ouvrés are six.
//
// # Conventions
//
//   - Public holidays are the eleven of the Code du travail, article
//     L3133-1: 1 January, Easter Monday, 1 May, 8 May, Ascension Thursday,
//     Whit Monday, 14 July, 15 August, 1 November, 11 November, 25 December.
//     Whit Monday stays a public holiday even though many employers make it
//     the "journée de solidarité": the law lists it, and a laboratory closed
//     that day is within its rights. [Options.AlsaceMoselle] adds Good
//     Friday and 26 December (article L3134-13, Bas-Rhin, Haut-Rhin and
//     Moselle). The list is the one in force since 1982 (8 May was not a
//     holiday from 1960 to 1981); earlier years are computed with today's
//     list.
//   - A jour ouvrable is any day but Sunday and public holidays; a jour
//     ouvré is a day the organisation works, Monday to Friday by default
//     ([Options.WorkWeek]), minus public holidays.
//   - Heures ouvrées are the hours of jours ouvrés inside the working day
//     [Options.DayStart, Options.DayEnd); the default working day is the
//     whole day, so that 48 heures ouvrées are two jours ouvrés, the reading
//     a laboratory that runs "au minimum 5 jours sur 7" (annexe IV,
//     annexe 1, IV) would defend.
//   - A délai "de n jours" starts the day after the event (dies a quo non
//     computatur): [Calendar.AddJoursOuvrables] of 30 from a Monday counts
//     the Tuesday as day one.
package calendar

import (
	"fmt"
	"time"
)

// Options configure a [Calendar]. The zero value is mainland France,
// Monday-to-Friday working week, whole-day working hours.
type Options struct {
	// AlsaceMoselle adds Good Friday and 26 December, the two extra
	// public holidays of Bas-Rhin, Haut-Rhin and Moselle.
	AlsaceMoselle bool

	// WorkWeek lists the weekdays that are jours ouvrés (before public
	// holidays are removed). Empty means Monday to Friday.
	WorkWeek []time.Weekday

	// DayStart and DayEnd bound the working hours of a jour ouvré, as
	// offsets from midnight, for heures ouvrées. Both zero means the whole
	// day (0 to 24 h). DayEnd must be after DayStart and at most 24 h.
	DayStart, DayEnd time.Duration

	// Extra lists further non-working dates (a local holiday, an
	// overseas département's abolition-of-slavery day, a closure). They
	// are treated as public holidays.
	Extra []Date
}

// Calendar answers business-day questions. It is immutable and safe for
// concurrent use; the zero value is the mainland calendar (see [Options]).
type Calendar struct {
	alsace   bool
	week     [7]bool
	weekSet  bool
	start    time.Duration
	end      time.Duration
	extra    map[Date]bool
	hasHours bool
}

// New returns the calendar of opts.
func New(opts Options) (Calendar, error) {
	c := Calendar{alsace: opts.AlsaceMoselle}
	if len(opts.WorkWeek) > 0 {
		c.weekSet = true
		for _, w := range opts.WorkWeek {
			if w < time.Sunday || w > time.Saturday {
				return Calendar{}, fmt.Errorf("calendar: bad weekday %d", w)
			}
			c.week[w] = true
		}
	}
	if opts.DayStart != 0 || opts.DayEnd != 0 {
		if opts.DayStart < 0 || opts.DayEnd <= opts.DayStart || opts.DayEnd > 24*time.Hour {
			return Calendar{}, fmt.Errorf("calendar: bad working hours [%v, %v): want 0 <= start < end <= 24h", opts.DayStart, opts.DayEnd)
		}
		c.start, c.end, c.hasHours = opts.DayStart, opts.DayEnd, true
	}
	if len(opts.Extra) > 0 {
		c.extra = make(map[Date]bool, len(opts.Extra))
		for _, d := range opts.Extra {
			c.extra[d] = true
		}
	}
	return c, nil
}

// MustNew is [New] for fixed options; it panics on invalid ones.
func MustNew(opts Options) Calendar {
	c, err := New(opts)
	if err != nil {
		panic(err)
	}
	return c
}

// Holiday is a public holiday.
type Holiday struct {
	Date Date
	Name string // French name, e.g. "Lundi de Pâques"
}

// Easter returns Easter Sunday of year y (Gregorian calendar), by the
// anonymous Gregorian algorithm (Meeus/Jones/Butcher).
func Easter(y int) Date {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Of(y, time.Month(month), day)
}

// Holidays returns the public holidays of year y in date order (extra
// dates from [Options.Extra] are not included).
func (c Calendar) Holidays(y int) []Holiday {
	e := Easter(y)
	hs := []Holiday{
		{Of(y, time.January, 1), "Jour de l'an"},
		{e.AddDays(1), "Lundi de Pâques"},
		{Of(y, time.May, 1), "Fête du Travail"},
		{Of(y, time.May, 8), "Victoire 1945"},
		{e.AddDays(39), "Ascension"},
		{e.AddDays(50), "Lundi de Pentecôte"},
		{Of(y, time.July, 14), "Fête nationale"},
		{Of(y, time.August, 15), "Assomption"},
		{Of(y, time.November, 1), "Toussaint"},
		{Of(y, time.November, 11), "Armistice 1918"},
		{Of(y, time.December, 25), "Noël"},
	}
	if c.alsace {
		hs = append(hs, Holiday{e.AddDays(-2), "Vendredi saint"}, Holiday{Of(y, time.December, 26), "Saint-Étienne"})
	}
	// Insertion sort: at most 13 items, and the dates are nearly sorted.
	for i := 1; i < len(hs); i++ {
		for j := i; j > 0 && hs[j].Date < hs[j-1].Date; j-- {
			hs[j], hs[j-1] = hs[j-1], hs[j]
		}
	}
	return hs
}

// IsHoliday reports whether d is a public holiday (or an extra date).
func (c Calendar) IsHoliday(d Date) bool {
	if c.extra[d] {
		return true
	}
	y, m, dd := d.YMD()
	switch {
	case m == time.January && dd == 1,
		m == time.May && (dd == 1 || dd == 8),
		m == time.July && dd == 14,
		m == time.August && dd == 15,
		m == time.November && (dd == 1 || dd == 11),
		m == time.December && dd == 25,
		c.alsace && m == time.December && dd == 26:
		return true
	}
	if m < time.March || m > time.June {
		return false // Good Friday to Whit Monday fall between 20 March and 14 June
	}
	e := Easter(y)
	switch d.Sub(e) {
	case 1, 39, 50:
		return true
	case -2:
		return c.alsace
	}
	return false
}

// IsJourOuvrable reports whether d is a jour ouvrable: not a Sunday, not a
// public holiday.
func (c Calendar) IsJourOuvrable(d Date) bool {
	return d.Weekday() != time.Sunday && !c.IsHoliday(d)
}

// IsJourOuvre reports whether d is a jour ouvré: a day of the working week
// that is not a public holiday.
func (c Calendar) IsJourOuvre(d Date) bool {
	w := d.Weekday()
	if c.weekSet {
		if !c.week[w] {
			return false
		}
	} else if w == time.Saturday || w == time.Sunday {
		return false
	}
	return !c.IsHoliday(d)
}

// AddJoursOuvrables returns the n-th jour ouvrable after d (d itself does
// not count). n <= 0 returns d.
func (c Calendar) AddJoursOuvrables(d Date, n int) Date {
	return c.addDays(d, n, c.IsJourOuvrable)
}

// AddJoursOuvres returns the n-th jour ouvré after d (d itself does not
// count). n <= 0 returns d.
func (c Calendar) AddJoursOuvres(d Date, n int) Date {
	return c.addDays(d, n, c.IsJourOuvre)
}

func (c Calendar) addDays(d Date, n int, ok func(Date) bool) Date {
	for n > 0 {
		d++
		if ok(d) {
			n--
		}
	}
	return d
}

// JoursOuvresBetween returns the number of jours ouvrés in (from, to]:
// the days after from up to and including to. It is 0 when to <= from.
func (c Calendar) JoursOuvresBetween(from, to Date) int {
	return c.countDays(from, to, c.IsJourOuvre)
}

// JoursOuvrablesBetween returns the number of jours ouvrables in
// (from, to].
func (c Calendar) JoursOuvrablesBetween(from, to Date) int {
	return c.countDays(from, to, c.IsJourOuvrable)
}

func (c Calendar) countDays(from, to Date, ok func(Date) bool) int {
	n := 0
	for d := from + 1; d <= to; d++ {
		if ok(d) {
			n++
		}
	}
	return n
}

// workingWindow returns the working hours of day d in loc, or ok false if
// d is not a jour ouvré.
func (c Calendar) workingWindow(d Date, loc *time.Location) (start, end time.Time, ok bool) {
	if !c.IsJourOuvre(d) {
		return time.Time{}, time.Time{}, false
	}
	midnight := d.Time(loc)
	s, e := c.start, c.end
	if !c.hasHours {
		s, e = 0, 24*time.Hour
	}
	// Wall-clock offsets: a 24 h day is [midnight, next midnight) even on
	// a 23 h or 25 h DST day.
	start = wallClock(midnight, s)
	end = wallClock(midnight, e)
	return start, end, true
}

// wallClock returns the instant at wall-clock offset off after midnight
// (24 h gives the next midnight).
func wallClock(midnight time.Time, off time.Duration) time.Time {
	if off >= 24*time.Hour {
		y, m, d := midnight.Date()
		return time.Date(y, m, d+1, 0, 0, 0, 0, midnight.Location())
	}
	y, m, d := midnight.Date()
	h := int(off / time.Hour)
	mi := int((off % time.Hour) / time.Minute)
	s := int((off % time.Minute) / time.Second)
	return time.Date(y, m, d, h, mi, s, int(off%time.Second), midnight.Location())
}

// AddHeuresOuvrees returns the instant at which h of heures ouvrées have
// elapsed since t, counting only the working hours of jours ouvrés in t's
// location. With the default whole-day working hours, 48 h from a Friday
// 10:00 is the Tuesday 10:00 (Saturday and Sunday do not count).
func (c Calendar) AddHeuresOuvrees(t time.Time, h time.Duration) time.Time {
	if h <= 0 {
		return t
	}
	loc := t.Location()
	d := FromTime(t)
	for {
		s, e, ok := c.workingWindow(d, loc)
		if ok && e.After(t) {
			if t.Before(s) {
				t = s
			}
			if avail := e.Sub(t); h <= avail {
				return t.Add(h)
			} else {
				h -= avail
			}
		}
		d++
		t = d.Time(loc)
	}
}

// HeuresOuvreesBetween returns the heures ouvrées elapsed from a to b (0 if
// b is not after a), in a's location.
func (c Calendar) HeuresOuvreesBetween(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	loc := a.Location()
	b = b.In(loc)
	var total time.Duration
	for d := FromTime(a); d <= FromTime(b); d++ {
		s, e, ok := c.workingWindow(d, loc)
		if !ok {
			continue
		}
		if s.Before(a) {
			s = a
		}
		if e.After(b) {
			e = b
		}
		if e.After(s) {
			total += e.Sub(s)
		}
	}
	return total
}
