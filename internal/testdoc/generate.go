//go:build ignore

// Command generate writes testdata/huge.png.gz and
// testdata/inflating.pdf.gz, the hostile documents testdoc embeds
// (compressing 640 MB of zeros takes seconds, minutes under the race
// detector: the tests read these files instead). Run it from this
// folder: go run generate.go
package main

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"os"
	"strconv"

	"github.com/portfolio-sio/portfolio/internal/testdoc"
)

func main() {
	for name, data := range map[string][]byte{"huge.png.gz": hugePNG(), "inflating.pdf.gz": inflatingPDF(), "zeros-1g.zlib.gz": zeros(1 << 30)} {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(data)
		_ = zw.Close()
		if err := os.WriteFile("testdata/"+name, b.Bytes(), 0o644); err != nil {
			panic(err)
		}
	}
}

func pngChunk(b *bytes.Buffer, kind string, data []byte) {
	_ = binary.Write(b, binary.BigEndian, uint32(len(data)))
	b.WriteString(kind)
	b.Write(data)
	_ = binary.Write(b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(kind), data...)))
}

// hugePNG is a 10,000 × 8,000 16-bit RGBA interlaced PNG of zeros: about
// 620 KB that decode to 640 MB (made once: compressing takes seconds).
func hugePNG() []byte {
	const w, h, bpp = 10000, 8000, 8
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9], ihdr[12] = 16, 6, 1 // 16-bit, RGBA, Adam7
	pngChunk(&b, "IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	row := make([]byte, 1+w*bpp)
	for _, p := range [7][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}} {
		x0, y0, dx, dy := p[0], p[1], p[2], p[3]
		pw, ph := (w-x0+dx-1)/dx, (h-y0+dy-1)/dy
		for range ph {
			_, _ = zw.Write(row[:1+pw*bpp])
		}
	}
	_ = zw.Close()
	pngChunk(&b, "IDAT", z.Bytes())
	pngChunk(&b, "IEND", nil)
	return b.Bytes()
}

// zeros is a zlib stream of n zero bytes.
func zeros(n int) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zero := make([]byte, 1<<20)
	for range n >> 20 {
		_, _ = zw.Write(zero)
	}
	_ = zw.Close()
	return z.Bytes()
}

// inflatingPDF is a one-page PDF with a stream of 300 MB of zeros, about
// 300 KB compressed.
func inflatingPDF() []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zero := make([]byte, 1<<20)
	for range 300 {
		_, _ = zw.Write(zero)
	}
	_ = zw.Close()
	return testdoc.RawPDF("<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
		"<< /Length "+strconv.Itoa(z.Len())+" /Filter /FlateDecode >>\nstream\n"+z.String()+"\nendstream")
}
