package xivo_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"pbxws/tests/testenv"
)

const statsData = "/statistics/call_center/json.php/restricted/data/"

// qlog writes one queue_log row as Asterisk's realtime queue_log does: the local time as text,
// the event's parameters split over data1..data5.
func qlog(t *testing.T, env *testenv.Env, at, callid, queue, agent, event string, data ...string) {
	t.Helper()
	d := make([]any, 5)
	for i := range d {
		if i < len(data) {
			d[i] = data[i]
		} else {
			d[i] = ""
		}
	}
	mustExec(t, env, `INSERT INTO queue_log (time, callid, queuename, agent, event, data1, data2, data3, data4, data5)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, at+"+00", callid, queue, agent, event, d[0], d[1], d[2], d[3], d[4])
}

// callCenterLog is the hand-made queue log of the statistics tests: Monday 5 and Tuesday 6
// January 2026 (working days, 08:00 to 18:00 UTC), and Saturday 10 (not a working day).
func callCenterLog(t *testing.T, env *testenv.Env) {
	q := func(at, callid, queue, agent, event string, data ...string) {
		qlog(t, env, at, callid, queue, agent, event, data...)
	}
	// support (service level 20 s).
	q("2026-01-05 09:00:00", "c1", "support", "NONE", "ENTERQUEUE", "", "0600000001", "1")
	q("2026-01-05 09:00:05", "c1", "support", "Agent/1001", "CONNECT", "5", "c1-agent", "3")
	q("2026-01-05 09:03:05", "c1", "support", "Agent/1001", "COMPLETECALLER", "5", "180", "1")
	q("2026-01-05 09:10:00", "c2", "support", "NONE", "ENTERQUEUE", "", "0600000002", "1")
	q("2026-01-05 09:10:25", "c2", "support", "Agent/1002", "CONNECT", "25", "c2-agent", "4")
	q("2026-01-05 09:12:25", "c2", "support", "Agent/1002", "COMPLETEAGENT", "25", "120", "1")
	q("2026-01-05 10:00:00", "c3", "support", "NONE", "ENTERQUEUE", "", "0600000003", "1")
	q("2026-01-05 10:00:12", "c3", "support", "NONE", "ABANDON", "1", "1", "12")
	q("2026-01-05 10:30:00", "c4", "support", "NONE", "ENTERQUEUE", "", "0600000004", "1")
	q("2026-01-05 10:31:00", "c4", "support", "NONE", "EXITWITHTIMEOUT", "1", "1", "60")
	q("2026-01-05 11:00:00", "c5", "support", "NONE", "FULL")
	q("2026-01-05 11:05:00", "c6", "support", "NONE", "DIVERT_HOLDTIME")
	q("2026-01-05 11:06:00", "c7", "support", "NONE", "DIVERT_CA_RATIO")
	q("2026-01-05 17:59:00", "c8", "support", "NONE", "CLOSED")
	q("2026-01-05 19:00:00", "c9", "support", "NONE", "CLOSED") // after working hours
	// Entered at 11:59:50, answered at 12:00:10: counted at 11, when it entered.
	q("2026-01-05 11:59:50", "c10", "support", "NONE", "ENTERQUEUE", "", "0600000010", "1")
	q("2026-01-05 12:00:10", "c10", "support", "Agent/1001", "CONNECT", "20", "c10-agent", "2")
	q("2026-01-05 12:01:10", "c10", "support", "Agent/1001", "TRANSFER", "2000", "default", "20", "60")
	q("2026-01-05 13:00:00", "c11", "support", "NONE", "JOINEMPTY")
	q("2026-01-05 13:10:00", "c12", "support", "NONE", "ENTERQUEUE", "", "0600000012", "1")
	q("2026-01-05 13:10:30", "c12", "support", "NONE", "EXITEMPTY", "1", "1", "30")
	q("2026-01-05 14:00:00", "c13", "support", "NONE", "ENTERQUEUE", "", "0600000013", "1")
	q("2026-01-05 14:00:45", "c13", "support", "NONE", "ABANDON", "1", "1", "45")
	q("2026-01-06 09:00:00", "c14", "support", "NONE", "ENTERQUEUE", "", "0600000014", "1")
	q("2026-01-06 09:00:08", "c14", "support", "Agent/1002", "CONNECT", "8", "c14-agent", "2")
	q("2026-01-06 09:05:08", "c14", "support", "Agent/1002", "COMPLETECALLER", "8", "300", "1")
	q("2026-01-10 10:00:00", "c15", "support", "NONE", "ENTERQUEUE", "", "0600000015", "1") // Saturday
	q("2026-01-10 10:00:03", "c15", "support", "Agent/1001", "CONNECT", "3", "c15-agent", "2")
	q("2026-01-10 10:01:03", "c15", "support", "Agent/1001", "COMPLETECALLER", "3", "60", "1")
	// sales (service level 10 s).
	q("2026-01-05 09:20:00", "s1", "sales", "NONE", "ENTERQUEUE", "", "0600000101", "1")
	q("2026-01-05 09:20:09", "s1", "sales", "Agent/1001", "CONNECT", "9", "s1-agent", "2")
	q("2026-01-05 09:22:09", "s1", "sales", "Agent/1001", "COMPLETECALLER", "9", "120", "1")
	q("2026-01-05 15:00:00", "s2", "sales", "NONE", "ENTERQUEUE", "", "0600000102", "1")
	q("2026-01-05 15:00:03", "s2", "sales", "NONE", "ABANDON", "1", "1", "3")
	// A queue no configuration covers.
	q("2026-01-05 09:30:00", "o1", "other", "NONE", "ENTERQUEUE", "", "0600000201", "1")
	q("2026-01-05 09:30:04", "o1", "other", "Agent/1001", "CONNECT", "4", "o1-agent", "2")

	// Agent 1001: logged in 08:30 to 17:00, paused 10:00-10:15 (all queues) and
	// 12:30-12:40 (each of its queues), wrapping up 15 s after c1; a Saturday session.
	q("2026-01-05 08:30:00", "NONE", "NONE", "Agent/1001", "AGENTLOGIN", "SIP/abc-0001")
	q("2026-01-05 09:03:05", "c1", "support", "Agent/1001", "WRAPUPSTART", "15")
	q("2026-01-05 10:00:00", "NONE", "NONE", "Agent/1001", "PAUSEALL")
	q("2026-01-05 10:15:00", "NONE", "NONE", "Agent/1001", "UNPAUSEALL")
	q("2026-01-05 12:30:00", "NONE", "support", "Agent/1001", "PAUSE")
	q("2026-01-05 12:30:00", "NONE", "sales", "Agent/1001", "PAUSE")
	q("2026-01-05 12:40:00", "NONE", "support", "Agent/1001", "UNPAUSE")
	q("2026-01-05 12:40:00", "NONE", "sales", "Agent/1001", "UNPAUSE")
	q("2026-01-05 17:00:00", "NONE", "NONE", "Agent/1001", "AGENTLOGOFF", "SIP/abc-0001", "30600")
	q("2026-01-10 09:00:00", "NONE", "NONE", "Agent/1001", "AGENTLOGIN", "SIP/abc-0002")
	q("2026-01-10 11:00:00", "NONE", "NONE", "Agent/1001", "AGENTLOGOFF", "SIP/abc-0002", "7200")
	// Agent 1002: logged in since Sunday 22:00 until Monday 19:00, paused 12:00-13:00 and
	// 18:30-18:45 (after working hours); Tuesday 08:50 to 12:00.
	q("2026-01-04 22:00:00", "NONE", "NONE", "Agent/1002", "AGENTCALLBACKLOGIN", "1002@default")
	q("2026-01-05 12:00:00", "NONE", "NONE", "Agent/1002", "PAUSEALL")
	q("2026-01-05 13:00:00", "NONE", "NONE", "Agent/1002", "UNPAUSEALL")
	q("2026-01-05 18:30:00", "NONE", "NONE", "Agent/1002", "PAUSEALL")
	q("2026-01-05 18:45:00", "NONE", "NONE", "Agent/1002", "UNPAUSEALL")
	q("2026-01-05 19:00:00", "NONE", "NONE", "Agent/1002", "AGENTCALLBACKLOGOFF", "1002@default", "75600", "Agent")
	q("2026-01-06 08:50:00", "NONE", "NONE", "Agent/1002", "AGENTCALLBACKLOGIN", "1002@default")
	q("2026-01-06 12:00:00", "NONE", "NONE", "Agent/1002", "AGENTCALLBACKLOGOFF", "1002@default", "11400", "Agent")
}

// statsTable fetches one data table and reads each row's column results.
func statsTable(t *testing.T, c *xc, table, query string) map[string]map[string]any {
	t.Helper()
	raw := c.mustStatus(http.StatusOK, "GET", statsData+table, query, nil)
	var rows map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	out := map[string]map[string]any{}
	for key, row := range rows {
		out[key] = map[string]any{}
		for col, v := range row {
			var cell struct {
				Result any    `json:"result"`
				Format string `json:"format"`
				Key    string `json:"key"`
			}
			if err := json.Unmarshal(v, &cell); err != nil {
				t.Fatal(err)
			}
			if col == "rowdata" {
				if cell.Key != key {
					t.Errorf("row %s: rowdata key %q", key, cell.Key)
				}
				continue
			}
			out[key][col] = cell.Result
		}
	}
	return out
}

// expectCells checks the cells named in want (numbers as float64, nil for null).
func expectCells(t *testing.T, what string, got map[string]map[string]any, want map[string]map[string]any) {
	t.Helper()
	for row, cols := range want {
		g, ok := got[row]
		if !ok {
			t.Errorf("%s: no row %s (rows: %v)", what, row, keys(got))
			continue
		}
		for col, w := range cols {
			if gv, ok := g[col]; !ok || gv != w {
				t.Errorf("%s: %s.%s = %v, want %v", what, row, col, gv, w)
			}
		}
	}
}

func keys(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The counters of every table over the hand-made queue log, each worked out from the log
// above (working hours 08:00-18:00 UTC, Monday to Friday).
func TestCallCenterStatisticsFromTheQueueLog(t *testing.T) {
	env := testenv.Start(t)
	queues, agents, _ := callCenterFixture(t, env)
	callCenterLog(t, env)
	c := statsClient(t, env)
	raw := c.mustStatus(http.StatusOK, "POST", restrictedStatconfs, "act=add", map[string]any{
		"stats_conf": map[string]any{"name": "center", "hour_start": "08:00", "hour_end": "18:00", "dbegcache": "2026-01",
			"timezone": "UTC", "period1": "0-10", "period2": "10-20", "period3": "20-30", "period4": "30-40", "period5": "40",
			"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true, "saturday": false, "sunday": nil},
		"queue":     []int{queues[0], queues[1]},
		"queue_qos": map[string]int{strconv.Itoa(queues[0]): 20, strconv.Itoa(queues[1]): 10},
		"agent":     []int{agents[0], agents[1]}})
	conf := "confid=" + strings.Trim(strings.TrimSpace(string(raw)), `"`)
	support, sales := "queue-"+strconv.Itoa(queues[0]), "queue-"+strconv.Itoa(queues[1])
	a1001, a1002 := "agent-"+strconv.Itoa(agents[0]), "agent-"+strconv.Itoa(agents[1])
	week := conf + "&axetype=type&dbeg=2026-01-05&dend=2026-01-11"

	// stats1 by queue over the week. support: answered c1 c2 c10 c14 (4), abandoned c3 c13
	// (2), timed out c4, left empty c12, joined empty c11, full c5, diverted c6 c7, closed c8
	// (c9 came after hours, c15 on Saturday): 13 presented. Waits 5+25+12+60+20+30+45+8 =
	// 205 s over the 8 calls that waited (answered, abandoned, left empty, timed out):
	// 25.625 s. Home rate 4 / (4 answered + 2 + 1 full + 1 + 1 + 1 timed out) = 40 %. Within
	// 20 s: c1 (5), c10 (20), c14 (8) of 4 answered = 75 %.
	// sales: s1 answered after 9 s (within 10 s), s2 abandoned after 3 s.
	// total: 15 presented, 5 answered, waits 217 s over 10 calls, home rate 5/12, 4/5 in qos.
	expectCells(t, "stats1 week", statsTable(t, c, "stats1", week), map[string]map[string]any{
		support: {"presented": 13.0, "connect": 4.0, "abandon": 2.0, "on_close": 1.0, "on_timeout": 1.0, "on_saturation": 3.0,
			"on_joinempty": 1.0, "on_leaveempty": 1.0, "average_time_waiting": 25.63, "home_rated": 40.0, "qos": 75.0},
		sales: {"presented": 2.0, "connect": 1.0, "abandon": 1.0, "on_close": 0.0, "on_timeout": 0.0, "on_saturation": 0.0,
			"average_time_waiting": 6.0, "home_rated": 50.0, "qos": 100.0},
		"total": {"presented": 15.0, "connect": 5.0, "abandon": 3.0, "on_saturation": 3.0, "average_time_waiting": 21.7,
			"home_rated": 41.67, "qos": 80.0},
	})

	// stats1 of support on Monday by working hour: 9h c1 c2 (waits 5 and 25, one within
	// 20 s); 10h c3 c4; 11h c5 c6 c7 and c10 (entered 11:59:50); nothing at 12h; 13h c11
	// c12; 14h c13; 17h c8. The hours are 8 to 17.
	day := statsTable(t, c, "stats1", conf+"&axetype=day&dday=2026-01-05&key="+support)
	expectCells(t, "stats1 day", day, map[string]map[string]any{
		"8":     {"presented": 0.0, "average_time_waiting": nil, "qos": nil, "home_rated": nil},
		"9":     {"presented": 2.0, "connect": 2.0, "average_time_waiting": 15.0, "qos": 50.0, "home_rated": 100.0},
		"10":    {"presented": 2.0, "abandon": 1.0, "on_timeout": 1.0, "average_time_waiting": 36.0, "home_rated": 0.0},
		"11":    {"presented": 4.0, "connect": 1.0, "on_saturation": 3.0, "qos": 100.0, "home_rated": 50.0},
		"12":    {"presented": 0.0},
		"13":    {"presented": 2.0, "on_joinempty": 1.0, "on_leaveempty": 1.0},
		"14":    {"presented": 1.0, "abandon": 1.0},
		"17":    {"presented": 1.0, "on_close": 1.0},
		"total": {"presented": 12.0, "connect": 3.0},
	})
	if len(day) != 11 {
		t.Errorf("day rows: %v, want 8..17 and total", keys(day))
	}

	// By working day of January (22: 1-2, 5-9, 12-16, 19-23, 26-30), by day of the week
	// of 7 January, by month of 2026.
	month := statsTable(t, c, "stats1", conf+"&axetype=month&dmonth=2026-01&key="+support)
	expectCells(t, "stats1 month", month, map[string]map[string]any{
		"20260105": {"presented": 12.0}, "20260106": {"presented": 1.0, "connect": 1.0, "qos": 100.0},
		"20260107": {"presented": 0.0}, "total": {"presented": 13.0, "connect": 4.0},
	})
	if _, sat := month["20260110"]; sat || len(month) != 23 {
		t.Errorf("month rows: %v", keys(month))
	}
	weekRows := statsTable(t, c, "stats1", conf+"&axetype=week&dweek=2026-01-07&key="+support)
	expectCells(t, "stats1 week axis", weekRows, map[string]map[string]any{
		"20260105": {"presented": 12.0}, "20260109": {"presented": 0.0}, "total": {"presented": 13.0},
	})
	if len(weekRows) != 6 {
		t.Errorf("week rows: %v", keys(weekRows))
	}
	year := statsTable(t, c, "stats1", conf+"&axetype=year&dyear=2026&key="+sales)
	expectCells(t, "stats1 year", year, map[string]map[string]any{
		"1": {"presented": 2.0, "connect": 1.0}, "2": {"presented": 0.0}, "12": {"presented": 0.0}, "total": {"presented": 2.0},
	})

	// stats4: support's answered calls by wait: 5 and 8 s in 0-10, 20 and 25 s in 20-30;
	// abandoned: 12 s in 10-20, 45 s in 40 and more.
	expectCells(t, "stats4", statsTable(t, c, "stats4", week), map[string]map[string]any{
		support: {"tperiod1": 2.0, "tperiod2": 0.0, "tperiod3": 2.0, "tperiod4": 0.0, "tperiod5": 0.0,
			"aperiod1": 0.0, "aperiod2": 1.0, "aperiod3": 0.0, "aperiod4": 0.0, "aperiod5": 1.0},
		sales:   {"tperiod1": 1.0, "aperiod1": 1.0},
		"total": {"tperiod1": 3.0, "tperiod3": 2.0, "aperiod1": 1.0, "aperiod2": 1.0, "aperiod5": 1.0},
	})

	// stats2: agent 1001 answered c1, c10 and s1 (o1's queue is not counted in queues, but
	// the agent answered it: 4), talked 180 + 60 + 120 s, wrapped up 15 s, logged in 08:30 to
	// 17:00 (30600 s), paused 900 + 600 s; its Saturday does not count. Agent 1002 answered c2
	// and c14, talked 120 + 300 s, logged in Monday 08:00-18:00 (the session began Sunday;
	// working hours bound it) and Tuesday 08:50-12:00: 36000 + 11400 s, paused 3600 s (the
	// pause after hours does not count).
	expectCells(t, "stats2", statsTable(t, c, "stats2", week), map[string]map[string]any{
		a1001:   {"connect": 4.0, "conversation": 360.0, "login": 30600.0, "pause": 1500.0, "wrapup": 15.0},
		a1002:   {"connect": 2.0, "conversation": 420.0, "login": 47400.0, "pause": 3600.0, "wrapup": 0.0},
		"total": {"connect": 6.0, "conversation": 780.0, "login": 78000.0, "pause": 5100.0, "wrapup": 15.0},
	})
	// stats3: available is logged in less talking, wrapping up and paused.
	expectCells(t, "stats3", statsTable(t, c, "stats3", week), map[string]map[string]any{
		a1001:   {"login": 30600.0, "total": 375.0, "total_with_talk": 360.0, "total_with_wup": 15.0, "available": 28725.0, "totalwithdrawal": 1500.0},
		a1002:   {"login": 47400.0, "total": 420.0, "total_with_talk": 420.0, "total_with_wup": 0.0, "available": 43380.0, "totalwithdrawal": 3600.0},
		"total": {"login": 78000.0, "available": 72105.0, "totalwithdrawal": 5100.0},
	})
	// Agent 1002 on Monday by hour: logged in all ten working hours, paused 12h, c2 at 9h.
	expectCells(t, "stats2 day", statsTable(t, c, "stats2", conf+"&axetype=day&dday=2026-01-05&key="+a1002), map[string]map[string]any{
		"8": {"login": 3600.0, "pause": 0.0}, "9": {"login": 3600.0, "connect": 1.0, "conversation": 120.0},
		"12": {"login": 3600.0, "pause": 3600.0}, "17": {"login": 3600.0}, "total": {"login": 36000.0, "pause": 3600.0},
	})
	// Without period fields: the configuration's default range, here January (the end of
	// dendcache's month back by a month: Wednesday 31 December to Saturday 31 January).
	c.mustStatus(http.StatusOK, "POST", restrictedStatconfs, "act=edit&"+strings.Replace(conf, "confid", "id", 1),
		map[string]any{"stats_conf": map[string]any{"dendcache": "2026-01", "default_delta": "-1 month"}})
	expectCells(t, "stats1 default range", statsTable(t, c, "stats1", conf), map[string]map[string]any{
		support: {"presented": 13.0}, sales: {"presented": 2.0},
	})
	expectCells(t, "stats1 default month", statsTable(t, c, "stats1", conf+"&axetype=month&key="+support), map[string]map[string]any{
		"20251231": {"presented": 0.0}, "total": {"presented": 0.0},
	})

	// The same working hours told in Paris's time (UTC+1 in January): the same figures, the
	// day's rows named by Paris's hours.
	raw = c.mustStatus(http.StatusOK, "POST", restrictedStatconfs, "act=add", map[string]any{
		"stats_conf": map[string]any{"name": "center-paris", "hour_start": "09:00", "hour_end": "19:00", "dbegcache": "2026-01",
			"timezone": "Europe/Paris", "period1": "0-10", "monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true},
		"queue": []int{queues[0]}, "queue_qos": map[string]int{strconv.Itoa(queues[0]): 20}, "agent": []int{agents[1]}})
	paris := "confid=" + strings.Trim(strings.TrimSpace(string(raw)), `"`)
	expectCells(t, "stats1 Paris", statsTable(t, c, "stats1", paris+"&axetype=type&dbeg=2026-01-05&dend=2026-01-11"), map[string]map[string]any{
		support: {"presented": 13.0, "connect": 4.0, "on_close": 1.0, "qos": 75.0},
	})
	expectCells(t, "stats1 Paris day", statsTable(t, c, "stats1", paris+"&axetype=day&dday=2026-01-05&key="+support), map[string]map[string]any{
		"10": {"presented": 2.0, "connect": 2.0}, "12": {"presented": 4.0}, "18": {"on_close": 1.0},
	})
	expectCells(t, "stats2 Paris", statsTable(t, c, "stats2", paris+"&axetype=type&dbeg=2026-01-05&dend=2026-01-11"), map[string]map[string]any{
		a1002: {"login": 47400.0, "pause": 3600.0},
	})
	// Agent 1001 on Monday: 08:30-09:00 in the 8h row, the 10:00 pause at 10h.
	expectCells(t, "stats3 day", statsTable(t, c, "stats3", conf+"&axetype=day&dday=2026-01-05&key="+a1001), map[string]map[string]any{
		"8": {"login": 1800.0}, "10": {"login": 3600.0, "totalwithdrawal": 900.0}, "16": {"login": 3600.0}, "17": {"login": 0.0},
	})
}

// Parameters that do not name a report answer 400 naming the parameter.
func TestCallCenterStatisticsRefuseBadParameters(t *testing.T) {
	env := testenv.Start(t)
	queues, agents, _ := callCenterFixture(t, env)
	c := statsClient(t, env)
	raw := c.mustStatus(http.StatusOK, "POST", restrictedStatconfs, "act=add", map[string]any{
		"stats_conf": map[string]any{"name": "center", "hour_start": "08:00", "hour_end": "18:00", "dbegcache": "2026-01",
			"period1": "0-10", "monday": true},
		"queue": []int{queues[0]}, "queue_qos": map[string]int{strconv.Itoa(queues[0]): 20}, "agent": []int{agents[0]}})
	conf := "confid=" + strings.Trim(strings.TrimSpace(string(raw)), `"`)
	for _, tc := range []struct {
		table, query, field string
	}{
		{"stats1", "axetype=type&dbeg=2026-01-01&dend=2026-01-31", "confid"},
		{"stats1", "confid=9999&axetype=type&dbeg=2026-01-01&dend=2026-01-31", "confid"},
		{"stats1", conf + "&axetype=hour", "axetype"},
		{"stats1", conf + "&axetype=type&dbeg=2026-1-5&dend=2026-01-31", "dbeg"},
		{"stats1", conf + "&axetype=type&dbeg=2026-01-31&dend=2026-01-01", "dend"},
		{"stats1", conf + "&axetype=type&dbeg=2026-02-30&dend=2026-03-01", "dbeg"},
		{"stats1", conf + "&axetype=day&dday=&key=queue-" + strconv.Itoa(queues[0]), "dday"},
		{"stats4", conf + "&axetype=month&dmonth=2026-13&key=queue-" + strconv.Itoa(queues[0]), "dmonth"},
		{"stats1", conf + "&axetype=year&dyear=26&key=queue-" + strconv.Itoa(queues[0]), "dyear"},
		{"stats1", conf + "&axetype=week&dweek=2026-01-07", "key"},
		{"stats1", conf + "&axetype=week&dweek=2026-01-07&key=queue-" + strconv.Itoa(queues[1]), "key"},
		{"stats2", conf + "&axetype=week&dweek=2026-01-07&key=queue-" + strconv.Itoa(queues[0]), "key"},
		{"stats3", conf + "&axetype=day&dday=2026-01-05&key=agent-" + strconv.Itoa(agents[1]), "key"},
		{"stats1", conf + "&axetype=type&dbeg=0001-01-01&dend=9999-12-31", "dbeg"},
		{"stats1", conf + "&axetype=type&dbeg=2020-01-01&dend=2026-01-31", "dend"},
		{"stats1", conf + "&axetype=year&dyear=0000&key=queue-" + strconv.Itoa(queues[0]), "dyear"},
		{"stats1", conf + "&axetype=day&dday=1969-12-31&key=queue-" + strconv.Itoa(queues[0]), "dday"},
	} {
		st, _, body := c.do("GET", statsData+tc.table, tc.query, nil)
		var e struct {
			Fields map[string]string `json:"fields"`
		}
		if st != http.StatusBadRequest || json.Unmarshal(body, &e) != nil || e.Fields[tc.field] == "" {
			t.Errorf("%s?%s: %d %s, want 400 naming %s", tc.table, tc.query, st, body, tc.field)
		}
	}
	// A configuration with nothing in the log: zeros, null ratios, 200; sum is ignored.
	rows := statsTable(t, c, "stats1", conf+"&axetype=type&dbeg=2026-01-01&dend=2026-01-31&sum=d41d8cd98f00b204e9800998ecf8427e")
	expectCells(t, "empty", rows, map[string]map[string]any{
		"queue-" + strconv.Itoa(queues[0]): {"presented": 0.0, "qos": nil, "average_time_waiting": nil},
		"total":                            {"presented": 0.0},
	})
}

// A pause that a logoff ended before the report's window (Asterisk logs no UNPAUSE then) does
// not come back with the next login: the agent is logged in, not paused, all Tuesday.
func TestCallCenterStatisticsPauseEndsWithTheLogoff(t *testing.T) {
	env := testenv.Start(t)
	queues, agents, _ := callCenterFixture(t, env)
	for _, e := range [][2]string{{"2026-01-05 09:00:00", "AGENTLOGIN"}, {"2026-01-05 12:00:00", "PAUSEALL"},
		{"2026-01-05 12:05:00", "AGENTLOGOFF"}, {"2026-01-05 13:00:00", "AGENTLOGIN"}} {
		qlog(t, env, e[0], "NONE", "NONE", "Agent/1001", e[1])
	}
	c := statsClient(t, env)
	raw := c.mustStatus(http.StatusOK, "POST", restrictedStatconfs, "act=add", map[string]any{
		"stats_conf": map[string]any{"name": "carried", "hour_start": "08:00", "hour_end": "18:00", "dbegcache": "2026-01",
			"timezone": "UTC", "period1": "0-10", "monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true},
		"queue": []int{queues[0]}, "agent": []int{agents[0]}})
	conf := "confid=" + strings.Trim(strings.TrimSpace(string(raw)), `"`)
	a1001 := "agent-" + strconv.Itoa(agents[0])
	expectCells(t, "stats2 Tuesday", statsTable(t, c, "stats2", conf+"&axetype=type&dbeg=2026-01-06&dend=2026-01-06"), map[string]map[string]any{
		a1001: {"login": 36000.0, "pause": 0.0},
	})
	// Monday: logged in 09:00-12:05 and 13:00-18:00, paused 12:00-12:05.
	expectCells(t, "stats2 Monday", statsTable(t, c, "stats2", conf+"&axetype=type&dbeg=2026-01-05&dend=2026-01-05"), map[string]map[string]any{
		a1001: {"login": 11100.0 + 18000.0, "pause": 300.0},
	})
}

// The day the clocks spring forward has no 02:00 in Paris: one row for 03:00, the call at
// 03:30 counted once.
func TestCallCenterStatisticsSpringForward(t *testing.T) {
	env := testenv.Start(t)
	queues, _, _ := callCenterFixture(t, env)
	qlog(t, env, "2026-03-29 01:30:00", "d1", "support", "NONE", "ENTERQUEUE", "", "0600000001", "1") // 03:30 in Paris
	qlog(t, env, "2026-03-29 01:30:04", "d1", "support", "Agent/1001", "CONNECT", "4", "d1-agent", "1")
	c := statsClient(t, env)
	raw := c.mustStatus(http.StatusOK, "POST", restrictedStatconfs, "act=add", map[string]any{
		"stats_conf": map[string]any{"name": "paris", "hour_start": "00:00", "hour_end": "06:00", "dbegcache": "2026-03",
			"timezone": "Europe/Paris", "period1": "0-10", "sunday": true},
		"queue": []int{queues[0]}})
	conf := "confid=" + strings.Trim(strings.TrimSpace(string(raw)), `"`)
	day := statsTable(t, c, "stats1", conf+"&axetype=day&dday=2026-03-29&key=queue-"+strconv.Itoa(queues[0]))
	expectCells(t, "spring forward", day, map[string]map[string]any{
		"1": {"presented": 0.0}, "3": {"presented": 1.0, "connect": 1.0}, "total": {"presented": 1.0, "connect": 1.0},
	})
	if _, two := day["2"]; two || len(day) != 6 {
		t.Errorf("rows %v: want 0, 1, 3, 4, 5 and total", keys(day))
	}
}

// Asterisk 12 and later log a transfer as BLINDTRANSFER or ATTENDEDTRANSFER: its call time
// is conversation, as TRANSFER's is.
func TestCallCenterStatisticsCountModernTransfers(t *testing.T) {
	env := testenv.Start(t)
	queues, agents, _ := callCenterFixture(t, env)
	q := func(at, callid, agent, event string, data ...string) {
		qlog(t, env, at, callid, "support", agent, event, data...)
	}
	q("2026-01-05 09:00:00", "b1", "NONE", "ENTERQUEUE", "", "0600000001", "1")
	q("2026-01-05 09:00:05", "b1", "Agent/1001", "CONNECT", "5", "b1-agent", "2")
	q("2026-01-05 09:01:45", "b1", "Agent/1001", "BLINDTRANSFER", "2000", "default", "5", "100", "1")
	q("2026-01-05 10:00:00", "b2", "NONE", "ENTERQUEUE", "", "0600000002", "1")
	q("2026-01-05 10:00:10", "b2", "Agent/1001", "CONNECT", "10", "b2-agent", "2")
	q("2026-01-05 10:01:00", "b2", "Agent/1001", "ATTENDEDTRANSFER", "BRIDGE", "SIP/x-1", "10", "50", "1")
	c := statsClient(t, env)
	raw := c.mustStatus(http.StatusOK, "POST", restrictedStatconfs, "act=add", map[string]any{
		"stats_conf": map[string]any{"name": "transfers", "hour_start": "08:00", "hour_end": "18:00", "dbegcache": "2026-01",
			"timezone": "UTC", "period1": "0-10", "monday": true},
		"queue": []int{queues[0]}, "agent": []int{agents[0]}})
	conf := "confid=" + strings.Trim(strings.TrimSpace(string(raw)), `"`)
	expectCells(t, "stats2", statsTable(t, c, "stats2", conf+"&axetype=type&dbeg=2026-01-05&dend=2026-01-05"), map[string]map[string]any{
		"agent-" + strconv.Itoa(agents[0]): {"connect": 2.0, "conversation": 150.0},
	})
}
