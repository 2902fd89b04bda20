package web

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"pbxws/handlers"
	"pbxws/models"
)

// The sipX /api prompt uploads and downloads (sipx-api.md §4). An upload is the one request
// body pbxws reads as a stream: it may be hundreds of megabytes, so it is parsed part by part
// as it arrives and cut off at its limits, never held whole. Every other body keeps the 1 MiB
// limit (boundBodies).

// promptParts is the most parts an upload holds (§4.2).
const promptParts = 20

// isPromptUpload says whether a request is a prompt upload (its body is streamed).
func isPromptUpload(method, path string) bool {
	if method != fiber.MethodPost || !strings.HasPrefix(path, sipxAPIPrefix) {
		return false
	}
	rest := strings.TrimSuffix(strings.TrimPrefix(path, sipxAPIPrefix), "/")
	for _, suffix := range []string{".json", ".xml"} {
		if len(rest) > len(suffix) && strings.EqualFold(rest[len(rest)-len(suffix):], suffix) {
			rest = rest[:len(rest)-len(suffix)]
		}
	}
	for _, f := range models.AudioFamilies {
		if rest == f+"/prompts" {
			return true
		}
	}
	return false
}

// bodyTooLargeMark is set by markLargeBodies on a request whose declared body is over the
// limit (a client's own header of that name is dropped first).
const bodyTooLargeMark = "X-Pbxws-Body-Over-Limit"

// markLargeBodies runs as soon as a request's headers are read (fasthttp HeaderReceived).
// The app streams request bodies (for uploads), and a streaming fasthttp server reads some
// kilobytes of a body before any handler runs, even one declared over the limit: such a body
// (but an upload's) is marked and not read at all, and boundBodies refuses it.
func (s *Server) markLargeBodies(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	h.Del(bodyTooLargeMark)
	if h.ContentLength() > s.cfg.BodyLimit {
		path, _, _ := strings.Cut(string(h.RequestURI()), "?")
		if !isPromptUpload(string(h.Method()), path) {
			h.Set(bodyTooLargeMark, "1")
			h.SetContentLength(0)
		}
	}
	return fasthttp.RequestConfig{}
}

// boundBodies holds every request but prompt uploads to the body limit: a declared length
// over it was marked from the headers (the body is not read, the connection closes), and a
// chunked body is read up to the limit and kept, or refused.
func (s *Server) boundBodies(c *fiber.Ctx) error {
	if isPromptUpload(c.Method(), c.Path()) {
		return c.Next()
	}
	req := c.Request()
	switch {
	case len(req.Header.Peek(bodyTooLargeMark)) > 0:
		c.Response().SetConnectionClose()
		return fiber.ErrRequestEntityTooLarge
	case req.Header.ContentLength() == -1 && req.IsBodyStream():
		body, err := io.ReadAll(io.LimitReader(req.BodyStream(), int64(s.cfg.BodyLimit)+1))
		if err != nil {
			c.Response().SetConnectionClose()
			return fiber.NewError(fiber.StatusBadRequest, "the request body could not be read: "+err.Error())
		}
		if len(body) > s.cfg.BodyLimit {
			c.Response().SetConnectionClose()
			return fiber.ErrRequestEntityTooLarge
		}
		req.SetBodyRaw(body)
	}
	return c.Next()
}

// limitedBody reads a streamed body, failing past limit bytes.
type limitedBody struct {
	r     io.Reader
	left  int64
	limit int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, handlers.UploadTooLarge(b.limit)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// promptUpload is POST /api/{family}/prompts: ADMIN, multipart/form-data, streamed.
func (s *Server) promptUpload(family string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var body io.Reader = c.Request().BodyStream()
		if body == nil {
			body = bytes.NewReader(c.Request().Body())
		}
		// Every refusal closes the connection after lingering (the body is not read).
		if _, ok, err := s.sipxAuthenticate(c, roleAdmin); !ok {
			lingerBeforeClose(c, body)
			return err
		}
		c.Locals(localAct, "upload")
		mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
		if err != nil || mt != fiber.MIMEMultipartForm || params["boundary"] == "" {
			lingerBeforeClose(c, body)
			return sipxText(c, http.StatusUnsupportedMediaType, "an upload is multipart/form-data with a boundary")
		}
		if coding := strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)); coding != "" && !strings.EqualFold(coding, "identity") {
			lingerBeforeClose(c, body)
			return sipxText(c, http.StatusUnsupportedMediaType, "an upload is sent as it is, without Content-Encoding")
		}
		// Files up to their limit each, and a little room for the parts' headers and fields.
		total := int64(promptParts)*int64(s.cfg.AudioMaxBytes) + 1<<20
		lb := &limitedBody{r: body, left: total, limit: total}
		// The body arrives at the client's pace: only the storing of each file waits for
		// (and holds) a turn of the write admission, not the reading.
		admit := func() (func(), error) {
			if err := s.admitWrites.enter(); err != nil {
				return nil, err
			}
			return s.admitWrites.leave, nil
		}
		lim := handlers.PromptLimits{File: int64(s.cfg.AudioMaxBytes), Family: int64(s.cfg.AudioFamilyMaxBytes), Parts: promptParts, Admit: admit}
		err = handlers.UploadPrompts(c.UserContext(), s.stores, family, multipart.NewReader(lb, params["boundary"]), lim)
		if err != nil {
			lingerBeforeClose(c, body)
			return sipxAPIFailure(c, err)
		}
		c.Status(http.StatusOK)
		return nil
	}
}

