package export

import (
	"strings"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// The form of the 2019 tableau de synthèse (the circulaire's .xlsx model,
// sheet « Tableau de synthèse Épreuve E5 »), cell by cell as the model
// has it; internal/export/testdata/model/sio-2019-layout.tsv holds the
// same facts, read from the model, and the tests check our files
// against it.
var form2019 = struct {
	realisationW, periodW, competenceW float64
	titleH, subtitleH, identityH       float64
	headH, itemsH, bandH, rowH, endH   float64
	title, identityLeft, optionLabel   Style
	option, url, corner, period        Style
	competence, items, band, firstBand Style
	realisation, periodCell, tick, x   Style
}{
	realisationW: 70.43, periodW: 10.78, competenceW: 18.71,
	titleH: 39.95, subtitleH: 41.1, identityH: 39.95,
	headH: 90, itemsH: 324.95, bandH: 18, rowH: 39.95, endH: 15,

	title:        Style{Size: 20, Bold: true, H: "center", V: "center"},
	identityLeft: Style{Size: 18, Bold: true, H: "left", V: "center"},
	optionLabel:  Style{Size: 18, Bold: true, H: "general", V: "center", Left: Thin, Top: Thin, Bottom: Thin},
	option:       Style{Size: 18, Bold: true, H: "center", V: "center", Top: Thin, Bottom: Thin},
	url:          Style{Size: 18, Bold: true, H: "left", V: "center", Left: Medium, Right: Medium, Bottom: Medium, Top: Thin},
	corner: Style{Size: 12, Bold: true, Italic: true, H: "center", V: "center", Wrap: true, Diagonal: true,
		Top: Medium, Left: Medium, Right: Thin},
	period: Style{Size: 12, Bold: true, H: "center", V: "center", Wrap: true, Rotate: 90,
		Top: Medium, Bottom: Medium, Left: Thin, Right: Thin},
	competence: Style{Size: 12, Bold: true, H: "center", V: "center", Wrap: true, Top: Medium, Bottom: Thin, Left: Thin, Right: Thin},
	items:      Style{Size: 10, H: "center", V: "center", Wrap: true, Rotate: 90, Top: Thin, Left: Thin, Right: Thin},
	firstBand: Style{Size: 14, Bold: true, H: "center", V: "center", Wrap: true,
		Top: Medium, Left: Medium, Bottom: Thin, Right: Thin},
	band:        Style{Size: 14, Bold: true, H: "center", V: "center", Left: Medium, Top: Thin, Bottom: Thin, Right: Thin},
	realisation: Style{Size: 11, Bold: true, H: "general", V: "center", Wrap: true, Left: Medium, Top: Thin, Bottom: Thin, Right: Thin},
	periodCell:  Style{Size: 11, Bold: true, H: "general", V: "center", Wrap: true, Left: Thin, Top: Thin, Bottom: Thin, Right: Thin},
	tick:        Style{Size: 8, H: "center", V: "center", Left: Thin, Top: Thin, Bottom: Thin, Right: Thin},
	// A ticked cell: the blank model's 8 pt is too small to see, and
	// candidates enlarge their X (to 11, 16 or 28); we take 16.
	x: Style{Size: 16, H: "center", V: "center", Left: Thin, Top: Thin, Bottom: Thin, Right: Thin},
}

// The print set-up of the 2019 model: A4 portrait at 48 %, margins of
// 0.5 cm, header and footer at 1.3 cm with no text, centred. A sheet that
// has grown past its page prints smaller, down to minScale; beyond, it
// runs on more pages under rows 1–7.
const (
	scale2019    = 48
	minScale2019 = 40
	margin2019   = 0.19685 // inches
	hf2019       = 0.5118  // inches
)

// sheet2019 lays a 2019 Grid out on the model's sheet.
func sheet2019(g portfolio.Grid, paper Paper) (*Sheet, error) {
	sf, err := loadSheetFonts()
	if err != nil {
		return nil, err
	}
	f := &form2019
	n := 2 + len(g.Columns) // last column
	n = max(n, 5)
	s := &Sheet{Name: sheetName(g.Sheet, "Tableau de synthèse")}
	s.Cols = []float64{f.realisationW, f.periodW}
	for len(s.Cols) < n {
		s.Cols = append(s.Cols, f.competenceW)
	}
	fields := map[string]portfolio.GridField{}
	for _, fl := range g.Fields {
		fields[fl.Key] = fl
	}
	value := func(k string) string { return fields[k].Line() }

	// Rows 1–5: the title, the session, the identity box.
	s.Rows = []float64{f.titleH, f.subtitleH, f.identityH, f.identityH, f.identityH}
	s.put(1, 1, 1, n-2, g.Title, f.title)
	s.put(1, n-1, 1, n, g.Session, f.title)
	s.put(2, 1, 2, n, g.Subtitle, f.title)
	st := f.identityLeft
	st.Top, st.Left, st.Bottom, st.Right = Medium, Medium, Thin, Thin
	s.put(3, 1, 3, n-3, value("name"), st)
	st.Left, st.Right = Thin, Medium
	s.put(3, n-2, 3, n, value("candidate"), st)
	st.Top, st.Left, st.Right = Thin, Medium, Thin
	s.put(4, 1, 4, n-3, value("centre"), st)
	s.put(4, n-2, 4, n-2, fields["option"].Label, f.optionLabel)
	for i := range 2 {
		c, text := n-1+i, ""
		if i < len(g.Options) {
			text = g.Options[i].Box + " " + g.Options[i].Code
		}
		st := f.option
		if c == n {
			st.Right = Medium
		}
		s.put(4, c, 4, c, text, st)
	}
	s.put(5, 1, 5, n, value("url"), f.url)

	// Rows 6 and 7: the diagonal corner, the période turned, the
	// competences and their items turned. The model puts « Compétences
	// mises en œuvre » above the diagonal, 22 line breaks before the text
	// below it.
	s.Rows = append(s.Rows, f.headH, f.itemsH)
	s.put(6, 1, 7, 1, g.CornerAbove+strings.Repeat("\n", 22)+g.CornerBelow, f.corner)
	s.put(6, 2, 7, 2, g.PeriodLabel, f.period)
	for i, c := range g.Columns {
		head, items := f.competence, f.items
		if 3+i == n {
			head.Right, items.Right = Medium, Medium
		}
		s.put(6, 3+i, 6, 3+i, c.Label, head)
		s.put(7, 3+i, 7, 3+i, strings.Join(c.Details, "\n"), items)
	}

	// The bands, each with its réalisations, inserted inside it, or its
	// blank rows.
	for bi, b := range g.Bands {
		r := len(s.Rows) + 1
		st := f.band
		if bi == 0 {
			st = f.firstBand
		}
		s.Rows = append(s.Rows, f.bandH)
		s.put(r, 1, r, n, b.Title, st)
		for i := range max(len(b.Rows), b.Blank) {
			r := len(s.Rows) + 1
			h := f.rowH
			title, period := "", ""
			var marks []bool
			if i < len(b.Rows) {
				row := b.Rows[i]
				title, period, marks = gridRowText(row), row.Period, row.Marks
				h = sf.rowHeight(h, title, f.realisation, f.realisationW, period, f.periodCell, f.periodW)
			}
			s.Rows = append(s.Rows, h)
			s.put(r, 1, r, 1, title, f.realisation)
			s.put(r, 2, r, 2, period, f.periodCell)
			for c := 3; c <= n; c++ {
				st, text := f.tick, ""
				if k := c - 3; k < len(marks) && marks[k] {
					st, text = f.x, "X"
				}
				if c == n {
					st.Right = Medium
				}
				s.put(r, c, r, c, text, st)
			}
		}
	}
	s.closeTable()
	// One empty row inside the print area, as the model.
	s.Rows = append(s.Rows, f.endH)

	s.Print = PrintSetup{Paper: paper, Landscape: g.Landscape, Margin: margin2019, HeaderFooter: hf2019,
		CentreH: true, CentreV: true, AreaRows: len(s.Rows)}
	base, least := scale2019, minScale2019
	if paper == A3 { // the same print, on the larger sheet
		base, least = 67, 56 // 48 % and 40 % times √2
	}
	s.Print.Scale = base
	if fit := s.fitScale(); fit < base {
		s.Print.Scale = max(fit, least)
	}
	if s.Print.Scale > s.fitScale() {
		s.Print.TitleRows = 7
	}
	return s, nil
}

// gridRowText is a réalisation's cell: its title (marked when not
// validated yet), then its productions one per line.
func gridRowText(row portfolio.GridRow) string {
	text := row.Title
	if row.Pending {
		text += " " + portfolio.PendingMark
	}
	for _, p := range row.Productions {
		text += "\n" + p.Title + " : " + p.URL
	}
	return text
}
