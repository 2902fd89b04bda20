package acl

import (
	"net/netip"
	"strings"
)

// maxForwardedHops bounds how many X-Forwarded-For entries are read.
const maxForwardedHops = 32

// Proxies are the trusted reverse proxies: only their X-Forwarded-For and X-Forwarded-Proto
// headers are believed.
type Proxies []netip.Prefix

// ParseProxies reads addresses and CIDRs ("127.0.0.1", "10.0.0.0/8", "::1").
func ParseProxies(list []string) (Proxies, error) {
	var out Proxies
	for _, h := range list {
		p, err := ParsePrefixOrAddr(h)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ParsePrefixOrAddr reads a CIDR or a single address (as a /32 or /128).
func ParsePrefixOrAddr(h string) (netip.Prefix, error) {
	if strings.Contains(h, "/") {
		p, err := netip.ParsePrefix(h)
		if err != nil {
			return netip.Prefix{}, err
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(h)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Trusts reports whether a is one of the proxies.
func (ps Proxies) Trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddr is the address a request comes from. tcpPeer is the TCP peer; forwarded are the
// X-Forwarded-For header values in the order received. When the TCP peer is not a trusted
// proxy, it is the client, whatever the headers say. Otherwise the client is the rightmost
// forwarded address that is not a trusted proxy: each proxy appends the address it received
// the request from, so everything left of the first untrusted hop was written by the client
// and proves nothing. When every hop is a trusted proxy, the leftmost one is the client.
//
// ok is false when the chain cannot be read (an entry that is not an address, or too many
// hops): the client is then unknown, which is never loopback and never a listed host.
func (ps Proxies) ClientAddr(tcpPeer netip.Addr, forwarded []string) (netip.Addr, bool) {
	tcpPeer = tcpPeer.Unmap()
	if len(ps) == 0 || !ps.Trusts(tcpPeer) {
		return tcpPeer, true
	}
	var hops []string
	for _, v := range forwarded {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
			if len(hops) > maxForwardedHops {
				return netip.Addr{}, false
			}
		}
	}
	client := tcpPeer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			return netip.Addr{}, false
		}
		client = a
		if !ps.Trusts(a) {
			return a, true
		}
	}
	return client, true
}

// parseHop reads one X-Forwarded-For entry: an address, optionally with a port
// ("192.0.2.1:4711", "[2001:db8::1]:4711"). Zones and names are refused.
func parseHop(h string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(h); err == nil {
		if a.Zone() != "" {
			return netip.Addr{}, false
		}
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(h); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}
