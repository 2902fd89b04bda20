package models

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// The network rules of the host configuration: IPv4 addresses written as dotted quads,
// netmasks as a prefix length or a dotted mask, host names as RFC 1123 names.

const (
	ruleIPv4      = "must be an IPv4 address such as 192.168.1.10"
	ruleNetmask   = "must be a netmask: a prefix length 0-32 or a dotted mask such as 255.255.255.0"
	ruleHostname  = "must be a host name (labels of A-Z, a-z, 0-9 and -, separated by dots, at most 253 characters)"
	ruleHostLabel = "must be a host name without dots (1-63 characters of A-Z, a-z, 0-9 and -, not starting or ending with -)"
	ruleHost      = "must be an IPv4 address or a host name"
	ruleEmail     = "must be an e-mail address such as user@example.com"
)

// ParseIPv4 reads a dotted-quad IPv4 address (no IPv6, no leading zeros, no zone).
func ParseIPv4(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, false
	}
	return a, true
}

// ParseNetmask reads an IPv4 netmask written as a prefix length (0 to 32, optionally after a
// "/") or as a dotted mask of contiguous ones, and returns its length and dotted form.
func ParseNetmask(s string) (bits int, dotted string, ok bool) {
	t := strings.TrimPrefix(s, "/")
	if t != "" && len(t) <= 2 && strings.Trim(t, "0123456789") == "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 || n > 32 {
			return 0, "", false
		}
		return n, maskText(n), true
	}
	a, ok := ParseIPv4(s)
	if !ok {
		return 0, "", false
	}
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for n < 32 && v&(1<<(31-n)) != 0 {
		n++
	}
	if n < 32 && v<<n != 0 {
		return 0, "", false // ones not contiguous
	}
	return n, maskText(n), true
}

func maskText(bits int) string {
	var v uint32
	if bits > 0 {
		v = ^uint32(0) << (32 - bits)
	}
	return fmt.Sprintf("%d.%d.%d.%d", v>>24, v>>16&0xff, v>>8&0xff, v&0xff)
}

// ipv4Net is the network of address/netmask, both already valid.
func ipv4Net(address, netmask string) (netip.Prefix, bool) {
	a, ok := ParseIPv4(address)
	if !ok {
		return netip.Prefix{}, false
	}
	bits, _, ok := ParseNetmask(netmask)
	if !ok {
		return netip.Prefix{}, false
	}
	p, err := a.Prefix(bits)
	return p, err == nil
}

// broadcast is the last address of an IPv4 prefix.
func broadcast(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	if p.Bits() < 32 {
		v |= ^uint32(0) >> p.Bits()
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// hostInNet says whether a lies in p as a host: inside, and (for networks of more than two
// addresses) neither the network nor the broadcast address.
func hostInNet(p netip.Prefix, a netip.Addr) bool {
	if !p.Contains(a) {
		return false
	}
	if p.Bits() >= 31 {
		return true
	}
	return a != p.Addr() && a != broadcast(p)
}

var reHostLabel = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// ValidHostLabel reports whether s is one label of a host name.
func ValidHostLabel(s string) bool { return reHostLabel.MatchString(s) }

// ValidHostname reports whether s is an RFC 1123 host name (a trailing dot is not allowed,
// nor is an all-numeric last label, which would read as an address).
func ValidHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if !ValidHostLabel(l) {
			return false
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// validHost reports whether s is an IPv4 address or a host name.
func validHost(s string) bool {
	_, ok := ParseIPv4(s)
	return ok || ValidHostname(s)
}

var reMailLocal = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+/=?^_{|}~.-]{1,64}$`)

// ValidEmail reports whether s is local@domain with a host name domain.
func ValidEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && reMailLocal.MatchString(local) && ValidHostname(domain)
}

// validRelayHost reports whether s is how Postfix names a relay: a host name or IPv4
// address, optionally in brackets (no MX lookup), optionally followed by :port.
func validRelayHost(s string) bool {
	host := s
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		port, err := strconv.Atoi(s[i+1:])
		if err != nil || port < 1 || port > 65535 || strings.HasPrefix(s[i+1:], "+") {
			return false
		}
		host = s[:i]
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	return validHost(host)
}
