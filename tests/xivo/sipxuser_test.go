package xivo_test

import (
	"crypto/md5"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
	"pbxws/web"
)

// The sipX /rest/user resource serves the same users as json.php's pbx_settings/users:
// one store, one kit, two façades (issue: resource kit, item 8).

const sipxUsers = "/sipxconfig/rest/user"

// sx is a raw sipX REST client over HTTPS.
type sx struct {
	t          *testing.T
	base       string
	hc         *http.Client
	user, pass string
	digest     bool
}

func newSipx(t *testing.T, env *testenv.Env, user, pass string) *sx {
	return &sx{t: t, base: env.HTTPSURL, user: user, pass: pass, hc: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: env.CAPool}}}}
}

type sxAnswer struct {
	status int
	header http.Header
	body   string
}

func (c *sx) send(method, path, ctype, body string, hdr ...string) sxAnswer {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if c.user != "" && !c.digest {
		req.SetBasicAuth(c.user, c.pass)
	}
	if c.digest {
		// One challenge, then the answer computed independently of pbxws.
		first := c.raw(req)
		nonce := ""
		for _, h := range first.header.Values("WWW-Authenticate") {
			if i := strings.Index(h, `nonce="`); strings.HasPrefix(h, "Digest ") && i >= 0 {
				nonce = h[i+7:]
				nonce = nonce[:strings.IndexByte(nonce, '"')]
			}
		}
		if first.status != http.StatusUnauthorized || nonce == "" {
			c.t.Fatalf("%s %s: no Digest challenge: %d %q", method, path, first.status, first.header)
		}
		req, _ = http.NewRequest(method, c.base+path, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		req.Header.Set("Authorization", sipxDigest(c.user, c.pass, "pbxws", method, path, nonce))
	}
	return c.raw(req)
}

func (c *sx) raw(req *http.Request) sxAnswer {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return sxAnswer{resp.StatusCode, resp.Header, string(b)}
}

func sipxDigest(user, pass, realm, method, uri, nonce string) string {
	h := func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
	ha1, ha2 := h(user+":"+realm+":"+pass), h(method+":"+uri)
	resp := h(ha1 + ":" + nonce + ":00000001:c0ffee:auth:" + ha2)
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", qop=auth, nc=00000001, cnonce="c0ffee", response="%s"`,
		user, realm, nonce, uri, resp)
}

// envelope is the admin CRUD answer of mutations.
type envelope struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
	ID      string `xml:"data>id"`
	More    string `xml:"data>additionalMessage"`
}

func (a sxAnswer) envelope(t *testing.T, status int, code string) envelope {
	t.Helper()
	var e envelope
	if a.status != status || !strings.HasPrefix(a.header.Get("Content-Type"), "text/xml") || xml.Unmarshal([]byte(a.body), &e) != nil || e.Code != code {
		t.Fatalf("want %d %s, got %d %s %s", status, code, a.status, a.header.Get("Content-Type"), a.body)
	}
	return e
}

// sipxSetup starts pbxws with an administrator "boss" (pin "bosspin1", admin through
// json.php) and a plain user "clerk" (pin "clerkpin").
func sipxSetup(t *testing.T, mutate ...func(*web.Config)) (*testenv.Env, *xc) {
	env := testenv.Start(t, mutate...)
	c := newClient(t, env)
	phoneSetup(t, c)
	addUser(t, c, `{"userfeatures": {"firstname": "Boss", "loginclient": "boss", "passwdclient": "bosspin1", "admin": true}}`)
	addUser(t, c, `{"userfeatures": {"firstname": "Clerk", "loginclient": "clerk", "passwdclient": "clerkpin"}}`)
	return env, c
}

