package sip

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"pbxws/models"
)

// StatusLine is one entry of a record's status document (spec §4.2).
type StatusLine = models.CallStatusLine

// DialogView is one dialog as the INVITE-mode status document shows it (spec §4.3).
type DialogView = models.CallDialog

// StoredRecord is a record as read back from the database.
type StoredRecord = models.CallRecord

// defaultLease is how long a record with live dialogs stays live without its owner renewing
// it (Config.RecordLease); the owner renews every quarter of it. The dialogs of an instance
// that died are shown terminated once its leases have run out.
const defaultLease = 2 * time.Minute

// recordStore keeps call records in PostgreSQL (through models.CallRecordStore). Creating a record is synchronous (the POST
// answers after it); status lines, dialog snapshots and "no dialog left" marks go through one
// writer goroutine that batches whatever queued up while the previous batch was written, so a
// busy controller costs a few statements per batch rather than one per SIP message.
type recordStore struct {
	rows     *models.CallRecordStore
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
	s := &recordStore{rows: models.NewCallRecordStore(db), instance: instance, lease: lease, log: log, ops: make(chan storeOp, 8192), done: make(chan struct{})}
	go s.writer()
	return s
}

// create stores a new record under key, replacing any record there; it returns the new id
// (one statement: see models.CallRecordStore.Create).
func (s *recordStore) create(ctx context.Context, key, method string, cache time.Duration, p models.CallParties) (int64, error) {
	return s.rows.Create(ctx, key, method, s.instance, cache, s.lease, p)
}

// restartedLine is the last status line of a record whose dialogs a previous run of this
// instance owned: they are gone with it.
const restartedLine = "SIP/2.0 500 Controller restarted"

// closeAbandoned ends the records this instance owned when it stopped without hanging up
// (killed, crashed): each gets a last status line saying so, its dialogs show as terminated,
// and it stays visible for its cache time only. It returns how many it closed.
func (s *recordStore) closeAbandoned(ctx context.Context) (int, error) {
	return s.rows.CloseAbandoned(ctx, s.instance, restartedLine, time.Now().UnixMilli())
}

// remove deletes the record id and its lines at once (a transfer moves a call to a new key).
func (s *recordStore) remove(ctx context.Context, id int64) error {
	s.flush(ctx)
	return s.rows.Remove(ctx, id)
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
	r, err := s.rows.Get(ctx, key)
	if r != nil && r.OwnerGone {
		// The owner stopped renewing a record with live dialogs: it is gone, and its
		// dialogs with it.
		for i := range r.Dialogs {
			r.Dialogs[i].State = stateNames[stateTerminated]
		}
	}
	return r, err
}

// sweep deletes the records nobody can see any more, and lines left by replaced records.
func (s *recordStore) sweep(ctx context.Context, orphans bool) error {
	return s.rows.Sweep(ctx, orphans)
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
		lines    []models.NumberedStatusLine
		dialogs  = map[int64][]byte{}
		ended    []int64
		renew    []int64
		barriers []chan struct{}
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
				lines[i].CallStatusLine = *op.line
				continue
			}
			at[k] = len(lines)
			lines = append(lines, models.NumberedStatusLine{RecordID: op.recordID, Seq: op.seq, CallStatusLine: *op.line})
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
	if len(lines) > 0 {
		if err := s.rows.PutLines(ctx, lines); err != nil {
			s.log.Error("storing call status lines", "lines", len(lines), "err", err)
		}
	}
	if len(dialogs) > 0 {
		snaps := make([]models.DialogsSnapshot, 0, len(dialogs))
		for id, d := range dialogs {
			snaps = append(snaps, models.DialogsSnapshot{RecordID: id, JSON: d})
		}
		if err := s.rows.PutDialogs(ctx, snaps); err != nil {
			s.log.Error("storing call dialogs", "err", err)
		}
	}
	if len(renew) > 0 {
		if err := s.rows.Renew(ctx, renew, s.lease); err != nil {
			s.log.Error("renewing call records", "err", err)
		}
	}
	if len(ended) > 0 {
		if err := s.rows.End(ctx, ended); err != nil {
			s.log.Error("ending call records", "err", err)
		}
	}
	for _, b := range barriers {
		close(b)
	}
}
