package export

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// XLSX fills in the official spreadsheet model of the tableau de synthèse
// (the circulaire's .xlsx, described cell by cell in
// internal/referentiel/testdata/model/sio-2019-TABLEAU.md) with a grid: the same rows, merged
// cells and fonts, the diagonal header, the bands with one row per
// réalisation inserted inside its band (the model's blank rows when there
// are fewer), the print area « Zone_d_impression » on one page.
//
// The model has eight columns (réalisation, période, six competences);
// with another number of columns the header cells keep their shape: the
// title spans all but the last two, the name and the centre all but the
// last three.
//
// github.com/xuri/excelize/v2 writes the file: it is the maintained
// library for Office Open XML spreadsheets in Go (merged cells, styles,
// defined names, page setup), which we would not write better.
func XLSX(w io.Writer, g portfolio.Grid) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	sheet := sheetName(g.Sheet, "Tableau de synthèse")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	x := &xlsxDoc{f: f, sheet: sheet, last: 2 + len(g.Columns)}
	if g.Rotate {
		x.last = 2 + len(g.Types) + len(g.Columns)
	}
	if x.last < 5 {
		x.last = 5
	}
	if err := x.styles(); err != nil {
		return err
	}
	if g.Rotate { // the landscape model with turned headers (2011)
		x.turnedHeader(g)
		for _, b := range g.Bands {
			x.band(g, b)
		}
		x.closeTable()
		x.attestation(g)
	} else {
		x.header(g)
		x.columnHeaders(g)
		for _, b := range g.Bands {
			x.band(g, b)
		}
		x.closeTable()
	}
	if x.err != nil {
		return x.err
	}
	// As the model: the print area ends one row below the table. It is
	// Excel's own name, _xlnm.Print_Area, scoped to the sheet (every
	// spreadsheet reads it as the print area, whatever its language).
	area := fmt.Sprintf("'%s'!$A$1:$%s$%d", strings.ReplaceAll(sheet, "'", "''"), col(x.last), x.row)
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Area", RefersTo: area, Scope: sheet}); err != nil {
		return err
	}
	// The sheet records the range it uses, and the file says who wrote it
	// and when: this application, never the model's author nor the
	// library's.
	if err := f.SetSheetDimension(sheet, fmt.Sprintf("A1:%s%d", col(x.last), x.row)); err != nil {
		return err
	}
	at := g.GeneratedAt.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{Creator: "Portfolio SIO", LastModifiedBy: "Portfolio SIO", Created: at, Modified: at,
		Title: "Tableau de synthèse", Language: "fr-FR"}); err != nil {
		return err
	}
	if err := f.SetAppProps(&excelize.AppProperties{Application: "Portfolio SIO"}); err != nil {
		return err
	}
	size, orientation, one := 9, "portrait", 1 // A4
	if g.Paper == "A3" {
		size = 8
	}
	if g.Landscape {
		orientation = "landscape"
	}
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &orientation,
		FitToWidth: &one, FitToHeight: &one}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	margin, centred := 0.2, true // inches, about 0.5 cm as the model
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Top: &margin, Bottom: &margin, Left: &margin,
		Right: &margin, Horizontally: &centred, Vertically: &centred}); err != nil {
		return err
	}
	return f.Write(w)
}

// xlsxDoc writes one sheet, keeping the first error.
type xlsxDoc struct {
	f     *excelize.File
	sheet string
	last  int // number of the last column
	row   int // next row to write
	err   error

	title, identity, corner, period, compHead, items, bandTitle, cell, mark, bordered int
	group, turned, situation, sentence, title18                                       int
	// thick are the columns that start with the model's thicker rule on
	// their left (2011: the types, the période, each domain), and
	// thickened the left-medium variants of styles, made once.
	thick     map[int]bool
	thickened map[int]int
}

func col(n int) string {
	name, _ := excelize.ColumnNumberToName(n)
	return name
}

func cellRef(c, r int) string { return fmt.Sprintf("%s%d", col(c), r) }

func (x *xlsxDoc) check(err error) {
	if x.err == nil && err != nil {
		x.err = err
	}
}

