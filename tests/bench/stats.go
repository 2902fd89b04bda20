package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"pbxws/models"
)

// The statistics scenario: data/stats1 of one queue for one month, by day, over a queue log
// of statsRows rows written as Asterisk's realtime queue_log would: statsQueues queues, 50
// agents, calls spread evenly over January 2026, three rows a call (entering, the exit,
// the end of the conversation, or an agent's pause and ring for the calls not answered).
const (
	statsRows   = 2_000_000
	statsQueues = 10
	statsAgents = 50
	// statsSeedLimit bounds the seeding (one statement, then VACUUM ANALYZE).
	statsSeedLimit = 5 * time.Minute
)

var statsMonth = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// statsConf and statsQueueID are the configuration and the queue (q3) the scenario reads,
// as the seeding created them.
var statsConf, statsQueueID int

// seedStats writes the queue log in one set-based statement computed by the server, then
// the queues, agents and the statistics configuration (08:00-20:00 UTC, Monday to
// Saturday, service level 20 s) that covers them.
func seedStats(ctx context.Context, db *sqlx.DB) error {
	ctx, cancel := context.WithTimeout(ctx, statsSeedLimit)
	defer cancel()
	calls := statsRows / 3
	step := float64(31*86400) / float64(calls)
	_, err := db.ExecContext(ctx, `INSERT INTO queue_log (time, callid, queuename, agent, event, data1, data2, data3, data4, data5)
		SELECT CAST($1 AS timestamptz) + make_interval(secs => c.start + CASE r.e WHEN 0 THEN 0 WHEN 1 THEN c.wait
				ELSE c.wait + CASE WHEN c.outcome < 7 THEN c.talk ELSE 1 END END),
			c.callid, c.queue,
			CASE WHEN r.e = 0 OR c.outcome IN (7, 8) AND r.e = 1 THEN 'NONE' ELSE c.agent END,
			CASE r.e WHEN 0 THEN CASE c.outcome WHEN 9 THEN 'FULL' ELSE 'ENTERQUEUE' END
				WHEN 1 THEN CASE WHEN c.outcome < 7 THEN 'CONNECT' WHEN c.outcome = 7 THEN 'ABANDON'
					WHEN c.outcome = 8 THEN 'EXITWITHTIMEOUT' ELSE 'PAUSE' END
				ELSE CASE WHEN c.outcome < 7 THEN 'COMPLETECALLER' WHEN c.outcome = 9 THEN 'UNPAUSE' ELSE 'RINGNOANSWER' END END,
			CASE WHEN r.e = 1 AND c.outcome < 7 THEN CAST(c.wait AS text) WHEN r.e = 1 AND c.outcome IN (7, 8) THEN '1'
				WHEN r.e = 2 AND c.outcome < 7 THEN CAST(c.wait AS text) WHEN r.e = 2 AND c.outcome = 8 THEN '15000' ELSE '' END,
			CASE WHEN r.e = 0 THEN '06' || lpad(CAST(c.k % 100000000 AS text), 8, '0') WHEN r.e = 1 AND c.outcome < 7 THEN c.callid || '-agent'
				WHEN r.e = 1 AND c.outcome IN (7, 8) THEN '1' WHEN r.e = 2 AND c.outcome < 7 THEN CAST(c.talk AS text) ELSE '' END,
			CASE WHEN r.e = 0 THEN '1' WHEN r.e = 1 AND c.outcome IN (7, 8) THEN CAST(c.wait AS text)
				WHEN r.e = 1 AND c.outcome < 7 THEN '3' WHEN r.e = 2 AND c.outcome < 7 THEN '1' ELSE '' END,
			'', ''
		FROM (SELECT k, k * CAST($2 AS float8) AS start, 'q' || (k % $3) AS queue,
				'Agent/' || (1000 + k % $4) AS agent, (k / $3) % 10 AS outcome,
				1 + (k * 7) % 90 AS wait, 30 + (k * 13) % 600 AS talk,
				CAST(1767225600 + k AS text) || '.' || k AS callid
			FROM generate_series(0, $5 - 1) k) c
		CROSS JOIN generate_series(0, 2) r (e)`,
		statsMonth.Format(time.RFC3339), step, statsQueues, statsAgents, calls)
	if err != nil {
		return err
	}
	for q := 0; q < statsQueues; q++ {
		var id int
		if err := db.GetContext(ctx, &id, `INSERT INTO queues (name, displayname, context) VALUES ($1, $2, 'default') RETURNING id`,
			fmt.Sprintf("q%d", q), fmt.Sprintf("Queue %d", q)); err != nil {
			return err
		}
		if q == 3 {
			statsQueueID = id
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO agents (number, firstname, context)
		SELECT CAST(1000 + a AS text), 'Agent', 'default' FROM generate_series(0, $1 - 1) a`, statsAgents); err != nil {
		return err
	}
	if err := db.GetContext(ctx, &statsConf, `INSERT INTO stats_confs (name, timezone, hour_start, hour_end, dbegcache,
			period1, period2, period3, period4, period5, monday, tuesday, wednesday, thursday, friday, saturday)
		VALUES ('bench', 'UTC', '08:00', '20:00', '2026-01', '0-10', '10-20', '20-30', '30-40', '40',
			true, true, true, true, true, true) RETURNING id`); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO stats_conf_queues (stats_conf_id, queue_id, qos) SELECT $1, id, 20 FROM queues`, statsConf); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO stats_conf_agents (stats_conf_id, agent_id) SELECT $1, id FROM agents`, statsConf); err != nil {
		return err
	}
	if _, err = db.ExecContext(ctx, `VACUUM ANALYZE queue_log`); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CHECKPOINT`); err != nil {
		fmt.Fprintln(os.Stderr, "bench: CHECKPOINT refused, measuring anyway:", err)
	}
	return nil
}

