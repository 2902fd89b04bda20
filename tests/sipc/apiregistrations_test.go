package sipc_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
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