func (x *xlsxDoc) styles() error {
	all := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	font := func(size float64, bold, italic bool) *excelize.Font {
		return &excelize.Font{Family: "Arial", Size: size, Bold: bold, Italic: italic}
	}
	wrapLeft := &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}
	centre := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	for _, s := range []struct {
		id    *int
		style excelize.Style
	}{
		{&x.title, excelize.Style{Font: font(20, true, false), Alignment: centre}},
		{&x.identity, excelize.Style{Font: font(18, true, false), Alignment: wrapLeft}},
		{&x.corner, excelize.Style{Font: font(12, true, true), Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
			Border: append([]excelize.Border{{Type: "diagonalDown", Color: "000000", Style: 1}}, all...)}},
		{&x.period, excelize.Style{Font: font(12, true, false), Border: all,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", TextRotation: 90, WrapText: true}}},
		{&x.compHead, excelize.Style{Font: font(12, true, false), Alignment: centre, Border: all}},
		{&x.items, excelize.Style{Font: font(10, false, false), Border: all,
			Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "top", WrapText: true}}},
		{&x.bandTitle, excelize.Style{Font: font(14, true, false), Alignment: wrapLeft, Border: all}},
		{&x.cell, excelize.Style{Font: font(11, true, false), Alignment: wrapLeft, Border: all}},
		{&x.mark, excelize.Style{Font: font(16, false, false), Alignment: centre, Border: all}},
		{&x.bordered, excelize.Style{Font: font(11, false, false), Alignment: centre, Border: all}},
		{&x.group, excelize.Style{Font: font(12, true, false), Alignment: centre, Border: all}},
		{&x.turned, excelize.Style{Font: font(9, false, false), Border: all,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "bottom", TextRotation: 90, WrapText: true}}},
		{&x.situation, excelize.Style{Font: font(12, true, false), Alignment: centre, Border: all}},
		{&x.sentence, excelize.Style{Font: font(11, false, false), Alignment: wrapLeft, Border: all}},
		{&x.title18, excelize.Style{Font: font(18, true, false), Alignment: centre}},
	} {
		id, err := x.f.NewStyle(&s.style)
		if err != nil {
			return err
		}
		*s.id = id
	}
	return nil
}

// put writes a text into the cell range from (c1, r) to (c2, r2), merged
// when it is more than one cell, with a style (its left rule thicker on
// the columns that have one).
func (x *xlsxDoc) put(c1, r, c2, r2 int, text string, style int) {
	a, b := cellRef(c1, r), cellRef(c2, r2)
	if a != b {
		x.check(x.f.MergeCell(x.sheet, a, b))
	}
	x.check(x.f.SetCellStr(x.sheet, a, cellText(text)))
	if x.thick[c1] && c1 == c2 {
		style = x.thicker(style)
	}
	x.check(x.f.SetCellStyle(x.sheet, a, b, style))
}

// thicker is the style with a medium left border.
func (x *xlsxDoc) thicker(style int) int {
	if id, ok := x.thickened[style]; ok {
		return id
	}
	st, err := x.f.GetStyle(style)
	x.check(err)
	if err != nil {
		return style
	}
	borders := []excelize.Border{{Type: "left", Color: "000000", Style: 2}}
	for _, b := range st.Border {
		if b.Type != "left" {
			borders = append(borders, b)
		}
	}
	st.Border = borders
	id, err := x.f.NewStyle(st)
	x.check(err)
	if x.thickened == nil {
		x.thickened = map[int]int{}
	}
	x.thickened[style] = id
	return id
}

func (x *xlsxDoc) header(g portfolio.Grid) {
	f, n := x.f, x.last
	widths := map[int]float64{1: 70.4, 2: 10.9}
	for c := 1; c <= n; c++ {
		w, ok := widths[c]
		if !ok {
			w = 18.7
		}
		x.check(f.SetColWidth(x.sheet, col(c), col(c), w))
	}
	x.put(1, 1, n-2, 1, g.Title, x.title)
	x.put(n-1, 1, n, 1, g.Session, x.title)
	x.put(1, 2, n, 2, g.Subtitle, x.title)
	fields := map[string]portfolio.GridField{}
	for _, fl := range g.Fields {
		fields[fl.Key] = fl
	}
	value := func(k string) string { return fields[k].Line() }
	x.put(1, 3, n-3, 3, value("name"), x.identity)
	x.put(n-2, 3, n, 3, value("candidate"), x.identity)
	x.put(1, 4, n-3, 4, value("centre"), x.identity)
	x.put(n-2, 4, n-2, 4, fields["option"].Label, x.identity)
	for i, o := range g.Options {
		if c := n - 1 + i; c <= n {
			x.put(c, 4, c, 4, o.Box+" "+o.Code, x.identity)
		}
	}
	x.put(1, 5, n, 5, value("url"), x.identity)
	for r, h := range []float64{30, 26, 26, 26, 26} {
		x.check(f.SetRowHeight(x.sheet, r+1, h))
	}
	x.row = 6
}

