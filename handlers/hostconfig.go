package handlers

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"pbxws/models"
)

// The xivo/configuration endpoints of the PBX host's configuration: network/mail,
// network/resolvconf, network/dhcp, support/monitoring and provisioning/general are
// singletons (view, edit); network/interface and network/iproute are collections;
// provisioning/autoprov and provisioning/configregistrar are commands. Models validate,
// store and announce every change (models/hostconfig.go). Field names are the wire names
// already, so Field renames nothing.

type hostFields struct{}

func (hostFields) Field(path string) string { return path }

// hostSingleton serves a singleton section with codec c.
func hostSingleton[T any, P interface {
	*T
	models.HostDocument
}](st *models.Stores, c ObjectCodec[T]) *Resource {
	return (&Singleton[T]{
		Codec: c,
		Get:   func(ctx context.Context) (*T, error) { return models.GetHostConfig[T, P](ctx, st.HostConfig) },
		Edit: func(ctx context.Context, merge func(*T) (*T, error)) error {
			return models.EditHostConfig[T, P](ctx, st.HostConfig, merge)
		},
	}).Resource()
}

// rejectUnknown names every key of body that known does not list (nor "id", which views
// carry and edits ignore).
func rejectUnknown(body map[string]any, errs *models.ValidationError, known ...string) {
	for k := range body {
		if k != "id" && !slices.Contains(known, k) {
			errs.Add(k, "is not a setting of this section (known: "+strings.Join(known, ", ")+")")
		}
	}
}

// ---- network/mail ----

type mailCodec struct{ hostFields }

type canonicalWire struct {
	Pattern string `json:"pattern"`
	Result  string `json:"result"`
}

type mailWire struct {
	ID                string          `json:"id"`
	MyDomain          string          `json:"mydomain"`
	Origin            string          `json:"origin"`
	RelayHost         string          `json:"relayhost"`
	FallbackRelayHost string          `json:"fallback_relayhost"`
	Canonical         []canonicalWire `json:"canonical"`
}

func (mailCodec) View(m *models.MailConfig) any {
	w := mailWire{ID: "1", MyDomain: m.MyDomain, Origin: m.Origin, RelayHost: m.RelayHost,
		FallbackRelayHost: m.FallbackRelayHost, Canonical: []canonicalWire{}}
	for _, r := range m.Canonical {
		w.Canonical = append(w.Canonical, canonicalWire(r))
	}
	return w
}

// Decode takes the whole configuration (XiVO's contract): the four host keys must be
// present (empty strings allowed), a missing canonical means none; unknown keys are dropped.
func (mailCodec) Decode(body map[string]any, _ *models.MailConfig) (*models.MailConfig, error) {
	errs := &models.ValidationError{}
	f := newFields(body, "", errs)
	out := &models.MailConfig{Canonical: []models.CanonicalRule{}}
	for key, dst := range map[string]*string{"mydomain": &out.MyDomain, "origin": &out.Origin,
		"relayhost": &out.RelayHost, "fallback_relayhost": &out.FallbackRelayHost} {
		if _, present := body[key]; !present {
			errs.Add(key, "is required (an empty string is allowed)")
			continue
		}
		f.strTrim(key, dst)
	}
	rules, _ := f.list("canonical")
	for i, x := range rules {
		at := "canonical[" + strconv.Itoa(i) + "]"
		m, ok := x.(map[string]any)
		if !ok {
			errs.Add(at, "must be an object {\"pattern\", \"result\"}")
			continue
		}
		var r models.CanonicalRule
		rf := newFields(m, at+".", errs)
		rf.strTrim("pattern", &r.Pattern)
		rf.strTrim("result", &r.Result)
		out.Canonical = append(out.Canonical, r)
	}
	return out, errs.OrNil()
}

// Mail is network/mail.
func Mail(st *models.Stores) *Resource {
	return hostSingleton[models.MailConfig](st, mailCodec{})
}

// ---- network/resolvconf ----

type resolvCodec struct{ hostFields }

func (resolvCodec) View(r *models.ResolvConfig) any {
	return map[string]any{"hostname": r.Hostname, "domain": r.Domain, "nameserver1": r.Nameserver1,
		"nameserver2": r.Nameserver2, "nameserver3": r.Nameserver3, "search": r.Search, "description": r.Description}
}

func (resolvCodec) Decode(body map[string]any, base *models.ResolvConfig) (*models.ResolvConfig, error) {
	out := *base
	errs := &models.ValidationError{}
	rejectUnknown(body, errs, "hostname", "domain", "nameserver1", "nameserver2", "nameserver3", "search", "description")
	f := newFields(body, "", errs)
	f.strTrim("hostname", &out.Hostname)
	f.strTrim("domain", &out.Domain)
	f.optText("nameserver1", &out.Nameserver1)
	f.optText("nameserver2", &out.Nameserver2)
	f.optText("nameserver3", &out.Nameserver3)
	if _, ok := body["search"]; ok {
		var domains []string
		f.words("search", &domains)
		out.Search = nil
		if len(domains) > 0 {
			s := strings.Join(domains, " ")
			out.Search = &s
		}
	}
	f.str("description", &out.Description)
	return &out, errs.OrNil()
}

