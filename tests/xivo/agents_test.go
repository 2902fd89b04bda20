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

const (
	agentsPath     = "/callcenter/json.php/private/settings/agents/"
	queuesPath     = "/callcenter/json.php/private/settings/queues/"
	skillsPath     = "/callcenter/json.php/private/settings/queueskills/"
	skillRulesPath = "/callcenter/json.php/private/settings/queueskillrules/"
)

// callcenterSetup adds the contexts the call-center tests share: "default" (users
// 1000-1099, queues 3000-3099) and "from-extern" (incalls 6000-6099), and the users Jack
// (line 1001) and Ann (line 1002).
func callcenterSetup(t *testing.T, c *xc) (jack, ann int) {
	t.Helper()
	c.mustStatus(http.StatusOK, "POST", contextsPath, "act=add", map[string]any{
		"context":        map[string]any{"name": "default", "displayname": "Default", "entity": "default", "contexttype": "internal"},
		"contextinclude": []string{},
		"contextnumbers": map[string]any{
			"user":  []any{map[string]any{"numberbeg": "1000", "numberend": "1099"}},
			"queue": []any{map[string]any{"numberbeg": "3000", "numberend": "3099"}},
		},
	})
	c.mustStatus(http.StatusOK, "POST", contextsPath, "act=add", map[string]any{
		"context":        map[string]any{"name": "from-extern", "displayname": "Incoming", "entity": "default", "contexttype": "incall"},
		"contextinclude": []string{},
		"contextnumbers": map[string]any{"incall": []any{map[string]any{"numberbeg": "6000", "numberend": "6099", "didlength": 4}}},
	})
	jack = addUser(t, c, `{"userfeatures": {"firstname": "Jack", "lastname": "Johnson"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1001"]}}`)
	ann = addUser(t, c, `{"userfeatures": {"firstname": "Ann"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1002"]}}`)
	return jack, ann
}

// callcenterTables renders every table call-center writes touch.
func callcenterTables(t *testing.T, env *testenv.Env) string {
	t.Helper()
	s := tablesSnapshot(t, env, "agents", "agent_skills", "queue_skills", "queue_skill_categories", "queue_skill_rules",
		"queues", "queue_members", "dialactions", "extensions")
	var links string
	if err := env.DB.QueryRow(`SELECT coalesce(string_agg(id || ':' || agentid, ',' ORDER BY id), '') FROM users WHERE agentid IS NOT NULL`).Scan(&links); err != nil {
		t.Fatal(err)
	}
	return s + "\nusers.agentid=" + links
}

// fieldsOf decodes the fields of an error body.
func fieldsOf(raw []byte) map[string]string {
	var e struct {
		Fields map[string]string `json:"fields"`
	}
	_ = json.Unmarshal(raw, &e)
	return e.Fields
}

