package export_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/testdoc"
)

// TestCheckPartImages: a large photo is brought down to A4 at 300 dpi with
// its proportions, a 16-bit PNG to 8 bits, a small 8-bit PNG is kept byte
// for byte; an image that decodes past the limit is refused in French.
func TestCheckPartImages(t *testing.T) {
	encode := func(img image.Image, format string) []byte {
		var b bytes.Buffer
		if format == "jpeg" {
			_ = jpeg.Encode(&b, img, nil)
		} else {
			_ = png.Encode(&b, img)
		}
		return b.Bytes()
	}
	photo := image.NewRGBA(image.Rect(0, 0, 6000, 4000)) // 24 megapixels, landscape
	photo.Set(10, 10, color.RGBA{R: 200, A: 255})
	small := image.NewNRGBA(image.Rect(0, 0, 300, 200))
	deep := image.NewNRGBA64(image.Rect(0, 0, 300, 200))
	for _, c := range []struct {
		name, mime string
		data       []byte
		w, h       int
		same       bool
		model      color.Model
	}{
		{"photo.jpg", "image/jpeg", encode(photo, "jpeg"), 3508, 2339, false, color.YCbCrModel},
		{"scan.png", "image/png", encode(small, "png"), 300, 200, true, color.NRGBAModel},
		{"deep.png", "image/png", encode(deep, "png"), 300, 200, false, color.RGBAModel},
	} {
		got, err := export.CheckPart(export.MergePart{Name: c.name, Mime: c.mime, Data: c.data, Uploaded: true})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(got.Data))
		if err != nil || cfg.Width != c.w || cfg.Height != c.h || cfg.ColorModel != c.model {
			t.Errorf("%s: %d × %d %v (%v), want %d × %d", c.name, cfg.Width, cfg.Height, cfg.ColorModel, err, c.w, c.h)
		}
		if same := bytes.Equal(got.Data, c.data); same != c.same {
			t.Errorf("%s: kept as it is %v, want %v", c.name, same, c.same)
		}
		var out bytes.Buffer
		if problems, err := export.MergeDossier(&out, []export.MergePart{got}); err != nil || len(problems) > 0 {
			t.Errorf("%s: merge %v %v", c.name, err, problems)
		}
	}
	// 9,000 × 9,000 in 8-bit RGBA: 309 MB decoded, refused from the header.
	var huge bytes.Buffer
	_ = png.Encode(&huge, image.NewGray(image.Rect(0, 0, 1, 1)))
	b := huge.Bytes()
	b[16], b[17], b[18], b[19] = 0, 0, 0x23, 0x28 // width 9000
	b[20], b[21], b[22], b[23] = 0, 0, 0x23, 0x28 // height 9000
	b[24], b[25] = 8, 6                           // 8-bit RGBA
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	_, err := export.CheckPart(export.MergePart{Name: "huge.png", Mime: "image/png", Data: b, Uploaded: true})
	if r, ok := err.(*export.Refusal); !ok || !bytes.Contains([]byte(r.Reason), []byte("9000 × 9000 pixels occuperait 308 Mo")) {
		t.Errorf("huge image: %v", err)
	}
}

// TestCheckPartPDFBounds: the page count follows an indirect /Kids array,
// and the decompressed size counts every Flate filter of a pipeline, with
// or without parameters (found by an independent review).
func TestCheckPartPDFBounds(t *testing.T) {
	zl := func(b []byte) []byte {
		var z bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		return z.Bytes()
	}
	gig := testdoc.ZerosFlate1G() // 1 GiB once inflated: past pdfcpu's own bound, which the old count fell back from
	bomb := func(filter string, body []byte) []byte {
		return testdoc.RawPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
			"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
			"<< /Length "+strconv.Itoa(len(body))+" "+filter+" >>\nstream\n"+string(body)+"\nendstream")
	}
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Count 60 /Kids 3 0 R >>"}
	var kids strings.Builder
	for i := range 60 {
		fmt.Fprintf(&kids, "%d 0 R ", 4+i)
	}
	objs = append(objs, "["+kids.String()+"]")
	for range 60 {
		objs = append(objs, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	}
	for name, c := range map[string]struct {
		pdf  []byte
		want string
	}{
		"indirect-kids.pdf": {testdoc.RawPDF(objs...), "plus de 50 pages"},
		"parms.pdf":         {bomb("/Filter /FlateDecode /DecodeParms << /Predictor 1 >>", gig), "plus de 256 Mo"},
		"double.pdf":        {bomb("/Filter [/FlateDecode /FlateDecode]", zl(gig)), "plus de 256 Mo"},
		"array-parms.pdf":   {bomb("/Filter [/FlateDecode] /DecodeParms [null]", gig), "plus de 256 Mo"},
	} {
		_, err := export.CheckPart(export.MergePart{Name: name, Mime: "application/pdf", Data: c.pdf, Uploaded: true})
		if r, ok := err.(*export.Refusal); !ok || !strings.Contains(r.Reason, c.want) {
			t.Errorf("%s: %v, want a refusal saying %q", name, err, c.want)
		}
	}
}

