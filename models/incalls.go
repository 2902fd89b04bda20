package models

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/jmoiron/sqlx"
)

// Incall is an incoming call route: a DID in a context, sent to its answer destination.
type Incall struct {
	ID                   int    `db:"id" json:"id"`
	Context              string `db:"context" json:"context" validate:"required,contextname"`
	Number               string `db:"number" json:"exten" validate:"required,max=40"`
	PreprocessSubroutine string `db:"preprocess_subroutine" json:"preprocess_subroutine" validate:"max=39,printable"`
	Description          string `db:"description" json:"description" validate:"max=1000"`
	Commented            bool   `db:"commented" json:"commented"`
	// CallerIDMode rewrites the caller's name with CallerIDDisplay ("" leaves it).
	CallerIDMode    string `db:"callerid_mode" json:"mode" validate:"omitempty,oneof=prepend overwrite append"`
	CallerIDDisplay string `db:"callerid_display" json:"callerdisplay" validate:"max=80,printable"`
	// ScheduleID is the schedule the incall follows (nil: none).
	ScheduleID *int `db:"schedule_id" json:"schedule_id"`
}

// IncallComposite is an incall with where it sends calls. On edit a nil Answer keeps the
// stored one.
type IncallComposite struct {
	Incall Incall
	Answer *DialAction
	// RightCalls are the call rights the incall holds (nil keeps them on edit).
	RightCalls []int
}

// IncallRow is an incall as lists show it: with its destination and a readable name of it.
type IncallRow struct {
	Incall
	ActionType   string  `db:"actiontype"`
	Action       string  `db:"action"`
	ActionArg1   *string `db:"actionarg1"`
	ActionArg2   *string `db:"actionarg2"`
	Linked       bool    `db:"linked"`
	DestIdentity string  `db:"destidentity"`
}

// IncallEvents are the dial-action events an incall has.
var IncallEvents = []string{"answer"}

// IncallStore reads and writes incoming calls.
type IncallStore struct{ db *sqlx.DB }

const incallCols = `id, context, number, preprocess_subroutine, description, commented, callerid_mode, callerid_display,
	schedule_id`

var incallConstraints = map[string]string{
	"extensions_context_exten_key": "incall.number",
	"incalls_context_fkey":         "incall.context",
}

// incallRows is the list query: each incall with its answer and its destination's name.
const incallRows = `SELECT i.id, i.context, i.number, i.preprocess_subroutine, i.description, i.commented,
	i.callerid_mode, i.callerid_display, i.schedule_id,
	COALESCE(d.actiontype, 'none') AS actiontype, COALESCE(d.action, 'none') AS action,
	d.actionarg1, d.actionarg2, COALESCE(d.linked, true) AS linked,
	COALESCE(CASE d.actiontype
		WHEN 'user' THEN (SELECT trim(u.firstname || ' ' || u.lastname) FROM users u WHERE u.id::text = d.actionarg1)
		WHEN 'group' THEN (SELECT g.name || ' (' || g.number || '@' || g.context || ')' FROM groups g WHERE g.id::text = d.actionarg1)
		WHEN 'meetme' THEN (SELECT m.name || ' (' || m.number || '@' || m.context || ')' FROM meetmes m WHERE m.id::text = d.actionarg1)
		WHEN 'voicemail' THEN (SELECT v.fullname || ' (' || v.mailbox || '@' || v.context || ')' FROM voicemails v WHERE v.id::text = d.actionarg1)
		WHEN 'endcall' THEN substr(d.action, 9)
		ELSE NULLIF(d.actionarg1, '') END, '-') AS destidentity
	FROM incalls i LEFT JOIN dialactions d ON d.category = 'incall' AND d.categoryval = i.id::text AND d.event = 'answer'`

// List returns every incall by id.
func (s *IncallStore) List(ctx context.Context) ([]IncallRow, error) {
	var out []IncallRow
	err := s.db.SelectContext(ctx, &out, incallRows+` ORDER BY i.id`)
	return out, err
}

// Search matches a substring of the DID, the description or the destination's name.
func (s *IncallStore) Search(ctx context.Context, term string) ([]IncallRow, error) {
	var out []IncallRow
	err := s.db.SelectContext(ctx, &out, `SELECT `+incallCols+`, actiontype, action, actionarg1, actionarg2, linked, destidentity
		FROM (`+incallRows+`) r
		WHERE number ILIKE $1 OR description ILIKE $1 OR destidentity ILIKE $1 ORDER BY id`, likeTerm(term))
	return out, err
}

// Get returns one incall with its answer, or ErrNotFound.
func (s *IncallStore) Get(ctx context.Context, id int) (*IncallComposite, error) {
	return s.get(ctx, s.db, id, "")
}

