package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// The texts of a session an admin may enter (page « Textes de la
// session »), by their name in session_texts.
const (
	textTableauTitle    = store.TextTableauTitle
	textTableauSubtitle = store.TextTableauSubtitle
	textTableauSheet    = store.TextTableauSheet
	textFicheAnnexe     = store.TextFicheAnnexe
	textFicheEpreuve    = store.TextFicheEpreuve
)

// sessionTexts are the texts admins entered, read once and kept: they
// change only through the admin page, which forgets them once its change
// is written (forgetTexts). The lock orders a read that started before a
// change before that change's forgetting: no stale copy outlives it.
func (s *Server) sessionTexts(ctx context.Context) (map[store.SessionTextKey]string, error) {
	s.textsMu.Lock()
	defer s.textsMu.Unlock()
	if s.texts == nil {
		m, err := s.store.SessionTexts(ctx)
		if err != nil {
			return nil, err
		}
		s.texts = m
	}
	return s.texts, nil
}

// forgetTexts makes the next use read the texts again.
func (s *Server) forgetTexts() {
	s.textsMu.Lock()
	s.texts = nil
	s.textsMu.Unlock()
}

// textsFor are the texts an admin entered for a student's session (empty
// where none: the référentiel's then print).
func (s *Server) textsFor(ctx context.Context, student *portfolio.User) (portfolio.SessionTexts, error) {
	all, err := s.sessionTexts(ctx)
	if err != nil {
		return portfolio.SessionTexts{}, err
	}
	return store.TextsFor(all, student), nil
}

// buildGrid is the official tableau of a student, with the texts of
// their session: every tableau the server makes is made here.
func (s *Server) buildGrid(ctx context.Context, tree *referentiel.Tree, student portfolio.User, reals []portfolio.Realisation, now time.Time) (portfolio.Grid, error) {
	texts, err := s.textsFor(ctx, &student)
	if err != nil {
		return portfolio.Grid{}, err
	}
	g := portfolio.BuildGrid(tree, student, portfolio.GridEntries(student, reals), now)
	g.Apply(texts)
	return g, nil
}

// buildFiches are the fiches descriptives of réalisations of a student,
// with the texts of their session and the form of their épreuves (read
// once for them all): every fiche the server makes is made here.
func (s *Server) buildFiches(ctx context.Context, tree *referentiel.Tree, student portfolio.User, reals ...*portfolio.Realisation) ([]portfolio.Fiche, error) {
	texts, err := s.textsFor(ctx, &student)
	if err != nil {
		return nil, err
	}
	form, err := s.store.ExamForm(ctx, student.ID)
	if err != nil {
		return nil, err
	}
	out := make([]portfolio.Fiche, len(reals))
	for i, re := range reals {
		out[i], _ = portfolio.BuildFiche(tree, student, portfolio.FicheEntryOf(tree, re), texts, form)
		out[i].Made = s.now()
	}
	return out, nil
}

// sessionTextField is a field of the page: its name, label and check,
// and where the référentiel's value is (of the texts of the option, for
// the fiche's Épreuve line).
type sessionTextField struct {
	name, label, hint string
	check             func(string) string // the French message of what is wrong, "" if nothing
	parcours          string
	of                func(portfolio.SessionTexts) string
}

var annexeRE = regexp.MustCompile(`^[0-9A-Za-z]{1,8}([.-][0-9A-Za-z]{1,8}){0,3}$`)

