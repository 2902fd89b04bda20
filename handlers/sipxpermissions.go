package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"pbxws/models"
)

// The sipX permissions (sipx-rest.md §5.6, §5.7): /rest/permission, and the values users and
// user groups give them, /rest/user-permission and /rest/user-group-permission.

type sipxPermissionCodec struct{ wireNames }

var sipxPermissionNames = names(map[string]string{"permission": "", "default_value": "defaultValue"}, nil)

func sipxPermissionObject(p *models.Permission) SipxObject {
	return SipxObject{{Name: "name", Value: p.Name}, {Name: "label", Value: p.Label}, {Name: "description", Value: p.Description},
		{Name: "defaultValue", Value: p.DefaultValue}, {Name: "type", Value: p.Type}, {Name: "builtIn", Value: p.BuiltIn}}
}

func (sipxPermissionCodec) View(p *models.Permission) any {
	return SipxDoc{Root: "permission", Value: sipxPermissionObject(p)}
}

func (k sipxPermissionCodec) Rows(ps []models.Permission) any {
	v, _ := k.RowsFor(ps, Query{})
	return v
}

var sipxPermissionSorts = map[string]func(*models.Permission) string{
	"name":         func(p *models.Permission) string { return p.Name },
	"label":        func(p *models.Permission) string { return p.Label },
	"description":  func(p *models.Permission) string { return p.Description },
	"defaultvalue": func(p *models.Permission) string { return fmt.Sprint(p.DefaultValue) },
}

// RowsFor is {"permissions": {"metadata": …, "permissions": […]}}.
func (sipxPermissionCodec) RowsFor(ps []models.Permission, q Query) (any, error) {
	return sipxListDoc(ps, q, sipxPermissionSorts, "permissions", "permissions", "permission", sipxPermissionObject), nil
}

// Key is the name: a new permission's drawn name is what the envelope says.
func (sipxPermissionCodec) Key(p *models.Permission) string { return p.Name }

// Decode reads {"permission": {label, description, defaultValue}}; the name, type and
// builtIn are the server's.
func (sipxPermissionCodec) Decode(body map[string]any, p *models.Permission) (*models.Permission, error) {
	errs := &models.ValidationError{}
	f, ok := sipxRoot(body, "permission", errs)
	if !ok {
		return nil, errs
	}
	if !f.strTrim("label", &p.Label) && p.Name == "" {
		f.fail("label", "is required")
	}
	f.str("description", &p.Description)
	f.boolean("defaultValue", &p.DefaultValue)
	return p, errs.OrNil()
}

// SipxPermissions is the sipX /rest/permission resource; permissions are named, not numbered.
func SipxPermissions(st *models.Stores) *Resource {
	s := st.Permissions
	return (&Endpoint[models.Permission, models.Permission, string]{
		Codec: sipxPermissionCodec{sipxPermissionNames},
		New:   func() *models.Permission { return &models.Permission{} },
		List:  func(ctx context.Context, _ Query) ([]models.Permission, error) { return s.List(ctx) },
	}).Over(s).Resource()
}

// sipxHolderCodec is the sipX form of a user's (root "user") or group's (root "group")
// permission values.
type sipxHolderCodec struct {
	wireNames
	group bool
}

func (k sipxHolderCodec) object(h *models.PermissionHolder) SipxObject {
	o := SipxObject{{Name: "id", Value: h.ID}}
	if k.group {
		o = append(o, SipxField{Name: "name", Value: h.Name}, SipxField{Name: "description", Value: h.Description})
	} else {
		o = append(o, SipxField{Name: "lastName", Value: h.LastName}, SipxField{Name: "firstName", Value: h.FirstName})
	}
	items := make([]any, len(h.Values))
	for i, v := range h.Values {
		value := ""
		switch {
		case v.Value != nil && *v.Value:
			value = "ENABLE"
		case v.Value != nil:
			value = "DISABLE"
		case k.group && v.DefaultValue: // a group always shows a value: the default
			value = "ENABLE"
		case k.group:
			value = "DISABLE"
		}
		items[i] = SipxObject{{Name: "name", Value: v.Name}, {Name: "label", Value: v.Label}, {Name: "value", Value: value}, {Name: "defaultValue", Value: v.DefaultValue}}
	}
	o = append(o, SipxField{Name: "permissions", Value: SipxList{Item: "setting", Items: items}})
	return o
}

