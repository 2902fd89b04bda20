package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"pbxws/models"
)

// The sipX /api/gateways resources (sipx-api.md §8) over the XiVO SIP trunks: a gateway is a
// SIP trunk (name, host, port, transport, outbound proxy, description, commented) and its
// sipX row (model, prefix, shared, bridge, branch, caller alias rules). XiVO-only peer
// settings are not shown and are kept by every write. The dial-plan links (§15) are the
// outcalls routing through the trunk: see sipxapirules.go.

const defaultSIPPort = 5060

var errGatewayNotFound = &APIError{Status: http.StatusNotFound, Msg: "Gateway not found"}

// gatewayModelBean is a model as sipX shows it (no vendor, no versions: no hardware).
func gatewayModelBean(id string) APIObject {
	label := id
	for _, m := range models.GatewayModels {
		if m[0] == id {
			label = m[1]
		}
	}
	return APIObject{{Name: "modelId", Value: id}, {Name: "label", Value: label}, {Name: "vendor"}, {Name: "versions"}}
}

// gatewayTransport is the sipX transport of a trunk: its first one, none for udp when sipX
// said none or for the Asterisk default.
func gatewayTransport(g *models.Gateway) string {
	t := strings.TrimSpace(strings.SplitN(g.Trunk.Transport, ",", 2)[0])
	if t == "" || (t == "udp" && g.TransportNone) {
		return "none"
	}
	return t
}

// gatewayPort is the trunk's peer port (5060 when unset or unreadable).
func gatewayPort(t *models.Trunk) int {
	if n, err := strconv.Atoi(t.Options["port"]); err == nil {
		return n
	}
	return defaultSIPPort
}

// splitOutbound reads an outbound proxy "host[:port]" ([v6]:port too); port 5060 when absent.
func splitOutbound(proxy string) (string, int) {
	proxy = strings.TrimSpace(proxy)
	if proxy == "" {
		return "", defaultSIPPort
	}
	host, port := proxy, ""
	// One colon, or a bracketed IPv6 address followed by one: a port follows it.
	if i := strings.LastIndexByte(proxy, ':'); i > 0 && (strings.Count(proxy, ":") == 1 || strings.HasSuffix(proxy[:i], "]")) {
		host, port = proxy[:i], proxy[i+1:]
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		n = defaultSIPPort
	}
	return strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), n
}

func joinOutbound(host string, port int) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}

func branchBean(e *models.Entity) any {
	if e == nil {
		return nil
	}
	return APIObject{{Name: "id", Value: e.ID}, {Name: "name", Value: e.Name}, {Name: "description", Value: textOrNil(e.Description)},
		{Name: "address", Value: APIObject{{Name: "id", Value: e.ID}, {Name: "street", Value: textOrNil(e.Address1)},
			{Name: "city", Value: textOrNil(e.City)}, {Name: "country", Value: textOrNil(e.Country)},
			{Name: "state", Value: textOrNil(e.State)}, {Name: "zip", Value: textOrNil(e.Zipcode)},
			{Name: "officeDesignation", Value: textOrNil(e.Address2)}}},
		{Name: "phoneNumber", Value: textOrNil(e.PhoneNumber)}, {Name: "faxNumber", Value: textOrNil(e.FaxNumber)}}
}

// gatewayBean is a gateway as §8.1 shows it.
func gatewayBean(g *models.Gateway) APIObject {
	t := &g.Trunk
	var outbound any
	host, port := splitOutbound(t.Options["outboundproxy"])
	if host != "" {
		outbound = host
	}
	a := g.CallerAlias
	return APIObject{
		{Name: "id", Value: t.ID}, {Name: "name", Value: t.Name}, {Name: "serialNo"}, {Name: "deviceVersion"},
		{Name: "description", Value: textOrNil(t.Description)},
		{Name: "model", Value: gatewayModelBean(g.Model), XMLName: "Model"},
		{Name: "enabled", Value: !t.Commented}, {Name: "address", Value: t.Host}, {Name: "addressPort", Value: gatewayPort(t)},
		{Name: "outboundAddress", Value: outbound}, {Name: "outboundPort", Value: port},
		{Name: "addressTransport", Value: gatewayTransport(g)}, {Name: "prefix", Value: strOrNil(g.Prefix)},
		{Name: "shared", Value: g.Shared}, {Name: "useInternalBridge", Value: g.UseInternalBridge},
		{Name: "branch", Value: branchBean(g.Branch), XMLName: "Branch"},
		{Name: "callerAliasInfo", XMLName: "CallerAliasInfo", Value: APIObject{
			{Name: "defaultCallerAlias", Value: strOrNil(a.DefaultCallerAlias)}, {Name: "anonymous", Value: a.Anonymous},
			{Name: "ignoreUserInfo", Value: a.IgnoreUserInfo}, {Name: "transformUserExtension", Value: a.TransformUserExtension},
			{Name: "addPrefix", Value: strOrNil(a.AddPrefix)}, {Name: "keepDigits", Value: a.KeepDigits},
			{Name: "displayName", Value: strOrNil(a.DisplayName)}, {Name: "urlParameters", Value: strOrNil(a.URLParameters)}}},
	}
}

