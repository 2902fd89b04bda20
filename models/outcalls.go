package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"

	"github.com/go-playground/validator/v10"
	"github.com/jmoiron/sqlx"
)

// Outcall is an outgoing route: calls from its context whose number matches one of its dial
// patterns leave through its trunks, tried in order.
type Outcall struct {
	ID             int    `db:"id" json:"id"`
	Name           string `db:"name" json:"name" validate:"required,max=128,printable"`
	Context        string `db:"context" json:"context" validate:"required,contextname"`
	Description    string `db:"description" json:"description" validate:"max=1000"`
	HangupRingTime int    `db:"hangupringtime" json:"hangupringtime" validate:"gte=0,lte=3600"`
	Internal       bool   `db:"internal" json:"internal"`
	Commented      bool   `db:"commented" json:"commented"`
	// Trunks are the ids of the trunks, in the order they are tried (at least one). On a
	// write a nil list keeps what is stored.
	Trunks []int `db:"-" json:"trunks" validate:"-"`
	// Patterns are the dial patterns; nil on a write keeps what is stored.
	Patterns []DialPattern `db:"-" json:"patterns" validate:"-"`
	// TrunkRefs are the trunks as read: id, name and protocol. Never written.
	TrunkRefs []OutcallTrunk `db:"-" json:"-" validate:"-"`
}

// OutcallTrunk is a trunk of an outcall as views show it.
type OutcallTrunk struct {
	ID       int    `db:"id"`
	Name     string `db:"name"`
	Protocol string `db:"protocol"`
}

// DialPattern is an extension pattern of an outcall (_0XXXX.), the number of leading digits
// to strip from what was dialled, what to prepend, and the caller id to present.
type DialPattern struct {
	ID           int    `db:"id" json:"id"`
	Exten        string `db:"exten" json:"exten" validate:"required,max=40,dialpattern"`
	StripNum     int    `db:"stripnum" json:"stripnum" validate:"gte=0,lte=20"`
	Prefix       string `db:"prefix" json:"prefix" validate:"max=20,dialprefix"`
	ExternPrefix string `db:"externprefix" json:"externprefix" validate:"max=20,dialprefix"`
	CallerID     string `db:"callerid" json:"callerid" validate:"max=80,printable"`
}

var (
	// An Asterisk extension pattern: digits, * # +, X N Z, [ranges], . and !, with or without
	// the leading _ (xivo-ws's own examples send NXXNXXXXXX).
	reDialPattern = regexp.MustCompile(`^_?[0-9XNZxnz*#+\[\]\-.!]+$`)
	reDialPrefix  = regexp.MustCompile(`^[0-9*#+]*$`)
)

func init() {
	must(validate.RegisterValidation("dialpattern", func(fl validator.FieldLevel) bool {
		return reDialPattern.MatchString(fl.Field().String())
	}))
	must(validate.RegisterValidation("dialprefix", func(fl validator.FieldLevel) bool {
		return reDialPrefix.MatchString(fl.Field().String())
	}))
	ruleText["dialpattern"] = "must be an extension pattern: 0-9 * # + X N Z [ranges] . ! after an optional _"
	ruleText["dialprefix"] = "must contain only digits, *, # and +"
}

const (
	maxOutcallTrunks = 64
	maxDialPatterns  = 500
)

// OutcallStore reads and writes outgoing routes.
type OutcallStore struct{ db *sqlx.DB }

const outcallCols = `id, name, context, description, hangupringtime, internal, commented`

var outcallConstraints = map[string]string{
	"outcalls_name_key":     "outcall.name",
	"outcalls_context_fkey": "outcall.context",
}

// List returns every outgoing route (rows only), by id.
func (s *OutcallStore) List(ctx context.Context) ([]Outcall, error) {
	var out []Outcall
	err := s.db.SelectContext(ctx, &out, `SELECT `+outcallCols+` FROM outcalls ORDER BY id`)
	return out, err
}

// Search matches a substring of the name or the description.
func (s *OutcallStore) Search(ctx context.Context, term string) ([]Outcall, error) {
	var out []Outcall
	err := s.db.SelectContext(ctx, &out, `SELECT `+outcallCols+` FROM outcalls
		WHERE name ILIKE $1 OR description ILIKE $1 ORDER BY id`, likeTerm(term))
	return out, err
}

// Get returns one outcall with its trunks and patterns, or ErrNotFound.
func (s *OutcallStore) Get(ctx context.Context, id int) (*Outcall, error) {
	return s.get(ctx, s.db, id, "")
}

