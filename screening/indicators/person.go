package indicators

import (
	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/calendar"
)

// mammo is what a person's log says of one mammogram.
type mammo struct {
	key     Key
	date    screening.Date
	test    bool // a screening test (not a retake, not partial)
	l1Seen  bool
	l1Final screening.Category
	l2pos   bool
}

// progLog is one programme's running view of a person's log.
type progLog struct {
	inv          screening.Date // current unanswered invitation
	invKey       Key
	lastTest     screening.Date
	lastKey      Key
	lastPositive bool // colorectal: the latest FIT was positive
	screenedIn   int  // period of the last Screened count (0: none)
	tests        []screening.Date
	testKeys     []Key
	cancerIn     []int // periods with a cancer detected
}

// personFold computes one person's contribution.
type personFold struct {
	a      *Accumulator
	cells  []cellCounts
	dept   string
	birth  screening.Date
	progs  [3]progLog
	mammos map[screening.EventID]*mammo
	l2Neg  *mammo // mammogram of the latest negative second reading
}

type cellCounts struct {
	k Key
	c Counts
}

func (a *Accumulator) period(d screening.Date) int {
	y := d.Year()
	return y - ((y%a.years)+a.years)%a.years
}

func (f *personFold) key(p screening.Programme, d screening.Date) Key {
	return Key{Programme: p, Period: f.a.period(d), Department: f.dept}
}

func (f *personFold) at(k Key) *Counts {
	for i := range f.cells {
		if f.cells[i].k == k {
			return &f.cells[i].c
		}
	}
	f.cells = append(f.cells, cellCounts{k: k})
	return &f.cells[len(f.cells)-1].c
}

func idx(p screening.Programme) int { return int(p) - 1 }

// Add folds one person's events, in canonical order (as a
// [screening.Store] and [screening.Simulate] give them), into the
// counts. Events of an unknown programme are ignored.
func (a *Accumulator) Add(person screening.PersonID, events []screening.Event) {
	f := personFold{a: a, birth: screening.NoDate}
	for i := range f.progs {
		f.progs[i].inv, f.progs[i].lastTest = screening.NoDate, screening.NoDate
	}
	for i := range events {
		f.event(&events[i])
	}
	f.finish()
	a.mu.Lock()
	for i := range f.cells {
		c := a.cells[f.cells[i].k]
		if c == nil {
			c = &Counts{}
			a.cells[f.cells[i].k] = c
		}
		c.Add(&f.cells[i].c)
	}
	a.mu.Unlock()
}

// test records a screening test of p on d and returns its cell.
func (f *personFold) test(p screening.Programme, d screening.Date) *Counts {
	pl := &f.progs[idx(p)]
	k := f.key(p, d)
	c := f.at(k)
	c.Tests++
	if pl.screenedIn != k.Period || len(pl.tests) == 0 {
		c.Screened++
		pl.screenedIn = k.Period
	}
	pl.tests = append(pl.tests, d)
	pl.testKeys = append(pl.testKeys, k)
	if pl.inv != screening.NoDate && d <= pl.inv.Add(calendar.Years(1)) {
		f.at(pl.invKey).InvitationsAnswered++
	}
	pl.inv = screening.NoDate
	pl.lastTest, pl.lastKey = d, k
	return c
}

