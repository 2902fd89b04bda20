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
func seedCurls(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, f := range []string{"000_7a47bdc0db3fbf14.txt", "001_24e42ef6cfc907c4.txt"} {
		b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "..", "shared", "seeds", f))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "# "))
			if strings.HasPrefix(l, "curl ") && strings.Contains(l, "/sipxconfig/rest/") && !strings.Contains(l, "/rest/call/") {
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
		body := filepath.Join(t.TempDir(), "body")
		cmd := hosts.ReplaceAllString(l, "@"+host+"/") + ` -s -o '` + body + `' -w '%{http_code}'`
		out, err := exec.Command("bash", "-c", cmd).Output()
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		got, _ := os.ReadFile(body)
		if string(out) != w.status || !strings.Contains(string(got), w.has) {
			t.Fatalf("%s\nanswered %s %s, want %s with %q", l, out, got, w.status, w.has)
		}
	}
}
