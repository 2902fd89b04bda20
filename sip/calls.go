package sip

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"pbxws/metrics"
	"pbxws/models"
)

// CallRequest is a validated click-to-call request (spec §2.2). Caller, Callee and Target are
// "user@host" as NormalizeParty returns them.
type CallRequest struct {
	Agent      *models.SIPUser
	Caller     string
	Callee     string
	Method     string // "REFER" or "INVITE"
	Timeout    time.Duration
	CacheTime  time.Duration
	Subject    string
	Forwarding bool
	ConfPin    string
}

// CallError is a refusal of the call logic: HTTP status, the inner error-code of the XML
// document, and its text (spec §6).
type CallError struct {
	HTTP int
	Code int
	Text string
}

func (e *CallError) Error() string { return e.Text }

// Key is the call key (spec §2.4): agent identity, calling and called address.
func (a *Agent) Key(agent *models.SIPUser, caller, callee string) string {
	return a.identity(agent) + ":" + caller + ":" + callee
}

func (a *Agent) identity(u *models.SIPUser) string { return u.UserName + "@" + a.cfg.Domain }

// Call starts a call and returns once the first INVITE is handed to the transport.
func (a *Agent) Call(ctx context.Context, r CallRequest) error {
	if r.Agent.SIPPassword() == "" {
		return &CallError{HTTP: http.StatusForbidden, Code: http.StatusForbidden, Text: "could not find credentials for " + r.Agent.UserName}
	}
	key := a.Key(r.Agent, r.Caller, r.Callee)
	a.mu.Lock()
	old := a.records[key]
	a.mu.Unlock()
	if r.Method == "INVITE" && old != nil && old.method == "INVITE" && old.allLive() {
		return &CallError{HTTP: http.StatusNotAcceptable, Code: http.StatusForbidden, Text: "Call in progress INVITE not supported"}
	}
	if old != nil {
		old.teardown()
	}
	id, err := a.store.create(ctx, key, r.Method, r.CacheTime, models.CallParties{UserID: r.Agent.ID, Caller: r.Caller, Callee: r.Callee})
	if err != nil {
		return fmt.Errorf("storing the call record: %w", err)
	}
	rec := a.newRecord(id, key, r)
	first, err := a.newLegs(rec, "caller", r.Caller, inviteOpts{display: a.callerDisplay(r), subject: r.Subject,
		noForward: !r.Forwarding, moh: true, sessionTimer: r.Method == "INVITE"}, dummySDP(a.advHost))
	if errors.Is(err, errNotRegistered) {
		// Nobody to ring: the record says so, as a registrar would have (spec §8: a party that
		// resolves nowhere gives a status line).
		rec.addLine(unavailable())
		rec.finishIfEmpty()
		metrics.Calls.WithLabelValues(r.Method, "unavailable").Inc()
		return nil
	}
	if err != nil {
		rec.finishIfEmpty()
		metrics.Calls.WithLabelValues(r.Method, "not_placed").Inc()
		return err
	}
	sent := make(chan error, 1)
	switch r.Method {
	case "INVITE":
		go a.runInvite(rec, first, r, sent)
	default:
		go a.runRefer(rec, first, r, sent)
	}
	select {
	case err := <-sent:
		if err != nil {
			metrics.Calls.WithLabelValues(r.Method, "not_placed").Inc()
		} else {
			metrics.CallSetups.WithLabelValues(r.Method).Inc()
		}
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DialogsAlive is how many SIP dialogs this instance has in progress.
func (a *Agent) DialogsAlive() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.legs)
}

