package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"pbxws/models"
)

// The sipX /api/schedules resources (sipx-api.md §6) over the XiVO schedules: a general
// schedule is a XiVO one (call_management/schedule), a personal one belongs to a user
// (owner_id), a group one to a sipX user group (group_id). A period is a day (or day group),
// a start and a stop time of day, and whether it is enabled (a XiVO opening period that is
// not commented).

const dayMillis = 24 * 60 * 60 * 1000

// apiDays are the sipX day numbers (sipxDayWeekdays) with their JSON and XML names.
var apiDays = []struct {
	n         int
	json, xml string
}{
	{1, "Sunday", "SUNDAY"}, {2, "Monday", "MONDAY"}, {3, "Tuesday", "TUESDAY"}, {4, "Wednesday", "WEDNESDAY"},
	{5, "Thursday", "THURSDAY"}, {6, "Friday", "FRIDAY"}, {7, "Saturday", "SATURDAY"},
	{-1, "Weekdays", "WEEKDAYS"}, {-2, "Weekend", "WEEKEND"}, {0, "Every_day", "EVERYDAY"},
}

func apiDay(n int) (string, string) {
	for _, d := range apiDays {
		if d.n == n {
			return d.json, d.xml
		}
	}
	return "", ""
}

// parseAPIDay reads a day in either form, any case ("Every day" too).
func parseAPIDay(s string) (int, bool) {
	k := strings.NewReplacer("_", "", " ", "").Replace(strings.ToUpper(strings.TrimSpace(s)))
	for _, d := range apiDays {
		if strings.ReplaceAll(d.xml, "_", "") == k || strings.ToUpper(strings.ReplaceAll(d.json, "_", "")) == k {
			return d.n, true
		}
	}
	return 0, false
}

// apiPeriod is one workingHours entry.
type apiPeriod struct {
	Enabled     bool
	Day         int
	Start, Stop int // minutes of the day; Stop may be 1440
}

// apiPeriodsOf are a schedule's opening periods as sipX shows them, in stored order.
func apiPeriodsOf(ps []models.SchedulePeriod) []apiPeriod {
	var out []apiPeriod
	for _, p := range ps {
		for _, sp := range toSipxPeriods([]models.SchedulePeriod{p}) {
			out = append(out, apiPeriod{Enabled: !p.Commented, Day: sp.Day, Start: minutes(sp.Start), Stop: minutes(sp.End)})
		}
	}
	return out
}

// xivoPeriods checks the periods (422 for a start not before its stop or an overlap of
// enabled periods, naming the period) and turns them into XiVO opening periods.
func xivoPeriods(ps []apiPeriod) ([]models.SchedulePeriod, error) {
	out := make([]models.SchedulePeriod, len(ps))
	var enabled []sipxPeriod
	var at []int
	for i, p := range ps {
		sp := sipxPeriod{Day: p.Day, Start: sipxTime{p.Start / 60, p.Start % 60}, End: sipxTime{p.Stop / 60, p.Stop % 60}}
		one, err := fromSipxPeriods([]sipxPeriod{sp})
		if err != nil {
			return nil, &ErrUnprocessable{Err: renamePeriod(err, i)}
		}
		out[i] = one[0]
		out[i].Commented = !p.Enabled
		if p.Enabled {
			enabled = append(enabled, sp)
			at = append(at, i)
		}
	}
	if _, err := fromSipxPeriods(enabled); err != nil {
		var ve *models.ValidationError
		if errors.As(err, &ve) {
			out := &models.ValidationError{}
			for f, rule := range ve.Fields {
				var n int
				if _, e := fmt.Sscanf(f, "periods[%d]", &n); e == nil && n < len(at) {
					f = fmt.Sprintf("workingTime.workingHours[%d]", at[n])
				}
				out.Add(f, rule)
			}
			err = out
		}
		return nil, &ErrUnprocessable{Err: err}
	}
	return out, nil
}

func renamePeriod(err error, i int) error {
	var ve *models.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	out := &models.ValidationError{}
	for f, rule := range ve.Fields {
		out.Add(strings.Replace(f, "periods[0]", fmt.Sprintf("workingTime.workingHours[%d]", i), 1), rule)
	}
	return out
}

