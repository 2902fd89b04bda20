package handlers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"pbxws/models"
)

// The call-center statistics tables, statistics/call_center data/stats1 … stats4 (spec
// §4.20.2), computed from queue_log for one statistics configuration (confid): its queues
// and agents, working hours and days, service levels and waiting-time periods.
//
// axetype chooses the rows: "type" (the default) one row per queue or agent of the
// configuration, over dbeg to dend (YYYY-MM-DD, both included); otherwise the rows of one
// object (key: queue-<id> or agent-<id>) over time: "day" (dday) by working hour, "week"
// (any day of it, dweek; Monday to Sunday) and "month" (dmonth, YYYY-MM) by working day,
// "year" (dyear) by month. A period field left out takes the configuration's default range
// (models.Statconf.DefaultRange). A "total" row closes every table.
//
// The answer is XiVO's data table: an object keyed by row key, each row holding "rowdata"
// (key, name, identity) and one member per column, {"result": value, "format":
// "int"|"time"|"percent"}; times are seconds, a ratio without calls is null.
//
// The columns:
//
//	stats1 (queues): presented, connect (answered), abandon, on_close (closed by
//	  schedule), on_timeout, on_saturation (full, or overflowed by wait time or ratio),
//	  on_joinempty, on_leaveempty, average_time_waiting (seconds the calls that waited
//	  waited, on average), home_rated (answered among the calls offered, less those refused
//	  as closed or diverted by wait time or ratio), qos (answered within the queue's
//	  service level, among the answered).
//	stats2 (agents' calls): connect, conversation, login, pause, wrapup.
//	stats3 (agents' time): login, total (conversation and wrap-up), total_with_talk,
//	  total_with_wup, available (logged in, not talking, wrapping up or paused),
//	  totalwithdrawal (paused).
//	stats4 (waiting-time periods): tperiod1..5 answered and aperiod1..5 abandoned calls by
//	  how long they waited (null for an unused period).
func CallStats(st *models.Stores, table int) *Resource {
	return &Resource{DefaultAct: "stats", Acts: map[string]Act{
		"stats": func(ctx context.Context, r *Request) (Result, error) {
			rep, err := newReport(ctx, st, r, table)
			if err != nil {
				return Result{}, err
			}
			out, err := rep.build(ctx)
			if err != nil {
				return Result{}, err
			}
			return Object(out), nil
		},
	}}
}

// report is one statistics request, its parameters read and checked.
type report struct {
	st      *models.Stores
	table   int
	axe     string
	conf    *models.StatconfComposite
	queues  []models.StatsQueue
	agents  []models.StatsAgent
	window  models.StatsWindow
	periods []models.WaitPeriod
	rows    []reportRow
}

// reportRow is one row: a queue or an agent of the configuration (axetype type), or a time
// bucket of one of them.
type reportRow struct {
	key, name, identity string
	bucket              string // the bucket key (time axes)
	object              int    // index in queues or agents (axetype type)
}

var (
	reDate = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	// maxReportYears bounds a report's range (axetype=type): its working periods are
	// computed one by one.
	maxReportYears = 2
	reYear         = regexp.MustCompile(`^[0-9]{4}$`)
	reObjID        = regexp.MustCompile(`^(?:(queue|agent)-)?([0-9]{1,9})$`)
)

var monthNames = []string{"january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december"}