func TestAgentsEveryAct(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	jack, ann := callcenterSetup(t, c)
	if items := c.list(agentsPath, "act=list"); items != nil {
		t.Fatalf("empty list: %v", items)
	}
	skill := c.add(skillsPath, []byte(`{"name": "english", "category_name": "langs", "description": "English", "printscreen": "Eng"}`))
	qid := c.add(queuesPath, []byte(`{"queuefeatures": {"name": "sales", "number": "3001", "context": "default"}}`))

	id := c.add(agentsPath, []byte(fmt.Sprintf(`{"agentfeatures": {"numgroup": "1", "number": "160", "context": "default",
		"autologoff": "10", "firstname": "Alice", "lastname": "Smith", "passwd": "1234", "language": "fr_FR", "description": "day shift"},
		"user-select": ["%d"], "queue-select": [%s], "queueskills": [{"id": "%s", "weight": "50"}]}`, jack, qid, skill)))
	var number, passwd, lang, members string
	var autologoff, linked, weight int
	if err := env.DB.QueryRow(`SELECT a.number, a.passwd, a.language, a.autologoff,
		(SELECT id FROM users WHERE agentid = a.id), (SELECT weight FROM agent_skills WHERE agent_id = a.id),
		(SELECT string_agg(queue_id || ':' || name || ':' || penalty, ',') FROM queue_members WHERE usertype = 'agent' AND userid = a.id)
		FROM agents a WHERE a.id = $1`, id).Scan(&number, &passwd, &lang, &autologoff, &linked, &weight, &members); err != nil {
		t.Fatal(err)
	}
	if number != "160" || passwd != "1234" || lang != "fr_FR" || autologoff != 10 || linked != jack || weight != 50 || members != qid+":sales:0" {
		t.Fatalf("stored %q %q %q %d %d %d %q", number, passwd, lang, autologoff, linked, weight, members)
	}

	items := c.list(agentsPath, "act=list")
	if len(items) != 1 || items[0]["id"] != float64(mustAtoi(id)) || items[0]["number"] != "160" || items[0]["firstname"] != "Alice" ||
		items[0]["passwd"] != "1234" || items[0]["context"] != "default" || items[0]["commented"] != false {
		t.Fatalf("list: %v", items)
	}
	for _, term := range []string{"ali", "Smi", "160", "alice smith"} {
		if found := c.list(agentsPath, "act=search&search="+strings.ReplaceAll(term, " ", "+")); len(found) != 1 {
			t.Fatalf("search %q: %v", term, found)
		}
	}
	if found := c.list(agentsPath, "act=search&search=nomatch"); found != nil {
		t.Fatalf("search nomatch: %v", found)
	}
	c.mustStatus(http.StatusNoContent, "GET", agentsPath, "act=search&search=", nil)

	view := c.object(agentsPath, "act=view&id="+id)
	if af := view["agentfeatures"].(map[string]any); af["number"] != "160" || af["id"] != float64(mustAtoi(id)) || af["lastname"] != "Smith" {
		t.Fatalf("view agentfeatures: %v", af)
	}
	if um, _ := view["usermember"].([]any); len(um) != 1 || um[0].(map[string]any)["id"] != float64(jack) {
		t.Fatalf("view usermember: %v", view["usermember"])
	}
	if qs, _ := view["queueskills"].([]any); len(qs) != 1 || qs[0].(map[string]any)["name"] != "english" || qs[0].(map[string]any)["weight"] != float64(50) {
		t.Fatalf("view queueskills: %v", view["queueskills"])
	}
	if qm, _ := view["queuemember"].([]any); len(qm) != 1 || qm[0].(map[string]any)["queue_name"] != "sales" {
		t.Fatalf("view queuemember: %v", view["queuemember"])
	}
	if ag := view["agentgroup"].(map[string]any); ag["name"] != "default" {
		t.Fatalf("view agentgroup: %v", ag)
	}
	// An id no agent has is tried as an agent number (XiVO did, then lost the answer).
	if byNumber := c.object(agentsPath, "act=view&id=160"); byNumber["agentfeatures"].(map[string]any)["id"] != float64(mustAtoi(id)) {
		t.Fatalf("view by number: %v", byNumber)
	}
	// The queue's view lists the agent too.
	if qa, _ := c.object(queuesPath, "act=view&id="+qid)["agent"].([]any); len(qa) != 1 || qa[0].(map[string]any)["userid"] != float64(mustAtoi(id)) {
		t.Fatalf("queue view agent: %v", qa)
	}

	// Edit merges: a first name alone keeps the users, skills and queues.
	c.mustStatus(http.StatusOK, "POST", agentsPath, "act=edit&id="+id, map[string]any{"agentfeatures": map[string]any{"firstname": "Alicia"}})
	view = c.object(agentsPath, "act=view&id="+id)
	if af := view["agentfeatures"].(map[string]any); af["firstname"] != "Alicia" || af["passwd"] != "1234" || af["language"] != "fr_FR" {
		t.Fatalf("after edit: %v", af)
	}
	if um, _ := view["usermember"].([]any); len(um) != 1 {
		t.Fatalf("edit dropped the users: %v", view)
	}
	// The view posted back is accepted and changes nothing.
	before := callcenterTables(t, env)
	_, _, raw := c.do("GET", agentsPath, "act=view&id="+id, nil)
	c.mustStatus(http.StatusOK, "POST", agentsPath, "act=edit&id="+id, json.RawMessage(raw))
	if after := callcenterTables(t, env); after != before {
		t.Fatalf("view posted back changed the agent:\n%s\n%s", before, after)
	}
	// user-select replaces the linked users: Ann instead of Jack, then nobody.
	c.mustStatus(http.StatusOK, "POST", agentsPath, "act=edit&id="+id, map[string]any{"user-select": []any{ann}})
	if err := env.DB.QueryRow(`SELECT string_agg(id::text, ',') FROM users WHERE agentid = $1`, id).Scan(&members); err != nil || members != strconv.Itoa(ann) {
		t.Fatalf("after replacing the users: %q %v", members, err)
	}
	// A user's own list item shows its agent.
	for _, u := range c.list(usersPath, "act=list") {
		if want := any(nil); u["id"] == float64(ann) {
			want = float64(mustAtoi(id))
			if u["agentid"] != want {
				t.Fatalf("user list agentid: %v", u)
			}
		}
	}
	c.mustStatus(http.StatusOK, "POST", agentsPath, "act=edit&id="+id, map[string]any{"user-select": []any{}})
	var n int
	if err := env.DB.QueryRow(`SELECT count(*) FROM users WHERE agentid IS NOT NULL`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("user-select [] left %d links (%v)", n, err)
	}
	if um, _ := c.object(agentsPath, "act=view&id="+id)["usermember"].([]any); len(um) != 0 {
		t.Fatalf("usermember after clearing: %v", um)
	}
	// queueskills and queue-select replace theirs too.
	c.mustStatus(http.StatusOK, "POST", agentsPath, "act=edit&id="+id, map[string]any{"queueskills": []any{}, "queue-select": []any{}})
	if err := env.DB.QueryRow(`SELECT (SELECT count(*) FROM agent_skills) + (SELECT count(*) FROM queue_members)`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("clearing skills and queues left %d rows (%v)", n, err)
	}

	// Unknown ids: 404 on view, edit and delete.
	for _, q := range []string{"act=view&id=99", "act=delete&id=99", "act=view&id=", "act=view&id=x"} {
		c.mustStatus(http.StatusNotFound, "GET", agentsPath, q, nil)
	}
	c.mustStatus(http.StatusNotFound, "POST", agentsPath, "act=edit&id=99", map[string]any{"agentfeatures": map[string]any{"firstname": "x"}})

	// Delete unlinks the users and takes the agent's queue places with it.
	c.mustStatus(http.StatusOK, "POST", agentsPath, "act=edit&id="+id, map[string]any{"user-select": []any{jack}, "queue-select": []any{qid}})
	second := c.add(agentsPath, []byte(`{"agentfeatures": {"number": "161", "context": "default", "firstname": "Bob", "numgroup": "2", "autologoff": "0"}, "user-select": []}`))
	c.mustStatus(http.StatusOK, "GET", agentsPath, "act=delete&id="+id, nil)
	if err := env.DB.QueryRow(`SELECT (SELECT count(*) FROM agents) * 100 + (SELECT count(*) FROM users WHERE agentid IS NOT NULL) * 10
		+ (SELECT count(*) FROM queue_members WHERE usertype = 'agent')`).Scan(&n); err != nil || n != 100 {
		t.Fatalf("after delete: %d (agents*100 + links*10 + members) (%v)", n, err)
	}
	if ag := c.object(agentsPath, "act=view&id="+second)["agentgroup"].(map[string]any); ag["id"] != float64(2) {
		t.Fatalf("numgroup 2: %v", ag)
	}
	c.mustStatus(http.StatusOK, "GET", agentsPath, "act=deleteall", nil)
	c.mustStatus(http.StatusNoContent, "GET", agentsPath, "act=deleteall", nil)
	if items := c.list(agentsPath, "act=list"); items != nil {
		t.Fatalf("after deleteall: %v", items)
	}
}

