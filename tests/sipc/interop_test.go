package sipc_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
	"pbxws/web"
)

// A final sipfrag ends the controller's leg even while the phone keeps the subscription
// active: the phone must not stay connected to the placeholder media (issue 13 item 5).
func TestReferFinalSipfragWithActiveSubscriptionEndsTheCall(t *testing.T) {
	phone, env := referCall(t, "uas-refer-busy-active.xml", "")
	phone.mustPass(15 * time.Second)
	mustContain(t, "phone log", phone.log(), `BYE reason= SIP;cause=486;text="Busy Here"`)
	waitStatus(t, env, "/callcontroller/201/202", 5*time.Second, func(l []string) bool {
		return hasInOrder(l, "INVITE SIP/2.0 200 OK", "NOTIFY SIP/2.0 486 Busy Here")
	})
}

// A phone that puts the controller's call on hold (a=sendonly) is answered a=recvonly
// (RFC 3264 §6.1), not a=sendrecv.
func TestReferModeHoldIsAnsweredRecvonly(t *testing.T) {
	phone, _ := referCall(t, "uas-hold-then-refer.xml", "")
	phone.mustPass(15 * time.Second)
	mustContain(t, "phone log", phone.log(), "HOLD answer direction=recvonly")
}

// A registered phone that never answers at all: the record shows the transaction timeout
// instead of staying empty (issue 13 item 8).
func TestUnreachablePhoneRecordsRequestTimeout(t *testing.T) {
	env := start(t)
	// A port nothing listens on: the INVITE goes unanswered.
	register(t, env, "201", "127.0.0.1:"+itoa(testenv.FreePort(t, "udp")))
	if a := do(t, httpc(env, ""), "POST", ccURL(env, "201", "202", "timeout=2")); a.status != 200 {
		t.Fatalf("POST: %d %q", a.status, a.body)
	}
	waitStatus(t, env, "/callcontroller/201/202", 10*time.Second, func(l []string) bool {
		return hasInOrder(l, "INVITE SIP/2.0 408 Request Timeout")
	})
}

// Two live bindings of one line both ring; the first to answer gets the call and the other is
// cancelled (issue 13 item 4). Without an outbound proxy the Request-URI carries no sipx-*
// parameters.
func TestTwoBindingsOfOneLineBothRing(t *testing.T) {
	answers := startSipp(t, "uas-refer.xml", 1)
	rings := startSipp(t, "uas-noanswer.xml", 1)
	env := start(t)
	register(t, env, "201", answers.addr())
	register(t, env, "201", rings.addr())
	if a := do(t, httpc(env, ""), "POST", ccURL(env, "201", "202", "")); a.status != 200 {
		t.Fatalf("POST: %d %q", a.status, a.body)
	}
	answers.mustPass(20 * time.Second)
	rings.mustPass(20 * time.Second)
	mustContain(t, "ringing phone log", rings.log(), "CANCEL received")
	if log := answers.log(); strings.Contains(log, "sipx-") {
		t.Fatalf("sipx-* parameters sent to a phone reached directly:\n%s", log)
	}
}

// A pbxws killed mid-call leaves its record "live"; the same instance, restarted, closes it
// with a last line saying so instead of showing the call ringing until the lease expires.
func TestRestartClosesTheRecordsOfTheKilledRun(t *testing.T) {
	env := start(t, func(c *web.Config) { c.SIPInstance = "restart-test" })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// What a killed run leaves: a record it owns with a live lease and a ringing line.
	var id int64
	if err := env.DB.QueryRowContext(ctx, `INSERT INTO call_records (call_key, method, instance, cache_until, live_until)
		VALUES ('201@example.test:201@example.test:202@example.test', 'REFER', 'restart-test', now() + interval '1 minute', now() + interval '2 minutes')
		RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.ExecContext(ctx, `INSERT INTO call_status_lines (record_id, seq, at_ms, call_id, method, status_line)
		VALUES ($1, 1, 1, 'c1', 'INVITE', 'SIP/2.0 180 Ringing')`, id); err != nil {
		t.Fatal(err)
	}
	// The restarted instance, on the same database.
	again := testenv.Start(t, func(c *web.Config) {
		c.DatabaseURL = env.DSN
		c.SIPAddr = "127.0.0.1:0"
		c.SIPDomain = domain
		c.SIPInstance = "restart-test"
	})
	lines := getStatus(t, again, "/callcontroller/201/202").lines()
	if !hasInOrder(lines, "INVITE SIP/2.0 180 Ringing", "INVITE SIP/2.0 500 Controller restarted") {
		t.Fatalf("status lines after the restart: %q", lines)
	}
	var live int
	if err := env.DB.GetContext(ctx, &live, `SELECT count(*) FROM call_records WHERE id = $1 AND live_until IS NOT NULL`, id); err != nil || live != 0 {
		t.Fatalf("the record still has a lease: %d %v", live, err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// INVITE-mode legs carry RFC 4028 session timers and pbxws refreshes them; a party that no
// longer knows the dialog (481 to the refresh) ends the call: the other party gets a BYE.
func TestInviteModeSessionRefreshTearsDownADeadLeg(t *testing.T) {
	c := startSipp(t, "uas-3pcc-caller-dies.xml", 1)
	d := startSipp(t, "uas-3pcc-callee-refreshed.xml", 1)
	env := start(t, func(cfg *web.Config) { cfg.SIPSessionExpires = 2 * time.Second })
	register(t, env, "201", c.addr())
	register(t, env, "202", d.addr())
	if a := do(t, httpc(env, ""), "POST", ccURL(env, "201", "202", "sipMethod=INVITE")); a.status != 200 {
		t.Fatalf("POST: %d %q", a.status, a.body)
	}
	c.mustPass(20 * time.Second)
	d.mustPass(20 * time.Second)
	mustContain(t, "caller log", c.log(), "C REFRESH Session-Expires: 2;refresher=uac")
	mustContain(t, "callee messages", d.file("msg"), "Session-Expires: 2;refresher=uac", "Supported: timer", `Reason: SIP;cause=408`)
	waitDialogs(t, env, "/callcontroller/201/202?sipMethod=INVITE", func(d dialogs) bool {
		for _, x := range d.Dialog {
			if x.State != "Terminated Dialog" {
				return false
			}
		}
		return len(d.Dialog) == 2
	})
}
