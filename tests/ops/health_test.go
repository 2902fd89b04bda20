package ops

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	pbxsql "pbxws/sql"
	"pbxws/tests/testenv"
)

// Issue 14.10: /status reports each part ok or fail (200 or 503 overall), /readyz the
// database and schema, /healthz the process; no credentials, no configuration.
func TestStatusReportsEachPartAndFailsWithTheDatabase(t *testing.T) {
	env := testenv.Start(t)
	st, body := get(t, env.HTTPURL+"/status", "", "")
	if st != 200 {
		t.Fatalf("/status: %d %s", st, body)
	}
	var parts map[string]struct{ Status string }
	if err := json.Unmarshal([]byte(body), &parts); err != nil {
		t.Fatalf("/status is not JSON: %v: %s", err, body)
	}
	for _, p := range []string{"database", "migrations", "sip_udp", "sip_tcp", "registrar"} {
		if parts[p].Status != "ok" {
			t.Errorf("%s: %q, want ok (%s)", p, parts[p].Status, body)
		}
	}
	// Nothing of the configuration: no address, port, path or database name.
	if regexp.MustCompile(`[0-9]+\.[0-9]+\.[0-9]+|:[0-9]{2,5}|/|t_[0-9a-f]`).MatchString(body) {
		t.Errorf("/status leaks configuration: %s", body)
	}
	for _, path := range []string{"/readyz", "/healthz"} {
		if st, body := get(t, env.HTTPURL+path, "", ""); st != 200 || body != "ok\n" {
			t.Errorf("%s: %d %q", path, st, body)
		}
	}

	// The database goes away: /status and /readyz say so, /healthz still answers.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pbxsql.Open(ctx, testenv.WithDBName(env.DSN, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var db string
	if err := env.DB.GetContext(ctx, &db, `SELECT current_database()`); err != nil {
		t.Fatal(err)
	}
	env.DB.Close()
	if _, err := admin.ExecContext(ctx, `DROP DATABASE `+db+` WITH (FORCE)`); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, "/status 503 with the database failed", func() bool {
		st, body := get(t, env.HTTPURL+"/status", "", "")
		return st == 503 && strings.Contains(body, `"database":{"status":"fail"}`) && strings.Contains(body, `"migrations":{"status":"fail"}`)
	})
	if st, _ := get(t, env.HTTPURL+"/readyz", "", ""); st != 503 {
		t.Errorf("/readyz without a database: %d", st)
	}
	if st, _ := get(t, env.HTTPURL+"/healthz", "", ""); st != 200 {
		t.Errorf("/healthz without a database: %d", st)
	}
}

// Issue 14.12: -log-format json makes every log line a JSON object; the access line keeps
// its fields; -log-level warn drops the info lines.
func TestLogFormatAndLevel(t *testing.T) {
	dir := privateDir(t)
	varDir := filepath.Join(dir, "var")
	stopClusterAtEnd(t, dir, varDir)
	p := startServe(t, dir, nil, append(ephemeral, "-var-dir", varDir, "-log-format", "json")...)
	get(t, p.HTTPURL+"/healthz", "", "")
	var access map[string]any
	testenv.Eventually(t, 10*time.Second, "the access line", func() bool {
		for _, l := range strings.Split(p.out.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" && m["path"] == "/healthz" {
				access = m
				return true
			}
		}
		return false
	})
	for _, k := range []string{"time", "level", "id", "peer", "method", "path", "status", "duration"} {
		if _, ok := access[k]; !ok {
			t.Errorf("the JSON access line has no %q: %v", k, access)
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(p.out.String()), "\n") {
		if strings.HasPrefix(l, "pbxws is serving:") {
			continue // the banner for the terminal
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Errorf("not a JSON log line: %q", l)
		}
	}
	p.signal(15)
	p.waitExit(30 * time.Second)

	q := startServe(t, dir, nil, append(ephemeral, "-var-dir", varDir, "-log-level", "warn")...)
	get(t, q.HTTPURL+"/healthz", "", "")
	testenv.Eventually(t, 10*time.Second, "the first-start warning", func() bool {
		return strings.Contains(q.out.String(), "level=WARN")
	})
	if strings.Contains(q.out.String(), "level=INFO") {
		t.Errorf("-log-level warn printed info lines:\n%s", q.out.String())
	}
}
