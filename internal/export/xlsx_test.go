package export_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

func sampleGrid(t testing.TB, rows int) portfolio.Grid {
	t.Helper()
	all, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	student := portfolio.User{FirstName: "Léa", LastName: "Martin", Parcours: "SISR", SessionYear: 2026,
		CandidateNumber: "02345678901", Centre: "Lycée Jean Jaurès", PortfolioURL: "https://portfolio.example/jury/abc"}
	d := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	entries := []portfolio.GridEntry{{ID: 1, Title: "Gestion du parc informatique 🚀", Cadre: "formation", Start: d("2025-09-13"), End: d("2026-05-31"),
		Ticks: []string{"B1.2", "B1.1.1", "B1.1.3"}, Productions: []portfolio.Production{{Title: "Inventaire GLPI", URL: "https://git.example/glpi"}}}}
	for i := 1; i < rows; i++ {
		entries = append(entries, portfolio.GridEntry{ID: int64(i + 1), Title: "Stage : supervision " + strings.Repeat("I", i), Cadre: "stage1",
			Start: d("2026-05-18"), End: d("2026-06-19"), Ticks: []string{"B1.5"}})
	}
	return portfolio.BuildGrid(all["sio-2019"].Tree, student, entries, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
}

// TestXLSXIsTheModelFilledIn reads the file back: the model's cells,
// merges, print area and page, with the student's data in their place.
func TestXLSXIsTheModelFilledIn(t *testing.T) {
	var buf bytes.Buffer
	if err := export.XLSX(&buf, sampleGrid(t, 9)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "Tableau de synthèse Épreuve E5" {
		t.Fatalf("sheets %q", got)
	}
	sheet := "Tableau de synthèse Épreuve E5"
	for cell, want := range map[string]string{
		"A1": "BTS SERVICES INFORMATIQUES AUX ORGANISATIONS", "G1": "SESSION 2026",
		"A2": "Tableau de synthèse des réalisations professionnelles ",
		"A3": "NOM et prénom : MARTIN Léa", "F3": "N° candidat : 02345678901",
		"A4": "Centre de formation : Lycée Jean Jaurès", "F4": "Option :", "G4": "☒ SISR", "H4": "▢ SLAM",
		"A5": "Adresse URL du portfolio : https://portfolio.example/jury/abc",
		"A6": "Compétences mises en œuvre" + strings.Repeat("\n", 22) + "Réalisations professionnelles\n(intitulé et liste des documents et productions associés)",
		"B6": "Période (sous la forme du JJ/MM/AA au JJ/MM/AA)",
		"C6": "Gérer le patrimoine informatique", "H6": "Organiser son développement professionnel",
		"A8": "Réalisation en cours de formation",
		"A9": "Gestion du parc informatique 🚀\nInventaire GLPI : https://git.example/glpi",
		"B9": "13/09/25 au 31/05/26",
		"C9": "X", "D9": "X", "E9": "",
		"A19": "Réalisations en milieu professionnel en cours de première année",
		"A20": "Stage : supervision I", "G20": "X", "A27": "Stage : supervision IIIIIIII",
		// Eight rows in a band of seven blank ones: the band grows, the
		// next one follows it.
		"A28": "Réalisations en milieu professionnel en cours de seconde année",
	} {
		if got, err := f.GetCellValue(sheet, cell); err != nil || got != want {
			t.Errorf("%s = %q, want %q (%v)", cell, got, want, err)
		}
	}
	items, _ := f.GetCellValue(sheet, "D7")
	if items != "▸Collecter, suivre et orienter des demandes\n▸Traiter des demandes concernant les services réseau et système, applicatifs\n▸Traiter des demandes concernant les applications" {
		t.Errorf("D7 = %q", items)
	}
	merges, err := f.GetMergeCells(sheet)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, m := range merges {
		have[m.GetStartAxis()+":"+m.GetEndAxis()] = true
	}
	for _, want := range []string{"A1:F1", "G1:H1", "A2:H2", "A3:E3", "F3:H3", "A4:E4", "A5:H5", "A6:A7", "B6:B7", "A8:H8", "A19:H19", "A28:H28"} {
		if !have[want] {
			t.Errorf("no merge %s (%v)", want, merges)
		}
	}
	names := f.GetDefinedName()
	if len(names) != 1 || names[0].Name != "_xlnm.Print_Area" || names[0].Scope != sheet || names[0].RefersTo != "'Tableau de synthèse Épreuve E5'!$A$1:$H$36" {
		t.Errorf("defined names %+v", names)
	}
	if dim, err := f.GetSheetDimension(sheet); err != nil || dim != "A1:H36" {
		t.Errorf("dimension %q, %v", dim, err)
	}
	props, err := f.GetDocProps()
	if err != nil || props.Creator != "Portfolio SIO" || props.LastModifiedBy != "Portfolio SIO" || !strings.HasPrefix(props.Created, "20") || strings.HasPrefix(props.Created, "2006") {
		t.Errorf("document properties %+v, %v", props, err)
	}
	if app, err := f.GetAppProps(); err != nil || app.Application != "Portfolio SIO" {
		t.Errorf("application %+v, %v", app, err)
	}
	layout, err := f.GetPageLayout(sheet)
	if err != nil || *layout.Size != 9 || *layout.Orientation != "portrait" || layout.AdjustTo == nil || *layout.AdjustTo != 48 {
		t.Errorf("page layout %+v, %v", layout, err)
	}
	if w, _ := f.GetColWidth(sheet, "A"); w < 70 || w > 71 {
		t.Errorf("column A width %v", w)
	}
	// The table closes with a medium bottom border on its last row (35
	// here: the second year's seven blank rows after row 28), as the
	// model's row 34; the rows above have thin ones.
	bottom := func(cell string) int {
		id, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range st.Border {
			if b.Type == "bottom" {
				return b.Style
			}
		}
		return 0
	}
	for _, c := range []string{"A35", "B35", "E35", "H35"} {
		if got := bottom(c); got != 2 {
			t.Errorf("%s bottom border %d, want 2 (medium)", c, got)
		}
	}
	if got := bottom("A34"); got != 1 {
		t.Errorf("A34 bottom border %d, want 1 (thin)", got)
	}
}

// TestXLSXOpensInLibreOffice converts the file with LibreOffice headless,
// as a candidate's office suite would open it, and reads the PDF: the
// texts are there, on one A4 portrait page.
func TestXLSXOpensInLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Fatal("LibreOffice is needed to check the XLSX (Debian libreoffice-calc-nogui; make test-deps installs it)")
	}
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := export.XLSX(&buf, sampleGrid(t, 3)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tableau.xlsx")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "pdf", "--outdir", dir, path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	pdf := filepath.Join(dir, "tableau.pdf")
	out, err := exec.Command("pdftotext", pdf, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, out)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"BTS SERVICES INFORMATIQUES AUX ORGANISATIONS", "SESSION 2026", "NOM et prénom : MARTIN Léa",
		"N° candidat : 02345678901", "☒ SISR", "Gérer le patrimoine informatique", "Réalisation en cours de formation",
		"Gestion du parc informatique", "13/09/25 au 31/05/26", "Réalisations en milieu professionnel en cours de seconde année"} {
		if !strings.Contains(text, want) {
			t.Errorf("the LibreOffice rendering lacks %q", want)
		}
	}
	info, err := exec.Command("pdfinfo", pdf).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v %s", err, info)
	}
	if !regexp.MustCompile(`Pages:\s+1\n`).Match(info) || !regexp.MustCompile(`Page size:\s+595\.\d* x 841\.\d*`).Match(info) {
		t.Errorf("not one A4 portrait page:\n%s", info)
	}
	if os.Getenv("XLSX_KEEP") != "" { // to look at the pages: XLSX_KEEP=/tmp/dir
		_ = os.WriteFile(filepath.Join(os.Getenv("XLSX_KEEP"), "tableau.pdf"), mustRead(t, pdf), 0o644)
		_ = os.WriteFile(filepath.Join(os.Getenv("XLSX_KEEP"), "tableau.xlsx"), buf.Bytes(), 0o644)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGridPDF: the 2019 tableau as a PDF, A4 portrait by default, with the
// model's texts and the student's data; A3 on request; a sheet grown past
// its page at 40 % continues on a second page under rows 1–7 repeated.
func TestGridPDF(t *testing.T) {
	for _, c := range []struct {
		paper       export.Paper
		rows, pages int
		size        string
	}{{"", 3, 1, `595\.\d* x 841\.\d*`}, {export.A3, 3, 1, `841\.\d* x 1190\.\d*`}, {"", 40, 2, `595\.\d* x 841\.\d*`},
		// More réalisations than the band's blank rows: the band grows and
		// the sheet prints smaller, on one page.
		{"", 12, 1, `595\.\d* x 841\.\d*`}, {export.A3, 12, 1, `841\.\d* x 1190\.\d*`}} {
		var buf bytes.Buffer
		if err := export.GridPDF(&buf, sampleGrid(t, c.rows), c.paper); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "g.pdf")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if keep := os.Getenv("XLSX_KEEP"); keep != "" {
			_ = os.WriteFile(filepath.Join(keep, "grid-"+string(c.paper)+strconv.Itoa(c.rows)+".pdf"), buf.Bytes(), 0o644)
		}
		out, err := exec.Command("pdftotext", path, "-").CombinedOutput()
		if err != nil {
			t.Fatalf("pdftotext: %v %s", err, out)
		}
		text := strings.Join(strings.Fields(string(out)), " ")
		for _, want := range []string{"BTS SERVICES INFORMATIQUES AUX ORGANISATIONS", "SESSION 2026",
			"Tableau de synthèse des réalisations professionnelles", "NOM et prénom : MARTIN Léa", "N° candidat : 02345678901",
			"☒ SISR", "▢ SLAM", "Compétences mises en œuvre", "Réalisations professionnelles (intitulé et liste des documents et productions associés)",
			"Période (sous la forme du JJ/MM/AA au JJ/MM/AA)", "Gérer le patrimoine informatique", "▸Recenser et identifier les ressources numériques",
			"Réalisation en cours de formation", "Gestion du parc informatique �", "Inventaire GLPI : https://git.example/glpi",
			"13/09/25 au 31/05/26", "Réalisations en milieu professionnel en cours de seconde année"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s %d rows: the PDF lacks %q", c.paper, c.rows, want)
			}
		}
		info, _ := exec.Command("pdfinfo", path).CombinedOutput()
		if !regexp.MustCompile(`Pages:\s+`+strconv.Itoa(c.pages)+`\n`).Match(info) || !regexp.MustCompile(`Page size:\s+`+c.size).Match(info) {
			t.Errorf("%s %d rows: want %d pages of %s:\n%s", c.paper, c.rows, c.pages, c.size, info)
		}
		if c.pages > 1 {
			out, err := exec.Command("pdftotext", "-f", "2", "-l", "2", path, "-").CombinedOutput()
			page2 := strings.Join(strings.Fields(string(out)), " ")
			if err != nil || !strings.HasPrefix(page2, "BTS SERVICES INFORMATIQUES AUX ORGANISATIONS SESSION 2026") ||
				!strings.Contains(page2, "Compétences mises en œuvre") || !strings.Contains(page2, "Gérer le patrimoine informatique") {
				t.Errorf("the second page does not repeat rows 1–7: %.300s (%v)", page2, err)
			}
		}
		// The model has no footer: a sheet on one page has none.
		if c.pages == 1 && (strings.Contains(text, "Page 1") || strings.Contains(text, "Portfolio SIO")) {
			t.Errorf("%s %d rows: a one-page sheet has a footer: %s", c.paper, c.rows, text[len(text)-200:])
		}
	}
}

