// Package referentiel loads and validates the BTS SIO référentiels
// (processes, domains, activities, competences, parcours, types, bands)
// from their JSON data files.
package referentiel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Referentiel is one validated référentiel, with lookup indexes.
type Referentiel struct {
	Code      string     `json:"code"`
	Title     string     `json:"title"`
	Processes []Process  `json:"processes"`
	Parcours  []Parcours `json:"parcours"`
	Types     []Type     `json:"types"`
	Bands     []Band     `json:"bands"`

	// Tree is the référentiel when its data file is in the Tree form (every
	// shipped one). The fields above are its first-form view: filled for
	// référentiels with the "processus" working view of the tableau (2011),
	// empty for the others.
	Tree *Tree `json:"-"`

	activities  []*Activity
	activityIdx map[string]*Activity
	compIdx     map[string]*Competence
	processIdx  map[string]*Process
	domainIdx   map[string]*Domain
	parcoursIdx map[string]*Parcours
	typeIdx     map[string]int
	bandIdx     map[string]int
	schemes     map[string]*Scheme // by parcours, "" for none
}

// Process is a processus (P1…P5).
type Process struct {
	Code    string   `json:"code"`
	Title   string   `json:"title"`
	Domains []Domain `json:"domains"`
}

// Domain is a domaine d'activité (D1.1…).
type Domain struct {
	Code       string     `json:"code"`
	Title      string     `json:"title"`
	Activities []Activity `json:"activities"`
}

// Activity is an activité (A1.1.1…) with its competences and the exam
// conditions shown to students as guidance.
type Activity struct {
	Code        string       `json:"code"`
	Title       string       `json:"title"`
	Competences []Competence `json:"competences"`
	Ressources  []string     `json:"ressources"`
	Resultats   []string     `json:"resultats"`

	// Process and Domain are the codes of the parents, set at load.
	Process string `json:"-"`
	Domain  string `json:"-"`

	pos int // position in the référentiel
}

// Competence is a compétence (C1.1.1.1…).
type Competence struct {
	Code  string `json:"code"`
	Title string `json:"title"`

	// Activity is the code of the parent activity, set at load.
	Activity string `json:"-"`
}

// Parcours is a speciality (SISR, SLAM) and the activity columns of its
// tableau de synthèse. Columns name processes or single activities, in
// order; ActivityCodes is the expansion, set at load.
type Parcours struct {
	Code    string   `json:"code"`
	Title   string   `json:"title"`
	Columns []string `json:"columns"`

	ActivityCodes []string `json:"-"`
	inParcours    map[string]bool
}

// Type is one of the four types of situation ("situations obligatoires").
type Type struct {
	Code  string `json:"code"`
	Title string `json:"title"`
	Short string `json:"short"`
	// Tableau is the wording the official tableau prints, when it differs
	// from Title (2011: typographic apostrophes, « Elaboration »).
	Tableau string `json:"tableau,omitempty"`
}

// TableauTitle is the type's wording on the official tableau.
func (t Type) TableauTitle() string {
	if t.Tableau != "" {
		return t.Tableau
	}
	return t.Title
}

// Band groups the rows of the tableau by where the situation happened.
type Band struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

// LoadAll loads and validates every *.json file of fsys, keyed by code.
func LoadAll(fsys fs.FS) (map[string]*Referentiel, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("referentiel: no data file")
	}
	all := make(map[string]*Referentiel, len(names))
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var r *Referentiel
		if IsTree(data) {
			var t *Tree
			if t, err = ParseTree(data); err == nil {
				r, err = fromTree(t)
			}
		} else {
			r, err = Parse(data)
		}
		if err != nil {
			return nil, fmt.Errorf("referentiel %s: %w", path.Base(name), err)
		}
		if _, dup := all[r.Code]; dup {
			return nil, fmt.Errorf("referentiel %s: code %q defined twice", name, r.Code)
		}
		all[r.Code] = r
	}
	return all, nil
}

