package export_test

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/font/sfnt"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

var now = time.Date(2026, 11, 24, 15, 30, 0, 0, time.UTC)

func ref(t testing.TB) *referentiel.Referentiel {
	t.Helper()
	all, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	return all["sio-2011"]
}

// sampleTableau is a student's tableau with n validated réalisations
// spread over the bands, with accented titles and productions.
func sampleTableau(t testing.TB, parcours string, n int) portfolio.Tableau {
	t.Helper()
	r := ref(t)
	acts := r.ColumnActivities(parcours)
	titles := []string{
		"Déploiement d’un serveur de fichiers",
		"Élaboration de la documentation : œuvre collective à l’agence",
		"Mise à jour du parc et procédure de déploiement très détaillée pour les postes de la salle informatique, avec scripts PowerShell et GPO",
		"Veille technologique : sécurité des accès",
		"Prise en charge d’incidents — ticket n° 42 (réseau, imprimantes, comptes)",
	}
	var reals []portfolio.Realisation
	for i := 0; i < n; i++ {
		in := portfolio.RealisationInput{
			Title: fmt.Sprintf("%s (%d)", titles[i%len(titles)], i+1),
			Cadre: []string{"formation", "stage1", "stage2"}[i%3], Types: []string{fmt.Sprintf("T%d", 1+i%4)},
			Start: fmt.Sprintf("20%02d-%02d", 25+i/12, 1+i%12), End: fmt.Sprintf("20%02d-%02d", 25+(i+2)/12, 1+(i+2)%12), Modalite: "seul",
		}
		in.End = in.Start
		for j := 0; j < 3+i%3; j++ {
			in.Activities = append(in.Activities, acts[(i*5+j*7)%len(acts)].Code)
		}
		if i%2 == 0 {
			in.Productions = []portfolio.Production{{Title: "Dépôt", URL: fmt.Sprintf("https://git.example.org/projet-%d", i)}}
		}
		x, errs := in.Validate(r)
		if errs != nil {
			t.Fatal(errs)
		}
		x.ID, x.Status, x.ValidatorName = int64(i+1), portfolio.StatusValidated, "Claire Dubois"
		if i == 3 {
			x.Status, x.Tableau, x.ValidatorName = portfolio.StatusSubmitted, portfolio.TableauShow, ""
		}
		reals = append(reals, x)
	}
	student := portfolio.User{FirstName: "Léa", LastName: "Moreau-Lefèvre", Parcours: parcours, SessionYear: 2027,
		CandidateNumber: "02345678901", Centre: "Lycée Jean Jaurès — BTS SIO", PortfolioURL: "https://portfolio.example.org/jury/abc"}
	return portfolio.BuildTableau(r, student, reals, now)
}

