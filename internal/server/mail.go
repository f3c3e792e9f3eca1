package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/go-chi/chi/v5"

	"github.com/portfolio-sio/portfolio/internal/mailer"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// Notification e-mails (issue #16). Nothing is sent from a request: the
// notifications are written with the action, and a background loop, every
// Config.MailEvery, (1) adds the deadline reminders, (2) groups each
// user's unmailed notifications into mails as they chose — a teacher at
// most one digest an hour, a student at most one mail per kind an hour, a
// daily digest once a day, or nothing — and queues them in the database,
// in the same transaction as it marks the notifications mailed, and (3)
// sends the due mails of the queue, retrying a failure with a back-off
// (30 s, doubled each time, at most an hour) until the relay takes it:
// a relay that is down delays mail and loses none.

const (
	dailyHour        = 17 // the daily digest goes after 17:00
	defaultMailEvery = 30 * time.Second
	mailBackoffFirst = 30 * time.Second
	mailBackoffMax   = time.Hour
	mailKeepSent     = 30 * 24 * time.Hour
)

// startMail starts the notification loop: the deadline reminders always;
// the mails when a mailer and the site's address are configured (mails
// link to the site).
func (s *Server) startMail(every time.Duration) {
	if every <= 0 {
		every = defaultMailEvery
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				s.guard("mail", func() {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
					defer cancel()
					if err := s.mailTick(ctx); err != nil {
						s.log.Error("mail", "err", err)
					}
				}, nil)
			case <-done:
				return
			}
		}
	}()
	prev := s.stop
	s.stop = sync.OnceFunc(func() { prev(); close(done); wg.Wait() })
}

// mailing reports whether e-mails are sent: a relay, and the site's
// configured address to build their links on.
func (s *Server) mailing() bool { return s.mailer != nil && s.baseURL != "" }

// mailTick is one round of the loop.
func (s *Server) mailTick(ctx context.Context) error {
	if err := s.deadlineReminders(ctx); err != nil {
		return err
	}
	if !s.mailing() {
		// Nothing to mail them with: they are shown in the app only, and
		// switching e-mail on later does not mail the whole history.
		return s.store.SkipUnmailed(ctx)
	}
	if err := s.composeMails(ctx); err != nil {
		return err
	}
	if err := s.sendDueMails(ctx); err != nil {
		return err
	}
	return s.store.PurgeSentMails(ctx, s.now().Add(-mailKeepSent))
}

// composeMails turns unmailed notifications into queued mails, going
// through every user who has some (those who must wait do not hold back
// the others).
func (s *Server) composeMails(ctx context.Context) error {
	now := s.now()
	var after int64
	for {
		pending, err := s.store.PendingMails(ctx, after, 100)
		if err != nil || len(pending) == 0 {
			return err
		}
		after = pending[len(pending)-1].User.ID
		var mails []store.Mail
		var skip []int64
		for _, p := range pending {
			m, sk, _ := s.mailsFor(ctx, p, now)
			mails, skip = append(mails, m...), append(skip, sk...)
		}
		if err := s.store.QueueMails(ctx, now, mails, skip); err != nil {
			return err
		}
	}
}

// mailsFor groups a user's pending notifications by their rules; wait
// reports that some must wait for a later round.
func (s *Server) mailsFor(ctx context.Context, p store.PendingMail, now time.Time) (mails []store.Mail, skip []int64, wait bool) {
	u := p.User
	ids := func(list []store.Notification) []int64 {
		out := make([]int64, len(list))
		for i, n := range list {
			out[i] = n.ID
		}
		return out
	}
	if u.MailPref == portfolio.MailNone || u.Disabled || u.Email == "" {
		return nil, ids(p.Notifications), false
	}
	due := func(group string, every time.Duration) bool {
		last, ok := p.LastSent[group]
		return !ok || !now.Before(last.Add(every))
	}
	unsub := s.unsubscribeURL(ctx, u.ID, u.Email)
	switch {
	case u.MailPref == portfolio.MailDaily:
		// The day's digest goes at the first round after 17:00 (server's
		// time zone), with what came since the last one.
		local := now.Local()
		at := time.Date(local.Year(), local.Month(), local.Day(), dailyHour, 0, 0, 0, time.Local)
		if now.Before(at) {
			return nil, nil, true
		}
		if last, ok := p.LastSent["daily"]; ok && !last.Before(at) {
			return nil, nil, true
		}
		return []store.Mail{s.digest(u, p.Notifications, "Votre résumé du jour", unsub, "daily")}, nil, false
	case u.Role != portfolio.RoleStudent:
		if !due("digest", time.Hour) {
			return nil, nil, true
		}
		return []store.Mail{s.digest(u, p.Notifications, "", unsub, "digest")}, nil, false
	}
	byKind := map[string][]store.Notification{}
	var kinds []string
	for _, n := range p.Notifications {
		if byKind[n.Kind] == nil {
			kinds = append(kinds, n.Kind)
		}
		byKind[n.Kind] = append(byKind[n.Kind], n)
	}
	for _, k := range kinds {
		if !due("kind:"+k, time.Hour) {
			wait = true
			continue
		}
		mails = append(mails, s.digest(u, byKind[k], "", unsub, "kind:"+k))
	}
	return mails, nil, wait
}

