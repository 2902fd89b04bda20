package sip

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"strconv"
	"strings"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// pbxws stays in the path of the calls it forwards (Record-Route, RFC 3261 §16.6 step 4):
// the phones may use different transports, and a phone registered over TCP is often reachable
// only over the connection it registered on. When the two sides' transports differ the
// INVITE carries two Record-Route entries, one per side (RFC 5658 §3.1). Each entry carries
// a tag bound to the Call-ID, so that only dialogs pbxws forwarded are routed through it: a
// request with a made-up Route is not relayed.

// routeTagParam is the Record-Route parameter holding the dialog's tag.
const routeTagParam = "pbxws-d"

// routeTag is the tag of a Call-ID: HMAC-SHA256 under the agent's key, 12 bytes in hex.
func (a *Agent) routeTag(callID string) string {
	m := hmac.New(sha256.New, a.routeKey)
	m.Write([]byte(callID))
	return hex.EncodeToString(m.Sum(nil)[:12])
}

// recordRoute is our Record-Route entry facing a side that uses transport tp.
func (a *Agent) recordRoute(tp, callID string) *sip.RecordRouteHeader {
	port := a.advPort
	if strings.EqualFold(tp, "TLS") {
		port = a.tlsPort
	}
	u := sip.Uri{Scheme: "sip", Host: a.advHost, Port: port, UriParams: sip.HeaderParams{}}
	u.UriParams.Add("transport", strings.ToLower(tp))
	u.UriParams.Add("lr", "")
	u.UriParams.Add(routeTagParam, a.routeTag(callID))
	return &sip.RecordRouteHeader{Address: u}
}

// addRecordRoute puts our entries on top of fwd's Record-Route: the one facing the called side
// first (it reads the list top down), the one facing the caller below it.
func (a *Agent) addRecordRoute(fwd *sip.Request, callerTp, calleeTp string) {
	id := callID(fwd)
	if !strings.EqualFold(callerTp, calleeTp) {
		fwd.PrependHeader(a.recordRoute(callerTp, id))
	}
	fwd.PrependHeader(a.recordRoute(calleeTp, id))
}

// ownRoute reports whether u is one of our Record-Route entries for this Call-ID.
func (a *Agent) ownRoute(u sip.Uri, callID string) bool {
	if !strings.EqualFold(u.Host, a.advHost) {
		return false
	}
	switch u.Port {
	case a.advPort:
	case 0:
		if a.advPort != 5060 {
			return false
		}
	default:
		if a.tlsPort == 0 || u.Port != a.tlsPort {
			return false
		}
	}
	tag, ok := u.UriParams.Get(routeTagParam)
	return ok && hmac.Equal([]byte(tag), []byte(a.routeTag(callID)))
}

// routedHere reports whether req is an in-dialog request of a call pbxws forwarded.
func (a *Agent) routedHere(req *sip.Request) bool {
	r := req.Route()
	return r != nil && hasToTag(req) && a.ownRoute(r.Address, callID(req))
}

// routed wraps a handler: in-dialog requests of forwarded calls are relayed, the rest is h's.
func (a *Agent) routed(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		if a.routedHere(req) {
			a.proxyInDialog(req, tx)
			return
		}
		h(req, tx)
	}
}

// proxyInDialog relays an in-dialog request of a forwarded call to its next hop (the next
// Route, or the Request-URI: the other phone's Contact) over that hop's transport, and its
// final answer back. ACK is relayed without a transaction.
func (a *Agent) proxyInDialog(req *sip.Request, tx sip.ServerTransaction) {
	fwd := req.Clone()
	id := callID(req)
	for r := fwd.Route(); r != nil && a.ownRoute(r.Address, id); r = fwd.Route() {
		fwd.RemoveHeader("Route")
	}
	next := fwd.Recipient
	if r := fwd.Route(); r != nil {
		next = r.Address
	}
	tp := transportOf(next)
	cli := a.clients[tp]
	if cli == nil {
		if !req.IsAck() {
			a.respond(tx, req, 502, "Bad Gateway")
		}
		return
	}
	if mf := fwd.MaxForwards(); mf != nil {
		if mf.Val() <= 1 {
			if !req.IsAck() {
				a.respond(tx, req, 483, "Too Many Hops")
			}
			return
		}
		mf.Dec()
	}
	port := next.Port
	if port == 0 {
		port = sip.DefaultPort(tp)
	}
	fwd.SetDestination(net.JoinHostPort(next.Host, strconv.Itoa(port)))
	a.bindLocal(fwd, tp)
	if req.IsAck() {
		if err := cli.WriteRequest(fwd, sipgo.ClientRequestAddVia, a.bindOption(tp)); err != nil {
			a.log.Debug("relaying an ACK", "call_id", clip(id, 128), "err", err)
		}
		return
	}
	ctx, cancel := context.WithTimeout(a.ctx, 2*sip.Timer_B)
	defer cancel()
	otx, err := cli.TransactionRequest(ctx, fwd, sipgo.ClientRequestAddVia, a.bindOption(tp))
	if err != nil {
		a.log.Debug("relaying an in-dialog request", "method", req.Method.String(), "err", err)
		a.respond(tx, req, 503, "Service Unavailable")
		return
	}
	defer otx.Terminate()
	for {
		select {
		case res := <-otx.Responses():
			if res.StatusCode == 100 {
				continue
			}
			a.reply(tx, req, forwardedResponse(req, res))
			if !res.IsProvisional() {
				return
			}
		case <-otx.Done():
			a.respond(tx, req, 408, "Request Timeout")
			return
		case <-ctx.Done():
			a.respond(tx, req, 408, "Request Timeout")
			return
		}
	}
}
