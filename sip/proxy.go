package sip

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"pbxws/models"
)

// proxyInvite forwards a new INVITE from a phone registered here to the contact registered for
// the callee, so that `make run` alone is a working click-to-call setup for softphones: the
// phone REFERred by the controller calls the called party through pbxws. The caller must prove
// its line's secret (407). pbxws does not Record-Route: the dialog then runs between the phones.
func (a *Agent) proxyInvite(req *sip.Request, tx sip.ServerTransaction) {
	if !a.cfg.Registrar {
		respond(tx, req, 403, "Forbidden")
		return
	}
	ctx, cancel := context.WithTimeout(a.ctx, 5*time.Second)
	defer cancel()
	from := req.From()
	if from == nil || !a.isLocal(from.Address.Host) {
		respond(tx, req, 403, "Forbidden")
		return
	}
	line, err := a.dir.LookupLine(ctx, from.Address.User)
	if err != nil {
		respond(tx, req, 403, "Forbidden")
		return
	}
	if !a.requireDigest(ctx, req, tx, line, true) {
		return
	}
	if !a.isLocal(req.Recipient.HostPort()) && !a.isLocal(req.Recipient.Host) {
		respond(tx, req, 404, "Not Found")
		return
	}
	contact, received, err := a.lookupContact(ctx, req.Recipient.User)
	if err != nil {
		respond(tx, req, 500, "Server Internal Error")
		return
	}
	if contact == nil {
		respond(tx, req, 480, "Temporarily Unavailable")
		return
	}
	if mf := req.MaxForwards(); mf != nil && mf.Val() <= 1 {
		respond(tx, req, 483, "Too Many Hops")
		return
	}

	fwd := req.Clone()
	fwd.Recipient = *contact
	fwd.RemoveHeader("Proxy-Authorization")
	fwd.RemoveHeader("Route")
	if mf := fwd.MaxForwards(); mf != nil {
		mf.Dec()
	}
	if received != "" {
		fwd.SetDestination(received)
	}
	octx, ocancel := context.WithTimeout(a.ctx, 3*time.Minute)
	defer ocancel()
	otx, err := a.cli.TransactionRequest(octx, fwd, sipgo.ClientRequestAddVia)
	if err != nil {
		respond(tx, req, 503, "Service Unavailable")
		return
	}
	defer otx.Terminate()
	cancelled := make(chan struct{})
	if stx, ok := tx.(*sip.ServerTx); ok {
		stx.OnCancel(func(*sip.Request) { close(cancelled) })
	}
	for {
		select {
		case res := <-otx.Responses():
			if res.StatusCode == 100 {
				continue
			}
			_ = tx.Respond(forwardedResponse(req, res))
			if !res.IsProvisional() {
				return
			}
		case <-cancelled:
			a.cancelForwarded(fwd)
			cancelled = nil
		case <-otx.Done():
			if !errors.Is(otx.Err(), sip.ErrTransactionCanceled) {
				respond(tx, req, 408, "Request Timeout")
			}
			return
		case <-octx.Done():
			respond(tx, req, 408, "Request Timeout")
			return
		}
	}
}

// forwardedResponse is res (a response to the forwarded INVITE) as an answer to req: req's Via
// stack, and the callee's To tag, Contact, body and other headers.
func forwardedResponse(req *sip.Request, res *sip.Response) *sip.Response {
	out := sip.NewResponseFromRequest(req, res.StatusCode, res.Reason, res.Body())
	if to := res.To(); to != nil {
		out.RemoveHeader("To")
		out.AppendHeader(sip.HeaderClone(to))
	}
	for _, h := range res.Headers() {
		switch strings.ToLower(h.Name()) {
		case "via", "from", "to", "call-id", "cseq", "content-length", "record-route":
		default:
			out.AppendHeader(sip.HeaderClone(h))
		}
	}
	return out
}

// cancelForwarded sends the CANCEL of a forwarded INVITE (same Via branch, RFC 3261 §9.1).
func (a *Agent) cancelForwarded(fwd *sip.Request) {
	c := sip.NewRequest(sip.CANCEL, fwd.Recipient)
	if v := fwd.Via(); v != nil {
		c.AppendHeader(sip.HeaderClone(v))
	}
	for _, name := range []string{"From", "To", "Call-ID", "Max-Forwards"} {
		if h := fwd.GetHeader(name); h != nil {
			c.AppendHeader(sip.HeaderClone(h))
		}
	}
	c.AppendHeader(&sip.CSeqHeader{SeqNo: fwd.CSeq().SeqNo, MethodName: sip.CANCEL})
	c.SetDestination(fwd.Destination())
	ctx, cancel := context.WithTimeout(a.ctx, sip.Timer_F)
	defer cancel()
	keep := func(*sipgo.Client, *sip.Request) error { return nil }
	if _, err := a.cli.Do(ctx, c, keep); err != nil {
		a.log.Debug("CANCEL of a forwarded INVITE", "err", err)
	}
}

// requireDigest passes a request carrying valid Digest credentials of line; otherwise it
// answers the challenge: 407 with Proxy-Authenticate when pbxws acts as a proxy, 401 with
// WWW-Authenticate as a registrar.
func (a *Agent) requireDigest(ctx context.Context, req *sip.Request, tx sip.ServerTransaction, line *models.SIPLine, proxy bool) bool {
	creds, code, reason, challenge := "Authorization", 401, "Unauthorized", "WWW-Authenticate"
	if proxy {
		creds, code, reason, challenge = "Proxy-Authorization", 407, "Proxy Authentication Required", "Proxy-Authenticate"
	}
	ok, stale := a.checkDigest(ctx, req, creds, line)
	if !ok {
		chal := digest.Challenge{Realm: a.cfg.Realm, Nonce: a.regNonces.issue(time.Now()), Algorithm: "MD5", QOP: []string{"auth"}, Stale: stale}
		respond(tx, req, code, reason, sip.NewHeader(challenge, chal.String()))
	}
	return ok
}

// checkDigest verifies Digest credentials in header (Authorization or Proxy-Authorization)
// against the line's secret; stale reports a genuine but expired nonce.
func (a *Agent) checkDigest(ctx context.Context, req *sip.Request, header string, line *models.SIPLine) (ok, stale bool) {
	h := req.GetHeader(header)
	if h == nil || line.Secret == "" {
		return false, false
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil || cred.Realm != a.cfg.Realm {
		return false, false
	}
	genuine, expired := a.regNonces.check(cred.Nonce, time.Now())
	if !genuine {
		return false, false
	}
	if cred.Username != line.Name && cred.Username != line.Number {
		other, err := a.dir.LookupLine(ctx, cred.Username)
		if err != nil || other.ID != line.ID {
			return false, false
		}
	}
	chal := &digest.Challenge{Realm: cred.Realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm}
	if cred.QOP != "" {
		chal.QOP = []string{cred.QOP}
	}
	want, err := digest.Digest(chal, digest.Options{Method: req.Method.String(), URI: cred.URI, Username: cred.Username,
		Password: line.Secret, Cnonce: cred.Cnonce, Count: cred.Nc})
	if err != nil || subtle.ConstantTimeCompare([]byte(want.Response), []byte(cred.Response)) != 1 {
		return false, false
	}
	return !expired, expired
}
