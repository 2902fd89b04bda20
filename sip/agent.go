package sip

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/jmoiron/sqlx"

	"pbxws/models"
)

// Config configures the SIP side of pbxws.
type Config struct {
	// Listen is the UDP (and TCP) address, e.g. 127.0.0.1:5060; port 0 picks a free one.
	Listen string
	// Advertise is the host[:port] put in Via, Contact and SDP; empty means the bound address.
	Advertise string
	// Domain is the SIP domain: parties without "@" get "@Domain", users are "<name>@Domain".
	Domain string
	// Realm is the digest realm of the registrar.
	Realm string
	// OutboundProxy ("host:port"), when set, receives every INVITE pbxws originates.
	OutboundProxy string
	// TCP also listens on TCP at the same address.
	TCP bool
	// LegacyParams adds the sipXecs Request-URI parameters (sipx-noroute, sipx-userforward,
	// sipxbridge-moh) to the INVITEs pbxws originates.
	LegacyParams bool
	// Registrar answers REGISTER for the SIP lines pbxws knows.
	Registrar bool
	// Instance names this pbxws in the call records it owns.
	Instance string
	// RecordLease is how long a call record with live dialogs stays live without its owner
	// renewing it (every quarter of it); when an owner dies, the other instances show its
	// dialogs terminated once the lease has run out. 0 means 2 minutes.
	RecordLease time.Duration
	Logger      *slog.Logger
}

// Agent is the running SIP user agent.
type Agent struct {
	cfg   Config
	log   *slog.Logger
	dir   *models.Directory
	db    *sqlx.DB
	store *recordStore

	ua  *sipgo.UserAgent
	srv *sipgo.Server
	cli *sipgo.Client
	dua *sipgo.DialogUA

	udp              net.PacketConn
	tcp              net.Listener
	advHost          string
	advPort          int
	regNonces        *nonceKeeper
	ctx              context.Context
	cancel           context.CancelFunc
	wg               sync.WaitGroup
	closeOnce        sync.Once
	mu               sync.Mutex
	records          map[string]*record // by call key, the records this instance owns
	legs             map[string]*leg    // by Call-ID, the dialogs in progress
	gone             map[string]goneLeg // Call-IDs recently finished: late requests get an answer
	challengeRetries int
}

type goneLeg struct {
	at  time.Time
	rec *record
}

// goneFor is how long a finished dialog's Call-ID is remembered (spec §7: 180 s).
const goneFor = 180 * time.Second

// Start listens and serves SIP until Close.
func Start(ctx context.Context, cfg Config, db *sqlx.DB, dir *models.Directory) (*Agent, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Instance == "" {
		cfg.Instance = randomHex(8)
	}
	a := &Agent{
		cfg: cfg, log: cfg.Logger.With("component", "sip"), dir: dir, db: db,
		records: map[string]*record{}, legs: map[string]*leg{}, gone: map[string]goneLeg{},
		regNonces: newNonceKeeper(), challengeRetries: 2,
	}
	a.ctx, a.cancel = context.WithCancel(context.Background())

	udp, tcp, err := listenUDPAndTCP(cfg.Listen, cfg.TCP)
	if err != nil {
		return nil, err
	}
	a.udp, a.tcp = udp, tcp
	bound := udp.LocalAddr().(*net.UDPAddr)
	a.advHost, a.advPort = bound.IP.String(), bound.Port
	if cfg.Advertise != "" {
		h, p, err := net.SplitHostPort(cfg.Advertise)
		if err != nil {
			h, p = cfg.Advertise, strconv.Itoa(bound.Port)
		}
		if a.advPort, err = strconv.Atoi(p); err != nil {
			a.closeSockets()
			return nil, fmt.Errorf("sip: advertised port %q: %w", p, err)
		}
		a.advHost = h
	}

	if cfg.Domain == "" {
		cfg.Domain = a.advHost
		a.cfg.Domain = a.advHost
	}
	quiet := sip.WithTransactionLayerUnhandledResponseHandler(func(*sip.Response) {})
	if a.ua, err = sipgo.NewUA(sipgo.WithUserAgent("pbxws"), sipgo.WithUserAgentHostname(cfg.Domain),
		sipgo.WithUserAgentTransactionLayerOptions(quiet)); err != nil {
		a.closeSockets()
		return nil, err
	}
	if a.srv, err = sipgo.NewServer(a.ua, sipgo.WithServerLogger(a.log)); err != nil {
		a.closeSockets()
		return nil, err
	}
	if a.cli, err = sipgo.NewClient(a.ua, sipgo.WithClientLogger(a.log),
		sipgo.WithClientConnectionAddr(bound.String()),
		sipgo.WithClientHostname(a.advHost), sipgo.WithClientPort(a.advPort)); err != nil {
		a.closeSockets()
		return nil, err
	}
	a.dua = &sipgo.DialogUA{Client: a.cli, ContactHDR: sip.ContactHeader{
		Address: sip.Uri{Scheme: "sip", User: "callcontroller", Host: a.advHost, Port: a.advPort},
	}}
	a.routes()

	if cfg.RecordLease <= 0 {
		cfg.RecordLease, a.cfg.RecordLease = defaultLease, defaultLease
	}
	a.store = newRecordStore(db, cfg.Instance, cfg.RecordLease, a.log)
	a.wg.Add(1)
	go func() { defer a.wg.Done(); _ = a.srv.ServeUDP(udp) }()
	if a.tcp != nil {
		a.wg.Add(1)
		go func() { defer a.wg.Done(); _ = a.srv.ServeTCP(a.tcp) }()
	}
	a.wg.Add(1)
	go a.housekeeping()
	a.log.Info("SIP user agent started", "udp", bound.String(), "tcp", a.tcp != nil, "advertise",
		net.JoinHostPort(a.advHost, strconv.Itoa(a.advPort)), "domain", cfg.Domain,
		"outbound_proxy", cfg.OutboundProxy, "registrar", cfg.Registrar)
	return a, nil
}

