package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Phones as sipX /api shows them (sipx-api.md §7): a phone is a device named by its number
// (phone_id, migration 0100) or its MAC, with the lines attached to it by slot and the phone
// groups it belongs to. A line is a user's line, or an external line: a free line whose
// registration server, display name, number and voicemail number live in external_lines.

// Phone is a device with its number, lines and groups.
type Phone struct {
	ID int `db:"phone_id"`
	Device
	PLines []PhoneLine  `db:"-"`
	Groups []PhoneGroup `db:"-"`
}

// PhoneLine is a line attached to a phone, with its owner's login, or its external part.
type PhoneLine struct {
	Line
	DevicePhoneID int    `db:"device_phone_id"`
	OwnerLogin    string `db:"owner_login"`
	External      bool   `db:"external"`
	ExtDisplay    string `db:"ext_display"`
	ExtServer     string `db:"ext_server"`
	ExtPort       string `db:"ext_port"`
	ExtExtension  string `db:"ext_extension"`
	ExtVoicemail  string `db:"ext_voicemail"`
}

// ExternalLine is what a new external line is made of.
type ExternalLine struct {
	UserID, Password, DisplayName, Extension, Server, Port, Voicemail string
}

// PhoneGroup is a sipX phone group; Count is how many phones it has (lists only).
type PhoneGroup struct {
	ID          int    `db:"id"`
	Name        string `db:"name"`
	Description string `db:"description"`
	Weight      int    `db:"weight"`
	Count       *int   `db:"count"`
	// DevicePhoneID is the phone a membership row was read for.
	DevicePhoneID int `db:"device_phone_id"`
}

// PhoneStore reads and writes phones and phone groups.
type PhoneStore struct {
	db    *sqlx.DB
	lines *LineStore
	// The owner kinds of the settings of phones, their lines and phone groups.
	PhoneSettings, LineSettings, GroupSettings *SettingsOwner
	// A phone settings read runs these, prepared at start, unless the cache answers.
	resolveStmt, effectiveStmt *sqlx.Stmt
	cache                      *phoneCache
}

func newPhoneStore(db *sqlx.DB, lines *LineStore) *PhoneStore {
	s := &PhoneStore{db: db, lines: lines, cache: &phoneCache{db: db}}
	s.settingOwners()
	return s
}

const phoneLineCols = lineCols + `, d.phone_id AS device_phone_id, COALESCE(u.loginclient, '') AS owner_login,
	e.line_id IS NOT NULL AS external, COALESCE(e.display_name, '') AS ext_display,
	COALESCE(e.registration_server, '') AS ext_server, COALESCE(e.registration_port, '') AS ext_port,
	COALESCE(e.extension, '') AS ext_extension, COALESCE(e.voicemail, '') AS ext_voicemail`

const phoneLineFrom = lineFrom + ` JOIN devices d ON d.id = l.device_id LEFT JOIN external_lines e ON e.line_id = l.id `

// phones reads the phones a condition on devices d selects ($1… its args), by number, with
// their lines and groups: three queries whatever their count.
func (s *PhoneStore) phones(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) ([]Phone, error) {
	var ps []Phone
	if err := sqlx.SelectContext(ctx, q, &ps, `SELECT d.phone_id, `+prefixed("d.", deviceCols)+` FROM devices d WHERE `+where+` ORDER BY d.phone_id`, args...); err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return ps, nil
	}
	ids := make([]int, len(ps))
	at := make(map[int]int, len(ps))
	for i, p := range ps {
		ids[i], at[p.ID] = p.ID, i
	}
	var ls []PhoneLine
	if err := sqlx.SelectContext(ctx, q, &ls, `SELECT `+phoneLineCols+phoneLineFrom+`
		WHERE d.phone_id = ANY($1) ORDER BY l.num, l.id`, intArray(ids)); err != nil {
		return nil, err
	}
	for _, l := range ls {
		p := &ps[at[l.DevicePhoneID]]
		p.PLines = append(p.PLines, l)
		p.Lines = append(p.Lines, l.Line)
	}
	var gs []PhoneGroup
	if err := sqlx.SelectContext(ctx, q, &gs, `SELECT d.phone_id AS device_phone_id, g.id, g.name, g.description, g.weight, NULL AS count
		FROM phone_group_members m JOIN phone_groups g ON g.id = m.group_id JOIN devices d ON d.id = m.device_id
		WHERE d.phone_id = ANY($1) ORDER BY g.weight, g.id`, intArray(ids)); err != nil {
		return nil, err
	}
	for _, g := range gs {
		p := &ps[at[g.DevicePhoneID]]
		p.Groups = append(p.Groups, g)
	}
	return ps, nil
}