func TestSipxUserAuthAndRoles(t *testing.T) {
	env, _ := sipxSetup(t)
	anon := newSipx(t, env, "", "")

	// No credentials: 401 with a Digest and a Basic challenge, on the resource and on any
	// other /sipxconfig path (not 404).
	for _, p := range []string{sipxUsers, "/sipxconfig/rest/no-such-thing", "/sipxconfig/api/whatever"} {
		a := anon.send("GET", p, "", "")
		ch := a.header.Values("WWW-Authenticate")
		if a.status != http.StatusUnauthorized || len(ch) != 2 || !strings.HasPrefix(ch[0], "Digest ") ||
			!strings.Contains(ch[0], `qop="auth"`) || !strings.HasPrefix(ch[1], "Basic ") {
			t.Fatalf("GET %s without credentials: %d %q", p, a.status, ch)
		}
	}
	// OPTIONS needs none.
	if a := anon.send("OPTIONS", sipxUsers, "", ""); a.status != http.StatusOK {
		t.Fatalf("OPTIONS: %d %s", a.status, a.body)
	}
	// A wrong pin: 401; a user without the admin role: 403; an unknown path with good
	// credentials: 404.
	if a := newSipx(t, env, "boss", "wrong").send("GET", sipxUsers, "", ""); a.status != http.StatusUnauthorized {
		t.Fatalf("wrong pin: %d %s", a.status, a.body)
	}
	clerk := newSipx(t, env, "clerk", "clerkpin")
	if a := clerk.send("GET", sipxUsers, "", ""); a.status != http.StatusForbidden {
		t.Fatalf("clerk on /user: %d %s", a.status, a.body)
	}
	if a := clerk.send("GET", "/sipxconfig/rest/no-such-thing", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("clerk on an unknown path: %d %s", a.status, a.body)
	}
	// The admin, with Basic and with Digest.
	boss := newSipx(t, env, "boss", "bosspin1")
	if a := boss.send("GET", sipxUsers, "", ""); a.status != http.StatusOK || !strings.Contains(a.body, "<userName>clerk</userName>") {
		t.Fatalf("boss, Basic: %d %s", a.status, a.body)
	}
	boss.digest = true
	if a := boss.send("GET", sipxUsers+"?sortby=username&sortdir=reverse", "", "", "Accept", "application/json"); a.status != http.StatusOK ||
		!strings.HasPrefix(a.body, `{"user":{"metadata":{"totalResults":2,`) {
		t.Fatalf("boss, Digest: %d %s", a.status, a.body)
	}
	// 406 when neither XML nor JSON is acceptable; 405 for POST.
	boss.digest = false
	if a := boss.send("GET", sipxUsers, "", "", "Accept", "text/csv"); a.status != http.StatusNotAcceptable {
		t.Fatalf("Accept text/csv: %d %s", a.status, a.body)
	}
	if a := boss.send("POST", sipxUsers, "text/xml", "<user/>"); a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") == "" {
		t.Fatalf("POST: %d %q %s", a.status, a.header.Get("Allow"), a.body)
	}
}

