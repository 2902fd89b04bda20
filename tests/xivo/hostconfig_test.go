package xivo_test

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"pbxws/models"
	"pbxws/tests/testenv"
)

// The host configuration endpoints of /xivo/configuration/json.php (network/*,
// support/monitoring, provisioning/*) and /cti/json.php/private/configuration: stored,
// validated, and announced on models.PBXControlChannel in the write's transaction.

const cfgRoot = "/xivo/configuration/json.php"

// changes listens on the configuration channel.
type changes struct {
	t   *testing.T
	env *testenv.Env
	l   *pq.Listener
}

func listenChanges(t *testing.T, env *testenv.Env) *changes {
	t.Helper()
	l := pq.NewListener(env.DSN, 100*time.Millisecond, time.Second, nil)
	t.Cleanup(func() { l.Close() })
	if err := l.Listen(models.PBXControlChannel); err != nil {
		t.Fatal(err)
	}
	return &changes{t: t, env: env, l: l}
}

// next is the next notice, decoded; it checks that host_config_changes recorded it.
func (c *changes) next(section, op string) models.HostChange {
	c.t.Helper()
	select {
	case n := <-c.l.Notify:
		var got models.HostChange
		if n == nil || json.Unmarshal([]byte(n.Extra), &got) != nil {
			c.t.Fatalf("notice %+v is not a host change", n)
		}
		if got.Action != "configure" || got.Section != section || got.Op != op || got.ID == 0 {
			c.t.Fatalf("notice %s, want configure %s %s", n.Extra, section, op)
		}
		var stored string
		if err := c.env.DB.Get(&stored, `SELECT section || ' ' || op FROM host_config_changes WHERE id = $1`, got.ID); err != nil || stored != section+" "+op {
			c.t.Fatalf("recorded change %q %v", stored, err)
		}
		return got
	case <-time.After(5 * time.Second):
		c.t.Fatalf("no notice for %s %s", section, op)
	}
	return models.HostChange{}
}

// none checks that nothing was announced since the last notice read: a marker sent now
// is the next notice (notices arrive in commit order, and every request before it has
// been answered).
func (c *changes) none() {
	c.t.Helper()
	if _, err := c.env.DB.Exec(`SELECT pg_notify($1, 'marker')`, models.PBXControlChannel); err != nil {
		c.t.Fatal(err)
	}
	select {
	case n := <-c.l.Notify:
		if n == nil || n.Extra != "marker" {
			c.t.Fatalf("a refused write was announced: %+v", n)
		}
	case <-time.After(5 * time.Second):
		c.t.Fatal("the marker notice never came")
	}
}

// configClients is a restricted client granted xivo/configuration, and a private one.
func configClients(t *testing.T, env *testenv.Env) (restricted, private *xc) {
	t.Helper()
	account(t, env, "admin", "admin", "secret", nil, []string{"xivo/configuration", "cti"}, false)
	restricted = newClient(t, env)
	restricted.user, restricted.pass = "admin", "secret"
	return restricted, newClient(t, env)
}

func hostState(t *testing.T, env *testenv.Env) string {
	t.Helper()
	return tablesSnapshot(t, env, "host_settings", "netifaces", "iproutes", "host_config_changes", "devices", "lines")
}

func decodeJSON(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return m
}

// refused sends a write, expects 400 naming field with a rule containing rule, and checks
// that the database did not change and nothing was announced.
func refused(t *testing.T, env *testenv.Env, ch *changes, c *xc, path, query string, body any, field, rule string) {
	t.Helper()
	before := hostState(t, env)
	st, _, raw := c.do("POST", path, query, body)
	if st != http.StatusBadRequest {
		t.Fatalf("%s?%s %v: %d %s, want 400", path, query, body, st, raw)
	}
	var e struct {
		Fields map[string]string `json:"fields"`
	}
	if json.Unmarshal(raw, &e) != nil || !strings.Contains(e.Fields[field], rule) {
		t.Fatalf("%s?%s %v: %s, want %s: …%s…", path, query, body, raw, field, rule)
	}
	if after := hostState(t, env); after != before {
		t.Fatalf("a refused write changed the database:\n%s\n---\n%s", before, after)
	}
	ch.none()
}

// badWrite is a write refused with a 400 naming field with a rule containing rule; query,
// when set, replaces the endpoint's.
type badWrite struct {
	name, query, field, rule string
	body                     any
}

// refuseEach runs refused for each case, as a subtest named prefix + the case's name.
func refuseEach(t *testing.T, env *testenv.Env, ch *changes, c *xc, path, query, prefix string, cases []badWrite) {
	t.Helper()
	for _, tc := range cases {
		q := query
		if tc.query != "" {
			q = tc.query
		}
		t.Run(prefix+tc.name, func(t *testing.T) { refused(t, env, ch, c, path, q, tc.body, tc.field, tc.rule) })
	}
}

// withKey is a copy of body with key set to v, or removed when v is nil.
func withKey(body map[string]any, key string, v any) map[string]any {
	out := make(map[string]any, len(body))
	for k, x := range body {
		out[k] = x
	}
	if v == nil {
		delete(out, key)
	} else {
		out[key] = v
	}
	return out
}

