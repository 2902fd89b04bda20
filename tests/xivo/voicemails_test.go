package xivo_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"pbxws/tests/testenv"
	wsclient "pbxws/ws-client"
)

const (
	voicemailPath           = "/service/ipbx/json.php/private/pbx_settings/voicemail/"
	restrictedVoicemailPath = "/service/ipbx/json.php/restricted/pbx_settings/voicemail/"
)

func TestVoicemailsEveryAct(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	dialplanSetup(t, c)
	if items := c.list(voicemailPath, "act=list"); items != nil {
		t.Fatalf("empty list: %v", items)
	}
	// The body xivo-ws sends: no context (the default one), nulls for unset fields.
	id := c.add(voicemailPath, []byte(`{"voicemail": {"mailbox": 1200, "fullname": "VM", "password": null, "email": null, "tz": null}}`))
	var stored string
	if err := env.DB.QueryRow(`SELECT concat_ws(',', context, mailbox, fullname, password, email) FROM voicemails WHERE id = $1`, id).Scan(&stored); err != nil || stored != "default,1200,VM,," {
		t.Fatalf("stored %q %v", stored, err)
	}
	id2 := c.add(voicemailPath, []byte(`{"voicemail": {"context": "from-extern", "mailbox": "6001", "fullname": "Sales", "password": "1234", "email": "sales@example.com", "locale": "fr_FR"}, "voicemailfeatures": {"skipcheckpass": true}}`))
	items := c.list(voicemailPath, "act=list")
	if len(items) != 2 || items[0]["uniqueid"] != float64(mustAtoi(id)) || items[0]["mailbox"] != "1200" {
		t.Fatalf("list: %v", items)
	}
	for term, want := range map[string]int{"1200": 1, "sales": 1, "example.com": 1, "V": 1, "nomatch": 0} {
		if found := c.list(voicemailPath, "act=search&search="+term); len(found) != want {
			t.Fatalf("search %q: %v", term, found)
		}
	}
	v := c.object(voicemailPath, "act=view&id="+id2)
	if vm := v["voicemail"].(map[string]any); vm["mailbox"] != "6001" || vm["language"] != "fr_FR" || vm["uniqueid"] != float64(mustAtoi(id2)) ||
		v["voicemailfeatures"].(map[string]any)["skipcheckpass"] != true {
		t.Fatalf("view: %v", v)
	}
	// Edit merges, in private mode only.
	c.mustStatus(http.StatusOK, "POST", voicemailPath, "act=edit&id="+id2, map[string]any{"voicemail": map[string]any{"fullname": "Sales team"}})
	if err := env.DB.QueryRow(`SELECT concat_ws(',', context, mailbox, fullname, password, email, language, skipcheckpass) FROM voicemails WHERE id = $1`, id2).Scan(&stored); err != nil ||
		stored != "from-extern,6001,Sales team,1234,sales@example.com,fr_FR,t" {
		t.Fatalf("after edit %q %v", stored, err)
	}
	r := wsClient(t, env)
	before := tablesSnapshot(t, env, "voicemails")
	if st, _, raw := r.do("POST", restrictedVoicemailPath, "act=edit&id="+id2, map[string]any{"voicemail": map[string]any{"fullname": "x"}}); st != http.StatusForbidden {
		t.Fatalf("restricted edit: %d %s, want 403", st, raw)
	}
	if after := tablesSnapshot(t, env, "voicemails"); after != before {
		t.Fatal("a refused edit changed the box")
	}
	r.mustStatus(http.StatusOK, "GET", restrictedVoicemailPath, "act=view&id="+id2, nil)
	for _, q := range []string{"act=view&id=99", "act=delete&id=99", "act=view&id="} {
		c.mustStatus(http.StatusNotFound, "GET", voicemailPath, q, nil)
	}
	c.mustStatus(http.StatusNotFound, "POST", voicemailPath, "act=edit&id=99", map[string]any{"voicemail": map[string]any{"fullname": "x"}})
	c.mustStatus(http.StatusBadRequest, "GET", voicemailPath, "act=deleteall", nil)
	c.mustStatus(http.StatusOK, "GET", voicemailPath, "act=delete&id="+id, nil)
	if n := len(c.list(voicemailPath, "act=list")); n != 1 {
		t.Fatalf("after delete: %d", n)
	}
}

