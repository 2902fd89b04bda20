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

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"pbxws/models"
)

// errNotRegistered: a local party has no registered contact.
var errNotRegistered = errors.New("no registered contact")

// uriUser escapes what must not appear raw in the user part of a SIP URI ('#').
func uriUser(addr string) string { return strings.ReplaceAll(addr, "#", "%23") }

// buildInvite builds the out-of-dialog INVITE of spec §5.0 to party ("user@host").
func (a *Agent) buildInvite(agent *models.SIPUser, party string, display bool, subject string, noForward, moh bool, body []byte) (*sip.Request, error) {
	user, host := splitAddr(party)
	to := sip.Uri{Scheme: "sip", User: uriUser(user), Host: host}
	if h, p, err := net.SplitHostPort(host); err == nil {
		to.Host = strings.Trim(h, "[]")
		to.Port, _ = strconv.Atoi(p)
	}
	ruri := to
	var dest string
	if a.cfg.OutboundProxy == "" && a.isLocal(host) {
		// A local party is reached at the contact its line registered.
		ctx, cancel := context.WithTimeout(a.ctx, 5*time.Second)
		contact, received, err := a.lookupContact(ctx, user)
		cancel()
		if err != nil {
			return nil, err
		}
		if contact == nil {
			return nil, errNotRegistered
		}
		ruri = *contact
		dest = received
	}
	ruri.UriParams = ruri.UriParams.Clone()
	if ruri.UriParams == nil {
		ruri.UriParams = sip.HeaderParams{}
	}
	if a.cfg.LegacyParams {
		ruri.UriParams.Add("sipx-noroute", "Voicemail")
		if noForward {
			ruri.UriParams.Add("sipx-userforward", "false")
		}
		if moh {
			ruri.UriParams.Add("sipxbridge-moh", "false")
		}
	}
	req := sip.NewRequest(sip.INVITE, ruri)
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: uriUser(agent.UserName), Host: a.cfg.Domain}}
	if display {
		from.DisplayName = displayName(agent)
	}
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
	} else if dest != "" {
		req.SetDestination(dest)
	}
	req.AppendHeader(sip.HeaderClone(&a.dua.ContactHDR))
	req.AppendHeader(sip.NewHeader("Allow", allowMethods))
	req.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	if subject != "" {
		req.AppendHeader(sip.NewHeader("Subject", subject))
	}
	if body != nil {
		req.SetBody(body)
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	}
	return req, nil
}

// displayName is the agent's name as a quoted-string body: quotes, backslashes and controls
// are dropped.
func displayName(u *models.SIPUser) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' {
			return -1
		}
		return r
	}, u.DisplayName)
}

// isLocal reports whether host names this pbxws: its domain or its own address.
func (a *Agent) isLocal(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	return strings.EqualFold(h, a.cfg.Domain) || h == a.advHost
}

// lookupContact finds the freshest registered contact of a local user part: the user's own
// name and every alias of the user it names, or the bare user part when it names nobody.
func (a *Agent) lookupContact(ctx context.Context, user string) (*sip.Uri, string, error) {
	names := []string{user}
	if u, err := a.dir.LookupUser(ctx, user); err == nil {
		names = append(names, u.UserName)
		names = append(names, u.Aliases()...)
	}
	var contact, received string
	err := a.db.QueryRowContext(ctx, `SELECT contact, COALESCE(received, '') FROM registrations
		WHERE username = ANY($1) AND expires > localtimestamp
		ORDER BY q DESC, last_modified DESC LIMIT 1`, stringArray(names)).Scan(&contact, &received)
	if err != nil {
		if isNoRows(err) {
			return nil, "", nil
		}
		return nil, "", err
	}
	var u sip.Uri
	if err := sip.ParseUri(contact, &u); err != nil {
		return nil, "", fmt.Errorf("stored contact %q: %w", contact, err)
	}
	return &u, strings.TrimPrefix(received, "sip:"), nil
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
