package web

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pbxws/models"
)

// errUnsupportedEncoding: a Content-Encoding pbxws does not decode (answered 415).
var errUnsupportedEncoding = errors.New("unsupported Content-Encoding")

// requestBody is the request body, decoded when it came compressed (gzip or deflate, one
// coding). The body limit applies to the decoded size and is checked while decoding, so a
// small compressed body that would inflate to gigabytes stops at the limit. (Fiber's own
// c.Body() inflates whole, whatever the size, and answers a decoding error as if it were the
// body.)
func (s *Server) requestBody(c *fiber.Ctx) ([]byte, error) {
	raw := c.Request().Body()
	coding := strings.ToLower(strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)))
	return decodeBody(raw, coding, s.cfg.BodyLimit)
}

// decodeBody decodes raw as coding, refusing more than limit decoded bytes.
func decodeBody(raw []byte, coding string, limit int) ([]byte, error) {
	var r io.Reader
	if len(raw) == 0 {
		coding = "" // nothing to decode, whatever the header says
	}
	switch coding {
	case "", "identity":
		if len(raw) > limit {
			return nil, bodyTooLarge(limit)
		}
		return bytes.Clone(raw), nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, models.Invalid("body", "is not valid gzip: "+err.Error())
		}
		defer zr.Close()
		r = zr
	case "deflate":
		// RFC 9110's deflate is the zlib format; some clients send raw deflate.
		zr, err := zlibOrRaw(raw)
		if err != nil {
			return nil, models.Invalid("body", "is not valid deflate: "+err.Error())
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("%w %q: send the body as it is, or gzip or deflate it", errUnsupportedEncoding, coding)
	}
	out, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, models.Invalid("body", "cannot be decoded as "+coding+": "+err.Error())
	}
	if len(out) > limit {
		return nil, bodyTooLarge(limit)
	}
	return out, nil
}

func bodyTooLarge(limit int) error {
	return models.Invalid("body", fmt.Sprintf("must be at most %d bytes (decoded)", limit))
}

// zlibOrRaw reads a deflate body in the zlib wrapper, or raw when it has none.
func zlibOrRaw(raw []byte) (io.ReadCloser, error) {
	if zr, err := zlib.NewReader(bytes.NewReader(raw)); err == nil {
		return zr, nil
	}
	return flate.NewReader(bytes.NewReader(raw)), nil
}
