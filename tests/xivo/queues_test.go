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

func TestQueuesEveryAct(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	jack, ann := callcenterSetup(t, c)
	if items := c.list(queuesPath, "act=list"); items != nil {
		t.Fatalf("empty list: %v", items)
	}
	aid := c.add(agentsPath, []byte(`{"agentfeatures": {"number": "160", "context": "default", "firstname": "A", "numgroup": "1", "autologoff": "0"}, "user-select": []}`))
	rule := c.add(skillRulesPath, []byte(`{"name": "english_first", "rule": ["WT < 60, english > 70", "english > 50"]}`))
	sid := c.add(schedulePath, []byte(`{"schedule": {"name": "office", "timezone": "Europe/Paris"}, "dialaction": {"schedule_fallback": {"actiontype": "none"}},
		"opened": [{"hours": "08:00-18:00", "weekdays": "1-5", "monthdays": "1-31", "months": "1-12"}]}`))

	id := c.add(queuesPath, []byte(fmt.Sprintf(`{
		"queuefeatures": {"name": "sales", "displayname": "Sales team", "number": 3001, "context": "default", "timeout": "25",
			"hitting_caller": true, "transfer_user": true, "waittime": 30, "waitratio": "0.5"},
		"queue": {"strategy": "linear", "musicclass": "default", "timeout": 15, "wrapuptime": 5, "maxlen": 10,
			"joinempty": "unavailable,paused", "leavewhenempty": null, "autopause": false, "announce-position": "no",
			"min-announce-frequency": "30", "timeoutpriority": "conf"},
		"user": [{"userid": %d, "penalty": 2}, "%d"], "agent": [%s],
		"dialaction": {"noanswer": {"actiontype": "user", "actionarg1": "%d"}, "busy": {"actiontype": "endcall", "action": "busy"},
			"congestion": {"actiontype": "none"}, "chanunavail": {"actiontype": "none"},
			"qwaittime": {"actiontype": "sound", "actionarg1": "queue-full", "actionarg2": ""}, "qwaitratio": {"actiontype": "none"}},
		"callerid": {"mode": "prepend", "callerdisplay": "SALES"}, "schedule_id": %s, "skill_rule_id": %s}`,
		jack, ann, aid, jack, sid, rule)))
	var name, display, strategy, joinempty, members, exten, opts, callerid string
	var timeout, memberTimeout, maxlen, sched, ruleID int
	var autopause bool
	if err := env.DB.QueryRow(`SELECT q.name, q.displayname, q.strategy, q.timeout, q.member_timeout, q.maxlen, q.joinempty,
		q.autopause, q.options::text, q.callerid_mode || ':' || q.callerid_display, q.schedule_id, q.skill_rule_id,
		(SELECT string_agg(usertype || userid || '/' || penalty || '@' || position, ',' ORDER BY usertype, position) FROM queue_members WHERE queue_id = q.id),
		(SELECT type || ' ' || typeval || ' ' || context || ' ' || exten FROM extensions WHERE type = 'queue')
		FROM queues q WHERE q.id = $1`, id).Scan(&name, &display, &strategy, &timeout, &memberTimeout, &maxlen, &joinempty,
		&autopause, &opts, &callerid, &sched, &ruleID, &members, &exten); err != nil {
		t.Fatal(err)
	}
	wantMembers := fmt.Sprintf("agent%s/0@0,user%d/2@0,user%d/0@1", aid, jack, ann)
	if name != "sales" || display != "Sales team" || strategy != "linear" || timeout != 25 || memberTimeout != 15 || maxlen != 10 ||
		joinempty != "unavailable,paused" || autopause || callerid != "prepend:SALES" || strconv.Itoa(sched) != sid ||
		strconv.Itoa(ruleID) != rule || members != wantMembers || exten != "queue "+id+" default 3001" ||
		!strings.Contains(opts, `"announce-position": "no"`) {
		t.Fatalf("stored %q %q %q %d %d %d %q %v %s %q %d %d %q %q", name, display, strategy, timeout, memberTimeout, maxlen,
			joinempty, autopause, opts, callerid, sched, ruleID, members, exten)
	}
	var exits string
	if err := env.DB.QueryRow(`SELECT string_agg(event || '=' || action || ':' || coalesce(actionarg1, ''), ',' ORDER BY event)
		FROM dialactions WHERE category = 'queue' AND categoryval = $1`, id).Scan(&exits); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("busy=endcall:busy:,chanunavail=none:,congestion=none:,noanswer=user:%d,qwaitratio=none:,qwaittime=sound:queue-full", jack); exits != want {
		t.Fatalf("exits %q, want %q", exits, want)
	}

	items := c.list(queuesPath, "act=list")
	if len(items) != 1 || items[0]["id"] != float64(mustAtoi(id)) || items[0]["number"] != "3001" || items[0]["timeout"] != float64(25) ||
		items[0]["displayname"] != "Sales team" || items[0]["waittime"] != float64(30) || items[0]["waitratio"] != 0.5 ||
		items[0]["identity"] != "Sales team (3001@default)" || items[0]["commented"] != false {
		t.Fatalf("list: %v", items)
	}
	for _, term := range []string{"sal", "team", "300", "SALES"} {
		if found := c.list(queuesPath, "act=search&search="+term); len(found) != 1 {
			t.Fatalf("search %q: %v", term, found)
		}
	}
	if found := c.list(queuesPath, "act=search&search=nomatch"); found != nil {
		t.Fatalf("search nomatch: %v", found)
	}
	view := c.object(queuesPath, "act=view&id="+id)
	if qf := view["queuefeatures"].(map[string]any); qf["number"] != "3001" || qf["name"] != "sales" || qf["timeout"] != float64(25) {
		t.Fatalf("view queuefeatures: %v", qf)
	}
	q := view["queue"].(map[string]any)
	if q["strategy"] != "linear" || q["maxlen"] != float64(10) || q["joinempty"] != "unavailable,paused" || q["leavewhenempty"] != nil ||
		q["wrapuptime"] != float64(5) || q["timeout"] != float64(15) || q["announce-position"] != "no" ||
		q["min-announce-frequency"] != "30" || q["announce-frequency"] != "0" || q["timeoutpriority"] != "conf" {
		t.Fatalf("view queue: %v", q)
	}
	users, _ := view["user"].([]any)
	if len(users) != 2 || users[0].(map[string]any)["id"] != float64(jack) || users[0].(map[string]any)["penalty"] != float64(2) ||
		users[1].(map[string]any)["id"] != float64(ann) {
		t.Fatalf("view user: %v", view["user"])
	}
	if agents, _ := view["agent"].([]any); len(agents) != 1 || agents[0].(map[string]any)["userid"] != float64(mustAtoi(aid)) {
		t.Fatalf("view agent: %v", view["agent"])
	}
	if view["schedule_id"] != float64(mustAtoi(sid)) || view["skill_rule_id"] != float64(mustAtoi(rule)) {
		t.Fatalf("view schedule_id/skill_rule_id: %v %v", view["schedule_id"], view["skill_rule_id"])
	}
	if cid := view["callerid"].(map[string]any); cid["mode"] != "prepend" || cid["callerdisplay"] != "SALES" {
		t.Fatalf("view callerid: %v", cid)
	}
	if da := view["dialaction"].(map[string]any)["noanswer"].(map[string]any); da["actiontype"] != "user" || da["actionarg1"] != strconv.Itoa(jack) {
		t.Fatalf("view dialaction: %v", da)
	}
	// The members' own views show the queue.
	if am, _ := c.object(agentsPath, "act=view&id="+aid)["queuemember"].([]any); len(am) != 1 || am[0].(map[string]any)["queue_name"] != "sales" {
		t.Fatalf("agent view queuemember: %v", am)
	}
	if qm, _ := c.object(usersPath, "act=view&id="+strconv.Itoa(jack))["queuemember"].([]any); len(qm) != 1 || qm[0].(map[string]any)["name"] != "sales" {
		t.Fatalf("user view queuemember: %v", qm)
	}

	// Edit merges: a display name alone keeps everything else.
	c.mustStatus(http.StatusOK, "POST", queuesPath, "act=edit&id="+id, map[string]any{"queuefeatures": map[string]any{"displayname": "Sales"}})
	view = c.object(queuesPath, "act=view&id="+id)
	if qf := view["queuefeatures"].(map[string]any); qf["displayname"] != "Sales" || qf["number"] != "3001" {
		t.Fatalf("after edit: %v", qf)
	}
	if users, _ := view["user"].([]any); len(users) != 2 || view["queue"].(map[string]any)["strategy"] != "linear" || view["dialaction"] == false || view["schedule_id"] == nil {
		t.Fatalf("edit dropped parts: %v", view)
	}
	// The view posted back is accepted and changes nothing.
	before := callcenterTables(t, env)
	_, _, raw := c.do("GET", queuesPath, "act=view&id="+id, nil)
	c.mustStatus(http.StatusOK, "POST", queuesPath, "act=edit&id="+id, json.RawMessage(raw))
	if after := callcenterTables(t, env); after != before {
		t.Fatalf("view posted back changed the queue:\n%s\n%s", before, after)
	}
	// Present member lists replace the members; a number edit moves the extension; false and
	// 0 unlink the caller-id rewrite, the schedule and the skill rule.
	c.mustStatus(http.StatusOK, "POST", queuesPath, "act=edit&id="+id, map[string]any{"queuefeatures": map[string]any{"number": "3002"},
		"user": []any{}, "agent": []any{map[string]any{"userid": aid, "penalty": 4}}, "callerid": false, "schedule_id": 0, "skill_rule_id": nil})
	var n int
	if err := env.DB.QueryRow(`SELECT (SELECT count(*) FROM queue_members WHERE usertype = 'user'), (SELECT string_agg(usertype || userid || '/' || penalty, ',') FROM queue_members WHERE usertype = 'agent'),
		(SELECT exten FROM extensions WHERE type = 'queue'), (SELECT callerid_mode || coalesce(schedule_id::text, '-') || coalesce(skill_rule_id::text, '-') FROM queues)`).Scan(&n, &members, &exten, &callerid); err != nil ||
		n != 0 || members != "agent"+aid+"/4" || exten != "3002" || callerid != "--" {
		t.Fatalf("after replace: %d users, agents %q, exten %q, links %q, %v", n, members, exten, callerid, err)
	}
	if view = c.object(queuesPath, "act=view&id="+id); view["schedule_id"] != nil || view["callerid"] != false {
		t.Fatalf("unlinked view: %v", view)
	}

	// Unknown ids: 404 on view, edit and delete; no deleteall (the original had none).
	for _, q := range []string{"act=view&id=99", "act=delete&id=99", "act=view&id=", "act=view&id=x"} {
		c.mustStatus(http.StatusNotFound, "GET", queuesPath, q, nil)
	}
	c.mustStatus(http.StatusNotFound, "POST", queuesPath, "act=edit&id=99", map[string]any{"queuefeatures": map[string]any{"displayname": "x"}})
	c.mustStatus(http.StatusBadRequest, "GET", queuesPath, "act=deleteall", nil)

	// A queue without a number has no extension; delete takes members, exits and extension.
	second := c.add(queuesPath, []byte(`{"queuefeatures": {"name": "support", "number": "", "context": "default"}, "user": [], "agent": []}`))
	if v := c.object(queuesPath, "act=view&id="+second); v["queuefeatures"].(map[string]any)["displayname"] != "support" {
		t.Fatalf("displayname defaults to the name: %v", v)
	}
	c.mustStatus(http.StatusOK, "GET", queuesPath, "act=delete&id="+id, nil)
	if err := env.DB.QueryRow(`SELECT (SELECT count(*) FROM queues) * 1000 + (SELECT count(*) FROM extensions WHERE type = 'queue') * 100
		+ (SELECT count(*) FROM queue_members) * 10 + (SELECT count(*) FROM dialactions WHERE category = 'queue')`).Scan(&n); err != nil || n != 1000 {
		t.Fatalf("after delete: %d (queues*1000 + extensions*100 + members*10 + exits) (%v)", n, err)
	}
	if items := c.list(queuesPath, "act=list"); len(items) != 1 || items[0]["name"] != "support" || items[0]["number"] != "" {
		t.Fatalf("after delete: %v", items)
	}
}

