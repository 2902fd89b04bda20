package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/jmoiron/sqlx"
)

// Statconf is a call-center statistics configuration: the working hours and days its reports
// count, the waiting-time periods of the waiting-time table, and the months of queue_log it
// is meant for (dbegcache, dendcache) with the default range a report opens on.
type Statconf struct {
	ID          int    `db:"id" json:"id"`
	Name        string `db:"name" json:"name" validate:"required,statconfname"`
	Description string `db:"description" json:"description" validate:"max=1000"`
	// Timezone is the IANA zone the hours and days are counted in (nil: the server's).
	Timezone  *string `db:"timezone" json:"timezone"`
	HourStart string  `db:"hour_start" json:"hour_start"`
	HourEnd   string  `db:"hour_end" json:"hour_end"`
	// Dbegcache is the first month (YYYY-MM); Dendcache the last ("0": up to now).
	Dbegcache string `db:"dbegcache" json:"dbegcache"`
	Dendcache string `db:"dendcache" json:"dendcache"`
	// DefaultDelta is how far back a report opens from its last day ("0": that day alone,
	// "-N day|week|month").
	DefaultDelta string `db:"default_delta" json:"default_delta"`
	Period1      string `db:"period1" json:"period1"`
	Period2      string `db:"period2" json:"period2"`
	Period3      string `db:"period3" json:"period3"`
	Period4      string `db:"period4" json:"period4"`
	Period5      string `db:"period5" json:"period5"`
	// The working days; nil (as sent) is not a working day.
	Monday    *bool `db:"monday" json:"monday"`
	Tuesday   *bool `db:"tuesday" json:"tuesday"`
	Wednesday *bool `db:"wednesday" json:"wednesday"`
	Thursday  *bool `db:"thursday" json:"thursday"`
	Friday    *bool `db:"friday" json:"friday"`
	Saturday  *bool `db:"saturday" json:"saturday"`
	Sunday    *bool `db:"sunday" json:"sunday"`
	Disable   bool  `db:"disable" json:"disable"`
}

// StatconfQueue is a queue a configuration covers, with its service level: a call answered
// after waiting at most QoS seconds is answered within it.
type StatconfQueue struct {
	QueueID int `db:"queue_id"`
	QoS     int `db:"qos"`
}

// StatconfComposite is a configuration with the queues, agents and users it covers. On
// writes a nil list keeps what is stored (edit) or means none (add).
type StatconfComposite struct {
	Conf   Statconf
	Queues []StatconfQueue
	Agents []int
	Users  []int
}

// WaitPeriod is one waiting-time period of a configuration: waits from Beg seconds up to
// (not including) End; End < 0 is open-ended.
type WaitPeriod struct {
	Name     string
	Beg, End int
}

// Contains says whether a wait of w seconds falls in the period.
func (p WaitPeriod) Contains(w int) bool { return w >= p.Beg && (p.End < 0 || w < p.End) }

