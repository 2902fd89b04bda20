package xivo_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"pbxws/tests/testenv"
)

var reGeneratedDeviceID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func deviceTables(t *testing.T, env *testenv.Env) string {
	return tablesSnapshot(t, env, "devices", "lines")
}

// checkDeviceTypes checks a flat device as xivo-ws reads it (wire §4.7).
func checkDeviceTypes(t *testing.T, where string, d map[string]any) {
	t.Helper()
	for _, k := range []string{"id", "ip", "mac", "plugin", "vendor", "model", "version", "status", "template_id", "sn", "description"} {
		if _, ok := d[k].(string); !ok {
			t.Errorf("%s: %s %#v", where, k, d[k])
		}
	}
	for _, k := range []string{"configured", "commented"} {
		if _, ok := d[k].(bool); !ok {
			t.Errorf("%s: %s %#v", where, k, d[k])
		}
	}
	lines, ok := d["lines"].([]any)
	if !ok {
		t.Fatalf("%s: lines %#v", where, d["lines"])
	}
	for _, l := range lines {
		m := l.(map[string]any)
		for _, k := range []string{"number", "context", "protocol", "name"} {
			if _, ok := m[k].(string); !ok {
				t.Errorf("%s: line %s %#v", where, k, m[k])
			}
		}
		for _, k := range []string{"id", "num"} {
			if _, ok := m[k].(float64); !ok {
				t.Errorf("%s: line %s %#v", where, k, m[k])
			}
		}
	}
}

func TestDevicesOverRestrictedModeFlatWithOpaqueIDs(t *testing.T) {
	env := testenv.Start(t)
	c := wsClient(t, env)
	// J7 on an empty table: a list (204, empty body).
	if items := c.list(restrictedDevices, "act=list"); items != nil {
		t.Fatalf("fresh list %v", items)
	}
	id := c.add(restrictedDevices, []byte(`{"mac": "00-1A-2B-3C-4D-5E", "ip": "10.0.0.5", "vendor": "Aastra", "model": "6731i", "plugin": "xivo-aastra-3.2"}`))
	if !reGeneratedDeviceID.MatchString(id) {
		t.Fatalf("generated id %q", id)
	}
	if got := c.add(restrictedDevices, []byte(`{"devicefeatures": {"id": "b986267beb494f88a8882cfe2e82f68f", "mac": "001a2b3c4d5f", "ip": "FE80::1"}}`)); got != "b986267beb494f88a8882cfe2e82f68f" {
		t.Fatalf("given id answered %q", got)
	}
	var mac, ip, status, tpl string
	_ = env.DB.QueryRow(`SELECT mac, ip, status, template_id FROM devices WHERE id = $1`, id).Scan(&mac, &ip, &status, &tpl)
	if mac != "00:1a:2b:3c:4d:5e" || ip != "10.0.0.5" || status != "not_configured" || tpl != "defaultconfigdevice" {
		t.Fatalf("stored %q %q %q %q", mac, ip, status, tpl)
	}
	items := c.list(restrictedDevices, "act=list")
	if len(items) != 2 {
		t.Fatalf("list %v", items)
	}
	for _, it := range items {
		checkDeviceTypes(t, "list", it)
	}
	v := c.object(restrictedDevices, "act=view&id="+id)
	checkDeviceTypes(t, "view", v)
	if v["id"] != id || v["mac"] != "00:1a:2b:3c:4d:5e" || v["ip"] != "10.0.0.5" || v["status"] != "not_configured" || v["template_id"] != "defaultconfigdevice" {
		t.Fatalf("view %v", v)
	}
	c.mustStatus(http.StatusNotFound, "GET", restrictedDevices, "act=view&id=unknown", nil)
	c.mustStatus(http.StatusNotFound, "GET", restrictedDevices, "act=view", nil)
	c.mustStatus(http.StatusNotFound, "GET", restrictedDevices, "act=view&id=", nil)
}

