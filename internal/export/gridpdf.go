package export

import (
	"cmp"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// GridPDF draws the official tableau drawn as a Grid as its spreadsheet
// model prints. A model with turned headers (sio-2011) is drawn by
// sheetPDF; the sio-2019 one here: portrait (A4 unless asked A3, or the
// orientation the grid says), the model's column proportions (réalisation
// 70.4, période 10.9, each competence 18.7), title and identification
// rows, the diagonal header, the période turned 90°, the competences with
// their items, the bands with their réalisations and the model's blank
// rows. A page that is full continues on the next under the repeated
// column headers. There is no signature block: the model has none.
func GridPDF(w io.Writer, g portfolio.Grid, paper Paper) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("PDF library: %v", p)
		}
	}()
	if paper == "" {
		paper = Paper(g.Paper)
	}
	orientation := "P"
	if g.Landscape {
		orientation = "L"
	}
	p, err := newPen(orientation, string(paper))
	if err != nil {
		return err
	}
	pw, ph := p.GetPageSize()
	scale := pw / 210 // A3 draws the A4 layout larger
	const margin = 10.0
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(false, 0)
	name := ""
	for _, f := range g.Fields {
		if f.Key == "name" {
			name = f.Value
		}
	}
	p.SetTitle(strings.TrimSpace(cmp.Or(strings.TrimSpace(g.Subtitle), g.Title))+" — "+name, true)
	p.SetAuthor(name, true)
	p.SetCreator("Portfolio SIO", true)
	p.SetCreationDate(g.GeneratedAt.UTC())
	p.SetModificationDate(g.GeneratedAt.UTC())
	p.AliasNbPages("{nb}")
	if g.Rotate { // a landscape spreadsheet model, headers turned (2011)
		if err := sheetPDF(p, g); err != nil {
			return err
		}
		return p.Output(w)
	}

	usable := pw - 2*margin
	units := 70.4 + 10.9 + 18.7*float64(len(g.Columns))
	d := &gridDoc{p: p, g: g, s: scale, x0: margin, width: usable, bottom: ph - margin - 5*scale,
		titleW: usable * 70.4 / units, periodW: usable * 10.9 / units, colW: usable * 18.7 / units}
	// The model has no footer: a sheet on one page gets none, one that
	// runs on gets its page numbers (the footer of page 1 is drawn when
	// page 2 starts, after ensure has set more).
	p.SetFooterFunc(func() {
		if !d.more {
			return
		}
		p.SetY(ph - margin - 3*scale)
		d.font("", 6.5)
		p.SetTextColor(90, 90, 90)
		p.CellFormat(usable, 4*scale, "Page "+strconv.Itoa(p.PageNo())+" / {nb}", "", 0, "R", false, 0, "")
		p.SetTextColor(0, 0, 0)
	})
	p.AddPage()
	d.header()
	d.columnHeaders()
	d.sizeFillers()
	for i, b := range g.Bands {
		d.drawBand(i, b)
	}
	if err := p.Error(); err != nil {
		return err
	}
	return p.Output(w)
}

type gridDoc struct {
	p                       pen
	g                       portfolio.Grid
	s                       float64 // scale of the paper against A4
	x0, width, bottom       float64
	titleW, periodW, colW   float64
	band                    string // title of the band being drawn, repeated after a page break
	headH, itemsH, itemSize float64
	fillerH                 float64 // height of the model's blank rows
	blanks                  []int   // blank rows drawn under each band's réalisations
	more                    bool    // the sheet runs on more than one page
}

func (d *gridDoc) font(style string, size float64) { d.p.SetFont(fontName, style, size*d.s) }

func (d *gridDoc) header() {
	p, g, s := d.p, d.g, d.s
	d.font("B", 12)
	p.CellFormat(d.width-2*d.colW, 7*s, g.Title, "", 0, "C", false, 0, "")
	p.CellFormat(2*d.colW, 7*s, g.Session, "", 1, "C", false, 0, "")
	p.CellFormat(d.width, 7*s, strings.TrimSpace(g.Subtitle), "", 1, "C", false, 0, "")
	fields := map[string]portfolio.GridField{}
	for _, f := range g.Fields {
		fields[f.Key] = f
	}
	left := d.width - 3*d.colW
	d.font("B", 9)
	line := func(k string) string { return fields[k].Line() }
	p.CellFormat(left, 6*s, line("name"), "", 0, "L", false, 0, "")
	p.CellFormat(3*d.colW, 6*s, line("candidate"), "", 1, "L", false, 0, "")
	p.CellFormat(left, 6*s, line("centre"), "", 0, "L", false, 0, "")
	p.CellFormat(d.colW, 6*s, fields["option"].Label, "", 0, "L", false, 0, "")
	for i, o := range g.Options {
		ln := 0
		if i == len(g.Options)-1 {
			ln = 1
		}
		p.CellFormat(d.colW, 6*s, o.Box+" "+o.Code, "", ln, "L", false, 0, "")
	}
	if len(g.Options) == 0 {
		p.Ln(6 * s)
	}
	p.CellFormat(d.width, 6*s, line("url"), "", 1, "L", false, 0, "")
	p.Ln(1 * s)

	// The items row is as tall as the longest list of items needs.
	d.itemSize = 5.5
	d.font("", d.itemSize)
	lines := 0
	for _, c := range g.Columns {
		n := 0
		for _, it := range c.Details {
			n += len(p.SplitText(it, d.colW-1.5*s))
		}
		lines = max(lines, n)
	}
	d.itemsH = float64(lines)*d.itemSize*0.42*s + 2*s
	d.font("B", 5.3)
	head := 0
	for _, c := range g.Columns {
		head = max(head, len(p.SplitText(c.Label, d.colW-1.5*s)))
	}
	d.headH = float64(head)*2.7*s + 2*s
}

