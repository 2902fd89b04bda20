package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/gofiber/fiber/v2/utils"

	"pbxws/metrics"
)

// Locals keys set by the gate and read by the access log.
const (
	localAccount = "pbxws.account"
	localSection = "pbxws.section"
	localAct     = "pbxws.act"
)

func newApp(s *Server) *fiber.App { return newBareApp(s) }

// newBareApp is a Fiber app with pbxws's settings and middleware and no routes.
func newBareApp(s *Server) *fiber.App {
	cfg := fiber.Config{
		// Request strings must not alias fasthttp's reused buffers (STACK.md §2).
		Immutable: true,
		// json.php paths are case-sensitive, as the original routing table was.
		CaseSensitive:         true,
		DisableStartupMessage: true,
		// Bodies over the limit are refused before a handler runs (markLargeBodies and
		// boundBodies, first of all middleware); the error handler turns that into a 400
		// naming the limit (413 on sipX /api). Handlers check BodyLimit themselves.
		BodyLimit: s.cfg.BodyLimit,
		// Bodies are read as handlers ask for them, so that prompt uploads stream.
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		ReadTimeout:                  30 * time.Second,
		WriteTimeout:                 60 * time.Second,
		IdleTimeout:                  120 * time.Second,
		ErrorHandler:                 s.errorHandler,
	}
	// Fiber's own proxy handling takes the leftmost X-Forwarded-For address (the one the
	// client writes) and believes X-Forwarded-Proto from anyone when no proxy is configured:
	// peer and scheme below do it instead. A check that trusts nobody keeps Fiber's helpers
	// (c.IP, c.Protocol) on the TCP connection's facts.
	cfg.EnableTrustedProxyCheck = true
	app := fiber.New(cfg)
	app.Server().HeaderReceived = s.markLargeBodies
	app.Use(requestid.New(requestid.Config{Generator: utils.UUIDv4}))
	app.Use(s.accessLog)
	app.Use(s.recoverer)
	app.Use(s.boundBodies)
	return app
}

// localPeer caches the client address of a request.
const localPeer = "pbxws.peer"

// peer is the client address: the TCP peer or, when the TCP peer is a configured trusted
// proxy, the rightmost X-Forwarded-For address that is not one (acl.Proxies.ClientAddr). An
// unreadable chain gives the invalid address: an unknown peer, never loopback, never listed.
func (s *Server) peer(c *fiber.Ctx) netip.Addr {
	if a, ok := c.Locals(localPeer).(netip.Addr); ok {
		return a
	}
	tcp, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	tcp = tcp.Unmap()
	a := tcp
	if s.proxies.Trusts(tcp) {
		var hops []string
		c.Request().Header.VisitAll(func(k, v []byte) {
			if string(k) == fiber.HeaderXForwardedFor {
				hops = append(hops, string(v))
			}
		})
		var ok bool
		if a, ok = s.proxies.ClientAddr(tcp, hops); !ok {
			a = netip.Addr{}
		}
	}
	c.Locals(localPeer, a)
	return a
}

