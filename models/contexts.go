package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"regexp"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Context is a dialplan context: numbers live in it, users and lines belong to it.
type Context struct {
	Name        string `db:"name" validate:"required,contextname"`
	DisplayName string `db:"displayname" validate:"required,min=3,max=128,printable"`
	EntityID    int    `db:"entity_id"`
	EntityName  string `db:"entity_name" validate:"required,entityname"`
	ContextType string `db:"contexttype" validate:"required,contexttype"`
	Description string `db:"description" validate:"max=1000"`
	Commented   bool   `db:"commented"`
}

// ContextRange is a number range of one object type in a context.
type ContextRange struct {
	Type string `db:"type" json:"type" validate:"oneof=user group queue meetme incall"`
	// Digits only is checked by hand: validator's "numeric" also takes "-5" and "1.5".
	NumberBeg string `db:"numberbeg" json:"numberbeg" validate:"required,max=16"`
	NumberEnd string `db:"numberend" json:"numberend" validate:"max=16"`
	// DidLength is only meaningful for incall ranges (0 = not given); others store 0.
	DidLength int `db:"didlength" json:"didlength" validate:"gte=0,lte=20"`
}

// ContextComposite is a context with its ranges and includes. On update a nil part keeps
// what is stored.
type ContextComposite struct {
	Context  Context
	Ranges   []ContextRange
	Includes []string
	// Use says what refers to the context: read with it, never written.
	Use ContextUse
}

// ContextUse says what refers to a context (what blocks its deletion).
type ContextUse struct {
	Name       string `db:"name"`
	Lines      int    `db:"lines"`
	Voicemails int    `db:"voicemails"`
	// Numbers counts the other objects with a number here (groups, rooms, incalls).
	Numbers    int `db:"numbers"`
	IncludedBy int `db:"included_by"`
}

// Free reports whether nothing blocks deleting the context. Being included by other
// contexts does not: xivo-ws acceptance (wire §8 C8) deletes "to-extern" while "default"
// includes it, and the include rows go with it (ON DELETE CASCADE), as in XiVO.
func (u ContextUse) Free() bool { return u.Lines == 0 && u.Voicemails == 0 && u.Numbers == 0 }

// String says what uses the context, for the 405 answer of a refused delete.
func (u ContextUse) String() string {
	return fmt.Sprintf("context %s is still used by %d line(s), %d voicemail box(es) and %d other number(s) of its extensions (groups, conference rooms, incalls, parking lots)",
		u.Name, u.Lines, u.Voicemails, u.Numbers)
}

// ContextStore reads and writes contexts.
type ContextStore struct{ db *sqlx.DB }

const contextCols = `c.name, c.displayname, c.entity_id, e.name AS entity_name, c.contexttype,
	c.description, c.commented`
const contextFrom = ` FROM contexts c JOIN entities e ON e.id = c.entity_id `

var reDigits = regexp.MustCompile(`^[0-9]+$`)

// List returns every context by name, with its ranges, includes and use.
func (s *ContextStore) List(ctx context.Context) ([]ContextComposite, error) {
	var cs []Context
	if err := s.db.SelectContext(ctx, &cs, `SELECT `+contextCols+contextFrom+` ORDER BY c.name`); err != nil {
		return nil, err
	}
	return s.composites(ctx, cs)
}

// Search matches a substring of the name, display name or entity name.
func (s *ContextStore) Search(ctx context.Context, term string) ([]ContextComposite, error) {
	var cs []Context
	if err := s.db.SelectContext(ctx, &cs, `SELECT `+contextCols+contextFrom+`
		WHERE c.name ILIKE $1 OR c.displayname ILIKE $1 OR e.name ILIKE $1 ORDER BY c.name`, likeTerm(term)); err != nil {
		return nil, err
	}
	return s.composites(ctx, cs)
}

