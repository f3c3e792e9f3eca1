package referentiel

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Tree is a référentiel that describes its own shape: the names of its
// levels (2019: bloc › compétence › savoir-faire), which level a student
// ticks and which level details it, its parcours and the counts it must
// have. Nothing in Go knows a particular référentiel's shape: the data file
// says it, and this loader checks the data against what it says.
//
// Both shipped référentiels are in this form: 2011 (processus › domaine ›
// activité › compétence) and 2019 (bloc › compétence › savoir-faire).
type Tree struct {
	Code     string         `json:"code"`
	Title    string         `json:"title"`
	Source   string         `json:"source"`
	Levels   []Level        `json:"levels"`
	Parcours []TreeParcours `json:"parcours"`
	Expect   []Expectation  `json:"expect"`
	// Types are the types of situation a réalisation is of (2011: T1…T4,
	// at least one); none when the référentiel has none.
	Types  []Type   `json:"types,omitempty"`
	Cadres []Cadre  `json:"cadres"`
	Form   FormSpec `json:"form"`
	// Coverage names the nodes whose ticked-level descendants are the
	// columns of the coverage pages (the student's summary, the class's
	// heat map), grouped under them, in order.
	Coverage []string    `json:"coverage"`
	Tableau  TableauSpec `json:"tableau"`
	Epreuves []Epreuve   `json:"epreuves"`
	Fiche    *FicheSpec  `json:"fiche,omitempty"`
	// Stages are the durations of stage the référentiel requires; nil when
	// its data gives none (2011: the extracts we have are silent).
	Stages *StageRules `json:"stages,omitempty"`
	Nodes  []*Node     `json:"nodes"`

	index map[nodeKey]*Node
	tick  int // index in Levels of the ticked level
}

// StageRules are the référentiel's durations of stage, in weeks, and the
// text they come from (shown to users beside the check).
type StageRules struct {
	Source string `json:"source"`
	// Total weeks over the two years.
	Total float64 `json:"total"`
	// The consecutive period each year must hold: at least Min weeks in
	// one run; Max is the référentiel's upper bound (a longer run is only
	// noted: the convention may extend it during the holidays).
	Year1 Span `json:"year1"`
	Year2 Span `json:"year2"`
	// Reduced is the shortest the recteur may allow (force majeure,
	// aménagement): Total weeks, of which Year2 consecutive in year 2.
	Reduced struct {
		Total float64 `json:"total"`
		Year2 float64 `json:"year2"`
	} `json:"reduced"`
}

// Span is a range of weeks.
type Span struct {
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// Level is one level of the tree, named for the users.
type Level struct {
	Key    string `json:"key"`
	Label  string `json:"label"`
	Plural string `json:"plural"`
	// Tick marks the level a student ticks on a réalisation (one X per
	// ticked node on the tableau); Detail the level under it, ticked
	// optionally under a ticked node.
	Tick   bool `json:"tick"`
	Detail bool `json:"detail"`
	// Prefix is the letter the codes of the level start with when it
	// differs from level to level (2011: P1 › D1.1 › A1.1.1 › C1.1.1.1).
	Prefix string `json:"prefix,omitempty"`
}

// TreeParcours is a speciality of the référentiel.
type TreeParcours struct {
	Code   string `json:"code"`
	Title  string `json:"title"`
	Option string `json:"option,omitempty"` // the official option letter (A, B)
	// Columns, when given, replace the tableau's columns for this parcours
	// (2011: the processes and activities of its tableau).
	Columns []string `json:"columns,omitempty"`
}

// Expectation is a count the data must have: under the node (code,
// parcours), so many descendants of each level with that same parcours;
// an empty code counts the whole tree.
type Expectation struct {
	Code     string         `json:"code"`
	Parcours string         `json:"parcours"`
	Counts   map[string]int `json:"counts"`
}

// Cadre is where a réalisation happened, as the student chooses it; it
// decides the réalisation's band on the tableau.
type Cadre struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	// SecondYearWork marks a cadre of the second year in a workplace
	// (stage or alternance): a class's heat map can list the students who
	// have no réalisation in any such cadre yet.
	SecondYearWork bool `json:"second_year_work,omitempty"`
}