// prefixed qualifies a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// List returns every phone by number.
func (s *PhoneStore) List(ctx context.Context) ([]Phone, error) {
	return s.phones(ctx, s.db, `true`)
}

// ByLine returns the phones with a line whose owner's login, SIP user, number or display
// name contains term (case-insensitively), by number.
func (s *PhoneStore) ByLine(ctx context.Context, term string) ([]Phone, error) {
	return s.phones(ctx, s.db, `d.id IN (SELECT l.device_id FROM lines l LEFT JOIN users u ON u.id = l.user_id
		LEFT JOIN external_lines e ON e.line_id = l.id
		WHERE l.device_id IS NOT NULL AND (COALESCE(u.loginclient, '') ILIKE $1 OR l.name ILIKE $1 OR l.number ILIKE $1
			OR COALESCE(e.extension, '') ILIKE $1 OR COALESCE(e.display_name, '') ILIKE $1
			OR COALESCE(e.registration_server, '') ILIKE $1 OR concat_ws(' ', u.firstname, u.lastname) ILIKE $1))`, likeTerm(term))
}

// Get returns the phone of a reference: its number (tried first when all digits), else its
// MAC in any spelling NormalizeMAC reads; ErrNotFound when none.
func (s *PhoneStore) Get(ctx context.Context, ref string) (*Phone, error) {
	q := s.db
	num, _ := strconv.Atoi(ref)
	if !allDigits(ref) || len(ref) > 9 {
		num = 0
	}
	mac, _ := NormalizeMAC(ref)
	var id int
	err := sqlx.GetContext(ctx, q, &id, `SELECT phone_id FROM devices WHERE phone_id = $1
		UNION ALL SELECT phone_id FROM devices WHERE $2 <> '' AND mac = $2 LIMIT 1`, num, mac)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	ps, err := s.phones(ctx, q, `d.phone_id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, ErrNotFound
	}
	return &ps[0], nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// lockPhone locks the device row of a phone number and returns its device id.
func lockPhone(ctx context.Context, tx *sqlx.Tx, phoneID int) (string, error) {
	var id string
	err := tx.GetContext(ctx, &id, `SELECT id FROM devices WHERE phone_id = $1 FOR UPDATE`, phoneID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return id, err
}

// Create validates and inserts a phone's device and makes it join the groups named (made
// when missing), in one transaction; it returns the phone's number.
func (s *PhoneStore) Create(ctx context.Context, d *Device, groups []string) (int, error) {
	ds := &DeviceStore{db: s.db}
	if d.ID == "" {
		d.ID = randomString(32, "0123456789abcdef")
	}
	if err := ds.check(d); err != nil {
		return 0, err
	}
	var num int
	err := WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		rows, err := tx.NamedQuery(`INSERT INTO devices (`+deviceCols+`) VALUES (:id, :mac,
			:ip, :vendor, :model, :version, :plugin, :sn, :proto, :template_id, :status, :configured,
			:commented, :description) RETURNING phone_id`, d)
		if err != nil {
			return mapPQ(err, deviceConstraints)
		}
		if rows.Next() {
			err = rows.Scan(&num)
		}
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return mapPQ(err, deviceConstraints)
		}
		for _, g := range groups {
			if err := joinGroup(ctx, tx, d.ID, g); err != nil {
				return err
			}
		}
		return nil
	})
	return num, err
}

// Edit merges an edit onto a phone's device, its row locked, and makes the phone join the
// groups named (made when missing); nothing else of the phone changes.
func (s *PhoneStore) Edit(ctx context.Context, phoneID int, merge func(stored *Device) error, groups []string) error {
	ds := &DeviceStore{db: s.db}
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var d Device
		err := tx.GetContext(ctx, &d, `SELECT `+deviceCols+` FROM devices WHERE phone_id = $1 FOR UPDATE`, phoneID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		id := d.ID
		if err := merge(&d); err != nil {
			return err
		}
		d.ID = id
		if err := ds.check(&d); err != nil {
			return err
		}
		if err := updateDevice(ctx, tx, &d); err != nil {
			return err
		}
		for _, g := range groups {
			if err := joinGroup(ctx, tx, id, g); err != nil {
				return err
			}
		}
		return nil
	})
}

// Delete removes a phone's device: its user lines stay, detached; its external lines go.
func (s *PhoneStore) Delete(ctx context.Context, phoneID int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		id, err := lockPhone(ctx, tx, phoneID)
		if err != nil {
			return err
		}
		var gone []string
		if err := tx.SelectContext(ctx, &gone, `DELETE FROM lines WHERE device_id = $1
			AND id IN (SELECT line_id FROM external_lines) RETURNING id::text`, id); err != nil {
			return mapPQ(err, lineConstraints)
		}
		for _, l := range gone {
			if err := DropSettings(ctx, tx, phoneLineOwnerKind, l); err != nil {
				return err
			}
		}
		if err := DropSettings(ctx, tx, phoneOwnerKind, strconv.Itoa(phoneID)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM devices WHERE id = $1`, id)
		return err
	})
}