// secure reports whether the client reached us over TLS: the listener's own TLS state or,
// from a trusted proxy only, its X-Forwarded-Proto.
func (s *Server) secure(c *fiber.Ctx) bool {
	if c.Context().IsTLS() {
		return true
	}
	tcp, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	if !s.proxies.Trusts(tcp) {
		return false
	}
	proto, _, _ := strings.Cut(c.Get(fiber.HeaderXForwardedProto), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// accessLog writes one line per request: request id, peer, account, section, act, status, time.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := s.errorHandler(c, err); herr != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	var buf [9]slog.Attr
	attrs := append(buf[:0],
		slog.Any("id", c.Locals("requestid")),
		slog.String("peer", s.peer(c).String()),
		slog.String("method", c.Method()),
		slog.String("path", loggedPath(c.Path())),
		slog.Int("status", c.Response().StatusCode()),
		slog.Duration("duration", time.Since(start).Round(time.Microsecond)),
	)
	for _, k := range [...]string{localAccount, localSection, localAct} {
		if v, ok := c.Locals(k).(string); ok && v != "" {
			attrs = append(attrs, slog.String(k[len("pbxws."):], v))
		}
	}
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
	section, _ := c.Locals(localSection).(string)
	act, _ := c.Locals(localAct).(string)
	labels := []string{facade(c.Path()), section, actLabel(act), strconv.Itoa(c.Response().StatusCode())}
	metrics.Requests.WithLabelValues(labels...).Inc()
	metrics.RequestDuration.WithLabelValues(labels...).Observe(time.Since(start).Seconds())
	return nil
}

// secretSegments are the path segments that carry a secret, after the segment that names
// it: a private key (/rest/private/{key}/…), a new portal password or voicemail PIN.
var secretSegments = map[string]bool{"private": true, "password": true, "pin": true}

// loggedPath is the path as the access log writes it: a secret segment of the sipX façade
// becomes "…".
func loggedPath(p string) string {
	if !strings.HasPrefix(p, "/sipxconfig/") {
		return p
	}
	parts := strings.Split(p, "/")
	for i := 1; i+1 < len(parts); i++ {
		if secretSegments[parts[i]] && parts[i+1] != "" {
			parts[i+1] = "…"
			i++
		}
	}
	return strings.Join(parts, "/")
}

// actLabel bounds the act label: the act comes from the query string.
func actLabel(act string) string {
	switch act {
	case "", "list", "search", "view", "add", "edit", "delete", "deleteall", "check":
		return act
	}
	return "other"
}

// facade names the API a path belongs to, for the metrics (a bounded set of labels).
func facade(path string) string {
	switch {
	case strings.Contains(path, "/json.php"):
		return "json.php"
	case strings.HasPrefix(path, "/callcontroller"):
		return "callcontroller"
	case strings.HasPrefix(path, "/sipxconfig"):
		return "sipx"
	case path == "/status" || path == "/healthz" || path == "/readyz":
		return "health"
	}
	return "other"
}

// recoverer turns a panic into a 500 with a JSON body, and logs the stack.
func (s *Server) recoverer(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic", "id", c.Locals("requestid"), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = errInternal
		}
	}()
	return c.Next()
}

var errInternal = errors.New("internal error")

// retryAfterOutage is the Retry-After, in seconds, of the 503 answered while the database is
// unavailable.
const retryAfterOutage = 2

// errorHandler renders errors that escape a route: Fiber's own (404, body too large) and
// internal ones. json.php maps its errors itself (jsonphp.go).
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusRequestEntityTooLarge:
			if strings.HasPrefix(c.Path(), sipxAPIPrefix) { // sipX /api: 413, one line (sipx-api.md §2.5)
				return sipxText(c, fiber.StatusRequestEntityTooLarge, fmt.Sprintf("the body must be at most %d bytes", s.cfg.BodyLimit))
			}
			return writeError(c, fiber.StatusBadRequest, fmt.Sprintf("request body exceeds %d bytes", s.cfg.BodyLimit), map[string]string{"body": fmt.Sprintf("must be at most %d bytes", s.cfg.BodyLimit)})
		case fiber.StatusNotFound:
			c.Status(fiber.StatusNotFound)
			return nil
		}
		return writeError(c, fe.Code, fe.Message, nil)
	}
	if s.health.Report(err) {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retryAfterOutage))
		return writeError(c, fiber.StatusServiceUnavailable, "the database is unavailable: retry later", nil)
	}
	s.log.Error("internal error", "id", c.Locals("requestid"), "path", loggedPath(c.Path()), "err", err)
	return writeError(c, fiber.StatusInternalServerError, "internal error (request "+fmt.Sprint(c.Locals("requestid"))+")", nil)
}

// writeError sends {"error": msg, "fields": {...}} with the status.
func writeError(c *fiber.Ctx, status int, msg string, fields map[string]string) error {
	body := map[string]any{"error": msg}
	if len(fields) > 0 {
		body["fields"] = fields
	}
	b, _ := encodeJSON(body)
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}

var _ = slog.Default
