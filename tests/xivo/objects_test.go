package xivo_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"pbxws/tests/testenv"
)

const (
	entitiesPath = "/xivo/configuration/json.php/private/manage/entity/"
	devicesPath  = "/service/ipbx/json.php/private/pbx_settings/devices/"
)

// add posts an add body and returns the id the answer carries ("<id>" and a newline).
func (c *xc) add(path string, body []byte) string {
	c.t.Helper()
	st, _, raw := c.do("POST", path, "act=add", body)
	if st != http.StatusOK || !strings.HasSuffix(string(raw), "\"\n") {
		c.t.Fatalf("add %s: %d %q", body, st, raw)
	}
	return strings.Trim(strings.TrimSpace(string(raw)), `"`)
}

func TestEntitiesEveryAct(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	// B1: the xivo-ws body, byte for byte.
	id := c.add(entitiesPath, []byte(`{"name": "entity1", "displayname": "Entity1"}`))
	if n, err := strconv.Atoi(id); err != nil || n <= 0 {
		t.Fatalf("id %q", id)
	}
	items := c.list(entitiesPath, "act=list")
	if len(items) != 2 { // the default entity and entity1
		t.Fatalf("list: %v", items)
	}
	var found map[string]any
	for _, it := range c.list(entitiesPath, "act=search&search=entity1") {
		if it["name"] == "entity1" {
			found = it
		}
	}
	if found == nil || found["displayname"] != "Entity1" || found["id"] != float64(mustAtoi(id)) || found["identity"] != "Entity1 (entity1)" {
		t.Fatalf("search: %v", found)
	}
	if v := c.object(entitiesPath, "act=view&id="+id); v["name"] != "entity1" {
		t.Fatalf("view: %v", v)
	}
	// A partial flat edit merges onto the stored row.
	if st, _, raw := c.do("POST", entitiesPath, "act=edit&id="+id, []byte(`{"displayname": "E1", "city": "Lyon"}`)); st != http.StatusOK {
		t.Fatalf("edit: %d %s", st, raw)
	}
	var name, display, city string
	_ = env.DB.QueryRow(`SELECT name, displayname, city FROM entities WHERE id = $1`, id).Scan(&name, &display, &city)
	if name != "entity1" || display != "E1" || city != "Lyon" {
		t.Fatalf("after edit: %q %q %q", name, display, city)
	}
	for _, bad := range []struct{ body, field string }{
		{`{"name": "Bad Name", "displayname": "xyz"}`, "name"},
		{`{"name": "ok", "displayname": ""}`, "displayname"},
		{`{"name": "ok2", "displayname": "Okay", "country": "france"}`, "country"},
		{`{"name": "ok3", "displayname": "Okay", "email": "nope"}`, "email"},
	} {
		st, _, raw := c.do("POST", entitiesPath, "act=add", []byte(bad.body))
		if st != http.StatusBadRequest || !strings.Contains(string(raw), `"`+bad.field+`"`) {
			t.Errorf("add %s: %d %s", bad.body, st, raw)
		}
	}
	if st, _, raw := c.do("POST", entitiesPath, "act=add", []byte(`{"name": "entity1", "displayname": "Again"}`)); st != http.StatusBadRequest || !strings.Contains(string(raw), "name") {
		t.Errorf("duplicate: %d %s", st, raw)
	}
	// An entity used by a context cannot go (405); an unused one can, once (then 404).
	if st, _, raw := c.do("POST", contextsPath, "act=add", []byte(`{"context": {"name": "ctx1", "displayname": "Ctx1", "entity": "entity1", "contexttype": "internal"}, "contextinclude": []}`)); st != http.StatusOK {
		t.Fatalf("context: %d %s", st, raw)
	}
	if st, _, _ := c.do("GET", entitiesPath, "act=delete&id="+id, nil); st != http.StatusMethodNotAllowed {
		t.Fatalf("delete of a used entity: %d, want 405", st)
	}
	id2 := c.add(entitiesPath, []byte(`{"name": "gone", "displayname": "Gone"}`))
	if st, _, _ := c.do("GET", entitiesPath, "act=delete&id="+id2, nil); st != http.StatusOK {
		t.Fatalf("delete: %d", st)
	}
	if st, _, _ := c.do("GET", entitiesPath, "act=delete&id="+id2, nil); st != http.StatusNotFound {
		t.Fatalf("second delete: %d", st)
	}
	if st, _, _ := c.do("GET", entitiesPath, "act=view&id="+id2, nil); st != http.StatusNotFound {
		t.Fatalf("view of deleted: %d", st)
	}
	// deleteall removes what nothing uses and keeps the rest.
	c.add(entitiesPath, []byte(`{"name": "spare", "displayname": "Spare"}`))
	if st, _, _ := c.do("GET", entitiesPath, "act=deleteall", nil); st != http.StatusOK {
		t.Fatalf("deleteall: %d", st)
	}
	var names []string
	_ = env.DB.Select(&names, `SELECT name FROM entities ORDER BY name`)
	if strings.Join(names, ",") != "entity1" {
		t.Fatalf("after deleteall: %v", names)
	}
}

func mustAtoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func TestContextsXivoWSScenarios(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	c.add(entitiesPath, []byte(`{"name": "entity1", "displayname": "Entity1"}`))
	// C1–C3 bodies as xivo-ws sends them, in order (default includes to-extern).
	for _, ctx := range []struct{ name, body string }{
		{"to-extern", `{"context": {"contexttype": "outcall", "displayname": "Outgoing", "entity": "entity1", "name": "to-extern"}, "contextinclude": []}`},
		{"default", `{"context": {"contexttype": "internal", "displayname": "Default", "entity": "entity1", "name": "default"}, "contextinclude": ["to-extern"], "contextnumbers": {"user": [{"numberbeg": 1000, "numberend": 1099}], "group": [{"numberbeg": 2000, "numberend": 2099}], "queue": [{"numberbeg": 3000, "numberend": 3099}], "meetme": [{"numberbeg": 4000}]}}`},
		{"from-extern", `{"context": {"contexttype": "incall", "displayname": "Incoming", "entity": "entity1", "name": "from-extern"}, "contextinclude": [], "contextnumbers": {"incall": [{"numberbeg": 6000, "numberend": 6099, "didlength": 4}]}}`},
	} {
		if got := c.add(contextsPath, []byte(ctx.body)); got != ctx.name {
			t.Fatalf("add answered %q, want %q", got, ctx.name)
		}
	}
	// C4: list items are nested, with the entity name.
	items := c.list(contextsPath, "act=list")
	if len(items) != 3 {
		t.Fatalf("list: %d items", len(items))
	}
	for _, it := range items {
		row := it["context"].(map[string]any)
		if row["name"] == "default" && (row["contexttype"] != "internal" || row["entity"] != "entity1" || row["displayname"] != "Default") {
			t.Fatalf("default row: %v", row)
		}
	}
	// C5: view ranges with string numbers, didlength and numberend on every range, includes as objects.
	v := c.object(contextsPath, "act=view&id=default")
	nums := v["contextnumbers"].(map[string]any)
	user := nums["user"].([]any)[0].(map[string]any)
	meet := nums["meetme"].([]any)[0].(map[string]any)
	if user["numberbeg"] != "1000" || user["numberend"] != "1099" || user["didlength"] != "0" {
		t.Fatalf("user range %v", user)
	}
	if meet["numberbeg"] != "4000" || meet["numberend"] != "" || meet["didlength"] != "0" {
		t.Fatalf("meetme range %v", meet)
	}
	incs := v["contextinclude"].([]any)
	if len(incs) != 1 || incs[0].(map[string]any)["include"] != "to-extern" {
		t.Fatalf("includes %v", v["contextinclude"])
	}
	in := c.object(contextsPath, "act=view&id=from-extern")["contextnumbers"].(map[string]any)["incall"].([]any)[0].(map[string]any)
	if in["didlength"] != "4" || in["numberbeg"] != "6000" {
		t.Fatalf("incall range %v", in)
	}
	// C7: no ranges → falsy contextnumbers.
	if cn := c.object(contextsPath, "act=view&id=to-extern")["contextnumbers"]; cn != false {
		t.Fatalf("to-extern contextnumbers %v", cn)
	}
	// C6: the view posted back with a new display name; nothing else changes.
	before := contextSnapshot(t, env, "default")
	v["context"].(map[string]any)["displayname"] = "Internal"
	body, _ := json.Marshal(v)
	if st, _, raw := c.do("POST", contextsPath, "act=edit&id=default", body); st != http.StatusOK {
		t.Fatalf("edit: %d %s", st, raw)
	}
	if after := contextSnapshot(t, env, "default"); after != strings.Replace(before, "Default", "Internal", 1) {
		t.Fatalf("round trip:\nbefore %s\nafter  %s", before, after)
	}
	// A partial edit: a new user range replaces the user ranges only.
	if st, _, raw := c.do("POST", contextsPath, "act=edit&id=default", []byte(`{"contextnumbers": {"user": [{"numberbeg": "1000", "numberend": "1199"}]}}`)); st != http.StatusOK {
		t.Fatalf("partial edit: %d %s", st, raw)
	}
	var ranges []string
	_ = env.DB.Select(&ranges, `SELECT type || ':' || numberbeg || '-' || numberend FROM context_ranges WHERE context = 'default' ORDER BY type`)
	if strings.Join(ranges, " ") != "group:2000-2099 meetme:4000- queue:3000-3099 user:1000-1199" {
		t.Fatalf("ranges after partial edit: %v", ranges)
	}
	// Edit without id: the body names the context (T10).
	if st, _, raw := c.do("POST", contextsPath, "act=edit", []byte(`{"context": {"name": "to-extern", "displayname": "Out", "entity": "entity1", "contexttype": "outcall"}, "contextinclude": []}`)); st != http.StatusOK {
		t.Fatalf("edit without id: %d %s", st, raw)
	}
	// Bad input: 400 naming the field, nothing written.
	snap := dbSnapshot(t, env)
	for _, bad := range []struct{ body, field string }{
		{`{"context": {"name": "x y", "displayname": "Bad", "entity": "entity1"}}`, "context.name"},
		{`{"context": {"name": "general", "displayname": "Bad", "entity": "entity1"}}`, "context.name"},
		{`{"context": {"name": "ok", "displayname": "Bad", "entity": "nope"}}`, "context.entity"},
		{`{"context": {"name": "ok", "displayname": "Bad", "entity": "entity1"}, "contextnumbers": {"user": [{"numberbeg": "12a"}]}}`, "contextnumbers.user[0].numberbeg"},
		{`{"context": {"name": "ok", "displayname": "Bad", "entity": "entity1"}, "contextnumbers": {"user": [{"numberbeg": "200", "numberend": "100"}]}}`, "contextnumbers.user[0].numberend"},
		{`{"context": {"name": "ok", "displayname": "Bad", "entity": "entity1"}, "contextinclude": ["nowhere"]}`, "contextinclude[0]"},
		{`{"context": {"name": "default", "displayname": "Dup", "entity": "entity1"}}`, "context.name"},
		{`{"context": {"name": "ok", "displayname": "Bad\r\nX", "entity": "entity1"}}`, "context.displayname"},
	} {
		st, _, raw := c.do("POST", contextsPath, "act=add", []byte(bad.body))
		if st != http.StatusBadRequest || !strings.Contains(string(raw), `"`+bad.field+`"`) {
			t.Errorf("add %s: %d %s", bad.body, st, raw)
		}
	}
	if after := dbSnapshot(t, env); after != snap {
		t.Fatalf("bad input changed the database")
	}
	// A context with lines cannot be deleted (405); C8: delete of an unknown one is 404.
	addUser(t, c, `{"userfeatures": {"firstname": "A"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1001"]}}`)
	if st, _, raw := c.do("GET", contextsPath, "act=delete&id=default", nil); st != http.StatusMethodNotAllowed || !strings.Contains(string(raw), "line") {
		t.Fatalf("delete used context: %d %s", st, raw)
	}
	if st, _, _ := c.do("GET", contextsPath, "act=delete&id=nonexistent", nil); st != http.StatusNotFound {
		t.Fatalf("delete unknown: %d", st)
	}
	if st, _, _ := c.do("GET", contextsPath, "act=delete&id=to-extern", nil); st != http.StatusOK {
		t.Fatalf("delete: %d", st)
	}
	// Renaming follows the references: the line moves with its context.
	if st, _, raw := c.do("POST", contextsPath, "act=edit&id=default", []byte(`{"context": {"name": "internal"}}`)); st != http.StatusOK {
		t.Fatalf("rename: %d %s", st, raw)
	}
	var lineCtx string
	_ = env.DB.QueryRow(`SELECT context FROM lines`).Scan(&lineCtx)
	if lineCtx != "internal" {
		t.Fatalf("line context after rename: %q", lineCtx)
	}
}

