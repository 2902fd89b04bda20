package xivo_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"pbxws/tests/testenv"
)

const apiSchedules = "/sipxconfig/api/schedules"

// scheduleState is the stored schedules with their owners, periods and fallbacks.
func scheduleState(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var s *string
	if err := env.DB.QueryRow(`SELECT string_agg(concat_ws('|', s.id, s.name, s.description, COALESCE(s.owner_id, -1), COALESCE(s.group_id, -1),
		(SELECT string_agg(concat_ws(',', mode, position, hours, weekdays, commented), ';' ORDER BY mode, position) FROM schedule_periods WHERE schedule_id = s.id),
		(SELECT string_agg(concat_ws(',', event, actiontype, action), ';') FROM dialactions WHERE category = 'schedule' AND categoryval = s.id::text)), E'\n' ORDER BY s.id)
		FROM schedules s`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}

// /api/schedules: general, group and personal schedules with their periods, written and read
// through sipX in JSON and XML and through json.php call_management/schedule both ways.
func TestSipxAPISchedules(t *testing.T) {
	env, c := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	var clerk int
	if err := env.DB.Get(&clerk, `SELECT id FROM users WHERE loginclient = 'clerk'`); err != nil {
		t.Fatal(err)
	}
	cl := strconv.Itoa(clerk)
	if _, err := env.DB.Exec(`INSERT INTO user_groups (id, name) VALUES (60, 'sales'); INSERT INTO user_group_members VALUES (60, ` + cl + `)`); err != nil {
		t.Fatal(err)
	}
	if a := newSipx(t, env, "clerk", "clerkpin").send("GET", apiSchedules+"/general", "", ""); a.status != http.StatusForbidden {
		t.Fatalf("clerk: %d", a.status)
	}

	// A general schedule made through sipX: the id back, stored as a XiVO schedule.
	a := boss.send("POST", apiSchedules, "application/json", `{"name":"office","description":"opening hours","type":"G",
		"workingTime":{"workingHours":[{"enabled":true,"start":28800000,"stop":64800000,"scheduledDay":"Weekdays"}]}}`)
	if a.status != http.StatusOK || a.body != "1" || a.header.Get("Location") != apiSchedules+"/1" ||
		!strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
		t.Fatalf("POST: %d %s %v", a.status, a.body, a.header)
	}
	if got := scheduleState(t, env); got != "1|office|opening hours|-1|-1|opened,0,08:00-18:00,1-5,f|schedule_fallback,endcall,endcall:hangup" {
		t.Fatalf("stored: %s", got)
	}
	want := `{"id":1,"name":"office","description":"opening hours","userId":-1,"groupId":-1,"type":"G","workingTime":{"workingHours":[{"enabled":true,"start":28800000,"stop":64800000,"scheduledDay":"Weekdays"}]}}`
	if a := boss.send("GET", apiSchedules+"/1", "", ""); a.status != http.StatusOK || a.body != want {
		t.Fatalf("GET: %d %s\nwant %s", a.status, a.body, want)
	}
	if a := boss.send("GET", apiSchedules+"/general", "", ""); a.body != `{"schedules":[`+want+`]}` {
		t.Fatalf("general: %s", a.body)
	}
	// json.php reads it; a json.php edit of its opening hours is read back through sipX.
	v := c.object(schedulePath, "act=view&id=1")
	if op := v["opened"].([]any); len(op) != 1 || op[0].(map[string]any)["hours"] != "08:00-18:00" || op[0].(map[string]any)["weekdays"] != "1-5" {
		t.Fatalf("json.php view: %v", v)
	}
	c.mustStatus(http.StatusOK, "POST", schedulePath, "act=edit&id=1", map[string]any{"opened": []any{map[string]any{"hours": "09:00-12:30", "weekdays": "6-7"}}})
	a = boss.send("GET", apiSchedules+"/1", "", "", "Accept", "text/xml")
	if a.status != http.StatusOK || !strings.HasSuffix(a.body, `<Schedule><id>1</id><name>office</name><description>opening hours</description><userId>-1</userId><groupId>-1</groupId><type>general</type><workingTime><workingHours><enabled>true</enabled><start>1970-01-01T09:00:00.000Z</start><stop>1970-01-01T12:30:00.000Z</stop><scheduledDay>WEEKEND</scheduledDay></workingHours></workingTime></Schedule>`) {
		t.Fatalf("XML after json.php edit: %d %s", a.status, a.body)
	}

	// PUT merges: a description alone keeps the periods; the type is immutable.
	if a := boss.send("PUT", apiSchedules+"/1", "application/json", `{"description":"weekend","id":99}`); a.status != http.StatusOK || a.body != "1" || a.header.Get("Location") != apiSchedules+"/1" {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	before := scheduleState(t, env)
	if before != "1|office|weekend|-1|-1|opened,0,09:00-12:30,6-7,f|schedule_fallback,endcall,endcall:hangup" {
		t.Fatalf("after PUT: %s", before)
	}
	// Refusals change nothing: type change 400, unknown day 400, start after stop and
	// overlaps 422 naming the period, unknown schedule 404.
	for _, x := range []struct {
		method, path, body string
		status             int
		has                string
	}{
		{"PUT", "/1", `{"type":"S"}`, 400, "type"},
		{"PUT", "/1", `{"workingTime":{"workingHours":[{"start":0,"stop":3600000,"scheduledDay":"Funday"}]}}`, 400, "scheduledDay"},
		{"PUT", "/1", `{"workingTime":{"workingHours":[{"start":7200000,"stop":3600000,"scheduledDay":"Monday"}]}}`, 422, "workingHours[0]"},
		{"PUT", "/1", `{"workingTime":{"workingHours":[{"start":0,"stop":36000000,"scheduledDay":"Monday"},{"enabled":false,"start":0,"stop":3600000,"scheduledDay":"Monday"},{"start":3600000,"stop":7200000,"scheduledDay":"Weekdays"}]}}`, 422, "workingHours[2]"},
		{"POST", "/1/period", `{"enabled":true,"start":36000000,"stop":39600000,"scheduledDay":"Sunday"}`, 422, "overlaps"},
		{"POST", "/1/period/5", `{"enabled":true,"start":0,"stop":60000,"scheduledDay":"Monday"}`, 404, "Period not found"},
		{"DELETE", "/1/period/1", ``, 404, "Period not found"},
		{"GET", "/9", ``, 404, "Schedule not found"},
		{"PUT", "/9", `{"name":"x"}`, 404, "Schedule not found"},
		{"POST", "", `{"name":"office"}`, 422, ""},
		{"POST", "", `{"description":"no name"}`, 400, "name"},
		{"POST", "", `{"name":"p","type":"S","userId":9999}`, 400, "userId"},
		{"POST", "", `{"name":"g","type":"U"}`, 400, "groupId"},
		{"GET", "/user/9999/all", ``, 404, "User not found"},
		{"GET", "/group/77", ``, 404, "Group not found"},
	} {
		a := boss.send(x.method, apiSchedules+x.path, "application/json", x.body)
		if a.status != x.status || !strings.Contains(a.body, x.has) || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") {
			t.Fatalf("%s %s %s: %d %s", x.method, x.path, x.body, a.status, a.body)
		}
		if after := scheduleState(t, env); after != before {
			t.Fatalf("%s %s changed the schedules:\n%s", x.method, x.path, after)
		}
	}

	// Bodies: over 1 MiB 413, neither JSON nor XML 415, malformed 400; nothing changes.
	for _, x := range []struct {
		ctype, body string
		status      int
	}{{"text/csv", "name\nx", 415}, {"application/json", `{"name":`, 400}} {
		if a := boss.send("POST", apiSchedules, x.ctype, x.body); a.status != x.status || scheduleState(t, env) != before {
			t.Fatalf("POST %s: %d %.200s", x.ctype, a.status, a.body)
		}
	}

	// Over 1 MiB: 413 from the headers alone (the body is not waited for).
	conn, err := tls.Dial("tcp", strings.TrimPrefix(env.HTTPSURL, "https://"), &tls.Config{RootCAs: env.CAPool})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", apiSchedules, 2<<20); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	tooLarge, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") ||
		!strings.Contains(string(tooLarge), "at most 1048576 bytes") || scheduleState(t, env) != before {
		t.Fatalf("2 MiB body: %d %s", resp.StatusCode, tooLarge)
	}

	// Periods: append (disabled), insert before 0, delete by index.
	if a := boss.send("POST", apiSchedules+"/1/period", "application/json", `{"enabled":false,"start":46800000,"stop":50400000,"scheduledDay":"Monday"}`); a.status != http.StatusOK {
		t.Fatalf("append: %d %s", a.status, a.body)
	}
	if a := boss.send("POST", apiSchedules+"/1/period/0", "text/xml", `<workingHours><enabled>true</enabled><start>1970-01-01T07:00:00Z</start><stop>1970-01-01T08:00:00Z</stop><scheduledDay>EVERYDAY</scheduledDay></workingHours>`); a.status != http.StatusOK {
		t.Fatalf("insert: %d %s", a.status, a.body)
	}
	if got := scheduleState(t, env); got != "1|office|weekend|-1|-1|opened,0,07:00-08:00,,f;opened,1,09:00-12:30,6-7,f;opened,2,13:00-14:00,1,t|schedule_fallback,endcall,endcall:hangup" {
		t.Fatalf("periods: %s", got)
	}
	if a := boss.send("DELETE", apiSchedules+"/1/period/0", "", ""); a.status != http.StatusOK || a.body != "" {
		t.Fatalf("delete period: %d %s", a.status, a.body)
	}
	// json.php sees the sipX periods (the disabled one commented).
	v = c.object(schedulePath, "act=view&id=1")
	if op := v["opened"].([]any); len(op) != 2 || op[1].(map[string]any)["hours"] != "13:00-14:00" {
		t.Fatalf("json.php after sipX periods: %v", v)
	}

	// Personal and group schedules; the user's "all" is personal, the user's groups' and general.
	if a := boss.send("POST", apiSchedules+"/user/"+cl+"/personal", "application/json", `{"name":"mine","workingTime":{"workingHours":[]}}`); a.status != http.StatusOK || a.body != "3" { // 2 went to the refused duplicate
		t.Fatalf("personal: %d %s", a.status, a.body)
	}
	if a := boss.send("POST", apiSchedules, "text/xml", `<Schedule><name>team</name><type>group</type><groupId>60</groupId><workingTime><workingHours><enabled>true</enabled><start>1970-01-01T08:00:00Z</start><stop>1970-01-02T00:00:00Z</stop><scheduledDay>Every day</scheduledDay></workingHours></workingTime></Schedule>`, "Accept", "text/xml"); a.status != http.StatusOK || a.body != "4" ||
		!strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("group: %d %s", a.status, a.body)
	}
	if _, err := env.DB.Exec(`INSERT INTO user_groups (id, name) VALUES (61, 'other')`); err != nil {
		t.Fatal(err)
	}
	if a := boss.send("POST", apiSchedules, "application/json", `{"name":"others","type":"U","groupId":61}`); a.status != http.StatusOK || a.body != "5" {
		t.Fatalf("other group: %d %s", a.status, a.body)
	}
	ids := func(path string) string {
		t.Helper()
		a := boss.send("GET", apiSchedules+path, "", "")
		if a.status != http.StatusOK || !strings.HasPrefix(a.body, `{"schedules":[`) {
			t.Fatalf("GET %s: %d %s", path, a.status, a.body)
		}
		var out []string
		for _, part := range strings.Split(a.body, `{"id":`)[1:] {
			out = append(out, part[:strings.IndexByte(part, ',')])
		}
		return strings.Join(out, ",")
	}
	for path, want := range map[string]string{"/general": "1", "/group": "4,5", "/group/60": "4", "/group/61": "5",
		"/user/" + cl + "/personal": "3", "/user/" + cl + "/all": "1,3,4"} {
		if got := ids(path); got != want {
			t.Fatalf("%s: %s, want %s", path, got, want)
		}
	}
	// XiVO lists only the general one.
	if items := c.list(schedulePath, "act=list"); len(items) != 1 || items[0]["id"] != float64(1) {
		t.Fatalf("json.php list: %v", items)
	}
	if items := c.list(schedulePath, "act=search&search=team"); items != nil {
		t.Fatalf("json.php search found a group schedule: %v", items)
	}
	if a := boss.send("GET", apiSchedules+"/4", "", ""); !strings.Contains(a.body, `"userId":-1,"groupId":60,"type":"U","workingTime":{"workingHours":[{"enabled":true,"start":28800000,"stop":86400000,"scheduledDay":"Every_day"}]}`) {
		t.Fatalf("group bean: %s", a.body)
	}
	if a := boss.send("GET", apiSchedules+"/3.xml", "", ""); !strings.Contains(a.body, `<userId>`+cl+`</userId><groupId>-1</groupId><type>user</type><workingTime></workingTime>`) {
		t.Fatalf("personal XML: %s", a.body)
	}
	// DELETE: gone from sipX and from json.php.
	if a := boss.send("DELETE", apiSchedules+"/1", "", ""); a.status != http.StatusOK || a.body != "" {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", apiSchedules+"/general", "", ""); a.body != `{"schedules":[]}` {
		t.Fatalf("after DELETE: %s", a.body)
	}
	if st, _, _ := c.do("GET", schedulePath, "act=view&id=1", nil); st != http.StatusNotFound {
		t.Fatalf("json.php view after sipX DELETE: %d", st)
	}
	if a := boss.send("DELETE", apiSchedules+"/1", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("DELETE again: %d", a.status)
	}
}

