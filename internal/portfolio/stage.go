package portfolio

import (
	"strconv"
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

// StageKind tells a stage (voie scolaire) from a period of alternance
// (apprentissage): the attestation of the first is the tutor's, of the
// second the employer's certificat de travail.
type StageKind string

// The two kinds of a period in an organisation.
const (
	KindStage      StageKind = "stage"
	KindAlternance StageKind = "alternance"
)

// Label is the French name of the kind.
func (k StageKind) Label() string {
	if k == KindAlternance {
		return "Alternance"
	}
	return "Stage"
}

// AttestationLabel names the document that proves the period: an
// « attestation de stage », or an apprentice's « certificat de travail ».
func (k StageKind) AttestationLabel() string {
	if k == KindAlternance {
		return "certificat de travail"
	}
	return "attestation de stage"
}

// Agreement is the ending a participle takes after AttestationLabel:
// « signée » for an attestation, « signé » for a certificat.
func (k StageKind) Agreement() string {
	if k == KindAlternance {
		return ""
	}
	return "e"
}

// TheAttestation is AttestationLabel with its article: « l'attestation de
// stage », « le certificat de travail ».
func (k StageKind) TheAttestation() string {
	if k == KindAlternance {
		return "le certificat de travail"
	}
	return "l'attestation de stage"
}

// Stage is a period a student spent in an organisation: a stage, or a
// year of alternance.
type Stage struct {
	ID            int64
	StudentID     int64
	Kind          StageKind
	Year          int // 1 or 2: the year of the BTS it belongs to
	Organisation  string
	Address       string
	SIRET         string // 14 digits, or ""
	Service       string
	TutorName     string
	TutorFunction string
	TutorEmail    string
	TutorPhone    string
	Start, End    time.Time // first and last days
	Missions      string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Weeks is the stage's length in weeks (see StageWeeks).
func (s Stage) Weeks() float64 { return StageWeeks(s.Start, s.End) }

// WorkingDays is the stage's days of presence (see WorkingDays).
func (s Stage) WorkingDays() int { return WorkingDays(s.Start, s.End) }

// Cadre is the cadre a réalisation done during the stage has in its
// référentiel: the stage's year and kind, among the cadres the
// référentiel knows (the 2011 one has a single « alternance »).
func (s Stage) Cadre(has func(string) bool) Cadre {
	for _, c := range []string{string(s.Kind) + strconv.Itoa(s.Year), string(s.Kind), "stage" + strconv.Itoa(s.Year)} {
		if has(c) {
			return Cadre(c)
		}
	}
	return ""
}

// Contains reports whether the day lies within the stage.
func (s Stage) Contains(day time.Time) bool {
	return !day.Before(s.Start) && !day.After(s.End)
}

// Label is « Stage de 1re année — Organisation (du 02/06/25 au 04/07/25) ».
func (s Stage) Label() string {
	return s.Kind.Label() + " de " + YearLabel(s.Year) + " — " + s.Organisation + " (" + s.PeriodText() + ")"
}

// PeriodText is « du 02/06/2025 au 04/07/2025 ».
func (s Stage) PeriodText() string {
	return "du " + s.Start.Format("02/01/2006") + " au " + s.End.Format("02/01/2006")
}

// YearLabel is « 1re année » or « 2e année ».
func YearLabel(year int) string {
	if year == 1 {
		return "1re année"
	}
	return strconv.Itoa(year) + "e année"
}

// WeeksText is « 5 semaines », « 4,4 semaines », « 1 semaine ».
func WeeksText(w float64) string {
	s := strconv.FormatFloat(w, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	s = strings.ReplaceAll(s, ".", ",")
	if w < 2 {
		return s + " semaine"
	}
	return s + " semaines"
}

// LogEntry is one week of a stage's carnet de bord.
type LogEntry struct {
	ID           int64
	StageID      int64
	Week         time.Time // the Monday of the week
	Done         string    // what the student did
	Hours        float64
	Realisations []int64 // réalisations linked to the week
}

// AttestationStatus is where an uploaded attestation stands.
type AttestationStatus string

// The states of an attestation.
const (
	AttestationPending  AttestationStatus = "en_attente"
	AttestationAccepted AttestationStatus = "acceptee"
	AttestationRejected AttestationStatus = "refusee"
)

// Label is the French name of the state.
func (s AttestationStatus) Label() string {
	switch s {
	case AttestationAccepted:
		return "Acceptée"
	case AttestationRejected:
		return "Refusée"
	}
	return "En attente de vérification"
}
