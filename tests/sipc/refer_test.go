package sipc_test

import (
	"net/http"
	"testing"
	"time"

	"pbxws/web"
)

// T1: sipp plays the calling party's phone behind the outbound proxy address; a trusted
// (loopback) client starts a REFER-mode call and follows it through the GET document.
func TestReferModeAgainstSippPhone(t *testing.T) {
	phone := startSipp(t, "uas-refer.xml", 1)
	env := start(t, func(c *web.Config) { c.SIPOutboundProxy = phone.addr() })

	a := do(t, httpc(env, ""), "POST", ccURL(env, "201", "202", "subject=hello"))
	if a.status != http.StatusOK || a.body != "" {
		t.Fatalf("POST: %d %q, want 200 and an empty body", a.status, a.body)
	}
	phone.mustPass(20 * time.Second)
	lines := waitStatus(t, env, "/callcontroller/201/202", 5*time.Second, func(l []string) bool {
		return hasInOrder(l, "NOTIFY SIP/2.0 180 Ringing")
	})
	want := []string{"INVITE SIP/2.0 180 Ringing", "INVITE SIP/2.0 200 OK", "NOTIFY SIP/2.0 100 Trying", "NOTIFY SIP/2.0 180 Ringing"}
	if !hasInOrder(lines, want...) {
		t.Fatalf("status lines %q, want %q in this order", lines, want)
	}
	mustContain(t, "phone log", phone.log(),
		"ruri=sip:201@example.test;sipx-noroute=Voicemail;sipx-userforward=false;sipxbridge-moh=false from=",
		// The phone is shown who it is about to be connected to, not a call from itself.
		`from= "202" <sip:201@example.test>;tag=`, "subject= hello",
		"refer-to= <sip:202@example.test> referred-by= <sip:201@example.test>")
}