// scheduleBean is a schedule as §6.1 shows it.
func scheduleBean(c *models.ScheduleComposite) APIObject {
	x := c.Schedule
	user, group, typ, xtyp := -1, -1, "G", "general"
	switch {
	case x.OwnerID != nil:
		user, typ, xtyp = *x.OwnerID, "S", "user"
	case x.GroupID != nil:
		group, typ, xtyp = *x.GroupID, "U", "group"
	}
	var desc any
	if x.Description != "" {
		desc = x.Description
	}
	ps := apiPeriodsOf(c.Opened)
	js, xs := make([]any, len(ps)), make([]any, len(ps))
	for i, p := range ps {
		jd, xd := apiDay(p.Day)
		start, stop := int64(p.Start)*60000, int64(p.Stop)*60000
		js[i] = APIObject{{Name: "enabled", Value: p.Enabled}, {Name: "start", Value: start}, {Name: "stop", Value: stop}, {Name: "scheduledDay", Value: jd}}
		xs[i] = APIObject{{Name: "enabled", Value: p.Enabled}, {Name: "start", Value: time.UnixMilli(start)}, {Name: "stop", Value: time.UnixMilli(stop)}, {Name: "scheduledDay", Value: xd}}
	}
	return APIObject{
		{Name: "id", Value: x.ID}, {Name: "name", Value: x.Name}, {Name: "description", Value: desc},
		{Name: "userId", Value: user}, {Name: "groupId", Value: group}, {Name: "type", Value: typ, XML: xtyp},
		{Name: "workingTime", Value: APIObject{{Name: "workingHours", Value: APIList{Item: "workingHours", Items: js}}},
			XML: APIList{Item: "workingHours", Items: xs}},
	}
}

// apiMillis reads a time: JSON milliseconds since the epoch, or an xsd:dateTime; only the
// UTC time of day counts, truncated to the minute. stop: a multiple of a day (but 0) is 24:00.
func apiMillis(v any, stop bool) (int, bool) {
	var ms int64
	switch t := v.(type) {
	case json.Number:
		n, err := strconv.ParseInt(t.String(), 10, 64)
		if err != nil {
			return 0, false
		}
		ms = n
	case string:
		s := strings.TrimSpace(t)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			ms = n
		} else if tm, err := time.Parse(time.RFC3339Nano, s); err == nil {
			ms = tm.UnixMilli()
		} else {
			return 0, false
		}
	default:
		return 0, false
	}
	if stop && ms > 0 && ms%dayMillis == 0 {
		return 24 * 60, true
	}
	ms %= dayMillis
	if ms < 0 {
		ms += dayMillis
	}
	return int(ms / 60000), true
}

// decodeAPIPeriod reads one workingHours object (unknown day → 400).
func decodeAPIPeriod(m map[string]any, prefix string, errs *models.ValidationError) apiPeriod {
	f := fields{m: m, prefix: prefix, errs: errs}
	p := apiPeriod{Enabled: true}
	f.boolean("enabled", &p.Enabled)
	for key, dst := range map[string]*int{"start": &p.Start, "stop": &p.Stop} {
		v, ok := m[key]
		if !ok || v == nil {
			f.fail(key, "is required (milliseconds since 1970-01-01T00:00Z, or an xsd:dateTime)")
			continue
		}
		n, ok := apiMillis(v, key == "stop")
		if !ok {
			f.fail(key, "must be milliseconds since 1970-01-01T00:00Z or an xsd:dateTime")
			continue
		}
		*dst = n
	}
	var day string
	if !f.str("scheduledDay", &day) {
		f.fail("scheduledDay", "is required")
	} else if n, ok := parseAPIDay(day); !ok {
		f.fail("scheduledDay", "must be Sunday … Saturday, Weekdays, Weekend or Every_day")
	} else {
		p.Day = n
	}
	return p
}

