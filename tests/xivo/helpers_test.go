// Package xivo_test drives the json.php web services of a real pbxws over HTTP on loopback,
// against a real PostgreSQL, and checks answers and the database state after writes.
package xivo_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"pbxws/tests/testenv"
)

// xc is a raw json.php client: what goes on the wire is what the test says.
type xc struct {
	t    *testing.T
	base string
	hc   *http.Client
	user string
	pass string
}

func newClient(t *testing.T, env *testenv.Env) *xc {
	return &xc{t: t, base: env.HTTPURL, hc: &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// do sends method path?query; body is sent as is when it is []byte or json.RawMessage,
// JSON-encoded otherwise, and absent when nil.
func (c *xc) do(method, path, query string, body any) (int, http.Header, []byte) {
	c.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case json.RawMessage:
		r = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(enc)
	}
	u := c.base + path
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, raw
}

// list decodes a 200 list answer, or returns nil for a 204 with an empty body.
func (c *xc) list(path, query string) []map[string]any {
	c.t.Helper()
	st, _, raw := c.do("GET", path, query, nil)
	if st == http.StatusNoContent {
		if len(raw) != 0 {
			c.t.Fatalf("204 with a body: %q", raw)
		}
		return nil
	}
	var out []map[string]any
	if st != http.StatusOK || json.Unmarshal(raw, &out) != nil {
		c.t.Fatalf("GET %s?%s: %d %s", path, query, st, raw)
	}
	return out
}

// object decodes a 200 view answer.
func (c *xc) object(path, query string) map[string]any {
	c.t.Helper()
	st, _, raw := c.do("GET", path, query, nil)
	var out map[string]any
	if st != http.StatusOK || json.Unmarshal(raw, &out) != nil {
		c.t.Fatalf("GET %s?%s: %d %s", path, query, st, raw)
	}
	return out
}
