package handlers

import (
	"testing"

	"pbxws/models"
)

// decodeAll runs a body through every codec of the IPBX families, on add and on edit.
func decodeAll(body map[string]any) {
	_, _ = groupCodec{xivoGroupNames}.Decode(body, &models.GroupComposite{Group: models.Group{ID: 1}, Members: []int{1}})
	_, _ = groupCodec{xivoGroupNames}.Decode(body, &models.GroupComposite{})
	_, _ = confRoomCodec{xivoConfRoomNames}.Decode(body, models.NewConfRoom())
	_, _ = voicemailCodec{xivoVoicemailNames}.Decode(body, &models.Voicemail{})
	_, _ = incallCodec{xivoIncallNames}.Decode(body, &models.IncallComposite{})
	_, _ = scheduleCodec{xivoScheduleNames}.Decode(body, &models.ScheduleComposite{Closed: []models.SchedulePeriod{{}}})
	_, _ = pickupCodec{xivoPickupNames}.Decode(body, &models.PickupComposite{Members: []models.PickupMember{{Category: "member"}}})
}

// The IPBX codecs take any decoded body without panicking, and whatever they accept
// renders again.
func FuzzIPBXCodecs(f *testing.F) {
	for _, seed := range []string{
		`{"groupfeatures": {"name": "g", "context": "default", "number": 2001, "timeout": "0"}, "queue": {}, "user": [1, "2", {"userid": 3}]}`,
		`{"meetmefeatures": {"name": "blue", "confno": "4000", "context": "default"}, "meetmeroom": {"confno": "4000"}}`,
		`{"voicemail": {"mailbox": "1200", "fullname": "VM", "password": null, "email": null, "tz": null}}`,
		`{"incall": {"exten": 6001, "context": "from-extern", "destination": "endcall", "action": "busy"}, "callerid": {"mode": "prepend"}}`,
		`{"incall": {"exten": "6001"}, "dialaction": {"answer": {"actiontype": "group", "actionarg1": 3}}, "callerid": false}`,
		`{"schedule": {"name": "s"}, "dialaction": {"schedule_fallback": {"actiontype": "sound", "actionarg2": ["a", "b"]}, "1": {"actiontype": "none"}},
		  "opened": [{"hours": "08:00-12:00"}], "closed": [{"hours": "00:00-24:00", "action": "endcall:hangup"}]}`,
		`{"name": "p", "members": [{"category": "member", "membertype": "user", "memberid": 1}], "pickups": [{"membertype": "group", "memberid": "2"}]}`,
		`{"user": false, "dialaction": false, "opened": false, "closed": [1], "members": "x"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		body, err := DecodeBody(raw)
		if err != nil {
			return
		}
		decodeAll(body)
		if g, err := (groupCodec{xivoGroupNames}).Decode(body, &models.GroupComposite{}); err == nil {
			if _, _, err := RenderJSON(groupView(g)); err != nil {
				t.Fatal(err)
			}
		}
		if s, err := (scheduleCodec{xivoScheduleNames}).Decode(body, &models.ScheduleComposite{}); err == nil {
			if _, _, err := RenderJSON(scheduleView(s)); err != nil {
				t.Fatal(err)
			}
		}
		if i, err := (incallCodec{xivoIncallNames}).Decode(body, &models.IncallComposite{}); err == nil {
			if _, _, err := RenderJSON(incallView(i)); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// A schedule's destination arguments sent as a list (xivo-ws) or a map (the original's
// parts) are stored as text; a view's closed row posted back keeps its action.
func TestScheduleDecodingFlattensArguments(t *testing.T) {
	body, err := DecodeBody([]byte(`{"schedule": {"name": "s"},
		"dialaction": {"schedule_fallback": {"actiontype": "voicemail", "actionarg1": 3, "actionarg2": ["u", "b"]}},
		"closed": [{"hours": "00:00-24:00", "action": "endcall:hangup"}, {"hours": "00:00-24:00", "dialaction": {"actiontype": "sound", "actionarg2": {"a": 1, "b": 1}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := scheduleCodec{xivoScheduleNames}.Decode(body, &models.ScheduleComposite{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Fallback == nil || *c.Fallback.ActionArg2 != "u;b" || *c.Fallback.ActionArg1 != "3" {
		t.Fatalf("fallback %+v", c.Fallback)
	}
	if len(c.Closed) != 2 || c.Closed[0].Action == nil || c.Closed[0].Action.Action != "endcall:hangup" ||
		c.Closed[1].Action == nil || *c.Closed[1].Action.ActionArg2 != "a;b;" {
		t.Fatalf("closed %+v", c.Closed)
	}
}
