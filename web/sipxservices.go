package web

import (
	"pbxws/handlers"
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
