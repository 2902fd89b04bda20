package sql

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"
)

// clusterPort names the socket file; the socket directory is private, so any number works.
const clusterPort = 5432

// Cluster is a private PostgreSQL server: a data directory, reachable only through a Unix
// socket in a directory of its own, with a superuser "pbxws" trusted on that socket.
type Cluster struct {
	Dir       string
	SocketDir string
	bin       string
	runAs     *syscall.Credential
	started   bool
	log       *slog.Logger
}

// ErrNoPostgres says the server binaries are missing, and how to get them.
var ErrNoPostgres = errors.New(`PostgreSQL server binaries (initdb, pg_ctl) not found: install the Debian package "postgresql" (apt-get install postgresql)`)

// StartCluster starts (creating it first when dir holds none) a private cluster in dir, or
// reuses the one already running there. Concurrent callers on the same dir serialise on a
// lock file. When running as root, the cluster runs as the "postgres" system user, since
// PostgreSQL refuses to run as root.
func StartCluster(ctx context.Context, dir string, logger *slog.Logger) (*Cluster, error) {
	if logger == nil {
		logger = slog.Default()
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: abs, bin: bin, log: logger, SocketDir: abs}
	// Unix socket paths are limited to ~107 bytes: long data paths get a short socket dir.
	if len(abs)+len("/.s.PGSQL.5432") > 100 {
		h := sha256.Sum256([]byte(abs))
		c.SocketDir = "/tmp/pbxws-pg-" + hex.EncodeToString(h[:6])
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, errors.New(`running as root needs the "postgres" system user (from the Debian package "postgresql") to own the private cluster`)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.runAs = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, err
	}
	unlock, err := lockFile(abs + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()

	if _, err := os.Stat(filepath.Join(abs, "PG_VERSION")); err != nil {
		if err := c.initdb(ctx); err != nil {
			return nil, err
		}
	}
	if c.running(ctx) {
		logger.Debug("reusing the running private PostgreSQL cluster", "dir", abs)
		return c, nil
	}
	if err := c.prepareDir(c.SocketDir); err != nil {
		return nil, err
	}
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories='%s' -p %d", c.SocketDir, clusterPort)
	if err := c.run(ctx, "pg_ctl", "start", "-D", abs, "-w", "-t", "60", "-s", "-l", filepath.Join(abs, "server.log"), "-o", opts); err != nil {
		return nil, fmt.Errorf("starting PostgreSQL in %s (see %s): %w", abs, filepath.Join(abs, "server.log"), err)
	}
	c.started = true
	logger.Info("started the private PostgreSQL cluster", "dir", abs, "socket", c.SocketDir)
	return c, nil
}

// DSN is the connection string of a database of the cluster.
func (c *Cluster) DSN(dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=pbxws dbname=%s sslmode=disable", c.SocketDir, clusterPort, dbname)
}

// EnsureDatabase creates the database when it does not exist.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	db, err := Open(ctx, c.DSN("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = db.ExecContext(ctx, `CREATE DATABASE `+quoteIdent(name))
	if err != nil && !bytes.Contains([]byte(err.Error()), []byte("already exists")) {
		return err
	}
	return nil
}

// Stop stops the cluster if this process started it; a reused cluster is left running.
func (c *Cluster) Stop(ctx context.Context) error {
	if c == nil || !c.started {
		return nil
	}
	c.started = false
	return c.run(ctx, "pg_ctl", "stop", "-D", c.Dir, "-m", "fast", "-w", "-s")
}

// StopRunning stops whatever cluster runs in the data directory (for `make` targets).
func (c *Cluster) StopRunning(ctx context.Context) error {
	if !c.running(ctx) {
		return nil
	}
	c.started = true
	return c.Stop(ctx)
}

func (c *Cluster) running(ctx context.Context) bool {
	return c.run(ctx, "pg_ctl", "status", "-D", c.Dir) == nil
}

func (c *Cluster) initdb(ctx context.Context) error {
	if err := c.prepareDir(c.Dir); err != nil {
		return err
	}
	c.log.Info("creating a private PostgreSQL cluster", "dir", c.Dir)
	if err := c.run(ctx, "initdb", "-D", c.Dir, "-U", "pbxws", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-instructions"); err != nil {
		return fmt.Errorf("initdb %s: %w", c.Dir, err)
	}
	return nil
}

// prepareDir creates dir owned by the user the server runs as.
func (c *Cluster) prepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if c.runAs != nil {
		return os.Chown(dir, int(c.runAs.Uid), int(c.runAs.Gid))
	}
	return nil
}

func (c *Cluster) run(ctx context.Context, prog string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, prog), args...)
	cmd.Dir = "/"
	if c.runAs != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.runAs}
		cmd.Env = append(os.Environ(), "HOME=/var/lib/postgresql")
	}
	// pg_ctl start leaves the postmaster running: it must not hold our stdout/stderr.
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if msg := bytes.TrimSpace(out.Bytes()); len(msg) > 0 {
			return fmt.Errorf("%s: %w: %s", prog, err, msg)
		}
		return fmt.Errorf("%s: %w", prog, err)
	}
	return nil
}

// findBinaries returns the folder of initdb and pg_ctl: the newest /usr/lib/postgresql/N/bin,
// else the PATH.
func findBinaries() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		d := filepath.Dir(p)
		if isExec(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	return "", ErrNoPostgres
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode()&0o111 != 0
}

// lockFile takes an exclusive flock on path, waiting for other holders.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("waiting for %s: %w", path, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func quoteIdent(s string) string {
	return `"` + string(bytes.ReplaceAll([]byte(s), []byte(`"`), []byte(`""`))) + `"`
}
