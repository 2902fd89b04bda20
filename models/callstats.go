package models

import (
	"context"
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
// TRANSFER(exten|context|holdtime|calltime), and Asterisk 12+'s BLINDTRANSFER and
// ATTENDEDTRANSFER (holdtime and calltime in data3 and data4 too) close the conversation, WRAPUPSTART(seconds)
// starts the wrap-up, AGENTLOGIN/AGENTCALLBACKLOGIN and AGENTLOGOFF/AGENTCALLBACKLOGOFF bound
// a session, PAUSE/PAUSEALL and UNPAUSE/UNPAUSEALL a pause.

// StatsWindow is what a report counts: what happens from Beg to End (exclusive), on the
// working days and within the working hours (minutes of the day, StartMin to EndMin) of
// Loc, bucketed by Unit: "hour", "day", "month" or "year".
type StatsWindow struct {
	Beg, End         time.Time
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

// QueueStatsSQL reads the calls of each queue ($1, with its service level in $2) that
// entered in each working period ($3 to $4, bucket keys $5), counted by their closing event,
// with the answered and abandoned calls by waiting-time period ($6..$15: begin and end of
// periods 1 to 5, null when unused, end -1 when open; periods never overlap). Each period
// is one range scan of the queue's exits.
const QueueStatsSQL = `SELECT q.name AS queuename, iv.bucket, l.event, count(*) AS calls, COALESCE(sum(l.seconds), 0) AS wait,
		count(*) FILTER (WHERE l.seconds <= q.qos) AS in_qos,
		count(*) FILTER (WHERE l.seconds >= $6 AND ($7 < 0 OR l.seconds < $7)) AS p1,
		count(*) FILTER (WHERE l.seconds >= $8 AND ($9 < 0 OR l.seconds < $9)) AS p2,
		count(*) FILTER (WHERE l.seconds >= $10 AND ($11 < 0 OR l.seconds < $11)) AS p3,
		count(*) FILTER (WHERE l.seconds >= $12 AND ($13 < 0 OR l.seconds < $13)) AS p4,
		count(*) FILTER (WHERE l.seconds >= $14 AND ($15 < 0 OR l.seconds < $15)) AS p5
	FROM unnest(CAST($1 AS text[]), CAST($2 AS integer[])) AS q (name, qos)
	CROSS JOIN unnest(CAST($3 AS timestamptz[]), CAST($4 AS timestamptz[]), CAST($5 AS text[])) AS iv (beg, fin, bucket)
	CROSS JOIN LATERAL (SELECT l.event, l.seconds FROM queue_log l
		WHERE l.queuename = q.name AND l.entered >= iv.beg AND l.entered < iv.fin
			AND l.event IN ('CONNECT', 'ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY', 'LEAVEEMPTY', 'FULL', 'CLOSED',
				'JOINEMPTY', 'DIVERT_CA_RATIO', 'DIVERT_HOLDTIME')) l
	GROUP BY q.name, iv.bucket, l.event`

// StatsInterval is one working period of a window: a span of working hours within one
// bucket.
type StatsInterval struct {
	Beg, End time.Time
	Bucket   string
}

// Intervals are the window's working periods: the working hours of each working day, split
// at each hour when the window's buckets are hours.
func (w StatsWindow) Intervals() []StatsInterval {
	var out []StatsInterval
	b := w.Beg.In(w.Loc)
	for day := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, w.Loc); day.Before(w.End); day = day.AddDate(0, 0, 1) {
		if !w.Days[day.Weekday()] {
			continue
		}
		from := time.Date(day.Year(), day.Month(), day.Day(), 0, w.StartMin, 0, 0, w.Loc)
		to := time.Date(day.Year(), day.Month(), day.Day(), 0, w.EndMin, 0, 0, w.Loc)
		from, to = maxTime(from, w.Beg), minTime(to, w.End)
		for from.Before(to) {
			next := to
			if w.Unit == "hour" {
				h := from.In(w.Loc)
				if top := time.Date(h.Year(), h.Month(), h.Day(), h.Hour()+1, 0, 0, 0, w.Loc); top.Before(next) {
					next = top
				}
			}
			out = append(out, StatsInterval{Beg: from, End: next, Bucket: w.BucketKey(from)})
			from = next
		}
	}
	return out
}

func intervalArgs(ivs []StatsInterval) (begs, ends []string, buckets pq.StringArray) {
	for _, iv := range ivs {
		begs = append(begs, iv.Beg.Format(time.RFC3339Nano))
		ends = append(ends, iv.End.Format(time.RFC3339Nano))
		buckets = append(buckets, iv.Bucket)
	}
	return begs, ends, buckets
}

// QueueStatsArgs are QueueStatsSQL's arguments.
func QueueStatsArgs(w StatsWindow, queues []StatsQueue, periods []WaitPeriod) []any {
	names := make(pq.StringArray, len(queues))
	qos := make(pq.Int64Array, len(queues))
	for i, q := range queues {
		names[i], qos[i] = q.Name, int64(q.QoS)
	}
	begs, ends, buckets := intervalArgs(w.Intervals())
	args := []any{names, qos, pq.StringArray(begs), pq.StringArray(ends), buckets}
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

// agentCallsSQL counts each agent's ($1) answered calls, conversation and wrap-up seconds
// in each working period ($2 to $3, bucket keys $4), a call in the period it entered the
// queue.
const agentCallsSQL = `SELECT a.agent, iv.bucket,
		count(*) FILTER (WHERE l.event = 'CONNECT') AS answered,
		COALESCE(sum(l.seconds) FILTER (WHERE l.event IN ('COMPLETECALLER', 'COMPLETEAGENT', 'TRANSFER', 'BLINDTRANSFER', 'ATTENDEDTRANSFER')), 0) AS talk,
		COALESCE(sum(l.seconds) FILTER (WHERE l.event = 'WRAPUPSTART'), 0) AS wrapup
	FROM unnest(CAST($1 AS text[])) AS a (agent)
	CROSS JOIN unnest(CAST($2 AS timestamptz[]), CAST($3 AS timestamptz[]), CAST($4 AS text[])) AS iv (beg, fin, bucket)
	CROSS JOIN LATERAL (SELECT l.event, l.seconds FROM queue_log l
		WHERE l.agent = a.agent AND l.entered >= iv.beg AND l.entered < iv.fin
			AND l.event IN ('CONNECT', 'COMPLETECALLER', 'COMPLETEAGENT', 'TRANSFER', 'BLINDTRANSFER', 'ATTENDEDTRANSFER', 'WRAPUPSTART')) l
	GROUP BY a.agent, iv.bucket`

// agentStatesSQL reads the session and pause events of agents ($1) from $2 to $3, with the
// last of each kind before $2 (the state the window opens in; a logoff ends a pause, as
// Asterisk logs no UNPAUSE then). The event lists are literal:
// the agent index covers them.
const agentStatesSQL = `SELECT agent, time, event FROM (
		SELECT a.agent, last.time, last.event, last.id FROM unnest(CAST($1 AS text[])) AS a (agent)
		CROSS JOIN LATERAL (SELECT l.time, l.event, l.id FROM queue_log l
			WHERE l.agent = a.agent AND l.time < $2 AND l.event IN ('AGENTLOGIN', 'AGENTCALLBACKLOGIN', 'AGENTLOGOFF', 'AGENTCALLBACKLOGOFF')
			ORDER BY l.time DESC, l.id DESC LIMIT 1) last
		UNION ALL
		SELECT a.agent, last.time, last.event, last.id FROM unnest(CAST($1 AS text[])) AS a (agent)
		CROSS JOIN LATERAL (SELECT l.time, l.event, l.id FROM queue_log l
			WHERE l.agent = a.agent AND l.time < $2
				AND l.event IN ('PAUSE', 'PAUSEALL', 'UNPAUSE', 'UNPAUSEALL', 'AGENTLOGOFF', 'AGENTCALLBACKLOGOFF')
			ORDER BY l.time DESC, l.id DESC LIMIT 1) last
		UNION ALL
		SELECT l.agent, l.time, l.event, l.id FROM queue_log l
		WHERE l.agent = ANY($1) AND l.time >= $2 AND l.time < $3
			AND l.event IN ('AGENTLOGIN', 'AGENTCALLBACKLOGIN', 'AGENTLOGOFF', 'AGENTCALLBACKLOGOFF', 'PAUSE', 'PAUSEALL', 'UNPAUSE', 'UNPAUSEALL')) x
	ORDER BY agent, time, id`

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
	intervals := w.Intervals()
	begs, ends, buckets := intervalArgs(intervals)
	rows, err := s.db.QueryContext(ctx, agentCallsSQL, ifaces, pq.StringArray(begs), pq.StringArray(ends), buckets)
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
	erows, err := s.db.QueryContext(ctx, agentStatesSQL, ifaces, w.Beg, end)
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
				spread(intervals, sp.from, sp.to, func(bucket string, d time.Duration) { kind.add(counter(id, bucket), d) })
			}
		}
	}
	return out, nil
}

// spread adds the part of [from, to) that falls in each working period to its bucket.
func spread(intervals []StatsInterval, from, to time.Time, add func(bucket string, d time.Duration)) {
	for _, iv := range intervals {
		if a, b := maxTime(from, iv.Beg), minTime(to, iv.End); a.Before(b) {
			add(iv.Bucket, b.Sub(a))
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
