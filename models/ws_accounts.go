package models

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/crypto/bcrypt"
)

// WSAccount is a json.php web-service account: Basic credentials (Login + PasswordHash, both
// or neither) and/or source Hosts, and the section paths it is granted (a path grants its
// whole subtree). An empty Login is stored as NULL.
type WSAccount struct {
	ID           int       `db:"id"`
	Name         string    `db:"name"`
	Login        string    `db:"login"`
	PasswordHash string    `db:"password_hash"` // bcrypt; never printed
	Hosts        []string  `db:"hosts"`         // addresses, CIDRs, a.b.c.d/netmask, host names
	Sections     []string  `db:"sections"`      // e.g. service/ipbx/pbx_settings/users, service/ipbx
	Disabled     bool      `db:"disabled"`
	Description  string    `db:"description"`
	CreatedAt    time.Time `db:"created_at"`
	UpdatedAt    time.Time `db:"updated_at"`
}

// HostOnly reports whether the account is identified by its source hosts alone.
func (a *WSAccount) HostOnly() bool { return a.Login == "" }

// wsAccountRow is the scanned shape: nullable credentials and PostgreSQL arrays.
type wsAccountRow struct {
	ID           int            `db:"id"`
	Name         string         `db:"name"`
	Login        sql.NullString `db:"login"`
	PasswordHash sql.NullString `db:"password_hash"`
	Hosts        pq.StringArray `db:"hosts"`
	Sections     pq.StringArray `db:"sections"`
	Disabled     bool           `db:"disabled"`
	Description  string         `db:"description"`
	CreatedAt    time.Time      `db:"created_at"`
	UpdatedAt    time.Time      `db:"updated_at"`
}

