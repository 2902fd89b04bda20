package xivo_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// /api/{dns,ivr,mwi,imbot,proxy,saa}/settings (sipx-api.md §15): each service's settings
// tree, stored; every write announced on the configuration channel (section
// settings/<service>) in its transaction, with the values it changed; a refused write
// stores and announces nothing.
func TestSipxAPIServiceSettingsTrees(t *testing.T) {
	env, _ := sipxSetup(t)
	ch := listenChanges(t, env)
	boss := newSipx(t, env, "boss", "bosspin1")

	// The DNS tree as the document shows it.
	a := boss.send("GET", "/sipxconfig/api/dns/settings", "", "")
	if a.status != http.StatusOK || !strings.HasPrefix(a.body, `{"settings":[{"path":"named-config/forwarders/forwarder_0","type":"string","options":null,"value":null,"defaultValue":null,"label":"Primary External DNS server","description":`) ||
		!strings.Contains(a.body, `{"path":"acl/ips","type":"string","options":null,"value":"172.16.0.0/12,192.168.0.0/16,10.0.0.0/8,127.0.0.0/8","defaultValue":"172.16.0.0/12,192.168.0.0/16,10.0.0.0/8,127.0.0.0/8","label":"Allow Recursion ACL",`) ||
		!strings.Contains(a.body, `{"path":"sys/unmanaged","type":"boolean","options":null,"value":"0","defaultValue":"0","label":"Unmanaged Service",`) ||
		!strings.HasSuffix(a.body, `{"path":"sys/unmanaged_servers/unmanaged_3","type":"string","options":null,"value":null,"defaultValue":null,"label":"Additional Unmanaged DNS server","description":null}]}`) {
		t.Fatalf("GET dns: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", "/sipxconfig/api/dns/settings/named-config/forwarders", "", ""); a.status != http.StatusOK || strings.Count(a.body, `"path":`) != 5 {
		t.Fatalf("GET dns group: %d %s", a.status, a.body)
	}

	for _, x := range []struct {
		service string
		leaves  int
		path    string
		value   string // written
		stored  string // as stored
		bad     string
		rule    string
	}{
		{"dns", 11, "named-config/forwarders/forwarder_0", "192.168.1.31", "192.168.1.31", "192.168.1.300", "must match"},
		{"ivr", 17, "ivr/record.time", "600\n", "600", "0", "must be between 1 and ∞"},
		{"mwi", 9, "status-config/SIP_STATUS_LOG_LEVEL", "DEBUG", "DEBUG", "LOUD", "must be one of DEBUG, INFO"},
		{"imbot", 3, "imbot/_imbot.paUserName", "buddy", "buddy", "", "is required"},
		{"proxy", 43, "proxy-configuration/SIPX_PROXY_RELAY_ALLOWED", "false", "0", "maybe", "must be 1 or 0"},
		{"saa", 6, "saa-config/SIP_SAA_UDP_PORT", "5180", "5180", "1024", "must be between 1025 and 65535"},
	} {
		base := "/sipxconfig/api/" + x.service + "/settings"
		if a := boss.send("GET", base, "", ""); a.status != http.StatusOK || strings.Count(a.body, `"path":`) != x.leaves {
			t.Fatalf("GET %s: %d, %d leaves: %s", base, a.status, strings.Count(a.body, `"path":`), a.body)
		}
		// A write: stored, announced with what it changed, read back.
		if a := boss.send("PUT", base+"/"+x.path, "text/plain", x.value); a.status != http.StatusOK {
			t.Fatalf("PUT %s/%s: %d %s", base, x.path, a.status, a.body)
		}
		n := ch.next("settings/"+x.service, "edit")
		var config map[string]*string
		if json.Unmarshal(n.Config, &config) != nil || len(config) != 1 || config[x.path] == nil || *config[x.path] != x.stored || n.RequestedBy != "boss" {
			t.Fatalf("%s notice: %+v %s", x.service, n, n.Config)
		}
		before := serviceOverrides(t, env, x.service)
		if before != x.path+"="+x.stored {
			t.Fatalf("%s stored: %s", x.service, before)
		}
		if a := boss.send("GET", base+"/"+x.path, "", ""); a.status != http.StatusOK || !strings.Contains(a.body, `"value":"`+x.stored+`"`) {
			t.Fatalf("GET %s/%s: %d %s", base, x.path, a.status, a.body)
		}
		// Refusals: nothing stored, nothing announced.
		for _, r := range []struct {
			method, path, body string
			status             int
			has                string
		}{
			{"PUT", "/" + x.path, x.bad, 400, x.rule},
			{"PUT", "/" + x.path[:strings.IndexByte(x.path, '/')], "1", 400, "not a setting"},
			{"PUT", "/" + x.path + "x", "1", 404, "Setting not found"},
			{"DELETE", "/no/such", "", 404, "Setting not found"},
			{"POST", "", "", 405, ""},
		} {
			a := boss.send(r.method, base+r.path, "text/plain", r.body)
			if a.status != r.status || !strings.Contains(a.body, r.has) {
				t.Fatalf("%s %s%s %q: %d %q", r.method, base, r.path, r.body, a.status, a.body)
			}
			if got := serviceOverrides(t, env, x.service); got != before {
				t.Fatalf("%s %s%s changed the settings: %s", r.method, base, r.path, got)
			}
		}
		for who, pin := range map[string]string{"clerk": "clerkpin", "": ""} {
			if a := newSipx(t, env, who, pin).send("PUT", base+"/"+x.path, "text/plain", x.value); a.status != map[string]int{"clerk": 403, "": 401}[who] {
				t.Fatalf("PUT %s as %q: %d", base, who, a.status)
			}
		}
		ch.none()
		// DELETE: back to the default, announced as a reset.
		if a := boss.send("DELETE", base+"/"+x.path, "", ""); a.status != http.StatusOK || serviceOverrides(t, env, x.service) != "" {
			t.Fatalf("DELETE %s/%s: %d %s", base, x.path, a.status, a.body)
		}
		ch.next("settings/"+x.service, "reset")
	}

	// An enumeration in XML: its options as entries.
	a = boss.send("GET", "/sipxconfig/api/proxy/settings/alert-info/ON_EXISTING", "", "", "Accept", "text/xml")
	if a.status != http.StatusOK || !strings.HasSuffix(a.body, `<Setting><path>alert-info/ON_EXISTING</path><type>enum</type><options><entry><key>0</key><value>Keep it</value></entry><entry><key>1</key><value>Replace it</value></entry></options><value>0</value><defaultValue>0</defaultValue><label>When a call has one</label></Setting>`) {
		t.Fatalf("GET XML: %d %s", a.status, a.body)
	}
	// A group DELETE resets all its leaves at once.
	for _, p := range []string{"named-config/forwarders/forwarder_1", "named-config/forwarders/forwarder_2"} {
		if a := boss.send("PUT", "/sipxconfig/api/dns/settings/"+p, "text/plain", "10.0.0.53"); a.status != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", p, a.status, a.body)
		}
		ch.next("settings/dns", "edit")
	}
	if a := boss.send("DELETE", "/sipxconfig/api/dns/settings/named-config", "", ""); a.status != http.StatusOK || serviceOverrides(t, env, "dns") != "" {
		t.Fatalf("DELETE group: %d %s %s", a.status, a.body, serviceOverrides(t, env, "dns"))
	}
	ch.next("settings/dns", "reset")
}
