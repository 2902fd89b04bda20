package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	// Time zone names are checked against Go's own copy of the tz database, whatever the host has.
	_ "time/tzdata"

	"github.com/jmoiron/sqlx"
)

// Schedule is a set of opening hours with exceptional closures and a fallback destination.
type Schedule struct {
	ID          int    `db:"id" json:"id"`
	EntityID    *int   `db:"entity_id" json:"entity_id"`
	Name        string `db:"name" json:"name" validate:"required,max=255,printable"`
	Timezone    string `db:"timezone" json:"timezone" validate:"max=64,printable"`
	Description string `db:"description" json:"description" validate:"max=1000"`
	Commented   bool   `db:"commented" json:"commented"`
	// OwnerID is the user a personal schedule belongs to (nil: a general schedule). It is
	// set when the schedule is created and never changed.
	OwnerID *int `db:"owner_id" json:"owner_id"`
	// GroupID is the sipX user group a group schedule belongs to (nil: none); set when the
	// schedule is created and never changed (migration 0090).
	GroupID *int `db:"group_id" json:"-"`
}

// SchedulePeriod is one time range: hours of the day ("08:00-12:00"), and the weekdays
// (1-7, Monday first), days of the month (1-31) and months (1-12) it applies to, each a
// list of numbers and ranges ("1-5", "1,3,5-7"); empty means all.
type SchedulePeriod struct {
	Hours     string `db:"hours" json:"hours"`
	Weekdays  string `db:"weekdays" json:"weekdays"`
	MonthDays string `db:"monthdays" json:"monthdays"`
	Months    string `db:"months" json:"months"`
	Commented bool   `db:"commented" json:"commented"`
	// Action is where calls go during a closed period (nil: the fallback).
	Action *DialAction `db:"-" json:"dialaction"`
}

// ScheduleComposite is a schedule with its periods and fallback. On edit a nil part keeps
// what is stored.
type ScheduleComposite struct {
	Schedule Schedule
	Fallback *DialAction
	Opened   []SchedulePeriod
	Closed   []SchedulePeriod
}

// ScheduleRow is a schedule as lists show it, with its fallback flattened.
type ScheduleRow struct {
	Schedule
	FallbackAction     string  `db:"fallback_action"`
	FallbackActionID   *string `db:"fallback_actionid"`
	FallbackActionArgs string  `db:"fallback_actionargs"`
}

// ScheduleFallbackEvent is the event of a schedule's fallback dial action.
const ScheduleFallbackEvent = "schedule_fallback"

// ScheduleStore reads and writes schedules.
type ScheduleStore struct{ db *sqlx.DB }

const scheduleCols = `id, entity_id, name, timezone, description, commented, owner_id, group_id`

var scheduleConstraints = map[string]string{"schedules_name_key": "schedule.name"}

const scheduleRows = `SELECT s.id, s.entity_id, s.name, s.timezone, s.description, s.commented,
	COALESCE(d.action, 'none') AS fallback_action, d.actionarg1 AS fallback_actionid,
	COALESCE(d.actionarg2, '') AS fallback_actionargs
	FROM schedules s LEFT JOIN dialactions d ON d.category = 'schedule' AND d.categoryval = s.id::text
		AND d.event = '` + ScheduleFallbackEvent + `'`

// generalSchedule selects the schedules XiVO shows: neither a user's nor a user group's
// (those are sipX's only, sipx-api.md §6.3).
const generalSchedule = `s.owner_id IS NULL AND s.group_id IS NULL`

// List returns every general schedule by id.
func (s *ScheduleStore) List(ctx context.Context) ([]ScheduleRow, error) {
	var out []ScheduleRow
	err := s.db.SelectContext(ctx, &out, scheduleRows+` WHERE `+generalSchedule+` ORDER BY s.id`)
	return out, err
}

// Search matches a substring of the name or the description.
func (s *ScheduleStore) Search(ctx context.Context, term string) ([]ScheduleRow, error) {
	var out []ScheduleRow
	err := s.db.SelectContext(ctx, &out, scheduleRows+` WHERE `+generalSchedule+` AND (s.name ILIKE $1 OR s.description ILIKE $1) ORDER BY s.id`, likeTerm(term))
	return out, err
}

// Get returns a schedule with its periods and actions, or ErrNotFound.
func (s *ScheduleStore) Get(ctx context.Context, id int) (*ScheduleComposite, error) {
	return s.get(ctx, s.db, id, "")
}

