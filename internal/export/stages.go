package export

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// CarnetDoc is a stage's carnet de bord, the summary a tutor reads and signs.
type CarnetDoc struct {
	Student     portfolio.User
	Stage       portfolio.Stage
	Weeks       []CarnetWeek
	GeneratedAt time.Time
}

// CarnetWeek is one week of the carnet de bord.
type CarnetWeek struct {
	Week         time.Time // Monday
	Done         string
	Hours        float64
	Realisations []string // titles of the réalisations linked to the week
}

// AttestationDoc pre-fills the school's model of an attestation de stage.
type AttestationDoc struct {
	Student     portfolio.User
	Stage       portfolio.Stage
	Contents    []string // the content of the stage: its missions, then the réalisations done during it
	GeneratedAt time.Time
}

// SummaryDoc is the portfolio summary of the exam dossier: every
// réalisation with its competences, "how" sentences and production links.
type SummaryDoc struct {
	Student     portfolio.User
	Referentiel string // its title, e.g. « BTS SIO — référentiel 2019 »
	GeneratedAt time.Time
	Items       []SummaryItem
}

// SummaryItem is one réalisation of the summary.
type SummaryItem struct {
	Title, Period, Cadre, Status, Organisation string
	Description                                string
	Competences                                []SummaryCompetence
	Productions                                []portfolio.Production
}

// SummaryCompetence is a competence a réalisation exercised.
type SummaryCompetence struct {
	Code, Title, How string
	Details          []string // ticked sub-items, "code — title"
}

// AttestationBanner heads the attestation: the school's model is not the
// national one, and whoever signs it must know.
const AttestationBanner = "Modèle proposé par l'établissement — ce document n'est pas le modèle d'attestation de la circulaire nationale d'organisation de l'examen."

// summaryDescriptionMax caps a description in the summary, in characters:
// the summary is an overview, the fiche holds the whole text.
const summaryDescriptionMax = 3000

// catch turns a panic of the PDF library into an error.
func catch(err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("PDF library: %v", p)
	}
}

// finish writes the document, or the first error fpdf met.
func (s *sheet) finish(w io.Writer) error {
	if err := s.p.Error(); err != nil {
		return err
	}
	return s.p.Output(w)
}

// title writes the document's title, centred, and the date it was made.
func (s *sheet) title(text string, at time.Time) {
	s.font("B", 15)
	for _, line := range s.p.SplitText(text, s.width) {
		s.line(s.x0, s.width, 8, line, "C", false, "")
	}
	if !at.IsZero() {
		s.font("", 8)
		s.p.SetTextColor(90, 90, 90)
		s.line(s.x0, s.width, 4.5, "Généré le "+at.Format("02/01/2006")+" par Portfolio SIO", "C", false, "")
		s.p.SetTextColor(0, 0, 0)
	}
	s.gap(3)
}

