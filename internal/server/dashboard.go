package server

import (
	"bytes"
	"cmp"
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// home sends students to their réalisations and shows the staff their
// classes.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	if u.Role == portfolio.RoleStudent {
		http.Redirect(w, r, "/realisations", http.StatusSeeOther)
		return
	}
	teacher := u.ID
	if u.Role == portfolio.RoleAdmin {
		teacher = 0
	}
	classes, err := s.store.Classes(r.Context(), teacher)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.StaffHome(s.page(r, "Mes classes", "home"), classSummaries(classes), u.Role == portfolio.RoleAdmin))
}

func classSummary(c store.Class) web.ClassSummary {
	cs := web.ClassSummary{ID: c.ID, Name: c.Name, SchoolYear: c.SchoolYear, Referentiel: c.Referentiel, Parcours: c.Parcours,
		Archived: c.Archived, Students: c.Students, Submitted: c.Submitted}
	if !c.Deadline.IsZero() {
		cs.Deadline = c.Deadline.Format("02/01/2006")
	}
	return cs
}

// openableClasses keeps the classes whose page the viewer may open (all of
// them for an admin, those they teach for a teacher), for breadcrumbs.
func (s *Server) openableClasses(ctx context.Context, viewer *portfolio.User, cs []store.Class) ([]store.Class, error) {
	if viewer.Role == portfolio.RoleAdmin {
		return cs, nil
	}
	var out []store.Class
	for _, c := range cs {
		ok, err := s.store.TeachesClass(ctx, viewer.ID, c.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}

func classSummaries(cs []store.Class) []web.ClassSummary {
	out := make([]web.ClassSummary, len(cs))
	for i, c := range cs {
		out[i] = classSummary(c)
	}
	return out
}

const classKey ctxKey = 101

// loadClass resolves {classID}: an admin sees every class, a teacher only
// the classes they teach (others are a 404).
func (s *Server) loadClass(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := parseID(chi.URLParam(r, "classID"))
		if !ok {
			s.notFound(w, r)
			return
		}
		var c store.Class
		var err error
		if u := currentUser(r.Context()); u.Role == portfolio.RoleAdmin {
			c, err = s.store.ClassByID(r.Context(), id)
		} else {
			c, err = s.store.TaughtClass(r.Context(), id, u.ID) // not found unless taught
		}
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), classKey, &c)))
	})
}

func routeClass(ctx context.Context) *store.Class {
	c, _ := ctx.Value(classKey).(*store.Class)
	return c
}

// reviewStatuses are the columns of per-student counts on a dashboard.
var reviewStatuses = []portfolio.Status{portfolio.StatusDraft, portfolio.StatusSubmitted, portfolio.StatusRework, portfolio.StatusValidated}

// showClass is a class dashboard: the review queue, oldest first, and the
// students × activities heat map of the class's parcours.
func (s *Server) showClass(w http.ResponseWriter, r *http.Request) {
	c := routeClass(r.Context())
	opts := heatOptionsOf(r)
	// The body is the same for every viewer and changes only with the
	// class's stamp (or its own columns): it is kept rendered.
	s.renderFramed(w, r, s.page(r, c.Name, "home"), classBodyKey(c, opts), func(buf *bytes.Buffer) error {
		v, err := s.classView(r.Context(), c, opts)
		if err != nil {
			return err
		}
		return web.ClassDashboardBody(v).Render(r.Context(), buf)
	}, web.ClassDashboard)
}

// classBodyKey names a class dashboard's body in the page cache: the
// class, field by field (its stamp moves with everything else the body
// shows: students, réalisations, reviews), and the heat map's options.
// Students and Submitted are counts of the class lists, never set on the
// class a route loads (TestClassKeyNamesEveryField).
func classBodyKey(c *store.Class, o web.HeatOptions) string {
	return newKey(128).str("class").num(c.ID).num(c.Stamp).str(c.Name).str(c.SchoolYear).str(c.Referentiel).str(c.Parcours).
		str(c.Deadline.Day()).flag(c.Archived).str(string(c.ExamForm)).str(o.Sort).str(o.Filter).String()
}

// heatOptionsOf reads the heat map's order and filter from the query; an
// unknown value is the default (by name, every student).
func heatOptionsOf(r *http.Request) web.HeatOptions {
	q := r.URL.Query()
	o := web.HeatOptions{Sort: q.Get("tri"), Filter: q.Get("filtre")}
	if o.Sort != web.SortFewestCovered {
		o.Sort = ""
	}
	if o.Filter != web.FilterNoSecondYearWork && o.Filter != web.FilterToReview {
		o.Filter = ""
	}
	return o
}