func TestSipxUserAcrossFacades(t *testing.T) {
	env, c := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")

	// Added through json.php, with a line: read through sipX in XML and JSON.
	id := addUser(t, c, `{"userfeatures": {"firstname": "John", "lastname": "Doe", "loginclient": "jdoe"},
		"linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1001"]}}`)
	path := sipxUsers + "/" + strconv.Itoa(id)
	a := boss.send("GET", path, "", "")
	want := fmt.Sprintf(`<user><id>%d</id><lastName>Doe</lastName><firstName>John</firstName><userName>jdoe</userName><pin></pin><sipPassword></sipPassword><branch><id>1</id><name>default</name><description></description></branch><aliases><alias><alias>1001</alias></alias></aliases></user>`, id)
	if a.status != http.StatusOK || !strings.HasSuffix(a.body, want) || !strings.HasPrefix(a.body, `<?xml`) {
		t.Fatalf("XML view: %d %s\nwant …%s", a.status, a.body, want)
	}
	a = boss.send("GET", path, "", "", "Accept", "application/json")
	var doc struct {
		User struct {
			ID       int                 `json:"id"`
			UserName string              `json:"userName"`
			Aliases  []map[string]string `json:"aliases"`
		} `json:"user"`
	}
	if a.status != http.StatusOK || json.Unmarshal([]byte(a.body), &doc) != nil || doc.User.ID != id ||
		doc.User.UserName != "jdoe" || len(doc.User.Aliases) != 1 || doc.User.Aliases[0]["alias"] != "1001" {
		t.Fatalf("JSON view: %d %s", a.status, a.body)
	}

	// Edited through sipX (XML): the change shows through json.php, and nothing the body
	// did not name is lost (the line, the first name).
	a = boss.send("PUT", path, "text/xml", `<user><userName>jdoe</userName><lastName>Smith</lastName><emailAddress>j@example.com</emailAddress><aliases><alias><alias>1001</alias></alias><alias><alias>john</alias></alias></aliases></user>`)
	if e := a.envelope(t, http.StatusOK, "SUCCESS_UPDATED"); e.ID != strconv.Itoa(id) {
		t.Fatalf("update envelope id %q", e.ID)
	}
	view := c.object(usersPath, "act=view&id="+strconv.Itoa(id))
	uf := view["userfeatures"].(map[string]any)
	if uf["lastname"] != "Smith" || uf["firstname"] != "John" {
		t.Fatalf("json.php after the sipX edit: %v", uf)
	}
	if lines, _ := view["linefeatures"].([]any); len(lines) != 1 {
		t.Fatalf("the line was lost: %v", view["linefeatures"])
	}
	var email string
	var aliases []string
	if err := env.DB.Get(&email, `SELECT email FROM users WHERE id = $1`, id); err != nil || email != "j@example.com" {
		t.Fatalf("email in the database: %q %v", email, err)
	}
	if err := env.DB.Select(&aliases, `SELECT alias FROM user_aliases WHERE user_id = $1`, id); err != nil || len(aliases) != 1 || aliases[0] != "john" {
		t.Fatalf("aliases in the database: %v %v", aliases, err)
	}

	// Edited through json.php: visible through sipX, and the alias logs in.
	if st, _, raw := c.do("POST", usersPath, "act=edit&id="+strconv.Itoa(id), map[string]any{
		"userfeatures": map[string]any{"firstname": "Johnny", "passwdclient": "newpin99"}}); st != http.StatusOK {
		t.Fatalf("json.php edit: %d %s", st, raw)
	}
	if a = boss.send("GET", path, "", ""); !strings.Contains(a.body, "<firstName>Johnny</firstName><userName>jdoe</userName>") ||
		!strings.Contains(a.body, "<alias><alias>john</alias></alias>") {
		t.Fatalf("sipX after the json.php edit: %s", a.body)
	}
	if a := newSipx(t, env, "john", "newpin99").send("GET", "/sipxconfig/rest/elsewhere", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("login with the alias: %d %s", a.status, a.body)
	}

	// Created through sipX (JSON): json.php views it; its pin logs in.
	a = boss.send("PUT", sipxUsers, "application/json", `{"user": {"userName": "jane", "firstName": "Jane", "lastName": "Roe", "pin": "janepin1"}}`)
	e := a.envelope(t, http.StatusCreated, "SUCCESS_CREATED")
	newID, err := strconv.Atoi(e.ID)
	if err != nil {
		t.Fatalf("created id %q", e.ID)
	}
	uf = c.object(usersPath, "act=view&id="+e.ID)["userfeatures"].(map[string]any)
	if uf["loginclient"] != "jane" || uf["firstname"] != "Jane" || uf["lastname"] != "Roe" {
		t.Fatalf("json.php view of the sipX user: %v", uf)
	}
	if a := newSipx(t, env, "jane", "janepin1").send("GET", "/sipxconfig/rest/elsewhere", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("jane's pin: %d %s", a.status, a.body)
	}

	// Deleted through sipX: gone for json.php too.
	boss.send("DELETE", sipxUsers+"/"+strconv.Itoa(newID), "", "").envelope(t, http.StatusOK, "SUCCESS_DELETED")
	if st, _, _ := c.do("GET", usersPath, "act=view&id="+strconv.Itoa(newID), nil); st != http.StatusNotFound {
		t.Fatalf("json.php view of the deleted user: %d", st)
	}
}

