package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// A Gateway is sipXconfig's view of a XiVO SIP trunk (sipx-api.md §8): the trunk itself plus
// what only sipX knows of it (migration 0110). A SIP trunk no sipX write touched is a
// gateway too, with sipX's defaults and a model read from the trunk.
type Gateway struct {
	Trunk Trunk
	// Model is sipTrunkStandard or genericGatewayStandard.
	Model             string
	Prefix            *string
	Shared            bool
	UseInternalBridge bool
	BranchID          *int
	// Branch is the branch as read (nil: none). Never written: BranchID is.
	Branch *Entity
	// TransportNone: sipX said "none"; the trunk dials udp.
	TransportNone bool
	CallerAlias   CallerAliasInfo
}

// CallerAliasInfo are a gateway's caller alias rules (sipX's callerAliasInfo).
type CallerAliasInfo struct {
	DefaultCallerAlias     *string
	Anonymous              bool
	IgnoreUserInfo         bool
	TransformUserExtension bool
	AddPrefix              *string
	KeepDigits             int
	DisplayName            *string
	URLParameters          *string
}

// The gateway models pbxws offers: both are SIP trunks.
const (
	GatewaySIPTrunk = "sipTrunkStandard"
	GatewayGeneric  = "genericGatewayStandard"
)

// GatewayModels are the models, id and label, in the order sipX lists them.
var GatewayModels = [][2]string{{GatewaySIPTrunk, "SIP trunk"}, {GatewayGeneric, "Unmanaged gateway"}}

// GatewayModelOf is the model of a trunk no sipX write touched: a SIP trunk with
// credentials or a registration, else an unmanaged gateway (§8.3).
func GatewayModelOf(t *Trunk) string {
	if t.Register != nil || t.Username != "" || t.Secret != "" {
		return GatewaySIPTrunk
	}
	return GatewayGeneric
}

// ValidHost reports whether s is an IP address or a host name (an outbound proxy).
func ValidHost(s string) bool { return s != "dynamic" && len(s) <= 255 && rePeerHost.MatchString(s) }

// NewGateway is a gateway of the model with sipX's defaults, over a new SIP peer.
func NewGateway(model string) *Gateway {
	return &Gateway{Model: model, Shared: true, UseInternalBridge: true,
		Trunk: Trunk{Protocol: "sip", Type: "peer", Transport: "udp", Options: Options{}}}
}

// GatewayStore reads and writes gateways: SIP trunks and their sipX rows, in one
// transaction each.
type GatewayStore struct {
	db     *sqlx.DB
	trunks *TrunkStore
}

// gatewayRow is the sipX row of a trunk as scanned (all NULL when there is none).
type gatewayRow struct {
	TrunkID   sql.NullInt64  `db:"g_trunk_id"`
	Model     sql.NullString `db:"g_model"`
	Prefix    *string        `db:"g_prefix"`
	Shared    sql.NullBool   `db:"g_shared"`
	Bridge    sql.NullBool   `db:"g_use_internal_bridge"`
	BranchID  *int           `db:"g_branch_id"`
	TNone     sql.NullBool   `db:"g_transport_none"`
	Alias     *string        `db:"g_default_caller_alias"`
	Anonymous sql.NullBool   `db:"g_anonymous"`
	IgnoreUI  sql.NullBool   `db:"g_ignore_user_info"`
	Transform sql.NullBool   `db:"g_transform_user_extension"`
	AddPrefix *string        `db:"g_add_prefix"`
	Keep      sql.NullInt64  `db:"g_keep_digits"`
	Display   *string        `db:"g_display_name"`
	URLParams *string        `db:"g_url_parameters"`
}

type gatewayScan struct {
	Trunk
	gatewayRow
}

const gatewaySelect = `SELECT t.id, t.protocol, t.name, COALESCE(t.context, '') AS context, t.type, t.username,
	t.secret, t.host, t.transport, t.interface, t.description, t.commented, t.options, t.register,
	g.trunk_id AS g_trunk_id, g.model AS g_model, g.prefix AS g_prefix, g.shared AS g_shared,
	g.use_internal_bridge AS g_use_internal_bridge, g.branch_id AS g_branch_id,
	g.transport_none AS g_transport_none, g.default_caller_alias AS g_default_caller_alias,
	g.anonymous AS g_anonymous, g.ignore_user_info AS g_ignore_user_info,
	g.transform_user_extension AS g_transform_user_extension, g.add_prefix AS g_add_prefix,
	g.keep_digits AS g_keep_digits, g.display_name AS g_display_name, g.url_parameters AS g_url_parameters
	FROM trunks t LEFT JOIN gateways g ON g.trunk_id = t.id WHERE t.protocol = 'sip'`

