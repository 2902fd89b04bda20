package xivo_test

import (
	"net/http"
	"strings"
	"testing"

	"pbxws/tests/testenv"
)

// A documented web service pbxws does not serve yet says so (501), after the gate: an
// unknown one stays 404.
func TestDocumentedButNotServedAnswers501(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	st, _, body := c.do("GET", "/service/ipbx/json.php/private/pbx_settings/extension/", "act=list", nil)
	if st != http.StatusNotImplemented || !strings.Contains(string(body), "does not serve this IPBX web service") {
		t.Fatalf("pbx_settings/extension: %d %s", st, body)
	}
	if st, _, _ = c.do("GET", "/service/ipbx/json.php/restricted/pbx_settings/extension/", "act=list", nil); st != http.StatusUnauthorized {
		t.Fatalf("restricted without an account: %d, want the gate's 401 first", st)
	}
	if st, _, _ = c.do("GET", "/callcenter/json.php/private/settings/nothing/", "act=list", nil); st != http.StatusNotFound {
		t.Fatalf("an undocumented path: %d", st)
	}
}
