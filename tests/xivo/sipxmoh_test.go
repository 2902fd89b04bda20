package xivo_test

import (
	"net/http"
	"strings"
	"testing"

	"pbxws/tests/testenv"
)

// mohState is the stored music-on-hold settings and the configuration changes announced.
func mohState(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var s string
	if err := env.DB.Get(&s, `SELECT COALESCE((SELECT string_agg(path || '=' || COALESCE(value, 'null'), ',' ORDER BY path) FROM setting_values WHERE owner_kind = 'service:moh'), '') || '/' ||
		COALESCE((SELECT string_agg(op || ':' || value::text, ',' ORDER BY id) FROM host_config_changes WHERE section = 'settings/moh'), '')`); err != nil {
		t.Fatal(err)
	}
	return s
}

// /api/moh/settings: moh-config/MOH_SOURCE (FILES_SRC or NONE), defaults without overrides,
// stored and announced on the configuration channel; the sound card source is refused.
func TestSipxAPIMOHSettings(t *testing.T) {
	env, _ := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	const base = "/sipxconfig/api/moh/settings"
	for _, who := range []*sx{newSipx(t, env, "", ""), newSipx(t, env, "clerk", "clerkpin")} {
		want := http.StatusUnauthorized
		if who.user != "" {
			want = http.StatusForbidden
		}
		for _, m := range []string{"GET", "PUT", "DELETE"} {
			if a := who.send(m, base+"/moh-config/MOH_SOURCE", "text/plain", "NONE"); a.status != want {
				t.Fatalf("%q %s: %d %s", who.user, m, a.status, a.body)
			}
		}
	}
	bean := func(value string) string {
		return `{"path":"moh-config/MOH_SOURCE","type":"enum","options":{"FILES_SRC":"System Music Directory","NONE":"None"},"value":"` + value +
			`","defaultValue":"FILES_SRC","label":"Music On Hold Source","description":"Source of the music played to held calls."}`
	}
	// No override: the defaults, 200.
	if a := boss.send("GET", base, "", ""); a.status != http.StatusOK || a.body != `{"settings":[`+bean("FILES_SRC")+`]}` {
		t.Fatalf("defaults: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", base+"/moh-config", "", ""); a.body != `{"settings":[`+bean("FILES_SRC")+`]}` {
		t.Fatalf("group: %s", a.body)
	}
	if got := mohState(t, env); got != "/" {
		t.Fatalf("stored before any write: %s", got)
	}
	// NONE: stored and announced.
	if a := boss.send("PUT", base+"/moh-config/MOH_SOURCE", "text/plain", "NONE\r\n"); a.status != http.StatusOK || a.body != "" {
		t.Fatalf("PUT NONE: %d %s", a.status, a.body)
	}
	if got := mohState(t, env); got != `moh-config/MOH_SOURCE=NONE/edit:{"moh-config/MOH_SOURCE": "NONE"}` {
		t.Fatalf("after PUT: %s", got)
	}
	if a := boss.send("GET", base+"/moh-config/MOH_SOURCE", "", ""); a.status != http.StatusOK || a.body != bean("NONE") {
		t.Fatalf("leaf: %s", a.body)
	}
	a := boss.send("GET", base+"/moh-config/MOH_SOURCE", "", "", "Accept", "text/xml")
	if !strings.HasSuffix(a.body, `<Setting><path>moh-config/MOH_SOURCE</path><type>enum</type><options><entry><key>FILES_SRC</key><value>System Music Directory</value></entry><entry><key>NONE</key><value>None</value></entry></options><value>NONE</value><defaultValue>FILES_SRC</defaultValue><label>Music On Hold Source</label><description>Source of the music played to held calls.</description></Setting>`) {
		t.Fatalf("XML: %s", a.body)
	}
	// Refusals change nothing: the sound card (400), an unknown value (400), the group
	// (400), unknown paths (404).
	before := mohState(t, env)
	for _, x := range []struct {
		method, path, body string
		status             int
		has                string
	}{
		{"PUT", "/moh-config/MOH_SOURCE", "SOUNDCARD_SRC", 400, "moh-config/MOH_SOURCE"},
		{"PUT", "/moh-config/MOH_SOURCE", "", 400, "moh-config/MOH_SOURCE"},
		{"PUT", "/moh-config", "NONE", 400, "not a setting"},
		{"PUT", "/moh-config/SOUNDCARD_SRC", "1", 404, ""},
		{"GET", "/moh-config/nothing", "", 404, ""},
		{"DELETE", "/nothing", "", 404, ""},
		{"PUT", "", `{"settings":[{"path":"moh-config/MOH_SOURCE","value":"SOUNDCARD_SRC"}]}`, 405, ""},
	} {
		a := boss.send(x.method, base+x.path, "text/plain", x.body)
		if a.status != x.status || !strings.Contains(a.body, x.has) {
			t.Fatalf("%s %s %s: %d %s", x.method, x.path, x.body, a.status, a.body)
		}
		if after := mohState(t, env); after != before {
			t.Fatalf("%s %s changed the settings: %s", x.method, x.path, after)
		}
	}
	// DELETE: back to the default, announced.
	if a := boss.send("DELETE", base+"/moh-config/MOH_SOURCE", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	if got := mohState(t, env); got != `/edit:{"moh-config/MOH_SOURCE": "NONE"},reset:{"moh-config/MOH_SOURCE": null}` {
		t.Fatalf("after DELETE: %s", got)
	}
	if a := boss.send("GET", base, "", ""); a.body != `{"settings":[`+bean("FILES_SRC")+`]}` {
		t.Fatalf("after DELETE: %s", a.body)
	}
}