// arrange filters and orders the heat map's rows as the options say, then
// counts, per column, the students shown who cover it.
func arrange(v *web.ClassView, noSecondYear map[int64]bool) {
	rows := v.Rows[:0:0]
	for _, row := range v.Rows {
		switch v.Options.Filter {
		case web.FilterNoSecondYearWork:
			if !noSecondYear[row.ID] {
				continue
			}
		case web.FilterToReview:
			if row.Waiting == 0 {
				continue
			}
		}
		rows = append(rows, row)
	}
	if v.Options.Sort == web.SortFewestCovered {
		// Stable: students who cover as many stay in name order.
		slices.SortStableFunc(rows, func(a, b web.HeatRow) int {
			if c := cmp.Compare(a.Validated+a.Pending, b.Validated+b.Pending); c != 0 {
				return c
			}
			return cmp.Compare(a.Validated, b.Validated)
		})
	}
	v.Rows = rows
	v.ColumnTotals = make([]web.HeatTotal, len(v.Columns))
	v.TypeTotals = make([]web.HeatTotal, len(v.Types))
	for _, row := range rows {
		count(v.ColumnTotals, row.Cells)
		count(v.TypeTotals, row.Types)
	}
}

func count(totals []web.HeatTotal, cells []portfolio.Coverage) {
	for i, c := range cells {
		switch c {
		case portfolio.CoveredValidated:
			totals[i].Validated++
		case portfolio.CoveredPending:
			totals[i].Pending++
		}
	}
}

// classCoverageFile downloads a class's heat map, in the order and with the
// filter of the page it was asked from, as a spreadsheet: one row per
// student, one column per type and per activity (or competence), then the
// counts of students per column.
func (s *Server) classCoverageFile(write func(io.Writer, export.Table) error, ext, contentType string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := routeClass(r.Context())
		v, err := s.classView(r.Context(), c, heatOptionsOf(r))
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		var buf bytes.Buffer
		if err := write(&buf, coverageTable(v)); err != nil {
			s.serverError(w, r, err)
			return
		}
		sendAttachment(w, contentType, export.ClassFileName(c.Name, c.SchoolYear, "couverture."+ext), buf.Bytes())
	}
}

// coverageTable is the heat map as a table: words rather than the page's
// letters, since a spreadsheet has no legend.
func coverageTable(v web.ClassView) export.Table {
	t := export.Table{Title: "Couverture des " + v.Names.Ticks + " — " + v.Class.Name + " (" + v.Class.SchoolYear + ")", Sheet: "Couverture"}
	t.Header = []string{"Nom", "Prénom", "Parcours"}
	for _, st := range v.Statuses {
		t.Header = append(t.Header, "Réalisations : "+st.Label())
	}
	t.Header = append(t.Header, web.Capital(v.Names.Ticks)+" validées (sur "+strconv.Itoa(len(v.Columns))+")")
	for _, ty := range v.Types {
		t.Header = append(t.Header, ty.Short)
	}
	for _, c := range v.Columns {
		t.Header = append(t.Header, c.Code)
	}
	level := map[portfolio.Coverage]string{portfolio.CoveredValidated: "validée", portfolio.CoveredPending: "en cours"}
	for _, row := range v.Rows {
		rec := []string{row.LastName, row.FirstName, row.Parcours}
		for _, n := range row.ByStatus {
			rec = append(rec, strconv.Itoa(n))
		}
		rec = append(rec, strconv.Itoa(row.Validated))
		for _, c := range append(slices.Clip(row.Types), row.Cells...) {
			rec = append(rec, level[c])
		}
		t.Rows = append(t.Rows, rec)
	}
	lead := len(v.Statuses) + 4
	for _, total := range []struct {
		label string
		n     func(web.HeatTotal) int
	}{
		{"Étudiants : couverte et validée", func(h web.HeatTotal) int { return h.Validated }},
		{"Étudiants : en cours seulement", func(h web.HeatTotal) int { return h.Pending }},
	} {
		rec := make([]string, lead, lead+len(v.TypeTotals)+len(v.ColumnTotals))
		rec[0] = total.label
		for _, h := range append(slices.Clip(v.TypeTotals), v.ColumnTotals...) {
			rec = append(rec, strconv.Itoa(total.n(h)))
		}
		t.Rows = append(t.Rows, rec)
	}
	return t
}

