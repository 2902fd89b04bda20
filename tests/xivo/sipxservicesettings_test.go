package xivo_test

import (
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
	"pbxws/web"
)

// serviceOverrides are the stored overrides of a service's settings, "path=value;…".
func serviceOverrides(t *testing.T, env *testenv.Env, service string) string {
	t.Helper()
	var s *string
	if err := env.DB.Get(&s, `SELECT string_agg(path || '=' || COALESCE(value, '<null>'), ';' ORDER BY path)
		FROM setting_values WHERE owner_kind = $1`, "service:"+service); err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}

const (
	sipSettingsPath = "/service/ipbx/json.php/private/general_settings/sip/"
	apiRegistrar    = "/sipxconfig/api/registrar/settings"
	apiRestServer   = "/sipxconfig/api/restserver/settings"
)

// /api/registrar/settings: the registrar-config/ tree, its ports read-only (the running SIP
// listener, 409 naming the flag), its expiry bounds defaulting to the flags and stored as
// overrides, a shortest interval above its longest refused; JSON and XML; ADMIN only.
func TestSipxAPIRegistrarSettings(t *testing.T) {
	env, c := sipxSetup(t, func(c *web.Config) { c.SIPMinExpires, c.SIPMaxExpires = 30, 1200 })
	// What is stored: the overrides, and XiVO's SIP registration bounds (the normal ones).
	state := func() string {
		var xivo string
		if err := env.DB.Get(&xivo, `SELECT concat_ws(',', value->>'minexpiry', value->>'maxexpiry') FROM settings WHERE section = 'sip'`); err != nil {
			t.Fatal(err)
		}
		return serviceOverrides(t, env, "registrar") + "|" + xivo
	}
	_, sipPort, _ := net.SplitHostPort(env.Server.SIPAddr())
	boss := newSipx(t, env, "boss", "bosspin1")

	levels := `{"DEBUG":"Debug","INFO":"Information","NOTICE":"Notice","WARNING":"Warning","ERR":"Error","CRIT":"Critical","ALERT":"Alert","EMERG":"Emergency"}`
	a := boss.send("GET", apiRegistrar, "", "")
	for _, want := range []string{
		`{"settings":[{"path":"registrar-config/SIP_REGISTRAR_UDP_PORT","type":"integer","options":null,"value":"` + sipPort + `","defaultValue":null,"label":"SIP UDP port",`,
		`{"path":"registrar-config/SIP_REGISTRAR_TCP_PORT","type":"integer","options":null,"value":"` + sipPort + `",`,
		`{"path":"registrar-config/SIP_REGISTRAR_LOG_LEVEL","type":"enum","options":` + levels + `,"value":"NOTICE","defaultValue":"NOTICE","label":"Log level",`,
		`{"path":"registrar-config/SIP_REGISTRAR_MIN_EXPIRES_NORMAL","type":"integer","options":null,"value":"30","defaultValue":"30",`,
		`{"path":"registrar-config/SIP_REGISTRAR_MAX_EXPIRES_NORMAL","type":"integer","options":null,"value":"1200","defaultValue":"1200",`,
		`{"path":"registrar-config/SIP_REGISTRAR_MAX_EXPIRES_NATED","type":"integer","options":null,"value":"1200","defaultValue":"1200",`,
	} {
		if a.status != http.StatusOK || !strings.Contains(a.body, want) {
			t.Fatalf("GET: %d, no %s in\n%s", a.status, want, a.body)
		}
	}
	if n := strings.Count(a.body, `"path":`); n != 7 {
		t.Fatalf("%d leaves: %s", n, a.body)
	}

	// Writes: stored as overrides, read back in JSON and XML.
	for path, v := range map[string]string{"SIP_REGISTRAR_MAX_EXPIRES_NORMAL": "600\n", "SIP_REGISTRAR_MIN_EXPIRES_NATED": " 20 ", "SIP_REGISTRAR_LOG_LEVEL": "DEBUG"} {
		if a := boss.send("PUT", apiRegistrar+"/registrar-config/"+path, "text/plain", v); a.status != http.StatusOK || a.body != "" {
			t.Fatalf("PUT %s: %d %s", path, a.status, a.body)
		}
	}
	before := state()
	if before != "registrar-config/SIP_REGISTRAR_LOG_LEVEL=DEBUG;registrar-config/SIP_REGISTRAR_MIN_EXPIRES_NATED=20|600" {
		t.Fatalf("stored: %s", before)
	}
	// The normal bounds are XiVO's general_settings/sip minexpiry and maxexpiry: one value
	// seen and written through both façades.
	if v := c.object(sipSettingsPath, "act=view"); v["maxexpiry"] != float64(600) || v["minexpiry"] != float64(60) {
		t.Fatalf("json.php view: maxexpiry %v minexpiry %v", v["maxexpiry"], v["minexpiry"])
	}
	c.mustStatus(http.StatusOK, "POST", sipSettingsPath, "act=edit", map[string]any{"minexpiry": 45})
	if a := boss.send("GET", apiRegistrar+"/registrar-config/SIP_REGISTRAR_MIN_EXPIRES_NORMAL", "", ""); a.status != http.StatusOK || !strings.Contains(a.body, `"value":"45","defaultValue":"30"`) {
		t.Fatalf("GET after the json.php edit: %d %s", a.status, a.body)
	}
	before = state()
	if before != "registrar-config/SIP_REGISTRAR_LOG_LEVEL=DEBUG;registrar-config/SIP_REGISTRAR_MIN_EXPIRES_NATED=20|45,600" {
		t.Fatalf("stored: %s", before)
	}
	if a := boss.send("GET", apiRegistrar+"/registrar-config/SIP_REGISTRAR_MAX_EXPIRES_NORMAL", "", ""); a.status != http.StatusOK ||
		!strings.HasPrefix(a.body, `{"path":"registrar-config/SIP_REGISTRAR_MAX_EXPIRES_NORMAL","type":"integer","options":null,"value":"600","defaultValue":"1200","label":"Longest registration",`) {
		t.Fatalf("GET leaf: %d %s", a.status, a.body)
	}
	a = boss.send("GET", apiRegistrar+"/registrar-config/SIP_REGISTRAR_LOG_LEVEL", "", "", "Accept", "text/xml")
	if a.status != http.StatusOK || !strings.Contains(a.body, `<Setting><path>registrar-config/SIP_REGISTRAR_LOG_LEVEL</path><type>enum</type><options><entry><key>DEBUG</key><value>Debug</value></entry>`) ||
		!strings.Contains(a.body, `</options><value>DEBUG</value><defaultValue>NOTICE</defaultValue><label>Log level</label>`) {
		t.Fatalf("GET XML: %d %s", a.status, a.body)
	}

	// Refusals change nothing: read-only ports 409 naming the flag (PUT and DELETE), a value
	// out of its type 400, a shortest interval above the longest 400, unknown paths 404, a
	// group 400, a user 403, no credentials 401.
	for _, x := range []struct {
		who, method, path, body string
		status                  int
		has                     string
	}{
		{"boss", "PUT", "/registrar-config/SIP_REGISTRAR_UDP_PORT", "5080", 409, "the running SIP listener (-sip, PBXWS_SIP)"},
		{"boss", "DELETE", "/registrar-config/SIP_REGISTRAR_TCP_PORT", "", 409, "-sip-tcp"},
		{"boss", "PUT", "/registrar-config/SIP_REGISTRAR_MAX_EXPIRES_NORMAL", "ten", 400, "must be an integer"},
		{"boss", "PUT", "/registrar-config/SIP_REGISTRAR_MAX_EXPIRES_NORMAL", "0", 400, "must be between 1 and 86400"},
		{"boss", "PUT", "/registrar-config/SIP_REGISTRAR_MAX_EXPIRES_NORMAL", "44", 400, "SIP_REGISTRAR_MIN_EXPIRES_NORMAL: must not exceed registrar-config/SIP_REGISTRAR_MAX_EXPIRES_NORMAL (44)"},
		{"boss", "PUT", "/registrar-config/SIP_REGISTRAR_MIN_EXPIRES_NORMAL", "601", 400, "SIP_REGISTRAR_MIN_EXPIRES_NORMAL: must not exceed registrar-config/SIP_REGISTRAR_MAX_EXPIRES_NORMAL (600)"},
		{"boss", "PUT", "/registrar-config/SIP_REGISTRAR_MAX_EXPIRES_NATED", "19", 400, "SIP_REGISTRAR_MIN_EXPIRES_NATED: must not exceed"},
		{"boss", "PUT", "/registrar-config/SIP_REGISTRAR_LOG_LEVEL", "LOUD", 400, "must be one of DEBUG, INFO"},
		{"boss", "PUT", "/registrar-config/NO_SUCH", "1", 404, ""},
		{"boss", "GET", "/registrar-config/NO_SUCH", "", 404, ""},
		{"boss", "PUT", "/registrar-config", "1", 400, "not a setting"},
		{"clerk", "PUT", "/registrar-config/SIP_REGISTRAR_LOG_LEVEL", "INFO", 403, ""},
		{"clerk", "GET", "", "", 403, ""},
		{"", "DELETE", "/registrar-config", "", 401, ""},
	} {
		c := newSipx(t, env, x.who, map[string]string{"boss": "bosspin1", "clerk": "clerkpin"}[x.who])
		a := c.send(x.method, apiRegistrar+x.path, "text/plain", x.body)
		if a.status != x.status || !strings.Contains(a.body, x.has) {
			t.Fatalf("%s %s %q as %q: %d %q", x.method, x.path, x.body, x.who, a.status, a.body)
		}
		if got := state(); got != before {
			t.Fatalf("%s %s changed the settings: %s", x.method, x.path, got)
		}
	}

	// DELETE of a leaf, then of the group (its read-only ports left alone): the defaults.
	if a := boss.send("DELETE", apiRegistrar+"/registrar-config/SIP_REGISTRAR_LOG_LEVEL", "", ""); a.status != http.StatusOK ||
		state() != "registrar-config/SIP_REGISTRAR_MIN_EXPIRES_NATED=20|45,600" {
		t.Fatalf("DELETE leaf: %d %s %s", a.status, a.body, state())
	}
	if a := boss.send("DELETE", apiRegistrar+"/registrar-config", "", ""); a.status != http.StatusOK || state() != "|" {
		t.Fatalf("DELETE group: %d %s %s", a.status, a.body, state())
	}
	if v := c.object(sipSettingsPath, "act=view"); v["maxexpiry"] != float64(3600) || v["minexpiry"] != float64(60) {
		t.Fatalf("json.php view after the reset: maxexpiry %v minexpiry %v", v["maxexpiry"], v["minexpiry"])
	}
}

