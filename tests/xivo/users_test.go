package xivo_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/lib/pq"

	"pbxws/tests/testenv"
)

const (
	usersPath    = "/service/ipbx/json.php/private/pbx_settings/users/"
	linesPath    = "/service/ipbx/json.php/private/pbx_settings/lines/"
	contextsPath = "/service/ipbx/json.php/private/system_management/context/"
)

// phoneSetup adds the context "default" with users 1000-1099 through the API.
func phoneSetup(t *testing.T, c *xc) {
	t.Helper()
	st, _, raw := c.do("POST", contextsPath, "act=add", map[string]any{
		"context":        map[string]any{"name": "default", "displayname": "Default", "entity": "default", "contexttype": "internal"},
		"contextinclude": []string{},
		"contextnumbers": map[string]any{"user": []any{map[string]any{"numberbeg": 1000, "numberend": 1099}}},
	})
	if st != http.StatusOK {
		t.Fatalf("context add: %d %s", st, raw)
	}
}

func addUser(t *testing.T, c *xc, body string) int {
	t.Helper()
	st, _, raw := c.do("POST", usersPath, "act=add", json.RawMessage(body))
	if st != http.StatusOK {
		t.Fatalf("user add: %d %s", st, raw)
	}
	if !strings.HasPrefix(string(raw), `"`) || !strings.HasSuffix(string(raw), "\"\n") {
		t.Fatalf("add answered %q, want a quoted id and a newline", raw)
	}
	id, err := strconv.Atoi(strings.Trim(strings.TrimSpace(string(raw)), `"`))
	if err != nil {
		t.Fatalf("add answered %q: %v", raw, err)
	}
	return id
}

// The captured xivo-ws user add body (wire §1.3), replayed byte for byte.
const capturedUserAdd = `{"userfeatures": {"firstname": "J\u00e9", "language": "en_US", "lastname": "Johnson", "bsfilter": "no", "enablehint": true, "entityid": 1, "enablexfer": true, "musiconhold": "default"}, "voicemail": {"name": "x", "context": "default", "number": "1001"}, "linefeatures": {"secret": [null], "protocol": ["sip"], "number": [1001], "context": ["default"]}, "dialaction": {"chanunavail": {"actiontype": "none"}, "busy": {"actiontype": "none"}, "noanswer": {"actiontype": "none"}, "congestion": {"actiontype": "none"}}}`

func TestUsersAddCapturedXivoWSBodyAndListTypes(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	phoneSetup(t, c)
	id := addUser(t, c, capturedUserAdd)

	st, _, raw := c.do("GET", usersPath, "act=list", nil)
	if st != http.StatusOK {
		t.Fatalf("list: %d %s", st, raw)
	}
	var items []map[string]any
	if err := json.Unmarshal(raw, &items); err != nil || len(items) != 1 {
		t.Fatalf("list body %s: %v", raw, err)
	}
	u := items[0]
	// The keys xivo-ws requires, with the types it needs.
	if u["id"] != float64(id) || u["entityid"] != float64(1) || u["firstname"] != "Jé" || u["lastname"] != "Johnson" {
		t.Fatalf("list item %v", u)
	}
	for _, k := range []string{"enableclient", "loginclient", "passwdclient", "cti_profile_id", "bsfilter", "enablexfer", "mobilephonenumber", "agentid"} {
		if _, ok := u[k]; !ok {
			t.Errorf("list item lacks %q", k)
		}
	}
	if u["agentid"] != nil || u["enablexfer"] != true || u["ringseconds"] != "30" || u["passwdclient"] != "" {
		t.Fatalf("typing: %v", u)
	}
	if !strings.Contains(string(raw), `"firstname":"J\u00e9"`) {
		t.Errorf("non-ASCII is not escaped as json_encode does: %s", raw)
	}

	// The database holds the user, its SIP line (generated name and secret) and its voicemail.
	var n int
	var name, secret, number, vmbox string
	if err := env.DB.QueryRow(`SELECT count(*) FROM users`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("users rows: %d %v", n, err)
	}
	if err := env.DB.QueryRow(`SELECT name, secret, number FROM lines WHERE user_id = $1`, id).Scan(&name, &secret, &number); err != nil {
		t.Fatal(err)
	}
	if number != "1001" || len(name) < 6 || len(secret) < 6 {
		t.Fatalf("line name=%q secret=%q number=%q", name, secret, number)
	}
	if err := env.DB.QueryRow(`SELECT v.mailbox FROM voicemails v JOIN users u ON u.voicemail_id = v.id WHERE u.id = $1`, id).Scan(&vmbox); err != nil || vmbox != "1001" {
		t.Fatalf("voicemail %q %v", vmbox, err)
	}
}

