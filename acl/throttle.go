package acl

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"pbxws/metrics"
)

// ThrottleConfig is the policy for failed authentications. Zero fields take the defaults of
// DefaultThrottleConfig.
type ThrottleConfig struct {
	// Free is how many failures in a row a source or a login may have before its next attempt
	// must wait.
	Free int
	// Backoff is the first wait after the free failures; each further failure doubles it, up
	// to MaxBackoff.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// BanAfter failures from one source ban that source for BanFor. Logins are never banned
	// (that would lock their owner out from everywhere); they only back off.
	BanAfter int
	BanFor   time.Duration
	// Forget is how long a record lives after its last failure (or the end of its ban).
	Forget time.Duration
}

// DefaultThrottleConfig: five free failures, then 1 s doubling to 5 min; twenty failures from
// one address ban it for 15 minutes. A dictionary of 100 passwords from one source takes more
// than an hour.
func DefaultThrottleConfig() ThrottleConfig {
	return ThrottleConfig{Free: 5, Backoff: time.Second, MaxBackoff: 5 * time.Minute,
		BanAfter: 20, BanFor: 15 * time.Minute, Forget: 15 * time.Minute}
}

// Throttle slows repeated failed authentications per source address and per login, for every
// service that authenticates (json.php accounts, click-to-call and sipX users, SIP lines):
// after Free failures an attempt must wait an exponentially growing time after the last
// failure, and a source with BanAfter failures is banned for a while. Successes forget the
// login's failures (not the source's: one good password among many guesses proves nothing).
//
// Callers ask Wait before spending a password check and report the outcome; credentials a
// cache already verified need no check and are not throttled, so a flood from one place never
// slows clients that are already known.
type Throttle struct {
	cfg ThrottleConfig
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex
	sources map[netip.Addr]*failures
	logins  map[string]*failures
}

type failures struct {
	count  int
	last   time.Time
	banned time.Time // until when; zero when not banned
}

// maxThrottled bounds each table; when full, records older than Forget go, then the oldest half.
const maxThrottled = 100_000

// maxLoginKey bounds the login a record is kept under.
const maxLoginKey = 128

// NewThrottle returns a Throttle with cfg (defaults for its zero fields) logging to log.
func NewThrottle(cfg ThrottleConfig, log *slog.Logger) *Throttle {
	d := DefaultThrottleConfig()
	orDefault(&cfg.Free, d.Free)
	orDefault(&cfg.BanAfter, d.BanAfter)
	orDefault(&cfg.Backoff, d.Backoff)
	orDefault(&cfg.MaxBackoff, d.MaxBackoff)
	orDefault(&cfg.BanFor, d.BanFor)
	orDefault(&cfg.Forget, d.Forget)
	if log == nil {
		log = slog.Default()
	}
	return &Throttle{cfg: cfg, log: log, now: time.Now,
		sources: map[netip.Addr]*failures{}, logins: map[string]*failures{}}
}

// orDefault sets *v to d when it is not positive.
func orDefault[T int | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Config is the policy in force.
func (t *Throttle) Config() ThrottleConfig { return t.cfg }

// Throttled is the refusal of an attempt made too soon: RetryAfter is how long to wait, Banned
// whether the source is banned (rather than backing off).
type Throttled struct {
	RetryAfter time.Duration
	Banned     bool
	Source     netip.Addr
}

func (e *Throttled) Error() string {
	secs := e.Seconds()
	if e.Banned {
		return fmt.Sprintf("too many failed authentications from %s: banned, retry in %d s", e.Source, secs)
	}
	return fmt.Sprintf("too many failed authentications: retry in %d s", secs)
}

// Seconds is RetryAfter rounded up to whole seconds (at least 1), for a Retry-After header.
func (e *Throttled) Seconds() int {
	return max(1, int((e.RetryAfter+time.Second-1)/time.Second))
}

// Wait returns nil when an attempt from source for login may be checked now, or a *Throttled.
func (t *Throttle) Wait(source netip.Addr, login string) *Throttled {
	if t == nil {
		return nil
	}
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	var wait time.Duration
	banned := false
	if f := t.sources[source]; f != nil {
		if now.Before(f.banned) {
			wait, banned = f.banned.Sub(now), true
		} else if w := t.backoff(f, now); w > wait {
			wait = w
		}
	}
	if f := t.logins[loginKey(login)]; f != nil && !banned {
		if w := t.backoff(f, now); w > wait {
			wait = w
		}
	}
	if wait <= 0 {
		return nil
	}
	return &Throttled{RetryAfter: wait, Banned: banned, Source: source}
}

// backoff is how long after now an attempt must wait, for a record of failures.
func (t *Throttle) backoff(f *failures, now time.Time) time.Duration {
	over := f.count - t.cfg.Free + 1
	if over <= 0 {
		return 0
	}
	d := t.cfg.Backoff
	for i := 1; i < over && d < t.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, t.cfg.MaxBackoff)
	return f.last.Add(d).Sub(now)
}

// Failed records a failed authentication and logs it at WARN: the service, the login tried,
// the peer and the reason (never the password).
func (t *Throttle) Failed(service string, source netip.Addr, login, reason string) {
	metrics.AuthFailures.WithLabelValues(service).Inc()
	if t == nil {
		return
	}
	now := t.now()
	t.mu.Lock()
	s := record(t.sources, source, now, t.cfg.Forget)
	s.count++
	s.last = now
	newlyBanned := false
	if s.count >= t.cfg.BanAfter && !now.Before(s.banned) {
		s.banned = now.Add(t.cfg.BanFor)
		newlyBanned = true
	}
	l := record(t.logins, loginKey(login), now, t.cfg.Forget)
	l.count++
	l.last = now
	sc, lc := s.count, l.count
	t.mu.Unlock()
	t.log.LogAttrs(context.Background(), slog.LevelWarn, "authentication failed",
		slog.String("service", service), slog.String("login", loginKey(login)),
		slog.String("peer", source.String()), slog.String("reason", reason),
		slog.Int("source_failures", sc), slog.Int("login_failures", lc))
	if newlyBanned {
		t.log.Warn("source banned after repeated authentication failures", "peer", source.String(),
			"failures", sc, "for", t.cfg.BanFor.String())
	}
}

// Succeeded forgets the login's failures.
func (t *Throttle) Succeeded(source netip.Addr, login string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	delete(t.logins, loginKey(login))
	t.mu.Unlock()
}

func loginKey(login string) string {
	if len(login) > maxLoginKey {
		return login[:maxLoginKey]
	}
	return login
}

// quiet reports whether a record has seen no failure, and no ban, for longer than forget.
func (f *failures) quiet(now time.Time, forget time.Duration) bool {
	last := f.last
	if f.banned.After(last) {
		last = f.banned
	}
	return now.Sub(last) > forget
}

// record returns m[k], creating it; a record quiet for longer than forget starts over.
func record[K comparable](m map[K]*failures, k K, now time.Time, forget time.Duration) *failures {
	if f := m[k]; f != nil {
		if f.quiet(now, forget) {
			*f = failures{}
		}
		return f
	}
	if len(m) >= maxThrottled {
		for k, f := range m {
			if f.quiet(now, forget) {
				delete(m, k)
			}
		}
		if len(m) >= maxThrottled {
			// Still full of live records: keep the banned ones and drop the others.
			for k, f := range m {
				if !now.Before(f.banned) {
					delete(m, k)
				}
			}
		}
	}
	f := &failures{}
	m[k] = f
	return f
}
