package sip

// Config is the SIP side of pbxws's configuration: where the user agent listens,
// what it advertises, and how it reaches parties. It is a section of web.Config.
type Config struct {
	// Listen is the UDP and TCP listen address of the SIP user agent ("" disables SIP).
	Listen string
	// Advertise is the host[:port] put in Via/Contact; defaults to Listen.
	Advertise string
	// Domain is the SIP domain appended to bare party names.
	Domain string
	// OutboundProxy, when set, receives every INVITE (sip:host:port).
	OutboundProxy string
}
