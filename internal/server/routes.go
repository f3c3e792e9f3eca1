package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/web"
)

// Handler is the whole application: every route, behind the trusted-proxy
// resolution, the security headers and the cross-origin protection.
func (s *Server) Handler() http.Handler {
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusForbidden, "Requête refusée",
			"Cette action venait d'un autre site et a été refusée par sécurité.")
	}))
	return trustProxy(s.proxies)(securityHeaders(csrf.Handler(s.router())))
}

// router is the table of contents of every route.
func (s *Server) router() chi.Router {
	r := chi.NewRouter()
	r.Use(s.recoverer, middleware.GetHead)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusMethodNotAllowed, "Méthode non autorisée", "Cette action n'est pas possible ici.")
	})

	r.Get("/healthz", s.healthz)

	// The jury's read-only portfolio: no account, no session.
	r.Get("/jury/{token}", s.juryPortfolio)
	r.Get("/jury/{token}/tableau.pdf", s.juryPDF)
	r.Get("/jury/{token}/evidence/{evidenceID}", s.juryEvidence)
	r.Handle("/static/*", http.StripPrefix("/static/", staticHandler(web.Static())))

	r.Group(func(r chi.Router) {
		r.Use(s.sessions.LoadAndSave, s.loadUser)
		r.Get("/login", s.showLogin)
		r.Get("/connexion/oidc", s.oidcStart)
		r.Get("/connexion/oidc/retour", s.oidcCallback)
		r.Post("/login", s.login)
		r.Post("/logout", s.logout)
		r.Get("/activation", s.showCodeActivation)
		r.Post("/activation", s.codeActivation)
		r.Get("/activation/{token}", s.showActivation)
		r.Get("/mot-de-passe-oublie", s.showForgot)
		r.Post("/mot-de-passe-oublie", s.forgot)
		r.Post("/activation/{token}", s.activate)
		// Unsubscribe links of the e-mails work without logging in.
		r.Get("/desabonnement/{token}", s.showUnsubscribe)
		r.Post("/desabonnement/{token}", s.unsubscribe)

		r.Group(func(r chi.Router) {
			r.Use(s.requireLogin)
			r.Get("/", s.home)
			r.Get("/compte", s.showAccount)
			r.Post("/compte/mot-de-passe", s.changePassword)
			r.Post("/compte/notifications", s.setMailPref)
			r.Get("/notifications", s.listNotifications)
			r.Post("/notifications/lues", s.readAllNotifications)
			r.Get("/notifications/{id}", s.openNotification)
			r.Get("/evidence/{evidenceID}", s.serveEvidence)
			r.With(requireRole(s, portfolio.RoleStudent)).Get("/compte/donnees.zip", s.personalDataZIP)

			// The student's own portfolio.
			r.Group(func(r chi.Router) {
				r.Use(requireRole(s, portfolio.RoleStudent))
				r.Get("/realisations", s.listRealisations)
				r.Get("/realisations/new", s.newRealisation)
				r.Post("/realisations", s.createRealisation)
				r.Get("/realisations/{id}", s.showRealisation)
				r.Get("/realisations/{id}/edit", s.editRealisation)
				r.Post("/realisations/{id}", s.updateRealisation)
				r.Post("/realisations/{id}/duplicate", s.duplicateRealisation)
				r.Get("/realisations/{id}/delete", s.confirmDeleteRealisation)
				r.Post("/realisations/{id}/delete", s.deleteRealisation)
				r.Post("/realisations/{id}/submit", s.studentTransition(portfolio.ActSubmit))
				r.Post("/realisations/{id}/withdraw", s.studentTransition(portfolio.ActWithdraw))
				r.Post("/realisations/{id}/comments", s.studentComment)
				r.Post("/realisations/{id}/tableau", s.setTableauVisibility)
				r.Post("/realisations/{id}/fiche", s.setFiche)
				r.Post("/realisations/{id}/evidence", s.uploadEvidence)
				r.Get("/realisations/{id}/evidence/{evidenceID}/delete", s.confirmDeleteEvidence)
				r.Post("/realisations/{id}/evidence/{evidenceID}/delete", s.deleteEvidence)
				r.Get("/partage", s.showShares)
				r.Post("/partage", s.createShare)
				r.Post("/partage/{linkID}/revoke", s.revokeShare)
				r.Get("/tableau", s.showTableau)
				r.Get("/tableau.csv", s.tableauCSV)
				r.Get("/tableau.pdf", s.tableauPDF)
				r.Get("/tableau.xlsx", s.tableauXLSX)
				r.Get("/tableau-travail.pdf", s.workingPDF)
				r.Get("/realisations/{id}/fiche.pdf", s.realisationFiche)
				r.Route("/stages", s.stageRoutes)
				r.Get("/dossier.zip", s.dossierZIP)
				r.Get("/dossier.pdf", s.dossierPDF)
			})

			// Teachers (their classes) and admins (everything) follow students.
			r.Group(func(r chi.Router) {
				r.Use(requireRole(s, portfolio.RoleTeacher, portfolio.RoleAdmin))
				r.With(s.loadClass).Get("/classes/{classID}", s.showClass)
				r.With(s.loadClass).Get("/classes/{classID}/couverture.csv", s.classCoverageFile(export.TableCSV, "csv", "text/csv; charset=utf-8"))
				r.With(s.loadClass).Get("/classes/{classID}/couverture.xlsx", s.classCoverageFile(export.TableXLSX, "xlsx",
					"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
				r.With(s.loadClass).Post("/classes/{classID}/export", s.startClassExport)
				r.With(s.loadClass).Post("/classes/{classID}/activation-sheet", s.activationSheet)
				r.With(s.loadClass).Get("/classes/{classID}/stages", s.classStages)
				r.With(s.loadClass).Post("/classes/{classID}/dossiers", s.startClassDossiers)
				r.Get("/exports/{jobID}", s.showExport)
				r.Get("/exports/{jobID}/download", s.downloadExport)
				r.Route("/students/{studentID}", func(r chi.Router) {
					r.Use(s.loadStudent)
					r.Get("/", s.showStudent)
					r.Get("/tableau", s.showStudentTableau)
					r.Get("/tableau.csv", s.studentTableauCSV)
					r.Get("/tableau.pdf", s.studentTableauPDF)
					r.Get("/tableau.xlsx", s.studentTableauXLSX)
					r.Get("/tableau-travail.pdf", s.studentWorkingPDF)
					r.Get("/realisations/{id}/fiche.pdf", s.studentRealisationFiche)
					r.Get("/realisations/{id}", s.showStudentRealisation)
					r.Post("/realisations/{id}/review", s.staffTransition)
					r.Post("/realisations/{id}/comments", s.staffComment)
					r.Route("/stages", s.stageRoutes)
					r.Get("/dossier.zip", s.dossierZIP)
					r.Get("/dossier.pdf", s.dossierPDF)
				})
			})

			// Administration.
			r.Route("/admin", func(r chi.Router) {
				r.Use(requireRole(s, portfolio.RoleAdmin))
				r.Get("/classes", s.adminClasses)
				r.Post("/classes", s.createClass)
				r.Route("/classes/{classID}", func(r chi.Router) {
					r.Use(s.loadClass)
					r.Get("/", s.adminClass)
					r.Post("/", s.updateClass)
					r.Post("/move", s.moveClass)
					r.Post("/students", s.memberAction(true, portfolio.RoleStudent))
					r.Post("/students/{userID}/remove", s.memberAction(false, portfolio.RoleStudent))
					r.Post("/teachers", s.memberAction(true, portfolio.RoleTeacher))
					r.Post("/teachers/{userID}/remove", s.memberAction(false, portfolio.RoleTeacher))
					r.Get("/import", s.importForm)
					r.Post("/import", s.importPreview)
					r.Post("/import/confirm", s.importConfirm)
				})
				r.Get("/users", s.adminUsers)
				r.Get("/users/new", s.newUser)
				r.Post("/users", s.createUser)
				r.Get("/users/{userID}", s.adminUser)
				r.Post("/users/{userID}", s.updateUser)
				r.Post("/users/{userID}/disable", s.setUserDisabled(true))
				r.Post("/users/{userID}/enable", s.setUserDisabled(false))
				r.Post("/users/{userID}/activation", s.resetUser)
				r.Get("/users/{userID}/delete", s.confirmDeleteUser)
				r.Post("/users/{userID}/delete", s.deleteUser)
				r.Get("/audit", s.auditLog)
				r.Get("/textes-session", s.showSessionTexts)
				r.Post("/textes-session", s.setSessionTexts)
				r.Get("/connexion", s.showSSO)
				r.Post("/connexion", s.setSSO)
			})
		})
	})

	return r
}