// Bad agent bodies get a 400 naming the field and the rule, and change nothing.
func TestAgentsBadInputIsRefusedAndChangesNothing(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	jack, ann := callcenterSetup(t, c)
	skill := c.add(skillsPath, []byte(`{"name": "english", "category_name": "langs"}`))
	c.add(agentsPath, []byte(fmt.Sprintf(`{"agentfeatures": {"number": "160", "context": "default", "firstname": "A", "numgroup": "1", "autologoff": "0"}, "user-select": [%d]}`, jack)))
	other := c.add(agentsPath, []byte(`{"agentfeatures": {"number": "170", "context": "default", "firstname": "B", "numgroup": "1", "autologoff": "0"}, "user-select": []}`))
	var base map[string]any
	af := func(over map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range over {
			out[k] = v
		}
		return out
	}
	type tcase struct {
		name  string
		body  func() any
		field string
	}
	over := func(k string, v any) func() any {
		return func() any { return map[string]any{"agentfeatures": af(map[string]any{k: v}), "user-select": []any{}} }
	}
	with := func(k string, v any) func() any {
		return func() any { return map[string]any{"agentfeatures": af(nil), k: v} }
	}
	cases := []tcase{
		{"bad password", over("passwd", "12ab"), "agentfeatures.passwd"},
		{"numgroup 0", over("numgroup", "0"), "agentfeatures.numgroup"},
		{"numgroup 64", over("numgroup", 64), "agentfeatures.numgroup"},
		{"autologoff 7", over("autologoff", "7"), "agentfeatures.autologoff"},
		{"autologoff 65", over("autologoff", "65"), "agentfeatures.autologoff"},
		{"autologoff not a number", over("autologoff", "soon"), "agentfeatures.autologoff"},
		{"unknown context", over("context", "nowhere"), "agentfeatures.context"},
		{"bad language", over("language", "french"), "agentfeatures.language"},
		{"CR LF in a name", over("firstname", "a\r\nb"), "agentfeatures.firstname"},
		{"unknown user", with("user-select", []any{999}), "user-select[0]"},
		{"user not an id", with("user-select", []any{"x"}), "user-select[0]"},
		{"user listed twice", with("user-select", []any{ann, ann}), "user-select[1]"},
		{"users not a list", with("user-select", "1"), "user-select"},
		{"unknown skill", with("queueskills", []any{map[string]any{"id": 999, "weight": 1}}), "queueskills[0].id"},
		{"skill weight too big", with("queueskills", []any{map[string]any{"id": skill, "weight": 101}}), "queueskills[0].weight"},
		{"skill not an object", with("queueskills", []any{skill}), "queueskills[0]"},
		{"unknown queue", with("queue-select", []any{999}), "queue-select[0].id"},
		{"not JSON", func() any { return []byte(`{"agentfeatures": `) }, "body"},
	}
	addOnly := []tcase{
		{"no agentfeatures", func() any { return map[string]any{"user-select": []any{}} }, "agentfeatures"},
		{"no number", over("number", ""), "agentfeatures.number"},
		{"number not digits", over("number", "16a"), "agentfeatures.number"},
		{"another agent's number", over("number", "170"), "agentfeatures.number"},
		{"another agent's user", with("user-select", []any{jack}), "user-select[0]"},
	}
	editOnly := []tcase{
		{"number changed", over("number", "161"), "agentfeatures.number"},
	}
	before := callcenterTables(t, env)
	check := func(q string, tc tcase) {
		st, _, raw := c.do("POST", agentsPath, q, tc.body())
		if st != http.StatusBadRequest || fieldsOf(raw)[tc.field] == "" {
			t.Errorf("%s (%s): %d %s, want 400 naming %s", tc.name, q, st, raw, tc.field)
		}
	}
	base = map[string]any{"number": "180", "context": "default", "firstname": "C", "numgroup": "1", "autologoff": "0"}
	for _, tc := range append(cases, addOnly...) {
		check("act=add", tc)
	}
	base = map[string]any{"number": "170", "context": "default", "firstname": "B"}
	for _, tc := range append(cases, editOnly...) {
		check("act=edit&id="+other, tc)
	}
	// Jack belongs to the first agent: the second cannot take him.
	check("act=edit&id="+other, tcase{"another agent's user", with("user-select", []any{jack}), "user-select[0]"})
	if after := callcenterTables(t, env); after != before {
		t.Fatalf("refused writes changed the database:\n%s\n%s", before, after)
	}
}
