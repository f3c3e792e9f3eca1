package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/portfolio-sio/portfolio/migrations"
)

// LockFile is held by a running server, so that a restore cannot replace
// the database under it.
const LockFile = "portfolio.lock"

// ErrLocked means another process (a running server, or a command such as
// backup) holds the data directory.
var ErrLocked = errors.New("le dossier de données est utilisé par un serveur ou une commande en cours (portfolio.lock)")

// Lock takes the data directory's lock for the life of the process (the
// returned func releases it). It fails with ErrLocked if a server holds it.
func Lock(dataDir string) (func(), error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dataDir, LockFile), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, ErrLocked
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// CheckBackup verifies that a file is a sound Portfolio SIO database this
// program can use: SQLite integrity check, and a schema version no newer
// than its migrations. It returns that version.
func CheckBackup(ctx context.Context, path string) (int64, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&result); err != nil {
		return 0, fmt.Errorf("ce n'est pas une base SQLite lisible : %w", err)
	}
	if result != "ok" {
		return 0, fmt.Errorf("la vérification d'intégrité a échoué : %s", result)
	}
	var version int64
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&version); err != nil {
		return 0, fmt.Errorf("ce n'est pas une base Portfolio SIO (pas de version de schéma) : %w", err)
	}
	var users int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil {
		return 0, fmt.Errorf("ce n'est pas une base Portfolio SIO : %w", err)
	}
	latest, err := latestMigration()
	if err != nil {
		return 0, err
	}
	if version > latest {
		return 0, fmt.Errorf("la sauvegarde est au schéma %d, plus récent que celui de ce programme (%d) : restaurez-la avec une version plus récente de Portfolio SIO", version, latest)
	}
	return version, nil
}

// latestMigration is the highest version among the embedded migrations.
func latestMigration() (int64, error) {
	entries, err := migrations.FS.ReadDir(".")
	if err != nil {
		return 0, err
	}
	var latest int64
	for _, e := range entries {
		var v int64
		if _, err := fmt.Sscanf(e.Name(), "%05d_", &v); err == nil && v > latest {
			latest = v
		}
	}
	return latest, nil
}

// Restore replaces the database of dataDir with a checked backup. The
// server must be stopped (the data directory's lock is taken). The
// current database is kept beside it as portfolio.db.before-restore-TIME.
// Pending migrations are applied to the restored copy. It returns the path
// of the kept database, if there was one.
func Restore(ctx context.Context, dataDir, backup string, now time.Time) (string, error) {
	if _, err := CheckBackup(ctx, backup); err != nil {
		return "", err
	}
	unlock, err := Lock(dataDir)
	if err != nil {
		return "", err
	}
	defer unlock()
	dbPath := filepath.Join(dataDir, DBFile)
	tmp := dbPath + ".restoring"
	if err := copyFile(backup, tmp); err != nil {
		os.Remove(tmp)
		return "", err
	}
	var kept string
	if _, err := os.Stat(dbPath); err == nil {
		kept = dbPath + ".before-restore-" + now.Format("20060102-150405")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if _, err := os.Stat(dbPath + suffix); err == nil {
				if err := os.Rename(dbPath+suffix, kept+suffix); err != nil {
					return "", err
				}
			}
		}
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return kept, err
	}
	// The evidence files of the backup join the data directory's (files
	// are named by content: existing ones are identical).
	if err := copyTree(backup+FilesSuffix, filepath.Join(dataDir, "files")); err != nil {
		return kept, err
	}
	st, err := Open(ctx, dataDir) // applies newer migrations
	if err != nil {
		return kept, err
	}
	return kept, st.Close()
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// FilesSuffix names the directory of evidence files beside a backup
// (sauvegarde.db → sauvegarde.db.files).
const FilesSuffix = ".files"

// BackupWithFiles writes a backup of the database to path (see Backup)
// and copies beside it, in path+FilesSuffix, the evidence files that
// backup refers to. Files never change once stored (they are named by
// their content), so hard links are used when the backup is on the same
// disk: a daily backup costs only the new files.
//
// No evidence bytes can be deleted between the snapshot and the copy: both
// happen under the files lock, which every delete takes too, across
// processes (a backup command beside a running server).
func (s *Store) BackupWithFiles(ctx context.Context, path string) error {
	unlock, err := s.lockFiles()
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.Backup(ctx, path); err != nil {
		return err
	}
	if s.afterSnapshot != nil {
		s.afterSnapshot()
	}
	hashes, err := snapshotHashes(ctx, path)
	if err != nil {
		return err
	}
	to := path + FilesSuffix
	for _, h := range hashes {
		if len(h) < 3 {
			continue
		}
		dst := filepath.Join(to, h[:2], h)
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return err
		}
		if _, err := os.Stat(dst); err == nil {
			continue
		}
		src := s.filePath(h)
		if err := os.Link(src, dst); err == nil {
			continue
		}
		if err := copyFile(src, dst); err != nil {
			return fmt.Errorf("pièce jointe %s : %w", h, err)
		}
	}
	return nil
}

// snapshotHashes lists the evidence bytes a backup database refers to.
func snapshotHashes(ctx context.Context, path string) ([]string, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT hash FROM evidence UNION SELECT hash FROM attestations ORDER BY hash`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// FilesLockFile, in the data directory, is flocked by whoever deletes
// evidence bytes or backs them up.
const FilesLockFile = "files.lock"

// lockFiles takes the files lock: the in-process mutex, then an flock on
// FilesLockFile that a backup command in another process takes too.
func (s *Store) lockFiles() (func(), error) {
	s.files.Lock()
	f, err := os.OpenFile(filepath.Join(s.dir, FilesLockFile), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		s.files.Unlock()
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		s.files.Unlock()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		s.files.Unlock()
	}, nil
}

// copyTree copies a backup's files into a data directory (hard links when
// it can), leaving files already there.
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if errors.Is(err, os.ErrNotExist) && path == from {
			return nil // no files yet
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel == "tmp" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(to, rel), 0o750)
		}
		dst := filepath.Join(to, rel)
		if _, err := os.Stat(dst); err == nil {
			return nil
		}
		if err := os.Link(path, dst); err == nil {
			return nil
		}
		return copyFile(path, dst)
	})
}

// BackupName is the file name of an automatic backup taken at t.
func BackupName(t time.Time) string { return "portfolio-" + t.UTC().Format("20060102-150405") + ".db" }

// BackupInto takes an automatic backup into dir and deletes the oldest
// ones beyond keep. It returns the new file's path.
func (s *Store) BackupInto(ctx context.Context, dir string, keep int, now time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	path := filepath.Join(dir, BackupName(now))
	if err := s.BackupWithFiles(ctx, path); err != nil {
		return "", err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return path, err
	}
	var backups []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "portfolio-") && strings.HasSuffix(e.Name(), ".db") {
			backups = append(backups, e.Name())
		}
	}
	sort.Strings(backups) // the names sort by date
	for len(backups) > keep && keep > 0 {
		if err := os.Remove(filepath.Join(dir, backups[0])); err != nil {
			return path, err
		}
		if err := os.RemoveAll(filepath.Join(dir, backups[0]+FilesSuffix)); err != nil {
			return path, err
		}
		backups = backups[1:]
	}
	return path, nil
}
