package ops

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Issue 14.9: db status|stop|psql, migrate status, and a backup restored into a fresh var
// dir serves the same data.
func TestBackupRestoredIntoAFreshVarDirServesTheSameData(t *testing.T) {
	dir := privateDir(t)
	varA, varB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	stopClusterAtEnd(t, dir, varA)
	stopClusterAtEnd(t, dir, varB)
	a := startServe(t, dir, nil, append(ephemeral, "-var-dir", varA)...)
	pbxws(t, dir, nil, "s3cret-1\n", "account", "add", "-var-dir", varA, "--name", "admin", "--login", "admin",
		"--password-stdin", "--section", "xivo/configuration").must(t, 0)
	req, _ := http.NewRequest("POST", a.HTTPURL+"/xivo/configuration/json.php/restricted/manage/entity/?act=add",
		strings.NewReader(`{"name": "acme", "displayname": "Acme Corp"}`))
	req.SetBasicAuth("admin", "s3cret-1")
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("adding the entity: %d", res.StatusCode)
	}

	status := pbxws(t, dir, nil, "", "db", "status", "-var-dir", varA).must(t, 0).stdout
	for _, want := range []string{"server: up", "schema: ", "owner: pbxws process "} {
		if !strings.Contains(status, want) {
			t.Fatalf("db status: no %q in\n%s", want, status)
		}
	}
	ms := pbxws(t, dir, nil, "", "migrate", "status", "-var-dir", varA).must(t, 0).stdout
	if !regexp.MustCompile(`(?m)^0001\s+\S+\s+\d{4}-\d\d-\d\d`).MatchString(ms) || !strings.Contains(ms, " 0 pending") {
		t.Fatalf("migrate status:\n%s", ms)
	}
	n := pbxws(t, dir, nil, "", "db", "psql", "-var-dir", varA, "--", "-Atc", "SELECT count(*) FROM entities WHERE name = 'acme'").must(t, 0)
	if strings.TrimSpace(n.stdout) != "1" {
		t.Fatalf("db psql: %q %q", n.stdout, n.stderr)
	}
	// The owner would restart a stopped cluster: db stop refuses and says what to do.
	if r := pbxws(t, dir, nil, "", "db", "stop", "-var-dir", varA).must(t, 1); !strings.Contains(r.stderr, "stop that process instead") {
		t.Fatalf("db stop under a running owner: %q", r.stderr)
	}

	dump := filepath.Join(dir, "pbxws.dump")
	pbxws(t, dir, nil, "", "backup", dump, "-var-dir", varA).must(t, 0)
	pbxws(t, dir, nil, "", "restore", dump, "-var-dir", varB).must(t, 0)
	// Restoring again over data is refused.
	if r := pbxws(t, dir, nil, "", "restore", dump, "-var-dir", varB).must(t, 1); !strings.Contains(r.stderr, "already holds pbxws data") {
		t.Fatalf("second restore: %q", r.stderr)
	}
	a.signal(15)
	a.waitExit(30 * time.Second)

	b := startServe(t, dir, nil, append(ephemeral, "-var-dir", varB)...)
	st, body := get(t, b.HTTPURL+"/xivo/configuration/json.php/restricted/manage/entity/?act=list", "admin", "s3cret-1")
	if st != 200 || !strings.Contains(body, `"name":"acme"`) {
		t.Fatalf("the restored server: %d %s", st, body)
	}
	b.signal(15)
	b.waitExit(30 * time.Second)
	// With no owner left, db stop stops nothing and says so without error.
	pbxws(t, dir, nil, "", "db", "stop", "-var-dir", varB).must(t, 0)
	if r := pbxws(t, dir, nil, "", "db", "status", "-var-dir", varB).must(t, 0); !strings.Contains(r.stdout, "server: stopped") {
		t.Fatalf("db status of a stopped cluster:\n%s", r.stdout)
	}
}
