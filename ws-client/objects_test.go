package wsclient

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
)

func sameJSON(t *testing.T, name string, got any, want string) {
	t.Helper()
	b, err := pyJSON(got)
	if err != nil {
		t.Fatal(err)
	}
	var a, w any
	_ = json.Unmarshal(b, &a)
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad expectation: %v", name, err)
	}
	if !reflect.DeepEqual(a, w) {
		t.Errorf("%s:\n got %s\nwant %s", name, b, want)
	}
}

func TestTypedBodiesMatchXivoWS(t *testing.T) {
	host, user, secret := "10.54.4.10", "u", "s"
	f := false
	sched := 3
	stripped, _ := OutcallBody(Outcall{Name: "o1", Context: "to-extern", Trunks: []any{1, 2},
		Extens: []OutcallExten{{Exten: "123", StripNum: 1, CallerID: "Foo"}, {Exten: "456", CallerID: "Bar"}}})
	for _, tc := range []struct {
		name string
		body any
		want string
	}{
		{"agent minimal", AgentBody(Agent{Firstname: "First", Number: "555", Context: "default"}),
			`{"agentfeatures": {"autologoff": "0", "context": "default", "firstname": "First", "number": "555", "numgroup": "1"}, "user-select": []}`},
		{"group", GroupBody(Group{Name: "huge", Number: 2034, Context: "default", UserIDs: []any{4}}),
			`{"groupfeatures": {"name": "huge", "context": "default", "timeout": "0", "number": 2034}, "queue": {}, "user": [4]}`},
		{"queue minimal", QueueBody(Queue{Name: "foo", DisplayName: "Foo bar", Number: "555", Context: "default"}),
			`{"queuefeatures": {"timeout": "0", "hitting_caller": true, "transfer_user": true, "name": "foo", "displayname": "Foo bar", "number": "555", "context": "default", "waittime": null, "waitratio": null},
			  "queue": {"musicclass": "default", "min-announce-frequency": "60", "announce-position": "yes", "announce-position-limit": "5", "timeoutpriority": "app", "ringinuse": true, "autofill": true, "setqueueentryvar": true, "setqueuevar": true, "strategy": "ringall", "maxlen": 0, "joinempty": null, "leavewhenempty": null, "autopause": true, "wrapuptime": 0},
			  "dialaction": {"noanswer": {"actiontype": "none"}, "busy": {"actiontype": "none"}, "congestion": {"actiontype": "none"}, "chanunavail": {"actiontype": "none"}, "qwaittime": {"actiontype": "none"}, "qwaitratio": {"actiontype": "none"}},
			  "agent": [], "user": []}`},
		{"queue full", QueueBody(Queue{Name: "q", DisplayName: "Q", Number: 3000, Context: "default", RingingTime: 10, Autopause: &f, ReachabilityTimeout: 30, ScheduleID: &sched, Agents: []any{1}, Users: []any{2}})["schedule_id"], `3`},
		{"incall", IncallBody(Incall{Number: "6001", Context: "from-extern", Destination: Destination{Type: "group", ID: 3}, CallerID: &CallerIDMode{Mode: "prepend", Display: "VIP"}}),
			`{"incall": {"exten": "6001", "context": "from-extern"}, "dialaction": {"answer": {"actiontype": "group", "actionarg1": 3, "actionarg2": ""}}, "callerid": {"mode": "prepend", "callerdisplay": "VIP"}}`},
		{"sip trunk static", SIPTrunkBody(SIPTrunk{Name: "t1", Context: "from-extern", Host: host, Username: &user, Secret: &secret}),
			`{"protocol": {"transport": "udp", "name": "t1", "context": "from-extern", "type": "peer", "username": "u", "secret": "s", "host-type": "static", "host-static": "10.54.4.10"}, "trunkfeatures": {}}`},
		{"iax trunk", IAXTrunkBody(IAXTrunk{Name: "i1", Context: "from-extern"}),
			`{"protocol": {"name": "i1", "context": "from-extern", "type": "peer", "host-type": "dynamic", "requirecalltoken": "auto"}, "trunkfeatures": {"description": null}}`},
		{"custom trunk", CustomTrunkBody(CustomTrunk{Name: "c1", Interface: "dahdi/g1"}),
			`{"protocol": {"name": "c1", "context": null, "interface": "dahdi/g1", "protocol": "custom"}, "trunkfeatures": {"protocolid": null, "registerid": null, "registercommented": null, "description": null}}`},
		{"outcall reversed with sentinel", stripped,
			`{"outcall": {"name": "o1", "context": "to-extern"}, "outcalltrunk": [1, 2], "dialpattern": {"id": ["0", "0", ""], "externprefix": ["", "", ""], "prefix": ["", "", ""], "exten": ["456", "123", ""], "stripnum": [0, 1, ""], "callerid": ["Bar", "Foo", ""]}}`},
		{"confroom", ConfRoomBody(ConfRoom{Name: "blue", Number: "4000", Context: "default"}),
			`{"meetmefeatures": {"name": "blue", "confno": "4000", "context": "default", "maxusers": "0", "admin_typefrom": "none", "user_mode": "all", "user_announcejoinleave": "no", "user_musiconhold": "default"}, "meetmeroom": {"confno": "4000"}}`},
		{"voicemail", VoicemailBody(Voicemail{Mailbox: "1200", Fullname: "Voicemail"}),
			`{"voicemail": {"mailbox": "1200", "fullname": "Voicemail", "password": null, "email": null, "tz": null}}`},
		{"skill rules", QueueSkillRulesBody(QueueSkillRules{Name: "r1", Rule: []string{"english > 50"}}), `{"name": "r1", "rule": ["english > 50"]}`},
		{"schedule", ScheduleBody(Schedule{EntityID: 1, Name: "huit_a_midi", Timezone: "America/Montreal", FallbackActionType: "endcall", FallbackAction: "hangup", Description: "",
			Opened: []map[string]any{{"hours": "08:00-12:00", "weekdays": "1-5", "monthdays": "1-31", "months": "1-12"}}}),
			`{"schedule": {"entity_id": 1, "name": "huit_a_midi", "timezone": "America/Montreal", "description": ""}, "dialaction": {"schedule_fallback": {"actiontype": "endcall", "action": "hangup"}}, "opened": [{"hours": "08:00-12:00", "weekdays": "1-5", "monthdays": "1-31", "months": "1-12"}], "closed": []}`},
		{"schedule without fallback", ScheduleBody(Schedule{Name: "s", Timezone: "UTC"})["dialaction"], `{"schedule_fallback": {"actiontype": "none"}}`},
	} {
		sameJSON(t, tc.name, tc.body, tc.want)
	}
	if _, err := OutcallBody(Outcall{Name: "x"}); err == nil {
		t.Error("an outcall without trunks was built")
	}
}

