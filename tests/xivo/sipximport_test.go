package xivo_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"pbxws/models"
)

// The shared phonebook imports CSV and vCard: POST adds, PUT replaces, every contact valid or
// nothing written; what was imported reads back through sipX and json.php.
func TestSipxPhonebookImport(t *testing.T) {
	env, c := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	const path = "/sipxconfig/rest/phonebook/xivo"
	count := func() int {
		t.Helper()
		var n int
		if err := env.DB.Get(&n, `SELECT count(*) FROM phonebook`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	csv := "\"First name\",\"Last name\",\"Number\",Company\r\n" +
		"\"Ada\",\"Lovelace\",\"1201\",\"Analytical, Ltd\"\r\n" +
		"Grace,\"Hop\\\"per\",+331234,\n"
	a := boss.send("POST", path, "text/comma-separated-values", csv)
	if a.status != http.StatusOK || a.body != "2 entries added to phonebook xivo\n" {
		t.Fatalf("CSV import: %d %q", a.status, a.body)
	}
	var stored string
	if err := env.DB.Get(&stored, `SELECT string_agg(p.displayname || '|' || p.lastname || '|' || p.society || '|' || n.number, ';' ORDER BY p.id)
		FROM phonebook p JOIN phonebook_numbers n ON n.phonebook_id = p.id AND n.type = 'office'`); err != nil ||
		stored != `Ada Lovelace|Lovelace|Analytical, Ltd|1201;Grace Hop"per|Hop"per||+331234` {
		t.Fatalf("stored %q %v", stored, err)
	}
	// Read back: sipX's CSV export (its own quoting) and json.php.
	if a = boss.send("GET", path, "", ""); a.status != http.StatusOK || !strings.Contains(a.body, `"Grace","Hop\"per","+331234"`+"\n") {
		t.Fatalf("GET CSV: %d %s", a.status, a.body)
	}
	if l := c.list("/service/ipbx/json.php/private/pbx_services/phonebook/", "act=list"); len(l) != 2 {
		t.Fatalf("json.php sees %d contacts: %v", len(l), l)
	}

	// Refusals: each names the line (and the field); nothing is written.
	for _, tc := range []struct{ ctype, body, want string }{
		{"text/csv", "First name,Last name,Number\nA,B,1\nC,D\n", "csv line 3"},
		{"text/csv", "First name,Nickname,Number\nA,B,1\n", "csv line 1, column 2"},
		{"text/csv", "First name,Last name,Number\nA,B,1\nC,D,12-ab\n", "csv line 3: numbers.office"},
		{"text/csv", "First name,Last name,Number\n\"A,B,1\n", "a quoted field is not closed"},
		{"text/csv", "First name,Last name,Number\nA\"x,B,1\n", "csv line 2"},
		{"text/csv", "First name,Last name,Number\n\xff\xfe,B,1\n", "UTF-8"},
		{"text/csv", "", "csv"},
		{"text/vcard", "BEGIN:VCARD\nVERSION:3.0\nN:Doe;Jane\nTEL:1\n", "no END:VCARD"},
		{"text/vcard", "BEGIN:VCARD\nN:Doe;Jane\nFN:Jane Doe\nEMAIL:not-an-address\nEND:VCARD\n", "vcard 1: email"},
		{"text/vcard", "N:Doe\n", "vcard line 1"},
		{"text/vcard", "BEGIN:VCARD\nFN;CHARSET=ISO-8859-1:x\nEND:VCARD\n", "charset"},
	} {
		if a = boss.send("POST", path, tc.ctype, tc.body); a.status != http.StatusBadRequest || !strings.Contains(a.body, tc.want) {
			t.Fatalf("import %q: %d %s, want 400 naming %s", tc.body, a.status, a.body, tc.want)
		}
	}
	if a = boss.send("POST", path, "application/json", `{"phonebook": []}`); a.status != http.StatusUnsupportedMediaType {
		t.Fatalf("a JSON import: %d %s", a.status, a.body)
	}
	if a = boss.send("POST", "/sipxconfig/rest/phonebook/sales", "text/csv", "First name,Last name,Number\nA,B,1\n"); a.status != http.StatusNotFound {
		t.Fatalf("import into an unknown book: %d", a.status)
	}
	if a = newSipx(t, env, "clerk", "clerkpin").send("POST", path, "text/csv", "First name,Last name,Number\nA,B,1\n"); a.status != http.StatusForbidden {
		t.Fatalf("a USER import: %d", a.status)
	}
	if a = newSipx(t, env, "", "").send("POST", path, "text/csv", "First name,Last name,Number\nA,B,1\n"); a.status != http.StatusUnauthorized {
		t.Fatalf("an anonymous import: %d", a.status)
	}
	if n := count(); n != 2 {
		t.Fatalf("%d contacts after the refusals, want 2", n)
	}

	// vCard: 3.0 with a folded line and escapes, 2.1 with bare types and quoted-printable.
	vcf := "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Curie;Marie;;Mrs.;\r\nFN:Marie Curie\r\nORG:Institut du Radium\\, Paris\r\n" +
		"TEL;TYPE=WORK,VOICE:+33 1 23 45 67 89\r\nTEL;TYPE=CELL:06-12-34-56-78\r\nEMAIL;TYPE=INTERNET:marie@example.org\r\n" +
		"ADR;TYPE=WORK:;;1 rue Pierre et \r\n Marie Curie;Paris;;75005;FR\r\nNOTE:Nobel 1903\\, 1911\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\nVERSION:2.1\nN:Bronte;Zoe\nFN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Zo=C3=AB Bront=C3=AB\nTEL;HOME:555 0101\nEND:VCARD\n"
	if a = boss.send("POST", path, "text/vcard", vcf); a.status != http.StatusOK || a.body != "2 entries added to phonebook xivo\n" {
		t.Fatalf("vCard import: %d %q", a.status, a.body)
	}
	if err := env.DB.Get(&stored, `SELECT string_agg(p.title || '|' || p.displayname || '|' || p.society || '|' || p.description || '|' ||
			(SELECT string_agg(n.type || '=' || n.number, ',' ORDER BY n.type) FROM phonebook_numbers n WHERE n.phonebook_id = p.id) || '|' ||
			COALESCE((SELECT a.address1 || ',' || a.city || ',' || a.zipcode || ',' || a.country FROM phonebook_addresses a WHERE a.phonebook_id = p.id AND a.type = 'office'), ''),
			';' ORDER BY p.id) FROM phonebook p WHERE p.id > (SELECT min(id) + 1 FROM phonebook)`); err != nil ||
		stored != "mrs|Marie Curie|Institut du Radium, Paris|Nobel 1903, 1911|mobile=0612345678,office=+33123456789|1 rue Pierre et Marie Curie,Paris,75005,FR;"+
			"mr|Zoë Brontë|||home=5550101|" {
		t.Fatalf("stored vCards %q %v", stored, err)
	}
	// Lines are counted as written: blank lines and a quoted field over two lines before the
	// bad record; a byte-order mark is skipped; a value ending in a backslash comes back.
	if a = boss.send("POST", path, "text/csv", "First name,Last name,Number\n\n\"Multi\nline\",B,1\n\nC,D\n"); a.status != http.StatusBadRequest ||
		!strings.Contains(a.body, "csv line 6") {
		t.Fatalf("line numbers: %d %s", a.status, a.body)
	}
	if a = boss.send("POST", path, "text/vcard", "\xef\xbb\xbfBEGIN:VCARD\nVERSION:3.0\nN:Bom;Ann\nFN:Ann Bom\nTEL:123\nEND:VCARD\n"); a.status != http.StatusOK {
		t.Fatalf("a vCard with a byte-order mark: %d %s", a.status, a.body)
	}
	if a = boss.send("PUT", path, "text/csv", "First name,Last name,Number\nJoe,Smith\\,42\nJo,\"Qu\"\"ote\",43\n"); a.status != http.StatusOK {
		t.Fatalf("PUT with a backslash and a quote: %d %s", a.status, a.body)
	}
	exported := boss.send("GET", path, "", "").body
	if a = boss.send("PUT", path, "text/csv", exported); a.status != http.StatusOK {
		t.Fatalf("re-importing the export %q: %d %s", exported, a.status, a.body)
	}
	if err := env.DB.Get(&stored, `SELECT string_agg(lastname, '|' ORDER BY lastname) FROM phonebook`); err != nil || stored != `Qu"ote|Smith\` {
		t.Fatalf("after the round trip %q %v (export %q)", stored, err, exported)
	}
	// PUT replaces the whole book.
	if a = boss.send("PUT", path, "text/csv", "First name,Last name,Number\nOnly,One,42\n"); a.status != http.StatusOK || a.body != "1 entries now make up phonebook xivo\n" {
		t.Fatalf("PUT import: %d %q", a.status, a.body)
	}
	if err := env.DB.Get(&stored, `SELECT string_agg(displayname, ',') FROM phonebook`); err != nil || stored != "Only One" {
		t.Fatalf("after the PUT: %q %v", stored, err)
	}
}

// /my/phonebookentry/{internalId}: a desktop address book syncs vCards into the user's
// private book, by its own ids or by the entry's number.
func TestSipxPhonebookEntrySync(t *testing.T) {
	env, _ := sipxSetup(t)
	clerk := newSipx(t, env, "clerk", "clerkpin")
	entries := func(login string) string {
		t.Helper()
		var s string
		if err := env.DB.Get(&s, `SELECT COALESCE(string_agg(e.first_name || ' ' || e.last_name || '|' || e.number || '|' || COALESCE(e.internal_id, '-') || '|' ||
			COALESCE(e.contact->>'company_name', '') || '/' || COALESCE(e.contact->>'job_dept', '') || '|' || COALESCE(e.contact->>'cell_phone_number', '') || '|' ||
			COALESCE(e.contact->>'alternate_email_address', '') || '|' || COALESCE(e.contact->'home_address'->>'city', ''), ';' ORDER BY e.id), '')
			FROM private_phonebook_entries e JOIN users u ON u.id = e.user_id WHERE u.loginclient = $1`, login); err != nil {
			t.Fatal(err)
		}
		return s
	}
	card := func(work string) string {
		return "BEGIN:VCARD\nVERSION:3.0\nN:Doe;John;;;\nORG:Acme;Sales\nTITLE:Boss\nTEL;TYPE=CELL:+33 6 12 34 56 78\nTEL;TYPE=WORK:" + work +
			"\nEMAIL;TYPE=WORK:john@acme.example\nEMAIL;TYPE=HOME:j@home.example\nADR;TYPE=HOME:;;1 Main St;Paris;;75001;France\nEND:VCARD"
	}
	pb := func(internal, uid, vcard, user string) string {
		return "<pb><internalId>" + internal + "</internalId><uid>" + uid + "</uid><vcard>" + vcard + "</vcard><userName>" + user + "</userName></pb>"
	}
	// New: 201; userName is ignored for a user who is not ADMIN.
	a := clerk.send("PUT", "/sipxconfig/rest/my/phonebookentry/abc-1", "text/xml", pb("abc-1", "", card("1234"), "boss"))
	if a.status != http.StatusCreated {
		t.Fatalf("PUT new: %d %s", a.status, a.body)
	}
	if got := entries("clerk"); got != "John Doe|1234|abc-1|Acme/Sales|+33612345678|j@home.example|Paris" {
		t.Fatalf("stored %q", got)
	}
	if got := entries("boss"); got != "" {
		t.Fatalf("the boss's book %q", got)
	}
	var id int
	if err := env.DB.Get(&id, `SELECT id FROM private_phonebook_entries WHERE internal_id = 'abc-1'`); err != nil {
		t.Fatal(err)
	}
	if a = clerk.send("GET", "/sipxconfig/rest/my/phonebook/entry/"+strconv.Itoa(id), "", ""); a.status != http.StatusOK ||
		!strings.Contains(a.body, "<first-name>John</first-name>") || !strings.Contains(a.body, "<companyName>Acme</companyName>") {
		t.Fatalf("the synced entry through /my/phonebook/entry: %d %s", a.status, a.body)
	}
	// The same internal id again: an update (200), still one entry.
	if a = clerk.send("PUT", "/sipxconfig/rest/my/phonebookentry/abc-1", "text/xml", pb("abc-1", "", card("5678"), "")); a.status != http.StatusOK {
		t.Fatalf("PUT again: %d %s", a.status, a.body)
	}
	// By uid, taking a new internal id.
	if a = clerk.send("PUT", "/sipxconfig/rest/my/phonebookentry/xyz", "text/xml", pb("xyz", strconv.Itoa(id), card("9999"), "")); a.status != http.StatusOK {
		t.Fatalf("PUT by uid: %d %s", a.status, a.body)
	}
	if got := entries("clerk"); got != "John Doe|9999|xyz|Acme/Sales|+33612345678|j@home.example|Paris" {
		t.Fatalf("after the updates %q", got)
	}
	// Refusals leave the book as it is.
	for _, tc := range []struct {
		body   string
		status int
		want   string
	}{
		{pb("q", "999999", card("1"), ""), http.StatusNotFound, ""},
		{pb("q", "", "BEGIN:VCARD\nN:Doe;John\n", ""), http.StatusBadRequest, "END:VCARD"},
		{pb("q", "", card("1")+"\n"+card("2"), ""), http.StatusBadRequest, "exactly one card"},
		{pb("", "", card("1"), ""), http.StatusBadRequest, ""},
		{pb("q", "abc", card("1"), ""), http.StatusBadRequest, "uid"},
		{pb("q", "", "BEGIN:VCARD\nTEL:1\nEND:VCARD", ""), http.StatusBadRequest, "Null"},
		{`<!DOCTYPE pb [<!ENTITY x "y">]><pb><internalId>&x;</internalId></pb>`, http.StatusBadRequest, ""},
		{`<entry/>`, http.StatusBadRequest, "pb"},
	} {
		if a = clerk.send("PUT", "/sipxconfig/rest/my/phonebookentry/q", "text/xml", tc.body); a.status != tc.status || !strings.Contains(a.body, tc.want) {
			t.Fatalf("PUT %.80q: %d %s, want %d naming %q", tc.body, a.status, a.body, tc.status, tc.want)
		}
	}
	if a = clerk.send("PUT", "/sipxconfig/rest/my/phonebookentry/", "text/xml", pb("", "", card("1"), "")); a.status != http.StatusNotFound {
		t.Fatalf("PUT without an internal id: %d", a.status)
	}
	if got := entries("clerk"); got != "John Doe|9999|xyz|Acme/Sales|+33612345678|j@home.example|Paris" {
		t.Fatalf("after the refusals %q", got)
	}
	// An ADMIN writes another user's book with userName.
	boss := newSipx(t, env, "boss", "bosspin1")
	if a = boss.send("PUT", "/sipxconfig/rest/my/phonebookentry/b1", "text/xml", pb("b1", "", card("4242"), "clerk")); a.status != http.StatusCreated {
		t.Fatalf("an ADMIN's PUT for clerk: %d %s", a.status, a.body)
	}
	if got := entries("clerk"); !strings.HasSuffix(got, ";John Doe|4242|b1|Acme/Sales|+33612345678|j@home.example|Paris") {
		t.Fatalf("clerk's book after the ADMIN's PUT %q", got)
	}
	// DELETE by internal id, then by number; a gone entry is 404.
	if a = clerk.send("DELETE", "/sipxconfig/rest/my/phonebookentry/xyz", "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE by internal id: %d %s", a.status, a.body)
	}
	if a = clerk.send("DELETE", "/sipxconfig/rest/my/phonebookentry/xyz", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("DELETE again: %d %s", a.status, a.body)
	}
	var other int
	if err := env.DB.Get(&other, `SELECT id FROM private_phonebook_entries WHERE internal_id = 'b1'`); err != nil {
		t.Fatal(err)
	}
	if a = boss.send("DELETE", "/sipxconfig/rest/my/phonebookentry/"+strconv.Itoa(other), "", ""); a.status != http.StatusNotFound {
		t.Fatalf("DELETE of another user's entry: %d", a.status)
	}
	if a = clerk.send("DELETE", "/sipxconfig/rest/my/phonebookentry/"+strconv.Itoa(other), "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE by number: %d %s", a.status, a.body)
	}
	if got := entries("clerk"); got != "" {
		t.Fatalf("after the deletes %q", got)
	}
}

// An administrator's private key reads as the user, without the ADMIN role: another user's
// mailbox, open to the administrator's credentials, is closed to the key.
func TestSipxPrivateKeyOfAnAdministrator(t *testing.T) {
	env, c := sipxSetup(t)
	addUser(t, c, `{"userfeatures": {"firstname": "Vic", "loginclient": "vic", "passwdclient": "vicpin12"},
		"voicemail": {"mailbox": "1060", "context": "default"}}`)
	var bossID int
	if err := env.DB.Get(&bossID, `SELECT id FROM users WHERE loginclient = 'boss'`); err != nil {
		t.Fatal(err)
	}
	key, err := models.NewStores(env.DB, "pbxws").Users.NewPrivateKey(context.Background(), bossID)
	if err != nil {
		t.Fatal(err)
	}
	const greeting = "/mailbox/vic/preferences/activegreeting"
	if a := newSipx(t, env, "boss", "bosspin1").send("GET", "/sipxconfig/rest/my"+greeting, "", ""); a.status != http.StatusOK {
		t.Fatalf("the administrator on vic's greeting: %d %s", a.status, a.body)
	}
	anon := newSipx(t, env, "", "")
	if a := anon.send("GET", "/sipxconfig/rest/private/"+key+greeting, "", ""); a.status != http.StatusForbidden {
		t.Fatalf("the administrator's key on vic's greeting: %d %s", a.status, a.body)
	}
	if a := anon.send("GET", "/sipxconfig/rest/private/"+key+"/logindetails", "", ""); a.status != http.StatusOK || !strings.Contains(a.body, "<userName>boss</userName>") {
		t.Fatalf("the key's own login details: %d %s", a.status, a.body)
	}
}
