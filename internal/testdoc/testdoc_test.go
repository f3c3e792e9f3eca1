package testdoc

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// TestEmbeddedFiles: the embedded files are what they say (generate.go
// writes them).
func TestEmbeddedFiles(t *testing.T) {
	p := HugePNG()
	if len(p) < 600<<10 || len(p) > 700<<10 || !bytes.HasPrefix(p, []byte("\x89PNG\r\n\x1a\n")) ||
		binary.BigEndian.Uint32(p[16:]) != 10000 || binary.BigEndian.Uint32(p[20:]) != 8000 || p[24] != 16 || p[25] != 6 || p[28] != 1 {
		t.Errorf("HugePNG: %d bytes, header % x", len(p), p[:29])
	}
	if d := InflatingPDF(); len(d) < 250<<10 || !bytes.HasPrefix(d, []byte("%PDF-1.4")) || !bytes.Contains(d, []byte("/Filter /FlateDecode")) {
		t.Errorf("InflatingPDF: %d bytes", len(d))
	}
	if d := MillionPagesPDF(); len(d) < 18_000_000 || !bytes.Contains(d, []byte("/Count 3000000")) {
		t.Errorf("MillionPagesPDF: %d bytes", len(d))
	}
}
