package handlers

import (
	"context"
	"strconv"

	"pbxws/models"
)

// The sipX /rest/user-group resource (sipx-rest.md §5.5): user groups, each optionally of a
// branch. They are sipX's settings groups, not XiVO's ring groups.

type sipxGroupCodec struct{ wireNames }

var sipxGroupNames = names(map[string]string{"group": ""}, map[string]string{"group.entity_id": "branch"})

func sipxGroupObject(g *models.UserGroup) SipxObject {
	o := SipxObject{{Name: "id", Value: g.ID}, {Name: "name", Value: g.Name}, {Name: "description", Value: g.Description}}
	if g.Entity != nil {
		o.add("branch", sipxBranchObject(g.Entity))
	}
	return o
}

func (sipxGroupCodec) View(g *models.UserGroup) any {
	return SipxDoc{Root: "group", Value: sipxGroupObject(g)}
}

func (k sipxGroupCodec) Rows(gs []models.UserGroup) any {
	v, _ := k.RowsFor(gs, Query{})
	return v
}

var sipxGroupSorts = map[string]func(*models.UserGroup) string{
	"name":        func(g *models.UserGroup) string { return g.Name },
	"description": func(g *models.UserGroup) string { return g.Description },
}

// RowsFor is {"user-group": {"metadata": …, "groups": […]}}.
func (sipxGroupCodec) RowsFor(gs []models.UserGroup, q Query) (any, error) {
	return sipxListDoc(gs, q, sipxGroupSorts, "user-group", "groups", "group", sipxGroupObject), nil
}

func (sipxGroupCodec) Key(g *models.UserGroup) string { return strconv.Itoa(g.ID) }

// Decode reads {"group": {…}}: name (required on create), description, branch {id} (an
// empty <branch/> clears it). Absent fields keep what is stored.
func (sipxGroupCodec) Decode(body map[string]any, g *models.UserGroup) (*models.UserGroup, error) {
	errs := &models.ValidationError{}
	f, ok := sipxRoot(body, "group", errs)
	if !ok {
		return nil, errs
	}
	row := f.m
	if !f.strTrim("name", &g.Name) && g.ID == 0 {
		f.fail("name", "is required")
	}
	f.str("description", &g.Description)
	switch b := row["branch"].(type) {
	case nil:
	case string: // <branch/>: none
		g.EntityID = nil
	case map[string]any:
		id, ok := intOf(b["id"])
		if !ok {
			f.fail("branch", "must hold the id of a branch")
		} else {
			g.EntityID = &id
		}
	default:
		f.fail("branch", "must hold the id of a branch")
	}
	return g, errs.OrNil()
}

// SipxUserGroups is the sipX /rest/user-group resource.
func SipxUserGroups(st *models.Stores) *Resource {
	s := st.UserGroups
	return (&Endpoint[models.UserGroup, models.UserGroup, int]{
		Codec: sipxGroupCodec{sipxGroupNames},
		New:   func() *models.UserGroup { return &models.UserGroup{} },
		List:  func(ctx context.Context, _ Query) ([]models.UserGroup, error) { return s.List(ctx) },
	}).Over(s).Resource()
}