// fromTree is the référentiel of a Tree. When its tableau has the
// "processus" layout, it also fills the fields of the first form
// (Processes › Domains › Activities › Competences, Parcours, Types,
// Bands), which the first drawing of the tableau (portfolio.BuildTableau)
// reads: the levels are taken in that order, the ticked one third, and an
// activity's first two notes are its ressources and résultats attendus.
func fromTree(t *Tree) (*Referentiel, error) {
	r := &Referentiel{Code: t.Code, Title: t.Title, Tree: t}
	if t.Tableau.Working == "processus" {
		if len(t.Levels) != 4 || t.tick != 2 {
			return nil, errors.New("tableau: the processus layout needs four levels, the third one ticked")
		}
		r.Types = t.Types
		for _, pn := range t.Nodes {
			p := Process{Code: pn.Code, Title: pn.Title}
			for _, dn := range pn.Children {
				d := Domain{Code: dn.Code, Title: dn.Title}
				for _, an := range dn.Children {
					a := Activity{Code: an.Code, Title: an.Title}
					if len(an.Notes) > 0 {
						a.Ressources = an.Notes[0].Lines
					}
					if len(an.Notes) > 1 {
						a.Resultats = an.Notes[1].Lines
					}
					for _, cn := range an.Children {
						a.Competences = append(a.Competences, Competence{Code: cn.Code, Title: cn.Title})
					}
					d.Activities = append(d.Activities, a)
				}
				p.Domains = append(p.Domains, d)
			}
			r.Processes = append(r.Processes, p)
		}
		for _, pc := range t.Parcours {
			r.Parcours = append(r.Parcours, Parcours{Code: pc.Code, Title: pc.Title, Columns: pc.Columns})
		}
		for _, b := range t.Tableau.Bands {
			r.Bands = append(r.Bands, Band{Code: b.Code, Title: b.Title})
		}
		if err := r.index(); err != nil {
			return nil, err
		}
	}
	r.buildSchemes()
	return r, nil
}

// Grid is the référentiel's tree, whose tableau the official documents
// draw (BuildGrid); nil for a référentiel in the first form, which has
// the working view only.
func (r *Referentiel) Grid() *Tree { return r.Tree }

// Working reports whether the tableau page shows the product's working
// view (BuildTableau: processes, totals, gaps) rather than the official
// grid; its « document de travail » PDF is then offered too.
func (r *Referentiel) Working() bool {
	return r.Tree == nil || r.Tree.Tableau.Working == "processus"
}

// Parse decodes and validates one référentiel in the first form of the
// data files (processes › domains › activities › competences), which the
// 2011 référentiel had before the Tree form; it still loads.
func Parse(data []byte) (*Referentiel, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var r Referentiel
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode: trailing data after the référentiel object")
	}
	if err := r.index(); err != nil {
		return nil, err
	}
	r.buildSchemes()
	return &r, nil
}

// index validates the structure and builds the lookup indexes.
func (r *Referentiel) index() error {
	if r.Code == "" || r.Title == "" {
		return errors.New("code and title are required")
	}
	r.activityIdx = map[string]*Activity{}
	r.compIdx = map[string]*Competence{}
	r.processIdx = map[string]*Process{}
	r.domainIdx = map[string]*Domain{}
	r.parcoursIdx = map[string]*Parcours{}
	r.typeIdx = map[string]int{}
	r.bandIdx = map[string]int{}
	seen := map[string]bool{}
	claim := func(code, title, kind string) error {
		if code == "" {
			return fmt.Errorf("%s without code", kind)
		}
		if strings.TrimSpace(title) == "" {
			return fmt.Errorf("%s %s without title", kind, code)
		}
		if seen[code] {
			return fmt.Errorf("code %s is not unique", code)
		}
		seen[code] = true
		return nil
	}
	nDomains, nComps := 0, 0
	for pi := range r.Processes {
		p := &r.Processes[pi]
		if err := claim(p.Code, p.Title, "process"); err != nil {
			return err
		}
		r.processIdx[p.Code] = p
		for di := range p.Domains {
			d := &p.Domains[di]
			if err := claim(d.Code, d.Title, "domain"); err != nil {
				return err
			}
			if !childOf(d.Code, "D", p.Code, "P") {
				return fmt.Errorf("domain %s is not in process %s", d.Code, p.Code)
			}
			r.domainIdx[d.Code] = d
			nDomains++
			for ai := range d.Activities {
				a := &d.Activities[ai]
				if err := claim(a.Code, a.Title, "activity"); err != nil {
					return err
				}
				if !childOf(a.Code, "A", d.Code, "D") {
					return fmt.Errorf("activity %s is not in domain %s", a.Code, d.Code)
				}
				if len(a.Competences) == 0 {
					return fmt.Errorf("activity %s has no competence", a.Code)
				}
				a.Process, a.Domain, a.pos = p.Code, d.Code, len(r.activities)
				r.activityIdx[a.Code] = a
				r.activities = append(r.activities, a)
				for ci := range a.Competences {
					c := &a.Competences[ci]
					if err := claim(c.Code, c.Title, "competence"); err != nil {
						return err
					}
					if !childOf(c.Code, "C", a.Code, "A") {
						return fmt.Errorf("competence %s is not in activity %s", c.Code, a.Code)
					}
					c.Activity = a.Code
					r.compIdx[c.Code] = c
					nComps++
				}
			}
		}
	}
	if len(r.activities) == 0 {
		return errors.New("no activity")
	}
	for i := range r.Parcours {
		pc := &r.Parcours[i]
		if err := claim(pc.Code, pc.Title, "parcours"); err != nil {
			return err
		}
		pc.inParcours = map[string]bool{}
		for _, col := range pc.Columns {
			var codes []string
			if p, ok := r.processIdx[col]; ok {
				for _, d := range p.Domains {
					for _, a := range d.Activities {
						codes = append(codes, a.Code)
					}
				}
			} else if _, ok := r.activityIdx[col]; ok {
				codes = []string{col}
			} else {
				return fmt.Errorf("parcours %s: unknown column %s", pc.Code, col)
			}
			for _, c := range codes {
				if pc.inParcours[c] {
					return fmt.Errorf("parcours %s: activity %s listed twice", pc.Code, c)
				}
				pc.inParcours[c] = true
				pc.ActivityCodes = append(pc.ActivityCodes, c)
			}
		}
		// Columns are drawn in référentiel order whatever the listing order.
		sort.SliceStable(pc.ActivityCodes, func(i, j int) bool {
			return r.activityIdx[pc.ActivityCodes[i]].pos < r.activityIdx[pc.ActivityCodes[j]].pos
		})
		r.parcoursIdx[pc.Code] = pc
	}
	if len(r.Types) == 0 || len(r.Bands) == 0 {
		return errors.New("types and bands are required")
	}
	for i, t := range r.Types {
		if err := claim(t.Code, t.Title, "type"); err != nil {
			return err
		}
		if t.Short == "" {
			return fmt.Errorf("type %s without short label", t.Code)
		}
		r.typeIdx[t.Code] = i
	}
	for i, b := range r.Bands {
		if err := claim(b.Code, b.Title, "band"); err != nil {
			return err
		}
		r.bandIdx[b.Code] = i
	}
	return nil
}

