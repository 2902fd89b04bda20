// Command bench is `make bench`: it seeds 10,000 users with a SIP line each and measures the
// real pbxws binary and a minimal net/http + database/sql baseline doing the same SELECTs,
// side by side: requests/s, p50 and p99 for users view (Basic auth, 32 connections), users
// list of all 10,000, users add, the sipX phonebook (a 10,000-contact book as CSV, and the
// user's search at 32 connections), and (last, once 5,000,000 call events are seeded) a CEL
// search of one day, and (once 2,000,000 queue_log rows are seeded) the statistics of one
// queue over one month; the sipX settings of one of 1,000 phones in phone groups (32 conns);
// and pbxws's RSS. It prints figures and whether each target is met; it
// asserts nothing. Every load loop, and the seeding, is bounded in count and time.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	pbxsql "pbxws/sql"
	"pbxws/tests/testenv"
	"pbxws/web"
)

const (
	seedUsers = 10000
	login     = "bench"
	password  = "bench-secret"
)

// extraBenches are further measurements other files of this package register.
var extraBenches []func(ctx context.Context, w io.Writer) error

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := context.WithTimeout(context.Background(), 20*time.Minute)
	defer stop()
	out := os.Stdout
	if os.Getenv("PBXWS_BENCH_ONLY") == "sip" {
		// Only the click-to-call bench (make bench-sip).
		for _, extra := range extraBenches {
			if err := extra(ctx, out); err != nil {
				return err
			}
		}
		return nil
	}
	ws, cleanup, err := newWorkspace(ctx, "bench")
	if err != nil {
		return err
	}
	defer cleanup()
	dsn, db := ws.dsn, ws.db
	if err := pbxsql.Migrate(ctx, db); err != nil {
		return err
	}
	t0 := time.Now()
	if err := seed(ctx, db); err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	fmt.Fprintf(out, "seeded %d users with one SIP line each in %s\n", seedUsers, time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	if err := seedPhonebook(ctx, db); err != nil {
		return fmt.Errorf("seeding the phonebook: %w", err)
	}
	fmt.Fprintf(out, "seeded %d phonebook contacts in %s\n", seedContacts, time.Since(t0).Round(time.Millisecond))

	acct := exec.CommandContext(ctx, ws.bin, "account", "add", "--name", "bench", "--login", login,
		"--password-stdin", "--section", "service/ipbx", "--section", "xivo/configuration", "--section", "statistics/call_center")
	acct.Env = append(os.Environ(), "PBXWS_DATABASE_URL="+dsn)
	acct.Stdin = strings.NewReader(password + "\n")
	if b, err := acct.CombinedOutput(); err != nil {
		return fmt.Errorf("pbxws account add: %v: %s", err, b)
	}

	pprofPort, err := freePort()
	if err != nil {
		return err
	}
	pprofURL := "http://127.0.0.1:" + strconv.Itoa(pprofPort) + "/debug/pprof/profile"
	// The -pprof listener costs nothing until a profile is asked for (PBXWS_BENCH_PROFILE).
	// 127.0.0.1 is a trusted proxy: the sipX scenarios come as through a TLS-terminating one.
	srv, err := ws.start(ctx, "-sip", "", "-pprof", "127.0.0.1:"+strconv.Itoa(pprofPort), "-trusted-proxies", "127.0.0.1/32")
	if err != nil {
		return err
	}
	defer srv.stop()
	pbx := srv.base

	// The baseline's pool is as large as pbxws's.
	base, stopBase, err := startBaseline(ctx, dsn, web.DefaultConfig().DBMaxConns)
	if err != nil {
		return err
	}
	defer stopBase()

	fmt.Fprintf(out, "machine: nproc %d, %s/%s, %s; pbxws and baseline DB pools %d\n\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH,
		goVersion(ctx), web.DefaultConfig().DBMaxConns)
	profDir := os.Getenv("PBXWS_BENCH_PROFILE")
	type row struct {
		name, short string
		pbx, ref    result
	}
	var rows []row
	var profiles []string
	celRSS, celPeak, peakBefore := -1, -1, 0
	for i, sc := range scenarios() {
		if !selected(sc.short) {
			continue
		}
		if sc.short == "cel" {
			// Seeded only now, after the other scenarios (cel runs last): its gigabyte of
			// rows, WAL and checkpoint would otherwise weigh on their figures.
			t0 := time.Now()
			if err := seedCEL(ctx, db); err != nil {
				return fmt.Errorf("seeding CEL: %w", err)
			}
			fmt.Fprintf(out, "seeded %d CEL events (%d calls) over %d days in %s\n", celEvents, celEvents/celCallEvents, celDays,
				time.Since(t0).Round(time.Millisecond))
			// The search's own peak: the run's so far is kept, then the kernel's is reset.
			if peakBefore, err = peakRSS(srv.cmd.Process.Pid); err != nil {
				return fmt.Errorf("pbxws peak RSS: %w", err)
			}
			if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", srv.cmd.Process.Pid), []byte("5"), 0); err != nil {
				fmt.Fprintln(out, "cannot reset pbxws's peak RSS, the CEL figure is the run's peak:", err)
			}
		}
		if sc.short == "registrations" {
			// Seeded only now: the other scenarios read without these rows.
			t0 := time.Now()
			if err := seedRegistrations(ctx, db); err != nil {
				return fmt.Errorf("seeding registrations: %w", err)
			}
			fmt.Fprintf(out, "seeded %d live registrations in %s\n", seedBindings, time.Since(t0).Round(time.Millisecond))
		}
		if sc.short == "phonesettings" {
			// Seeded only now: the other scenarios read without these phones.
			t0 := time.Now()
			if err := seedPhoneSettings(ctx, db); err != nil {
				return fmt.Errorf("seeding phone settings: %w", err)
			}
			fmt.Fprintf(out, "seeded %d phones in %d phone groups with their settings in %s\n", seedPhones, seedPhoneGroups, time.Since(t0).Round(time.Millisecond))
		}
		if sc.short == "stats" {
			// Seeded only now, like the CEL: the other scenarios read without its rows.
			t0 := time.Now()
			if err := seedStats(ctx, db); err != nil {
				return fmt.Errorf("seeding queue_log: %w", err)
			}
			fmt.Fprintf(out, "seeded %d queue_log rows (%d queues, %d agents) over %s in %s\n", statsRows, statsQueues, statsAgents,
				statsMonth.Format("January 2006"), time.Since(t0).Round(time.Millisecond))
		}
		var prof chan error
		if profDir != "" {
			file := filepath.Join(profDir, fmt.Sprintf("pbxws-%d-%s.pprof", i+1, sc.short))
			profiles = append(profiles, file)
			prof = make(chan error, 1)
			go func() { prof <- fetchProfile(ctx, pprofURL, sc.maxTime, file) }()
		}
		p, err := sc.run(ctx, pbx)
		if prof != nil {
			if perr := <-prof; perr != nil {
				fmt.Fprintf(out, "profile of %s: %v\n", sc.name, perr)
			}
		}
		if err != nil {
			return fmt.Errorf("%s on pbxws: %w", sc.name, err)
		}
		if sc.short == "cel" {
			if celRSS, celPeak, err = rssOf(srv.cmd.Process.Pid); err != nil {
				return fmt.Errorf("pbxws RSS: %w", err)
			}
		}
		r, err := sc.run(ctx, base)
		if err != nil {
			return fmt.Errorf("%s on the baseline: %w", sc.name, err)
		}
		rows = append(rows, row{sc.name, sc.short, p, r})
	}
	rss, err := peakRSS(srv.cmd.Process.Pid)
	if err != nil {
		return fmt.Errorf("pbxws peak RSS: %w", err)
	}
	rss = max(rss, peakBefore)

	fmt.Fprintf(out, "%-34s %10s %9s %9s | %10s %9s %9s | %6s\n", "scenario", "pbxws r/s", "p50", "p99", "base r/s", "p50", "p99", "ratio")
	for _, r := range rows {
		fmt.Fprintf(out, "%-34s %10.0f %9s %9s | %10.0f %9s %9s | %6.2f\n", r.name, r.pbx.rps, ms(r.pbx.p50), ms(r.pbx.p99),
			r.ref.rps, ms(r.ref.p50), ms(r.ref.p99), r.pbx.rps/r.ref.rps)
		if r.pbx.errors > 0 || r.ref.errors > 0 {
			fmt.Fprintf(out, "  errors: pbxws %d, baseline %d (first: %s %s)\n", r.pbx.errors, r.ref.errors, r.pbx.firstErr, r.ref.firstErr)
		}
	}
	fmt.Fprintf(out, "\npbxws peak RSS: %.1f MB\n", float64(rss)/1024)
	if celRSS >= 0 {
		fmt.Fprintf(out, "pbxws RSS during the CEL search: peak %.1f MB, %.1f MB right after\n", float64(celPeak)/1024, float64(celRSS)/1024)
	}
	fmt.Fprintf(out, "\ntargets:\n")
	byName := map[string]row{}
	for _, r := range rows {
		byName[r.short] = r
	}
	check := func(ok bool, what string) {
		mark := "met    "
		if !ok {
			mark = "MISSED "
		}
		fmt.Fprintf(out, "  %s %s\n", mark, what)
	}
	if view, ok := byName["view"]; ok {
		check(view.pbx.rps >= 0.7*view.ref.rps && view.pbx.p99 <= 15*time.Millisecond,
			fmt.Sprintf("view >= 0.7x baseline throughput (%.2fx) with p99 <= 15 ms (%s; the baseline's p99 is %s)",
				view.pbx.rps/view.ref.rps, ms(view.pbx.p99), ms(view.ref.p99)))
	}
	if list, ok := byName["list4"]; ok {
		check(list.pbx.p50 <= 60*time.Millisecond, fmt.Sprintf("list of 10,000 p50 <= 60 ms at 4 conns (%s)", ms(list.pbx.p50)))
	}
	if cel, ok := byName["cel"]; ok {
		check(cel.pbx.p50 <= 30*time.Millisecond, fmt.Sprintf("CEL search of one day over 5,000,000 events, limit 1000: p50 <= 30 ms (%s; p99 %s)",
			ms(cel.pbx.p50), ms(cel.pbx.p99)))
		check(celPeak <= 150*1024, fmt.Sprintf("RSS <= 150 MB during the CEL search (%.1f MB peak)", float64(celPeak)/1024))
	}
	if book, ok := byName["book"]; ok {
		check(book.pbx.p50 <= 50*time.Millisecond, fmt.Sprintf("sipX /phonebook/{name} CSV of 10,000 p50 <= 50 ms (%s)", ms(book.pbx.p50)))
	}
	if search, ok := byName["search"]; ok {
		check(search.pbx.p99 <= 10*time.Millisecond, fmt.Sprintf("sipX /my/search/phonebook p99 <= 10 ms at 32 conns (%s)", ms(search.pbx.p99)))
	}
	if regs, ok := byName["registrations"]; ok {
		check(regs.pbx.p50 <= 50*time.Millisecond, fmt.Sprintf("sipX /api/registrations of 10,000 live bindings p50 <= 50 ms (%s; p99 %s)",
			ms(regs.pbx.p50), ms(regs.pbx.p99)))
	}
	if ps, ok := byName["phonesettings"]; ok {
		check(ps.pbx.p99 <= 10*time.Millisecond, fmt.Sprintf("sipX /api/phones/{id}/settings p99 <= 10 ms at 32 conns (%s; p50 %s)",
			ms(ps.pbx.p99), ms(ps.pbx.p50)))
	}
	if stats, ok := byName["stats"]; ok {
		check(stats.pbx.p50 <= 200*time.Millisecond, fmt.Sprintf("stats1 of one queue over one month of 2,000,000 queue_log rows: p50 <= 200 ms (%s; p99 %s)",
			ms(stats.pbx.p50), ms(stats.pbx.p99)))
	}
	if add, ok := byName["add"]; ok {
		check(add.pbx.rps >= 2000, fmt.Sprintf("add >= 2,000/s (%.0f/s)", add.pbx.rps))
	}
	check(rss <= 150*1024, fmt.Sprintf("peak RSS <= 150 MB (%.1f MB)", float64(rss)/1024))

	for _, file := range profiles {
		top, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=25", file).Output()
		fmt.Fprintf(out, "\nCPU profile of pbxws: %s\n%s", file, top)
		if err != nil {
			fmt.Fprintf(out, "go tool pprof: %v\n", err)
		}
	}

	for _, extra := range extraBenches {
		if !selected("sip") {
			continue
		}
		fmt.Fprintln(out)
		if err := extra(ctx, out); err != nil {
			return err
		}
	}
	return nil
}

