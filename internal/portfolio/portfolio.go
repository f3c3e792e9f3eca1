// Package portfolio holds the domain of Portfolio SIO: users, réalisations
// professionnelles, their validation rules and the tableau de synthèse.
// Nothing here touches the database or HTTP.
package portfolio

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Role is what a user may do.
type Role string

// The three roles.
const (
	RoleStudent Role = "student"
	RoleTeacher Role = "teacher"
	RoleAdmin   Role = "admin"
)

// Label is the French name of the role, without a gendered noun for the
// person: « compte étudiant ».
func (r Role) Label() string {
	switch r {
	case RoleStudent:
		return "compte étudiant"
	case RoleTeacher:
		return "compte enseignant"
	case RoleAdmin:
		return "compte administrateur"
	}
	return string(r)
}

// ParseRole accepts the English codes used by the CLI.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RoleStudent, RoleTeacher, RoleAdmin:
		return r, nil
	}
	return "", fmt.Errorf("rôle inconnu : %q (student, teacher ou admin)", s)
}

// User is an account.
type User struct {
	ID              int64
	Email           string
	FirstName       string
	LastName        string
	Role            Role
	PasswordHash    string
	Referentiel     string
	Parcours        string // "", "SISR" or "SLAM"
	CandidateNumber string
	SessionYear     int
	Centre          string
	PortfolioURL    string
	Disabled        bool  // cannot log in; open sessions end
	SessionEpoch    int64 // moves when the password changes, ending older sessions
	Unread          int   // unread notifications (kept by the database)
	MailPref        MailPref
	ExamForm        ExamForm // the student's own form of the épreuves; "": their class's
}

// MailPref is what a user wants by e-mail.
type MailPref string

// The e-mail preferences.
const (
	MailEvents MailPref = "events" // each event, grouped (a digest an hour at most)
	MailDaily  MailPref = "daily"  // one digest a day
	MailNone   MailPref = "none"
)

// HasPassword reports whether the user chose a password (else they need
// an activation link).
func (u User) HasPassword() bool { return u.PasswordHash != "" }

