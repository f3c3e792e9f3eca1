package portfolio

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/referentiel"
)

// TableauTitle is the title of the working view of the tableau (the HTML
// page and the « document de travail » PDF of a référentiel whose tableau
// has the "processus" working view): not the official sheet, which is
// the Grid.
const TableauTitle = "Tableau de synthèse — document de travail"

// WorkingNote says what the working view is, on the page and the PDF.
const WorkingNote = "Document de travail (totaux, activités à couvrir, processus) : ce n’est pas le tableau officiel. Le tableau à remettre est le « Tableau officiel » (PDF ou tableur XLSX)."

// Attestation is the teacher's attestation sentence under the working
// view of a référentiel in the first form.
const Attestation = "Je soussigné(e) …, formateur/formatrice, certifie que le candidat a bien effectué les activités présentées dans ce tableau"

// Tableau is the tableau de synthèse of one student: everything the HTML
// page, the PDF and the CSV draw, and nothing they need to compute.
type Tableau struct {
	Title       string
	Note        string // what a working view is (WorkingNote), when there is an official grid
	Header      TableauHeader
	Types       []referentiel.Type
	Groups      []ColumnGroup // process headers over the activity columns
	Columns     []Column      // one per activity of the parcours
	Bands       []BandRows
	TypeTotals  []int // réalisations of each type
	Totals      []int // réalisations covering each column
	Gaps        []Column
	RowCount    int
	Legend      []string
	Attestation string
	Validators  []string // names of the teachers who validated rows
	HasPending  bool     // some rows are not validated yet
	GeneratedAt time.Time
}

// TableauHeader is the identification block of the grid.
type TableauHeader struct {
	Session   string
	Name      string
	Candidate string
	Parcours  string
	Centre    string
	URL       string
}

// ColumnGroup is a process header spanning its activity columns.
type ColumnGroup struct {
	Code  string
	Title string
	Span  int
}

// Column is one activity column.
type Column struct {
	Code    string
	Title   string
	Process string
}

// BandRows is one band and its rows, sorted by date.
type BandRows struct {
	Code  string
	Title string
	Rows  []Row
}

// Row is one réalisation on the grid.
type Row struct {
	ID          int64
	Title       string
	Productions []Production
	Types       []bool // one per Tableau.Types
	Period      string
	Marks       []bool // one per Tableau.Columns
	Status      Status
	Pending     bool // shown at the student's request though not validated
}

// PendingMark follows the title of a row that is not validated yet.
const PendingMark = "(non validée)"

// alwaysShownBands are drawn even when empty, as on the official sheet.
var alwaysShownBands = map[string]bool{"formation": true, "stage1": true, "stage2": true}

