package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"

	"pbxws/models"
)

// SettingsResource serves the settings tree of an owner (sipx-api.md §3.3) on the /api
// façade, whatever the owner is:
//   - act "view": GET …/settings (every leaf) or …/settings/{path} (a leaf: its bean; a
//     group: its leaves);
//   - act "edit": PUT …/settings/{path} with the value as text/plain (one trailing line
//     break dropped; an empty body is no value), or PUT …/settings with
//     {"settings":[{"path","value"}]} (XML <Settings><Setting><path/><value/>…), all or
//     nothing;
//   - act "delete": DELETE …/settings/{path}, back to the default (a group: all its leaves).
//
// owner gives the request's owner kind and the reference its Resolve reads (an id, a MAC,
// "group/model"); notFound is the text of the 404 for a missing owner ("Phone not found").
// The web layer puts the setting path in PathParams["path"], each segment decoded once (an
// empty, "." or ".." segment is a 404 there), and a PUT's raw body in Body with its
// ContentType when the route has a path.
func SettingsResource(st *models.SettingsTreeStore, owner func(r *Request) (*models.SettingsOwner, string), notFound string) *Resource {
	fail := func(err error, bulk bool) error {
		var unknown *models.UnknownSettingError
		var ro *models.ReadOnlySettingError
		switch {
		case errors.Is(err, models.ErrNotFound):
			return &APIError{Status: http.StatusNotFound, Msg: notFound}
		case errors.As(err, &unknown) && bulk:
			return models.Invalid(unknown.Path, "no such setting")
		case errors.As(err, &unknown):
			return &APIError{Status: http.StatusNotFound, Msg: "Setting not found: " + unknown.Path}
		case errors.As(err, &ro):
			return &APIError{Status: http.StatusConflict, Msg: ro.Error()}
		}
		return err
	}
	view := func(ctx context.Context, r *Request) (Result, error) {
		kind, ref := owner(r)
		vals, isLeaf, err := st.Read(ctx, kind, ref, r.PathParams["path"])
		if err != nil {
			return Result{}, fail(err, false)
		}
		if isLeaf {
			return Result{JSON: APIDoc{Root: "Setting", Value: settingBean(vals[0])}}, nil
		}
		items := make([]any, len(vals))
		for i, v := range vals {
			items[i] = settingBean(v)
		}
		return Result{JSON: APIDoc{Root: "Settings", Key: "settings", Value: APIList{Item: "Setting", Items: items}}}, nil
	}
	edit := func(ctx context.Context, r *Request) (Result, error) {
		kind, ref := owner(r)
		path := r.PathParams["path"]
		var ws []models.SettingWrite
		if path != "" {
			switch r.ContentType {
			case "", "text/plain", "application/x-www-form-urlencoded":
			default:
				return Result{}, &ErrUnsupportedMedia{Msg: "a setting's value is sent as text/plain"}
			}
			v := string(r.Body)
			for _, eol := range []string{"\r\n", "\n", "\r"} {
				if strings.HasSuffix(v, eol) {
					v = v[:len(v)-len(eol)]
					break
				}
			}
			ws = []models.SettingWrite{{Path: path, Value: &v}}
		} else {
			var err error
			if ws, err = settingWrites(r.Decoded); err != nil {
				return Result{}, err
			}
		}
		if err := st.Write(ctx, kind, ref, ws); err != nil {
			return Result{}, fail(err, path == "")
		}
		return Done(), nil
	}
	reset := func(ctx context.Context, r *Request) (Result, error) {
		kind, ref := owner(r)
		if err := st.Reset(ctx, kind, ref, r.PathParams["path"]); err != nil {
			return Result{}, fail(err, false)
		}
		return Done(), nil
	}
	return &Resource{Acts: map[string]Act{"view": view, "edit": edit, "delete": reset}, DefaultAct: "view"}
}

// settingWrites reads a bulk body: {"settings":[{"path","value"}]} or its XML form; a value
// that is not a string (a number, a boolean) is taken as written.
func settingWrites(body map[string]any) ([]models.SettingWrite, error) {
	var list any
	for k, v := range body {
		switch k {
		case "settings":
			list = v
		case "Settings":
			if m, ok := v.(map[string]any); ok {
				list = m["Setting"]
			} else if v == nil || v == "" {
				list = []any{}
			}
		}
	}
	if m, ok := list.(map[string]any); ok { // one XML <Setting>
		list = []any{m}
	}
	items, ok := list.([]any)
	if !ok {
		return nil, models.Invalid("settings", "must be a list of {path, value}")
	}
	if len(items) == 0 {
		return nil, models.Invalid("settings", "must name at least one setting")
	}
	out := make([]models.SettingWrite, 0, len(items))
	seen := map[string]bool{}
	for _, it := range items {
		m, ok := it.(map[string]any)
		p, _ := m["path"].(string)
		if !ok || p == "" {
			return nil, models.Invalid("settings", "every item needs a path")
		}
		if seen[p] {
			return nil, models.Invalid(p, "given twice")
		}
		seen[p] = true
		w := models.SettingWrite{Path: p}
		switch v := m["value"].(type) {
		case nil:
		case string:
			w.Value = &v
		case map[string]any: // an empty XML <value/>
			if len(v) == 0 {
				s := ""
				w.Value = &s
			} else {
				return nil, models.Invalid(p, "value must be text")
			}
		default:
			s := scalarString(v)
			w.Value = &s
		}
		out = append(out, w)
	}
	return out, nil
}

// settingBean is a leaf as §3.2 shows it; an enumeration's options are an object in JSON and
// <options><entry><key/><value/></entry>… in XML.
func settingBean(v models.SettingValue) APIObject {
	var options any
	var optionsXML any
	if len(v.Options) > 0 {
		o := leafOptions(v.TreeSetting)
		options, optionsXML = o[0], o[1]
	}
	return APIObject{
		{Name: "path", Value: v.Path()},
		{Name: "type", Value: string(v.Type)},
		{Name: "options", Value: options, XML: optionsXML},
		{Name: "value", Value: strOrNil(v.Value)},
		{Name: "defaultValue", Value: strOrNil(v.Default)},
		{Name: "label", Value: textOrNil(v.Label)},
		{Name: "description", Value: textOrNil(v.Description)},
	}
}

func strOrNil(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func textOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// leafOptionsOf holds each enumeration leaf's options as JSON and XML show them: definitions
// are code, so they are built once per leaf, not once per read.
var leafOptionsOf sync.Map // *models.TreeSetting → [2]any

func leafOptions(l *models.TreeSetting) [2]any {
	if o, ok := leafOptionsOf.Load(l); ok {
		return o.([2]any)
	}
	obj := make(APIObject, len(l.Options))
	entries := make([]any, len(l.Options))
	for i, o := range l.Options {
		obj[i] = APIField{Name: o.Value, Value: o.Label}
		entries[i] = APIObject{{Name: "key", Value: o.Value}, {Name: "value", Value: o.Label}}
	}
	o := [2]any{obj, APIList{Item: "entry", Items: entries}}
	leafOptionsOf.Store(l, o)
	return o
}
