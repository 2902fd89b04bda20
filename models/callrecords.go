package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// CallRecordStore is the one reader and writer of the click-to-call records
// (call_records and their call_status_lines): any instance on the database answers the
// status of a call another placed. The instance that placed it owns the record and renews
// its lease while it has live dialogs.
type CallRecordStore struct{ db *sqlx.DB }

// NewCallRecordStore is the call records of db.
func NewCallRecordStore(db *sqlx.DB) *CallRecordStore { return &CallRecordStore{db: db} }

// CallStatusLine is one entry of a record's status document (callcontroller spec §4.2).
type CallStatusLine struct {
	AtMillis   int64
	CallID     string
	Method     string
	StatusLine string
}

// CallDialog is one dialog as the INVITE-mode status document shows it (spec §4.3).
type CallDialog struct {
	ID     string `json:"id"`
	Local  string `json:"local"`
	Remote string `json:"remote"`
	State  string `json:"state"`
}

// CallRecord is a record as read back.
type CallRecord struct {
	Method  string
	Lines   []CallStatusLine
	Dialogs []CallDialog
	// OwnerGone is true when the owner stopped renewing a record with live dialogs (it
	// died): its dialogs are gone with it.
	OwnerGone bool
}

// NumberedStatusLine is a status line at its position (Seq, from 1) in a record.
type NumberedStatusLine struct {
	RecordID int64
	Seq      int
	CallStatusLine
}

// DialogsSnapshot is the JSON array of CallDialog a record shows now.
type DialogsSnapshot struct {
	RecordID int64
	JSON     []byte
}

// Create stores a new record under key owned by instance, replacing any record there, and
// returns its id. One statement, one round trip: at a thousand calls a second the
// transaction it replaced (BEGIN, SELECT … FOR UPDATE, DELETE, INSERT, COMMIT) cost pbxws
// and PostgreSQL more than the rest of the call. A replaced record takes a new id, so its
// old status lines (left to Sweep's orphan pass) are not part of it.
func (s *CallRecordStore) Create(ctx context.Context, key, method, instance string, cache, lease time.Duration, p CallParties) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO call_records (call_key, method, instance, cache_until, live_until, user_id, caller, callee)
		VALUES ($1, $2, $3, now() + make_interval(secs => $4), now() + make_interval(secs => $5), $6, $7, $8)
		ON CONFLICT (call_key) DO UPDATE SET id = nextval(pg_get_serial_sequence('call_records', 'id')),
			method = EXCLUDED.method, instance = EXCLUDED.instance, created_at = now(),
			cache_until = EXCLUDED.cache_until, live_until = EXCLUDED.live_until, dialogs = '[]',
			user_id = EXCLUDED.user_id, caller = EXCLUDED.caller, callee = EXCLUDED.callee
		RETURNING id`,
		key, method, instance, cache.Seconds(), lease.Seconds(), p.UserID, p.Caller, p.Callee).Scan(&id)
	return id, err
}

// CallParties are who a record is for: the user who asked, and the calling and called
// parties as the request named them (user@host).
type CallParties struct {
	UserID         int
	Caller, Callee string
}

// LiveCall is a click-to-call call in progress: its parties, when it was asked for,
// whether a leg is answered, and whether both parties are lines of this PBX.
type LiveCall struct {
	Caller, Callee     string
	Started            time.Time
	Answered, Internal bool
}

// LiveCalls are the user's click-to-call calls whose dialogs are alive (their owner renews
// the lease), oldest first.
func (s *CallRecordStore) LiveCalls(ctx context.Context, userID int) ([]LiveCall, error) {
	var out []LiveCall
	rows, err := s.db.QueryContext(ctx, `SELECT COALESCE(caller, ''), COALESCE(callee, ''), created_at,
			EXISTS (SELECT 1 FROM jsonb_array_elements(dialogs) d WHERE d->>'state' = 'Confirmed Dialog')
			OR EXISTS (SELECT 1 FROM call_status_lines l WHERE l.record_id = call_records.id AND l.method = 'INVITE' AND l.status_line LIKE 'SIP/2.0 2%'),
			EXISTS (SELECT 1 FROM lines WHERE split_part(caller, '@', 1) IN (number, name))
			AND EXISTS (SELECT 1 FROM lines WHERE split_part(callee, '@', 1) IN (number, name))
		FROM call_records WHERE user_id = $1 AND live_until > now() ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c LiveCall
		if err := rows.Scan(&c.Caller, &c.Callee, &c.Started, &c.Answered, &c.Internal); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CloseAbandoned ends, in one transaction, the records instance owned with live dialogs
// when it stopped without hanging up (killed, crashed): each gets last as its last status
// line (at atMillis), its dialogs show as terminated, and it stays visible for its cache
// time only. It returns how many it closed.
func (s *CallRecordStore) CloseAbandoned(ctx context.Context, instance, last string, atMillis int64) (int, error) {
	n := 0
	err := WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE call_records SET live_until = NULL,
				dialogs = (SELECT COALESCE(jsonb_agg(d || '{"state": "Terminated Dialog"}'), '[]')
				           FROM jsonb_array_elements(dialogs) d)
			WHERE instance = $1 AND live_until IS NOT NULL RETURNING id`, instance)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		n = len(ids)
		if n == 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO call_status_lines (record_id, seq, at_ms, call_id, method, status_line)
			SELECT u.id, COALESCE((SELECT max(seq) FROM call_status_lines l WHERE l.record_id = u.id), 0) + 1,
				$2, '', 'INVITE', $3
			FROM unnest($1::bigint[]) AS u(id)`,
			pq.Array(ids), atMillis, last)
		return err
	})
	return n, err
}

