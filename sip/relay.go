package sip

import (
	"context"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// relaySkip are the headers a relayed request or response never copies: the dialog and routing
// headers are the new dialog's own, and credentials belong to the hop they were meant for.
var relaySkip = map[string]bool{
	"via": true, "from": true, "to": true, "call-id": true, "cseq": true, "contact": true,
	"route": true, "record-route": true, "max-forwards": true, "content-length": true,
	"content-type": true, "authorization": true, "proxy-authorization": true,
	"www-authenticate": true, "proxy-authenticate": true,
}

// relay handles an in-dialog request on one of our legs. On an INVITE-mode call it is re-issued
// on the other leg and the final answer comes back (spec §5.2); on a REFER-mode dialog pbxws
// answers itself.
func (l *leg) relay(req *sip.Request, tx sip.ServerTransaction) {
	rec := l.record()
	if rec == nil || rec.method != "INVITE" {
		l.answerLocally(req, tx)
		return
	}
	peer := rec.peerOf(l)
	if peer == nil || peer.state() != stateConfirmed || l.state() != stateConfirmed {
		l.a.respond(tx, req, 491, "Request Pending")
		return
	}
	out := peer.newRequest(req.Method)
	body := req.Body()
	if len(body) > 0 {
		if req.IsInvite() && isSDP(req) {
			body = peer.reorigin(body)
		}
		out.SetBody(body)
		if ct := req.GetHeader("Content-Type"); ct != nil {
			out.AppendHeader(sip.NewHeader("Content-Type", ct.Value()))
		}
	}
	for _, h := range req.Headers() {
		name := strings.ToLower(h.Name())
		if !relaySkip[name] && out.GetHeader(name) == nil {
			out.AppendHeader(sip.HeaderClone(h))
		}
	}
	ctx, cancel := context.WithTimeout(peer.ctx, 2*sip.Timer_B)
	defer cancel()
	ptx, err := peer.sess.TransactionRequest(ctx, out)
	if err != nil {
		l.a.respond(tx, req, 500, "Server Internal Error")
		return
	}
	defer ptx.Terminate()
	for {
		select {
		case res := <-ptx.Responses():
			if req.IsInvite() {
				peer.recordResponse(res)
			}
			if res.IsProvisional() {
				continue
			}
			l.relayResponse(req, tx, res, peer, out)
			return
		case <-ptx.Done():
			l.a.respond(tx, req, 408, "Request Timeout")
			return
		case <-ctx.Done():
			l.a.respond(tx, req, 408, "Request Timeout")
			return
		}
	}
}

// relayResponse answers req with the status, body and headers of res (our own Contact).
func (l *leg) relayResponse(req *sip.Request, tx sip.ServerTransaction, res *sip.Response, peer *leg, out *sip.Request) {
	body := res.Body()
	if req.IsInvite() && res.IsSuccess() && len(body) > 0 {
		peer.mu.Lock()
		peer.remoteSDP = body
		peer.mu.Unlock()
		body = l.reorigin(body)
		l.mu.Lock()
		l.pendingAck = &relayedInvite{peer: peer, cseq: out.CSeq().SeqNo}
		l.mu.Unlock()
	}
	answer := sip.NewResponseFromRequest(req, res.StatusCode, res.Reason, body)
	if ct := res.GetHeader("Content-Type"); ct != nil && len(body) > 0 {
		answer.AppendHeader(sip.NewHeader("Content-Type", ct.Value()))
	}
	for _, h := range res.Headers() {
		name := strings.ToLower(h.Name())
		if !relaySkip[name] && answer.GetHeader(name) == nil {
			answer.AppendHeader(sip.HeaderClone(h))
		}
	}
	answer.AppendHeader(sip.HeaderClone(&l.dua.ContactHDR))
	l.a.reply(tx, req, answer)
}

// ackReceived forwards the ACK of a relayed re-INVITE's 2xx to the other leg.
func (l *leg) ackReceived(req *sip.Request) {
	l.mu.Lock()
	p := l.pendingAck
	l.pendingAck = nil
	l.mu.Unlock()
	if p == nil {
		return
	}
	ack := p.peer.newRequest(sip.ACK)
	if b := req.Body(); len(b) > 0 {
		ack.SetBody(p.peer.reorigin(b))
		if ct := req.GetHeader("Content-Type"); ct != nil {
			ack.AppendHeader(sip.NewHeader("Content-Type", ct.Value()))
		}
	}
	if err := p.peer.sess.WriteRequest(ack); err != nil {
		l.a.log.Debug("relaying ACK", "call_id", p.peer.callID, "err", err)
	}
}

// answerLocally answers in-dialog requests of a REFER-mode dialog: a re-INVITE (a phone holding
// the call before it transfers) gets our placeholder SDP back in the direction RFC 3264 §6.1
// asks for, OPTIONS and INFO a 200, the rest 405.
func (l *leg) answerLocally(req *sip.Request, tx sip.ServerTransaction) {
	switch req.Method {
	case sip.INVITE:
		res := sip.NewResponseFromRequest(req, 200, "OK", nil)
		answer := dummySDP(l.a.advHost)
		if len(req.Body()) > 0 && isSDP(req) {
			answer = withDirection(answer, answerDirection(offerDirection(req.Body())))
		}
		res.SetBody(l.reorigin(answer))
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		res.AppendHeader(sip.HeaderClone(&l.dua.ContactHDR))
		l.a.reply(tx, req, res)
	case sip.OPTIONS, sip.INFO:
		l.a.respond(tx, req, 200, "OK")
	case sip.SUBSCRIBE:
		// A refresh of the REFER subscription: it ends with the dialog anyway.
		l.a.respond(tx, req, 200, "OK", sip.NewHeader("Expires", "60"))
	default:
		l.a.notAllowed(tx, req)
	}
}

func isSDP(m interface{ GetHeader(string) sip.Header }) bool {
	ct := m.GetHeader("Content-Type")
	return ct != nil && strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct.Value())), "application/sdp")
}
