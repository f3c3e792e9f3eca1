package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/mailer"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/internal/testmail"
)

const mailBase = "https://portfolio.lycee.example"

// mailClassroom is the classroom with a real SMTP server (Mailpit).
func mailClassroom(t *testing.T) (*classroom, *testmail.Mailpit) {
	t.Helper()
	mp := testmail.Start(t)
	c := newClassroomConfig(t, func(cfg *Config) {
		cfg.Mailer = mailer.SMTP{Host: "127.0.0.1", Port: mp.SMTPPort, From: "portfolio@lycee.example"}
		cfg.BaseURL = mailBase + "/"
	})
	return c, mp
}

// tick runs one round of the mail loop.
func tick(t *testing.T, app *testApp) {
	t.Helper()
	if err := app.srv.mailTick(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// submitReal has the student submit the réalisation through the router.
func submitReal(t *testing.T, c *client, app *testApp, studentID, id int64) {
	t.Helper()
	r, err := app.store.GetRealisation(context.Background(), studentID, id)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c.post("/realisations/"+strconv.FormatInt(id, 10)+"/submit", url.Values{"version": {strconv.Itoa(r.Version)}}), http.StatusSeeOther)
}

// to keeps the messages sent to an address.
func to(list []testmail.Message, addr string) []testmail.Message {
	var out []testmail.Message
	for _, m := range list {
		for _, a := range m.To {
			if a.Address == addr {
				out = append(out, m)
			}
		}
	}
	return out
}

var siteLink = regexp.MustCompile(regexp.QuoteMeta(mailBase) + `(/[^\s]*)`)

// TestNotificationMails: five submissions reach the teacher as one digest
// whose links open the right pages; a student gets one mail per kind of
// event an hour; the in-app list and counter follow; the unsubscribe link
// works without logging in and the mails carry List-Unsubscribe.
func TestNotificationMails(t *testing.T) {
	c, mp := mailClassroom(t)
	app := c.app
	lea, max, prof := app.login("lea@example.org"), app.login("max@example.org"), app.login("prof@example.org")
	var ids []int64
	for i, st := range []portfolio.User{c.lea, c.lea, c.lea, c.max, c.max} {
		id := app.addRealisation(st.ID, sampleInput("Réalisation numéro "+strconv.Itoa(i+1)))
		cl := lea
		if st.ID == c.max.ID {
			cl = max
		}
		submitReal(t, cl, app, st.ID, id)
		ids = append(ids, id)
	}
	// In the app: the teacher's counter and list.
	res := prof.get("/notifications")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, `id="notifications-link"`, `id="unread-count">5<`, "Réalisation soumise par Prénom max : «\u00a0Réalisation numéro 5\u00a0»")
	// The outsider (another class) hears nothing.
	wantNotContains(t, app.login("outsider@example.org").get("/notifications").body, "Réalisation numéro")

	tick(t, app)
	msgs := to(mp.Wait(1), "prof@example.org")
	if len(msgs) != 1 {
		t.Fatalf("%d mails to the teacher, want one digest", len(msgs))
	}
	digest := mp.Get(msgs[0].ID)
	if digest.Subject != "Portfolio SIO : 5 réalisations soumises" {
		t.Errorf("digest subject %q", digest.Subject)
	}
	for i := 1; i <= 5; i++ {
		if !strings.Contains(digest.Text, "Réalisation numéro "+strconv.Itoa(i)) {
			t.Errorf("the digest lacks réalisation %d:\n%s", i, digest.Text)
		}
	}
	wantContains(t, digest.Text, "Bonjour Prénom,", "Toutes vos notifications : "+mailBase+"/notifications")
	if got := strings.Join(digest.Headers["List-Unsubscribe"], ""); !strings.HasPrefix(got, "<"+mailBase+"/desabonnement/") {
		t.Errorf("List-Unsubscribe %q", got)
	}
	// Its first link opens the réalisation's review page for the teacher.
	link := siteLink.FindStringSubmatch(digest.Text)
	if link == nil {
		t.Fatalf("no link in the digest:\n%s", digest.Text)
	}
	res = prof.get(link[1])
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Réalisation numéro 1")
	// Nothing more this round, nothing twice.
	tick(t, app)
	if n := len(to(mp.Messages(), "prof@example.org")); n != 1 {
		t.Fatalf("%d mails to the teacher after a second round", n)
	}

	// The student: a validation and a comment are two kinds, two mails;
	// a second validation within the hour waits, then comes.
	mp.Clear()
	r0, _ := app.store.GetRealisation(context.Background(), c.lea.ID, ids[0])
	wantStatus(t, prof.post(studentsRealisationURL(c.lea.ID, ids[0])+"/review", url.Values{"action": {"validate"}, "version": {strconv.Itoa(r0.Version)}}), http.StatusSeeOther)
	wantStatus(t, prof.post(studentsRealisationURL(c.lea.ID, ids[1])+"/comments", url.Values{"body": {"Ajoutez le schéma réseau."}}), http.StatusSeeOther)
	tick(t, app)
	got := to(mp.Wait(2), "lea@example.org")
	subjects := map[string]bool{}
	for _, m := range got {
		subjects[m.Subject] = true
	}
	if len(got) != 2 || !subjects["Portfolio SIO : Réalisation validée : «\u00a0Réalisation numéro 1\u00a0» (Prénom prof)"] ||
		!subjects["Portfolio SIO : Commentaire de Prénom prof sur «\u00a0Réalisation numéro 2\u00a0»"] {
		t.Fatalf("%d mails to the student: %v", len(got), got)
	}
	r1, _ := app.store.GetRealisation(context.Background(), c.lea.ID, ids[1])
	wantStatus(t, prof.post(studentsRealisationURL(c.lea.ID, ids[1])+"/review", url.Values{"action": {"validate"}, "version": {strconv.Itoa(r1.Version)}}), http.StatusSeeOther)
	tick(t, app)
	if n := len(to(mp.Messages(), "lea@example.org")); n != 2 {
		t.Fatalf("a second validation within the hour was mailed at once (%d mails)", n)
	}
	app.clock.advance(61 * time.Minute)
	tick(t, app)
	if n := len(to(mp.Wait(3), "lea@example.org")); n != 3 {
		t.Fatalf("after the hour, %d mails to the student, want 3", n)
	}

	// The student's in-app list: open one (read), then all read.
	res = lea.get("/notifications")
	wantContains(t, res.body, `id="unread-count">3<`, "Commentaire de Prénom prof")
	n, _ := app.store.Notifications(context.Background(), c.lea.ID, 1)
	res = lea.get("/notifications/" + strconv.FormatInt(n[0].ID, 10))
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.header.Get("Location"); loc != "/realisations/"+strconv.FormatInt(ids[1], 10) {
		t.Errorf("the notification leads to %q", loc)
	}
	wantContains(t, lea.get("/notifications").body, `id="unread-count">2<`)
	wantStatus(t, lea.post("/notifications/lues", nil), http.StatusSeeOther)
	wantNotContains(t, lea.get("/notifications").body, "non lues")
	// Another user's notification does not open.
	wantStatus(t, max.get("/notifications/"+strconv.FormatInt(n[0].ID, 10)), http.StatusNotFound)

	// Unsubscribe from the mail's link, without logging in.
	unsub := strings.Trim(strings.Join(mp.Get(to(mp.Messages(), "lea@example.org")[0].ID).Headers["List-Unsubscribe"], ""), "<>")
	anon := app.client()
	path := strings.TrimPrefix(unsub, mailBase)
	res = anon.get(path)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "Ne plus envoyer d'e-mails de notification de Portfolio SIO à lea@example.org ?")
	if u, _ := app.store.UserByID(context.Background(), c.lea.ID); u.MailPref != portfolio.MailEvents {
		t.Fatal("opening the link unsubscribed (a mail scanner would)")
	}
	wantStatus(t, anon.get(path[:len(path)-2]+"xx"), http.StatusNotFound) // a forged signature
	res = anon.post(path, url.Values{"List-Unsubscribe": {"One-Click"}})
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.body, "est fait : lea@example.org ne recevra plus")
	mp.Clear()
	wantStatus(t, prof.post(studentsRealisationURL(c.lea.ID, ids[2])+"/comments", url.Values{"body": {"Encore un détail."}}), http.StatusSeeOther)
	app.clock.advance(2 * time.Hour)
	tick(t, app)
	if n := len(to(mp.Messages(), "lea@example.org")); n != 0 {
		t.Fatalf("%d mails after unsubscribing", n)
	}
	wantContains(t, lea.get("/notifications").body, "sur «\u00a0Réalisation numéro 3") // still in the app
}

