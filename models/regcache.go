package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// RegistrationsChannel is where every change of the bindings is announced, after its commit
// (migration 0092): "i:<ids>" for bindings written or removed, "u:<user names>" for lines
// whose device changed (the MAC a binding shows), "*" for more than a notice holds or a
// device's MAC; "sync:<token>" is a reader's marker (bindingCache.sync).
const RegistrationsChannel = "pbxws_registrations"

// syncWait bounds how long a read waits for its marker before reading the database.
const syncWait = 2 * time.Second

// maxCachedBindings bounds the bindings held in memory (about 0.4 kB each); beyond, every
// read goes to the database.
const maxCachedBindings = 200000

// bindingCache keeps the live bindings in memory for the sipX registrations list, kept
// current row by row: each notice names the bindings (or lines) that changed, and the next
// read fetches just those. A read first sends a marker through the channel and waits for it
// to come back, so that every change committed before the read (by any instance) has been
// seen: a REGISTER's binding is listed by the next read, as if read from the table. While
// the listener is down, reads go to the database.
type bindingCache struct {
	st        *RegistrationStore
	log       *slog.Logger
	listener  *pq.Listener
	listening atomic.Bool
	done      chan struct{}

	wmu     sync.Mutex
	waiters map[string]chan struct{}

	mu        sync.Mutex // guards what follows, and serialises refreshes
	loaded    bool
	byID      map[int]LiveBinding
	sorted    []LiveBinding // nil when byID changed since
	pendIDs   map[int]bool
	pendNames map[string]bool
	reload    bool
}

// Listen makes the store serve unfiltered reads of the bindings from memory, LISTENing on
// RegistrationsChannel of the database dsn names. Close stops it.
func (s *RegistrationStore) Listen(dsn string, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	c := &bindingCache{st: s, log: log, done: make(chan struct{}), waiters: map[string]chan struct{}{},
		pendIDs: map[int]bool{}, pendNames: map[string]bool{}}
	c.listener = pq.NewListener(dsn, 500*time.Millisecond, 15*time.Second, c.event)
	s.cache = c
	go c.run()
}

// Close stops the cache's listener; reads then go to the database.
func (s *RegistrationStore) Close() {
	if c := s.cache; c != nil {
		c.listening.Store(false)
		close(c.done)
		_ = c.listener.Close()
	}
}

func (c *bindingCache) run() {
	if err := c.listener.Listen(RegistrationsChannel); err != nil {
		select {
		case <-c.done:
		default:
			c.log.Warn("cannot LISTEN for binding changes; the registrations are read from the database", "err", err)
		}
		return
	}
	c.forget()
	c.listening.Store(true)
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-ping.C:
			if err := c.listener.Ping(); err != nil {
				if c.listening.Swap(false) {
					c.log.Warn("the binding change listener does not answer; the registrations are read from the database", "err", err)
				}
			} else if !c.listening.Load() {
				c.forget()
				c.listening.Store(true)
			}
		case n, ok := <-c.listener.Notify:
			if !ok {
				c.listening.Store(false)
				return
			}
			if n == nil { // reconnected: notices may have been missed
				c.forget()
				continue
			}
			c.notice(n.Extra)
		}
	}
}

func (c *bindingCache) event(ev pq.ListenerEventType, err error) {
	switch ev {
	case pq.ListenerEventReconnected:
		c.forget()
		c.listening.Store(true)
	case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
		if c.listening.Swap(false) {
			c.log.Warn("lost the binding change listener; the registrations are read from the database", "err", err)
		}
	}
}

// forget makes the next read load every binding again.
func (c *bindingCache) forget() {
	c.mu.Lock()
	c.reload = true
	c.mu.Unlock()
}

