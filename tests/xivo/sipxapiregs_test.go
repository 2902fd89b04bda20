package xivo_test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"pbxws/metrics"
	"pbxws/tests/testenv"
)

const apiRegs = "/sipxconfig/api/registrations"

// regBean is a registration as /api/registrations answers it (sipx-api.md §5.2).
type regBean struct {
	URI             string `json:"uri"`
	Contact         string `json:"contact"`
	Expires         int64  `json:"expires"`
	Primary         string `json:"primary"`
	Instrument      string `json:"instrument"`
	RegCallID       string `json:"regCallId"`
	Identity        string `json:"identity"`
	Status          string `json:"status"`
	SecondsToExpire int    `json:"secondsToExpire"`
}

// regs reads a registrations list in JSON, checking the status and the content type.
func regs(t *testing.T, c *sx, path string) []regBean {
	t.Helper()
	a := c.send("GET", path, "", "")
	var doc struct {
		Registrations []regBean `json:"registrations"`
	}
	if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") ||
		json.Unmarshal([]byte(a.body), &doc) != nil || doc.Registrations == nil {
		t.Fatalf("GET %s: %d %s %s", path, a.status, a.header.Get("Content-Type"), a.body)
	}
	return doc.Registrations
}

func callIDs(bs []regBean) string {
	var ids []string
	for _, b := range bs {
		ids = append(ids, b.RegCallID)
	}
	return strings.Join(ids, ",")
}

// bind stores a binding the way the registrar does (the REGISTER itself is tests/sipc's).
func bind(t *testing.T, env *testenv.Env, user, contact, received, callID, ua, instance string, expiresIn int) {
	t.Helper()
	var rcv, inst any
	if received != "" {
		rcv = received
	}
	if instance != "" {
		inst = instance
	}
	if _, err := env.DB.Exec(`INSERT INTO registrations (ruid, username, domain, contact, received, expires, callid,
		last_modified, user_agent, socket, instance) VALUES ($1, $2, 'example.com', $3, $4,
		localtimestamp + make_interval(secs => $5), $6, localtimestamp, $7, 'udp:192.0.2.10:5060', $8)`,
		"t-"+callID+"-"+strconv.Itoa(expiresIn), user, contact, rcv, expiresIn, callID, ua, inst); err != nil {
		t.Fatal(err)
	}
}

func regCount(t *testing.T, env *testenv.Env) int {
	t.Helper()
	var n int
	if err := env.DB.Get(&n, `SELECT count(*) FROM registrations`); err != nil {
		t.Fatal(err)
	}
	return n
}

