package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
)

// classroom is a class with a teacher and two students, and a teacher and
// a student elsewhere.
type classroom struct {
	app                 *testApp
	classID             int64
	lea, max, other     portfolio.User // lea and max in the class, other not
	prof, outsider, adm portfolio.User
}

func newClassroom(t testing.TB) *classroom {
	t.Helper()
	return newClassroomConfig(t, nil)
}

// newClassroomConfig is newClassroom with a change to the server
// configuration.
func newClassroomConfig(t testing.TB, change func(*Config)) *classroom {
	t.Helper()
	app := newTestAppConfig(t, "sqlite", change)
	c := &classroom{app: app}
	c.lea = app.addUser("lea@example.org", portfolio.RoleStudent, "SLAM")
	c.max = app.addUser("max@example.org", portfolio.RoleStudent, "SLAM")
	c.other = app.addUser("other@example.org", portfolio.RoleStudent, "SISR")
	c.prof = app.addUser("prof@example.org", portfolio.RoleTeacher, "")
	c.outsider = app.addUser("outsider@example.org", portfolio.RoleTeacher, "")
	c.adm = app.addUser("admin@example.org", portfolio.RoleAdmin, "")
	ctx := context.Background()
	var err error
	c.classID, err = app.store.CreateClass(ctx, store.Class{Name: "SIO2 SLAM", SchoolYear: "2026-2027", Parcours: "SLAM"})
	if err != nil {
		t.Fatal(err)
	}
	otherClass, err := app.store.CreateClass(ctx, store.Class{Name: "SIO2 SISR", SchoolYear: "2026-2027", Parcours: "SISR"})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		app.store.Enrol(ctx, c.classID, c.lea.ID), app.store.Enrol(ctx, c.classID, c.max.ID),
		app.store.AssignTeacher(ctx, c.classID, c.prof.ID),
		app.store.Enrol(ctx, otherClass, c.other.ID), app.store.AssignTeacher(ctx, otherClass, c.outsider.ID),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func (c *classroom) realisation(t *testing.T, id int64) portfolio.Realisation {
	t.Helper()
	r, err := c.app.store.GetRealisation(context.Background(), c.lea.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func review(path string, version int, action, reason string) url.Values {
	return url.Values{"version": {fmt.Sprint(version)}, "action": {action}, "reason": {reason}}
}

func TestReviewWorkflow(t *testing.T) {
	c := newClassroom(t)
	id := c.app.addRealisation(c.lea.ID, sampleInput("Portail des stages"))
	own := fmt.Sprintf("/realisations/%d", id)
	staff := fmt.Sprintf("/students/%d/realisations/%d", c.lea.ID, id)
	lea := c.app.login("lea@example.org")
	prof := c.app.login("prof@example.org")

	// A draft cannot be validated.
	res := prof.post(staff+"/review", review(staff, 1, "validate", ""))
	wantStatus(t, res, http.StatusConflict)
	wantContains(t, res.body, "Seule une réalisation soumise peut être validée")

	wantStatus(t, lea.post(own+"/submit", url.Values{"version": {"1"}}), http.StatusSeeOther)
	if r := c.realisation(t, id); r.Status != portfolio.StatusSubmitted || r.Version != 2 {
		t.Fatalf("after submit: %s v%d", r.Status, r.Version)
	}
	// Submitted: the student can no longer edit it, only withdraw it.
	wantStatus(t, lea.get(own+"/edit"), http.StatusConflict)
	wantStatus(t, lea.post(own, withVersion(formOf(sampleInput("Changé")), 2)), http.StatusConflict)

	// The teacher's page leads back to the class.
	wantContains(t, prof.get(staff).body, fmt.Sprintf(`› <a href="/classes/%d">SIO2 SLAM</a>`, c.classID))
	// A student also in a class the teacher does not teach: only the
	// teacher's class is in the breadcrumb.
	if err := c.app.store.Enrol(context.Background(), c.classID, c.other.ID); err != nil {
		t.Fatal(err)
	}
	res = prof.get(fmt.Sprintf("/students/%d", c.other.ID))
	wantContains(t, res.body, `">SIO2 SLAM</a>`)
	wantNotContains(t, res.body, `">SIO2 SISR</a>`)

	// Rework needs a reason.
	res = prof.post(staff+"/review", review(staff, 2, "rework", "   "))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, `id="err-reason-rework"`, "Indiquez la raison")
	res = prof.post(staff+"/review", review(staff, 2, "rework", "Décris les tests réalisés."))
	wantStatus(t, res, http.StatusSeeOther)

	// The student sees the reason, with a badge on the list until read.
	res = lea.get("/realisations")
	wantContains(t, res.body, ">nouveau<")
	res = lea.get(own)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "À reprendre", "Décris les tests réalisés.")
	wantNotContains(t, lea.get("/realisations").body, ">nouveau<")
	// The edit form repeats it, also when the form comes back with an error.
	wantContains(t, lea.get(own+"/edit").body, "raison donnée par l'enseignant", "Décris les tests réalisés.")
	bad := withVersion(formOf(sampleInput("")), 3)
	res = lea.post(own, bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Décris les tests réalisés.")

	// Edit and resubmit.
	in := sampleInput("Portail des stages (tests décrits)")
	wantStatus(t, lea.post(own, withVersion(formOf(in), 3)), http.StatusSeeOther)
	wantStatus(t, lea.post(own+"/submit", url.Values{"version": {"4"}}), http.StatusSeeOther)
	wantStatus(t, prof.post(staff+"/review", review(staff, 5, "validate", "")), http.StatusSeeOther)

	r := c.realisation(t, id)
	if r.Status != portfolio.StatusValidated || r.ValidatorName != "Prénom prof" {
		t.Fatalf("after validation: %s by %q", r.Status, r.ValidatorName)
	}
	// Validated: read-only for the student.
	wantStatus(t, lea.get(own+"/edit"), http.StatusConflict)
	wantStatus(t, lea.post(own+"/delete", url.Values{"version": {"6"}}), http.StatusConflict)
	wantStatus(t, lea.post(own+"/withdraw", url.Values{"version": {"6"}}), http.StatusConflict)
	res = lea.get(own)
	wantNotContains(t, res.body, own+"/edit")
	wantContains(t, res.body, "Validée par Prénom prof.")

	// The history lists every transition with its author and reason.
	events, err := c.app.store.Events(context.Background(), id)
	if err != nil || len(events) != 4 {
		t.Fatalf("events %v, %v", events, err)
	}
	if events[1].To != portfolio.StatusRework || events[1].Reason != "Décris les tests réalisés." || events[1].ActorName != "Prénom prof" {
		t.Errorf("rework event %+v", events[1])
	}
	wantContains(t, prof.get(staff).body, "Historique", "Soumise → <strong>Validée</strong>")

	// Only a teacher reopens it, with a reason; then the student can edit.
	wantStatus(t, prof.post(staff+"/review", review(staff, 6, "reopen", "")), http.StatusUnprocessableEntity)
	wantStatus(t, prof.post(staff+"/review", review(staff, 6, "reopen", "Ajoute la capture d'écran.")), http.StatusSeeOther)
	wantStatus(t, lea.get(own+"/edit"), http.StatusOK)

	// Students cannot use the staff routes, even on their own work.
	wantStatus(t, lea.post(staff+"/review", review(staff, 7, "validate", "")), http.StatusForbidden)
	// An unknown action is a bad request.
	wantStatus(t, prof.post(staff+"/review", review(staff, 7, "approve", "")), http.StatusBadRequest)
	c.app.assertCoverageFresh()
}

func TestSubmitNeedsAnActivity(t *testing.T) {
	c := newClassroom(t)
	in := sampleInput("Sans activité")
	in.Activities, in.Competences = nil, nil
	id := c.app.addRealisation(c.lea.ID, in)
	res := c.app.login("lea@example.org").post(fmt.Sprintf("/realisations/%d/submit", id), url.Values{"version": {"1"}})
	wantStatus(t, res, http.StatusConflict)
	wantContains(t, res.body, "Cochez au moins une activité avant de soumettre")
}

// TestStaleVersion: an action taken on an outdated page is refused with the
// current state, and nothing changes.
func TestStaleVersion(t *testing.T) {
	c := newClassroom(t)
	id := c.app.addRealisation(c.lea.ID, sampleInput("Version"))
	lea := c.app.login("lea@example.org")
	own := fmt.Sprintf("/realisations/%d", id)
	wantStatus(t, lea.post(own, withVersion(formOf(sampleInput("Onglet 1")), 1)), http.StatusSeeOther)
	res := lea.post(own, withVersion(formOf(sampleInput("Onglet 2")), 1))
	wantStatus(t, res, http.StatusConflict)
	wantContains(t, res.body, "Vos modifications n&#39;ont pas été enregistrées", "Onglet 1")
	if r := c.realisation(t, id); r.Title != "Onglet 1" {
		t.Fatalf("stale edit won: %q", r.Title)
	}
}

// TestConcurrentTeachers: two teachers act on the same submitted
// réalisation at the same moment; exactly one change wins, the other is
// told, and the history holds exactly the winning change.
func TestConcurrentTeachers(t *testing.T) {
	c := newClassroom(t)
	second := c.app.addUser("prof2@example.org", portfolio.RoleTeacher, "")
	if err := c.app.store.AssignTeacher(context.Background(), c.classID, second.ID); err != nil {
		t.Fatal(err)
	}
	p1, p2 := c.app.login("prof@example.org"), c.app.login("prof2@example.org")
	for round := 0; round < 10; round++ {
		id := c.app.addRealisation(c.lea.ID, sampleInput(fmt.Sprintf("Course %d", round)))
		r := c.realisation(t, id)
		if err := c.app.store.ApplyTransition(context.Background(), c.lea.ID, id, r.Version, portfolio.ActSubmit, r.Status, portfolio.StatusSubmitted, c.lea.ID, ""); err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/students/%d/realisations/%d/review", c.lea.ID, id)
		var wg sync.WaitGroup
		start := make(chan struct{})
		results := make([]response, 2)
		for i, cl := range []*client{p1, p2} {
			form := review(path, 2, "validate", "")
			if i == 1 {
				form = review(path, 2, "rework", "Il manque la conclusion.")
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i] = cl.post(path, form)
			}()
		}
		close(start)
		wg.Wait()
		won, lost := 0, 0
		for _, res := range results {
			switch res.status {
			case http.StatusSeeOther:
				won++
			case http.StatusConflict:
				lost++
				wantContains(t, res.body, "Action non appliquée")
			default:
				t.Fatalf("round %d: status %d", round, res.status)
			}
		}
		if won != 1 || lost != 1 {
			t.Fatalf("round %d: %d won, %d lost", round, won, lost)
		}
		final := c.realisation(t, id)
		events, _ := c.app.store.Events(context.Background(), id)
		if len(events) != 2 || events[1].To != final.Status || final.Version != 3 {
			t.Fatalf("round %d: status %s v%d, events %+v", round, final.Status, final.Version, events)
		}
	}
}

func TestDeadline(t *testing.T) {
	c := newClassroom(t)
	id := c.app.addRealisation(c.lea.ID, sampleInput("Avant la date limite"))
	second := c.app.addRealisation(c.lea.ID, sampleInput("Autre"))
	ctx := context.Background()
	class, _ := c.app.store.ClassByID(ctx, c.classID)
	// The test clock is 24/11/2026 10:00; the deadline was the day before.
	class.Deadline = portfolio.Deadline{Time: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
	if err := c.app.store.UpdateClass(ctx, class); err != nil {
		t.Fatal(err)
	}
	lea := c.app.login("lea@example.org")
	own := fmt.Sprintf("/realisations/%d", id)
	for _, res := range []response{
		lea.get("/realisations/new"),
		lea.post("/realisations", formOf(sampleInput("Trop tard"))),
		lea.get(own + "/edit"),
		lea.post(own, withVersion(formOf(sampleInput("Trop tard")), 1)),
		lea.post(own+"/submit", url.Values{"version": {"1"}}),
		lea.post(own+"/duplicate", nil),
		lea.post(own+"/delete", url.Values{"version": {"1"}}),
		lea.post(own+"/tableau", url.Values{"on_tableau": {"show"}}),
	} {
		wantStatus(t, res, http.StatusForbidden)
		wantContains(t, res.body, "La date limite de saisie de votre classe (23/11/2026) est passée")
	}
	// What the tableau shows is fixed too: the choice is shown, not offered.
	if r, _ := c.app.store.GetRealisation(ctx, c.lea.ID, id); r.Tableau != portfolio.TableauAuto {
		t.Fatalf("visibility changed after the deadline: %q", r.Tableau)
	}
	wantNotContains(t, lea.get(own).body, `action="`+own+`/tableau"`)
	res := lea.get("/realisations")
	wantContains(t, res.body, "La date limite de saisie (23/11/2026) est passée")
	wantNotContains(t, res.body, `href="/realisations/new"`)

	// The teacher reopens one réalisation: the student may edit and submit
	// that one, and still nothing else.
	prof := c.app.login("prof@example.org")
	staff := fmt.Sprintf("/students/%d/realisations/%d", c.lea.ID, id)
	wantStatus(t, prof.post(staff+"/review", review(staff, 1, "reopen", "Complète la description.")), http.StatusSeeOther)
	wantStatus(t, lea.get(own+"/edit"), http.StatusOK)
	wantStatus(t, lea.post(own, withVersion(formOf(sampleInput("Complétée")), 2)), http.StatusSeeOther)
	wantStatus(t, lea.post(own+"/submit", url.Values{"version": {"3"}}), http.StatusSeeOther)
	wantStatus(t, lea.get(fmt.Sprintf("/realisations/%d/edit", second)), http.StatusForbidden)
	wantStatus(t, lea.get("/realisations/new"), http.StatusForbidden)

	// A réalisation submitted before the deadline and sent back after it
	// can be fixed and resubmitted; once resubmitted, the exemption ends.
	third := c.app.addRealisation(c.lea.ID, sampleInput("Soumise à temps"))
	ctx2 := context.Background()
	if err := c.app.store.ApplyTransition(ctx2, c.lea.ID, third, 1, portfolio.ActSubmit, portfolio.StatusDraft, portfolio.StatusSubmitted, c.lea.ID, ""); err != nil {
		t.Fatal(err)
	}
	staff3 := fmt.Sprintf("/students/%d/realisations/%d", c.lea.ID, third)
	wantStatus(t, prof.post(staff3+"/review", review(staff3, 2, "rework", "Ajoute la conclusion.")), http.StatusSeeOther)
	own3 := fmt.Sprintf("/realisations/%d", third)
	wantStatus(t, lea.post(own3, withVersion(formOf(sampleInput("Soumise à temps, corrigée")), 3)), http.StatusSeeOther)
	wantStatus(t, lea.post(own3+"/submit", url.Values{"version": {"4"}}), http.StatusSeeOther)
	wantStatus(t, lea.post(own3+"/withdraw", url.Values{"version": {"5"}}), http.StatusForbidden)
	// Reopening a draft before the deadline is refused: it is editable.
	class.Deadline = portfolio.Deadline{}
	if err := c.app.store.UpdateClass(ctx, class); err != nil {
		t.Fatal(err)
	}
	staff2 := fmt.Sprintf("/students/%d/realisations/%d", c.lea.ID, second)
	wantStatus(t, prof.post(staff2+"/review", review(staff2, 1, "reopen", "Pour rien.")), http.StatusConflict)

	// Deadline day itself is still open.
	class.Deadline = portfolio.Deadline{Time: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)}
	if err := c.app.store.UpdateClass(ctx, class); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, lea.get("/realisations/new"), http.StatusOK)
}

