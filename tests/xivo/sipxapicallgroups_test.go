package xivo_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
)

const apiCallGroups = "/sipxconfig/api/callgroups"

// callGroupState is the stored groups with what sipX adds, their user and agent members
// with how each rings, their dial actions and their numbers.
func callGroupState(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var s *string
	if err := env.DB.QueryRow(`SELECT string_agg(concat_ws('|', g.id, g.name, g.number, g.context, g.strategy, g.timeout, g.commented,
		g.description, g.did, g.voicemail_fallback, g.user_forward, g.use_fwd_timers, g.fallback_uri,
		(SELECT string_agg(concat_ws(',', m.usertype, COALESCE(u.loginclient, m.userid::text), m.ring_expiration, m.ring_enabled, m.ring_together), ';' ORDER BY m.position, m.id)
			FROM queue_members m LEFT JOIN users u ON u.id = m.userid AND m.usertype = 'user' WHERE m.category = 'group' AND m.queue_id = g.id),
		(SELECT string_agg(concat_ws(',', event, actiontype, actionarg1, actionarg2), ';' ORDER BY event) FROM dialactions WHERE category = 'group' AND categoryval = g.id::text),
		(SELECT string_agg(type || ':' || exten, ',' ORDER BY type) FROM extensions WHERE typeval = g.id::text AND type IN ('group', 'groupdid'))), E'\n' ORDER BY g.id)
		FROM groups g`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}

// callGroupSetup starts pbxws with boss and clerk, group numbers 3300-3499 in the default
// context, and the users ann, bob and cat on lines 1001-1003.
func callGroupSetup(t *testing.T) (*testenv.Env, *xc, *sx, map[string]int) {
	env, c := sipxSetup(t)
	if _, err := env.DB.Exec(`INSERT INTO context_ranges (context, type, numberbeg, numberend) VALUES ('default', 'group', '3300', '3499')`); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for i, n := range []string{"ann", "bob", "cat"} {
		ids[n] = addUser(t, c, fmt.Sprintf(`{"userfeatures": {"firstname": "%s", "loginclient": "%s"},
			"linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["%d"]}}`, strings.ToUpper(n[:1])+n[1:], n, 1001+i))
	}
	return env, c, newSipx(t, env, "boss", "bosspin1"), ids
}

// /api/callgroups: made, read (JSON and XML, by extension, name and DID), merged, rotated,
// duplicated and deleted through sipX, each write checked in the database and read back
// through json.php pbx_settings/groups.
func TestSipxAPICallGroups(t *testing.T) {
	env, c, boss, ids := callGroupSetup(t)
	for _, x := range []struct {
		who    *sx
		status int
	}{{newSipx(t, env, "clerk", "clerkpin"), http.StatusForbidden}, {newSipx(t, env, "", ""), http.StatusUnauthorized}} {
		if a := x.who.send("GET", apiCallGroups, "", ""); a.status != x.status {
			t.Fatalf("GET as %q: %d", x.who.user, a.status)
		}
		if a := x.who.send("POST", apiCallGroups, "application/json", `{"name":"x","extension":"3300"}`); a.status != x.status || callGroupState(t, env) != "" {
			t.Fatalf("POST as %q: %d", x.who.user, a.status)
		}
	}
	if a := boss.send("GET", apiCallGroups, "", ""); a.status != http.StatusOK || a.body != `{"callGroups":[]}` {
		t.Fatalf("empty list: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiCallGroups+"/3399", "", ""); a.status != http.StatusNoContent || a.body != "" {
		t.Fatalf("no such group: %d %q", a.status, a.body)
	}

	// Made through sipX: the id back; ringall (everyone after the first at the same time),
	// ringing as long as its longest ring; the fallback number is XiVO's noanswer.
	a := boss.send("POST", apiCallGroups, "application/json", `{"name":"sales","extension":"3399","description":"front desk","enabled":true,"did":"3400",
		"ringBeans":[{"typeStr":null,"userName":"ann","enabled":true,"expiration":30},{"typeStr":"At the same time","userName":"bob","enabled":true,"expiration":20}],
		"fallbackDestination":"1003","voicemailFallback":false,"userForward":true,"useFwdTimers":true}`)
	if a.status != http.StatusOK || a.body != "1" || a.header.Get("Location") != apiCallGroups+"/3399" {
		t.Fatalf("POST: %d %s %v", a.status, a.body, a.header)
	}
	want := "1|sales|3399|default|ringall|30|f|front desk|3400|f|t|t||user,ann,30,t,t;user,bob,20,t,t|noanswer,extension,1003,default|group:3399,groupdid:3400"
	if got := callGroupState(t, env); got != want {
		t.Fatalf("stored:\n%s\nwant\n%s", got, want)
	}
	bean := `{"name":"sales","extension":"3399","description":"front desk","enabled":true,"did":"3400","ringBeans":[` +
		`{"typeStr":null,"userName":"ann","enabled":true,"expiration":30},{"typeStr":"At the same time","userName":"bob","enabled":true,"expiration":20}],` +
		`"fallbackDestination":"1003","voicemailFallback":false,"userForward":true,"useFwdTimers":true}`
	for _, key := range []string{"3399", "3400", "sales"} {
		if a := boss.send("GET", apiCallGroups+"/"+key, "", ""); a.status != http.StatusOK || a.body != bean {
			t.Fatalf("GET %s: %d %s\nwant %s", key, a.status, a.body, bean)
		}
	}
	if a := boss.send("GET", apiCallGroups+".json", "", ""); a.body != `{"callGroups":[`+bean+`]}` {
		t.Fatalf("list: %s", a.body)
	}
	a = boss.send("GET", apiCallGroups+"/3399.xml", "", "")
	if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/xml") || !strings.HasSuffix(a.body,
		`<CallGroup><name>sales</name><extension>3399</extension><description>front desk</description><enabled>true</enabled><did>3400</did>`+
			`<ringBeans><userName>ann</userName><enabled>true</enabled><expiration>30</expiration></ringBeans>`+
			`<ringBeans><typeStr>At the same time</typeStr><userName>bob</userName><enabled>true</enabled><expiration>20</expiration></ringBeans>`+
			`<fallbackDestination>1003</fallbackDestination><voicemailFallback>false</voicemailFallback><userForward>true</userForward><useFwdTimers>true</useFwdTimers></CallGroup>`) {
		t.Fatalf("XML: %d %s", a.status, a.body)
	}
	// json.php sees the group: its number, members in order, ringall, the noanswer.
	v := c.object(groupsPath, "act=view&id=1")
	if gf := v["groupfeatures"].(map[string]any); gf["number"] != "3399" || gf["name"] != "sales" || gf["context"] != "default" || gf["commented"] != false {
		t.Fatalf("json.php groupfeatures: %v", gf)
	}
	if got := memberIDs(v); got != fmt.Sprint([]int{ids["ann"], ids["bob"]}) || v["queue"].(map[string]any)["strategy"] != "ringall" {
		t.Fatalf("json.php members %s, queue %v", got, v["queue"])
	}
	if na := v["dialaction"].(map[string]any)["noanswer"].(map[string]any); na["actiontype"] != "extension" || na["actionarg1"] != "1003" {
		t.Fatalf("json.php noanswer: %v", na)
	}

	// PUT merges: new ring beans (mixed: linear), the rest kept; XML in, too.
	a = boss.send("PUT", apiCallGroups+"/3399", "text/xml", `<CallGroup><ringBeans><userName>bob</userName><expiration>20</expiration></ringBeans>`+
		`<ringBeans><typeStr>If no response</typeStr><userName>ann</userName><expiration>10</expiration></ringBeans>`+
		`<ringBeans><typeStr>At the same time</typeStr><userName>1003</userName><enabled>false</enabled></ringBeans></CallGroup>`)
	if a.status != http.StatusOK || a.body != "1" {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	want = "1|sales|3399|default|linear|30|f|front desk|3400|f|t|t||user,bob,20,t,f;user,ann,10,t,f;user,cat,30,f,t|noanswer,extension,1003,default|group:3399,groupdid:3400"
	if got := callGroupState(t, env); got != want {
		t.Fatalf("after PUT:\n%s\nwant\n%s", got, want)
	}
	v = c.object(groupsPath, "act=view&id=1")
	if got := memberIDs(v); got != fmt.Sprint([]int{ids["bob"], ids["ann"], ids["cat"]}) || v["queue"].(map[string]any)["strategy"] != "linear" {
		t.Fatalf("json.php after PUT: members %s, queue %v", got, v["queue"])
	}
	// A fallback that is a SIP URI is sipX's own: XiVO's noanswer goes.
	if a := boss.send("PUT", apiCallGroups+"/3399", "application/json", `{"fallbackDestination":"operator@example.com","description":null}`); a.status != http.StatusOK {
		t.Fatalf("PUT fallback: %d %s", a.status, a.body)
	}
	want = "1|sales|3399|default|linear|30|f||3400|f|t|t|operator@example.com|user,bob,20,t,f;user,ann,10,t,f;user,cat,30,f,t|group:3399,groupdid:3400"
	if got := callGroupState(t, env); got != want {
		t.Fatalf("after PUT fallback:\n%s\nwant\n%s", got, want)
	}
	if a := boss.send("GET", apiCallGroups+"/sales", "", ""); !strings.Contains(a.body, `"description":null,`) ||
		!strings.Contains(a.body, `"fallbackDestination":"operator@example.com"`) || !strings.Contains(a.body, `{"typeStr":"If no response","userName":"ann","enabled":true,"expiration":10}`) {
		t.Fatalf("GET after PUT: %s", a.body)
	}

	// Rotate on ann (second of bob, ann, cat): cat, bob, ann; the new first has no type.
	if a := boss.send("POST", apiCallGroups+"/3399/rotate/1001", "", ""); a.status != http.StatusOK || a.body != "1" {
		t.Fatalf("rotate: %d %s", a.status, a.body)
	}
	v = c.object(groupsPath, "act=view&id=1")
	if got := memberIDs(v); got != fmt.Sprint([]int{ids["cat"], ids["bob"], ids["ann"]}) {
		t.Fatalf("json.php after rotate: %s", got)
	}
	if a := boss.send("GET", apiCallGroups+"/3399", "", ""); !strings.Contains(a.body, `"ringBeans":[{"typeStr":null,"userName":"cat","enabled":false,"expiration":30},{"typeStr":"If no response","userName":"bob"`) {
		t.Fatalf("GET after rotate: %s", a.body)
	}
	// Rotating on the last member leaves the order.
	before := callGroupState(t, env)
	if a := boss.send("POST", apiCallGroups+"/3399/rotate/ann", "", ""); a.status != http.StatusOK || callGroupState(t, env) != before {
		t.Fatalf("rotate on the last: %d %s", a.status, callGroupState(t, env))
	}

	// Duplicates: CopyOf the name (again while taken), the new number, no DID, disabled.
	if a := boss.send("POST", apiCallGroups+"/sales/duplicate/3398", "", ""); a.status != http.StatusOK || a.body != "2" {
		t.Fatalf("duplicate: %d %s", a.status, a.body)
	}
	if a := boss.send("POST", apiCallGroups+"/3399/duplicate/3397", "", ""); a.status != http.StatusOK || a.body != "3" {
		t.Fatalf("duplicate again: %d %s", a.status, a.body)
	}
	members := "user,cat,30,f,t;user,bob,20,t,f;user,ann,10,t,f"
	state := callGroupState(t, env)
	for _, w := range []string{"2|CopyOfsales|3398|default|linear|30|t||", "3|CopyOfCopyOfsales|3397|default|linear|30|t||"} {
		if !strings.Contains(state, w+"|f|t|t|operator@example.com|"+members+"|group:339") {
			t.Fatalf("duplicates:\n%s\nwant a line starting %s", state, w)
		}
	}
	if a := boss.send("GET", apiCallGroups+"/prefix/3398", "", ""); !strings.HasPrefix(a.body, `{"callGroups":[{"name":"CopyOfsales","extension":"3398","description":null,"enabled":false,"did":null,`) {
		t.Fatalf("prefix 3398: %s", a.body)
	}
	a = boss.send("GET", apiCallGroups+"/prefix/339", "", "")
	if i, j, k := strings.Index(a.body, `"3397"`), strings.Index(a.body, `"3398"`), strings.Index(a.body, `"3399"`); i < 0 || i > j || j > k {
		t.Fatalf("prefix 339, by extension: %s", a.body)
	}
	if a := boss.send("GET", apiCallGroups+"/prefix/9", "", "", "Accept", "application/xml"); a.status != http.StatusOK || !strings.HasSuffix(a.body, "<CallGroups></CallGroups>") {
		t.Fatalf("prefix 9: %d %s", a.status, a.body)
	}

	// Refusals change nothing.
	before = callGroupState(t, env)
	for _, x := range []struct {
		method, path, body string
		status             int
		has                string
	}{
		{"POST", "", `{"name":"sales","extension":"3301"}`, 409, "name"},
		{"POST", "", `{"name":"ann","extension":"3301"}`, 409, "name ann is already an alias or number of user"},
		{"POST", "", `{"name":"1001","extension":"3301"}`, 409, "1001"},
		{"POST", "", `{"name":"3400","extension":"3301"}`, 409, "3400"},
		{"POST", "", `{"name":"new","extension":"3399"}`, 409, "3399"},
		{"POST", "", `{"name":"new","extension":"3400"}`, 409, "3400"},
		{"POST", "", `{"name":"new","extension":"3301","did":"3398"}`, 409, "3398"},
		{"POST", "", `{"name":"new","extension":"3301","did":"3301"}`, 400, "did: must differ"},
		{"POST", "", `{"name":"new","extension":"3301","ringBeans":[{"userName":"ann"},{"userName":"nobody"}]}`, 400, "ringBeans[1].userName: User not found"},
		{"POST", "", `{"name":"new","extension":"3301","ringBeans":[{"userName":"ann","expiration":0}]}`, 400, "ringBeans[0].expiration: must be 1-300"},
		{"POST", "", `{"name":"new","extension":"3301","ringBeans":[{"userName":"ann","expiration":301}]}`, 400, "expiration"},
		{"POST", "", `{"name":"new","extension":"3301","ringBeans":[{"userName":"ann"},{"userName":"bob","typeStr":"Sometimes"}]}`, 400, "ringBeans[1].typeStr"},
		{"POST", "", `{"name":"new","extension":"3301","ringBeans":[{"userName":"ann"},{"userName":"ann"}]}`, 400, "ringBeans[1]"},
		{"POST", "", `{"name":"new","extension":"33a1"}`, 400, "extension: must contain only digits"},
		{"POST", "", `{"extension":"3301"}`, 400, "name: is required"},
		{"POST", "", `{"name":"new"}`, 400, "extension: is required"},
		{"POST", "", `{"name":"new","extension":"3301","fallbackDestination":"not a uri"}`, 400, "fallbackDestination"},
		{"POST", "", `{"name":"new","extension":"3301","enabled":"maybe"}`, 400, "enabled"},
		{"PUT", "/3399", `{"name":"CopyOfsales"}`, 409, "name"},
		{"PUT", "/3399", `{"ringBeans":[{"userName":"ghost"}]}`, 400, "User not found"},
		{"PUT", "/3400", `{"description":"by did"}`, 404, "Call group not found"},
		{"PUT", "/3301", `{"description":"x"}`, 404, "Call group not found"},
		{"DELETE", "/3301", ``, 404, "Call group not found"},
		{"POST", "/3301/duplicate/3302", ``, 404, "Call group not found"},
		{"POST", "/3399/duplicate/3398", ``, 409, "3398"},
		{"POST", "/3399/rotate/1009", ``, 404, "Ring not found"},
		{"POST", "/3301/rotate/1001", ``, 404, "Call group not found"},
		{"POST", "/rotate", `{"nothing":[]}`, 400, "strings"},
		{"GET", "/3399/rotate/1001", ``, 405, "POST"},
	} {
		a := boss.send(x.method, apiCallGroups+x.path, "application/json", x.body)
		if a.status != x.status || !strings.Contains(a.body, x.has) || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") {
			t.Fatalf("%s %s %s: %d %s", x.method, x.path, x.body, a.status, a.body)
		}
		if after := callGroupState(t, env); after != before {
			t.Fatalf("%s %s %s changed the groups:\n%s", x.method, x.path, x.body, after)
		}
	}

	// Delete by name, by DID and by extension.
	for _, key := range []string{"CopyOfCopyOfsales", "3400", "3398"} {
		if a := boss.send("DELETE", apiCallGroups+"/"+key, "", ""); a.status != http.StatusOK || a.body != "" {
			t.Fatalf("DELETE %s: %d %s", key, a.status, a.body)
		}
	}
	var left int
	if err := env.DB.Get(&left, `SELECT count(*) FROM extensions WHERE type IN ('group', 'groupdid')`); err != nil || callGroupState(t, env) != "" || left != 0 {
		t.Fatalf("after deletes: %s, %d numbers left (%v)", callGroupState(t, env), left, err)
	}
	if n := c.list(groupsPath, "act=list"); n != nil {
		t.Fatalf("json.php after deletes: %v", n)
	}
}

// memberIDs is the user ids of a json.php group view, in order.
func memberIDs(v map[string]any) string {
	var ids []int
	us, _ := v["user"].([]any)
	for _, u := range us {
		ids = append(ids, int(u.(map[string]any)["userid"].(float64)))
	}
	return fmt.Sprint(ids)
}

// A group made through json.php is a call group: members in order, ringing 30 s, together
// under ringall and in turn under linear; sipX writes keep the agents XiVO has in it and
// the dial actions sipX does not show; XiVO's member edits keep how sipX made them ring.
func TestSipxAPICallGroupsOverXiVOGroups(t *testing.T) {
	env, c, boss, ids := callGroupSetup(t)
	id := c.add(groupsPath, []byte(fmt.Sprintf(`{"groupfeatures": {"name": "support", "context": "default", "number": "3310", "timeout": 45},
		"queue": {"strategy": "ringall"}, "user": [%d, %d], "dialaction": {"busy": {"actiontype": "endcall", "action": "busy"}}}`, ids["cat"], ids["ann"])))
	if _, err := env.DB.Exec(`INSERT INTO queue_members (category, queue_id, usertype, userid, position) VALUES ('group', $1, 'agent', 77, 9)`, id); err != nil {
		t.Fatal(err)
	}
	bean := `{"name":"support","extension":"3310","description":null,"enabled":true,"did":null,"ringBeans":[` +
		`{"typeStr":null,"userName":"cat","enabled":true,"expiration":30},{"typeStr":"At the same time","userName":"ann","enabled":true,"expiration":30}],` +
		`"fallbackDestination":null,"voicemailFallback":true,"userForward":true,"useFwdTimers":false}`
	if a := boss.send("GET", apiCallGroups+"/3310", "", ""); a.status != http.StatusOK || a.body != bean {
		t.Fatalf("XiVO group through sipX: %d %s\nwant %s", a.status, a.body, bean)
	}
	// linear: each after the previous.
	c.mustStatus(http.StatusOK, "POST", groupsPath, "act=edit&id="+id, map[string]any{"queue": map[string]any{"strategy": "linear"}})
	if a := boss.send("GET", apiCallGroups+"/3310", "", ""); !strings.Contains(a.body, `{"typeStr":"If no response","userName":"ann","enabled":true,"expiration":30}`) {
		t.Fatalf("after json.php linear: %s", a.body)
	}
	// A sipX write of the members keeps the agent and the busy action.
	if a := boss.send("PUT", apiCallGroups+"/3310", "application/json", `{"ringBeans":[{"userName":"ann","expiration":15},{"userName":"cat","expiration":25,"typeStr":"If no response"}]}`); a.status != http.StatusOK {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	want := id + "|support|3310|default|linear|40|f|||t|t|f||user,ann,15,t,f;user,cat,25,t,f;agent,77,30,t,f|busy,endcall|group:3310"
	if got := callGroupState(t, env); got != want {
		t.Fatalf("after sipX PUT:\n%s\nwant\n%s", got, want)
	}
	// XiVO adds bob: ann and cat keep their ring times, bob rings 30 s.
	c.mustStatus(http.StatusOK, "POST", groupsPath, "act=edit&id="+id, map[string]any{"user": []int{ids["ann"], ids["cat"], ids["bob"]}})
	if a := boss.send("GET", apiCallGroups+"/support", "", ""); !strings.Contains(a.body, `"ringBeans":[{"typeStr":null,"userName":"ann","enabled":true,"expiration":15},`+
		`{"typeStr":"If no response","userName":"cat","enabled":true,"expiration":25},{"typeStr":"If no response","userName":"bob","enabled":true,"expiration":30}]`) {
		t.Fatalf("after json.php members: %s", a.body)
	}
	// ringall through XiVO: every ring after the first at the same time.
	c.mustStatus(http.StatusOK, "POST", groupsPath, "act=edit&id="+id, map[string]any{"queue": map[string]any{"strategy": "ringall"}})
	if a := boss.send("GET", apiCallGroups+"/support", "", ""); strings.Contains(a.body, ringAfterText) || strings.Count(a.body, `"At the same time"`) != 2 {
		t.Fatalf("after json.php ringall: %s", a.body)
	}
	// A sipX fallback number replaces XiVO's noanswer; null removes only that.
	if a := boss.send("PUT", apiCallGroups+"/3310", "application/json", `{"fallbackDestination":"1002"}`); a.status != http.StatusOK {
		t.Fatalf("PUT fallback: %d %s", a.status, a.body)
	}
	if na := c.object(groupsPath, "act=view&id="+id)["dialaction"].(map[string]any); na["noanswer"].(map[string]any)["actionarg1"] != "1002" || na["busy"] == nil {
		t.Fatalf("json.php dial actions: %v", na)
	}
	if a := boss.send("PUT", apiCallGroups+"/3310", "application/json", `{"fallbackDestination":null}`); a.status != http.StatusOK {
		t.Fatalf("PUT no fallback: %d %s", a.status, a.body)
	}
	if na := c.object(groupsPath, "act=view&id="+id)["dialaction"].(map[string]any); na["noanswer"] != nil || na["busy"] == nil {
		t.Fatalf("json.php dial actions after null: %v", na)
	}
	// A group another object sends calls to is not deleted: 409, nothing changes.
	if _, err := env.DB.Exec(`INSERT INTO dialactions (category, categoryval, event, actiontype, action, actionarg1)
		VALUES ('user', $1, 'noanswer', 'group', 'group', $2)`, fmt.Sprint(ids["bob"]), id); err != nil {
		t.Fatal(err)
	}
	before := callGroupState(t, env)
	if a := boss.send("DELETE", apiCallGroups+"/support", "", ""); a.status != http.StatusConflict || callGroupState(t, env) != before {
		t.Fatalf("DELETE a group in use: %d %s", a.status, a.body)
	}
}

const ringAfterText = `"If no response"`

// sipX has no number ranges: a call group may take any free number of its context, and
// XiVO edits it while its number stays; a XiVO renumbering still keeps to the ranges.
func TestSipxAPICallGroupsOutsideRanges(t *testing.T) {
	env, c, boss, _ := callGroupSetup(t)
	if a := boss.send("POST", apiCallGroups, "application/json", `{"name":"night","extension":"5000","ringBeans":[{"userName":"ann"}]}`); a.status != http.StatusOK || a.body != "1" {
		t.Fatalf("POST outside the ranges: %d %s", a.status, a.body)
	}
	c.mustStatus(http.StatusOK, "POST", groupsPath, "act=edit&id=1", map[string]any{"groupfeatures": map[string]any{"description": "after hours"}})
	before := callGroupState(t, env)
	if !strings.HasPrefix(before, "1|night|5000|default|ringall|30|t|after hours|") {
		t.Fatalf("after json.php edit: %s", before)
	}
	st, _, raw := c.do("POST", groupsPath, "act=edit&id=1", map[string]any{"groupfeatures": map[string]any{"number": "5001"}})
	if st != http.StatusBadRequest || !strings.Contains(string(raw), "range") || callGroupState(t, env) != before {
		t.Fatalf("json.php renumbering outside the ranges: %d %s", st, raw)
	}
	if a := boss.send("PUT", apiCallGroups+"/5000", "application/json", `{"extension":"5001"}`); a.status != http.StatusOK ||
		!strings.HasPrefix(callGroupState(t, env), "1|night|5001|") {
		t.Fatalf("sipX renumbering: %d %s", a.status, a.body)
	}
}

// POST /callgroups/rotate: the member who answered each group's latest call (the event
// log) goes last, in the background; groups without such a call are left alone.
func TestSipxAPICallGroupsRotateByCalls(t *testing.T) {
	env, _, boss, _ := callGroupSetup(t)
	for _, body := range []string{
		`{"name":"sales","extension":"3399","ringBeans":[{"userName":"ann"},{"userName":"bob"},{"userName":"cat"}]}`,
		`{"name":"quiet","extension":"3398","ringBeans":[{"userName":"ann"},{"userName":"bob"}]}`,
	} {
		if a := boss.send("POST", apiCallGroups, "application/json", body); a.status != http.StatusOK {
			t.Fatalf("POST: %d %s", a.status, a.body)
		}
	}
	line := func(number string) string {
		var name string
		if err := env.DB.Get(&name, `SELECT name FROM lines WHERE number = $1`, number); err != nil {
			t.Fatal(err)
		}
		return name
	}
	// An older call bob answered, then the latest: an outside caller called 3399, bob's
	// and cat's phones rang, cat answered.
	if _, err := env.DB.Exec(`INSERT INTO cel (eventtype, eventtime, exten, context, channame, uniqueid, linkedid) VALUES
		('CHAN_START', '2026-01-01 09:00:00', '3399', 'default', 'SIP/trunk-00000001', 'a1', 'a1'),
		('CHAN_START', '2026-01-01 09:00:01', '3399', 'default', 'SIP/` + line("1002") + `-00000002', 'a2', 'a1'),
		('ANSWER', '2026-01-01 09:00:03', '3399', 'default', 'SIP/` + line("1002") + `-00000002', 'a2', 'a1'),
		('CHAN_START', '2026-01-02 10:00:00', '3399', 'default', 'SIP/trunk-00000003', 'b1', 'b1'),
		('CHAN_START', '2026-01-02 10:00:01', '3399', 'default', 'SIP/` + line("1002") + `-00000004', 'b2', 'b1'),
		('CHAN_START', '2026-01-02 10:00:01', '3399', 'default', 'SIP/` + line("1003") + `-00000005', 'b3', 'b1'),
		('ANSWER', '2026-01-02 10:00:04', '3399', 'default', 'SIP/` + line("1003") + `-00000005', 'b3', 'b1')`); err != nil {
		t.Fatal(err)
	}
	before := callGroupState(t, env)
	if !strings.Contains(before, "user,ann,30,t,f;user,bob,30,t,f;user,cat,30,t,f") {
		t.Fatalf("before: %s", before)
	}
	if a := newSipx(t, env, "clerk", "clerkpin").send("POST", apiCallGroups+"/rotate", "application/json", `{"strings":["3399"]}`); a.status != http.StatusForbidden {
		t.Fatalf("clerk: %d", a.status)
	}
	if a := boss.send("POST", apiCallGroups+"/rotate", "application/json", `{"strings":["3399","3398","3000"]}`); a.status != http.StatusOK || a.body != "" {
		t.Fatalf("rotate: %d %s", a.status, a.body)
	}
	// cat (third of ann, bob, cat) answered: already last... so the job leaves it. Move
	// cat first through sipX and run the job again: cat goes last.
	if a := boss.send("PUT", apiCallGroups+"/3399", "application/json", `{"ringBeans":[{"userName":"cat"},{"userName":"ann"},{"userName":"bob"}]}`); a.status != http.StatusOK {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	if a := boss.send("POST", apiCallGroups+"/rotate", "application/json", `{"strings":["3399","3398"]}`); a.status != http.StatusOK {
		t.Fatalf("rotate: %d %s", a.status, a.body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(callGroupState(t, env), "|sales|3399|default|linear|90|t|||t|t|f||user,ann,30,t,f;user,bob,30,t,f;user,cat,30,t,f|") {
		if time.Now().After(deadline) {
			t.Fatalf("the job did not rotate: %s", callGroupState(t, env))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The group without a call on record is as it was.
	if !strings.Contains(callGroupState(t, env), "|quiet|3398|default|linear|60|t|||t|t|f||user,ann,30,t,f;user,bob,30,t,f|") {
		t.Fatalf("quiet group changed: %s", callGroupState(t, env))
	}
}

// Every /api/callgroups and /api/pagegroups resource and method wants an administrator: a
// plain user gets 403, no credentials 401, and nothing changes.
func TestSipxAPIGroupsNeedAdmin(t *testing.T) {
	env, _, boss, _ := callGroupSetup(t)
	if a := boss.send("POST", apiCallGroups, "application/json", `{"name":"sales","extension":"3399","ringBeans":[{"userName":"ann"},{"userName":"bob"}]}`); a.status != http.StatusOK {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	if a := boss.send("POST", apiPageGroups, "application/json", `{"pageGroupNumber":5,"users":[{"userName":"ann"}]}`); a.status != http.StatusOK {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	state := func() string { return callGroupState(t, env) + "\n" + pageGroupState(t, env) }
	before := state()
	for _, x := range []struct{ method, path, ctype, body string }{
		{"GET", apiCallGroups, "", ""},
		{"POST", apiCallGroups, "application/json", `{"name":"x","extension":"3300"}`},
		{"GET", apiCallGroups + "/prefix/33", "", ""},
		{"GET", apiCallGroups + "/3399", "", ""},
		{"PUT", apiCallGroups + "/3399", "application/json", `{"description":"x"}`},
		{"DELETE", apiCallGroups + "/3399", "", ""},
		{"POST", apiCallGroups + "/3399/duplicate/3398", "", ""},
		{"POST", apiCallGroups + "/3399/rotate/1001", "", ""},
		{"POST", apiCallGroups + "/rotate", "application/json", `{"strings":["3399"]}`},
		{"GET", apiPageGroups, "", ""},
		{"POST", apiPageGroups, "application/json", `{"pageGroupNumber":6}`},
		{"GET", apiPageGroups + "/1", "", ""},
		{"PUT", apiPageGroups + "/1", "application/json", `{"timeout":9}`},
		{"DELETE", apiPageGroups + "/1", "", ""},
		{"GET", apiPageGroups + "/settings", "", ""},
		{"GET", apiPageGroups + "/settings/page-config/prefix", "", ""},
		{"PUT", apiPageGroups + "/settings/page-config/prefix", "text/plain", "*70"},
		{"DELETE", apiPageGroups + "/settings/page-config/prefix", "", ""},
	} {
		for _, who := range []struct {
			c      *sx
			status int
		}{{newSipx(t, env, "clerk", "clerkpin"), http.StatusForbidden}, {newSipx(t, env, "", ""), http.StatusUnauthorized}} {
			if a := who.c.send(x.method, x.path, x.ctype, x.body); a.status != who.status || state() != before {
				t.Fatalf("%s %s as %q: %d %s", x.method, x.path, who.c.user, a.status, a.body)
			}
		}
	}
}
