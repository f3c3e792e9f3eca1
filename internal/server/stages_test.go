package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// stageForm is a stage's form: a stage of the year, at the organisation,
// between two days.
func stageForm(year, org, start, end string) url.Values {
	return url.Values{"kind": {"stage"}, "year": {year}, "organisation": {org}, "address": {"3 rue des Tests\n69000 Lyon"},
		"siret": {"732 829 320 00074"}, "service": {"DSI"}, "tutor_name": {"Jeanne Tutrice"}, "tutor_function": {"Responsable réseau"},
		"tutor_email": {"jeanne@example.fr"}, "tutor_phone": {"04 72 00 00 00"}, "start": {start}, "end": {end},
		"missions": {"Déployer des postes\nSuperviser le réseau"}}
}

// stageClass is a 2019 SISR class with a student (lea), her teacher and
// another class's teacher and student.
type stageClass struct {
	app                      *testApp
	classID                  int64
	lea, prof, outsider, bob portfolio.User
	leaC, profC, outC, bobC  *client
}

func newStageClass(t *testing.T) *stageClass {
	t.Helper()
	app := newTestApp(t)
	app.addUser("admin@example.org", portfolio.RoleAdmin, "")
	admin := app.login("admin@example.org")
	sc := &stageClass{app: app}
	sc.classID = newClass2019(t, admin, "SIO2 SISR", "SISR")
	other := newClass2019(t, admin, "SIO2 SLAM", "SLAM")
	sc.lea = app.addUser("lea@example.org", portfolio.RoleStudent, "SISR")
	sc.bob = app.addUser("bob@example.org", portfolio.RoleStudent, "SLAM")
	sc.prof = app.addUser("prof@example.org", portfolio.RoleTeacher, "")
	sc.outsider = app.addUser("outsider@example.org", portfolio.RoleTeacher, "")
	for _, m := range []struct {
		class int64
		kind  string
		id    int64
	}{{sc.classID, "students", sc.lea.ID}, {sc.classID, "teachers", sc.prof.ID}, {other, "students", sc.bob.ID}, {other, "teachers", sc.outsider.ID}} {
		key := "student_id"
		if m.kind == "teachers" {
			key = "teacher_id"
		}
		wantStatus(t, admin.post("/admin/classes/"+strconv.FormatInt(m.class, 10)+"/"+m.kind, url.Values{key: {strconv.FormatInt(m.id, 10)}}), http.StatusSeeOther)
	}
	sc.leaC, sc.profC, sc.outC, sc.bobC = app.login("lea@example.org"), app.login("prof@example.org"), app.login("outsider@example.org"), app.login("bob@example.org")
	return sc
}

// createStage posts a stage form and returns the new stage's URL path.
func createStage(t *testing.T, c *client, base string, f url.Values) string {
	t.Helper()
	res := c.post(base, f)
	wantStatus(t, res, http.StatusSeeOther)
	loc := res.header.Get("Location")
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(base) + `/\d+$`).MatchString(loc) {
		t.Fatalf("stage created at %q", loc)
	}
	return loc
}

func lastID(p string) int64 {
	id, _ := strconv.ParseInt(path.Base(p), 10, 64)
	return id
}