// lingerBeforeClose ends a refused upload: the connection closes after the answer, and what
// the client already sent (at most 256 KiB, for at most a quarter of a second) is read and
// dropped first, so that closing a socket with unread data (a TCP reset) does not make the
// client lose the answer. The rest of the body is never read.
func lingerBeforeClose(c *fiber.Ctx, body io.Reader) {
	c.Response().SetConnectionClose()
	if conn := c.Context().Conn(); conn != nil {
		_ = conn.SetReadDeadline(time.Now().Add(250 * time.Millisecond))
	}
	_, _ = io.CopyN(io.Discard, body, 256<<10)
}

// promptDownload is GET /api/{family}/prompts/{name}[/stream]: the stored bytes with their
// type, length, ETag (sha256) and one byte range when asked; attachment adds the
// Content-Disposition of a download.
func (s *Server) promptDownload(res *handlers.Resource, attachment bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if _, ok, err := s.sipxAuthenticate(c, roleAdmin); !ok {
			return err
		}
		c.Locals(localAct, "download")
		name, err := url.PathUnescape(c.Params("name"))
		if err != nil {
			return sipxText(c, http.StatusNotFound, "Prompt not found")
		}
		out, err := s.dispatch(c.UserContext(), res, &handlers.Request{Act: "download", PathParams: map[string]string{"name": name}}, false)
		if err != nil {
			return sipxAPIFailure(c, err)
		}
		f := out.JSON.(handlers.PromptFile)
		etag := `"` + f.SHA256 + `"`
		c.Set(fiber.HeaderETag, etag)
		c.Set(fiber.HeaderAcceptRanges, "bytes")
		c.Set(fiber.HeaderContentType, f.ContentType)
		if attachment {
			// Names are validated (§4.2): no quote, backslash or control character to escape.
			c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+f.Name+`"`)
		}
		if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" && etagListHas(inm, etag) {
			return c.SendStatus(http.StatusNotModified)
		}
		data := f.Data
		if rng := c.Get(fiber.HeaderRange); rng != "" && (c.Get(fiber.HeaderIfRange) == "" || c.Get(fiber.HeaderIfRange) == etag) {
			start, end, ok, satisfiable := byteRange(rng, int64(len(data)))
			if !satisfiable {
				c.Set(fiber.HeaderContentRange, "bytes */"+strconv.Itoa(len(data)))
				return sipxText(c, http.StatusRequestedRangeNotSatisfiable, "the range is outside the file's "+strconv.Itoa(len(data))+" bytes")
			}
			if ok {
				c.Set(fiber.HeaderContentRange, "bytes "+strconv.FormatInt(start, 10)+"-"+strconv.FormatInt(end, 10)+"/"+strconv.Itoa(len(data)))
				c.Status(http.StatusPartialContent)
				return c.Send(data[start : end+1])
			}
		}
		c.Status(http.StatusOK)
		return c.Send(data)
	}
}

// etagListHas says whether an If-None-Match list holds etag (or is "*").
func etagListHas(list, etag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// byteRange reads a Range header of one byte range over size bytes: the first and last
// byte (ok), or ok false when the header is not one range pbxws serves (it answers the whole
// file then, as RFC 9110 allows); satisfiable false for one range wholly past the end.
func byteRange(h string, size int64) (start, end int64, ok, satisfiable bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, true
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, true
	}
	if first == "" { // the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, false, true
		}
		if n == 0 || size == 0 {
			return 0, 0, false, false
		}
		return max(0, size-n), size - 1, true, true
	}
	a, err := strconv.ParseInt(first, 10, 64)
	if err != nil || a < 0 {
		return 0, 0, false, true
	}
	b := size - 1
	if last != "" {
		if b, err = strconv.ParseInt(last, 10, 64); err != nil || b < a {
			return 0, 0, false, true
		}
	}
	if a >= size {
		return 0, 0, false, false
	}
	return a, min(b, size-1), true, true
}
