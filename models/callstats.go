package models

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// The call-center statistics, computed from queue_log as Asterisk (and XiVO's dialplan)
// write it. A call in a queue ends with exactly one of these events, which carries how long
// it waited:
//
//	CONNECT(holdtime|bridged channel|ringtime)            answered
//	ABANDON(position|origposition|waittime)               abandoned: the caller hung up
//	EXITWITHTIMEOUT(position|origposition|waittime)       timed out: the queue's timeout ran out
//	EXITEMPTY / LEAVEEMPTY(position|origposition|waittime) left when no member could answer
//
// and a call that never waited is logged by the dialplan with one of FULL (the queue was at
// its maxlen), CLOSED (outside the queue's schedule), JOINEMPTY (no member to join),
// DIVERT_CA_RATIO and DIVERT_HOLDTIME (overflowed by the calls-per-agent ratio or the
// expected hold time). A call is counted in the period it entered the queue: the event's time
// less its wait. Agents' events: CONNECT names the agent who answered,
// COMPLETECALLER/COMPLETEAGENT(holdtime|calltime|origposition) and
// TRANSFER(exten|context|holdtime|calltime) close the conversation, WRAPUPSTART(seconds)
// starts the wrap-up, AGENTLOGIN/AGENTCALLBACKLOGIN and AGENTLOGOFF/AGENTCALLBACKLOGOFF bound
// a session, PAUSE/PAUSEALL and UNPAUSE/UNPAUSEALL a pause.

// StatsWindow is what a report counts: what happens from Beg to End (exclusive), on the
// working days and within the working hours (minutes of the day, StartMin to EndMin) of
// Loc (the zone named Zone, as PostgreSQL names it too), bucketed by Unit: "hour", "day",
// "month" or "year".
type StatsWindow struct {
	Beg, End         time.Time
	Zone             string
	Loc              *time.Location
	StartMin, EndMin int
	Days             map[time.Weekday]bool
	Unit             string
}

// BucketKey is the key of the bucket t (in the window's zone) falls in: YYYYMMDDHH of the
// bucket's start, as the statistics queries write it.
func (w StatsWindow) BucketKey(t time.Time) string {
	t = t.In(w.Loc)
	switch w.Unit {
	case "hour":
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, w.Loc)
	case "day":
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, w.Loc)
	case "month":
		t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, w.Loc)
	default:
		t = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, w.Loc)
	}
	return t.Format("2006010215")
}

