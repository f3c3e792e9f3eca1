package server

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/portfolio-sio/portfolio/internal/roster"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// Importing students: the admin uploads a CSV, sees what each line will
// do, and confirms; the confirmation posts the same file back (nothing is
// kept between the two steps) and writes every good line in one
// transaction.

func (s *Server) importForm(w http.ResponseWriter, r *http.Request) {
	c := routeClass(r.Context())
	s.render(w, r, http.StatusOK, web.ImportPage(s.page(r, "Import — "+c.Name, "admin"), web.ImportView{ClassID: c.ID, ClassName: c.Name}))
}

func (s *Server) importPreview(w http.ResponseWriter, r *http.Request) {
	c := routeClass(r.Context())
	s.slowUpload(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, roster.MaxSize+64<<10)
	v := web.ImportView{ClassID: c.ID, ClassName: c.Name}
	fail := func(msg string) {
		v.Error = msg
		s.render(w, r, http.StatusUnprocessableEntity, web.ImportPage(s.page(r, "Import — "+c.Name, "admin"), v))
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail("Le fichier dépasse 1 Mo : ce n'est pas une liste de classe.")
			return
		}
		fail("Choisissez un fichier CSV.")
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, roster.MaxSize+1))
	if err != nil {
		fail("Le fichier n'a pas pu être lu.")
		return
	}
	s.renderPreview(w, r, v, data)
}

func (s *Server) renderPreview(w http.ResponseWriter, r *http.Request, v web.ImportView, data []byte) {
	rows, err := roster.Parse(data)
	var fe *roster.ErrFile
	if errors.As(err, &fe) {
		v.Error = fe.Message
		s.render(w, r, http.StatusUnprocessableEntity, web.ImportPage(s.page(r, "Import — "+v.ClassName, "admin"), v))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	plan, err := s.store.PlanImport(r.Context(), v.ClassID, rows)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v.Counts = map[string]int{}
	for _, l := range plan {
		lv := web.ImportLineView{Line: l.Line, Name: l.LastName + " " + l.FirstName, Email: l.Email, Parcours: l.Parcours,
			Candidate: l.CandidateNumber, Action: string(l.Action)}
		switch l.Action {
		case store.ImportError:
			lv.Detail = l.Problem
		case store.ImportUpdate:
			lv.Detail = joinChanges(l.Changes)
		}
		v.Counts[lv.Action]++
		v.Lines = append(v.Lines, lv)
	}
	// Errors first, then updates, so that in a file of hundreds of lines
	// what needs a look is on top; file order within each kind.
	rank := map[string]int{string(store.ImportError): 0, string(store.ImportUpdate): 1}
	slices.SortStableFunc(v.Lines, func(a, b web.ImportLineView) int {
		ra, oka := rank[a.Action]
		rb, okb := rank[b.Action]
		if !oka {
			ra = 2
		}
		if !okb {
			rb = 2
		}
		return ra - rb
	})
	v.Data = base64.StdEncoding.EncodeToString(data)
	s.render(w, r, http.StatusOK, web.ImportPage(s.page(r, "Import — "+v.ClassName, "admin"), v))
}

func joinChanges(c []string) string {
	out := ""
	for i, x := range c {
		if i > 0 {
			out += " ; "
		}
		out += x
	}
	return out
}

func (s *Server) importConfirm(w http.ResponseWriter, r *http.Request) {
	c := routeClass(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, 2*roster.MaxSize)
	if err := r.ParseForm(); err != nil {
		s.badRequest(w, r, "Le formulaire envoyé est illisible.")
		return
	}
	data, err := base64.StdEncoding.DecodeString(r.PostForm.Get("data"))
	if err != nil || len(data) == 0 {
		s.badRequest(w, r, "Le fichier à importer est manquant : recommencez l'import.")
		return
	}
	rows, err := roster.Parse(data)
	if err != nil {
		s.renderPreview(w, r, web.ImportView{ClassID: c.ID, ClassName: c.Name}, data)
		return
	}
	session := 0
	if y, err := strconv.Atoi(c.SchoolYear[len(c.SchoolYear)-4:]); err == nil {
		session = y // a class of 2026-2027 sits the exam in 2027
	}
	created, updated, err := s.store.ApplyImport(r.Context(), c.ID, rows, session)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.audit(r, "import", c.Name, fmt.Sprintf("%d créé(s), %d mis à jour", created, updated))
	s.flash(r.Context(), fmt.Sprintf("Import terminé : %s, %d mis à jour. Imprimez la fiche d'activation pour leur remettre leurs liens.",
		web.Plural(created, "étudiant créé", "étudiants créés"), updated))
	http.Redirect(w, r, adminClassURL(c.ID), http.StatusSeeOther)
}
