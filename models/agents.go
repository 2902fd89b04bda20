package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Agent is a call-center agent: the number and password it logs in to queues with.
type Agent struct {
	ID int `db:"id" json:"id"`
	// NumGroup is the agent group (1-63; group 1 is "default").
	NumGroup  int    `db:"numgroup" json:"numgroup" validate:"gte=1,lte=63"`
	Firstname string `db:"firstname" json:"firstname" validate:"max=128,printable"`
	Lastname  string `db:"lastname" json:"lastname" validate:"max=128,printable"`
	// Number is unique across the PBX and cannot change once the agent exists.
	Number   string `db:"number" json:"number" validate:"required,max=40,extension"`
	Passwd   string `db:"passwd" json:"passwd" validate:"omitempty,max=40,extension"`
	Context  string `db:"context" json:"context" validate:"required,contextname"`
	Language string `db:"language" json:"language" validate:"omitempty,language"`
	// AutoLogoff logs the agent off after so many seconds unanswered (0-60, by 5; 0: never).
	AutoLogoff  int    `db:"autologoff" json:"autologoff" validate:"gte=0,lte=60"`
	Description string `db:"description" json:"description" validate:"max=1000"`
	Commented   bool   `db:"commented" json:"commented"`
}

// AgentSkill is a skill an agent holds, with its weight.
type AgentSkill struct {
	SkillID int    `db:"skill_id" json:"skill_id"`
	Name    string `db:"name" json:"name"`
	Weight  int    `db:"weight" json:"weight" validate:"gte=0,lte=100"`
}

// QueueMembership is an agent's (or a user's) place in a queue.
type QueueMembership struct {
	QueueID   int    `db:"queue_id" json:"queue_id"`
	QueueName string `db:"name" json:"name"`
	Penalty   int    `db:"penalty" json:"penalty" validate:"gte=0,lte=100"`
}

// AgentUser is a user linked to an agent, as an agent's view lists it.
type AgentUser struct {
	ID        int    `db:"id"`
	Firstname string `db:"firstname"`
	Lastname  string `db:"lastname"`
}

// AgentComposite is an agent with its linked users, skills and queues. On writes a nil part
// keeps what is stored (edit) or means none (add).
type AgentComposite struct {
	Agent  Agent
	Users  []int // user ids: a user is linked to at most one agent
	Skills []AgentSkill
	Queues []QueueMembership
	// UserRows are the linked users as read (views only).
	UserRows []AgentUser
}

// AgentStore reads and writes agents.
type AgentStore struct{ db *sqlx.DB }

const agentCols = `id, numgroup, firstname, lastname, number, passwd, context, language, autologoff,
	description, commented`

var agentConstraints = map[string]string{
	"agents_number_key":   "agent.number",
	"agents_context_fkey": "agent.context",
}

// List returns every agent by id.
func (s *AgentStore) List(ctx context.Context) ([]Agent, error) {
	var out []Agent
	err := s.db.SelectContext(ctx, &out, `SELECT `+agentCols+` FROM agents ORDER BY id`)
	return out, err
}

// Search matches a substring of the first name, last name, "first last" or the number.
func (s *AgentStore) Search(ctx context.Context, term string) ([]Agent, error) {
	var out []Agent
	err := s.db.SelectContext(ctx, &out, `SELECT `+agentCols+` FROM agents
		WHERE firstname ILIKE $1 OR lastname ILIKE $1 OR number ILIKE $1
			OR (firstname || ' ' || lastname) ILIKE $1 ORDER BY id`, likeTerm(term))
	return out, err
}

// Get returns an agent with its parts, or ErrNotFound.
func (s *AgentStore) Get(ctx context.Context, id int) (*AgentComposite, error) {
	return s.get(ctx, s.db, `id = $1`, id, "")
}

// GetByNumber returns the agent whose number is number, or ErrNotFound.
func (s *AgentStore) GetByNumber(ctx context.Context, number string) (*AgentComposite, error) {
	return s.get(ctx, s.db, `number = $1`, number, "")
}