// selected says whether PBXWS_BENCH_ONLY (a comma-separated list of scenario short names:
// view, list1, list4, add, book, search, registrations, phonesettings, cel, stats, sip) names a scenario; unset, every scenario runs.
func selected(short string) bool {
	only := os.Getenv("PBXWS_BENCH_ONLY")
	if only == "" {
		return true
	}
	for _, s := range strings.Split(only, ",") {
		if strings.TrimSpace(s) == short {
			return true
		}
	}
	return false
}

// postgres returns a DSN maker for an admin connection: the configured test server, or a
// private cluster under var/benchpg (stopped at the end when this run started it).
func postgres(ctx context.Context) (func(db string) string, func(), error) {
	if url := os.Getenv("PBXWS_TEST_DATABASE_URL"); url != "" {
		return func(db string) string { return testenv.WithDBName(url, db) }, func() {}, nil
	}
	cl, err := pbxsql.StartCluster(ctx, filepath.Join(testenv.RepoRoot(), "var", "benchpg"), nil)
	if err != nil {
		return nil, nil, err
	}
	return cl.DSN, func() { _ = cl.Stop(context.Background()) }, nil
}

// benchDatabase creates a fresh database (dropped by cleanup) on the test server or a private
// cluster, and opens it.
func benchDatabase(ctx context.Context, prefix string) (dsn string, db *sqlx.DB, cleanup func(), err error) {
	adminDSN, cleanupPG, err := postgres(ctx)
	if err != nil {
		return "", nil, nil, err
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	dbname := prefix + hex.EncodeToString(b)
	admin, err := pbxsql.Open(ctx, adminDSN("postgres"))
	if err != nil {
		cleanupPG()
		return "", nil, nil, err
	}
	drop := func() {
		_, _ = admin.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+dbname+` WITH (FORCE)`)
		admin.Close()
		cleanupPG()
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+dbname); err != nil {
		admin.Close()
		cleanupPG()
		return "", nil, nil, err
	}
	dsn = adminDSN(dbname)
	if db, err = pbxsql.Open(ctx, dsn); err != nil {
		drop()
		return "", nil, nil, err
	}
	return dsn, db, func() { db.Close(); drop() }, nil
}

