package sipc_test

import (
	"encoding/json"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
)

// A real REGISTER (sipp, Digest with the line's secret) shows in sipX's
// /api/registrations with its Call-ID, Contact and expiry, and DELETE by user removes the
// binding from the registrar: calls to the line no longer find it.
func TestSipxAPIRegistrationFromSipp(t *testing.T) {
	env := start(t)
	postJSON(t, env, "/service/ipbx/json.php/private/pbx_settings/users/", "act=add", map[string]any{
		"userfeatures": map[string]any{"firstname": "Super", "loginclient": "superadmin", "passwdclient": "password", "admin": true}})
	phone := startSipp(t, "uac-register.xml", 1, "-au", "201", "-ap", u201.secret, "-cid_str", "api-registrations-%u@sipp.test", "-auth_uri", domain, env.Server.SIPAddr())
	phone.mustPass(20 * time.Second)
	hc := httpc(env, "")
	api := env.HTTPSURL + "/sipxconfig/api/registrations"
	auth := basic("superadmin", "password")
	var doc struct {
		Registrations []struct {
			URI             string `json:"uri"`
			Contact         string `json:"contact"`
			Expires         int64  `json:"expires"`
			RegCallID       string `json:"regCallId"`
			Identity        string `json:"identity"`
			Status          string `json:"status"`
			SecondsToExpire int    `json:"secondsToExpire"`
		} `json:"registrations"`
	}
	for _, path := range []string{"/callId/api-registrations-1@sipp.test", "/user/201", "/ip/127.0.0.1", ""} {
		a := do(t, hc, "GET", api+path, "Authorization", auth)
		doc.Registrations = nil
		if a.status != 200 || json.Unmarshal([]byte(a.body), &doc) != nil || len(doc.Registrations) != 1 {
			t.Fatalf("GET %s: %d %s", path, a.status, a.body)
		}
		r := doc.Registrations[0]
		now := time.Now().UnixMilli()
		if r.RegCallID != "api-registrations-1@sipp.test" || r.URI != "sip:201@example.test" || r.Identity != "201@example.test" ||
			r.Contact != "sip:201@127.0.0.1:"+strconv.Itoa(phone.port) || r.Status != "active" ||
			r.SecondsToExpire < 280 || r.SecondsToExpire > 300 || r.Expires < now+280_000 || r.Expires > now+301_000 {
			t.Fatalf("GET %s: %+v", path, r)
		}
	}
	if a := do(t, hc, "GET", api+".xml", "Authorization", auth); a.status != 200 ||
		!strings.Contains(a.body, "<regCallId>api-registrations-1@sipp.test</regCallId>") {
		t.Fatalf("XML: %d %s", a.status, a.body)
	}
	// Unregister through sipX: the binding is gone from the registrar's table and the list.
	if a := do(t, hc, "DELETE", api+"/user/201", "Authorization", auth); a.status != 200 || a.body != "" {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	if cs := contactsOf(t, env, "201"); len(cs) != 0 {
		t.Fatalf("bindings left: %q", cs)
	}
	if a := do(t, hc, "GET", api+"/user/201", "Authorization", auth); a.status != 200 || a.body != `{"registrations":[]}` {
		t.Fatalf("after DELETE: %d %s", a.status, a.body)
	}
}

// A real phone (baresip) registers with pbxws: sipX's /api/registrations shows its binding
// with the Call-ID and expiry of its REGISTER; sendProfile reaches it as a check-sync NOTIFY;
// DELETE removes the binding, and the next call to the line no longer rings it.
func TestSipxAPIRegistrationOfBaresip(t *testing.T) {
	// pbxws's log says what became of each check-sync NOTIFY (baresip prints nothing).
	logs := &testenv.SyncBuffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })
	env := start(t)
	postJSON(t, env, "/service/ipbx/json.php/private/pbx_settings/users/", "act=add", map[string]any{
		"userfeatures": map[string]any{"firstname": "Boss", "loginclient": "boss", "passwdclient": "bosspin1", "admin": true}})
	b := startBaresip(t, u201, env.Server.SIPAddr())
	var callID string
	var expiresIn int
	if err := env.DB.QueryRow(`SELECT callid, floor(EXTRACT(EPOCH FROM expires - localtimestamp))::int FROM registrations WHERE username = '201'`).
		Scan(&callID, &expiresIn); err != nil || callID == "" {
		t.Fatalf("the phone's binding: %q %v", callID, err)
	}
	hc := httpc(env, "")
	api := env.HTTPSURL + "/sipxconfig/api"
	auth := basic("boss", "bosspin1")
	var doc struct {
		Registrations []struct {
			Contact         string `json:"contact"`
			Expires         int64  `json:"expires"`
			RegCallID       string `json:"regCallId"`
			SecondsToExpire int    `json:"secondsToExpire"`
		} `json:"registrations"`
	}
	a := do(t, hc, "GET", api+"/registrations/user/201", "Authorization", auth)
	if a.status != 200 || json.Unmarshal([]byte(a.body), &doc) != nil || len(doc.Registrations) != 1 {
		t.Fatalf("GET: %d %s", a.status, a.body)
	}
	r, now := doc.Registrations[0], time.Now().UnixMilli()
	if r.RegCallID != callID || r.SecondsToExpire < expiresIn-5 || r.SecondsToExpire > expiresIn ||
		r.Expires < now+int64(expiresIn-5)*1000 || r.Expires > now+int64(expiresIn+1)*1000 || !strings.Contains(r.Contact, "127.0.0.1") {
		t.Fatalf("the binding of baresip (Call-ID %s, %d s): %+v", callID, expiresIn, r)
	}

	// sendProfile: a phone holding line 201 is told to check its profile, and baresip gets it.
	if _, err := env.DB.Exec(`INSERT INTO devices (id, mac, vendor, model) VALUES ('p201', '00:04:f2:00:02:01', 'Polycom', 'VVX410');
		UPDATE lines SET device_id = 'p201' WHERE name = '201'`); err != nil {
		t.Fatal(err)
	}
	// baresip's answer, whatever it is (it knows no check-sync event), comes back from it:
	// pbxws logs it at DEBUG, the registrar's stored level (heard asynchronously, hence
	// sent again until it shows).
	putSetting(t, env, "SIP_REGISTRAR_LOG_LEVEL", "DEBUG")
	port := strings.TrimSuffix(r.Contact[strings.LastIndex(r.Contact, ":")+1:], ">")
	answered := regexp.MustCompile(`check-sync NOTIFY (answered|refused)"?[^\n]* contact=sip:201[^ @]*@127\.0\.0\.1:` + regexp.QuoteMeta(port) + `[^ ]* status=\d+`)
	deadline := time.Now().Add(15 * time.Second)
	for !answered.MatchString(logs.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no answer from baresip to the check-sync NOTIFY (contact %s):\n%s", r.Contact, logs.String())
		}
		if a := do(t, hc, "PUT", api+"/phones/0004f2000201/sendProfile", "Authorization", auth); a.status != 200 || a.body != `{"notified":1,"notRegistered":0}` {
			t.Fatalf("sendProfile: %d %s", a.status, a.body)
		}
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end) && !answered.MatchString(logs.String()); {
			time.Sleep(50 * time.Millisecond)
		}
	}

	// Unregistered through sipX: the binding goes, and a call to 201 rings no phone.
	if a := do(t, hc, "DELETE", api+"/registrations/user/201", "Authorization", auth); a.status != 200 {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	if cs := contactsOf(t, env, "201"); len(cs) != 0 {
		t.Fatalf("bindings left: %q", cs)
	}
	before := strings.Count(b.output(), "Incoming call")
	a = do(t, httpc(env, ""), "POST", ccURL(env, "201", "202", ""))
	lines := waitStatus(t, env, "/callcontroller/201/202", 15*time.Second, func(l []string) bool { return len(l) > 0 })
	if strings.Count(b.output(), "Incoming call") != before || hasInOrder(codes(lines), "INVITE 200") {
		t.Fatalf("a call after the DELETE reached the unregistered phone (POST %d): %q\n%s", a.status, lines, b.output())
	}
}
