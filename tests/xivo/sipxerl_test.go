package xivo_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"pbxws/tests/testenv"
)

// The e911 ERL resources of seed 001 ("Using the e911 REST API").

const (
	sipxERLs = "/sipxconfig/rest/erls"
	sipxERL  = "/sipxconfig/rest/erl/"
	// The seed's own ERL, and its answer to GET /erls byte for byte.
	seedERL       = `<e911Location><location>123 Test Street, Chattanooga, TN, 37412</location><elin>4235551212</elin><addressInfo>123 Test Street, Chattanooga, TN, 37412</addressInfo><description>test</description></e911Location>`
	seedERLAnswer = `<?xml version="1.0" encoding="UTF-8"?><e911Locations>` + seedERL + `</e911Locations>`
)

func erlTables(t *testing.T, env *testenv.Env) string {
	t.Helper()
	return tablesSnapshot(t, env, "erls", "user_erls", "user_group_erls", "device_erls")
}

// seedCurl sends what the seed's curl line sends: credentials in the URL (Basic), no
// Accept, no body.
func seedCurl(t *testing.T, env *testenv.Env, method, user, pass, path string) sxAnswer {
	t.Helper()
	u, err := url.Parse(env.HTTPSURL + path)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, pass)
	req, _ := http.NewRequest(method, u.String(), nil)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // curl -k
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return sxAnswer{resp.StatusCode, resp.Header, string(b)}
}