// Bad queue bodies get a 400 naming the field and the rule, and change nothing.
func TestQueuesBadInputIsRefusedAndChangesNothing(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	jack, _ := callcenterSetup(t, c)
	id := c.add(queuesPath, []byte(`{"queuefeatures": {"name": "sales", "number": "3001", "context": "default"}}`))
	var base map[string]any
	qf := func(over map[string]any) map[string]any {
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
		return func() any { return map[string]any{"queuefeatures": qf(map[string]any{k: v})} }
	}
	with := func(k string, v any) func() any {
		return func() any { return map[string]any{"queuefeatures": qf(nil), k: v} }
	}
	setting := func(k string, v any) func() any { return with("queue", map[string]any{k: v}) }
	exit := func(ev string, da map[string]any) func() any { return with("dialaction", map[string]any{ev: da}) }
	cases := []tcase{
		{"bad name", over("name", "a b"), "queuefeatures.name"},
		{"a line's number", over("number", "1001"), "queuefeatures.number"},
		{"outside the queue ranges", over("number", "3100"), "queuefeatures.number"},
		{"number not digits", over("number", "30a1"), "queuefeatures.number"},
		{"unknown context", over("context", "nowhere"), "queuefeatures.context"},
		{"negative timeout", over("timeout", "-1"), "queuefeatures.timeout"},
		{"timeout not a number", over("timeout", "soon"), "queuefeatures.timeout"},
		{"waitratio not a number", over("waitratio", "abc"), "queuefeatures.waitratio"},
		{"CR LF in displayname", over("displayname", "a\r\nb"), "queuefeatures.displayname"},
		{"queuefeatures as a string", with("queuefeatures", "x"), "queuefeatures"},
		{"bad strategy", setting("strategy", "loudest"), "queue.strategy"},
		{"bad joinempty", setting("joinempty", "sometimes"), "queue.joinempty"},
		{"negative maxlen", setting("maxlen", -1), "queue.maxlen"},
		{"bad timeoutpriority", setting("timeoutpriority", "later"), "queue.timeoutpriority"},
		{"member timeout not a number", setting("timeout", "x"), "queue.timeout"},
		{"option with CR LF", setting("announce", "a\nb"), "queue.announce"},
		{"unknown user", with("user", []any{999}), "user[0]"},
		{"user listed twice", with("user", []any{jack, map[string]any{"userid": jack}}), "user[1]"},
		{"user not an id", with("user", []any{"x"}), "user[0]"},
		{"penalty too big", with("user", []any{map[string]any{"userid": jack, "penalty": 101}}), "user[0].penalty"},
		{"unknown agent", with("agent", []any{999}), "agent[0]"},
		{"agents not a list", with("agent", "1"), "agent"},
		{"unknown schedule", with("schedule_id", 99), "schedule_id"},
		{"unknown skill rule", with("skill_rule_id", 99), "skill_rule_id"},
		{"bad caller-id mode", with("callerid", map[string]any{"mode": "shout", "callerdisplay": "x"}), "callerid.mode"},
		{"unknown exit", exit("answer", map[string]any{"actiontype": "none"}), "dialaction.answer"},
		{"unknown destination user", exit("noanswer", map[string]any{"actiontype": "user", "actionarg1": "77"}), "dialaction.noanswer.actionarg1"},
		{"unknown destination queue", exit("qwaittime", map[string]any{"actiontype": "queue", "actionarg1": 99}), "dialaction.qwaittime.actionarg1"},
		{"bad endcall", exit("busy", map[string]any{"actiontype": "endcall", "action": "explode"}), "dialaction.busy.action"},
		{"bad action type", exit("busy", map[string]any{"actiontype": "teleport"}), "dialaction.busy.actiontype"},
		{"not JSON", func() any { return []byte(`{"queuefeatures": `) }, "body"},
	}
	c.add(groupsPath, []byte(`{"groupfeatures": {"name": "support", "context": "default", "number": ""}}`))
	addOnly := []tcase{
		{"a ring group's name", over("name", "support"), "queuefeatures.name"},
		{"no queuefeatures", func() any { return map[string]any{"user": []any{}} }, "queuefeatures"},
		{"no name", over("name", ""), "queuefeatures.name"},
		{"duplicate name", over("name", "sales"), "queuefeatures.name"},
		{"another queue's number", over("number", "3001"), "queuefeatures.number"},
	}
	editOnly := []tcase{
		{"name changed", over("name", "support"), "queuefeatures.name"},
	}
	before := callcenterTables(t, env)
	check := func(q string, tc tcase) {
		st, _, raw := c.do("POST", queuesPath, q, tc.body())
		if st != http.StatusBadRequest || fieldsOf(raw)[tc.field] == "" {
			t.Errorf("%s (%s): %d %s, want 400 naming %s", tc.name, q, st, raw, tc.field)
		}
	}
	base = map[string]any{"name": "other", "number": "3010", "context": "default"}
	for _, tc := range append(cases, addOnly...) {
		check("act=add", tc)
	}
	base = map[string]any{"name": "sales", "number": "3001", "context": "default"}
	for _, tc := range append(cases, editOnly...) {
		check("act=edit&id="+id, tc)
	}
	// Nor can a ring group take a queue's name.
	st, _, raw := c.do("POST", groupsPath, "act=add", map[string]any{"groupfeatures": map[string]any{"name": "sales", "context": "default", "number": ""}})
	if st != http.StatusBadRequest || fieldsOf(raw)["groupfeatures.name"] == "" || !strings.Contains(string(raw), "queue sales") {
		t.Errorf("a group named like a queue: %d %s", st, raw)
	}
	if after := callcenterTables(t, env); after != before {
		t.Fatalf("refused writes changed the database:\n%s\n%s", before, after)
	}
}

