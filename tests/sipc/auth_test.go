package sipc_test

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"pbxws/web"
)

// untrusted is 127.0.0.2: loopback, but not in the trusted hosts (127.0.0.1 and ::1).
const untrusted = "127.0.0.2"

func md5h(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// challenge fetches a Digest challenge and returns its nonce.
func challenge(t *testing.T, hc *http.Client, method, u string) (nonce string, hdr []string) {
	t.Helper()
	a := do(t, hc, method, u)
	if a.status != 401 {
		t.Fatalf("%s %s without credentials: %d %s", method, u, a.status, a.body)
	}
	for _, h := range a.header.Values("WWW-Authenticate") {
		if strings.HasPrefix(h, "Digest ") {
			i := strings.Index(h, `nonce="`)
			rest := h[i+7:]
			nonce = rest[:strings.IndexByte(rest, '"')]
		}
	}
	if nonce == "" {
		t.Fatalf("no Digest challenge in %q", a.header.Values("WWW-Authenticate"))
	}
	return nonce, a.header.Values("WWW-Authenticate")
}

// digestHeader computes an RFC 2617 qop=auth Authorization value, independently of pbxws.
func digestHeader(user, pin, realm, method, uri, nonce string, nc int) string {
	ha1 := md5h(user + ":" + realm + ":" + pin)
	ha2 := md5h(method + ":" + uri)
	ncs := fmt.Sprintf("%08x", nc)
	cnonce := "0a4f113b"
	resp := md5h(ha1 + ":" + nonce + ":" + ncs + ":" + cnonce + ":auth:" + ha2)
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", qop=auth, nc=%s, cnonce="%s", response="%s", algorithm=MD5`,
		user, realm, nonce, uri, ncs, cnonce, resp)
}

