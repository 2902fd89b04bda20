package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pbxws/acl"
	"pbxws/handlers"
	"pbxws/models"
)

// The sipX REST façade (sipx-rest.md §1, §2): users authenticate with HTTP Basic or Digest
// on their portal password, a resource needs a role, bodies and answers are XML or JSON
// (XStream style) by negotiation, and admin mutations answer the CRUD envelope.

// sipxRole is what a resource requires of the authenticated user.
type sipxRole int

const (
	roleUser sipxRole = iota
	roleAdmin
	// roleAttendant is ADMIN or ATTENDANT_ADMIN (the permission RECORD_SYSTEM_PROMPTS).
	roleAttendant
	// roleAnyone needs no credentials (avatars).
	roleAnyone
)

// sipxCRUD is an admin CRUD resource (§1.3): GET lists or views, PUT creates (no id) or
// updates (id), DELETE deletes (id). Its objects have numeric ids.
type sipxCRUD struct {
	res  *handlers.Resource
	role sipxRole
	// named: objects are named, not numbered (permissions): any path id is taken, and a
	// created object's name is the envelope's additionalMessage.
	named bool
}

// sipxMedia are the types the CRUD resources offer, the default first.
var sipxMedia = []string{"text/xml", "application/json"}

// newSipxAuth is the sipX façade's user authenticator (built once, with the routes).
func (s *Server) newSipxAuth() *acl.UserAuth {
	return acl.NewUserAuth(models.NewDirectory(s.db), acl.UserAuthConfig{Realm: s.cfg.Realm,
		NonceLifetime: s.cfg.NonceLifetime, Throttle: s.throttle, Service: "sipx", MaxWait: s.cfg.MaxWait, Changes: &s.userChanges})
}

// sipxAuthenticate returns the user the request authenticates, or writes the refusal: 401
// with a Digest and a Basic challenge, or 403 when the role is missing.
func (s *Server) sipxAuthenticate(c *fiber.Ctx, role sipxRole) (*models.SIPUser, bool, error) {
	auth := s.sipxUsers
	u, _, err := auth.Authenticate(c.UserContext(), acl.AuthRequest{
		Method: c.Method(), URI: string(c.Request().RequestURI()), Authorization: c.Get(fiber.HeaderAuthorization),
		TLS: s.secure(c), Peer: s.peer(c),
	})
	if err != nil {
		var ae *acl.AuthError
		var th *acl.Throttled
		switch {
		case errors.As(err, &th):
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(th.Seconds()))
			return nil, false, sipxText(c, http.StatusTooManyRequests, th.Error())
		case errors.Is(err, acl.ErrChecksBusy):
			c.Set(fiber.HeaderRetryAfter, "1")
			return nil, false, sipxText(c, http.StatusServiceUnavailable, "pbxws is busy checking passwords: retry later")
		case errors.As(err, &ae):
			for _, ch := range auth.Challenges(s.secure(c), ae.Stale) {
				c.Response().Header.Add(fiber.HeaderWWWAuthenticate, ch)
			}
			return nil, false, sipxText(c, http.StatusUnauthorized, ae.Text)
		}
		return nil, false, err
	}
	c.Locals(localAccount, u.UserName)
	switch {
	case role == roleAdmin && !u.Admin:
		return nil, false, sipxText(c, http.StatusForbidden, "user "+u.UserName+" is not an administrator")
	case role == roleAttendant && !u.Admin:
		ok, err := s.stores.Permissions.Allowed(c.UserContext(), u.ID, "RECORD_SYSTEM_PROMPTS")
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, sipxText(c, http.StatusForbidden, "user "+u.UserName+" is neither an administrator nor an attendant administrator")
		}
	}
	return u, true, nil
}

// privateKeyParam is the path parameter of /sipxconfig/rest/private/{key}/….
const privateKeyParam = "puk"

