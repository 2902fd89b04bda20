package handlers

import (
	"context"
	"errors"
	"strconv"

	"pbxws/models"
)

// agentRow is an agent as json.php lists it and as the view's agentfeatures: flat, the
// number a string (xivo-ws compares it as text), the id an int.
func agentRow(a *models.Agent) jsonObject {
	return jsonObject{{"id", a.ID}, {"numgroup", a.NumGroup}, {"firstname", a.Firstname}, {"lastname", a.Lastname},
		{"number", a.Number}, {"passwd", a.Passwd}, {"context", a.Context}, {"language", a.Language},
		{"autologoff", a.AutoLogoff}, {"description", a.Description}, {"commented", a.Commented}}
}

func agentView(c *models.AgentComposite) jsonObject {
	a := &c.Agent
	users := make([]jsonObject, len(c.UserRows))
	for i, u := range c.UserRows {
		users[i] = jsonObject{{"id", u.ID}, {"firstname", u.Firstname}, {"lastname", u.Lastname}, {"agentid", a.ID}}
	}
	queues := make([]jsonObject, len(c.Queues))
	for i, q := range c.Queues {
		queues[i] = jsonObject{{"queue_id", q.QueueID}, {"queue_name", q.QueueName}, {"penalty", q.Penalty},
			{"usertype", "agent"}, {"userid", a.ID}, {"category", "queue"}}
	}
	skills := make([]jsonObject, len(c.Skills))
	for i, s := range c.Skills {
		skills[i] = jsonObject{{"id", s.SkillID}, {"name", s.Name}, {"weight", s.Weight}}
	}
	group := "default"
	if a.NumGroup != 1 {
		group = "group" + strconv.Itoa(a.NumGroup)
	}
	return jsonObject{
		{"agentfeatures", agentRow(a)},
		{"agentgroup", jsonObject{{"id", a.NumGroup}, {"groupid", a.NumGroup}, {"name", group}}},
		// Lists rather than false: xivo-ws iterates usermember.
		{"usermember", users},
		{"queuemember", queues},
		{"queueskills", skills},
	}
}

// decodeAgent applies an add/edit body onto c: agentfeatures merges field by field;
// user-select (the linked users), queueskills and queue-select replace what is stored when
// present.
func decodeAgent(body map[string]any, c *models.AgentComposite) error {
	errs := &models.ValidationError{}
	top := newFields(body, "", errs)
	afm, ok := top.object("agentfeatures")
	if !ok && c.Agent.ID == 0 {
		errs.Add("agentfeatures", "is required: an object with number, context and numgroup")
	}
	a := &c.Agent
	f := top.sub("agentfeatures", afm)
	f.integer("numgroup", &a.NumGroup)
	f.strTrim("firstname", &a.Firstname)
	f.strTrim("lastname", &a.Lastname)
	f.strTrim("number", &a.Number)
	f.strTrim("passwd", &a.Passwd)
	f.strTrim("context", &a.Context)
	f.strTrim("language", &a.Language)
	f.integer("autologoff", &a.AutoLogoff)
	f.str("description", &a.Description)
	f.boolean("commented", &a.Commented)
	if ids, ok := idList(top, "user-select", "id"); ok {
		c.Users = ids
	}
	if list, ok := top.list("queueskills"); ok {
		c.Skills = []models.AgentSkill{}
		for i, v := range list {
			field := "queueskills[" + strconv.Itoa(i) + "]"
			sk := models.AgentSkill{}
			m, isObj := v.(map[string]any)
			if !isObj {
				errs.Add(field, "must be an object with id and weight")
				continue
			}
			sf := newFields(m, field+".", errs)
			if !sf.integer("id", &sk.SkillID) || sk.SkillID <= 0 {
				errs.Add(field+".id", "must be a skill id (a positive whole number)")
				continue
			}
			sf.integer("weight", &sk.Weight)
			c.Skills = append(c.Skills, sk)
		}
	}
	for _, key := range []string{"queue-select", "queuemember"} {
		if ms, ok := memberList(top, key, "queue_id"); ok {
			c.Queues = make([]models.QueueMembership, len(ms))
			for i, m := range ms {
				c.Queues[i] = models.QueueMembership{QueueID: m.ID, Penalty: m.Penalty}
			}
			break
		}
	}
	return errs.OrNil()
}

// agentCodec is the json.php form of agents.
type agentCodec struct{ wireNames }

var xivoAgentNames = names(map[string]string{"agent": "agentfeatures", "users": "user-select", "skills": "queueskills",
	"skill_id": "id", "queues": "queue-select", "queue_id": "id"}, nil, models.Agent{})

func (agentCodec) Rows(as []models.Agent) any          { return objectsOf(as, agentRow) }
func (agentCodec) View(c *models.AgentComposite) any   { return agentView(c) }
func (agentCodec) Key(c *models.AgentComposite) string { return strconv.Itoa(c.Agent.ID) }
func (agentCodec) Decode(body map[string]any, stored *models.AgentComposite) (*models.AgentComposite, error) {
	// Parts the body does not carry stay nil: the store keeps them.
	c := &models.AgentComposite{Agent: stored.Agent}
	if err := decodeAgent(body, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Agents is the callcenter settings/agents resource (spec §4.13).
func Agents(st *models.Stores) *Resource {
	s := st.Agents
	ep := &Endpoint[models.Agent, models.AgentComposite, int]{
		Codec: agentCodec{xivoAgentNames},
		New: func() *models.AgentComposite {
			return &models.AgentComposite{Agent: models.Agent{NumGroup: 1}}
		},
		List:   func(ctx context.Context, _ Query) ([]models.Agent, error) { return s.List(ctx) },
		Search: func(ctx context.Context, q Query) ([]models.Agent, error) { return s.Search(ctx, q.Search) },
	}
	ep.Over(s)
	// view falls back to the agent number when no agent has that id (as XiVO did; it then
	// lost the answer, which we return).
	ep.Extra = map[string]Act{"view": func(ctx context.Context, r *Request) (Result, error) {
		var c *models.AgentComposite
		err := error(models.ErrNotFound)
		if id, ok := ParseID(r.ID); ok {
			c, err = s.Get(ctx, id)
		}
		if errors.Is(err, models.ErrNotFound) && r.ID != "" {
			c, err = s.GetByNumber(ctx, r.ID)
		}
		if err != nil {
			return Result{}, err
		}
		return Object(agentView(c)), nil
	}}
	return ep.Resource()
}
