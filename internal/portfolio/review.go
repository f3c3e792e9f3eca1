package portfolio

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Action is a step of the review workflow.
type Action string

// The workflow's actions.
const (
	ActSubmit   Action = "submit"   // student: brouillon or à reprendre → soumise
	ActWithdraw Action = "withdraw" // student: soumise → brouillon
	ActValidate Action = "validate" // teacher: soumise → validée
	ActRework   Action = "rework"   // teacher: soumise → à reprendre, with a reason
	ActReopen   Action = "reopen"   // teacher: validée → à reprendre, with a reason
)

// MaxReason bounds a reason or a comment, in characters.
const MaxReason = 5000

// ErrTransition is an action that the réalisation's status or the actor's
// role does not allow.
var ErrTransition = errors.New("transition not allowed")

// ErrConflict is returned when the réalisation changed since the actor
// loaded it (another person acted first).
var ErrConflict = errors.New("réalisation changed meanwhile")

// ErrLocked is returned when the class deadline has passed for a student.
var ErrLocked = errors.New("deadline passed")

// TransitionError explains in French why an action is refused. Field is
// "reason" when the reason given is the problem (a form error), empty when
// the action itself is not possible now.
type TransitionError struct {
	Message string
	Field   string
}

func (e *TransitionError) Error() string { return e.Message }

// Is makes every TransitionError match ErrTransition.
func (e *TransitionError) Is(target error) bool { return target == ErrTransition }

// Transition is the status an action leads to from a status, for a role.
// The reason is trimmed and checked where one is required.
func Transition(from Status, act Action, role Role, reason string) (Status, string, error) {
	reason = strings.TrimSpace(reason)
	staff := role == RoleTeacher || role == RoleAdmin
	refuse := func(msg string) (Status, string, error) { return from, "", &TransitionError{Message: msg} }
	needReason := func() error {
		switch {
		case reason == "":
			return &TransitionError{"Indiquez la raison : l'étudiant la verra.", "reason"}
		case !CleanText(reason):
			return &TransitionError{"La raison contient des caractères invalides.", "reason"}
		case utf8.RuneCountInString(reason) > MaxReason:
			return &TransitionError{fmt.Sprintf("La raison ne doit pas dépasser %d caractères.", MaxReason), "reason"}
		}
		return nil
	}
	switch act {
	case ActSubmit:
		if role != RoleStudent {
			return refuse("Seul l'étudiant soumet sa réalisation.")
		}
		if from != StatusDraft && from != StatusRework {
			return refuse("Seule une réalisation en brouillon ou à reprendre peut être soumise ; celle-ci est " + strings.ToLower(from.Label()) + ".")
		}
		return StatusSubmitted, "", nil
	case ActWithdraw:
		if role != RoleStudent {
			return refuse("Seul l'étudiant retire sa soumission.")
		}
		if from != StatusSubmitted {
			return refuse("Seule une réalisation soumise peut être retirée ; celle-ci est " + strings.ToLower(from.Label()) + ".")
		}
		return StatusDraft, "", nil
	case ActValidate:
		if !staff {
			return refuse("Seul un enseignant valide une réalisation.")
		}
		if from != StatusSubmitted {
			return refuse("Seule une réalisation soumise peut être validée ; celle-ci est " + strings.ToLower(from.Label()) + ".")
		}
		return StatusValidated, "", nil
	case ActRework:
		if !staff {
			return refuse("Seul un enseignant demande des modifications.")
		}
		if from != StatusSubmitted {
			return refuse("Seule une réalisation soumise peut être renvoyée à reprendre ; celle-ci est " + strings.ToLower(from.Label()) + ".")
		}
		if err := needReason(); err != nil {
			return from, "", err
		}
		return StatusRework, reason, nil
	case ActReopen:
		if !staff {
			return refuse("Seul un enseignant rouvre une réalisation.")
		}
		if from == StatusSubmitted {
			return refuse("Cette réalisation est soumise : validez-la ou renvoyez-la à reprendre.")
		}
		if err := needReason(); err != nil {
			return from, "", err
		}
		return StatusRework, reason, nil
	}
	return refuse("Action inconnue.")
}

// CleanText reports whether free text holds only valid UTF-8 without
// control characters (line breaks and tabs aside) nor the invisible
// bidirectional overrides that can make text read backwards.
func CleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return false
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return false
		}
	}
	return true
}

// ReadyToSubmit checks what a réalisation needs before a teacher can
// review it.
func ReadyToSubmit(r *Realisation) error {
	if len(r.Activities) == 0 {
		return &TransitionError{Message: "Cochez au moins une activité avant de soumettre la réalisation."}
	}
	return nil
}

// CheckComment trims a comment's text and returns it, or the French
// message saying what is wrong with it.
func CheckComment(body string) (clean, problem string) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	switch {
	case body == "":
		return "", "Écrivez un commentaire."
	case !CleanText(body):
		return "", "Le commentaire contient des caractères invalides."
	case utf8.RuneCountInString(body) > MaxReason:
		return "", fmt.Sprintf("Le commentaire ne doit pas dépasser %d caractères.", MaxReason)
	}
	return body, ""
}

// StudentCanEdit reports whether the student may change the content of a
// réalisation in that status (a submitted one must be withdrawn first, a
// validated one is read-only until a teacher reopens it).
func StudentCanEdit(s Status) bool { return s == StatusDraft || s == StatusRework }

// Event is one recorded status change.
type Event struct {
	ID        int64
	At        time.Time
	ActorName string
	From, To  Status
	Reason    string
}

// Comment is a message on a réalisation, optionally about one activity.
type Comment struct {
	ID         int64
	AuthorID   int64
	AuthorName string
	AuthorRole Role
	Activity   string
	Body       string
	At         time.Time
}

// TableauVisibility is the student's choice for a réalisation's row.
type TableauVisibility string

// The three visibilities.
const (
	TableauAuto TableauVisibility = "auto" // shown when validated
	TableauHide TableauVisibility = "hide" // never shown
	TableauShow TableauVisibility = "show" // shown even when not validated
)

// OnTableau reports whether the réalisation is a row of the exam tableau.
func (r *Realisation) OnTableau() bool {
	switch r.Tableau {
	case TableauHide:
		return false
	case TableauShow:
		return true
	}
	return r.Status == StatusValidated
}

// Deadline is the last day a class accepts entries; zero means none.
type Deadline struct{ time.Time }

// Day is the deadline as YYYY-MM-DD, "" for none.
func (d Deadline) Day() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(time.DateOnly)
}

// Passed reports whether the deadline is over at now (the whole last day
// counts, in the server's time zone).
func (d Deadline) Passed(now time.Time) bool {
	if d.IsZero() {
		return false
	}
	y, m, day := d.Date()
	end := time.Date(y, m, day+1, 0, 0, 0, 0, now.Location())
	return !now.Before(end)
}

// Coverage of one activity by a student's réalisations.
type Coverage int

// Coverage levels, from none to validated.
const (
	Uncovered Coverage = iota
	CoveredPending
	CoveredValidated
)