func TestUsersSearchMatchesNameNumberAndUserfield(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	phoneSetup(t, c)
	id := addUser(t, c, `{"userfeatures": {"firstname": "Jack", "lastname": "Johnson", "userfield": "Sales"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1042"]}}`)
	addUser(t, c, `{"userfeatures": {"firstname": "Ann", "lastname": "Other", "userfield": "Salesman"}}`)
	for _, tc := range []struct {
		term string
		want []int
	}{
		{"Jack", []int{id}}, {"Jo", []int{id}}, {"ck jo", []int{id}}, {"104", []int{id}},
		{"sales", []int{id}}, {"100%", nil}, {"nomatch", nil},
	} {
		st, _, raw := c.do("GET", usersPath, "act=search&search="+urlQuery(tc.term), nil)
		if len(tc.want) == 0 {
			if st != http.StatusNoContent || len(raw) != 0 {
				t.Errorf("search %q: %d %q, want 204 and no body", tc.term, st, raw)
			}
			continue
		}
		var items []map[string]any
		if st != http.StatusOK || json.Unmarshal(raw, &items) != nil || len(items) != len(tc.want) || items[0]["id"] != float64(tc.want[0]) {
			t.Errorf("search %q: %d %s", tc.term, st, raw)
		}
	}
	if st, _, raw := c.do("GET", usersPath, "act=search&search=", nil); st != http.StatusNoContent || len(raw) != 0 {
		t.Errorf("empty search: %d %q", st, raw)
	}
}

func TestUsersViewEditRoundTripKeepsEverything(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	phoneSetup(t, c)
	id := addUser(t, c, `{"userfeatures": {"firstname": "Jack", "lastname": "Johnson", "mobilephonenumber": "+3312345", "enableclient": true, "loginclient": "jack", "passwdclient": "s3cret"},
		"linefeatures": [{"protocol": "sip", "context": "default", "number": "1001"}],
		"voicemail": {"mailbox": "1001", "fullname": "Jack", "password": "1234"},
		"dialaction": {"noanswer": {"actiontype": "voicemail", "actionarg1": "1001"}},
		"phonefunckey": {"fknum": [1, 2], "type": ["user", "speeddial"], "typeval": ["1", "1002"], "label": ["me", "x"]}}`)
	// Memberships and call rights exist that no json.php body of this object sets.
	mustExec(t, env, `INSERT INTO rightcalls (id, name) VALUES (7, 'intl')`)
	mustExec(t, env, `INSERT INTO user_rightcalls (user_id, rightcall_id) VALUES ($1, 7)`, id)
	mustExec(t, env, `INSERT INTO queue_members (category, queue_id, name, userid) VALUES ('group', 3, 'sales', $1), ('queue', 4, 'support', $1)`, id)
	before := userSnapshot(t, env, id)
	beforeWithoutName := userSnapshot(t, env, id, "firstname", "callerid")

	st, _, raw := c.do("GET", usersPath, "act=view&id="+strconv.Itoa(id), nil)
	if st != http.StatusOK {
		t.Fatalf("view: %d %s", st, raw)
	}
	var view map[string]any
	if err := json.Unmarshal(raw, &view); err != nil {
		t.Fatal(err)
	}
	lines, ok := view["linefeatures"].([]any)
	if !ok || len(lines) != 1 || lines[0].(map[string]any)["number"] != "1001" {
		t.Fatalf("view linefeatures: %v", view["linefeatures"])
	}
	for _, k := range []string{"userfeatures", "voicemail", "dialaction", "phonefunckey", "rightcall", "groupmember", "queuemember", "entity"} {
		if v, ok := view[k]; !ok || v == false {
			t.Errorf("view part %q missing: %v", k, v)
		}
	}
	// The view posted back unchanged is accepted and changes nothing.
	if st, _, raw := c.do("POST", usersPath, "act=edit&id="+strconv.Itoa(id), json.RawMessage(raw)); st != http.StatusOK {
		t.Fatalf("edit with the view body: %d %s", st, raw)
	}
	if after := userSnapshot(t, env, id); after != before {
		t.Fatalf("round trip changed the database:\nbefore %s\nafter  %s", before, after)
	}
	// A partial edit changes only what it names, even when it lists the lines.
	lineID := int(lines[0].(map[string]any)["id"].(float64))
	if st, _, raw := c.do("POST", usersPath, "act=edit&id="+strconv.Itoa(id),
		json.RawMessage(`{"userfeatures": {"firstname": "Jacky"}, "linefeatures": {"id": [`+strconv.Itoa(lineID)+`]}}`)); st != http.StatusOK {
		t.Fatalf("partial edit: %d %s", st, raw)
	}
	var first, callerid string
	_ = env.DB.QueryRow(`SELECT firstname, callerid FROM users WHERE id = $1`, id).Scan(&first, &callerid)
	if first != "Jacky" || callerid != `"Jacky Johnson"` {
		t.Fatalf("after partial edit: firstname %q callerid %q", first, callerid)
	}
	if after, want := userSnapshot(t, env, id, "firstname", "callerid"), beforeWithoutName; after != want {
		t.Fatalf("partial edit changed more than the name:\nwant %s\ngot  %s", want, after)
	}
}

