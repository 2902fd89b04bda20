package models

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// PhonebookEntry is a shared contact: who, and a number and an address of each kind.
type PhonebookEntry struct {
	ID          int    `db:"id" json:"id"`
	Title       string `db:"title" json:"title" validate:"oneof=mr mrs ms"`
	DisplayName string `db:"displayname" json:"displayname" validate:"required,max=64,printable"`
	FirstName   string `db:"firstname" json:"firstname" validate:"max=128,printable"`
	LastName    string `db:"lastname" json:"lastname" validate:"max=128,printable"`
	Society     string `db:"society" json:"society" validate:"max=128,printable"`
	Email       string `db:"email" json:"email" validate:"omitempty,max=255,email"`
	URL         string `db:"url" json:"url" validate:"max=255,printable"`
	Description string `db:"description" json:"description" validate:"max=1000"`
	// Numbers by kind (PhonebookNumberKinds); an empty number means none.
	Numbers map[string]string `db:"-" json:"numbers" validate:"-"`
	// Addresses by kind (PhonebookAddressKinds).
	Addresses map[string]PhonebookAddress `db:"-" json:"addresses" validate:"-"`
}

// PhonebookAddress is one postal address of a contact.
type PhonebookAddress struct {
	Address1 string `db:"address1" json:"address1" validate:"max=30,printable"`
	Address2 string `db:"address2" json:"address2" validate:"max=30,printable"`
	City     string `db:"city" json:"city" validate:"max=128,printable"`
	State    string `db:"state" json:"state" validate:"max=128,printable"`
	Zipcode  string `db:"zipcode" json:"zipcode" validate:"zipcode"`
	Country  string `db:"country" json:"country" validate:"omitempty,country"`
}

// IsZero reports whether the address says nothing.
func (a PhonebookAddress) IsZero() bool { return a == PhonebookAddress{} }

// The kinds of numbers and addresses a contact has.
var (
	PhonebookNumberKinds  = []string{"office", "home", "mobile", "fax", "other"}
	PhonebookAddressKinds = []string{"office", "home", "other"}
)

// PhonebookStore reads and writes the phonebook.
type PhonebookStore struct{ db *sqlx.DB }

const phonebookCols = `id, title, displayname, firstname, lastname, society, email, url, description`

// List returns every contact with its numbers and addresses, by display name.
func (s *PhonebookStore) List(ctx context.Context) ([]PhonebookEntry, error) {
	return s.query(ctx, s.db, `SELECT `+phonebookCols+` FROM phonebook ORDER BY displayname, id`)
}

// Search matches a substring of the names, society, e-mail, a number or an address field.
func (s *PhonebookStore) Search(ctx context.Context, term string) ([]PhonebookEntry, error) {
	return s.query(ctx, s.db, `SELECT `+phonebookCols+` FROM phonebook p
		WHERE concat_ws(chr(1), displayname, firstname, lastname, society, email) ILIKE $1
		   OR EXISTS (SELECT 1 FROM phonebook_numbers n WHERE n.phonebook_id = p.id AND n.number ILIKE $1)
		   OR EXISTS (SELECT 1 FROM phonebook_addresses a WHERE a.phonebook_id = p.id
				AND concat_ws(chr(1), address1, address2, city, state, zipcode, country) ILIKE $1)
		ORDER BY displayname, id`, likeTerm(term))
}

// query reads contacts and their parts: three queries whatever their number.
func (s *PhonebookStore) query(ctx context.Context, q sqlx.QueryerContext, query string, args ...any) ([]PhonebookEntry, error) {
	var out []PhonebookEntry
	if err := sqlx.SelectContext(ctx, q, &out, query, args...); err != nil || len(out) == 0 {
		return nil, err
	}
	ids := make([]int, len(out))
	at := map[int]int{}
	for i := range out {
		ids[i], at[out[i].ID] = out[i].ID, i
		out[i].Numbers, out[i].Addresses = map[string]string{}, map[string]PhonebookAddress{}
	}
	var nums []struct {
		ID     int    `db:"phonebook_id"`
		Type   string `db:"type"`
		Number string `db:"number"`
	}
	if err := sqlx.SelectContext(ctx, q, &nums, `SELECT phonebook_id, type, number FROM phonebook_numbers
		WHERE phonebook_id = ANY($1)`, intArray(ids)); err != nil {
		return nil, err
	}
	for _, n := range nums {
		out[at[n.ID]].Numbers[n.Type] = n.Number
	}
	var addrs []struct {
		ID   int    `db:"phonebook_id"`
		Type string `db:"type"`
		PhonebookAddress
	}
	if err := sqlx.SelectContext(ctx, q, &addrs, `SELECT phonebook_id, type, address1, address2, city, state,
		zipcode, country FROM phonebook_addresses WHERE phonebook_id = ANY($1)`, intArray(ids)); err != nil {
		return nil, err
	}
	for _, a := range addrs {
		out[at[a.ID]].Addresses[a.Type] = a.PhonebookAddress
	}
	return out, nil
}

