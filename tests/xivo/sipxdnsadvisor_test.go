package xivo_test

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"pbxws/web"
)

// zoneServer is a DNS server on loopback answering from a zone the test edits; with
// servfail set it answers SERVFAIL to everything. It counts the queries it gets.
type zoneServer struct {
	mu       sync.Mutex
	rrs      []dns.RR
	servfail bool
	queries  int
	addr     string
}

func startZoneServer(t *testing.T) *zoneServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	z := &zoneServer{addr: pc.LocalAddr().String()}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) }, Handler: dns.HandlerFunc(z.answer)}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return z
}

// set replaces the zone with records in zone-file syntax.
func (z *zoneServer) set(t *testing.T, records ...string) {
	t.Helper()
	var rrs []dns.RR
	for _, r := range records {
		rr, err := dns.NewRR(r)
		if err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		rrs = append(rrs, rr)
	}
	z.mu.Lock()
	z.rrs, z.servfail = rrs, false
	z.mu.Unlock()
}

func (z *zoneServer) fail() {
	z.mu.Lock()
	z.servfail = true
	z.mu.Unlock()
}

func (z *zoneServer) count() int {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.queries
}

func (z *zoneServer) answer(w dns.ResponseWriter, q *dns.Msg) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.queries++
	m := new(dns.Msg)
	m.SetReply(q)
	m.RecursionAvailable = true
	if z.servfail || len(q.Question) != 1 {
		m.Rcode = dns.RcodeServerFailure
		_ = w.WriteMsg(m)
		return
	}
	qn := q.Question[0]
	exists := false
	for _, rr := range z.rrs {
		h := rr.Header()
		if strings.EqualFold(h.Name, qn.Name) {
			exists = true
			if h.Rrtype == qn.Qtype {
				m.Answer = append(m.Answer, dns.Copy(rr))
			}
		}
	}
	if !exists {
		m.Rcode = dns.RcodeNameError
	}
	_ = w.WriteMsg(m)
}

const dnsAdvisor = "/sipxconfig/api/dns/advisor/server/"

