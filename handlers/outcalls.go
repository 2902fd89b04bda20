package handlers

import (
	"context"
	"fmt"
	"strconv"

	"pbxws/models"
)

// outcallCodec is the json.php form of outgoing routes: {"outcall": {…}, "outcalltrunk":
// [trunk ids], "dialpattern": {column: [values]}}. xivo-ws sends dial patterns column-wise
// with a trailing all-empty entry; a view's list of pattern objects is read too.
type outcallCodec struct{ wireNames }

var xivoOutcallNames = names(map[string]string{"trunks": "outcalltrunk", "patterns": "dialpattern"},
	nil, models.Outcall{}, models.DialPattern{})

func outcallRow(o *models.Outcall) jsonObject {
	return jsonObject{{"id", o.ID}, {"name", o.Name}, {"context", o.Context}, {"description", o.Description},
		{"hangupringtime", strconv.Itoa(o.HangupRingTime)}, {"internal", o.Internal}, {"commented", o.Commented},
		{"preprocess_subroutine", ""}}
}

func (outcallCodec) Rows(os []models.Outcall) any { return objectsOf(os, outcallRow) }

func (outcallCodec) View(o *models.Outcall) any {
	trunks := make([]jsonObject, len(o.TrunkRefs))
	for i, t := range o.TrunkRefs {
		trunks[i] = jsonObject{{"outcallid", o.ID}, {"trunkfeaturesid", t.ID}, {"id", t.ID}, {"name", t.Name},
			{"protocol", t.Protocol}, {"priority", strconv.Itoa(i)}}
	}
	patterns := make([]jsonObject, len(o.Patterns))
	for i, p := range o.Patterns {
		patterns[i] = jsonObject{{"id", p.ID}, {"type", "outcall"}, {"typeid", o.ID}, {"exten", p.Exten},
			{"stripnum", strconv.Itoa(p.StripNum)}, {"prefix", p.Prefix}, {"externprefix", p.ExternPrefix},
			{"callerid", p.CallerID}}
	}
	return jsonObject{{"outcall", outcallRow(o)}, {"outcalltrunk", falseOr(trunks)},
		{"dialpattern", falseOr(patterns)}, {"rightcall", false}}
}

func (outcallCodec) Key(o *models.Outcall) string { return strconv.Itoa(o.ID) }

// Decode applies a body: outcall fields present change, outcalltrunk and dialpattern when
// present replace the stored lists (false, as a view shows "none", empties dialpattern).
func (outcallCodec) Decode(body map[string]any, o *models.Outcall) (*models.Outcall, error) {
	errs := &models.ValidationError{}
	top := newFields(body, "", errs)
	if row, ok := top.object("outcall"); ok {
		f := top.sub("outcall", row)
		f.strTrim("name", &o.Name)
		f.strTrim("context", &o.Context)
		f.str("description", &o.Description)
		f.integer("hangupringtime", &o.HangupRingTime)
		f.boolean("internal", &o.Internal)
		f.boolean("commented", &o.Commented)
	} else if o.ID == 0 {
		errs.Add("outcall", "is required: an object with name and context")
	}
	if list, ok := top.list("outcalltrunk"); ok {
		o.Trunks = []int{}
		for i, v := range list {
			if m, isObj := v.(map[string]any); isObj { // a view's rows posted back
				v = m["id"]
			}
			id, ok := intOf(v)
			if !ok {
				errs.Add(fmt.Sprintf("outcalltrunk[%d]", i), "must be a trunk id")
				continue
			}
			o.Trunks = append(o.Trunks, id)
		}
	}
	switch dp := body["dialpattern"].(type) {
	case nil:
	case bool:
		if !dp {
			o.Patterns = []models.DialPattern{}
		} else {
			errs.Add("dialpattern", "must be an object of columns or a list of patterns")
		}
	case []any:
		o.Patterns = []models.DialPattern{}
		for i, v := range dp {
			m, isObj := v.(map[string]any)
			if !isObj {
				errs.Add(fmt.Sprintf("dialpattern[%d]", i), "must be an object with exten")
				continue
			}
			if p, keep := decodePattern(fields{m: m, prefix: fmt.Sprintf("dialpattern[%d].", i), errs: errs}); keep {
				o.Patterns = append(o.Patterns, p)
			}
		}
	case map[string]any:
		o.Patterns = decodePatternColumns(top, dp)
	default:
		errs.Add("dialpattern", "must be an object of columns or a list of patterns")
	}
	return o, errs.OrNil()
}

var patternColumns = []string{"exten", "stripnum", "prefix", "externprefix", "callerid", "id"}

// decodePatternColumns reads {"exten": [...], "stripnum": [...], …}: entry i of every
// column is pattern i; all-empty entries (xivo-ws's trailing sentinel) are dropped.
func decodePatternColumns(top fields, cols map[string]any) []models.DialPattern {
	f := top.sub("dialpattern", cols)
	n := 0
	lists := map[string][]any{}
	for _, c := range patternColumns {
		if l, ok := f.list(c); ok {
			lists[c] = l
			n = max(n, len(l))
		}
	}
	out := []models.DialPattern{}
	for i := 0; i < n; i++ {
		m := map[string]any{}
		for c, l := range lists {
			if i < len(l) {
				m[c] = l[i]
			}
		}
		if p, keep := decodePattern(fields{m: m, prefix: fmt.Sprintf("dialpattern[%d].", i), errs: top.errs}); keep {
			out = append(out, p)
		}
	}
	return out
}

// decodePattern reads one pattern; keep is false for an entry with nothing in it.
func decodePattern(f fields) (models.DialPattern, bool) {
	var p models.DialPattern
	empty := true
	for k, v := range f.m {
		if s, ok := scalarText(v); k != "id" && (!ok || s != "") && v != nil {
			empty = false
		}
	}
	if empty {
		return p, false
	}
	f.strTrim("exten", &p.Exten)
	var strip string
	if f.strTrim("stripnum", &strip) && strip != "" {
		n, ok := intOf(strip)
		if !ok {
			f.fail("stripnum", "must be a whole number")
		}
		p.StripNum = n
	}
	f.strTrim("prefix", &p.Prefix)
	f.strTrim("externprefix", &p.ExternPrefix)
	f.str("callerid", &p.CallerID)
	return p, true
}

// Outcalls is the call_management/outcall resource.
func Outcalls(st *models.Stores) *Resource {
	s := st.Outcalls
	return (&Endpoint[models.Outcall, models.Outcall, int]{
		Codec:     outcallCodec{xivoOutcallNames},
		New:       func() *models.Outcall { return &models.Outcall{} },
		List:      func(ctx context.Context, _ Query) ([]models.Outcall, error) { return s.List(ctx) },
		Search:    func(ctx context.Context, q Query) ([]models.Outcall, error) { return s.Search(ctx, q.Search) },
		Get:       s.Get,
		Create:    s.Create,
		Edit:      s.Edit,
		Delete:    s.Delete,
		DeleteAll: s.DeleteAll,
	}).Resource()
}
