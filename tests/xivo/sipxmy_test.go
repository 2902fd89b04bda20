package xivo_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"pbxws/web"
)

// The sipX "my" resources act for the authenticated user.
func TestSipxMyResources(t *testing.T) {
	env, c := sipxSetup(t, func(cfg *web.Config) { cfg.AuthFreeFailures, cfg.AuthBanAfter = 100, 100 })
	id := addUser(t, c, `{"userfeatures": {"firstname": "Dee", "loginclient": "dee", "passwdclient": "deepin42"},
		"linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1042"], "secret": ["s3cretSIP"]},
		"voicemail": {"mailbox": "1042", "password": "1111"}}`)
	dee := newSipx(t, env, "dee", "deepin42")

	a := dee.send("GET", "/sipxconfig/rest/my/logindetails", "", "")
	if a.status != http.StatusOK || !strings.HasSuffix(a.body, `<login-details><userName>dee</userName><imId></imId><ldapImAuth>false</ldapImAuth><sipPassword>s3cretSIP</sipPassword></login-details>`) {
		t.Fatalf("logindetails: %d %s", a.status, a.body)
	}
	a = dee.send("GET", "/sipxconfig/rest/my/logindetails", "", "", "Accept", "application/json")
	var ld map[string]map[string]any
	if a.status != http.StatusOK || json.Unmarshal([]byte(a.body), &ld) != nil || ld["login-details"]["sipPassword"] != "s3cretSIP" || ld["login-details"]["ldapImAuth"] != false {
		t.Fatalf("logindetails JSON: %d %s", a.status, a.body)
	}
	if a = dee.send("GET", "/sipxconfig/rest/my/time", "", ""); a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") || len(a.body) < 10 {
		t.Fatalf("time: %d %q %s", a.status, a.header.Get("Content-Type"), a.body)
	}
	if a = dee.send("GET", "/sipxconfig/rest/my/portal/password/whatever1", "", ""); a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") == "" {
		t.Fatalf("GET on the password: %d", a.status)
	}

	// Voicemail PIN: refused short or not digits, then set (DB checked).
	for _, bad := range []string{"12", "12ab"} {
		if a = dee.send("PUT", "/sipxconfig/rest/my/voicemail/pin/"+bad, "", ""); a.status != http.StatusBadRequest || !strings.Contains(a.body, "Voicemail PIN") {
			t.Fatalf("pin %q: %d %s", bad, a.status, a.body)
		}
	}
	if a = dee.send("PUT", "/sipxconfig/rest/my/voicemail/pin/4321", "", ""); a.status != http.StatusOK {
		t.Fatalf("pin: %d %s", a.status, a.body)
	}
	var pin string
	if err := env.DB.Get(&pin, `SELECT v.password FROM voicemails v JOIN users u ON u.voicemail_id = v.id WHERE u.id = $1`, id); err != nil || pin != "4321" {
		t.Fatalf("stored pin %q %v", pin, err)
	}
	clerk := newSipx(t, env, "clerk", "clerkpin")
	if a = clerk.send("PUT", "/sipxconfig/rest/my/voicemail/pin/4321", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("pin of a user without a box: %d %s", a.status, a.body)
	}

	// Portal password: at least 8 characters; the new one opens, with Basic and Digest
	// under every login form, the old one no longer.
	if a = dee.send("PUT", "/sipxconfig/rest/my/portal/password/short", "", ""); a.status != http.StatusBadRequest || !strings.Contains(a.body, "at least 8") {
		t.Fatalf("short password: %d %s", a.status, a.body)
	}
	if a = dee.send("PUT", "/sipxconfig/rest/my/portal/password/n%C3%A9wpass99", "", ""); a.status != http.StatusOK {
		t.Fatalf("password: %d %s", a.status, a.body)
	}
	if a = dee.send("GET", "/sipxconfig/rest/my/time", "", ""); a.status != http.StatusUnauthorized {
		t.Fatalf("the old password still opens: %d", a.status)
	}
	for _, login := range []string{"dee", "1042"} {
		for _, digest := range []bool{false, true} {
			u := newSipx(t, env, login, "néwpass99")
			u.digest = digest
			if a = u.send("GET", "/sipxconfig/rest/my/time", "", ""); a.status != http.StatusOK {
				t.Fatalf("new password as %s (digest %v): %d %s", login, digest, a.status, a.body)
			}
		}
	}
}

