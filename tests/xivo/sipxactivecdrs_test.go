package xivo_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// /my/activecdrs from the call event log, as Asterisk writes it: the calls one of the user's
// lines takes part in and that have no LINKEDID_END, from the last day.
func TestSipxActiveCDRsFromCEL(t *testing.T) {
	env, c := sipxSetup(t)
	addUser(t, c, `{"userfeatures": {"firstname": "Ann", "loginclient": "ann", "passwdclient": "annpin12"},
		"linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1010"], "name": ["annline"]}}`)
	addUser(t, c, `{"userfeatures": {"firstname": "Bob", "loginclient": "bob", "passwdclient": "bobpin12"},
		"linefeatures": {"protocol": ["sip"], "context": ["default"], "number": ["1011"], "name": ["bobline"]}}`)
	now := time.Now()
	at := func(ago time.Duration) string { return now.Add(-ago).Format("2006-01-02 15:04:05.000000") }
	ev := func(typ string, ago time.Duration, chan_, cidNum, exten, uniqueid, linkedid string) {
		t.Helper()
		if _, err := env.DB.Exec(`INSERT INTO cel (eventtype, eventtime, cid_num, exten, context, channame, uniqueid, linkedid)
			VALUES ($1, $2, $3, $4, 'default', $5, $6, $7)`, typ, at(ago), cidNum, exten, chan_, uniqueid, linkedid); err != nil {
			t.Fatal(err)
		}
	}
	// 1: ann calls bob, answered, in progress.
	ev("CHAN_START", 90*time.Second, "SIP/annline-00000001", "1010", "1011", "1.1", "1.1")
	ev("CHAN_START", 89*time.Second, "SIP/bobline-00000002", "1011", "s", "1.2", "1.1")
	ev("ANSWER", 85*time.Second, "SIP/bobline-00000002", "1011", "", "1.2", "1.1")
	ev("ANSWER", 85*time.Second, "SIP/annline-00000001", "1010", "1011", "1.1", "1.1")
	ev("BRIDGE_ENTER", 85*time.Second, "SIP/annline-00000001", "1010", "1011", "1.1", "1.1")
	// 2: a trunk called ann; over.
	ev("CHAN_START", time.Hour, "SIP/provider-00000003", "0612345678", "1010", "2.1", "2.1")
	ev("CHAN_START", time.Hour, "SIP/annline-00000004", "1010", "s", "2.2", "2.1")
	ev("HANGUP", 50*time.Minute, "SIP/annline-00000004", "1010", "", "2.2", "2.1")
	ev("LINKEDID_END", 50*time.Minute, "SIP/provider-00000003", "0612345678", "1010", "2.1", "2.1")
	// 3: a trunk calls ann; ringing.
	ev("CHAN_START", 10*time.Second, "PJSIP/provider-00000005", "0698765432", "1010", "3.1", "3.1")
	ev("CHAN_START", 9*time.Second, "PJSIP/annline-0000000a", "1010", "s", "3.2", "3.1")
	// 4: two days old, never ended: not in progress any more.
	ev("CHAN_START", 48*time.Hour, "SIP/annline-00000007", "1010", "1099", "4.1", "4.1")
	// 5: bob's call that ann has no part in.
	ev("CHAN_START", 20*time.Second, "SIP/bobline-00000008", "1011", "0155555555", "5.1", "5.1")
	ev("CHAN_START", 19*time.Second, "SIP/provider-00000009", "1011", "0155555555", "5.2", "5.1")

	ann := newSipx(t, env, "ann", "annpin12")
	a := ann.send("GET", "/sipxconfig/rest/my/activecdrs", "", "")
	cdr := func(from, to, dir, recipient, internal, typ string, ago time.Duration) string {
		r := ""
		if recipient != "" {
			r = "<recipient>" + recipient + "</recipient>"
		}
		return fmt.Sprintf(`<cdr><from>%s</from><from-aor>&lt;sip:%s@[^&]+&gt;</from-aor><to>%s</to><to-aor>&lt;sip:%s@[^&]+&gt;</to-aor><direction>%s</direction>%s<internal>%s</internal><type>%s</type><start-time>%d</start-time><duration>\d+</duration></cdr>`,
			from, from, to, to, dir, r, internal, typ, now.Add(-ago).UnixMilli())
	}
	want := regexp.MustCompile(`^<\?xml version="1.0" encoding="UTF-8"\?><cdrs>` + cdr("1010", "1011", "OUTBOUND", "1011", "true", "Internal", 90*time.Second) +
		cdr("0698765432", "1010", "INCOMING", "", "false", "Unknown", 10*time.Second) + `</cdrs>$`)
	if a.status != http.StatusOK || !want.MatchString(a.body) {
		t.Fatalf("ann's active calls: %d %s\nwant %s", a.status, a.body, want)
	}
	// The duration runs from the start.
	m := regexp.MustCompile(`<duration>(\d+)</duration>`).FindStringSubmatch(a.body)
	var d int64
	fmt.Sscan(m[1], &d)
	if d < 90000 || d > 90000+int64(time.Since(now)/time.Millisecond)+1000 {
		t.Fatalf("duration %d ms, want about 90 s", d)
	}
	// Bob sees the first call from his side, and his own; as JSON.
	a = newSipx(t, env, "bob", "bobpin12").send("GET", "/sipxconfig/rest/my/activecdrs", "", "", "Accept", "application/json")
	var doc struct {
		CDRs []map[string]any `json:"cdrs"`
	}
	if a.status != http.StatusOK || json.Unmarshal([]byte(a.body), &doc) != nil || len(doc.CDRs) != 2 {
		t.Fatalf("bob's active calls: %d %s", a.status, a.body)
	}
	if g := doc.CDRs[0]; g["direction"] != "INCOMING" || g["recipient"] != "1011" || g["internal"] != true || g["from"] != "1010" {
		t.Fatalf("bob's view of ann's call: %v", g)
	}
	if g := doc.CDRs[1]; g["direction"] != "OUTBOUND" || g["to"] != "0155555555" || g["internal"] != false || g["recipient"] != nil {
		t.Fatalf("bob's outgoing call: %v", g)
	}
	// A user without lines has none; no credentials: 401.
	if a = newSipx(t, env, "clerk", "clerkpin").send("GET", "/sipxconfig/rest/my/activecdrs", "", ""); a.status != http.StatusOK ||
		!strings.HasSuffix(a.body, "<cdrs></cdrs>") {
		t.Fatalf("clerk's active calls: %d %s", a.status, a.body)
	}
	if a = newSipx(t, env, "", "").send("GET", "/sipxconfig/rest/my/activecdrs", "", ""); a.status != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d", a.status)
	}
}
