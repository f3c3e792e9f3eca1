// Package demo fills an empty database with demonstration accounts and
// réalisations, so a newcomer sees a living portfolio at once.
package demo

import (
	"context"
	"fmt"

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

// Seed creates the demo data if the database has no user yet; it reports
// whether it did.
func Seed(ctx context.Context, st *store.Store, ref *referentiel.Referentiel, h auth.Hasher, sessionYear int) (bool, error) {
	n, err := st.CountUsers(ctx)
	if err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	hash, err := h.Hash(Password)
	if err != nil {
		return false, err
	}
	users := []portfolio.User{
		{Email: "admin@demo.local", FirstName: "Alain", LastName: "Martin", Role: portfolio.RoleAdmin},
		{Email: "prof@demo.local", FirstName: "Claire", LastName: "Dubois", Role: portfolio.RoleTeacher},
		{Email: "slam@demo.local", FirstName: "Léa", LastName: "Moreau", Role: portfolio.RoleStudent,
			Parcours: "SLAM", CandidateNumber: "02345678901", SessionYear: sessionYear, Centre: "Lycée Jean Jaurès — BTS SIO"},
		{Email: "sisr@demo.local", FirstName: "Noé", LastName: "Lefèvre", Role: portfolio.RoleStudent,
			Parcours: "SISR", CandidateNumber: "02345678902", SessionYear: sessionYear, Centre: "Lycée Jean Jaurès — BTS SIO"},
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
	y := sessionYear - 2 // first school year starts in September two years before the exam
	for email, inputs := range map[string][]portfolio.RealisationInput{
		"slam@demo.local": slam(y),
		"sisr@demo.local": sisr(y),
	} {
		for _, in := range inputs {
			r, errs := in.Validate(ref)
			if errs != nil {
				return false, fmt.Errorf("demo réalisation %q: %v", in.Title, errs)
			}
			if _, err := st.CreateRealisation(ctx, ids[email], r); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

func month(y, m int) string { return fmt.Sprintf("%04d-%02d", y, m) }

func slam(y int) []portfolio.RealisationInput {
	return []portfolio.RealisationInput{
		{
			Title:       "Application web de gestion des prêts de matériel",
			Description: "Conception et développement en PHP (Symfony) d'une application permettant au service informatique du lycée de suivre les prêts d'ordinateurs portables aux élèves.",
			Contexte:    "Lycée Jean Jaurès, service informatique ; demande du proviseur adjoint.",
			Cadre:       "formation", Types: []string{"T1", "T3"},
			Start: month(y, 11), End: month(y+1, 1), Modalite: "equipe", Team: "Trois étudiants : Léa (base de données et back-end), Hugo (interface), Inès (tests).",
			Productions: []portfolio.Production{{Title: "Dépôt Git", URL: "https://git.example.org/lea/prets"}, {Title: "Documentation technique", URL: "https://docs.example.org/prets"}},
			Activities:  []string{"A1.1.1", "A4.1.3", "A4.1.7", "A4.1.9"},
			Competences: []string{"C1.1.1.2", "C4.1.3.1", "C4.1.3.2", "C4.1.7.1", "C4.1.9.1"},
			How:         map[string]string{"A4.1.3": "Modèle conceptuel puis script SQL de la base des prêts (MySQL)."},
		},
		{
			Title:       "Veille technologique : les frameworks JavaScript côté serveur",
			Description: "Mise en place d'un flux de veille (RSS, newsletters) et synthèse mensuelle sur Node.js, Deno et Bun.",
			Cadre:       "formation", Types: []string{"T4"},
			Start: month(y, 10), End: month(y+1, 5), Modalite: "seul",
			Productions: []portfolio.Production{{Title: "Synthèses de veille", URL: "https://blog.example.org/lea/veille"}},
			Activities:  []string{"A5.2.2", "A5.2.4"},
			Competences: []string{"C5.2.2.1", "C5.2.2.2", "C5.2.4.1"},
		},
		{
			Title:       "Correction d'anomalies sur l'intranet de l'agence",
			Description: "Analyse de tickets, reproduction et correction de trois anomalies (formulaire de congés, export CSV, droits d'accès), tests de non-régression.",
			Contexte:    "Stage chez Atelier Numérique (Rouen), agence web de 12 personnes.",
			Cadre:       "stage1", Types: []string{"T2"},
			Start: month(y+1, 5), End: month(y+1, 6), Modalite: "seul",
			Activities:  []string{"A2.2.1", "A4.2.1", "A4.2.3"},
			Competences: []string{"C2.2.1.1", "C4.2.1.1", "C4.2.1.3", "C4.2.3.1"},
			How:         map[string]string{"A4.2.1": "Utilisation du débogueur de l'IDE et des journaux du serveur."},
		},
		{
			Title:       "Maquette et prototype de l'espace client",
			Description: "Maquettage (Figma) puis prototype Vue.js de l'espace client d'un transporteur, présenté au client.",
			Cadre:       "stage1", Types: []string{"T1"},
			Start: month(y+1, 6), End: month(y+1, 6), Modalite: "equipe", Team: "Avec le développeur front-end de l'agence.",
			Activities:  []string{"A4.1.2", "A4.1.5"},
			Competences: []string{"C4.1.2.1", "C4.1.5.1"},
		},
		{
			Title:       "API de suivi des commandes pour l'application mobile",
			Description: "Développement d'une API REST (Go) exposant l'état des commandes, avec tests automatisés et documentation OpenAPI.",
			Contexte:    "Stage chez Logistique Normande (Le Havre), service des études.",
			Cadre:       "stage2", Types: []string{"T1", "T3"},
			Start: month(y+2, 1), End: month(y+2, 2), Modalite: "equipe", Team: "Équipe de quatre développeurs en méthode Scrum.",
			Productions: []portfolio.Production{{Title: "Documentation OpenAPI", URL: "https://api.example.org/docs"}},
			Activities:  []string{"A1.4.1", "A4.1.6", "A4.1.7", "A4.1.8", "A4.1.9"},
			Competences: []string{"C1.4.1.1", "C1.4.1.2", "C4.1.6.1", "C4.1.7.1", "C4.1.8.1", "C4.1.9.1"},
		},
	}
}

func sisr(y int) []portfolio.RealisationInput {
	return []portfolio.RealisationInput{
		{
			Title:       "Mise en place d'un serveur DHCP et DNS redondant",
			Description: "Installation de deux serveurs Debian (ISC Kea, Bind9) en haute disponibilité pour le réseau pédagogique.",
			Contexte:    "Laboratoire réseau du BTS SIO.",
			Cadre:       "formation", Types: []string{"T1", "T3"},
			Start: month(y, 11), End: month(y, 12), Modalite: "equipe", Team: "Binôme avec Yanis.",
			Productions: []portfolio.Production{{Title: "Procédure d'installation", URL: "https://wiki.example.org/noe/dhcp-dns"}},
			Activities:  []string{"A1.3.4", "A3.2.1", "A3.3.1"},
			Competences: []string{"C1.3.4.1", "C3.2.1.1", "C3.3.1.1"},
		},
		{
			Title:       "Supervision du réseau avec Zabbix",
			Description: "Déploiement de Zabbix, modèles SNMP pour les commutateurs et alertes par messagerie.",
			Cadre:       "formation", Types: []string{"T1"},
			Start: month(y+1, 2), End: month(y+1, 3), Modalite: "seul",
			Activities:  []string{"A1.3.2", "A2.1.2", "A5.1.3"},
			Competences: []string{"C2.1.2.1", "C5.1.3.1"},
		},
		{
			Title:       "Traitement des demandes d'assistance au service informatique",
			Description: "Prise en charge de tickets GLPI : postes de travail, imprimantes, comptes Active Directory.",
			Contexte:    "Stage à la mairie de Caen, direction des systèmes d'information.",
			Cadre:       "stage1", Types: []string{"T2"},
			Start: month(y+1, 5), End: month(y+1, 6), Modalite: "seul",
			Activities:  []string{"A2.2.1", "A2.2.2", "A2.1.1"},
			Competences: []string{"C2.2.1.1", "C2.2.2.1", "C2.1.1.1"},
			How:         map[string]string{"A2.2.2": "Une quarantaine de tickets traités en six semaines."},
		},
		{
			Title: "Veille : la sécurité des accès Wi-Fi (WPA3, 802.1X)",
			Cadre: "formation", Types: []string{"T4"},
			Start: month(y+1, 9), End: month(y+2, 3), Modalite: "seul",
			Activities:  []string{"A5.2.2"},
			Competences: []string{"C5.2.2.1"},
		},
		{
			Title:       "Migration des sauvegardes vers une solution Proxmox Backup",
			Description: "Étude, installation et tests de restauration d'un serveur de sauvegarde pour 20 machines virtuelles.",
			Contexte:    "Stage chez InfoServices 14, infogérance.",
			Cadre:       "stage2", Types: []string{"T1", "T3"},
			Start: month(y+2, 1), End: month(y+2, 2), Modalite: "equipe", Team: "Avec l'administrateur systèmes de l'entreprise.",
			Activities:  []string{"A1.2.1", "A3.2.2", "A3.3.4"},
			Competences: []string{"C1.2.1.1", "C3.2.2.1"},
		},
	}
}
