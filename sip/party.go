// Package sip is pbxws's SIP user agent: the click-to-call controller (REFER mode, third-party
// call control in INVITE mode, transfer), its call records, and a small registrar for the lines
// pbxws knows. It is built on sipgo; one user agent serves both the client and the server side
// so that in-dialog requests (NOTIFY, BYE, re-INVITE) reach our handlers.
package sip

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// PartyError says why a party (caller, callee, transfer target) cannot go into a SIP message.
type PartyError struct {
	Party  string
	Reason string
}

func (e *PartyError) Error() string { return fmt.Sprintf("bad SIP party %q: %s", e.Party, e.Reason) }

// maxPartyLen bounds a party string: longer ones are refused, never truncated.
const maxPartyLen = 256

// NormalizeParty turns a party as given over HTTP into "<user>@<host>" ready for a SIP URI:
// a "sip:" prefix is dropped, and a party without "@" gets "@<domain>" appended. Only what is
// safe inside a URI and a header is accepted: the user part takes letters, digits and
// - _ . ! ~ * ' + # (what user names and dialable numbers need); the host is a DNS name, an
// IPv4 address or a bracketed IPv6 address, with an optional port. Everything else (CR, LF,
// spaces, quotes, < > ; ? & = , and so on) is refused, so nothing an HTTP client sends can add
// a header or a URI parameter to our messages.
func NormalizeParty(party, domain string) (string, error) {
	p := party
	if len(p) > maxPartyLen {
		return "", &PartyError{party, "longer than 256 characters"}
	}
	if len(p) >= 4 && strings.EqualFold(p[:4], "sip:") {
		p = p[4:]
	}
	user, host, hasHost := strings.Cut(p, "@")
	if !hasHost {
		host = domain
	}
	if err := checkUser(user); err != nil {
		return "", &PartyError{party, err.Error()}
	}
	if err := checkHostPort(host); err != nil {
		return "", &PartyError{party, err.Error()}
	}
	return user + "@" + host, nil
}

func checkUser(user string) error {
	if user == "" {
		return errors.New("the user part is empty")
	}
	for i := 0; i < len(user); i++ {
		if !userChar(user[i]) {
			return fmt.Errorf("character %q is not allowed in the user part", user[i])
		}
	}
	return nil
}

func userChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-_.!~*'+#", c) >= 0
}

// checkHostPort accepts host, host:port, v4, v4:port, [v6] and [v6]:port.
func checkHostPort(hp string) error {
	if hp == "" {
		return errors.New("the host part is empty")
	}
	host, port := hp, ""
	if strings.HasPrefix(hp, "[") {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return errors.New("unterminated IPv6 address")
		}
		host, port = hp[1:end], hp[end+1:]
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() || a.Zone() != "" {
			return errors.New("not an IPv6 address")
		}
		if port != "" {
			if port[0] != ':' {
				return errors.New("garbage after the IPv6 address")
			}
			port = port[1:]
			return checkPort(port)
		}
		return nil
	}
	if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		host, port = hp[:i], hp[i+1:]
		if err := checkPort(port); err != nil {
			return err
		}
	}
	return checkHostName(host)
}

func checkPort(p string) error {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 || strings.HasPrefix(p, "+") {
		return fmt.Errorf("bad port %q", p)
	}
	return nil
}

// checkHostName accepts DNS names (labels of letters, digits and inner hyphens) and IPv4.
func checkHostName(h string) error {
	if len(h) == 0 || len(h) > 253 {
		return errors.New("bad host length")
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("bad host %q", h)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("character %q is not allowed in a host name", c)
			}
		}
	}
	return nil
}

// CheckConfPin accepts a conference PIN: 1 to 32 digits.
func CheckConfPin(pin string) error {
	if pin == "" || len(pin) > 32 {
		return errors.New("confpin must be 1 to 32 digits")
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return errors.New("confpin must be 1 to 32 digits")
		}
	}
	return nil
}

// CheckHeaderText accepts free text for a header value (the Subject): printable UTF-8 with no
// control character, at most 256 bytes.
func CheckHeaderText(s string) error {
	if len(s) > 256 {
		return errors.New("longer than 256 bytes")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return errors.New("control characters are not allowed")
		}
	}
	return nil
}

// splitAddr splits "user@host" as NormalizeParty returns it.
func splitAddr(addr string) (user, host string) {
	user, host, _ = strings.Cut(addr, "@")
	return user, host
}
