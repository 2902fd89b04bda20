package models

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// SpeedDialButton is one speed-dial key: what it dials, its label, and whether the phone
// watches the target's state (BLF), which needs the permission subscribe-to-presence.
type SpeedDialButton struct {
	Label  string `db:"label" validate:"max=64,printable"`
	Number string `db:"number" validate:"required,max=255,speeddial"`
	BLF    bool   `db:"blf"`
}

// MaxSpeedDials is the most buttons a user keeps.
const MaxSpeedDials = 136

// SpeedDials are a user's speed dials. Own is false when the user keeps no list of their
// own and follows their group's (pbxws keeps no group speed dials: that list is empty).
type SpeedDials struct {
	Buttons []SpeedDialButton
	Own     bool
}

// SpeedDialStore keeps the users' speed dials.
type SpeedDialStore struct{ db *sqlx.DB }

// Get reads a user's speed dials; ErrNotFound when there is no such user.
func (s *SpeedDialStore) Get(ctx context.Context, userID int) (*SpeedDials, error) {
	return s.get(ctx, s.db, userID, "")
}

func (s *SpeedDialStore) get(ctx context.Context, q sqlx.QueryerContext, userID int, lock string) (*SpeedDials, error) {
	var own []bool
	if err := sqlx.SelectContext(ctx, q, &own, `SELECT d.user_id IS NOT NULL FROM users u
		LEFT JOIN speed_dials d ON d.user_id = u.id WHERE u.id = $1`+lock, userID); err != nil {
		return nil, err
	}
	if len(own) == 0 {
		return nil, ErrNotFound
	}
	d := &SpeedDials{Own: own[0], Buttons: []SpeedDialButton{}}
	err := sqlx.SelectContext(ctx, q, &d.Buttons, `SELECT label, number, blf FROM speed_dial_buttons
		WHERE user_id = $1 ORDER BY position`, userID)
	return d, err
}

// Edit merges a change of a user's speed dials in one transaction that locks the user's
// row. A merged value with Own false drops the user's own list (they follow their group).
func (s *SpeedDialStore) Edit(ctx context.Context, userID int, merge func(stored *SpeedDials) (*SpeedDials, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*SpeedDials, error) {
		return s.get(ctx, tx, userID, " FOR UPDATE OF u")
	}, merge, func(tx *sqlx.Tx, _, d *SpeedDials) error {
		ve := &ValidationError{}
		if len(d.Buttons) > MaxSpeedDials {
			ve.Add("buttons", fmt.Sprintf("must hold at most %d buttons", MaxSpeedDials))
		}
		for i := range d.Buttons {
			ve.Merge(fmt.Sprintf("buttons[%d].", i), Check(&d.Buttons[i]))
		}
		if err := ve.OrNil(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM speed_dials WHERE user_id = $1`, userID); err != nil {
			return err
		}
		if !d.Own {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO speed_dials (user_id) VALUES ($1)`, userID); err != nil {
			return err
		}
		labels, numbers, blfs := make([]string, len(d.Buttons)), make([]string, len(d.Buttons)), make([]bool, len(d.Buttons))
		for i, b := range d.Buttons {
			labels[i], numbers[i], blfs[i] = b.Label, b.Number, b.BLF
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO speed_dial_buttons (user_id, position, label, number, blf)
			SELECT $1, b.ord - 1, b.label, b.number, b.blf
			FROM unnest($2::text[], $3::text[], $4::boolean[]) WITH ORDINALITY AS b(label, number, blf, ord)`,
			userID, pq.Array(labels), pq.Array(numbers), pq.Array(blfs))
		return mapPQ(err, nil)
	})
}
