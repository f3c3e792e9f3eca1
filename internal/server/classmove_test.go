package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
)

// yearOne is a first-year class (SIO1 A, 2026-2027) of three students, a
// teacher and an admin; other@ is a teacher of another class.
type yearOne struct {
	app            *testApp
	classID        int64
	lea, max, zoe  portfolio.User
	prof, adm, sub portfolio.User
}

func newYearOne(t *testing.T, ref, parcours string) *yearOne {
	t.Helper()
	app := newTestApp(t)
	y := &yearOne{app: app}
	y.lea = app.addUser("lea@example.org", portfolio.RoleStudent, parcours)
	y.max = app.addUser("max@example.org", portfolio.RoleStudent, parcours)
	y.zoe = app.addUser("zoe@example.org", portfolio.RoleStudent, parcours)
	y.prof = app.addUser("prof@example.org", portfolio.RoleTeacher, "")
	y.sub = app.addUser("remplacant@example.org", portfolio.RoleTeacher, "")
	y.adm = app.addUser("admin@example.org", portfolio.RoleAdmin, "")
	ctx := context.Background()
	var err error
	y.classID, err = app.store.CreateClass(ctx, store.Class{Name: "SIO1 A", SchoolYear: "2026-2027", Referentiel: ref, Parcours: parcours})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		app.store.Enrol(ctx, y.classID, y.lea.ID), app.store.Enrol(ctx, y.classID, y.max.ID), app.store.Enrol(ctx, y.classID, y.zoe.ID),
		app.store.AssignTeacher(ctx, y.classID, y.prof.ID), app.store.AssignTeacher(ctx, y.classID, y.sub.ID),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return y
}

func (y *yearOne) movePath() string { return fmt.Sprintf("/admin/classes/%d/move", y.classID) }

// moveForm is the move form as the page sends it, ticking students.
func moveForm(name, year string, keepTeachers, archive bool, students ...int64) url.Values {
	f := url.Values{"name": {name}, "school_year": {year}}
	for _, id := range students {
		f.Add("students", fmt.Sprint(id))
	}
	if keepTeachers {
		f.Set("keep_teachers", "1")
	}
	if archive {
		f.Set("archive", "1")
	}
	return f
}

// classWritten is what the move writes, to check that a refusal wrote
// nothing.
func classWritten(t *testing.T, app *testApp) string {
	t.Helper()
	var classes, students, teachers, archived int
	if err := app.store.DB.QueryRow(`SELECT (SELECT count(*) FROM classes), (SELECT count(*) FROM class_students),
		(SELECT count(*) FROM class_teachers), (SELECT count(*) FROM classes WHERE archived = 1)`).Scan(&classes, &students, &teachers, &archived); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d classes, %d enrolments, %d teachers, %d archived", classes, students, teachers, archived)
}

// classIDOf is the id of the class a redirect leads to.
func classIDOf(t *testing.T, res response) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(res.header.Get("Location"), "/admin/classes/%d", &id); err != nil {
		t.Fatalf("redirect to %q", res.header.Get("Location"))
	}
	return id
}

func memberIDs(t *testing.T, app *testApp, classID int64) (students, teachers []int64) {
	t.Helper()
	st, te, err := app.store.ClassMembers(context.Background(), classID)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range st {
		students = append(students, u.ID)
	}
	for _, u := range te {
		teachers = append(teachers, u.ID)
	}
	return students, teachers
}

