// Package indicators computes the evaluation indicators of the French
// organised screening programmes from the screening event logs: the
// participation, positivity, second-reading, cancer-detection, follow-up,
// fidelity and délai indicators the Arrêté du 16 janvier 2024 lists for
// the CRCDC (annexe III, VI.B and VI.C) and cites from the evaluation
// practice of Santé publique France (annexe I, VII), per programme, per
// period and per département (L953: "déclinés par département").
//
// Line numbers ("L967") are those of the Légifrance text of the arrêté,
// [screening.SeedFile], as the digests in the project brief cite them.
// The arrêté names most indicators without defining them (their
// definitions are in ANSP guides it does not reproduce, L167, L984); each
// count below says which reading radkit takes, so that two centres
// computing the same indicator get the same figure.
//
// The computation streams: [Accumulator.Add] folds one person's log at a
// time into per-cell counts, so memory grows with the number of cells
// (programmes × periods × départements), not with the cohort.
// [Compute] runs it over a [screening.Store]. Results are Go values
// ([Row]), CSV ([WriteCSV]) and PNG charts ([WriteCharts]).
//
// Everything is computed from the stored events only, never from the
// engine's derived states, so the figures can be checked against the
// simulator's ground truth ([screening.SimTruth]).
package indicators

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"

	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/calendar"
)

// Options configure the computation. The zero value uses the default
// [screening.Config], one-year periods and no population figures.
type Options struct {
	// Config gives the délais and age bounds (result letter within 15
	// days, 48 heures ouvrées, intervals, upper ages) and the business
	// calendar.
	Config screening.Config
	// PeriodYears groups calendar years into periods (0: 1). Set 2 for
	// the biennial campaigns the INSEE participation rate is usually
	// computed over.
	PeriodYears int
	// Population holds the INSEE target population of each cell, for
	// [Row.ParticipationINSEE] (L963, L987). Cells not in the map have no
	// INSEE rate.
	Population map[Key]int
}

// Key is an indicator cell: a programme, a period (its first calendar
// year) and a département (INSEE code; "" when the log has no [screening.Move]).
type Key struct {
	Programme  screening.Programme
	Period     int
	Department string
}

// Counts are the numerators and denominators of the indicators. Each
// count is attributed to the period of an anchor event: the invitation for
// Invitations and InvitationsAnswered, otherwise the screening test (the
// mammogram a reading or a histology names; for declarations and
// colorectal exams, the latest screening test of the programme before
// them). Screening tests are the mammograms that are neither retakes nor
// partial, the FIT results and the cervical tests.
type Counts struct {
	// Invitations sent; InvitationsAnswered: invitations followed by a
	// screening test within 12 months and before the next invitation.
	// Participation over the invited (L963, L167).
	Invitations, InvitationsAnswered int
	// Screened people (distinct within the cell) and screening Tests.
	Screened, Tests int
	// Breast, first reading: mammograms positive before the immediate
	// workup (ACR 0, 3, 4 or 5, or a workup done: L868, L993) and after
	// it (final first-reading ACR 3 to 5: L886, L995).
	L1PositiveBeforeWorkup, L1PositiveAfterWorkup int
	// Breast, second reading: readings, positive ones (ACR 0, 3, 4, 5
	// after a negative first reading: the L1/L2 discordance of L899) and
	// technically inadequate images (CTI, L897).
	L2Readings, L2Positive, CTI int
	// MammogramToL2Days sums the délais from mammogram to second reading
	// (L976); MammogramToL2 is their histogram ([screening.DelayBucket]).
	MammogramToL2Days int
	MammogramToL2     [screening.DelayBuckets]int
	// ResultLetters: negative-result letters; OnTime: sent within
	// BreastConfig.ResultLetterWithin (15 days) of the mammogram (L759).
	ResultLetters, ResultLettersOnTime int
	// Analysable results and Positive screens (FIT positive, L1422;
	// cervical HPV-HR positive or abnormal cytology, L1700).
	Analysable, Positive int
	// Colorectal: colonoscopies after a positive FIT, and those finding a
	// cancer or an advanced adenoma (L1463).
	Colonoscopies, AdvancedNeoplasia int
	// Colorectal laboratory results carrying their reading and sending
	// instants, and those that reached the centre within
	// ColorectalConfig.LabToCentre heures ouvrées (L1485).
	LabResults, LabOnTime int
	// Cancers detected after a positive screen (histology), by the first
	// or the second reader (breast, L893, L900), in situ (L1004),
	// invasive, invasive of known size and invasive ≤ 10 mm (L1005).
	Cancers, CancersL1, CancersL2, InSitu, Invasive, InvasiveSized, InvasiveSmall int
	// Lost: perdu(e) de vue declarations (breast L769, cervical L1720)
	// and colorectal follow-up stops without data (L1438).
	Lost int
	// Fidelity (breast and colorectal, L967-L969): people screened in
	// the period (their first test of it) less those not re-invited (a
	// cancer detected from a test of the period; past the upper age
	// bound one interval later); Returned: of those, people with another
	// screening test more than a year and at most interval + 1 year
	// later ([screening.FidelityWindow]).
	FidelityBase, FidelityReturned int
}

