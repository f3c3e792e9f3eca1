package export

import (
	"encoding/csv"
	"io"

	"github.com/xuri/excelize/v2"
)

// Table is a plain table for spreadsheets: a title line, a header row and
// rows of text (a class's coverage matrix).
type Table struct {
	Title  string
	Sheet  string // the XLSX sheet's name
	Header []string
	Rows   [][]string
}

// TableCSV writes the table as the other CSV files: UTF-8 with a BOM, ";"
// separators, formulas neutralised.
func TableCSV(w io.Writer, t Table) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	for _, rec := range append([][]string{{t.Title}, t.Header}, t.Rows...) {
		out := make([]string, len(rec))
		for i, s := range rec {
			out[i] = cell(s)
		}
		_ = cw.Write(out) // errors surface in cw.Error below
	}
	cw.Flush()
	return cw.Error()
}

// TableXLSX writes the table as one sheet: the title, then the header row
// in bold and frozen, every cell a string (never a formula).
func TableXLSX(w io.Writer, t Table) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	sheet := sheetName(t.Sheet, "Tableau")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	put := func(row int, rec []string) error {
		for i, s := range rec {
			ref, err := excelize.CoordinatesToCellName(i+1, row)
			if err != nil {
				return err
			}
			if err := f.SetCellStr(sheet, ref, cellText(s)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := put(1, []string{t.Title}); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A1", "A1", bold); err != nil {
		return err
	}
	if err := put(2, t.Header); err != nil {
		return err
	}
	if len(t.Header) > 0 {
		last, _ := excelize.CoordinatesToCellName(len(t.Header), 2)
		if err := f.SetCellStyle(sheet, "A2", last, bold); err != nil {
			return err
		}
	}
	for i, rec := range t.Rows {
		if err := put(3+i, rec); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: 2, TopLeftCell: "B3", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	return f.Write(w)
}
