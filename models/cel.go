package models

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
)

// CELEvent is one row of the call event log, each column as text, the way the table's
// consumers have always read it (PostgreSQL's text form: eventtime "2012-02-28 10:00:00.5").
type CELEvent struct {
	ID          string `db:"id"`
	EventType   string `db:"eventtype"`
	EventTime   string `db:"eventtime"`
	UserDefType string `db:"userdeftype"`
	CIDName     string `db:"cid_name"`
	CIDNum      string `db:"cid_num"`
	CIDANI      string `db:"cid_ani"`
	CIDRDNIS    string `db:"cid_rdnis"`
	CIDDNID     string `db:"cid_dnid"`
	Exten       string `db:"exten"`
	Context     string `db:"context"`
	ChanName    string `db:"channame"`
	AppName     string `db:"appname"`
	AppData     string `db:"appdata"`
	AMAFlags    string `db:"amaflags"`
	AccountCode string `db:"accountcode"`
	PeerAccount string `db:"peeraccount"`
	UniqueID    string `db:"uniqueid"`
	LinkedID    string `db:"linkedid"`
	UserField   string `db:"userfield"`
	Peer        string `db:"peer"`
}

// MaxCELRows is the most events one search returns.
const MaxCELRows = 5000

// CELFilter selects events: EventTime in [From, To), and the optional exact matches (the
// context case-insensitively). Limit is 1..MaxCELRows.
type CELFilter struct {
	From, To    time.Time
	Context     string
	AMAFlags    *int
	AccountCode string
	UserField   string
	Limit       int
}

// CELStore reads the call event log.
type CELStore struct{ db *sqlx.DB }

const celCols = `CAST(id AS text) AS id, eventtype, CAST(eventtime AS text) AS eventtime, userdeftype,
	cid_name, cid_num, cid_ani, cid_rdnis, cid_dnid, exten, context, channame, appname, appdata,
	CAST(amaflags AS text) AS amaflags, accountcode, peeraccount, uniqueid, linkedid, userfield, peer`

// celTime is how From and To reach SQL: eventtime is a timestamp without time zone, in the
// PBX's local time, as Asterisk writes it.
const celTime = "2006-01-02 15:04:05.999999"

// Search returns the events of f in eventtime order. (ORDER BY names cel's columns: the
// bare names would be the text aliases of the select list, sorted as text, past the index.)
func (s *CELStore) Search(ctx context.Context, f CELFilter) ([]CELEvent, error) {
	var out []CELEvent
	err := s.db.SelectContext(ctx, &out, `SELECT `+celCols+` FROM cel
		WHERE eventtime >= CAST($1 AS timestamp) AND eventtime < CAST($2 AS timestamp)
		AND ($3 = '' OR lower(context) = lower($3))
		AND (CAST($4 AS integer) IS NULL OR amaflags = $4)
		AND ($5 = '' OR accountcode = $5)
		AND ($6 = '' OR userfield = $6)
		ORDER BY cel.eventtime, cel.id LIMIT $7`,
		f.From.Format(celTime), f.To.Format(celTime), f.Context, f.AMAFlags, f.AccountCode, f.UserField, f.Limit)
	return out, err
}

// After returns the events whose id is greater than id, in id order, at most limit.
func (s *CELStore) After(ctx context.Context, id int64, limit int) ([]CELEvent, error) {
	var out []CELEvent
	err := s.db.SelectContext(ctx, &out, `SELECT `+celCols+` FROM cel WHERE id > $1 ORDER BY cel.id LIMIT $2`, id, limit)
	return out, err
}
