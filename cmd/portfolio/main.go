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
	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/mailer"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/referentiel"
	"github.com/portfolio-sio/portfolio/internal/server"
	"github.com/portfolio-sio/portfolio/internal/store"
	refdata "github.com/portfolio-sio/portfolio/referentiel"
)

const usage = `Portfolio SIO — le portfolio des étudiants de BTS SIO.

Usage:
  portfolio serve [--data DIR] [--addr HOST:PORT] [--demo] [--timezone ZONE] [--base-url URL]
                  [--backup-dir DIR] [--backup-keep N] [--smtp-host HOST ...]
  portfolio user create --data DIR --email EMAIL --name "Prénom Nom" --role student|teacher|admin
                        [--parcours SISR|SLAM] [--candidate N] [--session YEAR] [--centre TEXT]
                        (password read from standard input)
  portfolio export tableau --data DIR --student EMAIL [--format pdf|csv] [--paper A3|A4] -o FILE
  portfolio export tableau --data DIR --class NAME [--year YYYY-YYYY] [--format pdf|csv] [--paper A3|A4] -o DIR

  portfolio backup --data DIR FILE      (while the server runs)
  portfolio restore --data DIR FILE     (server stopped)

Run "portfolio COMMAND --help" for the options of a command.
`

func main() {
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
		return errors.New("missing command")
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
			return errors.New(`usage: portfolio user create … (see "portfolio --help")`)
		}
		return createUser(ctx, args[2:], stdin, stdout, stderr)
	case "export":
		if len(args) == 2 && (args[1] == "--help" || args[1] == "-h") {
			fmt.Fprint(stdout, usage)
			return nil
		}
		if len(args) < 2 || args[1] != "tableau" {
			return errors.New(`usage: portfolio export tableau … (see "portfolio --help")`)
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
	return fmt.Errorf("unknown command %q", args[0])
}

// parse parses the flags and refuses stray arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	return nil
}

func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: portfolio %s\n\nOptions:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
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
	fs := newFlags("serve", "serve [--data DIR] [--addr HOST:PORT] [--demo] [--timezone ZONE]", stderr)
	dataDir := fs.String("data", "./data", "directory of the SQLite database (created if missing)")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	demoMode := fs.Bool("demo", false, "fill an empty database with demo accounts and réalisations (loopback addresses only)")
	tz := fs.String("timezone", "Europe/Paris", "time zone of dates shown to users and of class deadlines")
	trusted := fs.String("trusted-proxy", "", "addresses (or CIDR ranges) of the reverse proxy whose X-Forwarded-For/-Proto are believed, e.g. 127.0.0.1")
	baseURL := fs.String("base-url", "", "public address of the site (e.g. https://portfolio.lycee.fr), used in activation links; default: the address of each request")
	backupDir := fs.String("backup-dir", "", "take a backup into this directory at start-up and every 24 hours (off when empty)")
	backupKeep := fs.Int("backup-keep", 14, "automatic backups to keep in --backup-dir")
	smtpHost := fs.String("smtp-host", "", "SMTP relay that also e-mails activation links (off when empty); password in $PORTFOLIO_SMTP_PASSWORD")
	smtpPort := fs.Int("smtp-port", 587, "SMTP port")
	smtpUser := fs.String("smtp-user", "", "SMTP user (no authentication when empty)")
	smtpFrom := fs.String("smtp-from", "", "sender address of the e-mails")
	maxFileMB := fs.Int("max-file-mb", 20, "largest evidence file a student may upload, in MB")
	quotaMB := fs.Int("quota-mb", 500, "evidence storage per student, in MB")
	cacheMB := fs.Int("cache-mb", 32, "memory for rendered tableaux, PDFs and class dashboards, in MB (0: no cache)")
	if err := parse(fs, args); err != nil {
		return err
	}
	proxies, err := server.ParseTrustedProxies(*trusted)
	if err != nil {
		return fmt.Errorf("--trusted-proxy: %w", err)
	}
	if *smtpHost != "" && *smtpFrom == "" {
		return errors.New("--smtp-from is required with --smtp-host")
	}
	if *maxFileMB < 1 || *quotaMB < *maxFileMB {
		return errors.New("--max-file-mb must be at least 1 and --quota-mb at least --max-file-mb")
	}
	if *cacheMB < 0 {
		return errors.New("--cache-mb must be 0 or more")
	}
	cacheBytes := *cacheMB << 20
	if cacheBytes == 0 {
		cacheBytes = -1 // off
	}
	if *backupKeep < 1 {
		return errors.New("--backup-keep must be at least 1")
	}
	loc, lerr := time.LoadLocation(*tz)
	if lerr != nil {
		return fmt.Errorf("--timezone: %w", lerr)
	}
	time.Local = loc // dates are stored in UTC and shown in this zone
	if *demoMode && !isLoopback(*addr) {
		return fmt.Errorf("--demo refuses to listen on %s: demo accounts have a known password; use a loopback address such as 127.0.0.1:8080", *addr)
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
		return fmt.Errorf("remove the uploads a crash left: %w", err)
	} else if n > 0 {
		logger.Info("removed the temporary files of interrupted uploads", "count", n)
	}
	if demoDB, err := st.Setting(ctx, demo.SettingKey); err != nil {
		return err
	} else if demoDB != "" && !isLoopback(*addr) {
		return fmt.Errorf("the database in %s holds the demo accounts (public password): it is only served on a loopback address; use another --data for a real instance", *dataDir)
	}

	if *demoMode {
		seeded, err := demo.Seed(ctx, st, refs["sio-2011"], auth.Hasher{}, time.Now())
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		if seeded {
			logger.Info("demo data created")
		}
		// The classes on the current référentiel, also added to a demo
		// database made before they existed.
		if demoDB, _ := st.Setting(ctx, demo.SettingKey); demoDB != "" {
			if seeded, err := demo.Seed2019(ctx, st, refs["sio-2019"], auth.Hasher{}, time.Now()); err != nil {
				return fmt.Errorf("demo data (2019): %w", err)
			} else if seeded {
				logger.Info("demo data on the 2019 référentiel created")
			}
		}
	}

	cfg := server.Config{
		Store: st, Referentiels: refs, Logger: logger, SessionCleanup: 30 * time.Minute, BaseURL: *baseURL,
		MaxFileBytes: int64(*maxFileMB) << 20, QuotaBytes: int64(*quotaMB) << 20, TrustedProxies: proxies,
		CacheBytes: cacheBytes,
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
	logger.Info("shutting down")
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
					logger.Error("automatic backup panicked", "dir", dir, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				}
			}()
			path, err := st.BackupInto(ctx, dir, keep, time.Now())
			if err != nil {
				logger.Error("automatic backup failed", "dir", dir, "err", err)
			} else {
				logger.Info("automatic backup", "file", path)
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
	fs := newFlags("backup", "backup --data DIR FILE", stderr)
	dataDir := fs.String("data", "./data", "directory of the SQLite database")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: portfolio backup --data DIR FILE")
	}
	file := fs.Arg(0)
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("%s exists already: choose a new file name", file)
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
		return fmt.Errorf("the backup does not pass its check: %w", err)
	}
	fmt.Fprintf(stdout, "backup written: %s (evidence files in %s)\n", file, file+store.FilesSuffix)
	return nil
}

