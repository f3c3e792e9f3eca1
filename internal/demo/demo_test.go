package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/auth"
	"github.com/portfolio-sio/portfolio/internal/demo"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	"github.com/portfolio-sio/portfolio/internal/store"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

// TestDemoHasBothReferentiels: the demo database has the 2011 classes and
// two 2019 classes whose students show what a newcomer should see: an
// SISR student with the three bands, Bloc 1 complete and two fiches, a
// SLAM student who still lacks Bloc 1 competences.
func TestDemoHasBothReferentiels(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	refs, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	h := auth.Hasher{Cost: 4}
	if ok, err := demo.Seed(ctx, st, refs["sio-2011"], h, now); err != nil || !ok {
		t.Fatalf("seed: %v %v", ok, err)
	}
	if ok, err := demo.Seed2019(ctx, st, refs["sio-2019"], h, now); err != nil || !ok {
		t.Fatalf("seed 2019: %v %v", ok, err)
	}
	if ok, err := demo.Seed2019(ctx, st, refs["sio-2019"], h, now); err != nil || ok {
		t.Fatalf("second seed 2019: %v %v (want nothing done)", ok, err)
	}
	classes, err := st.Classes(ctx, 0)
	if err != nil || len(classes) != 4 {
		t.Fatalf("classes: %v %v", classes, err)
	}
	for _, c := range []struct {
		email    string
		complete bool
		fiches   int
	}{{"sisr2019@demo.local", true, 2}, {"slam2019@demo.local", false, 0}} {
		u, err := st.UserByEmail(ctx, c.email)
		if err != nil || u.Referentiel != "sio-2019" {
			t.Fatalf("%s: %+v %v", c.email, u, err)
		}
		reals, err := st.ListRealisations(ctx, u.ID, store.RealisationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		fiches := 0
		for _, r := range reals {
			if r.Fiche > 0 {
				fiches++
			}
			if r.StartDay == 0 || r.EndDay == 0 || r.EndDate().After(now) {
				t.Errorf("%s: %q période %s", c.email, r.Title, r.PeriodText())
			}
		}
		g := portfolio.BuildGrid(refs["sio-2019"].Tree, u, portfolio.GridEntries(reals), now)
		if (len(g.Missing) == 0) != c.complete || fiches != c.fiches {
			t.Errorf("%s: missing %v, %d fiches", c.email, g.Missing, fiches)
		}
		for _, b := range g.Bands {
			if len(b.Rows) == 0 {
				t.Errorf("%s: band %q empty", c.email, b.Title)
			}
		}
	}
}
