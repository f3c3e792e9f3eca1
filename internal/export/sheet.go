package export

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// sheet is an A4 portrait document of a student's (carnet de bord,
// attestation, synthèse): 15 mm margins, a footer with the student's name
// and the page number, and page breaks decided here rather than by fpdf,
// so that a new page can repeat a table's header and a heading is never
// left alone at the bottom of a page.
type sheet struct {
	p      pen
	x0     float64 // left margin
	width  float64 // between the margins
	bottom float64 // lowest y text may reach
	top    float64 // where this page's content starts, under what it repeats
	onPage func()  // draws what every new page repeats (a table's header), or nil
}

const (
	sheetMargin = 15.0
	footerRoom  = 6.0 // between the text and the bottom margin: the footer
	blank       = "……………………………"
)

// newSheet starts the document with its metadata; author is the student.
func newSheet(title, author string, at time.Time) (*sheet, error) {
	p, err := newPen("P", "A4")
	if err != nil {
		return nil, err
	}
	p.SetMargins(sheetMargin, sheetMargin, sheetMargin)
	p.SetAutoPageBreak(false, 0)
	p.SetTitle(title, true)
	p.SetAuthor(author, true)
	p.SetCreator("Portfolio SIO", true)
	if !at.IsZero() {
		p.SetCreationDate(at.UTC())
		p.SetModificationDate(at.UTC())
	}
	p.AliasNbPages("{nb}")
	pw, ph := p.GetPageSize()
	s := &sheet{p: p, x0: sheetMargin, width: pw - 2*sheetMargin, bottom: ph - sheetMargin - footerRoom}
	p.SetFooterFunc(func() {
		p.SetXY(s.x0, ph-sheetMargin)
		p.SetFont(fontName, "", 7.5)
		p.SetTextColor(90, 90, 90)
		p.CellFormat(s.width/2, 4, author, "", 0, "L", false, 0, "")
		p.CellFormat(s.width/2, 4, "Page "+strconv.Itoa(p.PageNo())+" / {nb}", "", 0, "R", false, 0, "")
		p.SetTextColor(0, 0, 0)
	})
	p.AddPage()
	s.top = p.GetY()
	return s, nil
}

func (s *sheet) font(style string, size float64) { s.p.SetFont(fontName, style, size) }

// lineHeight is the line height of a font size in points, in millimetres.
func lineHeight(size float64) float64 { return size * 0.45 }

// room is the height left on the page.
func (s *sheet) room() float64 { return s.bottom - s.p.GetY() }

// newPage starts a page and draws what every page repeats.
func (s *sheet) newPage() {
	r, g, b := s.p.GetTextColor()
	s.p.AddPage()
	if s.onPage != nil {
		s.onPage()
	}
	s.top = s.p.GetY()
	s.p.SetTextColor(r, g, b)
}

// ensure starts a new page if h mm do not fit on this one (and this one
// has something on it: what fits on no page starts where it is).
func (s *sheet) ensure(h float64) {
	if s.p.GetY()+h > s.bottom && s.p.GetY() > s.top+0.01 {
		s.newPage()
	}
}

// text writes wrapped text from x0+indent to the right margin, breaking
// the page between lines. An oblique text leans as italics would (the
// embedded fonts have no italic face).
func (s *sheet) text(style string, size, indent float64, text string, oblique bool) {
	s.font(style, size)
	lh := lineHeight(size)
	w := s.width - indent
	for _, line := range s.p.SplitText(text, w) {
		s.ensure(lh)
		s.line(s.x0+indent, w, lh, line, "L", oblique, "")
	}
}

// line draws one line of text and moves under it.
func (s *sheet) line(x, w, h float64, text, align string, oblique bool, link string) {
	p := s.p
	y := p.GetY()
	p.SetXY(x, y)
	if oblique {
		p.TransformBegin()
		p.TransformSkewX(12, x, y+h)
	}
	p.CellFormat(w, h, text, "", 0, align, false, 0, link)
	if oblique {
		p.TransformEnd()
	}
	p.SetXY(s.x0, y+h)
}

// bullets writes each item as a bulleted, wrapped paragraph.
func (s *sheet) bullets(size, indent float64, items []string) {
	s.font("", size)
	lh := lineHeight(size)
	bw := s.p.GetStringWidth("• ") + 1
	for _, it := range items {
		lines := s.p.SplitText(it, s.width-indent-bw)
		for i, line := range lines {
			s.ensure(lh)
			if i == 0 {
				s.p.SetXY(s.x0+indent, s.p.GetY())
				s.p.CellFormat(bw, lh, "•", "", 0, "L", false, 0, "")
			}
			s.line(s.x0+indent+bw, s.width-indent-bw, lh, line, "L", false, "")
		}
	}
}

// field writes « label  value » with the label in bold in a column of its
// own and the value wrapped beside it.
func (s *sheet) field(label, value string, labelW, size float64) {
	lh := lineHeight(size)
	s.font("", size)
	lines := s.p.SplitText(value, s.width-labelW)
	if len(lines) == 0 {
		lines = []string{""}
	}
	for i, line := range lines {
		s.ensure(lh)
		if i == 0 {
			s.font("B", size)
			s.p.SetXY(s.x0, s.p.GetY())
			s.p.CellFormat(labelW, lh, label, "", 0, "L", false, 0, "")
			s.font("", size)
		}
		s.line(s.x0+labelW, s.width-labelW, lh, line, "L", false, "")
	}
}

