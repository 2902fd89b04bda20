package acl

import "io"

// Test hooks: the bcrypt comparison (to count it), the resolver, and the password input.

func SetCompareForTest(g *Gate, f func(hash, password []byte) error) { g.compare = f }

func SetResolverForTest(g *Gate, r *Resolver) { g.resolver = r }

func ListeningForTest(g *Gate) bool { return g.listening.Load() }

func SetPasswordInputForTest(r io.Reader) (restore func()) {
	old := passwordInput
	passwordInput = r
	return func() { passwordInput = old }
}
