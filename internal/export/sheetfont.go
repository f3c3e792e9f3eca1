package export

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// The official tableaux are printed in Liberation Sans, the free font made
// with Arial's metrics (SIL Open Font License, fonts/LICENSE-LiberationSans;
// Debian fonts-liberation2 2.1.5, the files unchanged): the model asks for
// Arial, and with the same widths its texts break into the same lines as
// in the model. A character Liberation Sans lacks (the model's ☒ and ▢,
// the items' ▸) is drawn from DejaVu Sans Condensed, the other PDFs'
// font; one neither has prints as U+FFFD (see Drawable).
//
// The faces are embedded as byte slices, not read from an embed.FS
// (which copies a file on each read): the binary's copy is the one every
// document passes to fpdf.
var (
	//go:embed fonts/LiberationSans-Regular.ttf
	libRegular []byte
	//go:embed fonts/LiberationSans-Bold.ttf
	libBold []byte
	//go:embed fonts/LiberationSans-Italic.ttf
	libItalic []byte
	//go:embed fonts/LiberationSans-BoldItalic.ttf
	libBoldItalic []byte
)

const sheetFontName = "liberation"

// faceStyles are the four faces' fpdf styles, in the order of face().
var faceStyles = [4]string{"", "B", "I", "BI"}

func face(bold, italic bool) int {
	i := 0
	if bold {
		i |= 1
	}
	if italic {
		i |= 2
	}
	return i
}

// metrics are a face's advance widths for the Basic Multilingual Plane, in
// font units per em (0: no glyph).
type metrics struct {
	adv [0x10000]uint16
	upm float64
}

func (m *metrics) width(r rune) float64 { return float64(m.adv[r]) / m.upm }

// advance is a character's width at 1 pt: Liberation Sans's (lm), or
// DejaVu's (dm) for one it lacks.
func advance(lm, dm *metrics, r rune) float64 {
	if a := lm.adv[r]; a != 0 {
		return float64(a) / lm.upm
	}
	return dm.width(r)
}

// sheetFonts are the bytes and widths of the four Liberation Sans faces
// and of the two DejaVu ones, read once per process.
type sheetFonts struct {
	lib     [4][]byte
	libM    [4]*metrics
	dejavuM [2]*metrics
}

var loadSheetFonts = sync.OnceValues(func() (*sheetFonts, error) {
	var sf sheetFonts
	sf.lib = [4][]byte{libRegular, libBold, libItalic, libBoldItalic}
	for i, name := range []string{"Regular", "Bold", "Italic", "BoldItalic"} {
		var err error
		if sf.libM[i], err = readMetrics(sf.lib[i]); err != nil {
			return nil, fmt.Errorf("font Liberation Sans %s: %w", name, err)
		}
	}
	fb, err := fontBytes()
	if err != nil {
		return nil, err
	}
	for i := range fb {
		if sf.dejavuM[i], err = readMetrics(fb[i]); err != nil {
			return nil, fmt.Errorf("DejaVu %d: %w", i, err)
		}
	}
	return &sf, nil
})

func readMetrics(b []byte) (*metrics, error) {
	f, err := sfnt.Parse(b)
	if err != nil {
		return nil, err
	}
	m := &metrics{upm: float64(f.UnitsPerEm())}
	var buf sfnt.Buffer
	ppem := fixed.Int26_6(f.UnitsPerEm()) << 6
	for r := rune(0x20); r < 0x10000; r++ {
		gi, err := f.GlyphIndex(&buf, r)
		if err != nil || gi == 0 {
			continue
		}
		a, err := f.GlyphAdvance(&buf, gi, ppem, font.HintingNone)
		if err != nil {
			return nil, err
		}
		m.adv[r] = uint16(max(1, (a+32)>>6))
	}
	return m, nil
}

// cellLineHeight is the height of a line of Liberation Sans as LibreOffice
// sets it in a cell: ascent plus descent (1854 + 434 of 2048 units), no
// gap.
func cellLineHeight(size float64) float64 { return size * 2288 / 2048 }