// Add adds o to c.
func (c *Counts) Add(o *Counts) {
	c.Invitations += o.Invitations
	c.InvitationsAnswered += o.InvitationsAnswered
	c.Screened += o.Screened
	c.Tests += o.Tests
	c.L1PositiveBeforeWorkup += o.L1PositiveBeforeWorkup
	c.L1PositiveAfterWorkup += o.L1PositiveAfterWorkup
	c.L2Readings += o.L2Readings
	c.L2Positive += o.L2Positive
	c.CTI += o.CTI
	c.MammogramToL2Days += o.MammogramToL2Days
	for i := range c.MammogramToL2 {
		c.MammogramToL2[i] += o.MammogramToL2[i]
	}
	c.ResultLetters += o.ResultLetters
	c.ResultLettersOnTime += o.ResultLettersOnTime
	c.Analysable += o.Analysable
	c.Positive += o.Positive
	c.Colonoscopies += o.Colonoscopies
	c.AdvancedNeoplasia += o.AdvancedNeoplasia
	c.LabResults += o.LabResults
	c.LabOnTime += o.LabOnTime
	c.Cancers += o.Cancers
	c.CancersL1 += o.CancersL1
	c.CancersL2 += o.CancersL2
	c.InSitu += o.InSitu
	c.Invasive += o.Invasive
	c.InvasiveSized += o.InvasiveSized
	c.InvasiveSmall += o.InvasiveSmall
	c.Lost += o.Lost
	c.FidelityBase += o.FidelityBase
	c.FidelityReturned += o.FidelityReturned
}

// Row is the counts of one cell with its INSEE population (0: unknown).
// Its methods compute the rates; a rate whose denominator is zero is NaN.
type Row struct {
	Key
	// PeriodYears is the period length the row was computed with.
	PeriodYears int
	Population  int
	Counts
}

// PeriodLabel returns "2024" or, for multi-year periods, "2024-2025".
func (r *Row) PeriodLabel() string {
	if r.PeriodYears <= 1 {
		return fmt.Sprint(r.Period)
	}
	return fmt.Sprintf("%d-%d", r.Period, r.Period+r.PeriodYears-1)
}

func ratio(n, d int) float64 {
	if d == 0 {
		return math.NaN()
	}
	return float64(n) / float64(d)
}

// Participation is the participation over the invited: invitations
// answered by a screening test within 12 months, over invitations
// (annexe I, VII, L167: "la participation"; annexe III, L963).
func (r *Row) Participation() float64 { return ratio(r.InvitationsAnswered, r.Invitations) }

// ParticipationINSEE is the "taux de participation INSEE" (annexe III,
// L963, L987): people screened over the INSEE target population of the
// cell (Options.Population). The arrêté does not define it; the
// convention (breast digest, 6.4) is screened people over the 50-74
// population over two years: use PeriodYears 2.
func (r *Row) ParticipationINSEE() float64 { return ratio(r.Screened, r.Population) }

// PositivityBeforeWorkup is the rate of mammograms positive before the
// diagnostic workup, at first or second reading, per person screened
// (annexe III, VI.C, L993; L868, L925).
func (r *Row) PositivityBeforeWorkup() float64 {
	return ratio(r.L1PositiveBeforeWorkup+r.L2Positive, r.Screened)
}

// PositivityAfterWorkup is the rate of mammograms positive after the
// immediate workup, per person screened (annexe III, L886, L995).
func (r *Row) PositivityAfterWorkup() float64 { return ratio(r.L1PositiveAfterWorkup, r.Screened) }

// Discordance is the L1/L2 discordance: second readings positive (ACR 0,
// 3, 4, 5) after a negative first reading, over second readings (annexe
// III, VI.B, L899).
func (r *Row) Discordance() float64 { return ratio(r.L2Positive, r.L2Readings) }

// CTIRate is the rate of technically inadequate images over second
// readings (annexe III, VI.B, L897, L926).
func (r *Row) CTIRate() float64 { return ratio(r.CTI, r.L2Readings) }

// DetectionRate is the cancer detection rate per 1,000 people screened
// (annexe III, VI.C, L1003).
func (r *Row) DetectionRate() float64 { return 1000 * ratio(r.Cancers, r.Screened) }

// InSituShare is the share of in situ cancers among detected cancers
// (annexe III, L1004).
func (r *Row) InSituShare() float64 { return ratio(r.InSitu, r.Cancers) }