// Remove deletes the record id and its lines in one transaction.
func (s *CallRecordStore) Remove(ctx context.Context, id int64) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM call_status_lines WHERE record_id = $1`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM call_records WHERE id = $1`, id)
		return err
	})
}

// Get reads the visible record under key; nil when there is none.
func (s *CallRecordStore) Get(ctx context.Context, key string) (*CallRecord, error) {
	var r CallRecord
	var dialogs, lines []byte
	err := s.db.QueryRowContext(ctx, `SELECT r.method, r.dialogs, COALESCE(r.live_until <= now(), false),
		COALESCE((SELECT json_agg(json_build_array(l.at_ms, l.call_id, l.method, l.status_line) ORDER BY l.seq)
		          FROM call_status_lines l WHERE l.record_id = r.id), '[]')
		FROM call_records r
		WHERE r.call_key = $1 AND GREATEST(r.cache_until, COALESCE(r.live_until, r.cache_until)) > now()`, key).
		Scan(&r.Method, &dialogs, &r.OwnerGone, &lines)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(dialogs, &r.Dialogs); err != nil {
		return nil, err
	}
	var raw [][4]json.RawMessage
	if err := json.Unmarshal(lines, &raw); err != nil {
		return nil, err
	}
	r.Lines = make([]CallStatusLine, len(raw))
	for i, l := range raw {
		_ = json.Unmarshal(l[0], &r.Lines[i].AtMillis)
		_ = json.Unmarshal(l[1], &r.Lines[i].CallID)
		_ = json.Unmarshal(l[2], &r.Lines[i].Method)
		_ = json.Unmarshal(l[3], &r.Lines[i].StatusLine)
	}
	return &r, nil
}

// Sweep deletes the records nobody can see any more and, with orphans, the lines left by
// replaced records.
func (s *CallRecordStore) Sweep(ctx context.Context, orphans bool) error {
	_, err := s.db.ExecContext(ctx, `WITH gone AS (
			DELETE FROM call_records WHERE GREATEST(cache_until, COALESCE(live_until, cache_until)) <= now() RETURNING id)
		DELETE FROM call_status_lines WHERE record_id IN (SELECT id FROM gone)`)
	if err != nil || !orphans {
		return err
	}
	_, err = s.db.ExecContext(ctx, `DELETE FROM call_status_lines l
		WHERE NOT EXISTS (SELECT 1 FROM call_records r WHERE r.id = l.record_id)`)
	return err
}

// PutLines writes status lines at their positions in one statement, replacing what was
// there. No two may share a record and position.
func (s *CallRecordStore) PutLines(ctx context.Context, lines []NumberedStatusLine) error {
	ids, seqs, ats := make([]int64, len(lines)), make([]int64, len(lines)), make([]int64, len(lines))
	callIDs, methods, texts := make([]string, len(lines)), make([]string, len(lines)), make([]string, len(lines))
	for i, l := range lines {
		ids[i], seqs[i], ats[i] = l.RecordID, int64(l.Seq), l.AtMillis
		callIDs[i], methods[i], texts[i] = l.CallID, l.Method, l.StatusLine
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO call_status_lines (record_id, seq, at_ms, call_id, method, status_line)
			SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[])
			ON CONFLICT (record_id, seq) DO UPDATE SET at_ms = EXCLUDED.at_ms, call_id = EXCLUDED.call_id,
				method = EXCLUDED.method, status_line = EXCLUDED.status_line`,
		pq.Array(ids), pq.Array(seqs), pq.Array(ats), pq.Array(callIDs), pq.Array(methods), pq.Array(texts))
	return err
}

// PutDialogs replaces the dialogs of records in one statement (one snapshot per record).
func (s *CallRecordStore) PutDialogs(ctx context.Context, snaps []DialogsSnapshot) error {
	ids, docs := make([]int64, len(snaps)), make([]string, len(snaps))
	for i, d := range snaps {
		ids[i], docs[i] = d.RecordID, string(d.JSON)
	}
	_, err := s.db.ExecContext(ctx, `UPDATE call_records r SET dialogs = u.d::jsonb
			FROM unnest($1::bigint[], $2::text[]) AS u(id, d) WHERE r.id = u.id`, pq.Array(ids), pq.Array(docs))
	return err
}

// Renew extends the lease of the records that still have live dialogs.
func (s *CallRecordStore) Renew(ctx context.Context, ids []int64, lease time.Duration) error {
	_, err := s.db.ExecContext(ctx, `UPDATE call_records SET live_until = now() + make_interval(secs => $2)
			WHERE id = ANY($1) AND live_until IS NOT NULL`, pq.Array(ids), lease.Seconds())
	return err
}

// End marks that the records own no dialog any more: they stay visible until their cache
// time.
func (s *CallRecordStore) End(ctx context.Context, ids []int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE call_records SET live_until = NULL WHERE id = ANY($1)`, pq.Array(ids))
	return err
}