// Call forwarding: sipX's call sequence and XiVO's no-answer forward are one thing. A sipX
// PUT replaces the sequence and XiVO's forward follows its first sequential ring; a json.php
// edit of the forward changes that ring only.
func TestSipxForwardingAcrossFacades(t *testing.T) {
	env, c := sipxSetup(t)
	id := addUser(t, c, `{"userfeatures": {"firstname": "Fay", "loginclient": "fay", "passwdclient": "faypin12", "ringseconds": 25}}`)
	fay := newSipx(t, env, "fay", "faypin12")
	view := func() map[string]any {
		return c.object(usersPath, "act=view&id="+strconv.Itoa(id))["userfeatures"].(map[string]any)
	}

	a := fay.send("GET", "/sipxconfig/rest/my/forward", "", "")
	if a.status != http.StatusOK || !strings.HasSuffix(a.body, `<call-sequence><rings></rings><expiration>25</expiration><withVoicemail>false</withVoicemail></call-sequence>`) {
		t.Fatalf("empty sequence: %d %s", a.status, a.body)
	}
	a = fay.send("PUT", "/sipxconfig/rest/my/forward", "application/json", `{"call-sequence":{
		"rings":[{"expiration":15,"type":"At the same time","enabled":true,"number":"201"},
		         {"expiration":30,"type":"If no response","enabled":true,"number":"0612345678","position":2}],
		"expiration":20,"withVoicemail":true}}`)
	if a.status != http.StatusOK {
		t.Fatalf("PUT forward: %d %s", a.status, a.body)
	}
	if uf := view(); uf["enablerna"] != true || uf["destrna"] != "0612345678" || uf["ringseconds"] != "20" {
		t.Fatalf("XiVO after the sipX PUT: %v", uf)
	}
	// json.php changes the forward: the sequential ring changes, the parallel one stays.
	if st, _, raw := c.do("POST", usersPath, "act=edit&id="+strconv.Itoa(id), map[string]any{
		"userfeatures": map[string]any{"destrna": "0700000000"}}); st != http.StatusOK {
		t.Fatalf("json.php edit: %d %s", st, raw)
	}
	a = fay.send("GET", "/sipxconfig/rest/my/callfwd", "", "")
	var fwd struct {
		Rings []struct {
			Number     string `json:"number"`
			Type       string `json:"type"`
			Expiration int    `json:"expiration"`
		} `json:"rings"`
		WithVM     bool `json:"withVM"`
		Expiration int  `json:"expiration"`
	}
	if a.status != http.StatusOK || json.Unmarshal([]byte(a.body), &fwd) != nil || len(fwd.Rings) != 2 ||
		fwd.Rings[0].Number != "201" || fwd.Rings[0].Type != "At the same time" || fwd.Rings[1].Number != "0700000000" ||
		fwd.Rings[1].Expiration != 30 || fwd.Expiration != 20 {
		t.Fatalf("callfwd after the json.php edit: %d %s", a.status, a.body)
	}
	// callfwd: JSON only; withVM is written.
	if a = fay.send("GET", "/sipxconfig/rest/my/callfwd", "", "", "Accept", "text/xml"); a.status != http.StatusNotAcceptable {
		t.Fatalf("callfwd as XML: %d", a.status)
	}
	if a = fay.send("PUT", "/sipxconfig/rest/my/callfwd", "application/json", `{"withVM": true, "unknown": 1}`); a.status != http.StatusOK {
		t.Fatalf("PUT callfwd: %d %s", a.status, a.body)
	}
	var vm bool
	var rings int
	if err := env.DB.QueryRow(`SELECT forward_voicemail, (SELECT count(*) FROM user_rings WHERE user_id = $1) FROM users WHERE id = $1`, id).Scan(&vm, &rings); err != nil || !vm || rings != 2 {
		t.Fatalf("after withVM: voicemail %v, %d rings (%v)", vm, rings, err)
	}
	// Refusals leave everything as it was.
	for _, tc := range []struct{ body, mention string }{
		{`{"call-sequence":{"rings":[{"number":"201","type":"Sometimes"}]}}`, "rings[0].type"},
		{`{"call-sequence":{"rings":[{"number":"not a number"}]}}`, "rings[0].number"},
		{`{"call-sequence":{"rings":[],"expiration":27}}`, "expiration"},
	} {
		if a = fay.send("PUT", "/sipxconfig/rest/my/forward", "application/json", tc.body); a.status != http.StatusBadRequest || !strings.Contains(a.body, tc.mention) {
			t.Fatalf("%s: %d %s", tc.body, a.status, a.body)
		}
	}
	if uf := view(); uf["destrna"] != "0700000000" || uf["ringseconds"] != "20" {
		t.Fatalf("refusals changed the user: %v", uf)
	}
	// Emptying the sequence through sipX turns XiVO's forward off.
	if a = fay.send("PUT", "/sipxconfig/rest/my/forward", "text/xml", `<call-sequence><rings/><expiration>20</expiration></call-sequence>`); a.status != http.StatusOK {
		t.Fatalf("empty PUT: %d %s", a.status, a.body)
	}
	if uf := view(); uf["enablerna"] != false {
		t.Fatalf("XiVO forward after emptying the sequence: %v", uf)
	}
}

