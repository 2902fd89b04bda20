package sip

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/jmoiron/sqlx"

	"pbxws/acl"
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
	// TLSListen, when set, is the SIP-over-TLS address (sips:, 5061 by default); TLS holds its
	// certificate. Its port is advertised with the Advertise host.
	TLSListen string
	TLS       *tls.Config
	// LegacyParams adds the sipXecs Request-URI parameters (sipx-noroute, sipx-userforward,
	// sipxbridge-moh) to the INVITEs pbxws originates.
	LegacyParams bool
	// Registrar answers REGISTER for the SIP lines pbxws knows.
	Registrar bool
	// MinExpires and MaxExpires bound the registration interval a phone may ask for (seconds):
	// shorter is refused with 423, longer is granted MaxExpires. Defaults 60 and 3600.
	MinExpires, MaxExpires int
	// Bounds, when set, gives the bounds in force for each REGISTER (stored settings over
	// MinExpires and MaxExpires; a contact behind NAT gets the NATed ones). On error the
	// configured bounds apply.
	Bounds func(ctx context.Context) (models.RegistrarBounds, error)
	// SessionExpires is the RFC 4028 session interval of INVITE-mode legs (default 30 min,
	// negative: no session timers).
	SessionExpires time.Duration
	// TxLinger is how long a completed transaction over UDP is kept to absorb retransmissions
	// (RFC 3261 Timers D, J and M; default 5 s, kamailio's wait timer; at most 32 s, the
	// RFC's figure). It is process-wide: sipgo's timers are.
	TxLinger time.Duration
	// Digest verifies the registrar's and the proxy's Digest credentials (nil: a private one
	// over Realm); Throttle counts their failures (nil: none).
	Digest   *acl.Digest
	Throttle *acl.Throttle
	// UserAgent is the User-Agent of our requests and the Server of our responses
	// (default "pbxws").
	UserAgent string
	// Instance names this pbxws in the call records it owns (default: the host name and the
	// SIP address, so that a restarted pbxws recognises the records it left behind).
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
	store *recordStore
	// registrations are the registrar's bindings, shared by every instance.
	registrations *models.RegistrationStore

	ua  *sipgo.UserAgent
	srv *sipgo.Server
	cli *sipgo.Client   // UDP, sending from the listening socket
	dua *sipgo.DialogUA // UDP
	// Per transport ("UDP", "TCP", "TLS"): the client and dialog UA whose Via and Contact
	// name that transport. Reliable transports send over the phone's connection or a new
	// one; never from the listening address (sipgo would reuse any connection accepted there).
	clients map[string]*sipgo.Client
	duas    map[string]*sipgo.DialogUA

	udp              net.PacketConn
	tcp              net.Listener
	tls              net.Listener
	advHost          string
	advPort          int
	tlsPort          int // advertised TLS port, 0 without TLS
	digest           *acl.Digest
	routeKey         []byte // signs our Record-Route entries (routing.go)
	throttle         *acl.Throttle
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

// udpBuffer is the socket buffer size asked for the UDP listener.
const udpBuffer = 4 << 20

// defaultTxLinger is how long a completed UDP transaction is kept by default: as long as
// kamailio's tm keeps its own (wt_timer). The RFC's 32 s keep, at 1,000 calls a second, some
// 100,000 transactions (their requests and responses) alive for retransmissions that come,
// if at all, within the first seconds; a later one finds the dialog, which answers it the
// same way (a NOTIFY or BYE of an ended dialog is answered from the gone list, goneFor).
const defaultTxLinger = 5 * time.Second

var txLingerMu sync.Mutex

// setTxLinger sets sipgo's lingering timers (D: INVITE client after a failure; J: non-INVITE
// server; M: INVITE client after a 2xx) to d, within [T4, 64·T1]; 0 is the default.
func setTxLinger(d time.Duration) {
	if d == 0 {
		d = defaultTxLinger
	}
	d = max(sip.T4, min(d, 64*sip.T1))
	txLingerMu.Lock()
	sip.Timer_D, sip.Timer_J, sip.Timer_M = d, d, d
	txLingerMu.Unlock()
}

// goneFor is how long a finished dialog's Call-ID is remembered (spec §7: 180 s).
const goneFor = 180 * time.Second

