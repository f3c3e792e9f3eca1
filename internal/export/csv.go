// Package export draws the official documents as files: the tableau de
// synthèse (PDF, CSV, and XLSX for the 2019 model), the class ZIP and the
// Bloc 2 fiche. It only draws what portfolio.BuildTableau, BuildGrid and
// BuildFiche computed.
package export

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// CSV writes the tableau for spreadsheets: UTF-8 with a byte-order mark and
// ";" separators, which French Excel and LibreOffice open directly.
func CSV(w io.Writer, t portfolio.Tableau) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	put := func(rec ...string) {
		for i := range rec {
			rec[i] = cell(rec[i])
		}
		_ = cw.Write(rec) // errors surface in cw.Error below
	}
	put(t.Title)
	put("Session", t.Header.Session)
	put("Nom et prénom", t.Header.Name)
	put("Numéro de candidat", t.Header.Candidate)
	put("Parcours", t.Header.Parcours)
	put("Centre de formation", t.Header.Centre)
	if t.Header.URL != "" {
		put("URL du portfolio", t.Header.URL)
	}
	put()

	head := []string{"Situations", "Intitulé", "Productions"}
	for _, ty := range t.Types {
		head = append(head, ty.Short)
	}
	head = append(head, "Période (MM/AA)")
	for _, c := range t.Columns {
		head = append(head, c.Code)
	}
	put(head...)
	for _, b := range t.Bands {
		for _, row := range b.Rows {
			title := row.Title
			if row.Pending {
				title += " " + portfolio.PendingMark
			}
			rec := []string{b.Title, title, productions(row.Productions)}
			for _, on := range row.Types {
				rec = append(rec, mark(on))
			}
			rec = append(rec, row.Period)
			for _, on := range row.Marks {
				rec = append(rec, mark(on))
			}
			put(rec...)
		}
	}
	totals := []string{"", "Total", ""}
	for _, n := range t.TypeTotals {
		totals = append(totals, strconv.Itoa(n))
	}
	totals = append(totals, "")
	for _, n := range t.Totals {
		totals = append(totals, strconv.Itoa(n))
	}
	put(totals...)
	put()
	gaps := make([]string, 0, len(t.Gaps))
	for _, g := range t.Gaps {
		gaps = append(gaps, g.Code)
	}
	put("Activités à couvrir", strings.Join(gaps, " "))
	put("Généré le", t.GeneratedAt.Format("02/01/2006 15:04"))
	cw.Flush()
	return cw.Error()
}

// GridCSV writes the official tableau drawn as a Grid (sio-2019)
// for spreadsheets, in the model's order: title, session, identification,
// then a line of column headers (the competences and their items), then
// each band's réalisations with one X per competence. UTF-8 with a BOM,
// ";" separators, formulas neutralised.
func GridCSV(w io.Writer, g portfolio.Grid) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	put := func(rec ...string) {
		for i := range rec {
			rec[i] = cell(rec[i])
		}
		_ = cw.Write(rec) // errors surface in cw.Error below
	}
	put(g.Title, g.Session)
	put(strings.TrimSpace(g.Subtitle))
	for _, f := range g.Fields {
		if f.Key == "option" {
			rec := []string{strings.TrimSpace(f.Label)}
			for _, o := range g.Options {
				rec = append(rec, o.Box+" "+o.Code)
			}
			put(rec...)
			continue
		}
		put(strings.TrimSpace(f.Label), f.Value)
	}
	put()
	situation := g.SituationLabel
	if situation == "" {
		situation = strings.ReplaceAll(g.CornerBelow, "\n", " ")
	}
	head := []string{"Situations", situation, "Productions"}
	head = append(head, g.Types...)
	head = append(head, g.PeriodLabel)
	items := make([]string, len(head))
	for _, c := range g.Columns {
		head = append(head, c.Label)
		items = append(items, strings.Join(c.Details, "\n"))
	}
	put(head...)
	put(items...)
	for _, b := range g.Bands {
		for _, row := range b.Rows {
			title := row.Title
			if row.Pending {
				title += " " + portfolio.PendingMark
			}
			rec := []string{b.Title, title, productions(row.Productions)}
			for _, on := range row.Types {
				rec = append(rec, mark(on))
			}
			rec = append(rec, row.Period)
			for _, on := range row.Marks {
				rec = append(rec, mark(on))
			}
			put(rec...)
		}
	}
	if g.Attestation != "" {
		put()
		put(g.Attestation)
	}
	put()
	put("Généré le", g.GeneratedAt.Format("02/01/2006 15:04"))
	cw.Flush()
	return cw.Error()
}

func mark(on bool) string {
	if on {
		return "X"
	}
	return ""
}

func productions(ps []portfolio.Production) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Title + " (" + p.URL + ")"
	}
	return strings.Join(parts, " | ")
}

// cell neutralises spreadsheet formulas: a cell starting with = + - @,
// their fullwidth and small forms (＝ ＋ － ＠, ﹦ ﹢ ﹣ ﹫, which a
// spreadsheet may fold to the ASCII ones), or a tab or carriage return gets a leading apostrophe,
// so a title typed by a student can never run as a formula on a teacher's
// machine.
func cell(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	if s != "" && strings.ContainsRune(formulaStarts, r) {
		return "'" + s
	}
	return s
}

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula.
const formulaStarts = "=+-@\t\r\uFF1D\uFF0B\uFF0D\uFF20\uFE66\uFE62\uFE63\uFE6B"

// PaperFileName is the download name of a student's tableau printed on a
// paper, NOM_Prenom_tableau_A3.pdf: two downloads on two papers keep
// both.
func PaperFileName(u portfolio.User, paper Paper) string {
	return strings.TrimSuffix(FileName(u, "pdf"), ".pdf") + "_" + string(paper) + ".pdf"
}

// FileName is the ASCII-safe download name of a student's tableau,
// NOM_Prenom_tableau.ext.
func FileName(u portfolio.User, ext string) string {
	var parts []string
	for _, p := range []string{asciiName(strings.ToUpper(u.LastName)), asciiName(u.FirstName)} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		parts = []string{"etudiant"}
	}
	return strings.Join(parts, "_") + "_tableau." + ext
}

// ASCIIName is s without accents, keeping letters, digits and dashes, cut
// to max bytes: a safe part of a file name.
func ASCIIName(s string, max int) string {
	n := asciiName(s)
	if len(n) > max {
		n = n[:max]
	}
	return n
}

// asciiName strips accents and keeps letters, digits and dashes.
func asciiName(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-'):
			b.WriteRune(r)
		case r == ' ' || r == '\'':
			b.WriteRune('-')
		case r == 'œ':
			b.WriteString("oe")
		case r == 'Œ':
			b.WriteString("OE")
		}
	}
	return b.String()
}

// ClassFileName is the ASCII-safe name of a class's file, such as
// SIO2-SLAM_2026-2027_tableaux.zip for the kind "tableaux.zip".
func ClassFileName(class, schoolYear, kind string) string {
	name := asciiName(class)
	if name == "" {
		name = "classe"
	}
	return name + "_" + asciiName(schoolYear) + "_" + kind
}