// sipxKeyUser returns the user whose private key the path carries, or writes the refusal:
// 403 for a key no user has (throttled per peer, like wrong passwords).
func (s *Server) sipxKeyUser(c *fiber.Ctx, key string) (*models.SIPUser, bool, error) {
	u, err := s.sipxUsers.AuthenticateKey(c.UserContext(), key, s.peer(c))
	var ae *acl.AuthError
	var th *acl.Throttled
	switch {
	case errors.As(err, &th):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(th.Seconds()))
		return nil, false, sipxText(c, http.StatusTooManyRequests, th.Error())
	case errors.As(err, &ae):
		return nil, false, sipxText(c, ae.Status, ae.Text)
	case err != nil:
		return nil, false, err
	}
	c.Locals(localAccount, u.UserName)
	return u, true, nil
}

func sipxText(c *fiber.Ctx, status int, text string) error {
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.SendString(text + "\n")
}

// sipxUnknown answers a path no resource has: 401 without credentials (sipXconfig
// challenged before it routed), 404 for an authenticated user.
func (s *Server) sipxUnknown(c *fiber.Ctx) error {
	if c.Method() == fiber.MethodOptions {
		return c.SendStatus(http.StatusOK)
	}
	if _, ok, err := s.sipxAuthenticate(c, roleUser); !ok {
		return err
	}
	return sipxText(c, http.StatusNotFound, "no such resource: "+loggedPath(c.Path()))
}

// serve answers one request on the resource; id is the path id ("" on the collection).
func (r sipxCRUD) serve(s *Server, c *fiber.Ctx, hasID bool) error {
	if c.Method() == fiber.MethodOptions {
		c.Set(fiber.HeaderAllow, "GET, PUT, DELETE, OPTIONS")
		return c.SendStatus(http.StatusOK)
	}
	if _, ok, err := s.sipxAuthenticate(c, r.role); !ok {
		return err
	}
	id := ""
	if hasID {
		var err error
		if id, err = url.PathUnescape(c.Params("id")); err != nil {
			return sipxEnvelope(c, "ERROR_ID_INVALID", "")
		}
		if _, ok := handlers.ParseID(id); !ok && !r.named {
			return sipxEnvelope(c, "ERROR_ID_INVALID", "")
		}
	}
	req := &handlers.Request{ID: id, Query: sipxQuery(c)}
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead:
		req.Act = "list"
		if hasID {
			req.Act = "view"
		}
	case fiber.MethodPut:
		req.Act = "add"
		if hasID {
			req.Act = "edit"
		} else if r.res.Acts["add"] == nil {
			return sipxEnvelope(c, "ERROR_MISSING_ID", "")
		}
	case fiber.MethodDelete:
		if r.res.Acts["delete"] == nil {
			c.Set(fiber.HeaderAllow, "GET, PUT, OPTIONS")
			return sipxText(c, http.StatusMethodNotAllowed, "DELETE is not offered here: use GET or PUT")
		}
		if !hasID {
			return sipxEnvelope(c, "ERROR_MISSING_ID", "")
		}
		req.Act = "delete"
	default:
		c.Set(fiber.HeaderAllow, "GET, PUT, DELETE, OPTIONS")
		return sipxText(c, http.StatusMethodNotAllowed, c.Method()+" is not offered here: use GET, PUT or DELETE")
	}
	var media string
	if req.Act == "list" || req.Act == "view" {
		var ok bool
		if media, ok = negotiate(c.Get(fiber.HeaderAccept), sipxMedia); !ok {
			return sipxText(c, http.StatusNotAcceptable, "this resource answers "+strings.Join(sipxMedia, " or "))
		}
	} else if req.Act != "delete" {
		body, err := s.requestBody(c)
		if err != nil {
			return sipxFailure(c, req.Act, err)
		}
		if req.Decoded, err = decodeSipxBody(c.Get(fiber.HeaderContentType), body); err != nil {
			return sipxFailure(c, req.Act, err)
		}
	}
	c.Locals(localAct, req.Act)
	res, err := s.dispatch(c.UserContext(), r.res, req, req.Act != "list" && req.Act != "view")
	if errors.Is(err, errBusy) || errors.Is(err, models.ErrWriteConflict) {
		c.Set(fiber.HeaderRetryAfter, "1")
		return sipxText(c, http.StatusServiceUnavailable, err.Error())
	}
	if err != nil {
		return sipxFailure(c, req.Act, err)
	}
	switch req.Act {
	case "add":
		if r.named {
			return sipxEnvelope(c, "SUCCESS_CREATED", "", res.ID)
		}
		return sipxEnvelope(c, "SUCCESS_CREATED", res.ID)
	case "edit":
		return sipxEnvelope(c, "SUCCESS_UPDATED", id)
	case "delete":
		return sipxEnvelope(c, "SUCCESS_DELETED", id)
	}
	doc, ok := res.JSON.(handlers.SipxDoc)
	if !ok {
		return errors.New("sipx: the resource answered no document")
	}
	if media == "application/json" {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(doc.JSON())
	}
	c.Set(fiber.HeaderContentType, "text/xml; charset=utf-8")
	return c.Send(doc.XML())
}

