package xivo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"pbxws/tests/testenv"
	wsclient "pbxws/ws-client"
)

const groupsPath = "/service/ipbx/json.php/private/pbx_settings/groups/"

// dialplanSetup adds the contexts the group, meetme, voicemail and incall tests share:
// "default" (users 1000-1099, groups 2000-2099, meetme 4000-4009, and groups and meetme
// both 1050-1059, which overlap the users' numbers) and "from-extern"
// (incalls 6000-6099), and the user Jack with line 1001.
func dialplanSetup(t *testing.T, c *xc) (userID int) {
	t.Helper()
	c.mustStatus(http.StatusOK, "POST", contextsPath, "act=add", map[string]any{
		"context":        map[string]any{"name": "default", "displayname": "Default", "entity": "default", "contexttype": "internal"},
		"contextinclude": []string{},
		"contextnumbers": map[string]any{
			"user":   []any{map[string]any{"numberbeg": "1000", "numberend": "1099"}},
			"group":  []any{map[string]any{"numberbeg": "2000", "numberend": "2099"}, map[string]any{"numberbeg": "1050", "numberend": "1059"}},
			"meetme": []any{map[string]any{"numberbeg": "4000", "numberend": "4009"}, map[string]any{"numberbeg": "1050", "numberend": "1059"}},
		},
	})
	c.mustStatus(http.StatusOK, "POST", contextsPath, "act=add", map[string]any{
		"context":        map[string]any{"name": "from-extern", "displayname": "Incoming", "entity": "default", "contexttype": "incall"},
		"contextinclude": []string{},
		"contextnumbers": map[string]any{"incall": []any{map[string]any{"numberbeg": "6000", "numberend": "6099", "didlength": 4}}},
	})
	return addUser(t, c, `{"userfeatures": {"firstname": "Jack", "lastname": "Johnson"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1001"]}}`)
}

// groupTables renders what group writes touch.
func groupTables(t *testing.T, env *testenv.Env) string {
	return tablesSnapshot(t, env, "groups", "queue_members", "dialactions", "extensions")
}

