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

// proc is a peer process whose output the test watches (and, for linphonec, whose
// standard input it types on).
type proc struct {
	t     *testing.T
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser // nil unless the spec asked for it
	mu    sync.Mutex
	out   bytes.Buffer
	done  chan struct{}
}

// procSpec is how to run a peer: its name (for messages), folder, extra environment, and
// whether the test writes on its standard input.
type procSpec struct {
	name, dir string
	env       []string
	stdin     bool
	args      []string
}

func startProc(t *testing.T, name string, dir string, args ...string) *proc {
	t.Helper()
	return spawn(t, procSpec{name: name, dir: dir, args: args})
}

// spawn starts the peer in its own process group, collects its output, and kills the whole
// group when the test ends (kamailio forks workers).
func spawn(t *testing.T, sp procSpec) *proc {
	t.Helper()
	p := &proc{t: t, name: sp.name, done: make(chan struct{})}
	p.cmd = exec.Command(sp.args[0], sp.args[1:]...)
	p.cmd.Dir = sp.dir
	if sp.env != nil {
		p.cmd.Env = append(os.Environ(), sp.env...)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout, p.cmd.Stderr = w, w
	if sp.stdin {
		if p.stdin, err = p.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
	}
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", sp.name, err)
	}
	w.Close()
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
		r.Close()
	}()
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("--- %s output (last 200 lines):\n%s", sp.name, lastLines(p.output(), 200))
		}
	})
	return p
}

// kill ends the whole process group and waits for the process.
func (p *proc) kill() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// mark is the length of the output so far: waitAfter looks only at what comes later.
func (p *proc) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Len()
}

// waitFor waits (bounded) until the output contains s.
func (p *proc) waitFor(s string, timeout time.Duration) { p.t.Helper(); p.waitAfter(0, s, timeout) }

// waitAfter waits (bounded) until the output after position from contains s.
func (p *proc) waitAfter(from int, s string, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if out := p.output(); len(out) > from && strings.Contains(out[from:], s) {
			return
		}
		select {
		case <-p.done:
			p.t.Fatalf("%s exited before printing %q:\n%s", p.name, s, lastLines(p.output(), 100))
		case <-time.After(50 * time.Millisecond):
		}
	}
	p.t.Fatalf("%s did not print %q within %v:\n%s", p.name, s, timeout, lastLines(p.output(), 100))
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freePortPair returns a UDP port whose successor is reserved too (baresip binds sip_listen+1).
func freePortPair(t *testing.T) int { return testenv.FreePorts(t, 2) }

// startBaresip runs a baresip phone for p that registers through registrar (host:port) and
// answers calls by itself.
func startBaresip(t *testing.T, p party, registrar string) *proc {
	t.Helper()
	dir := t.TempDir()
	sipPort := freePortPair(t)
	rtp := testenv.FreePorts(t, 10)
	cfg := strings.Join([]string{
		"poll_method epoll",
		"sip_listen 127.0.0.1:" + strconv.Itoa(sipPort),
		"sip_transports udp",
		"module_path /usr/lib/baresip/modules",
		"module g711.so",
		"module ausine.so",
		"module aubridge.so",
		"module_app account.so",
		"module_app menu.so",
		"audio_source ausine,440",
		"ausrc_srate 48000",
		"ausrc_channels 2",
		"auplay_srate 48000",
		"audio_player aubridge,dev1",
		"audio_alert aubridge,dev2",
		"rtp_ports " + strconv.Itoa(rtp) + "-" + strconv.Itoa(rtp+9),
		"",
	}, "\n")
	acct := "<sip:" + p.name + "@example.test;transport=udp>;auth_pass=" + p.secret +
		";outbound=\"sip:" + registrar + "\";regint=300;answermode=auto\n"
	for name, body := range map[string]string{"config": cfg, "accounts": acct} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b := startProc(t, "baresip "+p.name, dir, "baresip", "-f", dir, "-t", "120")
	b.waitFor("200 OK", 15*time.Second)
	return b
}

const kamailioCfg = `#!KAMAILIO
debug=2
log_stderror=yes
children=2
listen=udp:127.0.0.1:PORT
alias="example.test"
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "auth.so"
loadmodule "htable.so"
modparam("usrloc", "db_mode", 0)
modparam("rr", "append_fromtag", 1)
modparam("htable", "htable", "creds=>size=4;")

event_route[htable:mod-init] {
CREDS
}

request_route {
    xlog("L_INFO", "REQ $rm $ru from $fu auth=$au (src $si:$sp)\n");
    if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
    if (has_totag()) {
        if (loose_route()) { t_relay(); exit; }
        if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
        sl_send_reply("404", "No dialog route"); exit;
    }
    if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
    t_check_trans();
    if (is_method("REGISTER")) {
        if (!pv_www_authenticate("$td", "$sht(creds=>$tU)", "0")) { www_challenge("$td", "0"); exit; }
        if (!save("location")) { sl_reply_error(); }
        exit;
    }
    if (!pv_proxy_authenticate("$fd", "$sht(creds=>$fU)", "0")) { proxy_challenge("$fd", "0"); exit; }
    xlog("L_INFO", "AUTHENTICATED $rm from $fU\n");
    consume_credentials();
    record_route();
    if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
    t_relay();
}
`

// startKamailio runs kamailio as a registrar and authenticating proxy for the parties.
func startKamailio(t *testing.T, parties ...party) (*proc, string) {
	t.Helper()
	dir := t.TempDir()
	port := testenv.FreePort(t, "udp")
	var creds strings.Builder
	for _, p := range parties {
		creds.WriteString(`    $sht(creds=>` + p.name + `) = "` + p.secret + `";` + "\n")
	}
	cfg := strings.NewReplacer("PORT", strconv.Itoa(port), "CREDS\n", creds.String()).Replace(kamailioCfg)
	path := filepath.Join(dir, "kamailio.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("kamailio", "-c", "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("kamailio -c: %v\n%s", err, out)
	}
	k := startProc(t, "kamailio", dir, "kamailio", "-f", path, "-DD", "-E", "-Y", dir, "-w", dir)
	k.waitFor("INFO: <core>", 10*time.Second)
	testenv.WaitBound(t, port, 10*time.Second, k.done)
	return k, "127.0.0.1:" + strconv.Itoa(port)
}
