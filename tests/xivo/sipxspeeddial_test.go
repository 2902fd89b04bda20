package xivo_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// speedDials is what the database holds of a user's speed dials.
func speedDials(t *testing.T, db interface {
	Get(dest any, query string, args ...any) error
}, login string) string {
	t.Helper()
	var s string
	if err := db.Get(&s, `SELECT COALESCE((SELECT 'own' FROM speed_dials d WHERE d.user_id = u.id), 'group') || ':' ||
		COALESCE((SELECT string_agg(b.label || '=' || b.number || CASE WHEN b.blf THEN '+blf' ELSE '' END, ',' ORDER BY b.position)
			FROM speed_dial_buttons b WHERE b.user_id = u.id), '')
		FROM users u WHERE u.loginclient = $1`, login); err != nil {
		t.Fatal(err)
	}
	return s
}

// /my/speeddial: the user's own buttons, BLF only with the presence permission, bad buttons
// refused whole, and groupSpeedDial back to the group's (empty) list.
func TestSipxSpeedDial(t *testing.T) {
	env, _ := sipxSetup(t)
	clerk := newSipx(t, env, "clerk", "clerkpin")
	const path = "/sipxconfig/rest/my/speeddial"
	a := clerk.send("GET", path, "", "")
	if a.status != http.StatusOK || a.body != `{"buttons":[],"groupSpeedDial":true,"canSubscribeToPresence":true}` {
		t.Fatalf("GET before any: %d %s", a.status, a.body)
	}
	if a = clerk.send("GET", path, "", "", "Accept", "text/xml"); a.status != http.StatusNotAcceptable {
		t.Fatalf("GET as XML: %d %s", a.status, a.body)
	}
	a = clerk.send("PUT", path, "application/json", `{"buttons": [{"label": "Boss", "number": "1001", "blf": true},
		{"label": "Support", "number": "support@example.com"}, {"number": "+3312345678"}], "groupSpeedDial": false, "updatePhones": true}`)
	if a.status != http.StatusOK {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	if got := speedDials(t, env.DB, "clerk"); got != "own:Boss=1001+blf,Support=support@example.com,=+3312345678" {
		t.Fatalf("stored %q", got)
	}
	a = clerk.send("GET", path, "", "")
	if a.status != http.StatusOK || a.body != `{"buttons":[{"label":"Boss","number":"1001","blf":true},{"label":"Support","number":"support@example.com","blf":false},{"label":"","number":"+3312345678","blf":false}],"groupSpeedDial":false,"canSubscribeToPresence":true}` {
		t.Fatalf("GET: %d %s", a.status, a.body)
	}
	// Refusals name the button and the rule; nothing changes.
	for _, tc := range []struct{ body, want string }{
		{`{"buttons": [{"label": "ok", "number": "1"}, {"label": "bad", "number": "12; drop"}]}`, "buttons[1].number"},
		{`{"buttons": [{"label": "no number"}]}`, "buttons[0].number"},
		{`{"buttons": [{"label": "` + strings.Repeat("x", 65) + `", "number": "1"}]}`, "buttons[0].label"},
		{`{"buttons": "none"}`, "buttons"},
		{`{"buttons": [{"number": "1", "blf": "sometimes"}]}`, "buttons[0].blf"},
		{`{"buttons": [` + strings.Repeat(`{"number": "1"},`, 136) + `{"number": "2"}]}`, "buttons"},
	} {
		if a = clerk.send("PUT", path, "application/json", tc.body); a.status != http.StatusBadRequest || !strings.Contains(a.body, tc.want) {
			t.Fatalf("PUT %.60s: %d %s, want 400 naming %s", tc.body, a.status, a.body, tc.want)
		}
	}
	if a = clerk.send("PUT", path, "application/json", `{"buttons": [`); a.status != http.StatusBadRequest {
		t.Fatalf("malformed JSON: %d %s", a.status, a.body)
	}
	if got := speedDials(t, env.DB, "clerk"); got != "own:Boss=1001+blf,Support=support@example.com,=+3312345678" {
		t.Fatalf("stored after the refusals %q", got)
	}

	// Without subscribe-to-presence BLF cannot be turned on: Boss keeps its BLF, Support
	// and the new button get none.
	var clerkID int
	if err := env.DB.Get(&clerkID, `SELECT id FROM users WHERE loginclient = 'clerk'`); err != nil {
		t.Fatal(err)
	}
	boss := newSipx(t, env, "boss", "bosspin1")
	boss.send("PUT", "/sipxconfig/rest/user-permission/"+strconv.Itoa(clerkID), "text/xml",
		`<user><permissions><setting><name>subscribe-to-presence</name><value>DISABLE</value></setting></permissions></user>`).envelope(t, http.StatusOK, "SUCCESS_UPDATED")
	a = clerk.send("PUT", path, "application/json", `{"buttons": [{"label": "Boss", "number": "1001", "blf": true},
		{"label": "Support", "number": "support@example.com", "blf": true}, {"label": "New", "number": "1002", "blf": true}]}`)
	if a.status != http.StatusOK {
		t.Fatalf("PUT without the permission: %d %s", a.status, a.body)
	}
	if got := speedDials(t, env.DB, "clerk"); got != "own:Boss=1001+blf,Support=support@example.com,New=1002" {
		t.Fatalf("stored without the permission %q", got)
	}
	if a = clerk.send("GET", path, "", ""); !strings.HasSuffix(a.body, `"groupSpeedDial":false,"canSubscribeToPresence":false}`) {
		t.Fatalf("GET without the permission: %d %s", a.status, a.body)
	}

	// Back to the group's list; the boss's speed dials were never touched.
	if a = clerk.send("PUT", path, "application/json", `{"groupSpeedDial": true}`); a.status != http.StatusOK {
		t.Fatalf("PUT groupSpeedDial: %d %s", a.status, a.body)
	}
	if got := speedDials(t, env.DB, "clerk"); got != "group:" {
		t.Fatalf("stored after groupSpeedDial %q", got)
	}
	if got := speedDials(t, env.DB, "boss"); got != "group:" {
		t.Fatalf("the boss's %q", got)
	}
	// The role matrix: no credentials → 401 with both challenges; POST is not offered.
	anon := newSipx(t, env, "", "")
	if a = anon.send("GET", path, "", ""); a.status != http.StatusUnauthorized || len(a.header.Values("WWW-Authenticate")) != 2 {
		t.Fatalf("anonymous: %d %v", a.status, a.header)
	}
	if a = clerk.send("POST", path, "application/json", `{}`); a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "GET, PUT, OPTIONS" {
		t.Fatalf("POST: %d %v", a.status, a.header)
	}
}
