package server

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/demo"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

// BenchmarkDossier is the exam dossier of the demo SISR 2019 student
// (tableau PDF and XLSX, two fiches, an accepted attestation, the
// portfolio summary), as a ZIP and as one merged PDF, through the router.
func BenchmarkDossier(b *testing.B) {
	app := newTestApp(b)
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	refs, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := demo.Seed(context.Background(), app.store, app.ref, app.hasher, now); err != nil {
		b.Fatal(err)
	}
	if _, err := demo.Seed2019(context.Background(), app.store, refs["sio-2019"], app.hasher, now); err != nil {
		b.Fatal(err)
	}
	ines := app.client()
	res := ines.post("/login", map[string][]string{"email": {"sisr2019@demo.local"}, "password": {demo.Password}})
	if res.status != http.StatusSeeOther {
		b.Fatalf("login: %d", res.status)
	}
	for _, path := range []string{"/dossier.zip", "/dossier.pdf", "/stages"} {
		b.Run(path[1:], func(b *testing.B) {
			for b.Loop() {
				if res := ines.get(path); res.status != http.StatusOK {
					b.Fatalf("%s: %d", path, res.status)
				}
			}
		})
	}
}
