package sipc_test

import (
	"strings"
	"testing"
	"time"

	"pbxws/web"
)

// tcpOn turns SIP over TCP on (start() turns it off).
func tcpOn(c *web.Config) { c.SIPTCP = true }

// A UDP phone calls a TCP phone through pbxws's forwarding, and the other way round; each call
// is hung up by a different side. The forwarded INVITE reaches the TCP phone over TCP with a
// TCP Via, and the UDP phone over UDP.
func TestLinphoneForwardsAcrossTransports(t *testing.T) {
	env := start(t, tcpOn)
	sipAddr := env.Server.SIPAddr()
	p201 := startLinphone(t, u201, sipAddr, "udp", true)
	p202 := startLinphone(t, u202, sipAddr, "tcp", true)
	var contacts []string
	if err := env.DB.Select(&contacts, `SELECT contact FROM registrations WHERE username IN ('201','202') ORDER BY username`); err != nil || len(contacts) != 2 {
		t.Fatalf("registrations: %q %v", contacts, err)
	}
	if strings.Contains(contacts[0], "transport=tcp") || !strings.Contains(contacts[1], "transport=tcp") {
		t.Fatalf("contacts %q: want 201 over UDP, 202 over TCP", contacts)
	}

	// UDP → TCP, the called phone hangs up.
	m1, m2 := p201.mark(), p202.mark()
	p201.do("call sip:202@" + domain)
	p202.waitAfter(m2, "to LinphoneCallConnected", 15*time.Second)
	p201.waitAfter(m1, "to LinphoneCallConnected", 15*time.Second)
	if in := p202.output()[m2:]; !strings.Contains(in, "Via: SIP/2.0/TCP "+sipAddr) {
		t.Fatalf("the TCP phone's INVITE lacks pbxws's TCP Via:\n%s", lastLines(in, 120))
	}
	m1, m2 = p201.mark(), p202.mark()
	p202.do("terminate")
	p201.waitAfter(m1, "to LinphoneCallEnd", 10*time.Second)
	p202.waitAfter(m2, "to LinphoneCallEnd", 10*time.Second)

	// TCP → UDP, the calling phone hangs up.
	m1, m2 = p201.mark(), p202.mark()
	p202.do("call sip:201@" + domain)
	p201.waitAfter(m1, "to LinphoneCallConnected", 15*time.Second)
	p202.waitAfter(m2, "to LinphoneCallConnected", 15*time.Second)
	if in := p201.output()[m1:]; !strings.Contains(in, "Via: SIP/2.0/UDP "+sipAddr) {
		t.Fatalf("the UDP phone's INVITE lacks pbxws's UDP Via:\n%s", lastLines(in, 120))
	}
	m1, m2 = p201.mark(), p202.mark()
	p202.do("terminate")
	p201.waitAfter(m1, "to LinphoneCallEnd", 10*time.Second)
	p202.waitAfter(m2, "to LinphoneCallEnd", 10*time.Second)

	// A call to a TCP phone that does not answer, given up by the UDP caller: the CANCEL
	// reaches the TCP phone over TCP, with a TCP Via and a Content-Length.
	p203 := startLinphone(t, u203, sipAddr, "tcp", false)
	m1, m3 := p201.mark(), p203.mark()
	p201.do("call sip:203@" + domain)
	p203.waitAfter(m3, "to LinphoneCallIncomingReceived", 15*time.Second)
	p201.waitAfter(m1, "to LinphoneCallOutgoingRinging", 10*time.Second)
	p201.do("terminate")
	p203.waitAfter(m3, "to LinphoneCallEnd", 10*time.Second)
	in := p203.output()[m3:]
	at := strings.Index(in, "CANCEL sip:")
	if at < 0 {
		t.Fatalf("the TCP phone got no CANCEL:\n%s", lastLines(in, 120))
	}
	cancel := in[at:]
	if end := strings.Index(cancel, "\n\n"); end > 0 {
		cancel = cancel[:end]
	}
	mustContain(t, "the CANCEL the TCP phone got", cancel, "Via: SIP/2.0/TCP "+sipAddr, "Content-Length: 0")
}

// REFER click-to-call with the calling phone registered over TCP (issue 13 item 1): pbxws's
// Contact names TCP, so the phone's NOTIFYs reach pbxws, which hangs up its leg; the phone
// then calls 202 (over UDP) through pbxws. Both directions of each dialog work over TCP.
func TestLinphoneReferClickToCallOverTCP(t *testing.T) {
	env := start(t, tcpOn)
	sipAddr := env.Server.SIPAddr()
	p201 := startLinphone(t, u201, sipAddr, "tcp", true)
	p202 := startLinphone(t, u202, sipAddr, "udp", true)
	m1, m2 := p201.mark(), p202.mark()
	if a := do(t, httpc(env, ""), "POST", ccURL(env, "201", "202", "")); a.status != 200 {
		t.Fatalf("POST: %d %q", a.status, a.body)
	}
	p202.waitAfter(m2, "to LinphoneCallConnected", 20*time.Second)
	lines := waitStatus(t, env, "/callcontroller/201/202", 15*time.Second, func(l []string) bool {
		return hasInOrder(codes(l), "INVITE 200", "NOTIFY 200")
	})
	if !hasInOrder(codes(lines), "INVITE 200", "NOTIFY 200") {
		t.Fatalf("status lines %q", lines)
	}
	in := p201.output()[m1:]
	mustContain(t, "the TCP phone's log", in, "Contact: <sip:callcontroller@"+sipAddr+";transport=tcp>", "REFER sip:")
	// The controller's leg ends (its BYE reached the phone over TCP); the phones stay connected.
	p201.waitAfter(m1, "BYE sip:", 15*time.Second)
	// Hang-up from the called side ends the phones' call.
	m1 = p201.mark()
	p202.do("terminate")
	p201.waitAfter(m1, "to LinphoneCallEnd", 10*time.Second)
}

