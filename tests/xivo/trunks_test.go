package xivo_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"pbxws/tests/testenv"
	wsclient "pbxws/ws-client"
)

// local sends one private-mode json.php request from loopback: path is below
// /service/ipbx/json.php/private/, query follows "?".
type local struct {
	t   *testing.T
	env *testenv.Env
	hc  *http.Client
}

func newLocal(t *testing.T, env *testenv.Env) *local {
	return &local{t: t, env: env, hc: fromAddr("127.0.0.1")}
}

func (l *local) do(path, query, body string) (int, string) {
	l.t.Helper()
	var b []byte
	method := "GET"
	if body != "" {
		b, method = []byte(body), "POST"
	}
	st, _, out := send(l.t, l.hc, method, l.env.HTTPURL+"/service/ipbx/json.php/private/"+path+"?"+query, b, "Content-Type", "application/json")
	return st, out
}

// must sends and fails unless the answer is 200; it returns the body.
func (l *local) must(path, query, body string) string {
	l.t.Helper()
	st, out := l.do(path, query, body)
	if st != http.StatusOK {
		l.t.Fatalf("%s?%s: %d %s", path, query, st, out)
	}
	return out
}

// object decodes a 200 JSON object answer.
func (l *local) object(path, query string) map[string]any {
	l.t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(l.must(path, query, "")), &m); err != nil {
		l.t.Fatal(err)
	}
	return m
}

// rows decodes a 200 JSON list answer (nil for 204).
func (l *local) rows(path, query string) []map[string]any {
	l.t.Helper()
	st, out := l.do(path, query, "")
	if st == http.StatusNoContent {
		return nil
	}
	var m []map[string]any
	if st != http.StatusOK || json.Unmarshal([]byte(out), &m) != nil {
		l.t.Fatalf("%s?%s: %d %s", path, query, st, out)
	}
	return m
}

// wantField fails unless the answer is 400 and its body names field.
func (l *local) wantField(path, query, body, field string) {
	l.t.Helper()
	st, out := l.do(path, query, body)
	var e struct {
		Fields map[string]string `json:"fields"`
	}
	_ = json.Unmarshal([]byte(out), &e)
	if _, ok := e.Fields[field]; st != http.StatusBadRequest || !ok {
		l.t.Errorf("%s?%s %s: %d %s, want 400 naming %s", path, query, body, st, out, field)
	}
}

