package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	"github.com/portfolio-sio/portfolio/internal/store"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
	"github.com/portfolio-sio/portfolio/web"
)

// The tableau page, its PDF and the class dashboard are kept rendered
// (pageCache). These tests serve each page, so that it is cached, make one
// change a user can make, and check that the very next request shows it.

func TestTableauCacheShowsEveryChange(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC).Unix())
	c := newClassroomConfig(t, func(cfg *Config) {
		cfg.Now = func() time.Time { return time.Unix(clock.Load(), 0).UTC() }
	})
	id := c.app.addRealisation(c.lea.ID, sampleInput("Première version du portail"))
	c.app.validate(c.lea.ID, id, c.prof.ID)
	lea := c.app.login("lea@example.org")
	prof := c.app.login("prof@example.org")
	adm := c.app.login("admin@example.org")
	staff := fmt.Sprintf("/students/%d/tableau", c.lea.ID)

	// seen fetches the student's and the teacher's tableau pages twice
	// (the second from the cache) and the student's PDF, and checks them.
	seen := func(step string, want, gone string) {
		t.Helper()
		for i := 0; i < 2; i++ {
			for _, page := range []struct {
				who  *client
				path string
			}{{lea, "/tableau"}, {prof, staff}} {
				res := page.who.get(page.path)
				wantStatus(t, res, http.StatusOK)
				if !strings.Contains(res.body, want) || (gone != "" && strings.Contains(res.body, gone)) {
					t.Fatalf("%s: %s (request %d) shows %q: %v, and %q: %v", step, page.path, i+1,
						want, strings.Contains(res.body, want), gone, strings.Contains(res.body, gone))
				}
			}
		}
		if strings.HasPrefix(want, "<") { // markup: not in the PDF's text
			return
		}
		// The working document shows what the page shows; the official
		// sheet too, but for what the 2011 model has no place for (the
		// jury's address, the generation time).
		pdfs := []string{"/tableau-travail.pdf"}
		if !strings.Contains(want+gone, "/jury/") && !strings.Contains(want, "/2026 à ") {
			pdfs = append(pdfs, "/tableau.pdf")
		}
		for _, path := range pdfs {
			text := pdfText(t, []byte(lea.get(path).body))
			text = strings.Join(strings.Fields(text), " ")
			if !strings.Contains(text, want) || (gone != "" && strings.Contains(text, gone)) {
				t.Fatalf("%s: %s shows %q: %v, and %q: %v", step, path, want, strings.Contains(text, want), gone, strings.Contains(text, gone))
			}
		}
	}
	seen("start", "Première version du portail", "")

	// A new réalisation, submitted then validated by the teacher.
	second := c.app.addRealisation(c.lea.ID, sampleInput("Supervision du réseau"))
	wantStatus(t, lea.post(fmt.Sprintf("/realisations/%d/submit", second), url.Values{"version": {"1"}}), http.StatusSeeOther)
	seen("submitted, not validated", "Première version du portail", "Supervision du réseau")
	path := fmt.Sprintf("/students/%d/realisations/%d", c.lea.ID, second)
	wantStatus(t, prof.post(path+"/review", review(path, 2, "validate", "")), http.StatusSeeOther)
	seen("validated", "Supervision du réseau", "")

	// The student hides it from the tableau.
	wantStatus(t, lea.post(fmt.Sprintf("/realisations/%d/tableau", second), url.Values{"on_tableau": {"hide"}}), http.StatusSeeOther)
	seen("hidden", "Première version du portail", "Supervision du réseau")

	// The admin renames the student.
	res := adm.post(fmt.Sprintf("/admin/users/%d", c.lea.ID), url.Values{"first_name": {"Léa"}, "last_name": {"Moreau"},
		"email": {"lea@example.org"}, "role": {"student"}, "parcours": {"SLAM"}, "session": {"2027"}})
	wantStatus(t, res, http.StatusSeeOther)
	seen("renamed", "MOREAU Léa", "LEA Prénom")

	// A jury link puts its address on the tableau; revoking takes it off.
	wantStatus(t, lea.post("/partage", url.Values{"label": {"Jury E6"}}), http.StatusSeeOther)
	token := juryToken(t, lea.get("/partage").body)
	seen("jury link", "/jury/"+token, "")
	links, err := c.app.store.JuryLinks(context.Background(), c.lea.ID)
	if err != nil || len(links) != 1 {
		t.Fatalf("links %v %v", links, err)
	}
	wantStatus(t, lea.post(fmt.Sprintf("/partage/%d/revoke", links[0].ID), nil), http.StatusSeeOther)
	seen("jury link revoked", "Première version du portail", "/jury/"+token)

	// The generation time is printed to the minute.
	seen("before the minute", "24/11/2026 à 10:00", "")
	clock.Add(59)
	seen("same minute", "24/11/2026 à 10:00", "")
	clock.Add(1)
	seen("next minute", "24/11/2026 à 10:01", "à 10:00")
}

