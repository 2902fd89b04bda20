package handlers

import (
	"reflect"
	"testing"

	"pbxws/models"
)

func TestDecodeDeviceFlatOrWrapped(t *testing.T) {
	want := models.Device{ID: "abc", MAC: "00-1A-2B-3C-4D-5E", IP: "10.0.0.1", Vendor: "Aastra", Model: "6731i",
		TemplateID: "tpl", Configured: true, Proto: "SIP"}
	for _, body := range []string{
		`{"id": "abc", "mac": "00-1A-2B-3C-4D-5E", "ip": " 10.0.0.1 ", "vendor": "Aastra", "model": "6731i", "template_id": "tpl", "configured": 1}`,
		`{"devicefeatures": {"id": "abc", "mac": "00-1A-2B-3C-4D-5E", "ip": "10.0.0.1", "vendor": "Aastra", "model": "6731i", "config": "tpl", "configured": true}}`,
	} {
		d := models.Device{Proto: "SIP"}
		if err := decodeDevice([]byte(body), &d); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if !reflect.DeepEqual(d, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", body, d, want)
		}
	}
}

func TestDecodeDeviceEditKeepsIDAndUnmentionedFields(t *testing.T) {
	d := models.Device{ID: "abc", MAC: "00:1a:2b:3c:4d:5e", Vendor: "Aastra"}
	if err := decodeDevice([]byte(`{"id": "other", "model": "6737i"}`), &d); err != nil {
		t.Fatal(err)
	}
	if d.ID != "abc" || d.MAC != "00:1a:2b:3c:4d:5e" || d.Vendor != "Aastra" || d.Model != "6737i" {
		t.Fatalf("%+v", d)
	}
}

func TestDecodeDeviceNamesBadFields(t *testing.T) {
	for _, tc := range []struct{ body, field string }{
		{``, "body"},
		{`[]`, "body"},
		{`{"mac": {"a": 1}}`, "mac"},
		{`{"configured": "perhaps"}`, "configured"},
		{`{"vendor": "a\nb"}`, "vendor"},
		{`{"devicefeatures": {"ip": []}}`, "devicefeatures.ip"},
		{`{"devicefeatures": "x"}`, "devicefeatures"},
	} {
		var d models.Device
		err := decodeDevice([]byte(tc.body), &d)
		ve, ok := err.(*models.ValidationError)
		if !ok {
			t.Errorf("%q: %v", tc.body, err)
			continue
		}
		if _, ok := ve.Fields[tc.field]; !ok {
			t.Errorf("%q: fields %v, want %s", tc.body, ve.Fields, tc.field)
		}
	}
}

// decodeDevice runs the json.php device codec over a raw body.
func decodeDevice(b []byte, d *models.Device) error {
	body, err := DecodeBody(b)
	if err != nil {
		return err
	}
	_, err = deviceCodec{xivoDeviceNames}.Decode(body, d)
	return err
}
