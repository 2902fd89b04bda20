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

// relocatedRoot holds the data of private clusters whose folder the "postgres" system user
// cannot reach (a checkout under /root or another 0700 folder, when running as root).
const relocatedRoot = "/var/lib/pbxws"

// Cluster is a private PostgreSQL server: a data directory, reachable only through a Unix
// socket in a directory of its own, with a superuser "pbxws" trusted on that socket.
type Cluster struct {
	Dir       string
	SocketDir string
	// Asked is the folder the caller named; Dir differs from it when the cluster had to be
	// placed where the "postgres" user can reach it.
	Asked string
	bin   string
	runAs *syscall.Credential
	log   *slog.Logger

	// owner is held (an flock) for as long as this process owns the cluster: it stops the
	// cluster on exit and restarts it when it dies. A cluster whose owner died (kill -9, a
	// closed terminal) is adopted by the next start.
	owner *os.File
	watch chan struct{} // closed to stop the watcher
	done  chan struct{} // closed when the watcher has stopped
}

// ErrNoPostgres says the server binaries are missing, and how to get them.
var ErrNoPostgres = errors.New(`PostgreSQL server binaries (initdb, pg_ctl) not found: install the Debian package "postgresql" (apt-get install postgresql)`)

// ErrNoCluster says there is no private cluster where one was looked for and the caller
// asked not to create one.
var ErrNoCluster = errors.New("no private PostgreSQL cluster")

// ClusterOptions tune OpenCluster.
type ClusterOptions struct {
	Logger *slog.Logger
	// NoCreate refuses to initdb a new cluster (commands other than serve must not create
	// an empty cluster beside the real one by running in another folder).
	NoCreate bool
	// NoStart only locates the cluster: nothing is started and nothing owned (for looking
	// at it, or stopping it).
	NoStart bool
	// Detached starts the cluster when needed but leaves it running for others: the caller
	// neither owns nor watches it (make test's shared cluster, stopped by `testpg stop`).
	Detached bool
}

// StartCluster starts (creating it first when dir holds none) a private cluster in dir, or
// uses the one already running there. Concurrent callers on the same dir serialise on a
// lock file. When running as root, the cluster runs as the "postgres" system user, since
// PostgreSQL refuses to run as root.
func StartCluster(ctx context.Context, dir string, logger *slog.Logger) (*Cluster, error) {
	return OpenCluster(ctx, dir, ClusterOptions{Logger: logger})
}

// OpenCluster is StartCluster with options. The caller owns the cluster (Stop stops it)
// when it started it, or when it found it running with no live owner; a cluster that
// another live process owns is used and left running.
func OpenCluster(ctx context.Context, dir string, opt ClusterOptions) (*Cluster, error) {
	logger := opt.Logger
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
	c := &Cluster{Dir: abs, Asked: abs, bin: bin, log: logger}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, errors.New(`running as root needs the "postgres" system user (from the Debian package "postgresql") to own the private cluster`)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.runAs = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if !traversable(filepath.Dir(abs), c.runAs.Uid, c.runAs.Gid) {
			h := sha256.Sum256([]byte(abs))
			c.Dir = filepath.Join(relocatedRoot, hex.EncodeToString(h[:6]), filepath.Base(abs))
		}
	}
	c.SocketDir = c.Dir
	// Unix socket paths are limited to ~107 bytes: long data paths get a short socket dir.
	if len(c.Dir)+len("/.s.PGSQL.5432") > 100 {
		h := sha256.Sum256([]byte(c.Dir))
		c.SocketDir = "/tmp/pbxws-pg-" + hex.EncodeToString(h[:6])
	}
	if opt.NoCreate {
		// Looking for a cluster that is not there leaves nothing behind.
		if _, err := os.Stat(filepath.Join(c.Dir, "PG_VERSION")); err != nil {
			return nil, c.missing()
		}
	}
	if err := os.MkdirAll(filepath.Dir(c.Dir), 0o755); err != nil {
		return nil, err
	}
	unlock, err := lockFile(c.Dir + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	if c.Dir != c.Asked {
		level := slog.LevelInfo
		if opt.NoCreate {
			level = slog.LevelDebug // commands other than serve say it in their own output
		}
		logger.Log(ctx, level, "the private PostgreSQL cluster lives in "+c.Dir+": the postgres user cannot reach "+c.Asked,
			"dir", c.Dir, "asked", c.Asked)
	}

	if _, err := os.Stat(filepath.Join(c.Dir, "PG_VERSION")); err != nil {
		if opt.NoCreate {
			return nil, c.missing()
		}
		if err := c.initdb(ctx); err != nil {
			return nil, err
		}
	}
	if opt.NoStart {
		return c, nil
	}
	if opt.Detached {
		if c.running(ctx) {
			return c, nil
		}
		if err := c.start(ctx); err != nil {
			return nil, err
		}
		logger.Info("started the private PostgreSQL cluster (left running)", "dir", c.Dir, "socket", c.SocketDir)
		return c, nil
	}
	owned := c.takeOwnership()
	c.recordOwner()
	if c.running(ctx) {
		if owned {
			logger.Info("adopted the running private PostgreSQL cluster (its last owner is gone); it stops with this process", "dir", c.Dir)
		} else {
			logger.Debug("using the private PostgreSQL cluster of another running pbxws", "dir", c.Dir)
		}
		return c, nil
	}
	if err := c.start(ctx); err != nil {
		c.release()
		return nil, err
	}
	if !owned {
		// Its owner is alive but the cluster was down: the owner's watcher restarts it as
		// well, and whichever of us started it, it stays with the owner.
		logger.Debug("started the private PostgreSQL cluster for its running owner", "dir", c.Dir)
	}
	logger.Info("started the private PostgreSQL cluster", "dir", c.Dir, "socket", c.SocketDir)
	return c, nil
}

