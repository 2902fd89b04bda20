package web

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pbxws/acl"
	"pbxws/handlers"
	"pbxws/models"
)

// jsonRoot is one json.php front controller: its URL root, the prefix of its ACL sections and
// the endpoints below it, keyed by "<category>/<subcategory>" (or "<category>" alone).
type jsonRoot struct {
	root      string
	section   string
	endpoints map[string]jsonEndpoint
}

// jsonEndpoint is one routed path: the resource behind it and the modes it accepts.
type jsonEndpoint struct {
	res        *handlers.Resource
	restricted bool
	private    bool
	// noSum: the original never honoured `sum` here (§5.1); we do everywhere else.
	noSum bool
	// ignoreAct: the endpoint has one behaviour whatever `act` says (check).
	ignoreAct bool
}

// both is an endpoint routed in restricted and private mode.
func both(res *handlers.Resource) jsonEndpoint {
	return jsonEndpoint{res: res, restricted: true, private: true}
}

// mount registers one json.php root: every path below it goes through the gate.
func (s *Server) mount(app *fiber.App, r jsonRoot) {
	h := func(c *fiber.Ctx) error { return s.serveJSONPHP(c, r) }
	app.All(r.root, h)
	app.All(r.root+"/*", h)
}

// splitJSONPath normalises what follows json.php (spec §1.2): collapse slashes, drop "..",
// keep at most three pieces (the rest is ignored), refuse empty or hidden pieces.
func splitJSONPath(rest string) (mode, path string, ok bool) {
	rest = strings.ReplaceAll(rest, "..", "")
	var pieces []string
	for _, p := range strings.Split(rest, "/") {
		if p != "" {
			pieces = append(pieces, p)
		}
	}
	if len(pieces) > 3 {
		pieces = pieces[:3]
	}
	if len(pieces) < 2 {
		return "", "", false
	}
	for _, p := range pieces {
		if strings.HasPrefix(p, "_") || strings.HasPrefix(p, ".") {
			return "", "", false
		}
	}
	return pieces[0], strings.Join(pieces[1:], "/"), true
}

