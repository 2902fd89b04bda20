package web

import (
	"slices"
	"testing"

	"pbxws/acl"
	"pbxws/models"
)

// Every section acl can grant has a json.php route, and every route is a section acl
// grants: the rights tree and the route table cannot drift apart.
func TestEverySectionHasARoute(t *testing.T) {
	routed := map[string]bool{}
	for _, r := range jsonPHPRoutes(&models.Stores{}) {
		for path, ep := range r.endpoints {
			section := r.section + "/" + path
			routed[section] = true
			if !acl.IsSection(section) {
				t.Errorf("route %s/%s has no section %s in acl's catalogue", r.root, path, section)
			}
			if ep.res == nil || !(ep.restricted || ep.private) {
				t.Errorf("route %s/%s answers in no mode", r.root, path)
			}
		}
	}
	for _, s := range acl.Sections() {
		if !routed[s] {
			t.Errorf("section %s has no route", s)
		}
	}
	if !slices.Contains(acl.Sections(), "service/ipbx/pbx_settings/users") {
		t.Fatal("the catalogue lost the users section")
	}
}

// The access log never writes the secrets sipX paths carry.
func TestLoggedPathHidesSecrets(t *testing.T) {
	for in, want := range map[string]string{
		"/sipxconfig/rest/private/abcdefghijklmnopqrstuvwxyz012345/logindetails": "/sipxconfig/rest/private/…/logindetails",
		"/sipxconfig/rest/my/portal/password/s3cret-pass":                        "/sipxconfig/rest/my/portal/password/…",
		"/sipxconfig/rest/my/voicemail/pin/1234":                                 "/sipxconfig/rest/my/voicemail/pin/…",
		"/sipxconfig/rest/my/phonebook":                                          "/sipxconfig/rest/my/phonebook",
		"/service/ipbx/json.php/private/pbx_settings/users/":                     "/service/ipbx/json.php/private/pbx_settings/users/",
	} {
		if got := loggedPath(in); got != want {
			t.Errorf("loggedPath(%q) = %q, want %q", in, got, want)
		}
	}
}