// joinGroup makes a device join the phone group of a name, making the group (last by
// weight) when missing; already a member is fine.
func joinGroup(ctx context.Context, tx *sqlx.Tx, deviceID, name string) error {
	name = strings.TrimSpace(name)
	if err := checkGroupName("groups.name", name); err != nil {
		return err
	}
	gid, err := ensureGroup(ctx, tx, name)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO phone_group_members (group_id, device_id) VALUES ($1, $2)
		ON CONFLICT DO NOTHING`, gid, deviceID)
	return err
}

func checkGroupName(field, name string) error {
	if name == "" {
		return Invalid(field, "is required")
	}
	if len(name) > 255 || strings.ContainsAny(name, "/\r\n\t") {
		return Invalid(field, "must be at most 255 characters, without / or control characters")
	}
	return nil
}

// ensureGroup returns the id of the phone group of a name, made last by weight when missing.
func ensureGroup(ctx context.Context, tx *sqlx.Tx, name string) (int, error) {
	// Group writes take one advisory lock: weights are drawn and swapped one write at a time.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('phone_groups'))`); err != nil {
		return 0, err
	}
	var id int
	err := tx.GetContext(ctx, &id, `SELECT id FROM phone_groups WHERE name = $1`, name)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	err = tx.GetContext(ctx, &id, `INSERT INTO phone_groups (name, weight)
		VALUES ($1, COALESCE((SELECT max(weight) FROM phone_groups), 0) + 1) RETURNING id`, name)
	return id, mapPQ(err, phoneGroupConstraints)
}

var phoneGroupConstraints = map[string]string{"phone_groups_name_key": "name"}

// LeaveGroup takes a phone out of the phone group of a name; ErrNotFound when the phone or
// the membership does not exist.
func (s *PhoneStore) LeaveGroup(ctx context.Context, phoneID int, name string) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		id, err := lockPhone(ctx, tx, phoneID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM phone_group_members WHERE device_id = $1
			AND group_id = (SELECT id FROM phone_groups WHERE name = $2)`, id, name)
		if err != nil {
			return err
		}
		return oneRow(res)
	})
}

// JoinGroup makes a phone join the phone group of a name (made when missing).
func (s *PhoneStore) JoinGroup(ctx context.Context, phoneID int, name string) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		id, err := lockPhone(ctx, tx, phoneID)
		if err != nil {
			return err
		}
		return joinGroup(ctx, tx, id, name)
	})
}

// LeaveAllGroups takes a phone out of every phone group.
func (s *PhoneStore) LeaveAllGroups(ctx context.Context, phoneID int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		id, err := lockPhone(ctx, tx, phoneID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM phone_group_members WHERE device_id = $1`, id)
		return err
	})
}

// ErrNoFreeSlot: the phone's model has no line key left.
var ErrNoFreeSlot = errors.New("the phone has no free line")

