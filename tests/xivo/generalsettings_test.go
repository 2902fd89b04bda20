package xivo_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"pbxws/tests/testenv"
	wsclient "pbxws/ws-client"
)

// settingsState is every section's stored value, to compare before and after.
func settingsState(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var s string
	if err := env.DB.Get(&s, `SELECT string_agg(section || '=' || value::text, ' ' ORDER BY section) FROM settings`); err != nil {
		t.Fatal(err)
	}
	return s
}

// xivo-ws-wire §8 J6: the SCCP singleton viewed nested with no id (defaults first), edited
// flat with no id and with an empty id; only what differs from the defaults is stored.
func TestSCCPGeneralSettingsThroughTheClient(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx"}, false)
	ctx := context.Background()
	c := wsclient.New("localhost", "admin", "secret", wsclient.WithBaseURL(env.HTTPURL))
	s, err := c.ViewSCCPGeneralSettings(ctx)
	if err != nil || s.DirectMedia == nil || *s.DirectMedia || s.DialTimeout != 5 || s.Language != "en_US" {
		t.Fatalf("J6 defaults: %+v %v", s, err)
	}
	on := true
	if err := c.EditSCCPGeneralSettings(ctx, wsclient.SCCPGeneralSettings{DirectMedia: &on, DialTimeout: 5, Language: "en_US"}); err != nil {
		t.Fatalf("J6 edit: %v", err)
	}
	if s, err = c.ViewSCCPGeneralSettings(ctx); err != nil || !*s.DirectMedia || s.DialTimeout != 5 {
		t.Fatalf("J6 after edit: %+v %v", s, err)
	}
	// act=edit&id= (xivo-ws-debug) is the same edit.
	cl := newClient(t, env)
	cl.user, cl.pass = "admin", "secret"
	if st, _, body := cl.do("POST", "/service/ipbx/json.php/restricted/general_settings/sccp/", "act=edit&id=", []byte(`{"directmedia": 1, "dialtimeout": 7, "language": "fr_FR"}`)); st != http.StatusOK {
		t.Fatalf("J6 edit with id=: %d %s", st, body)
	}
	var stored string
	_ = env.DB.Get(&stored, `SELECT value::text FROM settings WHERE section = 'sccp'`)
	if stored != `{"language": "fr_FR", "dialtimeout": 7, "directmedia": true}` {
		t.Fatalf("stored %s", stored)
	}
	if s, _ = c.ViewSCCPGeneralSettings(ctx); !*s.DirectMedia || s.DialTimeout != 7 || s.Language != "fr_FR" {
		t.Fatalf("J6 view: %+v", s)
	}
	// The raw view answers the nested shape with typed values; SCCP ignores sum (§5.1).
	st, _, raw := cl.do("GET", "/service/ipbx/json.php/restricted/general_settings/sccp/", "act=view", nil)
	sum := md5.Sum(raw)
	if st != http.StatusOK || !strings.Contains(string(raw), `"sccpgeneralsettings":{`) || !strings.Contains(string(raw), `"dialtimeout":7`) {
		t.Fatalf("raw view: %d %s", st, raw)
	}
	if st, _, _ := cl.do("GET", "/service/ipbx/json.php/restricted/general_settings/sccp/", "act=view&sum="+hex.EncodeToString(sum[:]), nil); st != http.StatusOK {
		t.Fatalf("sccp with sum: %d, want 200", st)
	}
}

