package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pbxws/handlers"
	"pbxws/models"
)

// The sipXconfig /api conventions (sipx-api.md §2): role ADMIN everywhere, JSON first
// (text/xml or application/xml by Accept, or a last segment ending in .json/.xml),
// text/plain one-line errors.

// sipxAPIPrefix is where the /api resources live.
const sipxAPIPrefix = "/sipxconfig/api/"

// sipxAPIMedia are the types /api answers in, the default first.
var sipxAPIMedia = []string{"application/json", "text/xml"}

// localAPIFormat holds the media type a .json/.xml suffix chose.
const localAPIFormat = "sipxapi.format"

// sipxAPISuffix strips a .json/.xml suffix from the last segment of an /api path and
// remembers the format it chose, before routing (§2.1).
func sipxAPISuffix(c *fiber.Ctx) error {
	p := c.Path()
	if !strings.HasPrefix(p, sipxAPIPrefix) {
		return c.Next()
	}
	if strings.Contains(p, "/settings/") || strings.Contains(p, "/prompts/") {
		return c.Next() // setting paths and prompt names keep their dots (§2.1)
	}
	last := p[strings.LastIndexByte(p, '/')+1:]
	for suffix, media := range map[string]string{".json": "application/json", ".xml": "text/xml"} {
		if len(last) > len(suffix) && strings.EqualFold(last[len(last)-len(suffix):], suffix) {
			c.Locals(localAPIFormat, media)
			c.Path(p[:len(p)-len(suffix)])
			break
		}
	}
	return c.Next()
}

// sipxAPI is an /api resource: methods maps each HTTP method it offers to its act.
type sipxAPI struct {
	res     *handlers.Resource
	methods map[string]string
	// fixed are path parameters the route's literal segments stand for.
	fixed map[string]string
	// media are the types the resource answers in, the default first (nil: sipxAPIMedia).
	media []string
}

func (r sipxAPI) allow() string {
	var ms []string
	for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
		if r.methods[m] != "" {
			ms = append(ms, m)
		}
	}
	return strings.Join(append(ms, fiber.MethodOptions), ", ")
}

func (r sipxAPI) serve(s *Server, c *fiber.Ctx) error {
	if c.Method() == fiber.MethodOptions {
		c.Set(fiber.HeaderAllow, r.allow())
		return c.SendStatus(http.StatusOK)
	}
	u, ok, err := s.sipxAuthenticate(c, roleAdmin)
	if !ok {
		return err
	}
	method := c.Method()
	if method == fiber.MethodHead {
		method = fiber.MethodGet
	}
	act := r.methods[method]
	if act == "" {
		c.Set(fiber.HeaderAllow, r.allow())
		return sipxText(c, http.StatusMethodNotAllowed, c.Method()+" is not offered here: use "+strings.TrimSuffix(r.allow(), ", OPTIONS"))
	}
	req := &handlers.Request{Act: act, User: u.ID, Admin: u.Admin, Account: u.UserName, Query: sipxQuery(c), PathParams: map[string]string{}}
	for k, v := range r.fixed {
		req.PathParams[k] = v
	}
	for _, name := range c.Route().Params {
		if strings.HasPrefix(name, "*") { // a setting's path (§3.3)
			p, ok := settingPath(c.Params(name))
			if !ok {
				return sipxText(c, http.StatusNotFound, "Setting not found")
			}
			req.PathParams["path"] = p
			continue
		}
		v, err := url.PathUnescape(c.Params(name))
		if err != nil {
			return sipxText(c, http.StatusBadRequest, name+": malformed %-escape")
		}
		req.PathParams[name] = v
	}
	offered := r.media
	if offered == nil {
		offered = sipxAPIMedia
	}
	media, _ := c.Locals(localAPIFormat).(string)
	if media != "" && !slices.Contains(offered, media) {
		return sipxText(c, http.StatusNotAcceptable, "this resource answers "+strings.Join(offered, " or "))
	}
	if media == "" {
		var ok bool
		if media, ok = negotiate(c.Get(fiber.HeaderAccept), offered); !ok {
			return sipxText(c, http.StatusNotAcceptable, "this resource answers "+strings.Join(offered, " or "))
		}
	}
	if method == fiber.MethodPost || method == fiber.MethodPut {
		body, err := s.requestBody(c)
		var ve *models.ValidationError
		if errors.As(err, &ve) && strings.HasPrefix(ve.Fields["body"], "must be at most") {
			return sipxText(c, http.StatusRequestEntityTooLarge, "the body "+ve.Fields["body"])
		}
		switch {
		case err != nil:
		case req.PathParams["path"] != "": // a setting's value, as text (§3.3)
			req.Body, req.ContentType = body, sipxMediaType(c.Get(fiber.HeaderContentType))
		case len(body) > 0:
			req.Decoded, err = decodeSipxBody(c.Get(fiber.HeaderContentType), body)
		}
		if err != nil {
			return sipxAPIFailure(c, err)
		}
	}
	c.Locals(localAct, act)
	res, err := s.dispatch(c.UserContext(), r.res, req, method != fiber.MethodGet)
	if err != nil {
		return sipxAPIFailure(c, err)
	}
	for k, vs := range res.Header {
		for _, v := range vs {
			c.Response().Header.Add(k, v)
		}
	}
	if res.Status == http.StatusNoContent {
		return c.SendStatus(http.StatusNoContent)
	}
	if own, ok := res.JSON.(handlers.SipxRenderer); ok {
		body, ctype := own.Render(media)
		c.Set(fiber.HeaderContentType, ctype)
		return c.Send(body)
	}
	c.Status(http.StatusOK) // writes and deletes: 200, empty (§2.4)
	return nil
}

