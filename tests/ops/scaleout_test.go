package ops

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	pbxsql "pbxws/sql"
	"pbxws/tests/testenv"
)

// Issue 14.14: three pbxws on one database. Requests spread over them; an account change
// is in force on every instance for the next request; data written through one is read
// through the others; a call placed through one is read through another; one killed, the
// others keep serving.
func TestThreeInstancesOnOneDatabase(t *testing.T) {
	dsn := testenv.NewDatabase(t)
	dir := t.TempDir()
	db := []string{"-database-url", dsn}
	var inst []*proc
	for i := 0; i < 3; i++ {
		args := append(append([]string{}, ephemeral...), "-var-dir", filepath.Join(dir, "var"+strconv.Itoa(i)),
			"-sip-domain", "example.test", "-sip-tcp=false")
		inst = append(inst, startServe(t, dir, nil, append(args, db...)...))
	}
	pbxws(t, dir, nil, "pass-one-1\n", append([]string{"account", "add", "--name", "admin", "--login", "admin",
		"--password-stdin", "--section", "service/ipbx", "--section", "xivo/configuration"}, db...)...).must(t, 0)

	// Requests spread round-robin; each instance answers its share, and logs it.
	check := "/xivo/configuration/json.php/restricted/check/"
	for i := 0; i < 30; i++ {
		if st, body := get(t, inst[i%3].HTTPURL+check, "admin", "pass-one-1"); st != 200 || body != "OK" {
			t.Fatalf("request %d on instance %d: %d %q", i, i%3, st, body)
		}
	}
	for i, p := range inst {
		testenv.Eventually(t, 10*time.Second, fmt.Sprintf("instance %d logging its 10 requests", i), func() bool {
			return strings.Count(p.out.String(), "path="+check+" status=200") >= 10
		})
	}

	// Account changes: each in force on all three for the very next request.
	accountChange := func(stdin string, args ...string) {
		t.Helper()
		pbxws(t, dir, nil, stdin, append(append([]string{"account"}, args...), db...)...).must(t, 0)
	}
	expectOnAll := func(what, user, pass string, want int) {
		t.Helper()
		for i, p := range inst {
			if st, body := get(t, p.HTTPURL+check, user, pass); st != want {
				t.Fatalf("%s: instance %d answered %d %q, want %d", what, i, st, body, want)
			}
		}
	}
	accountChange("", "disable", "--name", "admin")
	expectOnAll("after disable", "admin", "pass-one-1", 401)
	accountChange("", "enable", "--name", "admin")
	expectOnAll("after enable", "admin", "pass-one-1", 200)
	accountChange("pass-two-2\n", "edit", "--name", "admin", "--password-stdin")
	expectOnAll("old password after the change", "admin", "pass-one-1", 401)
	expectOnAll("new password after the change", "admin", "pass-two-2", 200)
	accountChange("", "revoke", "--name", "admin", "--section", "xivo/configuration")
	expectOnAll("after revoking the section", "admin", "pass-two-2", 403)

	// Data written through one instance is read through the others (their list caches
	// follow the database).
	post := func(p *proc, path string, body any) {
		t.Helper()
		b, _ := json.Marshal(body)
		res, err := http.Post(p.HTTPURL+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("POST %s: %d", path, res.StatusCode)
		}
	}
	users := "/service/ipbx/json.php/private/pbx_settings/users/"
	for i := 1; i < 3; i++ { // warm both list caches before the writes
		if st, _ := get(t, inst[i].HTTPURL+users+"?act=list", "", ""); st != 204 {
			t.Fatalf("empty list on instance %d: %d", i, st)
		}
	}
	post(inst[0], "/service/ipbx/json.php/private/system_management/context/?act=add", map[string]any{
		"context":        map[string]any{"name": "default", "displayname": "Default", "entity": "default", "contexttype": "internal"},
		"contextinclude": []string{},
		"contextnumbers": map[string]any{"user": []any{map[string]any{"numberbeg": 200, "numberend": 299}}},
	})
	for _, n := range []string{"201", "202"} {
		post(inst[0], users+"?act=add", map[string]any{
			"userfeatures": map[string]any{"firstname": "User", "lastname": n},
			"linefeatures": []any{map[string]any{"protocol": "sip", "context": "default", "number": n, "name": n, "secret": "secret" + n}},
		})
	}
	for i := 1; i < 3; i++ {
		st, body := get(t, inst[i].HTTPURL+users+"?act=list", "", "")
		if st != 200 || strings.Count(body, `"lastname":`) != 2 {
			t.Fatalf("instance %d lists %d %s after the adds on instance 0", i, st, body)
		}
	}
	post(inst[1], users+"?act=edit&id=1", map[string]any{"userfeatures": map[string]any{"firstname": "Edited"}})
	if st, body := get(t, inst[2].HTTPURL+users+"?act=list", "", ""); st != 200 || !strings.Contains(body, `"firstname":"Edited"`) {
		t.Fatalf("instance 2 after the edit on instance 1: %d %s", st, body)
	}

	// A call placed through instance 0 is followed through instance 1. The calling phone
	// (sipp) is registered for line 201; any instance finds it in the shared registrations.
	phone := startPhone(t, "tests/sipc/testdata/uas-refer.xml")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sqlDB, err := pbxsql.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	if _, err := sqlDB.ExecContext(ctx, `INSERT INTO registrations (ruid, username, domain, contact, expires, last_modified)
		VALUES ('scale-201', '201', 'example.test', $1, localtimestamp + interval '1 hour', localtimestamp)`,
		"sip:201@"+phone.addr); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", inst[0].HTTPURL+"/callcontroller/201/202", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("POST the call on instance 0: %d", res.StatusCode)
	}
	testenv.Eventually(t, 20*time.Second, "instance 1 showing the call's INVITE 200 and NOTIFY 180", func() bool {
		st, body := get(t, inst[1].HTTPURL+"/callcontroller/201/202", "", "")
		return st == 200 && strings.Contains(body, "SIP/2.0 200 OK") && strings.Contains(body, "SIP/2.0 180 Ringing")
	})
	phone.mustPass(t, 20*time.Second)

	// Instance 0 killed: the others keep serving, the call's record included.
	if err := syscall.Kill(-inst[0].cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	inst[0].waitExit(10 * time.Second)
	for i := 1; i < 3; i++ {
		if st, body := get(t, inst[i].HTTPURL+users+"?act=list", "", ""); st != 200 || strings.Count(body, `"lastname":`) != 2 {
			t.Fatalf("instance %d after instance 0 died: %d %s", i, st, body)
		}
		if st, body := get(t, inst[i].HTTPURL+"/callcontroller/201/202", "", ""); st != 200 || !strings.Contains(body, "SIP/2.0 200 OK") {
			t.Fatalf("the call record through instance %d after its owner died: %d %s", i, st, body)
		}
	}
	if st, _ := get(t, inst[0].HTTPURL+"/healthz", "", ""); st != 0 {
		t.Fatalf("the killed instance still answers: %d", st)
	}
}