// listenUDPAndTCP binds UDP (and TCP on the same port). With port 0 the system picks the
// UDP port, which another process may hold in TCP: then it tries another port rather than
// fail on a collision the configuration did not ask for.
func listenUDPAndTCP(addr string, withTCP bool) (net.PacketConn, net.Listener, error) {
	_, port, _ := net.SplitHostPort(addr)
	for attempt := 0; ; attempt++ {
		udp, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("sip: udp listener: %w", err)
		}
		if !withTCP {
			return udp, nil, nil
		}
		bound := udp.LocalAddr().(*net.UDPAddr)
		tcp, err := net.Listen("tcp", net.JoinHostPort(bound.IP.String(), strconv.Itoa(bound.Port)))
		if err == nil {
			return udp, tcp, nil
		}
		udp.Close()
		if port != "0" || attempt >= 20 || !errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, fmt.Errorf("sip: tcp listener: %w", err)
		}
	}
}

// Addr is the bound UDP address.
func (a *Agent) Addr() string { return a.udp.LocalAddr().String() }

// Domain is the SIP domain.
func (a *Agent) Domain() string { return a.cfg.Domain }

// OutboundProxy is the configured proxy address ("" when none).
func (a *Agent) OutboundProxy() string { return a.cfg.OutboundProxy }

func (a *Agent) closeSockets() {
	if a.udp != nil {
		a.udp.Close()
	}
	if a.tcp != nil {
		a.tcp.Close()
	}
}

