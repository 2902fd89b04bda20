package ops

import (
	"bytes"
	"crypto/tls"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
)

// `pbxws user` gives and takes the sipX ADMIN role and private keys; a private key opens the
// user's "my" resources under /sipxconfig/rest/private/{key}/ without credentials, and only
// until it is replaced or withdrawn.
func TestUserCommands(t *testing.T) {
	env := testenv.Start(t)
	res, err := http.Post(env.HTTPURL+"/service/ipbx/json.php/private/pbx_settings/users/?act=add", "application/json",
		strings.NewReader(`{"userfeatures": {"firstname": "Kim", "lastname": "Lee", "loginclient": "kim", "passwdclient": "kimpin12"}}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("adding kim: %d", res.StatusCode)
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: env.CAPool}}}
	call := func(method, url, user, pass, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	db := []string{"-database-url", env.DSN}

	// The ADMIN role.
	if st, _ := call("GET", env.HTTPSURL+"/sipxconfig/rest/user", "kim", "kimpin12", ""); st != http.StatusForbidden {
		t.Fatalf("/rest/user before grant-admin: %d", st)
	}
	r := pbxws(t, t.TempDir(), nil, "", append([]string{"user", "grant-admin", "kim"}, db...)...).must(t, 0)
	if !strings.Contains(r.stdout, "is now an administrator") {
		t.Fatalf("grant-admin said %q", r.stdout)
	}
	// Another process changed the user: the server sees it within a second (acl.verifiedFresh).
	testenv.Eventually(t, 5*time.Second, "the ADMIN role granted by the command", func() bool {
		st, body := call("GET", env.HTTPSURL+"/sipxconfig/rest/user", "kim", "kimpin12", "")
		return st == http.StatusOK && strings.Contains(body, "<userName>kim</userName>")
	})
	pbxws(t, t.TempDir(), nil, "", append([]string{"user", "revoke-admin", "kim"}, db...)...).must(t, 0)
	testenv.Eventually(t, 5*time.Second, "the ADMIN role revoked by the command", func() bool {
		st, _ := call("GET", env.HTTPSURL+"/sipxconfig/rest/user", "kim", "kimpin12", "")
		return st == http.StatusForbidden
	})
	if r := pbxws(t, t.TempDir(), nil, "", append([]string{"user", "grant-admin", "nobody"}, db...)...).must(t, 1); !strings.Contains(r.stderr, `"nobody"`) {
		t.Fatalf("an unknown user: %q", r.stderr)
	}

	// A private key: shown once, 32 characters; only its hash is stored.
	keyOf := func(out string) string {
		t.Helper()
		m := regexp.MustCompile(`private key \(the old one no longer works\): ([A-Za-z0-9_-]{32})\n`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no key in %q", out)
		}
		return m[1]
	}
	key := keyOf(pbxws(t, t.TempDir(), nil, "", append([]string{"user", "private-key", "kim"}, db...)...).must(t, 0).stdout)
	var stored []byte
	if err := env.DB.Get(&stored, `SELECT private_key_hash FROM users WHERE loginclient = 'kim'`); err != nil || len(stored) != 32 || bytes.Contains(stored, []byte(key)) {
		t.Fatalf("stored %x %v", stored, err)
	}
	for _, base := range []string{env.HTTPURL, env.HTTPSURL} {
		if st, body := call("GET", base+"/sipxconfig/rest/private/"+key+"/logindetails", "", "", ""); st != http.StatusOK || !strings.Contains(body, "<userName>kim</userName>") {
			t.Fatalf("logindetails by key over %s: %d %s", base, st, body)
		}
	}
	// A key only reads: no write, above all no new password, through it.
	for _, w := range []struct{ method, path, body string }{
		{"PUT", "/speeddial", `{"buttons": [{"label": "Desk", "number": "1001"}]}`},
		{"PUT", "/portal/password/takenover1", ""},
		{"PUT", "/voicemail/pin/1234", ""},
		{"POST", "/phonebook/entry/0", `{"entry": {"first-name": "A", "last-name": "B", "number": "1"}}`},
	} {
		if st, body := call(w.method, env.HTTPURL+"/sipxconfig/rest/private/"+key+w.path, "", "", w.body); st != http.StatusForbidden || !strings.Contains(body, "only reads") {
			t.Fatalf("%s %s by key: %d %s", w.method, w.path, st, body)
		}
	}
	var n int
	if err := env.DB.Get(&n, `SELECT (SELECT count(*) FROM speed_dial_buttons) + (SELECT count(*) FROM private_phonebook_entries)`); err != nil || n != 0 {
		t.Fatalf("rows written through the key: %d %v", n, err)
	}
	if st, _ := call("GET", env.HTTPSURL+"/sipxconfig/rest/my/time", "kim", "kimpin12", ""); st != http.StatusOK {
		t.Fatalf("kim's password after the refused change: %d", st)
	}
	// Not a key: 403; a resource that is not a "my" one does not exist under the key.
	wrong := strings.Repeat("a", 32)
	if st, _ := call("GET", env.HTTPURL+"/sipxconfig/rest/private/"+wrong+"/logindetails", "", "", ""); st != http.StatusForbidden {
		t.Fatalf("a wrong key: %d", st)
	}
	if st, _ := call("GET", env.HTTPURL+"/sipxconfig/rest/private/"+key+"/user", "", "", ""); st != http.StatusUnauthorized {
		t.Fatalf("an admin resource under the key: %d", st)
	}
	// A new key replaces the old; a withdrawn key opens nothing.
	newKey := keyOf(pbxws(t, t.TempDir(), nil, "", append([]string{"user", "private-key", "kim"}, db...)...).must(t, 0).stdout)
	if newKey == key {
		t.Fatal("the same key twice")
	}
	if st, _ := call("GET", env.HTTPURL+"/sipxconfig/rest/private/"+key+"/logindetails", "", "", ""); st != http.StatusForbidden {
		t.Fatalf("the replaced key: %d", st)
	}
	if st, _ := call("GET", env.HTTPURL+"/sipxconfig/rest/private/"+newKey+"/time", "", "", ""); st != http.StatusOK {
		t.Fatalf("the new key: %d", st)
	}
	pbxws(t, t.TempDir(), nil, "", append([]string{"user", "revoke-private-key", "kim"}, db...)...).must(t, 0)
	if st, _ := call("GET", env.HTTPURL+"/sipxconfig/rest/private/"+newKey+"/time", "", "", ""); st != http.StatusForbidden {
		t.Fatalf("the withdrawn key: %d", st)
	}
	if err := env.DB.Get(&n, `SELECT count(*) FROM users WHERE private_key_hash IS NOT NULL`); err != nil || n != 0 {
		t.Fatalf("keys left after the revoke: %d %v", n, err)
	}
}
