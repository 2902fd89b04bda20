package handlers

import (
	"context"
	"strconv"
	"strings"

	"pbxws/models"
)

func incallRowWire(x *models.Incall) jsonObject {
	return jsonObject{{"id", x.ID}, {"exten", x.Number}, {"context", x.Context},
		{"preprocess_subroutine", x.PreprocessSubroutine}, {"description", x.Description},
		{"commented", x.Commented}, {"identity", x.Number + "@" + x.Context}}
}

// incallItem is a list item: the row, its answer and its destination's readable name.
func incallItem(r *models.IncallRow) jsonObject {
	o := incallRowWire(&r.Incall)
	o.set("destination", r.ActionType)
	o.set("action", r.Action)
	o.set("actionarg1", r.ActionArg1)
	o.set("actionarg2", r.ActionArg2)
	o.set("linked", r.Linked)
	o.set("destidentity", r.DestIdentity)
	return o
}

func incallView(c *models.IncallComposite) jsonObject {
	var das []models.DialAction
	if c.Answer != nil {
		das = []models.DialAction{*c.Answer}
	}
	out := jsonObject{{"incall", incallRowWire(&c.Incall)},
		{"dialaction", dialActionsView("incall", c.Incall.ID, das)},
		{"callerid", callerIDView(c.Incall.CallerIDMode, c.Incall.CallerIDDisplay)},
		{"rightcall", rightCallsView("incall", c.Incall.ID, c.RightCalls)}}
	setScheduleLink(&out, c.Incall.ScheduleID)
	return out
}

// decodeIncall applies an add/edit body onto c. incall merges field by field; a present
// dialaction.answer (or the shortcut incall.destination/action/arg1/arg2) replaces the
// stored answer; callerid sets the caller-id rewriting (false or an empty mode: none).
func decodeIncall(body map[string]any, c *models.IncallComposite) error {
	errs := &models.ValidationError{}
	top := newFields(body, "", errs)
	im, ok := top.object("incall")
	if !ok && c.Incall.ID == 0 {
		errs.Add("incall", "is required: an object with exten and context")
	}
	x := &c.Incall
	f := top.sub("incall", im)
	f.strTrim("exten", &x.Number)
	f.strTrim("context", &x.Context)
	f.strTrim("preprocess_subroutine", &x.PreprocessSubroutine)
	f.str("description", &x.Description)
	f.boolean("commented", &x.Commented)
	das, _ := top.object("dialaction")
	if f.has("destination") {
		// The shortcut: incall.destination/action/arg1/arg2 is the answer.
		das = map[string]any{"answer": map[string]any{"actiontype": im["destination"], "action": im["action"],
			"actionarg1": im["arg1"], "actionarg2": im["arg2"]}}
	}
	if das != nil {
		for _, d := range decodeDialActions(top.sub("dialaction", das), eventSet(models.IncallEvents...)) {
			c.Answer = &d
		}
	}
	decodeScheduleLink(top, &x.ScheduleID)
	decodeCallerID(top, &x.CallerIDMode, &x.CallerIDDisplay)
	if rc, ok := decodeRightCalls(top); ok {
		c.RightCalls = rc
	}
	return errs.OrNil()
}

// incallCodec is the json.php form of incoming calls.
type incallCodec struct{ wireNames }

var xivoIncallNames = names(map[string]string{"dial_actions": "dialaction", "number": "exten", "right_calls": "rightcall"},
	map[string]string{"incall.caller_id_mode": "callerid.mode", "incall.caller_id_display": "callerid.callerdisplay",
		"incall.schedule_id": "schedule_id"},
	models.Incall{}, models.DialAction{})

func (incallCodec) Rows(rs []models.IncallRow) any {
	out := make([]jsonObject, len(rs))
	for i := range rs {
		out[i] = incallItem(&rs[i])
	}
	return out
}
func (incallCodec) View(c *models.IncallComposite) any   { return incallView(c) }
func (incallCodec) Key(c *models.IncallComposite) string { return strconv.Itoa(c.Incall.ID) }
func (incallCodec) Decode(body map[string]any, stored *models.IncallComposite) (*models.IncallComposite, error) {
	c := &models.IncallComposite{Incall: stored.Incall, Answer: stored.Answer}
	// Call rights the body does not name stay nil: the store keeps them.
	if err := decodeIncall(body, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Incalls is the call_management/incall resource (spec §4.4).
func Incalls(st *models.Stores) *Resource {
	s := st.Incalls
	return (&Endpoint[models.IncallRow, models.IncallComposite, int]{
		Codec: incallCodec{xivoIncallNames},
		New:   func() *models.IncallComposite { return &models.IncallComposite{} },
		List:  func(ctx context.Context, _ Query) ([]models.IncallRow, error) { return s.List(ctx) },
		Search: func(ctx context.Context, q Query) ([]models.IncallRow, error) {
			return s.Search(ctx, strings.TrimSpace(q.Search))
		},
		Get:       s.Get,
		Create:    s.Create,
		Edit:      s.Edit,
		Delete:    s.Delete,
		DeleteAll: s.DeleteAll,
	}).Resource()
}
