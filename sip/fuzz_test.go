package sip

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emiago/sipgo/sip"
)

// FuzzRegisterBindings feeds REGISTERs with arbitrary Contact and Expires values through
// sipgo's parser and the registrar's checks: nothing panics, and whatever would be stored is a
// printable, re-parsable sip:/sips: URI of bounded length with an Expires inside the bounds.
func FuzzRegisterBindings(f *testing.F) {
	for _, seed := range [][2]string{
		{"<sip:201@127.0.0.1:5070>", "3600"},
		{"<sip:201@127.0.0.1:5070;transport=tcp>;expires=60", ""},
		{"<sip:201@[::1]:5070;ob>;+sip.instance=\"<urn:uuid:1>\"", "0"},
		{"*", "0"},
		{"<sip:201@127.0.0.1>;expires=99999999999999999999", "10"},
		{"\"Bob\" <sips:bob@example.test>, <sip:bob@10.0.0.1>", "120"},
		{"<tel:+331234>", "60"},
		{"<sip:\xc3\xa9@h\xff>", "6O"},
	} {
		f.Add(seed[0], seed[1])
	}
	lim := bindingLimits{def: regDefault, min: 60, max: 3600, natMin: 60, natMax: 3600}
	f.Fuzz(func(t *testing.T, contact, expires string) {
		if strings.ContainsAny(contact+expires, "\r\n") {
			return // a header value cannot hold a line break: that is another message
		}
		raw := "REGISTER sip:example.test SIP/2.0\r\n" +
			"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n" +
			"From: <sip:201@example.test>;tag=1\r\nTo: <sip:201@example.test>\r\n" +
			"Call-ID: fuzz\r\nCSeq: 1 REGISTER\r\nContact: " + contact + "\r\n"
		if expires != "" {
			raw += "Expires: " + expires + "\r\n"
		}
		raw += "Content-Length: 0\r\n\r\n"
		msg, err := sip.ParseMessage([]byte(raw))
		if err != nil {
			return
		}
		req, ok := msg.(*sip.Request)
		if !ok {
			return
		}
		ups, code, _, _ := parseBindings(req, lim)
		switch code {
		case 0, 400, 423:
		default:
			t.Fatalf("answer %d", code)
		}
		if code != 0 {
			return
		}
		for _, u := range ups {
			if u.all {
				continue
			}
			if u.expires != 0 && (u.expires < lim.min || u.expires > lim.max) {
				t.Fatalf("expires %d outside [%d, %d]", u.expires, lim.min, lim.max)
			}
			if len(u.contact) > 512 || !utf8.ValidString(u.contact) || strings.ContainsFunc(u.contact, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("stored contact %q", u.contact)
			}
			var back sip.Uri
			if err := sip.ParseUri(u.contact, &back); err != nil {
				t.Fatalf("stored contact %q does not parse: %v", u.contact, err)
			}
			if !strings.EqualFold(back.Scheme, "sip") && !strings.EqualFold(back.Scheme, "sips") || back.Host == "" {
				t.Fatalf("stored contact %q is not a sip: URI with a host", u.contact)
			}
		}
	})
}

// FuzzReplaceOrigin: rewriting the o= line of any SDP keeps every other line as it was, and
// the rewritten line reads back as the origin put in; the direction helpers never panic and
// always answer a known direction.
func FuzzReplaceOrigin(f *testing.F) {
	f.Add([]byte("v=0\r\no=- 123 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n"), uint64(7))
	f.Add([]byte("v=0\no=alice 2890844526 2890844526 IN IP6 ::1\ns=x\nm=audio 1 RTP/AVP 0\n"), uint64(1<<63))
	f.Add([]byte("o=\r\n"), uint64(0))
	f.Add([]byte("v=0\r\no=- 1 18446744073709551615 IN IP4 1.2.3.4\r\na=inactive\r\nm=video 0 RTP/AVP 96\r\na=recvonly\r\n"), uint64(2))
	f.Add(dummySDP("127.0.0.1"), uint64(3))
	f.Fuzz(func(t *testing.T, body []byte, version uint64) {
		o := parseOrigin(body)
		if o != nil {
			next := &sdpOrigin{user: o.user, id: o.id, version: version, addrParts: o.addrParts}
			out := replaceOrigin(body, next)
			got := parseOrigin(out)
			if got == nil || got.version != version || got.user != o.user || got.id != o.id || got.addrParts != o.addrParts {
				t.Fatalf("rewritten origin %+v, want %+v\n%q", got, next, out)
			}
			inLines, outLines := bytes.Split(body, []byte("\n")), bytes.Split(out, []byte("\n"))
			if len(inLines) != len(outLines) {
				t.Fatalf("%d lines became %d", len(inLines), len(outLines))
			}
			first := true
			for i := range inLines {
				if first && bytes.HasPrefix(inLines[i], []byte("o=")) {
					first = false
					continue
				}
				if !bytes.Equal(inLines[i], outLines[i]) {
					t.Fatalf("line %d changed: %q -> %q", i, inLines[i], outLines[i])
				}
			}
		} else if out := replaceOrigin(body, nil); !bytes.Equal(out, body) {
			t.Fatalf("no origin given, body changed")
		}
		d := offerDirection(body)
		switch answerDirection(d) {
		case dirSendRecv, dirRecvOnly, dirInactive:
		default:
			t.Fatalf("answer direction for %q", d)
		}
		if a := offerDirection(withDirection(dummySDP("127.0.0.1"), answerDirection(d))); a != answerDirection(d) {
			t.Fatalf("the answer says %q, want %q", a, answerDirection(d))
		}
	})
}
