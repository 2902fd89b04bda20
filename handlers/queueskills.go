package handlers

import (
	"context"
	"strconv"
	"strings"

	"pbxws/models"
)

// skillRow is a skill as json.php lists and views it: flat, the id a string (as the
// original's rows were).
func skillRow(s *models.QueueSkill) jsonObject {
	return jsonObject{{"id", strconv.Itoa(s.ID)}, {"name", s.Name}, {"description", s.Description},
		{"printscreen", s.Printscreen}, {"category_name", s.CategoryName}}
}

// skillCodec is the json.php form of skills: a flat body.
type skillCodec struct{ wireNames }

var xivoSkillNames = names(map[string]string{"skill": ""}, nil, models.QueueSkill{})

func (skillCodec) Rows(ss []models.QueueSkill) any { return objectsOf(ss, skillRow) }
func (skillCodec) View(s *models.QueueSkill) any   { return skillRow(s) }
func (skillCodec) Key(s *models.QueueSkill) string { return strconv.Itoa(s.ID) }
func (skillCodec) Decode(body map[string]any, base *models.QueueSkill) (*models.QueueSkill, error) {
	errs := &models.ValidationError{}
	s := *base
	f := newFields(body, "", errs)
	for _, k := range []string{"name", "category_name"} {
		if !f.has(k) {
			errs.Add(k, "is required")
		}
	}
	f.strTrim("name", &s.Name)
	f.strTrim("category_name", &s.CategoryName)
	f.str("description", &s.Description)
	f.strTrim("printscreen", &s.Printscreen)
	return &s, errs.OrNil()
}

// QueueSkills is the callcenter settings/queueskills resource (spec §4.14): list, search,
// view, add and delete; a skill's category is created with its first skill and kept.
func QueueSkills(st *models.Stores) *Resource {
	s := st.QueueSkills
	return (&Endpoint[models.QueueSkill, models.QueueSkill, int]{
		Codec:  skillCodec{xivoSkillNames},
		New:    func() *models.QueueSkill { return &models.QueueSkill{} },
		List:   func(ctx context.Context, _ Query) ([]models.QueueSkill, error) { return s.List(ctx) },
		Search: func(ctx context.Context, q Query) ([]models.QueueSkill, error) { return s.Search(ctx, q.Search) },
		Get:    s.Get,
		Create: s.Create,
		Delete: s.Delete,
	}).Resource()
}

// skillRuleRow is a skill rule set as json.php lists and views it: flat, its rules a list.
func skillRuleRow(r *models.QueueSkillRule) jsonObject {
	return jsonObject{{"id", r.ID}, {"name", r.Name}, {"rule", r.Rules}}
}

// skillRuleCodec is the json.php form of skill rules: {"name": …, "rule": […]}.
type skillRuleCodec struct{ wireNames }

var xivoSkillRuleNames = names(map[string]string{"skill_rule": "", "rules": "rule"}, nil, models.QueueSkillRule{})

func (skillRuleCodec) Rows(rs []models.QueueSkillRule) any { return objectsOf(rs, skillRuleRow) }
func (skillRuleCodec) View(r *models.QueueSkillRule) any   { return skillRuleRow(r) }
func (skillRuleCodec) Key(r *models.QueueSkillRule) string { return strconv.Itoa(r.ID) }
func (skillRuleCodec) Decode(body map[string]any, base *models.QueueSkillRule) (*models.QueueSkillRule, error) {
	errs := &models.ValidationError{}
	r := *base
	f := newFields(body, "", errs)
	for _, k := range []string{"name", "rule"} {
		if _, ok := body[k]; !ok {
			errs.Add(k, "is required")
		}
	}
	f.strTrim("name", &r.Name)
	switch v := body["rule"].(type) {
	case nil:
	case string:
		// XiVO's stored form: the rules joined with ";".
		r.Rules = models.SplitSkillRules(v)
	case []any:
		r.Rules = make([]string, 0, len(v))
		for i, x := range v {
			s, ok := x.(string)
			if !ok {
				errs.Add("rule["+strconv.Itoa(i)+"]", "must be a string")
				continue
			}
			r.Rules = append(r.Rules, strings.TrimSpace(s))
		}
	default:
		errs.Add("rule", "must be a list of rules")
	}
	return &r, errs.OrNil()
}

// QueueSkillRules is the callcenter settings/queueskillrules resource (spec §4.9.10): list
// (by name), search, view, add and delete; a rule that does not parse is refused with the
// position where it stops making sense.
func QueueSkillRules(st *models.Stores) *Resource {
	s := st.QueueSkillRules
	return (&Endpoint[models.QueueSkillRule, models.QueueSkillRule, int]{
		Codec:  skillRuleCodec{xivoSkillRuleNames},
		New:    func() *models.QueueSkillRule { return &models.QueueSkillRule{Rules: []string{}} },
		List:   func(ctx context.Context, _ Query) ([]models.QueueSkillRule, error) { return s.List(ctx) },
		Search: func(ctx context.Context, q Query) ([]models.QueueSkillRule, error) { return s.Search(ctx, q.Search) },
		Get:    s.Get,
		Create: s.Create,
		Delete: s.Delete,
	}).Resource()
}
