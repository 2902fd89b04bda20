package xivo_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"pbxws/tests/testenv"
)

// The seed document's skills examples, byte for byte: the list answer is exactly its
// "Return code example", and so is the view of one skill.
func TestQueueSkillsSeedExamples(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	if items := c.list(skillsPath, "act=list"); items != nil {
		t.Fatalf("empty list: %v", items)
	}
	if id := c.add(skillsPath, []byte(`{"name": "english", "description": "English", "printscreen": "Eng", "category_name": "langs"}`)); id != "1" {
		t.Fatalf("first id %q", id)
	}
	c.add(skillsPath, []byte(`{"name": "french", "description": "French", "printscreen": "Fr", "category_name": "langs"}`))
	var want, got any
	_ = json.Unmarshal([]byte(`[{"id": "1", "name": "english", "description": "English", "printscreen": "Eng", "category_name": "langs"},
		{"id": "2", "name": "french", "description": "French", "printscreen": "Fr", "category_name": "langs"}]`), &want)
	_, _, raw := c.do("GET", skillsPath, "act=list", nil)
	if err := json.Unmarshal(raw, &got); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("list %s, want the seed's example", raw)
	}
	_ = json.Unmarshal([]byte(`{"id": "1", "name": "english", "description": "English", "printscreen": "Eng", "category_name": "langs"}`), &want)
	_, _, raw = c.do("GET", skillsPath, "act=view&id=1", nil)
	if err := json.Unmarshal(raw, &got); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("view %s, want the seed's example", raw)
	}
	// The seed's add example (its missing comma fixed) creates the category "business".
	if id := c.add(skillsPath, []byte(`{"name": "service", "printscreen": "svc", "category_name": "business", "description": "answer to customer service"}`)); id != "3" {
		t.Fatalf("third id %q", id)
	}
	var cats string
	if err := env.DB.QueryRow(`SELECT string_agg(name, ',' ORDER BY id) FROM queue_skill_categories`).Scan(&cats); err != nil || cats != "langs,business" {
		t.Fatalf("categories %q %v", cats, err)
	}
	// The seed's view URL spells the path "queuesskills": no such endpoint.
	c.mustStatus(http.StatusNotFound, "GET", "/callcenter/json.php/private/settings/queuesskills/", "act=view&id=1", nil)
	// Delete keeps the category.
	c.mustStatus(http.StatusOK, "GET", skillsPath, "act=delete&id=3", nil)
	var skills int
	if err := env.DB.QueryRow(`SELECT (SELECT count(*) FROM queue_skills), (SELECT string_agg(name, ',' ORDER BY id) FROM queue_skill_categories)`).Scan(&skills, &cats); err != nil ||
		skills != 2 || cats != "langs,business" {
		t.Fatalf("after delete: %d skills, categories %q, %v", skills, cats, err)
	}
}

func TestQueueSkillsEveryAct(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	callcenterSetup(t, c)
	id := c.add(skillsPath, []byte(`{"name": "english", "description": "English", "printscreen": "Eng", "category_name": "langs"}`))
	c.add(skillsPath, []byte(`{"name": "billing", "category_name": "business"}`))
	for term, n := range map[string]int{"engl": 1, "Eng": 1, "langs": 1, "busi": 1, "i": 2} {
		if found := c.list(skillsPath, "act=search&search="+term); len(found) != n {
			t.Fatalf("search %q: %v, want %d", term, found, n)
		}
	}
	for _, q := range []string{"act=search&search=nomatch", "act=search&search="} {
		c.mustStatus(http.StatusNoContent, "GET", skillsPath, q, nil)
	}
	for _, q := range []string{"act=view&id=99", "act=view&id=x", "act=view&id=", "act=delete&id=99", "act=delete&id=x"} {
		c.mustStatus(http.StatusNotFound, "GET", skillsPath, q, nil)
	}
	// Skills have no edit (json.php has none).
	c.mustStatus(http.StatusBadRequest, "POST", skillsPath, "act=edit&id="+id, map[string]any{"name": "x"})

	// A skill an agent holds cannot be deleted; the answer names the agent.
	aid := c.add(agentsPath, []byte(fmt.Sprintf(`{"agentfeatures": {"number": "160", "context": "default", "numgroup": "1", "autologoff": "0"},
		"user-select": [], "queueskills": [{"id": %s, "weight": 10}]}`, id)))
	before := callcenterTables(t, env)
	st, _, raw := c.do("GET", skillsPath, "act=delete&id="+id, nil)
	if st < 400 || st == 500 || !strings.Contains(string(raw), "agent "+aid) {
		t.Fatalf("delete held skill: %d %s", st, raw)
	}
	if after := callcenterTables(t, env); after != before {
		t.Fatalf("refused delete changed the database:\n%s\n%s", before, after)
	}

	// Bad bodies: 400 naming the field, nothing written.
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"no name", map[string]any{"category_name": "langs"}, "name"},
		{"no category", map[string]any{"name": "x"}, "category_name"},
		{"empty name", map[string]any{"name": "", "category_name": "langs"}, "name"},
		{"bad name", map[string]any{"name": "a b", "category_name": "langs"}, "name"},
		{"long printscreen", map[string]any{"name": "x", "category_name": "langs", "printscreen": "ABCDEF"}, "printscreen"},
		{"duplicate name", map[string]any{"name": "english", "category_name": "other"}, "name"},
		{"name as a list", map[string]any{"name": []any{"x"}, "category_name": "langs"}, "name"},
		{"CR LF in description", map[string]any{"name": "x", "category_name": "langs", "description": "a\r\nb"}, "description"},
		{"not JSON", []byte(`{"name": `), "body"},
	} {
		st, _, raw := c.do("POST", skillsPath, "act=add", tc.body)
		if st != http.StatusBadRequest || fieldsOf(raw)[tc.field] == "" {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.name, st, raw, tc.field)
		}
	}
	if after := callcenterTables(t, env); after != before {
		t.Fatalf("refused adds changed the database:\n%s\n%s", before, after)
	}
}