// count is a SELECT count(*) … on the database.
func count(t *testing.T, env *testenv.Env, query string, args ...any) int {
	t.Helper()
	var n int
	if err := env.DB.Get(&n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// setupContexts adds the entity-default contexts trunks and outcalls refer to.
func setupContexts(l *local) {
	for _, c := range []string{
		`{"context": {"name": "default", "displayname": "Default", "entity": "default", "contexttype": "internal"}, "contextinclude": [], "contextnumbers": {"user": [{"numberbeg": "1000", "numberend": "1999"}]}}`,
		`{"context": {"name": "from-extern", "displayname": "Incoming", "entity": "default", "contexttype": "incall"}, "contextinclude": []}`,
		`{"context": {"name": "to-extern", "displayname": "Outgoing", "entity": "default", "contexttype": "outcall"}, "contextinclude": []}`,
	} {
		l.must("system_management/context/", "act=add", c)
	}
}

// The trunks of xivo-ws-wire §8 I1-I3 through the Go client: SIP trunks static and dynamic
// (then edited), an IAX trunk, a custom trunk; each list has int ids and only its protocol.
func TestTrunksThroughTheClient(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx"}, false)
	setupContexts(newLocal(t, env))
	ctx := context.Background()
	c := wsclient.New("localhost", "admin", "secret", wsclient.WithBaseURL(env.HTTPURL))
	named := func(m map[string]any) (map[string]any, error) { _, _, err := wsclient.ParseNamed(m); return m, err }

	user, secret := "XiVO", "pass"
	r1, err := c.SIPTrunks().RawAdd(ctx, wsclient.SIPTrunkBody(wsclient.SIPTrunk{Name: "t1", Context: "from-extern", Host: "10.54.4.10", Username: &user, Secret: &secret}))
	if err != nil {
		t.Fatalf("I1 t1: %v", err)
	}
	if _, err := c.SIPTrunks().RawAdd(ctx, wsclient.SIPTrunkBody(wsclient.SIPTrunk{Name: "t2", Context: "from-extern"})); err != nil {
		t.Fatalf("I1 t2: %v", err)
	}
	sips, err := wsclient.ListTyped(ctx, c.SIPTrunks(), wsclient.ParseSIPTrunk)
	if err != nil || len(sips) != 2 {
		t.Fatalf("I1 list: %v %v", sips, err)
	}
	found, err := wsclient.SearchByName(ctx, c.SIPTrunks(), "t1", wsclient.ParseSIPTrunk, wsclient.SIPTrunkName)
	if err != nil || len(found) != 1 || strconv.Itoa(found[0].ID) != r1 {
		t.Fatalf("I1 search_by_name: %v %v", found, err)
	}
	var host, typ, transport, ctxName, username string
	if err := env.DB.QueryRow(`SELECT host, type, transport, context, username FROM trunks WHERE id = $1 AND protocol = 'sip'`, mustAtoi(r1)).
		Scan(&host, &typ, &transport, &ctxName, &username); err != nil || host != "10.54.4.10" || typ != "peer" || transport != "udp" || ctxName != "from-extern" || username != "XiVO" {
		t.Fatalf("I1 stored: %v %s %s %s %s %s", err, host, typ, transport, ctxName, username)
	}
	// sip_trunks.edit(t): the same body with the new host; the username it no longer sends stays.
	if err := c.SIPTrunks().RawEdit(ctx, r1, wsclient.SIPTrunkBody(wsclient.SIPTrunk{Name: "t1", Context: "from-extern", Host: "10.54.4.11"})); err != nil {
		t.Fatalf("I1 edit: %v", err)
	}
	if err := env.DB.QueryRow(`SELECT host, username FROM trunks WHERE id = $1`, mustAtoi(r1)).Scan(&host, &username); err != nil || host != "10.54.4.11" || username != "XiVO" {
		t.Fatalf("I1 edited: %v %s %s", err, host, username)
	}

	if _, err := c.IAXTrunks().RawAdd(ctx, wsclient.IAXTrunkBody(wsclient.IAXTrunk{Name: "i1", Context: "from-extern"})); err != nil {
		t.Fatalf("I2: %v", err)
	}
	if found, err := wsclient.SearchByName(ctx, c.IAXTrunks(), "i1", wsclient.ParseIAXTrunk, wsclient.IAXTrunkName); err != nil || len(found) != 1 || found[0].ID == 0 {
		t.Fatalf("I2 search_by_name: %v %v", found, err)
	}
	iaxs, err := wsclient.SearchTyped(ctx, c.IAXTrunks(), "i1", named)
	if err != nil || len(iaxs) != 1 || iaxs[0]["requirecalltoken"] != "auto" || iaxs[0]["host"] != "dynamic" {
		t.Fatalf("I2 search_by_name: %v %v", iaxs, err)
	}
	if _, err := c.CustomTrunks().RawAdd(ctx, wsclient.CustomTrunkBody(wsclient.CustomTrunk{Name: "c1", Interface: "dahdi/g1"})); err != nil {
		t.Fatalf("I3: %v", err)
	}
	customs, err := wsclient.ListTyped(ctx, c.CustomTrunks(), wsclient.ParseCustomTrunk)
	if err != nil || len(customs) != 1 || customs[0].Interface != "dahdi/g1" {
		t.Fatalf("I3 list: %v %v", customs, err)
	}
	if found, err := wsclient.SearchByName(ctx, c.CustomTrunks(), "c1", wsclient.ParseCustomTrunk, wsclient.CustomTrunkName); err != nil || len(found) != 1 {
		t.Fatalf("I3 search_by_name: %v %v", found, err)
	}
	// The typed view of custom trunks raises client-side; raw_view gets an object.
	if v, err := c.CustomTrunks().RawView(ctx, strconv.Itoa(customs[0].ID)); err != nil || v["protocol"] == nil {
		t.Fatalf("I3 raw view: %v %v", v, err)
	}
	if n := count(t, env, `SELECT count(*) FROM trunks`); n != 4 {
		t.Fatalf("%d trunks stored, want 4", n)
	}
	// K2, K3: unknown ids.
	for _, s := range []*wsclient.Service{c.SIPTrunks(), c.IAXTrunks(), c.CustomTrunks()} {
		if err := s.Delete(ctx, "999"); !wsclient.IsNotFound(err) {
			t.Errorf("%s delete unknown: %v", s.Name, err)
		}
		if err := s.DeleteIfExists(ctx, "999"); err != nil {
			t.Errorf("%s delete_if_exists: %v", s.Name, err)
		}
	}
}

// seedSIPTrunkView is the SIP trunk view of seed 004, posted back as an add body.
const seedSIPTrunkView = `{
 "protocol": {"name": "unittest", "username": "XiVO", "secret": "secretpassword", "callerid": "",
  "call-limit": "0", "host": "0.0.0.0", "type": "peer", "context": "from-extern", "language": "",
  "nat": "yes", "progressinband": "", "dtmfmode": "rfc2833", "rfc2833compensate": "", "qualify": "",
  "qualifyfreq": "", "rtptimeout": "", "rtpholdtimeout": "", "rtpkeepalive": "", "allowtransfer": "",
  "autoframing": "", "videosupport": "", "outboundproxy": "", "maxcallbitrate": "", "g726nonstandard": "",
  "timert1": "", "timerb": "", "registrertrying": "", "ignoresdpversion": "", "session-timers": "",
  "session-expires": "", "session-minse": "", "session-refresher": "", "disallow": "all",
  "allow": ["alaw", "ulaw", "gsm"], "insecure": "port,invite", "port": "5060", "permit": "", "deny": "",
  "trustrpid": "", "sendrpid": "", "allowsubscribe": "", "allowoverlap": "", "promiscredir": "",
  "usereqphone": "", "directmedia": "", "fromuser": "", "fromdomain": "", "amaflags": "default",
  "accountcode": "", "useclientcode": "", "transport": "udp", "remotesecret": "", "callcounter": "",
  "busylevel": "", "callbackextension": "", "contactpermit": "", "contactdeny": ""},
 "register": {"transport": "udp", "username": "XiVO", "password": "secretpassword", "authuser": "",
  "host": "0.0.0.0", "port": "5060", "contact": "", "expiry": ""},
 "trunkfeatures": {"description": ""}
}`

// The seed's SIP trunk view, posted as an add, is stored (settings without their defaults)
// and viewed back as the seed shows it; the list row carries the registration.
func TestSIPTrunkSeedViewRoundTrip(t *testing.T) {
	env := testenv.Start(t)
	l := newLocal(t, env)
	setupContexts(l)
	id := strings.Trim(strings.TrimSpace(l.must("trunk_management/sip/", "act=add", seedSIPTrunkView)), `"`)
	var opts string
	if err := env.DB.Get(&opts, `SELECT options::text FROM trunks WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	var stored map[string]string
	_ = json.Unmarshal([]byte(opts), &stored)
	if len(stored) != 3 || stored["allow"] != "alaw,ulaw,gsm" || stored["nat"] != "yes" || stored["insecure"] != "port,invite" {
		t.Fatalf("stored options %s, want only allow, nat and insecure", opts)
	}
	v := l.object("trunk_management/sip/", "act=view&id="+id)
	var seed map[string]any
	if err := json.Unmarshal([]byte(seedSIPTrunkView), &seed); err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"protocol", "register"} {
		got, want := v[part].(map[string]any), seed[part].(map[string]any)
		for k, w := range want {
			if g, _ := json.Marshal(got[k]); string(g) != mustJSON(w) {
				t.Errorf("view %s.%s = %s, want %s", part, k, g, mustJSON(w))
			}
		}
	}
	tf := v["trunkfeatures"].(map[string]any)
	if tf["description"] != "" || tf["protocol"] != "sip" || tf["id"] != float64(mustAtoi(id)) {
		t.Errorf("view trunkfeatures %v", tf)
	}
	rows := l.rows("trunk_management/sip/", "act=list")
	if len(rows) != 1 || rows[0]["call-limit"] != "" || rows[0]["allow"] != "alaw,ulaw,gsm" || rows[0]["identity"] != "SIP/unittest" || rows[0]["commented"] != false {
		t.Fatalf("list row %v", rows)
	}
	if reg, _ := rows[0]["register"].(map[string]any); reg["host"] != "0.0.0.0" || reg["commented"] != false {
		t.Fatalf("list row register %v", rows[0]["register"])
	}
	// The view posted back as an edit changes nothing.
	l.must("trunk_management/sip/", "act=edit&id="+id, mustJSON(v))
	var after string
	_ = env.DB.Get(&after, `SELECT options::text FROM trunks WHERE id = $1`, id)
	if after != opts {
		t.Fatalf("view posted back: options %s, were %s", after, opts)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// An edit changes what it names and keeps the rest: other peer settings, the registration,
// the description.
func TestSIPTrunkEditKeepsWhatTheBodyDoesNotMention(t *testing.T) {
	env := testenv.Start(t)
	l := newLocal(t, env)
	setupContexts(l)
	l.must("trunk_management/sip/", "act=add", seedSIPTrunkView)
	l.must("trunk_management/sip/", "act=edit&id=1", `{"trunkfeatures": {"description": "provider A"}}`)
	l.must("trunk_management/sip/", "act=edit&id=1", `{"protocol": {"secret": "other", "dtmfmode": "info"}}`)
	var secret, user, desc, host, opts, reg string
	if err := env.DB.QueryRow(`SELECT secret, username, description, host, options::text, register->>'host' FROM trunks WHERE id = 1`).
		Scan(&secret, &user, &desc, &host, &opts, &reg); err != nil {
		t.Fatal(err)
	}
	if secret != "other" || user != "XiVO" || desc != "provider A" || host != "0.0.0.0" || reg != "0.0.0.0" ||
		!strings.Contains(opts, `"dtmfmode": "info"`) || !strings.Contains(opts, `"allow": "alaw,ulaw,gsm"`) {
		t.Fatalf("after edits: %s %s %s %s %s %s", secret, user, desc, host, opts, reg)
	}
	// type=user forces a dynamic host; host-type static takes host-static.
	l.must("trunk_management/sip/", "act=edit&id=1", `{"protocol": {"host-type": "static", "host-static": "sip.example.com"}}`)
	_ = env.DB.Get(&host, `SELECT host FROM trunks WHERE id = 1`)
	if host != "sip.example.com" {
		t.Fatalf("host-static: %s", host)
	}
	l.must("trunk_management/sip/", "act=edit&id=1", `{"protocol": {"type": "user"}}`)
	_ = env.DB.Get(&host, `SELECT host FROM trunks WHERE id = 1`)
	if host != "dynamic" {
		t.Fatalf("type user: host %s", host)
	}
	if st, _ := l.do("trunk_management/sip/", "act=edit&id=99", `{"protocol": {"secret": "x"}}`); st != http.StatusNotFound {
		t.Fatalf("edit unknown: %d", st)
	}
}

// Bad input is a 400 naming the field and its rule, and the database is unchanged.
func TestTrunkBadInputIs400NamingTheField(t *testing.T) {
	env := testenv.Start(t)
	l := newLocal(t, env)
	setupContexts(l)
	l.must("trunk_management/sip/", "act=add", `{"protocol": {"name": "taken", "context": "from-extern"}, "trunkfeatures": {}}`)
	l.must("pbx_settings/users/", "act=add", `{"userfeatures": {"firstname": "A"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1001"], "name": ["linename"]}}`)
	before := count(t, env, `SELECT count(*) FROM trunks`)
	sip := func(p string) string {
		return `{"protocol": {"name": "t9", "context": "from-extern"` + p + `}, "trunkfeatures": {}}`
	}
	for _, tc := range []struct{ path, body, field string }{
		{"sip", `{"trunkfeatures": {}}`, "protocol"},
		{"sip", `{"protocol": {"name": "x", "context": "from-extern"}}`, "trunkfeatures"},
		{"sip", `{"protocol": "t9", "trunkfeatures": {}}`, "protocol"},
		{"sip", `{"protocol": {"context": "from-extern"}, "trunkfeatures": {}}`, "protocol.name"},
		{"sip", `{"protocol": {"name": "bad name!", "context": "from-extern"}, "trunkfeatures": {}}`, "protocol.name"},
		{"sip", `{"protocol": {"name": "t9"}, "trunkfeatures": {}}`, "protocol.context"},
		{"sip", `{"protocol": {"name": "t9", "context": "nowhere"}, "trunkfeatures": {}}`, "protocol.context"},
		{"sip", `{"protocol": {"name": "taken", "context": "from-extern"}, "trunkfeatures": {}}`, "protocol.name"},
		{"sip", `{"protocol": {"name": "linename", "context": "from-extern"}, "trunkfeatures": {}}`, "protocol.name"},
		{"sip", sip(`, "transport": "sctp"`), "protocol.transport"},
		{"sip", sip(`, "type": "master"`), "protocol.type"},
		{"sip", sip(`, "host": "bad host/x"`), "protocol.host"},
		{"sip", sip(`, "host-type": "static"`), "protocol.host-static"},
		{"sip", sip(`, "host-type": "sometimes"`), "protocol.host-type"},
		{"sip", sip(`, "secret": "a\r\nb"`), "protocol.secret"},
		{"sip", sip(`, "port": "70000"`), "protocol.port"},
		{"sip", sip(`, "dtmfmode": "loud"`), "protocol.dtmfmode"},
		{"sip", sip(`, "call-limit": "ten"`), "protocol.call-limit"},
		{"sip", sip(`, "allow": [["alaw"]]`), "protocol.allow"},
		{"sip", sip(`, "username": "` + strings.Repeat("u", 81) + `"`), "protocol.username"},
		{"sip", sip(`, "callerid": "` + strings.Repeat("c", 300) + `"`), "protocol.callerid"},
		{"sip", `{"protocol": {"name": "t9", "context": "from-extern"}, "trunkfeatures": {"description": "` + strings.Repeat("d", 1001) + `"}}`, "trunkfeatures.description"},
		{"sip", `{"protocol": {"name": "t9", "context": "from-extern"}, "trunkfeatures": {}, "register": {"username": "u", "host": "a b"}}`, "register.host"},
		{"sip", `{"protocol": {"name": "t9", "context": "from-extern"}, "trunkfeatures": {}, "register": {"username": "u", "host": "h", "port": "x"}}`, "register.port"},
		{"sip", `{"protocol": {"name": "t9", "context": "from-extern"}, "trunkfeatures": {}, "register": {"host": "h"}}`, "register.username"},
		{"sip", `not json`, "body"},
		{"iax", `{"protocol": {"name": "i9", "context": "from-extern", "requirecalltoken": "maybe"}, "trunkfeatures": {}}`, "protocol.requirecalltoken"},
		{"custom", `{"protocol": {"name": "c9"}, "trunkfeatures": {}}`, "protocol.interface"},
		{"custom", `{"protocol": {"name": "c9", "interface": "dahdi/g1", "context": "nowhere"}, "trunkfeatures": {}}`, "protocol.context"},
	} {
		l.wantField("trunk_management/"+tc.path+"/", "act=add", tc.body, tc.field)
	}
	l.wantField("trunk_management/sip/", "act=edit&id=1", `{"protocol": {"transport": "sctp"}}`, "protocol.transport")
	l.wantField("trunk_management/sip/", "act=edit&id=1", `{"protocol": {"context": "nowhere"}}`, "protocol.context")
	if n := count(t, env, `SELECT count(*) FROM trunks`); n != before {
		t.Fatalf("%d trunks after refused writes, want %d", n, before)
	}
	// Nor can a SIP line take a SIP trunk's name (both are peers of sip.conf).
	lines := count(t, env, `SELECT count(*) FROM lines`)
	l.wantField("pbx_settings/users/", "act=add", `{"userfeatures": {"firstname": "B"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1002"], "name": ["taken"]}}`, "linefeatures[0].name")
	if count(t, env, `SELECT count(*) FROM lines`) != lines {
		t.Fatal("a line took a trunk's name")
	}
	if n := count(t, env, `SELECT count(*) FROM trunks WHERE transport = 'udp' AND context = 'from-extern'`); n != 1 {
		t.Fatal("a refused edit changed the trunk")
	}
}

// Each endpoint sees only its protocol; IAX and custom trunks have no edit and deleteall;
// deleteall of SIP trunks removes them all in one go, 204 when there are none.
func TestTrunkEndpointsSeeOnlyTheirProtocol(t *testing.T) {
	env := testenv.Start(t)
	l := newLocal(t, env)
	setupContexts(l)
	l.must("trunk_management/sip/", "act=add", `{"protocol": {"name": "s1", "context": "from-extern"}, "trunkfeatures": {}}`)
	l.must("trunk_management/sip/", "act=add", `{"protocol": {"name": "s2", "context": "from-extern", "username": "acme"}, "trunkfeatures": {}}`)
	l.must("trunk_management/iax/", "act=add", `{"protocol": {"name": "s1", "context": "from-extern"}, "trunkfeatures": {}}`)
	l.must("trunk_management/custom/", "act=add", `{"protocol": {"name": "c1", "interface": "dahdi/g1", "context": null}, "trunkfeatures": {"description": null}}`)
	if st, _ := l.do("trunk_management/iax/", "act=view&id=1", ""); st != http.StatusNotFound {
		t.Fatalf("SIP trunk through the IAX endpoint: %d", st)
	}
	if rows := l.rows("trunk_management/iax/", ""); len(rows) != 1 || rows[0]["protocol"] != "iax" || rows[0]["identity"] != "IAX/s1" {
		t.Fatalf("IAX list: %v", rows)
	}
	if rows := l.rows("trunk_management/sip/", "act=search&search=acme"); len(rows) != 1 || rows[0]["name"] != "s2" {
		t.Fatalf("search by username: %v", rows)
	}
	if rows := l.rows("trunk_management/custom/", "act=search&search=dahdi"); len(rows) != 1 || rows[0]["name"] != "c1" {
		t.Fatalf("search by interface: %v", rows)
	}
	if rows := l.rows("trunk_management/sip/", "act=search&search=nomatch"); rows != nil {
		t.Fatalf("search nomatch: %v", rows)
	}
	for _, p := range []string{"iax", "custom"} {
		for _, act := range []string{"edit&id=3", "deleteall"} {
			if st, _ := l.do("trunk_management/"+p+"/", "act="+act, `{}`); st != http.StatusBadRequest {
				t.Errorf("%s act=%s: %d, want 400", p, act, st)
			}
		}
	}
	l.must("trunk_management/iax/", "act=delete&id=3", "")
	if st, _ := l.do("trunk_management/iax/", "act=delete&id=3", ""); st != http.StatusNotFound {
		t.Fatalf("second delete: %d", st)
	}
	l.must("trunk_management/sip/", "act=deleteall", "")
	if n := count(t, env, `SELECT count(*) FROM trunks`); n != 1 {
		t.Fatalf("deleteall left %d trunks, want the custom one", n)
	}
	if st, _ := l.do("trunk_management/sip/", "act=deleteall", ""); st != http.StatusNoContent {
		t.Fatalf("deleteall of none: %d", st)
	}
}
