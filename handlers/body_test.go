package handlers

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"pbxws/models"
)

func TestDecodeBodyRefusesBadInput(t *testing.T) {
	cases := []struct {
		name, body, field string
	}{
		{"empty", "", "body"},
		{"blank", "  \n", "body"},
		{"malformed", `{"a": `, "body"},
		{"scalar", `"x"`, "body"},
		{"array", `[1,2]`, "body"},
		{"two values", `{} {}`, "body"},
		{"not utf-8", "{\"a\": \"\xff\"}", "body"},
		{"lf in value", `{"userfeatures": {"firstname": "a\nb"}}`, "userfeatures.firstname"},
		{"cr in list", `{"l": ["ok", "x\ry"]}`, "l[1]"},
		{"nul", `{"a": "\u0000"}`, "a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeBody([]byte(tc.body))
			var ve *models.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("DecodeBody(%q) = %v, want a ValidationError", tc.body, err)
			}
			if _, ok := ve.Fields[tc.field]; !ok {
				t.Fatalf("fields %v do not name %q", ve.Fields, tc.field)
			}
		})
	}
}

func TestDecodeBodyRefusesDeepNesting(t *testing.T) {
	body := strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40)
	if _, err := DecodeBody([]byte(body)); err == nil {
		t.Fatal("a body nested 40 deep was accepted")
	}
}

func TestFieldsReadLeniently(t *testing.T) {
	body, err := DecodeBody([]byte(`{"n": 1001, "s": "1001", "b1": "yes", "b0": 0, "i": " 7 ", "z": null, "bad": {"x": 1}}`))
	if err != nil {
		t.Fatal(err)
	}
	errs := &models.ValidationError{}
	f := newFields(body, "p.", errs)
	var n, s, z, bad string
	var b1, b0 = false, true
	var i int
	f.str("n", &n)
	f.str("s", &s)
	f.boolean("b1", &b1)
	f.boolean("b0", &b0)
	f.integer("i", &i)
	z = "kept"
	f.str("z", &z)
	f.str("bad", &bad)
	if n != "1001" || s != "1001" || !b1 || b0 || i != 7 || z != "kept" {
		t.Fatalf("got n=%q s=%q b1=%v b0=%v i=%d z=%q", n, s, b1, b0, i, z)
	}
	if errs.Fields["p.bad"] == "" {
		t.Fatalf("an object given for a string was not reported: %v", errs.Fields)
	}
}

func TestLineRowsAcceptsBothShapes(t *testing.T) {
	var columns, objects any
	_ = json.Unmarshal([]byte(`{"protocol": ["sip", "sccp"], "number": [1001, "1002"], "context": ["default", "default"]}`), &columns)
	_ = json.Unmarshal([]byte(`[{"protocol": "sip", "number": 1001, "context": "default"}, {"protocol": "sccp", "number": "1002", "context": "default"}]`), &objects)
	a, ok1 := lineRows(columns)
	b, ok2 := lineRows(objects)
	if !ok1 || !ok2 || len(a) != 2 || !reflect.DeepEqual(a, b) {
		t.Fatalf("columns → %v (%v), objects → %v (%v)", a, ok1, b, ok2)
	}
	if _, ok := lineRows("x"); ok {
		t.Fatal("a string was taken for lines")
	}
}

func TestEncodeJSONLikePHP(t *testing.T) {
	b, err := EncodeJSON(map[string]any{"a": "Jérôme/x", "b": "<&>", "e": "😀"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":"J\u00e9r\u00f4me\/x","b":"<&>","e":"\ud83d\ude00"}`
	if string(b) != want {
		t.Fatalf("got %s, want %s", b, want)
	}
	var back map[string]string
	if err := json.Unmarshal(b, &back); err != nil || back["a"] != "Jérôme/x" || back["e"] != "😀" {
		t.Fatalf("round trip: %v %v", back, err)
	}
}

func TestEncodeJSONLongListsMatchOneShotEncoding(t *testing.T) {
	items := make([]map[string]any, 40)
	for i := range items {
		items[i] = map[string]any{"id": i, "name": "x/é", "n": nil}
	}
	got, err := EncodeJSON(items)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(items)
	var a, b any
	if json.Unmarshal(got, &a) != nil || json.Unmarshal(want, &b) != nil || !reflect.DeepEqual(a, b) {
		t.Fatalf("item-by-item encoding differs:\n%s\n%s", got, want)
	}
	if e, _ := EncodeJSON([]int{}); string(e) != "[]" {
		t.Fatalf("empty slice: %s", e)
	}
}

func TestCreatedIsAQuotedIDAndNewline(t *testing.T) {
	if got := string(Created("42").Text); got != "\"42\"\n" {
		t.Fatalf("Created = %q", got)
	}
}

func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{
		`{"userfeatures": {"firstname": "Jack"}, "linefeatures": {"number": [1001], "secret": [null]}}`,
		`{"name": "entity1", "displayname": "Entity1"}`,
		`[]`, `{"a": "\n"}`, "{\"a\": \"\xff\"}", `{"a": [[[[{"b": 1e400}]]]]}`, ``, `nul`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeBody(b)
		if err != nil {
			var ve *models.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("error %v is not a ValidationError naming a field", err)
			}
			return
		}
		if !utf8.Valid(b) {
			t.Fatal("accepted invalid UTF-8")
		}
		// Whatever was accepted renders back to JSON and reads through every field reader.
		if _, err := EncodeJSON(m); err != nil {
			t.Fatalf("accepted body does not encode: %v", err)
		}
		errs := &models.ValidationError{}
		fl := newFields(m, "", errs)
		for k := range m {
			var s string
			var bo bool
			var n int
			fl.str(k, &s)
			fl.boolean(k, &bo)
			fl.integer(k, &n)
			fl.object(k)
			fl.list(k)
			if !models.Printable(s) {
				t.Fatalf("control character passed through in %q", k)
			}
		}
		_, _ = lineRows(m["linefeatures"])
	})
}

func TestUserListEncoderMatchesReflection(t *testing.T) {
	vm, cti, login, sub := 7, 2, "jdoe", "sub/x"
	us := []models.User{
		*models.NewUser(),
		{ID: 2, EntityID: 3, FirstName: "Jérôme 😀", LastName: `quo"te\back/slash`, CallerID: "\"Jérôme\"",
			VoicemailID: &vm, CTIProfileID: &cti, LoginClient: &login, PreprocessSubroutine: &sub,
			EnableClient: true, RingSeconds: 25, SimultCalls: 3, BSFilter: "boss", Description: "a\tb"},
	}
	got, release, err := RenderJSON(userList(us))
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	wire := make([]userWire, len(us))
	for i := range us {
		wire[i] = userToWire(&us[i])
	}
	want, err := EncodeJSON(wire)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("hand-written user encoder differs from reflection:\n%s\n%s", got, want)
	}
}