func TestGroupsEveryAct(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	uid := dialplanSetup(t, c)
	if items := c.list(groupsPath, "act=list"); items != nil {
		t.Fatalf("empty list: %v", items)
	}
	id := c.add(groupsPath, []byte(fmt.Sprintf(`{"groupfeatures": {"name": "sales", "context": "default", "timeout": "25", "number": 2001},
		"queue": {"strategy": "linear"}, "user": [%d], "dialaction": {"noanswer": {"actiontype": "endcall", "action": "busy"}}}`, uid)))
	var name, number, strategy, member, exten string
	var timeout int
	if err := env.DB.QueryRow(`SELECT g.name, g.number, g.strategy, g.timeout, (SELECT string_agg(userid::text || ':' || name, ',') FROM queue_members WHERE category = 'group' AND queue_id = g.id),
		(SELECT type || ' ' || typeval || ' ' || context || ' ' || exten FROM extensions WHERE type = 'group')
		FROM groups g WHERE g.id = $1`, id).Scan(&name, &number, &strategy, &timeout, &member, &exten); err != nil {
		t.Fatal(err)
	}
	if name != "sales" || number != "2001" || strategy != "linear" || timeout != 25 || member != fmt.Sprintf("%d:sales", uid) || exten != "group "+id+" default 2001" {
		t.Fatalf("stored %q %q %q %d %q %q", name, number, strategy, timeout, member, exten)
	}

	items := c.list(groupsPath, "act=list")
	if len(items) != 1 || items[0]["id"] != json.Number(id) && items[0]["id"] != float64(mustAtoi(id)) || items[0]["number"] != "2001" || items[0]["name"] != "sales" {
		t.Fatalf("list: %v", items)
	}
	for _, term := range []string{"sal", "200", "SALES"} {
		if found := c.list(groupsPath, "act=search&search="+term); len(found) != 1 {
			t.Fatalf("search %q: %v", term, found)
		}
	}
	if found := c.list(groupsPath, "act=search&search=nomatch"); found != nil {
		t.Fatalf("search nomatch: %v", found)
	}
	view := c.object(groupsPath, "act=view&id="+id)
	users, _ := view["user"].([]any)
	if len(users) != 1 || users[0].(map[string]any)["userid"] != float64(uid) {
		t.Fatalf("view user: %v", view["user"])
	}
	if gf := view["groupfeatures"].(map[string]any); gf["number"] != "2001" || gf["timeout"] != float64(25) {
		t.Fatalf("view groupfeatures: %v", gf)
	}
	if q := view["queue"].(map[string]any); q["strategy"] != "linear" {
		t.Fatalf("view queue: %v", q)
	}
	if da := view["dialaction"].(map[string]any)["noanswer"].(map[string]any); da["action"] != "endcall:busy" {
		t.Fatalf("view dialaction: %v", da)
	}
	// The user's own view shows the membership.
	uv := c.object(usersPath, "act=view&id="+strconv.Itoa(uid))
	if gm, _ := uv["groupmember"].([]any); len(gm) != 1 || gm[0].(map[string]any)["name"] != "sales" {
		t.Fatalf("user view groupmember: %v", uv["groupmember"])
	}

	// Edit merges: a name alone keeps the number, members, strategy and dial action.
	c.mustStatus(http.StatusOK, "POST", groupsPath, "act=edit&id="+id, map[string]any{"groupfeatures": map[string]any{"name": "support"}})
	view = c.object(groupsPath, "act=view&id="+id)
	if gf := view["groupfeatures"].(map[string]any); gf["name"] != "support" || gf["number"] != "2001" || gf["timeout"] != float64(25) {
		t.Fatalf("after edit: %v", gf)
	}
	if users, _ := view["user"].([]any); len(users) != 1 || view["queue"].(map[string]any)["strategy"] != "linear" || view["dialaction"] == false {
		t.Fatalf("edit dropped parts: %v", view)
	}
	var memberName string
	if err := env.DB.QueryRow(`SELECT name FROM queue_members WHERE category = 'group'`).Scan(&memberName); err != nil || memberName != "support" {
		t.Fatalf("member row name %q %v", memberName, err)
	}
	// The view posted back is accepted and changes nothing.
	before := groupTables(t, env)
	st, _, raw := c.do("GET", groupsPath, "act=view&id="+id, nil)
	if st != 200 {
		t.Fatal(st)
	}
	c.mustStatus(http.StatusOK, "POST", groupsPath, "act=edit&id="+id, json.RawMessage(raw))
	if after := groupTables(t, env); after != before {
		t.Fatalf("view posted back changed the group:\n%s\n%s", before, after)
	}
	// A present user list replaces the members; a number edit moves the extension.
	c.mustStatus(http.StatusOK, "POST", groupsPath, "act=edit&id="+id, map[string]any{"groupfeatures": map[string]any{"number": "2002"}, "user": []any{}})
	var members int
	if err := env.DB.QueryRow(`SELECT (SELECT count(*) FROM queue_members), (SELECT exten FROM extensions WHERE type = 'group')`).Scan(&members, &exten); err != nil || members != 0 || exten != "2002" {
		t.Fatalf("after replace: %d members, exten %q, %v", members, exten, err)
	}

	// Unknown ids: 404 on view, edit and delete.
	for _, q := range []string{"act=view&id=99", "act=delete&id=99", "act=view&id=", "act=view&id=x"} {
		c.mustStatus(http.StatusNotFound, "GET", groupsPath, q, nil)
	}
	c.mustStatus(http.StatusNotFound, "POST", groupsPath, "act=edit&id=99", map[string]any{"groupfeatures": map[string]any{"name": "x"}})

	c.add(groupsPath, []byte(`{"groupfeatures": {"name": "g2", "context": "default", "timeout": "0", "number": ""}, "queue": {}, "user": []}`))
	c.mustStatus(http.StatusOK, "GET", groupsPath, "act=delete&id="+id, nil)
	if n := len(c.list(groupsPath, "act=list")); n != 1 {
		t.Fatalf("after delete: %d groups", n)
	}
	var left int
	if err := env.DB.QueryRow(`SELECT (SELECT count(*) FROM extensions WHERE type = 'group') + (SELECT count(*) FROM dialactions WHERE category = 'group')`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("delete left %d rows (%v)", left, err)
	}
	c.mustStatus(http.StatusOK, "GET", groupsPath, "act=deleteall", nil)
	c.mustStatus(http.StatusNoContent, "GET", groupsPath, "act=deleteall", nil)
	if s := groupTables(t, env); strings.Contains(s, "groups=") || strings.Contains(s, "queue_members=") {
		t.Fatalf("deleteall left %s", s)
	}
}

