package dnscheck

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// serve runs a DNS server on loopback answering from records; names under fail.test get
// SERVFAIL, other unknown names NXDOMAIN.
func serve(t *testing.T, records ...string) string {
	t.Helper()
	var rrs []dns.RR
	for _, r := range records {
		rr, err := dns.NewRR(r)
		if err != nil {
			t.Fatal(err)
		}
		rrs = append(rrs, rr)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) }, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.RecursionAvailable = true // a resolver's answer (without it Go sees a lame referral)
		name := q.Question[0].Name
		if strings.HasSuffix(name, "fail.test.") {
			m.Rcode = dns.RcodeServerFailure
			_ = w.WriteMsg(m)
			return
		}
		known := false
		for _, rr := range rrs {
			if strings.EqualFold(rr.Header().Name, name) {
				known = true
				if rr.Header().Rrtype == q.Question[0].Qtype {
					m.Answer = append(m.Answer, rr)
				}
			}
		}
		if !known {
			m.Rcode = dns.RcodeNameError
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestLookups(t *testing.T) {
	r := New(serve(t,
		`example.test. 60 IN NAPTR 2 5 "s" "SIP+D2T" "" _sip._tcp.example.test.`,
		`example.test. 60 IN A 192.0.2.1`,
		`_sip._tcp.example.test. 60 IN SRV 30 10 5060 pbx.example.test.`,
		`pbx.example.test. 60 IN AAAA 2001:db8::1`,
	))
	ctx := context.Background()
	n, err := r.NAPTR(ctx, "example.test")
	if err != nil || len(n) != 1 || n[0] != (NAPTR{Order: 2, Preference: 5, Flags: "s", Service: "SIP+D2T", Replacement: "_sip._tcp.example.test."}) {
		t.Fatalf("NAPTR: %+v %v", n, err)
	}
	s, err := r.SRV(ctx, "_sip._tcp.example.test.")
	if err != nil || len(s) != 1 || s[0] != (SRV{Priority: 30, Weight: 10, Port: 5060, Target: "pbx.example.test."}) {
		t.Fatalf("SRV: %+v %v", s, err)
	}
	a, err := r.Addrs(ctx, "pbx.example.test")
	if err != nil || len(a) != 1 || a[0] != netip.MustParseAddr("2001:db8::1") {
		t.Fatalf("Addrs: %v %v", a, err)
	}
	// No such name, or no record of the type: empty, no error.
	for _, name := range []string{"nowhere.test", "pbx.example.test"} {
		if n, err := r.NAPTR(ctx, name); err != nil || len(n) != 0 {
			t.Fatalf("NAPTR %s: %v %v", name, n, err)
		}
		if s, err := r.SRV(ctx, name); err != nil || len(s) != 0 {
			t.Fatalf("SRV %s: %v %v", name, s, err)
		}
	}
	// SERVFAIL: an error from every kind of lookup.
	if _, err := r.NAPTR(ctx, "x.fail.test"); err == nil || !strings.Contains(err.Error(), "SERVFAIL") {
		t.Fatalf("NAPTR SERVFAIL: %v", err)
	}
	if _, err := r.SRV(ctx, "_sip._udp.fail.test"); err == nil || !strings.Contains(err.Error(), "on 127.0.0.1:") {
		t.Fatalf("SRV SERVFAIL: %v (the error names the server asked)", err)
	}
	if _, err := r.Addrs(ctx, "pbx.fail.test"); err == nil {
		t.Fatal("Addrs SERVFAIL: no error")
	}
	if !SameName("PBX.example.test.", "pbx.example.test") || SameName("a.test", "b.test") {
		t.Fatal("SameName")
	}
}
