package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
)

// The host configuration (xivo/configuration network/*, support/monitoring,
// provisioning/general, the CTI server's main settings): pbxws holds it for the PBX host and
// does not apply it to the machine it runs on. Every write records the change in
// host_config_changes and announces it on PBXControlChannel in the same transaction (the
// notice is delivered at commit, never for a write that failed):
//
//	{"id": 12, "action": "configure", "section": "network/mail", "op": "edit",
//	 "requested_by": "admin", "config": {…the new value…}}
//
// with "object_id" naming the interface, route or device of the ops that have one, and
// "config" left out when the payload would not fit a notification (the agent then reads
// host_config_changes.value by id). migration 0070 documents the same.

// ConfigureAction is the "action" of every host configuration notice.
const ConfigureAction = "configure"

// notifyLimit keeps a payload under PostgreSQL's 8000-byte notification limit.
const notifyLimit = 7900

type actorKey struct{}

// WithActor names who asks for the writes done with ctx (a web-service account,
// "(private)"): the requested_by of the changes they announce.
func WithActor(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, actorKey{}, name)
}

// Actor is who WithActor named ("" when nobody).
func Actor(ctx context.Context) string { s, _ := ctx.Value(actorKey{}).(string); return s }

// HostChange is one announced host configuration change, as its notice carries it.
type HostChange struct {
	ID          int64           `json:"id"`
	Action      string          `json:"action"`
	Section     string          `json:"section"`
	Op          string          `json:"op"`
	ObjectID    string          `json:"object_id,omitempty"`
	RequestedBy string          `json:"requested_by"`
	Config      json.RawMessage `json:"config,omitempty"`
}

// announceHostChange records a change of section in tx and notifies it on
// PBXControlChannel; objectID may be "".
func announceHostChange(ctx context.Context, tx *sqlx.Tx, section, op, objectID string, value any) error {
	raw, err := json.Marshal(value)
	if err != nil {
		return err
	}
	ch := HostChange{Action: ConfigureAction, Section: section, Op: op, ObjectID: objectID, RequestedBy: Actor(ctx)}
	var obj *string
	if objectID != "" {
		obj = &objectID
	}
	if err := tx.GetContext(ctx, &ch.ID, `INSERT INTO host_config_changes (section, op, object_id, requested_by, value)
		VALUES ($1, $2, $3, $4, CAST($5 AS jsonb)) RETURNING id`, section, op, obj, ch.RequestedBy, string(raw)); err != nil {
		return err
	}
	ch.Config = raw
	payload, err := json.Marshal(ch)
	if err != nil {
		return err
	}
	if len(payload) > notifyLimit {
		ch.Config = nil
		payload, _ = json.Marshal(ch)
	}
	_, err = tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, PBXControlChannel, string(payload))
	return err
}

// HostDocument is a singleton section of the host configuration, stored whole as JSON.
type HostDocument interface {
	// HostSection is the section's name ("network/mail").
	HostSection() string
	// setDefaults fills the values a section has before anything was stored.
	setDefaults()
	// check validates the document; tx lets rules read other parts of the configuration
	// (the interfaces a DHCP pool must lie in).
	check(ctx context.Context, tx *sqlx.Tx) (*ValidationError, error)
}

// HostConfigStore reads and writes the host configuration.
type HostConfigStore struct{ db *sqlx.DB }

// GetHostConfig reads a singleton section: what is stored over its defaults.
func GetHostConfig[T any, P interface {
	*T
	HostDocument
}](ctx context.Context, s *HostConfigStore) (*T, error) {
	return readHostConfig[T, P](ctx, s.db, "")
}

func readHostConfig[T any, P interface {
	*T
	HostDocument
}](ctx context.Context, q sqlx.QueryerContext, lock string) (*T, error) {
	out := new(T)
	P(out).setDefaults()
	var raw []byte
	err := sqlx.GetContext(ctx, q, &raw, `SELECT value FROM host_settings WHERE section = $1`+lock, P(out).HostSection())
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil // nothing stored yet: the defaults (an edit inserts the row first)
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, fmt.Errorf("host_settings %s: %w", P(out).HostSection(), err)
	}
	return out, nil
}

// EditHostConfig merges an edit onto a singleton section in one transaction that locks its
// row: the merged document is validated whole, stored and announced.
func EditHostConfig[T any, P interface {
	*T
	HostDocument
}](ctx context.Context, s *HostConfigStore, merge func(stored *T) (*T, error)) error {
	section := P(new(T)).HostSection()
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*T, error) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO host_settings (section) VALUES ($1) ON CONFLICT DO NOTHING`, section); err != nil {
			return nil, err
		}
		return readHostConfig[T, P](ctx, tx, " FOR UPDATE")
	}, merge, func(tx *sqlx.Tx, _, merged *T) error {
		ve, err := P(merged).check(ctx, tx)
		if err != nil {
			return err
		}
		if err := ve.OrNil(); err != nil {
			return err
		}
		raw, err := json.Marshal(merged)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE host_settings SET value = CAST($2 AS jsonb) WHERE section = $1`, section, string(raw)); err != nil {
			return err
		}
		return announceHostChange(ctx, tx, section, "edit", "", merged)
	})
}

