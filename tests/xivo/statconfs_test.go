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

const (
	restrictedStatconfs = "/statistics/call_center/json.php/restricted/settings/configuration/"
	privateStatconfs    = "/statistics/call_center/json.php/private/settings/configuration/"
)

// callCenterFixture inserts what statistics configurations cover, straight into the tables
// of the call-center schema: two queues, two agents and a user.
func callCenterFixture(t *testing.T, env *testenv.Env) (queues, agents [2]int, user int) {
	t.Helper()
	mustExec(t, env, `INSERT INTO contexts (name, displayname, entity_id, contexttype) VALUES ('default', 'Default', 1, 'internal')
		ON CONFLICT DO NOTHING`)
	for i, name := range []string{"support", "sales"} {
		if err := env.DB.QueryRow(`INSERT INTO queues (name, displayname, context) VALUES ($1, $2, 'default') RETURNING id`,
			name, strings.ToUpper(name[:1])+name[1:]).Scan(&queues[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i, n := range []string{"1001", "1002"} {
		if err := env.DB.QueryRow(`INSERT INTO agents (number, firstname, lastname, context) VALUES ($1, 'Agent', $1, 'default') RETURNING id`,
			n).Scan(&agents[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.DB.QueryRow(`INSERT INTO users (firstname, lastname) VALUES ('Stat', 'Reader') RETURNING id`).Scan(&user); err != nil {
		t.Fatal(err)
	}
	return queues, agents, user
}

// statconfTables renders what statconf writes touch.
func statconfTables(t *testing.T, env *testenv.Env) string {
	t.Helper()
	return tablesSnapshot(t, env, "stats_confs", "stats_conf_queues", "stats_conf_agents", "stats_conf_users")
}

func statsClient(t *testing.T, env *testenv.Env) *xc {
	t.Helper()
	account(t, env, "stats", "stats", "secret", nil, []string{"statistics/call_center"}, false)
	c := newClient(t, env)
	c.user, c.pass = "stats", "secret"
	return c
}

// The xivo-ws scenario J5 and the typed calls statconfs offers, through the client.
func TestStatconfsThroughTheClient(t *testing.T) {
	env := testenv.Start(t)
	queues, agents, user := callCenterFixture(t, env)
	account(t, env, "admin", "admin", "secret", nil, []string{"statistics/call_center"}, false)
	ctx := context.Background()
	c := wsclient.New("localhost", "admin", "secret", wsclient.WithBaseURL(env.HTTPURL))
	svc := c.Statconfs()

	// J5.
	body, err := wsclient.StatconfBody(wsclient.Statconf{Name: "conf_1", HourStart: "08:00", HourEnd: "20:00", DBegCache: "2012-01", Monday: true})
	if err != nil {
		t.Fatal(err)
	}
	id1, err := svc.RawAdd(ctx, body)
	if err != nil || mustAtoi(id1) <= 0 {
		t.Fatalf("J5 add: %q %v", id1, err)
	}
	list, err := wsclient.ListTyped(ctx, svc, wsclient.ParseStatconf)
	if err != nil || len(list) != 1 {
		t.Fatalf("J5 list: %v %v", list, err)
	}
	got := list[0]
	if got.ID != mustAtoi(id1) || got.Name != "conf_1" || got.Period1 != "0-10" || got.Period5 != "40" || got.Monday != true ||
		got.Wednesday != nil || got.Timezone != nil || got.HourEnd != "20:00" {
		t.Fatalf("J5 item: %+v", got)
	}

	// With queues (and their service level), agents and users.
	body, err = wsclient.StatconfBody(wsclient.Statconf{Name: "support_team", HourStart: "09:00", HourEnd: "17:30", DBegCache: "2026-01",
		Monday: true, Tuesday: true, Wednesday: false, Queue: []any{queues[0], queues[1]},
		QueueQoS: map[string]any{strconv.Itoa(queues[0]): 20, strconv.Itoa(queues[1]): 30},
		Agent:    []any{agents[0], agents[1]}, XivoUser: []any{user}})
	if err != nil {
		t.Fatal(err)
	}
	id2, err := svc.RawAdd(ctx, body)
	if err != nil {
		t.Fatalf("add with queues: %v", err)
	}
	var links string
	if err := env.DB.QueryRow(`SELECT concat_ws('|',
		(SELECT string_agg(queue_id || ':' || qos, ',' ORDER BY queue_id) FROM stats_conf_queues WHERE stats_conf_id = $1),
		(SELECT string_agg(CAST(agent_id AS text), ',' ORDER BY agent_id) FROM stats_conf_agents WHERE stats_conf_id = $1),
		(SELECT string_agg(CAST(user_id AS text), ',') FROM stats_conf_users WHERE stats_conf_id = $1))`, mustAtoi(id2)).Scan(&links); err != nil {
		t.Fatal(err)
	}
	want := strconv.Itoa(queues[0]) + ":20," + strconv.Itoa(queues[1]) + ":30|" + strconv.Itoa(agents[0]) + "," + strconv.Itoa(agents[1]) + "|" + strconv.Itoa(user)
	if links != want {
		t.Fatalf("links %q, want %q", links, want)
	}

	// search: a superset of the name.
	found, err := wsclient.SearchTyped(ctx, svc, "support", wsclient.ParseStatconf)
	if err != nil || len(found) != 1 || found[0].Name != "support_team" || found[0].Wednesday != false {
		t.Fatalf("search: %+v %v", found, err)
	}
	if none, err := wsclient.SearchTyped(ctx, svc, "nothing-like-it", wsclient.ParseStatconf); err != nil || len(none) != 0 {
		t.Fatalf("empty search: %v %v", none, err)
	}

	// view (raw: the typed view has no parser in xivo-ws): the add shape with the id.
	v, err := svc.RawView(ctx, id2)
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := v["stats_conf"].(map[string]any)
	if sc["name"] != "support_team" || sc["hour_end"] != "17:30" || fmt.Sprint(sc["id"]) != id2 {
		t.Fatalf("view stats_conf: %v", v)
	}
	if q, _ := json.Marshal(v["queue"]); string(q) != "["+strconv.Itoa(queues[0])+","+strconv.Itoa(queues[1])+"]" {
		t.Fatalf("view queue: %s", q)
	}
	if qos, _ := v["queue_qos"].(map[string]any); fmt.Sprint(qos[strconv.Itoa(queues[1])]) != "30" {
		t.Fatalf("view queue_qos: %v", v["queue_qos"])
	}
	if _, err := svc.RawView(ctx, "9999"); !wsclient.IsNotFound(err) {
		t.Fatalf("view unknown: %v", err)
	}

	// edit what xivo-ws sends (every key): the day set to null becomes null.
	body, _ = wsclient.StatconfBody(wsclient.Statconf{Name: "support_team", HourStart: "08:00", HourEnd: "18:00", DBegCache: "2026-01",
		Monday: true, Queue: []any{queues[0]}, QueueQoS: map[string]any{strconv.Itoa(queues[0]): 15}})
	if err := svc.RawEdit(ctx, id2, body); err != nil {
		t.Fatalf("edit: %v", err)
	}
	var row string
	if err := env.DB.QueryRow(`SELECT concat_ws(',', hour_start, hour_end, monday, coalesce(CAST(tuesday AS text), 'null'),
		(SELECT string_agg(queue_id || ':' || qos, ';') FROM stats_conf_queues WHERE stats_conf_id = s.id),
		(SELECT count(*) FROM stats_conf_agents WHERE stats_conf_id = s.id)) FROM stats_confs s WHERE id = $1`, mustAtoi(id2)).Scan(&row); err != nil {
		t.Fatal(err)
	}
	// A whole configuration as xivo-ws sends it, without agents: it has none now (xivo-ws
	// leaves an empty list out; the statconf's agents were set to []).
	if want := "08:00,18:00,t,null," + strconv.Itoa(queues[0]) + ":15,0"; row != want {
		t.Fatalf("after edit %q, want %q", row, want)
	}

	// delete, and delete_if_exists on the gone one.
	if err := svc.Delete(ctx, id1); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteIfExists(ctx, id1); err != nil {
		t.Fatal(err)
	}
	if err := svc.Delete(ctx, id1); !wsclient.IsNotFound(err) {
		t.Fatalf("delete unknown: %v", err)
	}
	if n := countRows(t, env, `SELECT count(*) FROM stats_confs`); n != 1 {
		t.Fatalf("%d configurations left", n)
	}
}

func countRows(t *testing.T, env *testenv.Env, q string, args ...any) int {
	t.Helper()
	var n int
	if err := env.DB.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStatconfsPartialEditsKeepWhatTheyDoNotName(t *testing.T) {
	env := testenv.Start(t)
	queues, agents, user := callCenterFixture(t, env)
	c := statsClient(t, env)
	id := string(c.mustStatus(http.StatusOK, "POST", restrictedStatconfs, "act=add", map[string]any{
		"stats_conf": map[string]any{"name": "team", "hour_start": "08:00", "hour_end": "20:00", "dbegcache": "2026-01",
			"period1": "0-10", "period2": "10-30", "monday": true, "friday": "1"},
		"queue": []int{queues[0]}, "queue_qos": map[string]int{strconv.Itoa(queues[0]): 20},
		"agent": []int{agents[0]}, "xivouser": []int{user}}))
	id = strings.Trim(strings.TrimSpace(id), `"`)

	// The hours alone.
	c.mustStatus(http.StatusOK, "POST", restrictedStatconfs, "act=edit&id="+id, map[string]any{"stats_conf": map[string]any{"hour_end": "19:00"}})
	// The service level alone, of the queue already covered.
	c.mustStatus(http.StatusOK, "POST", restrictedStatconfs, "act=edit&id="+id, map[string]any{"queue_qos": map[string]int{strconv.Itoa(queues[0]): 25}})
	v := c.object(restrictedStatconfs, "act=view&id="+id)
	sc := v["stats_conf"].(map[string]any)
	if sc["hour_start"] != "08:00" || sc["hour_end"] != "19:00" || sc["period2"] != "10-30" || sc["friday"] != true || sc["saturday"] != nil {
		t.Fatalf("view after partial edits: %v", sc)
	}
	if n := countRows(t, env, `SELECT count(*) FROM stats_conf_queues WHERE queue_id = $1 AND qos = 25`, queues[0]); n != 1 {
		t.Fatal("queue_qos edit lost")
	}
	if n := countRows(t, env, `SELECT count(*) FROM stats_conf_agents WHERE agent_id = $1`, agents[0]); n != 1 {
		t.Fatal("agents lost")
	}
	// false empties a list.
	c.mustStatus(http.StatusOK, "POST", restrictedStatconfs, "act=edit&id="+id, map[string]any{"agent": false})
	if n := countRows(t, env, `SELECT count(*) FROM stats_conf_agents`); n != 0 {
		t.Fatal("agent false kept the agents")
	}
	// Private mode answers too; list and view ignore sum (always 200).
	if items := c.list(privateStatconfs, "act=list&sum=0123"); len(items) != 1 || items[0]["name"] != "team" {
		t.Fatalf("private list: %v", items)
	}
	// A deleted queue leaves the configurations that covered it.
	mustExec(t, env, `DELETE FROM queues WHERE id = $1`, queues[0])
	if n := countRows(t, env, `SELECT count(*) FROM stats_conf_queues`); n != 0 {
		t.Fatal("queue link survived its queue")
	}
	// view and delete without an id: 404.
	c.mustStatus(http.StatusNotFound, "GET", restrictedStatconfs, "act=view", nil)
	c.mustStatus(http.StatusNotFound, "GET", restrictedStatconfs, "act=delete&id=", nil)
}

// Every refused write names the field and the rule, and leaves the tables as they were.
func TestStatconfsRefuseBadInputAndChangeNothing(t *testing.T) {
	env := testenv.Start(t)
	queues, agents, _ := callCenterFixture(t, env)
	c := statsClient(t, env)
	good := func() map[string]any {
		return map[string]any{"name": "team", "hour_start": "08:00", "hour_end": "20:00", "dbegcache": "2026-01",
			"dendcache": 0, "default_delta": "-1 week", "timezone": "Europe/Paris",
			"period1": "0-10", "period2": "10-20", "period3": "20-30", "period4": "30-40", "period5": "40",
			"monday": true, "tuesday": true}
	}
	raw := c.mustStatus(http.StatusOK, "POST", restrictedStatconfs, "act=add", map[string]any{"stats_conf": good(),
		"queue": []int{queues[0]}, "queue_qos": map[string]int{strconv.Itoa(queues[0]): 20}, "agent": []int{agents[0]}})
	id := strings.Trim(strings.TrimSpace(string(raw)), `"`)

	with := func(k string, v any) map[string]any {
		sc := good()
		sc["name"] = "other"
		if v == nil {
			delete(sc, k)
		} else {
			sc[k] = v
		}
		return map[string]any{"stats_conf": sc}
	}
	for _, tc := range []struct {
		name, query string
		body        map[string]any
		field, rule string
	}{
		{"inverted period", "act=add", with("period2", "30-20"), "stats_conf.period2", "inverted"},
		{"overlapping periods", "act=add", with("period2", "5-20"), "stats_conf.period2", "overlaps period1"},
		{"a period after an open-ended one", "act=add", func() map[string]any {
			b := with("period2", "15")
			b["stats_conf"].(map[string]any)["period3"] = "20-30"
			return b
		}(), "stats_conf.period3", "overlaps period2"},
		{"not a period", "act=add", with("period1", "ten"), "stats_conf.period1", "waiting-time period"},
		{"no first period", "act=add", with("period1", ""), "stats_conf.period1", "required"},
		{"working hours inverted", "act=add", with("hour_end", "07:00"), "stats_conf.hour_end", "after hour_start"},
		{"working hours empty", "act=add", with("hour_end", "08:00"), "stats_conf.hour_end", "after hour_start"},
		{"hour out of range", "act=add", with("hour_start", "25:00"), "stats_conf.hour_start", "time of day"},
		{"minutes out of range", "act=add", with("hour_end", "20:75"), "stats_conf.hour_end", "time of day"},
		{"no working day", "act=add", func() map[string]any {
			b := with("monday", false)
			b["stats_conf"].(map[string]any)["tuesday"] = nil
			return b
		}(), "stats_conf.monday", "working day"},
		{"bad month", "act=add", with("dbegcache", "2026-13"), "stats_conf.dbegcache", "YYYY-MM"},
		{"end before beginning", "act=add", with("dendcache", "2025-12"), "stats_conf.dendcache", "before dbegcache"},
		{"bad delta", "act=add", with("default_delta", "-1 fortnight"), "stats_conf.default_delta", "day|week|month"},
		{"bad time zone", "act=add", with("timezone", "Mars/Olympus"), "stats_conf.timezone", "time zone"},
		{"bad name", "act=add", with("name", "a b"), "stats_conf.name", "A-Z"},
		{"no stats_conf", "act=add", map[string]any{"queue": []int{}}, "stats_conf", "required"},
		{"unknown queue", "act=add", map[string]any{"stats_conf": with("name", "x")["stats_conf"], "queue": []int{queues[0], 9999},
			"queue_qos": map[string]int{"9999": 10}}, "queue[1]", "queue 9999 does not exist"},
		{"queue twice", "act=add", map[string]any{"stats_conf": with("name", "x")["stats_conf"], "queue": []int{queues[1], queues[1]}},
			"queue[1]", "listed twice"},
		{"qos of a queue not listed", "act=add", map[string]any{"stats_conf": with("name", "x")["stats_conf"], "queue": []int{queues[0]},
			"queue_qos": map[string]int{strconv.Itoa(queues[1]): 10}}, "queue_qos." + strconv.Itoa(queues[1]), "not in queue"},
		{"negative qos", "act=add", map[string]any{"stats_conf": with("name", "x")["stats_conf"], "queue": []int{queues[0]},
			"queue_qos": map[string]int{strconv.Itoa(queues[0]): -1}}, "queue_qos." + strconv.Itoa(queues[0]), "seconds"},
		{"unknown agent", "act=add", map[string]any{"stats_conf": with("name", "x")["stats_conf"], "agent": []int{8888}},
			"agent[0]", "agent 8888 does not exist"},
		{"unknown user", "act=add", map[string]any{"stats_conf": with("name", "x")["stats_conf"], "xivouser": []int{7777}},
			"xivouser[0]", "user 7777 does not exist"},
		{"name taken", "act=add", with("name", "team"), "", ""},
		{"edit: inverted period", "act=edit&id=" + id, map[string]any{"stats_conf": map[string]any{"period3": "35-25"}}, "stats_conf.period3", "inverted"},
		{"edit: hours inverted", "act=edit&id=" + id, map[string]any{"stats_conf": map[string]any{"hour_start": "21:00"}}, "stats_conf.hour_end", "after hour_start"},
		{"edit: unknown agent", "act=edit&id=" + id, map[string]any{"agent": []int{agents[1], 8888}}, "agent[1]", "does not exist"},
		{"edit: qos of a queue not covered", "act=edit&id=" + id, map[string]any{"queue_qos": map[string]int{strconv.Itoa(queues[1]): 5}},
			"queue_qos." + strconv.Itoa(queues[1]), "not in queue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := statconfTables(t, env)
			st, _, raw := c.do("POST", restrictedStatconfs, tc.query, tc.body)
			if st != http.StatusBadRequest {
				t.Fatalf("%d %s, want 400", st, raw)
			}
			var e struct {
				Fields map[string]string `json:"fields"`
			}
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatalf("body %s: %v", raw, err)
			}
			if tc.field != "" && !strings.Contains(e.Fields[tc.field], tc.rule) {
				t.Fatalf("fields %v, want %s: …%s…", e.Fields, tc.field, tc.rule)
			}
			if tc.field == "" && e.Fields["stats_conf.name"] == "" {
				t.Fatalf("fields %v, want stats_conf.name", e.Fields)
			}
			if after := statconfTables(t, env); after != before {
				t.Fatalf("the tables changed:\n%s\n---\n%s", before, after)
			}
		})
	}
	// Edits and deletes of an unknown id: 404, nothing changed.
	before := statconfTables(t, env)
	c.mustStatus(http.StatusNotFound, "POST", restrictedStatconfs, "act=edit&id=9999", map[string]any{"stats_conf": map[string]any{"hour_end": "19:00"}})
	c.mustStatus(http.StatusNotFound, "GET", restrictedStatconfs, "act=delete&id=9999", nil)
	if after := statconfTables(t, env); after != before {
		t.Fatal("a 404 changed the tables")
	}
}