// /my/contact-information: the profile is sipX's, the names are shared with json.php.
func TestSipxContactInformation(t *testing.T) {
	env, c := sipxSetup(t)
	id := addUser(t, c, `{"userfeatures": {"firstname": "Cam", "lastname": "Lee", "loginclient": "cam", "passwdclient": "campin12"}}`)
	cam := newSipx(t, env, "cam", "campin12")
	a := cam.send("GET", "/sipxconfig/rest/my/contact-information", "", "")
	if a.status != http.StatusOK || !strings.Contains(a.body, "<contact-information><imId></imId><useBranchAddress>false</useBranchAddress><branchName>default</branchName>") ||
		!strings.HasSuffix(a.body, "<enabled>true</enabled><ldapManaged>false</ldapManaged><firstName>Cam</firstName><lastName>Lee</lastName></contact-information>") {
		t.Fatalf("empty profile: %d %s", a.status, a.body)
	}
	a = cam.send("PUT", "/sipxconfig/rest/my/contact-information", "text/xml", `<contact-information>
		<jobTitle>Engineer</jobTitle><companyName>ACME</companyName>
		<homeAddress><street>1 Main St</street><city>Springfield</city><zip>12345</zip></homeAddress>
		<emailAddress>cam@example.com</emailAddress><twiterName>camlee</twiterName>
		<manager>not mine to set</manager><firstName>Cameron</firstName></contact-information>`)
	if a.status != http.StatusOK {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	a = cam.send("GET", "/sipxconfig/rest/my/contact-information", "", "", "Accept", "application/json")
	var doc map[string]map[string]any
	if a.status != http.StatusOK || json.Unmarshal([]byte(a.body), &doc) != nil {
		t.Fatalf("JSON view: %d %s", a.status, a.body)
	}
	ci := doc["contact-information"]
	home, _ := ci["homeAddress"].(map[string]any)
	if ci["jobTitle"] != "Engineer" || ci["companyName"] != "ACME" || ci["emailAddress"] != "cam@example.com" ||
		ci["twiterName"] != "camlee" || ci["manager"] != nil || ci["firstName"] != "Cameron" || ci["lastName"] != "Lee" ||
		home["street"] != "1 Main St" || home["zip"] != "12345" || ci["timestamp"] == nil {
		t.Fatalf("after the PUT: %s", a.body)
	}
	// The name is json.php's too.
	if uf := c.object(usersPath, "act=view&id="+strconv.Itoa(id))["userfeatures"].(map[string]any); uf["firstname"] != "Cameron" || uf["lastname"] != "Lee" {
		t.Fatalf("json.php names: %v", uf)
	}
	// A PUT naming one field keeps the others; bad values change nothing.
	if a = cam.send("PUT", "/sipxconfig/rest/my/contact-information", "application/json", `{"contact-information": {"jobDept": "R&D"}}`); a.status != http.StatusOK {
		t.Fatalf("partial PUT: %d %s", a.status, a.body)
	}
	for _, tc := range []struct{ body, mention string }{
		{`{"contact-information": {"emailAddress": "nope", "jobTitle": "Boss"}}`, "emailAddress"},
		{`{"contact-information": {"homeAddress": {"city": "a\u0000b"}}}`, "city"},
		{`{"contact-information": {"firstName": ""}}`, "firstName"},
	} {
		if a = cam.send("PUT", "/sipxconfig/rest/my/contact-information", "application/json", tc.body); a.status != http.StatusBadRequest || !strings.Contains(a.body, tc.mention) {
			t.Fatalf("%s: %d %s", tc.body, a.status, a.body)
		}
	}
	var profile string
	if err := env.DB.Get(&profile, `SELECT profile::text FROM user_profiles WHERE user_id = $1`, id); err != nil ||
		!strings.Contains(profile, `"job_dept": "R&D"`) || !strings.Contains(profile, `"job_title": "Engineer"`) || strings.Contains(profile, "Boss") {
		t.Fatalf("stored profile: %s %v", profile, err)
	}
}

// Voicemail preferences and the active greeting, over the box json.php shows; what needs a
// service pbxws does not run answers 501.
func TestSipxVoicemailPrefs(t *testing.T) {
	env, c := sipxSetup(t)
	id := addUser(t, c, `{"userfeatures": {"firstname": "Vic", "loginclient": "vic", "passwdclient": "vicpin12"},
		"voicemail": {"mailbox": "1060", "context": "default", "email": "vic@example.com"}}`)
	vic := newSipx(t, env, "vic", "vicpin12")
	a := vic.send("GET", "/sipxconfig/rest/my/vmprefs", "", "")
	if a.status != http.StatusOK || !strings.HasSuffix(a.body, `<vmprefs><voicemailPermission>true</voicemailPermission><emailformat>full</emailformat><altEmailFormat>full</altEmailFormat><greeting>none</greeting><emailAttachType>no</emailAttachType><emailIncludeAudioAttachment>false</emailIncludeAudioAttachment><email>vic@example.com</email></vmprefs>`) {
		t.Fatalf("vmprefs: %d %s", a.status, a.body)
	}
	if a = vic.send("PUT", "/sipxconfig/rest/my/vmprefs", "application/json", `{"vmprefs": {"emailformat": "brief", "emailAttachType": "yes"}}`); a.status != http.StatusOK {
		t.Fatalf("PUT vmprefs: %d %s", a.status, a.body)
	}
	if a = vic.send("PUT", "/sipxconfig/rest/my/vmprefs", "application/json", `{"vmprefs": {"emailformat": "huge"}}`); a.status != http.StatusBadRequest || !strings.Contains(a.body, "emailformat") {
		t.Fatalf("bad format: %d %s", a.status, a.body)
	}
	if vm := c.object(usersPath, "act=view&id="+strconv.Itoa(id))["voicemail"].(map[string]any); vm["attach"] != true || vm["email"] != "vic@example.com" {
		t.Fatalf("json.php voicemail: %v", vm)
	}
	for greeting, stored := range map[string]string{"outofoffice": "outofoffice", "nonsense": "none"} {
		if a = vic.send("PUT", "/sipxconfig/rest/my/mailbox/vic/preferences/activegreeting/"+greeting, "", ""); a.status != http.StatusOK {
			t.Fatalf("greeting %s: %d %s", greeting, a.status, a.body)
		}
		var got string
		if err := env.DB.Get(&got, `SELECT v.active_greeting FROM voicemails v JOIN users u ON u.voicemail_id = v.id WHERE u.id = $1`, id); err != nil || got != stored {
			t.Fatalf("greeting %s stored as %q %v", greeting, got, err)
		}
	}
	if a = newSipx(t, env, "clerk", "clerkpin").send("PUT", "/sipxconfig/rest/my/mailbox/vic/preferences/activegreeting/standard", "", ""); a.status != http.StatusForbidden {
		t.Fatalf("another user's mailbox: %d", a.status)
	}
	if a = newSipx(t, env, "boss", "bosspin1").send("PUT", "/sipxconfig/rest/my/mailbox/vic/preferences/activegreeting/standard", "", ""); a.status != http.StatusOK {
		t.Fatalf("an administrator on vic's mailbox: %d %s", a.status, a.body)
	}
	// GET without a greeting reads the active one, for the mailbox's owner only.
	if a = vic.send("GET", "/sipxconfig/rest/my/mailbox/vic/preferences/activegreeting", "", ""); a.status != http.StatusOK ||
		a.body != `<?xml version="1.0" encoding="UTF-8"?><activegreeting>standard</activegreeting>` {
		t.Fatalf("GET the greeting: %d %s", a.status, a.body)
	}
	if a = vic.send("GET", "/sipxconfig/rest/my/mailbox/vic/preferences/activegreeting", "", "", "Accept", "application/json"); a.body != `{"activegreeting":"standard"}` {
		t.Fatalf("GET the greeting as JSON: %d %s", a.status, a.body)
	}
	if a = newSipx(t, env, "clerk", "clerkpin").send("GET", "/sipxconfig/rest/my/mailbox/vic/preferences/activegreeting", "", ""); a.status != http.StatusForbidden {
		t.Fatalf("another user's greeting: %d", a.status)
	}
	if a = vic.send("GET", "/sipxconfig/rest/my/keepalive", "", ""); a.status != http.StatusOK {
		t.Fatalf("keepalive: %d", a.status)
	}
	if a = vic.send("GET", "/sipxconfig/rest/my/im/prefs", "", ""); a.status != http.StatusNotImplemented || !strings.Contains(a.body, "instant-messaging") {
		t.Fatalf("im prefs: %d %s", a.status, a.body)
	}
}

// /my/conferences are the XiVO conference rooms the user owns.
func TestSipxMyConferencesAreOwnedRooms(t *testing.T) {
	env, c := sipxSetup(t)
	c.mustStatus(http.StatusOK, "POST", contextsPath, "act=edit&id=default", map[string]any{
		"contextnumbers": map[string]any{"meetme": []any{map[string]any{"numberbeg": "4000", "numberend": "4009"}}}})
	var bossID int
	if err := env.DB.Get(&bossID, `SELECT id FROM users WHERE loginclient = 'boss'`); err != nil {
		t.Fatal(err)
	}
	mine := c.add(meetmePath, []byte(fmt.Sprintf(`{"meetmefeatures": {"name": "weekly", "confno": "4001", "context": "default", "owner_id": %d, "description": "weekly"}, "meetmeroom": {"pin": "555"}}`, bossID)))
	c.add(meetmePath, []byte(`{"meetmefeatures": {"name": "other", "confno": "4002", "context": "default"}}`))
	boss := newSipx(t, env, "boss", "bosspin1")
	a := boss.send("GET", "/sipxconfig/rest/my/conferences", "", "", "Accept", "application/json")
	if a.status != http.StatusOK || a.body != `{"conferences":[{"enabled":true,"name":"weekly","description":"weekly","extension":"4001","accessCode":"555"}]}` {
		t.Fatalf("my conferences: %d %s", a.status, a.body)
	}
	a = boss.send("GET", "/sipxconfig/rest/my/conferences/weekly", "", "")
	if a.status != http.StatusOK || !strings.Contains(a.body, "<setting><enabled>true</enabled><name>weekly</name>") || !strings.Contains(a.body, "<accessCode>555</accessCode>") {
		t.Fatalf("my conference: %d %s", a.status, a.body)
	}
	if a = boss.send("PUT", "/sipxconfig/rest/my/conferences/weekly", "text/xml", `<setting><maxMembers>12</maxMembers><moderatorCode>999</moderatorCode></setting>`); a.status != http.StatusOK {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	var maxUsers int
	var pin, adminPin string
	if err := env.DB.QueryRow(`SELECT maxusers, pin, admin_pin FROM meetmes WHERE id = $1`, mustAtoi(mine)).Scan(&maxUsers, &pin, &adminPin); err != nil ||
		maxUsers != 12 || pin != "555" || adminPin != "999" {
		t.Fatalf("stored room: %d %q %q %v", maxUsers, pin, adminPin, err)
	}
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/sipxconfig/rest/my/conferences/other", "", http.StatusForbidden},
		{"PUT", "/sipxconfig/rest/my/conferences/other", `<setting><name>x</name></setting>`, http.StatusForbidden},
		{"GET", "/sipxconfig/rest/my/conferences/nosuch", "", http.StatusNotFound},
		{"PUT", "/sipxconfig/rest/my/conferences/weekly", `<setting><video>true</video></setting>`, http.StatusBadRequest},
		{"PUT", "/sipxconfig/rest/my/conferences/weekly", `<setting><name>other</name></setting>`, http.StatusBadRequest},
	} {
		if a = boss.send(tc.method, tc.path, "text/xml", tc.body); a.status != tc.status {
			t.Fatalf("%s %s %s: %d %s, want %d", tc.method, tc.path, tc.body, a.status, a.body, tc.status)
		}
	}
	if v := c.object(meetmePath, "act=view&id="+mine)["meetmefeatures"].(map[string]any); v["name"] != "weekly" {
		t.Fatalf("json.php room after the refusals: %v", v)
	}
}

// The user's phonebook: the private entries merged with the shared XiVO phonebook, in every
// representation; private entries created, changed and deleted by their owner only.
func TestSipxMyPhonebook(t *testing.T) {
	env, c := sipxSetup(t)
	c.mustStatus(http.StatusOK, "POST", "/service/ipbx/json.php/private/pbx_services/phonebook/", "act=add",
		[]byte(`{"phonebook": {"displayname": "Acme Desk", "firstname": "Acme", "lastname": "Desk", "society": "Acme"}, "phonebooknumber": {"office": "0140000000"}}`))
	clerk := newSipx(t, env, "clerk", "clerkpin")
	a := clerk.send("POST", "/sipxconfig/rest/my/phonebook/entry/0", "application/json",
		`{"entry": {"first-name": "Ann", "last-name": "Zed", "number": "555", "contact-information": {"emailAddress": "ann@example.com", "companyName": "Z"}}}`)
	if a.status != http.StatusCreated {
		t.Fatalf("POST entry: %d %s", a.status, a.body)
	}
	var id int
	if err := env.DB.Get(&id, `SELECT e.id FROM private_phonebook_entries e JOIN users u ON u.id = e.user_id WHERE u.loginclient = 'clerk'`); err != nil {
		t.Fatal(err)
	}
	path := "/sipxconfig/rest/my/phonebook/entry/" + strconv.Itoa(id)
	for _, tc := range []struct {
		method, body string
		status       int
		mention      string
	}{
		{"POST", `{"entry": {"first-name": "Ann", "last-name": "Zed", "number": "555"}}`, 747, "Duplicate Entry"},
		{"POST", `{"entry": {"first-name": "Acme", "last-name": "Desk", "number": "0140000000"}}`, 747, "Duplicate Entry"},
		{"POST", `{"entry": {"first-name": "No", "number": "1"}}`, http.StatusBadRequest, "cannot be Null"},
		{"POST", `{"entry": {"first-name": "Bad", "last-name": "Mail", "number": "2", "contact-information": {"emailAddress": "nope"}}}`, http.StatusBadRequest, "Invalid Email Address"},
	} {
		if a = clerk.send(tc.method, "/sipxconfig/rest/my/phonebook/entry/0", "application/json", tc.body); a.status != tc.status || !strings.Contains(a.body, tc.mention) {
			t.Fatalf("%s: %d %s, want %d %s", tc.body, a.status, a.body, tc.status, tc.mention)
		}
	}
	if a = clerk.send("PUT", path, "text/xml", `<entry><number>556</number></entry>`); a.status != http.StatusOK {
		t.Fatalf("PUT entry: %d %s", a.status, a.body)
	}
	if a = clerk.send("GET", path, "", "", "Accept", "application/json"); !strings.HasPrefix(a.body, `{"entry":{"first-name":"Ann","last-name":"Zed","number":"556","contact-information":{"companyName":"Z","emailAddress":"ann@example.com"}}}`) {
		t.Fatalf("GET entry: %d %s", a.status, a.body)
	}
	// Another user sees neither the entry nor a way to it.
	boss := newSipx(t, env, "boss", "bosspin1")
	if a = boss.send("GET", path, "", ""); a.status != http.StatusNotFound {
		t.Fatalf("another user's entry: %d", a.status)
	}
	if a = boss.send("DELETE", path, "", ""); a.status != http.StatusNotFound {
		t.Fatalf("another user's delete: %d", a.status)
	}
	// The merged book, sorted by last name.
	if a = clerk.send("GET", "/sipxconfig/rest/my/phonebook", "", "", "Accept", "text/plain"); a.body != "\"First name\",\"Last name\",\"Number\"\n\"Acme\",\"Desk\",\"0140000000\"\n\"Ann\",\"Zed\",\"556\"\n" {
		t.Fatalf("CSV: %q", a.body)
	}
	if a = clerk.send("GET", "/sipxconfig/rest/my/phonebook", "", "", "Accept", "text/vcard"); !strings.Contains(a.body, "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Zed;Ann;;;\r\nFN:Ann Zed\r\nTEL;TYPE=WORK:556\r\n") {
		t.Fatalf("vCard: %q", a.body)
	}
	if a = clerk.send("GET", "/sipxconfig/rest/my/search/phonebook?query=ze", "", ""); !strings.Contains(a.body, "<last-name>Zed</last-name>") || strings.Contains(a.body, "Desk") {
		t.Fatalf("search: %s", a.body)
	}
	// The shared book is searched by the words of its names and numbers, in any alphabet; a
	// LIKE wildcard in the query is a character like any other.
	c.mustStatus(http.StatusOK, "POST", "/service/ipbx/json.php/private/pbx_services/phonebook/", "act=add",
		[]byte(`{"phonebook": {"displayname": "Émile Zola", "firstname": "Émile", "lastname": "Zola"}, "phonebooknumber": {"mobile": "0611223344"}}`))
	for _, tc := range []struct{ query, has, not string }{
		{"%C3%A9mi", "<first-name>Émile</first-name>", "Desk"},
		{"0611", "<number>0611223344</number>", "Zed"},
		{"desk", "<last-name>Desk</last-name>", "Zola"},
		{"%25", "<phonebook></phonebook>", "entry"},
		{"_", "<phonebook></phonebook>", "entry"},
		{"mile", "<phonebook></phonebook>", "Zola"},
	} {
		a = clerk.send("GET", "/sipxconfig/rest/my/search/phonebook?query="+tc.query, "", "")
		if a.status != http.StatusOK || !strings.Contains(a.body, tc.has) || strings.Contains(a.body, tc.not) {
			t.Fatalf("search %s: %d %s", tc.query, a.status, a.body)
		}
	}
	var zola int
	if err := env.DB.Get(&zola, `SELECT id FROM phonebook WHERE lastname = 'Zola'`); err != nil {
		t.Fatal(err)
	}
	c.mustStatus(http.StatusOK, "GET", "/service/ipbx/json.php/private/pbx_services/phonebook/", "act=delete&id="+strconv.Itoa(zola), nil)
	a = clerk.send("GET", "/sipxconfig/rest/my/pagedphonebook?start=1&end=5&filter=null", "", "")
	if !strings.Contains(a.body, "<size>2</size><filtered-size>2</filtered-size><start-row>1</start-row><end-row>2</end-row><show-on-phone>true</show-on-phone>") ||
		!strings.Contains(a.body, "<entry><id>"+strconv.Itoa(id)+"</id><first-name>Ann</first-name>") {
		t.Fatalf("paged: %s", a.body)
	}
	if a = clerk.send("PUT", "/sipxconfig/rest/my/phonebook/showContactsOnPhone/false", "", ""); a.status != http.StatusOK {
		t.Fatalf("showContactsOnPhone: %d", a.status)
	}
	if a = boss.send("PUT", "/sipxconfig/rest/my/phonebook/showContactsOnPhone/false", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("showContactsOnPhone without a book: %d", a.status)
	}
	if a = clerk.send("DELETE", path, "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE: %d", a.status)
	}
	var n int
	if err := env.DB.Get(&n, `SELECT count(*) FROM private_phonebook_entries`); err != nil || n != 0 {
		t.Fatalf("entries left: %d %v", n, err)
	}
}

