package models

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
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

// CELCall is a call the event log shows in progress: its first channel's caller id and
// dialled extension, the peers (SIP line names, or whatever follows the technology) of its
// channels in order, which of them answered, and when it started (PBX local time).
type CELCall struct {
	LinkedID string         `db:"linkedid"`
	From     string         `db:"cid_num"`
	FromName string         `db:"cid_name"`
	To       string         `db:"exten"`
	Started  string         `db:"eventtime"`
	Peers    pq.StringArray `db:"peers"`
	// IsLine says, for each peer, whether it is a line of this PBX (else a trunk or other).
	IsLine     pq.BoolArray `db:"is_line"`
	AnsweredBy string       `db:"answered_by"`
}

// celPeer is the peer of a channel name as Asterisk writes it: tech/peer-sequence
// (SIP/abc-0000001a, PJSIP/201-00000003).
const celPeer = `substring(%s from '^[A-Za-z0-9]+/(.+)-[0-9A-Fa-f]+$')`

// ActiveCalls are the calls started since since (PBX local time) that one of the named
// lines takes part in and that have no LINKEDID_END yet, oldest first. Lines are returned as
// peers, with whether each is a line of this PBX; who answered is given by line number.
func (s *CELStore) ActiveCalls(ctx context.Context, lines []string, since time.Time) ([]CELCall, error) {
	var out []CELCall
	if len(lines) == 0 {
		return out, nil
	}
	peer := func(col string) string { return fmt.Sprintf(celPeer, col) }
	err := s.db.SelectContext(ctx, &out, `WITH mine AS (
			SELECT DISTINCT linkedid FROM cel WHERE eventtime >= $2 AND eventtype = 'CHAN_START' AND `+peer("channame")+` = ANY($1)),
		live AS (SELECT m.linkedid FROM mine m
			WHERE NOT EXISTS (SELECT 1 FROM cel e WHERE e.linkedid = m.linkedid AND e.eventtype = 'LINKEDID_END'))
		SELECT l.linkedid, f.cid_num, f.cid_name, f.exten, CAST(f.eventtime AS text) AS eventtime,
			ARRAY(SELECT `+peer("c.channame")+` FROM cel c WHERE c.linkedid = l.linkedid AND c.eventtype = 'CHAN_START' ORDER BY c.id) AS peers,
			ARRAY(SELECT EXISTS (SELECT 1 FROM lines ln WHERE ln.name = `+peer("c.channame")+`) FROM cel c
				WHERE c.linkedid = l.linkedid AND c.eventtype = 'CHAN_START' ORDER BY c.id) AS is_line,
			COALESCE((SELECT COALESCE(NULLIF(ln.number, ''), ln.name, `+peer("a.channame")+`) FROM cel a
				LEFT JOIN lines ln ON ln.name = `+peer("a.channame")+`
				WHERE a.linkedid = l.linkedid AND a.eventtype = 'ANSWER' AND a.channame <> f.channame ORDER BY a.id LIMIT 1), '') AS answered_by
		FROM live l CROSS JOIN LATERAL (SELECT * FROM cel f WHERE f.linkedid = l.linkedid AND f.eventtype = 'CHAN_START'
			ORDER BY f.id LIMIT 1) f
		ORDER BY f.eventtime, f.id`, pq.Array(lines), since.Format(celTime))
	return out, err
}