// Transfer replaces the calling party of a live INVITE-mode call by target (spec §5.3).
func (a *Agent) Transfer(ctx context.Context, r CallRequest, target string) error {
	key := a.Key(r.Agent, r.Caller, r.Callee)
	a.mu.Lock()
	old := a.records[key]
	a.mu.Unlock()
	notFound := &CallError{HTTP: http.StatusNotAcceptable, Code: http.StatusForbidden, Text: "Call not found."}
	if old == nil || old.method != "INVITE" || !old.allLive() {
		return notFound
	}
	caller, callee := old.legByRole("caller"), old.legByRole("callee")
	if caller == nil || callee == nil || callee.state() != stateConfirmed {
		return notFound
	}
	newKey := a.Key(r.Agent, target, r.Callee)
	id, err := a.store.create(ctx, newKey, "INVITE", r.CacheTime, models.CallParties{UserID: r.Agent.ID, Caller: target, Callee: r.Callee})
	if err != nil {
		return fmt.Errorf("storing the call record: %w", err)
	}
	nr := a.newRecord(id, newKey, CallRequest{Agent: r.Agent, Caller: target, Callee: r.Callee, Method: "INVITE", Timeout: r.Timeout, CacheTime: r.CacheTime})
	// The callee's dialog moves to the new record; the old record and the caller go.
	old.detach(callee)
	nr.attach(callee)
	a.mu.Lock()
	if a.records[key] == old {
		delete(a.records, key)
	}
	a.mu.Unlock()
	old.markReplaced()
	go caller.hangup("")
	if err := a.store.remove(ctx, old.id); err != nil {
		a.log.Warn("removing a transferred call record", "key", key, "err", err)
	}
	offer := callee.lastRemoteSDP()
	t, err := a.newLegs(nr, "target", target, inviteOpts{noForward: true, sessionTimer: true}, offer)
	if errors.Is(err, errNotRegistered) {
		nr.addLine(unavailable())
		go callee.hangup("")
		return nil
	}
	if err != nil {
		go callee.hangup("")
		return err
	}
	sent := make(chan error, 1)
	go a.runTransfer(nr, t, callee, r, sent)
	select {
	case err := <-sent:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Status returns the record under key as this or another instance stored it (nil: none).
func (a *Agent) Status(ctx context.Context, key string) (*StoredRecord, error) {
	return a.store.get(ctx, key)
}

// callerDisplay is the From display name of the first INVITE. In REFER mode the phone rung
// is usually the agent's own: showing it a call from itself tells nothing, so it is shown the
// party it is about to be connected to (spec §10, second open question).
func (a *Agent) callerDisplay(r CallRequest) string {
	if r.Method == "REFER" && r.Caller == r.Agent.UserName+"@"+a.cfg.Domain {
		user, _ := splitAddr(r.Callee)
		return displayName(user)
	}
	return displayName(r.Agent.DisplayName)
}

// unavailable is the status line recorded when a local party has no registered contact.
func unavailable() StatusLine {
	return StatusLine{AtMillis: time.Now().UnixMilli(), CallID: randomHex(16), Method: "INVITE", StatusLine: "SIP/2.0 480 Temporarily Unavailable"}
}

// --- records ---------------------------------------------------------------------------------

type record struct {
	a      *Agent
	id     int64
	key    string
	method string
	req    CallRequest

	mu       sync.Mutex
	lines    []recordLine
	outcome  bool   // the calling party's final answer was counted in the metrics
	legs     []*leg // live legs
	views    []*leg // every leg the record had, for the INVITE-mode document
	replaced bool
}

func (a *Agent) newRecord(id int64, key string, r CallRequest) *record {
	rec := &record{a: a, id: id, key: key, method: r.Method, req: r}
	a.mu.Lock()
	a.records[key] = rec
	a.mu.Unlock()
	return rec
}

// maxLines bounds the status lines of one record: a phone sending NOTIFYs in a loop does not
// grow it further.
const maxLines = 256

func (r *record) addLine(l StatusLine) { r.insertLine(l, 0, false) }

// notifyCSeq is the CSeq number of a NOTIFY (at least 1).
func notifyCSeq(req *sip.Request) uint32 {
	if c := req.CSeq(); c != nil && c.SeqNo > 0 {
		return c.SeqNo
	}
	return 1
}

// responseOrder is where a response goes among the lines of its dialog: by CSeq, then 100
// before the other provisional responses before the final one, the order a UAS sends them in.
func responseOrder(res *sip.Response) uint64 {
	cseq := uint64(1)
	if c := res.CSeq(); c != nil && c.SeqNo > 0 {
		cseq = uint64(c.SeqNo)
	}
	rank := uint64(3)
	switch {
	case res.StatusCode == 100:
		rank = 1
	case res.StatusCode < 200:
		rank = 2
	}
	return cseq<<2 | rank
}

// insertLine records l in arrival order, except that the lines of one Call-ID and method with
// an order (> 0: the NOTIFY's CSeq, responseOrder) keep the order their sender put them in:
// sipgo hands each message to its own goroutine, so two arriving together may get here in
// either order. The lines it moves are written again under their new positions. With unique,
// a line whose order is already recorded (a retransmitted NOTIFY: the transaction that would
// absorb it is not kept, see onNotify) is not recorded again, and insertLine reports false.
func (r *record) insertLine(l StatusLine, order uint64, unique bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	same := func(x recordLine) bool { return x.line.CallID == l.CallID && x.line.Method == l.Method }
	if unique {
		for _, x := range r.lines {
			if x.order == order && same(x) {
				return false
			}
		}
	}
	if r.replaced || len(r.lines) >= maxLines {
		return true
	}
	// Before the earliest of the trailing lines of this dialog that its sender put after l
	// (lines of other dialogs in between keep their place).
	pos := len(r.lines)
	for i := len(r.lines) - 1; order > 0 && i >= 0; i-- {
		if !same(r.lines[i]) {
			continue
		}
		if r.lines[i].order <= order {
			break
		}
		pos = i
	}
	r.lines = slices.Insert(r.lines, pos, recordLine{line: l, order: order})
	for i := pos; i < len(r.lines); i++ {
		r.a.store.addLine(r.id, i+1, r.lines[i].line)
	}
	r.countOutcome(l)
	return true
}

// countOutcome counts the call's outcome in the metrics: the first final answer to an INVITE
// is the calling party's. r.mu is held.
func (r *record) countOutcome(l StatusLine) {
	code := statusCode(l.StatusLine)
	if r.outcome || l.Method != "INVITE" || code < 200 {
		return
	}
	r.outcome = true
	metrics.Calls.WithLabelValues(r.method, metrics.CallOutcome(code)).Inc()
}

// recordLine is a status line as the record keeps it.
type recordLine struct {
	line  StatusLine
	order uint64 // see insertLine; 0 for lines that keep their arrival order
}

// statusCode reads the code of "SIP/2.0 200 OK" (0 when there is none).
func statusCode(line string) int {
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

func (r *record) attach(l *leg) {
	r.mu.Lock()
	r.legs = append(r.legs, l)
	r.views = append(r.views, l)
	r.mu.Unlock()
	l.mu.Lock()
	l.rec = r
	l.mu.Unlock()
	r.publishDialogs()
}

func (r *record) detach(l *leg) {
	r.mu.Lock()
	// slices.Delete clears the slot it frees: a finished record, which the gone list keeps
	// for goneFor, must not keep its last leg (and the leg's messages) alive through it.
	if i := slices.Index(r.legs, l); i >= 0 {
		r.legs = slices.Delete(r.legs, i, i+1)
	}
	r.mu.Unlock()
}

// forget removes a leg that lost a fork from the record's dialogs: the INVITE-mode document
// shows the call, not the phones that did not answer it.
func (r *record) forget(l *leg) {
	r.mu.Lock()
	if i := slices.Index(r.views, l); i >= 0 {
		r.views = slices.Delete(r.views, i, i+1)
	}
	r.mu.Unlock()
	r.detach(l)
	r.publishDialogs()
}

func (r *record) markReplaced() {
	r.mu.Lock()
	r.replaced = true
	r.mu.Unlock()
}

func (r *record) legByRole(role string) *leg {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.legs {
		if l.role == role {
			return l
		}
	}
	return nil
}

// allLive reports whether the record has dialogs and none of them has ended.
func (r *record) allLive() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.legs) == 0 {
		return false
	}
	for _, l := range r.views {
		if l.state() == stateTerminated {
			return false
		}
	}
	return true
}

func (r *record) peerOf(l *leg) *leg {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range r.legs {
		if x != l {
			return x
		}
	}
	return nil
}

// teardown ends every dialog of a record being replaced: CANCEL for ringing ones, BYE for
// answered ones. Its later SIP events no longer write into the stored record.
func (r *record) teardown() {
	r.markReplaced()
	r.a.mu.Lock()
	if r.a.records[r.key] == r {
		delete(r.a.records, r.key)
	}
	r.a.mu.Unlock()
	r.mu.Lock()
	legs := append([]*leg(nil), r.legs...)
	r.mu.Unlock()
	for _, l := range legs {
		go l.hangup("")
	}
}

// legEnded removes l; when no dialog is left the stored record keeps only its cache time.
func (r *record) legEnded(l *leg) {
	r.detach(l)
	r.publishDialogs()
	r.finishIfEmpty()
}

func (r *record) finishIfEmpty() {
	r.mu.Lock()
	empty, replaced := len(r.legs) == 0, r.replaced
	if empty && r.method != "INVITE" {
		// Only INVITE-mode documents show dialogs; a finished REFER-mode record stays
		// reachable for late NOTIFYs (goneFor) and need not keep its legs' sessions alive.
		r.views = nil
	}
	if empty {
		r.req = CallRequest{Method: r.method}
	}
	r.mu.Unlock()
	if !empty {
		return
	}
	r.a.mu.Lock()
	if r.a.records[r.key] == r {
		delete(r.a.records, r.key)
	}
	r.a.mu.Unlock()
	if !replaced {
		r.a.store.ended(r.id)
	}
}

// publishDialogs stores the INVITE-mode dialog snapshot.
func (r *record) publishDialogs() {
	if r.method != "INVITE" {
		return
	}
	r.mu.Lock()
	if r.replaced {
		r.mu.Unlock()
		return
	}
	views := make([]DialogView, 0, len(r.views))
	for _, l := range r.views {
		views = append(views, l.view())
	}
	r.mu.Unlock()
	r.a.store.setDialogs(r.id, views)
}

// --- legs ------------------------------------------------------------------------------------

type legState int

const (
	stateCalling legState = iota
	stateEarly
	stateConfirmed
	stateTerminated
)

var stateNames = [...]string{"Early Dialog", "Early Dialog", "Confirmed Dialog", "Terminated Dialog"}

type legEvent struct {
	bye      bool
	fragment string // NOTIFY sipfrag line
	ended    bool   // Subscription-State: terminated
}

// leg is one dialog pbxws started (UAC side).
type leg struct {
	a      *Agent
	role   string
	callID string
	local  string // From URI
	remote string // To URI
	creds  *models.SIPUser

	ctx    context.Context // cancelled to hang up
	cancel context.CancelFunc
	events chan legEvent
	sess   *sipgo.DialogClientSession
	dua    *sipgo.DialogUA // the transport's Contact and client
	tp     string          // transport of the dialog
	dest   string          // host:port in-dialog requests go to when NAT handling applies

	mu         sync.Mutex
	rec        *record
	st         legState
	localTag   string
	remoteTag  string
	sentOrigin *sdpOrigin // the o= line this party last received from us
	sentSDP    []byte     // the SDP this party last received from us
	// sessionTimer: an INVITE-mode leg, refreshed by keepAlive (RFC 4028).
	sessionTimer bool
	remoteSDP    []byte
	pendingAck   *relayedInvite
	// reinviting is held while a re-INVITE of ours is pending: a BYE waits for it (a little),
	// so that its 2xx is ACKed first, as RFC 3261 §13.2.2.4 asks of every 2xx.
	reinviting chan struct{}
	endOnce    sync.Once
	byeOnce    sync.Once
}

// relayedInvite remembers a re-INVITE relayed to the peer, whose 2xx ACK must follow the one
// the originator sends.
type relayedInvite struct {
	peer *leg
	cseq uint32
}

// newLegs builds and registers (but does not send) an INVITE for party on rec: one per binding
// of a registered party, all rung at once (RFC 3261 §16.7: parallel forking).
func (a *Agent) newLegs(rec *record, role, party string, o inviteOpts, body []byte) ([]*leg, error) {
	to, bs, err := a.targets(party)
	if err != nil {
		return nil, err
	}
	var legs []*leg
	for _, b := range bs {
		req, dua, berr := a.buildInvite(rec.req.Agent, to, b, o, body)
		if berr != nil {
			a.log.Debug("binding not usable", "party", party, "contact", b.uri.String(), "err", berr)
			err = berr
			continue
		}
		l := &leg{a: a, role: role, callID: callID(req), creds: rec.req.Agent, events: make(chan legEvent, 16),
			reinviting: make(chan struct{}, 1),
			dua:        dua, tp: req.Transport(), dest: b.dest}
		l.ctx, l.cancel = context.WithCancel(a.ctx)
		from, to := req.From(), req.To()
		l.local, l.remote = from.Address.Addr(), to.Address.Addr()
		l.localTag, _ = from.Params.Get("tag")
		if body != nil {
			l.sentOrigin = parseOrigin(body)
			l.sentSDP = body
		}
		l.sessionTimer = o.sessionTimer
		l.sess = &sipgo.DialogClientSession{UA: dua}
		l.sess.InviteRequest = req
		l.sess.Init()
		legs = append(legs, l)
	}
	if len(legs) == 0 {
		if err == errNoTransport {
			return nil, errNotRegistered
		}
		return nil, err
	}
	for _, l := range legs {
		a.mu.Lock()
		a.legs[l.callID] = l
		a.mu.Unlock()
		rec.attach(l)
	}
	return legs, nil
}

// newRequest is an in-dialog request to the leg's remote target, leaving over the dialog's
// transport from the right local address.
func (l *leg) newRequest(method sip.RequestMethod) *sip.Request {
	req := sip.NewRequest(method, l.remoteTarget())
	req.AppendHeader(sip.NewHeader("User-Agent", l.a.cfg.UserAgent))
	if l.dest != "" {
		req.SetDestination(l.dest)
	}
	l.a.bindLocal(req, l.tp)
	return req
}

func (l *leg) record() *record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rec
}

