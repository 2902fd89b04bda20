package sipc_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
)

// register stores a contact for user as a registrar would (the registrar itself is tested
// with baresip): the engine then reaches the user at addr.
func register(t *testing.T, env *testenv.Env, user, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := env.DB.ExecContext(ctx, `INSERT INTO registrations (ruid, username, domain, contact, expires, last_modified)
		VALUES ($1, $2, 'example.test', $3, localtimestamp + interval '1 hour', localtimestamp)`,
		"test-"+user+"@"+addr, user, "sip:"+user+"@"+addr); err != nil {
		t.Fatal(err)
	}
}

func getDialogs(t *testing.T, env *testenv.Env, path string) dialogs {
	t.Helper()
	a := do(t, httpc(env, ""), "GET", env.HTTPURL+path)
	var d dialogs
	if a.status != 200 {
		t.Fatalf("GET %s: %d %s", path, a.status, a.body)
	}
	if err := xml.Unmarshal([]byte(a.body), &d); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, a.body)
	}
	return d
}

func waitDialogs(t *testing.T, env *testenv.Env, path string, want func(dialogs) bool) dialogs {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var d dialogs
	for time.Now().Before(deadline) {
		if d = getDialogs(t, env, path); want(d) {
			return d
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("GET %s never satisfied the test; last: %+v", path, d)
	return d
}

func confirmed(n int) func(dialogs) bool {
	return func(d dialogs) bool {
		c := 0
		for _, x := range d.Dialog {
			if x.State == "Confirmed Dialog" {
				c++
			}
		}
		return c == n
	}
}

// INVITE mode (spec §5.2) between two sipp phones reached through their registrations: the
// callee gets an INVITE without SDP, its offer reaches the caller in a re-INVITE, the caller's
// answer reaches the callee in the ACK; the caller's BYE is relayed to the callee.
func TestInviteModeBridgesTwoPhones(t *testing.T) {
	c := startSipp(t, "uas-3pcc-caller-hangup.xml", 1)
	d := startSipp(t, "uas-3pcc-callee.xml", 1)
	env := start(t)
	register(t, env, "201", c.addr())
	register(t, env, "202", d.addr())
	if a := do(t, httpc(env, ""), "POST", ccURL(env, "201", "202", "sipMethod=INVITE")); a.status != 200 || a.body != "" {
		t.Fatalf("POST: %d %q", a.status, a.body)
	}
	dl := waitDialogs(t, env, "/callcontroller/201/202?sipMethod=INVITE", confirmed(2))
	for _, x := range dl.Dialog {
		if x.Local != "sip:201@example.test" || !strings.HasPrefix(x.Remote, "sip:20") || strings.Count(x.ID, ":") != 2 {
			t.Fatalf("dialog %+v", x)
		}
	}
	// The call is the user's active call (sipX /my/activecdrs) while it is up, and only 201's.
	activeCDRs := func(user, pin string) []map[string]any {
		t.Helper()
		a := do(t, httpc(env, ""), "GET", env.HTTPSURL+"/sipxconfig/rest/my/activecdrs",
			"Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pin)), "Accept", "application/json")
		var doc struct {
			CDRs []map[string]any `json:"cdrs"`
		}
		if a.status != http.StatusOK || json.Unmarshal([]byte(a.body), &doc) != nil {
			t.Fatalf("activecdrs of %s: %d %s", user, a.status, a.body)
		}
		return doc.CDRs
	}
	testenv.Eventually(t, 10*time.Second, "the answered call in 201's /my/activecdrs", func() bool {
		l := activeCDRs("201", u201.pin)
		return len(l) == 1 && l[0]["from"] == "201" && l[0]["to"] == "202" && l[0]["from-aor"] == "<sip:201@example.test>" &&
			l[0]["to-aor"] == "<sip:202@example.test>" && l[0]["direction"] == "OUTBOUND" && l[0]["recipient"] == "202" &&
			l[0]["internal"] == true && l[0]["type"] == "Internal" && l[0]["start-time"].(float64) > float64(time.Now().Add(-time.Minute).UnixMilli())
	})
	if l := activeCDRs("203", u203.pin); len(l) != 0 {
		t.Fatalf("203 sees %v", l)
	}
	// A second INVITE-mode call under the same key is refused while this one is up.
	a := do(t, httpc(env, ""), "POST", ccURL(env, "201", "202", "sipMethod=INVITE"))
	var ps processingStatus
	if a.status != http.StatusNotAcceptable || xml.Unmarshal([]byte(a.body), &ps) != nil || ps.Code != 403 || ps.Text != "Call in progress INVITE not supported" {
		t.Fatalf("second INVITE-mode POST: %d %s", a.status, a.body)
	}
	c.mustPass(20 * time.Second)
	d.mustPass(20 * time.Second)
	// The callee's offer reaches the caller in the re-INVITE (under the o= line the caller
	// already knows, version 2), and the caller's answer reaches the callee in the ACK.
	mustContain(t, "callee log", d.log(), "D INVITE content-length=0 media=", "D ACK media="+c.m())
	mustContain(t, "caller log", c.log(), "C REINVITE o=- ", " 2 IN IP4 127.0.0.1 "+d.m())
	waitDialogs(t, env, "/callcontroller/201/202?sipMethod=INVITE", func(d dialogs) bool {
		for _, x := range d.Dialog {
			if x.State != "Terminated Dialog" {
				return false
			}
		}
		return len(d.Dialog) == 2
	})
	testenv.Eventually(t, 10*time.Second, "no call left in /my/activecdrs", func() bool { return len(activeCDRs("201", u201.pin)) == 0 })
}

// action=transfer (spec §5.3): the target gets the callee's offer, the caller a BYE, the callee
// a re-INVITE with the target's SDP; the record moves to the new key.
func TestInviteModeTransfer(t *testing.T) {
	c := startSipp(t, "uas-3pcc-caller-transferred.xml", 1)
	d := startSipp(t, "uas-3pcc-callee-transfer.xml", 1)
	tg := startSipp(t, "uas-transfer-target.xml", 1)
	env := start(t)
	register(t, env, "201", c.addr())
	register(t, env, "202", d.addr())
	register(t, env, "203", tg.addr())
	hc := httpc(env, "")
	if a := do(t, hc, "POST", ccURL(env, "201", "202", "sipMethod=INVITE")); a.status != 200 {
		t.Fatalf("POST: %d %q", a.status, a.body)
	}
	waitDialogs(t, env, "/callcontroller/201/202?sipMethod=INVITE", confirmed(2))
	if a := do(t, hc, "POST", ccURL(env, "201", "202", "action=transfer")); a.status != 400 || !strings.Contains(a.body, "Need a transfer target parameter") {
		t.Fatalf("transfer without target: %d %s", a.status, a.body)
	}
	if a := do(t, hc, "POST", ccURL(env, "201", "202", "action=transfer&target=203")); a.status != 200 || a.body != "" {
		t.Fatalf("transfer: %d %q", a.status, a.body)
	}
	c.mustPass(20 * time.Second)
	tg.mustPass(20 * time.Second)
	d.mustPass(20 * time.Second)
	// The target is offered the callee's SDP; the callee is re-offered the target's.
	mustContain(t, "target log", tg.log(), "T INVITE content-length=", "media="+d.m())
	mustContain(t, "callee log", d.log(), "D REINVITE o=", tg.m())
	// The old key is gone; the new key holds the transferred call.
	if d := getDialogs(t, env, "/callcontroller/201/202?sipMethod=INVITE"); len(d.Dialog) != 0 {
		t.Fatalf("old record still there: %+v", d)
	}
	waitDialogs(t, env, "/callcontroller/203/202?sipMethod=INVITE&agent=201", func(d dialogs) bool { return len(d.Dialog) == 2 })
	// Transfer of a call that no longer exists.
	a := do(t, hc, "POST", ccURL(env, "201", "202", "action=transfer&target=203"))
	if a.status != http.StatusNotAcceptable || !strings.Contains(a.body, "Call not found.") {
		t.Fatalf("transfer of a gone call: %d %s", a.status, a.body)
	}
}