// sessionTextFields are the page's fields for a référentiel.
func sessionTextFields(tree *referentiel.Tree) []sessionTextField {
	line := func(what string) func(string) string {
		return func(v string) string {
			switch {
			case !portfolio.CleanText(v) || strings.ContainsAny(v, "\r\n\t"):
				return what + " contient des caractères invalides (une seule ligne de texte)."
			case utf8.RuneCountInString(v) > 200:
				return what + " ne doit pas dépasser 200 caractères."
			}
			return ""
		}
	}
	fields := []sessionTextField{
		{name: textFicheAnnexe, label: "Numéro d’annexe de la fiche descriptive",
			of:   func(t portfolio.SessionTexts) string { return t.FicheAnnexe },
			hint: "Tel que la circulaire l’écrit, sans la lettre de l’option (ajoutée : A pour SISR, B pour SLAM), par exemple 9-1 (session 2025) ou VII-1 (session 2026).",
			check: func(v string) string {
				if !annexeRE.MatchString(v) {
					return "Le numéro d’annexe s’écrit comme dans la circulaire, par exemple 9-1 ou VII-1 : des chiffres et des lettres séparés par des tirets (ou des points)."
				}
				if strings.HasSuffix(v, "-A") || strings.HasSuffix(v, "-B") {
					return "Donnez le numéro sans la lettre de l’option (9-1 plutôt que 9-1-A) : elle est ajoutée, A pour SISR, B pour SLAM."
				}
				return ""
			}},
	}
	for _, p := range tree.Parcours {
		fields = append(fields, sessionTextField{name: textFicheEpreuve + p.Code, label: "Ligne « Épreuve » de la fiche (" + p.Code + ")",
			check: line("La ligne « Épreuve »"), parcours: p.Code, of: func(t portfolio.SessionTexts) string { return t.FicheEpreuve }})
	}
	return append(fields,
		sessionTextField{name: textTableauTitle, label: "Ligne 1 du tableau de synthèse", check: line("La ligne 1"),
			of: func(t portfolio.SessionTexts) string { return t.TableauTitle }},
		sessionTextField{name: textTableauSubtitle, label: "Ligne 2 du tableau de synthèse (son titre)", check: line("La ligne 2"),
			of: func(t portfolio.SessionTexts) string { return t.TableauSubtitle }},
		sessionTextField{name: textTableauSheet, label: "Nom de la feuille du tableau (fichier XLSX)",
			of:   func(t portfolio.SessionTexts) string { return t.TableauSheet },
			hint: "31 caractères au plus, sans : \\ / ? * [ ], comme Excel l’exige.",
			check: func(v string) string {
				if msg := line("Le nom de la feuille")(v); msg != "" {
					return msg
				}
				if len(utf16.Encode([]rune(v))) > 31 || strings.ContainsAny(v, `:\/?*[]`) || strings.HasPrefix(v, "'") || strings.HasSuffix(v, "'") {
					return "Un nom de feuille Excel a 31 caractères au plus (un emoji en compte deux), sans : \\ / ? * [ ] ni apostrophe au début ou à la fin."
				}
				return ""
			}},
	)
}

// sessionTextsRefs are the référentiels whose sessions have such texts
// (those with a fiche descriptive and épreuves by session), by code.
func (s *Server) sessionTextsRefs() []string {
	var out []string
	for code, ref := range s.refs {
		if ref.Tree != nil && ref.Tree.Fiche != nil {
			out = append(out, code)
		}
	}
	slices.Sort(out)
	return out
}

// sessionRange is the sessions the page offers: from the référentiel's
// first to three years ahead; and the one to show first, that of the
// students in their second year.
func (s *Server) sessionRange(tree *referentiel.Tree) (first, last, current int) {
	now := s.now()
	current = now.Year()
	if now.Month() >= time.September {
		current++
	}
	first = current
	for _, e := range tree.Epreuves {
		if e.From > 0 {
			first = min(first, e.From)
		}
	}
	return first, current + 3, current
}

// sessionTextsTarget resolves the référentiel and session a request is
// about; ok is false when it answered.
func (s *Server) sessionTextsTarget(w http.ResponseWriter, r *http.Request, values url.Values) (string, *referentiel.Tree, int, bool) {
	refs := s.sessionTextsRefs()
	if len(refs) == 0 {
		s.notFound(w, r)
		return "", nil, 0, false
	}
	code := values.Get("referentiel")
	if code == "" {
		code = refs[len(refs)-1]
	}
	if !slices.Contains(refs, code) {
		s.badRequest(w, r, "Référentiel inconnu.")
		return "", nil, 0, false
	}
	tree := s.refs[code].Tree
	first, last, current := s.sessionRange(tree)
	session := current
	if v := values.Get("session"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < first || n > last {
			s.badRequest(w, r, "Session inconnue : choisissez-la dans la liste.")
			return "", nil, 0, false
		}
		session = n
	}
	return code, tree, session, true
}

