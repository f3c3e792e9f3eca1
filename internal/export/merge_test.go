package export_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portfolio-sio/portfolio/internal/export"
)

func pngBytes(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestMergePDF: the synthèse, a scanned page (PNG) and the attestation
// make one PDF with every page of the three, in order, and the text of
// both PDFs.
func TestMergePDF(t *testing.T) {
	// pdfcpu must not write its config directory into the home.
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))

	var summary, attestation bytes.Buffer
	s := sampleSummary()
	s.Items[1].Description = strings.Repeat("Recensement des postes et des logiciels. ", 600)
	s.Items = append(s.Items, s.Items...)
	if err := export.SummaryPDF(&summary, s); err != nil {
		t.Fatal(err)
	}
	if err := export.AttestationPDF(&attestation, export.AttestationDoc{Student: stageStudent, Stage: sampleStage,
		Contents: []string{"Supervision Zabbix des commutateurs"}}); err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 300, 200))
	for x := range 300 {
		img.Set(x, x*2/3, color.RGBA{200, 0, 0, 255})
	}
	parts := []export.MergePart{
		{Name: "synthese.pdf", Mime: "application/pdf", Data: summary.Bytes()},
		{Name: "scan.png", Mime: "image/png", Data: pngBytes(t, img)},
		{Name: "attestation.pdf", Mime: "application/pdf", Data: attestation.Bytes()},
	}
	var merged bytes.Buffer
	if err := export.MergePDF(&merged, parts); err != nil {
		t.Fatal(err)
	}
	keep(t, "merged.pdf", merged.Bytes())
	ns, na := pageCount(t, summary.Bytes()), pageCount(t, attestation.Bytes())
	if ns < 2 {
		t.Fatalf("the synthèse has %d page, want several", ns)
	}
	if n := pageCount(t, merged.Bytes()); n != ns+1+na {
		t.Errorf("%d pages, want %d + 1 + %d", n, ns, na)
	}
	text := pdfTextOf(t, merged.Bytes())
	wantAll(t, text, "Synthèse du portfolio", "Supervision Zabbix des commutateurs", "ATTESTATION DE STAGE", "Cachet de l'organisation")
	if strings.Index(text, "Synthèse du portfolio") > strings.Index(text, "ATTESTATION DE STAGE") {
		t.Error("the parts are not in order")
	}
	if entries, err := os.ReadDir(home); err != nil || len(entries) != 0 {
		t.Errorf("the home holds %v (%v)", entries, err)
	}
}

// interlaced is a 1×1 PNG made interlaced: with one pixel, the Adam7
// passes hold the same bytes as the plain rows, only the header differs.
func interlaced(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.NRGBA{0, 120, 200, 255})
	b := pngBytes(t, img)
	// signature (8), IHDR length and type (8), then width, height, bit
	// depth, colour type, compression, filter: the interlace method is at 28.
	b[28] = 1
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMergePDFImages: JPEG and PNG images (16-bit and interlaced ones
// too; fpdf cannot embed the latter as it is) each make one page.
func TestMergePDFImages(t *testing.T) {
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewGray(image.Rect(0, 0, 120, 400)), nil); err != nil {
		t.Fatal(err)
	}
	deep := image.NewRGBA64(image.Rect(0, 0, 50, 50))
	deep.Set(10, 10, color.RGBA64{65535, 0, 0, 65535})
	var out bytes.Buffer
	err := export.MergePDF(&out, []export.MergePart{
		{Name: "photo.jpg", Mime: "image/jpeg", Data: jpg.Bytes()},
		{Name: "deep.png", Mime: "image/png", Data: pngBytes(t, deep)},
		{Name: "interlaced.png", Mime: "image/png", Data: interlaced(t)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := pageCount(t, out.Bytes()); n != 3 {
		t.Errorf("%d pages, want 3", n)
	}
}

// TestMergePDFBadPart: a part that is not what it says fails the merge
// with an error that names it, without a panic.
func TestMergePDFBadPart(t *testing.T) {
	var good bytes.Buffer
	if err := export.CarnetPDF(&good, sampleCarnet()); err != nil {
		t.Fatal(err)
	}
	truncated := good.Bytes()[:len(good.Bytes())/2]
	for _, bad := range []export.MergePart{
		{Name: "convention-signee.pdf", Mime: "application/pdf", Data: []byte("%PDF-1.7\n\x00\x01garbage obj << /Type /Pages /Kids [1 0 R")},
		{Name: "moitie.pdf", Mime: "application/pdf", Data: truncated},
		{Name: "photo.jpg", Mime: "image/jpeg", Data: []byte("\xff\xd8\xff\xe0 not really a JPEG")},
		{Name: "faux.png", Mime: "image/png", Data: good.Bytes()},
		{Name: "vide.pdf", Mime: "application/pdf"},
		{Name: "tableur.xlsx", Mime: "application/vnd.ms-excel", Data: []byte("PK")},
	} {
		t.Run(bad.Name, func(t *testing.T) {
			var out bytes.Buffer
			err := export.MergePDF(&out, []export.MergePart{{Name: "carnet.pdf", Mime: "application/pdf", Data: good.Bytes()}, bad})
			if err == nil {
				t.Fatalf("merged (%d bytes)", out.Len())
			}
			t.Log(err)
			if !strings.Contains(err.Error(), bad.Name) {
				t.Errorf("the error does not name the part: %v", err)
			}
			if out.Len() != 0 {
				t.Errorf("%d bytes written", out.Len())
			}
		})
	}
	if err := export.MergePDF(&bytes.Buffer{}, nil); err == nil {
		t.Error("merged nothing")
	}
}
