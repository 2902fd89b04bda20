package sip

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emiago/sipgo/sip"

	"pbxws/metrics"
	"pbxws/models"
)

// Registration bounds, in seconds (defaults of Config.MinExpires and MaxExpires), and the life
// of the SIP Digest nonces.
const (
	regDefault = 3600
	regMin     = 60
	regMax     = 3600
	nonceLife  = 5 * time.Minute
)

// onRegister is the registrar for the SIP lines pbxws knows: the To user names a line (by name
// or number), the request is Digest-authenticated against the line's secret, and the contacts
// are stored in `registrations` with their expiry. An unknown user is challenged like a known
// one (and refused only once it answered), so that the registrar does not list the lines.
func (a *Agent) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	if !a.cfg.Registrar {
		metrics.Registrations.WithLabelValues("refused").Inc()
		a.notAllowed(tx, req)
		return
	}
	to := req.To()
	if to == nil || !a.isLocal(to.Address.Host) {
		a.respond(tx, req, 403, "Forbidden")
		return
	}
	user := to.Address.User
	if err := checkToken(callID(req), 1024); err != nil {
		a.respond(tx, req, 400, "Bad Call-ID")
		return
	}
	ctx, cancel := context.WithTimeout(a.ctx, 5*time.Second)
	defer cancel()
	var line *models.SIPLine
	if user != "" && checkToken(user, 64) == nil {
		l, err := a.dir.LookupLine(ctx, user)
		switch {
		case err == nil:
			line = l
		case !errors.Is(err, models.ErrNotFound):
			a.log.Error("registrar lookup", "user", clip(user, 64), "err", err)
			a.respond(tx, req, 500, "Server Internal Error")
			return
		}
	}
	if !a.requireDigest(ctx, req, tx, user, line, false) {
		metrics.Registrations.WithLabelValues("challenged").Inc()
		return
	}
	code, reason, hdrs := a.saveBindings(ctx, req, user, to.Address.Host)
	a.log.Debug("REGISTER", "user", clip(user, 64), "source", req.Source(), "status", code)
	result := "refused"
	if code >= 200 && code < 300 {
		result = "ok"
	}
	metrics.Registrations.WithLabelValues(result).Inc()
	a.respond(tx, req, code, reason, hdrs...)
}

// checkToken accepts a header value of printable ASCII without spaces (a Call-ID, a user part)
// of at most n bytes.
func checkToken(s string, n int) error {
	if s == "" || len(s) > n {
		return errors.New("empty or too long")
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= 0x20 || s[i] >= 0x7f {
			return errors.New("not printable ASCII")
		}
	}
	return nil
}

// cleanText makes free header text fit to store: valid UTF-8, no control characters, at most
// n bytes cut at a character boundary.
func cleanText(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 || r == 0x7f {
			r = '?'
		}
		if b.Len()+utf8.RuneLen(r) > n {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// parseExpires reads a delta-seconds value (RFC 3261 §25.1: digits; values past 2^32-1 mean
// 2^32-1).
func parseExpires(v string) (int, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	n := uint64(0)
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
		if n < 1<<32 {
			n = n*10 + uint64(v[i]-'0')
		}
	}
	return int(min(n, 1<<32-1)), true
}

// wantsNAT reports whether the phone asked to be reached where its REGISTER came from: rport
// in its Via (RFC 3581) or ;ob in the Contact (RFC 5626 §5.4).
func wantsNAT(req *sip.Request, c *sip.ContactHeader) bool {
	if v := req.Via(); v != nil && v.Params.Has("rport") {
		return true
	}
	return c.Address.UriParams.Has("ob") || c.Params.Has("ob")
}

// checkContact accepts a contact fit to store and to send INVITEs to: a sip: or sips: URI with
// a host, printable, at most 512 bytes.
func checkContact(c *sip.ContactHeader) (string, error) {
	u := c.Address
	if !strings.EqualFold(u.Scheme, "sip") && !strings.EqualFold(u.Scheme, "sips") || u.Host == "" {
		return "", errors.New("not a sip: URI with a host")
	}
	s := u.String()
	if len(s) > 512 || !utf8.ValidString(s) {
		return "", errors.New("too long or not UTF-8")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "", errors.New("control character")
		}
	}
	var back sip.Uri
	if err := sip.ParseUri(s, &back); err != nil {
		return "", err
	}
	// What is stored is where INVITEs go: the host must read back as a host name or address.
	if h := strings.Trim(back.Host, "[]"); h != u.Host && back.Host != u.Host || !validHost(h) {
		return "", errors.New("not a usable host")
	}
	return s, nil
}

// validHost accepts a DNS name or an IP address.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	return checkHostName(h) == nil
}

// maxContacts bounds the Contacts of one REGISTER and the bindings kept per line (the oldest
// go first).
const maxContacts = 10

// bindingUpdate is one Contact of a REGISTER, checked.
type bindingUpdate struct {
	all      bool   // the wildcard: remove every binding
	contact  string // the contact URI as stored
	expires  int    // seconds granted, 0 to remove
	received string // "sip:host:port" when the phone asked for NAT handling, else ""
}

// bindingLimits are the registrar's Expires rules: natMin and natMax bound the contacts
// behind NAT.
type bindingLimits struct {
	def, min, max, natMin, natMax int
}

