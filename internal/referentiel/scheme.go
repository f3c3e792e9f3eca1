package referentiel

import (
	"errors"
	"fmt"
	"strings"
)

// Scheme is what the application asks of a référentiel for a student of
// one parcours, whatever the form of its data file: what a réalisation
// ticks (units) and the details under them, how the form groups them,
// where a réalisation may happen (cadres), its types of situation, how its
// période is kept, and the form's texts. The form, the validation and the
// réalisation pages only read a Scheme, so they are the same code for
// every référentiel.
type Scheme struct {
	Sections []Section
	Cadres   []Cadre
	// Types are the types of situation to tick (at least one); empty when
	// the référentiel has none.
	Types []Type
	// DayPrecision: the période is kept to the day (else to the month).
	DayPrecision bool
	// Fiche: the référentiel has a fiche descriptive whose extra fields
	// the form asks for.
	Fiche bool
	// Stages are the référentiel's stage durations (nil: none known).
	Stages *StageRules
	Form   FormSpec
	Names  Names
	// ParcoursSpecific: some units belong to one parcours (2019: B2,
	// B3.5), so a ticked code means the student's parcours's unit.
	ParcoursSpecific bool

	units map[string]*Unit
	order []*Unit // the ticked units, in référentiel order
}

// FormSpec holds the texts of the réalisation form that depend on the
// référentiel (in the data file of a Tree référentiel). Texts may hold
// {code}, {title}, {tick} and {detail}.
type FormSpec struct {
	Legend string `json:"legend"`
	Hint   string `json:"hint"`
	// Sections says how the units are grouped: "top" (or empty), a section
	// per top-level node (2019: the blocs); "parcours", the units of the
	// student's parcours's columns first (OwnSection), the others after in a
	// closed section (OtherSection), all of them in AllSection without a
	// parcours, each under the headings of its ancestors (2011).
	Sections     string `json:"sections,omitempty"`
	OwnSection   string `json:"own_section,omitempty"`
	OtherSection string `json:"other_section,omitempty"`
	AllSection   string `json:"all_section,omitempty"`
	Section      string `json:"section"` // a section's or heading's title, from its node
	How          string `json:"how"`     // the label of the sentence of a unit
	Guidance     string `json:"guidance,omitempty"`

	UnknownTick      string `json:"unknown_tick"`
	UnknownDetail    string `json:"unknown_detail"`
	DetailNeedsTick  string `json:"detail_needs_tick"`
	DetailsNeedTicks string `json:"details_need_ticks"`
	NoParcours       string `json:"no_parcours"`
	NoneTicked       string `json:"none_ticked"`
}

func (f FormSpec) validate() error {
	switch f.Sections {
	case "", "top":
	case "parcours":
		if f.OwnSection == "" || f.OtherSection == "" || f.AllSection == "" {
			return errors.New("form: sections by parcours need own_section, other_section and all_section")
		}
	default:
		return fmt.Errorf("form: sections %q (top or parcours)", f.Sections)
	}
	for _, s := range []string{f.Legend, f.Hint, f.Section, f.How, f.UnknownTick, f.UnknownDetail, f.DetailNeedsTick, f.DetailsNeedTicks, f.NoParcours, f.NoneTicked} {
		if strings.TrimSpace(s) == "" {
			return errors.New("form: every text (legend, hint, section, how, unknown_tick, unknown_detail, detail_needs_tick, details_need_ticks, no_parcours, none_ticked) is required")
		}
	}
	return nil
}

// Names are how the pages name the ticked units and their details, in
// lower case (« activité », « compétence » in 2011; « compétence »,
// « savoir-faire » in 2019).
type Names struct {
	Tick, Ticks, Detail, Details string
	NoneTicked                   string // shown when nothing is ticked
}

// Section is a part of the form: a parcours, a bloc.
type Section struct {
	Title string
	// Own: the section belongs to the student's parcours and is shown
	// open; the others open only when something in them is ticked.
	Own     bool
	Entries []Entry
}

// Entry is a heading of the form (Unit nil) or a unit to tick.
type Entry struct {
	Heading string
	Depth   int // 1: first heading level under the section, 2: under it
	Unit    *Unit
}

// Unit is an element a student ticks (an activité in 2011, a compétence
// in 2019), or a detail under it (Parent is then the unit's code).
type Unit struct {
	Code    string
	Title   string
	Parent  string
	Details []*Unit
	Notes   []Note // guidance shown under the unit (2011: ressources, résultats)
	pos     int
}

// Note is a titled list of guidance lines.
type Note struct {
	Title string   `json:"title"`
	Lines []string `json:"lines"`
}

