package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"pbxws/models"
)

// The sipX /api/pagegroups resources (sipx-api.md §10): page groups, a sipX-only object
// whose members are canonical users, and the paging settings tree (the prefix).

const pageGroupNotFound = "Paging group not found."

var apiPageGroupNames = strings.NewReplacer("page_group.number", "pageGroupNumber", "page_group.timeout", "timeout",
	"page_group.sound", "sound", "page_group.description", "description", "members[", "users[")

func apiPageGroupErr(err error) error {
	var ve *models.ValidationError
	var ce *models.ConflictError
	switch {
	case errors.As(err, &ve):
		out := &models.ValidationError{}
		for f, rule := range ve.Fields {
			out.Add(apiPageGroupNames.Replace(f), rule)
		}
		return out
	case errors.As(err, &ce):
		return &APIError{Status: http.StatusConflict, Msg: ce.Msg}
	case errors.Is(err, models.ErrNotFound):
		return &APIError{Status: http.StatusNotFound, Msg: pageGroupNotFound}
	}
	return err
}

// pageGroupBean is a page group as §10 shows it; users are its members' user beans.
func pageGroupBean(c *models.PageGroupComposite, users map[int]*models.UserComposite) APIObject {
	g := &c.Group
	var sound, desc, members any
	if g.Sound != "" {
		sound = g.Sound
	}
	if g.Description != nil {
		desc = *g.Description
	}
	if len(c.Members) > 0 {
		items := make([]any, 0, len(c.Members))
		for _, id := range c.Members {
			u := users[id]
			if u == nil {
				continue
			}
			aliases := []any{}
			for _, a := range sipxAliases(u) {
				aliases = append(aliases, a)
			}
			items = append(items, APIObject{{Name: "id", Value: id}, {Name: "userName", Value: sipxUserName(u)},
				{Name: "lastName", Value: u.User.LastName}, {Name: "firstName", Value: u.User.FirstName},
				{Name: "aliases", Value: APIList{Item: "aliases", Items: aliases}, XML: APIRepeated(aliases)}})
		}
		members = APIList{Item: "User", Items: items}
	}
	return APIObject{
		{Name: "id", Value: g.ID}, {Name: "enabled", Value: g.Enabled}, {Name: "pageGroupNumber", Value: g.Number},
		{Name: "timeout", Value: g.Timeout}, {Name: "sound", Value: sound}, {Name: "description", Value: desc},
		{Name: "users", XMLName: "Users", Value: members},
	}
}

// pageGroupInput is what a POST or PUT body says; nil parts were absent.
type pageGroupInput struct {
	enabled         *bool
	number, timeout *int
	sound           *string
	description     **string
	users           []pageGroupUser
	hasUsers        bool
}

// pageGroupUser names a member by id or by user name.
type pageGroupUser struct {
	id   int
	name string
}

func decodePageGroupBody(r *Request) (*pageGroupInput, error) {
	body, err := r.decoded()
	if err != nil {
		return nil, err
	}
	body = unwrap(body, "Group", "group")
	errs := &models.ValidationError{}
	f := fields{m: body, errs: errs}
	in := &pageGroupInput{enabled: optBool(f, "enabled"), sound: optString(f, "sound")}
	for key, dst := range map[string]**int{"pageGroupNumber": &in.number, "timeout": &in.timeout} {
		var n int
		if f.integer(key, &n) {
			*dst = &n
		}
	}
	if _, ok := body["description"]; ok {
		var d *string // null and "" (<description/>) are no description
		f.optText("description", &d)
		in.description = &d
	}
	key := "users"
	if _, ok := body[key]; !ok {
		key = "Users"
	}
	if v, ok := body[key]; ok {
		in.hasUsers = true
		var items []any
		switch t := v.(type) {
		case nil:
		case []any:
			items = t
		case map[string]any: // XML: <Users><User>…</User></Users>
			items, _ = sipxItems(t, "User")
		case string:
			if strings.TrimSpace(t) != "" {
				errs.Add("users", "must be a list of users")
			}
		default:
			errs.Add("users", "must be a list of users")
		}
		for i, it := range items {
			m, ok := it.(map[string]any)
			at := fmt.Sprintf("users[%d]", i)
			if !ok {
				errs.Add(at, "must be an object with id or userName")
				continue
			}
			uf := fields{m: m, prefix: at + ".", errs: errs}
			var u pageGroupUser
			hasID := uf.integer("id", &u.id)
			if !uf.strTrim("userName", &u.name) && !hasID {
				errs.Add(at, "must give id or userName")
			}
			in.users = append(in.users, u)
		}
	}
	return in, errs.OrNil()
}

