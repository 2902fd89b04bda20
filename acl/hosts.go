package acl

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// HostList is an account's allowed source hosts: addresses, inclusive CIDRs (a /32 or /128 is
// one address; network and broadcast addresses count), a.b.c.d/netmask forms, and host names
// resolved through a Resolver's short cache.
type HostList struct {
	prefixes []netip.Prefix
	names    []string
}

// ParseHostList reads host entries; each may itself be a comma- or space-separated list (a
// superset of the original single value). It returns the entries it could not read, which
// then match nothing.
func ParseHostList(entries []string) (HostList, []string) {
	var hl HostList
	var bad []string
	for _, e := range entries {
		for _, f := range strings.FieldsFunc(e, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			if p, ok := parseHost(f); ok {
				hl.prefixes = append(hl.prefixes, p)
			} else if validHostName(f) {
				hl.names = append(hl.names, strings.ToLower(strings.TrimSuffix(f, ".")))
			} else {
				bad = append(bad, f)
			}
		}
	}
	return hl, bad
}

// parseHost reads an address, a CIDR or an IPv4 address/netmask as a masked prefix. IPv4-mapped
// forms become plain IPv4, since peers are unmapped before they are compared.
func parseHost(s string) (netip.Prefix, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap().WithZone("")
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	addr, mask, ok := strings.Cut(s, "/")
	if !ok {
		return netip.Prefix{}, false
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.WithZone("")
	if m, err := netip.ParseAddr(mask); err == nil {
		if !m.Is4() || !a.Unmap().Is4() {
			return netip.Prefix{}, false
		}
		b := m.As4()
		ones, bits := net.IPMask(b[:]).Size()
		if bits == 0 { // not a contiguous netmask
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(a.Unmap(), ones).Masked(), true
	}
	p, err := netip.ParsePrefix(a.String() + "/" + mask)
	if err != nil {
		return netip.Prefix{}, false
	}
	if a.Is4In6() { // ::ffff:10.0.0.0/104 is 10.0.0.0/8
		if p.Bits() < 96 {
			return netip.Prefix{}, false
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), true
}

// validHostName accepts RFC 1123 names whose last label is not all digits (so a mistyped
// address such as 999.1.1.1 is refused rather than sent to DNS).
func validHostName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	for _, label := range labels {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// Empty reports whether the list holds no usable entry.
func (h HostList) Empty() bool { return len(h.prefixes) == 0 && len(h.names) == 0 }

// Contains reports whether peer is allowed. The peer is unmapped (::ffff:a.b.c.d is a.b.c.d)
// and stripped of its zone; host names are resolved through r (nil: names match nothing).
func (h HostList) Contains(ctx context.Context, peer netip.Addr, r *Resolver) bool {
	if !peer.IsValid() {
		return false
	}
	peer = peer.Unmap().WithZone("")
	for _, p := range h.prefixes {
		if p.Contains(peer) {
			return true
		}
	}
	if r == nil {
		return false
	}
	for _, n := range h.names {
		for _, a := range r.Lookup(ctx, n) {
			if a == peer {
				return true
			}
		}
	}
	return false
}

// IsLoopback reports whether a peer may use private mode: 127.0.0.0/8, ::1, and the
// IPv4-mapped loopback addresses.
func IsLoopback(a netip.Addr) bool { return a.IsValid() && a.Unmap().IsLoopback() }

// Resolver resolves host names with a short-lived cache, so a name costs at most one DNS
// lookup per TTL however many requests need it, and no request waits longer than Timeout.
type Resolver struct {
	TTL         time.Duration // how long an answer is kept
	NegativeTTL time.Duration // how long a failure is kept
	Timeout     time.Duration // bound of one lookup
	lookup      func(ctx context.Context, host string) ([]netip.Addr, error)

	mu       sync.Mutex
	cache    map[string]resolved
	inflight map[string]chan struct{}
}

type resolved struct {
	addrs []netip.Addr
	until time.Time
}

// maxResolved bounds the cache; names come from account host lists, so it is never reached in
// practice.
const maxResolved = 4096

// NewResolver resolves through the system resolver (lookup nil) or through lookup.
func NewResolver(lookup func(ctx context.Context, host string) ([]netip.Addr, error)) *Resolver {
	if lookup == nil {
		lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	return &Resolver{TTL: 30 * time.Second, NegativeTTL: 5 * time.Second, Timeout: 2 * time.Second,
		lookup: lookup, cache: map[string]resolved{}, inflight: map[string]chan struct{}{}}
}

// Lookup returns the (unmapped) addresses of name; none when it does not resolve in time.
// Concurrent callers of one name share a single lookup, which is not tied to any caller's
// context, so a cancelled request does not poison the cache.
func (r *Resolver) Lookup(ctx context.Context, name string) []netip.Addr {
	r.mu.Lock()
	if c, ok := r.cache[name]; ok && time.Now().Before(c.until) {
		r.mu.Unlock()
		return c.addrs
	}
	wait, busy := r.inflight[name]
	if !busy {
		wait = make(chan struct{})
		r.inflight[name] = wait
		go r.resolve(name, wait)
	}
	r.mu.Unlock()
	select {
	case <-wait:
	case <-ctx.Done():
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cache[name].addrs
}

func (r *Resolver) resolve(name string, done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), r.Timeout)
	addrs, err := r.lookup(ctx, name)
	cancel()
	ttl := r.TTL
	if err != nil || len(addrs) == 0 {
		addrs, ttl = nil, r.NegativeTTL
	}
	out := make([]netip.Addr, len(addrs))
	for i, a := range addrs {
		out[i] = a.Unmap().WithZone("")
	}
	r.mu.Lock()
	if len(r.cache) >= maxResolved {
		clear(r.cache)
	}
	r.cache[name] = resolved{addrs: out, until: time.Now().Add(ttl)}
	delete(r.inflight, name)
	r.mu.Unlock()
	close(done)
}
