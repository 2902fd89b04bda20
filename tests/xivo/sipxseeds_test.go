package xivo_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"pbxws/tests/testenv"
	"pbxws/web"
)

// seedCurls are the curl command lines of the original sipXconfig documents for the
// /sipxconfig/rest resources, as printed (a leading "# " prompt dropped). /rest/call/{to}
// needs a phone: tests/sipc runs it.
func seedCurls(t *testing.T) []string { return seedCurlsUnder(t, "/sipxconfig/rest/") }

// seedCurlsUnder are the seeds' curl command lines for the resources under prefix.
func seedCurlsUnder(t *testing.T, prefix string) []string {
	t.Helper()
	var out []string
	for _, f := range []string{"000_7a47bdc0db3fbf14.txt", "001_24e42ef6cfc907c4.txt"} {
		b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "..", "shared", "seeds", f))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "# "))
			if strings.HasPrefix(l, "curl ") && strings.Contains(l, prefix) && !strings.Contains(l, "/rest/call/") {
				out = append(out, l)
			}
		}
	}
	return out
}

// Every curl example of the seeds for the sipX REST resources runs as printed, with only the
// host adapted: the users it names exist with its passwords, the phonebook it reads is the
// XiVO one under its name (sipx-phonebook), and each answers as the documents say, or 501
// saying what pbxws does not run.
func TestSipxSeedCurlExamples(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is not installed (tests/install-deps.sh installs it)")
	}
	env, c := sipxSetup(t, func(cfg *web.Config) { cfg.SipxPhonebook = "sales" })
	addUser(t, c, `{"userfeatures": {"firstname": "Super", "lastname": "Admin", "loginclient": "superadmin", "passwdclient": "password", "admin": true}}`)
	addUser(t, c, `{"userfeatures": {"firstname": "Two", "lastname": "Hundred", "loginclient": "200", "passwdclient": "11111111"}}`)
	c.mustStatus(200, "POST", "/service/ipbx/json.php/private/pbx_services/phonebook/", "act=add",
		[]byte(`{"phonebook": {"displayname": "Penguin Emporer", "firstname": "Penguin", "lastname": "Emporer"}, "phonebooknumber": {"office": "5551234"}}`))
	host := strings.TrimPrefix(env.HTTPSURL, "https://")
	hosts := regexp.MustCompile(`@(192\.168\.1\.\d+|host\.domain|localhost)/`)
	want := map[string]struct {
		status string
		has    string
	}{
		"/rest/phonebook/sales":                   {"200", `"Penguin","Emporer","5551234"`},
		"/rest/auto-attendant/":                   {"200", "<autoAttendants>"},
		"GET /rest/auto-attendant/specialmode":    {"200", "<specialMode>false</specialMode>"},
		"PUT /rest/auto-attendant/specialmode":    {"204", ""},
		"DELETE /rest/auto-attendant/specialmode": {"204", ""},
		"GET /rest/branch":                        {"200", "<branches>"},
		"PUT /rest/branch":                        {"201", "SUCCESS_CREATED"},
		"GET /rest/branch/1":                      {"200", "<branch>"},
		"GET /rest/erls":                          {"200", "<e911Locations"},
		"GET /rest/my/voicemail/attendant":        {"501", "no personal auto attendant"},
		"PUT /rest/my/voicemail/attendant":        {"501", "no personal auto attendant"},
	}
	lines := seedCurls(t)
	if len(lines) < 10 {
		t.Fatalf("only %d curl lines found in the seeds", len(lines))
	}
	for _, l := range lines {
		method := "GET"
		if m := regexp.MustCompile(`-X (\w+)`).FindStringSubmatch(l); m != nil {
			method = m[1]
		}
		path := l[strings.Index(l, "/sipxconfig")+len("/sipxconfig"):]
		path = strings.Fields(path)[0]
		w, ok := want[method+" "+path]
		if !ok {
			w, ok = want[path]
		}
		if !ok {
			t.Fatalf("no expectation for the seed line %s", l)
		}
		runSeedCurl(t, hosts.ReplaceAllString(l, "@"+host+"/"), w.status, w.has)
	}
}

// runSeedCurl runs a seed's curl command line (its host already adapted) and checks the
// status and that the body holds has.
func runSeedCurl(t *testing.T, cmd, status, has string) {
	t.Helper()
	body := filepath.Join(t.TempDir(), "body")
	out, err := exec.Command("bash", "-c", cmd+` -s -o '`+body+`' -w '%{http_code}' 2>/dev/null`).Output()
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	got, _ := os.ReadFile(body)
	if string(out) != status || !strings.Contains(string(got), has) {
		t.Fatalf("%s\nanswered %s %s, want %s with %q", cmd, out, got, status, has)
	}
}

