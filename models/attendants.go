package models

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// AutoAttendant is a sipX auto attendant; Special says it is the selected special one while
// special mode is on.
type AutoAttendant struct {
	SystemID  string `db:"system_id"`
	Name      string `db:"name"`
	Extension string `db:"extension"`
	Live      bool   `db:"live"`
	Special   bool   `db:"special"`
}

// AttendantStore reads the auto attendants and switches their special and live modes.
type AttendantStore struct{ db *sqlx.DB }

// List returns every attendant by name.
func (s *AttendantStore) List(ctx context.Context) ([]AutoAttendant, error) {
	var out []AutoAttendant
	err := s.db.SelectContext(ctx, &out, `SELECT a.system_id, a.name, a.extension, a.live,
		(m.enabled AND m.selected = a.system_id) AS special
		FROM auto_attendants a CROSS JOIN attendant_special_mode m ORDER BY a.name`)
	return out, err
}

// SpecialMode says whether special mode is on.
func (s *AttendantStore) SpecialMode(ctx context.Context) (bool, error) {
	var on bool
	err := s.db.GetContext(ctx, &on, `SELECT enabled FROM attendant_special_mode`)
	return on, err
}

// SetSpecialMode turns special mode on or off.
func (s *AttendantStore) SetSpecialMode(ctx context.Context, on bool) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE attendant_special_mode SET enabled = $1`, on)
		return err
	})
}

// Select makes the attendant the special one (the mode is unchanged); an unknown one is
// refused (ValidationError).
func (s *AttendantStore) Select(ctx context.Context, systemID string) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE attendant_special_mode SET selected = a.system_id
			FROM auto_attendants a WHERE a.system_id = $1`, systemID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Invalid("attendant", "names no auto attendant: "+systemID)
		}
		return nil
	})
}

// Deselect leaves no special attendant selected: refused while special mode is on
// (ConflictError), and for an unknown attendant (ValidationError).
func (s *AttendantStore) Deselect(ctx context.Context, systemID string) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var exists, on bool
		if err := tx.QueryRowxContext(ctx, `SELECT EXISTS (SELECT 1 FROM auto_attendants WHERE system_id = $1),
			(SELECT enabled FROM attendant_special_mode FOR UPDATE)`, systemID).Scan(&exists, &on); err != nil {
			return err
		}
		if !exists {
			return Invalid("attendant", "names no auto attendant: "+systemID)
		}
		if on {
			return &ConflictError{Field: "attendant", Msg: "special mode is on: turn it off before deselecting its attendant"}
		}
		_, err := tx.ExecContext(ctx, `UPDATE attendant_special_mode SET selected = NULL WHERE selected = $1`, systemID)
		return err
	})
}

// SetLive switches live mode of the attendants dialled by code; ErrNotFound when none
// changed state.
func (s *AttendantStore) SetLive(ctx context.Context, code string, live bool) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE auto_attendants SET live = $2 WHERE extension = $1 AND live <> $2`, code, live)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}