func writePDF(t testing.TB, tab portfolio.Tableau, paper export.Paper) string {
	t.Helper()
	var buf bytes.Buffer
	if err := export.PDF(&buf, tab, paper); err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("PORTFOLIO_PDF_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// poppler runs a poppler-utils command; they are part of the test
// environment (make test and CI install them), so a missing one fails.
func poppler(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s (install poppler-utils)", name, args, err, out)
	}
	return string(out)
}

func TestPDFRender(t *testing.T) {
	for _, tc := range []struct {
		parcours string
		n        int
		paper    export.Paper
	}{{"SLAM", 25, export.A3}, {"SISR", 25, export.A3}, {"SLAM", 30, export.A4}, {"", 0, export.A3}} {
		t.Run(fmt.Sprintf("%s_%d_%s", tc.parcours, tc.n, tc.paper), func(t *testing.T) {
			writePDF(t, sampleTableau(t, tc.parcours, tc.n), tc.paper)
		})
	}
}

func TestPDFText(t *testing.T) {
	r := ref(t)
	for _, parcours := range []string{"SLAM", "SISR"} {
		t.Run(parcours, func(t *testing.T) {
			tab := sampleTableau(t, parcours, 25)
			path := writePDF(t, tab, export.A3)
			text := poppler(t, "pdftotext", path, "-")
			for _, want := range []string{
				"Tableau de synthèse — document de travail", "ce n’est pas le tableau officiel",
				"Session : 2027", "MOREAU-LEFÈVRE Léa", "02345678901", "Lycée Jean Jaurès — BTS SIO",
				"https://portfolio.example.org/jury/abc", "Parcours : " + parcours + " — ",
				"Déploiement d’un serveur de fichiers (1)", "Élaboration de la documentation : œuvre", "à l’agence (2)",
				"Mise à jour du parc", "très détaillée", "Prise en charge d’incidents — ticket n° 42",
				"(non validée)", "Total", "Date et signature", "Réalisations validées par : Claire Dubois.",
				"(suite)",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("PDF text lacks %q", want)
				}
			}
			for _, a := range r.ColumnActivities(parcours) {
				if !strings.Contains(text, a.Code+"\n") {
					t.Errorf("PDF lacks column %s", a.Code)
				}
			}
			// The totals row, read in layout mode: "Total" then every
			// type's and every activity's count, in column order.
			var totals []string
			for _, line := range strings.Split(poppler(t, "pdftotext", "-layout", path, "-"), "\n") {
				if f := strings.Fields(line); len(f) > 0 && f[0] == "Total" {
					totals = f[1:]
				}
			}
			var want []string
			for _, n := range append(append([]int{}, tab.TypeTotals...), tab.Totals...) {
				want = append(want, fmt.Sprint(n))
			}
			if strings.Join(totals, " ") != strings.Join(want, " ") {
				t.Errorf("totals row %v, want %v", totals, want)
			}
			info := poppler(t, "pdfinfo", path)
			if !strings.Contains(info, "Page size:       1190.55 x 841.89 pts (A3)") || !strings.Contains(info, "Pages:           2") {
				t.Errorf("pdfinfo:\n%s", info)
			}
		})
	}
	// Generated in Paris at 16:30 (15:30 UTC): the metadata date is in UTC,
	// as readers take a date without a zone.
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	tab := sampleTableau(t, "SLAM", 30)
	tab.GeneratedAt = now.In(paris)
	info := poppler(t, "pdfinfo", writePDF(t, tab, export.A4))
	if !strings.Contains(info, "Page size:       841.89 x 595.28 pts (A4)") {
		t.Errorf("A4 pdfinfo:\n%s", info)
	}
	if !strings.Contains(info, "CreationDate:    Tue Nov 24 15:30:00 2026 UTC") {
		t.Errorf("creation date not in UTC:\n%s", info)
	}
}

func TestPDFEmptyGrid(t *testing.T) {
	path := writePDF(t, sampleTableau(t, "SISR", 0), export.A3)
	text := poppler(t, "pdftotext", path, "-")
	for _, want := range []string{"Aucune réalisation.", "Activités à couvrir (48)", "Total"} {
		if !strings.Contains(text, want) {
			t.Errorf("empty PDF lacks %q", want)
		}
	}
	if info := poppler(t, "pdfinfo", path); !strings.Contains(info, "Pages:           1") {
		t.Errorf("pdfinfo:\n%s", info)
	}
}

func TestClassZIP(t *testing.T) {
	var items []export.StudentTableau
	for i, name := range [][2]string{{"Léa", "Moreau"}, {"Noé", "Lefèvre"}, {"Léa", "MOREAU"}, {"Zoé", ""}} {
		u := portfolio.User{Email: fmt.Sprint(i), FirstName: name[0], LastName: name[1], Parcours: "SLAM"}
		items = append(items, export.StudentTableau{Student: u, Tableau: sampleTableau(t, "SLAM", 3)})
	}
	var buf bytes.Buffer
	var calls []int
	if err := export.ClassZIP(&buf, items, export.A3, func(done int) { calls = append(calls, done) }); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, _ := f.Open()
		head := make([]byte, 5)
		io.ReadFull(rc, head)
		rc.Close()
		if string(head) != "%PDF-" {
			t.Errorf("%s is not a PDF", f.Name)
		}
	}
	if got := strings.Join(names, ","); got != "MOREAU_Lea_tableau_A3.pdf,LEFEVRE_Noe_tableau_A3.pdf,MOREAU_Lea_tableau_A3_2.pdf,Zoe_tableau_A3.pdf" {
		t.Errorf("names %s", got)
	}
	if fmt.Sprint(calls) != "[1 2 3 4]" {
		t.Errorf("progress %v", calls)
	}
}

