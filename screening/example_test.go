package screening_test

import (
	"context"
	"fmt"
	"time"

	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/calendar"
)

// A positive FIT with no colonoscopy data: the centre asks the doctor,
// then reminds the person, and two years after the result the follow-up
// stops and a new invitation is due.
func ExampleEngine_Explain() {
	today := calendar.MustParse("2025-01-01")
	eng, err := screening.New(screening.Options{Now: func() time.Time { return today.Time(nil) }})
	if err != nil {
		panic(err)
	}
	d := calendar.MustParse
	ctx := context.Background()
	res, _ := eng.Ingest(ctx, []screening.Event{
		{ID: "b1", Person: "P1", Date: d("2020-01-01"), Data: screening.Birth{Birth: d("1960-05-10")}},
		{ID: "i1", Person: "P1", Programme: screening.Colorectal, Date: d("2022-02-01"), Data: screening.Invitation{}},
		{ID: "f1", Person: "P1", Programme: screening.Colorectal, Date: d("2022-03-01"),
			Data: screening.FITResult{Outcome: screening.FITPositive, Value: 112, Threshold: 30}},
		{ID: "a1", Person: "P1", Programme: screening.Colorectal, Date: d("2022-06-02"),
			Data: screening.ActionDone{Action: screening.ActDoctorEnquiry}},
		// A result for an exam that was never recorded is rejected.
		{ID: "h1", Person: "P1", Programme: screening.Colorectal, Date: d("2022-07-01"),
			Data: screening.Histology{Of: "c1", Finding: screening.FindingAdenoma}},
	})
	fmt.Println("accepted", res.Accepted, "rejected", len(res.Rejected))
	fmt.Println(res.Rejected[0].Err)

	x, _ := eng.Explain(ctx, "P1", d("2024-03-01"))
	for _, s := range x.State.Programme(screening.Colorectal).Steps {
		fmt.Printf("%s %s: %s -> %s [%s]\n", s.Date, s.Trigger, s.From, s.To, s.Rule)
	}
	for _, a := range x.Due {
		if a.Programme == screening.Colorectal {
			fmt.Println("due:", a.Kind, "from", a.From, "rule", a.Rule)
		}
	}
	// Output:
	// accepted 4 rejected 1
	// screening: event "h1" (histology) of person "P1" rejected by rule GEN-REFERENCE (Arrêté 2024, annexe II (2e partie), III (L465)): Of: no exam "c1" recorded for this person
	// 2022-02-01 invitation: waiting -> invited [CCR-INTERVAL]
	// 2022-03-01 fit-positive: invited -> follow-up [CCR-POSITIVE-FOLLOWUP]
	// 2022-06-02 action-done: follow-up -> follow-up [GEN-IDEMPOTENT]
	// due: expect-colonoscopy from 2022-03-01 rule CCR-POSITIVE-FOLLOWUP
	// due: person-reminder from 2022-09-01 rule CCR-DOCTOR-FIRST
	// due: stop-follow-up from 2024-03-01 rule CCR-STOP-2Y
}

// The scheduler: every action due on a date, with its rule and deadline.
func ExampleEngine_DueAll() {
	d := calendar.MustParse
	eng, _ := screening.New(screening.Options{Now: func() time.Time { return d("2025-01-01").Time(nil) }})
	ctx := context.Background()
	eng.Ingest(ctx, []screening.Event{
		{ID: "b1", Person: "P2", Date: d("2020-01-01"), Data: screening.Birth{Birth: d("1972-04-29"), Sex: screening.SexMale}},
		{ID: "i1", Person: "P2", Programme: screening.Colorectal, Date: d("2024-04-02"), Data: screening.Invitation{}},
		{ID: "f1", Person: "P2", Programme: screening.Colorectal, Date: d("2024-04-29"),
			Data: screening.FITResult{Outcome: screening.FITNonAnalysable, Reasons: []string{"sample too old"}}},
	})
	actions, _ := eng.DueAll(ctx, d("2024-05-02"))
	for _, a := range actions {
		fmt.Println(a)
	}
	// Output:
	// P2 colorectal replacement-kit from 2024-04-29 by 2024-06-07 [CCR-NONANALYSABLE-KIT]
}