// /api/restserver/settings: rest-config/, its ports the running listeners (read-only), its
// log level applied at once to pbxws's own request log.
func TestSipxAPIRestServerSettings(t *testing.T) {
	logs := &testenv.SyncBuffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(logs, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	env, _ := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	port := func(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }

	a := boss.send("GET", apiRestServer, "", "")
	want := `{"settings":[{"path":"rest-config/log.level","type":"enum",`
	for _, leaf := range []struct{ name, value string }{
		{"sipPort", port(env.Server.SIPAddr())}, {"httpPort", port(env.Server.HTTPAddr())}, {"publicHttpPort", port(env.Server.HTTPSAddr())},
	} {
		if !strings.Contains(a.body, `{"path":"rest-config/`+leaf.name+`","type":"integer","options":null,"value":"`+leaf.value+`","defaultValue":null,`) {
			t.Fatalf("GET: no %s=%s in %s", leaf.name, leaf.value, a.body)
		}
	}
	if a.status != http.StatusOK || !strings.HasPrefix(a.body, want) {
		t.Fatalf("GET: %d %s", a.status, a.body)
	}
	for _, p := range []string{"httpPort", "publicHttpPort", "sipPort"} {
		if a := boss.send("PUT", apiRestServer+"/rest-config/"+p, "text/plain", "8080"); a.status != http.StatusConflict || !strings.Contains(a.body, "is read-only: its value comes from the running") {
			t.Fatalf("PUT %s: %d %s", p, a.status, a.body)
		}
	}
	if serviceOverrides(t, env, "restserver") != "" {
		t.Fatalf("stored: %s", serviceOverrides(t, env, "restserver"))
	}

	// log.level WARNING: request lines (INFO) stop at once; DELETE: they come back.
	requests := func() int {
		return strings.Count(logs.String(), "path=/sipxconfig/api/restserver/settings/rest-config/log.level")
	}
	if a := boss.send("PUT", apiRestServer+"/rest-config/log.level", "text/plain", "WARNING"); a.status != http.StatusOK {
		t.Fatalf("PUT log.level: %d %s", a.status, a.body)
	}
	if got := serviceOverrides(t, env, "restserver"); got != "rest-config/log.level=WARNING" {
		t.Fatalf("stored: %s", got)
	}
	testenv.Eventually(t, 5*time.Second, "request lines to stop", func() bool {
		n := requests()
		boss.send("GET", apiRestServer+"/rest-config/log.level", "", "")
		return requests() == n
	})
	if a := boss.send("DELETE", apiRestServer+"/rest-config/log.level", "", ""); a.status != http.StatusOK || serviceOverrides(t, env, "restserver") != "" {
		t.Fatalf("DELETE log.level: %d %s", a.status, a.body)
	}
	testenv.Eventually(t, 5*time.Second, "request lines to come back", func() bool {
		n := requests()
		boss.send("GET", apiRestServer+"/rest-config/log.level", "", "")
		return requests() > n
	})
}
