package xivo_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"pbxws/tests/testenv"
)

// raceEdits sends the two bodies as simultaneous edits of path?act=edit&id=id, and fails
// unless both answer 200.
func raceEdits(t *testing.T, env *testenv.Env, path, id string, a, b string) {
	t.Helper()
	codes := postAtOnce(t, env.HTTPURL+path+"?act=edit&id="+id, a, b)
	if codes[0] != http.StatusOK || codes[1] != http.StatusOK {
		t.Fatalf("simultaneous edits answered %v", codes)
	}
}

// postAtOnce POSTs every body to url at the same moment (private mode's loopback peer) and
// returns the status codes in the bodies' order.
func postAtOnce(t *testing.T, url string, bodies ...string) []int {
	t.Helper()
	var wg sync.WaitGroup
	codes := make([]int, len(bodies))
	start := make(chan struct{})
	for i, body := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			st, _, _ := send(t, fromAddr("127.0.0.1"), "POST", url, []byte(body), "Content-Type", "application/json")
			codes[i] = st
		}()
	}
	close(start)
	wg.Wait()
	return codes
}

const privUsers = "/service/ipbx/json.php/private/pbx_settings/users/"

// Two simultaneous edits of one user, one of its first name and one of its last name, both
// survive, twenty rounds in a row; so does an edit adding a voicemail racing a plain edit
// (the mailbox stays linked).
func TestSimultaneousUserEditsKeepEveryField(t *testing.T) {
	env := testenv.Start(t)
	hc := fromAddr("127.0.0.1")
	if st, _, body := send(t, hc, "POST", env.HTTPURL+"/service/ipbx/json.php/private/system_management/context/?act=add",
		[]byte(`{"context": {"name": "default", "displayname": "Default", "entity": "default", "contexttype": "internal"}, "contextinclude": [], "contextnumbers": {"user": [{"numberbeg": "1000", "numberend": "1999"}]}}`),
		"Content-Type", "application/json"); st != 200 {
		t.Fatalf("context: %d %s", st, body)
	}
	if st, _, body := send(t, hc, "POST", env.HTTPURL+privUsers+"?act=add",
		[]byte(`{"userfeatures": {"firstname": "Jack", "lastname": "Johnson"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1001"]}}`),
		"Content-Type", "application/json"); st != 200 || body != "\"1\"\n" {
		t.Fatalf("add: %d %q", st, body)
	}
	for round := 0; round < 20; round++ {
		first, last := fmt.Sprintf("First%d", round), fmt.Sprintf("Last%d", round)
		raceEdits(t, env, privUsers, "1",
			fmt.Sprintf(`{"userfeatures": {"firstname": %q}}`, first),
			fmt.Sprintf(`{"userfeatures": {"lastname": %q}}`, last))
		var f, l string
		var lines int
		if err := env.DB.QueryRow(`SELECT firstname, lastname, (SELECT count(*) FROM lines WHERE user_id = 1) FROM users WHERE id = 1`).Scan(&f, &l, &lines); err != nil {
			t.Fatal(err)
		}
		if f != first || l != last || lines != 1 {
			t.Fatalf("round %d: stored %q %q with %d lines, want %q %q and its line", round, f, l, lines, first, last)
		}
	}
	for round := 0; round < 20; round++ {
		if _, err := env.DB.Exec(`UPDATE users SET voicemail_id = NULL WHERE id = 1; DELETE FROM voicemails`); err != nil {
			t.Fatal(err)
		}
		mailbox := fmt.Sprintf("1%03d", round)
		raceEdits(t, env, privUsers, "1",
			fmt.Sprintf(`{"voicemail": {"mailbox": %q, "fullname": "Jack", "password": "1234"}}`, mailbox),
			fmt.Sprintf(`{"userfeatures": {"description": "round %d"}}`, round))
		var linked, desc string
		if err := env.DB.QueryRow(`SELECT COALESCE(v.mailbox, ''), u.description FROM users u LEFT JOIN voicemails v ON v.id = u.voicemail_id WHERE u.id = 1`).Scan(&linked, &desc); err != nil {
			t.Fatal(err)
		}
		if linked != mailbox || desc != fmt.Sprintf("round %d", round) {
			t.Fatalf("round %d: voicemail %q description %q, want mailbox %s linked and the description kept", round, linked, desc, mailbox)
		}
	}
}

// The same for an entity: a display name and a description edited at once both survive.
func TestSimultaneousEntityEditsKeepEveryField(t *testing.T) {
	env := testenv.Start(t)
	path := "/xivo/configuration/json.php/private/manage/entity/"
	for round := 0; round < 20; round++ {
		dn, desc := fmt.Sprintf("Display %d", round), fmt.Sprintf("Description %d", round)
		raceEdits(t, env, path, "1", fmt.Sprintf(`{"displayname": %q}`, dn), fmt.Sprintf(`{"description": %q}`, desc))
		var gotDN, gotDesc string
		if err := env.DB.QueryRow(`SELECT displayname, description FROM entities WHERE id = 1`).Scan(&gotDN, &gotDesc); err != nil {
			t.Fatal(err)
		}
		if gotDN != dn || gotDesc != desc {
			t.Fatalf("round %d: stored %q %q, want %q %q", round, gotDN, gotDesc, dn, desc)
		}
	}
}

