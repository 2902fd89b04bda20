package xivo_test

import (
	"fmt"
	"testing"

	"pbxws/tests/testenv"
)

// Two simultaneous edits of different fields of one SIP trunk, one outcall, one parking
// lot, one phonebook contact and one settings section all survive, ten rounds each: every
// edit merges under the lock of what it edits.
func TestSimultaneousProvisioningEditsKeepEveryField(t *testing.T) {
	env := testenv.Start(t)
	l := newLocal(t, env)
	setupContexts(l)
	l.must("trunk_management/sip/", "act=add", `{"protocol": {"name": "t1", "context": "from-extern"}, "trunkfeatures": {}}`)
	l.must("call_management/outcall/", "act=add", `{"outcall": {"name": "o1", "context": "to-extern"}, "outcalltrunk": [1]}`)
	l.must("pbx_services/parkinglot/", "act=add", `{"name": "p1", "context": "default", "extension": "700", "positions": 10}`)
	l.must("pbx_services/phonebook/", "act=add", `{"phonebook": {"displayname": "A"}}`)
	const root = "/service/ipbx/json.php/private/"
	for _, tc := range []struct {
		path, id string
		a, b     func(round int) string
		check    string // a query returning one row when both edits of the round survived; $1 = round
	}{
		{"trunk_management/sip/", "1",
			func(r int) string { return fmt.Sprintf(`{"protocol": {"secret": "s%d"}}`, r) },
			func(r int) string { return fmt.Sprintf(`{"trunkfeatures": {"description": "d%d"}}`, r) },
			`SELECT count(*) FROM trunks WHERE secret = 's' || $1 AND description = 'd' || $1`},
		{"call_management/outcall/", "1",
			func(r int) string { return fmt.Sprintf(`{"outcall": {"description": "d%d"}}`, r) },
			func(r int) string { return fmt.Sprintf(`{"dialpattern": [{"exten": "_%d."}]}`, r) },
			`SELECT count(*) FROM outcalls o JOIN dial_patterns p ON p.outcall_id = o.id WHERE o.description = 'd' || $1 AND p.exten = '_' || $1 || '.'`},
		{"pbx_services/parkinglot/", "1",
			func(r int) string { return fmt.Sprintf(`{"positions": %d}`, r+1) },
			func(r int) string { return fmt.Sprintf(`{"description": "d%d"}`, r) },
			`SELECT count(*) FROM parking_lots WHERE positions = $1 + 1 AND description = 'd' || $1`},
		{"pbx_services/phonebook/", "1",
			func(r int) string { return fmt.Sprintf(`{"phonebooknumber": {"mobile": "06%d"}}`, r) },
			func(r int) string { return fmt.Sprintf(`{"phonebook": {"society": "s%d"}}`, r) },
			`SELECT count(*) FROM phonebook p JOIN phonebook_numbers n ON n.phonebook_id = p.id WHERE n.number = '06' || $1 AND p.society = 's' || $1`},
		{"general_settings/sip/", "",
			func(r int) string { return fmt.Sprintf(`{"bindport": %d}`, 6000+r) },
			func(r int) string { return fmt.Sprintf(`{"useragent": "ua%d"}`, r) },
			`SELECT count(*) FROM settings WHERE section = 'sip' AND value->>'bindport' = (6000 + $1)::text AND value->>'useragent' = 'ua' || $1`},
	} {
		for round := 0; round < 10; round++ {
			raceEdits(t, env, root+tc.path, tc.id, tc.a(round), tc.b(round))
			if n := count(t, env, tc.check, round); n != 1 {
				t.Fatalf("%s round %d: an edit was lost", tc.path, round)
			}
		}
	}
}