func (k sipxHolderCodec) root() string {
	if k.group {
		return "group"
	}
	return "user"
}

func (k sipxHolderCodec) View(h *models.PermissionHolder) any {
	return SipxDoc{Root: k.root(), Value: k.object(h)}
}

func (k sipxHolderCodec) Rows(hs []models.PermissionHolder) any {
	v, _ := k.RowsFor(hs, Query{})
	return v
}

var sipxHolderSorts = map[string]func(*models.PermissionHolder) string{
	"name":        func(h *models.PermissionHolder) string { return h.Name + h.LastName },
	"description": func(h *models.PermissionHolder) string { return h.Description },
	"lastname":    func(h *models.PermissionHolder) string { return h.LastName },
	"firstname":   func(h *models.PermissionHolder) string { return h.FirstName },
}

// RowsFor is {"user-permission": {"metadata", "users"}} or {"user-group-permission":
// {"metadata", "groups"}}.
func (k sipxHolderCodec) RowsFor(hs []models.PermissionHolder, q Query) (any, error) {
	root, list := "user-permission", "users"
	if k.group {
		root, list = "user-group-permission", "groups"
	}
	return sipxListDoc(hs, q, sipxHolderSorts, root, list, k.root(), k.object), nil
}

func (k sipxHolderCodec) Key(h *models.PermissionHolder) string { return fmt.Sprint(h.ID) }

// Decode reads the listed settings only ({name, value}; label and defaultValue ignored):
// ENABLE, DISABLE, or empty (a user then inherits; a group takes the default).
func (k sipxHolderCodec) Decode(body map[string]any, stored *models.PermissionHolder) (*models.PermissionHolder, error) {
	errs := &models.ValidationError{}
	f, ok := sipxRoot(body, k.root(), errs)
	if !ok {
		return nil, errs
	}
	items, ok := sipxItems(f.m["permissions"], "setting")
	if !ok {
		errs.Add("permissions", "must be a list of settings")
		return nil, errs
	}
	out := &models.PermissionHolder{ID: stored.ID}
	for i, it := range items {
		m, _ := it.(map[string]any)
		f := fields{m: m, prefix: fmt.Sprintf("permissions[%d].", i), errs: errs}
		var name, value string
		if !f.strTrim("name", &name) || name == "" {
			f.fail("name", "is required")
			continue
		}
		f.strTrim("value", &value)
		v := models.PermissionValue{Permission: models.Permission{Name: name}}
		switch strings.ToUpper(value) {
		case "ENABLE":
			v.Value = ptr(true)
		case "DISABLE":
			v.Value = ptr(false)
		case "":
		default:
			f.fail("value", "must be ENABLE, DISABLE or empty")
		}
		out.Values = append(out.Values, v)
	}
	return out, errs.OrNil()
}

func ptr[T any](v T) *T { return &v }

// SipxUserPermissions is /rest/user-permission (filters branch= and ids= as /rest/user).
func SipxUserPermissions(st *models.Stores) *Resource {
	s := st.Permissions
	return (&Endpoint[models.PermissionHolder, models.PermissionHolder, int]{
		Codec: sipxHolderCodec{wireNames: sipxHolderNames},
		List: func(ctx context.Context, q Query) ([]models.PermissionHolder, error) {
			keep, err := sipxUserFilter(q)
			if err != nil {
				return nil, err
			}
			hs, err := s.UserPermissions(ctx, nil)
			return slices.DeleteFunc(hs, func(h models.PermissionHolder) bool {
				return !keep(&models.UserComposite{User: models.User{ID: h.ID, EntityID: h.Branch}})
			}), err
		},
		Get:  s.UserPermission,
		Edit: s.EditUserPermissions,
	}).Resource()
}

// SipxGroupPermissions is /rest/user-group-permission.
func SipxGroupPermissions(st *models.Stores) *Resource {
	s := st.Permissions
	return (&Endpoint[models.PermissionHolder, models.PermissionHolder, int]{
		Codec: sipxHolderCodec{wireNames: sipxHolderNames, group: true},
		List: func(ctx context.Context, _ Query) ([]models.PermissionHolder, error) {
			return s.GroupPermissions(ctx, nil)
		},
		Get:  s.GroupPermission,
		Edit: s.EditGroupPermissions,
	}).Resource()
}

var sipxHolderNames = names(map[string]string{}, nil)
