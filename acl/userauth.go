package acl

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"pbxws/models"
)

// UserDirectory is what UserAuth needs from models.Directory.
type UserDirectory interface {
	LookupUser(ctx context.Context, nameOrAlias string) (*models.SIPUser, error)
}

// UserAuthConfig configures user (portal password) authentication.
type UserAuthConfig struct {
	Realm         string
	NonceLifetime time.Duration // default 5 minutes
	AllowEmptyPin bool          // a user without a portal password may log in with an empty one
}

// UserAuth authenticates users (not web-service accounts) with HTTP Basic or Digest against
// their portal password: the click-to-call service and the sipX REST façade use it.
type UserAuth struct {
	dir   UserDirectory
	cfg   UserAuthConfig
	key   []byte
	dummy []byte

	mu  sync.Mutex
	ncs map[string]ncEntry // highest nonce count seen per nonce

	// Basic credentials bcrypt accepted, by credential name, with the hash they matched: a
	// client sending the same Basic header on every call costs one bcrypt, not one per
	// request, and a changed password (another hash) is checked again.
	keys     *credentialKeys
	compare  func(hash, password []byte) error // bcrypt's, counted by tests
	vmu      sync.Mutex
	verified map[[32]byte]string
}

// maxVerified bounds the verified-credential cache; when full it starts over.
const maxVerified = 4096

type ncEntry struct {
	nc      uint64
	expires time.Time
}

// maxNonceCounts bounds the replay table; expired entries go first, then everything.
const maxNonceCounts = 100_000

// AuthRequest is one HTTP request as the authenticator sees it.
type AuthRequest struct {
	Method        string
	URI           string // request-URI as sent: path and raw query
	Authorization string
	TLS           bool // Basic is accepted only when true
}

// AuthError is a refusal: the status (401 or 403), the text/plain body, and whether the nonce
// was genuine but expired (the challenge then says stale=true).
type AuthError struct {
	Status int
	Text   string
	Stale  bool
}

func (e *AuthError) Error() string { return e.Text }

// ErrNoCredentials: no Authorization header (or a scheme we do not take).
var ErrNoCredentials = &AuthError{Status: 401, Text: "Authentication required"}

var errPinMismatch = &AuthError{Status: 401, Text: "pin mismatch"}

