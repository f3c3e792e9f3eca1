package export_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/portfolio-sio/portfolio/internal/export"
)

// FuzzCheckPart feeds generated PDFs and images, mutated, to the upload
// check and the merge (issue #24): the check never panics and answers a
// refusal or a document, and a document it keeps always merges with the
// server's own PDFs.
func FuzzCheckPart(f *testing.F) {
	var drawn bytes.Buffer
	if err := export.AttestationPDF(&drawn, export.AttestationDoc{Student: stageStudent, Stage: sampleStage}); err != nil {
		f.Fatal(err)
	}
	pdfObj := func(objs ...string) string {
		var b strings.Builder
		b.WriteString("%PDF-1.4\n")
		for i, o := range objs {
			b.WriteString(string(rune('1'+i)) + " 0 obj\n" + o + "\nendobj\n")
		}
		b.WriteString("trailer\n<< /Root 1 0 R >>\n%%EOF\n")
		return b.String()
	}
	f.Add(uint8(0), drawn.Bytes())
	f.Add(uint8(0), []byte(pdfObj("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Count 2 /Kids [3 0 R 3 0 R] >>", "<< /Type /Page /Parent 2 0 R >>")))
	f.Add(uint8(0), []byte(pdfObj("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Count 1 /Kids [2 0 R] >>")))
	f.Add(uint8(0), []byte("%PDF-1.7\n"+strings.Repeat("[", 5000)))
	img := image.NewNRGBA64(image.Rect(0, 0, 40, 30))
	img.Set(3, 4, color.NRGBA64{R: 0xffff, A: 0x8000})
	var p, j bytes.Buffer
	_ = png.Encode(&p, img)
	_ = jpeg.Encode(&j, img, nil)
	f.Add(uint8(1), p.Bytes())
	f.Add(uint8(2), j.Bytes())
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		mime := []string{"application/pdf", "image/png", "image/jpeg"}[int(kind)%3]
		part, err := export.CheckPart(export.MergePart{Name: "fuzz", Mime: mime, Data: data, Uploaded: true})
		if err != nil {
			if _, ok := err.(*export.Refusal); !ok {
				t.Fatalf("not a refusal: %v", err)
			}
			return
		}
		var out bytes.Buffer
		problems, err := export.MergeDossier(&out, []export.MergePart{{Name: "drawn", Mime: "application/pdf", Data: drawn.Bytes()}, part})
		if err != nil || len(problems) != 0 {
			t.Fatalf("a checked document does not merge: %v %v", err, problems)
		}
	})
}