// A queue is a destination like the other families: an incall, a user's exit or another
// queue's exit may send calls to it, and it cannot be deleted while one does; the answer
// names the referrer and the database is unchanged.
func TestQueuesAsDestinationsAndDeleteRefusedWhileOne(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	jack, _ := callcenterSetup(t, c)
	id := c.add(queuesPath, []byte(`{"queuefeatures": {"name": "sales", "number": "3001", "context": "default"}}`))
	overflow := c.add(queuesPath, []byte(fmt.Sprintf(`{"queuefeatures": {"name": "overflow", "number": "3002", "context": "default"},
		"dialaction": {"noanswer": {"actiontype": "queue", "actionarg1": %s}}}`, id)))
	incall := c.add(incallPath, []byte(fmt.Sprintf(`{"incall": {"exten": "6001", "context": "from-extern"},
		"dialaction": {"answer": {"actiontype": "queue", "actionarg1": "%s", "actionarg2": ""}}}`, overflow)))
	c.mustStatus(http.StatusOK, "POST", usersPath, "act=edit&id="+strconv.Itoa(jack), map[string]any{
		"dialaction": map[string]any{"busy": map[string]any{"actiontype": "queue", "actionarg1": mustAtoi(id)}}})

	before := callcenterTables(t, env)
	for _, tc := range []struct{ id, referrer string }{{id, "queue " + overflow}, {overflow, "incall " + incall}} {
		st, _, raw := c.do("GET", queuesPath, "act=delete&id="+tc.id, nil)
		if st < 400 || st == 500 || !strings.Contains(string(raw), tc.referrer) {
			t.Fatalf("delete queue %s: %d %s, want a refusal naming %s", tc.id, st, raw, tc.referrer)
		}
	}
	if after := callcenterTables(t, env); after != before {
		t.Fatalf("refused delete changed the database:\n%s\n%s", before, after)
	}
	// Once nothing sends calls there, the delete goes through.
	c.mustStatus(http.StatusOK, "GET", incallPath, "act=delete&id="+incall, nil)
	c.mustStatus(http.StatusOK, "GET", queuesPath, "act=delete&id="+overflow, nil)
	c.mustStatus(http.StatusOK, "POST", usersPath, "act=edit&id="+strconv.Itoa(jack), map[string]any{
		"dialaction": map[string]any{"busy": map[string]any{"actiontype": "none"}}})
	c.mustStatus(http.StatusOK, "GET", queuesPath, "act=delete&id="+id, nil)
	var n int
	if err := env.DB.QueryRow(`SELECT (SELECT count(*) FROM queues) + (SELECT count(*) FROM dialactions WHERE actiontype = 'queue')`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("left %d rows (%v)", n, err)
	}
}
