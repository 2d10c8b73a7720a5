package calendar_test

import (
	"fmt"

	"github.com/radkit/radkit/screening/calendar"
)

// Thirty jours ouvrables from 29 April 2024 skip Sundays and the four
// public holidays of May 2024 (1, 8 and 9 May, Whit Monday 20 May).
func ExampleCalendar_AddJoursOuvrables() {
	var c calendar.Calendar // mainland France
	fmt.Println(c.AddJoursOuvrables(calendar.MustParse("2024-04-29"), 30))
	am := calendar.MustNew(calendar.Options{AlsaceMoselle: true})
	fmt.Println(c.AddJoursOuvres(calendar.MustParse("2024-12-24"), 2), am.AddJoursOuvres(calendar.MustParse("2024-12-24"), 2))
	// Output:
	// 2024-06-07
	// 2024-12-27 2024-12-30
}

func ExampleCalendar_Holidays() {
	var c calendar.Calendar
	for _, h := range c.Holidays(2025)[1:6] {
		fmt.Println(h.Date, h.Name)
	}
	// Output:
	// 2025-04-21 Lundi de Pâques
	// 2025-05-01 Fête du Travail
	// 2025-05-08 Victoire 1945
	// 2025-05-29 Ascension
	// 2025-06-09 Lundi de Pentecôte
}