// columnHeaders draws rows 6 and 7: the diagonal corner, the période
// turned 90°, the competences and their items.
func (x *xlsxDoc) columnHeaders(g portfolio.Grid) {
	r := x.row
	// The model puts « Compétences mises en œuvre » above the diagonal with
	// 22 line breaks before the text below it.
	x.put(1, r, 1, r+1, g.CornerAbove+strings.Repeat("\n", 22)+g.CornerBelow, x.corner)
	x.put(2, r, 2, r+1, g.PeriodLabel, x.period)
	for i, c := range g.Columns {
		x.put(3+i, r, 3+i, r, c.Label, x.compHead)
		x.put(3+i, r+1, 3+i, r+1, strings.Join(c.Details, "\n"), x.items)
	}
	x.check(x.f.SetRowHeight(x.sheet, r, 80)) // five lines of a competence title
	x.check(x.f.SetRowHeight(x.sheet, r+1, 325))
	x.row = r + 2
}

func (x *xlsxDoc) band(g portfolio.Grid, b portfolio.GridBand) {
	x.put(1, x.row, x.last, x.row, b.Title, x.bandTitle)
	// 36 pt: one line of 14 pt bold; a longer title (organisations) wraps
	// across the sheet (about 120 characters a line on the 2011 model).
	x.check(x.f.SetRowHeight(x.sheet, x.row, min(409, 36*float64(max(1, (utf8.RuneCountInString(b.Title)+119)/120)))))
	x.row++
	types := 0 // the types' columns come before the période's
	perLine := 65
	if g.Rotate {
		types, perLine = len(g.Types), 40
	}
	first := 3 + types // first column of the marks
	rows := max(len(b.Rows), b.Blank)
	for i := range rows {
		r := x.row
		x.put(1, r, 1, r, "", x.cell)
		for c := range types {
			x.put(2+c, r, 2+c, r, "", x.mark)
		}
		x.put(2+types, r, 2+types, r, "", x.bordered)
		for c := range g.Columns {
			x.put(first+c, r, first+c, r, "", x.mark)
		}
		x.check(x.f.SetRowHeight(x.sheet, r, 30))
		if i < len(b.Rows) {
			row := b.Rows[i]
			text := row.Title
			if row.Pending {
				text += " " + portfolio.PendingMark
			}
			for _, p := range row.Productions {
				text += "\n" + p.Title + " : " + p.URL
			}
			x.put(1, r, 1, r, text, x.cell)
			for c, on := range row.Types {
				if on && c < types {
					x.put(2+c, r, 2+c, r, "X", x.mark)
				}
			}
			x.put(2+types, r, 2+types, r, row.Period, x.bordered)
			x.check(x.f.SetRowHeight(x.sheet, r, rowHeight(text, perLine)))
			for c, on := range row.Marks {
				if on {
					x.put(first+c, r, first+c, r, "X", x.mark)
				}
			}
		}
		x.row++
	}
}

