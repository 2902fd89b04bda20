package xivo_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"pbxws/tests/testenv"
)

// Incoming calls and ring groups hold call rights as users do: the seed document's incall
// body (with its "rightcall": ["1"]) stores them, the view shows them, an edit that does not
// name them keeps them, an unknown one is refused, and deleting the object forgets them.
func TestIncallsAndGroupsHoldCallRights(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	uid, gid, _, _ := destinations(t, c)
	var rc int
	if err := env.DB.Get(&rc, `INSERT INTO rightcalls (name) VALUES ('international') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	rcs := strconv.Itoa(rc)
	held := func(category, id string) string {
		var ids string
		if err := env.DB.Get(&ids, `SELECT COALESCE(string_agg(rightcall_id::text, ',' ORDER BY rightcall_id), '')
			FROM rightcall_members WHERE category = $1 AND typeval = $2`, category, mustAtoi(id)); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	// The seed's body, its user and call right ids replaced by this test's.
	id := c.add(incallPath, []byte(`{"incall": {"exten": "6070", "context": "from-extern", "preprocess_subroutine": ""},
		"dialaction": {"answer": {"actiontype": "user", "actionarg1": "`+uid+`", "actionarg2": ""}}, "rightcall": ["`+rcs+`"]}`))
	if got := held("incall", id); got != rcs {
		t.Fatalf("incall call rights %q, want %s", got, rcs)
	}
	view := c.object(incallPath, "act=view&id="+id)
	rows, _ := view["rightcall"].([]any)
	if len(rows) != 1 || rows[0].(map[string]any)["rightcallid"] != float64(rc) || rows[0].(map[string]any)["type"] != "incall" {
		t.Fatalf("incall view rightcall: %v", view["rightcall"])
	}
	c.mustStatus(http.StatusOK, "POST", incallPath, "act=edit&id="+id, map[string]any{"incall": map[string]any{"description": "kept"}})
	if got := held("incall", id); got != rcs {
		t.Fatalf("an edit not naming the call rights dropped them: %q", got)
	}
	st, _, body := c.do("POST", incallPath, "act=edit&id="+id, map[string]any{"rightcall": []any{"999"}})
	if st != http.StatusBadRequest || !strings.Contains(string(body), `"rightcall[0]"`) {
		t.Fatalf("unknown call right: %d %s", st, body)
	}
	if got := held("incall", id); got != rcs {
		t.Fatalf("a refused edit changed the call rights: %q", got)
	}
	// A group too; [] clears.
	c.mustStatus(http.StatusOK, "POST", groupsPath, "act=edit&id="+gid, map[string]any{"rightcall": []any{rc}})
	if got := held("group", gid); got != rcs {
		t.Fatalf("group call rights %q", got)
	}
	if v := c.object(groupsPath, "act=view&id="+gid); v["rightcall"] == false {
		t.Fatalf("group view shows no call right: %v", v["rightcall"])
	}
	c.mustStatus(http.StatusOK, "POST", groupsPath, "act=edit&id="+gid, map[string]any{"rightcall": []any{}})
	if got := held("group", gid); got != "" {
		t.Fatalf("group call rights after []: %q", got)
	}
	c.mustStatus(http.StatusOK, "GET", incallPath, "act=delete&id="+id, nil)
	if got := held("incall", id); got != "" {
		t.Fatalf("a deleted incall's call rights: %q", got)
	}
}
