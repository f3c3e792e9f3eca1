// Package testdoc makes the hostile documents of the security tests
// (issue #24): small files that decode, inflate or unfold into far more
// than a real attestation. Tests only.
package testdoc

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"
)

//go:embed testdata/huge.png.gz
var hugePNGgz []byte

//go:embed testdata/inflating.pdf.gz
var inflatingPDFgz []byte

//go:embed testdata/zeros-1g.zlib.gz
var zeros1Ggz []byte

func gunzip(b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		panic(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		panic(err)
	}
	return out
}

// HugePNG is a 10,000 × 8,000 16-bit RGBA interlaced PNG of zeros: about
// 620 KB that decode to 640 MB (written by generate.go).
var HugePNG = sync.OnceValue(func() []byte { return gunzip(hugePNGgz) })

// ZerosFlate1G is a zlib stream (FlateDecode) of 1 GiB of zeros, about
// 1 MB (written by generate.go).
var ZerosFlate1G = sync.OnceValue(func() []byte { return gunzip(zeros1Ggz) })

// InflatingPDF is a one-page PDF with a stream of 300 MB of zeros, about
// 300 KB compressed (written by generate.go).
var InflatingPDF = sync.OnceValue(func() []byte { return gunzip(inflatingPDFgz) })

// RawPDF assembles a PDF from its objects (1 is the catalog), with a
// correct cross-reference table.
func RawPDF(objects ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// MillionPagesPDF lists one page three million times (18 MB).
var MillionPagesPDF = sync.OnceValue(func() []byte {
	kids := strings.Repeat("3 0 R ", 3_000_000)
	return RawPDF("<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Count 3000000 /Kids ["+kids+"] >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
})
