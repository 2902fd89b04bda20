// Package testenv starts pbxws for end-to-end tests: a real PostgreSQL (the one named by
// PBXWS_TEST_DATABASE_URL, else a private cluster under <repo>/var/testpg), a fresh database
// per test cloned from a migrated template, and the real server on loopback ports.
package testenv

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	pbxsql "pbxws/sql"
	"pbxws/web"
)

// Env is one running pbxws on loopback against a fresh database.
type Env struct {
	HTTPURL  string // http://127.0.0.1:PORT
	HTTPSURL string // https://127.0.0.1:PORT (self-signed; trust CAFile/CAPool)
	CAFile   string
	CAPool   *x509.CertPool
	DB       *sqlx.DB // a separate pool on the same database, for asserting state
	DSN      string
	Server   *web.Server
	Config   web.Config
}

var (
	setupOnce sync.Once
	setupErr  error
	adminDSN  func(db string) string
	template  string
)

// RepoRoot is the folder holding go.mod.
func RepoRoot() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// ClusterDir is where the shared test cluster lives when no server is configured.
func ClusterDir() string { return filepath.Join(RepoRoot(), "var", "testpg") }

func setup() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if url := os.Getenv("PBXWS_TEST_DATABASE_URL"); url != "" {
		adminDSN = func(db string) string { return WithDBName(url, db) }
	} else {
		// Left running for the next packages; `make test` stops it at the end.
		cl, err := pbxsql.OpenCluster(ctx, ClusterDir(), pbxsql.ClusterOptions{Detached: true})
		if err != nil {
			setupErr = err
			return
		}
		adminDSN = cl.DSN
	}
	ms, err := pbxsql.Migrations()
	if err != nil {
		setupErr = err
		return
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%s\x00%s\x00", m.Name, m.SQL)
	}
	template = "pbxws_tpl_" + hex.EncodeToString(h.Sum(nil)[:8])
	setupErr = ensureTemplate(ctx)
}

// ensureTemplate creates and migrates the template once per migration set; concurrent test
// processes serialise on an advisory lock.
func ensureTemplate(ctx context.Context) error {
	admin, err := pbxsql.Open(ctx, adminDSN("postgres"))
	if err != nil {
		return fmt.Errorf("test database server: %w", err)
	}
	defer admin.Close()
	conn, err := admin.Connx(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7070)`); err != nil {
		return err
	}
	defer func() { _, _ = conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(7070)`) }()
	var ready bool
	if err := conn.GetContext(ctx, &ready, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`, template); err != nil {
		return err
	}
	if ready {
		return nil
	}
	_, _ = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+template)
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+template); err != nil {
		return err
	}
	db, err := pbxsql.Open(ctx, adminDSN(template))
	if err != nil {
		return err
	}
	err = pbxsql.Migrate(ctx, db)
	db.Close()
	if err != nil {
		return fmt.Errorf("migrating the template: %w", err)
	}
	_, err = conn.ExecContext(ctx, `ALTER DATABASE `+template+` WITH IS_TEMPLATE true`)
	return err
}

// NewDatabase creates a fresh migrated database for the test and drops it afterwards.
func NewDatabase(t testing.TB) string {
	t.Helper()
	setupOnce.Do(setup)
	if setupErr != nil {
		t.Fatalf("test PostgreSQL: %v (make test provisions it; see README)", setupErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pbxsql.Open(ctx, adminDSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	// Cloning a template fails while another session uses it; retry briefly.
	for i := 0; ; i++ {
		_, err = admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE `+template)
		if err == nil || i > 50 || !strings.Contains(err.Error(), "being accessed") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("creating the test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pbxsql.Open(ctx, adminDSN("postgres"))
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	})
	return adminDSN(name)
}

// Start runs pbxws on loopback against a fresh database; mutate adjusts the configuration.
func Start(t testing.TB, mutate ...func(*web.Config)) *Env {
	t.Helper()
	return StartOn(t, NewDatabase(t), mutate...)
}

