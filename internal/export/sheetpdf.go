package export

import (
	"strconv"
	"strings"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// sheetPDF draws a Grid whose model is a landscape spreadsheet with its
// headers turned 90° (sio-2011, testdata/model/sio-2011-TABLEAU.md): the
// title with the session, the identification line, the row of group
// headers (« Situations obligatoires » over the types, « Compétences mises
// en œuvre » over the période and the activities), the row of turned
// headers, the bands with their réalisations (an X per type and activity)
// and the model's blank rows, then the attestation sentence and its blank
// rows. It prints landscape on one page as the model does (A3 by default,
// A4 smaller); réalisations that fill more than a page continue on the
// next under the repeated headers. There is no totals row, process row or
// signature box: the model has none.
func sheetPDF(p pen, g portfolio.Grid) error {
	pw, ph := p.GetPageSize()
	s := pw / 420 // the A3 layout, smaller on A4
	margin := 5.0 // 0.5 cm, as the model
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(false, 0)
	usable := pw - 2*margin
	// Column proportions: situation, each type, période, each activity.
	units := 64 + 11*float64(len(g.Types)) + 12 + 6.4*float64(len(g.Columns))
	u := usable / units
	d := &sheetDoc{p: p, g: g, s: s, x0: margin, width: usable, bottom: ph - margin - 4*s,
		titleW: 64 * u, typeW: 11 * u, periodW: 12 * u, colW: 6.4 * u}
	// Fonts never go below what an A4 print reads.
	d.body = max(7*s, 5.5)
	d.head = max(6*s, 4.6)
	p.SetFooterFunc(func() {
		if !d.more {
			return
		}
		p.SetY(ph - margin - 3*s)
		p.SetFont(fontName, "", max(6.5*s, 5))
		p.SetTextColor(90, 90, 90)
		p.CellFormat(usable, 3*s, "Page "+strconv.Itoa(p.PageNo())+" / {nb}", "", 0, "R", false, 0, "")
		p.SetTextColor(0, 0, 0)
	})
	p.AddPage()
	d.header()
	d.sizeHeaders()
	d.headers()
	d.fit()
	d.sizeFillers()
	for i, b := range g.Bands {
		d.drawBand(i, b)
	}
	d.attestation()
	return p.Error()
}

// rules draws the model's thicker rules over a part of the table from
// y, h high: around the types and the période, and between domains.
func (d *sheetDoc) rules(y, h float64) {
	p, s := d.p, d.s
	x := d.x0 + d.titleW
	xs := []float64{d.x0, x}
	x += float64(len(d.g.Types)) * d.typeW
	xs = append(xs, x)
	x += d.periodW
	for i, c := range d.g.Columns {
		if i == 0 || c.Group != d.g.Columns[i-1].Group {
			xs = append(xs, x)
		}
		x += d.colW
	}
	xs = append(xs, x)
	p.SetLineWidth(0.6 * s)
	for _, x := range xs {
		p.Line(x, y, x, y+h)
	}
	p.SetLineWidth(0.2 * s)
}

type sheetDoc struct {
	p                            pen
	g                            portfolio.Grid
	s                            float64
	x0, width, bottom            float64
	titleW, typeW, periodW, colW float64
	body, head                   float64 // font sizes, pt: rows, turned headers
	headH                        float64 // height of the turned headers' row
	fillerH                      float64
	blanks                       []int
	band                         string
	more                         bool
}

func (d *sheetDoc) font(style string, size float64) { d.p.SetFont(fontName, style, size) }

// lineH is the height of a line of text of size pt.
func lineH(size float64) float64 { return size * 0.3528 * 1.18 }

// header draws the title line and the identification line.
func (d *sheetDoc) header() {
	p, g, s := d.p, d.g, d.s
	p.SetLineWidth(0.2 * s)
	d.font("B", max(16*s, 12))
	p.CellFormat(d.width, 10*s, g.Title, "", 1, "C", false, 0, "")
	d.font("B", max(10*s, 8))
	h := 7 * s
	if g.FieldsLine {
		// As the model, on one line: each field but the first as wide as
		// its text (and a gap), the first (the name) all the rest; only a
		// name longer than that is cut.
		gap := 12 * s
		widths := make([]float64, len(g.Fields))
		rest := d.width
		for i := len(g.Fields) - 1; i > 0; i-- {
			widths[i] = min(p.GetStringWidth(Drawable(g.Fields[i].Line()))+gap, d.width/3)
			rest -= widths[i]
		}
		if len(widths) > 0 {
			widths[0] = rest
		}
		for i, f := range g.Fields {
			p.CellFormat(widths[i], h, fitText(p, f.Line(), widths[i]-2), "", 0, "L", false, 0, "")
		}
		p.Ln(h)
	} else {
		for _, f := range g.Fields {
			p.CellFormat(d.width, h, f.Line(), "", 1, "L", false, 0, "")
		}
	}
	p.Ln(1 * s)
}

// fitText cuts a text that does not fit in w mm with « … ».
func fitText(p pen, text string, w float64) string {
	if p.GetStringWidth(Drawable(text)) <= w {
		return text
	}
	r := []rune(text)
	for len(r) > 0 && p.GetStringWidth(Drawable(string(r)+"…")) > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// turned is a header's text split into the lines it takes when turned
// 90° in a column w wide and h high, at the head size.
func (d *sheetDoc) turned(text string, h float64) []string {
	d.font("", d.head)
	return d.p.SplitText(text, h-2*d.s)
}

// sizeHeaders chooses the height of the turned headers' row: the lowest
// at which every header fits in its column (as many lines as the column's
// width holds), within a third of the page.
func (d *sheetDoc) sizeHeaders() {
	_, ph := d.p.GetPageSize()
	texts := func() (out []struct {
		text string
		w    float64
	}) {
		for _, t := range d.g.Types {
			out = append(out, struct {
				text string
				w    float64
			}{t, d.typeW})
		}
		out = append(out, struct {
			text string
			w    float64
		}{d.g.PeriodLabel, d.periodW})
		for _, c := range d.g.Columns {
			out = append(out, struct {
				text string
				w    float64
			}{c.Label, d.colW})
		}
		return out
	}()
	for h := 30 * d.s; ; h += 2 * d.s {
		fits := true
		for _, t := range texts {
			if float64(len(d.turned(t.text, h)))*lineH(d.head) > t.w-0.6*d.s {
				fits = false
				break
			}
		}
		if fits || h >= ph/3 {
			d.headH = h
			return
		}
	}
}

// headers draws the group row and the turned headers; a continuation
// page repeats them.
func (d *sheetDoc) headers() {
	p, g, s := d.p, d.g, d.s
	y := p.GetY()
	typesW := float64(len(g.Types)) * d.typeW
	restW := d.periodW + float64(len(g.Columns))*d.colW
	gs := max(9*s, 7)
	d.font("B", gs)
	typesLines := p.SplitText(g.TypesLabel, typesW-2*s)
	groupH := float64(max(1, len(typesLines)))*lineH(gs) + 2*s
	p.SetFillColor(238, 241, 245)
	p.Rect(d.x0, y, d.titleW, groupH+d.headH, "D")
	x := d.x0 + d.titleW
	if len(g.Types) > 0 {
		p.Rect(x, y, typesW, groupH, "FD")
		p.SetXY(x+1*s, y+1*s)
		p.MultiCell(typesW-2*s, lineH(gs), strings.Join(typesLines, "\n"), "", "C", false)
	}
	p.SetXY(x+typesW, y)
	p.CellFormat(restW, groupH, g.ColumnsLabel, "1", 0, "C", true, 0, "")
	// The situation column's header, centred in its tall cell.
	label := g.SituationLabel
	if label == "" {
		label = strings.ReplaceAll(g.CornerBelow, "\n", " ")
	}
	d.font("B", max(9*s, 7))
	lines := p.SplitText(label, d.titleW-4*s)
	lh := lineH(max(9*s, 7))
	p.SetXY(d.x0+2*s, y+(groupH+d.headH-float64(len(lines))*lh)/2)
	p.MultiCell(d.titleW-4*s, lh, strings.Join(lines, "\n"), "", "C", false)
	y += groupH
	draw := func(text string, w float64, bold bool) {
		p.Rect(x, y, w, d.headH, "D")
		style := ""
		if bold {
			style = "B"
		}
		lines := d.turned(text, d.headH)
		d.font(style, d.head)
		lh := lineH(d.head)
		left := x + (w-float64(len(lines))*lh)/2
		for i, l := range lines {
			bx, by := left+float64(i+1)*lh-0.25*lh, y+d.headH-1*s
			p.TransformBegin()
			p.TransformRotate(90, bx, by)
			p.Text(bx, by, Drawable(l))
			p.TransformEnd()
		}
		x += w
	}
	for _, t := range g.Types {
		draw(t, d.typeW, false)
	}
	draw(g.PeriodLabel, d.periodW, false)
	for _, c := range g.Columns {
		draw(c.Label, d.colW, false)
	}
	d.rules(y, d.headH)
	p.SetXY(d.x0, y+d.headH)
}

// rowLines are the wrapped title (bold) and productions of a row; a row
// never takes more than a third of a page.
func (d *sheetDoc) rowLines(r portfolio.GridRow) (title, prods []string) {
	d.font("B", d.body)
	text := r.Title
	if r.Pending {
		text += " " + portfolio.PendingMark
	}
	title = d.p.SplitText(text, d.titleW-2*d.s)
	d.font("", d.body*0.9)
	for _, pr := range r.Productions {
		prods = append(prods, d.p.SplitText("• "+pr.Title+" : "+pr.URL, d.titleW-3*d.s)...)
	}
	_, ph := d.p.GetPageSize()
	limit := max(3, int(ph/3/lineH(d.body)))
	if len(title) > limit {
		title, prods = append(title[:limit-1], "…"), nil
	} else if len(title)+len(prods) > limit {
		prods = append(prods[:limit-len(title)-1], "… (voir le portfolio)")
	}
	return title, prods
}

// rowHeight is the height of a réalisation's row: its lines (two at
// least), or those of its période in its narrow column.
func (d *sheetDoc) rowHeight(r portfolio.GridRow) float64 {
	title, prods := d.rowLines(r)
	return max(float64(max(2, len(title)+len(prods)))*lineH(d.body)+1*d.s, float64(len(d.periodLines(r.Period)))*lineH(d.body*0.85)+1*d.s)
}

// fit does what the model's « fit to one page » does in a spreadsheet:
// when the réalisations do not fit on the page, their text gets smaller,
// down to 5 pt on A3 (4.6 pt on A4); beyond that they continue on the
// next page.
func (d *sheetDoc) fit() {
	floor := max(5*d.s, 4.6)
	room := d.bottom - d.p.GetY()
	for d.body > floor {
		need := d.attestationH()
		for _, b := range d.g.Bands {
			need += d.bandH(b.Title)
			for _, r := range b.Rows {
				need += d.rowHeight(r)
			}
		}
		if need <= room {
			return
		}
		d.body = max(floor, d.body-0.25)
	}
}

// periodLines is the période as its column holds it: one line, or two
// (« 10/25 – » over « 12/25 »).
func (d *sheetDoc) periodLines(period string) []string {
	if period == "" {
		return nil
	}
	d.font("", d.body*0.85)
	w := d.periodW - 1*d.s
	if d.p.GetStringWidth(Drawable(period)) <= w {
		return []string{period}
	}
	if i := strings.LastIndex(period, " "); i > 0 && d.p.GetStringWidth(Drawable(period[:i])) <= w {
		return []string{period[:i], period[i+1:]}
	}
	return d.p.SplitText(period, w)
}

// bandLines are a band title's lines across the whole width.
func (d *sheetDoc) bandLines(title string) []string {
	d.font("B", d.body)
	return d.p.SplitText(title, d.width-3*d.s)
}

func (d *sheetDoc) bandH(title string) float64 {
	return float64(len(d.bandLines(title)))*lineH(d.body) + 2*d.s
}

// attestationH is the height of the attestation and its blank rows.
func (d *sheetDoc) attestationH() float64 {
	if d.g.Attestation == "" {
		return 0
	}
	d.font("", d.body)
	n := len(d.p.SplitText(d.g.Attestation, d.width-3*d.s))
	return float64(n)*lineH(d.body) + 3*d.s + float64(d.g.AttestationRows)*5*d.s
}

// sizeFillers sets the height of the model's blank rows so that the
// sheet, attestation included, fills its page (3 to 10 mm on A3); when
// even the lowest do not fit, blank rows are left out, from the bands that
// have the most.
func (d *sheetDoc) sizeFillers() {
	need, fillers := d.attestationH(), 0
	d.blanks = make([]int, len(d.g.Bands))
	for i, b := range d.g.Bands {
		need += d.bandH(b.Title)
		for _, r := range b.Rows {
			need += d.rowHeight(r)
		}
		d.blanks[i] = max(0, b.Blank-len(b.Rows))
		fillers += d.blanks[i]
	}
	d.fillerH = 6 * d.s
	if fillers == 0 {
		return
	}
	room := d.bottom - d.p.GetY() - need
	d.fillerH = min(10*d.s, max(3*d.s, room/float64(fillers)))
	dropBlanks(d.blanks, fillers-max(0, int(room/d.fillerH)))
}

// ensure starts a new page under the repeated headers if h mm do not fit.
func (d *sheetDoc) ensure(h float64) {
	if d.p.GetY()+h <= d.bottom+0.01 {
		return
	}
	d.more = true
	d.p.AddPage()
	d.headers()
	if d.band != "" {
		d.bandBar(d.band + " (suite)")
	}
}

func (d *sheetDoc) bandBar(title string) {
	p, s := d.p, d.s
	lines := d.bandLines(title)
	h := d.bandH(title)
	y := p.GetY()
	p.SetFillColor(238, 241, 245)
	p.Rect(d.x0, y, d.width, h, "FD")
	d.font("B", d.body)
	p.SetXY(d.x0+1.5*s, y+1*s)
	p.MultiCell(d.width-3*s, lineH(d.body), strings.Join(lines, "\n"), "", "L", false)
	p.SetXY(d.x0, y+h)
}

func (d *sheetDoc) drawBand(band int, b portfolio.GridBand) {
	p, s := d.p, d.s
	d.band = ""
	first := d.fillerH
	if len(b.Rows) > 0 {
		first = d.rowHeight(b.Rows[0])
	}
	d.ensure(d.bandH(b.Title) + first)
	d.bandBar(b.Title)
	d.band = b.Title
	for i := range len(b.Rows) + d.blanks[band] {
		var row portfolio.GridRow
		var title, prods []string
		h := d.fillerH
		if i < len(b.Rows) {
			row = b.Rows[i]
			title, prods = d.rowLines(row)
			h = d.rowHeight(row)
		}
		d.ensure(h)
		y := p.GetY()
		p.Rect(d.x0, y, d.titleW, h, "D")
		ty := y + 0.5*s
		for j, l := range append(title, prods...) {
			size, style := d.body, "B"
			if j >= len(title) {
				size, style = d.body*0.9, ""
			}
			d.font(style, size)
			p.SetXY(d.x0+1*s, ty)
			p.CellFormat(d.titleW-2*s, lineH(d.body), l, "", 0, "L", false, 0, "")
			ty += lineH(d.body)
		}
		x := d.x0 + d.titleW
		d.font("B", d.body)
		for t := range d.g.Types {
			mark := ""
			if t < len(row.Types) && row.Types[t] {
				mark = "X"
			}
			p.SetXY(x, y)
			p.CellFormat(d.typeW, h, mark, "1", 0, "C", false, 0, "")
			x += d.typeW
		}
		p.Rect(x, y, d.periodW, h, "D")
		if row.Period != "" {
			lines := d.periodLines(row.Period)
			lh := lineH(d.body * 0.85)
			p.SetXY(x+0.5*s, y+(h-float64(len(lines))*lh)/2)
			p.MultiCell(d.periodW-1*s, lh, strings.Join(lines, "\n"), "", "C", false)
		}
		x += d.periodW
		d.font("B", d.body)
		for c := range d.g.Columns {
			mark := ""
			if c < len(row.Marks) && row.Marks[c] {
				mark = "X"
			}
			p.SetXY(x, y)
			p.CellFormat(d.colW, h, mark, "1", 0, "C", false, 0, "")
			x += d.colW
		}
		d.rules(y, h)
		p.SetXY(d.x0, y+h)
	}
	d.band = ""
}

// attestation draws the model's attestation row and the blank rows under
// it (where the teacher signs).
func (d *sheetDoc) attestation() {
	if d.g.Attestation == "" {
		return
	}
	p, s := d.p, d.s
	d.ensure(d.attestationH())
	d.font("", d.body)
	lines := p.SplitText(d.g.Attestation, d.width-3*s)
	h := float64(len(lines))*lineH(d.body) + 3*s
	y := p.GetY()
	p.Rect(d.x0, y, d.width, h, "D")
	p.SetXY(d.x0+1.5*s, y+1.5*s)
	p.MultiCell(d.width-3*s, lineH(d.body), strings.Join(lines, "\n"), "", "L", false)
	y += h
	for range d.g.AttestationRows {
		p.Rect(d.x0, y, d.width, 5*s, "D")
		y += 5 * s
	}
	p.SetXY(d.x0, y)
}
