package handlers

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"pbxws/models"
)

func mustBody(t *testing.T, s string) map[string]any {
	t.Helper()
	b, err := DecodeBody([]byte(s))
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return b
}

func TestDecodeContextReadsXivoWSBodies(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       models.ContextComposite
	}{
		{"captured minimal",
			`{"context": {"contexttype": "incall", "displayname": "Default", "entity": "entity", "name": "default"}, "contextinclude": []}`,
			models.ContextComposite{Context: models.Context{Name: "default", DisplayName: "Default", EntityName: "entity", ContextType: "incall"},
				Includes: []string{}}},
		{"ranges as ints, open-ended meetme, includes by name",
			`{"context": {"name": "default", "displayname": "Default", "entity": "entity1", "contexttype": "internal"}, "contextinclude": ["to-extern"],
			  "contextnumbers": {"user": [{"numberbeg": 1000, "numberend": 1099}], "meetme": [{"numberbeg": 4000}], "incall": [{"numberbeg": "6000", "numberend": "6099", "didlength": 4}]}}`,
			models.ContextComposite{Context: models.Context{Name: "default", DisplayName: "Default", EntityName: "entity1", ContextType: "internal"},
				Includes: []string{"to-extern"},
				Ranges: []models.ContextRange{{Type: "user", NumberBeg: "1000", NumberEnd: "1099"},
					{Type: "meetme", NumberBeg: "4000"}, {Type: "incall", NumberBeg: "6000", NumberEnd: "6099", DidLength: 4}}}},
		{"includes as view objects, view extras ignored",
			`{"context": {"name": "a", "displayname": "Abc", "entity": "e", "contexttype": "internal", "entityid": 1, "commented": false},
			  "contextinclude": [{"context": "a", "include": "b", "priority": "0"}], "deletable": true, "contexttype": {"name": "internal"}}`,
			models.ContextComposite{Context: models.Context{Name: "a", DisplayName: "Abc", EntityName: "e", ContextType: "internal"},
				Includes: []string{"b"}}},
		{"false means none", `{"context": {"name": "a"}, "contextinclude": false, "contextnumbers": false}`,
			models.ContextComposite{Context: models.Context{Name: "a", ContextType: "internal"}, Includes: []string{}, Ranges: []models.ContextRange{}}},
	} {
		c := models.ContextComposite{Context: models.Context{ContextType: "internal"}}
		if err := decodeContext(mustBody(t, tc.body), &c); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(c, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, c, tc.want)
		}
	}
}

// TestDecodeContextEditKeepsWhatIsAbsent: present range types replace theirs, absent or null
// ones and an absent contextinclude keep what is stored (wire T9).
func TestDecodeContextEditKeepsWhatIsAbsent(t *testing.T) {
	stored := func() models.ContextComposite {
		return models.ContextComposite{
			Context:  models.Context{Name: "default", DisplayName: "Default", EntityName: "e", ContextType: "internal", Description: "d"},
			Includes: []string{"x"},
			Ranges:   []models.ContextRange{{Type: "user", NumberBeg: "100", NumberEnd: "199"}, {Type: "group", NumberBeg: "200"}},
		}
	}
	c := stored()
	if err := decodeContext(mustBody(t, `{"context": {"displayname": "New"}, "contextnumbers": {"user": [{"numberbeg": "300"}], "group": null}}`), &c); err != nil {
		t.Fatal(err)
	}
	want := stored()
	want.Context.DisplayName = "New"
	want.Ranges = []models.ContextRange{{Type: "user", NumberBeg: "300"}, {Type: "group", NumberBeg: "200"}}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
	c = stored()
	if err := decodeContext(mustBody(t, `{"contextnumbers": {"group": []}, "contextinclude": []}`), &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Includes) != 0 || !reflect.DeepEqual(c.Ranges, stored().Ranges[:1]) || c.Context != stored().Context {
		t.Fatalf("got %+v", c)
	}
}

