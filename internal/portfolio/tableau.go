package portfolio

import (
	"sort"
	"strconv"
	"time"

	"github.com/portfolio-sio/portfolio/internal/referentiel"
)

// TableauTitle is the official title of the grid.
const TableauTitle = "BTS Services informatiques aux organisations — Tableau de synthèse"

// Attestation is the teacher's attestation sentence under the grid.
const Attestation = "Je soussigné(e) …, formateur/formatrice, certifie que le candidat a bien effectué les activités présentées dans ce tableau"

// Tableau is the tableau de synthèse of one student: everything the HTML
// page, the PDF and the CSV draw, and nothing they need to compute.
type Tableau struct {
	Title       string
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
}

// alwaysShownBands are drawn even when empty, as on the official sheet.
var alwaysShownBands = map[string]bool{"formation": true, "stage1": true, "stage2": true}

// BuildTableau builds the grid of a student from the référentiel and their
// réalisations. It is pure: same input, same grid.
func BuildTableau(ref *referentiel.Referentiel, student User, reals []Realisation, validators []string, now time.Time) Tableau {
	t := Tableau{
		Title:       TableauTitle,
		Types:       ref.Types,
		Attestation: Attestation,
		Validators:  validators,
		GeneratedAt: now,
	}
	t.Header = TableauHeader{
		Name:      student.FullName(),
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
	colIdx := make(map[string]int, len(acts))
	for i, a := range acts {
		colIdx[a.Code] = i
		t.Columns = append(t.Columns, Column{Code: a.Code, Title: a.Title, Process: a.Process})
		if n := len(t.Groups); n == 0 || t.Groups[n-1].Code != a.Process {
			p, _ := ref.Process(a.Process)
			t.Groups = append(t.Groups, ColumnGroup{Code: p.Code, Title: p.Title})
		}
		t.Groups[len(t.Groups)-1].Span++
	}
	typeIdx := make(map[string]int, len(ref.Types))
	for i, ty := range ref.Types {
		typeIdx[ty.Code] = i
	}
	t.Totals = make([]int, len(acts))
	t.TypeTotals = make([]int, len(ref.Types))

	sorted := make([]*Realisation, len(reals))
	for i := range reals {
		sorted[i] = &reals[i]
	}
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
	for _, r := range sorted {
		row := Row{
			ID:          r.ID,
			Title:       r.Title,
			Productions: r.Productions,
			Types:       make([]bool, len(ref.Types)),
			Period:      Period(r.Start, r.End),
			Marks:       make([]bool, len(acts)),
			Status:      r.Status,
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
		byBand[string(r.Cadre)] = append(byBand[string(r.Cadre)], row)
		t.RowCount++
	}
	for _, b := range ref.Bands {
		rows := byBand[b.Code]
		if len(rows) == 0 && !alwaysShownBands[b.Code] {
			continue
		}
		t.Bands = append(t.Bands, BandRows{Code: b.Code, Title: b.Title, Rows: rows})
	}
	for i, c := range t.Columns {
		if t.Totals[i] == 0 {
			t.Gaps = append(t.Gaps, c)
		}
	}
	t.Legend = []string{
		"X : activité mise en œuvre dans la réalisation professionnelle.",
		"Ligne Total : nombre de réalisations couvrant chaque activité ; une activité jamais couverte est signalée « à couvrir ».",
		"Période : mois de début et de fin (MM/AA).",
	}
	return t
}

// IsGap reports whether column i is never covered.
func (t Tableau) IsGap(i int) bool { return t.Totals[i] == 0 }
