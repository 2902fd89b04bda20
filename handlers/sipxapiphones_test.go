package handlers

import (
	"errors"
	"strings"
	"testing"

	"pbxws/models"
)

// The phone, line and sendProfile body decoders never panic and refuse only with
// ValidationErrors naming fields, whatever XML or JSON body they get.
func FuzzSipxAPIPhoneDecoders(f *testing.F) {
	for _, s := range []string{
		`{"serialNo":"00:04:F2:80:CC:95","description":"front desk","deviceVersion":"5.0.X","model":{"modelId":"polycomVVX410"},"groups":[{"name":"hq"}]}`,
		`<Phone><serialNo>001122334455</serialNo><model><modelId>genericSipPhone</modelId></model><groups><Group><name>a</name></Group></groups></Phone>`,
		`{"serialNo":["x"],"model":"polycom","groups":{"name":3},"description":null}`,
		`{"user":"jill"}`,
		`<Line><userId>ext-7</userId><password>Pw7</password><registrationServerPort>70000</registrationServerPort><extension>3a</extension></Line>`,
		`{"ids":[1,"2",null]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var body map[string]any
		var err error
		if strings.HasPrefix(strings.TrimSpace(string(b)), "<") {
			body, err = DecodeSipxXML(b)
		} else {
			body, err = DecodeBody(b)
		}
		if err != nil {
			return
		}
		check := func(name string, err error) {
			var ve *models.ValidationError
			if err != nil && (!errors.As(err, &ve) || len(ve.Fields) == 0) {
				t.Fatalf("%s: %T %v", name, err, err)
			}
		}
		in, err := decodePhoneBody(&Request{Decoded: body})
		check("phone", err)
		if err == nil && in.serial != nil && *in.serial != "" {
			if _, ok := models.NormalizeMAC(*in.serial); !ok {
				t.Fatalf("accepted serialNo %q", *in.serial)
			}
		}
		_, _, err = decodeLineBody(&Request{Decoded: body})
		check("line", err)
	})
}

func TestLineBeanShowsUserAndExternalLines(t *testing.T) {
	first, last := "Jack", "Johnson"
	f := phoneLineFacts{server: ProvisioningServer{Host: "pbx.example.com", Port: "5060"}, voicemail: "*98"}
	user := models.PhoneLine{Line: models.Line{ID: 7, Name: "jj", Number: "1042", Secret: "s", OwnerFirstname: &first, OwnerLastname: &last}, OwnerLogin: "jack"}
	var b strings.Builder
	doc, _ := APIDoc{Root: "Line", Value: lineBean(user, f)}.Render("application/json")
	b.Write(doc)
	if want := `{"id":7,"uri":"\"Jack Johnson\"<sip:jj@pbx.example.com>","user":"jack","userId":"jj","extension":"1042","displayName":"Jack Johnson","password":"s","registrationServer":"pbx.example.com","registrationServerPort":"5060","voicemail":"*98"}`; b.String() != want {
		t.Errorf("user line:\n%s\nwant\n%s", b.String(), want)
	}
	user.CallerID = `"Front" <1042>`
	if got := lineBean(user, f)[5].Value; got != "Front" {
		t.Errorf("display name from the caller id: %v", got)
	}
	ext := models.PhoneLine{Line: models.Line{ID: 8, Name: "e8"}, External: true, ExtServer: "sip.example.net"}
	doc, _ = APIDoc{Root: "Line", Value: lineBean(ext, f)}.Render("application/json")
	if want := `{"id":8,"uri":"<sip:e8@sip.example.net>","user":null,"userId":"e8","extension":null,"displayName":null,"password":null,"registrationServer":"sip.example.net","registrationServerPort":null,"voicemail":null}`; string(doc) != want {
		t.Errorf("external line:\n%s\nwant\n%s", doc, want)
	}
}