// apply writes the body onto c; users resolves a member named by user name.
func (in *pageGroupInput) apply(c *models.PageGroupComposite, users func(string) (int, bool, error)) error {
	g := &c.Group
	if in.enabled != nil {
		g.Enabled = *in.enabled
	}
	if in.number != nil {
		g.Number = *in.number
	}
	if in.timeout != nil {
		g.Timeout = *in.timeout
	}
	if in.sound != nil {
		g.Sound = *in.sound
	}
	if in.description != nil {
		g.Description = *in.description
	}
	if in.hasUsers {
		ids := make([]int, 0, len(in.users))
		for i, u := range in.users {
			if u.id == 0 {
				id, ok, err := users(u.name)
				if err != nil {
					return err
				}
				if !ok {
					return models.Invalid(fmt.Sprintf("users[%d]", i), "User not found")
				}
				u.id = id
			}
			ids = append(ids, u.id)
		}
		c.Members = ids
	}
	return nil
}

// APIPageGroups is /api/pagegroups and /api/pagegroups/{id} (§10). PathParams: "id".
func APIPageGroups(st *models.Stores) *Resource {
	s := st.PageGroups
	users := func(ctx context.Context) func(string) (int, bool, error) {
		return func(name string) (int, bool, error) {
			id, err := st.Users.UserIDByName(ctx, name)
			if errors.Is(err, models.ErrNotFound) {
				return 0, false, nil
			}
			return id, err == nil, err
		}
	}
	beans := func(ctx context.Context, cs ...*models.PageGroupComposite) ([]any, error) {
		us := map[int]*models.UserComposite{}
		out := make([]any, len(cs))
		for i, c := range cs {
			for _, id := range c.Members {
				if _, ok := us[id]; ok {
					continue
				}
				u, err := st.Users.ViewAll(ctx, id)
				if err != nil && !errors.Is(err, models.ErrNotFound) {
					return nil, err
				}
				us[id] = u
			}
			out[i] = pageGroupBean(c, us)
		}
		return out, nil
	}
	one := func(r *Request) (int, error) {
		id, ok := ParseID(r.PathParams["id"])
		if !ok {
			return 0, &APIError{Status: http.StatusNotFound, Msg: pageGroupNotFound}
		}
		return id, nil
	}
	idText := func(id int) Result {
		return Result{JSON: idDoc(id), Header: http.Header{"Location": {"/sipxconfig/api/pagegroups/" + strconv.Itoa(id)}}}
	}
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			if _, single := r.PathParams["id"]; !single {
				ids, err := s.IDs(ctx)
				if err != nil {
					return Result{}, err
				}
				var cs []*models.PageGroupComposite
				for _, id := range ids {
					c, err := s.Get(ctx, id)
					if errors.Is(err, models.ErrNotFound) {
						continue // deleted meanwhile
					}
					if err != nil {
						return Result{}, err
					}
					cs = append(cs, c)
				}
				items, err := beans(ctx, cs...)
				if err != nil {
					return Result{}, err
				}
				return Result{JSON: APIDoc{Root: "Groups", Key: "groups", Value: APIList{Item: "Group", Items: items}}}, nil
			}
			id, err := one(r)
			if err != nil {
				return Result{}, err
			}
			c, err := s.Get(ctx, id)
			if err != nil {
				return Result{}, apiPageGroupErr(err)
			}
			items, err := beans(ctx, c)
			if err != nil {
				return Result{}, err
			}
			return Result{JSON: APIDoc{Root: "Group", Value: items[0]}}, nil
		},
		"add": func(ctx context.Context, r *Request) (Result, error) {
			in, err := decodePageGroupBody(r)
			if err != nil {
				return Result{}, err
			}
			if in.number == nil {
				return Result{}, models.Invalid("pageGroupNumber", "is required")
			}
			c := &models.PageGroupComposite{Group: models.PageGroup{Timeout: models.PageGroupDefaultTimeout}, Members: []int{}}
			if err := in.apply(c, users(ctx)); err != nil {
				return Result{}, apiPageGroupErr(err)
			}
			if err := s.Create(ctx, c); err != nil {
				return Result{}, apiPageGroupErr(err)
			}
			return idText(c.Group.ID), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			id, err := one(r)
			if err != nil {
				return Result{}, err
			}
			if _, err := s.Get(ctx, id); err != nil {
				return Result{}, apiPageGroupErr(err)
			}
			in, err := decodePageGroupBody(r)
			if err != nil {
				return Result{}, err
			}
			err = s.Edit(ctx, id, func(stored *models.PageGroupComposite) (*models.PageGroupComposite, error) {
				c := &models.PageGroupComposite{Group: stored.Group}
				return c, in.apply(c, users(ctx))
			})
			if err != nil {
				return Result{}, apiPageGroupErr(err)
			}
			return idText(id), nil
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			id, err := one(r)
			if err != nil {
				return Result{}, err
			}
			return Result{}, apiPageGroupErr(s.Delete(ctx, id))
		},
	}}
}

// APIPagingSettings is /api/pagegroups/settings (§10): the paging prefix.
func APIPagingSettings(st *models.Stores) *Resource {
	return SettingsResource(st.SettingTrees, func(*Request) (*models.SettingsOwner, string) {
		return models.PagingSettings, "1"
	}, "Paging settings not found")
}
