package models

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

// ConfRoom is a conference room: a number in a context where callers meet.
type ConfRoom struct {
	ID      int    `db:"id" json:"id"`
	Name    string `db:"name" json:"name" validate:"required,groupname"`
	Context string `db:"context" json:"context" validate:"required,contextname"`
	Number  string `db:"number" json:"confno" validate:"required,max=40"`
	// MaxUsers bounds the participants (0: no bound).
	MaxUsers              int    `db:"maxusers" json:"maxusers" validate:"gte=0,lte=10000"`
	Pin                   string `db:"pin" json:"pin" validate:"omitempty,max=32,numeric"`
	AdminPin              string `db:"admin_pin" json:"pinadmin" validate:"omitempty,max=32,numeric"`
	AdminTypeFrom         string `db:"admin_typefrom" json:"admin_typefrom" validate:"oneof=none internal external undefined"`
	UserMode              string `db:"user_mode" json:"user_mode" validate:"oneof=all listen talk"`
	UserAnnounceJoinLeave string `db:"user_announcejoinleave" json:"user_announcejoinleave" validate:"oneof=no yes noreview"`
	UserMusicOnHold       string `db:"user_musiconhold" json:"user_musiconhold" validate:"max=128,printable"`
	PreprocessSubroutine  string `db:"preprocess_subroutine" json:"preprocess_subroutine" validate:"max=39,printable"`
	Description           string `db:"description" json:"description" validate:"max=1000"`
	Commented             bool   `db:"commented" json:"commented"`
	// OwnerID is the user the room belongs to (sipX /my/conferences), nil for none.
	OwnerID *int `db:"owner_id" json:"owner_id"`
}

// NewConfRoom is a room with the defaults an add starts from.
func NewConfRoom() *ConfRoom {
	return &ConfRoom{AdminTypeFrom: "none", UserMode: "all", UserAnnounceJoinLeave: "no"}
}

// ConfRoomStore reads and writes conference rooms.
type ConfRoomStore struct{ db *sqlx.DB }

const confRoomCols = `id, name, context, number, maxusers, pin, admin_pin, admin_typefrom, user_mode,
	user_announcejoinleave, user_musiconhold, preprocess_subroutine, description, commented, owner_id`

var confRoomConstraints = map[string]string{
	"meetmes_name_key":             "meetme.name",
	"extensions_context_exten_key": "meetme.number",
	"meetmes_context_fkey":         "meetme.context",
	"meetmes_owner_id_fkey":        "meetme.owner_id",
}

// List returns every room by id.
func (s *ConfRoomStore) List(ctx context.Context) ([]ConfRoom, error) {
	var out []ConfRoom
	err := s.db.SelectContext(ctx, &out, `SELECT `+confRoomCols+` FROM meetmes ORDER BY id`)
	return out, err
}

// Search matches a substring of the name or the number.
func (s *ConfRoomStore) Search(ctx context.Context, term string) ([]ConfRoom, error) {
	var out []ConfRoom
	err := s.db.SelectContext(ctx, &out, `SELECT `+confRoomCols+` FROM meetmes
		WHERE name ILIKE $1 OR number ILIKE $1 ORDER BY id`, likeTerm(term))
	return out, err
}

// OwnedBy returns the rooms a user owns, by name.
func (s *ConfRoomStore) OwnedBy(ctx context.Context, userID int) ([]ConfRoom, error) {
	var out []ConfRoom
	err := s.db.SelectContext(ctx, &out, `SELECT `+confRoomCols+` FROM meetmes WHERE owner_id = $1 ORDER BY name`, userID)
	return out, err
}

// IDByName returns the id of the room with that name, or ErrNotFound.
func (s *ConfRoomStore) IDByName(ctx context.Context, name string) (int, error) {
	var id int
	err := s.db.GetContext(ctx, &id, `SELECT id FROM meetmes WHERE name = $1`, name)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return id, err
}

// Get returns one room or ErrNotFound.
func (s *ConfRoomStore) Get(ctx context.Context, id int) (*ConfRoom, error) {
	return s.get(ctx, s.db, id, "")
}

func (s *ConfRoomStore) get(ctx context.Context, q sqlx.QueryerContext, id int, lock string) (*ConfRoom, error) {
	var r ConfRoom
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+confRoomCols+` FROM meetmes WHERE id = $1`+lock, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &r, err
}

func (s *ConfRoomStore) check(ctx context.Context, tx *sqlx.Tx, r *ConfRoom) error {
	if err := CheckIn("meetme", r).OrNil(); err != nil {
		return err
	}
	return CheckNumber(ctx, tx, "meetme.number", "meetme.context", "meetme", r.ID, "meetme", r.Context, r.Number)
}

// Create validates and inserts the room, setting its id.
func (s *ConfRoomStore) Create(ctx context.Context, r *ConfRoom) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := s.check(ctx, tx, r); err != nil {
			return err
		}
		err := tx.QueryRowxContext(ctx, `INSERT INTO meetmes (name, context, number, maxusers, pin,
			admin_pin, admin_typefrom, user_mode, user_announcejoinleave, user_musiconhold,
			preprocess_subroutine, description, commented, owner_id)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) RETURNING id`,
			r.Name, r.Context, r.Number, r.MaxUsers, r.Pin, r.AdminPin, r.AdminTypeFrom, r.UserMode,
			r.UserAnnounceJoinLeave, r.UserMusicOnHold, r.PreprocessSubroutine, r.Description, r.Commented, r.OwnerID).Scan(&r.ID)
		return mapPQ(err, confRoomConstraints)
	})
}

// Edit merges an edit onto the stored room in one transaction that locks its row first.
func (s *ConfRoomStore) Edit(ctx context.Context, id int, merge func(stored *ConfRoom) (*ConfRoom, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*ConfRoom, error) {
		return s.get(ctx, tx, id, " FOR UPDATE")
	}, merge, func(tx *sqlx.Tx, _, r *ConfRoom) error {
		r.ID = id
		if err := s.check(ctx, tx, r); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE meetmes SET name=$2, context=$3, number=$4, maxusers=$5,
			pin=$6, admin_pin=$7, admin_typefrom=$8, user_mode=$9, user_announcejoinleave=$10,
			user_musiconhold=$11, preprocess_subroutine=$12, description=$13, commented=$14, owner_id=$15 WHERE id=$1`,
			id, r.Name, r.Context, r.Number, r.MaxUsers, r.Pin, r.AdminPin, r.AdminTypeFrom, r.UserMode,
			r.UserAnnounceJoinLeave, r.UserMusicOnHold, r.PreprocessSubroutine, r.Description, r.Commented, r.OwnerID)
		if err != nil {
			return mapPQ(err, confRoomConstraints)
		}
		return oneRow(res)
	})
}

// Delete removes a room; one a dial action still sends calls to is refused (InUseError).
func (s *ConfRoomStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error { return deleteConfRoom(ctx, tx, id) })
}

func deleteConfRoom(ctx context.Context, tx *sqlx.Tx, id int) error {
	if err := lockForDelete(ctx, tx, "meetmes", id); err != nil {
		return err
	}
	if err := refuseIfDestination(ctx, tx, "meetme", id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM meetmes WHERE id = $1`, id)
	return mapPQ(err, nil)
}

// DeleteAll removes every room in one transaction and says how many there were; when one
// is still a destination nothing is deleted.
func (s *ConfRoomStore) DeleteAll(ctx context.Context) (int, error) {
	return deleteEvery(ctx, s.db, "meetmes", "meetme", deleteConfRoom)
}
