package handlers

import (
	"testing"
	"time"

	"pbxws/models"
)

// The CEL writer's output is byte for byte EncodeJSON of the same rows as maps.
func TestCELListMatchesEncodeJSON(t *testing.T) {
	evs := []models.CELEvent{
		{ID: "1", EventType: "CHAN_START", EventTime: "2012-02-28 10:00:00.5", CIDName: `Jé "Jack" \ </script>`, AppData: "SIP/line2,30,tT", AMAFlags: "3", Context: "default"},
		{ID: "2", EventType: "HANGUP", EventTime: "2012-02-28 10:00:01", CIDName: "\u2028 emoji 😀", AMAFlags: "9"},
	}
	for _, meta := range []bool{false, true} {
		var maps []map[string]string
		for _, e := range evs {
			m := map[string]string{"id": e.ID, "eventtype": e.EventType, "eventtime": e.EventTime, "userdeftype": e.UserDefType,
				"cid_name": e.CIDName, "cid_num": e.CIDNum, "cid_ani": e.CIDANI, "cid_rdnis": e.CIDRDNIS, "cid_dnid": e.CIDDNID,
				"exten": e.Exten, "context": e.Context, "channame": e.ChanName, "appname": e.AppName, "appdata": e.AppData,
				"amaflags": e.AMAFlags, "accountcode": e.AccountCode, "peeraccount": e.PeerAccount, "uniqueid": e.UniqueID,
				"linkedid": e.LinkedID, "userfield": e.UserField, "peer": e.Peer}
			if meta {
				m["amaflagsmeta"] = amaFlagName(e.AMAFlags)
			}
			maps = append(maps, m)
		}
		want, err := EncodeJSON(maps)
		if err != nil {
			t.Fatal(err)
		}
		got, release, err := RenderJSON(celList{evs, meta})
		if err != nil || string(got) != string(want) {
			t.Fatalf("meta=%v:\n got %s\nwant %s", meta, got, want)
		}
		release()
	}
	if amaFlagName("3") != "documentation" || amaFlagName("9") != "default" || amaFlagName("x") != "default" {
		t.Fatal("amaFlagName")
	}
}

func TestCELPeriod(t *testing.T) {
	day := func(y int, m time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, m, d, h, mi, s, 0, time.Local)
	}
	for _, c := range []struct {
		in       string
		from, to time.Time
	}{
		{"2012", day(2012, 1, 1, 0, 0, 0), day(2013, 1, 1, 0, 0, 0)},
		{"2012-2", day(2012, 2, 1, 0, 0, 0), day(2012, 3, 1, 0, 0, 0)},
		{"2012-12", day(2012, 12, 1, 0, 0, 0), day(2013, 1, 1, 0, 0, 0)},
		{"2012-02-29", day(2012, 2, 29, 0, 0, 0), day(2012, 3, 1, 0, 0, 0)},
		{"2012-2-8", day(2012, 2, 8, 0, 0, 0), day(2012, 2, 9, 0, 0, 0)},
		{"2012-02-28 23:59:59", day(2012, 2, 28, 23, 59, 59), day(2012, 2, 29, 0, 0, 0)},
	} {
		from, to, ok := celPeriod(c.in)
		if !ok || !from.Equal(c.from) || !to.Equal(c.to) {
			t.Errorf("%q: %v %v %v", c.in, from, to, ok)
		}
	}
	for _, bad := range []string{"", "12", "2012-", "2012-0", "2012-13", "2011-02-29", "2012-02-28T10:00:00", "2012-02-28 24:00:00", "2012-02-28 10:60:00", "2012-02-28 10:00", "20120228", " 2012"} {
		if _, _, ok := celPeriod(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}
