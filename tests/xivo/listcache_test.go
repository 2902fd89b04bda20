package xivo_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
	"pbxws/web"
)

// secondInstance runs another pbxws on the same database, as a second node would.
func secondInstance(t *testing.T, env *testenv.Env) *xc {
	t.Helper()
	cfg := env.Config
	cfg.HTTPAddr, cfg.HTTPSAddr, cfg.VarDir = "127.0.0.1:0", "", t.TempDir()
	srv, err := web.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("second pbxws: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	c := newClient(t, env)
	c.base = "http://" + srv.HTTPAddr()
	return c
}

func listBody(t *testing.T, c *xc) string {
	t.Helper()
	st, h, raw := c.do("GET", usersPath, "act=list", nil)
	if st != http.StatusOK || h.Get("Content-Type") != "application/json" || h.Get("ETag") == "" {
		t.Fatalf("list: %d %v %s", st, h, raw)
	}
	return string(raw)
}

// The users list is rendered once and served again only while no change of the users table
// has committed since it was read: every write shows in the next list, whether it came
// through this instance, another instance, or straight into the database.
func TestUsersListFollowsEveryCommittedChange(t *testing.T) {
	env := testenv.Start(t)
	a := newClient(t, env)
	b := secondInstance(t, env)
	phoneSetup(t, a)
	id := addUser(t, a, `{"userfeatures": {"firstname": "Ann", "lastname": "First"}}`)

	first := listBody(t, a)
	if !strings.Contains(first, `"lastname":"First"`) {
		t.Fatalf("list lacks the user: %s", first)
	}
	if again := listBody(t, a); again != first {
		t.Fatalf("an unchanged list changed:\n%s\n%s", first, again)
	}
	_ = listBody(t, b) // instance b keeps its own rendering

	// An edit through instance b shows on a at once.
	st, _, raw := b.do("POST", usersPath, "act=edit&id="+strconv.Itoa(id), map[string]any{"userfeatures": map[string]any{"firstname": "Ann", "lastname": "Second"}})
	if st != http.StatusOK {
		t.Fatalf("edit on b: %d %s", st, raw)
	}
	if got := listBody(t, a); !strings.Contains(got, `"lastname":"Second"`) {
		t.Fatalf("instance a still lists what b changed: %s", got)
	}
	// A change made straight in the database (another tool) shows on both.
	if _, err := env.DB.Exec(`UPDATE users SET lastname = 'Third' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*xc{"a": a, "b": b} {
		if got := listBody(t, c); !strings.Contains(got, `"lastname":"Third"`) {
			t.Fatalf("instance %s lists a stale user after a database change: %s", name, got)
		}
	}
	// An add and a delete show too; the last delete leaves 204.
	id2 := addUser(t, a, `{"userfeatures": {"firstname": "Bob", "lastname": "B"}}`)
	if got := listBody(t, b); !strings.Contains(got, `"firstname":"Bob"`) {
		t.Fatalf("b does not list the user a added: %s", got)
	}
	for _, del := range []int{id, id2} {
		if st, _, raw := a.do("GET", usersPath, "act=delete&id="+strconv.Itoa(del), nil); st != http.StatusOK {
			t.Fatalf("delete: %d %s", st, raw)
		}
	}
	if st, _, raw := b.do("GET", usersPath, "act=list", nil); st != http.StatusNoContent || len(raw) != 0 {
		t.Fatalf("list after deleting everyone on b: %d %q", st, raw)
	}
}

// A start that fails half-way reports why and releases what it had opened (it used to
// panic closing a server it had already dropped). It fails after the database, the
// accounts and SIP are up: on an unreadable TLS certificate.
func TestStartThatFailsReportsWhyAndReleasesWhatItOpened(t *testing.T) {
	env := testenv.Start(t)
	cfg := env.Config
	cfg.HTTPAddr, cfg.HTTPSAddr, cfg.SIPAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.VarDir = t.TempDir()
	cfg.TLSCert, cfg.TLSKey = filepath.Join(cfg.VarDir, "missing.pem"), filepath.Join(cfg.VarDir, "missing.key")
	sessions := func() int {
		var n int
		if err := env.DB.Get(&n, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := sessions()
	srv, err := web.Start(context.Background(), cfg)
	if err == nil || srv != nil || !strings.Contains(err.Error(), "tls") {
		t.Fatalf("Start with a missing certificate = %v, %v; want no server and the TLS error", srv, err)
	}
	// A closed connection's backend leaves pg_stat_activity a moment after the close.
	deadline := time.Now().Add(10 * time.Second)
	for after := sessions(); after > before; after = sessions() {
		if time.Now().After(deadline) {
			t.Fatalf("the failed start left %d database sessions open (%d before)", after, before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