func TestMoveClassOnWholeClass(t *testing.T) {
	y := newYearOne(t, "sio-2011", "SLAM")
	ctx := context.Background()
	adm := y.app.login("admin@example.org")
	// Réalisations of the first year: one validated, one awaiting review.
	done := y.app.addRealisation(y.lea.ID, sampleInput("Application de gestion des stages"))
	y.app.validate(y.lea.ID, done, y.prof.ID)
	pending := y.app.addRealisation(y.max.ID, sampleInput("Site de la maison des lycéens"))
	if err := y.app.store.ApplyTransition(ctx, y.max.ID, pending, 1, portfolio.ActSubmit, portfolio.StatusDraft, portfolio.StatusSubmitted, y.max.ID, ""); err != nil {
		t.Fatal(err)
	}

	// The form's defaults: the next year's name and year, everyone ticked.
	res := adm.get(fmt.Sprintf("/admin/classes/%d", y.classID))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Passer à l'année suivante", `id="move-name" name="name" value="SIO2 A"`, `value="2027-2028"`,
		fmt.Sprintf(`name="students" value="%d" checked`, y.lea.ID), fmt.Sprintf(`name="students" value="%d" checked`, y.zoe.ID),
		`id="move-teachers" name="keep_teachers" value="1" checked`, `id="move-archive" name="archive" value="1" checked`)

	res = adm.post(y.movePath(), moveForm("SIO2 A", "2027-2028", true, true, y.lea.ID, y.max.ID, y.zoe.ID))
	wantStatus(t, res, http.StatusSeeOther)
	newID := classIDOf(t, res)
	res = adm.get(res.header.Get("Location"))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Classe SIO2 A créée pour 2027-2028 : 3 étudiants, 2 enseignants.", "La classe SIO1 A (2026-2027) est archivée")

	c, err := y.app.store.ClassByID(ctx, newID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "SIO2 A" || c.SchoolYear != "2027-2028" || c.Referentiel != "sio-2011" || c.Parcours != "SLAM" || !c.Deadline.IsZero() || c.Archived {
		t.Errorf("new class %+v", c)
	}
	old, err := y.app.store.ClassByID(ctx, y.classID)
	if err != nil || !old.Archived || old.Name != "SIO1 A" {
		t.Errorf("old class %+v, %v", old, err)
	}
	students, teachers := memberIDs(t, y.app, newID)
	if len(students) != 3 || len(teachers) != 2 {
		t.Errorf("new class: students %v, teachers %v", students, teachers)
	}
	// The old class keeps its members, for the record.
	if students, teachers := memberIDs(t, y.app, y.classID); len(students) != 3 || len(teachers) != 2 {
		t.Errorf("old class: students %v, teachers %v", students, teachers)
	}
	entries, err := y.app.store.AuditLog(ctx, "class_move", 10, 0)
	if err != nil || len(entries) != 1 || entries[0].Target != "SIO1 A (2026-2027)" || !strings.Contains(entries[0].Detail, "SIO2 A (2027-2028) : 3 étudiants sur 3") {
		t.Errorf("audit %+v, %v", entries, err)
	}

	// The work followed: the new class's dashboard shows it, and the
	// teacher, who teaches the students in SIO2 A, still reviews.
	prof := y.app.login("prof@example.org")
	res = prof.get(fmt.Sprintf("/classes/%d", newID))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Site de la maison des lycéens", "À relire (1)", "Année 2027-2028")
	wantNotContains(t, res.body, "Classe archivée")
	staff := fmt.Sprintf("/students/%d/realisations/%d", y.max.ID, pending)
	res = prof.get(staff)
	wantContains(t, res.body, `id="validate"`, `class="comment-form"`)
	wantNotContains(t, res.body, "Classe archivée")
	wantStatus(t, prof.post(staff+"/review", review(staff, 2, "validate", "")), http.StatusSeeOther)
	wantStatus(t, prof.post(staff+"/comments", url.Values{"body": {"Bravo."}}), http.StatusSeeOther)
	// The old class's dashboard still opens, marked read-only.
	res = prof.get(fmt.Sprintf("/classes/%d", y.classID))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Classe archivée — lecture seule.")

	// A student in one archived and one running class still works.
	lea := y.app.login("lea@example.org")
	res = lea.get("/realisations")
	wantContains(t, res.body, `href="/realisations/new"`, "Application de gestion des stages")
	wantNotContains(t, res.body, "Classe archivée")
	wantStatus(t, lea.post("/realisations", formOf(sampleInput("Deuxième année"))), http.StatusSeeOther)
	y.app.assertCoverageFresh()
}

