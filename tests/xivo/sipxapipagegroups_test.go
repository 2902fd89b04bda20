package xivo_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"pbxws/tests/testenv"
)

const apiPageGroups = "/sipxconfig/api/pagegroups"

// pageGroupState is the stored page groups with their members in order, and the stored
// paging settings.
func pageGroupState(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var s *string
	if err := env.DB.QueryRow(`SELECT concat_ws(E'\n', (SELECT string_agg(concat_ws('|', g.id, g.number, g.enabled, g.timeout, g.sound, COALESCE(g.description, '<null>'),
			(SELECT string_agg(COALESCE(u.loginclient, u.id::text), ',' ORDER BY m.position) FROM page_group_members m JOIN users u ON u.id = m.user_id WHERE m.page_group_id = g.id)), E'\n' ORDER BY g.id)
		FROM page_groups g),
		(SELECT string_agg(owner_id || ':' || path || '=' || COALESCE(value, '<null>'), ',') FROM setting_values WHERE owner_kind = 'service:pagegroups'))`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}

// /api/pagegroups: made, read (JSON and XML), merged and deleted, members by id or user
// name; the number is unique and, after the paging prefix, free among the dialable numbers,
// which /api/pagegroups/settings (the prefix) keeps true.
func TestSipxAPIPageGroups(t *testing.T) {
	env, c, boss, ids := callGroupSetup(t)
	for _, x := range []struct {
		who    *sx
		status int
	}{{newSipx(t, env, "clerk", "clerkpin"), http.StatusForbidden}, {newSipx(t, env, "", ""), http.StatusUnauthorized}} {
		for _, p := range []string{apiPageGroups, apiPageGroups + "/settings"} {
			if a := x.who.send("GET", p, "", ""); a.status != x.status {
				t.Fatalf("GET %s as %q: %d", p, x.who.user, a.status)
			}
		}
		if a := x.who.send("POST", apiPageGroups, "application/json", `{"pageGroupNumber":5}`); a.status != x.status || pageGroupState(t, env) != "" {
			t.Fatalf("POST as %q: %d", x.who.user, a.status)
		}
		if a := x.who.send("PUT", apiPageGroups+"/settings/page-config/prefix", "text/plain", `*78`); a.status != x.status || pageGroupState(t, env) != "" {
			t.Fatalf("PUT prefix as %q: %d", x.who.user, a.status)
		}
	}
	if a := boss.send("GET", apiPageGroups, "", ""); a.status != http.StatusOK || a.body != `{"groups":[]}` {
		t.Fatalf("empty list: %d %s", a.status, a.body)
	}

	a := boss.send("POST", apiPageGroups, "application/json", fmt.Sprintf(`{"enabled":true,"pageGroupNumber":50,"timeout":30,"description":"floor",
		"users":[{"id":%d},{"userName":"bob"}],"sound":null}`, ids["ann"]))
	if a.status != http.StatusOK || a.body != "1" || a.header.Get("Location") != apiPageGroups+"/1" {
		t.Fatalf("POST: %d %s %v", a.status, a.body, a.header)
	}
	if got := pageGroupState(t, env); got != "1|50|t|30||floor|ann,bob" {
		t.Fatalf("stored: %s", got)
	}
	member := func(name string, line int) string {
		return fmt.Sprintf(`{"id":%d,"userName":"%s","lastName":"","firstName":"%s","aliases":["%d"]}`, ids[name], name, strings.ToUpper(name[:1])+name[1:], line)
	}
	want := `{"id":1,"enabled":true,"pageGroupNumber":50,"timeout":30,"sound":null,"description":"floor","users":[` + member("ann", 1001) + "," + member("bob", 1002) + `]}`
	if a := boss.send("GET", apiPageGroups+"/1", "", ""); a.status != http.StatusOK || a.body != want {
		t.Fatalf("GET: %d %s\nwant %s", a.status, a.body, want)
	}
	a = boss.send("GET", apiPageGroups+"/1.xml", "", "")
	if a.status != http.StatusOK || !strings.HasSuffix(a.body, fmt.Sprintf(`<Group><id>1</id><enabled>true</enabled><pageGroupNumber>50</pageGroupNumber><timeout>30</timeout><description>floor</description>`+
		`<Users><User><id>%d</id><userName>ann</userName><lastName></lastName><firstName>Ann</firstName><aliases>1001</aliases></User>`+
		`<User><id>%d</id><userName>bob</userName><lastName></lastName><firstName>Bob</firstName><aliases>1002</aliases></User></Users></Group>`, ids["ann"], ids["bob"])) {
		t.Fatalf("XML: %d %s", a.status, a.body)
	}
	// Defaults: disabled, 60 s, no sound, no members (null); XML in.
	if a := boss.send("POST", apiPageGroups, "text/xml", `<Group><pageGroupNumber>51</pageGroupNumber></Group>`); a.status != http.StatusOK || a.body != "2" {
		t.Fatalf("POST XML: %d %s", a.status, a.body)
	}
	two := `{"id":2,"enabled":false,"pageGroupNumber":51,"timeout":60,"sound":null,"description":null,"users":null}`
	if a := boss.send("GET", apiPageGroups, "", ""); a.body != `{"groups":[`+want+","+two+`]}` {
		t.Fatalf("list: %s", a.body)
	}

	// PUT merges; users replace the members (by user name, a line number being one).
	if a := boss.send("PUT", apiPageGroups+"/1", "application/json", `{"timeout":45,"id":7}`); a.status != http.StatusOK || a.body != "1" {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	if got := pageGroupState(t, env); got != "1|50|t|45||floor|ann,bob\n2|51|f|60||<null>" {
		t.Fatalf("after PUT: %q", got)
	}
	if a := boss.send("PUT", apiPageGroups+"/1", "text/xml", `<Group><Users><User><userName>1003</userName></User><User><userName>ann</userName></User></Users><description/></Group>`); a.status != http.StatusOK {
		t.Fatalf("PUT users: %d %s", a.status, a.body)
	}
	if got := pageGroupState(t, env); got != "1|50|t|45||<null>|cat,ann\n2|51|f|60||<null>" {
		t.Fatalf("after PUT users: %q", got)
	}

	// Refusals change nothing.
	before := pageGroupState(t, env)
	for _, x := range []struct {
		method, path, body string
		status             int
		has                string
	}{
		{"POST", "", `{"pageGroupNumber":51}`, 409, "51"},
		{"PUT", "/1", `{"pageGroupNumber":51}`, 409, "51"},
		{"POST", "", `{"pageGroupNumber":0}`, 400, "pageGroupNumber"},
		{"POST", "", `{"pageGroupNumber":10000}`, 400, "pageGroupNumber"},
		{"POST", "", `{"pageGroupNumber":"five"}`, 400, "pageGroupNumber"},
		{"POST", "", `{"timeout":30}`, 400, "pageGroupNumber: is required"},
		{"POST", "", `{"pageGroupNumber":5,"timeout":0}`, 400, "timeout"},
		{"PUT", "/1", `{"timeout":3601}`, 400, "timeout"},
		{"POST", "", `{"pageGroupNumber":5,"sound":"beep.wav"}`, 400, "sound: Prompt not found"},
		{"POST", "", `{"pageGroupNumber":5,"users":[{"userName":"ghost"}]}`, 400, "users[0]: User not found"},
		{"POST", "", `{"pageGroupNumber":5,"users":[{"userName":"ann"},{"id":9999}]}`, 400, "users[1]: User not found"},
		{"PUT", "/1", `{"users":[{"id":9999}]}`, 400, "User not found"},
		{"POST", "", `{"pageGroupNumber":5,"users":[{}]}`, 400, "users[0]"},
		{"POST", "", `{"pageGroupNumber":5,"enabled":"often"}`, 400, "enabled"},
		{"GET", "/9", ``, 404, "Paging group not found."},
		{"PUT", "/9", `{"timeout":5}`, 404, "Paging group not found."},
		{"DELETE", "/9", ``, 404, "Paging group not found."},
		{"DELETE", "/x", ``, 404, "Paging group not found."},
	} {
		a := boss.send(x.method, apiPageGroups+x.path, "application/json", x.body)
		if a.status != x.status || !strings.Contains(a.body, x.has) || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") {
			t.Fatalf("%s %s %s: %d %s", x.method, x.path, x.body, a.status, a.body)
		}
		if after := pageGroupState(t, env); after != before {
			t.Fatalf("%s %s %s changed the page groups:\n%s", x.method, x.path, x.body, after)
		}
	}

	// The paging settings: the prefix alone, *77 by default.
	prefix := `{"path":"page-config/prefix","type":"string","options":null,"value":"%s","defaultValue":"*77","label":"Paging prefix","description":"Dialled before a page group's number to page it."}`
	if a := boss.send("GET", apiPageGroups+"/settings", "", ""); a.status != http.StatusOK || a.body != `{"settings":[`+fmt.Sprintf(prefix, "*77")+`]}` {
		t.Fatalf("settings: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiPageGroups+"/settings/page-config/prefix", "", ""); a.status != http.StatusOK || a.body != fmt.Sprintf(prefix, "*77") {
		t.Fatalf("prefix: %d %s", a.status, a.body)
	}
	// sipXpage's engine settings are not pbxws's: 404.
	for _, p := range []string{"page-config/sip.tcpPort", "page-config/rtp.port", "page-config/log.level", "sipxpage"} {
		if a := boss.send("GET", apiPageGroups+"/settings/"+p, "", ""); a.status != http.StatusNotFound {
			t.Fatalf("GET settings/%s: %d %s", p, a.status, a.body)
		}
		if a := boss.send("PUT", apiPageGroups+"/settings/"+p, "text/plain", "1"); a.status != http.StatusNotFound || pageGroupState(t, env) != before {
			t.Fatalf("PUT settings/%s: %d %s", p, a.status, a.body)
		}
	}
	// A prefix is dialable characters, and not nothing.
	for _, v := range []string{"abc", ""} {
		if a := boss.send("PUT", apiPageGroups+"/settings/page-config/prefix", "text/plain", v); a.status != http.StatusBadRequest || pageGroupState(t, env) != before {
			t.Fatalf("PUT prefix %q: %d %s", v, a.status, a.body)
		}
	}
	// Prefix 100: page numbers 10050 and 10051 are free; page group 2 would be 1002, bob's line.
	if a := boss.send("PUT", apiPageGroups+"/settings/page-config/prefix", "text/plain", "100\n"); a.status != http.StatusOK {
		t.Fatalf("PUT prefix: %d %s", a.status, a.body)
	}
	before = pageGroupState(t, env)
	if !strings.HasSuffix(before, "\n1:page-config/prefix=100") {
		t.Fatalf("stored prefix: %q", before)
	}
	for _, x := range []struct{ method, path, body string }{
		{"POST", "", `{"pageGroupNumber":2}`},
		{"PUT", "/1", `{"pageGroupNumber":3}`},
	} {
		if a := boss.send(x.method, apiPageGroups+x.path, "application/json", x.body); a.status != http.StatusConflict ||
			!strings.Contains(a.body, "page number 100") || !strings.Contains(a.body, "line") || pageGroupState(t, env) != before {
			t.Fatalf("%s %s: %d %s", x.method, x.body, a.status, a.body)
		}
	}
	// Back to *77: number 2 is free; then prefix 100 would make it 1002: 409, nothing changes.
	if a := boss.send("DELETE", apiPageGroups+"/settings/page-config/prefix", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE prefix: %d %s", a.status, a.body)
	}
	if a := boss.send("POST", apiPageGroups, "application/json", `{"pageGroupNumber":2}`); a.status != http.StatusOK || a.body != "3" {
		t.Fatalf("POST 2: %d %s", a.status, a.body)
	}
	before = pageGroupState(t, env)
	if a := boss.send("PUT", apiPageGroups+"/settings/page-config/prefix", "text/plain", "100"); a.status != http.StatusConflict ||
		!strings.Contains(a.body, "1002") || pageGroupState(t, env) != before {
		t.Fatalf("PUT prefix 100 over group 2: %d %s", a.status, a.body)
	}

	// Deletes; a deleted user leaves the groups it was in.
	if a := boss.send("DELETE", apiPageGroups+"/3", "", ""); a.status != http.StatusOK || a.body != "" {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	if st, _, raw := c.do("GET", usersPath, fmt.Sprintf("act=delete&id=%d", ids["cat"]), nil); st != http.StatusOK {
		t.Fatalf("json.php user delete: %d %s", st, raw)
	}
	if got := pageGroupState(t, env); got != "1|50|t|45||<null>|ann\n2|51|f|60||<null>" {
		t.Fatalf("after deletes: %q", got)
	}
}

// A page group's sound is a stored prompt of the pagegroups family (another family's file
// of that name is not one), and a prompt a group beeps with is not deleted (409 naming it).
func TestSipxAPIPageGroupSounds(t *testing.T) {
	env, _, boss, _ := callGroupSetup(t)
	for _, family := range []string{"pagegroups", "orbits"} {
		body, ctype := multipartBody(t, filePart("beep.wav", wavBytes(100)))
		if a := boss.send("POST", "/sipxconfig/api/"+family+"/prompts", ctype, body); a.status != http.StatusOK {
			t.Fatalf("upload to %s: %d %s", family, a.status, a.body)
		}
	}
	body, ctype := multipartBody(t, filePart("only-orbits.wav", wavBytes(100)))
	if a := boss.send("POST", "/sipxconfig/api/orbits/prompts", ctype, body); a.status != http.StatusOK {
		t.Fatalf("upload: %d %s", a.status, a.body)
	}
	if a := boss.send("POST", apiPageGroups, "application/json", `{"pageGroupNumber":7,"sound":"beep.wav"}`); a.status != http.StatusOK || a.body != "1" {
		t.Fatalf("POST with sound: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiPageGroups+"/1", "", ""); !strings.Contains(a.body, `"sound":"beep.wav"`) {
		t.Fatalf("GET: %s", a.body)
	}
	before := pageGroupState(t, env) + audioState(t, env)
	if !strings.HasPrefix(before, "1|7|f|60|beep.wav|<null>") {
		t.Fatalf("stored: %s", before)
	}
	if a := boss.send("PUT", apiPageGroups+"/1", "application/json", `{"sound":"only-orbits.wav"}`); a.status != http.StatusBadRequest ||
		!strings.Contains(a.body, "sound: Prompt not found") || pageGroupState(t, env)+audioState(t, env) != before {
		t.Fatalf("another family's prompt: %d %q", a.status, a.body)
	}
	// The used prompt stays; the orbits' file of the same name goes.
	if a := boss.send("DELETE", "/sipxconfig/api/pagegroups/prompts/beep.wav", "", ""); a.status != http.StatusConflict ||
		!strings.Contains(a.body, "page group 7") || pageGroupState(t, env)+audioState(t, env) != before {
		t.Fatalf("DELETE a used prompt: %d %s", a.status, a.body)
	}
	if a := boss.send("DELETE", "/sipxconfig/api/orbits/prompts/beep.wav", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE orbits' beep: %d %s", a.status, a.body)
	}
	// Without the sound (null), the prompt can go.
	if a := boss.send("PUT", apiPageGroups+"/1", "application/json", `{"sound":null}`); a.status != http.StatusOK {
		t.Fatalf("PUT no sound: %d %s", a.status, a.body)
	}
	if a := boss.send("DELETE", "/sipxconfig/api/pagegroups/prompts/beep.wav", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE the unused prompt: %d %s", a.status, a.body)
	}
	if got := pageGroupState(t, env); got != "1|7|f|60||<null>" {
		t.Fatalf("after: %s", got)
	}
}

// Simultaneous sipX and json.php edits of one group, each of another part, all survive:
// ten rounds of a call group's description (sipX), members (sipX) and timeout (json.php),
// and of a page group's timeout and members (sipX).
func TestSipxAPIGroupsSimultaneousEditsKeepEveryPart(t *testing.T) {
	env, c, boss, ids := callGroupSetup(t)
	if a := boss.send("POST", apiCallGroups, "application/json", `{"name":"sales","extension":"3399"}`); a.status != http.StatusOK {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	if a := boss.send("POST", apiPageGroups, "application/json", `{"pageGroupNumber":5}`); a.status != http.StatusOK {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	for i := 1; i <= 10; i++ {
		var wg sync.WaitGroup
		codes := make([]int, 5)
		run := func(k int, f func() int) {
			wg.Add(1)
			go func() { defer wg.Done(); codes[k] = f() }()
		}
		run(0, func() int {
			return boss.send("PUT", apiCallGroups+"/3399", "application/json", fmt.Sprintf(`{"description":"round %d"}`, i)).status
		})
		run(1, func() int {
			return boss.send("PUT", apiCallGroups+"/3399", "application/json", fmt.Sprintf(`{"ringBeans":[{"userName":"ann","expiration":%d}]}`, i)).status
		})
		run(2, func() int {
			st, _, _ := c.do("POST", groupsPath, "act=edit&id=1", map[string]any{"groupfeatures": map[string]any{"timeout": 100 + i}})
			return st
		})
		run(3, func() int {
			return boss.send("PUT", apiPageGroups+"/1", "application/json", fmt.Sprintf(`{"timeout":%d}`, 10+i)).status
		})
		run(4, func() int {
			return boss.send("PUT", apiPageGroups+"/1", "application/json", fmt.Sprintf(`{"users":[{"id":%d}]}`, ids["bob"])).status
		})
		wg.Wait()
		if fmt.Sprint(codes) != "[200 200 200 200 200]" {
			t.Fatalf("round %d: %v", i, codes)
		}
		var desc string
		var timeout, exp int
		if err := env.DB.QueryRow(`SELECT g.description, g.timeout, m.ring_expiration FROM groups g JOIN queue_members m ON m.category = 'group' AND m.queue_id = g.id
			WHERE g.id = 1`).Scan(&desc, &timeout, &exp); err != nil {
			t.Fatal(err)
		}
		// The members' write sets the ring time (i) unless json.php's timeout came after it.
		if desc != fmt.Sprintf("round %d", i) || exp != i || (timeout != i && timeout != 100+i) {
			t.Fatalf("round %d: call group %q, timeout %d, ann rings %d", i, desc, timeout, exp)
		}
		if got := pageGroupState(t, env); got != fmt.Sprintf("1|5|f|%d||<null>|bob", 10+i) {
			t.Fatalf("round %d: page group %s", i, got)
		}
	}
}
