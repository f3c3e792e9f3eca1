package portfolio

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/referentiel"
)

// Grid is the official tableau de synthèse of a référentiel as its model
// prints it (sio-2019, sio-2011), ready to draw: every text resolved, one
// row per réalisation inside its band, one mark per type and per column.
// The PDF, the XLSX (and for sio-2019 the HTML page and the CSV) only draw
// it. It is built by BuildGrid, a pure function of the référentiel, the
// student and their entries; what differs between référentiels is in
// their data file, never here.
type Grid struct {
	Sheet       string // the spreadsheet's sheet name
	Title       string
	Session     string
	Subtitle    string
	Fields      []GridField
	Options     []GridOption // the parcours boxes of the « Option » field
	FieldsLine  bool         // the fields on one line (else the model's rows)
	CornerAbove string       // the diagonal header cell, above the line
	CornerBelow string       // and below it
	// Without a corner: the situation column's header, and the headers
	// over the types and over the période and columns.
	SituationLabel, TypesLabel, ColumnsLabel string
	// Types are the headers of the types columns (none when the model
	// has no such columns).
	Types       []string
	PeriodLabel string
	Columns     []GridColumn
	Rotate      bool // headers turned 90°
	Bands       []GridBand
	// Attestation is the teacher's sentence under the grid, filled in,
	// followed by AttestationRows blank rows ("" for none).
	Attestation     string
	AttestationRows int
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
	Group   string // the code of its parent node (2011: its domain)
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
	Types       []bool // one per Grid.Types
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
	// Types are the codes of its types of situation; Year its year of
	// training (0: not known); Organisation where it was done;
	// Validator the name of the teacher who validated it.
	Types        []string
	Year         int
	Organisation string
	Validator    string
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
	titleSession := session
	if titleSession == "" {
		titleSession = spec.SessionBlank
	}
	fill := strings.NewReplacer("{session}", session, "{epreuve}", epreuve, "{parcours}", student.Parcours)
	g := Grid{
		Sheet:   strings.TrimSpace(fill.Replace(spec.Sheet)),
		Title:   strings.NewReplacer("{session}", titleSession, "{epreuve}", epreuve, "{parcours}", student.Parcours).Replace(spec.Title),
		Session: fill.Replace(spec.Session), Subtitle: fill.Replace(spec.Subtitle), FieldsLine: spec.FieldsLine,
		CornerAbove: spec.Corner.Above, CornerBelow: spec.Corner.Below, PeriodLabel: spec.Period.Label,
		SituationLabel: spec.SituationLabel, TypesLabel: spec.TypesLabel, ColumnsLabel: spec.ColumnsLabel,
		Rotate: spec.Rotate, Complete: spec.RequireAllColumns, Paper: spec.Paper, Landscape: spec.Orientation == "landscape",
		GeneratedAt: now,
	}
	if session == "" {
		g.Session = strings.TrimSpace(strings.ReplaceAll(spec.Session, "{session}", ""))
	}
	if spec.Types {
		for _, t := range tree.Types {
			g.Types = append(g.Types, t.TableauTitle())
		}
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
			if spec.OptionBox.Checked == "" { // « Option SISR »
				v = student.Parcours
				break
			}
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
		title := n.Title
		if t, ok := spec.ColumnTitles[n.Code]; ok {
			title = t
		}
		c := GridColumn{Code: n.Code, Label: title}
		if n.Parent != nil {
			c.Group = n.Parent.Code
		}
		switch spec.ColumnLabel {
		case "code":
			c.Label = n.Code
		case "code_title":
			c.Label = strings.NewReplacer("{code}", n.Code, "{title}", title).Replace(spec.ColumnFormat)
		}
		col[n.Code] = i
		for _, d := range n.Children {
			if spec.DetailBullet != "" { // the model lists them under the column
				c.Details = append(c.Details, spec.DetailBullet+d.Title)
			}
			col[d.Code] = i
		}
		g.Columns = append(g.Columns, c)
	}
	for _, b := range spec.Bands {
		g.Bands = append(g.Bands, GridBand{Code: b.Code, Title: b.Title, Blank: b.Rows})
	}
	typeIdx := map[string]int{}
	for i, t := range tree.Types {
		typeIdx[t.Code] = i
	}
	covered := make([]bool, len(columns))
	orgs := make([][]string, len(spec.Bands)) // the organisations of each band, in order
	validators := map[string]bool{}
	for _, e := range entries {
		bi := spec.BandOf(e.Cadre, e.Year)
		if bi < 0 {
			continue
		}
		row := GridRow{ID: e.ID, Title: e.Title, Productions: e.Productions, Pending: e.Pending,
			Period: formatPeriod(spec.Period, e.Start, e.End), Marks: make([]bool, len(columns))}
		if len(g.Types) > 0 {
			row.Types = make([]bool, len(g.Types))
			for _, code := range e.Types {
				if i, ok := typeIdx[code]; ok {
					row.Types[i] = true
				}
			}
		}
		for _, code := range e.Ticks {
			if i, ok := col[code]; ok {
				row.Marks[i], covered[i] = true, true
			}
		}
		g.Bands[bi].Rows = append(g.Bands[bi].Rows, row)
		if o := strings.TrimSpace(e.Organisation); o != "" && !slices.Contains(orgs[bi], o) {
			orgs[bi] = append(orgs[bi], o)
		}
		if e.Pending || e.Validator == "" {
			validators[""] = true // a row no teacher validated: nobody signs for all
		} else {
			validators[e.Validator] = true
		}
	}
	for i, b := range spec.Bands {
		g.Bands[i].Title = b.TitleFor(student.Centre, orgs[i])
	}
	if spec.Attestation != "" {
		teacher, centre := spec.AttestationBlank, spec.AttestationBlank
		if len(validators) == 1 && !validators[""] { // the one teacher who validated every row signs
			for name := range validators {
				teacher = name
			}
		}
		if c := strings.TrimSpace(student.Centre); c != "" {
			centre = c
		}
		g.Attestation = strings.NewReplacer("{teacher}", teacher, "{centre}", centre).Replace(spec.Attestation)
		g.AttestationRows = spec.AttestationRows
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
	a, b := start.Format(layout), end.Format(layout)
	format := p.Format
	if a == b && p.Same != "" {
		format = p.Same
	}
	return strings.NewReplacer("{start}", a, "{end}", b).Replace(format)
}

// GridEntries are the réalisations of the student a Tree référentiel's
// tableau shows (as for BuildTableau: the validated ones less those
// hidden, plus those the student chose to show), in the order of their
// périodes.
func GridEntries(student User, reals []Realisation) []GridEntry {
	var out []GridEntry
	for i := range reals {
		r := &reals[i]
		if !r.OnTableau() {
			continue
		}
		e := GridEntry{ID: r.ID, Title: r.Title, Productions: r.Productions, Cadre: string(r.Cadre),
			Start: r.StartDate(), End: r.EndDate(), Pending: r.Status != StatusValidated, Types: r.Types,
			Year: r.TrainingYear(student.SessionYear), Organisation: r.OrganisationName(), Validator: r.ValidatorName}
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
