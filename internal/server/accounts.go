package server

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/portfolio-sio/portfolio/internal/auth"
	"github.com/portfolio-sio/portfolio/internal/mailer"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/roster"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// Accounts: the admin lists, creates, edits, disables and deletes them,
// and hands out activation links (there is no mail server to count on).

// listPage is the number of accounts or classes an admin's list shows
// per page.
const listPage = 100

// pageOf reads a list's page number (1 when absent or wrong).
func pageOf(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 1_000_000 {
		return 1
	}
	return n
}

// pagerFor is the pager of a list page that found more (one row beyond
// the page) or not; the other pages keep the request's other parameters.
func pagerFor(r *http.Request, page int, more bool) web.Pager {
	at := func(n int) string {
		q := r.URL.Query()
		if n == 1 {
			q.Del("page")
		} else {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return r.URL.Path
		}
		return r.URL.Path + "?" + q.Encode()
	}
	pg := web.Pager{Page: page}
	if page > 1 {
		pg.Prev = at(page - 1)
	}
	if more {
		pg.Next = at(page + 1)
	}
	return pg
}

// adminUsers lists the accounts by name, a page at a time (an académie
// holds tens of thousands); a search or a role narrows the list.
func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page := pageOf(r)
	f := store.UserFilter{Query: searchQuery(q.Get("q")), Limit: listPage + 1, Offset: (page - 1) * listPage}
	if role, err := portfolio.ParseRole(q.Get("role")); err == nil {
		f.Role = role
	}
	users, err := s.store.SearchUsers(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	more := len(users) > listPage
	if more {
		users = users[:listPage]
	}
	s.render(w, r, http.StatusOK, web.AdminUsers(s.page(r, "Comptes", "accounts"), users, f.Query, string(f.Role), pagerFor(r, page, more)))
}

func (s *Server) classOptions(r *http.Request) ([]web.ClassOption, error) {
	classes, err := s.store.Classes(r.Context(), 0)
	if err != nil {
		return nil, err
	}
	var out []web.ClassOption
	for _, c := range classes {
		if !c.Archived {
			out = append(out, web.ClassOption{ID: c.ID, Name: c.Name + " (" + c.SchoolYear + ")"})
		}
	}
	return out, nil
}

func (s *Server) newUser(w http.ResponseWriter, r *http.Request) {
	s.renderNewUser(w, r, http.StatusOK, web.UserForm{Role: "student"})
}

func (s *Server) renderNewUser(w http.ResponseWriter, r *http.Request, status int, f web.UserForm) {
	classes, err := s.classOptions(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, web.AdminNewUser(s.page(r, "Nouveau compte", "accounts"), f, classes))
}

