package handlers

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"pbxws/models"
)

// queueFeatures is a queue's queuefeatures part: the list row's first half and the view's
// queuefeatures.
func queueFeatures(q *models.Queue) jsonObject {
	return jsonObject{{"id", q.ID}, {"name", q.Name}, {"displayname", q.DisplayName}, {"number", q.Number},
		{"context", q.Context}, {"timeout", q.RingingTime}, {"data_quality", q.DataQuality},
		{"hitting_callee", q.HittingCallee}, {"hitting_caller", q.HittingCaller}, {"retries", q.Retries},
		{"ring", q.Ring}, {"transfer_user", q.TransferUser}, {"transfer_call", q.TransferCall},
		{"write_caller", q.WriteCaller}, {"write_calling", q.WriteCalling}, {"url", q.URL},
		{"announceoverride", q.AnnounceOverride}, {"preprocess_subroutine", q.PreprocessSubroutine},
		{"waittime", q.WaitTime}, {"waitratio", q.WaitRatio}}
}

// queueSettings is a queue's Asterisk part (the view's queue): typed settings, then the
// passed-through options merged over their defaults.
func queueSettings(q *models.Queue) jsonObject {
	out := newObject(20 + len(models.QueueOptionDefaults))
	for _, k := range slices.Sorted(maps.Keys(models.QueueOptionDefaults)) {
		v, ok := q.Options[k]
		if !ok {
			v = models.QueueOptionDefaults[k]
		}
		out.set(k, v)
	}
	return append(out, jsonObject{{"name", q.Name}, {"strategy", q.Strategy}, {"musicclass", q.MusicClass},
		{"timeout", q.MemberTimeout}, {"retry", q.Retry}, {"wrapuptime", q.WrapupTime}, {"maxlen", q.MaxLen},
		{"servicelevel", q.ServiceLevel}, {"weight", q.Weight}, {"joinempty", q.JoinEmpty},
		{"leavewhenempty", q.LeaveWhenEmpty}, {"ringinuse", q.RingInUse}, {"autofill", q.Autofill},
		{"autopause", q.Autopause}, {"setqueuevar", q.SetQueueVar}, {"setqueueentryvar", q.SetQueueEntryVar},
		{"timeoutpriority", q.TimeoutPriority}, {"category", "queue"}, {"commented", q.Commented}}...)
}

func queueIdentity(q *models.Queue) string {
	if q.Number == "" {
		return q.DisplayName
	}
	return q.DisplayName + " (" + q.Number + "@" + q.Context + ")"
}

// queueRow is a list item: queuefeatures joined with the queue's settings.
func queueRow(q *models.Queue) jsonObject {
	row := queueSettings(q)
	row = append(row, queueFeatures(q)...) // queuefeatures wins where both name a key (timeout)
	row.set("identity", queueIdentity(q))
	row.set("commented", q.Commented)
	return row
}

func queueView(c *models.QueueComposite) jsonObject {
	q := &c.Queue
	users := make([]jsonObject, len(c.Users))
	for i, m := range c.Users {
		// xivo-ws reads a user member's id, an agent member's userid.
		users[i] = jsonObject{{"id", m.ID}, {"userid", m.ID}, {"usertype", "user"}, {"penalty", m.Penalty},
			{"category", "queue"}, {"queue_name", q.Name}, {"position", i}}
	}
	agents := make([]jsonObject, len(c.Agents))
	for i, m := range c.Agents {
		agents[i] = jsonObject{{"userid", m.ID}, {"usertype", "agent"}, {"penalty", m.Penalty},
			{"category", "queue"}, {"queue_name", q.Name}, {"position", i}}
	}
	out := jsonObject{
		{"queuefeatures", queueFeatures(q)},
		{"queue", queueSettings(q)},
		{"user", users},
		{"agent", agents},
		{"dialaction", dialActionsView("queue", q.ID, c.DialActions)},
		{"callerid", callerIDView(q.CallerIDMode, q.CallerIDDisplay)},
	}
	setScheduleLink(&out, q.ScheduleID)
	if q.SkillRuleID != nil {
		out.set("skill_rule_id", *q.SkillRuleID)
	}
	return out
}