func TestQueueSkillRulesEveryAct(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	callcenterSetup(t, c)
	if items := c.list(skillRulesPath, "act=list"); items != nil {
		t.Fatalf("empty list: %v", items)
	}
	id := c.add(skillRulesPath, []byte(`{"name": "r1", "rule": ["english > 50"]}`))
	second := c.add(skillRulesPath, []byte(`{"name": "a_rule", "rule": ["WT < 60, english > 70 & (french > 20 | !german)", "$level >= 3"]}`))
	var rules string
	if err := env.DB.QueryRow(`SELECT array_to_string(rules, '|') FROM queue_skill_rules WHERE id = $1`, second).Scan(&rules); err != nil ||
		rules != "WT < 60, english > 70 & (french > 20 | !german)|$level >= 3" {
		t.Fatalf("stored %q %v", rules, err)
	}
	// list is by name.
	items := c.list(skillRulesPath, "act=list")
	if len(items) != 2 || items[0]["name"] != "a_rule" || items[1]["name"] != "r1" || items[1]["id"] != float64(mustAtoi(id)) ||
		!reflect.DeepEqual(items[1]["rule"], []any{"english > 50"}) {
		t.Fatalf("list: %v", items)
	}
	view := c.object(skillRulesPath, "act=view&id="+id)
	if view["name"] != "r1" || !reflect.DeepEqual(view["rule"], []any{"english > 50"}) || view["id"] != float64(mustAtoi(id)) {
		t.Fatalf("view: %v", view)
	}
	for term, n := range map[string]int{"r1": 1, "RULE": 1, "english": 2, "french": 1, "$level": 1} {
		if found := c.list(skillRulesPath, "act=search&search="+strings.ReplaceAll(term, "$", "%24")); len(found) != n {
			t.Fatalf("search %q: %v, want %d", term, found, n)
		}
	}
	c.mustStatus(http.StatusNoContent, "GET", skillRulesPath, "act=search&search=nomatch", nil)
	for _, q := range []string{"act=view&id=99", "act=view&id=x", "act=view&id=", "act=delete&id=99"} {
		c.mustStatus(http.StatusNotFound, "GET", skillRulesPath, q, nil)
	}
	// XiVO's stored form, rules joined with ";", is read too.
	joined := c.add(skillRulesPath, []byte(`{"name": "joined", "rule": "english > 10; french > 10"}`))
	if v := c.object(skillRulesPath, "act=view&id="+joined); !reflect.DeepEqual(v["rule"], []any{"english > 10", "french > 10"}) {
		t.Fatalf("joined rules: %v", v)
	}
	// A rule set a queue uses cannot be deleted.
	c.add(queuesPath, []byte(fmt.Sprintf(`{"queuefeatures": {"name": "sales", "number": "3001", "context": "default"}, "skill_rule_id": %s}`, second)))
	before := callcenterTables(t, env)
	st, _, raw := c.do("GET", skillRulesPath, "act=delete&id="+second, nil)
	if st < 400 || st == 500 || !strings.Contains(string(raw), "queue sales") {
		t.Fatalf("delete used rule: %d %s", st, raw)
	}
	if after := callcenterTables(t, env); after != before {
		t.Fatalf("refused delete changed the database:\n%s\n%s", before, after)
	}

	// A rule that does not parse: 400 naming the rule and the position.
	for _, tc := range []struct {
		rule string
		pos  string
	}{
		{"english >", "position 10"},
		{"english > > 5", "position 11"},
		{"(english > 5", "position 13"},
		{"english > 5 &", "position 14"},
		{"english = 5 french", "position 13"},
		{"WT < 60, english > 5, french > 2", "position 21"},
		{"english ; french", "position 9"},
		{"", "position 1"},
	} {
		st, _, raw := c.do("POST", skillRulesPath, "act=add", map[string]any{"name": "bad", "rule": []any{"english > 1", tc.rule}})
		rule := fieldsOf(raw)["rule[1]"]
		if st != http.StatusBadRequest || !strings.Contains(rule, tc.pos) {
			t.Errorf("rule %q: %d %s, want 400 naming rule[1] at %s", tc.rule, st, raw, tc.pos)
		}
	}
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"no name", map[string]any{"rule": []any{}}, "name"},
		{"no rule", map[string]any{"name": "x"}, "rule"},
		{"duplicate name", map[string]any{"name": "r1", "rule": []any{}}, "name"},
		{"bad name", map[string]any{"name": "a b", "rule": []any{}}, "name"},
		{"rule not a string", map[string]any{"name": "x", "rule": []any{5}}, "rule[0]"},
		{"rule an object", map[string]any{"name": "x", "rule": map[string]any{}}, "rule"},
	} {
		st, _, raw := c.do("POST", skillRulesPath, "act=add", tc.body)
		if st != http.StatusBadRequest || fieldsOf(raw)[tc.field] == "" {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.name, st, raw, tc.field)
		}
	}
	if after := callcenterTables(t, env); after != before {
		t.Fatalf("refused adds changed the database:\n%s\n%s", before, after)
	}
	c.mustStatus(http.StatusOK, "GET", skillRulesPath, "act=delete&id="+id, nil)
	if n := len(c.list(skillRulesPath, "act=list")); n != 2 {
		t.Fatalf("after delete: %d rule sets", n)
	}
}