func (s *AgentStore) get(ctx context.Context, q sqlx.QueryerContext, where string, key any, lock string) (*AgentComposite, error) {
	c := &AgentComposite{}
	err := sqlx.GetContext(ctx, q, &c.Agent, `SELECT `+agentCols+` FROM agents WHERE `+where+lock, key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	id := c.Agent.ID
	c.UserRows = []AgentUser{}
	if err := sqlx.SelectContext(ctx, q, &c.UserRows, `SELECT id, firstname, lastname FROM users
		WHERE agentid = $1 ORDER BY id`, id); err != nil {
		return nil, err
	}
	c.Users = make([]int, len(c.UserRows))
	for i, u := range c.UserRows {
		c.Users[i] = u.ID
	}
	c.Skills = []AgentSkill{}
	if err := sqlx.SelectContext(ctx, q, &c.Skills, `SELECT a.skill_id, s.name, a.weight
		FROM agent_skills a JOIN queue_skills s ON s.id = a.skill_id
		WHERE a.agent_id = $1 ORDER BY s.name`, id); err != nil {
		return nil, err
	}
	c.Queues = []QueueMembership{}
	err = sqlx.SelectContext(ctx, q, &c.Queues, `SELECT m.queue_id, q.name, m.penalty
		FROM queue_members m JOIN queues q ON q.id = m.queue_id
		WHERE m.category = 'queue' AND m.usertype = 'agent' AND m.userid = $1 ORDER BY q.name`, id)
	return c, err
}

// Create validates and inserts the agent with its parts, setting its id.
func (s *AgentStore) Create(ctx context.Context, c *AgentComposite) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := checkAgent(ctx, tx, c, 0); err != nil {
			return err
		}
		a := &c.Agent
		err := tx.QueryRowxContext(ctx, `INSERT INTO agents (numgroup, firstname, lastname, number, passwd,
			context, language, autologoff, description, commented)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id`,
			a.NumGroup, a.Firstname, a.Lastname, a.Number, a.Passwd, a.Context, a.Language, a.AutoLogoff,
			a.Description, a.Commented).Scan(&a.ID)
		if err != nil {
			return mapPQ(err, agentConstraints)
		}
		return writeAgentParts(ctx, tx, c)
	})
}

// Edit merges an edit onto the stored agent in one transaction that locks its row first.
// The number cannot change.
func (s *AgentStore) Edit(ctx context.Context, id int, merge func(stored *AgentComposite) (*AgentComposite, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*AgentComposite, error) {
		return s.get(ctx, tx, `id = $1`, id, " FOR UPDATE")
	}, merge, func(tx *sqlx.Tx, stored, c *AgentComposite) error {
		c.Agent.ID = id
		if c.Agent.Number != stored.Agent.Number {
			return Invalid("agent.number", "cannot be changed (it is "+stored.Agent.Number+")")
		}
		if err := checkAgent(ctx, tx, c, id); err != nil {
			return err
		}
		a := &c.Agent
		res, err := tx.ExecContext(ctx, `UPDATE agents SET numgroup=$2, firstname=$3, lastname=$4, passwd=$5,
			context=$6, language=$7, autologoff=$8, description=$9, commented=$10 WHERE id=$1`,
			id, a.NumGroup, a.Firstname, a.Lastname, a.Passwd, a.Context, a.Language, a.AutoLogoff,
			a.Description, a.Commented)
		if err != nil {
			return mapPQ(err, agentConstraints)
		}
		if err := oneRow(res); err != nil {
			return err
		}
		// Unchanged parts are not rewritten.
		if c.Users != nil && slices.Equal(c.Users, stored.Users) {
			c.Users = nil
		}
		if c.Skills != nil && slices.EqualFunc(c.Skills, stored.Skills, func(a, b AgentSkill) bool {
			return a.SkillID == b.SkillID && a.Weight == b.Weight
		}) {
			c.Skills = nil
		}
		if c.Queues != nil && slices.EqualFunc(c.Queues, stored.Queues, func(a, b QueueMembership) bool {
			return a.QueueID == b.QueueID && a.Penalty == b.Penalty
		}) {
			c.Queues = nil
		}
		return writeAgentParts(ctx, tx, c)
	})
}