// textRule checks a free text value: at most max characters, printable.
func textRule(ve *ValidationError, field, v string, max int) bool {
	switch {
	case len(v) > max:
		ve.Add(field, fmt.Sprintf("must be at most %d characters", max))
	case !Printable(v):
		ve.Add(field, "must be printable text without control characters")
	default:
		return true
	}
	return false
}

// ---- network/mail ----

// MailConfig is the SMTP configuration of the PBX host (Postfix): its domain, the origin of
// the mail it sends, the relays it sends through and the canonical rewriting of addresses.
type MailConfig struct {
	MyDomain          string          `json:"mydomain"`
	Origin            string          `json:"origin"`
	RelayHost         string          `json:"relayhost"`
	FallbackRelayHost string          `json:"fallback_relayhost"`
	Canonical         []CanonicalRule `json:"canonical"`
}

// CanonicalRule rewrites addresses matching Pattern (user@domain, user or @domain) into
// Result (user@domain or @domain).
type CanonicalRule struct {
	Pattern string `json:"pattern"`
	Result  string `json:"result"`
}

// HostSection implements HostDocument.
func (*MailConfig) HostSection() string { return "network/mail" }

func (m *MailConfig) setDefaults() { *m = MailConfig{Canonical: []CanonicalRule{}} }

// CanonicalText is the canonical table as Postfix reads it: "pattern result" lines.
func (m *MailConfig) CanonicalText() string {
	var b strings.Builder
	for _, r := range m.Canonical {
		b.WriteString(r.Pattern + " " + r.Result + "\n")
	}
	return b.String()
}

func (m *MailConfig) check(context.Context, *sqlx.Tx) (*ValidationError, error) {
	ve := &ValidationError{}
	for _, f := range []struct {
		name, v string
		ok      func(string) bool
		rule    string
	}{
		{"mydomain", m.MyDomain, ValidHostname, ruleHostname},
		{"origin", m.Origin, ValidHostname, ruleHostname},
		{"relayhost", m.RelayHost, validRelayHost, "must be a host name or IPv4 address, optionally in [brackets], optionally with :port"},
		{"fallback_relayhost", m.FallbackRelayHost, validRelayHost, "must be a host name or IPv4 address, optionally in [brackets], optionally with :port"},
	} {
		if textRule(ve, f.name, f.v, 255) && f.v != "" && !f.ok(f.v) {
			ve.Add(f.name, f.rule)
		}
	}
	for i, r := range m.Canonical {
		at := fmt.Sprintf("canonical[%d].", i)
		if !validMailPattern(r.Pattern) {
			ve.Add(at+"pattern", "must be user@domain, user or @domain")
		}
		if !ValidEmail(r.Result) && !(strings.HasPrefix(r.Result, "@") && ValidHostname(r.Result[1:])) {
			ve.Add(at+"result", "must be user@domain or @domain")
		}
	}
	if len(ve.Fields) == 0 && len(m.CanonicalText()) > 255 {
		ve.Add("canonical", "must be at most 255 characters once written as \"pattern result\" lines")
	}
	return ve, nil
}

func validMailPattern(s string) bool {
	if strings.HasPrefix(s, "@") {
		return ValidHostname(s[1:])
	}
	return ValidEmail(s) || reMailLocal.MatchString(s)
}

// ---- network/resolvconf ----

// ResolvConfig is the resolver configuration of the PBX host: its host name and domain,
// up to three name servers and the search domains (space separated, as resolv.conf has
// them).
type ResolvConfig struct {
	Hostname    string  `json:"hostname"`
	Domain      string  `json:"domain"`
	Nameserver1 *string `json:"nameserver1"`
	Nameserver2 *string `json:"nameserver2"`
	Nameserver3 *string `json:"nameserver3"`
	Search      *string `json:"search"`
	Description string  `json:"description"`
}

// HostSection implements HostDocument.
func (*ResolvConfig) HostSection() string { return "network/resolvconf" }

func (r *ResolvConfig) setDefaults() { *r = ResolvConfig{Hostname: "xivo", Domain: "localdomain"} }

