package portfolio

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/referentiel"
)

// Grid is the official tableau de synthèse of a référentiel whose tableau
// has the grid layout (sio-2019), ready to draw: every text resolved, one
// row per réalisation inside its band, one mark per column. The HTML page,
// the PDF, the CSV and the XLSX only draw it. It is built by BuildGrid, a pure
// function of the référentiel, the student and their entries; what
// differs between référentiels is in their data file, never here.
type Grid struct {
	Sheet       string // the spreadsheet's sheet name
	Title       string
	Session     string
	Subtitle    string
	Fields      []GridField
	Options     []GridOption // the parcours boxes of the « Option » field
	CornerAbove string       // the diagonal header cell, above the line
	CornerBelow string       // and below it
	PeriodLabel string
	Columns     []GridColumn
	Bands       []GridBand
	// Missing are the columns no row marks; the exam requires all of
	// them when Complete is asked. Shown on the page, not in the
	// official documents.
	Missing     []GridColumn
	Complete    bool
	Paper       string // A3 or A4
	Landscape   bool
	GeneratedAt time.Time
}

// GridField is an identification field: its label as the model prints it
// and the student's value (empty when not known).
type GridField struct {
	Key, Label, Value string
}

// Line is the field as one cell holds it: the model's label, then the
// value, a space between them when the label has none.
func (f GridField) Line() string {
	if f.Value == "" || strings.HasSuffix(f.Label, " ") {
		return f.Label + f.Value
	}
	return f.Label + " " + f.Value
}

// GridOption is a parcours box: « ☒ SISR » when it is the student's.
type GridOption struct {
	Code    string
	Box     string // the box character, checked or not
	Checked bool
}

// GridColumn is one column: a node of the ticked level, with the details
// listed under it (« ▸ » and the text).
type GridColumn struct {
	Code    string
	Label   string
	Details []string
}

// GridBand is a band of rows; Blank is the number of empty rows of the
// blank model, drawn when the band has fewer réalisations.
type GridBand struct {
	Code  string
	Title string
	Rows  []GridRow
	Blank int
}

// GridRow is one réalisation.
type GridRow struct {
	ID          int64
	Title       string
	Productions []Production
	Period      string
	Marks       []bool // one per Grid.Columns
	Pending     bool   // shown though not validated yet
}

// GridEntry is a réalisation as the grid needs it.
type GridEntry struct {
	ID          int64
	Title       string
	Productions []Production
	Cadre       string
	Start, End  time.Time // the days (or months) of the période
	// Ticks are the codes ticked: nodes of the ticked level, and details
	// under them (a ticked detail marks its parent's column).
	Ticks   []string
	Pending bool
}