// behindNAT says whether a contact is behind NAT: its REGISTER came from another address or
// port than the contact's (a contact named by a host name cannot tell).
func behindNAT(req *sip.Request, c *sip.ContactHeader) bool {
	src, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return false
	}
	host, err := netip.ParseAddr(strings.Trim(c.Address.Host, "[]"))
	if err != nil {
		return false
	}
	port := c.Address.Port
	if port == 0 {
		port = 5060
		if strings.EqualFold(c.Address.Scheme, "sips") {
			port = 5061
		}
	}
	return host.Unmap() != src.Addr().Unmap() || port != int(src.Port())
}

// parseBindings checks every Contact and Expires of a REGISTER (RFC 3261 §10.3 steps 6-7)
// before anything is stored: a bad one refuses the whole request. code is 0 when the updates
// may be applied, else the answer (with its headers).
func parseBindings(req *sip.Request, lim bindingLimits) (ups []bindingUpdate, code int, reason string, hdrs []sip.Header) {
	defExp, given := lim.def, false
	if h := req.GetHeader("Expires"); h != nil {
		n, ok := parseExpires(h.Value())
		if !ok {
			return nil, 400, "Bad Expires", nil
		}
		defExp, given = n, true
	}
	contacts := req.GetHeaders("Contact")
	if len(contacts) > maxContacts {
		return nil, 400, "Too Many Contacts", nil
	}
	for _, h := range contacts {
		c, ok := h.(*sip.ContactHeader)
		if !ok {
			return nil, 400, "Bad Contact", nil
		}
		if c.Address.Wildcard {
			if defExp != 0 || len(contacts) != 1 {
				return nil, 400, "Bad Wildcard Contact", nil
			}
			ups = append(ups, bindingUpdate{all: true})
			continue
		}
		lo, hi := lim.min, lim.max
		if behindNAT(req, c) {
			lo, hi = lim.natMin, lim.natMax
		}
		exp := defExp
		if !given {
			exp = min(defExp, hi)
		}
		if v, ok := c.Params.Get("expires"); ok {
			n, ok := parseExpires(v)
			if !ok {
				return nil, 400, "Bad Contact Expires", nil
			}
			exp = n
		}
		uri, err := checkContact(c)
		if err != nil {
			return nil, 400, "Bad Contact", nil
		}
		if exp > 0 && exp < lo {
			return nil, 423, "Interval Too Brief", []sip.Header{sip.NewHeader("Min-Expires", strconv.Itoa(lo))}
		}
		u := bindingUpdate{contact: uri, expires: min(exp, hi)}
		if src := req.Source(); src != "" && exp > 0 && wantsNAT(req, c) {
			u.received = "sip:" + src
		}
		ups = append(ups, u)
	}
	return ups, 0, "", nil
}

// bindingLimits are the Expires rules in force: the stored settings when the agent has
// them, else the configured bounds.
func (a *Agent) bindingLimits(ctx context.Context) bindingLimits {
	lim := bindingLimits{def: regDefault, min: a.cfg.MinExpires, max: a.cfg.MaxExpires, natMin: a.cfg.MinExpires, natMax: a.cfg.MaxExpires}
	if a.cfg.Bounds == nil {
		return lim
	}
	b, err := a.cfg.Bounds(ctx)
	if err != nil {
		a.log.Warn("registrar: reading the registration bounds; the configured ones apply", "err", err)
		return lim
	}
	// A stored bound that makes no sense (it cannot be written so) falls back as well.
	if b.Min >= 0 && b.Max >= max(b.Min, 1) {
		lim.min, lim.max = b.Min, b.Max
	}
	if b.NATMin >= 0 && b.NATMax >= max(b.NATMin, 1) {
		lim.natMin, lim.natMax = b.NATMin, b.NATMax
	}
	return lim
}

// saveBindings applies the Contact headers of an authenticated REGISTER and returns the answer.
func (a *Agent) saveBindings(ctx context.Context, req *sip.Request, user, domain string) (int, string, []sip.Header) {
	ups, code, reason, hdrs := parseBindings(req, a.bindingLimits(ctx))
	if code != 0 {
		return code, reason, hdrs
	}
	callID, cseq := callID(req), 0
	if c := req.CSeq(); c != nil {
		cseq = int(c.SeqNo)
	}
	ua := ""
	if h := req.GetHeader("User-Agent"); h != nil {
		ua = cleanText(h.Value(), 255)
	}
	socket := strings.ToLower(req.Transport()) + ":" + a.Addr()
	updates := make([]models.BindingUpdate, len(ups))
	for i, u := range ups {
		updates[i] = models.BindingUpdate{All: u.all, Contact: u.contact, Received: u.received, ExpiresIn: u.expires}
	}
	bindings, err := a.registrations.Apply(ctx, user, domain, updates,
		models.BindingSource{CallID: cleanText(callID, 255), CSeq: cseq, UserAgent: ua, Socket: socket}, maxContacts)
	if err != nil {
		a.log.Error("registrar: storing the bindings", "user", clip(user, 64), "err", err)
		return 500, "Server Internal Error", nil
	}
	hdrs = nil
	for _, b := range bindings {
		hdrs = append(hdrs, sip.NewHeader("Contact", "<"+b.Contact+">;expires="+strconv.Itoa(b.ExpiresIn)))
	}
	hdrs = append(hdrs, sip.NewHeader("Date", time.Now().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")))
	return 200, "OK", hdrs
}
