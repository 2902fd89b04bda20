package acl

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// HostList is an account's allowed source hosts: addresses, inclusive CIDRs (a /32 or /128
// is one address; network and broadcast addresses count), a.b.c.d/netmask forms, and host
// names resolved through a short cache.
type HostList struct {
	prefixes []netip.Prefix
	names    []string
}

// ParseHostList reads host entries; each may itself be a comma- or space-separated list.
// It returns the entries it could not read.
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

// parseHost reads an address, a CIDR or an IPv4 address/netmask as a prefix.
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
	a = a.Unmap().WithZone("")
	if m, err := netip.ParseAddr(mask); err == nil && m.Is4() && a.Is4() {
		b := m.As4()
		ones, bits := net.IPMask(b[:]).Size()
		if bits == 0 { // not a contiguous mask
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(a, ones).Masked(), true
	}
	p, err := netip.ParsePrefix(a.String() + "/" + mask)
	if err != nil {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

func validHostName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Empty reports whether the list allows nothing (no entries at all).
func (h HostList) Empty() bool { return len(h.prefixes) == 0 && len(h.names) == 0 }

// Contains reports whether peer is allowed; host names are resolved through r.
func (h HostList) Contains(ctx context.Context, peer netip.Addr, r *Resolver) bool {
	peer = peer.Unmap().WithZone("")
	for _, p := range h.prefixes {
		if p.Contains(peer) {
			return true
		}
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

// IsLoopback reports whether a peer may use private mode: 127.0.0.0/8, ::1, and their
// IPv4-mapped forms.
func IsLoopback(a netip.Addr) bool { return a.IsValid() && a.Unmap().IsLoopback() }

// Resolver resolves host names with a short-lived cache, so no request waits on DNS more
// than once per TTL per name.
type Resolver struct {
	TTL     time.Duration
	Timeout time.Duration
	lookup  func(ctx context.Context, host string) ([]netip.Addr, error)

	mu    sync.Mutex
	cache map[string]resolved
}

type resolved struct {
	addrs []netip.Addr
	until time.Time
}

// NewResolver resolves through the system resolver (lookup nil) or through lookup.
func NewResolver(lookup func(ctx context.Context, host string) ([]netip.Addr, error)) *Resolver {
	if lookup == nil {
		lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	return &Resolver{TTL: 30 * time.Second, Timeout: 2 * time.Second, lookup: lookup, cache: map[string]resolved{}}
}

// Lookup returns the addresses of name (none when it does not resolve).
func (r *Resolver) Lookup(ctx context.Context, name string) []netip.Addr {
	now := time.Now()
	r.mu.Lock()
	if c, ok := r.cache[name]; ok && now.Before(c.until) {
		r.mu.Unlock()
		return c.addrs
	}
	r.mu.Unlock()
	lctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	addrs, err := r.lookup(lctx, name)
	if err != nil {
		addrs = nil
	}
	for i := range addrs {
		addrs[i] = addrs[i].Unmap().WithZone("")
	}
	r.mu.Lock()
	if len(r.cache) > 4096 {
		r.cache = map[string]resolved{}
	}
	r.cache[name] = resolved{addrs: addrs, until: now.Add(r.TTL)}
	r.mu.Unlock()
	return addrs
}
