package models

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

// CTIProfile is a CTI client profile a user may be given.
type CTIProfile struct {
	ID   int    `db:"id"`
	Name string `db:"name"`
}

// CTIProfileStore reads CTI profiles.
type CTIProfileStore struct{ db *sqlx.DB }

// List returns every profile by id.
func (s *CTIProfileStore) List(ctx context.Context) ([]CTIProfile, error) {
	var out []CTIProfile
	err := s.db.SelectContext(ctx, &out, `SELECT id, name FROM cti_profiles ORDER BY id`)
	return out, err
}

// GetByName returns the profile with that name, compared case-insensitively as XiVO's web
// interface did (an exact match first), or ErrNotFound.
func (s *CTIProfileStore) GetByName(ctx context.Context, name string) (*CTIProfile, error) {
	var p CTIProfile
	err := s.db.GetContext(ctx, &p, `SELECT id, name FROM cti_profiles
		WHERE lower(name) = lower($1) ORDER BY name = $1 DESC, id LIMIT 1`, name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &p, err
}
