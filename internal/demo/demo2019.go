package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/portfolio-sio/portfolio/internal/auth"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	"github.com/portfolio-sio/portfolio/internal/store"
)

// Accounts2019 are the demo logins of the classes on the current
// référentiel (2019, blocs de compétences), as printed at start-up.
var Accounts2019 = []Account{
	{"sisr2019@demo.local", portfolio.RoleStudent, "étudiante SISR, référentiel 2019 (Bloc 1 couvert, deux fiches, deux stages)"},
	{"slam2019@demo.local", portfolio.RoleStudent, "étudiant SLAM, référentiel 2019 (Bloc 1 incomplet)"},
}

// Seed2019 adds, beside the data of Seed, two classes on the 2019
// référentiel ref, taught by the demo teacher: an SISR student whose
// réalisations, in the three bands of the tableau, cover all of Bloc 1
// and include two fiches descriptives, with her two stages (carnet,
// attestation accepted for the first), and a SLAM student who still
// lacks some Bloc 1 competences. It does nothing (false) when its
// accounts exist already.
func Seed2019(ctx context.Context, st *store.Store, ref *referentiel.Referentiel, h auth.Hasher, now time.Time) (bool, error) {
	if _, err := st.UserByEmail(ctx, Accounts2019[0].Email); err == nil {
		return false, nil
	}
	prof, err := st.UserByEmail(ctx, "prof@demo.local")
	if err != nil {
		return false, fmt.Errorf("demo 2019: the demo teacher: %w", err)
	}
	hash, err := h.Hash(Password)
	if err != nil {
		return false, err
	}
	session := ExamSession(now)
	year := fmt.Sprintf("%d-%d", session-1, session)
	y := session - 2
	for _, s := range []struct {
		user  portfolio.User
		items []item
	}{
		{portfolio.User{Email: "sisr2019@demo.local", FirstName: "Inès", LastName: "Garcia", Parcours: "SISR",
			CandidateNumber: "02345678903", SessionYear: session, Centre: "Lycée Jean Jaurès — BTS SIO"}, sisr2019(y)},
		{portfolio.User{Email: "slam2019@demo.local", FirstName: "Hugo", LastName: "Bernard", Parcours: "SLAM",
			CandidateNumber: "02345678904", SessionYear: session, Centre: "Lycée Jean Jaurès — BTS SIO"}, slam2019(y)},
	} {
		u := s.user
		u.Role, u.PasswordHash = portfolio.RoleStudent, hash
		id, err := st.CreateUser(ctx, u)
		if err != nil {
			return false, fmt.Errorf("demo user %s: %w", u.Email, err)
		}
		cid, err := st.CreateClass(ctx, store.Class{Name: "SIO2 " + u.Parcours + " (blocs 2019)", SchoolYear: year,
			Referentiel: ref.Code, Parcours: u.Parcours, ExamForm: portfolio.ExamCCF}) // its fiches tick « Contrôle en cours de formation »
		if err != nil {
			return false, err
		}
		if err := st.AssignTeacher(ctx, cid, prof.ID); err != nil {
			return false, err
		}
		if err := st.Enrol(ctx, cid, id); err != nil {
			return false, err
		}
		sc := ref.Scheme(u.Parcours)
		for _, it := range s.items {
			clampDay(&it.in, now)
			r, errs := it.in.ValidateIn(sc)
			if errs != nil {
				return false, fmt.Errorf("demo réalisation %q: %v", it.in.Title, errs)
			}
			rid, err := st.CreateRealisation(ctx, id, r)
			if err != nil {
				return false, err
			}
			if err := review(ctx, st, id, prof.ID, rid, it); err != nil {
				return false, err
			}
		}
		if u.Parcours == "SISR" {
			u.ID = id
			if err := seedStages(ctx, st, u, prof.ID, y, now); err != nil {
				return false, fmt.Errorf("demo stages: %w", err)
			}
		}
	}
	return true, nil
}

// clampDay keeps a période of days out of the future.
func clampDay(in *portfolio.RealisationInput, now time.Time) {
	today := now.Format(time.DateOnly)
	if in.End > today {
		in.End = today
	}
	if in.Start > in.End {
		in.Start = in.End
	}
}

