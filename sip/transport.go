package sip

import (
	"errors"
	"net"
	"strings"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// errNoTransport: a target asks for a transport this pbxws does not serve.
var errNoTransport = errors.New("transport not served")

// transportOf is the transport a request to u uses (RFC 3261 §18.1.1, §26.2): TLS for sips:,
// else the transport parameter, else UDP. Unknown names come back as they are, upper-cased.
func transportOf(u sip.Uri) string {
	tp := "UDP"
	if v, ok := u.UriParams.Get("transport"); ok && v != "" {
		tp = strings.ToUpper(v)
	}
	if strings.EqualFold(u.Scheme, "sips") && tp != "WSS" {
		tp = "TLS"
	}
	return tp
}

// dialogUA is the dialog UA (Via, Contact and client) of transport tp.
func (a *Agent) dialogUA(tp string) (*sipgo.DialogUA, error) {
	if d := a.duas[tp]; d != nil {
		return d, nil
	}
	return nil, errNoTransport
}

// bindLocal makes req leave over transport tp: over UDP from the listening socket (so that
// answers come back to it, and the phone sees the address it registered with), over TCP and
// TLS over an existing connection to the destination or a new one from an ephemeral port.
func (a *Agent) bindLocal(req *sip.Request, tp string) {
	req.SetTransport(tp)
	if tp == "UDP" {
		b := a.udp.LocalAddr().(*net.UDPAddr)
		req.Laddr = sip.Addr{IP: append(net.IP(nil), b.IP...), Port: b.Port, Hostname: b.IP.String()}
		return
	}
	req.Laddr = sip.Addr{}
}

// bindOption is bindLocal as a client request option, after sipgo's own building.
func (a *Agent) bindOption(tp string) sipgo.ClientRequestOption {
	return func(_ *sipgo.Client, req *sip.Request) error {
		a.bindLocal(req, tp)
		return nil
	}
}
