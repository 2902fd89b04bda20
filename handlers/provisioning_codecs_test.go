package handlers

import (
	"errors"
	"reflect"
	"testing"

	"pbxws/models"
)

// xivo-ws's outcall body: dial patterns column-wise, in reverse order of the caller's list,
// closed by an all-empty sentinel that is dropped; stripnum as a number or a string.
func TestOutcallDialPatternColumnsDropTheSentinel(t *testing.T) {
	body := mustBody(t, `{"outcall": {"name": "o1", "context": "to-extern"}, "outcalltrunk": [1, "2"],
		"dialpattern": {"id": ["0", "0", ""], "externprefix": ["", "", ""], "prefix": ["", "", ""],
			"exten": ["911", "NXXNXXXXXX", ""], "stripnum": [1, "0", ""], "callerid": ["x", "", ""]}}`)
	o, err := outcallCodec{xivoOutcallNames}.Decode(body, &models.Outcall{})
	if err != nil {
		t.Fatal(err)
	}
	want := []models.DialPattern{{Exten: "911", StripNum: 1, CallerID: "x"}, {Exten: "NXXNXXXXXX"}}
	if !reflect.DeepEqual(o.Patterns, want) || !reflect.DeepEqual(o.Trunks, []int{1, 2}) {
		t.Fatalf("patterns %+v trunks %v", o.Patterns, o.Trunks)
	}
	// Without dialpattern the stored patterns stay (nil: not written).
	o, _ = outcallCodec{xivoOutcallNames}.Decode(mustBody(t, `{"outcall": {"description": "d"}}`), &models.Outcall{ID: 1})
	if o.Patterns != nil || o.Trunks != nil {
		t.Fatalf("an edit without lists replaces them: %+v", o)
	}
}

// A trunk's host comes from host or from host-type/host-static; allow is a list or a string.
func TestTrunkDecodeHostAndAllow(t *testing.T) {
	c := trunkCodec{xivoTrunkNames, "sip"}
	for _, tc := range []struct{ body, host, allow string }{
		{`{"protocol": {"name": "t", "host-type": "static", "host-static": "10.0.0.1"}, "trunkfeatures": {}}`, "10.0.0.1", ""},
		{`{"protocol": {"name": "t", "host-type": "dynamic", "host": "ignored"}, "trunkfeatures": {}}`, "dynamic", ""},
		{`{"protocol": {"name": "t", "host": "sip.example.com", "allow": ["alaw", " ulaw "]}, "trunkfeatures": {}}`, "sip.example.com", "alaw,ulaw"},
		{`{"protocol": {"name": "t", "allow": "g729,alaw"}, "trunkfeatures": {}}`, "dynamic", "g729,alaw"},
	} {
		tr, err := c.Decode(mustBody(t, tc.body), &models.Trunk{Host: "dynamic"})
		if err != nil || tr.Host != tc.host || tr.Options["allow"] != tc.allow || tr.Protocol != "sip" {
			t.Errorf("%s: %+v %v", tc.body, tr, err)
		}
	}
}

// Settings are read by their declared kind, and a view posted back reads as it was shown.
func TestSettingsDecodeByKind(t *testing.T) {
	sec := models.SettingsSectionNamed("sccp")
	base := &models.Settings{Section: sec, Values: map[string]any{"directmedia": false, "dialtimeout": 5, "language": "en_US", "keepalive": 60, "allow": "", "disallow": ""}}
	c := settingsCodec{section: sec, wrap: "sccpgeneralsettings"}
	s, err := c.Decode(mustBody(t, `{"directmedia": 1, "dialtimeout": "7"}`), base)
	if err != nil || s.Values["directmedia"] != true || s.Values["dialtimeout"] != 7 || s.Values["language"] != "en_US" {
		t.Fatalf("%v %v", s.Values, err)
	}
	if base.Values["directmedia"] != false {
		t.Fatal("Decode changed the stored values")
	}
	s, err = c.Decode(mustBody(t, `{"sccpgeneralsettings": {"directmedia": "yes", "language": "fr_FR"}}`), base)
	if err != nil || s.Values["directmedia"] != true || s.Values["language"] != "fr_FR" {
		t.Fatalf("nested: %v %v", s.Values, err)
	}
	_, err = c.Decode(mustBody(t, `{"dialtimeout": "soon", "directmedia": 3, "nope": 1}`), base)
	var ve *models.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 3 || ve.Fields["nope"] == "" || ve.Fields["dialtimeout"] == "" || ve.Fields["directmedia"] == "" {
		t.Fatalf("bad values: %v", err)
	}
}

