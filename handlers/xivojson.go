package handlers

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// Encoding buffers are recycled: a list of 10,000 users is megabytes, and allocating (and
// zeroing) that much per answer dominated the list's cost. Two bounded free lists (channels:
// a sync.Pool is emptied by every GC): many small buffers, and only two large ones, so
// what the pool keeps stays a few megabytes.
var (
	smallBufs = make(chan *bytes.Buffer, 64)
	largeBufs = make(chan *bytes.Buffer, 2)
)

const (
	smallBufMax = 256 << 10
	largeBufMax = 16 << 20
)

// EncodeJSON renders v the way XiVO's PHP json_encode did: compact, "/" escaped as "\/" and
// every non-ASCII character as \uXXXX (UTF-16), so bodies and their `sum` MD5 match what
// byte-comparing clients expect. The output is pure ASCII, hence valid UTF-8 without BOM.
func EncodeJSON(v any) ([]byte, error) {
	buf := new(bytes.Buffer)
	if err := encodeInto(buf, v); err != nil {
		return nil, err
	}
	return PHPEscape(buf, nil).Bytes(), nil
}

// RenderJSON is EncodeJSON into pooled buffers; call the returned release when the bytes
// are no longer needed.
func RenderJSON(v any) ([]byte, func(), error) {
	if l, ok := v.([]jsonObject); ok {
		v = jsonObjects(l) // Items of objects
	}
	hint := 0
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice {
		hint = rv.Len() * 768
	}
	if l, ok := v.(interface{ Len() int }); ok {
		hint = l.Len() * 768
	}
	buf := GetBuffer(hint)
	if a, ok := v.(PHPJSONAppender); ok {
		buf.Write(a.AppendPHPJSON(buf.AvailableBuffer()))
		return buf.Bytes(), func() { PutBuffer(buf) }, nil
	}
	if err := encodeInto(buf, v); err != nil {
		PutBuffer(buf)
		return nil, func() {}, err
	}
	out := PHPEscape(buf, GetBuffer)
	if out != buf {
		PutBuffer(buf)
	}
	return out.Bytes(), func() { PutBuffer(out) }, nil
}

// encodeInto writes compact JSON of v (no trailing newline). A long list is encoded item by
// item: encoding/json's own scratch buffer then stays the size of one item.
func encodeInto(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice && rv.Len() > 16 {
		buf.WriteByte('[')
		for i := 0; i < rv.Len(); i++ {
			if i > 0 {
				buf.Truncate(buf.Len() - 1) // Encode's newline becomes the separator
				buf.WriteByte(',')
			}
			if err := enc.Encode(rv.Index(i).Interface()); err != nil {
				return err
			}
		}
		buf.Truncate(buf.Len() - 1)
		buf.WriteByte(']')
		return nil
	}
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1)
	return nil
}

// GetBuffer lends an empty buffer, a large one when sizeHint says the answer will be big.
func GetBuffer(sizeHint int) *bytes.Buffer {
	pool := smallBufs
	if sizeHint > smallBufMax {
		pool = largeBufs
	}
	select {
	case b := <-pool:
		b.Reset()
		return b
	default:
		b := new(bytes.Buffer)
		b.Grow(min(sizeHint, largeBufMax))
		return b
	}
}

// PutBuffer returns a buffer from GetBuffer.
func PutBuffer(b *bytes.Buffer) {
	pool := smallBufs
	switch {
	case b.Cap() > largeBufMax:
		return
	case b.Cap() > smallBufMax:
		pool = largeBufs
	}
	select {
	case pool <- b:
	default:
	}
}

// PHPEscape returns raw when nothing in it needs escaping, else a buffer (from get, or new)
// holding it with "/" as "\/" and non-ASCII as \uXXXX.
func PHPEscape(raw *bytes.Buffer, get func(int) *bytes.Buffer) *bytes.Buffer {
	b := raw.Bytes()
	if !needsEscape(b) {
		return raw
	}
	var out *bytes.Buffer
	if get != nil {
		out = get(len(b) + len(b)/8)
	} else {
		out = new(bytes.Buffer)
	}
	out.Write(phpEscape(b, out.AvailableBuffer()))
	return out
}

func needsEscape(b []byte) bool {
	for _, c := range b {
		if c == '/' || c >= 0x80 {
			return true
		}
	}
	return false
}

// phpEscape rewrites the string contents of compact JSON: '/' → "\/", non-ASCII → \uXXXX.
// It returns raw itself when nothing needs escaping, else appends to out.
func phpEscape(raw, out []byte) []byte {
	if !needsEscape(raw) {
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
			out = appendUTF16(out, r)
		}
	}
	return out
}

// appendUTF16 appends r as \uXXXX, or as a surrogate pair above U+FFFF.
func appendUTF16(out []byte, r rune) []byte {
	if r >= 0x10000 {
		r -= 0x10000
		return appendU(appendU(out, 0xD800+(r>>10)), 0xDC00+(r&0x3FF))
	}
	return appendU(out, r)
}

func appendU(out []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(out, '\\', 'u', hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF])
}

func jsonString(s string) ([]byte, error) { return EncodeJSON(s) }

func quote(s string) string { return strconv.Quote(s) }

// PHPJSONAppender is a value that renders its own EncodeJSON form (hot answers skip
// reflection).
type PHPJSONAppender interface {
	AppendPHPJSON(dst []byte) []byte
}

// shortEscapes are the characters written as a backslash and one letter (or themselves).
var shortEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', '\n': 'n', '\r': 'r', '\t': 't', '\b': 'b', '\f': 'f'}

// appendPHPString appends s as a JSON string the way json_encode writes it: "/" as "\/",
// \b \f \n \r \t as such, other control characters and non-ASCII as \uXXXX (UTF-16
// surrogate pairs above U+FFFF), invalid UTF-8 as \ufffd. It is byte for byte what
// EncodeJSON writes for the same string.
func appendPHPString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '/' {
			dst = append(dst, c)
			i++
			continue
		}
		if e := shortEscapes[c]; e != 0 {
			dst = append(dst, '\\', e)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		dst = appendUTF16(dst, r)
	}
	return append(dst, '"')
}
