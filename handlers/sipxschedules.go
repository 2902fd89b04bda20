package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"pbxws/models"
)

// The sipX /my/callfwdsched resources (sipx-rest.md §6.4, §3.4): the schedules a user may
// use for call forwarding, over the XiVO schedules. A sipX period is a day and a start and
// end time; a XiVO opening period is hours "HH:MM-HH:MM" and weekdays (Monday = 1).

// ErrUnprocessable is a schedule sipX refuses with 422 (its rule for schedules).
type ErrUnprocessable struct{ Err error }

func (e *ErrUnprocessable) Error() string { return e.Err.Error() }
func (e *ErrUnprocessable) Unwrap() error { return e.Err }

// sipX days: Sunday = 1 … Saturday = 7, every day 0, weekdays -1, the weekend -2.
var sipxDayWeekdays = map[int]string{0: "", -1: "1-5", -2: "6-7", 1: "7", 2: "1", 3: "2", 4: "3", 5: "4", 6: "5", 7: "6"}

type sipxTime struct {
	Hrs int `json:"hrs"`
	Min int `json:"min"`
}

type sipxPeriod struct {
	Day   int      `json:"scheduledDay"`
	Start sipxTime `json:"start"`
	End   sipxTime `json:"end"`
}

type sipxSchedule struct {
	ID          int          `json:"scheduleId"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Periods     []sipxPeriod `json:"periods"`
}

// toSipxPeriods turns XiVO opening periods into sipX ones: a weekday list that is not one of
// sipX's groups becomes one period per day.
func toSipxPeriods(ps []models.SchedulePeriod) []sipxPeriod {
	out := []sipxPeriod{}
	for _, p := range ps {
		from, to, ok := strings.Cut(p.Hours, "-")
		if !ok {
			continue
		}
		st, en := parseClock(from), parseClock(to)
		var days []int
		switch strings.ReplaceAll(p.Weekdays, " ", "") {
		case "", "1-7":
			days = []int{0}
		case "1-5":
			days = []int{-1}
		case "6-7":
			days = []int{-2}
		default:
			for d := 1; d <= 7; d++ {
				if weekdayIn(p.Weekdays, d) {
					days = append(days, d%7+1) // XiVO Monday=1 → sipX 2 … Sunday=7 → 1
				}
			}
		}
		for _, d := range days {
			out = append(out, sipxPeriod{Day: d, Start: st, End: en})
		}
	}
	return out
}

func parseClock(s string) sipxTime {
	h, m, _ := strings.Cut(strings.TrimSpace(s), ":")
	hrs, _ := strconv.Atoi(h)
	mins, _ := strconv.Atoi(m)
	return sipxTime{hrs, mins}
}

// weekdayIn reports whether day (1-7) is in a XiVO list of days and ranges ("1,3,5-7").
func weekdayIn(list string, day int) bool {
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 == nil && err2 == nil && day >= a && day <= b {
			return true
		}
	}
	return false
}

func minutes(t sipxTime) int { return t.Hrs*60 + t.Min }

// fromSipxPeriods checks sipX periods (known day, start before end, a day's periods not
// overlapping) and turns them into XiVO opening periods.
func fromSipxPeriods(ps []sipxPeriod) ([]models.SchedulePeriod, error) {
	ve := &models.ValidationError{}
	type span struct{ day, from, to int }
	var spans []span
	out := make([]models.SchedulePeriod, 0, len(ps))
	for i, p := range ps {
		field := fmt.Sprintf("periods[%d]", i)
		wd, known := sipxDayWeekdays[p.Day]
		from, to := minutes(p.Start), minutes(p.End)
		switch {
		case !known:
			ve.Add(field+".scheduledDay", "must be 1 (Sunday) to 7 (Saturday), 0 (every day), -1 (weekdays) or -2 (weekend)")
		case p.Start.Hrs < 0 || p.Start.Hrs > 23 || p.Start.Min < 0 || p.Start.Min > 59 ||
			p.End.Hrs < 0 || p.End.Hrs > 24 || p.End.Min < 0 || p.End.Min > 59 || to > 24*60:
			ve.Add(field, "must have times between 00:00 and 24:00")
		case from >= to:
			ve.Add(field, "must start before it ends")
		default:
			// The XiVO days each period covers, to find overlaps across day groups.
			for d := 1; d <= 7; d++ {
				if wd == "" || weekdayIn(wd, d) {
					for _, o := range spans {
						if o.day == d && from < o.to && o.from < to {
							ve.Add(field, "overlaps another period of the same day")
						}
					}
					spans = append(spans, span{d, from, to})
				}
			}
			out = append(out, models.SchedulePeriod{Hours: fmt.Sprintf("%02d:%02d-%02d:%02d", p.Start.Hrs, p.Start.Min, p.End.Hrs, p.End.Min), Weekdays: wd})
		}
	}
	if err := ve.OrNil(); err != nil {
		return nil, err
	}
	return out, nil
}

func sipxScheduleOf(c *models.ScheduleComposite) sipxSchedule {
	return sipxSchedule{ID: c.Schedule.ID, Name: c.Schedule.Name, Description: c.Schedule.Description, Periods: toSipxPeriods(c.Opened)}
}

// MyCallForwardingSchedules is /my/callfwdsched[/{id}] (JSON only): GET lists the
// schedules the user may use (the general ones and their own) or shows one; POST creates a
// personal one (201, {"scheduleId": n}); PUT and DELETE change the user's own only (403
// without an id or for another's). Invalid periods or a taken name are 422.
func MyCallForwardingSchedules(st *models.Stores) *Resource {
	s := st.Schedules
	visible := func(ctx context.Context, r *Request) (*models.ScheduleComposite, error) {
		id, ok := ParseID(r.ID)
		if !ok {
			return nil, models.ErrNotFound
		}
		c, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if c.Schedule.OwnerID != nil && *c.Schedule.OwnerID != r.User {
			return nil, models.ErrNotFound // another user's: not visible
		}
		return c, nil
	}
	own := func(ctx context.Context, r *Request) (int, error) {
		if r.ID == "" {
			return 0, &ForbiddenError{Msg: "name the schedule: /my/callfwdsched/{id}"}
		}
		c, err := visible(ctx, r)
		if err != nil {
			return 0, err
		}
		if c.Schedule.OwnerID == nil {
			return 0, &ForbiddenError{Msg: "schedule " + r.ID + " is not one of your own"}
		}
		return c.Schedule.ID, nil
	}
	decode := func(r *Request) (*sipxSchedule, error) {
		body, err := r.decoded()
		if err != nil {
			return nil, err
		}
		var in sipxSchedule
		errs := &models.ValidationError{}
		f := newFields(body, "", errs)
		f.strTrim("name", &in.Name)
		f.str("description", &in.Description)
		items, _ := f.list("periods")
		for i, it := range items {
			m, _ := it.(map[string]any)
			pf := fields{m: m, prefix: fmt.Sprintf("periods[%d].", i), errs: errs}
			var p sipxPeriod
			pf.integer("scheduledDay", &p.Day)
			for key, t := range map[string]*sipxTime{"start": &p.Start, "end": &p.End} {
				if tm, ok := pf.object(key); ok {
					tf := pf.sub(key, tm)
					tf.integer("hrs", &t.Hrs)
					tf.integer("min", &t.Min)
				} else {
					pf.fail(key, "is required: {\"hrs\": h, \"min\": m}")
				}
			}
			in.Periods = append(in.Periods, p)
		}
		if err := errs.OrNil(); err != nil {
			return nil, &ErrUnprocessable{err}
		}
		return &in, nil
	}
	unprocessable := func(err error) error {
		var ve *models.ValidationError
		var ce *models.ConflictError
		if errors.As(err, &ve) || errors.As(err, &ce) {
			return &ErrUnprocessable{err}
		}
		return err
	}
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			if r.ID != "" {
				c, err := visible(ctx, r)
				if err != nil {
					return Result{}, err
				}
				return Result{JSON: sipxScheduleOf(c)}, nil
			}
			cs, err := s.UsableBy(ctx, r.User)
			out := make([]sipxSchedule, len(cs))
			for i := range cs {
				out[i] = sipxScheduleOf(&cs[i])
			}
			sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
			return Result{JSON: out}, err
		},
		"add": func(ctx context.Context, r *Request) (Result, error) {
			in, err := decode(r)
			if err != nil {
				return Result{}, err
			}
			opened, err := fromSipxPeriods(in.Periods)
			if err != nil {
				return Result{}, &ErrUnprocessable{err}
			}
			owner := r.User
			c := &models.ScheduleComposite{Schedule: models.Schedule{Name: in.Name, Description: in.Description, OwnerID: &owner},
				Opened: opened, Closed: []models.SchedulePeriod{}}
			if err := s.Create(ctx, c); err != nil {
				return Result{}, unprocessable(err)
			}
			return Result{Status: http.StatusCreated, JSON: map[string]int{"scheduleId": c.Schedule.ID}, ID: strconv.Itoa(c.Schedule.ID)}, nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			id, err := own(ctx, r)
			if err != nil {
				return Result{}, err
			}
			in, err := decode(r)
			if err != nil {
				return Result{}, err
			}
			opened, err := fromSipxPeriods(in.Periods)
			if err != nil {
				return Result{}, &ErrUnprocessable{err}
			}
			err = s.Edit(ctx, id, func(c *models.ScheduleComposite) (*models.ScheduleComposite, error) {
				if in.Name != "" {
					c.Schedule.Name = in.Name
				}
				c.Schedule.Description = in.Description
				c.Opened = opened
				return c, nil
			})
			return Done(), unprocessable(err)
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			id, err := own(ctx, r)
			if err != nil {
				return Result{}, err
			}
			return Done(), s.Delete(ctx, id)
		},
	}}
}
