package acl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/crypto/bcrypt"

	"pbxws/metrics"
	"pbxws/models"
)

// ChangeChannel is the PostgreSQL notification channel the ws_accounts trigger announces
// every change on.
const ChangeChannel = "pbxws_ws_accounts"

const (
	// maxCached bounds the verified-credential cache; it is emptied when full.
	maxCached = 10000
	// pollEvery is how often the generation counter is read while the listener is down.
	pollEvery = time.Second
	// pingEvery detects a listener connection that died silently.
	pingEvery = 30 * time.Second
	// heartbeatEvery the gate confirms in ws_gate_instances that it is alive and which
	// account changes it has applied; its caches are trusted for lease after each
	// confirmation that succeeded.
	heartbeatEvery = time.Second
	lease          = 3 * time.Second
	// GateAliveWindow is how recent a gate's heartbeat must be for an account command to wait
	// for its confirmation: longer than the lease, so no gate still trusting its caches is
	// skipped.
	GateAliveWindow = lease + 2*time.Second
)

// Gate identifies json.php restricted callers.
//
// A verified Basic credential is cached (keyed by an HMAC-SHA-256 of login and password under
// a per-process random key, never the password itself) so repeated requests cost no bcrypt;
// the enabled host-only accounts are cached too. Every account change empties both caches on
// every instance: the gate LISTENs for the trigger's notice, and while that connection is
// down it reads the trigger's generation counter once a second instead.
//
// So that a change is in force for every request that starts after the command that made it
// returned, each gate confirms in ws_gate_instances (at once after a notice, and every second)
// the generation it has applied, and account commands wait for every live gate's
// confirmation (WaitApplied). A gate whose confirmations stopped succeeding for longer than
// the lease no longer trusts its caches: it then reads the counter for every request until it
// can confirm again.
type Gate struct {
	store    *models.WSAccountStore
	resolver *Resolver
	log      *slog.Logger
	compare  func(hash, password []byte) error
	keys     *credentialKeys
	throttle *Throttle
	checks   *passwordChecks

	mu       sync.RWMutex
	epoch    uint64 // bumped by every invalidation; a fill started in an older epoch is dropped
	creds    map[[32]byte]*cachedAccount
	hostOnly []*cachedAccount
	hostsOK  bool

	listener  *pq.Listener
	listening atomic.Bool
	// generation is the counter the caches are known to reflect: it only moves forward, and
	// only after the caches were emptied for it.
	generation atomic.Int64
	// id names this gate in ws_gate_instances; leaseEnd (monotonic, since born) is until when
	// its caches may be trusted without reading the counter.
	id, host  string
	born      time.Time
	leaseEnd  atomic.Int64
	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// cachedAccount is an account snapshot (without its password hash) and its parsed hosts.
type cachedAccount struct {
	account models.WSAccount
	hosts   HostList
}

func newCachedAccount(a *models.WSAccount) *cachedAccount {
	c := &cachedAccount{account: *a}
	c.account.PasswordHash = ""
	c.hosts, _ = ParseHostList(a.Hosts)
	return c
}

// allows reports whether peer may speak for the account: an account without hosts allows
// every peer; one with hosts only those they contain (entries that do not parse match nothing).
func (c *cachedAccount) allows(ctx context.Context, peer netip.Addr, r *Resolver) bool {
	return len(c.account.Hosts) == 0 || c.hosts.Contains(ctx, peer, r)
}

// snapshot returns a copy the caller may keep or change.
func (c *cachedAccount) snapshot() *models.WSAccount {
	a := c.account
	a.Hosts = slices.Clone(a.Hosts)
	a.Sections = slices.Clone(a.Sections)
	return &a
}

// dummyHash is compared against when a login is unknown or disabled, so that answer takes
// as long as a wrong password.
var dummyHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("pbxws timing equaliser"), bcrypt.DefaultCost)
	if err != nil {
		panic(err)
	}
	return h
})

