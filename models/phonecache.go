package models

import (
	"context"
	"database/sql"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/jmoiron/sqlx"

	"pbxws/metrics"
)

// PhoneSettingsChannel is where every change of what phone settings read is announced
// (migration 0101): devices, phone groups, their members and stored setting values.
const PhoneSettingsChannel = "pbxws_phone_settings"

// phoneCache holds every phone's model and effective settings (own values over its groups',
// the heaviest group last) for the sipX reads, which then touch no database. It is good for
// one epoch: a notice on PhoneSettingsChannel (another instance's commit) or a write of this
// instance (InvalidateSettings, before and after) starts a new one, and the next read loads
// the whole again. While the listener is down, reads go to the database.
type phoneCache struct {
	db      *sqlx.DB
	notices *noticeListener
	epoch   atomic.Int64
	mu      sync.Mutex // one load at a time
	snap    atomic.Pointer[phoneSnapshot]
}

// phoneSnapshot is the phones of one epoch.
type phoneSnapshot struct {
	epoch  int64
	models map[int]PhoneModel // by phone number
	byMAC  map[string]int
	values map[int]map[string]*string
}

// Listen starts serving phone settings from memory: the cache LISTENs on
// PhoneSettingsChannel of the database dsn names. Until then it reads the database.
func (s *PhoneStore) Listen(dsn string, log *slog.Logger) {
	c := s.cache
	newEpoch := func() { c.epoch.Add(1) }
	c.notices = listenForNotices(dsn, PhoneSettingsChannel, "phone settings are read from the database", log, newEpoch, func(string) { newEpoch() })
}

// CloseListener stops the listener; reads then go to the database.
func (s *PhoneStore) CloseListener() { s.cache.notices.close() }

// InvalidateSettings starts a new epoch (a write of this instance may change a phone's settings).
func (s *PhoneStore) InvalidateSettings() { s.cache.epoch.Add(1) }

// The read counters, looked up once.
var (
	phoneReadsMemory   = metrics.PhoneSettingsReads.WithLabelValues("memory")
	phoneReadsDatabase = metrics.PhoneSettingsReads.WithLabelValues("database")
)

// current is the snapshot of the current epoch (loaded when needed), or nil when reads go
// to the database; count counts the read (once a request).
func (c *phoneCache) current(ctx context.Context, count bool) (*phoneSnapshot, error) {
	if !c.notices.serving() {
		if count {
			phoneReadsDatabase.Inc()
		}
		return nil, nil
	}
	if count {
		phoneReadsMemory.Inc()
	}
	e := c.epoch.Load()
	if s := c.snap.Load(); s != nil && s.epoch == e {
		return s, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e = c.epoch.Load()
	if s := c.snap.Load(); s != nil && s.epoch == e {
		return s, nil
	}
	s, err := c.load(ctx, e)
	if err != nil {
		return nil, err
	}
	c.snap.Store(s)
	return s, nil
}

// load reads every phone, membership and value in one snapshot of the database.
func (c *phoneCache) load(ctx context.Context, epoch int64) (*phoneSnapshot, error) {
	s := &phoneSnapshot{epoch: epoch, models: map[int]PhoneModel{}, byMAC: map[string]int{}, values: map[int]map[string]*string{}}
	tx, err := c.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	var phones []struct {
		ID     int    `db:"phone_id"`
		MAC    string `db:"mac"`
		Vendor string `db:"vendor"`
		Model  string `db:"model"`
	}
	if err := tx.SelectContext(ctx, &phones, `SELECT phone_id, mac, vendor, model FROM devices`); err != nil {
		return nil, err
	}
	for _, p := range phones {
		s.models[p.ID] = PhoneModelOf(p.Vendor, p.Model)
		if p.MAC != "" {
			s.byMAC[p.MAC] = p.ID
		}
	}
	var vals []struct {
		Kind  string  `db:"owner_kind"`
		Owner string  `db:"owner_id"`
		Path  string  `db:"path"`
		Value *string `db:"value"`
	}
	if err := tx.SelectContext(ctx, &vals, `SELECT owner_kind, owner_id, path, value FROM setting_values
		WHERE owner_kind IN ('`+phoneOwnerKind+`', '`+phoneGroupOwnerKind+`')`); err != nil {
		return nil, err
	}
	own, groupVals := map[int]map[string]*string{}, map[int]map[string]*string{}
	for _, v := range vals {
		id, err := strconv.Atoi(v.Owner)
		if err != nil {
			continue
		}
		m := own
		if v.Kind == phoneGroupOwnerKind {
			m = groupVals
		}
		if m[id] == nil {
			m[id] = map[string]*string{}
		}
		m[id][v.Path] = v.Value
	}
	var members []struct {
		Phone int `db:"phone_id"`
		Group int `db:"group_id"`
	}
	// The lightest group first: the heavier ones, then the phone's own, write over it.
	if err := tx.SelectContext(ctx, &members, `SELECT d.phone_id, g.id AS group_id FROM phone_group_members m
		JOIN devices d ON d.id = m.device_id JOIN phone_groups g ON g.id = m.group_id ORDER BY d.phone_id, g.weight, g.id`); err != nil {
		return nil, err
	}
	for _, m := range members {
		if len(groupVals[m.Group]) == 0 {
			continue
		}
		if s.values[m.Phone] == nil {
			s.values[m.Phone] = map[string]*string{}
		}
		for p, v := range groupVals[m.Group] {
			s.values[m.Phone][p] = v
		}
	}
	for id, vs := range own {
		if _, ok := s.models[id]; !ok {
			continue
		}
		if s.values[id] == nil {
			s.values[id] = map[string]*string{}
		}
		for p, v := range vs {
			s.values[id][p] = v
		}
	}
	return s, tx.Commit()
}

// lookup finds a phone of a reference in the snapshot (number first, then MAC).
func (s *phoneSnapshot) lookup(ref string) (int, PhoneModel, bool) {
	if allDigits(ref) && len(ref) < 10 {
		n, _ := strconv.Atoi(ref)
		if m, ok := s.models[n]; ok {
			return n, m, true
		}
	}
	if mac, ok := NormalizeMAC(ref); ok {
		if n, ok := s.byMAC[mac]; ok {
			return n, s.models[n], true
		}
	}
	return 0, PhoneModel{}, false
}