// decodeUser reads and checks the account form.
func decodeUser(r *http.Request) (portfolio.User, int64, web.UserForm) {
	f := web.UserForm{
		FirstName: strings.Join(strings.Fields(r.PostForm.Get("first_name")), " "),
		LastName:  strings.Join(strings.Fields(r.PostForm.Get("last_name")), " "),
		Email:     strings.ToLower(strings.TrimSpace(r.PostForm.Get("email"))),
		Role:      r.PostForm.Get("role"), Parcours: r.PostForm.Get("parcours"),
		CandidateNumber: strings.TrimSpace(r.PostForm.Get("candidate")),
		SessionYear:     strings.TrimSpace(r.PostForm.Get("session")),
		Centre:          strings.TrimSpace(r.PostForm.Get("centre")),
		ClassID:         r.PostForm.Get("class_id"),
		ExamForm:        r.PostForm.Get("exam_form"),
		Errors:          portfolio.Errors{},
	}
	u := portfolio.User{FirstName: f.FirstName, LastName: f.LastName, Email: f.Email, Parcours: f.Parcours,
		CandidateNumber: f.CandidateNumber, Centre: f.Centre, ExamForm: portfolio.ExamForm(f.ExamForm)}
	if !u.ExamForm.Valid() {
		f.Errors["exam_form"] = "Forme des épreuves inconnue : choisissez-la dans la liste."
	}
	name := func(field, v, what string) {
		switch {
		case v == "":
			f.Errors[field] = what + " est obligatoire."
		case !portfolio.CleanText(v) || strings.ContainsAny(v, "\n\r\t"):
			f.Errors[field] = what + " contient des caractères invalides."
		case utf8.RuneCountInString(v) > 100:
			f.Errors[field] = what + " ne doit pas dépasser 100 caractères."
		}
	}
	name("first_name", f.FirstName, "Le prénom")
	name("last_name", f.LastName, "Le nom")
	if !roster.ValidEmail(f.Email) {
		f.Errors["email"] = "Adresse e-mail invalide."
	}
	role, err := portfolio.ParseRole(f.Role)
	if err != nil {
		f.Errors["role"] = "Rôle inconnu."
	}
	u.Role = role
	if f.Parcours != "" && f.Parcours != "SISR" && f.Parcours != "SLAM" {
		f.Errors["parcours"] = "Parcours inconnu."
	}
	if len(f.CandidateNumber) > 20 || strings.ContainsFunc(f.CandidateNumber, isControl) {
		f.Errors["candidate"] = "Numéro de candidat invalide (20 caractères au plus)."
	}
	if f.SessionYear != "" {
		y, err := strconv.Atoi(f.SessionYear)
		if err != nil || y < 2000 || y > 2100 {
			f.Errors["session"] = "Indiquez une année, par exemple 2027."
		}
		u.SessionYear = y
	}
	if utf8.RuneCountInString(f.Centre) > 200 || strings.ContainsFunc(f.Centre, isControl) {
		f.Errors["centre"] = "Centre de formation invalide (200 caractères au plus)."
	}
	var classID int64
	if f.ClassID != "" {
		id, ok := parseID(f.ClassID)
		if !ok {
			f.Errors["class_id"] = "Classe inconnue."
		}
		classID = id
	}
	if u.Role != portfolio.RoleStudent {
		u.Parcours, u.CandidateNumber, u.SessionYear, u.Centre, u.ExamForm = "", "", 0, "", ""
	}
	return u, classID, f
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	u, classID, f := decodeUser(r)
	if classID != 0 {
		if _, err := s.store.ClassByID(r.Context(), classID); err != nil {
			f.Errors["class_id"] = "Classe inconnue."
		}
	}
	if len(f.Errors) > 0 {
		s.renderNewUser(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	id, err := s.store.CreateUser(r.Context(), u)
	if errors.Is(err, store.ErrEmailTaken) {
		f.Errors["email"] = "Un compte utilise déjà cette adresse."
		s.renderNewUser(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	u.ID = id
	if classID != 0 && u.Role == portfolio.RoleStudent {
		if err := s.store.Enrol(r.Context(), classID, id); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.audit(r, "user_create", u.Email, string(u.Role))
	s.issueLink(w, r, u)
}

// issueLink creates an activation link for u, e-mails it when e-mails
// are on (SMTP and --base-url: a mailed link is built on the configured
// address, never on the request's Host header), and shows it once.
func (s *Server) issueLink(w http.ResponseWriter, r *http.Request, u portfolio.User) {
	l, err := s.store.CreateActivation(r.Context(), u.ID, currentUser(r.Context()).ID, s.now())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.audit(r, "activation_link", u.Email, "")
	v := web.LinkView{User: u, Link: s.siteURL(r) + "/activation/" + l.Token, Code: store.FormatCode(l.Code), Site: s.siteURL(r), Expires: s.now().Add(store.ActivationTTL)}
	if s.mailing() {
		link := s.baseURL + "/activation/" + l.Token
		if err := s.mailer.Send(r.Context(), mailer.Mail{To: u.Email, Subject: "Portfolio SIO : votre accès", Body: activationMail(u, link, v.Expires)}); err != nil {
			s.log.Error("activation e-mail", "to", u.Email, "err", err)
		} else {
			v.Mailed = true
		}
	}
	s.render(w, r, http.StatusOK, web.ActivationLinkPage(s.page(r, "Lien d'activation", "accounts"), v))
}

func activationMail(u portfolio.User, link string, expires time.Time) string {
	return fmt.Sprintf("Bonjour %s,\n\nUn compte Portfolio SIO a été préparé pour vous (identifiant : %s).\n"+
		"Choisissez votre mot de passe en ouvrant ce lien, valable une seule fois jusqu'au %s :\n\n%s\n\n"+
		"Si vous n'attendiez pas ce message, ignorez-le.\n", u.FirstName, u.Email, expires.Local().Format("02/01/2006 à 15:04"), link)
}

// routeUser loads the {userID} account for the admin.
func (s *Server) routeUser(w http.ResponseWriter, r *http.Request) (portfolio.User, bool) {
	id, ok := parseID(chi.URLParam(r, "userID"))
	if !ok {
		s.notFound(w, r)
		return portfolio.User{}, false
	}
	u, err := s.store.UserByID(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return u, false
	}
	return u, true
}

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) {
	u, ok := s.routeUser(w, r)
	if !ok {
		return
	}
	f := web.UserForm{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, Role: string(u.Role),
		Parcours: u.Parcours, CandidateNumber: u.CandidateNumber, Centre: u.Centre, ExamForm: string(u.ExamForm)}
	if u.SessionYear > 0 {
		f.SessionYear = strconv.Itoa(u.SessionYear)
	}
	s.renderAdminUser(w, r, http.StatusOK, u, f)
}

func (s *Server) renderAdminUser(w http.ResponseWriter, r *http.Request, status int, u portfolio.User, f web.UserForm) {
	classes, err := s.classOptions(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, web.AdminUser(s.page(r, u.FullName(), "accounts"), web.UserView{User: u, Form: f, Classes: classes}))
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	cur, ok := s.routeUser(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	u, classID, f := decodeUser(r)
	f.ID = cur.ID
	if !r.PostForm.Has("exam_form") && u.Role == portfolio.RoleStudent {
		u.ExamForm = cur.ExamForm // a form of before the choice existed keeps it
	}
	me := currentUser(r.Context())
	if cur.ID == me.ID && u.Role != portfolio.RoleAdmin {
		f.Errors["role"] = "Vous ne pouvez pas retirer votre propre rôle d'administrateur."
	}
	if cur.Role == portfolio.RoleStudent && u.Role != portfolio.RoleStudent {
		if n, err := s.store.CountRealisations(r.Context(), cur.ID); err != nil {
			s.serverError(w, r, err)
			return
		} else if n > 0 {
			f.Errors["role"] = "Cet étudiant a des réalisations : son rôle ne peut pas changer."
		}
	}
	// Where parcours have their own competences (2019: B2, B3.5), a
	// réalisation's ticks mean those of the student's parcours: it cannot
	// change under them.
	if cur.Role == portfolio.RoleStudent && u.Parcours != cur.Parcours && s.ref(&cur).Scheme(cur.Parcours).ParcoursSpecific {
		if n, err := s.store.CountRealisations(r.Context(), cur.ID); err != nil {
			s.serverError(w, r, err)
			return
		} else if n > 0 {
			f.Errors["parcours"] = "Cet étudiant a des réalisations : dans son référentiel, le parcours a ses propres compétences, il ne peut plus changer."
		}
	}
	if classID != 0 {
		c, err := s.store.ClassByID(r.Context(), classID)
		if err != nil {
			f.Errors["class_id"] = "Classe inconnue."
		} else if other, err := s.store.ClassOfOtherReferentiel(r.Context(), cur.ID, classID); err != nil {
			s.serverError(w, r, err)
			return
		} else if other != "" && cur.Role == portfolio.RoleStudent {
			f.Errors["class_id"] = "Ce compte est dans « " + other + " », d'un autre référentiel que " + c.Name + " : retirez-l'en d'abord."
		} else if c.Referentiel != cur.Referentiel && cur.Role == portfolio.RoleStudent {
			if n, err := s.store.CountRealisations(r.Context(), cur.ID); err != nil {
				s.serverError(w, r, err)
				return
			} else if n > 0 {
				f.Errors["class_id"] = "Ses réalisations suivent le référentiel " + cur.Referentiel + " : choisissez une classe de ce référentiel (" + c.Name + " suit " + c.Referentiel + ")."
			}
		}
	}
	if len(f.Errors) > 0 {
		s.renderAdminUser(w, r, http.StatusUnprocessableEntity, cur, f)
		return
	}
	u.ID = cur.ID
	err := s.store.UpdateUser(r.Context(), u)
	if errors.Is(err, store.ErrEmailTaken) {
		f.Errors["email"] = "Un autre compte utilise déjà cette adresse."
		s.renderAdminUser(w, r, http.StatusUnprocessableEntity, cur, f)
		return
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	changes := userChanges(cur, u)
	if classID != 0 && u.Role == portfolio.RoleStudent {
		before, err := s.store.StudentClasses(r.Context(), u.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if err := s.store.Enrol(r.Context(), classID, u.ID); err != nil {
			s.serverError(w, r, err)
			return
		}
		if !slices.ContainsFunc(before, func(c store.Class) bool { return c.ID == classID }) {
			if c, err := s.store.ClassByID(r.Context(), classID); err == nil {
				changes = append(changes, "inscription dans "+c.Name)
			}
		}
	}
	detail := strings.Join(changes, " ; ")
	if detail == "" {
		detail = "aucun changement"
	}
	s.audit(r, "user_update", u.Email, detail)
	s.flash(r.Context(), "Compte enregistré.")
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), http.StatusSeeOther)
}

func (s *Server) setUserDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := s.routeUser(w, r)
		if !ok {
			return
		}
		if disabled && u.ID == currentUser(r.Context()).ID {
			s.errorPage(w, r, http.StatusConflict, "Action impossible", "Vous ne pouvez pas désactiver votre propre compte.")
			return
		}
		if err := s.store.SetDisabled(r.Context(), u.ID, disabled); err != nil {
			s.serverError(w, r, err)
			return
		}
		msg, action := "Compte réactivé.", "user_enable"
		if disabled {
			msg, action = "Compte désactivé : ses sessions sont terminées.", "user_disable"
		}
		s.audit(r, action, u.Email, "")
		s.flash(r.Context(), msg)
		http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), http.StatusSeeOther)
	}
}

func (s *Server) resetUser(w http.ResponseWriter, r *http.Request) {
	u, ok := s.routeUser(w, r)
	if !ok {
		return
	}
	s.issueLink(w, r, u)
}

func footprintText(f store.StudentFootprint) string {
	return fmt.Sprintf("%d réalisation(s) avec leurs activités, compétences et liens, %d fichier(s) de preuve, %d commentaire(s) et %d changement(s) de statut sur ces réalisations, ses liens de consultation et son inscription dans %d classe(s)",
		f.Realisations, f.Files, f.Comments, f.Events, f.Classes)
}

func (s *Server) confirmDeleteUser(w http.ResponseWriter, r *http.Request) {
	u, ok := s.routeUser(w, r)
	if !ok {
		return
	}
	if u.Role != portfolio.RoleStudent {
		s.errorPage(w, r, http.StatusConflict, "Action impossible", "Seul un compte étudiant peut être supprimé ici ; désactivez les autres comptes.")
		return
	}
	f, err := s.store.Footprint(r.Context(), u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.DeleteUserConfirm(s.page(r, "Supprimer un étudiant", "accounts"), u, footprintText(f)))
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) {
	u, ok := s.routeUser(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	if u.Role != portfolio.RoleStudent {
		s.errorPage(w, r, http.StatusConflict, "Action impossible", "Seul un compte étudiant peut être supprimé ici ; désactivez les autres comptes.")
		return
	}
	if !strings.EqualFold(strings.TrimSpace(r.PostForm.Get("confirm")), u.Email) {
		f, err := s.store.Footprint(r.Context(), u.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		s.flash(r.Context(), "Suppression annulée : l'adresse tapée ne correspond pas au compte.")
		s.render(w, r, http.StatusUnprocessableEntity, web.DeleteUserConfirm(s.page(r, "Supprimer un étudiant", "accounts"), u, footprintText(f)))
		return
	}
	f, err := s.store.Footprint(r.Context(), u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.store.DeleteUser(r.Context(), u.ID); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.audit(r, "user_delete", u.Email, footprintText(f))
	s.flash(r.Context(), u.FullName()+" et toutes ses données ont été supprimés.")
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

const auditPage = 100

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page < 1 || page > 100000 {
		page = 1
	}
	entries, err := s.store.AuditLog(r.Context(), "", auditPage+1, (page-1)*auditPage)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	more := len(entries) > auditPage
	if more {
		entries = entries[:auditPage]
	}
	rows := make([]web.AuditRow, len(entries))
	for i, e := range entries {
		rows[i] = web.AuditRow{At: e.At, Actor: e.ActorEmail, Action: e.Action, Target: e.Target, Detail: e.Detail, IP: e.IP}
	}
	s.render(w, r, http.StatusOK, web.AuditPage(s.page(r, "Journal d'audit", "accounts"), rows, page, more))
}

// Activation: a student follows their link and chooses a password.

func (s *Server) showActivation(w http.ResponseWriter, r *http.Request) {
	u, err := s.store.ActivationUser(r.Context(), chi.URLParam(r, "token"), s.now())
	if errors.Is(err, store.ErrLinkInvalid) {
		s.linkInvalid(w, r)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.ActivationPage(s.page(r, "Choisir mon mot de passe", ""), web.ActivationView{Name: u.FirstName, Email: u.Email}))
}

func (s *Server) linkInvalid(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "Lien invalide",
		"Ce lien d'activation n'existe pas, a déjà servi ou a expiré (il est valable 7 jours). Demandez-en un nouveau à votre enseignant ou à l'administrateur.")
}

func (s *Server) activate(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	u, err := s.store.ActivationUser(r.Context(), token, s.now())
	if errors.Is(err, store.ErrLinkInvalid) {
		s.linkInvalid(w, r)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	problem := chosenPasswordProblem(r, u)
	if problem != "" {
		s.render(w, r, http.StatusUnprocessableEntity, web.ActivationPage(s.page(r, "Choisir mon mot de passe", ""),
			web.ActivationView{Name: u.FirstName, Email: u.Email, Error: problem}))
		return
	}
	s.setChosenPassword(w, r, u, "lien d'activation", func(hash string) error {
		_, err := s.store.UseActivation(r.Context(), token, hash, s.now())
		return err
	})
}

// chosenPasswordProblem is what is wrong with the password a user chose
// (and typed twice) on an activation form, or "".
func chosenPasswordProblem(r *http.Request, u portfolio.User) string {
	pw := r.PostForm.Get("password")
	problem := auth.CheckNewPassword(pw, u.Email, u.FirstName, u.LastName, u.FirstName+u.LastName, u.LastName+u.FirstName)
	if problem == "" && pw != r.PostForm.Get("password2") {
		problem = "Les deux mots de passe ne sont pas identiques."
	}
	return problem
}

// setChosenPassword hashes the chosen password, spends the link or code
// with it (use), and sends the user to the login page, their e-mail
// filled in; a link spent meanwhile is the « lien invalide » page.
func (s *Server) setChosenPassword(w http.ResponseWriter, r *http.Request, u portfolio.User, how string, use func(hash string) error) {
	hash, err := s.hasher.Hash(r.PostForm.Get("password"))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := use(hash); errors.Is(err, store.ErrLinkInvalid) {
		s.linkInvalid(w, r)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.audit(r, "password_set", u.Email, how)
	s.flash(r.Context(), "Mot de passe enregistré : connectez-vous avec votre adresse e-mail.")
	http.Redirect(w, r, "/login?email="+url.QueryEscape(u.Email), http.StatusSeeOther)
}

// showCodeActivation is the « premier accès » page: the e-mail and the
// short code of the activation sheet.
func (s *Server) showCodeActivation(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.CodePage(s.page(r, "Premier accès", ""), web.CodeView{Email: r.URL.Query().Get("email")}))
}

// codeActivation checks an e-mail and a short code, then asks for the
// password (step "password", the code sent again) and sets it. Every try
// of a code counts in a limiter of its own, per code and per address, with
// the login limiter's rules: a code cannot be guessed faster than a
// password, and codes typed wrong never slow the logins.
func (s *Server) codeActivation(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	v := web.CodeView{Email: strings.TrimSpace(r.PostForm.Get("email")), Code: strings.TrimSpace(r.PostForm.Get("code")),
		Errors: map[string]string{}}
	if utf8.RuneCountInString(v.Email) > 254 || !utf8.ValidString(v.Email) {
		v.Email = ""
	}
	if len(v.Code) > 40 || !utf8.ValidString(v.Code) {
		v.Code = ""
	}
	page := s.page(r, "Premier accès", "")
	if v.Email == "" || v.Code == "" {
		v.Errors["code"] = "Tapez votre adresse e-mail et le code de votre feuille de premier accès."
		s.render(w, r, http.StatusUnprocessableEntity, web.CodePage(page, v))
		return
	}
	address := addressKey(clientIP(r))
	code := "code:" + strings.ToLower(v.Email)
	leave, ok := s.codeLimiter.enter(address, code)
	if !ok {
		w.Header().Set("Retry-After", "1")
		v.Errors["code"] = "Trop de tentatives en cours depuis votre réseau : réessayez dans quelques secondes."
		s.render(w, r, http.StatusTooManyRequests, web.CodePage(page, v))
		return
	}
	defer leave()
	if wait, locked := s.codeLimiter.attempt(code); wait > 0 || !locked.IsZero() {
		wait = max(wait, locked.Sub(s.now()))
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
		v.Errors["code"] = "Trop de tentatives : réessayez dans " + strconv.Itoa(max(1, int(math.Ceil(wait.Minutes())))) + " minute(s)."
		s.render(w, r, http.StatusTooManyRequests, web.CodePage(page, v))
		return
	}
	u, err := s.store.CodeUser(r.Context(), v.Email, v.Code, s.now())
	if errors.Is(err, store.ErrLinkInvalid) {
		s.audit(r, "activation_code_failed", v.Email, "")
		hold := s.codeLimiter.failedFrom(address)
		leave()
		if !sleepCtx(r.Context(), hold) {
			return
		}
		v.Errors["code"] = "Cette adresse et ce code ne vont pas ensemble, ou le code a déjà servi ou expiré (il est valable 7 jours). Vérifiez-les, ou demandez une nouvelle feuille à votre enseignant."
		s.render(w, r, http.StatusUnprocessableEntity, web.CodePage(page, v))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.codeLimiter.succeed(code) // the code is right: the password step does not count
	v.Name = u.FirstName
	if r.PostForm.Get("step") != "password" {
		s.render(w, r, http.StatusOK, web.CodePage(page, v))
		return
	}
	problem := chosenPasswordProblem(r, u)
	if problem != "" {
		v.Errors["password"] = problem
		s.render(w, r, http.StatusUnprocessableEntity, web.CodePage(page, v))
		return
	}
	s.setChosenPassword(w, r, u, "code de premier accès", func(hash string) error {
		_, err := s.store.UseCode(r.Context(), v.Email, v.Code, hash, s.now())
		return err
	})
}

// activationSheet prints a link for every student of the class who has
// not chosen a password yet (new links replace the earlier ones).
func (s *Server) activationSheet(w http.ResponseWriter, r *http.Request) {
	c := routeClass(r.Context())
	if c.Archived && currentUser(r.Context()).Role != portfolio.RoleAdmin {
		s.errorPage(w, r, http.StatusForbidden, "Classe archivée", "Cette classe est archivée : elle est en lecture seule.")
		return
	}
	students, _, err := s.store.ClassMembers(r.Context(), c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	me := currentUser(r.Context())
	var lines []web.SheetLine
	issued := 0
	for _, st := range students {
		l := web.SheetLine{Name: st.LastName + " " + st.FirstName, Email: st.Email}
		if !st.HasPassword() && !st.Disabled {
			link, err := s.store.CreateActivation(r.Context(), st.ID, me.ID, s.now())
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			l.Link, l.Code = s.siteURL(r)+"/activation/"+link.Token, store.FormatCode(link.Code)
			issued++
		}
		lines = append(lines, l)
	}
	s.audit(r, "activation_sheet", c.Name, fmt.Sprintf("%d lien(s)", issued))
	var buf strings.Builder
	if err := web.ActivationSheet(s.page(r, "", ""), c.Name, s.siteURL(r), lines, s.now().Add(store.ActivationTTL)).Render(r.Context(), &buf); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(buf.String()))
}

// userChanges describes, for the audit log, what an admin changed in an
// account ("nom : Dupont → Durand").
func userChanges(before, after portfolio.User) []string {
	var out []string
	field := func(label, a, b string) {
		if a != b {
			out = append(out, label+" : "+orNone(a)+" → "+orNone(b))
		}
	}
	field("e-mail", before.Email, after.Email)
	field("prénom", before.FirstName, after.FirstName)
	field("nom", before.LastName, after.LastName)
	field("rôle", before.Role.Label(), after.Role.Label())
	field("parcours", before.Parcours, after.Parcours)
	field("session", yearOrEmpty(before.SessionYear), yearOrEmpty(after.SessionYear))
	field("numéro de candidat", before.CandidateNumber, after.CandidateNumber)
	field("centre", before.Centre, after.Centre)
	if before.ExamForm != after.ExamForm {
		out = append(out, "forme des épreuves : "+examFormText(before.ExamForm)+" → "+examFormText(after.ExamForm))
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(vide)"
	}
	return s
}

func yearOrEmpty(y int) string {
	if y == 0 {
		return ""
	}
	return strconv.Itoa(y)
}

// examFormText is a form of the épreuves in the audit log.
func examFormText(f portfolio.ExamForm) string {
	if f == portfolio.ExamUnknown {
		return "comme sa classe"
	}
	return f.Label()
}
