package store

import (
	"context"
	"strings"
	"testing"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Lefèvre":       "lefevre",
		"ÉLODIE Noël":   "elodie noel",
		"Œuvre, cœur":   "oeuvre, coeur",
		"plain ascii":   "plain ascii",
		"Ça va à l'été": "ca va a l'ete",
		"":              "",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// Names are found without their accents or case, and sorted as a French
// reader expects (É with the E, not after Z).
func TestUsersSearchAndOrderIgnoreAccents(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, n := range [][2]string{{"Zoé", "Zola"}, {"Élise", "Étienne"}, {"Adam", "Abel"}, {"Noé", "Lefèvre"}} {
		if _, err := st.CreateUser(ctx, portfolio.User{Email: strings.ToLower(Fold(n[1])) + "@example.org",
			FirstName: n[0], LastName: n[1], Role: portfolio.RoleStudent, Parcours: "SLAM"}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := st.Users(ctx, portfolio.RoleStudent)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, u := range all {
		order = append(order, u.LastName)
	}
	if got := strings.Join(order, " "); got != "Abel Étienne Lefèvre Zola" {
		t.Errorf("order %q", got)
	}
	for _, q := range []string{"lefevre", "LEFÈVRE", "noe lef", "Lefèvre Noé", "LEFEVRE@"} {
		found, err := st.SearchUsers(ctx, UserFilter{Query: q, Role: portfolio.RoleStudent})
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 1 || found[0].LastName != "Lefèvre" {
			t.Errorf("search %q found %v", q, found)
		}
	}
	// LIKE's wildcards typed by the admin are plain characters.
	if found, _ := st.SearchUsers(ctx, UserFilter{Query: "%"}); len(found) != 0 {
		t.Errorf("%% matched %d users", len(found))
	}
}
