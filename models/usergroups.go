package models

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

// UserGroup is a sipX user group: a named set of users (settings, permissions), optionally
// of a branch.
type UserGroup struct {
	ID          int    `db:"id" json:"id"`
	Name        string `db:"name" json:"name" validate:"required,max=64,printable"`
	Description string `db:"description" json:"description" validate:"max=1000,printable"`
	EntityID    *int   `db:"entity_id" json:"entity_id"`
	// Entity is the branch, read with the group.
	Entity *Entity `db:"-" json:"-"`
}

// UserGroupStore reads and writes user groups.
type UserGroupStore struct{ db *sqlx.DB }

var userGroupConstraints = map[string]string{"user_groups_name_key": "group.name", "user_groups_entity_id_fkey": "group.entity_id"}

// List returns every group by id, with its branch.
func (s *UserGroupStore) List(ctx context.Context) ([]UserGroup, error) {
	var out []UserGroup
	if err := s.db.SelectContext(ctx, &out, `SELECT id, name, description, entity_id FROM user_groups ORDER BY id`); err != nil {
		return nil, err
	}
	return out, s.withEntities(ctx, out)
}

// Get returns one group or ErrNotFound.
func (s *UserGroupStore) Get(ctx context.Context, id int) (*UserGroup, error) {
	var g UserGroup
	err := s.db.GetContext(ctx, &g, `SELECT id, name, description, entity_id FROM user_groups WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	gs := []UserGroup{g}
	return &gs[0], s.withEntities(ctx, gs)
}

func (s *UserGroupStore) withEntities(ctx context.Context, gs []UserGroup) error {
	for i := range gs {
		if gs[i].EntityID == nil {
			continue
		}
		var e Entity
		if err := s.db.GetContext(ctx, &e, `SELECT `+entityCols+` FROM entities WHERE id = $1`, *gs[i].EntityID); err != nil {
			return err
		}
		gs[i].Entity = &e
	}
	return nil
}

// Create validates and inserts g.
func (s *UserGroupStore) Create(ctx context.Context, g *UserGroup) error {
	if err := CheckIn("group", g).OrNil(); err != nil {
		return err
	}
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &g.ID, `INSERT INTO user_groups (name, description, entity_id) VALUES ($1, $2, $3) RETURNING id`,
			g.Name, g.Description, g.EntityID)
		return mapPQ(err, userGroupConstraints)
	})
}

// Edit merges an edit onto the stored group in one transaction that locks its row first.
func (s *UserGroupStore) Edit(ctx context.Context, id int, merge func(stored *UserGroup) (*UserGroup, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*UserGroup, error) {
		var g UserGroup
		err := tx.GetContext(ctx, &g, `SELECT id, name, description, entity_id FROM user_groups WHERE id = $1 FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return &g, err
	}, merge, func(tx *sqlx.Tx, _, g *UserGroup) error {
		if err := CheckIn("group", g).OrNil(); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE user_groups SET name = $2, description = $3, entity_id = $4 WHERE id = $1`,
			id, g.Name, g.Description, g.EntityID)
		return mapPQ(err, userGroupConstraints)
	})
}

// Delete removes a group (its memberships go with it).
func (s *UserGroupStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM user_groups WHERE id = $1`, id)
		if err != nil {
			return err
		}
		return oneRow(res)
	})
}