// Unit returns a unit or a detail of the scheme by code.
func (s *Scheme) Unit(code string) (*Unit, bool) {
	u := s.units[code]
	return u, u != nil
}

// CadreLabel is the label of a cadre, its code when unknown.
func (s *Scheme) CadreLabel(code string) string {
	for _, c := range s.Cadres {
		if c.Code == code {
			return c.Label
		}
	}
	return code
}

// SecondYearWork reports whether one of the cadres is of the second year
// in a workplace.
func (s *Scheme) SecondYearWork(cadres []string) bool {
	for _, code := range cadres {
		for _, c := range s.Cadres {
			if c.Code == code && c.SecondYearWork {
				return true
			}
		}
	}
	return false
}

// HasCadre reports whether the cadre exists.
func (s *Scheme) HasCadre(code string) bool {
	for _, c := range s.Cadres {
		if c.Code == code {
			return true
		}
	}
	return false
}

// Units are the ticked units, in référentiel order.
func (s *Scheme) Units() []*Unit { return s.order }

// Position is the rank of a unit in référentiel order.
func (u *Unit) Position() int { return u.pos }

// Text fills a form text's {code}, {title}, {tick} and {detail}.
func Text(s string, pairs ...string) string {
	for i := 0; i+1 < len(pairs); i += 2 {
		s = strings.ReplaceAll(s, "{"+pairs[i]+"}", pairs[i+1])
	}
	return s
}

func (s *Scheme) add(u *Unit) {
	if s.units == nil {
		s.units = map[string]*Unit{}
	}
	s.units[u.Code] = u
	if u.Parent == "" {
		u.pos = len(s.order)
		s.order = append(s.order, u)
	}
	for _, d := range u.Details {
		d.Parent = u.Code
		s.units[d.Code] = d
	}
}

// Scheme is the référentiel as a student of the parcours ("" when not
// known) uses it.
func (r *Referentiel) Scheme(parcours string) *Scheme {
	if s, ok := r.schemes[parcours]; ok {
		return s
	}
	return r.schemes[""]
}

// buildSchemes makes the scheme of every parcours, at load.
func (r *Referentiel) buildSchemes() {
	r.schemes = map[string]*Scheme{}
	if r.Tree != nil {
		r.schemes[""] = r.Tree.scheme("")
		for _, p := range r.Tree.Parcours {
			r.schemes[p.Code] = r.Tree.scheme(p.Code)
		}
		return
	}
	r.schemes[""] = r.legacyScheme("")
	for _, p := range r.Parcours {
		r.schemes[p.Code] = r.legacyScheme(p.Code)
	}
}

// scheme of a Tree référentiel for a parcours. Without a parcours, only
// the common nodes are offered (a code may mean different things in two
// parcours).
func (t *Tree) scheme(parcours string) *Scheme {
	s := &Scheme{Form: t.Form, DayPrecision: t.Tableau.Period.Precision == "day", Fiche: t.Fiche != nil, Types: t.Types, Stages: t.Stages,
		ParcoursSpecific: t.hasParcoursNodes()}
	tick, detail := t.Levels[t.tick], Level{}
	if t.tick+1 < len(t.Levels) {
		detail = t.Levels[t.tick+1]
	}
	s.Names = Names{Tick: strings.ToLower(tick.Label), Ticks: strings.ToLower(tick.Plural),
		Detail: strings.ToLower(detail.Label), Details: strings.ToLower(detail.Plural), NoneTicked: t.Form.NoneTicked}
	s.Cadres = append(s.Cadres, t.Cadres...)
	visible := func(n *Node) bool { return n.Parcours == "" || n.Parcours == parcours }
	heading := func(n *Node) string { return Text(t.Form.Section, "code", n.Code, "title", n.Title) }
	units := map[*Node]*Unit{}
	t.Walk(parcours, func(n *Node) {
		if n.Depth != t.tick || !visible(n) {
			return
		}
		u := &Unit{Code: n.Code, Title: n.Title, Notes: n.Notes}
		for _, d := range n.Children {
			if visible(d) {
				u.Details = append(u.Details, &Unit{Code: d.Code, Title: d.Title})
			}
		}
		s.add(u)
		units[n] = u
	})
	// entries lists the kept units under top, each after the headings of
	// its ancestors from depth first (headings numbered from 1).
	entries := func(top *Node, first int, keep func(*Node) bool) []Entry {
		var out []Entry
		var walk func(n *Node) []Entry
		walk = func(n *Node) []Entry {
			if !visible(n) {
				return nil
			}
			if u := units[n]; u != nil {
				if keep(n) {
					return []Entry{{Unit: u}}
				}
				return nil
			}
			var under []Entry
			for _, c := range n.Children {
				under = append(under, walk(c)...)
			}
			if len(under) == 0 || n.Depth < first {
				return under
			}
			return append([]Entry{{Heading: heading(n), Depth: min(n.Depth-first+1, 2)}}, under...)
		}
		out = walk(top)
		return out
	}
	all := func(*Node) bool { return true }
	if t.Form.Sections == "parcours" {
		root := &Node{Children: t.Nodes, Depth: -1}
		if _, ok := t.parcours(parcours); !ok {
			s.Sections = []Section{{Title: t.Form.AllSection, Own: true, Entries: entries(root, 0, all)}}
			return s
		}
		in := map[*Node]bool{}
		for _, n := range t.Columns(parcours) {
			in[n] = true
		}
		s.Sections = []Section{
			{Title: Text(t.Form.OwnSection, "parcours", parcours), Own: true, Entries: entries(root, 0, func(n *Node) bool { return in[n] })},
			{Title: t.Form.OtherSection, Entries: entries(root, 0, func(n *Node) bool { return !in[n] })},
		}
		return s
	}
	for _, top := range t.Nodes {
		if !visible(top) {
			continue
		}
		if e := entries(top, 1, all); len(e) > 0 {
			s.Sections = append(s.Sections, Section{Title: heading(top), Own: true, Entries: e})
		}
	}
	return s
}

