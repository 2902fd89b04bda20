package handlers

import (
	"testing"
	"time"

	"pbxws/models"
)

// reference turns an answer built of jsonObjects back into the maps and structs the answers
// were built of before, so that EncodeJSON (encoding/json plus the PHP escaping pass) says
// what the bytes must be.
func reference(v any) any {
	switch v := v.(type) {
	case jsonObject:
		m := make(map[string]any, len(v))
		for _, mem := range v {
			m[mem.key] = reference(mem.val)
		}
		return m
	case []jsonObject:
		out := make([]any, len(v))
		for i, o := range v {
			out[i] = reference(o)
		}
		return out
	case userFeatures:
		return userToWire(v.u)
	}
	return v
}

func sameAsReflection(t *testing.T, name string, v any) {
	t.Helper()
	got, release, err := RenderJSON(v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer release()
	want, err := EncodeJSON(reference(v))
	if err != nil {
		t.Fatalf("%s: reference: %v", name, err)
	}
	if string(got) != string(want) {
		t.Fatalf("%s: object writer differs from encoding/json:\n got %s\nwant %s", name, got, want)
	}
}

func TestObjectWriterMatchesReflection(t *testing.T) {
	odd := "Jérôme 😀 \"q\" back\\slash a/b \b\f\x01\x7f \u2028 \xff end"
	vm, cti, login, sub, dev := 7, 2, "jdoe", "sub/x", "dev/1"
	owner := 2
	yes := true
	full := &models.UserComposite{
		User: models.User{ID: 2, EntityID: 3, FirstName: odd, LastName: `N/1`, CallerID: "\"x\"",
			VoicemailID: &vm, CTIProfileID: &cti, LoginClient: &login, PreprocessSubroutine: &sub,
			EnableClient: true, RingSeconds: 25, SimultCalls: 3, ScheduleID: 4},
		Lines: []models.Line{
			{ID: 5, UserID: &owner, Protocol: "sip", Name: "abc/1", Context: "default", Number: "1001",
				DeviceID: &dev, Options: models.Options{"host": "static", "zz/odd": odd, "name": "stored name"},
				OwnerFirstname: &odd, Registered: true},
			{ID: 6, Protocol: "custom", Interface: "DAHDI/g1/" + odd, Options: models.Options{}},
			{ID: 7, Protocol: "sccp", Options: nil},
		},
		Voicemail: &models.Voicemail{ID: 7, Context: "default", Mailbox: "1001", Fullname: odd, Attach: &yes,
			SkipCheckPass: true},
		DialActions: []models.DialAction{
			{Event: "noanswer", ActionType: "voicemail", Action: "7", ActionArg1: &odd},
			{Event: "busy", ActionType: "none", Linked: true},
		},
		RightCalls: []int{3, 1},
		FuncKeys:   []models.FuncKey{{FKNum: 1, Type: "user", TypeVal: "3", Label: odd, Supervision: true}},
		Members: []models.Membership{{Category: "group", QueueID: 4, Name: "g", Penalty: 1, Position: 2},
			{Category: "queue", QueueID: 5, Name: odd}},
		Entity:     &models.Entity{ID: 3, Name: "e/1", DisplayName: odd, DCreate: time.Unix(1700000000, 0)},
		EntityCtxs: []string{"default", odd},
	}
	bare := &models.UserComposite{User: *models.NewUser()}
	sameAsReflection(t, "full view", userView(full))
	sameAsReflection(t, "bare view", userView(bare))
	full.Lines[0].Registered = true
	sameAsReflection(t, "lines list", lineCodec{}.Rows(full.Lines))
	sameAsReflection(t, "one member twice", jsonObject{{"a", 1}, {"b", []string{"x", odd}}, {"a", "later"}, {"n", nil}, {"f", 1.5}})
}

func TestObjectRefusesEncodingJSON(t *testing.T) {
	if _, err := EncodeJSON(map[string]any{"x": jsonObject{{"a", 1}}}); err == nil {
		t.Fatal("a jsonObject inside a map encoded silently")
	}
}

// FuzzObjectWriter pins that any key and string value are written as encoding/json and the
// PHP escaping pass write them.
func FuzzObjectWriter(f *testing.F) {
	for _, s := range []string{"", "a/b", "Jérôme 😀", "\b\f\x00\x1f\x7f", "\xff\xfe", "\u2028\u2029", `"\`} {
		f.Add("k", s)
	}
	f.Fuzz(func(t *testing.T, key, val string) {
		sameAsReflection(t, "fuzzed", jsonObject{{key, val}, {"list", []string{val, key}}, {"n", &val}})
	})
}
