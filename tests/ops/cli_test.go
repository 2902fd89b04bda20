package ops

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Issue 14.4: an unknown subcommand is an error listing the commands (it used to start the
// server); version prints version and commit; each subcommand's -h shows its own flags.
func TestCommandLineNamesItsCommands(t *testing.T) {
	dir := t.TempDir()
	for _, bad := range []string{"acount", "versoin", "frobnicate"} {
		r := pbxws(t, dir, nil, "", bad, "list").must(t, 2)
		if !strings.Contains(r.stderr, `unknown command "`+bad+`"`) || !strings.Contains(r.stderr, "account ") ||
			!strings.Contains(r.stderr, "serve ") || !strings.Contains(r.stderr, "backup ") {
			t.Fatalf("pbxws %s: %q", bad, r.stderr)
		}
		if strings.Count(r.stderr, "commands:") != 1 {
			t.Fatalf("the usage is printed %d times", strings.Count(r.stderr, "commands:"))
		}
	}
	if r := pbxws(t, dir, nil, "", "acount").must(t, 2); !strings.Contains(r.stderr, "did you mean account?") {
		t.Fatalf("no suggestion: %q", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "var")); err == nil {
		t.Fatal("an unknown command created a var folder (it started the server)")
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := pbxws(t, dir, nil, "", args...).must(t, 0)
		if !strings.Contains(r.stdout, "pbxws 9.9.9-test commit 0123abc") {
			t.Fatalf("%v: %q", args, r.stdout)
		}
	}
	help := pbxws(t, dir, nil, "", "-h").must(t, 0).stdout
	for _, c := range []string{"serve", "migrate", "account", "db", "backup", "restore", "version"} {
		if !regexp.MustCompile(`(?m)^  ` + c + ` `).MatchString(help) {
			t.Fatalf("pbxws -h does not list %s:\n%s", c, help)
		}
	}
	cases := []struct {
		args     []string
		has, not []string
	}{
		{[]string{"serve", "-h"}, []string{"-http ", "-sip ", "-config ", "PBXWS_MAX_WAIT"}, nil},
		{[]string{"migrate", "-h"}, []string{"-var-dir ", "-database-url ", "-config "}, []string{"-http ", "-sip "}},
		{[]string{"account", "list", "-h"}, []string{"-var-dir ", "-database-url "}, []string{"-login ", "-password ", "-section "}},
		{[]string{"account", "add", "-h"}, []string{"-login ", "-password-stdin", "-section ", "-var-dir "}, []string{"-no-hosts "}},
		{[]string{"account", "grant", "-h"}, []string{"-section ", "-name "}, []string{"-login "}},
		{[]string{"db", "-h"}, []string{"status|stop|psql", "-var-dir "}, []string{"-http "}},
		{[]string{"backup", "-h"}, []string{"FILE", "-database-url "}, []string{"-sip "}},
	}
	for _, c := range cases {
		r := pbxws(t, dir, nil, "", c.args...).must(t, 0)
		for _, s := range c.has {
			if !strings.Contains(r.stdout, s) {
				t.Errorf("%v: no %q in\n%s", c.args, s, r.stdout)
			}
		}
		for _, s := range c.not {
			if strings.Contains(r.stdout, s) {
				t.Errorf("%v: %q belongs to another command:\n%s", c.args, s, r.stdout)
			}
		}
	}
	// A bad flag: one line naming it and where the flags are listed, not the usage twice.
	r := pbxws(t, dir, nil, "", "migrate", "-nope").must(t, 2)
	if !strings.Contains(r.stderr, "-nope") || strings.Count(r.stderr, "\n") > 2 {
		t.Fatalf("bad flag: %q", r.stderr)
	}
}

// Issue 14.5: a command run where there is no data says where it looked and refuses,
// rather than creating an empty cluster that reads like data loss; given the same -var-dir
// (flag, environment, or configuration file) it finds the server's data.
func TestCommandsFindTheServersDataOrRefuse(t *testing.T) {
	home := privateDir(t)
	varDir := filepath.Join(home, "var")
	stopClusterAtEnd(t, home, varDir)
	p := startServe(t, home, nil, append(ephemeral, "-var-dir", varDir)...)

	elsewhere := t.TempDir()
	for _, args := range [][]string{{"account", "list"}, {"migrate"}, {"migrate", "status"}, {"db", "status"}, {"backup", filepath.Join(elsewhere, "b.dump")}} {
		r := pbxws(t, elsewhere, nil, "", args...).must(t, 1)
		if !strings.Contains(r.stderr, "no private PostgreSQL cluster in "+filepath.Join(elsewhere, "var", "pg")) ||
			!strings.Contains(r.stderr, "-var-dir") {
			t.Fatalf("%v elsewhere: %q", args, r.stderr)
		}
		if m := regexp.MustCompile(`\(kept in (\S+)\)`).FindStringSubmatch(r.stderr); m != nil {
			if _, err := os.Stat(filepath.Join(m[1], "PG_VERSION")); err == nil {
				t.Fatalf("%v created a cluster in %s", args, m[1])
			}
		}
	}
	if _, err := os.Stat(filepath.Join(elsewhere, "var", "pg", "PG_VERSION")); err == nil {
		t.Fatal("a command created a cluster outside serve")
	}

	pbxws(t, elsewhere, nil, "s3cret-1\n", "account", "add", "-var-dir", varDir, "--name", "ops", "--login", "ops",
		"--password-stdin", "--section", "xivo/configuration").must(t, 0)
	byEnv := pbxws(t, elsewhere, []string{"PBXWS_VAR_DIR=" + varDir}, "", "account", "list").must(t, 0)
	cfgFile := filepath.Join(elsewhere, "pbxws.yaml")
	if err := os.WriteFile(cfgFile, []byte("var-dir: "+varDir+"\nhttp: 127.0.0.1:1\nsip-tcp: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	byFile := pbxws(t, elsewhere, nil, "", "account", "list", "-config", cfgFile).must(t, 0)
	for _, out := range []string{byEnv.stdout, byFile.stdout} {
		if !regexp.MustCompile(`(?m)^ops\s+ops\s`).MatchString(out) {
			t.Fatalf("account list does not show the account:\n%s", out)
		}
	}
	if st, body := get(t, p.HTTPURL+"/xivo/configuration/json.php/restricted/check/", "ops", "s3cret-1"); st != 200 || body != "OK" {
		t.Fatalf("the account made from elsewhere: %d %q", st, body)
	}
}

// Issue 14.6: taken ports are all named at once, each with its flag and environment
// variable, with the hint that another pbxws may hold them; the first-start hint is a
// command that works as printed.
func TestPortCollisionsNameTheirSettings(t *testing.T) {
	dir := privateDir(t)
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	httpAddr, sipAddr := tcp.Addr().String(), udp.LocalAddr().String()
	p := spawn(t, dir, nil, "serve", "-var-dir", filepath.Join(dir, "var"), "-http", httpAddr, "-https", "127.0.0.1:0", "-sip", sipAddr, "-sip-tcp=false")
	if code := p.waitExit(60 * time.Second); code != 1 {
		t.Fatalf("exit %d with taken ports:\n%s", code, p.out.String())
	}
	out := p.out.String()
	for _, want := range []string{"-http " + httpAddr + " (PBXWS_HTTP, tcp): address already in use",
		"-sip " + sipAddr + " (PBXWS_SIP, udp): address already in use", "another pbxws may be running"} {
		if !strings.Contains(out, want) {
			t.Fatalf("no %q in:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "var", "pg")); err == nil {
		t.Fatal("the failed start created a cluster first")
	}
}

func TestFirstStartHintWorksAsPrinted(t *testing.T) {
	dir := privateDir(t)
	varDir := filepath.Join(dir, "var")
	stopClusterAtEnd(t, dir, varDir)
	p := startServe(t, dir, nil, append(ephemeral, "-var-dir", varDir)...)
	m := regexp.MustCompile(`create one with: (echo .*?)"?\n`).FindStringSubmatch(p.out.String())
	if m == nil {
		t.Fatalf("no first-start hint:\n%s", p.out.String())
	}
	hint := strings.ReplaceAll(m[1], `\"`, `"`)
	if !strings.Contains(hint, "--section service/ipbx --section xivo/configuration --section cti") {
		t.Fatalf("the hint does not grant the README's sections: %s", hint)
	}
	cmd := exec.Command("sh", "-c", strings.Replace(hint, "CHOOSE-A-PASSWORD", "hint-pass-1", 1))
	cmd.Dir, cmd.Env = dir, cleanEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the hint %s: %v\n%s", hint, err, out)
	}
	for _, path := range []string{"/xivo/configuration/json.php/restricted/check/",
		"/service/ipbx/json.php/restricted/pbx_settings/users/?act=list",
		"/cti/json.php/restricted/profiles/?act=list"} {
		if st, body := get(t, p.HTTPURL+path, "admin", "hint-pass-1"); st != 200 && st != 204 {
			t.Fatalf("%s with the hinted account: %d %s", path, st, body)
		}
	}
}
