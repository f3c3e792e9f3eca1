package web

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// frDay shows a day stored as YYYY-MM-DD the French way (DD/MM/YYYY); any
// other text is shown as it is.
func frDay(iso string) string {
	if len(iso) != 10 || iso[4] != '-' || iso[7] != '-' {
		return iso
	}
	return iso[8:10] + "/" + iso[5:7] + "/" + iso[0:4]
}

// joinNames lists names as "A, B et C".
func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " et " + names[len(names)-1]
}

// plural is "1 activité", "3 activités" (French: 0 and 1 take the singular).
func plural(n int, one, many string) string {
	if n <= 1 {
		return strconv.Itoa(n) + " " + one
	}
	return strconv.Itoa(n) + " " + many
}

// word is one or many as French agrees it with n (0 and 1 take the
// singular), for a number shown apart.
func word(n int, one, many string) string {
	if n <= 1 {
		return one
	}
	return many
}

// Plural is plural for the server's messages.
func Plural(n int, one, many string) string { return plural(n, one, many) }

// HumanSize is a file size in French units ("20 Mo", "1,5 Mo"), a
// non-breaking space before the unit.
func HumanSize(n int64) string {
	switch {
	case n >= 1<<20:
		v := strings.TrimSuffix(strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64), ".0")
		return strings.Replace(v, ".", ",", 1) + "\u00a0Mo"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + "\u00a0Ko"
	}
	return strconv.FormatInt(n, 10) + "\u00a0octets"
}

// elision is « l'activité », « la compétence »: the article a singular
// name takes (feminine names are the référentiels' units).
func elision(name string) string {
	if name == "" {
		return ""
	}
	switch name[0] {
	case 'a', 'e', 'i', 'o', 'u', 'h':
		return "l'" + name
	}
	if strings.HasPrefix(name, "é") || strings.HasPrefix(name, "è") {
		return "l'" + name
	}
	return "la " + name
}

// Capital puts the first letter in upper case.
func Capital(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+utf8.RuneLen(r):]
	}
	return s
}

// ficheFacts are the fiche descriptive's fields a réalisation fills in,
// as (label, value), for its page.
func ficheFacts(r portfolio.Realisation) [][2]string {
	var out [][2]string
	for _, f := range [][2]string{
		{"Organisation support", r.Organisation},
		{"Lieu", r.Place},
		{"Conditions de réalisation", r.Conditions},
		{"Ressources documentaires, matérielles et logicielles", r.Resources},
		{"Modalités d’accès aux productions", r.Access},
	} {
		if f[1] != "" {
			out = append(out, f)
		}
	}
	return out
}

// UpperFirst capitalises the first letter of s.
func UpperFirst(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+utf8.RuneLen(r):]
	}
	return s
}
