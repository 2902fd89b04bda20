package handlers

import (
	"context"
	"sort"
	"strconv"

	"pbxws/models"
)

// statconfRow is a configuration as settings/configuration lists it (flat: the id and every
// stats_conf key xivo-ws reads), and as the view's stats_conf. Days and the time zone stay
// as sent, null included.
func statconfRow(s *models.Statconf) jsonObject {
	return jsonObject{{"id", s.ID}, {"name", s.Name}, {"description", s.Description}, {"timezone", s.Timezone},
		{"hour_start", s.HourStart}, {"hour_end", s.HourEnd}, {"dbegcache", s.Dbegcache}, {"dendcache", s.Dendcache},
		{"default_delta", s.DefaultDelta}, {"period1", s.Period1}, {"period2", s.Period2}, {"period3", s.Period3},
		{"period4", s.Period4}, {"period5", s.Period5}, {"monday", s.Monday}, {"tuesday", s.Tuesday},
		{"wednesday", s.Wednesday}, {"thursday", s.Thursday}, {"friday", s.Friday}, {"saturday", s.Saturday},
		{"sunday", s.Sunday}, {"disable", s.Disable}}
}

// statconfView is the add body's shape with the id: what a client can post back.
func statconfView(c *models.StatconfComposite) jsonObject {
	queues := make([]int, len(c.Queues))
	qos := jsonObject{}
	for i, q := range c.Queues {
		queues[i] = q.QueueID
		qos = append(qos, jsonMember{strconv.Itoa(q.QueueID), q.QoS})
	}
	return jsonObject{{"stats_conf", statconfRow(&c.Conf)}, {"queue", queues}, {"queue_qos", qos},
		{"agent", orEmptyIDs(c.Agents)}, {"xivouser", orEmptyIDs(c.Users)}}
}

func orEmptyIDs(ids []int) []int {
	if ids == nil {
		return []int{}
	}
	return ids
}

// decodeStatconf applies an add/edit body onto c: stats_conf merges key by key (a day or the
// time zone given as null is stored null: xivo-ws sends every key, null when unset); queue
// with queue_qos (seconds by queue id), agent and xivouser replace what is stored when
// present (false or [] empties them), and, in a whole configuration as xivo-ws sends it,
// when absent too (it leaves empty lists out).
func decodeStatconf(body map[string]any, c *models.StatconfComposite) error {
	errs := &models.ValidationError{}
	top := newFields(body, "", errs)
	scm, ok := top.object("stats_conf")
	if !ok && c.Conf.ID == 0 {
		errs.Add("stats_conf", "is required: an object with name, hour_start, hour_end, dbegcache and the periods")
	}
	s := &c.Conf
	whole := ok && wholeStatconf(scm)
	f := top.sub("stats_conf", scm)
	f.strTrim("name", &s.Name)
	f.str("description", &s.Description)
	f.strTrim("hour_start", &s.HourStart)
	f.strTrim("hour_end", &s.HourEnd)
	f.strTrim("dbegcache", &s.Dbegcache)
	f.strTrim("dendcache", &s.Dendcache)
	f.strTrim("default_delta", &s.DefaultDelta)
	f.boolean("disable", &s.Disable)
	if v, ok := scm["timezone"]; ok {
		s.Timezone = nil
		var tz string
		if v != nil && f.strTrim("timezone", &tz) && tz != "" {
			s.Timezone = &tz
		}
	}
	for key, dst := range map[string]*string{"period1": &s.Period1, "period2": &s.Period2, "period3": &s.Period3,
		"period4": &s.Period4, "period5": &s.Period5} {
		if v, ok := scm[key]; ok && v == nil {
			*dst = ""
		} else {
			f.strTrim(key, dst)
		}
	}
	for key, dst := range map[string]**bool{"monday": &s.Monday, "tuesday": &s.Tuesday, "wednesday": &s.Wednesday,
		"thursday": &s.Thursday, "friday": &s.Friday, "saturday": &s.Saturday, "sunday": &s.Sunday} {
		v, ok := scm[key]
		if !ok {
			continue
		}
		if v == nil {
			*dst = nil
			continue
		}
		var b bool
		if f.boolean(key, &b) {
			*dst = &b
		}
	}

	qos := map[int]int{}
	qosGiven := false
	if qm, ok := top.object("queue_qos"); ok {
		qosGiven = true
		q := top.sub("queue_qos", qm)
		for k := range qm {
			id, okID := ParseID(k)
			n, okN := 0, false
			if okID {
				okN = q.integer(k, &n)
			} else {
				q.fail(k, "must be keyed by a queue id")
			}
			if okID && okN {
				qos[id] = n
			}
		}
	}
	queueFor := func(id int) models.StatconfQueue { return models.StatconfQueue{QueueID: id, QoS: qos[id]} }
	if ids, ok := idList(top, "queue", "id"); ok {
		c.Queues = make([]models.StatconfQueue, len(ids))
		for i, id := range ids {
			c.Queues[i] = queueFor(id)
			delete(qos, id)
		}
	} else if whole && !qosGiven {
		c.Queues = []models.StatconfQueue{}
	} else if qosGiven {
		// Service levels alone: for the queues already covered.
		c.Queues = append([]models.StatconfQueue{}, c.Queues...)
		for i := range c.Queues {
			if n, ok := qos[c.Queues[i].QueueID]; ok {
				c.Queues[i].QoS = n
				delete(qos, c.Queues[i].QueueID)
			}
		}
	}
	left := make([]int, 0, len(qos))
	for id := range qos {
		left = append(left, id)
	}
	sort.Ints(left)
	for _, id := range left {
		errs.Add("queue_qos."+strconv.Itoa(id), "names a queue that is not in queue")
	}
	if ids, ok := idList(top, "agent", "id"); ok {
		c.Agents = ids
	} else if whole {
		c.Agents = []int{}
	}
	if ids, ok := idList(top, "xivouser", "id"); ok {
		c.Users = ids
	} else if whole {
		c.Users = []int{}
	}
	return errs.OrNil()
}

