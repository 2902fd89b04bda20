package handlers

import (
	"context"
	"net/http"
	"net/netip"
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

	// The HTTP request itself, for the resources that answer more than acts (the
	// callcontroller): the method, the request-target as the client sent it, the route's
	// path parameters (not unescaped), the Authorization header, the client address as the
	// server established it (TCP peer or trusted proxy) and whether the client reached pbxws
	// over TLS (the listener's state, or a trusted proxy's X-Forwarded-Proto).
	Method        string
	Target        string
	PathParams    map[string]string
	Authorization string
	Peer          netip.Addr
	Secure        bool
	// User is the authenticated user a sipX "my" resource acts for (0 elsewhere); Admin
	// says that user holds the ADMIN role.
	User  int
	Admin bool
	// Decoded, when not nil, is the body as the façade already decoded it (sipX XML); the
	// kit then does not read Body as JSON.
	Decoded map[string]any
	// ContentType is the body's media type (lower case, without parameters) where a resource
	// reads the body itself (imports).
	ContentType string
}

// decoded is the request body as an object.
func (r *Request) decoded() (map[string]any, error) {
	if r.Decoded != nil {
		return r.Decoded, nil
	}
	return DecodeBody(r.Body)
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
	// ID names the object an add created (or an edit or delete changed), for façades whose
	// answers carry it (the sipX envelope).
	ID string
	// Header holds extra response headers (Retry-After, WWW-Authenticate, Allow).
	Header http.Header
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
	return Result{Text: append(b, '\n'), TextType: "application/json", ID: id}
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
	// Unavailable, when set, says why pbxws does not serve this documented resource yet:
	// every act answers ErrNotServed.
	Unavailable string
}

// ErrUnsupportedMedia refuses a body of a type the resource does not read (415).
type ErrUnsupportedMedia struct{ Msg string }

func (e *ErrUnsupportedMedia) Error() string { return e.Msg }

// ErrNotServed is a documented resource pbxws does not serve (yet): 501, never a fake answer.
type ErrNotServed struct{ Why string }

func (e *ErrNotServed) Error() string { return e.Why }

// NotServed is a documented resource pbxws does not serve; why says what is missing.
func NotServed(why string) *Resource { return &Resource{Unavailable: why} }

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
	if res.Unavailable != "" {
		return Result{}, &ErrNotServed{Why: res.Unavailable}
	}
	act := r.Act
	if act == "" {
		act = res.DefaultAct
	}
	fn, ok := res.Acts[act]
	if !ok {
		return Result{}, &ErrUnknownAct{Act: act, Allowed: res.actNames()}
	}
	// Writes that announce what changed say who asked (models.Actor).
	return fn(models.WithActor(ctx, r.Account), r)
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

// ParseID reads a numeric id: 1 to 9 digits.
func ParseID(s string) (int, bool) {
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
