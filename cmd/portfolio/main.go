// Command portfolio runs Portfolio SIO: the web server and its
// administration commands.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // --timezone works on machines without a zoneinfo database

	"github.com/portfolio-sio/portfolio/internal/auth"
	"github.com/portfolio-sio/portfolio/internal/demo"
	"github.com/portfolio-sio/portfolio/internal/docjob"
	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/mailer"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	"github.com/portfolio-sio/portfolio/internal/server"
	"github.com/portfolio-sio/portfolio/internal/store"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

const usage = `Portfolio SIO — le portfolio des étudiants de BTS SIO.

Utilisation :
  portfolio serve [--data DOSSIER] [--addr HÔTE:PORT] [--demo] [--timezone ZONE] [--base-url URL]
                  [--backup-dir DOSSIER] [--backup-keep N] [--smtp-host HÔTE ...] [--oidc-issuer URL ...]
  portfolio user create --data DOSSIER --email E-MAIL --name "Prénom Nom" --role student|teacher|admin
                        [--parcours SISR|SLAM] [--candidate N] [--session ANNÉE] [--centre TEXTE]
                        (mot de passe lu sur l'entrée standard)
  portfolio export tableau --data DOSSIER --student E-MAIL [--format pdf|csv|xlsx] [--paper A3|A4] -o FICHIER
  portfolio export tableau --data DOSSIER --class NOM [--year AAAA-AAAA] [--format pdf|csv|xlsx] [--paper A3|A4] -o DOSSIER

  portfolio backup --data DOSSIER FICHIER    (serveur en marche ou non)
  portfolio restore --data DOSSIER FICHIER   (serveur arrêté)

« portfolio COMMANDE --help » donne les options d'une commande.
`

func main() {
	// The server runs the work on uploaded documents in a child process:
	// this binary again, with this variable set (internal/docjob).
	if os.Getenv(docjob.EnvVar) == "1" {
		os.Exit(docjob.Main(os.Stdin, os.Stdout))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "portfolio:", err)
		os.Exit(1)
	}
}

// run dispatches the subcommand.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("commande manquante")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "user":
		if len(args) == 2 && (args[1] == "--help" || args[1] == "-h") {
			fmt.Fprint(stdout, usage)
			return nil
		}
		if len(args) < 2 || args[1] != "create" {
			return errors.New(`utilisation : portfolio user create … (voir « portfolio --help »)`)
		}
		return createUser(ctx, args[2:], stdin, stdout, stderr)
	case "export":
		if len(args) == 2 && (args[1] == "--help" || args[1] == "-h") {
			fmt.Fprint(stdout, usage)
			return nil
		}
		if len(args) < 2 || args[1] != "tableau" {
			return errors.New(`utilisation : portfolio export tableau … (voir « portfolio --help »)`)
		}
		return exportTableau(ctx, args[2:], stdout, stderr)
	case "backup":
		return backupCmd(ctx, args[1:], stdout, stderr)
	case "restore":
		return restoreCmd(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("commande inconnue : %q", args[0])
}

// parse parses the flags and refuses stray arguments.
func parse(fs *flagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("argument inattendu : %q (voir --help)", fs.Arg(0))
	}
	return nil
}

// parseFlags parses the flags, saying in French what the flag package
// would say in English; --help prints the command's usage.
func parseFlags(fs *flagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.usage()
	}
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	msg := err.Error()
	for _, tr := range [][2]string{
		{"flag provided but not defined: ", "option inconnue : "},
		{"flag needs an argument: ", "il manque la valeur de l'option "},
		{"invalid boolean value ", "valeur invalide (oui ou non attendu) "},
		{"invalid value ", "valeur invalide "},
		{"bad flag syntax: ", "option mal écrite : "},
	} {
		if strings.HasPrefix(msg, tr[0]) {
			msg = tr[1] + strings.NewReplacer(" for flag ", " pour ", " for ", " pour ", ": parse error", "", ": value out of range", " : hors limites").Replace(strings.TrimPrefix(msg, tr[0]))
			break
		}
	}
	return fmt.Errorf("%s (voir « portfolio %s --help »)", msg, fs.Name())
}

// flagSet is a command's flags with its French usage, which --help prints
// (a wrong option only says what is wrong).
type flagSet struct {
	*flag.FlagSet
	usage func()
}

