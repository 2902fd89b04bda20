package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/jmoiron/sqlx"
)

// Trunk is a SIP, IAX or custom-interface trunk: the peer outgoing routes dial through.
type Trunk struct {
	ID       int    `db:"id" json:"id"`
	Protocol string `db:"protocol" json:"protocol" validate:"oneof=sip iax custom"`
	Name     string `db:"name" json:"name" validate:"required,linename"`
	// Context is required for SIP and IAX trunks, optional for custom ones.
	Context     string `db:"context" json:"context" validate:"omitempty,contextname"`
	Type        string `db:"type" json:"type" validate:"oneof=peer user friend"`
	Username    string `db:"username" json:"username" validate:"max=80,printable"`
	Secret      string `db:"secret" json:"secret" validate:"max=80,printable"`
	Host        string `db:"host" json:"host" validate:"required,max=255,peerhost"`
	Transport   string `db:"transport" json:"transport" validate:"omitempty,transports"`
	Interface   string `db:"interface" json:"interface" validate:"max=128,printable"`
	Description string `db:"description" json:"description" validate:"max=1000"`
	Commented   bool   `db:"commented" json:"commented"`
	// Options are the other documented peer settings, stored without their defaults.
	Options  Options        `db:"options" json:"options"`
	Register *TrunkRegister `db:"register" json:"register"`
}

// TrunkRegister is the registration a trunk sends to its provider.
type TrunkRegister struct {
	Transport string `json:"transport" validate:"omitempty,transports"`
	Username  string `json:"username" validate:"required,max=80,printable"`
	Password  string `json:"password" validate:"max=80,printable"`
	AuthUser  string `json:"authuser" validate:"max=80,printable"`
	Host      string `json:"host" validate:"required,max=255,peerhost"`
	Port      string `json:"port" validate:"omitempty,port"`
	Contact   string `json:"contact" validate:"max=80,printable"`
	Expiry    string `json:"expiry" validate:"omitempty,numeric,max=6"`
	Commented bool   `json:"commented"`
}

// Scan reads the jsonb column (NULL: no registration).
func (r *TrunkRegister) Scan(src any) error {
	switch t := src.(type) {
	case []byte:
		return json.Unmarshal(t, r)
	case string:
		return json.Unmarshal([]byte(t), r)
	}
	return fmt.Errorf("register: cannot scan %T", src)
}

// Value writes the jsonb column as text (see Options.Value).
func (r *TrunkRegister) Value() (driver.Value, error) {
	if r == nil {
		return nil, nil
	}
	b, err := json.Marshal(r)
	return string(b), err
}

// String is the registration line as sip.conf/iax.conf write it:
// [transport://]user[:password[:authuser]]@host[:port][/contact].
func (r *TrunkRegister) String() string {
	var b strings.Builder
	if r.Transport != "" {
		b.WriteString(r.Transport + "://")
	}
	b.WriteString(r.Username)
	if r.Password != "" || r.AuthUser != "" {
		b.WriteString(":" + r.Password)
		if r.AuthUser != "" {
			b.WriteString(":" + r.AuthUser)
		}
	}
	b.WriteString("@" + r.Host)
	if r.Port != "" {
		b.WriteString(":" + r.Port)
	}
	if r.Contact != "" {
		b.WriteString("/" + r.Contact)
	}
	return b.String()
}

// trunkOption is one documented peer setting: its default and, for enumerations, the
// values it may take ("" always allowed: unset).
type trunkOption struct {
	def  string
	enum []string
}

var (
	yesNo       = []string{"yes", "no"}
	sipOptions  = map[string]trunkOption{}
	iaxOptions  = map[string]trunkOption{}
	optionRules = map[string]map[string]trunkOption{"sip": sipOptions, "iax": iaxOptions}
)