// /api/registrations: the roles, JSON first, XML by Accept or suffix, the bean of §5.2 and
// every filter matched exactly, paging, and DELETE removing what the filter selects.
func TestSipxAPIRegistrations(t *testing.T) {
	env, c := sipxSetup(t)
	alice := addUser(t, c, `{"userfeatures": {"firstname": "Alice", "loginclient": "alice"},
		"linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1001"]}}`)
	var line string
	if err := env.DB.Get(&line, `SELECT name FROM lines WHERE user_id = $1`, alice); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.Exec(`INSERT INTO devices (id, mac) VALUES ('dev1', '00:04:f2:80:cc:95');
		UPDATE lines SET device_id = 'dev1' WHERE user_id = ` + strconv.Itoa(alice) + `;
		INSERT INTO devices (id, mac) VALUES ('dev2', '00:04:f2:11:22:33');
		INSERT INTO user_groups (id, name) VALUES (50, 'sales');
		INSERT INTO user_group_members (group_id, user_id) VALUES (50, ` + strconv.Itoa(alice) + `);
		INSERT INTO user_groups (id, name) VALUES (51, 'empty')`); err != nil {
		t.Fatal(err)
	}
	bind(t, env, line, "<sip:"+line+"@192.0.2.50:5060;transport=udp>", "", "cid-a", "Yealink SIP-T46S", "", 3600)
	bind(t, env, "alice", "<sip:alice@10.0.0.10:5062>", "sip:198.51.100.7:40000", "cid-b", "baresip", "<urn:uuid:00000000-0000-1000-8000-0004f2112233>", 1800)
	bind(t, env, "bob", "<sip:bob@10.0.0.1:5060>", "", "cid-c@host", "Polycom/4.0 0004f2aabbcc", "", 600)
	bind(t, env, "1001", "<sip:1001@10.0.0.30:5060>", "", "cid-n", "", "", 300)        // alice's line by its number
	bind(t, env, "carol", "<sip:carol@[2001:db8::1]:5060>", "", "cid-d", "x", "", -10) // expired

	boss := newSipx(t, env, "boss", "bosspin1")
	// Roles: none → 401 with both challenges, USER → 403.
	a := newSipx(t, env, "", "").send("GET", apiRegs, "", "")
	if ch := a.header.Values("WWW-Authenticate"); a.status != http.StatusUnauthorized || len(ch) != 2 {
		t.Fatalf("no credentials: %d %q", a.status, ch)
	}
	if a := newSipx(t, env, "clerk", "clerkpin").send("GET", apiRegs, "", ""); a.status != http.StatusForbidden ||
		!strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("clerk: %d %s", a.status, a.body)
	}

	// All live ones, latest expiry first; the expired one is not listed.
	all := regs(t, boss, apiRegs)
	if callIDs(all) != "cid-a,cid-b,cid-c@host,cid-n" {
		t.Fatalf("all: %+v", all)
	}
	b := all[0]
	now := time.Now().UnixMilli()
	if b.URI != "sip:"+line+"@example.com" || b.Identity != line+"@example.com" || b.Contact != "<sip:"+line+"@192.0.2.50:5060;transport=udp>" ||
		b.Primary != "192.0.2.10" || b.Instrument != "0004f280cc95" || b.Status != "active" ||
		b.SecondsToExpire < 3590 || b.SecondsToExpire > 3600 || b.Expires < now+3590_000 || b.Expires > now+3601_000 {
		t.Fatalf("bean: %+v", b)
	}
	if all[1].Instrument != "0004f2112233" || all[2].Instrument != "0004f2aabbcc" {
		t.Fatalf("instruments from instance and User-Agent: %+v", all)
	}
	// Every key of §5.2, in order, and nothing else.
	a = boss.send("GET", apiRegs+"/callId/cid-a", "", "")
	if !strings.HasPrefix(a.body, `{"registrations":[{"uri":"sip:`+line+`@example.com","contact":"<sip:`+line+`@192.0.2.50:5060;transport=udp>","expires":`) ||
		!strings.HasSuffix(a.body, `,"primary":"192.0.2.10","instrument":"0004f280cc95","regCallId":"cid-a","identity":"`+line+`@example.com","status":"active","secondsToExpire":`+strconv.Itoa(b.SecondsToExpire)+`}]}`) {
		t.Fatalf("JSON: %s", a.body)
	}
	// XML by Accept and by suffix.
	for _, x := range []struct{ path, accept string }{{apiRegs + "/callId/cid-a", "text/xml"}, {apiRegs + "/callId/cid-a", "application/xml"}, {apiRegs + "/callid/cid-a.xml", ""}} {
		a := boss.send("GET", x.path, "", "", "Accept", x.accept)
		if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/xml") ||
			!strings.Contains(a.body, `<Registrations><Registration><uri>sip:`+line+`@example.com</uri>`) ||
			!strings.Contains(a.body, `<regCallId>cid-a</regCallId>`) || !strings.Contains(a.body, "<expires>20") {
			t.Fatalf("XML %+v: %d %s", x, a.status, a.body)
		}
	}
	if a := boss.send("GET", apiRegs+".json", "", "", "Accept", "text/xml"); a.status != http.StatusOK || !strings.HasPrefix(a.body, `{"registrations":[`) {
		t.Fatalf(".json: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiRegs, "", "", "Accept", "text/csv"); a.status != http.StatusNotAcceptable {
		t.Fatalf("406: %d %s", a.status, a.body)
	}

	// Filters, exact.
	for path, want := range map[string]string{
		"/user/alice":                  "cid-a,cid-b,cid-n",
		"/user/" + strconv.Itoa(alice): "cid-a,cid-b,cid-n",
		"/user/bob":                    "", // no such user: below
		"/group/sales":                 "cid-a,cid-b,cid-n",
		"/group/50":                    "cid-a,cid-b,cid-n",
		"/group/empty":                 "",
		"/serialNo/0004F2112233":       "cid-b",
		"/serialNo/00-04-f2-80-cc-95":  "cid-a",
		"/ip/10.0.0.1":                 "cid-c@host",
		"/ip/10.0.0.10":                "cid-b",
		"/ip/198.51.100.7":             "cid-b",
		"/ip/10.0.0":                   "",
		"/ip/2001:0db8:0:0:0:0:0:1":    "", // expired: not listed
		"/ip/192.0.2.50":               "cid-a",
		"/callId/cid-c@host":           "cid-c@host",
		"/callid/cid-c":                "",
		"/server/1":                    "cid-a,cid-b,cid-c@host,cid-n",
		"/server/127.0.0.1":            "cid-a,cid-b,cid-c@host,cid-n", // the SIP domain
	} {
		if path == "/user/bob" {
			continue
		}
		if got := callIDs(regs(t, boss, apiRegs+path)); got != want {
			t.Fatalf("%s: %q, want %q", path, got, want)
		}
	}
	// Unknown targets: 404 with sipX's words.
	for path, want := range map[string]string{"/user/bob": "User  not found", "/group/nosuch": "Group not found",
		"/serialNo/0004f2000000": "Phone not found", "/serialNo/bad": "Phone not found", "/server/2": "Server not found", "/nosuch/x": "no such resource"} {
		a := boss.send("GET", apiRegs+path, "", "")
		if a.status != http.StatusNotFound || !strings.HasPrefix(a.body, want) || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") {
			t.Fatalf("%s: %d %q", path, a.status, a.body)
		}
	}
	// Paging: both valid, else the whole list.
	for q, want := range map[string]string{"?start=1&limit=1": "cid-b", "?start=0&limit=2": "cid-a,cid-b", "?start=5&limit=2": "",
		"?start=1": "cid-a,cid-b,cid-c@host,cid-n", "?start=-1&limit=1": "cid-a,cid-b,cid-c@host,cid-n", "?start=0&limit=10001": "cid-a,cid-b,cid-c@host,cid-n"} {
		if got := callIDs(regs(t, boss, apiRegs+q)); got != want {
			t.Fatalf("%s: %q, want %q", q, got, want)
		}
	}
	if got := callIDs(regs(t, boss, apiRegs+"/user/alice?start=1&limit=5")); got != "cid-b,cid-n" {
		t.Fatalf("user paged: %q", got)
	}

	// Methods: POST → 405 with Allow; DELETE on group → 405; refused deletes change nothing.
	for _, x := range []struct{ method, path string }{{"POST", apiRegs}, {"DELETE", apiRegs}, {"DELETE", apiRegs + "/group/sales"}, {"PUT", apiRegs + "/user/alice"}} {
		a := boss.send(x.method, x.path, "", "")
		if a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") == "" {
			t.Fatalf("%s %s: %d %q %s", x.method, x.path, a.status, a.header.Get("Allow"), a.body)
		}
	}
	for _, p := range []string{"/user/bob", "/serialNo/0004f2000000", "/server/9"} {
		if a := boss.send("DELETE", apiRegs+p, "", ""); a.status != http.StatusNotFound {
			t.Fatalf("DELETE %s: %d %s", p, a.status, a.body)
		}
	}
	if n := regCount(t, env); n != 5 {
		t.Fatalf("refused deletes removed bindings: %d left", n)
	}
	if a := newSipx(t, env, "clerk", "clerkpin").send("DELETE", apiRegs+"/callId/cid-a", "", ""); a.status != http.StatusForbidden || regCount(t, env) != 5 {
		t.Fatalf("clerk DELETE: %d", a.status)
	}

	// DELETE removes what it selects, expired bindings too.
	del := func(path string, left string) {
		t.Helper()
		if a := boss.send("DELETE", apiRegs+path, "", ""); a.status != http.StatusOK || a.body != "" {
			t.Fatalf("DELETE %s: %d %q", path, a.status, a.body)
		}
		var ids []string
		if err := env.DB.Select(&ids, `SELECT callid FROM registrations ORDER BY callid`); err != nil {
			t.Fatal(err)
		}
		if strings.Join(ids, ",") != left {
			t.Fatalf("after DELETE %s: %v, want %s", path, ids, left)
		}
	}
	del("/ip/10.0.0", "cid-a,cid-b,cid-c@host,cid-d,cid-n")
	del("/ip/[2001:db8::1]", "cid-a,cid-b,cid-c@host,cid-n")
	del("/serialNo/0004f2112233", "cid-a,cid-c@host,cid-n")
	del("/callId/cid-c@host", "cid-a,cid-n")
	bind(t, env, "bob", "<sip:bob@10.0.0.1:5060>", "", "cid-e", "", "", 60)
	del("/user/alice", "cid-e")
	del("/server/1", "")
	if got := regs(t, boss, apiRegs); len(got) != 0 {
		t.Fatalf("empty list: %+v", got)
	}
	if a := boss.send("GET", apiRegs, "", ""); a.body != `{"registrations":[]}` {
		t.Fatalf("empty: %s", a.body)
	}
	if a := boss.send("GET", apiRegs+".xml", "", ""); !strings.HasSuffix(a.body, `<Registrations></Registrations>`) {
		t.Fatalf("empty XML: %s", a.body)
	}
}