func statsScenario() scenario {
	return scenario{
		name: "stats1 queue-month, 2M (4 conns)", short: "stats", workers: 4, maxReqs: 2000, maxTime: 10 * time.Second, warmup: 8,
		request: func(int) (string, string, string) {
			return "GET", fmt.Sprintf("/statistics/call_center/json.php/restricted/data/stats1/?act=stats&confid=%d&axetype=month&dmonth=%s&key=queue-%d",
				statsConf, statsMonth.Format("2006-01"), statsQueueID), ""
		},
		validate: func() func(int, []byte) error {
			return expect(200, once(func(body []byte) error {
				var rows map[string]map[string]json.RawMessage
				if err := json.Unmarshal(body, &rows); err != nil {
					return err
				}
				// The working days of January 2026 (Monday to Saturday: 27) and the total.
				if len(rows) != 28 {
					return fmt.Errorf("stats1 answered %d rows, want 28", len(rows))
				}
				var presented struct {
					Result int `json:"result"`
				}
				if err := json.Unmarshal(rows["total"]["presented"], &presented); err != nil || presented.Result == 0 {
					return fmt.Errorf("stats1 total presented %s: %v", rows["total"]["presented"], err)
				}
				return nil
			}))
		},
	}
}

// stats is the baseline's statistics answer: the queue counters' SELECT pbxws runs, for the
// bench configuration's queue and month, summed into one row a working day and a total
// (presented calls only), encoded with encoding/json.
func (b *baseline) stats(r *http.Request) (any, error) {
	q := r.URL.Query()
	month, err := time.ParseInLocation("2006-01", q.Get("dmonth"), time.UTC)
	if err != nil {
		return nil, err
	}
	w := models.StatsWindow{Beg: month, End: month.AddDate(0, 1, 0), Loc: time.UTC, StartMin: 8 * 60, EndMin: 20 * 60,
		Days: map[time.Weekday]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true,
			time.Friday: true, time.Saturday: true}, Unit: "day"}
	periods := []models.WaitPeriod{{Beg: 0, End: 10}, {Beg: 10, End: 20}, {Beg: 20, End: 30}, {Beg: 30, End: 40}, {Beg: 40, End: -1}}
	queue := []models.StatsQueue{{Name: "q" + strconv.Itoa(3), QoS: 20}}
	rows, err := rowsOf(b.db.QueryContext(r.Context(), models.QueueStatsSQL, models.QueueStatsArgs(w, queue, periods)...))
	if err != nil {
		return nil, err
	}
	type cell struct {
		Result int `json:"result"`
	}
	byDay := map[string]int{}
	total := 0
	for _, row := range rows {
		n, _ := row["calls"].(int64)
		byDay[row["bucket"].(string)[:8]] += int(n)
		total += int(n)
	}
	out := map[string]map[string]cell{"total": {"presented": {total}}}
	for d := w.Beg; d.Before(w.End); d = d.AddDate(0, 0, 1) {
		if w.Days[d.Weekday()] {
			out[d.Format("20060102")] = map[string]cell{"presented": {byDay[d.Format("20060102")]}}
		}
	}
	return out, nil
}
