package models

import (
	"fmt"
	"regexp"
	"sort"
)

// The extension features (pbx_services/extenfeatures) are three settings sections edited
// together: the feature codes of the xivo-features context (each an extension and whether
// it is enabled), the general call features (parking, transfers) and the in-call feature
// map (DTMF sequences).

// ExtenFeatureSections are the sections, in the order they are locked.
var ExtenFeatureSections = []string{"extenfeatures", "generalfeatures", "featuremap"}

// featureCodes are the feature codes and their default extensions.
var featureCodes = []struct{ name, exten string }{
	{"fwdundoall", "*20"}, {"fwdunc", "_*21."}, {"fwdrna", "_*22."}, {"fwdbusy", "_*23."},
	{"enablednd", "*25"}, {"callrecord", "*26"}, {"incallfilter", "*27"},
	{"agentstaticlogtoggle", "_*30."}, {"agentstaticlogin", "_*31."}, {"agentstaticlogoff", "_*32."},
	{"bsfilter", "_*37."}, {"calllistening", "_*40."}, {"autoprov", "*48"}, {"paging", "_*11."},
	{"phonestatus", "*10"}, {"recsnd", "*9"}, {"enablevm", "*90"}, {"vmusermsg", "*98"},
	{"vmuserpurge", "_*92."}, {"vmboxpurge", "_*93."},
}

// FeatureCodeNames lists the feature codes, sorted.
func FeatureCodeNames() []string {
	out := make([]string, len(featureCodes))
	for i, f := range featureCodes {
		out[i] = f.name
	}
	sort.Strings(out)
	return out
}

var reFeatureCode = regexp.MustCompile(`^_?[0-9*#XNZ.!\[\]-]+$`)

func extenFeaturesSection() *SettingsSection {
	sec := &SettingsSection{Name: "extenfeatures"}
	for _, f := range featureCodes {
		sec.Settings = append(sec.Settings,
			patternSetting(f.name+".exten", f.exten, 40, reFeatureCode, "must be an extension or an extension pattern (_*21.)"),
			boolSetting(f.name+".enabled", true))
	}
	// Two enabled features cannot answer the same extension.
	sec.Rule = func(values map[string]any) *ValidationError {
		ve := &ValidationError{}
		owner := map[string]string{}
		for _, name := range FeatureCodeNames() {
			exten, _ := values[name+".exten"].(string)
			if on, _ := values[name+".enabled"].(bool); !on || exten == "" {
				continue
			}
			if other, taken := owner[exten]; taken {
				ve.Add(name+".exten", fmt.Sprintf("is already the extension of %s", other))
				continue
			}
			owner[exten] = name
		}
		return ve
	}
	return sec
}

var (
	reDTMFSequence  = regexp.MustCompile(`^[0-9*#]{1,8}$`)
	reParkPositions = regexp.MustCompile(`^[0-9]{1,8}-[0-9]{1,8}$`)
	reSoundName     = regexp.MustCompile(`^[A-Za-z0-9_/.-]+$`)
)

func generalFeaturesSection() *SettingsSection {
	return &SettingsSection{Name: "generalfeatures", Settings: []Setting{
		patternSetting("general.parkext", "700", 40, reDigits, "must contain only digits"),
		patternSetting("general.parkpos", "701-750", 17, reParkPositions, "must be a range of numbers such as 701-750"),
		patternSetting("general.context", "parkedcalls", 39, regexp.MustCompile(`^[A-Za-z0-9_-]+$`), "must be a context name"),
		intSetting("general.parkingtime", 45, 1, 3600),
		boolSetting("general.comebacktoorigin", true),
		enumSetting("general.parkedplay", "caller", "callee", "caller", "both", "no"),
		intSetting("general.transferdigittimeout", 3, 1, 60),
		intSetting("general.featuredigittimeout", 1500, 100, 10000),
		intSetting("general.atxfernoanswertimeout", 15, 1, 600),
		patternSetting("general.pickupexten", "*8", 8, reDTMFSequence, "must be 1-8 digits, * and #"),
		patternSetting("general.courtesytone", "", 128, reSoundName, "must be a sound file name"),
		patternSetting("general.xfersound", "beep", 128, reSoundName, "must be a sound file name"),
		patternSetting("general.xferfailsound", "beeperr", 128, reSoundName, "must be a sound file name"),
	}}
}

func featureMapSection() *SettingsSection {
	rule := "must be 1-8 digits, * and #"
	return &SettingsSection{Name: "featuremap", Settings: []Setting{
		patternSetting("featuremap.blindxfer", "#1", 8, reDTMFSequence, rule),
		patternSetting("featuremap.disconnect", "*0", 8, reDTMFSequence, rule),
		patternSetting("featuremap.automon", "*1", 8, reDTMFSequence, rule),
		patternSetting("featuremap.atxfer", "*2", 8, reDTMFSequence, rule),
		patternSetting("featuremap.parkcall", "#72", 8, reDTMFSequence, rule),
		patternSetting("featuremap.automixmon", "*3", 8, reDTMFSequence, rule),
	}, Rule: func(values map[string]any) *ValidationError {
		ve := &ValidationError{}
		owner := map[string]string{}
		keys := make([]string, 0, len(values))
		for k := range values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v, _ := values[k].(string)
			if other, taken := owner[v]; taken && v != "" {
				ve.Add(k, "is already the sequence of "+other)
			}
			owner[v] = k
		}
		return ve
	}}
}
