package xivo_test

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// sipX permissions: built-ins seeded, custom call permissions that are XiVO call rights,
// and the values users and user groups give them.
func TestSipxPermissions(t *testing.T) {
	env, c := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")

	a := boss.send("GET", "/sipxconfig/rest/permission?sortby=name&sortdir=asc", "", "")
	var list struct {
		Total int `xml:"metadata>totalResults"`
		Perms []struct {
			Name    string `xml:"name"`
			BuiltIn bool   `xml:"builtIn"`
			Type    string `xml:"type"`
		} `xml:"permissions>permission"`
	}
	if a.status != http.StatusOK || xml.Unmarshal([]byte(a.body), &list) != nil || list.Total < 10 || !strings.Contains(a.body, "<name>TUI_CHANGE_PIN</name>") {
		t.Fatalf("permission list: %d %s", a.status, a.body)
	}
	// A custom call permission: its drawn name in the envelope, a XiVO call right behind it.
	e := boss.send("PUT", "/sipxconfig/rest/permission", "text/xml",
		`<permission><name>ignored</name><label>apicreate</label><description>Created through the api</description><defaultValue>true</defaultValue></permission>`).envelope(t, http.StatusCreated, "SUCCESS_CREATED")
	name := e.More
	if !strings.HasPrefix(name, "perm_") || e.ID != "" {
		t.Fatalf("created envelope: %+v", e)
	}
	var rightcalls int
	if err := env.DB.Get(&rightcalls, `SELECT count(*) FROM rightcalls r JOIN permissions p ON p.rightcall_id = r.id WHERE p.name = $1`, name); err != nil || rightcalls != 1 {
		t.Fatalf("call right of %s: %d %v", name, rightcalls, err)
	}
	a = boss.send("GET", "/sipxconfig/rest/permission/"+name, "", "", "Accept", "application/json")
	if !strings.HasPrefix(a.body, `{"permission":{"name":"`+name+`","label":"apicreate","description":"Created through the api","defaultValue":true,"type":"CALL","builtIn":false}}`) {
		t.Fatalf("custom permission view: %s", a.body)
	}
	boss.send("PUT", "/sipxconfig/rest/permission/"+name, "text/xml", `<permission><defaultValue>false</defaultValue></permission>`).envelope(t, http.StatusOK, "SUCCESS_UPDATED")
	if a = boss.send("GET", "/sipxconfig/rest/permission/"+name, "", ""); !strings.Contains(a.body, "<label>apicreate</label>") || !strings.Contains(a.body, "<defaultValue>false</defaultValue>") {
		t.Fatalf("after a partial edit: %s", a.body)
	}
	boss.send("PUT", "/sipxconfig/rest/permission", "text/xml", `<permission><description>no label</description></permission>`).envelope(t, http.StatusBadRequest, "ERROR_VALIDATION_FAILED")
	boss.send("DELETE", "/sipxconfig/rest/permission/Voicemail", "", "").envelope(t, http.StatusBadRequest, "ERROR_DELETE_FAILED")
	boss.send("GET", "/sipxconfig/rest/permission/NoSuch", "", "").envelope(t, http.StatusBadRequest, "ERROR_OBJECT_NOT_FOUND")

	// A user's values: only the listed ones change; the custom one is the XiVO call right.
	uid := addUser(t, c, `{"userfeatures": {"firstname": "Pat", "loginclient": "pat", "passwdclient": "patpin12"},
		"voicemail": {"mailbox": "1050", "context": "default"}}`)
	path := "/sipxconfig/rest/user-permission/" + strconv.Itoa(uid)
	boss.send("PUT", path, "text/xml", `<user><permissions>
		<setting><name>InternationalDialing</name><value>ENABLE</value></setting>
		<setting><name>`+name+`</name><value>ENABLE</value></setting>
		<setting><name>TUI_CHANGE_PIN</name><value>DISABLE</value></setting></permissions></user>`).envelope(t, http.StatusOK, "SUCCESS_UPDATED")
	a = boss.send("GET", path, "", "")
	for _, want := range []string{
		"<setting><name>InternationalDialing</name><label>International Dialing</label><value>ENABLE</value><defaultValue>false</defaultValue></setting>",
		"<setting><name>" + name + "</name><label>apicreate</label><value>ENABLE</value>",
		"<setting><name>LocalDialing</name><label>Local Dialing</label><value></value><defaultValue>true</defaultValue></setting>",
	} {
		if !strings.Contains(a.body, want) {
			t.Fatalf("user permissions lack %s:\n%s", want, a.body)
		}
	}
	var held int
	if err := env.DB.Get(&held, `SELECT count(*) FROM user_rightcalls WHERE user_id = $1`, uid); err != nil || held != 1 {
		t.Fatalf("call rights held: %d %v", held, err)
	}
	if view := c.object(usersPath, "act=view&id="+strconv.Itoa(uid)); view["rightcall"] == false {
		t.Fatalf("json.php shows no call right: %v", view["rightcall"])
	}
	// TUI_CHANGE_PIN off: the user may not change the voicemail PIN.
	if a = newSipx(t, env, "pat", "patpin12").send("PUT", "/sipxconfig/rest/my/voicemail/pin/9876", "", ""); a.status != http.StatusForbidden {
		t.Fatalf("PIN change without TUI_CHANGE_PIN: %d %s", a.status, a.body)
	}
	// Unknown names are refused, and nothing changes; PUT without id and DELETE are refused.
	boss.send("PUT", path, "text/xml", `<user><permissions><setting><name>LocalDialing</name><value>DISABLE</value></setting><setting><name>NoSuch</name><value>ENABLE</value></setting></permissions></user>`).envelope(t, http.StatusBadRequest, "ERROR_VALIDATION_FAILED")
	if a = boss.send("GET", path, "", ""); !strings.Contains(a.body, "<name>LocalDialing</name><label>Local Dialing</label><value></value>") {
		t.Fatalf("a refused PUT changed LocalDialing: %s", a.body)
	}
	boss.send("PUT", "/sipxconfig/rest/user-permission", "text/xml", `<user/>`).envelope(t, http.StatusBadRequest, "ERROR_MISSING_ID")
	if a = boss.send("DELETE", path, "", ""); a.status != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE: %d", a.status)
	}

	// A group's values are always shown: the default where none is set. A group turning a
	// permission on gives it to its members who set nothing.
	gid := boss.send("PUT", "/sipxconfig/rest/user-group", "text/xml", `<group><name>callers</name></group>`).envelope(t, http.StatusCreated, "SUCCESS_CREATED").ID
	gpath := "/sipxconfig/rest/user-group-permission/" + gid
	if a = boss.send("GET", gpath, "", ""); !strings.Contains(a.body, "<name>LocalDialing</name><label>Local Dialing</label><value>ENABLE</value>") {
		t.Fatalf("group defaults: %s", a.body)
	}
	boss.send("PUT", gpath, "text/xml", `<group><permissions><setting><name>TUI_CHANGE_PIN</name><value>ENABLE</value></setting></permissions></group>`).envelope(t, http.StatusOK, "SUCCESS_UPDATED")
	boss.send("PUT", "/sipxconfig/rest/user/"+strconv.Itoa(uid), "text/xml", `<user><userName>pat</userName><groups><group><id>`+gid+`</id></group></groups></user>`).envelope(t, http.StatusOK, "SUCCESS_UPDATED")
	boss.send("PUT", path, "text/xml", `<user><permissions><setting><name>TUI_CHANGE_PIN</name><value></value></setting></permissions></user>`).envelope(t, http.StatusOK, "SUCCESS_UPDATED")
	if a = newSipx(t, env, "pat", "patpin12").send("PUT", "/sipxconfig/rest/my/voicemail/pin/9876", "", ""); a.status != http.StatusOK {
		t.Fatalf("PIN change with the group's TUI_CHANGE_PIN: %d %s", a.status, a.body)
	}
	// Deleting the custom permission deletes its call right.
	boss.send("DELETE", "/sipxconfig/rest/permission/"+name, "", "").envelope(t, http.StatusOK, "SUCCESS_DELETED")
	if err := env.DB.Get(&held, `SELECT count(*) FROM user_rightcalls WHERE user_id = $1`, uid); err != nil || held != 0 {
		t.Fatalf("call rights after the delete: %d %v", held, err)
	}
}