var (
	reStatconfName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	reClock        = regexp.MustCompile(`^([0-9]{1,2}):([0-9]{2})$`)
	reMonth        = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})$`)
	reDelta        = regexp.MustCompile(`^-([0-9]{1,3}) (day|week|month)s?$`)
	rePeriod       = regexp.MustCompile(`^([0-9]{1,6})(?:-([0-9]{1,6})?)?$`)
)

func init() {
	must(validate.RegisterValidation("statconfname", func(fl validator.FieldLevel) bool {
		return reStatconfName.MatchString(fl.Field().String())
	}))
	ruleText["statconfname"] = "must be 1-64 characters of A-Z, a-z, 0-9, _ . -"
}

// ClockMinutes reads a working-hours bound "HH:MM" (00:00 to 24:00) as minutes of the day.
func ClockMinutes(s string) (int, bool) {
	m := reClock.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[1])
	min, _ := strconv.Atoi(m[2])
	if h > 24 || min > 59 || (h == 24 && min != 0) {
		return 0, false
	}
	return h*60 + min, true
}

// Workdays are the configuration's working days (time.Sunday … time.Saturday).
func (c *Statconf) Workdays() map[time.Weekday]bool {
	out := map[time.Weekday]bool{}
	for d, v := range map[time.Weekday]*bool{time.Monday: c.Monday, time.Tuesday: c.Tuesday, time.Wednesday: c.Wednesday,
		time.Thursday: c.Thursday, time.Friday: c.Friday, time.Saturday: c.Saturday, time.Sunday: c.Sunday} {
		if v != nil && *v {
			out[d] = true
		}
	}
	return out
}

// DefaultRange is the range a report covers when the request names none: from the
// configuration's last day (the end of dendcache's month, or today when that is later or
// dendcache is 0) back by default_delta, its first day moved back to a working day.
func (c *Statconf) DefaultRange(loc *time.Location, now time.Time) (beg, end time.Time) {
	n := now.In(loc)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	end = today
	if m, err := time.ParseInLocation("2006-01", c.Dendcache, loc); err == nil {
		if last := m.AddDate(0, 1, -1); last.Before(today) {
			end = last
		}
	}
	beg = end
	if m := reDelta.FindStringSubmatch(c.DefaultDelta); m != nil {
		k, _ := strconv.Atoi(m[1])
		switch m[2] {
		case "day":
			beg = end.AddDate(0, 0, -k)
		case "week":
			beg = end.AddDate(0, 0, -7*k)
		case "month":
			beg = end.AddDate(0, -k, 0)
		}
	}
	days := c.Workdays()
	for i := 0; i < 6 && !days[beg.Weekday()]; i++ {
		beg = beg.AddDate(0, 0, -1)
	}
	return beg, end
}

// Periods reads the waiting-time periods in use (empty ones skipped), in order.
func (c *Statconf) Periods() []WaitPeriod {
	ps, _ := c.periods()
	return ps
}

// periods parses period1..period5: "a-b" (a to b seconds), "a" or "a-" (a seconds and more).
// Each must begin where or after the one before it ended (no overlap), and an open-ended one
// comes last.
func (c *Statconf) periods() ([]WaitPeriod, *ValidationError) {
	ve := &ValidationError{}
	var out []WaitPeriod
	for i, s := range []string{c.Period1, c.Period2, c.Period3, c.Period4, c.Period5} {
		name := fmt.Sprintf("period%d", i+1)
		field := "statconf." + name
		if s == "" {
			if i == 0 {
				ve.Add(field, "is required: a waiting-time period such as 0-10 (seconds)")
			}
			continue
		}
		m := rePeriod.FindStringSubmatch(s)
		if m == nil {
			ve.Add(field, "must be a waiting-time period in seconds: a-b, or a for a and more")
			continue
		}
		p := WaitPeriod{Name: name, End: -1}
		p.Beg, _ = strconv.Atoi(m[1])
		if m[2] != "" {
			p.End, _ = strconv.Atoi(m[2])
			if p.End <= p.Beg {
				ve.Add(field, fmt.Sprintf("is inverted: it ends (%d s) before it begins (%d s)", p.End, p.Beg))
				continue
			}
		}
		if n := len(out); n > 0 {
			prev := out[n-1]
			if prev.End < 0 || p.Beg < prev.End {
				ve.Add(field, fmt.Sprintf("overlaps %s (%s): periods must follow each other", prev.Name,
					[]string{c.Period1, c.Period2, c.Period3, c.Period4, c.Period5}[prevIndex(prev.Name)]))
				continue
			}
		}
		out = append(out, p)
	}
	return out, ve
}

func prevIndex(name string) int { n, _ := strconv.Atoi(name[len("period"):]); return n - 1 }

// checkStatconf validates the configuration's own fields (references are checked with the
// database).
func checkStatconf(c *StatconfComposite) *ValidationError {
	s := &c.Conf
	ve := CheckIn("statconf", s)
	start, okStart := ClockMinutes(s.HourStart)
	if !okStart {
		ve.Add("statconf.hour_start", "must be a time of day HH:MM, 00:00 to 24:00")
	}
	end, okEnd := ClockMinutes(s.HourEnd)
	if !okEnd {
		ve.Add("statconf.hour_end", "must be a time of day HH:MM, 00:00 to 24:00")
	}
	if okStart && okEnd && end <= start {
		ve.Add("statconf.hour_end", fmt.Sprintf("must be after hour_start (%s): working hours end after they begin", s.HourStart))
	}
	begMonth, okBeg := month(s.Dbegcache)
	if !okBeg {
		ve.Add("statconf.dbegcache", "is required: a month YYYY-MM")
	}
	if s.Dendcache != "0" {
		endMonth, ok := month(s.Dendcache)
		switch {
		case !ok:
			ve.Add("statconf.dendcache", "must be a month YYYY-MM, or 0 for up to now")
		case okBeg && endMonth.Before(begMonth):
			ve.Add("statconf.dendcache", fmt.Sprintf("must not be before dbegcache (%s)", s.Dbegcache))
		}
	}
	if s.DefaultDelta != "0" && !reDelta.MatchString(s.DefaultDelta) {
		ve.Add("statconf.default_delta", "must be 0 or -N day|week|month (N up to 999)")
	}
	if s.Timezone != nil && *s.Timezone != "" {
		if _, err := time.LoadLocation(*s.Timezone); err != nil {
			ve.Add("statconf.timezone", "must be a time zone name such as Europe/Paris")
		}
	}
	_, pe := s.periods()
	ve.Merge("", pe)
	if len(s.Workdays()) == 0 {
		ve.Add("statconf.monday", "no working day: at least one of monday … sunday must be true")
	}
	seen := map[int]bool{}
	for i, q := range c.Queues {
		if seen[q.QueueID] {
			ve.Add(fmt.Sprintf("queues[%d]", i), fmt.Sprintf("queue %d is listed twice", q.QueueID))
		}
		seen[q.QueueID] = true
		if q.QoS < 0 || q.QoS > 86400 {
			ve.Add("queue_qos."+strconv.Itoa(q.QueueID), "must be a number of seconds, 0 to 86400")
		}
	}
	for _, list := range []struct {
		name string
		ids  []int
	}{{"agents", c.Agents}, {"users", c.Users}} {
		seen := map[int]bool{}
		for i, id := range list.ids {
			if seen[id] {
				ve.Add(fmt.Sprintf("%s[%d]", list.name, i), fmt.Sprintf("%d is listed twice", id))
			}
			seen[id] = true
		}
	}
	return ve
}

func month(s string) (time.Time, bool) {
	m := reMonth.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01", s)
	return t, err == nil
}

// StatconfStore reads and writes statistics configurations.
type StatconfStore struct{ db *sqlx.DB }

const statconfCols = `id, name, description, timezone, hour_start, hour_end, dbegcache, dendcache, default_delta,
	period1, period2, period3, period4, period5, monday, tuesday, wednesday, thursday, friday, saturday, sunday, disable`

var statconfConstraints = map[string]string{"stats_confs_name_key": "statconf.name"}

// List returns every configuration by id.
func (s *StatconfStore) List(ctx context.Context) ([]Statconf, error) {
	var out []Statconf
	err := s.db.SelectContext(ctx, &out, `SELECT `+statconfCols+` FROM stats_confs ORDER BY id`)
	return out, err
}

// Search matches a substring of the name or the description.
func (s *StatconfStore) Search(ctx context.Context, term string) ([]Statconf, error) {
	var out []Statconf
	err := s.db.SelectContext(ctx, &out, `SELECT `+statconfCols+` FROM stats_confs
		WHERE name ILIKE $1 OR description ILIKE $1 ORDER BY id`, likeTerm(term))
	return out, err
}

// Get returns a configuration with what it covers, or ErrNotFound.
func (s *StatconfStore) Get(ctx context.Context, id int) (*StatconfComposite, error) {
	return s.get(ctx, s.db, id, "")
}

func (s *StatconfStore) get(ctx context.Context, q sqlx.QueryerContext, id int, lock string) (*StatconfComposite, error) {
	c := &StatconfComposite{}
	err := sqlx.GetContext(ctx, q, &c.Conf, `SELECT `+statconfCols+` FROM stats_confs WHERE id = $1`+lock, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c.Queues, c.Agents, c.Users = []StatconfQueue{}, []int{}, []int{}
	if err := sqlx.SelectContext(ctx, q, &c.Queues, `SELECT queue_id, qos FROM stats_conf_queues
		WHERE stats_conf_id = $1 ORDER BY queue_id`, id); err != nil {
		return nil, err
	}
	if err := sqlx.SelectContext(ctx, q, &c.Agents, `SELECT agent_id FROM stats_conf_agents
		WHERE stats_conf_id = $1 ORDER BY agent_id`, id); err != nil {
		return nil, err
	}
	err = sqlx.SelectContext(ctx, q, &c.Users, `SELECT user_id FROM stats_conf_users
		WHERE stats_conf_id = $1 ORDER BY user_id`, id)
	return c, err
}

// Create validates and inserts the configuration, setting its id.
func (s *StatconfStore) Create(ctx context.Context, c *StatconfComposite) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := s.check(ctx, tx, c); err != nil {
			return err
		}
		f := &c.Conf
		err := tx.QueryRowxContext(ctx, `INSERT INTO stats_confs (name, description, timezone, hour_start, hour_end,
			dbegcache, dendcache, default_delta, period1, period2, period3, period4, period5,
			monday, tuesday, wednesday, thursday, friday, saturday, sunday, disable)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21) RETURNING id`,
			f.Name, f.Description, f.Timezone, f.HourStart, f.HourEnd, f.Dbegcache, f.Dendcache, f.DefaultDelta,
			f.Period1, f.Period2, f.Period3, f.Period4, f.Period5,
			f.Monday, f.Tuesday, f.Wednesday, f.Thursday, f.Friday, f.Saturday, f.Sunday, f.Disable).Scan(&f.ID)
		if err != nil {
			return mapPQ(err, statconfConstraints)
		}
		return s.writeParts(ctx, tx, c)
	})
}

// Edit merges an edit onto the stored configuration in one transaction that locks it first.
func (s *StatconfStore) Edit(ctx context.Context, id int, merge func(stored *StatconfComposite) (*StatconfComposite, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*StatconfComposite, error) {
		return s.get(ctx, tx, id, " FOR UPDATE")
	}, merge, func(tx *sqlx.Tx, stored, c *StatconfComposite) error {
		c.Conf.ID = id
		// What the edit did not name is checked as stored.
		full := *c
		if full.Queues == nil {
			full.Queues = stored.Queues
		}
		if full.Agents == nil {
			full.Agents = stored.Agents
		}
		if full.Users == nil {
			full.Users = stored.Users
		}
		if err := s.check(ctx, tx, &full); err != nil {
			return err
		}
		f := &c.Conf
		res, err := tx.ExecContext(ctx, `UPDATE stats_confs SET name=$2, description=$3, timezone=$4, hour_start=$5,
			hour_end=$6, dbegcache=$7, dendcache=$8, default_delta=$9, period1=$10, period2=$11, period3=$12,
			period4=$13, period5=$14, monday=$15, tuesday=$16, wednesday=$17, thursday=$18, friday=$19,
			saturday=$20, sunday=$21, disable=$22 WHERE id=$1`,
			id, f.Name, f.Description, f.Timezone, f.HourStart, f.HourEnd, f.Dbegcache, f.Dendcache, f.DefaultDelta,
			f.Period1, f.Period2, f.Period3, f.Period4, f.Period5,
			f.Monday, f.Tuesday, f.Wednesday, f.Thursday, f.Friday, f.Saturday, f.Sunday, f.Disable)
		if err != nil {
			return mapPQ(err, statconfConstraints)
		}
		if err := oneRow(res); err != nil {
			return err
		}
		return s.writeParts(ctx, tx, c)
	})
}

// check validates the configuration and that every queue, agent and user it names exists
// (locking them until the write commits).
func (s *StatconfStore) check(ctx context.Context, tx *sqlx.Tx, c *StatconfComposite) error {
	ve := checkStatconf(c)
	if err := ve.OrNil(); err != nil {
		return err
	}
	for i, q := range c.Queues {
		if err := mustExist(ctx, tx, ve, "queues", "queue", fmt.Sprintf("queues[%d]", i), q.QueueID); err != nil {
			return err
		}
	}
	for i, id := range c.Agents {
		if err := mustExist(ctx, tx, ve, "agents", "agent", fmt.Sprintf("agents[%d]", i), id); err != nil {
			return err
		}
	}
	for i, id := range c.Users {
		if err := mustExist(ctx, tx, ve, "users", "user", fmt.Sprintf("users[%d]", i), id); err != nil {
			return err
		}
	}
	return ve.OrNil()
}

// mustExist records on ve that the row id of table (one kind) does not exist.
func mustExist(ctx context.Context, tx *sqlx.Tx, ve *ValidationError, table, kind, field string, id int) error {
	ok, err := lockExisting(ctx, tx, table, id)
	if err != nil {
		return err
	}
	if !ok {
		ve.Add(field, fmt.Sprintf("%s %d does not exist", kind, id))
	}
	return nil
}

func (s *StatconfStore) writeParts(ctx context.Context, tx *sqlx.Tx, c *StatconfComposite) error {
	id := c.Conf.ID
	if c.Queues != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM stats_conf_queues WHERE stats_conf_id = $1`, id); err != nil {
			return err
		}
		for _, q := range c.Queues {
			if _, err := tx.ExecContext(ctx, `INSERT INTO stats_conf_queues (stats_conf_id, queue_id, qos) VALUES ($1, $2, $3)`,
				id, q.QueueID, q.QoS); err != nil {
				return mapPQ(err, nil)
			}
		}
	}
	for _, part := range []struct {
		table, col string
		ids        []int
	}{{"stats_conf_agents", "agent_id", c.Agents}, {"stats_conf_users", "user_id", c.Users}} {
		if part.ids == nil {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+part.table+` WHERE stats_conf_id = $1`, id); err != nil {
			return err
		}
		for _, x := range part.ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+part.table+` (stats_conf_id, `+part.col+`) VALUES ($1, $2)`, id, x); err != nil {
				return mapPQ(err, nil)
			}
		}
	}
	return nil
}

