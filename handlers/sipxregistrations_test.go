package handlers

import (
	"encoding/json"
	"testing"

	"pbxws/models"
)

func TestRegistrationAddresses(t *testing.T) {
	for in, want := range map[string]string{
		"<sip:201@192.0.2.50:5060;transport=udp>": "192.0.2.50",
		"sip:201@10.0.0.1":                        "10.0.0.1",
		"sip:10.0.0.1:5062":                       "10.0.0.1",
		"<sips:alice@[2001:0db8::0:1]:5061>":      "2001:db8::1",
		`"Bob" <sip:bob@Host.Example:5060>`:       "host.example",
		"sip:x":                                   "x",
		"":                                        "",
	} {
		if got := uriHost(in); got != want {
			t.Errorf("uriHost(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"10.0.0.1": "10.0.0.1", "[::1]": "::1", "::ffff:10.0.0.1": "10.0.0.1", "2001:DB8:0::1": "2001:db8::1", "Name": "name"} {
		if got := normalHost(in); got != want {
			t.Errorf("normalHost(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRegistrationInstrument(t *testing.T) {
	for _, x := range []struct {
		instance, agent, line, want string
	}{
		{"<urn:uuid:00000000-0000-1000-8000-0004F2112233>", "", "aabbccddeeff", "0004f2112233"},
		{"urn:x-mac:00:04:f2:11:22:33", "", "", "0004f2112233"},
		{"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>", "", "", "00a0c91e6bf6"},
		{"", "PolycomVVX-VVX_410-UA/5.9.0.9373_0004f2aabbcc", "", "0004f2aabbcc"},
		{"", "Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:cc", "", "001565aabbcc"},
		{"", "baresip v3.10.1 (x86_64/linux)", "001122334455", "001122334455"},
		{"", "sipp", "", ""},
		{"", "0004f2aabbccdd", "", ""}, // 14 hex digits are no MAC
	} {
		b := &models.LiveBinding{Instance: x.instance, UserAgent: x.agent, LineMAC: x.line}
		if got := instrument(b); got != x.want {
			t.Errorf("instrument(%q, %q, %q) = %q, want %q", x.instance, x.agent, x.line, got, x.want)
		}
	}
}

func TestAPIScheduleTimesAndDays(t *testing.T) {
	for _, x := range []struct {
		v    any
		stop bool
		want int
		ok   bool
	}{
		{json.Number("28800000"), false, 480, true},
		{json.Number("1767254400000"), false, 480, true}, // 2026-01-01T08:00Z: the time of day counts
		{json.Number("28859999"), false, 480, true},      // truncated to the minute
		{json.Number("86400000"), true, 1440, true},      // a stop at midnight is 24:00
		{json.Number("0"), true, 0, true},
		{"1970-01-01T18:30:00Z", false, 1110, true},
		{"1970-01-01T18:30:00+01:00", false, 1050, true},
		{"noon", false, 0, false},
		{true, false, 0, false},
	} {
		got, ok := apiMillis(x.v, x.stop)
		if got != x.want || ok != x.ok {
			t.Errorf("apiMillis(%v, %v) = %d %v, want %d %v", x.v, x.stop, got, ok, x.want, x.ok)
		}
	}
	for in, want := range map[string]int{"Sunday": 1, "SATURDAY": 7, "weekdays": -1, "Weekend": -2, "Every_day": 0, "EVERYDAY": 0, "Every day": 0} {
		if got, ok := parseAPIDay(in); !ok || got != want {
			t.Errorf("parseAPIDay(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	if _, ok := parseAPIDay("Funday"); ok {
		t.Error("Funday is a day")
	}
}