func init() {
	for _, k := range []string{"callerid", "language", "progressinband", "rfc2833compensate",
		"qualify", "qualifyfreq", "rtptimeout", "rtpholdtimeout", "rtpkeepalive", "allowtransfer",
		"autoframing", "videosupport", "outboundproxy", "maxcallbitrate", "g726nonstandard", "timert1",
		"timerb", "registrertrying", "ignoresdpversion", "session-timers", "session-expires",
		"session-minse", "session-refresher", "allow", "permit", "deny", "trustrpid", "sendrpid",
		"allowsubscribe", "allowoverlap", "promiscredir", "usereqphone", "directmedia", "fromuser",
		"fromdomain", "accountcode", "useclientcode", "remotesecret", "callcounter", "busylevel",
		"callbackextension", "contactpermit", "contactdeny"} {
		sipOptions[k] = trunkOption{}
	}
	sipOptions["call-limit"] = trunkOption{def: "0"}
	sipOptions["nat"] = trunkOption{enum: []string{"yes", "no", "never", "route", "force_rport", "comedia"}}
	sipOptions["dtmfmode"] = trunkOption{def: "rfc2833", enum: []string{"rfc2833", "inband", "info", "auto"}}
	sipOptions["disallow"] = trunkOption{def: "all"}
	sipOptions["insecure"] = trunkOption{enum: []string{"port", "invite", "port,invite", "no"}}
	sipOptions["port"] = trunkOption{def: "5060"}
	sipOptions["amaflags"] = trunkOption{def: "default", enum: []string{"default", "omit", "billing", "documentation"}}
	for _, k := range []string{"callerid", "language", "qualify", "qualifysmoothing", "qualifyfreqok",
		"qualifyfreqnotok", "timezone", "allow", "mohinterpret", "mohsuggest", "sendani", "adsi",
		"permit", "deny", "accountcode", "encryption", "maxauthreq", "inkeys", "outkey", "peercontext",
		"sourceaddress", "jitterbuffer", "forcejitterbuffer", "immediate", "keyrotate", "parkinglot",
		"mask", "dbsecret", "defaultip", "regexten", "setvar"} {
		iaxOptions[k] = trunkOption{}
	}
	iaxOptions["trunk"] = trunkOption{enum: yesNo}
	iaxOptions["requirecalltoken"] = trunkOption{def: "auto", enum: []string{"auto", "yes", "no"}}
	iaxOptions["auth"] = trunkOption{def: "plaintext,md5", enum: []string{"plaintext", "md5", "rsa", "plaintext,md5", "md5,rsa", "plaintext,md5,rsa"}}
	iaxOptions["transfer"] = trunkOption{enum: []string{"yes", "no", "mediaonly"}}
	iaxOptions["disallow"] = trunkOption{def: "all"}
	iaxOptions["port"] = trunkOption{def: "4569"}
	iaxOptions["amaflags"] = sipOptions["amaflags"]

	must(validate.RegisterValidation("peerhost", func(fl validator.FieldLevel) bool {
		return rePeerHost.MatchString(fl.Field().String())
	}))
	must(validate.RegisterValidation("transports", func(fl validator.FieldLevel) bool {
		return validTransports(fl.Field().String())
	}))
	must(validate.RegisterValidation("port", func(fl validator.FieldLevel) bool {
		return validPort(fl.Field().String())
	}))
	ruleText["peerhost"] = "must be dynamic, an IP address or a host name"
	ruleText["transports"] = "must be udp, tcp or tls, or a comma-separated combination of them"
	ruleText["port"] = "must be a port number (1-65535)"
}

// rePeerHost: "dynamic", an IPv4/IPv6 address or a DNS name.
var rePeerHost = regexp.MustCompile(`^(dynamic|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[?[0-9A-Fa-f:.]+\]?)$`)

func validTransports(s string) bool {
	seen := map[string]bool{}
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if (t != "udp" && t != "tcp" && t != "tls") || seen[t] {
			return false
		}
		seen[t] = true
	}
	return true
}

