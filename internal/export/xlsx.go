package export

import (
	"cmp"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// XLSX writes the official tableau as its spreadsheet model: the sheet
// the model's form lays out (sheet2019, sheet2011), on the model's paper.
//
// github.com/xuri/excelize/v2 writes the file: it is the maintained
// library for Office Open XML spreadsheets in Go (merged cells, styles,
// defined names, page setup), which we would not write better.
func XLSX(w io.Writer, g portfolio.Grid) error {
	s, err := TableauSheet(g, Paper(g.Paper))
	if err != nil {
		return err
	}
	return WriteXLSX(w, s, g.GeneratedAt)
}

// GridPDF prints the official tableau on paper (the model's when empty):
// the same sheet XLSX writes, printed as a spreadsheet prints it.
func GridPDF(w io.Writer, g portfolio.Grid, paper Paper) error {
	if paper == "" {
		paper = Paper(g.Paper)
	}
	s, err := TableauSheet(g, paper)
	if err != nil {
		return err
	}
	name := ""
	for _, f := range g.Fields {
		if f.Key == "name" {
			name = f.Value
		}
	}
	title := strings.TrimSpace(cmp.Or(strings.TrimSpace(g.Subtitle), g.Title)) + " — " + name
	return PrintSheet(w, s, DocMeta{Title: title, Author: name, Date: g.GeneratedAt})
}

// TableauSheet lays a Grid out on its model's sheet: the 2011 model when
// its headers are turned, else the 2019 one.
func TableauSheet(g portfolio.Grid, paper Paper) (*Sheet, error) {
	if paper == "" {
		paper = A4
	}
	if g.Rotate {
		return sheet2011(g, paper)
	}
	return sheet2019(g, paper)
}

// WriteXLSX writes a sheet as a workbook of one sheet: its columns, rows,
// merges, texts and styles, the print set-up with Excel's own defined
// names (_xlnm.Print_Area, _xlnm.Print_Titles), and this application as
// the file's author, at the given time.
func WriteXLSX(w io.Writer, s *Sheet, at time.Time) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	x := &xlsxDoc{f: f, styles: map[Style]int{}}
	if err := f.SetSheetName("Sheet1", s.Name); err != nil {
		return err
	}
	// The workbook's default font is the model's, Arial 10: column widths
	// are counted in its digits.
	if err := f.SetDefaultFont("Arial"); err != nil {
		return err
	}
	ten := 10.0
	f.Styles.Fonts.Font[0].Sz.Val = &ten
	base, dw, dh := uint8(baseColWidth), defaultColWidth, defaultRowHeight
	x.check(f.SetSheetProps(s.Name, &excelize.SheetPropsOptions{BaseColWidth: &base, DefaultColWidth: &dw, DefaultRowHeight: &dh}))
	for i, w := range s.Cols {
		x.check(f.SetColWidth(s.Name, col(i+1), col(i+1), w))
	}
	for i, h := range s.Rows {
		x.check(f.SetRowHeight(s.Name, i+1, h))
	}
	for _, c := range s.Cells {
		a, b := c.cellRange()
		if a != b {
			x.check(f.MergeCell(s.Name, a, b))
		}
		if c.Text != "" {
			x.check(f.SetCellStr(s.Name, a, cellText(c.Text)))
		}
		for r := c.Row; r <= c.Row2; r++ {
			for cc := c.Col; cc <= c.Col2; cc++ {
				ref := cellRef(cc, r)
				x.check(f.SetCellStyle(s.Name, ref, ref, x.style(c.edges(r, cc))))
			}
		}
	}
	if x.err != nil {
		return x.err
	}
	last := col(len(s.Cols))
	quoted := "'" + strings.ReplaceAll(s.Name, "'", "''") + "'"
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Area",
		RefersTo: fmt.Sprintf("%s!$A$1:$%s$%d", quoted, last, s.Print.AreaRows), Scope: s.Name}); err != nil {
		return err
	}
	if s.Print.TitleRows > 0 {
		if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles",
			RefersTo: fmt.Sprintf("%s!$1:$%d", quoted, s.Print.TitleRows), Scope: s.Name}); err != nil {
			return err
		}
	}
	// The sheet records the range it uses, and the file says who wrote it
	// and when: this application, never the model's author nor the
	// library's.
	if err := f.SetSheetDimension(s.Name, fmt.Sprintf("A1:%s%d", last, len(s.Rows))); err != nil {
		return err
	}
	stamp := at.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{Creator: "Portfolio SIO", LastModifiedBy: "Portfolio SIO", Created: stamp, Modified: stamp,
		Title: "Tableau de synthèse", Language: "fr-FR"}); err != nil {
		return err
	}
	if err := f.SetAppProps(&excelize.AppProperties{Application: "Portfolio SIO"}); err != nil {
		return err
	}
	size, orientation := 9, "portrait" // A4
	if s.Print.Paper == A3 {
		size = 8
	}
	if s.Print.Landscape {
		orientation = "landscape"
	}
	layout := &excelize.PageLayoutOptions{Size: &size, Orientation: &orientation}
	fit := s.Print.Scale == 0
	if fit {
		one := 1
		layout.FitToWidth, layout.FitToHeight = &one, &one
	} else {
		scale := uint(s.Print.Scale)
		layout.AdjustTo = &scale
	}
	if err := f.SetPageLayout(s.Name, layout); err != nil {
		return err
	}
	if err := f.SetSheetProps(s.Name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	m, hf := s.Print.Margin, s.Print.HeaderFooter
	h, v := s.Print.CentreH, s.Print.CentreV
	if err := f.SetPageMargins(s.Name, &excelize.PageLayoutMarginsOptions{Top: &m, Bottom: &m, Left: &m,
		Right: &m, Header: &hf, Footer: &hf, Horizontally: &h, Vertically: &v}); err != nil {
		return err
	}
	return f.Write(w)
}