func TestComments(t *testing.T) {
	c := newClassroom(t)
	id := c.app.addRealisation(c.lea.ID, sampleInput("Commentée"))
	lea, prof := c.app.login("lea@example.org"), c.app.login("prof@example.org")
	own := fmt.Sprintf("/realisations/%d", id)
	staff := fmt.Sprintf("/students/%d/realisations/%d", c.lea.ID, id)

	wantStatus(t, prof.post(staff+"/comments", url.Values{"body": {"La base n'est pas décrite."}, "activity": {"A4.1.3"}}), http.StatusSeeOther)
	res := prof.post(staff+"/comments", url.Values{"body": {"  "}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, `id="err-comment"`, "Écrivez un commentaire.")
	res = prof.post(staff+"/comments", url.Values{"body": {"Sur une activité non cochée"}, "activity": {"A5.2.2"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Sur une activité non cochée</textarea>")

	wantContains(t, lea.get("/realisations").body, ">nouveau<")
	res = lea.get(own)
	wantContains(t, res.body, "La base n&#39;est pas décrite.", `<span class="tag">A4.1.3</span>`, "Commentaires (1)")
	wantStatus(t, lea.post(own+"/comments", url.Values{"body": {"C'est ajouté."}}), http.StatusSeeOther)
	wantContains(t, prof.get(fmt.Sprintf("/students/%d", c.lea.ID)).body, ">nouveau<")
	wantContains(t, prof.get(staff).body, "C&#39;est ajouté.")
}

func TestAdminManagesClasses(t *testing.T) {
	c := newClassroom(t)
	adm := c.app.login("admin@example.org")
	res := adm.post("/admin/classes", url.Values{"name": {""}, "school_year": {"2026-2028"}, "deadline": {"31/06/2027"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Le nom de la classe est obligatoire.", "La seconde année doit suivre la première", "Date invalide")
	res = adm.post("/admin/classes", url.Values{"name": {"SIO2 SLAM"}, "school_year": {"2026-2027"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.body, "Une classe porte déjà ce nom")

	res = adm.post("/admin/classes", url.Values{"name": {"SIO1"}, "school_year": {"2026-2027"}, "deadline": {"2027-05-15"}})
	wantStatus(t, res, http.StatusSeeOther)
	path := res.header.Get("Location")
	// Students to enrol are found by search; without one, the page offers
	// those in no class (here: none).
	wantContains(t, adm.get(path).body, "Aucun : cherchez un étudiant par son nom ou son e-mail.")
	res = adm.get(path + "?q=OTHER")
	wantContains(t, res.body, "other@example.org", `aria-label="Inscrire Prénom other"`, `value="OTHER"`)
	wantNotContains(t, res.body, "lea@example.org")
	wantStatus(t, adm.post(path+"/students", url.Values{"student_id": {fmt.Sprint(c.other.ID)}}), http.StatusSeeOther)
	wantContains(t, adm.get(path+"?q=other").body, "Aucun étudiant à inscrire ne correspond.")
	for i := 0; i < 22; i++ {
		c.app.addUser(fmt.Sprintf("nouveau%02d@example.org", i), portfolio.RoleStudent, "SLAM")
	}
	res = adm.get(path)
	wantContains(t, res.body, "nouveau00@example.org", "Les 20 premiers sont listés : précisez la recherche.")
	wantNotContains(t, res.body, "nouveau21@example.org", "lea@example.org")

	// A student of another parcours is flagged, and enrolling them warns.
	slam := fmt.Sprintf("/admin/classes/%d", c.classID)
	wantContains(t, adm.get(slam+"?q=other").body, "parcours SISR, pas SLAM")
	wantStatus(t, adm.post(slam+"/students", url.Values{"student_id": {fmt.Sprint(c.other.ID)}}), http.StatusSeeOther)
	wantContains(t, adm.get(slam).body, "Attention : son parcours (SISR) n&#39;est pas celui de la classe (SLAM).")
	wantStatus(t, adm.post(path+"/teachers", url.Values{"teacher_id": {fmt.Sprint(c.outsider.ID)}}), http.StatusSeeOther)
	// A teacher cannot be enrolled as a student.
	wantStatus(t, adm.post(path+"/students", url.Values{"student_id": {fmt.Sprint(c.prof.ID)}}), http.StatusBadRequest)
	res = adm.get(path)
	wantContains(t, res.body, "Étudiants (1)", "Enseignants (1)", "other@example.org", `value="2027-05-15"`)

	wantStatus(t, adm.post(path, url.Values{"name": {"SIO1 renommée"}, "school_year": {"2026-2027"}, "archived": {"1"}}), http.StatusSeeOther)
	res = adm.get("/admin/classes")
	wantContains(t, res.body, "SIO1 renommée", "archivée")
	wantStatus(t, adm.post(path+fmt.Sprintf("/students/%d/remove", c.other.ID), nil), http.StatusSeeOther)
	wantContains(t, adm.get(path).body, "Étudiants (0)")

	// Teachers and students cannot manage classes.
	for _, email := range []string{"prof@example.org", "lea@example.org"} {
		cl := c.app.login(email)
		wantStatus(t, cl.get("/admin/classes"), http.StatusForbidden)
		wantStatus(t, cl.post("/admin/classes", url.Values{"name": {"X"}, "school_year": {"2026-2027"}}), http.StatusForbidden)
	}
}

func TestClassDashboard(t *testing.T) {
	c := newClassroom(t)
	v := c.app.addRealisation(c.lea.ID, sampleInput("Validée"))
	c.app.validate(c.lea.ID, v, c.prof.ID)
	pending := sampleInput("En cours")
	pending.Activities, pending.Competences = []string{"A5.2.2"}, nil
	old := c.app.addRealisation(c.max.ID, pending)
	newer := c.app.addRealisation(c.lea.ID, pending)
	ctx := context.Background()
	for _, x := range []struct{ student, id int64 }{{c.max.ID, old}, {c.lea.ID, newer}} {
		if err := c.app.store.ApplyTransition(ctx, x.student, x.id, 1, portfolio.ActSubmit, portfolio.StatusDraft, portfolio.StatusSubmitted, x.student, ""); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond) // status_changed_at has a one-second resolution
	}
	prof := c.app.login("prof@example.org")
	res := prof.get(fmt.Sprintf("/classes/%d", c.classID))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "À relire (2)")
	for _, want := range []string{"A1.1.1 : validée", "A5.2.2 : en cours (non validée)", "A1.1.2 : non couverte"} {
		code, _, _ := strings.Cut(want, " : ")
		if got := heatCellOf(t, res.body, "lea ", code); got != want {
			t.Errorf("heat map: %q, want %q", got, want)
		}
	}
	if i, j := strings.Index(res.body, fmt.Sprintf("/realisations/%d\"", old)), strings.Index(res.body, fmt.Sprintf("/realisations/%d\"", newer)); i < 0 || j < 0 || i > j {
		t.Errorf("queue not oldest first (%d, %d)", i, j)
	}
	// The home page lists the class with its pending count.
	wantContains(t, prof.get("/").body, "SIO2 SLAM", `<span class="badge">2</span>`)
	c.app.assertCoverageFresh()
	// Another teacher's class is not reachable.
	wantStatus(t, c.app.login("outsider@example.org").get(fmt.Sprintf("/classes/%d", c.classID)), http.StatusNotFound)
}

// TestAuthorisationMatrix walks every route with each role and with
// someone else's ids, and checks who gets what.
func TestAuthorisationMatrix(t *testing.T) {
	c := newClassroom(t)
	leaR := c.app.addRealisation(c.lea.ID, sampleInput("De Léa"))
	otherR := c.app.addRealisation(c.other.ID, sampleInput("De l'autre classe"))
	ver := url.Values{"version": {"1"}}
	own := func(id int64) string { return fmt.Sprintf("/realisations/%d", id) }
	staff := func(student, id int64) string { return fmt.Sprintf("/students/%d/realisations/%d", student, id) }

	type route struct {
		method, path string
		form         url.Values
	}
	studentRoutes := func(id int64) []route {
		p := own(id)
		return []route{
			{"GET", p, nil}, {"GET", p + "/edit", nil}, {"GET", p + "/delete", nil},
			{"POST", p, withVersion(formOf(sampleInput("x")), 1)}, {"POST", p + "/duplicate", nil},
			{"POST", p + "/delete", ver}, {"POST", p + "/submit", ver}, {"POST", p + "/withdraw", ver},
			{"POST", p + "/comments", url.Values{"body": {"x"}}}, {"POST", p + "/tableau", url.Values{"on_tableau": {"show"}}},
		}
	}
	// staffRoutes: the student's pages, then (from index 4) the routes of
	// one réalisation.
	staffRoutes := func(student, id int64) []route {
		s := fmt.Sprintf("/students/%d", student)
		return []route{
			{"GET", s, nil}, {"GET", s + "/tableau", nil}, {"GET", s + "/tableau.csv", nil}, {"GET", s + "/tableau.pdf", nil},
			{"GET", staff(student, id), nil},
			{"POST", staff(student, id) + "/review", review("", 1, "reopen", "x")},
			{"POST", staff(student, id) + "/comments", url.Values{"body": {"x"}}},
		}
	}
	classRoutes := []route{{"GET", fmt.Sprintf("/classes/%d", c.classID), nil},
		{"POST", fmt.Sprintf("/classes/%d/export", c.classID), url.Values{"paper": {"A3"}}},
		{"POST", fmt.Sprintf("/classes/%d/activation-sheet", c.classID), nil}}
	adminRoutes := []route{
		{"GET", "/admin/classes", nil}, {"POST", "/admin/classes", url.Values{"name": {"Z"}, "school_year": {"2026-2027"}}},
		{"GET", fmt.Sprintf("/admin/classes/%d", c.classID), nil},
		{"POST", fmt.Sprintf("/admin/classes/%d", c.classID), url.Values{"name": {"SIO2 SLAM"}, "school_year": {"2026-2027"}, "parcours": {"SLAM"}}},
		{"POST", fmt.Sprintf("/admin/classes/%d/students", c.classID), url.Values{"student_id": {fmt.Sprint(c.other.ID)}}},
		{"POST", fmt.Sprintf("/admin/classes/%d/students/%d/remove", c.classID, c.other.ID), nil},
		{"POST", fmt.Sprintf("/admin/classes/%d/teachers", c.classID), url.Values{"teacher_id": {fmt.Sprint(c.outsider.ID)}}},
		{"POST", fmt.Sprintf("/admin/classes/%d/teachers/%d/remove", c.classID, c.outsider.ID), nil},
		{"GET", fmt.Sprintf("/admin/classes/%d/import", c.classID), nil},
		{"POST", fmt.Sprintf("/admin/classes/%d/import/confirm", c.classID), url.Values{"data": {"bm9tO3Byw6lub207ZW1haWwKQTtCO2FiQGV4YW1wbGUub3JnCg=="}}},
		{"GET", "/admin/users", nil}, {"GET", "/admin/users/new", nil}, {"GET", "/admin/audit", nil},
		{"POST", "/admin/users", url.Values{"first_name": {"A"}, "last_name": {"B"}, "email": {"new@example.org"}, "role": {"teacher"}}},
		{"GET", fmt.Sprintf("/admin/users/%d", c.other.ID), nil},
		{"POST", fmt.Sprintf("/admin/users/%d/activation", c.other.ID), nil},
		{"GET", fmt.Sprintf("/admin/users/%d/delete", c.other.ID), nil},
	}
	ownPages := []route{{"GET", "/realisations", nil}, {"GET", "/realisations/new", nil}, {"GET", "/tableau", nil},
		{"GET", "/tableau.csv", nil}, {"GET", "/tableau.pdf", nil}, {"GET", "/compte/donnees.zip", nil}}

	check := func(t *testing.T, cl *client, routes []route, allowed func(int) bool, want string) {
		t.Helper()
		for _, rt := range routes {
			var res response
			if rt.method == "GET" {
				res = cl.get(rt.path)
			} else {
				res = cl.post(rt.path, rt.form)
			}
			if !allowed(res.status) {
				t.Errorf("%s %s: status %d, want %s", rt.method, rt.path, res.status, want)
			}
		}
	}
	ok := func(s int) bool { return s == 200 || s == 303 || s == 409 || s == 422 }
	is := func(code int) func(int) bool { return func(s int) bool { return s == code } }

	t.Run("anonymous", func(t *testing.T) {
		anon := c.app.client()
		all := append(append(append(append(studentRoutes(leaR), staffRoutes(c.lea.ID, leaR)...), classRoutes...), adminRoutes...), ownPages...)
		check(t, anon, all, is(303), "a redirect to the login page")
	})
	t.Run("student", func(t *testing.T) {
		max := c.app.login("max@example.org")
		check(t, max, studentRoutes(leaR), is(404), "404 (someone else's)")
		check(t, max, staffRoutes(c.lea.ID, leaR), is(403), "403")
		check(t, max, classRoutes, is(403), "403")
		check(t, max, adminRoutes, is(403), "403")
		check(t, max, ownPages, ok, "allowed")
		lea := c.app.login("lea@example.org")
		check(t, lea, studentRoutes(leaR), ok, "allowed (own)")
	})
	t.Run("teacher", func(t *testing.T) {
		prof := c.app.login("prof@example.org")
		check(t, prof, studentRoutes(leaR), is(403), "403 (student routes)")
		check(t, prof, ownPages, is(403), "403")
		check(t, prof, staffRoutes(c.lea.ID, leaR), ok, "allowed (own class)")
		check(t, prof, staffRoutes(c.other.ID, otherR), is(404), "404 (other class)")
		check(t, prof, staffRoutes(c.lea.ID, otherR)[4:], is(404), "404 (id of another student)")
		check(t, prof, staffRoutes(c.prof.ID, leaR), is(404), "404 (not a student)")
		check(t, prof, classRoutes, ok, "allowed")
		check(t, prof, adminRoutes, is(403), "403")
		check(t, c.app.login("outsider@example.org"), append(staffRoutes(c.lea.ID, leaR), classRoutes...), is(404), "404")
	})
	t.Run("admin", func(t *testing.T) {
		adm := c.app.login("admin@example.org")
		check(t, adm, append(append(staffRoutes(c.other.ID, otherR), classRoutes...), adminRoutes...), ok, "allowed")
		check(t, adm, studentRoutes(leaR), is(403), "403 (student routes)")
		check(t, adm, staffRoutes(c.lea.ID, otherR)[4:], is(404), "404 (mismatched ids)")
	})
}

// TestTableauNeverStale: the tableau's cached réalisations follow every
// change: edits, visibility, review, and the renaming of the teacher who
// validated.
func TestTableauNeverStale(t *testing.T) {
	c := newClassroom(t)
	id := c.app.addRealisation(c.lea.ID, sampleInput("Version 1"))
	lea := c.app.login("lea@example.org")
	wantNotContains(t, lea.get("/tableau").body, "Version 1")
	wantStatus(t, lea.post(fmt.Sprintf("/realisations/%d/tableau", id), url.Values{"on_tableau": {"show"}}), http.StatusSeeOther)
	wantContains(t, lea.get("/tableau").body, "Version 1")
	wantStatus(t, lea.post(fmt.Sprintf("/realisations/%d", id), withVersion(formOf(sampleInput("Version 2")), 1)), http.StatusSeeOther)
	wantContains(t, lea.get("/tableau").body, "Version 2")
	c.app.validate(c.lea.ID, id, c.prof.ID)
	wantContains(t, lea.get("/tableau").body, "Réalisations validées par : Prénom prof.")
	adm := c.app.login("admin@example.org")
	wantStatus(t, adm.post(fmt.Sprintf("/admin/users/%d", c.prof.ID), url.Values{"first_name": {"Claire"}, "last_name": {"Dubois"},
		"email": {"prof@example.org"}, "role": {"teacher"}}), http.StatusSeeOther)
	wantContains(t, lea.get("/tableau").body, "Réalisations validées par : Claire Dubois.")
}
