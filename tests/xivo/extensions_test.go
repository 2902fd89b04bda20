package xivo_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"pbxws/tests/testenv"
)

// Free extensions: a context's ranges of one type less the numbers in use, as numbers, or as
// strings when a range keeps leading zeros; bad parameters are 400 naming them.
func TestFreeExtensionsOfAContext(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx"}, false)
	c := newClient(t, env)
	priv := func(path, body string) {
		t.Helper()
		if st, _, out := send(t, fromAddr("127.0.0.1"), "POST", env.HTTPURL+path, []byte(body), "Content-Type", "application/json"); st != 200 {
			t.Fatalf("%s: %d %s", path, st, out)
		}
	}
	priv("/service/ipbx/json.php/private/system_management/context/?act=add", `{"context": {"name": "default", "displayname": "Default", "entity": "default", "contexttype": "internal"},
		"contextinclude": [], "contextnumbers": {"user": [{"numberbeg": "100", "numberend": "110"}, {"numberbeg": "210"}], "group": [{"numberbeg": "300", "numberend": "302"}]}}`)
	priv("/service/ipbx/json.php/private/system_management/context/?act=add", `{"context": {"name": "zeros", "displayname": "Zeros", "entity": "default", "contexttype": "internal"},
		"contextinclude": [], "contextnumbers": {"user": [{"numberbeg": "0100", "numberend": "0103"}]}}`)
	for _, n := range []string{"103", "107", "108"} {
		priv(privUsers+"?act=add", `{"userfeatures": {"firstname": "U`+n+`"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["`+n+`"]}}`)
	}
	priv(privUsers+"?act=add", `{"userfeatures": {"firstname": "Z"}, "linefeatures": {"protocol": ["sip"], "context": ["zeros"], "number": ["0101"]}}`)
	const path = "/service/ipbx/json.php/restricted/system_management/extensions/"
	c.user, c.pass = "admin", "secret"
	get := func(q string) (int, string) {
		st, _, body := c.do("GET", path, q, nil)
		return st, string(body)
	}
	for _, tc := range []struct {
		q    string
		st   int
		body string
	}{
		{"context=default&obj=user", 200, "[100,101,102,104,105,106,109,110,210]"},
		{"act=search&context=default&obj=user&number=10", 200, "[100,101,102,104,105,106,109,110,210]"}, // contains, not starts with
		{"context=default&obj=user&number=0", 200, "[100,101,102,104,105,106,109,110,210]"},
		{"context=default&obj=user&number=5", 200, "[105]"},
		{"context=default&obj=user&number=21", 200, "[210]"},
		{"context=default&obj=user&number=99", 200, "[]"},
		{"context=default&obj=group", 200, "[300,301,302]"},
		{"context=zeros&obj=user", 200, `["0100","0102","0103"]`},
		{"context=default&obj=queue", http.StatusNoContent, ""},
		{"context=default", http.StatusNoContent, ""},
		{"context=nosuch&obj=user", http.StatusNotFound, ""},
	} {
		st, body := get(tc.q)
		if st != tc.st || (tc.st != http.StatusNotFound && body != tc.body) {
			t.Errorf("%s: %d %s, want %d %s", tc.q, st, body, tc.st, tc.body)
		}
	}
	for _, tc := range []struct{ q, field string }{
		{"obj=user", "context"},
		{"context=default&obj=trunk", "obj"},
		{"context=default&obj=user&number=1a", "number"},
	} {
		st, body := get(tc.q)
		var e struct {
			Fields map[string]string `json:"fields"`
		}
		if st != http.StatusBadRequest || json.Unmarshal([]byte(body), &e) != nil || e.Fields[tc.field] == "" {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.q, st, body, tc.field)
		}
	}
}
