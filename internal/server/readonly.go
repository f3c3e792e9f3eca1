package server

import (
	"context"
	"net/http"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// Archived classes are read-only for everyone but the admins: their
// teachers still see the students and their work, but change nothing
// unless they also teach the student in a class that is not archived; a
// student whose classes are all archived keeps a read-only portfolio.

// staffMayChange reports whether a teacher (or an admin) may change what
// concerns the student: an admin always may, a teacher only while they
// teach the student in a class that is not archived.
func (s *Server) staffMayChange(ctx context.Context, teacher *portfolio.User, studentID int64) (bool, error) {
	if teacher.Role == portfolio.RoleAdmin {
		return true, nil
	}
	return s.store.TeachesStudentActive(ctx, teacher.ID, studentID)
}

// studentReadOnly reports whether the student's portfolio is read-only:
// they are in at least one class and every one of them is archived. A
// student in no class is not.
func (s *Server) studentReadOnly(ctx context.Context, studentID int64) (bool, error) {
	return s.store.StudentArchivedOnly(ctx, studentID)
}

// guardStaffChange checks that the current staff member may change what
// concerns the student; otherwise it answers 403 itself and returns false.
func (s *Server) guardStaffChange(w http.ResponseWriter, r *http.Request, student *portfolio.User) bool {
	ok, err := s.staffMayChange(r.Context(), currentUser(r.Context()), student.ID)
	if err != nil {
		s.serverError(w, r, err)
		return false
	}
	if !ok {
		s.errorPage(w, r, http.StatusForbidden, "Classe archivée",
			"Cette classe est archivée : elle est en lecture seule. Vous pouvez consulter l'étudiant et ses réalisations, mais plus les modifier.")
	}
	return ok
}

// guardStudentActive checks that the current student's portfolio is not
// read-only (their classes all archived); otherwise it answers 403 itself
// and returns false.
func (s *Server) guardStudentActive(w http.ResponseWriter, r *http.Request) bool {
	ro, err := s.studentReadOnly(r.Context(), currentUser(r.Context()).ID)
	if err != nil {
		s.serverError(w, r, err)
		return false
	}
	if ro {
		s.errorPage(w, r, http.StatusForbidden, "Classe archivée",
			"Votre classe est archivée : elle est en lecture seule. Vous pouvez consulter et exporter votre portfolio, mais plus le modifier.")
	}
	return !ro
}
