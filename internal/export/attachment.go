package export

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// The limits an uploaded document must keep to go into a merged dossier
// (issue #24). A signed attestation is one to a few pages, scanned or
// written by a word processor: the limits are far above what one reaches,
// and far below what makes a merge take minutes or gigabytes.
const (
	// MaxPDFPages: an attestation is 1 to 3 pages; a certificat de
	// travail with its annexes, a dozen.
	MaxPDFPages = 50
	// MaxPDFObjects: a scanned page is about 10 objects, a page written
	// by Word or LibreOffice 50 to 200 (fonts, images, structure).
	MaxPDFObjects = 20_000
	// MaxPDFDecodedBytes bounds all the streams of a PDF once
	// decompressed: 50 pages scanned at 300 dpi in colour, losslessly,
	// are about 1.3 GB, but scanners compress pages as JPEG (not
	// inflated); 256 MB is 10 such lossless pages.
	MaxPDFDecodedBytes = 256 << 20
	// MaxImageDecodedBytes bounds an image once decoded (width × height
	// × bytes per pixel): a 50-megapixel phone photo is 150 MB in 8-bit
	// colour; a 10,000 × 8,000 16-bit PNG with alpha, 640 MB.
	MaxImageDecodedBytes = 200 << 20
	// A4 at 300 dpi, the size an accepted image is brought down to.
	maxImageLong, maxImageShort = 3508, 2480
)

// Refusal is why an uploaded document cannot go into a dossier, in French,
// for the person who uploaded it.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return r.Reason }

func refuse(format string, args ...any) error { return &Refusal{Reason: fmt.Sprintf(format, args...)} }

// CheckPart checks an uploaded PDF or image as the merge will read it,
// within the limits above, and returns what to keep: a PDF as it is (or
// decrypted, when only an owner password protects it); an image brought
// to at most A4 at 300 dpi in 8 bits per channel, so that a merge never
// decodes a large one. A document that cannot be kept is a *Refusal.
func CheckPart(p MergePart) (MergePart, error) {
	switch p.Mime {
	case "application/pdf":
		data, err := checkPDF(p.Data)
		if err != nil {
			return p, err
		}
		p.Data = data
		return p, nil
	case "image/jpeg", "image/png":
		data, err := normaliseImage(p.Data, p.Mime)
		if err != nil {
			return p, err
		}
		p.Data = data
		return p, nil
	}
	return p, refuse("ce n'est ni un PDF ni une image JPEG ou PNG")
}

// checkConfig is pdfcpu's configuration for an uploaded PDF: the limits
// above, an empty password (a PDF protected by an owner password only
// opens without one).
func checkConfig() *model.Configuration {
	c := config()
	c.ValidationMode = model.ValidationRelaxed
	c.Limits.MaxObjectCount = MaxPDFObjects
	c.Limits.MaxXRefEntries = MaxPDFObjects
	c.Limits.MaxObjectStreamCount = MaxPDFObjects
	c.Limits.MaxStreamBytes = 64 << 20
	c.Limits.MaxDecodeBytes = 64 << 20
	return c
}

func checkPDF(data []byte) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = refuse("le PDF est illisible (structure endommagée)")
		}
	}()
	ctx, err := api.ReadContext(bytes.NewReader(data), checkConfig())
	if err != nil {
		if isPasswordError(err) {
			return nil, refuse("le PDF est protégé par un mot de passe : enregistrez-le ou numérisez-le de nouveau sans protection")
		}
		return nil, refuse("le PDF est illisible ou endommagé")
	}
	if n := len(ctx.XRefTable.Table); n > MaxPDFObjects {
		return nil, refuse("le PDF compte %d objets internes, plus que les %d permis pour une attestation", n, MaxPDFObjects)
	}
	pages, err := countPages(ctx)
	if err != nil {
		return nil, err
	}
	if pages == 0 {
		return nil, refuse("le PDF n'a aucune page")
	}
	if err := checkDecodedSize(ctx); err != nil {
		return nil, err
	}
	out = data
	if ctx.E != nil {
		// Protected by an owner password only: keep a decrypted copy, which
		// the merge can read.
		var buf bytes.Buffer
		if err := api.Decrypt(bytes.NewReader(data), &buf, checkConfig()); err != nil {
			return nil, refuse("le PDF est protégé par un mot de passe : enregistrez-le ou numérisez-le de nouveau sans protection")
		}
		out = buf.Bytes()
	}
	// What the merge does, on this document alone.
	if err := mergeRaw([]io.ReadSeeker{bytes.NewReader(out)}, io.Discard); err != nil {
		return nil, refuse("le PDF ne peut pas être assemblé avec les autres documents (structure non standard) : imprimez-le de nouveau en PDF")
	}
	return out, nil
}

