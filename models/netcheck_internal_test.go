package models

import (
	"net/netip"
	"testing"
)

func TestParseNetmaskTakesPrefixLengthsAndContiguousMasks(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0.0.0.0", "8": "255.0.0.0", "/24": "255.255.255.0", "32": "255.255.255.255",
		"255.255.255.0": "255.255.255.0", "255.255.252.0": "255.255.252.0", "0.0.0.0": "0.0.0.0",
		"255.255.255.255": "255.255.255.255",
	} {
		if _, got, ok := ParseNetmask(in); !ok || got != want {
			t.Errorf("ParseNetmask(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "33", "-1", "+8", "100", "255.0.255.0", "255.255.255.1", "0.255.255.255", "24.5", "/", "ffff::"} {
		if _, got, ok := ParseNetmask(in); ok {
			t.Errorf("ParseNetmask(%q) = %q, want a refusal", in, got)
		}
	}
}

func TestHostInNetExcludesNetworkAndBroadcast(t *testing.T) {
	p := netip.MustParsePrefix("10.0.0.0/24")
	for a, want := range map[string]bool{"10.0.0.1": true, "10.0.0.254": true, "10.0.0.0": false, "10.0.0.255": false, "10.0.1.1": false} {
		if got := hostInNet(p, netip.MustParseAddr(a)); got != want {
			t.Errorf("hostInNet(%s, %s) = %v", p, a, got)
		}
	}
	// A point-to-point /31 and a /32 have no network or broadcast address to avoid.
	if !hostInNet(netip.MustParsePrefix("10.0.0.0/31"), netip.MustParseAddr("10.0.0.0")) ||
		!hostInNet(netip.MustParsePrefix("10.0.0.7/32"), netip.MustParseAddr("10.0.0.7")) {
		t.Error("/31 and /32 hosts refused")
	}
}

func TestHostNamesAndRelays(t *testing.T) {
	for s, want := range map[string]bool{"smtp.free.fr": true, "localhost": true, "a-b.example": true, "x": true,
		"": false, "-a.example": false, "a_b.example": false, "a..example": false, "example.": false, "10.0.0.1": false,
		"a b": false} {
		if ValidHostname(s) != want {
			t.Errorf("ValidHostname(%q) != %v", s, want)
		}
	}
	for s, want := range map[string]bool{"smtp.example.com": true, "[smtp.example.com]": true, "[smtp.example.com]:587": true,
		"192.0.2.1:25": true, "smtp.example.com:0": false, "smtp.example.com:+25": false, "smtp example.com": false,
		"[smtp.example.com": false, "smtp.example.com:99999": false} {
		if validRelayHost(s) != want {
			t.Errorf("validRelayHost(%q) != %v", s, want)
		}
	}
	for s, want := range map[string]bool{"ops@example.com": true, "a.b+c@mail.example.org": true, "@example.com": false,
		"ops@": false, "ops example.com": false, "ops@exa_mple.com": false} {
		if ValidEmail(s) != want {
			t.Errorf("ValidEmail(%q) != %v", s, want)
		}
	}
}

// Whatever ParseNetmask accepts is a mask of its stated length, which it accepts again.
func FuzzParseNetmask(f *testing.F) {
	for _, s := range []string{"24", "/16", "255.255.255.0", "255.0.255.0", "33", "0", "1.2.3.4", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bits, dotted, ok := ParseNetmask(s)
		if !ok {
			return
		}
		if bits < 0 || bits > 32 || dotted != maskText(bits) {
			t.Fatalf("ParseNetmask(%q) = %d %q", s, bits, dotted)
		}
		if b2, d2, ok2 := ParseNetmask(dotted); !ok2 || b2 != bits || d2 != dotted {
			t.Fatalf("ParseNetmask(%q) does not round-trip: %d %q %v", dotted, b2, d2, ok2)
		}
	})
}
