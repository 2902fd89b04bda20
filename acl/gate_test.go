package acl_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"

	"pbxws/acl"
	"pbxws/models"
	pbxsql "pbxws/sql"
	"pbxws/tests/testenv"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func openDB(t *testing.T) (*sqlx.DB, string) {
	t.Helper()
	dsn := testenv.NewDatabase(t)
	db, err := pbxsql.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dsn
}

func hash(t *testing.T, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func basic(login, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(login+":"+password))
}

func addAccount(t *testing.T, st *models.WSAccountStore, a models.WSAccount, password string) *models.WSAccount {
	t.Helper()
	if password != "" {
		a.PasswordHash = hash(t, password)
	}
	if err := st.Create(context.Background(), &a); err != nil {
		t.Fatalf("creating %s: %v", a.Name, err)
	}
	return &a
}

// countingGate is a gate over a fresh database whose bcrypt comparisons are counted.
func countingGate(t *testing.T, listen bool) (*acl.Gate, *models.WSAccountStore, *atomic.Int32) {
	t.Helper()
	db, dsn := openDB(t)
	if !listen {
		dsn = ""
	}
	g, err := acl.NewGate(context.Background(), db, acl.GateConfig{DSN: dsn, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	var n atomic.Int32
	acl.SetCompareForTest(g, func(h, p []byte) error {
		n.Add(1)
		return bcrypt.CompareHashAndPassword(h, p)
	})
	return g, &models.WSAccountStore{DB: db}, &n
}

func peer(s string) netip.Addr { return netip.MustParseAddr(s) }

func identify(t *testing.T, g *acl.Gate, from, authorization string) (*models.WSAccount, string) {
	t.Helper()
	a, reason, err := g.Identify(context.Background(), peer(from), authorization)
	if err != nil {
		t.Fatal(err)
	}
	if (a == nil) == (reason == "") {
		t.Fatalf("account %v with reason %q: exactly one must be set", a, reason)
	}
	return a, reason
}

func mustIdentify(t *testing.T, g *acl.Gate, from, authorization, want string) {
	t.Helper()
	a, reason := identify(t, g, from, authorization)
	if a == nil || a.Name != want {
		t.Fatalf("from %s with %q: got %v (%s), want account %s", from, authorization, a, reason, want)
	}
}

func mustRefuse(t *testing.T, g *acl.Gate, from, authorization string) string {
	t.Helper()
	a, reason := identify(t, g, from, authorization)
	if a != nil {
		t.Fatalf("from %s with %q: identified %s, want nobody", from, authorization, a.Name)
	}
	return reason
}

func TestGateIdentifiesBasicCredentialsFromAnyHostWhenTheAccountListsNone(t *testing.T) {
	g, st, _ := countingGate(t, false)
	addAccount(t, st, models.WSAccount{Name: "admin", Login: "admin", Sections: []string{"service/ipbx"}}, "secret")
	for _, from := range []string{"192.0.2.1", "::1", "2001:db8::9"} {
		mustIdentify(t, g, from, basic("admin", "secret"), "admin")
	}
}

func TestGateRefusesWrongOrIncompleteCredentials(t *testing.T) {
	g, st, _ := countingGate(t, false)
	addAccount(t, st, models.WSAccount{Name: "admin", Login: "admin"}, "secret")
	for name, h := range map[string]string{
		"wrong password":            basic("admin", "Secret"),
		"unknown login":             basic("root", "secret"),
		"login in another case":     basic("Admin", "secret"),
		"empty password":            basic("admin", ""),
		"empty login":               basic("", "secret"),
		"undecodable":               "Basic !!!",
		"login that cannot be one":  basic("ad\x00min", "secret"),
		"password with extra colon": basic("admin", "secret:"),
	} {
		t.Run(name, func(t *testing.T) { mustRefuse(t, g, "192.0.2.1", h) })
	}
}

func TestGateRefusesRightPasswordFromWrongHost(t *testing.T) {
	g, st, _ := countingGate(t, false)
	addAccount(t, st, models.WSAccount{Name: "bob", Login: "bob", Hosts: []string{"192.0.2.0/24", "2001:db8::/64"}}, "bobpass")
	mustIdentify(t, g, "192.0.2.200", basic("bob", "bobpass"), "bob")
	mustIdentify(t, g, "::ffff:192.0.2.7", basic("bob", "bobpass"), "bob")
	mustIdentify(t, g, "2001:db8::1", basic("bob", "bobpass"), "bob")
	// The credential is cached now: the host is still checked on every request.
	reason := mustRefuse(t, g, "198.51.100.1", basic("bob", "bobpass"))
	t.Logf("refusal reason: %s", reason)
	mustRefuse(t, g, "2001:db8:1::1", basic("bob", "bobpass"))
}

func TestGateRefusesCredentialsOfAnAccountWhoseHostsDoNotParse(t *testing.T) {
	g, st, _ := countingGate(t, false)
	addAccount(t, st, models.WSAccount{Name: "typo", Login: "typo", Hosts: []string{"192.0.2.300"}}, "typopass")
	mustRefuse(t, g, "192.0.2.1", basic("typo", "typopass"))
}

func TestGateRefusesDisabledAccounts(t *testing.T) {
	g, st, _ := countingGate(t, false)
	addAccount(t, st, models.WSAccount{Name: "eve", Login: "eve", Disabled: true}, "evepass")
	addAccount(t, st, models.WSAccount{Name: "robot", Hosts: []string{"192.0.2.5"}, Disabled: true}, "")
	mustRefuse(t, g, "192.0.2.5", basic("eve", "evepass"))
	mustRefuse(t, g, "192.0.2.5", "")
}

func TestGateIdentifiesHostOnlyAccountsWithoutCredentials(t *testing.T) {
	g, st, _ := countingGate(t, false)
	addAccount(t, st, models.WSAccount{Name: "robot", Hosts: []string{"192.0.2.5", "198.51.100.0/255.255.255.0"}}, "")
	addAccount(t, st, models.WSAccount{Name: "robot2", Hosts: []string{"192.0.2.0/24"}}, "")
	addAccount(t, st, models.WSAccount{Name: "withcreds", Login: "withcreds", Hosts: []string{"203.0.113.1"}}, "credpass")
	mustIdentify(t, g, "192.0.2.5", "", "robot") // the first account listing the peer wins
	mustIdentify(t, g, "192.0.2.6", "", "robot2")
	mustIdentify(t, g, "198.51.100.99", "", "robot")
	mustIdentify(t, g, "192.0.2.5", "Bearer abc", "robot") // another scheme is no credentials
	mustRefuse(t, g, "203.0.113.1", "")                    // an account with a login needs it
	mustRefuse(t, g, "203.0.113.2", "")
	// Basic credentials never fall back to host-only accounts, even wrong ones from a listed host.
	mustRefuse(t, g, "192.0.2.5", basic("nobody", "whatever"))
	mustRefuse(t, g, "192.0.2.5", "Basic ")
}

func TestGateSecondIdenticalBasicCheckRunsNoBcrypt(t *testing.T) {
	g, st, compares := countingGate(t, false)
	addAccount(t, st, models.WSAccount{Name: "admin", Login: "admin"}, "secret")
	mustIdentify(t, g, "192.0.2.1", basic("admin", "secret"), "admin")
	if n := compares.Load(); n != 1 {
		t.Fatalf("first check ran bcrypt %d times, want 1", n)
	}
	for i := 0; i < 5; i++ {
		mustIdentify(t, g, "192.0.2.1", basic("admin", "secret"), "admin")
	}
	if n := compares.Load(); n != 1 {
		t.Fatalf("repeated checks ran bcrypt %d times in all, want 1", n)
	}
	// A wrong password is never cached as right, and costs its own bcrypt.
	mustRefuse(t, g, "192.0.2.1", basic("admin", "secrets"))
	if n := compares.Load(); n != 2 {
		t.Fatalf("a wrong password ran bcrypt %d times in all, want 2", n)
	}
}

func TestGateSpendsABcryptOnUnknownAndDisabledLogins(t *testing.T) {
	g, st, compares := countingGate(t, false)
	addAccount(t, st, models.WSAccount{Name: "eve", Login: "eve", Disabled: true}, "evepass")
	mustRefuse(t, g, "192.0.2.1", basic("nobody", "secret"))
	mustRefuse(t, g, "192.0.2.1", basic("eve", "evepass"))
	mustRefuse(t, g, "192.0.2.1", basic("bad\x00login", "secret"))
	if n := compares.Load(); n != 3 {
		t.Fatalf("ran bcrypt %d times for three unidentifiable logins, want 3", n)
	}
}

func TestGateReturnsACopyWithoutThePasswordHash(t *testing.T) {
	g, st, _ := countingGate(t, false)
	addAccount(t, st, models.WSAccount{Name: "admin", Login: "admin", Sections: []string{"cti"}}, "secret")
	a, _ := identify(t, g, "192.0.2.1", basic("admin", "secret"))
	if a.PasswordHash != "" {
		t.Fatal("Identify handed out the password hash")
	}
	a.Sections[0] = "service"
	b, _ := identify(t, g, "192.0.2.1", basic("admin", "secret"))
	if b.Sections[0] != "cti" {
		t.Fatal("changing a returned account changed the cache")
	}
}

// waitRefused retries until the gate refuses, within a bounded wait.
func waitRefused(t *testing.T, g *acl.Gate, from, authorization string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		a, _, err := g.Identify(context.Background(), peer(from), authorization)
		if err != nil {
			t.Fatal(err)
		}
		if a == nil {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("still identified %s %v after the change", a.Name, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitListening(t *testing.T, g *acl.Gate) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !acl.ListeningForTest(g) {
		if time.Now().After(deadline) {
			t.Fatal("the gate never started listening")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestGatePasswordChangeThroughTheStoreDropsTheCachedCredential(t *testing.T) {
	g, st, _ := countingGate(t, true)
	waitListening(t, g)
	a := addAccount(t, st, models.WSAccount{Name: "admin", Login: "admin"}, "secret")
	mustIdentify(t, g, "192.0.2.1", basic("admin", "secret"), "admin")
	a.PasswordHash = hash(t, "changed")
	if err := st.Update(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	d := waitRefused(t, g, "192.0.2.1", basic("admin", "secret"), 2*time.Second)
	t.Logf("old password refused %v after the change (LISTEN)", d)
	mustIdentify(t, g, "192.0.2.1", basic("admin", "changed"), "admin")
}

func TestGateChangesSeenByAnotherInstanceThroughTheGenerationCounter(t *testing.T) {
	g, st, _ := countingGate(t, false) // no listener: the counter alone must do
	a := addAccount(t, st, models.WSAccount{Name: "robot", Hosts: []string{"192.0.2.5"}}, "")
	addAccount(t, st, models.WSAccount{Name: "admin", Login: "admin"}, "secret")
	mustIdentify(t, g, "192.0.2.5", "", "robot")
	mustIdentify(t, g, "192.0.2.1", basic("admin", "secret"), "admin")
	a.Disabled = true
	if err := st.Update(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(context.Background(), "admin"); err != nil {
		t.Fatal(err)
	}
	d := waitRefused(t, g, "192.0.2.5", "", 3*time.Second)
	waitRefused(t, g, "192.0.2.1", basic("admin", "secret"), time.Second)
	t.Logf("change seen %v later by polling", d)
}

func TestGateSeesChangesMadeWhileItsListenerWasCutOff(t *testing.T) {
	g, st, _ := countingGate(t, true)
	waitListening(t, g)
	a := addAccount(t, st, models.WSAccount{Name: "admin", Login: "admin"}, "secret")
	mustIdentify(t, g, "192.0.2.1", basic("admin", "secret"), "admin")
	var killed int
	if err := st.DB.Get(&killed, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'listen%'`); err != nil {
		t.Fatal(err)
	}
	if killed == 0 {
		t.Fatal("found no listener connection to cut")
	}
	a.Disabled = true
	if err := st.Update(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	d := waitRefused(t, g, "192.0.2.1", basic("admin", "secret"), 5*time.Second)
	t.Logf("change seen %v later with the listener cut", d)
}

func TestGateCountsAccounts(t *testing.T) {
	g, st, _ := countingGate(t, false)
	if n, err := g.Count(context.Background()); err != nil || n != 0 {
		t.Fatalf("Count = %d, %v on a fresh database", n, err)
	}
	addAccount(t, st, models.WSAccount{Name: "robot", Hosts: []string{"192.0.2.5"}, Disabled: true}, "")
	if n, err := g.Count(context.Background()); err != nil || n != 1 {
		t.Fatalf("Count = %d, %v with one disabled account", n, err)
	}
}

func TestGateResolvesHostNamesThroughItsCache(t *testing.T) {
	g, st, _ := countingGate(t, false)
	var lookups atomic.Int32
	acl.SetResolverForTest(g, acl.NewResolver(func(_ context.Context, host string) ([]netip.Addr, error) {
		lookups.Add(1)
		return []netip.Addr{peer("192.0.2.44")}, nil
	}))
	addAccount(t, st, models.WSAccount{Name: "pbx", Login: "pbx", Hosts: []string{"pbx.example"}}, "pbxpass")
	for i := 0; i < 3; i++ {
		mustIdentify(t, g, "192.0.2.44", basic("pbx", "pbxpass"), "pbx")
		mustRefuse(t, g, "192.0.2.45", basic("pbx", "pbxpass"))
	}
	if n := lookups.Load(); n != 1 {
		t.Fatalf("resolved the host name %d times, want 1", n)
	}
}

// Two gates on one database, one listening and one only polling: an account command returns
// once both have applied its change, so the very next request is refused by each; a gate
// that cannot confirm any more stops trusting its cache.
func TestAccountCommandsReturnOnceEveryGateAppliedTheChange(t *testing.T) {
	db, dsn := openDB(t)
	st := &models.WSAccountStore{DB: db}
	listening, err := acl.NewGate(context.Background(), db, acl.GateConfig{DSN: dsn, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer listening.Close()
	polling, err := acl.NewGate(context.Background(), db, acl.GateConfig{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer polling.Close()
	waitListening(t, listening)
	cli := func(args ...string) {
		t.Helper()
		var out, errb bytes.Buffer
		if rc := acl.RunAccountCLI(context.Background(), st, args, &out, &errb); rc != 0 || errb.Len() > 0 {
			t.Fatalf("account %v: rc %d %s", args, rc, errb.String())
		}
	}
	for round := 0; round < 5; round++ {
		addAccount(t, st, models.WSAccount{Name: "admin", Login: "admin", Sections: []string{"cti"}}, "secret")
		for _, g := range []*acl.Gate{listening, polling} {
			mustIdentify(t, g, "192.0.2.1", basic("admin", "secret"), "admin")
		}
		start := time.Now()
		cli("delete", "--name", "admin")
		took := time.Since(start)
		for i, g := range []*acl.Gate{listening, polling} {
			if a, _, err := g.Identify(context.Background(), peer("192.0.2.1"), basic("admin", "secret")); err != nil || a != nil {
				t.Fatalf("round %d: gate %d right after the delete returned: %v %v", round, i, a, err)
			}
		}
		t.Logf("round %d: delete returned after %v (the polling gate applies within a second)", round, took)
	}
	// A stopped gate is not waited for.
	polling.Close()
	addAccount(t, st, models.WSAccount{Name: "admin", Login: "admin"}, "secret")
	start := time.Now()
	cli("delete", "--name", "admin")
	if d := time.Since(start); d > time.Second {
		t.Fatalf("with only the listening gate left, the delete took %v", d)
	}
}
