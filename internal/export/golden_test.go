package export_test

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

var update = flag.Bool("update", false, "rewrite the golden images")

// TestPDFGoldenImage renders page 1 of fixed tableaux with pdftoppm and
// compares each with its committed reference, so a layout regression
// fails: the working document of the 2011 tableau (SLAM) and the official
// 2011 sheet, SLAM and SISR, on A3, and SISR with 24 réalisations on A4;
// the official 2019 sheet, SISR with 24 réalisations (its model's rows
// filled), on A4.
// After a deliberate layout change:
// go test ./internal/export -run Golden -update, and look at the images in
// testdata (beside the models' form, testdata/model/sio-2011-TABLEAU.md
// and internal/referentiel/testdata/model/sio-2019-layout.tsv)
// before committing them.
func TestPDFGoldenImage(t *testing.T) {
	for _, c := range []struct {
		golden string
		draw   func(path string)
	}{
		{"tableau-slam-page1.png", func(path string) {
			copyFile(t, writePDF(t, sampleTableau(t, "SLAM", 12), export.A3), path)
		}},
		{"officiel-2011-slam-a3.png", func(path string) { writeGridPDF(t, sampleGrid2011(t, "SLAM", 9), path, export.A3) }},
		{"officiel-2011-sisr-a3.png", func(path string) { writeGridPDF(t, sampleGrid2011(t, "SISR", 9), path, export.A3) }},
		{"officiel-2011-sisr-a4-24.png", func(path string) { writeGridPDF(t, sampleGrid2011(t, "SISR", 24), path, export.A4) }},
		{"officiel-2019-sisr-a4-24.png", func(path string) { writeGridPDF(t, grid2019(t, "SISR", 24), path, "") }},
	} {
		t.Run(c.golden, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "t.pdf")
			c.draw(path)
			prefix := filepath.Join(t.TempDir(), "page")
			poppler(t, "pdftoppm", "-r", "40", "-gray", "-png", "-f", "1", "-l", "1", "-singlefile", path, prefix)
			got := readPNG(t, prefix+".png")
			golden := filepath.Join("testdata", c.golden)
			if *update {
				b, err := os.ReadFile(prefix + ".png")
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, b, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := readPNG(t, golden)
			if got.Bounds() != want.Bounds() {
				t.Fatalf("page size %v, golden %v", got.Bounds(), want.Bounds())
			}
			// Tolerance: anti-aliasing may differ between poppler versions, a
			// moved line or column may not.
			differ, total := 0, 0
			b := got.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					g1, _, _, _ := got.At(x, y).RGBA()
					g2, _, _, _ := want.At(x, y).RGBA()
					d := int(g1>>8) - int(g2>>8)
					if d < -64 || d > 64 {
						differ++
					}
					total++
				}
			}
			if ratio := float64(differ) / float64(total); ratio > 0.005 {
				out := filepath.Join(os.TempDir(), "got-"+c.golden)
				b, _ := os.ReadFile(prefix + ".png")
				_ = os.WriteFile(out, b, 0o644)
				t.Fatalf("page 1 differs from the golden image on %.2f%% of pixels (tolerance 0.5%%); got %s", 100*ratio, out)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeGridPDF(t *testing.T, g portfolio.Grid, path string, paper export.Paper) {
	t.Helper()
	var buf bytes.Buffer
	if err := export.GridPDF(&buf, g, paper); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
