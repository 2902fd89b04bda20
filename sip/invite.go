package sip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"pbxws/models"
)

// errNotRegistered: a local party has no registered contact.
var errNotRegistered = errors.New("no registered contact")

// uriUser escapes what must not appear raw in the user part of a SIP URI ('#').
func uriUser(addr string) string { return strings.ReplaceAll(addr, "#", "%23") }

// inviteOpts are the per-INVITE choices of spec §5.0/§5.5.
type inviteOpts struct {
	display   string // From display name ("" for none)
	subject   string
	noForward bool // sipx-userforward=false
	moh       bool // sipxbridge-moh=false
	// sessionTimer asks for RFC 4028 session timers (INVITE-mode legs).
	sessionTimer bool
}

// binding is one place a party is reached: a registered contact (with the address the request
// goes to when the phone asked for NAT handling), or the party's own URI.
type binding struct {
	uri  sip.Uri
	dest string // host:port, "" for the URI's own host and port
}

// transport is the transport requests to b use.
func (b binding) transport() string { return transportOf(b.uri) }

// maxForks bounds how many bindings of one line are rung at once.
const maxForks = 8

// targets resolves party ("user@host") to its To URI and where INVITEs to it go: every live
// binding of a local party (errNotRegistered when it has none), or the party itself.
func (a *Agent) targets(party string) (sip.Uri, []binding, error) {
	user, host := splitAddr(party)
	to := sip.Uri{Scheme: "sip", User: uriUser(user), Host: host}
	if h, p, err := net.SplitHostPort(host); err == nil {
		to.Host = strings.Trim(h, "[]")
		to.Port, _ = strconv.Atoi(p)
	}
	if a.cfg.OutboundProxy != "" || !a.isLocal(host) {
		return to, []binding{{uri: to}}, nil
	}
	ctx, cancel := context.WithTimeout(a.ctx, 5*time.Second)
	defer cancel()
	bs, err := a.lookupBindings(ctx, user)
	if err != nil {
		return to, nil, err
	}
	if len(bs) == 0 {
		return to, nil, errNotRegistered
	}
	return to, bs, nil
}

// buildInvite builds the out-of-dialog INVITE of spec §5.0 to one binding of a party.
func (a *Agent) buildInvite(agent *models.SIPUser, to sip.Uri, b binding, o inviteOpts, body []byte) (*sip.Request, *sipgo.DialogUA, error) {
	tp := b.transport()
	if a.cfg.OutboundProxy != "" {
		tp = "UDP"
	}
	dua, err := a.dialogUA(tp)
	if err != nil {
		return nil, nil, err
	}
	ruri := b.uri
	ruri.UriParams = ruri.UriParams.Clone()
	if ruri.UriParams == nil {
		ruri.UriParams = sip.HeaderParams{}
	}
	// The sipXecs parameters only mean something to a sipXecs proxy: a phone reached directly
	// would see them in its Request-URI.
	if a.cfg.LegacyParams && a.cfg.OutboundProxy != "" {
		ruri.UriParams.Add("sipx-noroute", "Voicemail")
		if o.noForward {
			ruri.UriParams.Add("sipx-userforward", "false")
		}
		if o.moh {
			ruri.UriParams.Add("sipxbridge-moh", "false")
		}
	}
	req := sip.NewRequest(sip.INVITE, ruri)
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: uriUser(agent.UserName), Host: a.cfg.Domain}, DisplayName: o.display}
	from.Params = sip.HeaderParams{}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: to})
	cid := sip.CallIDHeader(randomHex(16) + "@" + a.advHost)
	req.AppendHeader(&cid)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: 1, MethodName: sip.INVITE})
	mf := sip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	if a.cfg.OutboundProxy != "" {
		req.AppendHeader(sip.NewHeader("Route", "<sip:"+a.cfg.OutboundProxy+";lr>"))
	} else if b.dest != "" {
		req.SetDestination(b.dest)
	}
	req.AppendHeader(sip.HeaderClone(&dua.ContactHDR))
	req.AppendHeader(sip.NewHeader("Allow", a.allow()))
	req.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	req.AppendHeader(sip.NewHeader("User-Agent", a.cfg.UserAgent))
	if o.sessionTimer && a.cfg.SessionExpires > 0 {
		a.sessionTimerHeaders(req)
	}
	if subject := o.subject; subject != "" {
		req.AppendHeader(sip.NewHeader("Subject", subject))
	}
	if body != nil {
		req.SetBody(body)
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	}
	a.bindLocal(req, tp)
	return req, dua, nil
}