// GateConfig configures a Gate. dsn names the database of the accounts for the change
// listener; empty, the gate only polls the generation counter.
type GateConfig struct {
	DSN    string
	Logger *slog.Logger
	// Throttle slows repeated failures (nil: not throttled).
	Throttle *Throttle
	// MaxChecks bcrypt comparisons run at once (0: half the processors), each waiting at most
	// MaxWait for its turn (0: 10 s).
	MaxChecks int
	MaxWait   time.Duration
}

// NewGate builds the gate over the accounts in db.
func NewGate(ctx context.Context, db *sqlx.DB, cfg GateConfig) (*Gate, error) {
	logger, dsn := cfg.Logger, cfg.DSN
	if logger == nil {
		logger = slog.Default()
	}
	g := &Gate{
		store:    &models.WSAccountStore{DB: db},
		resolver: NewResolver(nil),
		log:      logger,
		compare:  bcrypt.CompareHashAndPassword,
		keys:     newCredentialKeys(),
		throttle: cfg.Throttle,
		checks:   newPasswordChecks(cfg.MaxChecks, cfg.MaxWait),
		creds:    map[[32]byte]*cachedAccount{},
		stop:     make(chan struct{}),
	}
	gen, err := g.store.Generation(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the account generation: %w", err)
	}
	g.generation.Store(gen)
	g.born = time.Now()
	g.id = newGateID()
	if h, err := os.Hostname(); err == nil {
		g.host = fmt.Sprintf("%.40s pid %d", h, os.Getpid())
	}
	_ = g.store.ForgetStoppedGates(ctx)
	if err := g.confirm(ctx); err != nil {
		return nil, fmt.Errorf("registering the gate: %w", err)
	}
	dummyHash()
	var notices <-chan *pq.Notification
	if dsn != "" {
		g.listener = pq.NewListener(dsn, 500*time.Millisecond, 15*time.Second, g.listenerEvent)
		notices = g.listener.Notify
		g.wg.Add(2)
		go g.listen()
		go g.every(pingEvery, g.ping)
	}
	g.wg.Add(2)
	go g.watch(notices)
	go g.every(heartbeatEvery, g.confirmNow)
	return g, nil
}

func newGateID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// confirm records that the gate is alive and has applied generation; on success its caches
// are trusted for the lease, counted from before the write was sent.
func (g *Gate) confirm(ctx context.Context) error {
	sent := time.Since(g.born)
	if err := g.store.GateAlive(ctx, g.id, g.host, g.generation.Load()); err != nil {
		return err
	}
	end := int64(sent + lease)
	for {
		old := g.leaseEnd.Load()
		if old >= end || g.leaseEnd.CompareAndSwap(old, end) {
			return nil
		}
	}
}

// leased reports whether the caches may be trusted without reading the counter.
func (g *Gate) leased() bool { return int64(time.Since(g.born)) < g.leaseEnd.Load() }

// confirmNow confirms, bounded by a heartbeat's time; a failure only shortens the lease.
func (g *Gate) confirmNow() {
	ctx, cancel := context.WithTimeout(context.Background(), heartbeatEvery)
	defer cancel()
	_ = g.confirm(ctx)
}

// every runs fn every d until the gate is closed.
func (g *Gate) every(d time.Duration, fn func()) {
	defer g.wg.Done()
	tick := time.NewTicker(d)
	defer tick.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-tick.C:
			fn()
		}
	}
}

// applied records that the caches were emptied for every change up to gen.
func (g *Gate) applied(gen int64) {
	for {
		old := g.generation.Load()
		if gen <= old || g.generation.CompareAndSwap(old, gen) {
			return
		}
	}
}

// WaitApplied waits until every live gate on the database of store has applied the account
// changes committed so far (for at most timeout), and returns the gates that had not.
func WaitApplied(ctx context.Context, store *models.WSAccountStore, timeout time.Duration) ([]string, error) {
	gen, err := store.Generation(ctx)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for {
		lagging, err := store.LaggingGates(ctx, gen, GateAliveWindow)
		if err != nil || len(lagging) == 0 || time.Now().After(deadline) {
			return lagging, err
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			return lagging, ctx.Err()
		}
	}
}