// Every schedule URI and method the seed documents, run with the real curl binary in the
// seed's form (curl -k -X METHOD [-H "Content-Type: application/json" -d '…']
// https://superadmin:password@HOST/sipxconfig/api/…).
func TestSipxAPISchedulesCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is not installed (tests/install-deps.sh installs it)")
	}
	env, c := sipxSetup(t)
	super := addUser(t, c, `{"userfeatures": {"firstname": "Super", "lastname": "Admin", "loginclient": "superadmin", "passwdclient": "password", "admin": true}}`)
	if _, err := env.DB.Exec(`INSERT INTO user_groups (id, name) VALUES (70, 'ops')`); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(env.HTTPSURL, "https://")
	su := strconv.Itoa(super)
	period := `{"enabled":true,"start":28800000,"stop":43200000,"scheduledDay":"Monday"}`
	for _, x := range []struct{ method, uri, body, status, has string }{
		{"POST", "/schedules", `{"name":"hq","type":"G","workingTime":{"workingHours":[` + period + `]}}`, "200", "1"},
		{"POST", "/schedules", `{"name":"ops","type":"U","groupId":70}`, "200", "2"},
		{"GET", "/schedules/general", "", "200", `"name":"hq"`},
		{"GET", "/schedules/group/70", "", "200", `"name":"ops"`},
		{"POST", "/schedules/user/" + su + "/personal", `{"name":"own"}`, "200", "3"},
		{"GET", "/schedules/user/" + su + "/personal", "", "200", `"name":"own"`},
		{"GET", "/schedules/user/" + su + "/all", "", "200", `"name":"hq"`},
		{"GET", "/schedules/1", "", "200", `"scheduledDay":"Monday"`},
		{"PUT", "/schedules/1", `{"description":"head office"}`, "200", "1"},
		{"POST", "/schedules/1/period/0", `{"enabled":true,"start":50400000,"stop":61200000,"scheduledDay":"Friday"}`, "200", "1"},
		{"DELETE", "/schedules/1/period/1", "", "200", ""},
		{"GET", "/schedules/1", "", "200", `"description":"head office","userId":-1,"groupId":-1,"type":"G","workingTime":{"workingHours":[{"enabled":true,"start":50400000,"stop":61200000,"scheduledDay":"Friday"}]}`},
		{"DELETE", "/schedules/1", "", "200", ""},
		{"GET", "/schedules/1", "", "404", "Schedule not found"},
	} {
		cmd := "curl -k -X " + x.method
		if x.body != "" {
			cmd += ` -H "Content-Type: application/json" -d '` + x.body + `'`
		}
		body := filepath.Join(t.TempDir(), "body")
		cmd += " https://superadmin:password@" + host + "/sipxconfig/api" + x.uri + ` -s -o '` + body + `' -w '%{http_code}'`
		out, err := exec.Command("bash", "-c", cmd).Output()
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		got, _ := os.ReadFile(body)
		if string(out) != x.status || !strings.Contains(string(got), x.has) {
			t.Fatalf("%s\nanswered %s %s, want %s with %q", cmd, out, got, x.status, x.has)
		}
	}
	if got := scheduleState(t, env); got != "2|ops||-1|70|schedule_fallback,endcall,endcall:hangup\n3|own||"+su+"|-1|schedule_fallback,endcall,endcall:hangup" {
		t.Fatalf("stored: %s", got)
	}
}
