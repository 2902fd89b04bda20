package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// RegistrationStore is the one reader and writer of the registrations table: the
// registrar's bindings of phones to their lines (kept in the shape a registrar such as
// Kamailio's usrloc writes, so that one may write there directly). Every instance sharing
// the database sees the same bindings.
type RegistrationStore struct {
	db *sqlx.DB
	// cache, once Listen started it, serves the unfiltered reads of the bindings.
	cache *bindingCache
}

// NewRegistrationStore is the registrations of db.
func NewRegistrationStore(db *sqlx.DB) *RegistrationStore { return &RegistrationStore{db: db} }

// BindingUpdate is one Contact of a REGISTER, already checked: All removes every binding of
// the address of record (Contact: *); otherwise the Contact's binding is replaced by a new
// one for ExpiresIn seconds, or removed when ExpiresIn is 0. Received is the source the
// phone asked to be reached at ("sip:host:port"), "" for its Contact.
type BindingUpdate struct {
	All       bool
	Contact   string
	Received  string
	ExpiresIn int
}

// BindingSource is what the stored bindings of one REGISTER record about it.
type BindingSource struct {
	CallID    string
	CSeq      int
	UserAgent string
	// Socket is the transport and local address the REGISTER came in on ("udp:host:port").
	Socket string
}

// Binding is a live binding as a REGISTER's answer lists it: its Contact and the seconds
// left before it expires.
type Binding struct {
	Contact   string
	ExpiresIn int
}

// RegisteredContact is where a live binding is reached: its Contact, and the source
// address the phone asked to be reached at instead ("" for none).
type RegisteredContact struct {
	Contact  string
	Received string
}

// Apply applies a REGISTER's updates to the bindings of user@domain in one transaction,
// keeps the keep freshest bindings, drops the expired ones, and returns those that remain,
// freshest first.
func (s *RegistrationStore) Apply(ctx context.Context, user, domain string, ups []BindingUpdate, src BindingSource, keep int) ([]Binding, error) {
	var out []Binding
	err := WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		for _, u := range ups {
			if u.All {
				if _, err := tx.ExecContext(ctx, `DELETE FROM registrations WHERE username = $1 AND domain = $2`, user, domain); err != nil {
					return bindingErr(err, "removing every binding")
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM registrations WHERE username = $1 AND domain = $2 AND contact = $3`, user, domain, u.Contact); err != nil {
				return bindingErr(err, "removing a binding")
			}
			if u.ExpiresIn == 0 {
				continue
			}
			var received any
			if u.Received != "" {
				received = u.Received
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO registrations (ruid, username, domain, contact, received, expires,
			callid, cseq, last_modified, user_agent, socket)
			VALUES ($1, $2, $3, $4, $5, localtimestamp + make_interval(secs => $6), $7, $8, localtimestamp, $9, $10)`,
				newRUID(), user, domain, u.Contact, received, u.ExpiresIn, src.CallID, src.CSeq,
				src.UserAgent, src.Socket); err != nil {
				return bindingErr(err, "storing a binding")
			}
		}
		// A line keeps its freshest bindings.
		if _, err := tx.ExecContext(ctx, `DELETE FROM registrations WHERE id IN (SELECT id FROM registrations
		WHERE username = $1 AND domain = $2 ORDER BY last_modified DESC, id DESC OFFSET $3)`, user, domain, keep); err != nil {
			return bindingErr(err, "removing surplus bindings")
		}
		// Expired bindings of this address of record go now; the answer lists the ones that remain.
		if _, err := tx.ExecContext(ctx, `DELETE FROM registrations WHERE username = $1 AND domain = $2 AND expires <= localtimestamp`, user, domain); err != nil {
			return bindingErr(err, "removing expired bindings")
		}
		rows, err := tx.QueryContext(ctx, `SELECT contact, GREATEST(0, EXTRACT(EPOCH FROM expires - localtimestamp))::int
		FROM registrations WHERE username = $1 AND domain = $2 ORDER BY last_modified DESC`, user, domain)
		if err != nil {
			return bindingErr(err, "reading the bindings")
		}
		defer rows.Close()
		for rows.Next() {
			var b Binding
			if err := rows.Scan(&b.Contact, &b.ExpiresIn); err != nil {
				return bindingErr(err, "reading a binding")
			}
			out = append(out, b)
		}
		if err := rows.Err(); err != nil {
			return bindingErr(err, "reading the bindings")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Contacts are the live bindings of any of the user names (of any domain), best first: the
// highest q, then the freshest; at most limit of them, duplicates included.
func (s *RegistrationStore) Contacts(ctx context.Context, users []string, limit int) ([]RegisteredContact, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT contact, COALESCE(received, '') FROM registrations
		WHERE username = ANY($1) AND expires > localtimestamp
		ORDER BY q DESC, last_modified DESC LIMIT $2`, pq.Array(users), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RegisteredContact
	for rows.Next() {
		var c RegisteredContact
		if err := rows.Scan(&c.Contact, &c.Received); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Active counts the unexpired bindings of every instance.
func (s *RegistrationStore) Active(ctx context.Context) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM registrations WHERE expires > localtimestamp`)
	return n, err
}

// Check says whether the registrations table can be read (the registrar's health).
func (s *RegistrationStore) Check(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `SELECT 1 FROM registrations LIMIT 1`)
	return err
}

// bindingErr says which step of a REGISTER's transaction failed.
func bindingErr(err error, step string) error { return fmt.Errorf("%s: %w", step, err) }

// newRUID is a binding's unique id, as registrars give them.
func newRUID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "pbxws-" + hex.EncodeToString(b)
}
