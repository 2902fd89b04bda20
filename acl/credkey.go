package acl

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"hash"
	"sync"
)

// credentialKeys names a login and password pair by an HMAC under a key of this process:
// caches of verified credentials hold the name, never the password, and the name of one
// pair tells nothing of another.
type credentialKeys struct {
	key  []byte
	macs sync.Pool // of hmac hashes keyed with key: one per request was an allocation burst
}

func newCredentialKeys() *credentialKeys {
	k := &credentialKeys{key: make([]byte, 32)}
	_, _ = rand.Read(k.key) // never fails (crypto/rand, Go ≥ 1.24)
	return k
}

func (k *credentialKeys) of(login, password string) [32]byte {
	m, _ := k.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, k.key)
	}
	defer func() { m.Reset(); k.macs.Put(m) }()
	m.Write([]byte(login))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var out [32]byte
	m.Sum(out[:0])
	return out
}