func (s *ScheduleStore) get(ctx context.Context, q sqlx.QueryerContext, id int, lock string) (*ScheduleComposite, error) {
	c := &ScheduleComposite{Opened: []SchedulePeriod{}, Closed: []SchedulePeriod{}}
	err := sqlx.GetContext(ctx, q, &c.Schedule, `SELECT `+scheduleCols+` FROM schedules WHERE id = $1`+lock, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var periods []struct {
		Mode string `db:"mode"`
		SchedulePeriod
	}
	if err := sqlx.SelectContext(ctx, q, &periods, `SELECT mode, hours, weekdays, monthdays, months, commented
		FROM schedule_periods WHERE schedule_id = $1 ORDER BY mode, position`, id); err != nil {
		return nil, err
	}
	for _, p := range periods {
		if p.Mode == "opened" {
			c.Opened = append(c.Opened, p.SchedulePeriod)
		} else {
			c.Closed = append(c.Closed, p.SchedulePeriod)
		}
	}
	das, err := dialActionsOf(ctx, q, "schedule", id)
	for i := range das {
		d := &das[i]
		if d.Event == ScheduleFallbackEvent {
			c.Fallback = d
		} else if n, err := strconv.Atoi(d.Event); err == nil && n >= 1 && n <= len(c.Closed) {
			c.Closed[n-1].Action = d
		}
	}
	return c, err
}

var reHours = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$`)

// checkHours validates "HH:MM-HH:MM": a real time of day at each end, the end after the start.
func checkHours(s string) string {
	m := reHours.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "must be a time range HH:MM-HH:MM (00:00 to 24:00)"
	}
	atoi := func(x string) int { n, _ := strconv.Atoi(x); return n }
	from, to := atoi(m[1])*60+atoi(m[2]), atoi(m[3])*60+atoi(m[4])
	if to > 24*60 {
		return "must end at 24:00 at the latest"
	}
	if to <= from {
		return "must end after it starts"
	}
	return ""
}

// checkDays validates a list of numbers and ranges within lo..hi ("" is all of them).
func checkDays(s string, lo, hi int) string {
	if s == "" {
		return ""
	}
	bad := fmt.Sprintf("must be numbers or ranges of %d-%d separated by commas (e.g. %d-%d,%d)", lo, hi, lo, lo+1, hi)
	for _, part := range strings.Split(s, ",") {
		a, b, isRange := strings.Cut(part, "-")
		x, err1 := strconv.Atoi(a)
		y, err2 := x, error(nil)
		if isRange {
			y, err2 = strconv.Atoi(b)
		}
		if err1 != nil || err2 != nil || len(a) > 2 || len(b) > 2 {
			return bad
		}
		if x < lo || y > hi || x > hi || y < lo {
			return fmt.Sprintf("must stay within %d-%d", lo, hi)
		}
		if x > y {
			return "has a range that ends before it starts"
		}
	}
	return ""
}

func checkPeriods(ve *ValidationError, field string, ps []SchedulePeriod) {
	for i := range ps {
		p := &ps[i]
		prefix := fmt.Sprintf("%s[%d].", field, i)
		p.Hours, p.Weekdays = strings.TrimSpace(p.Hours), strings.TrimSpace(p.Weekdays)
		p.MonthDays, p.Months = strings.TrimSpace(p.MonthDays), strings.TrimSpace(p.Months)
		if rule := checkHours(p.Hours); rule != "" {
			ve.Add(prefix+"hours", rule)
		}
		for _, x := range []struct {
			name   string
			v      string
			lo, hi int
		}{{"weekdays", p.Weekdays, 1, 7}, {"month_days", p.MonthDays, 1, 31}, {"months", p.Months, 1, 12}} {
			if rule := checkDays(x.v, x.lo, x.hi); rule != "" {
				ve.Add(prefix+x.name, rule)
			}
		}
	}
}

// check validates the schedule; it numbers the closed periods' actions by position.
func (s *ScheduleStore) check(ctx context.Context, tx *sqlx.Tx, c *ScheduleComposite) ([]DialAction, error) {
	ve := CheckIn("schedule", &c.Schedule)
	if tz := c.Schedule.Timezone; tz != "" {
		if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
			ve.Add("schedule.timezone", "must be a time zone name such as Europe/Paris or America/Montreal")
		}
	}
	checkPeriods(ve, "opened", c.Opened)
	checkPeriods(ve, "closed", c.Closed)
	if err := ve.OrNil(); err != nil {
		return nil, err
	}
	if c.Schedule.EntityID != nil {
		ok, err := lockExisting(ctx, tx, "entities", *c.Schedule.EntityID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, Invalid("schedule.entity_id", fmt.Sprintf("entity %d does not exist", *c.Schedule.EntityID))
		}
	}
	var das []DialAction
	if c.Fallback != nil {
		d := *c.Fallback
		d.Event = ScheduleFallbackEvent
		das = append(das, d)
	}
	for i, p := range c.Closed {
		if p.Action != nil {
			d := *p.Action
			d.Event = strconv.Itoa(i + 1)
			das = append(das, d)
		}
	}
	if err := CheckDestinations(ctx, tx, "dial_actions", das); err != nil {
		return nil, renameClosedActions(err)
	}
	return das, nil
}

// renameClosedActions names a closed period's action as closed[i].dial_action rather than
// by its stored event number.
func renameClosedActions(err error) error {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	out := &ValidationError{}
	for f, rule := range ve.Fields {
		rest, ok := strings.CutPrefix(f, "dial_actions.")
		ev, sub, _ := strings.Cut(rest, ".")
		if n, e := strconv.Atoi(ev); ok && e == nil {
			f = fmt.Sprintf("closed[%d].dial_action", n-1)
			if sub != "" {
				f += "." + sub
			}
		}
		out.Add(f, rule)
	}
	return out
}

// UsableBy returns the schedules a user may use: the general ones, the user's own and those
// of the user's groups, by id.
func (s *ScheduleStore) UsableBy(ctx context.Context, userID int) ([]ScheduleComposite, error) {
	var ids []int
	if err := s.db.SelectContext(ctx, &ids, `SELECT id FROM schedules WHERE owner_id = $1 OR (owner_id IS NULL
		AND (group_id IS NULL OR group_id IN (SELECT group_id FROM user_group_members WHERE user_id = $1))) ORDER BY id`, userID); err != nil {
		return nil, err
	}
	out := make([]ScheduleComposite, 0, len(ids))
	for _, id := range ids {
		c, err := s.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, nil
}

// Create validates and inserts the schedule, setting its id.
func (s *ScheduleStore) Create(ctx context.Context, c *ScheduleComposite) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		das, err := s.check(ctx, tx, c)
		if err != nil {
			return err
		}
		x := &c.Schedule
		if err := tx.QueryRowxContext(ctx, `INSERT INTO schedules (entity_id, name, timezone, description,
			commented, owner_id, group_id) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`, x.EntityID, x.Name, x.Timezone, x.Description,
			x.Commented, x.OwnerID, x.GroupID).Scan(&x.ID); err != nil {
			return mapPQ(err, scheduleConstraints)
		}
		return s.writeParts(ctx, tx, c, das)
	})
}

// ScheduleKind selects schedules by owner for the sipX /api lists.
type ScheduleKind struct {
	// General: neither a user's nor a group's. Groups: every group's. GroupID: that
	// group's. UserID (with All): the user's own, or (All) also the user's groups' and
	// the general ones.
	General, Groups, All bool
	GroupID, UserID      int
}

// IDsOf are the ids of the schedules of a kind, in id order.
func (s *ScheduleStore) IDsOf(ctx context.Context, k ScheduleKind) ([]int, error) {
	var ids []int
	err := s.db.SelectContext(ctx, &ids, `SELECT id FROM schedules WHERE
		($1 AND owner_id IS NULL AND group_id IS NULL)
		OR ($2 AND group_id IS NOT NULL)
		OR (group_id = $3)
		OR (owner_id = $4)
		OR ($5 AND owner_id IS NULL AND (group_id IS NULL OR group_id IN (SELECT group_id FROM user_group_members WHERE user_id = $4)))
		ORDER BY id`, k.General, k.Groups, k.GroupID, k.UserID, k.All)
	return ids, err
}

// Edit merges an edit onto the stored schedule in one transaction that locks its row first.
func (s *ScheduleStore) Edit(ctx context.Context, id int, merge func(stored *ScheduleComposite) (*ScheduleComposite, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*ScheduleComposite, error) {
		return s.get(ctx, tx, id, " FOR UPDATE")
	}, merge, func(tx *sqlx.Tx, _, c *ScheduleComposite) error {
		c.Schedule.ID = id
		das, err := s.check(ctx, tx, c)
		if err != nil {
			return err
		}
		x := &c.Schedule
		res, err := tx.ExecContext(ctx, `UPDATE schedules SET entity_id=$2, name=$3, timezone=$4,
			description=$5, commented=$6 WHERE id=$1`, id, x.EntityID, x.Name, x.Timezone, x.Description, x.Commented)
		if err != nil {
			return mapPQ(err, scheduleConstraints)
		}
		if err := oneRow(res); err != nil {
			return err
		}
		return s.writeParts(ctx, tx, c, das)
	})
}

// writeParts rewrites the periods and the dial actions (the merged composite is whole).
func (s *ScheduleStore) writeParts(ctx context.Context, tx *sqlx.Tx, c *ScheduleComposite, das []DialAction) error {
	id := c.Schedule.ID
	if _, err := tx.ExecContext(ctx, `DELETE FROM schedule_periods WHERE schedule_id = $1`, id); err != nil {
		return err
	}
	for mode, ps := range map[string][]SchedulePeriod{"opened": c.Opened, "closed": c.Closed} {
		for i, p := range ps {
			if _, err := tx.ExecContext(ctx, `INSERT INTO schedule_periods (schedule_id, mode, position,
				hours, weekdays, monthdays, months, commented) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
				id, mode, i, p.Hours, p.Weekdays, p.MonthDays, p.Months, p.Commented); err != nil {
				return err
			}
		}
	}
	return writeDialActions(ctx, tx, "schedule", strconv.Itoa(id), das)
}

// Delete removes a schedule with its periods and actions; the users that followed it no
// longer do. One a dial action still sends calls to is refused (InUseError).
func (s *ScheduleStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := lockForDelete(ctx, tx, "schedules", id); err != nil {
			return err
		}
		if err := refuseIfDestination(ctx, tx, "schedule", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET schedule_id = 0 WHERE schedule_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM dialactions WHERE category = 'schedule' AND categoryval = $1`, strconv.Itoa(id)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM schedules WHERE id = $1`, id)
		return mapPQ(err, nil)
	})
}