func TestSipxERLsSaveListEditDelete(t *testing.T) {
	env, _ := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")

	// PUT /erls saves the seed's ERL; the seed's curl line reads it back as the seed shows.
	if a := boss.send("PUT", sipxERLs, "text/xml", `<e911Locations>`+seedERL+`</e911Locations>`); a.status != http.StatusOK || a.body != "" {
		t.Fatalf("PUT /erls: %d %s", a.status, a.body)
	}
	if a := seedCurl(t, env, "GET", "boss", "bosspin1", sipxERLs); a.status != http.StatusOK || a.body != seedERLAnswer ||
		!strings.HasPrefix(a.header.Get("Content-Type"), "text/xml") {
		t.Fatalf("curl -k -X GET …/erls: %d %q\n%s", a.status, a.header.Get("Content-Type"), a.body)
	}
	// JSON: a PUT in JSON adds one and replaces the first (by ELIN).
	if a := boss.send("PUT", sipxERLs, "application/json", `{"e911Locations": [
		{"elin": "4235551212", "location": "123 Test Street, Chattanooga, TN, 37412", "description": "lobby"},
		{"elin": "14235550000", "location": "Floor 2", "addressInfo": "123 Test Street, floor 2"}]}`); a.status != http.StatusOK {
		t.Fatalf("PUT /erls JSON: %d %s", a.status, a.body)
	}
	var rows []string
	if err := env.DB.Select(&rows, `SELECT concat_ws('|', elin, location, address_info, description) FROM erls ORDER BY elin`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows, "\n") != "14235550000|Floor 2|123 Test Street, floor 2|\n4235551212|123 Test Street, Chattanooga, TN, 37412||lobby" {
		t.Fatalf("erls: %q", rows)
	}
	a := boss.send("GET", sipxERLs, "", "", "Accept", "application/json")
	if want := `{"e911Locations":[{"location":"Floor 2","elin":"14235550000","addressInfo":"123 Test Street, floor 2","description":""},` +
		`{"location":"123 Test Street, Chattanooga, TN, 37412","elin":"4235551212","addressInfo":"","description":"lobby"}]}`; a.status != http.StatusOK || a.body != want {
		t.Fatalf("GET /erls JSON: %d %s\nwant %s", a.status, a.body, want)
	}

	// One ERL by ELIN, in XML and JSON; a PUT changes what it names and keeps the rest.
	one := sipxERL + "elin/4235551212"
	if a := boss.send("GET", one, "", ""); a.status != http.StatusOK ||
		a.body != `<?xml version="1.0" encoding="UTF-8"?><e911Location><location>123 Test Street, Chattanooga, TN, 37412</location><elin>4235551212</elin><addressInfo></addressInfo><description>lobby</description></e911Location>` {
		t.Fatalf("GET %s: %d %s", one, a.status, a.body)
	}
	if a := boss.send("PUT", one, "text/xml", `<e911Location><addressInfo>Building A</addressInfo><elin>4235551212</elin></e911Location>`); a.status != http.StatusOK {
		t.Fatalf("PUT %s: %d %s", one, a.status, a.body)
	}
	if a := boss.send("GET", one, "", "", "Accept", "application/json"); a.body != `{"e911Location":{"location":"123 Test Street, Chattanooga, TN, 37412","elin":"4235551212","addressInfo":"Building A","description":"lobby"}}` {
		t.Fatalf("GET %s JSON after a PUT: %d %s", one, a.status, a.body)
	}
	if a := boss.send("PUT", one, "application/json", `{"e911Location":{"description":"main lobby"}}`); a.status != http.StatusOK {
		t.Fatalf("PUT %s JSON: %d %s", one, a.status, a.body)
	}
	var kept string
	if err := env.DB.Get(&kept, `SELECT concat_ws('|', location, address_info, description) FROM erls WHERE elin = '4235551212'`); err != nil ||
		kept != "123 Test Street, Chattanooga, TN, 37412|Building A|main lobby" {
		t.Fatalf("after a JSON PUT: %q %v", kept, err)
	}

	// Refusals name the field; nothing is written.
	before := erlTables(t, env)
	for _, tc := range []struct {
		name, method, path, ctype, body string
		status                          int
		want                            string
	}{
		{"letters", "PUT", sipxERLs, "text/xml", `<e911Locations><e911Location><elin>42355512ab</elin><location>x</location></e911Location></e911Locations>`, 400, "e911Locations[0].elin"},
		{"nine digits", "PUT", sipxERLs, "text/xml", `<e911Locations><e911Location><elin>423555121</elin><location>x</location></e911Location></e911Locations>`, 400, "e911Locations[0].elin"},
		{"eleven not 1", "PUT", sipxERLs, "text/xml", `<e911Locations><e911Location><elin>24235551212</elin><location>x</location></e911Location></e911Locations>`, 400, "e911Locations[0].elin"},
		{"no location", "PUT", sipxERLs, "application/json", `{"e911Locations":[{"elin":"4235559999","location":"ok"},{"elin":"4235558888"}]}`, 400, "e911Locations[1].location: is required"},
		{"long location", "PUT", sipxERLs, "application/json", `{"e911Locations":[{"elin":"4235559999","location":"` + strings.Repeat("l", 256) + `"}]}`, 400, "e911Locations[0].location: must be at most 255"},
		{"long address", "PUT", sipxERLs, "application/json", `{"e911Locations":[{"elin":"4235559999","location":"x","addressInfo":"` + strings.Repeat("a", 256) + `"}]}`, 400, "e911Locations[0].addressInfo"},
		{"long description", "PUT", sipxERLs, "application/json", `{"e911Locations":[{"elin":"4235559999","location":"x","description":"` + strings.Repeat("d", 256) + `"}]}`, 400, "e911Locations[0].description"},
		{"twice", "PUT", sipxERLs, "application/json", `{"e911Locations":[{"elin":"4235559999","location":"x"},{"elin":"4235559999","location":"y"}]}`, 400, "e911Locations[1].elin: is given twice: also at position 0 of the list"},
		{"other root", "PUT", sipxERLs, "text/xml", `<e911Location><elin>4235559999</elin></e911Location>`, 400, "e911Locations: is required"},
		{"empty", "PUT", sipxERLs, "text/xml", `<e911Locations/>`, 400, "e911Locations: must hold at least one"},
		{"DOCTYPE", "PUT", sipxERLs, "text/xml", `<!DOCTYPE e [<!ENTITY a "4235559999">]><e911Locations><e911Location><elin>&a;</elin><location>x</location></e911Location></e911Locations>`, 400, "DOCTYPE"},
		{"bad JSON", "PUT", sipxERLs, "application/json", `{"e911Locations":[`, 400, "body"},
		{"other ELIN", "PUT", one, "text/xml", `<e911Location><elin>4235550001</elin></e911Location>`, 400, "elin: must be the ELIN of the path"},
		{"edit to no location", "PUT", one, "application/json", `{"e911Location":{"location":""}}`, 400, "location: is required"},
		{"edit unknown", "PUT", sipxERL + "elin/4235550001", "text/xml", `<e911Location><location>x</location></e911Location>`, 404, "no ERL has the ELIN 4235550001"},
		{"delete unknown", "DELETE", sipxERL + "elin/4235550001", "", "", 404, "no ERL has the ELIN 4235550001"},
		{"delete with an unknown", "DELETE", sipxERLs + "?elin=4235551212,4235550001", "", "", 404, "ERL 4235550001: no such ERL: nothing was deleted"},
		{"delete without ELIN", "DELETE", sipxERLs, "", "", 400, "elin: is required"},
		{"POST", "POST", sipxERLs, "text/xml", `<e911Locations/>`, 405, "use GET or PUT or DELETE"},
		{"POST one", "POST", one, "text/xml", `<e911Location/>`, 405, ""},
	} {
		a := boss.send(tc.method, tc.path, tc.ctype, tc.body)
		if a.status != tc.status || !strings.Contains(a.body, tc.want) {
			t.Errorf("%s: %d %s, want %d naming %q", tc.name, a.status, a.body, tc.status, tc.want)
		}
		if after := erlTables(t, env); after != before {
			t.Fatalf("%s: the database changed:\n%s\nwas\n%s", tc.name, after, before)
		}
	}
	if a := boss.send("GET", sipxERL+"elin/4235550001", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("GET an unknown ELIN: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", sipxERLs, "", "", "Accept", "text/csv"); a.status != http.StatusNotAcceptable {
		t.Fatalf("Accept text/csv: %d", a.status)
	}

	// DELETE by ELIN, and DELETE /erls?elin=… for several.
	if a := boss.send("DELETE", one, "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE %s: %d %s", one, a.status, a.body)
	}
	// curl -d labels the XML a form: it is read as XML all the same.
	if a := boss.send("PUT", sipxERLs, "application/x-www-form-urlencoded", `<e911Locations>`+seedERL+`</e911Locations>`); a.status != http.StatusOK {
		t.Fatalf("PUT /erls labelled a form: %d %s", a.status, a.body)
	}
	if a := boss.send("DELETE", sipxERLs+"?elin=4235551212&elin=14235550000", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE /erls?elin=…: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", sipxERLs, "", ""); a.body != `<?xml version="1.0" encoding="UTF-8"?><e911Locations></e911Locations>` {
		t.Fatalf("GET /erls after the deletes: %s", a.body)
	}
}

