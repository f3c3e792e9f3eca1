package server

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/auth"
	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/mailer"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

func (s *Server) showAccount(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, http.StatusOK, nil)
}

// renderAccount draws the account page, with the password form's errors.
func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, errs portfolio.Errors) {
	u := currentUser(r.Context())
	var classes []web.ClassSummary
	if u.Role == portfolio.RoleStudent {
		cs, err := s.store.StudentClasses(r.Context(), u.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		classes = classSummaries(cs)
	}
	s.render(w, r, status, web.AccountPage(s.page(r, "Mon compte", "account"), web.AccountView{User: *u, Classes: classes, PasswordErrors: errs,
		Mailing: s.mailer != nil && s.baseURL != ""}))
}

// changePassword lets anyone change their own password, knowing the
// current one; their other sessions end, this one goes on.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	u := currentUser(r.Context())
	cur, pw := r.PostForm.Get("current"), r.PostForm.Get("new")
	errs := portfolio.Errors{}
	if !auth.Check(u.PasswordHash, cur) {
		errs["current"] = "Ce n'est pas votre mot de passe actuel."
	} else if p := auth.CheckNewPassword(pw, u.Email, u.FirstName, u.LastName, u.FirstName+u.LastName, u.LastName+u.FirstName); p != "" {
		errs["new"] = p
	} else if pw != r.PostForm.Get("new2") {
		errs["new2"] = "Les deux mots de passe ne sont pas identiques."
	} else if pw == cur {
		errs["new"] = "Le nouveau mot de passe doit être différent de l'actuel."
	}
	if len(errs) > 0 {
		s.renderAccount(w, r, http.StatusUnprocessableEntity, errs)
		return
	}
	hash, err := s.hasher.Hash(pw)
	if err == nil {
		err = s.store.SetPassword(r.Context(), u.ID, hash)
	}
	var fresh portfolio.User
	if err == nil {
		fresh, err = s.store.UserByID(r.Context(), u.ID)
	}
	if err == nil {
		err = s.sessions.RenewToken(r.Context())
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "epoch", fresh.SessionEpoch) // this session goes on
	s.audit(r, "password_set", u.Email, "changé par l'utilisateur")
	s.flash(r.Context(), "Mot de passe changé. Vos autres sessions ouvertes sont fermées.")
	http.Redirect(w, r, "/compte", http.StatusSeeOther)
}

// resetMailEvery bounds the « mot de passe oublié » e-mails to an account.
const resetMailEvery = 5 * time.Minute

func (s *Server) showForgot(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.ForgotPage(s.page(r, "Mot de passe oublié", ""), web.ForgotView{Mailer: s.mailing()}))
}