// Delete removes a configuration (what it covers goes with it).
func (s *StatconfStore) Delete(ctx context.Context, id int) error {
	return deleteOne(ctx, s.db, `DELETE FROM stats_confs WHERE id = $1`, id)
}

// StatsQueue is a queue a report covers, as the statistics read it.
type StatsQueue struct {
	ID          int    `db:"id"`
	Name        string `db:"name"`
	DisplayName string `db:"displayname"`
	QoS         int    `db:"qos"`
}

// StatsAgent is an agent a report covers; queue_log names it by its interface Agent/<number>.
type StatsAgent struct {
	ID        int    `db:"id"`
	Number    string `db:"number"`
	Firstname string `db:"firstname"`
	Lastname  string `db:"lastname"`
}

// Coverage reads the queues (by name) and agents (by number) a configuration covers.
func (s *StatconfStore) Coverage(ctx context.Context, id int) (queues []StatsQueue, agents []StatsAgent, err error) {
	queues, agents = []StatsQueue{}, []StatsAgent{}
	if err = s.db.SelectContext(ctx, &queues, `SELECT q.id, q.name, q.displayname, c.qos FROM stats_conf_queues c
		JOIN queues q ON q.id = c.queue_id WHERE c.stats_conf_id = $1 ORDER BY q.name, q.id`, id); err != nil {
		return nil, nil, err
	}
	err = s.db.SelectContext(ctx, &agents, `SELECT a.id, a.number, a.firstname, a.lastname FROM stats_conf_agents c
		JOIN agents a ON a.id = c.agent_id WHERE c.stats_conf_id = $1 ORDER BY a.number, a.id`, id)
	return queues, agents, err
}
