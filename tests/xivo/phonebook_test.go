package xivo_test

import (
	"net/http"
	"strings"
	"testing"

	"pbxws/tests/testenv"
)

const pbAdd = `{"phonebook": {"title": "mrs", "displayname": "Alice Martin", "firstname": "Alice", "lastname": "Martin", "society": "Acme", "email": "alice@acme.example"},
	"phonebooknumber": {"office": "0141389960", "mobile": "+33612345678", "fax": ""},
	"phonebookaddress": {"office": {"address1": "10 rue Voilin", "city": "Puteaux", "zipcode": "92800", "country": "FR"}, "home": {}}}`

// phonebookState is the phonebook as stored, to compare before and after.
func phonebookState(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var s string
	if err := env.DB.Get(&s, `SELECT coalesce((SELECT string_agg(id || displayname || title || email, ',' ORDER BY id) FROM phonebook), '') || '/' ||
		coalesce((SELECT string_agg(phonebook_id || type || number, ',' ORDER BY phonebook_id, type) FROM phonebook_numbers), '') || '/' ||
		coalesce((SELECT string_agg(phonebook_id || type || address1 || city || zipcode || country, ',' ORDER BY phonebook_id, type) FROM phonebook_addresses), '')`); err != nil {
		t.Fatal(err)
	}
	return s
}

// Every act of pbx_services/phonebook: a contact with numbers and an address is added,
// listed, found by name, number, address or society, viewed; edits change one number or
// one address field and keep the rest; delete and deleteall.
func TestPhonebookActs(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx/pbx_services/phonebook"}, false)
	c := newClient(t, env)
	c.user, c.pass = "admin", "secret"
	const path = "/service/ipbx/json.php/restricted/pbx_services/phonebook/"
	if st, _, body := c.do("POST", path, "act=add", []byte(pbAdd)); st != http.StatusOK || string(body) != "\"1\"\n" {
		t.Fatalf("add: %d %q", st, body)
	}
	if got := phonebookState(t, env); got != "1Alice Martinmrsalice@acme.example/1mobile+33612345678,1office0141389960/1office10 rue VoilinPuteaux92800FR" {
		t.Fatalf("stored %s", got)
	}
	if st, _, _ := c.do("POST", path, "act=add", []byte(`{"phonebook": {"displayname": "Bob"}, "phonebooknumber": {"home": "0478000000"}}`)); st != http.StatusOK {
		t.Fatal("second add")
	}
	if rows := c.list(path, "act=list"); len(rows) != 2 || rows[0]["phonebook"].(map[string]any)["displayname"] != "Alice Martin" {
		t.Fatalf("list: %v", rows)
	}
	for term, want := range map[string]int{"alice": 1, "612345": 1, "puteaux": 1, "acme": 1, "0478": 1, "nomatch": 0} {
		if rows := c.list(path, "act=search&search="+term); len(rows) != want {
			t.Errorf("search %s: %d results, want %d", term, len(rows), want)
		}
	}
	v := c.object(path, "act=view&id=1")
	if v["phonebooknumber"].(map[string]any)["office"] != "0141389960" || v["phonebookaddress"].(map[string]any)["office"].(map[string]any)["city"] != "Puteaux" {
		t.Fatalf("view: %v", v)
	}
	// The view posted back changes nothing.
	before := phonebookState(t, env)
	if st, _, body := c.do("POST", path, "act=edit&id=1", []byte(mustJSON(v))); st != http.StatusOK {
		t.Fatalf("view posted back: %d %s", st, body)
	}
	if got := phonebookState(t, env); got != before {
		t.Fatalf("view posted back changed %s into %s", before, got)
	}
	for _, body := range []string{`{"phonebooknumber": {"mobile": "0699999999", "office": ""}}`, `{"phonebookaddress": {"office": {"city": "Paris"}}}`, `{"phonebook": {"society": "Acme SA"}}`} {
		if st, _, out := c.do("POST", path, "act=edit&id=1", []byte(body)); st != http.StatusOK {
			t.Fatalf("edit %s: %d %s", body, st, out)
		}
	}
	if n := count(t, env, `SELECT count(*) FROM phonebook p WHERE id = 1 AND society = 'Acme SA' AND firstname = 'Alice'
		AND (SELECT string_agg(type || number, ',') FROM phonebook_numbers WHERE phonebook_id = 1) = 'mobile0699999999'
		AND EXISTS (SELECT 1 FROM phonebook_addresses WHERE phonebook_id = 1 AND city = 'Paris' AND address1 = '10 rue Voilin')`); n != 1 {
		t.Fatalf("after edits: %s", phonebookState(t, env))
	}
	for _, q := range []string{"act=view&id=9", "act=delete&id=9"} {
		if st, _, _ := c.do("GET", path, q, nil); st != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", q, st)
		}
	}
	if st, _, _ := c.do("POST", path, "act=edit&id=9", []byte(`{"phonebook": {"society": "x"}}`)); st != http.StatusNotFound {
		t.Errorf("edit unknown: %d", st)
	}
	if st, _, _ := c.do("GET", path, "act=delete&id=2", nil); st != http.StatusOK || count(t, env, `SELECT count(*) FROM phonebook_numbers WHERE phonebook_id = 2`) != 0 {
		t.Fatal("delete")
	}
	if st, _, _ := c.do("GET", path, "act=deleteall", nil); st != http.StatusOK || count(t, env, `SELECT count(*) FROM phonebook`) != 0 {
		t.Fatal("deleteall")
	}
	if st, _, _ := c.do("GET", path, "act=deleteall", nil); st != http.StatusNoContent {
		t.Fatalf("deleteall of none: %d", st)
	}
}

