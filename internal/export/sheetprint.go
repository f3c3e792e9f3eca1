package export

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/portfolio-sio/portfolio/internal/fpdf"
)

// cellPad is the space a spreadsheet leaves between a cell's side and its
// text, in points (LibreOffice's default cell margin, 20 twips).
const cellPad = 1.0

// Rule widths in points, at 100 %: Excel's thin rule is one pixel, its
// medium one two.
const (
	thinRule   = 0.75
	mediumRule = 1.5
	fineRule   = 0.5 // Word's single rule
)

// pageSize is the paper in points, in the sheet's orientation.
func (p PrintSetup) pageSize() (w, h float64) {
	w, h = 595.276, 841.89 // A4
	if p.Paper == A3 {
		w, h = 841.89, 1190.551
	}
	if p.Landscape {
		w, h = h, w
	}
	return w, h
}

// printable is the part of the page inside the margins, in points. The
// models' headers and footers have no text: a spreadsheet prints none and
// keeps no room for them.
func (p PrintSetup) printable() (w, h float64) {
	pw, ph := p.pageSize()
	return pw - 2*p.sideMargin(), ph - 2*p.Margin*72
}

// sideMargin is the left (and right) margin in points.
func (p PrintSetup) sideMargin() float64 {
	if p.MarginLR > 0 {
		return p.MarginLR * 72
	}
	return p.Margin * 72
}

// size is the width of the sheet's columns and the height of its rows
// 1..rows, in points at 100 %.
func (s *Sheet) size(rows int) (w, h float64) {
	for _, c := range s.Cols {
		w += s.colWidth(c)
	}
	for _, r := range s.Rows[:min(rows, len(s.Rows))] {
		h += r
	}
	return w, h
}

// fitScale is the largest whole percentage at which the print area fits
// one page (at most 100), as a spreadsheet computes « fit to one page ».
func (s *Sheet) fitScale() int {
	pw, ph := s.Print.printable()
	w, h := s.size(s.Print.AreaRows)
	if w <= 0 || h <= 0 {
		return 100
	}
	return min(100, int(math.Floor(100*math.Min(pw/w, ph/h)+1e-9)))
}

// scale is the print scale as a fraction.
func (s *Sheet) scale() float64 {
	if s.Print.Scale == 0 {
		return float64(s.fitScale()) / 100
	}
	return float64(s.Print.Scale) / 100
}

// pages splits the print area's rows into pages as a spreadsheet does: as
// many rows as fit the printable height at the scale, or up to a manual
// break, the title rows repeated at the top of every page after the
// first.
func (s *Sheet) pages() [][]int {
	_, ph := s.Print.printable()
	limit := ph / s.scale()
	area := min(s.Print.AreaRows, len(s.Rows))
	breakAfter := map[int]bool{}
	for _, b := range s.Breaks {
		breakAfter[b] = true
	}
	var pages [][]int
	var cur []int
	used := 0.0
	for r := 1; r <= area; r++ {
		h := s.Rows[r-1]
		if (used+h > limit+1e-6 || breakAfter[r-1]) && len(cur) > 0 && r > s.Print.TitleRows {
			pages = append(pages, cur)
			cur, used = nil, 0
			for t := 1; t <= s.Print.TitleRows; t++ {
				cur = append(cur, t)
				used += s.Rows[t-1]
			}
		}
		cur = append(cur, r)
		used += h
	}
	return append(pages, cur)
}

// PrintSheet prints the sheet as a PDF the way a spreadsheet prints it:
// column widths and row heights as LibreOffice lays them out, at the
// print scale, centred in the margins, text in Liberation Sans wrapped
// and turned as the cells say, thin and medium rules, the diagonal.
// meta gives the document's title, author and date.
func PrintSheet(w io.Writer, s *Sheet, meta DocMeta) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("PDF library: %v", p)
		}
	}()
	sf, err := loadSheetFonts()
	if err != nil {
		return err
	}
	fb, err := fontBytes()
	if err != nil {
		return err
	}
	orientation := "P"
	if s.Print.Landscape {
		orientation = "L"
	}
	paper := string(s.Print.Paper)
	if paper == "" {
		paper = "A4"
	}
	p := pen{fpdf.New(orientation, "pt", paper, "")}
	p.SetCatalogSort(true)
	p.SetMargins(0, 0, 0)
	p.SetAutoPageBreak(false, 0)
	p.SetTitle(meta.Title, true)
	p.SetAuthor(meta.Author, true)
	p.SetCreator("Portfolio SIO", true)
	p.SetCreationDate(meta.Date.UTC())
	p.SetModificationDate(meta.Date.UTC())
	p.SetLineCapStyle("square")

	pr := &printer{p: p, sf: sf, dejavu: fb, s: s, k: s.scale()}
	pr.colX = make([]float64, len(s.Cols)+1)
	for i, c := range s.Cols {
		pr.colX[i+1] = pr.colX[i] + s.colWidth(c)
	}
	// Cells by their first row.
	byRow := make([][]int, len(s.Rows)+1)
	for i, c := range s.Cells {
		if c.Row >= 1 && c.Row <= len(s.Rows) {
			byRow[c.Row] = append(byRow[c.Row], i)
		}
	}
	pw, ph := s.Print.printable()
	m, mx := s.Print.Margin*72, s.Print.sideMargin()
	sheetW := pr.colX[len(s.Cols)]
	for _, rows := range s.pages() {
		p.AddPage()
		pr.rowY = map[int]float64{}
		y := 0.0
		for _, r := range rows {
			pr.rowY[r] = y
			y += s.Rows[r-1]
		}
		pr.x0, pr.y0 = mx, m
		if s.Print.CentreH {
			pr.x0 += (pw - sheetW*pr.k) / 2
		}
		if s.Print.CentreV {
			pr.y0 += (ph - y*pr.k) / 2
		}
		pr.thin, pr.medium, pr.fine = pr.thin[:0], pr.medium[:0], pr.fine[:0]
		for _, r := range rows {
			for _, i := range byRow[r] {
				pr.cell(s.Cells[i])
			}
		}
		pr.rules()
	}
	if err := p.Error(); err != nil {
		return err
	}
	return p.Output(w)
}