// ascent is the baseline's distance under the top of a line.
func ascent(size float64) float64 { return size * 1854 / 2048 }

// run is a piece of a line drawn in one font: Liberation Sans, or DejaVu
// for what it lacks.
type run struct {
	text   string
	dejavu bool
	width  float64 // at 1 pt
}

// runs cuts a drawable line (see Drawable) into runs by font, and
// returns its width at 1 pt.
func (sf *sheetFonts) runs(line string, bold, italic bool) ([]run, float64) {
	lm := sf.libM[face(bold, italic)]
	dm := sf.dejavuM[face(bold, false)]
	var out []run
	total := 0.0
	start, cur := 0, false
	w := 0.0
	for i, r := range line {
		dv := lm.adv[r] == 0
		if i > start && dv != cur {
			out = append(out, run{text: line[start:i], dejavu: cur, width: w})
			start, w = i, 0
		}
		cur = dv
		rw := advance(lm, dm, r)
		w += rw
		total += rw
	}
	if start < len(line) {
		out = append(out, run{text: line[start:], dejavu: cur, width: w})
	}
	return out, total
}

// textWidth is the width of a drawable line at 1 pt.
func (sf *sheetFonts) textWidth(line string, bold, italic bool) float64 {
	lm := sf.libM[face(bold, italic)]
	dm := sf.dejavuM[face(bold, false)]
	w := 0.0
	for _, r := range line {
		w += advance(lm, dm, r)
	}
	return w
}

// wrap breaks a cell's text into the lines a spreadsheet shows: each of
// its own lines made drawable, then, when wrap is on, broken at spaces
// (and after a hyphen) to fit width points at size, a word longer than
// the width broken where it must. Without wrap a line stays whole.
func (sf *sheetFonts) wrap(text string, st Style, width float64) []string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	var out []string
	for _, l := range strings.Split(text, "\n") {
		l = sheetDrawable(l)
		if !st.Wrap || width <= 0 {
			out = append(out, l)
			continue
		}
		out = sf.wrapLine(out, l, st, width/st.Size)
	}
	return out
}

// wrapLine appends the lines of one paragraph, max being the width at
// 1 pt.
func (sf *sheetFonts) wrapLine(out []string, l string, st Style, max float64) []string {
	if sf.textWidth(l, st.Bold, st.Italic) <= max {
		return append(out, l)
	}
	line, lineW := "", 0.0
	spaceW := sf.textWidth(" ", st.Bold, st.Italic)
	for _, p := range breakWords(l) {
		word := p.text
		ww := sf.textWidth(word, st.Bold, st.Italic)
		sep, sepW := " ", spaceW
		if line == "" || !p.space {
			sep, sepW = "", 0
		}
		switch {
		case lineW+sepW+ww <= max:
			line += sep + word
			lineW += sepW + ww
		case ww <= max:
			out = append(out, line)
			line, lineW = word, ww
		default: // a word wider than the cell: cut it where it must
			if line != "" {
				out = append(out, line)
			}
			line, lineW = "", 0
			lm, dm := sf.libM[face(st.Bold, st.Italic)], sf.dejavuM[face(st.Bold, false)]
			for _, r := range word {
				rw := advance(lm, dm, r)
				if lineW+rw > max && line != "" {
					out = append(out, line)
					line, lineW = "", 0
				}
				line += string(r)
				lineW += rw
			}
		}
	}
	return append(out, line)
}

// breakWords splits a line at its spaces, and after a hyphen inside a
// word (« Grand-Est » may break as « Grand- » « Est »), as a spreadsheet
// may break it.
func breakWords(l string) []piece {
	var words []piece
	for i, w := range strings.Split(l, " ") {
		space := i > 0
		for {
			j := strings.Index(w, "-")
			if j <= 0 || j == len(w)-1 {
				break
			}
			words = append(words, piece{w[:j+1], space})
			w, space = w[j+1:], false
		}
		words = append(words, piece{w, space})
	}
	return words
}

