package xivo_test

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
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
	if a := boss.send("PUT", apiGateways+"/1/ports/1/settings/a/b", "text/plain", "x"); a.status != http.StatusNotFound || a.body != "Port not found\n" || gatewayState(t, env) != before {
		t.Fatalf("PUT port setting: %d %s", a.status, a.body)
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

// The XiVO view (§8.3) both ways: a json.php SIP trunk is a gateway with the mapping, its
// account in the settings; a gateway made and edited through /api (settings included) is
// read back through trunk_management/sip with its XiVO-only options kept; IAX and custom
// trunks are no gateways.
func TestSipxAPIGatewaysXiVOView(t *testing.T) {
	env, l, boss := gatewaySetup(t)
	l.must("trunk_management/sip/", "act=add", `{"protocol": {"name": "itsp", "context": "from-extern", "host-type": "static", "host-static": "sip.example.net",
		"port": "5080", "transport": "tls", "outboundproxy": "obp.example.net:5099", "username": "acme", "secret": "s3cret", "qualify": "yes",
		"allow": ["alaw", "g722"], "commented": true}, "trunkfeatures": {"description": "provider"},
		"register": {"username": "acme", "password": "s3cret", "authuser": "acme-auth", "host": "reg.example.net", "port": "5070"}}`)
	l.must("trunk_management/sip/", "act=add", `{"protocol": {"name": "bare", "context": "from-extern", "host-type": "static", "host-static": "192.0.2.9"}, "trunkfeatures": {}}`)
	l.must("trunk_management/iax/", "act=add", `{"protocol": {"name": "iaxt", "context": "from-extern"}, "trunkfeatures": {}}`)
	l.must("trunk_management/custom/", "act=add", `{"protocol": {"name": "dahdi", "interface": "dahdi/g1"}, "trunkfeatures": {}}`)

	itsp := `{"id":1,"name":"itsp","serialNo":null,"deviceVersion":null,"description":"provider",` +
		`"model":{"modelId":"sipTrunkStandard","label":"SIP trunk","vendor":null,"versions":null},"enabled":false,"address":"sip.example.net",` +
		`"addressPort":5080,"outboundAddress":"obp.example.net","outboundPort":5099,"addressTransport":"tls","prefix":null,"shared":true,` +
		`"useInternalBridge":true,"branch":null,"callerAliasInfo":{"defaultCallerAlias":null,"anonymous":false,"ignoreUserInfo":false,` +
		`"transformUserExtension":false,"addPrefix":null,"keepDigits":0,"displayName":null,"urlParameters":null}}`
	if a := boss.send("GET", apiGateways+"/1", "", ""); a.status != http.StatusOK || a.body != itsp {
		t.Fatalf("json.php trunk as a gateway:\n%s\nwant\n%s", a.body, itsp)
	}
	if a := boss.send("GET", apiGateways, "", ""); !strings.HasPrefix(a.body, `{"gateways":[`+itsp+`,{"id":2,"name":"bare",`) ||
		!strings.Contains(a.body, `"modelId":"genericGatewayStandard"`) || strings.Contains(a.body, "iaxt") || strings.Contains(a.body, "dahdi") {
		t.Fatalf("list: %s", a.body)
	}
	for _, id := range []string{"3", "4"} {
		if a := boss.send("GET", apiGateways+"/"+id, "", ""); a.status != http.StatusNotFound || a.body != "Gateway not found\n" {
			t.Fatalf("trunk %s: %d %s", id, a.status, a.body)
		}
		if a := boss.send("GET", apiGateways+"/"+id+"/settings", "", ""); a.status != http.StatusNotFound || a.body != "Gateway not found\n" {
			t.Fatalf("trunk %s settings: %d %s", id, a.status, a.body)
		}
	}
	// The account, mirrored from the trunk and its registration.
	for path, want := range map[string]string{
		"user-name": "acme", "authentication-user-name": "acme-auth", "password": "s3cret", "register-on-initialization": "true",
		"itsp-registrar-address": "reg.example.net", "itsp-registrar-listening-port": "5070", "registration-interval": "600",
	} {
		a := boss.send("GET", apiGateways+"/1/settings/itsp-account/"+path, "", "")
		if a.status != http.StatusOK || !strings.Contains(a.body, `"path":"itsp-account/`+path+`",`) || !strings.Contains(a.body, `"value":"`+want+`"`) {
			t.Fatalf("setting %s: %d %s", path, a.status, a.body)
		}
	}
	if a := boss.send("GET", apiGateways+"/2/settings", "", ""); a.status != http.StatusOK || a.body != `{"settings":[]}` {
		t.Fatalf("generic settings: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiGateways+"/2/settings/itsp-account/user-name", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("generic setting: %d %s", a.status, a.body)
	}

	// A sipX PUT of the json.php trunk keeps its XiVO-only options and its registration.
	if a := boss.send("PUT", apiGateways+"/1", "application/json", `{"enabled":true,"addressPort":5081,"outboundAddress":"obp2.example.net","prefix":"0"}`); a.status != http.StatusOK {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	v := l.object("trunk_management/sip/", "act=view&id=1")
	p := v["protocol"].(map[string]any)
	if p["host"] != "sip.example.net" || p["port"] != "5081" || p["transport"] != "tls" || p["outboundproxy"] != "obp2.example.net:5099" ||
		p["commented"] != false || p["qualify"] != "yes" || p["context"] != "from-extern" || p["username"] != "acme" || p["secret"] != "s3cret" ||
		mustJSON(p["allow"]) != `["alaw","g722"]` || v["register"].(map[string]any)["host"] != "reg.example.net" {
		t.Fatalf("json.php view after the sipX PUT: %v", v)
	}
	// A json.php edit keeps the sipX row.
	l.must("trunk_management/sip/", "act=edit&id=1", `{"trunkfeatures": {"description": "edited"}}`)
	if a := boss.send("GET", apiGateways+"/1", "", ""); !strings.Contains(a.body, `"description":"edited"`) || !strings.Contains(a.body, `"prefix":"0"`) {
		t.Fatalf("after the json.php edit: %s", a.body)
	}

	// A gateway made through /api, its account given through the settings: json.php reads
	// the trunk, its credentials and its registration.
	if a := boss.send("POST", apiGateways, "application/json", `{"name":"made","model":{"modelId":"sipTrunkStandard"},"address":"192.0.2.20",
		"addressPort":5062,"addressTransport":"udp","outboundAddress":"192.0.2.21","outboundPort":5063,"enabled":false,"description":"from sipX"}`); a.status != http.StatusOK || a.body != "5" {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	set := func(path, value string) {
		t.Helper()
		if a := boss.send("PUT", apiGateways+"/5/settings/itsp-account/"+path, "text/plain", value); a.status != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", path, a.status, a.body)
		}
	}
	// Registering needs a user name first: refused, nothing changes.
	before := gatewayState(t, env)
	if a := boss.send("PUT", apiGateways+"/5/settings/itsp-account/register-on-initialization", "text/plain", "true"); a.status != http.StatusBadRequest ||
		!strings.Contains(a.body, "itsp-account/user-name: is required to register") || gatewayState(t, env) != before {
		t.Fatalf("register without a user: %d %s", a.status, a.body)
	}
	set("user-name", "made-user")
	set("password", "made-pass")
	set("authentication-user-name", "made-auth")
	set("register-on-initialization", "1")
	set("itsp-registrar-address", "reg.made.example")
	set("strip-private-headers", "true")
	v = l.object("trunk_management/sip/", "act=view&id=5")
	p = v["protocol"].(map[string]any)
	r, _ := v["register"].(map[string]any)
	if p["name"] != "made" || p["host"] != "192.0.2.20" || p["port"] != "5062" || p["transport"] != "udp" || p["outboundproxy"] != "192.0.2.21:5063" ||
		p["commented"] != true || p["context"] != "from-extern" || p["username"] != "made-user" || p["secret"] != "made-pass" || p["fromuser"] != "made-auth" ||
		v["trunkfeatures"].(map[string]any)["description"] != "from sipX" || r == nil || r["username"] != "made-user" || r["password"] != "made-pass" ||
		r["authuser"] != "made-auth" || r["host"] != "reg.made.example" || r["port"] != "5062" || r["commented"] != false {
		t.Fatalf("json.php view of the sipX gateway: %v", v)
	}
	// Not stored twice: only the sipX-only leaf is an override.
	var overrides string
	if err := env.DB.Get(&overrides, `SELECT string_agg(owner_kind || ':' || owner_id || ':' || path || '=' || COALESCE(value, 'NULL'), ',' ORDER BY path) FROM setting_values`); err != nil ||
		overrides != "gateway:5:itsp-account/strip-private-headers=true" {
		t.Fatalf("overrides: %q %v", overrides, err)
	}
	// Read back through sipX, the list in tree order with the §3.2 bean.
	a := boss.send("GET", apiGateways+"/5/settings", "", "")
	if a.status != http.StatusOK || !strings.HasPrefix(a.body, `{"settings":[{"path":"itsp-account/user-name","type":"string","options":null,"value":"made-user","defaultValue":null,"label":"User name",`) ||
		strings.Count(a.body, `"path":`) != 21 || !strings.Contains(a.body, `{"path":"itsp-account/strip-private-headers","type":"boolean","options":null,"value":"true","defaultValue":"false",`) ||
		!strings.Contains(a.body, `{"path":"itsp-account/register-on-initialization","type":"boolean","options":null,"value":"true",`) {
		t.Fatalf("settings: %d %s", a.status, a.body)
	}
	a = boss.send("GET", apiGateways+"/5/settings/itsp-account/sip-keepalive-method", "", "", "Accept", "text/xml")
	if a.status != http.StatusOK || !strings.HasSuffix(a.body, `<Setting><path>itsp-account/sip-keepalive-method</path><type>enum</type><options><entry><key>NONE</key><value>None</value></entry><entry><key>CR-LF</key><value>Empty SIP message</value></entry></options><value>CR-LF</value><defaultValue>CR-LF</defaultValue><label>SIP keepalive</label><description>What keeps the SIP flow open.</description></Setting>`) {
		t.Fatalf("setting XML: %d %s", a.status, a.body)
	}
	// Refusals: bad values 400, unknown paths 404, a group 400; nothing changes.
	before = gatewayState(t, env)
	for _, x := range []struct {
		method, path, body string
		status             int
		has                string
	}{
		{"PUT", "itsp-account/itsp-registrar-listening-port", "70000", 400, "itsp-account/itsp-registrar-listening-port"},
		{"PUT", "itsp-account/sip-keepalive-method", "PING", 400, "itsp-account/sip-keepalive-method"},
		{"PUT", "itsp-account/register-on-initialization", "maybe", 400, "register-on-initialization"},
		{"PUT", "itsp-account/itsp-registrar-address", "a b", 400, "itsp-registrar-address"},
		{"PUT", "itsp-account", "x", 400, "not a setting"},
		{"PUT", "itsp-account/nope", "x", 404, "Setting not found"},
		{"GET", "nope", "", 404, "Setting not found"},
		{"DELETE", "nope", "", 404, "Setting not found"},
	} {
		a := boss.send(x.method, apiGateways+"/5/settings/"+x.path, "text/plain", x.body)
		if a.status != x.status || !strings.Contains(a.body, x.has) {
			t.Fatalf("%s %s %q: %d %s", x.method, x.path, x.body, a.status, a.body)
		}
		if after := gatewayState(t, env); after != before {
			t.Fatalf("%s %s changed the gateways:\n%s", x.method, x.path, after)
		}
	}
	// DELETE: register-on-initialization back to false comments the registration out; the
	// registrar back to the gateway's address.
	for _, p := range []string{"register-on-initialization", "itsp-registrar-address"} {
		if a := boss.send("DELETE", apiGateways+"/5/settings/itsp-account/"+p, "", ""); a.status != http.StatusOK {
			t.Fatalf("DELETE %s: %d %s", p, a.status, a.body)
		}
	}
	r = l.object("trunk_management/sip/", "act=view&id=5")["register"].(map[string]any)
	if r["commented"] != true || r["host"] != "192.0.2.20" {
		t.Fatalf("registration after the resets: %v", r)
	}
	if a := boss.send("GET", apiGateways+"/5/settings/itsp-account/register-on-initialization", "", ""); !strings.Contains(a.body, `"value":"false"`) {
		t.Fatalf("register-on-initialization after DELETE: %s", a.body)
	}
	// DELETE of the group: the whole account back to its defaults, the registration gone.
	if a := boss.send("DELETE", apiGateways+"/5/settings/itsp-account", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE group: %d %s", a.status, a.body)
	}
	v = l.object("trunk_management/sip/", "act=view&id=5")
	if p := v["protocol"].(map[string]any); p["username"] != "" || p["secret"] != "" || p["fromuser"] != "" || v["register"] != false {
		t.Fatalf("json.php view after the reset: %v", v)
	}
	if err := env.DB.Get(&overrides, `SELECT count(*)::text FROM setting_values`); err != nil || overrides != "0" {
		t.Fatalf("overrides after the reset: %s %v", overrides, err)
	}
	// Deleting the gateway takes its settings.
	if a := boss.send("DELETE", apiGateways+"/5", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	var n int
	if err := env.DB.Get(&n, `SELECT count(*) FROM setting_values`); err != nil || n != 0 {
		t.Fatalf("settings left: %d %v", n, err)
	}
	if a := newSipx(t, env, "clerk", "clerkpin").send("GET", apiGateways+"/1/settings", "", ""); a.status != http.StatusForbidden {
		t.Fatalf("clerk settings: %d", a.status)
	}
}

// outcallTrunks is each outcall with its trunks in order.
func outcallTrunks(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var s *string
	if err := env.DB.QueryRow(`SELECT string_agg(o.name || ':' || COALESCE((SELECT string_agg(trunk_id::text, ',' ORDER BY priority)
		FROM outcall_trunks WHERE outcall_id = o.id), ''), ' ' ORDER BY o.id) FROM outcalls o`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}

// The dial-plan links (§8.2, §15): the rules are the outcalls, a gateway's available rules
// those not routing through its trunk; PUT/DELETE …/rules/{ruleId} add and remove the trunk,
// read back through json.php; /api/rules reads and deletes them.
func TestSipxAPIGatewayRules(t *testing.T) {
	env, l, boss := gatewaySetup(t)
	for _, b := range []string{`{"name":"gw1","model":{"modelId":"sipTrunkStandard"},"address":"192.0.2.1"}`, `{"name":"gw2","model":{"modelId":"genericGatewayStandard"},"address":"192.0.2.2"}`} {
		if a := boss.send("POST", apiGateways, "application/json", b); a.status != http.StatusOK {
			t.Fatalf("POST: %d %s", a.status, a.body)
		}
	}
	l.must("trunk_management/iax/", "act=add", `{"protocol": {"name": "iaxt", "context": "from-extern"}, "trunkfeatures": {}}`)
	l.must("call_management/outcall/", "act=add", `{"outcall": {"name": "national", "context": "to-extern", "description": "France"}, "outcalltrunk": [1],
		"dialpattern": [{"exten": "_0XXXXXXXXX", "stripnum": 1, "externprefix": "0033"}, {"exten": "_00.", "stripnum": 0}]}`)
	l.must("call_management/outcall/", "act=add", `{"outcall": {"name": "intl", "context": "to-extern", "commented": true}, "outcalltrunk": [3], "dialpattern": [{"exten": "112", "stripnum": 3}]}`)

	national := `{"id":1,"name":"national","enabled":true,"type":"Custom","description":"France","scheduleId":null,"permissions":{"names":[]},` +
		`"gatewayAware":true,"authorizationChecked":false,"internal":false,"mediaServerHostname":null,"mediaServerType":null,` +
		`"dialPatterns":{"patterns":[{"prefix":"0","digits":9},{"prefix":"00","digits":-1}]},"callPattern":{"prefix":"0033","callDigits":"vdigits"},` +
		`"pstnPrefix":null,"pstnPrefixOptional":false,"longDistancePrefix":null,"longDistancePrefixOptional":false,"areaCodes":null,"externalLen":0,` +
		`"optionalPrefix":null,"emergencyNumber":null,"afterHoursAttendant":null,"afterHoursAttendantEnabled":false,"holidayAttendant":null,` +
		`"workingTimeAttendant":null,"holidayAttendantPeriods":null,"workingTimeAttendantPeriods":null,"extension":null,"attendantAliases":null,` +
		`"did":null,"enableLiveAttendant":false}`
	intl := `{"id":2,"name":"intl","enabled":false,"type":"Custom","description":null,`
	if a := boss.send("GET", "/sipxconfig/api/rules/1", "", ""); a.status != http.StatusOK || a.body != national {
		t.Fatalf("rule:\n%s\nwant\n%s", a.body, national)
	}
	if a := boss.send("GET", "/sipxconfig/api/rules/2.xml", "", ""); a.status != http.StatusOK || !strings.Contains(a.body, `<Rule><id>2</id><name>intl</name><enabled>false</enabled><type>Custom</type><permissions></permissions><gatewayAware>true</gatewayAware>`) ||
		!strings.Contains(a.body, `<dialPatterns><DialPatterns><prefix>112</prefix><digits>0</digits></DialPatterns></dialPatterns><callPattern><callDigits>nodigits</callDigits></callPattern>`) {
		t.Fatalf("rule XML: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", "/sipxconfig/api/rules", "", ""); !strings.HasPrefix(a.body, `{"rules":[`+national+`,`+intl) {
		t.Fatalf("rules: %s", a.body)
	}
	if a := boss.send("GET", apiGateways+"/1/availablerules", "", ""); a.status != http.StatusOK || !strings.HasPrefix(a.body, `{"rules":[`+intl) || strings.Contains(a.body, "national") {
		t.Fatalf("available to gw1: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiGateways+"/2/availablerules.xml", "", ""); !strings.Contains(a.body, `<Rules><Rule><id>1</id>`) || !strings.Contains(a.body, `</Rule><Rule><id>2</id>`) {
		t.Fatalf("available to gw2: %s", a.body)
	}

	// Linking gw2 to national puts its trunk last; again changes nothing; json.php sees it.
	for i := 0; i < 2; i++ {
		if a := boss.send("PUT", apiGateways+"/2/rules/1", "", ""); a.status != http.StatusOK || a.body != "" {
			t.Fatalf("link: %d %s", a.status, a.body)
		}
		if got := outcallTrunks(t, env); got != "national:1,2 intl:3" {
			t.Fatalf("after link: %s", got)
		}
	}
	v := l.object("call_management/outcall/", "act=view&id=1")
	if tr := v["outcalltrunk"].([]any); len(tr) != 2 || tr[1].(map[string]any)["name"] != "gw2" || len(v["dialpattern"].([]any)) != 2 {
		t.Fatalf("json.php view after link: %v", v)
	}
	if a := boss.send("GET", apiGateways+"/2/availablerules", "", ""); strings.Contains(a.body, "national") {
		t.Fatalf("available to gw2 after link: %s", a.body)
	}
	// Unlinking gw1 leaves gw2; unlinking one not linked changes nothing.
	for _, p := range []string{"/1/rules/1", "/1/rules/2"} {
		if a := boss.send("DELETE", apiGateways+p, "", ""); a.status != http.StatusOK {
			t.Fatalf("unlink %s: %d %s", p, a.status, a.body)
		}
	}
	before := outcallTrunks(t, env)
	if before != "national:2 intl:3" {
		t.Fatalf("after unlink: %s", before)
	}
	// Refusals leave the links as they are: the last trunk of an outcall 409, unknown rule or
	// gateway 404, a trunk still routed through 409, GET of a link 405.
	gwBefore := gatewayState(t, env)
	for _, x := range []struct {
		method, path string
		status       int
		has          string
	}{
		{"DELETE", apiGateways + "/2/rules/1", 409, "rule national routes only through this gateway"},
		{"PUT", apiGateways + "/1/rules/99", 404, "Rule not found"},
		{"PUT", apiGateways + "/1/rules/x", 404, "Rule not found"},
		{"PUT", apiGateways + "/9/rules/1", 404, "Gateway not found"},
		{"PUT", apiGateways + "/3/rules/1", 404, "Gateway not found"},
		{"GET", apiGateways + "/9/availablerules", 404, "Gateway not found"},
		{"GET", apiGateways + "/1/rules/1", 405, ""},
		{"DELETE", apiGateways + "/2", 409, "trunk gw2 is still used by outcall national"},
		{"GET", "/sipxconfig/api/rules/9", 404, "Rule not found"},
		{"DELETE", "/sipxconfig/api/rules/9", 404, "Rule not found"},
		{"PUT", "/sipxconfig/api/rules/1", 400, "body"},
		{"POST", "/sipxconfig/api/rules/1", 405, ""},
	} {
		a := boss.send(x.method, x.path, "", "")
		if a.status != x.status || !strings.Contains(a.body, x.has) {
			t.Fatalf("%s %s: %d %s", x.method, x.path, a.status, a.body)
		}
		if outcallTrunks(t, env) != before || gatewayState(t, env) != gwBefore {
			t.Fatalf("%s %s changed something", x.method, x.path)
		}
	}
	if a := newSipx(t, env, "clerk", "clerkpin").send("PUT", apiGateways+"/1/rules/1", "", ""); a.status != http.StatusForbidden || outcallTrunks(t, env) != before {
		t.Fatalf("clerk link: %d", a.status)
	}
	if a := newSipx(t, env, "", "").send("GET", "/sipxconfig/api/rules", "", ""); a.status != http.StatusUnauthorized {
		t.Fatalf("anonymous rules: %d", a.status)
	}
	// DELETE /rules/{id} deletes the outcall; its trunks stay.
	if a := boss.send("DELETE", "/sipxconfig/api/rules/2", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE rule: %d %s", a.status, a.body)
	}
	if got := outcallTrunks(t, env); got != "national:2" || gatewayState(t, env) != gwBefore {
		t.Fatalf("after DELETE rule: %s", got)
	}
}

// dialPatterns is each outcall's patterns: exten/stripnum/prefix/externprefix.
func dialPatterns(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var s *string
	if err := env.DB.QueryRow(`SELECT string_agg(concat_ws('/', o.name, o.context, o.description, o.commented, p.exten, p.stripnum, p.prefix, p.externprefix), ' ' ORDER BY o.id, p.position)
		FROM outcalls o LEFT JOIN dial_patterns p ON p.outcall_id = o.id`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}

// POST /rules makes an outcall (Custom rule) in the outgoing context through the gateways
// listed; PUT merges; refusals change nothing; json.php reads the result.
func TestSipxAPIRuleWrites(t *testing.T) {
	env, l, boss := gatewaySetup(t)
	for _, b := range []string{`{"name":"gw1","model":{"modelId":"sipTrunkStandard"},"address":"192.0.2.1"}`, `{"name":"gw2","model":{"modelId":"sipTrunkStandard"},"address":"192.0.2.2"}`} {
		if a := boss.send("POST", apiGateways, "application/json", b); a.status != http.StatusOK {
			t.Fatalf("POST gateway: %d %s", a.status, a.body)
		}
	}
	l.must("trunk_management/iax/", "act=add", `{"protocol": {"name": "iaxt", "context": "from-extern"}, "trunkfeatures": {}}`)
	if a := boss.send("GET", "/sipxconfig/api/rules/raw", "", ""); a.status != http.StatusOK || a.body != `{"names":["defaultCustomRule"]}` {
		t.Fatalf("raw: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", "/sipxconfig/api/rules/raw.xml", "", ""); a.status != http.StatusOK || !strings.HasSuffix(a.body, `<Names><Name>defaultCustomRule</Name></Names>`) {
		t.Fatalf("raw XML: %d %s", a.status, a.body)
	}
	a := boss.send("POST", "/sipxconfig/api/rules", "application/json", `{"name":"long","type":"Custom","enabled":true,"description":"long distance",
		"dialPatterns":{"patterns":[{"prefix":"91","digits":10},{"prefix":"8","digits":-1}]},"callPattern":{"prefix":"00","callDigits":"vdigits"},"gateways":[2,1]}`)
	if a.status != http.StatusOK || a.body != "1" || a.header.Get("Location") != "/sipxconfig/api/rules/1" {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	if got := dialPatterns(t, env); got != "long/to-extern/long distance/f/_91XXXXXXXXXX/2//00 long/to-extern/long distance/f/_8./1//00" || outcallTrunks(t, env) != "long:2,1" {
		t.Fatalf("stored: %s / %s", got, outcallTrunks(t, env))
	}
	if a := boss.send("GET", "/sipxconfig/api/rules/1", "", ""); !strings.Contains(a.body, `"dialPatterns":{"patterns":[{"prefix":"91","digits":10},{"prefix":"8","digits":-1}]},"callPattern":{"prefix":"00","callDigits":"vdigits"}`) {
		t.Fatalf("GET: %s", a.body)
	}
	// An XML POST: the same shape in, the gateways as <gateways><id/>…</gateways>.
	if a := boss.send("POST", "/sipxconfig/api/rules", "text/xml", `<Rule><name>xml</name><dialPatterns><DialPatterns><prefix>7</prefix><digits>2</digits></DialPatterns></dialPatterns><gateways><id>1</id></gateways></Rule>`); a.status != http.StatusOK || a.body != "2" {
		t.Fatalf("POST XML: %d %s", a.status, a.body)
	}
	if got := outcallTrunks(t, env); got != "long:2,1 xml:1" || !strings.HasSuffix(dialPatterns(t, env), " xml/to-extern//f/_7XX/0//") {
		t.Fatalf("after XML POST: %s / %s", got, dialPatterns(t, env))
	}
	if a := boss.send("DELETE", "/sipxconfig/api/rules/2", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	// PUT merges: a call pattern alone rewrites what is stripped and prepended; XML too.
	if a := boss.send("PUT", "/sipxconfig/api/rules/1", "text/xml", `<Rule><enabled>false</enabled><callPattern><callDigits>digits</callDigits></callPattern></Rule>`); a.status != http.StatusOK || a.body != "1" {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	before := dialPatterns(t, env)
	if before != "long/to-extern/long distance/t/_91XXXXXXXXXX/0// long/to-extern/long distance/t/_8./0//" {
		t.Fatalf("after PUT: %s", before)
	}
	v := l.object("call_management/outcall/", "act=view&id=1")
	if v["outcall"].(map[string]any)["commented"] != true || len(v["outcalltrunk"].([]any)) != 2 {
		t.Fatalf("json.php view: %v", v)
	}
	trunks := outcallTrunks(t, env)
	for _, x := range []struct {
		method, path, body string
		status             int
		has                string
	}{
		{"POST", "", `{"name":"x","dialPatterns":{"patterns":[{"prefix":"9","digits":3}]}}`, 400, "gateways: is required"},
		{"POST", "", `{"name":"x","gateways":[3]}`, 400, "gateways[0]: there is no gateway 3"},
		{"POST", "", `{"name":"x","gateways":[1],"type":"Emergency"}`, 400, "type: must be Custom"},
		{"POST", "", `{"name":"x","gateways":[1],"scheduleId":4}`, 400, "scheduleId"},
		{"POST", "", `{"gateways":[1]}`, 400, "name: is required"},
		{"POST", "", `{"name":"long","gateways":[1]}`, 409, "name: already in use"},
		{"POST", "", `{"name":"x","gateways":[1],"dialPatterns":{"patterns":[{"prefix":"9a","digits":3}]}}`, 400, "dialPatterns.patterns[0].prefix"},
		{"POST", "", `{"name":"x","gateways":[1],"dialPatterns":{"patterns":[{"prefix":"","digits":0}]}}`, 400, "dialPatterns.patterns[0]: needs a prefix or digits"},
		{"POST", "", `{"name":"x","gateways":[1],"callPattern":{"callDigits":"some"}}`, 400, "callPattern.callDigits"},
		{"PUT", "/1", `{"gateways":[]}`, 400, "gateways: must list at least one trunk"},
		{"PUT", "/1", `{"name":""}`, 400, "name: is required"},
		{"PUT", "/9", `{"name":"y"}`, 404, "Rule not found"},
		{"PUT", "/1", `{"dialPatterns":{"patterns":[{"prefix":"5","digits":1},{"prefix":"5","digits":1}]}}`, 400, "dialPatterns.patterns[1]"},
	} {
		a := boss.send(x.method, "/sipxconfig/api/rules"+x.path, "application/json", x.body)
		if a.status != x.status || !strings.Contains(a.body, x.has) {
			t.Fatalf("%s %s %s: %d %s", x.method, x.path, x.body, a.status, a.body)
		}
		if dialPatterns(t, env) != before || outcallTrunks(t, env) != trunks {
			t.Fatalf("%s %s %s changed the rules", x.method, x.path, x.body)
		}
	}
	if a := newSipx(t, env, "clerk", "clerkpin").send("POST", "/sipxconfig/api/rules", "application/json", `{"name":"c","gateways":[1]}`); a.status != http.StatusForbidden || dialPatterns(t, env) != before {
		t.Fatalf("clerk: %d", a.status)
	}
}

// Simultaneous writes of one trunk through both façades, each of its own field (a sipX PUT,
// a sipX setting mirrored onto the trunk, a json.php edit), all survive, ten rounds in a
// row; a json.php delete of the trunk takes the gateway's row and settings.
func TestSipxAPIGatewaySimultaneousWrites(t *testing.T) {
	env, l, boss := gatewaySetup(t)
	if a := boss.send("POST", apiGateways, "application/json", `{"name":"gw","model":{"modelId":"sipTrunkStandard"},"address":"192.0.2.1"}`); a.status != http.StatusOK {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	for round := 0; round < 10; round++ {
		n := strconv.Itoa(round)
		var wg sync.WaitGroup
		codes := make([]int, 3)
		start := make(chan struct{})
		for i, write := range []func() int{
			func() int {
				return boss.send("PUT", apiGateways+"/1", "application/json", `{"description":"d`+n+`"}`).status
			},
			func() int {
				return boss.send("PUT", apiGateways+"/1/settings/itsp-account/user-name", "text/plain", "u"+n).status
			},
			func() int {
				st, _ := l.do("trunk_management/sip/", "act=edit&id=1", `{"protocol": {"qualify": "`+n+`"}}`)
				return st
			},
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				codes[i] = write()
			}()
		}
		close(start)
		wg.Wait()
		if codes[0] != http.StatusOK || codes[1] != http.StatusOK || codes[2] != http.StatusOK {
			t.Fatalf("round %d: %v", round, codes)
		}
		var desc, user, qualify string
		if err := env.DB.QueryRow(`SELECT description, username, options->>'qualify' FROM trunks WHERE id = 1`).Scan(&desc, &user, &qualify); err != nil {
			t.Fatal(err)
		}
		if desc != "d"+n || user != "u"+n || qualify != n {
			t.Fatalf("round %d lost a write: %q %q %q", round, desc, user, qualify)
		}
	}
	if a := boss.send("PUT", apiGateways+"/1/settings/itsp-account/always-relay-media", "text/plain", "false"); a.status != http.StatusOK {
		t.Fatalf("setting: %d %s", a.status, a.body)
	}
	l.must("trunk_management/sip/", "act=delete&id=1", "")
	var n int
	if err := env.DB.Get(&n, `SELECT (SELECT count(*) FROM setting_values) + (SELECT count(*) FROM gateways)`); err != nil || n != 0 {
		t.Fatalf("left after the json.php delete: %d %v", n, err)
	}
	if a := boss.send("GET", apiGateways+"/1", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("GET after delete: %d", a.status)
	}
}

// Without an incoming context a sipX gateway has nowhere to send its calls: 400, nothing made.
func TestSipxAPIGatewayNeedsAnIncomingContext(t *testing.T) {
	env, _ := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	a := boss.send("POST", apiGateways, "application/json", `{"name":"gw","model":{"modelId":"sipTrunkStandard"},"address":"192.0.2.1"}`)
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, "context: no incoming context") || gatewayState(t, env) != "" {
		t.Fatalf("POST: %d %s / %s", a.status, a.body, gatewayState(t, env))
	}
}