// listen subscribes once the listener first connects (Listen waits for that); resubscribing
// after a reconnection is the listener's job.
func (g *Gate) listen() {
	defer g.wg.Done()
	if err := g.listener.Listen(ChangeChannel); err != nil {
		if !g.closed() {
			g.log.Warn("cannot LISTEN for web-service account changes; polling their generation counter", "err", err)
		}
		return
	}
	g.listening.Store(true)
	// A change between NewGate's read of the counter and the LISTEN sent no notice to us.
	g.checkGeneration()
}

func (g *Gate) listenerEvent(ev pq.ListenerEventType, err error) {
	switch ev {
	case pq.ListenerEventReconnected:
		g.log.Info("listening for web-service account changes again")
		g.listening.Store(true)
		g.invalidate() // notices may have been missed while disconnected
	case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
		if g.listening.Swap(false) {
			g.log.Warn("lost the web-service account change listener; polling the generation counter", "err", err)
		}
	}
}

// watch empties the caches on every notice, and polls the counter while not listening.
func (g *Gate) watch(notices <-chan *pq.Notification) {
	defer g.wg.Done()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		select {
		case <-g.stop:
			return
		case n, ok := <-notices:
			if !ok {
				notices = nil
				g.listening.Store(false)
				continue
			}
			// A nil notice means the listener reconnected: also a reason to forget, and
			// the counter tells what was missed.
			if n == nil {
				g.checkGeneration()
				continue
			}
			g.invalidate()
			// The payload is "<op> <generation>"; generations are given out in commit order.
			if _, gs, ok := strings.Cut(n.Extra, " "); ok {
				if gen, err := strconv.ParseInt(gs, 10, 64); err == nil {
					g.applied(gen)
				}
			}
			g.confirmNow()
		case <-tick.C:
			if !g.listening.Load() && g.checkGeneration() {
				g.confirmNow() // at once: an account command may be waiting for it
			}
		}
	}
}

// ping finds a listener connection that died without the server closing it.
func (g *Gate) ping() {
	if g.listening.Load() {
		if err := g.listener.Ping(); err != nil && g.listening.Swap(false) {
			g.log.Warn("web-service account change listener unresponsive; polling the generation counter", "err", err)
		}
	}
}

func (g *Gate) closed() bool {
	select {
	case <-g.stop:
		return true
	default:
		return false
	}
}

// Close stops listening and polling, and unregisters the gate. The gate still answers, from
// the database, reading the counter for every request once its lease has run out.
func (g *Gate) Close() {
	g.closeOnce.Do(func() {
		close(g.stop)
		if g.listener != nil {
			_ = g.listener.Close()
		}
		g.wg.Wait()
		g.leaseEnd.Store(0)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = g.store.UnregisterGate(ctx, g.id)
		cancel()
	})
}

// Count returns how many accounts exist (for the first-start hint).
func (g *Gate) Count(ctx context.Context) (int, error) { return g.store.Count(ctx) }

func (g *Gate) invalidate() {
	g.mu.Lock()
	g.epoch++
	clear(g.creds)
	g.hostOnly, g.hostsOK = nil, false
	g.mu.Unlock()
}

// checkGeneration empties the caches when the counter moved since it was last read, and
// reports whether it did.
func (g *Gate) checkGeneration() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	changed, _ := g.readGeneration(ctx)
	return changed
}

// readGeneration reads the counter and empties the caches when it moved (or cannot be read:
// nothing stale may outlive a database we cannot read). A request calls it itself while the
// gate's lease has run out.
func (g *Gate) readGeneration(ctx context.Context) (changed bool, err error) {
	gen, err := g.store.Generation(ctx)
	if err != nil {
		g.invalidate()
		return false, err
	}
	if gen != g.generation.Load() {
		g.invalidate()
		g.applied(gen)
		return true, nil
	}
	return false, nil
}