// Every curl example of seed 001 for the sipX /api resources runs as printed, in the
// document's order, with only the host and the credentials adapted (the document's license
// example logs in with another password): the objects they name exist (gateways 1 and 2, the
// call group 3399 with a member at number 3, the phone 0004f280cc95), the DNS advisor asks a DNS
// server of the test's own, and each answers what the document shows.
func TestSipxAPISeedCurlExamples(t *testing.T) {
	z := startZoneServer(t)
	z.set(t, `example.test. 3600 IN NAPTR 1 0 "s" "SIP+D2U" "" _sip._udp.example.test.`)
	env, c := sipxSetup(t, func(cfg *web.Config) {
		cfg.SIPDomain = "example.test"
		cfg.DNSResolver = z.addr
	})
	addUser(t, c, `{"userfeatures": {"firstname": "Super", "lastname": "Admin", "loginclient": "superadmin", "passwdclient": "password", "admin": true}}`)
	l := newLocal(t, env)
	l.must("system_management/context/", "act=add", `{"context": {"name": "from-extern", "displayname": "Incoming", "entity": "default", "contexttype": "incall"}, "contextinclude": []}`)
	if _, err := env.DB.Exec(`INSERT INTO context_ranges (context, type, numberbeg, numberend) VALUES ('default', 'group', '3300', '3499'), ('default', 'user', '3', '3')`); err != nil {
		t.Fatal(err)
	}
	addUser(t, c, `{"userfeatures": {"firstname": "Three", "loginclient": "user3"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["3"]}}`)
	addUser(t, c, `{"userfeatures": {"firstname": "Four", "loginclient": "user4"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1004"]}}`)
	boss := newSipx(t, env, "superadmin", "password")
	for _, p := range []struct{ path, body string }{
		{"/sipxconfig/api/gateways", `{"name":"itsp1","model":{"modelId":"sipTrunkStandard"},"address":"192.0.2.14"}`},
		{"/sipxconfig/api/gateways", `{"name":"itsp2","model":{"modelId":"sipTrunkStandard"},"address":"192.0.2.15"}`},
		{"/sipxconfig/api/callgroups", `{"name":"sales","extension":"3399","enabled":true,"ringBeans":[{"userName":"user3","enabled":true,"expiration":30},{"typeStr":"If no response","userName":"user4","enabled":true,"expiration":20}]}`},
		{"/sipxconfig/api/phones", `{"serialNo":"0004f280cc95","model":{"modelId":"polycomVVX410"}}`},
	} {
		if a := boss.send("POST", p.path, "application/json", p.body); a.status != 200 {
			t.Fatalf("POST %s: %d %s", p.path, a.status, a.body)
		}
	}
	want := map[string]struct{ status, has string }{
		"GET /api/dns/settings":                            {"200", `{"settings":[{"path":"named-config/forwarders/forwarder_0","type":"string"`},
		"GET /api/dns/settings/named-config/forwarders":    {"200", `{"settings":[{"path":"named-config/forwarders/forwarder_0"`},
		"GET /api/dns/advisor/server/1":                    {"200", ";; Missing srv records"},
		"GET /api/gateways":                                {"200", `{"gateways":[{"id":1,"name":"itsp1"`},
		"GET /api/gateways/models":                         {"200", `{"models":[{"modelId":"sipTrunkStandard","label":"SIP trunk"`},
		"GET /api/gateways/1":                              {"200", `{"id":1,"name":"itsp1"`},
		"GET /api/gateways/2/settings":                     {"200", `{"settings":[{"path":"itsp-account/`},
		"GET /api/license/":                                {"200", `{"uid":"","domain":"example.test"`},
		"POST /api/license/508316691110519":                {"200", `{"uid":"508316691110519"`},
		"GET /api/moh/settings":                            {"200", `{"settings":[{"path":"moh-config/MOH_SOURCE","type":"enum"`},
		"GET /api/moh/settings/moh-config/MOH_SOURCE":      {"200", `{"path":"moh-config/MOH_SOURCE","type":"enum"`},
		"PUT /api/phones/0004f280cc95/sendProfile/restart": {"200", `{"notified":0,"notRegistered":1}`},
		"GET /api/callgroups":                              {"200", `{"callGroups":[{"name":"sales","extension":"3399"`},
		"GET /api/callgroups/prefix/33":                    {"200", `"extension":"3399"`},
		"GET /api/callgroups/3399":                         {"200", `{"name":"sales","extension":"3399"`},
		"POST /api/callgroups":                             {"200", "2"},
		"POST /api/callgroups/3399/duplicate/55665":        {"200", "3"},
		"POST /api/callgroups/3399/rotate/3":               {"200", "1"},
		"PUT /api/callgroups/4444":                         {"200", "2"},
		"DELETE /api/callgroups/3399":                      {"200", ""},
	}
	host := strings.TrimPrefix(env.HTTPSURL, "https://")
	hosts := regexp.MustCompile(`@(192\.168\.1\.\d+|10\.4\.0\.103|localhost)/`)
	lines := seedCurlsUnder(t, "/sipxconfig/api/")
	if len(lines) != len(want) {
		t.Fatalf("%d curl lines for /api in the seeds, %d expectations", len(lines), len(want))
	}
	for _, l := range lines {
		method := "GET"
		if m := regexp.MustCompile(`-X (\w+)`).FindStringSubmatch(l); m != nil {
			method = m[1]
		}
		path := strings.Fields(l[strings.Index(l, "/sipxconfig")+len("/sipxconfig"):])[0]
		w, ok := want[method+" "+path]
		if !ok {
			t.Fatalf("no expectation for the seed line %s", l)
		}
		cmd := strings.ReplaceAll(hosts.ReplaceAllString(l, "@"+host+"/"), "superadmin:12345678@", "superadmin:password@")
		runSeedCurl(t, cmd, w.status, w.has)
	}
	// What the writes did: the group rotated then deleted, its copy and ppp1 stored.
	var groups string
	if err := env.DB.Get(&groups, `SELECT string_agg(name || '=' || number || ':' || description, ',' ORDER BY number) FROM groups`); err != nil {
		t.Fatal(err)
	}
	if groups != "ppp1=4444:kkkkk,CopyOfsales=55665:" {
		t.Errorf("groups after the examples: %s", groups)
	}
}
