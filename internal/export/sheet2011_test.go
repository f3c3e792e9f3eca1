package export_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

// sampleGrid2011 is the official 2011 tableau of a student of the
// parcours with rows réalisations spread over the bands: formation,
// stage 1 (Mairie de Rennes), stage 2 (ESN Breizh) and an apprentice's
// year-2 alternance (Société Apprentie), which goes in the year-2 band.
func sampleGrid2011(t testing.TB, parcours string, rows int) portfolio.Grid {
	t.Helper()
	all, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	student := portfolio.User{FirstName: "Léa", LastName: "Martin", Parcours: parcours, SessionYear: 2027,
		CandidateNumber: "02345678901", Centre: "Lycée Jean Jaurès, Rennes"}
	d := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	cadres := []string{"formation", "stage1", "stage2", "alternance"}
	var entries []portfolio.GridEntry
	for i := range rows {
		e := portfolio.GridEntry{ID: int64(i + 1), Title: "Réalisation " + string(rune('A'+i%26)) + " 🚀",
			Cadre: cadres[i%4], Start: d("2025-10-01"), End: d("2025-12-31"), Types: []string{"T" + string(rune('1'+i%4))},
			Ticks: []string{"A1.1.1", "A4.1.2", "A5.2.4"}, Validator: "Paul Durand",
			Productions: []portfolio.Production{{Title: "Dépôt", URL: "https://git.example/r" + string(rune('a'+i%26))}}}
		switch e.Cadre {
		case "stage1":
			e.Organisation, e.Year = "Mairie de Rennes", 1
		case "stage2":
			e.Organisation, e.Year = "ESN Breizh", 2
		case "alternance":
			e.Organisation, e.Year = "Société Apprentie", 2
		}
		entries = append(entries, e)
	}
	return portfolio.BuildGrid(all["sio-2011"].Tree, student, entries, time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
}

// modelTexts are the fixed texts of the official 2011 model for a
// parcours, read from the model itself (copies in testdata/model of the
// official texts: TABLEAU.md, and the SLAM sheet's column headers in seed
// 000), and the activity headers in the order of the sheet.
func modelTexts(t *testing.T, parcours string) (fixed, headers []string) {
	t.Helper()
	seed, err := os.ReadFile(filepath.FromSlash("testdata/model/000_8ab962838d8e59f5.txt"))
	if err != nil {
		t.Fatalf("the model is needed: %v", err)
	}
	// Seed 000 is the SLAM sheet's row 4 cell by cell (tabs and line
	// breaks between cells); « d˜une » is the extraction's misreading of
	// « d'une » (A5.2.4; every copy of the model reads d'une).
	cells := regexp.MustCompile(`[\t\n]+`).Split(strings.ReplaceAll(string(seed), "d˜une", "d'une"), -1)
	byCode := map[string]string{}
	var types []string
	for _, c := range cells {
		c = strings.Join(strings.Fields(c), " ")
		switch {
		case c == "":
		case strings.HasPrefix(c, "A") && strings.Contains(c, " , "):
			code, _, _ := strings.Cut(c, " , ")
			byCode[code] = c
		case strings.HasPrefix(c, "Période"):
			fixed = append(fixed, c)
		default:
			types = append(types, c)
		}
	}
	if len(types) != 4 || len(byCode) != 48 {
		t.Fatalf("seed 000: %d types, %d activity headers", len(types), len(byCode))
	}
	fixed = append(fixed, types...)
	// TABLEAU.md gives the rest between backquotes.
	model, err := os.ReadFile(filepath.FromSlash("testdata/model/sio-2011-TABLEAU.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"BTS SERVICES INFORMATIQUES AUX ORGANISATIONS - SESSION 20xx - TABLEAU DE SYNTHESE", "NOM et Prénom du candidat : ",
		"Option " + parcours, "N° du candidat : ", "Situations obligatoires", "Compétences mises en œuvre",
		"Situation professionnelle (intitulé et liste des documents et productions associés)",
		"SITUATIONS VÉCUES EN FORMATION", "SITUATIONS VÉCUES OU OBSERVÉES EN STAGE DE PREMIERE ANNEE DANS L'ORGANISATION …",
	} {
		if !strings.Contains(string(model), "`"+want+"`") {
			t.Fatalf("TABLEAU.md does not give %q", want)
		}
	}
	fixed = append(fixed,
		"BTS SERVICES INFORMATIQUES AUX ORGANISATIONS - SESSION 2027 - TABLEAU DE SYNTHESE",
		"NOM et Prénom du candidat : MARTIN Léa", "Option "+parcours, "N° du candidat : 02345678901",
		"Situations obligatoires", "Compétences mises en œuvre",
		"Situation professionnelle (intitulé et liste des documents et productions associés)",
		"SITUATIONS VÉCUES EN FORMATION à Lycée Jean Jaurès, Rennes",
		"SITUATIONS VÉCUES OU OBSERVÉES EN STAGE DE PREMIERE ANNEE DANS L'ORGANISATION … Mairie de Rennes",
		"SITUATIONS VÉCUES OU OBSERVÉES EN STAGE DE DEUXIEME ANNEE DANS L'ORGANISATION … ESN Breizh ; Société Apprentie",
		// §7, its two blanks filled with the teacher and the centre.
		"Je soussigné-e Paul Durand, formatrice (formateur) au centre de formation Lycée Jean Jaurès, Rennes, certifie que le candidat (la candidate) a bien effectué en formation les activités et missions présentées dans ce tableau.",
	)
	if !strings.Contains(string(model), "`Je soussigné-e ___, formatrice (formateur) au centre de formation ___, certifie que le candidat (la candidate) a bien effectué en formation les activités et missions présentées dans ce tableau.`") {
		t.Fatal("TABLEAU.md's attestation sentence is not the one checked here")
	}
	// The columns: the SLAM sheet's from seed 000; SISR's, from
	// TABLEAU.md: P1, P2, P3 (its titles from the référentiel, A3.3.1 cut
	// as the model cuts it), A4.1.2, A4.1.3, A4.1.7, A4.1.8, A4.1.9, P5.
	all, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	p3 := map[string]string{"A3.3.1": "Administration sur site ou à distance des éléments d'un réseau, de serveurs …"}
	for _, a := range all["sio-2011"].Activities() {
		switch {
		case byCode[a.Code] != "":
			if parcours == "SLAM" || a.Process != "P4" || slices.Contains([]string{"A4.1.2", "A4.1.3", "A4.1.7", "A4.1.8", "A4.1.9"}, a.Code) {
				headers = append(headers, byCode[a.Code])
			}
		case parcours == "SISR" && a.Process == "P3":
			title := a.Title
			if cut, ok := p3[a.Code]; ok {
				title = cut
			}
			headers = append(headers, a.Code+" , "+title)
		}
	}
	if len(headers) != 48 {
		t.Fatalf("%s: %d columns, the model has 48", parcours, len(headers))
	}
	return fixed, headers
}

// TestSheet2011IsTheModel: the official 2011 tableau, PDF and XLSX, for
// SISR and SLAM, has every fixed text of the model, exactly, its 48
// columns in the model's order, and none of our working additions.
func TestSheet2011IsTheModel(t *testing.T) {
	for _, parcours := range []string{"SISR", "SLAM"} {
		t.Run(parcours, func(t *testing.T) {
			fixed, headers := modelTexts(t, parcours)
			g := sampleGrid2011(t, parcours, 9)
			var labels []string
			for _, c := range g.Columns {
				labels = append(labels, c.Label)
			}
			if !slices.Equal(labels, headers) {
				t.Errorf("columns\n%q\nwant\n%q", labels, headers)
			}

			// The PDF, A3 by default and A4: one landscape page each.
			for _, paper := range []export.Paper{"", export.A4} {
				var buf bytes.Buffer
				if err := export.GridPDF(&buf, g, paper); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(t.TempDir(), "t.pdf")
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				if dir := os.Getenv("KEEP"); dir != "" {
					_ = os.WriteFile(filepath.Join(dir, "tableau2011-"+parcours+"-"+string(paper)+".pdf"), buf.Bytes(), 0o644)
				}
				info := poppler(t, "pdfinfo", path)
				size := `1190\.\d* x 841\.\d*` // A3 landscape
				if paper == export.A4 {
					size = `841\.\d* x 595\.\d*`
				}
				if !regexp.MustCompile(`Pages:\s+1\n`).MatchString(info) || !regexp.MustCompile(`Page size:\s+`+size).MatchString(info) {
					t.Errorf("%q: not one landscape page:\n%s", paper, info)
				}
				// -raw reads the text in the order drawn: a turned header's
				// lines one after the other.
				text := strings.Join(strings.Fields(poppler(t, "pdftotext", "-raw", path, "-")), " ")
				for _, want := range append(fixed, headers...) {
					if !strings.Contains(text, want) {
						t.Errorf("%q: the PDF lacks %q", paper, want)
					}
				}
				for _, not := range []string{"Total", "à couvrir", "Date et signature", "P1 ", "document de travail"} {
					if strings.Contains(text, not) {
						t.Errorf("%q: the official PDF has %q, the model has not", paper, not)
					}
				}
			}

			// The XLSX: the same texts in the model's cells.
			var buf bytes.Buffer
			if err := export.XLSX(&buf, g); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sheet := f.GetSheetName(0)
			if sheet != "Option "+parcours {
				t.Errorf("sheet %q", sheet)
			}
			rows, err := f.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			var cells []string
			for _, r := range rows {
				for _, c := range r {
					if c != "" {
						cells = append(cells, c)
					}
				}
			}
			for _, want := range fixed {
				if !slices.Contains(cells, want) && !slices.Contains(cells, strings.TrimSpace(want)) {
					t.Errorf("the XLSX has no cell %q", want)
				}
			}
			if got := rows[3][6:]; !slices.Equal(got, headers) {
				t.Errorf("row 4 from G\n%q\nwant\n%q", got, headers)
			}
			cell := func(ref string) string { v, _ := f.GetCellValue(sheet, ref); return v }
			if cell("A1") != fixed[len(fixed)-11] || cell("B3") != "Situations obligatoires" || cell("F3") != "Compétences mises en œuvre" ||
				!strings.HasPrefix(cell("F4"), "Période") || cell("A4") != "Situation professionnelle (intitulé et liste des documents et productions associés)" {
				t.Errorf("A1 %q B3 %q F3 %q F4 %q A4 %q", cell("A1"), cell("B3"), cell("F3"), cell("F4"), cell("A4"))
			}
			merges, err := f.GetMergeCells(sheet)
			if err != nil {
				t.Fatal(err)
			}
			var merged []string
			for _, m := range merges {
				merged = append(merged, m.GetStartAxis()+":"+m.GetEndAxis())
			}
			for _, want := range []string{"A1:BB1", "B3:E3", "F3:BB3", "A5:BB5"} {
				if !slices.Contains(merged, want) {
					t.Errorf("no merge %s (%v)", want, merged)
				}
			}
			for _, ref := range []string{"B4", "F4", "G4", "BB4"} {
				id, _ := f.GetCellStyle(sheet, ref)
				st, err := f.GetStyle(id)
				if err != nil || st.Alignment == nil || st.Alignment.TextRotation != 90 {
					t.Errorf("%s is not turned 90°", ref)
				}
			}
			// The model's thicker rules: left of the types, of the période
			// and of each domain's first activity (A1.1.1, A1.2.1…).
			left := func(ref string) int {
				id, _ := f.GetCellStyle(sheet, ref)
				st, err := f.GetStyle(id)
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range st.Border {
					if b.Type == "left" {
						return b.Style
					}
				}
				return 0
			}
			for ref, want := range map[string]int{"B4": 2, "F4": 2, "G4": 2, "H4": 1, "J4": 2, "B6": 2, "G6": 2, "H6": 1} {
				if got := left(ref); got != want {
					t.Errorf("%s left border %d, want %d", ref, got, want)
				}
			}
			layout, err := f.GetPageLayout(sheet)
			if err != nil || *layout.Size != 8 || *layout.Orientation != "landscape" || *layout.FitToWidth != 1 || *layout.FitToHeight != 1 {
				t.Errorf("page layout %+v, %v (want A3 landscape, one page)", layout, err)
			}
			for _, c := range cells {
				for _, not := range []string{"Total", "à couvrir", "Date et signature"} {
					if strings.Contains(c, not) {
						t.Errorf("the XLSX has %q, the model has not", not)
					}
				}
			}
			// The X of the types and of the columns, row by row.
			if rows[5][0] != "Réalisation A 🚀\nDépôt : https://git.example/ra" || rows[5][1] != "X" || rows[5][2] != "" {
				t.Errorf("first row %q", rows[5][:6])
			}
			for i, h := range rows[3] {
				want := ""
				if strings.HasPrefix(h, "A1.1.1 ,") || strings.HasPrefix(h, "A4.1.2 ,") || strings.HasPrefix(h, "A5.2.4 ,") {
					want = "X"
				}
				if i > 5 && i < len(rows[5]) && rows[5][i] != want || i > 5 && i >= len(rows[5]) && want != "" {
					t.Errorf("first row, column %q: %q, want %q", h, rows[5][min(i, len(rows[5])-1)], want)
				}
			}
		})
	}
}

// TestSheet2011OpensInLibreOffice: the 2011 XLSX opens in LibreOffice and
// prints on one A3 landscape page with the model's texts.
func TestSheet2011OpensInLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Fatal("LibreOffice is needed to check the XLSX (Debian libreoffice-calc-nogui; make test-deps installs it)")
	}
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := export.XLSX(&buf, sampleGrid2011(t, "SISR", 9)); err != nil {
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
	text := strings.Join(strings.Fields(poppler(t, "pdftotext", pdf, "-")), " ")
	for _, want := range []string{"BTS SERVICES INFORMATIQUES AUX ORGANISATIONS - SESSION 2027 - TABLEAU DE SYNTHESE",
		"NOM et Prénom du candidat : MARTIN Léa", "Option SISR", "Situations obligatoires", "Réalisation A",
		"SITUATIONS VÉCUES EN FORMATION à Lycée Jean Jaurès, Rennes", "Je soussigné-e Paul Durand"} {
		if !strings.Contains(text, want) {
			t.Errorf("the LibreOffice rendering lacks %q", want)
		}
	}
	info := poppler(t, "pdfinfo", pdf)
	if !regexp.MustCompile(`Pages:\s+1\n`).MatchString(info) || !regexp.MustCompile(`Page size:\s+1190\.\d* x 841\.\d*`).MatchString(info) {
		t.Errorf("not one A3 landscape page:\n%s", info)
	}
	if dir := os.Getenv("KEEP"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "tableau2011-lo.pdf"), mustRead(t, pdf), 0o644)
	}
}

