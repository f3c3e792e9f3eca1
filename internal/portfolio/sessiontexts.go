package portfolio

import (
	"cmp"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/referentiel"
)

// SessionTexts are the texts of an exam session that its circulaire
// nationale d'organisation sets, as an admin entered them on the page
// « Textes de la session »: the référentiel knows those of the sessions
// it was written after, not those to come. An empty text is the
// référentiel's (DefaultSessionTexts).
type SessionTexts struct {
	TableauTitle    string // the tableau's row 1
	TableauSubtitle string // the tableau's row 2, its title
	TableauSheet    string // the tableau's sheet name
	FicheAnnexe     string // the fiche's annex number (« 9-1 »); the option's letter is added
	FicheEpreuve    string // the fiche's Épreuve line, in the student's option
}

// DefaultSessionTexts are the texts the référentiel gives a student of
// the parcours at the session: what prints when no admin entered one.
func DefaultSessionTexts(tree *referentiel.Tree, parcours string, session int) SessionTexts {
	g := BuildGrid(tree, User{Parcours: parcours, SessionYear: session}, nil, time.Time{})
	t := SessionTexts{TableauTitle: g.Title, TableauSubtitle: strings.TrimSpace(g.Subtitle), TableauSheet: g.Sheet}
	if f := tree.Fiche; f != nil {
		t.FicheAnnexe = f.AnnexeFor(session)
		t.FicheEpreuve = ficheEpreuve(tree, parcours, session)
	}
	return t
}

// ficheEpreuve is the référentiel's Épreuve line of the fiche.
func ficheEpreuve(tree *referentiel.Tree, parcours string, session int) string {
	spec := tree.Fiche
	if ep, ok := tree.EpreuveFor(spec.Bloc, parcours, session); ok {
		return strings.NewReplacer("{epreuve}", ep.Code, "{title}", ep.Title, "{parcours}", parcours).Replace(spec.Epreuve)
	}
	return ""
}

// Apply puts the texts an admin entered for the session on the tableau.
func (g *Grid) Apply(t SessionTexts) {
	g.Title = cmp.Or(t.TableauTitle, g.Title)
	g.Subtitle = cmp.Or(t.TableauSubtitle, g.Subtitle)
	g.Sheet = cmp.Or(t.TableauSheet, g.Sheet)
}

// ExamForm is how a student sits the épreuves: in contrôle en cours de
// formation or in épreuve ponctuelle; "" when not said (both boxes of the
// fiche stay empty).
type ExamForm string

// The forms of the épreuves.
const (
	ExamUnknown    ExamForm = ""
	ExamCCF        ExamForm = "ccf"
	ExamPonctuelle ExamForm = "ponctuelle"
)

// ExamForms are the forms, in the order the forms offer them.
var ExamForms = []ExamForm{ExamCCF, ExamPonctuelle}

// Label is the form's French name.
func (f ExamForm) Label() string {
	switch f {
	case ExamCCF:
		return "Contrôle en cours de formation (CCF)"
	case ExamPonctuelle:
		return "Épreuve ponctuelle"
	}
	return "Non précisée"
}

// Valid reports whether f is a known form or unknown.
func (f ExamForm) Valid() bool { return f == ExamUnknown || f == ExamCCF || f == ExamPonctuelle }
