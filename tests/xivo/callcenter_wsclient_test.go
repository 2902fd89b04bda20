package xivo_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"testing"

	"pbxws/tests/testenv"
	wsclient "pbxws/ws-client"
)

// wsInt reads a value the way xivo-ws's int() does (an int, or a string of digits); any
// other value would crash the client.
func wsInt(t *testing.T, what string, v any) int {
	t.Helper()
	switch x := v.(type) {
	case json.Number:
		if n, err := strconv.Atoi(x.String()); err == nil {
			return n
		}
	case float64:
		if x == float64(int(x)) {
			return int(x)
		}
	case string:
		if n, err := strconv.Atoi(x); err == nil {
			return n
		}
	}
	t.Fatalf("%s: %#v is not what int() reads", what, v)
	return 0
}

// wsRequire fails unless m carries every key (xivo-ws reads them unconditionally).
func wsRequire(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Fatalf("%s lacks %q: %v", what, k, m)
		}
	}
}

// wsIDs reads FLIST(key): the key of each item of a list, through int().
func wsIDs(t *testing.T, what string, v any, key string) []int {
	t.Helper()
	if v == nil || v == false {
		return []int{}
	}
	items, ok := v.([]any)
	if !ok {
		t.Fatalf("%s: %#v is not a list", what, v)
	}
	out := []int{}
	for _, it := range items {
		m, _ := it.(map[string]any)
		out = append(out, wsInt(t, what+"."+key, m[key]))
	}
	return out
}

