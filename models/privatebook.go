package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
)

// BookEntry is an entry of a user's phonebook: private (ID > 0, the user's own) or from the
// shared phonebook (ID 0).
type BookEntry struct {
	ID        int         `db:"id"`
	FirstName string      `db:"first_name" validate:"max=128,printable"`
	LastName  string      `db:"last_name" validate:"max=128,printable"`
	Number    string      `db:"number" validate:"max=128,printable"`
	Contact   UserProfile `db:"-"`
}

// ErrDuplicateEntry: an entry with the same names and number is already in the user's
// phonebook (sipX answers 747).
var ErrDuplicateEntry = errors.New("duplicate entry")

// PrivateBookStore reads and writes users' private phonebooks.
type PrivateBookStore struct{ db *sqlx.DB }

// Entries returns the user's phonebook: the private entries, then the shared phonebook's,
// sorted by last name, first name, number; duplicates (same names and number) collapse.
func (s *PrivateBookStore) Entries(ctx context.Context, userID int, shared []BookEntry) ([]BookEntry, error) {
	rows, err := s.privateRows(ctx, userID)
	if err != nil {
		return nil, err
	}
	return mergeBook(concatBooks(rows, shared)), nil
}

// privateRows are the user's private entries, by id.
func (s *PrivateBookStore) privateRows(ctx context.Context, userID int) ([]BookEntry, error) {
	return s.bookRows(ctx, `SELECT id, first_name, last_name, number, CAST(contact AS text) AS contact
		FROM private_phonebook_entries WHERE user_id = $1 ORDER BY id`, userID)
}

// Search returns the entries of the user's phonebook one of whose words starts with prefix
// (lower case) as far as the database can tell, in one query: every private entry (a
// private book is small) and the shared contacts the word index finds. The caller applies
// its exact test.
func (s *PrivateBookStore) Search(ctx context.Context, userID int, prefix string) ([]BookEntry, error) {
	rows, err := s.bookRows(ctx, `SELECT * FROM (SELECT id, first_name, last_name, number, CAST(contact AS text) AS contact
			FROM private_phonebook_entries WHERE user_id = $1 ORDER BY id) mine
		UNION ALL (SELECT 0, `+sharedFirstSQL+`, p.lastname, `+sharedNumberOf+`,
			CAST(json_build_object('company_name', p.society, 'email_address', p.email, 'cell_phone_number', n.mobile,
				'home_phone_number', n.home, 'fax_number', n.fax) AS text)
			FROM phonebook p `+numbersOfContact+` WHERE p.id IN (SELECT phonebook_id FROM phonebook_words WHERE word LIKE $2 ESCAPE '\')
			ORDER BY p.displayname, p.id)`, userID, likePrefix(prefix))
	if err != nil {
		return nil, err
	}
	return mergeBook(rows), nil
}

func (s *PrivateBookStore) bookRows(ctx context.Context, query string, args ...any) ([]BookEntry, error) {
	var rows []struct {
		BookEntry
		ContactJSON []byte `db:"contact"`
	}
	if err := s.db.SelectContext(ctx, &rows, query, args...); err != nil {
		return nil, err
	}
	out := make([]BookEntry, len(rows))
	for i := range rows {
		out[i] = rows[i].BookEntry
		if err := json.Unmarshal(rows[i].ContactJSON, &out[i].Contact); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// mergeBook collapses duplicates (same names and number: the first stays) and sorts.
func mergeBook(es []BookEntry) []BookEntry {
	out := es[:0]
	seen := make(map[[3]string]bool, len(es))
	for _, e := range es {
		k := [3]string{e.FirstName, e.LastName, e.Number}
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	sortEntries(out)
	return out
}

func sortEntries(es []BookEntry) {
	type keyed struct {
		key string
		e   BookEntry
	}
	ks := make([]keyed, len(es))
	for i, e := range es {
		ks[i] = keyed{strings.ToLower(e.LastName) + "\x00" + strings.ToLower(e.FirstName) + "\x00" + e.Number, e}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	for i := range ks {
		es[i] = ks[i].e
	}
}

// Get returns one of the user's private entries, or ErrNotFound.
func (s *PrivateBookStore) Get(ctx context.Context, userID, id int) (*BookEntry, error) {
	var r struct {
		BookEntry
		ContactJSON []byte `db:"contact"`
	}
	err := s.db.GetContext(ctx, &r, `SELECT id, first_name, last_name, number, contact
		FROM private_phonebook_entries WHERE user_id = $1 AND id = $2`, userID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	e := r.BookEntry
	return &e, json.Unmarshal(r.ContactJSON, &e.Contact)
}

// checkEntry validates an entry: names and number required, the contact's fields valid,
// and no other entry of the user's phonebook (shared ones included) alike.
func (s *PrivateBookStore) checkEntry(ctx context.Context, tx *sqlx.Tx, userID int, e *BookEntry) error {
	e.FirstName, e.LastName, e.Number = strings.TrimSpace(e.FirstName), strings.TrimSpace(e.LastName), strings.TrimSpace(e.Number)
	if e.FirstName == "" || e.LastName == "" || e.Number == "" {
		return Invalid("entry", "First Name / Last Name / Number cannot be Null")
	}
	if ve := Check(&e.Contact); ve.OrNil() != nil {
		if _, bad := ve.Fields["email_address"]; bad {
			return Invalid("entry.contact.email_address", "Invalid Email Address")
		}
		return CheckIn("entry.contact", &e.Contact)
	}
	if err := CheckIn("entry", e).OrNil(); err != nil {
		return err
	}
	var dup bool
	if err := tx.GetContext(ctx, &dup, `SELECT EXISTS (SELECT 1 FROM private_phonebook_entries
		WHERE user_id = $1 AND first_name = $2 AND last_name = $3 AND number = $4 AND id <> $5)
		OR EXISTS (SELECT 1 FROM phonebook p `+numbersOfContact+`
			WHERE `+sharedFirstSQL+` = $2 AND p.lastname = $3 AND `+sharedNumberOf+` = $4)`,
		userID, e.FirstName, e.LastName, e.Number, e.ID); err != nil {
		return err
	}
	if dup {
		return ErrDuplicateEntry
	}
	return nil
}

// Create adds an entry to the user's private phonebook (created when needed), setting its id.
func (s *PrivateBookStore) Create(ctx context.Context, userID int, e *BookEntry) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO private_phonebooks (user_id) VALUES ($1) ON CONFLICT DO NOTHING`, userID); err != nil {
			return err
		}
		// One writer per book at a time: the duplicate check sees every entry.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM private_phonebooks WHERE user_id = $1 FOR UPDATE`, userID); err != nil {
			return err
		}
		e.ID = 0
		if err := s.checkEntry(ctx, tx, userID, e); err != nil {
			return err
		}
		contact, err := json.Marshal(e.Contact)
		if err != nil {
			return err
		}
		return tx.GetContext(ctx, &e.ID, `INSERT INTO private_phonebook_entries (user_id, first_name, last_name, number, contact)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, userID, e.FirstName, e.LastName, e.Number, string(contact))
	})
}

// Edit merges an edit of one of the user's private entries, locked; ErrNotFound when it is
// not in the user's book.
func (s *PrivateBookStore) Edit(ctx context.Context, userID, id int, merge func(*BookEntry) (*BookEntry, error)) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var owner int
		err := tx.GetContext(ctx, &owner, `SELECT user_id FROM private_phonebook_entries WHERE id = $1 FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) || err == nil && owner != userID {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		stored, err := s.Get(ctx, userID, id)
		if err != nil {
			return err
		}
		e, err := merge(stored)
		if err != nil {
			return err
		}
		e.ID = id
		if err := s.checkEntry(ctx, tx, userID, e); err != nil {
			return err
		}
		contact, err := json.Marshal(e.Contact)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE private_phonebook_entries SET first_name = $2, last_name = $3, number = $4,
			contact = $5 WHERE id = $1`, id, e.FirstName, e.LastName, e.Number, string(contact))
		return err
	})
}

// Sync writes an entry a synchronising client sent (sipX /my/phonebookentry): the entry
// numbered uid when uid > 0 (ErrNotFound when it is not in the user's book), else the one
// the client calls internalID, created when there is none (created says so). The write
// replaces the entry's names, number and contact information, and locks the user's book.
func (s *PrivateBookStore) Sync(ctx context.Context, userID int, internalID string, uid int, e *BookEntry) (created bool, err error) {
	err = WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO private_phonebooks (user_id) VALUES ($1) ON CONFLICT DO NOTHING`, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM private_phonebooks WHERE user_id = $1 FOR UPDATE`, userID); err != nil {
			return err
		}
		var ids []int
		if uid > 0 {
			err = tx.SelectContext(ctx, &ids, `SELECT id FROM private_phonebook_entries WHERE user_id = $1 AND id = $2`, userID, uid)
		} else {
			err = tx.SelectContext(ctx, &ids, `SELECT id FROM private_phonebook_entries WHERE user_id = $1 AND internal_id = $2`, userID, internalID)
		}
		if err != nil {
			return err
		}
		if len(ids) == 0 && uid > 0 {
			return ErrNotFound
		}
		e.ID = 0
		if len(ids) == 1 {
			e.ID = ids[0]
		}
		if err := s.checkEntry(ctx, tx, userID, e); err != nil {
			return err
		}
		contact, err := json.Marshal(e.Contact)
		if err != nil {
			return err
		}
		var iid any
		if internalID != "" {
			iid = internalID
		}
		if e.ID == 0 {
			created = true
			return mapPQ(tx.GetContext(ctx, &e.ID, `INSERT INTO private_phonebook_entries (user_id, first_name, last_name, number, contact, internal_id)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, userID, e.FirstName, e.LastName, e.Number, string(contact), iid), nil)
		}
		_, err = tx.ExecContext(ctx, `UPDATE private_phonebook_entries SET first_name = $2, last_name = $3, number = $4,
			contact = $5, internal_id = COALESCE($6, internal_id) WHERE id = $1`, e.ID, e.FirstName, e.LastName, e.Number, string(contact), iid)
		return mapPQ(err, nil)
	})
	return created, err
}