// Issue 14.14: SIP dialogs stay with their owner; when it dies, the other instances show
// its call's dialogs terminated once its lease (-sip-record-lease) has run out, rather than
// confirmed for minutes.
func TestDeadOwnersDialogsAreShownTerminated(t *testing.T) {
	dsn := testenv.NewDatabase(t)
	dir := t.TempDir()
	var inst []*proc
	for i := 0; i < 2; i++ {
		inst = append(inst, startServe(t, dir, nil, append(append([]string{}, ephemeral...),
			"-var-dir", filepath.Join(dir, "var"+strconv.Itoa(i)), "-database-url", dsn,
			"-sip-domain", "example.test", "-sip-tcp=false", "-sip-record-lease", "2s")...))
	}
	for _, n := range []string{"201", "202"} {
		body := map[string]any{
			"userfeatures": map[string]any{"firstname": "User", "lastname": n},
			"linefeatures": []any{map[string]any{"protocol": "sip", "context": "default", "number": n, "name": n, "secret": "secret" + n}},
		}
		if n == "201" {
			b, _ := json.Marshal(map[string]any{
				"context":        map[string]any{"name": "default", "displayname": "Default", "entity": "default", "contexttype": "internal"},
				"contextinclude": []string{},
				"contextnumbers": map[string]any{"user": []any{map[string]any{"numberbeg": 200, "numberend": 299}}},
			})
			mustPost(t, inst[0].HTTPURL+"/service/ipbx/json.php/private/system_management/context/?act=add", b)
		}
		b, _ := json.Marshal(body)
		mustPost(t, inst[0].HTTPURL+"/service/ipbx/json.php/private/pbx_settings/users/?act=add", b)
	}
	caller := startPhone(t, "tests/ops/testdata/uas-3pcc-caller-stays.xml")
	callee := startPhone(t, "tests/sipc/testdata/uas-3pcc-callee.xml")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sqlDB, err := pbxsql.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	for user, ph := range map[string]*phone{"201": caller, "202": callee} {
		if _, err := sqlDB.ExecContext(ctx, `INSERT INTO registrations (ruid, username, domain, contact, expires, last_modified)
			VALUES ($1, $2, 'example.test', $3, localtimestamp + interval '1 hour', localtimestamp)`,
			"owner-"+user, user, "sip:"+user+"@"+ph.addr); err != nil {
			t.Fatal(err)
		}
	}
	mustPost(t, inst[0].HTTPURL+"/callcontroller/201/202?sipMethod=INVITE&resultCacheTime=120", nil)
	states := func(p *proc) []string {
		st, body := get(t, p.HTTPURL+"/callcontroller/201/202?sipMethod=INVITE", "", "")
		if st != 200 {
			return nil
		}
		return regexp.MustCompile(`<dialog-state>([^<]*)</dialog-state>`).FindAllString(body, -1)
	}
	all := func(s []string, want string) bool {
		for _, x := range s {
			if !strings.Contains(x, want) {
				return false
			}
		}
		return len(s) == 2
	}
	testenv.Eventually(t, 20*time.Second, "instance 1 showing both dialogs confirmed", func() bool { return all(states(inst[1]), "Confirmed Dialog") })
	// After a renewal by the live owner, its dialogs are still shown confirmed.
	testenv.Eventually(t, 5*time.Second, "a renewal of the record", func() bool {
		var renewed bool
		_ = sqlDB.GetContext(ctx, &renewed, `SELECT live_until > created_at + interval '2 s' FROM call_records WHERE call_key LIKE '%201%'`)
		return renewed
	})
	if s := states(inst[1]); !all(s, "Confirmed Dialog") {
		t.Fatalf("a live owner's dialogs: %v", s)
	}
	if err := syscall.Kill(-inst[0].cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	inst[0].waitExit(10 * time.Second)
	testenv.Eventually(t, 10*time.Second, "instance 1 showing the dead owner's dialogs terminated", func() bool {
		return all(states(inst[1]), "Terminated Dialog")
	})
}

func mustPost(t *testing.T, url string, body []byte) {
	t.Helper()
	res, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("POST %s: %d", url, res.StatusCode)
	}
}

