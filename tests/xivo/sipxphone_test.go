package xivo_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"pbxws/tests/testenv"
	"pbxws/web"
)

// sipX POST /phone makes XiVO devices; /phone/{serial}/profile/{name} writes their
// provisioning files from the lines json.php attaches to them (sipx-rest.md §5.9).

const sipxPhones = "/sipxconfig/rest/phone"

func deviceRows(t *testing.T, env *testenv.Env) string {
	t.Helper()
	return tablesSnapshot(t, env, "devices", "lines")
}

func TestSipxPhonePostMakesXivoDevices(t *testing.T) {
	env, c := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")

	// The seed's body, two phones at once; 200 with an empty body.
	a := boss.send("POST", sipxPhones, "text/xml", `<?xml version="1.0" encoding="UTF-8"?>
<phones>
  <phone><serialNumber>0004F280CC95</serialNumber><model>polycomVVX410</model><description>front desk</description><version>5.0.X</version></phone>
  <phone><serialNumber>805ec0aabbcc</serialNumber><model>yealinkPhoneT46</model></phone>
</phones>`)
	if a.status != http.StatusOK || a.body != "" {
		t.Fatalf("POST /phone: %d %s", a.status, a.body)
	}
	var rows []string
	if err := env.DB.Select(&rows, `SELECT concat_ws('|', mac, vendor, model, version, description) FROM devices ORDER BY mac`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows, "\n") != "00:04:f2:80:cc:95|Polycom|VVX410|5.0.X|front desk\n80:5e:c0:aa:bb:cc|Yealink|T46G||" {
		t.Fatalf("devices: %q", rows)
	}
	// json.php sees them as devices.
	seen := map[string]map[string]any{}
	for _, d := range c.list(devicesPath, "act=list") {
		seen[d["mac"].(string)] = d
	}
	if d := seen["00:04:f2:80:cc:95"]; d == nil || d["vendor"] != "Polycom" || d["model"] != "VVX410" || d["version"] != "5.0.X" {
		t.Fatalf("json.php devices: %v", seen)
	}
	if d := seen["80:5e:c0:aa:bb:cc"]; d == nil || d["vendor"] != "Yealink" || d["model"] != "T46G" {
		t.Fatalf("json.php devices: %v", seen)
	}

	// Refusals: 400 naming the phone and the field, 409 for a serial number already taken;
	// a good phone beside a bad one is not made either.
	before := deviceRows(t, env)
	good := `<phone><serialNumber>0004f2000001</serialNumber><model>polycom335</model></phone>`
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"short serial", `<phones>` + good + `<phone><serialNumber>0004f280cc9</serialNumber><model>polycom335</model></phone></phones>`, 400, "phones[1].serialNumber"},
		{"not hex", `<phones><phone><serialNumber>0004f280cc9g</serialNumber><model>polycom335</model></phone></phones>`, 400, "phones[0].serialNumber"},
		{"separators", `<phones><phone><serialNumber>00:04:f2:80:cc:96</serialNumber><model>polycom335</model></phone></phones>`, 400, "phones[0].serialNumber"},
		{"no serial", `<phones><phone><model>polycom335</model></phone></phones>`, 400, "phones[0].serialNumber: is required"},
		{"unknown model", `<phones>` + good + `<phone><serialNumber>0004f2000002</serialNumber><model>polycom9999</model></phone></phones>`, 400, "phones[1].model: is no phone model"},
		{"no model", `<phones><phone><serialNumber>0004f2000002</serialNumber></phone></phones>`, 400, "phones[0].model: is required"},
		{"bad version", `<phones><phone><serialNumber>0004f2000002</serialNumber><model>polycom335</model><version>9.9.X</version></phone></phones>`, 400, "phones[0].version"},
		{"long description", `<phones><phone><serialNumber>0004f2000002</serialNumber><model>polycom335</model><description>` + strings.Repeat("d", 256) + `</description></phone></phones>`, 400, "phones[0].description"},
		{"twice in the body", `<phones>` + good + good + `</phones>`, 400, "phones[1].serialNumber: is also the serial number of phones[0]"},
		{"taken", `<phones>` + good + `<phone><serialNumber>805EC0AABBCC</serialNumber><model>polycom335</model></phone></phones>`, 409, "phones[1].serialNumber"},
		{"empty list", `<phones></phones>`, 400, "phones: must hold at least one"},
		{"other root", `<phone><serialNumber>0004f2000002</serialNumber></phone>`, 400, "phones: is required"},
		{"DOCTYPE", `<!DOCTYPE phones [<!ENTITY x "0004f2000002">]><phones><phone><serialNumber>&x;</serialNumber><model>polycom335</model></phone></phones>`, 400, "DOCTYPE"},
		{"malformed", `<phones><phone>`, 400, "well-formed"},
	} {
		a := boss.send("POST", sipxPhones, "text/xml", tc.body)
		if a.status != tc.status || !strings.Contains(a.body, tc.want) {
			t.Errorf("%s: %d %s, want %d naming %q", tc.name, a.status, a.body, tc.status, tc.want)
		}
		if after := deviceRows(t, env); after != before {
			t.Fatalf("%s: the database changed:\n%s\nwas\n%s", tc.name, after, before)
		}
	}
	// Only POST is offered.
	if a := boss.send("GET", sipxPhones, "", ""); a.status != http.StatusMethodNotAllowed || !strings.Contains(a.header.Get("Allow"), "POST") {
		t.Fatalf("GET /phone: %d %q", a.status, a.header.Get("Allow"))
	}
}