func (f *personFold) event(e *screening.Event) {
	cfg := &f.a.cfg
	switch d := e.Data.(type) {
	case screening.Birth:
		f.birth = d.Birth
		return
	case screening.Move:
		f.dept = d.Department
		return
	}
	p := e.Programme
	if !p.Valid() {
		return
	}
	pl := &f.progs[idx(p)]
	switch d := e.Data.(type) {
	case screening.Invitation:
		pl.inv, pl.invKey = e.Date, f.key(p, e.Date)
		f.at(pl.invKey).Invitations++
	case screening.Mammogram:
		m := &mammo{key: f.key(p, e.Date), date: e.Date, test: !d.Retake && !d.Partial}
		if f.mammos == nil {
			f.mammos = map[screening.EventID]*mammo{}
		}
		f.mammos[e.ID] = m
		if m.test {
			f.test(p, e.Date)
		}
		pl.lastTest, pl.lastKey = e.Date, m.key
	case screening.Reading:
		m := f.mammos[d.Of]
		if m == nil {
			return
		}
		cat := d.Category
		if !cat.Valid() {
			cat = screening.ExamCategory(d.Right, d.Left)
		}
		c := f.at(m.key)
		switch d.Reader {
		case screening.ReaderL1:
			if !m.l1Seen && m.test && (positive(cat) || d.WorkupDone) {
				c.L1PositiveBeforeWorkup++
			}
			m.l1Seen, m.l1Final = true, cat
		case screening.ReaderL2:
			c.L2Readings++
			days := e.Date.Sub(m.date)
			c.MammogramToL2Days += days
			c.MammogramToL2[screening.DelayBucket(days)]++
			switch {
			case d.CTI != screening.CTINone:
				c.CTI++
			case positive(cat):
				c.L2Positive++
				m.l2pos = true
			default:
				f.l2Neg = m
			}
		}
	case screening.FITResult:
		c := f.test(p, e.Date)
		if !d.Read.IsZero() && !d.SentToCentre.IsZero() {
			c.LabResults++
			if f.a.cal.HeuresOuvreesBetween(d.Read, d.SentToCentre) <= cfg.Colorectal.LabToCentre {
				c.LabOnTime++
			}
		}
		switch d.Outcome {
		case screening.FITPositive:
			c.Analysable++
			c.Positive++
		case screening.FITNegative:
			c.Analysable++
		}
		pl.lastPositive = d.Outcome == screening.FITPositive
	case screening.CervicalTest:
		c := f.test(p, e.Date)
		switch d.Result {
		case screening.ResultUnsatisfactory:
		case screening.ResultNILM, screening.ResultHPVNegative:
			c.Analysable++
		default:
			c.Analysable++
			c.Positive++
		}
	case screening.Colonoscopy:
		if pl.lastTest != screening.NoDate && pl.lastPositive {
			c := f.at(pl.lastKey)
			c.Colonoscopies++
			if d.Finding.Cancer() || d.Finding == screening.FindingAdvancedAdenoma {
				c.AdvancedNeoplasia++
			}
		}
	case screening.Histology:
		if !d.Finding.Cancer() {
			return
		}
		var k Key
		l2 := false
		switch p {
		case screening.Breast:
			m := f.mammos[d.Of]
			if m == nil {
				return
			}
			k, l2 = m.key, m.l2pos
		case screening.Colorectal:
			if pl.lastTest == screening.NoDate || !pl.lastPositive {
				return
			}
			k = pl.lastKey
		default:
			if pl.lastTest == screening.NoDate {
				return
			}
			k = pl.lastKey
		}
		c := f.at(k)
		c.Cancers++
		if p == screening.Breast {
			if l2 {
				c.CancersL2++
			} else {
				c.CancersL1++
			}
		}
		if d.Finding == screening.FindingCancerInSitu {
			c.InSitu++
		} else {
			c.Invasive++
			if d.SizeMM > 0 {
				c.InvasiveSized++
				if d.SizeMM <= 10 {
					c.InvasiveSmall++
				}
			}
		}
		pl.cancerIn = append(pl.cancerIn, k.Period)
	case screening.ActionDone:
		switch d.Action {
		case screening.ActDeclareLost, screening.ActStopFollowUp:
			if pl.lastTest != screening.NoDate {
				f.at(pl.lastKey).Lost++
			}
		case screening.ActResultLetter:
			if m := f.l2Neg; m != nil && p == screening.Breast {
				c := f.at(m.key)
				c.ResultLetters++
				if e.Date <= m.date.Add(cfg.Breast.ResultLetterWithin) {
					c.ResultLettersOnTime++
				}
			}
		}
	}
}

// positive reports an ACR 0, 3, 4 or 5 category (annexe III, L868).
func positive(c screening.Category) bool {
	return c.Valid() && !c.Negative()
}

// finish counts what needs the whole log: the final first-reading
// category and the fidelity.
func (f *personFold) finish() {
	for _, m := range f.mammos {
		if m.test && m.l1Final >= screening.ACR3 {
			f.at(m.key).L1PositiveAfterWorkup++
		}
	}
	cfg := &f.a.cfg
	for _, p := range []screening.Programme{screening.Breast, screening.Colorectal} {
		pl := &f.progs[idx(p)]
		interval, maxAge := cfg.Breast.Interval, cfg.Breast.MaxAge
		if p == screening.Colorectal {
			interval, maxAge = cfg.Colorectal.Interval, cfg.Colorectal.MaxAge
		}
		period := 0
		for i, d := range pl.tests {
			k := pl.testKeys[i]
			if i > 0 && k.Period == period {
				continue
			}
			period = k.Period
			if containsInt(pl.cancerIn, period) || f.birth == screening.NoDate || calendar.Age(f.birth, d.Add(interval)) > maxAge {
				continue
			}
			c := f.at(k)
			c.FidelityBase++
			after, until := screening.FidelityWindow(d, interval)
			for _, e := range pl.tests[i+1:] {
				if e > after && e <= until {
					c.FidelityReturned++
					break
				}
			}
		}
	}
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