// TableauSpec is the official tableau de synthèse of the référentiel, as
// its model prints it: every fixed text, which nodes are its columns, its
// bands and which parts it has. Texts may hold {session}, {epreuve},
// {parcours}. Every référentiel's official documents (PDF, XLSX) are drawn
// from it (portfolio.BuildGrid).
type TableauSpec struct {
	// Working names the product's own working view of the tableau, drawn
	// besides the official one: "processus" (2011: portfolio.BuildTableau,
	// activity columns under their processes, totals and gaps) for the
	// HTML page and the « document de travail » PDF; "" for none (the page
	// shows the official grid).
	Working string `json:"working,omitempty"`
	Sheet   string `json:"sheet"`
	Title   string `json:"title"`
	Session string `json:"session"`
	// SessionBlank stands for the session year in Title when the
	// student's is not known (empty: the session text is left out).
	SessionBlank string      `json:"session_blank,omitempty"`
	Subtitle     string      `json:"subtitle"`
	Fields       []FieldSpec `json:"fields"`
	// FieldsLine puts the identification fields on one line, in order
	// (2011), rather than the model's rows of name, centre, option, URL.
	FieldsLine bool `json:"fields_line,omitempty"`
	// OptionBox draws the parcours as boxes (« ☒ SISR ▢ SLAM »); without
	// boxes the option field is its label followed by the parcours code.
	OptionBox struct {
		Unchecked string `json:"unchecked"`
		Checked   string `json:"checked"`
	} `json:"option_box"`
	// Corner is the diagonal header cell (2019). A model without it
	// heads the situation column with SituationLabel and puts
	// ColumnsLabel over the période and the columns, TypesLabel over the
	// types.
	Corner struct {
		Above string `json:"above"`
		Below string `json:"below"`
	} `json:"corner"`
	SituationLabel string     `json:"situation_label,omitempty"`
	ColumnsLabel   string     `json:"columns_label,omitempty"`
	TypesLabel     string     `json:"types_label,omitempty"`
	Period         PeriodSpec `json:"period"`
	// Columns name nodes whose ticked-level descendants (or themselves,
	// at that level) are the columns, in order.
	Columns []string `json:"columns"`
	// ColumnLabel is what heads a column: its "title", its "code", or
	// ColumnFormat filled with both ("code_title").
	ColumnLabel  string `json:"column_label"`
	ColumnFormat string `json:"column_format,omitempty"` // with {code} and {title}
	// ColumnTitles are the titles the model prints where they differ
	// from the référentiel's (shortened, or cut with an ellipsis).
	ColumnTitles map[string]string `json:"column_titles,omitempty"`
	// Rotate turns the headers of the types, the période and the columns
	// 90°, as a landscape model prints them.
	Rotate bool `json:"rotate,omitempty"`
	// DetailBullet heads each detail the model lists under its column
	// (2019's items); empty when the model lists none (2011).
	DetailBullet string     `json:"detail_bullet"`
	Bands        []BandSpec `json:"bands"`
	// Types: the model has a column per type of situation (Tree.Types),
	// headed by the type's tableau wording.
	Types bool `json:"types"`
	// Attestation is the teacher's sentence under the grid, with
	// {teacher} and {centre}, filled with AttestationBlank when not
	// known; AttestationRows blank rows follow it.
	Attestation      string `json:"attestation"`
	AttestationBlank string `json:"attestation_blank,omitempty"`
	AttestationRows  int    `json:"attestation_rows,omitempty"`
	// RequireAllColumns: the exam requires every column covered.
	RequireAllColumns bool   `json:"require_all_columns"`
	Paper             string `json:"paper"`
	Orientation       string `json:"orientation"`
}

// FieldSpec is an identification field of the tableau's header.
type FieldSpec struct {
	Key   string `json:"key"` // name, candidate, centre, option, url
	Label string `json:"label"`
}

// PeriodSpec says how the période is kept and printed.
type PeriodSpec struct {
	Label     string `json:"label"`
	Precision string `json:"precision"` // "day" or "month"
	Format    string `json:"format"`    // with {start} and {end}
	// Same is the format when start and end print the same (empty: Format).
	Same string `json:"same,omitempty"`
}

