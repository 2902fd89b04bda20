package handlers

import (
	"strings"
	"testing"

	"pbxws/models"
)

// A leaf renders as §3.2's bean: options an object in JSON, entries in XML, nulls emitted in
// JSON and omitted in XML.
func TestSettingBeanRendersBothForms(t *testing.T) {
	tree := models.NewSettingTree(models.TreeGroup("moh-config", "MOH",
		models.TreeEnum("MOH_SOURCE", "Music On Hold Source", "FILES_SRC", "System Music Directory", "NONE", "None").Def("FILES_SRC")))
	l, _ := tree.Find("moh-config/MOH_SOURCE")
	doc := APIDoc{Root: "Setting", Value: settingBean(models.SettingValue{TreeSetting: l, Value: l.Default})}
	js, _ := doc.Render("application/json")
	want := `{"path":"moh-config/MOH_SOURCE","type":"enum","options":{"FILES_SRC":"System Music Directory","NONE":"None"},"value":"FILES_SRC","defaultValue":"FILES_SRC","label":"Music On Hold Source","description":null}`
	if string(js) != want {
		t.Errorf("JSON\n got %s\nwant %s", js, want)
	}
	x, _ := doc.Render("text/xml")
	if !strings.Contains(string(x), `<Setting><path>moh-config/MOH_SOURCE</path><type>enum</type><options><entry><key>FILES_SRC</key><value>System Music Directory</value></entry><entry><key>NONE</key><value>None</value></entry></options><value>FILES_SRC</value>`) ||
		strings.Contains(string(x), "description") {
		t.Errorf("XML: %s", x)
	}
}

func TestSettingWritesReadsJSONAndXMLBodies(t *testing.T) {
	ws, err := settingWrites(map[string]any{"settings": []any{map[string]any{"path": "a/b", "value": "1"}, map[string]any{"path": "a/c", "value": nil}, map[string]any{"path": "a/d", "value": float64(7)}}})
	if err != nil || len(ws) != 3 || *ws[0].Value != "1" || ws[1].Value != nil || *ws[2].Value != "7" {
		t.Fatalf("JSON: %+v %v", ws, err)
	}
	ws, err = settingWrites(map[string]any{"Settings": map[string]any{"Setting": map[string]any{"path": "a/b", "value": "x"}}})
	if err != nil || len(ws) != 1 || ws[0].Path != "a/b" || *ws[0].Value != "x" {
		t.Fatalf("XML: %+v %v", ws, err)
	}
	for _, bad := range []map[string]any{{}, {"settings": "x"}, {"settings": []any{}}, {"settings": []any{map[string]any{"value": "1"}}},
		{"settings": []any{map[string]any{"path": "a", "value": "1"}, map[string]any{"path": "a", "value": "2"}}}} {
		if _, err := settingWrites(bad); err == nil {
			t.Errorf("%v must be refused", bad)
		}
	}
}
