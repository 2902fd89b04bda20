package sipc_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sendBody is do with a request body.
func sendBody(t *testing.T, hc *http.Client, method, url, ctype, body string, hdr ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(raw)}
}

// sipX sendProfile (sipx-api.md §7.7): a phone whose line 201 is registered (a real REGISTER,
// Digest with the line's secret, its contact a sipp listening as the phone) gets an
// out-of-dialog NOTIFY "Event: check-sync" from pbxws, and "check-sync;reboot=true" for
// …/restart, by phone and by user; a phone nobody registered for counts as not registered.
func TestSipxAPISendProfileNotifiesTheRegisteredPhone(t *testing.T) {
	env := start(t)
	postJSON(t, env, "/service/ipbx/json.php/private/pbx_settings/users/", "act=add", map[string]any{
		"userfeatures": map[string]any{"firstname": "Super", "loginclient": "superadmin", "passwdclient": "password", "admin": true}})
	hc := httpc(env, "")
	api := env.HTTPSURL + "/sipxconfig/api/phones"
	auth := basic("superadmin", "password")
	for _, body := range []string{`{"serialNo":"0004f2000201","model":{"modelId":"polycom335"}}`, `{"serialNo":"0004f2000202","model":{"modelId":"polycom335"}}`} {
		if a := sendBody(t, hc, "POST", api, "application/json", body, "Authorization", auth); a.status != 200 {
			t.Fatalf("POST phone: %d %s", a.status, a.body)
		}
	}
	if a := sendBody(t, hc, "POST", api+"/1/lines", "application/json", `{"user":"201"}`, "Authorization", auth); a.status != 200 {
		t.Fatalf("POST line: %d %s", a.status, a.body)
	}
	if a := sendBody(t, hc, "POST", api+"/2/lines", "application/json", `{"user":"202"}`, "Authorization", auth); a.status != 200 {
		t.Fatalf("POST line: %d %s", a.status, a.body)
	}

	phone := startSipp(t, "uas-checksync.xml", 2)
	reg := startSipp(t, "uac-register-contact.xml", 1, "-au", "201", "-ap", u201.secret, "-auth_uri", domain,
		"-key", "contact_port", strconv.Itoa(phone.port), env.Server.SIPAddr())
	reg.mustPass(20 * time.Second)

	for _, x := range []struct{ path, want string }{
		{"/1/sendProfile", `{"notified":1,"notRegistered":0}`},
		{"/user/name/201/sendProfile/restart", `{"notified":1,"notRegistered":0}`},
	} {
		if a := sendBody(t, hc, "PUT", api+x.path, "", "", "Authorization", auth); a.status != 200 || a.body != x.want {
			t.Fatalf("PUT %s: %d %s", x.path, a.status, a.body)
		}
	}
	phone.mustPass(20 * time.Second)
	if log := phone.log(); !strings.Contains(log, "event= check-sync\n") || !strings.Contains(log, "event= check-sync;reboot=true\n") {
		t.Fatalf("the phone's NOTIFYs:\n%s\n--- messages:\n%s", log, phone.file("msg"))
	}
	if msg := phone.file("msg"); !strings.Contains(msg, "NOTIFY sip:201@127.0.0.1:"+strconv.Itoa(phone.port)) {
		t.Fatalf("NOTIFY Request-URI:\n%s", msg)
	}
	// Phone 2's line is not registered: nobody is told.
	if a := sendBody(t, hc, "PUT", api+"/sendProfile", "application/json", `{"ids":[2]}`, "Authorization", auth); a.status != 200 || a.body != `{"notified":0,"notRegistered":1}` {
		t.Fatalf("PUT ids: %d %s", a.status, a.body)
	}
}