// TrunkOptionKeys are the documented peer settings of a protocol's trunks, sorted (none for
// custom trunks).
func TrunkOptionKeys(protocol string) []string {
	keys := make([]string, 0, len(optionRules[protocol]))
	for k := range optionRules[protocol] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TrunkOptionDefault is the documented default of one peer setting ("" when none).
func TrunkOptionDefault(protocol, key string) string { return optionRules[protocol][key].def }

// checkTrunk validates a trunk: struct rules, per-protocol rules, its options.
func checkTrunk(t *Trunk) *ValidationError {
	ve := CheckIn("trunk", t)
	switch t.Protocol {
	case "sip", "iax":
		if t.Context == "" {
			ve.Add("trunk.context", "is required")
		}
		if t.Protocol == "iax" && t.Transport != "" {
			ve.Add("trunk.transport", "is for SIP trunks only")
		}
	case "custom":
		if t.Interface == "" {
			ve.Add("trunk.interface", "is required for a custom trunk")
		}
		if t.Register != nil {
			ve.Add("register", "a custom trunk has no registration")
		}
	}
	rules := optionRules[t.Protocol]
	for k, v := range t.Options {
		r, ok := rules[k]
		switch {
		case !ok:
			ve.Add("trunk.options."+k, "is not a setting of "+t.Protocol+" trunks")
		case len(v) > 255:
			ve.Add("trunk.options."+k, "must be at most 255 characters")
		case !Printable(v):
			ve.Add("trunk.options."+k, "must be printable text without control characters")
		case v != "" && r.enum != nil && !contains(r.enum, v):
			ve.Add("trunk.options."+k, "must be one of: "+strings.Join(r.enum, ", "))
		case k == "port" && v != "" && !validPort(v):
			ve.Add("trunk.options."+k, "must be a port number (1-65535)")
		case k == "call-limit" && v != "" && !reDigits.MatchString(v):
			ve.Add("trunk.options."+k, "must contain only digits")
		}
	}
	if t.Register != nil {
		ve.Merge("register.", Check(t.Register))
		if t.Protocol == "iax" && t.Register.Transport != "" {
			ve.Add("register.transport", "is for SIP trunks only")
		}
	}
	return ve
}

func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && reDigits.MatchString(s) && n >= 1 && n <= 65535
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// withoutDefaults drops the options equal to their documented default, so that a trunk
// read (defaults merged in) and written back stores what it stored before.
func (t *Trunk) withoutDefaults() {
	out := Options{}
	for k, v := range t.Options {
		if r, ok := optionRules[t.Protocol][k]; ok && r.def == v {
			continue
		}
		out[k] = v
	}
	t.Options = out
}

// TrunkStore reads and writes trunks. Every call names the protocol: a SIP trunk is not
// found through the IAX endpoint.
type TrunkStore struct{ db *sqlx.DB }

const trunkCols = `id, protocol, name, COALESCE(context, '') AS context, type, username, secret,
	host, transport, interface, description, commented, options, register`

var trunkConstraints = map[string]string{
	"trunks_protocol_name_key": "trunk.name",
	"trunks_context_fkey":      "trunk.context",
}

// List returns the trunks of a protocol, by id.
func (s *TrunkStore) List(ctx context.Context, protocol string) ([]Trunk, error) {
	var out []Trunk
	err := s.db.SelectContext(ctx, &out, `SELECT `+trunkCols+` FROM trunks WHERE protocol = $1 ORDER BY id`, protocol)
	return out, err
}

// Search matches a substring of the name or the user name (SIP, IAX) or interface (custom).
func (s *TrunkStore) Search(ctx context.Context, protocol, term string) ([]Trunk, error) {
	var out []Trunk
	err := s.db.SelectContext(ctx, &out, `SELECT `+trunkCols+` FROM trunks WHERE protocol = $1
		AND (name ILIKE $2 OR (protocol <> 'custom' AND username ILIKE $2) OR (protocol = 'custom' AND interface ILIKE $2))
		ORDER BY id`, protocol, likeTerm(term))
	return out, err
}

// Get returns one trunk of the protocol or ErrNotFound.
func (s *TrunkStore) Get(ctx context.Context, protocol string, id int) (*Trunk, error) {
	return s.get(ctx, s.db, protocol, id, "")
}

func (s *TrunkStore) get(ctx context.Context, q sqlx.QueryerContext, protocol string, id int, lock string) (*Trunk, error) {
	var t Trunk
	err := sqlx.GetContext(ctx, q, &t, `SELECT `+trunkCols+` FROM trunks WHERE id = $1 AND protocol = $2`+lock, id, protocol)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &t, err
}

// check validates t and its references inside the write's transaction: the context exists,
// no line of the same protocol has the trunk's name (both are peers of one sip.conf).
func (s *TrunkStore) check(ctx context.Context, tx *sqlx.Tx, t *Trunk) error {
	t.withoutDefaults()
	if t.Type == "user" {
		t.Host = "dynamic"
	}
	if err := checkTrunk(t).OrNil(); err != nil {
		return err
	}
	var ctxOK, lineTaken bool
	if err := tx.QueryRowxContext(ctx, `SELECT $1 = '' OR EXISTS (SELECT 1 FROM contexts WHERE name = $1),
		EXISTS (SELECT 1 FROM lines WHERE protocol = $2 AND name = $3)`, t.Context, t.Protocol, t.Name).Scan(&ctxOK, &lineTaken); err != nil {
		return err
	}
	if !ctxOK {
		return Invalid("trunk.context", "must name an existing context")
	}
	if lineTaken && t.Protocol != "custom" {
		return &ConflictError{Field: "trunk.name", Msg: fmt.Sprintf("trunk.name: %s is already the name of a %s line", t.Name, t.Protocol)}
	}
	return nil
}

// Create validates and inserts t, setting its id.
func (s *TrunkStore) Create(ctx context.Context, t *Trunk) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error { return s.insert(ctx, tx, t) })
}

