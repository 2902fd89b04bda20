package xivo_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"pbxws/metrics"
	"pbxws/tests/testenv"
)

// The sipX phonebook reads come from memory, and a change another instance (or any writer
// of the database) commits reaches them through the pbxws_phonebook notices; a change made
// through this instance at once.
func TestSipxPhonebooksFollowChangesFromElsewhere(t *testing.T) {
	env, c := sipxSetup(t)
	clerk := newSipx(t, env, "clerk", "clerkpin")
	boss := newSipx(t, env, "boss", "bosspin1")
	search := func(q string) string {
		t.Helper()
		a := clerk.send("GET", "/sipxconfig/rest/my/search/phonebook?query="+q, "", "")
		if a.status != http.StatusOK {
			t.Fatalf("search %s: %d %s", q, a.status, a.body)
		}
		return a.body
	}
	// The listener is up: reads are answered from memory.
	memory := func() float64 { return testutil.ToFloat64(metrics.PhonebookReads.WithLabelValues("memory")) }
	testenv.Eventually(t, 5*time.Second, "the phonebook cache listening", func() bool {
		before := memory()
		search("nobody")
		return memory() == before+1
	})
	// Filled once, from nothing.
	if body := search("zorro"); strings.Contains(body, "<entry>") {
		t.Fatalf("an empty book found %s", body)
	}
	// Through this instance: seen by the very next read.
	c.mustStatus(http.StatusOK, "POST", "/service/ipbx/json.php/private/pbx_services/phonebook/", "act=add",
		[]byte(`{"phonebook": {"displayname": "Diego Zorro", "firstname": "Diego", "lastname": "Zorro"}, "phonebooknumber": {"office": "0147000000"}}`))
	if body := search("zorro"); !strings.Contains(body, "<last-name>Zorro</last-name>") {
		t.Fatalf("the contact added through pbxws: %s", body)
	}
	// Another writer of the database: the notice makes the cache read again.
	if _, err := env.DB.Exec(`WITH p AS (INSERT INTO phonebook (title, displayname, firstname, lastname) VALUES ('mr', 'Zelda Zamora', 'Zelda', 'Zamora') RETURNING id),
		n AS (INSERT INTO phonebook_numbers (phonebook_id, type, number) SELECT id, 'office', '0148000000' FROM p)
		INSERT INTO phonebook_words (phonebook_id, word) SELECT id, w FROM p, unnest(ARRAY['zelda', 'zamora', '0148000000', 'zelda']) AS w
		ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, "the contact another writer added, in the search", func() bool {
		return strings.Contains(search("zamo"), "<last-name>Zamora</last-name>")
	})
	if a := boss.send("GET", "/sipxconfig/rest/phonebook/xivo", "", ""); !strings.Contains(a.body, `"Zelda","Zamora","0148000000"`) {
		t.Fatalf("the CSV export after the other writer: %s", a.body)
	}
	if _, err := env.DB.Exec(`DELETE FROM phonebook WHERE lastname = 'Zorro'`); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, "the contact another writer deleted, gone from the search", func() bool {
		return !strings.Contains(search("zorro"), "Zorro")
	})
	// A private entry another writer adds.
	if _, err := env.DB.Exec(`INSERT INTO private_phonebooks (user_id) SELECT id FROM users WHERE loginclient = 'clerk';
		INSERT INTO private_phonebook_entries (user_id, first_name, last_name, number) SELECT id, 'Zack', 'Zimmer', '555' FROM users WHERE loginclient = 'clerk'`); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, "the private entry another writer added", func() bool {
		return strings.Contains(search("zim"), "<last-name>Zimmer</last-name>")
	})
	if a := clerk.send("GET", "/sipxconfig/rest/my/phonebook", "", "", "Accept", "text/plain"); a.body != "\"First name\",\"Last name\",\"Number\"\n\"Zelda\",\"Zamora\",\"0148000000\"\n\"Zack\",\"Zimmer\",\"555\"\n" {
		t.Fatalf("the merged book: %q", a.body)
	}
}
