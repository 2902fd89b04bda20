package xivo_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"pbxws/tests/testenv"
)

const (
	restrictedContexts = "/service/ipbx/json.php/restricted/system_management/context/"
	restrictedEntities = "/xivo/configuration/json.php/restricted/manage/entity/"
	restrictedDevices  = "/service/ipbx/json.php/restricted/pbx_settings/devices/"
)

// wsClient is a client of restricted mode with a web-service account holding the two
// sections xivo-ws needs, as `pbxws account add` would store it.
func wsClient(t *testing.T, env *testenv.Env) *xc {
	t.Helper()
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx", "xivo/configuration"}, false)
	c := newClient(t, env)
	c.user, c.pass = "admin", "secret"
	return c
}

// tablesSnapshot renders whole tables, to show that a refused write changed nothing.
func tablesSnapshot(t *testing.T, env *testenv.Env, tables ...string) string {
	t.Helper()
	var out []string
	for _, table := range tables {
		var s *string
		if err := env.DB.QueryRow(`SELECT string_agg(t::text, ';' ORDER BY t::text) FROM ` + table + ` t`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		if s != nil {
			out = append(out, table+"="+*s)
		}
	}
	return strings.Join(out, "\n")
}

// contextTables renders what context writes touch; ranges without their serial id, which a
// rewrite of the same ranges renews.
func contextTables(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var ranges *string
	if err := env.DB.QueryRow(`SELECT string_agg(concat_ws(',', context, type, numberbeg, numberend, didlength, position), ';'
		ORDER BY context, type, position) FROM context_ranges`).Scan(&ranges); err != nil {
		t.Fatal(err)
	}
	s := tablesSnapshot(t, env, "contexts", "context_includes", "lines", "voicemails", "entities")
	if ranges != nil {
		s += "\nranges=" + *ranges
	}
	return s
}

// mustStatus sends and checks the status, returning the body.
func (c *xc) mustStatus(want int, method, path, query string, body any) []byte {
	c.t.Helper()
	st, _, raw := c.do(method, path, query, body)
	if st != want {
		c.t.Fatalf("%s %s?%s %s: %d %s, want %d", method, path, query, body, st, raw, want)
	}
	return raw
}

var reDigitsOnly = regexp.MustCompile(`^[0-9]+$`)

// checkRangeTypes checks one range as xivo-ws reads it: numberbeg an INT as a digit string,
// a numberend key ("" when open-ended, else digits), didlength an INT string on every type.
func checkRangeTypes(t *testing.T, where string, v any) {
	t.Helper()
	r, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: range %v is not an object", where, v)
	}
	if s, ok := r["numberbeg"].(string); !ok || !reDigitsOnly.MatchString(s) {
		t.Errorf("%s: numberbeg %#v", where, r["numberbeg"])
	}
	if s, ok := r["numberend"].(string); !ok || (s != "" && !reDigitsOnly.MatchString(s)) {
		t.Errorf("%s: numberend %#v", where, r["numberend"])
	}
	if s, ok := r["didlength"].(string); !ok {
		t.Errorf("%s: didlength %#v", where, r["didlength"])
	} else if _, err := strconv.Atoi(s); err != nil {
		t.Errorf("%s: didlength %q", where, s)
	}
	for _, k := range []string{"context", "type"} {
		if _, ok := r[k].(string); !ok {
			t.Errorf("%s: %s %#v", where, k, r[k])
		}
	}
}

// checkContextRow checks the nested row list and view items carry.
func checkContextRow(t *testing.T, where string, v any) map[string]any {
	t.Helper()
	row, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: context %v is not an object", where, v)
	}
	for _, k := range []string{"name", "displayname", "entity", "contexttype", "description"} {
		if _, ok := row[k].(string); !ok {
			t.Errorf("%s: context.%s %#v", where, k, row[k])
		}
	}
	if _, ok := row["commented"].(bool); !ok {
		t.Errorf("%s: context.commented %#v", where, row["commented"])
	}
	if _, ok := row["entityid"].(float64); !ok {
		t.Errorf("%s: context.entityid %#v", where, row["entityid"])
	}
	return row
}

