package xivo_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"pbxws/tests/testenv"
	wsclient "pbxws/ws-client"
)

const schedulePath = "/service/ipbx/json.php/private/call_management/schedule/"

func scheduleTables(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var periods *string
	if err := env.DB.QueryRow(`SELECT string_agg(concat_ws(',', schedule_id, mode, position, hours, weekdays, monthdays, months), ';' ORDER BY schedule_id, mode, position) FROM schedule_periods`).Scan(&periods); err != nil {
		t.Fatal(err)
	}
	s := tablesSnapshot(t, env, "schedules", "dialactions", "users")
	if periods != nil {
		s += "\nperiods=" + *periods
	}
	return s
}

func TestSchedulesEveryAct(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	uid := dialplanSetup(t, c)
	if items := c.list(schedulePath, "act=list"); items != nil {
		t.Fatalf("empty list: %v", items)
	}
	// The seed body of the spec, with a holiday sent to the user.
	id := c.add(schedulePath, []byte(`{"schedule": {"name": "huit_a_midi", "timezone": "America/Montreal", "description": ""},
		"dialaction": {"schedule_fallback": {"actiontype": "endcall", "action": "hangup", "actionarg1": "", "actionarg2": ""}},
		"opened": [{"hours": "08:00-12:00", "weekdays": "1-5", "monthdays": "1-31", "months": "1-12"}],
		"closed": [{"hours": "00:00-24:00", "weekdays": "", "monthdays": "25", "months": "12",
			"dialaction": {"actiontype": "user", "actionarg1": "`+strconv.Itoa(uid)+`", "actionarg2": ""}}]}`))
	var stored string
	if err := env.DB.QueryRow(`SELECT concat_ws('|', s.name, s.timezone,
		(SELECT string_agg(concat_ws(',', mode, hours, weekdays, monthdays, months), ';' ORDER BY mode) FROM schedule_periods WHERE schedule_id = s.id),
		(SELECT string_agg(concat_ws(',', event, actiontype, action, actionarg1), ';' ORDER BY event) FROM dialactions WHERE category = 'schedule' AND categoryval = s.id::text))
		FROM schedules s WHERE s.id = $1`, id).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if want := "huit_a_midi|America/Montreal|closed,00:00-24:00,,25,12;opened,08:00-12:00,1-5,1-31,1-12|1,user,user," + strconv.Itoa(uid) + ";schedule_fallback,endcall,endcall:hangup,"; stored != want {
		t.Fatalf("stored\n%s\nwant\n%s", stored, want)
	}
	items := c.list(schedulePath, "act=list")
	if len(items) != 1 || items[0]["fallback_action"] != "endcall:hangup" || items[0]["fallback_actionargs"] != "" || items[0]["id"] != float64(mustAtoi(id)) {
		t.Fatalf("list: %v", items)
	}
	if found := c.list(schedulePath, "act=search&search=midi"); len(found) != 1 {
		t.Fatalf("search: %v", found)
	}
	v := c.object(schedulePath, "act=view&id="+id)
	opened, _ := v["opened"].([]any)
	closed, _ := v["closed"].([]any)
	if len(opened) != 1 || opened[0].(map[string]any)["hours"] != "08:00-12:00" || len(closed) != 1 || closed[0].(map[string]any)["monthdays"] != "25" {
		t.Fatalf("view periods: %v", v)
	}
	da := v["dialaction"].(map[string]any)
	if fb := da["schedule_fallback"].(map[string]any); fb["actiontype"] != "endcall" || fb["action"] != "hangup" || fb["endcall"] == nil || fb["hangup"] == nil {
		t.Fatalf("view fallback: %v", fb)
	}
	if h := da["1"].(map[string]any); h["actiontype"] != "user" || h["actionarg1"] != strconv.Itoa(uid) {
		t.Fatalf("view holiday action: %v", h)
	}
	// Edit merges: a new name keeps the periods and the actions; the view posted back too.
	before := scheduleTables(t, env)
	c.mustStatus(http.StatusOK, "POST", schedulePath, "act=edit&id="+id, map[string]any{"schedule": map[string]any{"name": "morning"}})
	if after := scheduleTables(t, env); after != strings.Replace(before, "huit_a_midi", "morning", 1) {
		t.Fatalf("edit changed more than the name:\n%s\n%s", before, after)
	}
	before = scheduleTables(t, env)
	raw := c.mustStatus(http.StatusOK, "GET", schedulePath, "act=view&id="+id, nil)
	c.mustStatus(http.StatusOK, "POST", schedulePath, "act=edit&id="+id, json.RawMessage(raw))
	if after := scheduleTables(t, env); after != before {
		t.Fatalf("view posted back changed the schedule:\n%s\n%s", before, after)
	}
	// An incall may follow the schedule; an unknown schedule is refused.
	inc := c.add(incallPath, []byte(`{"incall": {"exten": "6001", "context": "from-extern"}, "dialaction": {"answer": {"actiontype": "none"}}, "schedule_id": `+id+`}`))
	if iv := c.object(incallPath, "act=view&id="+inc); iv["schedule_id"] != float64(mustAtoi(id)) {
		t.Fatalf("incall view schedule_id: %v", iv["schedule_id"])
	}
	st, _, raw := c.do("POST", incallPath, "act=edit&id="+inc, map[string]any{"schedule_id": 99})
	if st != http.StatusBadRequest || !strings.Contains(string(raw), `"schedule_id"`) {
		t.Fatalf("incall to an unknown schedule: %d %s", st, raw)
	}
	// A dial action sending calls to the schedule blocks its delete.
	other := c.add(incallPath, []byte(`{"incall": {"exten": "6002", "context": "from-extern"}, "dialaction": {"answer": {"actiontype": "schedule", "actionarg1": "`+id+`"}}}`))
	if st, _, raw := c.do("GET", schedulePath, "act=delete&id="+id, nil); st != http.StatusMethodNotAllowed || !strings.Contains(string(raw), "incall "+other) {
		t.Fatalf("delete of a destination schedule: %d %s", st, raw)
	}
	c.mustStatus(http.StatusOK, "GET", incallPath, "act=delete&id="+other, nil)
	// Deleting unlinks the users and incalls that followed the schedule.
	mustExec(t, env, `UPDATE users SET schedule_id = $1 WHERE id = $2`, mustAtoi(id), uid)
	for _, q := range []string{"act=view&id=99", "act=delete&id=99", "act=view&id="} {
		c.mustStatus(http.StatusNotFound, "GET", schedulePath, q, nil)
	}
	c.mustStatus(http.StatusOK, "GET", schedulePath, "act=delete&id="+id, nil)
	var left, sid int
	if err := env.DB.QueryRow(`SELECT (SELECT count(*) FROM schedules) + (SELECT count(*) FROM schedule_periods) + (SELECT count(*) FROM dialactions WHERE category = 'schedule')
		+ (SELECT count(*) FROM incalls WHERE schedule_id IS NOT NULL), (SELECT schedule_id FROM users WHERE id = $1)`, uid).Scan(&left, &sid); err != nil || left != 0 || sid != 0 {
		t.Fatalf("delete left %d rows, user schedule %d (%v)", left, sid, err)
	}
	if iv := c.object(incallPath, "act=view&id="+inc); iv["schedule_id"] != nil {
		t.Fatalf("incall still shows schedule_id %v", iv["schedule_id"])
	}
}