// The seed's network/mail examples work verbatim: the edit body is accepted, and the view
// then answers the seed's "Return code example".
func TestMailFollowsTheSeedExamples(t *testing.T) {
	env := testenv.Start(t)
	c, p := configClients(t, env)
	ch := listenChanges(t, env)
	mail := cfgRoot + "/restricted/network/mail/"

	if got, want := c.object(mail, "act=view"), map[string]any{"id": "1", "mydomain": "", "origin": "",
		"relayhost": "", "fallback_relayhost": "", "canonical": []any{}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("default view %v", got)
	}
	edit := json.RawMessage(`{
       "mydomain": "proformatique.com",
       "origin": "devel.proformatique.com",
       "relayhost": "smtp.free.fr",
       "fallback_relayhost": "smtp.orange.fr",
       "canonical": [
           {
               "pattern": "@proformatique.com",
               "result": "support@proformatique.com"
           }
       ]
   }`)
	if raw := c.mustStatus(200, "POST", mail, "act=edit", edit); len(raw) != 0 {
		t.Fatalf("edit answered %q", raw)
	}
	n := ch.next("network/mail", "edit")
	if n.RequestedBy != "admin" || !strings.Contains(string(n.Config), `"relayhost":"smtp.free.fr"`) {
		t.Fatalf("notice %+v", n)
	}
	want := decodeJSON(t, []byte(`{
       "id": "1",
       "mydomain": "proformatique.com",
       "origin": "devel.proformatique.com",
       "relayhost": "smtp.free.fr",
       "fallback_relayhost": "smtp.orange.fr",
       "canonical": [
           {
               "pattern": "@proformatique.com",
               "result": "support@proformatique.com"
           }
       ]
   }`))
	if got := c.object(mail, "act=view"); !reflect.DeepEqual(got, want) {
		t.Fatalf("view after the seed's edit:\n%v\nwant\n%v", got, want)
	}
	// The default act is view; a view posted back is a valid edit (id dropped).
	if got := c.object(mail, ""); !reflect.DeepEqual(got, want) {
		t.Fatalf("default act: %v", got)
	}
	viewBody := c.mustStatus(200, "GET", mail, "act=view", nil)
	c.mustStatus(200, "POST", mail, "act=edit", json.RawMessage(viewBody))
	ch.next("network/mail", "edit")
	var stored string
	if err := env.DB.Get(&stored, `SELECT value->>'relayhost' FROM host_settings WHERE section = 'network/mail'`); err != nil || stored != "smtp.free.fr" {
		t.Fatalf("stored relayhost %q %v", stored, err)
	}
	// Postfix relay forms: [host]:port, an address.
	c.mustStatus(200, "POST", mail, "act=edit", map[string]any{"mydomain": "example.com", "origin": "pbx.example.com",
		"relayhost": "[smtp.example.com]:587", "fallback_relayhost": "192.0.2.25", "canonical": []any{}})
	ch.next("network/mail", "edit")
	if got := c.object(mail, "act=view"); got["relayhost"] != "[smtp.example.com]:587" || len(got["canonical"].([]any)) != 0 {
		t.Fatalf("after a second edit: %v", got)
	}
	// Restricted only.
	if st, _, _ := p.do("GET", cfgRoot+"/private/network/mail/", "act=view", nil); st != http.StatusNotFound {
		t.Fatalf("private mail: %d", st)
	}

	good := func(k string, v any) map[string]any {
		return withKey(map[string]any{"mydomain": "example.com", "origin": "pbx.example.com", "relayhost": "smtp.example.com",
			"fallback_relayhost": "", "canonical": []any{map[string]any{"pattern": "@example.com", "result": "it@example.com"}}}, k, v)
	}
	refuseEach(t, env, ch, c, mail, "act=edit", "", []badWrite{
		{"relay with a space", "", "relayhost", "host name or IPv4", good("relayhost", "smtp free.fr")},
		{"relay with a bad port", "", "fallback_relayhost", "host name or IPv4", good("fallback_relayhost", "smtp.orange.fr:99999")},
		{"domain with an underscore", "", "mydomain", "must be a host name", good("mydomain", "pro_formatique.com")},
		{"origin missing", "", "origin", "is required", good("origin", nil)},
		{"origin too long", "", "origin", "at most 255", good("origin", strings.Repeat("a", 256))},
		{"canonical pattern", "", "canonical[0].pattern", "user@domain", good("canonical", []any{map[string]any{"pattern": "a b", "result": "x@example.com"}})},
		{"canonical result", "", "canonical[0].result", "user@domain or @domain", good("canonical", []any{map[string]any{"pattern": "@example.com", "result": ""}})},
		{"canonical not an object", "", "canonical[0]", "must be an object", good("canonical", []any{"@example.com"})},
		{"canonical too long", "", "canonical", "at most 255", good("canonical", func() []any {
			var rules []any
			for i := 0; i < 8; i++ {
				rules = append(rules, map[string]any{"pattern": "@sub" + strings.Repeat("x", 10) + ".example.com", "result": "someone@example.com"})
			}
			return rules
		}())},
	})
	refused(t, env, ch, c, mail, "act=edit", []byte("not json"), "body", "")
}

func TestResolvConfViewAndSave(t *testing.T) {
	env := testenv.Start(t)
	c, p := configClients(t, env)
	ch := listenChanges(t, env)
	path := "/network/resolvconf/"
	def := c.object(cfgRoot+"/restricted"+path, "")
	if _, hasID := def["id"]; hasID || def["hostname"] != "xivo" || def["nameserver1"] != nil {
		t.Fatalf("default view %v", def)
	}
	body := map[string]any{"hostname": "pbx1", "domain": "example.com", "nameserver1": "192.0.2.53",
		"nameserver2": "192.0.2.54", "search": []any{"example.com", "corp.example.com"}, "description": "main resolver"}
	if raw := c.mustStatus(200, "POST", cfgRoot+"/restricted"+path, "act=save", body); len(raw) != 0 {
		t.Fatalf("save answered %q", raw)
	}
	ch.next("network/resolvconf", "edit")
	want := map[string]any{"hostname": "pbx1", "domain": "example.com", "nameserver1": "192.0.2.53",
		"nameserver2": "192.0.2.54", "nameserver3": nil, "search": "example.com corp.example.com", "description": "main resolver"}
	if got := c.object(cfgRoot+"/restricted"+path, "act=view"); !reflect.DeepEqual(got, want) {
		t.Fatalf("view %v, want %v", got, want)
	}
	// Private mode saves too; what a save does not name keeps its value; "" clears a server.
	p.mustStatus(200, "POST", cfgRoot+"/private"+path, "act=save", map[string]any{"nameserver2": "", "search": "lab.example.com"})
	n := ch.next("network/resolvconf", "edit")
	if n.RequestedBy != "(private)" {
		t.Fatalf("private notice %+v", n)
	}
	want["nameserver2"], want["search"] = nil, "lab.example.com"
	if got := p.object(cfgRoot+"/private"+path, ""); !reflect.DeepEqual(got, want) {
		t.Fatalf("view after a partial save %v", got)
	}
	refuseEach(t, env, ch, c, cfgRoot+"/restricted"+path, "act=save", "", []badWrite{
		{"hostname with dots", "", "hostname", "without dots", map[string]any{"hostname": "pbx.one"}},
		{"empty hostname", "", "hostname", "without dots", map[string]any{"hostname": ""}},
		{"domain", "", "domain", "must be a host name", map[string]any{"domain": "-bad.example.com"}},
		{"name server not an address", "", "nameserver1", "IPv4 address such as", map[string]any{"nameserver1": "300.1.1.1"}},
		{"name server a host name", "", "nameserver2", "IPv4 address such as", map[string]any{"nameserver2": "dns.example.com"}},
		{"search domain", "", "search", "host names separated by spaces", map[string]any{"search": []any{"ok.example.com", "bad_domain"}}},
		{"unknown key", "", "nameserver4", "is not a setting", map[string]any{"nameserver4": "192.0.2.1"}},
	})
}

