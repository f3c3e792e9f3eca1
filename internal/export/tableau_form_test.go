package export_test

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
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

// grid2019 is the 2019 tableau of a student with n réalisations spread
// over the three bands as a class fills them: 3 (one a band), 24 (the
// model's 10/7/7 rows exactly), 40 (14/13/13: every band grows). Each
// ticks a few competences; one has a production.
func grid2019(t testing.TB, parcours string, n int) portfolio.Grid {
	t.Helper()
	all, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	student := portfolio.User{FirstName: "Léa", LastName: "Martin", Parcours: parcours, SessionYear: 2026,
		CandidateNumber: "02345678901", Centre: "Lycée Jean Jaurès", PortfolioURL: "https://portfolio.example/jury/abc"}
	d := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	split := map[int][3]int{3: {1, 1, 1}, 24: {10, 7, 7}, 40: {14, 13, 13}}[n]
	if split == [3]int{} {
		split = [3]int{n, 0, 0}
	}
	cadres := []string{"formation", "stage1", "stage2"}
	ticks := []string{"B1.1", "B1.2", "B1.3", "B1.4", "B1.5", "B1.6"}
	var entries []portfolio.GridEntry
	for b, count := range split {
		for i := range count {
			k := len(entries)
			e := portfolio.GridEntry{ID: int64(k + 1), Title: fmt.Sprintf("Réalisation %d : mise en place du service %c", k+1, 'A'+k%26),
				Cadre: cadres[b], Start: d("2025-09-15"), End: d("2026-01-30"), Ticks: []string{ticks[k%6], ticks[(k+2)%6]}}
			if i == 0 {
				e.Productions = []portfolio.Production{{Title: "Dépôt", URL: "https://git.example/depot"}}
			}
			entries = append(entries, e)
		}
	}
	return portfolio.BuildGrid(all["sio-2019"].Tree, student, entries, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
}

type formFact struct{ where, what, value string }

// layoutFacts reads testdata/model/sio-2019-layout.tsv.
func layoutFacts(t *testing.T) []formFact {
	t.Helper()
	f, err := os.Open("testdata/model/sio-2019-layout.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var facts []formFact
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "where\t") {
			continue
		}
		p := strings.Split(line, "\t")
		if len(p) != 3 {
			t.Fatalf("bad line %q", line)
		}
		facts = append(facts, formFact{p[0], p[1], p[2]})
	}
	if len(facts) < 100 {
		t.Fatalf("%d facts", len(facts))
	}
	return facts
}

// TestTableau2019FormIsTheModel opens our XLSX of the 2019 tableau (SISR
// and SLAM; 3, 24 and 40 réalisations) and checks every fact of the
// model's form (testdata/model/sio-2019-layout.tsv): widths, heights,
// merges, fonts, alignments, turned texts, wraps, rules, the diagonal, no
// fill, the sheet's defaults and the print set-up; with 40 réalisations
// the bands have grown inside themselves, the scale has gone down to
// 40 % and rows 1–7 repeat on the second page.
func TestTableau2019FormIsTheModel(t *testing.T) {
	facts := layoutFacts(t)
	for _, parcours := range []string{"SISR", "SLAM"} {
		for _, n := range []int{3, 24, 40} {
			t.Run(fmt.Sprintf("%s-%d", parcours, n), func(t *testing.T) {
				g := grid2019(t, parcours, n)
				var buf bytes.Buffer
				if err := export.XLSX(&buf, g); err != nil {
					t.Fatal(err)
				}
				f, err := excelize.OpenReader(&buf)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				checkForm(t, f, g, facts, n)
			})
		}
	}
}