// freeSlot locks the phone and returns its device id and its first slot without a line,
// 1 … maxLines; a validation error when every slot is taken.
func freeSlot(ctx context.Context, tx *sqlx.Tx, phoneID, maxLines int) (string, int, error) {
	id, err := lockPhone(ctx, tx, phoneID)
	if err != nil {
		return "", 0, err
	}
	var taken []int
	if err := tx.SelectContext(ctx, &taken, `SELECT num FROM lines WHERE device_id = $1`, id); err != nil {
		return "", 0, err
	}
	used := map[int]bool{}
	for _, n := range taken {
		used[n] = true
	}
	for n := 1; n <= maxLines; n++ {
		if !used[n] {
			return id, n, nil
		}
	}
	return "", 0, Invalid("lines", fmt.Sprintf("the phone's model has %d line(s), all taken", maxLines))
}

// ErrUserNotFound: a body names a user that does not exist.
var ErrUserNotFound = errors.New("User not found")

// AttachUserLine attaches the first SIP line of a user (an id, tried first when all digits,
// a login or an alias) to the phone's next free slot; a user without one gets one (SIP
// name = login, a drawn secret, the default internal context). It returns the line's id.
func (s *PhoneStore) AttachUserLine(ctx context.Context, phoneID, maxLines int, user string) (int, error) {
	var lineID int
	err := WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		dev, slot, err := freeSlot(ctx, tx, phoneID, maxLines)
		if err != nil {
			return err
		}
		num := 0
		if allDigits(user) && len(user) < 10 {
			num, _ = strconv.Atoi(user)
		}
		var u struct {
			ID    int    `db:"id"`
			Login string `db:"login"`
		}
		err = tx.GetContext(ctx, &u, `SELECT id, login FROM (
			SELECT id, COALESCE(loginclient, '') AS login, 0 AS rank FROM users WHERE id = $2
			UNION ALL SELECT id, loginclient, 1 FROM users WHERE lower(loginclient) = lower($1) AND loginclient <> ''
			UNION ALL SELECT u.id, COALESCE(u.loginclient, ''), 2 FROM user_aliases a JOIN users u ON u.id = a.user_id WHERE a.alias = $1) c
			ORDER BY rank LIMIT 1`, user, num)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrUserNotFound
		}
		if err != nil {
			return err
		}
		err = tx.GetContext(ctx, &lineID, `SELECT id FROM lines WHERE user_id = $1 AND protocol = 'sip'
			ORDER BY id LIMIT 1 FOR UPDATE`, u.ID)
		if err == nil {
			_, err = tx.ExecContext(ctx, `UPDATE lines SET device_id = $2, num = $3 WHERE id = $1`, lineID, dev, slot)
			return err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		context, err := defaultInternalContext(ctx, tx)
		if err != nil {
			return err
		}
		l := &Line{UserID: &u.ID, Protocol: "sip", Name: u.Login, Context: context, DeviceID: &dev, Num: slot,
			RulesTime: "30", ConfigRegistrar: "default"}
		if err := s.lines.insert(ctx, tx, l, "line.", nil); err != nil {
			return err
		}
		lineID = l.ID
		return nil
	})
	return lineID, err
}