// parcours returns a parcours by code.
func (t *Tree) parcours(code string) (TreeParcours, bool) {
	for _, p := range t.Parcours {
		if p.Code == code {
			return p, true
		}
	}
	return TreeParcours{}, false
}

// legacyScheme is the scheme of the 2011 référentiel, whose data file is
// still in its first form (processes › domains › activities ›
// competences): the activities of the student's parcours first, the others
// after, each under its process and domain. Its form texts are the ones
// its users have always had; they move to the data file with it.
func (r *Referentiel) legacyScheme(parcours string) *Scheme {
	s := &Scheme{Types: r.Types, Names: Names{Tick: "activité", Ticks: "activités", Detail: "compétence", Details: "compétences",
		NoneTicked: "Aucune activité cochée pour l'instant."}, Form: FormSpec{
		Legend:           "Activités et compétences mobilisées",
		Hint:             "Cochez chaque activité exercée : ses compétences apparaissent dessous, cochez celles que vous avez mobilisées. Décocher une activité retire ses compétences.",
		Section:          "{code} — {title}",
		How:              "Comment j'ai exercé {code} (facultatif)",
		Guidance:         "Repères : ressources fournies et résultats attendus",
		UnknownTick:      "Activité inconnue du référentiel.",
		UnknownDetail:    "Compétence inconnue du référentiel.",
		DetailNeedsTick:  "Cochez l'activité {tick} pour pouvoir cocher la compétence {detail}.",
		DetailsNeedTicks: "Une compétence ne peut être cochée que sous une activité cochée.",
	}}
	// The 2011 form's labels of the bands of its tableau.
	s.Cadres = []Cadre{
		{Code: "formation", Label: "En formation (TP, PPE, atelier)"},
		{Code: "stage1", Label: "Stage de première année"},
		{Code: "stage2", Label: "Stage de deuxième année", SecondYearWork: true},
		{Code: "alternance", Label: "Alternance", SecondYearWork: true},
	}
	units := map[string]*Unit{}
	for _, a := range r.activities {
		u := &Unit{Code: a.Code, Title: a.Title}
		for _, c := range a.Competences {
			u.Details = append(u.Details, &Unit{Code: c.Code, Title: c.Title})
		}
		u.Notes = []Note{{"Ressources fournies", a.Ressources}, {"Résultats attendus", a.Resultats}}
		s.add(u)
		units[a.Code] = u
	}
	section := func(title string, own bool, keep func(*Activity) bool) Section {
		sec := Section{Title: title, Own: own}
		for _, p := range r.Processes {
			var entries []Entry
			for _, d := range p.Domains {
				var acts []Entry
				for i := range d.Activities {
					if a := r.activityIdx[d.Activities[i].Code]; keep(a) {
						acts = append(acts, Entry{Unit: units[a.Code]})
					}
				}
				if len(acts) > 0 {
					entries = append(entries, Entry{Heading: d.Code + " — " + d.Title, Depth: 2})
					entries = append(entries, acts...)
				}
			}
			if len(entries) > 0 {
				sec.Entries = append(sec.Entries, Entry{Heading: p.Code + " — " + p.Title, Depth: 1})
				sec.Entries = append(sec.Entries, entries...)
			}
		}
		return sec
	}
	pc, ok := r.parcoursIdx[parcours]
	if !ok {
		s.Sections = []Section{section("Toutes les activités du référentiel", true, func(*Activity) bool { return true })}
		return s
	}
	s.Sections = []Section{
		section("Activités de mon parcours "+pc.Code, true, func(a *Activity) bool { return r.InParcours(parcours, a.Code) }),
		section("Autres activités (hors parcours)", false, func(a *Activity) bool { return !r.InParcours(parcours, a.Code) }),
	}
	return s
}

