package sip

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"pbxws/models"
)

// proxyInvite forwards a new INVITE from a phone registered here to every binding registered
// for the callee (in parallel, RFC 3261 §16.7: the first 2xx wins, the other branches are
// cancelled), so that `make run` alone is a working click-to-call setup for softphones: the
// phone REFERred by the controller calls the called party through pbxws. The caller must prove
// its line's secret (407). Each branch leaves over its binding's transport, from our listener,
// with a Via naming that transport; pbxws Record-Routes, so the dialog's later requests pass
// through it too (routing.go).
func (a *Agent) proxyInvite(req *sip.Request, tx sip.ServerTransaction) {
	if !a.cfg.Registrar {
		a.respond(tx, req, 403, "Forbidden")
		return
	}
	ctx, cancel := context.WithTimeout(a.ctx, 5*time.Second)
	defer cancel()
	from := req.From()
	if from == nil || !a.isLocal(from.Address.Host) {
		a.respond(tx, req, 403, "Forbidden")
		return
	}
	line, err := a.dir.LookupLine(ctx, from.Address.User)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		a.log.Error("looking up the calling line", "user", clip(from.Address.User, 64), "err", err)
		a.respond(tx, req, 500, "Server Internal Error")
		return
	}
	if !a.requireDigest(ctx, req, tx, from.Address.User, line, true) {
		return
	}
	if !a.isLocal(req.Recipient.HostPort()) && !a.isLocal(req.Recipient.Host) {
		a.respond(tx, req, 404, "Not Found")
		return
	}
	if mf := req.MaxForwards(); mf != nil && mf.Val() <= 1 {
		a.respond(tx, req, 483, "Too Many Hops")
		return
	}
	bindings, err := a.lookupBindings(ctx, req.Recipient.User)
	if err != nil {
		a.log.Error("looking up the called party's bindings", "user", clip(req.Recipient.User, 64), "err", err)
		a.respond(tx, req, 500, "Server Internal Error")
		return
	}
	octx, ocancel := context.WithTimeout(a.ctx, 3*time.Minute)
	defer ocancel()
	var branches []*branch
	for _, b := range bindings {
		br, err := a.forward(octx, req, b)
		if err != nil {
			a.log.Debug("forwarding an INVITE", "contact", b.uri.String(), "err", err)
			continue
		}
		defer br.tx.Terminate()
		branches = append(branches, br)
	}
	if len(branches) == 0 {
		a.respond(tx, req, 480, "Temporarily Unavailable")
		return
	}
	cancelled := make(chan struct{})
	if stx, ok := tx.(*sip.ServerTx); ok {
		stx.OnCancel(func(*sip.Request) { close(cancelled) })
	}
	type answer struct {
		br  *branch
		res *sip.Response
		err error
	}
	answers := make(chan answer, 16)
	for _, br := range branches {
		go func() {
			for {
				select {
				case res := <-br.tx.Responses():
					answers <- answer{br: br, res: res}
					if !res.IsProvisional() {
						return
					}
				case <-br.tx.Done():
					answers <- answer{br: br, err: br.tx.Err()}
					return
				case <-octx.Done():
					answers <- answer{br: br, err: octx.Err()}
					return
				}
			}
		}()
	}
	cancelAll := func(except *branch) {
		for _, br := range branches {
			if br != except && !br.done {
				go a.cancelForwarded(br.req)
			}
		}
	}
	var best *sip.Response
	open := len(branches)
	for open > 0 {
		select {
		case ans := <-answers:
			if ans.err != nil || !ans.res.IsProvisional() {
				ans.br.done = true
				open--
			}
			if ans.err != nil {
				continue
			}
			res := ans.res
			switch {
			case res.StatusCode == 100:
			case res.IsProvisional():
				a.reply(tx, req, forwardedResponse(req, res))
			case res.IsSuccess():
				a.reply(tx, req, forwardedResponse(req, res))
				cancelAll(ans.br)
				return
			default:
				if best == nil || betterFinal(res, best) {
					best = res
				}
			}
		case <-cancelled:
			cancelled = nil
			cancelAll(nil)
		case <-octx.Done():
			cancelAll(nil)
			a.respond(tx, req, 408, "Request Timeout")
			return
		}
	}
	if best == nil {
		best = sip.NewResponseFromRequest(req, 408, "Request Timeout", nil)
		if cancelled == nil {
			best = sip.NewResponseFromRequest(req, 487, "Request Terminated", nil)
		}
		a.reply(tx, req, best)
		return
	}
	a.reply(tx, req, forwardedResponse(req, best))
}

// branch is one forwarded copy of an INVITE.
type branch struct {
	req  *sip.Request
	tx   sip.ClientTransaction
	done bool // a final answer (or none) came: nothing to cancel
}

// forward sends req to binding b: the contact as Request-URI, our Via (of b's transport) on top,
// from our listener over b's transport, to the received address when the phone asked for NAT
// handling.
func (a *Agent) forward(ctx context.Context, req *sip.Request, b binding) (*branch, error) {
	tp := b.transport()
	cli := a.clients[tp]
	if cli == nil {
		return nil, errNoTransport
	}
	fwd := req.Clone()
	fwd.Recipient = *b.uri.Clone()
	fwd.RemoveHeader("Proxy-Authorization")
	fwd.RemoveHeader("Route")
	if mf := fwd.MaxForwards(); mf != nil {
		mf.Dec()
	}
	dest := b.dest
	if dest == "" {
		port := b.uri.Port
		if port == 0 {
			port = sip.DefaultPort(tp)
		}
		dest = net.JoinHostPort(b.uri.Host, strconv.Itoa(port))
	}
	fwd.SetDestination(dest)
	a.addRecordRoute(fwd, req.Transport(), tp)
	a.bindLocal(fwd, tp)
	otx, err := cli.TransactionRequest(ctx, fwd, sipgo.ClientRequestAddVia, a.bindOption(tp))
	if err != nil {
		return nil, err
	}
	return &branch{req: fwd, tx: otx}, nil
}

// betterFinal reports whether final response x is a better answer than y for the caller
// (RFC 3261 §16.7 step 6, simplified): 6xx first, then the lowest class, and within 4xx a
// real refusal rather than a timeout or a cancellation.
func betterFinal(x, y *sip.Response) bool {
	rank := func(r *sip.Response) int {
		switch c := r.StatusCode; {
		case c >= 600:
			return 0
		case c == 408 || c == 487:
			return 500 + c
		default:
			return c
		}
	}
	return rank(x) < rank(y)
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
		case "via", "from", "to", "call-id", "cseq", "content-length":
		default:
			out.AppendHeader(sip.HeaderClone(h))
		}
	}
	return out
}

// cancelForwarded sends the CANCEL of a forwarded INVITE (same Via branch, RFC 3261 §9.1),
// over the INVITE's transport to its destination.
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
	c.SetBody(nil)
	c.SetDestination(fwd.Destination())
	tp := fwd.Transport()
	a.bindLocal(c, tp)
	cli := a.clients[tp]
	if cli == nil {
		return
	}
	ctx, cancel := context.WithTimeout(a.ctx, sip.Timer_F)
	defer cancel()
	if _, err := cli.Do(ctx, c, a.bindOption(tp)); err != nil {
		a.log.Debug("CANCEL of a forwarded INVITE", "err", err)
	}
}