func TestDevicesSearchExactThenSubstring(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	a := c.add(devicesPath, []byte(`{"id": "a1", "mac": "00:1a:2b:3c:4d:5e", "ip": "10.0.0.5", "vendor": "Aastra", "model": "6731i"}`))
	b := c.add(devicesPath, []byte(`{"id": "b2", "mac": "00:1a:2b:3c:4d:5f", "ip": "10.0.0.50", "vendor": "Snom", "model": "320", "plugin": "xivo-snom"}`))
	v6 := c.add(devicesPath, []byte(`{"id": "c3", "ip": "2001:DB8::1", "vendor": "Cisco"}`))
	for _, tc := range []struct {
		term string
		want []string
	}{
		{"10.0.0.5", []string{a}}, // exact: not 10.0.0.50 too
		{"10.0.0.50", []string{b}},
		{"00:1a:2b:3c:4d:5e", []string{a}},
		{"00:1A:2B:3C:4D:5E", []string{a}},
		{"00-1a-2b-3c-4d-5e", []string{a}},
		{"001A2B3C4D5F", []string{b}},
		{"2001:db8::1", []string{v6}},
		{"2001:0DB8:0:0:0:0:0:1", []string{v6}},
		{"10.0.0", []string{a, b}}, // no exact hit: substring
		{"snom", []string{b}},
		{"6731", []string{a}},
		{"xivo-sn", []string{b}},
		{"2B-3C-4D", []string{a, b}},
		{"4d:5f", []string{b}},
		{"nomatch", nil},
		{"", nil},
		{"%", nil},
	} {
		var got []string
		for _, it := range c.list(devicesPath, "act=search&search="+urlQuery(tc.term)) {
			got = append(got, it["id"].(string))
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("search %q: %v, want %v", tc.term, got, tc.want)
		}
	}
}

func TestDevicesShowEveryLineWithoutWritingOnReads(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	phoneSetup(t, c)
	id := c.add(devicesPath, []byte(`{"mac": "001a2b3c4d5e"}`))
	mustExec(t, env, `INSERT INTO lines (protocol, name, context, number, device_id, num) VALUES
		('sip', 'second', 'default', '1002', $1, 2), ('sip', 'first', 'default', '1001', $1, 1), ('sip', 'free', 'default', '1003', NULL, 1)`, id)
	before := deviceTables(t, env)
	items := c.list(devicesPath, "act=list")
	v := c.object(devicesPath, "act=view&id="+id)
	c.list(devicesPath, "act=search&search=001a2b3c4d5e")
	if after := deviceTables(t, env); after != before {
		t.Fatal("reads wrote")
	}
	for where, d := range map[string]map[string]any{"list": items[0], "view": v} {
		checkDeviceTypes(t, where, d)
		lines := d["lines"].([]any)
		if len(lines) != 2 {
			t.Fatalf("%s lines %v", where, lines)
		}
		l0, l1 := lines[0].(map[string]any), lines[1].(map[string]any)
		if l0["number"] != "1001" || l0["num"] != float64(1) || l1["name"] != "second" || l0["context"] != "default" || l0["protocol"] != "sip" {
			t.Fatalf("%s lines %v", where, lines)
		}
	}
}