func TestUsersViewShowsOnlyTheirOwnLines(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	phoneSetup(t, c)
	a := addUser(t, c, `{"userfeatures": {"firstname": "A"}, "linefeatures": {"protocol": ["sip", "sip"], "context": ["default", "default"], "number": ["1001", "1002"]}}`)
	b := addUser(t, c, `{"userfeatures": {"firstname": "B"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1003"]}}`)
	for id, want := range map[int][]string{a: {"1001", "1002"}, b: {"1003"}} {
		lines := c.object(usersPath, "act=view&id="+strconv.Itoa(id))["linefeatures"].([]any)
		var got []string
		for _, l := range lines {
			got = append(got, l.(map[string]any)["number"].(string))
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("user %d view lists lines %v, want %v", id, got, want)
		}
	}
}

func TestUsersEditWithoutLinefeaturesKeepsLineAndVoicemail(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	phoneSetup(t, c)
	id := addUser(t, c, capturedUserAdd)
	// What xivo-ws sends for a user taken from users.list(): no line, no voicemail.
	body := `{"dialaction": {"busy": {"actiontype": "none"}, "chanunavail": {"actiontype": "none"}, "congestion": {"actiontype": "none"}, "noanswer": {"actiontype": "none"}}, "userfeatures": {"bsfilter": "no", "enablehint": true, "enablexfer": true, "entityid": 1, "firstname": "Jacky", "musiconhold": "default"}}`
	if st, _, raw := c.do("POST", usersPath, "act=edit&id="+strconv.Itoa(id), json.RawMessage(body)); st != http.StatusOK {
		t.Fatalf("edit: %d %s", st, raw)
	}
	var lines, vms int
	var first, lang string
	_ = env.DB.QueryRow(`SELECT count(*) FROM lines WHERE user_id = $1`, id).Scan(&lines)
	_ = env.DB.QueryRow(`SELECT count(*) FROM voicemails`).Scan(&vms)
	_ = env.DB.QueryRow(`SELECT firstname, language FROM users WHERE id = $1`, id).Scan(&first, &lang)
	if lines != 1 || vms != 1 || first != "Jacky" || lang != "en_US" {
		t.Fatalf("after edit: lines=%d voicemails=%d firstname=%q language=%q", lines, vms, first, lang)
	}
}

func TestUsersDeleteRemovesLinesAndVoicemail(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	phoneSetup(t, c)
	id := addUser(t, c, capturedUserAdd)
	if st, _, raw := c.do("GET", usersPath, "act=delete&id="+strconv.Itoa(id), nil); st != http.StatusOK {
		t.Fatalf("delete: %d %s", st, raw)
	}
	for _, table := range []string{"users", "lines", "voicemails", "dialactions"} {
		var n int
		_ = env.DB.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n)
		if n != 0 {
			t.Errorf("%s still has %d rows", table, n)
		}
	}
	if st, _, _ := c.do("GET", usersPath, "act=delete&id="+strconv.Itoa(id), nil); st != http.StatusNotFound {
		t.Fatalf("second delete: %d, want 404", st)
	}
	if st, _, _ := c.do("GET", usersPath, "act=view&id="+strconv.Itoa(id), nil); st != http.StatusNotFound {
		t.Fatalf("view of deleted: %d, want 404", st)
	}
}