func BenchmarkPDF30Rows(b *testing.B) {
	tab := sampleTableau(b, "SLAM", 30)
	var size int
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := export.PDF(&buf, tab, export.A3); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/1024, "KB")
}

func BenchmarkClassZIP35(b *testing.B) {
	var items []export.StudentTableau
	for i := 0; i < 35; i++ {
		u := portfolio.User{Email: fmt.Sprint(i), FirstName: "Prénom", LastName: fmt.Sprintf("Nom%d", i), Parcours: "SLAM"}
		items = append(items, export.StudentTableau{Student: u, Tableau: sampleTableau(b, "SLAM", 30)})
	}
	var size int
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := export.ClassZIP(&buf, items, export.A3, nil); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/1024, "KB")
}

// TestClassZIP35 builds the ZIP of a class of 35 (set PORTFOLIO_PDF_DIR to
// keep it and look at the pages).
func TestClassZIP35(t *testing.T) {
	var items []export.StudentTableau
	for i := 0; i < 35; i++ {
		parcours := []string{"SLAM", "SISR"}[i%2]
		u := portfolio.User{Email: fmt.Sprint(i), FirstName: "Élève", LastName: fmt.Sprintf("Nom%02d", i), Parcours: parcours}
		items = append(items, export.StudentTableau{Student: u, Tableau: sampleTableau(t, parcours, 5+i%25)})
	}
	var buf bytes.Buffer
	if err := export.ClassZIP(&buf, items, export.A3, nil); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || len(zr.File) != 35 {
		t.Fatalf("%v entries, %v", len(zr.File), err)
	}
	if dir := os.Getenv("PORTFOLIO_PDF_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "classe-35.zip"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPDFTallRowFits: a row with more productions than a page can hold is
// cut with a note, and its marks stay on the page.
func TestPDFTallRowFits(t *testing.T) {
	r := ref(t)
	in := portfolio.RealisationInput{Title: strings.Repeat("Très long intitulé ", 10), Cadre: "formation", Types: []string{"T1"},
		Start: "2026-01", End: "2026-02", Modalite: "seul", Activities: []string{"A1.1.1", "A5.2.4"}}
	for i := 0; i < 20; i++ {
		in.Productions = append(in.Productions, portfolio.Production{Title: fmt.Sprintf("Production %d", i),
			URL: "https://example.org/" + strings.Repeat("chemin/", 40) + fmt.Sprint(i)})
	}
	x, errs := in.Validate(r)
	if errs != nil {
		t.Fatal(errs)
	}
	x.ID, x.Status = 1, portfolio.StatusValidated
	tab := portfolio.BuildTableau(r, portfolio.User{FirstName: "A", LastName: "B", Parcours: "SISR"}, []portfolio.Realisation{x}, now)
	path := writePDF(t, tab, export.A4)
	text := poppler(t, "pdftotext", "-layout", path, "-")
	if !strings.Contains(text, "liste des productions coupée") {
		t.Error("no note of the cut")
	}
	// The whole row, its période and its marks, is on one page.
	for _, page := range strings.Split(text, "\f") {
		if !strings.Contains(page, "liste des productions coupée") {
			continue
		}
		found := false
		for _, l := range strings.Split(page, "\n") {
			if strings.Contains(l, "01/26 – 02/26") && strings.Count(l, "X") >= 3 {
				found = true
			}
		}
		if !found {
			t.Error("the row's période and marks are not on the page of its title")
		}
	}
}

// TestPDFConcurrent renders PDFs in parallel (run with -race): documents
// must not share mutable state.
func TestPDFConcurrent(t *testing.T) {
	tab := sampleTableau(t, "SLAM", 5)
	var wg sync.WaitGroup
	sizes := make([]int, 4)
	for i := range sizes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			if err := export.PDF(&buf, tab, export.A3); err != nil {
				t.Error(err)
			}
			sizes[i] = buf.Len()
		}()
	}
	wg.Wait()
	for _, n := range sizes[1:] {
		if n != sizes[0] {
			t.Fatalf("parallel PDFs differ in size: %v", sizes)
		}
	}
}