// childOf reports whether code (e.g. "A1.2.3") is a direct child of parent
// (e.g. "D1.2"): same digits plus exactly one more number.
func childOf(code, prefix, parent, parentPrefix string) bool {
	c, ok1 := strings.CutPrefix(code, prefix)
	p, ok2 := strings.CutPrefix(parent, parentPrefix)
	if !ok1 || !ok2 {
		return false
	}
	rest, ok := strings.CutPrefix(c, p+".")
	if !ok || rest == "" {
		return false
	}
	for _, ch := range rest {
		if ch < '0' || ch > '9' {
			return false
		}
	}
	return true
}

// Activities returns every activity in référentiel order.
func (r *Referentiel) Activities() []*Activity { return r.activities }

// Activity returns the activity with that code.
func (r *Referentiel) Activity(code string) (*Activity, bool) {
	a, ok := r.activityIdx[code]
	return a, ok
}

// Competence returns the competence with that code.
func (r *Referentiel) Competence(code string) (*Competence, bool) {
	c, ok := r.compIdx[code]
	return c, ok
}

// Process returns the process with that code.
func (r *Referentiel) Process(code string) (*Process, bool) {
	p, ok := r.processIdx[code]
	return p, ok
}

// Domain returns the domain with that code.
func (r *Referentiel) Domain(code string) (*Domain, bool) {
	d, ok := r.domainIdx[code]
	return d, ok
}

// ParcoursByCode returns the parcours with that code.
func (r *Referentiel) ParcoursByCode(code string) (*Parcours, bool) {
	p, ok := r.parcoursIdx[code]
	return p, ok
}

// Type returns the type with that code.
func (r *Referentiel) Type(code string) (Type, bool) {
	i, ok := r.typeIdx[code]
	if !ok {
		return Type{}, false
	}
	return r.Types[i], true
}

// Band returns the band with that code.
func (r *Referentiel) Band(code string) (Band, bool) {
	i, ok := r.bandIdx[code]
	if !ok {
		return Band{}, false
	}
	return r.Bands[i], true
}

// ColumnActivities returns the activities drawn as columns of the tableau
// for a parcours code; an empty or unknown parcours gets every activity.
func (r *Referentiel) ColumnActivities(parcours string) []*Activity {
	pc, ok := r.parcoursIdx[parcours]
	if !ok {
		return r.activities
	}
	out := make([]*Activity, 0, len(pc.ActivityCodes))
	for _, c := range pc.ActivityCodes {
		out = append(out, r.activityIdx[c])
	}
	return out
}

// InParcours reports whether the activity belongs to the parcours; every
// activity belongs to an empty or unknown parcours.
func (r *Referentiel) InParcours(parcours, activity string) bool {
	pc, ok := r.parcoursIdx[parcours]
	if !ok {
		return true
	}
	return pc.inParcours[activity]
}