func TestClassDashboardCacheShowsEveryChange(t *testing.T) {
	c := newClassroom(t)
	prof := c.app.login("prof@example.org")
	adm := c.app.login("admin@example.org")
	class := fmt.Sprintf("/classes/%d", c.classID)
	admin := fmt.Sprintf("/admin/classes/%d", c.classID)
	seen := func(step string, want, gone string) {
		t.Helper()
		for i := 0; i < 2; i++ {
			for _, who := range []*client{prof, adm} {
				res := who.get(class)
				wantStatus(t, res, http.StatusOK)
				if !strings.Contains(res.body, want) || (gone != "" && strings.Contains(res.body, gone)) {
					t.Fatalf("%s (request %d): shows %q: %v, and %q: %v", step, i+1,
						want, strings.Contains(res.body, want), gone, strings.Contains(res.body, gone))
				}
			}
		}
	}
	seen("start", "Aucune réalisation en attente de relecture.", `<td class="v">V</td>`)

	// A student submits: the queue and the counts move.
	id := c.app.addRealisation(c.lea.ID, sampleInput("Portail des stages"))
	lea := c.app.login("lea@example.org")
	wantStatus(t, lea.post(fmt.Sprintf("/realisations/%d/submit", id), url.Values{"version": {"1"}}), http.StatusSeeOther)
	seen("submitted", "Portail des stages", "Aucune réalisation en attente")
	seen("queue count", "À relire (1)", "")

	// The teacher validates: the heat-map cell turns.
	path := fmt.Sprintf("/students/%d/realisations/%d", c.lea.ID, id)
	wantStatus(t, prof.post(path+"/review", review(path, 2, "validate", "")), http.StatusSeeOther)
	seen("validated", "Aucune réalisation en attente de relecture.", "Portail des stages")
	seen("heat map", `<td class="v">V</td>`, "")

	// The admin renames a student, removes one, enrols another, renames
	// the class.
	wantStatus(t, adm.post(fmt.Sprintf("/admin/users/%d", c.max.ID), url.Values{"first_name": {"Maxime"}, "last_name": {"Durand"},
		"email": {"max@example.org"}, "role": {"student"}, "parcours": {"SLAM"}, "session": {"2027"}}), http.StatusSeeOther)
	seen("student renamed", "Durand Maxime", ">max Prénom<")
	wantStatus(t, adm.post(fmt.Sprintf("%s/students/%d/remove", admin, c.lea.ID), nil), http.StatusSeeOther)
	seen("student removed", "Durand Maxime", "lea Prénom")
	wantStatus(t, adm.post(admin+"/students", url.Values{"student_id": {fmt.Sprint(c.other.ID)}}), http.StatusSeeOther)
	seen("student enrolled", "other Prénom", "lea Prénom")
	wantStatus(t, adm.post(admin, url.Values{"name": {"SIO2 SLAM groupe A"}, "school_year": {"2026-2027"}, "parcours": {"SLAM"}}), http.StatusSeeOther)
	seen("class renamed", "<h1>SIO2 SLAM groupe A</h1>", "")

	// Deleting a student's account takes them off (a cascading delete).
	if err := c.app.store.DeleteUser(context.Background(), c.other.ID); err != nil {
		t.Fatal(err)
	}
	seen("student deleted", "Durand Maxime", "other Prénom")
}