func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("restore", "restore --data DIR FILE", stderr)
	dataDir := fs.String("data", "./data", "directory of the SQLite database to replace (the server must be stopped)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: portfolio restore --data DIR FILE")
	}
	kept, err := store.Restore(ctx, *dataDir, fs.Arg(0), time.Now())
	if errors.Is(err, store.ErrLocked) {
		return errors.New("the server is running on this data directory: stop it, then restore")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s into %s\n", fs.Arg(0), *dataDir)
	if kept != "" {
		fmt.Fprintf(stdout, "the previous database is kept as %s\n", kept)
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
	fs := newFlags("user create", `user create --data DIR --email EMAIL --name "Prénom Nom" --role ROLE [options] < password`, stderr)
	dataDir := fs.String("data", "./data", "directory of the SQLite database")
	email := fs.String("email", "", "e-mail address, used to log in (required)")
	name := fs.String("name", "", `full name "Prénom Nom"; the first word is the first name, the rest the last name (required)`)
	roleFlag := fs.String("role", "", "student, teacher or admin (required)")
	parcours := fs.String("parcours", "", "SISR or SLAM (students; empty while not chosen)")
	candidate := fs.String("candidate", "", "numéro de candidat (students)")
	session := fs.Int("session", 0, "exam session year, e.g. 2027 (students)")
	centre := fs.String("centre", "", "centre de formation (students)")
	if err := parse(fs, args); err != nil {
		return err
	}
	*email = strings.TrimSpace(*email)
	role, err := portfolio.ParseRole(*roleFlag)
	if err != nil {
		return err
	}
	if !strings.Contains(*email, "@") {
		return errors.New("--email must be an e-mail address")
	}
	first, last, _ := strings.Cut(strings.TrimSpace(*name), " ")
	if first == "" {
		return errors.New(`--name is required ("Prénom Nom")`)
	}
	*parcours = strings.ToUpper(*parcours)
	if *parcours != "" && *parcours != "SISR" && *parcours != "SLAM" {
		return errors.New("--parcours must be SISR or SLAM")
	}
	password, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	password = strings.TrimRight(password, "\r\n")
	if len([]rune(password)) < 8 || len(password) > 72 {
		return errors.New("the password (read from standard input) must have at least 8 characters and at most 72 bytes")
	}
	hash, err := auth.Hasher{}.Hash(password)
	if err != nil {
		return err
	}
	// The first admin is created before the server ever ran, so this
	// command may create the database; it says so, so a mistyped --data
	// shows.
	if _, err := os.Stat(filepath.Join(*dataDir, store.DBFile)); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "new database created: %s\n", filepath.Join(*dataDir, store.DBFile))
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
		return fmt.Errorf("a user with e-mail %s already exists", *email)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %d created: %s (%s)\n", id, *email, role)
	return nil
}

