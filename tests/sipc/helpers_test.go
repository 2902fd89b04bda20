// Package sipc_test drives pbxws's click-to-call end to end: the real server on loopback, its
// real PostgreSQL, and real SIP peers (sipp, baresip, kamailio) on free loopback ports.
package sipc_test

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
	"pbxws/web"
)

const domain = "example.test"

// party is a user with one SIP line, as the fixtures create them.
type party struct {
	name, pin, secret string
}

var (
	u201 = party{"201", "pin201", "secret201"}
	u202 = party{"202", "pin202", "secret202"}
	u203 = party{"203", "pin203", "secret203"}
)

// start runs pbxws with SIP on a free loopback port and creates users 201–203.
func start(t *testing.T, mutate ...func(*web.Config)) *testenv.Env {
	t.Helper()
	env := testenv.Start(t, append([]func(*web.Config){func(c *web.Config) {
		c.SIPAddr = "127.0.0.1:0"
		c.SIPDomain = domain
		c.SIPTCP = false
	}}, mutate...)...)
	postJSON(t, env, "/service/ipbx/json.php/private/system_management/context/", "act=add", map[string]any{
		"context":        map[string]any{"name": "default", "displayname": "Default", "entity": "default", "contexttype": "internal"},
		"contextinclude": []string{},
		"contextnumbers": map[string]any{"user": []any{map[string]any{"numberbeg": 200, "numberend": 299}}},
	})
	for _, p := range []party{u201, u202, u203} {
		postJSON(t, env, "/service/ipbx/json.php/private/pbx_settings/users/", "act=add", map[string]any{
			"userfeatures": map[string]any{"firstname": "User", "lastname": p.name, "enableclient": true,
				"loginclient": p.name, "passwdclient": p.pin},
			"linefeatures": []any{map[string]any{"protocol": "sip", "context": "default", "number": p.name,
				"name": p.name, "secret": p.secret}},
		})
	}
	return env
}

func postJSON(t *testing.T, env *testenv.Env, path, query string, body any) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(env.HTTPURL+path+"?"+query, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("POST %s?%s: %d %s", path, query, resp.StatusCode, raw)
	}
}

// httpc is an HTTP client for the click-to-call URLs; local, when set, binds the client's
// side of the connection (127.0.0.2 is loopback but not a trusted host).
func httpc(env *testenv.Env, local string) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext:     d.DialContext,
		TLSClientConfig: &tls.Config{RootCAs: env.CAPool},
	}}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, hc *http.Client, method, url string, hdr ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(raw)}
}

// statusLines is the REFER-mode GET document.
type statusLines struct {
	XMLName xml.Name `xml:"http://www.sipfoundry.org/sipX/schema/xml/call-status-00-00 status-lines"`
	Status  []struct {
		Timestamp  int64  `xml:"timestamp"`
		CallID     string `xml:"call-id"`
		Method     string `xml:"method"`
		StatusLine string `xml:"status-line"`
	} `xml:"status"`
}

func (s statusLines) lines() []string {
	out := make([]string, len(s.Status))
	for i, x := range s.Status {
		out[i] = x.Method + " " + x.StatusLine
	}
	return out
}

// dialogs is the INVITE-mode GET document.
type dialogs struct {
	XMLName xml.Name `xml:"http://www.sipfoundry.org/sipX/schema/xml/call-status-00-00 dialogs"`
	Dialog  []struct {
		ID     string `xml:"dialog-id"`
		Local  string `xml:"local-party"`
		Remote string `xml:"remote-party"`
		State  string `xml:"dialog-state"`
	} `xml:"dialog"`
}

// processingStatus is the XML error document.
type processingStatus struct {
	XMLName xml.Name `xml:"http://www.sipfoundry.org/sipX/schema/xml/call-status-00-00 processing-status"`
	Flag    string   `xml:"error-flag"`
	Code    int      `xml:"error-code"`
	Text    string   `xml:"error-text"`
}

func getStatus(t *testing.T, env *testenv.Env, path string) statusLines {
	t.Helper()
	a := do(t, httpc(env, ""), "GET", env.HTTPURL+path)
	if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), "text/xml") {
		t.Fatalf("GET %s: %d %s %s", path, a.status, a.header.Get("Content-Type"), a.body)
	}
	var s statusLines
	if err := xml.Unmarshal([]byte(a.body), &s); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, a.body)
	}
	return s
}

// waitStatus polls the GET until want(lines) holds (bounded).
func waitStatus(t *testing.T, env *testenv.Env, path string, timeout time.Duration, want func([]string) bool) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last []string
	for time.Now().Before(deadline) {
		last = getStatus(t, env, path).lines()
		if want(last) {
			return last
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("GET %s never satisfied the test; last document: %q", path, last)
	return nil
}

// hasInOrder reports whether want appear in lines in this order (others may come between).
func hasInOrder(lines []string, want ...string) bool {
	i := 0
	for _, l := range lines {
		if i < len(want) && l == want[i] {
			i++
		}
	}
	return i == len(want)
}

// codes reduces "INVITE SIP/2.0 180 Ringing" to "INVITE 180" (reason phrases of real phones vary).
func codes(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) >= 3 {
			out[i] = f[0] + " " + f[2]
		} else {
			out[i] = l
		}
	}
	return out
}

func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Fatalf("%s lacks %q:\n%s", what, sub, s)
		}
	}
}

func ccURL(env *testenv.Env, caller, callee, query string) string {
	u := fmt.Sprintf("%s/callcontroller/%s/%s", env.HTTPURL, caller, callee)
	if query != "" {
		u += "?" + query
	}
	return u
}

func encodeBase64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
