package handlers

import (
	"bytes"
	"context"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"pbxws/models"
)

// APIServer is this pbxws as a sipX server (sipx-api.md §2.6): its id and FQDN.
type APIServer struct {
	ID   int
	FQDN func() string
}

// matches says whether {server} names this server (its id or FQDN, any case).
func (s APIServer) matches(x string) bool {
	if n, err := strconv.Atoi(x); err == nil {
		return n == s.ID
	}
	return s.FQDN != nil && strings.EqualFold(x, s.FQDN())
}

// Registrations is /api/registrations[/{by}/{x}] (sipx-api.md §5): GET lists the live
// bindings the path selects, DELETE removes every binding it selects (expired ones too).
func Registrations(st *models.Stores, server APIServer) *Resource {
	list := func(ctx context.Context, r *Request, expired bool) ([]models.LiveBinding, error) {
		by, x := strings.ToLower(r.PathParams["by"]), r.PathParams["x"]
		var f models.BindingFilter
		f.Expired = expired
		var keep func(*models.LiveBinding) bool
		switch by {
		case "":
		case "user", "group":
			var names []string
			var err error
			if by == "user" {
				names, err = st.Registrations.UserSIPNames(ctx, x)
			} else {
				names, err = st.Registrations.GroupSIPNames(ctx, x)
			}
			if err == models.ErrNotFound {
				msg := "User  not found" // sipX's words, two spaces and all
				if by == "group" {
					msg = "Group not found"
				}
				return nil, &APIError{Status: http.StatusNotFound, Msg: msg}
			}
			if err != nil {
				return nil, err
			}
			f.UserNames = names
		case "serialno":
			mac, ok := models.NormalizeMAC(x)
			found := false
			if ok {
				var err error
				if found, err = st.Registrations.PhoneExists(ctx, mac); err != nil {
					return nil, err
				}
			}
			if !found {
				return nil, &APIError{Status: http.StatusNotFound, Msg: "Phone not found"}
			}
			want := strings.ReplaceAll(mac, ":", "")
			keep = func(b *models.LiveBinding) bool { return instrument(b) == want }
		case "ip":
			want := normalHost(x)
			keep = func(b *models.LiveBinding) bool {
				return want != "" && (uriHost(b.Contact) == want || (b.Received != "" && uriHost(b.Received) == want))
			}
		case "callid":
			if x == "" {
				return nil, &APIError{Status: http.StatusNotFound, Msg: "no such resource"}
			}
			f.CallID = x
		case "server":
			if !server.matches(x) {
				return nil, &APIError{Status: http.StatusNotFound, Msg: "Server not found"}
			}
			// The built-in registrar leaves server_id 0: its bindings are this server's.
			f.ServerIDs = []int{0, server.ID}
		default:
			return nil, &APIError{Status: http.StatusNotFound, Msg: "no such resource: registrations/" + r.PathParams["by"]}
		}
		bs, err := st.Registrations.Bindings(ctx, f)
		if err != nil || keep == nil {
			return bs, err
		}
		out := bs[:0]
		for i := range bs {
			if keep(&bs[i]) {
				out = append(out, bs[i])
			}
		}
		return out, nil
	}
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			bs, err := list(ctx, r, false)
			if err != nil {
				return Result{}, err
			}
			// Bindings of one contact collapse to the latest (sipX).
			seen := make(map[string]bool, len(bs))
			live := bs[:0]
			for _, b := range bs {
				if !seen[b.Contact] {
					seen[b.Contact] = true
					live = append(live, b)
				}
			}
			by := strings.ToLower(r.PathParams["by"])
			if by == "" || by == "user" || by == "group" || by == "server" {
				live = apiPage(live, r.Query)
			}
			return Result{JSON: registrationsDoc(live)}, nil
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			by := strings.ToLower(r.PathParams["by"])
			if by == "serialno" || by == "ip" {
				bs, err := list(ctx, r, true)
				if err != nil {
					return Result{}, err
				}
				ids := make([]int, len(bs))
				for i, b := range bs {
					ids[i] = b.ID
				}
				_, err = st.Registrations.DeleteBindings(ctx, ids)
				return Result{}, err
			}
			// The others select in SQL: find the target (404s), then one DELETE.
			f, err := registrationFilter(ctx, st, server, r)
			if err != nil {
				return Result{}, err
			}
			_, err = st.Registrations.DeleteMatching(ctx, f)
			return Result{}, err
		},
	}}
}