// Bad contacts are 400 naming the field, and the phonebook is unchanged.
func TestPhonebookBadInputIs400NamingTheField(t *testing.T) {
	env := testenv.Start(t)
	l := newLocal(t, env)
	l.must("pbx_services/phonebook/", "act=add", pbAdd)
	before := phonebookState(t, env)
	for _, tc := range []struct{ body, field string }{
		{`{"phonebooknumber": {"office": "01"}}`, "phonebook"},
		{`{"phonebook": {"firstname": "A"}}`, "phonebook.displayname"},
		{`{"phonebook": {"displayname": "A", "title": "dr"}}`, "phonebook.title"},
		{`{"phonebook": {"displayname": "A", "email": "not-an-address"}}`, "phonebook.email"},
		{`{"phonebook": {"displayname": "A\nB"}}`, "phonebook.displayname"},
		{`{"phonebook": {"displayname": "` + strings.Repeat("a", 65) + `"}}`, "phonebook.displayname"},
		{`{"phonebook": {"displayname": "A", "description": "` + strings.Repeat("d", 1001) + `"}}`, "phonebook.description"},
		{`{"phonebook": {"displayname": "A"}, "phonebooknumber": {"mobile": "06 12"}}`, "phonebooknumber.mobile"},
		{`{"phonebook": {"displayname": "A"}, "phonebooknumber": {"pager": "0612"}}`, "phonebooknumber.pager"},
		{`{"phonebook": {"displayname": "A"}, "phonebooknumber": {"office": ["01"]}}`, "phonebooknumber.office"},
		{`{"phonebook": {"displayname": "A"}, "phonebooknumber": "0612"}`, "phonebooknumber"},
		{`{"phonebook": {"displayname": "A"}, "phonebookaddress": {"office": {"country": "France"}}}`, "phonebookaddress.office.country"},
		{`{"phonebook": {"displayname": "A"}, "phonebookaddress": {"office": {"zipcode": "92 800"}}}`, "phonebookaddress.office.zipcode"},
		{`{"phonebook": {"displayname": "A"}, "phonebookaddress": {"home": {"city": "a\r\nb"}}}`, "phonebookaddress.home.city"},
		{`{"phonebook": {"displayname": "A"}, "phonebookaddress": {"work": {"city": "Paris"}}}`, "phonebookaddress.work"},
		{`{"phonebook": {"displayname": "A"}, "phonebookaddress": {"home": "Paris"}}`, "phonebookaddress.home"},
	} {
		l.wantField("pbx_services/phonebook/", "act=add", tc.body, tc.field)
	}
	l.wantField("pbx_services/phonebook/", "act=edit&id=1", `{"phonebooknumber": {"office": "x"}}`, "phonebooknumber.office")
	l.wantField("pbx_services/phonebook/", "act=edit&id=1", `{"phonebook": {"displayname": ""}}`, "phonebook.displayname")
	if after := phonebookState(t, env); after != before {
		t.Fatalf("refused writes changed the phonebook: %s, was %s", after, before)
	}
}
