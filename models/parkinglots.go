package models

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// ParkingLot is a number in a context where calls are parked, with the positions after it.
type ParkingLot struct {
	ID            int    `db:"id" json:"id"`
	Name          string `db:"name" json:"name" validate:"required,max=255,printable"`
	Context       string `db:"context" json:"context" validate:"required,contextname"`
	Number        string `db:"number" json:"extension" validate:"required,max=40"`
	Positions     int    `db:"positions" json:"positions" validate:"gte=1,lte=1000"`
	Next          bool   `db:"next" json:"next"`
	Duration      int    `db:"duration" json:"duration" validate:"gte=0,lte=86400"`
	CallTransfers string `db:"calltransfers" json:"calltransfers" validate:"omitempty,oneof=callee caller both"`
	CallReparking string `db:"callreparking" json:"callreparking" validate:"omitempty,oneof=callee caller both"`
	CallHangup    string `db:"callhangup" json:"callhangup" validate:"omitempty,oneof=callee caller both"`
	CallRecording string `db:"callrecording" json:"callrecording" validate:"omitempty,oneof=callee caller both"`
	MusicClass    string `db:"musicclass" json:"musicclass" validate:"max=128,printable"`
	Hints         bool   `db:"hints" json:"hints"`
	Description   string `db:"description" json:"description" validate:"max=1000"`
	Commented     bool   `db:"commented" json:"commented"`
	// sipX only (an orbit, sipx-api.md §11): its music, a file of the orbits prompt family
	// (nil: none), and the sipX server it runs on (0 on create: this one, 1).
	Music    *string `db:"music" json:"-"`
	ServerID int     `db:"server_id" json:"-"`
	// ParkTimeout is the sipX timeout kept while duration is 0 (settings only).
	ParkTimeout *int `db:"park_timeout" json:"-"`
}

// ParkingLotStore reads and writes parking lots.
type ParkingLotStore struct{ db *sqlx.DB }

const parkingCols = `id, name, context, number, positions, next, duration, calltransfers, callreparking,
	callhangup, callrecording, musicclass, hints, description, commented, music, server_id, park_timeout`

var parkingConstraints = map[string]string{
	"parking_lots_name_key":        "parking_lot.name",
	"extensions_context_exten_key": "parking_lot.number",
	"parking_lots_context_fkey":    "parking_lot.context",
	"parking_lots_music_fkey":      "parking_lot.music",
}

// List returns every parking lot, by name.
func (s *ParkingLotStore) List(ctx context.Context) ([]ParkingLot, error) {
	var out []ParkingLot
	err := s.db.SelectContext(ctx, &out, `SELECT `+parkingCols+` FROM parking_lots ORDER BY name, id`)
	return out, err
}

// Search matches a substring of the name, the number or the context.
func (s *ParkingLotStore) Search(ctx context.Context, term string) ([]ParkingLot, error) {
	var out []ParkingLot
	err := s.db.SelectContext(ctx, &out, `SELECT `+parkingCols+` FROM parking_lots
		WHERE name ILIKE $1 OR number ILIKE $1 OR context ILIKE $1 ORDER BY name, id`, likeTerm(term))
	return out, err
}

// Get returns one parking lot or ErrNotFound.
func (s *ParkingLotStore) Get(ctx context.Context, id int) (*ParkingLot, error) {
	return s.get(ctx, s.db, id, "")
}