// defaultInternalContext is the context new lines go to: "default" when it is an internal
// context, else the first internal one by name.
func defaultInternalContext(ctx context.Context, q sqlx.QueryerContext) (string, error) {
	var name string
	err := sqlx.GetContext(ctx, q, &name, `SELECT name FROM contexts WHERE contexttype = 'internal'
		ORDER BY name <> 'default', name LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return "", Invalid("line.context", "there is no internal context to put the line in")
	}
	return name, err
}

// AddExternalLine makes a free line registering elsewhere and attaches it to the phone's
// next free slot; it returns the line's id.
func (s *PhoneStore) AddExternalLine(ctx context.Context, phoneID, maxLines int, x ExternalLine) (int, error) {
	var lineID int
	err := WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		dev, slot, err := freeSlot(ctx, tx, phoneID, maxLines)
		if err != nil {
			return err
		}
		context, err := defaultInternalContext(ctx, tx)
		if err != nil {
			return err
		}
		l := &Line{Protocol: "sip", Name: x.UserID, Secret: x.Password, Context: context, DeviceID: &dev, Num: slot,
			RulesTime: "30", ConfigRegistrar: "default", CallerID: x.DisplayName}
		if err := s.lines.insert(ctx, tx, l, "line.", nil); err != nil {
			return err
		}
		lineID = l.ID
		_, err = tx.ExecContext(ctx, `INSERT INTO external_lines (line_id, display_name, registration_server,
			registration_port, extension, voicemail) VALUES ($1, $2, $3, $4, $5, $6)`,
			l.ID, x.DisplayName, x.Server, x.Port, x.Extension, x.Voicemail)
		return mapPQ(err, nil)
	})
	return lineID, err
}

// RemoveLines takes lines off a phone (every line when lineID is 0): user lines are
// detached (their users keep them), external lines deleted. ErrNotFound when the phone
// does not exist or the line is not on it.
func (s *PhoneStore) RemoveLines(ctx context.Context, phoneID, lineID int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		dev, err := lockPhone(ctx, tx, phoneID)
		if err != nil {
			return err
		}
		var ids []int
		if err := tx.SelectContext(ctx, &ids, `SELECT id FROM lines WHERE device_id = $1 AND ($2 = 0 OR id = $2)
			FOR UPDATE`, dev, lineID); err != nil {
			return err
		}
		if lineID != 0 && len(ids) == 0 {
			return ErrNotFound
		}
		var gone []string
		if err := tx.SelectContext(ctx, &gone, `DELETE FROM lines WHERE id = ANY($1) AND id IN (SELECT line_id FROM external_lines)
			RETURNING id::text`, intArray(ids)); err != nil {
			return mapPQ(err, lineConstraints)
		}
		for _, l := range gone {
			if err := DropSettings(ctx, tx, phoneLineOwnerKind, l); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE lines SET device_id = NULL, num = 1 WHERE id = ANY($1)`, intArray(ids))
		return err
	})
}

// Groups returns every phone group by weight, with its phone count.
func (s *PhoneStore) Groups(ctx context.Context) ([]PhoneGroup, error) {
	var gs []PhoneGroup
	err := s.db.SelectContext(ctx, &gs, `SELECT g.id, g.name, g.description, g.weight,
		(SELECT count(*) FROM phone_group_members m WHERE m.group_id = g.id) AS count, 0 AS device_phone_id
		FROM phone_groups g ORDER BY g.weight, g.id`)
	return gs, err
}

// Group returns the phone group of a reference (its id, tried first when all digits, else
// its name), without count; ErrNotFound when none.
func (s *PhoneStore) Group(ctx context.Context, ref string) (*PhoneGroup, error) {
	num := 0
	if allDigits(ref) && len(ref) < 10 {
		num, _ = strconv.Atoi(ref)
	}
	var g PhoneGroup
	err := s.db.GetContext(ctx, &g, `SELECT id, name, description, weight, NULL AS count, 0 AS device_phone_id FROM (
		SELECT id, name, description, weight, 0 AS rank FROM phone_groups WHERE id = $2
		UNION ALL SELECT id, name, description, weight, 1 FROM phone_groups WHERE name = $1) c
		ORDER BY rank LIMIT 1`, ref, num)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &g, err
}

