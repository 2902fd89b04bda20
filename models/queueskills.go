package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"

	"github.com/go-playground/validator/v10"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// QueueSkill is a skill agents hold (with a weight) and skill rules test.
type QueueSkill struct {
	ID           int    `db:"id" json:"id"`
	Name         string `db:"name" json:"name" validate:"required,skillname"`
	CategoryName string `db:"category_name" json:"category_name" validate:"required,max=64,printable"`
	Description  string `db:"description" json:"description" validate:"max=1000,printable"`
	// Printscreen is the short label agents' screens show.
	Printscreen string `db:"printscreen" json:"printscreen" validate:"max=5,printable"`
}

var reSkillName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func init() {
	must(validate.RegisterValidation("skillname", func(fl validator.FieldLevel) bool {
		return reSkillName.MatchString(fl.Field().String())
	}))
	ruleText["skillname"] = "must be 1-64 characters of A-Z, a-z, 0-9, _ -"
}

// QueueSkillStore reads and writes skills and their categories.
type QueueSkillStore struct{ db *sqlx.DB }

const skillSelect = `SELECT s.id, s.name, c.name AS category_name, s.description, s.printscreen
	FROM queue_skills s JOIN queue_skill_categories c ON c.id = s.category_id`

// List returns every skill by id.
func (s *QueueSkillStore) List(ctx context.Context) ([]QueueSkill, error) {
	var out []QueueSkill
	err := s.db.SelectContext(ctx, &out, skillSelect+` ORDER BY s.id`)
	return out, err
}

// Search matches a substring of the name, description, label or category name.
func (s *QueueSkillStore) Search(ctx context.Context, term string) ([]QueueSkill, error) {
	var out []QueueSkill
	err := s.db.SelectContext(ctx, &out, skillSelect+` WHERE s.name ILIKE $1 OR s.description ILIKE $1
		OR s.printscreen ILIKE $1 OR c.name ILIKE $1 ORDER BY s.id`, likeTerm(term))
	return out, err
}

// Get returns one skill, or ErrNotFound.
func (s *QueueSkillStore) Get(ctx context.Context, id int) (*QueueSkill, error) {
	var out QueueSkill
	err := s.db.GetContext(ctx, &out, skillSelect+` WHERE s.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &out, err
}

// Create validates and inserts the skill, creating its category when it is new.
func (s *QueueSkillStore) Create(ctx context.Context, sk *QueueSkill) error {
	if err := CheckIn("skill", sk).OrNil(); err != nil {
		return err
	}
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var catID int
		// The no-op update makes RETURNING answer for an existing category too (and locks it).
		if err := tx.GetContext(ctx, &catID, `INSERT INTO queue_skill_categories (name) VALUES ($1)
			ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`, sk.CategoryName); err != nil {
			return mapPQ(err, nil)
		}
		err := tx.GetContext(ctx, &sk.ID, `INSERT INTO queue_skills (category_id, name, description, printscreen)
			VALUES ($1, $2, $3, $4) RETURNING id`, catID, sk.Name, sk.Description, sk.Printscreen)
		return mapPQ(err, map[string]string{"queue_skills_name_key": "skill.name"})
	})
}

// Delete removes a skill (its category stays); a skill an agent holds is refused.
func (s *QueueSkillStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := lockForDelete(ctx, tx, "queue_skills", id); err != nil {
			return err
		}
		var holders []int
		if err := tx.SelectContext(ctx, &holders, `SELECT agent_id FROM agent_skills WHERE skill_id = $1
			ORDER BY agent_id FOR UPDATE`, id); err != nil {
			return err
		}
		if len(holders) > 0 {
			return &InUseError{Msg: fmt.Sprintf("skill %d is still held by agent %d: remove it there first", id, holders[0])}
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM queue_skills WHERE id = $1`, id)
		return mapPQ(err, nil)
	})
}

