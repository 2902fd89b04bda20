package handlers

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"pbxws/models"
)

// The resource kit. Every object family is served by one Endpoint: the acts list, search,
// view, add, edit, delete and deleteall are written once, here, generic over the family's
// store operations and a façade's Codec. An endpoint declares only what differs: the kind
// of its ids (K), which store operations it has (a nil one means the act does not exist),
// its filters, its extra acts and its codec.

// Key is the kind of id an object family has: numbers (users, lines) or text (context
// names, device ids).
type Key interface{ int | string }

// Query is what a list or search asks for: the search term (search only) and the request's
// other parameters, from which an endpoint reads its filters.
type Query struct {
	Search string
	Params url.Values
}

// Param is a (trimmed) query parameter, "" when absent.
func (q Query) Param(name string) string { return q.Params.Get(name) }

// Has reports whether the query names the parameter with a value.
func (q Query) Has(name string) bool { return q.Params.Get(name) != "" }

// Codec is one façade's wire form of an object family. It turns a decoded body into the
// canonical object and canonical objects into the façade's shapes; it never calls a store
// (references it meets are left for the store to resolve inside the write's transaction).
type Codec[Row, Obj any] interface {
	ObjectCodec[Obj]
	// Rows renders a list or search answer (never empty: the kit answers 204 for none).
	Rows(rows []Row) any
	// Key is the id an add answers, as the façade writes it.
	Key(o *Obj) string
}

// ObjectCodec is the part of a Codec that reads and renders one object: all a singleton
// (singleton.go) needs.
type ObjectCodec[Obj any] interface {
	// View renders one object.
	View(o *Obj) any
	// Decode applies a body onto base (the defaults on add, the locked stored object on
	// edit) and returns the object to write. Errors name fields in wire terms.
	Decode(body map[string]any, base *Obj) (*Obj, error)
	// Field names a canonical field path (models' errors) in the façade's wire terms.
	Field(path string) string
}

// ListRenderer is a Codec whose list answers depend on the query (sipX pages and sorts) and
// which answers an empty list itself, where json.php answers 204.
type ListRenderer[Row any] interface {
	RowsFor(rows []Row, q Query) (any, error)
}

// Endpoint is one object family on one façade.
type Endpoint[Row, Obj any, K Key] struct {
	Codec Codec[Row, Obj]
	// New is a fresh object with the defaults an add starts from.
	New func() *Obj
	// List and Search read rows; Search gets a non-empty term (an empty one answers 204).
	List   func(ctx context.Context, q Query) ([]Row, error)
	Search func(ctx context.Context, q Query) ([]Row, error)
	// Get reads one object; ErrNotFound answers 404.
	Get func(ctx context.Context, id K) (*Obj, error)
	// Create validates and inserts, setting the new object's id.
	Create func(ctx context.Context, o *Obj) error
	// Edit locks the stored object, lets merge apply the body, validates and writes: one
	// transaction (models.EditLocked).
	Edit func(ctx context.Context, id K, merge func(stored *Obj) (*Obj, error)) error
	// EditKey finds the id of an edit whose request named none (xivo-ws edits contexts by
	// the name in the body); nil means such an edit names no object.
	EditKey func(body map[string]any) (K, bool)
	// Delete removes one object; DeleteAll removes every object in one transaction and
	// says how many went (none answers 204).
	Delete    func(ctx context.Context, id K) error
	DeleteAll func(ctx context.Context) (int, error)
	// Cached, when set, serves list answers rendered before while nothing of their scope
	// has changed since (the users list: megabytes for 10,000 users). A cached list has no
	// filters.
	Cached *ListCache[Row]
	// Extra acts this family has besides the kit's.
	Extra map[string]Act
	// Default is the act a request without one runs ("list" when empty).
	Default string
}

// Store is the store of a family with the usual operations; Over takes them from it.
type Store[Obj any, K Key] interface {
	Get(ctx context.Context, id K) (*Obj, error)
	Create(ctx context.Context, o *Obj) error
	Edit(ctx context.Context, id K, merge func(stored *Obj) (*Obj, error)) error
	Delete(ctx context.Context, id K) error
}

// Over sets view, add, edit and delete (and deleteall when the store has DeleteAll) to the
// store's operations.
func (e *Endpoint[Row, Obj, K]) Over(s Store[Obj, K]) *Endpoint[Row, Obj, K] {
	e.Get, e.Create, e.Edit, e.Delete = s.Get, s.Create, s.Edit, s.Delete
	if d, ok := s.(interface {
		DeleteAll(ctx context.Context) (int, error)
	}); ok {
		e.DeleteAll = d.DeleteAll
	}
	return e
}

