package xivo_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
	"golang.org/x/crypto/bcrypt"

	"pbxws/tests/testenv"
	"pbxws/web"
)

// account inserts a web-service account directly, as `pbxws account add` would store it.
func account(t *testing.T, env *testenv.Env, name, login, password string, hosts, sections []string, disabled bool) {
	t.Helper()
	var hash *string
	var lg *string
	if login != "" {
		h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		s := string(h)
		hash, lg = &s, &login
	}
	if _, err := env.DB.Exec(`INSERT INTO ws_accounts (name, login, password_hash, hosts, sections, disabled)
		VALUES ($1, $2, $3, $4, $5, $6)`, name, lg, hash, pq.StringArray(append([]string{}, hosts...)), pq.StringArray(append([]string{}, sections...)), disabled); err != nil {
		t.Fatalf("account %s: %v", name, err)
	}
}

// fromAddr is an HTTP client whose connections leave from the given local address.
func fromAddr(local string) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	return &http.Client{
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		}, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type probe struct {
	name       string
	client     *http.Client
	base       string
	path       string
	user, pass string
	header     map[string]string
	want       int
}

func (p probe) run(t *testing.T) {
	t.Helper()
	req, err := http.NewRequest("GET", p.base+p.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.user != "" {
		req.SetBasicAuth(p.user, p.pass)
	}
	for k, v := range p.header {
		req.Header.Set(k, v)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != p.want {
		t.Errorf("%s: %d %s, want %d", p.name, resp.StatusCode, body, p.want)
		return
	}
	if resp.Header.Get("X-XIVO-WS-VERSION") != "1.0" {
		t.Errorf("%s: no X-XIVO-WS-VERSION header", p.name)
	}
	if p.want == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") != `Basic realm="Access Restricted"` {
		t.Errorf("%s: 401 without the Basic challenge: %q", p.name, resp.Header.Get("WWW-Authenticate"))
	}
}

const (
	checkPath = "/xivo/configuration/json.php/restricted/check/"
	usersR    = "/service/ipbx/json.php/restricted/pbx_settings/users/?act=list"
	linesR    = "/service/ipbx/json.php/restricted/pbx_settings/lines/?act=list"
	usersP    = "/service/ipbx/json.php/private/pbx_settings/users/?act=list"
)

func TestAccessMatrixIPv4(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx/pbx_settings/users", "xivo/configuration/check"}, false)
	account(t, env, "robot", "", "", []string{"127.0.0.2"}, []string{"xivo/configuration"}, false)
	account(t, env, "bob", "bob", "bobpass", []string{"127.0.0.3/32"}, []string{"service/ipbx"}, false)
	account(t, env, "carol", "carol", "carolpass", []string{"127.0.4.0/30"}, []string{"xivo/configuration/check"}, false)
	account(t, env, "eve", "eve", "evepass", nil, []string{"service/ipbx", "xivo/configuration"}, true)
	account(t, env, "mask", "", "", []string{"127.0.5.0/255.255.255.0"}, []string{"xivo/configuration/check"}, false)

	from := func(a string) *http.Client { return fromAddr(a) }
	base := env.HTTPURL
	for _, p := range []probe{
		{name: "login+password", client: from("127.0.0.1"), base: base, path: usersR, user: "admin", pass: "secret", want: http.StatusNoContent},
		{name: "check with login+password", client: from("127.0.0.1"), base: base, path: checkPath, user: "admin", pass: "secret", want: http.StatusOK},
		{name: "wrong password", client: from("127.0.0.1"), base: base, path: usersR, user: "admin", pass: "wrong", want: http.StatusUnauthorized},
		{name: "unknown login", client: from("127.0.0.1"), base: base, path: usersR, user: "nobody", pass: "secret", want: http.StatusUnauthorized},
		{name: "no credentials", client: from("127.0.0.1"), base: base, path: usersR, want: http.StatusUnauthorized},
		{name: "section not granted", client: from("127.0.0.1"), base: base, path: linesR, user: "admin", pass: "secret", want: http.StatusForbidden},
		{name: "host-only from its host", client: from("127.0.0.2"), base: base, path: checkPath, want: http.StatusOK},
		{name: "host-only not granted", client: from("127.0.0.2"), base: base, path: usersR, want: http.StatusForbidden},
		{name: "host-only from another host", client: from("127.0.0.9"), base: base, path: checkPath, want: http.StatusUnauthorized},
		{name: "login+host from its host, ancestor grant", client: from("127.0.0.3"), base: base, path: linesR, user: "bob", pass: "bobpass", want: http.StatusNoContent},
		{name: "right credentials from wrong host", client: from("127.0.0.1"), base: base, path: linesR, user: "bob", pass: "bobpass", want: http.StatusUnauthorized},
		{name: "cidr network address included", client: from("127.0.4.0"), base: base, path: checkPath, user: "carol", pass: "carolpass", want: http.StatusOK},
		{name: "cidr broadcast included", client: from("127.0.4.3"), base: base, path: checkPath, user: "carol", pass: "carolpass", want: http.StatusOK},
		{name: "outside cidr", client: from("127.0.4.4"), base: base, path: checkPath, user: "carol", pass: "carolpass", want: http.StatusUnauthorized},
		{name: "dotted netmask", client: from("127.0.5.77"), base: base, path: checkPath, want: http.StatusOK},
		{name: "disabled account", client: from("127.0.0.1"), base: base, path: checkPath, user: "eve", pass: "evepass", want: http.StatusUnauthorized},
		{name: "private from loopback", client: from("127.0.0.1"), base: base, path: usersP, want: http.StatusNoContent},
		{name: "private from 127.0.0.9", client: from("127.0.0.9"), base: base, path: usersP, want: http.StatusNoContent},
		{name: "X-Forwarded-For ignored without a trusted proxy", client: from("127.0.0.9"), base: base, path: checkPath,
			header: map[string]string{"X-Forwarded-For": "127.0.0.2"}, want: http.StatusUnauthorized},
	} {
		p.run(t)
	}

	// Disabling an account through the database takes effect on the next request (the
	// verified-credential cache is invalidated by the change).
	probe{name: "cached before disable", client: from("127.0.0.1"), base: base, path: checkPath, user: "admin", pass: "secret", want: http.StatusOK}.run(t)
	if _, err := env.DB.Exec(`UPDATE ws_accounts SET disabled = true WHERE name = 'admin'`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		req, _ := http.NewRequest("GET", base+checkPath, nil)
		req.SetBasicAuth("admin", "secret")
		resp, err := from("127.0.0.1").Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusUnauthorized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("disabled account still answered %d after 3 s", resp.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAccessIPv6AndTrustedProxy(t *testing.T) {
	env := testenv.Start(t, func(c *web.Config) {
		c.HTTPAddr = "[::1]:0"
		c.TrustedProxies = []string{"::1/128"}
	})
	account(t, env, "dave", "dave", "davepass", []string{"::1/128"}, []string{"xivo/configuration/check"}, false)
	account(t, env, "net6", "", "", []string{"fd00:1::/64"}, []string{"xivo/configuration/check"}, false)
	account(t, env, "v4", "", "", []string{"198.51.100.7"}, []string{"xivo/configuration/check"}, false)
	if !strings.Contains(env.HTTPURL, "[::1]") {
		t.Fatalf("server not on IPv6: %s", env.HTTPURL)
	}
	c := fromAddr("::1")
	for _, p := range []probe{
		{name: "IPv6 /128", client: c, base: env.HTTPURL, path: checkPath, user: "dave", pass: "davepass", want: http.StatusOK},
		{name: "private from ::1", client: c, base: env.HTTPURL, path: usersP, want: http.StatusNoContent},
		{name: "IPv6 CIDR through trusted proxy", client: c, base: env.HTTPURL, path: checkPath,
			header: map[string]string{"X-Forwarded-For": "fd00:1::42"}, want: http.StatusOK},
		{name: "outside IPv6 CIDR", client: c, base: env.HTTPURL, path: checkPath,
			header: map[string]string{"X-Forwarded-For": "fd00:2::42"}, want: http.StatusUnauthorized},
		{name: "IPv4 host through trusted proxy", client: c, base: env.HTTPURL, path: checkPath,
			header: map[string]string{"X-Forwarded-For": "198.51.100.7"}, want: http.StatusOK},
		{name: "private refused for a non-loopback peer", client: c, base: env.HTTPURL, path: usersP,
			header: map[string]string{"X-Forwarded-For": "198.51.100.7"}, want: http.StatusForbidden},
	} {
		p.run(t)
	}
}
