package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Permission is a sipX permission: built in, or a custom call permission that is also a
// XiVO call right (RightCallID).
type Permission struct {
	Name         string `db:"name"`
	Label        string `db:"label" validate:"required,max=128,printable"`
	Description  string `db:"description" validate:"max=1000,printable"`
	DefaultValue bool   `db:"default_value"`
	Type         string `db:"type"`
	BuiltIn      bool   `db:"builtin"`
	RightCallID  *int   `db:"rightcall_id"`
}

// PermissionStore reads and writes permissions and the values users and groups give them.
type PermissionStore struct{ db *sqlx.DB }

const permissionCols = `name, label, description, default_value, type, builtin, rightcall_id`

// List returns every permission by name.
func (s *PermissionStore) List(ctx context.Context) ([]Permission, error) {
	var out []Permission
	err := s.db.SelectContext(ctx, &out, `SELECT `+permissionCols+` FROM permissions ORDER BY name`)
	return out, err
}

// Get returns one permission or ErrNotFound.
func (s *PermissionStore) Get(ctx context.Context, name string) (*Permission, error) {
	var p Permission
	err := s.db.GetContext(ctx, &p, `SELECT `+permissionCols+` FROM permissions WHERE name = $1`, name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &p, err
}

// Create adds a custom call permission: its name is drawn (perm_N), and a XiVO call right
// of that name stands for it.
func (s *PermissionStore) Create(ctx context.Context, p *Permission) error {
	p.Type, p.BuiltIn = "CALL", false
	if err := CheckIn("permission", p).OrNil(); err != nil {
		return err
	}
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT nextval('permission_numbers')`); err != nil {
			return err
		}
		p.Name = fmt.Sprintf("perm_%d", n)
		var rc int
		if err := tx.GetContext(ctx, &rc, `INSERT INTO rightcalls (name, description) VALUES ($1, $2) RETURNING id`, p.Name, p.Label); err != nil {
			return mapPQ(err, nil)
		}
		p.RightCallID = &rc
		_, err := tx.ExecContext(ctx, `INSERT INTO permissions (`+permissionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			p.Name, p.Label, p.Description, p.DefaultValue, p.Type, p.BuiltIn, p.RightCallID)
		return mapPQ(err, nil)
	})
}

// Edit merges an edit of a permission's label, description and default, locked.
func (s *PermissionStore) Edit(ctx context.Context, name string, merge func(stored *Permission) (*Permission, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*Permission, error) {
		var p Permission
		err := tx.GetContext(ctx, &p, `SELECT `+permissionCols+` FROM permissions WHERE name = $1 FOR UPDATE`, name)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return &p, err
	}, merge, func(tx *sqlx.Tx, _, p *Permission) error {
		if err := CheckIn("permission", p).OrNil(); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE permissions SET label = $2, description = $3, default_value = $4 WHERE name = $1`,
			name, p.Label, p.Description, p.DefaultValue)
		return err
	})
}

// Delete removes a custom permission (and its call right); built-in ones stay (ConflictError).
func (s *PermissionStore) Delete(ctx context.Context, name string) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var p Permission
		err := tx.GetContext(ctx, &p, `SELECT `+permissionCols+` FROM permissions WHERE name = $1 FOR UPDATE`, name)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if p.BuiltIn {
			return &ConflictError{Field: "permission.name", Msg: "permission " + name + " is built in: it cannot be deleted"}
		}
		if p.RightCallID != nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM rightcalls WHERE id = $1`, *p.RightCallID)
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM permissions WHERE name = $1`, name)
		}
		return err
	})
}

// PermissionValue is one permission as a user or group has it: Value nil means the holder
// set nothing (a user then inherits).
type PermissionValue struct {
	Permission
	Value *bool
}

// PermissionHolder is a user or a user group with the value of every permission.
type PermissionHolder struct {
	ID int
	// A user's names, or a group's name and description.
	FirstName, LastName string
	Name, Description   string
	// Branch is a user's entity (0 for groups).
	Branch int
	Values []PermissionValue
}

