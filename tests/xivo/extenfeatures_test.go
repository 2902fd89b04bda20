package xivo_test

import (
	"net/http"
	"testing"

	"pbxws/tests/testenv"
)

func extenFeaturesState(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var s string
	if err := env.DB.Get(&s, `SELECT string_agg(section || '=' || value::text, ' ' ORDER BY section) FROM settings
		WHERE section IN ('extenfeatures', 'generalfeatures', 'featuremap')`); err != nil {
		t.Fatal(err)
	}
	return s
}

// The extension features: any reading act shows the feature codes of xivo-features (with
// their defaults), the general features and the feature map; an edit disables a code or
// moves it, changes a general feature, and keeps everything it does not name.
func TestExtenFeaturesViewAndEdit(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx/pbx_services/extenfeatures"}, false)
	c := newClient(t, env)
	c.user, c.pass = "admin", "secret"
	const path = "/service/ipbx/json.php/restricted/pbx_services/extenfeatures/"
	for _, q := range []string{"", "act=list", "act=view"} {
		v := c.object(path, q)
		fb := v["extenfeatures"].(map[string]any)["xivo-features"].(map[string]any)["fwdbusy"].(map[string]any)
		if fb["exten"] != "_*23." || fb["enabled"] != true || fb["commented"] != false ||
			v["generalfeatures"].(map[string]any)["general"].(map[string]any)["parkext"] != "700" ||
			v["featuremap"].(map[string]any)["featuremap"].(map[string]any)["blindxfer"] != "#1" {
			t.Fatalf("%q: %v", q, v)
		}
	}
	for _, body := range []string{
		`{"extenfeatures": {"xivo-features": {"fwdbusy": {"enabled": false}, "fwdunc": {"exten": "_*71."}}}}`,
		`{"generalfeatures": {"general": {"parkingtime": "60"}}, "featuremap": {"featuremap": {"disconnect": "**0"}}}`,
		`{"extenfeatures": {"callrecord": {"commented": true}}}`,
	} {
		if st, _, out := c.do("POST", path, "act=edit", []byte(body)); st != http.StatusOK {
			t.Fatalf("edit %s: %d %s", body, st, out)
		}
	}
	want := `extenfeatures={"fwdunc.exten": "_*71.", "fwdbusy.enabled": false, "callrecord.enabled": false} featuremap={"featuremap.disconnect": "**0"} generalfeatures={"general.parkingtime": 60}`
	if got := extenFeaturesState(t, env); got != want {
		t.Fatalf("stored\n%s\nwant\n%s", got, want)
	}
	v := c.object(path, "")
	codes := v["extenfeatures"].(map[string]any)["xivo-features"].(map[string]any)
	if codes["fwdunc"].(map[string]any)["exten"] != "_*71." || codes["fwdbusy"].(map[string]any)["commented"] != true || codes["fwdrna"].(map[string]any)["enabled"] != true {
		t.Fatalf("view after edits: %v", codes)
	}
	// The view posted back changes nothing.
	if st, _, out := c.do("POST", path, "act=edit", []byte(mustJSON(v))); st != http.StatusOK {
		t.Fatalf("view posted back: %d %s", st, out)
	}
	if got := extenFeaturesState(t, env); got != want {
		t.Fatalf("view posted back: %s", got)
	}
	// A disabled code's extension may be taken by another.
	if st, _, out := c.do("POST", path, "act=edit", []byte(`{"extenfeatures": {"fwdrna": {"exten": "_*23."}}}`)); st != http.StatusOK {
		t.Fatalf("taking a disabled code's extension: %d %s", st, out)
	}
}

// Bad extension features are 400 naming the feature and key; nothing is written.
func TestExtenFeaturesBadInputIs400NamingTheKey(t *testing.T) {
	env := testenv.Start(t)
	l := newLocal(t, env)
	l.must("pbx_services/extenfeatures/", "act=edit", `{"featuremap": {"featuremap": {"parkcall": "#700"}}}`)
	before := extenFeaturesState(t, env)
	for _, tc := range []struct{ body, field string }{
		{`{"extenfeatures": {"xivo-features": {"teleport": {"exten": "*66"}}}}`, "extenfeatures.teleport"},
		{`{"extenfeatures": {"fwdbusy": {"exten": "abc"}}}`, "extenfeatures.fwdbusy.exten"},
		{`{"extenfeatures": {"fwdbusy": {"exten": "*2\n3"}}}`, "extenfeatures.fwdbusy.exten"},
		{`{"extenfeatures": {"fwdbusy": {"enabled": "maybe"}}}`, "extenfeatures.fwdbusy.enabled"},
		{`{"extenfeatures": {"fwdunc": {"exten": "*25"}}}`, "extenfeatures.fwdunc.exten"},
		{`{"extenfeatures": {"fwdbusy": "*23"}}`, "extenfeatures.fwdbusy"},
		{`{"generalfeatures": {"general": {"parkingtime": 0}}}`, "generalfeatures.general.parkingtime"},
		{`{"generalfeatures": {"general": {"parkpos": "701"}}}`, "generalfeatures.general.parkpos"},
		{`{"generalfeatures": {"general": {"parkedplay": "everyone"}}}`, "generalfeatures.general.parkedplay"},
		{`{"featuremap": {"featuremap": {"blindxfer": "abc"}}}`, "featuremap.featuremap.blindxfer"},
		{`{"featuremap": {"featuremap": {"blindxfer": "*2"}}}`, "featuremap.featuremap.blindxfer"},
		{`{"frobnicate": {}}`, "frobnicate"},
	} {
		l.wantField("pbx_services/extenfeatures/", "act=edit", tc.body, tc.field)
	}
	if after := extenFeaturesState(t, env); after != before {
		t.Fatalf("refused edits changed the features: %s, was %s", after, before)
	}
}