// TestStagesJourney: a student records a 5-week stage in year 1 (Whit
// Monday in it) and a 6-week one in year 2, with the refusals bad input
// gets; links a réalisation to a stage (its cadre follows the stage, its
// période must lie within); fills the carnet; uploads an attestation that
// the teacher rejects with a reason, then accepts after a new upload; the
// class page shows the state; the dossier holds the expected files.
func TestStagesJourney(t *testing.T) {
	sc := newStageClass(t)
	app, lea, prof := sc.app, sc.leaC, sc.profC
	ctx := context.Background()

	// Nothing yet: every rule is missing.
	res := lea.get("/stages")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Incomplet", "il manque 10 semaines", "Aucun stage enregistré pour l")

	// Bad input: each message next to its field, the rest kept, nothing written.
	bad := stageForm("1", "Mairie de Lyon", "2026-06-26", "2026-05-25")
	bad.Set("siret", "732 829 320 00075") // wrong check digit
	bad.Set("tutor_email", "pas-une-adresse")
	bad.Set("tutor_name", "")
	res = lea.post("/stages", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Ce SIRET n&#39;existe pas : sa clé de contrôle est fausse.", "La date de fin doit être égale ou postérieure à la date de début.",
		"Adresse e-mail invalide", "Le nom du tuteur est obligatoire.", `value="Mairie de Lyon"`, "Superviser le réseau", `id="err-siret"`)
	if st, _ := app.store.Stages(ctx, sc.lea.ID); len(st) != 0 {
		t.Fatalf("%d stages stored after a refused form", len(st))
	}

	// Year 1: Monday 25 May 2026 (Whit Monday) to Friday 26 June: 5 weeks.
	s1 := createStage(t, lea, "/stages", stageForm("1", "Mairie de Lyon", "2026-05-25", "2026-06-26"))
	res = lea.get(s1)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Stage de 1re année — Mairie de Lyon", "du 25/05/2026 au 26/06/2026 — 5 semaines, 24 jours de présence", "73282932000074")
	// Year 2: 4 January to 12 February 2027: 6 weeks.
	createStage(t, lea, "/stages", stageForm("2", "Société Réseaux & Cie", "2027-01-04", "2027-02-12"))
	res = lea.get("/stages")
	wantContains(t, res.body, "Conforme", "Mairie de Lyon", "Société Réseaux &amp; Cie", "6 semaines")
	wantNotContains(t, res.body, "il manque")

	// A réalisation in the year-1 stage: its cadre is the stage's,
	// whatever the form said; a période outside the stage is refused.
	f := form2019("Déploiement des postes de la mairie")
	f.Set("stage", strconv.FormatInt(lastID(s1), 10))
	res = lea.post("/realisations", f) // 15/09 – 20/10: outside the stage
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "La période de la réalisation doit être comprise dans celle du stage (du 25/05/2026 au 26/06/2026).",
		`value="Déploiement des postes de la mairie"`)
	f.Set("start", "2026-06-01")
	f.Set("end", "2026-06-12")
	res = lea.post("/realisations", f)
	wantStatus(t, res, http.StatusSeeOther)
	rid := lastID(res.header.Get("Location"))
	real, err := app.store.GetRealisation(ctx, sc.lea.ID, rid)
	if err != nil {
		t.Fatal(err)
	}
	if real.Cadre != "stage1" || real.StageID != lastID(s1) {
		t.Fatalf("réalisation in the year-1 stage: cadre %q, stage %d", real.Cadre, real.StageID)
	}
	// Someone else's stage cannot be named.
	bobStage := createStage(t, sc.bobC, "/stages", stageForm("1", "Chez Bob", "2026-05-25", "2026-06-26"))
	f.Set("stage", strconv.FormatInt(lastID(bobStage), 10))
	res = lea.post("/realisations", f)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Ce stage n&#39;existe pas ou n&#39;est pas le vôtre.")

	// The stage moved to year 2: its réalisation follows (the tableau's
	// band), then back to year 1.
	moved := stageForm("2", "Mairie de Lyon", "2026-05-25", "2026-06-26")
	wantStatus(t, lea.post(s1, moved), http.StatusSeeOther)
	if r, _ := app.store.GetRealisation(ctx, sc.lea.ID, rid); r.Cadre != "stage2" {
		t.Fatalf("after the stage moved to year 2, the réalisation's cadre is %q", r.Cadre)
	}
	wantStatus(t, lea.post(s1, stageForm("1", "Mairie de Lyon", "2026-05-25", "2026-06-26")), http.StatusSeeOther)
	if r, _ := app.store.GetRealisation(ctx, sc.lea.ID, rid); r.Cadre != "stage1" {
		t.Fatalf("back in year 1, the réalisation's cadre is %q", r.Cadre)
	}
	// New dates that would leave the réalisation out are refused.
	res = lea.post(s1, stageForm("1", "Mairie de Lyon", "2026-06-08", "2026-07-10"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "sortirait de ses dates")

	// The carnet: a week, refused then saved, with its réalisation.
	week := s1 + "/semaines/2026-06-01"
	res = lea.post(week, url.Values{"done": {""}, "hours": {"99"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Le compte rendu de la semaine est obligatoire.", "Nombre d&#39;heures invalide")
	wantStatus(t, lea.post(week, url.Values{"done": {"Installation de 12 postes, GLPI"}, "hours": {"35,5"}, "realisation": {strconv.FormatInt(rid, 10)}}), http.StatusSeeOther)
	wantStatus(t, lea.get(s1+"/semaines/2026-09-07"), http.StatusNotFound) // not a week of the stage
	res = lea.get(s1 + "/carnet.pdf")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, pdfText(t, []byte(res.body)), "Carnet de bord", "Installation de 12 postes, GLPI", "35,5", "Déploiement des", "Jeanne Tutrice")
	res = lea.get(s1 + "/attestation-modele.pdf")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, pdfText(t, []byte(res.body)), "ATTESTATION DE STAGE", "ce document n'est pas le modèle", "du 25/05/2026 au 26/06/2026",
		"5 semaines", "Déployer des postes", "Réalisation professionnelle : Déploiement des postes")

	// The attestation: refused types, then a PDF.
	res = lea.upload(s1+"/attestations", "files", "attestation.txt", []byte("texte"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	att1 := attestationPDF(t, "Attestation signée, version 1")
	wantStatus(t, lea.upload(s1+"/attestations", "files", "attestation-mairie.pdf", att1), http.StatusSeeOther)
	res = prof.get("/classes/" + strconv.FormatInt(sc.classID, 10) + "/stages?filtre=a-verifier")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "LEA Prénom", "attestation de stage : En attente de vérification", "1 étudiant(s) sur 1.")

	// The teacher rejects it: a reason is needed.
	staffStage := "/students/" + strconv.FormatInt(sc.lea.ID, 10) + "/stages/" + strconv.FormatInt(lastID(s1), 10)
	atts, _ := app.store.Attestations(ctx, sc.lea.ID)
	a1 := atts[lastID(s1)][0].ID
	decide := staffStage + "/attestations/" + strconv.FormatInt(a1, 10) + "/decision"
	res = prof.post(decide, decision(t, app, sc.lea.ID, a1, "reject", "  "))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Indiquez la raison du refus")
	// The student cannot decide on her own attestation.
	wantStatus(t, lea.post(s1+"/attestations/"+strconv.FormatInt(a1, 10)+"/decision", decision(t, app, sc.lea.ID, a1, "accept", "")), http.StatusNotFound)
	wantStatus(t, prof.post(decide, decision(t, app, sc.lea.ID, a1, "reject", "Le cachet de l'organisation manque.")), http.StatusSeeOther)
	res = lea.get(s1)
	wantContains(t, res.body, "Refusée", "Raison du refus : Le cachet de l&#39;organisation manque.", `id="upload-attestation"`)
	res = prof.get("/classes/" + strconv.FormatInt(sc.classID, 10) + "/stages?filtre=attestation")
	wantContains(t, res.body, "LEA Prénom", "attestation de stage : Refusée")

	// A new upload, accepted.
	wantStatus(t, lea.upload(s1+"/attestations", "files", "attestation-mairie-cachet.pdf", attestationPDF(t, "Attestation signée et tamponnée")), http.StatusSeeOther)
	atts, _ = app.store.Attestations(ctx, sc.lea.ID)
	a2 := atts[lastID(s1)][0].ID
	wantStatus(t, prof.post(staffStage+"/attestations/"+strconv.FormatInt(a2, 10)+"/decision", decision(t, app, sc.lea.ID, a2, "accept", "")), http.StatusSeeOther)
	res = lea.get(s1)
	wantContains(t, res.body, `id="attestation-state">Acceptée`)
	wantNotContains(t, res.body, `id="upload-attestation"`)
	res = prof.get("/classes/" + strconv.FormatInt(sc.classID, 10) + "/stages")
	wantContains(t, res.body, "attestation de stage : Acceptée", "attestation de stage : Non déposée", "Conformes")
	res = prof.get("/classes/" + strconv.FormatInt(sc.classID, 10) + "/stages?filtre=sans2")
	wantContains(t, res.body, "0 étudiant(s) sur 1.")

	// The teacher corrects the stage (a typo in the organisation).
	fix := stageForm("1", "Mairie de Lyon (3e arr.)", "2026-05-25", "2026-06-26")
	wantStatus(t, prof.post(staffStage, fix), http.StatusSeeOther)
	if st, _ := app.store.Stage(ctx, sc.lea.ID, lastID(s1)); st.Organisation != "Mairie de Lyon (3e arr.)" {
		t.Fatalf("teacher's correction not stored: %q", st.Organisation)
	}

	// The dossier: validated réalisation, fiche, accepted attestation.
	app.validate(sc.lea.ID, rid, sc.prof.ID)
	for _, c := range []*client{lea, prof} {
		base := "/dossier"
		if c == prof {
			base = "/students/" + strconv.FormatInt(sc.lea.ID, 10) + "/dossier"
		}
		res = c.get(base + ".zip")
		wantStatus(t, res, http.StatusOK)
		files := zipEntries(t, res.body)
		want := []string{"LEA_Prenom_dossier/LEA_Prenom_1_tableau_de_synthese.pdf", "LEA_Prenom_dossier/LEA_Prenom_1_tableau_de_synthese.xlsx",
			"LEA_Prenom_dossier/LEA_Prenom_2_fiche_1.pdf", "LEA_Prenom_dossier/LEA_Prenom_3_attestation_stage_1A_Mairie-de-Lyon-3e-arr.pdf",
			"LEA_Prenom_dossier/LEA_Prenom_4_synthese_portfolio.pdf"}
		if len(files) != len(want) {
			t.Fatalf("dossier files: %v", keys(files))
		}
		for _, name := range want {
			if files[name] == nil {
				t.Fatalf("dossier lacks %s: %v", name, keys(files))
			}
		}
		wantContains(t, pdfText(t, files[want[0]]), "Tableau de synthèse", "Déploiement des postes de la mairie")
		wantContains(t, pdfText(t, files[want[2]]), "DESCRIPTION D’UNE RÉALISATION PROFESSIONNELLE", "Déploiement des postes de la mairie")
		wantContains(t, pdfText(t, files[want[3]]), "Attestation signée et tamponnée")
		wantContains(t, pdfText(t, files[want[4]]), "Synthèse du portfolio", "Déploiement des postes de la mairie", "J’ai traité les tickets de niveau 1.")
		res = c.get(base + ".pdf")
		wantStatus(t, res, http.StatusOK)
		text := pdfText(t, []byte(res.body))
		wantContains(t, text, "Tableau de synthèse", "Attestation signée et tamponnée", "Synthèse du portfolio")
		wantNotContains(t, text, "Attestation signée, version 1")
	}
	checkPersonalData(t, lea)
}

// The student's personal data export holds her stages, carnet and attestations.
func checkPersonalData(t *testing.T, lea *client) {
	t.Helper()
	res := lea.get("/compte/donnees.zip")
	wantStatus(t, res, http.StatusOK)
	files := zipEntries(t, res.body)
	wantContains(t, string(files["donnees.json"]), `"stages"`, "Mairie de Lyon (3e arr.)", "Installation de 12 postes, GLPI", "Le cachet de l'organisation manque.")
	n := 0
	for name := range files {
		if strings.HasPrefix(name, "attestations/") && strings.HasSuffix(name, ".pdf") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d attestation files in the personal data export, want 2: %v", n, keys(files))
	}
}

// decision is the teacher's decision form of an attestation, with the
// hash of the file the page showed.
func decision(t *testing.T, app *testApp, studentID int64, aid any, verdict, reason string) url.Values {
	t.Helper()
	id, err := strconv.ParseInt(fmt.Sprint(aid), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.store.AttestationByID(context.Background(), studentID, id)
	if err != nil {
		t.Fatal(err)
	}
	return url.Values{"decision": {verdict}, "reason": {reason}, "file": {a.Hash}}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// attestationPDF is a one-page PDF holding the text, as a scanned and
// signed attestation would be uploaded.
func attestationPDF(t *testing.T, text string) []byte {
	t.Helper()
	var buf bytes.Buffer
	err := export.AttestationPDF(&buf, export.AttestationDoc{Student: portfolio.User{FirstName: "Léa", LastName: "Test"},
		Stage: portfolio.Stage{Kind: portfolio.KindStage, Year: 1, Organisation: "Org", Start: time.Date(2026, 5, 25, 0, 0, 0, 0, time.UTC),
			End: time.Date(2026, 6, 26, 0, 0, 0, 0, time.UTC)}, Contents: []string{text}})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestStageAuthorisation: a student sees only her own stages, a teacher
// only those of the students of their classes; the carnet and uploads are
// the student's, decisions the teachers'.
func TestStageAuthorisation(t *testing.T) {
	sc := newStageClass(t)
	s1 := createStage(t, sc.leaC, "/stages", stageForm("1", "Mairie de Lyon", "2026-05-25", "2026-06-26"))
	wantStatus(t, sc.leaC.upload(s1+"/attestations", "files", "a.pdf", attestationPDF(t, "signée")), http.StatusSeeOther)
	atts, _ := sc.app.store.Attestations(context.Background(), sc.lea.ID)
	aid := strconv.FormatInt(atts[lastID(s1)][0].ID, 10)
	staff := "/students/" + strconv.FormatInt(sc.lea.ID, 10) + "/stages"
	sid := strconv.FormatInt(lastID(s1), 10)

	// Another student: every page and action of Léa's stage is a 404.
	for _, p := range []string{s1, s1 + "/edit", s1 + "/carnet.pdf", s1 + "/attestation-modele.pdf", s1 + "/attestations/" + aid, s1 + "/semaines/2026-06-01"} {
		wantStatus(t, sc.bobC.get(p), http.StatusNotFound)
	}
	wantStatus(t, sc.bobC.post(s1, stageForm("1", "Pirate", "2026-05-25", "2026-06-26")), http.StatusNotFound)
	wantStatus(t, sc.bobC.post(s1+"/delete", nil), http.StatusNotFound)
	wantStatus(t, sc.bobC.get(staff), http.StatusForbidden) // staff routes are not for students
	// A teacher of another class: 404 on everything of Léa's.
	for _, p := range []string{staff, staff + "/" + sid, staff + "/" + sid + "/attestations/" + aid, "/students/" + strconv.FormatInt(sc.lea.ID, 10) + "/dossier.zip",
		"/classes/" + strconv.FormatInt(sc.classID, 10) + "/stages"} {
		wantStatus(t, sc.outC.get(p), http.StatusNotFound)
	}
	wantStatus(t, sc.outC.post(staff+"/"+sid+"/attestations/"+aid+"/decision", decision(t, sc.app, sc.lea.ID, aid, "accept", "")), http.StatusNotFound)
	// Her teacher reads and decides, but neither uploads nor writes her carnet.
	wantStatus(t, sc.profC.get(staff+"/"+sid+"/attestations/"+aid), http.StatusOK)
	wantStatus(t, sc.profC.upload(staff+"/"+sid+"/attestations", "files", "b.pdf", attestationPDF(t, "x")), http.StatusNotFound)
	wantStatus(t, sc.profC.post(staff+"/"+sid+"/semaines/2026-06-01", url.Values{"done": {"x"}, "hours": {"1"}}), http.StatusNotFound)
	// The stage's id of another student's path does not leak either.
	bobStage := createStage(t, sc.bobC, "/stages", stageForm("1", "Chez Bob", "2026-05-25", "2026-06-26"))
	wantStatus(t, sc.profC.get(staff+"/"+strconv.FormatInt(lastID(bobStage), 10)), http.StatusNotFound)
	wantStatus(t, sc.leaC.get(bobStage), http.StatusNotFound)
	// An accepted attestation cannot be withdrawn by the student.
	wantStatus(t, sc.profC.post(staff+"/"+sid+"/attestations/"+aid+"/decision", decision(t, sc.app, sc.lea.ID, aid, "accept", "")), http.StatusSeeOther)
	wantStatus(t, sc.leaC.post(s1+"/attestations/"+aid+"/delete", nil), http.StatusConflict)
}

// TestClassDossiers: the class's dossiers are built in the background,
// one folder per student.
func TestClassDossiers(t *testing.T) {
	sc := newStageClass(t)
	second := sc.app.addUser("zoe@example.org", portfolio.RoleStudent, "SISR")
	if err := sc.app.store.Enrol(context.Background(), sc.classID, second.ID); err != nil {
		t.Fatal(err)
	}
	res := sc.profC.post("/classes/"+strconv.FormatInt(sc.classID, 10)+"/dossiers", nil)
	wantStatus(t, res, http.StatusSeeOther)
	job := res.header.Get("Location")
	var page string
	for i := 0; i < 200; i++ {
		page = sc.profC.get(job).body
		if strings.Contains(page, "sont prêts") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	wantContains(t, page, "Dossiers d&#39;examen — SIO2 SISR", "Les 2 dossiers sont prêts.")
	res = sc.profC.get(job + "/download")
	wantStatus(t, res, http.StatusOK)
	files := zipEntries(t, res.body)
	for _, name := range []string{"LEA_Prenom_dossier/LEA_Prenom_1_tableau_de_synthese.pdf", "ZOE_Prenom_dossier/ZOE_Prenom_4_synthese_portfolio.pdf",
		"ZOE_Prenom_dossier/ZOE_Prenom_dossier_complet.pdf"} {
		if files[name] == nil {
			t.Fatalf("class dossiers lack %s: %v", name, keys(files))
		}
	}
	wantContains(t, pdfText(t, files["LEA_Prenom_dossier/LEA_Prenom_dossier_complet.pdf"]), "Tableau de synthèse", "Synthèse du portfolio")
	// The outsider cannot start one, nor download this one.
	wantStatus(t, sc.outC.post("/classes/"+strconv.FormatInt(sc.classID, 10)+"/dossiers", nil), http.StatusNotFound)
	wantStatus(t, sc.outC.get(job+"/download"), http.StatusNotFound)
}

// TestStagesFromTheOldReferentiel: the 2011 référentiel's data gives no
// stage durations, so nothing is checked, and it says so; a 2011
// réalisation in a stage of year 2 takes the cadre stage2, an
// apprentice's the single « alternance ».
func TestStagesFromTheOldReferentiel(t *testing.T) {
	c := newClassroom(t)
	lea := c.app.login("lea@example.org")
	res := lea.get("/stages")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "ne fixe pas de durée de stage : aucune durée n&#39;est vérifiée.")
	wantNotContains(t, res.body, "Conforme", "Incomplet")
	s2 := createStage(t, lea, "/stages", stageForm("2", "Agence Web", "2027-01-04", "2027-02-12"))
	alt := stageForm("2", "Entreprise Alternance", "2026-09-01", "2027-06-30")
	alt.Set("kind", "alternance")
	sa := createStage(t, lea, "/stages", alt)
	for _, tc := range []struct {
		stage, cadre string
	}{{s2, "stage2"}, {sa, "alternance"}} {
		f := formOf(sampleInput("Site de l'agence"))
		f.Set("stage", strconv.FormatInt(lastID(tc.stage), 10))
		f.Set("start", "2027-01")
		f.Set("end", "2027-02")
		res := lea.post("/realisations", f)
		wantStatus(t, res, http.StatusSeeOther)
		r, _ := c.app.store.GetRealisation(context.Background(), c.lea.ID, lastID(res.header.Get("Location")))
		if string(r.Cadre) != tc.cadre {
			t.Errorf("2011 réalisation in %s: cadre %q, want %q", tc.stage, r.Cadre, tc.cadre)
		}
	}
	res = lea.get("/stages/" + strconv.FormatInt(lastID(sa), 10))
	wantContains(t, res.body, "Certificat de travail signé")
}

// TestStagesReadOnlyWhenArchived: once the class is archived, its
// student's stages are read-only for her and for her teacher (not for an
// admin), and the pages say so; reading and the dossier still work.
func TestStagesReadOnlyWhenArchived(t *testing.T) {
	sc := newStageClass(t)
	s1 := createStage(t, sc.leaC, "/stages", stageForm("1", "Mairie", "2026-05-25", "2026-06-26"))
	wantStatus(t, sc.leaC.upload(s1+"/attestations", "files", "a.pdf", attestationPDF(t, "signée")), http.StatusSeeOther)
	atts, _ := sc.app.store.Attestations(context.Background(), sc.lea.ID)
	aid := strconv.FormatInt(atts[lastID(s1)][0].ID, 10)
	if _, err := sc.app.store.DB.Exec(`UPDATE classes SET archived = 1 WHERE id = ?`, sc.classID); err != nil {
		t.Fatal(err)
	}
	staff := "/students/" + strconv.FormatInt(sc.lea.ID, 10) + "/stages/" + strconv.FormatInt(lastID(s1), 10)
	for _, res := range []response{
		sc.leaC.post("/stages", stageForm("2", "Ailleurs", "2027-01-04", "2027-02-12")),
		sc.leaC.get("/stages/new"),
		sc.leaC.post(s1, stageForm("1", "Mairie bis", "2026-05-25", "2026-06-26")),
		sc.leaC.post(s1+"/delete", nil),
		sc.leaC.post(s1+"/semaines/2026-06-01", url.Values{"done": {"x"}, "hours": {"1"}}),
		sc.leaC.upload(s1+"/attestations", "files", "b.pdf", attestationPDF(t, "autre")),
		sc.leaC.post(s1+"/attestations/"+aid+"/delete", nil),
		sc.profC.post(staff+"/attestations/"+aid+"/decision", decision(t, sc.app, sc.lea.ID, aid, "accept", "")),
		sc.profC.post(staff, stageForm("1", "Mairie ter", "2026-05-25", "2026-06-26")),
	} {
		wantStatus(t, res, http.StatusForbidden)
		wantContains(t, res.body, "Cette classe est archivée : elle est en lecture seule.")
	}
	for _, c := range []*client{sc.leaC, sc.profC} {
		p := s1
		if c == sc.profC {
			p = staff
		}
		res := c.get(p)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res.body, "Classe archivée — lecture seule.")
		wantNotContains(t, res.body, `id="upload-attestation"`, `value="accept"`, `id="edit-stage"`)
	}
	wantStatus(t, sc.leaC.get("/dossier.zip"), http.StatusOK)
	if st, _ := sc.app.store.Stages(context.Background(), sc.lea.ID); len(st) != 1 || st[0].Organisation != "Mairie" {
		t.Fatalf("stages changed while archived: %+v", st)
	}
	// An admin still acts.
	sc.app.addUser("admin2@example.org", portfolio.RoleAdmin, "")
	wantStatus(t, sc.app.login("admin2@example.org").post(staff+"/attestations/"+aid+"/decision", decision(t, sc.app, sc.lea.ID, aid, "accept", "")), http.StatusSeeOther)
}

// TestStageChangesKeepWhatWasChecked: what a review found. A student may
// not move a validated réalisation to another band by changing its
// stage's year (her teacher may); after the class deadline neither may she
// move a draft; changing what an accepted attestation attests sends it back
// to the teacher; a stage with an accepted attestation is not deleted; no
// new upload once accepted; a decision names the file the teacher saw;
// the carnet's weeks stay within the stage; at most 20 stages.
func TestStageChangesKeepWhatWasChecked(t *testing.T) {
	sc := newStageClass(t)
	app, lea, prof := sc.app, sc.leaC, sc.profC
	ctx := context.Background()
	s1 := createStage(t, lea, "/stages", stageForm("1", "Mairie de Lyon", "2026-05-25", "2026-06-26"))
	sid := strconv.FormatInt(lastID(s1), 10)
	staff := "/students/" + strconv.FormatInt(sc.lea.ID, 10) + "/stages/" + sid
	f := form2019("Câblage de la mairie")
	f.Set("stage", sid)
	f.Set("start", "2026-06-01")
	f.Set("end", "2026-06-12")
	res := lea.post("/realisations", f)
	wantStatus(t, res, http.StatusSeeOther)
	rid := lastID(res.header.Get("Location"))
	app.validate(sc.lea.ID, rid, sc.prof.ID)

	// The validated réalisation would change band: refused to her, done by her teacher.
	res = lea.post(s1, stageForm("2", "Mairie de Lyon", "2026-05-25", "2026-06-26"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "« Câblage de la mairie » de ce stage est validée", "Demandez à votre enseignant")
	if r, _ := app.store.GetRealisation(ctx, sc.lea.ID, rid); r.Cadre != "stage1" {
		t.Fatalf("refused change moved the réalisation to %q", r.Cadre)
	}
	wantStatus(t, lea.post(s1, stageForm("1", "Mairie de Lyon — DSI", "2026-05-25", "2026-06-26")), http.StatusSeeOther) // same band: fine
	wantStatus(t, prof.post(staff, stageForm("2", "Mairie de Lyon — DSI", "2026-05-25", "2026-06-26")), http.StatusSeeOther)
	if r, _ := app.store.GetRealisation(ctx, sc.lea.ID, rid); r.Cadre != "stage2" {
		t.Fatalf("teacher's correction: cadre %q", r.Cadre)
	}
	wantStatus(t, prof.post(staff, stageForm("1", "Mairie de Lyon — DSI", "2026-05-25", "2026-06-26")), http.StatusSeeOther)

	// Past the deadline, even a draft may not change band.
	f = form2019("Brouillon de stage")
	f.Set("stage", sid)
	f.Set("fiche", "2")
	f.Set("start", "2026-06-15")
	f.Set("end", "2026-06-19")
	wantStatus(t, lea.post("/realisations", f), http.StatusSeeOther)
	if _, err := app.store.DB.Exec(`UPDATE classes SET deadline = '2026-11-01' WHERE id = ?`, sc.classID); err != nil {
		t.Fatal(err)
	}
	res = lea.post(s1, stageForm("2", "Mairie de Lyon — DSI", "2026-05-25", "2026-06-26"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "la date limite est passée")
	if _, err := app.store.DB.Exec(`UPDATE classes SET deadline = '' WHERE id = ?`, sc.classID); err != nil {
		t.Fatal(err)
	}

	// The carnet's weeks stay within the stage.
	wantStatus(t, lea.post(s1+"/semaines/2026-05-25", url.Values{"done": {"Accueil"}, "hours": {"35"}}), http.StatusSeeOther)
	res = lea.post(s1, stageForm("1", "Mairie de Lyon — DSI", "2026-06-01", "2026-06-26"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Le carnet de bord a une entrée pour la semaine du 25/05/2026")

	// Attestations: the type message is the attestation's; accepted, no
	// new upload, no deletion; a change of dates sends it back.
	res = lea.upload(s1+"/attestations", "files", "scan.pdf", []byte("<html><body>pas un PDF</body></html>"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "n&#39;est ni un PDF ni une image JPEG ou PNG")
	wantNotContains(t, res.body, "documents bureautiques")
	wantStatus(t, lea.upload(s1+"/attestations", "files", "a.pdf", attestationPDF(t, "version 1")), http.StatusSeeOther)
	atts, _ := app.store.Attestations(ctx, sc.lea.ID)
	a1 := atts[lastID(s1)][0]
	// A decision on a form drawn for another file decides nothing.
	stale := decision(t, app, sc.lea.ID, a1.ID, "accept", "")
	stale.Set("file", strings.Repeat("0", 64))
	res = prof.post(staff+"/attestations/"+strconv.FormatInt(a1.ID, 10)+"/decision", stale)
	wantStatus(t, res, http.StatusConflict)
	wantContains(t, res.body, "rechargez-la")
	wantStatus(t, prof.post(staff+"/attestations/"+strconv.FormatInt(a1.ID, 10)+"/decision", decision(t, app, sc.lea.ID, a1.ID, "accept", "")), http.StatusSeeOther)
	res = lea.upload(s1+"/attestations", "files", "b.pdf", attestationPDF(t, "version 2"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "attestation de stage de ce stage est déjà acceptée")
	res = lea.post(s1+"/delete", nil)
	wantStatus(t, res, http.StatusConflict)
	res = lea.post(s1, stageForm("1", "Mairie de Lyon (3e)", "2026-05-25", "2026-06-26"))
	wantStatus(t, res, http.StatusSeeOther)
	wantContains(t, lea.get(s1).body, "repasse en vérification", `id="attestation-state">En attente de vérification`)
	// The teacher's own correction does not.
	wantStatus(t, prof.post(staff+"/attestations/"+strconv.FormatInt(a1.ID, 10)+"/decision", decision(t, app, sc.lea.ID, a1.ID, "accept", "")), http.StatusSeeOther)
	wantStatus(t, prof.post(staff, stageForm("1", "Mairie de Lyon (3e arr.)", "2026-05-25", "2026-06-26")), http.StatusSeeOther)
	if a, _ := app.store.AttestationByID(ctx, sc.lea.ID, a1.ID); a.Status != portfolio.AttestationAccepted {
		t.Fatalf("teacher's correction reopened the attestation: %s", a.Status)
	}

	// At most 20 stages.
	for i := 1; i < maxStages; i++ {
		createStage(t, lea, "/stages", stageForm("2", fmt.Sprintf("Entreprise %d", i), "2027-01-04", "2027-01-08"))
	}
	res = lea.post("/stages", stageForm("2", "Une de trop", "2027-01-04", "2027-01-08"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Vous avez déjà 20 stages")
}