func (s *ParkingLotStore) get(ctx context.Context, q sqlx.QueryerContext, id int, lock string) (*ParkingLot, error) {
	var p ParkingLot
	err := sqlx.GetContext(ctx, q, &p, `SELECT `+parkingCols+` FROM parking_lots WHERE id = $1`+lock, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &p, err
}

func (s *ParkingLotStore) check(ctx context.Context, tx *sqlx.Tx, p *ParkingLot) error {
	if err := CheckIn("parking_lot", p).OrNil(); err != nil {
		return err
	}
	if p.ServerID < 1 {
		return Invalid("parking_lot.server", "must name a sipX server")
	}
	return CheckNumber(ctx, tx, "parking_lot.number", "parking_lot.context", "parking", p.ID, "", p.Context, p.Number)
}

// Create validates and inserts p, setting its id; its number must be free in its context.
func (s *ParkingLotStore) Create(ctx context.Context, p *ParkingLot) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if p.ServerID == 0 {
			p.ServerID = 1
		}
		if err := s.check(ctx, tx, p); err != nil {
			return err
		}
		err := tx.QueryRowxContext(ctx, `INSERT INTO parking_lots (name, context, number, positions, next,
			duration, calltransfers, callreparking, callhangup, callrecording, musicclass, hints,
			description, commented, music, server_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) RETURNING id`,
			p.Name, p.Context, p.Number, p.Positions, p.Next, p.Duration, p.CallTransfers, p.CallReparking,
			p.CallHangup, p.CallRecording, p.MusicClass, p.Hints, p.Description, p.Commented, p.Music, p.ServerID).Scan(&p.ID)
		return mapPQ(err, parkingConstraints)
	})
}

// Edit merges an edit onto the stored parking lot in one transaction that locks its row.
func (s *ParkingLotStore) Edit(ctx context.Context, id int, merge func(stored *ParkingLot) (*ParkingLot, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*ParkingLot, error) {
		return s.get(ctx, tx, id, " FOR UPDATE")
	}, merge, func(tx *sqlx.Tx, _, p *ParkingLot) error {
		p.ID = id
		if err := s.check(ctx, tx, p); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE parking_lots SET name=$2, context=$3, number=$4,
			positions=$5, next=$6, duration=$7, calltransfers=$8, callreparking=$9, callhangup=$10,
			callrecording=$11, musicclass=$12, hints=$13, description=$14, commented=$15, music=$16,
			server_id=$17, park_timeout = CASE WHEN $7 > 0 THEN NULL ELSE park_timeout END WHERE id=$1`,
			id, p.Name, p.Context, p.Number, p.Positions, p.Next, p.Duration, p.CallTransfers,
			p.CallReparking, p.CallHangup, p.CallRecording, p.MusicClass, p.Hints, p.Description, p.Commented,
			p.Music, p.ServerID)
		if err != nil {
			return mapPQ(err, parkingConstraints)
		}
		return oneRow(res)
	})
}

// Delete removes a parking lot (its number goes with it, and its sipX settings).
func (s *ParkingLotStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM parking_lots WHERE id = $1`, id)
		if err != nil {
			return mapPQ(err, parkingConstraints)
		}
		if err := oneRow(res); err != nil {
			return err
		}
		return DropSettings(ctx, tx, OrbitSettings.Name, strconv.Itoa(id))
	})
}

// DeleteAll removes every parking lot in one transaction and says how many went.
func (s *ParkingLotStore) DeleteAll(ctx context.Context) (int, error) {
	return s.deleteWhere(ctx, `TRUE`)
}

// DeleteOnServer removes every parking lot (sipX orbit) of a sipX server in one
// transaction and says how many went.
func (s *ParkingLotStore) DeleteOnServer(ctx context.Context, serverID int) (int, error) {
	return s.deleteWhere(ctx, `server_id = $1`, serverID)
}

// deleteWhere removes the parking lots cond selects, with their sipX settings.
func (s *ParkingLotStore) deleteWhere(ctx context.Context, cond string, args ...any) (n int, err error) {
	err = WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var ids []string
		if err := tx.SelectContext(ctx, &ids, `DELETE FROM parking_lots WHERE `+cond+` RETURNING CAST(id AS text)`, args...); err != nil {
			return mapPQ(err, parkingConstraints)
		}
		n = len(ids)
		_, err := tx.ExecContext(ctx, `DELETE FROM setting_values WHERE owner_kind = $1 AND owner_id = ANY($2)`, OrbitSettings.Name, pq.Array(ids))
		return err
	})
	return n, err
}

// DefaultContext is the context a parking lot made without one (a sipX orbit) goes to: the
// internal context "default" if there is one, else the first internal context by name;
// ErrNotFound when there is none.
func (s *ParkingLotStore) DefaultContext(ctx context.Context) (string, error) {
	var name string
	err := s.db.GetContext(ctx, &name, `SELECT name FROM contexts WHERE contexttype = 'internal'
		ORDER BY name <> 'default', name LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return name, err
}