// Identify returns the account a request speaks for, or nil (the caller answers 401) with the
// reason for the log. A Basic Authorization names an enabled account by login, checked by
// bcrypt, whose hosts (if it has any) must contain the peer; a Basic header without a login
// and a password identifies nobody. Without Basic credentials, the first enabled host-only
// account whose hosts contain the peer. The returned account is a copy without its password
// hash. err is only a database failure.
//
// Besides database failures, err is a *Throttled (too many failures: wait) or ErrChecksBusy.
func (g *Gate) Identify(ctx context.Context, peer netip.Addr, authorization string) (*models.WSAccount, string, error) {
	if !g.leased() {
		if _, err := g.readGeneration(ctx); err != nil {
			return nil, "", err
		}
	}
	login, password, isBasic, ok := ParseBasic(authorization)
	switch {
	case ok:
		return g.identifyBasic(ctx, peer, login, password)
	case isBasic:
		return nil, "Basic credentials unreadable or without a login and a password", nil
	}
	return g.identifyHost(ctx, peer)
}

// checked is the outcome of one password check: the account, or why not.
type checked struct {
	account *cachedAccount
	reason  string
}

func (g *Gate) identifyBasic(ctx context.Context, peer netip.Addr, login, password string) (*models.WSAccount, string, error) {
	key := g.keys.of(login, password)
	g.mu.RLock()
	c := g.creds[key]
	g.mu.RUnlock()
	if c != nil {
		metrics.CredentialCache.WithLabelValues("accounts", "hit").Inc()
	} else {
		metrics.CredentialCache.WithLabelValues("accounts", "miss").Inc()
	}
	if c == nil {
		// Credentials not verified yet cost a bcrypt: they wait out the throttle first, and
		// concurrent requests with the same ones share one check.
		if t := g.throttle.Wait(peer, login); t != nil {
			return nil, "", t
		}
		v, err := g.checks.do(ctx, key, func() (any, error) { return g.checkPassword(ctx, key, login, password) })
		if err != nil {
			return nil, "", err
		}
		out := v.(checked)
		if out.account == nil {
			g.throttle.Failed("json.php", peer, login, out.reason)
			return nil, out.reason, nil
		}
		c = out.account
	}
	if !c.allows(ctx, peer, g.resolver) {
		reason := "right credentials for account " + c.account.Name + " from a host it does not list: " + peer.String()
		g.throttle.Failed("json.php", peer, login, reason)
		return nil, reason, nil
	}
	g.throttle.Succeeded(peer, login)
	return c.snapshot(), "", nil
}

// checkPassword looks the login up and runs bcrypt; an account it accepts is cached.
func (g *Gate) checkPassword(ctx context.Context, key [32]byte, login, password string) (checked, error) {
	g.mu.RLock()
	epoch := g.epoch
	g.mu.RUnlock()
	acc, err := g.store.GetByLogin(ctx, login)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return checked{}, err
	}
	if acc == nil || acc.Disabled {
		_ = g.compare(dummyHash(), []byte(password)) // as long as a wrong password
		if acc == nil {
			return checked{reason: fmt.Sprintf("unknown login %.80q", login)}, nil
		}
		return checked{reason: "account " + acc.Name + " is disabled"}, nil
	}
	if g.compare([]byte(acc.PasswordHash), []byte(password)) != nil {
		return checked{reason: "wrong password for account " + acc.Name}, nil
	}
	c := newCachedAccount(acc)
	g.mu.Lock()
	if g.epoch == epoch { // no change was announced while we read
		if len(g.creds) >= maxCached {
			clear(g.creds)
		}
		g.creds[key] = c
	}
	g.mu.Unlock()
	return checked{account: c}, nil
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
		list = make([]*cachedAccount, len(accs))
		for i := range accs {
			list[i] = newCachedAccount(&accs[i])
		}
		g.mu.Lock()
		if g.epoch == epoch {
			g.hostOnly, g.hostsOK = list, true
		}
		g.mu.Unlock()
	}
	for _, c := range list {
		if c.hosts.Contains(ctx, peer, g.resolver) {
			return c.snapshot(), "", nil
		}
	}
	return nil, "no credentials, and no host-only account lists " + peer.String(), nil
}
