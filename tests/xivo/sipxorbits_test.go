package xivo_test

import (
	"net/http"
	"strings"
	"testing"

	"pbxws/tests/testenv"
	"pbxws/web"
)

const (
	apiOrbits          = "/sipxconfig/api/orbits"
	privateParkingPath = "/service/ipbx/json.php/private/pbx_services/parkinglot/"
)

// orbitState is the stored parking lots with their sipX parts and settings overrides.
func orbitState(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var s *string
	if err := env.DB.Get(&s, `SELECT string_agg(concat_ws('|', id, name, context, number, positions, next, duration, calltransfers,
		callreparking, musicclass, hints, description, commented, COALESCE(music, '-'), server_id, COALESCE(park_timeout, -1),
		(SELECT string_agg(path || '=' || COALESCE(value, 'null'), ',' ORDER BY path) FROM setting_values WHERE owner_kind = 'orbit' AND owner_id = p.id::text)),
		E'\n' ORDER BY id) FROM parking_lots p`); err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}

// uploadOrbitMusic stores a file in the orbits prompt family through /api.
func uploadOrbitMusic(t *testing.T, boss *sx, name string) {
	t.Helper()
	body, ctype := multipartBody(t, filePart(name, wavBytes(64)))
	if a := boss.send("POST", "/sipxconfig/api/orbits/prompts", ctype, body); a.status != http.StatusOK {
		t.Fatalf("upload %s: %d %s", name, a.status, a.body)
	}
}

