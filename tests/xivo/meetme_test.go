package xivo_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"pbxws/tests/testenv"
	wsclient "pbxws/ws-client"
)

const meetmePath = "/service/ipbx/json.php/private/pbx_settings/meetme/"

func meetmeTables(t *testing.T, env *testenv.Env) string {
	return tablesSnapshot(t, env, "meetmes", "extensions")
}

func TestMeetmeEveryAct(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	dialplanSetup(t, c)
	if items := c.list(meetmePath, "act=list"); items != nil {
		t.Fatalf("empty list: %v", items)
	}
	id := c.add(meetmePath, []byte(`{"meetmefeatures": {"name": "blue", "confno": 4000, "context": "default", "maxusers": "10",
		"admin_typefrom": "none", "user_mode": "all", "user_announcejoinleave": "no", "user_musiconhold": "default"},
		"meetmeroom": {"confno": "4000", "pin": "1234"}}`))
	var stored string
	if err := env.DB.QueryRow(`SELECT concat_ws(',', m.name, m.number, m.maxusers, m.pin, e.type, e.typeval, e.exten)
		FROM meetmes m JOIN extensions e ON e.type = 'meetme' AND e.typeval = m.id::text WHERE m.id = $1`, id).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != "blue,4000,10,1234,meetme,"+id+",4000" {
		t.Fatalf("stored %s", stored)
	}
	items := c.list(meetmePath, "act=list")
	if len(items) != 1 || items[0]["confno"] != "4000" || items[0]["id"] != float64(mustAtoi(id)) {
		t.Fatalf("list: %v", items)
	}
	for _, term := range []string{"blu", "4000"} {
		if found := c.list(meetmePath, "act=search&search="+term); len(found) != 1 {
			t.Fatalf("search %s: %v", term, found)
		}
	}
	v := c.object(meetmePath, "act=view&id="+id)
	if mf := v["meetmefeatures"].(map[string]any); mf["confno"] != "4000" || mf["name"] != "blue" || v["meetmeroom"].(map[string]any)["pin"] != "1234" {
		t.Fatalf("view: %v", v)
	}
	// Edit merges: the name alone keeps the number and the pin.
	c.mustStatus(http.StatusOK, "POST", meetmePath, "act=edit&id="+id, map[string]any{"meetmefeatures": map[string]any{"name": "green"}})
	if err := env.DB.QueryRow(`SELECT concat_ws(',', name, number, pin) FROM meetmes WHERE id = $1`, id).Scan(&stored); err != nil || stored != "green,4000,1234" {
		t.Fatalf("after edit: %s %v", stored, err)
	}
	for _, q := range []string{"act=view&id=99", "act=delete&id=99", "act=view&id="} {
		c.mustStatus(http.StatusNotFound, "GET", meetmePath, q, nil)
	}
	c.add(meetmePath, []byte(`{"meetmefeatures": {"name": "red", "confno": "4001", "context": "default"}}`))
	c.mustStatus(http.StatusOK, "GET", meetmePath, "act=delete&id="+id, nil)
	if n := len(c.list(meetmePath, "act=list")); n != 1 {
		t.Fatalf("after delete: %d", n)
	}
	c.mustStatus(http.StatusOK, "GET", meetmePath, "act=deleteall", nil)
	c.mustStatus(http.StatusNoContent, "GET", meetmePath, "act=deleteall", nil)
	var left int
	if err := env.DB.QueryRow(`SELECT (SELECT count(*) FROM meetmes) + (SELECT count(*) FROM extensions WHERE type = 'meetme')`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("deleteall left %d (%v)", left, err)
	}
}

