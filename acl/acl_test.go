package acl

import (
	"context"
	"encoding/base64"
	"net/netip"
	"testing"
)

func TestHostListContains(t *testing.T) {
	r := NewResolver(func(ctx context.Context, host string) ([]netip.Addr, error) {
		if host == "pbx.example" {
			return []netip.Addr{netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("2001:db8::10")}, nil
		}
		return nil, context.DeadlineExceeded
	})
	cases := []struct {
		hosts []string
		peer  string
		want  bool
	}{
		{[]string{"192.0.2.1"}, "192.0.2.1", true},
		{[]string{"192.0.2.1"}, "192.0.2.2", false},
		{[]string{"192.0.2.1"}, "::ffff:192.0.2.1", true},
		{[]string{"192.0.2.0/24"}, "192.0.2.0", true},
		{[]string{"192.0.2.0/24"}, "192.0.2.255", true},
		{[]string{"192.0.2.0/24"}, "192.0.3.0", false},
		{[]string{"192.0.2.7/32"}, "192.0.2.7", true},
		{[]string{"192.0.2.0/31"}, "192.0.2.1", true},
		{[]string{"10.1.2.3/255.255.0.0"}, "10.1.200.1", true},
		{[]string{"10.1.2.3/255.255.0.0"}, "10.2.0.1", false},
		{[]string{"2001:db8::/32"}, "2001:db8:1::5", true},
		{[]string{"2001:db8::1/128"}, "2001:db8::1", true},
		{[]string{"::1"}, "::1", true},
		{[]string{"192.0.2.1, 192.0.2.2"}, "192.0.2.2", true},
		{[]string{"pbx.example"}, "192.0.2.10", true},
		{[]string{"pbx.example"}, "2001:db8::10", true},
		{[]string{"pbx.example"}, "192.0.2.11", false},
		{[]string{"nowhere.example"}, "192.0.2.10", false},
		{[]string{"0.0.0.0/0"}, "203.0.113.9", true},
	}
	for _, tc := range cases {
		hl, bad := ParseHostList(tc.hosts)
		if len(bad) > 0 {
			t.Fatalf("%v: unparsed %v", tc.hosts, bad)
		}
		if got := hl.Contains(context.Background(), netip.MustParseAddr(tc.peer), r); got != tc.want {
			t.Errorf("%v contains %s = %v, want %v", tc.hosts, tc.peer, got, tc.want)
		}
	}
	if _, bad := ParseHostList([]string{"10.0.0.1/255.0.255.0", "999.1.1.1/8", "bad_host!"}); len(bad) != 3 {
		t.Errorf("bad entries accepted: %v", bad)
	}
}

func TestResolverCachesLookups(t *testing.T) {
	calls := 0
	r := NewResolver(func(ctx context.Context, host string) ([]netip.Addr, error) {
		calls++
		return []netip.Addr{netip.MustParseAddr("192.0.2.10")}, nil
	})
	for i := 0; i < 5; i++ {
		r.Lookup(context.Background(), "pbx.example")
	}
	if calls != 1 {
		t.Fatalf("resolved %d times within the TTL, want 1", calls)
	}
}

func TestIsLoopback(t *testing.T) {
	for s, want := range map[string]bool{"127.0.0.1": true, "127.9.9.9": true, "::1": true,
		"::ffff:127.0.0.1": true, "192.0.2.1": false, "::": false, "10.0.0.1": false} {
		if got := IsLoopback(netip.MustParseAddr(s)); got != want {
			t.Errorf("IsLoopback(%s) = %v", s, got)
		}
	}
	if IsLoopback(netip.Addr{}) {
		t.Error("the zero address is loopback")
	}
}

func TestGrantedCoversSubtreesSegmentWise(t *testing.T) {
	grants := []string{"service/ipbx", "xivo/configuration/check", "cti/"}
	for s, want := range map[string]bool{
		"service/ipbx/pbx_settings/users":  true,
		"service/ipbx":                     true,
		"service/ipbxx/pbx_settings/users": false,
		"xivo/configuration/check":         true,
		"xivo/configuration/manage/entity": false,
		"cti/profiles":                     true,
		"service/callcenter/settings":      false,
	} {
		if got := Granted(grants, s); got != want {
			t.Errorf("Granted(%q) = %v, want %v", s, got, want)
		}
	}
	if Granted([]string{"service/ip"}, "service/ipbx/pbx_settings/users") {
		t.Error("a partial segment granted a subtree")
	}
	if Granted(nil, "cti/profiles") || Granted([]string{""}, "cti/profiles") {
		t.Error("empty grants granted something")
	}
}

func TestValidSection(t *testing.T) {
	for s, want := range map[string]bool{"service/ipbx": true, "service/ipbx/pbx_settings/users": true,
		"service": true, "service/ipbx/nope": false, "": false, "cti/profiles/x": false} {
		if ValidSection(s) != want {
			t.Errorf("ValidSection(%q) != %v", s, want)
		}
	}
	if len(SimilarSections("service/ipbx/user")) == 0 {
		t.Error("no suggestion for a near miss")
	}
}

func TestParseBasic(t *testing.T) {
	b := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		h, login, pass string
		ok             bool
	}{
		{b("admin:secret"), "admin", "secret", true},
		{b("admin:se:cret"), "admin", "se:cret", true},
		{"basic " + base64.StdEncoding.EncodeToString([]byte("a:b")), "a", "b", true},
		{b("admin:"), "", "", false},
		{b(":secret"), "", "", false},
		{b("nocolon"), "", "", false},
		{"Basic !!!", "", "", false},
		{"Digest username=x", "", "", false},
		{"", "", "", false},
	}
	for _, tc := range cases {
		l, p, ok := ParseBasic(tc.h)
		if ok != tc.ok || l != tc.login || p != tc.pass {
			t.Errorf("ParseBasic(%q) = %q %q %v", tc.h, l, p, ok)
		}
	}
}

func FuzzHostList(f *testing.F) {
	for _, s := range []string{"192.0.2.0/24", "10.1.2.3/255.255.0.0", "2001:db8::/32", "::ffff:1.2.3.4",
		"pbx.example", "a,b c", "1.2.3.4/33", "::1/129", "", "/", "1.2.3.4/0.0.0.0"} {
		f.Add(s, "192.0.2.1")
	}
	r := NewResolver(func(ctx context.Context, host string) ([]netip.Addr, error) { return nil, context.Canceled })
	f.Fuzz(func(t *testing.T, entry, peer string) {
		hl, _ := ParseHostList([]string{entry})
		for _, p := range hl.prefixes {
			if !p.IsValid() {
				t.Fatalf("%q parsed to an invalid prefix", entry)
			}
			// A prefix contains its own network address, and an address entry itself.
			if !hl.Contains(context.Background(), p.Addr(), r) {
				t.Fatalf("%q does not contain its own address %s", entry, p.Addr())
			}
		}
		if a, err := netip.ParseAddr(peer); err == nil {
			_ = hl.Contains(context.Background(), a, r)
		}
	})
}

func FuzzParseBasic(f *testing.F) {
	f.Add("Basic YWRtaW46c2VjcmV0")
	f.Add("basic Og==")
	f.Add("Basic ")
	f.Fuzz(func(t *testing.T, h string) {
		l, p, ok := ParseBasic(h)
		if ok && (l == "" || p == "") {
			t.Fatalf("ParseBasic(%q) accepted an empty part", h)
		}
	})
}
