package sipc_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
	"pbxws/web"
)

// referCall starts pbxws with the sipp phone as its outbound proxy and POSTs a call.
func referCall(t *testing.T, scenario, query string) (*sipp, *testenv.Env) {
	t.Helper()
	phone := startSipp(t, scenario, 1)
	env := start(t, func(c *web.Config) { c.SIPOutboundProxy = phone.addr() })
	if a := do(t, httpc(env, ""), "POST", ccURL(env, "201", "202", query)); a.status != http.StatusOK || a.body != "" {
		t.Fatalf("POST: %d %q", a.status, a.body)
	}
	return phone, env
}

func TestReferBusyPhone(t *testing.T) {
	phone, env := referCall(t, "uas-busy.xml", "resultCacheTime=2")
	phone.mustPass(15 * time.Second)
	lines := waitStatus(t, env, "/callcontroller/201/202", 5*time.Second, func(l []string) bool {
		return hasInOrder(l, "INVITE SIP/2.0 486 Busy Here")
	})
	for _, l := range lines {
		if strings.HasPrefix(l, "NOTIFY") {
			t.Fatalf("a busy phone got a REFER: %q", lines)
		}
	}
	// The record goes once resultCacheTime has passed and no dialog is left.
	waitStatus(t, env, "/callcontroller/201/202", 8*time.Second, func(l []string) bool { return len(l) == 0 })
}

func TestReferNoAnswerIsCancelledAfterTimeout(t *testing.T) {
	start := time.Now()
	phone, env := referCall(t, "uas-noanswer.xml", "timeout=2")
	phone.mustPass(15 * time.Second)
	if d := time.Since(start); d < 2*time.Second {
		t.Fatalf("CANCEL after %v, before the 2 s timeout", d)
	}
	mustContain(t, "phone log", phone.log(), "CANCEL received")
	waitStatus(t, env, "/callcontroller/201/202", 5*time.Second, func(l []string) bool {
		return hasInOrder(l, "INVITE SIP/2.0 180 Ringing", "INVITE SIP/2.0 487 Request Terminated")
	})
}

func TestReferProxyChallengeAnsweredWithAgentCredentials(t *testing.T) {
	phone, env := referCall(t, "uas-challenge.xml", "")
	phone.mustPass(15 * time.Second)
	mustContain(t, "phone log", phone.log(), `AUTH  Digest username="201"`, `realm="example.test"`)
	if strings.Contains(phone.log(), "BAD CREDENTIALS") {
		t.Fatalf("the proxy refused the credentials:\n%s", phone.log())
	}
	waitStatus(t, env, "/callcontroller/201/202", 5*time.Second, func(l []string) bool {
		return hasInOrder(l, "INVITE SIP/2.0 401 Unauthorized", "INVITE SIP/2.0 200 OK", "NOTIFY SIP/2.0 200 OK")
	})
}

func TestReferGivesUpAfterTwoChallenges(t *testing.T) {
	phone, env := referCall(t, "uas-challenge-always.xml", "")
	phone.mustPass(20 * time.Second)
	lines := getStatus(t, env, "/callcontroller/201/202").lines()
	n := 0
	for _, l := range lines {
		if l == "INVITE SIP/2.0 407 Proxy Authentication Required" {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("status lines %q: want three 407s", lines)
	}
}

func TestReferCalleeBusyByeCarriesReason(t *testing.T) {
	phone, env := referCall(t, "uas-refer-busy.xml", "")
	phone.mustPass(15 * time.Second)
	mustContain(t, "phone log", phone.log(), `BYE reason= SIP;cause=486;text="Busy Here"`)
	waitStatus(t, env, "/callcontroller/201/202", 5*time.Second, func(l []string) bool {
		return hasInOrder(l, "INVITE SIP/2.0 200 OK", "NOTIFY SIP/2.0 486 Busy Here")
	})
}

func TestReferNotifyBefore202(t *testing.T) {
	phone, env := referCall(t, "uas-notify-before-202.xml", "")
	phone.mustPass(15 * time.Second)
	waitStatus(t, env, "/callcontroller/201/202", 5*time.Second, func(l []string) bool {
		return hasInOrder(l, "INVITE SIP/2.0 200 OK", "NOTIFY SIP/2.0 100 Trying", "NOTIFY SIP/2.0 200 OK")
	})
}

func TestReferRefusedHangsUp(t *testing.T) {
	phone, env := referCall(t, "uas-refer-refused.xml", "")
	phone.mustPass(15 * time.Second)
	lines := getStatus(t, env, "/callcontroller/201/202").lines()
	if !hasInOrder(lines, "INVITE SIP/2.0 200 OK") {
		t.Fatalf("status lines %q", lines)
	}
}

func TestReferCallerHangsUpFirst(t *testing.T) {
	phone, env := referCall(t, "uas-caller-hangs-up.xml", "")
	phone.mustPass(15 * time.Second)
	waitStatus(t, env, "/callcontroller/201/202", 5*time.Second, func(l []string) bool {
		return hasInOrder(l, "INVITE SIP/2.0 200 OK")
	})
}

func TestReferForwardingAllowedDropsUserforwardParam(t *testing.T) {
	phone, _ := referCall(t, "uas-refer.xml", "isForwardingAllowed=true")
	phone.mustPass(15 * time.Second)
	log := phone.log()
	mustContain(t, "phone log", log, "ruri=sip:201@example.test;sipx-noroute=Voicemail;sipxbridge-moh=false from=")
	if strings.Contains(log, "sipx-userforward") {
		t.Fatalf("forwarding allowed but the R-URI still forbids it:\n%s", log)
	}
}

// A second POST under the same key replaces the ringing call: its INVITE is cancelled.
func TestReferReplacementCancelsTheRingingCall(t *testing.T) {
	phone := startSipp(t, "uas-noanswer.xml", 1)
	env := start(t, func(c *web.Config) { c.SIPOutboundProxy = phone.addr() })
	hc := httpc(env, "")
	if a := do(t, hc, "POST", ccURL(env, "201", "202", "timeout=30")); a.status != 200 {
		t.Fatalf("first POST: %d %s", a.status, a.body)
	}
	waitStatus(t, env, "/callcontroller/201/202", 5*time.Second, func(l []string) bool {
		return hasInOrder(l, "INVITE SIP/2.0 180 Ringing")
	})
	if a := do(t, hc, "POST", ccURL(env, "201", "202", "timeout=30")); a.status != 200 {
		t.Fatalf("second POST: %d %s", a.status, a.body)
	}
	phone.mustPass(15 * time.Second)
	mustContain(t, "phone log", phone.log(), "CANCEL received")
}
