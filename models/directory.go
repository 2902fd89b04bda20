package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/jmoiron/sqlx"
)

// SIPUser is a user as the SIP side sees it (sipX "user directory"): the canonical user name,
// the portal PIN secrets used for HTTP authentication, and the SIP lines with their credentials.
type SIPUser struct {
	ID int
	// UserName is the canonical name: loginclient when set, else the number of the first
	// SIP line, else its line name.
	UserName    string
	DisplayName string
	// PinHash is the bcrypt hash of the portal password ("" when none is set).
	PinHash string
	// PinHA1 is MD5(login ":" realm ":" pin), hex, for the login form the lookup named
	// ("" when none is kept: no pin, or a form added after the pin was last set).
	PinHA1 string
	// Lines are the user's SIP lines, first line first.
	Lines []SIPLine
	// Admin is the sipX ADMIN role.
	Admin bool
}

// SIPLine is one SIP line: its name (XiVO's SIP user name), number (alias) and secret.
type SIPLine struct {
	ID      int
	Name    string
	Number  string
	Secret  string
	Context string
}

// Aliases are the names a user answers to besides UserName: the line numbers and names.
func (u *SIPUser) Aliases() []string {
	seen := map[string]bool{u.UserName: true}
	var out []string
	for _, l := range u.Lines {
		for _, a := range []string{l.Number, l.Name} {
			if a != "" && !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out
}

// SIPPassword is the secret of the first SIP line that has one ("" when none does): the
// password pbxws answers proxy challenges with on the user's behalf.
func (u *SIPUser) SIPPassword() string {
	for _, l := range u.Lines {
		if l.Secret != "" {
			return l.Secret
		}
	}
	return ""
}

// Directory looks users and lines up for the SIP side and the user-authenticated façades.
type Directory struct {
	db *sqlx.DB
}

// NewDirectory returns a Directory over db.
func NewDirectory(db *sqlx.DB) *Directory { return &Directory{db: db} }

// lookupUserSQL finds a user by loginclient (case-insensitive), by the number or name of one
// of its SIP lines, or by one of its aliases; a loginclient match wins over an alias.
const lookupUserSQL = `
SELECT u.id, COALESCE(u.loginclient, ''), u.firstname, u.lastname, u.passwdclient_hash,
	COALESCE((SELECT ha1 FROM user_digests d WHERE d.user_id = u.id AND d.login IN ($1, lower($1)) LIMIT 1), ''), u.admin
FROM (
	-- One index lookup per login form (a scan of every user was 2 ms at 10,000 users).
	SELECT id, 0 AS rank FROM users WHERE lower(loginclient) = lower($1) AND loginclient <> ''
	UNION ALL SELECT user_id, 1 FROM lines WHERE number = $1 AND user_id IS NOT NULL AND protocol = 'sip' AND commented = false
	UNION ALL SELECT user_id, 1 FROM lines WHERE name = $1 AND user_id IS NOT NULL AND protocol = 'sip' AND commented = false
	UNION ALL SELECT user_id, 1 FROM user_aliases WHERE alias = $1) m
JOIN users u ON u.id = m.id AND u.commented = false
ORDER BY m.rank, u.id
LIMIT 1`

// LookupUser finds the user named by a user name or alias; ErrNotFound when there is none.
func (d *Directory) LookupUser(ctx context.Context, nameOrAlias string) (*SIPUser, error) {
	if nameOrAlias == "" {
		return nil, ErrNotFound
	}
	return d.lookup(ctx, lookupUserSQL, nameOrAlias)
}

// lookupKeySQL finds the user whose private key hashes to $1.
const lookupKeySQL = `
SELECT u.id, COALESCE(u.loginclient, ''), u.firstname, u.lastname, u.passwdclient_hash, '', u.admin
FROM users u WHERE u.commented = false AND u.private_key_hash = $1`

// LookupPrivateKey finds the user whose private key is key; ErrNotFound when none is.
func (d *Directory) LookupPrivateKey(ctx context.Context, key string) (*SIPUser, error) {
	if !ValidPrivateKey(key) {
		return nil, ErrNotFound
	}
	h := sha256.Sum256([]byte(key))
	return d.lookup(ctx, lookupKeySQL, h[:])
}

// lookup reads the user query selects (by its one argument) and the user's SIP lines.
func (d *Directory) lookup(ctx context.Context, query string, arg any) (*SIPUser, error) {
	var u SIPUser
	var first, last string
	var lines []byte
	// The user's lines come in the same round trip: every authenticated request pays it.
	err := d.db.QueryRowContext(ctx, `SELECT x.*, (SELECT COALESCE(json_agg(json_build_array(l.id, l.name, l.number, l.secret, l.context)
			ORDER BY l.num, l.line_num, l.id), '[]') FROM lines l WHERE l.user_id = x.id AND l.protocol = 'sip' AND l.commented = false)
		FROM (`+query+`) x`, arg).Scan(&u.ID, &u.UserName, &first, &last, &u.PinHash, &u.PinHA1, &u.Admin, &lines)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	u.DisplayName = strings.TrimSpace(first + " " + last)
	var raw [][5]json.RawMessage
	if err := json.Unmarshal(lines, &raw); err != nil {
		return nil, err
	}
	for _, r := range raw {
		var l SIPLine
		for i, dst := range []any{&l.ID, &l.Name, &l.Number, &l.Secret, &l.Context} {
			if err := json.Unmarshal(r[i], dst); err != nil {
				return nil, err
			}
		}
		u.Lines = append(u.Lines, l)
	}
	if u.UserName == "" && len(u.Lines) > 0 {
		u.UserName = u.Lines[0].Number
		if u.UserName == "" {
			u.UserName = u.Lines[0].Name
		}
	}
	return &u, nil
}

// LookupLine finds the SIP line whose name or number is name (the user part of a REGISTER);
// ErrNotFound when there is none. A name match wins over a number match.
func (d *Directory) LookupLine(ctx context.Context, name string) (*SIPLine, error) {
	var l SIPLine
	err := d.db.QueryRowContext(ctx, `SELECT id, name, number, secret, context FROM lines
		WHERE protocol = 'sip' AND commented = false AND (name = $1 OR number = $1)
		ORDER BY (name = $1) DESC, id LIMIT 1`, name).Scan(&l.ID, &l.Name, &l.Number, &l.Secret, &l.Context)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &l, nil
}