func day(y, m, d int) string { return fmt.Sprintf("%04d-%02d-%02d", y, m, d) }

func sisr2019(y int) []item {
	return []item{
		{status: portfolio.StatusValidated, comment: "Inventaire complet et bien documenté.", in: portfolio.RealisationInput{
			Title:       "Inventaire du parc et gestion des demandes avec GLPI",
			Description: "Installation de GLPI et de l’agent d’inventaire sur les postes du laboratoire, catégories de tickets, traitement des premières demandes.",
			Contexte:    "Laboratoire du BTS SIO, lycée Jean Jaurès.",
			Cadre:       "formation", Start: day(y, 10, 2), End: day(y, 11, 27), Modalite: "equipe", Team: "Binôme avec Yanis.",
			Productions: []portfolio.Production{{Title: "Procédure d’installation", URL: "https://wiki.example.org/ines/glpi"}},
			Activities:  []string{"B1.1", "B1.2", "B1.5"},
			Competences: []string{"B1.1.1", "B1.1.4", "B1.2.1", "B1.2.2"},
			How:         map[string]string{"B1.2": "Une trentaine de tickets traités pendant les séances d’atelier."},
		}},
		{status: portfolio.StatusValidated, in: portfolio.RealisationInput{
			Title:       "Site vitrine de la maison des lycéens",
			Description: "Site WordPress de la maison des lycéens : hébergement, référencement, mesure d’audience.",
			Cadre:       "formation", Start: day(y+1, 1, 12), End: day(y+1, 3, 20), Modalite: "equipe", Team: "Projet de quatre étudiants, en méthode agile.",
			Activities:  []string{"B1.3", "B1.4"},
			Competences: []string{"B1.3.1", "B1.3.2", "B1.4.1"},
		}},
		{status: portfolio.StatusValidated, in: portfolio.RealisationInput{
			Title:       "Veille sur les sauvegardes immuables",
			Description: "Flux de veille (RSS, lettres d’information) et synthèses mensuelles ; présentation à la classe.",
			Cadre:       "formation", Start: day(y, 9, 15), End: day(y+1, 5, 30), Modalite: "seul",
			Activities:  []string{"B1.6"},
			Competences: []string{"B1.6.3", "B1.6.4"},
		}},
		{status: portfolio.StatusValidated, in: portfolio.RealisationInput{
			Title:        "Segmentation du réseau de la mairie en VLAN",
			Description:  "Étude de l’existant, plan d’adressage, configuration des commutateurs et du pare-feu pfSense, tests et documentation.",
			Contexte:     "Stage de première année à la mairie de Caen, direction des systèmes d’information.",
			Cadre:        "stage1",
			Start:        day(y+1, 5, 26),
			End:          day(y+1, 6, 19),
			Modalite:     "seul",
			Productions:  []portfolio.Production{{Title: "Dossier technique", URL: "https://wiki.example.org/ines/vlan"}},
			Activities:   []string{"B2.1", "B2.2", "B3.4"},
			Competences:  []string{"B2.1.1", "B2.1.2", "B2.2.1", "B3.4.1"},
			How:          map[string]string{"B2.2": "Maquette sous GNS3 avant le déploiement sur les commutateurs."},
			Fiche:        "1",
			Organisation: "Mairie de Caen, direction des systèmes d’information (12 agents, 900 postes)",
			Place:        "Hôtel de ville de Caen",
			Conditions:   "Accès aux commutateurs du bâtiment et au pare-feu de test ; résultat attendu : trois VLAN isolés, sans coupure du service.",
			Resources:    "pfSense 2.7, commutateurs HP Aruba 2530, GNS3, documentation constructeur.",
			Access:       "Dossier technique sur le wiki du lycée (lien ci-dessus), captures dans le portfolio.",
		}},
		{status: portfolio.StatusValidated, in: portfolio.RealisationInput{
			Title:        "Supervision et sauvegarde des serveurs de l’agence",
			Description:  "Déploiement de Zabbix, alertes par messagerie, sauvegardes Proxmox Backup Server et tests de restauration.",
			Contexte:     "Stage de deuxième année chez Normandie Réseaux (Rouen), infogérance.",
			Cadre:        "stage2",
			Start:        day(y+1, 11, 4),
			End:          day(y+1, 12, 5),
			Modalite:     "equipe",
			Team:         "Avec l’administrateur système de l’agence.",
			Activities:   []string{"B2.3", "B3.4", "B3.5"},
			Competences:  []string{"B2.3.1", "B2.3.2", "B3.5.1"},
			Fiche:        "2",
			Organisation: "Normandie Réseaux, entreprise d’infogérance (25 salariés)",
			Place:        "Rouen",
			Conditions:   "Un cluster Proxmox de test, les serveurs d’un client ; attendu : alertes et restaurations vérifiées.",
			Resources:    "Zabbix 7, Proxmox VE et Proxmox Backup Server, documentation interne.",
			Access:       "Rapport et captures dans le portfolio.",
		}},
		{status: portfolio.StatusSubmitted, in: portfolio.RealisationInput{
			Title:       "Sensibilisation des agents au hameçonnage",
			Description: "Campagne de sensibilisation : affiche, courte formation, faux courriel de test et bilan.",
			Cadre:       "stage2", Start: day(y+1, 11, 17), End: day(y+1, 11, 28), Modalite: "seul",
			Activities:  []string{"B3.3"},
			Competences: []string{"B3.3.1"},
		}},
	}
}

