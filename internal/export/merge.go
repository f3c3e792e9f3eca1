package export

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // image.DecodeConfig reads the JPEG parts
	"image/png"
	"io"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/portfolio-sio/portfolio/internal/fpdf"
)

// MergePart is one document of a merged PDF: a PDF kept as is, or a
// JPEG/PNG image put on an A4 page of its own.
type MergePart struct {
	Name string // for errors
	Mime string // "application/pdf", "image/jpeg", "image/png"
	Data []byte
	// Uploaded marks a document a user sent (an attestation): MergeDossier
	// checks it with CheckPart and leaves it out, named, when it fails.
	// Documents the server drew are not checked.
	Uploaded bool
	// Checked marks an uploaded document whose Data CheckPart already
	// returned: it is not checked again.
	Checked bool
}

// maxImagePixels bounds an image part: a phone photo is 12 to 50
// megapixels; more is a decompression bomb rather than a scan.
const maxImagePixels = 80_000_000

// disableConfigDir keeps pdfcpu from writing a config directory into the
// user's home on its first use (and from failing where the home is
// read-only): it is called before any configuration is made.
var disableConfigDir = sync.OnceFunc(api.DisableConfigDir)

// PartError is a part MergePDF could not read (a damaged or protected
// PDF, an unreadable image).
type PartError struct {
	Name string
	Err  error
}

func (e *PartError) Error() string { return fmt.Sprintf("document %q: %v", e.Name, e.Err) }
func (e *PartError) Unwrap() error { return e.Err }

// MergePDF writes one PDF holding every part's pages in order.
func MergePDF(w io.Writer, parts []MergePart) error {
	if len(parts) == 0 {
		return errors.New("merge: no document")
	}
	readers := make([]io.ReadSeeker, len(parts))
	for i, part := range parts {
		data, err := partPDF(part)
		if err != nil {
			return &PartError{Name: part.Name, Err: err}
		}
		readers[i] = bytes.NewReader(data)
	}
	var out bytes.Buffer
	if err := mergeRaw(readers, &out); err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	_, err := w.Write(out.Bytes())
	return err
}

// PartProblem is a document left out of a merged dossier, and why, in
// French.
type PartProblem struct {
	Name   string
	Reason string
}

// MergeDossier writes one PDF of the parts in order. An uploaded part that
// fails CheckPart, or that the merge cannot read, is left out and named in
// problems: the other documents still come out.
func MergeDossier(w io.Writer, parts []MergePart) (problems []PartProblem, err error) {
	var readers []io.ReadSeeker
	for _, part := range parts {
		if part.Uploaded && !part.Checked {
			checked, err := CheckPart(part)
			if err != nil {
				problems = append(problems, PartProblem{Name: part.Name, Reason: reason(err)})
				continue
			}
			part = checked
		}
		data, err := partPDF(part)
		if err != nil {
			if !part.Uploaded {
				return problems, &PartError{Name: part.Name, Err: err}
			}
			problems = append(problems, PartProblem{Name: part.Name, Reason: "le document est illisible"})
			continue
		}
		readers = append(readers, bytes.NewReader(data))
	}
	if len(readers) == 0 {
		return problems, errors.New("merge: no readable document")
	}
	var out bytes.Buffer
	if err := mergeRaw(readers, &out); err != nil {
		return problems, fmt.Errorf("merge: %w", err)
	}
	_, err = w.Write(out.Bytes())
	return problems, err
}

// reason is the French reason of a refusal.
func reason(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return "le document est illisible"
}

// partPDF is the part as a PDF pdfcpu has read and validated, or why not.
func partPDF(part MergePart) ([]byte, error) {
	switch part.Mime {
	case "application/pdf":
		if err := validatePDF(part.Data); err != nil {
			return nil, fmt.Errorf("not a readable PDF: %w", err)
		}
		return part.Data, nil
	case "image/jpeg", "image/png":
		return imagePDF(part.Data, part.Mime)
	}
	return nil, fmt.Errorf("unsupported type %q", part.Mime)
}

// maxStreamBytes bounds what one stream of a PDF part may hold, read or
// decoded (pdfcpu allows 512 MB): a scanned page is a few megabytes, and
// several merges may run at once.
const maxStreamBytes = 128 << 20

// config is pdfcpu's default configuration, made afresh each time
// (pdfcpu writes into it), with tighter bounds on streams.
func config() *model.Configuration {
	disableConfigDir()
	c := model.NewDefaultConfiguration()
	c.Limits.MaxStreamBytes = maxStreamBytes
	c.Limits.MaxDecodeBytes = maxStreamBytes
	return c
}

// validatePDF reads the PDF as the merge will. pdfcpu turns most faults
// into errors but may still panic on malformed input: that is an error too.
func validatePDF(data []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("PDF reader: %v", p)
		}
	}()
	conf := config()
	conf.ValidationMode = model.ValidationRelaxed
	n, err := api.PageCount(bytes.NewReader(data), conf)
	if err != nil {
		return err
	}
	if n == 0 {
		return errors.New("no page")
	}
	return nil
}

func mergeRaw(readers []io.ReadSeeker, w io.Writer) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("PDF library: %v", p)
		}
	}()
	return api.MergeRaw(readers, w, false, config())
}

// imagePDF puts a JPEG or PNG image on an A4 page of its own, as large as
// fits within 10 mm margins with its proportions kept: in portrait, or in
// landscape for an image wider than tall. A PNG fpdf cannot embed as it
// is (an interlaced one) is re-encoded first.
func imagePDF(data []byte, mime string) ([]byte, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not a readable image: %w", err)
	}
	if want := map[string]string{"image/jpeg": "jpeg", "image/png": "png"}[mime]; format != want {
		return nil, fmt.Errorf("a %s image sent as %s", format, mime)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxImagePixels {
		return nil, fmt.Errorf("image of %d × %d pixels: too large", cfg.Width, cfg.Height)
	}
	out, err := imagePage(data, format, cfg.Width, cfg.Height)
	if err == nil || format != "png" {
		return out, err
	}
	img, derr := png.Decode(bytes.NewReader(data))
	if derr != nil {
		return nil, fmt.Errorf("not a readable image: %w", derr)
	}
	var re bytes.Buffer
	if err := png.Encode(&re, img); err != nil {
		return nil, err
	}
	return imagePage(re.Bytes(), format, cfg.Width, cfg.Height)
}

// imagePage draws the page of imagePDF.
func imagePage(data []byte, format string, width, height int) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("PDF library: %v", p)
		}
	}()
	const margin = 10.0
	orientation := "P"
	if width > height {
		orientation = "L"
	}
	f := fpdf.New(orientation, "mm", "A4", "")
	f.SetCatalogSort(true)
	f.SetCreator("Portfolio SIO", true)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(false, 0)
	f.AddPage()
	pw, ph := f.GetPageSize()
	boxW, boxH := pw-2*margin, ph-2*margin
	scale := min(boxW/float64(width), boxH/float64(height))
	w, h := float64(width)*scale, float64(height)*scale
	opts := fpdf.ImageOptions{ImageType: format}
	f.RegisterImageOptionsReader("part", opts, bytes.NewReader(data))
	f.ImageOptions("part", margin+(boxW-w)/2, margin+(boxH-h)/2, w, h, false, opts, 0, "")
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	return buf.Bytes(), nil
}