// notice records what a notice says changed, or releases the reader waiting for a marker.
func (c *bindingCache) notice(payload string) {
	kind, list, _ := strings.Cut(payload, ":")
	if kind == "sync" {
		c.wmu.Lock()
		if w, ok := c.waiters[list]; ok {
			close(w)
			delete(c.waiters, list)
		}
		c.wmu.Unlock()
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch kind {
	case "i":
		for _, x := range strings.Split(list, ",") {
			if id, err := strconv.Atoi(x); err == nil {
				c.pendIDs[id] = true
			}
		}
	case "u":
		for _, n := range strings.Split(list, ",") {
			c.pendNames[n] = true
		}
	default:
		c.reload = true
	}
}

// sync sends a marker through the channel and waits until it comes back: every notice of a
// change committed before has then been recorded. False when the marker did not come back in
// time (the caller reads the database).
func (c *bindingCache) sync(ctx context.Context) bool {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	w := make(chan struct{})
	c.wmu.Lock()
	c.waiters[token] = w
	c.wmu.Unlock()
	defer func() {
		c.wmu.Lock()
		delete(c.waiters, token)
		c.wmu.Unlock()
	}()
	if _, err := c.st.db.ExecContext(ctx, `SELECT pg_notify($1, $2)`, RegistrationsChannel, "sync:"+token); err != nil {
		return false
	}
	t := time.NewTimer(syncWait)
	defer t.Stop()
	select {
	case <-w:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// live is every unexpired binding in the resource's order (the latest expiry first), with
// the seconds each has left; ok false when the cache cannot answer (the caller reads the
// database).
func (c *bindingCache) live(ctx context.Context) (out []LiveBinding, ok bool) {
	if !c.listening.Load() || !c.sync(ctx) {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refresh(ctx); err != nil {
		c.log.Warn("refreshing the cached bindings failed; reading the database", "err", err)
		c.reload = true
		return nil, false
	}
	if c.byID == nil { // too many to hold
		return nil, false
	}
	if c.sorted == nil {
		c.sorted = make([]LiveBinding, 0, len(c.byID))
		for _, b := range c.byID {
			c.sorted = append(c.sorted, b)
		}
		slices.SortFunc(c.sorted, func(x, y LiveBinding) int {
			switch {
			case x.Expires != y.Expires:
				return cmpDesc(x.Expires, y.Expires)
			case x.LastModified != y.LastModified:
				return cmpDesc(x.LastModified, y.LastModified)
			}
			return cmpDesc(int64(x.ID), int64(y.ID))
		})
	}
	now := time.Now().UnixMilli()
	out = make([]LiveBinding, 0, len(c.sorted))
	for _, b := range c.sorted {
		if b.Expires <= now {
			break // sorted by expiry: the rest are expired too
		}
		b.SecondsTo = int((b.Expires - now) / 1000)
		out = append(out, b)
	}
	return out, true
}

func cmpDesc(a, b int64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// refresh loads everything, or fetches what the notices named; under c.mu.
func (c *bindingCache) refresh(ctx context.Context) error {
	if !c.loaded || c.reload {
		ids, names := c.pendIDs, c.pendNames
		c.pendIDs, c.pendNames, c.reload = map[int]bool{}, map[string]bool{}, false
		bs, err := c.st.queryBindings(ctx, bindingsFrom+` WHERE r.expires > localtimestamp`)
		if err != nil {
			c.pendIDs, c.pendNames = ids, names
			return err
		}
		c.loaded, c.sorted = true, nil
		if len(bs) > maxCachedBindings {
			c.byID = nil
			c.reload = true // read again (and count again) next time
			return nil
		}
		c.byID = make(map[int]LiveBinding, len(bs))
		for _, b := range bs {
			c.byID[b.ID] = b
		}
		return nil
	}
	if len(c.pendIDs) == 0 && len(c.pendNames) == 0 {
		return nil
	}
	ids := make([]int, 0, len(c.pendIDs))
	for id := range c.pendIDs {
		ids = append(ids, id)
	}
	names := make([]string, 0, len(c.pendNames))
	for n := range c.pendNames {
		names = append(names, n)
	}
	bs, err := c.st.queryBindings(ctx, bindingsFrom+` WHERE r.expires > localtimestamp AND (r.id = ANY($1) OR r.username = ANY($2))`,
		pq.Array(ids), pq.Array(names))
	if err != nil {
		return err
	}
	for _, id := range ids {
		delete(c.byID, id)
	}
	if len(names) > 0 {
		for id, b := range c.byID {
			if c.pendNames[b.UserName] {
				delete(c.byID, id)
			}
		}
	}
	for _, b := range bs {
		c.byID[b.ID] = b
	}
	c.pendIDs, c.pendNames, c.sorted = map[int]bool{}, map[string]bool{}, nil
	if len(c.byID) > maxCachedBindings {
		c.reload = true
	}
	return nil
}
