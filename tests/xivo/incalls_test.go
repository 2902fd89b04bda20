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

const incallPath = "/service/ipbx/json.php/private/call_management/incall/"

func incallTables(t *testing.T, env *testenv.Env) string {
	return tablesSnapshot(t, env, "incalls", "dialactions", "extensions")
}

// destinations adds one object of each family an incall can reach and returns their ids.
func destinations(t *testing.T, c *xc) (user, group, meetme, voicemail string) {
	t.Helper()
	user = strconv.Itoa(dialplanSetup(t, c))
	group = c.add(groupsPath, []byte(`{"groupfeatures": {"name": "sales", "context": "default", "timeout": "0", "number": "2001"}, "user": []}`))
	meetme = c.add(meetmePath, []byte(`{"meetmefeatures": {"name": "blue", "confno": "4000", "context": "default"}}`))
	voicemail = c.add(voicemailPath, []byte(`{"voicemail": {"mailbox": "1200", "fullname": "Desk"}}`))
	return
}

func TestIncallsEveryAct(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	uid, gid, mid, vid := destinations(t, c)
	if items := c.list(incallPath, "act=list"); items != nil {
		t.Fatalf("empty list: %v", items)
	}
	// The seed body of the spec, and one per destination kind.
	id := c.add(incallPath, []byte(`{"incall": {"exten": "6000", "context": "from-extern", "preprocess_subroutine": "", "description": "main"},
		"dialaction": {"answer": {"actiontype": "user", "actionarg1": "`+uid+`", "actionarg2": ""}}, "callerid": {"mode": "prepend", "callerdisplay": "VIP"}}`))
	kinds := map[string]string{
		"6001": `{"actiontype": "group", "actionarg1": ` + gid + `, "actionarg2": ""}`,
		"6002": `{"actiontype": "meetme", "actionarg1": "` + mid + `"}`,
		"6003": `{"actiontype": "voicemail", "actionarg1": ` + vid + `, "actionarg2": ""}`,
		"6004": `{"actiontype": "endcall", "action": "busy"}`,
		"6005": `{"actiontype": "none"}`,
	}
	for exten, answer := range kinds {
		c.add(incallPath, []byte(`{"incall": {"exten": `+exten+`, "context": "from-extern"}, "dialaction": {"answer": `+answer+`}}`))
	}
	// The shortcut form of the answer.
	c.add(incallPath, []byte(`{"incall": {"exten": "6006", "context": "from-extern", "destination": "endcall", "action": "hangup"}}`))
	var stored string
	if err := env.DB.QueryRow(`SELECT string_agg(concat_ws(',', i.number, d.actiontype, d.action, d.actionarg1, e.type), ';' ORDER BY i.number)
		FROM incalls i JOIN dialactions d ON d.category = 'incall' AND d.categoryval = i.id::text AND d.event = 'answer'
		JOIN extensions e ON e.context = i.context AND e.exten = i.number AND e.typeval = i.id::text`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("6000,user,user,%s,incall;6001,group,group,%s,incall;6002,meetme,meetme,%s,incall;6003,voicemail,voicemail,%s,incall;6004,endcall,endcall:busy,incall;6005,none,none,incall;6006,endcall,endcall:hangup,incall", uid, gid, mid, vid)
	if stored != want {
		t.Fatalf("stored\n%s\nwant\n%s", stored, want)
	}
	items := c.list(incallPath, "act=list")
	if len(items) != 7 || items[0]["exten"] != "6000" || items[0]["id"] != float64(mustAtoi(id)) || items[0]["destination"] != "user" || items[0]["destidentity"] != "Jack Johnson" {
		t.Fatalf("list: %v", items[0])
	}
	idents := map[string]string{}
	for _, it := range items {
		idents[it["exten"].(string)] = it["destidentity"].(string)
	}
	if idents["6001"] != "sales (2001@default)" || idents["6002"] != "blue (4000@default)" || idents["6003"] != "Desk (1200@default)" || idents["6004"] != "busy" || idents["6005"] != "-" {
		t.Fatalf("destidentity: %v", idents)
	}
	for term, n := range map[string]int{"6000": 1, "main": 1, "jack": 1, "sales": 1, "600": 7, "nomatch": 0} {
		if found := c.list(incallPath, "act=search&search="+term); len(found) != n {
			t.Fatalf("search %q: %d items, want %d", term, len(found), n)
		}
	}
	v := c.object(incallPath, "act=view&id="+id)
	if v["incall"].(map[string]any)["exten"] != "6000" || v["callerid"].(map[string]any)["mode"] != "prepend" ||
		v["dialaction"].(map[string]any)["answer"].(map[string]any)["actionarg1"] != uid {
		t.Fatalf("view: %v", v)
	}
	// Edit merges: a description alone keeps the DID, the answer and the caller id.
	c.mustStatus(http.StatusOK, "POST", incallPath, "act=edit&id="+id, map[string]any{"incall": map[string]any{"description": "front desk"}})
	if err := env.DB.QueryRow(`SELECT concat_ws(',', i.number, i.description, i.callerid_mode, i.callerid_display, d.actiontype, d.actionarg1)
		FROM incalls i JOIN dialactions d ON d.category = 'incall' AND d.categoryval = i.id::text WHERE i.id = $1`, id).Scan(&stored); err != nil ||
		stored != "6000,front desk,prepend,VIP,user,"+uid {
		t.Fatalf("after edit: %q %v", stored, err)
	}
	// The view posted back changes nothing.
	before := incallTables(t, env)
	_, _, raw := c.do("GET", incallPath, "act=view&id="+id, nil)
	c.mustStatus(http.StatusOK, "POST", incallPath, "act=edit&id="+id, json.RawMessage(raw))
	if after := incallTables(t, env); after != before {
		t.Fatalf("view posted back changed the incall:\n%s\n%s", before, after)
	}
	// A new answer and no caller id.
	c.mustStatus(http.StatusOK, "POST", incallPath, "act=edit&id="+id, map[string]any{"dialaction": map[string]any{"answer": map[string]any{"actiontype": "group", "actionarg1": gid}}, "callerid": false})
	if err := env.DB.QueryRow(`SELECT concat_ws(',', i.callerid_mode, d.actiontype, d.actionarg1) FROM incalls i JOIN dialactions d ON d.category = 'incall' AND d.categoryval = i.id::text WHERE i.id = $1`, id).Scan(&stored); err != nil || stored != ",group,"+gid {
		t.Fatalf("after answer edit: %q %v", stored, err)
	}
	for _, q := range []string{"act=view&id=99", "act=delete&id=99", "act=view&id="} {
		c.mustStatus(http.StatusNotFound, "GET", incallPath, q, nil)
	}
	c.mustStatus(http.StatusNotFound, "POST", incallPath, "act=edit&id=99", map[string]any{"incall": map[string]any{"description": "x"}})
	c.mustStatus(http.StatusOK, "GET", incallPath, "act=delete&id="+id, nil)
	if n := len(c.list(incallPath, "act=list")); n != 6 {
		t.Fatalf("after delete: %d", n)
	}
	c.mustStatus(http.StatusOK, "GET", incallPath, "act=deleteall", nil)
	c.mustStatus(http.StatusNoContent, "GET", incallPath, "act=deleteall", nil)
	if s := incallTables(t, env); strings.Contains(s, "incalls=") || strings.Contains(s, "incall,") {
		t.Fatalf("deleteall left %s", s)
	}
}

// Unknown destinations, a queue (pbxws has none yet), DIDs outside the incall ranges or
// taken, and malformed bodies: 400 naming the field, and nothing written.
func TestIncallsBadInputIsRefusedAndChangesNothing(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	uid, _, _, _ := destinations(t, c)
	id := c.add(incallPath, []byte(`{"incall": {"exten": "6000", "context": "from-extern"}, "dialaction": {"answer": {"actiontype": "user", "actionarg1": `+uid+`}}}`))
	body := func(exten any, answer map[string]any) map[string]any {
		return map[string]any{"incall": map[string]any{"exten": exten, "context": "from-extern"}, "dialaction": map[string]any{"answer": answer}}
	}
	to := func(kind string, arg any) map[string]any {
		return map[string]any{"actiontype": kind, "actionarg1": arg, "actionarg2": ""}
	}
	user := to("user", uid)
	cases := []struct {
		name, q string
		body    any
		field   string
		says    string
	}{
		{"unknown user", "", body("6010", to("user", 99)), "dialaction.answer.actionarg1", "user 99 does not exist"},
		{"unknown group", "", body("6010", to("group", "98")), "dialaction.answer.actionarg1", "group 98 does not exist"},
		{"unknown meetme", "", body("6010", to("meetme", 97)), "dialaction.answer.actionarg1", "meetme 97 does not exist"},
		{"unknown voicemail", "", body("6010", to("voicemail", 96)), "dialaction.answer.actionarg1", "voicemail 96 does not exist"},
		{"a queue", "", body("6010", to("queue", 1)), "dialaction.answer.actionarg1", "queue 1 does not exist"},
		{"user id not a number", "", body("6010", to("user", "abc")), "dialaction.answer.actionarg1", "must be the id"},
		{"no destination id", "", body("6010", map[string]any{"actiontype": "group"}), "dialaction.answer.actionarg1", "must be the id"},
		{"unknown actiontype", "", body("6010", to("teleport", 1)), "dialaction.answer.actiontype", ""},
		{"bad endcall", "", body("6010", map[string]any{"actiontype": "endcall", "action": "explode"}), "dialaction.answer.action", ""},
		{"no answer", "", map[string]any{"incall": map[string]any{"exten": "6010", "context": "from-extern"}}, "dialaction.answer", ""},
		{"answer not an object", "", map[string]any{"incall": map[string]any{"exten": "6010", "context": "from-extern"}, "dialaction": map[string]any{"answer": "user"}}, "dialaction.answer", ""},
		{"other event", "", map[string]any{"incall": map[string]any{"exten": "6010", "context": "from-extern"}, "dialaction": map[string]any{"busy": user}}, "dialaction.busy", ""},
		{"taken DID", "", body("6000", user), "incall.exten", "incall " + id},
		{"outside the incall ranges", "", body("6100", user), "incall.exten", "incall number range"},
		{"a user number", "", map[string]any{"incall": map[string]any{"exten": "1001", "context": "default"}, "dialaction": map[string]any{"answer": user}}, "incall.exten", ""},
		{"no DID", "", body("", user), "incall.exten", ""},
		{"DID not digits", "", body("60x0", user), "incall.exten", ""},
		{"unknown context", "", map[string]any{"incall": map[string]any{"exten": "6010", "context": "nowhere"}, "dialaction": map[string]any{"answer": user}}, "incall.context", ""},
		{"no incall", "", map[string]any{"dialaction": map[string]any{"answer": user}}, "incall", ""},
		{"bad caller id mode", "", map[string]any{"incall": map[string]any{"exten": "6010", "context": "from-extern"}, "dialaction": map[string]any{"answer": user}, "callerid": map[string]any{"mode": "shout"}}, "callerid.mode", ""},
		{"LF in description", "", map[string]any{"incall": map[string]any{"exten": "6010", "context": "from-extern", "description": "a\nb"}, "dialaction": map[string]any{"answer": user}}, "incall.description", ""},
		{"huge DID", "", body(strings.Repeat("6", 41), user), "incall.exten", ""},
		{"DID as a list", "", body([]any{"6010"}, user), "incall.exten", ""},
		{"not JSON", "", []byte(`{"incall": [`), "body", ""},
		{"edit to an unknown user", "act=edit&id=" + id, map[string]any{"dialaction": map[string]any{"answer": to("user", 99)}}, "dialaction.answer.actionarg1", "user 99 does not exist"},
		{"edit to a queue", "act=edit&id=" + id, map[string]any{"dialaction": map[string]any{"answer": to("queue", "3")}}, "dialaction.answer.actionarg1", "queue 3 does not exist"},
		{"edit outside the ranges", "act=edit&id=" + id, map[string]any{"incall": map[string]any{"exten": "7000"}}, "incall.exten", ""},
	}
	before := incallTables(t, env)
	for _, tc := range cases {
		q := tc.q
		if q == "" {
			q = "act=add"
		}
		st, _, raw := c.do("POST", incallPath, q, tc.body)
		var e struct {
			Error  string            `json:"error"`
			Fields map[string]string `json:"fields"`
		}
		_ = json.Unmarshal(raw, &e)
		if st != http.StatusBadRequest || e.Fields[tc.field] == "" || !strings.Contains(e.Fields[tc.field]+" "+e.Error, tc.says) {
			t.Errorf("%s: %d %s, want 400 naming %s (%q)", tc.name, st, raw, tc.field, tc.says)
		}
	}
	if after := incallTables(t, env); after != before {
		t.Fatalf("refused writes changed the database:\n%s\n%s", before, after)
	}
}

// Deleting a user, group, conference room or voicemail box that an incall still sends
// calls to is refused with a message naming the incall, and nothing is deleted.
func TestIncallDestinationsCannotBeDeleted(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	uid, gid, mid, vid := destinations(t, c)
	targets := []struct{ kind, id, path, exten string }{
		{"user", uid, usersPath, "6001"}, {"group", gid, groupsPath, "6002"},
		{"meetme", mid, meetmePath, "6003"}, {"voicemail", vid, voicemailPath, "6004"},
	}
	incallOf := map[string]string{}
	for _, d := range targets {
		incallOf[d.kind] = c.add(incallPath, []byte(`{"incall": {"exten": "`+d.exten+`", "context": "from-extern"}, "dialaction": {"answer": {"actiontype": "`+d.kind+`", "actionarg1": "`+d.id+`"}}}`))
	}
	before := dbSnapshot(t, env) + tablesSnapshot(t, env, "groups", "meetmes", "incalls", "queue_members")
	for _, d := range targets {
		for _, q := range []string{"act=delete&id=" + d.id, "act=deleteall"} {
			if d.kind == "voicemail" && q == "act=deleteall" {
				continue // no deleteall
			}
			st, _, raw := c.do("GET", d.path, q, nil)
			if st < 400 || st >= 500 || !strings.Contains(string(raw), "incall "+incallOf[d.kind]) {
				t.Errorf("%s %s: %d %s, want a refusal naming incall %s", d.kind, q, st, raw, incallOf[d.kind])
			}
		}
	}
	if after := dbSnapshot(t, env) + tablesSnapshot(t, env, "groups", "meetmes", "incalls", "queue_members"); after != before {
		t.Fatalf("refused deletes changed the database:\n%s\n%s", before, after)
	}
	// Once the incalls are gone, every one of them can go.
	c.mustStatus(http.StatusOK, "GET", incallPath, "act=deleteall", nil)
	for _, d := range targets {
		c.mustStatus(http.StatusOK, "GET", d.path, "act=delete&id="+d.id, nil)
	}
}

// xivo-ws-wire.md §8 H1-H3 through the Go client (a queue destination is refused until
// pbxws has queues).
func TestIncallsAcceptanceScenariosThroughTheClient(t *testing.T) {
	env := testenv.Start(t)
	uid, gid, _, vid := destinations(t, newClient(t, env))
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx"}, false)
	ctx := context.Background()
	incalls := wsclient.New("localhost", "admin", "secret", wsclient.WithBaseURL(env.HTTPURL)).Incalls()
	r, err := incalls.RawAdd(ctx, wsclient.IncallBody(wsclient.Incall{Number: "6001", Context: "from-extern",
		Destination: wsclient.Destination{Type: "group", ID: gid}, CallerID: &wsclient.CallerIDMode{Mode: "prepend", Display: "VIP"}}))
	if err != nil || mustAtoi(r) <= 0 {
		t.Fatalf("H1 add: %q %v", r, err)
	}
	if found, err := incalls.SearchByNumber(ctx, 6001); err != nil || len(found) != 1 || found[0].ID != mustAtoi(r) {
		t.Fatalf("H1 search_by_number: %v %v", found, err)
	}
	for i, d := range []wsclient.Destination{{Type: "user", ID: mustAtoi(uid)}, {Type: "voicemail", ID: mustAtoi(vid)}} {
		if _, err := incalls.Add(ctx, wsclient.Incall{Number: 6002 + i, Context: "from-extern", Destination: d}); err != nil {
			t.Fatalf("H2 %s: %v", d.Type, err)
		}
	}
	_, err = incalls.RawAdd(ctx, wsclient.IncallBody(wsclient.Incall{Number: 6009, Context: "from-extern", Destination: wsclient.Destination{Type: "queue", ID: 1}}))
	if code := wsclient.StatusOf(err); code != http.StatusBadRequest {
		t.Fatalf("H2 queue: %v, want a 400 until queues exist", err)
	}
	if err := incalls.Edit(ctx, wsclient.Incall{ID: mustAtoi(r), Number: "6001", Context: "from-extern", Destination: wsclient.Destination{Type: "user", ID: uid}}); err != nil {
		t.Fatalf("H3 edit: %v", err)
	}
	if err := incalls.DeleteIfExists(ctx, "999"); err != nil {
		t.Fatalf("K3: %v", err)
	}
	if err := incalls.DeleteAll(ctx); err != nil {
		t.Fatal(err)
	}
	if all, err := incalls.List(ctx); err != nil || len(all) != 0 {
		t.Fatalf("H3 delete_all: %v %v", all, err)
	}
}
