package sql

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// AppliedMigration is one row of schema_migrations.
type AppliedMigration struct {
	Version   int       `db:"version"`
	Name      string    `db:"name"`
	AppliedAt time.Time `db:"applied_at"`
}

// AppliedMigrations lists what schema_migrations records (none when the table is missing).
func AppliedMigrations(ctx context.Context, db *sqlx.DB) ([]AppliedMigration, error) {
	var exists bool
	if err := db.GetContext(ctx, &exists, `SELECT to_regclass('schema_migrations') IS NOT NULL`); err != nil {
		return nil, err
	}
	if !exists {
		return nil, nil
	}
	var out []AppliedMigration
	err := db.SelectContext(ctx, &out, `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	return out, err
}

// SchemaVersion is the highest migration schema_migrations records (0 for none).
func SchemaVersion(ctx context.Context, db *sqlx.DB) (int, error) {
	var v int
	err := db.GetContext(ctx, &v, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`)
	return v, err
}

// ServerVersion is the PostgreSQL server's version, as it names it.
func ServerVersion(ctx context.Context, db *sqlx.DB) (string, error) {
	var v string
	err := db.GetContext(ctx, &v, `SHOW server_version`)
	return v, err
}

// Binary is the path of a PostgreSQL client or server program (psql, pg_dump, pg_restore)
// from the same installation as initdb.
func Binary(name string) (string, error) {
	dir, err := findBinaries()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}

// OwnerPID is the process id of the live pbxws that owns the cluster, or 0.
func (c *Cluster) OwnerPID() int {
	if c.owner != nil {
		return os.Getpid()
	}
	b, err := os.ReadFile(c.Dir + ".owner")
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid <= 0 || !c.ownerLocked() {
		return 0
	}
	return pid
}

// ownerLocked says whether some live process holds the owner lock.
func (c *Cluster) ownerLocked() bool {
	if c.takeOwnership() {
		c.release()
		return false
	}
	return true
}
