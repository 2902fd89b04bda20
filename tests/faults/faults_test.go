// Package faults_test injects faults into a running pbxws: its PostgreSQL stopped and started
// under load, pbxws killed with SIGKILL during writes, a database that is late or short of
// connections at start. Each test runs its own PostgreSQL cluster (so stopping it disturbs no
// other test) and checks, with SQL, that nothing answered 200 was lost and nothing refused
// was half written.
package faults_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	pbxsql "pbxws/sql"
	"pbxws/tests/testenv"
	"pbxws/web"
)

// cluster is a PostgreSQL of the test's own, under <repo>/var (the postgres user must be
// able to reach it when the tests run as root).
type cluster struct {
	t   *testing.T
	dir string
	cl  *pbxsql.Cluster
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(), "var", fmt.Sprintf("faultpg-%d-%s", os.Getpid(), strings.ReplaceAll(t.Name(), "/", "_")))
	c := &cluster{t: t, dir: dir}
	c.start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// RemoveData also removes a cluster relocated under /var/lib/pbxws (a checkout the
		// postgres user cannot reach).
		_ = c.cl.RemoveData(ctx)
		_ = os.RemoveAll(dir)
		_ = os.Remove(dir + ".lock")
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.cl.EnsureDatabase(ctx, "pbxws"); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *cluster) start() {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cl, err := pbxsql.StartCluster(ctx, c.dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		c.t.Fatal(err)
	}
	c.cl = cl
}

func (c *cluster) stop() {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.cl.StopRunning(ctx); err != nil {
		c.t.Fatal(err)
	}
}

func (c *cluster) dsn() string { return c.cl.DSN("pbxws") }

func (c *cluster) db() *sqlx.DB {
	c.t.Helper()
	db, err := pbxsql.Open(context.Background(), c.dsn())
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { db.Close() })
	return db
}

// logCapture collects the log lines of an in-process pbxws.
type logCapture struct{ testenv.SyncBuffer }

func (l *logCapture) count(substr string) int { return strings.Count(l.String(), substr) }

