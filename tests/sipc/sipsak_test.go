package sipc_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
	"pbxws/web"
)

// sipsak sends one request (OPTIONS, or the request in file when given) to uri through
// server (host:port) from a free loopback port, and returns everything it printed: with -vv
// that includes the answer.
func sipsak(t *testing.T, server, uri, file string, extra ...string) string {
	t.Helper()
	host, port, _ := strings.Cut(server, ":")
	// -p: every request goes to server, whatever the URI's host (no DNS lookup of the domain).
	args := []string{"-vv", "-s", uri, "-p", host, "-r", port, "-l", strconv.Itoa(testenv.FreePort(t, "udp")), "-H", "127.0.0.1"}
	if file != "" {
		args = append(args, "-f", file)
	}
	args = append(args, extra...)
	cmd := exec.Command("sipsak", args...)
	cmd.WaitDelay = time.Second
	done := make(chan struct{})
	var out []byte
	go func() {
		out, _ = cmd.CombinedOutput()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("sipsak %v did not finish:\n%s", args, out)
	}
	return string(out)
}

// requestFile writes a SIP request for sipsak -f.
func requestFile(t *testing.T, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "request.sip")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\r\n")+"\r\n\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The answers RFC 3261 asks for (issue 13 item 7), as sipsak sees them.
func TestSipsakRFCAnswers(t *testing.T) {
	env := start(t, func(c *web.Config) { c.SIPUserAgent = "pbxws-test/1.0" })
	srv := env.Server.SIPAddr()
	out := sipsak(t, srv, "sip:201@"+srv, "")
	mustContain(t, "OPTIONS to a known line", out, "SIP/2.0 200 OK", "Allow: INVITE, ACK, OPTIONS, CANCEL, BYE, REFER, NOTIFY, REGISTER", "Server: pbxws-test/1.0")
	out = sipsak(t, srv, "sip:999@"+srv, "")
	mustContain(t, "OPTIONS to an unknown user", out, "SIP/2.0 404 Not Found", "Server: pbxws-test/1.0")
	for _, m := range []string{"SUBSCRIBE", "MESSAGE"} {
		f := requestFile(t,
			m+" sip:201@"+srv+" SIP/2.0",
			"From: <sip:probe@127.0.0.1>;tag=1928301774",
			"To: <sip:201@"+domain+">",
			"Call-ID: "+strings.ToLower(m)+"-probe@127.0.0.1",
			"CSeq: 1 "+m,
			"Max-Forwards: 70",
			"Event: presence",
			"Contact: <sip:probe@127.0.0.1>",
			"Content-Length: 0")
		out := sipsak(t, srv, "sip:201@"+srv, f)
		mustContain(t, m+" outside a dialog", out, "SIP/2.0 405 Method Not Allowed", "Allow: INVITE, ACK, OPTIONS, CANCEL, BYE, REFER, NOTIFY, REGISTER")
	}
	// Inside a dialog (a To tag), an event package other than refer: 489 Bad Event, saying
	// which package pbxws has (RFC 6665 §4.2.1.1).
	f := requestFile(t,
		"SUBSCRIBE sip:201@"+srv+" SIP/2.0",
		"From: <sip:probe@127.0.0.1>;tag=1928301775",
		"To: <sip:201@"+domain+">;tag=abc123",
		"Call-ID: subscribe-in-dialog@127.0.0.1",
		"CSeq: 2 SUBSCRIBE",
		"Max-Forwards: 70",
		"Event: presence",
		"Contact: <sip:probe@127.0.0.1>",
		"Content-Length: 0")
	out = sipsak(t, srv, "sip:201@"+srv, f)
	mustContain(t, "SUBSCRIBE to an unknown event package in a dialog", out, "SIP/2.0 489 Bad Event", "Allow-Events: refer")
}

// With the registrar off, REGISTER is a method pbxws does not take: 405, and Allow does not
// list it.
func TestSipsakRegisterWithoutRegistrar(t *testing.T) {
	env := start(t, func(c *web.Config) { c.SIPRegistrar = false })
	srv := env.Server.SIPAddr()
	f := requestFile(t,
		"REGISTER sip:"+srv+" SIP/2.0",
		"From: <sip:201@"+domain+">;tag=a73kszlfl",
		"To: <sip:201@"+domain+">",
		"Call-ID: register-probe@127.0.0.1",
		"CSeq: 1 REGISTER",
		"Max-Forwards: 70",
		"Contact: <sip:201@127.0.0.1:5999>",
		"Expires: 60",
		"Content-Length: 0")
	out := sipsak(t, srv, "sip:"+srv, f)
	mustContain(t, "REGISTER with the registrar off", out, "SIP/2.0 405 Method Not Allowed", "Allow: INVITE, ACK, OPTIONS, CANCEL, BYE, REFER, NOTIFY")
	if strings.Contains(out, "NOTIFY, REGISTER") {
		t.Fatalf("Allow lists REGISTER with the registrar off:\n%s", out)
	}
}