// Bad group bodies get a 400 naming the field and the rule, and change nothing.
func TestGroupsBadInputIsRefusedAndChangesNothing(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	uid := dialplanSetup(t, c)
	id := c.add(groupsPath, []byte(`{"groupfeatures": {"name": "sales", "context": "default", "timeout": "0", "number": "2001"}, "user": []}`))
	// A line inside the range groups share with users.
	addUser(t, c, `{"userfeatures": {"firstname": "Jill"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1052"]}}`)
	st, _, raw := c.do("POST", groupsPath, "act=add", map[string]any{"groupfeatures": map[string]any{"name": "x", "context": "default", "number": "1052"}})
	if st != http.StatusBadRequest || !strings.Contains(string(raw), "line") || !strings.Contains(string(raw), `"groupfeatures.number"`) {
		t.Fatalf("a line's number: %d %s, want 400 naming groupfeatures.number and the line", st, raw)
	}
	// Each body is valid but for one part; edits start from the stored group's own values.
	var base map[string]any
	gf := func(over map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range over {
			out[k] = v
		}
		return out
	}
	good := func(over map[string]any) map[string]any {
		return map[string]any{"groupfeatures": gf(over), "queue": map[string]any{}, "user": []any{uid}}
	}
	type tcase struct {
		name  string
		body  func() any
		field string
	}
	with := func(key string, v any) func() any {
		return func() any { b := good(nil); b[key] = v; return b }
	}
	over := func(k string, v any) func() any { return func() any { return good(map[string]any{k: v}) } }
	cases := []tcase{
		{"no name", over("name", ""), "groupfeatures.name"},
		{"bad name", over("name", "a b"), "groupfeatures.name"},
		{"line's number", over("number", "1052"), "groupfeatures.number"},
		{"outside the ranges", over("number", "3001"), "groupfeatures.number"},
		{"not digits", over("number", "20a1"), "groupfeatures.number"},
		{"unknown context", over("context", "nowhere"), "groupfeatures.context"},
		{"CR LF in name", over("name", "a\r\nb"), "groupfeatures.name"},
		{"huge timeout", over("timeout", "99999999999"), "groupfeatures.timeout"},
		{"timeout too long", over("timeout", 90000), "groupfeatures.timeout"},
		{"timeout as an object", over("timeout", map[string]any{}), "groupfeatures.timeout"},
		{"name as a list", over("name", []any{"x"}), "groupfeatures.name"},
		{"groupfeatures as a string", with("groupfeatures", "x"), "groupfeatures"},
		{"unknown member", with("user", []any{999}), "user[0]"},
		{"member not an id", with("user", []any{"x"}), "user[0]"},
		{"members not a list", with("user", "1"), "user"},
		{"bad strategy", with("queue", map[string]any{"strategy": "loudest"}), "queue.strategy"},
		{"unknown event", with("dialaction", map[string]any{"answer": map[string]any{"actiontype": "none"}}), "dialaction.answer"},
		{"unknown destination", with("dialaction", map[string]any{"noanswer": map[string]any{"actiontype": "user", "actionarg1": "77"}}), "dialaction.noanswer.actionarg1"},
		{"queue destination", with("dialaction", map[string]any{"noanswer": map[string]any{"actiontype": "queue", "actionarg1": "1"}}), "dialaction.noanswer.actionarg1"},
		{"bad endcall", with("dialaction", map[string]any{"noanswer": map[string]any{"actiontype": "endcall", "action": "explode"}}), "dialaction.noanswer.action"},
		{"not JSON", func() any { return []byte(`{"groupfeatures": `) }, "body"},
		{"an array", func() any { return []byte(`[]`) }, "body"},
	}
	addOnly := []tcase{
		{"no groupfeatures", func() any { return map[string]any{"user": []any{}} }, "groupfeatures"},
		{"duplicate name", over("name", "sales"), "groupfeatures.name"},
		{"another group's number", over("number", "2001"), "groupfeatures.number"},
	}
	before := groupTables(t, env)
	check := func(q string, tc tcase) {
		st, _, raw := c.do("POST", groupsPath, q, tc.body())
		var e struct {
			Fields map[string]string `json:"fields"`
		}
		_ = json.Unmarshal(raw, &e)
		if st != http.StatusBadRequest || e.Fields[tc.field] == "" {
			t.Errorf("%s (%s): %d %s, want 400 naming %s", tc.name, q, st, raw, tc.field)
		}
	}
	base = map[string]any{"name": "other", "context": "default", "timeout": "0", "number": "2010"}
	for _, tc := range append(cases, addOnly...) {
		check("act=add", tc)
	}
	base = map[string]any{"name": "sales", "context": "default", "timeout": "0", "number": "2001"}
	for _, tc := range cases {
		check("act=edit&id="+id, tc)
	}
	if after := groupTables(t, env); after != before {
		t.Fatalf("refused writes changed the database:\n%s\n%s", before, after)
	}
}