func TestCallControllerAuthMatrix(t *testing.T) {
	phone := startSipp(t, "uas-bench.xml", 3)
	env := start(t, func(c *web.Config) {
		c.SIPOutboundProxy = phone.addr()
		// The matrix sends one refused credential after another from one address: the
		// throttle (tested on its own) would answer 429 before the refusal under test.
		c.AuthFreeFailures, c.AuthBanAfter = 1000, 1000
	})
	hc := httpc(env, untrusted)
	path := "/callcontroller/201/202"
	plainURL := env.HTTPURL + path
	tlsURL := env.HTTPSURL + path
	const realm = "pbxws"

	// Untrusted, no credentials: 401 with a Digest challenge; over TLS, Basic is offered too.
	_, hdrs := challenge(t, hc, "GET", plainURL)
	if len(hdrs) != 1 {
		t.Fatalf("plain HTTP challenges %q: want Digest only", hdrs)
	}
	if _, hdrs = challenge(t, hc, "GET", tlsURL); len(hdrs) != 2 || !strings.HasPrefix(hdrs[1], "Basic ") {
		t.Fatalf("TLS challenges %q: want Digest and Basic", hdrs)
	}

	// Basic over plain HTTP is refused with a challenge.
	if a := do(t, hc, "GET", plainURL, "Authorization", basic("201", u201.pin)); a.status != 401 {
		t.Fatalf("Basic over plain HTTP: %d %s", a.status, a.body)
	}
	// Basic over TLS: good PIN, wrong PIN, another user's credentials, unknown agent.
	if a := do(t, hc, "GET", tlsURL, "Authorization", basic("201", u201.pin)); a.status != 200 {
		t.Fatalf("Basic over TLS: %d %s", a.status, a.body)
	}
	if a := do(t, hc, "GET", tlsURL, "Authorization", basic("201", "wrong")); a.status != 401 || a.body != "pin mismatch" {
		t.Fatalf("Basic wrong PIN: %d %q", a.status, a.body)
	}
	if a := do(t, hc, "GET", tlsURL, "Authorization", basic("202", u202.pin)); a.status != 403 || a.body != "Agent does not match principal" {
		t.Fatalf("Basic as 202 for agent 201: %d %q", a.status, a.body)
	}
	if a := do(t, hc, "GET", env.HTTPSURL+"/callcontroller/nobody/202", "Authorization", basic("nobody", "x")); a.status != 401 || a.body != "User Not found nobody" {
		t.Fatalf("Basic unknown agent: %d %q", a.status, a.body)
	}
	if a := do(t, hc, "GET", env.HTTPURL+"/callcontroller/nobody/202"); a.status != 403 || a.body != "User Not found nobody" {
		t.Fatalf("unknown agent: %d %q", a.status, a.body)
	}

	// Digest: good PIN (and a POST that really starts a call), wrong PIN, replayed nc, nc+1,
	// uri of another request, forged nonce.
	nonce, _ := challenge(t, hc, "POST", plainURL)
	a := do(t, hc, "POST", plainURL, "Authorization", digestHeader("201", u201.pin, realm, "POST", path, nonce, 1))
	if a.status != 200 || a.body != "" {
		t.Fatalf("Digest POST: %d %q", a.status, a.body)
	}
	if a := do(t, hc, "POST", plainURL, "Authorization", digestHeader("201", u201.pin, realm, "POST", path, nonce, 1)); a.status != 401 {
		t.Fatalf("replayed nc: %d %q", a.status, a.body)
	}
	if a := do(t, hc, "GET", plainURL, "Authorization", digestHeader("201", u201.pin, realm, "GET", path, nonce, 2)); a.status != 200 {
		t.Fatalf("nc 2: %d %q", a.status, a.body)
	}
	if a := do(t, hc, "GET", plainURL, "Authorization", digestHeader("201", "0000", realm, "GET", path, nonce, 3)); a.status != 401 || a.body != "pin mismatch" {
		t.Fatalf("Digest wrong PIN: %d %q", a.status, a.body)
	}
	if a := do(t, hc, "GET", plainURL, "Authorization", digestHeader("201", u201.pin, realm, "GET", "/callcontroller/201/203", nonce, 4)); a.status != 401 {
		t.Fatalf("Digest for another uri: %d %q", a.status, a.body)
	}
	if a := do(t, hc, "GET", plainURL, "Authorization", digestHeader("201", u201.pin, realm, "GET", path, "Zm9yZ2Vk", 1)); a.status != 401 {
		t.Fatalf("forged nonce: %d %q", a.status, a.body)
	}
	if a := do(t, hc, "GET", plainURL, "Authorization", digestHeader("202", u202.pin, realm, "GET", path, nonce, 5)); a.status != 403 || a.body != "Agent does not match principal" {
		t.Fatalf("Digest as 202 for agent 201: %d %q", a.status, a.body)
	}
	// The agent parameter names the user the request is made for.
	agentPath := "/callcontroller/201/202?agent=203"
	nonce, _ = challenge(t, hc, "GET", env.HTTPURL+agentPath)
	if a := do(t, hc, "GET", env.HTTPURL+agentPath, "Authorization", digestHeader("203", u203.pin, realm, "GET", agentPath, nonce, 1)); a.status != 200 {
		t.Fatalf("Digest as agent 203: %d %q", a.status, a.body)
	}

	// Trusted host (127.0.0.1): no credentials needed.
	if a := do(t, httpc(env, ""), "GET", plainURL); a.status != 200 {
		t.Fatalf("trusted host: %d %s", a.status, a.body)
	}
	phone.wait(100 * time.Millisecond)
}

// A nonce past its lifetime is answered with stale=true, and a fresh one works.
func TestCallControllerStaleNonce(t *testing.T) {
	env := start(t, func(c *web.Config) { c.NonceLifetime = time.Second })
	hc := httpc(env, untrusted)
	path := "/callcontroller/201/202"
	nonce, _ := challenge(t, hc, "GET", env.HTTPURL+path)
	time.Sleep(1100 * time.Millisecond) // the test server's nonces live 1 s
	a := do(t, hc, "GET", env.HTTPURL+path, "Authorization", digestHeader("201", u201.pin, "pbxws", "GET", path, nonce, 1))
	if a.status != 401 || !strings.Contains(strings.Join(a.header.Values("WWW-Authenticate"), " "), "stale=true") {
		t.Fatalf("expired nonce: %d %q %q", a.status, a.body, a.header.Values("WWW-Authenticate"))
	}
}