// CoverageColumn is a column of the coverage pages: a ticked unit, under
// its group (a process in 2011, a bloc in 2019).
type CoverageColumn struct {
	Code, Title, Group string
}

// CoverageGroup is a group of consecutive coverage columns.
type CoverageGroup struct {
	Code, Title string
	Span        int
}

// CoverageColumns are the columns of the coverage pages for a parcours,
// and their groups: the ticked nodes under the nodes the data file lists
// as its coverage (2019: B1, B2, B3), or the tableau's columns of the
// parcours when it lists none (2011), under their top-level ancestors.
func (r *Referentiel) CoverageColumns(parcours string) ([]CoverageColumn, []CoverageGroup) {
	var cols []CoverageColumn
	var groups []CoverageGroup
	add := func(code, title, gcode, gtitle string) {
		cols = append(cols, CoverageColumn{Code: code, Title: title, Group: gcode})
		if n := len(groups); n == 0 || groups[n-1].Code != gcode {
			groups = append(groups, CoverageGroup{Code: gcode, Title: gtitle})
		}
		groups[len(groups)-1].Span++
	}
	if t := r.Tree; t != nil && parcours == "" && t.hasParcoursNodes() {
		return r.mergedCoverage()
	}
	if t := r.Tree; t != nil {
		var nodes []*Node
		for _, code := range t.Coverage {
			nodes = append(nodes, t.ticked(parcours, code)...)
		}
		if len(t.Coverage) == 0 {
			nodes = t.Columns(parcours) // the tableau's columns
		}
		for _, n := range nodes {
			g := n
			for g.Parent != nil {
				g = g.Parent
			}
			add(n.Code, n.Title, g.Code, g.Title)
		}
		return cols, groups
	}
	for _, a := range r.ColumnActivities(parcours) {
		p := r.processIdx[a.Process]
		add(a.Code, a.Title, p.Code, p.Title)
	}
	return cols, groups
}

// hasParcoursNodes reports whether some nodes belong to one parcours.
func (t *Tree) hasParcoursNodes() bool {
	for _, n := range t.index {
		if n.Parcours != "" {
			return true
		}
	}
	return false
}

// mergedCoverage are the coverage columns of a class without a parcours
// whose référentiel has parcours-specific nodes (2019: B2, B3.5): every
// parcours's columns, one per code (a student's coverage is kept by code,
// which means their parcours's node), titled « SISR : … ; SLAM : … »
// where the parcours differ.
func (r *Referentiel) mergedCoverage() ([]CoverageColumn, []CoverageGroup) {
	type titles struct{ by, order []string }
	var cols []CoverageColumn
	colTitles, groupTitles := map[string]*titles{}, map[string]*titles{}
	note := func(m map[string]*titles, code, parcours, title string) {
		if m[code] == nil {
			m[code] = &titles{}
		}
		m[code].by = append(m[code].by, parcours+" : "+title)
		m[code].order = append(m[code].order, title)
	}
	for _, p := range r.Tree.Parcours {
		pc, pg := r.CoverageColumns(p.Code)
		for _, c := range pc {
			if colTitles[c.Code] == nil {
				cols = append(cols, c)
			}
			note(colTitles, c.Code, p.Code, c.Title)
		}
		for _, g := range pg {
			note(groupTitles, g.Code, p.Code, g.Title)
		}
	}
	merged := func(t *titles) string {
		for _, x := range t.order {
			if x != t.order[0] {
				return strings.Join(t.by, " ; ")
			}
		}
		return t.order[0]
	}
	var groups []CoverageGroup
	for i := range cols {
		cols[i].Title = merged(colTitles[cols[i].Code])
		g := cols[i].Group
		if n := len(groups); n == 0 || groups[n-1].Code != g {
			groups = append(groups, CoverageGroup{Code: g, Title: merged(groupTitles[g])})
		}
		groups[len(groups)-1].Span++
	}
	return cols, groups
}