// Every section: a request without an act views it (not XiVO's null); an edit naming one key
// keeps the others, including those an earlier edit set; grouped keys are read grouped or
// dotted; sum gives 304 where it is honoured.
func TestGeneralSettingsEditKeepsTheOtherKeys(t *testing.T) {
	env := testenv.Start(t)
	l := newLocal(t, env)
	for _, tc := range []struct {
		path, first, second string
		check               func(v map[string]any) bool
	}{
		{"general_settings/sip/", `{"bindport": "5070"}`, `{"nat": "force_rport", "srvlookup": "yes"}`, func(v map[string]any) bool {
			return v["bindport"] == float64(5070) && v["nat"] == "force_rport" && v["srvlookup"] == true && v["realm"] == "xivo"
		}},
		{"general_settings/iax/", `{"bandwidth": "low"}`, `{"maxauthreq": 10}`, func(v map[string]any) bool {
			return v["bandwidth"] == "low" && v["maxauthreq"] == float64(10) && v["bindport"] == float64(4569) && mustJSON(v["register"]) == "[]"
		}},
		{"general_settings/sip/", `{"register": ["udp://xivo:secret@sip.example.com/1000"]}`, `{"mwi": ["1000:pw@vm.example.com/1000"]}`, func(v map[string]any) bool {
			return mustJSON(v["register"]) == `["udp://xivo:secret@sip.example.com/1000"]` && mustJSON(v["mwi"]) == `["1000:pw@vm.example.com/1000"]` && v["bindport"] == float64(5070)
		}},
		{"general_settings/sccp/", `{"keepalive": 120}`, `{"language": "de_DE"}`, func(v map[string]any) bool {
			s := v["sccpgeneralsettings"].(map[string]any)
			return s["keepalive"] == float64(120) && s["language"] == "de_DE" && s["dialtimeout"] == float64(5)
		}},
		{"general_settings/voicemail/", `{"maxmsg": 50, "attach": 0}`, `{"format": "wav49|gsm"}`, func(v map[string]any) bool {
			return v["maxmsg"] == float64(50) && v["attach"] == false && v["format"] == "wav49|gsm" && v["envelope"] == true
		}},
		{"general_settings/voicemail/", `{"zonemessages": [{"name": "eu", "timezone": "Europe/Paris", "msg_format": "'vm-received' Q 'digits/at' HM"}]}`,
			`{"maxlogins": 5}`, func(v map[string]any) bool {
				z, _ := v["zonemessages"].([]any)
				return len(z) == 1 && z[0].(map[string]any)["timezone"] == "Europe/Paris" && v["maxlogins"] == float64(5) && v["maxmsg"] == float64(50)
			}},
		{"general_settings/iax/", `{"callnumberlimits": [{"destination": "10.0.0.0", "netmask": "255.0.0.0", "calllimits": "20"}]}`, `{}`, func(v map[string]any) bool {
			l, _ := v["callnumberlimits"].([]any)
			return len(l) == 1 && l[0].(map[string]any)["calllimits"] == float64(20) && v["bandwidth"] == "low"
		}},
		{"general_settings/sip/", `{"authentication": [{"user": "xivo", "secret": "pw", "realm": "example.com"}]}`, `{}`, func(v map[string]any) bool {
			a, _ := v["authentication"].([]any)
			return len(a) == 1 && a[0].(map[string]any)["realm"] == "example.com" && len(v["register"].([]any)) == 1
		}},
		{"general_settings/phonebook/", `{"accessfeatures": "10.0.0.0/8,192.168.1.10"}`, `{"ldapfilter": "(cn=*)"}`, func(v map[string]any) bool {
			return v["accessfeatures"] == "10.0.0.0/8,192.168.1.10" && v["ldapfilter"] == "(cn=*)" && v["xivoserver"] == ""
		}},
		{"general_settings/advanced/", `{"generalqueues": {"autofill": false}}`, `{"generalmeetme.audiobuffers": 16, "guest_active": true}`, func(v map[string]any) bool {
			q, m := v["generalqueues"].(map[string]any), v["generalmeetme"].(map[string]any)
			return q["autofill"] == false && q["persistentmembers"] == true && m["audiobuffers"] == float64(16) && v["guest_active"] == true
		}},
		{"queuelogger/configuration/", `{"db_uri": "postgresql://asterisk:pw@db.example.com/asterisk"}`, `{}`, func(v map[string]any) bool {
			return v["db_uri"] == "postgresql://asterisk:pw@db.example.com/asterisk"
		}},
	} {
		l.must(tc.path, "act=edit", tc.first)
		l.must(tc.path, "act=edit", tc.second)
		v := l.object(tc.path, "")
		if !tc.check(v) {
			t.Errorf("%s after two edits: %v", tc.path, v)
		}
		// The view posted back changes nothing.
		before := settingsState(t, env)
		l.must(tc.path, "act=edit", mustJSON(v))
		if after := settingsState(t, env); after != before {
			t.Errorf("%s view posted back: %s, was %s", tc.path, after, before)
		}
		if st, _ := l.do(tc.path, "act=list", ""); st != http.StatusBadRequest {
			t.Errorf("%s act=list: %d, want 400", tc.path, st)
		}
	}
	st, _, raw := send(t, l.hc, "GET", env.HTTPURL+"/service/ipbx/json.php/private/general_settings/sip/?act=view", nil)
	sum := md5.Sum([]byte(raw))
	if st2, _, _ := send(t, l.hc, "GET", env.HTTPURL+"/service/ipbx/json.php/private/general_settings/sip/?act=view&sum="+hex.EncodeToString(sum[:]), nil); st != 200 || st2 != http.StatusNotModified {
		t.Fatalf("sip view with sum: %d then %d, want 200 then 304", st, st2)
	}
	// The queue logger's configuration answers private mode only.
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx"}, false)
	if st, _, _ := send(t, l.hc, "GET", env.HTTPURL+"/service/ipbx/json.php/restricted/queuelogger/configuration/", nil, "Basic", "admin:secret"); st != http.StatusNotFound {
		t.Fatalf("restricted queuelogger: %d, want 404", st)
	}
}

