package acl

import (
	"context"
	"encoding/base64"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func fakeDNS(names map[string][]string) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		addrs, ok := names[host]
		if !ok {
			return nil, errors.New("no such host")
		}
		var out []netip.Addr
		for _, a := range addrs {
			out = append(out, netip.MustParseAddr(a))
		}
		return out, nil
	}
}

func TestHostListMatchesAddressesCIDRsNetmasksAndNames(t *testing.T) {
	r := NewResolver(fakeDNS(map[string][]string{
		"pbx.example":    {"192.0.2.10", "2001:db8::10"},
		"mapped.example": {"::ffff:198.51.100.4"},
	}))
	cases := []struct {
		name  string
		hosts []string
		peer  string
		want  bool
	}{
		{"IPv4 address", []string{"192.0.2.1"}, "192.0.2.1", true},
		{"other IPv4 address", []string{"192.0.2.1"}, "192.0.2.2", false},
		{"IPv4-mapped peer is unmapped", []string{"192.0.2.1"}, "::ffff:192.0.2.1", true},
		{"IPv4-mapped entry is unmapped", []string{"::ffff:192.0.2.1"}, "192.0.2.1", true},
		{"CIDR includes its network address", []string{"192.0.2.0/24"}, "192.0.2.0", true},
		{"CIDR includes its broadcast address", []string{"192.0.2.0/24"}, "192.0.2.255", true},
		{"CIDR excludes the next network", []string{"192.0.2.0/24"}, "192.0.3.0", false},
		{"CIDR with host bits set", []string{"192.0.2.77/24"}, "192.0.2.1", true},
		{"/32 is one address", []string{"192.0.2.7/32"}, "192.0.2.7", true},
		{"/32 excludes its neighbour", []string{"192.0.2.7/32"}, "192.0.2.8", false},
		{"/31 holds both addresses", []string{"192.0.2.0/31"}, "192.0.2.1", true},
		{"/0 holds everything", []string{"0.0.0.0/0"}, "203.0.113.9", true},
		{"/0 holds no IPv6", []string{"0.0.0.0/0"}, "2001:db8::1", false},
		{"dotted netmask", []string{"10.1.2.3/255.255.0.0"}, "10.1.200.1", true},
		{"dotted netmask excludes", []string{"10.1.2.3/255.255.0.0"}, "10.2.0.1", false},
		{"dotted netmask 255.255.255.255", []string{"10.1.2.3/255.255.255.255"}, "10.1.2.3", true},
		{"IPv4-mapped CIDR", []string{"::ffff:10.0.0.0/104"}, "10.9.9.9", true},
		{"IPv6 CIDR", []string{"2001:db8::/32"}, "2001:db8:1::5", true},
		{"IPv6 CIDR excludes", []string{"2001:db8::/32"}, "2001:db9::5", false},
		{"/128 is one address", []string{"2001:db8::1/128"}, "2001:db8::1", true},
		{"IPv6 loopback", []string{"::1"}, "::1", true},
		{"IPv6 peer zone ignored", []string{"fe80::1"}, "fe80::1%eth0", true},
		{"IPv4 entry never matches IPv6 loopback", []string{"127.0.0.1"}, "::1", false},
		{"comma-separated list", []string{"192.0.2.1, 192.0.2.2"}, "192.0.2.2", true},
		{"several entries", []string{"192.0.2.1", "198.51.100.0/24"}, "198.51.100.200", true},
		{"host name, IPv4", []string{"pbx.example"}, "192.0.2.10", true},
		{"host name, IPv6", []string{"pbx.example"}, "2001:db8::10", true},
		{"host name is case-insensitive", []string{"PBX.Example."}, "192.0.2.10", true},
		{"host name, other address", []string{"pbx.example"}, "192.0.2.11", false},
		{"host name answering a mapped address", []string{"mapped.example"}, "198.51.100.4", true},
		{"unresolvable host name matches nothing", []string{"nowhere.example"}, "192.0.2.10", false},
		{"empty list matches nothing", nil, "192.0.2.10", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hl, bad := ParseHostList(tc.hosts)
			if len(bad) > 0 {
				t.Fatalf("%v: unparsed %v", tc.hosts, bad)
			}
			if got := hl.Contains(context.Background(), netip.MustParseAddr(tc.peer), r); got != tc.want {
				t.Errorf("%v contains %s = %v, want %v", tc.hosts, tc.peer, got, tc.want)
			}
		})
	}
}

