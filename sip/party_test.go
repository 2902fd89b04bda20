package sip

import (
	"strings"
	"testing"
)

func TestNormalizeParty(t *testing.T) {
	good := map[string]string{
		"201":                     "201@example.test",
		"alice":                   "alice@example.test",
		"+33123456789":            "+33123456789@example.test",
		"*21#":                    "*21#@example.test",
		"sip:202@pbx.example.org": "202@pbx.example.org",
		"202@10.0.0.1:5062":       "202@10.0.0.1:5062",
		"202@[2001:db8::1]":       "202@[2001:db8::1]",
		"202@[2001:db8::1]:5070":  "202@[2001:db8::1]:5070",
		"j.doe_1@host-a.example":  "j.doe_1@host-a.example",
	}
	for in, want := range good {
		got, err := NormalizeParty(in, "example.test")
		if err != nil || got != want {
			t.Errorf("NormalizeParty(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{"", "@host", "202@", "2 02", "202\r\nVia: x", "202>", "202;lr", "202?X=1", "<sip:202@x>",
		`"202"`, "202@host;transport=tcp", "202@-host", "202@host:0", "202@host:99999", "202@[::1", "202@[zz]",
		"202@ho st", "202@h\x00st", strings.Repeat("1", 300), "202@[fe80::1%eth0]", "20%41"}
	for _, in := range bad {
		if got, err := NormalizeParty(in, "example.test"); err == nil {
			t.Errorf("NormalizeParty(%q) = %q, want an error", in, got)
		}
	}
}

func TestCheckHeaderTextAndConfPin(t *testing.T) {
	if CheckHeaderText("Call from the portal – café") != nil || CheckHeaderText("a\r\nb") == nil || CheckHeaderText("a\x00") == nil {
		t.Fatal("CheckHeaderText")
	}
	if CheckConfPin("1234") != nil || CheckConfPin("12a") == nil || CheckConfPin("") == nil || CheckConfPin("1>") == nil {
		t.Fatal("CheckConfPin")
	}
}

func TestOriginRewrite(t *testing.T) {
	first := []byte("v=0\r\no=- 42 1 IN IP4 127.0.0.1\r\ns=x\r\n")
	o := parseOrigin(first)
	if o == nil || o.id != "42" || o.version != 1 {
		t.Fatalf("parseOrigin: %+v", o)
	}
	o.version++
	got := string(replaceOrigin([]byte("v=0\r\no=callee 7 9 IN IP4 10.0.0.2\r\nm=audio 4000 RTP/AVP 0\r\n"), o))
	if !strings.Contains(got, "o=- 42 2 IN IP4 127.0.0.1\r\n") || !strings.Contains(got, "m=audio 4000") {
		t.Fatalf("replaceOrigin: %q", got)
	}
}

// FuzzNormalizeParty: whatever is accepted is safe inside a SIP URI and header.
func FuzzNormalizeParty(f *testing.F) {
	for _, s := range []string{"201", "sip:202@example.org", "202@[::1]:5060", "202\r\n", "a>b", "x@y;z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeParty(s, "example.test")
		if err != nil {
			return
		}
		if strings.ContainsAny(got, "\r\n <>;?\",\\\t&=") {
			t.Fatalf("NormalizeParty(%q) = %q lets a header or parameter through", s, got)
		}
	})
}
