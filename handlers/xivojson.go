package handlers

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// EncodeJSON renders v the way XiVO's PHP json_encode did: compact, "/" escaped as "\/" and
// every non-ASCII character as \uXXXX (UTF-16), so bodies and their `sum` MD5 match what
// byte-comparing clients expect. The output is pure ASCII, hence valid UTF-8 without BOM.
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	raw := bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
	return phpEscape(raw), nil
}

// phpEscape rewrites the string contents of compact JSON: '/' → "\/", non-ASCII → \uXXXX.
func phpEscape(raw []byte) []byte {
	needs := false
	for _, c := range raw {
		if c == '/' || c >= 0x80 {
			needs = true
			break
		}
	}
	if !needs {
		return raw
	}
	out := make([]byte, 0, len(raw)+len(raw)/8)
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '/':
			out = append(out, '\\', '/')
			i++
		case c < 0x80:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			i += size
			if r >= 0x10000 {
				r -= 0x10000
				out = appendU(out, 0xD800+(r>>10))
				out = appendU(out, 0xDC00+(r&0x3FF))
			} else {
				out = appendU(out, r)
			}
		}
	}
	return out
}

func appendU(out []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(out, '\\', 'u', hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF])
}

func jsonString(s string) ([]byte, error) { return EncodeJSON(s) }

func quote(s string) string { return strconv.Quote(s) }
