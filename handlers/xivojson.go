package handlers

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// EncodeJSON renders v the way XiVO's PHP json_encode did: compact, "/" escaped as "\/" and
// every non-ASCII character as \uXXXX (UTF-16), so bodies and their `sum` MD5 match what
// byte-comparing clients expect. The output is pure ASCII, hence valid UTF-8 without BOM.
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := AppendJSON(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// bufPool recycles encoding buffers: a list of 10,000 users is megabytes, and allocating
// (and zeroing) that much per answer dominated the list's cost. A channel rather than a
// sync.Pool, which every GC cycle empties.
var bufPool = make(chan *bytes.Buffer, 16)

// maxPooled keeps pathological answers from pinning memory in the pool.
const maxPooled = 32 << 20

// AppendJSON writes EncodeJSON's rendering of v to dst.
func AppendJSON(dst *bytes.Buffer, v any) error {
	tmp := GetBuffer()
	defer PutBuffer(tmp)
	enc := json.NewEncoder(tmp)
	enc.SetEscapeHTML(false)
	// A long list is encoded item by item: encoding/json's own scratch buffer then stays the
	// size of one item instead of growing to megabytes on every answer.
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice && rv.Len() > 16 {
		tmp.WriteByte('[')
		for i := 0; i < rv.Len(); i++ {
			if i > 0 {
				tmp.Truncate(tmp.Len() - 1) // Encode's newline becomes the separator
				tmp.WriteByte(',')
			}
			if err := enc.Encode(rv.Index(i).Interface()); err != nil {
				return err
			}
		}
		tmp.Truncate(tmp.Len() - 1)
		tmp.WriteString("]\n")
	} else if err := enc.Encode(v); err != nil {
		return err
	}
	raw := bytes.TrimSuffix(tmp.Bytes(), []byte{'\n'})
	dst.Grow(len(raw) + len(raw)/16)
	dst.Write(phpEscape(raw, dst.AvailableBuffer()))
	return nil
}

// GetBuffer lends an empty pooled buffer.
func GetBuffer() *bytes.Buffer {
	select {
	case b := <-bufPool:
		b.Reset()
		return b
	default:
		return new(bytes.Buffer)
	}
}

// PutBuffer returns a buffer from GetBuffer (dropped when the pool is full or it is huge).
func PutBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooled {
		return
	}
	select {
	case bufPool <- b:
	default:
	}
}

// phpEscape rewrites the string contents of compact JSON: '/' → "\/", non-ASCII → \uXXXX.
// It returns raw itself when nothing needs escaping, else appends to out.
func phpEscape(raw, out []byte) []byte {
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