// QueueSkillRule is a named, ordered list of skill rules (spec §4.9.10): a queue using it
// tries each rule in turn to find agents for a caller.
type QueueSkillRule struct {
	ID    int      `db:"id" json:"id"`
	Name  string   `db:"name" json:"name" validate:"required,skillname"`
	Rules []string `db:"-" json:"rule" validate:"dive,max=1024"`
}

// QueueSkillRuleStore reads and writes skill rules.
type QueueSkillRuleStore struct{ db *sqlx.DB }

type skillRuleRow struct {
	ID    int            `db:"id"`
	Name  string         `db:"name"`
	Rules pq.StringArray `db:"rules"`
}

func (r skillRuleRow) rule() QueueSkillRule {
	rules := []string(r.Rules)
	if rules == nil {
		rules = []string{}
	}
	return QueueSkillRule{ID: r.ID, Name: r.Name, Rules: rules}
}

func (s *QueueSkillRuleStore) rows(ctx context.Context, query string, args ...any) ([]QueueSkillRule, error) {
	var rows []skillRuleRow
	if err := s.db.SelectContext(ctx, &rows, query, args...); err != nil {
		return nil, err
	}
	out := make([]QueueSkillRule, len(rows))
	for i, r := range rows {
		out[i] = r.rule()
	}
	return out, nil
}

// List returns every rule set by name.
func (s *QueueSkillRuleStore) List(ctx context.Context) ([]QueueSkillRule, error) {
	return s.rows(ctx, `SELECT id, name, rules FROM queue_skill_rules ORDER BY name, id`)
}

// Search matches a substring of the name or of one rule's text.
func (s *QueueSkillRuleStore) Search(ctx context.Context, term string) ([]QueueSkillRule, error) {
	return s.rows(ctx, `SELECT id, name, rules FROM queue_skill_rules
		WHERE name ILIKE $1 OR array_to_string(rules, ';') ILIKE $1 ORDER BY name, id`, likeTerm(term))
}

// Get returns one rule set, or ErrNotFound.
func (s *QueueSkillRuleStore) Get(ctx context.Context, id int) (*QueueSkillRule, error) {
	var r skillRuleRow
	err := s.db.GetContext(ctx, &r, `SELECT id, name, rules FROM queue_skill_rules WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	out := r.rule()
	return &out, nil
}

// checkSkillRule validates the fields and parses every rule.
func checkSkillRule(r *QueueSkillRule) error {
	ve := CheckIn("skill_rule", r)
	for i, rule := range r.Rules {
		if err := ParseSkillRule(rule); err != nil {
			ve.Add(fmt.Sprintf("skill_rule.rules[%d]", i), err.Error())
		}
	}
	return ve.OrNil()
}

// Create validates and inserts the rule set, setting its id.
func (s *QueueSkillRuleStore) Create(ctx context.Context, r *QueueSkillRule) error {
	if err := checkSkillRule(r); err != nil {
		return err
	}
	err := s.db.GetContext(ctx, &r.ID, `INSERT INTO queue_skill_rules (name, rules) VALUES ($1, $2) RETURNING id`,
		r.Name, pq.Array(r.Rules))
	return mapPQ(err, map[string]string{"queue_skill_rules_name_key": "skill_rule.name"})
}

// Delete removes a rule set; one a queue still uses is refused.
func (s *QueueSkillRuleStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := lockForDelete(ctx, tx, "queue_skill_rules", id); err != nil {
			return err
		}
		var users []string
		if err := tx.SelectContext(ctx, &users, `SELECT name FROM queues WHERE skill_rule_id = $1 ORDER BY name FOR UPDATE`, id); err != nil {
			return err
		}
		if len(users) > 0 {
			return &InUseError{Msg: fmt.Sprintf("skill rule %d is still used by queue %s: change that first", id, users[0])}
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM queue_skill_rules WHERE id = $1`, id)
		return mapPQ(err, nil)
	})
}
