package export

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/portfolio-sio/portfolio/internal/fpdf"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

// Missing is what the PDF prints for a character its font cannot draw
// (an emoji, a script the font lacks, an unassigned code point): the
// Unicode replacement character, which the font has. A run of such
// characters prints as one (a family emoji is several code points).
const Missing = '\uFFFD'

// glyphs is the set of characters both embedded fonts can draw, read
// once from their cmap tables. fpdf indexes its width tables by code point
// up to U+FFFF, so only the Basic Multilingual Plane is looked at: no
// character beyond it ever reaches fpdf.
type glyphs [0x10000 / 64]uint64

func (g *glyphs) has(r rune) bool {
	return r >= 0 && r < 0x10000 && g[r>>6]&(1<<(r&63)) != 0
}

var fontGlyphs = sync.OnceValues(func() (*glyphs, error) {
	fb, err := fontBytes()
	if err != nil {
		return nil, err
	}
	var sets [2]glyphs
	for i, b := range fb {
		f, err := sfnt.Parse(b)
		if err != nil {
			return nil, fmt.Errorf("PDF font %d: %w", i, err)
		}
		var buf sfnt.Buffer
		for r := rune(0x20); r < 0x10000; r++ {
			if gi, err := f.GlyphIndex(&buf, r); err == nil && gi != 0 {
				sets[i][r>>6] |= 1 << (r & 63)
			}
		}
	}
	var g glyphs
	for i := range g {
		g[i] = sets[0][i] & sets[1][i]
	}
	return &g, nil
})

// Drawable returns s as the PDF font can draw it. The stored text is never
// changed; only what a renderer draws goes through here:
//   - composed to NFC first, so that "e" + combining acute is the "é" the
//     font has;
//   - tabs and line breaks become spaces; other control characters, format
//     characters (zero-width joiner, bidirectional controls, byte-order
//     mark), variation selectors and combining marks the font lacks are
//     dropped: they have no visible form of their own;
//   - every other character the font cannot draw becomes Missing, once per
//     run.
//
// Text the font can draw whole is returned as it is, without allocating.
func Drawable(s string) string { return drawableIn(fontGlyphs, s) }

// sheetDrawable is Drawable for the printed sheets (sheetprint.go), whose
// text is in Liberation Sans, DejaVu drawing what it lacks: a character
// either draws is kept (« ⁴ », which DejaVu lacks).
func sheetDrawable(s string) string { return drawableIn(sheetGlyphs, s) }

// sheetGlyphs are the characters of the four Liberation Sans faces, and
// those of fontGlyphs. Liberation's Hebrew and Arabic are left out: the
// PDFs draw a line from left to right, which would print a right-to-left
// script backwards; they print as Missing, as in the other PDFs.
var sheetGlyphs = sync.OnceValues(func() (*glyphs, error) {
	g, err := fontGlyphs()
	if err != nil {
		return nil, err
	}
	sf, err := loadSheetFonts()
	if err != nil {
		return nil, err
	}
	out := *g
	for r := rune(0x20); r < 0x10000; r++ {
		all := true
		for _, m := range sf.libM {
			all = all && m.adv[r] != 0
		}
		if all && !unicode.In(r, unicode.Hebrew, unicode.Arabic, unicode.Syriac, unicode.Thaana, unicode.Nko) {
			out[r>>6] |= 1 << (r & 63)
		}
	}
	return &out, nil
})

