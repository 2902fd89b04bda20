package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// ERL is an e911 emergency response location: where a caller is, and the ELIN (the
// number a PSAP calls back) that a 911 call from there carries.
type ERL struct {
	ELIN        string `db:"elin"`
	Location    string `db:"location"`
	AddressInfo string `db:"address_info"`
	Description string `db:"description"`
}

// PhoneERL is a phone (by MAC) and its ERL (nil: none).
type PhoneERL struct {
	MAC string
	ERL *ERL
}

// ERLStore reads and writes ERLs and what is linked to them: users, user groups, phones
// and, through their phones, phone groups.
type ERLStore struct{ db *sqlx.DB }

const erlCols = `elin, location, address_info, description`

// CheckELIN says what is wrong with an ELIN ("" when nothing): a North American number.
func CheckELIN(elin string) string {
	ok := len(elin) == 10 || (len(elin) == 11 && elin[0] == '1')
	for i := 0; i < len(elin) && ok; i++ {
		ok = elin[i] >= '0' && elin[i] <= '9'
	}
	if !ok {
		return "must be a North American number: 10 digits, or 11 starting with 1"
	}
	return ""
}

// check validates e; prefix names its fields ("erls[0]." or "erl.").
func (e *ERL) check(prefix string, ve *ValidationError) {
	if rule := CheckELIN(e.ELIN); rule != "" {
		ve.Add(prefix+"elin", rule)
	}
	if e.Location == "" {
		ve.Add(prefix+"location", "is required")
	}
	for _, f := range []struct {
		name, v string
	}{{"location", e.Location}, {"address_info", e.AddressInfo}, {"description", e.Description}} {
		if utf8.RuneCountInString(f.v) > 255 {
			ve.Add(prefix+f.name, "must be at most 255 characters")
		}
	}
}

// List returns every ERL by ELIN.
func (s *ERLStore) List(ctx context.Context) ([]ERL, error) {
	out := []ERL{}
	return out, s.db.SelectContext(ctx, &out, `SELECT `+erlCols+` FROM erls ORDER BY elin`)
}

// Get returns the ERL of an ELIN or ErrNotFound.
func (s *ERLStore) Get(ctx context.Context, elin string) (*ERL, error) {
	return getERL(ctx, s.db, elin, "")
}

func getERL(ctx context.Context, q sqlx.QueryerContext, elin, lock string) (*ERL, error) {
	var e ERL
	err := sqlx.GetContext(ctx, q, &e, `SELECT `+erlCols+` FROM erls WHERE elin = $1 `+lock, elin)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &e, err
}

// SaveAll creates or replaces ERLs by ELIN, all in one transaction or none; refusals name
// the ERL by position ("erls[1].elin").
func (s *ERLStore) SaveAll(ctx context.Context, es []ERL) error {
	ve := &ValidationError{}
	seen := map[string]int{}
	for i := range es {
		prefix := fmt.Sprintf("erls[%d].", i)
		es[i].check(prefix, ve)
		if j, dup := seen[es[i].ELIN]; dup {
			ve.Add(prefix+"elin", fmt.Sprintf("is given twice: also at position %d of the list", j))
		}
		seen[es[i].ELIN] = i
	}
	if err := ve.OrNil(); err != nil {
		return err
	}
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		for i := range es {
			if _, err := tx.NamedExecContext(ctx, `INSERT INTO erls (`+erlCols+`)
				VALUES (:elin, :location, :address_info, :description)
				ON CONFLICT (elin) DO UPDATE SET location = EXCLUDED.location,
					address_info = EXCLUDED.address_info, description = EXCLUDED.description`, &es[i]); err != nil {
				return mapPQ(err, nil)
			}
		}
		return nil
	})
}

// Edit merges an edit onto the stored ERL in one transaction that locks it first; the ELIN
// stays.
func (s *ERLStore) Edit(ctx context.Context, elin string, merge func(stored *ERL) (*ERL, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*ERL, error) {
		return getERL(ctx, tx, elin, "FOR UPDATE")
	}, merge, func(tx *sqlx.Tx, _, e *ERL) error {
		e.ELIN = elin
		ve := &ValidationError{}
		e.check("erl.", ve)
		if err := ve.OrNil(); err != nil {
			return err
		}
		_, err := tx.NamedExecContext(ctx, `UPDATE erls SET location = :location,
			address_info = :address_info, description = :description WHERE elin = :elin`, e)
		return mapPQ(err, nil)
	})
}

