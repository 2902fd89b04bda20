package sipc_test

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
	"pbxws/web"
)

// rawPhone sends hand-written SIP requests over UDP from a loopback port of its own: the
// registrar's answers to crafted and replayed requests are what these tests pin, so the
// bytes on the wire must be exactly the test's.
type rawPhone struct {
	t    *testing.T
	conn net.PacketConn
	to   *net.UDPAddr
}

func newRawPhone(t *testing.T, server string) *rawPhone {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	to, err := net.ResolveUDPAddr("udp", server)
	if err != nil {
		t.Fatal(err)
	}
	return &rawPhone{t: t, conn: c, to: to}
}

func (p *rawPhone) port() int { return p.conn.LocalAddr().(*net.UDPAddr).Port }

// send writes msg (with its Content-Length computed) and returns the first final answer.
func (p *rawPhone) send(msg string) sipAnswer {
	p.t.Helper()
	if _, err := p.conn.WriteTo([]byte(msg), p.to); err != nil {
		p.t.Fatal(err)
	}
	buf := make([]byte, 65535)
	deadline := time.Now().Add(5 * time.Second)
	for {
		_ = p.conn.SetReadDeadline(deadline)
		n, _, err := p.conn.ReadFrom(buf)
		if err != nil {
			p.t.Fatalf("no answer to:\n%s\n(%v)", msg, err)
		}
		a := parseAnswer(string(buf[:n]))
		if a.code >= 200 {
			return a
		}
	}
}

type sipAnswer struct {
	code int
	raw  string
}

func parseAnswer(s string) sipAnswer {
	f := strings.Fields(strings.SplitN(s, "\r\n", 2)[0])
	a := sipAnswer{raw: s}
	if len(f) >= 2 {
		a.code, _ = strconv.Atoi(f[1])
	}
	return a
}

