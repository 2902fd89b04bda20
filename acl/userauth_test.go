package acl

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"pbxws/models"
)

// fakeDir is a directory of one user; this is pure logic, so a fake is enough.
type fakeDir struct{ u *models.SIPUser }

func (d fakeDir) LookupUser(_ context.Context, name string) (*models.SIPUser, error) {
	if name == d.u.UserName || name == "1201" {
		return d.u, nil
	}
	return nil, models.ErrNotFound
}

// testKey is the fake user's private key.
const testKey = "0123456789abcdefghijklmnopqrstuv"

func (d fakeDir) LookupPrivateKey(_ context.Context, key string) (*models.SIPUser, error) {
	if key == testKey {
		return d.u, nil
	}
	return nil, models.ErrNotFound
}

func newTestAuth(t *testing.T, life time.Duration) *UserAuth {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte("pin201"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	u := &models.SIPUser{ID: 7, UserName: "alice", PinHash: string(h), PinHA1: models.HA1("alice", "pbxws", "pin201")}
	return NewUserAuth(fakeDir{u}, UserAuthConfig{Realm: "pbxws", NonceLifetime: life})
}

func nonceOf(t *testing.T, a *UserAuth) string {
	t.Helper()
	c := a.Challenges(false, false)[0]
	i := strings.Index(c, `nonce="`)
	return c[i+7 : i+7+strings.IndexByte(c[i+7:], '"')]
}

// clientDigest computes the client's qop=auth answer independently of the server code.
func clientDigest(user, pin, nonce, method, uri string, nc int) string {
	ha1 := md5hex(user + ":pbxws:" + pin)
	ncs := fmt.Sprintf("%08x", nc)
	resp := md5hex(ha1 + ":" + nonce + ":" + ncs + ":c0ffee:auth:" + md5hex(method+":"+uri))
	return fmt.Sprintf(`Digest username="%s", realm="pbxws", nonce="%s", uri="%s", qop=auth, nc=%s, cnonce="c0ffee", response="%s"`, user, nonce, uri, ncs, resp)
}

func TestUserAuthBasic(t *testing.T) {
	a := newTestAuth(t, time.Minute)
	ctx := context.Background()
	b := func(u, p string) string { return "Basic " + b64(u+":"+p) }
	if u, _, err := a.Authenticate(ctx, AuthRequest{Method: "GET", URI: "/x", Authorization: b("alice", "pin201"), TLS: true}); err != nil || u.ID != 7 {
		t.Fatalf("good Basic: %v", err)
	}
	if _, _, err := a.Authenticate(ctx, AuthRequest{Method: "GET", URI: "/x", Authorization: b("1201", "pin201"), TLS: true}); err != nil {
		t.Fatalf("alias Basic: %v", err)
	}
	for _, c := range []struct {
		h    string
		tls  bool
		text string
	}{
		{b("alice", "pin201"), false, "Basic authentication requires TLS"},
		{b("alice", "nope"), true, "pin mismatch"},
		{b("bob", "x"), true, "User Not found bob"},
		{"", true, "Authentication required"},
		{"Bearer x", true, "Authentication required"},
		{"Basic a\r\nb", true, "Authentication required"},
	} {
		_, _, err := a.Authenticate(ctx, AuthRequest{Method: "GET", URI: "/x", Authorization: c.h, TLS: c.tls})
		if ae, ok := err.(*AuthError); !ok || ae.Status != 401 || ae.Text != c.text {
			t.Errorf("%q tls=%v: %v, want 401 %q", c.h, c.tls, err, c.text)
		}
	}
}

// A client sending the same Basic header on every call costs one bcrypt; a new password
// (another stored hash) is checked again, and the old one no longer passes.
func TestUserAuthBasicVerifiesEachPasswordOnce(t *testing.T) {
	a := newTestAuth(t, time.Minute)
	compares := 0
	a.compare = func(h, p []byte) error { compares++; return bcrypt.CompareHashAndPassword(h, p) }
	ctx := context.Background()
	basic := func(login, pin string) error {
		_, _, err := a.Authenticate(ctx, AuthRequest{Method: "GET", URI: "/x", Authorization: "Basic " + b64(login+":"+pin), TLS: true})
		return err
	}
	for i := 0; i < 5; i++ {
		if err := basic("alice", "pin201"); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if compares != 1 {
		t.Fatalf("5 calls with the same credentials ran bcrypt %d times, want 1", compares)
	}
	for i := 0; i < 2; i++ {
		if err := basic("alice", "wrong"); err == nil {
			t.Fatal("a wrong pin passed")
		}
	}
	if compares != 3 {
		t.Fatalf("wrong pins ran bcrypt %d times in all, want every time (3)", compares)
	}
	h, err := bcrypt.GenerateFromPassword([]byte("new-pin"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	a.dir.(fakeDir).u.PinHash = string(h)
	// The verified user is answered for verifiedFresh without reading it again; then the
	// changed hash is seen and the old pin fails.
	at := time.Now()
	a.now = func() time.Time { return at }
	if err := basic("alice", "pin201"); err != nil {
		t.Fatalf("the old pin within %s of its last check: %v", verifiedFresh, err)
	}
	at = at.Add(verifiedFresh + time.Millisecond)
	if err := basic("alice", "pin201"); err == nil {
		t.Fatal("the old pin still passed after the password changed")
	}
	if err := basic("alice", "new-pin"); err != nil {
		t.Fatalf("new pin: %v", err)
	}
	// A write of this process (the epoch moves) is seen at once, whatever the clock says.
	var changes Epoch
	a.cfg.Changes = &changes
	if err := basic("alice", "new-pin"); err != nil {
		t.Fatalf("new pin with an epoch: %v", err)
	}
	h2, _ := bcrypt.GenerateFromPassword([]byte("third-pin"), bcrypt.MinCost)
	a.dir.(fakeDir).u.PinHash = string(h2)
	if err := basic("alice", "new-pin"); err != nil {
		t.Fatalf("within the window, before any write of this process: %v", err)
	}
	changes.Bump()
	if err := basic("alice", "new-pin"); err == nil {
		t.Fatal("the replaced pin passed after this process's write")
	}
}

func TestUserAuthDigest(t *testing.T) {
	a := newTestAuth(t, time.Minute)
	ctx := context.Background()
	n := nonceOf(t, a)
	req := func(h string) error {
		_, _, err := a.Authenticate(ctx, AuthRequest{Method: "POST", URI: "/callcontroller/1/2", Authorization: h})
		return err
	}
	if err := req(clientDigest("alice", "pin201", n, "POST", "/callcontroller/1/2", 1)); err != nil {
		t.Fatalf("good Digest: %v", err)
	}
	if err := req(clientDigest("alice", "pin201", n, "POST", "/callcontroller/1/2", 1)); err == nil || err.(*AuthError).Text != "nonce count replayed" {
		t.Fatalf("replayed nc: %v", err)
	}
	if err := req(clientDigest("alice", "pin201", n, "POST", "/callcontroller/1/2", 2)); err != nil {
		t.Fatalf("nc 2: %v", err)
	}
	for name, h := range map[string]string{
		"wrong pin":    clientDigest("alice", "nope", n, "POST", "/callcontroller/1/2", 3),
		"wrong uri":    clientDigest("alice", "pin201", n, "POST", "/callcontroller/1/3", 4),
		"forged nonce": clientDigest("alice", "pin201", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "POST", "/callcontroller/1/2", 1),
		"wrong realm":  strings.Replace(clientDigest("alice", "pin201", n, "POST", "/callcontroller/1/2", 5), `realm="pbxws"`, `realm="x"`, 1),
		"unknown user": clientDigest("bob", "pin201", n, "POST", "/callcontroller/1/2", 6),
		"no qop nc":    strings.Replace(clientDigest("alice", "pin201", n, "POST", "/callcontroller/1/2", 7), "nc=00000007", "nc=zz", 1),
		"sha":          clientDigest("alice", "pin201", n, "POST", "/callcontroller/1/2", 8) + ", algorithm=SHA-256",
	} {
		if err := req(h); err == nil || err.(*AuthError).Status != 401 {
			t.Errorf("%s: %v, want 401", name, err)
		}
	}
	// RFC 2069 (no qop) still works.
	ha1 := md5hex("alice:pbxws:pin201")
	resp := md5hex(ha1 + ":" + n + ":" + md5hex("POST:/callcontroller/1/2"))
	if err := req(fmt.Sprintf(`Digest username="alice", realm="pbxws", nonce="%s", uri="/callcontroller/1/2", response="%s"`, n, resp)); err != nil {
		t.Fatalf("no-qop Digest: %v", err)
	}
}

func TestUserAuthStaleNonce(t *testing.T) {
	a := newTestAuth(t, 10*time.Millisecond)
	n := nonceOf(t, a)
	time.Sleep(30 * time.Millisecond)
	_, _, err := a.Authenticate(context.Background(), AuthRequest{Method: "GET", URI: "/x", Authorization: clientDigest("alice", "pin201", n, "GET", "/x", 1)})
	if ae, ok := err.(*AuthError); !ok || !ae.Stale {
		t.Fatalf("expired nonce: %v, want stale", err)
	}
	if c := a.Challenges(true, true); len(c) != 2 || !strings.Contains(c[0], "stale=true") || !strings.HasPrefix(c[1], "Basic ") {
		t.Fatalf("challenges %q", c)
	}
}

func TestParseDigest(t *testing.T) {
	p, err := ParseDigest(`username="a\"b", realm="r, s", nc=00000001, qop=auth`)
	if err != nil || p["username"] != `a"b` || p["realm"] != "r, s" || p["nc"] != "00000001" || p["qop"] != "auth" {
		t.Fatalf("%v %v", p, err)
	}
	for _, bad := range []string{"", `a="x`, `a=1, a=2`, `=x`, `a b`, `a="x" b="y"`} {
		if _, err := ParseDigest(bad); err == nil {
			t.Errorf("ParseDigest(%q) accepted", bad)
		}
	}
}

func FuzzDigestHeader(f *testing.F) {
	for _, s := range []string{`username="u", realm="pbxws", nonce="n", uri="/x", response="r"`, `a="\"`, `qop=auth, nc=00000001`, `,,,`} {
		f.Add(s)
	}
	a := NewUserAuth(fakeDir{&models.SIPUser{UserName: "alice", PinHA1: "x"}}, UserAuthConfig{Realm: "pbxws"})
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseDigest(s)
		if err == nil && len(p) == 0 {
			t.Fatal("no error and no parameters")
		}
		_, _, err = a.Authenticate(context.Background(), AuthRequest{Method: "GET", URI: "/x", Authorization: "Digest " + s})
		if err == nil {
			t.Fatalf("authenticated with %q", s)
		}
	})
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// An RFC 2069 response (no qop, so no count) uses its nonce up: sent again it is refused, as
// stale so that an honest client simply takes a new nonce.
func TestDigestWithoutQopIsSingleUse(t *testing.T) {
	a := newTestAuth(t, time.Minute)
	n := nonceOf(t, a)
	ha1 := md5hex("alice:pbxws:pin201")
	resp := md5hex(ha1 + ":" + n + ":" + md5hex("POST:/callcontroller/1/2"))
	h := fmt.Sprintf(`Digest username="alice", realm="pbxws", nonce="%s", uri="/callcontroller/1/2", response="%s"`, n, resp)
	r := AuthRequest{Method: "POST", URI: "/callcontroller/1/2", Authorization: h}
	if _, _, err := a.Authenticate(context.Background(), r); err != nil {
		t.Fatalf("first use: %v", err)
	}
	for i := 0; i < 3; i++ {
		_, _, err := a.Authenticate(context.Background(), r)
		if ae, ok := err.(*AuthError); !ok || ae.Status != 401 || !ae.Stale {
			t.Fatalf("replay %d: %v, want 401 stale", i, err)
		}
	}
	// Nor can the used nonce be taken up again with a count.
	if _, _, err := a.Authenticate(context.Background(), AuthRequest{Method: "POST", URI: "/callcontroller/1/2",
		Authorization: clientDigest("alice", "pin201", n, "POST", "/callcontroller/1/2", 1)}); err == nil {
		t.Fatal("a used-up nonce was accepted with qop")
	}
}

// The digest-uri is compared with the request-target exactly as the client sent it.
func TestDigestURIIsTheRawTarget(t *testing.T) {
	a := newTestAuth(t, time.Minute)
	n := nonceOf(t, a)
	uri := "/callcontroller/1/2?subject=Hello%20there"
	r := AuthRequest{Method: "POST", URI: uri, Authorization: clientDigest("alice", "pin201", n, "POST", uri, 1)}
	if _, _, err := a.Authenticate(context.Background(), r); err != nil {
		t.Fatalf("raw target: %v", err)
	}
	r.URI = "/callcontroller/1/2?subject=Hello+there"
	r.Authorization = clientDigest("alice", "pin201", n, "POST", uri, 2)
	if _, _, err := a.Authenticate(context.Background(), r); err == nil {
		t.Fatal("a response signed over another target passed")
	}
}

// Failures are throttled; a throttled attempt costs no bcrypt, and verified credentials are
// never throttled.
func TestUserAuthThrottlesFailures(t *testing.T) {
	th, _ := newTestThrottle(ThrottleConfig{Free: 2, Backoff: time.Hour, BanAfter: 100})
	a := newTestAuth(t, time.Minute)
	a.cfg.Throttle = th
	compares := 0
	a.compare = func(h, p []byte) error { compares++; return bcrypt.CompareHashAndPassword(h, p) }
	ctx := context.Background()
	attacker, friend := netip.MustParseAddr("192.0.2.66"), netip.MustParseAddr("192.0.2.1")
	basic := func(peer netip.Addr, pin string) error {
		_, _, err := a.Authenticate(ctx, AuthRequest{Method: "GET", URI: "/x", Authorization: "Basic " + b64("alice:"+pin), TLS: true, Peer: peer})
		return err
	}
	if err := basic(friend, "pin201"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := basic(attacker, "guess"); err != errPinMismatch {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	before := compares
	var th2 *Throttled
	if err := basic(attacker, "guess3"); !errors.As(err, &th2) || th2.RetryAfter <= 0 {
		t.Fatalf("third guess: %v, want throttled", err)
	}
	if compares != before {
		t.Fatal("a throttled attempt ran bcrypt")
	}
	// The friend's verified credentials still pass at once.
	if err := basic(friend, "pin201"); err != nil {
		t.Fatalf("cached credentials during the attack: %v", err)
	}
}

// A private key authenticates its user alone; wrong keys from one peer are throttled, and
// the holder of the right key elsewhere is not.
func TestUserAuthPrivateKey(t *testing.T) {
	th, _ := newTestThrottle(ThrottleConfig{Free: 2, Backoff: time.Hour, BanAfter: 100})
	a := newTestAuth(t, time.Minute)
	a.cfg.Throttle = th
	ctx := context.Background()
	attacker, holder := netip.MustParseAddr("192.0.2.66"), netip.MustParseAddr("192.0.2.1")
	if u, err := a.AuthenticateKey(ctx, testKey, holder); err != nil || u.UserName != "alice" {
		t.Fatalf("the right key: %v %v", u, err)
	}
	for i, k := range []string{"0123456789abcdefghijklmnopqrstuw", "short"} {
		if _, err := a.AuthenticateKey(ctx, k, attacker); err != errUnknownKey {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	var thr *Throttled
	if _, err := a.AuthenticateKey(ctx, testKey, attacker); !errors.As(err, &thr) {
		t.Fatalf("third try from the guesser: %v, want throttled", err)
	}
	if _, err := a.AuthenticateKey(ctx, testKey, holder); err != nil {
		t.Fatalf("the holder during the attack: %v", err)
	}
}

// Only refusals that tried a secret count against the throttle: an unknown nonce (after a
// restart, say), a wrong uri or a stale nonce cost an honest client nothing.
func TestUserAuthThrottlesOnlyGuesses(t *testing.T) {
	th, _ := newTestThrottle(ThrottleConfig{Free: 1, Backoff: time.Hour, BanAfter: 100})
	a := newTestAuth(t, time.Minute)
	a.cfg.Throttle = th
	peer := netip.MustParseAddr("192.0.2.7")
	n := nonceOf(t, a)
	for _, h := range []string{
		clientDigest("alice", "pin201", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "GET", "/x", 1), // unknown nonce
		clientDigest("alice", "pin201", n, "GET", "/y", 1),                                  // signed for another uri
		`Digest username="alice"`, // incomplete
	} {
		if _, _, err := a.Authenticate(context.Background(), AuthRequest{Method: "GET", URI: "/x", Authorization: h, Peer: peer}); err == nil {
			t.Fatalf("%q passed", h)
		}
	}
	if w := th.Wait(peer, "alice"); w != nil {
		t.Fatalf("throttled after refusals that tried no secret: %v", w)
	}
	if _, _, err := a.Authenticate(context.Background(), AuthRequest{Method: "GET", URI: "/x", Authorization: clientDigest("alice", "nope", n, "GET", "/x", 2), Peer: peer}); err != errPinMismatch {
		t.Fatalf("wrong pin: %v", err)
	}
	if w := th.Wait(peer, "alice"); w == nil {
		t.Fatal("a wrong pin was not counted")
	}
}

// countingDir counts the lookups that reach it.
type countingDir struct {
	fakeDir
	n *int
}

func (d countingDir) LookupUser(ctx context.Context, name string) (*models.SIPUser, error) {
	*d.n++
	return d.fakeDir.LookupUser(ctx, name)
}

// RecentUsers answers the same name from memory for verifiedFresh, or until this instance
// writes; unknown names always reach the directory.
func TestRecentUsersRemembersBriefly(t *testing.T) {
	n := 0
	var changes Epoch
	r := NewRecentUsers(countingDir{fakeDir{&models.SIPUser{ID: 7, UserName: "alice"}}, &n}, &changes)
	at := time.Now()
	r.now = func() time.Time { return at }
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if u, err := r.LookupUser(ctx, "alice"); err != nil || u.ID != 7 {
			t.Fatalf("lookup %d: %v %v", i, u, err)
		}
	}
	if n != 1 {
		t.Fatalf("3 lookups reached the directory %d times, want 1", n)
	}
	changes.Bump()
	if _, err := r.LookupUser(ctx, "alice"); err != nil || n != 2 {
		t.Fatalf("after a write: %d lookups, %v", n, err)
	}
	at = at.Add(verifiedFresh)
	if _, err := r.LookupUser(ctx, "alice"); err != nil || n != 3 {
		t.Fatalf("after %s: %d lookups, %v", verifiedFresh, n, err)
	}
	for i := 0; i < 2; i++ {
		if _, err := r.LookupUser(ctx, "nobody"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown: %v", err)
		}
	}
	if n != 5 {
		t.Fatalf("unknown names reached the directory %d times in all, want 5", n)
	}
}
