package web

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"strings"
	"testing"

	"pbxws/models"
)

func compress(t testing.TB, coding string, b []byte) []byte {
	var buf bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w = zlib.NewWriter(&buf)
	case "rawdeflate":
		w, _ = flate.NewWriter(&buf, flate.BestSpeed)
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestDecodeBody(t *testing.T) {
	body := []byte(`{"userfeatures": {"firstname": "Jack"}}`)
	for _, c := range []struct{ coding, as string }{{"", ""}, {"identity", ""}, {"gzip", "gzip"}, {"x-gzip", "gzip"}, {"deflate", "deflate"}, {"deflate", "rawdeflate"}} {
		raw := body
		if c.as != "" {
			raw = compress(t, c.as, body)
		}
		got, err := decodeBody(raw, c.coding, 1000)
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("%s as %s: %q %v", c.coding, c.as, got, err)
		}
	}
	// Limits on the decoded size, exactly at and just over it.
	big := bytes.Repeat([]byte("a"), 1000)
	if _, err := decodeBody(compress(t, "gzip", big), "gzip", 1000); err != nil {
		t.Errorf("decoded size at the limit: %v", err)
	}
	for _, coding := range []string{"", "gzip", "deflate"} {
		raw := append(big, 'a')
		if coding != "" {
			raw = compress(t, coding, raw)
		}
		var ve *models.ValidationError
		if _, err := decodeBody(raw, coding, 1000); !errors.As(err, &ve) || !strings.Contains(ve.Fields["body"], "1000 bytes") {
			t.Errorf("%q one byte over: %v", coding, err)
		}
	}
	if got, err := decodeBody(nil, "gzip", 1000); err != nil || len(got) != 0 {
		t.Errorf("an empty body with Content-Encoding gzip: %q %v", got, err)
	}
	if _, err := decodeBody(body, "br", 1000); !errors.Is(err, errUnsupportedEncoding) {
		t.Errorf("br: %v", err)
	}
	if _, err := decodeBody(body, "gzip, gzip", 1000); !errors.Is(err, errUnsupportedEncoding) {
		t.Errorf("two codings: %v", err)
	}
}

// FuzzDecodeBodyEncoding: whatever arrives as a gzip or deflate body, decoding never panics,
// never returns more than the limit, and fails only with a validation error naming the body.
func FuzzDecodeBodyEncoding(f *testing.F) {
	f.Add([]byte("plain"), uint8(0))
	f.Add(compress(f, "gzip", []byte(`{"a": 1}`)), uint8(1))
	f.Add(compress(f, "deflate", bytes.Repeat([]byte("x"), 5000)), uint8(2))
	f.Add(compress(f, "rawdeflate", []byte("raw")), uint8(2))
	codings := []string{"", "gzip", "deflate"}
	const limit = 4096
	f.Fuzz(func(t *testing.T, raw []byte, which uint8) {
		coding := codings[int(which)%len(codings)]
		out, err := decodeBody(raw, coding, limit)
		if err != nil {
			var ve *models.ValidationError
			if !errors.As(err, &ve) || ve.Fields["body"] == "" {
				t.Fatalf("%s: %v is not a validation error naming the body", coding, err)
			}
			return
		}
		if len(out) > limit {
			t.Fatalf("%s: %d bytes decoded over a limit of %d", coding, len(out), limit)
		}
		if coding == "" && !bytes.Equal(out, raw) {
			t.Fatal("an identity body changed")
		}
	})
}
