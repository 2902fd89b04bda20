package handlers

import "testing"

// A quoted parameter may hold the colon and the semicolon that otherwise end the name.
func TestVCardQuotedParameters(t *testing.T) {
	cards, err := parseVCards([]byte("\xef\xbb\xbfBEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;John\r\n" +
		"ADR;LABEL=\"1 Main: St; Flat 2\";TYPE=HOME:;;1 Main St;Paris;;75001;FR\r\nEND:VCARD\r\n"))
	if err != nil || len(cards) != 1 {
		t.Fatalf("%v %v", cards, err)
	}
	var e struct{ ok bool }
	for _, p := range cards[0] {
		if p.Name == "ADR" {
			e.ok = p.is("HOME") && p.Value == ";;1 Main St;Paris;;75001;FR"
		}
	}
	if !e.ok {
		t.Fatalf("the ADR line: %+v", cards[0])
	}
}
