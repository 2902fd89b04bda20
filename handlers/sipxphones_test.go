package handlers

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"pbxws/models"
)

// The phone and ERL decoders never panic and refuse only with ValidationErrors naming
// fields, whatever XML or JSON body they get.
func FuzzSipxPhoneAndERLDecoders(f *testing.F) {
	for _, s := range []string{
		`<phones><phone><serialNumber>0004f280cc95</serialNumber><model>polycomVVX410</model><version>5.0.X</version></phone></phones>`,
		`<phones><phone><serialNumber>0004f280cc95</serialNumber></phone><phone/></phones>`,
		`{"phones": [{"serialNumber": 1, "model": ["x"]}, null, "x"]}`,
		`<e911Locations><e911Location><elin>4235551212</elin><location>x</location><serial>0004f280cc95</serial></e911Location></e911Locations>`,
		`{"e911Locations": [{"elin": 4235551212, "location": {}}, 3]}`,
		`{"e911Location": {"elin": "14235551212"}}`,
		`<e911Location><elin><x/></elin></e911Location>`,
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
		_, err = decodeSipxPhones(body)
		check("phones", err)
		_, err = decodeERLs(body)
		check("erls", err)
		_, err = decodePhoneERLs(body)
		check("phone links", err)
		_, err = bodyELIN(&Request{Decoded: body})
		check("ELIN", err)
	})
}

// Profiles stay well-formed and on their lines whatever the names and secrets hold.
func TestPhoneProfilesEscapeWhatTheyCarry(t *testing.T) {
	p := phoneFacts{serial: "0004f280cc95", server: ProvisioningServer{Host: "pbx.example.com", Port: "5060"},
		lines: []profileLine{{slot: 1, user: "u1", password: `p"<&'>`, extension: "1001", display: oneLine("Jo \"Jr\" <x>\r\nreg.2.x=1")}}}
	dec := xml.NewDecoder(strings.NewReader(string(polycomPhone(p))))
	var reg map[string]string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Polycom profile is not XML: %v\n%s", err, polycomPhone(p))
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "reg" {
			reg = map[string]string{}
			for _, a := range se.Attr {
				reg[a.Name.Local] = a.Value
			}
		}
	}
	if reg["reg.1.auth.password"] != `p"<&'>` || reg["reg.1.displayName"] != `Jo "Jr" <x>  reg.2.x=1` || len(reg) != 7 {
		t.Fatalf("reg attributes: %v", reg)
	}
	if y := string(yealinkConfig(p)); strings.Count(y, "\n") != 9 || !strings.Contains(y, "account.1.display_name = Jo \"Jr\" <x>  reg.2.x=1\n") {
		t.Fatalf("Yealink profile:\n%s", y)
	}
}