// gatewayInput is a decoded POST or PUT body: applied onto a gateway; the branch, given
// by name, is resolved by the act.
type gatewayInput struct {
	apply       func(g *models.Gateway)
	model       string // "" when absent
	branchGiven bool
	branch      string // "" with branchGiven: none
}

// decodeGatewayBody reads a gateway body (JSON, or XML with its Gateway root): present keys
// replace, absent keys keep, callerAliasInfo given replaces the rules whole.
func decodeGatewayBody(r *Request) (*gatewayInput, error) {
	body, err := r.decoded()
	if err != nil {
		return nil, err
	}
	body = unwrap(body, "Gateway", "gateway")
	errs := &models.ValidationError{}
	f := fields{m: body, errs: errs}
	var steps []func(g *models.Gateway)
	set := func(s func(g *models.Gateway)) { steps = append(steps, s) }
	in := &gatewayInput{}

	for _, k := range []string{"serialNo", "deviceVersion"} {
		var s string
		if f.strTrim(k, &s) && s != "" {
			f.fail(k, "must be null: only hardware gateway models have one")
		}
	}
	if m, ok := objectOf(f, "model", "Model"); ok {
		mf := f.sub("model", m)
		if !mf.strTrim("modelId", &in.model) || in.model == "" {
			mf.fail("modelId", "is required")
		}
	}
	var name string
	if f.strTrim("name", &name) {
		set(func(g *models.Gateway) { g.Trunk.Name = name })
	}
	if _, ok := body["description"]; ok {
		var d *string
		f.optText("description", &d)
		set(func(g *models.Gateway) { g.Trunk.Description = "" })
		if d != nil {
			set(func(g *models.Gateway) { g.Trunk.Description = *d })
		}
	}
	var b bool
	if f.boolean("enabled", &b) {
		enabled := b
		set(func(g *models.Gateway) { g.Trunk.Commented = !enabled })
	}
	var address string
	if _, ok := body["address"]; ok {
		if !f.strTrim("address", &address) || address == "" {
			f.fail("address", "is required: the host name or IP address of the gateway")
		}
		set(func(g *models.Gateway) { g.Trunk.Host = address })
	}
	port := func(key string) (int, bool) {
		var n int
		if !f.integer(key, &n) {
			return 0, false
		}
		if n < 0 || n > 65535 {
			f.fail(key, "must be a port number 0-65535 (0: 5060)")
			return 0, false
		}
		if n == 0 {
			n = defaultSIPPort
		}
		return n, true
	}
	if n, ok := port("addressPort"); ok {
		set(func(g *models.Gateway) { g.Trunk.Options["port"] = strconv.Itoa(n) })
	}
	_, hasOutbound := body["outboundAddress"]
	var outbound *string
	f.optText("outboundAddress", &outbound)
	if outbound != nil && !models.ValidHost(*outbound) {
		f.fail("outboundAddress", "must be an IP address or a host name")
	}
	outPort, hasOutPort := port("outboundPort")
	if hasOutbound || hasOutPort {
		set(func(g *models.Gateway) {
			host, p := splitOutbound(g.Trunk.Options["outboundproxy"])
			if hasOutbound {
				host = ""
				if outbound != nil {
					host = *outbound
				}
			}
			if hasOutPort {
				p = outPort
			}
			if host == "" {
				delete(g.Trunk.Options, "outboundproxy")
			} else {
				g.Trunk.Options["outboundproxy"] = joinOutbound(host, p)
			}
		})
	}
	var transport string
	if f.strTrim("addressTransport", &transport) {
		switch transport = strings.ToLower(transport); transport {
		case "none", "udp", "tcp", "tls":
			set(func(g *models.Gateway) {
				g.TransportNone = transport == "none"
				g.Trunk.Transport = transport
				if transport == "none" {
					g.Trunk.Transport = "udp"
				}
			})
		default:
			f.fail("addressTransport", "must be none, udp, tcp or tls")
		}
	}
	if _, ok := body["prefix"]; ok {
		var p *string
		f.optText("prefix", &p)
		set(func(g *models.Gateway) { g.Prefix = p })
	}
	for key, dst := range map[string]func(g *models.Gateway) *bool{
		"shared":            func(g *models.Gateway) *bool { return &g.Shared },
		"useInternalBridge": func(g *models.Gateway) *bool { return &g.UseInternalBridge },
	} {
		var v bool
		if f.boolean(key, &v) {
			set(func(g *models.Gateway) { *dst(g) = v })
		}
	}
	if v, ok := keyOf(body, "branch", "Branch"); ok {
		in.branchGiven = true
		if v != nil && v != "" {
			if m, ok := objectOf(f, "branch", "Branch"); ok {
				bf := f.sub("branch", m)
				if !bf.strTrim("name", &in.branch) || in.branch == "" {
					bf.fail("name", "is required: the name of an existing branch")
				}
			}
		}
	}
	if m, ok := objectOf(f, "callerAliasInfo", "CallerAliasInfo"); ok {
		af := f.sub("callerAliasInfo", m)
		a := models.CallerAliasInfo{}
		af.optText("defaultCallerAlias", &a.DefaultCallerAlias)
		af.boolean("anonymous", &a.Anonymous)
		af.boolean("ignoreUserInfo", &a.IgnoreUserInfo)
		af.boolean("transformUserExtension", &a.TransformUserExtension)
		af.optText("addPrefix", &a.AddPrefix)
		af.integer("keepDigits", &a.KeepDigits)
		af.optText("displayName", &a.DisplayName)
		af.optText("urlParameters", &a.URLParameters)
		set(func(g *models.Gateway) { g.CallerAlias = a })
	}
	if err := errs.OrNil(); err != nil {
		return nil, err
	}
	in.apply = func(g *models.Gateway) {
		if g.Trunk.Options == nil {
			g.Trunk.Options = models.Options{}
		} else {
			g.Trunk.Options = models.Options(cloneMap(g.Trunk.Options))
		}
		for _, s := range steps {
			s(g)
		}
	}
	return in, nil
}