// INVITE mode between a TCP phone and a UDP phone (issue 13 items 1 and 6): both legs
// confirmed, hold and resume relayed through pbxws, action=transfer to a third phone, and the
// transferred call hung up from the callee's side.
func TestLinphoneInviteModeHoldResumeTransfer(t *testing.T) {
	env := start(t, tcpOn)
	sipAddr := env.Server.SIPAddr()
	p201 := startLinphone(t, u201, sipAddr, "tcp", true)
	p202 := startLinphone(t, u202, sipAddr, "udp", true)
	p203 := startLinphone(t, u203, sipAddr, "tcp", true)
	hc := httpc(env, "")
	if a := do(t, hc, "POST", ccURL(env, "201", "202", "sipMethod=INVITE")); a.status != 200 {
		t.Fatalf("POST: %d %q", a.status, a.body)
	}
	waitDialogs(t, env, "/callcontroller/201/202?sipMethod=INVITE", confirmed(2))
	p201.waitFor("to LinphoneCallStreamsRunning", 10*time.Second)
	p202.waitFor("to LinphoneCallStreamsRunning", 10*time.Second)

	// 201 holds: its re-INVITE (sendonly) reaches 202 through pbxws, which answers recvonly.
	m1, m2 := p201.mark(), p202.mark()
	p201.do("pause")
	p201.waitAfter(m1, "to LinphoneCallPaused", 10*time.Second)
	p202.waitAfter(m2, "to LinphoneCallPausedByRemote", 10*time.Second)
	mustContain(t, "the held phone's log", p202.output()[m2:], "a=sendonly")
	m1, m2 = p201.mark(), p202.mark()
	p201.do("resume")
	p201.waitAfter(m1, "to LinphoneCallStreamsRunning", 10*time.Second)
	p202.waitAfter(m2, "to LinphoneCallStreamsRunning", 10*time.Second)

	// Transfer the call from 201 to 203.
	m1, m3 := p201.mark(), p203.mark()
	if a := do(t, hc, "POST", ccURL(env, "201", "202", "action=transfer&target=203")); a.status != 200 {
		t.Fatalf("transfer: %d %q", a.status, a.body)
	}
	p203.waitAfter(m3, "to LinphoneCallStreamsRunning", 15*time.Second)
	p201.waitAfter(m1, "to LinphoneCallEnd", 10*time.Second)
	waitDialogs(t, env, "/callcontroller/203/202?sipMethod=INVITE&agent=201", confirmed(2))

	// 202 hangs up: pbxws relays the BYE to 203.
	m3 = p203.mark()
	p202.do("terminate")
	p203.waitAfter(m3, "to LinphoneCallEnd", 10*time.Second)
	waitDialogs(t, env, "/callcontroller/203/202?sipMethod=INVITE&agent=201", func(d dialogs) bool {
		for _, x := range d.Dialog {
			if x.State != "Terminated Dialog" {
				return false
			}
		}
		return len(d.Dialog) == 2
	})
}

// SIP over TLS (issue 13 item 3): a phone registers over TLS checking pbxws's certificate (the
// HTTPS one), is rung by click-to-call over TLS with a transport=tls Contact, and the call it
// places because of the REFER is forwarded to a UDP phone.
func TestLinphoneOverTLS(t *testing.T) {
	env := start(t, tcpOn, func(c *web.Config) { c.SIPTLSAddr = "127.0.0.1:0" })
	tlsAddr := env.Server.SIPTLSAddr()
	if tlsAddr == "" {
		t.Fatal("no SIP TLS listener")
	}
	p201 := startLinphone(t, u201, tlsAddr, "tls", true, env.CAFile)
	p202 := startLinphone(t, u202, env.Server.SIPAddr(), "udp", true)
	var contact string
	if err := env.DB.Get(&contact, `SELECT contact FROM registrations WHERE username = '201'`); err != nil || !strings.Contains(contact, "transport=tls") {
		t.Fatalf("201's contact %q %v: want TLS", contact, err)
	}
	m1, m2 := p201.mark(), p202.mark()
	if a := do(t, httpc(env, ""), "POST", ccURL(env, "201", "202", "")); a.status != 200 {
		t.Fatalf("POST: %d %q", a.status, a.body)
	}
	p202.waitAfter(m2, "to LinphoneCallConnected", 20*time.Second)
	mustContain(t, "the TLS phone's log", p201.output()[m1:], "Contact: <sip:callcontroller@"+tlsAddr+";transport=tls>", "Via: SIP/2.0/TLS "+tlsAddr)
	waitStatus(t, env, "/callcontroller/201/202", 15*time.Second, func(l []string) bool {
		return hasInOrder(codes(l), "INVITE 200", "NOTIFY 200")
	})
	m1 = p201.mark()
	p202.do("terminate")
	p201.waitAfter(m1, "to LinphoneCallEnd", 10*time.Second)
}