// phone is a sipp UAS playing a phone from a scenario file (a path under the repository).
type phone struct {
	addr string
	dir  string
	done chan error
}

func startPhone(t *testing.T, scenario string) *phone {
	t.Helper()
	ph := &phone{dir: t.TempDir(), done: make(chan error, 1)}
	// sipp binds -mp and -mp+2 (video): reserve the three.
	port, media := testenv.FreePort(t, "udp"), testenv.FreePorts(t, 3)
	ph.addr = "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command("sipp", "-sf", filepath.Join(testenv.RepoRoot(), scenario),
		"-i", "127.0.0.1", "-p", strconv.Itoa(port), "-mi", "127.0.0.1", "-mp", strconv.Itoa(media),
		"-m", "1", "-timeout", "60s", "-nostdin", "-trace_msg", "-message_file", filepath.Join(ph.dir, "msg"))
	cmd.Dir = ph.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("sipp: %v", err)
	}
	exited := make(chan struct{})
	go func() { err := cmd.Wait(); close(exited); ph.done <- err }()
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	testenv.WaitBound(t, port, 10*time.Second, exited)
	return ph
}

func (ph *phone) mustPass(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case err := <-ph.done:
		if err != nil {
			msg, _ := os.ReadFile(filepath.Join(ph.dir, "msg"))
			t.Fatalf("sipp: %v\n%s", err, msg)
		}
	case <-time.After(within):
		t.Fatal("sipp did not finish its scenario")
	}
}