func (s *IncallStore) get(ctx context.Context, q sqlx.QueryerContext, id int, lock string) (*IncallComposite, error) {
	c := &IncallComposite{}
	err := sqlx.GetContext(ctx, q, &c.Incall, `SELECT `+incallCols+` FROM incalls WHERE id = $1`+lock, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if c.RightCalls, err = rightCallsOf(ctx, q, "incall", id); err != nil {
		return nil, err
	}
	das, err := dialActionsOf(ctx, q, "incall", id)
	for i := range das {
		if das[i].Event == "answer" {
			c.Answer = &das[i]
		}
	}
	return c, err
}

// check validates the incall: its fields, its DID in an incall range of its context, and
// an answer whose destination exists.
func (s *IncallStore) check(ctx context.Context, tx *sqlx.Tx, c *IncallComposite) error {
	ve := CheckIn("incall", &c.Incall)
	if c.Answer == nil {
		ve.Add("dial_actions.answer", "is required: where the call goes")
	}
	if err := ve.OrNil(); err != nil {
		return err
	}
	x := &c.Incall
	if err := CheckNumber(ctx, tx, "incall.number", "incall.context", "incall", x.ID, "incall", x.Context, x.Number); err != nil {
		return err
	}
	if err := checkScheduleLink(ctx, tx, "incall.schedule_id", x.ScheduleID); err != nil {
		return err
	}
	das := []DialAction{*c.Answer}
	if err := CheckDestinations(ctx, tx, "dial_actions", das); err != nil {
		return err
	}
	c.Answer = &das[0]
	return nil
}

// Create validates and inserts the incall with its answer, setting its id.
func (s *IncallStore) Create(ctx context.Context, c *IncallComposite) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := s.check(ctx, tx, c); err != nil {
			return err
		}
		x := &c.Incall
		err := tx.QueryRowxContext(ctx, `INSERT INTO incalls (context, number, preprocess_subroutine,
			description, commented, callerid_mode, callerid_display, schedule_id)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`,
			x.Context, x.Number, x.PreprocessSubroutine, x.Description, x.Commented, x.CallerIDMode,
			x.CallerIDDisplay, x.ScheduleID).Scan(&x.ID)
		if err != nil {
			return mapPQ(err, incallConstraints)
		}
		if err := writeRightCalls(ctx, tx, "incall", x.ID, c.RightCalls); err != nil {
			return err
		}
		return writeDialActions(ctx, tx, "incall", strconv.Itoa(x.ID), []DialAction{*c.Answer})
	})
}

// Edit merges an edit onto the stored incall in one transaction that locks its row first.
func (s *IncallStore) Edit(ctx context.Context, id int, merge func(stored *IncallComposite) (*IncallComposite, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*IncallComposite, error) {
		return s.get(ctx, tx, id, " FOR UPDATE")
	}, merge, func(tx *sqlx.Tx, _, c *IncallComposite) error {
		c.Incall.ID = id
		if err := s.check(ctx, tx, c); err != nil {
			return err
		}
		x := &c.Incall
		res, err := tx.ExecContext(ctx, `UPDATE incalls SET context=$2, number=$3, preprocess_subroutine=$4,
			description=$5, commented=$6, callerid_mode=$7, callerid_display=$8, schedule_id=$9 WHERE id=$1`,
			id, x.Context, x.Number, x.PreprocessSubroutine, x.Description, x.Commented, x.CallerIDMode,
			x.CallerIDDisplay, x.ScheduleID)
		if err != nil {
			return mapPQ(err, incallConstraints)
		}
		if err := oneRow(res); err != nil {
			return err
		}
		if c.RightCalls != nil {
			if err := writeRightCalls(ctx, tx, "incall", id, c.RightCalls); err != nil {
				return err
			}
		}
		return writeDialActions(ctx, tx, "incall", strconv.Itoa(id), []DialAction{*c.Answer})
	})
}

// Delete removes an incall with its dial actions.
func (s *IncallStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error { return deleteIncall(ctx, tx, id) })
}

func deleteIncall(ctx context.Context, tx *sqlx.Tx, id int) error {
	if err := lockForDelete(ctx, tx, "incalls", id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM dialactions WHERE category = 'incall' AND categoryval = $1`, strconv.Itoa(id)); err != nil {
		return err
	}
	if err := dropRightCalls(ctx, tx, "incall", id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM incalls WHERE id = $1`, id)
	return mapPQ(err, nil)
}

// DeleteAll removes every incall in one transaction and says how many there were.
func (s *IncallStore) DeleteAll(ctx context.Context) (int, error) {
	return deleteEvery(ctx, s.db, "incalls", "incall", deleteIncall)
}