// registrationFilter is the SQL filter of a DELETE by user, Call-ID or server.
func registrationFilter(ctx context.Context, st *models.Stores, server APIServer, r *Request) (models.BindingFilter, error) {
	var f models.BindingFilter
	x := r.PathParams["x"]
	switch strings.ToLower(r.PathParams["by"]) {
	case "user":
		names, err := st.Registrations.UserSIPNames(ctx, x)
		if err == models.ErrNotFound {
			return f, &APIError{Status: http.StatusNotFound, Msg: "User  not found"}
		}
		if err != nil {
			return f, err
		}
		f.UserNames = names
	case "callid":
		if x == "" {
			return f, &APIError{Status: http.StatusNotFound, Msg: "no such resource"}
		}
		f.CallID = x
	case "server":
		if !server.matches(x) {
			return f, &APIError{Status: http.StatusNotFound, Msg: "Server not found"}
		}
		f.ServerIDs = []int{0, server.ID}
	default:
		return f, &APIError{Status: http.StatusNotFound, Msg: "no such resource: registrations/" + r.PathParams["by"]}
	}
	return f, nil
}

// registrationsDoc is the list answer: JSON written straight from the bindings (10,000 of
// them are one read), XML through the beans.
type registrationsDoc []models.LiveBinding

func (d registrationsDoc) Render(media string) ([]byte, string) {
	if media != "application/json" {
		items := make([]any, len(d))
		for i := range d {
			items[i] = registrationBean(&d[i])
		}
		return APIDoc{Root: "Registrations", Key: "registrations", Value: APIList{Item: "Registration", Items: items}}.Render(media)
	}
	var b bytes.Buffer
	b.Grow(32 + 400*len(d))
	b.WriteString(`{"registrations":[`)
	for i := range d {
		if i > 0 {
			b.WriteByte(',')
		}
		r := registrationOf(&d[i])
		b.WriteString(`{"uri":`)
		writeJSONString(&b, "sip:"+r.aor)
		b.WriteString(`,"contact":`)
		writeJSONString(&b, d[i].Contact)
		b.WriteString(`,"expires":`)
		b.WriteString(strconv.FormatInt(d[i].Expires, 10))
		b.WriteString(`,"primary":`)
		writeJSONString(&b, r.primary)
		b.WriteString(`,"instrument":`)
		writeJSONString(&b, r.instrument)
		b.WriteString(`,"regCallId":`)
		writeJSONString(&b, d[i].CallID)
		b.WriteString(`,"identity":`)
		writeJSONString(&b, r.aor)
		b.WriteString(`,"status":"`)
		b.WriteString(r.status)
		b.WriteString(`","secondsToExpire":`)
		b.WriteString(strconv.Itoa(r.seconds))
		b.WriteByte('}')
	}
	b.WriteString("]}")
	return b.Bytes(), "application/json; charset=utf-8"
}

// registration is what a bean computes from a binding.
type registration struct {
	aor, primary, instrument, status string
	seconds                          int
}

func registrationOf(b *models.LiveBinding) registration {
	aor := b.UserName
	if b.Domain != "" {
		aor += "@" + b.Domain
	}
	status := "active"
	if b.SecondsTo <= 0 {
		status = "expired"
	}
	primary := b.Socket
	if _, rest, ok := strings.Cut(primary, ":"); ok { // "udp:host:port"
		primary = rest
	}
	return registration{aor: aor, primary: hostOf(primary), instrument: instrument(b), status: status, seconds: max(0, b.SecondsTo)}
}

