package xivo_test

import (
	"net/http"
	"strings"
	"testing"

	"pbxws/tests/testenv"
)

const apiGateways = "/sipxconfig/api/gateways"

// gatewaySetup is sipxSetup with XiVO's incoming and outgoing contexts and a branch.
func gatewaySetup(t *testing.T) (*testenv.Env, *local, *sx) {
	t.Helper()
	env, _ := sipxSetup(t)
	l := newLocal(t, env)
	for _, c := range []string{
		`{"context": {"name": "from-extern", "displayname": "Incoming", "entity": "default", "contexttype": "incall"}, "contextinclude": []}`,
		`{"context": {"name": "to-extern", "displayname": "Outgoing", "entity": "default", "contexttype": "outcall"}, "contextinclude": []}`,
	} {
		l.must("system_management/context/", "act=add", c)
	}
	if _, err := env.DB.Exec(`INSERT INTO entities (name, displayname, city, description) VALUES ('paris', 'Paris office', 'Paris', 'HQ')`); err != nil {
		t.Fatal(err)
	}
	return env, l, newSipx(t, env, "boss", "bosspin1")
}

// gatewayState is every trunk with its sipX row.
func gatewayState(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var s *string
	if err := env.DB.QueryRow(`SELECT string_agg(concat_ws('|', t.id, t.protocol, t.name, t.context, t.type, t.username, t.secret, t.host,
		t.transport, t.description, t.commented, t.options::text, COALESCE(t.register::text, '-'),
		COALESCE(g.model, '-'), COALESCE(g.prefix, '-'), g.shared, g.use_internal_bridge, COALESCE(g.branch_id, -1), g.transport_none,
		COALESCE(g.default_caller_alias, '-'), g.anonymous, g.ignore_user_info, g.transform_user_extension, COALESCE(g.add_prefix, '-'),
		g.keep_digits, COALESCE(g.display_name, '-'), COALESCE(g.url_parameters, '-')), E'\n' ORDER BY t.id)
		FROM trunks t LEFT JOIN gateways g ON g.trunk_id = t.id`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}

func gatewayJSON(id, rest string) string {
	return `{"id":` + id + rest
}

// /api/gateways: created, read (JSON, XML, list, models), merged by PUT, refused without
// change, deleted; ports are none; USER 403, no credentials 401.
func TestSipxAPIGateways(t *testing.T) {
	env, _, boss := gatewaySetup(t)
	if a := newSipx(t, env, "clerk", "clerkpin").send("GET", apiGateways, "", ""); a.status != http.StatusForbidden {
		t.Fatalf("clerk: %d %s", a.status, a.body)
	}
	if a := newSipx(t, env, "", "").send("GET", apiGateways, "", ""); a.status != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiGateways, "", ""); a.status != http.StatusOK || a.body != `{"gateways":[]}` {
		t.Fatalf("empty list: %d %s", a.status, a.body)
	}
	models := `{"models":[{"modelId":"sipTrunkStandard","label":"SIP trunk","vendor":null,"versions":null},{"modelId":"genericGatewayStandard","label":"Unmanaged gateway","vendor":null,"versions":null}]}`
	if a := boss.send("GET", apiGateways+"/models", "", ""); a.status != http.StatusOK || a.body != models {
		t.Fatalf("models: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiGateways+"/models.xml", "", ""); a.status != http.StatusOK ||
		!strings.HasSuffix(a.body, `<Models><Model><modelId>sipTrunkStandard</modelId><label>SIP trunk</label></Model><Model><modelId>genericGatewayStandard</modelId><label>Unmanaged gateway</label></Model></Models>`) {
		t.Fatalf("models XML: %d %s", a.status, a.body)
	}

	// Created with the §8.1 bean: the id back, a SIP trunk in the incoming context and its row.
	a := boss.send("POST", apiGateways, "application/json", `{"name":"my_siptrunk","description":"DIDs 4235550000-4235551000",
		"model":{"modelId":"sipTrunkStandard"},"enabled":true,"address":"192.0.2.14","addressPort":5061,"outboundAddress":"proxy.example.com",
		"outboundPort":0,"addressTransport":"tcp","prefix":"9","shared":false,"useInternalBridge":true,"branch":{"name":"paris"},
		"callerAliasInfo":{"defaultCallerAlias":"4235550000","anonymous":false,"ignoreUserInfo":true,"transformUserExtension":false,"addPrefix":"423","keepDigits":4,"displayName":"Acme","urlParameters":null}}`)
	if a.status != http.StatusOK || a.body != "1" || a.header.Get("Location") != apiGateways+"/1" {
		t.Fatalf("POST: %d %s %v", a.status, a.body, a.header)
	}
	var branch string
	if err := env.DB.Get(&branch, `SELECT id::text FROM entities WHERE name = 'paris'`); err != nil {
		t.Fatal(err)
	}
	want := `1|sip|my_siptrunk|from-extern|peer|||192.0.2.14|tcp|DIDs 4235550000-4235551000|f|{"port": "5061", "outboundproxy": "proxy.example.com:5060"}|-|sipTrunkStandard|9|f|t|` + branch + `|f|4235550000|f|t|f|423|4|Acme|-`
	if got := gatewayState(t, env); got != want {
		t.Fatalf("stored:\n%s\nwant\n%s", got, want)
	}
	bean := gatewayJSON("1", `,"name":"my_siptrunk","serialNo":null,"deviceVersion":null,"description":"DIDs 4235550000-4235551000",`+
		`"model":{"modelId":"sipTrunkStandard","label":"SIP trunk","vendor":null,"versions":null},"enabled":true,"address":"192.0.2.14",`+
		`"addressPort":5061,"outboundAddress":"proxy.example.com","outboundPort":5060,"addressTransport":"tcp","prefix":"9","shared":false,`+
		`"useInternalBridge":true,"branch":{"id":`+branch+`,"name":"paris","description":"HQ","address":{"id":`+branch+`,"street":null,"city":"Paris","country":null,"state":null,"zip":null,"officeDesignation":null},"phoneNumber":null,"faxNumber":null},`+
		`"callerAliasInfo":{"defaultCallerAlias":"4235550000","anonymous":false,"ignoreUserInfo":true,"transformUserExtension":false,"addPrefix":"423","keepDigits":4,"displayName":"Acme","urlParameters":null}}`)
	if a := boss.send("GET", apiGateways+"/1", "", ""); a.status != http.StatusOK || a.body != bean {
		t.Fatalf("GET:\n%s\nwant\n%s", a.body, bean)
	}
	if a := boss.send("GET", apiGateways, "", ""); a.body != `{"gateways":[`+bean+`]}` {
		t.Fatalf("list: %s", a.body)
	}
	if a := boss.send("GET", apiGateways+"?start=1&limit=5", "", ""); a.body != `{"gateways":[]}` {
		t.Fatalf("page: %s", a.body)
	}
	xmlBean := `<Gateway><id>1</id><name>my_siptrunk</name><description>DIDs 4235550000-4235551000</description>` +
		`<Model><modelId>sipTrunkStandard</modelId><label>SIP trunk</label></Model><enabled>true</enabled><address>192.0.2.14</address>` +
		`<addressPort>5061</addressPort><outboundAddress>proxy.example.com</outboundAddress><outboundPort>5060</outboundPort>` +
		`<addressTransport>tcp</addressTransport><prefix>9</prefix><shared>false</shared><useInternalBridge>true</useInternalBridge>` +
		`<Branch><id>` + branch + `</id><name>paris</name><description>HQ</description><address><id>` + branch + `</id><city>Paris</city></address></Branch>` +
		`<CallerAliasInfo><defaultCallerAlias>4235550000</defaultCallerAlias><anonymous>false</anonymous><ignoreUserInfo>true</ignoreUserInfo>` +
		`<transformUserExtension>false</transformUserExtension><addPrefix>423</addPrefix><keepDigits>4</keepDigits><displayName>Acme</displayName></CallerAliasInfo></Gateway>`
	if a := boss.send("GET", apiGateways+"/1", "", "", "Accept", "application/xml"); a.status != http.StatusOK || !strings.HasSuffix(a.body, xmlBean) ||
		!strings.HasPrefix(a.header.Get("Content-Type"), "text/xml") {
		t.Fatalf("GET XML: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiGateways+".xml", "", ""); !strings.HasSuffix(a.body, `<Gateways>`+xmlBean+`</Gateways>`) {
		t.Fatalf("list XML: %s", a.body)
	}

	// PUT merges: the keys given replace, the others stay; callerAliasInfo given is replaced
	// whole; null clears prefix, outbound proxy and branch; id in the body is ignored.
	if a := boss.send("PUT", apiGateways+"/1", "application/json", `{"id":7,"enabled":false,"addressTransport":"none","prefix":null,
		"outboundAddress":null,"branch":null,"callerAliasInfo":{"anonymous":true}}`); a.status != http.StatusOK || a.body != "1" || a.header.Get("Location") != apiGateways+"/1" {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	before := gatewayState(t, env)
	if want := `1|sip|my_siptrunk|from-extern|peer|||192.0.2.14|udp|DIDs 4235550000-4235551000|t|{"port": "5061"}|-|sipTrunkStandard|-|f|t|-1|t|-|t|f|f|-|0|-|-`; before != want {
		t.Fatalf("after PUT:\n%s\nwant\n%s", before, want)
	}
	if a := boss.send("GET", apiGateways+"/1", "", ""); !strings.Contains(a.body, `"enabled":false,"address":"192.0.2.14","addressPort":5061,"outboundAddress":null,"outboundPort":5060,"addressTransport":"none","prefix":null,"shared":false,"useInternalBridge":true,"branch":null,"callerAliasInfo":{"defaultCallerAlias":null,"anonymous":true,`) {
		t.Fatalf("GET after PUT: %s", a.body)
	}
	// An XML PUT: the same shape in.
	if a := boss.send("PUT", apiGateways+"/1", "text/xml", `<Gateway><description>by XML</description><addressPort>0</addressPort><Branch><name>paris</name></Branch><CallerAliasInfo><keepDigits>2</keepDigits></CallerAliasInfo></Gateway>`); a.status != http.StatusOK {
		t.Fatalf("PUT XML: %d %s", a.status, a.body)
	}
	before = gatewayState(t, env)
	if want := `1|sip|my_siptrunk|from-extern|peer|||192.0.2.14|udp|by XML|t|{}|-|sipTrunkStandard|-|f|t|` + branch + `|t|-|f|f|f|-|2|-|-`; before != want {
		t.Fatalf("after XML PUT:\n%s\nwant\n%s", before, want)
	}

	// A second gateway; then refusals, each leaving everything as it was.
	if a := boss.send("POST", apiGateways, "text/xml", `<Gateway><name>generic</name><model><modelId>genericGatewayStandard</modelId></model><address>gw.example.com</address></Gateway>`); a.status != http.StatusOK || a.body != "2" {
		t.Fatalf("POST XML: %d %s", a.status, a.body)
	}
	before = gatewayState(t, env)
	for _, x := range []struct {
		method, path, body string
		status             int
		has                string
	}{
		{"POST", "", `{"name":"x","address":"192.0.2.1"}`, 400, "model.modelId: is required"},
		{"POST", "", `{"name":"x","address":"192.0.2.1","model":{"modelId":"audiocodesMP1X4_4_FXO"}}`, 400, "No such gateway model defined"},
		{"POST", "", `{"name":"bad name!","address":"192.0.2.1","model":{"modelId":"sipTrunkStandard"}}`, 400, "name: "},
		{"POST", "", `{"name":"","address":"192.0.2.1","model":{"modelId":"sipTrunkStandard"}}`, 400, "name: is required"},
		{"POST", "", `{"name":"x","model":{"modelId":"sipTrunkStandard"}}`, 400, "address: is required"},
		{"POST", "", `{"name":"x","address":"a b","model":{"modelId":"sipTrunkStandard"}}`, 400, "address: "},
		{"POST", "", `{"name":"my_siptrunk","address":"192.0.2.1","model":{"modelId":"sipTrunkStandard"}}`, 409, "name: already in use"},
		{"POST", "", `{"name":"x","address":"192.0.2.1","addressPort":65536,"model":{"modelId":"sipTrunkStandard"}}`, 400, "addressPort: must be a port number 0-65535"},
		{"POST", "", `{"name":"x","address":"192.0.2.1","outboundPort":-1,"model":{"modelId":"sipTrunkStandard"}}`, 400, "outboundPort"},
		{"POST", "", `{"name":"x","address":"192.0.2.1","addressTransport":"sctp","model":{"modelId":"sipTrunkStandard"}}`, 400, "addressTransport: must be none, udp, tcp or tls"},
		{"POST", "", `{"name":"x","address":"192.0.2.1","branch":{"name":"nowhere"},"model":{"modelId":"sipTrunkStandard"}}`, 400, "branch.name: no branch is named nowhere"},
		{"POST", "", `{"name":"x","address":"192.0.2.1","serialNo":"00a1","model":{"modelId":"sipTrunkStandard"}}`, 400, "serialNo"},
		{"POST", "", `{"name":"x","address":"192.0.2.1","prefix":"9a","model":{"modelId":"sipTrunkStandard"}}`, 400, "prefix"},
		{"POST", "", `{"name":"x","address":"192.0.2.1","callerAliasInfo":{"keepDigits":"many"},"model":{"modelId":"sipTrunkStandard"}}`, 400, "callerAliasInfo.keepDigits"},
		{"POST", "", `{"name":"x","address":"192.0.2.1","outboundAddress":"a b","model":{"modelId":"sipTrunkStandard"}}`, 400, "outboundAddress"},
		{"POST", "", `{"name":"x","address":"192.0.2.1","enabled":"perhaps","model":{"modelId":"sipTrunkStandard"}}`, 400, "enabled"},
		{"POST", "/1", `{"name":"x"}`, 405, "POST is not offered here"},
		{"PUT", "/1", `{"model":{"modelId":"genericGatewayStandard"}}`, 400, "model: cannot change (sipTrunkStandard)"},
		{"PUT", "/1", `{"model":{"modelId":"nope"}}`, 400, "No such gateway model defined"},
		{"PUT", "/1", `{"name":"generic"}`, 409, "name: already in use"},
		{"PUT", "/1", `{"address":""}`, 400, "address: is required"},
		{"PUT", "/9", `{"name":"x"}`, 404, "Gateway not found"},
		{"PUT", "/1", `{"name":`, 400, ""},
		{"GET", "/9", ``, 404, "Gateway not found"},
		{"GET", "/00a1b2", ``, 404, "Gateway not found"},
		{"DELETE", "/9", ``, 404, "Gateway not found"},
		{"GET", "/1/ports/1", ``, 405, ""},
		{"DELETE", "/1/ports/1", ``, 404, "Port not found"},
		{"DELETE", "/1/port/1", ``, 404, "Port not found"},
		{"GET", "/1/ports/1/settings", ``, 404, "Port not found"},
		{"GET", "/1/port/3/settings/a/b", ``, 404, "Port not found"},
		{"DELETE", "/1/ports/3/settings/a", ``, 404, "Port not found"},
		{"GET", "/9/ports", ``, 404, "Gateway not found"},
		{"POST", "/1/ports", ``, 400, "model has no ports"},
		{"POST", "/9/ports", ``, 404, "Gateway not found"},
	} {
		a := boss.send(x.method, apiGateways+x.path, "application/json", x.body)
		if a.status != x.status || !strings.Contains(a.body, x.has) || (x.status != 405 && !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain")) {
			t.Fatalf("%s %s %s: %d %s", x.method, x.path, x.body, a.status, a.body)
		}
		if after := gatewayState(t, env); after != before {
			t.Fatalf("%s %s %s changed the gateways:\n%s", x.method, x.path, x.body, after)
		}
	}
	if a := boss.send("GET", apiGateways+"/1/ports", "", ""); a.status != http.StatusOK || a.body != `{"ports":[]}` {
		t.Fatalf("ports: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiGateways+"/1/ports.xml", "", ""); !strings.HasSuffix(a.body, `<Ports></Ports>`) {
		t.Fatalf("ports XML: %s", a.body)
	}

	// DELETE: the trunk and its row go; the other stays.
	if a := boss.send("DELETE", apiGateways+"/1", "", ""); a.status != http.StatusOK || a.body != "" {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	if got := gatewayState(t, env); !strings.HasPrefix(got, "2|sip|generic|from-extern|peer|||gw.example.com|udp||f|{}|-|genericGatewayStandard|-|t|t|-1|f|") || strings.Contains(got, "\n") {
		t.Fatalf("after DELETE: %s", got)
	}
	var rows int
	if err := env.DB.Get(&rows, `SELECT count(*) FROM gateways`); err != nil || rows != 1 {
		t.Fatalf("gateway rows: %d %v", rows, err)
	}
}