// Delete removes the ERLs of the ELINs, all or none (ErrNotFound when one is unknown);
// whatever was linked to them is left with no ERL.
func (s *ERLStore) Delete(ctx context.Context, elins []string) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		for _, elin := range elins {
			res, err := tx.ExecContext(ctx, `DELETE FROM erls WHERE elin = $1`, elin)
			if err != nil {
				return err
			}
			if err := oneRow(res); err != nil {
				return fmt.Errorf("ERL %s: %w", elin, err)
			}
		}
		return nil
	})
}

// lockERL checks, inside a link's transaction, that the ELIN names an ERL and keeps it
// from being deleted until the link is written; field names the ELIN in the refusal.
func lockERL(ctx context.Context, tx *sqlx.Tx, field, elin string) error {
	_, err := getERL(ctx, tx, elin, "FOR KEY SHARE")
	if errors.Is(err, ErrNotFound) {
		return Invalid(field, "no ERL has the ELIN "+elin)
	}
	return err
}

// UserERL is the ERL of a user: the user's own, else that of the user's first group (by
// id) that has one. nil when none.
func (s *ERLStore) UserERL(ctx context.Context, userID int) (*ERL, error) {
	var out []ERL
	err := s.db.SelectContext(ctx, &out, `SELECT e.elin, e.location, e.address_info, e.description FROM (
			SELECT elin, 0 AS rank FROM user_erls WHERE user_id = $1
			UNION ALL SELECT g.elin, m.group_id FROM user_group_members m
				JOIN user_group_erls g ON g.group_id = m.group_id WHERE m.user_id = $1
		) l JOIN erls e ON e.elin = l.elin ORDER BY l.rank LIMIT 1`, userID)
	if err != nil || len(out) == 0 {
		return nil, err
	}
	return &out[0], nil
}

// SetUserERL links a user to the ERL of an ELIN ("": to none).
func (s *ERLStore) SetUserERL(ctx context.Context, userID int, elin string) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if elin == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM user_erls WHERE user_id = $1`, userID)
			return err
		}
		if err := lockERL(ctx, tx, "elin", elin); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO user_erls (user_id, elin) VALUES ($1, $2)
			ON CONFLICT (user_id) DO UPDATE SET elin = EXCLUDED.elin`, userID, elin)
		return mapPQ(err, map[string]string{"user_erls_user_id_fkey": "user"})
	})
}

// userGroupID is the id of the user group of a name, or ErrNotFound.
func userGroupID(ctx context.Context, q sqlx.QueryerContext, name string) (int, error) {
	var id int
	err := sqlx.GetContext(ctx, q, &id, `SELECT id FROM user_groups WHERE name = $1`, name)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return id, err
}

// GroupERL is the ERL of the user group of a name (nil when none), or ErrNotFound.
func (s *ERLStore) GroupERL(ctx context.Context, group string) (*ERL, error) {
	id, err := userGroupID(ctx, s.db, group)
	if err != nil {
		return nil, err
	}
	var out []ERL
	err = s.db.SelectContext(ctx, &out, `SELECT e.elin, e.location, e.address_info, e.description
		FROM user_group_erls g JOIN erls e ON e.elin = g.elin WHERE g.group_id = $1`, id)
	if err != nil || len(out) == 0 {
		return nil, err
	}
	return &out[0], nil
}

// SetGroupERL links the user group of a name to the ERL of an ELIN ("": to none).
func (s *ERLStore) SetGroupERL(ctx context.Context, group, elin string) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var id int
		err := tx.GetContext(ctx, &id, `SELECT id FROM user_groups WHERE name = $1 FOR KEY SHARE`, group)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if elin == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM user_group_erls WHERE group_id = $1`, id)
			return err
		}
		if err := lockERL(ctx, tx, "elin", elin); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO user_group_erls (group_id, elin) VALUES ($1, $2)
			ON CONFLICT (group_id) DO UPDATE SET elin = EXCLUDED.elin`, id, elin)
		return err
	})
}

// phoneERLs reads the ERLs of devices by id, in the order of ids.
func phoneERLs(ctx context.Context, q sqlx.QueryerContext, where string, arg any) ([]PhoneERL, error) {
	var rows []struct {
		MAC         string         `db:"mac"`
		ELIN        sql.NullString `db:"elin"`
		Location    sql.NullString `db:"location"`
		AddressInfo sql.NullString `db:"address_info"`
		Description sql.NullString `db:"description"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT d.mac, e.elin, e.location, e.address_info, e.description
		FROM devices d LEFT JOIN device_erls l ON l.device_id = d.id LEFT JOIN erls e ON e.elin = l.elin
		WHERE `+where+` ORDER BY d.mac`, arg)
	if err != nil {
		return nil, err
	}
	out := make([]PhoneERL, len(rows))
	for i, r := range rows {
		out[i].MAC = r.MAC
		if r.ELIN.Valid {
			out[i].ERL = &ERL{ELIN: r.ELIN.String, Location: r.Location.String, AddressInfo: r.AddressInfo.String, Description: r.Description.String}
		}
	}
	return out, nil
}