// CarnetPDF draws the carnet de bord of a stage on A4 portrait: the
// identification of the student, the organisation and the tutor, the
// stage's dates and length, the table of its weeks with their total of
// hours, and the boxes where the tutor and the student sign.
func CarnetPDF(w io.Writer, d CarnetDoc) (err error) {
	defer catch(&err)
	st := d.Stage
	s, err := newSheet("Carnet de bord du stage — "+st.Organisation, d.Student.OfficialName(), d.GeneratedAt)
	if err != nil {
		return err
	}
	s.title("Carnet de bord du stage", d.GeneratedAt)

	const lw, size = 42.0, 9.5
	s.heading("Étudiant(e)", 10, 15)
	s.field("Nom :", d.Student.OfficialName(), lw, size)
	s.field("Option :", orBlank(optionText(d.Student.Parcours)), lw, size)
	s.field("Centre de formation :", orBlank(d.Student.Centre), lw, size)
	s.gap(2)
	s.heading("Organisation d'accueil", 10, 15)
	s.field("Organisation :", st.Organisation, lw, size)
	s.field("Adresse :", orBlank(st.Address), lw, size)
	if st.SIRET != "" {
		s.field("SIRET :", siretText(st.SIRET), lw, size)
	}
	if st.Service != "" {
		s.field("Service :", st.Service, lw, size)
	}
	s.field("Tuteur :", joinNonEmpty(", ", st.TutorName, st.TutorFunction), lw, size)
	if contact := joinNonEmpty(" · ", st.TutorEmail, st.TutorPhone); contact != "" {
		s.field("Contact du tuteur :", contact, lw, size)
	}
	s.gap(2)
	s.heading(st.Kind.Label()+" de "+portfolio.YearLabel(st.Year), 10, 10)
	s.field("Dates :", st.PeriodText(), lw, size)
	s.field("Durée :", durationText(st), lw, size)
	s.gap(4)

	cols := []column{
		{"Semaine", 27, "L"},
		{"Activités réalisées", s.width - 27 - 16 - 48, "L"},
		{"Heures", 16, "R"},
		{"Réalisations liées", 48, "L"},
	}
	const cell = 8.5
	s.heading("Semaines du stage", 10, 20)
	s.ensure(18)
	s.tableHeader(cols, cell)
	s.onPage = func() { s.tableHeader(cols, cell) }
	total := 0.0
	for _, wk := range d.Weeks {
		total += wk.Hours
		reals := make([]string, len(wk.Realisations))
		for i, r := range wk.Realisations {
			reals[i] = "• " + r
		}
		hours := ""
		if wk.Hours > 0 {
			hours = hoursText(wk.Hours)
		}
		s.tableRow(cols, []string{"Semaine du " + wk.Week.Format("02/01/2006"), wk.Done, hours, strings.Join(reals, "\n")}, "", cell)
	}
	if len(d.Weeks) == 0 {
		s.tableRow(cols, []string{"", "Aucune semaine renseignée.", "", ""}, "", cell)
	}
	totalCols := []column{{"", cols[0].width + cols[1].width, "R"}, cols[2], cols[3]}
	s.tableRow(totalCols, []string{"Total des heures", hoursText(total), ""}, "B", cell)
	s.onPage = nil

	s.gap(6)
	s.signatureBoxes(38, "Visa du tuteur (nom, date, signature)", "Visa de l'étudiant(e)")
	return s.finish(w)
}

// durationText is « 5 semaines (24 jours de présence) ».
func durationText(st portfolio.Stage) string {
	days := st.WorkingDays()
	unit := " jours de présence"
	if days < 2 {
		unit = " jour de présence"
	}
	return portfolio.WeeksText(st.Weeks()) + " (" + strconv.Itoa(days) + unit + ")"
}

