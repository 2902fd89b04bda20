package models

import (
	"context"
	"maps"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
)

// The settings trees of the gateways (sipx-api.md §8.2): a SIP trunk's ITSP account, an
// unmanaged gateway's nothing. The account's credentials and registration are the trunk's
// own columns (§8.3), read and written through the mirror, never stored twice; the other
// leaves are sipX's alone, stored as overrides of owner kind "gateway".

// GatewaySettingsKind is the owner kind of the gateways' settings.
const GatewaySettingsKind = "gateway"

// The mirrored leaves.
const (
	itspUser          = "itsp-account/user-name"
	itspAuthUser      = "itsp-account/authentication-user-name"
	itspPassword      = "itsp-account/password"
	itspRegister      = "itsp-account/register-on-initialization"
	itspRegistrar     = "itsp-account/itsp-registrar-address"
	itspRegistrarPort = "itsp-account/itsp-registrar-listening-port"
)

var (
	sipTrunkTree = NewSettingTree(TreeGroup("itsp-account", "ITSP account",
		TreeStr("user-name", "User name").MaxLength(80).Describe("The account's user name at the provider (the trunk's user name)."),
		TreeStr("authentication-user-name", "Authentication user name").MaxLength(80).Describe("The user name the provider authenticates, when it is not the account's."),
		TreeStr("password", "Password").MaxLength(80).Secret().Describe("The account's password (the trunk's secret)."),
		switchLeaf("register-on-initialization", "Register at start", "false").Describe("Whether the PBX registers to the provider."),
		TreeStr("itsp-proxy-address", "Provider server address").MaxLength(255).Describe("The provider's server or outbound proxy, when DNS does not give it."),
		switchLeaf("use-global-addressing", "Public address for call setup", "true").Describe("Signal with the public address rather than the LAN one."),
		switchLeaf("strip-private-headers", "Strip private headers", "false").Describe("Remove the headers that could identify the caller."),
		switchLeaf("default-asserted-identity", "Default asserted identity", "true").Describe("Send the default P-Asserted-Identity; otherwise the one below."),
		TreeStr("asserted-identity", "Asserted identity").MaxLength(255).Describe("The user@domain to assert instead of the default."),
		switchLeaf("is-from-itsp", "From header of the account", "").Describe("Put the account in the From header of outgoing INVITEs."),
		switchLeaf("default-preferred-identity", "Default preferred identity", "false").Describe("Send the default P-Preferred-Identity; otherwise the one below."),
		TreeStr("preferred-identity", "Preferred identity").MaxLength(255).Describe("The user@domain to prefer instead of the default."),
		switchLeaf("is-user-phone", "user=phone in the request URI", "true").Describe("Add user=phone to the request URI of outgoing INVITEs."),
		TreeStr("itsp-registrar-address", "Registrar address").MaxLength(255).Match(rePeerHost.String()).Describe("Where REGISTER goes, when not the gateway's address."),
		TreeInt("itsp-registrar-listening-port", "Registrar port").Range(1, 65535).Describe("The registrar's port, when not the gateway's."),
		TreeInt("registration-interval", "Registration interval").Def("600").Range(1, 86400).Describe("Seconds between registrations."),
		TreeInt("sip-session-timer-interval-seconds", "Session timer interval").Def("1800").Range(90, 86400).Describe("Seconds between the re-INVITEs that keep a call alive."),
		TreeEnum("sip-keepalive-method", "SIP keepalive", "NONE", "None", "CR-LF", "Empty SIP message").Def("CR-LF").Describe("What keeps the SIP flow open."),
		TreeEnum("rtp-keepalive-method", "RTP keepalive", "NONE", "None", "USE-EMPTY-PACKET", "Empty packet",
			"REPLAY-LAST-SENT-PACKET", "Last packet sent again", "USE-DUMMY-RTP-PAYLOAD", "Dummy RTP payload").Def("NONE").Describe("What keeps the media flow open."),
		switchLeaf("route-by-to-header", "Route by the To header", "false").Describe("For providers routing on To rather than the request URI."),
		switchLeaf("always-relay-media", "Always relay media", "true").Describe("Keep relaying media after a transfer."),
	))
	genericGatewayTree = NewSettingTree()
)

// switchLeaf is a true/false boolean (sipX's "switch" type); def "" is no default.
func switchLeaf(name, label, def string) *TreeSetting {
	s := TreeBool(name, label).Literals("true", "false")
	if def != "" {
		s.Def(def)
	}
	return s
}

// GatewaySettingsTree is the tree of a gateway model.
func GatewaySettingsTree(model string) *SettingTree {
	if model == GatewaySIPTrunk {
		return sipTrunkTree
	}
	return genericGatewayTree
}