// heading writes a bold title on a tinted band; it keeps with the next
// keep mm (its first lines of content) on the same page.
func (s *sheet) heading(text string, size, keep float64) {
	s.font("B", size)
	lh := lineHeight(size) + 1.5
	lines := s.p.SplitText(text, s.width)
	s.ensure(float64(min(len(lines), 3))*lh + keep) // a heading longer than that may break
	s.p.SetFillColor(230, 235, 242)
	for _, line := range lines {
		s.ensure(lh)
		s.p.SetX(s.x0)
		s.p.CellFormat(s.width, lh, line, "", 1, "L", true, 0, "")
	}
	s.p.SetX(s.x0)
}

// gap moves down h mm, or to the top of a new page.
func (s *sheet) gap(h float64) {
	if s.room() <= h {
		s.newPage()
		return
	}
	s.p.SetXY(s.x0, s.p.GetY()+h)
}

// signatureBoxes draws boxes side by side, each with its label in bold
// at the top, kept together on one page.
func (s *sheet) signatureBoxes(h float64, labels ...string) {
	const gutter = 6.0
	s.ensure(h)
	p := s.p
	w := (s.width - gutter*float64(len(labels)-1)) / float64(len(labels))
	y := p.GetY()
	s.font("B", 8.5)
	for i, l := range labels {
		x := s.x0 + float64(i)*(w+gutter)
		p.Rect(x, y, w, h, "D")
		p.SetXY(x+1, y+1)
		p.MultiCell(w-2, lineHeight(8.5), l, "", "L", false)
	}
	p.SetXY(s.x0, y+h)
}

// column is one column of a table: its header, width and alignment.
type column struct {
	header string
	width  float64
	align  string
}

// tableHeader draws a table's header row in bold on a tint.
func (s *sheet) tableHeader(cols []column, size float64) {
	s.font("B", size)
	lh := lineHeight(size)
	n := 1
	for _, c := range cols {
		n = max(n, len(s.p.SplitText(c.header, c.width)))
	}
	h := float64(n)*lh + 2
	y := s.p.GetY()
	s.p.SetFillColor(230, 235, 242)
	x := s.x0
	for _, c := range cols {
		s.p.Rect(x, y, c.width, h, "FD")
		for i, line := range s.p.SplitText(c.header, c.width) {
			s.p.SetXY(x, y+1+float64(i)*lh)
			s.p.CellFormat(c.width, lh, line, "", 0, c.align, false, 0, "")
		}
		x += c.width
	}
	s.p.SetXY(s.x0, y+h)
}

// tableRow draws one row, each cell's text wrapped in its column. A row
// that does not fit goes to the next page whole if it is short, and is
// split between lines otherwise; every page it lands on starts with the
// table header (onPage).
func (s *sheet) tableRow(cols []column, cells []string, style string, size float64) {
	s.font(style, size)
	lh := lineHeight(size)
	const pad = 2.0
	lines := make([][]string, len(cols))
	n := 1
	for i, c := range cols {
		lines[i] = s.p.SplitText(cells[i], c.width)
		n = max(n, len(lines[i]))
	}
	if h := float64(n)*lh + pad; h > s.room() && (h <= 60 || s.room() < 3*lh+pad) {
		s.newPage()
		s.font(style, size)
	}
	for from := 0; from < n; {
		if s.room() < lh+pad {
			s.newPage()
			s.font(style, size)
		}
		k := min(n-from, int((s.room()-pad)/lh))
		y := s.p.GetY()
		h := float64(k)*lh + pad
		x := s.x0
		for i, c := range cols {
			s.p.Rect(x, y, c.width, h, "D")
			for j := from; j < from+k && j < len(lines[i]); j++ {
				s.p.SetXY(x, y+pad/2+float64(j-from)*lh)
				s.p.CellFormat(c.width, lh, lines[i][j], "", 0, c.align, false, 0, "")
			}
			x += c.width
		}
		s.p.SetXY(s.x0, y+h)
		from += k
	}
}

// linkTarget is u as a PDF link's target when it is an absolute http(s)
// URL that a PDF annotation can hold as it is, else "" (no link: the URL
// is still printed).
func linkTarget(u string) string {
	parsed, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
		return ""
	}
	t := parsed.String()
	for i := 0; i < len(t); i++ {
		if t[i] < 0x21 || t[i] > 0x7e {
			return ""
		}
	}
	return t
}

// orBlank is s, or dots to fill in by hand when s is empty.
func orBlank(s string) string {
	if strings.TrimSpace(s) == "" {
		return blank
	}
	return s
}

// optionText names the student's option (parcours) in full.
func optionText(parcours string) string {
	switch parcours {
	case "SISR":
		return "SISR — Solutions d'infrastructure, systèmes et réseaux"
	case "SLAM":
		return "SLAM — Solutions logicielles et applications métiers"
	}
	return parcours
}

// siretText is a SIRET written as « 123 456 789 00012 ».
func siretText(s string) string {
	d := strings.ReplaceAll(s, " ", "")
	if len(d) != 14 {
		return s
	}
	return d[:3] + " " + d[3:6] + " " + d[6:9] + " " + d[9:]
}

// hoursText is 35 as « 35 » and 7.5 as « 7,5 ».
func hoursText(h float64) string {
	return strings.ReplaceAll(strconv.FormatFloat(math.Round(h*100)/100, 'f', -1, 64), ".", ",")
}

// truncate cuts s to at most n characters, an ellipsis marking the cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimRightFunc(string(r[:n]), func(c rune) bool { return c == ' ' || c == '\n' }) + " …"
}
