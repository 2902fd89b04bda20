package models

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Line is one telephony line (SIP/IAX/SCCP peer or custom interface), free or attached to a user.
type Line struct {
	ID              int     `db:"id" json:"id"`
	UserID          *int    `db:"user_id" json:"user_id"`
	Protocol        string  `db:"protocol" json:"protocol" validate:"oneof=sip iax sccp custom"`
	Name            string  `db:"name" json:"name" validate:"required,linename"`
	Context         string  `db:"context" json:"context" validate:"required,contextname"`
	Number          string  `db:"number" json:"number" validate:"omitempty,max=40,extension"`
	Secret          string  `db:"secret" json:"secret" validate:"max=80,printable"`
	Interface       string  `db:"interface" json:"interface" validate:"max=128,printable"`
	DeviceID        *string `db:"device_id" json:"device_id"`
	Num             int     `db:"num" json:"num" validate:"gte=0,lte=64"`
	LineNum         int     `db:"line_num" json:"line_num"`
	RulesType       string  `db:"rules_type" json:"rules_type" validate:"max=16,printable"`
	RulesTime       string  `db:"rules_time" json:"rules_time" validate:"max=8,printable"`
	RulesOrder      int     `db:"rules_order" json:"rules_order" validate:"gte=0"`
	RulesGroup      string  `db:"rules_group" json:"rules_group" validate:"max=16,printable"`
	ProvisioningID  int     `db:"provisioningid" json:"provisioningid"`
	ConfigRegistrar string  `db:"configregistrar" json:"configregistrar" validate:"max=128,printable"`
	CallerID        string  `db:"callerid" json:"callerid" validate:"max=160,printable"`
	Internal        bool    `db:"internal" json:"internal"`
	Commented       bool    `db:"commented" json:"commented"`
	Encryption      bool    `db:"encryption" json:"encryption"`
	Description     string  `db:"description" json:"description" validate:"max=1000"`
	Options         Options `db:"options" json:"options"`

	// Read-only, joined: the owner's name, and whether a registrar holds a live contact.
	OwnerFirstname *string `db:"owner_firstname" json:"owner_firstname"`
	OwnerLastname  *string `db:"owner_lastname" json:"owner_lastname"`
	Registered     bool    `db:"-" json:"registered"`

	// Merge, on a line a composite names by id only, is the change to apply over the line
	// as stored, inside the write's transaction (nil: the line is written as it is).
	Merge func(stored *Line) error `db:"-" json:"-"`
}

// Options are protocol peer settings passed through as text (SIP type, host, port, …).
type Options map[string]string

// Scan reads the jsonb column.
func (o *Options) Scan(src any) error {
	var b []byte
	switch t := src.(type) {
	case []byte:
		b = t
	case string:
		b = []byte(t)
	case nil:
		*o = Options{}
		return nil
	default:
		return fmt.Errorf("options: cannot scan %T", src)
	}
	m := Options{}
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*o = m
	return nil
}

// Value writes the jsonb column, as text: with binary_parameters (one round trip a query),
// bytes would be sent in binary format, which jsonb reads with a version byte first.
func (o Options) Value() (driver.Value, error) {
	if o == nil {
		return "{}", nil
	}
	b, err := json.Marshal(map[string]string(o))
	return string(b), err
}

// sipDefaults are the SIP peer settings a line has unless told otherwise.
var sipDefaults = Options{"type": "friend", "username": "", "host": "dynamic", "port": "", "language": "",
	"qualify": "no", "nat": "", "transport": "udp", "allow": "", "disallow": "", "callerid": "", "mailbox": ""}

// OptionDefaults are the documented peer settings of protocol (nil when it has none). The
// map is shared: read it, never write it.
func OptionDefaults(protocol string) Options {
	if protocol == "sip" || protocol == "iax" {
		return sipDefaults
	}
	return nil
}

// WithoutDefaults drops the settings equal to the protocol's defaults, so that a line read
// (defaults merged in) and written back stores exactly what it stored before.
func (o Options) WithoutDefaults(protocol string) Options {
	out := Options{}
	for k, v := range o {
		if d, ok := sipDefaults[k]; ok && d == v && (protocol == "sip" || protocol == "iax") {
			continue
		}
		out[k] = v
	}
	return out
}

// Identity is the dial interface of the line ("SIP/abc123", or the custom interface).
func (l *Line) Identity() string {
	switch l.Protocol {
	case "custom":
		return l.Interface
	case "sccp":
		return "SCCP/" + l.Name
	}
	return strings.ToUpper(l.Protocol) + "/" + l.Name
}

