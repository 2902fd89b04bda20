package xivo_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"pbxws/tests/testenv"
	wsclient "pbxws/ws-client"
)

// xivo-ws-wire §8 I4, I5 through the Go client: an outcall over two SIP trunks with two dial
// patterns sent column-wise in reverse order with a sentinel (stored as two patterns), and
// one with no pattern at all; both listed with int ids, then deleted.
func TestOutcallsThroughTheClient(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx"}, false)
	setupContexts(newLocal(t, env))
	ctx := context.Background()
	c := wsclient.New("localhost", "admin", "secret", wsclient.WithBaseURL(env.HTTPURL))
	t1, err := c.SIPTrunks().RawAdd(ctx, wsclient.SIPTrunkBody(wsclient.SIPTrunk{Name: "t1", Context: "from-extern", Host: "10.54.4.10"}))
	if err != nil {
		t.Fatal(err)
	}
	t2, err := c.SIPTrunks().RawAdd(ctx, wsclient.SIPTrunkBody(wsclient.SIPTrunk{Name: "t2", Context: "from-extern"}))
	if err != nil {
		t.Fatal(err)
	}
	body, err := wsclient.OutcallBody(wsclient.Outcall{Name: "o1", Context: "to-extern", Trunks: []any{mustAtoi(t1), mustAtoi(t2)},
		Extens: []wsclient.OutcallExten{{Exten: "NXXNXXXXXX"}, {Exten: "911", StripNum: 1, CallerID: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	o1, err := c.Outcalls().RawAdd(ctx, body)
	if err != nil {
		t.Fatalf("I4: %v", err)
	}
	var got []string
	if err := env.DB.Select(&got, `SELECT exten || '/' || stripnum || '/' || callerid FROM dial_patterns WHERE outcall_id = $1 ORDER BY position`, o1); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "911/1/x NXXNXXXXXX/0/" {
		t.Fatalf("I4 stored patterns %v, want the two sent (sentinel dropped)", got)
	}
	if n := count(t, env, `SELECT count(*) FROM outcall_trunks WHERE outcall_id = $1`, o1); n != 2 {
		t.Fatalf("I4 %d trunks stored", n)
	}
	body, _ = wsclient.OutcallBody(wsclient.Outcall{Name: "o2", Context: "to-extern", Trunks: []any{t2}})
	if _, ok := body["dialpattern"]; ok {
		t.Fatal("I5: the client sent dialpattern")
	}
	o2, err := c.Outcalls().RawAdd(ctx, body)
	if err != nil {
		t.Fatalf("I5: %v", err)
	}
	all, err := wsclient.ListTyped(ctx, c.Outcalls(), wsclient.ParseOutcall)
	if err != nil || len(all) != 2 || all[0].Name != "o1" || strconv.Itoa(all[0].ID) != o1 || all[0].Context != "to-extern" {
		t.Fatalf("I4 list: %v %v", all, err)
	}
	if found, err := wsclient.SearchTyped(ctx, c.Outcalls(), "o2", wsclient.ParseOutcall); err != nil || len(found) != 1 {
		t.Fatalf("search: %v %v", found, err)
	}
	if err := c.Outcalls().Delete(ctx, o2); err != nil {
		t.Fatalf("I5 delete: %v", err)
	}
	if err := c.Outcalls().DeleteIfExists(ctx, o2); err != nil {
		t.Fatalf("K3: %v", err)
	}
	if n := count(t, env, `SELECT count(*) FROM outcalls`); n != 1 {
		t.Fatalf("%d outcalls after delete", n)
	}
}

const outcallAdd = `{"outcall": {"name": "national", "context": "to-extern", "description": "France"},
	"outcalltrunk": [1, "2"],
	"dialpattern": {"exten": ["_0XXXXXXXXX", "_00.", ""], "stripnum": ["1", 0, ""], "prefix": ["", "", ""],
		"externprefix": ["0033", "", ""], "callerid": ["Acme", "", ""], "id": ["0", "0", ""]}}`

// A view shows the trunks in order and the patterns; an edit naming only the description
// keeps them; a pattern list replaces them; the view posted back changes nothing. A trunk
// an outcall uses cannot be deleted (405 naming the outcall) until the outcall goes.
func TestOutcallViewEditAndTrunksInUse(t *testing.T) {
	env := testenv.Start(t)
	l := newLocal(t, env)
	setupContexts(l)
	l.must("trunk_management/sip/", "act=add", `{"protocol": {"name": "t1", "context": "from-extern"}, "trunkfeatures": {}}`)
	l.must("trunk_management/custom/", "act=add", `{"protocol": {"name": "c1", "interface": "dahdi/g1"}, "trunkfeatures": {}}`)
	if id := l.must("call_management/outcall/", "act=add", outcallAdd); id != "\"1\"\n" {
		t.Fatalf("add answered %q", id)
	}
	v := l.object("call_management/outcall/", "act=view&id=1")
	trunks, _ := v["outcalltrunk"].([]any)
	pats, _ := v["dialpattern"].([]any)
	if len(trunks) != 2 || trunks[1].(map[string]any)["name"] != "c1" || trunks[1].(map[string]any)["protocol"] != "custom" || len(pats) != 2 {
		t.Fatalf("view %v", v)
	}
	if p := pats[0].(map[string]any); p["exten"] != "_0XXXXXXXXX" || p["stripnum"] != "1" || p["externprefix"] != "0033" || p["callerid"] != "Acme" {
		t.Fatalf("view pattern %v", p)
	}
	l.must("call_management/outcall/", "act=edit&id=1", `{"outcall": {"description": "Metropolitan France"}}`)
	if n := count(t, env, `SELECT count(*) FROM outcalls o WHERE description = 'Metropolitan France' AND name = 'national'
		AND (SELECT count(*) FROM outcall_trunks WHERE outcall_id = o.id) = 2 AND (SELECT count(*) FROM dial_patterns WHERE outcall_id = o.id) = 2`); n != 1 {
		t.Fatal("an edit of the description lost the trunks or the patterns")
	}
	// The view posted back as an edit keeps everything.
	l.must("call_management/outcall/", "act=edit&id=1", mustJSON(l.object("call_management/outcall/", "act=view&id=1")))
	var before string
	_ = env.DB.Get(&before, `SELECT string_agg(exten || stripnum || externprefix || callerid, ',' ORDER BY position) FROM dial_patterns`)
	if before != "_0XXXXXXXXX10033Acme,_00.0" {
		t.Fatalf("after the view posted back: %s", before)
	}
	l.must("call_management/outcall/", "act=edit&id=1", `{"dialpattern": [{"exten": "_112", "prefix": "9"}], "outcalltrunk": [2]}`)
	if n := count(t, env, `SELECT count(*) FROM dial_patterns WHERE outcall_id = 1 AND exten = '_112' AND prefix = '9'`); n != 1 ||
		count(t, env, `SELECT count(*) FROM dial_patterns`) != 1 || count(t, env, `SELECT count(*) FROM outcall_trunks WHERE trunk_id = 2`) != 1 ||
		count(t, env, `SELECT count(*) FROM outcall_trunks`) != 1 {
		t.Fatal("lists given in an edit did not replace the stored ones")
	}
	st, out := l.do("trunk_management/custom/", "act=delete&id=2", "")
	if st != http.StatusMethodNotAllowed || !strings.Contains(out, "outcall national") {
		t.Fatalf("delete of a trunk in use: %d %s", st, out)
	}
	if st, _ := l.do("trunk_management/sip/", "act=deleteall", ""); st != http.StatusOK {
		t.Fatalf("deleteall of SIP trunks none of which is used: %d", st)
	}
	if count(t, env, `SELECT count(*) FROM trunks`) != 1 {
		t.Fatal("a trunk in use was deleted")
	}
	if rows := l.rows("call_management/outcall/", "act=search&search=metropolitan"); len(rows) != 1 || rows[0]["id"] != float64(1) {
		t.Fatalf("search by description: %v", rows)
	}
	l.must("call_management/outcall/", "act=delete&id=1", "")
	if st, _ := l.do("call_management/outcall/", "act=view&id=1", ""); st != http.StatusNotFound {
		t.Fatalf("view of a deleted outcall: %d", st)
	}
	if count(t, env, `SELECT count(*) FROM dial_patterns`)+count(t, env, `SELECT count(*) FROM outcall_trunks`) != 0 {
		t.Fatal("the outcall's parts outlived it")
	}
	l.must("trunk_management/custom/", "act=delete&id=2", "")
	if st, _ := l.do("call_management/outcall/", "act=deleteall", ""); st != http.StatusNoContent {
		t.Fatalf("deleteall of none: %d", st)
	}
}

// Bad outcalls are 400 naming the field, and nothing is written.
func TestOutcallBadInputIs400NamingTheField(t *testing.T) {
	env := testenv.Start(t)
	l := newLocal(t, env)
	setupContexts(l)
	l.must("trunk_management/sip/", "act=add", `{"protocol": {"name": "t1", "context": "from-extern"}, "trunkfeatures": {}}`)
	l.must("call_management/outcall/", "act=add", `{"outcall": {"name": "taken", "context": "to-extern"}, "outcalltrunk": [1]}`)
	state := func() string {
		var s string
		_ = env.DB.Get(&s, `SELECT (SELECT count(*) FROM outcalls) || '/' || (SELECT count(*) FROM outcall_trunks) || '/' ||
			(SELECT count(*) FROM dial_patterns) || '/' || (SELECT string_agg(name || context, ',') FROM outcalls)`)
		return s
	}
	before := state()
	oc := func(dp string) string {
		return `{"outcall": {"name": "o", "context": "to-extern"}, "outcalltrunk": [1], "dialpattern": ` + dp + `}`
	}
	for _, tc := range []struct{ body, field string }{
		{`{"outcalltrunk": [1]}`, "outcall"},
		{`{"outcall": {"context": "to-extern"}, "outcalltrunk": [1]}`, "outcall.name"},
		{`{"outcall": {"name": "taken", "context": "to-extern"}, "outcalltrunk": [1]}`, "outcall.name"},
		{`{"outcall": {"name": "o", "context": "nowhere"}, "outcalltrunk": [1]}`, "outcall.context"},
		{`{"outcall": {"name": "o\nx", "context": "to-extern"}, "outcalltrunk": [1]}`, "outcall.name"},
		{`{"outcall": {"name": "o", "context": "to-extern", "hangupringtime": "soon"}, "outcalltrunk": [1]}`, "outcall.hangupringtime"},
		{`{"outcall": {"name": "o", "context": "to-extern"}}`, "outcalltrunk"},
		{`{"outcall": {"name": "o", "context": "to-extern"}, "outcalltrunk": []}`, "outcalltrunk"},
		{`{"outcall": {"name": "o", "context": "to-extern"}, "outcalltrunk": [1, 99]}`, "outcalltrunk[1]"},
		{`{"outcall": {"name": "o", "context": "to-extern"}, "outcalltrunk": [1, 1]}`, "outcalltrunk[1]"},
		{`{"outcall": {"name": "o", "context": "to-extern"}, "outcalltrunk": ["one"]}`, "outcalltrunk[0]"},
		{`{"outcall": {"name": "o", "context": "to-extern"}, "outcalltrunk": 1}`, "outcalltrunk"},
		{oc(`{"exten": ["_0X;X", ""]}`), "dialpattern[0].exten"},
		{oc(`{"exten": ["", ""], "callerid": ["x", ""]}`), "dialpattern[0].exten"},
		{oc(`{"exten": ["_0X", "_0X", ""]}`), "dialpattern[1].exten"},
		{oc(`{"exten": ["_0X", ""], "stripnum": ["x", ""]}`), "dialpattern[0].stripnum"},
		{oc(`{"exten": ["_0X", ""], "stripnum": [99, ""]}`), "dialpattern[0].stripnum"},
		{oc(`{"exten": ["_0X", ""], "prefix": ["abc", ""]}`), "dialpattern[0].prefix"},
		{oc(`{"exten": ["_0X", ""], "callerid": ["` + strings.Repeat("c", 81) + `", ""]}`), "dialpattern[0].callerid"},
		{oc(`[{"exten": "` + strings.Repeat("1", 41) + `"}]`), "dialpattern[0].exten"},
		{oc(`"_0X"`), "dialpattern"},
		{oc(`{"exten": [` + strings.TrimSuffix(strings.Repeat(`"_1X",`, 501), ",") + `]}`), "dialpattern"},
	} {
		l.wantField("call_management/outcall/", "act=add", tc.body, tc.field)
	}
	l.wantField("call_management/outcall/", "act=edit&id=1", `{"outcalltrunk": [7]}`, "outcalltrunk[0]")
	l.wantField("call_management/outcall/", "act=edit&id=1", `{"outcall": {"name": "renamed", "context": "nowhere"}}`, "outcall.context")
	if st, _ := l.do("call_management/outcall/", "act=edit&id=9", `{"outcall": {"name": "x"}}`); st != http.StatusNotFound {
		t.Fatalf("edit unknown: %d", st)
	}
	if after := state(); after != before {
		t.Fatalf("refused writes changed the database: %s, was %s", after, before)
	}
}

// A context that a trunk, an outcall or a parking lot still uses cannot be deleted (405,
// saying which table uses it: a parking lot through its number in extensions), and a renamed context follows into them.
func TestContextsUsedByTrunksOutcallsAndParkingLots(t *testing.T) {
	env := testenv.Start(t)
	l := newLocal(t, env)
	setupContexts(l)
	l.must("trunk_management/sip/", "act=add", `{"protocol": {"name": "t1", "context": "from-extern"}, "trunkfeatures": {}}`)
	l.must("call_management/outcall/", "act=add", `{"outcall": {"name": "o1", "context": "to-extern"}, "outcalltrunk": [1]}`)
	l.must("pbx_services/parkinglot/", "act=add", `{"name": "p1", "context": "default", "extension": "700", "positions": 10}`)
	for ctx, table := range map[string]string{"from-extern": "trunks", "to-extern": "outcalls", "default": "extensions"} {
		st, out := l.do("system_management/context/", "act=delete&id="+ctx, "")
		if st != http.StatusMethodNotAllowed || !strings.Contains(out, table) {
			t.Errorf("delete %s: %d %s, want 405 naming %s", ctx, st, out, table)
		}
	}
	l.must("system_management/context/", "act=edit&id=to-extern", `{"context": {"name": "outgoing"}}`)
	if n := count(t, env, `SELECT count(*) FROM outcalls WHERE context = 'outgoing'`); n != 1 {
		t.Fatal("the outcall did not follow its context's rename")
	}
}