func exportTableau(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export tableau", "export tableau --data DIR (--student EMAIL -o FILE | --class NAME [--year YYYY-YYYY] -o DIR) [--format pdf|csv|xlsx] [--paper A3|A4]", stderr)
	dataDir := fs.String("data", "./data", "directory of the SQLite database")
	email := fs.String("student", "", "e-mail of the student")
	class := fs.String("class", "", "name of a class: one file per student, written into the -o directory")
	year := fs.String("year", "", "school year of --class (e.g. 2026-2027), when several classes have that name")
	format := fs.String("format", "pdf", "output format: pdf, csv, or xlsx (the spreadsheet model of the référentiels that have one: 2019)")
	paperFlag := fs.String("paper", "", "paper of the PDF, A3 or A4 (default: the référentiel's model, A3 landscape for 2011, A4 portrait for 2019)")
	out := fs.String("o", "", `output file ("-" for standard output) with --student, output directory with --class (required)`)
	tz := fs.String("timezone", "Europe/Paris", "time zone of the generation date printed on the tableau")
	if err := parse(fs, args); err != nil {
		return err
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fmt.Errorf("--timezone: %w", err)
	}
	time.Local = loc
	if *format != "csv" && *format != "pdf" && *format != "xlsx" {
		return fmt.Errorf("format %q not supported: pdf, csv or xlsx", *format)
	}
	paper, err := export.ParsePaper(*paperFlag)
	if err != nil {
		return err
	}
	if (*email == "") == (*class == "") || *out == "" {
		return errors.New("give -o and either --student or --class")
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
	// tableau is how to write a student's tableau in the format asked.
	tableau := func(u portfolio.User) (func(io.Writer) error, error) {
		reals, err := st.ListRealisations(ctx, u.ID, store.RealisationFilter{})
		if err != nil {
			return nil, err
		}
		ref, ok := refs[u.Referentiel]
		if !ok {
			ref = refs["sio-2011"]
		}
		if tree := ref.Grid(); tree != nil {
			g := portfolio.BuildGrid(tree, u, portfolio.GridEntries(reals), now)
			p := paper
			if *paperFlag == "" {
				p, _ = export.ParsePaper(tree.Tableau.Paper)
			}
			switch *format {
			case "csv":
				return func(w io.Writer) error { return export.GridCSV(w, g) }, nil
			case "xlsx":
				return func(w io.Writer) error { return export.XLSX(w, g) }, nil
			}
			return func(w io.Writer) error { return export.GridPDF(w, g, p) }, nil
		}
		t := portfolio.BuildTableau(ref, u, reals, now)
		switch *format {
		case "csv":
			return func(w io.Writer) error { return export.CSV(w, t) }, nil
		case "xlsx":
			return nil, fmt.Errorf("%s: the référentiel %s has no spreadsheet model (pdf or csv)", u.Email, ref.Code)
		}
		return func(w io.Writer) error { return export.PDF(w, t, paper) }, nil
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
			write, err := tableau(u)
			if err != nil {
				return err
			}
			name := export.FileName(u, *format)
			if used[name]++; used[name] > 1 {
				name = strings.TrimSuffix(name, "."+*format) + fmt.Sprintf("_%d.%s", used[name], *format)
			}
			if err := writeFile(filepath.Join(*out, name), write); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "%d tableau(x) written to %s\n", len(students), *out)
		return nil
	}

	u, err := st.UserByEmail(ctx, *email)
	if errors.Is(err, portfolio.ErrNotFound) || (err == nil && u.Role != portfolio.RoleStudent) {
		return fmt.Errorf("no student with e-mail %s", *email)
	}
	if err != nil {
		return err
	}
	write, err := tableau(u)
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
		return store.Class{}, fmt.Errorf("no class named %q", name)
	case 1:
		return found[0], nil
	}
	var years []string
	for _, c := range found {
		years = append(years, c.SchoolYear)
	}
	return store.Class{}, fmt.Errorf("several classes are named %q (%s): add --year", name, strings.Join(years, ", "))
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
