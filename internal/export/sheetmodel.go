package export

import "math"

// A Sheet is an official tableau as its spreadsheet model holds it: the
// columns' widths, the rows' heights, the cells with their texts and
// styles, and the print set-up. It is the one description both outputs
// are made from: XLSX writes it as a workbook, and PrintSheet prints it as
// a PDF the way a spreadsheet (LibreOffice, the reference) prints it.
// The builders (tableau2019.go, tableau2011.go) fill it from a Grid with
// the form of each model, written there as data.
//
// A Word model's table (the fiche descriptive) is drawn by the same
// engine as a sheet with Word set: its columns are in points, its lines
// and cell margins are Word's, and its builder decides its page breaks
// (Breaks), as it knows where the table's frame must close and what a
// new page repeats.
type Sheet struct {
	Name  string
	Word  bool
	Cols  []float64 // widths, in Excel's character units (points for Word), from column A
	Rows  []float64 // heights, in points, from row 1
	Cells []Cell
	// Breaks are the rows after which a new page starts (a spreadsheet's
	// manual page breaks); rows that do not fit a page break it anyway.
	Breaks []int
	Print  PrintSetup
}

// Border is a cell side's rule: none, thin or medium, as the models have.
type Border uint8

// The rules of the models.
const (
	NoBorder Border = iota
	Thin
	Medium
	// Fine is Word's single 0.5 pt rule (the fiche's table).
	Fine
)

// Style is everything a model says about a cell's look. Fonts are all
// Arial; the models have no fill colour.
type Style struct {
	Size         float64 // points
	Bold, Italic bool
	H            string // "general", "left", "center" or "right"
	V            string // "top", "center" or "bottom"
	Rotate       int    // 0, or 90: the text reads from bottom to top
	Wrap         bool
	Left, Right  Border
	Top, Bottom  Border
	Diagonal     bool // a thin rule from the top-left to the bottom-right corner
}

// A Cell is one cell, or a merged range from (Row, Col) to (Row2, Col2),
// numbered from 1. The text is in its first cell.
// Rich, when set, is the text instead of Text: runs of their own
// weight, as a Word cell has a bold label and a regular value.
type Cell struct {
	Row, Col, Row2, Col2 int
	Text                 string
	Rich                 []Span
	Style                Style
}

// Span is a piece of a rich text in one weight; "\n" starts a new line.
type Span struct {
	Text string
	Bold bool
}

// PrintSetup is the page set-up of the sheet.
type PrintSetup struct {
	Paper     Paper // A4 or A3
	Landscape bool
	// Scale is the print scale in percent; 0 means fit the print area on
	// one page (as the 2011 model asks).
	Scale int
	// Margins, header and footer distances, in inches as the file stores
	// them. The models' headers and footers have no text. MarginLR, when
	// set, is the left and right margins (Margin the top and bottom).
	Margin, HeaderFooter float64
	MarginLR             float64
	CentreH, CentreV     bool
	// AreaRows is the print area's last row (it spans every column).
	AreaRows int
	// TitleRows are the rows 1..TitleRows repeated on every page (0:
	// none); set when the sheet runs on more than one page.
	TitleRows int
}

// Excel's sheet defaults that the models record (Arial 10).
const (
	baseColWidth     = 10
	defaultColWidth  = 10.86
	defaultRowHeight = 12.75
	// maxRowHeight is the highest row a spreadsheet accepts (Excel's
	// limit).
	maxRowHeight = 409
)

// put adds a cell (a merged range when it covers more than one).
func (s *Sheet) put(r, c, r2, c2 int, text string, st Style) {
	s.Cells = append(s.Cells, Cell{Row: r, Col: c, Row2: r2, Col2: c2, Text: text, Style: st})
}

// closeTable gives the table's last row (the sheet's last so far) the
// models' medium bottom rule.
func (s *Sheet) closeTable() {
	last := len(s.Rows)
	for i := range s.Cells {
		if s.Cells[i].Row2 == last {
			s.Cells[i].Style.Bottom = Medium
		}
	}
}

// rowHeight is the height of a réalisation row: its title and its période
// wrapped in their columns (widths in Excel's units), at least least
// points, at most a spreadsheet's highest row.
func (sf *sheetFonts) rowHeight(least float64, title string, titleSt Style, titleW float64, period string, periodSt Style, periodW float64) float64 {
	lines := max(len(sf.wrap(title, titleSt, colPoints(titleW)-2*cellPad)), len(sf.wrap(period, periodSt, colPoints(periodW)-2*cellPad)))
	return min(max(least, math.Ceil(float64(lines)*cellLineHeight(titleSt.Size)+2*cellPad)), maxRowHeight)
}

// colPoints is the width of a column in points as LibreOffice lays it out
// when it opens the file: Excel's character unit is the width of the
// digit « 0 » of the workbook's default font (Arial 10, drawn in
// Liberation Sans: 1139/2048 of 10 pt), which LibreOffice rounds to
// 5.551 pt (measured on its print of our files, LibreOffice 7.4).
// Excel differs by its padding in pixels: 70.43 is 493 pixels (369.75 pt)
// in Excel, 390.9 pt in LibreOffice; the model was made in Excel, but a
// jury's copy is as often opened in LibreOffice, and LibreOffice is what
// our test can run.
func colPoints(w float64) float64 { return w * 5.551 }

// Word's table: its line is Liberation Sans's (Arial's) ascent, descent
// and line gap (1854 + 434 + 67 of 2048 units), and its cells have
// Word's default margins, 0.19 cm on the left and right, none above and
// below.
const (
	wordPadX = 0.19 / 2.54 * 72
	wordPadY = 0.0
)

// colWidth is a column's width in points.
func (s *Sheet) colWidth(w float64) float64 {
	if s.Word {
		return w
	}
	return colPoints(w)
}

// lineHeight is the height of a line of text at size.
func (s *Sheet) lineHeight(size float64) float64 {
	if s.Word {
		return size * 2355 / 2048
	}
	return cellLineHeight(size)
}

// pads are the space between a cell's sides and its text, across and
// down, in points.
func (s *Sheet) pads() (x, y float64) {
	if s.Word {
		return wordPadX, wordPadY
	}
	return cellPad, cellPad
}

// cellRange is the A1 reference of a cell or range.
func (c Cell) cellRange() (string, string) {
	return cellRef(c.Col, c.Row), cellRef(c.Col2, c.Row2)
}

// edges is the style of the cell at (r, c) of a merged range: the range's
// rules on its outer sides only (a spreadsheet draws a merged cell's
// sides from the cells on its edges), its first cell with all four (as
// LibreOffice reads a merged cell's rules from its first cell).
func (c Cell) edges(r, col int) Style {
	st := c.Style
	if r == c.Row && col == c.Col {
		return st
	}
	if col != c.Col {
		st.Left = NoBorder
	}
	if col != c.Col2 {
		st.Right = NoBorder
	}
	if r != c.Row {
		st.Top = NoBorder
	}
	if r != c.Row2 {
		st.Bottom = NoBorder
	}
	st.Diagonal = false
	return st
}