func newReport(ctx context.Context, st *models.Stores, r *Request, table int) (*report, error) {
	errs := &models.ValidationError{}
	rep := &report{st: st, table: table}
	confID, ok := ParseID(r.Param("confid"))
	if !ok {
		errs.Add("confid", "is required: the id of a statistics configuration")
		return nil, errs
	}
	conf, err := st.Statconfs.Get(ctx, confID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, models.Invalid("confid", fmt.Sprintf("statistics configuration %d does not exist", confID))
	}
	if err != nil {
		return nil, err
	}
	rep.conf = conf
	if rep.queues, rep.agents, err = st.Statconfs.Coverage(ctx, confID); err != nil {
		return nil, err
	}
	rep.periods = conf.Conf.Periods()

	// The configuration's zone, else the database's (where Asterisk's local times were read),
	// else pbxws's own when Go does not know the database's name for it.
	loc := time.Local
	if conf.Conf.Timezone != nil && *conf.Conf.Timezone != "" {
		if loc, err = time.LoadLocation(*conf.Conf.Timezone); err != nil {
			return nil, fmt.Errorf("statistics: time zone %q: %w", *conf.Conf.Timezone, err)
		}
	} else {
		zone, err := st.CallStats.SessionZone(ctx)
		if err != nil {
			return nil, err
		}
		if l, err := time.LoadLocation(zone); err == nil {
			loc = l
		}
	}
	start, _ := models.ClockMinutes(conf.Conf.HourStart)
	end, _ := models.ClockMinutes(conf.Conf.HourEnd)
	rep.window = models.StatsWindow{Loc: loc, StartMin: start, EndMin: end, Days: conf.Conf.Workdays()}

	rep.axe = r.Param("axetype")
	if rep.axe == "" {
		rep.axe = "type"
	}
	defBeg, defEnd := conf.Conf.DefaultRange(loc, time.Now())
	date := func(field, layout string, re *regexp.Regexp, what string) (time.Time, bool) {
		if !r.HasParam(field) {
			// The configuration's default range (dendcache, default_delta), as XiVO opened it.
			switch field {
			case "dend":
				return defEnd, true
			case "dmonth":
				return time.Date(defBeg.Year(), defBeg.Month(), 1, 0, 0, 0, 0, loc), true
			case "dyear":
				return time.Date(defBeg.Year(), 1, 1, 0, 0, 0, 0, loc), true
			}
			return defBeg, true
		}
		v := r.Param(field)
		if layout == "2006-01" && reDate.MatchString(v) {
			v = v[:7] // a day of the month
		}
		t, err := time.ParseInLocation(layout, v, loc)
		if (re != nil && !re.MatchString(v)) || err != nil {
			errs.Add(field, "must be "+what)
			return time.Time{}, false
		}
		if t.Year() < 1970 || t.Year() > 9998 {
			errs.Add(field, "must be a date from 1970 to 9998")
			return time.Time{}, false
		}
		return t, true
	}
	w := &rep.window
	switch rep.axe {
	case "type":
		beg, ok1 := date("dbeg", "2006-01-02", reDate, "a date YYYY-MM-DD")
		last, ok2 := date("dend", "2006-01-02", reDate, "a date YYYY-MM-DD")
		switch {
		case ok1 && ok2 && last.Before(beg):
			errs.Add("dend", "must not be before dbeg")
		case ok1 && ok2 && last.After(beg.AddDate(maxReportYears, 0, 0)):
			// Each working period of the range is one interval the report computes.
			errs.Add("dend", fmt.Sprintf("must be at most %d years after dbeg", maxReportYears))
		}
		w.Beg, w.End, w.Unit = beg, last.AddDate(0, 0, 1), "year"
	case "day":
		day, _ := date("dday", "2006-01-02", reDate, "a date YYYY-MM-DD")
		w.Beg, w.End, w.Unit = day, day.AddDate(0, 0, 1), "hour"
	case "week":
		day, _ := date("dweek", "2006-01-02", reDate, "a date YYYY-MM-DD (any day of the week)")
		monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		w.Beg, w.End, w.Unit = monday, monday.AddDate(0, 0, 7), "day"
	case "month":
		m, _ := date("dmonth", "2006-01", regexp.MustCompile(`^[0-9]{4}-[0-9]{2}$`), "a month YYYY-MM")
		w.Beg, w.End, w.Unit = m, m.AddDate(0, 1, 0), "day"
	case "year":
		y, _ := date("dyear", "2006", reYear, "a year YYYY")
		w.Beg, w.End, w.Unit = y, y.AddDate(1, 0, 0), "month"
	default:
		errs.Add("axetype", "must be one of: type, day, week, month, year")
	}
	if rep.axe != "type" {
		rep.objectRow(r.Param("key"), errs)
	}
	if err := errs.OrNil(); err != nil {
		return nil, err
	}
	if rep.axe == "type" {
		rep.objectRows()
	} else {
		rep.timeRows()
	}
	return rep, nil
}

// agentTable says whether the table reads agents (stats2, stats3) rather than queues.
func (rep *report) agentTable() bool { return rep.table == 2 || rep.table == 3 }

