package upload

import (
	"slices"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name, head, mime string
		ok               bool
	}{
		{"rapport.pdf", "%PDF-1.7\n...", "application/pdf", true},
		{"capture.png", "\x89PNG\r\n\x1a\n\x00\x00", "image/png", true},
		{"photo.jpeg", "\xff\xd8\xff\xe0JFIF", "image/jpeg", true},
		{"x.webp", "RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp", true},
		{"projet.zip", "PK\x03\x04\x14\x00", "application/zip", true},
		{"notes.txt", "Procédure d'installation\n1. …\n", "text/plain; charset=utf-8", true},
		{"README.md", "# Titre\n\nTexte", "text/markdown; charset=utf-8", true},
		{"faux.pdf", "MZ\x90\x00\x03\x00\x00\x00", "", false},
		{"faux.pdf", "\x7fELF\x02\x01\x01", "", false},
		{"page.pdf", "<!DOCTYPE html><html><script>alert(1)</script>", "", false},
		{"bom.txt", "\xef\xbb\xbf<!DOCTYPE html><script>alert(1)</script>", "", false},
		{"bom-espace.txt", "\xef\xbb\xbf  \n<svg onload=alert(1)>", "", false},
		{"bom-texte.txt", "\xef\xbb\xbfCompte rendu : <html> est une balise.", "text/plain; charset=utf-8", true},
		{"image.png", "<svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>", "", false},
		{"x.txt", "", "", false},
		{"latin1.txt", "caf\xe9 cr\xe8me", "text/plain; charset=windows-1252", true},
		{"xss.md", "# Veille XSS\n\nLe vecteur <script>alert(1)</script> ...", "text/markdown; charset=utf-8", true},
		{"index.php", "<?php echo 'ok'; ?>", "text/plain; charset=utf-8", true},
		{"binary.txt", "abc\x00\x01\x02", "", false},
	} {
		mime, ok := Detect([]byte(tc.head), tc.name)
		if ok != tc.ok || mime != tc.mime {
			t.Errorf("%s %q: %q %v, want %q %v", tc.name, tc.head, mime, ok, tc.mime, tc.ok)
		}
	}
}

func TestExtension(t *testing.T) {
	for _, tc := range [][3]string{
		{"application/zip", "rapport.docx", ".docx"},
		{"application/zip", "projet.exe", ".zip"},
		{"text/plain; charset=utf-8", "conf.sh", ".txt"},
		{"text/plain; charset=utf-8", "index.php", ".php"},
		{"text/plain; charset=utf-8", "x.bat", ".txt"},
		{"image/jpeg", "photo.JPEG", ".jpeg"},
		{"application/pdf", "rapport.pdf.exe", ".pdf"},
	} {
		if got := Extension(tc[0], tc[1]); got != tc[2] {
			t.Errorf("%s %s: %s, want %s", tc[0], tc[1], got, tc[2])
		}
	}
}

// TestAcceptOffersWhatTheServerTakes: every extension the picker offers
// comes back as itself on a download of the type the server detects for
// it, and office documents and sources are offered.
func TestAcceptOffersWhatTheServerTakes(t *testing.T) {
	accept := strings.Split(Accept(), ",")
	for _, want := range []string{".pdf", ".docx", ".odt", ".sql", ".md", ".zip", ".jpg", ".png", ".webp"} {
		if !slices.Contains(accept, want) {
			t.Errorf("the picker does not offer %s", want)
		}
	}
	for _, ext := range accept {
		ok := false
		for _, mime := range []string{"application/pdf", "image/png", "image/jpeg", "image/webp", "application/zip", "text/plain; charset=utf-8"} {
			ok = ok || Extension(mime, "f"+ext) == ext
		}
		if !ok {
			t.Errorf("%s is offered but no accepted type keeps it", ext)
		}
	}
}
