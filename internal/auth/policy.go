package auth

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MinPasswordLength is the shortest password a user may choose.
const MinPasswordLength = 10

// common lists passwords (lowercased) that are among the first tried by
// anyone guessing, French ones included.
var common = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`123456789 1234567890 12345678910 0123456789 azertyuiop azertyuiop1
		azerty123456 qwertyuiop qwerty1234 password123 password1234 motdepasse motdepasse1 motdepasse123
		motdepasse2024 motdepasse2025 motdepasse2026 motdepasse2027 bonjour123 bonjour1234 soleil1234
		doudou1234 chouchou123 marseille13 parisien123 football123 iloveyou12 jetaime123 jetaime1234
		portfolio1 portfolio123 portfoliosio btssio2026 btssio2027 btssio1234 sio2026sio sio2027sio
		administrateur admin12345 administrator letmein123 welcome123 bienvenue1 bienvenue123 changeme123
		aaaaaaaaaa 1111111111 0000000000 abcdefghij abcdef1234 qwerty12345 trustno1234 superman123
		dragon1234 monkey1234 princesse1 loulou1234 nicolas123 camille123 thomas1234 julien1234`) {
		common[p] = true
	}
}

// CheckNewPassword returns, in French, why a chosen password is refused,
// or "" when it is acceptable.
func CheckNewPassword(password, email string, names ...string) string {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return fmt.Sprintf("Le mot de passe doit avoir au moins %d caractères.", MinPasswordLength)
	}
	if len(password) > 72 {
		return "Le mot de passe est trop long (72 octets au plus)."
	}
	lower := strings.ToLower(password)
	if common[lower] {
		return "Ce mot de passe fait partie des plus courants : choisissez-en un autre."
	}
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	if local != "" && strings.Contains(lower, local) {
		return "Le mot de passe ne doit pas contenir votre adresse e-mail."
	}
	base := strings.TrimRight(lower, "0123456789!?.*")
	for _, n := range names {
		if n = strings.ToLower(strings.Join(strings.Fields(n), "")); len(n) >= 3 && strings.ReplaceAll(base, " ", "") == n {
			return "Le mot de passe ne doit pas être votre nom."
		}
	}
	if strings.Count(lower, lower[:1]) == len(lower) {
		return "Le mot de passe ne doit pas répéter un seul caractère."
	}
	return ""
}
