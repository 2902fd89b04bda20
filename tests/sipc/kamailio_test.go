package sipc_test

import (
	"strings"
	"testing"
	"time"

	"pbxws/web"
)

// T3: kamailio is the outbound proxy and registrar, two baresip phones register to it; pbxws
// answers kamailio's 407 with agent 201's SIP credentials, baresip 201 answers and is REFERred
// to 202, and 202 really receives the call from 201.
func TestReferThroughKamailioWithBaresipPhones(t *testing.T) {
	k, kaddr := startKamailio(t, u201, u202)
	b201 := startBaresip(t, u201, kaddr)
	b202 := startBaresip(t, u202, kaddr)
	env := start(t, func(c *web.Config) { c.SIPOutboundProxy = kaddr })

	if a := do(t, httpc(env, ""), "POST", ccURL(env, "201", "202", "")); a.status != 200 || a.body != "" {
		t.Fatalf("POST: %d %q", a.status, a.body)
	}
	// 202's phone gets the call that 201's phone placed because of the REFER.
	b202.waitFor("sip:201@example.test", 15*time.Second)
	b202.waitFor("Call established", 15*time.Second)
	lines := waitStatus(t, env, "/callcontroller/201/202", 15*time.Second, func(l []string) bool {
		c := codes(l)
		return hasInOrder(c, "INVITE 407", "INVITE 200", "NOTIFY 200")
	})
	if c := codes(lines); !hasInOrder(c, "INVITE 407", "INVITE 200", "NOTIFY 200") {
		t.Fatalf("status lines %q", lines)
	}
	// kamailio authenticated pbxws's INVITE as user 201.
	k.waitFor("AUTHENTICATED INVITE from 201", 5*time.Second)
	if !strings.Contains(b201.output(), "Call established") {
		t.Fatalf("phone 201 never established a call:\n%s", b201.output())
	}
}
