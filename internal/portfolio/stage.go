package portfolio

import (
	"strings"
	"time"
)

// Stages (issue #15, groundwork): the computations the stage pages will
// rest on — the SIRET's check digit and the length of a stage counted from
// its dates. Decided here, where the référentiel is silent:
//   - the weeks of a stage are its weekdays (Monday to Friday) divided by
//     5: a public holiday is part of the stage period (the student is not
//     absent), so a stage from a Monday to the Friday of its fifth week is
//     5 weeks, Whit Monday or not;
//   - its working days (for the attestation's « jours de présence ») leave
//     out the public holidays of metropolitan France as well.

// ValidSIRET tells whether s is a SIRET: 14 digits (spaces allowed between
// groups) whose Luhn checksum is right. La Poste's establishments (SIREN
// 356 000 000) follow another rule: the sum of their digits is a multiple
// of 5.
func ValidSIRET(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) != 14 {
		return false
	}
	sum, digits := 0, 0
	for i := 0; i < 14; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		digits += d
		if i%2 == 0 { // from the right, every second digit is doubled: positions 0, 2, … of 14
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	if strings.HasPrefix(s, "356000000") && s != "35600000000048" { // La Poste (its head office follows Luhn)
		return digits%5 == 0
	}
	return sum%10 == 0
}

// Easter is Easter Sunday of the year (Gregorian calendar, the anonymous
// algorithm of Meeus, Jones and Butcher).
func Easter(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// PublicHoliday tells whether day is a public holiday of metropolitan
// France (the eleven of the Code du travail, art. L3133-1; Alsace-Moselle's
// two more are not counted).
func PublicHoliday(day time.Time) bool {
	y, m, d := day.Date()
	switch {
	case m == time.January && d == 1, m == time.May && d == 1, m == time.May && d == 8,
		m == time.July && d == 14, m == time.August && d == 15, m == time.November && d == 1,
		m == time.November && d == 11, m == time.December && d == 25:
		return true
	}
	date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	easter := Easter(y)
	for _, offset := range []int{1, 39, 50} { // Easter Monday, Ascension, Whit Monday
		if date.Equal(easter.AddDate(0, 0, offset)) {
			return true
		}
	}
	return false
}

// WorkingDays counts the days from first to last, both included, that are
// neither a Saturday, a Sunday nor a public holiday (0 when last is before
// first).
func WorkingDays(first, last time.Time) int {
	first = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, time.UTC)
	last = time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, time.UTC)
	n := 0
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday && !PublicHoliday(d) {
			n++
		}
	}
	return n
}

// StageWeeks is the length in weeks of a stage from first to last: its
// weekdays, public holidays included, divided by 5.
func StageWeeks(first, last time.Time) float64 {
	return float64(weekdays(first, last)) / 5
}

// weekdays counts the Mondays to Fridays from first to last, both
// included.
func weekdays(first, last time.Time) int {
	first = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, time.UTC)
	last = time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, time.UTC)
	n := 0
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return n
}