// The xivo-ws-wire.md §8 scenarios F (agents), G (queues) and J3 (queue skill rules), in
// restricted mode through the Go client that sends what xivo-ws sends, each answer read
// with the rules xivo-ws reads it with.
func TestCallcenterXivoWSScenariosThroughTheClient(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx", "service/callcenter", "xivo/configuration"}, false)
	ctx := context.Background()
	c := wsclient.New("localhost", "admin", "secret", wsclient.WithBaseURL(env.HTTPURL))
	if _, err := c.Contexts().Add(ctx, wsclient.Context{Name: "default", DisplayName: "Default", Entity: "default", Type: "internal",
		Users: []wsclient.ContextRange{{Start: "1000", End: "1099"}}, Queues: []wsclient.ContextRange{{Start: "3000", End: "3099"}}}); err != nil {
		t.Fatal(err)
	}
	r, err := c.Users().Add(ctx, wsclient.User{Firstname: "Jack", Line: &wsclient.UserLine{Context: "default", Number: 1001}})
	if err != nil {
		t.Fatal(err)
	}
	uid := mustAtoi(r)

	// F1: number sent as an int; find_one_by_number(1) finds exactly one.
	agents := c.Agents()
	r, err = agents.RawAdd(ctx, wsclient.AgentBody(wsclient.Agent{Firstname: "Agent", Lastname: "1", Number: 1, Context: "default", Users: []any{uid}}))
	if err != nil || mustAtoi(r) <= 0 {
		t.Fatalf("F1 add: %q %v", r, err)
	}
	aid := mustAtoi(r)
	found, err := agents.RawSearch(ctx, "1")
	var byNumber []map[string]any
	for _, a := range found {
		if a["number"] == "1" {
			byNumber = append(byNumber, a)
		}
	}
	if err != nil || len(byNumber) != 1 {
		t.Fatalf("F1 find_one_by_number: %v %v", found, err)
	}
	// F2: the list item's keys, an int id; the view's agentfeatures and usermember.
	list, err := agents.RawList(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("F2 list: %v %v", list, err)
	}
	wsRequire(t, "F2 agent item", list[0], "id", "firstname", "lastname", "passwd", "number", "context")
	if _, isNumber := list[0]["id"].(json.Number); !isNumber || wsInt(t, "F2 id", list[0]["id"]) != aid {
		t.Fatalf("F2 id %#v, want the JSON int %d", list[0]["id"], aid)
	}
	view, err := agents.RawView(ctx, strconv.Itoa(aid))
	if err != nil {
		t.Fatalf("F2 view: %v", err)
	}
	af, _ := view["agentfeatures"].(map[string]any)
	wsRequire(t, "F2 agentfeatures", af, "id", "firstname", "lastname", "passwd", "number", "context")
	wsRequire(t, "F2 view", view, "usermember")
	if users := wsIDs(t, "F2 usermember", view["usermember"], "id"); !reflect.DeepEqual(users, []int{uid}) {
		t.Fatalf("F2 users %v, want [%d]", users, uid)
	}
	// F3: an edit with users=[] clears the links.
	if err := agents.RawEdit(ctx, strconv.Itoa(aid), wsclient.AgentBody(wsclient.Agent{Firstname: "Agent", Lastname: "1", Number: 1, Context: "default"})); err != nil {
		t.Fatalf("F3 edit: %v", err)
	}
	view, _ = agents.RawView(ctx, strconv.Itoa(aid))
	if users := wsIDs(t, "F3 usermember", view["usermember"], "id"); len(users) != 0 {
		t.Fatalf("F3 users %v", users)
	}

	// G1: a queue with an agent, a user and a ringing time of 10.
	queues := c.Queues()
	r, err = queues.RawAdd(ctx, wsclient.QueueBody(wsclient.Queue{Name: "q1", DisplayName: "Q 1", Number: 3000, Context: "default",
		Agents: []any{aid}, Users: []any{uid}, RingingTime: 10}))
	if err != nil || mustAtoi(r) <= 0 {
		t.Fatalf("G1 add: %q %v", r, err)
	}
	qid := mustAtoi(r)
	qs, err := queues.RawList(ctx)
	if err != nil || len(qs) != 1 {
		t.Fatalf("G1 list: %v %v", qs, err)
	}
	wsRequire(t, "G1 queue item", qs[0], "id", "name", "displayname", "number", "context", "timeout", "waittime", "waitratio")
	if wsInt(t, "G1 id", qs[0]["id"]) != qid || wsInt(t, "G1 timeout", qs[0]["timeout"]) != 10 || qs[0]["number"] != "3000" {
		t.Fatalf("G1 item: %v", qs[0])
	}
	// G2: the view's members, no schedule, maxlen 0, wrapuptime present.
	qv, err := queues.RawView(ctx, strconv.Itoa(qid))
	if err != nil {
		t.Fatalf("G2 view: %v", err)
	}
	qf, _ := qv["queuefeatures"].(map[string]any)
	wsRequire(t, "G2 queuefeatures", qf, "id", "name", "displayname", "number", "context", "timeout", "waittime", "waitratio")
	qq, _ := qv["queue"].(map[string]any)
	wsRequire(t, "G2 queue", qq, "maxlen", "joinempty", "leavewhenempty", "wrapuptime")
	if got := wsIDs(t, "G2 agent", qv["agent"], "userid"); !reflect.DeepEqual(got, []int{aid}) {
		t.Fatalf("G2 agents %v", got)
	}
	if got := wsIDs(t, "G2 user", qv["user"], "id"); !reflect.DeepEqual(got, []int{uid}) {
		t.Fatalf("G2 users %v", got)
	}
	if _, has := qv["schedule_id"]; has || wsInt(t, "G2 maxlen", qq["maxlen"]) != 0 {
		t.Fatalf("G2 schedule_id %v maxlen %v", qv["schedule_id"], qq["maxlen"])
	}
	// G3: a queue following a schedule shows its int id.
	sr, err := c.Service("schedules").RawAdd(ctx, wsclient.ScheduleBody(wsclient.Schedule{Name: "office", EntityID: 1, Timezone: "Europe/Paris",
		Opened: []map[string]any{{"hours": "08:00-12:00", "weekdays": "1-5", "monthdays": "1-31", "months": "1-12"}}}))
	if err != nil {
		t.Fatalf("G3 schedule: %v", err)
	}
	sid := mustAtoi(sr)
	r, err = queues.RawAdd(ctx, wsclient.QueueBody(wsclient.Queue{Name: "q2", DisplayName: "Q 2", Number: "3001", Context: "default", ScheduleID: &sid}))
	if err != nil {
		t.Fatalf("G3 add: %v", err)
	}
	if v, _ := queues.RawView(ctx, r); wsInt(t, "G3 schedule_id", v["schedule_id"]) != sid {
		t.Fatalf("G3 view: %v", v)
	}
	// G4: view → edit round trip with a new display name (the client rebuilds its body).
	q := wsclient.Queue{ID: qid, Name: qf["name"].(string), DisplayName: "Q one", Number: qf["number"], Context: qf["context"].(string),
		RingingTime: wsInt(t, "G4 timeout", qf["timeout"]), Agents: []any{aid}, Users: []any{uid}}
	if err := queues.RawEdit(ctx, strconv.Itoa(qid), wsclient.QueueBody(q)); err != nil {
		t.Fatalf("G4 edit: %v", err)
	}
	if v, _ := queues.RawView(ctx, strconv.Itoa(qid)); v["queuefeatures"].(map[string]any)["displayname"] != "Q one" {
		t.Fatalf("G4 view: %v", v)
	}
	// K2, K3: unknown ids.
	for _, s := range []*wsclient.Service{agents, queues, c.QueueSkillRules()} {
		if _, err := s.RawView(ctx, "999"); wsclient.StatusOf(err) != http.StatusNotFound {
			t.Fatalf("%s view 999: %v", s.Name, err)
		}
		if err := s.DeleteIfExists(ctx, "999"); err != nil {
			t.Fatalf("%s delete_if_exists 999: %v", s.Name, err)
		}
	}
	if err := queues.RawEdit(ctx, "999", wsclient.QueueBody(q)); wsclient.StatusOf(err) != http.StatusNotFound {
		t.Fatalf("queues edit 999: %v", err)
	}

	// J3: queue skill rules.
	rules := c.QueueSkillRules()
	r, err = rules.RawAdd(ctx, wsclient.QueueSkillRulesBody(wsclient.QueueSkillRules{Name: "r1", Rule: []string{"english > 50"}}))
	if err != nil {
		t.Fatalf("J3 add: %v", err)
	}
	rv, err := rules.RawView(ctx, r)
	if err != nil || wsInt(t, "J3 id", rv["id"]) != mustAtoi(r) || !reflect.DeepEqual(rv["rule"], []any{"english > 50"}) {
		t.Fatalf("J3 view: %v %v", rv, err)
	}
	found, err = rules.RawSearch(ctx, "r1")
	n := 0
	for _, it := range found {
		if it["name"] == "r1" {
			n++
		}
	}
	if err != nil || n != 1 {
		t.Fatalf("J3 search_by_name: %v %v", found, err)
	}
	if err := rules.Delete(ctx, r); err != nil {
		t.Fatalf("J3 delete: %v", err)
	}

	// Queues have no deleteall in xivo-ws's typed API (nor on the server).
	if err := queues.DeleteAll(ctx); err == nil {
		t.Fatal("queues.delete_all is offered")
	}
	if err := queues.Delete(ctx, strconv.Itoa(qid)); err != nil {
		t.Fatalf("queue delete: %v", err)
	}
	// F4: delete_all empties the agents.
	if err := agents.DeleteAll(ctx); err != nil {
		t.Fatalf("F4: %v", err)
	}
	if list, err := agents.RawList(ctx); err != nil || len(list) != 0 {
		t.Fatalf("F4 list: %v %v", list, err)
	}
}