// The codecs of trunks, outcalls, parking lots, the phonebook and the settings never panic
// and fail only with ValidationErrors naming fields, whatever body they get.
func FuzzProvisioningCodecs(f *testing.F) {
	for _, s := range []string{
		`{"protocol": {"name": "t", "allow": [1, null]}, "trunkfeatures": [], "register": {"host": "h"}}`,
		`{"outcall": {}, "outcalltrunk": [{"id": 1}, null], "dialpattern": {"exten": [1], "stripnum": [[]]}}`,
		`{"outcall": {}, "dialpattern": [{"exten": "1"}, 2]}`,
		`{"name": "p", "extension": 1, "positions": "x"}`,
		`{"phonebook": {}, "phonebooknumber": {"x": []}, "phonebookaddress": {"home": 1}}`,
		`{"generalmeetme": {"audiobuffers": "8"}, "sccpgeneralsettings": {"language": 1}}`,
		`{"authentication": [{"user": 1, "x": null}, 2], "register": ["a@b", 1, []]}`,
		`{"extenfeatures": {"xivo-features": {"fwdbusy": {"commented": "x"}}}, "featuremap": 1}`,
	} {
		f.Add([]byte(s))
	}
	decoders := []func(map[string]any) error{
		func(m map[string]any) error {
			_, err := (trunkCodec{xivoTrunkNames, "sip"}).Decode(m, &models.Trunk{})
			return err
		},
		func(m map[string]any) error {
			_, err := (trunkCodec{xivoTrunkNames, "custom"}).Decode(m, &models.Trunk{})
			return err
		},
		func(m map[string]any) error {
			_, err := (outcallCodec{xivoOutcallNames}).Decode(m, &models.Outcall{})
			return err
		},
		func(m map[string]any) error {
			_, err := (parkingLotCodec{xivoParkingLotNames}).Decode(m, &models.ParkingLot{})
			return err
		},
		func(m map[string]any) error {
			_, err := (phonebookCodec{xivoPhonebookNames}).Decode(m, &models.PhonebookEntry{})
			return err
		},
		func(m map[string]any) error {
			sec := models.SettingsSectionNamed("advanced")
			_, err := (settingsCodec{section: sec}).Decode(m, &models.Settings{Section: sec, Values: map[string]any{}})
			return err
		},
		func(m map[string]any) error {
			sec := models.SettingsSectionNamed("sip")
			_, err := (settingsCodec{section: sec}).Decode(m, &models.Settings{Section: sec, Values: map[string]any{}})
			return err
		},
		func(m map[string]any) error {
			set := models.SettingsSet{}
			for _, name := range models.ExtenFeatureSections {
				set[name] = &models.Settings{Section: models.SettingsSectionNamed(name), Values: map[string]any{}}
			}
			_, err := extenFeaturesCodec{}.Decode(m, &set)
			return err
		},
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeBody(b)
		if err != nil {
			return
		}
		for i, d := range decoders {
			if err := d(m); err != nil {
				var ve *models.ValidationError
				if !errors.As(err, &ve) || len(ve.Fields) == 0 {
					t.Fatalf("decoder %d: %v is not a ValidationError naming a field", i, err)
				}
			}
		}
	})
}