func sipxQuery(c *fiber.Ctx) map[string][]string {
	q := map[string][]string{}
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		q[string(k)] = append(q[string(k)], strings.TrimSpace(string(v)))
	})
	return q
}

// decodeSipxBody reads an XML or JSON body by its Content-Type (or, without one, by its
// first character; JSON when it is neither).
func decodeSipxBody(ctype string, body []byte) (map[string]any, error) {
	switch sipxBodyFormat(ctype, body) {
	case "xml":
		return handlers.DecodeSipxXML(body)
	case "json":
		return handlers.DecodeBody(body)
	}
	if sipxMediaType(ctype) == "" {
		return handlers.DecodeBody(body)
	}
	return nil, errUnsupportedMedia
}

// sipxBodyFormat is "xml" or "json" for a body of that Content-Type (or, without one,
// starting with "<" or "{"), "" for any other.
func sipxBodyFormat(ctype string, body []byte) string {
	trimmed := bytes.TrimSpace(body)
	switch mt := sipxMediaType(ctype); {
	case mt == "text/xml" || mt == "application/xml" || (mt == "" && bytes.HasPrefix(trimmed, []byte("<"))):
		return "xml"
	case mt == "application/json" || mt == "text/json" || (mt == "" && bytes.HasPrefix(trimmed, []byte("{"))):
		return "json"
	}
	return ""
}

// sipxMediaType is a Content-Type without its parameters, in lower case.
func sipxMediaType(ctype string) string {
	return strings.ToLower(strings.TrimSpace(strings.SplitN(ctype, ";", 2)[0]))
}

var errUnsupportedMedia = errors.New("the body must be XML (text/xml) or JSON (application/json)")

// negotiate picks the first offered type the Accept header allows (§1.1); none or */*
// means the first. application/xml stands for text/xml.
func negotiate(accept string, offered []string) (string, bool) {
	accept = strings.TrimSpace(accept)
	if accept == "" {
		return offered[0], true
	}
	allowed := map[string]bool{}
	for _, part := range strings.Split(accept, ",") {
		params := strings.Split(part, ";")
		mt := strings.ToLower(strings.TrimSpace(params[0]))
		refused := false
		for _, p := range params[1:] {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
				q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				refused = err == nil && q <= 0
			}
		}
		if refused {
			continue // q=0: explicitly not acceptable
		}
		if mt == "application/xml" {
			mt = "text/xml"
		}
		allowed[mt] = true
	}
	for _, o := range offered {
		major := strings.SplitN(o, "/", 2)[0]
		if allowed[o] || allowed["*/*"] || allowed[major+"/*"] {
			return o, true
		}
	}
	return "", false
}

