package handlers

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"pbxws/models"
)

// The sipX REST wire form ("XStream style", spec sipx-rest.md §1.2): a document is one root
// element holding objects (fields in a fixed order, absent ones omitted) and lists (each item
// wrapped in the list's item alias in XML; a plain array in JSON). Codecs build SipxDoc
// trees; the façade writes them as XML or JSON, whichever the client accepts.

// SipxDoc is an answer: XML <Root>…</Root>, JSON {"Root": …}.
type SipxDoc struct {
	Root  string
	Value any // SipxObject, SipxList, string, int or bool
}

// SipxObject is an object's fields in order: the /api bean (APIObject), whose writers serve
// both façades. The /rest codecs never put a nil Value in (add leaves it out).
type SipxObject = APIObject

// SipxField is one field.
type SipxField = APIField

// SipxList is a list whose items XML wraps in Item elements.
type SipxList = APIList

// add appends a field unless v is nil.
func (o *SipxObject) add(name string, v any) {
	if v != nil {
		*o = append(*o, SipxField{Name: name, Value: v})
	}
}

// XML writes the document with its declaration.
func (d SipxDoc) XML() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	writeAPIXML(&b, d.Root, d.Value)
	return b.Bytes()
}

func scalarString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case int:
		return strconv.Itoa(t)
	case bool:
		return strconv.FormatBool(t)
	}
	return fmt.Sprint(v)
}

// JSON writes {"Root": value}: objects as objects in field order, lists as arrays.
func (d SipxDoc) JSON() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	writeJSONString(&b, d.Root)
	b.WriteByte(':')
	writeAPIJSON(&b, d.Value)
	b.WriteByte('}')
	return b.Bytes()
}

// writeJSONString writes a JSON string without HTML escapes (contacts are <sip:…>, as
// XStream writes them).
func writeJSONString(b *bytes.Buffer, s string) {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\'
	}
	if plain { // most values: nothing to escape
		b.WriteByte('"')
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Truncate(b.Len() - 1) // Encode's newline
}

// maxXMLDepth bounds the nesting of a decoded XML body.
const maxXMLDepth = 32

// DecodeSipxXML reads an XML body into the shape DecodeBody gives JSON: {root: value}, an
// element with children is an object (a repeated child becomes an array), a leaf its text.
// Text is checked as DecodeBody checks JSON strings (no control characters but tab).
func DecodeSipxXML(body []byte) (map[string]any, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil, models.Invalid("body", "is empty: an XML document is expected")
		}
		if err != nil {
			return nil, models.Invalid("body", "is not well-formed XML: "+err.Error())
		}
		switch t := tok.(type) {
		case xml.StartElement:
			v, err := decodeXMLElement(dec, 1)
			if err != nil {
				return nil, err
			}
			if err := xmlTrailer(dec); err != nil {
				return nil, err
			}
			out := map[string]any{t.Name.Local: v}
			ve := &models.ValidationError{}
			walkStrings(out, "", 0, ve)
			return out, ve.OrNil()
		case xml.Directive:
			return nil, models.Invalid("body", "must not declare a DOCTYPE")
		}
	}
}

// xmlTrailer accepts only white space, comments and processing instructions after the root.
func xmlTrailer(dec *xml.Decoder) error {
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return models.Invalid("body", "is not well-formed XML: "+err.Error())
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return models.Invalid("body", "must hold one root element and nothing after it")
			}
		case xml.Comment, xml.ProcInst:
		default:
			return models.Invalid("body", "must hold one root element and nothing after it")
		}
	}
}

func decodeXMLElement(dec *xml.Decoder, depth int) (any, error) {
	if depth > maxXMLDepth {
		return nil, models.Invalid("body", fmt.Sprintf("nests deeper than %d elements", maxXMLDepth))
	}
	var text strings.Builder
	var obj map[string]any
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, models.Invalid("body", "is not well-formed XML: "+err.Error())
		}
		switch t := tok.(type) {
		case xml.StartElement:
			v, err := decodeXMLElement(dec, depth+1)
			if err != nil {
				return nil, err
			}
			if obj == nil {
				obj = map[string]any{}
			}
			name := t.Name.Local
			switch prev := obj[name].(type) {
			case nil:
				obj[name] = v
			case []any:
				obj[name] = append(prev, v)
			default:
				obj[name] = []any{prev, v}
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			if obj != nil {
				return obj, nil
			}
			return text.String(), nil
		case xml.Directive:
			return nil, models.Invalid("body", "must not declare a DOCTYPE")
		}
	}
}

// sipxItems reads a list field in either wire form: a JSON array of items, or the XML
// element holding item elements ({item: x} or {item: [x, …]}); "" (an empty XML element)
// is an empty list.
func sipxItems(v any, item string) ([]any, bool) {
	switch t := v.(type) {
	case []any:
		return t, true
	case string:
		return []any{}, strings.TrimSpace(t) == ""
	case map[string]any:
		switch x := t[item].(type) {
		case []any:
			return x, true
		case nil:
			return []any{}, len(t) == 0
		default:
			return []any{x}, true
		}
	}
	return nil, false
}

// sipxRoot reads a sipX body's root object ({"root": {…}}, <root>…</root>): its fields, named
// without the root in errors, which gather in errs. !ok when the body has no such root (the
// refusal is in errs).
func sipxRoot(body map[string]any, root string, errs *models.ValidationError) (fields, bool) {
	row, ok := newFields(body, "", errs).object(root)
	if !ok {
		errs.Add(root, "is required: the body is a <"+root+"> element (or {\""+root+"\": {…}})")
		return fields{}, false
	}
	return fields{m: row, errs: errs}, true
}

// sipxListDoc is an admin list (§1.4): {root: {"metadata": …, list: [item, …]}}, sorted and
// paged as the query asks.
func sipxListDoc[T any](rows []T, q Query, sorts map[string]func(*T) string, root, list, item string, object func(*T) SipxObject) SipxDoc {
	page, meta := sipxPage(rows, q, sorts)
	items := make([]any, len(page))
	for i := range page {
		items[i] = object(&page[i])
	}
	return SipxDoc{Root: root, Value: SipxObject{{Name: "metadata", Value: meta}, {Name: list, Value: SipxList{Item: item, Items: items}}}}
}