// xivoWSStatconfKeys are the stats_conf keys xivo-ws always sends, null when unset.
var xivoWSStatconfKeys = []string{"name", "hour_start", "hour_end", "dbegcache", "dendcache", "default_delta", "timezone",
	"period1", "period2", "period3", "period4", "period5", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday", "sunday"}

// wholeStatconf says whether a body is a whole configuration as xivo-ws sends it (every
// stats_conf key): then its lists are whole too, an absent one empty (xivo-ws leaves out an
// empty queue, agent or xivouser list).
func wholeStatconf(scm map[string]any) bool {
	for _, k := range xivoWSStatconfKeys {
		if _, ok := scm[k]; !ok {
			return false
		}
	}
	return true
}

// statconfCodec is the json.php form of statistics configurations.
type statconfCodec struct{ wireNames }

var xivoStatconfNames = names(map[string]string{"statconf": "stats_conf", "queues": "queue", "agents": "agent",
	"users": "xivouser"}, nil, models.Statconf{})

func (statconfCodec) Rows(ss []models.Statconf) any {
	out := make([]jsonObject, len(ss))
	for i := range ss {
		out[i] = statconfRow(&ss[i])
	}
	return out
}
func (statconfCodec) View(c *models.StatconfComposite) any   { return statconfView(c) }
func (statconfCodec) Key(c *models.StatconfComposite) string { return strconv.Itoa(c.Conf.ID) }
func (statconfCodec) Decode(body map[string]any, stored *models.StatconfComposite) (*models.StatconfComposite, error) {
	// Parts the body does not carry stay nil: the store keeps them.
	c := &models.StatconfComposite{Conf: stored.Conf}
	if stored.Conf.ID != 0 {
		c.Queues = stored.Queues // queue_qos alone edits the stored queues' service levels
	}
	if err := decodeStatconf(body, c); err != nil {
		return nil, err
	}
	if stored.Conf.ID != 0 && c.Queues != nil && sameQueues(c.Queues, stored.Queues) {
		c.Queues = nil // unchanged: keep the rows as they are
	}
	return c, nil
}

func sameQueues(a, b []models.StatconfQueue) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Statconfs is the statistics/call_center settings/configuration resource (spec §4.20.1).
func Statconfs(st *models.Stores) *Resource {
	s := st.Statconfs
	e := &Endpoint[models.Statconf, models.StatconfComposite, int]{
		Codec: statconfCodec{xivoStatconfNames},
		New: func() *models.StatconfComposite {
			return &models.StatconfComposite{Conf: models.Statconf{HourStart: "00:00", HourEnd: "24:00",
				Dendcache: "0", DefaultDelta: "0", Period1: "0-20"}}
		},
		List:   func(ctx context.Context, _ Query) ([]models.Statconf, error) { return s.List(ctx) },
		Search: func(ctx context.Context, q Query) ([]models.Statconf, error) { return s.Search(ctx, q.Search) },
	}
	return e.Over(s).Resource()
}
