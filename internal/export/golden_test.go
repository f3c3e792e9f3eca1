package export_test

import (
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/portfolio-sio/portfolio/internal/export"
)

var update = flag.Bool("update", false, "rewrite the golden images")

// TestPDFGoldenImage renders page 1 of a fixed tableau with pdftoppm and
// compares it with the committed reference, so a layout regression fails.
// After a deliberate layout change: go test ./internal/export -run Golden -update
// and look at testdata/tableau-slam-page1.png before committing it.
func TestPDFGoldenImage(t *testing.T) {
	path := writePDF(t, sampleTableau(t, "SLAM", 12), export.A3)
	prefix := filepath.Join(t.TempDir(), "page")
	poppler(t, "pdftoppm", "-r", "40", "-gray", "-png", "-f", "1", "-l", "1", "-singlefile", path, prefix)
	got := readPNG(t, prefix+".png")
	golden := filepath.Join("testdata", "tableau-slam-page1.png")
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
		out := filepath.Join(os.TempDir(), "tableau-slam-page1-got.png")
		b, _ := os.ReadFile(prefix + ".png")
		_ = os.WriteFile(out, b, 0o644)
		t.Fatalf("page 1 differs from the golden image on %.2f%% of pixels (tolerance 0.5%%); got %s", 100*ratio, out)
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
