package birads_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/radkit/radkit/birads"
)

// A second reader sees an anomaly the first reader did not report: the
// exam is positive at second reading, the doctor is written to at once
// and the person 24 to 48 hours later, and the first reader does a
// deferred workup. The clock is injected, so the dates are reproducible.
func Example() {
	form := `{
	  "version": "1",
	  "person_ref": "P-2025-000123",
	  "exam_date": "2025-03-14",
	  "site": {"id": "CAB-75-0042"},
	  "equipment": {"type": "DR", "brand": "Acme", "console": "Acme RC-10", "reading": "console"},
	  "clinical_exam": "normal",
	  "l1": {"reader": "RPPS-1", "final": {"right": 1, "left": 1}, "density": 2},
	  "l2": {
	    "reader": "RPPS-2",
	    "categories": {"right": 1, "left": 0},
	    "discordant": true,
	    "anomalies": [{"side": "left", "kind": "calcifications",
	      "location": {"quadrant": "upper_outer", "clock": 2}, "description": "Amas de microcalcifications"}],
	    "proposed_exams": ["magnification_face", "magnification_profile"]
	  }
	}`
	now := time.Date(2025, 3, 21, 9, 0, 0, 0, time.UTC)
	rep, err := birads.Check(context.Background(), strings.NewReader(form), birads.Options{
		Now: func() time.Time { return now },
	})
	if err != nil {
		log.Fatal(err)
	}
	d := rep.Decision
	fmt.Println("valid:", rep.Valid)
	fmt.Println("outcome:", d.Outcome, "category:", d.Category)
	fmt.Println("rules:", d.Fired)
	for _, a := range d.Actions {
		if a.By == birads.PartyCRCDC && (a.To == birads.PartyDoctor || a.To == birads.PartyPerson) {
			fmt.Printf("letter to %s between %s and %s\n", a.To, a.NotBefore.Format(time.DateTime), a.Due.Format(time.DateTime))
		}
	}
	// Output:
	// valid: true
	// outcome: l2_positive category: 0
	// rules: [BR_ROUTE_L2_POSITIVE]
	// letter to doctor between 2025-03-21 09:00:00 and 2025-03-21 09:00:00
	// letter to person between 2025-03-22 09:00:00 and 2025-03-23 09:00:00
}

// A dense breast with no mammographic anomaly classified 2 is an error
// that cites annexe 2.
func ExampleReport_WriteText() {
	f, err := os.Open("testdata/invalid-dense-no-anomaly-2.json")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	rep, err := birads.Check(context.Background(), f, birads.Options{})
	if err != nil {
		log.Fatal(err)
	}
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.SplitN(b.String(), "\n", 7)[3:6])
	// Output:
	// [  BR_DENSE_NO_ANOMALY_IS_1  l1.final.right     EN: A dense breast (type 3 or 4) with no mammographic anomaly is category 1, never 0, 2 or 3, even with an abnormal ultrasound.     FR: Un sein dense (type 3 ou 4) sans anomalie mammographique est classé 1, jamais 0, 2 ou 3, même avec une anomalie échographique.]
}