// FullName is "Prénom Nom".
func (u User) FullName() string {
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// OfficialName is "NOM Prénom", as official sheets (tableau, fiche) write
// a candidate's name.
func (u User) OfficialName() string {
	return strings.TrimSpace(strings.ToUpper(u.LastName) + " " + u.FirstName)
}

// ErrNotFound is returned when a record does not exist or is not visible
// to the user asking for it; both are answered the same way.
var ErrNotFound = errors.New("not found")

// Month is a calendar month, the unit of a réalisation's période.
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth accepts "2025-09" (HTML month input), "09/2025" and "09/25".
func ParseMonth(s string) (Month, error) {
	s = strings.TrimSpace(s)
	var y, m string
	if a, b, ok := strings.Cut(s, "-"); ok {
		if len(a) != 4 {
			return Month{}, errors.New("format de mois attendu : AAAA-MM ou MM/AAAA")
		}
		y, m = a, b
	} else if a, b, ok := strings.Cut(s, "/"); ok {
		m, y = a, b
	} else {
		return Month{}, errors.New("format de mois attendu : AAAA-MM ou MM/AAAA")
	}
	mi, err1 := strconv.Atoi(m)
	yi, err2 := strconv.Atoi(y)
	if err1 != nil || err2 != nil || len(m) < 1 || len(m) > 2 || !digits(m) || !digits(y) || len(y) < 2 {
		return Month{}, errors.New("format de mois attendu : AAAA-MM ou MM/AAAA")
	}
	if len(y) == 2 {
		yi += 2000
	} else if len(y) != 4 {
		return Month{}, errors.New("l'année doit avoir 4 chiffres")
	}
	if mi < 1 || mi > 12 {
		return Month{}, errors.New("le mois doit être entre 01 et 12")
	}
	if yi < 2000 || yi > 2100 {
		return Month{}, errors.New("l'année doit être entre 2000 et 2100")
	}
	return Month{Year: yi, Month: time.Month(mi)}, nil
}

// ParseDay accepts "2025-09-15" (HTML date input), "15/09/2025" and
// "15/09/25", and returns the month and the day.
func ParseDay(s string) (Month, int, error) {
	s = strings.TrimSpace(s)
	bad := errors.New("format attendu : JJ/MM/AAAA")
	var y, m, d string
	if parts := strings.Split(s, "-"); len(parts) == 3 && len(parts[0]) == 4 {
		y, m, d = parts[0], parts[1], parts[2]
	} else if parts := strings.Split(s, "/"); len(parts) == 3 {
		d, m, y = parts[0], parts[1], parts[2]
	} else {
		return Month{}, 0, bad
	}
	if len(d) < 1 || len(d) > 2 || !digits(d) {
		return Month{}, 0, bad
	}
	month, err := ParseMonth(y + "-" + m)
	if len(y) == 2 && digits(y) {
		month, err = ParseMonth(m + "/" + y)
	}
	if err != nil {
		return Month{}, 0, err
	}
	di, _ := strconv.Atoi(d)
	last := time.Date(month.Year, month.Month+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if di < 1 || di > last {
		return Month{}, 0, fmt.Errorf("ce mois n'a pas de jour %d", di)
	}
	return month, di, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ISO is "2025-09", the storage and HTML form.
func (m Month) ISO() string {
	if m.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month))
}

// Short is "09/25", the tableau form.
func (m Month) Short() string {
	if m.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d/%02d", int(m.Month), m.Year%100)
}

// IsZero reports whether the month is unset.
func (m Month) IsZero() bool { return m.Year == 0 }

// Before reports whether m is strictly before o.
func (m Month) Before(o Month) bool {
	return m.Year < o.Year || (m.Year == o.Year && m.Month < o.Month)
}

// Period formats a période as "MM/AA – MM/AA", or one month when start and
// end are the same.
func Period(start, end Month) string {
	if start == end {
		return start.Short()
	}
	return start.Short() + " – " + end.Short()
}

// Cadre is where a réalisation happened (a code of its référentiel's
// cadres, which also name its labels); it decides its band on the tableau.
type Cadre string

// Status is where a réalisation stands in the review workflow.
type Status string

// Statuses of a réalisation.
const (
	StatusDraft     Status = "brouillon"
	StatusSubmitted Status = "soumise"
	StatusValidated Status = "validee"
	StatusRework    Status = "a_reprendre"
)

// Statuses lists every status in workflow order.
var Statuses = []Status{StatusDraft, StatusSubmitted, StatusValidated, StatusRework}

// Label is the French name of the status.
func (s Status) Label() string {
	switch s {
	case StatusDraft:
		return "Brouillon"
	case StatusSubmitted:
		return "Soumise"
	case StatusValidated:
		return "Validée"
	case StatusRework:
		return "À reprendre"
	}
	return string(s)
}

// Modalite tells whether the student worked alone or in a team.
type Modalite string

// The two modalités.
const (
	Alone Modalite = "seul"
	Team  Modalite = "equipe"
)

// Production is a titled link to something the student produced.
type Production struct {
	Title string
	URL   string
}

// ActivityEntry is a ticked activity with its competences.
type ActivityEntry struct {
	Code        string
	How         string // how the student exercised it, optional
	Competences []string
}

// Realisation is a réalisation professionnelle.
type Realisation struct {
	ID          int64
	StudentID   int64
	Title       string
	Description string
	Contexte    string
	Cadre       Cadre
	Types       []string
	Start, End  Month
	// StartDay and EndDay are the days of Start and End when the
	// référentiel keeps the période to the day (sio-2019); 0 when it is
	// known to the month only (sio-2011).
	StartDay, EndDay int
	Modalite         Modalite
	Team             string
	Productions      []Production
	Activities       []ActivityEntry
	Status           Status
	Version          int
	CreatedAt        time.Time
	UpdatedAt        time.Time

	StatusChangedAt time.Time
	StatusReason    string // the teacher's reason for "à reprendre"
	ValidatedBy     int64
	ValidatorName   string
	Tableau         TableauVisibility
	DeadlineExempt  bool // reopened by a teacher after the class deadline

	// The fields of the référentiel's fiche descriptive, when it has one
	// (sio-2019, Bloc 2), and the fiche's number (0: not a fiche).
	Organisation string
	Place        string
	Conditions   string
	Resources    string
	Access       string
	Fiche        int

	// StageID is the stage the réalisation was done in (0: none); its
	// cadre then follows the stage's year and kind. StageOrganisation and
	// StageYear are that stage's (read with the réalisation).
	StageID           int64
	StageOrganisation string
	StageYear         int
}

// TrainingYear is the year of training (1 or 2) the réalisation belongs
// to, 0 when not known: its stage's year; else the year its période starts
// in, counted back from the student's session (the second year starts on
// 1 September of the year before the session); else 0.
func (r *Realisation) TrainingYear(session int) int {
	switch {
	case r.StageID != 0 && r.StageYear > 0:
		return r.StageYear
	case session == 0 || r.Start.IsZero():
		return 0
	case r.StartDate().Before(time.Date(session-1, time.September, 1, 0, 0, 0, 0, time.UTC)):
		return 1
	}
	return 2
}

// OrganisationName is where the réalisation was done, for the tableau's
// band: its stage's organisation, else its own organisation field.
func (r *Realisation) OrganisationName() string {
	if r.StageID != 0 && r.StageOrganisation != "" {
		return r.StageOrganisation
	}
	return r.Organisation
}

// StartDate and EndDate are the first and last days of the période: the
// days when they are known, else the first and last days of the months.
func (r *Realisation) StartDate() time.Time {
	if r.Start.IsZero() {
		return time.Time{}
	}
	return time.Date(r.Start.Year, r.Start.Month, max(r.StartDay, 1), 0, 0, 0, 0, time.UTC)
}

// PeriodText is the période as the pages show it: « 15/09/25 – 20/10/25 »
// when the days are known, else « 09/25 – 10/25 » (one date when the
// start and the end are the same).
func (r *Realisation) PeriodText() string {
	if r.StartDay == 0 || r.EndDay == 0 {
		return Period(r.Start, r.End)
	}
	a, b := r.StartDate().Format("02/01/06"), r.EndDate().Format("02/01/06")
	if a == b {
		return a
	}
	return a + " – " + b
}

// EndDate is the last day of the période (see StartDate).
func (r *Realisation) EndDate() time.Time {
	if r.End.IsZero() {
		return time.Time{}
	}
	if r.EndDay > 0 {
		return time.Date(r.End.Year, r.End.Month, r.EndDay, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(r.End.Year, r.End.Month+1, 0, 0, 0, 0, 0, time.UTC)
}

// HasActivity reports whether the activity is ticked.
func (r *Realisation) HasActivity(code string) bool {
	_, ok := r.Activity(code)
	return ok
}

// Activity returns the ticked activity entry with that code.
func (r *Realisation) Activity(code string) (ActivityEntry, bool) {
	for _, a := range r.Activities {
		if a.Code == code {
			return a, true
		}
	}
	return ActivityEntry{}, false
}

// HasCompetence reports whether the competence is ticked.
func (r *Realisation) HasCompetence(code string) bool {
	for _, a := range r.Activities {
		for _, c := range a.Competences {
			if c == code {
				return true
			}
		}
	}
	return false
}

// HasType reports whether the réalisation is of that type.
func (r *Realisation) HasType(code string) bool {
	for _, t := range r.Types {
		if t == code {
			return true
		}
	}
	return false
}

// CompetenceCount is the number of ticked competences.
func (r *Realisation) CompetenceCount() int {
	n := 0
	for _, a := range r.Activities {
		n += len(a.Competences)
	}
	return n
}
