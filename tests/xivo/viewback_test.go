package xivo_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"pbxws/tests/testenv"
)

// A user's view posted back as its edit is accepted (its false parts, rightcall: false and
// dialaction: false among them, mean "none") and changes nothing; profileclient names a CTI
// profile whatever its case.
func TestUserViewPostedBackChangesNothing(t *testing.T) {
	env := testenv.Start(t)
	hc := fromAddr("127.0.0.1")
	post := func(path string, body []byte) string {
		t.Helper()
		st, _, out := send(t, hc, "POST", env.HTTPURL+path, body, "Content-Type", "application/json")
		if st != http.StatusOK {
			t.Fatalf("POST %s: %d %s", path, st, out)
		}
		return out
	}
	post("/service/ipbx/json.php/private/system_management/context/?act=add",
		[]byte(`{"context": {"name": "default", "displayname": "Default", "entity": "default", "contexttype": "internal"}, "contextinclude": [], "contextnumbers": {"user": [{"numberbeg": "1000", "numberend": "1999"}]}}`))
	post(privUsers+"?act=add", []byte(`{"userfeatures": {"firstname": "Jack", "lastname": "Johnson", "enableclient": true,
		"loginclient": "jack", "passwdclient": "secret1", "profileclient": "client"},
		"linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1001"]}}`))
	var profile string
	if err := env.DB.QueryRow(`SELECT p.name FROM users u JOIN cti_profiles p ON p.id = u.cti_profile_id WHERE u.id = 1`).Scan(&profile); err != nil || profile != "Client" {
		t.Fatalf("profileclient \"client\": stored profile %q %v, want Client", profile, err)
	}
	view := func() []byte {
		st, _, out := send(t, hc, "GET", env.HTTPURL+privUsers+"?act=view&id=1", nil)
		if st != http.StatusOK {
			t.Fatalf("view: %d %s", st, out)
		}
		return []byte(out)
	}
	before := view()
	var v map[string]any
	if err := json.Unmarshal(before, &v); err != nil {
		t.Fatal(err)
	}
	if v["rightcall"] != false || v["dialaction"] != false {
		t.Fatalf("the view does not show the empty parts as false: rightcall %v dialaction %v", v["rightcall"], v["dialaction"])
	}
	post(privUsers+"?act=edit&id=1", before)
	if after := view(); !bytes.Equal(before, after) {
		t.Fatalf("posting the view back changed it:\nbefore %s\nafter  %s", before, after)
	}
	var lines int
	if err := env.DB.QueryRow(`SELECT count(*) FROM lines WHERE user_id = 1`).Scan(&lines); err != nil || lines != 1 {
		t.Fatalf("%d lines after the edit, want 1 (%v)", lines, err)
	}
}