func (s *Server) serveJSONPHP(c *fiber.Ctx, r jsonRoot) error {
	mode, path, ok := splitJSONPath(strings.TrimPrefix(c.Path(), r.root))
	if !ok || (mode != "restricted" && mode != "private") {
		return writeError(c, http.StatusNotFound, "no such web service", nil)
	}
	ep, found := r.endpoints[path]
	if !found || (mode == "restricted" && !ep.restricted) || (mode == "private" && !ep.private) {
		return writeError(c, http.StatusNotFound, "no such web service", nil)
	}
	c.Set("X-XIVO-WS-VERSION", "1.0")
	section := r.section + "/" + path
	c.Locals(localSection, section)

	peer := s.peer(c)
	if mode == "private" {
		if !acl.IsLoopback(peer) {
			return writeError(c, http.StatusForbidden, "private web services answer local processes only", nil)
		}
		c.Locals(localAccount, "(private)")
	} else {
		acc, reason, err := s.gate.Identify(c.UserContext(), peer, c.Get(fiber.HeaderAuthorization))
		if err != nil {
			return s.jsonPHPError(c, err)
		}
		if acc == nil {
			s.log.Info("web-service access refused", "id", c.Locals("requestid"), "peer", peer.String(), "reason", reason)
			c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="Access Restricted"`)
			return writeError(c, http.StatusUnauthorized, "authentication required", nil)
		}
		c.Locals(localAccount, acc.Name)
		if !acl.Granted(acc.Sections, section) {
			return writeError(c, http.StatusForbidden, "account "+acc.Name+" is not granted "+section, nil)
		}
	}

	query, err := parseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return s.jsonPHPError(c, err)
	}
	body, err := s.requestBody(c)
	if err != nil {
		return s.jsonPHPError(c, err)
	}
	req := &handlers.Request{
		Act:     query.Get("act"),
		ID:      query.Get("id"),
		Query:   query,
		Body:    body,
		Private: mode == "private",
	}
	req.Account, _ = c.Locals(localAccount).(string)
	if ep.ignoreAct {
		req.Act = ""
	}
	c.Locals(localAct, req.Act)
	// Every act but the reads is a write (add, edit, delete, deleteall, save, configure…):
	// admitted as one, and what this instance caches is read again after it.
	write := true
	switch req.Act {
	case "", "list", "search", "searchid", "view", "stats":
		write = false
	}
	res, err := s.dispatch(c.UserContext(), ep.res, req, write)
	if err != nil {
		return s.jsonPHPError(c, err)
	}
	return s.render(c, res, req, !ep.noSum)
}

// parseQuery decodes a json.php query string with form semantics (+ is a space, as xivo-ws
// sends it), trims values, and refuses control characters in names and values: parameters
// reach SQL (as parameters) and logs.
func parseQuery(raw string) (url.Values, error) {
	query, err := url.ParseQuery(raw)
	if err != nil {
		return nil, models.Invalid("query", "is malformed: "+err.Error())
	}
	for k, vs := range query {
		if !models.Printable(k) {
			return nil, models.Invalid("query", "must not contain control characters in parameter names")
		}
		for i := range vs {
			vs[i] = strings.TrimSpace(vs[i])
			if !models.Printable(vs[i]) {
				return nil, models.Invalid(k, "must not contain control characters")
			}
		}
	}
	return query, nil
}

// render sends a Result: JSON bodies with ETag, `sum` and If-None-Match → 304.
func (s *Server) render(c *fiber.Ctx, res handlers.Result, req *handlers.Request, sum bool) error {
	status := res.Status
	if status == 0 {
		status = http.StatusOK
	}
	var body []byte
	ctype := res.TextType
	switch {
	case res.JSON != nil:
		b, release, err := handlers.RenderJSON(res.JSON)
		defer release()
		if err != nil {
			return s.jsonPHPError(c, err)
		}
		body, ctype = b, fiber.MIMEApplicationJSON
	case res.Text != nil:
		body = res.Text
	case res.Rendered != nil:
		body, ctype = res.Rendered, fiber.MIMEApplicationJSON
	}
	if status == http.StatusOK && len(body) > 0 && ctype == fiber.MIMEApplicationJSON {
		// The ETag is a CRC-32C (hardware-computed) and the length: stable across instances,
		// and far cheaper than MD5 on a multi-megabyte list. MD5 is computed only for `sum`, whose
		// value clients derive with MD5.
		etag := `"` + strconv.FormatUint(uint64(crc32.Checksum(body, crcTable)), 16) + "-" + strconv.Itoa(len(body)) + `"`
		c.Set(fiber.HeaderETag, etag)
		if sum && etagMatch(c.Get(fiber.HeaderIfNoneMatch), etag) {
			c.Status(http.StatusNotModified)
			return nil
		}
		if want := req.Query.Get("sum"); sum && want != "" {
			h := md5.Sum(body)
			if want == hex.EncodeToString(h[:]) {
				c.Status(http.StatusNotModified)
				return nil
			}
		}
	}
	c.Status(status)
	if len(body) == 0 {
		return nil
	}
	if ctype != "" {
		c.Set(fiber.HeaderContentType, ctype)
	}
	if res.Rendered != nil {
		// Shared and never modified: fasthttp may send it as it is.
		c.Response().SetBodyRaw(body)
		return nil
	}
	// Copied into fasthttp's own buffer: ours goes back to the pool when render returns,
	// before fasthttp writes the response (Send would keep a reference to it, and another
	// request could then fill it).
	c.Response().SetBody(body)
	return nil
}

func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// jsonPHPError is the json.php error mapper: typed errors → the original's status codes, with
// a JSON body naming what failed (clients ignore bodies of errors; people read them).
func (s *Server) jsonPHPError(c *fiber.Ctx, err error) error {
	var ve *models.ValidationError
	var ce *models.ConflictError
	var ie *models.InUseError
	var ua *handlers.ErrUnknownAct
	var fe *handlers.ForbiddenError
	var th *acl.Throttled
	var ns *handlers.ErrNotServed
	switch {
	case errors.Is(err, errBusy) || errors.Is(err, models.ErrWriteConflict):
		c.Set(fiber.HeaderRetryAfter, "1")
		return writeError(c, http.StatusServiceUnavailable, err.Error(), nil)
	case errors.As(err, &ns):
		return writeError(c, http.StatusNotImplemented, ns.Why, nil)
	case errors.As(err, &th):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(th.Seconds()))
		return writeError(c, http.StatusTooManyRequests, th.Error(), nil)
	case errors.Is(err, errUnsupportedEncoding):
		return writeError(c, http.StatusUnsupportedMediaType, err.Error(), map[string]string{"Content-Encoding": "must be gzip, deflate or identity"})
	case errors.Is(err, acl.ErrChecksBusy):
		c.Set(fiber.HeaderRetryAfter, "1")
		return writeError(c, http.StatusServiceUnavailable, "pbxws is busy checking passwords: retry later", nil)
	case errors.As(err, &ve):
		return writeError(c, http.StatusBadRequest, "invalid input", ve.Fields)
	case errors.As(err, &ce):
		return writeError(c, http.StatusBadRequest, ce.Msg, map[string]string{ce.Field: "is already in use"})
	case errors.As(err, &ua):
		return writeError(c, http.StatusBadRequest, ua.Error(), map[string]string{"act": "must be one of: " + strings.Join(ua.Allowed, ", ")})
	case errors.Is(err, models.ErrNotFound):
		return writeError(c, http.StatusNotFound, "no such object", nil)
	case errors.As(err, &fe):
		return writeError(c, http.StatusForbidden, fe.Msg, nil)
	case errors.As(err, &ie):
		c.Set(fiber.HeaderAllow, "GET, POST")
		return writeError(c, http.StatusMethodNotAllowed, ie.Msg, nil)
	}
	return s.errorHandler(c, err)
}

// encodeJSON is the one JSON renderer of json.php answers and error bodies.
func encodeJSON(v any) ([]byte, error) { return handlers.EncodeJSON(v) }
