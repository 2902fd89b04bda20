package xivo_test

import (
	"net/http"
	"strings"
	"testing"

	"pbxws/tests/testenv"
	"pbxws/web"
)

const apiLicense = "/sipxconfig/api/license"

// licenseState is the stored license row.
func licenseState(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var s string
	if err := env.DB.Get(&s, `SELECT concat_ws('|', uid, domain, users, mobile_devices, license_type) FROM license`); err != nil {
		t.Fatal(err)
	}
	return s
}

// /api/license: GET the stored license information (JSON and XML as the document shows),
// POST /license/{uid} and POST /license {"uid"} store the UID and answer the license; a bad
// UID is 400 naming uid and changes nothing; ADMIN only.
func TestSipxAPILicense(t *testing.T) {
	env, _ := sipxSetup(t, func(c *web.Config) { c.SIPDomain = "example.test" })
	boss := newSipx(t, env, "boss", "bosspin1")

	empty := `{"uid":"","domain":"example.test","version":"","expire":"","support":"","licenseType":"","users":-1,"mobileDevices":-1,"company":"","contactEmail":"","contactName":"","contactPhone":""}`
	for _, p := range []string{apiLicense, apiLicense + "/", apiLicense + ".json"} {
		if a := boss.send("GET", p, "", ""); a.status != http.StatusOK || a.body != empty || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
			t.Fatalf("GET %s: %d %s", p, a.status, a.body)
		}
	}
	if got := licenseState(t, env); got != "||-1|-1|" {
		t.Fatalf("stored: %s", got)
	}

	// POST /license/{uid}: stored, the license answered.
	a := boss.send("POST", apiLicense+"/508316691110519", "", "")
	withUID := strings.Replace(empty, `"uid":""`, `"uid":"508316691110519"`, 1)
	if a.status != http.StatusOK || a.body != withUID {
		t.Fatalf("POST uid: %d %s", a.status, a.body)
	}
	if got := licenseState(t, env); got != "508316691110519||-1|-1|" {
		t.Fatalf("stored: %s", got)
	}
	// The other fields are what a license file said: shown as stored.
	if _, err := env.DB.Exec(`UPDATE license SET domain = 'lab.example.test', version = '19.08', expire = '31-Dec-2039', support = '31-Dec-2039',
		license_type = 'Subscription', users = 500, mobile_devices = 500, company = 'developers', contact_email = 'ops@example.test',
		contact_name = 'martin', contact_phone = '454614465465'`); err != nil {
		t.Fatal(err)
	}
	full := `{"uid":"508316691110519","domain":"lab.example.test","version":"19.08","expire":"31-Dec-2039","support":"31-Dec-2039","licenseType":"Subscription","users":500,"mobileDevices":500,"company":"developers","contactEmail":"ops@example.test","contactName":"martin","contactPhone":"454614465465"}`
	if a := boss.send("GET", apiLicense, "", ""); a.status != http.StatusOK || a.body != full {
		t.Fatalf("GET: %d %s", a.status, a.body)
	}
	a = boss.send("GET", apiLicense, "", "", "Accept", "text/xml")
	if a.status != http.StatusOK || !strings.HasSuffix(a.body, `<License><uid>508316691110519</uid><domain>lab.example.test</domain><version>19.08</version><expire>31-Dec-2039</expire><support>31-Dec-2039</support><licenseType>Subscription</licenseType><users>500</users><mobileDevices>500</mobileDevices><company>developers</company><contactEmail>ops@example.test</contactEmail><contactName>martin</contactName><contactPhone>454614465465</contactPhone></License>`) {
		t.Fatalf("GET XML: %d %s", a.status, a.body)
	}

	// POST /license with a body, JSON or XML.
	if a := boss.send("POST", apiLicense, "application/json", `{"uid":"42"}`); a.status != http.StatusOK || a.body != strings.Replace(full, "508316691110519", "42", 1) {
		t.Fatalf("POST JSON: %d %s", a.status, a.body)
	}
	if a := boss.send("POST", apiLicense, "text/xml", `<License><uid>0077</uid></License>`, "Accept", "text/xml"); a.status != http.StatusOK ||
		!strings.Contains(a.body, "<License><uid>0077</uid><domain>lab.example.test</domain>") {
		t.Fatalf("POST XML: %d %s", a.status, a.body)
	}
	before := licenseState(t, env)
	if before != "0077|lab.example.test|500|500|Subscription" {
		t.Fatalf("stored: %s", before)
	}

	// Refusals leave it as it was.
	for _, x := range []struct {
		who, method, path, ctype, body string
		status                         int
		has                            string
	}{
		{"boss", "POST", apiLicense + "/12ab", "", "", 400, "uid: must be 1 to 32 digits"},
		{"boss", "POST", apiLicense + "/" + strings.Repeat("1", 33), "", "", 400, "uid: must be 1 to 32 digits"},
		{"boss", "POST", apiLicense, "application/json", `{"uid":" "}`, 400, "uid: must be 1 to 32 digits"},
		{"boss", "POST", apiLicense, "application/json", `{}`, 400, "uid: is required"},
		{"boss", "POST", apiLicense, "application/json", `{"uid":{"x":1}}`, 400, "uid"},
		{"boss", "POST", apiLicense, "application/json", `{"uid":`, 400, ""},
		{"boss", "POST", apiLicense, "text/plain", `123`, 415, ""},
		{"boss", "PUT", apiLicense, "application/json", `{"uid":"1"}`, 405, "PUT is not offered here: use GET, POST"},
		{"boss", "DELETE", apiLicense, "", "", 405, ""},
		{"boss", "GET", apiLicense + "/42", "", "", 405, ""},
		{"clerk", "POST", apiLicense + "/1", "", "", 403, ""},
		{"clerk", "GET", apiLicense, "", "", 403, ""},
		{"", "POST", apiLicense + "/1", "", "", 401, ""},
	} {
		c := newSipx(t, env, x.who, map[string]string{"boss": "bosspin1", "clerk": "clerkpin"}[x.who])
		a := c.send(x.method, x.path, x.ctype, x.body)
		if a.status != x.status || !strings.Contains(a.body, x.has) {
			t.Fatalf("%s %s %s as %q: %d %q", x.method, x.path, x.body, x.who, a.status, a.body)
		}
		if got := licenseState(t, env); got != before {
			t.Fatalf("%s %s changed the license: %s", x.method, x.path, got)
		}
	}
}