// addC1toC3 replays the xivo-ws add bodies of wire §8 C1–C3 byte for byte (Python json.dumps).
func addC1toC3(t *testing.T, c *xc, path string) {
	t.Helper()
	for _, x := range []struct{ name, body string }{
		{"to-extern", `{"context": {"contexttype": "outcall", "displayname": "Outgoing", "entity": "entity1", "name": "to-extern"}, "contextinclude": []}`},
		{"default", `{"context": {"contexttype": "internal", "displayname": "Default", "entity": "entity1", "name": "default"}, "contextinclude": ["to-extern"], "contextnumbers": {"group": [{"numberbeg": 2000, "numberend": 2099}], "meetme": [{"numberbeg": 4000}], "queue": [{"numberbeg": 3000, "numberend": 3099}], "user": [{"numberbeg": 1000, "numberend": 1099}]}}`},
		{"from-extern", `{"context": {"contexttype": "incall", "displayname": "Incoming", "entity": "entity1", "name": "from-extern"}, "contextinclude": [], "contextnumbers": {"incall": [{"didlength": 4, "numberbeg": 6000, "numberend": 6099}]}}`},
	} {
		if raw := c.mustStatus(http.StatusOK, "POST", path, "act=add", []byte(x.body)); string(raw) != `"`+x.name+"\"\n" {
			t.Fatalf("add %s answered %q", x.name, raw)
		}
	}
}

func TestContextsCapturedMinimalBodyOverRestrictedMode(t *testing.T) {
	env := testenv.Start(t)
	c := wsClient(t, env)
	c.mustStatus(http.StatusOK, "POST", restrictedEntities, "act=add", []byte(`{"name": "entity", "displayname": "Entity"}`))
	// Wire §4.4 "Captured minimal", byte for byte.
	raw := c.mustStatus(http.StatusOK, "POST", restrictedContexts, "act=add",
		[]byte(`{"context": {"contexttype": "incall", "displayname": "Default", "entity": "entity", "name": "default"}, "contextinclude": []}`))
	if string(raw) != "\"default\"\n" {
		t.Fatalf("add answered %q", raw)
	}
	var row string
	_ = env.DB.QueryRow(`SELECT concat_ws('|', c.name, c.displayname, e.name, c.contexttype, c.description, c.commented)
		FROM contexts c JOIN entities e ON e.id = c.entity_id`).Scan(&row)
	if row != "default|Default|entity|incall||f" {
		t.Fatalf("stored %q", row)
	}
	items := c.list(restrictedContexts, "act=list")
	if len(items) != 1 {
		t.Fatalf("list %v", items)
	}
	checkContextRow(t, "list", items[0]["context"])
	if items[0]["contextnumbers"] != false || items[0]["contextinclude"] != false || items[0]["deletable"] != true {
		t.Fatalf("list item %v", items[0])
	}
	// C7: a context without ranges: falsy contextnumbers and contextinclude.
	st, hdr, body := c.do("GET", restrictedContexts, "act=view&id=default", nil)
	if st != http.StatusOK || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("view: %d %v %s", st, hdr, body)
	}
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	checkContextRow(t, "view", v["context"])
	if v["contextnumbers"] != false || v["contextinclude"] != false {
		t.Fatalf("view %s", body)
	}
	// That view posted back unchanged is accepted and changes nothing.
	before := contextTables(t, env)
	c.mustStatus(http.StatusOK, "POST", restrictedContexts, "act=edit&id=default", body)
	if after := contextTables(t, env); after != before {
		t.Fatalf("view posted back changed:\n%s\n%s", before, after)
	}
	// Without credentials nothing is served.
	anon := newClient(t, env)
	if st, _, _ := anon.do("GET", restrictedContexts, "act=list", nil); st != http.StatusUnauthorized {
		t.Fatalf("anonymous list: %d", st)
	}
}

