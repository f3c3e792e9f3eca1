package export

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// StudentTableau is one student's grid, for a class export.
type StudentTableau struct {
	Student portfolio.User
	Tableau portfolio.Tableau
	Grid    *portfolio.Grid // instead of Tableau, for a Tree référentiel
}

// ClassZIP writes a ZIP of one PDF per student, named
// NOM_Prenom_tableau.pdf (ASCII-safe; a repeated name gets _2, _3…).
// progress, if not nil, is called after each PDF with the count done.
func ClassZIP(w io.Writer, items []StudentTableau, paper Paper, progress func(done int)) error {
	zw := zip.NewWriter(w)
	used := map[string]int{}
	var buf bytes.Buffer
	for i, it := range items {
		buf.Reset()
		at := it.Tableau.GeneratedAt
		var err error
		if it.Grid != nil {
			at = it.Grid.GeneratedAt
			err = GridPDF(&buf, *it.Grid, paper)
		} else {
			err = PDF(&buf, it.Tableau, paper)
		}
		if err != nil {
			return fmt.Errorf("tableau of %s: %w", it.Student.Email, err)
		}
		name := PaperFileName(it.Student, paper)
		key := strings.ToLower(name)
		used[key]++
		if n := used[key]; n > 1 {
			name = strings.TrimSuffix(name, ".pdf") + fmt.Sprintf("_%d.pdf", n)
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: at.Local()})
		if err != nil {
			return err
		}
		if _, err := fw.Write(buf.Bytes()); err != nil {
			return err
		}
		if progress != nil {
			progress(i + 1)
		}
	}
	return zw.Close()
}