// DocMeta is what a PDF says about itself.
type DocMeta struct {
	Title, Author string
	Date          time.Time
}

// printer draws one sheet's pages.
type printer struct {
	p            pen
	sf           *sheetFonts
	dejavu       [2][]byte
	added        [6]bool // the faces given to fpdf: Liberation's four, DejaVu's two
	s            *Sheet
	k            float64 // scale
	x0, y0       float64 // the page's top-left corner of the sheet, in points
	colX         []float64
	rowY         map[int]float64 // the rows of the page, from its top, at 100 %
	thin, medium []segment
	fine         []segment
	font         fontKey
}

type segment struct{ x1, y1, x2, y2 float64 }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

type fontKey struct {
	dejavu, bold, italic bool
	size                 float64
}

// box is a cell's rectangle on the page, at 100 % from the sheet's corner.
func (pr *printer) box(c Cell) (x, y, w, h float64) {
	x = pr.colX[c.Col-1]
	w = pr.colX[min(c.Col2, len(pr.colX)-1)] - x
	y = pr.rowY[c.Row]
	for r := c.Row; r <= c.Row2 && r <= len(pr.s.Rows); r++ {
		h += pr.s.Rows[r-1]
	}
	return x, y, w, h
}

func (pr *printer) cell(c Cell) {
	x, y, w, h := pr.box(c)
	st := c.Style
	add := func(b Border, seg segment) {
		switch b {
		case Thin:
			pr.thin = append(pr.thin, seg)
		case Medium:
			pr.medium = append(pr.medium, seg)
		case Fine:
			pr.fine = append(pr.fine, seg)
		}
	}
	add(st.Top, segment{x, y, x + w, y})
	add(st.Bottom, segment{x, y + h, x + w, y + h})
	add(st.Left, segment{x, y, x, y + h})
	add(st.Right, segment{x + w, y, x + w, y + h})
	if st.Diagonal {
		pr.thin = append(pr.thin, segment{x, y, x + w, y + h})
	}
	if c.Text == "" && len(c.Rich) == 0 {
		return
	}
	if st.Rotate == 90 {
		pr.turned(c.Text, st, x, y, w, h)
		return
	}
	padX, padY := pr.s.pads()
	var lines []string
	var rich [][]Span
	if len(c.Rich) > 0 {
		rich = pr.sf.wrapRich(c.Rich, st, w-2*padX)
	} else {
		lines = pr.sf.wrap(c.Text, st, w-2*padX)
	}
	lh := pr.s.lineHeight(st.Size)
	block := float64(len(lines)+len(rich)) * lh
	top := y + padY
	clip := block > h-2*padY+1e-6
	switch {
	case clip: // too tall: from the top, cut at the bottom
	case st.V == "center":
		top = y + (h-block)/2
	case st.V == "bottom":
		top = y + h - padY - block
	}
	if clip {
		pr.p.ClipRect(pr.x0+x*pr.k, pr.y0+y*pr.k, w*pr.k, h*pr.k, false)
	}
	left := func(lw float64) float64 {
		switch st.H {
		case "center":
			return x + (w-lw)/2
		case "right":
			return x + w - padX - lw
		}
		return x + padX
	}
	for i, l := range lines {
		runs, lw := pr.sf.runs(l, st.Bold, st.Italic)
		pr.text(runs, st, left(lw*st.Size), top+float64(i)*lh+ascent(st.Size), false)
	}
	for i, l := range rich {
		lx := left(pr.sf.spansWidth(l, st))
		for _, sp := range l {
			sst := st
			sst.Bold = sp.Bold
			runs, lw := pr.sf.runs(sp.Text, sst.Bold, sst.Italic)
			pr.text(runs, sst, lx, top+float64(i)*lh+ascent(st.Size), false)
			lx += lw * st.Size
		}
	}
	if clip {
		pr.p.ClipEnd()
	}
}