// Restricted mode: an account needs the section (or an ancestor); without it, 403; every
// call-center path answers both modes.
func TestCallcenterRestrictedModeNeedsTheSection(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "ipbx", "ipbx", "secret", nil, []string{"service/ipbx"}, false)
	account(t, env, "queues", "queues", "secret", nil, []string{"service/callcenter/settings/queues"}, false)
	account(t, env, "cc", "cc", "secret", nil, []string{"service/callcenter"}, false)
	c := newClient(t, env)
	for _, sub := range []string{"agents", "queues", "queueskills", "queueskillrules"} {
		path := "/callcenter/json.php/restricted/settings/" + sub + "/"
		for _, tc := range []struct {
			login string
			want  int
		}{{"", http.StatusUnauthorized}, {"ipbx", http.StatusForbidden}, {"cc", http.StatusNoContent}} {
			c.user, c.pass = tc.login, "secret"
			if st, _, raw := c.do("GET", path, "act=list", nil); st != tc.want {
				t.Errorf("%s as %q: %d %s, want %d", sub, tc.login, st, raw, tc.want)
			}
		}
		c.user, c.pass = "queues", "secret"
		want := http.StatusForbidden
		if sub == "queues" {
			want = http.StatusNoContent
		}
		if st, _, _ := c.do("GET", path, "act=list", nil); st != want {
			t.Errorf("%s with only the queues section: %d, want %d", sub, st, want)
		}
		c.user = ""
		if st, _, _ := c.do("GET", "/callcenter/json.php/private/settings/"+sub+"/", "act=list", nil); st != http.StatusNoContent {
			t.Errorf("%s private: %d", sub, st)
		}
	}
	// A write in restricted mode lands like a private one.
	c.user, c.pass = "cc", "secret"
	st, _, raw := c.do("POST", "/callcenter/json.php/restricted/settings/queueskills/", "act=add", map[string]any{"name": "english", "category_name": "langs"})
	if st != http.StatusOK || string(raw) != "\"1\"\n" {
		t.Fatalf("restricted add: %d %q", st, raw)
	}
}
