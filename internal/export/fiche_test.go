package export_test

import (
	"bytes"
	"compress/zlib"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

// sampleFiche is a fiche of a student of the option at the session,
// sitting the épreuves in form, with texts an admin may have entered.
func sampleFiche(t testing.TB, parcours string, session int, form portfolio.ExamForm, texts portfolio.SessionTexts) portfolio.Fiche {
	t.Helper()
	all, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	ticks := []string{"B2.1.3", "B2.3"} // SLAM: the first competence (by an item) and the third
	if parcours == "SISR" {
		ticks = []string{"B2.2.1", "B2.3"}
	}
	student := portfolio.User{FirstName: "Hugo", LastName: "Durand", Parcours: parcours, SessionYear: session, CandidateNumber: "02211223344"}
	f, ok := portfolio.BuildFiche(all["sio-2019"].Tree, student, portfolio.FicheEntry{
		Number: 1, Title: "Application de gestion des prêts de matériel", Organisation: "Lycée Jean Jaurès, service informatique",
		Place: "Montreuil", Period: "du 04/11/25 au 31/01/26", Alone: false, Ticks: ticks,
		Conditions: "Cahier des charges fourni par le responsable informatique ; application web attendue.",
		Resources:  "PHP 8, Symfony, MariaDB, GitLab.", Access: "Dépôt Git : https://git.example.org/prets",
		Description: strings.Repeat("Analyse du besoin, modélisation des données, développement et tests. ", 80),
		Productions: []portfolio.Production{{Title: "Dépôt Git", URL: "https://git.example.org/prets"}},
	}, texts, form)
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

// The fiche's texts, as the Word model has them (LAYOUT.md §2 and
// TABLEAU.md §6, copied in internal/referentiel/testdata/model).
var (
	ficheLabels = []string{
		"BTS SERVICES INFORMATIQUES AUX ORGANISATIONS",
		"DESCRIPTION D’UNE RÉALISATION PROFESSIONNELLE", "N° réalisation : 1",
		"Nom, prénom : DURAND Hugo", "N° candidat : 02211223344",
		"Date : … / … / ……",
		"Organisation support de la réalisation professionnelle Lycée Jean Jaurès, service informatique",
		"Intitulé de la réalisation professionnelle Application de gestion des prêts de matériel",
		"Période de réalisation : du 04/11/25 au 31/01/26", "Lieu : Montreuil",
		"Modalité : ☐ Seul(e) ☒ En équipe",
		"Conditions de réalisation¹ (ressources fournies, résultats attendus) Cahier des charges fourni",
		"Description des ressources documentaires, matérielles et logicielles utilisées² PHP 8, Symfony, MariaDB, GitLab.",
		"Modalités d’accès aux productions³ et à leur documentation⁴ Dépôt Git : https://git.example.org/prets",
		"Descriptif de la réalisation professionnelle, y compris les productions réalisées et schémas explicatifs Analyse du besoin",
		"• Dépôt Git : https://git.example.org/prets",
	}
	ficheCompetences = map[string]string{
		"SISR": "Compétences travaillées ☐ Concevoir une solution d’infrastructure réseau ☒ Installer, tester et déployer une solution d’infrastructure réseau ☒ Exploiter, dépanner et superviser une solution d’infrastructure réseau",
		"SLAM": "Compétences travaillées ☒ Concevoir et développer une solution applicative ☐ Assurer la maintenance corrective ou évolutive d’une solution applicative ☒ Gérer les données",
	}
	ficheEpreuves = map[string]string{
		"SISR": "Épreuve E6 - Administration des systèmes et des réseaux (option SISR)",
		"SLAM": "Épreuve E6 - Conception et développement d’applications (option SLAM)",
	}
	ficheFootnote2 = "² Les réalisations professionnelles sont élaborées dans un environnement technologique conforme à l’annexe II.E du référentiel du BTS SIO."
	ficheFootnote3 = "³ Conformément au référentiel du BTS SIO « Dans tous les cas, les candidats doivent se munir des outils et ressources techniques nécessaires au déroulement de l’épreuve. Ils sont seuls responsables de la disponibilité et de la mise en œuvre de ces outils et ressources. La circulaire nationale d’organisation précise les conditions matérielles de déroulement des interrogations et les pénalités à appliquer aux candidats qui ne se seraient pas munis des éléments nécessaires au déroulement de l’épreuve. ». Les éléments nécessaires peuvent être un identifiant, un mot de passe, une adresse réticulaire (URL) d’un espace de stockage et de la présentation de l’organisation du stockage."
	ficheFootnotes = map[string][]string{
		"SISR": {
			"¹ En référence aux conditions de réalisation et ressources nécessaires du bloc « Administration des systèmes et des réseaux » prévues dans le référentiel de certification du BTS SIO.",
			ficheFootnote2, ficheFootnote3,
			"⁴ Lien vers la documentation complète, précisant et décrivant, si cela n’a été fait au verso de la fiche, la réalisation, par exemples schéma complet de réseau mis en place et configurations des services.",
		},
		"SLAM": {
			"¹ En référence aux conditions de réalisation et ressources nécessaires du bloc « Conception et développement d’applications » prévues dans le référentiel de certification du BTS SIO.",
			ficheFootnote2, ficheFootnote3,
			"⁴ Lien vers la documentation complète, précisant et décrivant, si cela n’a été fait au verso de la fiche, la réalisation professionnelle, par exemples service fourni par la réalisation, interfaces utilisateurs, description des classes ou de la base de données.",
		},
	}
)

// TestFichePDF: the fiche of each option is the model's, filled in: the
// header in capitals with the session, the Épreuve line and the annex of
// the session (known by the référentiel for 2025 and 2026, entered by an
// admin for 2027), every label with the student's values, the boxes
// after their labels crossed (☒) for the form of the épreuves and the
// competences ticked, the four footnotes in the option's wording, the
// verso under its own title.
func TestFichePDF(t *testing.T) {
	cases := []struct {
		parcours string
		session  int
		form     portfolio.ExamForm
		texts    portfolio.SessionTexts
		annexe   string
		boxes    []string
	}{
		{"SISR", 2025, portfolio.ExamCCF, portfolio.SessionTexts{}, "ANNEXE 9-1-A", []string{"Épreuve ponctuelle ☐", "Contrôle en cours de formation ☒"}},
		{"SLAM", 2025, portfolio.ExamPonctuelle, portfolio.SessionTexts{}, "ANNEXE 9-1-B", []string{"Épreuve ponctuelle ☒", "Contrôle en cours de formation ☐"}},
		{"SISR", 2026, portfolio.ExamUnknown, portfolio.SessionTexts{}, "ANNEXE VII-1-A", []string{"Épreuve ponctuelle ☐", "Contrôle en cours de formation ☐"}},
		{"SLAM", 2026, portfolio.ExamCCF, portfolio.SessionTexts{}, "ANNEXE VII-1-B", []string{"Épreuve ponctuelle ☐", "Contrôle en cours de formation ☒"}},
		{"SLAM", 2027, portfolio.ExamCCF, portfolio.SessionTexts{FicheAnnexe: "8-2"}, "ANNEXE 8-2-B", []string{"Épreuve ponctuelle ☐", "Contrôle en cours de formation ☒"}},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		if err := export.FichePDF(&buf, sampleFiche(t, c.parcours, c.session, c.form, c.texts)); err != nil {
			t.Fatal(err)
		}
		if dir := os.Getenv("FICHE_KEEP"); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, "fiche-"+c.parcours+"-"+strconv.Itoa(c.session)+".pdf"), buf.Bytes(), 0o644)
		}
		text := pdfTextOf(t, buf.Bytes())
		want := append([]string{"SESSION " + strconv.Itoa(c.session), ficheEpreuves[c.parcours],
			ficheEpreuves[c.parcours] + " " + c.annexe + " : Fiche descriptive de réalisation professionnelle (recto)",
			c.annexe + " : Fiche descriptive de réalisation professionnelle (verso, éventuellement pages suivantes)",
			ficheCompetences[c.parcours]}, ficheLabels...)
		want = append(want, c.boxes...)
		want = append(want, ficheFootnotes[c.parcours]...)
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s %d: the fiche lacks %q", c.parcours, c.session, w)
			}
		}
		other := map[string]string{"SISR": "SLAM", "SLAM": "SISR"}[c.parcours]
		if strings.Contains(text, ficheFootnotes[other][3]) || strings.Contains(text, ficheFootnotes[other][0]) {
			t.Errorf("%s %d: the other option's footnotes", c.parcours, c.session)
		}
		if strings.Contains(text, "BTS Services informatiques") || strings.Contains(text, "☑") {
			t.Errorf("%s %d: the header in capitals, boxes crossed: %.300s", c.parcours, c.session, text)
		}
	}
	// Before session 2025, Bloc 2 was épreuve E5; the annex of 2024 is not
	// known, so the title has no number, until an admin enters one.
	var buf bytes.Buffer
	if err := export.FichePDF(&buf, sampleFiche(t, "SLAM", 2024, portfolio.ExamUnknown, portfolio.SessionTexts{})); err != nil {
		t.Fatal(err)
	}
	text := pdfTextOf(t, buf.Bytes())
	for _, want := range []string{"Épreuve E5 - Conception et développement d’applications (option SLAM)", "SESSION 2024",
		"(option SLAM) Fiche descriptive de réalisation professionnelle (recto)"} {
		if !strings.Contains(text, want) {
			t.Errorf("2024: the fiche lacks %q", want)
		}
	}
	if strings.Contains(text, "ANNEXE") {
		t.Error("2024: an annex number nobody knows")
	}
	// The Épreuve line, when a circulaire changes it.
	buf.Reset()
	if err := export.FichePDF(&buf, sampleFiche(t, "SISR", 2027, portfolio.ExamUnknown, portfolio.SessionTexts{FicheEpreuve: "Épreuve E9 - Autre intitulé (option SISR)"})); err != nil {
		t.Fatal(err)
	}
	if text := pdfTextOf(t, buf.Bytes()); !strings.Contains(text, "Épreuve E9 - Autre intitulé (option SISR) Fiche descriptive") {
		t.Errorf("2027: the Épreuve line entered: %.300s", text)
	}
}