// TestMailRelayDown: the relay stops for 10 minutes; the mail waits in the
// queue, retried with back-off, and goes once the relay is back; nothing
// is lost and nothing is sent twice.
func TestMailRelayDown(t *testing.T) {
	c, mp := mailClassroom(t)
	app := c.app
	lea, prof := app.login("lea@example.org"), app.login("prof@example.org")
	id := app.addRealisation(c.lea.ID, sampleInput("Supervision Zabbix"))
	mp.Stop()
	start := time.Now()
	submitReal(t, lea, app, c.lea.ID, id) // the request does not wait for the relay
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the submission waited %v", d)
	}
	wantStatus(t, prof.get("/"), http.StatusOK)
	for minute := 0; minute < 10; minute++ {
		tick(t, app)
		app.clock.advance(time.Minute)
	}
	q, _ := app.store.MailQueue(context.Background())
	if len(q) != 1 || q[0].Sent || q[0].Attempts < 3 || q[0].LastError == "" {
		t.Fatalf("queue while the relay is down: %+v", q)
	}
	mp.Restart()
	for minute := 0; minute < 20 && !q[0].Sent; minute++ {
		app.clock.advance(time.Minute)
		tick(t, app)
		q, _ = app.store.MailQueue(context.Background())
	}
	if !q[0].Sent {
		t.Fatalf("not sent 20 minutes after the relay came back: %+v", q)
	}
	msgs := to(mp.Wait(1), "prof@example.org")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "Supervision Zabbix") {
		t.Fatalf("after the relay came back: %+v", msgs)
	}
	tick(t, app)
	if n := len(mp.Messages()); n != 1 {
		t.Fatalf("%d messages: sent twice", n)
	}
}