// BuildTableau builds the grid of a student from the référentiel and their
// réalisations: the validated ones, less those the student hid, plus the
// unvalidated ones the student chose to show (marked pending). It is
// pure: same input, same grid.
func BuildTableau(ref *referentiel.Referentiel, student User, reals []Realisation, now time.Time) Tableau {
	t := Tableau{
		Title:       TableauTitle,
		Types:       ref.Types,
		Attestation: Attestation,
		GeneratedAt: now,
	}
	if ref.Tree != nil { // the official sentence, its blanks left for the hand
		spec := ref.Tree.Tableau
		t.Note = WorkingNote
		t.Attestation = strings.NewReplacer("{teacher}", spec.AttestationBlank, "{centre}", spec.AttestationBlank).Replace(spec.Attestation)
	}
	t.Header = TableauHeader{
		Name:      student.OfficialName(),
		Candidate: student.CandidateNumber,
		Centre:    student.Centre,
		URL:       student.PortfolioURL,
	}
	if student.SessionYear > 0 {
		t.Header.Session = strconv.Itoa(student.SessionYear)
	}
	if pc, ok := ref.ParcoursByCode(student.Parcours); ok {
		t.Header.Parcours = pc.Code + " — " + pc.Title
	} else {
		t.Header.Parcours = "Non choisi (toutes les activités)"
	}

	acts := ref.ColumnActivities(student.Parcours)
	for _, a := range acts {
		t.Columns = append(t.Columns, Column{Code: a.Code, Title: a.Title, Process: a.Process})
		if n := len(t.Groups); n == 0 || t.Groups[n-1].Code != a.Process {
			p, _ := ref.Process(a.Process)
			t.Groups = append(t.Groups, ColumnGroup{Code: p.Code, Title: p.Title})
		}
		t.Groups[len(t.Groups)-1].Span++
	}
	colIdx := make(map[string]int, len(acts))
	for i, a := range acts {
		colIdx[a.Code] = i
	}
	typeIdx := make(map[string]int, len(ref.Types))
	for i, ty := range ref.Types {
		typeIdx[ty.Code] = i
	}
	t.Totals = make([]int, len(acts))
	t.TypeTotals = make([]int, len(ref.Types))

	sorted := make([]*Realisation, 0, len(reals))
	validators := map[string]bool{}
	for i := range reals {
		if !reals[i].OnTableau() {
			continue
		}
		sorted = append(sorted, &reals[i])
		if reals[i].Status == StatusValidated && reals[i].ValidatorName != "" {
			validators[reals[i].ValidatorName] = true
		}
	}
	for name := range validators {
		t.Validators = append(t.Validators, name)
	}
	sort.Strings(t.Validators)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.Start != b.Start {
			return a.Start.Before(b.Start)
		}
		if a.End != b.End {
			return a.End.Before(b.End)
		}
		return a.ID < b.ID
	})

	byBand := map[string][]Row{}
	orgs := map[string][]string{} // the organisations of each band's réalisations
	for _, r := range sorted {
		row := Row{
			ID:          r.ID,
			Title:       r.Title,
			Productions: r.Productions,
			Types:       make([]bool, len(ref.Types)),
			Period:      Period(r.Start, r.End),
			Marks:       make([]bool, len(acts)),
			Status:      r.Status,
			Pending:     r.Status != StatusValidated,
		}
		if row.Pending {
			t.HasPending = true
		}
		for _, code := range r.Types {
			if i, ok := typeIdx[code]; ok {
				row.Types[i] = true
				t.TypeTotals[i]++
			}
		}
		for _, a := range r.Activities {
			if i, ok := colIdx[a.Code]; ok {
				row.Marks[i] = true
				t.Totals[i]++
			}
		}
		band := string(r.Cadre)
		if ref.Tree != nil { // the band of the official sheet (2011's alternance: by year)
			if i := ref.Tree.Tableau.BandOf(band, r.TrainingYear(student.SessionYear)); i >= 0 {
				band = ref.Tree.Tableau.Bands[i].Code
			}
		}
		byBand[band] = append(byBand[band], row)
		if o := strings.TrimSpace(r.OrganisationName()); o != "" && !slices.Contains(orgs[band], o) {
			orgs[band] = append(orgs[band], o)
		}
		t.RowCount++
	}
	for _, b := range ref.Bands {
		rows := byBand[b.Code]
		if len(rows) == 0 && !alwaysShownBands[b.Code] {
			continue
		}
		title := b.Title
		if ref.Tree != nil { // what follows the title on the official sheet
			for _, spec := range ref.Tree.Tableau.Bands {
				if spec.Code == b.Code {
					title = spec.TitleFor(student.Centre, orgs[b.Code])
				}
			}
		}
		t.Bands = append(t.Bands, BandRows{Code: b.Code, Title: title, Rows: rows})
	}
	for i, c := range t.Columns {
		if t.Totals[i] == 0 {
			t.Gaps = append(t.Gaps, c)
		}
	}
	t.Legend = []string{
		"X : activité mise en œuvre dans la réalisation professionnelle.",
		"Ligne Total : nombre de réalisations couvrant chaque activité ; une activité jamais couverte est signalée « à couvrir ».",
		"Période : mois de début et de fin (MM/AA).",
	}
	if t.HasPending {
		t.Legend = append(t.Legend, PendingMark+" : réalisation pas encore validée par un enseignant.")
	}
	return t
}

// IsGap reports whether column i is never covered.
func (t Tableau) IsGap(i int) bool { return t.Totals[i] == 0 }

// Columns are the columns of the coverage pages for a parcours (2011:
// the activity columns of its tableau, every activity when none) and the
// groups over them.
func Columns(ref *referentiel.Referentiel, parcours string) ([]Column, []ColumnGroup) {
	cc, cg := ref.CoverageColumns(parcours)
	cols := make([]Column, 0, len(cc))
	for _, c := range cc {
		cols = append(cols, Column{Code: c.Code, Title: c.Title, Process: c.Group})
	}
	groups := make([]ColumnGroup, 0, len(cg))
	for _, g := range cg {
		groups = append(groups, ColumnGroup(g))
	}
	return cols, groups
}

// CoverageSummary sums up a student's coverage of their parcours.
type CoverageSummary struct {
	Names        referentiel.Names // what the columns are (activités, compétences)
	Columns      int               // activities of the parcours
	Validated    int               // covered by a validated réalisation
	Pending      int               // covered only by réalisations not validated yet
	Missing      []Column          // never covered
	TypesMissing []referentiel.Type
}

// Summarize computes the coverage summary from the coverage levels of
// activities and types.
func Summarize(ref *referentiel.Referentiel, parcours string, acts, types map[string]Coverage) CoverageSummary {
	cols, _ := Columns(ref, parcours)
	sc := ref.Scheme(parcours)
	sum := CoverageSummary{Columns: len(cols), Names: sc.Names}
	for _, c := range cols {
		switch acts[c.Code] {
		case CoveredValidated:
			sum.Validated++
		case CoveredPending:
			sum.Pending++
		default:
			sum.Missing = append(sum.Missing, c)
		}
	}
	for _, t := range sc.Types {
		if types[t.Code] == Uncovered {
			sum.TypesMissing = append(sum.TypesMissing, t)
		}
	}
	return sum
}
