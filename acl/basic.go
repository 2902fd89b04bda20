package acl

import (
	"encoding/base64"
	"strings"
)

// ParseBasic reads an HTTP Basic Authorization header value. isBasic reports whether the
// scheme is Basic at all (any other scheme counts as no credentials); ok reports whether it
// carries a non-empty login and a non-empty password (a Basic header without them identifies
// nobody). The password is everything after the first colon.
func ParseBasic(h string) (login, password string, isBasic, ok bool) {
	scheme, rest, _ := strings.Cut(strings.TrimLeft(h, " \t"), " ")
	if !strings.EqualFold(scheme, "basic") {
		return "", "", false, false
	}
	token := strings.Trim(rest, " \t")
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		// Some clients drop the padding.
		if raw, err = base64.RawStdEncoding.DecodeString(token); err != nil {
			return "", "", true, false
		}
	}
	login, password, found := strings.Cut(string(raw), ":")
	if !found || login == "" || password == "" {
		return "", "", true, false
	}
	return login, password, true, true
}