// TestFicheForm: the fiche is the Word model's table where a jury sees
// it: A4 portrait, the table at the left margin (1.5 cm) 175 mm wide, the
// header on the recto and on every verso page, the boxes after their
// labels, the footnotes under the table at the foot of the recto, the
// verso on the next page, single 0.5 pt rules.
func TestFicheForm(t *testing.T) {
	f := sampleFiche(t, "SISR", 2026, portfolio.ExamCCF, portfolio.SessionTexts{})
	f.Description = strings.Repeat("Une description très longue du travail réalisé, avec ses étapes. ", 160)
	var buf bytes.Buffer
	if err := export.FichePDF(&buf, f); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fiche.pdf")
	if dir := os.Getenv("FICHE_KEEP"); dir != "" {
		path = filepath.Join(dir, "fiche-long.pdf")
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sizes, pages := bboxPages(t, path)
	if len(pages) != 3 {
		t.Fatalf("%d pages, want the recto and two verso pages", len(pages))
	}
	const mm = 72 / 25.4
	find := func(page int, text string) (pdfWord, bool) {
		for _, w := range pages[page] {
			if w.text == text {
				return w, true
			}
		}
		return pdfWord{}, false
	}
	for i, size := range sizes {
		if math.Abs(size[0]-595.28) > 0.5 || math.Abs(size[1]-841.89) > 0.5 {
			t.Errorf("page %d: %v, not A4 portrait", i+1, size)
		}
		title := "(recto)"
		if i > 0 {
			title = "(verso,"
		}
		if _, ok := find(i, title); !ok {
			t.Errorf("page %d has no header %q", i+1, title)
		}
		if w, ok := find(i, "SERVICES"); !ok || w.cy > 15*mm+20 {
			t.Errorf("page %d: the header is not at the top: %+v", i+1, w)
		}
	}
	// The boxes after their labels: ☒ right of « formation ».
	label, _ := find(0, "formation")
	box, ok := find(0, "☒")
	if !ok || math.Abs(box.cy-label.cy) > 2 || box.cx < label.cx {
		t.Errorf("the CCF box %+v is not after its label %+v", box, label)
	}
	// The footnotes at the foot of the recto, the last within the bottom
	// margin (1 cm).
	last, _ := find(0, "stockage.")
	access, _ := find(0, "d’accès")
	if last.cy < access.cy || last.cy > 841.89-10*mm || last.cy < 841.89-10*mm-30 {
		t.Errorf("the footnotes are not at the foot of the recto: %+v (the last label at %+v)", last, access)
	}
	// The verso's text starts at its own page, and its end on the last.
	if _, ok := find(1, "Descriptif"); !ok {
		t.Error("the verso does not start on page 2")
	}
	if _, ok := find(2, "Git"); !ok {
		t.Error("the productions are not at the end of the verso")
	}
	// The frame: rules 0.5 pt wide, from the left margin 175 mm across.
	stream := inflatedStreams(buf.Bytes())
	if !strings.Contains(stream, "0.50 w") || strings.Contains(stream, "0.75 w") {
		t.Error("the rules are not single 0.5 pt ones")
	}
	left, right := 15*mm, 15*mm+175*mm
	re := regexp.MustCompile(`([\d.]+) ([\d.]+) m ([\d.]+) ([\d.]+) l S`)
	var xs []float64
	for _, m := range re.FindAllStringSubmatch(stream, -1) {
		x1, _ := strconv.ParseFloat(m[1], 64)
		x2, _ := strconv.ParseFloat(m[3], 64)
		xs = append(xs, x1, x2)
	}
	if len(xs) == 0 || slices.Min(xs) < left-0.5 || slices.Min(xs) > left+0.5 || math.Abs(slices.Max(xs)-right) > 0.5 {
		t.Errorf("the table spans %.1f–%.1f pt, want %.1f–%.1f", slices.Min(xs), slices.Max(xs), left, right)
	}
}

// inflatedStreams is the text of a PDF's compressed streams (its pages'
// drawing operators among them), one after the other.
func inflatedStreams(pdf []byte) string {
	var out strings.Builder
	for i := 0; ; {
		j := bytes.Index(pdf[i:], []byte("stream\n"))
		if j < 0 {
			return out.String()
		}
		i += j + len("stream\n")
		zr, err := zlib.NewReader(bytes.NewReader(pdf[i:]))
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(zr)
		out.Write(b)
		out.WriteByte('\n')
	}
}
