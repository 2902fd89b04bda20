package models

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jmoiron/sqlx"
)

// The extensions table (migration 0010) holds every number an object answers on in a
// context; triggers on each family's table keep it. A family whose objects have a number
// checks it with CheckNumber before writing, and maps the table's unique constraint
// (extensions_context_exten_key) to its number field for the race CheckNumber cannot see.

// NumberUse names the object that uses a number in a context.
type NumberUse struct {
	Type    string `db:"type"`
	TypeVal string `db:"typeval"`
}

// String is "line 5", "group 2".
func (u NumberUse) String() string { return u.Type + " " + u.TypeVal }

// CheckNumber validates the number an object of family (id 0 when new) takes in context:
// the context exists, the number falls inside one of its ranges of kind (user, group, queue,
// meetme, incall; "" for a family whose numbers lie outside ranges, parking lots) and no
// other object uses it. field names the number in errors (canonical
// path), contextField the context.
func CheckNumber(ctx context.Context, q sqlx.QueryerContext, field, contextField, family string, id int, kind, contextName, number string) error {
	var exists bool
	if err := sqlx.GetContext(ctx, q, &exists, `SELECT EXISTS (SELECT 1 FROM contexts WHERE name = $1)`, contextName); err != nil {
		return err
	}
	if !exists {
		return Invalid(contextField, "must name an existing context")
	}
	if number == "" {
		return nil
	}
	if !reDigits.MatchString(number) {
		return Invalid(field, "must contain only digits")
	}
	if kind != "" {
		var rs []ContextRange
		if err := sqlx.SelectContext(ctx, q, &rs, `SELECT type, numberbeg, numberend, didlength
			FROM context_ranges WHERE context = $1 AND type = $2`, contextName, kind); err != nil {
			return err
		}
		in := false
		for _, r := range rs {
			in = in || inRange(number, r.NumberBeg, r.NumberEnd)
		}
		if !in {
			return Invalid(field, fmt.Sprintf("must fall inside a %s number range of context %s", kind, contextName))
		}
	}
	var users []NumberUse
	if err := sqlx.SelectContext(ctx, q, &users, `SELECT type, typeval FROM extensions
		WHERE context = $1 AND exten = $2 AND NOT (type = $3 AND typeval = $4)`,
		contextName, number, family, strconv.Itoa(id)); err != nil {
		return err
	}
	if len(users) > 0 {
		return &ConflictError{Field: field, Msg: fmt.Sprintf("number %s is already used in context %s by %s", number, contextName, users[0])}
	}
	return nil
}