// PhoneERLs are the ERLs of the phones of the MACs (normalised), by MAC; ErrNotFound names
// the first MAC no device has.
func (s *ERLStore) PhoneERLs(ctx context.Context, macs []string) ([]PhoneERL, error) {
	out, err := phoneERLs(ctx, s.db, `d.mac = ANY($1)`, pq.StringArray(macs))
	if err != nil {
		return nil, err
	}
	found := map[string]bool{}
	for _, p := range out {
		found[p.MAC] = true
	}
	for _, m := range macs {
		if !found[m] {
			return nil, fmt.Errorf("phone %s: %w", m, ErrNotFound)
		}
	}
	return out, nil
}

// SetPhoneERLs links phones (by normalised MAC) to ERLs ("" ELIN: none), all in one
// transaction or none; a refusal names the link by position ("phones[1].mac").
func (s *ERLStore) SetPhoneERLs(ctx context.Context, links []PhoneERL) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		ve := &ValidationError{}
		ids := make([]string, len(links))
		for i, l := range links {
			prefix := fmt.Sprintf("phones[%d].", i)
			err := tx.GetContext(ctx, &ids[i], `SELECT id FROM devices WHERE mac = $1 FOR KEY SHARE`, l.MAC)
			if errors.Is(err, sql.ErrNoRows) {
				ve.Add(prefix+"mac", "no phone has the serial number "+l.MAC)
			} else if err != nil {
				return err
			}
			if l.ERL != nil {
				var one *ValidationError
				if err := lockERL(ctx, tx, prefix+"elin", l.ERL.ELIN); errors.As(err, &one) {
					ve.Merge("", one)
				} else if err != nil {
					return err
				}
			}
		}
		if err := ve.OrNil(); err != nil {
			return err
		}
		for i, l := range links {
			if err := setDeviceERL(ctx, tx, ids[i], l.ERL); err != nil {
				return err
			}
		}
		return nil
	})
}

func setDeviceERL(ctx context.Context, tx *sqlx.Tx, deviceID string, e *ERL) error {
	if e == nil {
		_, err := tx.ExecContext(ctx, `DELETE FROM device_erls WHERE device_id = $1`, deviceID)
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO device_erls (device_id, elin) VALUES ($1, $2)
		ON CONFLICT (device_id) DO UPDATE SET elin = EXCLUDED.elin`, deviceID, e.ELIN)
	return err
}

// phoneGroupID is the id of the phone group of a name, or ErrNotFound.
func phoneGroupID(ctx context.Context, q sqlx.QueryerContext, name, lock string) (int, error) {
	var id int
	err := sqlx.GetContext(ctx, q, &id, `SELECT id FROM phone_groups WHERE name = $1 `+lock, name)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("phone group %s: %w", name, ErrNotFound)
	}
	return id, err
}

// PhoneGroupERLs are the ERLs of the phones of the phone group of a name, by MAC, or
// ErrNotFound.
func (s *ERLStore) PhoneGroupERLs(ctx context.Context, group string) ([]PhoneERL, error) {
	id, err := phoneGroupID(ctx, s.db, group, "")
	if err != nil {
		return nil, err
	}
	return phoneERLs(ctx, s.db, `d.id IN (SELECT device_id FROM phone_group_members WHERE group_id = $1)`, id)
}

// SetPhoneGroupERL links every phone of the phone group of a name to the ERL of an ELIN
// ("": to none); it returns how many phones the group has.
func (s *ERLStore) SetPhoneGroupERL(ctx context.Context, group, elin string) (int, error) {
	n := 0
	err := WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		id, err := phoneGroupID(ctx, tx, group, "FOR KEY SHARE")
		if err != nil {
			return err
		}
		var e *ERL
		if elin != "" {
			if err := lockERL(ctx, tx, "elin", elin); err != nil {
				return err
			}
			e = &ERL{ELIN: elin}
		}
		var devices []string
		if err := tx.SelectContext(ctx, &devices, `SELECT device_id FROM phone_group_members
			WHERE group_id = $1 ORDER BY device_id FOR KEY SHARE`, id); err != nil {
			return err
		}
		for _, d := range devices {
			if err := setDeviceERL(ctx, tx, d, e); err != nil {
				return err
			}
		}
		n = len(devices)
		return nil
	})
	return n, err
}