// LineFilter narrows a list or search of lines.
type LineFilter struct {
	// Free: nil = all lines, true = only lines without a user, false = only attached lines.
	Free     *bool
	Protocol string
	Context  string
	// Search is a substring of number or name (or of context when Context is empty).
	Search string
	UserID int
}

// LineStore reads and writes lines.
type LineStore struct {
	db       *sqlx.DB
	contexts *ContextStore
	// A user add runs these: prepared, PostgreSQL neither parses nor plans them per add.
	checkStmt, insertStmt *sqlx.Stmt
}

// prepare readies the hot statements; a statement that does not prepare fails the start.
func (s *LineStore) prepare(ctx context.Context) (err error) {
	if s.checkStmt, err = s.db.PreparexContext(ctx, lineCheckSQL); err != nil {
		return fmt.Errorf("preparing the line check: %w", err)
	}
	if s.insertStmt, err = s.db.PreparexContext(ctx, lineInsertSQL); err != nil {
		return fmt.Errorf("preparing the line insert: %w", err)
	}
	return nil
}

const lineCols = `l.id, l.user_id, l.protocol, l.name, l.context, l.number, l.secret, l.interface,
	l.device_id, l.num, l.line_num, l.rules_type, l.rules_time, l.rules_order, l.rules_group,
	l.provisioningid, l.configregistrar, l.callerid, l.internal, l.commented, l.encryption,
	l.description, l.options, u.firstname AS owner_firstname, u.lastname AS owner_lastname`

const lineFrom = ` FROM lines l LEFT JOIN users u ON u.id = l.user_id `

var lineConstraints = map[string]string{
	"lines_name_key":               "name",
	"lines_context_number_key":     "number",
	"extensions_context_exten_key": "number",
	"lines_context_fkey":           "context",
	"lines_device_id_fkey":         "device_id",
	"lines_user_id_fkey":           "user_id",
}

// List returns lines matching f (internal lines excluded), by id.
// Each line says whether a registrar holds a live contact for it (Registered).
func (s *LineStore) List(ctx context.Context, f LineFilter) ([]Line, error) {
	ls, err := s.list(ctx, s.db, f)
	if err != nil {
		return nil, err
	}
	return ls, s.markRegistered(ctx, ls)
}

func (s *LineStore) list(ctx context.Context, q sqlx.QueryerContext, f LineFilter) ([]Line, error) {
	free := -1
	if f.Free != nil {
		free = 0
		if *f.Free {
			free = 1
		}
	}
	search := ""
	if f.Search != "" {
		search = likeTerm(f.Search)
	}
	var out []Line
	err := sqlx.SelectContext(ctx, q, &out, `SELECT `+lineCols+lineFrom+`
		WHERE NOT l.internal
		  AND ($1 = -1 OR ($1 = 1 AND l.user_id IS NULL) OR ($1 = 0 AND l.user_id IS NOT NULL))
		  AND ($2 = '' OR l.protocol = $2)
		  AND ($3 = '' OR l.context = $3)
		  AND ($4 = '' OR l.number ILIKE $4 OR l.name ILIKE $4 OR ($3 = '' AND l.context ILIKE $4))
		  AND ($5 = 0 OR l.user_id = $5)
		ORDER BY l.id`, free, f.Protocol, f.Context, search, f.UserID)
	return out, err
}

// Get returns one line or ErrNotFound.
func (s *LineStore) Get(ctx context.Context, id int) (*Line, error) {
	l, err := s.get(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	ls := []Line{*l}
	return &ls[0], s.markRegistered(ctx, ls)
}

// markRegistered sets Registered on each line.
func (s *LineStore) markRegistered(ctx context.Context, ls []Line) error {
	reg, err := s.Registered(ctx, ls)
	for i := range ls {
		ls[i].Registered = reg[ls[i].ID]
	}
	return err
}

func (s *LineStore) get(ctx context.Context, q sqlx.QueryerContext, id int) (*Line, error) {
	var l Line
	err := sqlx.GetContext(ctx, q, &l, `SELECT `+lineCols+lineFrom+` WHERE l.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &l, err
}

// Create validates and inserts a line (free unless UserID is set), generating its name and
// secret when absent.
func (s *LineStore) Create(ctx context.Context, l *Line) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error { return s.insert(ctx, tx, l, "line.", nil) })
}

// Edit merges an edit onto the stored line in one transaction that locks its row first.
func (s *LineStore) Edit(ctx context.Context, id int, merge func(stored *Line) (*Line, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*Line, error) {
		var l Line
		err := tx.GetContext(ctx, &l, `SELECT `+lineCols+lineFrom+` WHERE l.id = $1 FOR UPDATE OF l`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return &l, err
	}, merge, func(tx *sqlx.Tx, _, l *Line) error {
		l.ID = id
		return s.update(ctx, tx, l, "line.")
	})
}

// Delete removes a line.
func (s *LineStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM lines WHERE id = $1`, id)
		if err != nil {
			return mapPQ(err, lineConstraints)
		}
		return oneRow(res)
	})
}

