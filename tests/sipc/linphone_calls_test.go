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
}
