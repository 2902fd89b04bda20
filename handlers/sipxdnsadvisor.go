package handlers

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"pbxws/dnscheck"
)

// The sipX DNS advisor, /api/dns/advisor/server/{server} (sipx-api.md §14): the records the
// SIP domain needs so that phones find this server (RFC 3263: NAPTR to SRV to A/AAAA), looked
// up afresh, the missing ones printed as zone-file lines.

// dnsAdvisorBudget bounds a whole advice (each query has its own, shorter bound).
const dnsAdvisorBudget = 10 * time.Second

// SIPPresence is what the advisor checks: the SIP domain, the server's FQDN, and the
// host and ports the SIP agent announces (a port 0 is a transport that is off).
type SIPPresence struct {
	Domain, FQDN  string
	Host          string
	UDP, TCP, TLS int
}

// DNSLookup answers the advisor's questions; a name or type that does not exist is an
// empty answer, not an error.
type DNSLookup interface {
	NAPTR(ctx context.Context, name string) ([]dnscheck.NAPTR, error)
	SRV(ctx context.Context, name string) ([]dnscheck.SRV, error)
	Addrs(ctx context.Context, name string) ([]netip.Addr, error)
}

// DNSAdvisor is the advisor of server; presence says what to check (false: SIP is off).
func DNSAdvisor(server APIServer, presence func() (SIPPresence, bool), look DNSLookup) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			if !server.matches(r.PathParams["server"]) {
				return Result{}, &APIError{Status: http.StatusNotFound, Msg: "Server not found"}
			}
			p, ok := presence()
			if !ok {
				return Result{}, &ErrNotServed{Why: "not available in pbxws: the DNS advisor needs the SIP listener, and SIP is off"}
			}
			ctx, cancel := context.WithTimeout(ctx, dnsAdvisorBudget)
			defer cancel()
			advice, err := adviseDNS(ctx, p, look)
			if err != nil {
				return Result{}, &APIError{Status: http.StatusBadGateway, Msg: "DNS lookup failed: " + err.Error()}
			}
			return Result{JSON: advice}, nil
		},
	}}
}

// sipTransport is one transport's records: the NAPTR service and the SRV name prefix.
type sipTransport struct {
	service, srv string
	port         int
}

// transports are the transports p serves, in NAPTR order.
func (p SIPPresence) transports() []sipTransport {
	var ts []sipTransport
	for _, t := range []sipTransport{{"SIP+D2U", "_sip._udp", p.UDP}, {"SIP+D2T", "_sip._tcp", p.TCP}, {"SIPS+D2T", "_sips._tcp", p.TLS}} {
		if t.port > 0 {
			ts = append(ts, t)
		}
	}
	return ts
}

// dnsAdvice is the advisor's text/plain answer: the missing records by kind, "" when none.
type dnsAdvice struct{ naptr, srv, addr []string }

func (d dnsAdvice) Render(string) ([]byte, string) {
	var b bytes.Buffer
	for _, part := range []struct {
		kind  string
		lines []string
	}{{"naptr", d.naptr}, {"srv", d.srv}, {"a", d.addr}} {
		if len(part.lines) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(";; Missing " + part.kind + " records\n")
		for _, l := range part.lines {
			b.WriteString(l + "\n")
		}
	}
	return b.Bytes(), "text/plain; charset=utf-8"
}

// adviseDNS looks up every record p needs and keeps those missing. A domain or FQDN that is
// an address needs none (RFC 3263 §4.2: a numeric host is used as it is).
func adviseDNS(ctx context.Context, p SIPPresence, look DNSLookup) (dnsAdvice, error) {
	var d dnsAdvice
	if _, err := netip.ParseAddr(p.Domain); err == nil || p.Domain == "" {
		return d, nil
	}
	domain := p.Domain + "."
	fqdn := p.FQDN + "."
	naptrs, err := look.NAPTR(ctx, domain)
	if err != nil {
		return d, err
	}
	for i, t := range p.transports() {
		want := t.srv + "." + domain
		if !slices.ContainsFunc(naptrs, func(n dnscheck.NAPTR) bool {
			return strings.EqualFold(n.Service, t.service) && strings.EqualFold(n.Flags, "s") && dnscheck.SameName(n.Replacement, want)
		}) {
			d.naptr = append(d.naptr, fmt.Sprintf(`%s IN NAPTR %d 0 "s" "%s" "" %s`, domain, i+1, t.service, t.srv))
		}
		srvs, err := look.SRV(ctx, want)
		if err != nil {
			return d, err
		}
		if !slices.ContainsFunc(srvs, func(s dnscheck.SRV) bool {
			return int(s.Port) == t.port && dnscheck.SameName(s.Target, fqdn)
		}) {
			d.srv = append(d.srv, want+" IN SRV 30 10 "+strconv.Itoa(t.port)+" "+fqdn)
		}
	}
	host, err := netip.ParseAddr(p.Host)
	if _, fqdnIsAddr := netip.ParseAddr(p.FQDN); err != nil || host.IsUnspecified() || fqdnIsAddr == nil {
		return d, nil // a name, or every address: no A/AAAA record to state
	}
	host = host.Unmap()
	addrs, err := look.Addrs(ctx, fqdn)
	if err != nil {
		return d, err
	}
	if !slices.Contains(addrs, host) {
		kind := "A"
		if host.Is6() {
			kind = "AAAA"
		}
		d.addr = append(d.addr, fqdn+" IN "+kind+" "+host.String())
	}
	return d, nil
}