// BuildGrid builds the official tableau of a Tree référentiel for a
// student from their entries (those the tableau shows, in order).
func BuildGrid(tree *referentiel.Tree, student User, entries []GridEntry, now time.Time) Grid {
	spec := tree.Tableau
	session := ""
	if student.SessionYear > 0 {
		session = strconv.Itoa(student.SessionYear)
	}
	columns := tree.Columns(student.Parcours)
	epreuve := ""
	if len(columns) > 0 {
		bloc := columns[0]
		for bloc.Parent != nil {
			bloc = bloc.Parent
		}
		if e, ok := tree.EpreuveFor(bloc.Code, student.Parcours, student.SessionYear); ok {
			epreuve = e.Code
		}
	}
	fill := strings.NewReplacer("{session}", session, "{epreuve}", epreuve)
	g := Grid{
		Sheet: strings.TrimSpace(fill.Replace(spec.Sheet)), Title: fill.Replace(spec.Title),
		Session: fill.Replace(spec.Session), Subtitle: fill.Replace(spec.Subtitle),
		CornerAbove: spec.Corner.Above, CornerBelow: spec.Corner.Below, PeriodLabel: spec.Period.Label,
		Complete: spec.RequireAllColumns, Paper: spec.Paper, Landscape: spec.Orientation == "landscape",
		GeneratedAt: now,
	}
	if session == "" {
		g.Session = strings.TrimSpace(strings.ReplaceAll(spec.Session, "{session}", ""))
	}
	for _, f := range spec.Fields {
		v := ""
		switch f.Key {
		case "name":
			v = student.OfficialName()
		case "candidate":
			v = student.CandidateNumber
		case "centre":
			v = student.Centre
		case "url":
			v = student.PortfolioURL
		case "option":
			for _, p := range tree.Parcours {
				box := spec.OptionBox.Unchecked
				if p.Code == student.Parcours {
					box = spec.OptionBox.Checked
				}
				g.Options = append(g.Options, GridOption{Code: p.Code, Box: box, Checked: p.Code == student.Parcours})
			}
		}
		g.Fields = append(g.Fields, GridField{Key: f.Key, Label: f.Label, Value: v})
	}

	// The column of each code: a column node's own code, and its details'.
	col := map[string]int{}
	for i, n := range columns {
		c := GridColumn{Code: n.Code, Label: n.Title}
		if spec.ColumnLabel == "code" {
			c.Label = n.Code
		}
		col[n.Code] = i
		for _, d := range n.Children {
			c.Details = append(c.Details, spec.DetailBullet+d.Title)
			col[d.Code] = i
		}
		g.Columns = append(g.Columns, c)
	}
	band := map[string]int{}
	for i, b := range spec.Bands {
		g.Bands = append(g.Bands, GridBand{Code: b.Code, Title: b.Title, Blank: b.Rows})
		for _, c := range b.Cadres {
			band[c] = i
		}
	}
	covered := make([]bool, len(columns))
	for _, e := range entries {
		bi, ok := band[e.Cadre]
		if !ok {
			continue
		}
		row := GridRow{ID: e.ID, Title: e.Title, Productions: e.Productions, Pending: e.Pending,
			Period: formatPeriod(spec.Period, e.Start, e.End), Marks: make([]bool, len(columns))}
		for _, code := range e.Ticks {
			if i, ok := col[code]; ok {
				row.Marks[i], covered[i] = true, true
			}
		}
		g.Bands[bi].Rows = append(g.Bands[bi].Rows, row)
	}
	for i, c := range g.Columns {
		if !covered[i] {
			g.Missing = append(g.Missing, c)
		}
	}
	return g
}

// formatPeriod prints a période as the model asks: JJ/MM/AA (day) or
// MM/AA (month) in its format (« {start} au {end} »).
func formatPeriod(p referentiel.PeriodSpec, start, end time.Time) string {
	layout := "01/06"
	if p.Precision == "day" {
		layout = "02/01/06"
	}
	if start.IsZero() {
		return ""
	}
	if end.IsZero() {
		end = start
	}
	return strings.NewReplacer("{start}", start.Format(layout), "{end}", end.Format(layout)).Replace(p.Format)
}

// GridEntries are the réalisations a Tree référentiel's tableau shows (as
// for BuildTableau: the validated ones less those hidden, plus those the
// student chose to show), in the order of their périodes.
func GridEntries(reals []Realisation) []GridEntry {
	var out []GridEntry
	for i := range reals {
		r := &reals[i]
		if !r.OnTableau() {
			continue
		}
		e := GridEntry{ID: r.ID, Title: r.Title, Productions: r.Productions, Cadre: string(r.Cadre),
			Start: r.StartDate(), End: r.EndDate(), Pending: r.Status != StatusValidated}
		for _, a := range r.Activities {
			e.Ticks = append(e.Ticks, a.Code)
			e.Ticks = append(e.Ticks, a.Competences...)
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		if !a.End.Equal(b.End) {
			return a.End.Before(b.End)
		}
		return a.ID < b.ID
	})
	return out
}

// FicheEntryOf is what a réalisation gives its fiche descriptive, its
// période printed as the référentiel's tableau prints it.
func FicheEntryOf(tree *referentiel.Tree, r *Realisation) FicheEntry {
	e := FicheEntry{Number: r.Fiche, Title: r.Title, Organisation: r.Organisation, Place: r.Place,
		Period: formatPeriod(tree.Tableau.Period, r.StartDate(), r.EndDate()), Alone: r.Modalite != Team,
		Conditions: r.Conditions, Resources: r.Resources, Access: r.Access, Description: r.Description,
		Productions: r.Productions}
	for _, a := range r.Activities {
		e.Ticks = append(e.Ticks, a.Code)
		e.Ticks = append(e.Ticks, a.Competences...)
	}
	return e
}