func TestSCCPAndCELOnTheWire(t *testing.T) {
	ctx := context.Background()
	c, got := wireServer(t, 200, `{"sccpgeneralsettings": {"directmedia": "yes", "dialtimeout": "6", "language": "fr_FR"}}`)
	on := true
	_ = c.EditSCCPGeneralSettings(ctx, SCCPGeneralSettings{DirectMedia: &on, DialTimeout: 5, Language: "en_US"})
	s, err := c.ViewSCCPGeneralSettings(ctx)
	if err != nil || s.DirectMedia == nil || !*s.DirectMedia || s.DialTimeout != 6 || s.Language != "fr_FR" {
		t.Fatalf("sccp view: %+v %v", s, err)
	}
	if g := (*got)[0]; g.rawQuery != "act=edit" || g.body != `{"dialtimeout": 5, "directmedia": 1, "language": "en_US"}` {
		t.Fatalf("sccp edit: %q %s", g.rawQuery, g.body)
	}
	if (*got)[1].rawQuery != "act=view" {
		t.Fatalf("sccp view query %q", (*got)[1].rawQuery)
	}
	c, got = wireServer(t, 200, `[]`)
	if evs, err := c.CELs(ctx, 200); err != nil || len(evs) != 0 || (*got)[0].rawQuery != "act=searchid&idbeg=200" {
		t.Fatalf("cels: %v %v", evs, err)
	}
	c, _ = wireServer(t, 204, ``)
	if _, err := c.CELs(ctx, 0); err == nil {
		t.Fatal("an empty CEL answer was accepted (xivo-ws crashes on it)")
	}
	c, _ = wireServer(t, 200, `[{"id": 1}]`)
	if _, err := c.CELs(ctx, 0); err == nil {
		t.Fatal("a CEL row without its 21 keys was accepted")
	}
}

