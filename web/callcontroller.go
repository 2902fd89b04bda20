package web

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"pbxws/acl"
	"pbxws/handlers"
	"pbxws/models"
	"pbxws/sip"
)

// startSIP starts the SIP user agent and the click-to-call handler behind it.
// cert is the HTTPS certificate, which SIP over TLS uses too.
func (s *Server) startSIP(ctx context.Context, cert tls.Certificate) error {
	cfg := s.cfg
	var sipTLS *tls.Config
	if cfg.SIPTLSAddr != "" {
		sipTLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	domain := cfg.SIPDomain
	dir := models.NewDirectory(s.db)
	agent, err := sip.Start(ctx, sip.Config{
		Listen: cfg.SIPAddr, Advertise: cfg.SIPAdvertise, Domain: domain, Realm: cfg.Realm,
		OutboundProxy: cfg.SIPOutboundProxy, TCP: cfg.SIPTCP, LegacyParams: cfg.SIPLegacyParams,
		TLSListen: cfg.SIPTLSAddr, TLS: sipTLS,
		Registrar: cfg.SIPRegistrar, RecordLease: cfg.SIPRecordLease, Logger: s.sipLogger(), Instance: cfg.SIPInstance,
		MinExpires: cfg.SIPMinExpires, MaxExpires: cfg.SIPMaxExpires, UserAgent: cfg.SIPUserAgent,
		Bounds:         s.serviceSettings.RegistrarBounds,
		SessionExpires: sessionExpires(cfg.SIPSessionExpires), TxLinger: cfg.SIPTxLinger,
		// The SIP side shares the HTTP side's Digest rules and failure throttle.
		Digest: acl.NewDigest(cfg.Realm, cfg.NonceLifetime), Throttle: s.throttle,
	}, s.db, dir)
	if err != nil {
		return err
	}
	s.sip = agent
	s.closers = append(s.closers, agent.Close)

	trusted, err := acl.ParseProxies(cfg.CCTrustedHosts)
	if err != nil {
		return fmt.Errorf("cc-trusted-hosts: %w", err)
	}
	// A trusted host is one where the SIP proxy runs (spec §3).
	if p := cfg.SIPOutboundProxy; p != "" {
		host := p
		if h, _, err := net.SplitHostPort(p); err == nil {
			host = h
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		addrs, err := net.DefaultResolver.LookupNetIP(rctx, "ip", host)
		cancel()
		if err != nil {
			s.log.Warn("cannot resolve the outbound proxy; it is not trusted for click-to-call", "proxy", p, "err", err)
		}
		for _, a := range addrs {
			a = a.Unmap()
			trusted = append(trusted, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	s.cc = &handlers.CallController{
		Agent: agent, Dir: dir, Agents: acl.NewRecentUsers(dir, &s.userChanges),
		Auth: acl.NewUserAuth(dir, acl.UserAuthConfig{Realm: cfg.Realm, AllowEmptyPin: cfg.CCAllowEmptyPin,
			NonceLifetime: cfg.NonceLifetime, Throttle: s.throttle, Service: "callcontroller", MaxWait: cfg.MaxWait,
			Changes: &s.userChanges}),
		Health:           s.health,
		Trusted:          trusted,
		RemoteAccess:     cfg.CCRemoteAccess,
		MyCallForwarding: cfg.MyCallForwarding,
	}
	return nil
}

// sessionExpires maps the configuration's "0: none" to the agent's "negative: none".
func sessionExpires(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}

// clickToCall adapts a click-to-call handler to Fiber: the request as handlers.Request
// (query parameters as sent, untrimmed), the answer rendered from its Result.
func (s *Server) clickToCall(h func(context.Context, *handlers.Request) (handlers.Result, error), params ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		query := url.Values{}
		c.Context().QueryArgs().VisitAll(func(k, v []byte) {
			query.Add(string(k), string(v))
		})
		path := make(map[string]string, len(params))
		for _, p := range params {
			path[p] = c.Params(p)
		}
		res, err := h(c.UserContext(), &handlers.Request{
			Query: query, Method: c.Method(), Target: string(c.Request().Header.RequestURI()),
			PathParams: path, Authorization: c.Get(fiber.HeaderAuthorization),
			Peer: s.peer(c), Secure: s.secure(c),
		})
		if err != nil {
			return err
		}
		return renderClickToCall(c, res)
	}
}

// renderClickToCall sends a click-to-call Result: its status, headers and body as they are.
func renderClickToCall(c *fiber.Ctx, res handlers.Result) error {
	status := res.Status
	if status == 0 {
		status = fiber.StatusOK
	}
	c.Status(status)
	for name, values := range res.Header {
		for _, v := range values {
			c.Response().Header.Add(name, v)
		}
	}
	if res.Text == nil {
		return nil
	}
	if res.TextType != "" {
		c.Set(fiber.HeaderContentType, res.TextType)
	}
	return c.Send(res.Text)
}

const ccIndex = `<!DOCTYPE html>
<html><head><title>pbxws callcontroller</title></head>
<body><h1>callcontroller</h1>
<p>POST /callcontroller/{callingParty}/{calledParty} starts a call; GET on the same URL returns its status.</p>
</body></html>
`

// ccIndexPage is the dedicated listeners' home page.
func ccIndexPage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.SendString(ccIndex)
}

// startCCListeners serves the dedicated callcontroller listeners (sipXecs 6667/6666).
func (s *Server) startCCListeners(cert tls.Certificate, haveCert bool) error {
	if s.cc == nil || (s.cfg.CCHTTPAddr == "" && s.cfg.CCHTTPSAddr == "") {
		return nil
	}
	app := newBareApp(s)
	ccRoutes(s, app)
	if a := s.cfg.CCHTTPAddr; a != "" {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			return fmt.Errorf("cc-http listener: %w", err)
		}
		s.ccHTTPLn = ln
		go s.serveApp(app, ln)
	}
	if a := s.cfg.CCHTTPSAddr; a != "" {
		if !haveCert {
			return fmt.Errorf("cc-https needs a TLS certificate (enable -https or give -tls-cert/-tls-key)")
		}
		ln, err := net.Listen("tcp", a)
		if err != nil {
			return fmt.Errorf("cc-https listener: %w", err)
		}
		s.ccHTTPSLn = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		go s.serveApp(app, s.ccHTTPSLn)
	}
	s.closers = append(s.closers, func(context.Context) error { return app.ShutdownWithTimeout(5 * time.Second) })
	return nil
}

// SIPTLSAddr is the SIP agent's bound TLS address ("" when off).
func (s *Server) SIPTLSAddr() string {
	if s.sip == nil {
		return ""
	}
	return s.sip.TLSAddr()
}

// SIPAddr is the SIP agent's bound UDP address ("" when SIP is off).
func (s *Server) SIPAddr() string {
	if s.sip == nil {
		return ""
	}
	return s.sip.Addr()
}

// provisioningServer is where provisioning profiles send phones to register: the SIP
// domain, else the advertised SIP host, else the bound one; the advertised or bound port.
func (s *Server) provisioningServer() handlers.ProvisioningServer {
	ps := handlers.ProvisioningServer{Port: "5060"}
	addr := s.cfg.SIPAdvertise
	if addr == "" {
		addr = s.SIPAddr()
	}
	if h, p, err := net.SplitHostPort(addr); err == nil {
		ps.Host, ps.Port = h, p
	} else {
		ps.Host = addr
	}
	if s.cfg.SIPDomain != "" {
		ps.Host = s.cfg.SIPDomain
	}
	return ps
}

// CCHTTPAddr and CCHTTPSAddr are the bound dedicated callcontroller listeners.
func (s *Server) CCHTTPAddr() string  { return addrOf(s.ccHTTPLn) }
func (s *Server) CCHTTPSAddr() string { return addrOf(s.ccHTTPSLn) }