// addIface adds an interface and returns its id, checking the notice.
func addIface(t *testing.T, c *xc, ch *changes, body map[string]any) string {
	t.Helper()
	raw := c.mustStatus(200, "POST", cfgRoot+"/restricted/network/interface/", "act=add", body)
	var id string
	if json.Unmarshal(raw, &id) != nil || id == "" {
		t.Fatalf("add answered %q", raw)
	}
	if n := ch.next("network/interface", "add"); n.ObjectID != id {
		t.Fatalf("notice %+v for interface %s", n, id)
	}
	return id
}

func TestNetworkInterfacesAndRoutes(t *testing.T) {
	env := testenv.Start(t)
	c, p := configClients(t, env)
	ch := listenChanges(t, env)
	ifaces := cfgRoot + "/restricted/network/interface/"
	routes := cfgRoot + "/restricted/network/iproute/"
	if l := c.list(ifaces, "act=list"); l != nil {
		t.Fatalf("no interfaces yet: %v", l)
	}
	eth0 := addIface(t, c, ch, map[string]any{"ifname": "eth0", "networktype": "voip", "address": "10.0.0.1",
		"netmask": "24", "gateway": "10.0.0.254", "description": "VoIP"})
	want := map[string]any{"id": json.Number(eth0), "ifname": "eth0", "hwtypeid": json.Number("1"), "networktype": "voip",
		"type": "iface", "family": "inet", "method": "static", "address": "10.0.0.1", "netmask": "255.255.255.0",
		"gateway": "10.0.0.254", "vlanrawdevice": nil, "vlanid": nil, "options": "", "disable": false, "description": "VoIP"}
	st, _, raw := c.do("GET", ifaces, "act=view&id="+eth0, nil)
	var got map[string]any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if st != 200 || dec.Decode(&got) != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("view %d %s, want %v", st, raw, want)
	}
	// A DHCP interface keeps no addresses; a VLAN interface in private mode.
	eth1 := addIface(t, c, ch, map[string]any{"ifname": "eth1", "method": "dhcp", "address": "10.9.9.9", "netmask": "255.255.255.0"})
	if v := c.object(ifaces, "act=view&id="+eth1); v["address"] != nil || v["netmask"] != nil || v["method"] != "dhcp" {
		t.Fatalf("dhcp interface %v", v)
	}
	raw = p.mustStatus(200, "POST", cfgRoot+"/private/network/interface/", "act=add", map[string]any{"ifname": "eth0.20",
		"address": "192.168.20.1", "netmask": "255.255.255.0", "vlanrawdevice": "eth0", "vlanid": 20})
	vlan := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if n := ch.next("network/interface", "add"); n.ObjectID != vlan || n.RequestedBy != "(private)" {
		t.Fatalf("vlan notice %+v", n)
	}
	if l := p.list(cfgRoot+"/private/network/interface/", ""); len(l) != 3 || l[0]["ifname"] != "eth0" || l[2]["ifname"] != "eth1" {
		t.Fatalf("list %v", l)
	}
	if st, _, _ := c.do("GET", ifaces, "act=view&id=999", nil); st != http.StatusNotFound {
		t.Fatalf("unknown interface: %d", st)
	}

	iface := func(k string, v any) map[string]any {
		return withKey(map[string]any{"ifname": "eth2", "address": "172.16.0.1", "netmask": "255.255.0.0"}, k, v)
	}
	refuseEach(t, env, ch, c, ifaces, "act=add", "interface ", []badWrite{
		{"address not an address", "", "address", "IPv4 address", iface("address", "172.16.0.300")},
		{"address IPv6", "", "address", "IPv4 address", iface("address", "2001:db8::1")},
		{"netmask 33", "", "netmask", "prefix length 0-32", iface("netmask", "33")},
		{"netmask -1", "", "netmask", "prefix length 0-32", iface("netmask", "-1")},
		{"netmask not contiguous", "", "netmask", "dotted mask", iface("netmask", "255.0.255.0")},
		{"static without netmask", "", "netmask", "is required", iface("netmask", nil)},
		{"gateway outside the network", "", "gateway", "must lie in the interface's network 172.16.0.0/16", iface("gateway", "172.17.0.1")},
		{"gateway is the broadcast", "", "gateway", "neither its network nor its broadcast", iface("gateway", "172.16.255.255")},
		{"gateway is the address", "", "gateway", "differ from the interface's own address", iface("gateway", "172.16.0.1")},
		{"second default gateway", "", "gateway", "already on interface eth0", iface("gateway", "172.16.0.254")},
		{"ifname taken", "", "ifname", "already in use", iface("ifname", "eth0")},
		{"ifname bad", "", "ifname", "1-64 characters", iface("ifname", "eth 2")},
		{"address taken", "", "address", "already in use", iface("address", "10.0.0.1")},
		{"second voip interface", "", "networktype", "already in use", iface("networktype", "voip")},
		{"method", "", "method", "one of: static, dhcp, manual", iface("method", "ppp")},
		{"vlan half given", "", "vlanid", "give both or neither", iface("vlanid", 10)},
		{"vlan id range", "", "vlanid", "between 1 and 4094", map[string]any{"ifname": "eth2", "address": "172.16.0.1", "netmask": "16", "vlanid": 5000, "vlanrawdevice": "eth0"}},
		{"unknown key", "", "mtu", "is not a setting", iface("mtu", 1500)},
		{"address is the network", "", "address", "neither its network nor its broadcast", iface("address", "172.16.0.0")},
		{"address is the broadcast", "", "address", "neither its network nor its broadcast", iface("address", "172.16.255.255")},
		{"address unspecified", "", "address", "unicast", map[string]any{"ifname": "eth2", "address": "0.0.0.0", "netmask": "8"}},
		{"address multicast", "", "address", "unicast", map[string]any{"ifname": "eth2", "address": "224.0.0.1", "netmask": "24"}},
		{"netmask 0", "", "netmask", "1 to 32 bits", iface("netmask", "0")},
	})

	// Routes.
	if l := c.list(routes, ""); l != nil {
		t.Fatalf("no routes yet: %v", l)
	}
	raw = c.mustStatus(200, "POST", routes, "act=add", map[string]any{"name": "branch", "iface": "eth0",
		"destination": "172.20.5.9", "netmask": "16", "gateway": "10.0.0.200", "description": "to the branch"})
	route := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if n := ch.next("network/iproute", "add"); n.ObjectID != route || !strings.Contains(string(n.Config), `"destination":"172.20.0.0"`) {
		t.Fatalf("route notice %+v", n)
	}
	if v := c.object(routes, "act=view&id="+route); v["destination"] != "172.20.0.0" || v["netmask"] != "255.255.0.0" || v["iface"] != "eth0" {
		t.Fatalf("route view %v", v)
	}
	// A host route by default, on a DHCP interface (no known network to check against).
	p.mustStatus(200, "POST", cfgRoot+"/private/network/iproute/", "act=add", map[string]any{"name": "monitor", "iface": "eth1",
		"destination": "198.51.100.7", "gateway": "10.9.9.1"})
	ch.next("network/iproute", "add")
	if l := c.list(routes, "act=list"); len(l) != 2 || l[0]["name"] != "branch" || l[1]["netmask"] != "255.255.255.255" {
		t.Fatalf("routes %v", l)
	}
	if l := c.list(routes, "act=search&search=172.20"); len(l) != 1 || l[0]["name"] != "branch" {
		t.Fatalf("search by destination %v", l)
	}
	if l := c.list(routes, "act=search&search=BRANCH"); len(l) != 1 {
		t.Fatalf("search by description %v", l)
	}
	if st, _, _ := c.do("GET", routes, "act=search&search=nothing", nil); st != http.StatusNoContent {
		t.Fatalf("search without a match: %d", st)
	}
	route2 := func(k string, v any) map[string]any {
		return withKey(map[string]any{"name": "other", "iface": "eth0", "destination": "172.30.0.0", "netmask": "255.255.0.0", "gateway": "10.0.0.200"}, k, v)
	}
	refuseEach(t, env, ch, c, routes, "act=add", "route ", []badWrite{
		{"unknown interface", "", "iface", "eth9 is none", route2("iface", "eth9")},
		{"gateway outside the interface network", "", "gateway", "network of interface eth0 (10.0.0.0/24)", route2("gateway", "10.0.1.1")},
		{"gateway not an address", "", "gateway", "IPv4 address", route2("gateway", "router")},
		{"gateway is the interface", "", "gateway", "not the address of interface eth0", route2("gateway", "10.0.0.1")},
		{"destination", "", "destination", "IPv4 address", route2("destination", "172.30.0")},
		{"netmask 40", "", "netmask", "prefix length 0-32", route2("netmask", "40")},
		{"same destination", "", "destination", "already in use", route2("destination", "172.20.77.1")},
		{"name", "", "name", "1-64 characters", route2("name", "Other Route")},
		{"missing gateway", "", "gateway", "is required", route2("gateway", nil)},
	})

	// An interface a route goes through is not deletable (405), nor unknown ones (404).
	before := hostState(t, env)
	if st, _, raw := c.do("GET", ifaces, "act=delete&id="+eth0, nil); st != http.StatusMethodNotAllowed || !strings.Contains(string(raw), "branch") {
		t.Fatalf("delete eth0 under a route: %d %s", st, raw)
	}
	if st, _, _ := c.do("GET", ifaces, "act=delete&id=999", nil); st != http.StatusNotFound {
		t.Fatalf("delete unknown: %d", st)
	}
	if hostState(t, env) != before {
		t.Fatal("a refused delete changed the database")
	}
	ch.none()
	c.mustStatus(200, "GET", routes, "act=delete&id="+route, nil)
	if n := ch.next("network/iproute", "delete"); n.ObjectID != route {
		t.Fatalf("route delete notice %+v", n)
	}
	if st, _, _ := c.do("GET", routes, "act=view&id="+route, nil); st != http.StatusNotFound {
		t.Fatalf("deleted route: %d", st)
	}
	c.mustStatus(200, "GET", ifaces, "act=delete&id="+eth0, nil)
	if n := ch.next("network/interface", "delete"); n.ObjectID != eth0 || !strings.Contains(string(n.Config), `"ifname":"eth0"`) {
		t.Fatalf("interface delete notice %+v", n)
	}
	var left int
	if err := env.DB.Get(&left, `SELECT count(*) FROM netifaces`); err != nil || left != 2 {
		t.Fatalf("%d interfaces left (%v)", left, err)
	}
	// With eth0's gateway gone, another interface may take it.
	addIface(t, c, ch, iface("gateway", "172.16.0.254"))
}