// showSessionTexts is the page « Textes de la session ».
func (s *Server) showSessionTexts(w http.ResponseWriter, r *http.Request) {
	code, tree, session, ok := s.sessionTextsTarget(w, r, r.URL.Query())
	if !ok {
		return
	}
	all, err := s.sessionTexts(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	values := map[string]string{}
	for _, f := range sessionTextFields(tree) {
		values[f.name] = all[store.SessionTextKey{Referentiel: code, Session: session, Name: f.name}]
	}
	s.renderSessionTexts(w, r, http.StatusOK, code, tree, session, values, nil)
}

func (s *Server) renderSessionTexts(w http.ResponseWriter, r *http.Request, status int, code string, tree *referentiel.Tree, session int,
	values map[string]string, errs portfolio.Errors) {
	first, last, _ := s.sessionRange(tree)
	v := web.SessionTextsView{Referentiel: code, Session: session, Errors: errs}
	for _, c := range s.sessionTextsRefs() {
		v.Referentiels = append(v.Referentiels, web.RefChoice{Code: c, Title: s.refs[c].Title})
	}
	for y := first; y <= last; y++ {
		v.Sessions = append(v.Sessions, y)
	}
	defaults := map[string]portfolio.SessionTexts{} // the référentiel's, by option
	for _, f := range sessionTextFields(tree) {
		d, ok := defaults[f.parcours]
		if !ok {
			d = portfolio.DefaultSessionTexts(tree, f.parcours, session)
			defaults[f.parcours] = d
		}
		v.Fields = append(v.Fields, web.SessionTextField{Name: f.name, Label: f.label, Hint: f.hint, Value: values[f.name], Default: f.of(d)})
	}
	s.render(w, r, status, web.SessionTextsPage(s.page(r, "Textes de la session", "admin"), v))
}

// setSessionTexts records the texts of a session: all of them, with a
// line of the audit log for each change, or none when one is refused.
func (s *Server) setSessionTexts(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	code, tree, session, ok := s.sessionTextsTarget(w, r, r.PostForm)
	if !ok {
		return
	}
	all, err := s.sessionTexts(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	values, errs := map[string]string{}, portfolio.Errors{}
	var changes []store.SessionTextChange
	me := currentUser(r.Context())
	for _, f := range sessionTextFields(tree) {
		key := store.SessionTextKey{Referentiel: code, Session: session, Name: f.name}
		if !r.PostForm.Has(f.name) { // a form of before the field existed keeps it
			values[f.name] = all[key]
			continue
		}
		v := strings.TrimSpace(r.PostForm.Get(f.name))
		values[f.name] = v
		if v != "" {
			if msg := f.check(v); msg != "" {
				errs[f.name] = msg
				continue
			}
		}
		if before := all[key]; before != v {
			changes = append(changes, store.SessionTextChange{Key: key, Value: v, Audit: store.AuditEntry{
				ActorID: me.ID, ActorEmail: me.Email, Action: "session_text", IP: clientIP(r),
				Target: code + " session " + strconv.Itoa(session),
				Detail: f.label + " : " + orNone(before) + " → " + orNone(v)}})
		}
	}
	if len(errs) > 0 {
		s.renderSessionTexts(w, r, http.StatusUnprocessableEntity, code, tree, session, values, errs)
		return
	}
	err = s.store.SetSessionTexts(r.Context(), changes)
	s.forgetTexts() // whatever happened: the database has what is true

	if err != nil {
		s.serverError(w, r, err)
		return
	}
	msg := "Aucun changement."
	if len(changes) > 0 {
		msg = "Textes de la session " + strconv.Itoa(session) + " enregistrés (" + strconv.Itoa(len(changes)) + " changement(s))."
	}
	s.flash(r.Context(), msg)
	http.Redirect(w, r, "/admin/textes-session?"+url.Values{"referentiel": {code}, "session": {strconv.Itoa(session)}}.Encode(), http.StatusSeeOther)
}
