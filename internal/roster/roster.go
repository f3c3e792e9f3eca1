// Package roster reads the student lists schools export from their
// spreadsheets (CSV) for import into a class.
package roster

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// MaxSize bounds an imported file; a class list is a few kilobytes.
const MaxSize = 1 << 20

// MaxRows bounds the lines of one file.
const MaxRows = 2000

// Row is one student line, cleaned, or the reason it is refused.
type Row struct {
	Line            int // in the file, header = 1
	LastName        string
	FirstName       string
	Email           string
	Parcours        string // "", "SISR" or "SLAM"
	CandidateNumber string
	Problem         string // in French; empty when the line is good
}

// ErrFile is a file that cannot be read as a student list at all.
type ErrFile struct{ Message string }

func (e *ErrFile) Error() string { return e.Message }

// columns maps normalised header names to fields.
var columns = map[string]string{
	"nom": "nom", "nom de famille": "nom", "last name": "nom", "lastname": "nom",
	"prenom": "prenom", "first name": "prenom", "firstname": "prenom",
	"e-mail": "email", "email": "email", "mail": "email", "courriel": "email", "adresse e-mail": "email", "adresse mail": "email", "adresse electronique": "email",
	"parcours": "parcours", "specialite": "parcours", "option": "parcours",
	"numero de candidat": "candidat", "n de candidat": "candidat", "no de candidat": "candidat", "numero candidat": "candidat", "candidat": "candidat", "n candidat": "candidat", "numero": "candidat",
}

// Parse reads a CSV student list: a header row naming the columns (nom,
// prénom, e-mail, and optionally parcours and numéro de candidat, in any
// order), ";" or "," separated, in UTF-8 (with or without BOM) or
// Windows-1252. Lines are checked one by one (Row.Problem); duplicates of
// an e-mail within the file are refused after the first.
func Parse(data []byte) ([]Row, error) {
	if len(data) > MaxSize {
		return nil, &ErrFile{"Le fichier dépasse 1 Mo : ce n'est pas une liste de classe."}
	}
	text, err := decode(data)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) == "" {
		return nil, &ErrFile{"Le fichier est vide."}
	}
	first, _, _ := strings.Cut(text, "\n")
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = ';'
	if strings.Count(first, ",") > strings.Count(first, ";") {
		r.Comma = ','
	}
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	header, err := r.Read()
	if err != nil {
		return nil, &ErrFile{"La première ligne (les titres des colonnes) est illisible."}
	}
	idx := map[string]int{}
	for i, h := range header {
		if f, ok := columns[normalise(h)]; ok {
			if _, dup := idx[f]; !dup {
				idx[f] = i
			}
		}
	}
	var missing []string
	for _, need := range []struct{ field, label string }{{"nom", "nom"}, {"prenom", "prénom"}, {"email", "e-mail"}} {
		if _, ok := idx[need.field]; !ok {
			missing = append(missing, need.label)
		}
	}
	if len(missing) > 0 {
		return nil, &ErrFile{"Colonne(s) manquante(s) dans la première ligne : " + strings.Join(missing, ", ") +
			". Les titres attendus sont : nom ; prénom ; e-mail ; parcours ; numéro de candidat."}
	}
	var rows []Row
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			rows = append(rows, Row{Line: line, Problem: "Ligne illisible (guillemets mal fermés ?)."})
			continue
		}
		if blank(rec) {
			continue
		}
		if len(rows) >= MaxRows {
			return nil, &ErrFile{fmt.Sprintf("Le fichier a plus de %d lignes : importez-le classe par classe.", MaxRows)}
		}
		get := func(f string) string {
			i, ok := idx[f]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.Join(strings.Fields(rec[i]), " ")
		}
		row := Row{Line: line, LastName: get("nom"), FirstName: get("prenom"), Email: strings.ToLower(get("email")),
			Parcours: strings.ToUpper(get("parcours")), CandidateNumber: strings.ReplaceAll(get("candidat"), " ", "")}
		row.Problem = check(row)
		if row.Problem == "" {
			if prev, dup := seen[row.Email]; dup {
				row.Problem = fmt.Sprintf("E-mail déjà présent ligne %d du fichier.", prev)
			} else {
				seen[row.Email] = row.Line
			}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, &ErrFile{"Le fichier ne contient aucun étudiant après la ligne de titres."}
	}
	return rows, nil
}

// decode turns the file into UTF-8: a BOM or valid UTF-8 is taken as
// UTF-8, anything else as Windows-1252 (what spreadsheets export in France).
func decode(data []byte) (string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if bytes.IndexByte(data, 0) >= 0 {
		return "", &ErrFile{"Ce fichier n'est pas un fichier texte CSV (enregistrez la feuille au format CSV)."}
	}
	if utf8.Valid(data) {
		return strings.ReplaceAll(string(data), "\r\n", "\n"), nil
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return "", &ErrFile{"Encodage du fichier non reconnu (UTF-8 ou Windows-1252 attendu)."}
	}
	return strings.ReplaceAll(string(out), "\r\n", "\n"), nil
}

func check(r Row) string {
	switch {
	case r.LastName == "":
		return "Nom manquant."
	case r.FirstName == "":
		return "Prénom manquant."
	case utf8.RuneCountInString(r.LastName) > 100 || utf8.RuneCountInString(r.FirstName) > 100:
		return "Nom ou prénom trop long (100 caractères au plus)."
	case hasControl(r.LastName + r.FirstName + r.Email + r.CandidateNumber):
		return "Caractères invalides."
	case r.Email == "":
		return "E-mail manquant."
	case !ValidEmail(r.Email):
		return "E-mail invalide : « " + r.Email + " »."
	case r.Parcours != "" && r.Parcours != "SISR" && r.Parcours != "SLAM":
		return "Parcours inconnu : « " + r.Parcours + " » (SISR, SLAM ou vide)."
	case len(r.CandidateNumber) > 20:
		return "Numéro de candidat trop long."
	}
	return ""
}

// ValidEmail accepts a bare address (no display name) with a dotted domain.
func ValidEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " <>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// normalise lowercases a header and strips accents and punctuation:
// "N° de candidat" → "n de candidat", "Prénom" → "prenom".
func normalise(h string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(strings.TrimSpace(h))) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-':
			b.WriteRune(r)
		case r == ' ' || r == '_' || r == '.' || r == '°' || r == '\'':
			b.WriteRune(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
