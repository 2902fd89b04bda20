package acl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"pbxws/metrics"
	"pbxws/models"
)

// UserDirectory is what UserAuth needs from models.Directory.
type UserDirectory interface {
	LookupUser(ctx context.Context, nameOrAlias string) (*models.SIPUser, error)
	LookupPrivateKey(ctx context.Context, key string) (*models.SIPUser, error)
}

// keyLogin is the login the throttle counts a private-key attempt under: the key's hash
// prefix, so that wrong keys are counted per peer (the attacker), never one shared name that
// a guesser could lock every key holder out with, and no key reaches the logs.
func keyLogin(key string) string {
	h := sha256.Sum256([]byte(key))
	return "private key " + hex.EncodeToString(h[:4])
}

// errUnknownKey refuses a private key no user has.
var errUnknownKey = &AuthError{Status: 403, Text: "unknown or withdrawn private key", guess: true}

// AuthenticateKey returns the user whose private key is key (sipX /rest/private/{key}/…).
// Wrong keys are throttled per peer like wrong passwords; a refusal is *AuthError 403.
func (a *UserAuth) AuthenticateKey(ctx context.Context, key string, peer netip.Addr) (*models.SIPUser, error) {
	login := keyLogin(key)
	if t := a.cfg.Throttle.Wait(peer, login); t != nil {
		return nil, t
	}
	u, err := a.dir.LookupPrivateKey(ctx, key)
	if errors.Is(err, models.ErrNotFound) {
		return nil, a.failed(peer, login, errUnknownKey)
	}
	if err != nil {
		return nil, err
	}
	a.cfg.Throttle.Succeeded(peer, login)
	return u, nil
}

// UserAuthConfig configures user (portal password) authentication.
type UserAuthConfig struct {
	Realm         string
	NonceLifetime time.Duration // default 5 minutes
	AllowEmptyPin bool          // a user without a portal password may log in with an empty one
	// Throttle slows repeated failures (nil: not throttled). Service names the log lines.
	Throttle *Throttle
	Service  string
	// Changes, when set, is bumped by every write of this process: a verified user read
	// before it is read again (so this instance's own changes apply at once).
	Changes *Epoch
	// MaxChecks bcrypt comparisons run at once (0: half the processors), each waiting at most
	// MaxWait for its turn (0: 10 s).
	MaxChecks int
	MaxWait   time.Duration
}

// UserAuth authenticates users (not web-service accounts) with HTTP Basic or Digest against
// their portal password: the click-to-call service and the sipX REST façade use it.
type UserAuth struct {
	dir    UserDirectory
	cfg    UserAuthConfig
	digest *Digest
	dummy  []byte
	checks *passwordChecks

	// Basic credentials bcrypt accepted, by credential name, with the hash they matched: a
	// client sending the same Basic header on every call costs one bcrypt, not one per
	// request, and a changed password (another hash) is checked again.
	keys     *credentialKeys
	compare  func(hash, password []byte) error // bcrypt's, counted by tests
	vmu      sync.Mutex
	verified map[[32]byte]verifiedCred
	now      func() time.Time // time.Now; tests move it
}

// Epoch counts the writes that may change users; UserAuth answers a verified user from
// memory only while the epoch it read the user in is current.
type Epoch struct{ n atomic.Int64 }

// Bump records a write.
func (e *Epoch) Bump() {
	if e != nil {
		e.n.Add(1)
	}
}

// Current is the number of writes recorded (0 for a nil Epoch).
func (e *Epoch) Current() int64 { return e.current() }

func (e *Epoch) current() int64 {
	if e == nil {
		return 0
	}
	return e.n.Load()
}

// verifiedCred is a Basic credential bcrypt accepted: the hash it matched and the user as
// read then.
type verifiedCred struct {
	hash  string
	user  *models.SIPUser
	at    time.Time
	epoch int64
}

// verifiedFresh is how long a verified credential's user is answered without reading it
// again: a user's change (password, ADMIN role, lines, disabling) made through another
// pbxws instance reaches requests that carry the same credentials within this time (one made
// through this one, at once: see UserAuthConfig.Changes). Past it, the user is read again and the
// credential stays verified while the hash is the same.
const verifiedFresh = time.Second

func (a *UserAuth) remember(k [32]byte, u *models.SIPUser, at time.Time, epoch int64) {
	a.vmu.Lock()
	defer a.vmu.Unlock()
	if len(a.verified) >= maxVerified {
		clear(a.verified)
	}
	a.verified[k] = verifiedCred{hash: u.PinHash, user: u, at: at, epoch: epoch}
}

// maxVerified bounds the verified-credential cache; when full it starts over.
const maxVerified = 4096

// AuthRequest is one HTTP request as the authenticator sees it.
type AuthRequest struct {
	Method        string
	URI           string // the request-target exactly as received: path and raw query
	Authorization string
	TLS           bool       // Basic is accepted only when true
	Peer          netip.Addr // the client, for throttling failures
}