// ResolvConf is network/resolvconf: view, and save (XiVO's name for the edit; edit is
// accepted too).
func ResolvConf(st *models.Stores) *Resource {
	res := hostSingleton[models.ResolvConfig](st, resolvCodec{})
	res.Acts["save"] = res.Acts["edit"]
	return res
}

// ---- network/dhcp ----

type dhcpCodec struct{ hostFields }

func (dhcpCodec) View(d *models.DHCPConfig) any {
	return map[string]any{"id": "1", "active": d.Active, "pool_start": d.PoolStart, "pool_end": d.PoolEnd,
		"extra_ifaces": append([]string{}, d.ExtraIfaces...)}
}

func (dhcpCodec) Decode(body map[string]any, base *models.DHCPConfig) (*models.DHCPConfig, error) {
	out := *base
	errs := &models.ValidationError{}
	rejectUnknown(body, errs, "active", "pool_start", "pool_end", "extra_ifaces")
	f := newFields(body, "", errs)
	f.boolean("active", &out.Active)
	f.strTrim("pool_start", &out.PoolStart)
	f.strTrim("pool_end", &out.PoolEnd)
	f.words("extra_ifaces", &out.ExtraIfaces)
	return &out, errs.OrNil()
}

// DHCP is network/dhcp.
func DHCP(st *models.Stores) *Resource {
	return hostSingleton[models.DHCPConfig](st, dhcpCodec{})
}

// ---- support/monitoring ----

type monitoringCodec struct{ hostFields }

func (monitoringCodec) View(m *models.MonitoringConfig) any {
	return map[string]any{"id": "1", "maintenance": m.Maintenance, "alert_emails": append([]string{}, m.AlertEmails...),
		"dahdi_monitor_ports": append([]int{}, m.DahdiMonitorPorts...), "max_call_duration": m.MaxCallDuration}
}

func (monitoringCodec) Decode(body map[string]any, base *models.MonitoringConfig) (*models.MonitoringConfig, error) {
	out := *base
	errs := &models.ValidationError{}
	rejectUnknown(body, errs, "maintenance", "alert_emails", "dahdi_monitor_ports", "max_call_duration")
	f := newFields(body, "", errs)
	f.boolean("maintenance", &out.Maintenance)
	f.words("alert_emails", &out.AlertEmails)
	if v, ok := body["dahdi_monitor_ports"]; ok {
		ports := []int{}
		var items []any
		switch t := v.(type) {
		case nil:
		case []any:
			items = t
		case string:
			for _, w := range strings.Fields(t) {
				items = append(items, w)
			}
		default:
			errs.Add("dahdi_monitor_ports", "must be a list of port numbers")
		}
		for i, x := range items {
			n, ok := intOf(x)
			if !ok {
				errs.Add("dahdi_monitor_ports["+strconv.Itoa(i)+"]", "must be a whole number")
				continue
			}
			ports = append(ports, n)
		}
		out.DahdiMonitorPorts = ports
	}
	f.optInt("max_call_duration", &out.MaxCallDuration)
	return &out, errs.OrNil()
}

// Monitoring is support/monitoring.
func Monitoring(st *models.Stores) *Resource {
	return hostSingleton[models.MonitoringConfig](st, monitoringCodec{})
}

// ---- provisioning/general ----

type provisioningCodec struct{ hostFields }

func (provisioningCodec) View(p *models.ProvisioningConfig) any {
	return map[string]any{"id": "1", "net4_ip": p.NetIP, "http_port": p.HTTPPort, "private": p.Private,
		"username": p.Username, "password": p.Password, "secure": p.Secure, "net4_ip_rest": p.NetIPRest,
		"rest_port": p.RestPort, "dhcp_integration": p.DHCPIntegration}
}

func (provisioningCodec) Decode(body map[string]any, base *models.ProvisioningConfig) (*models.ProvisioningConfig, error) {
	out := *base
	errs := &models.ValidationError{}
	rejectUnknown(body, errs, "net4_ip", "http_port", "private", "username", "password", "secure",
		"net4_ip_rest", "rest_port", "dhcp_integration")
	f := newFields(body, "", errs)
	f.strTrim("net4_ip", &out.NetIP)
	f.integer("http_port", &out.HTTPPort)
	f.boolean("private", &out.Private)
	f.strTrim("username", &out.Username)
	f.strTrim("password", &out.Password)
	f.boolean("secure", &out.Secure)
	f.strTrim("net4_ip_rest", &out.NetIPRest)
	f.integer("rest_port", &out.RestPort)
	f.boolean("dhcp_integration", &out.DHCPIntegration)
	return &out, errs.OrNil()
}