// Contexts lock what they merge too: a display name and a description edited at once both
// survive, and so do the context's ranges, which neither edit mentioned.
func TestSimultaneousContextEditsKeepEveryField(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	phoneSetup(t, c)
	for round := 0; round < 20; round++ {
		dn, desc := fmt.Sprintf("Display %d", round), fmt.Sprintf("Description %d", round)
		raceEdits(t, env, contextsPath, "default", fmt.Sprintf(`{"context": {"displayname": %q}}`, dn),
			fmt.Sprintf(`{"context": {"description": %q}}`, desc))
		var gotDN, gotDesc string
		var ranges int
		if err := env.DB.QueryRow(`SELECT displayname, description, (SELECT count(*) FROM context_ranges WHERE context = 'default')
			FROM contexts WHERE name = 'default'`).Scan(&gotDN, &gotDesc, &ranges); err != nil {
			t.Fatal(err)
		}
		if gotDN != dn || gotDesc != desc || ranges != 1 {
			t.Fatalf("round %d: stored %q %q with %d ranges, want %q %q and the range", round, gotDN, gotDesc, ranges, dn, desc)
		}
	}
}

// One user edited at once through both façades: json.php's first name and sipX's last name
// both survive, twenty rounds in a row.
func TestSimultaneousEditsAcrossFacadesKeepEveryField(t *testing.T) {
	env, c := sipxSetup(t)
	id := addUser(t, c, `{"userfeatures": {"firstname": "Kim", "loginclient": "kim"}}`)
	boss := newSipx(t, env, "boss", "bosspin1")
	for round := 0; round < 20; round++ {
		first, last := fmt.Sprintf("First%d", round), fmt.Sprintf("Last%d", round)
		var wg sync.WaitGroup
		var xivo int
		var sipx sxAnswer
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			xivo, _, _ = send(t, fromAddr("127.0.0.1"), "POST", fmt.Sprintf("%s%s?act=edit&id=%d", env.HTTPURL, usersPath, id),
				[]byte(fmt.Sprintf(`{"userfeatures": {"firstname": %q}}`, first)), "Content-Type", "application/json")
		}()
		go func() {
			defer wg.Done()
			<-start
			sipx = boss.send("PUT", fmt.Sprintf("%s/%d", sipxUsers, id), "text/xml",
				fmt.Sprintf(`<user><userName>kim</userName><lastName>%s</lastName></user>`, last))
		}()
		close(start)
		wg.Wait()
		if xivo != http.StatusOK || sipx.status != http.StatusOK {
			t.Fatalf("round %d: json.php %d, sipX %d %s", round, xivo, sipx.status, sipx.body)
		}
		var f, l string
		if err := env.DB.QueryRow(`SELECT firstname, lastname FROM users WHERE id = $1`, id).Scan(&f, &l); err != nil {
			t.Fatal(err)
		}
		if f != first || l != last {
			t.Fatalf("round %d: stored %q %q, want %q %q", round, f, l, first, last)
		}
	}
}

// Simultaneous adds that compete for one number: one group gets 2001, the other a 400
// naming its number (the extensions table's unique key, never a 500), twenty rounds; two
// simultaneous pickup adds get two different numbers.
func TestSimultaneousAddsOfOneNumber(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	dialplanSetup(t, c)
	for round := 0; round < 20; round++ {
		var wg sync.WaitGroup
		codes := make([]int, 2)
		bodies := make([]string, 2)
		start := make(chan struct{})
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				codes[i], _, bodies[i] = send(t, fromAddr("127.0.0.1"), "POST", env.HTTPURL+groupsPath+"?act=add",
					[]byte(fmt.Sprintf(`{"groupfeatures": {"name": "g%d_%d", "context": "default", "number": "2001"}}`, round, i)), "Content-Type", "application/json")
			}()
		}
		close(start)
		wg.Wait()
		ok, refused := 0, 0
		for i, st := range codes {
			switch {
			case st == http.StatusOK:
				ok++
			case st == http.StatusBadRequest && strings.Contains(bodies[i], "groupfeatures.number"):
				refused++
			default:
				t.Fatalf("round %d: %d %s", round, st, bodies[i])
			}
		}
		var n int
		if err := env.DB.QueryRow(`SELECT count(*) FROM groups`).Scan(&n); err != nil || ok != 1 || refused != 1 || n != 1 {
			t.Fatalf("round %d: %d added, %d refused, %d stored (%v)", round, ok, refused, n, err)
		}
		mustExec(t, env, `DELETE FROM groups`)
	}
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if st, _, body := send(t, fromAddr("127.0.0.1"), "POST", env.HTTPURL+pickupPath+"?act=add",
				[]byte(fmt.Sprintf(`{"name": "p%d"}`, i)), "Content-Type", "application/json"); st != http.StatusOK {
				t.Errorf("pickup add: %d %s", st, body)
			}
		}()
	}
	wg.Wait()
	var ids string
	if err := env.DB.QueryRow(`SELECT string_agg(id::text, ',' ORDER BY id) FROM pickups`).Scan(&ids); err != nil || ids != "0,1" {
		t.Fatalf("pickup ids %q %v", ids, err)
	}
}