// Every call-center URL of the seed document, exactly as it writes it (restricted mode, no
// trailing slash), answers as documented.
func TestCallcenterSeedURLs(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "cc", "cc", "secret", nil, []string{"service/callcenter", "service/ipbx"}, false)
	c := newClient(t, env)
	callcenterSetup(t, c)
	c.user, c.pass = "cc", "secret"
	const root = "/callcenter/json.php/restricted/settings/"
	aid := c.add(root+"agents", []byte(`{"agentfeatures": {"numgroup": "1", "number": "160", "context": "default", "autologoff": "0", "firstname": "A"}, "user-select": []}`))
	if v := c.object(root+"agents", "act=view&id="+aid); v["agentfeatures"].(map[string]any)["number"] != "160" {
		t.Fatalf("agents view: %v", v)
	}
	if l := c.list(root+"agents", "act=list"); len(l) != 1 {
		t.Fatalf("agents list: %v", l)
	}
	sid := c.add(root+"queueskills", []byte(`{"name": "service", "printscreen": "svc", "category_name": "business", "description": "answer to customer service"}`))
	if l := c.list(root+"queueskills", "act=list"); len(l) != 1 || l[0]["id"] != sid {
		t.Fatalf("queueskills list: %v", l)
	}
	c.mustStatus(http.StatusNotFound, "GET", root+"queuesskills", "act=view&id="+sid, nil)
	c.mustStatus(http.StatusOK, "GET", root+"queueskills", "act=delete&id="+sid, nil)
	qid := c.add(root+"queues", []byte(`{"queuefeatures": {"name": "sales", "number": "3001", "context": "default"}}`))
	if v := c.object(root+"queues", "act=view&id="+qid); v["queuefeatures"].(map[string]any)["name"] != "sales" {
		t.Fatalf("queues view: %v", v)
	}
	if l := c.list(root+"queues", "act=list"); len(l) != 1 {
		t.Fatalf("queues list: %v", l)
	}
}
