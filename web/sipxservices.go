package web

import (
	"context"
	"log/slog"
	"net"

	"pbxws/handlers"
	"pbxws/models"
)

// What the sipX /api service resources (sipx-api.md §13–§15) need of the running server.

// serverFQDN is this server's FQDN (§2.6): -hostname, else the SIP domain.
func (s *Server) serverFQDN() string {
	if s.cfg.Hostname != "" {
		return s.cfg.Hostname
	}
	return s.sipDomain()
}

// apiServer is this pbxws as sipX server 1.
func (s *Server) apiServer() handlers.APIServer {
	return handlers.APIServer{ID: 1, FQDN: s.serverFQDN}
}

// sipPresence is what the DNS advisor checks: false when SIP is off.
func (s *Server) sipPresence() (handlers.SIPPresence, bool) {
	if s.sip == nil {
		return handlers.SIPPresence{}, false
	}
	an := s.sip.Announced()
	return handlers.SIPPresence{Domain: s.sipDomain(), FQDN: s.serverFQDN(), Host: an.Host, UDP: an.UDP, TCP: an.TCP, TLS: an.TLS}, true
}

// startServiceSettings declares the registrar's and the REST server's settings and starts
// their cache; from then on the web side logs at the REST server's stored level.
func (s *Server) startServiceSettings(dsn string) {
	s.services = models.NewPBXServiceKinds(s.stores.SettingTrees, s.cfg.SIPMinExpires, s.cfg.SIPMaxExpires, s.listenerPorts)
	cache := models.NewServiceSettingsCache(s.stores.SettingTrees, s.services, s.cfg.SIPMinExpires, s.cfg.SIPMaxExpires)
	cache.Listen(dsn, s.log)
	s.serviceSettings = cache
	s.closers = append(s.closers, func(context.Context) error { cache.Close(); return nil })
	s.baseLog = s.log
	s.log = slog.New(liveLevel{inner: s.baseLog.Handler(), level: func() (slog.Level, bool) { return cache.Level(false) }})
}

// sipLogger is the SIP side's logger: at the registrar's stored level, else as configured.
func (s *Server) sipLogger() *slog.Logger {
	base := s.baseLog
	if base == nil {
		base = s.log
	}
	cache := s.serviceSettings
	return slog.New(liveLevel{inner: base.Handler(), level: func() (slog.Level, bool) { return cache.Level(true) }})
}

// listenerPorts are the running listeners' ports, for the read-only settings.
func (s *Server) listenerPorts() (sipUDP, sipTCP, http, https string) {
	port := func(addr string) string {
		if _, p, err := net.SplitHostPort(addr); err == nil {
			return p
		}
		return ""
	}
	if s.sip != nil {
		sipUDP = port(s.sip.Addr())
		if s.sip.Announced().TCP > 0 {
			sipTCP = sipUDP // TCP listens on the UDP address
		}
	}
	return sipUDP, sipTCP, port(s.HTTPAddr()), port(s.HTTPSAddr())
}

// liveLevel logs at a level read at each record (a stored setting, changed at run time);
// without one, as its inner handler decides. Records go to the inner handler as they are.
type liveLevel struct {
	inner slog.Handler
	level func() (slog.Level, bool)
}

func (h liveLevel) Enabled(ctx context.Context, l slog.Level) bool {
	if lv, ok := h.level(); ok {
		return l >= lv
	}
	return h.inner.Enabled(ctx, l)
}

func (h liveLevel) Handle(ctx context.Context, r slog.Record) error { return h.inner.Handle(ctx, r) }

func (h liveLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return liveLevel{inner: h.inner.WithAttrs(as), level: h.level}
}

func (h liveLevel) WithGroup(name string) slog.Handler {
	return liveLevel{inner: h.inner.WithGroup(name), level: h.level}
}