func TestPageCache(t *testing.T) {
	c := newPageCache(1000)
	var builds atomic.Int32
	build := func(v string) func() ([]byte, error) {
		return func() ([]byte, error) {
			builds.Add(1)
			return []byte(v), nil
		}
	}
	// Bounded by size (an entry counts its key and value: 250 bytes here):
	// the least recently used goes first.
	for i := 0; i < 5; i++ {
		c.get(fmt.Sprint("k", i), build(strings.Repeat("x", 248)))
	}
	if _, err := c.get("k0", build(strings.Repeat("z", 248))); err != nil {
		t.Fatal(err)
	}
	if n, size := c.stats(); size > 1000 || n != 4 {
		t.Fatalf("%d entries, %d bytes", n, size)
	}
	builds.Store(0)
	for _, k := range []string{"k0", "k3", "k4"} { // k0 came back, k1 was evicted when it did
		c.get(k, build("never"))
	}
	if builds.Load() != 0 {
		t.Fatalf("%d rebuilds of cached keys", builds.Load())
	}
	c.get("k1", build("k1"))
	if builds.Load() != 1 {
		t.Fatal("evicted key not rebuilt")
	}

	// An output larger than a quarter of the cache is served, not kept.
	big, _ := c.get("big", build(strings.Repeat("y", 300)))
	if len(big) != 300 {
		t.Fatal("big output")
	}
	if _, size := c.stats(); size > 1000 {
		t.Fatalf("%d bytes", size)
	}

	// Errors are not kept.
	fail := errors.New("boom")
	if _, err := c.get("err", func() ([]byte, error) { return nil, fail }); err != fail {
		t.Fatal(err)
	}
	if v, err := c.get("err", build("ok")); err != nil || string(v) != "ok" {
		t.Fatalf("%q %v", v, err)
	}

	// A burst on one key builds it once.
	builds.Store(0)
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.get("burst", func() ([]byte, error) {
				builds.Add(1)
				<-release
				return []byte("burst"), nil
			})
			if err != nil || string(v) != "burst" {
				t.Errorf("%q %v", v, err)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond) // let the burst gather on the key
	close(release)
	wg.Wait()
	if builds.Load() != 1 {
		t.Fatalf("%d builds for one key", builds.Load())
	}

	// Disabled: always built.
	off := newPageCache(0)
	builds.Store(0)
	off.get("k", build("v"))
	off.get("k", build("v"))
	if builds.Load() != 2 {
		t.Fatal("disabled cache kept an output")
	}
}

// SQLite gives a deleted account's id to the next account when it was the
// highest: the newcomer must not see the deleted student's tableau (the
// caches are keyed by id and stamp, and stamps never repeat).
func TestTableauCacheAfterIDReuse(t *testing.T) {
	c := newClassroom(t)
	zoe := c.app.addUser("zoe@example.org", portfolio.RoleStudent, "SLAM")
	id := c.app.addRealisation(zoe.ID, sampleInput("Secret de Zoé"))
	c.app.validate(zoe.ID, id, c.prof.ID)
	wantContains(t, c.app.login("zoe@example.org").get("/tableau").body, "Secret de Zoé")
	adm := c.app.login("admin@example.org")
	wantStatus(t, adm.post(fmt.Sprintf("/admin/users/%d/delete", zoe.ID), url.Values{"confirm": {"zoe@example.org"}}), http.StatusSeeOther)

	newcomer := c.app.addUser("zoe@example.org", portfolio.RoleStudent, "SLAM")
	if newcomer.ID != zoe.ID {
		t.Fatalf("the id was not reused (%d, then %d): the test proves nothing", zoe.ID, newcomer.ID)
	}
	// As many writes as Zoé made before her tableau was cached (create,
	// submit, validate).
	for _, title := range []string{"Brouillon un", "Brouillon deux", "Brouillon trois"} {
		c.app.addRealisation(newcomer.ID, sampleInput(title))
	}
	for _, path := range []string{"/tableau", "/tableau.pdf"} {
		res := c.app.login("zoe@example.org").get(path)
		wantStatus(t, res, http.StatusOK)
		if strings.Contains(res.body, "Secret de Zoé") || (strings.HasSuffix(path, ".pdf") && strings.Contains(pdfText(t, []byte(res.body)), "Secret")) {
			t.Fatalf("%s shows the deleted student's réalisation", path)
		}
	}
}

