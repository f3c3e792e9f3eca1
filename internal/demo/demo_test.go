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
		g := portfolio.BuildGrid(refs["sio-2019"].Tree, u, portfolio.GridEntries(u, reals), now)
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

// TestDemoStages: whatever the year it is seeded in, the demo SISR 2019
// student's stages are 5 and 6 whole weeks from a Monday to a Friday, meet
// the 2019 durations, hold the réalisations linked to them, and the first
// has its accepted attestation.
func TestDemoStages(t *testing.T) {
	refs, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, now := range []time.Time{time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), time.Date(2028, 3, 1, 10, 0, 0, 0, time.UTC),
		time.Date(2031, 10, 15, 10, 0, 0, 0, time.UTC)} {
		ctx := context.Background()
		st, err := store.Open(ctx, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		h := auth.Hasher{Cost: 4}
		if _, err := demo.Seed(ctx, st, refs["sio-2011"], h, now); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.Seed2019(ctx, st, refs["sio-2019"], h, now); err != nil {
			t.Fatal(err)
		}
		u, _ := st.UserByEmail(ctx, "sisr2019@demo.local")
		stages, err := st.Stages(ctx, u.ID)
		if err != nil || len(stages) != 2 {
			t.Fatalf("%s: stages %v %v", now, stages, err)
		}
		for i, s := range stages {
			if s.Weeks() != float64(5+i) || s.Start.Weekday() != time.Monday || s.End.Weekday() != time.Friday {
				t.Errorf("%s: stage %d is %v weeks, %s to %s", now, i+1, s.Weeks(), s.Start.Weekday(), s.End.Weekday())
			}
		}
		if c := portfolio.CheckStages(refs["sio-2019"].Scheme("SISR").Stages, stages); !c.OK {
			t.Errorf("%s: demo stages do not meet the durations: %+v", now, c.Lines)
		}
		reals, _ := st.ListRealisations(ctx, u.ID, store.RealisationFilter{})
		linked := 0
		for _, r := range reals {
			for _, s := range stages {
				if r.StageID == s.ID {
					linked++
					if r.StartDate().Before(s.Start) || r.EndDate().After(s.End) {
						t.Errorf("%s: %q (%s) lies outside its stage (%s)", now, r.Title, r.PeriodText(), s.PeriodText())
					}
				}
			}
		}
		if linked < 1 {
			t.Errorf("%s: no réalisation linked to the stages", now)
		}
		atts, _ := st.Attestations(ctx, u.ID)
		if len(atts[stages[0].ID]) != 1 || atts[stages[0].ID][0].Status != portfolio.AttestationAccepted {
			t.Errorf("%s: first stage's attestations %+v", now, atts[stages[0].ID])
		}
		st.Close()
	}
}
