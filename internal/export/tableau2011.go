package export

import (
	"math"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// The form of the 2011 tableau de synthèse (the circulaire's .xlsx model,
// SLAM sheet of session 2018, « Form of the model » in
// internal/export/testdata/model/sio-2011-TABLEAU.md): a landscape sheet
// whose headers are turned 90°, the types of situation and the période
// before the activities, printed to fit one page.
var form2011 = struct {
	situationW, typeW, periodW, activityW float64
	titleH, identityH, groupH, headH      float64
	bandH, rowH, attestationH, blankH     float64
	title, name, option, number, group    Style
	corner, typeHead, periodHead, actHead Style
	band, situation, cell, period, act, x Style
	attestation                           Style
}{
	situationW: 70.56, typeW: 6.70, periodW: 14.14, activityW: 3.56,
	titleH: 23.25, identityH: 23.25, groupH: 15.75, headH: maxRowHeight, // the model: 409.5, over what excelize and Excel accept
	bandH: 15, rowH: 15, attestationH: 30, blankH: 15,

	title:      Style{Size: 18, Bold: true, H: "center", V: "bottom"},
	name:       Style{Size: 12, Bold: true, H: "center", V: "bottom", Bottom: Medium},
	option:     Style{Size: 18, Bold: true, H: "center", V: "bottom", Bottom: Medium},
	number:     Style{Size: 12, Bold: true, H: "left", V: "bottom"},
	group:      Style{Size: 12, Bold: true, H: "center", V: "bottom", Left: Medium, Right: Medium, Top: Medium, Bottom: Medium},
	corner:     Style{Size: 12, Bold: true, Italic: true, H: "center", V: "center", Wrap: true, Left: Medium, Top: Medium, Bottom: Medium},
	typeHead:   Style{Size: 10, H: "center", V: "center", Wrap: true, Rotate: 90, Top: Medium, Bottom: Medium, Left: Thin, Right: Thin},
	periodHead: Style{Size: 12, Bold: true, H: "center", V: "center", Wrap: true, Rotate: 90, Top: Medium, Bottom: Medium, Left: Medium, Right: Medium},
	actHead:    Style{Size: 10, H: "center", V: "center", Wrap: true, Rotate: 90, Top: Medium, Bottom: Medium, Left: Thin, Right: Thin},
	band:       Style{Size: 11, Bold: true, H: "center", V: "bottom", Left: Medium, Right: Medium},
	situation:  Style{Size: 11, Bold: true, H: "general", V: "bottom", Wrap: true, Left: Medium, Top: Thin, Bottom: Thin, Right: Thin},
	cell:       Style{Size: 11, Bold: true, H: "center", V: "center", Left: Thin, Right: Thin, Top: Thin, Bottom: Thin},
	period:     Style{Size: 11, Bold: true, H: "center", V: "center", Wrap: true, Left: Medium, Right: Medium, Top: Thin, Bottom: Thin},
	act:        Style{Size: 8, H: "center", V: "center", Left: Thin, Right: Thin, Top: Thin, Bottom: Thin},
	// A ticked activity: 11 bold fits the narrow column and shows.
	x:           Style{Size: 11, Bold: true, H: "center", V: "center", Left: Thin, Right: Thin, Top: Thin, Bottom: Thin},
	attestation: Style{Size: 11, Bold: true, H: "left", V: "bottom", Wrap: true},
}

// The 2011 model's print set-up: landscape, fit to one page, margins of
// 0.2 in, header and footer at 0.51 in with no text, centred.
const (
	margin2011 = 0.2
	hf2011     = 0.51
)

// sheet2011 lays a 2011 Grid out on the model's sheet.
func sheet2011(g portfolio.Grid, paper Paper) (*Sheet, error) {
	sf, err := loadSheetFonts()
	if err != nil {
		return nil, err
	}
	f := &form2011
	types := len(g.Types)
	pc := 2 + types // the période's column
	first := pc + 1 // the first activity's column
	n := max(pc+len(g.Columns), 3)
	s := &Sheet{Name: sheetName(g.Sheet, "Tableau de synthèse")}
	s.Cols = append(s.Cols, f.situationW)
	for range types {
		s.Cols = append(s.Cols, f.typeW)
	}
	s.Cols = append(s.Cols, f.periodW)
	for len(s.Cols) < n {
		s.Cols = append(s.Cols, f.activityW)
	}
	// A medium rule starts each domain (and the types and the période).
	domainStart := map[int]bool{}
	for i, c := range g.Columns {
		if i == 0 || c.Group != g.Columns[i-1].Group {
			domainStart[first+i] = true
		}
	}
	sides := func(st Style, c int) Style {
		if c == 2 || c == pc || c == first || domainStart[c] {
			st.Left = Medium
		}
		if c == pc || c == pc-1 && types > 0 || c == n || domainStart[c+1] {
			st.Right = Medium
		}
		return st
	}

	// Row 1: the title; row 2: the candidate's name, option and number,
	// in the model's thirds (A:U, V:AK, AL:BB on the SLAM sheet of 48
	// activities).
	s.Rows = []float64{f.titleH, f.identityH, f.groupH, f.headH}
	s.put(1, 1, 1, n, g.Title, f.title)
	k := len(g.Columns)
	ends := []int{pc + int(math.Round(float64(k)*15/48)), pc + int(math.Round(float64(k)*31/48)), n}
	styles := []Style{f.name, f.option, f.number}
	start := 1
	for i, fl := range g.Fields {
		if i >= len(ends) || start > n {
			break
		}
		end := max(ends[i], start)
		if i == len(g.Fields)-1 {
			end = n
		}
		s.put(2, start, 2, end, fl.Line(), styles[i])
		start = end + 1
	}
	// Row 3: the groups; row 4: the headers, turned.
	if types > 0 {
		s.put(3, 2, 3, pc-1, g.TypesLabel, f.group)
	}
	s.put(3, pc, 3, n, g.ColumnsLabel, f.group)
	s.put(4, 1, 4, 1, g.SituationLabel, f.corner)
	for i, t := range g.Types {
		s.put(4, 2+i, 4, 2+i, t, sides(f.typeHead, 2+i))
	}
	s.put(4, pc, 4, pc, g.PeriodLabel, f.periodHead)
	for i, c := range g.Columns {
		s.put(4, first+i, 4, first+i, c.Label, sides(f.actHead, first+i))
	}

	// The bands and their réalisations.
	for _, b := range g.Bands {
		r := len(s.Rows) + 1
		s.Rows = append(s.Rows, f.bandH)
		s.put(r, 1, r, n, b.Title, f.band)
		for i := range max(len(b.Rows), b.Blank) {
			r := len(s.Rows) + 1
			h := f.rowH
			var row portfolio.GridRow
			title := ""
			if i < len(b.Rows) {
				row = b.Rows[i]
				title = gridRowText(row)
				h = sf.rowHeight(h, title, f.situation, f.situationW, row.Period, f.period, f.periodW)
			}
			s.Rows = append(s.Rows, h)
			s.put(r, 1, r, 1, title, f.situation)
			for t := range types {
				text := ""
				if t < len(row.Types) && row.Types[t] {
					text = "X"
				}
				s.put(r, 2+t, r, 2+t, text, sides(f.cell, 2+t))
			}
			s.put(r, pc, r, pc, row.Period, f.period)
			for c := range g.Columns {
				st, text := f.act, ""
				if c < len(row.Marks) && row.Marks[c] {
					st, text = f.x, "X"
				}
				s.put(r, first+c, r, first+c, text, sides(st, first+c))
			}
		}
	}
	s.closeTable()
	// The attestation, and its blank rows, without rules.
	if g.Attestation != "" {
		r := len(s.Rows) + 1
		s.Rows = append(s.Rows, f.attestationH)
		s.put(r, 1, r, n, g.Attestation, f.attestation)
		for range g.AttestationRows {
			r := len(s.Rows) + 1
			s.Rows = append(s.Rows, f.blankH)
			s.put(r, 1, r, n, "", f.attestation)
		}
	}
	s.Print = PrintSetup{Paper: paper, Landscape: true, Margin: margin2011, HeaderFooter: hf2011,
		CentreH: true, CentreV: true, AreaRows: len(s.Rows)}
	return s, nil
}