// AuthError is a refusal: the status (401 or 403), the text/plain body, and whether the nonce
// was genuine but expired (the challenge then says stale=true).
type AuthError struct {
	Status int
	Text   string
	Stale  bool
	// guess marks a refusal that tried a secret (a wrong one, or one for a user who does not
	// exist): those are what the throttle counts. A malformed header, a wrong realm or uri,
	// an unknown or replayed nonce test no secret.
	guess bool
}

func (e *AuthError) Error() string { return e.Text }

// ErrNoCredentials: no Authorization header (or a scheme we do not take).
var ErrNoCredentials = &AuthError{Status: 401, Text: "Authentication required"}

var errPinMismatch = &AuthError{Status: 401, Text: "pin mismatch", guess: true}

func errUnknownUser(name string) *AuthError {
	return &AuthError{Status: 401, Text: "User Not found " + name, guess: true}
}

// NewUserAuth returns a UserAuth over dir.
func NewUserAuth(dir UserDirectory, cfg UserAuthConfig) *UserAuth {
	if cfg.Service == "" {
		cfg.Service = "user"
	}
	dummy, _ := bcrypt.GenerateFromPassword([]byte("not a pin"), bcrypt.DefaultCost)
	return &UserAuth{dir: dir, cfg: cfg, digest: NewDigest(cfg.Realm, cfg.NonceLifetime), dummy: dummy,
		checks: newPasswordChecks(cfg.MaxChecks, cfg.MaxWait),
		keys:   newCredentialKeys(), compare: bcrypt.CompareHashAndPassword, verified: map[[32]byte]verifiedCred{}, now: time.Now}
}

// Challenges are the WWW-Authenticate values of a 401: Digest always, Basic when allowed.
func (a *UserAuth) Challenges(basic, stale bool) []string {
	out := []string{a.digest.Challenge(stale)}
	if basic {
		out = append(out, `Basic realm="`+a.cfg.Realm+`"`)
	}
	return out
}

// Authenticate verifies the credentials and returns the user and the login it sent. Besides
// *AuthError refusals it returns *Throttled (too many failures: wait), ErrChecksBusy, or a
// database error.
func (a *UserAuth) Authenticate(ctx context.Context, r AuthRequest) (*models.SIPUser, string, error) {
	h := r.Authorization
	if h == "" || len(h) > 4096 || strings.ContainsAny(h, "\r\n") {
		return nil, "", ErrNoCredentials
	}
	if login, password, isBasic, ok := ParseBasic(h); isBasic {
		if !r.TLS {
			return nil, "", &AuthError{Status: 401, Text: "Basic authentication requires TLS"}
		}
		if !ok {
			return nil, "", ErrNoCredentials
		}
		u, err := a.basic(ctx, r.Peer, login, password)
		return u, login, err
	}
	creds, isDigest, aerr := ParseDigestCredentials(h)
	if !isDigest {
		return nil, "", ErrNoCredentials
	}
	if aerr != nil {
		return nil, "", aerr
	}
	u, err := a.checkDigest(ctx, r, creds)
	return u, creds.Username(), err
}

// failed reports a refusal that tried a secret to the throttle, and returns it.
func (a *UserAuth) failed(peer netip.Addr, login string, err error) error {
	var ae *AuthError
	if errors.As(err, &ae) && ae.guess {
		a.cfg.Throttle.Failed(a.cfg.Service, peer, login, ae.Text)
	}
	return err
}

func (a *UserAuth) basic(ctx context.Context, peer netip.Addr, login, password string) (*models.SIPUser, error) {
	k := a.keys.of(login, password)
	now, epoch := a.now(), a.cfg.Changes.current()
	a.vmu.Lock()
	v, ok := a.verified[k]
	a.vmu.Unlock()
	if ok && now.Sub(v.at) < verifiedFresh && v.epoch == a.cfg.Changes.current() {
		// Verified against the user as read less than verifiedFresh ago: no round trip.
		metrics.CredentialCache.WithLabelValues("users", "hit").Inc()
		u := *v.user
		return &u, nil
	}
	u, err := a.dir.LookupUser(ctx, login)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	if u != nil && u.PinHash != "" && ok && v.hash == u.PinHash {
		a.remember(k, u, now, epoch)
		metrics.CredentialCache.WithLabelValues("users", "hit").Inc()
		return u, nil
	}
	metrics.CredentialCache.WithLabelValues("users", "miss").Inc()
	if t := a.cfg.Throttle.Wait(peer, login); t != nil {
		return nil, t
	}
	res, err := a.checks.do(ctx, k, func() (any, error) {
		switch {
		case u == nil:
			// Spend the same time as for a real user, so timing does not tell who exists.
			_ = a.compare(a.dummy, []byte(password))
			return nil, errUnknownUser(login)
		case u.PinHash == "":
			_ = a.compare(a.dummy, []byte(password))
			if a.cfg.AllowEmptyPin && password == "" {
				return u, nil
			}
			return nil, errPinMismatch
		case a.compare([]byte(u.PinHash), []byte(password)) != nil:
			return nil, errPinMismatch
		}
		a.remember(k, u, now, epoch)
		return u, nil
	})
	if err != nil {
		return nil, a.failed(peer, login, err)
	}
	a.cfg.Throttle.Succeeded(peer, login)
	return res.(*models.SIPUser), nil
}

