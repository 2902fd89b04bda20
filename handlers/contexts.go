package handlers

import (
	"context"
	"fmt"
	"strconv"

	"pbxws/models"
)

// rangeTypes are the kinds of number ranges, in the order answers list them.
var rangeTypes = []string{"user", "group", "queue", "meetme", "incall"}

// contextRowWire is the context row of list and view answers.
type contextRowWire struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayname"`
	Entity      string `json:"entity"`
	ContextType string `json:"contexttype"`
	Description string `json:"description"`
	Commented   bool   `json:"commented"`
	EntityID    int    `json:"entityid"`
}

// rangeWire is a range as answers show it: numbers as strings, didlength present on every
// type (xivo-ws reads it with int() everywhere), numberend "" when open-ended.
type rangeWire struct {
	Context   string `json:"context"`
	Type      string `json:"type"`
	NumberBeg string `json:"numberbeg"`
	NumberEnd string `json:"numberend"`
	DidLength string `json:"didlength"`
}

func contextRow(c models.Context) contextRowWire {
	return contextRowWire{Name: c.Name, DisplayName: c.DisplayName, Entity: c.EntityName,
		ContextType: c.ContextType, Description: c.Description, Commented: c.Commented, EntityID: c.EntityID}
}

func rangeToWire(ctxName string, r models.ContextRange) rangeWire {
	return rangeWire{Context: ctxName, Type: r.Type, NumberBeg: r.NumberBeg, NumberEnd: r.NumberEnd, DidLength: strconv.Itoa(r.DidLength)}
}

func contextTypeWire(t string) map[string]any {
	return map[string]any{"name": t, "commented": false, "deletable": false, "description": ""}
}

// contextItem is a list item: the row, its ranges as a flat list, its first include.
func contextItem(c *models.ContextComposite) map[string]any {
	ranges := make([]rangeWire, len(c.Ranges))
	for i, r := range c.Ranges {
		ranges[i] = rangeToWire(c.Context.Name, r)
	}
	var inc any = false
	if len(c.Includes) > 0 {
		inc = map[string]any{"context": c.Context.Name, "include": c.Includes[0], "priority": "0"}
	}
	return map[string]any{"context": contextRow(c.Context), "contextnumbers": falseOr(ranges),
		"contexttype": contextTypeWire(c.Context.ContextType), "deletable": c.Use.Free(), "contextinclude": inc}
}

func contextView(c *models.ContextComposite) map[string]any {
	use := c.Use
	var numbers any = false
	if len(c.Ranges) > 0 {
		m := map[string][]rangeWire{}
		for _, r := range c.Ranges {
			m[r.Type] = append(m[r.Type], rangeToWire(c.Context.Name, r))
		}
		numbers = m
	}
	incs := make([]map[string]string, len(c.Includes))
	for i, inc := range c.Includes {
		incs[i] = map[string]string{"context": c.Context.Name, "include": inc, "priority": strconv.Itoa(i)}
	}
	return map[string]any{"context": contextRow(c.Context), "contextnumbers": numbers,
		"contextinclude": falseOr(incs), "contexttype": contextTypeWire(c.Context.ContextType),
		"deletablenumber": use.Lines == 0, "deletablemember": use.Lines == 0 && use.Voicemails == 0,
		"deletable": use.Free()}
}

