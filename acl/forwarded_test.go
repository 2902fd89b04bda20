package acl

import (
	"net/netip"
	"strings"
	"testing"
)

func TestClientAddrTakesTheRightmostUntrustedHop(t *testing.T) {
	proxies, err := ParseProxies([]string{"127.0.0.1/32", "10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	for _, c := range []struct {
		name string
		tcp  netip.Addr
		xff  []string
		want string // "" = unknown
	}{
		{"forged loopback on the left", lo, []string{"127.0.0.1, 203.0.113.7"}, "203.0.113.7"},
		{"two headers", lo, []string{"127.0.0.1", "203.0.113.7"}, "203.0.113.7"},
		{"through two trusted proxies", lo, []string{"198.51.100.4, 10.1.2.3"}, "198.51.100.4"},
		{"every hop trusted", lo, []string{"10.0.0.9, 10.1.2.3"}, "10.0.0.9"},
		{"no header: the proxy itself", lo, nil, "127.0.0.1"},
		{"with a port", lo, []string{"203.0.113.7:4711"}, "203.0.113.7"},
		{"IPv6 with a port", lo, []string{"[2001:db8::1]:4711"}, "2001:db8::1"},
		{"mapped IPv4", lo, []string{"::ffff:203.0.113.7"}, "203.0.113.7"},
		{"garbage is unknown, not the proxy", lo, []string{"not-an-ip"}, ""},
		{"garbage right of a good hop", lo, []string{"203.0.113.7, junk"}, ""},
		{"garbage left of the client is ignored", lo, []string{"junk, 203.0.113.7"}, "203.0.113.7"},
		{"empty entry", lo, []string{"203.0.113.7,"}, ""},
		{"zone", lo, []string{"fe80::1%eth0"}, ""},
		{"too many hops", lo, []string{strings.Repeat("10.0.0.1,", 40) + "10.0.0.1"}, ""},
		{"untrusted TCP peer: headers ignored", netip.MustParseAddr("203.0.113.9"), []string{"127.0.0.1"}, "203.0.113.9"},
	} {
		got, ok := proxies.ClientAddr(c.tcp, c.xff)
		if c.want == "" {
			if ok || got.IsValid() {
				t.Errorf("%s: %v %v, want unknown", c.name, got, ok)
			}
			continue
		}
		if !ok || got != netip.MustParseAddr(c.want) {
			t.Errorf("%s: %v %v, want %s", c.name, got, ok, c.want)
		}
	}
	// No proxies configured: the TCP peer, whatever the header says.
	if got, ok := Proxies(nil).ClientAddr(lo, []string{"203.0.113.7"}); !ok || got != lo {
		t.Errorf("no proxies: %v", got)
	}
	if IsLoopback(netip.Addr{}) {
		t.Error("the unknown peer counts as loopback")
	}
}

func TestParseProxies(t *testing.T) {
	if _, err := ParseProxies([]string{"notacidr"}); err == nil {
		t.Error("notacidr accepted")
	}
	p, err := ParseProxies([]string{"::ffff:10.0.0.0/104", "192.0.2.7"})
	if err != nil || !p.Trusts(netip.MustParseAddr("10.9.9.9")) || !p.Trusts(netip.MustParseAddr("192.0.2.7")) || p.Trusts(netip.MustParseAddr("192.0.2.8")) {
		t.Errorf("%v %v", p, err)
	}
}

func FuzzForwardedFor(f *testing.F) {
	for _, s := range []string{"127.0.0.1, 203.0.113.7", "[::1]:80", "junk", ",,,", "10.0.0.1,10.0.0.2", "::ffff:1.2.3.4", "fe80::1%lo"} {
		f.Add(s)
	}
	proxies, _ := ParseProxies([]string{"127.0.0.0/8", "10.0.0.0/8"})
	lo := netip.MustParseAddr("127.0.0.1")
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := proxies.ClientAddr(lo, []string{s})
		if !ok {
			if a.IsValid() {
				t.Fatalf("unknown peer with an address %v", a)
			}
			return
		}
		if !a.IsValid() {
			t.Fatal("known peer without an address")
		}
		// The answer is the rightmost hop unless that hop is a trusted proxy.
		hops := strings.Split(s, ",")
		last, _ := parseHop(strings.TrimSpace(hops[len(hops)-1]))
		if !proxies.Trusts(last) && a != last {
			t.Fatalf("%q: got %v, the rightmost untrusted hop is %v", s, a, last)
		}
		if a.Is4In6() {
			t.Fatalf("mapped address %v returned", a)
		}
	})
}