// StartOn runs pbxws on loopback against the database dsn names.
func StartOn(t testing.TB, dsn string, mutate ...func(*web.Config)) *Env {
	t.Helper()
	cfg := web.DefaultConfig()
	cfg.DatabaseURL = dsn
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.HTTPSAddr = "127.0.0.1:0"
	// A free SIP port: test packages run in parallel, and 5060 may be taken.
	cfg.SIPAddr = "127.0.0.1:0"
	cfg.VarDir = t.TempDir()
	cfg.ShutdownTimeout = 5 * time.Second
	for _, m := range mutate {
		m(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := web.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("starting pbxws: %v", err)
	}
	db, err := pbxsql.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{Server: srv, Config: cfg, DB: db, DSN: dsn}
	t.Cleanup(func() {
		db.Close()
		_ = srv.Close(context.Background())
	})
	if a := srv.HTTPAddr(); a != "" {
		env.HTTPURL = "http://" + a
	}
	if a := srv.HTTPSAddr(); a != "" {
		env.HTTPSURL = "https://" + a
		env.CAFile = srv.TLSCertFile()
		pem, err := os.ReadFile(env.CAFile)
		if err != nil {
			t.Fatal(err)
		}
		env.CAPool = x509.NewCertPool()
		env.CAPool.AppendCertsFromPEM(pem)
	}
	return env
}

// Ports for peers that must be told a number (sipp, baresip, kamailio) come from a range
// below the kernel's ephemeral ports (net.ipv4.ip_local_port_range starts at 32768), so no
// socket of anyone's picks them; test processes running in parallel reserve each port with
// an flock on a file named after it, held until the test ends.
const (
	reservedFrom = 20000
	reservedTo   = 32000
)

var (
	portMu   sync.Mutex
	nextPort = reservedFrom + int(time.Now().UnixNano()%int64(reservedTo-reservedFrom))
)

// FreePort returns a loopback port reserved for the test: free in UDP and TCP when taken,
// not handed out by the kernel, and reserved against the other test processes until the
// test ends. network ("tcp" or "udp") is kept for the callers; both are checked.
func FreePort(t testing.TB, network string) int {
	t.Helper()
	_ = network
	lockDir := filepath.Join(os.TempDir(), "pbxws-test-ports")
	if err := os.MkdirAll(lockDir, 0o777); err != nil {
		t.Fatal(err)
	}
	portMu.Lock()
	defer portMu.Unlock()
	for tries := 0; tries < reservedTo-reservedFrom; tries++ {
		port := nextPort
		if nextPort++; nextPort >= reservedTo {
			nextPort = reservedFrom
		}
		f, err := os.OpenFile(filepath.Join(lockDir, strconv.Itoa(port)), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			f.Close()
			continue
		}
		if !bindable(port) {
			f.Close()
			continue
		}
		t.Cleanup(func() { f.Close() })
		return port
	}
	t.Fatal("no free loopback port in the reserved range")
	return 0
}

// FreePorts reserves n consecutive ports (a peer that binds a port and the ones after it,
// as baresip's SIP port + 1 or its RTP range) and returns the first.
func FreePorts(t testing.TB, n int) int {
	t.Helper()
	for attempt := 0; attempt < 100; attempt++ {
		first, ok := FreePort(t, "udp"), true
		for i := 1; i < n && ok; i++ {
			ok = FreePort(t, "udp") == first+i
		}
		if ok {
			return first
		}
	}
	t.Fatalf("no %d consecutive free loopback ports", n)
	return 0
}

func bindable(port int) bool {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	u, err := net.ListenPacket("udp", addr)
	if err != nil {
		return false
	}
	u.Close()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// WaitBound polls until something listens on the loopback UDP port (a peer process that
// was just started): binding it then fails with "address in use". exited (may be nil) is
// closed when the peer has ended: then it fails at once.
func WaitBound(t testing.TB, port int, within time.Duration, exited <-chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		select {
		case <-exited:
			t.Fatalf("the peer that was to bind UDP port %d exited", port)
		default:
		}
		c, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("nothing bound UDP port %d within %s", port, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// WithDBName points a PostgreSQL URL or key=value DSN at another database.
func WithDBName(dsn, db string) string {
	if strings.Contains(dsn, "://") {
		i := strings.Index(dsn, "://")
		rest := dsn[i+3:]
		q := ""
		if j := strings.IndexByte(rest, '?'); j >= 0 {
			rest, q = rest[:j], rest[j:]
		}
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			rest = rest[:j]
		}
		return dsn[:i+3] + rest + "/" + db + q
	}
	var parts []string
	for _, p := range strings.Fields(dsn) {
		if !strings.HasPrefix(p, "dbname=") {
			parts = append(parts, p)
		}
	}
	return strings.Join(append(parts, "dbname="+db), " ")
}