func TestSipxERLLinksOfUsersGroupsAndPhones(t *testing.T) {
	env, c := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	if a := boss.send("PUT", sipxERLs, "text/xml", `<e911Locations>`+seedERL+
		`<e911Location><location>Floor 2</location><elin>4235550000</elin></e911Location></e911Locations>`); a.status != http.StatusOK {
		t.Fatalf("PUT /erls: %d %s", a.status, a.body)
	}
	var clerk int
	if err := env.DB.Get(&clerk, `SELECT id FROM users WHERE loginclient = 'clerk'`); err != nil {
		t.Fatal(err)
	}
	userERL := func() string {
		t.Helper()
		var elin string
		_ = env.DB.Get(&elin, `SELECT coalesce((SELECT elin FROM user_erls WHERE user_id = $1), '')`, clerk)
		return elin
	}

	// A user's ERL: PUT the ELIN as plain text (curl -d sends it as a form), GET it back as
	// plain text, or as the location in XML and JSON.
	user := sipxERL + "user/clerk"
	if a := boss.send("PUT", user, "application/x-www-form-urlencoded", "4235551212"); a.status != http.StatusOK || userERL() != "4235551212" {
		t.Fatalf("PUT %s: %d %s (%q)", user, a.status, a.body, userERL())
	}
	if a := boss.send("GET", user, "", ""); a.status != http.StatusOK || a.body != "4235551212" || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %d %q %s", user, a.status, a.header.Get("Content-Type"), a.body)
	}
	if a := boss.send("GET", user, "", "", "Accept", "text/xml"); a.body != `<?xml version="1.0" encoding="UTF-8"?>`+seedERL {
		t.Fatalf("GET %s as XML: %s", user, a.body)
	}
	if a := boss.send("GET", user, "", "", "Accept", "application/json"); !strings.HasPrefix(a.body, `{"e911Location":{"location":"123 Test Street`) {
		t.Fatalf("GET %s as JSON: %s", user, a.body)
	}
	// An XML or JSON body naming the ELIN works too.
	if a := boss.send("PUT", user, "application/json", `{"e911Location":{"elin":"4235551212"}}`); a.status != http.StatusOK || userERL() != "4235551212" {
		t.Fatalf("PUT %s JSON: %d %s", user, a.status, a.body)
	}
	if a := boss.send("PUT", user, "text/xml", `<e911Location><elin>4235550000</elin></e911Location>`); a.status != http.StatusOK || userERL() != "4235550000" {
		t.Fatalf("PUT %s XML: %d %s", user, a.status, a.body)
	}

	// Refusals: bad or unknown ELIN → 400, unknown user → 404; nothing written.
	before := erlTables(t, env)
	for _, tc := range []struct {
		path, ctype, body string
		status            int
		want              string
	}{
		{user, "text/plain", "42355", 400, "elin: must be a North American number"},
		{user, "text/plain", "4235559999", 400, "elin: no ERL has the ELIN 4235559999"},
		{user, "text/plain", "", 400, "elin: is required"},
		{sipxERL + "user/nobody", "text/plain", "4235551212", 404, "no user is named nobody"},
		{sipxERL + "group/nogroup", "text/plain", "4235551212", 404, "no user group is named nogroup"},
		{sipxERL + "phonegroup/nogroup", "text/plain", "4235551212", 404, "phone group nogroup: no such phone group"},
	} {
		a := boss.send("PUT", tc.path, tc.ctype, tc.body)
		if a.status != tc.status || !strings.Contains(a.body, tc.want) {
			t.Errorf("PUT %s %q: %d %s, want %d naming %q", tc.path, tc.body, a.status, a.body, tc.status, tc.want)
		}
		if after := erlTables(t, env); after != before {
			t.Fatalf("PUT %s %q: the database changed", tc.path, tc.body)
		}
	}
	for _, p := range []string{sipxERL + "user/nobody", sipxERL + "group/nogroup", sipxERL + "phonegroup/nogroup", sipxERL + "phone/0004f2ffffff"} {
		if a := boss.send("GET", p, "", ""); a.status != http.StatusNotFound {
			t.Errorf("GET %s: %d %s", p, a.status, a.body)
		}
	}
	// DELETE sets the user's ERL to none.
	if a := boss.send("DELETE", user, "", ""); a.status != http.StatusOK || userERL() != "" {
		t.Fatalf("DELETE %s: %d %s", user, a.status, a.body)
	}
	if a := boss.send("GET", user, "", ""); a.status != http.StatusNotFound || !strings.Contains(a.body, "no ERL is linked to user clerk") {
		t.Fatalf("GET %s with none: %d %s", user, a.status, a.body)
	}

	// A user group's ERL (a sipX group, made through /user-group); its members without
	// one of their own have it.
	id := boss.send("PUT", "/sipxconfig/rest/user-group", "text/xml", `<group><name>sales</name></group>`).envelope(t, http.StatusCreated, "SUCCESS_CREATED").ID
	mustExec(t, env, `INSERT INTO user_group_members (group_id, user_id) VALUES ($1, $2)`, id, clerk)
	group := sipxERL + "group/sales"
	if a := boss.send("PUT", group, "text/plain", "4235550000"); a.status != http.StatusOK {
		t.Fatalf("PUT %s: %d %s", group, a.status, a.body)
	}
	var gerl string
	if err := env.DB.Get(&gerl, `SELECT elin FROM user_group_erls WHERE group_id = $1`, id); err != nil || gerl != "4235550000" {
		t.Fatalf("user_group_erls: %q %v", gerl, err)
	}
	if a := boss.send("GET", group, "", ""); a.body != `<?xml version="1.0" encoding="UTF-8"?><e911Location><location>Floor 2</location><elin>4235550000</elin><addressInfo></addressInfo><description></description></e911Location>` {
		t.Fatalf("GET %s: %d %s", group, a.status, a.body)
	}
	if a := boss.send("GET", group, "", "", "Accept", "text/plain"); a.body != "4235550000" {
		t.Fatalf("GET %s as text: %s", group, a.body)
	}
	if a := boss.send("GET", group, "", "", "Accept", "application/json"); a.body != `{"e911Location":{"location":"Floor 2","elin":"4235550000","addressInfo":"","description":""}}` {
		t.Fatalf("GET %s as JSON: %s", group, a.body)
	}
	if a := boss.send("GET", user, "", ""); a.status != http.StatusOK || a.body != "4235550000" {
		t.Fatalf("the member's ERL through the group: %d %s", a.status, a.body)
	}
	boss.send("PUT", user, "text/plain", "4235551212")
	if a := boss.send("GET", user, "", ""); a.body != "4235551212" {
		t.Fatalf("the member's own ERL wins: %s", a.body)
	}
	if a := boss.send("DELETE", group, "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE %s: %d %s", group, a.status, a.body)
	}
	if a := boss.send("GET", group, "", ""); a.status != http.StatusNotFound {
		t.Fatalf("GET %s after DELETE: %d %s", group, a.status, a.body)
	}

	// Phones: PUT /erl/phones links several at once; GET /erl/phone/{serial[,serial]}.
	if a := boss.send("POST", sipxPhones, "text/xml", `<phones><phone><serialNumber>0004f280cc95</serialNumber><model>polycomVVX410</model></phone>`+
		`<phone><serialNumber>805ec0aabbcc</serialNumber><model>yealinkPhoneT46</model></phone></phones>`); a.status != http.StatusOK {
		t.Fatalf("POST /phone: %d %s", a.status, a.body)
	}
	phoneERLs := func() string {
		t.Helper()
		var s string
		_ = env.DB.Get(&s, `SELECT coalesce(string_agg(d.mac || '=' || l.elin, ',' ORDER BY d.mac), '') FROM device_erls l JOIN devices d ON d.id = l.device_id`)
		return s
	}
	if a := boss.send("PUT", sipxERL+"phones", "text/xml", `<e911Locations><e911Location><serial>0004f280cc95</serial><elin>4235551212</elin></e911Location>`+
		`<e911Location><serial>805ec0aabbcc</serial><elin>4235550000</elin></e911Location></e911Locations>`); a.status != http.StatusOK {
		t.Fatalf("PUT /erl/phones: %d %s", a.status, a.body)
	}
	if got := phoneERLs(); got != "00:04:f2:80:cc:95=4235551212,80:5e:c0:aa:bb:cc=4235550000" {
		t.Fatalf("device_erls: %s", got)
	}
	if a := boss.send("GET", sipxERL+"phone/0004f280cc95", "", ""); a.status != http.StatusOK || a.body != `<?xml version="1.0" encoding="UTF-8"?><e911Locations>`+
		`<e911Location><location>123 Test Street, Chattanooga, TN, 37412</location><elin>4235551212</elin><addressInfo>123 Test Street, Chattanooga, TN, 37412</addressInfo><description>test</description><serial>0004f280cc95</serial></e911Location></e911Locations>` {
		t.Fatalf("GET /erl/phone/0004f280cc95: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", sipxERL+"phone/805ec0aabbcc,0004f280cc95", "", "", "Accept", "application/json"); !strings.HasPrefix(a.body, `{"e911Locations":[{"location":"123 Test Street`) ||
		!strings.HasSuffix(a.body, `"serial":"805ec0aabbcc"}]}`) {
		t.Fatalf("GET /erl/phone/two JSON: %d %s", a.status, a.body)
	}
	before = erlTables(t, env)
	for _, tc := range []struct{ body, want string }{
		{`<e911Locations><e911Location><serial>0004f280cc95</serial><elin>4235550000</elin></e911Location><e911Location><serial>0004f2ffffff</serial><elin>4235550000</elin></e911Location></e911Locations>`, "e911Locations[1].serial: no phone has the serial number"},
		{`<e911Locations><e911Location><serial>0004f280cc95</serial><elin>4235559999</elin></e911Location></e911Locations>`, "e911Locations[0].elin: no ERL has the ELIN 4235559999"},
		{`<e911Locations><e911Location><serial>0004f280cc9</serial><elin>4235550000</elin></e911Location></e911Locations>`, "e911Locations[0].serial: must be a serial number"},
		{`<e911Locations><e911Location><elin>4235550000</elin></e911Location></e911Locations>`, "e911Locations[0].serial: is required"},
		{`<e911Locations><e911Location><serial>0004f280cc95</serial><elin>12</elin></e911Location></e911Locations>`, "e911Locations[0].elin: must be a North American number"},
	} {
		if a := boss.send("PUT", sipxERL+"phones", "text/xml", tc.body); a.status != http.StatusBadRequest || !strings.Contains(a.body, tc.want) {
			t.Errorf("PUT /erl/phones %s: %d %s, want 400 naming %q", tc.body, a.status, a.body, tc.want)
		}
		if after := erlTables(t, env); after != before {
			t.Fatalf("PUT /erl/phones %s: the database changed", tc.body)
		}
	}
	if a := boss.send("GET", sipxERL+"phone/0004f280cc9", "", ""); a.status != http.StatusBadRequest || !strings.Contains(a.body, "serial") {
		t.Fatalf("GET /erl/phone with a bad serial: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", sipxERL+"phones", "", ""); a.status != http.StatusMethodNotAllowed {
		t.Fatalf("GET /erl/phones: %d", a.status)
	}
	if a := boss.send("PUT", sipxERL+"phone/0004f280cc95", "text/plain", "4235550000"); a.status != http.StatusMethodNotAllowed {
		t.Fatalf("PUT /erl/phone: %d", a.status)
	}
	// An empty ELIN unlinks the phone.
	if a := boss.send("PUT", sipxERL+"phones", "application/json", `{"e911Locations":[{"serial":"805ec0aabbcc","elin":""}]}`); a.status != http.StatusOK || phoneERLs() != "00:04:f2:80:cc:95=4235551212" {
		t.Fatalf("unlink through /erl/phones: %d %s %s", a.status, a.body, phoneERLs())
	}
	if a := boss.send("GET", sipxERL+"phone/805ec0aabbcc", "", ""); a.body != `<?xml version="1.0" encoding="UTF-8"?><e911Locations><e911Location><serial>805ec0aabbcc</serial></e911Location></e911Locations>` {
		t.Fatalf("a phone without ERL: %s", a.body)
	}

	// A phone group (the /api/phoneGroups resource will make them) sets its phones' ERL.
	mustExec(t, env, `INSERT INTO phone_groups (name) VALUES ('hq')`)
	mustExec(t, env, `INSERT INTO phone_group_members (group_id, device_id) SELECT g.id, d.id FROM phone_groups g, devices d WHERE g.name = 'hq'`)
	pg := sipxERL + "phonegroup/hq"
	if a := boss.send("PUT", pg, "text/plain", "4235550000"); a.status != http.StatusOK || phoneERLs() != "00:04:f2:80:cc:95=4235550000,80:5e:c0:aa:bb:cc=4235550000" {
		t.Fatalf("PUT %s: %d %s %s", pg, a.status, a.body, phoneERLs())
	}
	if a := boss.send("GET", pg, "", "", "Accept", "application/json"); a.body != `{"e911Locations":[`+
		`{"location":"Floor 2","elin":"4235550000","addressInfo":"","description":"","serial":"0004f280cc95"},`+
		`{"location":"Floor 2","elin":"4235550000","addressInfo":"","description":"","serial":"805ec0aabbcc"}]}` {
		t.Fatalf("GET %s: %d %s", pg, a.status, a.body)
	}
	if a := boss.send("GET", pg, "", ""); !strings.HasPrefix(a.body, `<?xml version="1.0" encoding="UTF-8"?><e911Locations><e911Location><location>Floor 2</location>`) ||
		strings.Count(a.body, "<serial>") != 2 {
		t.Fatalf("GET %s as XML: %s", pg, a.body)
	}
	before = erlTables(t, env)
	if a := boss.send("PUT", pg, "text/plain", "4235559999"); a.status != http.StatusBadRequest || erlTables(t, env) != before {
		t.Fatalf("PUT %s with an unknown ELIN: %d %s", pg, a.status, a.body)
	}
	if a := boss.send("DELETE", pg, "", ""); a.status != http.StatusOK || phoneERLs() != "" {
		t.Fatalf("DELETE %s: %d %s %s", pg, a.status, a.body, phoneERLs())
	}

	// Deleting an ERL leaves what was linked to it with none; deleting a device through
	// json.php drops its link.
	boss.send("PUT", pg, "text/plain", "4235551212")
	if a := boss.send("DELETE", sipxERL+"elin/4235551212", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE the ERL: %d %s", a.status, a.body)
	}
	if userERL() != "" || phoneERLs() != "" {
		t.Fatalf("links left to a deleted ERL: user %q phones %q", userERL(), phoneERLs())
	}
	boss.send("PUT", pg, "text/plain", "4235550000")
	var dev string
	if err := env.DB.Get(&dev, `SELECT id FROM devices WHERE mac = '00:04:f2:80:cc:95'`); err != nil {
		t.Fatal(err)
	}
	if st, _, raw := c.do("GET", devicesPath, "act=delete&id="+dev, nil); st != http.StatusOK {
		t.Fatalf("json.php device delete: %d %s", st, raw)
	}
	if got := phoneERLs(); got != "80:5e:c0:aa:bb:cc=4235550000" {
		t.Fatalf("device_erls after the device's delete: %s", got)
	}
}

// Two simultaneous PUTs of one ERL, one of its address and one of its description, both
// survive, twenty rounds in a row.
func TestSimultaneousERLEditsKeepEveryField(t *testing.T) {
	env, _ := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	if a := boss.send("PUT", sipxERLs, "text/xml", `<e911Locations>`+seedERL+`</e911Locations>`); a.status != http.StatusOK {
		t.Fatalf("PUT /erls: %d %s", a.status, a.body)
	}
	for round := 0; round < 20; round++ {
		addr, desc := fmt.Sprintf("Building %d", round), fmt.Sprintf("round %d", round)
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i, body := range []string{`{"e911Location":{"addressInfo":"` + addr + `"}}`, `{"e911Location":{"description":"` + desc + `"}}`} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = boss.send("PUT", sipxERL+"elin/4235551212", "application/json", body).status
			}()
		}
		wg.Wait()
		var got string
		if err := env.DB.Get(&got, `SELECT address_info || '|' || description FROM erls WHERE elin = '4235551212'`); err != nil {
			t.Fatal(err)
		}
		if codes[0] != http.StatusOK || codes[1] != http.StatusOK || got != addr+"|"+desc {
			t.Fatalf("round %d: %v, stored %q", round, codes, got)
		}
	}
}