// piece is a word and whether a space comes before it.
type piece struct {
	text  string
	space bool
}

// wrapRich breaks a rich text into the lines a Word cell shows: at each
// "\n", then at spaces to fit width points at st.Size (a word wider than
// the width cut where it must); each line is its runs, adjacent ones of
// one weight joined. Spaces run together as one, as a line starts with
// none.
func (sf *sheetFonts) wrapRich(spans []Span, st Style, width float64) [][]Span {
	type frag struct {
		text string
		bold bool
	}
	type word struct {
		frags []frag
		space bool // a space comes before it
		w     float64
	}
	max := width / st.Size
	// A text of one line that fits is that line (the rows of a long text,
	// already wrapped by their builder).
	one, oneW := make([]Span, 0, len(spans)), 0.0
	for _, sp := range spans {
		if strings.ContainsAny(sp.Text, "\r\n") {
			one = nil
			break
		}
		t := sheetDrawable(sp.Text)
		one = append(one, Span{Text: t, Bold: sp.Bold})
		oneW += sf.textWidth(t, sp.Bold, false)
	}
	if one != nil && oneW <= max {
		return [][]Span{one}
	}
	var out [][]Span
	var line []frag // the pieces of the line being filled
	lineW := 0.0
	emit := func() { // the line's pieces joined into runs of one weight
		var spans []Span
		var b strings.Builder
		for i, f := range line {
			b.WriteString(f.text)
			if i == len(line)-1 || line[i+1].bold != f.bold {
				spans = append(spans, Span{Text: b.String(), Bold: f.bold})
				b.Reset()
			}
		}
		out = append(out, spans)
		line, lineW = line[:0], 0
	}
	add := func(text string, bold bool) { line = append(line, frag{text, bold}) }
	place := func(wd word) {
		spaceW := sf.textWidth(" ", false, false)
		sep := wd.space && len(line) > 0
		switch {
		case lineW+wd.w+boolFloat(sep)*spaceW <= max:
		case wd.w <= max:
			emit()
			sep = false
		default: // wider than the cell: cut it
			if sep && lineW+spaceW < max {
				add(" ", false)
				lineW += spaceW
			} else if len(line) > 0 {
				emit()
			}
			for _, f := range wd.frags {
				for _, r := range f.text {
					rw := sf.textWidth(string(r), f.bold, false)
					if lineW+rw > max && len(line) > 0 {
						emit()
					}
					add(string(r), f.bold)
					lineW += rw
				}
			}
			return
		}
		if sep {
			add(" ", false)
			lineW += spaceW
		}
		for _, f := range wd.frags {
			add(f.text, f.bold)
		}
		lineW += wd.w
	}
	var cur word
	space := false
	flush := func() { // the word read so far goes on the line
		if len(cur.frags) == 0 {
			return
		}
		cur.space = space
		place(cur)
		cur, space = word{}, false
	}
	for _, sp := range spans {
		paragraphs := strings.Split(strings.ReplaceAll(strings.ReplaceAll(sp.Text, "\r\n", "\n"), "\r", "\n"), "\n")
		for i, para := range paragraphs {
			if i > 0 {
				flush()
				emit()
				space = false
			}
			for j, piece := range strings.Split(sheetDrawable(para), " ") {
				if j > 0 {
					flush()
					space = true
				}
				if piece != "" {
					cur.frags = append(cur.frags, frag{piece, sp.Bold})
					cur.w += sf.textWidth(piece, sp.Bold, false)
				}
			}
		}
	}
	flush()
	emit()
	return out
}

// spansWidth is a line's width in points at st.Size.
func (sf *sheetFonts) spansWidth(line []Span, st Style) float64 {
	w := 0.0
	for _, sp := range line {
		w += sf.textWidth(sp.Text, sp.Bold, st.Italic)
	}
	return w * st.Size
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