// /api/dns/advisor/server/{server}: the records the SIP domain needs, looked up on a DNS
// server of the test's own; the missing ones in the spec's layout, nothing when none is
// missing, 502 when the resolver fails, 404 for another server, text/plain only, ADMIN only.
func TestSipxAPIDNSAdvisor(t *testing.T) {
	z := startZoneServer(t)
	env, _ := sipxSetup(t, func(c *web.Config) {
		c.SIPDomain = "example.test"
		c.Hostname = "pbx.example.test"
		c.SIPAdvertise = "192.0.2.10:5070"
		c.SIPTLSAddr = "127.0.0.1:0"
		c.DNSResolver = z.addr
	})
	_, tlsPort, err := net.SplitHostPort(env.Server.SIPTLSAddr())
	if err != nil {
		t.Fatal(err)
	}
	boss := newSipx(t, env, "boss", "bosspin1")

	// Some records there, some missing: the UDP and TLS NAPTRs and the UDP SRV are right;
	// the TCP SRV points at another port, the TLS SRV and the TCP NAPTR are missing, the
	// FQDN has another address.
	z.set(t,
		`example.test. 3600 IN NAPTR 1 0 "s" "SIP+D2U" "" _sip._udp.example.test.`,
		`example.test. 3600 IN NAPTR 3 0 "S" "sips+d2t" "" _sips._tcp.EXAMPLE.test.`,
		`example.test. 3600 IN NAPTR 5 0 "s" "SIP+D2T" "" _sip._tcp.elsewhere.test.`,
		`_sip._udp.example.test. 3600 IN SRV 30 10 5070 pbx.example.test.`,
		`_sip._tcp.example.test. 3600 IN SRV 30 10 5060 pbx.example.test.`,
		`pbx.example.test. 3600 IN A 192.0.2.99`,
	)
	want := `;; Missing naptr records
example.test. IN NAPTR 2 0 "s" "SIP+D2T" "" _sip._tcp

;; Missing srv records
_sip._tcp.example.test. IN SRV 30 10 5070 pbx.example.test.
_sips._tcp.example.test. IN SRV 30 10 ` + tlsPort + ` pbx.example.test.

;; Missing a records
pbx.example.test. IN A 192.0.2.10
`
	for _, server := range []string{"1", "pbx.example.test", "PBX.Example.Test"} {
		a := boss.send("GET", dnsAdvisor+server, "", "")
		if a.status != http.StatusOK || a.header.Get("Content-Type") != "text/plain; charset=utf-8" || a.body != want {
			t.Fatalf("GET %s: %d %s\n%s\nwant\n%s", server, a.status, a.header.Get("Content-Type"), a.body, want)
		}
	}
	// No cache: a record added is seen by the next GET.
	before := z.count()
	z.set(t,
		`example.test. 3600 IN NAPTR 1 0 "s" "SIP+D2U" "" _sip._udp.example.test.`,
		`example.test. 3600 IN NAPTR 2 0 "s" "SIP+D2T" "" _sip._tcp.example.test.`,
		`example.test. 3600 IN NAPTR 3 0 "s" "SIPS+D2T" "" _sips._tcp.example.test.`,
		`_sip._udp.example.test. 3600 IN SRV 30 10 5070 pbx.example.test.`,
		`_sip._tcp.example.test. 3600 IN SRV 30 10 5070 pbx.example.test.`,
		`_sips._tcp.example.test. 3600 IN SRV 20 5 `+tlsPort+` PBX.example.test.`,
		`pbx.example.test. 3600 IN A 192.0.2.99`,
	)
	if a := boss.send("GET", dnsAdvisor+"1", "", "", "Accept", "text/plain"); a.status != http.StatusOK || a.body != ";; Missing a records\npbx.example.test. IN A 192.0.2.10\n" {
		t.Fatalf("only the A record missing: %d %q", a.status, a.body)
	}
	if z.count() <= before {
		t.Fatalf("the DNS server was not asked again (%d queries, %d before)", z.count(), before)
	}
	// Everything there: 200, empty.
	z.set(t,
		`example.test. 3600 IN NAPTR 1 0 "s" "SIP+D2U" "" _sip._udp.example.test.`,
		`example.test. 3600 IN NAPTR 2 0 "s" "SIP+D2T" "" _sip._tcp.example.test.`,
		`example.test. 3600 IN NAPTR 3 0 "s" "SIPS+D2T" "" _sips._tcp.example.test.`,
		`_sip._udp.example.test. 3600 IN SRV 30 10 5070 pbx.example.test.`,
		`_sip._tcp.example.test. 3600 IN SRV 30 10 5070 pbx.example.test.`,
		`_sips._tcp.example.test. 3600 IN SRV 30 10 `+tlsPort+` pbx.example.test.`,
		`pbx.example.test. 3600 IN A 192.0.2.99`,
		`pbx.example.test. 3600 IN A 192.0.2.10`,
	)
	if a := boss.send("GET", dnsAdvisor+"1", "", "", "Accept", "*/*"); a.status != http.StatusOK || a.body != "" ||
		a.header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("nothing missing: %d %q %q", a.status, a.body, a.header.Get("Content-Type"))
	}
	// An empty zone: NXDOMAIN everywhere is "missing", not a failure.
	z.set(t)
	if a := boss.send("GET", dnsAdvisor+"1", "", ""); a.status != http.StatusOK || strings.Count(a.body, "\n") != 12 ||
		!strings.HasPrefix(a.body, ";; Missing naptr records\nexample.test. IN NAPTR 1 0 \"s\" \"SIP+D2U\" \"\" _sip._udp\n") {
		t.Fatalf("empty zone: %d %q", a.status, a.body)
	}

	// The resolver fails (SERVFAIL): 502, saying so.
	z.fail()
	if a := boss.send("GET", dnsAdvisor+"1", "", ""); a.status != http.StatusBadGateway || !strings.HasPrefix(a.body, "DNS lookup failed: ") ||
		!strings.Contains(a.body, "SERVFAIL") || !strings.Contains(a.body, z.addr) || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("SERVFAIL: %d %q", a.status, a.body)
	}
	z.set(t)

	// Another server: 404; JSON or XML only: 406 (Accept or suffix); other methods: 405;
	// a user: 403; no credentials: 401.
	for _, x := range []struct {
		who, method, path, accept string
		status                    int
		body                      string
	}{
		{"boss", "GET", dnsAdvisor + "2", "", 404, "Server not found"},
		{"boss", "GET", dnsAdvisor + "other.example.test", "", 404, "Server not found"},
		{"boss", "GET", dnsAdvisor + "1", "application/json", 406, "this resource answers text/plain"},
		{"boss", "GET", dnsAdvisor + "1.json", "", 406, "this resource answers text/plain"},
		{"boss", "GET", dnsAdvisor + "1.xml", "text/plain", 406, "this resource answers text/plain"},
		{"boss", "POST", dnsAdvisor + "1", "", 405, "POST is not offered here: use GET"},
		{"clerk", "GET", dnsAdvisor + "1", "", 403, ""},
		{"", "GET", dnsAdvisor + "1", "", 401, ""},
	} {
		c := newSipx(t, env, x.who, map[string]string{"boss": "bosspin1", "clerk": "clerkpin"}[x.who])
		a := c.send(x.method, x.path, "", "", "Accept", x.accept)
		if a.status != x.status || !strings.Contains(a.body, x.body) {
			t.Fatalf("%s %s %s as %q: %d %q", x.method, x.path, x.accept, x.who, a.status, a.body)
		}
	}
}

// With SIP off there is nothing to advise on: 501, saying what is missing.
func TestSipxAPIDNSAdvisorWithoutSIP(t *testing.T) {
	env, _ := sipxSetup(t, func(c *web.Config) { c.SIPAddr = "" })
	a := newSipx(t, env, "boss", "bosspin1").send("GET", dnsAdvisor+"1", "", "")
	if a.status != http.StatusNotImplemented || !strings.HasPrefix(a.body, "not available in pbxws: ") {
		t.Fatalf("SIP off: %d %q", a.status, a.body)
	}
}
