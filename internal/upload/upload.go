// Package upload recognises the evidence files students may attach, from
// their content (never from their name).
package upload

import (
	"bytes"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"
)

// Allowed describes the accepted types, for messages.
const Allowed = "PDF, PNG, JPEG, WebP, texte, Markdown et ZIP"

// Detect returns the MIME type of a file from its first bytes (at least
// 512 when the file is that long), or false when the type is not accepted:
// PDF, PNG, JPEG, WebP, ZIP, and UTF-8 plain text (Markdown when named
// .md). HTML, SVG, scripts and executables are refused whatever their name.
func Detect(head []byte, name string) (string, bool) {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "application/pdf", true
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", true
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return "image/jpeg", true
	case len(head) >= 12 && bytes.Equal(head[:4], []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WEBP")):
		return "image/webp", true
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return "application/zip", true
	}
	if !isText(head) || !strings.HasPrefix(http.DetectContentType(head), "text/plain") || markup(head) {
		return "", false
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown":
		return "text/markdown; charset=utf-8", true
	}
	return "text/plain; charset=utf-8", true
}

// markup reports whether text looks like HTML, SVG or XML, which a
// browser could run.
func markup(b []byte) bool {
	lower := bytes.ToLower(b)
	if t := bytes.TrimSpace(lower); len(t) > 0 && t[0] == '<' {
		return true
	}
	for _, tag := range []string{"<script", "<svg", "<html", "<?xml", "<iframe", "<!doctype"} {
		if bytes.Contains(lower, []byte(tag)) {
			return true
		}
	}
	return false
}

// isText reports whether b is UTF-8 text without control characters (a
// rune cut by the end of the sample is tolerated).
func isText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			if len(b)-i < utf8.UTFMax && !utf8.FullRune(b[i:]) {
				return true
			}
			return false
		}
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f' {
			return false
		}
		i += size
	}
	return true
}

// Extension is the file extension that goes with a detected type.
func Extension(mime string) string {
	switch {
	case mime == "application/pdf":
		return ".pdf"
	case mime == "image/png":
		return ".png"
	case mime == "image/jpeg":
		return ".jpg"
	case mime == "image/webp":
		return ".webp"
	case mime == "application/zip":
		return ".zip"
	case strings.HasPrefix(mime, "text/markdown"):
		return ".md"
	}
	return ".txt"
}

// Inline reports whether a type may show in the browser (images and PDF);
// everything else is downloaded.
func Inline(mime string) bool {
	return mime == "application/pdf" || strings.HasPrefix(mime, "image/")
}