// checkDigest verifies Digest credentials against the secret kept for the login form the
// client named: its user name, a line number or name, or an alias (models.UserStore keeps
// one per form).
func (a *UserAuth) checkDigest(ctx context.Context, r AuthRequest, c DigestCredentials) (*models.SIPUser, error) {
	username := c.Username()
	if t := a.cfg.Throttle.Wait(r.Peer, username); t != nil {
		return nil, t
	}
	u, err := a.dir.LookupUser(ctx, username)
	if errors.Is(err, models.ErrNotFound) {
		return nil, a.failed(r.Peer, username, errUnknownUser(username))
	}
	if err != nil {
		return nil, err
	}
	ha1 := u.PinHA1
	if ha1 == "" {
		if !a.cfg.AllowEmptyPin {
			return nil, a.failed(r.Peer, username, errPinMismatch)
		}
		ha1 = models.HA1(username, a.cfg.Realm, "")
	}
	if aerr := a.digest.Check(r.Method, r.URI, c, ha1); aerr != nil {
		return nil, a.failed(r.Peer, username, aerr)
	}
	a.cfg.Throttle.Succeeded(r.Peer, username)
	return u, nil
}

// ParseDigest reads the parameters of Digest credentials (after the scheme): name=token or
// name="quoted string" separated by commas. Names are lower-cased; a repeated name, an empty
// name or an unterminated quote is an error.
func ParseDigest(s string) (map[string]string, error) {
	out := map[string]string{}
	i := 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	for {
		skip()
		if i >= len(s) {
			break
		}
		start := i
		for i < len(s) && s[i] != '=' && s[i] != ',' && s[i] != ' ' && s[i] != '\t' {
			i++
		}
		name := strings.ToLower(s[start:i])
		skip()
		if name == "" || i >= len(s) || s[i] != '=' {
			return nil, errors.New("digest: expected name=value")
		}
		i++
		skip()
		var val strings.Builder
		if i < len(s) && s[i] == '"' {
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					val.WriteByte(s[i+1])
					i += 2
					continue
				}
				if c == '"' {
					closed = true
					i++
					break
				}
				val.WriteByte(c)
				i++
			}
			if !closed {
				return nil, errors.New("digest: unterminated quoted string")
			}
		} else {
			start := i
			for i < len(s) && s[i] != ',' && s[i] != ' ' && s[i] != '\t' {
				i++
			}
			val.WriteString(s[start:i])
		}
		if _, dup := out[name]; dup {
			return nil, errors.New("digest: repeated parameter " + name)
		}
		out[name] = val.String()
		skip()
		if i < len(s) {
			if s[i] != ',' {
				return nil, errors.New("digest: expected a comma")
			}
			i++
		}
	}
	if len(out) == 0 {
		return nil, errors.New("digest: no parameters")
	}
	return out, nil
}

// RecentUsers answers directory lookups by name from memory for verifiedFresh after the
// lookup, or until changes moves (this instance wrote): the click-to-call agent of a trusted
// host is looked up on every call, by the same few names.
type RecentUsers struct {
	dir     UserDirectory
	changes *Epoch
	now     func() time.Time
	mu      sync.Mutex
	m       map[string]recentUser
}

type recentUser struct {
	u     *models.SIPUser
	at    time.Time
	epoch int64
}

// NewRecentUsers remembers dir's lookups; changes may be nil (time alone then bounds them).
func NewRecentUsers(dir UserDirectory, changes *Epoch) *RecentUsers {
	return &RecentUsers{dir: dir, changes: changes, now: time.Now, m: map[string]recentUser{}}
}

// LookupUser is UserDirectory.LookupUser, remembered; a user not found is not.
func (r *RecentUsers) LookupUser(ctx context.Context, name string) (*models.SIPUser, error) {
	now, epoch := r.now(), r.changes.current()
	r.mu.Lock()
	c, ok := r.m[name]
	r.mu.Unlock()
	if ok && c.epoch == epoch && now.Sub(c.at) < verifiedFresh {
		u := *c.u
		return &u, nil
	}
	u, err := r.dir.LookupUser(ctx, name)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if len(r.m) >= maxVerified {
		clear(r.m)
	}
	r.m[name] = recentUser{u: u, at: now, epoch: epoch}
	r.mu.Unlock()
	return u, nil
}
