package portfolio

import (
	"strconv"
	"strings"

	"github.com/portfolio-sio/portfolio/internal/referentiel"
)

// Fiche is the « fiche descriptive de réalisation professionnelle » of
// one réalisation (Bloc 2: épreuve E6 from session 2025, E5 before), every
// text resolved from the référentiel's model, ready to draw. BuildFiche
// makes it; the PDF only draws it.
type Fiche struct {
	Header, Session, Epreuve string
	RectoTitle, VersoTitle   string
	Heading                  string
	Labels                   map[string]string // the model's field labels, by key

	Number     int // N° réalisation
	Name       string
	Candidate  string
	Ponctuelle bool // the candidate's form of the épreuve, when known
	CCF        bool
	Date       string // empty: the model's blank « … / … / …… »

	Organisation string
	Title        string
	Period       string
	Place        string
	Alone, Team  bool
	Competences  []FicheCompetence
	Conditions   string
	Resources    string
	Access       string
	Description  string
	Productions  []Production
}

// FicheCompetence is one box of « Compétences travaillées ».
type FicheCompetence struct {
	Code, Title string
	Checked     bool
}

// FicheEntry is what a réalisation gives its fiche.
type FicheEntry struct {
	Number       int
	Title        string
	Organisation string
	Place        string
	Period       string // already formatted
	Alone        bool
	Ticks        []string // ticked codes; an item ticked checks its competence
	Conditions   string
	Resources    string
	Access       string
	Description  string
	Productions  []Production
	Ponctuelle   bool
	CCF          bool
}

// BuildFiche fills in the référentiel's fiche model for a student's
// réalisation. ok is false when the référentiel has no fiche.
func BuildFiche(tree *referentiel.Tree, student User, e FicheEntry) (Fiche, bool) {
	spec := tree.Fiche
	if spec == nil {
		return Fiche{}, false
	}
	session := ""
	if student.SessionYear > 0 {
		session = strconv.Itoa(student.SessionYear)
	}
	f := Fiche{Header: spec.Header, Heading: spec.Heading, Labels: spec.Labels,
		Session: strings.TrimSpace(strings.ReplaceAll(spec.Session, "{session}", session)),
		Number:  e.Number, Name: student.OfficialName(),
		Candidate: student.CandidateNumber, Ponctuelle: e.Ponctuelle, CCF: e.CCF,
		Organisation: e.Organisation, Title: e.Title, Period: e.Period, Place: e.Place,
		Alone: e.Alone, Team: !e.Alone, Conditions: e.Conditions, Resources: e.Resources, Access: e.Access,
		Description: e.Description, Productions: e.Productions}
	if ep, ok := tree.EpreuveFor(spec.Bloc, student.Parcours, student.SessionYear); ok {
		f.Epreuve = strings.NewReplacer("{epreuve}", ep.Code, "{title}", ep.Title, "{parcours}", student.Parcours).Replace(spec.Epreuve)
	}
	option := ""
	for _, p := range tree.Parcours {
		if p.Code == student.Parcours {
			option = p.Option
		}
	}
	f.RectoTitle, f.VersoTitle = spec.UntitledRecto, spec.UntitledVerso
	if annexe := spec.AnnexeFor(student.SessionYear); annexe != "" && option != "" {
		fill := strings.NewReplacer("{annexe}", annexe, "{option}", option)
		f.RectoTitle, f.VersoTitle = fill.Replace(spec.RectoTitle), fill.Replace(spec.VersoTitle)
	}
	ticked := map[string]bool{}
	for _, c := range e.Ticks {
		ticked[c] = true
	}
	if bloc, ok := tree.Node(student.Parcours, spec.Bloc); ok && (bloc.Parcours == "" || bloc.Parcours == student.Parcours) {
		for _, c := range bloc.Children {
			fc := FicheCompetence{Code: c.Code, Title: c.Title, Checked: ticked[c.Code]}
			for _, item := range c.Children {
				fc.Checked = fc.Checked || ticked[item.Code]
			}
			f.Competences = append(f.Competences, fc)
		}
	}
	return f, true
}