// Start listens and serves SIP until Close.
func Start(ctx context.Context, cfg Config, db *sqlx.DB, dir *models.Directory) (*Agent, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	a := &Agent{
		cfg: cfg, log: cfg.Logger.With("component", "sip"), dir: dir, registrations: models.NewRegistrationStore(db),
		records: map[string]*record{}, legs: map[string]*leg{}, gone: map[string]goneLeg{},
		digest: cfg.Digest, throttle: cfg.Throttle, challengeRetries: 2,
	}
	a.routeKey = make([]byte, 32)
	_, _ = rand.Read(a.routeKey)
	if a.digest == nil {
		a.digest = acl.NewDigest(cfg.Realm, nonceLife)
	}
	a.ctx, a.cancel = context.WithCancel(context.Background())

	udp, tcp, err := listenUDPAndTCP(cfg.Listen, cfg.TCP)
	if err != nil {
		return nil, err
	}
	a.udp, a.tcp = udp, tcp
	// One goroutine reads the UDP socket; a burst of datagrams while it waits for the CPU
	// would overflow the default buffer (about 200 KB) and be lost, each costing a
	// retransmission or a call. The kernel caps this at net.core.rmem_max.
	if u, ok := udp.(*net.UDPConn); ok {
		_ = u.SetReadBuffer(udpBuffer)
		_ = u.SetWriteBuffer(udpBuffer)
	}
	bound := udp.LocalAddr().(*net.UDPAddr)
	if cfg.TLSListen != "" {
		if cfg.TLS == nil || len(cfg.TLS.Certificates) == 0 {
			a.closeSockets()
			return nil, errors.New("sip: a TLS listener needs a certificate")
		}
		ln, err := net.Listen("tcp", cfg.TLSListen)
		if err != nil {
			a.closeSockets()
			return nil, fmt.Errorf("sip: tls listener: %w", err)
		}
		a.tlsPort = ln.Addr().(*net.TCPAddr).Port
		conf := cfg.TLS.Clone()
		conf.MinVersion = max(conf.MinVersion, tls.VersionTLS12)
		a.tls = tls.NewListener(ln, conf)
	}
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
	if cfg.UserAgent == "" {
		cfg.UserAgent = "pbxws"
		a.cfg.UserAgent = cfg.UserAgent
	}
	if cfg.SessionExpires == 0 {
		a.cfg.SessionExpires = defaultSessionExpires
	}
	setTxLinger(cfg.TxLinger)
	if cfg.MinExpires <= 0 {
		a.cfg.MinExpires = regMin
	}
	if cfg.MaxExpires <= 0 {
		a.cfg.MaxExpires = regMax
	}
	if a.cfg.MaxExpires < a.cfg.MinExpires {
		a.closeSockets()
		return nil, fmt.Errorf("sip: max expires %d below min expires %d", a.cfg.MaxExpires, a.cfg.MinExpires)
	}
	if err := CheckHeaderText(cfg.UserAgent); err != nil || strings.TrimSpace(cfg.UserAgent) == "" {
		a.closeSockets()
		return nil, fmt.Errorf("sip: user agent %q: not a printable header value", cfg.UserAgent)
	}
	// sipgo refuses UDP messages over 1300 bytes (RFC 3261 §18.1.1 asks for TCP then), but a
	// phone registered over UDP may listen on nothing else, and a forwarded INVITE with a
	// softphone's SDP and our Record-Route is often bigger: send it anyway, as proxies do.
	sip.UDPMTUSize = 65535
	// sipgo logs every unparsable datagram at ERROR with the whole packet: such lines are
	// truncated and rate-limited.
	sipgoLog := slog.New(newGuardedHandler(a.log.Handler()))
	quiet := sip.WithTransactionLayerUnhandledResponseHandler(func(*sip.Response) {})
	if a.ua, err = sipgo.NewUA(sipgo.WithUserAgent("pbxws"), sipgo.WithUserAgentHostname(cfg.Domain),
		sipgo.WithUserAgentTransactionLayerOptions(quiet, sip.WithTransactionLayerLogger(sipgoLog)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(sipgoLog))); err != nil {
		a.closeSockets()
		return nil, err
	}
	if a.srv, err = sipgo.NewServer(a.ua, sipgo.WithServerLogger(sipgoLog)); err != nil {
		a.closeSockets()
		return nil, err
	}
	a.clients, a.duas = map[string]*sipgo.Client{}, map[string]*sipgo.DialogUA{}
	addTransport := func(tp string, port int, opts ...sipgo.ClientOption) error {
		c, err := sipgo.NewClient(a.ua, append([]sipgo.ClientOption{sipgo.WithClientLogger(sipgoLog),
			sipgo.WithClientHostname(a.advHost), sipgo.WithClientPort(port)}, opts...)...)
		if err != nil {
			return err
		}
		contact := sip.Uri{Scheme: "sip", User: "callcontroller", Host: a.advHost, Port: port}
		if tp != "UDP" {
			contact.UriParams = sip.HeaderParams{}
			contact.UriParams.Add("transport", strings.ToLower(tp))
		}
		a.clients[tp] = c
		a.duas[tp] = &sipgo.DialogUA{Client: c, ContactHDR: sip.ContactHeader{Address: contact}}
		return nil
	}
	if err := addTransport("UDP", a.advPort, sipgo.WithClientConnectionAddr(bound.String())); err != nil {
		a.closeSockets()
		return nil, err
	}
	if a.tcp != nil {
		if err := addTransport("TCP", a.advPort); err != nil {
			a.closeSockets()
			return nil, err
		}
	}
	if a.tls != nil {
		if err := addTransport("TLS", a.tlsPort); err != nil {
			a.closeSockets()
			return nil, err
		}
	}
	a.cli, a.dua = a.clients["UDP"], a.duas["UDP"]
	a.routes()

	if cfg.RecordLease <= 0 {
		cfg.RecordLease, a.cfg.RecordLease = defaultLease, defaultLease
	}
	if a.cfg.Instance == "" {
		host, _ := os.Hostname()
		a.cfg.Instance = host + "/" + bound.String()
	}
	a.store = newRecordStore(db, a.cfg.Instance, cfg.RecordLease, a.log)
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	if n, err := a.store.closeAbandoned(rctx); err != nil {
		a.log.Warn("closing the call records of a previous run", "err", err)
	} else if n > 0 {
		a.log.Info("closed the call records a previous run left open", "records", n)
	}
	rcancel()
	a.wg.Add(1)
	go func() { defer a.wg.Done(); _ = a.srv.ServeUDP(udp) }()
	if a.tcp != nil {
		a.wg.Add(1)
		go func() { defer a.wg.Done(); _ = a.srv.ServeTCP(a.tcp) }()
	}
	if a.tls != nil {
		a.wg.Add(1)
		go func() { defer a.wg.Done(); _ = a.srv.ServeTLS(a.tls) }()
	}
	a.wg.Add(1)
	go a.housekeeping()
	a.log.Info("SIP user agent started", "udp", bound.String(), "tcp", a.tcp != nil, "tls", a.TLSAddr(), "advertise",
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

// TLSAddr is the bound SIP-over-TLS address ("" without TLS).
func (a *Agent) TLSAddr() string {
	if a.tls == nil {
		return ""
	}
	return a.tls.Addr().String()
}

// Domain is the SIP domain.
func (a *Agent) Domain() string { return a.cfg.Domain }

// Announced is where the agent tells peers to reach it: the advertised host and the ports
// of each transport it serves (0 for a transport that is off).
type Announced struct {
	Host          string
	UDP, TCP, TLS int
}

// Announced is the advertised host and ports (what DNS records for the domain point at).
func (a *Agent) Announced() Announced {
	an := Announced{Host: a.advHost, UDP: a.advPort, TLS: a.tlsPort}
	if a.tcp != nil {
		an.TCP = a.advPort
	}
	return an
}

// OutboundProxy is the configured proxy address ("" when none).
func (a *Agent) OutboundProxy() string { return a.cfg.OutboundProxy }

func (a *Agent) closeSockets() {
	if a.udp != nil {
		a.udp.Close()
	}
	if a.tcp != nil {
		a.tcp.Close()
	}
	if a.tls != nil {
		a.tls.Close()
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

// routes installs the request handlers. Out-of-dialog requests other than REGISTER, INVITE
// (forwarded for registered phones) and OPTIONS are refused; in-dialog requests find their
// leg by Call-ID.
func (a *Agent) routes() {
	a.srv.OnNotify(a.routed(a.onNotify))
	a.srv.OnBye(a.routed(a.onBye))
	a.srv.OnInvite(a.routed(a.onInvite))
	a.srv.OnAck(a.routed(a.onAck))
	a.srv.OnOptions(a.routed(a.onOptions))
	a.srv.OnRefer(a.routed(a.onInDialog))
	a.srv.OnInfo(a.routed(a.onInDialog))
	a.srv.OnUpdate(a.routed(a.onInDialog))
	a.srv.OnMessage(a.routed(a.onInDialog))
	a.srv.OnSubscribe(a.routed(a.onSubscribe))
	a.srv.OnRegister(a.onRegister)
	a.srv.OnNoRoute(a.routed(a.onNoRoute))
}

// reply sends res with our Server header. Every 5xx is logged with what it answered.
func (a *Agent) reply(tx sip.ServerTransaction, req *sip.Request, res *sip.Response) {
	if res.GetHeader("Server") == nil {
		res.AppendHeader(sip.NewHeader("Server", a.cfg.UserAgent))
	}
	if res.StatusCode >= 500 {
		a.log.Error("SIP request answered with a server error", "status", res.StatusCode, "reason", res.Reason,
			"method", req.Method.String(), "call_id", clip(callID(req), 128), "source", req.Source())
	}
	if err := tx.Respond(res); err != nil {
		a.log.Debug("sending a SIP response", "status", res.StatusCode, "err", err)
	}
}

func (a *Agent) respond(tx sip.ServerTransaction, req *sip.Request, code int, reason string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	a.reply(tx, req, res)
}

// allow is the Allow header value: the methods pbxws takes (RFC 3261 §20.5).
func (a *Agent) allow() string {
	if a.cfg.Registrar {
		return allowMethods + ", REGISTER"
	}
	return allowMethods
}

// notAllowed answers 405 with the Allow header (RFC 3261 §8.2.1).
func (a *Agent) notAllowed(tx sip.ServerTransaction, req *sip.Request) {
	a.respond(tx, req, 405, "Method Not Allowed", sip.NewHeader("Allow", a.allow()))
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

// unknownDialog answers a request that matches no dialog: 481 inside a dialog and for BYE and
// NOTIFY (RFC 3261 §15.1.2, RFC 6665 §4.1.3), 405 for the methods pbxws does not take outside
// a dialog.
func (a *Agent) unknownDialog(req *sip.Request, tx sip.ServerTransaction) {
	if hasToTag(req) || req.Method == sip.BYE || req.Method == sip.NOTIFY {
		a.respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	a.notAllowed(tx, req)
}

func (a *Agent) onNoRoute(req *sip.Request, tx sip.ServerTransaction) {
	if req.IsAck() {
		return
	}
	a.notAllowed(tx, req)
}

func (a *Agent) onNotify(req *sip.Request, tx sip.ServerTransaction) {
	l, g := a.legFor(req)
	switch {
	case l != nil:
		a.respond(tx, req, 200, "OK")
		endServerTx(tx)
		l.notified(req)
	case g != nil:
		// A NOTIFY after our BYE (RFC 5589): accept it, and record it while the record lives.
		a.respond(tx, req, 200, "OK")
		endServerTx(tx)
		if g.rec != nil {
			g.rec.insertLine(StatusLine{AtMillis: time.Now().UnixMilli(), CallID: callID(req), Method: "NOTIFY", StatusLine: sipfragLine(req.Body())}, uint64(notifyCSeq(req)), true)
		}
	default:
		a.unknownDialog(req, tx)
	}
}

// endServerTx ends an answered non-INVITE server transaction at once instead of keeping it 32 s
// (Timer J) to absorb retransmissions: at hundreds of calls a second those transactions were
// most of pbxws's memory. A retransmitted NOTIFY is answered 200 again by the handler and not
// recorded twice (record.insertLine).
func endServerTx(tx sip.ServerTransaction) { tx.Terminate() }

func (a *Agent) onBye(req *sip.Request, tx sip.ServerTransaction) {
	l, _ := a.legFor(req)
	if l == nil {
		a.unknownDialog(req, tx)
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

// onOptions answers a capability query: 200 with Allow and Accept for pbxws itself and for the
// users and lines it knows, 404 for any other user.
func (a *Agent) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	if hasToTag(req) {
		a.onInDialog(req, tx)
		return
	}
	if user := req.Recipient.User; user != "" && user != "callcontroller" {
		if !a.isLocal(req.Recipient.Host) || !a.knownParty(user) {
			a.respond(tx, req, 404, "Not Found")
			return
		}
	}
	a.respond(tx, req, 200, "OK", sip.NewHeader("Allow", a.allow()), sip.NewHeader("Accept", "application/sdp"))
}

// knownParty reports whether user names a line or a user of this pbxws.
func (a *Agent) knownParty(user string) bool {
	ctx, cancel := context.WithTimeout(a.ctx, 5*time.Second)
	defer cancel()
	if _, err := a.dir.LookupLine(ctx, user); err == nil {
		return true
	}
	_, err := a.dir.LookupUser(ctx, user)
	return err == nil
}

// onSubscribe: pbxws offers no event package outside a dialog (405); inside one of its dialogs
// only the REFER subscription exists (anything else is 489, RFC 6665 §4.2.1.1).
func (a *Agent) onSubscribe(req *sip.Request, tx sip.ServerTransaction) {
	if !hasToTag(req) {
		a.notAllowed(tx, req)
		return
	}
	if ev := req.GetHeader("Event"); ev == nil || !strings.EqualFold(strings.TrimSpace(strings.SplitN(ev.Value(), ";", 2)[0]), "refer") {
		a.respond(tx, req, 489, "Bad Event", sip.NewHeader("Allow-Events", "refer"))
		return
	}
	a.onInDialog(req, tx)
}

// onInDialog relays an in-dialog request of an INVITE-mode call to the other party; requests
// on REFER-mode dialogs are answered here.
func (a *Agent) onInDialog(req *sip.Request, tx sip.ServerTransaction) {
	l, _ := a.legFor(req)
	if l == nil {
		a.unknownDialog(req, tx)
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