// /avatar/{user} needs no credentials: a redirect to the picture the profile names.
func TestSipxAvatar(t *testing.T) {
	env, _ := sipxSetup(t)
	clerk := newSipx(t, env, "clerk", "clerkpin")
	if a := clerk.send("PUT", "/sipxconfig/rest/my/contact-information", "application/json",
		`{"contact-information": {"avatar": "https://pictures.example.com/clerk.png"}}`); a.status != http.StatusOK {
		t.Fatalf("PUT avatar: %d %s", a.status, a.body)
	}
	anon := newSipx(t, env, "", "")
	anon.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	a := anon.send("GET", "/sipxconfig/rest/avatar/clerk", "", "")
	if a.status != http.StatusFound || a.header.Get("Location") != "https://pictures.example.com/clerk.png" {
		t.Fatalf("avatar: %d %q", a.status, a.header.Get("Location"))
	}
	for _, who := range []string{"boss", "nobody"} {
		if a = anon.send("GET", "/sipxconfig/rest/avatar/"+who, "", ""); a.status != http.StatusNotFound {
			t.Fatalf("avatar of %s: %d", who, a.status)
		}
	}
}

// Personal call-forwarding schedules are XiVO schedules with an owner; general ones are
// usable by everyone and changed by no one here.
func TestSipxCallForwardingSchedules(t *testing.T) {
	env, c := sipxSetup(t)
	c.mustStatus(http.StatusOK, "POST", "/service/ipbx/json.php/private/call_management/schedule/", "act=add",
		[]byte(`{"schedule": {"name": "office", "timezone": "Europe/Paris"}, "opened": [{"hours": "08:00-18:00", "weekdays": "1-5"}]}`))
	clerk := newSipx(t, env, "clerk", "clerkpin")
	a := clerk.send("POST", "/sipxconfig/rest/my/callfwdsched", "application/json",
		`{"name": "evenings", "description": "after work", "periods": [{"scheduledDay": 2, "start": {"hrs": 18, "min": 0}, "end": {"hrs": 22, "min": 30}}, {"scheduledDay": -2, "start": {"hrs": 9, "min": 0}, "end": {"hrs": 12, "min": 0}}]}`)
	if a.status != http.StatusCreated || !strings.HasPrefix(a.body, `{"scheduleId":`) {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	var id int
	if err := env.DB.Get(&id, `SELECT id FROM schedules WHERE name = 'evenings'`); err != nil {
		t.Fatal(err)
	}
	var periods string
	if err := env.DB.Get(&periods, `SELECT string_agg(hours || '/' || weekdays, ';' ORDER BY position) FROM schedule_periods WHERE schedule_id = $1 AND mode = 'opened'`, id); err != nil ||
		periods != "18:00-22:30/1;09:00-12:00/6-7" {
		t.Fatalf("stored periods %q %v", periods, err)
	}
	a = clerk.send("GET", "/sipxconfig/rest/my/callfwdsched", "", "")
	if a.status != http.StatusOK || !strings.Contains(a.body, `"name":"office"`) ||
		!strings.Contains(a.body, `{"scheduleId":`+strconv.Itoa(id)+`,"name":"evenings","description":"after work","periods":[{"scheduledDay":2,"start":{"hrs":18,"min":0},"end":{"hrs":22,"min":30}},{"scheduledDay":-2,"start":{"hrs":9,"min":0},"end":{"hrs":12,"min":0}}]}`) ||
		!strings.Contains(a.body, `"scheduledDay":-1,"start":{"hrs":8,"min":0},"end":{"hrs":18,"min":0}`) {
		t.Fatalf("GET: %d %s", a.status, a.body)
	}
	path := "/sipxconfig/rest/my/callfwdsched/" + strconv.Itoa(id)
	boss := newSipx(t, env, "boss", "bosspin1")
	for _, tc := range []struct {
		who                *sx
		method, path, body string
		status             int
	}{
		{boss, "GET", path, "", http.StatusNotFound},
		{boss, "PUT", path, `{"name": "mine"}`, http.StatusNotFound},
		{clerk, "PUT", "/sipxconfig/rest/my/callfwdsched", `{"name": "x"}`, http.StatusForbidden},
		{clerk, "DELETE", "/sipxconfig/rest/my/callfwdsched", "", http.StatusForbidden},
		{clerk, "PUT", "/sipxconfig/rest/my/callfwdsched/1", `{"name": "office2"}`, http.StatusForbidden},
		{clerk, "POST", "/sipxconfig/rest/my/callfwdsched", `{"name": "bad", "periods": [{"scheduledDay": 9, "start": {"hrs": 1, "min": 0}, "end": {"hrs": 2, "min": 0}}]}`, http.StatusUnprocessableEntity},
		{clerk, "POST", "/sipxconfig/rest/my/callfwdsched", `{"name": "bad", "periods": [{"scheduledDay": 2, "start": {"hrs": 10, "min": 0}, "end": {"hrs": 9, "min": 0}}]}`, http.StatusUnprocessableEntity},
		{clerk, "POST", "/sipxconfig/rest/my/callfwdsched", `{"name": "bad", "periods": [{"scheduledDay": 0, "start": {"hrs": 8, "min": 0}, "end": {"hrs": 12, "min": 0}}, {"scheduledDay": 2, "start": {"hrs": 11, "min": 0}, "end": {"hrs": 13, "min": 0}}]}`, http.StatusUnprocessableEntity},
		{clerk, "POST", "/sipxconfig/rest/my/callfwdsched", `{"name": "office", "periods": []}`, http.StatusUnprocessableEntity},
		{clerk, "PUT", path, `{"name": "evenings", "periods": [{"scheduledDay": 1, "start": {"hrs": 10, "min": 0}, "end": {"hrs": 11, "min": 0}}]}`, http.StatusOK},
	} {
		if a = tc.who.send(tc.method, tc.path, "application/json", tc.body); a.status != tc.status {
			t.Fatalf("%s %s %s: %d %s, want %d", tc.method, tc.path, tc.body, a.status, a.body, tc.status)
		}
	}
	if err := env.DB.Get(&periods, `SELECT string_agg(hours || '/' || weekdays, ';' ORDER BY position) FROM schedule_periods WHERE schedule_id = $1 AND mode = 'opened'`, id); err != nil || periods != "10:00-11:00/7" {
		t.Fatalf("periods after the PUT %q %v", periods, err)
	}
	var n int
	if err := env.DB.Get(&n, `SELECT count(*) FROM schedules`); err != nil || n != 2 {
		t.Fatalf("schedules after the refusals: %d %v", n, err)
	}
	// A ring limited to the personal schedule, one to a schedule the user may not use (the
	// boss's) and one to no schedule at all: the second is kept unlimited.
	a = boss.send("POST", "/sipxconfig/rest/my/callfwdsched", "application/json",
		`{"name": "boss only", "periods": [{"scheduledDay": 3, "start": {"hrs": 9, "min": 0}, "end": {"hrs": 10, "min": 0}}]}`)
	if a.status != http.StatusCreated {
		t.Fatalf("boss POST: %d %s", a.status, a.body)
	}
	var bossSched int
	if err := env.DB.Get(&bossSched, `SELECT id FROM schedules WHERE name = 'boss only'`); err != nil {
		t.Fatal(err)
	}
	rings := fmt.Sprintf(`{"rings": [{"number": "300", "expiration": 20, "type": "If no response", "enabled": true, "scheduleId": %d},
		{"number": "301", "expiration": 20, "type": "If no response", "enabled": true, "scheduleId": %d},
		{"number": "302", "expiration": 25, "type": "At the same time", "enabled": false}]}`, id, bossSched)
	if a = clerk.send("PUT", "/sipxconfig/rest/my/callfwd", "application/json", rings); a.status != http.StatusOK {
		t.Fatalf("PUT callfwd with schedules: %d %s", a.status, a.body)
	}
	var stored string
	if err := env.DB.Get(&stored, `SELECT string_agg(r.number || '@' || COALESCE(r.schedule_id::text, '-'), ',' ORDER BY r.position)
		FROM user_rings r JOIN users u ON u.id = r.user_id WHERE u.loginclient = 'clerk'`); err != nil ||
		stored != fmt.Sprintf("300@%d,301@-,302@-", id) {
		t.Fatalf("stored rings %q %v", stored, err)
	}
	a = clerk.send("GET", "/sipxconfig/rest/my/callfwd", "", "")
	if want := fmt.Sprintf(`{"enabled":true,"expiration":20,"number":"300","scheduleId":%d,"type":"If no response"}`, id); a.status != http.StatusOK ||
		!strings.Contains(a.body, want) || strings.Count(a.body, "scheduleId") != 1 {
		t.Fatalf("GET callfwd: %d %s, want a ring %s", a.status, a.body, want)
	}
	if a = clerk.send("DELETE", path, "", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	if err := env.DB.Get(&n, `SELECT count(*) FROM schedules`); err != nil || n != 2 {
		t.Fatalf("schedules after the delete: %d %v", n, err)
	}
	// The schedule's ring stays, unlimited.
	if err := env.DB.Get(&stored, `SELECT string_agg(r.number || '@' || COALESCE(r.schedule_id::text, '-'), ',' ORDER BY r.position)
		FROM user_rings r JOIN users u ON u.id = r.user_id WHERE u.loginclient = 'clerk'`); err != nil || stored != "300@-,301@-,302@-" {
		t.Fatalf("rings after the schedule's delete %q %v", stored, err)
	}
}