// drawableIn is Drawable with the characters set reads.
func drawableIn(set func() (*glyphs, error), s string) string {
	g, err := set()
	if err != nil {
		// The fonts are embedded and tested: this cannot happen in a
		// build that passed its tests. Fall back to ASCII.
		g = &glyphs{}
		for r := rune(0x20); r < 0x7f; r++ {
			g[r>>6] |= 1 << (r & 63)
		}
	}
	if drawableAlready(g, s) {
		return s
	}
	s = norm.NFC.String(strings.ToValidUTF8(s, string(Missing)))
	var b strings.Builder
	b.Grow(len(s))
	lastMissing := false
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
			lastMissing = false
		case g.has(r) && !unicode.Is(unicode.Cf, r):
			b.WriteRune(r)
			lastMissing = false
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
			unicode.In(r, unicode.Mn, unicode.Me):
			// invisible: dropped, and a run of Missing goes on across it
		default:
			if !lastMissing {
				b.WriteRune(Missing)
			}
			lastMissing = true
		}
	}
	return b.String()
}

// drawableAlready reports whether every character of s is drawn as it is.
func drawableAlready(g *glyphs, s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || !g.has(r) || unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me) {
			return false
		}
		i += n
	}
	return true
}

// pen is the fpdf document as the PDF code sees it: every method that
// takes a text to draw, measure or store passes it through Drawable first,
// so no text reaches fpdf that its font cannot draw (fpdf panics on a
// character beyond U+FFFF and prints an empty box for one its font lacks).
// The methods below are all the text methods the code uses; add any other
// one here before using it.
type pen struct{ *fpdf.Fpdf }

// newPen starts a document in millimetres with the embedded fonts. The
// fork of fpdf parses each font once per process and keeps a copy of its
// bytes, which it writes into (internal/fpdf/FORK.md): every document
// passes the same slices, by which it finds the parsed fonts.
func newPen(orientation, paper string) (pen, error) {
	fb, err := fontBytes()
	if err != nil {
		return pen{}, err
	}
	p := pen{fpdf.New(orientation, "mm", paper, "")}
	p.SetCatalogSort(true) // the same document gives the same bytes
	p.AddUTF8FontFromBytes(fontName, "", fb[0])
	p.AddUTF8FontFromBytes(fontName, "B", fb[1])
	return p, nil
}

func (p pen) CellFormat(w, h float64, s, border string, ln int, align string, fill bool, link int, linkStr string) {
	p.Fpdf.CellFormat(w, h, Drawable(s), border, ln, align, fill, link, linkStr)
}

func (p pen) Cell(w, h float64, s string) { p.Fpdf.Cell(w, h, Drawable(s)) }

// MultiCell and SplitText keep the text's line breaks (a description's
// paragraphs, a production per line): each line is made drawable alone.
func (p pen) MultiCell(w, h float64, s, border, align string, fill bool) {
	p.Fpdf.MultiCell(w, h, drawableLines(s), border, align, fill)
}

// drawableLines is Drawable line by line, the line breaks kept as "\n".
func drawableLines(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return Drawable(s)
	}
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"), "\n")
	for i, l := range lines {
		lines[i] = Drawable(l)
	}
	return strings.Join(lines, "\n")
}

func (p pen) Text(x, y float64, s string) { p.Fpdf.Text(x, y, Drawable(s)) }

func (p pen) Write(h float64, s string) { p.Fpdf.Write(h, Drawable(s)) }

func (p pen) SplitText(s string, w float64) []string {
	return p.Fpdf.SplitText(drawableLines(s), w)
}

func (p pen) GetStringWidth(s string) float64 { return p.Fpdf.GetStringWidth(Drawable(s)) }

func (p pen) SetTitle(s string, isUTF8 bool)   { p.Fpdf.SetTitle(Drawable(s), isUTF8) }
func (p pen) SetAuthor(s string, isUTF8 bool)  { p.Fpdf.SetAuthor(Drawable(s), isUTF8) }
func (p pen) SetSubject(s string, isUTF8 bool) { p.Fpdf.SetSubject(Drawable(s), isUTF8) }
func (p pen) SetCreator(s string, isUTF8 bool) { p.Fpdf.SetCreator(Drawable(s), isUTF8) }
func (p pen) SetKeywords(s string, isUTF8 bool) {
	p.Fpdf.SetKeywords(Drawable(s), isUTF8)
}
