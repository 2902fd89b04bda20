package sip

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"pbxws/models"
)

// StatusLine is one entry of a record's status document (spec §4.2).
type StatusLine struct {
	AtMillis   int64
	CallID     string
	Method     string
	StatusLine string
}

// DialogView is one dialog as the INVITE-mode status document shows it (spec §4.3).
type DialogView struct {
	ID     string `json:"id"`
	Local  string `json:"local"`
	Remote string `json:"remote"`
	State  string `json:"state"`
}

// StoredRecord is a record as read back from the database.
type StoredRecord struct {
	Method  string
	Lines   []StatusLine
	Dialogs []DialogView
}

// defaultLease is how long a record with live dialogs stays live without its owner renewing
// it (Config.RecordLease); the owner renews every quarter of it. The dialogs of an instance
// that died are shown terminated once its leases have run out.
const defaultLease = 2 * time.Minute

// recordStore keeps call records in PostgreSQL. Creating a record is synchronous (the POST
// answers after it); status lines, dialog snapshots and "no dialog left" marks go through one
// writer goroutine that batches whatever queued up while the previous batch was written, so a
// busy controller costs a few statements per batch rather than one per SIP message.
type recordStore struct {
	db       *sqlx.DB
	instance string
	lease    time.Duration
	log      *slog.Logger
	ops      chan storeOp
	done     chan struct{}
	once     sync.Once
}

type storeOp struct {
	recordID int64
	seq      int
	line     *StatusLine
	dialogs  []byte // JSON array of DialogView
	ended    bool
	renew    []int64
	barrier  chan struct{}
}

func newRecordStore(db *sqlx.DB, instance string, lease time.Duration, log *slog.Logger) *recordStore {
	s := &recordStore{db: db, instance: instance, lease: lease, log: log, ops: make(chan storeOp, 8192), done: make(chan struct{})}
	go s.writer()
	return s
}

// create stores a new record under key, replacing any record there; it returns the new id.
// One statement, one round trip: at a thousand calls a second the transaction it replaced
// (BEGIN, SELECT … FOR UPDATE, DELETE, INSERT, COMMIT) cost pbxws and PostgreSQL more than the
// rest of the call. A replaced record takes a new id, so its old status lines (left to the
// sweeper's orphan pass) are not part of it.
func (s *recordStore) create(ctx context.Context, key, method string, cache time.Duration) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO call_records (call_key, method, instance, cache_until, live_until)
		VALUES ($1, $2, $3, now() + make_interval(secs => $4), now() + make_interval(secs => $5))
		ON CONFLICT (call_key) DO UPDATE SET id = nextval(pg_get_serial_sequence('call_records', 'id')),
			method = EXCLUDED.method, instance = EXCLUDED.instance, created_at = now(),
			cache_until = EXCLUDED.cache_until, live_until = EXCLUDED.live_until, dialogs = '[]'
		RETURNING id`,
		key, method, s.instance, cache.Seconds(), s.lease.Seconds()).Scan(&id)
	return id, err
}

// restartedLine is the last status line of a record whose dialogs a previous run of this
// instance owned: they are gone with it.
const restartedLine = "SIP/2.0 500 Controller restarted"

// closeAbandoned ends the records this instance owned when it stopped without hanging up
// (killed, crashed): each gets a last status line saying so, its dialogs show as terminated,
// and it stays visible for its cache time only. It returns how many it closed.
func (s *recordStore) closeAbandoned(ctx context.Context) (int, error) {
	n := 0
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE call_records SET live_until = NULL,
				dialogs = (SELECT COALESCE(jsonb_agg(d || '{"state": "Terminated Dialog"}'), '[]')
				           FROM jsonb_array_elements(dialogs) d)
			WHERE instance = $1 AND live_until IS NOT NULL RETURNING id`, s.instance)
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
			pq.Array(ids), time.Now().UnixMilli(), restartedLine)
		return err
	})
	return n, err
}

// remove deletes the record id and its lines at once (a transfer moves a call to a new key).
func (s *recordStore) remove(ctx context.Context, id int64) error {
	s.flush(ctx)
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM call_status_lines WHERE record_id = $1`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM call_records WHERE id = $1`, id)
		return err
	})
}

func (s *recordStore) withTx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	return models.WithTx(ctx, s.db, fn)
}

func (s *recordStore) addLine(id int64, seq int, l StatusLine) {
	s.enqueue(storeOp{recordID: id, seq: seq, line: &l})
}

func (s *recordStore) setDialogs(id int64, d []DialogView) {
	b, err := json.Marshal(d)
	if err != nil {
		return
	}
	s.enqueue(storeOp{recordID: id, dialogs: b})
}

// ended marks that record id owns no dialog any more: it stays visible until cache_until.
func (s *recordStore) ended(id int64) { s.enqueue(storeOp{recordID: id, ended: true}) }

func (s *recordStore) renew(ids []int64) { s.enqueue(storeOp{renew: ids}) }

func (s *recordStore) enqueue(op storeOp) {
	select {
	case <-s.done:
	case s.ops <- op:
	}
}

// flush waits until everything queued so far is written (bounded by ctx).
func (s *recordStore) flush(ctx context.Context) {
	b := make(chan struct{})
	select {
	case <-s.done:
		return
	case s.ops <- storeOp{barrier: b}:
	case <-ctx.Done():
		return
	}
	select {
	case <-b:
	case <-ctx.Done():
	}
}