func (r *ResolvConfig) check(context.Context, *sqlx.Tx) (*ValidationError, error) {
	ve := &ValidationError{}
	if !ValidHostLabel(r.Hostname) {
		ve.Add("hostname", ruleHostLabel)
	}
	if r.Domain != "" && !ValidHostname(r.Domain) {
		ve.Add("domain", ruleHostname)
	}
	// resolv.conf takes addresses only: a name would need a resolver to find the resolver.
	for i, ns := range []*string{r.Nameserver1, r.Nameserver2, r.Nameserver3} {
		if ns == nil || *ns == "" {
			continue
		}
		if _, ok := ParseIPv4(*ns); !ok {
			ve.Add(fmt.Sprintf("nameserver%d", i+1), ruleIPv4)
		}
	}
	if r.Search != nil && textRule(ve, "search", *r.Search, 255) {
		domains := strings.Fields(*r.Search)
		if len(domains) > 6 {
			ve.Add("search", "must list at most 6 domains")
		}
		for _, d := range domains {
			if !ValidHostname(d) {
				ve.Add("search", "must be host names separated by spaces ("+d+" is not one)")
				break
			}
		}
	}
	textRule(ve, "description", r.Description, 1000)
	return ve, nil
}

// ---- support/monitoring ----

// MonitoringConfig is the supervision of the PBX host: maintenance mode (alerts off), who
// gets the alerts, the DAHDI ports watched and the longest call allowed (nil: no limit).
type MonitoringConfig struct {
	Maintenance       bool     `json:"maintenance"`
	AlertEmails       []string `json:"alert_emails"`
	DahdiMonitorPorts []int    `json:"dahdi_monitor_ports"`
	MaxCallDuration   *int     `json:"max_call_duration"`
}

// HostSection implements HostDocument.
func (*MonitoringConfig) HostSection() string { return "support/monitoring" }

func (m *MonitoringConfig) setDefaults() {
	*m = MonitoringConfig{AlertEmails: []string{}, DahdiMonitorPorts: []int{}}
}

func (m *MonitoringConfig) check(context.Context, *sqlx.Tx) (*ValidationError, error) {
	ve := &ValidationError{}
	if len(m.AlertEmails) > 20 {
		ve.Add("alert_emails", "must list at most 20 addresses")
		return ve, nil
	}
	for i, e := range m.AlertEmails {
		if !ValidEmail(e) || len(e) > 254 {
			ve.Add(fmt.Sprintf("alert_emails[%d]", i), ruleEmail)
		}
	}
	if len(m.DahdiMonitorPorts) > 256 {
		ve.Add("dahdi_monitor_ports", "must list at most 256 ports")
		return ve, nil // the list is not read item by item
	}
	for i, p := range m.DahdiMonitorPorts {
		if p < 1 || p > 1024 {
			ve.Add(fmt.Sprintf("dahdi_monitor_ports[%d]", i), "must be a DAHDI port number between 1 and 1024")
		} else if slices.Index(m.DahdiMonitorPorts, p) != i {
			ve.Add(fmt.Sprintf("dahdi_monitor_ports[%d]", i), "must not repeat a port")
		}
	}
	if m.MaxCallDuration != nil && (*m.MaxCallDuration < 1 || *m.MaxCallDuration > 604800) {
		ve.Add("max_call_duration", "must be a number of seconds between 1 and 604800, or null for no limit")
	}
	return ve, nil
}

// ---- provisioning/general ----

// ProvisioningConfig is the provisioning server's configuration (provd): where phones
// fetch their files, its REST interface, and whether the DHCP server feeds it.
type ProvisioningConfig struct {
	NetIP           string `json:"net4_ip"`
	HTTPPort        int    `json:"http_port"`
	Private         bool   `json:"private"`
	Username        string `json:"username"`
	Password        string `json:"password"`
	Secure          bool   `json:"secure"`
	NetIPRest       string `json:"net4_ip_rest"`
	RestPort        int    `json:"rest_port"`
	DHCPIntegration bool   `json:"dhcp_integration"`
}

// HostSection implements HostDocument.
func (*ProvisioningConfig) HostSection() string { return "provisioning/general" }

func (p *ProvisioningConfig) setDefaults() {
	*p = ProvisioningConfig{HTTPPort: 8667, Username: "admin", Password: "admin", NetIPRest: "127.0.0.1", RestPort: 8666}
}

var reProvCredential = regexp.MustCompile(`^[a-z0-9_-]{1,128}$`)

