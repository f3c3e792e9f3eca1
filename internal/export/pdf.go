package export

import (
	"embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// The PDF font is DejaVu Sans Condensed (regular and bold), subset to the
// scripts and symbols users type (see fonts/README.md), embedded in the
// binary and read once per process.
//
//go:embed fonts/DejaVuSansCondensed.ttf fonts/DejaVuSansCondensed-Bold.ttf
var fontFiles embed.FS

var fontBytes = sync.OnceValues(func() ([2][]byte, error) {
	var b [2][]byte
	var err error
	if b[0], err = fontFiles.ReadFile("fonts/DejaVuSansCondensed.ttf"); err != nil {
		return b, err
	}
	b[1], err = fontFiles.ReadFile("fonts/DejaVuSansCondensed-Bold.ttf")
	return b, err
})

// Paper is the sheet the tableau is printed on, always in landscape.
type Paper string

// Papers: A3 is the official sheet; A4 fits an ordinary printer.
const (
	A3 Paper = "A3"
	A4 Paper = "A4"
)

// ParsePaper accepts "A3" and "A4" in any case; empty means A3.
func ParsePaper(s string) (Paper, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "A3":
		return A3, nil
	case "A4":
		return A4, nil
	}
	return "", fmt.Errorf("papier inconnu : %q (A3 ou A4)", s)
}

// layout holds the measures of one paper size, in millimetres and points.
type layout struct {
	pageW, pageH, margin float64
	font                 float64 // body size, pt
	typeW, periodW       float64
	headGroupH, headRotH float64
	minTitleW, maxActW   float64
}

func layoutFor(p Paper) layout {
	if p == A4 {
		return layout{pageW: 297, pageH: 210, margin: 8, font: 6, typeW: 5, periodW: 15,
			headGroupH: 4.5, headRotH: 27, minTitleW: 48, maxActW: 5}
	}
	return layout{pageW: 420, pageH: 297, margin: 10, font: 8, typeW: 7, periodW: 20,
		headGroupH: 6, headRotH: 36, minTitleW: 70, maxActW: 7}
}

const fontName = "dejavu"

// pdfDoc draws one tableau.
type pdfDoc struct {
	f             pen
	t             portfolio.Tableau
	l             layout
	titleW, actW  float64
	x0, tableW    float64
	bottom        float64 // lowest y rows may reach
	lineH, smallH float64
	band          string // title of the band being drawn, repeated after a page break
}

// PDF draws the tableau de synthèse as a landscape PDF on the given paper:
// header, grid with rotated column headers grouped by process, bands, X
// marks, totals and gaps, legend and attestation. Rows that overflow a page
// continue on the next one under repeated column headers.
//
// Every text goes through Drawable (see pen). A panic inside the PDF
// library is returned as an error: one document can fail, never the
// process.
func PDF(w io.Writer, t portfolio.Tableau, paper Paper) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("PDF library: %v", p)
		}
	}()
	l := layoutFor(paper)
	f, err := newPen("L", string(paper))
	if err != nil {
		return err
	}
	f.SetMargins(l.margin, l.margin, l.margin)
	f.SetAutoPageBreak(false, 0)
	f.SetTitle(t.Title+" — "+t.Header.Name, true)
	f.SetAuthor(t.Header.Name, true)
	f.SetCreator("Portfolio SIO", true)
	f.SetSubject("Tableau de synthèse", true)
	// fpdf writes the digits without a zone: in UTC, as readers assume.
	f.SetCreationDate(t.GeneratedAt.UTC())
	f.SetModificationDate(t.GeneratedAt.UTC())
	f.AliasNbPages("{nb}")

	d := &pdfDoc{f: f, t: t, l: l}
	usable := l.pageW - 2*l.margin
	fixed := float64(len(t.Types))*l.typeW + l.periodW
	n := float64(len(t.Columns))
	d.actW = l.maxActW
	if n > 0 && fixed+n*d.actW+l.minTitleW > usable {
		d.actW = (usable - fixed - l.minTitleW) / n
	}
	d.titleW = usable - fixed - n*d.actW
	d.x0, d.tableW = l.margin, usable
	d.lineH = l.font * 0.42
	d.smallH = l.font * 0.36
	d.bottom = l.pageH - l.margin - 5

	f.SetFooterFunc(func() {
		f.SetY(l.pageH - l.margin - 3)
		d.font("", l.font*0.8)
		f.SetTextColor(90, 90, 90)
		f.CellFormat(usable/2, 4, "Portfolio SIO — "+t.Header.Name, "", 0, "L", false, 0, "")
		f.CellFormat(usable/2, 4, "Page "+strconv.Itoa(f.PageNo())+" / {nb}", "", 0, "R", false, 0, "")
		f.SetTextColor(0, 0, 0)
	})

	f.AddPage()
	d.title()
	d.columnHeaders()
	for _, b := range t.Bands {
		d.drawBand(b)
	}
	d.totals()
	d.footerBlocks()
	if err := f.Error(); err != nil {
		return err
	}
	return f.Output(w)
}

