package server

import (
	"context"
	"strconv"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/web"
)

// Notifications (issue #16): what concerns each user — for a teacher, the
// réalisations submitted in their classes and the comments on them; for a
// student, their réalisations validated, sent back, reopened or commented,
// their attestations accepted or refused, their class deadline 7 days and
// 1 day ahead. Each is shown in the app (header counter, « Notifications »)
// and mailed as the user chose (mail.go). Adding them never fails the
// action that caused them: an error is logged.

// The kinds of notification, which also group a student's mails.
const (
	kindSubmitted   = "submitted"
	kindComment     = "comment"
	kindValidated   = "validated"
	kindRework      = "rework"
	kindReopened    = "reopened"
	kindAttestation = "attestation"
	kindDeadline    = "deadline"
)

// kindCounts name several notifications of one kind, in a mail's subject.
var kindCounts = map[string]string{
	kindSubmitted:   "%d réalisations soumises",
	kindComment:     "%d nouveaux commentaires",
	kindValidated:   "%d réalisations validées",
	kindRework:      "%d réalisations à reprendre",
	kindReopened:    "%d réalisations rouvertes",
	kindAttestation: "%d décisions sur vos attestations",
	kindDeadline:    "%d rappels de date limite",
}

func (s *Server) notify(ctx context.Context, list ...store.Notification) {
	if err := s.store.Notify(ctx, list); err != nil {
		s.log.Error("notify", "err", err)
	}
}

// quoted is « title », cut to 120 characters.
func quoted(title string) string {
	r := []rune(title)
	if len(r) > 120 {
		title = string(r[:119]) + "…"
	}
	return "«\u00a0" + title + "\u00a0»"
}

// notifyTeachers tells the student's teachers (of running classes).
func (s *Server) notifyTeachers(ctx context.Context, student *portfolio.User, kind, title string, realID int64) {
	teachers, err := s.store.ActiveTeachers(ctx, student.ID)
	if err != nil {
		s.log.Error("notify teachers", "err", err)
		return
	}
	url := studentsRealisationURL(student.ID, realID)
	list := make([]store.Notification, 0, len(teachers))
	for _, id := range teachers {
		list = append(list, store.Notification{UserID: id, Kind: kind, Title: title, URL: url})
	}
	s.notify(ctx, list...)
}

// afterTransition notifies what a review step changes for the other side.
func (s *Server) afterTransition(ctx context.Context, viewer *portfolio.User, real portfolio.Realisation, act portfolio.Action) {
	switch act {
	case portfolio.ActSubmit:
		s.notifyTeachers(ctx, viewer, kindSubmitted, "Réalisation soumise par "+viewer.FullName()+" : "+quoted(real.Title), real.ID)
	case portfolio.ActValidate, portfolio.ActRework, portfolio.ActReopen:
		kind, title := kindValidated, "Réalisation validée : "
		switch act {
		case portfolio.ActRework:
			kind, title = kindRework, "Réalisation à reprendre : "
		case portfolio.ActReopen:
			kind, title = kindReopened, "Réalisation rouverte : "
		}
		s.notify(ctx, store.Notification{UserID: real.StudentID, Kind: kind, Title: title + quoted(real.Title) + " (" + viewer.FullName() + ")",
			URL: realisationURL(real.ID)})
	}
}

// afterComment notifies the other side of a comment.
func (s *Server) afterComment(ctx context.Context, viewer, student *portfolio.User, real portfolio.Realisation) {
	if student == nil { // the student commented
		s.notifyTeachers(ctx, viewer, kindComment, "Commentaire de "+viewer.FullName()+" sur "+quoted(real.Title), real.ID)
		return
	}
	s.notify(ctx, store.Notification{UserID: student.ID, Kind: kindComment, Title: "Commentaire de " + viewer.FullName() + " sur " + quoted(real.Title),
		URL: realisationURL(real.ID)})
}

// afterDecision notifies the student of an attestation's decision.
func (s *Server) afterDecision(ctx context.Context, student *portfolio.User, st portfolio.Stage, status portfolio.AttestationStatus) {
	verb := "accepté"
	if status == portfolio.AttestationRejected {
		verb = "refusé"
	}
	verb += st.Kind.Agreement()
	s.notify(ctx, store.Notification{UserID: student.ID, Kind: kindAttestation,
		Title: web.UpperFirst(st.Kind.AttestationLabel()) + " " + verb + " : " + st.Organisation, URL: "/stages/" + strconv.FormatInt(st.ID, 10)})
}

// deadlineReminders notifies the students of the classes whose deadline
// is 7 days or 1 day away, once per class, day and student.
func (s *Server) deadlineReminders(ctx context.Context) error {
	today := s.now()
	for _, ahead := range []int{7, 1} {
		day := today.AddDate(0, 0, ahead).Format("2006-01-02")
		classes, err := s.store.DeadlineStudents(ctx, day)
		if err != nil {
			return err
		}
		for _, c := range classes {
			when := "dans 7 jours"
			if ahead == 1 {
				when = "demain"
			}
			title := "Date limite de saisie " + when + " (" + c.Class.Deadline.Format("02/01/2006") + ") — classe " + c.Class.Name
			var list []store.Notification
			for _, sid := range c.Students {
				list = append(list, store.Notification{UserID: sid, Kind: kindDeadline, Title: title, URL: "/realisations",
					Dedupe: "deadline:" + strconv.FormatInt(c.Class.ID, 10) + ":" + day + ":" + strconv.Itoa(ahead) + ":" + strconv.FormatInt(sid, 10)})
			}
			if err := s.store.Notify(ctx, list); err != nil {
				return err
			}
		}
	}
	return nil
}
