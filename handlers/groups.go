package handlers

import (
	"context"
	"strconv"

	"pbxws/models"
)

// groupRow is a group as json.php lists it and as the view's groupfeatures: flat, the
// number a string (xivo-ws compares it as text).
func groupRow(g *models.Group) jsonObject {
	return jsonObject{{"id", g.ID}, {"name", g.Name}, {"number", g.Number}, {"context", g.Context},
		{"timeout", g.Timeout}, {"transfer_user", g.TransferUser}, {"transfer_call", g.TransferCall},
		{"write_caller", g.WriteCaller}, {"write_calling", g.WriteCalling},
		{"ignore_forward", g.IgnoreForward}, {"preprocess_subroutine", g.PreprocessSubroutine},
		{"description", g.Description}, {"commented", g.Commented}, {"identity", groupIdentity(g)}}
}

func groupIdentity(g *models.Group) string {
	if g.Number == "" {
		return g.Name
	}
	return g.Name + " (" + g.Number + "@" + g.Context + ")"
}

func groupView(c *models.GroupComposite) jsonObject {
	g := &c.Group
	members := make([]jsonObject, len(c.Members))
	for i, uid := range c.Members {
		members[i] = jsonObject{{"userid", uid}, {"usertype", "user"}, {"category", "group"},
			{"groupfeaturesid", g.ID}, {"position", i}}
	}
	out := jsonObject{
		{"groupfeatures", groupRow(g)},
		{"queue", jsonObject{{"strategy", g.Strategy}, {"musicclass", g.MusicClass}, {"ringinuse", g.RingInUse}}},
		// [] rather than false: xivo-ws iterates it.
		{"user", members},
		{"dialaction", dialActionsView("group", g.ID, c.DialActions)},
		{"callerid", callerIDView(g.CallerIDMode, g.CallerIDDisplay)},
		{"rightcall", rightCallsView("group", g.ID, c.RightCalls)},
	}
	setScheduleLink(&out, g.ScheduleID)
	return out
}

// decodeGroup applies an add/edit body onto c: groupfeatures and queue merge field by
// field; user (the member ids) and dialaction replace what is stored when present;
// callerid and schedule_id set the caller-id rewriting and the schedule followed.
func decodeGroup(body map[string]any, c *models.GroupComposite) error {
	errs := &models.ValidationError{}
	top := newFields(body, "", errs)
	gfm, ok := top.object("groupfeatures")
	if !ok && c.Group.ID == 0 {
		errs.Add("groupfeatures", "is required: an object with name, context and number")
	}
	g := &c.Group
	f := top.sub("groupfeatures", gfm)
	f.strTrim("name", &g.Name)
	f.strTrim("number", &g.Number)
	f.strTrim("context", &g.Context)
	f.integer("timeout", &g.Timeout)
	f.boolean("transfer_user", &g.TransferUser)
	f.boolean("transfer_call", &g.TransferCall)
	f.boolean("write_caller", &g.WriteCaller)
	f.boolean("write_calling", &g.WriteCalling)
	f.boolean("ignore_forward", &g.IgnoreForward)
	f.strTrim("preprocess_subroutine", &g.PreprocessSubroutine)
	f.str("description", &g.Description)
	f.boolean("commented", &g.Commented)
	if qm, ok := top.object("queue"); ok {
		q := top.sub("queue", qm)
		q.strTrim("strategy", &g.Strategy)
		q.strTrim("musicclass", &g.MusicClass)
		q.boolean("ringinuse", &g.RingInUse)
	}
	decodeCallerID(top, &g.CallerIDMode, &g.CallerIDDisplay)
	decodeScheduleLink(top, &g.ScheduleID)
	if ids, ok := idList(top, "user", "userid"); ok {
		c.Members = ids
	}
	if body["dialaction"] == false {
		c.DialActions = []models.DialAction{}
	} else if das, ok := top.object("dialaction"); ok {
		c.DialActions = decodeDialActions(top.sub("dialaction", das), eventSet(models.GroupEvents...))
	}
	if rc, ok := decodeRightCalls(top); ok {
		c.RightCalls = rc
	}
	return errs.OrNil()
}

// groupCodec is the json.php form of groups.
type groupCodec struct{ wireNames }

var xivoGroupNames = names(map[string]string{"group": "groupfeatures", "members": "user", "dial_actions": "dialaction",
	"right_calls": "rightcall"},
	map[string]string{"group.strategy": "queue.strategy", "group.music_class": "queue.musicclass", "group.ring_in_use": "queue.ringinuse",
		"group.caller_id_mode": "callerid.mode", "group.caller_id_display": "callerid.callerdisplay", "group.schedule_id": "schedule_id"},
	models.Group{}, models.DialAction{})

func (groupCodec) Rows(gs []models.Group) any {
	out := make([]jsonObject, len(gs))
	for i := range gs {
		out[i] = groupRow(&gs[i])
	}
	return out
}
func (groupCodec) View(c *models.GroupComposite) any   { return groupView(c) }
func (groupCodec) Key(c *models.GroupComposite) string { return strconv.Itoa(c.Group.ID) }
func (groupCodec) Decode(body map[string]any, stored *models.GroupComposite) (*models.GroupComposite, error) {
	// Parts the body does not carry stay nil: the store keeps them.
	c := &models.GroupComposite{Group: stored.Group}
	if err := decodeGroup(body, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Groups is the pbx_settings/groups resource (spec §4.9.1).
func Groups(st *models.Stores) *Resource {
	s := st.Groups
	return (&Endpoint[models.Group, models.GroupComposite, int]{
		Codec: groupCodec{xivoGroupNames},
		New: func() *models.GroupComposite {
			return &models.GroupComposite{Group: models.Group{Strategy: "ringall", IgnoreForward: true,
				VoicemailFallback: true, UserForward: true}} // sipX's defaults (sipx-api.md §9.1)
		},
		List:      func(ctx context.Context, _ Query) ([]models.Group, error) { return s.List(ctx) },
		Search:    func(ctx context.Context, q Query) ([]models.Group, error) { return s.Search(ctx, q.Search) },
		Get:       s.Get,
		Create:    s.Create,
		Edit:      s.Edit,
		Delete:    s.Delete,
		DeleteAll: s.DeleteAll,
	}).Resource()
}
