// Package dnscheck looks up the DNS records a SIP domain publishes (NAPTR, SRV, A/AAAA), for
// the sipX DNS advisor (sipx-api.md §14).
//
// Every lookup asks the resolver afresh (nothing is cached) within a bound per query; a name
// or type that does not exist is an empty answer, any other failure (SERVFAIL, refusal,
// timeout) an error. SRV and address lookups go through Go's net.Resolver; NAPTR, which
// net.Resolver cannot ask for, through a plain query to the same resolver.
//
// It imports no other pbxws package.
package dnscheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// QueryTimeout bounds each query.
const QueryTimeout = 2 * time.Second

// NAPTR is a NAPTR record (RFC 3403) as the advisor compares it.
type NAPTR struct {
	Order, Preference   uint16
	Flags, Service      string
	Regexp, Replacement string
}

// SRV is a SRV record (RFC 2782).
type SRV struct {
	Priority, Weight, Port uint16
	Target                 string
}

// Resolver asks one DNS server, or the system's when none is given.
type Resolver struct {
	// server is host:port, or "" for the first name server of /etc/resolv.conf.
	server string
	net    *net.Resolver
}

// New is a Resolver asking server (an address:port; "" for the system's resolver).
func New(server string) *Resolver {
	r := &Resolver{server: server, net: &net.Resolver{PreferGo: true}}
	if server != "" {
		r.net.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		}
	}
	return r
}

// SRV is the SRV records of name (e.g. "_sip._udp.example.com.").
func (r *Resolver) SRV(ctx context.Context, name string) ([]SRV, error) {
	ctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	_, recs, err := r.net.LookupSRV(ctx, "", "", dns.Fqdn(name))
	if err = r.absent(err); err != nil {
		return nil, err
	}
	out := make([]SRV, len(recs))
	for i, s := range recs {
		out[i] = SRV{Priority: s.Priority, Weight: s.Weight, Port: s.Port, Target: s.Target}
	}
	return out, nil
}

// Addrs is the A and AAAA addresses of name.
func (r *Resolver) Addrs(ctx context.Context, name string) ([]netip.Addr, error) {
	ctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	addrs, err := r.net.LookupNetIP(ctx, "ip", dns.Fqdn(name))
	if err = r.absent(err); err != nil {
		return nil, err
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	return addrs, nil
}

// NAPTR is the NAPTR records of name.
func (r *Resolver) NAPTR(ctx context.Context, name string) ([]NAPTR, error) {
	ctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	server, err := r.serverAddr()
	if err != nil {
		return nil, err
	}
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), dns.TypeNAPTR)
	q.RecursionDesired = true
	c := &dns.Client{Net: "udp", Timeout: QueryTimeout}
	in, _, err := c.ExchangeContext(ctx, q, server)
	if err == nil && in.Truncated {
		c.Net = "tcp"
		in, _, err = c.ExchangeContext(ctx, q, server)
	}
	if err != nil {
		return nil, fmt.Errorf("lookup %s NAPTR on %s: %w", q.Question[0].Name, server, err)
	}
	switch in.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return nil, nil
	default:
		return nil, fmt.Errorf("lookup %s NAPTR on %s: the server answered %s", q.Question[0].Name, server, dns.RcodeToString[in.Rcode])
	}
	var out []NAPTR
	for _, rr := range in.Answer {
		if n, ok := rr.(*dns.NAPTR); ok {
			out = append(out, NAPTR{Order: n.Order, Preference: n.Preference, Flags: n.Flags, Service: n.Service,
				Regexp: n.Regexp, Replacement: n.Replacement})
		}
	}
	return out, nil
}

// serverAddr is the server NAPTR queries go to: the configured one, else the system's first.
func (r *Resolver) serverAddr() (string, error) {
	if r.server != "" {
		return r.server, nil
	}
	conf, err := dns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil || len(conf.Servers) == 0 {
		return "", errors.New("no DNS server: /etc/resolv.conf names none, and no resolver is configured")
	}
	return net.JoinHostPort(conf.Servers[0], conf.Port), nil
}

// absent turns "no such name" and "no record of that type" into no error; another error
// names the server really asked (net.Resolver names the system's even when Dial goes
// elsewhere).
func (r *Resolver) absent(err error) error {
	var de *net.DNSError
	if errors.As(err, &de) {
		if de.IsNotFound {
			return nil
		}
		if r.server != "" {
			de.Server = r.server
		}
	}
	return err
}

// SameName compares two domain names, ignoring case and a final dot.
func SameName(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}