// A group that an incall or a user's dial action sends calls to cannot be deleted, and
// the answer names the referrer.
func TestGroupsDeleteRefusedWhileADestination(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	uid := dialplanSetup(t, c)
	id := c.add(groupsPath, []byte(`{"groupfeatures": {"name": "sales", "context": "default", "timeout": "0", "number": "2001"}, "user": []}`))
	c.mustStatus(http.StatusOK, "POST", usersPath, "act=edit&id="+strconv.Itoa(uid), map[string]any{
		"dialaction": map[string]any{"noanswer": map[string]any{"actiontype": "group", "actionarg1": mustAtoi(id)}}})
	before := groupTables(t, env)
	for _, q := range []string{"act=delete&id=" + id, "act=deleteall"} {
		st, _, raw := c.do("GET", groupsPath, q, nil)
		if st < 400 || st == 500 || !strings.Contains(string(raw), "user "+strconv.Itoa(uid)) {
			t.Fatalf("%s: %d %s, want a refusal naming user %d", q, st, raw, uid)
		}
	}
	if after := groupTables(t, env); after != before {
		t.Fatalf("refused delete changed the database:\n%s\n%s", before, after)
	}
}

// Two simultaneous edits of one group, of its name and of its timeout, both survive.
func TestSimultaneousGroupEditsKeepEveryField(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	uid := dialplanSetup(t, c)
	id := c.add(groupsPath, []byte(fmt.Sprintf(`{"groupfeatures": {"name": "g", "context": "default", "timeout": "0", "number": "2001"}, "user": [%d]}`, uid)))
	for round := 0; round < 20; round++ {
		name, timeout := fmt.Sprintf("g%d", round), round+1
		raceEdits(t, env, groupsPath, id, fmt.Sprintf(`{"groupfeatures": {"name": %q}}`, name), fmt.Sprintf(`{"groupfeatures": {"timeout": %d}}`, timeout))
		var gotName string
		var gotTimeout, members int
		if err := env.DB.QueryRow(`SELECT name, timeout, (SELECT count(*) FROM queue_members WHERE queue_id = groups.id) FROM groups WHERE id = $1`, id).Scan(&gotName, &gotTimeout, &members); err != nil {
			t.Fatal(err)
		}
		if gotName != name || gotTimeout != timeout || members != 1 {
			t.Fatalf("round %d: stored %q %d with %d members, want %q %d and the member", round, gotName, gotTimeout, members, name, timeout)
		}
	}
}