// ProvisioningGeneral is provisioning/general: view is also the default act (§7.2: XiVO
// answered null without act=view).
func ProvisioningGeneral(st *models.Stores) *Resource {
	return hostSingleton[models.ProvisioningConfig](st, provisioningCodec{})
}

// ---- network/interface ----

type netifaceCodec struct{ hostFields }

func netifaceView(n *models.NetIface) any {
	return map[string]any{"id": n.ID, "ifname": n.IfName, "hwtypeid": n.HwTypeID, "networktype": n.NetworkType,
		"type": n.Type, "family": n.Family, "method": n.Method, "address": n.Address, "netmask": n.Netmask,
		"gateway": n.Gateway, "vlanrawdevice": n.VlanRawDevice, "vlanid": n.VlanID, "options": n.Options,
		"disable": n.Disable, "description": n.Description}
}

func (netifaceCodec) Rows(rows []models.NetIface) any {
	out := make([]any, len(rows))
	for i := range rows {
		out[i] = netifaceView(&rows[i])
	}
	return out
}
func (netifaceCodec) View(n *models.NetIface) any   { return netifaceView(n) }
func (netifaceCodec) Key(n *models.NetIface) string { return strconv.Itoa(n.ID) }

func (netifaceCodec) Decode(body map[string]any, n *models.NetIface) (*models.NetIface, error) {
	errs := &models.ValidationError{}
	// A view posted back nests nothing; XiVO's form posted {"netiface": {...}}: take both.
	if inner, ok := body["netiface"].(map[string]any); ok && len(body) == 1 {
		body = inner
	}
	rejectUnknown(body, errs, "ifname", "hwtypeid", "networktype", "type", "family", "method", "address",
		"netmask", "gateway", "vlanrawdevice", "vlanid", "options", "disable", "description")
	f := newFields(body, "", errs)
	if !f.strTrim("ifname", &n.IfName) {
		errs.Add("ifname", "is required")
	}
	f.integer("hwtypeid", &n.HwTypeID)
	f.strTrim("networktype", &n.NetworkType)
	f.strTrim("type", &n.Type)
	f.strTrim("family", &n.Family)
	f.strTrim("method", &n.Method)
	f.optText("address", &n.Address)
	f.optText("netmask", &n.Netmask)
	f.optText("gateway", &n.Gateway)
	f.optText("vlanrawdevice", &n.VlanRawDevice)
	f.optInt("vlanid", &n.VlanID)
	f.str("options", &n.Options)
	f.boolean("disable", &n.Disable)
	f.str("description", &n.Description)
	return n, errs.OrNil()
}

// NetIfaces is network/interface: list, view, add, delete (XiVO had no edit).
func NetIfaces(st *models.Stores) *Resource {
	s := st.NetIfaces
	return (&Endpoint[models.NetIface, models.NetIface, int]{
		Codec:  netifaceCodec{},
		New:    models.NewNetIface,
		List:   func(ctx context.Context, _ Query) ([]models.NetIface, error) { return s.List(ctx) },
		Get:    s.Get,
		Create: s.Create,
		Delete: s.Delete,
	}).Resource()
}

// ---- network/iproute ----

type iprouteCodec struct{ hostFields }

func iprouteView(r *models.IPRoute) any {
	return map[string]any{"id": r.ID, "name": r.Name, "iface": r.Iface, "destination": r.Destination,
		"netmask": r.Netmask, "gateway": r.Gateway, "disable": r.Disable, "description": r.Description}
}

func (iprouteCodec) Rows(rows []models.IPRoute) any {
	out := make([]any, len(rows))
	for i := range rows {
		out[i] = iprouteView(&rows[i])
	}
	return out
}
func (iprouteCodec) View(r *models.IPRoute) any   { return iprouteView(r) }
func (iprouteCodec) Key(r *models.IPRoute) string { return strconv.Itoa(r.ID) }

func (iprouteCodec) Decode(body map[string]any, r *models.IPRoute) (*models.IPRoute, error) {
	errs := &models.ValidationError{}
	if inner, ok := body["iproute"].(map[string]any); ok && len(body) == 1 {
		body = inner
	}
	rejectUnknown(body, errs, "name", "iface", "destination", "netmask", "gateway", "disable", "description")
	f := newFields(body, "", errs)
	for key, dst := range map[string]*string{"name": &r.Name, "iface": &r.Iface, "destination": &r.Destination, "gateway": &r.Gateway} {
		if !f.strTrim(key, dst) {
			errs.Add(key, "is required")
		}
	}
	if f.strTrim("netmask", &r.Netmask) && r.Netmask == "" {
		r.Netmask = "255.255.255.255"
	}
	f.boolean("disable", &r.Disable)
	f.str("description", &r.Description)
	return r, errs.OrNil()
}