// classView reads a class's dashboard.
func (s *Server) classView(ctx context.Context, c *store.Class, opts web.HeatOptions) (web.ClassView, error) {
	d, err := s.store.ClassDashboard(ctx, c.ID)
	if err != nil {
		return web.ClassView{}, err
	}
	ref := s.refs[c.Referentiel]
	if ref == nil {
		ref = s.ref(nil)
	}
	cols, groups := portfolio.Columns(ref, c.Parcours)
	sc := ref.Scheme(c.Parcours)
	papers := [][2]string{{"A3", "A3 paysage"}, {"A4", "A4 paysage"}}
	if tree := ref.Grid(); tree != nil {
		orientation := map[string]string{"portrait": "portrait", "landscape": "paysage"}[tree.Tableau.Orientation]
		other := map[string]string{"A3": "A4", "A4": "A3"}[tree.Tableau.Paper]
		papers = [][2]string{{tree.Tableau.Paper, tree.Tableau.Paper + " " + orientation + " (comme le modèle)"}, {other, other + " " + orientation}}
	}
	v := web.ClassView{Papers: papers, Class: classSummary(*c), Columns: cols, Groups: groups, Types: sc.Types, Names: sc.Names, Statuses: reviewStatuses, Waiting: d.Waiting, Options: opts}
	noSecondYear := make(map[int64]bool, len(d.Students))
	colIndex := make(map[string]int, len(cols))
	for i, col := range cols {
		colIndex[col.Code] = i
	}
	typeIndex := make(map[string]int, len(sc.Types))
	for i, t := range sc.Types {
		typeIndex[t.Code] = i
	}
	// One backing array for every row's counts and cells.
	backing := make([]portfolio.Coverage, len(d.Students)*(len(cols)+len(sc.Types)))
	counts := make([]int, len(d.Students)*len(reviewStatuses))
	v.Rows = make([]web.HeatRow, 0, len(d.Students))
	for i, st := range d.Students {
		row := web.HeatRow{ID: st.User.ID, Name: st.User.LastName + " " + st.User.FirstName, FirstName: st.User.FirstName,
			LastName: st.User.LastName, Parcours: st.User.Parcours, Total: st.Total(), Waiting: st.ByStatus[portfolio.StatusSubmitted]}
		noSecondYear[row.ID] = !sc.SecondYearWork(st.Cadres)
		row.ByStatus = counts[i*len(reviewStatuses) : (i+1)*len(reviewStatuses) : (i+1)*len(reviewStatuses)]
		for j, status := range reviewStatuses {
			row.ByStatus[j] = st.ByStatus[status]
		}
		cells := backing[i*(len(cols)+len(sc.Types)) : (i+1)*(len(cols)+len(sc.Types)) : (i+1)*(len(cols)+len(sc.Types))]
		row.Cells, row.Types = cells[:len(cols):len(cols)], cells[len(cols):]
		store.Levels(st.Activities, colIndex, row.Cells)
		store.Levels(st.Types, typeIndex, row.Types)
		for _, cov := range row.Cells {
			switch cov {
			case portfolio.CoveredValidated:
				row.Validated++
			case portfolio.CoveredPending:
				row.Pending++
			}
		}
		v.Rows = append(v.Rows, row)
	}
	for _, q := range d.Queue {
		v.Queue = append(v.Queue, web.QueueRow{URL: studentsRealisationURL(q.StudentID, q.RealisationID),
			Student: q.StudentName, Title: q.Title, SubmittedAt: q.SubmittedAt})
	}
	arrange(&v, noSecondYear)
	return v, nil
}

// showStudent is a student's page for the staff: coverage and réalisations.
func (s *Server) showStudent(w http.ResponseWriter, r *http.Request) {
	student := routeStudent(r.Context())
	viewer := currentUser(r.Context())
	list, err := s.store.ListRealisations(r.Context(), student.ID, store.RealisationFilter{})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	summary, err := s.coverageSummary(r.Context(), student)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	unread, err := s.store.Unread(r.Context(), viewer.ID, student.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	classes, err := s.store.StudentClasses(r.Context(), student.ID)
	if err == nil {
		classes, err = s.openableClasses(r.Context(), viewer, classes)
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	may, err := s.staffMayChange(r.Context(), viewer, student.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.StudentOverview(s.page(r, student.FullName(), "home"), web.StudentView{
		Student: *student, Scheme: s.ref(student).Scheme(student.Parcours), Classes: classSummaries(classes), Realisations: list, Summary: summary, Unread: unread,
		ReadOnly: !may,
	}))
}

func (s *Server) coverageSummary(ctx context.Context, student *portfolio.User) (portfolio.CoverageSummary, error) {
	acts, types, err := s.store.StudentCoverage(ctx, student.ID)
	if err != nil {
		return portfolio.CoverageSummary{}, err
	}
	return portfolio.Summarize(s.ref(student), student.Parcours, acts, types), nil
}
