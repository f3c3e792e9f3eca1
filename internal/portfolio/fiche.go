package portfolio

import (
	"cmp"
	"strconv"
	"strings"
	"time"

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
	Footnotes                []string          // the recto's footnotes, each after its call

	Number     int // N° réalisation
	Name       string
	Candidate  string
	Ponctuelle bool // the candidate's form of the épreuves, when known
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
	Made         time.Time // when the PDF is made (its metadata)
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
}

// BuildFiche fills in the référentiel's fiche model for a student's
// réalisation, with the texts of their session (those an admin left
// empty are the référentiel's) and the form of their épreuves. ok is
// false when the référentiel has no fiche.
func BuildFiche(tree *referentiel.Tree, student User, e FicheEntry, texts SessionTexts, form ExamForm) (Fiche, bool) {
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
		Candidate: student.CandidateNumber, Ponctuelle: form == ExamPonctuelle, CCF: form == ExamCCF,
		Organisation: e.Organisation, Title: e.Title, Period: e.Period, Place: e.Place,
		Alone: e.Alone, Team: !e.Alone, Conditions: e.Conditions, Resources: e.Resources, Access: e.Access,
		Description: e.Description, Productions: e.Productions}
	f.Epreuve = cmp.Or(texts.FicheEpreuve, ficheEpreuve(tree, student.Parcours, student.SessionYear))
	for _, n := range spec.FootnotesFor(student.Parcours) {
		f.Footnotes = append(f.Footnotes, n.Call+" "+n.Text)
	}
	option := ""
	for _, p := range tree.Parcours {
		if p.Code == student.Parcours {
			option = p.Option
		}
	}
	f.RectoTitle, f.VersoTitle = spec.UntitledRecto, spec.UntitledVerso
	if annexe := cmp.Or(texts.FicheAnnexe, spec.AnnexeFor(student.SessionYear)); annexe != "" && option != "" {
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

// MaxFicheNumber is the highest fiche number a student may give: two from
// session 2025 in the 2019 référentiel (the E6 dossier has two fiches),
// MaxFiche where no rule says.
func MaxFicheNumber(tree *referentiel.Tree, student User) int {
	if tree == nil || tree.Fiche == nil {
		return MaxFiche
	}
	if n := tree.Fiche.MaxNumber(student.SessionYear); n > 0 {
		return n
	}
	return MaxFiche
}