// TestPDFConcurrentScripts renders, in parallel (run with -race), PDFs
// whose texts use other Unicode blocks: the fork of fpdf shares the parsed
// fonts and the subsets made for a set of blocks between documents
// (internal/fpdf/FORK.md), so each document must still carry the glyphs
// of its own text, and a document whose blocks were seen before must come
// out the same as the first one.
func TestPDFConcurrentScripts(t *testing.T) {
	words := []string{"Ελληνικά", "Кириллица", "Œuvre « déjà » — 12 €", "Łódź Škoda Ğ", "plain ASCII", "ẞtraße № 7 ₤"}
	pdfs := make([][]byte, 3*len(words))
	var wg sync.WaitGroup
	for i := range pdfs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tab := sampleTableau(t, "SLAM", 3)
			tab.Title = words[i%len(words)]
			var buf bytes.Buffer
			if err := export.PDF(&buf, tab, export.A4); err != nil {
				t.Error(err)
			}
			pdfs[i] = buf.Bytes()
		}()
	}
	wg.Wait()
	for i, pdf := range pdfs {
		word := words[i%len(words)]
		if text := pdfTextOf(t, pdf); !strings.Contains(text, word) {
			t.Errorf("PDF %d lacks %q: %.300s", i, word, text)
		}
		// pdftotext reads the text, not the glyphs: the embedded fonts
		// must have the word's own.
		if missing := glyphsMissing(t, pdf, word); missing != "" {
			t.Errorf("PDF %d: no embedded font draws %q of %q", i, missing, word)
		}
		if j := i % len(words); j != i && !bytes.Equal(pdfs[j], pdf) {
			t.Errorf("PDF %d (%q) differs from PDF %d made from the same tableau", i, word, j)
		}
		if len(pdf) > 120<<10 {
			t.Errorf("PDF %d (%q) is %d KB: the fonts are not subset", i, word, len(pdf)>>10)
		}
	}
}

// glyphsMissing is the characters of word (other than spaces) that none
// of the fonts embedded in the PDF has a glyph for.
func glyphsMissing(t *testing.T, pdf []byte, word string) string {
	t.Helper()
	re := regexp.MustCompile(`/Length (\d+)\n/Filter /FlateDecode\n/Length1 \d+\n>>\nstream\n`)
	var fonts []*sfnt.Font
	for _, m := range re.FindAllSubmatchIndex(pdf, -1) {
		n, _ := strconv.Atoi(string(pdf[m[2]:m[3]]))
		zr, err := zlib.NewReader(bytes.NewReader(pdf[m[1] : m[1]+n]))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		f, err := sfnt.Parse(raw)
		if err != nil {
			t.Fatalf("embedded font: %v", err)
		}
		fonts = append(fonts, f)
	}
	if len(fonts) == 0 {
		t.Fatal("no embedded font found")
	}
	var missing strings.Builder
	var buf sfnt.Buffer
	for _, r := range word {
		found := r == ' '
		for _, f := range fonts {
			if gi, err := f.GlyphIndex(&buf, r); err == nil && gi != 0 {
				found = true
			}
		}
		if !found {
			missing.WriteRune(r)
		}
	}
	return missing.String()
}
