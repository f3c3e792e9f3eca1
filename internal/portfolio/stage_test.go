package portfolio

import (
	"testing"
	"time"
)

func isoDay(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestValidSIRET(t *testing.T) {
	for _, c := range []struct {
		siret string
		ok    bool
	}{
		{"73282932000074", true},     // Luhn key right
		{"732 829 320 00074", true},  // grouped as printed
		{"73282932000075", false},    // last digit changed
		{"7328293200007", false},     // 13 digits
		{"732829320000744", false},   // 15 digits
		{"7328293200007A", false},    // a letter
		{"", false},                  //
		{"35600000000048", true},     // La Poste, head office: Luhn
		{"35600000012346", true},     // La Poste establishment: digit sum 30, a multiple of 5
		{"35600000012345", false},    // digit sum 29
		{"00000000000000", true},     // Luhn holds (the form also asks for a name)
		{"12345678901234", false},    //
		{"  73282932000074  ", true}, // surrounding spaces
	} {
		if got := ValidSIRET(c.siret); got != c.ok {
			t.Errorf("ValidSIRET(%q) = %v, want %v", c.siret, got, c.ok)
		}
	}
}

func TestEasterAndHolidays(t *testing.T) {
	for year, want := range map[int]string{2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28", 2038: "2038-04-25", 2000: "2000-04-23"} {
		if got := Easter(year).Format(time.DateOnly); got != want {
			t.Errorf("Easter(%d) = %s, want %s", year, got, want)
		}
	}
	for _, d := range []string{"2026-01-01", "2026-04-06", "2026-05-01", "2026-05-08", "2026-05-14", "2026-05-25",
		"2026-07-14", "2026-08-15", "2026-11-01", "2026-11-11", "2026-12-25", "2027-03-29", "2027-05-06", "2027-05-17"} {
		if !PublicHoliday(isoDay(d)) {
			t.Errorf("%s is a public holiday", d)
		}
	}
	for _, d := range []string{"2026-04-05", "2026-04-07", "2026-05-02", "2026-12-26", "2024-02-29"} {
		if PublicHoliday(isoDay(d)) {
			t.Errorf("%s is not a public holiday", d)
		}
	}
}

func TestStageWeeks(t *testing.T) {
	for _, c := range []struct {
		first, last string
		days        int
		weeks       float64
	}{
		{"2026-05-18", "2026-06-19", 24, 5}, // 5 weeks with Whit Monday (25 May)
		{"2026-06-01", "2026-07-03", 25, 5}, // 5 weeks, no holiday
		{"2027-01-04", "2027-02-12", 30, 6}, // 6 weeks in January–February
		{"2027-03-29", "2027-04-30", 24, 5}, // 5 weeks from Easter Monday 2027
		{"2024-02-26", "2024-03-01", 5, 1},  // a leap year's week: 29 February is a Thursday
		{"2028-02-28", "2028-03-03", 5, 1},  // 2028 is a leap year
		{"2027-02-22", "2027-03-05", 10, 2}, // 2027 is not
		{"2026-12-21", "2027-01-01", 8, 2},  // Christmas and New Year's Day
		{"2026-06-06", "2026-06-07", 0, 0},  // a weekend
		{"2026-06-10", "2026-06-01", 0, 0},  // last before first
		{"2026-05-04", "2026-05-15", 8, 2},  // 8 May and Ascension (14 May)
		{"2026-11-02", "2026-11-13", 9, 2},  // 11 November
		{"2026-08-10", "2026-08-21", 10, 2}, // 15 August 2026 is a Saturday
	} {
		f, l := isoDay(c.first), isoDay(c.last)
		if got := WorkingDays(f, l); got != c.days {
			t.Errorf("WorkingDays(%s, %s) = %d, want %d", c.first, c.last, got, c.days)
		}
		if got := StageWeeks(f, l); got != c.weeks {
			t.Errorf("StageWeeks(%s, %s) = %v, want %v", c.first, c.last, got, c.weeks)
		}
	}
}
