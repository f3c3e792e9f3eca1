package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// The jury reads a student's portfolio through a read-only link the
// student creates (several allowed, each with an optional last day,
// revocable); every view is counted per day for the student to see.

func (s *Server) today() string { return s.now().Format(time.DateOnly) }

func juryURL(site, token string) string { return site + "/jury/" + token }

func (s *Server) showShares(w http.ResponseWriter, r *http.Request) {
	s.renderShares(w, r, http.StatusOK, web.ShareForm{})
}

func (s *Server) renderShares(w http.ResponseWriter, r *http.Request, status int, f web.ShareForm) {
	u := currentUser(r.Context())
	links, err := s.store.JuryLinks(r.Context(), u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := web.SharesView{Form: f, Today: s.today()}
	for _, l := range links {
		v.Links = append(v.Links, web.ShareRow{Link: l, URL: juryURL(s.siteURL(r), l.Token), Active: l.Active(v.Today)})
	}
	s.render(w, r, status, web.SharesPage(s.page(r, "Partager mon portfolio", "share"), v))
}

func (s *Server) createShare(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := web.ShareForm{Label: strings.Join(strings.Fields(r.PostForm.Get("label")), " "), Expires: strings.TrimSpace(r.PostForm.Get("expires")), Errors: portfolio.Errors{}}
	if !portfolio.CleanText(f.Label) || utf8.RuneCountInString(f.Label) > 100 {
		f.Errors["label"] = "Le libellé doit faire 100 caractères au plus, sans caractères spéciaux."
	}
	if f.Expires != "" {
		d, err := time.Parse(time.DateOnly, f.Expires)
		switch {
		case err != nil:
			f.Errors["expires"] = "Date invalide (AAAA-MM-JJ)."
		case d.Format(time.DateOnly) < s.today():
			f.Errors["expires"] = "La date de fin doit être aujourd'hui ou plus tard."
		case d.Year() > 2100:
			f.Errors["expires"] = "Date invalide."
		}
	}
	if len(f.Errors) > 0 {
		s.renderShares(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if _, err := s.store.CreateJuryLink(r.Context(), currentUser(r.Context()).ID, f.Label, f.Expires); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r.Context(), "Lien créé : transmettez-le au jury. Il figure aussi sur votre tableau de synthèse.")
	http.Redirect(w, r, "/partage", http.StatusSeeOther)
}

func (s *Server) revokeShare(w http.ResponseWriter, r *http.Request) {
	id, ok := parseID(chi.URLParam(r, "linkID"))
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.store.RevokeJuryLink(r.Context(), currentUser(r.Context()).ID, id); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r.Context(), "Lien révoqué : il ne fonctionne plus.")
	http.Redirect(w, r, "/partage", http.StatusSeeOther)
}

// juryLink resolves {token} to an active link and its student; anything
// else is a 404 that says nothing more.
func (s *Server) juryLink(w http.ResponseWriter, r *http.Request) (store.JuryLink, portfolio.User, bool) {
	l, err := s.store.JuryLinkByToken(r.Context(), chi.URLParam(r, "token"), s.today())
	if err != nil {
		s.juryNotFound(w, r, err)
		return l, portfolio.User{}, false
	}
	u, err := s.store.UserByID(r.Context(), l.StudentID)
	if err != nil || u.Disabled {
		s.juryNotFound(w, r, err)
		return l, u, false
	}
	return l, u, true
}

func (s *Server) juryNotFound(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil && err != portfolio.ErrNotFound {
		s.serverError(w, r, err)
		return
	}
	s.errorPage(w, r, http.StatusNotFound, "Lien invalide", "Ce lien de consultation n'existe pas, a été révoqué ou a expiré. Demandez un nouveau lien au candidat.")
}

// juryPortfolio is the read-only portfolio: profile, the réalisations of
// the tableau with their productions and evidence, and the tableau.
func (s *Server) juryPortfolio(w http.ResponseWriter, r *http.Request) {
	l, student, ok := s.juryLink(w, r)
	if !ok {
		return
	}
	if err := s.store.RecordView(r.Context(), l.ID, s.today()); err != nil {
		s.serverError(w, r, err)
		return
	}
	reals, err := s.store.ListRealisations(r.Context(), student.ID, store.RealisationFilter{})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	files, err := s.store.EvidenceOfStudent(r.Context(), student.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	student.PortfolioURL = juryURL(s.siteURL(r), l.Token)
	base := "/jury/" + l.Token
	v := web.JuryView{Student: student, Base: base, Scheme: s.ref(&student).Scheme(student.Parcours)}
	if tree := s.ref(&student).Grid(); tree != nil && !s.ref(&student).Working() {
		g, err := s.buildGrid(r.Context(), tree, student, reals, s.now())
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		v.Grid, v.Parcours = &g, student.Parcours
		if student.SessionYear > 0 {
			v.Session = strconv.Itoa(student.SessionYear)
		}
		for _, p := range tree.Parcours {
			if p.Code == student.Parcours {
				v.Parcours = p.Code + " — " + p.Title
			}
		}
	} else {
		v.Tableau = portfolio.BuildTableau(s.ref(&student), student, reals, s.now())
		v.Parcours, v.Session = v.Tableau.Header.Parcours, v.Tableau.Header.Session
	}
	for _, re := range reals {
		if re.OnTableau() {
			v.Realisations = append(v.Realisations, web.JuryRealisation{R: re, Files: files[re.ID]})
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Robots-Tag", "noindex")
	s.render(w, r, http.StatusOK, web.JuryPage(web.Page{Title: "Portfolio de " + student.FullName()}, v))
}

func (s *Server) juryPDF(w http.ResponseWriter, r *http.Request) {
	l, student, ok := s.juryLink(w, r)
	if !ok {
		return
	}
	// Cached like the student's own PDF, with this link's address on it:
	// a link opened in a loop renders each tableau once per change.
	src, err := s.tableauSource(r, &student)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	src.student.PortfolioURL = juryURL(s.siteURL(r), l.Token)
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.sendTableauPDF(w, r, src, &student)
}

// juryEvidence serves a file of a réalisation shown on the student's
// tableau, and nothing else.
func (s *Server) juryEvidence(w http.ResponseWriter, r *http.Request) {
	_, student, ok := s.juryLink(w, r)
	if !ok {
		return
	}
	id, ok := parseID(chi.URLParam(r, "evidenceID"))
	if !ok {
		s.notFound(w, r)
		return
	}
	e, err := s.store.EvidenceByID(r.Context(), id)
	if err != nil || e.StudentID != student.ID {
		s.juryNotFound(w, r, nil)
		return
	}
	real, err := s.store.GetRealisation(r.Context(), student.ID, e.RealisationID)
	if err != nil || !real.OnTableau() {
		s.juryNotFound(w, r, nil)
		return
	}
	s.sendEvidence(w, r, e)
}