func TestDHCPPoolLiesInASubnet(t *testing.T) {
	env := testenv.Start(t)
	c, p := configClients(t, env)
	ch := listenChanges(t, env)
	dhcp := cfgRoot + "/restricted/network/dhcp/"
	if got, want := c.object(dhcp, ""), map[string]any{"id": "1", "active": false, "pool_start": "", "pool_end": "",
		"extra_ifaces": []any{}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("default view %v", got)
	}
	pool := map[string]any{"active": true, "pool_start": "10.0.0.100", "pool_end": "10.0.0.199"}
	refused(t, env, ch, c, dhcp, "act=edit", pool, "pool_start", "none is configured")
	addIface(t, c, ch, map[string]any{"ifname": "eth0", "address": "10.0.0.1", "netmask": "255.255.255.0", "gateway": "10.0.0.254"})
	addIface(t, c, ch, map[string]any{"ifname": "eth1", "address": "192.168.5.1", "netmask": "24"})
	if raw := c.mustStatus(200, "POST", dhcp, "act=edit", map[string]any{"active": 1, "pool_start": "10.0.0.100",
		"pool_end": "10.0.0.199", "extra_ifaces": []any{"eth1"}}); len(raw) != 0 {
		t.Fatalf("edit answered %q", raw)
	}
	if n := ch.next("network/dhcp", "edit"); !strings.Contains(string(n.Config), `"extra_ifaces":["eth1"]`) {
		t.Fatalf("notice %+v", n)
	}
	want := map[string]any{"id": "1", "active": true, "pool_start": "10.0.0.100", "pool_end": "10.0.0.199", "extra_ifaces": []any{"eth1"}}
	if got := c.object(dhcp, "act=view"); !reflect.DeepEqual(got, want) {
		t.Fatalf("view %v", got)
	}
	var stored string
	if err := env.DB.Get(&stored, `SELECT value::text FROM host_settings WHERE section = 'network/dhcp'`); err != nil || !strings.Contains(stored, `"pool_end": "10.0.0.199"`) {
		t.Fatalf("stored %s %v", stored, err)
	}
	// Restricted only.
	if st, _, _ := p.do("GET", cfgRoot+"/private/network/dhcp/", "", nil); st != http.StatusNotFound {
		t.Fatalf("private dhcp: %d", st)
	}
	refuseEach(t, env, ch, c, dhcp, "act=edit", "", []badWrite{
		{"pool outside every subnet", "", "pool_start", "subnet of a static network interface (eth0 10.0.0.0/24, eth1 192.168.5.0/24)",
			map[string]any{"pool_start": "10.0.1.10", "pool_end": "10.0.1.20"}},
		{"pool across two subnets", "", "pool_end", "same subnet as pool_start (10.0.0.0/24 of eth0)",
			map[string]any{"pool_start": "10.0.0.100", "pool_end": "192.168.5.50"}},
		{"pool on the broadcast", "", "pool_end", "same subnet", map[string]any{"pool_start": "10.0.0.100", "pool_end": "10.0.0.255"}},
		{"inverted pool", "", "pool_end", "must not come before pool_start", map[string]any{"pool_start": "10.0.0.150", "pool_end": "10.0.0.120"}},
		{"pool holding the interface address", "", "pool_start", "must not contain 10.0.0.1",
			map[string]any{"pool_start": "10.0.0.1", "pool_end": "10.0.0.50"}},
		{"pool holding the gateway", "", "pool_start", "must not contain 10.0.0.254",
			map[string]any{"pool_start": "10.0.0.200", "pool_end": "10.0.0.254"}},
		{"pool start not an address", "", "pool_start", "IPv4 address", map[string]any{"pool_start": "10.0.0"}},
		{"active without a pool", "", "pool_end", "is required when the DHCP server is active", map[string]any{"pool_end": ""}},
		{"unknown extra interface", "", "extra_ifaces[0]", "eth9 is none", map[string]any{"extra_ifaces": []any{"eth9"}}},
		{"repeated extra interface", "", "extra_ifaces[1]", "must not repeat", map[string]any{"extra_ifaces": []any{"eth1", "eth1"}}},
		{"active not a boolean", "", "active", "must be a boolean", map[string]any{"active": "maybe"}},
	})
	// An interface the DHCP server listens on is not deletable.
	var eth1 string
	if err := env.DB.Get(&eth1, `SELECT CAST(id AS text) FROM netifaces WHERE ifname = 'eth1'`); err != nil {
		t.Fatal(err)
	}
	if st, _, raw := c.do("GET", cfgRoot+"/restricted/network/interface/", "act=delete&id="+eth1, nil); st != http.StatusMethodNotAllowed || !strings.Contains(string(raw), "extra_ifaces") {
		t.Fatalf("delete eth1: %d %s", st, raw)
	}
	ch.none()
	// The interface whose subnet holds the active pool is not deletable; a new interface
	// (or its gateway) inside the pool is refused.
	var eth0 string
	if err := env.DB.Get(&eth0, `SELECT CAST(id AS text) FROM netifaces WHERE ifname = 'eth0'`); err != nil {
		t.Fatal(err)
	}
	before := hostState(t, env)
	if st, _, raw := c.do("GET", cfgRoot+"/restricted/network/interface/", "act=delete&id="+eth0, nil); st != http.StatusMethodNotAllowed || !strings.Contains(string(raw), "DHCP pool") {
		t.Fatalf("delete eth0 under the pool: %d %s", st, raw)
	}
	refuseEach(t, env, ch, c, cfgRoot+"/restricted/network/interface/", "act=add", "interface ", []badWrite{
		{"address in the pool", "", "address", "10.0.0.150 lies in the pool 10.0.0.100-10.0.0.199",
			map[string]any{"ifname": "eth0.5", "address": "10.0.0.150", "netmask": "24", "vlanrawdevice": "eth0", "vlanid": 5}},
	})
	if after := hostState(t, env); after != before {
		t.Fatalf("the refusals changed the host:\n%s\n%s", before, after)
	}
	// Turned off, the pool may stay as it is; extra_ifaces as a space-separated string.
	c.mustStatus(200, "POST", dhcp, "act=edit", map[string]any{"active": false, "extra_ifaces": ""})
	ch.next("network/dhcp", "edit")
	if got := c.object(dhcp, ""); got["active"] != false || got["pool_start"] != "10.0.0.100" || len(got["extra_ifaces"].([]any)) != 0 {
		t.Fatalf("after turning it off %v", got)
	}
}