func TestUsersDeleteAll(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	if st, _, _ := c.do("GET", usersPath, "act=deleteall", nil); st != http.StatusNoContent {
		t.Fatalf("deleteall on nothing: %d, want 204", st)
	}
	addUser(t, c, `{"userfeatures": {"firstname": "A"}}`)
	addUser(t, c, `{"userfeatures": {"firstname": "B"}}`)
	if st, _, _ := c.do("GET", usersPath, "act=deleteall", nil); st != http.StatusOK {
		t.Fatalf("deleteall: %d", st)
	}
	if st, _, raw := c.do("GET", usersPath, "act=list", nil); st != http.StatusNoContent || len(raw) != 0 {
		t.Fatalf("list after deleteall: %d %q", st, raw)
	}
}

func TestUsersBadInputIsRefusedAndWritesNothing(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	phoneSetup(t, c)
	id := addUser(t, c, `{"userfeatures": {"firstname": "Jack"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1001"]}}`)
	before := dbSnapshot(t, env)
	cases := []struct {
		name, query, body, field string
	}{
		{"malformed", "act=add", `{"userfeatures": `, "body"},
		{"no firstname", "act=add", `{"userfeatures": {}}`, "userfeatures.firstname"},
		{"wrong type", "act=add", `{"userfeatures": {"firstname": {"a": 1}}}`, "userfeatures.firstname"},
		{"crlf", "act=add", `{"userfeatures": {"firstname": "a\r\nb"}}`, "userfeatures.firstname"},
		{"non utf-8", "act=add", "{\"userfeatures\": {\"firstname\": \"\xff\"}}", "body"},
		{"duplicate number", "act=add", `{"userfeatures": {"firstname": "X"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1001"]}}`, "linefeatures[0].number"},
		{"outside range", "act=add", `{"userfeatures": {"firstname": "X"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["5000"]}}`, "linefeatures[0].number"},
		{"unknown context", "act=add", `{"userfeatures": {"firstname": "X"}, "linefeatures": {"protocol": ["sip"], "context": ["nowhere"], "number": ["1002"]}}`, "linefeatures[0].context"},
		{"bad ringseconds", "act=add", `{"userfeatures": {"firstname": "X", "ringseconds": 61}}`, "userfeatures.ringseconds"},
		{"bad bsfilter", "act=edit&id=" + strconv.Itoa(id), `{"userfeatures": {"bsfilter": "maybe"}}`, "userfeatures.bsfilter"},
		{"second line invalid", "act=add", `{"userfeatures": {"firstname": "X"}, "linefeatures": {"protocol": ["sip", "sip"], "context": ["default", "default"], "number": ["1003", "x"]}}`, "linefeatures[1].number"},
		{"unknown act", "act=frobnicate", ``, "act"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, _, raw := c.do("POST", usersPath, tc.query, json.RawMessage(tc.body))
			if st != http.StatusBadRequest {
				t.Fatalf("%d %s, want 400", st, raw)
			}
			var e struct {
				Error  string            `json:"error"`
				Fields map[string]string `json:"fields"`
			}
			if err := json.Unmarshal(raw, &e); err != nil || e.Fields[tc.field] == "" {
				t.Fatalf("error body %s does not name %q", raw, tc.field)
			}
			if after := dbSnapshot(t, env); after != before {
				t.Fatalf("the database changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	for _, q := range []string{"act=edit&id=999", "act=edit", "act=edit&id=", "act=edit&id=abc", "act=view&id=999", "act=delete&id=999"} {
		if st, _, raw := c.do("POST", usersPath, q, json.RawMessage(`{"userfeatures": {"firstname": "Z"}}`)); st != http.StatusNotFound {
			t.Errorf("%s: %d %s, want 404", q, st, raw)
		}
	}
	if after := dbSnapshot(t, env); after != before {
		t.Fatalf("the database changed after 404s")
	}
}

func TestLinesListFiltersAndSearch(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	phoneSetup(t, c)
	addUser(t, c, `{"userfeatures": {"firstname": "Jack"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1001"]}}`)
	// A free SCCP line and a free IAX line, added through the lines resource.
	for _, b := range []string{
		`{"protocol": {"protocol": "sccp", "context": "default", "number": "1002", "cid_name": "x", "cid_num": "1002"}}`,
		`{"protocol": {"protocol": "iax", "name": "iaxpeer", "context": "default"}}`,
	} {
		if st, _, raw := c.do("POST", linesPath, "act=add", json.RawMessage(b)); st != http.StatusOK {
			t.Fatalf("line add %s: %d %s", b, st, raw)
		}
	}
	count := func(query string) int {
		st, _, raw := c.do("GET", linesPath, query, nil)
		if st == http.StatusNoContent {
			return 0
		}
		var items []map[string]any
		if st != http.StatusOK || json.Unmarshal(raw, &items) != nil {
			t.Fatalf("%s: %d %s", query, st, raw)
		}
		for _, it := range items {
			if _, ok := it["number"].(string); !ok {
				t.Fatalf("%s: number is not a string in %v", query, it)
			}
			if _, ok := it["id"].(float64); !ok {
				t.Fatalf("%s: id is not a number in %v", query, it)
			}
			if it["protocol"] == "sip" {
				for _, k := range []string{"name", "type", "username", "secret", "language", "host", "port"} {
					if _, ok := it[k]; !ok {
						t.Fatalf("%s: sip row lacks %q", query, k)
					}
				}
			}
		}
		return len(items)
	}
	for q, want := range map[string]int{
		"act=list": 3, "act=list&free=1": 2, "act=list&free=0": 1, "act=list&protocol=sccp": 1,
		"act=list&protocol=iax": 1, "act=list&protocol=sip&free=1": 0, "act=search&search=100": 2,
		"act=search&search=100&free=1": 1, "act=search&search=100&protocol=sip": 1,
		"act=search&search=iaxpeer": 1, "act=search&search=def&context=default": 0,
		"act=search&search=default": 3,
	} {
		if got := count(q); got != want {
			t.Errorf("%s: %d lines, want %d", q, got, want)
		}
	}
	if st, _, _ := c.do("GET", linesPath, "act=list&protocol=h323", nil); st != http.StatusBadRequest {
		t.Errorf("unknown protocol filter: %d, want 400", st)
	}
}

func TestUsersAttachExistingFreeLine(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	phoneSetup(t, c)
	st, _, raw := c.do("POST", linesPath, "act=add", json.RawMessage(`{"protocol": {"protocol": "sip", "context": "default"}, "linefeatures": {"number": "1005"}}`))
	if st != http.StatusOK {
		t.Fatalf("line add: %d %s", st, raw)
	}
	lineID, _ := strconv.Atoi(strings.Trim(strings.TrimSpace(string(raw)), `"`))
	id := addUser(t, c, `{"userfeatures": {"firstname": "Ann"}, "linefeatures": {"id": ["`+strconv.Itoa(lineID)+`"]}}`)
	var owner int
	if err := env.DB.QueryRow(`SELECT user_id FROM lines WHERE id = $1`, lineID).Scan(&owner); err != nil || owner != id {
		t.Fatalf("line owner %d %v, want %d", owner, err, id)
	}
	// Another user cannot take it.
	st, _, raw = c.do("POST", usersPath, "act=add", json.RawMessage(`{"userfeatures": {"firstname": "Bob"}, "linefeatures": {"id": [`+strconv.Itoa(lineID)+`]}}`))
	if st != http.StatusBadRequest || !strings.Contains(string(raw), "another user") {
		t.Fatalf("stealing a line: %d %s", st, raw)
	}
}

func mustExec(t *testing.T, env *testenv.Env, q string, args ...any) {
	t.Helper()
	if _, err := env.DB.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// userSnapshot renders everything stored about a user as one comparable string, leaving out
// the named columns wherever they appear.
func userSnapshot(t *testing.T, env *testenv.Env, id int, without ...string) string {
	t.Helper()
	var s string
	err := env.DB.QueryRow(`SELECT concat_ws(' || ',
		(SELECT (to_jsonb(u) - $2::text[])::text FROM users u WHERE u.id = $1),
		(SELECT string_agg((to_jsonb(l) - $2::text[])::text, ';' ORDER BY l.id) FROM lines l WHERE l.user_id = $1),
		(SELECT (to_jsonb(v) - $2::text[])::text FROM voicemails v JOIN users u ON u.voicemail_id = v.id WHERE u.id = $1),
		(SELECT string_agg(d::text, ';' ORDER BY d.event) FROM dialactions d WHERE d.category = 'user' AND d.categoryval = $1::text),
		(SELECT string_agg(r::text, ';' ORDER BY r.rightcall_id) FROM user_rightcalls r WHERE r.user_id = $1),
		(SELECT string_agg(k::text, ';' ORDER BY k.fknum) FROM user_funckeys k WHERE k.user_id = $1),
		(SELECT string_agg(m::text, ';' ORDER BY m.id) FROM queue_members m WHERE m.userid = $1))`, id, pq.StringArray(without)).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dbSnapshot renders the tables a users/lines write touches.
func dbSnapshot(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var out []string
	for _, table := range []string{"users", "lines", "voicemails", "dialactions", "user_funckeys", "user_rightcalls", "contexts", "context_ranges"} {
		var s *string
		if err := env.DB.QueryRow(`SELECT string_agg(t::text, ';' ORDER BY t::text) FROM ` + table + ` t`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		if s != nil {
			out = append(out, table+"="+*s)
		}
	}
	return strings.Join(out, "\n")
}

func urlQuery(s string) string {
	r := strings.NewReplacer("%", "%25", " ", "+", "&", "%26", "=", "%3D", "+", "%2B")
	return r.Replace(s)
}

// The parts a view gathers in one statement come back complete and each in its order
// (call rights by id, keys by number, memberships by category then queue), whatever
// order they were stored in.
func TestUsersViewPartsInTheirOrder(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	phoneSetup(t, c)
	id := addUser(t, c, `{"userfeatures": {"firstname": "Ann", "lastname": "Parts"}}`)
	other := addUser(t, c, `{"userfeatures": {"firstname": "Bob", "lastname": "Other"}}`)
	mustExec(t, env, `INSERT INTO rightcalls (id, name) VALUES (9, 'r9'), (3, 'r3'), (7, 'r7')`)
	mustExec(t, env, `INSERT INTO user_rightcalls (user_id, rightcall_id) VALUES ($1, 9), ($1, 3), ($1, 7), ($2, 9)`, id, other)
	mustExec(t, env, `INSERT INTO user_funckeys (user_id, fknum, type, typeval, label) VALUES ($1, 3, 'user', '3', 'c'), ($1, 1, 'user', '1', 'a'), ($2, 2, 'user', '2', 'x')`, id, other)
	mustExec(t, env, `INSERT INTO queue_members (category, queue_id, name, userid, penalty) VALUES
		('queue', 5, 'q5', $1, 2), ('group', 4, 'g4', $1, 0), ('group', 2, 'g2', $1, 1), ('group', 1, 'g1', $2, 0)`, id, other)
	mustExec(t, env, `DELETE FROM dialactions WHERE category = 'user' AND categoryval = $1::text`, id)
	mustExec(t, env, `INSERT INTO dialactions (category, categoryval, event, actiontype, action, actionarg1) VALUES
		('user', $1::text, 'noanswer', 'voicemail', '1', 'a1'), ('user', $1::text, 'busy', 'none', 'none', NULL)`, id)

	view := c.object(usersPath, "act=view&id="+strconv.Itoa(id))
	field := func(part, key string) []any {
		t.Helper()
		rows, ok := view[part].([]any)
		if !ok {
			t.Fatalf("view %s: %v", part, view[part])
		}
		var out []any
		for _, r := range rows {
			out = append(out, r.(map[string]any)[key])
		}
		return out
	}
	check := func(what string, got, want []any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s = %v, want %v", what, got, want)
		}
	}
	check("rightcall ids", field("rightcall", "rightcallid"), []any{3.0, 7.0, 9.0})
	check("key numbers", field("phonefunckey", "fknum"), []any{1.0, 3.0})
	check("key labels", field("phonefunckey", "label"), []any{"a", "c"})
	check("group ids", field("groupmember", "groupfeaturesid"), []any{2.0, 4.0})
	check("group penalties", field("groupmember", "penalty"), []any{"1", "0"})
	check("queue ids", field("queuemember", "queuefeaturesid"), []any{5.0})
	das, ok := view["dialaction"].(map[string]any)
	if !ok || len(das) != 2 {
		t.Fatalf("dialaction: %v", view["dialaction"])
	}
	na := das["noanswer"].(map[string]any)
	if na["actiontype"] != "voicemail" || na["actionarg1"] != "a1" || das["busy"].(map[string]any)["actionarg1"] != nil {
		t.Fatalf("dial actions: %v", das)
	}
	// The other user's parts stay with the other user.
	view = c.object(usersPath, "act=view&id="+strconv.Itoa(other))
	check("other's rightcall ids", field("rightcall", "rightcallid"), []any{9.0})
	check("other's key numbers", field("phonefunckey", "fknum"), []any{2.0})
	check("other's group ids", field("groupmember", "groupfeaturesid"), []any{1.0})
	if view["queuemember"] != false {
		t.Fatalf("other's queuemember: %v", view["queuemember"])
	}
}