// seed writes the users and their lines in a few set-based statements: the point is to
// measure reads, not the seeding.
func seed(ctx context.Context, db *sqlx.DB) error {
	_, err := db.ExecContext(ctx, `
		INSERT INTO contexts (name, displayname, entity_id, contexttype) VALUES ('default', 'Default', 1, 'internal');
		INSERT INTO context_ranges (context, type, numberbeg, numberend) VALUES ('default', 'user', '10000', '99999');
		INSERT INTO users (firstname, lastname, callerid, loginclient)
			SELECT 'User', 'N' || g, '"User N' || g || '"', 'user' || g FROM generate_series(1, `+strconv.Itoa(seedUsers)+`) g;
		INSERT INTO lines (user_id, protocol, name, context, number, secret, rules_order)
			SELECT id, 'sip', 'line' || id, 'default', (10000 + id)::text, 'S' || id, 1 FROM users`)
	if err != nil {
		return err
	}
	// Measure the steady state: no autovacuum of the fresh rows, and no checkpoint writing
	// them out, while the scenarios run.
	if _, err := db.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CHECKPOINT`); err != nil {
		fmt.Fprintln(os.Stderr, "bench: CHECKPOINT refused, measuring anyway:", err)
	}
	return nil
}

// The CEL scenario's log: celEvents events of calls spread evenly over celDays days from
// celFirstDay, celCallEvents events a call.
const (
	celEvents     = 5_000_000
	celDays       = 40
	celCallEvents = 10
	// celSeedLimit bounds the seeding (one statement, then VACUUM ANALYZE).
	celSeedLimit = 5 * time.Minute
)

var celFirstDay = time.Date(2026, 1, 1, 0, 0, 0, 0, time.Local)

// seedCEL writes the events as Asterisk's cel_pgsql would, in one set-based statement
// computed by the server: call k rings line callee from line caller's channel A, B answers
// after a few seconds, they talk for up to ten minutes, B hangs up. Each channel has its own
// uniqueid (epoch.sequence), both carry A's as linkedid, and the calls overlap as a busy
// PBX's do.
func seedCEL(ctx context.Context, db *sqlx.DB) error {
	ctx, cancel := context.WithTimeout(ctx, celSeedLimit)
	defer cancel()
	calls := celEvents / celCallEvents
	step := float64(celDays*86400) / float64(calls)
	_, err := db.ExecContext(ctx, `INSERT INTO cel (eventtype, eventtime, cid_name, cid_num, exten, context,
			channame, appname, appdata, amaflags, uniqueid, linkedid, peer)
		SELECT (ARRAY['CHAN_START','CHAN_START','ANSWER','ANSWER','BRIDGE_ENTER','BRIDGE_ENTER','HANGUP','CHAN_END','HANGUP','CHAN_END'])[e + 1],
			CAST($1 AS timestamp) + make_interval(secs => start + (ARRAY[0, 0.002, ring, ring + 0.004, ring + 0.006,
				ring + 0.008, ring + talk, ring + talk + 0.002, ring + talk + 0.004, ring + talk + 0.006])[e + 1]),
			'User ' || party, CAST(10000 + party AS text), CAST(10000 + callee AS text), 'default',
			'SIP/line' || party || '-' || lpad(to_hex(2 * k + side), 8, '0'),
			CASE WHEN e < 2 THEN '' WHEN side = 0 THEN 'Dial' ELSE 'AppDial' END,
			CASE WHEN e < 2 THEN '' WHEN side = 0 THEN 'SIP/line' || callee || ',30' ELSE '(Outgoing Line)' END,
			3, uid || '.' || (2 * k + side), uid || '.' || (2 * k),
			CASE WHEN e IN (4, 5) THEN 'SIP/line' || CASE side WHEN 0 THEN callee ELSE caller END || '-' ||
				lpad(to_hex(2 * k + 1 - side), 8, '0') ELSE '' END
		FROM (SELECT k, e, (ARRAY[0, 1, 1, 0, 0, 1, 1, 1, 0, 0])[e + 1] AS side, k * CAST($2 AS float8) AS start,
				2 + k % 15 AS ring, 5 + (k % 600) * 7919 % 600 AS talk, 1 + k % 10000 AS caller,
				1 + (7 * k + 1) % 10000 AS callee, CAST($3 AS bigint) + CAST(floor(k * CAST($2 AS float8)) AS bigint) AS uid
			FROM generate_series(0, $4 - 1) k CROSS JOIN generate_series(0, $5 - 1) e) c
		CROSS JOIN LATERAL (SELECT CASE c.side WHEN 0 THEN c.caller ELSE c.callee END AS party) p`,
		celFirstDay.Format("2006-01-02 15:04:05"), step, celFirstDay.Unix(), calls, celCallEvents)
	if err != nil {
		return err
	}
	if _, err = db.ExecContext(ctx, `VACUUM ANALYZE cel`); err != nil {
		return err
	}
	// The search measures reads, not a checkpoint writing the seeded rows out.
	if _, err := db.ExecContext(ctx, `CHECKPOINT`); err != nil {
		fmt.Fprintln(os.Stderr, "bench: CHECKPOINT refused, measuring anyway:", err)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// peakRSS reads VmHWM (kB) of a process.
func peakRSS(pid int) (int, error) {
	_, peak, err := rssOf(pid)
	return peak, err
}

// rssOf reads VmRSS and VmHWM (the peak), in kB, of a process.
func rssOf(pid int) (rss, peak int, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	rss, peak = -1, -1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		switch k {
		case "VmRSS":
			rss, err = strconv.Atoi(strings.Fields(v)[0])
		case "VmHWM":
			peak, err = strconv.Atoi(strings.Fields(v)[0])
		}
		if err != nil {
			return 0, 0, err
		}
	}
	if rss < 0 || peak < 0 {
		return 0, 0, fmt.Errorf("no VmRSS or VmHWM for %d", pid)
	}
	return rss, peak, nil
}

// fetchProfile saves a CPU profile of pbxws taken over d (the scenario ends within it).
func fetchProfile(ctx context.Context, url string, d time.Duration, file string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s?seconds=%d", url, int(d.Seconds())), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: %s", resp.Status)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// tail is the end of a file, at most n bytes.
func tail(name string, n int64) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return err.Error()
	}
	if int64(len(b)) > n {
		b = b[int64(len(b))-n:]
	}
	return string(b)
}

// goVersion is what `go version` says (the toolchain that built pbxws).
func goVersion(ctx context.Context) string {
	b, err := exec.CommandContext(ctx, "go", "version").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(strings.TrimPrefix(string(b), "go version "))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }
