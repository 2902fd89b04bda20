package models

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// WSAccount is a json.php web-service account: Basic credentials and/or source hosts, and the
// section paths it is granted (a path grants its whole subtree).
type WSAccount struct {
	ID           int            `db:"id"`
	Name         string         `db:"name"`
	Login        *string        `db:"login"`
	PasswordHash *string        `db:"password_hash"`
	Hosts        pq.StringArray `db:"hosts"`
	Sections     pq.StringArray `db:"sections"`
	Disabled     bool           `db:"disabled"`
	Description  string         `db:"description"`
}

// WSAccountStore reads and writes web-service accounts.
type WSAccountStore struct{ DB *sqlx.DB }

const wsAccountCols = `id, name, login, password_hash, hosts, sections, disabled, description`

var wsAccountConstraints = map[string]string{
	"ws_accounts_name_key":          "name",
	"ws_accounts_login_key":         "login",
	"ws_accounts_name_check":        "name",
	"ws_accounts_credentials":       "password",
	"ws_accounts_identifiable":      "host",
	"ws_accounts_description_check": "description",
}

// List returns every account by name.
func (s *WSAccountStore) List(ctx context.Context) ([]WSAccount, error) {
	var out []WSAccount
	err := s.DB.SelectContext(ctx, &out, `SELECT `+wsAccountCols+` FROM ws_accounts ORDER BY name`)
	return out, err
}

// Get returns the account with that name or ErrNotFound.
func (s *WSAccountStore) Get(ctx context.Context, name string) (*WSAccount, error) {
	var a WSAccount
	err := s.DB.GetContext(ctx, &a, `SELECT `+wsAccountCols+` FROM ws_accounts WHERE name = $1`, name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &a, err
}

// GetEnabledByLogin returns the enabled account with that login (exact) or ErrNotFound.
func (s *WSAccountStore) GetEnabledByLogin(ctx context.Context, login string) (*WSAccount, error) {
	var a WSAccount
	err := s.DB.GetContext(ctx, &a, `SELECT `+wsAccountCols+` FROM ws_accounts
		WHERE login = $1 AND NOT disabled`, login)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &a, err
}

// ListHostOnly returns the enabled accounts identified by host alone, by id.
func (s *WSAccountStore) ListHostOnly(ctx context.Context) ([]WSAccount, error) {
	var out []WSAccount
	err := s.DB.SelectContext(ctx, &out, `SELECT `+wsAccountCols+` FROM ws_accounts
		WHERE login IS NULL AND NOT disabled AND cardinality(hosts) > 0 ORDER BY id`)
	return out, err
}

// Create inserts an account.
func (s *WSAccountStore) Create(ctx context.Context, a *WSAccount) error {
	return WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		err := tx.QueryRowxContext(ctx, `INSERT INTO ws_accounts (name, login, password_hash, hosts,
			sections, disabled, description) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`,
			a.Name, a.Login, a.PasswordHash, a.Hosts, a.Sections, a.Disabled, a.Description).Scan(&a.ID)
		return mapPQ(err, wsAccountConstraints)
	})
}

// Update writes every field of the account with id a.ID.
func (s *WSAccountStore) Update(ctx context.Context, a *WSAccount) error {
	return WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE ws_accounts SET name=$2, login=$3, password_hash=$4,
			hosts=$5, sections=$6, disabled=$7, description=$8, updated_at=now() WHERE id=$1`,
			a.ID, a.Name, a.Login, a.PasswordHash, a.Hosts, a.Sections, a.Disabled, a.Description)
		if err != nil {
			return mapPQ(err, wsAccountConstraints)
		}
		return oneRow(res)
	})
}

// Delete removes the account with that name.
func (s *WSAccountStore) Delete(ctx context.Context, name string) error {
	return WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM ws_accounts WHERE name = $1`, name)
		if err != nil {
			return err
		}
		return oneRow(res)
	})
}

// Count returns how many accounts exist.
func (s *WSAccountStore) Count(ctx context.Context) (int, error) {
	var n int
	err := s.DB.GetContext(ctx, &n, `SELECT count(*) FROM ws_accounts`)
	return n, err
}

// Generation is a counter bumped by every account change.
func (s *WSAccountStore) Generation(ctx context.Context) (int64, error) {
	var g int64
	err := s.DB.GetContext(ctx, &g, `SELECT generation FROM ws_accounts_generation`)
	return g, err
}