// xivo-ws-wire.md §8 E1-E5 through the Go client, which sends what xivo-ws sends.
func TestGroupsAcceptanceScenariosThroughTheClient(t *testing.T) {
	env := testenv.Start(t)
	uid := dialplanSetup(t, newClient(t, env))
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx"}, false)
	ctx := context.Background()
	ws := wsclient.New("localhost", "admin", "secret", wsclient.WithBaseURL(env.HTTPURL))
	groups := ws.Groups()
	r, err := groups.Add(ctx, wsclient.Group{Name: "huge", Number: "2034", Context: "default", UserIDs: []any{uid}})
	if err != nil || mustAtoi(r) <= 0 {
		t.Fatalf("E1 add: %q %v", r, err)
	}
	if found, err := groups.SearchByNumber(ctx, 2034); err != nil || len(found) != 1 || found[0].ID != mustAtoi(r) {
		t.Fatalf("E1 search_by_number: %v %v", found, err)
	}
	if found, err := groups.SearchByName(ctx, "huge"); err != nil || len(found) != 1 {
		t.Fatalf("E1 search_by_name: %v %v", found, err)
	}
	g, err := groups.View(ctx, mustAtoi(r))
	if err != nil || g.Number != "2034" || len(g.UserIDs) != 1 || fmt.Sprint(g.UserIDs[0]) != strconv.Itoa(uid) {
		t.Fatalf("E2 view: %+v %v", g, err)
	}
	// Edit with the body xivo-ws sends (the same as add).
	if err := groups.Edit(ctx, wsclient.Group{ID: mustAtoi(r), Name: "huge2", Number: "2034", Context: "default"}); err != nil {
		t.Fatalf("edit: %v", err)
	}
	for _, x := range []wsclient.Group{{Name: "g2", Number: "", Context: "default"}, {Name: "g3", Number: 2035, Context: "default"}} {
		if _, err := groups.Add(ctx, x); err != nil {
			t.Fatalf("E3 %s: %v", x.Name, err)
		}
	}
	if found, err := groups.SearchByNumber(ctx, 2035); err != nil || len(found) != 1 || found[0].Name != "g3" {
		t.Fatalf("E3 search_by_number(2035): %v %v", found, err)
	}
	a, _ := groups.List(ctx)
	b, _ := ws.GroupAlias().List(ctx)
	if len(a) != 3 || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("E4: %v vs %v", a, b)
	}
	if err := groups.DeleteIfExists(ctx, "999"); err != nil {
		t.Fatalf("K3: %v", err)
	}
	if err := groups.DeleteAll(ctx); err != nil {
		t.Fatal(err)
	}
	if all, err := groups.List(ctx); err != nil || len(all) != 0 {
		t.Fatalf("E5: %v %v", all, err)
	}
}

// A context rename carries the numbers of its groups, rooms and incalls along (their
// extensions rows follow), and a context that still holds any of them cannot be deleted:
// a refusal, never a 500, and nothing changes.
func TestNumberedObjectsFollowTheirContext(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	uid := dialplanSetup(t, c)
	gid := c.add(groupsPath, []byte(`{"groupfeatures": {"name": "sales", "context": "default", "timeout": "0", "number": "2001"}, "user": []}`))
	c.add(meetmePath, []byte(`{"meetmefeatures": {"name": "blue", "confno": "4000", "context": "default"}}`))
	c.add(incallPath, []byte(`{"incall": {"exten": "6001", "context": "from-extern"}, "dialaction": {"answer": {"actiontype": "group", "actionarg1": "`+gid+`"}}}`))
	// The user's line goes, so only the group and the room hold "default".
	c.mustStatus(http.StatusOK, "GET", usersPath, "act=delete&id="+strconv.Itoa(uid), nil)
	c.mustStatus(http.StatusOK, "POST", contextsPath, "act=edit&id=from-extern", map[string]any{"context": map[string]any{"name": "did"}})
	var exts string
	if err := env.DB.QueryRow(`SELECT string_agg(concat_ws(',', context, exten, type), ';' ORDER BY exten) FROM extensions`).Scan(&exts); err != nil || exts != "default,2001,group;default,4000,meetme;did,6001,incall" {
		t.Fatalf("extensions after rename: %q %v", exts, err)
	}
	if items := c.list(incallPath, "act=list"); len(items) != 1 || items[0]["context"] != "did" {
		t.Fatalf("incall after rename: %v", items)
	}
	before := tablesSnapshot(t, env, "contexts", "groups", "meetmes", "incalls", "extensions")
	for _, name := range []string{"default", "did"} {
		st, _, raw := c.do("GET", contextsPath, "act=delete&id="+name, nil)
		if st != http.StatusMethodNotAllowed || !strings.Contains(string(raw), "number(s) of its extensions") {
			t.Fatalf("delete of context %s still holding numbers: %d %s", name, st, raw)
		}
	}
	for _, item := range c.list(contextsPath, "act=list") {
		if item["deletable"] != false && item["context"].(map[string]any)["name"] != "to-extern" {
			t.Fatalf("context listed as deletable: %v", item)
		}
	}
	if after := tablesSnapshot(t, env, "contexts", "groups", "meetmes", "incalls", "extensions"); after != before {
		t.Fatalf("refused deletes changed the database:\n%s\n%s", before, after)
	}
}