// TestMailPreferences: a daily digest once a day; « none » mails nothing;
// the deadline reminders come 7 days and 1 day ahead, once.
func TestMailPreferences(t *testing.T) {
	c, mp := mailClassroom(t)
	app := c.app
	lea := app.login("lea@example.org")
	wantContains(t, lea.get("/compte").body, `id="mail-events" name="mail_pref" value="events" checked`)
	wantStatus(t, lea.post("/compte/notifications", url.Values{"mail_pref": {"daily"}}), http.StatusSeeOther)
	wantStatus(t, lea.post("/compte/notifications", url.Values{"mail_pref": {"weekly"}}), http.StatusBadRequest)
	wantStatus(t, app.login("max@example.org").post("/compte/notifications", url.Values{"mail_pref": {"none"}}), http.StatusSeeOther)
	today := app.clock.now()
	deadline := today.AddDate(0, 0, 7).Format("2006-01-02")
	if _, err := app.store.DB.Exec(`UPDATE classes SET deadline = ? WHERE id = ?`, deadline, c.classID); err != nil {
		t.Fatal(err)
	}
	tick(t, app)
	tick(t, app)
	if n := len(to(mp.Messages(), "lea@example.org")); n != 0 {
		t.Fatalf("%d daily digests before 17:00", n)
	}
	// The day's digest goes after 17:00 (the server's time zone).
	now := app.clock.now().Local()
	app.clock.advance(time.Date(now.Year(), now.Month(), now.Day(), 17, 5, 0, 0, time.Local).Sub(now))
	tick(t, app)
	tick(t, app)
	msgs := to(mp.Wait(1), "lea@example.org")
	if len(msgs) != 1 || msgs[0].Subject != "Portfolio SIO : Votre résumé du jour" {
		t.Fatalf("daily digest: %+v", msgs)
	}
	wantContains(t, mp.Get(msgs[0].ID).Text, "Date limite de saisie dans 7 jours")
	if n := len(to(mp.Messages(), "max@example.org")); n != 0 {
		t.Fatalf("%d mails to the student who wants none", n)
	}
	wantContains(t, app.login("max@example.org").get("/notifications").body, "Date limite de saisie dans 7 jours")
	// Six days later: the reminder of the day before, in the next day's digest.
	app.clock.advance(6 * 24 * time.Hour)
	tick(t, app)
	if n := len(to(mp.Messages(), "lea@example.org")); n != 2 {
		t.Fatalf("%d daily digests after 6 days, want 2", n)
	}
	notes, _ := app.store.Notifications(context.Background(), c.lea.ID, 10)
	if len(notes) != 2 {
		t.Fatalf("reminders: %+v", notes)
	}
}

