package xivo_test

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"testing"

	"pbxws/tests/testenv"
)

// Wire details of the new json.php paths (trunks of every protocol share one id sequence), over raw HTTP: an empty list is 204 with no body,
// an add answers the id as a JSON string and a newline, a list honours sum (304) and carries
// an ETag, an unknown act is 400, the gate answers 401 without credentials and 403 for an
// account not granted the path, and every path is also in private mode.
func TestProvisioningPathsOnTheWire(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx"}, false)
	account(t, env, "users-only", "usersonly", "secret", nil, []string{"service/ipbx/pbx_settings/users"}, false)
	setupContexts(newLocal(t, env))
	hc := fromAddr("127.0.0.1")
	const root = "/service/ipbx/json.php/"
	for _, tc := range []struct{ path, add, id string }{
		{"trunk_management/sip/", `{"protocol": {"name": "t1", "context": "from-extern"}, "trunkfeatures": {}}`, "1"},
		{"trunk_management/iax/", `{"protocol": {"name": "i1", "context": "from-extern"}, "trunkfeatures": {}}`, "2"},
		{"trunk_management/custom/", `{"protocol": {"name": "c1", "interface": "dahdi/g1"}, "trunkfeatures": {}}`, "3"},
		{"call_management/outcall/", `{"outcall": {"name": "o1", "context": "to-extern"}, "outcalltrunk": [1]}`, "1"},
		{"pbx_services/parkinglot/", `{"name": "p1", "context": "default", "extension": "700", "positions": 10}`, "1"},
		{"pbx_services/phonebook/", `{"phonebook": {"displayname": "A"}}`, "1"},
	} {
		url := env.HTTPURL + root + "restricted/" + tc.path
		if st, _, body := send(t, hc, "GET", url+"?act=list", nil, "Basic", "admin:secret"); st != http.StatusNoContent || body != "" {
			t.Errorf("%s empty list: %d %q", tc.path, st, body)
		}
		st, h, body := send(t, hc, "POST", url+"?act=add", []byte(tc.add), "Basic", "admin:secret", "Content-Type", "application/json")
		if st != http.StatusOK || body != "\""+tc.id+"\"\n" || h.Get("Content-Type") != "application/json" {
			t.Errorf("%s add: %d %q %s", tc.path, st, body, h.Get("Content-Type"))
		}
		st, h, body = send(t, hc, "GET", url+"?act=list", nil, "Basic", "admin:secret")
		sum := md5.Sum([]byte(body))
		if st != http.StatusOK || h.Get("ETag") == "" {
			t.Errorf("%s list: %d etag %q", tc.path, st, h.Get("ETag"))
		}
		if st, _, body := send(t, hc, "GET", url+"?act=list&sum="+hex.EncodeToString(sum[:]), nil, "Basic", "admin:secret"); st != http.StatusNotModified || body != "" {
			t.Errorf("%s list with sum: %d %q", tc.path, st, body)
		}
		if st, _, _ := send(t, hc, "GET", url+"?act=view&id="+tc.id, nil, "Basic", "admin:secret"); st != http.StatusOK {
			t.Errorf("%s view: %d", tc.path, st)
		}
		if st, _, _ := send(t, hc, "GET", url+"?act=frobnicate", nil, "Basic", "admin:secret"); st != http.StatusBadRequest {
			t.Errorf("%s unknown act: %d", tc.path, st)
		}
		if st, h, _ := send(t, hc, "GET", url+"?act=list", nil); st != http.StatusUnauthorized || h.Get("WWW-Authenticate") == "" {
			t.Errorf("%s without credentials: %d", tc.path, st)
		}
		if st, _, _ := send(t, hc, "GET", url+"?act=list", nil, "Basic", "usersonly:secret"); st != http.StatusForbidden {
			t.Errorf("%s not granted: %d", tc.path, st)
		}
		if st, _, _ := send(t, hc, "GET", env.HTTPURL+root+"private/"+tc.path+"?act=list", nil); st != http.StatusOK {
			t.Errorf("%s private: %d", tc.path, st)
		}
	}
	for _, path := range []string{"general_settings/sip/", "general_settings/iax/", "general_settings/sccp/", "general_settings/voicemail/",
		"general_settings/phonebook/", "general_settings/advanced/", "pbx_services/extenfeatures/"} {
		for _, mode := range []string{"restricted/", "private/"} {
			if st, h, body := send(t, hc, "GET", env.HTTPURL+root+mode+path, nil, "Basic", "admin:secret"); st != http.StatusOK || h.Get("Content-Type") != "application/json" || body == "null" {
				t.Errorf("%s%s without act: %d %s", mode, path, st, body)
			}
		}
		if st, _, _ := send(t, hc, "GET", env.HTTPURL+root+"restricted/"+path+"?act=view", nil, "Basic", "usersonly:secret"); st != http.StatusForbidden {
			t.Errorf("%s not granted: %d", path, st)
		}
	}
}