// objectRow keeps only the configuration's object named by key (time axes).
func (rep *report) objectRow(key string, errs *models.ValidationError) {
	kind := "queue"
	if rep.agentTable() {
		kind = "agent"
	}
	m := reObjID.FindStringSubmatch(key)
	if m == nil || (m[1] != "" && m[1] != kind) {
		errs.Add("key", fmt.Sprintf("is required with axetype %s: %s-<id> of a %s of the configuration", rep.axe, kind, kind))
		return
	}
	id, _ := strconv.Atoi(m[2])
	if kind == "queue" {
		for _, q := range rep.queues {
			if q.ID == id {
				rep.queues = []models.StatsQueue{q}
				return
			}
		}
	} else {
		for _, a := range rep.agents {
			if a.ID == id {
				rep.agents = []models.StatsAgent{a}
				return
			}
		}
	}
	errs.Add("key", fmt.Sprintf("%s %d is not covered by statistics configuration %d", kind, id, rep.conf.Conf.ID))
}

// objectRows are the rows of axetype type: each queue or agent of the configuration.
func (rep *report) objectRows() {
	if rep.agentTable() {
		for i, a := range rep.agents {
			who := strings.TrimSpace(a.Firstname + " " + a.Lastname)
			rep.rows = append(rep.rows, reportRow{key: "agent-" + strconv.Itoa(a.ID), name: a.Number,
				identity: strings.TrimSpace(who + " (" + a.Number + ")"), object: i})
		}
		return
	}
	for i, q := range rep.queues {
		identity := q.DisplayName
		if identity == "" {
			identity = q.Name
		}
		rep.rows = append(rep.rows, reportRow{key: "queue-" + strconv.Itoa(q.ID), name: q.Name, identity: identity, object: i})
	}
}

// timeRows are the rows of the time axes: the working hours of the day, the working days of
// the week or month, the months of the year.
func (rep *report) timeRows() {
	w := rep.window
	switch rep.axe {
	case "day":
		for h := w.StartMin / 60; h*60 < w.EndMin; h++ {
			at := time.Date(w.Beg.Year(), w.Beg.Month(), w.Beg.Day(), h, 0, 0, 0, w.Loc)
			bucket := w.BucketKey(at)
			row := reportRow{key: strconv.Itoa(h), name: strconv.Itoa(h), identity: fmt.Sprintf("%02d:00-%02d:00", h, h+1), bucket: bucket}
			if n := len(rep.rows); n > 0 && rep.rows[n-1].bucket == bucket {
				// The hour the clocks skip (spring forward) does not exist: its row would be
				// the next hour's again, counted twice.
				rep.rows[n-1] = row
				continue
			}
			rep.rows = append(rep.rows, row)
		}
	case "week", "month":
		for d := w.Beg; d.Before(w.End); d = d.AddDate(0, 0, 1) {
			if !w.Days[d.Weekday()] {
				continue
			}
			day := strings.ToLower(d.Weekday().String())
			rep.rows = append(rep.rows, reportRow{key: d.Format("20060102"), name: day,
				identity: day + " " + d.Format("2006-01-02"), bucket: w.BucketKey(d)})
		}
	case "year":
		for m := 0; m < 12; m++ {
			d := w.Beg.AddDate(0, m, 0)
			rep.rows = append(rep.rows, reportRow{key: strconv.Itoa(m + 1), name: monthNames[m], identity: monthNames[m],
				bucket: w.BucketKey(d)})
		}
	}
}

// cell is one column of one row.
type cell struct {
	label, format string
	value         any
}

// rowSums adds up each row's counters: of its object (axetype type: a queue or agent, of
// objects, whose counters by bucket of) or of its bucket over every object, and the total.
func rowSums[C any, P interface {
	*C
	Add(*C)
}](rep *report, objects int, of func(object int) map[string]*C) ([]C, C) {
	rows := make([]C, len(rep.rows))
	var total C
	for i, row := range rep.rows {
		for obj := 0; obj < objects; obj++ {
			if rep.axe == "type" && obj != row.object {
				continue
			}
			for bucket, c := range of(obj) {
				if rep.axe == "type" || bucket == row.bucket {
					P(&rows[i]).Add(c)
				}
			}
		}
		P(&total).Add(&rows[i])
	}
	return rows, total
}