func isPasswordError(err error) bool {
	for _, e := range []error{pdfcpu.ErrWrongPassword, pdfcpu.ErrOwnerPasswordRequired} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// countPages walks the page tree itself, before pdfcpu validates it, and
// stops past MaxPDFPages: a tree listing one page three million times, or
// looping on itself, is refused without being walked.
func countPages(ctx *model.Context) (int, error) {
	root, err := ctx.Catalog()
	if err != nil {
		return 0, refuse("le PDF est illisible (pas de catalogue)")
	}
	pagesRef := root.IndirectRefEntry("Pages")
	if pagesRef == nil {
		return 0, refuse("le PDF n'a aucune page")
	}
	tooMany := refuse("le PDF compte plus de %d pages, le maximum pour une attestation", MaxPDFPages)
	seen := map[int]bool{}
	pages, nodes := 0, 0
	var walk func(ref types.IndirectRef, depth int) error
	walk = func(ref types.IndirectRef, depth int) error {
		nodes++
		if depth > 32 || nodes > 4*MaxPDFPages {
			return tooMany
		}
		n := ref.ObjectNumber.Value()
		if seen[n] {
			return refuse("l'arbre des pages du PDF est invalide (une page y figure deux fois)")
		}
		seen[n] = true
		d, err := ctx.DereferenceDict(ref)
		if err != nil || d == nil {
			return refuse("l'arbre des pages du PDF est illisible")
		}
		// A node is a /Pages dictionary or one with /Kids (direct, or an
		// indirect array, which is legal); anything else is a page.
		kidsObj, hasKids := d.Find("Kids")
		if typ := d.Type(); !hasKids && (typ == nil || *typ != "Pages") {
			pages++
			if pages > MaxPDFPages {
				return tooMany
			}
			return nil
		}
		kids, err := ctx.DereferenceArray(kidsObj)
		if err != nil {
			return refuse("l'arbre des pages du PDF est illisible")
		}
		if len(kids) > 4*MaxPDFPages {
			return tooMany
		}
		for _, k := range kids {
			kr, ok := k.(types.IndirectRef)
			if !ok {
				return refuse("l'arbre des pages du PDF est illisible")
			}
			if err := walk(kr, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(*pagesRef, 0); err != nil {
		return 0, err
	}
	return pages, nil
}

// checkDecodedSize inflates every stream, counting, and stops past
// MaxPDFDecodedBytes: a small PDF that inflates to a gigabyte would be
// merged as it is into the dossier teachers and the jury open. A stream
// whose filters cannot be undone within the limit is refused too.
func checkDecodedSize(ctx *model.Context) error {
	var total int64
	over := refuse("le PDF se décompresse en plus de %d Mo, bien plus qu'une attestation numérisée", MaxPDFDecodedBytes>>20)
	for _, entry := range ctx.XRefTable.Table {
		if entry == nil || entry.Free || entry.Object == nil {
			continue
		}
		sd, ok := entry.Object.(types.StreamDict)
		if !ok {
			continue
		}
		n, err := decodedSize(sd, MaxPDFDecodedBytes-total)
		if err != nil {
			return refuse("le PDF contient un flux de données illisible")
		}
		if total += n; total > MaxPDFDecodedBytes {
			return over
		}
	}
	return nil
}

// decodedSize is the size of a stream once its filters are undone, up
// to an image filter (the merge copies compressed images as they are),
// counted without holding it, and stopping past limit.
func decodedSize(sd types.StreamDict, limit int64) (int64, error) {
	filters := sd.FilterPipeline
	if len(filters) > 0 && imageFilter(filters[len(filters)-1].Name) {
		filters = filters[:len(filters)-1]
	}
	if len(filters) == 0 {
		return int64(len(sd.Raw)), nil
	}
	var r io.Reader = bytes.NewReader(sd.Raw)
	for _, f := range filters {
		if f.Name != "FlateDecode" {
			// Another filter (LZW, ASCII85…): pdfcpu undoes the whole
			// pipeline within its 64 MB bound, or fails.
			if len(filters) != len(sd.FilterPipeline) {
				return int64(len(sd.Raw)), nil // rare: an image behind other filters
			}
			if err := sd.Decode(); err != nil {
				return 0, err
			}
			n := int64(len(sd.Content))
			sd.Content = nil
			return n, nil
		}
		zr, err := zlib.NewReader(r)
		if err != nil {
			return 0, err
		}
		r = zr
	}
	n, err := io.Copy(io.Discard, io.LimitReader(r, limit+1))
	if err != nil && n <= limit {
		return 0, err
	}
	return n, nil
}

// imageFilter reports whether a filter leaves the data as a compressed
// image (JPEG, JPEG 2000, fax, JBIG2): the merge copies it as it is.
func imageFilter(name string) bool {
	switch name {
	case "DCTDecode", "JPXDecode", "CCITTFaxDecode", "JBIG2Decode":
		return true
	}
	return false
}

// bytesPerPixel is what one pixel of the decoded image takes in memory.
func bytesPerPixel(m color.Model) int {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.YCbCrModel:
		return 3
	}
	return 4 // RGBA, NRGBA, CMYK, paletted images are decoded as bytes too, but 4 is the bound
}

// normaliseImage checks an image's decoded size from its header alone,
// decodes it (in the child process: a file within the bounds decodes in
// well under a second, and one that does not is caught here rather than
// in a teacher's browser), turns a photo upright as its EXIF orientation
// says, and brings it to at most A4 at 300 dpi, 8 bits per channel, on
// white. A JPEG is always written again (baseline, without its metadata);
// a PNG that needs no change is kept byte for byte.
func normaliseImage(data []byte, mime string) ([]byte, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, refuse("l'image est illisible")
	}
	if want := map[string]string{"image/jpeg": "jpeg", "image/png": "png"}[mime]; format != want {
		return nil, refuse("l'image n'est pas du type annoncé")
	}
	w, h := cfg.Width, cfg.Height
	if w <= 0 || h <= 0 {
		return nil, refuse("l'image est vide")
	}
	if decoded := int64(w) * int64(h) * int64(bytesPerPixel(cfg.ColorModel)); decoded > MaxImageDecodedBytes {
		return nil, refuse("l'image de %d × %d pixels occuperait %d Mo une fois ouverte (au plus %d Mo) : numérisez l'attestation à 300 dpi, ou envoyez-la en PDF",
			w, h, decoded>>20, MaxImageDecodedBytes>>20)
	}
	orientation := 1
	if format == "jpeg" {
		if n := jpegScans(data); n > maxJPEGScans {
			return nil, refuse("l'image JPEG est découpée en %d passes (au plus %d pour une photo ou une numérisation) : enregistrez-la de nouveau en JPEG standard ou en PDF", n, maxJPEGScans)
		}
		if n := progressiveBytes(data); n > maxProgressiveBytes {
			return nil, refuse("l'image JPEG progressive de %d × %d pixels demanderait %d Mo pour être ouverte (au plus %d Mo) : enregistrez-la en JPEG standard ou en PDF",
				w, h, n>>20, maxProgressiveBytes>>20)
		}
		orientation = exifOrientation(data)
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, refuse("l'image est illisible")
	}
	uw, uh := w, h // upright
	if orientation >= 5 {
		uw, uh = h, w
	}
	long, short := maxImageLong, maxImageShort
	if uw <= uh {
		long, short = short, long // portrait: width ≤ 2480, height ≤ 3508
	}
	scale := min(1, float64(long)/float64(uw), float64(short)/float64(uh))
	if format == "png" && scale == 1 && kept(data, cfg.ColorModel) {
		return data, nil
	}
	nw, nh := max(1, int(float64(w)*scale+0.5)), max(1, int(float64(h)*scale+0.5))
	dst := orient(shrink(src, nw, nh), orientation)
	var out bytes.Buffer
	if format == "jpeg" {
		err = jpeg.Encode(&out, dst, &jpeg.Options{Quality: 90})
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&out, dst)
	}
	if err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// kept reports whether a PNG small enough can be kept as it is: 8-bit
// (opaque or with alpha) and not interlaced, which the PDF library embeds
// without decoding it whole.
func kept(data []byte, m color.Model) bool {
	if m == color.RGBA64Model || m == color.NRGBA64Model || m == color.Gray16Model {
		return false
	}
	// The IHDR chunk: 8 bytes of signature, 8 of chunk header, then
	// width, height, bit depth, colour type, compression, filter, interlace.
	return len(data) > 28 && data[28] == 0 && data[24] <= 8
}