func TestMonitoringViewAndEdit(t *testing.T) {
	env := testenv.Start(t)
	c, p := configClients(t, env)
	ch := listenChanges(t, env)
	mon := cfgRoot + "/restricted/support/monitoring/"
	if got, want := c.object(mon, ""), map[string]any{"id": "1", "maintenance": false, "alert_emails": []any{},
		"dahdi_monitor_ports": []any{}, "max_call_duration": nil}; !reflect.DeepEqual(got, want) {
		t.Fatalf("default view %v", got)
	}
	c.mustStatus(200, "POST", mon, "act=edit", map[string]any{"maintenance": true, "alert_emails": []any{"ops@example.com", "noc@example.org"},
		"dahdi_monitor_ports": []any{1, "2"}, "max_call_duration": 3600})
	ch.next("support/monitoring", "edit")
	want := map[string]any{"id": "1", "maintenance": true, "alert_emails": []any{"ops@example.com", "noc@example.org"},
		"dahdi_monitor_ports": []any{1.0, 2.0}, "max_call_duration": 3600.0}
	if got := c.object(mon, "act=view"); !reflect.DeepEqual(got, want) {
		t.Fatalf("view %v", got)
	}
	if st, _, _ := p.do("GET", cfgRoot+"/private/support/monitoring/", "", nil); st != http.StatusNotFound {
		t.Fatalf("private monitoring: %d", st)
	}
	refuseEach(t, env, ch, c, mon, "act=edit", "", []badWrite{
		{"bad e-mail", "", "alert_emails[1]", "e-mail address", map[string]any{"alert_emails": []any{"ok@example.com", "not an address"}}},
		{"port 0", "", "dahdi_monitor_ports[0]", "between 1 and 1024", map[string]any{"dahdi_monitor_ports": []any{0}}},
		{"port not a number", "", "dahdi_monitor_ports[0]", "whole number", map[string]any{"dahdi_monitor_ports": []any{"x"}}},
		{"duration", "", "max_call_duration", "whole number or null", map[string]any{"max_call_duration": "long"}},
		{"duration negative", "", "max_call_duration", "between 1 and 604800", map[string]any{"max_call_duration": -5}},
	})
	// null lifts the limit; what the edit does not name stays.
	c.mustStatus(200, "POST", mon, "act=edit", map[string]any{"max_call_duration": nil})
	ch.next("support/monitoring", "edit")
	want["max_call_duration"] = nil
	if got := c.object(mon, ""); !reflect.DeepEqual(got, want) {
		t.Fatalf("view after lifting the limit %v", got)
	}
}