func TestContextsAnswersTypeEveryRangeAsXivoWSReadsIt(t *testing.T) {
	env := testenv.Start(t)
	c := wsClient(t, env)
	c.mustStatus(http.StatusOK, "POST", restrictedEntities, "act=add", []byte(`{"name": "entity1", "displayname": "Entity1"}`))
	addC1toC3(t, c, restrictedContexts)

	// C4 and list typing: nested rows, ranges as a flat list, the first include as an object.
	items := c.list(restrictedContexts, "act=list")
	if len(items) != 3 {
		t.Fatalf("list: %d items", len(items))
	}
	for _, it := range items {
		row := checkContextRow(t, "list", it["context"])
		if _, ok := it["deletable"].(bool); !ok {
			t.Errorf("deletable %#v", it["deletable"])
		}
		if ct, ok := it["contexttype"].(map[string]any); !ok || ct["name"] != row["contexttype"] {
			t.Errorf("contexttype %#v", it["contexttype"])
		}
		switch row["name"] {
		case "default":
			if row["entity"] != "entity1" || row["contexttype"] != "internal" {
				t.Errorf("default row %v", row)
			}
			ranges := it["contextnumbers"].([]any)
			if len(ranges) != 4 {
				t.Errorf("default ranges %v", ranges)
			}
			for i, r := range ranges {
				checkRangeTypes(t, "list default["+strconv.Itoa(i)+"]", r)
			}
			if inc, ok := it["contextinclude"].(map[string]any); !ok || inc["include"] != "to-extern" || inc["context"] != "default" {
				t.Errorf("list contextinclude %#v", it["contextinclude"])
			}
		case "to-extern":
			if it["contextnumbers"] != false || it["contextinclude"] != false {
				t.Errorf("to-extern item %v", it)
			}
		}
	}

	// C5: view ranges by type, all typed as the client reads them.
	v := c.object(restrictedContexts, "act=view&id=default")
	checkContextRow(t, "view", v["context"])
	nums := v["contextnumbers"].(map[string]any)
	want := map[string]string{"user": "1000-1099", "group": "2000-2099", "queue": "3000-3099", "meetme": "4000-"}
	if len(nums) != len(want) {
		t.Fatalf("contextnumbers %v", nums)
	}
	for typ, span := range want {
		list, ok := nums[typ].([]any)
		if !ok || len(list) != 1 {
			t.Fatalf("%s ranges %#v", typ, nums[typ])
		}
		checkRangeTypes(t, "view "+typ, list[0])
		r := list[0].(map[string]any)
		if got := r["numberbeg"].(string) + "-" + r["numberend"].(string); got != span || r["didlength"] != "0" || r["type"] != typ {
			t.Errorf("%s range %v", typ, r)
		}
	}
	// T14: includes as a list of objects with "include".
	incs, ok := v["contextinclude"].([]any)
	if !ok || len(incs) != 1 {
		t.Fatalf("contextinclude %#v", v["contextinclude"])
	}
	if inc := incs[0].(map[string]any); inc["include"] != "to-extern" || inc["context"] != "default" || inc["priority"] != "0" {
		t.Fatalf("include %v", inc)
	}
	for _, k := range []string{"deletable", "deletablenumber", "deletablemember"} {
		if _, ok := v[k].(bool); !ok {
			t.Errorf("%s %#v", k, v[k])
		}
	}
	in := c.object(restrictedContexts, "act=view&id=from-extern")["contextnumbers"].(map[string]any)["incall"].([]any)
	checkRangeTypes(t, "incall", in[0])
	if r := in[0].(map[string]any); r["didlength"] != "4" || r["numberbeg"] != "6000" || r["numberend"] != "6099" {
		t.Fatalf("incall %v", r)
	}

	// Search: substring of name, display name or entity name; empty or no match → 204.
	for _, tc := range []struct {
		term string
		want int
	}{{"extern", 2}, {"EXTERN", 2}, {"Incom", 1}, {"entity1", 3}, {"nomatch", 0}, {"", 0}, {"%", 0}, {"_", 0}} {
		st, _, raw := c.do("GET", restrictedContexts, "act=search&search="+urlQuery(tc.term), nil)
		if tc.want == 0 {
			if st != http.StatusNoContent || len(raw) != 0 {
				t.Errorf("search %q: %d %q", tc.term, st, raw)
			}
			continue
		}
		var got []map[string]any
		if st != http.StatusOK || json.Unmarshal(raw, &got) != nil || len(got) != tc.want {
			t.Errorf("search %q: %d %s", tc.term, st, raw)
		}
	}
}

