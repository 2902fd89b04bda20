package sipc_test

import (
	"strings"
	"testing"

	"pbxws/web"
)

// The dedicated callcontroller listeners (sipXecs 6667/6666) serve /callcontroller and a small
// index page, nothing else; with remote access off, untrusted hosts are refused.
func TestDedicatedListenersAndRemoteAccessSwitch(t *testing.T) {
	// Ports the system picks, bound by pbxws itself: nothing else can take them meanwhile.
	env := start(t, func(c *web.Config) {
		c.CCHTTPAddr = "127.0.0.1:0"
		c.CCHTTPSAddr = "127.0.0.1:0"
		c.CCRemoteAccess = false
	})
	plain := "http://" + env.Server.CCHTTPAddr()
	secure := "https://" + env.Server.CCHTTPSAddr()
	hc := httpc(env, "")
	if a := do(t, hc, "GET", plain+"/"); a.status != 200 || !strings.Contains(a.body, "callcontroller") {
		t.Fatalf("index: %d %q", a.status, a.body)
	}
	if a := do(t, hc, "GET", plain+"/callcontroller/201/202"); a.status != 200 || !strings.Contains(a.body, "<status-lines") {
		t.Fatalf("GET on the plain listener: %d %q", a.status, a.body)
	}
	if a := do(t, hc, "GET", secure+"/callcontroller/201/202"); a.status != 200 {
		t.Fatalf("GET on the TLS listener: %d %q", a.status, a.body)
	}
	if a := do(t, hc, "GET", plain+"/service/ipbx/json.php/private/pbx_settings/users/"); a.status != 404 {
		t.Fatalf("json.php on the callcontroller listener: %d", a.status)
	}
	a := do(t, httpc(env, untrusted), "GET", secure+"/callcontroller/201/202", "Authorization", basic("201", u201.pin))
	if a.status != 403 || a.body != "Remote access is not permitted" {
		t.Fatalf("untrusted with remote access off: %d %q", a.status, a.body)
	}
}
