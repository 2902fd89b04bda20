package xivo_test

import (
	"net/http"
	"strings"
	"testing"

	"pbxws/tests/testenv"
)

const parkingPath = "/service/ipbx/json.php/restricted/pbx_services/parkinglot"

// The seed's parking lot example (routed here, unlike the original): added, listed, viewed,
// its number held in the extensions table of its context; an edit keeps what it does not
// name and moves the number; a delete frees it.
func TestParkingLotSeedExampleAndNumber(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx"}, false)
	setupContexts(newLocal(t, env))
	c := newClient(t, env)
	c.user, c.pass = "admin", "secret"
	st, _, body := c.do("POST", parkingPath, "act=add", []byte(`{"name": "myparkinglot", "context": "default", "extension": 700, "positions": 10, "next": 1, "commented": 0}`))
	if st != http.StatusOK || string(body) != "\"1\"\n" {
		t.Fatalf("seed add: %d %q", st, body)
	}
	rows := c.list(parkingPath, "act=list")
	if len(rows) != 1 || rows[0]["extension"] != "700" || rows[0]["positions"] != "10" || rows[0]["next"] != true || rows[0]["commented"] != false || rows[0]["id"] != float64(1) {
		t.Fatalf("list: %v", rows)
	}
	if v := c.object(parkingPath, "act=view&id=1"); v["name"] != "myparkinglot" || v["duration"] != "45" {
		t.Fatalf("view: %v", v)
	}
	if n := count(t, env, `SELECT count(*) FROM extensions WHERE context = 'default' AND exten = '700' AND type = 'parking' AND typeval = '1'`); n != 1 {
		t.Fatal("the parking lot's number is not in the extensions table")
	}
	// The seed's edit URL has no id: no object.
	if st, _, _ := c.do("POST", parkingPath, "act=edit", []byte(`{"positions": 20}`)); st != http.StatusNotFound {
		t.Fatalf("edit without id: %d", st)
	}
	if st, _, body := c.do("POST", parkingPath, "act=edit&id=1", []byte(`{"positions": 20, "extension": "701"}`)); st != http.StatusOK {
		t.Fatalf("edit: %d %s", st, body)
	}
	if n := count(t, env, `SELECT count(*) FROM parking_lots WHERE positions = 20 AND number = '701' AND next AND name = 'myparkinglot'`); n != 1 {
		t.Fatal("the edit lost a field")
	}
	if n := count(t, env, `SELECT count(*) FROM extensions WHERE type = 'parking' AND exten = '701'`); n != 1 || count(t, env, `SELECT count(*) FROM extensions WHERE exten = '700'`) != 0 {
		t.Fatal("the extensions table did not follow the new number")
	}
	if rows := c.list(parkingPath, "act=search&search=myparking"); len(rows) != 1 {
		t.Fatalf("search: %v", rows)
	}
	if st, _, _ := c.do("GET", parkingPath, "act=delete&id=1", nil); st != http.StatusOK {
		t.Fatalf("delete: %d", st)
	}
	for _, q := range []string{"act=delete&id=1", "act=view&id=1", "act=view"} {
		if st, _, _ := c.do("GET", parkingPath, q, nil); st != http.StatusNotFound {
			t.Fatalf("%s after delete: %d", q, st)
		}
	}
	if count(t, env, `SELECT count(*) FROM extensions WHERE type = 'parking'`) != 0 {
		t.Fatal("the deleted parking lot's number is still taken")
	}
	if st, _, _ := c.do("GET", parkingPath, "act=deleteall", nil); st != http.StatusNoContent {
		t.Fatalf("deleteall of none: %d", st)
	}
}

// Bad parking lots are 400 naming the field (a number another object of the context uses
// among them), and nothing is written.
func TestParkingLotBadInputIs400NamingTheField(t *testing.T) {
	env := testenv.Start(t)
	l := newLocal(t, env)
	setupContexts(l)
	l.must("pbx_settings/users/", "act=add", `{"userfeatures": {"firstname": "A"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1001"]}}`)
	l.must("pbx_services/parkinglot/", "act=add", `{"name": "p1", "context": "default", "extension": "700", "positions": 10}`)
	l.must("pbx_services/parkinglot/", "act=add", `{"name": "p3", "context": "default", "extension": "1500", "positions": 10}`)
	state := func() string {
		var s string
		_ = env.DB.Get(&s, `SELECT (SELECT string_agg(name || context || number || positions, ',') FROM parking_lots) || '/' ||
			(SELECT string_agg(context || exten || type, ',' ORDER BY id) FROM extensions)`)
		return s
	}
	before := state()
	p := func(extra string) string {
		return `{"name": "p2", "context": "default", "extension": "710", "positions": 5` + extra + `}`
	}
	for _, tc := range []struct{ body, field string }{
		{`{"context": "default", "extension": "710", "positions": 5}`, "name"},
		{`{"name": "p1", "context": "default", "extension": "710", "positions": 5}`, "name"},
		{`{"name": "p2\r\n", "context": "default", "extension": "710", "positions": 5}`, "name"},
		{`{"name": "p2", "context": "nowhere", "extension": "710", "positions": 5}`, "context"},
		{`{"name": "p2", "extension": "710", "positions": 5}`, "context"},
		{`{"name": "p2", "context": "default", "positions": 5}`, "extension"},
		{`{"name": "p2", "context": "default", "extension": "7a0", "positions": 5}`, "extension"},
		{`{"name": "p2", "context": "default", "extension": "-70", "positions": 5}`, "extension"},
		{`{"name": "p2", "context": "default", "extension": "700", "positions": 5}`, "extension"},
		{`{"name": "p2", "context": "default", "extension": "1001", "positions": 5}`, "extension"},
		{`{"name": "p2", "context": "default", "extension": "710"}`, "positions"},
		{p(`, "positions": "x"`), "positions"},
		{p(`, "duration": -1`), "duration"},
		{p(`, "next": "sometimes"`), "next"},
		{p(`, "calltransfers": "nobody"`), "calltransfers"},
		{p(`, "callrecording": "all"`), "callrecording"},
		{p(`, "description": "` + strings.Repeat("d", 1001) + `"`), "description"},
		{`[]`, "body"},
	} {
		l.wantField("pbx_services/parkinglot/", "act=add", tc.body, tc.field)
	}
	l.wantField("pbx_services/parkinglot/", "act=edit&id=1", `{"extension": "1001"}`, "extension")
	l.wantField("pbx_services/parkinglot/", "act=edit&id=1", `{"positions": 0}`, "positions")
	// A line cannot take the parking lot's number either.
	if st, out := l.do("pbx_settings/users/", "act=add", `{"userfeatures": {"firstname": "B"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1500"]}}`); st != http.StatusBadRequest || !strings.Contains(out, "number") {
		t.Errorf("a line on the parking lot's number: %d %s", st, out)
	}
	if after := state(); after != before {
		t.Fatalf("refused writes changed the database: %s, was %s", after, before)
	}
}
