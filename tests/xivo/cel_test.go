package xivo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
	wsclient "pbxws/ws-client"
)

const celPath = "/service/ipbx/json.php/restricted/call_management/cel/"

// asterisk writes CEL rows the way cel_pgsql does: an INSERT naming its columns, id left to
// the sequence.
func asterisk(t *testing.T, env *testenv.Env, eventtime, eventtype, context, uniqueid string, amaflags int) {
	t.Helper()
	if _, err := env.DB.Exec(`INSERT INTO cel (eventtype, eventtime, userdeftype, cid_name, cid_num, cid_ani,
		cid_rdnis, cid_dnid, exten, context, channame, appname, appdata, amaflags, accountcode, peeraccount,
		uniqueid, linkedid, userfield, peer, extra)
		VALUES ($1, $2, '', 'Jack', '1001', '1001', '', '', '1002', $3, 'SIP/line1-00000001', 'Dial', 'SIP/line2',
		$4, '', '', $5, $5, '', '', '')`, eventtype, eventtime, context, amaflags, uniqueid); err != nil {
		t.Fatal(err)
	}
}

func TestCELSearchByIDAndByDate(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx"}, false)
	c := newClient(t, env)
	c.user, c.pass = "admin", "secret"
	ctx := context.Background()
	ws := wsclient.New("localhost", "admin", "secret", wsclient.WithBaseURL(env.HTTPURL))

	// An empty log: searchid answers [] (xivo-ws parses it), a date search 204.
	if evs, err := ws.CELs(ctx, 0); err != nil || len(evs) != 0 {
		t.Fatalf("empty log through the client: %v %v", evs, err)
	}
	if st, _, body := c.do("GET", celPath, "act=searchid&idbeg=0", nil); st != 200 || string(body) != "[]" {
		t.Fatalf("empty searchid: %d %q", st, body)
	}
	if st, _, body := c.do("GET", celPath, "dbeg=2012-02-28", nil); st != http.StatusNoContent || len(body) != 0 {
		t.Fatalf("empty date search: %d %q", st, body)
	}

	asterisk(t, env, "2012-02-27 23:59:59.999999", "CHAN_START", "default", "a1", 0)
	asterisk(t, env, "2012-02-28 00:00:00", "CHAN_START", "default", "b1", 3)
	asterisk(t, env, "2012-02-28 10:15:30.5", "ANSWER", "Default", "b1", 2)
	asterisk(t, env, "2012-02-29 08:00:00", "HANGUP", "other", "c1", 1)
	asterisk(t, env, "2012-03-01 00:00:00", "HANGUP", "default", "d1", 0)
	asterisk(t, env, "2013-01-01 00:00:00", "HANGUP", "default", "e1", 0)

	// searchid: strictly after idbeg, in id order, every key, through the client too.
	evs, err := ws.CELs(ctx, 2)
	if err != nil || len(evs) != 4 || evs[0]["id"] != "3" || evs[3]["id"] != "6" {
		t.Fatalf("searchid idbeg=2: %v %v", evs, err)
	}
	if evs[0]["eventtime"] != "2012-02-28 10:15:30.5" || evs[0]["amaflags"] != "2" || evs[0]["uniqueid"] != "b1" {
		t.Fatalf("searchid row: %v", evs[0])
	}
	if _, has := evs[0]["amaflagsmeta"]; has {
		t.Fatal("searchid rows carry amaflagsmeta")
	}
	if got := ids(t, c, "act=searchid&idbeg=0&limit=2"); got != "1,2" {
		t.Fatalf("searchid limit 2: %s", got)
	}

	// Date searches in every documented form; periods are whole (a year, a month, a day).
	for _, tc := range []struct{ q, want string }{
		{"dbeg=2012-02-28&dend=2012-02-28", "2,3"},
		{"act=search&dbeg=2012-02-28&dend=2012-02-29", "2,3,4"},
		{"act=searchdb&dbeg=2012-2-28&dend=2012-2-28", "2,3"},
		{"dbeg=2012-02&dend=2012-02", "1,2,3,4"},
		{"dbeg=2012&dend=2012", "1,2,3,4,5"},
		{"dbeg=2012-02-28 10:00:00&dend=2012-02-28 10:15:30", "3"},
		{"dbeg=2012-02-28&dend=2012-02-28&dcontext=DEFAULT", "2,3"},
		{"dbeg=2012&dend=2012&amaflags=billing", "3"},
		{"dbeg=2012&limit=2", "1,2"},
		{"dbeg=2013", "6"},
	} {
		if got := ids(t, c, tc.q); got != tc.want {
			t.Errorf("%s: ids %s, want %s", tc.q, got, tc.want)
		}
	}
	// Each date-search row names its AMA flags.
	st, _, body := c.do("GET", celPath, "dbeg=2012-02-28&dend=2012-02-28", nil)
	var rows []map[string]any
	if st != 200 || json.Unmarshal(body, &rows) != nil || len(rows) != 2 || rows[0]["amaflagsmeta"] != "documentation" || rows[1]["amaflagsmeta"] != "billing" || len(rows[0]) != 22 {
		t.Fatalf("amaflagsmeta: %d %s", st, body)
	}
	// The seed document's own examples.
	if got := ids(t, c, "act=searchid&idbeg=200"); got != "" {
		t.Fatalf("idbeg=200: %s", got)
	}
	if got := ids(t, c, "dbeg=2012-02-28"); got != "2,3,4,5,6" { // to the end of today
		t.Fatalf("dbeg=2012-02-28 alone: %s", got)
	}

	// Bad input: 400 naming the parameter and the rule; nothing else happens.
	tomorrow := time.Now().AddDate(0, 0, 1).Format("2006-01-02")
	for _, tc := range []struct{ q, field string }{
		{"act=searchid", "idbeg"},
		{"act=searchid&idbeg=abc", "idbeg"},
		{"act=searchid&idbeg=-1", "idbeg"},
		{"act=searchid&idbeg=1&limit=0", "limit"},
		{"act=searchid&idbeg=1&limit=100000000", "limit"},
		{"act=search", "dbeg"},
		{"dbeg=yesterday", "dbeg"},
		{"dbeg=2012-02-30", "dbeg"},
		{"dbeg=2012-13", "dbeg"},
		{"dbeg=2012-02-28 25:00:00", "dbeg"},
		{"dbeg=" + tomorrow, "dbeg"},
		{"dbeg=2012-02-28&dend=2012-02-27", "dend"},
		{"dbeg=2012-02-28&dend=someday", "dend"},
		{"dbeg=2012&dcontext=no%20such%20context", "dcontext"},
		{"dbeg=2012&amaflags=sometimes", "amaflags"},
		{"dbeg=2012&limit=5001", "limit"},
		{"dbeg=20%0d%0a12", "dbeg"},
	} {
		st, _, body := c.do("GET", celPath, tc.q, nil)
		var e struct {
			Fields map[string]string `json:"fields"`
		}
		if st != http.StatusBadRequest || json.Unmarshal(body, &e) != nil || e.Fields[tc.field] == "" {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.q, st, body, tc.field)
		}
	}
	var n int
	if err := env.DB.Get(&n, `SELECT count(*) FROM cel`); err != nil || n != 6 {
		t.Fatalf("%d rows after the searches (%v)", n, err)
	}
	// Ids are ordered as numbers, not as the text they are sent as (10 after 9).
	for i := 0; i < 6; i++ {
		asterisk(t, env, "2013-01-02 00:00:00", "HANGUP", "default", fmt.Sprint("f", i), 0)
	}
	if got := ids(t, c, "act=searchid&idbeg=7"); got != "8,9,10,11,12" {
		t.Fatalf("searchid idbeg=7: %s", got)
	}
	if got := ids(t, c, "dbeg=2013-01-02&dend=2013-01-02"); got != "7,8,9,10,11,12" {
		t.Fatalf("a day's events by time then id: %s", got)
	}
}

// ids runs a CEL query and returns the ids it answered, comma-separated ("" for 204 or []).
func ids(t *testing.T, c *xc, q string) string {
	t.Helper()
	u, _ := url.ParseQuery(q)
	st, _, body := c.do("GET", celPath, u.Encode(), nil)
	if st == http.StatusNoContent {
		return ""
	}
	var rows []map[string]any
	if st != 200 || json.Unmarshal(body, &rows) != nil {
		t.Fatalf("%s: %d %s", q, st, body)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprint(r["id"])
	}
	return strings.Join(out, ",")
}