// DeleteSynced removes the user's entry a synchronising client calls key: by its internal
// id, else by its number; ErrNotFound when the user's book has neither.
func (s *PrivateBookStore) DeleteSynced(ctx context.Context, userID int, key string) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM private_phonebook_entries WHERE user_id = $1 AND id = (
			SELECT id FROM private_phonebook_entries WHERE user_id = $1 AND (internal_id = $2 OR CAST(id AS text) = $2)
			ORDER BY internal_id = $2 DESC NULLS LAST LIMIT 1)`, userID, key)
		if err != nil {
			return err
		}
		return oneRow(res)
	})
}

// Delete removes one of the user's private entries; ErrNotFound when it is not theirs.
func (s *PrivateBookStore) Delete(ctx context.Context, userID, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM private_phonebook_entries WHERE id = $1 AND user_id = $2`, id, userID)
		if err != nil {
			return err
		}
		return oneRow(res)
	})
}

// SetShowOnPhone sets whether the user's phones show the private book; ErrNotFound when the
// user has none.
func (s *PrivateBookStore) SetShowOnPhone(ctx context.Context, userID int, show bool) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE private_phonebooks SET show_on_phone = $2 WHERE user_id = $1`, userID, show)
		if err != nil {
			return err
		}
		return oneRow(res)
	})
}

// ShowOnPhone is "true" or "false" for the user's private book, "n/a" when the user has none.
func (s *PrivateBookStore) ShowOnPhone(ctx context.Context, userID int) (string, error) {
	var show bool
	err := s.db.GetContext(ctx, &show, `SELECT show_on_phone FROM private_phonebooks WHERE user_id = $1`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "n/a", nil
	}
	if err != nil {
		return "", err
	}
	if show {
		return "true", nil
	}
	return "false", nil
}
