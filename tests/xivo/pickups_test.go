package xivo_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"pbxws/tests/testenv"
)

const pickupPath = "/service/ipbx/json.php/private/call_management/pickup/"

func TestPickupsEveryAct(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	uid := dialplanSetup(t, c)
	gid := c.add(groupsPath, []byte(`{"groupfeatures": {"name": "sales", "context": "default", "timeout": "0", "number": "2001"}, "user": []}`))
	if items := c.list(pickupPath, "act=list"); items != nil {
		t.Fatalf("empty list: %v", items)
	}
	// The first group takes number 0, the lowest free one.
	id := c.add(pickupPath, []byte(fmt.Sprintf(`{"name": "unittest", "description": "desk", "members": [
		{"category": "member", "membertype": "user", "memberid": %d}, {"category": "pickup", "membertype": "group", "memberid": "%s"}]}`, uid, gid)))
	if id != "0" {
		t.Fatalf("first pickup id %q, want 0", id)
	}
	id1 := c.add(pickupPath, []byte(`{"name": "second"}`))
	if id1 != "1" {
		t.Fatalf("second pickup id %q", id1)
	}
	var stored string
	if err := env.DB.QueryRow(`SELECT string_agg(concat_ws(',', pickup_id, category, membertype, memberid), ';' ORDER BY category) FROM pickup_members`).Scan(&stored); err != nil ||
		stored != fmt.Sprintf("0,member,user,%d;0,pickup,group,%s", uid, gid) {
		t.Fatalf("members %q %v", stored, err)
	}
	items := c.list(pickupPath, "act=list")
	if len(items) != 2 || items[0]["id"] != float64(0) || items[0]["name"] != "unittest" || items[0]["commented"] != false {
		t.Fatalf("list: %v", items)
	}
	if found := c.list(pickupPath, "act=search&search=x"); len(found) != 2 {
		t.Fatalf("search answers the list: %v", found)
	}
	v := c.object(pickupPath, "act=view&id=0")
	members, _ := v["members"].([]any)
	pickups, _ := v["pickups"].([]any)
	if v["pickup"].(map[string]any)["name"] != "unittest" || len(members) != 1 || len(pickups) != 1 ||
		members[0].(map[string]any)["memberid"] != float64(uid) || pickups[0].(map[string]any)["membertype"] != "group" {
		t.Fatalf("view: %v", v)
	}
	// Edit merges: a description alone keeps the name and the members; the view posted
	// back changes nothing.
	c.mustStatus(http.StatusOK, "POST", pickupPath, "act=edit&id=0", map[string]any{"description": "front"})
	before := tablesSnapshot(t, env, "pickups", "pickup_members")
	_, _, raw := c.do("GET", pickupPath, "act=view&id=0", nil)
	c.mustStatus(http.StatusOK, "POST", pickupPath, "act=edit&id=0", json.RawMessage(raw))
	if after := tablesSnapshot(t, env, "pickups", "pickup_members"); after != before {
		t.Fatalf("view posted back changed the group:\n%s\n%s", before, after)
	}
	if err := env.DB.QueryRow(`SELECT concat_ws(',', name, description, (SELECT count(*) FROM pickup_members WHERE pickup_id = 0)) FROM pickups WHERE id = 0`).Scan(&stored); err != nil || stored != "unittest,front,2" {
		t.Fatalf("after edit %q %v", stored, err)
	}
	// A deleted user leaves the group.
	c.mustStatus(http.StatusOK, "GET", usersPath, "act=delete&id="+strconv.Itoa(uid), nil)
	if err := env.DB.QueryRow(`SELECT count(*)::text FROM pickup_members WHERE membertype = 'user'`).Scan(&stored); err != nil || stored != "0" {
		t.Fatalf("user memberships after the user's delete: %s %v", stored, err)
	}
	for _, q := range []string{"act=view&id=99", "act=delete&id=99", "act=view&id="} {
		c.mustStatus(http.StatusNotFound, "GET", pickupPath, q, nil)
	}
	c.mustStatus(http.StatusOK, "GET", pickupPath, "act=delete&id=0", nil)
	// Number 0 is free again and is taken first.
	if again := c.add(pickupPath, []byte(`{"name": "third"}`)); again != "0" {
		t.Fatalf("reused id %q", again)
	}
}

func TestPickupsBadInputIsRefusedAndChangesNothing(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	uid := dialplanSetup(t, c)
	c.add(pickupPath, []byte(`{"name": "taken"}`))
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"no name", map[string]any{"description": "x"}, "name"},
		{"duplicate name", map[string]any{"name": "taken"}, "name"},
		{"huge name", map[string]any{"name": strings.Repeat("x", 129)}, "name"},
		{"LF in name", map[string]any{"name": "a\nb"}, "name"},
		{"unknown user", map[string]any{"name": "p", "members": []any{map[string]any{"category": "member", "membertype": "user", "memberid": 99}}}, "members[0].memberid"},
		{"a queue", map[string]any{"name": "p", "members": []any{map[string]any{"category": "member", "membertype": "queue", "memberid": 1}}}, "members[0].memberid"},
		{"bad category", map[string]any{"name": "p", "members": []any{map[string]any{"category": "boss", "membertype": "user", "memberid": uid}}}, "members[0].category"},
		{"bad membertype", map[string]any{"name": "p", "members": []any{map[string]any{"category": "member", "membertype": "agent", "memberid": uid}}}, "members[0].membertype"},
		{"member id not a number", map[string]any{"name": "p", "members": []any{map[string]any{"category": "member", "membertype": "user", "memberid": "x"}}}, "members[0].memberid"},
		{"member twice", map[string]any{"name": "p", "members": []any{map[string]any{"membertype": "user", "memberid": uid}, map[string]any{"membertype": "user", "memberid": uid}}}, "members[1]"},
		{"members not a list", map[string]any{"name": "p", "members": "x"}, "members"},
		{"not JSON", []byte(`{`), "body"},
	}
	before := tablesSnapshot(t, env, "pickups", "pickup_members")
	for _, tc := range cases {
		st, _, raw := c.do("POST", pickupPath, "act=add", tc.body)
		var e struct {
			Fields map[string]string `json:"fields"`
		}
		_ = json.Unmarshal(raw, &e)
		if st != http.StatusBadRequest || e.Fields[tc.field] == "" {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.name, st, raw, tc.field)
		}
	}
	if after := tablesSnapshot(t, env, "pickups", "pickup_members"); after != before {
		t.Fatalf("refused writes changed the database:\n%s\n%s", before, after)
	}
	// 64 groups fill numbers 0-63; the 65th is refused.
	for i := 1; i < 64; i++ {
		c.add(pickupPath, []byte(fmt.Sprintf(`{"name": "p%d"}`, i)))
	}
	st, _, raw := c.do("POST", pickupPath, "act=add", map[string]any{"name": "one too many"})
	if st != http.StatusBadRequest {
		t.Fatalf("65th pickup: %d %s", st, raw)
	}
}
