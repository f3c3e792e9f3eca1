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
const Allowed = "PDF, images PNG, JPEG ou WebP, documents bureautiques (docx, odt…), texte, code et ZIP"

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
	if !strings.HasPrefix(http.DetectContentType(head), "text/plain") || markup(head) {
		return "", false
	}
	charset := "utf-8"
	if !isText(head) {
		if !isWindows1252Text(head) {
			return "", false
		}
		charset = "windows-1252" // a Notepad "ANSI" file
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown":
		return "text/markdown; charset=" + charset, true
	}
	return "text/plain; charset=" + charset, true
}

// isWindows1252Text reports whether b reads as Windows-1252 text: no
// control characters and no byte the code page leaves undefined.
func isWindows1252Text(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		switch {
		case c == '\n' || c == '\r' || c == '\t' || c == '\f':
		case c < 0x20 || c == 0x7f || c == 0x81 || c == 0x8d || c == 0x8f || c == 0x90 || c == 0x9d:
			return false
		}
	}
	return true
}

// markup reports whether text is an HTML, SVG or XML document, which a
// browser could run (text that merely mentions a tag, such as a note on
// XSS or a PHP file, is plain text).
func markup(b []byte) bool {
	// A byte-order mark before the markup does not stop a browser from
	// reading it as HTML.
	t := bytes.ToLower(bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(b), []byte("\xef\xbb\xbf"))))
	for _, start := range []string{"<!doctype", "<html", "<head", "<body", "<svg", "<?xml", "<script", "<iframe", "<!--"} {
		if bytes.HasPrefix(t, []byte(start)) {
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

// keep lists, per detected type, the original extensions a download keeps
// (an office document is a ZIP; source files are text).
var keep = map[string][]string{
	"application/zip": {".zip", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".odg"},
	"text": {".txt", ".md", ".markdown", ".csv", ".log", ".conf", ".cfg", ".ini", ".sql", ".php", ".py", ".java",
		".c", ".h", ".cpp", ".cs", ".go", ".rb", ".yml", ".yaml", ".json", ".toml", ".css", ".ts"},
	"image/jpeg": {".jpg", ".jpeg"},
}

// Accept is the file picker's accept list: every extension a file the
// server takes keeps (office documents, sources…), so that the picker
// offers what the server accepts. The server still decides by content.
func Accept() string {
	exts := []string{".pdf", ".png", ".webp"}
	for _, kind := range []string{"image/jpeg", "application/zip", "text"} {
		exts = append(exts, keep[kind]...)
	}
	return strings.Join(exts, ",")
}

// Extension is the extension a download gets: the original one when it
// fits the detected type (rapport.docx stays .docx), else the type's own
// (a script renamed .txt never comes back as .bat).
func Extension(mime, original string) string {
	ext := strings.ToLower(path.Ext(original))
	kind := mime
	if strings.HasPrefix(mime, "text/") {
		kind = "text"
	}
	for _, e := range keep[kind] {
		if ext == e {
			return ext
		}
	}
	return typeExtension(mime)
}

// typeExtension is the usual extension of a detected type.
func typeExtension(mime string) string {
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