func contextSnapshot(t *testing.T, env *testenv.Env, name string) string {
	t.Helper()
	var s string
	if err := env.DB.QueryRow(`SELECT concat_ws(' | ', (SELECT c::text FROM contexts c WHERE name = $1),
		(SELECT string_agg(r.type || r.numberbeg || '-' || r.numberend || '/' || r.didlength, ',' ORDER BY r.type, r.position) FROM context_ranges r WHERE context = $1),
		(SELECT string_agg(i.include, ',' ORDER BY i.priority) FROM context_includes i WHERE context = $1))`, name).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDevicesEveryAct(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	phoneSetup(t, c)
	if items := c.list(devicesPath, "act=list"); items != nil {
		t.Fatalf("fresh list: %v", items)
	}
	id := c.add(devicesPath, []byte(`{"mac": "00-1A-2B-3C-4D-5E", "ip": "10.0.0.5", "vendor": "Aastra", "model": "6731i"}`))
	if len(id) != 32 {
		t.Fatalf("generated id %q", id)
	}
	other := c.add(devicesPath, []byte(`{"devicefeatures": {"id": "abc123", "mac": "001a2b3c4d5f", "ip": "10.0.0.50"}}`))
	if other != "abc123" {
		t.Fatalf("given id %q", other)
	}
	var mac string
	_ = env.DB.QueryRow(`SELECT mac FROM devices WHERE id = $1`, id).Scan(&mac)
	if mac != "00:1a:2b:3c:4d:5e" {
		t.Fatalf("stored mac %q", mac)
	}
	// A line on the device shows in its answers.
	uid := addUser(t, c, `{"userfeatures": {"firstname": "A"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1001"], "device": ["`+id+`"], "num": [1]}}`)
	_ = uid
	for _, term := range []string{"00:1a:2b:3c:4d:5e", "001A2B3C4D5E", "00-1a-2b-3c-4d-5e", "10.0.0.5"} {
		items := c.list(devicesPath, "act=search&search="+term)
		if len(items) != 1 || items[0]["id"] != id {
			t.Fatalf("search %q: %v", term, items)
		}
		lines := items[0]["lines"].([]any)
		if len(lines) != 1 || lines[0].(map[string]any)["number"] != "1001" {
			t.Fatalf("search %q lines: %v", term, lines)
		}
	}
	// Not an exact hit: substring fallback ("10.0.0.5" must not match "10.0.0.50" exactly).
	if items := c.list(devicesPath, "act=search&search=aastra"); len(items) != 1 {
		t.Fatalf("substring fallback: %v", items)
	}
	v := c.object(devicesPath, "act=view&id="+id)
	if v["mac"] != "00:1a:2b:3c:4d:5e" || v["ip"] != "10.0.0.5" || v["id"] != id {
		t.Fatalf("view %v", v)
	}
	if st, _, _ := c.do("GET", devicesPath, "act=view&id=unknown", nil); st != http.StatusNotFound {
		t.Fatalf("view unknown: %d", st)
	}
	if st, _, raw := c.do("POST", devicesPath, "act=edit&id="+id, []byte(`{"model": "6737i"}`)); st != http.StatusOK {
		t.Fatalf("edit: %d %s", st, raw)
	}
	var model, ip string
	_ = env.DB.QueryRow(`SELECT model, ip FROM devices WHERE id = $1`, id).Scan(&model, &ip)
	if model != "6737i" || ip != "10.0.0.5" {
		t.Fatalf("after edit: %q %q", model, ip)
	}
	snap := dbSnapshot(t, env)
	for _, bad := range []struct{ body, field string }{
		{`{"mac": "00:1a:2b:3c:4d"}`, "mac"},
		{`{"ip": "10.0.0.256"}`, "ip"},
		{`{"mac": "001a2b3c4d5e"}`, "mac"}, // taken
		{`{"id": "UPPER", "mac": "001a2b3c4d99"}`, "id"},
	} {
		st, _, raw := c.do("POST", devicesPath, "act=add", []byte(bad.body))
		if st != http.StatusBadRequest || !strings.Contains(string(raw), `"`+bad.field+`"`) {
			t.Errorf("add %s: %d %s", bad.body, st, raw)
		}
	}
	if dbSnapshot(t, env) != snap {
		t.Fatal("bad device input changed the database")
	}
	if st, _, _ := c.do("GET", devicesPath, "act=delete&id="+id, nil); st != http.StatusOK {
		t.Fatalf("delete: %d", st)
	}
	var dev *string
	_ = env.DB.QueryRow(`SELECT device_id FROM lines`).Scan(&dev)
	if dev != nil {
		t.Fatalf("line still on a deleted device: %v", *dev)
	}
	if st, _, _ := c.do("GET", devicesPath, "act=delete&id="+id, nil); st != http.StatusNotFound {
		t.Fatalf("second delete: %d", st)
	}
}

func TestQueryParametersWithControlCharactersAreRefused(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	for _, q := range []string{"act=search&search=%00", "act=search&search=a%0D%0Ab", "act=view&id=1%00"} {
		for _, p := range []string{usersPath, devicesPath, contextsPath, entitiesPath} {
			if st, _, raw := c.do("GET", p, q, nil); st != http.StatusBadRequest || !strings.Contains(string(raw), "control characters") {
				t.Errorf("%s?%s: %d %s", p, q, st, raw)
			}
		}
	}
}