// deleteall is not blocked by objects of one family sending calls to each other, only by
// other families: groups whose no-answer goes to one another all go; users likewise.
func TestDeleteAllIgnoresReferencesWithinTheFamily(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	uid := dialplanSetup(t, c)
	uid2 := addUser(t, c, `{"userfeatures": {"firstname": "Jill"}, "dialaction": {"noanswer": {"actiontype": "user", "actionarg1": "`+strconv.Itoa(uid)+`"}}}`)
	c.mustStatus(http.StatusOK, "POST", usersPath, "act=edit&id="+strconv.Itoa(uid), map[string]any{
		"dialaction": map[string]any{"noanswer": map[string]any{"actiontype": "user", "actionarg1": uid2}}})
	a := c.add(groupsPath, []byte(`{"groupfeatures": {"name": "a", "context": "default", "number": "2001"}}`))
	b := c.add(groupsPath, []byte(`{"groupfeatures": {"name": "b", "context": "default", "number": "2002"}, "dialaction": {"noanswer": {"actiontype": "group", "actionarg1": "`+a+`"}}}`))
	c.mustStatus(http.StatusOK, "POST", groupsPath, "act=edit&id="+a, map[string]any{"dialaction": map[string]any{"noanswer": map[string]any{"actiontype": "group", "actionarg1": b}}})
	// One by one, each is still the other's destination.
	c.mustStatus(http.StatusMethodNotAllowed, "GET", groupsPath, "act=delete&id="+a, nil)
	c.mustStatus(http.StatusOK, "GET", groupsPath, "act=deleteall", nil)
	c.mustStatus(http.StatusOK, "GET", usersPath, "act=deleteall", nil)
	var left int
	if err := env.DB.QueryRow(`SELECT (SELECT count(*) FROM groups) + (SELECT count(*) FROM users) + (SELECT count(*) FROM dialactions)`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("deleteall left %d rows (%v)", left, err)
	}
}

// A group's callerid and schedule_id are stored, shown and kept by edits that do not
// name them; an unknown schedule is refused; deleting the schedule unlinks the group.
func TestGroupsCallerIDAndSchedule(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	dialplanSetup(t, c)
	sid := c.add(schedulePath, []byte(`{"schedule": {"name": "office", "timezone": "Europe/Paris"}, "opened": [{"hours": "08:00-18:00", "weekdays": "1-5"}]}`))
	id := c.add(groupsPath, []byte(`{"groupfeatures": {"name": "sales", "context": "default", "number": "2001"}, "callerid": {"mode": "prepend", "callerdisplay": "Sales: "}, "schedule_id": `+sid+`}`))
	c.mustStatus(http.StatusOK, "POST", groupsPath, "act=edit&id="+id, map[string]any{"groupfeatures": map[string]any{"timeout": 20}})
	v := c.object(groupsPath, "act=view&id="+id)
	if v["schedule_id"] != float64(mustAtoi(sid)) || v["callerid"].(map[string]any)["callerdisplay"] != "Sales: " {
		t.Fatalf("view: schedule_id %v callerid %v", v["schedule_id"], v["callerid"])
	}
	before := groupTables(t, env)
	for body, field := range map[string]string{`{"schedule_id": 99}`: "schedule_id", `{"callerid": {"mode": "replace"}}`: "callerid.mode"} {
		st, _, raw := c.do("POST", groupsPath, "act=edit&id="+id, json.RawMessage(body))
		if st != http.StatusBadRequest || !strings.Contains(string(raw), `"`+field+`"`) {
			t.Fatalf("%s: %d %s, want 400 naming %s", body, st, raw, field)
		}
	}
	if after := groupTables(t, env); after != before {
		t.Fatalf("refused edits changed the group:\n%s\n%s", before, after)
	}
	c.mustStatus(http.StatusOK, "GET", schedulePath, "act=delete&id="+sid, nil)
	var linked *int
	if err := env.DB.QueryRow(`SELECT schedule_id FROM groups WHERE id = $1`, id).Scan(&linked); err != nil || linked != nil {
		t.Fatalf("schedule_id after the schedule's delete: %v %v", linked, err)
	}
	if v := c.object(groupsPath, "act=view&id="+id); v["schedule_id"] != nil {
		t.Fatalf("view still shows schedule_id %v", v["schedule_id"])
	}
	c.mustStatus(http.StatusOK, "POST", groupsPath, "act=edit&id="+id, map[string]any{"callerid": false})
	if v := c.object(groupsPath, "act=view&id="+id); v["callerid"] != false {
		t.Fatalf("callerid after clearing: %v", v["callerid"])
	}
}