// turnedHeader draws the first rows of a model whose headers are turned
// 90° (2011): the title with the session, the identification line, the
// group row (« Situations obligatoires » over the types, « Compétences mises
// en œuvre » over the période and the columns) and the turned headers.
func (x *xlsxDoc) turnedHeader(g portfolio.Grid) {
	f, n, types := x.f, x.last, len(g.Types)
	// Column widths (in characters): situation, each type, période, each
	// activity.
	const situationW, typeW, periodW, activityW = 48, 9, 8, 5.5
	x.check(f.SetColWidth(x.sheet, "A", "A", situationW))
	if types > 0 {
		x.check(f.SetColWidth(x.sheet, col(2), col(1+types), typeW))
	}
	x.check(f.SetColWidth(x.sheet, col(2+types), col(2+types), periodW))
	x.check(f.SetColWidth(x.sheet, col(3+types), col(n), activityW))
	x.put(1, 1, n, 1, g.Title, x.title18) // Arial 18 bold, as the model
	// The name over the situation and the types, the option over the
	// période and a third of the columns, the number over the rest; the
	// row as high as the longest needs (18 pt bold: about half a
	// character a unit of column width).
	third := len(g.Columns) / 3
	ends := []int{1 + types, 2 + types + third, n}
	widths := []float64{situationW + typeW*float64(types), periodW + activityW*float64(third), activityW * float64(len(g.Columns)-third)}
	start, lines := 1, 1
	for i, fl := range g.Fields {
		end, w := n, widths[len(widths)-1]
		if i < len(ends) && i < len(g.Fields)-1 {
			end, w = ends[i], widths[i]
		}
		if start > n {
			break
		}
		x.put(start, 2, end, 2, fl.Line(), x.identity)
		perLine := max(1, int(w*0.5))
		lines = max(lines, (utf8.RuneCountInString(fl.Line())+perLine-1)/perLine)
		start = end + 1
	}
	x.thick = map[int]bool{2: true, 2 + types: true}
	for i, c := range g.Columns {
		if i == 0 || c.Group != g.Columns[i-1].Group {
			x.thick[3+types+i] = true
		}
	}
	x.put(1, 3, 1, 3, "", x.situation)
	if types > 0 {
		x.put(2, 3, 1+types, 3, g.TypesLabel, x.group)
	}
	x.put(2+types, 3, n, 3, g.ColumnsLabel, x.group)
	x.put(1, 4, 1, 4, g.SituationLabel, x.situation)
	for i, t := range g.Types {
		x.put(2+i, 4, 2+i, 4, t, x.turned)
	}
	x.put(2+types, 4, 2+types, 4, g.PeriodLabel, x.turned)
	for i, c := range g.Columns {
		x.put(3+types+i, 4, 3+types+i, 4, c.Label, x.turned)
	}
	for r, h := range []float64{30, min(409, 26*float64(lines)), 22, 260} {
		x.check(f.SetRowHeight(x.sheet, r+1, h))
	}
	x.row = 5
}

// attestation writes the model's attestation sentence across the sheet
// and its blank rows under it.
func (x *xlsxDoc) attestation(g portfolio.Grid) {
	if g.Attestation == "" {
		return
	}
	x.put(1, x.row, x.last, x.row, g.Attestation, x.sentence)
	x.check(x.f.SetRowHeight(x.sheet, x.row, 30))
	x.row++
	for range g.AttestationRows {
		x.put(1, x.row, x.last, x.row, "", x.sentence)
		x.check(x.f.SetRowHeight(x.sheet, x.row, 24))
		x.row++
	}
}

// closeTable gives the table's last row the model's medium bottom border.
func (x *xlsxDoc) closeTable() {
	r := x.row - 1
	for c := 1; c <= x.last; c++ {
		ref := cellRef(c, r)
		id, err := x.f.GetCellStyle(x.sheet, ref)
		x.check(err)
		st, err := x.f.GetStyle(id)
		x.check(err)
		if err != nil {
			return
		}
		borders := []excelize.Border{{Type: "bottom", Color: "000000", Style: 2}}
		for _, b := range st.Border {
			if b.Type != "bottom" {
				borders = append(borders, b)
			}
		}
		st.Border = borders
		closed, err := x.f.NewStyle(st)
		x.check(err)
		x.check(x.f.SetCellStyle(x.sheet, ref, ref, closed))
	}
}

// rowHeight is the height, in points, of a réalisation row: its text
// wrapped in column A (perLine characters a line at 11 pt: about 65 in the
// 2019 model), three lines at least so that the période (two lines in its
// column) shows whole, and Excel's limit of 409 at most.
func rowHeight(text string, perLine int) float64 {
	lines := 0
	for _, l := range strings.Split(text, "\n") {
		lines += max(1, (utf8.RuneCountInString(l)+perLine-1)/perLine)
	}
	return min(409, float64(max(lines, 3))*14.5)
}

// cellText is a text as a spreadsheet cell can hold it: XML 1.0 allows no
// control character but tab and line breaks, nor U+FFFE and U+FFFF, and a
// cell holds at most 32,767 characters. Everything else is kept as typed.
// sheetName is a name a spreadsheet accepts for a sheet (at most 31
// characters, none of : \ / ? * [ ]), or fallback.
func sheetName(name, fallback string) string {
	name = cellText(name)
	if name == "" || utf8.RuneCountInString(name) > 31 || strings.ContainsAny(name, `:\/?*[]`) {
		return fallback
	}
	return name
}

func cellText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	clean := strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(clean) > 32767 {
		clean = string([]rune(clean)[:32766]) + "…"
	}
	return clean
}
