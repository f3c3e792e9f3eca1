package export

import (
	"io"
	"strconv"
	"strings"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// The form of the « fiche descriptive de réalisation professionnelle »,
// the circulaire's Word model (LAYOUT.md §2, read from the session-2023
// fiche filled in the official template): A4 portrait, margins 1 cm top
// and bottom and 1.5 cm left and right, one framed table of four columns
// with single 0.5 pt rules, labels in Arial 10 bold and the values in
// regular, the header in Arial 11 bold, the footnotes in Arial 8.
// Minimum row heights in millimetres, as the model has them.
var formFiche = struct {
	cols                                []float64 // mm
	numberH, nameH, formH               float64
	organisationH, titleH, periodH      float64
	competencesH, conditionsH, accessH  float64
	header, label, footnote             Style
	marginV, marginH                    float64 // inches
	separatorW                          int     // the footnote rule's columns
	noteRuleGap, headerGap, footnoteGap float64 // points
}{
	cols:    []float64{55.0, 72.5, 12.5, 35.0},
	numberH: 7.2, nameH: 7.7, formH: 7.2,
	organisationH: 9.0, titleH: 9.0, periodH: 11.0,
	competencesH: 19.0, conditionsH: 19.0, accessH: 15.0,
	header:   Style{Size: 11, Bold: true, H: "center", V: "center"},
	label:    Style{Size: 10, H: "left", V: "top"},
	footnote: Style{Size: 8, H: "left", V: "top"},
	marginV:  1 / 2.54, marginH: 1.5 / 2.54,
	separatorW:  1,
	noteRuleGap: 6, headerGap: 3, footnoteGap: 1,
}

const mmPt = 72 / 25.4

// FichePDF prints a « fiche descriptive de réalisation professionnelle »
// as the circulaire's Word model lays it out (ficheSheet), with the
// engine that prints the tableaux.
func FichePDF(w io.Writer, f portfolio.Fiche) error {
	s, err := ficheSheet(f)
	if err != nil {
		return err
	}
	return PrintSheet(w, s, DocMeta{Title: f.Heading + " — " + f.Title, Author: f.Name, Date: f.Made})
}

// ficheSheet lays a fiche out as the Word model's table: the recto, its
// footnotes at the foot of its last page, then the verso, whose framed
// description runs on as many pages as it needs under the header
// repeated. Long texts are one row per line, so that a page may break
// between any two: the builder breaks the pages itself, closing the frame
// at the foot of a page and opening it again at the top of the next.
func ficheSheet(f portfolio.Fiche) (*Sheet, error) {
	sf, err := loadSheetFonts()
	if err != nil {
		return nil, err
	}
	ff := &formFiche
	s := &Sheet{Name: "Fiche", Word: true, Print: PrintSetup{Paper: A4, Scale: 100, Margin: ff.marginV, MarginLR: ff.marginH}}
	for _, c := range ff.cols {
		s.Cols = append(s.Cols, c*mmPt)
	}
	_, pageH := s.Print.printable()
	b := &ficheBuilder{s: s, sf: sf, pageH: pageH}
	l := f.Labels
	bold := func(t string) Span { return Span{Text: t, Bold: true} }
	plain := func(t string) Span { return Span{Text: t} }
	labelled := func(label, value string) []Span { return []Span{bold(label + " "), plain(value)} }
	below := func(label, value string) []Span { return []Span{bold(label), plain("\n" + value)} }

	// Recto.
	b.header(f, f.RectoTitle)
	number := ""
	if f.Number > 0 {
		number = strconv.Itoa(f.Number)
	}
	b.row(ff.numberH*mmPt, b.cell(1, 3, "center", "center", bold(f.Heading)), b.cell(4, 4, "left", "center", labelled(l["number"], number)...))
	b.row(ff.nameH*mmPt, b.cell(1, 2, "left", "center", labelled(l["name"], f.Name)...),
		b.cell(3, 4, "left", "center", labelled(l["candidate"], f.Candidate)...))
	date := []Span{bold(l["date"])}
	if f.Date != "" {
		date = labelled("Date :", f.Date)
	}
	b.row(ff.formH*mmPt, b.cell(1, 1, "left", "center", bold(l["ponctuelle"]+" "), plain(tickBox(f.Ponctuelle))),
		b.cell(2, 2, "left", "center", bold(l["ccf"]+" "), plain(tickBox(f.CCF))),
		b.cell(3, 4, "left", "center", date...))
	b.block(ff.organisationH*mmPt, below(l["organisation"], f.Organisation))
	b.block(ff.titleH*mmPt, below(l["title"], f.Title))
	// Row 7 is one cell: the période, the lieu at the place of a tab
	// stop, the modalité on a line of its own.
	when, where := b.cell(1, 2, "left", "top", labelled(l["period"], f.Period)...), b.cell(3, 4, "left", "top", labelled(l["place"], f.Place)...)
	when.Style.Right, where.Style.Left = NoBorder, NoBorder
	when.Style.Bottom, where.Style.Bottom = NoBorder, NoBorder
	period := b.row(0, when, where)
	b.block(ff.periodH*mmPt-period, []Span{bold(l["modalite"] + " "), plain(tickBox(f.Alone) + " "), bold(l["alone"] + " "),
		plain(tickBox(f.Team) + " "), bold(l["team"])}, noTop)
	competences := []Span{bold(l["competences"])}
	for _, c := range f.Competences {
		competences = append(competences, plain("\n"+tickBox(c.Checked)+" "+c.Title))
	}
	b.block(ff.competencesH*mmPt, competences)
	b.block(ff.conditionsH*mmPt, below(l["conditions"], f.Conditions))
	b.block(ff.conditionsH*mmPt, below(l["resources"], f.Resources))
	b.block(ff.accessH*mmPt, below(l["access"], f.Access))
	b.footnotes(f.Footnotes)

	// Verso, and the pages after it.
	b.pageBreak()
	b.repeat = func() { b.header(f, f.VersoTitle) }
	b.repeatRows()
	text := f.Description
	for _, pr := range f.Productions {
		text += "\n• " + pr.Title + " : " + pr.URL
	}
	b.block(0, below(l["description"], text), toFoot)
	s.Print.AreaRows = len(s.Rows)
	return s, nil
}

// tickBox is a box of the model: ☒ ticked (the model's crossed box), ☐
// not.
func tickBox(ticked bool) string {
	if ticked {
		return "☒"
	}
	return "☐"
}

// ficheBuilder adds the fiche's rows, breaking its pages.
type ficheBuilder struct {
	s      *Sheet
	sf     *sheetFonts
	pageH  float64 // the printable height, in points
	used   float64 // on the current page
	reopen bool    // the next row starts a page inside the frame
	repeat func()  // the rows a page after a break starts with, or nil
	// repeating is set while they are added.
	repeating bool
}

// cell is a cell of the table over columns c1–c2 (its row set by row).
func (b *ficheBuilder) cell(c1, c2 int, h, v string, spans ...Span) Cell {
	st := formFiche.label
	st.H, st.V = h, v
	st.Left, st.Right, st.Top, st.Bottom = Fine, Fine, Fine, Fine
	return Cell{Col: c1, Col2: c2, Rich: spans, Style: st}
}

// width is the room for text in columns c1–c2, in points.
func (b *ficheBuilder) width(c1, c2 int) float64 {
	w := 0.0
	for _, c := range b.s.Cols[c1-1 : c2] {
		w += c
	}
	return w - 2*wordPadX
}

// row adds a row of cells, as high as its tallest text and at least
// least, on a new page when it does not fit this one; it returns the
// row's height.
func (b *ficheBuilder) row(least float64, cells ...Cell) float64 {
	h := least
	for _, c := range cells {
		lines := b.sf.wrapRich(c.Rich, c.Style, b.width(c.Col, c.Col2))
		h = max(h, float64(len(lines))*b.s.lineHeight(c.Style.Size)+2*wordPadY)
	}
	h = min(h, b.pageH) // a text taller than a page is cut (the fields' lengths are bounded)
	if b.used+h > b.pageH+1e-6 && b.used > 0 {
		b.pageBreak()
		b.repeatRows()
	}
	b.s.Rows = append(b.s.Rows, h)
	r := len(b.s.Rows)
	for _, c := range cells {
		c.Row, c.Row2 = r, r
		if b.reopen && framed(c.Style) {
			c.Style.Top = Fine
		}
		b.s.Cells = append(b.s.Cells, c)
	}
	b.reopen = false
	b.used += h
	return h
}

// repeatRows adds the rows a page after a break starts with, once: they
// do not repeat themselves when they do not fit a page.
func (b *ficheBuilder) repeatRows() {
	if b.repeat == nil || b.repeating {
		return
	}
	b.repeating = true
	b.repeat()
	b.repeating = false
}

// framed reports whether a cell is inside the table's frame.
func framed(st Style) bool { return st.Left != NoBorder || st.Right != NoBorder }

// pageBreak ends the page after the last row, closing the frame there.
func (b *ficheBuilder) pageBreak() {
	last := len(b.s.Rows)
	if last == 0 {
		return
	}
	for i := range b.s.Cells {
		if c := &b.s.Cells[i]; c.Row2 == last && framed(c.Style) {
			c.Style.Bottom = Fine
		}
	}
	b.s.Breaks = append(b.s.Breaks, last)
	b.used, b.reopen = 0, true
}

// header is the model's header: the diploma in capitals (Word's caps
// format on the template's text) with the session on its right, the
// épreuve, then the annex's title, centred.
func (b *ficheBuilder) header(f portfolio.Fiche, title string) {
	ff := &formFiche
	st := ff.header
	lh := b.s.lineHeight(st.Size)
	diploma := b.cell(1, 3, "center", "bottom", Span{Text: strings.ToUpper(f.Header), Bold: true})
	session := b.cell(4, 4, "right", "bottom", Span{Text: f.Session, Bold: true})
	diploma.Style.Size, session.Style.Size = st.Size, st.Size
	diploma.Style.Right, session.Style.Left = NoBorder, NoBorder
	diploma.Style.Bottom, session.Style.Bottom = NoBorder, NoBorder
	b.row(lh+ff.headerGap, diploma, session)
	lines := []string{title}
	if f.Epreuve != "" {
		lines = []string{f.Epreuve, title}
	}
	for i, text := range lines {
		c := b.cell(1, 4, "center", "top", Span{Text: text, Bold: true})
		c.Style.Size, c.Style.Top = st.Size, NoBorder
		least := 0.0
		if i < len(lines)-1 {
			c.Style.Bottom = NoBorder
		} else {
			least = lh + ff.headerGap
		}
		b.row(least, c)
	}
}

// Options of block.
const (
	noTop  = 1 << iota // the block goes on the cell above (no rule between)
	toFoot             // the block's frame reaches the foot of its last page
)

// block adds a framed cell over the four columns, one row per line of its
// text, at least least high.
func (b *ficheBuilder) block(least float64, spans []Span, opts ...int) {
	opt := 0
	for _, o := range opts {
		opt |= o
	}
	st := formFiche.label
	lines := b.sf.wrapRich(spans, st, b.width(1, 4))
	lh := b.s.lineHeight(st.Size)
	for i, line := range lines {
		c := b.cell(1, 4, "left", "top", line...)
		if i > 0 || opt&noTop != 0 {
			c.Style.Top = NoBorder
		}
		h := lh
		if i < len(lines)-1 {
			c.Style.Bottom = NoBorder
		} else {
			h = max(lh, least-float64(len(lines)-1)*lh)
			if opt&toFoot != 0 {
				if b.used+h > b.pageH+1e-6 {
					b.pageBreak()
					b.repeatRows()
				}
				h = max(h, b.pageH-b.used)
			}
		}
		if len(line) == 0 {
			c.Rich = nil
		}
		b.row(h, c)
	}
}

// footnotes puts the model's footnotes at the foot of the page: a short
// rule, then each note, the space above them left blank.
func (b *ficheBuilder) footnotes(notes []string) {
	if len(notes) == 0 {
		return
	}
	ff := &formFiche
	lh := b.s.lineHeight(ff.footnote.Size)
	var cells []Cell
	var heights []float64
	total := ff.noteRuleGap
	for _, n := range notes {
		lines := b.sf.wrapRich([]Span{{Text: n}}, ff.footnote, b.width(1, 4))
		h := float64(len(lines))*lh + ff.footnoteGap
		total += h
		heights = append(heights, h)
		cells = append(cells, Cell{Col: 1, Col2: 4, Rich: []Span{{Text: n}}, Style: ff.footnote})
	}
	if b.used+total > b.pageH {
		b.pageBreak()
	}
	if gap := b.pageH - b.used - total; gap > 0 {
		b.row(gap)
	}
	b.row(ff.noteRuleGap, Cell{Col: 1, Col2: ff.separatorW, Style: Style{Top: Fine}})
	for i, c := range cells {
		b.row(heights[i], c)
	}
}