func (l *leg) state() legState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.st
}

func (l *leg) setState(s legState) {
	l.mu.Lock()
	changed := l.st != s
	l.st = s
	rec := l.rec
	l.mu.Unlock()
	if changed && rec != nil {
		rec.publishDialogs()
	}
}

func (l *leg) lastRemoteSDP() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.remoteSDP
}

func (l *leg) view() DialogView {
	l.mu.Lock()
	defer l.mu.Unlock()
	return DialogView{ID: l.callID + ":" + l.localTag + ":" + l.remoteTag, Local: l.local, Remote: l.remote, State: stateNames[l.st]}
}

// send hands the INVITE to the transport.
func (l *leg) send() error {
	return l.sess.Invite(l.ctx, sipgo.ClientRequestBuild, l.a.bindOption(l.tp))
}

// ring waits for the answer to the INVITE, recording every response, answering up to two
// challenges with the agent's SIP credentials, and cancelling after timeout. A party that never
// answered at all gets a 408 line (RFC 3261 §8.1.3.1: the transaction timed out), at the
// timeout rather than after Timer B: with no provisional response there is nothing to CANCEL.
func (l *leg) ring(timeout time.Duration) error {
	ctx, cancel := context.WithCancelCause(l.ctx)
	defer cancel(nil)
	var answered atomic.Bool
	timer := time.AfterFunc(timeout, func() {
		if answered.Load() {
			cancel(context.DeadlineExceeded)
		} else {
			cancel(sipgo.WaitAnswerForceCancelErr)
		}
	})
	defer timer.Stop()
	last := ""
	err := l.sess.WaitAnswer(ctx, sipgo.AnswerOptions{
		Username: l.creds.UserName,
		Password: l.creds.SIPPassword(),
		OnResponse: func(res *sip.Response) error {
			answered.Store(true)
			l.recordResponse(res)
			last = res.StartLine()
			if to := res.To(); to != nil && res.StatusCode > 100 && res.StatusCode < 300 {
				if tag, ok := to.Params.Get("tag"); ok {
					l.mu.Lock()
					l.remoteTag = tag
					l.mu.Unlock()
					if res.StatusCode < 200 {
						l.setState(stateEarly)
					}
				}
			}
			return nil
		},
	})
	// A final response that arrived while cancelling (487) is not passed to OnResponse.
	if res := l.sess.InviteResponse; err != nil && res != nil && res.StatusCode >= 200 && res.StartLine() != last {
		l.recordResponse(res)
	}
	if err != nil {
		if !answered.Load() && l.sess.InviteResponse == nil && l.ctx.Err() == nil {
			if rec := l.record(); rec != nil {
				rec.addLine(StatusLine{AtMillis: time.Now().UnixMilli(), CallID: l.callID, Method: "INVITE", StatusLine: "SIP/2.0 408 Request Timeout"})
			}
		}
		return err
	}
	res := l.sess.InviteResponse
	l.mu.Lock()
	l.remoteSDP = res.Body()
	l.mu.Unlock()
	l.setState(stateConfirmed)
	return nil
}