// holderKind is what differs between users and groups holding permissions.
type holderKind struct {
	values, idCol string // the values table and its holder column
	rows          string // id + the identity columns, for one ($1) or every holder (no $1)
	lock          string
}

var (
	userHolders = holderKind{values: "user_permissions", idCol: "user_id",
		rows: `SELECT id, firstname AS first_name, lastname AS last_name, '' AS name, '' AS description, entity_id AS branch FROM users`,
		lock: `SELECT id FROM users WHERE id = $1 FOR UPDATE`}
	groupHolders = holderKind{values: "group_permissions", idCol: "group_id",
		rows: `SELECT id, '' AS first_name, '' AS last_name, name, description, 0 AS branch FROM user_groups`,
		lock: `SELECT id FROM user_groups WHERE id = $1 FOR UPDATE`}
)

// UserPermissions returns every user (ids nil) or the listed ones with their values; a
// custom call permission is on for a user who has its XiVO call right.
func (s *PermissionStore) UserPermissions(ctx context.Context, ids []int) ([]PermissionHolder, error) {
	return s.holders(ctx, s.db, userHolders, ids)
}

// GroupPermissions returns every group (ids nil) or the listed ones with their values.
func (s *PermissionStore) GroupPermissions(ctx context.Context, ids []int) ([]PermissionHolder, error) {
	return s.holders(ctx, s.db, groupHolders, ids)
}

// UserPermission and GroupPermission return one holder or ErrNotFound.
func (s *PermissionStore) UserPermission(ctx context.Context, id int) (*PermissionHolder, error) {
	return s.holder(ctx, s.db, userHolders, id)
}

func (s *PermissionStore) GroupPermission(ctx context.Context, id int) (*PermissionHolder, error) {
	return s.holder(ctx, s.db, groupHolders, id)
}

func (s *PermissionStore) holder(ctx context.Context, q sqlx.QueryerContext, k holderKind, id int) (*PermissionHolder, error) {
	hs, err := s.holders(ctx, q, k, []int{id})
	if err != nil {
		return nil, err
	}
	if len(hs) == 0 {
		return nil, ErrNotFound
	}
	return &hs[0], nil
}

func (s *PermissionStore) holders(ctx context.Context, q sqlx.QueryerContext, k holderKind, ids []int) ([]PermissionHolder, error) {
	var rows []struct {
		ID          int    `db:"id"`
		FirstName   string `db:"first_name"`
		LastName    string `db:"last_name"`
		Name        string `db:"name"`
		Description string `db:"description"`
		Branch      int    `db:"branch"`
	}
	query, args := k.rows+` ORDER BY id`, []any{}
	if ids != nil {
		query, args = k.rows+` WHERE id = ANY($1) ORDER BY id`, []any{intArray(ids)}
	}
	if err := sqlx.SelectContext(ctx, q, &rows, query, args...); err != nil {
		return nil, err
	}
	var perms []Permission
	if err := sqlx.SelectContext(ctx, q, &perms, `SELECT `+permissionCols+` FROM permissions ORDER BY name`); err != nil {
		return nil, err
	}
	held := make([]int, len(rows))
	for i, r := range rows {
		held[i] = r.ID
	}
	var values []struct {
		Holder     int    `db:"holder"`
		Permission string `db:"permission"`
		Enabled    bool   `db:"enabled"`
	}
	vq := `SELECT ` + k.idCol + ` AS holder, permission, enabled FROM ` + k.values + ` WHERE ` + k.idCol + ` = ANY($1)`
	if k.idCol == "user_id" {
		// A call right held through XiVO turns its custom permission on.
		vq += ` UNION ALL SELECT ur.user_id, p.name, true FROM user_rightcalls ur JOIN permissions p ON p.rightcall_id = ur.rightcall_id
			WHERE ur.user_id = ANY($1)`
	}
	if err := sqlx.SelectContext(ctx, q, &values, vq, intArray(held)); err != nil {
		return nil, err
	}
	set := map[[2]string]bool{}
	for _, v := range values {
		key := [2]string{fmt.Sprint(v.Holder), v.Permission}
		set[key] = set[key] || v.Enabled // a XiVO call right turns it on whatever the value says
	}
	out := make([]PermissionHolder, len(rows))
	for i, r := range rows {
		h := PermissionHolder{ID: r.ID, FirstName: r.FirstName, LastName: r.LastName, Name: r.Name, Description: r.Description, Branch: r.Branch}
		for _, p := range perms {
			pv := PermissionValue{Permission: p}
			if v, ok := set[[2]string{fmt.Sprint(r.ID), p.Name}]; ok {
				pv.Value = &v
			}
			h.Values = append(h.Values, pv)
		}
		out[i] = h
	}
	return out, nil
}