func TestProvisioningGeneralDefaultsToView(t *testing.T) {
	env := testenv.Start(t)
	c, p := configClients(t, env)
	ch := listenChanges(t, env)
	for _, cl := range []struct {
		c    *xc
		path string
	}{{c, cfgRoot + "/restricted/provisioning/general/"}, {p, cfgRoot + "/private/provisioning/general/"}} {
		if got := cl.c.object(cl.path, ""); got["http_port"] != 8667.0 || got["net4_ip_rest"] != "127.0.0.1" || got["private"] != false {
			t.Fatalf("%s default act: %v", cl.path, got)
		}
	}
	gen := cfgRoot + "/restricted/provisioning/general/"
	c.mustStatus(200, "POST", gen, "act=edit", map[string]any{"net4_ip": "10.0.0.1", "http_port": "8080", "dhcp_integration": true,
		"username": "prov", "password": "s3cret-pw"})
	n := ch.next("provisioning/general", "edit")
	if !strings.Contains(string(n.Config), `"http_port":8080`) {
		t.Fatalf("notice %+v", n)
	}
	want := map[string]any{"id": "1", "net4_ip": "10.0.0.1", "http_port": 8080.0, "private": false, "username": "prov",
		"password": "s3cret-pw", "secure": false, "net4_ip_rest": "127.0.0.1", "rest_port": 8666.0, "dhcp_integration": true}
	if got := p.object(cfgRoot+"/private/provisioning/general/", "act=view"); !reflect.DeepEqual(got, want) {
		t.Fatalf("view %v", got)
	}
	refuseEach(t, env, ch, c, gen, "act=edit", "", []badWrite{
		{"address", "", "net4_ip", "IPv4 address", map[string]any{"net4_ip": "pbx.example.com"}},
		{"port", "", "http_port", "between 1 and 65535", map[string]any{"http_port": 70000}},
		{"port not a number", "", "rest_port", "whole number", map[string]any{"rest_port": "eighty"}},
		{"user name", "", "username", "a-z, 0-9", map[string]any{"username": "Admin!"}},
		{"same port twice", "", "rest_port", "must differ from http_port", map[string]any{"net4_ip_rest": "10.0.0.1", "rest_port": 8080}},
	})
}

// provisioningFixture stores a device at 10.0.0.50 and a line with provisioning code 123456.
func provisioningFixture(t *testing.T, env *testenv.Env) (lineID int) {
	t.Helper()
	var entity int
	if err := env.DB.Get(&entity, `SELECT id FROM entities WHERE name = 'default'`); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.Exec(`INSERT INTO contexts (name, displayname, entity_id) VALUES ('default', 'Default', $1)`, entity); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.Exec(`INSERT INTO devices (id, ip, mac) VALUES ('dev1', '10.0.0.50', '00:11:22:33:44:55'), ('dev2', '10.0.0.51', '')`); err != nil {
		t.Fatal(err)
	}
	if err := env.DB.Get(&lineID, `INSERT INTO lines (protocol, name, context, provisioningid)
		VALUES ('sip', 'abcdef', 'default', 123456) RETURNING id`); err != nil {
		t.Fatal(err)
	}
	return lineID
}

func TestAutoprovConfiguresADevice(t *testing.T) {
	env := testenv.Start(t)
	c, p := configClients(t, env)
	ch := listenChanges(t, env)
	line := provisioningFixture(t, env)
	// Another line holds dev1's first key: the provisioned line takes it from it.
	var old int
	if err := env.DB.Get(&old, `INSERT INTO lines (protocol, name, context, device_id, num) VALUES ('sip', 'oldline', 'default', 'dev1', 1) RETURNING id`); err != nil {
		t.Fatal(err)
	}
	auto := cfgRoot + "/restricted/provisioning/autoprov/"
	deviceOf := func() *string {
		var d *string
		if err := env.DB.Get(&d, `SELECT device_id FROM lines WHERE id = $1`, line); err != nil {
			t.Fatal(err)
		}
		return d
	}
	if raw := c.mustStatus(200, "POST", auto, "act=configure", map[string]any{"ip": "10.0.0.50", "code": "123456"}); len(raw) != 0 {
		t.Fatalf("configure answered %q", raw)
	}
	if n := ch.next("provisioning/autoprov", "configure"); n.ObjectID != "dev1" || !strings.Contains(string(n.Config), `"mode":"line"`) {
		t.Fatalf("notice %+v", n)
	}
	if d := deviceOf(); d == nil || *d != "dev1" {
		t.Fatalf("line on %v, want dev1", d)
	}
	var slot1 string
	if err := env.DB.Get(&slot1, `SELECT string_agg(name, ',') FROM lines WHERE device_id = 'dev1' AND num = 1`); err != nil || slot1 != "abcdef" {
		t.Fatalf("dev1's first key holds %q %v, want only the provisioned line (old line %d)", slot1, err, old)
	}
	var configured bool
	if err := env.DB.Get(&configured, `SELECT configured FROM devices WHERE id = 'dev1'`); err != nil || !configured {
		t.Fatalf("dev1 configured %v %v", configured, err)
	}
	// Back to auto-provisioning, in private mode.
	p.mustStatus(200, "POST", cfgRoot+"/private/provisioning/autoprov/", "act=configure", map[string]any{"ip": "10.0.0.50", "code": "autoprov"})
	if n := ch.next("provisioning/autoprov", "configure"); n.ObjectID != "dev1" || !strings.Contains(string(n.Config), `"mode":"autoprov"`) {
		t.Fatalf("notice %+v", n)
	}
	if d := deviceOf(); d != nil {
		t.Fatalf("line still on %s", *d)
	}
	refuseEach(t, env, ch, c, auto, "", "", []badWrite{
		{"unknown device", "act=configure", "ip", "no device has this address", map[string]any{"ip": "10.0.0.99", "code": "123456"}},
		{"unknown code", "act=configure", "code", "no line has this provisioning code", map[string]any{"ip": "10.0.0.50", "code": "654321"}},
		{"code not digits", "act=configure", "code", `"autoprov" or a line's provisioning code`, map[string]any{"ip": "10.0.0.50", "code": "12ab"}},
		{"ip not an address", "act=configure", "ip", "IPv4 address", map[string]any{"ip": "phone", "code": "autoprov"}},
		{"code missing", "act=configure", "code", "is required", map[string]any{"ip": "10.0.0.50"}},
		{"another act", "act=list", "act", "must be one of: configure", map[string]any{"ip": "10.0.0.50", "code": "autoprov"}},
		{"no act", "", "act", "must be one of: configure", map[string]any{"ip": "10.0.0.50", "code": "autoprov"}},
	})
}

