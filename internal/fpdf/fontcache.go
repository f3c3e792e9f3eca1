package fpdf

// This file is Portfolio SIO's change to fpdf (see FORK.md): a UTF-8 font
// is parsed once per process, and its embedded subsets are made once per
// set of Unicode blocks, instead of both on every document. A tableau PDF
// then costs its pages, not the font: before, parsing, naming (a JSON
// encoding of 65,536 widths hashed), cutting and compressing the two fonts
// were about two thirds of it.

import (
	"bytes"
	"compress/zlib"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// parsedFonts holds the parsed UTF-8 fonts by family key and bytes: the
// font definition without its per-document used runes. The definition's
// utf8File is shared by every document; only subsetFor uses it after
// parsing, under subsetMu.
var parsedFonts = struct {
	sync.Mutex
	m map[parsedKey]*fontDefType
}{m: map[parsedKey]*fontDefType{}}

type parsedKey struct {
	fontKey string
	data    *byte
	size    int
}

// parsedUTF8Font parses a TrueType font's bytes into a font definition,
// or returns the one parsed before from the same bytes (the same slice:
// the caller must not change them afterwards; fonts embedded in the
// binary never change). fpdf writes into the bytes it reads: it is given
// a copy of its own, and subsetFor gives each cut a fresh one.
func parsedUTF8Font(fontKey string, utf8Bytes []byte) (fontDefType, error) {
	key := parsedKey{fontKey, unsafe.SliceData(utf8Bytes), len(utf8Bytes)}
	parsedFonts.Lock()
	defer parsedFonts.Unlock()
	if def, ok := parsedFonts.m[key]; ok {
		return *def, nil
	}
	pristine := bytes.Clone(utf8Bytes)
	reader := fileReader{readerPosition: 0, array: bytes.Clone(pristine)}
	utf8File := newUTF8Font(&reader)
	if err := utf8File.parseFile(); err != nil {
		return fontDefType{}, err
	}
	def := fontDefType{
		Tp:   "UTF8",
		Name: fontKey,
		Desc: FontDescType{
			Ascent:       int(utf8File.Ascent),
			Descent:      int(utf8File.Descent),
			CapHeight:    utf8File.CapHeight,
			Flags:        utf8File.Flags,
			FontBBox:     utf8File.Bbox,
			ItalicAngle:  utf8File.ItalicAngle,
			StemV:        utf8File.StemV,
			MissingWidth: round(utf8File.DefaultWidth),
		},
		Up:       int(round(utf8File.UnderlinePosition)),
		Ut:       round(utf8File.UnderlineThickness),
		Cw:       utf8File.CharWidths,
		utf8File: utf8File,
		pristine: pristine,
	}
	var err error
	if def.i, err = generateFontID(def); err != nil {
		return fontDefType{}, err
	}
	if len(parsedFonts.m) >= 64 { // a program embeds a handful of fonts
		clear(parsedFonts.m)
	}
	parsedFonts.m[key] = &def
	return def, nil
}

// fontSubset is what a document embeds of a UTF-8 font: the /W widths of
// the CIDFont dictionary, the compressed CIDToGIDMap and the compressed
// cut font with its uncompressed length.
type fontSubset struct {
	widths    string
	cidToGID  []byte
	font      []byte
	fontSize  int
	cacheSize int
}

// subsetCache holds the fontSubsets made, by font id and Unicode blocks,
// least recently used out past maxSubsetBytes.
type subsetCache struct {
	sync.Mutex
	m     map[string]*fontSubset
	order []string // least recently used first
	size  int
}

var subsets = subsetCache{m: map[string]*fontSubset{}}

// subsetMu serialises the cutting of fonts: GenerateCutFont keeps its
// work in the shared utf8File.
var subsetMu sync.Mutex

const maxSubsetBytes = 8 << 20

// blockBits sizes the blocks a subset is widened to: every glyph of the
// font in each 128-code block a document uses goes in. A French document
// then uses four or five blocks, and its subset is the one made for the
// previous document; it holds a few hundred glyphs where the exact subset
// held about eighty (the embedded fonts are already cut to the scripts
// users type, fonts/README.md of the export package).
const blockBits = 7

// subsetFor returns the subset of font that covers its used runes,
// making it on first use of that set of blocks.
func subsetFor(font *fontDefType) *fontSubset {
	blocks := map[int]bool{}
	for r, v := range font.usedRunes {
		if r != 0 && v != 0 {
			blocks[r>>blockBits] = true
		}
	}
	list := make([]int, 0, len(blocks))
	for b := range blocks {
		list = append(list, b)
	}
	sortInts(list)
	var key strings.Builder
	key.WriteString(font.i)
	for _, b := range list {
		key.WriteByte(',')
		key.WriteString(strconv.Itoa(b))
	}
	k := key.String()

	subsets.Lock()
	if s, ok := subsets.m[k]; ok {
		subsets.touch(k)
		subsets.Unlock()
		return s
	}
	subsets.Unlock()

	// The widened rune set: as fpdf begins it (runes 1 to 56 present but
	// unused), plus every rune of the font in the blocks used.
	runes := make(map[int]int, 57+len(list)<<blockBits)
	for r := 1; r < 57; r++ {
		runes[r] = 0
	}
	for _, b := range list {
		for r := b << blockBits; r < (b+1)<<blockBits && r < len(font.Cw); r++ {
			if font.Cw[r] != 0 {
				runes[r] = r
			}
		}
	}

	subsetMu.Lock()
	utf := font.utf8File
	utf.fileReader.array = bytes.Clone(font.pristine)
	stream := utf.GenerateCutFont(runes)
	code := utf.CodeSymbolDictionary
	delete(code, 0)
	lastRune := utf.LastRune
	cidToGID := make([]byte, 256*256*2)
	for cc, glyph := range code {
		cidToGID[cc*2] = byte(glyph >> 8)
		cidToGID[cc*2+1] = byte(glyph & 0xFF)
	}
	subsetMu.Unlock()

	s := &fontSubset{
		widths:   cidFontWidths(font.Cw, runes, lastRune),
		cidToGID: compress(cidToGID),
		font:     compress(stream),
		fontSize: len(stream),
	}
	s.cacheSize = len(s.widths) + len(s.cidToGID) + len(s.font) + len(k)

	subsets.Lock()
	defer subsets.Unlock()
	if old, ok := subsets.m[k]; ok { // made meanwhile by another document
		return old
	}
	subsets.m[k] = s
	subsets.order = append(subsets.order, k)
	subsets.size += s.cacheSize
	for subsets.size > maxSubsetBytes && len(subsets.order) > 1 {
		oldest := subsets.order[0]
		subsets.order = subsets.order[1:]
		subsets.size -= subsets.m[oldest].cacheSize
		delete(subsets.m, oldest)
	}
	return s
}

// touch moves k to the most recently used end (the list is short).
func (c *subsetCache) touch(k string) {
	for i, o := range c.order {
		if o == k {
			copy(c.order[i:], c.order[i+1:])
			c.order[len(c.order)-1] = k
			return
		}
	}
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// compress is zlib at its best compression: a subset is compressed once
// for many documents (fpdf's xmem pool compresses each time, at best speed).
func compress(data []byte) []byte {
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	_, _ = w.Write(data)
	_ = w.Close()
	return buf.Bytes()
}

// cidFontWidths is generateCIDFontMap's /W line for the runes.
func cidFontWidths(cw []int, runes map[int]int, lastRune int) string {
	var f Fpdf // writes to f.buffer (state 0)
	f.generateCIDFontMap(&fontDefType{Cw: cw, usedRunes: runes}, lastRune)
	return strings.TrimSuffix(f.buffer.String(), "\n")
}