// composites reads the parts of the contexts: three queries whatever their number.
func (s *ContextStore) composites(ctx context.Context, cs []Context) ([]ContextComposite, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	names := make([]string, len(cs))
	out := make([]ContextComposite, len(cs))
	at := make(map[string]int, len(cs))
	for i, c := range cs {
		names[i] = c.Name
		out[i] = ContextComposite{Context: c, Ranges: []ContextRange{}, Includes: []string{}}
		at[c.Name] = i
	}
	ranges, err := s.rangesOf(ctx, s.db, names)
	if err != nil {
		return nil, err
	}
	for _, r := range ranges {
		c := &out[at[r.Context]]
		c.Ranges = append(c.Ranges, r.ContextRange)
	}
	var incs []struct {
		Context string `db:"context"`
		Include string `db:"include"`
	}
	if err := s.db.SelectContext(ctx, &incs, `SELECT context, include FROM context_includes
		WHERE context = ANY($1) ORDER BY context, priority, include`, pq.StringArray(names)); err != nil {
		return nil, err
	}
	for _, inc := range incs {
		c := &out[at[inc.Context]]
		c.Includes = append(c.Includes, inc.Include)
	}
	var use []ContextUse
	if err := s.db.SelectContext(ctx, &use, contextUseQuery, pq.StringArray(names)); err != nil {
		return nil, err
	}
	for _, u := range use {
		out[at[u.Name]].Use = u
	}
	return out, nil
}

// Get returns a context with its ranges, includes and use, or ErrNotFound.
func (s *ContextStore) Get(ctx context.Context, name string) (*ContextComposite, error) {
	return s.get(ctx, s.db, name, "")
}

