package xivo_test

import (
	"context"
	"strconv"
	"testing"

	"pbxws/tests/testenv"
	wsclient "pbxws/ws-client"
)

// The acceptance scenarios of xivo-ws-wire.md §8 that pbxws's endpoints cover, driven through
// the Go client that sends what xivo-ws sends.
func TestXivoWSAcceptanceScenariosThroughTheClient(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx", "xivo/configuration", "cti"}, false)
	ctx := context.Background()
	c := wsclient.New("localhost", "admin", "secret", wsclient.WithBaseURL(env.HTTPURL))

	// A1, A2: check_ws.
	if ok, err := c.CheckWS(ctx); !ok || err != nil {
		t.Fatalf("A1: %v %v", ok, err)
	}
	if ok, err := wsclient.New("localhost", "admin", "wrong", wsclient.WithBaseURL(env.HTTPURL)).CheckWS(ctx); ok || err != nil {
		t.Fatalf("A2 wrong password: %v %v", ok, err)
	}
	if ok, _ := wsclient.New("localhost", "", "", wsclient.WithBaseURL(env.HTTPURL)).CheckWS(ctx); ok {
		t.Fatal("A2 no credentials: true")
	}
	// A3: TLS with the server's CA.
	tlsClient := wsclient.New("localhost", "admin", "secret", wsclient.WithBaseURL("https://localhost:"+portOf(env.HTTPSURL)), wsclient.WithCAPool(env.CAPool))
	if ok, err := tlsClient.CheckWS(ctx); !ok || err != nil {
		t.Fatalf("A3: %v %v", ok, err)
	}
	// A6, A7: empty lists.
	if us, err := c.Users().List(ctx); err != nil || len(us) != 0 {
		t.Fatalf("A6: %v %v", us, err)
	}

	// B: entities.
	ents := c.Entities()
	r, err := ents.Add(ctx, wsclient.Entity{Name: "entity1", DisplayName: "Entity1"})
	eid, _ := strconv.Atoi(r)
	if err != nil || eid <= 0 {
		t.Fatalf("B1: %q %v", r, err)
	}
	if found, err := ents.SearchByName(ctx, "entity1"); err != nil || len(found) != 1 || found[0].ID != eid {
		t.Fatalf("B3 search: %v %v", found, err)
	}
	e, err := ents.View(ctx, eid)
	if err != nil || e.DisplayName != "Entity1" {
		t.Fatalf("B3 view: %v %v", e, err)
	}
	e.DisplayName = "E1"
	if err := ents.Edit(ctx, e); err != nil {
		t.Fatalf("B4: %v", err)
	}
	if e, _ = ents.View(ctx, eid); e.DisplayName != "E1" {
		t.Fatalf("B4 view: %v", e)
	}

	// C: contexts.
	cs := c.Contexts()
	for _, x := range []wsclient.Context{
		{Name: "to-extern", DisplayName: "Outgoing", Entity: "entity1", Type: "outcall"},
		{Name: "default", DisplayName: "Default", Entity: "entity1", Type: "internal", ContextInclude: []string{"to-extern"},
			Users: []wsclient.ContextRange{{Start: "1000", End: "1099"}}, Groups: []wsclient.ContextRange{{Start: "2000", End: "2099"}},
			Queues: []wsclient.ContextRange{{Start: "3000", End: "3099"}}, ConfRooms: []wsclient.ContextRange{{Start: "4000"}}},
		{Name: "from-extern", DisplayName: "Incoming", Entity: "entity1", Type: "incall", Incalls: []wsclient.ContextRange{{Start: "6000", End: "6099", DidLength: 4}}},
	} {
		if got, err := cs.Add(ctx, x); err != nil || got != x.Name {
			t.Fatalf("C1-C3 %s: %q %v", x.Name, got, err)
		}
	}
	if all, err := cs.List(ctx); err != nil || len(all) != 3 {
		t.Fatalf("C4: %v %v", all, err)
	}
	d, err := cs.View(ctx, "default")
	if err != nil || len(d.Users) != 1 || d.Users[0] != (wsclient.ContextRange{Start: "1000", End: "1099"}) ||
		len(d.ConfRooms) != 1 || d.ConfRooms[0].End != "" || len(d.ContextInclude) != 1 || d.ContextInclude[0] != "to-extern" {
		t.Fatalf("C5: %+v %v", d, err)
	}
	if in, err := cs.View(ctx, "from-extern"); err != nil || in.Incalls[0] != (wsclient.ContextRange{Start: "6000", End: "6099", DidLength: 4}) {
		t.Fatalf("C5 incall: %+v %v", in, err)
	}
	d.DisplayName = "Internal"
	if err := cs.Edit(ctx, d); err != nil {
		t.Fatalf("C6: %v", err)
	}
	if d, _ = cs.View(ctx, "default"); d.DisplayName != "Internal" || len(d.Users) != 1 {
		t.Fatalf("C6 view: %+v", d)
	}
	if _, err := cs.View(ctx, "to-extern"); err != nil {
		t.Fatalf("C7: %v", err)
	}

	// D: users and lines.
	users, lines := c.Users(), c.Lines()
	last := "Johnson"
	r, err = users.Add(ctx, wsclient.User{Firstname: "Jack", Lastname: &last, Line: &wsclient.UserLine{Context: "default", Number: 1001}})
	uid, _ := strconv.Atoi(r)
	if err != nil || uid <= 0 {
		t.Fatalf("D1: %q %v", r, err)
	}
	us, err := users.List(ctx)
	if err != nil || len(us) != 1 || us[0].ID != uid || us[0].Firstname != "Jack" || us[0].AgentID != nil {
		t.Fatalf("D2: %+v %v", us, err)
	}
	ls, err := lines.SearchByNumberContext(ctx, 1001, "default")
	if err != nil || len(ls) != 1 || ls[0].Protocol != "sip" || ls[0].Name == "" {
		t.Fatalf("D3: %+v %v", ls, err)
	}
	if byName, err := lines.SearchByName(ctx, ls[0].Name); err != nil || len(byName) != 1 {
		t.Fatalf("D3 by name: %v %v", byName, err)
	}
	for _, p := range []string{"Jack", "Jo"} {
		if found, err := users.Search(ctx, p); err != nil || len(found) != 1 {
			t.Fatalf("D4 %s: %v %v", p, found, err)
		}
	}
	// D7: an edit of a list-derived user sends no line and keeps it.
	if err := users.Edit(ctx, wsclient.User{ID: uid, Firstname: "Jacky"}); err != nil {
		t.Fatalf("D7: %v", err)
	}
	if ls, _ := lines.SearchByNumberContext(ctx, 1001, "default"); len(ls) != 1 {
		t.Fatal("D7: the line was detached")
	}
	// D8: CTI profile by id.
	profiles, err := c.CTIProfiles(ctx)
	if err != nil || len(profiles) == 0 {
		t.Fatalf("J8: %v %v", profiles, err)
	}
	on, login, pw := true, "cuser", "cpass"
	r, err = users.Add(ctx, wsclient.User{Firstname: "C", EnableClient: &on, ClientUsername: &login, ClientPassword: &pw, ClientProfileID: &profiles[0].ID})
	if err != nil {
		t.Fatalf("D8: %v", err)
	}
	var cti int
	_ = env.DB.QueryRow(`SELECT cti_profile_id FROM users WHERE id = $1`, r).Scan(&cti)
	if cti != profiles[0].ID {
		t.Fatalf("D8 stored profile %d", cti)
	}
	// D9: non-ASCII names.
	if _, err := users.Add(ctx, wsclient.User{Firstname: "Jérôme"}); err != nil {
		t.Fatal(err)
	}
	found, _ := users.Search(ctx, "Jérôme")
	if len(found) != 1 || found[0].Firstname != "Jérôme" {
		t.Fatalf("D9: %+v", found)
	}
	// J7: devices read-only; unknown → 404.
	if ds, err := c.Devices().List(ctx); err != nil || len(ds) != 0 {
		t.Fatalf("J7: %v %v", ds, err)
	}
	if _, err := c.Devices().View(ctx, "unknown"); !wsclient.IsNotFound(err) {
		t.Fatalf("J7 view unknown: %v", err)
	}
	// D10, B5, C8: deletes.
	if err := users.Delete(ctx, strconv.Itoa(uid)); err != nil {
		t.Fatalf("D10: %v", err)
	}
	if err := users.DeleteAll(ctx); err != nil {
		t.Fatalf("D10 deleteall: %v", err)
	}
	if us, _ := users.List(ctx); len(us) != 0 {
		t.Fatalf("D10: %v", us)
	}
	if err := cs.DeleteIfExists(ctx, "nonexistent"); err != nil {
		t.Fatalf("C8: %v", err)
	}
	if err := cs.Delete(ctx, "to-extern"); err != nil {
		t.Fatalf("C8: %v", err)
	}
	id2, _ := ents.Add(ctx, wsclient.Entity{Name: "gone", DisplayName: "Gone"})
	if err := ents.Delete(ctx, id2); err != nil {
		t.Fatalf("B5: %v", err)
	}
	if err := ents.DeleteIfExists(ctx, id2); err != nil {
		t.Fatalf("B5 if exists: %v", err)
	}
	if err := ents.Delete(ctx, id2); wsclient.StatusOf(err) != 404 {
		t.Fatalf("B5 second delete: %v", err)
	}
	// K1: a body without firstname is a 400.
	if _, err := users.RawAdd(ctx, map[string]any{"userfeatures": map[string]any{}}); wsclient.StatusOf(err) != 400 {
		t.Fatalf("K1: %v", err)
	}
}

func portOf(u string) string {
	for i := len(u) - 1; i >= 0; i-- {
		if u[i] == ':' {
			return u[i+1:]
		}
	}
	return ""
}
