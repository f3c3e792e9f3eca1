package export_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

func sampleFiche(t testing.TB, session int) portfolio.Fiche {
	t.Helper()
	all, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	student := portfolio.User{FirstName: "Hugo", LastName: "Durand", Parcours: "SLAM", SessionYear: session, CandidateNumber: "02211223344"}
	f, ok := portfolio.BuildFiche(all["sio-2019"].Tree, student, portfolio.FicheEntry{
		Number: 1, Title: "Application de gestion des prêts de matériel", Organisation: "Lycée Jean Jaurès, service informatique",
		Place: "Montreuil", Period: "du 04/11/25 au 31/01/26", Alone: false, Ticks: []string{"B2.1.3", "B2.3"},
		Conditions: "Cahier des charges fourni par le responsable informatique ; application web attendue.",
		Resources:  "PHP 8, Symfony, MariaDB, GitLab.", Access: "Dépôt Git : https://git.example.org/prets",
		Description: strings.Repeat("Analyse du besoin, modélisation des données, développement et tests. ", 80),
		Productions: []portfolio.Production{{Title: "Dépôt Git", URL: "https://git.example.org/prets"}},
	})
	if !ok {
		t.Fatal("sio-2019 has no fiche")
	}
	return f
}

func pdfTextOf(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, out)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// TestFichePDF: the fiche has the model's fields with the student's data
// in them, the option's three Bloc 2 competences checked from the
// réalisation, and the épreuve and annex of the student's session.
func TestFichePDF(t *testing.T) {
	var buf bytes.Buffer
	if err := export.FichePDF(&buf, sampleFiche(t, 2026)); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("FICHE_KEEP") != "" {
		_ = os.WriteFile(filepath.Join(os.Getenv("FICHE_KEEP"), "fiche.pdf"), buf.Bytes(), 0o644)
	}
	text := pdfTextOf(t, buf.Bytes())
	for _, want := range []string{
		"BTS Services informatiques aux organisations", "SESSION 2026",
		"Épreuve E6 - Conception et développement d’applications (option SLAM)",
		"ANNEXE VII-1-B : Fiche descriptive de réalisation professionnelle (recto)",
		"DESCRIPTION D’UNE RÉALISATION PROFESSIONNELLE", "N° réalisation : 1",
		"Nom, prénom : DURAND Hugo", "N° candidat : 02211223344",
		"☐ Épreuve ponctuelle", "☐ Contrôle en cours de formation", "Date : … / … / ……",
		"Organisation support de la réalisation professionnelle Lycée Jean Jaurès, service informatique",
		"Intitulé de la réalisation professionnelle Application de gestion des prêts de matériel",
		"Période de réalisation : du 04/11/25 au 31/01/26", "Lieu : Montreuil",
		"Modalité : ☐ Seul(e)", "☑ En équipe",
		"Compétences travaillées ☑ Concevoir et développer une solution applicative ☐ Assurer la maintenance corrective ou évolutive d’une solution applicative ☑ Gérer les données",
		"Conditions de réalisation (ressources fournies, résultats attendus) Cahier des charges fourni",
		"Description des ressources documentaires, matérielles et logicielles utilisées PHP 8, Symfony, MariaDB, GitLab.",
		"Modalités d’accès aux productions et à leur documentation Dépôt Git : https://git.example.org/prets",
		"ANNEXE VII-1-B : Fiche descriptive de réalisation professionnelle (verso, éventuellement pages suivantes)",
		"Descriptif de la réalisation professionnelle, y compris les productions réalisées et schémas explicatifs Analyse du besoin",
		"• Dépôt Git : https://git.example.org/prets",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the fiche lacks %q", want)
		}
	}
	// Before session 2025, Bloc 2 was épreuve E5; the annex of 2024 is not
	// known, so the title has no number.
	buf.Reset()
	if err := export.FichePDF(&buf, sampleFiche(t, 2024)); err != nil {
		t.Fatal(err)
	}
	text = pdfTextOf(t, buf.Bytes())
	for _, want := range []string{"Épreuve E5 - Conception et développement d’applications (option SLAM)", "SESSION 2024"} {
		if !strings.Contains(text, want) {
			t.Errorf("2024: the fiche lacks %q", want)
		}
	}
	if strings.Contains(text, "ANNEXE") || !strings.Contains(text, "Fiche descriptive de réalisation professionnelle (recto)") {
		t.Error("2024: the fiche's title")
	}
}

// TestFicheLongDescription: a description of 10,000 characters flows on
// the following pages.
func TestFicheLongDescription(t *testing.T) {
	f := sampleFiche(t, 2026)
	f.Description = strings.Repeat("Une description très longue du travail réalisé, avec ses étapes. ", 160)
	var buf bytes.Buffer
	if err := export.FichePDF(&buf, f); err != nil {
		t.Fatal(err)
	}
	if text := pdfTextOf(t, buf.Bytes()); !strings.Contains(text, "Page 3 / 3") || !strings.Contains(text, "• Dépôt Git") {
		t.Errorf("the long fiche: %.300s…", text[len(text)-300:])
	}
}

// TestFicheLongPlaceAndParagraphs: a long « Lieu » wraps inside its half
// of the line instead of running off the page, and the description keeps
// its paragraphs, each production on a line of its own.
func TestFicheLongPlaceAndParagraphs(t *testing.T) {
	f := sampleFiche(t, 2026)
	f.Place = "Hôtel de ville de Caen, direction des systèmes d’information, 14000 Caen"
	f.Description = "Premier paragraphe.\nSecond paragraphe, tests et documentation."
	var buf bytes.Buffer
	if err := export.FichePDF(&buf, f); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("FICHE_KEEP") != "" {
		_ = os.WriteFile(filepath.Join(os.Getenv("FICHE_KEEP"), "fiche-long-place.pdf"), buf.Bytes(), 0o644)
	}
	path := filepath.Join(t.TempDir(), "f.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// Only the text inside the page's width (A4, 595 pt) is read.
	out, err := exec.Command("pdftotext", "-x", "0", "-y", "0", "-W", "595", "-H", "842", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, out)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	if !strings.Contains(text, "14000 Caen") || !strings.Contains(text, "direction des systèmes") {
		t.Errorf("the lieu is cut: %.600s", text)
	}
	lines := strings.Split(string(out), "\n")
	starts := func(prefix string) bool {
		for _, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), prefix) {
				return true
			}
		}
		return false
	}
	for _, p := range []string{"Second paragraphe", "• Dépôt Git : https://git.example.org/prets"} {
		if !starts(p) {
			t.Errorf("no line starts with %q:\n%s", p, out)
		}
	}
}