func TestConfigRegistrarCommands(t *testing.T) {
	env := testenv.Start(t)
	c, p := configClients(t, env)
	ch := listenChanges(t, env)
	reg := cfgRoot + "/private/provisioning/configregistrar/"
	// No device: the syncs concern nothing (204, nothing announced); the rebuild still
	// rebuilds the server's required configuration.
	for _, cmd := range []string{"sync_devices", "sync_bsfilter_devices"} {
		if st, _, raw := p.do("GET", reg, "act="+cmd, nil); st != http.StatusNoContent || len(raw) != 0 {
			t.Fatalf("%s without devices: %d %s", cmd, st, raw)
		}
	}
	ch.none()
	if st, _, _ := p.do("GET", reg, "act=rebuild_required_config", nil); st != http.StatusNoContent {
		t.Fatalf("rebuild without devices: %d", st)
	}
	ch.next("provisioning/configregistrar", "rebuild_required_config")

	line := provisioningFixture(t, env)
	for _, cmd := range []string{"sync_devices", "sync_bsfilter_devices"} {
		p.mustStatus(200, "GET", reg, "act="+cmd, nil)
		if n := ch.next("provisioning/configregistrar", cmd); string(n.Config) != `{"devices":["dev1","dev2"]}` {
			t.Fatalf("%s notice %+v", cmd, n)
		}
	}
	if st, _, _ := p.do("GET", reg, "act=rebuild_required_config", nil); st != http.StatusNoContent {
		t.Fatalf("rebuild with no line on a device: %d", st)
	}
	ch.next("provisioning/configregistrar", "rebuild_required_config")
	if _, err := env.DB.Exec(`UPDATE lines SET device_id = 'dev2' WHERE id = $1`, line); err != nil {
		t.Fatal(err)
	}
	p.mustStatus(200, "GET", reg, "act=rebuild_required_config", nil)
	if n := ch.next("provisioning/configregistrar", "rebuild_required_config"); string(n.Config) != `{"devices":["dev2"]}` {
		t.Fatalf("rebuild notice %+v", n)
	}
	// Private only; any other act is a 400.
	if st, _, _ := c.do("GET", cfgRoot+"/restricted/provisioning/configregistrar/", "act=sync_devices", nil); st != http.StatusNotFound {
		t.Fatalf("restricted configregistrar: %d", st)
	}
	refused(t, env, ch, p, reg, "act=reboot", nil, "act", "rebuild_required_config")
}

func TestCTIConfigurationDocument(t *testing.T) {
	env := testenv.Start(t)
	c, p := configClients(t, env)
	st, hdr, raw := p.do("GET", "/cti/json.php/private/configuration", "act=anything", nil)
	if st != 200 || hdr.Get("Content-Type") != "application/json" || hdr.Get("X-XIVO-WS-VERSION") != "1.0" {
		t.Fatalf("configuration: %d %v %s", st, hdr, raw)
	}
	doc := decodeJSON(t, raw)
	for _, k := range []string{"main", "contexts", "directories", "displays", "sheets", "userstatus", "phonestatus", "ipbx_connection", "bench", "certfile", "keyfile"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("no %s in %s", k, raw)
		}
	}
	main := doc["main"].(map[string]any)
	if cti := main["incoming_tcp"].(map[string]any)["CTI"]; !reflect.DeepEqual(cti, []any{"0.0.0.0", 5003.0, true}) {
		t.Fatalf("CTI listener %v", cti)
	}
	if conn := doc["ipbx_connection"].(map[string]any); conn["ipport"] != 5038.0 || conn["ipaddress"] != "127.0.0.1" {
		t.Fatalf("ipbx_connection %v", conn)
	}
	avail := doc["userstatus"].(map[string]any)["xivo"].(map[string]any)["available"].(map[string]any)
	if avail["longname"] != "Available" || len(avail["allowed"].([]any)) != 5 {
		t.Fatalf("presence available %v", avail)
	}
	// Stored settings show: the document is read from the database.
	if _, err := env.DB.Exec(`UPDATE host_settings SET value = '{"ami_port": 5039, "context_separation": true}' WHERE section = 'cti/main'`); err != nil {
		t.Fatal(err)
	}
	doc = decodeJSON(t, p.mustStatus(200, "GET", "/cti/json.php/private/configuration/", "", nil))
	if doc["ipbx_connection"].(map[string]any)["ipport"] != 5039.0 || doc["main"].(map[string]any)["context_separation"] != true {
		t.Fatalf("stored settings not shown: %v", doc)
	}
	// Private only; the profiles stay served beside it.
	if st, _, _ := c.do("GET", "/cti/json.php/restricted/configuration", "", nil); st != http.StatusNotFound {
		t.Fatalf("restricted configuration: %d", st)
	}
	if l := c.list("/cti/json.php/restricted/profiles", "act=list"); len(l) == 0 {
		t.Fatal("profiles not served")
	}
}

