package wsclient

import (
	"context"
	"fmt"
)

// Readers of list/view answers for the services of objects_callcenter.go, reading exactly the
// keys xivo-ws reads (xivo-ws-wire.md §4) with its int() and falsiness rules.

// row checks the required keys of an answer object.
func row(m map[string]any, keys ...string) error {
	for _, k := range keys {
		if _, err := need(m, k); err != nil {
			return err
		}
	}
	return nil
}

// intField reads a required INT key.
func intField(m map[string]any, k string) (int, error) {
	v, err := need(m, k)
	if err != nil {
		return 0, err
	}
	return toInt(v, k)
}

// idList reads an FLIST(k): falsy means none, else an array of objects with key k.
func idList(m map[string]any, key, k string) ([]any, error) {
	v, err := need(m, key)
	if err != nil || falsy(v) {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: not an array", key)
	}
	out := make([]any, 0, len(list))
	for i, x := range list {
		o, ok := x.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s[%d]: not an object", key, i)
		}
		id, err := need(o, k)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", key, i, err)
		}
		out = append(out, id)
	}
	return out, nil
}

func sub(m map[string]any, key string) (map[string]any, error) {
	v, err := need(m, key)
	if err != nil {
		return nil, err
	}
	o, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: not an object", key)
	}
	return o, nil
}

// ParseAgent reads an agents list item (flat) or, with view true, a view answer.
func ParseAgent(m map[string]any, view bool) (Agent, error) {
	var err error
	src := m
	if view {
		if src, err = sub(m, "agentfeatures"); err != nil {
			return Agent{}, err
		}
	}
	if err := row(src, "id", "firstname", "lastname", "passwd", "number", "context"); err != nil {
		return Agent{}, err
	}
	a := Agent{ID: src["id"], Firstname: str(src["firstname"]), Lastname: str(src["lastname"]),
		Password: str(src["passwd"]), Number: str(src["number"]), Context: str(src["context"])}
	if view {
		a.Users, err = idList(m, "usermember", "id")
	}
	return a, err
}

// ParseGroup reads a groups list item or view.
func ParseGroup(m map[string]any, view bool) (Group, error) {
	var err error
	src := m
	if view {
		if src, err = sub(m, "groupfeatures"); err != nil {
			return Group{}, err
		}
	}
	if err := row(src, "name", "number", "context"); err != nil {
		return Group{}, err
	}
	id, err := intField(src, "id")
	if err != nil {
		return Group{}, err
	}
	g := Group{ID: id, Name: str(src["name"]), Number: str(src["number"]), Context: str(src["context"])}
	if view {
		g.UserIDs, err = idList(m, "user", "userid")
	}
	return g, err
}

// ParseQueue reads a queues list item or view.
func ParseQueue(m map[string]any, view bool) (Queue, error) {
	var err error
	src := m
	if view {
		if src, err = sub(m, "queuefeatures"); err != nil {
			return Queue{}, err
		}
	}
	if err := row(src, "name", "displayname", "number", "context", "waittime", "waitratio", "timeout"); err != nil {
		return Queue{}, err
	}
	id, err := intField(src, "id")
	if err != nil {
		return Queue{}, err
	}
	q := Queue{ID: id, Name: str(src["name"]), DisplayName: str(src["displayname"]), Number: str(src["number"]),
		Context: str(src["context"]), WaitTime: src["waittime"], WaitRatio: src["waitratio"]}
	if !falsy(src["timeout"]) && str(src["timeout"]) != "0" {
		if q.RingingTime, err = toInt(src["timeout"], "timeout"); err != nil {
			return q, err
		}
	}
	if !view {
		return q, nil
	}
	qs, err := sub(m, "queue")
	if err != nil {
		return q, err
	}
	if err := row(qs, "maxlen", "joinempty", "leavewhenempty", "wrapuptime"); err != nil {
		return q, fmt.Errorf("queue.%w", err)
	}
	q.JoinEmpty, q.LeaveWhenEmpty = qs["joinempty"], qs["leavewhenempty"]
	q.Maxlen, _ = toInt(qs["maxlen"], "maxlen")
	q.Wrapuptime, _ = toInt(qs["wrapuptime"], "wrapuptime")
	if v, ok := m["schedule_id"]; ok {
		n, err := toInt(v, "schedule_id")
		if err != nil {
			return q, err
		}
		q.ScheduleID = &n
	}
	if q.Agents, err = idList(m, "agent", "userid"); err != nil {
		return q, err
	}
	q.Users, err = idList(m, "user", "id")
	return q, err
}