// lockGroup reads the phone group of an id under a row lock.
func lockGroup(ctx context.Context, tx *sqlx.Tx, id int, lock string) (*PhoneGroup, error) {
	var g PhoneGroup
	err := tx.GetContext(ctx, &g, `SELECT id, name, description, weight, NULL AS count, 0 AS device_phone_id
		FROM phone_groups WHERE id = $1 `+lock, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &g, err
}

// CreateGroup makes a phone group, last by weight, and returns its id.
func (s *PhoneStore) CreateGroup(ctx context.Context, name, description string) (int, error) {
	name = strings.TrimSpace(name)
	if err := checkGroupName("name", name); err != nil {
		return 0, err
	}
	if len(description) > 255 {
		return 0, Invalid("description", "must be at most 255 characters")
	}
	var id int
	err := WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('phone_groups'))`); err != nil {
			return err
		}
		err := tx.GetContext(ctx, &id, `INSERT INTO phone_groups (name, description, weight)
			VALUES ($1, $2, COALESCE((SELECT max(weight) FROM phone_groups), 0) + 1) RETURNING id`, name, description)
		if err != nil {
			mapped := mapPQ(err, phoneGroupConstraints)
			var ce *ConflictError
			if errors.As(mapped, &ce) {
				return &ConflictError{Field: "name", Msg: "A phone group named " + name + " already exists"}
			}
			return mapped
		}
		return nil
	})
	return id, err
}

// EditGroup merges a name and a description (nil: kept) onto a phone group.
func (s *PhoneStore) EditGroup(ctx context.Context, id int, name, description *string) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		g, err := lockGroup(ctx, tx, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		if name != nil {
			g.Name = strings.TrimSpace(*name)
			if err := checkGroupName("name", g.Name); err != nil {
				return err
			}
		}
		if description != nil {
			if len(*description) > 255 {
				return Invalid("description", "must be at most 255 characters")
			}
			g.Description = *description
		}
		_, err = tx.ExecContext(ctx, `UPDATE phone_groups SET name = $2, description = $3 WHERE id = $1`, id, g.Name, g.Description)
		mapped := mapPQ(err, phoneGroupConstraints)
		var ce *ConflictError
		if errors.As(mapped, &ce) {
			return &ConflictError{Field: "name", Msg: "A phone group named " + g.Name + " already exists"}
		}
		return mapped
	})
}

// DeleteGroup removes a phone group; its phones just leave it.
func (s *PhoneStore) DeleteGroup(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM phone_groups WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		return DropSettings(ctx, tx, phoneGroupOwnerKind, strconv.Itoa(id))
	})
}

// MoveGroup swaps a phone group's weight with its neighbour's (up: the one before it, by
// weight); nothing moves at an end.
func (s *PhoneStore) MoveGroup(ctx context.Context, id int, up bool) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('phone_groups'))`); err != nil {
			return err
		}
		var order []PhoneGroup
		if err := tx.SelectContext(ctx, &order, `SELECT id, name, description, weight, NULL AS count, 0 AS device_phone_id
			FROM phone_groups ORDER BY weight, id FOR UPDATE`); err != nil {
			return err
		}
		at := -1
		for i, g := range order {
			if g.ID == id {
				at = i
			}
		}
		if at < 0 {
			return ErrNotFound
		}
		other := at + 1
		if up {
			other = at - 1
		}
		if other < 0 || other >= len(order) {
			return nil
		}
		// Weights may tie (groups made before weights were drawn): renumber, then swap.
		for i := range order {
			order[i].Weight = i + 1
		}
		order[at].Weight, order[other].Weight = order[other].Weight, order[at].Weight
		for _, g := range order {
			if _, err := tx.ExecContext(ctx, `UPDATE phone_groups SET weight = $2 WHERE id = $1 AND weight <> $2`, g.ID, g.Weight); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetGroupFirmware sets the version of the group's phones of a model (its XiVO vendor and
// model strings) and says how many phones changed.
func (s *PhoneStore) SetGroupFirmware(ctx context.Context, id int, m PhoneModel, version string) (int, error) {
	n := 0
	err := WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := lockGroup(ctx, tx, id, "FOR KEY SHARE"); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE devices d SET version = $2
			WHERE d.id IN (SELECT device_id FROM phone_group_members WHERE group_id = $1)
			  AND (`+modelCondition+`)`, id, version, m.Vendor, m.Model, m.ID == GenericPhoneModel, pq.Array(knownModelKeys()))
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		n = int(k)
		return nil
	})
	return n, err
}

// modelCondition selects devices d of a catalogue model: $3/$4 its XiVO vendor and model,
// $5 whether it is the generic phone (every pair the catalogue does not know, $6).
const modelCondition = `($5 AND NOT (lower(d.vendor) || '/' || lower(d.model) = ANY($6)))
	OR (NOT $5 AND lower(d.vendor) = lower($3) AND lower(d.model) = lower($4))`

func knownModelKeys() []string {
	var out []string
	for _, m := range phoneModels {
		if m.Vendor != "" {
			out = append(out, strings.ToLower(m.Vendor)+"/"+strings.ToLower(m.Model))
		}
	}
	return out
}

// PhoneContacts are the live contacts registered for each phone (by number): bindings whose
// instance names the phone's MAC, or of its SIP lines' names and numbers. A phone without
// any maps to none.
func (s *PhoneStore) PhoneContacts(ctx context.Context, phoneIDs []int) (map[int][]RegisteredContact, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.phone_id, r.contact, COALESCE(r.received, '')
		FROM devices d JOIN registrations r ON r.expires > localtimestamp AND (
			(d.mac <> '' AND lower(COALESCE(r.instance, '')) LIKE '%' || replace(d.mac, ':', '') || '%')
			OR r.username IN (SELECT l.name FROM lines l WHERE l.device_id = d.id AND l.protocol = 'sip' AND NOT l.commented
				UNION SELECT l.number FROM lines l WHERE l.device_id = d.id AND l.protocol = 'sip' AND NOT l.commented AND l.number <> ''))
		WHERE d.phone_id = ANY($1)
		ORDER BY d.phone_id, r.q DESC, r.last_modified DESC`, intArray(phoneIDs))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int][]RegisteredContact{}
	seen := map[string]bool{}
	for rows.Next() {
		var id int
		var c RegisteredContact
		if err := rows.Scan(&id, &c.Contact, &c.Received); err != nil {
			return nil, err
		}
		k := strconv.Itoa(id) + " " + c.Contact
		if !seen[k] {
			seen[k] = true
			out[id] = append(out[id], c)
		}
	}
	return out, rows.Err()
}