// The same contact twice: the latest binding only.
func TestSipxAPIRegistrationsCollapse(t *testing.T) {
	env, _ := sipxSetup(t)
	bind(t, env, "dave", "<sip:dave@10.1.1.1>", "", "old", "", "", 100)
	bind(t, env, "dave", "<sip:dave@10.1.1.1>", "", "new", "", "", 200)
	if got := callIDs(regs(t, newSipx(t, env, "boss", "bosspin1"), apiRegs)); got != "new" {
		t.Fatalf("collapsed: %q", got)
	}
}

// The seed documents the registration resources by URI with curl examples in the form
// `curl -k -X METHOD https://superadmin:password@HOST/sipxconfig/api/…`: each documented
// URI and method runs that way with the real curl binary (host adapted).
func TestSipxAPIRegistrationsCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is not installed (tests/install-deps.sh installs it)")
	}
	env, c := sipxSetup(t)
	addUser(t, c, `{"userfeatures": {"firstname": "Super", "lastname": "Admin", "loginclient": "superadmin", "passwdclient": "password", "admin": true}}`)
	if _, err := env.DB.Exec(`INSERT INTO devices (id, mac) VALUES ('dev1', '00:04:f2:80:cc:95')`); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(env.HTTPSURL, "https://")
	run := func(method, uri, want string) string {
		t.Helper()
		body := filepath.Join(t.TempDir(), "body")
		cmd := "curl -k -X " + method + " https://superadmin:password@" + host + "/sipxconfig/api" + uri + ` -s -o '` + body + `' -w '%{http_code}'`
		out, err := exec.Command("bash", "-c", cmd).Output()
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		got, _ := os.ReadFile(body)
		if string(out) != want {
			t.Fatalf("%s: %s %s, want %s", cmd, out, got, want)
		}
		return string(got)
	}
	bind(t, env, "superadmin", "<sip:superadmin@192.0.2.77:5060>", "", "seed-1", "Polycom 0004f280cc95", "", 600)
	if b := run("GET", "/registrations", "200"); !strings.Contains(b, `"regCallId":"seed-1"`) {
		t.Fatalf("GET /registrations: %s", b)
	}
	for _, uri := range []string{"/registrations/user/superadmin", "/registrations/serialNo/0004f280cc95",
		"/registrations/ip/192.0.2.77", "/registrations/callId/seed-1", "/registrations/server/1"} {
		if b := run("GET", uri, "200"); !strings.Contains(b, `"regCallId":"seed-1"`) {
			t.Fatalf("GET %s: %s", uri, b)
		}
	}
	for i, uri := range []string{"/registrations/user/superadmin", "/registrations/serialNo/0004f280cc95",
		"/registrations/ip/192.0.2.77", "/registrations/callId/seed-1", "/registrations/server/1"} {
		bind(t, env, "superadmin", "<sip:superadmin@192.0.2.77:5060>", "", "seed-1", "Polycom 0004f280cc95", "", 700+i)
		if b := run("DELETE", uri, "200"); b != "" || regCount(t, env) != 0 {
			t.Fatalf("DELETE %s: %q, %d left", uri, b, regCount(t, env))
		}
	}
	run("PUT", "/registrations/user/superadmin", "405")
	run("POST", "/registrations", "405")
}