// forgot e-mails a link to choose a new password, valid an hour and once,
// to the account's address. The answer is the same whether or not the
// address has an account (it tells nobody which addresses exist). The
// link is built on --base-url, never on the request's Host header (which
// whoever sends the form chooses): without it, the form is off.
func (s *Server) forgot(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	v := web.ForgotView{Email: strings.TrimSpace(r.PostForm.Get("email")), Mailer: s.mailing()}
	if !s.mailing() {
		s.render(w, r, http.StatusOK, web.ForgotPage(s.page(r, "Mot de passe oublié", ""), v))
		return
	}
	if _, err := mail.ParseAddress(v.Email); err != nil || len(v.Email) > 254 || !portfolio.CleanText(v.Email) {
		v.Email = searchQuery(v.Email)
		v.Error = "Indiquez l'adresse e-mail de votre compte (ex. prenom.nom@lycee.fr)."
		s.render(w, r, http.StatusUnprocessableEntity, web.ForgotPage(s.page(r, "Mot de passe oublié", ""), v))
		return
	}
	u, err := s.store.UserByEmail(r.Context(), v.Email)
	if err == nil && !u.Disabled {
		token, ok, err := s.store.CreateReset(r.Context(), u.ID, s.now(), resetMailEvery)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if ok {
			link := s.baseURL + "/activation/" + token
			body := fmt.Sprintf("Bonjour %s,\n\nQuelqu'un (vous, sans doute) a demandé à choisir un nouveau mot de passe pour votre compte Portfolio SIO (%s).\n"+
				"Ouvrez ce lien, valable une seule fois jusqu'au %s :\n\n%s\n\nSi vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n",
				u.FirstName, u.Email, s.now().Add(store.ResetTTL).Local().Format("02/01/2006 à 15:04"), link)
			if err := s.mailer.Send(r.Context(), mailer.Mail{To: u.Email, Subject: "Portfolio SIO : nouveau mot de passe", Body: body}); err != nil {
				s.log.Error("reset e-mail", "to", u.Email, "err", err)
			}
			s.audit(r, "password_reset_link", u.Email, "")
		}
	} else if err != nil && !errors.Is(err, portfolio.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	v.Sent = true
	s.render(w, r, http.StatusOK, web.ForgotPage(s.page(r, "Mot de passe oublié", ""), v))
}

// personalData is everything kept about a student, as exported to them.
type personalData struct {
	ExportedAt   time.Time             `json:"exported_at"`
	Account      accountData           `json:"account"`
	Classes      []string              `json:"classes"`
	Realisations []realisationDataJSON `json:"realisations"`
	Stages       []stageDataJSON       `json:"stages"`
}

// stageDataJSON is a stage in the personal data export: the stage, its
// carnet and its attestations (their files are in attestations/).
type stageDataJSON struct {
	portfolio.Stage
	Start        string               `json:"start"`
	End          string               `json:"end"`
	Carnet       []portfolio.LogEntry `json:"carnet"`
	Attestations []store.Attestation  `json:"attestations"`
}

type accountData struct {
	Email           string `json:"email"`
	FirstName       string `json:"first_name"`
	LastName        string `json:"last_name"`
	Parcours        string `json:"parcours"`
	CandidateNumber string `json:"candidate_number"`
	SessionYear     int    `json:"session_year"`
	Centre          string `json:"centre"`
}

type realisationDataJSON struct {
	portfolio.Realisation
	Start    string              `json:"start"`
	End      string              `json:"end"`
	Comments []portfolio.Comment `json:"comments"`
	History  []portfolio.Event   `json:"history"`
}

// personalDataZIP gives the student everything about them: a JSON file and
// their tableau as PDF (RGPD right of access and portability).
func (s *Server) personalDataZIP(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	ctx := r.Context()
	// One export at a time per student: it streams up to the whole quota.
	if _, busy := s.dataExports.LoadOrStore(u.ID, true); busy {
		s.errorPage(w, r, http.StatusTooManyRequests, "Export en cours", "Votre export est déjà en cours de téléchargement ; attendez qu'il se termine.")
		return
	}
	defer s.dataExports.Delete(u.ID)
	reals, err := s.store.ListRealisations(ctx, u.ID, store.RealisationFilter{})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	classes, err := s.store.StudentClasses(ctx, u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := personalData{ExportedAt: s.now().UTC(), Account: accountData{Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		Parcours: u.Parcours, CandidateNumber: u.CandidateNumber, SessionYear: u.SessionYear, Centre: u.Centre}}
	for _, c := range classes {
		d.Classes = append(d.Classes, c.Name+" ("+c.SchoolYear+")")
	}
	for _, re := range reals {
		comments, err := s.store.Comments(ctx, re.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		events, err := s.store.Events(ctx, re.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		d.Realisations = append(d.Realisations, realisationDataJSON{Realisation: re, Start: re.Start.ISO(), End: re.End.ISO(), Comments: comments, History: events})
	}
	stages, err := s.store.Stages(ctx, u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	atts, err := s.store.Attestations(ctx, u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, st := range stages {
		weeks, err := s.store.StageWeeks(ctx, st.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		d.Stages = append(d.Stages, stageDataJSON{Stage: st, Start: st.Start.Format(time.DateOnly), End: st.End.Format(time.DateOnly),
			Carnet: weeks, Attestations: atts[st.ID]})
	}
	// Streamed: the response starts now, so a later error can only be
	// logged (the ZIP is then visibly truncated).
	s.audit(r, "data_export", u.Email, "")
	attachment(w.Header(), "application/zip", "portfolio-sio-mes-donnees.zip")
	zw := zip.NewWriter(s.slowDownload(w))
	// A failure once the ZIP has started cuts the connection, so that the
	// browser shows a failed download rather than a truncated file.
	fail := func(err error) {
		s.log.Error("personal data export", "user", u.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
	jw, err := zw.Create("donnees.json")
	if err != nil {
		fail(err)
		return
	}
	enc := json.NewEncoder(jw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		fail(err)
		return
	}
	pw, err := zw.Create(export.FileName(*u, "pdf"))
	if err != nil {
		fail(err)
		return
	}
	if tree := s.ref(u).Grid(); tree != nil {
		var g portfolio.Grid
		if g, err = s.buildGrid(ctx, tree, *u, reals, s.now()); err == nil {
			paper, _ := export.ParsePaper(tree.Tableau.Paper)
			err = s.withPDFSlot(ctx, func() error { return export.GridPDF(pw, g, paper) })
		}
	} else {
		err = s.renderPDF(ctx, pw, portfolio.BuildTableau(s.ref(u), *u, reals, s.now()), export.A3)
	}
	if err != nil {
		fail(err)
		return
	}
	files, err := s.store.EvidenceOfStudent(ctx, u.ID)
	if err != nil {
		fail(err)
		return
	}
	for _, list := range files {
		for _, e := range list {
			if err := addEvidenceToZip(zw, s.store, e); err != nil {
				fail(err)
				return
			}
		}
	}
	for _, st := range stages {
		for _, a := range atts[st.ID] {
			if err := addFileToZip(zw, s.store, a.AsEvidence(), fmt.Sprintf("attestations/%d-%d-%s", st.ID, a.ID, a.Filename)); err != nil {
				fail(err)
				return
			}
		}
	}
	if err := zw.Close(); err != nil {
		fail(err)
	}
}

// addEvidenceToZip copies an evidence file into the personal data ZIP, as
// fichiers/<réalisation>-<id>-<name>.
func addEvidenceToZip(zw *zip.Writer, st *store.Store, e store.Evidence) error {
	return addFileToZip(zw, st, e, fmt.Sprintf("fichiers/%d-%d-%s", e.RealisationID, e.ID, e.Filename))
}

// addFileToZip copies a stored file into a ZIP under name.
func addFileToZip(zw *zip.Writer, st *store.Store, e store.Evidence, name string) error {
	f, err := st.OpenEvidence(e)
	if err != nil {
		return err
	}
	defer f.Close()
	// Stored as is: PDF, images and ZIP do not compress further.
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: e.CreatedAt.Local()}) // in the --timezone zone, as the other entries
	if err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	return err
}