// A flash message shows once on a page kept whole in the cache, and the
// kept page never carries it.
func TestCachedPageShowsFlashOnce(t *testing.T) {
	c := newClassroom(t)
	lea := c.app.login("lea@example.org")
	wantNotContains(t, lea.get("/tableau").body, `class="flash"`) // kept whole
	wantStatus(t, lea.post("/partage", url.Values{"label": {"Jury E6"}}), http.StatusSeeOther)
	res := lea.get("/tableau") // the redirect not followed: the flash shows here
	wantContains(t, res.body, `class="flash"`)
	for i := 0; i < 2; i++ {
		wantNotContains(t, lea.get("/tableau").body, `class="flash"`)
	}
}

// TestFramedPageShowsTheUnreadCount: a cached page (the class dashboard,
// the student's tableau) shows the unread count of the moment: a teacher
// who reads every notification no longer sees « 1 » on the class page,
// nor a student on the tableau (issue 27: the count was not in the key).
func TestFramedPageShowsTheUnreadCount(t *testing.T) {
	c := newClassroom(t)
	app := c.app
	lea, prof := app.login("lea@example.org"), app.login("prof@example.org")
	id := app.addRealisation(c.lea.ID, sampleInput("Déploiement du serveur"))
	submitReal(t, lea, app, c.lea.ID, id)
	class := "/classes/" + strconv.FormatInt(c.classID, 10)
	for range 2 {
		res := prof.get(class)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res.body, `id="unread-count">1<`)
	}
	wantStatus(t, prof.post("/notifications/lues", url.Values{}), http.StatusSeeOther)
	wantNotContains(t, prof.get("/notifications").body, `id="unread-count"`) // shows the flash, once
	res := prof.get(class)
	wantStatus(t, res, http.StatusOK)
	wantNotContains(t, res.body, `id="unread-count"`)

	// The student: her tableau, cached, then a comment makes one unread.
	wantNotContains(t, lea.get("/tableau").body, `id="unread-count"`)
	wantStatus(t, prof.post(fmt.Sprintf("/students/%d/realisations/%d/comments", c.lea.ID, id), url.Values{"body": {"Précisez la version."}}), http.StatusSeeOther)
	lea.get("/notifications") // a flash, if any, is shown there
	wantContains(t, lea.get("/tableau").body, `id="unread-count">1<`)
}

// TestFrameKeyNamesEveryHeaderField: each field of the page around a
// cached body changes its key; a new field of web.Page must be looked at
// here (and put in frameKey when the layout prints it).
func TestFrameKeyNamesEveryHeaderField(t *testing.T) {
	base := func() web.Page {
		return web.Page{Title: "Classe", Active: "home", User: &portfolio.User{ID: 7, FirstName: "Ana", LastName: "Prof", Role: portfolio.RoleTeacher, Unread: 1}}
	}
	key := frameKeyOf("body", base()).String()
	for name, change := range map[string]func(*web.Page){
		"title": func(p *web.Page) { p.Title = "Autre" }, "active": func(p *web.Page) { p.Active = "admin" },
		"refresh": func(p *web.Page) { p.Refresh = 2 }, "sso": func(p *web.Page) { p.SSO = true },
		"user": func(p *web.Page) { p.User.ID = 8 }, "name": func(p *web.Page) { p.User.FirstName = "Bea" },
		"role": func(p *web.Page) { p.User.Role = portfolio.RoleAdmin }, "unread": func(p *web.Page) { p.User.Unread = 0 },
		"anonymous": func(p *web.Page) { p.User = nil },
	} {
		p := base()
		change(&p)
		if frameKeyOf("body", p).String() == key {
			t.Errorf("changing the %s keeps the key", name)
		}
	}
	if frameKeyOf("other", base()).String() == key {
		t.Error("another body keeps the key")
	}
	if n := reflect.TypeOf(web.Page{}).NumField(); n != 6 {
		t.Errorf("web.Page has %d fields, 6 when frameKey was written: put the new one in frameKey if web.Layout prints it", n)
	}
}