func basic(user, pass string) string {
	return "Basic " + encodeBase64(user+":"+pass)
}

// Every error of spec §6, from a trusted host.
func TestCallControllerErrors(t *testing.T) {
	env := start(t)
	hc := httpc(env, "")
	cases := []struct {
		method, path string
		status, code int
		text         string
	}{
		{"POST", "/callcontroller/201/202?timeout=-5", 400, 400, "Bad parameter timeout = -5"},
		{"POST", "/callcontroller/201/202?timeout=abc", 400, 400, "Bad parameter timeout = abc"},
		{"POST", "/callcontroller/201/202?resultCacheTime=-1", 400, 400, "Bad parameter resultCacheTime = -1"},
		{"POST", "/callcontroller/201/202?timeout=3601", 400, 400, "Bad parameter timeout = 3601"},
		{"POST", "/callcontroller/201/202?sipMethod=FOO", 406, 406, "Call Setup Method FOO not supported"},
		{"POST", "/callcontroller/201/202?action=transfer", 400, 400, "Need a transfer target parameter"},
		{"POST", "/callcontroller/201/202?action=transfer&target=203", 406, 403, "Call not found."},
		{"POST", "/callcontroller/201/202?action=dance", 400, 400, "Unknown action dance"},
		{"POST", "/callcontroller/201", 400, 400, "Missing a required parameter - need both callingParty and calledParty URL Parameters"},
		{"POST", "/callcontroller", 400, 400, "Missing a required parameter - need both callingParty and calledParty URL Parameters"},
	}
	for _, c := range cases {
		a := do(t, hc, c.method, env.HTTPURL+c.path)
		var ps processingStatus
		if a.status != c.status || a.header.Get("Content-Type") != "text/xml" || xml.Unmarshal([]byte(a.body), &ps) != nil ||
			ps.Flag != "ERROR" || ps.Code != c.code || ps.Text != c.text {
			t.Errorf("%s %s: %d %s %s; want %d/%d %q", c.method, c.path, a.status, a.header.Get("Content-Type"), a.body, c.status, c.code, c.text)
		}
	}
	for _, m := range []string{"PUT", "DELETE", "PATCH"} {
		if a := do(t, hc, m, env.HTTPURL+"/callcontroller/201/202"); a.status != 405 || a.body != "" {
			t.Errorf("%s: %d %q", m, a.status, a.body)
		}
	}
	// A user without SIP credentials cannot place calls.
	postJSON(t, env, "/service/ipbx/json.php/private/pbx_settings/users/", "act=add", map[string]any{
		"userfeatures": map[string]any{"firstname": "No", "lastname": "Line", "loginclient": "noline", "passwdclient": "pin0", "enableclient": true},
	})
	a := do(t, hc, "POST", env.HTTPURL+"/callcontroller/noline/202")
	var ps processingStatus
	if a.status != 403 || xml.Unmarshal([]byte(a.body), &ps) != nil || ps.Text != "could not find credentials for noline" {
		t.Errorf("user without SIP credentials: %d %s", a.status, a.body)
	}
	// GET without a record: the empty document of the asked format.
	if s := getStatus(t, env, "/callcontroller/201/209"); len(s.Status) != 0 {
		t.Errorf("empty GET: %+v", s)
	}
	if d := getDialogs(t, env, "/callcontroller/201/209?sipMethod=INVITE"); len(d.Dialog) != 0 {
		t.Errorf("empty INVITE-mode GET: %+v", d)
	}
	// No call records were written by the refusals.
	var n int
	if err := env.DB.Get(&n, `SELECT count(*) FROM call_records`); err != nil || n != 0 {
		t.Errorf("call_records after refusals: %d %v", n, err)
	}
}