// header is the first value of header name in the answer.
func (a sipAnswer) header(name string) string {
	for _, l := range strings.Split(a.raw, "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// param is a parameter of a Digest challenge.
func param(challenge, name string) string {
	i := strings.Index(challenge, name+`="`)
	if i < 0 {
		return ""
	}
	rest := challenge[i+len(name)+2:]
	return rest[:strings.IndexByte(rest, '"')]
}

// register is a REGISTER for user from the phone's port; extra are more header lines.
func (p *rawPhone) register(user, callID string, cseq int, contact string, extra ...string) string {
	lines := []string{
		"REGISTER sip:" + domain + " SIP/2.0",
		fmt.Sprintf("Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s%d", p.port(), strings.Map(keepAlnum, callID), cseq),
		"From: <sip:" + user + "@" + domain + ">;tag=f" + strconv.Itoa(cseq),
		"To: <sip:" + user + "@" + domain + ">",
		"Call-ID: " + callID,
		fmt.Sprintf("CSeq: %d REGISTER", cseq),
		"Max-Forwards: 70",
		"Contact: " + contact,
	}
	lines = append(lines, extra...)
	return strings.Join(lines, "\r\n") + "\r\nContent-Length: 0\r\n\r\n"
}

func keepAlnum(r rune) rune {
	if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
		return r
	}
	return -1
}

// sipDigest is an Authorization value for a REGISTER signed over uri.
func sipDigest(user, secret, nonce, uri string, nc int) string {
	ha1 := md5h(user + ":pbxws:" + secret)
	ha2 := md5h("REGISTER:" + uri)
	ncs := fmt.Sprintf("%08x", nc)
	resp := md5h(ha1 + ":" + nonce + ":" + ncs + ":c0ffee:auth:" + ha2)
	return fmt.Sprintf(`Authorization: Digest username="%s", realm="pbxws", nonce="%s", uri="%s", qop=auth, nc=%s, cnonce="c0ffee", response="%s", algorithm=MD5`,
		user, nonce, uri, ncs, resp)
}

// challengeFor sends an unauthenticated REGISTER and returns the challenge's nonce.
func (p *rawPhone) challengeFor(user, callID string) (string, sipAnswer) {
	p.t.Helper()
	a := p.send(p.register(user, callID, 1, fmt.Sprintf("<sip:%s@127.0.0.1:%d>", user, p.port())))
	if a.code != 401 {
		p.t.Fatalf("REGISTER %s without credentials: %d\n%s", user, a.code, a.raw)
	}
	return param(a.header("WWW-Authenticate"), "nonce"), a
}

func contactsOf(t *testing.T, env *testenv.Env, user string) []string {
	t.Helper()
	var cs []string
	if err := env.DB.Select(&cs, `SELECT contact FROM registrations WHERE username = $1 ORDER BY contact`, user); err != nil {
		t.Fatal(err)
	}
	return cs
}

// A captured REGISTER Authorization re-sent with another Contact is refused, and so is a
// Digest signed over another URI (issue 13 item 9): nothing is stored.
func TestRegistrarRefusesReplayAndForeignDigestURI(t *testing.T) {
	env := start(t)
	p := newRawPhone(t, env.Server.SIPAddr())
	nonce, _ := p.challengeFor("201", "replay-1")
	auth := sipDigest("201", u201.secret, nonce, "sip:"+domain, 1)
	good := fmt.Sprintf("<sip:201@127.0.0.1:%d>", p.port())
	if a := p.send(p.register("201", "replay-1", 2, good, auth)); a.code != 200 {
		t.Fatalf("authenticated REGISTER: %d\n%s", a.code, a.raw)
	}
	if a := p.send(p.register("201", "replay-1", 3, "<sip:evil@127.0.0.1:6666>", auth)); a.code != 403 {
		t.Fatalf("replayed Authorization: %d\n%s", a.code, a.raw)
	}
	other := sipDigest("201", u201.secret, nonce, "sip:other.example", 5)
	if a := p.send(p.register("201", "replay-1", 4, "<sip:evil@127.0.0.1:6667>", other)); a.code != 403 {
		t.Fatalf("Digest over sip:other.example: %d\n%s", a.code, a.raw)
	}
	if cs := contactsOf(t, env, "201"); len(cs) != 1 || cs[0] != "sip:201@127.0.0.1:"+strconv.Itoa(p.port()) {
		t.Fatalf("stored contacts %q", cs)
	}
	// The next count of the same nonce is fine.
	if a := p.send(p.register("201", "replay-1", 5, good, sipDigest("201", u201.secret, nonce, "sip:"+domain, 2))); a.code != 200 {
		t.Fatalf("nc 2: %d\n%s", a.code, a.raw)
	}
}

// An unknown user is challenged exactly like a known one, and refused (403) only once it
// answered; REGISTER never says 404 (issue 13 item 10).
func TestRegistrarDoesNotTellUnknownUsers(t *testing.T) {
	env := start(t)
	p := newRawPhone(t, env.Server.SIPAddr())
	_, known := p.challengeFor("201", "enum-1")
	nonce, unknown := p.challengeFor("999", "enum-2")
	strip := func(a sipAnswer) string {
		c := a.header("WWW-Authenticate")
		return strings.Replace(c, param(c, "nonce"), "N", 1)
	}
	if strip(known) != strip(unknown) {
		t.Fatalf("challenges differ:\n%s\n%s", known.header("WWW-Authenticate"), unknown.header("WWW-Authenticate"))
	}
	if a := p.send(p.register("999", "enum-2", 2, "<sip:999@127.0.0.1:5999>", sipDigest("999", "guess", nonce, "sip:"+domain, 1))); a.code != 403 {
		t.Fatalf("unknown user with credentials: %d\n%s", a.code, a.raw)
	}
}

// Hostile headers get a 400 or are cleaned, never a 500 (issue 13 item 11): a NUL and invalid
// UTF-8 in the User-Agent, a User-Agent cut inside a multibyte character past the stored
// length, a Call-ID that is not printable ASCII.
func TestRegistrarHostileHeaders(t *testing.T) {
	env := start(t)
	p := newRawPhone(t, env.Server.SIPAddr())
	contact := fmt.Sprintf("<sip:201@127.0.0.1:%d>", p.port())
	nonce, _ := p.challengeFor("201", "hostile-1")
	ua := "evil\x00phone \xff\xfe " + strings.Repeat("é", 200)
	a := p.send(p.register("201", "hostile-1", 2, contact, sipDigest("201", u201.secret, nonce, "sip:"+domain, 1), "User-Agent: "+ua))
	if a.code != 200 {
		t.Fatalf("REGISTER with a hostile User-Agent: %d\n%s", a.code, a.raw)
	}
	var stored string
	if err := env.DB.Get(&stored, `SELECT user_agent FROM registrations WHERE username = '201'`); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(stored, 0) || !strings.HasPrefix(stored, "evil?phone ") || len(stored) > 255 {
		t.Fatalf("stored User-Agent %q", stored)
	}
	bad := "hostile-\xe2\x82"
	a = p.send(p.register("201", bad, 3, contact, sipDigest("201", u201.secret, nonce, "sip:"+domain, 2)))
	if a.code != 400 {
		t.Fatalf("REGISTER with a broken Call-ID: %d\n%s", a.code, a.raw)
	}
	// pbxws still answers.
	if a := p.send(p.register("201", "hostile-2", 4, contact, sipDigest("201", u201.secret, nonce, "sip:"+domain, 3))); a.code != 200 {
		t.Fatalf("REGISTER after the hostile ones: %d\n%s", a.code, a.raw)
	}
}

// Expires is bounded by configuration: below the minimum 423 with Min-Expires, above the
// maximum the maximum; expires=0 removes the binding (issue 13 item 4).
func TestRegistrarExpiresBounds(t *testing.T) {
	env := start(t, func(c *web.Config) { c.SIPMinExpires, c.SIPMaxExpires = 30, 120 })
	p := newRawPhone(t, env.Server.SIPAddr())
	contact := fmt.Sprintf("<sip:201@127.0.0.1:%d>", p.port())
	nonce, _ := p.challengeFor("201", "exp-1")
	a := p.send(p.register("201", "exp-1", 2, contact, sipDigest("201", u201.secret, nonce, "sip:"+domain, 1), "Expires: 10"))
	if a.code != 423 || a.header("Min-Expires") != "30" {
		t.Fatalf("Expires 10: %d\n%s", a.code, a.raw)
	}
	a = p.send(p.register("201", "exp-1", 3, contact, sipDigest("201", u201.secret, nonce, "sip:"+domain, 2), "Expires: 99999999999"))
	if a.code != 200 || !strings.Contains(a.header("Contact"), "expires=120") && !strings.Contains(a.header("Contact"), "expires=119") {
		t.Fatalf("Expires 99999999999: %d\n%s", a.code, a.raw)
	}
	a = p.send(p.register("201", "exp-1", 4, contact+";expires=0", sipDigest("201", u201.secret, nonce, "sip:"+domain, 3)))
	if a.code != 200 || len(contactsOf(t, env, "201")) != 0 {
		t.Fatalf("expires=0: %d %q\n%s", a.code, contactsOf(t, env, "201"), a.raw)
	}
}

// A phone that registers from another port than it listens on, without asking for NAT
// handling, is called at its Contact (RFC 3261 §10.3): the received address is not stored.
func TestCallGoesToTheRegisteredContact(t *testing.T) {
	phone := startSipp(t, "uas-refer.xml", 1)
	env := start(t)
	p := newRawPhone(t, env.Server.SIPAddr())
	nonce, _ := p.challengeFor("203", "contact-1")
	if a := p.send(p.register("203", "contact-1", 2, "<sip:203@"+phone.addr()+">", sipDigest("203", u203.secret, nonce, "sip:"+domain, 1))); a.code != 200 {
		t.Fatalf("REGISTER: %d\n%s", a.code, a.raw)
	}
	var received *string
	if err := env.DB.Get(&received, `SELECT received FROM registrations WHERE username = '203'`); err != nil || received != nil {
		t.Fatalf("received %v %v: want none without rport or ;ob", received, err)
	}
	if a := do(t, httpc(env, ""), "POST", ccURL(env, "203", "202", "")); a.status != 200 {
		t.Fatalf("POST: %d %q", a.status, a.body)
	}
	phone.mustPass(20 * time.Second)
}