func (r *gatewayScan) gateway() *Gateway {
	g := NewGateway(GatewayModelOf(&r.Trunk))
	g.Trunk = r.Trunk
	if !r.TrunkID.Valid {
		return g
	}
	g.Model, g.Prefix, g.Shared, g.UseInternalBridge = r.Model.String, r.Prefix, r.Shared.Bool, r.Bridge.Bool
	g.BranchID, g.TransportNone = r.BranchID, r.TNone.Bool
	g.CallerAlias = CallerAliasInfo{DefaultCallerAlias: r.Alias, Anonymous: r.Anonymous.Bool,
		IgnoreUserInfo: r.IgnoreUI.Bool, TransformUserExtension: r.Transform.Bool, AddPrefix: r.AddPrefix,
		KeepDigits: int(r.Keep.Int64), DisplayName: r.Display, URLParameters: r.URLParams}
	return g
}

// List returns every gateway (every SIP trunk), by id, with its branch.
func (s *GatewayStore) List(ctx context.Context) ([]Gateway, error) {
	var rows []gatewayScan
	if err := s.db.SelectContext(ctx, &rows, gatewaySelect+` ORDER BY t.id`); err != nil {
		return nil, err
	}
	out := make([]Gateway, len(rows))
	for i := range rows {
		out[i] = *rows[i].gateway()
	}
	return out, s.branches(ctx, s.db, out)
}

// Get returns one gateway (a SIP trunk) or ErrNotFound.
func (s *GatewayStore) Get(ctx context.Context, id int) (*Gateway, error) {
	return s.get(ctx, s.db, id, "")
}

func (s *GatewayStore) get(ctx context.Context, q sqlx.QueryerContext, id int, lock string) (*Gateway, error) {
	var r gatewayScan
	err := sqlx.GetContext(ctx, q, &r, gatewaySelect+` AND t.id = $1`+lock, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	gs := []Gateway{*r.gateway()}
	if err := s.branches(ctx, q, gs); err != nil {
		return nil, err
	}
	return &gs[0], nil
}

// branches fills the Branch of the gateways that have one.
func (s *GatewayStore) branches(ctx context.Context, q sqlx.QueryerContext, gs []Gateway) error {
	for i := range gs {
		if gs[i].BranchID == nil {
			continue
		}
		var e Entity
		if err := sqlx.GetContext(ctx, q, &e, `SELECT `+entityCols+` FROM entities WHERE id = $1`, *gs[i].BranchID); err != nil {
			return err
		}
		gs[i].Branch = &e
	}
	return nil
}

// checkGateway validates what only sipX knows of a gateway.
func checkGateway(g *Gateway) *ValidationError {
	ve := &ValidationError{}
	if g.Model != GatewaySIPTrunk && g.Model != GatewayGeneric {
		ve.Add("model", "No such gateway model defined")
	}
	if g.Prefix != nil && (len(*g.Prefix) > 20 || !reDialPrefix.MatchString(*g.Prefix)) {
		ve.Add("prefix", "must be at most 20 of 0-9 * # +")
	}
	a := g.CallerAlias
	if a.KeepDigits < 0 || a.KeepDigits > 40 {
		ve.Add("callerAliasInfo.keepDigits", "must be 0-40")
	}
	if a.AddPrefix != nil && (len(*a.AddPrefix) > 20 || !reDialPrefix.MatchString(*a.AddPrefix)) {
		ve.Add("callerAliasInfo.addPrefix", "must be at most 20 of 0-9 * # +")
	}
	for k, v := range map[string]*string{"defaultCallerAlias": a.DefaultCallerAlias, "displayName": a.DisplayName, "urlParameters": a.URLParameters} {
		if v != nil && (len(*v) > 255 || !Printable(*v)) {
			ve.Add("callerAliasInfo."+k, "must be at most 255 printable characters")
		}
	}
	return ve
}

// contextOfType is the context of contexttype typ a sipX-made object goes in: preferred if it
// is of that type, else the first of that type by name ("" when there is none).
func contextOfType(ctx context.Context, q sqlx.QueryerContext, typ, preferred string) (string, error) {
	var names []string
	if err := sqlx.SelectContext(ctx, q, &names, `SELECT name FROM contexts WHERE contexttype = $1
		ORDER BY name <> $2, name LIMIT 1`, typ, preferred); err != nil || len(names) == 0 {
		return "", err
	}
	return names[0], nil
}

// incomingContext is where calls from a sipX-made trunk enter (§8.3): from-extern, or the
// first incoming context.
func incomingContext(ctx context.Context, tx *sqlx.Tx) (string, error) {
	c, err := contextOfType(ctx, tx, "incall", "from-extern")
	if err == nil && c == "" {
		err = Invalid("context", "no incoming context (contexttype incall) exists for the gateway's calls: create one first")
	}
	return c, err
}

// Create validates and inserts g (a SIP trunk in the default incoming context and its sipX
// row) in one transaction, setting g.Trunk.ID.
func (s *GatewayStore) Create(ctx context.Context, g *Gateway) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := checkGateway(g).OrNil(); err != nil {
			return err
		}
		g.Trunk.Protocol = "sip"
		if g.Trunk.Context == "" {
			c, err := incomingContext(ctx, tx)
			if err != nil {
				return err
			}
			g.Trunk.Context = c
		}
		if err := s.trunks.insert(ctx, tx, &g.Trunk); err != nil {
			return err
		}
		return writeGatewayRow(ctx, tx, g)
	})
}