// Header injection: CR/LF, '>' or ';' in a party, a control character in the subject, letters in
// a confpin: refused with 400 before any SIP message goes out (the phone sees nothing).
func TestCallControllerRefusesHeaderInjection(t *testing.T) {
	phone := startSipp(t, "uas-refer.xml", 1)
	env := start(t, func(c *web.Config) { c.SIPOutboundProxy = phone.addr() })
	hc := httpc(env, "")
	bad := []string{
		"/callcontroller/201/" + url.PathEscape("202\r\nX-Evil: 1"),
		"/callcontroller/201/" + url.PathEscape("202>;lr"),
		"/callcontroller/201/" + url.PathEscape("202;maddr=evil.example"),
		"/callcontroller/201/" + url.PathEscape("202@evil.example>"),
		"/callcontroller/201/" + url.PathEscape("<sip:202@x>"),
		"/callcontroller/201/" + url.PathEscape("202 203"),
		"/callcontroller/201/202?subject=" + url.QueryEscape("hi\r\nX-Evil: 1"),
		"/callcontroller/201/202?confpin=12a",
		"/callcontroller/201/202?confpin=" + url.QueryEscape("1>"),
	}
	for _, p := range bad {
		a := do(t, hc, "POST", env.HTTPURL+p)
		var ps processingStatus
		if a.status != 400 || xml.Unmarshal([]byte(a.body), &ps) != nil || !strings.HasPrefix(ps.Text, "Bad parameter") {
			t.Errorf("POST %s: %d %s", p, a.status, a.body)
		}
	}
	if code := phone.wait(time.Second); code != -1 {
		t.Fatalf("the phone received something (sipp exit %d):\n%s", code, phone.file("msg"))
	}
	if strings.Contains(phone.file("msg"), "INVITE") {
		t.Fatalf("an INVITE went out:\n%s", phone.file("msg"))
	}
}

// PUT /sipxconfig/rest/my/call/{to}: the authenticated user's phone rings and is REFERred to {to}.
func TestMyCallBasicAndDigest(t *testing.T) {
	phone := startSipp(t, "uas-refer.xml", 2)
	env := start(t, func(c *web.Config) { c.SIPOutboundProxy = phone.addr() })
	hc := httpc(env, untrusted)
	// Basic (sipX accepts it on either listener).
	a := do(t, hc, "PUT", env.HTTPURL+"/sipxconfig/rest/my/call/(202)", "Authorization", basic("201", u201.pin))
	if a.status != 200 || a.body != "" {
		t.Fatalf("PUT my/call Basic: %d %q", a.status, a.body)
	}
	waitStatus(t, env, "/callcontroller/201/202", 10*time.Second, func(l []string) bool {
		return hasInOrder(l, "NOTIFY SIP/2.0 180 Ringing")
	})
	// Digest, through the /call alias with GET.
	p := "/sipxconfig/rest/call/202"
	nonce, hdrs := challenge(t, hc, "GET", env.HTTPURL+p)
	if len(hdrs) != 2 {
		t.Fatalf("my/call challenges %q: want Digest and Basic", hdrs)
	}
	a = do(t, hc, "GET", env.HTTPURL+p, "Authorization", digestHeader("201", u201.pin, "pbxws", "GET", p, nonce, 1))
	if a.status != 200 {
		t.Fatalf("GET call Digest: %d %q", a.status, a.body)
	}
	phone.mustPass(20 * time.Second)
	mustContain(t, "phone log", phone.log(), "refer-to= <sip:202@example.test>")
	// Wrong PIN, bad destination, wrong method.
	if a := do(t, hc, "PUT", env.HTTPURL+"/sipxconfig/rest/my/call/202", "Authorization", basic("201", "nope")); a.status != 401 {
		t.Fatalf("wrong PIN: %d %q", a.status, a.body)
	}
	if a := do(t, hc, "PUT", env.HTTPURL+"/sipxconfig/rest/my/call/"+url.PathEscape("20;2"), "Authorization", basic("201", u201.pin)); a.status != 400 || !strings.Contains(a.body, `"error"`) {
		t.Fatalf("bad destination: %d %q", a.status, a.body)
	}
	if a := do(t, hc, "POST", env.HTTPURL+"/sipxconfig/rest/my/call/202", "Authorization", basic("201", u201.pin)); a.status != 405 {
		t.Fatalf("POST my/call: %d %q", a.status, a.body)
	}
}
