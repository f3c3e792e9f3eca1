package export

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

func TestDrawable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Réalisation œuvre d’été – « test » 20 €", "Réalisation œuvre d’été – « test » 20 €"},
		{"Déploiement 🚀", "Déploiement �"},
		{"🚀🚀 x 👨\u200d👩\u200d👧 y ✓\ufe0f", "� x � y ✓"}, // a run is one mark; ZWJ and VS16 are invisible
		{"e\u0301te\u0301", "été"},                      // composed to NFC
		{"a\u20dd", "a"},                                // an enclosing mark the font lacks is dropped
		{"ligne\nsuivante\ttab\r", "ligne suivante tab "},
		{"nul\x00esc\x1bdel\x7fc1\u0085", "nulescdelc1"},
		{"\u202eexe.gpj\u202c", "exe.gpj"},
		{"שלום עולם", "� �"},
		{"\ue000\U0010fffd\U000e0001", "�"},
		{"Привет Ελλάδα", "Привет Ελλάδα"},
		{"▸ item ☐ ☑", "▸ item ☐ ☑"},
		{"bad \xff byte", "bad � byte"},
	} {
		if got := Drawable(tc.in); got != tc.want {
			t.Errorf("Drawable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDrawableKeepsDrawableTextAsIs(t *testing.T) {
	s := "Mise en place d’un serveur LAMP – déploiement"
	if n := testing.AllocsPerRun(100, func() { _ = Drawable(s) }); n != 0 {
		t.Fatalf("%v allocations for text the font draws", n)
	}
}

// FuzzDrawable: whatever the text, what reaches fpdf is valid UTF-8 the
// font can draw, and drawing it does not fail.
func FuzzDrawable(f *testing.F) {
	for _, s := range []string{"Déploiement 🚀", "\x00\xff\U0010ffff", "שלום", strings.Repeat("é🚀", 500)} {
		f.Add(s)
	}
	g, err := fontGlyphs()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := Drawable(s)
		if !utf8.ValidString(d) {
			t.Fatalf("Drawable(%q) = %q: invalid UTF-8", s, d)
		}
		for _, r := range d {
			if !g.has(r) {
				t.Fatalf("Drawable(%q) = %q keeps %U, which the font lacks", s, d, r)
			}
		}
		if Drawable(d) != d {
			t.Fatalf("Drawable is not idempotent on %q", s)
		}
		tab := portfolio.Tableau{Title: s, Header: portfolio.TableauHeader{Name: s, Centre: s},
			Bands: []portfolio.BandRows{{Title: s, Rows: []portfolio.Row{{Title: s, Period: s,
				Productions: []portfolio.Production{{Title: s, URL: s}}}}}},
			Legend: []string{s}, Attestation: s, Validators: []string{s}, GeneratedAt: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)}
		var buf bytes.Buffer
		if err := PDF(&buf, tab, A4); err != nil {
			t.Fatalf("PDF with %q: %v", s, err)
		}
		f := portfolio.Fiche{Header: s, Session: s, Epreuve: s, RectoTitle: s, VersoTitle: s, Heading: s,
			Labels: map[string]string{"name": s, "title": s, "description": s}, Name: s, Candidate: s, Organisation: s,
			Title: s, Period: s, Place: s, Competences: []portfolio.FicheCompetence{{Title: s}}, Conditions: s,
			Resources: s, Access: s, Description: s, Productions: []portfolio.Production{{Title: s, URL: s}}}
		buf.Reset()
		if err := FichePDF(&buf, f); err != nil {
			t.Fatalf("fiche with %q: %v", s, err)
		}
	})
}