func TestSipxUserRefusals(t *testing.T) {
	env, c := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	id := addUser(t, c, `{"userfeatures": {"firstname": "Ann", "loginclient": "ann"}}`)
	count := func() (n int) {
		if err := env.DB.Get(&n, `SELECT count(*) FROM users`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	for _, tc := range []struct {
		name, method, path, ctype, body string
		status                          int
		code, mention                   string
	}{
		{"no userName", "PUT", sipxUsers, "text/xml", `<user><firstName>X</firstName></user>`, 400, "ERROR_VALIDATION_FAILED", "userName"},
		{"userName taken", "PUT", sipxUsers, "application/json", `{"user": {"userName": "ann"}}`, 400, "ERROR_CREATE_FAILED", "already"},
		{"bad e-mail", "PUT", sipxUsers, "application/json", `{"user": {"userName": "zed", "emailAddress": "not an address"}}`, 400, "ERROR_VALIDATION_FAILED", "emailAddress"},
		{"alias of another user", "PUT", sipxUsers, "text/xml", `<user><userName>zed</userName><aliases><alias><alias>boss</alias></alias></aliases></user>`, 400, "ERROR_CREATE_FAILED", "boss"},
		{"unknown branch", "PUT", sipxUsers, "text/xml", `<user><userName>zed</userName><branch><id>999</id></branch></user>`, 400, "ERROR_VALIDATION_FAILED", "branch"},
		{"a user group", "PUT", sipxUsers, "text/xml", `<user><userName>zed</userName><groups><group><id>1</id></group></groups></user>`, 400, "ERROR_VALIDATION_FAILED", "groups[0]"},
		{"malformed XML", "PUT", sipxUsers, "text/xml", `<user><userName>zed</user>`, 400, "ERROR_VALIDATION_FAILED", "XML"},
		{"CR LF in a name", "PUT", sipxUsers, "application/json", `{"user": {"userName": "zed", "lastName": "a\r\nb"}}`, 400, "ERROR_VALIDATION_FAILED", "lastName"},
		{"non-numeric id", "GET", sipxUsers + "/abc", "", "", 400, "ERROR_ID_INVALID", ""},
		{"unknown id", "GET", sipxUsers + "/99999", "", "", 400, "ERROR_OBJECT_NOT_FOUND", ""},
		{"update of an unknown id", "PUT", sipxUsers + "/99999", "text/xml", `<user><userName>zed</userName></user>`, 400, "ERROR_OBJECT_NOT_FOUND", ""},
		{"delete without id", "DELETE", sipxUsers, "", "", 400, "ERROR_MISSING_ID", ""},
		{"bad ids filter", "GET", sipxUsers + "?ids=1,x", "", "", 400, "ERROR_ID_INVALID", "ids"},
	} {
		e := boss.send(tc.method, tc.path, tc.ctype, tc.body).envelope(t, tc.status, tc.code)
		if !strings.Contains(e.More, tc.mention) {
			t.Errorf("%s: additionalMessage %q does not mention %q", tc.name, e.More, tc.mention)
		}
	}
	if n := count(); n != before {
		t.Fatalf("refusals changed the users: %d, was %d", n, before)
	}
	var last string
	if err := env.DB.Get(&last, `SELECT lastname FROM users WHERE id = $1`, id); err != nil || last != "" {
		t.Fatalf("ann changed: %q %v", last, err)
	}
}

func TestSipxUserListPagingAndFilters(t *testing.T) {
	env, c := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	for _, n := range []string{"Carol", "Dave", "Erin"} {
		addUser(t, c, fmt.Sprintf(`{"userfeatures": {"firstname": %q, "lastname": %q}}`, n, "L"+n))
	}
	type list struct {
		Meta struct {
			Total   int `xml:"totalResults"`
			Current int `xml:"currentPage"`
			Pages   int `xml:"totalPages"`
			Per     int `xml:"resultsPerPage"`
		} `xml:"metadata"`
		Users []struct {
			ID    int    `xml:"id"`
			First string `xml:"firstName"`
		} `xml:"users>user"`
	}
	get := func(q string) list {
		a := boss.send("GET", sipxUsers+q, "", "")
		var l list
		if a.status != http.StatusOK || xml.Unmarshal([]byte(a.body), &l) != nil {
			t.Fatalf("GET %s: %d %s", q, a.status, a.body)
		}
		return l
	}
	l := get("")
	if l.Meta.Total != 5 || l.Meta.Pages != 1 || l.Meta.Per != 5 || len(l.Users) != 5 {
		t.Fatalf("unpaged: %+v", l)
	}
	l = get("?page=2&pagesize=2&sortby=firstname&sortdir=reverse")
	if l.Meta.Total != 5 || l.Meta.Current != 2 || l.Meta.Pages != 3 || l.Meta.Per != 2 || len(l.Users) != 2 ||
		l.Users[0].First != "Clerk" || l.Users[1].First != "Carol" {
		t.Fatalf("page 2 by first name, reversed: %+v", l)
	}
	if l = get("?page=9&pagesize=2&sortby=firstname&sortdir=asc"); l.Meta.Current != 3 || len(l.Users) != 1 || l.Users[0].First != "Erin" {
		t.Fatalf("a page past the end is the last: %+v", l)
	}
	ids := strconv.Itoa(get("?sortby=firstname&sortdir=asc").Users[0].ID)
	if l = get("?ids=" + ids); len(l.Users) != 1 || l.Users[0].First != "Boss" {
		t.Fatalf("ids filter: %+v", l)
	}
	if l = get("?branch=1"); l.Meta.Total != 5 {
		t.Fatalf("branch filter: %+v", l)
	}
}

// Digest works with every login form a user has: the user name, a line number, a line
// name, an alias (a secret per form, kept when the pin is set); Basic too.
func TestSipxDigestWithEveryLoginForm(t *testing.T) {
	// The old pin is refused on purpose, eight times from one address: not a throttled attack.
	env, c := sipxSetup(t, func(cfg *web.Config) { cfg.AuthFreeFailures, cfg.AuthBanAfter = 100, 100 })
	id := addUser(t, c, `{"userfeatures": {"firstname": "Dee", "loginclient": "dee", "passwdclient": "deepin42"},
		"linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1042"], "name": ["deeline"]}}`)
	boss := newSipx(t, env, "boss", "bosspin1")
	boss.send("PUT", fmt.Sprintf("%s/%d", sipxUsers, id), "text/xml",
		`<user><userName>dee</userName><pin>deepin43</pin><aliases><alias><alias>dd</alias></alias></aliases></user>`).envelope(t, http.StatusOK, "SUCCESS_UPDATED")
	for _, login := range []string{"dee", "1042", "deeline", "dd"} {
		for _, digest := range []bool{true, false} {
			u := newSipx(t, env, login, "deepin43")
			u.digest = digest
			if a := u.send("GET", "/sipxconfig/rest/elsewhere", "", ""); a.status != http.StatusNotFound {
				t.Errorf("login %q (digest %v): %d %s", login, digest, a.status, a.body)
			}
			u.pass = "deepin42" // the old pin no longer opens
			if a := u.send("GET", "/sipxconfig/rest/elsewhere", "", ""); a.status != http.StatusUnauthorized {
				t.Errorf("login %q (digest %v) with the old pin: %d", login, digest, a.status)
			}
		}
	}
	var n int
	if err := env.DB.Get(&n, `SELECT count(*) FROM user_digests WHERE user_id = $1`, id); err != nil || n != 4 {
		t.Fatalf("digest secrets kept: %d (%v), want 4", n, err)
	}
}