// insert validates and inserts t inside the caller's transaction, setting its id.
func (s *TrunkStore) insert(ctx context.Context, tx *sqlx.Tx, t *Trunk) error {
	if err := s.check(ctx, tx, t); err != nil {
		return err
	}
	err := tx.QueryRowxContext(ctx, `INSERT INTO trunks (protocol, name, context, type, username,
		secret, host, transport, interface, description, commented, options, register)
		VALUES ($1, $2, NULLIF($3, ''), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		t.Protocol, t.Name, t.Context, t.Type, t.Username, t.Secret, t.Host, t.Transport,
		t.Interface, t.Description, t.Commented, t.Options, t.Register).Scan(&t.ID)
	return mapPQ(err, trunkConstraints)
}

// Edit merges an edit onto the stored trunk in one transaction that locks its row first.
func (s *TrunkStore) Edit(ctx context.Context, protocol string, id int, merge func(stored *Trunk) (*Trunk, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*Trunk, error) {
		return s.get(ctx, tx, protocol, id, " FOR UPDATE")
	}, merge, func(tx *sqlx.Tx, _, t *Trunk) error {
		t.ID, t.Protocol = id, protocol
		return s.update(ctx, tx, t)
	})
}

// update validates and writes t (its id and protocol set) inside the caller's transaction.
func (s *TrunkStore) update(ctx context.Context, tx *sqlx.Tx, t *Trunk) error {
	if err := s.check(ctx, tx, t); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE trunks SET name=$2, context=NULLIF($3, ''), type=$4,
		username=$5, secret=$6, host=$7, transport=$8, interface=$9, description=$10,
		commented=$11, options=$12, register=$13 WHERE id=$1`,
		t.ID, t.Name, t.Context, t.Type, t.Username, t.Secret, t.Host, t.Transport, t.Interface,
		t.Description, t.Commented, t.Options, t.Register)
	if err != nil {
		return mapPQ(err, trunkConstraints)
	}
	return oneRow(res)
}

// Delete removes one trunk of the protocol; one an outgoing route still dials through is
// refused (InUseError naming the route).
func (s *TrunkStore) Delete(ctx context.Context, protocol string, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := s.get(ctx, tx, protocol, id, " FOR UPDATE"); err != nil {
			return err
		}
		if err := trunksInUse(ctx, tx, `t.id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM trunks WHERE id = $1`, id); err != nil {
			return mapPQ(err, trunkConstraints)
		}
		// A SIP trunk is a sipX gateway: its settings go with it.
		return DropSettings(ctx, tx, GatewaySettingsKind, strconv.Itoa(id))
	})
}

// DeleteAll removes every trunk of the protocol in one transaction and says how many went;
// when an outgoing route still uses one of them, nothing is deleted (InUseError).
func (s *TrunkStore) DeleteAll(ctx context.Context, protocol string) (n int, err error) {
	err = WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := trunksInUse(ctx, tx, `t.protocol = $1`, protocol); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM trunks WHERE protocol = $1`, protocol)
		if err != nil {
			return mapPQ(err, trunkConstraints)
		}
		n64, _ := res.RowsAffected()
		n = int(n64)
		if protocol == "sip" { // the gateways' settings go with them
			_, err = tx.ExecContext(ctx, `DELETE FROM setting_values WHERE owner_kind = $1`, GatewaySettingsKind)
		}
		return err
	})
	return n, err
}

// trunksInUse answers InUseError naming the first outgoing route that dials through a trunk
// matching where (a condition on trunks t with one parameter).
func trunksInUse(ctx context.Context, tx *sqlx.Tx, where string, arg any) error {
	var use []struct {
		Trunk   string `db:"trunk"`
		Outcall string `db:"outcall"`
	}
	if err := tx.SelectContext(ctx, &use, `SELECT t.name AS trunk, o.name AS outcall
		FROM outcall_trunks ot JOIN trunks t ON t.id = ot.trunk_id JOIN outcalls o ON o.id = ot.outcall_id
		WHERE `+where+` ORDER BY o.name, t.name LIMIT 1`, arg); err != nil {
		return err
	}
	if len(use) > 0 {
		return &InUseError{Msg: fmt.Sprintf("trunk %s is still used by outcall %s", use[0].Trunk, use[0].Outcall)}
	}
	return nil
}
