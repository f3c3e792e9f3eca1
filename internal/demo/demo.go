// Package demo fills an empty database with demonstration accounts and
// réalisations, so a newcomer sees a living portfolio at once.
package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/auth"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	"github.com/portfolio-sio/portfolio/internal/store"
)

// Password is the password of every demo account.
const Password = "demo"

// Account is a demo login.
type Account struct {
	Email string
	Role  portfolio.Role
	Label string
}

// Accounts lists the demo logins, as printed at start-up.
var Accounts = []Account{
	{"admin@demo.local", portfolio.RoleAdmin, "administrateur"},
	{"prof@demo.local", portfolio.RoleTeacher, "enseignante"},
	{"slam@demo.local", portfolio.RoleStudent, "étudiante SLAM"},
	{"sisr@demo.local", portfolio.RoleStudent, "étudiant SISR"},
}

// SettingKey marks a database that holds the demo accounts, whose
// password is public: such a database is only ever served on loopback.
const SettingKey = "demo_accounts"

// Seed creates the demo data if the database has no user yet; it reports
// whether it did. Dates are set relative to now: the demo students are in
// their second year, with the exam next June, and nothing lies in the
// future.
func Seed(ctx context.Context, st *store.Store, ref *referentiel.Referentiel, h auth.Hasher, now time.Time) (bool, error) {
	n, err := st.CountUsers(ctx)
	if err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if err := st.SetSetting(ctx, SettingKey, "1"); err != nil {
		return false, err
	}
	hash, err := h.Hash(Password)
	if err != nil {
		return false, err
	}
	session := ExamSession(now)
	users := []portfolio.User{
		{Email: "admin@demo.local", FirstName: "Alain", LastName: "Martin", Role: portfolio.RoleAdmin},
		{Email: "prof@demo.local", FirstName: "Claire", LastName: "Dubois", Role: portfolio.RoleTeacher},
		{Email: "slam@demo.local", FirstName: "Léa", LastName: "Moreau", Role: portfolio.RoleStudent,
			Parcours: "SLAM", CandidateNumber: "02345678901", SessionYear: session, Centre: "Lycée Jean Jaurès — BTS SIO"},
		{Email: "sisr@demo.local", FirstName: "Noé", LastName: "Lefèvre", Role: portfolio.RoleStudent,
			Parcours: "SISR", CandidateNumber: "02345678902", SessionYear: session, Centre: "Lycée Jean Jaurès — BTS SIO"},
	}
	ids := map[string]int64{}
	for _, u := range users {
		u.PasswordHash = hash
		id, err := st.CreateUser(ctx, u)
		if err != nil {
			return false, fmt.Errorf("demo user %s: %w", u.Email, err)
		}
		ids[u.Email] = id
	}
	prof := ids["prof@demo.local"]
	year := fmt.Sprintf("%d-%d", session-1, session)
	for _, parcours := range []string{"SLAM", "SISR"} {
		cid, err := st.CreateClass(ctx, store.Class{Name: "SIO2 " + parcours, SchoolYear: year, Parcours: parcours})
		if err != nil {
			return false, err
		}
		if err := st.AssignTeacher(ctx, cid, prof); err != nil {
			return false, err
		}
		if err := st.Enrol(ctx, cid, ids[strings.ToLower(parcours)+"@demo.local"]); err != nil {
			return false, err
		}
	}
	y := session - 2 // the first school year starts in September of y
	clamp := func(in *portfolio.RealisationInput) {
		last := fmt.Sprintf("%04d-%02d", now.Year(), int(now.Month()))
		if in.End > last {
			in.End = last
		}
		if in.Start > in.End {
			in.Start = in.End
		}
	}
	for email, items := range map[string][]item{"slam@demo.local": slam(y), "sisr@demo.local": sisr(y)} {
		student := ids[email]
		for _, it := range items {
			clamp(&it.in)
			r, errs := it.in.Validate(ref)
			if errs != nil {
				return false, fmt.Errorf("demo réalisation %q: %v", it.in.Title, errs)
			}
			id, err := st.CreateRealisation(ctx, student, r)
			if err != nil {
				return false, err
			}
			if err := review(ctx, st, student, prof, id, it); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

// ExamSession is the exam year of second-year students at date now: the
// school year starting in September ends with the June exam.
func ExamSession(now time.Time) int {
	if now.Month() >= time.September {
		return now.Year() + 1
	}
	return now.Year()
}

// item is a demo réalisation and where it stands in the review.
type item struct {
	in      portfolio.RealisationInput
	status  portfolio.Status
	reason  string // for à reprendre
	comment string // the teacher's comment, if any
}

// review takes a demo réalisation to its status through the real
// workflow, so its history is complete.
func review(ctx context.Context, st *store.Store, student, prof, id int64, it item) error {
	steps := map[portfolio.Status][]struct {
		act   portfolio.Action
		actor int64
	}{
		portfolio.StatusSubmitted: {{portfolio.ActSubmit, student}},
		portfolio.StatusValidated: {{portfolio.ActSubmit, student}, {portfolio.ActValidate, prof}},
		portfolio.StatusRework:    {{portfolio.ActSubmit, student}, {portfolio.ActRework, prof}},
	}[it.status]
	from, version := portfolio.StatusDraft, 1
	for _, step := range steps {
		role := portfolio.RoleStudent
		if step.actor == prof {
			role = portfolio.RoleTeacher
		}
		to, reason, err := portfolio.Transition(from, step.act, role, it.reason)
		if err != nil {
			return err
		}
		if err := st.ApplyTransition(ctx, student, id, version, step.act, from, to, step.actor, reason); err != nil {
			return err
		}
		from, version = to, version+1
	}
	if it.comment != "" {
		return st.AddComment(ctx, id, prof, "", it.comment)
	}
	return nil
}

func month(y, m int) string { return fmt.Sprintf("%04d-%02d", y, m) }

func slam(y int) []item {
	return []item{
		{status: portfolio.StatusValidated, comment: "Bon travail, la documentation technique est claire.", in: portfolio.RealisationInput{
			Title:       "Application web de gestion des prêts de matériel",
			Description: "Conception et développement en PHP (Symfony) d'une application permettant au service informatique du lycée de suivre les prêts d'ordinateurs portables aux élèves.",
			Contexte:    "Lycée Jean Jaurès, service informatique ; demande du proviseur adjoint.",
			Cadre:       "formation", Types: []string{"T1", "T3"},
			Start: month(y, 11), End: month(y+1, 1), Modalite: "equipe", Team: "Trois étudiants : Léa (base de données et back-end), Hugo (interface), Inès (tests).",
			Productions: []portfolio.Production{{Title: "Dépôt Git", URL: "https://git.example.org/lea/prets"}, {Title: "Documentation technique", URL: "https://docs.example.org/prets"}},
			Activities:  []string{"A1.1.1", "A4.1.3", "A4.1.7", "A4.1.9"},
			Competences: []string{"C1.1.1.2", "C4.1.3.1", "C4.1.3.2", "C4.1.7.1", "C4.1.9.1"},
			How:         map[string]string{"A4.1.3": "Modèle conceptuel puis script SQL de la base des prêts (MySQL)."},
		}},
		{status: portfolio.StatusValidated, in: portfolio.RealisationInput{
			Title:       "Veille technologique : les frameworks JavaScript côté serveur",
			Description: "Mise en place d'un flux de veille (RSS, newsletters) et synthèse mensuelle sur Node.js, Deno et Bun.",
			Cadre:       "formation", Types: []string{"T4"},
			Start: month(y, 10), End: month(y+1, 5), Modalite: "seul",
			Productions: []portfolio.Production{{Title: "Synthèses de veille", URL: "https://blog.example.org/lea/veille"}},
			Activities:  []string{"A5.2.2", "A5.2.4"},
			Competences: []string{"C5.2.2.1", "C5.2.2.2", "C5.2.4.1"},
		}},
		{status: portfolio.StatusValidated, in: portfolio.RealisationInput{
			Title:       "Correction d'anomalies sur l'intranet de l'agence",
			Description: "Analyse de tickets, reproduction et correction de trois anomalies (formulaire de congés, export CSV, droits d'accès), tests de non-régression.",
			Contexte:    "Stage chez Atelier Numérique (Rouen), agence web de 12 personnes.",
			Cadre:       "stage1", Types: []string{"T2"},
			Start: month(y+1, 5), End: month(y+1, 6), Modalite: "seul",
			Activities:  []string{"A2.2.1", "A4.2.1", "A4.2.3"},
			Competences: []string{"C2.2.1.1", "C4.2.1.1", "C4.2.1.3", "C4.2.3.1"},
			How:         map[string]string{"A4.2.1": "Utilisation du débogueur de l'IDE et des journaux du serveur."},
		}},
		{status: portfolio.StatusSubmitted, in: portfolio.RealisationInput{
			Title:       "Maquette et prototype de l'espace client",
			Description: "Maquettage (Figma) puis prototype Vue.js de l'espace client d'un transporteur, présenté au client.",
			Cadre:       "stage1", Types: []string{"T1"},
			Start: month(y+1, 6), End: month(y+1, 6), Modalite: "equipe", Team: "Avec le développeur front-end de l'agence.",
			Activities:  []string{"A4.1.2", "A4.1.5"},
			Competences: []string{"C4.1.2.1", "C4.1.5.1"},
		}},
		{status: portfolio.StatusRework, reason: "Décrivez les tests réalisés (outils, jeux d'essai) et joignez le lien vers la documentation de l'API.", in: portfolio.RealisationInput{
			Title:       "API de suivi des commandes pour l'application mobile",
			Description: "Développement d'une API REST (Go) exposant l'état des commandes, avec tests automatisés.",
			Contexte:    "Projet de deuxième année (PPE) pour une entreprise de logistique partenaire du lycée.",
			Cadre:       "formation", Types: []string{"T1", "T3"},
			Start: month(y+1, 9), End: month(y+1, 11), Modalite: "equipe", Team: "Équipe de quatre étudiants en méthode Scrum.",
			Activities:  []string{"A1.4.1", "A4.1.6", "A4.1.7", "A4.1.8"},
			Competences: []string{"C1.4.1.1", "C1.4.1.2", "C4.1.6.1", "C4.1.7.1", "C4.1.8.1"},
		}},
		{in: portfolio.RealisationInput{
			Title: "Documentation utilisateur de l'application de prêts",
			Cadre: "formation", Types: []string{"T3"},
			Start: month(y+1, 11), End: month(y+1, 11), Modalite: "seul",
			Activities:  []string{"A4.1.10"},
			Competences: []string{"C4.1.10.1"},
		}},
	}
}

func sisr(y int) []item {
	return []item{
		{status: portfolio.StatusValidated, in: portfolio.RealisationInput{
			Title:       "Mise en place d'un serveur DHCP et DNS redondant",
			Description: "Installation de deux serveurs Debian (ISC Kea, Bind9) en haute disponibilité pour le réseau pédagogique.",
			Contexte:    "Laboratoire réseau du BTS SIO.",
			Cadre:       "formation", Types: []string{"T1", "T3"},
			Start: month(y, 11), End: month(y, 12), Modalite: "equipe", Team: "Binôme avec Yanis.",
			Productions: []portfolio.Production{{Title: "Procédure d'installation", URL: "https://wiki.example.org/noe/dhcp-dns"}},
			Activities:  []string{"A1.3.4", "A3.2.1", "A3.3.1"},
			Competences: []string{"C1.3.4.1", "C3.2.1.1", "C3.3.1.1"},
		}},
		{status: portfolio.StatusValidated, in: portfolio.RealisationInput{
			Title:       "Supervision du réseau avec Zabbix",
			Description: "Déploiement de Zabbix, modèles SNMP pour les commutateurs et alertes par messagerie ; documentation technique de la supervision.",
			Cadre:       "formation", Types: []string{"T1"},
			Start: month(y+1, 2), End: month(y+1, 3), Modalite: "seul",
			// A4.1.9 is one of the five P4 columns of the official SISR sheet.
			Activities:  []string{"A1.3.2", "A2.1.2", "A5.1.3", "A4.1.9"},
			Competences: []string{"C2.1.2.1", "C5.1.3.1", "C4.1.9.1"},
		}},
		{status: portfolio.StatusSubmitted, in: portfolio.RealisationInput{
			Title:       "Traitement des demandes d'assistance au service informatique",
			Description: "Prise en charge de tickets GLPI : postes de travail, imprimantes, comptes Active Directory.",
			Contexte:    "Stage à la mairie de Caen, direction des systèmes d'information.",
			Cadre:       "stage1", Types: []string{"T2"},
			Start: month(y+1, 5), End: month(y+1, 6), Modalite: "seul",
			Activities:  []string{"A2.2.1", "A2.2.2", "A2.1.1"},
			Competences: []string{"C2.2.1.1", "C2.2.2.1", "C2.1.1.1"},
			How:         map[string]string{"A2.2.2": "Une quarantaine de tickets traités en six semaines."},
		}},
		{status: portfolio.StatusRework, reason: "Précisez les sources de votre veille et ajoutez le lien vers vos synthèses.", in: portfolio.RealisationInput{
			Title: "Veille : la sécurité des accès Wi-Fi (WPA3, 802.1X)",
			Cadre: "formation", Types: []string{"T4"},
			Start: month(y+1, 9), End: month(y+1, 11), Modalite: "seul",
			Activities:  []string{"A5.2.2"},
			Competences: []string{"C5.2.2.1"},
		}},
		{in: portfolio.RealisationInput{
			Title:       "Migration des sauvegardes vers Proxmox Backup Server",
			Description: "Étude, installation et tests de restauration d'un serveur de sauvegarde pour les machines virtuelles du laboratoire.",
			Cadre:       "formation", Types: []string{"T1", "T3"},
			Start: month(y+1, 10), End: month(y+1, 11), Modalite: "equipe", Team: "Avec deux étudiants de la classe.",
			Activities:  []string{"A1.2.1", "A3.2.2", "A3.3.4"},
			Competences: []string{"C1.2.1.1", "C3.2.2.1"},
		}},
	}
}