// DeleteAll removes every non-internal line in one transaction and says how many went.
func (s *LineStore) DeleteAll(ctx context.Context) (n int, err error) {
	err = WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM lines WHERE NOT internal`)
		if err == nil {
			n64, _ := res.RowsAffected()
			n = int(n64)
		}
		return err
	})
	return n, err
}

// lineCheckSQL answers whether context $1 exists, its user ranges, whether number $2 is
// taken there by any object but line $3 (the extensions table), and whether a trunk of
// protocol $4 has the name $5.
const lineCheckSQL = `SELECT EXISTS (SELECT 1 FROM contexts WHERE name = $1),
	COALESCE((SELECT json_agg(json_build_array(numberbeg, numberend)) FROM context_ranges
		WHERE context = $1 AND type = 'user'), '[]'),
	$2 <> '' AND EXISTS (SELECT 1 FROM extensions WHERE context = $1 AND exten = $2
		AND NOT (type = 'line' AND typeval = $3::text)),
	EXISTS (SELECT 1 FROM trunks WHERE protocol = $4 AND name = $5)`

// lineCheck is what lineCheckSQL answers about a line.
type lineCheck struct {
	exists, taken, trunkName bool
	ranges                   []byte
}

// check validates a line and its number against its context; prefix names fields in errors
// ("lines[0]." when the line is written as part of a user). found, when not nil, is
// lineCheckSQL's answer for l, read already (a user add reads it with its insert).
func (s *LineStore) check(ctx context.Context, q sqlx.QueryerContext, l *Line, prefix string, found *lineCheck) error {
	ve := &ValidationError{}
	ve.Merge(prefix, Check(l))
	if l.Protocol == "custom" && l.Interface == "" {
		ve.Add(prefix+"interface", "is required for a custom line")
	}
	if err := ve.OrNil(); err != nil {
		return err
	}
	// One round trip: does the context exist, its user ranges, is the number taken.
	if found == nil {
		found = &lineCheck{}
		var row *sqlx.Row
		args := []any{l.Context, l.Number, l.ID, l.Protocol, l.Name}
		if tx, ok := q.(*sqlx.Tx); ok {
			row = inTx(ctx, tx, s.checkStmt, lineCheckSQL, args...)
		} else {
			row = q.QueryRowxContext(ctx, lineCheckSQL, args...)
		}
		if err := row.Scan(&found.exists, &found.ranges, &found.taken, &found.trunkName); err != nil {
			return err
		}
	}
	exists, ranges, taken := found.exists, found.ranges, found.taken
	if found.trunkName && l.Protocol != "custom" {
		// A trunk and a line of one protocol are peers of one configuration file.
		return &ConflictError{Field: prefix + "name", Msg: fmt.Sprintf("%sname: %s is already the name of a %s trunk", prefix, l.Name, l.Protocol)}
	}
	if !exists {
		return Invalid(prefix+"context", "must name an existing context")
	}
	if l.Number != "" {
		var rs [][2]string
		if err := json.Unmarshal(ranges, &rs); err != nil {
			return err
		}
		in := false
		for _, r := range rs {
			in = in || inRange(l.Number, r[0], r[1])
		}
		if !in {
			return Invalid(prefix+"number", "must fall inside a user number range of context "+l.Context)
		}
		if taken {
			return &ConflictError{Field: prefix + "number", Msg: fmt.Sprintf("number %s is already used in context %s", l.Number, l.Context)}
		}
	}
	if l.DeviceID != nil {
		var dev bool
		if err := sqlx.GetContext(ctx, q, &dev, `SELECT EXISTS (SELECT 1 FROM devices WHERE id = $1)`, *l.DeviceID); err != nil {
			return err
		}
		if !dev {
			return Invalid(prefix+"device_id", "must name an existing device")
		}
	}
	return nil
}

// lineInsertSQL inserts a line unless its name is taken (no row then).
const lineInsertSQL = `INSERT INTO lines (user_id, protocol, name, context, number,
	secret, interface, device_id, num, line_num, rules_type, rules_time, rules_order,
	rules_group, provisioningid, configregistrar, callerid, internal, commented, encryption,
	description, options) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,
	$17,$18,$19,$20,$21,$22) ON CONFLICT (name) DO NOTHING RETURNING id`

// insert validates (see check: found may be nil) and inserts a new line.
func (s *LineStore) insert(ctx context.Context, tx *sqlx.Tx, l *Line, prefix string, found *lineCheck) error {
	if l.Secret == "" && l.Protocol != "custom" {
		l.Secret = randomString(12, upperAlnum)
	}
	generated := l.Name == ""
	if generated {
		if l.Protocol == "sccp" && l.Number != "" {
			l.Name = l.Number
			generated = false
		} else if l.Protocol == "custom" {
			l.Name = "custom-" + randomString(8, lowerAlnum)
		} else {
			l.Name = randomString(8, lowerAlnum)
		}
	}
	l.Options = l.Options.WithoutDefaults(l.Protocol)
	if err := s.check(ctx, tx, l, prefix, found); err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		// A generated name that happens to exist already is drawn again: ON CONFLICT on the
		// name alone answers no row instead of aborting the transaction (any other conflict
		// still fails it, as it must).
		err := inTx(ctx, tx, s.insertStmt, lineInsertSQL,
			l.UserID, l.Protocol, l.Name, l.Context, l.Number, l.Secret, l.Interface, l.DeviceID,
			l.Num, l.LineNum, l.RulesType, l.RulesTime, l.RulesOrder, l.RulesGroup, l.ProvisioningID,
			l.ConfigRegistrar, l.CallerID, l.Internal, l.Commented, l.Encryption, l.Description,
			l.Options).Scan(&l.ID)
		if errors.Is(err, sql.ErrNoRows) {
			if generated && attempt < 5 {
				l.Name = randomString(8, lowerAlnum)
				continue
			}
			return &ConflictError{Field: prefix + "name", Msg: "line name " + l.Name + " is already used"}
		}
		if err == nil {
			return nil
		}
		mapped := mapPQ(err, lineConstraints)
		var ce *ConflictError
		if errors.As(mapped, &ce) {
			ce.Field = prefix + ce.Field
		}
		return mapped
	}
}

func (s *LineStore) update(ctx context.Context, tx *sqlx.Tx, l *Line, prefix string) error {
	l.Options = l.Options.WithoutDefaults(l.Protocol)
	if err := s.check(ctx, tx, l, prefix, nil); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE lines SET user_id=$2, protocol=$3, name=$4, context=$5,
		number=$6, secret=$7, interface=$8, device_id=$9, num=$10, line_num=$11, rules_type=$12,
		rules_time=$13, rules_order=$14, rules_group=$15, provisioningid=$16, configregistrar=$17,
		callerid=$18, internal=$19, commented=$20, encryption=$21, description=$22, options=$23
		WHERE id=$1`,
		l.ID, l.UserID, l.Protocol, l.Name, l.Context, l.Number, l.Secret, l.Interface, l.DeviceID,
		l.Num, l.LineNum, l.RulesType, l.RulesTime, l.RulesOrder, l.RulesGroup, l.ProvisioningID,
		l.ConfigRegistrar, l.CallerID, l.Internal, l.Commented, l.Encryption, l.Description, l.Options)
	if err != nil {
		mapped := mapPQ(err, lineConstraints)
		var ce *ConflictError
		if errors.As(mapped, &ce) {
			ce.Field = prefix + ce.Field
		}
		return mapped
	}
	return oneRow(res)
}

const (
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// randomString draws n characters of alphabet from crypto/rand (secrets and line names).
func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// intArray passes a Go slice as a PostgreSQL integer array parameter.
func intArray(ids []int) any {
	a := make([]int64, len(ids))
	for i, id := range ids {
		a[i] = int64(id)
	}
	return pq.Int64Array(a)
}

// Registered tells which of the SIP lines have a live contact at the registrar.
func (s *LineStore) Registered(ctx context.Context, ls []Line) (map[int]bool, error) {
	names := make([]string, 0, len(ls))
	byName := make(map[string]int, len(ls))
	for _, l := range ls {
		if l.Protocol == "sip" {
			names = append(names, l.Name)
			byName[l.Name] = l.ID
		}
	}
	out := map[int]bool{}
	if len(names) == 0 {
		return out, nil
	}
	var live []string
	err := s.db.SelectContext(ctx, &live, `SELECT DISTINCT username FROM registrations
		WHERE username = ANY($1) AND expires > localtimestamp`, pq.StringArray(names))
	for _, n := range live {
		out[byName[n]] = true
	}
	return out, err
}
