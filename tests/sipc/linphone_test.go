package sipc_test

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pbxws/tests/testenv"
)

// linphone is a linphonec phone (linphone-cli) registered to pbxws over one transport; the
// test types linphonec commands on its standard input and watches its output.
type linphone struct {
	*proc
	udp      int // its SIP UDP port
	tcp      int // its SIP TCP port
	stopOnce sync.Once
}

// startLinphone runs linphonec for p, registering to registrar (host:port) over transport
// ("udp", "tcp", or "tls" trusting the certificate in caFile). It listens on UDP and TCP (and
// TLS for a TLS phone). autoAnswer makes it answer calls by itself.
func startLinphone(t *testing.T, p party, registrar, transport string, autoAnswer bool, caFile ...string) *linphone {
	t.Helper()
	dir := t.TempDir()
	l := &linphone{udp: testenv.FreePort(t, "udp"), tcp: testenv.FreePort(t, "tcp")}
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
	l.proc = spawn(t, procSpec{name: "linphonec " + p.name + "/" + transport, dir: dir,
		env: []string{"HOME=" + dir}, stdin: true, args: append([]string{"linphonec"}, args...)})
	t.Cleanup(l.stop) // runs before spawn's: quit first, the group is killed after
	l.waitFor("to [LinphoneRegistrationOk]", 20*time.Second)
	return l
}

// stop quits linphonec, then kills its process group if it lingers.
func (l *linphone) stop() {
	l.stopOnce.Do(func() {
		_, _ = io.WriteString(l.stdin, "quit\n")
		select {
		case <-l.done:
		case <-time.After(5 * time.Second):
			l.kill()
		}
	})
}

// do types a linphonec command.
func (l *linphone) do(command string) {
	l.t.Helper()
	if _, err := io.WriteString(l.stdin, command+"\n"); err != nil {
		l.t.Fatalf("%s: %s: %v", l.name, command, err)
	}
}