// get reads one composite through q; lock is "" or " FOR UPDATE OF c".
func (s *ContextStore) get(ctx context.Context, q sqlx.QueryerContext, name, lock string) (*ContextComposite, error) {
	var c ContextComposite
	err := sqlx.GetContext(ctx, q, &c.Context, `SELECT `+contextCols+contextFrom+` WHERE c.name = $1`+lock, name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.rangesOf(ctx, q, []string{name})
	if err != nil {
		return nil, err
	}
	c.Ranges = make([]ContextRange, len(rows))
	for i, r := range rows {
		c.Ranges[i] = r.ContextRange
	}
	if err := sqlx.SelectContext(ctx, q, &c.Includes, `SELECT include FROM context_includes
		WHERE context = $1 ORDER BY priority, include`, name); err != nil {
		return nil, err
	}
	if err := sqlx.GetContext(ctx, q, &c.Use, contextUseQuery, pq.StringArray{name}); err != nil {
		return nil, err
	}
	return &c, nil
}

// RangeRow is a range with the context it belongs to.
type RangeRow struct {
	Context string `db:"context"`
	ContextRange
}

// rangesOf returns the ranges of the named contexts with their context.
func (s *ContextStore) rangesOf(ctx context.Context, q sqlx.QueryerContext, names []string) ([]RangeRow, error) {
	var out []RangeRow
	err := sqlx.SelectContext(ctx, q, &out, `SELECT context, type, numberbeg, numberend, didlength
		FROM context_ranges WHERE context = ANY($1) ORDER BY context, type, position, id`, pq.StringArray(names))
	return out, err
}

const contextUseQuery = `SELECT c.name,
	(SELECT count(*) FROM lines l WHERE l.context = c.name) AS lines,
	(SELECT count(*) FROM voicemails v WHERE v.context = c.name) AS voicemails,
	(SELECT count(*) FROM extensions x WHERE x.context = c.name AND x.type <> 'line') AS numbers,
	(SELECT count(*) FROM context_includes i WHERE i.include = c.name AND i.context <> c.name) AS included_by
	FROM contexts c WHERE c.name = ANY($1)`

// check validates the composite; entity and includes must exist.
func (s *ContextStore) check(ctx context.Context, tx *sqlx.Tx, c *ContextComposite) error {
	ve := &ValidationError{}
	ve.Merge("context.", Check(&c.Context))
	ve.Merge("", checkRanges(c.Ranges))
	if err := ve.OrNil(); err != nil {
		return err
	}
	if err := tx.GetContext(ctx, &c.Context.EntityID, `SELECT id FROM entities WHERE name = $1`, c.Context.EntityName); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Invalid("context.entity_name", "must name an existing entity")
		}
		return err
	}
	for i, inc := range c.Includes {
		if inc == c.Context.Name {
			ve.Add(fmt.Sprintf("includes[%d]", i), "a context cannot include itself")
			continue
		}
		var ok bool
		if err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM contexts WHERE name = $1)`, inc); err != nil {
			return err
		}
		if !ok {
			ve.Add(fmt.Sprintf("includes[%d]", i), "must name an existing context")
		}
	}
	return ve.OrNil()
}

// checkRanges validates ranges, naming each by its index within its type as the body did
// (ranges.group[0] even when user ranges come first).
func checkRanges(rs []ContextRange) *ValidationError {
	ve := &ValidationError{}
	index := map[string]int{}
	for i := range rs {
		r := &rs[i]
		prefix := fmt.Sprintf("ranges.%s[%d].", r.Type, index[r.Type])
		index[r.Type]++
		if r.Type != "incall" {
			r.DidLength = 0 // xivo-ws and views carry "0"; it means nothing outside incall
		}
		ve.Merge(prefix, Check(r))
		if r.NumberBeg != "" && !reDigits.MatchString(r.NumberBeg) {
			ve.Add(prefix+"number_beg", "must contain only digits")
		}
		if r.NumberEnd != "" && !reDigits.MatchString(r.NumberEnd) {
			ve.Add(prefix+"number_end", "must contain only digits")
		}
		if r.NumberEnd != "" && reDigits.MatchString(r.NumberBeg) && reDigits.MatchString(r.NumberEnd) && numLess(r.NumberEnd, r.NumberBeg) {
			ve.Add(prefix+"number_end", "must not be below the range's start")
		}
		if r.Type == "incall" && r.DidLength != 0 && (r.DidLength < 1 || r.DidLength > 20) {
			ve.Add(prefix+"did_length", "must be between 1 and 20")
		}
	}
	return ve
}

// Create inserts the composite in one transaction.
func (s *ContextStore) Create(ctx context.Context, c *ContextComposite) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := s.check(ctx, tx, c); err != nil {
			return err
		}
		x := &c.Context
		if _, err := tx.ExecContext(ctx, `INSERT INTO contexts (name, displayname, entity_id, contexttype,
			description, commented) VALUES ($1,$2,$3,$4,$5,$6)`, x.Name, x.DisplayName, x.EntityID,
			x.ContextType, x.Description, x.Commented); err != nil {
			return mapPQ(err, map[string]string{"contexts_pkey": "context.name"})
		}
		return s.writeParts(ctx, tx, c)
	})
}

// Edit merges an edit onto the stored context in one transaction that locks its row first.
// A rename follows every reference through the schema's ON UPDATE CASCADE.
func (s *ContextStore) Edit(ctx context.Context, name string, merge func(stored *ContextComposite) (*ContextComposite, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*ContextComposite, error) {
		return s.get(ctx, tx, name, " FOR UPDATE OF c")
	}, merge, func(tx *sqlx.Tx, _, c *ContextComposite) error {
		if err := s.check(ctx, tx, c); err != nil {
			return err
		}
		x := &c.Context
		res, err := tx.ExecContext(ctx, `UPDATE contexts SET name=$2, displayname=$3, entity_id=$4,
			contexttype=$5, description=$6, commented=$7 WHERE name=$1`, name, x.Name,
			x.DisplayName, x.EntityID, x.ContextType, x.Description, x.Commented)
		if err != nil {
			return mapPQ(err, map[string]string{"contexts_pkey": "context.name"})
		}
		if err := oneRow(res); err != nil {
			return err
		}
		return s.writeParts(ctx, tx, c)
	})
}

func (s *ContextStore) writeParts(ctx context.Context, tx *sqlx.Tx, c *ContextComposite) error {
	name := c.Context.Name
	if c.Ranges != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM context_ranges WHERE context = $1`, name); err != nil {
			return err
		}
		for i, r := range c.Ranges {
			if _, err := tx.ExecContext(ctx, `INSERT INTO context_ranges (context, type, numberbeg,
				numberend, didlength, position) VALUES ($1,$2,$3,$4,$5,$6)`, name, r.Type, r.NumberBeg,
				r.NumberEnd, r.DidLength, i); err != nil {
				return err
			}
		}
	}
	if c.Includes != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM context_includes WHERE context = $1`, name); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, inc := range c.Includes {
			if seen[inc] {
				continue
			}
			seen[inc] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO context_includes (context, include, priority)
				VALUES ($1,$2,$3)`, name, inc, len(seen)-1); err != nil {
				return err
			}
		}
	}
	return nil
}

