package indicators

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/radkit/radkit/screening"
)

// column is one CSV column: its header and how a row fills it; text
// columns are strings in JSON, the others numbers (null when empty).
type column struct {
	name string
	get  func(r *Row) string
}

func (c column) text() bool {
	return c.name == "programme" || c.name == "period" || c.name == "department"
}

func count(f func(r *Row) int) func(r *Row) string {
	return func(r *Row) string { return strconv.Itoa(f(r)) }
}

func rate(f func(r *Row) float64) func(r *Row) string {
	return func(r *Row) string {
		v := f(r)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return ""
		}
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
}

// columns are the CSV columns, in their stable order: new columns are
// only ever appended.
var columns = []column{
	{"programme", func(r *Row) string { return r.Programme.String() }},
	{"period", func(r *Row) string { return r.PeriodLabel() }},
	{"department", func(r *Row) string { return r.Department }},
	{"population", count(func(r *Row) int { return r.Population })},
	{"invitations", count(func(r *Row) int { return r.Invitations })},
	{"invitations_answered", count(func(r *Row) int { return r.InvitationsAnswered })},
	{"screened", count(func(r *Row) int { return r.Screened })},
	{"tests", count(func(r *Row) int { return r.Tests })},
	{"l1_positive_before_workup", count(func(r *Row) int { return r.L1PositiveBeforeWorkup })},
	{"l1_positive_after_workup", count(func(r *Row) int { return r.L1PositiveAfterWorkup })},
	{"l2_readings", count(func(r *Row) int { return r.L2Readings })},
	{"l2_positive", count(func(r *Row) int { return r.L2Positive })},
	{"cti", count(func(r *Row) int { return r.CTI })},
	{"result_letters", count(func(r *Row) int { return r.ResultLetters })},
	{"result_letters_on_time", count(func(r *Row) int { return r.ResultLettersOnTime })},
	{"analysable", count(func(r *Row) int { return r.Analysable })},
	{"positive", count(func(r *Row) int { return r.Positive })},
	{"colonoscopies", count(func(r *Row) int { return r.Colonoscopies })},
	{"advanced_neoplasia", count(func(r *Row) int { return r.AdvancedNeoplasia })},
	{"lab_results", count(func(r *Row) int { return r.LabResults })},
	{"lab_on_time", count(func(r *Row) int { return r.LabOnTime })},
	{"cancers", count(func(r *Row) int { return r.Cancers })},
	{"cancers_l1", count(func(r *Row) int { return r.CancersL1 })},
	{"cancers_l2", count(func(r *Row) int { return r.CancersL2 })},
	{"in_situ", count(func(r *Row) int { return r.InSitu })},
	{"invasive", count(func(r *Row) int { return r.Invasive })},
	{"invasive_sized", count(func(r *Row) int { return r.InvasiveSized })},
	{"invasive_le_10mm", count(func(r *Row) int { return r.InvasiveSmall })},
	{"lost", count(func(r *Row) int { return r.Lost })},
	{"fidelity_base", count(func(r *Row) int { return r.FidelityBase })},
	{"fidelity_returned", count(func(r *Row) int { return r.FidelityReturned })},
	{"mammogram_to_l2_le_7d", count(func(r *Row) int { return r.MammogramToL2[0] })},
	{"mammogram_to_l2_8_15d", count(func(r *Row) int { return r.MammogramToL2[1] })},
	{"mammogram_to_l2_16_30d", count(func(r *Row) int { return r.MammogramToL2[2] })},
	{"mammogram_to_l2_31_60d", count(func(r *Row) int { return r.MammogramToL2[3] })},
	{"mammogram_to_l2_gt_60d", count(func(r *Row) int { return r.MammogramToL2[4] })},
	{"participation", rate((*Row).Participation)},
	{"participation_insee", rate((*Row).ParticipationINSEE)},
	{"positivity_before_workup", rate((*Row).PositivityBeforeWorkup)},
	{"positivity_after_workup", rate((*Row).PositivityAfterWorkup)},
	{"l1_l2_discordance", rate((*Row).Discordance)},
	{"cti_rate", rate((*Row).CTIRate)},
	{"detection_per_1000", rate((*Row).DetectionRate)},
	{"in_situ_share", rate((*Row).InSituShare)},
	{"invasive_le_10mm_share", rate((*Row).SmallInvasiveShare)},
	{"ppv", rate((*Row).PPV)},
	{"ppv_advanced", rate((*Row).PPVAdvanced)},
	{"positivity_rate", rate((*Row).PositivityRate)},
	{"fidelity", rate((*Row).Fidelity)},
	{"lost_rate", rate((*Row).LostRate)},
	{"mean_mammogram_to_l2_days", rate((*Row).MeanMammogramToL2)},
	{"results_within_15d", rate((*Row).ResultsOnTime)},
	{"lab_within_48h", rate((*Row).LabOnTimeRate)},
}

// Columns returns the CSV header, in the stable column order of
// [WriteCSV].
func Columns() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.name
	}
	return out
}

// WriteCSV writes the rows with a header line ([Columns]): the keys, the
// counts, then the rates with four decimals (empty when the denominator
// is zero). Columns are only ever appended, so a reader may rely on
// their names and positions.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns()); err != nil {
		return err
	}
	rec := make([]string, len(columns))
	for i := range rows {
		for j, c := range columns {
			rec[j] = c.get(&rows[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// MarshalJSON writes the row as an object with the CSV columns as keys:
// the key and period labels as strings, counts and rates as numbers, a
// rate without denominator as null.
func (r Row) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range columns {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(c.name))
		b.WriteByte(':')
		v := c.get(&r)
		switch {
		case c.text():
			q, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			b.Write(q)
		case v == "":
			b.WriteString("null")
		default:
			b.WriteString(v)
		}
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// ReadPopulation reads INSEE target populations for
// [Options.Population] from CSV with the header
// "programme,period,department,population" (period: the first year of
// the period). A bad line is an error naming it.
func ReadPopulation(r io.Reader) (map[Key]int, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("indicators: population header: %w", err)
	}
	if strings.Join(head, ",") != "programme,period,department,population" {
		return nil, fmt.Errorf("indicators: population header %q, want programme,period,department,population", strings.Join(head, ","))
	}
	out := map[Key]int{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("indicators: population: %w", err)
		}
		p, err := screening.ParseProgramme(rec[0])
		if err != nil || !p.Valid() {
			return nil, fmt.Errorf("indicators: population line %d: programme %q", line, rec[0])
		}
		period, err1 := strconv.Atoi(rec[1])
		n, err2 := strconv.Atoi(rec[3])
		if err1 != nil || err2 != nil || n < 0 {
			return nil, fmt.Errorf("indicators: population line %d: period %q, population %q", line, rec[1], rec[3])
		}
		out[Key{Programme: p, Period: period, Department: rec[2]}] += n
	}
}