// /api/orbits over the XiVO parking lots: created, listed (all, by server), read in JSON and
// XML, merged by PUT, deleted; music from the orbits prompts (a file in use is not deleted);
// json.php reads the orbit and its edits come back through sipX, XiVO-only fields kept.
func TestSipxAPIOrbits(t *testing.T) {
	env, c := sipxSetup(t, func(cfg *web.Config) { cfg.Hostname = "pbx.example.com" })
	boss := newSipx(t, env, "boss", "bosspin1")
	uploadOrbitMusic(t, boss, "default.wav")

	// Roles: no credentials 401, a USER 403; nothing made.
	for _, who := range []*sx{newSipx(t, env, "", ""), newSipx(t, env, "clerk", "clerkpin")} {
		want := http.StatusUnauthorized
		if who.user != "" {
			want = http.StatusForbidden
		}
		for _, x := range [][2]string{{"GET", ""}, {"POST", ""}, {"GET", "/1"}, {"PUT", "/1"}, {"DELETE", "/1"},
			{"GET", "/servers/1"}, {"POST", "/servers/1"}, {"DELETE", "/servers/1"}, {"GET", "/1/settings"}, {"PUT", "/1/settings/general/transferKey"}} {
			if a := who.send(x[0], apiOrbits+x[1], "application/json", `{"name":"x","extension":"701"}`); a.status != want {
				t.Fatalf("%q %s %s: %d %s", who.user, x[0], x[1], a.status, a.body)
			}
		}
	}
	if a := boss.send("GET", apiOrbits, "", ""); a.status != http.StatusOK || a.body != `{"orbits":[]}` {
		t.Fatalf("empty list: %d %s", a.status, a.body)
	}

	// Create: the id and its Location; a XiVO parking lot in the default internal context with
	// the settings' defaults (one position, no timeout, no transfers) on server 1.
	a := boss.send("POST", apiOrbits, "application/json", `{"name":"orbit1","enabled":true,"extension":"701","description":null,"music":"default.wav"}`)
	if a.status != http.StatusOK || a.body != "1" || a.header.Get("Location") != apiOrbits+"/1" {
		t.Fatalf("POST: %d %s %v", a.status, a.body, a.header)
	}
	if got := orbitState(t, env); got != "1|orbit1|default|701|1|f|0||||f||f|default.wav|1|-1" {
		t.Fatalf("stored: %s", got)
	}
	if n := count(t, env, `SELECT count(*) FROM extensions WHERE context = 'default' AND exten = '701' AND type = 'parking' AND typeval = '1'`); n != 1 {
		t.Fatal("the orbit's extension is not claimed")
	}
	want := `{"id":1,"name":"orbit1","enabled":true,"extension":"701","description":null,"music":"default.wav","server":"pbx.example.com"}`
	if a := boss.send("GET", apiOrbits+"/1", "", ""); a.status != http.StatusOK || a.body != want {
		t.Fatalf("GET: %d %s", a.status, a.body)
	}
	for _, p := range []string{"", "/servers/1", "/servers/PBX.example.com"} {
		if a := boss.send("GET", apiOrbits+p, "", ""); a.body != `{"orbits":[`+want+`]}` {
			t.Fatalf("GET %s: %s", p, a.body)
		}
	}
	a = boss.send("GET", apiOrbits+"/1.xml", "", "")
	if a.status != http.StatusOK || !strings.HasSuffix(a.body, `<Orbit><id>1</id><name>orbit1</name><enabled>true</enabled><extension>701</extension><music>default.wav</music><server>pbx.example.com</server></Orbit>`) {
		t.Fatalf("XML: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiOrbits, "", "", "Accept", "text/xml"); !strings.HasSuffix(a.body, `<Orbits><Orbit><id>1</id><name>orbit1</name><enabled>true</enabled><extension>701</extension><music>default.wav</music><server>pbx.example.com</server></Orbit></Orbits>`) {
		t.Fatalf("XML list: %s", a.body)
	}

	// json.php sees the parking lot; its edit of XiVO-only fields and of the name comes back
	// through sipX, and keeps the sipX-only music and server.
	v := c.object(privateParkingPath, "act=view&id=1")
	if v["name"] != "orbit1" || v["extension"] != "701" || v["context"] != "default" || v["commented"] != false || v["positions"] != "1" {
		t.Fatalf("json.php view: %v", v)
	}
	c.mustStatus(http.StatusOK, "POST", privateParkingPath, "act=edit&id=1", map[string]any{"name": "lobby", "callreparking": "caller", "musicclass": "jazz", "hints": true, "next": true})
	if a := boss.send("GET", apiOrbits+"/1", "", ""); a.body != strings.Replace(want, "orbit1", "lobby", 1) {
		t.Fatalf("after json.php edit: %s", a.body)
	}
	// PUT merges: the description and enabled alone; the XiVO fields stay.
	if a := boss.send("PUT", apiOrbits+"/1", "application/json", `{"description":"front desk","enabled":false,"id":9}`); a.status != http.StatusOK || a.body != "1" || a.header.Get("Location") != apiOrbits+"/1" {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	before := orbitState(t, env)
	if before != "1|lobby|default|701|1|t|0||caller|jazz|t|front desk|t|default.wav|1|-1" {
		t.Fatalf("after PUT: %s", before)
	}
	// XML in: the music removed, the extension moved.
	if a := boss.send("PUT", apiOrbits+"/1", "text/xml", `<Orbit><extension>702</extension><music></music></Orbit>`); a.status != http.StatusOK {
		t.Fatalf("PUT XML: %d %s", a.status, a.body)
	}
	before = orbitState(t, env)
	if before != "1|lobby|default|702|1|t|0||caller|jazz|t|front desk|t|-|1|-1" {
		t.Fatalf("after XML PUT: %s", before)
	}
	if a := boss.send("PUT", apiOrbits+"/1", "application/json", `{"music":"default.wav"}`); a.status != http.StatusOK {
		t.Fatalf("PUT music: %d %s", a.status, a.body)
	}
	if got := orbitState(t, env); got != "1|lobby|default|702|1|t|0||caller|jazz|t|front desk|t|default.wav|1|-1" {
		t.Fatalf("after PUT music: %s", got)
	}

	// A json.php parking lot is an orbit too, on server 1, with no music.
	c.mustStatus(http.StatusOK, "POST", privateParkingPath, "act=add", map[string]any{"name": "garage", "context": "default", "extension": "750", "positions": 5, "duration": 90})
	if a := boss.send("GET", apiOrbits+"/2", "", ""); a.body != `{"id":2,"name":"garage","enabled":true,"extension":"750","description":null,"music":null,"server":"pbx.example.com"}` {
		t.Fatalf("XiVO-made orbit: %s", a.body)
	}
	before = orbitState(t, env)

	// Refusals change nothing: duplicate name and extension 409, missing name or extension,
	// non-digits, unknown music and server 400, unknown or non-numeric orbit and unknown
	// server 404, /orbits/settings 404.
	for _, x := range []struct {
		method, path, body string
		status             int
		has                string
	}{
		{"POST", "", `{"name":"lobby","extension":"760"}`, 409, "name"},
		{"POST", "", `{"name":"other","extension":"750"}`, 409, "750"},
		{"POST", "", `{"extension":"760"}`, 400, "name"},
		{"POST", "", `{"name":"other"}`, 400, "extension"},
		{"POST", "", `{"name":"other","extension":"76a"}`, 400, "extension"},
		{"POST", "", `{"name":"other","extension":"760","music":"nothing.wav"}`, 400, "Prompt not found"},
		{"POST", "", `{"name":"other","extension":"760","server":"2"}`, 400, "No such server"},
		{"POST", "", `{"name":"other","extension":"760","server":"elsewhere.example.com"}`, 400, "No such server"},
		{"POST", "", `{"name":"other","extension":"760","enabled":"maybe"}`, 400, "enabled"},
		{"POST", "", `{"name":`, 400, ""},
		{"PUT", "/1", `{"name":"garage"}`, 409, "name"},
		{"PUT", "/1", `{"extension":""}`, 400, "extension"},
		{"PUT", "/1", `{"music":"nothing.wav"}`, 400, "Prompt not found"},
		{"PUT", "/9", `{"name":"x"}`, 404, "Orbit not found"},
		{"GET", "/9", ``, 404, "Orbit not found"},
		{"GET", "/abc", ``, 404, "Orbit not found"},
		{"DELETE", "/9", ``, 404, "Orbit not found"},
		{"GET", "/settings", ``, 404, ""},
		{"GET", "/servers/2", ``, 404, "Server not found"},
		{"POST", "/servers/2", `{"name":"other","extension":"760"}`, 404, "Server not found"},
		{"DELETE", "/servers/other.example.com", ``, 404, "Server not found"},
		{"DELETE", "/prompts/default.wav", ``, 409, "orbit lobby"},
	} {
		a := boss.send(x.method, apiOrbits+x.path, "application/json", x.body)
		if a.status != x.status || !strings.Contains(a.body, x.has) || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") {
			t.Fatalf("%s %s %s: %d %s", x.method, x.path, x.body, a.status, a.body)
		}
		if after := orbitState(t, env); after != before {
			t.Fatalf("%s %s changed the orbits:\n%s", x.method, x.path, after)
		}
	}
	if n := count(t, env, `SELECT count(*) FROM audio_files WHERE family = 'orbits' AND name = 'default.wav'`); n != 1 {
		t.Fatal("a file in use was deleted")
	}

	// Create on a server by path; delete one; delete a server's orbits (json.php sees them go).
	a = boss.send("POST", apiOrbits+"/servers/pbx.example.com", "application/json", `{"name":"third","extension":"760"}`)
	third := a.body
	if a.status != http.StatusOK || a.header.Get("Location") != apiOrbits+"/"+third || count(t, env, `SELECT count(*) FROM parking_lots WHERE name = 'third' AND server_id = 1 AND id = `+third) != 1 {
		t.Fatalf("POST on server: %d %s", a.status, a.body)
	}
	if a := boss.send("DELETE", apiOrbits+"/"+third, "", ""); a.status != http.StatusOK || a.body != "" {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	if n := count(t, env, `SELECT count(*) FROM parking_lots WHERE name = 'third'`) + count(t, env, `SELECT count(*) FROM extensions WHERE exten = '760'`); n != 0 {
		t.Fatal("the deleted orbit or its number is still there")
	}
	if a := boss.send("DELETE", apiOrbits+"/servers/1", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE server: %d %s", a.status, a.body)
	}
	if got := orbitState(t, env); got != "" || c.list(privateParkingPath, "act=list") != nil {
		t.Fatalf("after DELETE server: %s", got)
	}
	// The music is free again.
	if a := boss.send("DELETE", "/sipxconfig/api/orbits/prompts/default.wav", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE free music: %d %s", a.status, a.body)
	}
}

// /api/orbits/{id}/settings: general/ mirrors the parking lot's columns (positions,
// duration, calltransfers), transferKey is stored; json.php sees the changes and its edits
// come back as settings.
func TestSipxAPIOrbitSettings(t *testing.T) {
	env, c := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	if a := boss.send("POST", apiOrbits, "application/json", `{"name":"orbit1","extension":"701"}`); a.status != http.StatusOK {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	settings := apiOrbits + "/1/settings"
	leaf := func(path, typ, value, def, label, desc string) string {
		return `{"path":"general/` + path + `","type":"` + typ + `","options":null,"value":"` + value + `","defaultValue":"` + def + `","label":"` + label + `","description":"` + desc + `"}`
	}
	list := func(enable, timeout, multiple, transfer, key string) string {
		return `{"settings":[` + strings.Join([]string{
			leaf("enableTimeout", "boolean", enable, "0", "Enable timeout", "Return a parked call to the one who parked it when nobody picks it up in time."),
			leaf("parkTimeout", "integer", timeout, "120", "Timeout", "Seconds a call stays parked before it returns, when the timeout is enabled."),
			leaf("multipleCalls", "boolean", multiple, "0", "Multiple calls", "Park several calls on the orbit at once."),
			leaf("allowTransfer", "boolean", transfer, "0", "Allow transfers", "Let a parked call be transferred."),
			leaf("transferKey", "string", key, "0", "Transfer key", "The key that transfers a parked call."),
		}, ",") + `]}`
	}
	if a := boss.send("GET", settings, "", ""); a.status != http.StatusOK || a.body != list("0", "120", "0", "0", "0") {
		t.Fatalf("defaults: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", settings+"/general/parkTimeout", "", "", "Accept", "text/xml"); !strings.HasSuffix(a.body,
		`<Setting><path>general/parkTimeout</path><type>integer</type><value>120</value><defaultValue>120</defaultValue><label>Timeout</label><description>Seconds a call stays parked before it returns, when the timeout is enabled.</description></Setting>`) {
		t.Fatalf("XML leaf: %s", a.body)
	}

	// Writes land in the columns (not stored twice), transferKey as an override.
	for _, w := range [][2]string{{"parkTimeout", "200"}, {"enableTimeout", "true"}, {"multipleCalls", "1"}, {"allowTransfer", "1"}, {"transferKey", "#"}} {
		if a := boss.send("PUT", settings+"/general/"+w[0], "text/plain", w[1]+"\n"); a.status != http.StatusOK || a.body != "" {
			t.Fatalf("PUT %s: %d %s", w[0], a.status, a.body)
		}
	}
	if got := orbitState(t, env); got != "1|orbit1|default|701|10|f|200|both|||f||f|-|1|-1|general/transferKey=#" {
		t.Fatalf("stored: %s", got)
	}
	if a := boss.send("GET", settings, "", ""); a.body != list("1", "200", "1", "1", "#") {
		t.Fatalf("after writes: %s", a.body)
	}
	v := c.object(privateParkingPath, "act=view&id=1")
	if v["positions"] != "10" || v["duration"] != "200" || v["calltransfers"] != "both" {
		t.Fatalf("json.php view: %v", v)
	}
	// json.php edits read back as settings: 3 positions is still multiple calls, duration 0
	// is the timeout off, a caller-only transfer is transfers allowed.
	c.mustStatus(http.StatusOK, "POST", privateParkingPath, "act=edit&id=1", map[string]any{"positions": 3, "duration": 0, "calltransfers": "caller"})
	if a := boss.send("GET", settings, "", ""); a.body != list("0", "120", "1", "1", "#") {
		t.Fatalf("after json.php edit: %s", a.body)
	}
	// Off, the timeout keeps its seconds aside; on again, they are the duration.
	if a := boss.send("PUT", settings+"/general/parkTimeout", "text/plain", "90"); a.status != http.StatusOK {
		t.Fatalf("PUT parkTimeout off: %d %s", a.status, a.body)
	}
	if got := orbitState(t, env); got != "1|orbit1|default|701|3|f|0|caller|||f||f|-|1|90|general/transferKey=#" {
		t.Fatalf("timeout off: %s", got)
	}
	if a := boss.send("GET", settings+"/general/parkTimeout", "", ""); !strings.Contains(a.body, `"value":"90"`) {
		t.Fatalf("parkTimeout off: %s", a.body)
	}
	if a := boss.send("PUT", settings+"/general/enableTimeout", "text/plain", "1"); a.status != http.StatusOK {
		t.Fatalf("PUT enableTimeout: %d %s", a.status, a.body)
	}
	if got := orbitState(t, env); got != "1|orbit1|default|701|3|f|90|caller|||f||f|-|1|-1|general/transferKey=#" {
		t.Fatalf("timeout on: %s", got)
	}
	// Refusals change nothing: out of range, not a boolean, not a key, a group, unknown
	// paths and orbits.
	before := orbitState(t, env)
	for _, x := range []struct {
		method, path, body string
		status             int
		has                string
	}{
		{"PUT", "/1/settings/general/parkTimeout", "20", 400, "general/parkTimeout"},
		{"PUT", "/1/settings/general/parkTimeout", "soon", 400, "general/parkTimeout"},
		{"PUT", "/1/settings/general/multipleCalls", "maybe", 400, "general/multipleCalls"},
		{"PUT", "/1/settings/general/transferKey", "12", 400, "general/transferKey"},
		{"PUT", "/1/settings/general", "1", 400, "not a setting"},
		{"PUT", "/1/settings/general/nothing", "1", 404, ""},
		{"GET", "/1/settings/general/nothing", "", 404, ""},
		{"DELETE", "/1/settings/nothing", "", 404, ""},
		{"GET", "/9/settings", "", 404, "Orbit not found"},
		{"PUT", "/9/settings/general/transferKey", "1", 404, "Orbit not found"},
		{"GET", "/1/settings/general/..", "", 404, ""},
	} {
		a := boss.send(x.method, apiOrbits+x.path, "text/plain", x.body)
		if a.status != x.status || !strings.Contains(a.body, x.has) {
			t.Fatalf("%s %s %s: %d %s", x.method, x.path, x.body, a.status, a.body)
		}
		if after := orbitState(t, env); after != before {
			t.Fatalf("%s %s changed the orbit:\n%s", x.method, x.path, after)
		}
	}
	// DELETE of the group: every leaf back to its default, in the columns too; XiVO-only
	// columns stay.
	if a := boss.send("DELETE", settings+"/general", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE general: %d %s", a.status, a.body)
	}
	if got := orbitState(t, env); got != "1|orbit1|default|701|1|f|0||||f||f|-|1|120" {
		t.Fatalf("after reset: %s", got)
	}
	if a := boss.send("GET", settings, "", ""); a.body != list("0", "120", "0", "0", "0") {
		t.Fatalf("after reset: %s", a.body)
	}
	// Deleting the orbit drops its stored settings.
	if a := boss.send("PUT", settings+"/general/transferKey", "text/plain", "5"); a.status != http.StatusOK {
		t.Fatal(a.body)
	}
	c.mustStatus(http.StatusOK, "GET", privateParkingPath, "act=delete&id=1", nil)
	if n := count(t, env, `SELECT count(*) FROM setting_values WHERE owner_kind = 'orbit'`); n != 0 {
		t.Fatal("the deleted orbit's settings stayed")
	}
}

// Simultaneous writes of different parts of one orbit all survive: sipX settings (each a
// column of the parking lot), a sipX PUT and json.php edits, each locking what it merges.
func TestSipxAPIOrbitSimultaneousWritesKeepEachOther(t *testing.T) {
	env, c := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	if a := boss.send("POST", apiOrbits, "application/json", `{"name":"orbit1","extension":"701"}`); a.status != http.StatusOK {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	settings := apiOrbits + "/1/settings/general/"
	writes := []func() int{
		func() int { return boss.send("PUT", settings+"enableTimeout", "text/plain", "1").status },
		func() int { return boss.send("PUT", settings+"multipleCalls", "text/plain", "1").status },
		func() int { return boss.send("PUT", settings+"allowTransfer", "text/plain", "1").status },
		func() int { return boss.send("PUT", settings+"transferKey", "text/plain", "*").status },
		func() int {
			return boss.send("PUT", apiOrbits+"/1", "application/json", `{"description":"desk"}`).status
		},
		func() int {
			st, _, _ := c.do("POST", privateParkingPath, "act=edit&id=1", map[string]any{"callreparking": "both", "hints": true})
			return st
		},
	}
	done := make(chan int, len(writes))
	for _, w := range writes {
		go func() { done <- w() }()
	}
	for range writes {
		if st := <-done; st != http.StatusOK {
			t.Fatalf("a write answered %d", st)
		}
	}
	if got := orbitState(t, env); got != "1|orbit1|default|701|10|f|120|both|both||t|desk|f|-|1|-1|general/transferKey=*" {
		t.Fatalf("stored: %s", got)
	}
}