// sendAll sends the INVITE of every leg; legs that could not be sent end. It returns the legs
// that are ringing, or the last error when none is.
func sendAll(legs []*leg) ([]*leg, error) {
	var out []*leg
	var err error
	for _, l := range legs {
		if e := l.send(); e != nil {
			l.a.log.Debug("sending an INVITE", "call_id", l.callID, "err", e)
			err = e
			l.end()
			continue
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return nil, err
	}
	return out, nil
}

// ringAll rings the legs of one party at once: the first to answer wins, the others are
// cancelled (a 2xx that crossed the CANCEL is ACKed and hung up). Every leg but the winner
// ends here; with no winner, the last error comes back.
func ringAll(legs []*leg, timeout time.Duration) (*leg, error) {
	if len(legs) == 1 {
		if err := legs[0].ring(timeout); err != nil {
			legs[0].end()
			return nil, err
		}
		return legs[0], nil
	}
	type result struct {
		l   *leg
		err error
	}
	results := make(chan result, len(legs))
	for _, l := range legs {
		go func() { results <- result{l, l.ring(timeout)} }()
	}
	var winner *leg
	var err error
	for range legs {
		r := <-results
		switch {
		case r.err == nil && winner == nil:
			winner = r.l
			for _, o := range legs {
				if o != winner {
					o.cancel()
					if rec := o.record(); rec != nil {
						rec.forget(o)
					}
				}
			}
			// The losers finish in the background: the call goes on now.
			rest := len(legs) - 1
			go func() {
				for range rest {
					r := <-results
					r.l.loseFork(r.err)
				}
			}()
			return winner, nil
		default:
			err = r.err
			r.l.end()
		}
	}
	return nil, err
}

// loseFork ends a leg whose sibling answered first; a 2xx of its own is ACKed and hung up.
func (l *leg) loseFork(err error) {
	if err == nil {
		if ackErr := l.sess.Ack(context.Background()); ackErr == nil {
			l.hangup("")
		}
	}
	l.end()
}

func (l *leg) recordResponse(res *sip.Response) {
	if rec := l.record(); rec != nil {
		rec.insertLine(StatusLine{AtMillis: time.Now().UnixMilli(), CallID: l.callID, Method: "INVITE", StatusLine: res.StartLine()}, responseOrder(res), false)
	}
}

// end forgets the leg: late requests on its Call-ID are answered for goneFor.
func (l *leg) end() {
	l.endOnce.Do(func() {
		l.setState(stateTerminated)
		l.cancel()
		rec := l.record()
		a := l.a
		a.mu.Lock()
		if a.legs[l.callID] == l {
			delete(a.legs, l.callID)
		}
		a.gone[l.callID] = goneLeg{at: time.Now(), rec: rec}
		a.mu.Unlock()
		_ = l.sess.Close()
		if rec != nil {
			rec.legEnded(l)
		}
	})
}

// hangup ends the dialog from our side: BYE once confirmed, CANCEL while ringing (the flow
// goroutine sees the cancelled context, CANCELs, and if a 2xx crossed the CANCEL, hangs up
// again, which then sends the BYE). reason, when set, goes into a Reason header.
func (l *leg) hangup(reason string) {
	switch l.state() {
	case stateConfirmed:
		l.byeOnce.Do(func() {
			l.bye(reason)
			l.end()
		})
	case stateTerminated:
	default:
		l.cancel()
	}
}

func (l *leg) bye(reason string) {
	res := l.sess.InviteResponse
	if res == nil {
		return
	}
	select {
	case l.reinviting <- struct{}{}:
		defer func() { <-l.reinviting }()
	case <-time.After(2 * time.Second): // a re-INVITE that long unanswered is not waited for
	}
	bye := l.newRequest(sip.BYE)
	if reason != "" {
		bye.AppendHeader(sip.NewHeader("Reason", reason))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*sip.Timer_F)
	defer cancel()
	if err := l.sess.WriteBye(ctx, bye); err != nil {
		l.a.log.Debug("BYE", "call_id", l.callID, "err", err)
	}
}

// remoteTarget is the Contact of the 2xx (where in-dialog requests go).
func (l *leg) remoteTarget() sip.Uri {
	res := l.sess.InviteResponse
	if c := res.Contact(); c != nil {
		return *c.Address.Clone()
	}
	return *l.sess.InviteRequest.Recipient.Clone()
}

// notified takes a NOTIFY of the REFER subscription.
func (l *leg) notified(req *sip.Request) {
	frag := sipfragLine(req.Body())
	if rec := l.record(); rec != nil {
		if !rec.insertLine(StatusLine{AtMillis: time.Now().UnixMilli(), CallID: l.callID, Method: "NOTIFY", StatusLine: frag}, uint64(notifyCSeq(req)), true) {
			return // a retransmission of a NOTIFY already taken
		}
	}
	ended := false
	if h := req.GetHeader("Subscription-State"); h != nil {
		ended = strings.HasPrefix(strings.ToLower(strings.TrimSpace(h.Value())), "terminated")
	}
	select {
	case l.events <- legEvent{fragment: frag, ended: ended}:
	default:
	}
}

func (l *leg) byeReceived(req *sip.Request, tx sip.ServerTransaction) {
	if err := l.sess.ReadBye(req, tx); err != nil {
		l.a.log.Debug("answering BYE", "call_id", l.callID, "err", err)
	}
	l.setState(stateTerminated)
	rec := l.record()
	select {
	case l.events <- legEvent{bye: true}:
	default:
	}
	if rec != nil && rec.method == "INVITE" {
		if peer := rec.peerOf(l); peer != nil {
			go peer.hangup("")
		}
	}
	l.end()
}

// inDialog sends req in the leg's dialog, answering up to two 401/407 challenges with the
// agent's SIP credentials (a fresh request each time, so the dialog's CSeq stays right).
func (l *leg) inDialog(ctx context.Context, build func() *sip.Request) (*sip.Response, error) {
	req := build()
	res, err := l.sess.Do(ctx, req)
	for i := 0; err == nil && i < l.a.challengeRetries && (res.StatusCode == 401 || res.StatusCode == 407); i++ {
		next := build()
		if err := applyDigest(next, req, res, l.creds.UserName, l.creds.SIPPassword()); err != nil {
			return res, nil
		}
		req = next
		res, err = l.sess.Do(ctx, req)
	}
	return res, err
}

// --- flows -----------------------------------------------------------------------------------

// referGuard bounds how long pbxws stays in the dialog after the REFER was answered.
const referGuard = 32 * time.Second

func (a *Agent) runRefer(rec *record, legs []*leg, r CallRequest, sent chan<- error) {
	legs, err := sendAll(legs)
	sent <- err
	if err != nil {
		return
	}
	l, err := ringAll(legs, r.Timeout)
	if err != nil {
		a.log.Debug("caller leg not answered", "key", rec.key, "err", err)
		return
	}
	defer l.end()
	if err := l.sess.Ack(l.ctx); err != nil || l.ctx.Err() != nil {
		l.hangup("")
		return
	}
	referTo := "<sip:" + uriUser(r.Callee) + ">"
	if r.ConfPin != "" {
		referTo = "<sip:" + uriUser(r.Callee) + "?X-ConfPin=" + r.ConfPin + ">"
	}
	ctx, cancel := context.WithTimeout(l.ctx, sip.Timer_F)
	res, err := l.inDialog(ctx, func() *sip.Request {
		req := l.newRequest(sip.REFER)
		req.AppendHeader(sip.NewHeader("Refer-To", referTo))
		req.AppendHeader(sip.NewHeader("Referred-By", "<sip:"+uriUser(r.Caller)+">"))
		return req
	})
	cancel()
	if err != nil || !res.IsSuccess() {
		// The phone refused the transfer (or never answered): hang up rather than leave it in
		// a call with nobody.
		l.hangup("")
		return
	}
	guard := time.NewTimer(referGuard)
	defer guard.Stop()
	for {
		select {
		case ev := <-l.events:
			if ev.bye {
				return
			}
			low := strings.ToLower(ev.fragment)
			// Ringing means the transfer is on its way; a final answer (RFC 3515 §2.4.5), even
			// with the subscription still active, means it is over either way: the phone must
			// not stay in a call with the controller's placeholder media.
			if strings.Contains(low, "180 ringing") || ev.ended || sipfragCode(ev.fragment) >= 200 {
				reason := ""
				if code := sipfragCode(ev.fragment); code >= 300 {
					reason = `SIP;cause=` + strconv.Itoa(code) + `;text="` + sipfragReason(ev.fragment) + `"`
				}
				l.hangup(reason)
				return
			}
		case <-guard.C:
			l.hangup("")
			return
		case <-l.ctx.Done():
			l.hangup("")
			return
		}
	}
}

// sipfragCode is the status code of a sipfrag status line ("SIP/2.0 486 Busy Here"), 0 when
// it is not one.
func sipfragCode(frag string) int {
	f := strings.Fields(frag)
	if len(f) < 2 || !strings.HasPrefix(strings.ToUpper(f[0]), "SIP/") || len(f[1]) != 3 {
		return 0
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 100 || n > 699 {
		return 0
	}
	return n
}

// sipfragReason is the reason phrase of a sipfrag status line, fit for a quoted string.
func sipfragReason(frag string) string {
	f := strings.SplitN(strings.TrimSpace(frag), " ", 3)
	if len(f) < 3 {
		return ""
	}
	return clip(displayName(f[2]), 64)
}

// runInvite is RFC 3725 flow I: INVITE the caller with a placeholder offer, INVITE the callee
// without SDP, offer the callee's SDP to the caller in a re-INVITE and carry the caller's
// answer in the ACK to the callee.
func (a *Agent) runInvite(rec *record, lcs []*leg, r CallRequest, sent chan<- error) {
	lcs, err := sendAll(lcs)
	sent <- err
	if err != nil {
		return
	}
	lc, err := ringAll(lcs, r.Timeout)
	if err != nil {
		return
	}
	if err := lc.sess.Ack(lc.ctx); err != nil || lc.ctx.Err() != nil {
		lc.hangup("")
		lc.end()
		return
	}
	lds, err := a.newLegs(rec, "callee", r.Callee, inviteOpts{noForward: true, moh: true, sessionTimer: true}, nil)
	if errors.Is(err, errNotRegistered) {
		rec.addLine(unavailable())
	}
	if err != nil {
		a.log.Debug("callee leg", "key", rec.key, "err", err)
		lc.hangup("")
		return
	}
	if lds, err = sendAll(lds); err != nil {
		lc.hangup("")
		return
	}
	if lc.state() != stateConfirmed {
		for _, ld := range lds {
			ld.hangup("")
			ld.end()
		}
		return
	}
	ld, err := ringAll(lds, r.Timeout)
	if err != nil {
		lc.hangup("")
		return
	}
	fail := func() {
		lc.hangup("")
		ld.hangup("")
		ld.end()
	}
	offer := ld.lastRemoteSDP()
	answer, err := lc.reinvite(offer)
	if err != nil {
		ld.ackWith(nil)
		fail()
		return
	}
	if err := ld.ackWith(answer); err != nil {
		fail()
		return
	}
	go lc.keepAlive()
	go ld.keepAlive()
}

// runTransfer calls the target with the callee's last SDP, then re-offers the target's SDP to
// the callee.
func (a *Agent) runTransfer(rec *record, ts []*leg, callee *leg, r CallRequest, sent chan<- error) {
	ts, err := sendAll(ts)
	if err != nil {
		callee.hangup("")
		sent <- err
		return
	}
	sent <- nil
	t, err := ringAll(ts, r.Timeout)
	if err != nil {
		callee.hangup("")
		return
	}
	if err := t.sess.Ack(t.ctx); err != nil {
		t.hangup("")
		callee.hangup("")
		return
	}
	if _, err := callee.reinvite(t.lastRemoteSDP()); err != nil {
		t.hangup("")
		callee.hangup("")
		return
	}
	go t.keepAlive()
}

// reinvite sends offer to the leg's party in a re-INVITE (with the o= line that party knows
// from us, version + 1), ACKs the 2xx and returns the answer.
func (l *leg) reinvite(offer []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(l.ctx, 2*sip.Timer_B)
	defer cancel()
	answer, code, err := l.reinviteStatus(ctx, offer)
	if err == nil && code >= 300 {
		err = fmt.Errorf("re-INVITE answered %d", code)
	}
	return answer, err
}

// reinviteStatus sends the re-INVITE and returns the answer and the final status code.
func (l *leg) reinviteStatus(ctx context.Context, offer []byte) ([]byte, int, error) {
	select {
	case l.reinviting <- struct{}{}:
		defer func() { <-l.reinviting }()
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	body := l.reorigin(offer)
	req := l.newRequest(sip.INVITE)
	if l.a.cfg.SessionExpires > 0 && l.sessionTimer {
		l.a.sessionTimerHeaders(req)
	}
	req.SetBody(body)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	tx, err := l.sess.TransactionRequest(ctx, req)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Terminate()
	for {
		select {
		case res := <-tx.Responses():
			l.recordResponse(res)
			if res.IsProvisional() {
				continue
			}
			if !res.IsSuccess() {
				// The transaction layer ACKs a non-2xx final response itself.
				return nil, res.StatusCode, nil
			}
			ack := l.newRequest(sip.ACK)
			ack.AppendHeader(sip.NewHeader("CSeq", fmt.Sprintf("%d ACK", req.CSeq().SeqNo)))
			if err := l.sess.WriteRequest(ack); err != nil {
				return nil, res.StatusCode, err
			}
			l.mu.Lock()
			l.remoteSDP = res.Body()
			l.mu.Unlock()
			return res.Body(), res.StatusCode, nil
		case <-tx.Done():
			if err := tx.Err(); err != nil {
				return nil, 0, err
			}
			return nil, 0, errors.New("re-INVITE transaction ended without an answer")
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
	}
}

// ackWith ACKs the leg's 2xx carrying body (the answer to the party's offer) when non-nil.
func (l *leg) ackWith(body []byte) error {
	ack := l.newRequest(sip.ACK)
	if body != nil {
		ack.SetBody(l.reorigin(body))
		ack.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	}
	return l.sess.WriteAck(l.ctx, ack)
}

// reorigin gives an SDP the o= line this leg's party already knows from us, with the version
// increased; the first SDP we send a party keeps its own o= line.
func (l *leg) reorigin(body []byte) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(body) == 0 {
		return body
	}
	if l.sentOrigin == nil {
		l.sentOrigin = parseOrigin(body)
		l.sentSDP = body
		return body
	}
	l.sentOrigin.version++
	l.sentSDP = replaceOrigin(body, l.sentOrigin)
	return l.sentSDP
}
