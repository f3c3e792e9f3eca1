package roster

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

func TestParseUTF8(t *testing.T) {
	data := "\ufeffNom;Prénom;E-mail;Parcours;N° de candidat\r\n" +
		"Moreau;Léa;Lea.Moreau@Example.org;slam;0123 456\r\n" +
		"\r\n" +
		"Lefèvre;Noé;noe@example.org;;\r\n" +
		"Sans;Courriel;pas-un-email;SISR;\r\n" +
		"Double;Léa;lea.moreau@example.org;SLAM;\r\n" +
		"Mauvais;Parcours;x@example.org;SIO;\r\n" +
		";Anonyme;y@example.org;;\r\n"
	rows, err := Parse([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 {
		t.Fatalf("%d rows", len(rows))
	}
	want := []struct {
		line    int
		problem string
	}{{2, ""}, {4, ""}, {5, "E-mail invalide"}, {6, "déjà présent ligne 2"}, {7, "Parcours inconnu"}, {8, "Nom manquant"}}
	for i, w := range want {
		if rows[i].Line != w.line || (w.problem == "") != (rows[i].Problem == "") || !strings.Contains(rows[i].Problem, w.problem) {
			t.Errorf("row %d: line %d problem %q, want line %d %q", i, rows[i].Line, rows[i].Problem, w.line, w.problem)
		}
	}
	if r := rows[0]; r.Email != "lea.moreau@example.org" || r.FirstName != "Léa" || r.Parcours != "SLAM" || r.CandidateNumber != "0123456" {
		t.Errorf("row 1 %+v", r)
	}
}

func TestParseWindows1252Comma(t *testing.T) {
	text := "prenom,nom,email\nÉlodie,Cœur-Lefèvre,elodie@example.org\nJérôme,D'Aubigné,jerome@example.org\n"
	data, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].LastName != "Cœur-Lefèvre" || rows[0].FirstName != "Élodie" || rows[1].LastName != "D'Aubigné" {
		t.Fatalf("rows %+v", rows)
	}
}

func TestParseBadFiles(t *testing.T) {
	for name, data := range map[string]string{
		"empty":          "",
		"no email":       "nom;prénom\nA;B\n",
		"header only":    "nom;prénom;email\n",
		"binary":         "PK\x03\x04\x00\x00",
		"only blank row": "nom;prénom;email\n;;\n",
	} {
		if _, err := Parse([]byte(data)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if _, ok := err.(*ErrFile); !ok {
			t.Errorf("%s: %T", name, err)
		}
	}
}

func TestValidEmail(t *testing.T) {
	for _, ok := range []string{"a@b.fr", "lea.moreau+sio@ac-rouen.fr"} {
		if !ValidEmail(ok) {
			t.Errorf("%s refused", ok)
		}
	}
	for _, bad := range []string{"", "a", "a@b", "Léa <a@b.fr>", "a@.fr", "a@b.", "a b@c.fr", "a@@b.fr"} {
		if ValidEmail(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParse: any input gives a file error or rows that are either marked
// with a problem or fully valid; never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte("nom;prénom;e-mail;parcours;numéro de candidat\nMoreau;Léa;lea@example.org;SLAM;12\n"))
	f.Add([]byte("\ufeffprenom,nom,email\n\"a,b\",c,d@e.fr\n"))
	f.Add([]byte("nom;prenom;mail\n\"x;y\n"))
	f.Add([]byte{0xef, 0xbb, 0xbf, 0x6e, 0x6f, 0x6d, 0x3b, 0xe9})
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := Parse(data)
		if err != nil {
			if _, ok := err.(*ErrFile); !ok {
				t.Fatalf("unexpected error type %T", err)
			}
			return
		}
		for _, r := range rows {
			if r.Problem != "" {
				continue
			}
			if !ValidEmail(r.Email) || r.LastName == "" || r.FirstName == "" || !utf8Valid(r.LastName+r.FirstName) {
				t.Fatalf("invalid row accepted: %+v", r)
			}
			if r.Parcours != "" && r.Parcours != "SISR" && r.Parcours != "SLAM" {
				t.Fatalf("parcours %q accepted", r.Parcours)
			}
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
