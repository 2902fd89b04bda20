package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"pbxws/models"
)

// settingsCodec is the json.php form of one settings section: an object of its values,
// grouped where the section's keys are "group.key" (advanced: generalqueues, generalmeetme,
// general), under wrap when the view nests it (SCCP: "sccpgeneralsettings"). An edit takes
// the same shape or the flat one (xivo-ws edits SCCP flat); what it does not name keeps its
// value. Keys already are wire names, so Field renames nothing.
type settingsCodec struct {
	section *models.SettingsSection
	wrap    string
}

func (settingsCodec) Field(path string) string { return path }

func (c settingsCodec) View(s *models.Settings) any {
	top := newObject(len(c.section.Settings))
	groups := map[string]*jsonObject{}
	var order []string
	for _, st := range c.section.Settings {
		group, key, grouped := strings.Cut(st.Key, ".")
		if !grouped {
			top.set(st.Key, s.Values[st.Key])
			continue
		}
		g, ok := groups[group]
		if !ok {
			g = &jsonObject{}
			groups[group] = g
			order = append(order, group)
		}
		g.set(key, s.Values[st.Key])
	}
	for _, g := range order {
		top.set(g, *groups[g])
	}
	if c.wrap != "" {
		return jsonObject{{c.wrap, top}}
	}
	return top
}

func (c settingsCodec) Decode(body map[string]any, base *models.Settings) (*models.Settings, error) {
	out := &models.Settings{Section: base.Section, Values: make(map[string]any, len(base.Values))}
	for k, v := range base.Values {
		out.Values[k] = v
	}
	if inner, ok := body[c.wrap].(map[string]any); ok && c.wrap != "" && len(body) == 1 {
		body = inner // a view posted back
	}
	errs := &models.ValidationError{}
	c.apply(body, "", out.Values, errs)
	return out, errs.OrNil()
}

// apply reads the keys of m (under group prefix) by their declared kind: booleans as
// XiVO wrote them (1/0, yes/no, true/false), numbers from JSON numbers or digit strings.
func (c settingsCodec) apply(m map[string]any, prefix string, values map[string]any, errs *models.ValidationError) {
	for k, v := range m {
		path := prefix + k
		if v == nil {
			continue
		}
		st, ok := c.section.Setting(path)
		if !ok {
			if sub, isObj := v.(map[string]any); isObj && prefix == "" && c.section.IsGroup(k) {
				c.apply(sub, k+".", values, errs)
				continue
			}
			errs.Add(path, "is not a setting of the "+c.section.Name+" section")
			continue
		}
		val, rule := settingValue(st, v)
		if rule != "" {
			errs.Add(path, rule)
			continue
		}
		values[path] = val
	}
}

// settingValue reads one wire value by the setting's declared kind, or says the rule it
// breaks: booleans as XiVO wrote them (1/0, yes/no, true/false), numbers from JSON numbers
// or digit strings, rows member by member.
func settingValue(st *models.Setting, v any) (any, string) {
	switch st.Kind {
	case models.SettingBool:
		b, ok := truth(v)
		if n, isNum := v.(json.Number); isNum && n != "0" && n != "1" {
			ok = false // a number is 0 or 1, not any non-zero value
		}
		if !ok {
			return nil, "must be a boolean (true/false, 1/0, yes/no)"
		}
		return b, ""
	case models.SettingInt:
		n, ok := intOf(v)
		if !ok {
			return nil, "must be a whole number"
		}
		return n, ""
	case models.SettingList:
		list, ok := v.([]any)
		if !ok {
			return nil, "must be a list of strings"
		}
		items := make([]string, 0, len(list))
		for _, x := range list {
			s, ok := scalarText(x)
			if !ok {
				return nil, "must be a list of strings"
			}
			items = append(items, strings.TrimSpace(s))
		}
		return items, ""
	case models.SettingRows:
		list, ok := v.([]any)
		if !ok {
			return nil, "must be a list of objects"
		}
		rows := make([]map[string]any, 0, len(list))
		for i, x := range list {
			m, ok := x.(map[string]any)
			if !ok {
				return nil, fmt.Sprintf("row %d must be an object", i)
			}
			row := map[string]any{}
			for _, col := range st.Columns {
				row[col.Key] = col.Default
			}
			for k, y := range m {
				col, ok := st.Column(k)
				if !ok {
					row[k] = y // an unknown column is refused by the model, naming it
					continue
				}
				if y == nil {
					continue
				}
				val, rule := settingValue(col, y)
				if rule != "" {
					return nil, fmt.Sprintf("row %d: %s %s", i, k, rule)
				}
				row[k] = val
			}
			rows = append(rows, row)
		}
		return rows, ""
	}
	s, ok := scalarText(v)
	if !ok {
		return nil, "must be a string"
	}
	return strings.TrimSpace(s), ""
}

// Settings is a settings section as a singleton: general_settings/<section> or
// queuelogger/configuration; wrap nests the view (SCCP's "sccpgeneralsettings").
func Settings(st *models.Stores, section, wrap string) *Resource {
	sec := models.SettingsSectionNamed(section)
	if sec == nil {
		panic("handlers: no settings section " + section)
	}
	s := st.Settings
	return (&Singleton[models.Settings]{
		Codec: settingsCodec{section: sec, wrap: wrap},
		Get:   func(ctx context.Context) (*models.Settings, error) { return s.Get(ctx, section) },
		Edit: func(ctx context.Context, merge func(*models.Settings) (*models.Settings, error)) error {
			return s.Edit(ctx, section, merge)
		},
	}).Resource()
}
