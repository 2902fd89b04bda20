package handlers

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"pbxws/models"
)

func scheduleRowWire(s *models.Schedule, fallback *models.DialAction) jsonObject {
	action, id, args := "none", (*string)(nil), ""
	if fallback != nil {
		action, id = fallback.Action, fallback.ActionArg1
		if fallback.ActionArg2 != nil {
			args = *fallback.ActionArg2
		}
	}
	return scheduleRow(s, action, id, args)
}

func scheduleRow(s *models.Schedule, action string, id *string, args string) jsonObject {
	return jsonObject{{"id", s.ID}, {"entity_id", s.EntityID}, {"name", s.Name}, {"timezone", s.Timezone},
		{"fallback_action", action}, {"fallback_actionid", id}, {"fallback_actionargs", args},
		{"description", s.Description}, {"commented", s.Commented}}
}

// scheduleAction is a dial action as schedule views show it: its fields, and the same
// inner object keyed by its type and by its action, as the original's pages rendered it.
func scheduleAction(d *models.DialAction) jsonObject {
	short := strings.TrimPrefix(d.Action, d.ActionType+":")
	inner := func() jsonObject {
		return jsonObject{{"action", short}, {"actionarg1", d.ActionArg1}, {"actionarg2", d.ActionArg2}}
	}
	o := jsonObject{{"actiontype", d.ActionType}, {"action", short}, {"actionarg1", d.ActionArg1}, {"actionarg2", d.ActionArg2}}
	o.set(d.ActionType, inner())
	if short != d.ActionType {
		o.set(short, inner())
	}
	return o
}

func periodRows(scheduleID int, mode string, ps []models.SchedulePeriod) []jsonObject {
	out := make([]jsonObject, len(ps))
	for i, p := range ps {
		row := jsonObject{{"schedule_id", scheduleID}, {"mode", mode}, {"hours", p.Hours}, {"weekdays", p.Weekdays},
			{"monthdays", p.MonthDays}, {"months", p.Months}, {"commented", p.Commented}}
		if p.Action != nil {
			row.set("action", p.Action.Action)
			row.set("actionid", p.Action.ActionArg1)
			row.set("actionargs", p.Action.ActionArg2)
		}
		out[i] = row
	}
	return out
}

func scheduleView(c *models.ScheduleComposite) jsonObject {
	das := newObject(len(c.Closed) + 1)
	if c.Fallback != nil {
		das.set(models.ScheduleFallbackEvent, scheduleAction(c.Fallback))
	}
	for i, p := range c.Closed {
		if p.Action != nil {
			das.set(strconv.Itoa(i+1), scheduleAction(p.Action))
		}
	}
	return jsonObject{{"schedule", scheduleRowWire(&c.Schedule, c.Fallback)}, {"dialaction", das},
		// Arrays, [] when empty: xivo-ws takes len() of both.
		{"opened", periodRows(c.Schedule.ID, "opened", c.Opened)},
		{"closed", periodRows(c.Schedule.ID, "closed", c.Closed)}}
}

// flattenArgs turns an actionarg2 sent as a list (xivo-ws's destination args) or a map
// (the original's parts) into the stored text: its items joined with ";", a map's keys
// with a trailing ";".
func flattenArgs(m map[string]any) {
	switch v := m["actionarg2"].(type) {
	case []any:
		parts := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := scalarText(x); ok {
				parts = append(parts, s)
			}
		}
		m["actionarg2"] = strings.Join(parts, ";")
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		m["actionarg2"] = strings.Join(keys, ";") + ";"
	}
}

// decodeAction reads one dial action object (the fallback, a closed period's), named name
// under f in errors.
func decodeAction(f fields, name string, m map[string]any) *models.DialAction {
	flattenArgs(m)
	one := fields{m: map[string]any{name: m}, prefix: f.prefix, errs: f.errs}
	for _, d := range decodeDialActions(one, map[string]bool{name: true}) {
		return &d
	}
	return nil
}