// SmallInvasiveShare is the share of invasive cancers ≤ 10 mm among
// invasive cancers of known size (annexe III, L1005).
func (r *Row) SmallInvasiveShare() float64 { return ratio(r.InvasiveSmall, r.InvasiveSized) }

// PPV is the colorectal positive predictive value for cancer: cancers
// over colonoscopies after a positive FIT (annexe IV, annexe 1, L1463:
// "au moins 8 à 10 %").
func (r *Row) PPV() float64 { return ratio(r.Cancers, r.Colonoscopies) }

// PPVAdvanced is the positive predictive value for a cancer or an
// advanced adenoma (L1463: "≥ 40 %").
func (r *Row) PPVAdvanced() float64 { return ratio(r.AdvancedNeoplasia, r.Colonoscopies) }

// PositivityRate is the rate of positive results among analysable ones
// (colorectal, L1463 "le pourcentage de résultats positifs"; cervical).
func (r *Row) PositivityRate() float64 { return ratio(r.Positive, r.Analysable) }

// Fidelity is the "taux de fidélisation" (annexe III, VI.C, L967-L969):
// people coming back at round n+1 over people screened at round n, less
// those not re-invited.
func (r *Row) Fidelity() float64 { return ratio(r.FidelityReturned, r.FidelityBase) }

// LostRate is the rate of people with a positive screen declared lost to
// follow-up (annexe III, L1001; the délais are L769, L1438 and L1720).
// The positives are, for the breast, mammograms positive after the
// immediate workup or at second reading.
func (r *Row) LostRate() float64 {
	if r.Programme == screening.Breast {
		return ratio(r.Lost, r.L1PositiveAfterWorkup+r.L2Positive)
	}
	return ratio(r.Lost, r.Positive)
}

// MeanMammogramToL2 is the mean délai in days from the mammogram to the
// second reading (annexe III, VI.C b), L976).
func (r *Row) MeanMammogramToL2() float64 {
	return ratio(r.MammogramToL2Days, r.L2Readings)
}

// ResultsOnTime is the share of negative results sent within 15 days of
// the mammogram (annexe III, V.A, L759).
func (r *Row) ResultsOnTime() float64 { return ratio(r.ResultLettersOnTime, r.ResultLetters) }

// LabOnTimeRate is the share of FIT results that reached the centre
// within 48 heures ouvrées of their reading (annexe IV, annexe 1, L1485).
func (r *Row) LabOnTimeRate() float64 { return ratio(r.LabOnTime, r.LabResults) }

// Accumulator folds people's logs into indicator counts. It is safe for
// concurrent use (a [screening.Store]'s Scan may call it from several
// goroutines) and holds only the per-cell counts.
type Accumulator struct {
	cfg   screening.Config
	cal   calendar.Calendar
	years int
	pop   map[Key]int

	mu    sync.Mutex
	cells map[Key]*Counts
}

// NewAccumulator returns an empty accumulator, or an error if
// opts.Config is invalid.
func NewAccumulator(opts Options) (*Accumulator, error) {
	cfg := opts.Config
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cal, err := calendar.New(cfg.Calendar)
	if err != nil {
		return nil, err
	}
	years := opts.PeriodYears
	if years <= 0 {
		years = 1
	}
	return &Accumulator{cfg: cfg, cal: cal, years: years, pop: opts.Population, cells: map[Key]*Counts{}}, nil
}

// Compute scans the store and returns the rows, sorted by programme,
// period and département.
func Compute(ctx context.Context, store screening.Store, opts Options) ([]Row, error) {
	a, err := NewAccumulator(opts)
	if err != nil {
		return nil, err
	}
	err = store.Scan(ctx, func(p screening.PersonID, evs []screening.Event) error {
		a.Add(p, evs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a.Rows(), nil
}

// Rows returns the accumulated rows, sorted by programme, period and
// département. Every cell with a population figure is listed, with or
// without events.
func (a *Accumulator) Rows() []Row {
	a.mu.Lock()
	defer a.mu.Unlock()
	keys := make([]Key, 0, len(a.cells))
	for k := range a.cells {
		keys = append(keys, k)
	}
	for k := range a.pop {
		if _, ok := a.cells[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	rows := make([]Row, len(keys))
	for i, k := range keys {
		rows[i] = Row{Key: k, PeriodYears: a.years, Population: a.pop[k]}
		if c := a.cells[k]; c != nil {
			rows[i].Counts = *c
		}
	}
	return rows
}

func keyLess(a, b Key) bool {
	if a.Programme != b.Programme {
		return a.Programme < b.Programme
	}
	if a.Period != b.Period {
		return a.Period < b.Period
	}
	return a.Department < b.Department
}
