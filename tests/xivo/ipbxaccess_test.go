package xivo_test

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"pbxws/tests/testenv"
)

// Each new IPBX service is its own section: an account granted another section gets 403,
// one granted the section (or service/ipbx) is served, no credentials get 401, and private
// mode answers loopback; an empty list is a 204 with an empty body, and sum/ETag work as on
// every json.php answer.
func TestIPBXServicesAreGatedBySection(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "other", "other", "secret", nil, []string{"service/ipbx/pbx_settings/users"}, false)
	account(t, env, "all", "all", "secret", nil, []string{"service/ipbx"}, false)
	for _, path := range []string{"pbx_settings/groups", "pbx_settings/meetme", "pbx_settings/voicemail",
		"call_management/incall", "call_management/schedule", "call_management/pickup"} {
		restricted := "/service/ipbx/json.php/restricted/" + path + "/"
		login := strings.ReplaceAll(path, "/", "-")
		account(t, env, login, login, "secret", nil, []string{"service/ipbx/" + path}, false)
		for _, tc := range []struct {
			user string
			want int
		}{{"", http.StatusUnauthorized}, {"other", http.StatusForbidden}, {login, http.StatusNoContent}, {"all", http.StatusNoContent}} {
			c := newClient(t, env)
			if tc.user != "" {
				c.user, c.pass = tc.user, "secret"
			}
			st, _, raw := c.do("GET", restricted, "act=list", nil)
			if st != tc.want || (st == http.StatusNoContent && len(raw) != 0) {
				t.Errorf("%s as %q: %d %q, want %d", path, tc.user, st, raw, tc.want)
			}
		}
		c := newClient(t, env)
		c.mustStatus(http.StatusNoContent, "GET", "/service/ipbx/json.php/private/"+path+"/", "", nil)
		c.mustStatus(http.StatusBadRequest, "GET", "/service/ipbx/json.php/private/"+path+"/", "act=frobnicate", nil)
	}
	// sum and ETag on a view.
	c := newClient(t, env)
	dialplanSetup(t, c)
	id := c.add(groupsPath, []byte(`{"groupfeatures": {"name": "g", "context": "default", "number": "2001"}}`))
	st, hdr, raw := c.do("GET", groupsPath, "act=view&id="+id, nil)
	if st != http.StatusOK || hdr.Get("ETag") == "" || hdr.Get("Content-Encoding") != "" {
		t.Fatalf("view: %d %v", st, hdr)
	}
	sum := md5.Sum(raw)
	if st, _, _ := c.do("GET", groupsPath, "act=view&id="+id+"&sum="+hex.EncodeToString(sum[:]), nil); st != http.StatusNotModified {
		t.Fatalf("sum of the view: %d, want 304", st)
	}
}