func (p *ProvisioningConfig) check(context.Context, *sqlx.Tx) (*ValidationError, error) {
	ve := &ValidationError{}
	if _, ok := ParseIPv4(p.NetIP); p.NetIP != "" && !ok {
		ve.Add("net4_ip", ruleIPv4)
	}
	if _, ok := ParseIPv4(p.NetIPRest); !ok {
		ve.Add("net4_ip_rest", ruleIPv4)
	}
	for _, port := range []struct {
		name string
		v    int
	}{{"http_port", p.HTTPPort}, {"rest_port", p.RestPort}} {
		if port.v < 1 || port.v > 65535 {
			ve.Add(port.name, "must be a port number between 1 and 65535")
		}
	}
	if p.HTTPPort == p.RestPort && p.NetIP == p.NetIPRest {
		ve.Add("rest_port", "must differ from http_port on the same address")
	}
	if !reProvCredential.MatchString(p.Username) {
		ve.Add("username", "must be 1-128 characters of a-z, 0-9, _ -")
	}
	if !reProvCredential.MatchString(p.Password) {
		ve.Add("password", "must be 1-128 characters of a-z, 0-9, _ -")
	}
	return ve, nil
}

// ---- network/dhcp ----

// DHCPConfig is the DHCP server of the PBX host (for its phones): whether it runs, the
// pool it leases from, and the interfaces it also listens on besides the VoIP one.
type DHCPConfig struct {
	Active      bool     `json:"active"`
	PoolStart   string   `json:"pool_start"`
	PoolEnd     string   `json:"pool_end"`
	ExtraIfaces []string `json:"extra_ifaces"`
}

// HostSection implements HostDocument.
func (*DHCPConfig) HostSection() string { return "network/dhcp" }

func (d *DHCPConfig) setDefaults() { *d = DHCPConfig{ExtraIfaces: []string{}} }

func (d *DHCPConfig) check(ctx context.Context, tx *sqlx.Tx) (*ValidationError, error) {
	ve := &ValidationError{}
	start, okStart := ParseIPv4(d.PoolStart)
	end, okEnd := ParseIPv4(d.PoolEnd)
	if d.PoolStart != "" && !okStart {
		ve.Add("pool_start", ruleIPv4)
	}
	if d.PoolEnd != "" && !okEnd {
		ve.Add("pool_end", ruleIPv4)
	}
	if d.Active && d.PoolStart == "" {
		ve.Add("pool_start", "is required when the DHCP server is active")
	}
	if d.Active && d.PoolEnd == "" {
		ve.Add("pool_end", "is required when the DHCP server is active")
	}
	if okStart && okEnd && end.Less(start) {
		ve.Add("pool_end", "must not come before pool_start")
	}
	// The interfaces, shared-locked: none goes away or changes while this edit checks them.
	var ifaces []NetIface
	if err := tx.SelectContext(ctx, &ifaces, `SELECT `+netifaceCols+` FROM netifaces ORDER BY id FOR SHARE`); err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, i := range ifaces {
		names[i.IfName] = true
	}
	joined := strings.Join(d.ExtraIfaces, " ")
	for i, name := range d.ExtraIfaces {
		switch {
		case !names[name]:
			ve.Add(fmt.Sprintf("extra_ifaces[%d]", i), "must name a network interface ("+name+" is none)")
		case slices.Index(d.ExtraIfaces, name) != i:
			ve.Add(fmt.Sprintf("extra_ifaces[%d]", i), "must not repeat an interface")
		}
	}
	if len(joined) > 40 {
		ve.Add("extra_ifaces", "must be at most 40 characters once joined with spaces")
	}
	if d.Active && okStart && okEnd && len(ve.Fields) == 0 {
		d.checkPoolInSubnet(ve, ifaces, start, end)
	}
	return ve, nil
}

// checkPoolInSubnet requires the pool to lie inside the network of one enabled static
// interface, and not to contain that interface's own address or gateway.
func (d *DHCPConfig) checkPoolInSubnet(ve *ValidationError, ifaces []NetIface, start, end netip.Addr) {
	var nets []string
	for _, i := range ifaces {
		p, ok := i.network()
		if !ok || i.Disable {
			continue
		}
		nets = append(nets, i.IfName+" "+p.String())
		if !hostInNet(p, start) {
			continue
		}
		if !hostInNet(p, end) {
			ve.Add("pool_end", fmt.Sprintf("must lie in the same subnet as pool_start (%s of %s)", p, i.IfName))
			return
		}
		for _, own := range []*string{i.Address, i.Gateway} {
			if own == nil {
				continue
			}
			if a, ok := ParseIPv4(*own); ok && !a.Less(start) && !end.Less(a) {
				ve.Add("pool_start", fmt.Sprintf("the pool must not contain %s, an address of interface %s", a, i.IfName))
				return
			}
		}
		return
	}
	if len(nets) == 0 {
		ve.Add("pool_start", "must lie in the subnet of a static network interface, and none is configured")
		return
	}
	ve.Add("pool_start", "must lie in the subnet of a static network interface ("+strings.Join(nets, ", ")+")")
}
