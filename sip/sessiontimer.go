package sip

import (
	"context"
	"strconv"
	"time"

	"github.com/emiago/sipgo/sip"
)

// defaultSessionExpires is the session interval of third-party call control legs (RFC 4028
// §4 recommends 1800 s); pbxws is always the refresher.
const defaultSessionExpires = 30 * time.Minute

// sessionTimerHeaders go into every INVITE of an INVITE-mode (3PCC) leg: with signalling only,
// a phone that died or lost its network is noticed only by asking it.
func (a *Agent) sessionTimerHeaders(req *sip.Request) {
	secs := int(a.cfg.SessionExpires / time.Second)
	req.AppendHeader(sip.NewHeader("Session-Expires", strconv.Itoa(secs)+";refresher=uac"))
	req.AppendHeader(sip.NewHeader("Supported", "timer"))
}

// keepAlive refreshes the session every half interval (RFC 4028 §10) with a re-INVITE carrying
// the SDP the party already has. A party that no longer knows the dialog (481) or does not
// answer (408, transaction timeout) is gone: the whole call is torn down.
func (l *leg) keepAlive() {
	every := l.a.cfg.SessionExpires / 2
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-l.ctx.Done():
			return
		case <-t.C:
		}
		if l.state() != stateConfirmed {
			return
		}
		code, err := l.refresh()
		switch {
		case l.ctx.Err() != nil:
			return
		case err != nil || code == 408 || code == 481:
			l.a.log.Info("session refresh failed: hanging up the call", "call_id", l.callID, "status", code, "err", err)
			l.sessionDied()
			return
		}
		// Other refusals (491 glare, 488, 5xx) leave the session as it was; the next refresh
		// asks again.
	}
}

// refresh sends the session refresh and returns the final status (0 with an error when none
// came).
func (l *leg) refresh() (int, error) {
	l.mu.Lock()
	body := l.sentSDP
	l.mu.Unlock()
	if len(body) == 0 {
		return 0, nil
	}
	// Not l.ctx: a refresh under way when the call is hung up still takes its final
	// response and ACKs a 2xx (the BYE waits for it).
	ctx, cancel := context.WithTimeout(context.Background(), 2*sip.Timer_B)
	defer cancel()
	_, code, err := l.reinviteStatus(ctx, body)
	return code, err
}

// sessionDied ends a leg whose party is gone (no BYE: it would go unanswered too), and hangs up
// the rest of its call.
func (l *leg) sessionDied() {
	if rec := l.record(); rec != nil {
		if peer := rec.peerOf(l); peer != nil {
			go peer.hangup(`SIP;cause=408;text="Session expired"`)
		}
	}
	l.end()
}
