package acl

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/crypto/bcrypt"

	"pbxws/models"
)

// maxCached bounds the verified-credential cache.
const maxCached = 10000

// Gate identifies json.php restricted callers. A verified Basic credential is cached (keyed by
// a SHA-256 of login and password, never the password itself) so repeated requests cost no
// bcrypt; every account change empties the cache, on every instance: LISTEN for the change
// notice, and a generation counter checked at most once a second in case a notice is missed.
type Gate struct {
	store    *models.WSAccountStore
	resolver *Resolver
	log      *slog.Logger
	listener *pq.Listener
	compare  func(hash, password []byte) error

	mu       sync.RWMutex
	epoch    uint64
	creds    map[[32]byte]*entry
	hostOnly []*entry
	hostsOK  bool

	generation atomic.Int64
	checkedAt  atomic.Int64 // unix nanoseconds of the last generation check
	done       chan struct{}
}

type entry struct {
	account *models.WSAccount
	hosts   HostList
}

var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("pbxws timing equaliser"), bcrypt.DefaultCost)

// NewGate builds the gate over the accounts in db; dsn is used to LISTEN for changes.
func NewGate(ctx context.Context, db *sqlx.DB, dsn string, logger *slog.Logger) (*Gate, error) {
	if logger == nil {
		logger = slog.Default()
	}
	g := &Gate{
		store:    &models.WSAccountStore{DB: db},
		resolver: NewResolver(nil),
		log:      logger,
		compare:  bcrypt.CompareHashAndPassword,
		creds:    map[[32]byte]*entry{},
		done:     make(chan struct{}),
	}
	gen, err := g.store.Generation(ctx)
	if err != nil {
		return nil, err
	}
	g.generation.Store(gen)
	g.checkedAt.Store(time.Now().UnixNano())
	if dsn != "" {
		g.listener = pq.NewListener(dsn, time.Second, 30*time.Second, func(ev pq.ListenerEventType, err error) {
			if ev == pq.ListenerEventReconnected || ev == pq.ListenerEventConnectionAttemptFailed {
				g.invalidate() // notices may have been missed while disconnected
			}
		})
		if err := g.listener.Listen("pbxws_ws_accounts"); err != nil {
			logger.Warn("cannot LISTEN for account changes; polling the generation counter instead", "err", err)
		}
		go g.watch()
	}
	return g, nil
}

func (g *Gate) watch() {
	for {
		select {
		case <-g.done:
			return
		case n := <-g.listener.Notify:
			_ = n
			g.invalidate()
		}
	}
}

// Close stops listening.
func (g *Gate) Close() {
	if g.listener != nil {
		close(g.done)
		_ = g.listener.Close()
	}
}

// Count returns how many accounts exist (for the first-start hint).
func (g *Gate) Count(ctx context.Context) (int, error) { return g.store.Count(ctx) }

func (g *Gate) invalidate() {
	g.mu.Lock()
	g.epoch++
	g.creds = map[[32]byte]*entry{}
	g.hostOnly, g.hostsOK = nil, false
	g.mu.Unlock()
}

// checkGeneration empties the caches when the counter moved; at most once a second.
func (g *Gate) checkGeneration(ctx context.Context) {
	now := time.Now().UnixNano()
	last := g.checkedAt.Load()
	if now-last < int64(time.Second) || !g.checkedAt.CompareAndSwap(last, now) {
		return
	}
	gen, err := g.store.Generation(ctx)
	if err != nil {
		return
	}
	if g.generation.Swap(gen) != gen {
		g.invalidate()
	}
}

// Identify returns the account a request speaks for, or nil (the caller answers 401) with the
// reason for the log. Basic credentials name an account by login; its hosts, if any, must
// contain the peer. Without credentials, the first enabled host-only account containing the
// peer. Disabled accounts never identify.
func (g *Gate) Identify(ctx context.Context, peer netip.Addr, authorization string) (*models.WSAccount, string, error) {
	g.checkGeneration(ctx)
	if login, password, ok := ParseBasic(authorization); ok {
		return g.identifyBasic(ctx, peer, login, password)
	}
	if authorization != "" && strings.HasPrefix(strings.ToLower(authorization), "basic ") {
		return nil, "malformed or empty Basic credentials", nil
	}
	return g.identifyHost(ctx, peer)
}

func (g *Gate) identifyBasic(ctx context.Context, peer netip.Addr, login, password string) (*models.WSAccount, string, error) {
	key := sha256.Sum256([]byte(login + "\x00" + password))
	g.mu.RLock()
	e, hit := g.creds[key]
	epoch := g.epoch
	g.mu.RUnlock()
	if !hit {
		acc, err := g.store.GetEnabledByLogin(ctx, login)
		if errors.Is(err, models.ErrNotFound) {
			_ = g.compare(dummyHash, []byte(password)) // same time as a wrong password
			return nil, "unknown login " + login, nil
		}
		if err != nil {
			return nil, "", err
		}
		if acc.PasswordHash == nil || g.compare([]byte(*acc.PasswordHash), []byte(password)) != nil {
			return nil, "wrong password for " + login, nil
		}
		hosts, _ := ParseHostList(acc.Hosts)
		e = &entry{account: acc, hosts: hosts}
		g.mu.Lock()
		if g.epoch == epoch { // no change happened meanwhile
			if len(g.creds) >= maxCached {
				g.creds = map[[32]byte]*entry{}
			}
			g.creds[key] = e
		}
		g.mu.Unlock()
	}
	if !e.hosts.Empty() && !e.hosts.Contains(ctx, peer, g.resolver) {
		return nil, "right credentials for " + e.account.Name + " from a host it does not allow: " + peer.String(), nil
	}
	return e.account, "", nil
}

func (g *Gate) identifyHost(ctx context.Context, peer netip.Addr) (*models.WSAccount, string, error) {
	g.mu.RLock()
	list, ok := g.hostOnly, g.hostsOK
	epoch := g.epoch
	g.mu.RUnlock()
	if !ok {
		accs, err := g.store.ListHostOnly(ctx)
		if err != nil {
			return nil, "", err
		}
		list = make([]*entry, 0, len(accs))
		for i := range accs {
			hosts, _ := ParseHostList(accs[i].Hosts)
			list = append(list, &entry{account: &accs[i], hosts: hosts})
		}
		g.mu.Lock()
		if g.epoch == epoch {
			g.hostOnly, g.hostsOK = list, true
		}
		g.mu.Unlock()
	}
	for _, e := range list {
		if e.hosts.Contains(ctx, peer, g.resolver) {
			return e.account, "", nil
		}
	}
	return nil, "no credentials, and no host-only account allows " + peer.String(), nil
}

// ParseBasic reads "Basic base64(login:password)"; ok only when both parts are non-empty.
func ParseBasic(h string) (login, password string, ok bool) {
	const prefix = "basic "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h[len(prefix):]))
	if err != nil {
		return "", "", false
	}
	login, password, found := strings.Cut(string(raw), ":")
	if !found || login == "" || password == "" {
		return "", "", false
	}
	return login, password, true
}
