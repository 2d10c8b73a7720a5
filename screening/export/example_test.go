package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"time"

	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/calendar"
	"github.com/radkit/radkit/screening/export"
)

// A person invited to colorectal screening who sent a positive FIT: the
// export carries the NIR's keyed pseudonym and the birth year, never the
// centre's ID, the NIR or the birth date.
func Example() {
	ctx := context.Background()
	eng, _ := screening.New(screening.Options{Now: func() time.Time { return calendar.Of(2026, 1, 1).Time(nil) }})
	d := calendar.MustParse
	c := screening.Colorectal
	_, _ = eng.Ingest(ctx, []screening.Event{
		{ID: "e1", Person: "P42", Date: d("2025-01-01"), Data: screening.Birth{Birth: d("1960-03-14")}},
		{ID: "e2", Person: "P42", Date: d("2025-01-01"), Data: screening.Move{Department: "67"}},
		{ID: "e3", Person: "P42", Programme: c, Date: d("2025-01-10"), Data: screening.Invitation{}},
		{ID: "e4", Person: "P42", Programme: c, Date: d("2025-02-03"), Data: screening.FITResult{Outcome: screening.FITPositive, Value: 152, Threshold: 30}},
	})
	nir := func(context.Context, screening.PersonID) (string, error) { return "1 60 03 67 482 051 77", nil }
	var out bytes.Buffer
	st, err := export.Write(ctx, eng.Store(), &out, export.Options{Key: []byte("the key shared with the CNAM"), Identifier: nir})
	if err != nil {
		panic(err)
	}
	recs, _ := csv.NewReader(&out).ReadAll()
	for _, r := range recs {
		fmt.Println(strings.Join(append(r[:8:8], r[14:17]...), ","))
	}
	fmt.Printf("%d person, %d rows\n", st.People, st.Rows)
	// Output:
	// pseudonym,birth_year,sex,department,programme,seq,date,event,outcome,value,threshold
	// RKJ53BM2VHNLTPWMVS,1960,,67,colorectal,3,2025-01-10,invitation,,,
	// RKJ53BM2VHNLTPWMVS,1960,,67,colorectal,4,2025-02-03,fit,positive,152,30
	// 1 person, 2 rows
}