func TestDecodeContextNamesBadFields(t *testing.T) {
	for _, tc := range []struct{ body, field string }{
		{`{"contextinclude": []}`, "context"},
		{`{"context": "default"}`, "context"},
		{`{"context": {"name": ["x"]}}`, "context.name"},
		{`{"context": {"name": "a", "commented": "maybe"}}`, "context.commented"},
		{`{"context": {"name": "a"}, "contextinclude": "b"}`, "contextinclude"},
		{`{"context": {"name": "a"}, "contextinclude": [{"context": "a"}]}`, "contextinclude[0]"},
		{`{"context": {"name": "a"}, "contextnumbers": []}`, ""}, // [] is an empty PHP map: fine
		{`{"context": {"name": "a"}, "contextnumbers": "x"}`, "contextnumbers"},
		{`{"context": {"name": "a"}, "contextnumbers": {"outcall": []}}`, "contextnumbers.outcall"},
		{`{"context": {"name": "a"}, "contextnumbers": {"user": {"numberbeg": 1}}}`, "contextnumbers.user"},
		{`{"context": {"name": "a"}, "contextnumbers": {"user": [1000]}}`, "contextnumbers.user[0]"},
		{`{"context": {"name": "a"}, "contextnumbers": {"incall": [{"numberbeg": 1, "didlength": "four"}]}}`, "contextnumbers.incall[0].didlength"},
		{`{"context": {"name": "a"}, "contextnumbers": {"user": [{"numberbeg": {}}]}}`, "contextnumbers.user[0].numberbeg"},
	} {
		c := models.ContextComposite{}
		err := decodeContext(mustBody(t, tc.body), &c)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.body, err)
			}
			continue
		}
		ve, ok := err.(*models.ValidationError)
		if !ok {
			t.Errorf("%s: %v, want a validation error on %s", tc.body, err, tc.field)
			continue
		}
		if _, ok := ve.Fields[tc.field]; !ok {
			t.Errorf("%s: fields %v, want %s", tc.body, ve.Fields, tc.field)
		}
	}
}

// TestContextViewTypesWhatXivoWSReads pins the client-visible typing of a view: numbers as
// strings, numberend and didlength on every range, includes as objects with "include".
func TestContextViewTypesWhatXivoWSReads(t *testing.T) {
	c := &models.ContextComposite{
		Context:  models.Context{Name: "default", DisplayName: "Default", EntityName: "e1", EntityID: 2, ContextType: "internal"},
		Includes: []string{"to-extern", "other"},
		Ranges: []models.ContextRange{{Type: "user", NumberBeg: "1000", NumberEnd: "1099"},
			{Type: "meetme", NumberBeg: "4000"}, {Type: "incall", NumberBeg: "6000", NumberEnd: "6099", DidLength: 4}},
	}
	c.Use = models.ContextUse{Name: "default", Lines: 1}
	b, err := json.Marshal(contextView(c))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"context":{"name":"default","displayname":"Default","entity":"e1","contexttype":"internal","description":"","commented":false,"entityid":2}`,
		`"user":[{"context":"default","type":"user","numberbeg":"1000","numberend":"1099","didlength":"0"}]`,
		`"meetme":[{"context":"default","type":"meetme","numberbeg":"4000","numberend":"","didlength":"0"}]`,
		`"incall":[{"context":"default","type":"incall","numberbeg":"6000","numberend":"6099","didlength":"4"}]`,
		`"contextinclude":[{"context":"default","include":"to-extern","priority":"0"},{"context":"default","include":"other","priority":"1"}]`,
		`"deletable":false`, `"deletablenumber":false`, `"deletablemember":false`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("view lacks %s\n%s", want, b)
		}
	}
	b, _ = json.Marshal(contextView(&models.ContextComposite{Context: c.Context}))
	for _, want := range []string{`"contextnumbers":false`, `"contextinclude":false`, `"deletable":true`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("empty view lacks %s\n%s", want, b)
		}
	}
}