func (s *OutcallStore) get(ctx context.Context, q sqlx.QueryerContext, id int, lock string) (*Outcall, error) {
	var o Outcall
	err := sqlx.GetContext(ctx, q, &o, `SELECT `+outcallCols+` FROM outcalls WHERE id = $1`+lock, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := sqlx.SelectContext(ctx, q, &o.TrunkRefs, `SELECT t.id, t.name, t.protocol FROM outcall_trunks ot
		JOIN trunks t ON t.id = ot.trunk_id WHERE ot.outcall_id = $1 ORDER BY ot.priority`, id); err != nil {
		return nil, err
	}
	o.Trunks = make([]int, len(o.TrunkRefs))
	for i, t := range o.TrunkRefs {
		o.Trunks[i] = t.ID
	}
	o.Patterns = []DialPattern{}
	err = sqlx.SelectContext(ctx, q, &o.Patterns, `SELECT id, exten, stripnum, prefix, externprefix, callerid
		FROM dial_patterns WHERE outcall_id = $1 ORDER BY position`, id)
	return &o, err
}

// check validates o and resolves its references inside the write's transaction.
func (s *OutcallStore) check(ctx context.Context, tx *sqlx.Tx, o *Outcall) error {
	ve := CheckIn("outcall", o)
	if len(o.Trunks) == 0 {
		ve.Add("trunks", "must list at least one trunk")
	}
	// Bounds keep one write to a few hundred statements.
	if len(o.Trunks) > maxOutcallTrunks {
		ve.Add("trunks", fmt.Sprintf("must list at most %d trunks", maxOutcallTrunks))
	}
	if len(o.Patterns) > maxDialPatterns {
		ve.Add("patterns", fmt.Sprintf("must have at most %d patterns", maxDialPatterns))
		return ve
	}
	seen := map[int]bool{}
	for i, id := range o.Trunks {
		if seen[id] {
			ve.Add(fmt.Sprintf("trunks[%d]", i), fmt.Sprintf("lists trunk %d a second time", id))
		}
		seen[id] = true
	}
	extens := map[string]bool{}
	for i := range o.Patterns {
		p := &o.Patterns[i]
		ve.Merge(fmt.Sprintf("patterns[%d].", i), Check(p))
		if extens[p.Exten] {
			ve.Add(fmt.Sprintf("patterns[%d].exten", i), "is already a pattern of this outcall")
		}
		extens[p.Exten] = true
	}
	if err := ve.OrNil(); err != nil {
		return err
	}
	var ctxOK bool
	if err := tx.GetContext(ctx, &ctxOK, `SELECT EXISTS (SELECT 1 FROM contexts WHERE name = $1)`, o.Context); err != nil {
		return err
	}
	if !ctxOK {
		return Invalid("outcall.context", "must name an existing context")
	}
	// FOR SHARE: a trunk cannot go while the route that now uses it commits.
	var known []int
	if err := tx.SelectContext(ctx, &known, `SELECT id FROM trunks WHERE id = ANY($1) FOR SHARE`, intArray(o.Trunks)); err != nil {
		return err
	}
	exists := map[int]bool{}
	for _, id := range known {
		exists[id] = true
	}
	for i, id := range o.Trunks {
		if !exists[id] {
			ve.Add(fmt.Sprintf("trunks[%d]", i), fmt.Sprintf("must name an existing trunk (there is no trunk %d)", id))
		}
	}
	return ve.OrNil()
}

// Create validates and inserts o with its trunks and patterns, setting its id.
func (s *OutcallStore) Create(ctx context.Context, o *Outcall) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := s.check(ctx, tx, o); err != nil {
			return err
		}
		err := tx.QueryRowxContext(ctx, `INSERT INTO outcalls (name, context, description, hangupringtime,
			internal, commented) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`, o.Name, o.Context,
			o.Description, o.HangupRingTime, o.Internal, o.Commented).Scan(&o.ID)
		if err != nil {
			return mapPQ(err, outcallConstraints)
		}
		return s.writeParts(ctx, tx, o)
	})
}

// Edit merges an edit onto the stored outcall in one transaction that locks its row first.
func (s *OutcallStore) Edit(ctx context.Context, id int, merge func(stored *Outcall) (*Outcall, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*Outcall, error) {
		return s.get(ctx, tx, id, " FOR UPDATE")
	}, merge, func(tx *sqlx.Tx, _, o *Outcall) error {
		o.ID = id
		if err := s.check(ctx, tx, o); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE outcalls SET name=$2, context=$3, description=$4,
			hangupringtime=$5, internal=$6, commented=$7 WHERE id=$1`, id, o.Name, o.Context,
			o.Description, o.HangupRingTime, o.Internal, o.Commented)
		if err != nil {
			return mapPQ(err, outcallConstraints)
		}
		if err := oneRow(res); err != nil {
			return err
		}
		return s.writeParts(ctx, tx, o)
	})
}

// writeParts replaces the trunks and patterns of o (each kept when nil).
func (s *OutcallStore) writeParts(ctx context.Context, tx *sqlx.Tx, o *Outcall) error {
	if o.Trunks != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM outcall_trunks WHERE outcall_id = $1`, o.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO outcall_trunks (outcall_id, trunk_id, priority)
			SELECT $1, t.id, t.n - 1 FROM unnest(CAST($2 AS integer[])) WITH ORDINALITY AS t(id, n)`,
			o.ID, intArray(o.Trunks)); err != nil {
			return mapPQ(err, nil)
		}
	}
	if o.Patterns != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM dial_patterns WHERE outcall_id = $1`, o.ID); err != nil {
			return err
		}
		for i, p := range o.Patterns {
			if _, err := tx.ExecContext(ctx, `INSERT INTO dial_patterns (outcall_id, position, exten,
				stripnum, prefix, externprefix, callerid) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
				o.ID, i, p.Exten, p.StripNum, p.Prefix, p.ExternPrefix, p.CallerID); err != nil {
				return mapPQ(err, map[string]string{"dial_patterns_outcall_exten_key": fmt.Sprintf("patterns[%d].exten", i)})
			}
		}
	}
	return nil
}

// Delete removes an outcall with its trunk list and patterns (the trunks stay).
func (s *OutcallStore) Delete(ctx context.Context, id int) error {
	return deleteOne(ctx, s.db, `DELETE FROM outcalls WHERE id = $1`, id)
}

// DeleteAll removes every outcall in one transaction and says how many went.
func (s *OutcallStore) DeleteAll(ctx context.Context) (int, error) {
	return deleteRows(ctx, s.db, `DELETE FROM outcalls`)
}

// OutgoingContext is the context a sipX-made outcall serves: to-extern, or the first
// outgoing context.
func (s *OutcallStore) OutgoingContext(ctx context.Context) (string, error) {
	c, err := contextOfType(ctx, s.db, "outcall", "to-extern")
	if err == nil && c == "" {
		err = Invalid("context", "no outgoing context (contexttype outcall) exists for the rule: create one first")
	}
	return c, err
}