// BandSpec is a band of the tableau: its title, the cadres whose
// réalisations it holds, and the rows of the blank model. A cadre that is
// not tied to a year (2011's alternance) may be in two bands of different
// Year: a réalisation goes to the band of its year. Slot names what
// follows the title, as SlotFormat (« {value} »): the "centre" de
// formation, or the "organisation" of the band's réalisations.
type BandSpec struct {
	Code       string   `json:"code"`
	Title      string   `json:"title"`
	Cadres     []string `json:"cadres"`
	Rows       int      `json:"rows"`
	Year       int      `json:"year,omitempty"`
	Slot       string   `json:"slot,omitempty"`
	SlotFormat string   `json:"slot_format,omitempty"`
}

// TitleFor is the band's title with what follows it on the sheet: the
// centre, or the organisations (joined by « ; »), as its slot says.
func (b BandSpec) TitleFor(centre string, organisations []string) string {
	value := ""
	switch b.Slot {
	case "centre":
		value = strings.TrimSpace(centre)
	case "organisation":
		value = strings.Join(organisations, " ; ")
	}
	if value == "" {
		return b.Title
	}
	return b.Title + strings.ReplaceAll(b.SlotFormat, "{value}", value)
}

// BandOf is the index of the band of a réalisation of the cadre in its
// year of training (1 or 2; 0 when not known: the later band), -1 for a
// cadre in no band.
func (tb *TableauSpec) BandOf(cadre string, year int) int {
	found := -1
	for i, b := range tb.Bands {
		if !slices.Contains(b.Cadres, cadre) {
			continue
		}
		if b.Year == 0 || b.Year == year {
			return i
		}
		found = i
	}
	return found
}

// Epreuve is the exam that assesses a bloc, for the sessions From to To
// (To zero: until further notice), for one parcours or all.
type Epreuve struct {
	Bloc     string `json:"bloc"`
	Parcours string `json:"parcours,omitempty"`
	From     int    `json:"from"`
	To       int    `json:"to,omitempty"`
	Code     string `json:"code"`
	Title    string `json:"title"`
}

// FicheSpec is the model of the « fiche descriptive de réalisation
// professionnelle » of a bloc: its fixed texts and field labels.
type FicheSpec struct {
	Bloc          string            `json:"bloc"`
	Header        string            `json:"header"`
	Session       string            `json:"session"`
	Epreuve       string            `json:"epreuve"`
	Annexes       []Annexe          `json:"annexes"`
	RectoTitle    string            `json:"recto_title"`
	VersoTitle    string            `json:"verso_title"`
	UntitledRecto string            `json:"untitled_recto"`
	UntitledVerso string            `json:"untitled_verso"`
	Heading       string            `json:"heading"`
	Labels        map[string]string `json:"labels"`
	// Numbers is how many fiches the épreuve asks, by session (from
	// 2025: two); a session no rule covers allows up to 9.
	Numbers []FicheNumbers `json:"numbers"`
	// Footnotes are the recto's footnotes, called in the labels; one
	// with a parcours is that option's wording.
	Footnotes []Footnote `json:"footnotes"`
}

// FicheNumbers is the highest fiche number of the sessions From to To (0:
// every later session).
type FicheNumbers struct {
	From int `json:"from"`
	To   int `json:"to,omitempty"`
	Max  int `json:"max"`
}

// Footnote is a footnote of the fiche: its call (« ¹ ») and its text.
type Footnote struct {
	Call     string `json:"call"`
	Parcours string `json:"parcours,omitempty"`
	Text     string `json:"text"`
}

// Annexe is the annex number of the fiche in the circulaire of the
// sessions From to To; a session without one prints the untitled form.
type Annexe struct {
	From   int    `json:"from"`
	To     int    `json:"to"`
	Number string `json:"number"`
}

// ficheLabels are the labels a fiche model must give.
var ficheLabels = []string{"number", "name", "candidate", "ponctuelle", "ccf", "date", "organisation", "title", "period",
	"place", "modalite", "alone", "team", "competences", "conditions", "resources", "access", "description"}

// Node is an element of the tree. Parcours is empty for an element common
// to every parcours; (Parcours, Code) is unique.
type Node struct {
	Code     string  `json:"code"`
	Title    string  `json:"title"`
	Parcours string  `json:"parcours,omitempty"`
	Notes    []Note  `json:"notes,omitempty"` // guidance for the students
	Children []*Node `json:"children,omitempty"`

	Depth  int   `json:"-"` // index of its level in Tree.Levels
	Parent *Node `json:"-"`
}