// The list is served from memory once read, kept current row by row: a binding written,
// changed or removed behind pbxws's back (another instance, a kamailio), a line moved to
// another phone, a phone's MAC changed and a binding expiring all show in the very next read.
func TestSipxAPIRegistrationsFollowEveryChange(t *testing.T) {
	env, _ := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	memory := func() float64 { return testutil.ToFloat64(metrics.BindingReads.WithLabelValues("memory")) }
	before := memory()
	if all := regs(t, boss, apiRegs); len(all) != 0 {
		t.Fatalf("before any binding: %+v", all)
	}
	if _, err := env.DB.Exec(`INSERT INTO devices (id, mac) VALUES ('d1', '00:04:f2:00:00:01'), ('d2', '00:04:f2:00:00:02')`); err != nil {
		t.Fatal(err)
	}
	bind(t, env, "zed", "<sip:zed@192.0.2.7:5060>", "", "cid-z", "x", "", 600)
	bind(t, env, "yan", "<sip:yan@192.0.2.8:5060>", "", "cid-y", "x", "", 1200)
	if all := regs(t, boss, apiRegs); callIDs(all) != "cid-y,cid-z" || all[0].Instrument != "" {
		t.Fatalf("after two bindings: %+v", all)
	}
	// A later expiry moves a binding first; a line on a phone gives it the phone's MAC.
	if _, err := env.DB.Exec(`UPDATE registrations SET expires = localtimestamp + interval '1 hour' WHERE callid = 'cid-z'`); err != nil {
		t.Fatal(err)
	}
	zed := addUser(t, newClient(t, env), `{"userfeatures": {"firstname": "Zed"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1002"]}}`)
	if _, err := env.DB.Exec(`UPDATE lines SET name = 'zed', device_id = 'd1' WHERE user_id = $1`, zed); err != nil {
		t.Fatal(err)
	}
	if all := regs(t, boss, apiRegs); callIDs(all) != "cid-z,cid-y" || all[0].Instrument != "0004f2000001" || all[0].SecondsToExpire < 3590 {
		t.Fatalf("after the update and the line: %+v", all)
	}
	if _, err := env.DB.Exec(`UPDATE lines SET device_id = 'd2' WHERE name = 'zed'`); err != nil {
		t.Fatal(err)
	}
	if all := regs(t, boss, apiRegs); all[0].Instrument != "0004f2000002" {
		t.Fatalf("after the line moved: %+v", all)
	}
	if _, err := env.DB.Exec(`UPDATE devices SET mac = '00:04:f2:00:00:99' WHERE id = 'd2'`); err != nil {
		t.Fatal(err)
	}
	if all := regs(t, boss, apiRegs); all[0].Instrument != "0004f2000099" {
		t.Fatalf("after the MAC changed: %+v", all)
	}
	if _, err := env.DB.Exec(`DELETE FROM registrations WHERE callid = 'cid-y'`); err != nil {
		t.Fatal(err)
	}
	if all := regs(t, boss, apiRegs); callIDs(all) != "cid-z" {
		t.Fatalf("after a delete: %+v", all)
	}
	if a := boss.send("DELETE", apiRegs+"/callId/cid-z", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	if all := regs(t, boss, apiRegs); len(all) != 0 {
		t.Fatalf("after the API's delete: %+v", all)
	}
	// A binding expiring is dropped from the list without any notice.
	bind(t, env, "xia", "<sip:xia@192.0.2.9:5060>", "", "cid-x", "x", "", 2)
	if all := regs(t, boss, apiRegs); callIDs(all) != "cid-x" {
		t.Fatalf("a short binding: %+v", all)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(regs(t, boss, apiRegs)) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("an expired binding is still listed")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := memory() - before; n < 11 {
		t.Errorf("%v of the reads were answered from memory, want them all", n)
	}
}
