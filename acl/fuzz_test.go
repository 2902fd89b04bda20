package acl

import (
	"context"
	"encoding/base64"
	"net/netip"
	"strings"
	"testing"
)

var hostSeeds = []string{
	"192.0.2.1", "192.0.2.0/24", "192.0.2.7/32", "10.1.2.3/255.255.0.0", "10.0.0.0/255.0.255.0",
	"0.0.0.0/0", "2001:db8::/32", "2001:db8::1/128", "::1", "::ffff:192.0.2.1", "::ffff:10.0.0.0/104",
	"fe80::1%eth0", "fe80::1%eth0/64", "pbx.example", "PBX.Example.", "999.1.1.1", "a,b c",
	"192.0.2.1, 192.0.2.2", "1.2.3.4/33", "::1/129", "", "/", ",", "1.2.3.4/0.0.0.0", "1.2.3.4/-1",
	"1.2.3.4/08", "::ffff:1.2.3.4/95",
}

// noDNS resolves nothing, so fuzzing never touches the network.
var noDNS = NewResolver(func(context.Context, string) ([]netip.Addr, error) { return nil, context.Canceled })

// FuzzHostListParse: parsing never panics, every entry it keeps is a valid masked prefix that
// contains its own network address, and a plain address matches itself.
func FuzzHostListParse(f *testing.F) {
	for _, s := range hostSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, entry string) {
		hl, bad := ParseHostList([]string{entry})
		ctx := context.Background()
		for _, p := range hl.prefixes {
			if !p.IsValid() || p != p.Masked() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
				t.Fatalf("%q kept %v, not a valid masked unmapped prefix", entry, p)
			}
			if !hl.Contains(ctx, p.Addr(), noDNS) {
				t.Fatalf("%q does not contain its own network address %s", entry, p.Addr())
			}
		}
		for _, n := range hl.names {
			if !validHostName(n) {
				t.Fatalf("%q kept the invalid host name %q", entry, n)
			}
		}
		for _, b := range bad {
			if strings.ContainsAny(b, ", \t") || b == "" {
				t.Fatalf("%q reported an unsplit bad entry %q", entry, b)
			}
		}
		if a, err := netip.ParseAddr(entry); err == nil && !strings.ContainsAny(entry, ", \t") {
			if !hl.Contains(ctx, a, noDNS) {
				t.Fatalf("the address %q does not match itself", entry)
			}
		}
	})
}

// FuzzHostListMatch: matching agrees with netip's own containment for CIDR entries, and an
// IPv4 peer matches the same entries in its IPv4-mapped IPv6 form.
func FuzzHostListMatch(f *testing.F) {
	for _, s := range hostSeeds {
		f.Add(s, "192.0.2.1")
		f.Add(s, "::ffff:10.1.9.9")
		f.Add(s, "2001:db8::5")
	}
	f.Fuzz(func(t *testing.T, entry, peer string) {
		hl, _ := ParseHostList([]string{entry})
		a, err := netip.ParseAddr(peer)
		if err != nil {
			if hl.Contains(context.Background(), netip.Addr{}, noDNS) {
				t.Fatalf("%q matched the zero address", entry)
			}
			return
		}
		ctx := context.Background()
		got := hl.Contains(ctx, a, noDNS)
		if p, err := netip.ParsePrefix(entry); err == nil && !p.Addr().Is4In6() && !a.Is4In6() && a.Zone() == "" {
			if want := p.Masked().Contains(a); got != want {
				t.Fatalf("%q contains %s = %v, netip says %v", entry, a, got, want)
			}
		}
		if a.Is4() {
			if mapped := netip.AddrFrom16(a.As16()); hl.Contains(ctx, mapped, noDNS) != got {
				t.Fatalf("%q: %s and %s disagree", entry, a, mapped)
			}
		}
	})
}

// FuzzBasicHeader: parsing never panics, never accepts an empty login or password or a login
// with a colon, and reads back what a client encodes.
func FuzzBasicHeader(f *testing.F) {
	f.Add("Basic YWRtaW46c2VjcmV0", "admin", "secret")
	f.Add("basic Og==", "a", "b:c")
	f.Add("Basic ", "", "x")
	f.Add("BASIC    YTpi", "a", "")
	f.Add("Digest username=x", "é", "\x00")
	f.Add("Basic YWRtaW46c2VjcmV0\t", ":", ":")
	f.Fuzz(func(t *testing.T, h, login, password string) {
		l, p, isBasic, ok := ParseBasic(h)
		if ok && (!isBasic || l == "" || p == "" || strings.Contains(l, ":")) {
			t.Fatalf("ParseBasic(%q) = %q %q %v %v", h, l, p, isBasic, ok)
		}
		if !ok && (l != "" || p != "") {
			t.Fatalf("ParseBasic(%q) refused but returned %q %q", h, l, p)
		}
		enc := "Basic " + base64.StdEncoding.EncodeToString([]byte(login+":"+password))
		l, p, isBasic, ok = ParseBasic(enc)
		// A colon in the login moves the split, as it does for every server.
		wantL, wantP, _ := strings.Cut(login+":"+password, ":")
		wantOK := wantL != "" && wantP != ""
		if !isBasic || ok != wantOK || (ok && (l != wantL || p != wantP)) {
			t.Fatalf("round trip of %q:%q gave %q %q %v", login, password, l, p, ok)
		}
	})
}