// decodeContext applies an add/edit body onto c. Lists that are present replace what is
// stored (per range type for contextnumbers); absent or null ones keep it. `false` is what a
// view answers for "none", so a view posted back as an edit reads it as an empty list.
func decodeContext(body map[string]any, c *models.ContextComposite) error {
	errs := &models.ValidationError{}
	top := newFields(body, "", errs)
	row, ok := top.object("context")
	if !ok {
		if c.Context.Name == "" {
			errs.Add("context", "is required")
		}
		row = map[string]any{}
	}
	f := top.sub("context", row)
	f.strTrim("name", &c.Context.Name)
	f.strTrim("displayname", &c.Context.DisplayName)
	f.strTrim("entity", &c.Context.EntityName)
	f.strTrim("contexttype", &c.Context.ContextType)
	f.str("description", &c.Context.Description)
	f.boolean("commented", &c.Context.Commented)

	if body["contextinclude"] == false {
		c.Includes = []string{}
	} else if incs, ok := top.list("contextinclude"); ok {
		c.Includes = []string{}
		for i, v := range incs {
			if m, isObj := v.(map[string]any); isObj {
				v = m["include"] // a view's rows posted back
			}
			name, ok := scalarText(v)
			if !ok || name == "" {
				errs.Add(fmt.Sprintf("contextinclude[%d]", i), "must be a context name or an object with include")
				continue
			}
			c.Includes = append(c.Includes, name)
		}
	}
	if body["contextnumbers"] == false {
		c.Ranges = []models.ContextRange{}
	} else if nums, ok := top.object("contextnumbers"); ok {
		byType := map[string][]models.ContextRange{}
		for _, r := range c.Ranges {
			byType[r.Type] = append(byType[r.Type], r)
		}
		known := map[string]bool{}
		for _, t := range rangeTypes {
			known[t] = true
		}
		for key := range nums {
			if !known[key] {
				errs.Add("contextnumbers."+key, "is not a range type (user, group, queue, meetme, incall)")
			}
		}
		nf := top.sub("contextnumbers", nums)
		for _, t := range rangeTypes {
			if nums[t] == nil { // absent or null: keep
				continue
			}
			var list []any
			if nums[t] != false {
				var ok bool
				if list, ok = nf.list(t); !ok {
					continue
				}
			}
			byType[t] = []models.ContextRange{}
			for i, v := range list {
				m, isObj := v.(map[string]any)
				rf := fields{m: m, prefix: fmt.Sprintf("contextnumbers.%s[%d].", t, i), errs: errs}
				if !isObj {
					errs.Add(fmt.Sprintf("contextnumbers.%s[%d]", t, i), "must be an object with numberbeg")
					continue
				}
				r := models.ContextRange{Type: t}
				rf.strTrim("numberbeg", &r.NumberBeg)
				rf.strTrim("numberend", &r.NumberEnd)
				rf.integer("didlength", &r.DidLength)
				byType[t] = append(byType[t], r)
			}
		}
		c.Ranges = []models.ContextRange{}
		for _, t := range rangeTypes {
			c.Ranges = append(c.Ranges, byType[t]...)
		}
	}
	return errs.OrNil()
}

// contextCodec is the json.php form of contexts: {"context": {…}, "contextnumbers": …,
// "contextinclude": …}; the id is the context name.
type contextCodec struct{ wireNames }

var xivoContextNames = names(map[string]string{"ranges": "contextnumbers", "includes": "contextinclude",
	"entity_name": "entity", "entity_id": "entityid"},
	nil, models.Context{}, models.ContextRange{})

func (contextCodec) Rows(cs []models.ContextComposite) any {
	out := make([]map[string]any, len(cs))
	for i := range cs {
		out[i] = contextItem(&cs[i])
	}
	return out
}
func (contextCodec) View(c *models.ContextComposite) any   { return contextView(c) }
func (contextCodec) Key(c *models.ContextComposite) string { return c.Context.Name }
func (contextCodec) Decode(body map[string]any, c *models.ContextComposite) (*models.ContextComposite, error) {
	if err := decodeContext(body, c); err != nil {
		return nil, err
	}
	if c.Includes == nil {
		c.Includes = []string{}
	}
	return c, nil
}

// Contexts is the system_management/context resource; the id is the context name.
func Contexts(st *models.Stores) *Resource {
	s := st.Contexts
	return (&Endpoint[models.ContextComposite, models.ContextComposite, string]{
		Codec: contextCodec{xivoContextNames},
		New: func() *models.ContextComposite {
			return &models.ContextComposite{Context: models.Context{ContextType: "internal"}}
		},
		List:   func(ctx context.Context, _ Query) ([]models.ContextComposite, error) { return s.List(ctx) },
		Search: func(ctx context.Context, q Query) ([]models.ContextComposite, error) { return s.Search(ctx, q.Search) },
		// xivo-ws edits an object whose id it never learnt without id=: the body names it.
		EditKey: func(body map[string]any) (string, bool) {
			row, _ := body["context"].(map[string]any)
			name, _ := scalarText(row["name"])
			return name, name != ""
		},
	}).Over(s).Resource()
}