// unwrap takes a body's root element off ({"Schedule": {…}} from XML), if it has one.
func unwrap(body map[string]any, roots ...string) map[string]any {
	if len(body) == 1 {
		for _, r := range roots {
			if m, ok := body[r].(map[string]any); ok {
				return m
			}
		}
	}
	return body
}

// scheduleInput is what a POST or PUT body says; nil parts were absent.
type scheduleInput struct {
	name, description *string
	typ               string
	userID, groupID   *int
	periods           []apiPeriod
	hasPeriods        bool
}

func decodeScheduleBody(r *Request) (*scheduleInput, error) {
	body, err := r.decoded()
	if err != nil {
		return nil, err
	}
	body = unwrap(body, "Schedule", "schedule")
	errs := &models.ValidationError{}
	f := fields{m: body, errs: errs}
	in := &scheduleInput{}
	var s string
	if f.strTrim("name", &s) {
		in.name = &s
	}
	if v, ok := body["description"]; ok {
		d := ""
		if v != nil {
			f.str("description", &d)
		}
		in.description = &d
	}
	if f.strTrim("type", &in.typ) {
		switch strings.ToLower(in.typ) {
		case "s", "user":
			in.typ = "S"
		case "g", "general":
			in.typ = "G"
		case "u", "group":
			in.typ = "U"
		default:
			f.fail("type", "must be S (personal), G (general) or U (user group); XML user, general or group")
		}
	}
	for key, dst := range map[string]**int{"userId": &in.userID, "groupId": &in.groupID} {
		var n int
		if f.integer(key, &n) {
			*dst = &n
		}
	}
	if wt, ok := f.object("workingTime"); ok {
		in.hasPeriods = true
		items, isArr := wt["workingHours"].([]any)
		if !isArr && wt["workingHours"] != nil {
			items, _ = sipxItems(wt, "workingHours")
		}
		for i, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				errs.Add(fmt.Sprintf("workingTime.workingHours[%d]", i), "must be an object")
				continue
			}
			in.periods = append(in.periods, decodeAPIPeriod(m, fmt.Sprintf("workingTime.workingHours[%d].", i), errs))
		}
	}
	if err := errs.OrNil(); err != nil {
		return nil, err
	}
	return in, nil
}

// apiScheduleErr maps the store's refusals to §2.5: a taken name is 422 like the other
// schedule validations.
func apiScheduleErr(err error) error {
	var ce *models.ConflictError
	if errors.As(err, &ce) {
		return &ErrUnprocessable{Err: errors.New(ce.Msg)}
	}
	var ie *models.InUseError
	if errors.As(err, &ie) {
		return &APIError{Status: http.StatusConflict, Msg: ie.Msg}
	}
	if errors.Is(err, models.ErrNotFound) {
		return &APIError{Status: http.StatusNotFound, Msg: "Schedule not found"}
	}
	return err
}