func (w StatsWindow) isoDays() pq.Int64Array {
	var out pq.Int64Array
	for d := range w.Days {
		iso := int64(d)
		if d == time.Sunday {
			iso = 7
		}
		out = append(out, iso)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func clock(min int) string { return fmt.Sprintf("%02d:%02d:00", min/60, min%60) }

// QueueCounters are one queue's calls in one bucket.
type QueueCounters struct {
	Answered, Abandoned, Timeout, LeaveEmpty, JoinEmpty int
	Full, Closed, DivertCARatio, DivertHoldTime         int
	// WaitTotal is the seconds every call waited; AnsweredInQoS the calls answered within
	// the queue's service level.
	WaitTotal, AnsweredInQoS int
	// By waiting-time period (the configuration's periods, in order).
	AnsweredByPeriod, AbandonedByPeriod []int
}

// Add sums o into c.
func (c *QueueCounters) Add(o *QueueCounters) {
	c.Answered += o.Answered
	c.Abandoned += o.Abandoned
	c.Timeout += o.Timeout
	c.LeaveEmpty += o.LeaveEmpty
	c.JoinEmpty += o.JoinEmpty
	c.Full += o.Full
	c.Closed += o.Closed
	c.DivertCARatio += o.DivertCARatio
	c.DivertHoldTime += o.DivertHoldTime
	c.WaitTotal += o.WaitTotal
	c.AnsweredInQoS += o.AnsweredInQoS
	for i := range o.AnsweredByPeriod {
		for len(c.AnsweredByPeriod) <= i {
			c.AnsweredByPeriod = append(c.AnsweredByPeriod, 0)
			c.AbandonedByPeriod = append(c.AbandonedByPeriod, 0)
		}
		c.AnsweredByPeriod[i] += o.AnsweredByPeriod[i]
		c.AbandonedByPeriod[i] += o.AbandonedByPeriod[i]
	}
}

// Presented is every call the queue was offered.
func (c *QueueCounters) Presented() int {
	return c.Answered + c.Abandoned + c.Timeout + c.LeaveEmpty + c.JoinEmpty + c.Full + c.Closed + c.DivertCARatio + c.DivertHoldTime
}

// QueueStatsSQL reads the calls of queues ($1) that entered from $2 to $3, bucketed by
// date_trunc($4) in zone $5, within working hours ($6 to $7) on working days ($8, ISO
// numbers), each queue with its service level ($9, $10 parallel to the names), counted by
// their closing event, with the answered and abandoned calls by waiting-time period
// ($11..$20: begin and end of periods 1 to 5, null when unused, end -1 when open). The
// index range is widened by a day past $3: a call closes after it entered, never a day after.
const QueueStatsSQL = `SELECT c.queuename, to_char(date_trunc($4, c.entered_local), 'YYYYMMDDHH24') AS bucket, c.event,
		count(*) AS calls, COALESCE(sum(c.wait), 0) AS wait,
		count(*) FILTER (WHERE c.wait <= q.qos) AS in_qos,
		count(*) FILTER (WHERE c.period = 1) AS p1, count(*) FILTER (WHERE c.period = 2) AS p2,
		count(*) FILTER (WHERE c.period = 3) AS p3, count(*) FILTER (WHERE c.period = 4) AS p4,
		count(*) FILTER (WHERE c.period = 5) AS p5
	FROM (SELECT e.queuename, e.event, e.wait, e.entered AT TIME ZONE $5 AS entered_local,
			CASE WHEN e.wait >= $11 AND ($12 < 0 OR e.wait < $12) THEN 1
				WHEN e.wait >= $13 AND ($14 < 0 OR e.wait < $14) THEN 2
				WHEN e.wait >= $15 AND ($16 < 0 OR e.wait < $16) THEN 3
				WHEN e.wait >= $17 AND ($18 < 0 OR e.wait < $18) THEN 4
				WHEN e.wait >= $19 AND ($20 < 0 OR e.wait < $20) THEN 5 ELSE 0 END AS period
		FROM (SELECT l.queuename, l.event, w.wait, l.time - make_interval(secs => w.wait) AS entered
			FROM queue_log l
			CROSS JOIN LATERAL (SELECT CASE l.event WHEN 'CONNECT' THEN l.data1 WHEN 'ABANDON' THEN l.data3
				WHEN 'EXITWITHTIMEOUT' THEN l.data3 WHEN 'EXITEMPTY' THEN l.data3 WHEN 'LEAVEEMPTY' THEN l.data3 END AS raw) r
			CROSS JOIN LATERAL (SELECT CASE WHEN r.raw ~ '^[0-9]{1,6}$' THEN CAST(r.raw AS integer) ELSE 0 END AS wait) w
			WHERE l.queuename = ANY($1) AND l.time >= $2 AND l.time < CAST($3 AS timestamptz) + interval '1 day'
				AND l.event IN ('CONNECT', 'ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY', 'LEAVEEMPTY', 'FULL', 'CLOSED',
					'JOINEMPTY', 'DIVERT_CA_RATIO', 'DIVERT_HOLDTIME')) e
		WHERE e.entered >= $2 AND e.entered < $3) c
	JOIN unnest(CAST($9 AS text[]), CAST($10 AS integer[])) AS q (name, qos) ON q.name = c.queuename
	WHERE CAST(c.entered_local AS time) >= CAST($6 AS time) AND CAST(c.entered_local AS time) < CAST($7 AS time)
		AND CAST(EXTRACT(ISODOW FROM c.entered_local) AS integer) = ANY($8)
	GROUP BY c.queuename, bucket, c.event`

// QueueStatsArgs are QueueStatsSQL's arguments.
func QueueStatsArgs(w StatsWindow, queues []StatsQueue, periods []WaitPeriod) []any {
	names := make(pq.StringArray, len(queues))
	qos := make(pq.Int64Array, len(queues))
	for i, q := range queues {
		names[i], qos[i] = q.Name, int64(q.QoS)
	}
	args := []any{names, w.Beg, w.End, w.Unit, w.Zone, clock(w.StartMin), clock(w.EndMin), w.isoDays(), names, qos}
	for i := 0; i < 5; i++ {
		if i < len(periods) {
			args = append(args, periods[i].Beg, periods[i].End)
		} else {
			args = append(args, nil, nil)
		}
	}
	return args
}

// CallStatsStore computes the statistics from queue_log.
type CallStatsStore struct{ db *sqlx.DB }

// Queues counts the calls of each queue (by name) in each bucket (BucketKey).
func (s *CallStatsStore) Queues(ctx context.Context, w StatsWindow, queues []StatsQueue, periods []WaitPeriod) (map[string]map[string]*QueueCounters, error) {
	out := map[string]map[string]*QueueCounters{}
	if len(queues) == 0 {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, QueueStatsSQL, QueueStatsArgs(w, queues, periods)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var queue, bucket, event string
		var calls, wait, inQoS int
		var p [5]int
		if err := rows.Scan(&queue, &bucket, &event, &calls, &wait, &inQoS, &p[0], &p[1], &p[2], &p[3], &p[4]); err != nil {
			return nil, err
		}
		byBucket := out[queue]
		if byBucket == nil {
			byBucket = map[string]*QueueCounters{}
			out[queue] = byBucket
		}
		c := byBucket[bucket]
		if c == nil {
			c = &QueueCounters{AnsweredByPeriod: make([]int, len(periods)), AbandonedByPeriod: make([]int, len(periods))}
			byBucket[bucket] = c
		}
		c.WaitTotal += wait
		switch event {
		case "CONNECT":
			c.Answered += calls
			c.AnsweredInQoS += inQoS
			for i := range periods {
				c.AnsweredByPeriod[i] += p[i]
			}
		case "ABANDON":
			c.Abandoned += calls
			for i := range periods {
				c.AbandonedByPeriod[i] += p[i]
			}
		case "EXITWITHTIMEOUT":
			c.Timeout += calls
		case "EXITEMPTY", "LEAVEEMPTY":
			c.LeaveEmpty += calls
		case "JOINEMPTY":
			c.JoinEmpty += calls
		case "FULL":
			c.Full += calls
		case "CLOSED":
			c.Closed += calls
		case "DIVERT_CA_RATIO":
			c.DivertCARatio += calls
		case "DIVERT_HOLDTIME":
			c.DivertHoldTime += calls
		}
	}
	return out, rows.Err()
}

// AgentCounters are one agent's activity in one bucket; times are seconds.
type AgentCounters struct {
	Answered     int
	Talk, Wrapup int
	Login, Pause time.Duration
}

// Add sums o into c.
func (c *AgentCounters) Add(o *AgentCounters) {
	c.Answered += o.Answered
	c.Talk += o.Talk
	c.Wrapup += o.Wrapup
	c.Login += o.Login
	c.Pause += o.Pause
}

// agentCallsSQL counts each agent's answered calls, conversation and wrap-up seconds by
// bucket: a conversation is counted when it began (its closing event's time less its length).
const agentCallsSQL = `SELECT c.agent, to_char(date_trunc($4, c.local), 'YYYYMMDDHH24') AS bucket,
		count(*) FILTER (WHERE c.event = 'CONNECT') AS answered,
		COALESCE(sum(c.secs) FILTER (WHERE c.event IN ('COMPLETECALLER', 'COMPLETEAGENT', 'TRANSFER')), 0) AS talk,
		COALESCE(sum(c.secs) FILTER (WHERE c.event = 'WRAPUPSTART'), 0) AS wrapup
	FROM (SELECT l.agent, l.event, v.secs, s.began AT TIME ZONE $5 AS local, s.began
		FROM queue_log l
		CROSS JOIN LATERAL (SELECT CASE l.event WHEN 'COMPLETECALLER' THEN l.data2 WHEN 'COMPLETEAGENT' THEN l.data2
			WHEN 'TRANSFER' THEN l.data4 WHEN 'WRAPUPSTART' THEN l.data1 END AS raw) r
		CROSS JOIN LATERAL (SELECT CASE WHEN r.raw ~ '^[0-9]{1,6}$' THEN CAST(r.raw AS integer) ELSE 0 END AS secs) v
		CROSS JOIN LATERAL (SELECT CASE WHEN l.event IN ('COMPLETECALLER', 'COMPLETEAGENT', 'TRANSFER')
			THEN l.time - make_interval(secs => v.secs) ELSE l.time END AS began) s
		WHERE l.agent = ANY($1) AND l.time >= $2 AND l.time < CAST($3 AS timestamptz) + interval '1 day'
			AND l.event IN ('CONNECT', 'COMPLETECALLER', 'COMPLETEAGENT', 'TRANSFER', 'WRAPUPSTART')) c
	WHERE c.began >= $2 AND c.began < $3
		AND CAST(c.local AS time) >= CAST($6 AS time) AND CAST(c.local AS time) < CAST($7 AS time)
		AND CAST(EXTRACT(ISODOW FROM c.local) AS integer) = ANY($8)
	GROUP BY c.agent, bucket`

// agentStatesSQL reads the session and pause events of agents ($1) from $2 to $3, with the
// last of each kind before $2 (the state the window opens in).
const agentStatesSQL = `SELECT agent, time, event FROM (
		SELECT a.agent, k.kind, last.time, last.event, last.id FROM unnest(CAST($1 AS text[])) AS a (agent)
		CROSS JOIN (VALUES ('login', CAST($4 AS text[])), ('pause', CAST($5 AS text[]))) AS k (kind, events)
		CROSS JOIN LATERAL (SELECT l.time, l.event, l.id FROM queue_log l
			WHERE l.agent = a.agent AND l.time < $2 AND l.event = ANY(k.events)
			ORDER BY l.time DESC, l.id DESC LIMIT 1) last
		UNION ALL
		SELECT l.agent, '', l.time, l.event, l.id FROM queue_log l
		WHERE l.agent = ANY($1) AND l.time >= $2 AND l.time < $3 AND (l.event = ANY($4) OR l.event = ANY($5))) x
	ORDER BY agent, time, id`

var (
	loginEvents = pq.StringArray{"AGENTLOGIN", "AGENTCALLBACKLOGIN", "AGENTLOGOFF", "AGENTCALLBACKLOGOFF"}
	pauseEvents = pq.StringArray{"PAUSE", "PAUSEALL", "UNPAUSE", "UNPAUSEALL"}
)

// AgentInterfaces are the names queue_log gives an agent: Agent/<number> (and the forms
// XiVO also matched: agent/<number>, the bare number).
func AgentInterfaces(number string) []string {
	return []string{"Agent/" + number, "agent/" + number, number}
}

// Agents computes each agent's (by id) activity in each bucket: answered calls,
// conversation and wrap-up seconds, and the time logged in and paused within working hours.
func (s *CallStatsStore) Agents(ctx context.Context, w StatsWindow, agents []StatsAgent, now time.Time) (map[int]map[string]*AgentCounters, error) {
	out := map[int]map[string]*AgentCounters{}
	if len(agents) == 0 {
		return out, nil
	}
	byIface := map[string]int{}
	var ifaces pq.StringArray
	for _, a := range agents {
		for _, n := range AgentInterfaces(a.Number) {
			byIface[n] = a.ID
			ifaces = append(ifaces, n)
		}
	}
	counter := func(agent int, bucket string) *AgentCounters {
		byBucket := out[agent]
		if byBucket == nil {
			byBucket = map[string]*AgentCounters{}
			out[agent] = byBucket
		}
		c := byBucket[bucket]
		if c == nil {
			c = &AgentCounters{}
			byBucket[bucket] = c
		}
		return c
	}
	rows, err := s.db.QueryContext(ctx, agentCallsSQL, ifaces, w.Beg, w.End, w.Unit, w.Zone,
		clock(w.StartMin), clock(w.EndMin), w.isoDays())
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var iface, bucket string
		var answered, talk, wrapup int
		if err := rows.Scan(&iface, &bucket, &answered, &talk, &wrapup); err != nil {
			rows.Close()
			return nil, err
		}
		c := counter(byIface[iface], bucket)
		c.Answered += answered
		c.Talk += talk
		c.Wrapup += wrapup
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// Sessions and pauses: intervals per agent, then their overlap with the working hours.
	type span struct{ from, to time.Time }
	logins, pauses := map[int][]span{}, map[int][]span{}
	type state struct {
		in, paused         bool
		inSince, pauseFrom time.Time
	}
	states := map[int]*state{}
	end := w.End
	if now.Before(end) {
		end = now
	}
	closePause := func(id int, st *state, at time.Time) {
		if st.paused {
			pauses[id] = append(pauses[id], span{st.pauseFrom, at})
			st.paused = false
		}
	}
	erows, err := s.db.QueryContext(ctx, agentStatesSQL, ifaces, w.Beg, end, loginEvents, pauseEvents)
	if err != nil {
		return nil, err
	}
	defer erows.Close()
	for erows.Next() {
		var iface, event string
		var at time.Time
		if err := erows.Scan(&iface, &at, &event); err != nil {
			return nil, err
		}
		id := byIface[iface]
		st := states[id]
		if st == nil {
			st = &state{}
			states[id] = st
		}
		if at.Before(w.Beg) {
			at = w.Beg // a state carried into the window
		}
		switch event {
		case "AGENTLOGIN", "AGENTCALLBACKLOGIN":
			if !st.in {
				st.in, st.inSince = true, at
			}
		case "AGENTLOGOFF", "AGENTCALLBACKLOGOFF":
			if st.in {
				logins[id] = append(logins[id], span{st.inSince, at})
				st.in = false
			}
			closePause(id, st, at)
		case "PAUSE", "PAUSEALL":
			if !st.paused {
				st.paused, st.pauseFrom = true, at
			}
		case "UNPAUSE", "UNPAUSEALL":
			closePause(id, st, at)
		}
	}
	if err := erows.Err(); err != nil {
		return nil, err
	}
	for id, st := range states {
		if st.in && st.inSince.Before(end) {
			logins[id] = append(logins[id], span{st.inSince, end})
		}
		if st.paused && st.pauseFrom.Before(end) {
			pauses[id] = append(pauses[id], span{st.pauseFrom, end})
		}
	}
	for _, kind := range []struct {
		spans map[int][]span
		add   func(c *AgentCounters, d time.Duration)
	}{
		{logins, func(c *AgentCounters, d time.Duration) { c.Login += d }},
		{pauses, func(c *AgentCounters, d time.Duration) { c.Pause += d }},
	} {
		for id, spans := range kind.spans {
			for _, sp := range spans {
				w.spread(sp.from, sp.to, func(bucket string, d time.Duration) { kind.add(counter(id, bucket), d) })
			}
		}
	}
	return out, nil
}

// spread adds the part of [from, to) that falls within working hours to the buckets it
// spans.
func (w StatsWindow) spread(from, to time.Time, add func(bucket string, d time.Duration)) {
	if from.Before(w.Beg) {
		from = w.Beg
	}
	if to.After(w.End) {
		to = w.End
	}
	if !from.Before(to) {
		return
	}
	f := from.In(w.Loc)
	for day := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, w.Loc); day.Before(to); day = day.AddDate(0, 0, 1) {
		if !w.Days[day.Weekday()] {
			continue
		}
		ws := day.Add(time.Duration(w.StartMin) * time.Minute)
		we := day.Add(time.Duration(w.EndMin) * time.Minute)
		if w.EndMin == 24*60 {
			we = day.AddDate(0, 0, 1)
		}
		a, b := maxTime(from, ws), minTime(to, we)
		// Hour buckets split the overlap at each hour; larger buckets hold a whole day.
		for a.Before(b) {
			next := b
			if w.Unit == "hour" {
				h := a.In(w.Loc)
				if top := time.Date(h.Year(), h.Month(), h.Day(), h.Hour()+1, 0, 0, 0, w.Loc); top.Before(next) {
					next = top
				}
			}
			add(w.BucketKey(a), next.Sub(a))
			a = next
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// SessionZone is the database session's time zone: a configuration without one counts its
// hours there.
func (s *CallStatsStore) SessionZone(ctx context.Context) (string, error) {
	var z string
	err := s.db.GetContext(ctx, &z, `SELECT current_setting('TimeZone')`)
	return z, err
}