// ParseIncall reads an incalls list item.
func ParseIncall(m map[string]any) (Incall, error) {
	if err := row(m, "exten", "context"); err != nil {
		return Incall{}, err
	}
	id, err := intField(m, "id")
	return Incall{ID: id, Number: str(m["exten"]), Context: str(m["context"])}, err
}

// ParseNamed reads the id and name of a trunk, outcall or skill-rule list item.
func ParseNamed(m map[string]any) (int, string, error) {
	if err := row(m, "name"); err != nil {
		return 0, "", err
	}
	id, err := intField(m, "id")
	return id, str(m["name"]), err
}

// ParseConfRoom reads a confrooms list item or view.
func ParseConfRoom(m map[string]any, view bool) (ConfRoom, error) {
	var err error
	src := m
	if view {
		if src, err = sub(m, "meetmefeatures"); err != nil {
			return ConfRoom{}, err
		}
	}
	if err := row(src, "name", "confno", "context"); err != nil {
		return ConfRoom{}, err
	}
	id, err := intField(src, "id")
	return ConfRoom{ID: id, Name: str(src["name"]), Number: str(src["confno"]), Context: str(src["context"])}, err
}

// ParseVoicemail reads a voicemails list item or view (the id is uniqueid).
func ParseVoicemail(m map[string]any, view bool) (Voicemail, error) {
	var err error
	src := m
	if view {
		if src, err = sub(m, "voicemail"); err != nil {
			return Voicemail{}, err
		}
	}
	if err := row(src, "mailbox", "fullname", "password", "email", "tz"); err != nil {
		return Voicemail{}, err
	}
	id, err := intField(src, "uniqueid")
	return Voicemail{ID: id, Mailbox: str(src["mailbox"]), Fullname: str(src["fullname"]),
		Password: src["password"], Email: src["email"], TZ: src["tz"]}, err
}

// ParseQueueSkillRules reads a queueskillrules list item or view (flat in both).
func ParseQueueSkillRules(m map[string]any) (QueueSkillRules, error) {
	id, name, err := ParseNamed(m)
	if err != nil {
		return QueueSkillRules{}, err
	}
	v, err := need(m, "rule")
	r := QueueSkillRules{ID: id, Name: name}
	if list, ok := v.([]any); ok {
		for _, x := range list {
			r.Rule = append(r.Rule, str(x))
		}
	}
	return r, err
}

// ParseSchedule reads a schedules list item or view.
func ParseSchedule(m map[string]any, view bool) (Schedule, error) {
	var err error
	src := m
	if view {
		if src, err = sub(m, "schedule"); err != nil {
			return Schedule{}, err
		}
	}
	if err := row(src, "entity_id", "name", "timezone", "fallback_action", "fallback_actionid", "fallback_actionargs", "description"); err != nil {
		return Schedule{}, err
	}
	id, err := intField(src, "id")
	if err != nil {
		return Schedule{}, err
	}
	s := Schedule{ID: id, Name: str(src["name"]), Timezone: str(src["timezone"]), FallbackAction: str(src["fallback_action"]),
		FallbackActionDestinationID: src["fallback_actionid"], FallbackActionDestinationArgs: src["fallback_actionargs"],
		Description: src["description"]}
	if !falsy(src["entity_id"]) {
		n, err := toInt(src["entity_id"], "entity_id")
		if err != nil {
			return s, err
		}
		s.EntityID = n
	}
	if !view {
		return s, nil
	}
	for key, dst := range map[string]*[]map[string]any{"opened": &s.Opened, "closed": &s.Closed} {
		v, err := need(m, key)
		if err != nil {
			return s, err
		}
		list, _ := v.([]any)
		for _, x := range list {
			if o, ok := x.(map[string]any); ok {
				*dst = append(*dst, o)
			}
		}
	}
	return s, nil
}

// Statconf is a call-center statistics configuration; every stats_conf key is sent.
type Statconf struct {
	ID                                                             int
	Name, HourStart, HourEnd, DBegCache                            string
	DEndCache, DefaultDelta                                        any // default 0
	Timezone                                                       any
	Period1, Period2, Period3, Period4, Period5                    string
	Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday any
	Queue                                                          []any
	QueueQoS                                                       any
	Agent, XivoUser                                                []any
}