func (rep *report) build(ctx context.Context) (jsonObject, error) {
	var cells func(rowIndex int) []cell
	var totalCells []cell
	if rep.agentTable() {
		counters, err := rep.st.CallStats.Agents(ctx, rep.window, rep.agents, time.Now())
		if err != nil {
			return nil, err
		}
		perRow, total := rowSums(rep, len(rep.agents), func(i int) map[string]*models.AgentCounters { return counters[rep.agents[i].ID] })
		cells = func(i int) []cell { return rep.agentCells(&perRow[i]) }
		totalCells = rep.agentCells(&total)
	} else {
		counters, err := rep.st.CallStats.Queues(ctx, rep.window, rep.queues, rep.periods)
		if err != nil {
			return nil, err
		}
		perRow, total := rowSums(rep, len(rep.queues), func(i int) map[string]*models.QueueCounters { return counters[rep.queues[i].Name] })
		cells = func(i int) []cell { return rep.queueCells(&perRow[i]) }
		totalCells = rep.queueCells(&total)
	}
	out := make(jsonObject, 0, len(rep.rows)+1)
	render := func(key, name, identity string, cs []cell) {
		row := jsonObject{{"rowdata", jsonObject{{"key", key}, {"name", name}, {"identity", identity}}}}
		for _, c := range cs {
			row = append(row, jsonMember{c.label, jsonObject{{"result", c.value}, {"format", c.format}}})
		}
		out = append(out, jsonMember{key, row})
	}
	for i, row := range rep.rows {
		render(row.key, row.name, row.identity, cells(i))
	}
	render("total", "total", "Total", totalCells)
	return out, nil
}

func (rep *report) queueCells(c *models.QueueCounters) []cell {
	if rep.table == 4 {
		var out []cell
		for _, kind := range []struct {
			prefix string
			counts []int
		}{{"tperiod", c.AnsweredByPeriod}, {"aperiod", c.AbandonedByPeriod}} {
			for i := 0; i < 5; i++ {
				var v any
				if i < len(rep.periods) {
					n := 0
					if i < len(kind.counts) {
						n = kind.counts[i]
					}
					v = n
				}
				out = append(out, cell{fmt.Sprintf("%s%d", kind.prefix, i+1), "int", v})
			}
		}
		return out
	}
	saturation := c.Full + c.DivertCARatio + c.DivertHoldTime
	waited := c.Answered + c.Abandoned + c.LeaveEmpty + c.Timeout
	return []cell{
		{"presented", "int", c.Presented()},
		{"connect", "int", c.Answered},
		{"abandon", "int", c.Abandoned},
		{"on_close", "int", c.Closed},
		{"on_timeout", "int", c.Timeout},
		{"on_saturation", "int", saturation},
		{"on_joinempty", "int", c.JoinEmpty},
		{"on_leaveempty", "int", c.LeaveEmpty},
		{"average_time_waiting", "time", ratio(float64(c.WaitTotal), waited, 1)},
		{"home_rated", "percent", ratio(float64(c.Answered), c.Answered+c.Abandoned+c.Full+c.LeaveEmpty+c.JoinEmpty+c.Timeout, 100)},
		{"qos", "percent", ratio(float64(c.AnsweredInQoS), c.Answered, 100)},
	}
}

func (rep *report) agentCells(c *models.AgentCounters) []cell {
	login, pause := wholeSeconds(c.Login), wholeSeconds(c.Pause)
	if rep.table == 2 {
		return []cell{
			{"connect", "int", c.Answered},
			{"conversation", "time", c.Talk},
			{"login", "time", login},
			{"pause", "time", pause},
			{"wrapup", "time", c.Wrapup},
		}
	}
	return []cell{
		{"login", "time", login},
		{"total", "time", c.Talk + c.Wrapup},
		{"total_with_talk", "time", c.Talk},
		{"total_with_wup", "time", c.Wrapup},
		{"available", "time", max(0, login-c.Talk-c.Wrapup-pause)},
		{"totalwithdrawal", "time", pause},
	}
}

// ratio is scale × n / d rounded to two decimals, null when d is 0.
func ratio(n float64, d int, scale float64) any {
	if d == 0 {
		return nil
	}
	return math.Round(scale*n/float64(d)*100) / 100
}

func wholeSeconds(d time.Duration) int { return int(d.Round(time.Second) / time.Second) }