func TestContextsViewEditRoundTripAndPartialEdits(t *testing.T) {
	env := testenv.Start(t)
	c := wsClient(t, env)
	c.mustStatus(http.StatusOK, "POST", restrictedEntities, "act=add", []byte(`{"name": "entity1", "displayname": "Entity1"}`))
	addC1toC3(t, c, restrictedContexts)

	// The view posted back unchanged stores exactly what was stored (C6 without the change).
	before := contextTables(t, env)
	_, _, view := c.do("GET", restrictedContexts, "act=view&id=default", nil)
	c.mustStatus(http.StatusOK, "POST", restrictedContexts, "act=edit&id=default", view)
	if after := contextTables(t, env); after != before {
		t.Fatalf("round trip:\n%s\n%s", before, after)
	}
	// C6 as xivo-ws sends it: the full add-shaped body with a new display name.
	c.mustStatus(http.StatusOK, "POST", restrictedContexts, "act=edit&id=default",
		[]byte(`{"context": {"contexttype": "internal", "displayname": "Internal", "entity": "entity1", "name": "default"}, "contextinclude": ["to-extern"], "contextnumbers": {"group": [{"numberbeg": 2000, "numberend": 2099}], "meetme": [{"numberbeg": 4000}], "queue": [{"numberbeg": 3000, "numberend": 3099}], "user": [{"numberbeg": 1000, "numberend": 1099}]}}`))
	if got := c.object(restrictedContexts, "act=view&id=default")["context"].(map[string]any)["displayname"]; got != "Internal" {
		t.Fatalf("displayname %v", got)
	}
	if after := contextTables(t, env); after != strings.Replace(before, "(default,Default,", "(default,Internal,", 1) {
		t.Fatalf("C6 changed more than the display name:\n%s\n%s", before, after)
	}

	// Only a description: ranges and includes stay (T9).
	c.mustStatus(http.StatusOK, "POST", restrictedContexts, "act=edit&id=default", []byte(`{"context": {"description": "phones"}}`))
	var desc, display string
	var nRanges, nIncs int
	_ = env.DB.QueryRow(`SELECT description, displayname, (SELECT count(*) FROM context_ranges WHERE context = 'default'),
		(SELECT count(*) FROM context_includes WHERE context = 'default') FROM contexts WHERE name = 'default'`).Scan(&desc, &display, &nRanges, &nIncs)
	if desc != "phones" || display != "Internal" || nRanges != 4 || nIncs != 1 {
		t.Fatalf("after partial edit: %q %q %d %d", desc, display, nRanges, nIncs)
	}
	// Includes as view objects replace; duplicates are dropped and priority follows order.
	c.mustStatus(http.StatusOK, "POST", restrictedContexts, "act=edit&id=default",
		[]byte(`{"contextinclude": [{"include": "from-extern"}, {"context": "default", "include": "to-extern", "priority": "0"}, "from-extern"]}`))
	var incs []string
	_ = env.DB.Select(&incs, `SELECT include || ':' || priority FROM context_includes WHERE context = 'default' ORDER BY priority`)
	if strings.Join(incs, " ") != "from-extern:0 to-extern:1" {
		t.Fatalf("includes %v", incs)
	}
	// An empty list clears; one range type replaced keeps the others; strings or ints alike.
	c.mustStatus(http.StatusOK, "POST", restrictedContexts, "act=edit&id=default",
		[]byte(`{"contextinclude": [], "contextnumbers": {"user": [{"numberbeg": "0100", "numberend": 199}, {"numberbeg": 500}]}}`))
	var ranges []string
	_ = env.DB.Select(&ranges, `SELECT type || ':' || numberbeg || '-' || numberend FROM context_ranges WHERE context = 'default' ORDER BY type, position`)
	if strings.Join(ranges, " ") != "group:2000-2099 meetme:4000- queue:3000-3099 user:0100-199 user:500-" {
		t.Fatalf("ranges %v", ranges)
	}
	_ = env.DB.QueryRow(`SELECT count(*) FROM context_includes WHERE context = 'default'`).Scan(&nIncs)
	if nIncs != 0 {
		t.Fatalf("includes not cleared: %d", nIncs)
	}
}

