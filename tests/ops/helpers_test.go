// Package ops tests pbxws the way an operator runs it: the built binary, its subcommands,
// its private PostgreSQL cluster, its signals, its health endpoints and its settings.
package ops

import (
	"bytes"
	"context"
	"fmt"
	"io"
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

	"pbxws/tests/testenv"
)

var pbxwsBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pbxws-ops-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pbxwsBin = filepath.Join(dir, "pbxws")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=9.9.9-test -X main.commit=0123abc", "-o", pbxwsBin, "./cmd/pbxws")
	build.Dir = testenv.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building pbxws: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is one running `pbxws serve` in its own process group.
type proc struct {
	t        *testing.T
	cmd      *exec.Cmd
	out      *testenv.SyncBuffer
	exited   chan struct{}
	HTTPURL  string
	HTTPSURL string
}

// private serve flags: every listener on a port the system picks, so no test can collide.
var ephemeral = []string{"-http", "127.0.0.1:0", "-https", "127.0.0.1:0", "-sip", "127.0.0.1:0"}

var servingRE = regexp.MustCompile(`pbxws is serving: http://(\S*)  https://(\S*)`)

// startServe runs `pbxws serve args…` in dir and waits until it serves (or exits).
func startServe(t *testing.T, dir string, env []string, args ...string) *proc {
	t.Helper()
	p := spawn(t, dir, env, append([]string{"serve"}, args...)...)
	deadline := time.Now().Add(90 * time.Second)
	for {
		if m := servingRE.FindStringSubmatch(p.out.String()); m != nil {
			p.HTTPURL, p.HTTPSURL = "http://"+m[1], "https://"+m[2]
			return p
		}
		select {
		case <-p.exited:
			t.Fatalf("pbxws serve exited before serving:\n%s", p.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("pbxws serve did not start in time:\n%s", p.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// spawn starts pbxws in its own process group; the test's cleanup kills the whole group.
func spawn(t *testing.T, dir string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(pbxwsBin, args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	out := &testenv.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, cmd: cmd, out: out, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
		if t.Failed() {
			t.Logf("pbxws %s output:\n%s", strings.Join(args, " "), out.String())
		}
	})
	return p
}

// signal sends sig to the process (not its group).
func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
}

// waitExit waits for the process to end and returns its exit code.
func (p *proc) waitExit(within time.Duration) int {
	p.t.Helper()
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(within):
		p.t.Fatalf("pbxws did not exit within %s:\n%s", within, p.out.String())
		return -1
	}
}

func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// cleanEnv is the environment without PBXWS_* settings, so that a developer's own do not
// leak into the tests.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PBXWS_") {
			env = append(env, kv)
		}
	}
	return env
}

// result is one finished pbxws command.
type result struct {
	code           int
	stdout, stderr string
}

// pbxws runs a subcommand to its end in dir.
func pbxws(t *testing.T, dir string, env []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pbxwsBin, args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("pbxws %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return result{code, out.String(), errb.String()}
}

func (r result) must(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	return r
}

// privateDir is a fresh folder only its owner can enter (as `mktemp -d` makes).
func privateDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	if err := os.Chmod(d, 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}

// clusterDir is where the private cluster of varDir lives (pbxws db status says it), and
// the cleanup that stops whatever still runs there and removes it.
func clusterDir(t *testing.T, dir, varDir string) string {
	t.Helper()
	r := pbxws(t, dir, nil, "", "db", "status", "-var-dir", varDir).must(t, 0)
	m := regexp.MustCompile(`(?m)^private PostgreSQL cluster: (\S+)$`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("db status names no cluster:\n%s", r.stdout)
	}
	return m[1]
}

// stopClusterAtEnd makes sure no PostgreSQL of the test outlives it, and removes a
// relocated data directory.
func stopClusterAtEnd(t *testing.T, dir, varDir string) {
	t.Cleanup(func() {
		r := pbxws(t, dir, nil, "", "db", "status", "-var-dir", varDir)
		m := regexp.MustCompile(`(?m)^private PostgreSQL cluster: (\S+)$`).FindStringSubmatch(r.stdout)
		pbxws(t, dir, nil, "", "db", "stop", "-var-dir", varDir)
		if m != nil && strings.HasPrefix(m[1], "/var/lib/pbxws/") {
			_ = os.RemoveAll(filepath.Dir(m[1]))
		}
	})
}

// postmasterPID is the running server's pid from postmaster.pid (0 when none).
func postmasterPID(dataDir string) int {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return 0
	}
	return pid
}

// get fetches a URL and returns status and body.
func get(t *testing.T, url string, user, password string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