func checkForm(t *testing.T, f *excelize.File, g portfolio.Grid, facts []formFact, n int) {
	sheet := "Tableau de synthèse Épreuve E5"
	if got := f.GetSheetList(); len(got) != 1 || got[0] != sheet {
		t.Fatalf("sheets %q", got)
	}
	// Where the bands and réalisation rows are: each band's title in A,
	// then its rows (the model's blank ones, or more).
	var bands []int
	for r := 8; r < 200; r++ {
		v, _ := f.GetCellValue(sheet, "A"+strconv.Itoa(r))
		for _, b := range g.Bands {
			if v == b.Title {
				bands = append(bands, r)
			}
		}
	}
	if len(bands) != 3 || bands[0] != 8 {
		t.Fatalf("bands at rows %v", bands)
	}
	rows := map[int]bool{}
	last := 0
	for i, b := range bands {
		want := max(len(g.Bands[i].Rows), g.Bands[i].Blank)
		for r := b + 1; r <= b+want; r++ {
			rows[r] = true
			last = max(last, r)
		}
		if i+1 < len(bands) && bands[i+1] != b+want+1 {
			t.Errorf("band %d at row %d, then %d rows, but the next band at row %d", i, b, want, bands[i+1])
		}
	}
	if n <= 24 && (bands[1] != 19 || bands[2] != 27 || last != 34) {
		t.Errorf("bands at %v, last row %d: the model's are 8, 19, 27 and 34", bands, last)
	}
	var rowList []int
	for r := range last + 1 {
		if rows[r] {
			rowList = append(rowList, r)
		}
	}
	// cells resolves a fact's where into the cells it is about (the first
	// cell of a merge stands for it).
	cells := func(where string) []string {
		row := func(r int, cols ...string) []string {
			var out []string
			for _, c := range cols {
				out = append(out, c+strconv.Itoa(r))
			}
			return out
		}
		var out []string
		switch where {
		case "band1":
			return []string{"A8:H8"}
		case "band":
			return []string{fmt.Sprintf("A%d:H%d", bands[1], bands[1]), fmt.Sprintf("A%d:H%d", bands[2], bands[2])}
		case "rowA", "rowB", "ticks", "tickH":
			cols := map[string][]string{"rowA": {"A"}, "rowB": {"B"}, "ticks": {"C", "D", "E", "F", "G"}, "tickH": {"H"}}[where]
			for _, r := range rowList {
				out = append(out, row(r, cols...)...)
			}
			return out
		case "last":
			return row(last, "A", "B", "C", "D", "E", "F", "G", "H")
		case "end":
			return []string{"A" + strconv.Itoa(last+1)}
		}
		return []string{where}
	}
	first := func(ref string) string { return strings.Split(ref, ":")[0] }
	style := func(ref string) *excelize.Style {
		id, err := f.GetCellStyle(sheet, first(ref))
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	merges, err := f.GetMergeCells(sheet)
	if err != nil {
		t.Fatal(err)
	}
	merged := map[string]bool{}
	for _, m := range merges {
		merged[m.GetStartAxis()+":"+m.GetEndAxis()] = true
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 0.011 }
	layout, err := f.GetPageLayout(sheet)
	if err != nil {
		t.Fatal(err)
	}
	margins, err := f.GetPageMargins(sheet)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]excelize.DefinedName{}
	for _, d := range f.GetDefinedName() {
		names[d.Name] = d
	}
	// The scale: the model's 48 % while the sheet fits its page, less
	// when it has grown (never under 40 %), rows 1–7 repeated beyond.
	twoPages := n == 40
	checked := 0
	for _, fc := range facts {
		where, what, value := fc.where, fc.what, fc.value
		for _, ref := range cells(where) {
			checked++
			fail := func(got any) { t.Errorf("%s (%s) %s = %v, the model: %s", where, ref, what, got, value) }
			switch what {
			case "width":
				cols := strings.Split(ref, ":")
				for c, _ := excelize.ColumnNameToNumber(cols[0]); ; c++ {
					name, _ := excelize.ColumnNumberToName(c)
					w, err := f.GetColWidth(sheet, name)
					want, _ := strconv.ParseFloat(value, 64)
					if err != nil || !near(w, want) {
						fail(w)
					}
					if name == cols[len(cols)-1] {
						break
					}
				}
			case "height":
				_, r, err := excelize.SplitCellName(first(ref))
				if err != nil {
					r, _ = strconv.Atoi(ref)
				}
				h, err := f.GetRowHeight(sheet, r)
				want, _ := strconv.ParseFloat(value, 64)
				if err != nil || (where == "rowA" && h < want-0.01) || (where != "rowA" && !near(h, want)) {
					fail(h)
				}
			case "merge":
				if !merged[ref] {
					fail("not merged")
				}
			case "font":
				st := style(ref)
				p := strings.Fields(value)
				size, _ := strconv.ParseFloat(p[0], 64)
				bold, italic := strings.Contains(value, "bold"), strings.Contains(value, "italic")
				if st.Font == nil || st.Font.Family != "Arial" || st.Font.Size != size || st.Font.Bold != bold || st.Font.Italic != italic {
					fail(st.Font)
				}
			case "h,v":
				st := style(ref)
				hv := strings.Split(value, ",")
				h := st.Alignment.Horizontal
				if h == "" {
					h = "general"
				}
				if st.Alignment == nil || h != hv[0] || st.Alignment.Vertical != hv[1] {
					fail(st.Alignment)
				}
			case "wrap":
				if st := style(ref); st.Alignment == nil || !st.Alignment.WrapText {
					fail(st.Alignment)
				}
			case "rotate":
				if st := style(ref); st.Alignment == nil || strconv.Itoa(st.Alignment.TextRotation) != value {
					fail(st.Alignment)
				}
			case "diagonal":
				ok := false
				for _, b := range style(ref).Border {
					ok = ok || b.Type == "diagonalDown" && b.Style == 1
				}
				if !ok {
					fail(style(ref).Border)
				}
			case "border":
				got := map[string]string{"left": "none", "right": "none", "top": "none", "bottom": "none"}
				for _, b := range style(ref).Border {
					got[b.Type] = map[int]string{1: "thin", 2: "medium"}[b.Style]
				}
				for _, side := range strings.Split(value, ",") {
					kv := strings.Split(side, "=")
					if got[kv[0]] != kv[1] {
						fail(got)
					}
				}
			case "fill":
				for r := 1; r <= last+1; r++ {
					for c := 1; c <= 8; c++ {
						name, _ := excelize.CoordinatesToCellName(c, r)
						if st := style(name); st.Fill.Pattern != 0 || len(st.Fill.Color) > 0 || st.Fill.Shading != 0 {
							fail(name + " filled")
						}
					}
				}
			case "defaults":
				p, err := f.GetSheetProps(sheet)
				if err != nil || p.BaseColWidth == nil || *p.BaseColWidth != 10 || p.DefaultColWidth == nil || *p.DefaultColWidth != 10.86 ||
					p.DefaultRowHeight == nil || *p.DefaultRowHeight != 12.75 {
					fail(p)
				}
			case "paper":
				if layout.Size == nil || strconv.Itoa(*layout.Size) != value {
					fail(layout.Size)
				}
			case "orientation":
				if layout.Orientation == nil || *layout.Orientation != value {
					fail(layout.Orientation)
				}
			case "scale":
				if layout.AdjustTo == nil || (!twoPages && *layout.AdjustTo != 48) || (twoPages && *layout.AdjustTo != 40) ||
					(layout.FitToWidth != nil && *layout.FitToWidth != 0) {
					fail(layout.AdjustTo)
				}
			case "margins":
				for _, m := range []*float64{margins.Left, margins.Right, margins.Top, margins.Bottom} {
					if m == nil || !near(*m, 0.19685) {
						fail(*m)
					}
				}
			case "header,footer":
				if margins.Header == nil || margins.Footer == nil || !near(*margins.Header, 0.5118) || !near(*margins.Footer, 0.5118) {
					fail(margins)
				}
			case "centre":
				if margins.Horizontally == nil || margins.Vertically == nil || !*margins.Horizontally || !*margins.Vertically {
					fail(margins)
				}
			case "area":
				area := fmt.Sprintf("'%s'!$A$1:$H$%d", sheet, last+1)
				if d := names["_xlnm.Print_Area"]; d.RefersTo != area || d.Scope != sheet {
					fail(d)
				}
				if d, ok := names["_xlnm.Print_Titles"]; ok != twoPages || ok && (d.RefersTo != "'"+sheet+"'!$1:$7" || d.Scope != sheet) {
					t.Errorf("print titles %+v (two pages: %v)", d, twoPages)
				}
			default:
				t.Fatalf("unknown fact %q", what)
			}
		}
	}
	if checked < 200 {
		t.Errorf("only %d facts checked", checked)
	}
}

