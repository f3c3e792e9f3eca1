package auth

import "testing"

func TestCheckNewPassword(t *testing.T) {
	for _, bad := range []string{"", "court", "motdepasse123", "AZERTYUIOP", "lea.moreau2027", "aaaaaaaaaaaa", "Moreau2027!", "moreau lea"} {
		if CheckNewPassword(bad, "lea.moreau@example.org", "Moreau", "Léa", "MoreauLéa", "moreaulea") == "" {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, good := range []string{"trois chats sur le toit", "Cheval-Batterie-Agrafe"} {
		if msg := CheckNewPassword(good, "lea.moreau@example.org", "Moreau", "Léa"); msg != "" {
			t.Errorf("%q refused: %s", good, msg)
		}
	}
}