type nodeKey struct{ parcours, code string }

// IsTree reports whether a data file is in the Tree form (it has levels).
func IsTree(data []byte) bool {
	var probe struct {
		Levels json.RawMessage `json:"levels"`
	}
	return json.Unmarshal(data, &probe) == nil && len(probe.Levels) > 0
}

// ParseTree decodes and validates a référentiel in the Tree form.
func ParseTree(data []byte) (*Tree, error) {
	var t Tree
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("referentiel: %w", err)
	}
	if dec.More() {
		return nil, errors.New("referentiel: trailing data after the référentiel object")
	}
	if err := t.validate(); err != nil {
		return nil, fmt.Errorf("referentiel %s: %w", t.Code, err)
	}
	return &t, nil
}

func (t *Tree) validate() error {
	if t.Code == "" || t.Title == "" {
		return errors.New("code and title are required")
	}
	if len(t.Levels) < 2 {
		return errors.New("at least two levels are needed")
	}
	t.tick = -1
	keys := map[string]bool{}
	for i, l := range t.Levels {
		if l.Key == "" || l.Label == "" || keys[l.Key] {
			return fmt.Errorf("level %d: a unique key and a label are required", i)
		}
		keys[l.Key] = true
		if l.Tick {
			if t.tick >= 0 {
				return errors.New("only one level is ticked")
			}
			t.tick = i
		}
		if l.Detail && (t.tick < 0 || i != t.tick+1) {
			return fmt.Errorf("level %s: the detail level comes right under the ticked level", l.Key)
		}
	}
	if t.tick < 0 {
		return errors.New("no level is ticked")
	}
	parcours := map[string]bool{}
	for _, p := range t.Parcours {
		if p.Code == "" || p.Title == "" || parcours[p.Code] {
			return fmt.Errorf("parcours %q: a unique code and a title are required", p.Code)
		}
		parcours[p.Code] = true
	}
	t.index = map[nodeKey]*Node{}
	var walk func(nodes []*Node, parent *Node, depth int) error
	walk = func(nodes []*Node, parent *Node, depth int) error {
		for _, n := range nodes {
			n.Parent, n.Depth = parent, depth
			switch {
			case depth >= len(t.Levels):
				return fmt.Errorf("%s is deeper than the %d levels", n.Code, len(t.Levels))
			case n.Code == "" || strings.TrimSpace(n.Title) == "":
				return fmt.Errorf("a %s has no code or no title", t.Levels[depth].Key)
			case n.Parcours != "" && !parcours[n.Parcours]:
				return fmt.Errorf("%s: unknown parcours %q", n.Code, n.Parcours)
			case parent != nil && parent.Parcours != "" && n.Parcours != parent.Parcours:
				return fmt.Errorf("%s (%s) is under %s of parcours %s", n.Code, n.Parcours, parent.Code, parent.Parcours)
			case parent == nil && !strings.HasPrefix(n.Code, t.Levels[0].Prefix):
				return fmt.Errorf("%s: a %s's code starts with %q", n.Code, t.Levels[0].Key, t.Levels[0].Prefix)
			case parent != nil && !childCode(n.Code, t.Levels[depth].Prefix, parent.Code, t.Levels[depth-1].Prefix):
				want := t.Levels[depth].Prefix + strings.TrimPrefix(parent.Code, t.Levels[depth-1].Prefix) + "."
				return fmt.Errorf("%s is under %s: its code must be %q and a number", n.Code, parent.Code, want)
			}
			// (parcours, code) is unique, and a common code is unique in
			// every parcours.
			clash := t.index[nodeKey{n.Parcours, n.Code}] != nil
			if n.Parcours == "" {
				for p := range parcours {
					clash = clash || t.index[nodeKey{p, n.Code}] != nil
				}
			} else {
				clash = clash || t.index[nodeKey{"", n.Code}] != nil
			}
			if clash {
				return fmt.Errorf("%s appears twice for parcours %q", n.Code, n.Parcours)
			}
			t.index[nodeKey{n.Parcours, n.Code}] = n
			if err := walk(n.Children, n, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(t.Nodes, nil, 0); err != nil {
		return err
	}
	if err := t.Form.validate(); err != nil {
		return err
	}
	if err := t.validateSpecs(); err != nil {
		return err
	}
	for _, e := range t.Expect {
		n := t.index[nodeKey{e.Parcours, e.Code}]
		if e.Code == "" {
			n = &Node{Children: t.Nodes} // the whole tree
		}
		if n == nil {
			return fmt.Errorf("expected counts name %s (%q), which does not exist", e.Code, e.Parcours)
		}
		got := map[string]int{}
		var count func(*Node)
		count = func(n *Node) {
			for _, c := range n.Children {
				if c.Parcours == e.Parcours {
					got[t.Levels[c.Depth].Key]++
				}
				count(c)
			}
		}
		count(n)
		for level, want := range e.Counts {
			if !keys[level] {
				return fmt.Errorf("expected counts of %s name the unknown level %q", e.Code, level)
			}
			if got[level] != want {
				return fmt.Errorf("%s (%q) has %d %s, want %d", e.Code, e.Parcours, got[level], level, want)
			}
		}
	}
	return nil
}

// childCode reports whether code is a code of a child of parent: its
// level's prefix, the parent's code without its own prefix, a dot and a
// number (B1.1 › B1.1.3; D1.1 › A1.1.2).
func childCode(code, prefix, parent, parentPrefix string) bool {
	rest, ok := strings.CutPrefix(code, prefix+strings.TrimPrefix(parent, parentPrefix)+".")
	if !ok || rest == "" {
		return false
	}
	for _, r := range rest {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Node returns the element of a parcours (or the common one) by code.
func (t *Tree) Node(parcours, code string) (*Node, bool) {
	if n := t.index[nodeKey{parcours, code}]; n != nil {
		return n, true
	}
	n := t.index[nodeKey{"", code}]
	return n, n != nil
}

// TickLevel is the level a student ticks.
func (t *Tree) TickLevel() Level { return t.Levels[t.tick] }

// Walk calls fn for every element of the parcours (common ones and its
// own; all of them when parcours is ""), in document order.
func (t *Tree) Walk(parcours string, fn func(*Node)) {
	var walk func([]*Node)
	walk = func(nodes []*Node) {
		for _, n := range nodes {
			if n.Parcours == "" || parcours == "" || n.Parcours == parcours {
				fn(n)
				walk(n.Children)
			}
		}
	}
	walk(t.Nodes)
}

// validateSpecs checks the tableau, épreuves and fiche against the tree.
func (t *Tree) validateSpecs() error {
	cadres := map[string]bool{}
	for _, c := range t.Cadres {
		if c.Code == "" || c.Label == "" || cadres[c.Code] {
			return fmt.Errorf("cadre %q: a unique code and a label are required", c.Code)
		}
		cadres[c.Code] = true
	}
	tb := &t.Tableau
	if tb.Title == "" || len(tb.Columns) == 0 || len(tb.Bands) == 0 {
		return errors.New("tableau: a title, columns and bands are required")
	}
	for _, code := range tb.Columns {
		if !t.hasCode(code) {
			return fmt.Errorf("tableau: column %s is not in the tree", code)
		}
	}
	for _, p := range t.Parcours {
		seen := map[string]bool{}
		for _, code := range p.Columns {
			n, ok := t.Node(p.Code, code)
			if !ok {
				return fmt.Errorf("parcours %s: unknown column %s", p.Code, code)
			}
			for _, c := range t.ticked(p.Code, n.Code) {
				if seen[c.Code] {
					return fmt.Errorf("parcours %s: %s is in two columns", p.Code, c.Code)
				}
				seen[c.Code] = true
			}
		}
	}
	// What each drawing has, so that the data says what is drawn.
	switch {
	case tb.Working != "" && tb.Working != "processus":
		return fmt.Errorf("tableau: working view %q (empty, or processus)", tb.Working)
	case tb.Types && len(t.Types) == 0:
		return errors.New("tableau: types columns need the types")
	case tb.Types && tb.TypesLabel == "":
		return errors.New("tableau: types columns need their label (types_label)")
	case tb.Corner.Below == "" && (tb.SituationLabel == "" || tb.ColumnsLabel == ""):
		return errors.New("tableau: either the diagonal corner or the situation and columns labels")
	case tb.Attestation == "" && (tb.AttestationRows != 0 || tb.AttestationBlank != ""):
		return errors.New("tableau: attestation rows without an attestation")
	case tb.ColumnLabel == "code_title" && (!strings.Contains(tb.ColumnFormat, "{code}") || !strings.Contains(tb.ColumnFormat, "{title}")):
		return errors.New("tableau: column_format needs {code} and {title}")
	}
	for code, title := range tb.ColumnTitles {
		if !t.hasCode(code) || strings.TrimSpace(title) == "" {
			return fmt.Errorf("tableau: column title of %q: an existing code and a title are required", code)
		}
	}
	types := map[string]bool{}
	for _, ty := range t.Types {
		if ty.Code == "" || ty.Title == "" || ty.Short == "" || types[ty.Code] || t.hasCode(ty.Code) {
			return fmt.Errorf("type %q: a unique code, a title and a short label are required", ty.Code)
		}
		types[ty.Code] = true
	}
	for _, code := range t.Coverage {
		if !t.hasCode(code) {
			return fmt.Errorf("coverage: %s is not in the tree", code)
		}
	}
	for _, p := range append([]TreeParcours{{}}, t.Parcours...) {
		if p.Code != "" && len(t.Columns(p.Code)) == 0 {
			return fmt.Errorf("tableau: no column for parcours %s", p.Code)
		}
	}
	for _, f := range tb.Fields {
		switch f.Key {
		case "name", "candidate", "centre", "option", "url":
		default:
			return fmt.Errorf("tableau: unknown header field %q", f.Key)
		}
	}
	if tb.Period.Precision != "day" && tb.Period.Precision != "month" {
		return fmt.Errorf("tableau: période precision %q (day or month)", tb.Period.Precision)
	}
	if !strings.Contains(tb.Period.Format, "{start}") || !strings.Contains(tb.Period.Format, "{end}") {
		return errors.New("tableau: the période format needs {start} and {end}")
	}
	if tb.ColumnLabel != "title" && tb.ColumnLabel != "code" && tb.ColumnLabel != "code_title" {
		return fmt.Errorf("tableau: column_label %q (title, code or code_title)", tb.ColumnLabel)
	}
	if (tb.Paper != "A3" && tb.Paper != "A4") || (tb.Orientation != "portrait" && tb.Orientation != "landscape") {
		return fmt.Errorf("tableau: paper %q %q (A3 or A4, portrait or landscape)", tb.Paper, tb.Orientation)
	}
	// A cadre is in one band, or in bands of different years.
	banded := map[string]map[int]string{}
	for _, b := range tb.Bands {
		if b.Code == "" || b.Title == "" || len(b.Cadres) == 0 || b.Rows < 0 || b.Year < 0 || b.Year > 2 {
			return fmt.Errorf("tableau: band %q needs a title and cadres", b.Code)
		}
		switch b.Slot {
		case "":
			if b.SlotFormat != "" {
				return fmt.Errorf("tableau: band %s has a slot format and no slot", b.Code)
			}
		case "centre", "organisation":
			if !strings.Contains(b.SlotFormat, "{value}") {
				return fmt.Errorf("tableau: band %s: slot_format needs {value}", b.Code)
			}
		default:
			return fmt.Errorf("tableau: band %s: slot %q (centre or organisation)", b.Code, b.Slot)
		}
		for _, c := range b.Cadres {
			if !cadres[c] {
				return fmt.Errorf("tableau: band %s holds the unknown cadre %q", b.Code, c)
			}
			years := banded[c]
			if years == nil {
				years = map[int]string{}
				banded[c] = years
			}
			for y, other := range years {
				if y == 0 || b.Year == 0 || y == b.Year {
					return fmt.Errorf("tableau: cadre %s is in bands %s and %s", c, other, b.Code)
				}
			}
			years[b.Year] = b.Code
		}
	}
	for _, c := range t.Cadres {
		if years := banded[c.Code]; len(years) == 0 || len(years) > 1 && (years[1] == "" || years[2] == "") {
			return fmt.Errorf("tableau: cadre %s is in no band (or, in several, not in one of each year)", c.Code)
		}
	}
	for i, e := range t.Epreuves {
		if !t.hasCode(e.Bloc) || e.Code == "" || e.Title == "" || e.From < 2000 || (e.To != 0 && e.To < e.From) {
			return fmt.Errorf("épreuve %d (%s %s): a known bloc, a code, a title and sessions are required", i, e.Bloc, e.Code)
		}
		for _, o := range t.Epreuves[:i] {
			if o.Bloc == e.Bloc && o.Parcours == e.Parcours && overlap(o.From, o.To, e.From, e.To) {
				return fmt.Errorf("épreuves %s and %s of %s %s cover the same session", o.Code, e.Code, e.Bloc, e.Parcours)
			}
		}
	}
	if f := t.Fiche; f != nil {
		if !t.hasCode(f.Bloc) {
			return fmt.Errorf("fiche: unknown bloc %s", f.Bloc)
		}
		for _, k := range ficheLabels {
			if f.Labels[k] == "" {
				return fmt.Errorf("fiche: the label %q is missing", k)
			}
		}
		if len(f.Labels) != len(ficheLabels) {
			return errors.New("fiche: unknown labels")
		}
		for _, n := range f.Footnotes {
			called := false
			for _, l := range f.Labels {
				called = called || strings.Contains(l, n.Call)
			}
			if n.Call == "" || n.Text == "" || !called {
				return fmt.Errorf("fiche: the footnote %q is called by no label, or has no text", n.Call)
			}
		}
	}
	return nil
}

func overlap(aFrom, aTo, bFrom, bTo int) bool {
	if aTo == 0 {
		aTo = 1 << 30
	}
	if bTo == 0 {
		bTo = 1 << 30
	}
	return aFrom <= bTo && bFrom <= aTo
}

// hasCode reports whether some element, of any parcours, has the code.
func (t *Tree) hasCode(code string) bool {
	for k := range t.index {
		if k.code == code {
			return true
		}
	}
	return false
}

// Columns are the ticked-level nodes the tableau of a parcours has one
// column for, in order.
func (t *Tree) Columns(parcours string) []*Node {
	codes := t.Tableau.Columns
	for _, p := range t.Parcours {
		if p.Code == parcours && len(p.Columns) > 0 {
			codes = p.Columns
		}
	}
	var out []*Node
	for _, code := range codes {
		out = append(out, t.ticked(parcours, code)...)
	}
	return out
}

// ticked are the ticked-level nodes of the parcours at or under the node
// code, in order.
func (t *Tree) ticked(parcours, code string) []*Node {
	n, ok := t.Node(parcours, code)
	if !ok || (n.Parcours != "" && n.Parcours != parcours) {
		return nil
	}
	if n.Depth == t.tick {
		return []*Node{n}
	}
	var out []*Node
	var walk func(*Node)
	walk = func(n *Node) {
		for _, c := range n.Children {
			if c.Parcours != "" && c.Parcours != parcours {
				continue
			}
			if c.Depth == t.tick {
				out = append(out, c)
			} else {
				walk(c)
			}
		}
	}
	walk(n)
	return out
}

// EpreuveFor is the épreuve that assesses the bloc for the parcours at the
// session.
func (t *Tree) EpreuveFor(bloc, parcours string, session int) (Epreuve, bool) {
	for _, e := range t.Epreuves {
		if e.Bloc == bloc && (e.Parcours == "" || e.Parcours == parcours) && session >= e.From && (e.To == 0 || session <= e.To) {
			return e, true
		}
	}
	return Epreuve{}, false
}

// MaxNumber is the highest fiche number at the session, 0 when no rule
// says. A session not known yet (0) follows the rule of the latest
// sessions: a student in training sits a session to come.
func (f *FicheSpec) MaxNumber(session int) int {
	for _, n := range f.Numbers {
		if (session >= n.From && (n.To == 0 || session <= n.To)) || (session == 0 && n.To == 0) {
			return n.Max
		}
	}
	return 0
}

// FootnotesFor are the footnotes of the parcours's fiche, in the order of
// their calls.
func (f *FicheSpec) FootnotesFor(parcours string) []Footnote {
	var out []Footnote
	for _, n := range f.Footnotes {
		if n.Parcours == "" || n.Parcours == parcours {
			out = append(out, n)
		}
	}
	return out
}

// AnnexeFor is the fiche's annex number at the session, "" when unknown.
func (f *FicheSpec) AnnexeFor(session int) string {
	for _, a := range f.Annexes {
		if session >= a.From && session <= a.To {
			return a.Number
		}
	}
	return ""
}
