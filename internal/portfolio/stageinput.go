package portfolio

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Limits on a stage's fields, in characters.
const (
	MaxStageLine     = 200
	MaxStageAddress  = 500
	MaxStageMissions = 5000
	MaxLogDone       = 5000
	// MaxStageDays bounds a stage's length (a year of alternance and a
	// little more).
	MaxStageDays = 400
)

// StageInput is a stage as typed in its form.
type StageInput struct {
	Kind, Year                                       string
	Organisation, Address, SIRET, Service            string
	TutorName, TutorFunction, TutorEmail, TutorPhone string
	Start, End                                       string
	Missions                                         string
}

// StageInputFrom is a stored stage as form input.
func StageInputFrom(s Stage) StageInput {
	return StageInput{Kind: string(s.Kind), Year: strconv.Itoa(s.Year), Organisation: s.Organisation,
		Address: s.Address, SIRET: s.SIRET, Service: s.Service, TutorName: s.TutorName,
		TutorFunction: s.TutorFunction, TutorEmail: s.TutorEmail, TutorPhone: s.TutorPhone,
		Start: s.Start.Format(time.DateOnly), End: s.End.Format(time.DateOnly), Missions: s.Missions}
}

// Validate checks the stage's fields and returns it clean, or the French
// messages to show next to the fields.
func (in StageInput) Validate() (Stage, Errors) {
	errs := Errors{}
	var s Stage
	switch StageKind(strings.TrimSpace(in.Kind)) {
	case KindStage:
		s.Kind = KindStage
	case KindAlternance:
		s.Kind = KindAlternance
	default:
		errs["kind"] = "Indiquez s'il s'agit d'un stage ou d'une période d'alternance."
	}
	switch strings.TrimSpace(in.Year) {
	case "1":
		s.Year = 1
	case "2":
		s.Year = 2
	default:
		errs["year"] = "Indiquez l'année de BTS : 1re ou 2e année."
	}
	s.Organisation = line(text(errs, "organisation", in.Organisation, MaxStageLine, true, "Le nom de l'organisation"))
	visible(errs, "organisation", s.Organisation, "Le nom de l'organisation")
	s.Address = text(errs, "address", in.Address, MaxStageAddress, false, "L'adresse")
	s.Service = line(text(errs, "service", in.Service, MaxStageLine, false, "Le service"))
	s.TutorName = line(text(errs, "tutor_name", in.TutorName, MaxStageLine, true, "Le nom du tuteur"))
	visible(errs, "tutor_name", s.TutorName, "Le nom du tuteur")
	s.TutorFunction = line(text(errs, "tutor_function", in.TutorFunction, MaxStageLine, false, "La fonction du tuteur"))
	s.TutorEmail = line(text(errs, "tutor_email", in.TutorEmail, MaxStageLine, false, "L'adresse e-mail du tuteur"))
	if s.TutorEmail != "" && !errs.Has("tutor_email") {
		if a, err := mail.ParseAddress(s.TutorEmail); err != nil || a.Address != s.TutorEmail || !strings.Contains(a.Address, ".") {
			errs["tutor_email"] = "Adresse e-mail invalide (exemple : prenom.nom@entreprise.fr)."
		}
	}
	s.TutorPhone = line(text(errs, "tutor_phone", in.TutorPhone, 30, false, "Le téléphone du tuteur"))
	if s.TutorPhone != "" && !errs.Has("tutor_phone") {
		n := 0
		for _, r := range s.TutorPhone {
			switch {
			case r >= '0' && r <= '9':
				n++
			case r == ' ' || r == '.' || r == '-' || r == '+' || r == '(' || r == ')':
			default:
				n = -100
			}
		}
		if n < 8 || n > 15 {
			errs["tutor_phone"] = "Numéro de téléphone invalide (exemple : 01 23 45 67 89)."
		}
	}
	s.SIRET = strings.Join(strings.Fields(in.SIRET), "")
	if s.SIRET != "" && !ValidSIRET(s.SIRET) {
		if len(s.SIRET) != 14 || strings.Trim(s.SIRET, "0123456789") != "" {
			errs["siret"] = "Le SIRET compte 14 chiffres (les espaces sont permis)."
		} else {
			errs["siret"] = "Ce SIRET n'existe pas : sa clé de contrôle est fausse. Vérifiez-le sur l'attestation ou sur annuaire-entreprises.data.gouv.fr."
		}
	}
	s.Start = stageDay(errs, "start", in.Start, "de début")
	s.End = stageDay(errs, "end", in.End, "de fin")
	if !errs.Has("start") && !errs.Has("end") {
		switch {
		case s.End.Before(s.Start):
			errs["end"] = "La date de fin doit être égale ou postérieure à la date de début."
		case s.End.Sub(s.Start) > MaxStageDays*24*time.Hour:
			errs["end"] = "Une période dure au plus " + strconv.Itoa(MaxStageDays) + " jours : enregistrez une période par année."
		case weekdays(s.Start, s.End) == 0:
			errs["end"] = "La période ne compte aucun jour ouvré (du lundi au vendredi)."
		}
	}
	s.Missions = text(errs, "missions", in.Missions, MaxStageMissions, false, "La description des missions")
	return s, errs
}