// get reads the visible record under key; nil when there is none.
func (s *recordStore) get(ctx context.Context, key string) (*StoredRecord, error) {
	s.flush(ctx)
	var r StoredRecord
	var dialogs, lines []byte
	var ownerGone bool
	err := s.db.QueryRowContext(ctx, `SELECT r.method, r.dialogs, COALESCE(r.live_until <= now(), false),
		COALESCE((SELECT json_agg(json_build_array(l.at_ms, l.call_id, l.method, l.status_line) ORDER BY l.seq)
		          FROM call_status_lines l WHERE l.record_id = r.id), '[]')
		FROM call_records r
		WHERE r.call_key = $1 AND GREATEST(r.cache_until, COALESCE(r.live_until, r.cache_until)) > now()`, key).
		Scan(&r.Method, &dialogs, &ownerGone, &lines)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(dialogs, &r.Dialogs); err != nil {
		return nil, err
	}
	if ownerGone {
		// The owner stopped renewing a record with live dialogs: it is gone, and its
		// dialogs with it.
		for i := range r.Dialogs {
			r.Dialogs[i].State = stateNames[stateTerminated]
		}
	}
	var raw [][4]json.RawMessage
	if err := json.Unmarshal(lines, &raw); err != nil {
		return nil, err
	}
	r.Lines = make([]StatusLine, len(raw))
	for i, l := range raw {
		_ = json.Unmarshal(l[0], &r.Lines[i].AtMillis)
		_ = json.Unmarshal(l[1], &r.Lines[i].CallID)
		_ = json.Unmarshal(l[2], &r.Lines[i].Method)
		_ = json.Unmarshal(l[3], &r.Lines[i].StatusLine)
	}
	return &r, nil
}

// sweep deletes the records nobody can see any more, and lines left by replaced records.
func (s *recordStore) sweep(ctx context.Context, orphans bool) error {
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

func (s *recordStore) close() {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.flush(ctx)
		close(s.done)
	})
}

// writer drains the queue: it takes whatever is waiting (up to a bound) and writes it with at
// most four statements.
func (s *recordStore) writer() {
	const maxBatch = 2048
	batch := make([]storeOp, 0, maxBatch)
	for {
		select {
		case <-s.done:
			return
		case op := <-s.ops:
			batch = append(batch[:0], op)
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case op := <-s.ops:
				batch = append(batch, op)
			default:
				break drain
			}
		}
		s.write(batch)
	}
}

func (s *recordStore) write(batch []storeOp) {
	var (
		ids, ats     []int64
		seqs         []int64
		callIDs, mth []string
		texts        []string
		dialogs      = map[int64][]byte{}
		ended        []int64
		renew        []int64
		barriers     []chan struct{}
	)
	// A line rewritten at a new position (a NOTIFY that overtook an earlier one) may come twice
	// in a batch: the last write wins, and one statement may not touch a row twice.
	at := map[[2]int64]int{}
	for _, op := range batch {
		switch {
		case op.barrier != nil:
			barriers = append(barriers, op.barrier)
		case op.line != nil:
			k := [2]int64{op.recordID, int64(op.seq)}
			if i, ok := at[k]; ok {
				ats[i], callIDs[i], mth[i], texts[i] = op.line.AtMillis, op.line.CallID, op.line.Method, op.line.StatusLine
				continue
			}
			at[k] = len(ids)
			ids, seqs, ats = append(ids, op.recordID), append(seqs, int64(op.seq)), append(ats, op.line.AtMillis)
			callIDs, mth, texts = append(callIDs, op.line.CallID), append(mth, op.line.Method), append(texts, op.line.StatusLine)
		case op.dialogs != nil:
			dialogs[op.recordID] = op.dialogs
		case op.ended:
			ended = append(ended, op.recordID)
		case op.renew != nil:
			renew = append(renew, op.renew...)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if len(ids) > 0 {
		if _, err := s.db.ExecContext(ctx, `INSERT INTO call_status_lines (record_id, seq, at_ms, call_id, method, status_line)
			SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[])
			ON CONFLICT (record_id, seq) DO UPDATE SET at_ms = EXCLUDED.at_ms, call_id = EXCLUDED.call_id,
				method = EXCLUDED.method, status_line = EXCLUDED.status_line`,
			pq.Array(ids), pq.Array(seqs), pq.Array(ats), pq.Array(callIDs), pq.Array(mth), pq.Array(texts)); err != nil {
			s.log.Error("storing call status lines", "lines", len(ids), "err", err)
		}
	}
	if len(dialogs) > 0 {
		did := make([]int64, 0, len(dialogs))
		djs := make([]string, 0, len(dialogs))
		for id, d := range dialogs {
			did, djs = append(did, id), append(djs, string(d))
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE call_records r SET dialogs = u.d::jsonb
			FROM unnest($1::bigint[], $2::text[]) AS u(id, d) WHERE r.id = u.id`, pq.Array(did), pq.Array(djs)); err != nil {
			s.log.Error("storing call dialogs", "err", err)
		}
	}
	if len(renew) > 0 {
		if _, err := s.db.ExecContext(ctx, `UPDATE call_records SET live_until = now() + make_interval(secs => $2)
			WHERE id = ANY($1) AND live_until IS NOT NULL`, pq.Array(renew), s.lease.Seconds()); err != nil {
			s.log.Error("renewing call records", "err", err)
		}
	}
	if len(ended) > 0 {
		if _, err := s.db.ExecContext(ctx, `UPDATE call_records SET live_until = NULL WHERE id = ANY($1)`, pq.Array(ended)); err != nil {
			s.log.Error("ending call records", "err", err)
		}
	}
	for _, b := range barriers {
		close(b)
	}
}