// Deleting a box a user has unlinks it from the user (whose voicemail is then disabled);
// the user and its line stay.
func TestVoicemailDeleteUnlinksItsUser(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	dialplanSetup(t, c)
	uid := addUser(t, c, `{"userfeatures": {"firstname": "Ann"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1002"]}, "voicemail": {"mailbox": "1002", "fullname": "Ann", "password": "1234"}}`)
	var vmID int
	if err := env.DB.QueryRow(`SELECT voicemail_id FROM users WHERE id = $1`, uid).Scan(&vmID); err != nil {
		t.Fatal(err)
	}
	if found := c.list(voicemailPath, "act=search&search=1002"); len(found) != 1 || found[0]["uniqueid"] != float64(vmID) {
		t.Fatalf("D5 the user's box listed: %v", found)
	}
	c.mustStatus(http.StatusOK, "GET", voicemailPath, "act=delete&id="+strconv.Itoa(vmID), nil)
	var linked *int
	var enabled bool
	var lines, boxes int
	if err := env.DB.QueryRow(`SELECT voicemail_id, enablevoicemail, (SELECT count(*) FROM lines WHERE user_id = $1), (SELECT count(*) FROM voicemails) FROM users WHERE id = $1`, uid).Scan(&linked, &enabled, &lines, &boxes); err != nil {
		t.Fatal(err)
	}
	if linked != nil || enabled || lines != 1 || boxes != 0 {
		t.Fatalf("after delete: voicemail_id %v enabled %v, %d lines, %d boxes", linked, enabled, lines, boxes)
	}
}

func TestVoicemailsBadInputIsRefusedAndChangesNothing(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	dialplanSetup(t, c)
	id := c.add(voicemailPath, []byte(`{"voicemail": {"mailbox": "1200", "fullname": "VM"}}`))
	box := func(over map[string]any) map[string]any {
		vm := map[string]any{"mailbox": "1201", "fullname": "Other", "context": "default"}
		for k, v := range over {
			vm[k] = v
		}
		return map[string]any{"voicemail": vm}
	}
	cases := []struct {
		name  string
		q     string
		body  any
		field string
	}{
		{"no voicemail", "act=add", map[string]any{}, "voicemail"},
		{"no mailbox", "act=add", box(map[string]any{"mailbox": ""}), "voicemail.mailbox"},
		{"duplicate mailbox", "act=add", box(map[string]any{"mailbox": "1200"}), "voicemail.mailbox"},
		{"mailbox not digits", "act=add", box(map[string]any{"mailbox": "12 00"}), "voicemail.mailbox"},
		{"unknown context", "act=add", box(map[string]any{"context": "nowhere"}), "voicemail.context"},
		{"password not digits", "act=add", box(map[string]any{"password": "abc"}), "voicemail.password"},
		{"bad e-mail", "act=add", box(map[string]any{"email": "nobody"}), "voicemail.email"},
		{"bad locale", "act=add", box(map[string]any{"locale": "french"}), "voicemail.language"},
		{"CR in fullname", "act=add", box(map[string]any{"fullname": "a\rb"}), "voicemail.fullname"},
		{"huge fullname", "act=add", box(map[string]any{"fullname": strings.Repeat("x", 81)}), "voicemail.fullname"},
		{"mailbox as an object", "act=add", box(map[string]any{"mailbox": map[string]any{}}), "voicemail.mailbox"},
		{"edit to a mailbox with letters", "act=edit&id=" + id, box(map[string]any{"mailbox": "1200x"}), "voicemail.mailbox"},
		{"edit to an unknown context", "act=edit&id=" + id, map[string]any{"voicemail": map[string]any{"context": "nowhere"}}, "voicemail.context"},
	}
	before := tablesSnapshot(t, env, "voicemails", "users")
	for _, tc := range cases {
		st, _, raw := c.do("POST", voicemailPath, tc.q, tc.body)
		var e struct {
			Fields map[string]string `json:"fields"`
		}
		_ = json.Unmarshal(raw, &e)
		if st != http.StatusBadRequest || e.Fields[tc.field] == "" {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.name, st, raw, tc.field)
		}
	}
	if after := tablesSnapshot(t, env, "voicemails", "users"); after != before {
		t.Fatalf("refused writes changed the database:\n%s\n%s", before, after)
	}
}

// xivo-ws-wire.md §8 J2 through the Go client.
func TestVoicemailsAcceptanceScenarioThroughTheClient(t *testing.T) {
	env := testenv.Start(t)
	dialplanSetup(t, newClient(t, env))
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx"}, false)
	ctx := context.Background()
	vms := wsclient.New("localhost", "admin", "secret", wsclient.WithBaseURL(env.HTTPURL)).Voicemails()
	r, err := vms.Add(ctx, wsclient.Voicemail{Mailbox: "1200", Fullname: "VM"})
	if err != nil {
		t.Fatalf("J2 add: %v", err)
	}
	all, err := vms.List(ctx)
	if err != nil || len(all) != 1 || strconv.Itoa(all[0].ID) != r {
		t.Fatalf("J2 list: %+v %v", all, err)
	}
	if x, err := vms.View(ctx, mustAtoi(r)); err != nil || x.Mailbox != "1200" {
		t.Fatalf("J2 view: %+v %v", x, err)
	}
	if found, err := vms.SearchByNumber(ctx, 1200); err != nil || len(found) != 1 {
		t.Fatalf("J2 search_by_number: %v %v", found, err)
	}
	if err := vms.Delete(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := vms.DeleteIfExists(ctx, r); err != nil {
		t.Fatalf("K3: %v", err)
	}
}
