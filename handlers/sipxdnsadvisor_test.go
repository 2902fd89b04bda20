package handlers

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"pbxws/dnscheck"
)

// zone is a DNSLookup over fixed answers (pure logic: the end-to-end test runs a real DNS
// server); fail, when set, is the error of every lookup.
type zone struct {
	naptr map[string][]dnscheck.NAPTR
	srv   map[string][]dnscheck.SRV
	addrs map[string][]netip.Addr
	fail  error
	asked []string
}

func (z *zone) NAPTR(_ context.Context, n string) ([]dnscheck.NAPTR, error) {
	z.asked = append(z.asked, "NAPTR "+n)
	return z.naptr[n], z.fail
}

func (z *zone) SRV(_ context.Context, n string) ([]dnscheck.SRV, error) {
	z.asked = append(z.asked, "SRV "+n)
	return z.srv[n], z.fail
}

func (z *zone) Addrs(_ context.Context, n string) ([]netip.Addr, error) {
	z.asked = append(z.asked, "A "+n)
	return z.addrs[n], z.fail
}

func advice(t *testing.T, p SIPPresence, z *zone) string {
	t.Helper()
	d, err := adviseDNS(context.Background(), p, z)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := d.Render("text/plain")
	return string(b)
}

func TestDNSAdviceRecords(t *testing.T) {
	// UDP only, an IPv6 address, nothing published: one NAPTR, one SRV, an AAAA record.
	p := SIPPresence{Domain: "example.test", FQDN: "pbx.example.test", Host: "2001:db8::10", UDP: 5060}
	want := ";; Missing naptr records\nexample.test. IN NAPTR 1 0 \"s\" \"SIP+D2U\" \"\" _sip._udp\n\n" +
		";; Missing srv records\n_sip._udp.example.test. IN SRV 30 10 5060 pbx.example.test.\n\n" +
		";; Missing a records\npbx.example.test. IN AAAA 2001:db8::10\n"
	if got := advice(t, p, &zone{}); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// The right records (any case, any order or weights) leave nothing missing; a NAPTR for
	// the service pointing elsewhere or an SRV with another port does not count.
	z := &zone{
		naptr: map[string][]dnscheck.NAPTR{"example.test.": {{Order: 9, Flags: "S", Service: "sip+d2u", Replacement: "_SIP._udp.example.test"}}},
		srv:   map[string][]dnscheck.SRV{"_sip._udp.example.test.": {{Priority: 1, Weight: 0, Port: 5060, Target: "PBX.example.test."}}},
		addrs: map[string][]netip.Addr{"pbx.example.test.": {netip.MustParseAddr("2001:db8::10")}},
	}
	if got := advice(t, p, z); got != "" {
		t.Fatalf("all present: %q", got)
	}
	z.srv["_sip._udp.example.test."][0].Port = 5070
	if got := advice(t, p, z); got != ";; Missing srv records\n_sip._udp.example.test. IN SRV 30 10 5060 pbx.example.test.\n" {
		t.Fatalf("wrong port: %q", got)
	}
	// A domain that is an address needs no record; nor does an announced host that is a name
	// or the unspecified address need an A record.
	if got := advice(t, SIPPresence{Domain: "192.0.2.1", FQDN: "192.0.2.1", Host: "192.0.2.1", UDP: 5060}, &zone{}); got != "" {
		t.Fatalf("address domain: %q", got)
	}
	for _, host := range []string{"sip.example.test", "0.0.0.0"} {
		z := &zone{}
		p := SIPPresence{Domain: "example.test", FQDN: "pbx.example.test", Host: host, UDP: 5060, TCP: 5060, TLS: 5061}
		got := advice(t, p, z)
		if len(z.asked) != 4 || got == "" || strings.Contains(got, "Missing a records") {
			t.Fatalf("host %s: asked %v, got %q", host, z.asked, got)
		}
	}
	// A failure stops the advice.
	if _, err := adviseDNS(context.Background(), p, &zone{fail: errors.New("SERVFAIL")}); err == nil {
		t.Fatal("a failing resolver gave advice")
	}
}