// IPRoutes is network/iproute: list, search, view, add, delete.
func IPRoutes(st *models.Stores) *Resource {
	s := st.IPRoutes
	return (&Endpoint[models.IPRoute, models.IPRoute, int]{
		Codec:  iprouteCodec{},
		New:    models.NewIPRoute,
		List:   func(ctx context.Context, _ Query) ([]models.IPRoute, error) { return s.List(ctx) },
		Search: func(ctx context.Context, q Query) ([]models.IPRoute, error) { return s.Search(ctx, q.Search) },
		Get:    s.Get,
		Create: s.Create,
		Delete: s.Delete,
	}).Resource()
}

// ---- provisioning/autoprov and provisioning/configregistrar ----

// Autoprov is provisioning/autoprov: only act=configure, body {"ip", "code"}; any other
// act (none included) is a 400, as in XiVO.
func Autoprov(st *models.Stores) *Resource {
	return &Resource{Acts: map[string]Act{
		"configure": func(ctx context.Context, r *Request) (Result, error) {
			body, err := DecodeBody(r.Body)
			if err != nil {
				return Result{}, err
			}
			errs := &models.ValidationError{}
			f := newFields(body, "", errs)
			var ip, code string
			if !f.strTrim("ip", &ip) {
				errs.Add("ip", "is required")
			}
			if !f.strTrim("code", &code) {
				errs.Add("code", "is required")
			}
			if err := errs.OrNil(); err != nil {
				return Result{}, err
			}
			_, err = st.HostConfig.Autoprov(ctx, ip, code)
			return Done(), err
		},
	}}
}

// ConfigRegistrar is provisioning/configregistrar (private mode only): each act is a
// provisioning command, 200 when it concerned some device, 204 when none.
func ConfigRegistrar(st *models.Stores) *Resource {
	acts := map[string]Act{}
	for _, cmd := range models.ConfigRegistrarCommands {
		acts[cmd] = privateOnly(func(ctx context.Context, _ *Request) (Result, error) {
			n, err := st.HostConfig.ConfigRegistrar(ctx, cmd)
			if err != nil || n == 0 {
				return NoContent(), err
			}
			return Done(), nil
		})
	}
	return &Resource{Acts: acts}
}

// ---- cti/configuration ----

// CTIConfiguration is cti/configuration (private): the document a CTI server loads, built
// from the CTI main settings pbxws stores. pbxws keeps no CTI directories, displays or
// sheets, so those parts are empty.
func CTIConfiguration(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, _ *Request) (Result, error) {
			start := time.Now()
			c, err := models.GetHostConfig[models.CTIMainConfig](ctx, st.HostConfig)
			if err != nil {
				return Result{}, err
			}
			listener := func(l models.CTIListener) []any { return []any{l.IP, l.Port, l.Active} }
			statuses := func(sets map[string][]models.CTIStatus, allowed bool) any {
				if len(sets) == 0 {
					return []any{}
				}
				out := map[string]any{}
				for set, list := range sets {
					m := map[string]any{}
					for _, s := range list {
						e := map[string]any{"longname": s.LongName, "color": s.Color}
						if allowed && len(s.Allowed) > 0 {
							e["allowed"] = s.Allowed
						}
						m[s.Name] = e
					}
					out[set] = m
				}
				return out
			}
			doc := map[string]any{
				"main": map[string]any{
					"incoming_tcp": map[string]any{"CTI": listener(c.CTI), "CTIS": listener(c.CTIS),
						"WEBI": listener(c.WebI), "INFO": listener(c.Info)},
					"incoming_udp":       map[string]any{"ANNOUNCE": listener(c.Announce)},
					"sockettimeout":      c.SocketTimeout,
					"logintimeout":       c.LoginTimeout,
					"context_separation": c.ContextSeparation,
					"live_reload_conf":   c.LiveReloadConf,
				},
				"certfile":    c.TLSCertFile,
				"keyfile":     c.TLSPrivKeyFile,
				"contexts":    []any{},
				"directories": []any{},
				"displays":    []any{},
				"sheets":      []any{},
				"userstatus":  statuses(c.Presences, true),
				"phonestatus": statuses(c.PhoneHints, false),
				"ipbx_connection": map[string]any{"ipaddress": c.AMIIP, "ipport": c.AMIPort,
					"username": c.AMILogin, "password": c.AMIPassword},
			}
			doc["bench"] = time.Since(start).Seconds()
			return Object(doc), nil
		},
	}}
}