// memberList reads a list of members: ids, or objects carrying the id under key (or "id")
// and a penalty. `false` (a view's "none") is the empty list.
func memberList(f fields, name, key string) ([]models.QueueMember, bool) {
	if f.m[name] == false {
		return []models.QueueMember{}, true
	}
	list, ok := f.list(name)
	if !ok {
		return nil, false
	}
	out := make([]models.QueueMember, 0, len(list))
	for i, v := range list {
		field := name + "[" + strconv.Itoa(i) + "]"
		m := models.QueueMember{}
		if obj, isObj := v.(map[string]any); isObj {
			mf := newFields(obj, field+".", f.errs)
			mf.integer("penalty", &m.Penalty)
			if v = obj[key]; v == nil {
				v = obj["id"]
			}
		}
		n, ok := intOf(v)
		if !ok || n <= 0 {
			f.fail(field, "must be an id (a positive whole number) or an object with "+key+" and penalty")
			continue
		}
		m.ID = n
		out = append(out, m)
	}
	return out, true
}

// optFloat sets *dst to nil for null/"" (none), else to the number.
func optFloat(f fields, key string, dst **float64) {
	v, ok := f.m[key]
	if !ok {
		return
	}
	if v == nil || v == "" || v == false {
		*dst = nil
		return
	}
	s, _ := scalarText(v)
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if _, isBool := v.(bool); isBool || err != nil {
		f.fail(key, "must be a number or null")
		return
	}
	*dst = &n
}

// queueOptText sets *dst to nil for null/"" (none), else to the text.
func queueOptText(f fields, key string, dst **string) {
	v, ok := f.m[key]
	if !ok {
		return
	}
	var s string
	if v == nil || !f.strTrim(key, &s) || s == "" {
		*dst = nil
		return
	}
	*dst = &s
}

// decodeQueue applies an add/edit body onto c: queuefeatures and queue merge field by
// field; user, agent and dialaction replace what is stored when present; callerid,
// schedule_id and skill_rule_id set the caller-id rewriting, schedule and skill rule.
func decodeQueue(body map[string]any, c *models.QueueComposite) error {
	errs := &models.ValidationError{}
	top := newFields(body, "", errs)
	qfm, ok := top.object("queuefeatures")
	if !ok && c.Queue.ID == 0 {
		errs.Add("queuefeatures", "is required: an object with name, number and context")
	}
	q := &c.Queue
	f := top.sub("queuefeatures", qfm)
	f.strTrim("name", &q.Name)
	f.strTrim("displayname", &q.DisplayName)
	f.strTrim("number", &q.Number)
	f.strTrim("context", &q.Context)
	f.integer("timeout", &q.RingingTime)
	f.boolean("data_quality", &q.DataQuality)
	f.boolean("hitting_callee", &q.HittingCallee)
	f.boolean("hitting_caller", &q.HittingCaller)
	f.boolean("retries", &q.Retries)
	f.boolean("ring", &q.Ring)
	f.boolean("transfer_user", &q.TransferUser)
	f.boolean("transfer_call", &q.TransferCall)
	f.boolean("write_caller", &q.WriteCaller)
	f.boolean("write_calling", &q.WriteCalling)
	f.strTrim("url", &q.URL)
	f.strTrim("announceoverride", &q.AnnounceOverride)
	f.strTrim("preprocess_subroutine", &q.PreprocessSubroutine)
	f.optInt("waittime", &q.WaitTime)
	optFloat(f, "waitratio", &q.WaitRatio)
	f.str("description", &q.Description)
	f.boolean("commented", &q.Commented)
	if q.DisplayName == "" {
		q.DisplayName = q.Name
	}
	if qm, ok := top.object("queue"); ok {
		a := top.sub("queue", qm)
		a.strTrim("strategy", &q.Strategy)
		a.strTrim("musicclass", &q.MusicClass)
		a.optInt("timeout", &q.MemberTimeout)
		a.optInt("retry", &q.Retry)
		a.integer("wrapuptime", &q.WrapupTime)
		a.integer("maxlen", &q.MaxLen)
		a.optInt("servicelevel", &q.ServiceLevel)
		a.optInt("weight", &q.Weight)
		queueOptText(a, "joinempty", &q.JoinEmpty)
		queueOptText(a, "leavewhenempty", &q.LeaveWhenEmpty)
		a.boolean("ringinuse", &q.RingInUse)
		a.boolean("autofill", &q.Autofill)
		a.boolean("autopause", &q.Autopause)
		a.boolean("setqueuevar", &q.SetQueueVar)
		a.boolean("setqueueentryvar", &q.SetQueueEntryVar)
		a.strTrim("timeoutpriority", &q.TimeoutPriority)
		opts := maps.Clone(q.Options)
		if opts == nil {
			opts = map[string]string{}
		}
		for k := range models.QueueOptionDefaults {
			var v string
			if a.strTrim(k, &v) {
				opts[k] = v
			}
		}
		q.Options = opts
	}
	decodeCallerID(top, &q.CallerIDMode, &q.CallerIDDisplay)
	decodeScheduleLink(top, &q.ScheduleID)
	if top.optInt("skill_rule_id", &q.SkillRuleID) && q.SkillRuleID != nil && *q.SkillRuleID == 0 {
		q.SkillRuleID = nil
	}
	if ms, ok := memberList(top, "user", "userid"); ok {
		c.Users = ms
	}
	if ms, ok := memberList(top, "agent", "userid"); ok {
		c.Agents = ms
	}
	if body["dialaction"] == false {
		c.DialActions = []models.DialAction{}
	} else if das, ok := top.object("dialaction"); ok {
		c.DialActions = decodeDialActions(top.sub("dialaction", das), eventSet(models.QueueEvents...))
	}
	return errs.OrNil()
}