// Invalid time ranges, days, zones and destinations: 400 naming the field, nothing written.
func TestSchedulesBadInputIsRefusedAndChangesNothing(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	dialplanSetup(t, c)
	id := c.add(schedulePath, []byte(`{"schedule": {"name": "s1", "timezone": "Europe/Paris"}, "dialaction": {"schedule_fallback": {"actiontype": "none"}}, "opened": [], "closed": []}`))
	period := func(k, v string) map[string]any {
		p := map[string]any{"hours": "08:00-12:00", "weekdays": "1-5", "monthdays": "1-31", "months": "1-12"}
		p[k] = v
		return map[string]any{"schedule": map[string]any{"name": "s2"}, "opened": []any{p}}
	}
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"no schedule", map[string]any{"opened": []any{}}, "schedule"},
		{"no name", map[string]any{"schedule": map[string]any{"timezone": "UTC"}}, "schedule.name"},
		{"duplicate name", map[string]any{"schedule": map[string]any{"name": "s1"}}, "schedule.name"},
		{"unknown time zone", map[string]any{"schedule": map[string]any{"name": "s2", "timezone": "Mars/Olympus"}}, "schedule.timezone"},
		{"unknown entity", map[string]any{"schedule": map[string]any{"name": "s2", "entity_id": 77}}, "schedule.entity_id"},
		{"hours not a range", period("hours", "08:00"), "opened[0].hours"},
		{"hours backwards", period("hours", "12:00-08:00"), "opened[0].hours"},
		{"hour 25", period("hours", "08:00-25:00"), "opened[0].hours"},
		{"minute 61", period("hours", "08:61-09:00"), "opened[0].hours"},
		{"spaces in hours", period("hours", "08: 00-12: 00"), "opened[0].hours"},
		{"weekday 8", period("weekdays", "1-8"), "opened[0].weekdays"},
		{"weekdays backwards", period("weekdays", "5-1"), "opened[0].weekdays"},
		{"monthday 32", period("monthdays", "32"), "opened[0].monthdays"},
		{"month 13", period("months", "1,13"), "opened[0].months"},
		{"months words", period("months", "jan"), "opened[0].months"},
		{"huge day", period("monthdays", "99999999999999999999"), "opened[0].monthdays"},
		{"period not an object", map[string]any{"schedule": map[string]any{"name": "s2"}, "closed": []any{"x"}}, "closed[0]"},
		{"unknown fallback user", map[string]any{"schedule": map[string]any{"name": "s2"}, "dialaction": map[string]any{"schedule_fallback": map[string]any{"actiontype": "user", "actionarg1": 99}}}, "dialaction.schedule_fallback.actionarg1"},
		{"fallback to a queue", map[string]any{"schedule": map[string]any{"name": "s2"}, "dialaction": map[string]any{"schedule_fallback": map[string]any{"actiontype": "queue", "actionarg1": 1}}}, "dialaction.schedule_fallback.actionarg1"},
		{"bad endcall", map[string]any{"schedule": map[string]any{"name": "s2"}, "dialaction": map[string]any{"schedule_fallback": map[string]any{"actiontype": "endcall", "action": "boom"}}}, "dialaction.schedule_fallback.action"},
		{"holiday to an unknown group", map[string]any{"schedule": map[string]any{"name": "s2"}, "closed": []any{map[string]any{"hours": "00:00-24:00", "monthdays": "1", "months": "1",
			"dialaction": map[string]any{"actiontype": "group", "actionarg1": 5}}}}, "closed[0].dialaction.actionarg1"},
		{"numbered action without a period", map[string]any{"schedule": map[string]any{"name": "s2"}, "dialaction": map[string]any{"3": map[string]any{"actiontype": "none"}}}, "dialaction.3"},
		{"CR in name", map[string]any{"schedule": map[string]any{"name": "a\rb"}}, "schedule.name"},
		{"opened not a list", map[string]any{"schedule": map[string]any{"name": "s2"}, "opened": "08:00-12:00"}, "opened"},
		{"not JSON", []byte(`{"schedule"`), "body"},
	}
	before := scheduleTables(t, env)
	for _, tc := range cases {
		for _, q := range []string{"act=add", "act=edit&id=" + id} {
			if q != "act=add" && (tc.name == "no schedule" || tc.name == "duplicate name" || tc.name == "no name") {
				continue
			}
			st, _, raw := c.do("POST", schedulePath, q, tc.body)
			var e struct {
				Fields map[string]string `json:"fields"`
			}
			_ = json.Unmarshal(raw, &e)
			if st != http.StatusBadRequest || e.Fields[tc.field] == "" {
				t.Errorf("%s (%s): %d %s, want 400 naming %s", tc.name, q, st, raw, tc.field)
			}
		}
	}
	if after := scheduleTables(t, env); after != before {
		t.Fatalf("refused writes changed the database:\n%s\n%s", before, after)
	}
}