// TestMailQueueKeepsMoving: what a review found. A hundred users whose
// mails must wait do not hold back the next user's; a mail the relay
// refuses for good (550) is given up, not retried forever, and the others
// go; a mail queued for someone who then unsubscribed is not sent; without
// e-mail configured, notifications (deadline reminders included) are in
// the app and switching e-mail on later does not mail the history.
func TestMailQueueKeepsMoving(t *testing.T) {
	mp := testmail.Start(t, "--smtp-allowed-recipients", `^(prof|max|late[0-9]+)@example\.org$`)
	c := newClassroomConfig(t, func(cfg *Config) {
		cfg.Mailer = mailer.SMTP{Host: "127.0.0.1", Port: mp.SMTPPort, From: "portfolio@lycee.example"}
		cfg.BaseURL = mailBase + "/"
	})
	app := c.app
	ctx := context.Background()
	var waiting []store.Notification
	for i := 0; i < 101; i++ {
		u := app.addUser("daily"+strconv.Itoa(i)+"@example.org", portfolio.RoleStudent, "SLAM")
		if err := app.store.SetMailPref(ctx, u.ID, portfolio.MailDaily); err != nil {
			t.Fatal(err)
		}
		waiting = append(waiting, store.Notification{UserID: u.ID, Kind: kindComment, Title: "En attente", URL: "/notifications"})
	}
	late := app.addUser("late1@example.org", portfolio.RoleTeacher, "")
	if err := app.store.Notify(ctx, append(waiting, store.Notification{UserID: late.ID, Kind: kindSubmitted, Title: "Pour le dernier", URL: "/"},
		store.Notification{UserID: c.lea.ID, Kind: kindComment, Title: "Refusé par le relais", URL: "/"},
		store.Notification{UserID: c.max.ID, Kind: kindComment, Title: "Pour Max", URL: "/"})); err != nil {
		t.Fatal(err)
	}
	tick(t, app) // before 17:00: the daily digests wait
	got := mp.Wait(2)
	if len(to(got, "late1@example.org")) != 1 || len(to(got, "max@example.org")) != 1 {
		t.Fatalf("the user after a hundred waiting ones got no mail: %+v", got)
	}
	q, _ := app.store.MailQueue(ctx)
	var refused []store.QueuedMail
	for _, m := range q {
		if m.To == "lea@example.org" {
			refused = append(refused, m)
		}
	}
	if len(refused) != 1 || !refused[0].GivenUp || refused[0].Sent || !strings.Contains(refused[0].LastError, "550") {
		t.Fatalf("the mail refused with 550: %+v", refused)
	}
	app.clock.advance(2 * time.Hour)
	tick(t, app)
	if q2, _ := app.store.MailQueue(ctx); q2[len(q2)-1].Attempts != refused[0].Attempts && q2[len(q2)-1].To == "lea@example.org" {
		t.Fatal("a mail given up was tried again")
	}

	// Queued while the relay is down, then the user unsubscribes: not sent.
	mp.Stop()
	if err := app.store.Notify(ctx, []store.Notification{{UserID: c.max.ID, Kind: kindValidated, Title: "Validée", URL: "/"}}); err != nil {
		t.Fatal(err)
	}
	app.clock.advance(2 * time.Hour)
	tick(t, app)
	if err := app.store.SetMailPref(ctx, c.max.ID, portfolio.MailNone); err != nil {
		t.Fatal(err)
	}
	mp.Restart()
	app.clock.advance(2 * time.Hour)
	tick(t, app)
	if n := len(to(mp.Messages(), "max@example.org")); n != 0 {
		t.Fatalf("%d mails to a user who unsubscribed after they were queued", n)
	}

	// No e-mail configured: reminders in the app, nothing left to mail.
	plain := newTestApp(t)
	st := plain.addUser("ines@example.org", portfolio.RoleStudent, "SLAM")
	cid, err := plain.store.CreateClass(ctx, store.Class{Name: "SIO1", SchoolYear: "2026-2027"})
	if err == nil {
		err = plain.store.Enrol(ctx, cid, st.ID)
	}
	if err == nil {
		_, err = plain.store.DB.Exec(`UPDATE classes SET deadline = ? WHERE id = ?`, plain.clock.now().AddDate(0, 0, 1).Format("2006-01-02"), cid)
	}
	if err != nil {
		t.Fatal(err)
	}
	tick(t, plain)
	wantContains(t, plain.login("ines@example.org").get("/notifications").body, "Date limite de saisie demain")
	var unmailed int
	if err := plain.store.DB.QueryRow(`SELECT count(*) FROM notifications WHERE mailed = 0`).Scan(&unmailed); err != nil || unmailed != 0 {
		t.Fatalf("%d notifications left to mail without e-mail configured (%v)", unmailed, err)
	}
}