func decodePeriods(top fields, key string) ([]models.SchedulePeriod, bool) {
	if top.m[key] == false {
		return []models.SchedulePeriod{}, true
	}
	list, ok := top.list(key)
	if !ok {
		return nil, false
	}
	out := make([]models.SchedulePeriod, 0, len(list))
	for i, v := range list {
		name := key + "[" + strconv.Itoa(i) + "]"
		m, isObj := v.(map[string]any)
		if !isObj {
			top.fail(name, "must be an object with hours, weekdays, monthdays and months")
			continue
		}
		f := top.sub(name, m)
		var p models.SchedulePeriod
		f.strTrim("hours", &p.Hours)
		f.strTrim("weekdays", &p.Weekdays)
		f.strTrim("monthdays", &p.MonthDays)
		f.strTrim("months", &p.Months)
		f.boolean("commented", &p.Commented)
		if key == "closed" {
			if dm, ok := f.object("dialaction"); ok {
				p.Action = decodeAction(f, "dialaction", dm)
			} else if f.has("action") {
				// A view's row posted back: action "<type>[:<action>]", actionid, actionargs.
				t, a, _ := strings.Cut(scalarOr(m["action"]), ":")
				p.Action = decodeAction(f, "dialaction", map[string]any{
					"actiontype": t, "action": a, "actionarg1": m["actionid"], "actionarg2": m["actionargs"]})
			}
		}
		out = append(out, p)
	}
	return out, true
}

func scalarOr(v any) string { s, _ := scalarText(v); return s }

// decodeSchedule applies an add/edit body onto c: schedule merges field by field; opened
// and closed, when present, replace the stored periods; dialaction's schedule_fallback
// replaces the fallback, and its numbered entries the closed periods' actions.
func decodeSchedule(body map[string]any, c *models.ScheduleComposite) error {
	errs := &models.ValidationError{}
	top := newFields(body, "", errs)
	sm, ok := top.object("schedule")
	if !ok && c.Schedule.ID == 0 {
		errs.Add("schedule", "is required: an object with name and timezone")
	}
	x := &c.Schedule
	f := top.sub("schedule", sm)
	f.strTrim("name", &x.Name)
	f.strTrim("timezone", &x.Timezone)
	f.str("description", &x.Description)
	f.boolean("commented", &x.Commented)
	f.optInt("entity_id", &x.EntityID)
	if ps, ok := decodePeriods(top, "opened"); ok {
		c.Opened = ps
	}
	if ps, ok := decodePeriods(top, "closed"); ok {
		c.Closed = ps
	}
	if das, ok := top.object("dialaction"); ok {
		df := top.sub("dialaction", das)
		for ev, v := range das {
			m, isObj := v.(map[string]any)
			if !isObj {
				df.fail(ev, "must be a dial action object")
				continue
			}
			if ev == models.ScheduleFallbackEvent {
				c.Fallback = decodeAction(df, ev, m)
				continue
			}
			n, err := strconv.Atoi(ev)
			if err != nil || n < 1 || n > len(c.Closed) {
				df.fail(ev, "is neither schedule_fallback nor the number of a closed period")
				continue
			}
			c.Closed[n-1].Action = decodeAction(df, ev, m)
		}
	}
	return errs.OrNil()
}

// scheduleCodec is the json.php form of schedules.
type scheduleCodec struct{ wireNames }

var xivoScheduleNames = names(map[string]string{"dial_actions": "dialaction", "month_days": "monthdays", "dial_action": "dialaction"},
	map[string]string{"dial_actions.schedule_fallback": "dialaction.schedule_fallback"},
	models.Schedule{}, models.DialAction{})

func (scheduleCodec) Rows(rs []models.ScheduleRow) any {
	out := make([]jsonObject, len(rs))
	for i := range rs {
		r := &rs[i]
		out[i] = scheduleRow(&r.Schedule, r.FallbackAction, r.FallbackActionID, r.FallbackActionArgs)
	}
	return out
}
func (scheduleCodec) View(c *models.ScheduleComposite) any   { return scheduleView(c) }
func (scheduleCodec) Key(c *models.ScheduleComposite) string { return strconv.Itoa(c.Schedule.ID) }
func (scheduleCodec) Decode(body map[string]any, stored *models.ScheduleComposite) (*models.ScheduleComposite, error) {
	c := &models.ScheduleComposite{Schedule: stored.Schedule, Fallback: stored.Fallback, Opened: stored.Opened, Closed: stored.Closed}
	if err := decodeSchedule(body, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Schedules is the call_management/schedule resource (spec §4.7), with the search and the
// merging edit the original lacked (its quirk 24).
func Schedules(st *models.Stores) *Resource {
	s := st.Schedules
	return (&Endpoint[models.ScheduleRow, models.ScheduleComposite, int]{
		Codec:  scheduleCodec{xivoScheduleNames},
		New:    func() *models.ScheduleComposite { return &models.ScheduleComposite{} },
		List:   func(ctx context.Context, _ Query) ([]models.ScheduleRow, error) { return s.List(ctx) },
		Search: func(ctx context.Context, q Query) ([]models.ScheduleRow, error) { return s.Search(ctx, q.Search) },
		Get:    s.Get,
		Create: s.Create,
		Edit:   s.Edit,
		Delete: s.Delete,
	}).Resource()
}