// queueCodec is the json.php form of queues.
type queueCodec struct{ wireNames }

var xivoQueueNames = func() wireNames {
	paths := map[string]string{"queue.member_timeout": "queue.timeout", "queue.caller_id_mode": "callerid.mode",
		"queue.caller_id_display": "callerid.callerdisplay", "queue.schedule_id": "schedule_id",
		"queue.skill_rule_id": "skill_rule_id"}
	for _, k := range []string{"strategy", "music_class", "retry", "wrapup_time", "max_len", "service_level", "weight",
		"join_empty", "leave_when_empty", "ring_in_use", "autofill", "autopause", "set_queue_var",
		"set_queue_entry_var", "timeout_priority"} {
		paths["queue."+k] = "queue." + strings.ReplaceAll(k, "_", "")
	}
	for k := range models.QueueOptionDefaults {
		paths["queue.options."+k] = "queue." + k
		paths["queue."+k] = "queue." + k
	}
	// The codec's own errors on the Asterisk part are in wire terms already.
	for _, k := range []string{"strategy", "musicclass", "timeout", "retry", "wrapuptime", "maxlen", "servicelevel",
		"weight", "joinempty", "leavewhenempty", "ringinuse", "autofill", "autopause", "setqueuevar",
		"setqueueentryvar", "timeoutpriority"} {
		paths["queue."+k] = "queue." + k
	}
	return names(map[string]string{"queue": "queuefeatures", "users": "user", "agents": "agent",
		"dial_actions": "dialaction"}, paths, models.Queue{}, models.DialAction{})
}()

func (queueCodec) Rows(qs []models.Queue) any          { return objectsOf(qs, queueRow) }
func (queueCodec) View(c *models.QueueComposite) any   { return queueView(c) }
func (queueCodec) Key(c *models.QueueComposite) string { return strconv.Itoa(c.Queue.ID) }
func (queueCodec) Decode(body map[string]any, stored *models.QueueComposite) (*models.QueueComposite, error) {
	// Parts the body does not carry stay nil: the store keeps them.
	c := &models.QueueComposite{Queue: stored.Queue}
	if err := decodeQueue(body, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Queues is the callcenter settings/queues resource (spec §4.15). It has no deleteall (the
// original had none).
func Queues(st *models.Stores) *Resource {
	s := st.Queues
	return (&Endpoint[models.Queue, models.QueueComposite, int]{
		Codec:  queueCodec{xivoQueueNames},
		New:    models.NewQueue,
		List:   func(ctx context.Context, _ Query) ([]models.Queue, error) { return s.List(ctx) },
		Search: func(ctx context.Context, q Query) ([]models.Queue, error) { return s.Search(ctx, q.Search) },
	}).Over(s).Resource()
}
