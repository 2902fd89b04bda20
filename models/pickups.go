package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Pickup is a call pickup group; its id is the Asterisk pickup group number (0-63).
type Pickup struct {
	ID          int    `db:"id" json:"id"`
	Name        string `db:"name" json:"name" validate:"required,max=128,printable"`
	Description string `db:"description" json:"description" validate:"max=1000"`
	Commented   bool   `db:"commented" json:"commented"`
}

// PickupMember is a user, group or queue whose calls can be picked up (category member)
// or who may pick them up (category pickup).
type PickupMember struct {
	Category   string `db:"category" json:"category" validate:"oneof=member pickup"`
	MemberType string `db:"membertype" json:"membertype" validate:"oneof=user group queue"`
	MemberID   int    `db:"memberid" json:"memberid" validate:"gt=0"`
}

// PickupComposite is a pickup group with its members; on edit nil Members keeps them.
type PickupComposite struct {
	Pickup  Pickup
	Members []PickupMember
}

// MaxPickupID is the highest pickup group number Asterisk has.
const MaxPickupID = 63

// PickupStore reads and writes pickup groups.
type PickupStore struct{ db *sqlx.DB }

const pickupCols = `id, name, description, commented`

var pickupConstraints = map[string]string{"pickups_name_key": "pickup.name"}

// memberTables is the table of each kind of pickup member.
var memberTables = map[string]string{"user": "users", "group": "groups", "queue": "queues"}

// List returns every pickup group by id.
func (s *PickupStore) List(ctx context.Context) ([]Pickup, error) {
	var out []Pickup
	err := s.db.SelectContext(ctx, &out, `SELECT `+pickupCols+` FROM pickups ORDER BY id`)
	return out, err
}

// Get returns a pickup group with its members, or ErrNotFound.
func (s *PickupStore) Get(ctx context.Context, id int) (*PickupComposite, error) {
	return s.get(ctx, s.db, id, "")
}

func (s *PickupStore) get(ctx context.Context, q sqlx.QueryerContext, id int, lock string) (*PickupComposite, error) {
	c := &PickupComposite{Members: []PickupMember{}}
	err := sqlx.GetContext(ctx, q, &c.Pickup, `SELECT `+pickupCols+` FROM pickups WHERE id = $1`+lock, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	err = sqlx.SelectContext(ctx, q, &c.Members, `SELECT category, membertype, memberid FROM pickup_members
		WHERE pickup_id = $1 ORDER BY category, position`, id)
	return c, err
}

func (s *PickupStore) check(ctx context.Context, tx *sqlx.Tx, c *PickupComposite) error {
	ve := CheckIn("pickup", &c.Pickup)
	seen := map[PickupMember]bool{}
	for i, m := range c.Members {
		field := fmt.Sprintf("members[%d]", i)
		ve.Merge(field+".", Check(&m))
		if seen[m] {
			ve.Add(field, "is listed twice")
		}
		seen[m] = true
	}
	if err := ve.OrNil(); err != nil {
		return err
	}
	for i, m := range c.Members {
		ok, err := lockExisting(ctx, tx, memberTables[m.MemberType], m.MemberID)
		if err != nil {
			return err
		}
		if !ok {
			ve.Add(fmt.Sprintf("members[%d].member_id", i), fmt.Sprintf("%s %d does not exist", m.MemberType, m.MemberID))
		}
	}
	return ve.OrNil()
}

// Create validates and inserts the group under the lowest free number of 0-63.
func (s *PickupStore) Create(ctx context.Context, c *PickupComposite) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := s.check(ctx, tx, c); err != nil {
			return err
		}
		// One allocation at a time: two adds must not pick the same free number.
		if _, err := tx.ExecContext(ctx, `LOCK TABLE pickups IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var free []int
		if err := tx.SelectContext(ctx, &free, `SELECT n FROM generate_series(0, $1) n
			WHERE NOT EXISTS (SELECT 1 FROM pickups WHERE id = n) ORDER BY n LIMIT 1`, MaxPickupID); err != nil {
			return err
		}
		if len(free) == 0 {
			return Invalid("pickup", fmt.Sprintf("all %d pickup group numbers (0-%d) are taken", MaxPickupID+1, MaxPickupID))
		}
		p := &c.Pickup
		p.ID = free[0]
		if _, err := tx.ExecContext(ctx, `INSERT INTO pickups (id, name, description, commented) VALUES ($1,$2,$3,$4)`,
			p.ID, p.Name, p.Description, p.Commented); err != nil {
			return mapPQ(err, pickupConstraints)
		}
		return s.writeMembers(ctx, tx, c)
	})
}

// Edit merges an edit onto the stored group in one transaction that locks its row first.
func (s *PickupStore) Edit(ctx context.Context, id int, merge func(stored *PickupComposite) (*PickupComposite, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*PickupComposite, error) {
		return s.get(ctx, tx, id, " FOR UPDATE")
	}, merge, func(tx *sqlx.Tx, _, c *PickupComposite) error {
		c.Pickup.ID = id
		if err := s.check(ctx, tx, c); err != nil {
			return err
		}
		p := &c.Pickup
		res, err := tx.ExecContext(ctx, `UPDATE pickups SET name=$2, description=$3, commented=$4 WHERE id=$1`,
			id, p.Name, p.Description, p.Commented)
		if err != nil {
			return mapPQ(err, pickupConstraints)
		}
		if err := oneRow(res); err != nil {
			return err
		}
		return s.writeMembers(ctx, tx, c)
	})
}

func (s *PickupStore) writeMembers(ctx context.Context, tx *sqlx.Tx, c *PickupComposite) error {
	if c.Members == nil {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM pickup_members WHERE pickup_id = $1`, c.Pickup.ID); err != nil {
		return err
	}
	for i, m := range c.Members {
		if _, err := tx.ExecContext(ctx, `INSERT INTO pickup_members (pickup_id, category, membertype, memberid, position)
			VALUES ($1,$2,$3,$4,$5)`, c.Pickup.ID, m.Category, m.MemberType, m.MemberID, i); err != nil {
			return mapPQ(err, nil)
		}
	}
	return nil
}

// Delete removes a pickup group with its members.
func (s *PickupStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM pickups WHERE id = $1`, id)
		if err != nil {
			return mapPQ(err, nil)
		}
		return oneRow(res)
	})
}

// leavePickups removes a deleted user's or group's pickup memberships.
func leavePickups(ctx context.Context, tx *sqlx.Tx, memberType string, id int) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM pickup_members WHERE membertype = $1 AND memberid = $2`, memberType, id)
	return err
}
