package export_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	stageStudent = portfolio.User{FirstName: "Léa", LastName: "Martin", Parcours: "SISR", SessionYear: 2026,
		CandidateNumber: "02345678901", Centre: "Lycée Jean Jaurès"}
	// 02/06/2025 to 04/07/2025: 25 weekdays (5 weeks), Whit Monday
	// (09/06/2025) off: 24 days of presence.
	sampleStage = portfolio.Stage{Kind: portfolio.KindStage, Year: 1, Organisation: "Mairie de Montreuil",
		Address: "1 place Jean Jaurès, 93100 Montreuil", SIRET: "21930048000011", Service: "Direction des systèmes d'information",
		TutorName: "Karim Benali", TutorFunction: "Responsable réseau", TutorEmail: "k.benali@montreuil.example",
		TutorPhone: "01 48 70 60 00", Start: date("2025-06-02"), End: date("2025-07-04"),
		Missions: "Renouvellement du parc et supervision"}
	generated = time.Date(2025, 7, 4, 17, 0, 0, 0, time.UTC)
)

func sampleCarnet() export.CarnetDoc {
	return export.CarnetDoc{Student: stageStudent, Stage: sampleStage, GeneratedAt: generated, Weeks: []export.CarnetWeek{
		{Week: date("2025-06-02"), Done: "Découverte du service, inventaire du parc avec GLPI.", Hours: 35,
			Realisations: []string{"Inventaire GLPI"}},
		{Week: date("2025-06-09"), Done: "Déploiement de postes par WDS.", Hours: 28},
		{Week: date("2025-06-16"), Done: "Mise en place de la supervision Zabbix des commutateurs.", Hours: 35.5,
			Realisations: []string{"Supervision Zabbix", "Inventaire GLPI"}},
	}}
}

// keep writes the PDF where STAGES_KEEP says, to look at it.
func keep(t *testing.T, name string, pdf []byte) {
	if dir := os.Getenv("STAGES_KEEP"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, name), pdf, 0o644)
	}
}

func wantAll(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			shown := text
			if len(shown) > 3000 {
				shown = shown[:3000] + "…"
			}
			t.Errorf("missing %q in:\n%s", w, shown)
		}
	}
}

// layoutLines is the PDF's text as pdftotext -layout lays it out, each
// line's runs of spaces made one.
func layoutLines(t *testing.T, pdf []byte) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "l.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(poppler(t, "pdftotext", "-layout", path, "-"), "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	return lines
}

// hasLine tells whether a line of the layout is exactly want.
func hasLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

