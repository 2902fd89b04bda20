package sip

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"

	"pbxws/acl"
	"pbxws/models"
)

// The registrar (401) and the forwarding proxy (407) authenticate with the Digest verifier the
// HTTP side uses (acl.Digest: nonces, nonce counts, RFC 2069 nonces used up) and count failures
// in the same acl.Throttle, under the same policy.
//
// Nothing in the answers tells a known user from an unknown one: both get the same challenge,
// and credentials that fail, for whichever reason, get 403. A source or a user name the
// throttle holds back gets 403 too, without any password check, so a guesser learns nothing
// from the guesses it makes while throttled.

// authService names the SIP side in the throttle's log lines.
const authService = "sip"

// requireDigest passes a request carrying valid Digest credentials for user (the To user of a
// REGISTER, the From user of an INVITE), whose line is line (nil when user names no line).
// Otherwise it answers: a challenge when there are no credentials or the nonce is stale or not
// ours, 403 when the credentials fail. proxy picks 407/Proxy-Authenticate over 401.
func (a *Agent) requireDigest(ctx context.Context, req *sip.Request, tx sip.ServerTransaction, user string, line *models.SIPLine, proxy bool) bool {
	credsHeader, code, reason, challengeHeader := "Authorization", 401, "Unauthorized", "WWW-Authenticate"
	if proxy {
		credsHeader, code, reason, challengeHeader = "Proxy-Authorization", 407, "Proxy Authentication Required", "Proxy-Authenticate"
	}
	challenge := func(stale bool) {
		a.respond(tx, req, code, reason, sip.NewHeader(challengeHeader, a.digest.Challenge(stale)))
	}
	h := req.GetHeader(credsHeader)
	if h == nil {
		challenge(false)
		return false
	}
	creds, ok, perr := acl.ParseDigestCredentials(h.Value())
	if !ok {
		challenge(false)
		return false
	}
	src := sourceAddr(req)
	login := ""
	if perr == nil {
		login = creds.Username()
	}
	if th := a.throttle.Wait(src, login); th != nil {
		a.respond(tx, req, 403, "Forbidden", sip.NewHeader("Retry-After", strconv.Itoa(th.Seconds())))
		return false
	}
	fail := func(why string) bool {
		a.throttle.Failed(authService, src, login, why)
		a.respond(tx, req, 403, "Forbidden")
		return false
	}
	if perr != nil {
		return fail(perr.Text)
	}
	if line == nil || line.Secret == "" {
		return fail("no such line")
	}
	if login != line.Name && login != line.Number {
		other, err := a.dir.LookupLine(ctx, login)
		if err != nil || other.ID != line.ID {
			return fail("credentials of another line")
		}
	}
	ha1 := md5hex(login + ":" + a.digest.Realm() + ":" + line.Secret)
	if err := a.digest.Check(req.Method.String(), digestTarget(req, creds.URI()), creds, ha1); err != nil {
		switch {
		case err.Stale:
			challenge(true)
			return false
		case err.Text == "unknown nonce":
			// A nonce of another process (or of before a restart): nothing was guessed.
			challenge(false)
			return false
		}
		return fail(err.Text)
	}
	a.throttle.Succeeded(src, login)
	return true
}

// digestTarget is what the digest uri must equal: uri itself when it names the Request-URI
// (RFC 3261 §22.4; compared as URIs, §19.1.4), else the Request-URI as we print it, which the
// verifier then finds different.
func digestTarget(req *sip.Request, uri string) string {
	var u sip.Uri
	if err := sip.ParseUri(uri, &u); err == nil && sameURI(u, req.Recipient) {
		return uri
	}
	return req.Recipient.String()
}

// sameURI compares two SIP URIs the way RFC 3261 §19.1.4 does for what digest clients sign:
// scheme and host case-insensitively, user and port exactly, and the transport, user, method,
// maddr and ttl parameters when either side has them.
func sameURI(x, y sip.Uri) bool {
	if !strings.EqualFold(x.Scheme, y.Scheme) || x.User != y.User || !strings.EqualFold(x.Host, y.Host) || x.Port != y.Port {
		return false
	}
	for _, p := range []string{"transport", "user", "method", "maddr", "ttl"} {
		xv, xok := x.UriParams.Get(p)
		yv, yok := y.UriParams.Get(p)
		if xok != yok || !strings.EqualFold(xv, yv) {
			return false
		}
	}
	return true
}

// sourceAddr is the address a request came from (the invalid address when unknown: the
// throttle then counts every such request together).
func sourceAddr(req *sip.Request) netip.Addr {
	host, _, err := net.SplitHostPort(req.Source())
	if err != nil {
		return netip.Addr{}
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}
