package portfolio

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portfolio-sio/portfolio/internal/referentiel"
)

// Limits on what a réalisation may hold, in characters.
const (
	MaxTitle       = 200
	MaxDescription = 10000
	MaxContexte    = 2000
	MaxTeam        = 500
	MaxHow         = 1000
	MaxProductions = 20
	MaxURL         = 2000
	MaxFiche       = 9 // fiche descriptive numbers, 1 to 9
)

// Errors maps a form field to the French message shown next to it.
type Errors map[string]string

// Has reports whether the field has an error.
func (e Errors) Has(field string) bool { _, ok := e[field]; return ok }

// RealisationInput is a réalisation as typed in the form, before checks.
type RealisationInput struct {
	Title       string
	Description string
	Contexte    string
	Cadre       string
	Types       []string
	Start       string
	End         string
	Modalite    string
	Team        string
	Productions []Production
	Activities  []string
	How         map[string]string // activity code → sentence
	Competences []string
	// The fiche descriptive's fields (référentiels that have one).
	Organisation string
	Place        string
	Conditions   string
	Resources    string
	Access       string
	Fiche        string // its number, "" when the réalisation is not a fiche
	// Stage is the id of the stage it was done in, "" for none (checked
	// by the caller, which knows the student's stages).
	Stage string
	// TickedBefore lists the activities ticked when the form was drawn:
	// unticking one of them also drops its competences, while a competence
	// ticked under an activity that never was is an error to show.
	TickedBefore []string
}

// InputFrom turns a stored réalisation back into form input (to edit or
// duplicate it).
func InputFrom(r *Realisation) RealisationInput {
	in := RealisationInput{
		Title: r.Title, Description: r.Description, Contexte: r.Contexte,
		Cadre: string(r.Cadre), Types: append([]string(nil), r.Types...),
		Start: r.Start.ISO(), End: r.End.ISO(), Modalite: string(r.Modalite), Team: r.Team,
		Productions:  append([]Production(nil), r.Productions...),
		How:          map[string]string{},
		Organisation: r.Organisation, Place: r.Place, Conditions: r.Conditions,
		Resources: r.Resources, Access: r.Access,
	}
	if r.StartDay > 0 {
		in.Start = r.StartDate().Format(time.DateOnly)
	}
	if r.EndDay > 0 {
		in.End = r.EndDate().Format(time.DateOnly)
	}
	if r.Fiche > 0 {
		in.Fiche = strconv.Itoa(r.Fiche)
	}
	if r.StageID > 0 {
		in.Stage = strconv.FormatInt(r.StageID, 10)
	}
	for _, a := range r.Activities {
		in.Activities = append(in.Activities, a.Code)
		if a.How != "" {
			in.How[a.Code] = a.How
		}
		in.Competences = append(in.Competences, a.Competences...)
	}
	return in
}

// Ticked reports whether the activity or competence code is ticked in the
// input (used to redraw the form).
func (in RealisationInput) Ticked(code string) bool {
	for _, c := range in.Activities {
		if c == code {
			return true
		}
	}
	for _, c := range in.Competences {
		if c == code {
			return true
		}
	}
	return false
}

// HasType reports whether the type is ticked in the input.
func (in RealisationInput) HasType(code string) bool {
	for _, t := range in.Types {
		if t == code {
			return true
		}
	}
	return false
}

// Validate is ValidateIn with the référentiel as a student without a
// parcours uses it.
func (in RealisationInput) Validate(ref *referentiel.Referentiel) (Realisation, Errors) {
	return in.ValidateIn(ref.Scheme(""))
}