// checkAgent validates the agent: its fields, its context, its users (existing, each once,
// not linked to another agent), skills and queues (existing, each once).
func checkAgent(ctx context.Context, tx *sqlx.Tx, c *AgentComposite, id int) error {
	ve := CheckIn("agent", &c.Agent)
	if c.Agent.AutoLogoff%5 != 0 {
		ve.Add("agent.autologoff", "must be a multiple of 5")
	}
	for i := range c.Skills {
		ve.Merge(fmt.Sprintf("skills[%d].", i), Check(&c.Skills[i]))
	}
	for i := range c.Queues {
		ve.Merge(fmt.Sprintf("queues[%d].", i), Check(&c.Queues[i]))
	}
	if err := ve.OrNil(); err != nil {
		return err
	}
	var exists bool
	if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM contexts WHERE name = $1)`, c.Agent.Context); err != nil {
		return err
	}
	if !exists {
		ve.Add("agent.context", "must name an existing context")
	}
	seen := map[int]bool{}
	for i, uid := range c.Users {
		field := fmt.Sprintf("users[%d]", i)
		if seen[uid] {
			ve.Add(field, fmt.Sprintf("user %d is listed twice", uid))
			continue
		}
		seen[uid] = true
		var agentID *int
		err := tx.GetContext(ctx, &agentID, `SELECT agentid FROM users WHERE id = $1 FOR UPDATE`, uid)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			ve.Add(field, fmt.Sprintf("user %d does not exist", uid))
		case err != nil:
			return err
		case agentID != nil && *agentID != id:
			ve.Add(field, fmt.Sprintf("user %d is already linked to agent %d", uid, *agentID))
		}
	}
	seen = map[int]bool{}
	for i, sk := range c.Skills {
		field := fmt.Sprintf("skills[%d].skill_id", i)
		if seen[sk.SkillID] {
			ve.Add(field, fmt.Sprintf("skill %d is listed twice", sk.SkillID))
			continue
		}
		seen[sk.SkillID] = true
		ok, err := lockExisting(ctx, tx, "queue_skills", sk.SkillID)
		if err != nil {
			return err
		}
		if !ok {
			ve.Add(field, fmt.Sprintf("skill %d does not exist", sk.SkillID))
		}
	}
	seen = map[int]bool{}
	for i, m := range c.Queues {
		field := fmt.Sprintf("queues[%d].queue_id", i)
		if seen[m.QueueID] {
			ve.Add(field, fmt.Sprintf("queue %d is listed twice", m.QueueID))
			continue
		}
		seen[m.QueueID] = true
		ok, err := lockExisting(ctx, tx, "queues", m.QueueID)
		if err != nil {
			return err
		}
		if !ok {
			ve.Add(field, fmt.Sprintf("queue %d does not exist", m.QueueID))
		}
	}
	return ve.OrNil()
}

func writeAgentParts(ctx context.Context, tx *sqlx.Tx, c *AgentComposite) error {
	id := c.Agent.ID
	if c.Users != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET agentid = NULL
			WHERE agentid = $1 AND NOT id = ANY($2)`, id, pq.Array(c.Users)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET agentid = $1
			WHERE id = ANY($2) AND agentid IS DISTINCT FROM $1`, id, pq.Array(c.Users)); err != nil {
			return err
		}
	}
	if c.Skills != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM agent_skills WHERE agent_id = $1`, id); err != nil {
			return err
		}
		for _, sk := range c.Skills {
			if _, err := tx.ExecContext(ctx, `INSERT INTO agent_skills (agent_id, skill_id, weight)
				VALUES ($1, $2, $3)`, id, sk.SkillID, sk.Weight); err != nil {
				return mapPQ(err, nil)
			}
		}
	}
	if c.Queues != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM queue_members
			WHERE category = 'queue' AND usertype = 'agent' AND userid = $1`, id); err != nil {
			return err
		}
		for _, m := range c.Queues {
			if _, err := tx.ExecContext(ctx, `INSERT INTO queue_members (category, queue_id, name, usertype,
				userid, penalty, position)
				SELECT 'queue', q.id, q.name, 'agent', $2, $3,
					(SELECT count(*) FROM queue_members WHERE category = 'queue' AND queue_id = q.id)
				FROM queues q WHERE q.id = $1`, m.QueueID, id, m.Penalty); err != nil {
				return mapPQ(err, nil)
			}
		}
	}
	return nil
}

// Delete removes an agent: its users are unlinked, its skills and queue places go with it.
func (s *AgentStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error { return deleteAgent(ctx, tx, id) })
}

func deleteAgent(ctx context.Context, tx *sqlx.Tx, id int) error {
	if err := lockForDelete(ctx, tx, "agents", id); err != nil {
		return err
	}
	// users.agentid is unset by its foreign key; queue_members by a trigger (0050).
	_, err := tx.ExecContext(ctx, `DELETE FROM agents WHERE id = $1`, id)
	return mapPQ(err, nil)
}

// DeleteAll removes every agent in one transaction and says how many there were.
func (s *AgentStore) DeleteAll(ctx context.Context) (n int, err error) {
	err = WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var ids []int
		if err := tx.SelectContext(ctx, &ids, `SELECT id FROM agents ORDER BY id FOR UPDATE`); err != nil {
			return err
		}
		for _, id := range ids {
			if err := deleteAgent(ctx, tx, id); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}