// xlsxDoc writes one sheet, keeping the first error.
type xlsxDoc struct {
	f      *excelize.File
	styles map[Style]int
	err    error
}

func col(n int) string {
	name, _ := excelize.ColumnNumberToName(n)
	return name
}

func cellRef(c, r int) string { return col(c) + strconv.Itoa(r) }

func (x *xlsxDoc) check(err error) {
	if x.err == nil && err != nil {
		x.err = err
	}
}

// style is the workbook's style for a cell style, made once.
func (x *xlsxDoc) style(st Style) int {
	if id, ok := x.styles[st]; ok {
		return id
	}
	es := &excelize.Style{Font: &excelize.Font{Family: "Arial", Size: st.Size, Bold: st.Bold, Italic: st.Italic},
		Alignment: &excelize.Alignment{Horizontal: st.H, Vertical: st.V, TextRotation: st.Rotate, WrapText: st.Wrap}}
	if es.Alignment.Horizontal == "general" {
		es.Alignment.Horizontal = ""
	}
	if st.Size == 0 {
		es.Font = nil
	}
	for _, b := range []struct {
		side string
		b    Border
	}{{"left", st.Left}, {"right", st.Right}, {"top", st.Top}, {"bottom", st.Bottom}} {
		style := map[Border]int{Thin: 1, Medium: 2, Fine: 7}[b.b] // 7: hair
		if style != 0 {
			es.Border = append(es.Border, excelize.Border{Type: b.side, Color: "000000", Style: style})
		}
	}
	if st.Diagonal {
		es.Border = append(es.Border, excelize.Border{Type: "diagonalDown", Color: "000000", Style: 1})
	}
	id, err := x.f.NewStyle(es)
	x.check(err)
	x.styles[st] = id
	return id
}

// sheetName is a name a spreadsheet accepts for a sheet (at most 31
// characters, none of : \ / ? * [ ]), or fallback.
func sheetName(name, fallback string) string {
	name = cellText(name)
	// Excel counts a name's UTF-16 units: an emoji is two of its 31.
	if name == "" || len(utf16.Encode([]rune(name))) > 31 || strings.ContainsAny(name, `:\/?*[]`) ||
		strings.HasPrefix(name, "'") || strings.HasSuffix(name, "'") {
		return fallback
	}
	return name
}

// cellText is a text as a spreadsheet cell can hold it: XML 1.0 allows no
// control character but tab and line breaks, nor U+FFFE and U+FFFF, and a
// cell holds at most 32,767 characters. Everything else is kept as typed.
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