// A bad value is a 400 naming the key and its rule, and no section changes.
func TestGeneralSettingsBadValuesAre400NamingTheKey(t *testing.T) {
	env := testenv.Start(t)
	l := newLocal(t, env)
	l.must("general_settings/sip/", "act=edit", `{"useragent": "Acme PBX"}`)
	before := settingsState(t, env)
	for _, tc := range []struct{ path, body, field string }{
		{"sip", `{"bindport": 70000}`, "bindport"},
		{"sip", `{"bindport": "50x"}`, "bindport"},
		{"sip", `{"nat": "maybe"}`, "nat"},
		{"sip", `{"srvlookup": "perhaps"}`, "srvlookup"},
		{"sip", `{"realm": "a\r\nb"}`, "realm"},
		{"sip", `{"realm": "a b"}`, "realm"},
		{"sip", `{"useragent": "` + strings.Repeat("u", 81) + `"}`, "useragent"},
		{"sip", `{"transport": "udp,sctp"}`, "transport"},
		{"sip", `{"useragent": "ok", "frobnicate": 1}`, "frobnicate"},
		{"sip", `{"useragent": ["a"]}`, "useragent"},
		{"iax", `{"bandwidth": "ultra"}`, "bandwidth"},
		{"sip", `{"register": "user@host"}`, "register"},
		{"sip", `{"register": ["no at sign"]}`, "register"},
		{"sip", `{"register": [["x"]]}`, "register"},
		{"sip", `{"authentication": [{"user": "a b"}]}`, "authentication"},
		{"sip", `{"authentication": {"user": "a"}}`, "authentication"},
		{"iax", `{"callnumberlimits": [{"destination": "10.0.0.1", "calllimits": -1}]}`, "callnumberlimits"},
		{"iax", `{"callnumberlimits": [{"destination": "10.0.0.1", "limit": 3}]}`, "callnumberlimits"},
		{"voicemail", `{"zonemessages": ["eu"]}`, "zonemessages"},
		{"iax", `{"maxjitterbuffer": -1}`, "maxjitterbuffer"},
		{"sccp", `{"dialtimeout": "abc"}`, "dialtimeout"},
		{"sccp", `{"dialtimeout": 0}`, "dialtimeout"},
		{"sccp", `{"language": "english"}`, "language"},
		{"sccp", `{"directmedia": 2.5}`, "directmedia"},
		{"voicemail", `{"maxmsg": 0}`, "maxmsg"},
		{"voicemail", `{"format": "mp3"}`, "format"},
		{"voicemail", `{"charset": "EBCDIC"}`, "charset"},
		{"phonebook", `{"accessfeatures": "10.0.0.1 10.0.0.2"}`, "accessfeatures"},
		{"advanced", `{"generalmeetme": {"audiobuffers": 64}}`, "generalmeetme.audiobuffers"},
		{"advanced", `{"generalqueues": {"monitor-type": "Tape"}}`, "generalqueues.monitor-type"},
		{"advanced", `{"general": {"nope": 1}}`, "general.nope"},
		{"advanced", `{"general": {"timezone": "Europe/Paris; rm"}}`, "general.timezone"},
		{"sip", `[1]`, "body"},
	} {
		l.wantField("general_settings/"+tc.path+"/", "act=edit", tc.body, tc.field)
	}
	l.wantField("queuelogger/configuration/", "act=edit", `{"db_uri": "not a uri"}`, "db_uri")
	if after := settingsState(t, env); after != before {
		t.Fatalf("refused edits changed the settings: %s, was %s", after, before)
	}
	var v map[string]any
	_ = json.Unmarshal([]byte(l.must("general_settings/sip/", "act=view", "")), &v)
	if v["useragent"] != "Acme PBX" {
		t.Fatalf("sip view: %v", v)
	}
}
