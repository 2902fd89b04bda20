package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"pbxws/models"
)

// maxDepth bounds nesting in request bodies: no XiVO object goes deeper than a few levels.
const maxDepth = 16

// DecodeBody reads an add/edit body: valid UTF-8, one JSON object, no control characters (CR,
// LF, NUL …) in any string, nesting bounded. Numbers stay json.Number so that "1001" and 1001
// read alike and long digit strings keep their digits.
func DecodeBody(b []byte) (map[string]any, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, models.Invalid("body", "is required: a JSON object")
	}
	if !utf8.Valid(b) {
		return nil, models.Invalid("body", "must be UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, models.Invalid("body", "is not valid JSON: "+strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return nil, models.Invalid("body", "must hold one JSON value, found more after it")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, models.Invalid("body", "must be a JSON object")
	}
	ve := &models.ValidationError{}
	walkStrings(m, "", 0, ve)
	if err := ve.OrNil(); err != nil {
		return nil, err
	}
	return m, nil
}

// multiline are the body paths whose text may span lines (CR and LF, no other control
// character): a vCard carried in XML.
var multiline = map[string]bool{"pb.vcard": true}

func walkStrings(v any, path string, depth int, ve *models.ValidationError) {
	if depth > maxDepth {
		ve.Add(path, fmt.Sprintf("is nested deeper than %d levels", maxDepth))
		return
	}
	switch t := v.(type) {
	case string:
		if multiline[path] {
			t = strings.NewReplacer("\r", "", "\n", "").Replace(t)
		}
		if !models.Printable(t) {
			ve.Add(nonEmptyPath(path), "must not contain control characters (CR, LF, …)")
		}
	case map[string]any:
		for k, x := range t {
			if !models.Printable(k) {
				ve.Add(nonEmptyPath(path), "has a key with control characters")
				continue
			}
			walkStrings(x, joinPath(path, k), depth+1, ve)
		}
	case []any:
		for i, x := range t {
			walkStrings(x, path+"["+strconv.Itoa(i)+"]", depth+1, ve)
		}
	}
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func nonEmptyPath(p string) string {
	if p == "" {
		return "body"
	}
	return p
}

// fields reads one JSON object of a body leniently, as XiVO did: scalars may come as strings,
// numbers or booleans; null means "not given". Each reader sets its destination only when the
// key is present and not null, so the same code fills defaults on add and merges on edit.
// Failures accumulate in errs under prefix+key.
type fields struct {
	m      map[string]any
	prefix string
	errs   *models.ValidationError
}

func newFields(m map[string]any, prefix string, errs *models.ValidationError) fields {
	return fields{m: m, prefix: prefix, errs: errs}
}

func (f fields) fail(key, rule string) { f.errs.Add(f.prefix+key, rule) }

// has reports whether key is present with a non-null value.
func (f fields) has(key string) bool { v, ok := f.m[key]; return ok && v != nil }

// str sets *dst from a string, number or boolean.
func (f fields) str(key string, dst *string) bool {
	v, ok := f.m[key]
	if !ok || v == nil {
		return false
	}
	s, ok := scalarText(v)
	if !ok {
		f.fail(key, "must be a string or a number")
		return false
	}
	*dst = s
	return true
}

// strTrim is str with surrounding white space removed (XiVO trimmed scalar parameters).
func (f fields) strTrim(key string, dst *string) bool {
	if f.str(key, dst) {
		*dst = strings.TrimSpace(*dst)
		return true
	}
	return false
}

// boolean sets *dst from true/false, 0/1 or the usual yes/no words.
func (f fields) boolean(key string, dst *bool) bool {
	v, ok := f.m[key]
	if !ok || v == nil {
		return false
	}
	b, ok := truth(v)
	if !ok {
		f.fail(key, "must be a boolean (true/false, 1/0, yes/no)")
		return false
	}
	*dst = b
	return true
}

// integer sets *dst from a JSON integer or a string of digits.
func (f fields) integer(key string, dst *int) bool {
	v, ok := f.m[key]
	if !ok || v == nil {
		return false
	}
	n, ok := intOf(v)
	if !ok {
		f.fail(key, "must be a whole number")
		return false
	}
	*dst = n
	return true
}

// optInt sets *dst to nil for null/""/0-like "none" values, else to the number.
func (f fields) optInt(key string, dst **int) bool {
	v, ok := f.m[key]
	if !ok {
		return false
	}
	if v == nil || v == "" || v == false {
		*dst = nil
		return true
	}
	n, ok := intOf(v)
	if !ok {
		f.fail(key, "must be a whole number or null")
		return false
	}
	*dst = &n
	return true
}

// object returns the nested object under key (nil when absent or null).
func (f fields) object(key string) (map[string]any, bool) {
	v, ok := f.m[key]
	// XiVO's views show an absent part as false: a view posted back leaves it as it is.
	if !ok || v == nil || v == false {
		return nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		// XiVO clients send [] for an empty PHP map.
		if a, isArr := v.([]any); isArr && len(a) == 0 {
			return map[string]any{}, true
		}
		f.fail(key, "must be a JSON object")
		return nil, false
	}
	return m, true
}

// list returns the array under key (nil when absent or null).
func (f fields) list(key string) ([]any, bool) {
	v, ok := f.m[key]
	if !ok || v == nil || v == false {
		return nil, false
	}
	a, ok := v.([]any)
	if !ok {
		f.fail(key, "must be a JSON array")
		return nil, false
	}
	return a, true
}

// optText reads a nullable text: null or "" (after trimming) is nil.
func (f fields) optText(key string, dst **string) {
	v, ok := f.m[key]
	if !ok {
		return
	}
	if v == nil {
		*dst = nil
		return
	}
	s, ok := scalarText(v)
	if !ok {
		f.fail(key, "must be a string or null")
		return
	}
	if s = strings.TrimSpace(s); s == "" {
		*dst = nil
	} else {
		*dst = &s
	}
}

// words reads a list given as a JSON array of strings or as one space-separated string.
func (f fields) words(key string, dst *[]string) {
	v, ok := f.m[key]
	if !ok {
		return
	}
	out := []string{}
	switch t := v.(type) {
	case nil:
	case string:
		out = strings.Fields(t)
	case []any:
		for i, x := range t {
			s, ok := x.(string)
			if !ok {
				f.fail(key+"["+strconv.Itoa(i)+"]", "must be a string")
				return
			}
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	default:
		f.fail(key, "must be a list of strings")
		return
	}
	*dst = out
}

func (f fields) sub(key string, m map[string]any) fields {
	return fields{m: m, prefix: f.prefix + key + ".", errs: f.errs}
}

// scalarText is the text form of a JSON scalar.
func scalarText(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		if t {
			return "1", true
		}
		return "0", true
	}
	return "", false
}

// truth reads XiVO booleans: "1", 1, true, "yes"… are true; "0", 0, false, "", "no"… false.
func truth(v any) (bool, bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case json.Number:
		f, err := t.Float64()
		return f != 0, err == nil
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "1", "true", "yes", "on", "y", "t":
			return true, true
		case "0", "false", "", "no", "off", "n", "f":
			return false, true
		}
	}
	return false, false
}

// intOf reads a JSON integer or a decimal string (surrounding spaces allowed).
func intOf(v any) (int, bool) {
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = strings.TrimSpace(t)
	default:
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 1<<31-1 || n < -(1<<31) {
		return 0, false
	}
	return n, true
}