func TestMoveClassOnPartOfIt(t *testing.T) {
	y := newYearOne(t, "sio-2019", "SISR")
	ctx := context.Background()
	adm := y.app.login("admin@example.org")
	// Zoé repeats the year: only Léa and Max go; the teachers of the
	// second year are others; the first-year class goes on.
	res := adm.post(y.movePath(), moveForm("SIO2 SISR", "2027-2028", false, false, y.lea.ID, y.max.ID))
	wantStatus(t, res, http.StatusSeeOther)
	newID := classIDOf(t, res)
	wantContains(t, adm.get(res.header.Get("Location")).body, "Classe SIO2 SISR créée pour 2027-2028 : 2 étudiants.")
	c, err := y.app.store.ClassByID(ctx, newID)
	if err != nil || c.Referentiel != "sio-2019" || c.Parcours != "SISR" || c.SchoolYear != "2027-2028" {
		t.Errorf("new class %+v, %v", c, err)
	}
	students, teachers := memberIDs(t, y.app, newID)
	if fmt.Sprint(students) != fmt.Sprint([]int64{y.lea.ID, y.max.ID}) || len(teachers) != 0 {
		t.Errorf("new class: students %v, teachers %v", students, teachers)
	}
	if old, err := y.app.store.ClassByID(ctx, y.classID); err != nil || old.Archived {
		t.Errorf("old class %+v, %v", old, err)
	}
	// Nobody is read-only: every class is running.
	zoe := y.app.login("zoe@example.org")
	wantStatus(t, zoe.get("/realisations/new"), http.StatusOK)

	// A name without a "1" gets « (2e année) » by default.
	for name, want := range map[string]string{
		"SIO1 A": "SIO2 A", "1SIO": "2SIO", "BTS SIO": "BTS SIO (2e année)", "SIO 11": "SIO 11 (2e année)",
		"Groupe 2 - 1": "Groupe 2 - 1", "SIO2 SISR (blocs 2019)": "SIO2 SISR (blocs 2019)",
		"BTS SIO 1re année": "BTS SIO 2e année", "BTS SIO 2e année": "BTS SIO 2e année",
	} {
		if got := nextClassName(name); got != want {
			t.Errorf("nextClassName(%q) = %q, want %q", name, got, want)
		}
	}
	if got := nextSchoolYear("2026-2027"); got != "2027-2028" {
		t.Errorf("nextSchoolYear: %q", got)
	}
}