// Get returns one contact or ErrNotFound.
func (s *PhonebookStore) Get(ctx context.Context, id int) (*PhonebookEntry, error) {
	return s.get(ctx, s.db, id, "")
}

func (s *PhonebookStore) get(ctx context.Context, q sqlx.QueryerContext, id int, lock string) (*PhonebookEntry, error) {
	out, err := s.query(ctx, q, `SELECT `+phonebookCols+` FROM phonebook WHERE id = $1`+lock, id)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return &out[0], nil
}

func checkPhonebook(p *PhonebookEntry) error {
	ve := CheckIn("phonebook_entry", p)
	for kind, n := range p.Numbers {
		switch {
		case !contains(PhonebookNumberKinds, kind):
			ve.Add("numbers."+kind, "is not a kind of number (office, home, mobile, fax, other)")
		case n != "" && (len(n) > 40 || !reDialable.MatchString(n)):
			ve.Add("numbers."+kind, RuleText("dialable", "")+", at most 40 characters")
		}
	}
	for kind, a := range p.Addresses {
		if !contains(PhonebookAddressKinds, kind) {
			ve.Add("addresses."+kind, "is not a kind of address (office, home, other)")
			continue
		}
		ve.Merge("addresses."+kind+".", Check(&a))
	}
	return ve.OrNil()
}

// Create validates and inserts a contact with its parts, setting its id.
func (s *PhonebookStore) Create(ctx context.Context, p *PhonebookEntry) error {
	if err := checkPhonebook(p); err != nil {
		return err
	}
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.QueryRowxContext(ctx, `INSERT INTO phonebook (title, displayname, firstname, lastname,
			society, email, url, description) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`, p.Title,
			p.DisplayName, p.FirstName, p.LastName, p.Society, p.Email, p.URL, p.Description).Scan(&p.ID); err != nil {
			return mapPQ(err, nil)
		}
		return writePhonebookParts(ctx, tx, p)
	})
}

