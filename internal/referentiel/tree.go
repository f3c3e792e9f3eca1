package referentiel

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Tree is a référentiel that describes its own shape: the names of its
// levels (2019: bloc › compétence › savoir-faire), which level a student
// ticks and which level details it, its parcours and the counts it must
// have. Nothing in Go knows a particular référentiel's shape: the data file
// says it, and this loader checks the data against what it says.
//
// The 2011 référentiel still loads through Parse (processes › domains ›
// activities › competences); moving it to this form is the next step of
// the work on the 2019 référentiel.
type Tree struct {
	Code     string         `json:"code"`
	Title    string         `json:"title"`
	Source   string         `json:"source"`
	Levels   []Level        `json:"levels"`
	Parcours []TreeParcours `json:"parcours"`
	Expect   []Expectation  `json:"expect"`
	Nodes    []*Node        `json:"nodes"`

	index map[nodeKey]*Node
	tick  int // index in Levels of the ticked level
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
}

// TreeParcours is a speciality of the référentiel.
type TreeParcours struct {
	Code   string `json:"code"`
	Title  string `json:"title"`
	Option string `json:"option"` // the official option letter (A, B)
}

// Expectation is a count the data must have: under the node (code,
// parcours), so many descendants of each level with that same parcours.
type Expectation struct {
	Code     string         `json:"code"`
	Parcours string         `json:"parcours"`
	Counts   map[string]int `json:"counts"`
}

// Node is an element of the tree. Parcours is empty for an element common
// to every parcours; (Parcours, Code) is unique.
type Node struct {
	Code     string  `json:"code"`
	Title    string  `json:"title"`
	Parcours string  `json:"parcours,omitempty"`
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
			case parent != nil && !strings.HasPrefix(n.Code, parent.Code+"."):
				return fmt.Errorf("%s is under %s: its code must start with %s.", n.Code, parent.Code, parent.Code)
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
	for _, e := range t.Expect {
		n := t.index[nodeKey{e.Parcours, e.Code}]
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