// columnHeaders draws the diagonal corner, the période turned 90°, the
// competences and their items.
func (d *gridDoc) columnHeaders() { d.headers(true) }

// headers draws the column headers; a continuation page repeats them
// without the items.
func (d *gridDoc) headers(items bool) {
	p, g, s := d.p, d.g, d.s
	y := p.GetY()
	itemsH := d.itemsH
	if !items {
		itemsH = 0
	}
	h := max(d.headH+itemsH, 22*s)
	p.SetLineWidth(0.2 * s)
	p.Rect(d.x0, y, d.titleW, h, "D")
	x := d.x0 + d.titleW
	p.Rect(x, y, d.periodW, h, "D")
	if items {
		p.Line(d.x0, y, d.x0+d.titleW, y+h)
		d.font("B", 7)
		p.SetXY(d.x0+d.titleW/2, y+1.5*s)
		p.MultiCell(d.titleW/2-1.5*s, 3.2*s, g.CornerAbove, "", "R", false)
		below := p.SplitText(g.CornerBelow, d.titleW*0.75)
		p.SetXY(d.x0+1.5*s, y+h-float64(len(below))*3.2*s-1.5*s)
		p.MultiCell(d.titleW*0.75, 3.2*s, strings.Join(below, "\n"), "", "L", false)
		d.font("B", 6.5)
		px, py := x+d.periodW/2+1*s, y+h-2*s
		p.TransformBegin()
		p.TransformRotate(90, px, py)
		p.Text(px, py, g.PeriodLabel)
		p.TransformEnd()
	} else {
		// A continuation page: the same columns, named plainly.
		d.font("B", 7)
		p.SetXY(d.x0+1.5*s, y+h/2-1.6*s)
		p.CellFormat(d.titleW-3*s, 3.2*s, strings.SplitN(g.CornerBelow, "\n", 2)[0], "", 0, "L", false, 0, "")
		d.font("B", 5.3)
		p.SetXY(x, y+h/2-1.6*s)
		p.CellFormat(d.periodW, 3.2*s, "Période", "", 0, "C", false, 0, "")
	}
	x += d.periodW
	for _, c := range g.Columns {
		p.SetFillColor(238, 241, 245)
		p.Rect(x, y, d.colW, d.headH, "FD")
		if items {
			p.Rect(x, y+d.headH, d.colW, h-d.headH, "D")
		} else {
			p.Rect(x, y+d.headH, d.colW, h-d.headH, "FD")
		}
		d.font("B", 5.3)
		p.SetXY(x+0.75*s, y+1*s)
		p.MultiCell(d.colW-1.5*s, 2.7*s, c.Label, "", "C", false)
		d.font("", d.itemSize)
		p.SetXY(x+0.75*s, y+d.headH+1*s)
		for _, it := range c.Details[:len(c.Details)*boolInt(items)] {
			p.SetX(x + 0.75*s)
			p.MultiCell(d.colW-1.5*s, d.itemSize*0.42*s, it, "", "L", false)
		}
		x += d.colW
	}
	p.SetXY(d.x0, y+h)
}

// ensure starts a new page under the repeated headers if h mm do not fit.
func (d *gridDoc) ensure(h float64) {
	if d.p.GetY()+h <= d.bottom+0.01 { // blank rows sized to fill the page end on it, give or take rounding
		return
	}
	d.more = true
	d.p.AddPage()
	d.headers(false)
	if d.band != "" {
		d.bandBar(d.band + " (suite)")
	}
}

func (d *gridDoc) bandBar(title string) {
	p, s := d.p, d.s
	p.SetFillColor(238, 241, 245)
	d.font("B", 8)
	p.SetX(d.x0)
	p.CellFormat(d.width, 6*s, title, "1", 1, "L", true, 0, "")
}