// ValidateIn checks every field against the rules and the référentiel (as
// the student's parcours uses it) and returns the clean réalisation, or
// the errors to show next to the fields.
func (in RealisationInput) ValidateIn(sc *referentiel.Scheme) (Realisation, Errors) {
	errs := Errors{}
	r := Realisation{Status: StatusDraft}

	r.Title = line(text(errs, "title", in.Title, MaxTitle, true, "L'intitulé"))
	r.Description = text(errs, "description", in.Description, MaxDescription, false, "La description")
	r.Contexte = text(errs, "contexte", in.Contexte, MaxContexte, false, "Le contexte")

	r.Cadre = Cadre(strings.TrimSpace(in.Cadre))
	if r.Cadre == "" {
		errs["cadre"] = "Choisissez le cadre de la réalisation."
	} else if !sc.HasCadre(string(r.Cadre)) {
		errs["cadre"] = "Ce cadre n'existe pas."
	}

	if len(sc.Types) > 0 {
		seenType := map[string]bool{}
		for _, t := range in.Types {
			if !slices.ContainsFunc(sc.Types, func(x referentiel.Type) bool { return x.Code == t }) {
				errs["types"] = "Type de situation inconnu."
				continue
			}
			if !seenType[t] {
				seenType[t] = true
				r.Types = append(r.Types, t)
			}
		}
		if len(r.Types) == 0 && !errs.Has("types") {
			errs["types"] = "Cochez au moins un type de situation."
		}
		sort.Strings(r.Types)
	}

	if sc.DayPrecision {
		r.Start, r.StartDay = day(errs, "start", in.Start, "de début")
		r.End, r.EndDay = day(errs, "end", in.End, "de fin")
		if !errs.Has("start") && !errs.Has("end") && r.EndDate().Before(r.StartDate()) {
			errs["end"] = "La date de fin doit être égale ou postérieure à la date de début."
		}
	} else {
		var err error
		if strings.TrimSpace(in.Start) == "" {
			errs["start"] = "Indiquez le mois de début."
		} else if r.Start, err = ParseMonth(in.Start); err != nil {
			errs["start"] = "Mois de début invalide : " + err.Error() + "."
		}
		if strings.TrimSpace(in.End) == "" {
			errs["end"] = "Indiquez le mois de fin."
		} else if r.End, err = ParseMonth(in.End); err != nil {
			errs["end"] = "Mois de fin invalide : " + err.Error() + "."
		}
		if !errs.Has("start") && !errs.Has("end") && r.End.Before(r.Start) {
			errs["end"] = "Le mois de fin doit être égal ou postérieur au mois de début."
		}
	}

	if sc.Fiche {
		in.validateFiche(errs, &r)
	}

	switch Modalite(strings.TrimSpace(in.Modalite)) {
	case Alone:
		r.Modalite = Alone
	case Team:
		r.Modalite = Team
		r.Team = text(errs, "team", in.Team, MaxTeam, true, "La description de l'équipe")
	case "":
		errs["modalite"] = "Indiquez si vous avez travaillé seul ou en équipe."
	default:
		errs["modalite"] = "Modalité inconnue."
	}

	n := 0
	for i, p := range in.Productions {
		title, link := line(strings.TrimSpace(p.Title)), strings.TrimSpace(p.URL)
		if title == "" && link == "" {
			continue
		}
		key := fmt.Sprintf("production.%d", i)
		n++
		if n > MaxProductions {
			errs["productions"] = fmt.Sprintf("Au plus %d productions.", MaxProductions)
			break
		}
		switch {
		case !utf8.ValidString(title) || !utf8.ValidString(link) || !CleanText(title):
			errs[key] = "Le titre de ce lien contient des caractères invalides (caractères de contrôle)."
		case title == "":
			errs[key] = "Donnez un titre à ce lien."
		case utf8.RuneCountInString(title) > MaxTitle:
			errs[key] = fmt.Sprintf("Titre trop long (%d caractères au plus).", MaxTitle)
		case link == "":
			errs[key] = "Indiquez l'adresse (URL) de cette production."
		case len(link) > MaxURL:
			errs[key] = fmt.Sprintf("Adresse trop longue (%d caractères au plus) : utilisez un lien plus court.", MaxURL)
		case !validURL(link):
			errs[key] = "L'adresse doit commencer par http:// ou https:// et être complète."
		default:
			r.Productions = append(r.Productions, Production{Title: title, URL: link})
		}
	}

	ticked := map[string]int{} // unit code → index in r.Activities
	for _, code := range in.Activities {
		u, ok := sc.Unit(code)
		if !ok || u.Parent != "" {
			errs["activities"] = sc.Form.UnknownTick
			continue
		}
		if _, dup := ticked[code]; dup {
			continue
		}
		ticked[code] = len(r.Activities)
		how := text(errs, "how."+code, in.How[code], MaxHow, false, "La phrase")
		r.Activities = append(r.Activities, ActivityEntry{Code: u.Code, How: how})
	}
	seenComp := map[string]bool{}
	for _, code := range in.Competences {
		d, ok := sc.Unit(code)
		if !ok || d.Parent == "" {
			errs["activities"] = sc.Form.UnknownDetail
			continue
		}
		if seenComp[code] {
			continue
		}
		seenComp[code] = true
		i, ok := ticked[d.Parent]
		if !ok && slices.Contains(in.TickedBefore, d.Parent) {
			continue // the student unticked the unit: its details go with it
		}
		if !ok {
			errs["competence."+code] = referentiel.Text(sc.Form.DetailNeedsTick, "tick", d.Parent, "detail", d.Code)
			if !errs.Has("activities") {
				errs["activities"] = sc.Form.DetailsNeedTicks
			}
			continue
		}
		r.Activities[i].Competences = append(r.Activities[i].Competences, d.Code)
	}
	// Store units and details in référentiel order.
	sort.SliceStable(r.Activities, func(i, j int) bool {
		a, _ := sc.Unit(r.Activities[i].Code)
		b, _ := sc.Unit(r.Activities[j].Code)
		return a.Position() < b.Position()
	})
	for i := range r.Activities {
		sort.Strings(r.Activities[i].Competences)
	}

	if len(errs) > 0 {
		return Realisation{}, errs
	}
	return r, nil
}

