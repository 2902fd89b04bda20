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
	st, _, body := c.do("GET", "/callcenter/json.php/private/registrationcampaign/campaigns/", "act=view", nil)
	if st != http.StatusNotImplemented || !strings.Contains(string(body), "recording campaigns") {
		t.Fatalf("registration campaigns: %d %s", st, body)
	}
	if st, _, _ = c.do("GET", "/callcenter/json.php/restricted/registrationcampaign/campaigns/", "act=view", nil); st != http.StatusUnauthorized {
		t.Fatalf("restricted without an account: %d, want the gate's 401 first", st)
	}
	if st, _, _ = c.do("GET", "/callcenter/json.php/private/settings/nothing/", "act=list", nil); st != http.StatusNotFound {
		t.Fatalf("an undocumented path: %d", st)
	}
}