func captureLogs(t *testing.T) *logCapture {
	lc := &logCapture{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(lc, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	return lc
}

// startInProcess runs pbxws (HTTP only) in the test's process against dsn.
func startInProcess(t *testing.T, dsn string, mutate ...func(*web.Config)) *web.Server {
	t.Helper()
	return testenv.StartOn(t, dsn, append([]func(*web.Config){func(c *web.Config) {
		c.HTTPSAddr, c.SIPAddr = "", ""
	}}, mutate...)...).Server
}

var hc = &http.Client{Timeout: 15 * time.Second}

func get(url string) (int, http.Header, error) {
	resp, err := hc.Get(url)
	if err != nil {
		return 0, nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header, nil
}

const usersP = "/service/ipbx/json.php/private/pbx_settings/users/"

// While PostgreSQL is down every request gets 503 with Retry-After (not 500), the outage is
// logged once when it starts and once when it ends, and pbxws serves again by itself.
func TestDatabaseOutageAnswers503AndRecovers(t *testing.T) {
	pg := newCluster(t)
	logs := captureLogs(t)
	srv := startInProcess(t, pg.dsn())
	url := "http://" + srv.HTTPAddr() + usersP + "?act=list"
	if st, _, err := get(url); err != nil || st != http.StatusNoContent {
		t.Fatalf("before the outage: %d %v", st, err)
	}
	pg.stop()
	for i := 0; i < 50; i++ {
		st, h, err := get(url)
		if err != nil || st != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
			t.Fatalf("request %d during the outage: %d %v Retry-After %q, want 503 with Retry-After", i, st, err, h.Get("Retry-After"))
		}
	}
	if n := logs.count("database unavailable"); n != 1 {
		t.Fatalf("the outage was logged %d times, want once", n)
	}
	if n := logs.count("level=ERROR"); n != 1 {
		t.Fatalf("%d ERROR lines for 50 requests during the outage, want 1:\n%s", n, logs.String())
	}
	pg.start()
	testenv.Eventually(t, 30*time.Second, "serving again after PostgreSQL came back", func() bool {
		st, _, err := get(url)
		return err == nil && st == http.StatusNoContent
	})
	testenv.Eventually(t, 5*time.Second, "the end of the outage logged", func() bool { return logs.count("database available again") == 1 })
}

// A start waits for a database that does not answer yet, saying so, and gives up after
// -db-wait with a message naming the option.
func TestStartWaitsForTheDatabase(t *testing.T) {
	pg := newCluster(t)
	pg.stop()
	logs := captureLogs(t)
	cfg := web.DefaultConfig()
	cfg.DatabaseURL = pg.dsn()
	cfg.HTTPAddr, cfg.HTTPSAddr, cfg.SIPAddr, cfg.VarDir = "127.0.0.1:0", "", "", t.TempDir()
	cfg.DBWait = time.Second
	if _, err := web.Start(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "-db-wait") {
		t.Fatalf("start without a database: %v, want an error naming -db-wait", err)
	}
	cfg.DBWait = time.Minute
	type result struct {
		srv *web.Server
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := web.Start(context.Background(), cfg)
		done <- result{s, err}
	}()
	testenv.Eventually(t, 10*time.Second, "the wait announced", func() bool { return logs.count("waiting for the database") >= 2 })
	pg.start()
	r := <-done
	if r.err != nil {
		t.Fatalf("start once the database answered: %v", r.err)
	}
	defer r.srv.Close(context.Background())
	if st, _, err := get("http://" + r.srv.HTTPAddr() + usersP + "?act=list"); err != nil || st != http.StatusNoContent {
		t.Fatalf("serving: %d %v", st, err)
	}
}

// A pool larger than the connections the server has free is reported and sized down.
func TestPoolIsSizedToTheFreeConnections(t *testing.T) {
	pg := newCluster(t)
	hog := pg.db()
	free, err := pbxsql.FreeConnections(context.Background(), hog)
	if err != nil {
		t.Fatal(err)
	}
	hog.SetMaxOpenConns(free)
	var held []*sqlx.Conn
	for i := 0; i < free-6; i++ {
		c, err := hog.Connx(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	logs := captureLogs(t)
	srv := startInProcess(t, pg.dsn(), func(c *web.Config) { c.DBMaxConns = 16 })
	if logs.count("fewer free connections than -db-max-conns") != 1 {
		t.Fatalf("no warning about the pool size:\n%s", logs.String())
	}
	if n := srv.Config().DBMaxConns; n >= 16 || n < 2 {
		t.Fatalf("pool of %d with about 6 connections free", n)
	}
	// It serves within what it has.
	var wg sync.WaitGroup
	var bad atomic.Int32
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if st, _, err := get("http://" + srv.HTTPAddr() + usersP + "?act=list"); err != nil || st != http.StatusNoContent {
				bad.Add(1)
			}
		}()
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d of 32 concurrent requests failed on the sized-down pool", bad.Load())
	}
}

// pbxwsProcess is a pbxws binary run as a child in its own process group.
type pbxwsProcess struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{}
}

func buildPBXWS(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pbxws")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/pbxws")
	cmd.Dir = testenv.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var startedRE = regexp.MustCompile(`pbxws started"? http=(127\.0\.0\.1:\d+)`)

func startProcess(t *testing.T, bin, dsn string) *pbxwsProcess {
	t.Helper()
	cmd := exec.Command(bin, "serve", "-database-url", dsn, "-http", "127.0.0.1:0", "-https", "", "-sip", "", "-var-dir", t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &pbxwsProcess{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<16), 1<<20)
		for sc.Scan() {
			if m := startedRE.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	select {
	case p.addr = <-addr:
	case <-p.done:
		t.Fatal("pbxws exited before it started")
	case <-time.After(time.Minute):
		t.Fatal("pbxws did not start within a minute")
	}
	return p
}

// kill sends SIGKILL to the process group and waits for the process.
func (p *pbxwsProcess) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// Under a mixed load, PostgreSQL is stopped and started again, and pbxws is killed with
// SIGKILL during writes and started again. Afterwards every add answered 200 is in the
// database whole (user, SIP line, voicemail), every add answered with an error is absent, and
// nothing is half written; pbxws served again by itself after the database came back.
func TestWritesSurviveDatabaseRestartAndKill(t *testing.T) {
	pg := newCluster(t)
	bin := buildPBXWS(t)
	db := pg.db()
	var base atomic.Value
	p1 := startProcess(t, bin, pg.dsn())
	base.Store("http://" + p1.addr)
	mustPost := func(path, body string) {
		resp, err := hc.Post(base.Load().(string)+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST %s: %d %s", path, resp.StatusCode, raw)
		}
	}
	mustPost("/service/ipbx/json.php/private/system_management/context/?act=add",
		`{"context": {"name": "default", "displayname": "Default", "entity": "default", "contexttype": "internal"}, "contextinclude": [], "contextnumbers": {"user": [{"numberbeg": "10000", "numberend": "19999"}]}}`)

	type outcome struct {
		name   string
		status int // 0: no answer (connection cut)
	}
	var mu sync.Mutex
	var outcomes []outcome
	var seq atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				n := 10000 + seq.Add(1)
				name := fmt.Sprintf("F%d", n)
				body := fmt.Sprintf(`{"userfeatures": {"firstname": "Fault", "lastname": %q},
					"linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["%d"]},
					"voicemail": {"mailbox": "%d", "fullname": "Fault %d", "password": "1234"}}`, name, n, n, n)
				st := 0
				resp, err := hc.Post(base.Load().(string)+usersP+"?act=add", "application/json", strings.NewReader(body))
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					st = resp.StatusCode
				}
				mu.Lock()
				outcomes = append(outcomes, outcome{name, st})
				mu.Unlock()
				if st != 200 {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // readers
		defer wg.Done()
		for i := 0; i < 20000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			_, _, _ = get(base.Load().(string) + usersP + "?act=list")
			time.Sleep(10 * time.Millisecond)
		}
	}()
	ok200 := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, o := range outcomes {
			if o.status == 200 {
				n++
			}
		}
		return n
	}
	testenv.Eventually(t, 20*time.Second, "writes under load", func() bool { return ok200() >= 50 })

	// PostgreSQL stops and starts again; pbxws must serve again by itself.
	pg.stop()
	time.Sleep(500 * time.Millisecond) // the outage lasts a while under load (not a wait for a condition)
	pg.start()
	before := ok200()
	testenv.Eventually(t, 30*time.Second, "writes succeeding again after PostgreSQL restarted", func() bool { return ok200() >= before+50 })

	// pbxws is killed during writes and started again on the same database.
	p1.kill()
	p2 := startProcess(t, bin, pg.dsn())
	base.Store("http://" + p2.addr)
	before = ok200()
	testenv.Eventually(t, 30*time.Second, "writes succeeding on the restarted pbxws", func() bool { return ok200() >= before+50 })
	close(stop)
	wg.Wait()
	p2.kill()

	var failed, cut, good int
	for _, o := range outcomes {
		var users, lines, vms int
		if err := db.QueryRow(`SELECT count(*),
				(SELECT count(*) FROM lines l JOIN users u2 ON u2.id = l.user_id WHERE u2.lastname = $1),
				(SELECT count(*) FROM voicemails v JOIN users u3 ON u3.voicemail_id = v.id WHERE u3.lastname = $1)
			FROM users u WHERE u.lastname = $1`, o.name).Scan(&users, &lines, &vms); err != nil {
			t.Fatal(err)
		}
		whole := users == 1 && lines == 1 && vms == 1
		absent := users == 0
		switch {
		case o.status == 200:
			good++
			if !whole {
				t.Errorf("%s answered 200 but is stored as users=%d lines=%d voicemails=%d", o.name, users, lines, vms)
			}
		case o.status == 0:
			cut++
			if !whole && !absent {
				t.Errorf("%s (no answer) is half written: users=%d lines=%d voicemails=%d", o.name, users, lines, vms)
			}
		default:
			failed++
			if !absent {
				t.Errorf("%s answered %d but is stored (users=%d)", o.name, o.status, users)
			}
			if o.status != http.StatusServiceUnavailable {
				t.Errorf("%s answered %d, want 503 while the database was down", o.name, o.status)
			}
		}
	}
	var orphanLines, orphanVMs int
	db.QueryRow(`SELECT count(*) FROM lines WHERE user_id IS NULL`).Scan(&orphanLines)
	db.QueryRow(`SELECT count(*) FROM voicemails v WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.voicemail_id = v.id)`).Scan(&orphanVMs)
	if orphanLines != 0 || orphanVMs != 0 {
		t.Errorf("orphans: %d lines without a user, %d voicemails without a user", orphanLines, orphanVMs)
	}
	t.Logf("%d adds answered 200, %d refused, %d cut by the kill", good, failed, cut)
	if failed == 0 {
		t.Error("no add was refused while PostgreSQL was down: the outage was not exercised")
	}
}
