package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
)

// Entity is an organisation unit (XiVO entity, sipX branch): users and contexts belong to one.
type Entity struct {
	ID          int       `db:"id" json:"id"`
	Name        string    `db:"name" json:"name" validate:"required,entityname"`
	DisplayName string    `db:"displayname" json:"displayname" validate:"required,max=128,printable"`
	PhoneNumber string    `db:"phonenumber" json:"phonenumber" validate:"omitempty,max=40,extension"`
	FaxNumber   string    `db:"faxnumber" json:"faxnumber" validate:"omitempty,max=40,extension"`
	Email       string    `db:"email" json:"email" validate:"omitempty,max=255,email"`
	URL         string    `db:"url" json:"url" validate:"max=255,printable"`
	Address1    string    `db:"address1" json:"address1" validate:"max=30,printable"`
	Address2    string    `db:"address2" json:"address2" validate:"max=30,printable"`
	City        string    `db:"city" json:"city" validate:"max=128,printable"`
	State       string    `db:"state" json:"state" validate:"max=128,printable"`
	Zipcode     string    `db:"zipcode" json:"zipcode" validate:"zipcode"`
	Country     string    `db:"country" json:"country" validate:"omitempty,country"`
	Description string    `db:"description" json:"description" validate:"max=1000"`
	DCreate     time.Time `db:"dcreate" json:"dcreate"`
	Disable     bool      `db:"disable" json:"disable"`
}

// EntityStore reads and writes entities.
type EntityStore struct{ db *sqlx.DB }

const entityCols = `id, name, displayname, phonenumber, faxnumber, email, url, address1, address2,
	city, state, zipcode, country, description, dcreate, disable`

var entityConstraints = map[string]string{"entities_name_key": "entity.name"}

// List returns every entity, by id.
func (s *EntityStore) List(ctx context.Context) ([]Entity, error) {
	var out []Entity
	err := s.db.SelectContext(ctx, &out, `SELECT `+entityCols+` FROM entities ORDER BY id`)
	return out, err
}

// Search matches a substring of any of the documented text fields.
func (s *EntityStore) Search(ctx context.Context, term string) ([]Entity, error) {
	var out []Entity
	err := s.db.SelectContext(ctx, &out, `SELECT `+entityCols+` FROM entities
		WHERE concat_ws(chr(1), name, displayname, phonenumber, faxnumber, email, url, address1,
			address2, city, state, zipcode, country, description) ILIKE $1
		ORDER BY id`, likeTerm(term))
	return out, err
}

// Get returns one entity or ErrNotFound.
func (s *EntityStore) Get(ctx context.Context, id int) (*Entity, error) {
	var e Entity
	err := s.db.GetContext(ctx, &e, `SELECT `+entityCols+` FROM entities WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &e, err
}

// GetByName returns one entity by its name or ErrNotFound.
func (s *EntityStore) GetByName(ctx context.Context, name string) (*Entity, error) {
	var e Entity
	err := s.db.GetContext(ctx, &e, `SELECT `+entityCols+` FROM entities WHERE name = $1`, name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &e, err
}

// Create validates and inserts e, setting its id.
func (s *EntityStore) Create(ctx context.Context, e *Entity) error {
	if err := CheckIn("entity", e).OrNil(); err != nil {
		return err
	}
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		err := tx.QueryRowxContext(ctx, `INSERT INTO entities (name, displayname, phonenumber,
			faxnumber, email, url, address1, address2, city, state, zipcode, country, description,
			disable) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) RETURNING id, dcreate`,
			e.Name, e.DisplayName, e.PhoneNumber, e.FaxNumber, e.Email, e.URL, e.Address1,
			e.Address2, e.City, e.State, e.Zipcode, e.Country, e.Description, e.Disable).Scan(&e.ID, &e.DCreate)
		return mapPQ(err, entityConstraints)
	})
}

// Edit merges an edit onto the stored entity in one transaction that locks its row first.
func (s *EntityStore) Edit(ctx context.Context, id int, merge func(stored *Entity) (*Entity, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*Entity, error) {
		var e Entity
		err := tx.GetContext(ctx, &e, `SELECT `+entityCols+` FROM entities WHERE id = $1 FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return &e, err
	}, merge, func(tx *sqlx.Tx, _, e *Entity) error {
		e.ID = id
		if err := CheckIn("entity", e).OrNil(); err != nil {
			return err
		}
		return updateEntity(ctx, tx, e)
	})
}

func updateEntity(ctx context.Context, tx *sqlx.Tx, e *Entity) error {
	res, err := tx.ExecContext(ctx, `UPDATE entities SET name=$2, displayname=$3, phonenumber=$4,
		faxnumber=$5, email=$6, url=$7, address1=$8, address2=$9, city=$10, state=$11,
		zipcode=$12, country=$13, description=$14, disable=$15 WHERE id=$1`,
		e.ID, e.Name, e.DisplayName, e.PhoneNumber, e.FaxNumber, e.Email, e.URL, e.Address1,
		e.Address2, e.City, e.State, e.Zipcode, e.Country, e.Description, e.Disable)
	if err != nil {
		return mapPQ(err, entityConstraints)
	}
	return oneRow(res)
}

// Delete removes an entity; one still used by a context or user is refused (InUseError).
func (s *EntityStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var used bool
		if err := tx.GetContext(ctx, &used, `SELECT EXISTS (SELECT 1 FROM contexts WHERE entity_id = $1)
			OR EXISTS (SELECT 1 FROM users WHERE entity_id = $1)`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM entities WHERE id = $1 AND NOT $2`, id, used)
		if err != nil {
			return mapPQ(err, nil)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if used {
				return &InUseError{Msg: "entity is still used by a context or a user"}
			}
			return ErrNotFound
		}
		return nil
	})
}

// DeleteAll deletes every entity no context or user refers to, in one transaction, and
// says how many entities there were (deleteall keeps the ones in use).
func (s *EntityStore) DeleteAll(ctx context.Context) (n int, err error) {
	err = WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM entities`); err != nil || n == 0 {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM entities e
			WHERE NOT EXISTS (SELECT 1 FROM contexts c WHERE c.entity_id = e.id)
			  AND NOT EXISTS (SELECT 1 FROM users u WHERE u.entity_id = e.id)`)
		return err
	})
	return n, err
}

// oneRow turns "no row changed" into ErrNotFound.
func oneRow(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