// EditUserPermissions and EditGroupPermissions merge an edit of a holder's values in one
// transaction that locks the holder: merge returns the values to set (a nil Value clears
// it). An unknown permission name is refused naming it.
func (s *PermissionStore) EditUserPermissions(ctx context.Context, id int, merge func(*PermissionHolder) (*PermissionHolder, error)) error {
	return s.editHolder(ctx, userHolders, id, merge)
}

func (s *PermissionStore) EditGroupPermissions(ctx context.Context, id int, merge func(*PermissionHolder) (*PermissionHolder, error)) error {
	return s.editHolder(ctx, groupHolders, id, merge)
}

func (s *PermissionStore) editHolder(ctx context.Context, k holderKind, id int, merge func(*PermissionHolder) (*PermissionHolder, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*PermissionHolder, error) {
		var locked int
		if err := tx.GetContext(ctx, &locked, k.lock, id); errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		} else if err != nil {
			return nil, err
		}
		return s.holder(ctx, tx, k, id)
	}, merge, func(tx *sqlx.Tx, stored, h *PermissionHolder) error {
		known := map[string]Permission{}
		for _, v := range stored.Values {
			known[v.Name] = v.Permission
		}
		for i, v := range h.Values {
			p, ok := known[v.Name]
			if !ok {
				return Invalid(fmt.Sprintf("permissions[%d].name", i), "names no permission: "+v.Name)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+k.values+` WHERE `+k.idCol+` = $1 AND permission = $2`, id, v.Name); err != nil {
				return err
			}
			if v.Value != nil {
				if _, err := tx.ExecContext(ctx, `INSERT INTO `+k.values+` (`+k.idCol+`, permission, enabled) VALUES ($1, $2, $3)`,
					id, v.Name, *v.Value); err != nil {
					return err
				}
			}
			if k.idCol == "user_id" && p.RightCallID != nil {
				// The XiVO call right follows: held when on.
				if _, err := tx.ExecContext(ctx, `DELETE FROM user_rightcalls WHERE user_id = $1 AND rightcall_id = $2`, id, *p.RightCallID); err != nil {
					return err
				}
				if v.Value != nil && *v.Value {
					if _, err := tx.ExecContext(ctx, `INSERT INTO user_rightcalls (user_id, rightcall_id) VALUES ($1, $2)`, id, *p.RightCallID); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

// Allowed is a user's effective value of a permission: the user's own, else on when one of
// the user's groups turns it on (off when they all turn it off), else the default.
func (s *PermissionStore) Allowed(ctx context.Context, userID int, name string) (bool, error) {
	var v sql.NullBool
	err := s.db.GetContext(ctx, &v, `SELECT COALESCE(
		(SELECT enabled FROM user_permissions WHERE user_id = $1 AND permission = $2),
		(SELECT true FROM user_rightcalls ur JOIN permissions p ON p.rightcall_id = ur.rightcall_id
			WHERE ur.user_id = $1 AND p.name = $2),
		(SELECT bool_or(gp.enabled) FROM group_permissions gp JOIN user_group_members m ON m.group_id = gp.group_id
			WHERE m.user_id = $1 AND gp.permission = $2),
		(SELECT default_value FROM permissions WHERE name = $2))`, userID, name)
	return v.Valid && v.Bool, err
}