func TestGridCSV(t *testing.T) {
	g := sampleGrid(t, 2)
	g.Bands[0].Rows[0].Title = "=HYPERLINK(\"x\")"
	var buf bytes.Buffer
	if err := export.GridCSV(&buf, g); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff"))))
	r.Comma, r.FieldsPerRecord = ';', -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, rec := range recs {
		lines = append(lines, strings.Join(rec, "|"))
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"BTS SERVICES INFORMATIQUES AUX ORGANISATIONS|SESSION 2026", "NOM et prénom :|MARTIN Léa", "Option :|☒ SISR|▢ SLAM",
		"Situations|Réalisations professionnelles (intitulé et liste des documents et productions associés)|Productions|Période (sous la forme du JJ/MM/AA au JJ/MM/AA)|Gérer le patrimoine informatique|",
		"Réalisation en cours de formation|'=HYPERLINK(\"x\")|Inventaire GLPI (https://git.example/glpi)|13/09/25 au 31/05/26|X|X||||",
		"Réalisations en milieu professionnel en cours de première année|Stage : supervision I||18/05/26 au 19/06/26|||||X|"} {
		if !strings.Contains(all, want) {
			t.Errorf("the CSV lacks %q\n%s", want, all)
		}
	}
}

// BenchmarkGridOutputs measures drawing the 2019 tableau of a student
// with 24 réalisations (more than the model's 24 blank rows fill) as PDF
// (A4), XLSX and CSV, and the fiche descriptive PDF; and the official 2011
// sheet of a SISR student with 24 réalisations (48 columns) as PDF (A3)
// and XLSX.
func BenchmarkGridOutputs(b *testing.B) {
	g, fiche, g11 := grid2019(b, "SISR", 24), sampleFiche(b, "SLAM", 2026, portfolio.ExamCCF, portfolio.SessionTexts{}), sampleGrid2011(b, "SISR", 24)
	for _, o := range []struct {
		name string
		draw func(io.Writer) error
	}{
		{"pdf-a4", func(w io.Writer) error { return export.GridPDF(w, g, export.A4) }},
		{"xlsx", func(w io.Writer) error { return export.XLSX(w, g) }},
		{"csv", func(w io.Writer) error { return export.GridCSV(w, g) }},
		{"fiche", func(w io.Writer) error { return export.FichePDF(w, fiche) }},
		{"2011-pdf-a3", func(w io.Writer) error { return export.GridPDF(w, g11, export.A3) }},
		{"2011-xlsx", func(w io.Writer) error { return export.XLSX(w, g11) }},
	} {
		b.Run(o.name, func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := o.draw(&buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
	}
}

// TestCSVNeutralisesFormulas: a title starting with any character a
// spreadsheet reads as the start of a formula, the fullwidth and small
// forms too (LibreOffice folds them to ASCII), comes out with a leading
// apostrophe; other titles come out as typed.
func TestCSVNeutralisesFormulas(t *testing.T) {
	for _, c := range []struct {
		title   string
		neutral bool
	}{
		{"=1+1", true}, {"+1", true}, {"-1", true}, {"@SUM(A1)", true}, {"\tx", true}, {"\rx", true},
		{"＝HYPERLINK(\"https://evil.example\")", true}, {"＋1", true}, {"－1", true}, {"＠SUM(A1)", true},
		{"﹦1+1", true}, {"﹢1", true}, {"﹣1", true}, {"﹫x", true},
		{"Installation d'un serveur", false}, {"« =1 »", false}, {"1 = 1", false},
	} {
		g := sampleGrid(t, 1)
		g.Bands[0].Rows[0].Title = c.title
		var buf bytes.Buffer
		if err := export.GridCSV(&buf, g); err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff"))))
		r.Comma, r.FieldsPerRecord, r.LazyQuotes = ';', -1, true
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := c.title
		if c.neutral {
			want = "'" + c.title
		}
		found := false
		for _, rec := range recs {
			for _, f := range rec {
				if f == want {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("title %q: no cell %q in the CSV", c.title, want)
		}
	}
}
