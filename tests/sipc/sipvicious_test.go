package sipc_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"pbxws/tests/testenv"
	"pbxws/web"
)

// runSipvicious runs one of sipvicious's tools against pbxws on loopback (bounded in time,
// its whole process group stopped) and returns its output.
func runSipvicious(t *testing.T, limit time.Duration, tool string, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(tool, args...)
	cmd.Dir = dir
	// sipvicious keeps its sessions under $HOME/.sipvicious.
	cmd.Env = append(os.Environ(), "HOME="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", tool, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	return out.String()
}

// svwar scans extensions 195-215 with REGISTER and with INVITE: pbxws answers known and
// unknown users alike, so it finds none (issue 13 item 10).
func TestSvwarFindsNoExtension(t *testing.T) {
	env := start(t)
	host, port, _ := strings.Cut(env.Server.SIPAddr(), ":")
	for _, method := range []string{"REGISTER", "INVITE"} {
		out := runSipvicious(t, 60*time.Second, "svwar", "-e195-215", "-m", method, "-p", port,
			"-P", strconv.Itoa(testenv.FreePort(t, "udp")), "-b", "127.0.0.1", "--force", host)
		for _, ext := range []string{"201", "202", "203"} {
			if strings.Contains(out, "| "+ext+" ") || strings.Contains(out, "|"+ext+" ") {
				t.Fatalf("svwar -m %s listed extension %s:\n%s", method, ext, out)
			}
		}
		if !strings.Contains(out, "found nothing") {
			t.Fatalf("svwar -m %s did not finish empty-handed:\n%s", method, out)
		}
	}
}

// svcrack guesses 201's secret from a dictionary holding it at the 12th place: with failed
// authentications throttled after 3 free ones (the policy the HTTP side uses), it never gets
// there; without the throttle the same run finds it, so the test can tell (issue 13 item 10).
func TestSvcrackIsThrottled(t *testing.T) {
	dict := filepath.Join(t.TempDir(), "dict.txt")
	words := []string{"123456", "password", "1234", "secret", "0000", "201", "abc123", "letmein", "qwerty", "admin", "sip", u201.secret, "zzz"}
	if err := os.WriteFile(dict, []byte(strings.Join(words, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	crack := func(env *testenv.Env) string {
		host, port, _ := strings.Cut(env.Server.SIPAddr(), ":")
		return runSipvicious(t, 40*time.Second, "svcrack", "-u", "201", "-d", dict, "-p", port,
			"-P", strconv.Itoa(testenv.FreePort(t, "udp")), "-b", "127.0.0.1", "--maximumtime", "10", host)
	}
	// Control: the dictionary does hold the secret.
	open := start(t, func(c *web.Config) { c.AuthFreeFailures = 1000; c.AuthBanAfter = 1000 })
	if out := crack(open); !strings.Contains(out, u201.secret) {
		t.Fatalf("without a throttle svcrack did not find the secret; the test cannot tell:\n%s", out)
	}
	throttled := start(t, func(c *web.Config) {
		c.AuthFreeFailures = 3
		c.AuthBackoff = 30 * time.Second
	})
	if out := crack(throttled); strings.Contains(out, u201.secret) || !strings.Contains(out, "found nothing") {
		t.Fatalf("svcrack found the secret despite the throttle:\n%s", out)
	}
}
