package acl

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Digest issues and checks MD5 Digest credentials (RFC 2617 / RFC 7616 with qop=auth, and
// RFC 2069 without qop) for every service that takes them: the HTTP user resources and the
// SIP registrar and proxy share it, so they share its replay rules.
//
// Nonces carry their expiry and an HMAC under a per-process key, so they are checked without
// state; what is kept is the highest nonce count seen per nonce. A response with qop=auth must
// raise the count; a response without qop (which has no count) uses its nonce up, so a
// captured RFC 2069 answer cannot be sent again.
type Digest struct {
	realm    string
	lifetime time.Duration
	key      []byte

	mu  sync.Mutex
	ncs map[string]ncEntry // highest nonce count seen per nonce
}

type ncEntry struct {
	nc      uint64
	expires time.Time
}

// maxNonceCounts bounds the replay table; expired entries go first, then everything.
const maxNonceCounts = 100_000

// usedUp is the count recorded for a nonce that no further response may use.
const usedUp = math.MaxUint64

// NewDigest returns a Digest for realm whose nonces live for lifetime (5 minutes if ≤ 0).
func NewDigest(realm string, lifetime time.Duration) *Digest {
	if lifetime <= 0 {
		lifetime = 5 * time.Minute
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &Digest{realm: realm, lifetime: lifetime, key: key, ncs: map[string]ncEntry{}}
}

// Realm is the realm the challenges name.
func (d *Digest) Realm() string { return d.realm }

// Challenge is a WWW-Authenticate / Proxy-Authenticate value with a fresh nonce.
func (d *Digest) Challenge(stale bool) string {
	c := `Digest realm="` + d.realm + `", nonce="` + d.nonce(time.Now()) + `", qop="auth", algorithm=MD5`
	if stale {
		c += ", stale=true"
	}
	return c
}

// DigestCredentials are parsed Digest credentials (ParseDigest) before their secret is known.
type DigestCredentials struct {
	params map[string]string
}

// ParseDigestCredentials reads an Authorization value whose scheme is Digest. ok is false when
// the scheme is another one; err when it is Digest but unreadable or incomplete.
func ParseDigestCredentials(authorization string) (c DigestCredentials, ok bool, err *AuthError) {
	scheme, rest, _ := strings.Cut(strings.TrimLeft(authorization, " \t"), " ")
	if !strings.EqualFold(scheme, "digest") {
		return c, false, nil
	}
	p, perr := ParseDigest(rest)
	if perr != nil {
		return c, true, &AuthError{Status: 401, Text: "malformed Digest credentials"}
	}
	if p["username"] == "" || p["nonce"] == "" || p["uri"] == "" || p["response"] == "" {
		return c, true, &AuthError{Status: 401, Text: "incomplete Digest credentials"}
	}
	return DigestCredentials{params: p}, true, nil
}

// Username is the user name the client signed with.
func (c DigestCredentials) Username() string { return c.params["username"] }

// URI is the digest-uri the client signed.
func (c DigestCredentials) URI() string { return c.params["uri"] }

// Check verifies credentials for a request whose method is method and whose target, exactly as
// it was received, is target, against ha1 = MD5(username:realm:secret). It returns nil or an
// *AuthError (Stale set when only the nonce's age was wrong: the client may retry at once).
// The response is compared before the nonce's age and count are looked at, so that a wrong
// secret never passes for a stale nonce.
func (d *Digest) Check(method, target string, c DigestCredentials, ha1 string) *AuthError {
	p := c.params
	nonce, uri, resp := p["nonce"], p["uri"], p["response"]
	if alg := p["algorithm"]; alg != "" && !strings.EqualFold(alg, "MD5") {
		return &AuthError{Status: 401, Text: "unsupported Digest algorithm " + alg}
	}
	if p["realm"] != d.realm {
		return &AuthError{Status: 401, Text: "wrong realm"}
	}
	if uri != target {
		return &AuthError{Status: 401, Text: "digest uri does not match the request"}
	}
	expires, genuine := d.checkNonce(nonce)
	if !genuine {
		return &AuthError{Status: 401, Text: "unknown nonce"}
	}
	ha2 := md5hex(method + ":" + uri)
	qop, nc, cnonce := p["qop"], p["nc"], p["cnonce"]
	var want string
	count := uint64(usedUp)
	switch qop {
	case "":
		want = md5hex(ha1 + ":" + nonce + ":" + ha2)
	case "auth":
		n, err := strconv.ParseUint(nc, 16, 32)
		if err != nil || len(nc) != 8 || cnonce == "" {
			return &AuthError{Status: 401, Text: "bad nonce count or cnonce"}
		}
		count = n
		want = md5hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2)
	default:
		return &AuthError{Status: 401, Text: "unsupported qop " + qop}
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(resp))) != 1 {
		return errPinMismatch
	}
	if time.Now().After(expires) {
		return &AuthError{Status: 401, Text: "nonce expired", Stale: true}
	}
	if !d.freshCount(nonce, count, expires) {
		if qop == "" {
			// The RFC 2069 client did nothing wrong but reuse a nonce: let it take a new one.
			return &AuthError{Status: 401, Text: "nonce already used", Stale: true}
		}
		return &AuthError{Status: 401, Text: "nonce count replayed"}
	}
	return nil
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// nonce is base64url(expiry ms ‖ HMAC-SHA256(key, expiry)[:16]): checked without state.
func (d *Digest) nonce(now time.Time) string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.Add(d.lifetime).UnixMilli()))
	m := hmac.New(sha256.New, d.key)
	m.Write(b[:8])
	copy(b[8:], m.Sum(nil))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (d *Digest) checkNonce(n string) (expires time.Time, genuine bool) {
	b, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(b) != 24 {
		return time.Time{}, false
	}
	m := hmac.New(sha256.New, d.key)
	m.Write(b[:8])
	if !hmac.Equal(m.Sum(nil)[:16], b[8:]) {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(binary.BigEndian.Uint64(b[:8]))), true
}

// freshCount records nc for nonce; false when it is not above the highest seen (a replay),
// or when the nonce was used up by a response without qop.
func (d *Digest) freshCount(nonce string, nc uint64, expires time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.ncs[nonce]; ok && (nc <= e.nc || e.nc == usedUp) {
		return false
	}
	if len(d.ncs) >= maxNonceCounts {
		now := time.Now()
		for k, e := range d.ncs {
			if now.After(e.expires) {
				delete(d.ncs, k)
			}
		}
		if len(d.ncs) >= maxNonceCounts {
			// Everything is live: forgetting is safer than refusing everyone; a forgotten
			// nonce only loses replay protection until it expires.
			clear(d.ncs)
		}
	}
	d.ncs[nonce] = ncEntry{nc: nc, expires: expires}
	return true
}