func TestMoveClassOnRefused(t *testing.T) {
	y := newYearOne(t, "sio-2011", "SLAM")
	ctx := context.Background()
	if _, err := y.app.store.CreateClass(ctx, store.Class{Name: "SIO2 A", SchoolYear: "2027-2028"}); err != nil {
		t.Fatal(err)
	}
	stranger := y.app.addUser("ailleurs@example.org", portfolio.RoleStudent, "SLAM")
	adm := y.app.login("admin@example.org")
	all := []int64{y.lea.ID, y.max.ID, y.zoe.ID}
	for _, tc := range []struct {
		name string
		form url.Values
		want []string
	}{
		{"empty name", moveForm("  ", "2027-2028", true, true, all...), []string{`id="err-move-name"`, "Le nom de la classe est obligatoire."}},
		{"year not AAAA-AAAA", moveForm("SIO2 B", "2027/2028", true, true, all...), []string{`id="err-move-year"`, "sous la forme 2026-2027", `value="2027/2028"`}},
		{"years not consecutive", moveForm("SIO2 B", "2027-2029", true, true, all...), []string{`id="err-move-year"`, "La seconde année doit suivre la première"}},
		{"name taken that year", moveForm("sio2 a", "2027-2028", true, true, all...), []string{`id="err-move-name"`, "Une classe porte déjà ce nom pour l&#39;année 2027-2028"}},
		{"no student", moveForm("SIO2 B", "2027-2028", true, true), []string{`id="err-move-students"`, "Cochez au moins un étudiant"}},
		{"student not in the class", moveForm("SIO2 B", "2027-2028", true, true, y.lea.ID, stranger.ID), []string{`id="err-move-students"`, "pas dans cette classe"}},
		{"not an id", moveForm("SIO2 B", "2027-2028", true, true, y.lea.ID, 0), []string{`id="err-move-students"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := classWritten(t, y.app)
			res := adm.post(y.movePath(), tc.form)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res.body, tc.want...)
			wantContains(t, res.body, "Rien n'a été créé")
			if after := classWritten(t, y.app); after != before {
				t.Errorf("written: %s, then %s", before, after)
			}
		})
	}
	// The input is kept: the name typed, the students ticked or not.
	res := adm.post(y.movePath(), moveForm("SIO2 B", "2027-2029", false, true, y.max.ID))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, `id="move-name" name="name" value="SIO2 B"`, `value="2027-2029"`,
		fmt.Sprintf(`name="students" value="%d" checked`, y.max.ID), `id="move-archive" name="archive" value="1" checked`)
	wantNotContains(t, res.body, fmt.Sprintf(`name="students" value="%d" checked`, y.lea.ID), `id="move-teachers" name="keep_teachers" value="1" checked`)
	if c, err := y.app.store.ClassByID(ctx, y.classID); err != nil || c.Archived {
		t.Errorf("old class %+v, %v", c, err)
	}
}

func TestMoveClassOnIsForAdmins(t *testing.T) {
	y := newYearOne(t, "sio-2011", "SLAM")
	before := classWritten(t, y.app)
	for _, email := range []string{"prof@example.org", "lea@example.org"} {
		res := y.app.login(email).post(y.movePath(), moveForm("SIO2 A", "2027-2028", true, true, y.lea.ID))
		if res.status != http.StatusForbidden && res.status != http.StatusNotFound {
			t.Errorf("%s: status %d", email, res.status)
		}
	}
	res := y.app.client().post(y.movePath(), moveForm("SIO2 A", "2027-2028", true, true, y.lea.ID))
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login") {
		t.Errorf("anonymous: status %d to %q", res.status, res.header.Get("Location"))
	}
	if after := classWritten(t, y.app); after != before {
		t.Errorf("written: %s, then %s", before, after)
	}
}

// TestArchivedClassReadOnlyForTeachers: the teacher of an archived class
// still reads its students' work but changes nothing; an admin still may,
// and so does a teacher of the student in a running class.
func TestArchivedClassReadOnlyForTeachers(t *testing.T) {
	y := newYearOne(t, "sio-2011", "SLAM")
	ctx := context.Background()
	id := y.app.addRealisation(y.lea.ID, sampleInput("Supervision du réseau"))
	if err := y.app.store.ApplyTransition(ctx, y.lea.ID, id, 1, portfolio.ActSubmit, portfolio.StatusDraft, portfolio.StatusSubmitted, y.lea.ID, ""); err != nil {
		t.Fatal(err)
	}
	adm := y.app.login("admin@example.org")
	// Léa and Max move on, to a new teacher; SIO1 A is archived.
	res := adm.post(y.movePath(), moveForm("SIO2 A", "2027-2028", false, true, y.lea.ID, y.max.ID))
	wantStatus(t, res, http.StatusSeeOther)
	newID := classIDOf(t, res)
	if err := y.app.store.AssignTeacher(ctx, newID, y.sub.ID); err != nil {
		t.Fatal(err)
	}

	prof := y.app.login("prof@example.org")
	staff := fmt.Sprintf("/students/%d/realisations/%d", y.lea.ID, id)
	// Reading still works.
	res = prof.get(fmt.Sprintf("/classes/%d", y.classID))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Classe archivée — lecture seule.", "Supervision du réseau")
	wantNotContains(t, res.body, `id="activation-sheet"`)
	res = prof.get(fmt.Sprintf("/students/%d", y.lea.ID))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Classe archivée — lecture seule.")
	wantStatus(t, prof.get(fmt.Sprintf("/students/%d/tableau", y.lea.ID)), http.StatusOK)
	res = prof.get(staff)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Classe archivée — lecture seule.", "Supervision du réseau")
	wantNotContains(t, res.body, `/review"`, `/comments"`, `id="validate"`, `class="comment-form"`)
	// Every change is refused.
	for _, x := range []struct {
		path string
		form url.Values
	}{
		{staff + "/review", review(staff, 2, "validate", "")},
		{staff + "/review", review(staff, 2, "rework", "Précise le contexte.")},
		{staff + "/review", review(staff, 2, "reopen", "Rouvre.")},
		{staff + "/comments", url.Values{"body": {"Un commentaire."}}},
		{fmt.Sprintf("/classes/%d/activation-sheet", y.classID), nil},
	} {
		res := prof.post(x.path, x.form)
		wantStatus(t, res, http.StatusForbidden)
		wantContains(t, res.body, "Cette classe est archivée : elle est en lecture seule.")
	}
	if r, err := y.app.store.GetRealisation(ctx, y.lea.ID, id); err != nil || r.Status != portfolio.StatusSubmitted {
		t.Fatalf("after refusals: %+v, %v", r, err)
	}
	if n, err := y.app.store.Comments(ctx, id); err != nil || len(n) != 0 {
		t.Fatalf("comments %v, %v", n, err)
	}

	// The teacher of SIO2 A, and an admin, act.
	sub := y.app.login("remplacant@example.org")
	res = sub.get(staff)
	wantContains(t, res.body, `id="validate"`, `class="comment-form"`)
	wantNotContains(t, res.body, "Classe archivée")
	wantStatus(t, sub.post(staff+"/comments", url.Values{"body": {"Vu en deuxième année."}}), http.StatusSeeOther)
	res = adm.get(staff)
	wantContains(t, res.body, `id="validate"`)
	wantNotContains(t, res.body, `id="read-only"`)
	wantStatus(t, adm.post(staff+"/review", review(staff, 2, "validate", "")), http.StatusSeeOther)

	// staffMayChange, for the handlers to come.
	for _, x := range []struct {
		who  portfolio.User
		want bool
	}{{y.prof, false}, {y.sub, true}, {y.adm, true}} {
		if ok, err := y.app.srv.staffMayChange(ctx, &x.who, y.lea.ID); err != nil || ok != x.want {
			t.Errorf("staffMayChange(%s) = %v, %v", x.who.Email, ok, err)
		}
	}
}

// TestArchivedClassReadOnlyForStudents: a student whose classes are all
// archived reads their portfolio and changes nothing; one in no class at
// all is not concerned.
func TestArchivedClassReadOnlyForStudents(t *testing.T) {
	y := newYearOne(t, "sio-2011", "SLAM")
	ctx := context.Background()
	draft := y.app.addRealisation(y.zoe.ID, sampleInput("Brouillon de Zoé"))
	adm := y.app.login("admin@example.org")
	// Zoé does not move on: her only class is archived.
	wantStatus(t, adm.post(y.movePath(), moveForm("SIO2 A", "2027-2028", true, true, y.lea.ID, y.max.ID)), http.StatusSeeOther)

	zoe := y.app.login("zoe@example.org")
	own := fmt.Sprintf("/realisations/%d", draft)
	res := zoe.get("/realisations")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Classe archivée — lecture seule.", "Brouillon de Zoé")
	wantNotContains(t, res.body, `href="/realisations/new"`)
	res = zoe.get(own)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Classe archivée — lecture seule.")
	wantNotContains(t, res.body, own+"/edit", own+"/submit", own+"/delete", own+"/tableau", own+"/evidence", `class="comment-form"`)
	wantStatus(t, zoe.get("/tableau"), http.StatusOK)

	version := url.Values{"version": {"1"}}
	for _, x := range []struct {
		method, path string
		form         url.Values
	}{
		{"GET", "/realisations/new", nil},
		{"POST", "/realisations", formOf(sampleInput("Nouvelle"))},
		{"GET", own + "/edit", nil},
		{"POST", own, withVersion(formOf(sampleInput("Modifiée")), 1)},
		{"POST", own + "/submit", version},
		{"POST", own + "/withdraw", version},
		{"POST", own + "/duplicate", nil},
		{"GET", own + "/delete", nil},
		{"POST", own + "/delete", version},
		{"POST", own + "/comments", url.Values{"body": {"Une question."}}},
		{"POST", own + "/tableau", url.Values{"on_tableau": {"hide"}}},
		{"POST", own + "/fiche", url.Values{"fiche": {"1"}}},
		{"POST", own + "/evidence", nil},
		{"POST", own + "/evidence/1/delete", nil},
	} {
		var res response
		if x.method == "GET" {
			res = zoe.get(x.path)
		} else {
			res = zoe.post(x.path, x.form)
		}
		if res.status != http.StatusForbidden || !strings.Contains(res.body, "est archivée : elle est en lecture seule.") {
			t.Errorf("%s %s: status %d", x.method, x.path, res.status)
		}
	}
	r, err := y.app.store.GetRealisation(ctx, y.zoe.ID, draft)
	if err != nil || r.Title != "Brouillon de Zoé" || r.Status != portfolio.StatusDraft || r.Version != 1 {
		t.Fatalf("after refusals: %+v, %v", r, err)
	}
	if n, err := y.app.store.CountRealisations(ctx, y.zoe.ID); err != nil || n != 1 {
		t.Fatalf("%d réalisations, %v", n, err)
	}
	if ro, err := y.app.srv.studentReadOnly(ctx, y.zoe.ID); err != nil || !ro {
		t.Errorf("studentReadOnly(zoe) = %v, %v", ro, err)
	}

	// Léa is in the archived class and in SIO2 A: she still edits.
	lea := y.app.login("lea@example.org")
	id := y.app.addRealisation(y.lea.ID, sampleInput("Réalisation de Léa"))
	wantStatus(t, lea.post(fmt.Sprintf("/realisations/%d", id), withVersion(formOf(sampleInput("Réalisation de Léa, reprise")), 1)), http.StatusSeeOther)

	// A student in no class is not concerned.
	y.app.addUser("seule@example.org", portfolio.RoleStudent, "SLAM")
	seule := y.app.login("seule@example.org")
	wantStatus(t, seule.post("/realisations", formOf(sampleInput("Sans classe"))), http.StatusSeeOther)
	wantNotContains(t, seule.get("/realisations").body, "Classe archivée")

	// Enrolled again in a running class, Zoé works again.
	if err := y.app.store.Enrol(ctx, mustClass(t, y.app, "SIO2 A"), y.zoe.ID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, zoe.post(own, withVersion(formOf(sampleInput("Modifiée")), 1)), http.StatusSeeOther)
}

func mustClass(t *testing.T, app *testApp, name string) int64 {
	t.Helper()
	var id int64
	if err := app.store.DB.QueryRow(`SELECT id FROM classes WHERE name = ?`, name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