func TestEveryRegistryServiceAnswersOnItsPath(t *testing.T) {
	ctx := context.Background()
	c, got := wireServer(t, 204, "")
	for _, name := range ServiceNames() {
		s := c.Service(name)
		if _, err := s.RawList(ctx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		last := (*got)[len(*got)-1]
		if last.path != s.Path || last.rawQuery != "act=list" {
			t.Errorf("%s: %s?%s", name, last.path, last.rawQuery)
		}
		for _, a := range []string{"add", "edit", "delete", "deleteall", "list", "search", "view"} {
			allowed := s.allows(a) == nil
			want := false
			for _, x := range s.Actions {
				want = want || x == a
			}
			if allowed != want {
				t.Errorf("%s.%s allowed=%v", name, a, allowed)
			}
		}
	}
	if len(ServiceNames()) != 22 {
		t.Fatalf("%d registry names, want 22", len(ServiceNames()))
	}
}

func TestReadersFollowXivoWS(t *testing.T) {
	obj := func(s string) map[string]any {
		m, err := decodeObject([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, err := ParseAgent(obj(`{"agentfeatures": {"id": 1, "firstname": "A", "lastname": "1", "passwd": "", "number": "1", "context": "default"}, "usermember": [{"id": 5}]}`), true)
	if err != nil || a.Users[0] != json.Number("5") || a.Number != "1" {
		t.Fatalf("agent view: %+v %v", a, err)
	}
	if a, err := ParseAgent(obj(`{"agentfeatures": {"id": 1, "firstname": "A", "lastname": "1", "passwd": "", "number": "1", "context": "d"}, "usermember": false}`), true); err != nil || a.Users != nil {
		t.Fatalf("agent view, falsy members: %+v %v", a, err)
	}
	g, err := ParseGroup(obj(`{"groupfeatures": {"id": "3", "name": "huge", "number": "2034", "context": "default"}, "user": [{"userid": 4}]}`), true)
	if err != nil || g.ID != 3 || g.UserIDs[0] != json.Number("4") {
		t.Fatalf("group view: %+v %v", g, err)
	}
	q, err := ParseQueue(obj(`{"queuefeatures": {"id": "35", "name": "q", "displayname": "Q", "number": "3000", "context": "d", "waittime": null, "waitratio": null, "timeout": "10"},
		"queue": {"maxlen": 0, "joinempty": null, "leavewhenempty": null, "wrapuptime": 0}, "agent": [{"userid": 1}], "user": [{"id": 2}], "schedule_id": 7}`), true)
	if err != nil || q.ID != 35 || q.RingingTime != 10 || *q.ScheduleID != 7 || q.Agents[0] != json.Number("1") || q.Users[0] != json.Number("2") {
		t.Fatalf("queue view: %+v %v", q, err)
	}
	if _, err := ParseQueue(obj(`{"id": 1, "name": "q", "displayname": "Q", "number": "1", "context": "d", "waittime": null, "waitratio": null, "timeout": "abc"}`), false); err == nil {
		t.Fatal("queue timeout abc accepted (xivo-ws crashes)")
	}
	if _, err := ParseQueue(obj(`{"queuefeatures": {"id": 1, "name": "q", "displayname": "Q", "number": "1", "context": "d", "waittime": null, "waitratio": null, "timeout": 0},
		"queue": {"maxlen": 0, "joinempty": null, "leavewhenempty": null, "wrapuptime": 0}, "agent": false, "user": false, "schedule_id": null}`), true); err == nil {
		t.Fatal("schedule_id null accepted (xivo-ws crashes)")
	}
	v, err := ParseVoicemail(obj(`{"uniqueid": "9", "mailbox": "1200", "fullname": "VM", "password": null, "email": null, "tz": null}`), false)
	if err != nil || v.ID != 9 || v.Mailbox != "1200" {
		t.Fatalf("voicemail: %+v %v", v, err)
	}
	s, err := ParseSchedule(obj(`{"schedule": {"id": 1, "entity_id": 1, "name": "s", "timezone": "UTC", "fallback_action": "endcall:hangup", "fallback_actionid": null, "fallback_actionargs": "", "description": ""},
		"opened": [{"hours": "08:00-12:00", "weekdays": "1-5", "monthdays": "1-31", "months": "1-12"}], "closed": []}`), true)
	if err != nil || s.FallbackAction != "endcall:hangup" || len(s.Opened) != 1 || s.EntityID != 1 {
		t.Fatalf("schedule: %+v %v", s, err)
	}
	r, err := ParseQueueSkillRules(obj(`{"id": "1", "name": "r1", "rule": ["english > 50"]}`))
	if err != nil || r.Rule[0] != "english > 50" {
		t.Fatalf("rules: %+v %v", r, err)
	}
	body, err := StatconfBody(Statconf{Name: "conf_1", HourStart: "08:00", HourEnd: "20:00", DBegCache: "2012-01", Monday: true})
	if err != nil || len(body["stats_conf"].(map[string]any)) != 19 {
		t.Fatalf("statconf body: %v %v", body, err)
	}
	if _, err := StatconfBody(Statconf{Name: "x", Queue: []any{1}}); err == nil {
		t.Fatal("queues without queue_qos accepted")
	}
}

func TestEveryServiceEveryActionOnTheWire(t *testing.T) {
	ctx := context.Background()
	for _, name := range ServiceNames() {
		c, got := wireServer(t, 200, `{}`)
		s := c.Service(name)
		_, _ = s.RawList(ctx)
		_, _ = s.RawSearch(ctx, "a b")
		_, _ = s.RawView(ctx, "7")
		_, _ = s.RawView(ctx, "")
		_, _ = s.RawAdd(ctx, map[string]any{"k": "v"})
		_ = s.RawEdit(ctx, "7", map[string]any{"k": "v"})
		_ = s.RawEdit(ctx, "", map[string]any{"k": "v"})
		_ = s.RawDelete(ctx, "7")
		_ = s.RawDeleteAll(ctx)
		want := []struct{ method, query, body string }{
			{"GET", "act=list", ""}, {"GET", "act=search&search=a+b", ""}, {"GET", "act=view&id=7", ""},
			{"GET", "act=view", ""}, {"POST", "act=add", `{"k": "v"}`}, {"POST", "act=edit&id=7", `{"k": "v"}`},
			{"POST", "act=edit", `{"k": "v"}`}, {"GET", "act=delete&id=7", ""}, {"GET", "act=deleteall", ""},
		}
		if len(*got) != len(want) {
			t.Fatalf("%s: %d requests", name, len(*got))
		}
		for i, w := range want {
			g := (*got)[i]
			if g.method != w.method || g.path != s.Path || g.rawQuery != w.query || g.body != w.body {
				t.Errorf("%s request %d: %s %s?%s %q, want %s %s?%s %q", name, i, g.method, g.path, g.rawQuery, g.body, w.method, s.Path, w.query, w.body)
			}
			if g.header.Get("Authorization") == "" || g.header.Get("User-Agent") != DefaultUserAgent || g.header.Get("Accept-Encoding") != "identity" {
				t.Errorf("%s request %d headers %v", name, i, g.header)
			}
		}
		// Typed calls refuse what the service does not offer, before sending anything.
		before := len(*got)
		if s.allows("deleteall") != nil {
			if err := s.DeleteAll(ctx); err == nil || len(*got) != before {
				t.Errorf("%s: typed deleteall went out", name)
			}
		}
	}
}