func stageDay(errs Errors, field, s, what string) time.Time {
	m, d := day(errs, field, s, what)
	if errs.Has(field) {
		return time.Time{}
	}
	return time.Date(m.Year, m.Month, d, 0, 0, 0, 0, time.UTC)
}

// LogInput is a week of the carnet de bord as typed.
type LogInput struct {
	Week         string
	Done         string
	Hours        string
	Realisations []string
}

// Validate checks a carnet entry against its stage; the week is any day
// of it, kept as its Monday.
func (in LogInput) Validate(st Stage) (LogEntry, Errors) {
	errs := Errors{}
	e := LogEntry{StageID: st.ID}
	w, err := time.Parse(time.DateOnly, strings.TrimSpace(in.Week))
	if err != nil {
		errs["week"] = "Choisissez une semaine du stage."
	} else {
		e.Week = w.AddDate(0, 0, -((int(w.Weekday()) + 6) % 7))
		if e.Week.AddDate(0, 0, 6).Before(st.Start) || e.Week.After(st.End) {
			errs["week"] = "Cette semaine n'est pas dans le stage (" + st.PeriodText() + ")."
		}
	}
	e.Done = text(errs, "done", in.Done, MaxLogDone, true, "Le compte rendu de la semaine")
	h := strings.ReplaceAll(strings.TrimSpace(in.Hours), ",", ".")
	if h == "" {
		errs["hours"] = "Indiquez le nombre d'heures de la semaine."
	} else if v, err := strconv.ParseFloat(h, 64); !hoursRE.MatchString(h) || err != nil || v < 0 || v > 60 {
		errs["hours"] = "Nombre d'heures invalide : entre 0 et 60 (exemple : 35 ou 17,5)."
	} else {
		e.Hours = v
	}
	seen := map[int64]bool{}
	for _, r := range in.Realisations {
		id, err := strconv.ParseInt(r, 10, 64)
		if err != nil || id <= 0 {
			errs["realisations"] = "Réalisation inconnue."
			continue
		}
		if !seen[id] {
			seen[id] = true
			e.Realisations = append(e.Realisations, id)
		}
	}
	return e, errs
}

// hoursRE is a number of hours as people write it: 35, 17,5 (or 17.5).
var hoursRE = regexp.MustCompile(`^[0-9]{1,2}(\.[0-9]{1,2})?$`)

// visible refuses a required text made only of invisible characters
// (zero-width spaces, joiners): it would show as an empty link.
func visible(errs Errors, field, s, what string) {
	if errs.Has(field) || s == "" {
		return
	}
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSymbol(r) || unicode.IsPunct(r) {
			return
		}
	}
	errs[field] = what + " ne contient aucun caractère visible."
}

// StageWeeksOf lists the Mondays of the weeks a stage spans.
func StageWeeksOf(st Stage) []time.Time {
	var out []time.Time
	if st.Start.IsZero() || st.End.Before(st.Start) {
		return nil
	}
	w := st.Start.AddDate(0, 0, -((int(st.Start.Weekday()) + 6) % 7))
	for ; !w.After(st.End) && len(out) < 60; w = w.AddDate(0, 0, 7) {
		out = append(out, w)
	}
	return out
}

// CleanReason checks a teacher's reason (for refusing an attestation):
// the text, trimmed, or a message under field in errs.
func CleanReason(errs Errors, field, s string) string {
	return text(errs, field, s, MaxReason, false, "La raison")
}