// profileAttrs reads the attributes of an element of a Polycom XML profile.
func profileAttrs(t *testing.T, body, element string) map[string]string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("no <%s> in %s: %v", element, body, err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == element {
			out := map[string]string{}
			for _, a := range se.Attr {
				out[a.Name.Local] = a.Value
			}
			return out
		}
	}
}

func TestSipxPhoneProfilesCarryTheLinesJSONPHPAttaches(t *testing.T) {
	env, c := sipxSetup(t, func(cfg *web.Config) { cfg.SIPDomain = "pbx.example.com" })
	boss := newSipx(t, env, "boss", "bosspin1")
	if a := boss.send("POST", sipxPhones, "application/xml", `<phones><phone><serialNumber>0004f280cc95</serialNumber><model>polycomVVX410</model></phone>`+
		`<phone><serialNumber>805ec0aabbcc</serialNumber><model>yealinkPhoneT46</model></phone>`+
		`<phone><serialNumber>00085d112233</serialNumber><model>aastra6731i</model></phone>`+
		`<phone><serialNumber>001122334455</serialNumber><model>genericSipPhone</model></phone></phones>`); a.status != http.StatusOK {
		t.Fatalf("POST /phone: %d %s", a.status, a.body)
	}
	user := addUser(t, c, `{"userfeatures": {"firstname": "Jack", "lastname": "Johnson"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1042"]}}`)
	var line struct {
		ID     int    `db:"id"`
		Name   string `db:"name"`
		Secret string `db:"secret"`
	}
	if err := env.DB.Get(&line, `SELECT id, name, secret FROM lines WHERE user_id = $1`, user); err != nil {
		t.Fatal(err)
	}
	var polycom, yealink, aastra string
	for mac, dst := range map[string]*string{"00:04:f2:80:cc:95": &polycom, "80:5e:c0:aa:bb:cc": &yealink, "00:08:5d:11:22:33": &aastra} {
		if err := env.DB.Get(dst, `SELECT id FROM devices WHERE mac = $1`, mac); err != nil {
			t.Fatal(err)
		}
	}
	attach := func(device string, slot int) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"linefeatures": map[string]any{"device": device, "num": slot}})
		if st, _, raw := c.do("POST", linesPath, "act=edit&id="+strconv.Itoa(line.ID), json.RawMessage(body)); st != http.StatusOK {
			t.Fatalf("attach the line through json.php: %d %s", st, raw)
		}
	}

	// Before any line: the registrations file has none.
	profile := sipxPhones + "/0004f280cc95/profile/"
	a := boss.send("GET", profile+"0004f280cc95-sipx-phone.cfg", "", "")
	if a.status != http.StatusOK || strings.Contains(a.body, "reg.1.") {
		t.Fatalf("profile without lines: %d %s", a.status, a.body)
	}
	attach(polycom, 1)
	before := deviceRows(t, env)
	// The profile's own type, whatever Accept asks.
	a = boss.send("GET", profile+"0004f280cc95-sipx-phone.cfg", "", "", "Accept", "application/json")
	if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/xml") {
		t.Fatalf("Polycom phone profile: %d %q %s", a.status, a.header.Get("Content-Type"), a.body)
	}
	reg := profileAttrs(t, a.body, "reg")
	want := map[string]string{"reg.1.displayName": "Jack Johnson", "reg.1.address": line.Name + "@pbx.example.com", "reg.1.label": "1042",
		"reg.1.auth.userId": line.Name, "reg.1.auth.password": line.Secret, "reg.1.server.1.address": "pbx.example.com"}
	for k, v := range want {
		if reg[k] != v {
			t.Fatalf("%s = %q, want %q (%s)", k, reg[k], v, a.body)
		}
	}
	a = boss.send("GET", profile+"0004f280cc95.cfg", "", "")
	if app := profileAttrs(t, a.body, "APPLICATION"); a.status != http.StatusOK || app["CONFIG_FILES"] != "0004f280cc95-sipx-phone.cfg" {
		t.Fatalf("Polycom master profile: %d %s", a.status, a.body)
	}
	if after := deviceRows(t, env); after != before {
		t.Fatal("reading a profile changed the database")
	}

	// The line moves to the Yealink, second key: its file has it, the Polycom's no more.
	attach(yealink, 2)
	a = boss.send("GET", sipxPhones+"/805ec0aabbcc/profile/805ec0aabbcc.cfg", "", "")
	for _, l := range []string{"account.2.enable = 1", "account.2.label = 1042", "account.2.display_name = Jack Johnson",
		"account.2.user_name = " + line.Name, "account.2.password = " + line.Secret, "account.2.sip_server.1.address = pbx.example.com"} {
		if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") || !strings.Contains(a.body, l+"\n") {
			t.Fatalf("Yealink profile lacks %q: %d %s", l, a.status, a.body)
		}
	}
	if a = boss.send("GET", profile+"0004f280cc95-sipx-phone.cfg", "", ""); strings.Contains(a.body, "reg.") {
		t.Fatalf("the Polycom still has the line: %s", a.body)
	}
	attach(aastra, 1)
	a = boss.send("GET", sipxPhones+"/00085d112233/profile/00085D112233.cfg", "", "")
	if a.status != http.StatusOK || !strings.Contains(a.body, "sip line1 auth name: "+line.Name+"\n") || !strings.Contains(a.body, "sip line1 password: "+line.Secret+"\n") {
		t.Fatalf("Aastra profile: %d %s", a.status, a.body)
	}

	// A device json.php makes with a catalogue model's vendor and model strings has that
	// model's profiles; one of another vendor is a generic SIP phone, with none.
	c.add(devicesPath, []byte(`{"mac": "00:04:F2:00:07:77", "vendor": "Polycom", "model": "VVX410"}`))
	c.add(devicesPath, []byte(`{"mac": "00:11:22:00:07:77", "vendor": "Snom", "model": "320"}`))
	if a := boss.send("GET", sipxPhones+"/0004f2000777/profile/0004f2000777.cfg", "", ""); a.status != http.StatusOK ||
		profileAttrs(t, a.body, "APPLICATION")["CONFIG_FILES"] != "0004f2000777-sipx-phone.cfg" {
		t.Fatalf("profile of a json.php device: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", sipxPhones+"/001122000777/profile/001122000777.cfg", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("profile of a generic json.php device: %d %s", a.status, a.body)
	}

	// 404: unknown phone, unknown profile name, a profile of another phone, the generic
	// phone's (it has none).
	for _, p := range []string{sipxPhones + "/0004f2ffffff/profile/0004f2ffffff.cfg", profile + "nothing.cfg",
		profile + "805ec0aabbcc.cfg", sipxPhones + "/001122334455/profile/001122334455.cfg", sipxPhones + "/zz/profile/x"} {
		if a := boss.send("GET", p, "", ""); a.status != http.StatusNotFound {
			t.Errorf("GET %s: %d %s", p, a.status, a.body)
		}
	}
}