// apiSettings routes a settings tree (§3.3) under /sipxconfig/api+base: GET base/settings (and
// PUT, the bulk write, when bulk), GET, PUT (text/plain) and DELETE base/settings/{path}. res
// is a handlers.SettingsResource.
func (s *Server) apiSettings(app *fiber.App, base string, res *handlers.Resource, bulk bool) {
	root := map[string]string{"GET": "view"}
	if bulk {
		root["PUT"] = "edit"
	}
	serve := func(r sipxAPI) fiber.Handler { return func(c *fiber.Ctx) error { return r.serve(s, c) } }
	app.All("/sipxconfig/api"+base+"/settings", serve(sipxAPI{res: res, methods: root}))
	app.All("/sipxconfig/api"+base+"/settings/*", serve(sipxAPI{res: res, methods: map[string]string{"GET": "view", "PUT": "edit", "DELETE": "delete"}}))
}

// settingPath decodes a setting path from a URL: each segment once; an empty, "." or ".."
// segment, or one holding a slash once decoded, names no setting.
func settingPath(raw string) (string, bool) {
	segs := strings.Split(raw, "/")
	for i, seg := range segs {
		v, err := url.PathUnescape(seg)
		if err != nil || v == "" || v == "." || v == ".." || strings.ContainsRune(v, '/') {
			return "", false
		}
		segs[i] = v
	}
	return strings.Join(segs, "/"), true
}

// sipxAPIFailure maps an act's error to the §2.5 status and one line of text.
func sipxAPIFailure(c *fiber.Ctx, err error) error {
	var ae *handlers.APIError
	var ve *models.ValidationError
	var ce *models.ConflictError
	var unprocessable *handlers.ErrUnprocessable
	var notServed *handlers.ErrNotServed
	var unsupported *handlers.ErrUnsupportedMedia
	switch {
	case errors.As(err, &unsupported):
		return sipxText(c, http.StatusUnsupportedMediaType, unsupported.Msg)
	case errors.As(err, &ae):
		return sipxText(c, ae.Status, ae.Msg)
	case errors.Is(err, errBusy):
		c.Set(fiber.HeaderRetryAfter, "1")
		return sipxText(c, http.StatusServiceUnavailable, err.Error())
	case errors.Is(err, errUnsupportedMedia), errors.Is(err, errUnsupportedEncoding):
		return sipxText(c, http.StatusUnsupportedMediaType, err.Error())
	case errors.As(err, &unprocessable):
		return sipxText(c, http.StatusUnprocessableEntity, strings.TrimPrefix(unprocessable.Error(), "invalid input: "))
	case errors.As(err, &ve):
		return sipxText(c, http.StatusBadRequest, strings.TrimPrefix(ve.Error(), "invalid input: "))
	case errors.As(err, &ce):
		return sipxText(c, http.StatusConflict, ce.Msg)
	case errors.Is(err, models.ErrNotFound):
		return sipxText(c, http.StatusNotFound, "not found")
	case errors.As(err, &notServed):
		return sipxText(c, http.StatusNotImplemented, notServed.Why)
	}
	return err
}
