package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// What sipX call groups (sipx-api.md §9) need of the ring groups beyond XiVO's view: a
// second number (did), a name unique among everything a user dials, lookups by name or
// number, the context sipX-made groups go to, and who answered a group's latest call.

// checkGroupDID validates the group's did: digits, not its own number, free in its context.
func checkGroupDID(ctx context.Context, tx *sqlx.Tx, c *GroupComposite, id int) error {
	g := &c.Group
	if g.DID == "" {
		return nil
	}
	if g.DID == g.Number {
		return Invalid("group.did", "must differ from the group's number")
	}
	return CheckNumber(ctx, tx, "group.did", "group.context", "groupdid", id, "", g.Context, g.DID)
}

// checkGroupAlias refuses a name that a user logs in with, an alias, a line's name or
// number, or a number of any context already is (ConflictError).
func checkGroupAlias(ctx context.Context, tx *sqlx.Tx, name string, id int) error {
	var what string
	err := tx.GetContext(ctx, &what, `SELECT what FROM (
			SELECT 'user ' || id AS what, 1 AS o FROM users WHERE lower(loginclient) = lower($1)
			UNION ALL SELECT 'user ' || user_id, 2 FROM user_aliases WHERE alias = $1
			UNION ALL SELECT 'line ' || id, 3 FROM lines WHERE name = $1 OR number = $1
			UNION ALL SELECT type || ' ' || typeval, 4 FROM extensions
				WHERE exten = $1 AND NOT (type IN ('group', 'groupdid') AND typeval = CAST($2 AS text))) x
		ORDER BY o LIMIT 1`, name, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return &ConflictError{Field: "group.name", Msg: fmt.Sprintf("name %s is already an alias or number of %s", name, what)}
}

// IDsByNumber are the ids of the groups whose number starts with prefix ("" all), by number.
func (s *GroupStore) IDsByNumber(ctx context.Context, prefix string) ([]int, error) {
	var ids []int
	err := s.db.SelectContext(ctx, &ids, `SELECT id FROM groups WHERE starts_with(number, $1) ORDER BY number, id`, prefix)
	return ids, err
}

// Find returns the id of the group whose number (exact: only that) or else name or did is
// key, or ErrNotFound.
func (s *GroupStore) Find(ctx context.Context, key string, exact bool) (int, error) {
	var id int
	err := s.db.GetContext(ctx, &id, `SELECT id FROM groups WHERE number = $1 OR (NOT $2 AND (did = $1 OR name = $1))
		ORDER BY (number = $1) DESC, (did = $1) DESC, id LIMIT 1`, key, exact)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return id, err
}

// FreeName is name, or CopyOf+name repeated until no group has it.
func (s *GroupStore) FreeName(ctx context.Context, name string) (string, error) {
	for n := name; ; n = "CopyOf" + n {
		var taken bool
		if err := s.db.GetContext(ctx, &taken, `SELECT EXISTS (SELECT 1 FROM groups WHERE name = $1)
			OR EXISTS (SELECT 1 FROM queues WHERE name = $1)`, n); err != nil {
			return "", err
		}
		if !taken {
			return n, nil
		}
		if len(n) > 128 {
			return "", &ConflictError{Field: "group.name", Msg: "no free CopyOf name for " + name}
		}
	}
}

// DefaultInternalContext is the context sipX-made groups go to: "default" when it is an
// internal context, else the first internal one by name; ErrNotFound when there is none.
func (s *ContextStore) DefaultInternalContext(ctx context.Context) (string, error) {
	var name string
	err := s.db.GetContext(ctx, &name, `SELECT name FROM contexts WHERE contexttype = 'internal'
		ORDER BY (name = 'default') DESC, name LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return name, err
}

// GroupAnswerer is the user who answered the latest call the event log shows to the
// group's number in its context: the first channel other than the caller's to answer, a
// line of a user. ok is false when the log has no such call, or nobody (or no user)
// answered it.
func (s *CELStore) GroupAnswerer(ctx context.Context, context, number string) (userID int, ok bool, err error) {
	if number == "" {
		return 0, false, nil
	}
	peer := func(col string) string { return fmt.Sprintf(celPeer, col) }
	err = s.db.GetContext(ctx, &userID, `WITH latest AS (
			SELECT linkedid FROM cel WHERE exten = $2 AND lower(context) = lower($1) AND linkedid <> ''
			ORDER BY eventtime DESC, id DESC LIMIT 1),
		caller AS (
			SELECT c.channame FROM cel c, latest l WHERE c.linkedid = l.linkedid AND c.eventtype = 'CHAN_START'
			ORDER BY c.id LIMIT 1)
		SELECT ln.user_id FROM cel a JOIN latest l ON a.linkedid = l.linkedid
			JOIN lines ln ON ln.name = `+peer("a.channame")+` AND ln.user_id IS NOT NULL
		WHERE a.eventtype = 'ANSWER' AND a.channame NOT IN (SELECT channame FROM caller)
		ORDER BY a.id LIMIT 1`, context, number)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return userID, err == nil, err
}

// UserIDByName is the id of the user a sipX user name names: the login (any case), the
// number or name of one of its SIP lines, or an alias; ErrNotFound when none does.
func (s *UserStore) UserIDByName(ctx context.Context, name string) (int, error) {
	var id int
	err := s.db.GetContext(ctx, &id, `SELECT id FROM (
			SELECT id, 0 AS rank FROM users WHERE lower(loginclient) = lower($1) AND loginclient <> ''
			UNION ALL SELECT user_id, 1 FROM lines WHERE (number = $1 OR name = $1) AND user_id IS NOT NULL AND protocol = 'sip'
			UNION ALL SELECT user_id, 1 FROM user_aliases WHERE alias = $1) m
		ORDER BY rank, id LIMIT 1`, name)
	if errors.Is(err, sql.ErrNoRows) || name == "" {
		return 0, ErrNotFound
	}
	return id, err
}