func (d *pdfDoc) font(style string, size float64) { d.f.SetFont(fontName, style, size) }

// title draws the title and the identification fields.
func (d *pdfDoc) title() {
	f, l := d.f, d.l
	d.font("B", l.font*1.75)
	f.CellFormat(d.tableW, l.font*0.8, d.t.Title, "", 1, "L", false, 0, "")
	f.Ln(1)
	if d.t.Note != "" {
		d.font("B", l.font)
		f.SetTextColor(150, 40, 20)
		f.MultiCell(d.tableW, l.font*0.5, d.t.Note, "", "L", false)
		f.SetTextColor(0, 0, 0)
		f.Ln(1)
	}
	h := d.t.Header
	fields := [][2]string{
		{"Session", orDash(h.Session)}, {"Nom et prénom", orDash(h.Name)}, {"Numéro de candidat", orDash(h.Candidate)},
		{"Parcours", h.Parcours}, {"Centre de formation", orDash(h.Centre)},
	}
	if h.URL != "" {
		fields = append(fields, [2]string{"URL du portfolio", h.URL})
	}
	x := l.margin
	y := f.GetY()
	rowH := l.font * 0.55
	for _, kv := range fields {
		d.font("B", l.font*1.1)
		lw := f.GetStringWidth(kv[0]+" : ") + 0.5
		d.font("", l.font*1.1)
		vw := f.GetStringWidth(kv[1]) + 6
		if x+lw+vw > l.pageW-l.margin && x > l.margin {
			x, y = l.margin, y+rowH
		}
		f.SetXY(x, y)
		d.font("B", l.font*1.1)
		f.CellFormat(lw, rowH, kv[0]+" : ", "", 0, "L", false, 0, "")
		d.font("", l.font*1.1)
		f.CellFormat(vw, rowH, kv[1], "", 0, "L", false, 0, "")
		x += lw + vw
	}
	f.SetXY(l.margin, y+rowH+2)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// columnHeaders draws the two header rows of the grid at the current y.
func (d *pdfDoc) columnHeaders() {
	f, l := d.f, d.l
	y := f.GetY()
	f.SetLineWidth(0.2)
	f.SetDrawColor(80, 80, 80)
	fullH := l.headGroupH + l.headRotH

	// Intitulé and Période span both rows.
	d.font("B", l.font)
	f.SetFillColor(255, 255, 255)
	f.Rect(d.x0, y, d.titleW, fullH, "D")
	f.SetXY(d.x0+1, y+fullH/2-d.lineH)
	f.MultiCell(d.titleW-2, d.lineH, "Intitulé de la réalisation professionnelle (et productions)", "", "C", false)

	x := d.x0 + d.titleW
	typesW := float64(len(d.t.Types)) * l.typeW
	f.SetFillColor(223, 231, 241)
	f.Rect(x, y, typesW, l.headGroupH, "FD")
	d.font("B", l.font*0.8)
	f.SetXY(x, y)
	f.CellFormat(typesW, l.headGroupH, "Type de situation", "", 0, "C", false, 0, "")
	for _, ty := range d.t.Types {
		d.rotated(x, y+l.headGroupH, l.typeW, l.headRotH, ty.Short, false)
		x += l.typeW
	}
	f.Rect(x, y, l.periodW, fullH, "D")
	d.font("B", l.font)
	f.SetXY(x, y+fullH/2-d.lineH)
	f.MultiCell(l.periodW, d.lineH, "Période\n(MM/AA)", "", "C", false)
	x += l.periodW

	i := 0
	for _, g := range d.t.Groups {
		gw := float64(g.Span) * d.actW
		f.SetFillColor(223, 231, 241)
		f.Rect(x, y, gw, l.headGroupH, "FD")
		d.font("B", l.font)
		f.SetXY(x, y)
		f.CellFormat(gw, l.headGroupH, g.Code, "", 0, "C", false, 0, "")
		for j := 0; j < g.Span; j++ {
			d.rotated(x, y+l.headGroupH, d.actW, l.headRotH, d.t.Columns[i].Code, d.t.IsGap(i))
			x += d.actW
			i++
		}
	}
	f.SetXY(d.x0, y+fullH)
}

// rotated draws a header cell whose text reads bottom to top; gap columns
// are tinted.
func (d *pdfDoc) rotated(x, y, w, h float64, s string, gap bool) {
	f := d.f
	if gap {
		f.SetFillColor(253, 226, 225)
		f.Rect(x, y, w, h, "FD")
		f.SetTextColor(164, 22, 26)
	} else {
		f.Rect(x, y, w, h, "D")
	}
	size := d.l.font * 0.85
	if w < 5 {
		size = d.l.font * 0.8
	}
	d.font("B", size)
	// Shrink the text if it is taller than the cell.
	for f.GetStringWidth(s) > h-2 && size > 4 {
		size -= 0.25
		d.font("B", size)
	}
	px := x + w/2 + size*0.352/2.8
	py := y + h - 1.2
	f.TransformBegin()
	f.TransformRotate(90, px, py)
	f.Text(px, py, s)
	f.TransformEnd()
	f.SetTextColor(0, 0, 0)
}

// ensure starts a new page, with the column headers, if h mm do not fit.
func (d *pdfDoc) ensure(h float64) {
	if d.f.GetY()+h <= d.bottom {
		return
	}
	// Gaps paragraph colour etc. are reset by the new page's header.
	r, g, b := d.f.GetTextColor()
	defer d.f.SetTextColor(r, g, b)
	d.f.AddPage()
	d.font("", d.l.font*0.9)
	d.f.SetTextColor(90, 90, 90)
	d.f.CellFormat(d.tableW, d.lineH+1, d.t.Title+" — "+d.t.Header.Name+" (suite)", "", 1, "L", false, 0, "")
	d.f.SetTextColor(0, 0, 0)
	d.columnHeaders()
	if d.band != "" {
		d.bandBar(d.band + " (suite)")
	}
}

func (d *pdfDoc) bandBar(title string) {
	d.f.SetFillColor(238, 241, 245)
	d.font("B", d.l.font)
	d.f.SetX(d.x0)
	d.f.CellFormat(d.tableW, d.lineH+2, title, "1", 1, "L", true, 0, "")
}

func (d *pdfDoc) drawBand(b portfolio.BandRows) {
	f, l := d.f, d.l
	bandH := d.lineH + 2
	// Keep the band title with its first row.
	first := bandH
	if len(b.Rows) > 0 {
		first += d.rowHeight(b.Rows[0])
	} else {
		first += bandH
	}
	d.band = ""
	d.ensure(first)
	d.bandBar(b.Title)
	d.band = b.Title
	if len(b.Rows) == 0 {
		d.font("", l.font*0.9)
		f.SetTextColor(90, 90, 90)
		f.SetX(d.x0)
		f.CellFormat(d.tableW, bandH, "Aucune réalisation.", "1", 1, "L", false, 0, "")
		f.SetTextColor(0, 0, 0)
		return
	}
	for _, r := range b.Rows {
		d.row(r)
	}
	d.band = ""
}

// rowLines are the wrapped lines of a row's title and productions, cut so
// that the row fits on one page under the column headers (the cut is said
// on the last line).
func (d *pdfDoc) rowLines(r portfolio.Row) (titleLines, prods []string) {
	d.font("", d.l.font)
	titleLines = d.f.SplitText(r.Title, d.titleW-2)
	if r.Pending {
		titleLines = append(titleLines, portfolio.PendingMark)
	}
	d.font("", d.l.font*0.8)
	for _, p := range r.Productions {
		prods = append(prods, d.f.SplitText("• "+p.Title+" : "+p.URL, d.titleW-3)...)
	}
	// Room for one row: the page less the title line, headers and band bar.
	room := d.bottom - d.l.margin - (d.lineH + 1) - d.l.headGroupH - d.l.headRotH - (d.lineH + 2) - 2
	fits := func() bool {
		return float64(len(titleLines))*d.lineH+float64(len(prods))*d.smallH+1.6 <= room
	}
	if !fits() && len(prods) > 0 {
		for len(prods) > 1 && !fits() {
			prods = prods[:len(prods)-1]
		}
		prods[len(prods)-1] = "… (liste des productions coupée : voir le portfolio)"
	}
	for len(titleLines) > 1 && !fits() {
		titleLines = titleLines[:len(titleLines)-1]
		titleLines[len(titleLines)-1] += " …"
	}
	return titleLines, prods
}

func (d *pdfDoc) rowHeight(r portfolio.Row) float64 {
	t, p := d.rowLines(r)
	h := float64(len(t))*d.lineH + float64(len(p))*d.smallH + 1.6
	return max(h, d.lineH+2)
}

func (d *pdfDoc) row(r portfolio.Row) {
	f, l := d.f, d.l
	h := d.rowHeight(r)
	d.ensure(h)
	titleLines, prods := d.rowLines(r)
	y := f.GetY()
	x := d.x0
	f.Rect(x, y, d.titleW, h, "D")
	ty := y + 0.8
	for i, line := range titleLines {
		d.font("", l.font)
		if r.Pending && i == len(titleLines)-1 {
			f.SetTextColor(138, 90, 0) // the pending mark, on its own line
		}
		f.SetXY(x+1, ty)
		f.CellFormat(d.titleW-2, d.lineH, line, "", 0, "L", false, 0, "")
		f.SetTextColor(0, 0, 0)
		ty += d.lineH
	}
	d.font("", l.font*0.8)
	f.SetTextColor(80, 80, 80)
	for _, line := range prods {
		f.SetXY(x+2, ty)
		f.CellFormat(d.titleW-3, d.smallH, line, "", 0, "L", false, 0, "")
		ty += d.smallH
	}
	f.SetTextColor(0, 0, 0)
	x += d.titleW
	d.font("B", l.font)
	for _, on := range r.Types {
		d.mark(x, y, l.typeW, h, on)
		x += l.typeW
	}
	d.font("", l.font*0.95)
	f.SetXY(x, y)
	f.CellFormat(l.periodW, h, r.Period, "1", 0, "C", false, 0, "")
	x += l.periodW
	d.font("B", l.font)
	for _, on := range r.Marks {
		d.mark(x, y, d.actW, h, on)
		x += d.actW
	}
	f.SetXY(d.x0, y+h)
}

func (d *pdfDoc) mark(x, y, w, h float64, on bool) {
	d.f.SetXY(x, y)
	s := ""
	if on {
		s = "X"
	}
	d.f.CellFormat(w, h, s, "1", 0, "C", false, 0, "")
}

func (d *pdfDoc) totals() {
	f, l := d.f, d.l
	h := d.lineH + 2.5
	d.ensure(h)
	y := f.GetY()
	f.SetFillColor(244, 246, 249)
	d.font("B", l.font)
	f.SetXY(d.x0, y)
	f.CellFormat(d.titleW, h, "Total", "1", 0, "R", true, 0, "")
	for _, n := range d.t.TypeTotals {
		f.CellFormat(l.typeW, h, strconv.Itoa(n), "1", 0, "C", true, 0, "")
	}
	f.CellFormat(l.periodW, h, "", "1", 0, "C", true, 0, "")
	for i, n := range d.t.Totals {
		if d.t.IsGap(i) {
			f.SetFillColor(253, 226, 225)
			f.SetTextColor(164, 22, 26)
			f.CellFormat(d.actW, h, "0", "1", 0, "C", true, 0, "")
			f.SetTextColor(0, 0, 0)
			f.SetFillColor(244, 246, 249)
			continue
		}
		f.CellFormat(d.actW, h, strconv.Itoa(n), "1", 0, "C", true, 0, "")
	}
	f.SetXY(d.x0, y+h+3)
}

// paragraph writes wrapped text across the page, on a new page if needed.
func (d *pdfDoc) paragraph(style string, size float64, text string) {
	d.font(style, size)
	lines := d.f.SplitText(text, d.tableW)
	lh := size * 0.45
	if d.f.GetY()+float64(len(lines))*lh > d.bottom {
		d.f.AddPage()
	}
	for _, line := range lines {
		d.f.SetX(d.x0)
		d.f.CellFormat(d.tableW, lh, line, "", 1, "L", false, 0, "")
	}
}

// footerBlocks draws the gaps, the legend, the date and the attestation.
func (d *pdfDoc) footerBlocks() {
	f, l := d.f, d.l
	t := d.t
	if len(t.Gaps) > 0 {
		codes := make([]string, len(t.Gaps))
		for i, g := range t.Gaps {
			codes[i] = g.Code
		}
		f.SetTextColor(164, 22, 26)
		d.paragraph("B", l.font, fmt.Sprintf("Activités à couvrir (%d) : %s", len(t.Gaps), strings.Join(codes, ", ")))
		f.SetTextColor(0, 0, 0)
	} else {
		d.paragraph("B", l.font, "Toutes les activités du parcours sont couvertes.")
	}
	f.Ln(1.5)
	legend := append([]string{}, t.Legend...)
	for _, ty := range t.Types {
		legend = append(legend, ty.Short+" : "+ty.Title)
	}
	d.paragraph("B", l.font*0.9, "Légende")
	for _, s := range legend {
		d.paragraph("", l.font*0.85, s)
	}
	d.paragraph("", l.font*0.85, "Tableau généré le "+t.GeneratedAt.Local().Format("02/01/2006 à 15:04")+".")
	f.Ln(2)
	signH := l.font * 3
	need := signH + 4*l.font*0.45 + 4
	if f.GetY()+need > d.bottom {
		f.AddPage()
	}
	d.paragraph("", l.font, strings.TrimSuffix(t.Attestation, ".")+".")
	if len(t.Validators) > 0 {
		d.paragraph("", l.font, "Réalisations validées par : "+joinNames(t.Validators)+".")
	}
	f.Ln(1)
	d.font("", l.font)
	y := f.GetY()
	f.SetXY(d.x0, y)
	f.CellFormat(40, l.font*0.45, "Date et signature :", "", 0, "L", false, 0, "")
	f.Rect(d.x0+40, y, 90, signH, "D")
	f.SetY(y + signH)
}

// joinNames lists names as "A, B et C".
func joinNames(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " et " + names[len(names)-1]
}
