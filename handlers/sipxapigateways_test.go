package handlers

import (
	"testing"

	"pbxws/models"
)

func TestGatewayOutboundProxies(t *testing.T) {
	for in, want := range map[string]struct {
		host string
		port int
	}{
		"":                     {"", 5060},
		"obp.example.net":      {"obp.example.net", 5060},
		"obp.example.net:5099": {"obp.example.net", 5099},
		"192.0.2.1:0x":         {"192.0.2.1", 5060},
		"[2001:db8::1]:5070":   {"2001:db8::1", 5070},
		"2001:db8::1":          {"2001:db8::1", 5060},
		" 198.51.100.7:5080 ":  {"198.51.100.7", 5080},
	} {
		host, port := splitOutbound(in)
		if host != want.host || port != want.port {
			t.Errorf("%q: %q %d, want %q %d", in, host, port, want.host, want.port)
		}
		if host != "" {
			if h, p := splitOutbound(joinOutbound(host, port)); h != host || p != port {
				t.Errorf("%q: joined and split again %q %d", in, h, p)
			}
		}
	}
}

func TestRulePatterns(t *testing.T) {
	for _, x := range []struct {
		p      models.DialPattern
		prefix string
		digits int
	}{
		{models.DialPattern{Exten: "_0XXXXXXXXX"}, "0", 9},
		{models.DialPattern{Exten: "_00."}, "00", -1},
		{models.DialPattern{Exten: "112"}, "112", 0},
		{models.DialPattern{Exten: "NXXNXXXXXX"}, "", 10},
		{models.DialPattern{Exten: "_9[2-9]XX!"}, "9", -1},
		{models.DialPattern{Exten: "_9[2-9]XX"}, "9", 3},
		{models.DialPattern{Prefix: "8", Exten: "_1XX"}, "81", 2},
	} {
		if prefix, digits := sipxPattern(x.p); prefix != x.prefix || digits != x.digits {
			t.Errorf("%+v: %q %d, want %q %d", x.p, prefix, digits, x.prefix, x.digits)
		}
	}
}