// sipxEnvelopes are the CRUD envelope's codes: message and HTTP status (§1.3). Refusals of
// bad input answer 400, not the 500 of the original.
var sipxEnvelopes = map[string]struct {
	msg    string
	status int
}{
	"SUCCESS_CREATED":         {"Created", http.StatusCreated},
	"SUCCESS_UPDATED":         {"Updated", http.StatusOK},
	"SUCCESS_DELETED":         {"Deleted", http.StatusOK},
	"ERROR_MISSING_ID":        {"ID value missing from request", http.StatusBadRequest},
	"ERROR_ID_INVALID":        {"ID value is invalid", http.StatusBadRequest},
	"ERROR_OBJECT_NOT_FOUND":  {"Could not retrieve object using ID", http.StatusBadRequest},
	"ERROR_VALIDATION_FAILED": {"Failed input validation", http.StatusBadRequest},
	"ERROR_CREATE_FAILED":     {"Create failed", http.StatusBadRequest},
	"ERROR_UPDATE_FAILED":     {"Update failed", http.StatusBadRequest},
	"ERROR_DELETE_FAILED":     {"Delete failed", http.StatusBadRequest},
	"ERROR_READ_FAILED":       {"Read failed", http.StatusInternalServerError},
	"ERROR_REFERENCE_EXISTS":  {"Reference to object still exists", http.StatusConflict},
}

// sipxEnvelope writes the text/xml envelope: data holds the id when there is one, then the
// additional message.
func sipxEnvelope(c *fiber.Ctx, code, id string, additional ...string) error {
	e := sipxEnvelopes[code]
	data := handlers.SipxObject{}
	if id != "" {
		data = append(data, handlers.SipxField{Name: "id", Value: id})
	}
	if len(additional) > 0 && additional[0] != "" {
		data = append(data, handlers.SipxField{Name: "additionalMessage", Value: additional[0]})
	}
	doc := handlers.SipxDoc{Root: "response", Value: handlers.SipxObject{
		{Name: "code", Value: code}, {Name: "message", Value: e.msg}, {Name: "data", Value: data}}}
	c.Status(e.status)
	c.Set(fiber.HeaderContentType, "text/xml; charset=utf-8")
	return c.Send(doc.XML())
}

// sipxFailure maps an act's error to its envelope.
func sipxFailure(c *fiber.Ctx, act string, err error) error {
	var ve *models.ValidationError
	var ce *models.ConflictError
	var ie *models.InUseError
	var bad *handlers.ErrIDInvalid
	failed := map[string]string{"add": "ERROR_CREATE_FAILED", "edit": "ERROR_UPDATE_FAILED",
		"delete": "ERROR_DELETE_FAILED"}[act]
	if failed == "" {
		failed = "ERROR_READ_FAILED"
	}
	switch {
	case errors.As(err, &bad):
		return sipxEnvelope(c, "ERROR_ID_INVALID", "", bad.Error())
	case errors.As(err, &ve):
		return sipxEnvelope(c, "ERROR_VALIDATION_FAILED", "", strings.TrimPrefix(ve.Error(), "invalid input: "))
	case errors.As(err, &ce):
		return sipxEnvelope(c, failed, "", ce.Msg)
	case errors.As(err, &ie):
		return sipxEnvelope(c, "ERROR_REFERENCE_EXISTS", "", ie.Msg)
	case errors.Is(err, models.ErrNotFound):
		return sipxEnvelope(c, "ERROR_OBJECT_NOT_FOUND", "")
	case errors.Is(err, errUnsupportedMedia), errors.Is(err, errUnsupportedEncoding):
		return sipxText(c, http.StatusUnsupportedMediaType, err.Error())
	}
	return err // the error handler: 500, logged
}

// sipxMy is a "my" resource (§6): it acts for the authenticated user. method lists the
// methods it offers ("GET", "PUT" or "GET PUT": GET views, PUT edits); param names the path
// parameter passed on as the id.
type sipxMy struct {
	res    *handlers.Resource
	method string
	param  string
	// role: what the resource needs (roleUser when zero).
	role sipxRole
	// body: PUT reads an XML or JSON body (others ignore theirs, as old clients send one);
	// media: what GET offers, the default first (sipxMedia when nil).
	body  bool
	media []string
	// raw: PUT and POST hand the body as sent, with its Content-Type, to the resource
	// (imports of CSV and vCard).
	raw bool
	// text: PUT also takes a body that is neither XML nor JSON (text/plain), handed to the
	// act as it is in Request.Body; a body curl -d labels a form is read by its first
	// character (XML, JSON, else text).
	text bool
	// ownMedia: GET answers in the type the resource's answer carries (provisioning
	// profiles), whatever Accept says.
	ownMedia bool
}