// CreateMany validates every contact, then inserts them all in one transaction (an import),
// after removing every stored contact when replace is set: all or none. A refusal names each
// bad contact's fields after label(i) (its line).
func (s *PhonebookStore) CreateMany(ctx context.Context, ps []PhonebookEntry, replace bool, label func(i int) string) error {
	ve := &ValidationError{}
	for i := range ps {
		var one *ValidationError
		if errors.As(checkPhonebook(&ps[i]), &one) {
			for f, rule := range one.Fields {
				ve.Add(label(i)+": "+strings.TrimPrefix(f, "phonebook_entry."), rule)
			}
		}
	}
	if err := ve.OrNil(); err != nil {
		return err
	}
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if replace {
			// One replacement at a time: a second would not see (nor delete) the first's
			// rows, and the book would end up with both imports.
			if _, err := tx.ExecContext(ctx, `LOCK TABLE phonebook IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM phonebook`); err != nil {
				return err
			}
		}
		for i := range ps {
			p := &ps[i]
			if err := tx.QueryRowxContext(ctx, `INSERT INTO phonebook (title, displayname, firstname, lastname,
				society, email, url, description) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`, p.Title,
				p.DisplayName, p.FirstName, p.LastName, p.Society, p.Email, p.URL, p.Description).Scan(&p.ID); err != nil {
				return mapPQ(err, nil)
			}
			if err := writePhonebookParts(ctx, tx, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// Edit merges an edit onto the stored contact in one transaction that locks its row.
func (s *PhonebookStore) Edit(ctx context.Context, id int, merge func(stored *PhonebookEntry) (*PhonebookEntry, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*PhonebookEntry, error) {
		return s.get(ctx, tx, id, " FOR UPDATE")
	}, merge, func(tx *sqlx.Tx, _, p *PhonebookEntry) error {
		p.ID = id
		if err := checkPhonebook(p); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE phonebook SET title=$2, displayname=$3, firstname=$4,
			lastname=$5, society=$6, email=$7, url=$8, description=$9 WHERE id=$1`, id, p.Title,
			p.DisplayName, p.FirstName, p.LastName, p.Society, p.Email, p.URL, p.Description)
		if err != nil {
			return mapPQ(err, nil)
		}
		if err := oneRow(res); err != nil {
			return err
		}
		return writePhonebookParts(ctx, tx, p)
	})
}

// sharedFirstSQL is what a shared contact p shows in a user's phonebook as a first name: the
// display name stands for one when it has no names (the number is sharedNumberOf).
const sharedFirstSQL = `CASE WHEN p.firstname = '' AND p.lastname = '' THEN p.displayname ELSE p.firstname END`

// numbersOfContact joins each contact p to its numbers n by kind, an index lookup each.
const numbersOfContact = `LEFT JOIN LATERAL (SELECT ` + numberKinds + ` FROM phonebook_numbers WHERE phonebook_id = p.id) n ON true`

// sharedNumberOf is the number a contact shows, from n (numbersOfContact): the office one,
// else mobile, home, other.
const sharedNumberOf = `COALESCE(NULLIF(n.office, ''), NULLIF(n.mobile, ''), NULLIF(n.home, ''), NULLIF(n.other, ''), '')`

// numberKinds are a contact's numbers, one column a kind.
const numberKinds = `max(number) FILTER (WHERE type = 'office') AS office, max(number) FILTER (WHERE type = 'mobile') AS mobile,
	max(number) FILTER (WHERE type = 'home') AS home, max(number) FILTER (WHERE type = 'fax') AS fax,
	max(number) FILTER (WHERE type = 'other') AS other`

// BookEntries are the shared contacts as users' phonebooks show them (names, the number,
// company, e-mail, cell, home and fax numbers), by display name, in one query (the numbers
// by kind in one grouped pass over the whole book). PrivateBookStore.Search finds a few.
func (s *PhonebookStore) BookEntries(ctx context.Context) ([]BookEntry, error) {
	es, _, err := s.bookEntries(ctx)
	return es, err
}

// bookEntries is BookEntries with each entry's contact id.
func (s *PhonebookStore) bookEntries(ctx context.Context) ([]BookEntry, []int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, `+sharedFirstSQL+`, p.lastname, `+sharedNumberOf+`, p.society, p.email,
			COALESCE(n.mobile, ''), COALESCE(n.home, ''), COALESCE(n.fax, '')
		FROM phonebook p LEFT JOIN (SELECT phonebook_id, `+numberKinds+` FROM phonebook_numbers GROUP BY phonebook_id) n
			ON n.phonebook_id = p.id
		ORDER BY p.displayname, p.id`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []BookEntry
	var ids []int
	for rows.Next() {
		out, ids = append(out, BookEntry{}), append(ids, 0)
		e := &out[len(out)-1]
		c := &e.Contact
		if err := rows.Scan(&ids[len(ids)-1], &e.FirstName, &e.LastName, &e.Number, &c.CompanyName, &c.EmailAddress,
			&c.CellPhoneNumber, &c.HomePhoneNumber, &c.FaxNumber); err != nil {
			return nil, nil, err
		}
	}
	return out, ids, rows.Err()
}

// phonebookWords are the words a contact is found by: its names and numbers, lower case.
func phonebookWords(p *PhonebookEntry) []string {
	text := p.FirstName + " " + p.LastName + " " + p.DisplayName
	for _, n := range p.Numbers {
		text += " " + n
	}
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.Fields(strings.ToLower(text)) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// likePrefix is a LIKE pattern matching what starts with s.
func likePrefix(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}

// writePhonebookParts replaces the numbers and addresses of p (empty ones are not stored).
func writePhonebookParts(ctx context.Context, tx *sqlx.Tx, p *PhonebookEntry) error {
	for _, q := range []string{`DELETE FROM phonebook_numbers WHERE phonebook_id = $1`, `DELETE FROM phonebook_addresses WHERE phonebook_id = $1`,
		`DELETE FROM phonebook_words WHERE phonebook_id = $1`} {
		if _, err := tx.ExecContext(ctx, q, p.ID); err != nil {
			return err
		}
	}
	var kinds, numbers []string
	for k, n := range p.Numbers {
		if n != "" {
			kinds, numbers = append(kinds, k), append(numbers, n)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO phonebook_numbers (phonebook_id, type, number)
		SELECT $1, k, n FROM unnest(CAST($2 AS text[]), CAST($3 AS text[])) AS t(k, n)`,
		p.ID, pq.StringArray(kinds), pq.StringArray(numbers)); err != nil {
		return mapPQ(err, nil)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO phonebook_words (phonebook_id, word) SELECT $1, w FROM unnest(CAST($2 AS text[])) AS w`,
		p.ID, pq.StringArray(phonebookWords(p))); err != nil {
		return err
	}
	akinds := make([]string, 0, len(p.Addresses))
	for k, a := range p.Addresses {
		if !a.IsZero() {
			akinds = append(akinds, k)
		}
	}
	sort.Strings(akinds)
	for _, k := range akinds {
		a := p.Addresses[k]
		if _, err := tx.ExecContext(ctx, `INSERT INTO phonebook_addresses (phonebook_id, type, address1,
			address2, city, state, zipcode, country) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, p.ID, k,
			a.Address1, a.Address2, a.City, a.State, a.Zipcode, a.Country); err != nil {
			return mapPQ(err, nil)
		}
	}
	return nil
}

// Delete removes a contact with its numbers and addresses.
func (s *PhonebookStore) Delete(ctx context.Context, id int) error {
	return deleteOne(ctx, s.db, `DELETE FROM phonebook WHERE id = $1`, id)
}

// DeleteAll empties the phonebook in one transaction and says how many contacts went.
func (s *PhonebookStore) DeleteAll(ctx context.Context) (int, error) {
	return deleteRows(ctx, s.db, `DELETE FROM phonebook`)
}
