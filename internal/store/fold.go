package store

import (
	"database/sql/driver"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"modernc.org/sqlite"
)

// French names are searched and sorted without regard to case or accents:
// "lefevre" finds "Lefèvre", and "Élodie" sorts with the E. SQLite knows
// neither (its NOCASE is ASCII only), so the store registers, on every
// connection, a SQL function fold(text) and a collation fr.

func init() {
	sqlite.MustRegisterDeterministicScalarFunction("fold", 1, foldSQL)
	sqlite.MustRegisterCollationUtf8("fr", collateFR)
}

// RegisterSQLFunctions adds fold and fr to another SQLite driver (tests
// wrap one to count queries).
func RegisterSQLFunctions(d *sqlite.Driver) {
	d.MustRegisterDeterministicScalarFunction("fold", 1, foldSQL)
	d.MustRegisterCollationUtf8("fr", collateFR)
}

func foldSQL(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	switch v := args[0].(type) {
	case string:
		return Fold(v), nil
	case []byte:
		return Fold(string(v)), nil
	case nil:
		return nil, nil
	default:
		return v, nil
	}
}

// Fold is s in lower case without diacritics ("Élève Œuvre" → "eleve
// oeuvre").
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // a combining accent
		case r == 'œ' || r == 'Œ':
			b.WriteString("oe")
		case r == 'æ' || r == 'Æ':
			b.WriteString("ae")
		case r == 'ß':
			b.WriteString("ss")
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// collateFR orders by the folded text, then by the text itself so that
// the order is total.
func collateFR(a, b string) int {
	if c := strings.Compare(Fold(a), Fold(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}