// statconfKeys are the stats_conf keys a statconfs list item must carry.
var statconfKeys = []string{"name", "timezone", "hour_start", "hour_end", "dbegcache", "dendcache", "default_delta",
	"period1", "period2", "period3", "period4", "period5",
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// ParseStatconf reads a statconfs list item as xivo-ws does: id (INT) and all 19 stats_conf
// keys required, each copied as it is (the client has no view parser).
func ParseStatconf(m map[string]any) (Statconf, error) {
	id, err := intField(m, "id")
	if err != nil {
		return Statconf{}, err
	}
	if err := row(m, statconfKeys...); err != nil {
		return Statconf{}, err
	}
	return Statconf{ID: id, Name: str(m["name"]), HourStart: str(m["hour_start"]), HourEnd: str(m["hour_end"]),
		DBegCache: str(m["dbegcache"]), DEndCache: m["dendcache"], DefaultDelta: m["default_delta"], Timezone: m["timezone"],
		Period1: str(m["period1"]), Period2: str(m["period2"]), Period3: str(m["period3"]), Period4: str(m["period4"]),
		Period5: str(m["period5"]), Monday: m["monday"], Tuesday: m["tuesday"], Wednesday: m["wednesday"],
		Thursday: m["thursday"], Friday: m["friday"], Saturday: m["saturday"], Sunday: m["sunday"]}, nil
}

// StatconfBody is the add/edit body xivo-ws sends for s.
func StatconfBody(s Statconf) (map[string]any, error) {
	def := func(v, d any) any {
		if v == nil {
			return d
		}
		return v
	}
	per := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	body := map[string]any{"stats_conf": map[string]any{
		"name": s.Name, "hour_start": s.HourStart, "hour_end": s.HourEnd, "dbegcache": s.DBegCache,
		"dendcache": def(s.DEndCache, 0), "default_delta": def(s.DefaultDelta, 0), "timezone": s.Timezone,
		"period1": per(s.Period1, "0-10"), "period2": per(s.Period2, "10-20"), "period3": per(s.Period3, "20-30"),
		"period4": per(s.Period4, "30-40"), "period5": per(s.Period5, "40"),
		"monday": s.Monday, "tuesday": s.Tuesday, "wednesday": s.Wednesday, "thursday": s.Thursday,
		"friday": s.Friday, "saturday": s.Saturday, "sunday": s.Sunday,
	}}
	if len(s.Queue) > 0 {
		if s.QueueQoS == nil {
			return nil, fmt.Errorf("a statconf with queues needs their queue_qos")
		}
		body["queue"], body["queue_qos"] = s.Queue, s.QueueQoS
	}
	if len(s.Agent) > 0 {
		body["agent"] = s.Agent
	}
	if len(s.XivoUser) > 0 {
		body["xivouser"] = s.XivoUser
	}
	return body, nil
}

// ListTyped lists any service and reads each item with parse.
func ListTyped[T any](ctx context.Context, s *Service, parse func(map[string]any) (T, error)) ([]T, error) {
	if err := s.allows("list"); err != nil {
		return nil, err
	}
	return parseEach(parse)(s.RawList(ctx))
}

// SearchTyped searches any service and reads each item with parse.
func SearchTyped[T any](ctx context.Context, s *Service, pattern string, parse func(map[string]any) (T, error)) ([]T, error) {
	if err := s.allows("search"); err != nil {
		return nil, err
	}
	return parseEach(parse)(s.RawSearch(ctx, pattern))
}

// FindOneByNumber is agents.find_one_by_number: exactly one agent must match.
func (c *Client) FindOneByNumber(ctx context.Context, number any) (Agent, error) {
	n := str(number)
	all, err := SearchTyped(ctx, c.Agents(), n, func(m map[string]any) (Agent, error) { return ParseAgent(m, false) })
	matches, err := filter(all, err, func(a Agent) bool { return str(a.Number) == n })
	if err != nil {
		return Agent{}, err
	}
	if len(matches) != 1 {
		return Agent{}, fmt.Errorf("%d agents have the number %s, want exactly one", len(matches), n)
	}
	return matches[0], nil
}
