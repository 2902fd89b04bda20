package sipc_test

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"pbxws/tests/testenv"
)

// linphone is a linphonec phone (linphone-cli) registered to pbxws over one transport; the
// test types linphonec commands on its standard input and watches its output.
type linphone struct {
	t       *testing.T
	name    string
	udp     int // its SIP UDP port
	tcp     int // its SIP TCP port
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	mu      sync.Mutex
	out     bytes.Buffer
	done    chan struct{}
	stopped bool
}

// startLinphone runs linphonec for p, registering to registrar (host:port) over transport
// ("udp", "tcp", or "tls" trusting the certificate in caFile). It listens on UDP and TCP (and
// TLS for a TLS phone). autoAnswer makes it answer calls by itself.
func startLinphone(t *testing.T, p party, registrar, transport string, autoAnswer bool, caFile ...string) *linphone {
	t.Helper()
	dir := t.TempDir()
	l := &linphone{t: t, name: "linphonec " + p.name + "/" + transport, done: make(chan struct{}),
		udp: testenv.FreePort(t, "udp"), tcp: testenv.FreePort(t, "tcp")}
	rtp := testenv.FreePort(t, "udp")
	tlsPort, tlsConf := "-1", ""
	if transport == "tls" {
		tlsPort = strconv.Itoa(testenv.FreePort(t, "tcp"))
		// linphonec checks pbxws's certificate against the test's CA file (the certificate
		// itself). Not its name: the mbedTLS linphonec is built with cannot match an IP
		// address in subjectAltName, and the test must not depend on how "localhost" resolves.
		tlsConf = "root_ca=" + caFile[0] + "\nverify_server_certs=1\nverify_server_cn=0\n"
	}
	rc := strings.Join([]string{
		"[sip]",
		"sip_port=" + strconv.Itoa(l.udp),
		"sip_tcp_port=" + strconv.Itoa(l.tcp),
		"sip_tls_port=" + tlsPort,
		"default_proxy=0",
		"ping_with_options=0",
		"guess_hostname=0",
		strings.TrimSuffix(tlsConf, "\n"),
		"[rtp]",
		"audio_rtp_port=" + strconv.Itoa(rtp),
		"[sound]",
		"echocancellation=0",
		"[net]",
		"nat_policy_ref=",
		"[proxy_0]",
		"reg_proxy=<sip:" + registrar + ";transport=" + transport + ">",
		// Every request goes through pbxws: no DNS lookup of the test domain.
		"reg_route=<sip:" + registrar + ";transport=" + transport + ";lr>",
		"reg_identity=<sip:" + p.name + "@" + domain + ">",
		"reg_expires=600",
		"reg_sendregister=1",
		"publish=0",
		"[auth_info_0]",
		"username=" + p.name,
		"passwd=" + p.secret,
		"realm=pbxws",
		"domain=" + domain,
		"",
	}, "\n")
	// Without its database folder linphonec never opens its listening points.
	if err := os.MkdirAll(filepath.Join(dir, ".local", "share", "linphone"), 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "linphonerc")
	if err := os.WriteFile(path, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-c", path, "-d", "5"}
	if autoAnswer {
		args = append(args, "-a")
	}
	l.cmd = exec.Command("linphonec", args...)
	l.cmd.Dir = dir
	l.cmd.Env = append(os.Environ(), "HOME="+dir)
	l.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	l.cmd.Stdout, l.cmd.Stderr = w, w
	if l.stdin, err = l.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := l.cmd.Start(); err != nil {
		t.Fatalf("starting linphonec: %v", err)
	}
	w.Close()
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			l.mu.Lock()
			l.out.WriteString(sc.Text() + "\n")
			l.mu.Unlock()
		}
		r.Close()
	}()
	go func() { _ = l.cmd.Wait(); close(l.done) }()
	t.Cleanup(func() {
		l.stop()
		if t.Failed() {
			t.Logf("--- %s output (last 200 lines):\n%s", l.name, lastLines(l.output(), 200))
		}
	})
	l.waitFor("to [LinphoneRegistrationOk]", 20*time.Second)
	return l
}

// stop quits linphonec, then kills its process group if it lingers.
func (l *linphone) stop() {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return
	}
	l.stopped = true
	l.mu.Unlock()
	_, _ = io.WriteString(l.stdin, "quit\n")
	select {
	case <-l.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-l.cmd.Process.Pid, syscall.SIGKILL)
		<-l.done
	}
}

// do types a linphonec command.
func (l *linphone) do(command string) {
	l.t.Helper()
	if _, err := io.WriteString(l.stdin, command+"\n"); err != nil {
		l.t.Fatalf("%s: %s: %v", l.name, command, err)
	}
}

func (l *linphone) output() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.out.String()
}

// mark is the length of the output so far: waitAfter looks only at what comes later.
func (l *linphone) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.out.Len()
}

func (l *linphone) waitFor(s string, timeout time.Duration) { l.t.Helper(); l.waitAfter(0, s, timeout) }

// waitAfter waits (bounded) until the output after position from contains s.
func (l *linphone) waitAfter(from int, s string, timeout time.Duration) {
	l.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if out := l.output(); len(out) > from && strings.Contains(out[from:], s) {
			return
		}
		select {
		case <-l.done:
			l.t.Fatalf("%s exited before printing %q:\n%s", l.name, s, lastLines(l.output(), 100))
		case <-time.After(50 * time.Millisecond):
		}
	}
	l.t.Fatalf("%s did not print %q within %v:\n%s", l.name, s, timeout, lastLines(l.output(), 100))
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