// NewUserAuth returns a UserAuth over dir.
func NewUserAuth(dir UserDirectory, cfg UserAuthConfig) *UserAuth {
	if cfg.NonceLifetime <= 0 {
		cfg.NonceLifetime = 5 * time.Minute
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	dummy, _ := bcrypt.GenerateFromPassword([]byte("not a pin"), bcrypt.DefaultCost)
	return &UserAuth{dir: dir, cfg: cfg, key: key, dummy: dummy, ncs: map[string]ncEntry{},
		keys: newCredentialKeys(), compare: bcrypt.CompareHashAndPassword, verified: map[[32]byte]string{}}
}

// Challenges are the WWW-Authenticate values of a 401: Digest always, Basic when allowed.
func (a *UserAuth) Challenges(basic, stale bool) []string {
	d := `Digest realm="` + a.cfg.Realm + `", qop="auth", nonce="` + a.nonce(time.Now()) + `", algorithm=MD5`
	if stale {
		d += ", stale=true"
	}
	out := []string{d}
	if basic {
		out = append(out, `Basic realm="`+a.cfg.Realm+`"`)
	}
	return out
}

// Authenticate verifies the credentials and returns the user and the login it sent.
func (a *UserAuth) Authenticate(ctx context.Context, r AuthRequest) (*models.SIPUser, string, error) {
	h := r.Authorization
	if h == "" || len(h) > 4096 || strings.ContainsAny(h, "\r\n") {
		return nil, "", ErrNoCredentials
	}
	scheme, rest, _ := strings.Cut(strings.TrimLeft(h, " \t"), " ")
	switch {
	case strings.EqualFold(scheme, "basic"):
		if !r.TLS {
			return nil, "", &AuthError{Status: 401, Text: "Basic authentication requires TLS"}
		}
		login, password, _, ok := ParseBasic(h)
		if !ok {
			return nil, "", ErrNoCredentials
		}
		u, err := a.basic(ctx, login, password)
		return u, login, err
	case strings.EqualFold(scheme, "digest"):
		p, err := ParseDigest(rest)
		if err != nil {
			return nil, "", &AuthError{Status: 401, Text: "malformed Digest credentials"}
		}
		u, err := a.digest(ctx, r, p)
		return u, p["username"], err
	}
	return nil, "", ErrNoCredentials
}

func (a *UserAuth) basic(ctx context.Context, login, password string) (*models.SIPUser, error) {
	u, err := a.dir.LookupUser(ctx, login)
	if errors.Is(err, models.ErrNotFound) {
		// Spend the same time as for a real user, so timing does not tell who exists.
		_ = bcrypt.CompareHashAndPassword(a.dummy, []byte(password))
		return nil, &AuthError{Status: 401, Text: "User Not found " + login}
	}
	if err != nil {
		return nil, err
	}
	if u.PinHash == "" {
		_ = bcrypt.CompareHashAndPassword(a.dummy, []byte(password))
		if a.cfg.AllowEmptyPin && password == "" {
			return u, nil
		}
		return nil, errPinMismatch
	}
	k := a.keys.of(login, password)
	a.vmu.Lock()
	known := a.verified[k] == u.PinHash
	a.vmu.Unlock()
	if known {
		return u, nil
	}
	if a.compare([]byte(u.PinHash), []byte(password)) != nil {
		return nil, errPinMismatch
	}
	a.vmu.Lock()
	if len(a.verified) >= maxVerified {
		clear(a.verified)
	}
	a.verified[k] = u.PinHash
	a.vmu.Unlock()
	return u, nil
}

// digest verifies RFC 2617/7616 MD5 credentials (qop=auth, or none for RFC 2069 clients).
// The stored secret is HA1 over the canonical user name, so a client logging in with an alias
// must compute its response over the canonical name.
func (a *UserAuth) digest(ctx context.Context, r AuthRequest, p map[string]string) (*models.SIPUser, error) {
	username, realm, nonce, uri, resp := p["username"], p["realm"], p["nonce"], p["uri"], p["response"]
	if username == "" || nonce == "" || uri == "" || resp == "" {
		return nil, &AuthError{Status: 401, Text: "incomplete Digest credentials"}
	}
	if alg := p["algorithm"]; alg != "" && !strings.EqualFold(alg, "MD5") {
		return nil, &AuthError{Status: 401, Text: "unsupported Digest algorithm " + alg}
	}
	if realm != a.cfg.Realm {
		return nil, &AuthError{Status: 401, Text: "wrong realm"}
	}
	if uri != r.URI {
		return nil, &AuthError{Status: 401, Text: "digest uri does not match the request"}
	}
	expires, genuine := a.checkNonce(nonce)
	if !genuine {
		return nil, &AuthError{Status: 401, Text: "unknown nonce"}
	}
	u, err := a.dir.LookupUser(ctx, username)
	if errors.Is(err, models.ErrNotFound) {
		return nil, &AuthError{Status: 401, Text: "User Not found " + username}
	}
	if err != nil {
		return nil, err
	}
	ha1 := u.PinHA1
	if ha1 == "" {
		if !a.cfg.AllowEmptyPin {
			return nil, errPinMismatch
		}
		ha1 = md5hex(u.UserName + ":" + a.cfg.Realm + ":")
	}
	ha2 := md5hex(r.Method + ":" + uri)
	qop, nc, cnonce := p["qop"], p["nc"], p["cnonce"]
	var want string
	var count uint64
	switch qop {
	case "":
		want = md5hex(ha1 + ":" + nonce + ":" + ha2)
	case "auth":
		n, err := strconv.ParseUint(nc, 16, 32)
		if err != nil || len(nc) != 8 || cnonce == "" {
			return nil, &AuthError{Status: 401, Text: "bad nonce count or cnonce"}
		}
		count = n
		want = md5hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2)
	default:
		return nil, &AuthError{Status: 401, Text: "unsupported qop " + qop}
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(resp))) != 1 {
		return nil, errPinMismatch
	}
	if time.Now().After(expires) {
		return nil, &AuthError{Status: 401, Text: "nonce expired", Stale: true}
	}
	if qop != "" && !a.freshCount(nonce, count, expires) {
		return nil, &AuthError{Status: 401, Text: "nonce count replayed"}
	}
	return u, nil
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// nonce is base64url(expiry ms ‖ HMAC-SHA256(key, expiry)[:16]): checked without state.
func (a *UserAuth) nonce(now time.Time) string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.Add(a.cfg.NonceLifetime).UnixMilli()))
	m := hmac.New(sha256.New, a.key)
	m.Write(b[:8])
	copy(b[8:], m.Sum(nil))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (a *UserAuth) checkNonce(n string) (expires time.Time, genuine bool) {
	b, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(b) != 24 {
		return time.Time{}, false
	}
	m := hmac.New(sha256.New, a.key)
	m.Write(b[:8])
	if !hmac.Equal(m.Sum(nil)[:16], b[8:]) {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(binary.BigEndian.Uint64(b[:8]))), true
}

// freshCount records nc for nonce; false when it is not above the highest seen (a replay).
func (a *UserAuth) freshCount(nonce string, nc uint64, expires time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if e, ok := a.ncs[nonce]; ok && nc <= e.nc {
		return false
	}
	if len(a.ncs) >= maxNonceCounts {
		now := time.Now()
		for k, e := range a.ncs {
			if now.After(e.expires) {
				delete(a.ncs, k)
			}
		}
		if len(a.ncs) >= maxNonceCounts {
			// Everything is live: forgetting is safer than refusing everyone; a forgotten
			// nonce only loses replay protection until it expires.
			clear(a.ncs)
		}
	}
	a.ncs[nonce] = ncEntry{nc: nc, expires: expires}
	return true
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