func TestDevicesEditMergesAndDeleteDetachesLines(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	phoneSetup(t, c)
	id := c.add(devicesPath, []byte(`{"mac": "001a2b3c4d5e", "ip": "10.0.0.5", "vendor": "Aastra", "description": "desk"}`))
	c.add(devicesPath, []byte(`{"id": "other", "mac": "001a2b3c4d5f"}`))
	mustExec(t, env, `INSERT INTO lines (protocol, name, context, number, device_id) VALUES ('sip', 'l1', 'default', '1001', $1)`, id)

	// The view posted back unchanged changes nothing; a partial edit keeps the rest.
	before := deviceTables(t, env)
	_, _, view := c.do("GET", devicesPath, "act=view&id="+id, nil)
	c.mustStatus(http.StatusOK, "POST", devicesPath, "act=edit&id="+id, view)
	if after := deviceTables(t, env); after != before {
		t.Fatalf("view posted back:\n%s\n%s", before, after)
	}
	c.mustStatus(http.StatusOK, "POST", devicesPath, "act=edit&id="+id, []byte(`{"devicefeatures": {"model": "6737i", "mac": "00-1A-2B-3C-4D-60", "configured": true}}`))
	var row string
	_ = env.DB.QueryRow(`SELECT concat_ws('|', id, mac, ip, vendor, model, description, configured) FROM devices WHERE id = $1`, id).Scan(&row)
	if row != id+"|00:1a:2b:3c:4d:60|10.0.0.5|Aastra|6737i|desk|t" {
		t.Fatalf("after edit %q", row)
	}
	// A MAC taken by another device, in another spelling: 400, nothing written.
	before = deviceTables(t, env)
	raw := c.mustStatus(http.StatusBadRequest, "POST", devicesPath, "act=edit&id="+id, []byte(`{"mac": "00:1A:2B:3C:4D:5F"}`))
	if !strings.Contains(string(raw), `"mac"`) {
		t.Fatalf("conflict answer %s", raw)
	}
	if after := deviceTables(t, env); after != before {
		t.Fatal("a refused edit wrote")
	}
	c.mustStatus(http.StatusNotFound, "POST", devicesPath, "act=edit&id=unknown", []byte(`{"model": "x"}`))
	c.mustStatus(http.StatusNotFound, "POST", devicesPath, "act=edit", []byte(`{"model": "x"}`))

	c.mustStatus(http.StatusOK, "GET", devicesPath, "act=delete&id="+id, nil)
	var dev *string
	var n int
	_ = env.DB.QueryRow(`SELECT device_id, (SELECT count(*) FROM lines) FROM lines`).Scan(&dev, &n)
	if dev != nil || n != 1 {
		t.Fatalf("line after device delete: %v %d", dev, n)
	}
	c.mustStatus(http.StatusNotFound, "GET", devicesPath, "act=delete&id="+id, nil)
	c.mustStatus(http.StatusNotFound, "GET", devicesPath, "act=delete", nil)
}

func TestDevicesBadInputIs400NamingTheFieldAndWritesNothing(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	c.add(devicesPath, []byte(`{"id": "taken", "mac": "001a2b3c4d5e"}`))
	before := deviceTables(t, env)
	for _, tc := range []struct{ act, body, field string }{
		{"add", `{"mac": "001a2b3c4d5f"`, "body"},
		{"add", `[{"mac": "001a2b3c4d5f"}]`, "body"},
		{"add", `{"mac": "00:1a:2b:3c:4d"}`, "mac"},
		{"add", `{"mac": "00:1a-2b:3c:4d:5f"}`, "mac"},
		{"add", `{"mac": "00:1a:2b:3c:4d:5g"}`, "mac"},
		{"add", `{"mac": ["001a2b3c4d5f"]}`, "mac"},
		{"add", `{"mac": "00-1A-2B-3C-4D-5E"}`, "mac"}, // taken, other spelling
		{"add", `{"ip": "10.0.0.256"}`, "ip"},
		{"add", `{"ip": "fe80::1%eth0"}`, "ip"},
		{"add", `{"ip": "host.example"}`, "ip"},
		{"add", `{"id": "UPPER"}`, "id"},
		{"add", `{"id": "a-b"}`, "id"},
		{"add", `{"id": "` + strings.Repeat("a", 65) + `"}`, "id"},
		{"add", `{"id": "taken"}`, "id"},
		{"add", `{"vendor": "Aa\r\nstra"}`, "vendor"},
		{"add", `{"configured": "perhaps"}`, "configured"},
		{"add", `{"devicefeatures": {"ip": {"v4": "10.0.0.1"}}}`, "devicefeatures.ip"},
		{"edit", `{"ip": "10.0.0"}`, "ip"},
		{"edit", `{"model": "` + strings.Repeat("m", 65) + `"}`, "model"},
		{"edit", `not json`, "body"},
	} {
		q := "act=add"
		if tc.act == "edit" {
			q = "act=edit&id=taken"
		}
		st, _, raw := c.do("POST", devicesPath, q, []byte(tc.body))
		if st != http.StatusBadRequest || !strings.Contains(string(raw), `"`+tc.field+`"`) {
			t.Errorf("%s %s: %d %s, want 400 naming %s", tc.act, tc.body, st, raw, tc.field)
		}
	}
	if after := deviceTables(t, env); after != before {
		t.Fatalf("refused writes changed the database:\n%s\n%s", before, after)
	}
}