// digest is the mail of some notifications: one notification gives a mail
// of its own, several a list.
func (s *Server) digest(u portfolio.User, list []store.Notification, subject, unsub, group string) store.Mail {
	var b strings.Builder
	b.WriteString("Bonjour " + u.FirstName + ",\n\n")
	if subject == "" {
		if len(list) == 1 {
			subject = list[0].Title
		} else if label, ok := kindCounts[list[0].Kind]; ok && allKind(list) {
			subject = fmt.Sprintf(label, len(list))
		} else {
			subject = strconv.Itoa(len(list)) + " nouveautés sur Portfolio SIO"
		}
	}
	if len(list) == 1 {
		b.WriteString(list[0].Title + "\n" + s.baseURL + list[0].URL + "\n")
	} else {
		b.WriteString("Voici ce qui vous concerne sur Portfolio SIO :\n\n")
		for _, n := range list {
			b.WriteString("- " + n.Title + " (" + n.CreatedAt.Local().Format("02/01 à 15:04") + ")\n  " + s.baseURL + n.URL + "\n")
		}
	}
	b.WriteString("\nToutes vos notifications : " + s.baseURL + "/notifications\n")
	b.WriteString("Choisir ce que vous recevez par e-mail : " + s.baseURL + "/compte#notifications\n")
	b.WriteString("Ne plus rien recevoir par e-mail (sans vous connecter) : " + unsub + "\n")
	ns := make([]int64, len(list))
	for i, n := range list {
		ns[i] = n.ID
	}
	subject = strings.Map(func(r rune) rune { // one header line, whatever a title holds
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, subject)
	return store.Mail{UserID: u.ID, To: u.Email, Subject: "Portfolio SIO : " + subject, Body: b.String(), Unsubscribe: unsub,
		Group: group, Notifications: ns}
}

func allKind(list []store.Notification) bool {
	for _, n := range list {
		if n.Kind != list[0].Kind {
			return false
		}
	}
	return true
}

// sendDueMails sends the queue's due mails; a failure is retried later.
func (s *Server) sendDueMails(ctx context.Context) error {
	for {
		due, err := s.store.DueMails(ctx, s.now(), 50)
		if err != nil || len(due) == 0 {
			return err
		}
		for _, m := range due {
			if m.Skip { // unsubscribed or disabled since it was queued
				if err := s.store.MailGivenUp(ctx, m.ID, s.now(), "le destinataire ne veut plus d'e-mails"); err != nil {
					return err
				}
				continue
			}
			err := s.mailer.Send(ctx, mailer.Mail{To: m.To, Subject: m.Subject, Body: m.Body, Unsubscribe: m.Unsubscribe})
			if err != nil && mailer.Permanent(err) {
				s.log.Error("mail refused for good, not retried", "to", m.To, "err", err)
				if err := s.store.MailGivenUp(ctx, m.ID, s.now(), err.Error()); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				wait := mailBackoffFirst << min(m.Attempts, 10)
				wait = min(wait, mailBackoffMax)
				s.log.Warn("mail not sent, will retry", "to", m.To, "attempt", m.Attempts+1, "retry_in", wait, "err", err)
				if err := s.store.MailFailed(ctx, m.ID, s.now().Add(wait), err.Error()); err != nil {
					return err
				}
				return nil // the relay is unwell: the others wait for the next round
			}
			if err := s.store.MailSent(ctx, m.ID, s.now()); err != nil {
				return err
			}
		}
		if len(due) < 50 {
			return nil
		}
	}
}

// unsubscribeToken signs a user's id and address for the unsubscribe
// link: it stops working if the address changes, or if the id, freed by a
// deletion, comes to name another account.
func (s *Server) unsubscribeToken(ctx context.Context, userID int64, email string) (string, error) {
	key, err := s.deviceKey(ctx)
	if err != nil {
		return "", err
	}
	id := strconv.FormatInt(userID, 10)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("unsubscribe:" + id + ":" + strings.ToLower(email)))
	return id + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18]), nil
}