// keyOf is the value under the first of the keys present.
func keyOf(m map[string]any, keys ...string) (any, bool) {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v, true
		}
	}
	return nil, false
}

// objectOf reads the object under key or its XML spelling.
func objectOf(f fields, key, xmlKey string) (map[string]any, bool) {
	if _, ok := f.m[key]; !ok {
		if v, ok := f.m[xmlKey]; ok {
			return fields{m: map[string]any{key: v}, prefix: f.prefix, errs: f.errs}.object(key)
		}
	}
	return f.object(key)
}

// gatewayFields names the trunk's fields in gateway terms.
func gatewayFields(err error) error {
	rename := func(f string) string {
		switch f {
		case "trunk.name":
			return "name"
		case "trunk.host":
			return "address"
		case "trunk.transport":
			return "addressTransport"
		case "trunk.description":
			return "description"
		case "trunk.options.port":
			return "addressPort"
		case "trunk.options.outboundproxy":
			return "outboundAddress"
		case "trunk.context":
			return "context"
		}
		return f
	}
	if errors.Is(err, models.ErrNotFound) {
		return errGatewayNotFound
	}
	var ie *models.InUseError
	if errors.As(err, &ie) {
		return &APIError{Status: http.StatusConflict, Msg: ie.Msg}
	}
	return renameFields(err, rename)
}

// gatewayOf finds the gateway {gw} names: all digits, an id; else a serial number, which
// no gateway of pbxws's models has.
func gatewayOf(ctx context.Context, st *models.Stores, r *Request) (*models.Gateway, error) {
	id, ok := ParseID(r.PathParams["gw"])
	if !ok {
		return nil, errGatewayNotFound
	}
	g, err := st.Gateways.Get(ctx, id)
	if err != nil {
		return nil, gatewayFields(err)
	}
	return g, nil
}

// branchOf resolves a branch name (400 when there is no such branch).
func branchOf(ctx context.Context, st *models.Stores, in *gatewayInput) (*int, error) {
	if in.branch == "" {
		return nil, nil
	}
	e, err := st.Entities.GetByName(ctx, in.branch)
	if errors.Is(err, models.ErrNotFound) {
		return nil, models.Invalid("branch.name", "no branch is named "+in.branch)
	}
	if err != nil {
		return nil, err
	}
	return &e.ID, nil
}

