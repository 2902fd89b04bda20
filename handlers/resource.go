package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"pbxws/models"
)

// Request is one act call as the façade decoded it: the act, the object id, the (trimmed)
// query parameters and the raw body.
type Request struct {
	Act   string
	ID    string // "" when absent or empty: both mean "no id"
	Query url.Values
	Body  []byte
	// Private is true for json.php private mode (a local process, no account).
	Private bool
	// Account names who asks: the web-service account, or "(private)".
	Account string
}

// Param is a trimmed query parameter ("" when absent).
func (r *Request) Param(name string) string { return r.Query.Get(name) }

// HasParam reports whether the query names the parameter at all.
func (r *Request) HasParam(name string) bool { _, ok := r.Query[name]; return ok }

// Result is what an act produced; the façade renders it.
type Result struct {
	Status int // 0 means 200
	// JSON is encoded as the body when non-nil.
	JSON any
	// Text is sent as is (with TextType) when JSON is nil.
	Text     []byte
	TextType string
	// Rendered, when JSON and Text are nil, is a JSON answer rendered before and shared
	// between requests: it is sent without a copy and must never be modified.
	Rendered []byte
}

// Items answers a list or search: 204 with an empty body when there is nothing.
func Items[T any](items []T) Result {
	if len(items) == 0 {
		return Result{Status: http.StatusNoContent}
	}
	return Result{JSON: items}
}

// Object answers a view.
func Object(v any) Result { return Result{JSON: v} }

// Created answers an add: the new id as a JSON string followed by a newline, which the
// xivo-ws client turns into the bare id.
func Created(id string) Result {
	b, _ := jsonString(id)
	return Result{Text: append(b, '\n'), TextType: "application/json"}
}

// Done answers an edit or delete: 200 with an empty body.
func Done() Result { return Result{} }

// NoContent answers 204 with an empty body.
func NoContent() Result { return Result{Status: http.StatusNoContent} }

// Act is one action of a Resource.
type Act func(ctx context.Context, r *Request) (Result, error)

// Resource is one object family behind the façades.
type Resource struct {
	// Acts maps act names to their implementation.
	Acts map[string]Act
	// DefaultAct runs when the request names no act ("list", or "view" for singletons).
	DefaultAct string
}

// ErrUnknownAct is returned by Dispatch for an act the resource does not have.
type ErrUnknownAct struct {
	Act     string
	Allowed []string
}

func (e *ErrUnknownAct) Error() string {
	return "unknown act " + quote(e.Act) + ": this resource supports " + strings.Join(e.Allowed, ", ")
}

// Dispatch runs the act named by r.Act (or the default act).
func (res *Resource) Dispatch(ctx context.Context, r *Request) (Result, error) {
	act := r.Act
	if act == "" {
		act = res.DefaultAct
	}
	fn, ok := res.Acts[act]
	if !ok {
		return Result{}, &ErrUnknownAct{Act: act, Allowed: res.actNames()}
	}
	return fn(ctx, r)
}

func (res *Resource) actNames() []string {
	order := []string{"list", "search", "view", "add", "edit", "delete", "deleteall"}
	var out []string
	seen := map[string]bool{}
	for _, a := range order {
		if _, ok := res.Acts[a]; ok {
			out = append(out, a)
			seen[a] = true
		}
	}
	for a := range res.Acts {
		if !seen[a] {
			out = append(out, a)
		}
	}
	return out
}

// needID returns the request id or ErrNotFound when it is missing (xivo-ws sends `id=` empty
// when none was typed; both mean "no such object").
func needID(r *Request) (string, error) {
	if r.ID == "" {
		return "", models.ErrNotFound
	}
	return r.ID, nil
}

// needIntID parses a numeric id; a missing or non-numeric id names no object (404).
func needIntID(r *Request) (int, error) {
	s, err := needID(r)
	if err != nil {
		return 0, err
	}
	n, ok := parseID(s)
	if !ok {
		return 0, models.ErrNotFound
	}
	return n, nil
}

func parseID(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// deleteByIntID is the shared delete act of objects with numeric ids.
func deleteByIntID(del func(context.Context, int) error) Act {
	return func(ctx context.Context, r *Request) (Result, error) {
		id, err := needIntID(r)
		if err != nil {
			return Result{}, err
		}
		return Done(), del(ctx, id)
	}
}

// deleteByID is the shared delete act of objects keyed by text (contexts, devices).
func deleteByID(del func(context.Context, string) error) Act {
	return func(ctx context.Context, r *Request) (Result, error) {
		id, err := needID(r)
		if err != nil {
			return Result{}, err
		}
		return Done(), del(ctx, id)
	}
}

// deleteAll is the shared deleteall act: 204 when there is nothing, else every object goes in
// one transaction (all or nothing).
func deleteAll(count func(context.Context) (int, error), del func(context.Context) error) Act {
	return func(ctx context.Context, r *Request) (Result, error) {
		n, err := count(ctx)
		if err != nil {
			return Result{}, err
		}
		if n == 0 {
			return NoContent(), nil
		}
		if err := del(ctx); err != nil {
			return Result{}, err
		}
		return Done(), nil
	}
}

// ForbiddenError refuses an act to whoever asks (json.php answers 403).
type ForbiddenError struct{ Msg string }

func (e *ForbiddenError) Error() string { return e.Msg }

// privateOnly is act for json.php private mode (local processes) only.
func privateOnly(act Act) Act {
	return func(ctx context.Context, r *Request) (Result, error) {
		if !r.Private {
			return Result{}, &ForbiddenError{Msg: "act " + r.Act + " is open to private mode (local processes) only"}
		}
		return act(ctx, r)
	}
}