// Auto attendants: special mode and selection for ADMIN or ATTENDANT_ADMIN, live mode for
// ADMIN.
func TestSipxAutoAttendants(t *testing.T) {
	env, _ := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	clerk := newSipx(t, env, "clerk", "clerkpin")
	if a := clerk.send("GET", "/sipxconfig/rest/auto-attendant", "", ""); a.status != http.StatusForbidden {
		t.Fatalf("clerk without RECORD_SYSTEM_PROMPTS: %d", a.status)
	}
	clerkID := 0
	if err := env.DB.Get(&clerkID, `SELECT id FROM users WHERE loginclient = 'clerk'`); err != nil {
		t.Fatal(err)
	}
	boss.send("PUT", "/sipxconfig/rest/user-permission/"+strconv.Itoa(clerkID), "text/xml",
		`<user><permissions><setting><name>RECORD_SYSTEM_PROMPTS</name><value>ENABLE</value></setting></permissions></user>`).envelope(t, http.StatusOK, "SUCCESS_UPDATED")
	a := clerk.send("GET", "/sipxconfig/rest/auto-attendant", "", "", "Accept", "application/json")
	if a.status != http.StatusOK || a.body != `{"autoAttendants":[{"name":"After hours","systemId":"afterhour","specialSelected":false},{"name":"Operator","systemId":"operator","specialSelected":false}]}` {
		t.Fatalf("attendant list for an attendant admin: %d %s", a.status, a.body)
	}
	for _, step := range []struct {
		who          *sx
		method, path string
		status       int
	}{
		{clerk, "PUT", "/sipxconfig/rest/auto-attendant/afterhour/special", 204},
		{clerk, "PUT", "/sipxconfig/rest/auto-attendant/nosuch/special", 400},
		{clerk, "PUT", "/sipxconfig/rest/auto-attendant/specialmode", 204},
		{clerk, "DELETE", "/sipxconfig/rest/auto-attendant/afterhour/special", 409},
		{clerk, "GET", "/sipxconfig/rest/auto-attendant/afterhour/special", 405},
		{clerk, "PUT", "/sipxconfig/rest/auto-attendant/livemode/100", 403},
		{boss, "PUT", "/sipxconfig/rest/auto-attendant/livemode/100", 200},
		{boss, "POST", "/sipxconfig/rest/auto-attendant/livemode/100", 404}, // already live: nothing changed
		{boss, "DELETE", "/sipxconfig/rest/auto-attendant/livemode/999", 404},
	} {
		if a := step.who.send(step.method, step.path, "", ""); a.status != step.status {
			t.Fatalf("%s %s: %d %s, want %d", step.method, step.path, a.status, a.body, step.status)
		}
	}
	a = boss.send("GET", "/sipxconfig/rest/auto-attendant", "", "")
	if !strings.Contains(a.body, "<autoAttendant><name>After hours</name><systemId>afterhour</systemId><specialSelected>true</specialSelected></autoAttendant>") {
		t.Fatalf("the special attendant while special mode is on: %s", a.body)
	}
	if a = boss.send("GET", "/sipxconfig/rest/auto-attendant/specialmode", "", ""); !strings.HasSuffix(a.body, "<specialAttendant><specialMode>true</specialMode></specialAttendant>") {
		t.Fatalf("special mode: %s", a.body)
	}
	var live bool
	if err := env.DB.Get(&live, `SELECT live FROM auto_attendants WHERE system_id = 'operator'`); err != nil || !live {
		t.Fatalf("live mode stored: %v %v", live, err)
	}
	boss.send("DELETE", "/sipxconfig/rest/auto-attendant/specialmode", "", "")
	if a = boss.send("DELETE", "/sipxconfig/rest/auto-attendant/afterhour/special", "", ""); a.status != 204 {
		t.Fatalf("deselect with special mode off: %d %s", a.status, a.body)
	}
}