// withOrientation puts an EXIF APP1 segment with the Orientation tag
// right after a JPEG's SOI marker, as a phone does.
func withOrientation(j []byte, o byte) []byte {
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, o, 0, 0, 0, 0, 0, 0}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := append([]byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
	return append(append(append([]byte{}, j[:2]...), seg...), j[2:]...)
}

// TestCheckPartPhotos: a phone photo stored sideways with its EXIF
// orientation comes out upright; a JPEG of hundreds of thousands of scans
// (minutes to decode) and a progressive one too large to open within the
// job's memory are refused from their headers (found by an independent
// review).
func TestCheckPartPhotos(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 400, 300)) // landscape pixels, a red mark top left
	for y := range 20 {
		for x := range 40 {
			img.Set(x, y, color.RGBA{R: 255, A: 255})
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, &jpeg.Options{Quality: 95})
	for o, corner := range map[byte]image.Point{1: {5, 5}, 3: {295 + 100, 295}, 6: {295, 5}, 8: {5, 395}} {
		got, err := export.CheckPart(export.MergePart{Name: "photo.jpg", Mime: "image/jpeg", Data: withOrientation(b.Bytes(), o), Uploaded: true})
		if err != nil {
			t.Fatal(err)
		}
		out, err := jpeg.Decode(bytes.NewReader(got.Data))
		if err != nil {
			t.Fatal(err)
		}
		w, h := 400, 300
		if o >= 5 {
			w, h = 300, 400
		}
		if out.Bounds().Dx() != w || out.Bounds().Dy() != h {
			t.Errorf("orientation %d: %v, want %d × %d", o, out.Bounds(), w, h)
			continue
		}
		if r, g, _, _ := out.At(corner.X, corner.Y).RGBA(); r < 0xc000 || g > 0x4000 {
			t.Errorf("orientation %d: the red mark is not at %v", o, corner)
		}
	}

	// A progressive header repeated: 1,000 scans.
	scans := append([]byte{}, b.Bytes()[:len(b.Bytes())-2]...)
	sos := bytes.Index(scans, []byte{0xFF, 0xDA})
	for range 1000 {
		scans = append(scans, scans[sos:sos+14]...) // an SOS header with no data
	}
	scans = append(scans, 0xFF, 0xD9)
	_, err := export.CheckPart(export.MergePart{Name: "scans.jpg", Mime: "image/jpeg", Data: scans, Uploaded: true})
	if r, ok := err.(*export.Refusal); !ok || !strings.Contains(r.Reason, "passes") {
		t.Errorf("1,000 scans: %v", err)
	}

	// A progressive 8,160 × 6,120 frame header in 4:4:4 (50 megapixels).
	var p bytes.Buffer
	_ = jpeg.Encode(&p, image.NewRGBA(image.Rect(0, 0, 8, 8)), nil)
	prog := p.Bytes()
	sof := bytes.Index(prog, []byte{0xFF, 0xC0})
	prog[sof+1] = 0xC2
	binary.BigEndian.PutUint16(prog[sof+5:], 6120)
	binary.BigEndian.PutUint16(prog[sof+7:], 8160)
	for c := range 3 {
		prog[sof+11+3*c] = 0x11
	}
	_, err = export.CheckPart(export.MergePart{Name: "prog.jpg", Mime: "image/jpeg", Data: prog, Uploaded: true})
	if r, ok := err.(*export.Refusal); !ok || !strings.Contains(r.Reason, "JPEG progressive de 8160 × 6120 pixels demanderait 714 Mo") {
		t.Errorf("progressive 50 MP: %v", err)
	}
}

// TestNoticePDFTakesAnyName: the first page of a dossier that lacks
// documents survives any name a user can type (emoji, RTL, control
// characters, 10,000 characters): a readable PDF that names the student.
func TestNoticePDFTakesAnyName(t *testing.T) {
	for _, name := range []string{"Zoé 🚀 مرحبا", "Tab\tNul\x00Bell\x07 \u202eRTL", strings.Repeat("Ô", 10000)} {
		var buf bytes.Buffer
		err := export.NoticePDF(&buf, portfolio.User{FirstName: name, LastName: "Martin"},
			[]export.PartProblem{{Name: "MARTIN_Zoe_3_attestation_stage_1A_Mairie.png", Reason: "l'image est illisible"}}, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatalf("%.40q: %v", name, err)
		}
		text := pdfTextOf(t, buf.Bytes())
		if !strings.Contains(text, "MARTIN") || !strings.Contains(text, "Documents non inclus dans ce dossier") ||
			!strings.Contains(text, "MARTIN_Zoe_3_attestation_stage_1A_Mairie.png") {
			t.Errorf("%.40q: %.300s", name, text)
		}
	}
}
