package handlers

import (
	"reflect"
	"strings"

	"pbxws/models"
)

// wireNames renames canonical field paths (models' errors: "user.first_name",
// "lines[0].device_id") into one façade's wire terms ("userfeatures.firstname",
// "linefeatures[0].device"). A path is renamed whole when paths lists it, else segment by
// segment through parts; an unlisted segment stays as it is, so a path already in wire terms
// (the codec's own decoding errors) passes unchanged. A segment renamed to "" is dropped
// (flat bodies: "entity.name" → "name"). Indexes ("[0]") are kept.
type wireNames struct {
	parts map[string]string
	paths map[string]string
}

// names builds a wireNames: each field of the model types under its column name (its `db`
// tag: XiVO's tables, and so its wire, name most columns alike), then parts and paths as
// given.
func names(parts, paths map[string]string, types ...any) wireNames {
	n := wireNames{parts: map[string]string{}, paths: paths}
	for _, t := range types {
		rt := reflect.TypeOf(t)
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			col := strings.SplitN(f.Tag.Get("db"), ",", 2)[0]
			if col == "" || col == "-" {
				continue
			}
			if canon := models.FieldName(f.Name); canon != col {
				n.parts[canon] = col
			}
		}
	}
	for k, v := range parts {
		n.parts[k] = v
	}
	return n
}

// Field is the wire name of a canonical path.
func (n wireNames) Field(path string) string {
	if w, ok := n.paths[path]; ok {
		return w
	}
	segs := strings.Split(path, ".")
	out := segs[:0]
	for _, s := range segs {
		base, index := s, ""
		if i := strings.IndexByte(s, '['); i >= 0 {
			base, index = s[:i], s[i:]
		}
		if w, ok := n.parts[base]; ok {
			base = w
		}
		if base == "" && index == "" {
			continue
		}
		out = append(out, base+index)
	}
	return strings.Join(out, ".")
}