// Delete removes a context that no line or voicemail box uses (InUseError saying what uses
// it otherwise); other contexts' includes of it are dropped with it.
func (s *ContextStore) Delete(ctx context.Context, name string) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		// FOR UPDATE serialises with concurrent edits and renames of the row; lines or
		// voicemails added meanwhile hit the RESTRICT foreign keys, mapped to InUseError.
		var locked string
		err := tx.GetContext(ctx, &locked, `SELECT name FROM contexts WHERE name = $1 FOR UPDATE`, name)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		var u ContextUse
		if err := tx.GetContext(ctx, &u, contextUseQuery, pq.StringArray{name}); err != nil {
			return err
		}
		if !u.Free() {
			return &InUseError{Msg: u.String()}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM contexts WHERE name = $1`, name)
		return mapPQ(err, nil)
	})
}

// NumberInRange reports whether number falls inside one of the context's ranges of that kind.
// Bounds compare as integers; the number must also have a length between the bounds' lengths,
// so "0150" is not taken for 150.
func (s *ContextStore) NumberInRange(ctx context.Context, q sqlx.QueryerContext, context, kind, number string) (bool, error) {
	var rs []ContextRange
	if err := sqlx.SelectContext(ctx, q, &rs, `SELECT type, numberbeg, numberend, didlength
		FROM context_ranges WHERE context = $1 AND type = $2`, context, kind); err != nil {
		return false, err
	}
	for _, r := range rs {
		if inRange(number, r.NumberBeg, r.NumberEnd) {
			return true, nil
		}
	}
	return false, nil
}

func inRange(n, beg, end string) bool {
	if end == "" {
		return n == beg
	}
	if !reDigits.MatchString(n) || !reDigits.MatchString(beg) || !reDigits.MatchString(end) {
		return false
	}
	if len(n) < min(len(beg), len(end)) || len(n) > max(len(beg), len(end)) {
		return false
	}
	return !numLess(n, beg) && !numLess(end, n)
}

// numLess compares digit strings as integers, whatever their length.
func numLess(a, b string) bool {
	x, _ := new(big.Int).SetString(a, 10)
	y, _ := new(big.Int).SetString(b, 10)
	return x.Cmp(y) < 0
}

// UsedNumbers returns the numbers objects of any family already use in the context, as
// stored (the extensions table).
func (s *ContextStore) UsedNumbers(ctx context.Context, context string) (map[string]bool, error) {
	var nums []string
	if err := s.db.SelectContext(ctx, &nums, `SELECT exten FROM extensions WHERE context = $1`, context); err != nil {
		return nil, err
	}
	used := make(map[string]bool, len(nums))
	for _, n := range nums {
		used[n] = true
	}
	return used, nil
}
