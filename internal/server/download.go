package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Every file the server sends as a download has its headers set here
// (attachment), so that each one names its file the same way and none is
// kept by a cache.

// attachment sets the headers of a generated download: its type; a
// download under name, an ASCII fallback in filename and the name itself
// in RFC 6266's filename* (UTF-8, percent-encoded), so that « Élodie »
// stays « Élodie »; nosniff; and no caching: the document is made from
// the data of the moment and names a student.
func attachment(h http.Header, mime, name string) {
	setDisposition(h, "attachment", name)
	h.Set("Content-Type", mime)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
}

// setDisposition says how the browser opens a file (attachment or
// inline) and its name.
func setDisposition(h http.Header, kind, name string) {
	h.Set("Content-Disposition", kind+`; filename="`+asciiFilename(name)+`"; filename*=UTF-8''`+pathEscape(name))
}

// sendAttachment answers with a generated file.
func sendAttachment(w http.ResponseWriter, mime, name string, b []byte) {
	attachment(w.Header(), mime, name)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

// asciiFilename is a file name for the filename parameter: printable
// ASCII, quotes and backslashes replaced.
func asciiFilename(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, s)
}

// pathEscape percent-encodes a name's UTF-8 bytes but the unreserved ones
// (RFC 5987 attr-char, kept to RFC 3986's unreserved set).
func pathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