// Every phone and ERL resource needs ADMIN: none → 401 with both challenges, USER → 403.
func TestSipxPhoneAndERLRoles(t *testing.T) {
	env, _ := sipxSetup(t)
	anon := newSipx(t, env, "", "")
	clerk := newSipx(t, env, "clerk", "clerkpin")
	for _, r := range []struct{ method, path string }{
		{"POST", sipxPhones}, {"GET", sipxPhones + "/0004f280cc95/profile/0004f280cc95.cfg"},
		{"GET", "/sipxconfig/rest/erls"}, {"PUT", "/sipxconfig/rest/erls"}, {"DELETE", "/sipxconfig/rest/erls?elin=4235551212"},
		{"GET", "/sipxconfig/rest/erl/elin/4235551212"}, {"PUT", "/sipxconfig/rest/erl/elin/4235551212"}, {"DELETE", "/sipxconfig/rest/erl/elin/4235551212"},
		{"GET", "/sipxconfig/rest/erl/user/clerk"}, {"PUT", "/sipxconfig/rest/erl/user/clerk"}, {"DELETE", "/sipxconfig/rest/erl/user/clerk"},
		{"GET", "/sipxconfig/rest/erl/group/sales"}, {"PUT", "/sipxconfig/rest/erl/group/sales"}, {"DELETE", "/sipxconfig/rest/erl/group/sales"},
		{"GET", "/sipxconfig/rest/erl/phone/0004f280cc95"}, {"PUT", "/sipxconfig/rest/erl/phones"},
		{"GET", "/sipxconfig/rest/erl/phonegroup/hq"}, {"PUT", "/sipxconfig/rest/erl/phonegroup/hq"}, {"DELETE", "/sipxconfig/rest/erl/phonegroup/hq"},
	} {
		a := anon.send(r.method, r.path, "text/plain", "4235551212")
		ch := a.header.Values("WWW-Authenticate")
		if a.status != http.StatusUnauthorized || len(ch) != 2 || !strings.HasPrefix(ch[0], "Digest ") || !strings.HasPrefix(ch[1], "Basic ") {
			t.Errorf("%s %s without credentials: %d %q", r.method, r.path, a.status, ch)
		}
		if a := clerk.send(r.method, r.path, "text/plain", "4235551212"); a.status != http.StatusForbidden {
			t.Errorf("%s %s as a USER: %d %s", r.method, r.path, a.status, a.body)
		}
	}
	var n int
	if err := env.DB.Get(&n, `SELECT (SELECT count(*) FROM devices) + (SELECT count(*) FROM erls) + (SELECT count(*) FROM user_erls)`); err != nil || n != 0 {
		t.Fatalf("refused requests wrote %d rows (%v)", n, err)
	}
}