// ValidateFiche checks the fields of the fiche descriptive alone (set on
// a réalisation in any status) and returns them in a réalisation.
func (in RealisationInput) ValidateFiche() (Realisation, Errors) {
	errs := Errors{}
	var r Realisation
	in.validateFiche(errs, &r)
	if len(errs) > 0 {
		return Realisation{}, errs
	}
	return r, nil
}

func (in RealisationInput) validateFiche(errs Errors, r *Realisation) {
	r.Organisation = text(errs, "organisation", in.Organisation, MaxContexte, false, "L'organisation support")
	r.Place = line(text(errs, "lieu", in.Place, MaxTitle, false, "Le lieu"))
	r.Conditions = text(errs, "conditions", in.Conditions, MaxContexte, false, "La description des conditions de réalisation")
	r.Resources = text(errs, "ressources", in.Resources, MaxContexte, false, "La description des ressources")
	r.Access = text(errs, "acces", in.Access, MaxContexte, false, "La description des modalités d'accès")
	if f := strings.TrimSpace(in.Fiche); f != "" {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > MaxFiche {
			errs["fiche"] = fmt.Sprintf("Le numéro de fiche va de 1 à %d.", MaxFiche)
		}
		r.Fiche = n
	}
}

// day reads a date of the période (référentiels kept to the day).
func day(errs Errors, field, s, what string) (Month, int) {
	if strings.TrimSpace(s) == "" {
		errs[field] = "Indiquez la date " + what + "."
		return Month{}, 0
	}
	m, d, err := ParseDay(s)
	if err != nil {
		errs[field] = "Date " + what + " invalide : " + err.Error() + "."
	}
	return m, d
}

// text trims and checks one free-text field.
func text(errs Errors, field, s string, max int, required bool, what string) string {
	valid := utf8.ValidString(s) // before strings.Map, which would repair it
	s = strings.TrimSpace(dropBidi(strings.ReplaceAll(s, "\r\n", "\n")))
	switch {
	case !valid || !CleanText(s):
		errs[field] = what + " contient des caractères invalides."
	case required && s == "":
		errs[field] = what + " est obligatoire."
	case utf8.RuneCountInString(s) > max:
		errs[field] = fmt.Sprintf("%s ne doit pas dépasser %d caractères (actuellement %d).", what, max, utf8.RuneCountInString(s))
	}
	return s
}

// line makes a one-line text: line breaks become spaces, and the
// invisible bidirectional controls that could reverse how it reads on the
// tableau are removed.
func line(s string) string {
	return dropBidi(strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s))
}

// dropBidi removes the invisible bidirectional controls.
func dropBidi(s string) string {
	return strings.Map(func(r rune) rune {
		if (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F {
			return -1
		}
		return r
	}, s)
}

func validURL(s string) bool {
	if len(s) > MaxURL || strings.ContainsAny(s, " \t\n<>\"") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
