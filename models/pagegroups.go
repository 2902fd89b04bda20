package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/jmoiron/sqlx"
)

// PageGroup is a sipX page group (sipx-api.md §10): dialling the paging prefix and its
// number pages its members at once.
type PageGroup struct {
	ID      int  `db:"id"`
	Number  int  `db:"number" validate:"gte=1,lte=9999"`
	Enabled bool `db:"enabled"`
	// Timeout is how long a page lasts at most, in seconds.
	Timeout int `db:"timeout" validate:"gte=1,lte=3600"`
	// Sound is the beep played first: a prompt of the "pagegroups" family ("" none), which
	// cannot be deleted while a group uses it.
	Sound       string  `db:"sound" validate:"max=100"`
	Description *string `db:"description" validate:"omitempty,max=1000"`
}

// PageGroupComposite is a page group with its member users in order (nil keeps them on
// edit, none on create).
type PageGroupComposite struct {
	Group   PageGroup
	Members []int
}

// PageGroupDefaultTimeout is how long a page lasts when the group does not say.
const PageGroupDefaultTimeout = 60

// PagingSettings is the settings tree of paging (/api/pagegroups/settings): the prefix a
// page group's number is dialled after. sipXpage's own engine settings (ports, trace, log
// level) belong to a service pbxws does not run: the tree does not have them.
var PagingSettings = func() *SettingsOwner {
	k := ServiceSettings("pagegroups", NewSettingTree(
		TreeGroup("page-config", "Paging",
			TreeStr("prefix", "Paging prefix").Def(DefaultPagingPrefix).Require().Match(`^[0-9*#]{1,10}$`).
				Describe("Dialled before a page group's number to page it."))), true)
	k.AfterWrite = func(ctx context.Context, tx *sqlx.Tx, _ string) error {
		// A new prefix makes new numbers of every page group: each must still be free.
		prefix, err := pagingPrefix(ctx, tx)
		if err != nil {
			return err
		}
		var numbers []int
		if err := tx.SelectContext(ctx, &numbers, `SELECT number FROM page_groups ORDER BY number`); err != nil {
			return err
		}
		for _, n := range numbers {
			if err := checkPageNumber(ctx, tx, prefix, n); err != nil {
				return err
			}
		}
		return nil
	}
	return k
}()

// DefaultPagingPrefix is the paging prefix until one is set.
const DefaultPagingPrefix = "*77"