func TestContextsRenameFollowsReferencesAndMustNotCollide(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env) // private mode
	c.mustStatus(http.StatusOK, "POST", entitiesPath, "act=add", []byte(`{"name": "entity1", "displayname": "Entity1"}`))
	addC1toC3(t, c, contextsPath)
	c.mustStatus(http.StatusOK, "POST", contextsPath, "act=edit&id=from-extern", []byte(`{"contextinclude": ["default"]}`))
	mustExec(t, env, `INSERT INTO lines (protocol, name, context, number) VALUES ('sip', 'abc', 'default', '1001')`)

	// A rename onto a taken name: 400 on context.name, nothing written.
	before := contextTables(t, env)
	raw := c.mustStatus(http.StatusBadRequest, "POST", contextsPath, "act=edit&id=default", []byte(`{"context": {"name": "from-extern"}}`))
	if !strings.Contains(string(raw), `"context.name"`) {
		t.Fatalf("collision answer %s", raw)
	}
	if after := contextTables(t, env); after != before {
		t.Fatal("a refused rename changed the database")
	}
	// A rename: ranges, includes both ways and lines follow.
	c.mustStatus(http.StatusOK, "POST", contextsPath, "act=edit&id=default", []byte(`{"context": {"name": "internal"}}`))
	var line, inc, incBy string
	var nRanges int
	_ = env.DB.QueryRow(`SELECT (SELECT context FROM lines), (SELECT include FROM context_includes WHERE context = 'internal'),
		(SELECT include FROM context_includes WHERE context = 'from-extern'),
		(SELECT count(*) FROM context_ranges WHERE context = 'internal')`).Scan(&line, &inc, &incBy, &nRanges)
	if line != "internal" || inc != "to-extern" || incBy != "internal" || nRanges != 4 {
		t.Fatalf("after rename: line %q include %q included by %q ranges %d", line, inc, incBy, nRanges)
	}
	c.mustStatus(http.StatusNotFound, "GET", contextsPath, "act=view&id=default", nil)
	if v := c.object(contextsPath, "act=view&id=internal"); v["context"].(map[string]any)["name"] != "internal" {
		t.Fatalf("view %v", v)
	}
	// T10: edit without id names the context in the body; with neither → 404.
	c.mustStatus(http.StatusOK, "POST", contextsPath, "act=edit", []byte(`{"context": {"name": "to-extern", "displayname": "Out"}, "contextinclude": []}`))
	c.mustStatus(http.StatusOK, "POST", contextsPath, "act=edit&id=", []byte(`{"context": {"name": "to-extern", "description": "x"}}`))
	var display, desc string
	_ = env.DB.QueryRow(`SELECT displayname, description FROM contexts WHERE name = 'to-extern'`).Scan(&display, &desc)
	if display != "Out" || desc != "x" {
		t.Fatalf("edit without id: %q %q", display, desc)
	}
	c.mustStatus(http.StatusNotFound, "POST", contextsPath, "act=edit", []byte(`{"contextinclude": []}`))
	c.mustStatus(http.StatusNotFound, "POST", contextsPath, "act=edit&id=nowhere", []byte(`{"context": {"displayname": "Nowhere"}}`))
	c.mustStatus(http.StatusNotFound, "GET", contextsPath, "act=view&id=nowhere", nil)
	c.mustStatus(http.StatusNotFound, "GET", contextsPath, "act=view", nil)
}