// Restricted mode needs the section: an account granted another one gets 403 and changes
// nothing.
func TestHostConfigNeedsItsSection(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "mailonly", "mailonly", "secret", nil, []string{"xivo/configuration/network/mail"}, false)
	c := newClient(t, env)
	c.user, c.pass = "mailonly", "secret"
	ch := listenChanges(t, env)
	before := hostState(t, env)
	for _, path := range []string{"network/interface", "network/iproute", "network/resolvconf", "network/dhcp",
		"support/monitoring", "provisioning/general", "provisioning/autoprov"} {
		if st, _, _ := c.do("POST", cfgRoot+"/restricted/"+path+"/", "act=edit", map[string]any{"x": 1}); st != http.StatusForbidden {
			t.Errorf("%s without its section: %d", path, st)
		}
	}
	if hostState(t, env) != before {
		t.Fatal("a forbidden write changed the database")
	}
	ch.none()
	c.mustStatus(200, "GET", cfgRoot+"/restricted/network/mail/", "", nil)
}

// Views honour sum (304 when unchanged); the commands and the CTI document do not need it.
func TestHostConfigViewsHonourSum(t *testing.T) {
	env := testenv.Start(t)
	c, p := configClients(t, env)
	for _, path := range []string{cfgRoot + "/restricted/network/mail/", cfgRoot + "/restricted/network/dhcp/",
		cfgRoot + "/restricted/support/monitoring/", cfgRoot + "/private/network/resolvconf/", cfgRoot + "/private/provisioning/general/"} {
		cl := c
		if strings.Contains(path, "/private/") {
			cl = p
		}
		raw := cl.mustStatus(200, "GET", path, "act=view", nil)
		sum := md5.Sum(raw)
		if st, _, body := cl.do("GET", path, "act=view&sum="+hex.EncodeToString(sum[:]), nil); st != http.StatusNotModified || len(body) != 0 {
			t.Fatalf("%s with its sum: %d %q", path, st, body)
		}
	}
}

// Two simultaneous edits of one section, each of other keys, both survive: each edit locks
// the section it merges.
func TestSimultaneousHostConfigEditsKeepEveryKey(t *testing.T) {
	env := testenv.Start(t)
	path := cfgRoot + "/private/provisioning/general/"
	for round := 0; round < 10; round++ {
		port := 9000 + round
		user := fmt.Sprintf("prov%d", round)
		raceEdits(t, env, path, "", fmt.Sprintf(`{"http_port": %d}`, port), fmt.Sprintf(`{"username": %q}`, user))
		var gotPort int
		var gotUser string
		if err := env.DB.QueryRow(`SELECT CAST(value->>'http_port' AS int), value->>'username' FROM host_settings
			WHERE section = 'provisioning/general'`).Scan(&gotPort, &gotUser); err != nil {
			t.Fatal(err)
		}
		if gotPort != port || gotUser != user {
			t.Fatalf("round %d: stored %d %q, want %d %q", round, gotPort, gotUser, port, user)
		}
	}
}

// Two interfaces added at once, each with a gateway: the host has one default gateway, so
// exactly one add wins, and only its change is announced.
func TestSimultaneousGatewaysOneWins(t *testing.T) {
	env := testenv.Start(t)
	ch := listenChanges(t, env)
	path := env.HTTPURL + cfgRoot + "/private/network/interface/?act=add"
	for round := 0; round < 5; round++ {
		if _, err := env.DB.Exec(`DELETE FROM netifaces`); err != nil {
			t.Fatal(err)
		}
		codes := postAtOnce(t, path,
			`{"ifname": "eth0", "address": "10.0.0.1", "netmask": "16", "gateway": "10.0.0.254"}`,
			`{"ifname": "eth1", "address": "10.1.0.1", "netmask": "16", "gateway": "10.1.0.254"}`)
		if codes[0]+codes[1] != 200+400 {
			t.Fatalf("round %d: answers %v, want one 200 and one 400", round, codes)
		}
		var n int
		if err := env.DB.Get(&n, `SELECT count(*) FROM netifaces WHERE gateway IS NOT NULL`); err != nil || n != 1 {
			t.Fatalf("round %d: %d interfaces with a gateway (%v)", round, n, err)
		}
		ch.next("network/interface", "add")
		ch.none()
	}
}

// A change whose value would not fit a notification is announced without it; the agent
// reads it from host_config_changes.
func TestLargeChangeIsAnnouncedWithoutItsValue(t *testing.T) {
	env := testenv.Start(t)
	_, p := configClients(t, env)
	ch := listenChanges(t, env)
	if _, err := env.DB.Exec(`INSERT INTO devices (id) SELECT 'device' || lpad(CAST(i AS text), 6, '0') FROM generate_series(1, 1000) i`); err != nil {
		t.Fatal(err)
	}
	p.mustStatus(200, "GET", cfgRoot+"/private/provisioning/configregistrar/", "act=sync_devices", nil)
	n := ch.next("provisioning/configregistrar", "sync_devices")
	if n.Config != nil {
		t.Fatalf("a 13 kB value went into the notice: %d bytes", len(n.Config))
	}
	var count int
	if err := env.DB.Get(&count, `SELECT jsonb_array_length(value->'devices') FROM host_config_changes WHERE id = $1`, n.ID); err != nil || count != 1000 {
		t.Fatalf("recorded %d devices (%v)", count, err)
	}
}

// A section whose row is gone reads as its defaults, and an edit stores it again.
func TestHostConfigWithoutItsRowReadsDefaults(t *testing.T) {
	env := testenv.Start(t)
	_, p := configClients(t, env)
	ch := listenChanges(t, env)
	if _, err := env.DB.Exec(`DELETE FROM host_settings WHERE section = 'provisioning/general'`); err != nil {
		t.Fatal(err)
	}
	gen := cfgRoot + "/private/provisioning/general/"
	if got := p.object(gen, ""); got["http_port"] != 8667.0 || got["username"] != "admin" {
		t.Fatalf("defaults %v", got)
	}
	p.mustStatus(200, "POST", gen, "act=edit", map[string]any{"secure": true})
	ch.next("provisioning/general", "edit")
	var secure bool
	if err := env.DB.Get(&secure, `SELECT CAST(value->>'secure' AS boolean) FROM host_settings WHERE section = 'provisioning/general'`); err != nil || !secure {
		t.Fatalf("stored secure %v %v", secure, err)
	}
}