// xivo-ws-wire.md §8 J4 through the Go client.
func TestSchedulesAcceptanceScenarioThroughTheClient(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx"}, false)
	ctx := context.Background()
	schedules := wsclient.New("localhost", "admin", "secret", wsclient.WithBaseURL(env.HTTPURL)).Schedules()
	opened := []map[string]any{{"hours": "08:00-12:00", "weekdays": "1-5", "monthdays": "1-31", "months": "1-12"}}
	r, err := schedules.Add(ctx, wsclient.Schedule{Name: "huit_a_midi", EntityID: 1, Timezone: "America/Montreal",
		FallbackActionType: "endcall", FallbackAction: "hangup", Description: "", Opened: opened})
	if err != nil {
		t.Fatalf("J4 add: %v", err)
	}
	rows, err := schedules.List(ctx)
	if err != nil || len(rows) != 1 || strconv.Itoa(rows[0].ID) != r || rows[0].EntityID != 1 || rows[0].FallbackAction != "endcall:hangup" {
		t.Fatalf("J4 list: %+v %v", rows, err)
	}
	s, err := schedules.View(ctx, mustAtoi(r))
	if err != nil || s.Name != "huit_a_midi" || s.Timezone != "America/Montreal" || len(s.Opened) != 1 || s.Opened[0]["hours"] != "08:00-12:00" ||
		s.Opened[0]["weekdays"] != "1-5" || s.Opened[0]["monthdays"] != "1-31" || s.Opened[0]["months"] != "1-12" || len(s.Closed) != 0 {
		t.Fatalf("J4 view: %+v %v", s, err)
	}
	// Without a fallback xivo-ws sends {"actiontype": "none"}.
	if _, err := schedules.Add(ctx, wsclient.Schedule{Name: "plain", Timezone: "America/Montreal"}); err != nil {
		t.Fatalf("J4 no fallback: %v", err)
	}
	if err := schedules.Delete(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := schedules.DeleteIfExists(ctx, r); err != nil {
		t.Fatalf("K3: %v", err)
	}
}