// Edit merges an edit onto the stored gateway in one transaction that locks its trunk
// first; the trunk's XiVO-only settings are whatever merge leaves in them.
func (s *GatewayStore) Edit(ctx context.Context, id int, merge func(stored *Gateway) (*Gateway, error)) error {
	var model string // as stored: merge may change the stored value it is given
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*Gateway, error) {
		g, err := s.get(ctx, tx, id, " FOR UPDATE OF t")
		if err == nil {
			model = g.Model
		}
		return g, err
	}, merge, func(tx *sqlx.Tx, _, g *Gateway) error {
		if g.Model != model {
			return Invalid("model", fmt.Sprintf("cannot change (%s)", model))
		}
		if err := checkGateway(g).OrNil(); err != nil {
			return err
		}
		g.Trunk.ID, g.Trunk.Protocol = id, "sip"
		if err := s.trunks.update(ctx, tx, &g.Trunk); err != nil {
			return err
		}
		return writeGatewayRow(ctx, tx, g)
	})
}

func writeGatewayRow(ctx context.Context, tx *sqlx.Tx, g *Gateway) error {
	a := g.CallerAlias
	_, err := tx.ExecContext(ctx, `INSERT INTO gateways (trunk_id, model, prefix, shared, use_internal_bridge,
		branch_id, transport_none, default_caller_alias, anonymous, ignore_user_info, transform_user_extension,
		add_prefix, keep_digits, display_name, url_parameters) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
		ON CONFLICT (trunk_id) DO UPDATE SET model = EXCLUDED.model, prefix = EXCLUDED.prefix, shared = EXCLUDED.shared,
		use_internal_bridge = EXCLUDED.use_internal_bridge, branch_id = EXCLUDED.branch_id,
		transport_none = EXCLUDED.transport_none, default_caller_alias = EXCLUDED.default_caller_alias,
		anonymous = EXCLUDED.anonymous, ignore_user_info = EXCLUDED.ignore_user_info,
		transform_user_extension = EXCLUDED.transform_user_extension, add_prefix = EXCLUDED.add_prefix,
		keep_digits = EXCLUDED.keep_digits, display_name = EXCLUDED.display_name, url_parameters = EXCLUDED.url_parameters`,
		g.Trunk.ID, g.Model, g.Prefix, g.Shared, g.UseInternalBridge, g.BranchID, g.TransportNone,
		a.DefaultCallerAlias, a.Anonymous, a.IgnoreUserInfo, a.TransformUserExtension, a.AddPrefix,
		a.KeepDigits, a.DisplayName, a.URLParameters)
	return mapPQ(err, map[string]string{"gateways_branch_id_fkey": "branch"})
}

// Delete removes a gateway: its trunk (and so its sipX row). One an outcall still routes
// through is refused (InUseError naming the outcall).
func (s *GatewayStore) Delete(ctx context.Context, id int) error {
	return s.trunks.Delete(ctx, "sip", id)
}