// TestTableauKeyNamesWhatTheTableauShows: changing any field of the
// student either leaves every tableau made from them as it was (the
// official grid, the 2011 working view) or changes the key their cached
// outputs are kept under. A field the tableau starts to print must go in
// tableauSource.key.
func TestTableauKeyNamesWhatTheTableauShows(t *testing.T) {
	refs, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	texts := portfolio.SessionTexts{FicheAnnexe: "8-2"}
	outputs := func(u portfolio.User) []any {
		ref, ok := refs[u.Referentiel]
		if !ok {
			ref = refs["sio-2011"]
		}
		var out []any
		if tree := ref.Grid(); tree != nil {
			g := portfolio.BuildGrid(tree, u, nil, at)
			g.Apply(texts)
			out = append(out, g)
		}
		if ref.Working() {
			out = append(out, portfolio.BuildTableau(ref, u, nil, at))
		}
		return out
	}
	for _, code := range []string{"sio-2011", "sio-2019"} {
		base := portfolio.User{ID: 3, Email: "lea@example.org", FirstName: "Léa", LastName: "Martin", Role: portfolio.RoleStudent,
			Referentiel: code, Parcours: "SISR", CandidateNumber: "0123", SessionYear: 2027, Centre: "Lycée Test",
			PortfolioURL: "https://portfolio.example/jury/abc", MailPref: portfolio.MailEvents}
		key := tableauSource{student: base, stamp: 5, at: at, texts: texts}.key("pdf")
		typ := reflect.TypeOf(base)
		for i := range typ.NumField() {
			u := base
			f := reflect.ValueOf(&u).Elem().Field(i)
			switch f.Kind() {
			case reflect.String:
				f.SetString(f.String() + "x")
			case reflect.Int, reflect.Int64:
				f.SetInt(f.Int() + 1)
			case reflect.Bool:
				f.SetBool(!f.Bool())
			default:
				t.Fatalf("portfolio.User.%s: a %s, which this test does not change", typ.Field(i).Name, f.Kind())
			}
			shows := !reflect.DeepEqual(outputs(u), outputs(base))
			named := tableauSource{student: u, stamp: 5, at: at, texts: texts}.key("pdf") != key
			if shows && !named {
				t.Errorf("%s: the tableau prints User.%s, its cache key does not name it", code, typ.Field(i).Name)
			}
		}
	}
}

// TestClassKeyNamesEveryField: each field of a class changes its
// dashboard's cache key, but the two counts the class lists fill (never
// set on the class a route loads); so do the heat map's options.
func TestClassKeyNamesEveryField(t *testing.T) {
	base := store.Class{ID: 4, Name: "SIO2 SLAM", SchoolYear: "2026-2027", Referentiel: "sio-2019", Parcours: "SLAM",
		Deadline: portfolio.Deadline{Time: time.Date(2027, 4, 30, 0, 0, 0, 0, time.UTC)}, Stamp: 9, ExamForm: portfolio.ExamCCF}
	key := classBodyKey(&base, web.HeatOptions{})
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		c := base
		f := reflect.ValueOf(&c).Elem().Field(i)
		switch {
		case f.Kind() == reflect.String:
			f.SetString(f.String() + "x")
		case f.Kind() == reflect.Int || f.Kind() == reflect.Int64:
			f.SetInt(f.Int() + 1)
		case f.Kind() == reflect.Bool:
			f.SetBool(!f.Bool())
		case name == "Deadline":
			c.Deadline = portfolio.Deadline{Time: c.Deadline.AddDate(0, 0, 1)}
		default:
			t.Fatalf("store.Class.%s: a %s, which this test does not change", name, f.Kind())
		}
		changed := classBodyKey(&c, web.HeatOptions{}) != key
		if counted := name == "Students" || name == "Submitted"; changed == counted {
			t.Errorf("store.Class.%s: key changed %v", name, changed)
		}
	}
	if classBodyKey(&base, web.HeatOptions{Sort: web.SortFewestCovered}) == key || classBodyKey(&base, web.HeatOptions{Filter: web.FilterToReview}) == key {
		t.Error("the heat map's options keep the key")
	}
}