// Resource builds the façade-facing Resource: one Act per store operation present.
func (e *Endpoint[Row, Obj, K]) Resource() *Resource {
	acts := map[string]Act{}
	if e.List != nil || e.Cached != nil {
		acts["list"] = e.list
	}
	if e.Search != nil {
		acts["search"] = e.search
	}
	if e.Get != nil {
		acts["view"] = e.view
	}
	if e.Create != nil {
		acts["add"] = e.add
	}
	if e.Edit != nil {
		acts["edit"] = e.edit
	}
	if e.Delete != nil {
		acts["delete"] = e.delete
	}
	if e.DeleteAll != nil {
		acts["deleteall"] = e.deleteAll
	}
	for name, act := range e.Extra {
		acts[name] = act
	}
	def := e.Default
	if def == "" {
		def = "list"
	}
	return &Resource{DefaultAct: def, Acts: acts}
}

func (e *Endpoint[Row, Obj, K]) rows(q Query, rows []Row, err error) (Result, error) {
	if err != nil {
		return Result{}, e.wire(err)
	}
	if lr, ok := any(e.Codec).(ListRenderer[Row]); ok {
		v, err := lr.RowsFor(rows, q)
		return Object(v), e.wire(err)
	}
	if len(rows) == 0 {
		return NoContent(), nil
	}
	return Object(e.Codec.Rows(rows)), nil
}

func (e *Endpoint[Row, Obj, K]) list(ctx context.Context, r *Request) (Result, error) {
	if e.Cached != nil {
		return e.Cached.list(ctx, e.Codec)
	}
	q := Query{Params: r.Query}
	rows, err := e.List(ctx, q)
	return e.rows(q, rows, err)
}

func (e *Endpoint[Row, Obj, K]) search(ctx context.Context, r *Request) (Result, error) {
	q := Query{Search: r.Param("search"), Params: r.Query}
	if q.Search == "" {
		return NoContent(), nil
	}
	rows, err := e.Search(ctx, q)
	return e.rows(q, rows, err)
}

func (e *Endpoint[Row, Obj, K]) view(ctx context.Context, r *Request) (Result, error) {
	id, err := parseKey[K](r.ID)
	if err != nil {
		return Result{}, err
	}
	o, err := e.Get(ctx, id)
	if err != nil {
		return Result{}, e.wire(err)
	}
	return Object(e.Codec.View(o)), nil
}

func (e *Endpoint[Row, Obj, K]) add(ctx context.Context, r *Request) (Result, error) {
	body, err := r.decoded()
	if err != nil {
		return Result{}, err
	}
	o, err := e.Codec.Decode(body, e.New())
	if err != nil {
		return Result{}, err
	}
	if err := e.Create(ctx, o); err != nil {
		return Result{}, e.wire(err)
	}
	return Created(e.Codec.Key(o)), nil
}

func (e *Endpoint[Row, Obj, K]) edit(ctx context.Context, r *Request) (Result, error) {
	body, err := r.decoded()
	if err != nil {
		return Result{}, err
	}
	id, err := parseKey[K](r.ID)
	if err != nil && r.ID == "" && e.EditKey != nil {
		var ok bool
		if id, ok = e.EditKey(body); ok {
			err = nil
		}
	}
	if err != nil {
		return Result{}, err
	}
	err = e.Edit(ctx, id, func(stored *Obj) (*Obj, error) { return e.Codec.Decode(body, stored) })
	return Result{ID: r.ID}, e.wire(err)
}

func (e *Endpoint[Row, Obj, K]) delete(ctx context.Context, r *Request) (Result, error) {
	id, err := parseKey[K](r.ID)
	if err != nil {
		return Result{}, err
	}
	return Result{ID: r.ID}, e.wire(e.Delete(ctx, id))
}

func (e *Endpoint[Row, Obj, K]) deleteAll(ctx context.Context, _ *Request) (Result, error) {
	n, err := e.DeleteAll(ctx)
	if err != nil {
		return Result{}, e.wire(err)
	}
	if n == 0 {
		return NoContent(), nil
	}
	return Done(), nil
}

// wire renames the canonical field paths of models' errors into the codec's wire terms.
func (e *Endpoint[Row, Obj, K]) wire(err error) error {
	return WireErrors(err, e.Codec.Field)
}

// WireErrors renames the fields a validation or conflict error names with field (a codec's
// Field). Other errors pass unchanged.
func WireErrors(err error, field func(string) string) error {
	if err == nil {
		return nil
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		out := &models.ValidationError{}
		for f, rule := range ve.Fields {
			out.Add(field(f), rule)
		}
		return out
	}
	var ce *models.ConflictError
	if errors.As(err, &ce) && ce.Field != "" {
		w := field(ce.Field)
		return &models.ConflictError{Field: w, Msg: strings.Replace(ce.Msg, ce.Field, w, 1)}
	}
	return err
}

// parseKey reads a request id. A missing id, or a non-numeric one where ids are numbers,
// names no object (404): xivo-ws sends `id=` empty when none was typed.
func parseKey[K Key](s string) (K, error) {
	var k K
	if s == "" {
		return k, models.ErrNotFound
	}
	switch p := any(&k).(type) {
	case *int:
		n, ok := ParseID(s)
		if !ok {
			return k, models.ErrNotFound
		}
		*p = n
	case *string:
		*p = s
	}
	return k, nil
}