func TestHostListRefusesMalformedEntries(t *testing.T) {
	for _, s := range []string{"10.0.0.1/255.0.255.0", "999.1.1.1/8", "999.1.1.1", "1.2.3.4/33",
		"::1/129", "bad_host!", "-lead.example", "2001:db8::/255.255.0.0", "::ffff:1.2.3.4/95", "1.2.3.4/"} {
		hl, bad := ParseHostList([]string{s})
		if len(bad) != 1 || !hl.Empty() {
			t.Errorf("%q accepted (bad %v)", s, bad)
		}
	}
}

func TestHostListDoesNotMatchTheZeroAddress(t *testing.T) {
	hl, _ := ParseHostList([]string{"0.0.0.0/0", "::/0"})
	if hl.Contains(context.Background(), netip.Addr{}, nil) {
		t.Fatal("the zero netip.Addr matched")
	}
}

func TestResolverResolvesANameOncePerTTL(t *testing.T) {
	var calls atomic.Int32
	r := NewResolver(func(context.Context, string) ([]netip.Addr, error) {
		calls.Add(1)
		time.Sleep(20 * time.Millisecond)
		return []netip.Addr{netip.MustParseAddr("192.0.2.10")}, nil
	})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := r.Lookup(context.Background(), "pbx.example"); len(got) != 1 {
				t.Errorf("lookup gave %v", got)
			}
		}()
	}
	wg.Wait()
	r.Lookup(context.Background(), "pbx.example")
	if n := calls.Load(); n != 1 {
		t.Fatalf("resolved %d times within the TTL, want 1", n)
	}
}

func TestResolverResolvesAgainAfterTheTTL(t *testing.T) {
	var calls atomic.Int32
	r := NewResolver(func(context.Context, string) ([]netip.Addr, error) {
		calls.Add(1)
		return []netip.Addr{netip.MustParseAddr("192.0.2.10")}, nil
	})
	r.TTL = 10 * time.Millisecond
	r.Lookup(context.Background(), "pbx.example")
	time.Sleep(20 * time.Millisecond)
	r.Lookup(context.Background(), "pbx.example")
	if n := calls.Load(); n != 2 {
		t.Fatalf("resolved %d times across two TTLs, want 2", n)
	}
}

func TestResolverGivesUpAfterItsTimeout(t *testing.T) {
	r := NewResolver(func(ctx context.Context, _ string) ([]netip.Addr, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	r.Timeout = 30 * time.Millisecond
	start := time.Now()
	if got := r.Lookup(context.Background(), "slow.example"); len(got) != 0 {
		t.Fatalf("a timed-out lookup gave %v", got)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("lookup took %v despite a 30 ms timeout", d)
	}
}

func TestIsLoopbackAcceptsAll127AndIPv6AndMappedLoopback(t *testing.T) {
	for s, want := range map[string]bool{"127.0.0.1": true, "127.9.9.9": true, "127.255.255.255": true,
		"::1": true, "::ffff:127.0.0.1": true, "::ffff:127.1.2.3": true,
		"192.0.2.1": false, "::": false, "0.0.0.0": false, "10.0.0.1": false, "::2": false, "128.0.0.1": false} {
		if got := IsLoopback(netip.MustParseAddr(s)); got != want {
			t.Errorf("IsLoopback(%s) = %v, want %v", s, got, want)
		}
	}
	if IsLoopback(netip.Addr{}) {
		t.Error("the zero address is loopback")
	}
}

func TestParseBasicReadsOnlyBasicWithBothParts(t *testing.T) {
	b := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		h, login, pass string
		isBasic, ok    bool
	}{
		{b("admin:secret"), "admin", "secret", true, true},
		{b("admin:se:cret"), "admin", "se:cret", true, true},
		{"basic " + base64.StdEncoding.EncodeToString([]byte("a:b")), "a", "b", true, true},
		{"BASIC   YTpi  ", "a", "b", true, true},
		{"Basic YWRtaW46c2VjcmV0", "admin", "secret", true, true},
		{"Basic YTpiYw", "a", "bc", true, true}, // unpadded
		{b("admin:"), "", "", true, false},
		{b(":secret"), "", "", true, false},
		{b("nocolon"), "", "", true, false},
		{"Basic !!!", "", "", true, false},
		{"Basic", "", "", true, false},
		{"Basic ", "", "", true, false},
		{"Digest username=x", "", "", false, false},
		{"Bearer abc", "", "", false, false},
		{"Basicx YTpi", "", "", false, false},
		{"", "", "", false, false},
	}
	for _, tc := range cases {
		l, p, isBasic, ok := ParseBasic(tc.h)
		if isBasic != tc.isBasic || ok != tc.ok || l != tc.login || p != tc.pass {
			t.Errorf("ParseBasic(%q) = %q %q %v %v", tc.h, l, p, isBasic, ok)
		}
	}
}
