package indicators_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/calendar"
	"github.com/radkit/radkit/screening/indicators"
)

// Three people invited to breast screening in the Bas-Rhin in 2025: one
// screened negative (result letter 12 days after the mammogram), one not
// screened, one screened with a suspicious first reading and a cancer in
// situ.
func Example() {
	ctx := context.Background()
	eng, _ := screening.New(screening.Options{Now: func() time.Time { return calendar.Of(2026, 1, 1).Time(nil) }})
	d := calendar.MustParse
	b := screening.Breast
	var evs []screening.Event
	add := func(person, id string, p screening.Programme, date string, data screening.Payload) {
		evs = append(evs, screening.Event{ID: screening.EventID(id), Person: screening.PersonID(person), Programme: p, Date: d(date), Data: data})
	}
	for _, p := range []string{"A", "B", "C"} {
		add(p, p+"1", screening.NoProgramme, "2025-01-01", screening.Birth{Birth: d("1965-06-01"), Sex: screening.SexFemale})
		add(p, p+"2", screening.NoProgramme, "2025-01-01", screening.Move{Department: "67"})
		add(p, p+"3", b, "2025-01-10", screening.Invitation{})
	}
	add("A", "A4", b, "2025-02-01", screening.Mammogram{})
	add("A", "A5", b, "2025-02-01", screening.Reading{Of: "A4", Reader: screening.ReaderL1, Category: screening.ACR1})
	add("A", "A6", b, "2025-02-10", screening.Reading{Of: "A4", Reader: screening.ReaderL2, Category: screening.ACR1})
	add("A", "A7", b, "2025-02-13", screening.ActionDone{Action: screening.ActResultLetter})
	add("C", "C4", b, "2025-03-01", screening.Mammogram{})
	add("C", "C5", b, "2025-03-01", screening.Reading{Of: "C4", Reader: screening.ReaderL1, Category: screening.ACR5, WorkupDone: true})
	add("C", "C6", b, "2025-03-20", screening.Histology{Of: "C4", Finding: screening.FindingCancerInSitu})
	if _, err := eng.Ingest(ctx, evs); err != nil {
		panic(err)
	}

	pop := map[indicators.Key]int{{Programme: b, Period: 2025, Department: "67"}: 4}
	rows, err := indicators.Compute(ctx, eng.Store(), indicators.Options{Population: pop})
	if err != nil {
		panic(err)
	}
	r := rows[0]
	fmt.Printf("%s %s %s: %d invited, %d screened\n", r.Programme, r.PeriodLabel(), r.Department, r.Invitations, r.Screened)
	fmt.Printf("participation %.2f, INSEE %.2f\n", r.Participation(), r.ParticipationINSEE())
	fmt.Printf("positive before workup %.2f, after %.2f\n", r.PositivityBeforeWorkup(), r.PositivityAfterWorkup())
	fmt.Printf("cancers %d (L1 %d, L2 %d), %.0f per 1000, in situ %.0f %%\n", r.Cancers, r.CancersL1, r.CancersL2, r.DetectionRate(), 100*r.InSituShare())
	fmt.Printf("results within 15 days %.0f %%\n", 100*r.ResultsOnTime())
	_ = indicators.WriteCSV(os.Stdout, rows[:0]) // the header only
	// Output:
	// breast 2025 67: 3 invited, 2 screened
	// participation 0.67, INSEE 0.50
	// positive before workup 0.50, after 0.50
	// cancers 1 (L1 1, L2 0), 500 per 1000, in situ 100 %
	// results within 15 days 100 %
	// programme,period,department,population,invitations,invitations_answered,screened,tests,l1_positive_before_workup,l1_positive_after_workup,l2_readings,l2_positive,cti,result_letters,result_letters_on_time,analysable,positive,colonoscopies,advanced_neoplasia,lab_results,lab_on_time,cancers,cancers_l1,cancers_l2,in_situ,invasive,invasive_sized,invasive_le_10mm,lost,fidelity_base,fidelity_returned,mammogram_to_l2_le_7d,mammogram_to_l2_8_15d,mammogram_to_l2_16_30d,mammogram_to_l2_31_60d,mammogram_to_l2_gt_60d,participation,participation_insee,positivity_before_workup,positivity_after_workup,l1_l2_discordance,cti_rate,detection_per_1000,in_situ_share,invasive_le_10mm_share,ppv,ppv_advanced,positivity_rate,fidelity,lost_rate,mean_mammogram_to_l2_days,results_within_15d,lab_within_48h
}