// missing is the error of a command that found no cluster where it looked.
func (c *Cluster) missing() error {
	where := c.Dir
	if c.Dir != c.Asked {
		where = c.Asked + " (kept in " + c.Dir + ")"
	}
	return fmt.Errorf("%w in %s: run this command from the folder where `pbxws serve` runs, or give the same -var-dir or -database-url", ErrNoCluster, where)
}

// RemoveData stops the cluster if it runs and deletes its data directory, its lock and
// owner files, and the folder a relocated cluster was given (tests that made a cluster of
// their own clean up with it).
func (c *Cluster) RemoveData(ctx context.Context) error {
	if err := c.StopRunning(ctx); err != nil {
		return err
	}
	errs := []error{os.RemoveAll(c.Dir), os.RemoveAll(c.Dir + ".lock"), os.RemoveAll(c.Dir + ".owner")}
	if c.Dir != c.Asked {
		_ = os.Remove(filepath.Dir(c.Dir)) // only when empty
	}
	return errors.Join(errs...)
}

// start runs pg_ctl start on the data directory.
func (c *Cluster) start(ctx context.Context) error {
	if err := c.prepareDir(c.SocketDir); err != nil {
		return err
	}
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories='%s' -p %d", c.SocketDir, clusterPort)
	logFile := filepath.Join(c.Dir, "server.log")
	if err := c.run(ctx, "pg_ctl", "start", "-D", c.Dir, "-w", "-t", "60", "-s", "-l", logFile, "-o", opts); err != nil {
		return fmt.Errorf("starting PostgreSQL in %s (see %s): %w", c.Dir, logFile, err)
	}
	return nil
}

// takeOwnership takes the owner lock when no live process holds it.
func (c *Cluster) takeOwnership() bool {
	f, err := os.OpenFile(c.Dir+".owner", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return false
	}
	c.owner = f
	return true
}

// recordOwner writes this process's id into the owner file, for `pbxws db status`.
func (c *Cluster) recordOwner() {
	if c.owner != nil {
		_ = c.owner.Truncate(0)
		_, _ = c.owner.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
}

func (c *Cluster) release() {
	if c.owner != nil {
		_ = syscall.Flock(int(c.owner.Fd()), syscall.LOCK_UN)
		c.owner.Close()
		c.owner = nil
	}
}

// Owned says whether this process owns the cluster (stops it on exit, restarts it when it dies).
func (c *Cluster) Owned() bool { return c != nil && c.owner != nil }

// Watch restarts the cluster whenever its server process dies, until Stop; it logs once
// when the server is found gone and once when it is back. Only the owner watches.
func (c *Cluster) Watch(every time.Duration) {
	if c == nil || c.owner == nil || c.watch != nil {
		return
	}
	c.watch, c.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(c.done)
		t := time.NewTicker(every)
		defer t.Stop()
		down := false
		for {
			select {
			case <-c.watch:
				return
			case <-t.C:
			}
			if c.alive() {
				continue
			}
			if !down {
				c.log.Warn("the private PostgreSQL server is gone; restarting it", "dir", c.Dir)
				down = true
			}
			// Backends of a killed postmaster hold its shared memory until they notice: the
			// start fails until they are gone, and the next tick tries again.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			err := c.start(ctx)
			cancel()
			if err != nil {
				c.log.Debug("restarting the private PostgreSQL server", "err", err)
				continue
			}
			c.log.Info("the private PostgreSQL server is back", "dir", c.Dir)
			down = false
		}
	}()
}

// alive says whether the postmaster named in postmaster.pid exists.
func (c *Cluster) alive() bool {
	b, err := os.ReadFile(filepath.Join(c.Dir, "postmaster.pid"))
	if err != nil {
		return false
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	pid, err := strconv.Atoi(string(bytes.TrimSpace(line)))
	if err != nil || pid <= 0 {
		return false
	}
	return syscall.Kill(pid, 0) == nil
}

// traversable says whether a user (uid, primary gid) can reach into dir: every existing
// folder from / down to dir lets it search. Folders that do not exist yet will be created
// world-searchable.
func traversable(dir string, uid, gid uint32) bool {
	for d := dir; ; d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil {
			sys, ok := st.Sys().(*syscall.Stat_t)
			if !ok {
				return true
			}
			mode := uint32(st.Mode().Perm())
			var can bool
			switch {
			case sys.Uid == uid:
				can = mode&0o100 != 0
			case sys.Gid == gid:
				can = mode&0o010 != 0
			default:
				can = mode&0o001 != 0
			}
			if !can {
				return false
			}
		}
		if filepath.Dir(d) == d {
			return true
		}
	}
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

// Stop stops the watcher and the cluster when this process owns it; a cluster another
// live pbxws owns is left running.
func (c *Cluster) Stop(ctx context.Context) error {
	if c == nil || c.owner == nil {
		return nil
	}
	return c.StopRunning(ctx)
}

// StopRunning stops whatever cluster runs in the data directory (for `make` targets and
// `pbxws db stop`), whoever owns it, and this process's watcher of it.
func (c *Cluster) StopRunning(ctx context.Context) error {
	if c.watch != nil {
		close(c.watch)
		<-c.done
		c.watch = nil
	}
	defer c.release()
	if !c.running(ctx) {
		return nil
	}
	return c.run(ctx, "pg_ctl", "stop", "-D", c.Dir, "-m", "fast", "-w", "-s")
}

// Running says whether the cluster's server is up.
func (c *Cluster) Running(ctx context.Context) bool { return c.running(ctx) }

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