// APISchedules is /api/schedules and below (§6.2). PathParams: "list" names a list
// (general, group, all, personal), "groupId"/"userId" its owner, "id" a schedule, "index"
// a period.
func APISchedules(st *models.Stores) *Resource {
	s := st.Schedules
	one := func(ctx context.Context, r *Request) (*models.ScheduleComposite, int, error) {
		id, ok := ParseID(r.PathParams["id"])
		if !ok {
			return nil, 0, &APIError{Status: http.StatusNotFound, Msg: "Schedule not found"}
		}
		c, err := s.Get(ctx, id)
		if err != nil {
			return nil, 0, apiScheduleErr(err)
		}
		return c, id, nil
	}
	userOf := func(ctx context.Context, raw string) (int, error) {
		id, ok := ParseID(raw)
		if ok {
			if _, err := st.Users.Get(ctx, id); err == nil {
				return id, nil
			} else if !errors.Is(err, models.ErrNotFound) {
				return 0, err
			}
		}
		return 0, models.ErrNotFound
	}
	groupOf := func(ctx context.Context, raw string) (int, error) {
		id, ok := ParseID(raw)
		if ok {
			if _, err := st.UserGroups.Get(ctx, id); err == nil {
				return id, nil
			} else if !errors.Is(err, models.ErrNotFound) {
				return 0, err
			}
		}
		return 0, models.ErrNotFound
	}
	answer := func(ctx context.Context, ids []int) (Result, error) {
		cs, err := getEach(ctx, ids, s.Get)
		if err != nil {
			return Result{}, err
		}
		items := make([]any, len(cs))
		for i, c := range cs {
			items[i] = scheduleBean(c)
		}
		return Result{JSON: APIDoc{Root: "Schedules", Key: "schedules", Value: APIList{Item: "Schedule", Items: items}}}, nil
	}
	// edit merges onto the stored schedule; change edits the periods.
	edit := func(ctx context.Context, id int, change func(c *models.ScheduleComposite, ps []apiPeriod) (*models.ScheduleComposite, []apiPeriod, error)) error {
		return apiScheduleErr(s.Edit(ctx, id, func(c *models.ScheduleComposite) (*models.ScheduleComposite, error) {
			c2, ps, err := change(c, apiPeriodsOf(c.Opened))
			if err != nil {
				return nil, err
			}
			if c2.Opened, err = xivoPeriods(ps); err != nil {
				return nil, err
			}
			return c2, nil
		}))
	}
	// Creates and updates answer the id, and where the schedule is (§2.4).
	idText := func(id int) Result {
		return Result{JSON: idDoc(id), Header: http.Header{"Location": {"/sipxconfig/api/schedules/" + strconv.Itoa(id)}}}
	}
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			switch r.PathParams["list"] {
			case "general":
				ids, err := s.IDsOf(ctx, models.ScheduleKind{General: true})
				if err != nil {
					return Result{}, err
				}
				return answer(ctx, ids)
			case "group":
				k := models.ScheduleKind{Groups: true}
				if raw, ok := r.PathParams["groupId"]; ok {
					g, err := groupOf(ctx, raw)
					if errors.Is(err, models.ErrNotFound) {
						return Result{}, &APIError{Status: http.StatusNotFound, Msg: "Group not found"}
					}
					if err != nil {
						return Result{}, err
					}
					k = models.ScheduleKind{GroupID: g}
				}
				ids, err := s.IDsOf(ctx, k)
				if err != nil {
					return Result{}, err
				}
				return answer(ctx, ids)
			case "all", "personal":
				u, err := userOf(ctx, r.PathParams["userId"])
				if errors.Is(err, models.ErrNotFound) {
					return Result{}, &APIError{Status: http.StatusNotFound, Msg: "User not found"}
				}
				if err != nil {
					return Result{}, err
				}
				ids, err := s.IDsOf(ctx, models.ScheduleKind{UserID: u, All: r.PathParams["list"] == "all"})
				if err != nil {
					return Result{}, err
				}
				return answer(ctx, ids)
			}
			c, _, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			return Result{JSON: APIDoc{Root: "Schedule", Value: scheduleBean(c)}}, nil
		},
		"add": func(ctx context.Context, r *Request) (Result, error) {
			in, err := decodeScheduleBody(r)
			if err != nil {
				return Result{}, err
			}
			// A sipX-made schedule hangs up outside its hours (XiVO's fallback, §6.3).
			c := &models.ScheduleComposite{Opened: []models.SchedulePeriod{}, Closed: []models.SchedulePeriod{},
				Fallback: &models.DialAction{ActionType: "endcall", Action: "endcall:hangup"}}
			if r.PathParams["list"] == "personal" {
				u, err := userOf(ctx, r.PathParams["userId"])
				if errors.Is(err, models.ErrNotFound) {
					return Result{}, &APIError{Status: http.StatusNotFound, Msg: "User not found"}
				}
				if err != nil {
					return Result{}, err
				}
				in.typ, in.userID = "S", &u
			}
			switch in.typ {
			case "S":
				if in.userID == nil {
					return Result{}, models.Invalid("userId", "is required for a personal schedule (type S)")
				}
				if _, err := userOf(ctx, strconv.Itoa(*in.userID)); err != nil {
					return Result{}, models.Invalid("userId", fmt.Sprintf("user %d does not exist", *in.userID))
				}
				c.Schedule.OwnerID = in.userID
			case "U":
				if in.groupID == nil {
					return Result{}, models.Invalid("groupId", "is required for a user-group schedule (type U)")
				}
				if _, err := groupOf(ctx, strconv.Itoa(*in.groupID)); err != nil {
					return Result{}, models.Invalid("groupId", fmt.Sprintf("user group %d does not exist", *in.groupID))
				}
				c.Schedule.GroupID = in.groupID
			}
			if in.name == nil || *in.name == "" {
				return Result{}, models.Invalid("name", "is required")
			}
			c.Schedule.Name = *in.name
			if in.description != nil {
				c.Schedule.Description = *in.description
			}
			if c.Opened, err = xivoPeriods(in.periods); err != nil {
				return Result{}, err
			}
			if err := s.Create(ctx, c); err != nil {
				return Result{}, apiScheduleErr(err)
			}
			return idText(c.Schedule.ID), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			_, id, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			in, err := decodeScheduleBody(r)
			if err != nil {
				return Result{}, err
			}
			err = edit(ctx, id, func(c *models.ScheduleComposite, ps []apiPeriod) (*models.ScheduleComposite, []apiPeriod, error) {
				if in.typ != "" {
					if typ, _ := scheduleBean(c)[5].Value.(string); typ != in.typ {
						return nil, nil, models.Invalid("type", "cannot change ("+typ+")")
					}
				}
				if in.name != nil {
					if *in.name == "" {
						return nil, nil, models.Invalid("name", "is required")
					}
					c.Schedule.Name = *in.name
				}
				if in.description != nil {
					c.Schedule.Description = *in.description
				}
				if in.hasPeriods {
					ps = in.periods
				}
				return c, ps, nil
			})
			if err != nil {
				return Result{}, err
			}
			return idText(id), nil
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			_, id, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			return Result{}, apiScheduleErr(s.Delete(ctx, id))
		},
		// period: POST …/period appends, POST …/period/{index} inserts before index.
		"period": func(ctx context.Context, r *Request) (Result, error) {
			_, id, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			body, err := r.decoded()
			if err != nil {
				return Result{}, err
			}
			errs := &models.ValidationError{}
			p := decodeAPIPeriod(unwrap(body, "workingHours", "WorkingHours"), "", errs)
			if err := errs.OrNil(); err != nil {
				return Result{}, err
			}
			err = edit(ctx, id, func(c *models.ScheduleComposite, ps []apiPeriod) (*models.ScheduleComposite, []apiPeriod, error) {
				at := len(ps)
				if raw, ok := r.PathParams["index"]; ok {
					n, err := strconv.Atoi(raw)
					if err != nil || n < 0 || n > len(ps) {
						return nil, nil, &APIError{Status: http.StatusNotFound, Msg: "Period not found"}
					}
					at = n
				}
				return c, slices.Insert(ps, at, p), nil
			})
			if err != nil {
				return Result{}, err
			}
			return idText(id), nil
		},
		"unperiod": func(ctx context.Context, r *Request) (Result, error) {
			_, id, err := one(ctx, r)
			if err != nil {
				return Result{}, err
			}
			err = edit(ctx, id, func(c *models.ScheduleComposite, ps []apiPeriod) (*models.ScheduleComposite, []apiPeriod, error) {
				n, err := strconv.Atoi(r.PathParams["index"])
				if err != nil || n < 0 || n >= len(ps) {
					return nil, nil, &APIError{Status: http.StatusNotFound, Msg: "Period not found"}
				}
				return c, slices.Delete(ps, n, n+1), nil
			})
			return Result{}, err
		},
	}}
}

// idDoc is a created or updated object's id: a JSON number, or text when JSON is not
// acceptable (§2.4).
type idDoc int

func (d idDoc) Render(media string) ([]byte, string) {
	if media == "application/json" {
		return []byte(strconv.Itoa(int(d))), "application/json; charset=utf-8"
	}
	return []byte(strconv.Itoa(int(d))), "text/plain; charset=utf-8"
}
