package handlers

import (
	"context"
	"strings"

	"pbxws/models"
)

// extenFeaturesCodec is the json.php form of the extension features: {"extenfeatures":
// {"xivo-features": {name: {name, context, exten, enabled, commented}}}, "generalfeatures":
// {"general": {…}}, "featuremap": {"featuremap": {…}}}. An edit takes the same shape, or a
// part of it (a feature by its name, directly under extenfeatures, is read too).
type extenFeaturesCodec struct{}

const featuresContext = "xivo-features"

func (extenFeaturesCodec) Field(path string) string { return path }

func (extenFeaturesCodec) View(set *models.SettingsSet) any {
	codes := (*set)["extenfeatures"].Values
	features := newObject(len(codes) / 2)
	for _, name := range models.FeatureCodeNames() {
		on, _ := codes[name+".enabled"].(bool)
		features.set(name, jsonObject{{"name", name}, {"context", featuresContext}, {"exten", codes[name+".exten"]},
			{"enabled", on}, {"commented", !on}})
	}
	general := settingsCodec{section: models.SettingsSectionNamed("generalfeatures")}
	featuremap := settingsCodec{section: models.SettingsSectionNamed("featuremap")}
	return jsonObject{{"extenfeatures", jsonObject{{featuresContext, features}}},
		{"generalfeatures", general.View((*set)["generalfeatures"])},
		{"featuremap", featuremap.View((*set)["featuremap"])}}
}

func (extenFeaturesCodec) Decode(body map[string]any, base *models.SettingsSet) (*models.SettingsSet, error) {
	out := models.SettingsSet{}
	for name, s := range *base {
		c := &models.Settings{Section: s.Section, Values: make(map[string]any, len(s.Values))}
		for k, v := range s.Values {
			c.Values[k] = v
		}
		out[name] = c
	}
	errs := &models.ValidationError{}
	top := newFields(body, "", errs)
	for key := range body {
		switch key {
		case "extenfeatures", "generalfeatures", "featuremap":
		default:
			errs.Add(key, "is not a part of the extension features (extenfeatures, generalfeatures, featuremap)")
		}
	}
	if m, ok := top.object("extenfeatures"); ok {
		if inner, ok := m[featuresContext].(map[string]any); ok && len(m) == 1 {
			m = inner
		}
		codes := map[string]any{}
		for name, v := range m {
			f, isObj := v.(map[string]any)
			if !isObj {
				codes[name] = v // refused by apply, naming it
				continue
			}
			// A view's row posted back: name and context say what it is, commented is
			// enabled's opposite.
			g := map[string]any{}
			for k, x := range f {
				switch k {
				case "name", "context":
				case "commented":
					if b, ok := truth(x); ok {
						if _, both := f["enabled"]; !both {
							g["enabled"] = !b
						}
					} else {
						g["commented"] = x
					}
				default:
					g[k] = x
				}
			}
			codes[name] = g
		}
		applyPart(out["extenfeatures"], codes, "extenfeatures.", errs)
	}
	for _, part := range []string{"generalfeatures", "featuremap"} {
		if m, ok := top.object(part); ok {
			applyPart(out[part], m, part+".", errs)
		}
	}
	return &out, errs.OrNil()
}

// applyPart reads one section's part of the body, naming errors under prefix.
func applyPart(s *models.Settings, m map[string]any, prefix string, errs *models.ValidationError) {
	part := &models.ValidationError{}
	settingsCodec{section: s.Section}.apply(m, "", s.Values, part)
	for f, rule := range part.Fields {
		errs.Add(prefix+f, strings.Replace(rule, "the "+s.Section.Name+" section", prefix[:len(prefix)-1], 1))
	}
}

// ExtenFeatures is the pbx_services/extenfeatures resource: one object, viewed by any of
// list and view (XiVO answered every act with it), edited in one transaction.
func ExtenFeatures(st *models.Stores) *Resource {
	s := st.Settings
	res := (&Singleton[models.SettingsSet]{
		Codec: extenFeaturesCodec{},
		Get: func(ctx context.Context) (*models.SettingsSet, error) {
			set, err := s.GetSet(ctx, models.ExtenFeatureSections...)
			return &set, err
		},
		Edit: func(ctx context.Context, merge func(*models.SettingsSet) (*models.SettingsSet, error)) error {
			return s.EditSet(ctx, models.ExtenFeatureSections, func(stored models.SettingsSet) (models.SettingsSet, error) {
				merged, err := merge(&stored)
				if err != nil {
					return nil, err
				}
				return *merged, nil
			})
		},
	}).Resource()
	res.Acts["list"] = res.Acts["view"]
	res.DefaultAct = "list"
	return res
}