// GatewaySettings is the owner kind of the gateways' settings: a gateway by id, its tree by
// model, the account's credentials and registration mirrored onto its trunk.
func (s *GatewayStore) GatewaySettings() *SettingsOwner {
	one := func(ctx context.Context, q sqlx.QueryerContext, ref string, lock bool) (*Gateway, error) {
		id, err := strconv.Atoi(ref)
		if err != nil || id <= 0 || strings.TrimLeft(ref, "0123456789") != "" {
			return nil, ErrNotFound
		}
		l := ""
		if lock {
			l = " FOR UPDATE OF t"
		}
		return s.get(ctx, q, id, l)
	}
	return &SettingsOwner{
		Name: GatewaySettingsKind,
		Resolve: func(ctx context.Context, q sqlx.QueryerContext, ref string, lock bool) (string, *SettingTree, error) {
			g, err := one(ctx, q, ref, lock)
			if err != nil {
				return "", nil, err
			}
			return strconv.Itoa(g.Trunk.ID), GatewaySettingsTree(g.Model), nil
		},
		Mirror: &SettingMirror{
			Paths: []string{itspUser, itspAuthUser, itspPassword, itspRegister, itspRegistrar, itspRegistrarPort},
			Read: func(ctx context.Context, q sqlx.QueryerContext, id string) (map[string]*string, error) {
				g, err := one(ctx, q, id, false)
				if err != nil {
					return nil, err
				}
				return accountOf(&g.Trunk), nil
			},
			Write: func(ctx context.Context, tx *sqlx.Tx, id string, values map[string]*string) error {
				g, err := one(ctx, tx, id, true)
				if err != nil {
					return err
				}
				t := &g.Trunk
				t.Options = maps.Clone(t.Options)
				if t.Options == nil {
					t.Options = Options{}
				}
				if err := setAccount(t, values); err != nil {
					return err
				}
				return renameAccountFields(s.trunks.update(ctx, tx, t))
			},
		},
	}
}

// accountOf reads the mirrored leaves from a trunk (§8.3).
func accountOf(t *Trunk) map[string]*string {
	text := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	r := t.Register
	registered := "false"
	out := map[string]*string{itspUser: text(t.Username), itspPassword: text(t.Secret), itspRegister: &registered,
		itspAuthUser: text(t.Options["fromuser"]), itspRegistrar: text(t.Host), itspRegistrarPort: text(t.Options["port"])}
	if out[itspRegistrarPort] == nil {
		out[itspRegistrarPort] = text("5060")
	}
	if r != nil {
		if !r.Commented {
			registered = "true"
		}
		out[itspAuthUser] = text(r.AuthUser)
		if r.Host != "" {
			out[itspRegistrar] = text(r.Host)
		}
		if r.Port != "" {
			out[itspRegistrarPort] = text(r.Port)
		}
	}
	return out
}

// setAccount writes mirrored leaves onto a trunk: the user name and password are the peer's
// and the registration's, the authentication user the registration's (fromuser without
// one); registering, or naming a registrar, makes the registration row if there is none.
func setAccount(t *Trunk, values map[string]*string) error {
	val := func(p string) string {
		if v := values[p]; v != nil {
			return *v
		}
		return ""
	}
	has := func(p string) bool { _, ok := values[p]; return ok }
	if has(itspUser) {
		t.Username = val(itspUser)
	}
	if has(itspPassword) {
		t.Secret = val(itspPassword)
	}
	needRow := (has(itspRegister) && val(itspRegister) == "true") ||
		(has(itspRegistrar) && val(itspRegistrar) != "" && val(itspRegistrar) != t.Host) ||
		(has(itspRegistrarPort) && val(itspRegistrarPort) != "")
	if t.Register == nil && needRow {
		if t.Username == "" {
			return Invalid(itspUser, "is required to register (set it first)")
		}
		t.Register = &TrunkRegister{Username: t.Username, Password: t.Secret, AuthUser: t.Options["fromuser"],
			Host: t.Host, Port: t.Options["port"], Commented: true}
	}
	fromUser := func() {
		if !has(itspAuthUser) {
			return
		}
		if v := val(itspAuthUser); v != "" {
			t.Options["fromuser"] = v
		} else {
			delete(t.Options, "fromuser")
		}
	}
	r := t.Register
	if r == nil {
		fromUser()
		return nil
	}
	reg := *r
	if has(itspUser) {
		reg.Username = t.Username
	}
	if has(itspPassword) {
		reg.Password = t.Secret
	}
	if has(itspAuthUser) {
		reg.AuthUser = val(itspAuthUser)
	}
	if has(itspRegister) {
		reg.Commented = val(itspRegister) != "true"
	}
	if has(itspRegistrar) {
		reg.Host = val(itspRegistrar)
		if reg.Host == "" {
			reg.Host = t.Host
		}
	}
	if has(itspRegistrarPort) {
		reg.Port = val(itspRegistrarPort)
	}
	t.Register = &reg
	if reg.Username == "" && reg.Commented {
		// A registration not sent, for no one: none (the whole account reset).
		t.Register = nil
		fromUser()
	}
	return nil
}

// renameAccountFields names a trunk's refusal by the leaves that caused it.
func renameAccountFields(err error) error {
	ve, ok := err.(*ValidationError)
	if !ok {
		return err
	}
	names := map[string]string{"trunk.username": itspUser, "register.username": itspUser, "trunk.secret": itspPassword,
		"register.password": itspPassword, "register.authuser": itspAuthUser, "trunk.options.fromuser": itspAuthUser,
		"register.host": itspRegistrar, "register.port": itspRegistrarPort}
	out := &ValidationError{}
	for f, rule := range ve.Fields {
		if n, ok := names[f]; ok {
			f = n
		}
		out.Add(f, rule)
	}
	return out
}