func (s *Server) unsubscribeURL(ctx context.Context, userID int64, email string) string {
	tok, err := s.unsubscribeToken(ctx, userID, email)
	if err != nil {
		s.log.Error("unsubscribe token", "err", err)
		return s.baseURL + "/compte#notifications"
	}
	return s.baseURL + "/desabonnement/" + tok
}

// tokenUser is the user an unsubscribe token names, if its signature holds.
func (s *Server) tokenUser(ctx context.Context, tok string) (portfolio.User, error) {
	id, _, ok := strings.Cut(tok, ".")
	uid, okID := parseID(id)
	if !ok || !okID {
		return portfolio.User{}, portfolio.ErrNotFound
	}
	u, err := s.store.UserByID(ctx, uid)
	if err != nil {
		return u, err
	}
	want, err := s.unsubscribeToken(ctx, uid, u.Email)
	if err != nil {
		return portfolio.User{}, err
	}
	if !hmac.Equal([]byte(want), []byte(tok)) {
		return portfolio.User{}, portfolio.ErrNotFound
	}
	return u, nil
}

// showUnsubscribe asks to confirm (a GET changes nothing: mail scanners
// open links).
func (s *Server) showUnsubscribe(w http.ResponseWriter, r *http.Request) {
	u, err := s.tokenUser(r.Context(), chi.URLParam(r, "token"))
	if errors.Is(err, portfolio.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "Lien invalide", "Ce lien de désabonnement n'est pas valide. Vous pouvez choisir vos e-mails dans « Mon compte ».")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.UnsubscribePage(s.page(r, "Ne plus recevoir d'e-mails", ""), web.UnsubscribeView{Email: u.Email, Done: u.MailPref == portfolio.MailNone}))
}

// unsubscribe stops every notification e-mail (the link's button, or a
// mail client's one-click POST, RFC 8058).
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	u, err := s.tokenUser(r.Context(), chi.URLParam(r, "token"))
	if errors.Is(err, portfolio.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "Lien invalide", "Ce lien de désabonnement n'est pas valide. Vous pouvez choisir vos e-mails dans « Mon compte ».")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.store.SetMailPref(r.Context(), u.ID, portfolio.MailNone); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.audit(r, "mail_unsubscribe", u.Email, "")
	s.render(w, r, http.StatusOK, web.UnsubscribePage(s.page(r, "Ne plus recevoir d'e-mails", ""), web.UnsubscribeView{Email: u.Email, Done: true}))
}

// setMailPref is the « Mon compte » choice of e-mails.
func (s *Server) setMailPref(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	pref := portfolio.MailPref(r.PostForm.Get("mail_pref"))
	switch pref {
	case portfolio.MailEvents, portfolio.MailDaily, portfolio.MailNone:
	default:
		s.badRequest(w, r, "Choix d'e-mails inconnu.")
		return
	}
	u := currentUser(r.Context())
	if err := s.store.SetMailPref(r.Context(), u.ID, pref); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r.Context(), "Préférence d'e-mails enregistrée.")
	http.Redirect(w, r, "/compte#notifications", http.StatusSeeOther)
}

// listNotifications is the user's notifications page.
func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	list, err := s.store.Notifications(r.Context(), u.ID, 100)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.NotificationsPage(s.page(r, "Notifications", "notifications"), web.NotificationsView{List: list, Unread: u.Unread}))
}

// openNotification marks a notification read and goes to its page.
func (s *Server) openNotification(w http.ResponseWriter, r *http.Request) {
	id, ok := parseID(chi.URLParam(r, "id"))
	if !ok {
		s.notFound(w, r)
		return
	}
	n, err := s.store.ReadNotification(r.Context(), currentUser(r.Context()).ID, id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	if !strings.HasPrefix(n.URL, "/") || strings.HasPrefix(n.URL, "//") {
		n.URL = "/notifications"
	}
	http.Redirect(w, r, n.URL, http.StatusSeeOther)
}

func (s *Server) readAllNotifications(w http.ResponseWriter, r *http.Request) {
	if err := s.store.ReadAllNotifications(r.Context(), currentUser(r.Context()).ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r.Context(), "Toutes les notifications sont marquées comme lues.")
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}