func (r sipxMy) serve(s *Server, c *fiber.Ctx) error {
	methods := strings.Fields(r.method)
	allow := strings.Join(append(methods, fiber.MethodOptions), ", ")
	if c.Method() == fiber.MethodOptions {
		c.Set(fiber.HeaderAllow, allow)
		return c.SendStatus(http.StatusOK)
	}
	u := &models.SIPUser{}
	key, byKey := c.Params(privateKeyParam), slices.Contains(c.Route().Params, privateKeyParam)
	switch {
	case byKey:
		var ok bool
		var err error
		if u, ok, err = s.sipxKeyUser(c, key); !ok {
			return err
		}
	case r.role != roleAnyone:
		var ok bool
		var err error
		if u, ok, err = s.sipxAuthenticate(c, r.role); !ok {
			return err
		}
	}
	method := c.Method()
	if method == fiber.MethodHead {
		method = fiber.MethodGet
	}
	if !slices.Contains(methods, method) {
		c.Set(fiber.HeaderAllow, allow)
		return sipxText(c, http.StatusMethodNotAllowed, c.Method()+" is not offered here: use "+strings.Join(methods, " or "))
	}
	if byKey && method != fiber.MethodGet {
		// A private key travels in URLs (feeds, logs, Referer): it reads, it never writes.
		return sipxText(c, http.StatusForbidden, "a private key only reads: "+c.Method()+" needs the user's credentials")
	}
	// A private key acts for its user without the ADMIN role, whatever the user holds.
	req := &handlers.Request{Act: "view", User: u.ID, Admin: u.Admin && !byKey, Query: sipxQuery(c), PathParams: map[string]string{}}
	for _, name := range c.Route().Params {
		if name == privateKeyParam {
			continue
		}
		v, err := url.PathUnescape(c.Params(name))
		if err != nil {
			return sipxText(c, http.StatusBadRequest, name+": malformed %-escape")
		}
		req.PathParams[name] = v
	}
	switch {
	case method == fiber.MethodPost && r.res.Acts["add"] != nil:
		req.Act = "add"
	case method == fiber.MethodPut, method == fiber.MethodPost:
		req.Act = "edit"
	case method == fiber.MethodDelete:
		req.Act = "delete"
	}
	if r.param != "" {
		req.ID = req.PathParams[r.param]
	}
	media, offered := "", r.media
	if offered == nil {
		offered = sipxMedia
	}
	if req.Act == "view" && !r.ownMedia {
		var ok bool
		if media, ok = negotiate(c.Get(fiber.HeaderAccept), offered); !ok {
			return sipxText(c, http.StatusNotAcceptable, "this resource answers "+strings.Join(offered, " or "))
		}
	}
	if (req.Act == "edit" || req.Act == "add") && r.body {
		body, err := s.requestBody(c)
		ctype := c.Get(fiber.HeaderContentType)
		if r.text && sipxMediaType(ctype) == fiber.MIMEApplicationForm {
			ctype = "" // curl -d labels every body a form: read it by its first character
		}
		if err == nil && r.text && sipxBodyFormat(ctype, body) == "" {
			req.Body = body
		} else if err == nil {
			req.Decoded, err = decodeSipxBody(ctype, body)
		}
		if errors.Is(err, errUnsupportedMedia) {
			return sipxText(c, http.StatusUnsupportedMediaType, err.Error())
		}
		var ve *models.ValidationError
		if errors.As(err, &ve) {
			return sipxText(c, http.StatusBadRequest, strings.TrimPrefix(ve.Error(), "invalid input: "))
		}
		if err != nil {
			return err
		}
	}
	if (req.Act == "edit" || req.Act == "add") && r.raw {
		body, err := s.requestBody(c)
		if err != nil {
			return err
		}
		req.Body = body
		req.ContentType, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(c.Get(fiber.HeaderContentType))), ";")
		req.ContentType = strings.TrimSpace(req.ContentType)
	}
	c.Locals(localAct, req.Act)
	res, err := s.dispatch(c.UserContext(), r.res, req, req.Act != "view")
	var ve *models.ValidationError
	var forbidden *handlers.ForbiddenError
	var conflict *models.ConflictError
	var notServed *handlers.ErrNotServed
	var unprocessable *handlers.ErrUnprocessable
	var unsupported *handlers.ErrUnsupportedMedia
	switch {
	case errors.As(err, &unsupported):
		return sipxText(c, http.StatusUnsupportedMediaType, unsupported.Msg)
	case errors.Is(err, errBusy) || errors.Is(err, models.ErrWriteConflict):
		c.Set(fiber.HeaderRetryAfter, "1")
		return sipxText(c, http.StatusServiceUnavailable, err.Error())
	case errors.As(err, &unprocessable):
		return sipxText(c, http.StatusUnprocessableEntity, strings.TrimPrefix(unprocessable.Error(), "invalid input: "))
	case errors.As(err, &ve) && len(ve.Fields) == 1 && (ve.Fields["password"] != "" || ve.Fields["pin"] != ""):
		// The spec's own sentences ("Password must be at least 8 characters long").
		return sipxText(c, http.StatusBadRequest, ve.Fields["password"]+ve.Fields["pin"])
	case errors.As(err, &ve):
		return sipxText(c, http.StatusBadRequest, strings.TrimPrefix(ve.Error(), "invalid input: "))
	case errors.Is(err, models.ErrNotFound):
		return c.SendStatus(http.StatusNotFound)
	case errors.Is(err, models.ErrDuplicateEntry):
		return sipxText(c, 747, "Duplicate Entry") // sipX's own code and words for it
	case errors.As(err, &forbidden):
		return sipxText(c, http.StatusForbidden, forbidden.Msg)
	case errors.As(err, &conflict):
		return sipxText(c, http.StatusConflict, conflict.Msg)
	case errors.As(err, &notServed):
		return sipxText(c, http.StatusNotImplemented, notServed.Why)
	case err != nil:
		return err
	}
	for k, vs := range res.Header {
		for _, v := range vs {
			c.Response().Header.Add(k, v)
		}
	}
	if own, ok := res.JSON.(handlers.SipxRenderer); ok {
		body, ctype := own.Render(media)
		c.Set(fiber.HeaderContentType, ctype)
		return c.Send(body)
	}
	switch doc, isDoc := res.JSON.(handlers.SipxDoc); {
	case isDoc && media == "application/json":
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(doc.JSON())
	case isDoc:
		c.Set(fiber.HeaderContentType, "text/xml; charset=utf-8")
		return c.Send(doc.XML())
	case res.Text != nil:
		if res.Status != 0 {
			c.Status(res.Status)
		}
		c.Set(fiber.HeaderContentType, res.TextType)
		return c.Send(res.Text)
	case res.JSON != nil:
		b, err := json.Marshal(res.JSON)
		if err != nil {
			return err
		}
		if res.Status != 0 {
			c.Status(res.Status)
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(b)
	case res.Status != 0:
		return c.SendStatus(res.Status)
	}
	// 200 with an empty body (§8), not Fiber's status text.
	c.Status(http.StatusOK)
	return nil
}

// serverFQDN is this pbxws's name as sipX server 1 (sipx-api.md §2.6): the configured host
// name, else the SIP domain.
func (s *Server) serverFQDN() string {
	if s.cfg.Hostname != "" {
		return s.cfg.Hostname
	}
	return s.sipDomain()
}

// sipDomain is the SIP domain addresses are shown in: the SIP agent's, else the configured
// one, else "localhost".
func (s *Server) sipDomain() string {
	if s.cc != nil && s.cc.Agent != nil {
		return s.cc.Agent.Domain()
	}
	if s.cfg.SIPDomain != "" {
		return s.cfg.SIPDomain
	}
	return "localhost"
}
