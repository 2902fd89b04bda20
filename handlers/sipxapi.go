package handlers

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strconv"
	"time"
)

// The sipXconfig /api wire form (sipx-api.md §2.2, §2.3): plain bean JSON (an object
// unwrapped, a list under one plural key, nulls emitted) or XML with capitalised roots
// (nulls omitted). APIDoc renders either, whichever the façade negotiated.

// APIDoc is an /api answer. JSON: Value as it is, or {Key: Value} for a list; XML:
// <Root>Value</Root> (a list's items right inside the root).
type APIDoc struct {
	Root  string
	Key   string
	Value any // APIObject, APIList, a scalar
}

// APIObject is a bean's fields in order; a nil Value is null in JSON and absent in XML.
type APIObject []APIField

// APIField is one field of a bean.
type APIField struct {
	Name  string
	Value any
	// XML, when not nil, is the value XML shows instead (dates as xsd:dateTime).
	XML any
	// XMLName, when not empty, is the element's name in XML (sipX capitalises some
	// children: Model, Branch, CallerAliasInfo).
	XMLName string
}

// APIList is a list: JSON an array, XML one Item element per item.
type APIList struct {
	Item  string
	Items []any
}

// APIRepeated is a list XML shows as its field's element repeated, one per item
// (<ringBeans>…</ringBeans><ringBeans>…</ringBeans>), with no element around them.
type APIRepeated []any

// APIError is an /api refusal: its status and one line of text/plain (§2.5).
type APIError struct {
	Status int
	Msg    string
}

func (e *APIError) Error() string { return e.Msg }

// Render writes the document as JSON (application/json) or XML (any other media).
func (d APIDoc) Render(media string) ([]byte, string) {
	var b bytes.Buffer
	if l, ok := d.Value.(APIList); ok {
		b.Grow(64 + 400*len(l.Items)) // a list of beans: grown once, not copied as it grows
	}
	if media == "application/json" {
		if d.Key != "" {
			b.WriteByte('{')
			writeJSONString(&b, d.Key)
			b.WriteByte(':')
		}
		writeAPIJSON(&b, d.Value)
		if d.Key != "" {
			b.WriteByte('}')
		}
		return b.Bytes(), "application/json; charset=utf-8"
	}
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`)
	writeAPIXML(&b, d.Root, d.Value)
	return b.Bytes(), "text/xml; charset=utf-8"
}

func writeAPIJSON(b *bytes.Buffer, v any) {
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case APIObject:
		b.WriteByte('{')
		for i, f := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, f.Name)
			b.WriteByte(':')
			writeAPIJSON(b, f.Value)
		}
		b.WriteByte('}')
	case APIList:
		b.WriteByte('[')
		for i, it := range t.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			writeAPIJSON(b, it)
		}
		b.WriteByte(']')
	case int:
		b.WriteString(strconv.Itoa(t))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case string:
		writeJSONString(b, t)
	default:
		enc, _ := json.Marshal(t)
		b.Write(enc)
	}
}

func writeAPIXML(b *bytes.Buffer, name string, v any) {
	if v == nil {
		return
	}
	if r, ok := v.(APIRepeated); ok {
		for _, it := range r {
			writeAPIXML(b, name, it)
		}
		return
	}
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	switch t := v.(type) {
	case APIObject:
		for _, f := range t {
			name := f.Name
			if f.XMLName != "" {
				name = f.XMLName
			}
			if f.XML != nil {
				writeAPIXML(b, name, f.XML)
			} else {
				writeAPIXML(b, name, f.Value)
			}
		}
	case APIList:
		for _, it := range t.Items {
			writeAPIXML(b, t.Item, it)
		}
	case time.Time:
		b.WriteString(t.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	default:
		_ = xml.EscapeText(b, []byte(scalarString(t)))
	}
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

// apiPage pages items when start and limit are both valid (§2.4: 0 ≤ start, 1 ≤ limit ≤
// 10,000), else returns them all; invalid values are ignored, as sipX did.
func apiPage[T any](items []T, q map[string][]string) []T {
	first := func(k string) (int, bool) {
		vs := q[k]
		if len(vs) == 0 {
			return 0, false
		}
		n, err := strconv.Atoi(vs[0])
		return n, err == nil
	}
	start, ok1 := first("start")
	limit, ok2 := first("limit")
	if !ok1 || !ok2 || start < 0 || limit < 1 || limit > 10000 {
		return items
	}
	if start >= len(items) {
		return items[:0]
	}
	return items[start:min(len(items), start+limit)]
}