// TestTableauPrintsAsLibreOffice prints our XLSX of the official tableaux
// (2019 SISR and SLAM with 3, 24 and 40 réalisations; 2011 SISR and SLAM)
// with LibreOffice, in one call, and compares its PDF with ours of the
// same data: the same pages (count, size, orientation), and every fixed
// word of the model, turned ones included, within 2 mm of the same place
// (pdftotext -bbox). Our PDF is the sheet printed; this proves it.
func TestTableauPrintsAsLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Fatal("soffice not found: install libreoffice-calc-nogui (make test-deps)")
	}
	if _, err := os.Stat("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"); err != nil {
		t.Fatal("LibreOffice draws Arial in Liberation Sans: install fonts-liberation2 (make test-deps)")
	}
	dir := t.TempDir()
	type doc struct {
		name string
		g    portfolio.Grid
	}
	var docs []doc
	for _, p := range []string{"SISR", "SLAM"} {
		for _, n := range []int{3, 24, 40} {
			docs = append(docs, doc{fmt.Sprintf("t2019-%s-%d", p, n), grid2019(t, p, n)})
		}
		docs = append(docs, doc{"t2011-" + p, sampleGrid2011(t, p, 9)})
	}
	var xlsx []string
	for _, d := range docs {
		var x, p bytes.Buffer
		if err := export.XLSX(&x, d.g); err != nil {
			t.Fatal(err)
		}
		if err := export.GridPDF(&p, d.g, ""); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, d.name+".xlsx")
		xlsx = append(xlsx, path)
		for name, b := range map[string][]byte{path: x.Bytes(), filepath.Join(dir, d.name+"-ours.pdf"): p.Bytes()} {
			if err := os.WriteFile(name, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cmd := exec.Command(soffice, append([]string{"--headless", "--norestore", "-env:UserInstallation=file://" + filepath.Join(dir, "profile"),
		"--convert-to", "pdf", "--outdir", filepath.Join(dir, "lo")}, xlsx...)...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	const tolerance = 2 * 72 / 25.4 // 2 mm in points
	for _, d := range docs {
		lo, ours := filepath.Join(dir, "lo", d.name+".pdf"), filepath.Join(dir, d.name+"-ours.pdf")
		if keep := os.Getenv("XLSX_KEEP"); keep != "" {
			copyFile(t, lo, filepath.Join(keep, d.name+"-libreoffice.pdf"))
			copyFile(t, ours, filepath.Join(keep, d.name+"-ours.pdf"))
		}
		loPages, loWords := bboxPages(t, lo)
		ourPages, ourWords := bboxPages(t, ours)
		if len(loPages) != len(ourPages) {
			t.Errorf("%s: LibreOffice prints %d pages, we %d", d.name, len(loPages), len(ourPages))
			continue
		}
		for i := range loPages {
			if math.Abs(loPages[i][0]-ourPages[i][0]) > 1 || math.Abs(loPages[i][1]-ourPages[i][1]) > 1 {
				t.Errorf("%s page %d: LibreOffice %v, we %v", d.name, i+1, loPages[i], ourPages[i])
			}
		}
		fixed := fixedWords(d.g)
		compared := 0
		for p := range loWords {
			used := map[int]bool{}
			for _, w := range loWords[p] {
				if !fixed[w.text] {
					continue
				}
				best, bi := math.Inf(1), -1
				for j, o := range ourWords[p] {
					if o.text == w.text && !used[j] {
						if dist := math.Hypot(w.cx-o.cx, w.cy-o.cy); dist < best {
							best, bi = dist, j
						}
					}
				}
				compared++
				if bi < 0 || best > tolerance {
					t.Errorf("%s page %d: %q at (%.1f, %.1f) in LibreOffice's print, %.1f mm away in ours", d.name, p+1, w.text, w.cx, w.cy, best*25.4/72)
					continue
				}
				used[bi] = true
			}
		}
		if compared < 250 {
			t.Errorf("%s: only %d fixed words compared", d.name, compared)
		}
	}
}

// fixedWords are the words of the model's own texts in a grid.
func fixedWords(g portfolio.Grid) map[string]bool {
	texts := []string{g.Title, g.Session, g.Subtitle, g.CornerAbove, g.CornerBelow, g.PeriodLabel, g.SituationLabel, g.TypesLabel, g.ColumnsLabel}
	for _, f := range g.Fields {
		texts = append(texts, f.Label)
	}
	texts = append(texts, g.Types...)
	for _, c := range g.Columns {
		texts = append(texts, c.Label)
		texts = append(texts, c.Details...)
	}
	for _, b := range g.Bands {
		texts = append(texts, b.Title)
	}
	words := map[string]bool{}
	for _, s := range texts {
		for _, w := range strings.Fields(s) {
			words[w] = true
		}
	}
	return words
}

type pdfWord struct {
	text   string
	cx, cy float64
}

var (
	pageRE = regexp.MustCompile(`<page width="([\d.]+)" height="([\d.]+)">`)
	wordRE = regexp.MustCompile(`xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)
)

// bboxPages reads a PDF with pdftotext -bbox: each page's size, and its
// words with their boxes' centres.
func bboxPages(t *testing.T, path string) (sizes [][2]float64, pages [][]pdfWord) {
	t.Helper()
	for _, line := range strings.Split(poppler(t, "pdftotext", "-bbox", path, "-"), "\n") {
		if m := pageRE.FindStringSubmatch(line); m != nil {
			w, _ := strconv.ParseFloat(m[1], 64)
			h, _ := strconv.ParseFloat(m[2], 64)
			sizes = append(sizes, [2]float64{w, h})
			pages = append(pages, nil)
			continue
		}
		m := wordRE.FindStringSubmatch(line)
		if m == nil || len(pages) == 0 {
			continue
		}
		v := make([]float64, 4)
		for i := range v {
			v[i], _ = strconv.ParseFloat(m[i+1], 64)
		}
		text := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'").Replace(m[5])
		pages[len(pages)-1] = append(pages[len(pages)-1], pdfWord{text, (v[0] + v[2]) / 2, (v[1] + v[3]) / 2})
	}
	return sizes, pages
}