func slam2019(y int) []item {
	return []item{
		{status: portfolio.StatusValidated, in: portfolio.RealisationInput{
			Title:       "Application de réservation des salles du lycée",
			Description: "Application web (PHP, Symfony) de réservation des salles, avec gestion des droits par profil.",
			Cadre:       "formation", Start: day(y, 11, 6), End: day(y+1, 1, 30), Modalite: "equipe", Team: "Trois étudiants.",
			Productions: []portfolio.Production{{Title: "Dépôt Git", URL: "https://git.example.org/hugo/salles"}},
			Activities:  []string{"B1.4", "B2.1", "B2.3"},
			Competences: []string{"B1.4.1", "B2.1.1", "B2.1.7", "B2.3.1"},
			How:         map[string]string{"B2.1": "Modélisation UML, puis développement des contrôleurs et des tests."},
		}},
		{status: portfolio.StatusValidated, in: portfolio.RealisationInput{
			Title:       "Correction d’anomalies sur l’intranet de l’agence",
			Description: "Analyse de tickets, reproduction, correction et tests de non-régression.",
			Contexte:    "Stage de première année chez Atelier Numérique (Rouen).",
			Cadre:       "stage1", Start: day(y+1, 5, 26), End: day(y+1, 6, 27), Modalite: "seul",
			Activities:  []string{"B1.2", "B2.2"},
			Competences: []string{"B1.2.1", "B2.2.1"},
		}},
		{status: portfolio.StatusValidated, in: portfolio.RealisationInput{
			Title:       "Module de facturation de l’application métier",
			Description: "Ajout d’un module de facturation (PHP, Symfony), revue de code et tests unitaires.",
			Contexte:    "Alternance de deuxième année chez Logi’Ouest (Caen), éditeur de logiciels.",
			Cadre:       "alternance2", Start: day(y+1, 9, 1), End: day(y+1, 10, 31), Modalite: "equipe", Team: "Équipe de développement de l’entreprise.",
			Activities:  []string{"B1.4", "B2.1", "B2.2"},
			Competences: []string{"B1.4.2", "B2.1.3", "B2.2.2"},
		}},
		{status: portfolio.StatusRework, reason: "Précisez les tests réalisés et la protection des données des clients.", in: portfolio.RealisationInput{
			Title:       "API de suivi des commandes",
			Description: "API REST en Go exposant l’état des commandes, tests automatisés.",
			Cadre:       "alternance2", Start: day(y+1, 9, 8), End: day(y+1, 11, 21), Modalite: "equipe", Team: "Équipe de développement de l’entreprise.",
			Activities:  []string{"B2.1", "B3.1", "B3.5"},
			Competences: []string{"B2.1.2", "B3.1.1"},
		}},
	}
}