// joinNonEmpty joins the parts that are not blank.
func joinNonEmpty(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

// AttestationPDF draws the school's model of the attestation de stage
// (certificat de travail for an alternance), pre-filled: the banner saying
// it is not the national model, the organisation, the student, and what
// the référentiel (annexe III.B) asks the attestation to state — the dates,
// the length and the content of the stage — then the blanks the
// organisation fills in, signs and stamps.
func AttestationPDF(w io.Writer, d AttestationDoc) (err error) {
	defer catch(&err)
	st := d.Stage
	label := st.Kind.AttestationLabel()
	s, err := newSheet(strings.ToUpper(label[:1])+label[1:]+" — "+d.Student.OfficialName(), d.Student.OfficialName(), d.GeneratedAt)
	if err != nil {
		return err
	}
	p := s.p

	// The banner: bold, on a tint, framed.
	s.font("B", 9)
	bl := p.SplitText(AttestationBanner, s.width-6)
	y := p.GetY()
	h := float64(len(bl))*lineHeight(9) + 4
	p.SetFillColor(255, 243, 205)
	p.SetDrawColor(180, 120, 0)
	p.SetLineWidth(0.5)
	p.Rect(s.x0, y, s.width, h, "FD")
	p.SetLineWidth(0.2)
	p.SetDrawColor(0, 0, 0)
	p.SetXY(s.x0, y+2)
	for _, line := range bl {
		s.line(s.x0+3, s.width-6, lineHeight(9), line, "C", false, "")
	}
	p.SetXY(s.x0, y+h)
	s.gap(8)

	s.font("B", 17)
	s.line(s.x0, s.width, 9, strings.ToUpper(label), "C", false, "")
	s.font("", 10)
	bts := "BTS Services informatiques aux organisations"
	if d.Student.SessionYear > 0 {
		bts += " — Session " + strconv.Itoa(d.Student.SessionYear)
	}
	s.line(s.x0, s.width, 6, bts, "C", false, "")
	s.gap(6)

	const lw, size = 45.0, 10.0
	s.heading("L'organisation", 10.5, 15)
	s.gap(1)
	s.field("Raison sociale :", orBlank(st.Organisation), lw, size)
	s.field("Adresse :", orBlank(st.Address), lw, size)
	s.field("SIRET :", orBlank(siretText(st.SIRET)), lw, size)
	s.field("Service :", orBlank(st.Service), lw, size)
	s.gap(4)
	s.text("B", 11, 0, "atteste que", false)
	s.gap(2)
	s.field("l'étudiant(e) :", d.Student.OfficialName(), lw, size)
	s.field("Option :", orBlank(optionText(d.Student.Parcours)), lw, size)
	s.field("Centre de formation :", orBlank(d.Student.Centre), lw, size)
	s.gap(3)
	what := "a effectué un stage de " + portfolio.YearLabel(st.Year)
	heading := "Contenu du stage :"
	if st.Kind == portfolio.KindAlternance {
		what = "a été employé(e) en qualité d'apprenti(e) (" + portfolio.YearLabel(st.Year) + " de BTS)"
		heading = "Contenu de la période :"
	}
	s.text("", size, 0, what+" dans notre organisation :", false)
	s.gap(1)
	s.field("Dates :", st.PeriodText(), lw, size)
	s.field("Durée :", portfolio.WeeksText(st.Weeks())+", soit "+strconv.Itoa(st.WorkingDays())+" jours de présence", lw, size)
	s.gap(3)
	s.font("B", size)
	s.ensure(3 * lineHeight(size))
	s.line(s.x0, s.width, lineHeight(size)+1, heading, "L", false, "")
	var contents []string
	for _, c := range d.Contents {
		if strings.TrimSpace(c) != "" {
			contents = append(contents, c)
		}
	}
	if len(contents) == 0 {
		contents = []string{blank + blank, blank + blank}
	}
	s.bullets(size, 3, contents)
	s.gap(8)
	s.font("", size)
	s.ensure(8 + 45)
	s.line(s.x0, s.width, 6, "Fait à "+blank+" le "+blank, "L", false, "")
	s.gap(3)
	s.signatureBoxes(42, "Nom, fonction et signature du responsable de l'organisation", "Cachet de l'organisation")
	return s.finish(w)
}

// SummaryPDF draws the synthèse of a student's portfolio for the exam
// dossier: the student's identity, then every réalisation with its
// période, cadre, organisation and statut, its description (capped), the
// competences it exercised with how, and its productions as links.
func SummaryPDF(w io.Writer, d SummaryDoc) (err error) {
	defer catch(&err)
	u := d.Student
	s, err := newSheet("Synthèse du portfolio — "+u.OfficialName(), u.OfficialName(), d.GeneratedAt)
	if err != nil {
		return err
	}
	s.title("Synthèse du portfolio", d.GeneratedAt)
	const lw, size = 42.0, 9.5
	s.field("Nom :", u.OfficialName(), lw, size)
	if u.CandidateNumber != "" {
		s.field("N° de candidat :", u.CandidateNumber, lw, size)
	}
	if u.Parcours != "" {
		s.field("Option :", optionText(u.Parcours), lw, size)
	}
	if u.Centre != "" {
		s.field("Centre de formation :", u.Centre, lw, size)
	}
	if u.SessionYear > 0 {
		s.field("Session :", strconv.Itoa(u.SessionYear), lw, size)
	}
	if d.Referentiel != "" {
		s.field("Référentiel :", d.Referentiel, lw, size)
	}
	n := strconv.Itoa(len(d.Items)) + " réalisation"
	if len(d.Items) > 1 {
		n += "s"
	}
	s.gap(2)
	s.text("B", 10.5, 0, n, false)
	s.gap(3)

	for i, it := range d.Items {
		// The heading keeps with its line of facts and a few lines.
		s.heading(strconv.Itoa(i+1)+". "+it.Title, 10.5, 5*lineHeight(size))
		s.gap(1)
		facts := joinNonEmpty(" · ", labelled("Période", it.Period), labelled("Cadre", it.Cadre),
			labelled("Organisation", it.Organisation), labelled("Statut", it.Status))
		if facts != "" {
			s.p.SetTextColor(60, 60, 60)
			s.text("", 8.5, 0, facts, false)
			s.p.SetTextColor(0, 0, 0)
			s.gap(1)
		}
		if desc := strings.TrimSpace(it.Description); desc != "" {
			s.text("", size, 0, truncate(desc, summaryDescriptionMax), false)
			s.gap(1.5)
		}
		if len(it.Competences) > 0 {
			s.ensure(3 * lineHeight(size))
			s.text("B", size, 0, "Compétences", false)
			for _, c := range it.Competences {
				s.ensure(2 * lineHeight(size))
				s.text("B", 9, 3, joinNonEmpty(" — ", c.Code, c.Title), false)
				if how := strings.TrimSpace(c.How); how != "" {
					s.text("", 9, 6, how, true)
				}
				s.bullets(8.5, 6, c.Details)
			}
			s.gap(1.5)
		}
		if len(it.Productions) > 0 {
			s.ensure(2 * lineHeight(size))
			s.text("B", size, 0, "Productions", false)
			s.productions(it.Productions, 9)
		}
		s.gap(4)
	}
	return s.finish(w)
}

// labelled is « Label : value », or "" without a value.
func labelled(label, value string) string {
	if strings.TrimSpace(value) == "" {
		return ""
	}
	return label + " : " + value
}

// productions lists « title : URL », every line of an entry a link to its
// URL when the URL can be one.
func (s *sheet) productions(prods []portfolio.Production, size float64) {
	s.font("", size)
	lh := lineHeight(size)
	bw := s.p.GetStringWidth("• ") + 1
	const indent = 3.0
	for _, pr := range prods {
		text := joinNonEmpty(" : ", pr.Title, pr.URL)
		link := linkTarget(pr.URL)
		for i, line := range s.p.SplitText(text, s.width-indent-bw) {
			s.ensure(lh)
			if i == 0 {
				s.p.SetXY(s.x0+indent, s.p.GetY())
				s.p.CellFormat(bw, lh, "•", "", 0, "L", false, 0, "")
			}
			if link != "" {
				s.p.SetTextColor(20, 60, 160)
			}
			s.line(s.x0+indent+bw, s.width-indent-bw, lh, line, "L", false, link)
			s.p.SetTextColor(0, 0, 0)
		}
	}
}

// NoticePDF is the first page of a merged dossier when documents had to
// be left out: which, and why, so that the reader knows something is
// missing and the student what to upload again.
func NoticePDF(w io.Writer, student portfolio.User, problems []PartProblem, at time.Time) (err error) {
	defer catch(&err)
	s, err := newSheet("Documents non inclus — "+student.OfficialName(), student.OfficialName(), at)
	if err != nil {
		return err
	}
	s.title("Documents non inclus dans ce dossier", at)
	s.text("", 10, 0, "Candidat : "+student.OfficialName(), false)
	s.gap(3)
	s.text("", 10, 0, "Les documents suivants, déposés dans Portfolio SIO, n'ont pas pu être assemblés dans ce PDF. Les autres documents du dossier suivent.", false)
	s.gap(2)
	items := make([]string, len(problems))
	for i, p := range problems {
		items[i] = p.Name + " : " + p.Reason + "."
	}
	s.bullets(10, 2, items)
	s.gap(3)
	s.text("", 10, 0, "Le candidat doit déposer de nouveau chaque document concerné, numérisé en PDF ou en image (JPEG, PNG).", false)
	return s.finish(w)
}