// newFlags is a command's flag set, whose --help is in French.
func newFlags(name, synopsis string, stderr io.Writer) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError)}
	fs.SetOutput(io.Discard) // parseFlags says what went wrong
	fs.Usage = func() {}
	fs.usage = func() {
		fmt.Fprintf(stderr, "Utilisation : portfolio %s\n\nOptions :\n", synopsis)
		fs.VisitAll(func(f *flag.Flag) {
			value, help := flag.UnquoteUsage(f)
			fmt.Fprintf(stderr, "  --%s\n    \t%s", strings.TrimSpace(f.Name+" "+frenchValue(value)), help)
			if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
				fmt.Fprintf(stderr, " (par défaut : %s)", f.DefValue)
			}
			fmt.Fprintln(stderr)
		})
	}
	return fs
}

// frenchValue names the kind of value an option takes.
func frenchValue(kind string) string {
	switch kind {
	case "string":
		return "texte"
	case "int":
		return "nombre"
	case "duration":
		return "durée"
	}
	return kind
}

// loadReferentiels loads the embedded référentiels.
func loadReferentiels() (map[string]*referentiel.Referentiel, error) {
	refs, err := referentiel.LoadAll(refdata.FS)
	if err != nil {
		return nil, err
	}
	if _, ok := refs["sio-2011"]; !ok {
		return nil, errors.New("referentiel sio-2011 missing")
	}
	return refs, nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "serve [--data DOSSIER] [--addr HÔTE:PORT] [--demo] [--timezone ZONE] [options]", stderr)
	dataDir := fs.String("data", "./data", "dossier de la base SQLite et des pièces jointes (créé s'il manque)")
	addr := fs.String("addr", "127.0.0.1:8080", "adresse et port d'écoute")
	demoMode := fs.Bool("demo", false, "remplit une base vide de comptes et de réalisations de démonstration (adresses locales seulement)")
	tz := fs.String("timezone", "Europe/Paris", "fuseau horaire des dates affichées et des dates limites des classes")
	trusted := fs.String("trusted-proxy", "", "adresses (ou plages CIDR) du proxy inverse dont on croit les en-têtes X-Forwarded-For/-Proto, par exemple 127.0.0.1")
	baseURL := fs.String("base-url", "", "adresse publique du site (par exemple https://portfolio.lycee.fr) : les liens envoyés par e-mail et l'adresse de retour OpenID Connect sont construits sur elle, jamais sur l'en-tête Host d'une requête ; sans elle, aucun e-mail ni connexion par l'établissement (avec --demo : l'adresse locale d'écoute)")
	backupDir := fs.String("backup-dir", "", "sauvegarde dans ce dossier au démarrage puis toutes les 24 heures (aucune si vide)")
	backupKeep := fs.Int("backup-keep", 14, "nombre de sauvegardes automatiques gardées dans --backup-dir")
	smtpHost := fs.String("smtp-host", "", "relais SMTP des liens d'activation et de mot de passe oublié, et des notifications par e-mail (il faut aussi --base-url) ; aucun envoi si vide ; mot de passe dans $PORTFOLIO_SMTP_PASSWORD")
	smtpPort := fs.Int("smtp-port", 587, "port du relais SMTP")
	smtpUser := fs.String("smtp-user", "", "utilisateur SMTP (pas d'authentification si vide)")
	smtpFrom := fs.String("smtp-from", "", "adresse d'expéditeur des e-mails")
	maxFileMB := fs.Int("max-file-mb", 20, "taille maximale d'une pièce jointe, en Mo")
	quotaMB := fs.Int("quota-mb", 500, "espace des pièces jointes par étudiant, en Mo")
	cacheMB := fs.Int("cache-mb", 32, "mémoire des tableaux, PDF et pages de classe déjà produits, en Mo (0 : aucun cache)")
	oidcIssuer := fs.String("oidc-issuer", "", "fournisseur OpenID Connect de l'établissement (par exemple https://login.microsoftonline.com/<tenant>/v2.0) : la page de connexion propose « Se connecter avec … » (il faut aussi --base-url) ; secret du client dans $PORTFOLIO_OIDC_CLIENT_SECRET")
	oidcClient := fs.String("oidc-client-id", "", "identifiant du client (l'application enregistrée chez le fournisseur)")
	oidcClaim := fs.String("oidc-email-claim", "email", "revendication du jeton qui porte l'adresse e-mail (email ; preferred_username ou upn avec Microsoft Entra ID)")
	oidcLabel := fs.String("oidc-label", "le compte de l'établissement", "nom du fournisseur sur le bouton « Se connecter avec … »")
	if err := parse(fs, args); err != nil {
		return err
	}
	proxies, err := server.ParseTrustedProxies(*trusted)
	if err != nil {
		return fmt.Errorf("--trusted-proxy: %w", err)
	}
	if *smtpHost != "" && *smtpFrom == "" {
		return errors.New("--smtp-from est obligatoire avec --smtp-host")
	}
	if (*oidcIssuer == "") != (*oidcClient == "") {
		return errors.New("--oidc-issuer et --oidc-client-id vont ensemble")
	}
	if *maxFileMB < 1 || *quotaMB < *maxFileMB {
		return errors.New("--max-file-mb doit valoir au moins 1 et --quota-mb au moins --max-file-mb")
	}
	if *cacheMB < 0 {
		return errors.New("--cache-mb doit valoir 0 ou plus")
	}
	cacheBytes := *cacheMB << 20
	if cacheBytes == 0 {
		cacheBytes = -1 // off
	}
	if *backupKeep < 1 {
		return errors.New("--backup-keep doit valoir au moins 1")
	}
	loc, lerr := time.LoadLocation(*tz)
	if lerr != nil {
		return fmt.Errorf("--timezone: %w", lerr)
	}
	time.Local = loc // dates are stored in UTC and shown in this zone
	if *demoMode && !isLoopback(*addr) {
		return fmt.Errorf("--demo refuse d'écouter sur %s : les comptes de démonstration ont un mot de passe connu ; utilisez une adresse locale comme 127.0.0.1:8080", *addr)
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	refs, err := loadReferentiels()
	if err != nil {
		return err
	}
	unlock, err := store.Lock(*dataDir)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("le dossier de données %s est déjà utilisé par un serveur Portfolio SIO en marche (ou une commande en cours) : arrêtez-le, ou choisissez un autre dossier avec --data (avec make : make run DATA=./autre-dossier ADDR=127.0.0.1:8081)", *dataDir)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", *dataDir, err)
	}
	defer unlock()
	st, err := store.Open(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	if n, err := st.RemoveTempUploads(); err != nil {
		return fmt.Errorf("suppression des envois interrompus par un arrêt brutal : %w", err)
	} else if n > 0 {
		logger.Info("fichiers temporaires d'envois interrompus supprimés", "nombre", n)
	}
	if demoDB, err := st.Setting(ctx, demo.SettingKey); err != nil {
		return err
	} else if demoDB != "" && !isLoopback(*addr) {
		return fmt.Errorf("la base de %s contient les comptes de démonstration (mot de passe public) : elle n'est servie que sur une adresse locale ; prenez un autre --data pour une vraie installation", *dataDir)
	}

	if *demoMode {
		seeded, err := demo.Seed(ctx, st, refs["sio-2011"], auth.Hasher{}, time.Now())
		if err != nil {
			return fmt.Errorf("données de démonstration : %w", err)
		}
		if seeded {
			logger.Info("données de démonstration créées")
		}
		// The classes on the current référentiel, also added to a demo
		// database made before they existed.
		if demoDB, _ := st.Setting(ctx, demo.SettingKey); demoDB != "" {
			if seeded, err := demo.Seed2019(ctx, st, refs["sio-2019"], auth.Hasher{}, time.Now()); err != nil {
				return fmt.Errorf("données de démonstration (2019) : %w", err)
			} else if seeded {
				logger.Info("données de démonstration du référentiel 2019 créées")
			}
		}
	}

	if *demoMode && *baseURL == "" {
		// The demo listens on loopback only: its links may name that.
		*baseURL = "http://" + *addr
	}
	cfg := server.Config{
		Store: st, Referentiels: refs, Logger: logger, SessionCleanup: 30 * time.Minute, BaseURL: *baseURL,
		MaxFileBytes: int64(*maxFileMB) << 20, QuotaBytes: int64(*quotaMB) << 20, TrustedProxies: proxies,
		CacheBytes: cacheBytes,
	}
	if *oidcIssuer != "" {
		cfg.OIDC = &server.OIDCConfig{Issuer: *oidcIssuer, ClientID: *oidcClient, ClientSecret: os.Getenv("PORTFOLIO_OIDC_CLIENT_SECRET"),
			EmailClaim: *oidcClaim, Label: *oidcLabel}
	}
	if *smtpHost != "" {
		cfg.Mailer = mailer.SMTP{Host: *smtpHost, Port: *smtpPort, User: *smtpUser,
			Password: os.Getenv("PORTFOLIO_SMTP_PASSWORD"), From: *smtpFrom}
	}
	srv := server.New(cfg)
	defer srv.Close()
	httpServer := srv.NewHTTPServer(*addr)
	httpServer.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	ln, err := net.Listen("tcp", *addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("l'adresse %s est déjà utilisée (un autre Portfolio SIO, ou un autre programme, y écoute) : arrêtez-le, ou choisissez une autre adresse avec --addr (avec make : make run ADDR=127.0.0.1:8081)", *addr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Portfolio SIO écoute sur http://%s/\n", ln.Addr())
	if *demoMode {
		fmt.Fprintf(stdout, "Comptes de démonstration (mot de passe %q) :\n", demo.Password)
		for _, a := range append(demo.Accounts, demo.Accounts2019...) {
			fmt.Fprintf(stdout, "  %-20s %s\n", a.Email, a.Label)
		}
	}
	if *backupDir != "" {
		go autoBackup(ctx, st, *backupDir, *backupKeep, logger)
	}
	errc := make(chan error, 1)
	go func() { errc <- httpServer.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("arrêt du serveur")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return httpServer.Shutdown(shutdownCtx)
}

// autoBackup takes a backup now and every 24 hours until ctx ends.
// A panic in one backup is logged and the next day's backup still runs:
// the server goes on either way.
func autoBackup(ctx context.Context, st *store.Store, dir string, keep int, logger *slog.Logger) {
	for {
		func() {
			defer func() {
				if p := recover(); p != nil {
					logger.Error("la sauvegarde automatique a planté", "dossier", dir, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				}
			}()
			path, err := st.BackupInto(ctx, dir, keep, time.Now())
			if err != nil {
				logger.Error("échec de la sauvegarde automatique", "dossier", dir, "err", err)
			} else {
				logger.Info("sauvegarde automatique", "fichier", path)
			}
		}()
		select {
		case <-ctx.Done():
			return
		case <-time.After(24 * time.Hour):
		}
	}
}

func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", "backup --data DOSSIER FICHIER", stderr)
	dataDir := fs.String("data", "./data", "dossier de la base SQLite")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("utilisation : portfolio backup --data DOSSIER FICHIER")
	}
	file := fs.Arg(0)
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("%s existe déjà : choisissez un nouveau nom de fichier", file)
	}
	st, err := store.OpenExisting(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.BackupWithFiles(ctx, file); err != nil {
		return err
	}
	if _, err := store.CheckBackup(ctx, file); err != nil {
		return fmt.Errorf("la sauvegarde ne passe pas sa vérification : %w", err)
	}
	fmt.Fprintf(stdout, "sauvegarde écrite : %s (pièces jointes dans %s)\n", file, file+store.FilesSuffix)
	return nil
}

func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("restore", "restore --data DOSSIER FICHIER", stderr)
	dataDir := fs.String("data", "./data", "dossier de la base SQLite à remplacer (le serveur doit être arrêté)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("utilisation : portfolio restore --data DOSSIER FICHIER")
	}
	kept, err := store.Restore(ctx, *dataDir, fs.Arg(0), time.Now())
	if errors.Is(err, store.ErrLocked) {
		return errors.New("un serveur tourne sur ce dossier de données : arrêtez-le, puis restaurez")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s restaurée dans %s\n", fs.Arg(0), *dataDir)
	if kept != "" {
		fmt.Fprintf(stdout, "l'ancienne base est gardée sous %s\n", kept)
	}
	return nil
}

// isLoopback reports whether addr listens only on a loopback address.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func createUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("user create", `user create --data DOSSIER --email E-MAIL --name "Prénom Nom" --role RÔLE [options] < mot-de-passe`, stderr)
	dataDir := fs.String("data", "./data", "dossier de la base SQLite")
	email := fs.String("email", "", "adresse e-mail, qui sert à se connecter (obligatoire)")
	name := fs.String("name", "", `nom complet « Prénom Nom » : le premier mot est le prénom, le reste le nom (obligatoire)`)
	roleFlag := fs.String("role", "", "student (étudiant), teacher (enseignant) ou admin (administrateur) (obligatoire)")
	parcours := fs.String("parcours", "", "SISR ou SLAM (étudiants ; vide tant qu'il n'est pas choisi)")
	candidate := fs.String("candidate", "", "numéro de candidat (étudiants)")
	session := fs.Int("session", 0, "année de la session d'examen, par exemple 2027 (étudiants)")
	centre := fs.String("centre", "", "centre de formation (étudiants)")
	if err := parse(fs, args); err != nil {
		return err
	}
	*email = strings.TrimSpace(*email)
	role, err := portfolio.ParseRole(*roleFlag)
	if err != nil {
		return err
	}
	if !strings.Contains(*email, "@") {
		return errors.New("--email doit être une adresse e-mail")
	}
	first, last, _ := strings.Cut(strings.TrimSpace(*name), " ")
	if first == "" {
		return errors.New(`--name est obligatoire (« Prénom Nom »)`)
	}
	*parcours = strings.ToUpper(*parcours)
	if *parcours != "" && *parcours != "SISR" && *parcours != "SLAM" {
		return errors.New("--parcours doit valoir SISR ou SLAM")
	}
	password, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("lecture du mot de passe : %w", err)
	}
	password = strings.TrimRight(password, "\r\n")
	if len([]rune(password)) < 8 || len(password) > 72 {
		return errors.New("le mot de passe (lu sur l'entrée standard) doit avoir au moins 8 caractères et au plus 72 octets")
	}
	hash, err := auth.Hasher{}.Hash(password)
	if err != nil {
		return err
	}
	// The first admin is created before the server ever ran, so this
	// command may create the database; it says so, so a mistyped --data
	// shows.
	if _, err := os.Stat(filepath.Join(*dataDir, store.DBFile)); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "nouvelle base créée : %s\n", filepath.Join(*dataDir, store.DBFile))
	}
	st, err := store.OpenBesideServer(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	id, err := st.CreateUser(ctx, portfolio.User{
		Email: *email, FirstName: first, LastName: strings.TrimSpace(last), Role: role, PasswordHash: hash,
		Parcours: *parcours, CandidateNumber: *candidate, SessionYear: *session, Centre: *centre,
	})
	if errors.Is(err, store.ErrEmailTaken) {
		return fmt.Errorf("un compte a déjà l'adresse %s", *email)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "compte %d créé : %s (%s)\n", id, *email, role.Label())
	return nil
}

