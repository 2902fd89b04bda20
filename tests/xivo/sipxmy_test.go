package xivo_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"pbxws/web"
)

// The sipX "my" resources act for the authenticated user.
func TestSipxMyResources(t *testing.T) {
	env, c := sipxSetup(t, func(cfg *web.Config) { cfg.AuthFreeFailures, cfg.AuthBanAfter = 100, 100 })
	id := addUser(t, c, `{"userfeatures": {"firstname": "Dee", "loginclient": "dee", "passwdclient": "deepin42"},
		"linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1042"], "secret": ["s3cretSIP"]},
		"voicemail": {"mailbox": "1042", "password": "1111"}}`)
	dee := newSipx(t, env, "dee", "deepin42")

	a := dee.send("GET", "/sipxconfig/rest/my/logindetails", "", "")
	if a.status != http.StatusOK || !strings.HasSuffix(a.body, `<login-details><userName>dee</userName><imId></imId><ldapImAuth>false</ldapImAuth><sipPassword>s3cretSIP</sipPassword></login-details>`) {
		t.Fatalf("logindetails: %d %s", a.status, a.body)
	}
	a = dee.send("GET", "/sipxconfig/rest/my/logindetails", "", "", "Accept", "application/json")
	var ld map[string]map[string]any
	if a.status != http.StatusOK || json.Unmarshal([]byte(a.body), &ld) != nil || ld["login-details"]["sipPassword"] != "s3cretSIP" || ld["login-details"]["ldapImAuth"] != false {
		t.Fatalf("logindetails JSON: %d %s", a.status, a.body)
	}
	if a = dee.send("GET", "/sipxconfig/rest/my/time", "", ""); a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") || len(a.body) < 10 {
		t.Fatalf("time: %d %q %s", a.status, a.header.Get("Content-Type"), a.body)
	}
	if a = dee.send("GET", "/sipxconfig/rest/my/portal/password/whatever1", "", ""); a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") == "" {
		t.Fatalf("GET on the password: %d", a.status)
	}

	// Voicemail PIN: refused short or not digits, then set (DB checked).
	for _, bad := range []string{"12", "12ab"} {
		if a = dee.send("PUT", "/sipxconfig/rest/my/voicemail/pin/"+bad, "", ""); a.status != http.StatusBadRequest || !strings.Contains(a.body, "Voicemail PIN") {
			t.Fatalf("pin %q: %d %s", bad, a.status, a.body)
		}
	}
	if a = dee.send("PUT", "/sipxconfig/rest/my/voicemail/pin/4321", "", ""); a.status != http.StatusOK {
		t.Fatalf("pin: %d %s", a.status, a.body)
	}
	var pin string
	if err := env.DB.Get(&pin, `SELECT v.password FROM voicemails v JOIN users u ON u.voicemail_id = v.id WHERE u.id = $1`, id); err != nil || pin != "4321" {
		t.Fatalf("stored pin %q %v", pin, err)
	}
	clerk := newSipx(t, env, "clerk", "clerkpin")
	if a = clerk.send("PUT", "/sipxconfig/rest/my/voicemail/pin/4321", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("pin of a user without a box: %d %s", a.status, a.body)
	}

	// Portal password: at least 8 characters; the new one opens, with Basic and Digest
	// under every login form, the old one no longer.
	if a = dee.send("PUT", "/sipxconfig/rest/my/portal/password/short", "", ""); a.status != http.StatusBadRequest || !strings.Contains(a.body, "at least 8") {
		t.Fatalf("short password: %d %s", a.status, a.body)
	}
	if a = dee.send("PUT", "/sipxconfig/rest/my/portal/password/n%C3%A9wpass99", "", ""); a.status != http.StatusOK {
		t.Fatalf("password: %d %s", a.status, a.body)
	}
	if a = dee.send("GET", "/sipxconfig/rest/my/time", "", ""); a.status != http.StatusUnauthorized {
		t.Fatalf("the old password still opens: %d", a.status)
	}
	for _, login := range []string{"dee", "1042"} {
		for _, digest := range []bool{false, true} {
			u := newSipx(t, env, login, "néwpass99")
			u.digest = digest
			if a = u.send("GET", "/sipxconfig/rest/my/time", "", ""); a.status != http.StatusOK {
				t.Fatalf("new password as %s (digest %v): %d %s", login, digest, a.status, a.body)
			}
		}
	}
}