func TestContextsBadInputIs400NamingTheFieldAndWritesNothing(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	c.mustStatus(http.StatusOK, "POST", entitiesPath, "act=add", []byte(`{"name": "entity1", "displayname": "Entity1"}`))
	addC1toC3(t, c, contextsPath)
	ok := func(extra string) string {
		return `{"context": {"name": "fresh", "displayname": "Fresh", "entity": "entity1", "contexttype": "internal"}` + extra + `}`
	}
	before := contextTables(t, env)
	for _, tc := range []struct{ act, body, field string }{
		{"add", `{"context": {"name": "fresh"`, "body"},
		{"add", ``, "body"},
		{"add", `[]`, "body"},
		{"add", `"default"`, "body"},
		{"add", `{"contextinclude": []}`, "context"},
		{"add", `{"context": ["fresh"]}`, "context"},
		{"add", `{"context": {"name": "fresh", "displayname": "Fresh", "entity": "entity1", "commented": "maybe"}}`, "context.commented"},
		{"add", `{"context": {"name": {"x": 1}, "displayname": "Fresh", "entity": "entity1"}}`, "context.name"},
		{"add", `{"context": {"name": "fre sh", "displayname": "Fresh", "entity": "entity1"}}`, "context.name"},
		{"add", `{"context": {"name": "globals", "displayname": "Fresh", "entity": "entity1"}}`, "context.name"},
		{"add", `{"context": {"name": "Macro-x", "displayname": "Fresh", "entity": "entity1"}}`, "context.name"},
		{"add", `{"context": {"name": "` + strings.Repeat("a", 40) + `", "displayname": "Fresh", "entity": "entity1"}}`, "context.name"},
		{"add", `{"context": {"name": "default", "displayname": "Again", "entity": "entity1"}}`, "context.name"},
		{"add", `{"context": {"name": "fresh", "displayname": "Fr", "entity": "entity1"}}`, "context.displayname"},
		{"add", `{"context": {"name": "fresh", "displayname": "Fresh\r\nX", "entity": "entity1"}}`, "context.displayname"},
		{"add", `{"context": {"name": "fresh", "displayname": "Fresh"}}`, "context.entity"},
		{"add", `{"context": {"name": "fresh", "displayname": "Fresh", "entity": "nope"}}`, "context.entity"},
		{"add", `{"context": {"name": "fresh", "displayname": "Fresh", "entity": "entity1", "contexttype": "In Call"}}`, "context.contexttype"},
		{"add", ok(`, "contextinclude": ["nowhere"]`), "contextinclude[0]"},
		{"add", ok(`, "contextinclude": "to-extern"`), "contextinclude"},
		{"add", ok(`, "contextinclude": [{"priority": 1}]`), "contextinclude[0]"},
		{"add", ok(`, "contextnumbers": {"user": [{"numberbeg": "12a"}]}`), "contextnumbers.user[0].numberbeg"},
		{"add", ok(`, "contextnumbers": {"user": [{"numberbeg": -5}]}`), "contextnumbers.user[0].numberbeg"},
		{"add", ok(`, "contextnumbers": {"user": [{"numberbeg": 1.5}]}`), "contextnumbers.user[0].numberbeg"},
		{"add", ok(`, "contextnumbers": {"user": [{"numberend": 100}]}`), "contextnumbers.user[0].numberbeg"},
		{"add", ok(`, "contextnumbers": {"user": [{"numberbeg": "12345678901234567"}]}`), "contextnumbers.user[0].numberbeg"},
		{"add", ok(`, "contextnumbers": {"user": [{"numberbeg": 100}], "group": [{"numberbeg": 200, "numberend": 199}]}`), "contextnumbers.group[0].numberend"},
		{"add", ok(`, "contextnumbers": {"incall": [{"numberbeg": 100, "didlength": 21}]}`), "contextnumbers.incall[0].didlength"},
		{"add", ok(`, "contextnumbers": {"incall": [{"numberbeg": 100, "didlength": "four"}]}`), "contextnumbers.incall[0].didlength"},
		{"add", ok(`, "contextnumbers": {"outcall": [{"numberbeg": 100}]}`), "contextnumbers.outcall"},
		{"add", ok(`, "contextnumbers": {"user": {"numberbeg": 100}}`), "contextnumbers.user"},
		{"add", ok(`, "contextnumbers": {"user": [100]}`), "contextnumbers.user[0]"},
		{"add", ok(`, "contextnumbers": "1000-1099"`), "contextnumbers"},
		{"edit", `{"context": {"displayname": "x"}}`, "context.displayname"},
		{"edit", `{"context": {"entity": "nope"}}`, "context.entity"},
		{"edit", `{"context": {"name": "from-extern"}}`, "context.name"},
		{"edit", `{"context": {"name": "to-extern"}}`, "contextinclude[0]"}, // would include itself
		{"edit", `{"contextinclude": ["default"]}`, "contextinclude[0]"},
		{"edit", `{"contextnumbers": {"user": [{"numberbeg": 1000, "numberend": "1099\n"}]}}`, "contextnumbers.user[0].numberend"},
		{"edit", `{"context": {"description": "` + strings.Repeat("d", 1001) + `"}}`, "context.description"},
	} {
		q := "act=add"
		if tc.act == "edit" {
			q = "act=edit&id=default"
		}
		st, _, raw := c.do("POST", contextsPath, q, []byte(tc.body))
		if st != http.StatusBadRequest || !strings.Contains(string(raw), `"`+tc.field+`"`) {
			t.Errorf("%s %s: %d %s, want 400 naming %s", tc.act, tc.body, st, raw, tc.field)
		}
	}
	if after := contextTables(t, env); after != before {
		t.Fatalf("refused writes changed the database:\n%s\n%s", before, after)
	}
}

