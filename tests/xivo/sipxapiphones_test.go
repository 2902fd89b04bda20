package xivo_test

import (
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
	"pbxws/web"
)

const (
	apiPhones      = "/sipxconfig/api/phones"
	apiPhoneGroups = "/sipxconfig/api/phoneGroups"
)

// phoneState is the stored phones, phone groups, memberships, lines on phones and external
// lines, one line of text each.
func phoneState(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var s *string
	if err := env.DB.QueryRow(`SELECT concat_ws(E'\n',
		(SELECT string_agg(concat_ws('|', 'phone', phone_id, mac, vendor, model, version, description), E'\n' ORDER BY phone_id) FROM devices),
		(SELECT string_agg(concat_ws('|', 'group', id, name, description, weight), E'\n' ORDER BY id) FROM phone_groups),
		(SELECT string_agg(concat_ws('|', 'member', m.group_id, d.phone_id), E'\n' ORDER BY m.group_id, d.phone_id)
			FROM phone_group_members m JOIN devices d ON d.id = m.device_id),
		(SELECT string_agg(concat_ws('|', 'line', l.id, COALESCE(l.user_id, 0), l.name, l.secret, l.number, COALESCE(d.phone_id, 0), l.num), E'\n' ORDER BY l.id)
			FROM lines l LEFT JOIN devices d ON d.id = l.device_id),
		(SELECT string_agg(concat_ws('|', 'external', line_id, display_name, registration_server, registration_port, extension, voicemail), E'\n' ORDER BY line_id)
			FROM external_lines))`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}

func sipPort(t *testing.T, env *testenv.Env) string {
	t.Helper()
	_, port, err := net.SplitHostPort(env.Server.SIPAddr())
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// /api/phones: made, read in JSON and XML, merged, refused, grouped and deleted; the
// refusals leave the database as it was.
func TestSipxAPIPhones(t *testing.T) {
	env, _ := sipxSetup(t, func(cfg *web.Config) { cfg.SIPDomain = "pbx.example.com" })
	boss := newSipx(t, env, "boss", "bosspin1")
	for _, x := range []struct {
		who    *sx
		status int
	}{{newSipx(t, env, "clerk", "clerkpin"), http.StatusForbidden}, {newSipx(t, env, "", ""), http.StatusUnauthorized}} {
		for _, m := range []string{"GET", "POST"} {
			if a := x.who.send(m, apiPhones, "application/json", `{"serialNo":"001122334455","model":{"modelId":"genericSipPhone"}}`); a.status != x.status {
				t.Fatalf("%s as %q: %d %s", m, x.who.user, a.status, a.body)
			}
		}
		if a := x.who.send("GET", apiPhoneGroups, "", ""); a.status != x.status {
			t.Fatalf("phoneGroups as %q: %d", x.who.user, a.status)
		}
	}
	if got := phoneState(t, env); got != "" {
		t.Fatalf("refused POSTs stored: %s", got)
	}

	// POST: the id back and where it is; the MAC normalised, the group made.
	a := boss.send("POST", apiPhones, "application/json", `{"serialNo":"00:04:F2:80:CC:95","description":"front desk","deviceVersion":"5.0.X",
		"model":{"modelId":"polycomVVX410","label":"ignored"},"groups":[{"name":"hq"}],"lines":[{"user":"clerk"}]}`)
	if a.status != http.StatusOK || a.body != "1" || a.header.Get("Location") != apiPhones+"/1" {
		t.Fatalf("POST: %d %s %v", a.status, a.body, a.header)
	}
	before := phoneState(t, env)
	if before != "phone|1|00:04:f2:80:cc:95|Polycom|VVX410|5.0.X|front desk\ngroup|1|hq||1\nmember|1|1" {
		t.Fatalf("stored: %s", before)
	}
	want := `{"id":1,"serialNo":"0004f280cc95","deviceVersion":"5.0.X","description":"front desk",` +
		`"model":{"modelId":"polycomVVX410","label":"Polycom VVX 410","vendor":"Polycom","versions":["4.1.X","5.0.X","6.0.X"]},` +
		`"lines":null,"groups":[{"id":1,"name":"hq","description":null,"weight":1,"count":null}]}`
	for _, ref := range []string{"1", "0004f280cc95", "00-04-f2-80-cc-95"} {
		if a := boss.send("GET", apiPhones+"/"+ref, "", ""); a.status != http.StatusOK || a.body != want ||
			!strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
			t.Fatalf("GET %s: %d %s\nwant %s", ref, a.status, a.body, want)
		}
	}
	wantXML := `<Phone><id>1</id><serialNo>0004f280cc95</serialNo><deviceVersion>5.0.X</deviceVersion><description>front desk</description>` +
		`<Model><modelId>polycomVVX410</modelId><label>Polycom VVX 410</label><vendor>Polycom</vendor><Versions><Version>4.1.X</Version><Version>5.0.X</Version><Version>6.0.X</Version></Versions></Model>` +
		`<Groups><Group><id>1</id><name>hq</name><weight>1</weight></Group></Groups></Phone>`
	a = boss.send("GET", apiPhones+"/1.xml", "", "")
	if a.status != http.StatusOK || !strings.HasSuffix(a.body, wantXML) || !strings.HasPrefix(a.header.Get("Content-Type"), "text/xml") {
		t.Fatalf("GET .xml: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiPhones, "", "", "Accept", "application/xml"); !strings.HasSuffix(a.body, "<Phones>"+wantXML+"</Phones>") {
		t.Fatalf("list XML: %s", a.body)
	}

	// A second phone, by XML; the list by id, paged when start and limit are both valid.
	if a := boss.send("POST", apiPhones, "text/xml", `<Phone><serialNo>001122334455</serialNo><model><modelId>genericSipPhone</modelId></model></Phone>`); a.status != http.StatusOK || a.body != "2" {
		t.Fatalf("POST XML: %d %s", a.status, a.body)
	}
	second := `{"id":2,"serialNo":"001122334455","deviceVersion":null,"description":null,"model":{"modelId":"genericSipPhone","label":"Generic SIP phone","vendor":null,"versions":null},"lines":null,"groups":null}`
	if a := boss.send("GET", apiPhones, "", ""); a.body != `{"phones":[`+want+`,`+second+`]}` {
		t.Fatalf("list: %s", a.body)
	}
	if a := boss.send("GET", apiPhones+"?start=1&limit=1", "", ""); a.body != `{"phones":[`+second+`]}` {
		t.Fatalf("page: %s", a.body)
	}
	if a := boss.send("GET", apiPhones+"?start=1&limit=0", "", ""); a.body != `{"phones":[`+want+`,`+second+`]}` {
		t.Fatalf("invalid page: %s", a.body)
	}
	before = phoneState(t, env)

	// Refusals change nothing.
	for _, x := range []struct {
		method, path, body string
		status             int
		has                string
	}{
		{"POST", "", `{"model":{"modelId":"genericSipPhone"}}`, 400, "serialNo"},
		{"POST", "", `{"serialNo":"0004f280cc9","model":{"modelId":"genericSipPhone"}}`, 400, "serialNo"},
		{"POST", "", `{"serialNo":"0004f280cc96"}`, 400, "model.modelId"},
		{"POST", "", `{"serialNo":"0004f280cc96","model":{"modelId":"nokia3310"}}`, 400, "No such phone model defined"},
		{"POST", "", `{"serialNo":"0004f280cc96","model":{"modelId":"polycomVVX410"},"deviceVersion":"9.9"}`, 400, "deviceVersion"},
		{"POST", "", `{"serialNo":"0004F280CC95","model":{"modelId":"genericSipPhone"}}`, 409, "serialNo"},
		{"POST", "", `{"serialNo":"0004f280cc96","model":{"modelId":"genericSipPhone"},"description":"` + strings.Repeat("x", 256) + `"}`, 400, "description"},
		{"POST", "", `{"serialNo":"0004f280cc96","model":{"modelId":"genericSipPhone"},"groups":[{"description":"no name"}]}`, 400, "groups[0].name"},
		{"POST", "", `{"serialNo":["x"],"model":{"modelId":"genericSipPhone"}}`, 400, "serialNo"},
		{"POST", "", `{"serialNo":`, 400, ""},
		{"PUT", "/1", `{"model":{"modelId":"genericSipPhone"}}`, 400, "model.modelId"},
		{"PUT", "/1", `{"serialNo":"001122334455"}`, 409, "serialNo"},
		{"PUT", "/1", `{"deviceVersion":"1.0"}`, 400, "deviceVersion"},
		{"PUT", "/9", `{"description":"x"}`, 404, "Phone not found"},
		{"GET", "/9", ``, 404, "Phone not found"},
		{"GET", "/aabbccddeeff", ``, 404, "Phone not found"},
		{"DELETE", "/9", ``, 404, "Phone not found"},
		{"DELETE", "/1/groups/lab", ``, 404, "lab"},
		{"GET", "/9/groups", ``, 404, "Phone not found"},
		{"POST", "/1/groups/a%2Fb", ``, 400, "groupName"},
	} {
		a := boss.send(x.method, apiPhones+x.path, "application/json", x.body)
		if a.status != x.status || !strings.Contains(a.body, x.has) || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") {
			t.Fatalf("%s %s %s: %d %s", x.method, x.path, x.body, a.status, a.body)
		}
		if after := phoneState(t, env); after != before {
			t.Fatalf("%s %s changed the phones:\n%s", x.method, x.path, after)
		}
	}
	if a := boss.send("PATCH", apiPhones+"/1", "", ""); a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "GET, PUT, DELETE, OPTIONS" {
		t.Fatalf("PATCH: %d %v", a.status, a.header)
	}

	// PUT merges: the description alone keeps the rest; groups only add.
	if a := boss.send("PUT", apiPhones+"/0004f280cc95", "application/json", `{"description":"lobby","id":7,"groups":[{"name":"lab"}]}`); a.status != http.StatusOK || a.body != "1" {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	if got := phoneState(t, env); got != "phone|1|00:04:f2:80:cc:95|Polycom|VVX410|5.0.X|lobby\nphone|2|00:11:22:33:44:55||||\ngroup|1|hq||1\ngroup|2|lab||2\nmember|1|1\nmember|2|1" {
		t.Fatalf("after PUT: %s", got)
	}
	if a := boss.send("PUT", apiPhones+"/1", "text/xml", `<Phone><deviceVersion>6.0.X</deviceVersion><description/></Phone>`); a.status != http.StatusOK {
		t.Fatalf("PUT XML: %d %s", a.status, a.body)
	}

	// Groups of a phone: listed, joined (made when missing), left, all left.
	if a := boss.send("POST", apiPhones+"/2/groups/lab", "", ""); a.status != http.StatusOK || a.body != "" {
		t.Fatalf("join: %d %s", a.status, a.body)
	}
	if a := boss.send("POST", apiPhones+"/2/groups/desk", "", ""); a.status != http.StatusOK {
		t.Fatalf("join new: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiPhones+"/2/groups", "", ""); a.body != `{"groups":[{"id":2,"name":"lab","description":null,"weight":2,"count":null},{"id":3,"name":"desk","description":null,"weight":3,"count":null}]}` {
		t.Fatalf("groups: %s", a.body)
	}
	if a := boss.send("GET", apiPhones+"/2/groups.xml", "", ""); !strings.HasSuffix(a.body, `<Groups><Group><id>2</id><name>lab</name><weight>2</weight></Group><Group><id>3</id><name>desk</name><weight>3</weight></Group></Groups>`) {
		t.Fatalf("groups XML: %s", a.body)
	}
	if a := boss.send("DELETE", apiPhones+"/2/groups/lab", "", ""); a.status != http.StatusOK {
		t.Fatalf("leave: %d %s", a.status, a.body)
	}
	if a := boss.send("DELETE", apiPhones+"/1/groups", "", ""); a.status != http.StatusOK {
		t.Fatalf("leave all: %d %s", a.status, a.body)
	}
	if got := phoneState(t, env); got != "phone|1|00:04:f2:80:cc:95|Polycom|VVX410|6.0.X|\nphone|2|00:11:22:33:44:55||||\ngroup|1|hq||1\ngroup|2|lab||2\ngroup|3|desk||3\nmember|3|2" {
		t.Fatalf("after the group changes: %s", got)
	}

	// The catalogue, by label, with the generic phone.
	a = boss.send("GET", apiPhones+"/models", "", "")
	if a.status != http.StatusOK || !strings.HasPrefix(a.body, `{"models":[{"modelId":"aastra6731i","label":"Aastra 6731i","vendor":"Aastra","versions":null},{"modelId":"genericSipPhone","label":"Generic SIP phone","vendor":null,"versions":null},`) {
		t.Fatalf("models: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiPhones+"/models.xml", "", ""); !strings.Contains(a.body, `<Models><Model><modelId>aastra6731i</modelId><label>Aastra 6731i</label><vendor>Aastra</vendor></Model>`) {
		t.Fatalf("models XML: %s", a.body)
	}

	// DELETE: the device goes, its memberships with it.
	if a := boss.send("DELETE", apiPhones+"/2", "", ""); a.status != http.StatusOK || a.body != "" {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	if got := phoneState(t, env); got != "phone|1|00:04:f2:80:cc:95|Polycom|VVX410|6.0.X|\ngroup|1|hq||1\ngroup|2|lab||2\ngroup|3|desk||3" {
		t.Fatalf("after DELETE: %s", got)
	}
}

// /api/phones/{phone}/lines: user lines (attached, made when the user has none, detached on
// delete) and external lines (made and deleted), the model's line count, /phones/line.
func TestSipxAPIPhoneLines(t *testing.T) {
	env, c := sipxSetup(t, func(cfg *web.Config) { cfg.SIPDomain = "pbx.example.com" })
	boss := newSipx(t, env, "boss", "bosspin1")
	port := sipPort(t, env)
	var clerk, bossID int
	if err := env.DB.Get(&clerk, `SELECT id FROM users WHERE loginclient = 'clerk'`); err != nil {
		t.Fatal(err)
	}
	if err := env.DB.Get(&bossID, `SELECT id FROM users WHERE loginclient = 'boss'`); err != nil {
		t.Fatal(err)
	}
	// Boss has a line of his own already (through json.php).
	c.mustStatus(http.StatusOK, "POST", usersPath, "act=edit&id="+strconv.Itoa(bossID),
		json.RawMessage(`{"linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1001"]}}`))
	var bossLine struct {
		ID     int    `db:"id"`
		Name   string `db:"name"`
		Secret string `db:"secret"`
	}
	if err := env.DB.Get(&bossLine, `SELECT id, name, secret FROM lines WHERE user_id = $1`, bossID); err != nil {
		t.Fatal(err)
	}
	if a := boss.send("POST", apiPhones, "application/json", `{"serialNo":"0004f280cc95","model":{"modelId":"polycom335"}}`); a.body != "1" {
		t.Fatalf("POST phone: %d %s", a.status, a.body)
	}
	if a := boss.send("POST", apiPhones, "application/json", `{"serialNo":"001122334455","model":{"modelId":"genericSipPhone"}}`); a.body != "2" {
		t.Fatalf("POST phone: %d %s", a.status, a.body)
	}

	// A user line: boss's own line goes to slot 1.
	a := boss.send("POST", apiPhones+"/1/lines", "application/json", `{"user":"boss"}`)
	if a.status != http.StatusOK || a.body != strconv.Itoa(bossLine.ID) {
		t.Fatalf("user line: %d %s", a.status, a.body)
	}
	// An external line, in XML: slot 2 (the model has 2).
	a = boss.send("POST", apiPhones+"/1/lines", "text/xml", `<Line><userId>ext-7</userId><password>Pw7</password><displayName>Front Desk</displayName>`+
		`<extension>300</extension><registrationServer>sip.example.net</registrationServer><registrationServerPort>5070</registrationServerPort><voicemail>*97</voicemail></Line>`)
	if a.status != http.StatusOK {
		t.Fatalf("external line: %d %s", a.status, a.body)
	}
	ext, _ := strconv.Atoi(a.body)
	before := phoneState(t, env)
	wantState := "phone|1|00:04:f2:80:cc:95|Polycom|SPIP335||\nphone|2|00:11:22:33:44:55||||\n" +
		"line|" + strconv.Itoa(bossLine.ID) + "|" + strconv.Itoa(bossID) + "|" + bossLine.Name + "|" + bossLine.Secret + "|1001|1|1\n" +
		"line|" + a.body + "|0|ext-7|Pw7||1|2\n" +
		"external|" + a.body + "|Front Desk|sip.example.net|5070|300|*97"
	if before != wantState {
		t.Fatalf("stored:\n%s\nwant\n%s", before, wantState)
	}
	userBean := `{"id":` + strconv.Itoa(bossLine.ID) + `,"uri":"\"Boss\"<sip:` + bossLine.Name + `@pbx.example.com>","user":"boss","userId":"` + bossLine.Name +
		`","extension":"1001","displayName":"Boss","password":"` + bossLine.Secret + `","registrationServer":"pbx.example.com","registrationServerPort":"` + port + `","voicemail":"*98"}`
	extBean := `{"id":` + a.body + `,"uri":"\"Front Desk\"<sip:ext-7@sip.example.net>","user":null,"userId":"ext-7","extension":"300","displayName":"Front Desk",` +
		`"password":"Pw7","registrationServer":"sip.example.net","registrationServerPort":"5070","voicemail":"*97"}`
	if a := boss.send("GET", apiPhones+"/1/lines", "", ""); a.status != http.StatusOK || a.body != `{"lines":[`+userBean+`,`+extBean+`]}` {
		t.Fatalf("lines: %d %s\nwant %s", a.status, a.body, `{"lines":[`+userBean+`,`+extBean+`]}`)
	}
	if a := boss.send("GET", apiPhones+"/0004f280cc95/lines/"+strconv.Itoa(ext), "", ""); a.body != extBean {
		t.Fatalf("one line: %s", a.body)
	}
	if a := boss.send("GET", apiPhones+"/1/lines/"+strconv.Itoa(ext)+".xml", "", ""); !strings.HasSuffix(a.body, `<Line><id>`+strconv.Itoa(ext)+
		`</id><uri>&#34;Front Desk&#34;&lt;sip:ext-7@sip.example.net&gt;</uri><userId>ext-7</userId><extension>300</extension><displayName>Front Desk</displayName>`+
		`<password>Pw7</password><registrationServer>sip.example.net</registrationServer><registrationServerPort>5070</registrationServerPort><voicemail>*97</voicemail></Line>`) {
		t.Fatalf("one line XML: %s", a.body)
	}
	if a := boss.send("GET", apiPhones+"/1", "", ""); !strings.Contains(a.body, `"lines":[`+userBean+`,`+extBean+`],"groups":null}`) {
		t.Fatalf("phone with lines: %s", a.body)
	}
	// /phones/line finds phones by a line's user, SIP user, number or display name.
	for filter, want := range map[string]string{"BOS": `[{"id":1,`, "front": `[{"id":1,`, "nobody": `[]`, "100": `[{"id":1,`} {
		if a := boss.send("GET", apiPhones+"/line?lineFilter="+filter, "", ""); !strings.HasPrefix(a.body, `{"phones":`+want) {
			t.Fatalf("lineFilter=%s: %s", filter, a.body)
		}
	}

	// Refusals change nothing: the model's lines are all taken, unknown user, no userId, a
	// line of another phone, an unknown phone.
	for _, x := range []struct {
		method, path, body string
		status             int
		has                string
	}{
		{"POST", "/1/lines", `{"user":"clerk"}`, 400, "lines"},
		{"POST", "/2/lines", `{"user":"nobody"}`, 400, "User not found"},
		{"POST", "/2/lines", `{"displayName":"x"}`, 400, "userId"},
		{"POST", "/2/lines", `{"userId":"x y"}`, 400, "userId"},
		{"POST", "/2/lines", `{"userId":"` + bossLine.Name + `"}`, 409, "userId"},
		{"POST", "/2/lines", `{"userId":"e8","registrationServerPort":"70000"}`, 400, "registrationServerPort"},
		{"POST", "/2/lines", `{"userId":"e8","extension":"3a"}`, 400, "extension"},
		{"POST", "/9/lines", `{"user":"clerk"}`, 404, "Phone not found"},
		{"GET", "/2/lines/" + strconv.Itoa(ext), ``, 404, "Line not found."},
		{"DELETE", "/2/lines/" + strconv.Itoa(ext), ``, 404, "Line not found."},
		{"GET", "/9/lines", ``, 404, "Phone not found"},
	} {
		a := boss.send(x.method, apiPhones+x.path, "application/json", x.body)
		if a.status != x.status || !strings.Contains(a.body, x.has) {
			t.Fatalf("%s %s %s: %d %s", x.method, x.path, x.body, a.status, a.body)
		}
		if after := phoneState(t, env); after != before {
			t.Fatalf("%s %s changed the phones:\n%s", x.method, x.path, after)
		}
	}

	// Clerk has no line: one is made (SIP name = login, the default context).
	a = boss.send("POST", apiPhones+"/2/lines", "application/json", `{"user":"clerk"}`)
	if a.status != http.StatusOK {
		t.Fatalf("clerk's line: %d %s", a.status, a.body)
	}
	var made struct {
		User    int    `db:"user_id"`
		Name    string `db:"name"`
		Context string `db:"context"`
		Num     int    `db:"num"`
	}
	if err := env.DB.Get(&made, `SELECT user_id, name, context, num FROM lines WHERE id = $1`, a.body); err != nil {
		t.Fatal(err)
	}
	if made.User != clerk || made.Name != "clerk" || made.Context != "default" || made.Num != 1 {
		t.Fatalf("clerk's line: %+v", made)
	}

	// DELETE one line: the external one goes; all lines: the user line is detached.
	if a := boss.send("DELETE", apiPhones+"/1/lines/"+strconv.Itoa(ext), "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE external: %d %s", a.status, a.body)
	}
	var n int
	if err := env.DB.Get(&n, `SELECT count(*) FROM lines WHERE id = $1`, ext); err != nil || n != 0 {
		t.Fatalf("external line left: %d %v", n, err)
	}
	if a := boss.send("DELETE", apiPhones+"/1/lines", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE lines: %d %s", a.status, a.body)
	}
	var dev *string
	if err := env.DB.Get(&dev, `SELECT device_id FROM lines WHERE id = $1 AND user_id = $2`, bossLine.ID, bossID); err != nil || dev != nil {
		t.Fatalf("boss's line: %v %v", dev, err)
	}
	if a := boss.send("GET", apiPhones+"/1/lines", "", ""); a.body != `{"lines":[]}` {
		t.Fatalf("no lines: %s", a.body)
	}
	// Deleting a phone detaches its user lines.
	if a := boss.send("DELETE", apiPhones+"/2", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE phone: %d %s", a.status, a.body)
	}
	if err := env.DB.Get(&dev, `SELECT device_id FROM lines WHERE user_id = $1`, clerk); err != nil || dev != nil {
		t.Fatalf("clerk's line after the phone went: %v %v", dev, err)
	}
}

// settingState is the stored overrides of phones, phone lines and phone groups.
func settingState(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var s *string
	if err := env.DB.QueryRow(`SELECT string_agg(concat_ws('|', owner_kind, owner_id, path, COALESCE(value, '<null>')), E'\n' ORDER BY owner_kind, owner_id, path)
		FROM setting_values WHERE owner_kind LIKE 'phone%'`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}

// Settings of phones, their lines and phone groups (§3, §7.5): the model's trees, the
// effective value (phone > groups by weight > default), line columns mirrored, the bulk PUT
// all or nothing, refusals changing nothing.
func TestSipxAPIPhoneSettings(t *testing.T) {
	env, _ := sipxSetup(t, func(cfg *web.Config) { cfg.SIPDomain = "pbx.example.com" })
	boss := newSipx(t, env, "boss", "bosspin1")
	if a := boss.send("POST", apiPhones, "application/json", `{"serialNo":"0004f280cc95","model":{"modelId":"polycom335"},"groups":[{"name":"hq"},{"name":"lab"}]}`); a.body != "1" {
		t.Fatalf("POST phone: %d %s", a.status, a.body)
	}
	if a := boss.send("POST", apiPhones, "application/json", `{"serialNo":"805ec0aabbcc","model":{"modelId":"yealinkPhoneT46"}}`); a.body != "2" {
		t.Fatalf("POST phone: %d %s", a.status, a.body)
	}
	a := boss.send("POST", apiPhones+"/1/lines", "application/json", `{"userId":"ext-1","password":"Pw1","displayName":"Desk","registrationServer":"sip.example.net"}`)
	if a.status != http.StatusOK {
		t.Fatalf("line: %d %s", a.status, a.body)
	}
	line := a.body
	if a := newSipx(t, env, "clerk", "clerkpin").send("GET", apiPhones+"/1/settings", "", ""); a.status != http.StatusForbidden {
		t.Fatalf("clerk: %d", a.status)
	}

	sntp := `{"path":"tcpIpApp/sntp/address","type":"string","options":null,"value":"%s","defaultValue":"pool.ntp.org","label":"SNTP server","description":null}`
	bean := func(v string) string { return strings.Replace(sntp, "%s", v, 1) }
	a = boss.send("GET", apiPhones+"/1/settings", "", "")
	if a.status != http.StatusOK || !strings.HasPrefix(a.body, `{"settings":[`+bean("pool.ntp.org")+`,{"path":"tcpIpApp/sntp/gmtOffset","type":"enum","options":{"-18000":"UTC-05:00 (New York)",`) {
		t.Fatalf("phone settings: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiPhones+"/2/settings/time", "", ""); a.status != http.StatusOK || !strings.HasPrefix(a.body, `{"settings":[{"path":"time/ntpServer1",`) {
		t.Fatalf("Yealink group: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiPhones+"/0004f280cc95/settings/tcpIpApp/sntp/address", "", "", "Accept", "text/xml"); !strings.HasSuffix(a.body,
		`<Setting><path>tcpIpApp/sntp/address</path><type>string</type><value>pool.ntp.org</value><defaultValue>pool.ntp.org</defaultValue><label>SNTP server</label></Setting>`) {
		t.Fatalf("XML leaf: %s", a.body)
	}

	// Group values: the phone takes its groups' (lab, the heavier, first); its own override
	// wins; dropping it goes back to the groups'; moving lab up makes hq win.
	put := func(path, value string) {
		t.Helper()
		if a := boss.send("PUT", path, "text/plain", value); a.status != http.StatusOK {
			t.Fatalf("PUT %s %s: %d %s", path, value, a.status, a.body)
		}
	}
	effective := func(want string) {
		t.Helper()
		if a := boss.send("GET", apiPhones+"/1/settings/tcpIpApp/sntp/address", "", ""); a.body != bean(want) {
			t.Fatalf("effective: %s, want %s", a.body, want)
		}
	}
	put(apiPhoneGroups+"/hq/model/polycom335/settings/tcpIpApp/sntp/address", "ntp.hq.example\n")
	effective("ntp.hq.example")
	put(apiPhoneGroups+"/2/model/polycomVVX410/settings/tcpIpApp/sntp/address", "ntp.lab.example")
	effective("ntp.lab.example")
	if a := boss.send("GET", apiPhoneGroups+"/hq/model/polycom335/settings/tcpIpApp/sntp/address", "", ""); a.body != bean("ntp.hq.example") {
		t.Fatalf("group's value: %s", a.body)
	}
	put(apiPhones+"/1/settings/tcpIpApp/sntp/address", "ntp.mine.example")
	effective("ntp.mine.example")
	if a := boss.send("DELETE", apiPhones+"/1/settings/tcpIpApp/sntp/address", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	effective("ntp.lab.example")
	if a := boss.send("PUT", apiPhoneGroups+"/lab/up", "", ""); a.status != http.StatusOK || a.body != "2" {
		t.Fatalf("up: %d %s", a.status, a.body)
	}
	effective("ntp.hq.example")
	// Booleans take true/false and are stored as the leaf's literals.
	put(apiPhones+"/1/settings/tcpIpApp/sntp/daylightSavings", "false")
	// The bulk PUT of a group: all or nothing.
	if a := boss.send("PUT", apiPhoneGroups+"/hq/model/polycom335/settings", "application/json",
		`{"settings":[{"path":"dialplan/digitmap","value":"xxxx"},{"path":"up/backlightIdleIntensity","value":"3"}]}`); a.status != http.StatusOK {
		t.Fatalf("bulk: %d %s", a.status, a.body)
	}
	before := settingState(t, env)
	want := "phone|1|tcpIpApp/sntp/daylightSavings|0\n" +
		"phone-group|1|dialplan/digitmap|xxxx\nphone-group|1|tcpIpApp/sntp/address|ntp.hq.example\nphone-group|1|up/backlightIdleIntensity|3\n" +
		"phone-group|2|tcpIpApp/sntp/address|ntp.lab.example"
	if before != want {
		t.Fatalf("stored:\n%s\nwant\n%s", before, want)
	}

	// Line settings: user id, password and display name are the line's columns.
	lineSettings := apiPhones + "/1/lines/" + line + "/settings"
	if a := boss.send("GET", lineSettings+"/registration", "", ""); !strings.HasPrefix(a.body, `{"settings":[{"path":"registration/userId","type":"string","options":null,"value":"ext-1","defaultValue":null,"label":"User ID",`) ||
		!strings.Contains(a.body, `{"path":"registration/displayName","type":"string","options":null,"value":"Desk",`) {
		t.Fatalf("line registration: %s", a.body)
	}
	put(lineSettings+"/registration/password", "NewPw9")
	put(lineSettings+"/registration/displayName", "Front Desk")
	put(lineSettings+"/registration/userId", "ext-9")
	put(lineSettings+"/reg/callsPerLineKey", "4")
	var l struct {
		Name    string `db:"name"`
		Secret  string `db:"secret"`
		Display string `db:"display_name"`
	}
	if err := env.DB.Get(&l, `SELECT l.name, l.secret, e.display_name FROM lines l JOIN external_lines e ON e.line_id = l.id WHERE l.id = $1`, line); err != nil {
		t.Fatal(err)
	}
	if l.Name != "ext-9" || l.Secret != "NewPw9" || l.Display != "Front Desk" {
		t.Fatalf("line columns: %+v", l)
	}
	if a := boss.send("GET", apiPhones+"/1/lines/"+line, "", ""); !strings.Contains(a.body, `"userId":"ext-9","extension":null,"displayName":"Front Desk","password":"NewPw9"`) {
		t.Fatalf("line bean after the settings: %s", a.body)
	}
	before = settingState(t, env)
	if before != want+"\nphone-line|"+line+"|reg/callsPerLineKey|4" {
		t.Fatalf("stored after the line settings:\n%s", before)
	}

	// Refusals change nothing.
	for _, x := range []struct {
		method, path, ctype, body string
		status                    int
		has                       string
	}{
		{"GET", apiPhones + "/9/settings", "", "", 404, "Phone not found"},
		{"GET", apiPhones + "/1/settings/no/such", "", "", 404, "no/such"},
		{"GET", apiPhones + "/1/settings/tcpIpApp/../dialplan", "", "", 404, ""},
		{"PUT", apiPhones + "/1/settings/tcpIpApp/sntp/gmtOffset", "text/plain", "99", 400, "tcpIpApp/sntp/gmtOffset"},
		{"PUT", apiPhones + "/1/settings/dialplan/impossibleMatchHandling", "text/plain", "7", 400, "between 0 and 3"},
		{"PUT", apiPhones + "/1/settings/tcpIpApp", "text/plain", "x", 400, "not a setting"},
		{"PUT", apiPhones + "/1/settings/time/ntpServer1", "text/plain", "x", 404, "time/ntpServer1"},
		{"PUT", apiPhones + "/1/settings/tcpIpApp/sntp/address", "application/json", `"x"`, 415, ""},
		{"DELETE", apiPhones + "/1/settings/nothing", "", "", 404, ""},
		{"PUT", apiPhoneGroups + "/hq/model/polycom335/settings", "application/json", `{"settings":[{"path":"dialplan/digitmap","value":"yyyy"},{"path":"tcpIpApp/sntp/gmtOffset","value":"bad"}]}`, 400, "tcpIpApp/sntp/gmtOffset"},
		{"PUT", apiPhoneGroups + "/hq/model/polycom335/settings", "application/json", `{"settings":[{"path":"dialplan/digitmap","value":"yyyy"},{"path":"no/such","value":"1"}]}`, 400, "no/such"},
		{"GET", apiPhoneGroups + "/hq/model/nokia3310/settings", "", "", 404, ""},
		{"GET", apiPhoneGroups + "/nope/model/polycom335/settings", "", "", 404, ""},
		{"PUT", lineSettings + "/registration/userId", "text/plain", "", 400, "registration/userId"},
		{"PUT", lineSettings + "/registration/userId", "text/plain", "a b", 400, "registration/userId"},
		{"GET", apiPhones + "/2/lines/" + line + "/settings", "", "", 404, "Line not found."},
		{"PUT", apiPhones + "/2/lines/" + line + "/settings/reg/label", "text/plain", "x", 404, ""},
	} {
		a := boss.send(x.method, x.path, x.ctype, x.body)
		if a.status != x.status || !strings.Contains(a.body, x.has) {
			t.Fatalf("%s %s %s: %d %s", x.method, x.path, x.body, a.status, a.body)
		}
		if after := settingState(t, env); after != before {
			t.Fatalf("%s %s changed the settings:\n%s", x.method, x.path, after)
		}
	}

	// A phone's and a group's overrides go with them.
	if a := boss.send("DELETE", apiPhoneGroups+"/lab", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE group: %d %s", a.status, a.body)
	}
	if a := boss.send("DELETE", apiPhones+"/1", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE phone: %d %s", a.status, a.body)
	}
	if got := settingState(t, env); got != "phone-group|1|dialplan/digitmap|xxxx\nphone-group|1|tcpIpApp/sntp/address|ntp.hq.example\nphone-group|1|up/backlightIdleIntensity|3" {
		t.Fatalf("after the deletes:\n%s", got)
	}
}

// /api/phoneGroups: made last by weight, listed with counts, read by id or name, merged
// (weight ignored), moved, the firmware of a model's phones set, deleted (members leave).
func TestSipxAPIPhoneGroups(t *testing.T) {
	env, _ := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	for i, body := range []string{`{"name":"hq","description":"head office","weight":50}`, `<Group><name>lab</name></Group>`} {
		ctype := "application/json"
		if strings.HasPrefix(body, "<") {
			ctype = "application/xml"
		}
		if a := boss.send("POST", apiPhoneGroups, ctype, body); a.status != http.StatusOK || a.body != strconv.Itoa(i+1) ||
			a.header.Get("Location") != apiPhoneGroups+"/"+strconv.Itoa(i+1) {
			t.Fatalf("POST %s: %d %s", body, a.status, a.body)
		}
	}
	for _, body := range []string{`{"serialNo":"0004f280cc95","model":{"modelId":"polycom335"},"deviceVersion":"3.2.X","groups":[{"name":"lab"}]}`,
		`{"serialNo":"0004f280cc96","model":{"modelId":"polycom550"},"groups":[{"name":"lab"}]}`} {
		if a := boss.send("POST", apiPhones, "application/json", body); a.status != http.StatusOK {
			t.Fatalf("POST phone: %d %s", a.status, a.body)
		}
	}
	hq := `{"id":1,"name":"hq","description":"head office","weight":1,"count":%d}`
	lab := `{"id":2,"name":"lab","description":null,"weight":2,"count":%d}`
	if a := boss.send("GET", apiPhoneGroups, "", ""); a.body != `{"groups":[`+strings.Replace(hq, "%d", "0", 1)+`,`+strings.Replace(lab, "%d", "2", 1)+`]}` {
		t.Fatalf("list: %s", a.body)
	}
	if a := boss.send("GET", apiPhoneGroups+".xml", "", ""); !strings.HasSuffix(a.body, `<Groups><Group><id>1</id><name>hq</name><description>head office</description><weight>1</weight><count>0</count></Group><Group><id>2</id><name>lab</name><weight>2</weight><count>2</count></Group></Groups>`) {
		t.Fatalf("list XML: %s", a.body)
	}
	for _, ref := range []string{"2", "lab"} {
		if a := boss.send("GET", apiPhoneGroups+"/"+ref, "", ""); a.body != strings.Replace(lab, "%d", "null", 1) {
			t.Fatalf("GET %s: %s", ref, a.body)
		}
	}
	// PUT merges, the weight is server-managed; up and down swap with the neighbour.
	if a := boss.send("PUT", apiPhoneGroups+"/lab", "application/json", `{"description":"the lab","weight":9}`); a.status != http.StatusOK || a.body != "2" {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	if a := boss.send("PUT", apiPhoneGroups+"/lab/up", "", ""); a.status != http.StatusOK || a.body != "2" {
		t.Fatalf("up: %d %s", a.status, a.body)
	}
	if a := boss.send("PUT", apiPhoneGroups+"/lab/up", "", ""); a.status != http.StatusOK {
		t.Fatalf("up at the top: %d %s", a.status, a.body)
	}
	state := func() string {
		t.Helper()
		var s string
		if err := env.DB.Get(&s, `SELECT concat_ws(E'\n', (SELECT string_agg(concat_ws('|', id, name, description, weight), E'\n' ORDER BY weight) FROM phone_groups),
			(SELECT string_agg(concat_ws('|', mac, version), E'\n' ORDER BY mac) FROM devices))`); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := state(); got != "2|lab|the lab|1\n1|hq|head office|2\n00:04:f2:80:cc:95|3.2.X\n00:04:f2:80:cc:96|" {
		t.Fatalf("after up: %s", got)
	}
	if a := boss.send("PUT", apiPhoneGroups+"/2/down", "", ""); a.status != http.StatusOK {
		t.Fatalf("down: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiPhoneGroups+"/1/models", "", ""); a.status != http.StatusOK || !strings.HasPrefix(a.body, `{"models":[{"modelId":"aastra6731i",`) {
		t.Fatalf("models: %d %s", a.status, a.body)
	}
	// Firmware: the group's phones of that model only.
	if a := boss.send("PUT", apiPhoneGroups+"/lab/model/polycom335/firmware/4.0.X", "", ""); a.status != http.StatusOK || a.body != "2" {
		t.Fatalf("firmware: %d %s", a.status, a.body)
	}
	before := state()
	if before != "1|hq|head office|1\n2|lab|the lab|2\n00:04:f2:80:cc:95|4.0.X\n00:04:f2:80:cc:96|" {
		t.Fatalf("after firmware: %s", before)
	}
	for _, x := range []struct {
		method, path, body string
		status             int
		has                string
	}{
		{"POST", "", `{"name":"HQ2","description":"` + strings.Repeat("d", 256) + `"}`, 400, "description"},
		{"POST", "", `{"description":"x"}`, 400, "name"},
		{"POST", "", `{"name":"lab"}`, 409, "lab"},
		{"PUT", "/1", `{"name":"lab"}`, 409, "lab"},
		{"PUT", "/1", `{"name":""}`, 400, "name"},
		{"GET", "/9", ``, 404, "Phone group not found"},
		{"PUT", "/9/up", ``, 404, "Phone group not found"},
		{"DELETE", "/nope", ``, 404, "Phone group not found"},
		{"PUT", "/lab/model/polycom335/firmware/9.9", ``, 400, "version"},
		{"PUT", "/lab/model/nokia/firmware/1.0", ``, 404, "Phone model not found"},
		{"PUT", "/9/model/polycom335/firmware/4.0.X", ``, 404, "Phone group not found"},
	} {
		a := boss.send(x.method, apiPhoneGroups+x.path, "application/json", x.body)
		if a.status != x.status || !strings.Contains(a.body, x.has) {
			t.Fatalf("%s %s %s: %d %s", x.method, x.path, x.body, a.status, a.body)
		}
		if after := state(); after != before {
			t.Fatalf("%s %s changed the groups:\n%s", x.method, x.path, after)
		}
	}
	if a := newSipx(t, env, "clerk", "clerkpin").send("PUT", apiPhoneGroups+"/lab/up", "", ""); a.status != http.StatusForbidden {
		t.Fatalf("clerk: %d", a.status)
	}
	// DELETE: the members just leave.
	if a := boss.send("DELETE", apiPhoneGroups+"/lab", "", ""); a.status != http.StatusOK || a.body != "" {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiPhones+"/1", "", ""); !strings.HasSuffix(a.body, `"lines":null,"groups":null}`) {
		t.Fatalf("phone after its group went: %s", a.body)
	}
}

// The XiVO view (§7.6): a device and a line made through json.php show in /api/phones (an
// unknown vendor/model pair as the generic phone), and a phone and an external line made
// through /api show in json.php devices and lines (a free line on the device's slot).
func TestSipxAPIPhonesAndJSONPHPDevicesAreOneModel(t *testing.T) {
	env, c := sipxSetup(t, func(cfg *web.Config) { cfg.SIPDomain = "pbx.example.com" })
	boss := newSipx(t, env, "boss", "bosspin1")
	port := sipPort(t, env)
	c.add(devicesPath, []byte(`{"id": "a1", "mac": "00:1a:2b:3c:4d:5e", "vendor": "Aastra", "model": "6731i", "version": "3.3", "description": "hall"}`))
	c.add(devicesPath, []byte(`{"id": "b2", "mac": "00:1a:2b:3c:4d:5f", "vendor": "Snom", "model": "320"}`))
	uid := addUser(t, c, `{"userfeatures": {"firstname": "Jack", "lastname": "Johnson", "loginclient": "jack", "passwdclient": "jackpin1"},
		"linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1042"], "device": ["a1"], "num": [1]}}`)
	var line struct {
		ID     int    `db:"id"`
		Name   string `db:"name"`
		Secret string `db:"secret"`
	}
	if err := env.DB.Get(&line, `SELECT id, name, secret FROM lines WHERE user_id = $1`, uid); err != nil {
		t.Fatal(err)
	}
	a := boss.send("GET", apiPhones, "", "")
	want := `{"phones":[{"id":1,"serialNo":"001a2b3c4d5e","deviceVersion":"3.3","description":"hall",` +
		`"model":{"modelId":"aastra6731i","label":"Aastra 6731i","vendor":"Aastra","versions":null},` +
		`"lines":[{"id":` + strconv.Itoa(line.ID) + `,"uri":"\"Jack Johnson\"<sip:` + line.Name + `@pbx.example.com>","user":"jack","userId":"` + line.Name +
		`","extension":"1042","displayName":"Jack Johnson","password":"` + line.Secret + `","registrationServer":"pbx.example.com","registrationServerPort":"` + port + `","voicemail":"*98"}],"groups":null},` +
		`{"id":2,"serialNo":"001a2b3c4d5f","deviceVersion":null,"description":null,` +
		`"model":{"modelId":"genericSipPhone","label":"Generic SIP phone","vendor":null,"versions":null},"lines":null,"groups":null}]}`
	if a.status != http.StatusOK || a.body != want {
		t.Fatalf("json.php devices through /api:\n%s\nwant\n%s", a.body, want)
	}
	// A json.php edit moves the line to the other device: /api sees it there.
	c.mustStatus(http.StatusOK, "POST", linesPath, "act=edit&id="+strconv.Itoa(line.ID), json.RawMessage(`{"linefeatures": {"device": "b2", "num": 1}}`))
	if a := boss.send("GET", apiPhones+"/2/lines", "", ""); !strings.HasPrefix(a.body, `{"lines":[{"id":`+strconv.Itoa(line.ID)+`,`) {
		t.Fatalf("moved line: %s", a.body)
	}

	// The other way: a phone and an external line made through /api.
	if a := boss.send("POST", apiPhones, "application/json", `{"serialNo":"0004f280cc95","model":{"modelId":"polycomVVX410"},"deviceVersion":"6.0.X","description":"lobby"}`); a.body != "3" {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	a = boss.send("POST", apiPhones+"/3/lines", "application/json", `{"userId":"ext-7","password":"Pw7","registrationServer":"sip.example.net"}`)
	if a.status != http.StatusOK {
		t.Fatalf("external line: %d %s", a.status, a.body)
	}
	ext := a.body
	var devID string
	if err := env.DB.Get(&devID, `SELECT id FROM devices WHERE phone_id = 3`); err != nil {
		t.Fatal(err)
	}
	v := c.object(devicesPath, "act=view&id="+devID)
	lines, _ := v["lines"].([]any)
	if v["mac"] != "00:04:f2:80:cc:95" || v["vendor"] != "Polycom" || v["model"] != "VVX410" || v["version"] != "6.0.X" || v["description"] != "lobby" ||
		len(lines) != 1 || lines[0].(map[string]any)["name"] != "ext-7" || lines[0].(map[string]any)["num"] != float64(1) {
		t.Fatalf("json.php device view: %v", v)
	}
	found := false
	for _, l := range c.list(linesPath, "act=list") {
		if l["name"] == "ext-7" {
			found = true
			if l["iduserfeatures"] != float64(0) || l["device"] != devID || l["num"] != float64(1) || l["secret"] != "Pw7" || l["id"] != float64(mustAtoi(ext)) {
				t.Fatalf("json.php line: %v", l)
			}
		}
	}
	if !found {
		t.Fatal("the external line is not in json.php lines")
	}
	// json.php sees the device go when /api deletes it.
	if a := boss.send("DELETE", apiPhones+"/3", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	if st, _, _ := c.do("GET", devicesPath, "act=view&id="+devID, nil); st != http.StatusNotFound {
		t.Fatalf("json.php view of the deleted device: %d", st)
	}
	// A device json.php deletes takes its sipX settings with it.
	if a := boss.send("PUT", apiPhones+"/2/settings/time/ntpServer", "text/plain", "ntp.example.org"); a.status != http.StatusOK {
		t.Fatalf("PUT setting: %d %s", a.status, a.body)
	}
	c.mustStatus(http.StatusOK, "GET", devicesPath, "act=delete&id=b2", nil)
	var n int
	if err := env.DB.Get(&n, `SELECT count(*) FROM setting_values WHERE owner_kind = 'phone' AND owner_id = '2'`); err != nil || n != 0 {
		t.Fatalf("settings of the deleted device: %d %v", n, err)
	}
	if a := boss.send("GET", apiPhones+"/2/settings", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("settings of the deleted device: %d %s", a.status, a.body)
	}
}

// sendProfile without registered phones (the real NOTIFYs are in tests/sipc): every batch
// form answers the counts; unknown phones, users and groups are 404; role ADMIN.
func TestSipxAPISendProfileForms(t *testing.T) {
	env, _ := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	for _, body := range []string{`{"serialNo":"0004f280cc95","model":{"modelId":"polycom335"},"groups":[{"name":"hq"}]}`,
		`{"serialNo":"0004f280cc96","model":{"modelId":"polycom335"}}`} {
		if a := boss.send("POST", apiPhones, "application/json", body); a.status != http.StatusOK {
			t.Fatalf("POST: %d %s", a.status, a.body)
		}
	}
	if a := boss.send("POST", apiPhones+"/2/lines", "application/json", `{"user":"clerk"}`); a.status != http.StatusOK {
		t.Fatalf("line: %d %s", a.status, a.body)
	}
	var clerk int
	if err := env.DB.Get(&clerk, `SELECT id FROM users WHERE loginclient = 'clerk'`); err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		path, ctype, body string
		status            int
		want              string
	}{
		{"/1/sendProfile", "", "", 200, `{"notified":0,"notRegistered":1}`},
		{"/0004f280cc96/sendProfile/restart", "", "", 200, `{"notified":0,"notRegistered":1}`},
		{"/sendProfile", "application/json", `{"ids":[1,2]}`, 200, `{"notified":0,"notRegistered":2}`},
		{"/sendProfile/restart", "application/json", `{"ids":[2]}`, 200, `{"notified":0,"notRegistered":1}`},
		{"/sendProfile/all", "", "", 200, `{"notified":0,"notRegistered":2}`},
		{"/sendProfile/all/restart", "", "", 200, `{"notified":0,"notRegistered":2}`},
		{"/user/id/" + strconv.Itoa(clerk) + "/sendProfile", "", "", 200, `{"notified":0,"notRegistered":1}`},
		{"/user/name/clerk/sendProfile/restart", "", "", 200, `{"notified":0,"notRegistered":1}`},
		{"/user/name/boss/sendProfile", "", "", 200, `{"notified":0,"notRegistered":0}`},
		{"/phoneGroup/name/hq/sendProfile", "", "", 200, `{"notified":0,"notRegistered":1}`},
		{"/phoneGroup/id/1/sendProfile/restart", "", "", 200, `{"notified":0,"notRegistered":1}`},
		{"/9/sendProfile", "", "", 404, "Phone not found"},
		{"/sendProfile", "application/json", `{"ids":[1,9]}`, 404, "Phone not found"},
		{"/sendProfile", "application/json", `{"ids":["x"]}`, 400, "ids[0]"},
		{"/sendProfile", "application/json", `{}`, 400, "ids"},
		{"/user/name/nobody/sendProfile", "", "", 404, "User not found"},
		{"/phoneGroup/name/nope/sendProfile", "", "", 404, "Phone group not found"},
	} {
		a := boss.send("PUT", apiPhones+x.path, x.ctype, x.body)
		if a.status != x.status || !strings.Contains(a.body, x.want) {
			t.Fatalf("PUT %s %s: %d %s", x.path, x.body, a.status, a.body)
		}
	}
	if a := boss.send("PUT", apiPhones+"/1/sendProfile", "", "", "Accept", "text/xml"); !strings.HasSuffix(a.body, `<SendProfile><notified>0</notified><notRegistered>1</notRegistered></SendProfile>`) {
		t.Fatalf("XML: %s", a.body)
	}
	if a := boss.send("GET", apiPhones+"/1/sendProfile", "", ""); a.status != http.StatusMethodNotAllowed {
		t.Fatalf("GET sendProfile: %d", a.status)
	}
	if a := newSipx(t, env, "clerk", "clerkpin").send("PUT", apiPhones+"/sendProfile/all", "", ""); a.status != http.StatusForbidden {
		t.Fatalf("clerk: %d", a.status)
	}
	// The /rest profile, by number or MAC.
	a := boss.send("GET", apiPhones+"/1/profile/0004f280cc95.cfg", "", "")
	if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/xml") || !strings.Contains(a.body, `CONFIG_FILES="0004f280cc95-sipx-phone.cfg"`) {
		t.Fatalf("profile: %d %q %s", a.status, a.header.Get("Content-Type"), a.body)
	}
	a = boss.send("GET", apiPhones+"/0004f280cc96/profile/0004f280cc96-sipx-phone.cfg", "", "")
	if a.status != http.StatusOK || !strings.Contains(a.body, `reg.1.auth.userId="clerk"`) {
		t.Fatalf("line profile: %d %s", a.status, a.body)
	}
	for _, p := range []string{"/1/profile/nothing.cfg", "/9/profile/0004f280cc95.cfg"} {
		if a := boss.send("GET", apiPhones+p, "", ""); a.status != http.StatusNotFound {
			t.Fatalf("GET %s: %d %s", p, a.status, a.body)
		}
	}
}

// Phone settings are read from memory, kept current: a change written behind pbxws's back
// (another instance, psql) is announced after its commit and seen by the next reads; a write
// through pbxws is seen by the very next read.
func TestSipxAPIPhoneSettingsFollowChangesBehindPBXWSBack(t *testing.T) {
	env, _ := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	if a := boss.send("POST", apiPhones, "application/json", `{"serialNo":"0004f280cc95","model":{"modelId":"polycom335"},"groups":[{"name":"hq"}]}`); a.body != "1" {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	address := apiPhones + "/1/settings/tcpIpApp/sntp/address"
	value := func() string {
		t.Helper()
		a := boss.send("GET", address, "", "")
		var b struct {
			Value *string `json:"value"`
		}
		if a.status != http.StatusOK || json.Unmarshal([]byte(a.body), &b) != nil || b.Value == nil {
			t.Fatalf("GET: %d %s", a.status, a.body)
		}
		return *b.Value
	}
	if v := value(); v != "pool.ntp.org" {
		t.Fatalf("default: %s", v)
	}
	eventually := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for value() != want {
			if time.Now().After(deadline) {
				t.Fatalf("the read never showed %q", want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// Behind pbxws's back: a group value, then the phone's own, then a new heavier group.
	if _, err := env.DB.Exec(`INSERT INTO setting_values VALUES ('phone-group', '1', 'tcpIpApp/sntp/address', 'ntp.hq.example')`); err != nil {
		t.Fatal(err)
	}
	eventually("ntp.hq.example")
	if _, err := env.DB.Exec(`INSERT INTO setting_values VALUES ('phone', '1', 'tcpIpApp/sntp/address', 'ntp.own.example')`); err != nil {
		t.Fatal(err)
	}
	eventually("ntp.own.example")
	if _, err := env.DB.Exec(`DELETE FROM setting_values WHERE owner_kind = 'phone'`); err != nil {
		t.Fatal(err)
	}
	eventually("ntp.hq.example")
	if _, err := env.DB.Exec(`INSERT INTO phone_groups (id, name, weight) VALUES (7, 'lab', 9);
		INSERT INTO phone_group_members SELECT 7, id FROM devices;
		INSERT INTO setting_values VALUES ('phone-group', '7', 'tcpIpApp/sntp/address', 'ntp.lab.example')`); err != nil {
		t.Fatal(err)
	}
	eventually("ntp.lab.example")
	// Through pbxws: the very next read.
	for _, v := range []string{"a.example", "b.example", "c.example"} {
		if a := boss.send("PUT", address, "text/plain", v); a.status != http.StatusOK {
			t.Fatalf("PUT: %d %s", a.status, a.body)
		}
		if got := value(); got != v {
			t.Fatalf("after PUT %s: %s", v, got)
		}
	}
	if a := boss.send("DELETE", apiPhones+"/1", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE: %d", a.status)
	}
	if a := boss.send("GET", address, "", ""); a.status != http.StatusNotFound {
		t.Fatalf("deleted phone: %d %s", a.status, a.body)
	}
}

// The profiles carry the effective settings (§7.5): a Polycom's groups' and own values and
// its line's, a Yealink's time zone in hours, an Aastra's dial plan; unset leaves keep the
// defaults the files always had.
func TestSipxAPIPhoneProfilesCarryTheirSettings(t *testing.T) {
	env, _ := sipxSetup(t, func(cfg *web.Config) { cfg.SIPDomain = "pbx.example.com" })
	boss := newSipx(t, env, "boss", "bosspin1")
	for _, body := range []string{`{"serialNo":"0004f280cc95","model":{"modelId":"polycom335"},"groups":[{"name":"hq"}]}`,
		`{"serialNo":"805ec0aabbcc","model":{"modelId":"yealinkPhoneT46"}}`, `{"serialNo":"00085d112233","model":{"modelId":"aastra6731i"}}`} {
		if a := boss.send("POST", apiPhones, "application/json", body); a.status != http.StatusOK {
			t.Fatalf("POST: %d %s", a.status, a.body)
		}
	}
	a := boss.send("POST", apiPhones+"/1/lines", "application/json", `{"userId":"ext-1","password":"Pw1","displayName":"Desk","extension":"300"}`)
	if a.status != http.StatusOK {
		t.Fatalf("line: %d %s", a.status, a.body)
	}
	line := a.body
	for path, value := range map[string]string{
		apiPhoneGroups + "/hq/model/polycom335/settings/tcpIpApp/sntp/address": "ntp.hq.example",
		apiPhoneGroups + "/hq/model/polycom335/settings/dialplan/digitmap":     "xxxx|9xxxxxxx",
		apiPhones + "/1/settings/tcpIpApp/sntp/gmtOffset":                      "3600",
		apiPhones + "/1/lines/" + line + "/settings/reg/label":                 "Front desk",
		apiPhones + "/1/lines/" + line + "/settings/reg/callsPerLineKey":       "2",
		apiPhones + "/2/settings/time/timeZone":                                "19800",
		apiPhones + "/2/settings/time/ntpServer1":                              "ntp.y.example",
		apiPhones + "/00085d112233/settings/dialplan/dialPlan":                 "9x+#",
	} {
		if a := boss.send("PUT", path, "text/plain", value); a.status != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", path, a.status, a.body)
		}
	}
	a = boss.send("GET", apiPhones+"/1/profile/0004f280cc95-sipx-phone.cfg", "", "")
	reg, sntp, dial := profileAttrs(t, a.body, "reg"), profileAttrs(t, a.body, "tcpIpApp"), profileAttrs(t, a.body, "dialplan")
	if reg["reg.1.label"] != "Front desk" || reg["reg.1.callsPerLineKey"] != "2" || reg["reg.1.auth.userId"] != "ext-1" ||
		sntp["tcpIpApp.sntp.address"] != "ntp.hq.example" || sntp["tcpIpApp.sntp.gmtOffset"] != "3600" || sntp["tcpIpApp.sntp.daylightSavings.enable"] != "1" ||
		dial["dialplan.digitmap"] != "xxxx|9xxxxxxx" || dial["dialplan.impossibleMatchHandling"] != "0" {
		t.Fatalf("Polycom profile:\n%s", a.body)
	}
	a = boss.send("GET", apiPhones+"/2/profile/805ec0aabbcc.cfg", "", "")
	for _, l := range []string{"local_time.time_zone = +5.5\n", "local_time.ntp_server1 = ntp.y.example\n", "local_time.time_format = 1\n"} {
		if !strings.Contains(a.body, l) {
			t.Fatalf("Yealink profile lacks %q:\n%s", l, a.body)
		}
	}
	a = boss.send("GET", apiPhones+"/3/profile/00085D112233.cfg", "", "")
	if !strings.Contains(a.body, "sip dial plan: \"9x+#\"\n") || !strings.Contains(a.body, "time zone name: US-Eastern\n") {
		t.Fatalf("Aastra profile:\n%s", a.body)
	}
}
