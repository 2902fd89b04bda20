package handlers

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// jsonObject is an answer object built as a list of members and written with its keys in
// sorted order: byte for byte what EncodeJSON of the same map[string]any writes, without
// building the map, sorting its keys by reflection, or a second pass to escape the result.
// Views (a user with its parts, a line with its peer settings) are built from it.
//
// A jsonObject may only be rendered through RenderJSON or inside another jsonObject; inside
// a value encoding/json renders, it fails loudly instead of encoding as an empty array.
type jsonObject []jsonMember

type jsonMember struct {
	key string
	val any
}

// newObject is an empty object with room for n members.
func newObject(n int) jsonObject { return make(jsonObject, 0, n) }

// set adds a member; a later set of the same key replaces an earlier one (as a map would).
func (o *jsonObject) set(key string, val any) { *o = append(*o, jsonMember{key, val}) }

// AppendPHPJSON appends o as json_encode would (RenderJSON calls it). It sorts o in place.
func (o jsonObject) AppendPHPJSON(b []byte) []byte {
	// Stable: of the members sharing a key, the last one set stays last and is written.
	slices.SortStableFunc(o, func(a, b jsonMember) int { return strings.Compare(a.key, b.key) })
	b = append(b, '{')
	first := true
	for i, m := range o {
		if i+1 < len(o) && o[i+1].key == m.key {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendPHPString(b, m.key)
		b = append(b, ':')
		b = appendValue(b, m.val)
	}
	return append(b, '}')
}

var errObjectOutsideRender = errors.New("handlers: a jsonObject is rendered by RenderJSON only")

// MarshalJSON refuses: json_encode's escaping of o would be escaped a second time.
func (o jsonObject) MarshalJSON() ([]byte, error) { return nil, errObjectOutsideRender }

// objectsOf renders each item of a list answer with render.
func objectsOf[T any](items []T, render func(*T) jsonObject) []jsonObject {
	out := make([]jsonObject, len(items))
	for i := range items {
		out[i] = render(&items[i])
	}
	return out
}

// jsonObjects is a list answer made of objects.
type jsonObjects []jsonObject

// Len lets RenderJSON size its buffer.
func (l jsonObjects) Len() int { return len(l) }

// AppendPHPJSON appends the list as json_encode would.
func (l jsonObjects) AppendPHPJSON(b []byte) []byte {
	b = append(b, '[')
	for i, o := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = o.AppendPHPJSON(b)
	}
	return append(b, ']')
}

// appendValue appends one member's value. The types views use are written directly; any
// other goes through encoding/json and the PHP escaping, as EncodeJSON would write it.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendPHPString(b, v)
	case *string:
		if v == nil {
			return append(b, "null"...)
		}
		return appendPHPString(b, *v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case *int:
		if v == nil {
			return append(b, "null"...)
		}
		return strconv.AppendInt(b, int64(*v), 10)
	case bool:
		return strconv.AppendBool(b, v)
	case *bool:
		if v == nil {
			return append(b, "null"...)
		}
		return strconv.AppendBool(b, *v)
	case PHPJSONAppender:
		return v.AppendPHPJSON(b)
	case []jsonObject:
		return jsonObjects(v).AppendPHPJSON(b)
	case []string:
		if v == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPHPString(b, s)
		}
		return append(b, ']')
	}
	buf := GetBuffer(0)
	defer PutBuffer(buf)
	if err := encodeInto(buf, v); err != nil {
		// Only unsupported types (channels, functions) fail: a programming error.
		panic(err)
	}
	if raw := buf.Bytes(); needsEscape(raw) {
		return phpEscape(raw, b)
	}
	return append(b, buf.Bytes()...)
}