// APIGateways is /api/gateways and below (§8.2). PathParams: "gw" a gateway; "list"
// names the models list.
func APIGateways(st *models.Stores) *Resource {
	s := st.Gateways
	idText := func(id int) Result {
		return Result{JSON: idDoc(id), Header: http.Header{"Location": {"/sipxconfig/api/gateways/" + strconv.Itoa(id)}}}
	}
	withGateway := func(act func(ctx context.Context, g *models.Gateway, r *Request) (Result, error)) Act {
		return func(ctx context.Context, r *Request) (Result, error) {
			g, err := gatewayOf(ctx, st, r)
			if err != nil {
				return Result{}, err
			}
			return act(ctx, g, r)
		}
	}
	acts := gatewayRuleActs(st, withGateway)
	for k, a := range map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			if _, one := r.PathParams["gw"]; one {
				g, err := gatewayOf(ctx, st, r)
				if err != nil {
					return Result{}, err
				}
				return Result{JSON: APIDoc{Root: "Gateway", Value: gatewayBean(g)}}, nil
			}
			gs, err := s.List(ctx)
			if err != nil {
				return Result{}, err
			}
			page := apiPage(gs, r.Query)
			items := make([]any, len(page))
			for i := range page {
				items[i] = gatewayBean(&page[i])
			}
			return Result{JSON: APIDoc{Root: "Gateways", Key: "gateways", Value: APIList{Item: "Gateway", Items: items}}}, nil
		},
		"models": func(ctx context.Context, r *Request) (Result, error) {
			items := make([]any, len(models.GatewayModels))
			for i, m := range models.GatewayModels {
				items[i] = gatewayModelBean(m[0])
			}
			return Result{JSON: APIDoc{Root: "Models", Key: "models", Value: APIList{Item: "Model", Items: items}}}, nil
		},
		"add": func(ctx context.Context, r *Request) (Result, error) {
			in, err := decodeGatewayBody(r)
			if err != nil {
				return Result{}, err
			}
			if in.model == "" {
				return Result{}, models.Invalid("model.modelId", "is required")
			}
			if !gatewayModelKnown(in.model) {
				return Result{}, &APIError{Status: http.StatusBadRequest, Msg: "No such gateway model defined"}
			}
			g := models.NewGateway(in.model)
			in.apply(g)
			if g.Trunk.Name == "" {
				return Result{}, models.Invalid("name", "is required")
			}
			if g.Trunk.Host == "" {
				return Result{}, models.Invalid("address", "is required: the host name or IP address of the gateway")
			}
			if g.BranchID, err = branchOf(ctx, st, in); err != nil {
				return Result{}, err
			}
			if err := s.Create(ctx, g); err != nil {
				return Result{}, gatewayFields(err)
			}
			return idText(g.Trunk.ID), nil
		},
		"edit": withGateway(func(ctx context.Context, stored *models.Gateway, r *Request) (Result, error) {
			in, err := decodeGatewayBody(r)
			if err != nil {
				return Result{}, err
			}
			if in.model != "" && !gatewayModelKnown(in.model) {
				return Result{}, &APIError{Status: http.StatusBadRequest, Msg: "No such gateway model defined"}
			}
			var branch *int
			if in.branchGiven {
				if branch, err = branchOf(ctx, st, in); err != nil {
					return Result{}, err
				}
			}
			id := stored.Trunk.ID
			err = s.Edit(ctx, id, func(g *models.Gateway) (*models.Gateway, error) {
				in.apply(g)
				if in.model != "" {
					g.Model = in.model
				}
				if in.branchGiven {
					g.BranchID = branch
				}
				return g, nil
			})
			if err != nil {
				return Result{}, gatewayFields(err)
			}
			return idText(id), nil
		}),
		"delete": withGateway(func(ctx context.Context, g *models.Gateway, r *Request) (Result, error) {
			return Result{}, gatewayFields(s.Delete(ctx, g.Trunk.ID))
		}),
		// The supported models have no FXO ports (§8.2).
		"ports": withGateway(func(ctx context.Context, g *models.Gateway, r *Request) (Result, error) {
			return Result{JSON: APIDoc{Root: "Ports", Key: "ports", Value: APIList{Item: "Port"}}}, nil
		}),
		"addport": withGateway(func(ctx context.Context, g *models.Gateway, r *Request) (Result, error) {
			return Result{}, &APIError{Status: http.StatusBadRequest, Msg: "model has no ports"}
		}),
		"port": withGateway(func(ctx context.Context, g *models.Gateway, r *Request) (Result, error) {
			return Result{}, &APIError{Status: http.StatusNotFound, Msg: "Port not found"}
		}),
	} {
		acts[k] = a
	}
	return &Resource{DefaultAct: "view", Acts: acts}
}

func gatewayModelKnown(id string) bool {
	for _, m := range models.GatewayModels {
		if m[0] == id {
			return true
		}
	}
	return false
}