// A room number is unique in its context across families: a group's number in a range
// both share is refused to a room, as is a line's.
func TestMeetmeBadInputIsRefusedAndChangesNothing(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	dialplanSetup(t, c)
	c.add(groupsPath, []byte(`{"groupfeatures": {"name": "g", "context": "default", "timeout": "0", "number": "1055"}, "user": []}`))
	c.add(meetmePath, []byte(`{"meetmefeatures": {"name": "blue", "confno": "4000", "context": "default"}}`))
	room := func(over map[string]any) map[string]any {
		mf := map[string]any{"name": "red", "confno": "4001", "context": "default"}
		for k, v := range over {
			mf[k] = v
		}
		return map[string]any{"meetmefeatures": mf}
	}
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"no meetmefeatures", map[string]any{"meetmeroom": map[string]any{}}, "meetmefeatures"},
		{"no confno", room(map[string]any{"confno": ""}), "meetmefeatures.confno"},
		{"a group's number", room(map[string]any{"confno": "1055"}), "meetmefeatures.confno"},
		{"another room's number", room(map[string]any{"confno": "4000"}), "meetmefeatures.confno"},
		{"outside the ranges", room(map[string]any{"confno": "4010"}), "meetmefeatures.confno"},
		{"duplicate name", room(map[string]any{"name": "blue"}), "meetmefeatures.name"},
		{"no name", room(map[string]any{"name": nil, "confno": "4002"}), "meetmefeatures.name"},
		{"unknown context", room(map[string]any{"context": "nowhere"}), "meetmefeatures.context"},
		{"bad user_mode", room(map[string]any{"user_mode": "shout"}), "meetmefeatures.user_mode"},
		{"bad admin_typefrom", room(map[string]any{"admin_typefrom": "x"}), "meetmefeatures.admin_typefrom"},
		{"huge maxusers", room(map[string]any{"maxusers": "1e99"}), "meetmefeatures.maxusers"},
		{"too many users", room(map[string]any{"maxusers": 100000}), "meetmefeatures.maxusers"},
		{"LF in name", room(map[string]any{"name": "a\nb"}), "meetmefeatures.name"},
		{"pin not digits", map[string]any{"meetmefeatures": room(nil)["meetmefeatures"], "meetmeroom": map[string]any{"pin": "12a"}}, "meetmeroom.pin"},
		{"confno disagreeing", map[string]any{"meetmefeatures": room(nil)["meetmefeatures"], "meetmeroom": map[string]any{"confno": "4005"}}, "meetmeroom.confno"},
		{"not JSON", []byte(`{`), "body"},
	}
	before := meetmeTables(t, env)
	for _, tc := range cases {
		st, _, raw := c.do("POST", meetmePath, "act=add", tc.body)
		var e struct {
			Fields map[string]string `json:"fields"`
		}
		_ = json.Unmarshal(raw, &e)
		if st != http.StatusBadRequest || e.Fields[tc.field] == "" {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.name, st, raw, tc.field)
		}
	}
	if after := meetmeTables(t, env); after != before {
		t.Fatalf("refused writes changed the database:\n%s\n%s", before, after)
	}
}

// xivo-ws-wire.md §8 J1 through the Go client.
func TestMeetmeAcceptanceScenarioThroughTheClient(t *testing.T) {
	env := testenv.Start(t)
	dialplanSetup(t, newClient(t, env))
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx"}, false)
	ctx := context.Background()
	rooms := wsclient.New("localhost", "admin", "secret", wsclient.WithBaseURL(env.HTTPURL)).ConfRooms()
	r, err := rooms.Add(ctx, wsclient.ConfRoom{Name: "blue", Number: "4000", Context: "default"})
	if err != nil || mustAtoi(r) <= 0 {
		t.Fatalf("J1 add: %q %v", r, err)
	}
	if _, err := rooms.Add(ctx, wsclient.ConfRoom{Name: "green", Number: 4001, Context: "default"}); err != nil {
		t.Fatalf("J1 int number: %v", err)
	}
	if found, err := rooms.SearchByNumber(ctx, 4000); err != nil || len(found) != 1 || found[0].ID != mustAtoi(r) {
		t.Fatalf("J1 search_by_number: %v %v", found, err)
	}
	if found, err := rooms.SearchByName(ctx, "blue"); err != nil || len(found) != 1 {
		t.Fatalf("J1 search_by_name: %v %v", found, err)
	}
	if all, err := rooms.List(ctx); err != nil || len(all) != 2 || all[0].Number != "4000" {
		t.Fatalf("J1 list: %v %v", all, err)
	}
	if x, err := rooms.View(ctx, mustAtoi(r)); err != nil || x.Number != "4000" || x.ID != mustAtoi(r) {
		t.Fatalf("J1 view: %+v %v", x, err)
	}
	if err := rooms.Delete(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := rooms.DeleteIfExists(ctx, r); err != nil {
		t.Fatalf("K3: %v", err)
	}
	if _, err := rooms.RawView(ctx, r); !wsclient.IsNotFound(err) {
		t.Fatalf("K2 view after delete: %v", err)
	}
}
