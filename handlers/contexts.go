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

// contextsToWire builds list items: the row, its ranges as a flat list, its first include.
func contextsToWire(ctx context.Context, st *models.Stores, cs []models.Context) ([]map[string]any, error) {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	ranges, err := st.Contexts.RangesOf(ctx, names)
	if err != nil {
		return nil, err
	}
	byCtx := map[string][]rangeWire{}
	for _, r := range ranges {
		byCtx[r.Context] = append(byCtx[r.Context], rangeToWire(r.Context, r.ContextRange))
	}
	incs, err := st.Contexts.IncludesOf(ctx, names)
	if err != nil {
		return nil, err
	}
	use, err := st.Contexts.UseOf(ctx, names)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(cs))
	for i, c := range cs {
		var inc any = false
		if v, ok := incs[c.Name]; ok {
			inc = map[string]any{"context": c.Name, "include": v, "priority": "0"}
		}
		out[i] = map[string]any{"context": contextRow(c), "contextnumbers": falseOr(byCtx[c.Name]),
			"contexttype": contextTypeWire(c.ContextType), "deletable": use[c.Name].Free(), "contextinclude": inc}
	}
	return out, nil
}

func contextView(c *models.ContextComposite, use models.ContextUse) map[string]any {
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

// Contexts is the system_management/context resource; the id is the context name.
func Contexts(st *models.Stores) *Resource {
	s := st.Contexts
	items := func(ctx context.Context, cs []models.Context, err error) (Result, error) {
		if err != nil {
			return Result{}, err
		}
		out, err := contextsToWire(ctx, st, cs)
		return Items(out), err
	}
	return &Resource{DefaultAct: "list", Acts: map[string]Act{
		"list": func(ctx context.Context, r *Request) (Result, error) {
			cs, err := s.List(ctx)
			return items(ctx, cs, err)
		},
		"search": func(ctx context.Context, r *Request) (Result, error) {
			term := r.Param("search")
			if term == "" {
				return NoContent(), nil
			}
			cs, err := s.Search(ctx, term)
			return items(ctx, cs, err)
		},
		"view": func(ctx context.Context, r *Request) (Result, error) {
			name, err := needID(r)
			if err != nil {
				return Result{}, err
			}
			c, err := s.Get(ctx, name)
			if err != nil {
				return Result{}, err
			}
			use, err := s.Use(ctx, name)
			if err != nil {
				return Result{}, err
			}
			return Object(contextView(c, use)), nil
		},
		"add": func(ctx context.Context, r *Request) (Result, error) {
			body, err := DecodeBody(r.Body)
			if err != nil {
				return Result{}, err
			}
			c := &models.ContextComposite{Context: models.Context{ContextType: "internal"}}
			if err := decodeContext(body, c); err != nil {
				return Result{}, err
			}
			if c.Includes == nil {
				c.Includes = []string{}
			}
			if err := s.Create(ctx, c); err != nil {
				return Result{}, err
			}
			return Created(c.Context.Name), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			body, err := DecodeBody(r.Body)
			if err != nil {
				return Result{}, err
			}
			name := r.ID
			if name == "" {
				// xivo-ws edits an object whose id it never learnt without id=: the body names it.
				if row, ok := body["context"].(map[string]any); ok {
					name, _ = scalarText(row["name"])
				}
			}
			if name == "" {
				return Result{}, models.ErrNotFound
			}
			c, err := s.Get(ctx, name)
			if err != nil {
				return Result{}, err
			}
			if err := decodeContext(body, c); err != nil {
				return Result{}, err
			}
			return Done(), s.Update(ctx, name, c)
		},
		"delete": deleteByID(s.Delete),
	}}
}
