package wsclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// quotePlus encodes like Python 2's urllib.quote_plus: A-Z a-z 0-9 _ . - stay, a space
// becomes "+", every other byte is %XX (upper-case hex).
func quotePlus(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_', c == '.', c == '-':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// pyJSON encodes v as Python's json.dumps does by default: separators ", " and ": ",
// non-ASCII as \uXXXX, "/" and HTML characters left alone. Map keys come out sorted.
func pyJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	compact := bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
	out := make([]byte, 0, len(compact)+len(compact)/4)
	inString := false
	for i := 0; i < len(compact); {
		c := compact[i]
		if inString {
			switch {
			case c == '\\':
				out = append(out, c, compact[i+1])
				i += 2
				continue
			case c == '"':
				inString = false
			case c >= 0x80:
				r, size := utf8.DecodeRune(compact[i:])
				i += size
				if r >= 0x10000 {
					r -= 0x10000
					out = fmt.Appendf(out, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
				} else {
					out = fmt.Appendf(out, `\u%04x`, r)
				}
				continue
			}
			out = append(out, c)
			i++
			continue
		}
		switch c {
		case '"':
			inString = true
			out = append(out, c)
		case ',':
			out = append(out, ',', ' ')
		case ':':
			out = append(out, ':', ' ')
		default:
			out = append(out, c)
		}
		i++
	}
	return out, nil
}

// toInt reads an id the way Python's int() does: a JSON integer or a string of an optional
// sign and digits (surrounding spaces allowed); anything else is an error naming field.
func toInt(v any, field string) (int, error) {
	switch t := v.(type) {
	case json.Number:
		if n, err := strconv.Atoi(t.String()); err == nil {
			return n, nil
		}
		if f, err := t.Float64(); err == nil {
			return int(f), nil // int(7.9) == 7
		}
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
			return n, nil
		}
	case bool:
		if t {
			return 1, nil
		}
		return 0, nil
	case float64:
		return int(t), nil
	case int:
		return t, nil
	}
	return 0, fmt.Errorf("%s: %v (%T) is not an integer", field, v, v)
}

// falsy is Python truthiness inverted, for JSON values.
func falsy(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case bool:
		return !t
	case string:
		return t == ""
	case json.Number:
		f, _ := t.Float64()
		return f == 0
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}

// str copies a value as text (JSON strings as they are, numbers as written, null as "").
func str(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		if t {
			return "True"
		}
		return "False"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// need returns m[key] or an error naming the missing key (xivo-ws raises KeyError).
func need(m map[string]any, key string) (any, error) {
	v, ok := m[key]
	if !ok {
		return nil, fmt.Errorf("answer lacks the key %q", key)
	}
	return v, nil
}