func (r *wsAccountRow) account() WSAccount {
	return WSAccount{ID: r.ID, Name: r.Name, Login: r.Login.String, PasswordHash: r.PasswordHash.String,
		Hosts: nonNil(r.Hosts), Sections: nonNil(r.Sections), Disabled: r.Disabled,
		Description: r.Description, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// WSAccountStore reads and writes web-service accounts.
type WSAccountStore struct{ DB *sqlx.DB }

const wsAccountCols = `id, name, login, password_hash, hosts, sections, disabled, description, created_at, updated_at`

var wsAccountConstraints = map[string]string{
	"ws_accounts_name_key":            "name",
	"ws_accounts_login_key":           "login",
	"ws_accounts_name_check":          "name",
	"ws_accounts_login_check":         "login",
	"ws_accounts_password_hash_check": "password",
	"ws_accounts_hosts_check":         "hosts",
	"ws_accounts_sections_check":      "sections",
	"ws_accounts_credentials":         "password",
	"ws_accounts_identifiable":        "hosts",
	"ws_accounts_description_check":   "description",
}

var (
	reWSAccountName  = regexp.MustCompile(`^[a-z0-9_.-]{1,64}$`)
	reWSAccountLogin = regexp.MustCompile(`^[A-Za-z0-9._~!$&'()*+,;=%-]{1,64}$`)
	reSectionPath    = regexp.MustCompile(`^[a-z0-9_]+(/[a-z0-9_]+)*$`)
)

// ValidLogin reports whether s can be a web-service login: 1-64 characters of the original's
// set, which has no colon (it would split the Basic pair).
func ValidLogin(s string) bool { return reWSAccountLogin.MatchString(s) }

// Validate checks the account's own rules; the acl package checks that hosts parse and that
// sections exist in the rights tree.
func (a *WSAccount) Validate() error {
	v := &ValidationError{}
	if !reWSAccountName.MatchString(a.Name) {
		v.Add("name", "must be 1-64 characters of a-z, 0-9, _ . -")
	}
	if a.Login != "" && !ValidLogin(a.Login) {
		v.Add("login", "must be 1-64 characters of A-Z a-z 0-9 - . _ ~ ! $ & ' ( ) * + , ; = %")
	}
	switch {
	case a.Login != "" && a.PasswordHash == "":
		v.Add("password", "required with a login")
	case a.Login == "" && a.PasswordHash != "":
		v.Add("login", "required with a password")
	case a.PasswordHash != "":
		if _, err := bcrypt.Cost([]byte(a.PasswordHash)); err != nil {
			v.Add("password", "must be stored as a bcrypt hash")
		}
	}
	if a.Login == "" && len(a.Hosts) == 0 {
		v.Add("hosts", "required without a login: an account needs credentials, hosts, or both")
	}
	for _, h := range a.Hosts {
		if h == "" || len(h) > 1000 || !Printable(h) {
			v.Add("hosts", "each entry must be 1-1000 printable characters")
		}
	}
	for _, s := range a.Sections {
		if !reSectionPath.MatchString(s) {
			v.Add("sections", "each entry must be a path such as service/ipbx/pbx_settings/users")
		}
	}
	if utf8.RuneCountInString(a.Description) > 1000 || !utf8.ValidString(a.Description) || strings.ContainsRune(a.Description, 0) {
		v.Add("description", "must be at most 1000 characters of text")
	}
	return v.OrNil()
}

func (s *WSAccountStore) selectMany(ctx context.Context, where string, args ...any) ([]WSAccount, error) {
	var rows []wsAccountRow
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+wsAccountCols+` FROM ws_accounts `+where, args...); err != nil {
		return nil, err
	}
	out := make([]WSAccount, len(rows))
	for i := range rows {
		out[i] = rows[i].account()
	}
	return out, nil
}

func (s *WSAccountStore) selectOne(ctx context.Context, where string, args ...any) (*WSAccount, error) {
	var r wsAccountRow
	err := s.DB.GetContext(ctx, &r, `SELECT `+wsAccountCols+` FROM ws_accounts `+where, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	a := r.account()
	return &a, nil
}

// List returns every account, by name.
func (s *WSAccountStore) List(ctx context.Context) ([]WSAccount, error) {
	return s.selectMany(ctx, `ORDER BY name`)
}

// Get returns the account with that name, or ErrNotFound.
func (s *WSAccountStore) Get(ctx context.Context, name string) (*WSAccount, error) {
	return s.selectOne(ctx, `WHERE name = $1`, name)
}

// GetByLogin returns the account whose login is exactly login (case-sensitive), enabled or
// not, or ErrNotFound. A string that cannot be a login is not looked up.
func (s *WSAccountStore) GetByLogin(ctx context.Context, login string) (*WSAccount, error) {
	if !ValidLogin(login) {
		return nil, ErrNotFound
	}
	return s.selectOne(ctx, `WHERE login = $1`, login)
}

// ListHostOnly returns the enabled accounts identified by host alone (hosts and no login),
// in creation order: the first whose hosts contain a peer identifies it.
func (s *WSAccountStore) ListHostOnly(ctx context.Context) ([]WSAccount, error) {
	return s.selectMany(ctx, `WHERE login IS NULL AND NOT disabled AND cardinality(hosts) > 0 ORDER BY id`)
}

// Create validates and inserts a, filling its ID and timestamps. A taken name or login is a
// *ConflictError.
func (s *WSAccountStore) Create(ctx context.Context, a *WSAccount) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		err := tx.QueryRowxContext(ctx, `INSERT INTO ws_accounts
			(name, login, password_hash, hosts, sections, disabled, description)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, created_at, updated_at`,
			a.Name, nullIfEmpty(a.Login), nullIfEmpty(a.PasswordHash), pq.Array(nonNil(a.Hosts)),
			pq.Array(nonNil(a.Sections)), a.Disabled, a.Description).Scan(&a.ID, &a.CreatedAt, &a.UpdatedAt)
		return mapPQ(err, wsAccountConstraints)
	})
}

// Update validates a and writes every field of the account with id a.ID (ErrNotFound when
// there is none), refreshing a.UpdatedAt.
func (s *WSAccountStore) Update(ctx context.Context, a *WSAccount) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		err := tx.QueryRowxContext(ctx, `UPDATE ws_accounts SET name = $2, login = $3,
			password_hash = $4, hosts = $5, sections = $6, disabled = $7, description = $8,
			updated_at = now() WHERE id = $1 RETURNING updated_at`,
			a.ID, a.Name, nullIfEmpty(a.Login), nullIfEmpty(a.PasswordHash), pq.Array(nonNil(a.Hosts)),
			pq.Array(nonNil(a.Sections)), a.Disabled, a.Description).Scan(&a.UpdatedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return mapPQ(err, wsAccountConstraints)
	})
}

// Delete removes the account with that name, or answers ErrNotFound.
func (s *WSAccountStore) Delete(ctx context.Context, name string) error {
	return WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM ws_accounts WHERE name = $1`, name)
		if err != nil {
			return err
		}
		return oneRow(res)
	})
}

// Count returns how many accounts exist, enabled or not.
func (s *WSAccountStore) Count(ctx context.Context) (int, error) {
	var n int
	err := s.DB.GetContext(ctx, &n, `SELECT count(*) FROM ws_accounts`)
	return n, err
}

// Generation returns the counter every account change bumps (in the changing transaction).
func (s *WSAccountStore) Generation(ctx context.Context) (int64, error) {
	var g int64
	err := s.DB.GetContext(ctx, &g, `SELECT generation FROM ws_accounts_generation`)
	return g, err
}

func nullIfEmpty(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