// TestSheet2011Fits: a long name is written whole; 24 réalisations (the
// 18 blank rows of the model and more) fit on the one page of A3 and A4;
// a row not validated leaves the attestation's teacher blank (nobody
// validated every row).
func TestSheet2011Fits(t *testing.T) {
	g := sampleGrid2011(t, "SISR", 24)
	for i := range g.Fields {
		if g.Fields[i].Key == "name" {
			g.Fields[i].Value = "DE SAINT-EXUPÉRY Marie-Charlotte Anne-Sophie"
		}
	}
	for _, paper := range []export.Paper{export.A3, export.A4} {
		var buf bytes.Buffer
		if err := export.GridPDF(&buf, g, paper); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "t.pdf")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if info := poppler(t, "pdfinfo", path); !regexp.MustCompile(`Pages:\s+1\n`).MatchString(info) {
			t.Errorf("%s: 24 réalisations on more than one page:\n%s", paper, info)
		}
		text := strings.Join(strings.Fields(poppler(t, "pdftotext", "-raw", path, "-")), " ")
		if !strings.Contains(text, "NOM et Prénom du candidat : DE SAINT-EXUPÉRY Marie-Charlotte Anne-Sophie") {
			t.Errorf("%s: the name is cut: %.300s", paper, text)
		}
	}

	all, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	student := portfolio.User{LastName: "Martin", FirstName: "Léa", Parcours: "SLAM", Centre: "Lycée"}
	entries := []portfolio.GridEntry{{ID: 1, Title: "A", Cadre: "formation", Validator: "Paul Durand"},
		{ID: 2, Title: "B", Cadre: "formation", Validator: "Paul Durand"}}
	if got := portfolio.BuildGrid(all["sio-2011"].Tree, student, entries, time.Now()).Attestation; !strings.HasPrefix(got, "Je soussigné-e Paul Durand, ") {
		t.Errorf("one teacher validated every row: %q", got)
	}
	entries = append(entries, portfolio.GridEntry{ID: 3, Title: "C", Cadre: "formation", Pending: true})
	if got := portfolio.BuildGrid(all["sio-2011"].Tree, student, entries, time.Now()).Attestation; !strings.HasPrefix(got, "Je soussigné-e …, ") {
		t.Errorf("a row not validated: %q", got)
	}
	entries[2] = portfolio.GridEntry{ID: 3, Title: "C", Cadre: "formation", Validator: "Claire Dubois"}
	if got := portfolio.BuildGrid(all["sio-2011"].Tree, student, entries, time.Now()).Attestation; !strings.HasPrefix(got, "Je soussigné-e …, ") {
		t.Errorf("two teachers: %q", got)
	}
}