// PhoneIDs are the numbers of the phones a batch names: every phone (all), those of a
// user's lines (user: an id, a login or an alias), or of a phone group (group: an id or a
// name). ErrNotFound when the user or group does not exist.
func (s *PhoneStore) PhoneIDs(ctx context.Context, all bool, user, group string) ([]int, error) {
	var ids []int
	switch {
	case all:
		return ids, s.db.SelectContext(ctx, &ids, `SELECT phone_id FROM devices ORDER BY phone_id`)
	case user != "":
		num := 0
		if allDigits(user) && len(user) < 10 {
			num, _ = strconv.Atoi(user)
		}
		var uid int
		err := s.db.GetContext(ctx, &uid, `SELECT id FROM (
			SELECT id, 0 AS rank FROM users WHERE id = $2
			UNION ALL SELECT id, 1 FROM users WHERE lower(loginclient) = lower($1) AND loginclient <> ''
			UNION ALL SELECT user_id, 2 FROM user_aliases WHERE alias = $1) c ORDER BY rank LIMIT 1`, user, num)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		if err != nil {
			return nil, err
		}
		return ids, s.db.SelectContext(ctx, &ids, `SELECT DISTINCT d.phone_id FROM devices d JOIN lines l ON l.device_id = d.id
			WHERE l.user_id = $1 ORDER BY d.phone_id`, uid)
	}
	g, err := s.Group(ctx, group)
	if err != nil {
		return nil, err
	}
	return ids, s.db.SelectContext(ctx, &ids, `SELECT d.phone_id FROM devices d JOIN phone_group_members m ON m.device_id = d.id
		WHERE m.group_id = $1 ORDER BY d.phone_id`, g.ID)
}

// ExistingPhones are those of the numbers that name a phone.
func (s *PhoneStore) ExistingPhones(ctx context.Context, ids []int) ([]int, error) {
	var out []int
	return out, s.db.SelectContext(ctx, &out, `SELECT phone_id FROM devices WHERE phone_id = ANY($1) ORDER BY phone_id`, intArray(ids))
}

// VoicemailAccess is the number users dial for their voicemail (the vmusermsg feature
// code; "" when that feature is off).
func (s *PhoneStore) VoicemailAccess(ctx context.Context) (string, error) {
	set, err := (&SettingsStore{db: s.db}).Get(ctx, "extenfeatures")
	if err != nil {
		return "", err
	}
	if on, _ := set.Values["vmusermsg.enabled"].(bool); !on {
		return "", nil
	}
	exten, _ := set.Values["vmusermsg.exten"].(string)
	return exten, nil
}