func exportTableau(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export tableau", "export tableau --data DOSSIER (--student E-MAIL -o FICHIER | --class NOM [--year AAAA-AAAA] -o DOSSIER) [--format pdf|csv|xlsx] [--paper A3|A4]", stderr)
	dataDir := fs.String("data", "./data", "dossier de la base SQLite")
	email := fs.String("student", "", "adresse e-mail de l'étudiant")
	class := fs.String("class", "", "nom d'une classe : un fichier par étudiant, écrit dans le dossier -o")
	year := fs.String("year", "", "année scolaire de --class (par exemple 2026-2027), quand plusieurs classes ont ce nom")
	format := fs.String("format", "pdf", "format : pdf, csv ou xlsx (le modèle tableur des référentiels qui en ont un : 2019)")
	paperFlag := fs.String("paper", "", "papier du PDF, A3 ou A4 (par défaut celui du modèle du référentiel : A3 paysage pour 2011, A4 portrait pour 2019)")
	out := fs.String("o", "", `fichier produit (« - » pour la sortie standard) avec --student, dossier avec --class (obligatoire)`)
	tz := fs.String("timezone", "Europe/Paris", "fuseau horaire de la date de génération imprimée sur le tableau")
	if err := parse(fs, args); err != nil {
		return err
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fmt.Errorf("--timezone: %w", err)
	}
	time.Local = loc
	if *format != "csv" && *format != "pdf" && *format != "xlsx" {
		return fmt.Errorf("format %q inconnu : pdf, csv ou xlsx", *format)
	}
	paper, err := export.ParsePaper(*paperFlag)
	if err != nil {
		return err
	}
	if (*email == "") == (*class == "") || *out == "" {
		return errors.New("donnez -o et soit --student, soit --class")
	}
	refs, err := loadReferentiels()
	if err != nil {
		return err
	}
	st, err := store.OpenExisting(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	texts, err := st.SessionTexts(ctx)
	if err != nil {
		return err
	}
	// tableau is how to write a student's tableau in the format asked, and
	// the paper a PDF is printed on.
	tableau := func(u portfolio.User) (func(io.Writer) error, export.Paper, error) {
		reals, err := st.ListRealisations(ctx, u.ID, store.RealisationFilter{})
		if err != nil {
			return nil, "", err
		}
		ref, ok := refs[u.Referentiel]
		if !ok {
			ref = refs["sio-2011"]
		}
		// The official sheet, as PDF or XLSX; the CSV is the official
		// grid's too, except for a référentiel with a working view (2011),
		// whose CSV is that view's (totals, activities to cover).
		if tree := ref.Grid(); tree != nil && (*format != "csv" || !ref.Working()) {
			g := portfolio.BuildGrid(tree, u, portfolio.GridEntries(u, reals), now)
			g.Apply(store.TextsFor(texts, &u))
			p := paper
			if *paperFlag == "" {
				p, _ = export.ParsePaper(tree.Tableau.Paper)
			}
			switch *format {
			case "csv":
				return func(w io.Writer) error { return export.GridCSV(w, g) }, p, nil
			case "xlsx":
				return func(w io.Writer) error { return export.XLSX(w, g) }, p, nil
			}
			return func(w io.Writer) error { return export.GridPDF(w, g, p) }, p, nil
		}
		t := portfolio.BuildTableau(ref, u, reals, now)
		switch *format {
		case "csv":
			return func(w io.Writer) error { return export.CSV(w, t) }, paper, nil
		case "xlsx":
			return nil, "", fmt.Errorf("%s : le référentiel %s n'a pas de modèle tableur (pdf ou csv)", u.Email, ref.Code)
		}
		return func(w io.Writer) error { return export.PDF(w, t, paper) }, paper, nil
	}

	if *class != "" {
		c, err := findClass(ctx, st, *class, *year)
		if err != nil {
			return err
		}
		students, _, err := st.ClassMembers(ctx, c.ID)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		used := map[string]int{}
		for _, u := range students {
			write, p, err := tableau(u)
			if err != nil {
				return err
			}
			name := export.FileName(u, *format)
			if *format == "pdf" {
				name = export.PaperFileName(u, p)
			}
			if used[name]++; used[name] > 1 {
				name = strings.TrimSuffix(name, "."+*format) + fmt.Sprintf("_%d.%s", used[name], *format)
			}
			if err := writeFile(filepath.Join(*out, name), write); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "%d tableau(x) écrit(s) dans %s\n", len(students), *out)
		return nil
	}

	u, err := st.UserByEmail(ctx, *email)
	if errors.Is(err, portfolio.ErrNotFound) || (err == nil && u.Role != portfolio.RoleStudent) {
		return fmt.Errorf("aucun étudiant n'a l'adresse %s", *email)
	}
	if err != nil {
		return err
	}
	write, _, err := tableau(u)
	if err != nil {
		return err
	}
	if *out == "-" {
		return write(stdout)
	}
	return writeFile(*out, write)
}

// findClass finds a class by name (and school year when given); several
// matches are an error that lists them.
func findClass(ctx context.Context, st *store.Store, name, year string) (store.Class, error) {
	all, err := st.Classes(ctx, 0)
	if err != nil {
		return store.Class{}, err
	}
	var found []store.Class
	for _, c := range all {
		if strings.EqualFold(c.Name, name) && (year == "" || c.SchoolYear == year) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return store.Class{}, fmt.Errorf("aucune classe ne s'appelle %q", name)
	case 1:
		return found[0], nil
	}
	var years []string
	for _, c := range found {
		years = append(years, c.SchoolYear)
	}
	return store.Class{}, fmt.Errorf("plusieurs classes s'appellent %q (%s) : ajoutez --year", name, strings.Join(years, ", "))
}

// writeFile writes a file through fn, removing it if fn fails.
func writeFile(path string, fn func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}