// turned draws a text turned 90° (reading upwards): its lines, wrapped to
// the cell's height, side by side from the left, the block centred across
// the cell, each line centred along it.
func (pr *printer) turned(text string, st Style, x, y, w, h float64) {
	lines := pr.sf.wrap(text, st, h-2*cellPad)
	lh := cellLineHeight(st.Size)
	left := x + (w-float64(len(lines))*lh)/2
	for i, l := range lines {
		runs, lw := pr.sf.runs(l, st.Bold, st.Italic)
		lw *= st.Size
		bottom := y + h - cellPad
		if st.H == "center" {
			bottom = y + (h+lw)/2
		}
		// The baseline runs upwards at ascent from the line's left side.
		pr.text(runs, st, left+float64(i)*lh+ascent(st.Size), bottom, true)
	}
}

// text draws a line's runs from (x, y) on its baseline, in sheet points;
// turned, the line runs upwards from there.
func (pr *printer) text(runs []run, st Style, x, y float64, turned bool) {
	px, py := pr.x0+x*pr.k, pr.y0+y*pr.k
	before := pr.font
	if turned {
		pr.p.TransformBegin()
		pr.p.TransformRotate(90, px, py)
	}
	for _, r := range runs {
		pr.setFont(fontKey{dejavu: r.dejavu, bold: st.Bold, italic: st.Italic && !r.dejavu, size: st.Size * pr.k})
		pr.p.Fpdf.Text(px, py, r.text) // made drawable by wrap (sheetDrawable)
		px += r.width * st.Size * pr.k
	}
	if turned {
		// The end of the transformation restores the font the PDF had
		// before it (a font is part of the graphics state): say it again
		// so that the PDF and fpdf agree on it.
		pr.p.TransformEnd()
		if pr.font != before && before.size > 0 {
			pr.setFont(before)
		}
	}
}

// setFont selects a face and size (fpdf writes nothing when it is the
// current one).
func (pr *printer) setFont(key fontKey) {
	if key == pr.font {
		return
	}
	// A face is given to fpdf when first used: fpdf parses each face it
	// is given once per process and keeps it, and no model uses them all
	// (none has regular italic).
	family, i := sheetFontName, face(key.bold, key.italic)
	if key.dejavu {
		family, i = fontName, face(key.bold, false)
	}
	if slot := i + 4*boolInt(key.dejavu); !pr.added[slot] {
		b := pr.sf.lib[i]
		if key.dejavu {
			b = pr.dejavu[i]
		}
		pr.p.AddUTF8FontFromBytes(family, faceStyles[i], b)
		pr.added[slot] = true
	}
	pr.p.SetFont(family, faceStyles[i], key.size)
	pr.font = key
}

// rules draws the page's rules, the medium ones over the thin ones. The
// sides two cells share, and the pieces of one rule along a row or a
// column, are drawn as one line: a 2011 sheet has some 8,000 sides, and
// a few hundred lines.
func (pr *printer) rules() {
	pr.p.SetDrawColor(0, 0, 0)
	for _, set := range []struct {
		segs  []segment
		width float64
	}{{pr.fine, fineRule}, {pr.thin, thinRule}, {pr.medium, mediumRule}} {
		if len(set.segs) == 0 {
			continue
		}
		pr.p.SetLineWidth(set.width * pr.k)
		for _, sg := range joinSegments(set.segs) {
			pr.p.Line(pr.x0+sg.x1*pr.k, pr.y0+sg.y1*pr.k, pr.x0+sg.x2*pr.k, pr.y0+sg.y2*pr.k)
		}
	}
}

// joinSegments merges the horizontal segments on one line, and the
// vertical ones, that touch or overlap; other segments (the diagonal) are
// kept as they are.
func joinSegments(segs []segment) []segment {
	const eps = 1e-6
	type line struct {
		vertical       bool
		at, from, upTo float64
	}
	var out []segment
	var lines []line
	for _, s := range segs {
		switch {
		case math.Abs(s.y1-s.y2) < eps:
			lines = append(lines, line{false, s.y1, min(s.x1, s.x2), max(s.x1, s.x2)})
		case math.Abs(s.x1-s.x2) < eps:
			lines = append(lines, line{true, s.x1, min(s.y1, s.y2), max(s.y1, s.y2)})
		default:
			out = append(out, s)
		}
	}
	slices.SortFunc(lines, func(a, b line) int {
		if a.vertical != b.vertical {
			if a.vertical {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.from, b.from))
	})
	for i := 0; i < len(lines); {
		cur := lines[i]
		j := i + 1
		for ; j < len(lines) && lines[j].vertical == cur.vertical && math.Abs(lines[j].at-cur.at) < eps && lines[j].from <= cur.upTo+eps; j++ {
			cur.upTo = max(cur.upTo, lines[j].upTo)
		}
		if cur.vertical {
			out = append(out, segment{cur.at, cur.from, cur.at, cur.upTo})
		} else {
			out = append(out, segment{cur.from, cur.at, cur.upTo, cur.at})
		}
		i = j
	}
	return out
}
