package ops

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
	"pbxws/web"
)

// scrape reads /metrics into "name{labels}" → value.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("/metrics: %d %s", res.StatusCode, b)
	}
	out := map[string]float64{}
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		v, err := strconv.ParseFloat(l[i+1:], 64)
		if err == nil {
			out[l[:i]] = v
		}
	}
	return out
}

// Issue 14.11: Prometheus /metrics on its own listener, off by default: requests by façade,
// section, act and status with latency, admission queues, the database pool, credential
// cache hits, failed logins, calls by outcome and setups, registrations, dialogs alive.
func TestMetricsCountWhatHappened(t *testing.T) {
	off := testenv.Start(t)
	if off.Server.MetricsAddr() != "" {
		t.Fatalf("metrics on by default at %s", off.Server.MetricsAddr())
	}
	if st, _ := get(t, off.HTTPURL+"/metrics", "", ""); st != 404 {
		t.Fatalf("/metrics on the main listener: %d", st)
	}

	env := testenv.Start(t, func(c *web.Config) {
		c.MetricsAddr = "127.0.0.1:0"
		c.SIPDomain = "example.test"
		c.SIPTCP = false
	})
	murl := "http://" + env.Server.MetricsAddr() + "/metrics"
	pbxws(t, t.TempDir(), nil, "pass-one-1\n", "account", "add", "-database-url", env.DSN, "--name", "admin", "--login", "admin",
		"--password-stdin", "--section", "xivo/configuration").must(t, 0)
	post := func(path string, body any) {
		t.Helper()
		b, _ := json.Marshal(body)
		res, err := http.Post(env.HTTPURL+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("POST %s: %d", path, res.StatusCode)
		}
	}
	post("/service/ipbx/json.php/private/system_management/context/?act=add", map[string]any{
		"context":        map[string]any{"name": "default", "displayname": "Default", "entity": "default", "contexttype": "internal"},
		"contextinclude": []string{},
		"contextnumbers": map[string]any{"user": []any{map[string]any{"numberbeg": 200, "numberend": 299}}},
	})
	for _, n := range []string{"201", "202"} {
		post("/service/ipbx/json.php/private/pbx_settings/users/?act=add", map[string]any{
			"userfeatures": map[string]any{"firstname": "User", "lastname": n},
			"linefeatures": []any{map[string]any{"protocol": "sip", "context": "default", "number": n, "name": n, "secret": "secret" + n}},
		})
	}

	before := scrape(t, murl)
	check := "/xivo/configuration/json.php/restricted/check/"
	for i := 0; i < 3; i++ {
		if st, _ := get(t, env.HTTPURL+check, "admin", "pass-one-1"); st != 200 {
			t.Fatalf("check: %d", st)
		}
	}
	if st, _ := get(t, env.HTTPURL+check, "admin", "wrong-pass"); st != 401 {
		t.Fatalf("wrong password: %d", st)
	}
	if st, _ := get(t, env.HTTPURL+"/service/ipbx/json.php/private/pbx_settings/users/?act=list", "", ""); st != 200 {
		t.Fatalf("users list: %d", st)
	}
	// A REGISTER without credentials is challenged.
	register(t, env.Server.SIPAddr(), "201")
	// A call to a phone (sipp) registered for line 201, answered.
	phone := startPhone(t, "tests/sipc/testdata/uas-refer.xml")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := env.DB.ExecContext(ctx, `INSERT INTO registrations (ruid, username, domain, contact, expires, last_modified)
		VALUES ('metrics-201', '201', 'example.test', $1, localtimestamp + interval '1 hour', localtimestamp)`, "sip:201@"+phone.addr); err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(env.HTTPURL+"/callcontroller/201/202", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("call: %d", res.StatusCode)
	}
	phone.mustPass(t, 20*time.Second)

	var after map[string]float64
	delta := func(k string) float64 { return after[k] - before[k] }
	want := map[string]float64{
		`pbxws_http_requests_total{act="",facade="json.php",section="xivo/configuration/check",status="200"}`:                 3,
		`pbxws_http_request_duration_seconds_count{act="",facade="json.php",section="xivo/configuration/check",status="200"}`: 3,
		`pbxws_http_requests_total{act="",facade="json.php",section="xivo/configuration/check",status="401"}`:                 1,
		`pbxws_http_requests_total{act="list",facade="json.php",section="service/ipbx/pbx_settings/users",status="200"}`:      1,
		`pbxws_http_requests_total{act="",facade="callcontroller",section="",status="200"}`:                                   1,
		`pbxws_credential_cache_total{cache="accounts",result="hit"}`:                                                         2,
		`pbxws_credential_cache_total{cache="accounts",result="miss"}`:                                                        2,
		`pbxws_auth_failures_total{service="json.php"}`:                                                                       1,
		`pbxws_sip_call_setups_total{method="REFER"}`:                                                                         1,
		`pbxws_sip_calls_total{method="REFER",outcome="answered"}`:                                                            1,
		`pbxws_sip_registrations_total{result="challenged"}`:                                                                  1,
	}
	testenv.Eventually(t, 10*time.Second, "the metrics to count every request and the call", func() bool {
		after = scrape(t, murl)
		for k, v := range want {
			if delta(k) != v {
				return false
			}
		}
		return true
	})
	for _, k := range []string{`pbxws_admission_waiting{line="read"}`, `pbxws_admission_waiting{line="write"}`,
		`go_sql_max_open_connections{db_name="pbxws"}`, `pbxws_sip_dialogs_alive`, `pbxws_sip_registrations_active`, `go_goroutines`} {
		if _, ok := after[k]; !ok {
			t.Errorf("no %s in /metrics", k)
		}
	}
	if v := after[`pbxws_sip_registrations_active`]; v != 1 {
		t.Errorf("active registrations %v, want the phone's 1", v)
	}
	if v := after[`go_sql_max_open_connections{db_name="pbxws"}`]; v < 1 {
		t.Errorf("database pool size %v", v)
	}
	for k := range after {
		if regexp.MustCompile(`pass-one|wrong-pass`).MatchString(k) {
			t.Errorf("a password in a label: %s", k)
		}
	}
}

// register sends one REGISTER without credentials and waits for the answer.
func register(t *testing.T, sipAddr, user string) {
	t.Helper()
	c, err := net.Dial("udp", sipAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	local := c.LocalAddr().String()
	msg := fmt.Sprintf("REGISTER sip:example.test SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKreg%d;rport\r\n"+
		"From: <sip:%s@example.test>;tag=r1\r\nTo: <sip:%s@example.test>\r\nCall-ID: reg-%d@test\r\nCSeq: 1 REGISTER\r\n"+
		"Contact: <sip:%s@%s>\r\nMax-Forwards: 70\r\nExpires: 60\r\nContent-Length: 0\r\n\r\n",
		local, time.Now().UnixNano(), user, user, time.Now().UnixNano(), user, local)
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "SIP/2.0 401") {
		t.Fatalf("REGISTER without credentials: %v %q", err, buf[:n])
	}
}
