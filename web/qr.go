package web

import (
	"encoding/base64"

	"github.com/a-h/templ"
	qrcode "github.com/skip2/go-qrcode"
)

// QRCode is a link as a QR code, a PNG in a data: URL for an <img> (one
// module is 4 pixels; printed at 3 cm it scans from a phone). A link too
// long to encode gives "".
//
// github.com/skip2/go-qrcode encodes it: QR encoding (Reed–Solomon error
// correction, masks, versions) is a standard we would not write better;
// the module has no dependencies.
func QRCode(link string) templ.SafeURL {
	q, err := qrcode.New(link, qrcode.Medium)
	if err != nil {
		return ""
	}
	q.DisableBorder = false
	png, err := q.PNG(-4)
	if err != nil {
		return ""
	}
	return templ.SafeURL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
}