func pageCount(t *testing.T, pdf []byte) int {
	t.Helper()
	path := filepath.Join(t.TempDir(), "p.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(poppler(t, "pdfinfo", path), "\n") {
		if v, ok := strings.CutPrefix(line, "Pages:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("pdfinfo gave no page count")
	return 0
}

func TestCarnetPDF(t *testing.T) {
	var buf bytes.Buffer
	if err := export.CarnetPDF(&buf, sampleCarnet()); err != nil {
		t.Fatal(err)
	}
	keep(t, "carnet.pdf", buf.Bytes())
	text := pdfTextOf(t, buf.Bytes())
	wantAll(t, text, "Carnet de bord du stage", "MARTIN Léa", "Solutions d'infrastructure", "Lycée Jean Jaurès",
		"Mairie de Montreuil", "1 place Jean Jaurès, 93100 Montreuil", "219 300 480 00011",
		"Direction des systèmes d'information", "Karim Benali, Responsable réseau",
		"k.benali@montreuil.example · 01 48 70 60 00", "du 02/06/2025 au 04/07/2025",
		"5 semaines (24 jours de présence)",
		"Activités réalisées", "Heures", "Réalisations liées",
		"02/06/2025", "09/06/2025", "16/06/2025", "inventaire du parc avec GLPI", "35,5", "Supervision Zabbix",
		"Visa du tuteur (nom, date, signature)", "Visa de l'étudiant(e)", "Page 1 / 1")
	lines := layoutLines(t, buf.Bytes())
	for _, want := range []string{
		"Semaine Activités réalisées Heures Réalisations liées",
		"Semaine du Découverte du service, inventaire du parc avec GLPI. 35 • Inventaire GLPI",
		"Semaine du Mise en place de la supervision Zabbix des commutateurs. 35,5 • Supervision Zabbix",
		"Total des heures 98,5",
	} {
		if !hasLine(lines, want) {
			t.Errorf("no line %q in:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	if n := pageCount(t, buf.Bytes()); n != 1 {
		t.Errorf("%d pages, want 1", n)
	}
}

// TestCarnetBreaksPages: many weeks run onto more pages, each starting
// with the table's header, and the signature boxes come last, whole.
func TestCarnetBreaksPages(t *testing.T) {
	d := sampleCarnet()
	d.Weeks = nil
	for i := range 30 {
		d.Weeks = append(d.Weeks, export.CarnetWeek{Week: date("2025-01-06").AddDate(0, 0, 7*i),
			Done: strings.Repeat("Maintenance des serveurs et assistance aux utilisateurs. ", 6), Hours: 35})
	}
	var buf bytes.Buffer
	if err := export.CarnetPDF(&buf, d); err != nil {
		t.Fatal(err)
	}
	keep(t, "carnet-long.pdf", buf.Bytes())
	pages := pageCount(t, buf.Bytes())
	if pages < 3 {
		t.Fatalf("%d pages, want the weeks to run on", pages)
	}
	text := pdfTextOf(t, buf.Bytes())
	if n := strings.Count(text, "Activités réalisées"); n != pages {
		t.Errorf("table header %d times on %d pages", n, pages)
	}
	wantAll(t, text, "Page "+strconv.Itoa(pages)+" / "+strconv.Itoa(pages))
	if !hasLine(layoutLines(t, buf.Bytes()), "Total des heures 1050") {
		t.Error("no total of 30 weeks of 35 hours")
	}
	last := text[strings.LastIndex(text, "Page "+strconv.Itoa(pages-1)+" / "):]
	wantAll(t, last, "Visa du tuteur", "Visa de l'étudiant(e)")
}

func TestAttestationPDF(t *testing.T) {
	d := export.AttestationDoc{Student: stageStudent, Stage: sampleStage, GeneratedAt: generated,
		Contents: []string{"Renouvellement du parc et supervision", "Inventaire GLPI", "Supervision Zabbix des commutateurs"}}
	var buf bytes.Buffer
	if err := export.AttestationPDF(&buf, d); err != nil {
		t.Fatal(err)
	}
	keep(t, "attestation.pdf", buf.Bytes())
	text := pdfTextOf(t, buf.Bytes())
	wantAll(t, text, export.AttestationBanner, "ATTESTATION DE STAGE",
		"BTS Services informatiques aux organisations — Session 2026",
		"Mairie de Montreuil", "1 place Jean Jaurès, 93100 Montreuil", "219 300 480 00011",
		"Direction des systèmes d'information", "atteste que", "MARTIN Léa", "Solutions d'infrastructure",
		"Lycée Jean Jaurès", "a effectué un stage de 1re année",
		// what annexe III.B asks: the dates, the length, the content
		"du 02/06/2025 au 04/07/2025", "5 semaines, soit 24 jours de présence",
		"Contenu du stage :", "• Renouvellement du parc et supervision", "• Inventaire GLPI", "• Supervision Zabbix des commutateurs",
		"Fait à", "Nom, fonction et signature du responsable de l'organisation", "Cachet de l'organisation")
	if strings.Contains(text, "CERTIFICAT DE TRAVAIL") {
		t.Error("a stage's attestation is called a certificat de travail")
	}
	// The banner comes first.
	if !strings.HasPrefix(text, "Modèle proposé par l'établissement") {
		t.Errorf("the banner is not at the top:\n%s", text)
	}
	if n := pageCount(t, buf.Bytes()); n != 1 {
		t.Errorf("%d pages, want 1", n)
	}
	path := filepath.Join(t.TempDir(), "a.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	info := strings.Join(strings.Fields(poppler(t, "pdfinfo", path)), " ")
	wantAll(t, info, "Title: Attestation de stage — MARTIN Léa", "Author: MARTIN Léa", "Creator: Portfolio SIO")

	d.Stage.Kind = portfolio.KindAlternance
	d.Stage.Year = 2
	d.Student.SessionYear = 0
	buf.Reset()
	if err := export.AttestationPDF(&buf, d); err != nil {
		t.Fatal(err)
	}
	text = pdfTextOf(t, buf.Bytes())
	wantAll(t, text, "CERTIFICAT DE TRAVAIL", "en qualité d'apprenti(e) (2e année de BTS)", "du 02/06/2025 au 04/07/2025")
	if strings.Contains(text, "Session") || strings.Contains(text, "ATTESTATION DE STAGE") {
		t.Errorf("alternance without a session:\n%s", text)
	}
}

func sampleSummary() export.SummaryDoc {
	return export.SummaryDoc{Student: stageStudent, Referentiel: "BTS SIO — référentiel 2019", GeneratedAt: generated,
		Items: []export.SummaryItem{
			{Title: "Supervision Zabbix des commutateurs", Period: "06/2025", Cadre: "Stage de 1re année", Status: "Validée",
				Organisation: "Mairie de Montreuil", Description: "Installation de Zabbix, modèles SNMP, alertes par courriel.",
				Competences: []export.SummaryCompetence{{Code: "B1.4", Title: "Travailler en mode projet",
					How: "J'ai planifié le déploiement avec mon tuteur.", Details: []string{"B1.4.1 — Analyser les objectifs"}}},
				Productions: []portfolio.Production{{Title: "Documentation", URL: "https://wiki.example.org/zabbix"}}},
			{Title: "Inventaire GLPI", Period: "09/2025 – 10/2025", Cadre: "Formation", Status: "Brouillon",
				Description: strings.Repeat("Recensement des postes et des logiciels. ", 200)},
		}}
}

func TestSummaryPDF(t *testing.T) {
	d := sampleSummary()
	var buf bytes.Buffer
	if err := export.SummaryPDF(&buf, d); err != nil {
		t.Fatal(err)
	}
	keep(t, "summary.pdf", buf.Bytes())
	text := pdfTextOf(t, buf.Bytes())
	wantAll(t, text, "Synthèse du portfolio", "MARTIN Léa", "02345678901", "Lycée Jean Jaurès", "2026",
		"BTS SIO — référentiel 2019", "2 réalisations",
		"1. Supervision Zabbix des commutateurs",
		"Période : 06/2025 · Cadre : Stage de 1re année · Organisation : Mairie de Montreuil · Statut : Validée",
		"modèles SNMP", "B1.4 — Travailler en mode projet", "J'ai planifié le déploiement avec mon tuteur.",
		"• B1.4.1 — Analyser les objectifs", "Documentation : https://wiki.example.org/zabbix",
		"2. Inventaire GLPI", "Statut : Brouillon")
	// The 8,200-character description is cut at about 3,000.
	if n := strings.Count(text, "Recensement des postes"); n < 60 || n > 80 {
		t.Errorf("the long description shows %d times its sentence", n)
	}
	// 73 sentences of 41 characters and 7 more make the 3,000.
	if !strings.Contains(text, "logiciels. Recense …") {
		t.Error("the cut is not marked")
	}
	if !bytes.Contains(buf.Bytes(), []byte("/URI (https://wiki.example.org/zabbix)")) {
		t.Error("the production's URL is not a link")
	}
}

// TestSummaryHeadingKeepsWithText: an item whose heading would fall at the
// bottom of a page starts on the next one with it.
func TestSummaryHeadingKeepsWithText(t *testing.T) {
	d := sampleSummary()
	d.Items = nil
	for i := range 14 {
		d.Items = append(d.Items, export.SummaryItem{Title: "Réalisation numéro " + strconv.Itoa(i+1),
			Period: "2025", Description: strings.Repeat("Texte de la description. ", 20+7*i)})
	}
	var buf bytes.Buffer
	if err := export.SummaryPDF(&buf, d); err != nil {
		t.Fatal(err)
	}
	keep(t, "summary-headings.pdf", buf.Bytes())
	path := filepath.Join(t.TempDir(), "s.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	pages := pageCount(t, buf.Bytes())
	if pages < 2 {
		t.Fatalf("%d page", pages)
	}
	for page := 1; page <= pages; page++ {
		// The last lines of the page above the footer.
		out := poppler(t, "pdftotext", "-layout", "-f", strconv.Itoa(page), "-l", strconv.Itoa(page), path, "-")
		var lines []string
		for _, l := range strings.Split(out, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.Contains(l, "Page ") {
				lines = append(lines, l)
			}
		}
		for _, l := range lines[max(0, len(lines)-2):] {
			if strings.Contains(l, "Réalisation numéro") || strings.HasPrefix(l, "Période") {
				t.Errorf("page %d ends on a heading: %q", page, lines[len(lines)-2:])
			}
		}
	}
}

// TestStageDocumentsHostileText: emoji, right-to-left text, control
// characters and a 20,000-character text neither fail nor lose the Latin
// words around them.
func TestStageDocumentsHostileText(t *testing.T) {
	hostile := "Début 👩‍👩‍👧 مرحبا بالعالم \x00\x07\u202e\ufeff " + strings.Repeat("é", 20000) + " Fin\U0001F600"
	c := sampleCarnet()
	c.Stage.Organisation = "Organisation 🏢 شركة"
	c.Weeks[0].Done = hostile
	c.Weeks[1].Realisations = []string{hostile}
	var buf bytes.Buffer
	if err := export.CarnetPDF(&buf, c); err != nil {
		t.Fatal(err)
	}
	keep(t, "carnet-hostile.pdf", buf.Bytes())
	text := pdfTextOf(t, buf.Bytes())
	wantAll(t, text, "Début", "Fin", "Organisation", "Visa de l'étudiant(e)")
	if !hasLine(layoutLines(t, buf.Bytes()), "Total des heures 98,5") {
		t.Error("no total after the long week")
	}

	s := sampleSummary()
	s.Items[0].Title = "Titre " + hostile
	s.Items[0].Competences[0].How = hostile
	s.Items[0].Productions = append(s.Items[0].Productions, portfolio.Production{Title: hostile, URL: "https://exemple.fr/é😀"})
	s.Items[1].Description = hostile
	buf.Reset()
	if err := export.SummaryPDF(&buf, s); err != nil {
		t.Fatal(err)
	}
	keep(t, "summary-hostile.pdf", buf.Bytes())
	text = pdfTextOf(t, buf.Bytes())
	wantAll(t, text, "Titre Début", "Début", "Fin", "2. Inventaire GLPI", "modèles SNMP")
}
