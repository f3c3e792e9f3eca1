package portfolio

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
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
		Productions: append([]Production(nil), r.Productions...),
		How:         map[string]string{},
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

// Validate checks every field against the rules and the référentiel and
// returns the clean réalisation, or the errors to show next to the fields.
func (in RealisationInput) Validate(ref *referentiel.Referentiel) (Realisation, Errors) {
	errs := Errors{}
	r := Realisation{Status: StatusDraft}

	r.Title = line(text(errs, "title", in.Title, MaxTitle, true, "L'intitulé"))
	r.Description = text(errs, "description", in.Description, MaxDescription, false, "La description")
	r.Contexte = text(errs, "contexte", in.Contexte, MaxContexte, false, "Le contexte")

	r.Cadre = Cadre(strings.TrimSpace(in.Cadre))
	if r.Cadre == "" {
		errs["cadre"] = "Choisissez le cadre de la réalisation."
	} else if _, ok := ref.Band(string(r.Cadre)); !ok {
		errs["cadre"] = "Ce cadre n'existe pas."
	}

	seenType := map[string]bool{}
	for _, t := range in.Types {
		if _, ok := ref.Type(t); !ok {
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
		case !validURL(link):
			errs[key] = "L'adresse doit commencer par http:// ou https:// et être complète."
		default:
			r.Productions = append(r.Productions, Production{Title: title, URL: link})
		}
	}

	ticked := map[string]int{} // activity code → index in r.Activities
	for _, code := range in.Activities {
		a, ok := ref.Activity(code)
		if !ok {
			errs["activities"] = "Activité inconnue du référentiel."
			continue
		}
		if _, dup := ticked[code]; dup {
			continue
		}
		ticked[code] = len(r.Activities)
		how := line(text(errs, "how."+code, in.How[code], MaxHow, false, "La phrase"))
		r.Activities = append(r.Activities, ActivityEntry{Code: a.Code, How: how})
	}
	seenComp := map[string]bool{}
	for _, code := range in.Competences {
		c, ok := ref.Competence(code)
		if !ok {
			errs["activities"] = "Compétence inconnue du référentiel."
			continue
		}
		if seenComp[code] {
			continue
		}
		seenComp[code] = true
		i, ok := ticked[c.Activity]
		if !ok && slices.Contains(in.TickedBefore, c.Activity) {
			continue // the student unticked the activity: its competences go with it
		}
		if !ok {
			errs["competence."+code] = fmt.Sprintf("Cochez l'activité %s pour pouvoir cocher la compétence %s.", c.Activity, c.Code)
			if !errs.Has("activities") {
				errs["activities"] = "Une compétence ne peut être cochée que sous une activité cochée."
			}
			continue
		}
		r.Activities[i].Competences = append(r.Activities[i].Competences, c.Code)
	}
	// Store activities and competences in référentiel order.
	order := map[string]int{}
	for i, a := range ref.Activities() {
		order[a.Code] = i
	}
	sort.SliceStable(r.Activities, func(i, j int) bool {
		return order[r.Activities[i].Code] < order[r.Activities[j].Code]
	})
	for i := range r.Activities {
		sort.Strings(r.Activities[i].Competences)
	}

	if len(errs) > 0 {
		return Realisation{}, errs
	}
	return r, nil
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
