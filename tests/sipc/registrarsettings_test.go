package sipc_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
	"pbxws/web"
)

// putSetting writes a registrar setting through sipX /api as the administrator boss.
func putSetting(t *testing.T, env *testenv.Env, path, value string) {
	t.Helper()
	req, err := http.NewRequest("PUT", env.HTTPSURL+"/sipxconfig/api/registrar/settings/registrar-config/"+path, strings.NewReader(value))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/plain")
	req.SetBasicAuth("boss", "bosspin1")
	resp, err := httpc(env, "").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT %s=%s: %d", path, value, resp.StatusCode)
	}
}

// The registrar's stored settings (sipx-api.md §13) are what every REGISTER is held to: the
// shortest interval (423 with Min-Expires), the longest (granted instead of more), the NATed
// pair for a phone registering from elsewhere than its Contact, and the log level, each
// applied without a restart, over the -sip-min-expires/-sip-max-expires defaults; the normal
// pair is XiVO's general_settings/sip minexpiry/maxexpiry, edited through either façade.
func TestRegistrarFollowsStoredSettings(t *testing.T) {
	logs := &testenv.SyncBuffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(logs, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	env := start(t, func(c *web.Config) { c.SIPMinExpires, c.SIPMaxExpires = 30, 3600 })
	postJSON(t, env, "/service/ipbx/json.php/private/pbx_settings/users/", "act=add", map[string]any{
		"userfeatures": map[string]any{"firstname": "Boss", "loginclient": "boss", "passwdclient": "bosspin1", "admin": true}})

	p := newRawPhone(t, env.Server.SIPAddr())
	contact := fmt.Sprintf("<sip:201@127.0.0.1:%d>", p.port())
	nonce, _ := p.challengeFor("201", "bounds-1")
	nc := 1
	register := func(contact string, extra ...string) sipAnswer {
		t.Helper()
		nc++
		return p.send(p.register("201", "bounds-1", nc, contact, append([]string{sipDigest("201", u201.secret, nonce, "sip:"+domain, nc-1)}, extra...)...))
	}
	// The flags' bounds first: 40 s is granted, and a REGISTER logs nothing at DEBUG.
	if a := register(contact, "Expires: 40"); a.code != 200 || !strings.Contains(a.header("Contact"), "expires=40") && !strings.Contains(a.header("Contact"), "expires=39") {
		t.Fatalf("Expires 40 under the flags: %d\n%s", a.code, a.raw)
	}
	if strings.Contains(logs.String(), "msg=REGISTER") {
		t.Fatalf("a REGISTER logged at DEBUG before the level was set:\n%s", logs.String())
	}

	putSetting(t, env, "SIP_REGISTRAR_MIN_EXPIRES_NORMAL", "45")
	putSetting(t, env, "SIP_REGISTRAR_MAX_EXPIRES_NORMAL", "90")
	putSetting(t, env, "SIP_REGISTRAR_MAX_EXPIRES_NATED", "50")
	putSetting(t, env, "SIP_REGISTRAR_LOG_LEVEL", "DEBUG")

	// Too short for the stored minimum: 423 with its Min-Expires (once the change is heard).
	var a sipAnswer
	testenv.Eventually(t, 5*time.Second, "the stored minimum to apply", func() bool {
		a = register(contact, "Expires: 40")
		return a.code == 423
	})
	if a.header("Min-Expires") != "45" {
		t.Fatalf("Expires 40: %d\n%s", a.code, a.raw)
	}
	// Too long: the stored maximum is granted.
	a = register(contact, "Expires: 99999")
	if a.code != 200 || !strings.Contains(a.header("Contact"), "expires=90") && !strings.Contains(a.header("Contact"), "expires=89") {
		t.Fatalf("Expires 99999: %d\n%s", a.code, a.raw)
	}
	var stored int
	if err := env.DB.Get(&stored, `SELECT CAST(round(extract(epoch FROM expires - now())) AS int) FROM registrations WHERE username = '201' AND contact LIKE $1`,
		fmt.Sprintf("%%:%d%%", p.port())); err != nil || stored < 85 || stored > 90 {
		t.Fatalf("stored expiry %d s (%v)", stored, err)
	}
	// A contact elsewhere than where the REGISTER came from is behind NAT: the NATed maximum.
	natted := "<sip:201@192.0.2.77:5099>"
	if a := register(natted, "Expires: 99999"); a.code != 200 || !strings.Contains(a.raw, "192.0.2.77:5099>;expires=50") && !strings.Contains(a.raw, "192.0.2.77:5099>;expires=49") {
		t.Fatalf("NATed Expires 99999: %d\n%s", a.code, a.raw)
	}
	// The normal bounds are XiVO's general_settings/sip minexpiry/maxexpiry: an edit through
	// json.php applies to the next REGISTERs as well.
	postJSON(t, env, "/service/ipbx/json.php/private/general_settings/sip/", "act=edit", map[string]any{"minexpiry": 70})
	testenv.Eventually(t, 5*time.Second, "the json.php minimum to apply", func() bool {
		a = register(contact, "Expires: 60")
		return a.code == 423 && a.header("Min-Expires") == "70"
	})
	// The log level applies live: the REGISTERs now log at DEBUG.
	testenv.Eventually(t, 5*time.Second, "REGISTER logged at DEBUG", func() bool {
		register(contact, "Expires: 60")
		return strings.Contains(logs.String(), "level=DEBUG msg=REGISTER")
	})
}