// pagingLock serialises the writes that change page numbers: page groups and the prefix
// (the lock ServiceSettings takes for the paging settings).
func pagingLock(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('settings:pagegroups'))`)
	return err
}

// pagingPrefix is the prefix in force: the stored one, else the default.
func pagingPrefix(ctx context.Context, q sqlx.QueryerContext) (string, error) {
	var v *string
	err := sqlx.GetContext(ctx, q, &v, `SELECT value FROM setting_values
		WHERE owner_kind = $1 AND owner_id = '1' AND path = 'page-config/prefix'`, "service:pagegroups")
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (v == nil || *v == "")) {
		return DefaultPagingPrefix, nil
	}
	if err != nil {
		return "", err
	}
	return *v, nil
}

// checkPageNumber refuses a page number (prefix + number) another object dials on.
func checkPageNumber(ctx context.Context, q sqlx.QueryerContext, prefix string, number int) error {
	dial := prefix + strconv.Itoa(number)
	var users []NumberUse
	if err := sqlx.SelectContext(ctx, q, &users, `SELECT type, typeval FROM extensions WHERE exten = $1 ORDER BY id LIMIT 1`, dial); err != nil {
		return err
	}
	if len(users) > 0 {
		return &ConflictError{Field: "page_group.number", Msg: fmt.Sprintf("page number %s is already used by %s", dial, users[0])}
	}
	return nil
}

func init() {
	// A prompt a page group beeps with is not deleted (sipx-api.md §4.3).
	audioUses = append(audioUses, struct{ family, query string }{"pagegroups",
		`SELECT 'page group ' || number FROM page_groups WHERE sound = $1 ORDER BY number LIMIT 1`})
}

// lockPrompt says whether a prompt of family is stored, locking it against deletion until
// the transaction ends (the delete locks it and then looks for its users).
func lockPrompt(ctx context.Context, tx *sqlx.Tx, family, name string) (bool, error) {
	var n int
	err := tx.GetContext(ctx, &n, `SELECT count(*) FROM (SELECT 1 FROM audio_files WHERE family = $1 AND name = $2 FOR SHARE) x`, family, name)
	return n > 0, err
}

// PageGroupStore reads and writes page groups.
type PageGroupStore struct{ db *sqlx.DB }

const pageGroupCols = `id, number, enabled, timeout, sound, description`

// IDs are every page group's id, by number.
func (s *PageGroupStore) IDs(ctx context.Context) ([]int, error) {
	ids := []int{}
	err := s.db.SelectContext(ctx, &ids, `SELECT id FROM page_groups ORDER BY number`)
	return ids, err
}

// Get returns a page group with its members, or ErrNotFound.
func (s *PageGroupStore) Get(ctx context.Context, id int) (*PageGroupComposite, error) {
	return s.get(ctx, s.db, id, "")
}

func (s *PageGroupStore) get(ctx context.Context, q sqlx.QueryerContext, id int, lock string) (*PageGroupComposite, error) {
	c := &PageGroupComposite{Members: []int{}}
	err := sqlx.GetContext(ctx, q, &c.Group, `SELECT `+pageGroupCols+` FROM page_groups WHERE id = $1`+lock, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	err = sqlx.SelectContext(ctx, q, &c.Members, `SELECT user_id FROM page_group_members WHERE page_group_id = $1
		ORDER BY position, user_id`, id)
	return c, err
}

var pageGroupConstraints = map[string]string{"page_groups_number_key": "page_group.number"}

// check validates the group: its fields, its page number, its sound and its members.
func (s *PageGroupStore) check(ctx context.Context, tx *sqlx.Tx, c *PageGroupComposite) error {
	if err := CheckIn("page_group", &c.Group).OrNil(); err != nil {
		return err
	}
	if err := pagingLock(ctx, tx); err != nil {
		return err
	}
	var taken bool
	if err := tx.GetContext(ctx, &taken, `SELECT EXISTS (SELECT 1 FROM page_groups WHERE number = $1 AND id <> $2)`,
		c.Group.Number, c.Group.ID); err != nil {
		return err
	}
	if taken {
		return &ConflictError{Field: "page_group.number", Msg: fmt.Sprintf("page group number %d is already used", c.Group.Number)}
	}
	prefix, err := pagingPrefix(ctx, tx)
	if err != nil {
		return err
	}
	if err := checkPageNumber(ctx, tx, prefix, c.Group.Number); err != nil {
		return err
	}
	if c.Group.Sound != "" {
		ok, err := lockPrompt(ctx, tx, "pagegroups", c.Group.Sound)
		if err != nil {
			return err
		}
		if !ok {
			return Invalid("page_group.sound", "Prompt not found")
		}
	}
	ve := &ValidationError{}
	for i, uid := range c.Members {
		ok, err := lockExisting(ctx, tx, "users", uid)
		if err != nil {
			return err
		}
		if !ok {
			ve.Add(fmt.Sprintf("members[%d]", i), "User not found")
		}
	}
	return ve.OrNil()
}

func (s *PageGroupStore) writeMembers(ctx context.Context, tx *sqlx.Tx, c *PageGroupComposite) error {
	if c.Members == nil {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM page_group_members WHERE page_group_id = $1`, c.Group.ID); err != nil {
		return err
	}
	for i, uid := range c.Members {
		if _, err := tx.ExecContext(ctx, `INSERT INTO page_group_members (page_group_id, user_id, position)
			VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, c.Group.ID, uid, i); err != nil {
			return mapPQ(err, nil)
		}
	}
	return nil
}

// Create validates and inserts the group, setting its id.
func (s *PageGroupStore) Create(ctx context.Context, c *PageGroupComposite) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := s.check(ctx, tx, c); err != nil {
			return err
		}
		g := &c.Group
		err := tx.QueryRowxContext(ctx, `INSERT INTO page_groups (number, enabled, timeout, sound, description)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, g.Number, g.Enabled, g.Timeout, g.Sound, g.Description).Scan(&g.ID)
		if err != nil {
			return mapPQ(err, pageGroupConstraints)
		}
		return s.writeMembers(ctx, tx, c)
	})
}

// Edit merges an edit onto the stored group in one transaction that locks its row first.
func (s *PageGroupStore) Edit(ctx context.Context, id int, merge func(stored *PageGroupComposite) (*PageGroupComposite, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*PageGroupComposite, error) {
		return s.get(ctx, tx, id, " FOR UPDATE")
	}, merge, func(tx *sqlx.Tx, _, c *PageGroupComposite) error {
		c.Group.ID = id
		if err := s.check(ctx, tx, c); err != nil {
			return err
		}
		g := &c.Group
		res, err := tx.ExecContext(ctx, `UPDATE page_groups SET number = $2, enabled = $3, timeout = $4, sound = $5,
			description = $6 WHERE id = $1`, id, g.Number, g.Enabled, g.Timeout, g.Sound, g.Description)
		if err != nil {
			return mapPQ(err, pageGroupConstraints)
		}
		if err := oneRow(res); err != nil {
			return err
		}
		return s.writeMembers(ctx, tx, c)
	})
}

// Delete removes a page group with its members.
func (s *PageGroupStore) Delete(ctx context.Context, id int) error {
	return deleteOne(ctx, s.db, `DELETE FROM page_groups WHERE id = $1`, id)
}