// registrationBean is a binding as §5.2 shows it.
func registrationBean(b *models.LiveBinding) APIObject {
	r := registrationOf(b)
	return APIObject{
		{Name: "uri", Value: "sip:" + r.aor},
		{Name: "contact", Value: b.Contact},
		{Name: "expires", Value: b.Expires, XML: time.UnixMilli(b.Expires)},
		{Name: "primary", Value: r.primary},
		{Name: "instrument", Value: r.instrument},
		{Name: "regCallId", Value: b.CallID},
		{Name: "identity", Value: r.aor},
		{Name: "status", Value: r.status},
		{Name: "secondsToExpire", Value: r.seconds},
	}
}

var (
	reInstanceMAC = regexp.MustCompile(`(?i)^<?urn:(?:uuid:.*[^0-9a-f]|x-mac:)([0-9a-f]{12}|(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2})>?$`)
	reAgentMAC    = regexp.MustCompile(`(?i)(?:^|[^0-9a-f:-])([0-9a-f]{12}|(?:[0-9a-f]{2}:){5}[0-9a-f]{2}|(?:[0-9a-f]{2}-){5}[0-9a-f]{2})(?:$|[^0-9a-f:-])`)
)

// instrument is the MAC of the phone a binding is from (§5.2): in its instance, else in its
// User-Agent, else the device holding its line; lower case without separators, or "".
func instrument(b *models.LiveBinding) string {
	for i, re := range []*regexp.Regexp{reInstanceMAC, reAgentMAC} {
		s := b.Instance
		if i == 1 {
			s = b.UserAgent
		}
		if !hexRun(s) {
			continue // no MAC can be there: spare the regexp
		}
		if m := re.FindStringSubmatch(s); len(m) == 2 {
			return strings.NewReplacer(":", "", "-", "").Replace(strings.ToLower(m[1]))
		}
	}
	return b.LineMAC
}

// hexRun says whether s holds 12 hex digits, possibly separated by ':' or '-' (what a MAC
// needs at least).
func hexRun(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			if n++; n >= 12 {
				return true
			}
		case c == ':' || c == '-':
		default:
			n = 0
		}
	}
	return false
}

// uriHost is the host of a SIP URI or name-addr ("<sip:201@192.0.2.50:5060;transport=udp>",
// "sip:192.0.2.50:5060"), normalised as normalHost does.
func uriHost(u string) string {
	u = strings.TrimSpace(u)
	if i := strings.IndexByte(u, '<'); i >= 0 {
		u = u[i+1:]
		if j := strings.IndexByte(u, '>'); j >= 0 {
			u = u[:j]
		}
	}
	if l := strings.ToLower(u); strings.HasPrefix(l, "sip:") || strings.HasPrefix(l, "sips:") {
		_, u, _ = strings.Cut(u, ":")
	}
	if i := strings.LastIndexByte(u, '@'); i >= 0 {
		u = u[i+1:]
	}
	if i := strings.IndexAny(u, ";?"); i >= 0 {
		u = u[:i]
	}
	return normalHost(hostOf(u))
}

// hostOf drops the port of host[:port] ([v6]:port too).
func hostOf(hp string) string {
	if strings.HasPrefix(hp, "[") {
		if i := strings.IndexByte(hp, ']'); i > 0 {
			return hp[1:i]
		}
		return hp
	}
	if strings.Count(hp, ":") == 1 {
		hp, _, _ = strings.Cut(hp, ":")
	}
	return hp
}

// normalHost is an address in its canonical form (IPv6 compressed, any zone dropped), or a
// name in lower case.
func normalHost(h string) string {
	h = strings.Trim(strings.TrimSpace(h), "[]")
	if a, err := netip.ParseAddr(h); err == nil {
		return a.WithZone("").Unmap().String()
	}
	return strings.ToLower(h)
}