// rowHeight is the height of a réalisation's row: its lines, and at least
// the three lines the période takes in its narrow column.
func (d *gridDoc) rowHeight(row portfolio.GridRow) float64 {
	title, prods := d.rowLines(row)
	d.font("", 5)
	period := len(d.p.SplitText(row.Period, d.periodW-1*d.s))
	return max(float64(len(title)+len(prods))*3.1*d.s+1.5*d.s, float64(period)*2.6*d.s+2*d.s, 8*d.s)
}

// sizeFillers sets the height of the model's blank rows so that the sheet
// fits on its page (between 3 and 5 mm on A4). When even 3 mm rows do not
// fit, blank rows are left out, from the bands that have the most, so the
// sheet stays on one page as the model does; when the réalisations alone
// fill more than the page, they go on the next.
func (d *gridDoc) sizeFillers() {
	need, fillers := 0.0, 0
	d.blanks = make([]int, len(d.g.Bands))
	for i, b := range d.g.Bands {
		need += 6 * d.s
		for _, r := range b.Rows {
			need += d.rowHeight(r)
		}
		d.blanks[i] = max(0, b.Blank-len(b.Rows))
		fillers += d.blanks[i]
	}
	d.fillerH = 5 * d.s
	if fillers == 0 {
		return
	}
	room := d.bottom - d.p.GetY() - need
	d.fillerH = min(5*d.s, max(3*d.s, room/float64(fillers)))
	dropBlanks(d.blanks, fillers-max(0, int(room/d.fillerH)))
}

// dropBlanks leaves out n of the model's blank rows, one at a time from
// the band that has the most, so that the sheet stays on its page.
func dropBlanks(blanks []int, n int) {
	for ; n > 0; n-- {
		most := 0
		for i, b := range blanks {
			if b > blanks[most] {
				most = i
			}
		}
		blanks[most]--
	}
}

// rowLines are the wrapped title (bold) and productions of a row; a row
// never takes more than a third of a page.
func (d *gridDoc) rowLines(r portfolio.GridRow) (title, prods []string) {
	d.font("B", 7)
	text := r.Title
	if r.Pending {
		text += " " + portfolio.PendingMark
	}
	title = d.p.SplitText(text, d.titleW-2*d.s)
	d.font("", 6)
	for _, pr := range r.Productions {
		prods = append(prods, d.p.SplitText("• "+pr.Title+" : "+pr.URL, d.titleW-3*d.s)...)
	}
	limit := int((d.bottom - d.x0) / 3 / (3.1 * d.s))
	if len(title) > limit {
		title, prods = append(title[:limit-1], "…"), nil
	} else if len(title)+len(prods) > limit {
		prods = append(prods[:limit-len(title)-1], "… (voir le portfolio)")
	}
	return title, prods
}

func (d *gridDoc) drawBand(band int, b portfolio.GridBand) {
	p, s := d.p, d.s
	d.band = ""
	// The band's title never stays alone at the foot of a page.
	first := d.fillerH
	if len(b.Rows) > 0 {
		first = d.rowHeight(b.Rows[0])
	}
	d.ensure(6*s + first)
	d.bandBar(b.Title)
	d.band = b.Title
	for i := range len(b.Rows) + d.blanks[band] {
		var row portfolio.GridRow
		var title, prods []string
		if i < len(b.Rows) {
			row = b.Rows[i]
			title, prods = d.rowLines(row)
		}
		// Real rows are at least three lines high (the période takes
		// three in its narrow column); the model's blank rows are lower so
		// that the blank sheet fits on one page.
		h := d.fillerH
		if i < len(b.Rows) {
			h = d.rowHeight(row)
		}
		d.ensure(h)
		y := p.GetY()
		p.Rect(d.x0, y, d.titleW, h, "D")
		ty := y + 0.8*s
		for j, l := range append(title, prods...) {
			if j < len(title) {
				d.font("B", 7)
			} else {
				d.font("", 6)
			}
			p.SetXY(d.x0+1*s, ty)
			p.CellFormat(d.titleW-2*s, 3.1*s, l, "", 0, "L", false, 0, "")
			ty += 3.1 * s
		}
		d.font("", 5)
		p.Rect(d.x0+d.titleW, y, d.periodW, h, "D")
		if row.Period != "" {
			lines := p.SplitText(row.Period, d.periodW)
			p.SetXY(d.x0+d.titleW+0.5*s, y+(h-float64(len(lines))*2.6*s)/2)
			p.MultiCell(d.periodW-1*s, 2.6*s, strings.Join(lines, "\n"), "", "C", false)
		}
		x := d.x0 + d.titleW + d.periodW
		d.font("", 9)
		for c := range d.g.Columns {
			mark := ""
			if i < len(b.Rows) && c < len(row.Marks) && row.Marks[c] {
				mark = "X"
			}
			p.SetXY(x, y)
			p.CellFormat(d.colW, h, mark, "1", 0, "C", false, 0, "")
			x += d.colW
		}
		p.SetXY(d.x0, y+h)
	}
	d.band = ""
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