func TestContextsDeleteRefusesWhatIsInUse(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	c.mustStatus(http.StatusOK, "POST", entitiesPath, "act=add", []byte(`{"name": "entity1", "displayname": "Entity1"}`))
	addC1toC3(t, c, contextsPath)
	mustExec(t, env, `INSERT INTO lines (protocol, name, context, number) VALUES ('sip', 'abc', 'default', '1001')`)
	mustExec(t, env, `INSERT INTO voicemails (context, mailbox) VALUES ('from-extern', '6001')`)

	if it := findContextItem(c.list(contextsPath, "act=list"), "default"); it["deletable"] != false {
		t.Fatalf("list says deletable: %v", it)
	}
	before := contextTables(t, env)
	for _, tc := range []struct{ name, says string }{{"default", "1 line"}, {"from-extern", "1 voicemail"}} {
		raw := c.mustStatus(http.StatusMethodNotAllowed, "GET", contextsPath, "act=delete&id="+tc.name, nil)
		if !strings.Contains(string(raw), tc.says) {
			t.Errorf("delete %s: %s, want it to say %q", tc.name, raw, tc.says)
		}
		if v := c.object(contextsPath, "act=view&id="+tc.name); v["deletable"] != false {
			t.Errorf("view %s deletable %v", tc.name, v["deletable"])
		}
	}
	if after := contextTables(t, env); after != before {
		t.Fatal("a refused delete changed the database")
	}
	// T12 / C8: unknown → 404 exactly, no id → 404; an included context goes, its include with it.
	c.mustStatus(http.StatusNotFound, "GET", contextsPath, "act=delete&id=nonexistent", nil)
	c.mustStatus(http.StatusNotFound, "GET", contextsPath, "act=delete", nil)
	c.mustStatus(http.StatusOK, "GET", contextsPath, "act=delete&id=to-extern", nil)
	var n int
	_ = env.DB.QueryRow(`SELECT (SELECT count(*) FROM contexts WHERE name = 'to-extern') + (SELECT count(*) FROM context_includes)`).Scan(&n)
	if n != 0 {
		t.Fatalf("to-extern or its include left: %d", n)
	}
	c.mustStatus(http.StatusNotFound, "GET", contextsPath, "act=delete&id=to-extern", nil)
	// Freed of its line, default goes with its ranges; no deleteall on contexts.
	mustExec(t, env, `DELETE FROM lines`)
	c.mustStatus(http.StatusOK, "GET", contextsPath, "act=delete&id=default", nil)
	_ = env.DB.QueryRow(`SELECT count(*) FROM context_ranges WHERE context = 'default'`).Scan(&n)
	if n != 0 {
		t.Fatalf("ranges left: %d", n)
	}
	c.mustStatus(http.StatusBadRequest, "GET", contextsPath, "act=deleteall", nil)
}

func findContextItem(items []map[string]any, name string) map[string]any {
	for _, it := range items {
		if row, ok := it["context"].(map[string]any); ok && row["name"] == name {
			return it
		}
	}
	return nil
}
