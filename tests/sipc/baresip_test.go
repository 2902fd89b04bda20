package sipc_test

import (
	"strings"
	"testing"
	"time"
)

// Two baresip phones registered to pbxws's own registrar: `make run` alone is a click-to-call
// setup. 201 is called, REFERred to 202, and places that call through pbxws, which checks 201's
// credentials and forwards it to 202's registered contact.
func TestReferWithBaresipOnBuiltInRegistrar(t *testing.T) {
	env := start(t)
	sipAddr := env.Server.SIPAddr()
	b201 := startBaresip(t, u201, sipAddr)
	b202 := startBaresip(t, u202, sipAddr)
	var n int
	if err := env.DB.Get(&n, `SELECT count(*) FROM registrations WHERE username IN ('201','202') AND expires > localtimestamp`); err != nil || n != 2 {
		t.Fatalf("registrations after REGISTER: %d %v", n, err)
	}
	if a := do(t, httpc(env, ""), "POST", ccURL(env, "201", "202", "")); a.status != 200 {
		t.Fatalf("POST: %d %q", a.status, a.body)
	}
	b202.waitFor("sip:201@example.test", 15*time.Second)
	b202.waitFor("Call established", 15*time.Second)
	lines := waitStatus(t, env, "/callcontroller/201/202", 15*time.Second, func(l []string) bool {
		return hasInOrder(codes(l), "INVITE 200", "NOTIFY 200")
	})
	if !hasInOrder(codes(lines), "INVITE 200", "NOTIFY 200") {
		t.Fatalf("status lines %q", lines)
	}
	if !strings.Contains(b201.output(), "Call established") {
		t.Fatalf("phone 201 never established a call:\n%s", b201.output())
	}
}

// INVITE mode between two baresip phones (both legs confirmed, media between the phones), then
// action=transfer to a third phone.
func TestInviteModeWithBaresipThenTransfer(t *testing.T) {
	env := start(t)
	sipAddr := env.Server.SIPAddr()
	b201 := startBaresip(t, u201, sipAddr)
	b202 := startBaresip(t, u202, sipAddr)
	b203 := startBaresip(t, u203, sipAddr)
	hc := httpc(env, "")
	if a := do(t, hc, "POST", ccURL(env, "201", "202", "sipMethod=INVITE")); a.status != 200 {
		t.Fatalf("POST: %d %q", a.status, a.body)
	}
	waitDialogs(t, env, "/callcontroller/201/202?sipMethod=INVITE", confirmed(2))
	b201.waitFor("Call established", 10*time.Second)
	b202.waitFor("Call established", 10*time.Second)
	if a := do(t, hc, "POST", ccURL(env, "201", "202", "action=transfer&target=203")); a.status != 200 {
		t.Fatalf("transfer: %d %q", a.status, a.body)
	}
	b203.waitFor("Call established", 15*time.Second)
	waitDialogs(t, env, "/callcontroller/203/202?sipMethod=INVITE&agent=201", confirmed(2))
	// The caller's phone was hung up.
	b201.waitFor("session closed", 10*time.Second)
}
