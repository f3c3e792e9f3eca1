package export

import (
	"fmt"
	"io"
	"strconv"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// FichePDF draws a « fiche descriptive de réalisation professionnelle »
// as the circulaire's model lays it out, on A4 portrait: the recto with
// the identification, the boxes of the model and the competences checked,
// then the verso (and following pages) with the description of the
// réalisation and its productions. Every text goes through Drawable.
func FichePDF(w io.Writer, f portfolio.Fiche) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("PDF library: %v", p)
		}
	}()
	const margin = 15.0
	p, err := newPen("P", "A4")
	if err != nil {
		return err
	}
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(true, margin+6)
	p.SetTitle(f.Heading+" — "+f.Title, true)
	p.SetAuthor(f.Name, true)
	p.SetCreator("Portfolio SIO", true)
	p.AliasNbPages("{nb}")
	d := ficheDoc{p: p, f: f, width: 210 - 2*margin}
	p.SetFooterFunc(func() {
		p.SetY(-margin)
		p.SetFont(fontName, "", 7.5)
		p.SetTextColor(90, 90, 90)
		p.CellFormat(d.width/2, 4, f.Name, "", 0, "L", false, 0, "")
		p.CellFormat(d.width/2, 4, "Page "+strconv.Itoa(p.PageNo())+" / {nb}", "", 0, "R", false, 0, "")
		p.SetTextColor(0, 0, 0)
	})
	d.recto()
	d.verso()
	if err := p.Error(); err != nil {
		return err
	}
	return p.Output(w)
}

type ficheDoc struct {
	p     pen
	f     portfolio.Fiche
	width float64
}

func (d *ficheDoc) font(style string, size float64) { d.p.SetFont(fontName, style, size) }

func box(checked bool) string {
	if checked {
		return "☑"
	}
	return "☐"
}

// top draws the header every page of the fiche starts with.
func (d *ficheDoc) top(title string) {
	p, f := d.p, d.f
	p.AddPage()
	d.font("B", 10)
	p.CellFormat(d.width*0.7, 6, f.Header, "", 0, "L", false, 0, "")
	p.CellFormat(d.width*0.3, 6, f.Session, "", 1, "R", false, 0, "")
	if f.Epreuve != "" {
		d.font("B", 10)
		p.MultiCell(d.width, 5, f.Epreuve, "", "L", false)
	}
	d.font("B", 9.5)
	p.SetFillColor(230, 235, 242)
	p.MultiCell(d.width, 6, title, "1", "C", true)
	p.Ln(2)
}

// field draws a labelled box: the label in bold, the value under it.
func (d *ficheDoc) field(label, value string, minH float64) {
	p := d.p
	d.font("B", 9)
	p.MultiCell(d.width, 5, label, "LTR", "L", false)
	d.font("", 9)
	y := p.GetY()
	p.MultiCell(d.width, 4.6, value, "LR", "L", false)
	if h := p.GetY() - y; h < minH {
		p.CellFormat(d.width, minH-h, "", "LR", 1, "L", false, 0, "")
	}
	p.CellFormat(d.width, 1.5, "", "LRB", 1, "L", false, 0, "")
	p.Ln(1.5)
}

// pair draws two labelled values side by side; a long value wraps under
// itself and the next line starts below the taller of the two.
func (d *ficheDoc) pair(l1, v1, l2, v2 string) {
	p := d.p
	half := d.width / 2
	x0, y := p.GetX(), p.GetY()
	bottom := y + 7
	for i, kv := range [][2]string{{l1, v1}, {l2, v2}} {
		x := x0 + float64(i)*half
		d.font("B", 9)
		lw := p.GetStringWidth(kv[0]+" ") + 1
		p.SetXY(x, y)
		p.CellFormat(lw, 7, kv[0]+" ", "", 0, "L", false, 0, "")
		d.font("", 9)
		p.SetXY(x+lw, y+1.2)
		p.MultiCell(half-lw-1, 4.6, kv[1], "", "L", false)
		bottom = max(bottom, p.GetY()+1.2)
	}
	p.SetXY(x0, bottom)
}

func (d *ficheDoc) recto() {
	p, f, l := d.p, d.f, d.f.Labels
	d.top(f.RectoTitle)
	d.font("B", 11)
	p.CellFormat(d.width*0.7, 7, f.Heading, "", 0, "L", false, 0, "")
	number := ""
	if f.Number > 0 {
		number = strconv.Itoa(f.Number)
	}
	d.font("B", 9)
	p.CellFormat(d.width*0.3, 7, l["number"]+" "+number, "", 1, "R", false, 0, "")
	d.pair(l["name"], f.Name, l["candidate"], f.Candidate)
	date := f.Date
	if date == "" {
		date = l["date"]
	} else {
		date = "Date : " + date
	}
	d.font("", 9)
	p.CellFormat(d.width*0.3, 7, box(f.Ponctuelle)+" "+l["ponctuelle"], "", 0, "L", false, 0, "")
	p.CellFormat(d.width*0.42, 7, box(f.CCF)+" "+l["ccf"], "", 0, "L", false, 0, "")
	p.CellFormat(d.width*0.28, 7, date, "", 1, "R", false, 0, "")
	p.Ln(1)
	d.field(l["organisation"], f.Organisation, 8)
	d.field(l["title"], f.Title, 8)
	d.pair(l["period"], f.Period, l["place"], f.Place)
	d.font("B", 9)
	lw := p.GetStringWidth(l["modalite"]+" ") + 1
	p.CellFormat(lw, 7, l["modalite"]+" ", "", 0, "L", false, 0, "")
	d.font("", 9)
	p.CellFormat(35, 7, box(f.Alone)+" "+l["alone"], "", 0, "L", false, 0, "")
	p.CellFormat(35, 7, box(f.Team)+" "+l["team"], "", 1, "L", false, 0, "")
	p.Ln(1)
	d.font("B", 9)
	p.MultiCell(d.width, 5, l["competences"], "LTR", "L", false)
	d.font("", 9)
	for _, c := range f.Competences {
		p.MultiCell(d.width, 5, box(c.Checked)+" "+c.Title, "LR", "L", false)
	}
	p.CellFormat(d.width, 1.5, "", "LRB", 1, "L", false, 0, "")
	p.Ln(1.5)
	d.field(l["conditions"], f.Conditions, 22)
	d.field(l["resources"], f.Resources, 22)
	d.field(l["access"], f.Access, 14)
}

func (d *ficheDoc) verso() {
	f := d.f
	d.top(f.VersoTitle)
	text := f.Description
	for _, pr := range f.Productions {
		text += "\n• " + pr.Title + " : " + pr.URL
	}
	d.field(f.Labels["description"], text, 180)
}