// Close hangs up every dialog this instance owns (bounded), then stops listening.
func (a *Agent) Close(ctx context.Context) error {
	a.closeOnce.Do(func() {
		a.mu.Lock()
		recs := make([]*record, 0, len(a.records))
		for _, r := range a.records {
			recs = append(recs, r)
		}
		a.mu.Unlock()
		for _, r := range recs {
			r.teardown()
		}
		// Give the flows a moment to send their BYE/CANCEL before the transport goes.
		deadline := time.Now().Add(3 * time.Second)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		for time.Now().Before(deadline) {
			a.mu.Lock()
			n := len(a.legs)
			a.mu.Unlock()
			if n == 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		a.cancel()
		a.store.close()
		_ = a.srv.Close()
		_ = a.ua.Close()
		a.closeSockets()
		a.wg.Wait()
	})
	return nil
}

// housekeeping renews the leases of live records, sweeps expired records and forgets old
// Call-IDs. Every loop is bounded by the agent's life.
func (a *Agent) housekeeping() {
	defer a.wg.Done()
	sweep := time.NewTicker(5 * time.Second)
	renew := time.NewTicker(a.cfg.RecordLease / 4)
	defer sweep.Stop()
	defer renew.Stop()
	n := 0
	for {
		select {
		case <-a.ctx.Done():
			return
		case <-renew.C:
			a.mu.Lock()
			ids := make([]int64, 0, len(a.records))
			for _, r := range a.records {
				ids = append(ids, r.id)
			}
			a.mu.Unlock()
			if len(ids) > 0 {
				a.store.renew(ids)
			}
		case <-sweep.C:
			n++
			ctx, cancel := context.WithTimeout(a.ctx, 10*time.Second)
			if err := a.store.sweep(ctx, n%120 == 0); err != nil && a.ctx.Err() == nil {
				a.log.Warn("sweeping call records", "err", err)
			}
			cancel()
			a.forgetGone(time.Now())
		}
	}
}

func (a *Agent) forgetGone(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, g := range a.gone {
		if now.Sub(g.at) > goneFor {
			delete(a.gone, id)
		}
	}
}

// routes installs the request handlers. Out-of-dialog requests other than REGISTER and OPTIONS
// are refused; in-dialog requests find their leg by Call-ID.
func (a *Agent) routes() {
	a.srv.OnNotify(a.onNotify)
	a.srv.OnBye(a.onBye)
	a.srv.OnInvite(a.onInvite)
	a.srv.OnAck(a.onAck)
	a.srv.OnOptions(a.onOptions)
	a.srv.OnRefer(a.onInDialog)
	a.srv.OnInfo(a.onInDialog)
	a.srv.OnUpdate(a.onInDialog)
	a.srv.OnMessage(a.onInDialog)
	a.srv.OnSubscribe(a.onInDialog)
	a.srv.OnRegister(a.onRegister)
}

func respond(tx sip.ServerTransaction, req *sip.Request, code int, reason string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	_ = tx.Respond(res)
}

func hasToTag(req *sip.Request) bool {
	to := req.To()
	return to != nil && to.Params.Has("tag")
}

func callID(m interface{ CallID() *sip.CallIDHeader }) string {
	if c := m.CallID(); c != nil {
		return c.Value()
	}
	return ""
}

// legFor finds the live leg of an in-dialog request, or the record of a recently finished one.
func (a *Agent) legFor(req *sip.Request) (*leg, *goneLeg) {
	id := callID(req)
	a.mu.Lock()
	defer a.mu.Unlock()
	if l := a.legs[id]; l != nil {
		return l, nil
	}
	if g, ok := a.gone[id]; ok {
		return nil, &g
	}
	return nil, nil
}

// unknownDialog answers a request that matches no dialog: 481 inside a dialog, 403 outside.
func unknownDialog(req *sip.Request, tx sip.ServerTransaction) {
	if hasToTag(req) {
		respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	respond(tx, req, 403, "Forbidden")
}

func (a *Agent) onNotify(req *sip.Request, tx sip.ServerTransaction) {
	l, g := a.legFor(req)
	switch {
	case l != nil:
		respond(tx, req, 200, "OK")
		l.notified(req)
	case g != nil:
		// A NOTIFY after our BYE (RFC 5589): accept it, and record it while the record lives.
		respond(tx, req, 200, "OK")
		if g.rec != nil {
			g.rec.addLine(StatusLine{AtMillis: time.Now().UnixMilli(), CallID: callID(req), Method: "NOTIFY", StatusLine: sipfragLine(req.Body())})
		}
	default:
		unknownDialog(req, tx)
	}
}

func (a *Agent) onBye(req *sip.Request, tx sip.ServerTransaction) {
	l, _ := a.legFor(req)
	if l == nil {
		unknownDialog(req, tx)
		return
	}
	l.byeReceived(req, tx)
}

func (a *Agent) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if !hasToTag(req) {
		a.proxyInvite(req, tx)
		return
	}
	a.onInDialog(req, tx)
}

func (a *Agent) onAck(req *sip.Request, _ sip.ServerTransaction) {
	if l, _ := a.legFor(req); l != nil {
		l.ackReceived(req)
	}
}

func (a *Agent) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	if !hasToTag(req) {
		res := sip.NewResponseFromRequest(req, 200, "OK", nil)
		res.AppendHeader(sip.NewHeader("Allow", allowMethods))
		res.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
		_ = tx.Respond(res)
		return
	}
	a.onInDialog(req, tx)
}

// onInDialog relays an in-dialog request of an INVITE-mode call to the other party; requests
// on REFER-mode dialogs are answered here.
func (a *Agent) onInDialog(req *sip.Request, tx sip.ServerTransaction) {
	l, _ := a.legFor(req)
	if l == nil {
		unknownDialog(req, tx)
		return
	}
	l.relay(req, tx)
}

const allowMethods = "INVITE, ACK, OPTIONS, CANCEL, BYE, REFER, NOTIFY"

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sipfragLine is the first line of a message/sipfrag body, trimmed (spec §4.2).
func sipfragLine(body []byte) string {
	s := strings.TrimSpace(string(body))
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}