// displayName is the agent's name as a quoted-string body: quotes, backslashes and controls
// are dropped.
func displayName(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' {
			return -1
		}
		return r
	}, name)
}

// isLocal reports whether host names this pbxws: its domain or its own address.
func (a *Agent) isLocal(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	return strings.EqualFold(h, a.cfg.Domain) || h == a.advHost
}

// lookupBindings finds the live bindings of a local user part: the user's own name and every
// alias of the user it names, or the bare user part when it names nobody. The freshest comes
// first.
func (a *Agent) lookupBindings(ctx context.Context, user string) ([]binding, error) {
	names := []string{user}
	if u, err := a.dir.LookupUser(ctx, user); err == nil {
		names = append(names, u.UserName)
		names = append(names, u.Aliases()...)
	}
	contacts, err := a.registrations.Contacts(ctx, names, maxForks)
	if err != nil {
		return nil, err
	}
	var out []binding
	seen := map[string]bool{}
	for _, c := range contacts {
		var u sip.Uri
		if err := sip.ParseUri(c.Contact, &u); err != nil {
			a.log.Warn("ignoring an unparsable stored contact", "user", user, "contact", clip(c.Contact, 128), "err", err)
			continue
		}
		if seen[c.Contact] {
			continue
		}
		seen[c.Contact] = true
		out = append(out, binding{uri: u, dest: strings.TrimPrefix(c.Received, "sip:")})
	}
	return out, nil
}

// dummySDP is the placeholder offer of spec §5.0: nothing listens on port 2222.
func dummySDP(ip string) []byte {
	ver := "IP4"
	if strings.Contains(ip, ":") {
		ver = "IP6"
	}
	id := strconv.FormatInt(time.Now().UnixNano()%1e12, 10)
	return []byte("v=0\r\n" +
		"o=- " + id + " 1 IN " + ver + " " + ip + "\r\n" +
		"s=SipXconfig\r\n" +
		"c=IN " + ver + " " + ip + "\r\n" +
		"t=0 0\r\n" +
		"m=audio 2222 RTP/AVP 0 101\r\n" +
		"a=sendrecv\r\n" +
		"a=rtpmap:0 PCMU/8000\r\n" +
		"a=rtpmap:101 telephone-event/8000\r\n")
}

// sdpOrigin is an SDP o= line: username sess-id sess-version nettype addrtype address.
type sdpOrigin struct {
	user, id  string
	version   uint64
	addrParts string // "IN IP4 1.2.3.4"
}

func parseOrigin(body []byte) *sdpOrigin {
	for _, line := range bytes.Split(body, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if !bytes.HasPrefix(line, []byte("o=")) {
			continue
		}
		f := strings.Fields(string(line[2:]))
		if len(f) != 6 {
			return nil
		}
		v, err := strconv.ParseUint(f[2], 10, 64)
		if err != nil {
			return nil
		}
		return &sdpOrigin{user: f[0], id: f[1], version: v, addrParts: strings.Join(f[3:], " ")}
	}
	return nil
}

// replaceOrigin swaps the o= line of body for o (a body without one is returned unchanged).
func replaceOrigin(body []byte, o *sdpOrigin) []byte {
	if o == nil {
		return body
	}
	lines := bytes.Split(body, []byte("\n"))
	for i, line := range lines {
		if bytes.HasPrefix(line, []byte("o=")) {
			cr := bytes.HasSuffix(line, []byte("\r"))
			nl := fmt.Sprintf("o=%s %s %d %s", o.user, o.id, o.version, o.addrParts)
			if cr {
				nl += "\r"
			}
			lines[i] = []byte(nl)
			break
		}
	}
	return bytes.Join(lines, []byte("\n"))
}

// applyDigest puts into next the Authorization (401) or Proxy-Authorization (407) answering
// the challenge in res to prev.
func applyDigest(next, prev *sip.Request, res *sip.Response, user, password string) error {
	hdr, out := "WWW-Authenticate", "Authorization"
	if res.StatusCode == 407 {
		hdr, out = "Proxy-Authenticate", "Proxy-Authorization"
	}
	h := res.GetHeader(hdr)
	if h == nil || password == "" {
		return fmt.Errorf("no %s to answer", hdr)
	}
	chal, err := digest.ParseChallenge(h.Value())
	if err != nil {
		return err
	}
	cred, err := digest.Digest(chal, digest.Options{
		Method: prev.Method.String(), URI: prev.Recipient.Addr(), Username: user, Password: password,
	})
	if err != nil {
		return err
	}
	next.AppendHeader(sip.NewHeader(out, cred.String()))
	return nil
}
