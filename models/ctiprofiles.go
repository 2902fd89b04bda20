package models

import (
	"context"

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
